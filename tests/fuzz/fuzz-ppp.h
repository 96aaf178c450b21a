/* fuzz-ppp.h -- shared by fuzz-lcp, fuzz-ipcp and fuzz-ccp: a struct ppp on a
 * fake clock, brought to a phase by a scripted gateway, then fed the input.
 *
 * Input: one selector octet, then records of a 2-octet big-endian length and
 * that many octets (the last record takes what is left).  A record is one
 * control packet of the target's protocol (Code, Identifier, Length, ...)
 * that gets FF 03 and the protocol number in front, or, when the selector's
 * FUZZ_RAW bit is set, a whole frame as the link delivers it (address,
 * control, protocol field compressed or not).  A zero length advances the
 * clock by 3 s, so the restart, echo and authentication timers run. */
#ifndef WV_FUZZ_PPP_H
#define WV_FUZZ_PPP_H

#include "wv.h"

#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/ppp-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAW 0x80

static uint64_t fz_now;
static struct wv_loop *fz_loop;

/* What the client sent last, per control protocol, so the gateway can ack. */
static struct {
	bool have;
	uint8_t id;
	uint8_t d[FSM_PKT_MAX];
	size_t len;
} fz_req[3];

static int fz_slot(uint16_t proto)
{
	return proto == PPP_LCP ? 0 : proto == PPP_IPCP ? 1 : proto == PPP_CCP ? 2 : -1;
}

static uint64_t fz_clock(void *arg)
{
	return fz_now;
}

static void fz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static int fz_send(void *arg, struct pkt *p)
{
	struct rd r = rd_init(p->data, p->len);
	uint16_t proto, len;
	int s;

	if (p->len >= 2 && p->data[0] == 0xff && p->data[1] == 0x03)
		rd_skip(&r, 2);
	proto = rd_be16(&r);
	s = fz_slot(proto);
	if (s >= 0 && rd_left(&r) >= 4 && r.p[0] == 1) {
		len = load_be16(r.p + 2);
		if (len >= 4 && len <= rd_left(&r) && len - 4u <= sizeof(fz_req[s].d)) {
			fz_req[s].have = true;
			fz_req[s].id = r.p[1];
			fz_req[s].len = len - 4u;
			memcpy(fz_req[s].d, r.p + 4, fz_req[s].len);
		}
	}
	pkt_free(p);
	return 0;
}

static void fz_deliver(void *arg, uint16_t proto, struct pkt *p)
{
	volatile uint8_t sum = 0;
	size_t i;

	for (i = 0; i < p->len; i++)
		sum ^= p->data[i];
	(void)sum;
	pkt_free(p);
}

static void fz_ip4_up(void *arg, const struct ppp_ip4 *c)
{
	volatile size_t n = strlen(c->encryption);
	(void)n;
}

static void fz_dead(void *arg, enum wv_fail why, const char *msg)
{
	volatile size_t n = strlen(msg);
	(void)n;
}

static const struct ppp_events fz_events = {
	.send = fz_send, .ip4_up = fz_ip4_up, .deliver = fz_deliver, .dead = fz_dead,
};

static const struct wv_log fz_lg = { .fn = fz_log, .level = WV_LOG_TRACE };

static void fz_frame(struct ppp *ppp, const uint8_t *buf, size_t len)
{
	struct pkt *p = pkt_from(buf, len);

	if (p)
		ppp_input(ppp, p);
}

static void fz_cp(struct ppp *ppp, uint16_t proto, uint8_t code, uint8_t id, const uint8_t *d,
		  size_t n)
{
	uint8_t b[FSM_PKT_MAX + 8];

	if (n > FSM_PKT_MAX)
		n = FSM_PKT_MAX;
	b[0] = 0xff;
	b[1] = 0x03;
	store_be16(b + 2, proto);
	b[4] = code;
	b[5] = id;
	store_be16(b + 6, (uint16_t)(n + 4));
	if (n)
		memcpy(b + 8, d, n);
	fz_frame(ppp, b, n + 8);
}

/* The gateway acks the client's last Configure-Request of proto. */
static void fz_ack(struct ppp *ppp, uint16_t proto)
{
	int s = fz_slot(proto);

	if (s >= 0 && fz_req[s].have)
		fz_cp(ppp, proto, 2, fz_req[s].id, fz_req[s].d, fz_req[s].len);
}

static struct ppp *fz_new(const struct ppp_config *c)
{
	struct ppp *ppp;

	if (!fz_loop) {
		fz_loop = wv_loop_new();
		if (!fz_loop)
			abort();
		wv_loop_set_clock(fz_loop, fz_clock, NULL);
	}
	memset(fz_req, 0, sizeof(fz_req));
	ppp = ppp_new(fz_loop, &fz_lg, c, &fz_events, NULL);
	if (!ppp)
		abort();
	ppp_lower_up(ppp);
	return ppp;
}

static void fz_config(struct ppp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->user = "fuzz";
	c->password = "fuzz";
	c->mppe_possible = true;
	c->lcp_echo_interval = 3;
	c->lcp_echo_failure = 2;
}

/* LCP up; peer_opts are the gateway's options (no authentication unless
 * they ask for it). */
static void fz_lcp_up(struct ppp *ppp, const uint8_t *peer_opts, size_t n)
{
	fz_ack(ppp, PPP_LCP);
	fz_cp(ppp, PPP_LCP, 1, 0x61, peer_opts, n);
}

/* IPCP up, RRAS style: Nak with an address, then Ack. */
static void fz_ipcp_up(struct ppp *ppp)
{
	static const uint8_t nak[] = { 3, 6, 10, 0, 0, 2, 129, 6, 10, 0, 0, 53 };
	static const uint8_t req[] = { 3, 6, 10, 0, 0, 1 };
	int s = fz_slot(PPP_IPCP);

	fz_cp(ppp, PPP_IPCP, 1, 0x62, req, sizeof(req));
	if (fz_req[s].have)
		fz_cp(ppp, PPP_IPCP, 3, fz_req[s].id, nak, sizeof(nak));
	fz_ack(ppp, PPP_IPCP);
}

/* Feeds the records after the selector octet. */
static void fz_run(struct ppp *ppp, uint16_t proto, const uint8_t *data, size_t size, bool raw)
{
	struct rd r = rd_init(data, size);
	uint8_t b[FSM_PKT_MAX + 8];

	while (rd_left(&r)) {
		size_t n = rd_be16(&r);
		const uint8_t *rec;

		if (!rd_ok(&r))
			break;
		if (n == 0) {
			fz_now += 3000;
			wv_loop_run_timers(fz_loop);
			continue;
		}
		if (n > rd_left(&r))
			n = rd_left(&r);
		rec = rd_bytes(&r, n);
		if (raw) {
			fz_frame(ppp, rec, n);
		} else {
			if (n > FSM_PKT_MAX)
				n = FSM_PKT_MAX;
			b[0] = 0xff;
			b[1] = 0x03;
			store_be16(b + 2, proto);
			memcpy(b + 4, rec, n);
			fz_frame(ppp, b, n + 4);
		}
		wv_loop_run_timers(fz_loop);
	}
	/* let everything run out: retransmissions, terminate, the end */
	for (int i = 0; i < 12; i++) {
		fz_now += 3000;
		wv_loop_run_timers(fz_loop);
	}
}

static void fz_done(struct ppp *ppp)
{
	ppp_free(ppp);
	wv_loop_run_timers(fz_loop);
}

#endif
