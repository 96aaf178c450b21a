/* test-dhcp-inform.c -- the DHCPINFORM exchange on a fake clock: the tries
 * and their doubling timeouts then a quiet done(NULL); an answer after the
 * second try; replies for another xid and packets that are not DHCP; a failing
 * send; freeing the exchange from done(). */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "dhcp/dhcp.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"

static uint64_t fake_now;
static uint64_t fake_clock(void *arg) { return fake_now; }

static int n_err_logs;

static void logfn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	if (lvl <= WV_LOG_ERR)
		n_err_logs++;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%s] %s\n", subsys, msg);
}

static const struct wv_log lg = { logfn, NULL, WV_LOG_TRACE };

struct fake {
	struct wv_loop *loop;
	struct dhcp_inform *d;
	unsigned sent;
	uint64_t sent_at[8];
	uint8_t last[600];
	size_t last_len;
	int send_err;
	unsigned done_calls;
	bool got_info;
	struct dhcp_info info;
	bool free_in_done;
};

static int fake_send(void *arg, struct pkt *p)
{
	struct fake *f = arg;

	if (f->sent < ARRAY_SIZE(f->sent_at))
		f->sent_at[f->sent] = fake_now;
	f->sent++;
	f->last_len = MIN(p->len, sizeof(f->last));
	memcpy(f->last, p->data, f->last_len);
	pkt_free(p);
	return f->send_err;
}

static void fake_done(void *arg, const struct dhcp_info *info)
{
	struct fake *f = arg;

	f->done_calls++;
	f->got_info = info != NULL;
	if (info)
		f->info = *info;
	if (f->free_in_done) {
		dhcp_inform_free(f->d);
		f->d = NULL;
	}
}

static const struct dhcp_inform_events fake_ev = { .send_ip = fake_send, .done = fake_done };

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void advance(struct fake *f, uint64_t ms)
{
	fake_now += ms;
	wv_loop_run_timers(f->loop);
}

static void setup(struct fake *f)
{
	static const uint8_t mac[6] = { 0x02, 0, 0x5e, 1, 2, 3 };
	struct dhcp_inform_config cfg = {
		.local = ip4("10.0.0.5"), .peer = ip4("10.0.0.1"), .hostname = "box",
		.chaddr = mac,
	};

	memset(f, 0, sizeof(*f));
	f->loop = wv_loop_new();
	wv_loop_set_clock(f->loop, fake_clock, NULL);
	fake_now = 1000000;
	f->d = dhcp_inform_new(f->loop, &lg, &cfg, &fake_ev, f);
	CHECK(f->d != NULL);
}

static void teardown(struct fake *f)
{
	dhcp_inform_free(f->d);
	wv_loop_free(f->loop);
}

