/* test-ra.c -- Router Solicitation / Router Advertisement (client/ip6/ra.c)
 * and the session's IPv6 glue (client/session-ip6.c) with hand-built
 * packets: checksums, the RFC 4861 §6.1.2 validity rules, each option
 * (Prefix Information, MTU, Route Information, RDNSS), SLAAC addresses,
 * what reaches the host (first report, update only on change), and the
 * RS retransmissions on a fake clock. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "ip6/ra.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/ppp.h"
#include "session-ip6.h"

static const uint8_t ifid[8] = { 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };

/* ---- building RAs ---- */

struct rabuf {
	uint8_t b[1500];
	size_t len;
};

static void ra_begin(struct rabuf *r, uint16_t lifetime)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = 0x60;
	r->b[6] = 58;
	r->b[7] = 255;
	/* from fe80::1 to fe80::<ifid> */
	r->b[8] = 0xfe;
	r->b[9] = 0x80;
	r->b[23] = 1;
	r->b[24] = 0xfe;
	r->b[25] = 0x80;
	memcpy(r->b + 32, ifid, 8);
	r->len = 40;
	r->b[r->len] = 134;
	r->b[r->len + 4] = 64;
	store_be16(r->b + r->len + 6, lifetime);
	r->len += 16;
}

static void ra_opt(struct rabuf *r, const char *hex)
{
	r->len += check_unhex(hex, r->b + r->len, sizeof(r->b) - r->len);
}

static void ra_end(struct rabuf *r)
{
	struct in6_addr s, d;

	store_be16(r->b + 4, (uint16_t)(r->len - 40));
	memcpy(s.s6_addr, r->b + 8, 16);
	memcpy(d.s6_addr, r->b + 24, 16);
	store_be16(r->b + 42, 0);
	store_be16(r->b + 42, ra_icmp6_csum(&s, &d, r->b + 40, r->len - 40));
}

#define PIO_98 "03 04 40 c0 00 00 0e 10 00 00 07 08 00 00 00 00 fd 00 00 98 00 40 00 00 00 00 00 00 00 00 00 00"
#define RIO_99 "18 02 30 08 00 00 07 08 fd 00 00 99 00 00 00 00"
#define RDNSS_1 "19 03 00 00 00 00 0e 10 fd 00 00 98 00 40 00 00 00 00 00 00 00 00 00 01"
#define MTU_1400 "05 01 00 00 00 00 05 78"

static bool addr_is(const struct in6_addr *a, const char *text)
{
	struct in6_addr b;

	if (inet_pton(AF_INET6, text, &b) != 1)
		return false;
	return memcmp(a, &b, sizeof(b)) == 0;
}

/* ---- RS ---- */

static void test_rs(void)
{
	uint8_t b[64];
	struct in6_addr s, d;
	size_t n = ra_build_rs(b, sizeof(b), ifid);

	CHECK(n == 48);
	CHECK(b[0] == 0x60 && load_be16(b + 4) == 8 && b[6] == 58 && b[7] == 255);
	memcpy(s.s6_addr, b + 8, 16);
	memcpy(d.s6_addr, b + 24, 16);
	CHECK(addr_is(&s, "fe80::211:22ff:fe33:4455"));
	CHECK(addr_is(&d, "ff02::2"));
	CHECK(b[40] == 133 && b[41] == 0);
	/* a correct checksum sums to zero over the whole message */
	CHECK(ra_icmp6_csum(&s, &d, b + 40, 8) == 0);
	CHECK(load_be16(b + 42) != 0);
	CHECK(ra_build_rs(b, 47, ifid) == 0);
}

/* ---- parsing ---- */

