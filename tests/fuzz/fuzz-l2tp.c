/* fuzz-l2tp.c -- arbitrary bytes as what an L2TP gateway sends, through the
 * header and AVP decoders, hidden-AVP revealing, the data channel and the
 * control connection's state machine.
 *
 * Each input is used three ways:
 *  1. as one message for the decoders (control parse with and without a
 *     tunnel secret, the accessors, result sentences, data decap);
 *  2. as one datagram to a client that has just sent its SCCRQ;
 *  3. as a sequence of datagrams, each a big-endian 16-bit length and that
 *     many octets (the rest is ignored once a length does not fit), to a
 *     fresh client -- so a seed that is a real exchange (SCCRP, ICRP, data,
 *     HELLO, CDN, StopCCN...) reaches every state -- once without and once
 *     with a tunnel secret.  Then the clock jumps to fire every timer, and
 *     the link is stopped and freed.
 * Our tunnel id is 0x1234, our session id 0x5678. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "l2tp/l2tp-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_clock;

static uint64_t fuzz_now(void *arg)
{
	return fuzz_clock;
}

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static int fuzz_send(void *ctx, struct pkt *p)
{
	pkt_free(p);
	return 0;
}

static const struct l2tp_transport_ops fuzz_tops = { .send = fuzz_send };

static void fuzz_up(void *arg)
{
}

static void fuzz_recv(void *arg, struct pkt *p)
{
	/* Touch every delivered octet, so ASan checks the bounds. */
	volatile uint8_t sum = 0;
	size_t i;

	for (i = 0; i < p->len; i++)
		sum ^= p->data[i];
	(void)sum;
	pkt_free(p);
}

static void fuzz_down(void *arg, enum wv_fail why, const char *msg)
{
	/* A sentence, always. */
	if (!msg || !msg[0])
		abort();
}

static const struct wv_link_events fuzz_ev = {
	.up = fuzz_up,
	.recv = fuzz_recv,
	.down = fuzz_down,
};

/* TRACE: the hex dumps and every log line's formatting run too. */
static const struct wv_log fuzz_logger = { .fn = fuzz_log, .level = WV_LOG_TRACE };

static void fuzz_decoders(const uint8_t *data, size_t size)
{
	static struct l2tp_msg m;
	struct l2tp_session_info si = { 0x1234, 0x2a1b, 0x5678, 0x0042, false };
	struct l2tp_result res;
	struct l2tp_data d;
	struct l2tp_hdr h;
	struct pkt *p;
	char s[300];
	size_t mlen;
	uint16_t v16;
	uint32_t v32;
	int k;

	l2tp_hdr_parse(data, size, &h, &mlen);
	for (k = 0; k < 2; k++) {
		if (l2tp_msg_parse(data, size, k ? "fuzz-secret" : NULL, &m) < 0)
			continue;
		l2tp_msg_u16(&m, L2TP_AVP_TUNNEL_ID, &v16);
		l2tp_msg_u32(&m, L2TP_AVP_FRAMING_CAPS, &v32);
		l2tp_msg_str(&m, L2TP_AVP_HOST_NAME, s, sizeof(s));
		if (l2tp_msg_result(&m, &res))
			l2tp_result_describe(&res, k, s, sizeof(s));
		l2tp_msg_name(m.type);
	}
	l2tp_data_init(&d, &si);
	p = pkt_from(data, size);
	if (p) {
		if (l2tp_data_decap(&d, p) == 1 && l2tp_data_encap(&d, p) < 0)
			abort();
		pkt_free(p);
	}
}

static struct l2tp *fuzz_client(struct wv_loop *loop, const char *secret)
{
	struct l2tp_config cfg = { .port = 1701, .hostname = "fuzz", .secret = secret,
				   .connect_timeout_ms = 20000 };
	struct l2tp *l;

	cfg.gateway.s_addr = htonl(0x0a620102);
	l = l2tp_new(loop, &fuzz_logger, &cfg, &fuzz_ev, NULL);
	if (!l)
		abort();
	l2tp_set_transport(l, &fuzz_tops, NULL);
	l2tp_set_ids(l, 0x1234, 0x5678);
	if (l2tp_link_ops.start(l) < 0)
		abort();
	return l;
}

static void fuzz_finish(struct wv_loop *loop, struct l2tp *l)
{
	struct pkt *p;
	int i;

	/* PPP would send now; then timers (retransmit, HELLO, stop) run out. */
	p = pkt_from((const uint8_t *)"\xff\x03\xc0\x21\x01\x01\x00\x04", 8);
	if (p)
		l2tp_link_ops.send(l, p);
	for (i = 0; i < 8; i++) {
		fuzz_clock += i == 3 ? L2TP_HELLO_MS : L2TP_RTX_CAP_MS;
		wv_loop_run_timers(loop);
		if (i == 4)
			l2tp_link_ops.stop(l);
	}
	l2tp_link_ops.free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wv_loop *loop;
	struct l2tp *l;
	struct pkt *p;
	size_t off;
	int k;

	if (!loop) {
		loop = wv_loop_new();
		if (!loop)
			abort();
		wv_loop_set_clock(loop, fuzz_now, NULL);
	}
	fuzz_decoders(data, size);

	l = fuzz_client(loop, NULL);
	p = pkt_from(data, size);
	if (p)
		l2tp_input(l, p);
	fuzz_finish(loop, l);

	for (k = 0; k < 2; k++) {
		l = fuzz_client(loop, k ? "fuzz-secret" : NULL);
		for (off = 0; off + 2 <= size;) {
			size_t n = load_be16(data + off);

			if (n > size - off - 2)
				break;
			p = pkt_from(data + off + 2, n);
			if (p)
				l2tp_input(l, p);
			off += 2 + n;
		}
		fuzz_finish(loop, l);
	}
	return 0;
}
