/* session-dhcp.h -- the session's IPv4 configuration after IPCP: the
 * DHCPINFORM exchange through the tunnel (client/dhcp/) and Windows' routing
 * rules (full tunnel by default; split tunnel with the class-based route; the
 * user's routes; the gateway kept outside the tunnel).  Internal. */
#ifndef WV_SESSION_DHCP_H
#define WV_SESSION_DHCP_H

#include <stdbool.h>

#include "libwinvpn.h"

struct dhcp_info;
struct pkt;
struct wv_log;
struct wv_loop;
struct wv_settings;

/* How long the first ip4_config report waits for a DHCPACK.  The exchange
 * tries at 0 and 0.5 s inside the hold, then in the background at 4 and 12 s
 * (RFC 2131 §4.1's doubling from 4 s), and gives up at 28 s.  See
 * session-dhcp.c for why. */
#define SDHCP_HOLD_MS 1000

struct sdhcp_events {
	/* One whole IPv4 packet into the tunnel (PPP); always takes p. */
	int (*send_ip)(void *arg, struct pkt *p);
	/* The configuration to report: the first time with update false, then
	 * again with update true when a late DHCPACK changes it. */
	void (*report)(void *arg, const struct wv_ip4_config *cfg);
};

struct sdhcp;

/* Reads never-default, routes, disable-class-route and dhcp-inform from st.
 * NULL on a bad routes setting (*err: a sentence quoting the bad prefix) or
 * out of memory. */
struct sdhcp *sdhcp_new(struct wv_loop *loop, const struct wv_log *lg,
			const struct wv_settings *st, const struct sdhcp_events *ev, void *arg,
			char **err);
/* IPCP is up with base (IPCP's view: addresses, DNS, WINS, MTU).  Reports at
 * once when dhcp-inform=no, else after the DHCPACK or SDHCP_HOLD_MS.  Called
 * again (a redial), it starts over; later reports carry update=true. */
void sdhcp_ip4_up(struct sdhcp *sd, const struct wv_ip4_config *base);
/* Every IPv4 packet PPP delivers, before the TUN device: true when it was a
 * DHCP reply (UDP 67 -> 68), which the engine consumes (p taken). */
bool sdhcp_input(struct sdhcp *sd, struct pkt *p);
/* The link is going away: stop the exchange, report nothing more. */
void sdhcp_stop(struct sdhcp *sd);
void sdhcp_free(struct sdhcp *sd);

/* ---- the rules, for tests ---- */

struct sdhcp_policy {
	bool never_default;
	bool class_route;                 /* never-default and not disable-class-route */
	struct wv_route4 user[WV_MAX_ROUTES];
	unsigned n_user;
};

/* Parses "10.0.0.0/8 172.16.5.0/24" (spaces or commas; a bare address is a
 * /32).  0, or -EINVAL with *err quoting the bad prefix. */
int sdhcp_parse_routes(const char *text, struct wv_route4 *out, unsigned max, unsigned *n,
		       char **err);
/* The classful network of addr (A /8, B /16, C /24), as Windows adds in split
 * mode.  false for class D/E and 0/8. */
bool sdhcp_class_route(struct in_addr addr, struct wv_route4 *r);
/* Builds the configuration to report: base (IPCP) merged with info (NULL:
 * no answer) -- DHCP's DNS/WINS override IPCP's, domain and search filled,
 * pushed routes checked against the gateway -- plus the class route and the
 * user's routes.  Logs every route it drops and why. */
void sdhcp_build(struct wv_ip4_config *out, const struct wv_ip4_config *base,
		 const struct dhcp_info *info, const struct sdhcp_policy *pol,
		 const struct wv_log *lg);
/* "10.20.0.0/16, 10.30.0.0/16" into buf (truncated with "..."). */
void sdhcp_routes_str(const struct wv_ip4_config *cfg, char *buf, size_t size);

#endif
