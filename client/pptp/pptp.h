/* pptp.h -- PPTP (RFC 2637) as a wv_link: the TCP 1723 control connection and
 * the enhanced-GRE data link that carries PPP.  Internal. */
#ifndef WV_PPTP_H
#define WV_PPTP_H

#include <netinet/in.h>
#include "link.h"

struct wv_loop;
struct wv_log;
struct pptp;

struct pptp_config {
	struct in_addr gateway;   /* resolved by the session */
	uint16_t port;            /* 1723 unless overridden (tests) */
	const char *hostname;     /* our host name for Start-Control-Connection-Request */
	unsigned connect_timeout_ms;  /* TCP connect + SCCRQ/OCRQ answers; default 10000 */
};

struct pptp *pptp_new(struct wv_loop *loop, const struct wv_log *log, const struct pptp_config *cfg,
		      const struct wv_link_events *ev, void *arg);

extern const struct wv_link_ops pptp_link_ops;

#endif
