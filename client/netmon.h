/* netmon.h -- notices when the network that carries the tunnel goes away.
 *
 * Windows tears a VPN connection down (or redials it) when the interface under
 * it disappears; a userspace client would otherwise wait for LCP echo or DPD
 * to time out, up to half a minute, with routes pointing into a dead tunnel.
 * The monitor listens to rtnetlink's link, address and route events and, after
 * each burst of them, asks the kernel how it would now reach the gateway: no
 * route at all, or a route into our own TUN device (the host route to the
 * gateway went with its interface), means the path is gone.  It checks again
 * a second later before saying so, because a vpnc-script rewriting the routes
 * passes through such states for a moment.  Internal. */
#ifndef WV_NETMON_H
#define WV_NETMON_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct wv_loop;
struct wv_log;
struct wv_netmon;

/* why is a sentence naming the gateway and what became of the route to it. */
typedef void (*wv_netmon_gone_fn)(void *arg, const char *why);

/* NULL (errno set) when no netlink socket can be had; the session then runs
 * without the monitor, relying on LCP echo and DPD. */
struct wv_netmon *wv_netmon_new(struct wv_loop *loop, const struct wv_log *log,
				struct in_addr gateway, const char *tun_ifname,
				wv_netmon_gone_fn gone, void *arg);
void wv_netmon_free(struct wv_netmon *m);

/* ---- exposed for the unit test and the fuzz target ---- */

/* Parses the kernel's answer to an RTM_GETROUTE request (one datagram, which
 * may hold several messages).  Returns 0 with *oif set to the output
 * interface index, -ENETUNREACH / -EHOSTUNREACH (or another -errno) when the
 * kernel answered with an error, -EBADMSG when the datagram is malformed, or
 * -ENOENT when it holds neither a route nor an error for seq. */
int wv_netmon_parse_route_reply(const uint8_t *buf, size_t len, uint32_t seq, int *oif);

#endif
