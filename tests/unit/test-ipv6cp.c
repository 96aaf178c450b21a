/* test-ipv6cp.c -- IPV6CP (RFC 5072) in the client's PPP engine against a
 * scripted gateway in the same process, on a fake clock (the exchange
 * harness of test-ppp-exchange.c, cut down to what IPv6 needs).
 *
 * Cases: pppd with "+ipv6 ipv6 ::1,::2" (Nak of our identifier with the one
 * to use, then IPv6 datagrams both ways); a gateway without IPv6
 * (Protocol-Reject of IPV6CP) and one that rejects the Interface-Identifier
 * -- IPv4 unharmed, nothing above DEBUG in the log; identifier collisions
 * and a zero identifier (§4.1); the compression option rejected; ipv6=no
 * answering the gateway's IPV6CP with Protocol-Reject. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/ppp.h"

#define CONFREQ 1
#define CONFACK 2
#define CONFNAK 3
#define CONFREJ 4
#define TERMREQ 5
#define PROTREJ 8

/* ---- what the client sends ---- */

struct frame {
	uint16_t proto;
	uint8_t code, id;
	uint8_t d[PKT_DATA_MAX];
	size_t len;
};

static struct frame q[64];
static unsigned nq;

static int on_send(void *arg, struct pkt *p)
{
	struct rd r = rd_init(p->data, p->len);
	struct frame *f;

	if (p->len >= 2 && p->data[0] == 0xff && p->data[1] == 0x03)
		rd_skip(&r, 2);
	CHECK(nq < ARRAY_SIZE(q));
	if (nq >= ARRAY_SIZE(q)) {
		pkt_free(p);
		return 0;
	}
	f = &q[nq++];
	memset(f, 0, sizeof(*f));
	f->proto = rd_be16(&r);
	if (f->proto >= 0x8000) {
		f->code = rd_u8(&r);
		f->id = rd_u8(&r);
		rd_be16(&r);
	}
	f->len = rd_left(&r);
	memcpy(f->d, r.p, f->len);
	pkt_free(p);
	return 0;
}

static struct frame take_buf;
static const struct frame *take_at(uint16_t proto, int code, int line)
{
	unsigned i;

	for (i = 0; i < nq; i++) {
		if (q[i].proto != proto || (code >= 0 && q[i].code != code))
			continue;
		take_buf = q[i];
		memmove(&q[i], &q[i + 1], (nq - i - 1) * sizeof(q[0]));
		nq--;
		return &take_buf;
	}
	fprintf(stderr, "line %d: no frame 0x%04x code %d among %u queued\n", line, proto, code, nq);
	CHECK(!"expected frame");
	memset(&take_buf, 0, sizeof(take_buf));
	return &take_buf;
}
#define take(p, c) take_at((p), (c), __LINE__)

static unsigned count(uint16_t proto, int code)
{
	unsigned i, n = 0;

	for (i = 0; i < nq; i++)
		n += q[i].proto == proto && (code < 0 || q[i].code == code);
	return n;
}

static bool same(const struct frame *f, const char *hex)
{
	uint8_t b[512];
	size_t n = check_unhex(hex, b, sizeof(b));

	if (n == f->len && memcmp(b, f->d, n) == 0)
		return true;
	check_hexdump("  frame   ", f->d, f->len);
	check_hexdump("  expected", b, n);
	return false;
}

/* ---- the session's side ---- */

static struct {
	unsigned ip4, ip6, ip6_down, dead;
	struct ppp_ip6 ids;
	unsigned delivered6;
	uint8_t last[256];
	size_t last_len;
	unsigned loud;            /* IPv6 lines at INFO or above */
	char loud_msg[200];
} ev;

static void on_ip4_up(void *arg, const struct ppp_ip4 *c)
{
	ev.ip4++;
}

static void on_ip6_up(void *arg, const struct ppp_ip6 *c)
{
	CHECK(ev.ip4 > 0);     /* IPv6 is reported after IPv4 */
	ev.ip6++;
	ev.ids = *c;
}

static void on_ip6_down(void *arg)
{
	ev.ip6_down++;
}

static void on_deliver(void *arg, uint16_t proto, struct pkt *p)
{
	if (proto == PPP_IPV6) {
		ev.delivered6++;
		ev.last_len = MIN(p->len, sizeof(ev.last));
		memcpy(ev.last, p->data, ev.last_len);
	}
	pkt_free(p);
}

