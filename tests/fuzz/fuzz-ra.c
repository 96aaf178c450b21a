/* fuzz-ra.c -- arbitrary IPv6 packets into the router advertisement parser
 * (ra_parse) and the session's IPv6 glue (sip6_input, which reports a
 * configuration when an RA changes it).
 *
 * Input: one selector octet, then the packet.  Selector bit 0: make it pass
 * the gates a fuzzer rarely guesses (version 6, ICMPv6, hop limit 255,
 * link-local source, payload length, type 134 code 0, checksum), so the
 * option walk gets the inputs; bit 1: IPV6CP goes down before the packet. */
#include "wv.h"

#include <stdlib.h>

#include "ip6/ra.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/ppp.h"
#include "session-ip6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_send(void *arg, struct pkt *p)
{
	pkt_free(p);
	return 0;
}

static void fz_report(void *arg, const struct wv_ip6_config *c)
{
	volatile unsigned n = c->n_addrs + c->n_routes + c->n_dns;
	(void)n;
}

static void fz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static const struct sip6_events fz_ev = { .send_ip = fz_send, .report = fz_report };
static const struct wv_log fz_lg = { .fn = fz_log, .level = WV_LOG_TRACE };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wv_loop *loop;
	static uint8_t b[PKT_DATA_MAX];
	struct ppp_ip6 ids = { { 0, 0, 0, 0, 0, 0, 0, 2 }, { 0, 0, 0, 0, 0, 0, 0, 1 } };
	struct ra_info ra;
	struct sip6 *si;
	struct pkt *p;
	uint8_t sel;
	size_t n;

	if (size < 1)
		return 0;
	sel = data[0];
	n = size - 1 > sizeof(b) ? sizeof(b) : size - 1;
	memcpy(b, data + 1, n);
	if ((sel & 1) && n >= IP6_HDRLEN + 4) {
		struct in6_addr s, d;

		b[0] = 0x60;
		store_be16(b + 4, (uint16_t)(n - IP6_HDRLEN));
		b[6] = 58;
		b[7] = 255;
		b[8] = 0xfe;
		b[9] = 0x80;
		b[40] = 134;
		b[41] = 0;
		memcpy(s.s6_addr, b + 8, 16);
		memcpy(d.s6_addr, b + 24, 16);
		store_be16(b + 42, 0);
		store_be16(b + 42, ra_icmp6_csum(&s, &d, b + 40, n - IP6_HDRLEN));
	}
	(void)ra_parse(b, n, &ra, NULL);

	if (!loop) {
		loop = wv_loop_new();
		if (!loop)
			abort();
	}
	si = sip6_new(loop, &fz_lg, &fz_ev, NULL);
	if (!si)
		abort();
	sip6_up(si, "fuzz-none", &ids);
	if (sel & 2)
		sip6_stop(si);
	p = pkt_from(b, n);
	if (p && !sip6_input(si, p))
		pkt_free(p);
	/* the same again: the unchanged path */
	p = pkt_from(b, n);
	if (p && !sip6_input(si, p))
		pkt_free(p);
	sip6_free(si);
	return 0;
}
