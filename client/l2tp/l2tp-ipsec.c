/* l2tp-ipsec.c -- L2TP/IPsec (RFC 3193) as one wv_link: IPsec comes up first,
 * then L2TP runs with ESP as its only datagram transport, so no L2TP packet
 * can leave the machine unencrypted -- not during setup, not after a failure
 * (L2TP never opens a UDP socket of its own here).
 *
 * Order: start -> IKE Main Mode + Quick Mode -> (SA up) L2TP tunnel + call ->
 * up.  Stop: L2TP CDN + StopCCN through ESP -> IKE Deletes -> down.  The
 * first failure, from either layer, is what the session reports. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "l2tp-ipsec.h"
#include "ipsec/ipsec.h"
#include "log.h"
#include "pkt.h"

struct l2tp_ipsec {
	struct wv_link_events ev;
	void *arg;
	const struct wv_log *log;
	struct ipsec *ips;
	struct l2tp *l2tp;
	bool ipsec_up, l2tp_started, l2tp_down, ipsec_down, reported, stopping;
	enum wv_fail why;
	char msg[512];
};

static void li_note(struct l2tp_ipsec *li, enum wv_fail why, const char *msg)
{
	if (li->msg[0] && (li->why != WV_OK || why == WV_OK))
		return;
	li->why = why;
	snprintf(li->msg, sizeof(li->msg), "%s", msg ? msg : wv_fail_name(why));
}

/* Reports down() once both layers are finished. */
static void li_maybe_report(struct l2tp_ipsec *li)
{
	if (li->reported || !li->ipsec_down || (li->l2tp_started && !li->l2tp_down))
		return;
	li->reported = true;
	li->ev.down(li->arg, li->why, li->msg);
}

/* ---- IPsec below ---- */

static int li_transport_send(void *ctx, struct pkt *p)
{
	struct l2tp_ipsec *li = ctx;

	return ipsec_send(li->ips, p);
}

static const struct l2tp_transport_ops li_transport = { .send = li_transport_send };

static void li_ipsec_up(void *arg)
{
	struct l2tp_ipsec *li = arg;
	int r;

	li->ipsec_up = true;
	wv_info(li->log, "IKE", _("IPsec is up (%s); starting L2TP inside it"),
		ipsec_describe(li->ips));
	if (li->stopping) {
		ipsec_stop(li->ips);
		return;
	}
	li->l2tp_started = true;
	r = l2tp_link_ops.start(li->l2tp);
	if (r < 0) {
		char m[160];
		snprintf(m, sizeof(m), _("cannot start L2TP: %s"), strerror(-r));
		li->l2tp_down = true;
		li_note(li, WV_FAIL_LOCAL, m);
		ipsec_stop(li->ips);
	}
}

static void li_ipsec_recv(void *arg, struct pkt *p)
{
	struct l2tp_ipsec *li = arg;

	if (li->l2tp_started && !li->l2tp_down)
		l2tp_input(li->l2tp, p);
	else
		pkt_free(p);
}

static void li_ipsec_down(void *arg, enum wv_fail why, const char *msg)
{
	struct l2tp_ipsec *li = arg;

	li->ipsec_down = true;
	li_note(li, why, msg);
	if (li->l2tp_started && !li->l2tp_down) {
		/* The SA is gone under a running L2TP: nothing can be sent any
		 * more, so L2TP ends at once (its stop would only time out). */
		li->l2tp_down = true;
	}
	li_maybe_report(li);
}

static const struct ipsec_events li_ipsec_events = {
	.up = li_ipsec_up,
	.recv = li_ipsec_recv,
	.down = li_ipsec_down,
};

/* ---- L2TP above ---- */

static void li_l2tp_up(void *arg)
{
	struct l2tp_ipsec *li = arg;

	li->ev.up(li->arg);
}

static void li_l2tp_recv(void *arg, struct pkt *p)
{
	struct l2tp_ipsec *li = arg;

	li->ev.recv(li->arg, p);
}

static void li_l2tp_down(void *arg, enum wv_fail why, const char *msg)
{
	struct l2tp_ipsec *li = arg;

	if (li->l2tp_down)
		return;
	li->l2tp_down = true;
	li_note(li, why, msg);
	if (!li->ipsec_down)
		ipsec_stop(li->ips);      /* Deletes; li_ipsec_down reports */
	else
		li_maybe_report(li);
}

static const struct wv_link_events li_l2tp_events = {
	.up = li_l2tp_up,
	.recv = li_l2tp_recv,
	.down = li_l2tp_down,
};

/* ---- the link ---- */

static int li_start(void *link)
{
	struct l2tp_ipsec *li = link;

	return ipsec_start(li->ips);
}

static void li_stop(void *link)
{
	struct l2tp_ipsec *li = link;

	if (li->stopping)
		return;
	li->stopping = true;
	if (li->l2tp_started && !li->l2tp_down)
		l2tp_link_ops.stop(li->l2tp);     /* then IPsec, from li_l2tp_down */
	else if (!li->ipsec_down)
		ipsec_stop(li->ips);
}

static int li_send(void *link, struct pkt *p)
{
	struct l2tp_ipsec *li = link;

	if (!li->l2tp_started || li->l2tp_down) {
		pkt_free(p);
		return -ENOTCONN;
	}
	return l2tp_link_ops.send(li->l2tp, p);
}

static void li_free(void *link)
{
	struct l2tp_ipsec *li = link;

	if (!li)
		return;
	if (li->l2tp)
		l2tp_link_ops.free(li->l2tp);
	ipsec_free(li->ips);
	free(li);
}

const struct wv_link_ops l2tp_ipsec_link_ops = {
	.name = "l2tp-ipsec",
	.start = li_start,
	.stop = li_stop,
	.send = li_send,
	.free = li_free,
};

struct l2tp_ipsec *l2tp_ipsec_new(struct wv_loop *loop, const struct wv_log *log,
				  const struct l2tp_config *l2cfg, const struct ipsec_config *icfg,
				  const struct wv_link_events *ev, void *arg, char **err)
{
	struct l2tp_ipsec *li = calloc(1, sizeof(*li));

	if (!li) {
		if (err)
			*err = strdup(_("out of memory"));
		return NULL;
	}
	li->ev = *ev;
	li->arg = arg;
	li->log = log;
	li->ips = ipsec_new(loop, log, icfg, &li_ipsec_events, li, err);
	if (!li->ips) {
		free(li);
		return NULL;
	}
	li->l2tp = l2tp_new(loop, log, l2cfg, &li_l2tp_events, li);
	if (!li->l2tp) {
		li_free(li);
		if (err)
			*err = strdup(_("out of memory"));
		return NULL;
	}
	/* Before anything can start: L2TP has no socket of its own. */
	l2tp_set_transport(li->l2tp, &li_transport, li);
	return li;
}
