/* fuzz-gre.c -- arbitrary bytes as one datagram from the raw GRE socket
 * (IPv4 header + enhanced GRE + PPP), through IP and GRE header validation,
 * the key check, acks and sequence numbers.  Our call id is 0x1234.  The
 * datagram is fed twice (the second time it is a duplicate); then a frame
 * is encapsulated so a pending ack rides on it, and the ack-only path runs. */
#include "wv.h"

#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "pptp/pptp-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
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

static const struct gre_events fuzz_ev = { .recv = fuzz_recv };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct wv_log log = { .fn = fuzz_log, .level = WV_LOG_TRACE };
	static struct wv_loop *loop;
	uint8_t ack[GRE_HDR_MAX];
	struct gre *g;
	struct pkt *p;
	int i;

	if (!loop && !(loop = wv_loop_new()))
		abort();
	g = gre_new(loop, &log, &fuzz_ev, NULL);
	if (!g)
		abort();
	gre_set_call_ids(g, 0x1234, 0x4242);
	for (i = 0; i < 2; i++) {
		p = pkt_from(data, size);
		if (p)
			gre_input(g, p);
	}
	p = pkt_alloc();
	if (p) {
		memcpy(pkt_put(p, 2), "\x80\x21", 2);
		gre_encap(g, p);
		pkt_free(p);
	}
	gre_build_ack(g, ack);
	gre_free(g);
	return 0;
}