/* A DHCPACK for xid as an IP packet from the DHCP server to us. */
static struct pkt *make_ack(uint32_t xid)
{
	static const uint8_t opts[] = {
		53, 1, 5, 54, 4, 192, 168, 1, 10, 1, 4, 255, 255, 255, 0,
		6, 4, 10, 0, 0, 53, 15, 4, 'c', 'o', 'r', 'p',
		249, 8, 24, 192, 168, 100, 10, 0, 0, 1, 255,
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
	CHECK(dhcp_ip_push(p, ip4("192.168.1.10"), 67, ip4("10.0.0.5"), 68, 9) == 0);
	return p;
}

static uint32_t sent_xid(const struct fake *f)
{
	return f->last_len >= 32 ? load_be32(f->last + 28 + 4) : 0;
}

static void test_no_answer(void)
{
	struct fake f;
	uint32_t xid;

	setup(&f);
	n_err_logs = 0;
	CHECK(dhcp_inform_start(f.d) == 0);
	CHECK(dhcp_inform_start(f.d) == -EALREADY);
	CHECK(f.sent == 1);
	/* The packet: IPv4, 10.0.0.5:68 -> 255.255.255.255:67, a DHCPINFORM. */
	CHECK(f.last_len == 328);
	CHECK(f.last[0] == 0x45 && f.last[9] == 17);
	CHECK_MEM(f.last + 12, "\x0a\x00\x00\x05\xff\xff\xff\xff", 8);
	CHECK(load_be16(f.last + 20) == 68 && load_be16(f.last + 22) == 67);
	CHECK(f.last[28] == 1 && f.last[28 + 242] == 8);
	CHECK_MEM(f.last + 28 + 28, "\x02\x00\x5e\x01\x02\x03", 6);
	xid = sent_xid(&f);

	advance(&f, 1999);
	CHECK(f.sent == 1);
	advance(&f, 1);
	CHECK(f.sent == 2);
	CHECK(sent_xid(&f) == xid);             /* the same transaction */
	CHECK(load_be16(f.last + 28 + 8) == 2);   /* secs */
	advance(&f, 4000);
	CHECK(f.sent == 3);
	advance(&f, 8000);
	CHECK(f.sent == 4);
	advance(&f, 15999);
	CHECK(f.done_calls == 0);
	advance(&f, 1);
	CHECK(f.sent == 4);
	CHECK(f.done_calls == 1 && !f.got_info);
	CHECK(n_err_logs == 0);                 /* silence is normal */
	advance(&f, 100000);
	CHECK(f.sent == 4 && f.done_calls == 1);
	/* Once done, replies are not ours any more. */
	{
		struct pkt *p = make_ack(xid);

		CHECK(!dhcp_inform_input(f.d, p));
		pkt_free(p);
	}
	teardown(&f);
}

static void test_answer_after_second_try(void)
{
	struct fake f;
	struct pkt *p;
	uint32_t xid;

	setup(&f);
	/* Before start nothing is ours. */
	p = make_ack(1);
	CHECK(!dhcp_inform_input(f.d, p));
	pkt_free(p);

	CHECK(dhcp_inform_start(f.d) == 0);
	advance(&f, 2000);
	CHECK(f.sent == 2);
	xid = sent_xid(&f);

	/* Not DHCP: the caller keeps it (ASan would flag a double free). */
	p = pkt_alloc();
	memcpy(pkt_put(p, 4), "abcd", 4);
	CHECK(!dhcp_inform_input(f.d, p));
	CHECK(dhcp_ip_push(p, ip4("192.168.1.10"), 53, ip4("10.0.0.5"), 40000, 1) == 0);
	CHECK(!dhcp_inform_input(f.d, p));
	pkt_free(p);
	/* A reply for another transaction: taken and dropped. */
	CHECK(dhcp_inform_input(f.d, make_ack(xid ^ 1)));
	CHECK(f.done_calls == 0);
	/* A malformed reply (broken UDP checksum): taken and dropped. */
	p = make_ack(xid);
	p->data[p->len - 1] ^= 0x55;
	CHECK(dhcp_inform_input(f.d, p));
	CHECK(f.done_calls == 0);

	CHECK(dhcp_inform_input(f.d, make_ack(xid)));
	CHECK(f.done_calls == 1 && f.got_info);
	CHECK(f.info.has_mask && f.info.mask.s_addr == ip4("255.255.255.0").s_addr);
	CHECK(f.info.n_dns == 1 && f.info.dns[0].s_addr == ip4("10.0.0.53").s_addr);
	CHECK_STR(f.info.domain, "corp");
	CHECK(f.info.routes_option == 249 && f.info.n_routes == 1);
	CHECK(f.info.routes[0].len == 24);
	/* No more tries. */
	advance(&f, 100000);
	CHECK(f.sent == 2 && f.done_calls == 1);
	teardown(&f);
}

static void test_send_error_and_free_in_done(void)
{
	struct fake f;

	setup(&f);
	f.send_err = -ENOBUFS;
	f.free_in_done = true;
	CHECK(dhcp_inform_start(f.d) == 0);
	advance(&f, 2000);
	advance(&f, 4000);
	advance(&f, 8000);
	CHECK(f.sent == 4);
	advance(&f, 16000);
	CHECK(f.done_calls == 1 && !f.got_info && f.d == NULL);
	teardown(&f);

	/* Freed from done() on an answer, and freed while waiting. */
	setup(&f);
	f.free_in_done = true;
	CHECK(dhcp_inform_start(f.d) == 0);
	CHECK(dhcp_inform_input(f.d, make_ack(sent_xid(&f))));
	CHECK(f.done_calls == 1 && f.got_info && f.d == NULL);
	teardown(&f);
	setup(&f);
	CHECK(dhcp_inform_start(f.d) == 0);
	dhcp_inform_free(f.d);
	f.d = NULL;
	advance(&f, 100000);
	CHECK(f.sent == 1 && f.done_calls == 0);
	teardown(&f);
}

/* Defaults: a random locally administered pseudo-MAC; tries and timeouts. */
static void test_defaults(void)
{
	struct dhcp_inform_config cfg = {
		.local = ip4("10.0.0.5"), .peer = ip4("10.0.0.1"), .unicast_to_peer = true,
		.tries = 2, .first_timeout_ms = 500, .max_timeout_ms = 600,
	};
	struct fake f;

	setup(&f);
	dhcp_inform_free(f.d);
	f.d = dhcp_inform_new(f.loop, &lg, &cfg, &fake_ev, &f);
	CHECK(dhcp_inform_start(f.d) == 0);
	CHECK((f.last[28 + 28] & 3) == 2);
	CHECK_MEM(f.last + 16, "\x0a\x00\x00\x01", 4);   /* unicast to the peer */
	CHECK(f.last[28 + 240 + 12] == 0x3c);           /* no host name */
	advance(&f, 500);
	CHECK(f.sent == 2);
	advance(&f, 599);
	CHECK(f.done_calls == 0);
	advance(&f, 1);
	CHECK(f.done_calls == 1 && !f.got_info);
	teardown(&f);
}

int main(void)
{
	test_no_answer();
	test_answer_after_second_try();
	test_send_error_and_free_in_done();
	test_defaults();
	pkt_pool_drain();
	return check_done("test-dhcp-inform");
}
