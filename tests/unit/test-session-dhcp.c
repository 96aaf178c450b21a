/* test-session-dhcp.c -- the session's IPv4 configuration after IPCP: the
 * routes setting and its errors; Windows' classful route; the merge of IPCP
 * and DHCPINFORM (DNS/WINS override, domain, search, pushed routes, the
 * gateway kept out of the tunnel); and the held report on a fake clock (an
 * answer within the hold, none, a late one as an update, dhcp-inform=no,
 * replies after the exchange consumed, other packets left alone). */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "dhcp/dhcp.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "session-dhcp.h"
#include "settings.h"

static uint64_t fake_now;
static uint64_t fake_clock(void *arg) { (void)arg; return fake_now; }

static char last_log[512];
static int n_err_logs;

static void logfn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	(void)arg;
	if (lvl <= WV_LOG_ERR)
		n_err_logs++;
	if (lvl <= WV_LOG_INFO)
		snprintf(last_log, sizeof(last_log), "%s", msg);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%s] %s\n", subsys, msg);
}

static const struct wv_log lg = { logfn, NULL, WV_LOG_TRACE };

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	CHECK(inet_pton(AF_INET, s, &a) == 1);
	return a;
}

static bool has_route(const struct wv_ip4_config *c, const char *dst, unsigned prefix)
{
	struct in_addr a = ip4(dst);
	unsigned i;

	for (i = 0; i < c->n_routes; i++)
		if (c->routes[i].dst.s_addr == a.s_addr && c->routes[i].prefix == prefix)
			return true;
	return false;
}

