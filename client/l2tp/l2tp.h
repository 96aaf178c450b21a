/* l2tp.h -- L2TP (RFC 2661) as a wv_link: the control connection (tunnel +
 * one incoming call, the Windows LAC profile) and the data channel that
 * carries PPP.  Internal.
 *
 * The datagram transport is pluggable.  By default L2TP opens its own UDP
 * socket to the gateway (source port 1701 like Windows, or an ephemeral port
 * when 1701 is taken or ephemeral_port is set).  A lower layer (IPsec/ESP)
 * takes over instead by calling l2tp_set_transport() before start: L2TP then
 * hands it every outgoing UDP payload through ops->send(), and the lower layer
 * feeds every received UDP payload from the gateway's L2TP port to
 * l2tp_input().  Addressing (ports, the SA) is entirely the lower layer's. */
#ifndef WV_L2TP_H
#define WV_L2TP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "link.h"

struct wv_loop;
struct wv_log;
struct pkt;
struct l2tp;

#define L2TP_UDP_PORT 1701

struct l2tp_config {
	struct in_addr gateway;       /* resolved by the session */
	uint16_t port;                /* the gateway's UDP port; 0 means 1701 */
	bool ephemeral_port;          /* never try source port 1701 */
	const char *hostname;         /* Host Name AVP; NULL or "" means gethostname() */
	const char *secret;           /* tunnel secret (RFC 2661 §4.3, §5.1.1); NULL: none */
	unsigned connect_timeout_ms;  /* tunnel + session setup; 0 means 20000 */
};

struct l2tp_transport_ops {
	/* Sends one L2TP message (the UDP payload) to the gateway; always takes
	 * p, which has headroom for the lower layer's headers.  0 or -errno; an
	 * error only counts as a lost datagram (control messages are resent). */
	int (*send)(void *ctx, struct pkt *p);
};

/* Copies cfg and its strings. */
struct l2tp *l2tp_new(struct wv_loop *loop, const struct wv_log *log, const struct l2tp_config *cfg,
		      const struct wv_link_events *ev, void *arg);

/* Lets a lower layer carry the datagrams (call before start; ops and ctx
 * must outlive the link).  ops NULL goes back to L2TP's own UDP socket. */
void l2tp_set_transport(struct l2tp *l, const struct l2tp_transport_ops *ops, void *ctx);
/* One UDP payload received from the gateway; takes p.  Call it from the
 * loop (an fd or timer callback), not from inside ops->send(). */
void l2tp_input(struct l2tp *l, struct pkt *p);

extern const struct wv_link_ops l2tp_link_ops;

#endif
