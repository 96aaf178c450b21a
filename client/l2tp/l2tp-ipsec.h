/* l2tp-ipsec.h -- L2TP over IPsec (RFC 3193) as one wv_link.  Internal. */
#ifndef WV_L2TP_IPSEC_H
#define WV_L2TP_IPSEC_H

#include "l2tp.h"

struct ipsec_config;
struct l2tp_ipsec;

/* Copies both configurations (the PSK is wiped on free).  NULL with a
 * malloc'd sentence in *err on bad IPsec settings (proposals) or no memory. */
struct l2tp_ipsec *l2tp_ipsec_new(struct wv_loop *loop, const struct wv_log *log,
				  const struct l2tp_config *l2cfg, const struct ipsec_config *icfg,
				  const struct wv_link_events *ev, void *arg, char **err);

extern const struct wv_link_ops l2tp_ipsec_link_ops;

#endif
