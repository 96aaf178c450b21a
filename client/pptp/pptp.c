/* pptp.c -- PPTP as a wv_link: the control connection (pptp-ctrl.c) sets up the
 * call, the enhanced-GRE link (gre.c) carries PPP frames for it.  This file
 * only ties their events to the link interface of link.h. */
#include "wv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "pptp-int.h"

struct pptp {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct pptp_config cfg;
	char *hostname;
	struct wv_link_events ev;
	void *arg;

	struct pptp_ctrl *ctrl;
	struct gre *gre;
	bool started;
	bool up;
	bool down;                   /* down() reported (or scheduled) */

	struct wv_timer later;       /* a failure found inside start() */
	enum wv_fail later_why;
	char later_msg[256];
};

/* Reports the end once.  The callee may free pp: return right after. */
static void pptp_report_down(struct pptp *pp, enum wv_fail why, const char *msg)
{
	if (pp->down)
		return;
	pp->down = true;
	pp->up = false;
	gre_close(pp->gre);
	pp->ev.down(pp->arg, why, msg);
}

static void pptp_on_later(void *arg)
{
	struct pptp *pp = arg;

	pp->down = false;
	pptp_report_down(pp, pp->later_why, pp->later_msg);
}

static void pptp_ctrl_established(void *arg, uint16_t call_id, uint16_t peer_call_id)
{
	struct pptp *pp = arg;

	gre_set_call_ids(pp->gre, call_id, peer_call_id);
	pp->up = true;
	pp->ev.up(pp->arg);
}

static void pptp_ctrl_down(void *arg, enum wv_fail why, const char *msg)
{
	pptp_report_down(arg, why, msg);
}

static const struct pptp_ctrl_events pptp_ctrl_ev = {
	.established = pptp_ctrl_established,
	.down = pptp_ctrl_down,
};

static void pptp_gre_recv(void *arg, struct pkt *p)
{
	struct pptp *pp = arg;

	if (!pp->up) {
		pkt_free(p);
		return;
	}
	pp->ev.recv(pp->arg, p);
}

static const struct gre_events pptp_gre_ev = {
	.recv = pptp_gre_recv,
};

struct pptp *pptp_new(struct wv_loop *loop, const struct wv_log *log, const struct pptp_config *cfg,
		      const struct wv_link_events *ev, void *arg)
{
	struct pptp *pp = calloc(1, sizeof(*pp));

	if (!pp)
		return NULL;
	pp->loop = loop;
	pp->log = log;
	pp->cfg = *cfg;
	pp->hostname = strdup(cfg->hostname ? cfg->hostname : "");
	pp->cfg.hostname = pp->hostname;
	pp->ev = *ev;
	pp->arg = arg;
	wv_timer_init(&pp->later, pptp_on_later, pp);
	pp->ctrl = pptp_ctrl_new(loop, log, &pp->cfg, &pptp_ctrl_ev, pp);
	pp->gre = gre_new(loop, log, &pptp_gre_ev, pp);
	if (!pp->hostname || !pp->ctrl || !pp->gre) {
		pptp_ctrl_free(pp->ctrl);
		gre_free(pp->gre);
		free(pp->hostname);
		free(pp);
		return NULL;
	}
	return pp;
}

static int pptp_start(void *link)
{
	struct pptp *pp = link;
	int r;

	if (pp->started)
		return -EALREADY;
	pp->started = true;
	/* Open the raw socket first: without it a call would carry nothing, and
	 * its failure is a local one the user can fix. */
	r = gre_open(pp->gre, pp->cfg.gateway);
	if (r < 0) {
		pp->later_why = WV_FAIL_LOCAL;
		snprintf(pp->later_msg, sizeof(pp->later_msg),
			 _("cannot open a raw GRE socket for PPTP's data: %s%s"), strerror(-r),
			 r == -EPERM || r == -EACCES ?
			 _(" (winvpn needs root or CAP_NET_RAW)") : "");
		pp->down = true;
		wv_timer_arm(pp->loop, &pp->later, 0);
		return 0;
	}
	return pptp_ctrl_start(pp->ctrl);
}

static void pptp_stop(void *link)
{
	struct pptp *pp = link;

	if (pp->down)
		return;
	pptp_ctrl_stop(pp->ctrl);
}

static int pptp_send(void *link, struct pkt *p)
{
	struct pptp *pp = link;

	if (!pp->up) {
		pkt_free(p);
		return -ENOTCONN;
	}
	return gre_send(pp->gre, p);
}

static void pptp_free(void *link)
{
	struct pptp *pp = link;

	if (!pp)
		return;
	wv_timer_cancel(pp->loop, &pp->later);
	pptp_ctrl_free(pp->ctrl);
	gre_free(pp->gre);
	free(pp->hostname);
	free(pp);
}

const struct wv_link_ops pptp_link_ops = {
	.name = "pptp",
	.start = pptp_start,
	.stop = pptp_stop,
	.send = pptp_send,
	.free = pptp_free,
};