static void test_parse_routes(void)
{
	struct wv_route4 r[4];
	unsigned n = 99;
	char *err = NULL;

	CHECK(sdhcp_parse_routes("", r, 4, &n, &err) == 0 && n == 0);
	CHECK(sdhcp_parse_routes(NULL, r, 4, &n, &err) == 0 && n == 0);
	CHECK(sdhcp_parse_routes(" 10.0.0.0/8  172.16.5.0/24,192.0.2.7 ", r, 4, &n, &err) == 0);
	CHECK(n == 3);
	CHECK(r[0].dst.s_addr == ip4("10.0.0.0").s_addr && r[0].prefix == 8);
	CHECK(r[1].dst.s_addr == ip4("172.16.5.0").s_addr && r[1].prefix == 24);
	CHECK(r[2].dst.s_addr == ip4("192.0.2.7").s_addr && r[2].prefix == 32);
	CHECK(r[0].gateway.s_addr == 0);

	CHECK(sdhcp_parse_routes("10.0.0.0/8 10.1.0/16", r, 4, &n, &err) == -EINVAL);
	CHECK_STR(err, "invalid routes: '10.1.0/16' is not an IPv4 prefix like 10.0.0.0/8");
	free(err);
	err = NULL;
	CHECK(sdhcp_parse_routes("10.0.0.0/33", r, 4, &n, &err) == -EINVAL);
	CHECK(err && strstr(err, "'10.0.0.0/33'"));
	free(err);
	err = NULL;
	CHECK(sdhcp_parse_routes("10.0.0.0/", r, 4, &n, &err) == -EINVAL);
	free(err);
	err = NULL;
	CHECK(sdhcp_parse_routes("10.0.0.0/-1", r, 4, &n, &err) == -EINVAL);
	free(err);
	err = NULL;
	CHECK(sdhcp_parse_routes("corp.example/24", r, 4, &n, &err) == -EINVAL);
	CHECK(err && strstr(err, "'corp.example/24'"));
	free(err);
	err = NULL;
	CHECK(sdhcp_parse_routes("10.1.2.3/16", r, 4, &n, &err) == -EINVAL);
	CHECK_STR(err, "invalid routes: '10.1.2.3/16' has host bits set (did you mean "
		  "10.1.0.0/16?)");
	free(err);
	err = NULL;
	CHECK(sdhcp_parse_routes("1.0.0.0/8 2.0.0.0/8 3.0.0.0/8", r, 2, &n, &err) == -EINVAL);
	free(err);
	err = NULL;
	CHECK(sdhcp_parse_routes("1.0.0.0/8 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				 "xxxxxxxxxxx", r, 4, &n, NULL) == -EINVAL);
}

static void test_class_route(void)
{
	struct wv_route4 r;

	CHECK(sdhcp_class_route(ip4("10.1.2.3"), &r));
	CHECK(r.dst.s_addr == ip4("10.0.0.0").s_addr && r.prefix == 8);
	/* 172.16/12 is private, but Windows' rule is classful: class B, /16. */
	CHECK(sdhcp_class_route(ip4("172.16.5.4"), &r));
	CHECK(r.dst.s_addr == ip4("172.16.0.0").s_addr && r.prefix == 16);
	CHECK(sdhcp_class_route(ip4("192.168.40.7"), &r));
	CHECK(r.dst.s_addr == ip4("192.168.40.0").s_addr && r.prefix == 24);
	CHECK(sdhcp_class_route(ip4("127.255.255.255"), &r) && r.prefix == 8);
	CHECK(sdhcp_class_route(ip4("128.0.0.1"), &r) && r.prefix == 16);
	CHECK(sdhcp_class_route(ip4("223.1.2.3"), &r) && r.prefix == 24);
	CHECK(!sdhcp_class_route(ip4("224.0.0.1"), &r));
	CHECK(!sdhcp_class_route(ip4("240.0.0.1"), &r));
	CHECK(!sdhcp_class_route(ip4("0.0.0.1"), &r));
}

static void base_config(struct wv_ip4_config *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->ifname, sizeof(b->ifname), "winvpn0");
	b->gateway = ip4("10.98.0.2");
	b->local = ip4("192.168.40.10");
	b->peer = ip4("192.168.40.1");
	b->dns[0] = ip4("10.98.0.53");
	b->n_dns = 1;
	b->nbns[0] = ip4("10.98.0.54");
	b->n_nbns = 1;
	b->mtu = 1400;
	b->protocol = "pptp";
}

static void route_info(struct dhcp_info *in, unsigned i, const char *dst, uint8_t len)
{
	in->routes[i].prefix = ip4(dst);
	in->routes[i].len = len;
	in->routes[i].gateway.s_addr = 0;
	if (in->n_routes <= i)
		in->n_routes = i + 1;
}

static void test_build(void)
{
	struct wv_ip4_config b, c;
	struct sdhcp_policy pol;
	struct dhcp_info in;

	base_config(&b);
	memset(&pol, 0, sizeof(pol));

	/* No answer, full tunnel: IPCP's values, no routes; repeats dropped. */
	b.dns[1] = b.dns[0];
	b.n_dns = 2;
	sdhcp_build(&c, &b, NULL, &pol, &lg);
	CHECK_STR(c.source, "IPCP");
	CHECK(c.n_dns == 1 && c.dns[0].s_addr == ip4("10.98.0.53").s_addr);
	CHECK(c.n_nbns == 1 && c.n_routes == 0 && !c.never_default && c.domain[0] == 0);
	CHECK(c.mtu == 1400 && c.local.s_addr == b.local.s_addr);

	/* Split tunnel: the class C route of 192.168.40.10. */
	pol.never_default = true;
	pol.class_route = true;
	sdhcp_build(&c, &b, NULL, &pol, &lg);
	CHECK(c.never_default && c.n_routes == 1 && has_route(&c, "192.168.40.0", 24));
	pol.class_route = false;     /* disable-class-route */
	sdhcp_build(&c, &b, NULL, &pol, &lg);
	CHECK(c.n_routes == 0);

	/* An answer: DNS and WINS override IPCP's, domain and search, routes. */
	memset(&in, 0, sizeof(in));
	in.dns[0] = ip4("10.20.0.53");
	in.dns[1] = ip4("10.20.0.54");
	in.n_dns = 2;
	in.wins[0] = ip4("10.20.0.55");
	in.n_wins = 1;
	snprintf(in.domain, sizeof(in.domain), "corp.example");
	snprintf(in.search[0], sizeof(in.search[0]), "corp.example");
	snprintf(in.search[1], sizeof(in.search[1]), "lab.example");
	in.n_search = 2;
	route_info(&in, 0, "10.20.0.0", 16);
	route_info(&in, 1, "10.30.0.0", 16);
	route_info(&in, 2, "10.98.0.2", 32);      /* the gateway itself: dropped */
	route_info(&in, 3, "0.0.0.0", 0);         /* a default route: not a route entry */
	route_info(&in, 4, "10.98.0.0", 16);      /* covers the gateway: its /32 wins */
	route_info(&in, 5, "10.20.0.0", 16);      /* a repeat */
	in.routes_option = 121;
	pol.never_default = true;
	pol.class_route = true;
	CHECK(sdhcp_parse_routes("172.16.5.0/24 10.30.0.0/16", pol.user, WV_MAX_ROUTES,
				 &pol.n_user, NULL) == 0);
	last_log[0] = 0;
	sdhcp_build(&c, &b, &in, &pol, &lg);
	CHECK_STR(c.source, "IPCP+DHCPINFORM");
	CHECK(c.n_dns == 2 && c.dns[0].s_addr == ip4("10.20.0.53").s_addr &&
	      c.dns[1].s_addr == ip4("10.20.0.54").s_addr);
	CHECK(c.n_nbns == 1 && c.nbns[0].s_addr == ip4("10.20.0.55").s_addr);
	CHECK_STR(c.domain, "corp.example");
	CHECK(c.n_search == 2);
	CHECK_STR(c.search[1], "lab.example");
	CHECK(has_route(&c, "10.20.0.0", 16) && has_route(&c, "10.30.0.0", 16));
	CHECK(has_route(&c, "10.98.0.0", 16));
	CHECK(!has_route(&c, "10.98.0.2", 32) && !has_route(&c, "0.0.0.0", 0));
	CHECK(has_route(&c, "192.168.40.0", 24) && has_route(&c, "172.16.5.0", 24));
	CHECK(c.n_routes == 5);          /* 10.20, 10.30, 10.98, class C, 172.16.5 */
	{
		char s[200];

		sdhcp_routes_str(&c, s, sizeof(s));
		CHECK_STR(s, "10.20.0.0/16, 10.30.0.0/16, 10.98.0.0/16, 192.168.40.0/24, "
			  "172.16.5.0/24");
		sdhcp_routes_str(&c, s, 20);
		CHECK(strlen(s) == 19 && strcmp(s + 16, "...") == 0);
	}

	/* Full tunnel: the user's and pushed routes, no class route. */
	pol.never_default = false;
	pol.class_route = false;
	sdhcp_build(&c, &b, &in, &pol, &lg);
	CHECK(!c.never_default && !has_route(&c, "192.168.40.0", 24));
	CHECK(has_route(&c, "10.20.0.0", 16) && has_route(&c, "172.16.5.0", 24));

	/* An answer without DNS/WINS keeps IPCP's. */
	in.n_dns = 0;
	in.n_wins = 0;
	sdhcp_build(&c, &b, &in, &pol, &lg);
	CHECK(c.n_dns == 1 && c.dns[0].s_addr == ip4("10.98.0.53").s_addr);
	CHECK(c.n_nbns == 1 && c.nbns[0].s_addr == ip4("10.98.0.54").s_addr);

	/* A user default route is not a route entry either. */
	CHECK(sdhcp_parse_routes("0.0.0.0/0 172.16.5.0/24", pol.user, WV_MAX_ROUTES, &pol.n_user,
				 NULL) == 0);
	in.n_routes = 0;
	sdhcp_build(&c, &b, &in, &pol, &lg);
	CHECK(c.n_routes == 1 && has_route(&c, "172.16.5.0", 24));

	/* A user route for the gateway itself is dropped too, with a log line. */
	CHECK(sdhcp_parse_routes("10.98.0.2/32", pol.user, WV_MAX_ROUTES, &pol.n_user,
				 NULL) == 0);
	in.n_routes = 0;
	last_log[0] = 0;
	sdhcp_build(&c, &b, &in, &pol, &lg);
	CHECK(c.n_routes == 0);
	CHECK(strstr(last_log, "10.98.0.2/32") && strstr(last_log, "gateway 10.98.0.2"));

	/* No more than WV_MAX_ROUTES. */
	{
		unsigned i;

		in.n_routes = 0;
		for (i = 0; i < DHCP_MAX_ROUTES; i++) {
			in.routes[i].prefix.s_addr = htonl(0x0b000000u | (i << 8));
			in.routes[i].len = 24;
		}
		in.n_routes = DHCP_MAX_ROUTES;
		CHECK(sdhcp_parse_routes("172.16.5.0/24", pol.user, WV_MAX_ROUTES, &pol.n_user,
					 NULL) == 0);
		sdhcp_build(&c, &b, &in, &pol, &lg);
		CHECK(c.n_routes == WV_MAX_ROUTES && !has_route(&c, "172.16.5.0", 24));
	}
	CHECK(n_err_logs == 0);
}

/* ---- the held report on a fake clock ---- */

struct fake {
	struct wv_loop *loop;
	struct wv_settings *st;
	struct sdhcp *sd;
	unsigned sent;
	uint32_t xid;
	unsigned reports;
	struct wv_ip4_config cfg;
	uint64_t report_at;
};

static int fake_send(void *arg, struct pkt *p)
{
	struct fake *f = arg;

	f->sent++;
	/* IPv4 + UDP, then the BOOTP header: xid at 4. */
	CHECK(p->len > 28 + 8);
	f->xid = load_be32(p->data + 28 + 4);
	CHECK(p->data[28 + 240 + 2] == 8);     /* option 53 = DHCPINFORM */
	pkt_free(p);
	return 0;
}

static void fake_report(void *arg, const struct wv_ip4_config *cfg)
{
	struct fake *f = arg;

	f->reports++;
	f->cfg = *cfg;
	f->report_at = fake_now;
}

static const struct sdhcp_events fake_ev = { .send_ip = fake_send, .report = fake_report };

static void advance(struct fake *f, uint64_t ms)
{
	fake_now += ms;
	wv_loop_run_timers(f->loop);
}

static void setup(struct fake *f, const char *key, const char *val)
{
	char *err = NULL;

	memset(f, 0, sizeof(*f));
	f->loop = wv_loop_new();
	wv_loop_set_clock(f->loop, fake_clock, NULL);
	fake_now = 5000000;
	f->st = wv_settings_new();
	CHECK(f->st != NULL);
	if (key)
		CHECK(wv_settings_set(f->st, key, val, NULL) == 0);
	f->sd = sdhcp_new(f->loop, &lg, f->st, &fake_ev, f, &err);
	CHECK(f->sd != NULL && err == NULL);
}

static void teardown(struct fake *f)
{
	sdhcp_free(f->sd);
	wv_settings_free(f->st);
	wv_loop_free(f->loop);
}

/* A DHCPACK for xid from 10.98.0.1 to 192.168.40.10 with DNS, domain and
 * option 249 (10.20.0.0/16 on-link). */
static struct pkt *make_ack(uint32_t xid)
{
	static const uint8_t opts[] = {
		53, 1, 5, 54, 4, 10, 98, 0, 1,
		6, 4, 10, 20, 0, 53, 15, 12, 'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 249, 7, 16, 10, 20, 0, 0, 0, 0, 255,
	};
	struct pkt *p = pkt_alloc();
	uint8_t *b = p ? pkt_put(p, 240 + sizeof(opts)) : NULL;

	if (!b)
		abort();
	memset(b, 0, 240);
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	store_be32(b + 4, xid);
	store_be32(b + 236, 0x63825363);
	memcpy(b + 240, opts, sizeof(opts));
	CHECK(dhcp_ip_push(p, ip4("10.98.0.1"), 67, ip4("192.168.40.10"), 68, 7) == 0);
	return p;
}

static void test_answer_within_hold(void)
{
	struct fake f;
	struct wv_ip4_config b;
	struct pkt *p;

	setup(&f, NULL, NULL);
	base_config(&b);
	sdhcp_ip4_up(f.sd, &b);
	CHECK(f.sent == 1 && f.reports == 0);
	advance(&f, 499);
	CHECK(f.sent == 1);
	advance(&f, 1);
	CHECK(f.sent == 2);                     /* the one retransmission inside the hold */
	advance(&f, 100);
	p = make_ack(f.xid);
	CHECK(sdhcp_input(f.sd, p));
	CHECK(f.reports == 1 && !f.cfg.update);
	CHECK_STR(f.cfg.source, "IPCP+DHCPINFORM");
	CHECK_STR(f.cfg.domain, "corp.example");
	CHECK(f.cfg.n_dns == 1 && f.cfg.dns[0].s_addr == ip4("10.20.0.53").s_addr);
	CHECK(f.cfg.n_routes == 1 && has_route(&f.cfg, "10.20.0.0", 16));
	CHECK(strstr(last_log, "routes: 10.20.0.0/16 (DHCPINFORM option 249); domain "
			       "corp.example"));
	/* Nothing more goes out, and a duplicate answer is still consumed. */
	advance(&f, 60000);
	CHECK(f.sent == 2 && f.reports == 1);
	p = make_ack(f.xid);
	CHECK(sdhcp_input(f.sd, p));
	CHECK(f.reports == 1);
	teardown(&f);
}

static void test_no_answer_then_late(void)
{
	struct fake f;
	struct wv_ip4_config b;
	struct pkt *p;
	uint64_t t0 = 0;

	setup(&f, NM_WINVPN_KEY_NEVER_DEFAULT, "yes");
	base_config(&b);
	t0 = fake_now;
	sdhcp_ip4_up(f.sd, &b);
	advance(&f, 500);
	CHECK(f.sent == 2);
	advance(&f, 499);
	CHECK(f.reports == 0);
	advance(&f, 1);
	/* The hold ran out: IPCP's configuration, split tunnel with the class route. */
	CHECK(f.reports == 1 && f.report_at - t0 == SDHCP_HOLD_MS && !f.cfg.update);
	CHECK_STR(f.cfg.source, "IPCP");
	CHECK(f.cfg.never_default && f.cfg.n_routes == 1 &&
	      has_route(&f.cfg, "192.168.40.0", 24));
	/* Tries go on in the background: at 4 s and 12 s. */
	advance(&f, 2999);
	CHECK(f.sent == 2);
	advance(&f, 1);
	CHECK(f.sent == 3);
	advance(&f, 8000);
	CHECK(f.sent == 4);
	/* A late answer: a second report, an update. */
	advance(&f, 1000);
	p = make_ack(f.xid);
	CHECK(sdhcp_input(f.sd, p));
	CHECK(f.reports == 2 && f.cfg.update);
	CHECK_STR(f.cfg.source, "IPCP+DHCPINFORM");
	CHECK(has_route(&f.cfg, "10.20.0.0", 16) && has_route(&f.cfg, "192.168.40.0", 24));
	advance(&f, 60000);
	CHECK(f.sent == 4 && f.reports == 2);
	teardown(&f);
}

static void test_never_answered(void)
{
	struct fake f;
	struct wv_ip4_config b;

	setup(&f, NULL, NULL);
	base_config(&b);
	n_err_logs = 0;
	sdhcp_ip4_up(f.sd, &b);
	advance(&f, 500);
	advance(&f, 500);
	CHECK(f.reports == 1);
	advance(&f, 3000);
	CHECK(f.sent == 3);
	advance(&f, 8000);
	CHECK(f.sent == 4);
	advance(&f, 15999);
	CHECK(f.sent == 4);
	advance(&f, 1);
	CHECK(strstr(last_log, "No answer to DHCPINFORM after 4 tries"));
	advance(&f, 100000);
	CHECK(f.sent == 4 && f.reports == 1 && n_err_logs == 0);
	/* A redial: IPCP up again starts over, and reports as an update. */
	sdhcp_ip4_up(f.sd, &b);
	CHECK(f.sent == 5);
	advance(&f, 1000);
	CHECK(f.reports == 2 && f.cfg.update);
	/* Stopped: no more tries. */
	sdhcp_stop(f.sd);
	advance(&f, 100000);
	CHECK(f.sent == 6);
	teardown(&f);
}

static void test_inform_off(void)
{
	struct fake f;
	struct wv_ip4_config b;
	struct pkt *p;

	setup(&f, NM_WINVPN_KEY_DHCP_INFORM, "no");
	base_config(&b);
	sdhcp_ip4_up(f.sd, &b);
	CHECK(f.sent == 0 && f.reports == 1 && !f.cfg.update);
	CHECK_STR(f.cfg.source, "IPCP");
	/* A stray DHCP reply is still not the TUN device's. */
	p = make_ack(1234);
	CHECK(sdhcp_input(f.sd, p));
	teardown(&f);
}

static void test_other_packets(void)
{
	struct fake f;
	struct wv_ip4_config b;
	struct pkt *p = pkt_alloc();
	uint8_t *d;

	setup(&f, NULL, NULL);
	base_config(&b);
	sdhcp_ip4_up(f.sd, &b);
	/* A DNS answer (UDP 53 -> 68 is not DHCP), then something too short. */
	d = p ? pkt_put(p, 40) : NULL;
	if (!d)
		abort();
	memset(d, 0, 40);
	d[0] = 0x45;
	d[9] = 17;
	store_be16(d + 2, 40);
	store_be16(d + 20, 53);
	store_be16(d + 22, 68);
	CHECK(!sdhcp_input(f.sd, p));
	p->len = 3;
	CHECK(!sdhcp_input(f.sd, p));
	pkt_free(p);
	CHECK(!sdhcp_input(NULL, NULL));
	CHECK(f.reports == 0);
	teardown(&f);
}

static void test_bad_routes_setting(void)
{
	struct wv_loop *loop = wv_loop_new();
	struct wv_settings *st = wv_settings_new();
	struct sdhcp *sd;
	char *err = NULL;

	/* The settings table refuses it when it is set, with the sentence the
	 * session would give. */
	CHECK(wv_settings_set(st, NM_WINVPN_KEY_ROUTES, "10.0.0.0/8 300.1.0.0/16", &err) < 0);
	CHECK_STR(err, "invalid routes: '300.1.0.0/16' is not an IPv4 prefix like 10.0.0.0/8");
	free(err);
	err = NULL;
	CHECK(wv_settings_set(st, NM_WINVPN_KEY_ROUTES, "10.0.0.0/8, 172.16.5.0/24", NULL) == 0);
	sd = sdhcp_new(loop, &lg, st, &fake_ev, NULL, &err);
	CHECK(sd != NULL);
	sdhcp_free(sd);
	wv_settings_free(st);
	wv_loop_free(loop);
}

int main(void)
{
	test_parse_routes();
	test_class_route();
	test_build();
	test_answer_within_hold();
	test_no_answer_then_late();
	test_never_answered();
	test_inform_off();
	test_other_packets();
	test_bad_routes_setting();
	return check_done("test-session-dhcp");
}
