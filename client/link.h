/* link.h -- the interface between PPP and the transport that carries it
 * (PPTP's enhanced GRE, later L2TP).  Internal.
 *
 * A link brings up its control connection when started, reports "up" once PPP
 * frames can flow, hands every received PPP frame to recv(), and reports
 * "down" exactly once, with a failure class and a sentence, when it ends
 * (after stop() or on its own). */
#ifndef WV_LINK_H
#define WV_LINK_H

#include "libwinvpn.h"

struct pkt;

struct wv_link_events {
	void (*up)(void *arg);
	/* p starts at the PPP address/control or protocol field; recv takes p. */
	void (*recv)(void *arg, struct pkt *p);
	void (*down)(void *arg, enum wv_fail why, const char *msg);
};

struct wv_link_ops {
	const char *name;            /* "pptp" */
	int (*start)(void *link);    /* 0 or -errno; failures later come as down() */
	/* Orderly close (call clear, stop control connection); down() follows. */
	void (*stop)(void *link);
	/* Sends one PPP frame (starting at the protocol field, or at FF 03);
	 * always takes p, even on error.  0 or -errno. */
	int (*send)(void *link, struct pkt *p);
	void (*free)(void *link);
};

#endif