static void test_parse_full(void)
{
	struct rabuf r;
	struct ra_info ra;
	struct in6_addr a;
	const char *why = NULL;

	ra_begin(&r, 0);
	ra_opt(&r, "01 01 00 11 22 33 44 55");      /* source link-layer: ignored */
	ra_opt(&r, PIO_98);
	ra_opt(&r, MTU_1400);
	ra_opt(&r, RIO_99);
	ra_opt(&r, RDNSS_1);
	ra_opt(&r, "fe 01 00 00 00 00 00 00");      /* unknown: ignored */
	ra_end(&r);
	CHECK(ra_is_ra(r.b, r.len));
	CHECK(ra_parse(r.b, r.len, &ra, &why) == 0);
	CHECK(addr_is(&ra.src, "fe80::1"));
	CHECK(ra.router_lifetime == 0 && ra.cur_hop_limit == 64);
	CHECK(ra.mtu == 1400);
	CHECK(ra.n_prefixes == 1);
	CHECK(addr_is(&ra.prefixes[0].prefix, "fd00:98:40::"));
	CHECK(ra.prefixes[0].len == 64 && ra.prefixes[0].onlink && ra.prefixes[0].autonomous);
	CHECK(ra.prefixes[0].valid == 3600 && ra.prefixes[0].preferred == 1800);
	CHECK(ra.n_routes == 1 && ra.routes[0].len == 48 && ra.routes[0].pref == 1);
	CHECK(addr_is(&ra.routes[0].prefix, "fd00:99::") && ra.routes[0].lifetime == 1800);
	CHECK(ra.n_dns == 1 && addr_is(&ra.dns[0], "fd00:98:40::1") && ra.dns_lifetime == 3600);
	CHECK(ra_slaac_addr(&a, &ra.prefixes[0], ifid));
	CHECK(addr_is(&a, "fd00:98:40::211:22ff:fe33:4455"));
	/* link padding after the payload length is not part of the message */
	r.b[r.len++] = 0xee;
	CHECK(ra_parse(r.b, r.len, &ra, &why) == 0);
}

static void test_parse_invalid(void)
{
	struct rabuf r, t;
	struct ra_info ra;
	const char *why = NULL;

	ra_begin(&r, 1800);
	ra_opt(&r, PIO_98);
	ra_end(&r);
	CHECK(ra_parse(r.b, r.len, &ra, &why) == 0);

	t = r;                       /* RFC 4861 §6.1.2: hop limit 255 */
	t.b[7] = 254;
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL && strstr(why, "hop limit"));
	t = r;                       /* a bit flipped: checksum */
	t.b[t.len - 1] ^= 1;
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL && strstr(why, "checksum"));
	t = r;                       /* not from a link-local source */
	t.b[8] = 0x20;
	t.b[9] = 0x01;
	ra_end(&t);
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL && strstr(why, "link-local"));
	t = r;                       /* code 1 */
	t.b[41] = 1;
	ra_end(&t);
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL && strstr(why, "code"));
	t = r;                       /* payload length past the packet */
	store_be16(t.b + 4, (uint16_t)(t.len - 40 + 8));
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL && strstr(why, "truncated"));
	t = r;                       /* shorter than the fixed part */
	CHECK(ra_parse(t.b, 40 + 15, &ra, &why) == -EINVAL);
	ra_begin(&t, 0);             /* an option of length 0 invalidates it */
	ra_opt(&t, "19 00 00 00 00 00 00 00");
	ra_end(&t);
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL && strstr(why, "length 0"));
	CHECK(ra.n_prefixes == 0);
	ra_begin(&t, 0);             /* an option running past the end */
	ra_opt(&t, "03 04 40 c0 00 00 0e 10");
	ra_end(&t);
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL && strstr(why, "past the end"));
	t = r;                       /* an RS is not an RA */
	t.b[40] = 133;
	CHECK(!ra_is_ra(t.b, t.len));
	CHECK(ra_parse(t.b, t.len, &ra, &why) == -EINVAL);
	CHECK(!ra_is_ra(r.b, 40));
	CHECK(ra_parse(r.b, 10, &ra, &why) == -EINVAL);
}

