/* session-ip6.h -- the session's IPv6 after IPV6CP: the link-local address
 * from the interface identifiers, then Router Solicitation / Router
 * Advertisement through the tunnel (client/ip6/ra.c) for SLAAC addresses,
 * routes and DNS.  Internal. */
#ifndef WV_SESSION_IP6_H
#define WV_SESSION_IP6_H

#include <stdbool.h>

#include "libwinvpn.h"

struct pkt;
struct ppp_ip6;
struct wv_log;
struct wv_loop;

struct sip6_events {
	/* One whole IPv6 packet into the tunnel (PPP); always takes p. */
	int (*send_ip)(void *arg, struct pkt *p);
	/* The configuration to report: the first time with update false, then
	 * with update true whenever an advertisement changes it. */
	void (*report)(void *arg, const struct wv_ip6_config *cfg);
};

struct sip6;

struct sip6 *sip6_new(struct wv_loop *loop, const struct wv_log *lg, const struct sip6_events *ev,
		      void *arg);
/* IPV6CP is up on ifname: reports the link-local addresses, then solicits
 * a router (RFC 4861 §6.3.7: up to 3 RS, 4 s apart). */
void sip6_up(struct sip6 *si, const char *ifname, const struct ppp_ip6 *ids);
/* Every IPv6 packet PPP delivers, before the TUN device: true when it was a
 * Router Advertisement, which the engine consumes (p taken). */
bool sip6_input(struct sip6 *si, struct pkt *p);
/* The host has just applied an IPv4 configuration (the vpnc-script may
 * have taken the link down and up): puts the link-local address back. */
void sip6_host_changed(struct sip6 *si);
/* IPV6CP went down, or the link is going away: stop soliciting. */
void sip6_stop(struct sip6 *si);
void sip6_free(struct sip6 *si);

/* The configuration a parsed advertisement gives (SLAAC addresses with our
 * identifier ifid, routes, default route, DNS), written over cfg's
 * addresses, routes and DNS; cfg's link-local addresses stay.  For tests. */
struct ra_info;
void sip6_apply_ra(struct wv_ip6_config *cfg, const struct ra_info *ra, const uint8_t ifid[8]);

#endif
