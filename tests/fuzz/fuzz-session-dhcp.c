/* fuzz-session-dhcp.c -- arbitrary bytes through the session's DHCP glue:
 * as the text of the routes setting (sdhcp_parse_routes), and as one IPv4
 * packet delivered by PPP to a session waiting for its DHCPACK
 * (sdhcp_input), whose answer is then merged with IPCP's configuration and
 * the routing rules (sdhcp_build) and reported.  As in fuzz-dhcp, the
 * exchange's xid is written into the packet (UDP checksum zeroed) so the
 * merge is reached. */
#include "wv.h"

#include <stdlib.h>

#include "libwinvpn.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "session-dhcp.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	(void)arg;
	(void)lvl;
	(void)subsys;
	(void)msg;
}

static uint32_t fuzz_xid;

static int fuzz_send(void *arg, struct pkt *p)
{
	(void)arg;
	if (p->len >= 36)
		fuzz_xid = load_be32(p->data + 32);
	pkt_free(p);
	return 0;
}

/* Touch every reported string and route, so ASan checks them. */
static void fuzz_report(void *arg, const struct wv_ip4_config *c)
{
	volatile size_t n = 0;
	char buf[300];
	unsigned i;

	(void)arg;
	n += strlen(c->domain);
	for (i = 0; i < c->n_search; i++)
		n += strlen(c->search[i]);
	for (i = 0; i < c->n_routes; i++)
		n += c->routes[i].prefix;
	sdhcp_routes_str(c, buf, sizeof(buf));
	n += strlen(buf);
	(void)n;
}

static const struct sdhcp_events fuzz_ev = { .send_ip = fuzz_send, .report = fuzz_report };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct wv_log log = { .fn = fuzz_log, .level = WV_LOG_TRACE };
	static struct wv_loop *loop;
	static struct wv_settings *st;
	struct wv_route4 routes[WV_MAX_ROUTES];
	struct wv_ip4_config base;
	struct sdhcp *sd;
	unsigned n;
	char *text, *err = NULL;
	struct pkt *p;

	if (!loop && !(loop = wv_loop_new()))
		abort();
	if (!st) {
		st = wv_settings_new();
		if (!st || wv_settings_set(st, "never-default", "yes", NULL) < 0)
			abort();
	}

	/* The routes setting. */
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (sdhcp_parse_routes(text, routes, WV_MAX_ROUTES, &n, &err) < 0) {
		if (!err || !*err)
			abort();      /* a failure always says why */
	}
	free(err);
	free(text);

	/* A packet to a session waiting for its DHCPACK. */
	sd = sdhcp_new(loop, &log, st, &fuzz_ev, NULL, NULL);
	if (!sd)
		abort();
	memset(&base, 0, sizeof(base));
	base.gateway.s_addr = htonl(0x0a620002);    /* 10.98.0.2 */
	base.local.s_addr = htonl(0xc0a8280a);      /* 192.168.40.10 */
	base.peer.s_addr = htonl(0xc0a82801);
	base.mtu = 1400;
	sdhcp_ip4_up(sd, &base);
	p = pkt_from(data, size);
	if (p && p->len >= 36 && (p->data[0] & 0x0f) == 5) {
		store_be16(p->data + 26, 0);
		store_be32(p->data + 32, fuzz_xid);
	}
	if (p && !sdhcp_input(sd, p))
		pkt_free(p);
	sdhcp_free(sd);
	return 0;
}