/* Options that are valid RAs but carry something to skip. */
static void test_option_rules(void)
{
	struct rabuf r;
	struct ra_info ra;
	struct in6_addr a;

	ra_begin(&r, 0);
	/* link-local prefix: ignored (RFC 4861 §6.3.4) */
	ra_opt(&r, "03 04 40 c0 00 00 0e 10 00 00 07 08 00 00 00 00 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
	/* preferred > valid: no SLAAC from it (RFC 4862 §5.5.3 c), on-link stays */
	ra_opt(&r, "03 04 40 c0 00 00 00 10 00 00 07 08 00 00 00 00 fd 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00");
	/* /56 autonomous: no SLAAC with a 64-bit identifier */
	ra_opt(&r, "03 04 38 40 00 00 0e 10 00 00 07 08 00 00 00 00 fd 00 00 02 00 00 00 00 00 00 00 00 00 00 00 00");
	/* host bits of a prefix are cleared */
	ra_opt(&r, "03 04 20 80 00 00 0e 10 00 00 07 08 00 00 00 00 fd 00 00 03 ff ff 00 00 00 00 00 00 00 00 00 01");
	/* Route Information: reserved preference 10 -> ignored; /64 in 1 unit -> invalid */
	ra_opt(&r, "18 02 30 10 00 00 07 08 fd 00 00 aa 00 00 00 00");
	ra_opt(&r, "18 01 40 00 00 00 07 08");
	/* ::/0 in one unit, low preference */
	ra_opt(&r, "18 01 00 18 00 00 07 08");
	/* RDNSS of even length: invalid */
	ra_opt(&r, "19 02 00 00 00 00 0e 10 fd 00 00 98 00 40 00 00");
	/* MTU of the wrong length */
	ra_opt(&r, "05 02 00 00 00 00 05 78 00 00 00 00 00 00 00 00");
	ra_end(&r);
	CHECK(ra_parse(r.b, r.len, &ra, NULL) == 0);
	CHECK(ra.n_prefixes == 3);
	CHECK(addr_is(&ra.prefixes[0].prefix, "fd00:1::") && !ra.prefixes[0].autonomous &&
	      ra.prefixes[0].onlink);
	CHECK(!ra_slaac_addr(&a, &ra.prefixes[0], ifid));
	CHECK(ra.prefixes[1].len == 56 && !ra_slaac_addr(&a, &ra.prefixes[1], ifid));
	CHECK(addr_is(&ra.prefixes[2].prefix, "fd00:3::") && ra.prefixes[2].len == 32);
	CHECK(ra.n_routes == 1 && ra.routes[0].len == 0 && ra.routes[0].pref == -1);
	CHECK(ra.n_dns == 0 && ra.mtu == 0);
	CHECK(ra.dropped == 5);
}

/* ---- the session's glue ---- */

static struct {
	unsigned reports;
	struct wv_ip6_config cfg;
	unsigned sent;
	uint8_t last[128];
	size_t last_len;
} ev;

static int on_send(void *arg, struct pkt *p)
{
	ev.sent++;
	ev.last_len = MIN(p->len, sizeof(ev.last));
	memcpy(ev.last, p->data, ev.last_len);
	pkt_free(p);
	return 0;
}

static void on_report(void *arg, const struct wv_ip6_config *c)
{
	ev.reports++;
	ev.cfg = *c;
}

static const struct sip6_events sev = { .send_ip = on_send, .report = on_report };

static void logfn(void *arg, enum wv_log_level lvl, const char *sub, const char *msg)
{
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  [%s] %s\n", sub, msg);
}

static const struct wv_log lg = { logfn, NULL, WV_LOG_TRACE };
static uint64_t now_ms;
static uint64_t fake_now(void *arg) { return now_ms; }

static bool feed(struct sip6 *si, const struct rabuf *r)
{
	struct pkt *p = pkt_from(r->b, r->len);

	CHECK(p != NULL);
	if (!p)
		return false;
	if (sip6_input(si, p))
		return true;
	pkt_free(p);
	return false;
}

static void test_session(void)
{
	struct wv_loop *loop = wv_loop_new();
	struct ppp_ip6 ids;
	struct sip6 *si;
	struct rabuf r;
	unsigned i;

	CHECK(loop != NULL);
	if (!loop)
		return;
	wv_loop_set_clock(loop, fake_now, NULL);
	memset(&ev, 0, sizeof(ev));
	si = sip6_new(loop, &lg, &sev, NULL);
	CHECK(si != NULL);
	memcpy(ids.local_id, ifid, 8);
	memset(ids.peer_id, 0, 8);
	ids.peer_id[7] = 1;

	/* an RA before IPV6CP is up is not ours to take */
	ra_begin(&r, 0);
	ra_opt(&r, PIO_98);
	ra_end(&r);
	CHECK(!feed(si, &r));

	sip6_up(si, "nonexistent-tun", &ids);
	CHECK(ev.reports == 1 && !ev.cfg.update);
	CHECK(addr_is(&ev.cfg.local_ll, "fe80::211:22ff:fe33:4455"));
	CHECK(addr_is(&ev.cfg.peer_ll, "fe80::1"));
	CHECK(ev.cfg.n_addrs == 0 && ev.cfg.n_routes == 0 && ev.cfg.n_dns == 0);
	CHECK_STR(ev.cfg.ifname, "nonexistent-tun");
	/* RS at once, then every 4 s, 3 in all (RFC 4861 §6.3.7, §10) */
	CHECK(ev.sent == 1 && ev.last_len == 48 && ev.last[40] == 133);
	for (i = 0; i < 5; i++) {
		now_ms += 4000;
		wv_loop_run_timers(loop);
	}
	CHECK(ev.sent == 3);

	/* a broken RA is consumed, changes nothing */
	r.b[r.len - 1] ^= 0x55;
	CHECK(feed(si, &r));
	CHECK(ev.reports == 1);
	/* the real one */
	ra_begin(&r, 0);
	ra_opt(&r, PIO_98);
	ra_opt(&r, RIO_99);
	ra_opt(&r, RDNSS_1);
	ra_end(&r);
	CHECK(feed(si, &r));
	CHECK(ev.reports == 2 && ev.cfg.update);
	CHECK(ev.cfg.n_addrs == 1 && addr_is(&ev.cfg.addrs[0].addr, "fd00:98:40::211:22ff:fe33:4455") &&
	      ev.cfg.addrs[0].len == 64);
	CHECK(ev.cfg.n_routes == 2 && addr_is(&ev.cfg.routes[0].addr, "fd00:98:40::") &&
	      ev.cfg.routes[0].len == 64 && addr_is(&ev.cfg.routes[1].addr, "fd00:99::") &&
	      ev.cfg.routes[1].len == 48);
	CHECK(!ev.cfg.default_route);
	CHECK(ev.cfg.n_dns == 1 && addr_is(&ev.cfg.dns[0], "fd00:98:40::1"));
	CHECK(addr_is(&ev.cfg.local_ll, "fe80::211:22ff:fe33:4455"));
	/* the same RA again (the periodic one): no report */
	CHECK(feed(si, &r));
	CHECK(ev.reports == 2);
	/* a default router now, and the prefix withdrawn (valid lifetime 0) */
	ra_begin(&r, 1800);
	ra_opt(&r, "03 04 40 c0 00 00 00 00 00 00 00 00 00 00 00 00 fd 00 00 98 00 40 00 00 00 00 00 00 00 00 00 00");
	ra_end(&r);
	CHECK(feed(si, &r));
	CHECK(ev.reports == 3 && ev.cfg.update && ev.cfg.default_route);
	CHECK(ev.cfg.n_addrs == 0 && ev.cfg.n_routes == 0 && ev.cfg.n_dns == 0);
	/* other IPv6 traffic goes to the TUN device */
	r.b[40] = 128;   /* echo request */
	CHECK(!feed(si, &r));

	/* IPV6CP down and up again (a redial): solicited anew, reported as update */
	sip6_stop(si);
	ev.sent = 0;
	CHECK(!feed(si, &r));
	sip6_up(si, "nonexistent-tun", &ids);
	CHECK(ev.reports == 4 && ev.cfg.update && ev.sent == 1);
	sip6_free(si);
	wv_loop_free(loop);
}

int main(void)
{
	test_rs();
	test_parse_full();
	test_parse_invalid();
	test_option_rules();
	test_session();
	pkt_pool_drain();
	return check_done("test-ra");
}