static void on_dead(void *arg, enum wv_fail why, const char *msg)
{
	ev.dead++;
}

static const struct ppp_events events = {
	.send = on_send, .ip4_up = on_ip4_up, .ip6_up = on_ip6_up, .ip6_down = on_ip6_down,
	.deliver = on_deliver, .dead = on_dead,
};

static void logfn(void *arg, enum wv_log_level lvl, const char *sub, const char *msg)
{
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  [%s] %s\n", sub, msg);
	/* IPv6 is optional: its failures must not reach a user's screen */
	if (lvl <= WV_LOG_INFO && (strstr(sub, "IPV6") || strstr(msg, "IPV6") ||
				   strstr(msg, "0x8057"))) {
		if (strstr(msg, "IPV6CP is up"))
			return;
		ev.loud++;
		snprintf(ev.loud_msg, sizeof(ev.loud_msg), "%s", msg);
	}
}

static const struct wv_log lg = { logfn, NULL, WV_LOG_TRACE };
static struct wv_loop *loop;
static uint64_t now_ms;
static uint64_t fake_now(void *arg) { return now_ms; }
static struct ppp *C;

static void advance(uint64_t ms)
{
	while (ms) {
		uint64_t step = MIN(ms, (uint64_t)500);
		now_ms += step;
		ms -= step;
		wv_loop_run_timers(loop);
	}
}

/* ---- the gateway's side ---- */

static void peer_frame(const uint8_t *buf, size_t len)
{
	struct pkt *p = pkt_from(buf, len);

	CHECK(p != NULL);
	if (p)
		ppp_input(C, p);
}

static void peer_cpb(uint16_t proto, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t b[1600];

	b[0] = 0xff;
	b[1] = 0x03;
	store_be16(b + 2, proto);
	b[4] = code;
	b[5] = id;
	store_be16(b + 6, (uint16_t)(n + 4));
	memcpy(b + 8, d, n);
	peer_frame(b, n + 8);
}

static void peer_cp(uint16_t proto, uint8_t code, uint8_t id, const char *hex)
{
	uint8_t d[1500];

	peer_cpb(proto, code, id, d, check_unhex(hex, d, sizeof(d)));
}

static void peer_ack(const struct frame *f)
{
	peer_cpb(f->proto, CONFACK, f->id, f->d, f->len);
}

static void start(bool ipv6)
{
	struct ppp_config c;

	memset(&c, 0, sizeof(c));
	c.user = "alice";
	c.password = "secret";
	c.mppe_possible = false;    /* L2TP-like: no CCP, the IP datagrams in the clear */
	c.ipv6 = ipv6;
	memset(&ev, 0, sizeof(ev));
	nq = 0;
	C = ppp_new(loop, &lg, &c, &events, NULL);
	CHECK(C != NULL);
	ppp_lower_up(C);
}

static void finish(void)
{
	ppp_free(C);
	C = NULL;
	nq = 0;
	wv_loop_run_timers(loop);
}

/* LCP up without authentication (pppd "noauth" towards us). */
static void lcp_up(void)
{
	const struct frame *f = take(PPP_LCP, CONFREQ);

	peer_ack(f);
	peer_cp(PPP_LCP, CONFREQ, 1, "05 06 11 22 33 44");
	take(PPP_LCP, CONFACK);
}

static void ipcp_up(void)
{
	const struct frame *f = take(PPP_IPCP, CONFREQ);
	uint8_t id = f->id;

	peer_cp(PPP_IPCP, CONFREQ, 1, "03 06 c0 a8 28 01");
	take(PPP_IPCP, CONFACK);
	peer_cp(PPP_IPCP, CONFNAK, id, "03 06 c0 a8 28 0a");
	f = take(PPP_IPCP, CONFREQ);
	peer_ack(f);
}

/* The Interface-Identifier of an IPV6CP Configure-Request we sent. */
static const uint8_t *ifid_of(const struct frame *f)
{
	CHECK(f->len == 10 && f->d[0] == 1 && f->d[1] == 10);
	return f->d + 2;
}

static const uint8_t zero8[8];

/* pppd with "+ipv6 ipv6 ::1,::2": it Naks our random identifier with ::2,
 * acks the second request; IPv6 datagrams flow both ways afterwards. */
