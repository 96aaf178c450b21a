/* session.h -- the table of protocols a session can dial.  Internal.
 * Adding a transport is one folder, one row here, one test peer. */
#ifndef WV_SESSION_H
#define WV_SESSION_H

#include <netinet/in.h>
#include <stdbool.h>
#include "link.h"

struct wv_loop;
struct wv_log;
struct wv_settings;

struct wv_proto {
	const char *name;              /* the "protocol" setting's value */
	const char *display;           /* "PPTP", "L2TP/IPsec" */
	const char *display_plain;     /* the name without its protection, if it has one:
					  "L2TP" when ipsec-enabled=no */
	bool mppe_possible;            /* PPP may negotiate MPPE over it */
	/* Creates the link; NULL with a malloc'd sentence in *err. */
	void *(*link_new)(struct wv_loop *loop, const struct wv_log *log,
			  const struct wv_settings *st, struct in_addr gateway,
			  const struct wv_link_events *ev, void *arg, char **err);
	/* The link ops of what link_new made (it may pick one of several). */
	const struct wv_link_ops *(*ops_for)(const struct wv_settings *st);
};

const struct wv_proto *wv_proto_find(const char *name);

#endif
