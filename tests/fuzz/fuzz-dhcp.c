/* fuzz-dhcp.c -- arbitrary bytes as one IPv4 packet delivered by PPP: through
 * the IP/UDP validation and the DHCPACK parser (options, overload, RFC 3396
 * concatenation, 119 compression, 121/249 routes), then through
 * dhcp_inform_input() of a running exchange.  The parser is given the input's
 * own xid, and the exchange's random xid is written into the packet (UDP
 * checksum zeroed: "none"), so both get past the xid check. */
#include "wv.h"

#include <stdlib.h>

#include "dhcp/dhcp.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static uint32_t fuzz_xid;

/* Remembers the xid of the INFORM sent (IPv4 20 + UDP 8 + op..hops 4). */
static int fuzz_send(void *arg, struct pkt *p)
{
	if (p->len >= 36)
		fuzz_xid = load_be32(p->data + 32);
	pkt_free(p);
	return 0;
}

static void fuzz_done(void *arg, const struct dhcp_info *info)
{
	/* Touch every reported string, so ASan checks the terminators. */
	volatile size_t n = 0;
	unsigned i;

	if (!info)
		return;
	n += strlen(info->domain);
	for (i = 0; i < info->n_search; i++)
		n += strlen(info->search[i]);
	(void)n;
}

static const struct dhcp_inform_events fuzz_ev = { .send_ip = fuzz_send, .done = fuzz_done };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct wv_log log = { .fn = fuzz_log, .level = WV_LOG_TRACE };
	static struct wv_loop *loop;
	struct dhcp_inform_config cfg = { .tries = 1 };
	struct dhcp_info info;
	const uint8_t *payload;
	struct dhcp_inform *d;
	struct pkt *p;
	size_t len;
	uint32_t xid = 0;

	if (!loop && !(loop = wv_loop_new()))
		abort();
	if (dhcp_ip_strip(data, size, &payload, &len) == 0) {
		struct rd r = rd_init(payload, len);

		rd_skip(&r, 4);
		xid = rd_be32(&r);
		dhcp_parse_ack(payload, len, xid, &info, &log);
	}
	/* The BOOTP payload alone too, whatever the IP header said. */
	dhcp_parse_ack(data, size, 0, &info, &log);

	d = dhcp_inform_new(loop, &log, &cfg, &fuzz_ev, NULL);
	if (!d)
		abort();
	if (dhcp_inform_start(d) == 0) {
		p = pkt_from(data, size);
		if (p && p->len >= 36 && (p->data[0] & 0x0f) == 5) {
			store_be16(p->data + 26, 0);
			store_be32(p->data + 32, fuzz_xid);
		}
		if (p && !dhcp_inform_input(d, p))
			pkt_free(p);
	}
	dhcp_inform_free(d);
	return 0;
}