static void test_pppd_nak(void)
{
	static const uint8_t id2[8] = { 0, 0, 0, 0, 0, 0, 0, 2 }, id1[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t ip6pkt[] = { 0xff, 0x03, 0x00, 0x57, 0x60, 0, 0, 0, 0, 0, 58, 64 };
	const struct frame *f;
	struct pkt *p;
	uint8_t id;

	start(true);
	lcp_up();
	ipcp_up();     /* IPV6CP starts once IPv4 is up */
	f = take(PPP_IPV6CP, CONFREQ);
	CHECK(memcmp(ifid_of(f), zero8, 8) != 0);       /* random, non-zero */
	id = f->id;
	/* the gateway's own request: ::1, acked */
	peer_cp(PPP_IPV6CP, CONFREQ, 0x21, "01 0a 00 00 00 00 00 00 00 01");
	f = take(PPP_IPV6CP, CONFACK);
	CHECK(f->id == 0x21 && same(f, "01 0a 00 00 00 00 00 00 00 01"));
	/* the Nak tells us to use ::2 */
	peer_cp(PPP_IPV6CP, CONFNAK, id, "01 0a 00 00 00 00 00 00 00 02");
	f = take(PPP_IPV6CP, CONFREQ);
	CHECK(same(f, "01 0a 00 00 00 00 00 00 00 02"));
	peer_ack(f);
	CHECK(ev.ip4 == 1);
	CHECK(ev.ip6 == 1);
	CHECK_MEM(ev.ids.local_id, id2, 8);
	CHECK_MEM(ev.ids.peer_id, id1, 8);

	/* IPv6 from the gateway reaches the session as PPP_IPV6 */
	peer_frame(ip6pkt, sizeof(ip6pkt));
	CHECK(ev.delivered6 == 1 && ev.last_len == 8 && ev.last[0] == 0x60);
	/* and ours goes out as protocol 0x0057 */
	p = pkt_from(ip6pkt + 4, sizeof(ip6pkt) - 4);
	CHECK(p && ppp_send_ip(C, PPP_IPV6, p) == 0);
	f = take(0x0057, -1);
	CHECK(f->len == 8 && f->d[0] == 0x60);
	CHECK(ev.loud == 0);
	CHECK(ev.dead == 0);
	finish();
}

/* A gateway without IPv6 (pppd without +ipv6, RRAS without IPv6):
 * Protocol-Reject of IPV6CP.  IPv4 comes up as always, nothing is said
 * above DEBUG, no IPV6CP is sent again, IPv6 datagrams are refused. */
static void test_protocol_reject(void)
{
	uint8_t rej[64];
	const struct frame *f;
	struct pkt *p;
	size_t n;

	start(true);
	lcp_up();
	ipcp_up();     /* IPV6CP starts once IPv4 is up */
	f = take(PPP_IPV6CP, CONFREQ);
	/* LCP Protocol-Reject: the rejected protocol, then the packet */
	store_be16(rej, PPP_IPV6CP);
	rej[2] = CONFREQ;
	rej[3] = f->id;
	store_be16(rej + 4, (uint16_t)(f->len + 4));
	memcpy(rej + 6, f->d, f->len);
	n = 6 + f->len;
	peer_cpb(PPP_LCP, PROTREJ, 0x30, rej, n);
	CHECK(ev.ip4 == 1);
	CHECK(ev.ip6 == 0);
	advance(40000);            /* IPV6CP's restart timer must be off */
	CHECK(count(PPP_IPV6CP, -1) == 0);
	CHECK(count(PPP_LCP, TERMREQ) == 0);
	CHECK(ev.dead == 0);
	if (ev.loud)
		fprintf(stderr, "  loud: %s\n", ev.loud_msg);
	CHECK(ev.loud == 0);
	p = pkt_from((const uint8_t *)"\x60\0\0\0\0\0\x3a\x40", 8);
	CHECK(p && ppp_send_ip(C, PPP_IPV6, p) == -EPROTONOSUPPORT);
	finish();
}

/* The gateway rejects the Interface-Identifier: IPV6CP ends (Terminate),
 * quietly, and IPv4 is untouched. */
static void test_ifid_rejected(void)
{
	const struct frame *f;

	start(true);
	lcp_up();
	ipcp_up();     /* IPV6CP starts once IPv4 is up */
	f = take(PPP_IPV6CP, CONFREQ);
	peer_cpb(PPP_IPV6CP, CONFREJ, f->id, f->d, f->len);
	f = take(PPP_IPV6CP, TERMREQ);
	/* (the automaton's answer to the Reject, an empty request, went out
	 * before the close) */
	CHECK(count(PPP_IPV6CP, CONFREQ) <= 1);
	if (count(PPP_IPV6CP, CONFREQ))
		CHECK(take(PPP_IPV6CP, CONFREQ)->len == 0);
	CHECK(ev.ip4 == 1 && ev.ip6 == 0 && ev.dead == 0);
	advance(40000);
	CHECK(count(PPP_IPV6CP, CONFREQ) == 0);
	CHECK(ev.loud == 0);
	CHECK(count(PPP_LCP, TERMREQ) == 0);
	finish();
}

/* RFC 5072 §4.1 collisions: the gateway asking for our own identifier, or
 * for zero, gets a Nak with a different non-zero one; the gateway
 * suggesting its own identifier to us makes us draw a new one. */
static void test_collisions(void)
{
	uint8_t ours[8], mine[10];
	const struct frame *f;
	uint8_t id;

	start(true);
	lcp_up();
	ipcp_up();     /* IPV6CP starts once IPv4 is up */
	f = take(PPP_IPV6CP, CONFREQ);
	id = f->id;
	memcpy(ours, ifid_of(f), 8);
	/* the gateway asks for our identifier */
	mine[0] = 1;
	mine[1] = 10;
	memcpy(mine + 2, ours, 8);
	peer_cpb(PPP_IPV6CP, CONFREQ, 0x40, mine, sizeof(mine));
	f = take(PPP_IPV6CP, CONFNAK);
	CHECK(f->id == 0x40 && f->len == 10 && f->d[0] == 1);
	CHECK(memcmp(f->d + 2, ours, 8) != 0 && memcmp(f->d + 2, zero8, 8) != 0);
	/* ... then zero */
	peer_cp(PPP_IPV6CP, CONFREQ, 0x41, "01 0a 00 00 00 00 00 00 00 00");
	f = take(PPP_IPV6CP, CONFNAK);
	CHECK(f->len == 10 && memcmp(f->d + 2, zero8, 8) != 0 && memcmp(f->d + 2, ours, 8) != 0);
	/* ... then a good one, which we ack */
	peer_cp(PPP_IPV6CP, CONFREQ, 0x42, "01 0a 02 11 22 ff fe 33 44 55");
	f = take(PPP_IPV6CP, CONFACK);
	CHECK(same(f, "01 0a 02 11 22 ff fe 33 44 55"));
	/* the gateway suggests its own identifier to us: we pick another */
	peer_cp(PPP_IPV6CP, CONFNAK, id, "01 0a 02 11 22 ff fe 33 44 55");
	f = take(PPP_IPV6CP, CONFREQ);
	CHECK(memcmp(ifid_of(f), "\x02\x11\x22\xff\xfe\x33\x44\x55", 8) != 0);
	CHECK(memcmp(ifid_of(f), zero8, 8) != 0);
	memcpy(ours, ifid_of(f), 8);
	peer_ack(f);
	CHECK(ev.ip6 == 1);
	CHECK_MEM(ev.ids.local_id, ours, 8);
	CHECK_MEM(ev.ids.peer_id, "\x02\x11\x22\xff\xfe\x33\x44\x55", 8);
	finish();
}

/* IPv6-Compression-Protocol in the gateway's request is rejected; an
 * option of the wrong length too. */
static void test_compression_rejected(void)
{
	const struct frame *f;

	start(true);
	lcp_up();
	ipcp_up();     /* IPV6CP starts once IPv4 is up */
	take(PPP_IPV6CP, CONFREQ);
	peer_cp(PPP_IPV6CP, CONFREQ, 0x50, "01 0a 00 00 00 00 00 00 00 01 02 04 00 4f");
	f = take(PPP_IPV6CP, CONFREJ);
	CHECK(f->id == 0x50 && same(f, "02 04 00 4f"));
	peer_cp(PPP_IPV6CP, CONFREQ, 0x51, "01 06 00 00 00 01");
	f = take(PPP_IPV6CP, CONFREJ);
	CHECK(same(f, "01 06 00 00 00 01"));
	finish();
}

/* IPV6CP waits for IPv4: nothing of it goes out while IPCP negotiates and
 * it starts once IPCP is up -- or at once when the gateway starts it (pppd
 * runs both together), so IPv6 is not a retransmission late. */
static void test_after_ipcp(void)
{
	const struct frame *f;

	start(true);
	lcp_up();
	CHECK(count(PPP_IPCP, CONFREQ) == 1);
	CHECK(count(PPP_IPV6CP, -1) == 0);
	ipcp_up();
	CHECK(ev.ip4 == 1);
	take(PPP_IPV6CP, CONFREQ);
	finish();

	start(true);
	lcp_up();
	CHECK(count(PPP_IPV6CP, -1) == 0);
	peer_cp(PPP_IPV6CP, CONFREQ, 0x70, "01 0a 00 00 00 00 00 00 00 01");
	f = take(PPP_IPV6CP, CONFACK);
	CHECK(f->id == 0x70);
	f = take(PPP_IPV6CP, CONFREQ);
	peer_ack(f);
	CHECK(ev.ip6 == 0);          /* reported once IPv4 is */
	ipcp_up();
	CHECK(ev.ip4 == 1 && ev.ip6 == 1);
	finish();
}

/* SoftEther (it Configure-Rejects Magic-Number) stalls its PPP for seconds
 * on IPV6CP: we start none, and answer the one it starts. */
static void test_softether_passive(void)
{
	const struct frame *f = NULL;
	uint8_t rej[8];
	size_t i;

	start(true);
	f = take(PPP_LCP, CONFREQ);
	for (i = 0; i + 2 <= f->len && f->d[i] != 5; i += f->d[i + 1] ? f->d[i + 1] : 1)
		;
	CHECK(i + 6 <= f->len && f->d[i] == 5 && f->d[i + 1] == 6);
	memcpy(rej, f->d + i, 6);
	peer_cpb(PPP_LCP, CONFREJ, f->id, rej, 6);
	f = take(PPP_LCP, CONFREQ);
	peer_ack(f);
	peer_cp(PPP_LCP, CONFREQ, 1, "01 04 05 dc");
	take(PPP_LCP, CONFACK);
	ipcp_up();
	CHECK(ev.ip4 == 1);
	advance(10000);
	CHECK(count(PPP_IPV6CP, -1) == 0);
	peer_cp(PPP_IPV6CP, CONFREQ, 0x30, "01 0a 00 00 00 00 00 00 00 01");
	f = take(PPP_IPV6CP, CONFACK);
	CHECK(f->id == 0x30);
	f = take(PPP_IPV6CP, CONFREQ);
	peer_ack(f);
	CHECK(ev.ip6 == 1);
	finish();
}

/* ipv6=no: no IPV6CP from us, and the gateway's gets a Protocol-Reject. */
static void test_ipv6_off(void)
{
	const struct frame *f;

	start(false);
	lcp_up();
	ipcp_up();     /* IPV6CP starts once IPv4 is up */
	CHECK(count(PPP_IPV6CP, -1) == 0);
	peer_cp(PPP_IPV6CP, CONFREQ, 0x60, "01 0a 00 00 00 00 00 00 00 01");
	f = take(PPP_LCP, PROTREJ);
	CHECK(f->len >= 2 && load_be16(f->d) == PPP_IPV6CP);
	CHECK(ev.ip4 == 1 && ev.ip6 == 0);
	finish();
}

/* IPV6CP that never gets an answer ends after its retries, quietly. */
static void test_silent_gateway(void)
{
	start(true);
	lcp_up();
	ipcp_up();     /* IPV6CP starts once IPv4 is up */
	advance(60000);
	CHECK(ev.ip4 == 1 && ev.ip6 == 0 && ev.dead == 0);
	CHECK(count(PPP_IPV6CP, CONFREQ) == 10);   /* Max-Configure (RFC 1661 §4.6) */
	CHECK(ev.loud == 0);
	finish();
}

int main(void)
{
	loop = wv_loop_new();
	if (!loop)
		return 99;
	wv_loop_set_clock(loop, fake_now, NULL);
	test_pppd_nak();
	test_protocol_reject();
	test_ifid_rejected();
	test_collisions();
	test_compression_rejected();
	test_ipv6_off();
	test_after_ipcp();
	test_softether_passive();
	test_silent_gateway();
	wv_loop_free(loop);
	pkt_pool_drain();
	return check_done("test-ipv6cp");
}
