/* l2tp-ctrl.c -- the L2TP control connection (RFC 2661 §5, §7) as the Windows
 * client runs it: one tunnel, one incoming call (we are the LAC):
 *
 *     SCCRQ ->  <- SCCRP   SCCCN ->   ICRQ ->  <- ICRP   ICCN ->   <- ack
 *     <- the gateway's first PPP frame (or 1 s passes)                  => up
 *     stop:  CDN ->  StopCCN ->  <- ack (or the gateway's own StopCCN)  => down
 *
 * Two small state machines (tunnel, session) sit on reliable delivery
 * (§5.8): every message but a ZLB takes the next Ns; the gateway's Nr
 * acknowledges them; unacknowledged ones go out again after 1, 2, 4, 8, 8 s
 * with the current Nr, and after L2TP_RTX_MAX retransmissions the gateway is
 * dead.  We send no more than the gateway's Receive Window Size at once.
 * Received messages are handled strictly in Ns order: a duplicate is
 * acknowledged again but not handled again, one that overtook another waits
 * in a small window until the gap is filled.  Every message is acknowledged
 * at once, by our next message or by a ZLB.
 *
 * Gateway quirks:
 * - SoftEther answers our StopCCN with its own StopCCN (result 0, error
 *   1536): it counts as the acknowledgement.  When its CDN (its answer to
 *   ours) acknowledged our StopCCN first, its StopCCN follows: we linger up
 *   to L2TP_LINGER_MS to acknowledge it (unacknowledged, it is sent again
 *   for 2.5 s, into the next connection from this address, whose PPP then
 *   stalls).  It sends HELLO every 8.8 s on an idle tunnel: acknowledged
 *   like anything else.  It wedges when a tunnel is torn down before SCCCN,
 *   so a stop during SCCRQ waits for the SCCRP and sends SCCCN before
 *   StopCCN.
 * - xl2tpd and SoftEther acknowledge the ICCN with a ZLB and only then start
 *   their PPP (xl2tpd forks pppd, which attaches to the kernel session): a
 *   frame we sent at once would be lost.  So after the ack we wait for the
 *   gateway's first PPP frame, at most L2TP_UP_WAIT_MS.  A gateway that
 *   starts PPP before it acknowledges completes the call with that frame.
 *   SoftEther (vendor "L2TP") starts its PPP only when ours speaks: no wait. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "l2tp-int.h"

/* What we put in the SCCRQ (windows-interop §2.1: copy the Windows client). */
#define L2TP_PROTO_VERSION  0x0100      /* 1.0 */
#define L2TP_FRAMING_SYNC   1           /* Windows 10: synchronous framing only */
#define L2TP_BEARER_NONE    0
#define L2TP_FIRMWARE       0x0a00      /* what Windows 10 reports (NT 10.0) */
#define L2TP_VENDOR         "winvpn"
#define L2TP_CONNECT_BPS    100000000   /* ICCN (Tx) Connect Speed */
#define L2TP_CHALLENGE_LEN  16

struct l2tp_txmsg {
	uint16_t ns;
	uint16_t type;
	uint16_t len;
	bool sent;                        /* transmitted at least once */
	uint8_t buf[L2TP_CTRL_MAX];
};

struct l2tp_ctrl {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct l2tp_ctrl_events ev;
	void *arg;

	char gw_str[INET_ADDRSTRLEN];
	uint16_t port;
	char host[256];
	char *secret;                     /* NULL: no tunnel authentication */
	unsigned setup_ms;
	bool raw_udp;                     /* no lower layer: plain L2TP over UDP */

	enum l2tp_tunnel_state tstate;
	enum l2tp_session_state sstate;
	uint16_t tunnel_id, peer_tunnel_id;
	uint16_t session_id, peer_session_id;
	uint32_t serial;
	uint16_t peer_rws;
	bool seq_required;
	bool ppp_waits_for_us;            /* the gateway's PPP never speaks first */
	uint8_t challenge[L2TP_CHALLENGE_LEN];

	/* reliable delivery (§5.8) */
	uint16_t ns_next;                 /* Ns of our next new message */
	uint16_t nr;                      /* the Ns we expect next */
	uint16_t nr_sent;                 /* the Nr the gateway last heard from us */
	bool ack_due;                     /* a duplicate: acknowledge it again */
	struct l2tp_txmsg txq[L2TP_TXQ];  /* ring: unacknowledged, then waiting */
	unsigned tx_head, tx_count;
	struct pkt *ooo[L2TP_RWS];        /* arrived early, by Ns modulo the window */
	unsigned tries;                   /* transmissions of the oldest message */
	unsigned rtx_ms;
	bool heard;                       /* anything from the gateway yet */
	int net_err;                      /* last ICMP error from the transport */

	struct l2tp_msg rx;               /* decoded message being handled */

	struct wv_timer rtx_timer;
	struct wv_timer hello_timer;      /* §6.5 keep-alive */
	struct wv_timer setup_timer;      /* tunnel + call setup */
	struct wv_timer stop_timer;       /* waiting for the StopCCN's ack */
	struct wv_timer up_timer;         /* waiting for the gateway's PPP */
	struct wv_timer later;            /* down() from a fresh stack */
	enum wv_fail later_why;
	char later_msg[256];
	bool dying;

	bool stop_acked;                  /* our StopCCN is acknowledged */
	bool rx_zlb;                      /* the datagram being handled is a ZLB */
	bool stop_ack_zlb;                /* ... and it was by a ZLB */
	bool lingering;                   /* waiting for the gateway's own StopCCN */
	bool stopping;                    /* stop() called */
	enum wv_fail stop_why;            /* what down() reports after StopCCN */
	char stop_msg[256];

	struct l2tp_ctrl_stats st;
	unsigned busy;
	bool free_pending;
};

static const char *const l2tp_tunnel_state_names[] = {
	[L2TP_T_IDLE] = "idle",
	[L2TP_T_WAIT_SCCRP] = "wait-sccrp",
	[L2TP_T_ESTABLISHED] = "established",
	[L2TP_T_STOPPING] = "stopping",
	[L2TP_T_CLOSED] = "closed",
};

static const char *const l2tp_session_state_names[] = {
	[L2TP_S_IDLE] = "idle",
	[L2TP_S_WAIT_TUNNEL] = "wait-tunnel",
	[L2TP_S_WAIT_ICRP] = "wait-icrp",
	[L2TP_S_WAIT_ACK] = "wait-iccn-ack",
	[L2TP_S_WAIT_PPP] = "wait-ppp",
	[L2TP_S_ESTABLISHED] = "established",
	[L2TP_S_CLOSED] = "closed",
};

const char *l2tp_tunnel_state_name(enum l2tp_tunnel_state st)
{
	if ((size_t)st < ARRAY_SIZE(l2tp_tunnel_state_names) && l2tp_tunnel_state_names[st])
		return l2tp_tunnel_state_names[st];
	return "?";
}

const char *l2tp_session_state_name(enum l2tp_session_state st)
{
	if ((size_t)st < ARRAY_SIZE(l2tp_session_state_names) && l2tp_session_state_names[st])
		return l2tp_session_state_names[st];
	return "?";
}

enum l2tp_tunnel_state l2tp_ctrl_tunnel_state(const struct l2tp_ctrl *c)
{
	return c->tstate;
}

enum l2tp_session_state l2tp_ctrl_session_state(const struct l2tp_ctrl *c)
{
	return c->sstate;
}

void l2tp_ctrl_get_stats(const struct l2tp_ctrl *c, struct l2tp_ctrl_stats *st)
{
	*st = c->st;
}

static void tunnel_set_state(struct l2tp_ctrl *c, enum l2tp_tunnel_state st, const char *reason)
{
	if (c->tstate == st)
		return;
	wv_dbg(c->log, "L2TP", "tunnel %s -> %s (%s)", l2tp_tunnel_state_name(c->tstate),
	       l2tp_tunnel_state_name(st), reason);
	c->tstate = st;
}

static void session_set_state(struct l2tp_ctrl *c, enum l2tp_session_state st,
			      const char *reason)
{
	if (c->sstate == st)
		return;
	wv_dbg(c->log, "L2TP", "session %s -> %s (%s)", l2tp_session_state_name(c->sstate),
	       l2tp_session_state_name(st), reason);
	c->sstate = st;
}

/* ---- lifetime: callbacks may free us, so entry points hold a reference ---- */

static void ctrl_cancel_timers(struct l2tp_ctrl *c)
{
	wv_timer_cancel(c->loop, &c->rtx_timer);
	wv_timer_cancel(c->loop, &c->hello_timer);
	wv_timer_cancel(c->loop, &c->setup_timer);
	wv_timer_cancel(c->loop, &c->stop_timer);
	wv_timer_cancel(c->loop, &c->up_timer);
}

static void ctrl_drop_queues(struct l2tp_ctrl *c)
{
	size_t i;

	for (i = 0; i < L2TP_RWS; i++) {
		pkt_free(c->ooo[i]);
		c->ooo[i] = NULL;
	}
	c->tx_count = 0;
}

static void ctrl_destroy(struct l2tp_ctrl *c)
{
	ctrl_cancel_timers(c);
	wv_timer_cancel(c->loop, &c->later);
	ctrl_drop_queues(c);
	wv_free_secret(c->secret);
	wv_wipe(c->txq, sizeof(c->txq));      /* hidden values, responses */
	free(c);
}

static void ctrl_enter(struct l2tp_ctrl *c)
{
	c->busy++;
}

static void ctrl_leave(struct l2tp_ctrl *c)
{
	if (--c->busy == 0 && c->free_pending)
		ctrl_destroy(c);
}

/* Nothing more happens once down() is reported or scheduled. */
static bool ctrl_gone(const struct l2tp_ctrl *c)
{
	return c->tstate == L2TP_T_CLOSED || c->dying || c->free_pending;
}

static void ctrl_log_stats(struct l2tp_ctrl *c)
{
	wv_dbg(c->log, "L2TP", "control: sent %llu messages (%llu retransmitted) and %llu ZLBs; "
	       "received %llu messages and %llu ZLBs, %llu duplicates, %llu early, %llu dropped",
	       (unsigned long long)c->st.tx_msgs, (unsigned long long)c->st.tx_retransmits,
	       (unsigned long long)c->st.tx_zlbs, (unsigned long long)c->st.rx_msgs,
	       (unsigned long long)c->st.rx_zlbs, (unsigned long long)c->st.rx_duplicates,
	       (unsigned long long)c->st.rx_queued, (unsigned long long)c->st.rx_dropped);
}

/* Ends the control connection and reports it, once.  The callee may free c:
 * callers only return after this. */
static void ctrl_down(struct l2tp_ctrl *c, enum wv_fail why, const char *fmt, ...) WV_PRINTF(3, 4);
static void ctrl_down(struct l2tp_ctrl *c, enum wv_fail why, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (c->tstate == L2TP_T_CLOSED || c->free_pending)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctrl_cancel_timers(c);
	wv_timer_cancel(c->loop, &c->later);
	ctrl_drop_queues(c);
	c->dying = false;
	session_set_state(c, L2TP_S_CLOSED, "tunnel closed");
	tunnel_set_state(c, L2TP_T_CLOSED, msg);
	ctrl_log_stats(c);
	if (c->ev.down)
		c->ev.down(c->arg, why, msg);
}

static void ctrl_on_later(void *arg)
{
	struct l2tp_ctrl *c = arg;

	ctrl_enter(c);
	c->dying = false;
	ctrl_down(c, c->later_why, "%s", c->later_msg);
	ctrl_leave(c);
}

/* For an end found inside start() or stop(): the caller must not see down()
 * before its call returns. */
static void ctrl_down_later(struct l2tp_ctrl *c, enum wv_fail why, const char *msg)
{
	if (ctrl_gone(c))
		return;
	snprintf(c->later_msg, sizeof(c->later_msg), "%s", msg);
	c->later_why = why;
	c->dying = true;
	ctrl_cancel_timers(c);
	wv_timer_arm(c->loop, &c->later, 0);
}

/* ---- reliable delivery (§5.8) ------------------------------------------------------ */

static struct l2tp_txmsg *txq_at(struct l2tp_ctrl *c, unsigned i)
{
	return &c->txq[(c->tx_head + i) % L2TP_TXQ];
}

/* Hands one datagram to the transport (a copy: the queue keeps its message). */
static void ctrl_xmit(struct l2tp_ctrl *c, const uint8_t *buf, size_t len)
{
	struct pkt *p = pkt_alloc();
	uint8_t *d;

	if (!p)
		return;
	d = pkt_put(p, len);
	if (!d) {
		pkt_free(p);
		return;
	}
	memcpy(d, buf, len);
	wv_log_hex(c->log, "L2TP", "sent", buf, len);
	c->ev.send(c->arg, p);
}

static void ctrl_xmit_msg(struct l2tp_ctrl *c, struct l2tp_txmsg *t, bool again)
{
	l2tp_ctrl_stamp(t->buf, t->ns, c->nr);
	c->nr_sent = c->nr;
	c->ack_due = false;
	wv_dbg(c->log, "L2TP", "%s %s (Ns %u, Nr %u)", again ? "resending" : "sending",
	       l2tp_msg_name(t->type), t->ns, c->nr);
	if (again)
		c->st.tx_retransmits++;
	else
		c->st.tx_msgs++;
	t->sent = true;
	ctrl_xmit(c, t->buf, t->len);
}

/* Sends what waits and fits in the gateway's window (counted from the oldest
 * unacknowledged message). */
static void ctrl_push(struct l2tp_ctrl *c)
{
	unsigned i, win = MIN((unsigned)c->peer_rws, (unsigned)L2TP_TXQ);

	for (i = 0; i < c->tx_count && i < win && !ctrl_gone(c); i++) {
		struct l2tp_txmsg *t = txq_at(c, i);

		if (t->sent)
			continue;
		if (i == 0) {
			c->tries = 1;
			c->rtx_ms = L2TP_RTX_FIRST_MS;
		}
		ctrl_xmit_msg(c, t, false);
		if (!wv_timer_armed(&c->rtx_timer))
			wv_timer_arm(c->loop, &c->rtx_timer, c->rtx_ms);
	}
}

/* Queues a built control message behind the others and sends it if the
 * window allows. */
static int ctrl_queue(struct l2tp_ctrl *c, struct l2tp_mb *b, uint16_t type)
{
	size_t len = l2tp_mb_finish(b);
	struct l2tp_txmsg *t;

	if (!len)
		return -EMSGSIZE;
	if (c->tx_count == L2TP_TXQ) {
		/* Never seen: we have at most a handful of messages in flight. */
		wv_err(c->log, "L2TP", "the control queue is full; dropping a %s",
		       l2tp_msg_name(type));
		return -ENOBUFS;
	}
	t = txq_at(c, c->tx_count++);
	t->ns = c->ns_next++;
	t->type = type;
	t->len = (uint16_t)len;
	t->sent = false;
	if (b->buf != t->buf)
		memcpy(t->buf, b->buf, len);
	ctrl_push(c);
	return 0;
}

/* Starts a message in the next free queue slot (no copy later). */
static bool ctrl_build(struct l2tp_ctrl *c, struct l2tp_mb *b, uint16_t session, uint16_t type)
{
	if (c->tx_count == L2TP_TXQ)
		return false;
	l2tp_mb_start(b, txq_at(c, c->tx_count)->buf, L2TP_CTRL_MAX, c->peer_tunnel_id, session,
		      type);
	return true;
}

static void ctrl_send_zlb(struct l2tp_ctrl *c)
{
	uint8_t buf[L2TP_CTRL_HDR];
	struct l2tp_mb b;

	l2tp_mb_start(&b, buf, sizeof(buf), c->peer_tunnel_id, 0, L2TP_ZLB);
	if (!l2tp_mb_finish(&b))
		return;
	/* §5.8: a ZLB carries the next Ns without using it up. */
	l2tp_ctrl_stamp(buf, c->ns_next, c->nr);
	c->nr_sent = c->nr;
	c->ack_due = false;
	c->st.tx_zlbs++;
	wv_trace(c->log, "L2TP", "sending ZLB (Ns %u, Nr %u)", c->ns_next, c->nr);
	ctrl_xmit(c, buf, sizeof(buf));
}

static void ctrl_session_up(struct l2tp_ctrl *c, const char *reason);
static void ctrl_no_answer(struct l2tp_ctrl *c);

/* The gateway's Nr acknowledges everything before it. */
static void ctrl_acked(struct l2tp_ctrl *c, uint16_t nr)
{
	unsigned n, sent = 0, i;
	bool iccn = false, stopccn = false;

	if (!c->tx_count)
		return;
	n = (uint16_t)(nr - txq_at(c, 0)->ns);
	for (i = 0; i < c->tx_count && txq_at(c, i)->sent; i++)
		sent++;
	if (n == 0 || n > sent)
		return;                 /* nothing new, or an Nr we never earned */
	for (i = 0; i < n; i++) {
		struct l2tp_txmsg *t = txq_at(c, 0);

		wv_trace(c->log, "L2TP", "%s (Ns %u) acknowledged", l2tp_msg_name(t->type), t->ns);
		iccn |= t->type == L2TP_ICCN;
		stopccn |= t->type == L2TP_STOPCCN;
		c->tx_head = (c->tx_head + 1) % L2TP_TXQ;
		c->tx_count--;
	}
	wv_timer_cancel(c->loop, &c->rtx_timer);
	if (c->tx_count && txq_at(c, 0)->sent) {
		/* The next one was sent with the others: a fresh back-off for it. */
		c->tries = 1;
		c->rtx_ms = L2TP_RTX_FIRST_MS;
		wv_timer_arm(c->loop, &c->rtx_timer, c->rtx_ms);
	}
	ctrl_push(c);
	if (ctrl_gone(c))
		return;
	/* down() only after the message that acked it is handled and
	 * acknowledged in turn (SoftEther's own StopCCN carries the ack). */
	if (stopccn && c->tstate == L2TP_T_STOPPING) {
		c->stop_acked = true;
		c->stop_ack_zlb = c->rx_zlb;
	}
	if (iccn && c->sstate == L2TP_S_WAIT_ACK) {
		if (c->ppp_waits_for_us) {
			ctrl_session_up(c, "ICCN acknowledged");
			return;
		}
		session_set_state(c, L2TP_S_WAIT_PPP, "ICCN acknowledged");
		wv_timer_arm(c->loop, &c->up_timer, L2TP_UP_WAIT_MS);
	}
}

static void ctrl_on_up_timer(void *arg)
{
	struct l2tp_ctrl *c = arg;

	ctrl_enter(c);
	if (!ctrl_gone(c) && c->sstate == L2TP_S_WAIT_PPP)
		ctrl_session_up(c, "the gateway's PPP is quiet; ours goes first");
	ctrl_leave(c);
}

static void ctrl_on_rtx(void *arg)
{
	struct l2tp_ctrl *c = arg;
	unsigned i;

	ctrl_enter(c);
	if (ctrl_gone(c) || !c->tx_count || !txq_at(c, 0)->sent)
		goto out;
	/* Port unreachable for every try so far: nothing listens, no need to
	 * wait out the back-off (a gateway just restarting gets 3 tries). */
	if (c->tries > L2TP_RTX_MAX ||
	    (!c->heard && c->net_err == -ECONNREFUSED && c->tries >= L2TP_REFUSED_TRIES)) {
		ctrl_no_answer(c);
		goto out;
	}
	/* Everything in flight goes again, with the Nr of today. */
	for (i = 0; i < c->tx_count && txq_at(c, i)->sent && !ctrl_gone(c); i++)
		ctrl_xmit_msg(c, txq_at(c, i), true);
	if (ctrl_gone(c))
		goto out;
	c->tries++;
	c->rtx_ms = MIN(c->rtx_ms * 2, (unsigned)L2TP_RTX_CAP_MS);
	wv_timer_arm(c->loop, &c->rtx_timer, c->rtx_ms);
out:
	ctrl_leave(c);
}

/* ---- messages we send -------------------------------------------------------------- */

static void ctrl_result_avp(struct l2tp_mb *b, uint16_t result, uint16_t error)
{
	uint8_t v[4];

	store_be16(v, result);
	store_be16(v + 2, error);
	l2tp_mb_avp(b, true, 0, L2TP_AVP_RESULT, v, sizeof(v));
}

static void ctrl_send_sccrq(struct l2tp_ctrl *c)
{
	struct l2tp_mb b;

	if (!ctrl_build(c, &b, 0, L2TP_SCCRQ))
		return;
	l2tp_mb_u16(&b, true, L2TP_AVP_PROTO_VERSION, L2TP_PROTO_VERSION);
	l2tp_mb_avp(&b, true, 0, L2TP_AVP_HOST_NAME, c->host, strlen(c->host));
	l2tp_mb_u32(&b, true, L2TP_AVP_FRAMING_CAPS, L2TP_FRAMING_SYNC);
	l2tp_mb_u32(&b, true, L2TP_AVP_BEARER_CAPS, L2TP_BEARER_NONE);
	l2tp_mb_u16(&b, false, L2TP_AVP_FIRMWARE, L2TP_FIRMWARE);
	l2tp_mb_avp(&b, false, 0, L2TP_AVP_VENDOR_NAME, L2TP_VENDOR, strlen(L2TP_VENDOR));
	l2tp_mb_u16(&b, true, L2TP_AVP_TUNNEL_ID, c->tunnel_id);
	l2tp_mb_u16(&b, true, L2TP_AVP_RECV_WINDOW, L2TP_RWS);
	if (c->secret)
		l2tp_mb_avp(&b, true, 0, L2TP_AVP_CHALLENGE, c->challenge, sizeof(c->challenge));
	ctrl_queue(c, &b, L2TP_SCCRQ);
}

static void ctrl_send_stopccn(struct l2tp_ctrl *c, uint16_t result, uint16_t error)
{
	struct l2tp_mb b;

	if (!ctrl_build(c, &b, 0, L2TP_STOPCCN))
		return;
	l2tp_mb_u16(&b, true, L2TP_AVP_TUNNEL_ID, c->tunnel_id);
	ctrl_result_avp(&b, result, error);
	ctrl_queue(c, &b, L2TP_STOPCCN);
}

static void ctrl_send_cdn(struct l2tp_ctrl *c, uint16_t result, uint16_t error)
{
	struct l2tp_mb b;

	if (!ctrl_build(c, &b, c->peer_session_id, L2TP_CDN))
		return;
	ctrl_result_avp(&b, result, error);
	l2tp_mb_u16(&b, true, L2TP_AVP_SESSION_ID, c->session_id);
	ctrl_queue(c, &b, L2TP_CDN);
}

/* Closes the call (CDN) if the gateway has it, then the tunnel (StopCCN), and
 * reports down(why, msg) once the StopCCN is acknowledged, the gateway sends
 * its own, or L2TP_STOP_MS pass.  Without a tunnel to close: at once. */
static void ctrl_close(struct l2tp_ctrl *c, enum wv_fail why, uint16_t result, uint16_t error,
		       const char *fmt, ...) WV_PRINTF(5, 6);
static void ctrl_close(struct l2tp_ctrl *c, enum wv_fail why, uint16_t result, uint16_t error,
		       const char *fmt, ...)
{
	char msg[sizeof(c->stop_msg)];
	va_list ap;

	if (ctrl_gone(c) || c->tstate == L2TP_T_STOPPING)
		return;
	/* (through msg: callers may pass c->stop_msg itself) */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->stop_why = why;
	memcpy(c->stop_msg, msg, sizeof(msg));
	if (!c->peer_tunnel_id) {
		ctrl_down(c, why, "%s", c->stop_msg);
		return;
	}
	wv_timer_cancel(c->loop, &c->hello_timer);
	wv_timer_cancel(c->loop, &c->setup_timer);
	if (c->peer_session_id && (c->sstate == L2TP_S_WAIT_ACK ||
				   c->sstate == L2TP_S_WAIT_PPP ||
				   c->sstate == L2TP_S_ESTABLISHED))
		ctrl_send_cdn(c, result == L2TP_STOP_CLEAR ? L2TP_CDN_ADMIN : L2TP_CDN_ERROR,
			      error);
	session_set_state(c, L2TP_S_CLOSED, "closing the tunnel");
	ctrl_send_stopccn(c, result, error);
	tunnel_set_state(c, L2TP_T_STOPPING, "sent StopCCN");
	if (!ctrl_gone(c))
		wv_timer_arm(c->loop, &c->stop_timer, L2TP_STOP_MS);
}

static void ctrl_on_stop_timer(void *arg)
{
	struct l2tp_ctrl *c = arg;

	ctrl_enter(c);
	if (!ctrl_gone(c)) {
		if (c->lingering)
			wv_dbg(c->log, "L2TP", "no StopCCN from the gateway within %u ms; closing",
			       L2TP_LINGER_MS);
		else if (c->tstate == L2TP_T_STOPPING)
			wv_dbg(c->log, "L2TP", "no acknowledgement of our StopCCN within %u ms; "
			       "closing anyway", L2TP_STOP_MS);
		else
			wv_dbg(c->log, "L2TP", "no SCCRP within %u ms; giving up", L2TP_STOP_MS);
		ctrl_down(c, c->stop_why, "%s", c->stop_msg);
	}
	ctrl_leave(c);
}

/* The gateway never answered, or stopped answering. */
static void ctrl_no_answer(struct l2tp_ctrl *c)
{
	const char *what = c->tx_count ? l2tp_msg_name(txq_at(c, 0)->type) : "SCCRQ";

	if (c->tstate == L2TP_T_STOPPING) {
		ctrl_down(c, c->stop_why, "%s", c->stop_msg);
		return;
	}
	if (!c->heard) {
		const char *hint = "";

		if (c->net_err == -ECONNREFUSED)
			hint = c->raw_udp ?
			       _("; its UDP port is closed (ICMP port unreachable): no L2TP server "
				 "listens there, or it takes L2TP only inside IPsec") :
			       _("; its L2TP port is closed (ICMP port unreachable)");
		else if (c->net_err)
			hint = _("; the network reports an error for it");
		else if (c->raw_udp)
			hint = _("; check the address, and whether the gateway accepts L2TP "
				 "without IPsec");
		ctrl_down(c, WV_FAIL_UNREACHABLE,
			  _("the L2TP gateway %s did not answer (%u tries)%s"), c->gw_str, c->tries,
			  hint);
		return;
	}
	ctrl_down(c, WV_FAIL_PEER_DEAD,
		  _("the L2TP gateway %s stopped answering (our %s was not acknowledged after %u "
		    "tries)"), c->gw_str, what, c->tries);
}

static void ctrl_on_setup_timer(void *arg)
{
	struct l2tp_ctrl *c = arg;

	ctrl_enter(c);
	if (ctrl_gone(c) || c->sstate == L2TP_S_ESTABLISHED)
		goto out;
	if (c->tstate == L2TP_T_WAIT_SCCRP && !c->heard) {
		ctrl_no_answer(c);
		goto out;
	}
	ctrl_close(c, c->heard ? WV_FAIL_PEER_DEAD : WV_FAIL_UNREACHABLE, L2TP_STOP_CLEAR, 0,
		   _("the L2TP gateway %s did not complete the %s setup within %u s"), c->gw_str,
		   c->tstate == L2TP_T_WAIT_SCCRP ? _("tunnel") : _("call"),
		   (c->setup_ms + 999) / 1000);
out:
	ctrl_leave(c);
}

static void ctrl_on_hello_timer(void *arg)
{
	struct l2tp_ctrl *c = arg;
	struct l2tp_mb b;

	ctrl_enter(c);
	/* §6.5: a HELLO after a quiet minute; losing it is how we learn that the
	 * gateway is gone when no data flows. */
	if (!ctrl_gone(c) && c->tstate == L2TP_T_ESTABLISHED && ctrl_build(c, &b, 0, L2TP_HELLO))
		ctrl_queue(c, &b, L2TP_HELLO);
	if (!ctrl_gone(c) && c->tstate == L2TP_T_ESTABLISHED)
		wv_timer_arm(c->loop, &c->hello_timer, L2TP_HELLO_MS);
	ctrl_leave(c);
}

/* ---- messages we receive ------------------------------------------------------------ */

static void ctrl_start_call(struct l2tp_ctrl *c)
{
	struct l2tp_mb b;

	if (!ctrl_build(c, &b, 0, L2TP_ICRQ))
		return;
	l2tp_mb_u16(&b, true, L2TP_AVP_SESSION_ID, c->session_id);
	l2tp_mb_u32(&b, true, L2TP_AVP_CALL_SERIAL, c->serial);
	session_set_state(c, L2TP_S_WAIT_ICRP, "sent ICRQ");
	ctrl_queue(c, &b, L2TP_ICRQ);
}

static void ctrl_handle_sccrp(struct l2tp_ctrl *c, const struct l2tp_msg *m)
{
	const struct l2tp_avp *resp = l2tp_msg_avp(m, L2TP_AVP_CHALLENGE_RESP);
	const struct l2tp_avp *chal = l2tp_msg_avp(m, L2TP_AVP_CHALLENGE);
	char host[65], vendor[65];
	uint16_t tid = 0, ver = 0, rws = L2TP_PEER_RWS_DFLT, fw = 0;
	uint8_t digest[16];
	struct l2tp_mb b;

	if (c->tstate != L2TP_T_WAIT_SCCRP) {
		wv_dbg(c->log, "L2TP", "ignoring a SCCRP in tunnel state %s",
		       l2tp_tunnel_state_name(c->tstate));
		return;
	}
	if (!l2tp_msg_u16(m, L2TP_AVP_TUNNEL_ID, &tid) || tid == 0) {
		ctrl_down(c, WV_FAIL_PROTOCOL,
			  _("the L2TP gateway %s answered without assigning a tunnel id"),
			  c->gw_str);
		return;
	}
	c->peer_tunnel_id = tid;
	if (l2tp_msg_u16(m, L2TP_AVP_PROTO_VERSION, &ver) && ver != L2TP_PROTO_VERSION)
		wv_dbg(c->log, "L2TP", "the gateway speaks protocol version %#06x; going on", ver);
	if (l2tp_msg_u16(m, L2TP_AVP_RECV_WINDOW, &rws) && rws == 0)
		rws = 1;
	c->peer_rws = rws;
	l2tp_msg_u16(m, L2TP_AVP_FIRMWARE, &fw);
	l2tp_msg_str(m, L2TP_AVP_HOST_NAME, host, sizeof(host));
	l2tp_msg_str(m, L2TP_AVP_VENDOR_NAME, vendor, sizeof(vendor));
	wv_dbg(c->log, "L2TP", "SCCRP: tunnel %u, window %u, firmware 0x%04x", tid, rws, fw);
	/* SoftEther: see the top of this file. */
	c->ppp_waits_for_us = strcmp(vendor, "L2TP") == 0;

	/* §5.1.1 tunnel authentication, both ways. */
	if (c->secret) {
		if (!resp) {
			ctrl_close(c, WV_FAIL_AUTH, L2TP_STOP_NOT_AUTHORIZED, 0,
				   _("the L2TP gateway %s ignored our tunnel authentication "
				     "challenge; it has no tunnel secret (unset ours)"), c->gw_str);
			return;
		}
		if (l2tp_challenge_response(L2TP_SCCRP, c->secret, c->challenge,
					    sizeof(c->challenge), digest) < 0 ||
		    resp->len != sizeof(digest) || memcmp(digest, resp->val, sizeof(digest))) {
			ctrl_close(c, WV_FAIL_AUTH, L2TP_STOP_NOT_AUTHORIZED, 0,
				   _("the L2TP gateway %s failed tunnel authentication: its "
				     "challenge response does not match our tunnel secret"),
				   c->gw_str);
			return;
		}
	}
	if (chal && !c->secret) {
		ctrl_close(c, WV_FAIL_CONFIG, L2TP_STOP_NOT_AUTHORIZED, 0,
			   _("the L2TP gateway %s requires tunnel authentication, but no tunnel "
			     "secret is set (Windows does not support it either)"), c->gw_str);
		return;
	}
	if (!ctrl_build(c, &b, 0, L2TP_SCCCN))
		return;
	if (chal) {
		if (l2tp_challenge_response(L2TP_SCCCN, c->secret, chal->val, chal->len,
					    digest) < 0) {
			ctrl_close(c, WV_FAIL_LOCAL, L2TP_STOP_ERROR, 0,
				   _("cannot compute the tunnel authentication response: MD5 is "
				     "not available"));
			return;
		}
		l2tp_mb_avp(&b, true, 0, L2TP_AVP_CHALLENGE_RESP, digest, sizeof(digest));
	}
	tunnel_set_state(c, L2TP_T_ESTABLISHED, "got SCCRP, sending SCCCN");
	ctrl_queue(c, &b, L2TP_SCCCN);
	if (ctrl_gone(c))
		return;
	wv_info(c->log, "L2TP", _("tunnel to %s is up (gateway host \"%s\", vendor \"%s\")"),
		c->gw_str, host, vendor);
	wv_timer_arm(c->loop, &c->hello_timer, L2TP_HELLO_MS);
	if (c->stopping) {
		/* A stop during SCCRQ: SCCCN first (SoftEther), then goodbye. */
		ctrl_close(c, c->stop_why, L2TP_STOP_CLEAR, 0, "%s", c->stop_msg);
		return;
	}
	ctrl_start_call(c);
}

static void ctrl_handle_icrp(struct l2tp_ctrl *c, const struct l2tp_msg *m)
{
	struct l2tp_mb b;
	uint16_t sid = 0;

	if (c->sstate != L2TP_S_WAIT_ICRP) {
		wv_dbg(c->log, "L2TP", "ignoring an ICRP in session state %s",
		       l2tp_session_state_name(c->sstate));
		return;
	}
	if (!l2tp_msg_u16(m, L2TP_AVP_SESSION_ID, &sid) || sid == 0) {
		ctrl_close(c, WV_FAIL_PROTOCOL, L2TP_STOP_ERROR, L2TP_ERR_VALUE,
			   _("the L2TP gateway %s accepted the call without assigning a session "
			     "id"), c->gw_str);
		return;
	}
	c->peer_session_id = sid;
	/* §4.4.6 puts Sequencing Required in ICCN (LAC to LNS); some LNSes send it
	 * in ICRP to ask for it.  Either way it only means: always send Ns. */
	c->seq_required = l2tp_msg_avp(m, L2TP_AVP_SEQ_REQUIRED) != NULL;
	if (!ctrl_build(c, &b, c->peer_session_id, L2TP_ICCN))
		return;
	l2tp_mb_u32(&b, true, L2TP_AVP_TX_SPEED, L2TP_CONNECT_BPS);
	l2tp_mb_u32(&b, true, L2TP_AVP_FRAMING_TYPE, L2TP_FRAMING_SYNC);
	session_set_state(c, L2TP_S_WAIT_ACK, "got ICRP, sending ICCN");
	ctrl_queue(c, &b, L2TP_ICCN);
}

static enum wv_fail stopccn_fail(uint16_t result)
{
	switch (result) {
	case 1: /* general request */
	case 6: /* shutting down */
		return WV_FAIL_PEER_DEAD;
	case 4:
		return WV_FAIL_AUTH;
	default:
		return WV_FAIL_PROTOCOL;
	}
}

static void ctrl_handle_stopccn(struct l2tp_ctrl *c, const struct l2tp_msg *m)
{
	struct l2tp_result res;
	char what[256];
	uint16_t tid = 0;

	/* §5.7: acknowledge it before anything else.  A StopCCN refusing our
	 * SCCRQ names the gateway's tunnel only in its AVP. */
	if (!c->peer_tunnel_id && l2tp_msg_u16(m, L2TP_AVP_TUNNEL_ID, &tid))
		c->peer_tunnel_id = tid;
	ctrl_send_zlb(c);
	if (c->tstate == L2TP_T_STOPPING) {
		/* SoftEther's answer to our StopCCN. */
		wv_dbg(c->log, "L2TP", "the gateway answered our StopCCN with its own");
		ctrl_down(c, c->stop_why, "%s", c->stop_msg);
		return;
	}
	if (!l2tp_msg_result(m, &res)) {
		ctrl_down(c, WV_FAIL_PEER_DEAD, _("the L2TP gateway %s closed the tunnel"),
			  c->gw_str);
		return;
	}
	l2tp_result_describe(&res, false, what, sizeof(what));
	if (c->stopping)
		ctrl_down(c, c->stop_why, "%s", c->stop_msg);
	else if (c->tstate == L2TP_T_WAIT_SCCRP)
		ctrl_down(c, res.result == 4 ? WV_FAIL_AUTH : WV_FAIL_PROTOCOL,
			  _("the L2TP gateway %s refused the tunnel: %s"), c->gw_str, what);
	else
		ctrl_down(c, stopccn_fail(res.result),
			  _("the L2TP gateway %s closed the tunnel: %s"), c->gw_str, what);
}

static void ctrl_handle_cdn(struct l2tp_ctrl *c, const struct l2tp_msg *m)
{
	struct l2tp_result res = { .result = 0 };
	enum wv_fail why;
	char what[256];
	bool setup = c->sstate != L2TP_S_ESTABLISHED;

	if (c->sstate == L2TP_S_IDLE || c->sstate == L2TP_S_CLOSED) {
		wv_dbg(c->log, "L2TP", "ignoring a CDN in session state %s",
		       l2tp_session_state_name(c->sstate));
		return;
	}
	if (l2tp_msg_result(m, &res))
		l2tp_result_describe(&res, true, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "%s", _("no reason given"));
	why = res.result == 1 || res.result == 3 ? WV_FAIL_PEER_DEAD : WV_FAIL_PROTOCOL;
	if (c->stopping)
		why = c->stop_why;
	session_set_state(c, L2TP_S_CLOSED, "got CDN");
	/* We only had this call: the tunnel goes too (StopCCN, SoftEther-safe
	 * since SCCCN went long ago). */
	if (c->stopping)
		ctrl_close(c, why, L2TP_STOP_CLEAR, 0, "%s", c->stop_msg);
	else
		ctrl_close(c, why, L2TP_STOP_CLEAR, 0, setup ?
			   _("the L2TP gateway %s refused the call: %s") :
			   _("the L2TP gateway %s hung up the call: %s"), c->gw_str, what);
}

static bool msg_is_session(uint16_t type)
{
	switch (type) {
	case L2TP_OCRQ: case L2TP_OCRP: case L2TP_OCCN:
	case L2TP_ICRQ: case L2TP_ICRP: case L2TP_ICCN:
	case L2TP_CDN: case L2TP_WEN: case L2TP_SLI:
		return true;
	default:
		return false;
	}
}

/* One in-order control message, already counted in our Nr. */
static void ctrl_handle(struct l2tp_ctrl *c, struct pkt *p)
{
	struct l2tp_msg *m = &c->rx;
	int r = l2tp_msg_parse(p->data, p->len, c->secret, m);
	const char *name = m->type ? l2tp_msg_name(m->type) : "control message";

	if (r == -ENOKEY) {
		ctrl_close(c, WV_FAIL_CONFIG, L2TP_STOP_ERROR, L2TP_ERR_VALUE,
			   _("the L2TP gateway %s hides AVPs with a tunnel secret (RFC 2661 "
			     "§4.3), but no tunnel secret is set"), c->gw_str);
		return;
	}
	if (r < 0) {
		ctrl_close(c, WV_FAIL_PROTOCOL, L2TP_STOP_ERROR, L2TP_ERR_LENGTH,
			   _("the L2TP gateway %s sent a malformed %s: %s"), c->gw_str, name,
			   m->err);
		return;
	}
	c->st.rx_msgs++;
	wv_dbg(c->log, "L2TP", "received %s (Ns %u, Nr %u)", name, m->h.ns, m->h.nr);
	/* Whatever becomes of it, a StopCCN can now reach the gateway. */
	if (!c->peer_tunnel_id && m->type == L2TP_SCCRP)
		l2tp_msg_u16(m, L2TP_AVP_TUNNEL_ID, &c->peer_tunnel_id);
	if (m->hidden_skipped)
		wv_dbg(c->log, "L2TP", "%u optional hidden AVPs ignored (no tunnel secret)",
		       m->hidden_skipped);
	if (msg_is_session(m->type) && m->type != L2TP_CDN &&
	    (m->h.session != c->session_id || c->sstate == L2TP_S_IDLE)) {
		wv_dbg(c->log, "L2TP", "ignoring a %s for session %u (ours is %u)", name,
		       m->h.session, c->session_id);
		return;
	}
	if (m->unknown_m) {
		/* §4.1: a message we cannot fully understand must not be accepted;
		 * for a call message the call ends, for a tunnel message the
		 * tunnel -- and with our only call gone, the tunnel ends anyway. */
		ctrl_close(c, WV_FAIL_PROTOCOL, L2TP_STOP_ERROR, L2TP_ERR_UNKNOWN_M,
			   _("the L2TP gateway %s sent a %s with an AVP winvpn does not know and "
			     "must not ignore (vendor %u, type %u)"), c->gw_str, name,
			   m->unknown_vendor, m->unknown_type);
		return;
	}
	switch (m->type) {
	case L2TP_SCCRP:
		ctrl_handle_sccrp(c, m);
		break;
	case L2TP_STOPCCN:
		ctrl_handle_stopccn(c, m);
		break;
	case L2TP_HELLO:
		break;                  /* the acknowledgement is the answer */
	case L2TP_ICRP:
		ctrl_handle_icrp(c, m);
		break;
	case L2TP_CDN:
		if (m->h.session != c->session_id && m->h.session != 0) {
			wv_dbg(c->log, "L2TP", "ignoring a CDN for session %u", m->h.session);
			break;
		}
		ctrl_handle_cdn(c, m);
		break;
	case L2TP_SLI:
	case L2TP_WEN:
		/* ACCMs and line errors concern HDLC framing, which L2TP has not. */
		wv_dbg(c->log, "L2TP", "ignoring %s", name);
		break;
	case L2TP_SCCRQ: case L2TP_SCCCN: case L2TP_OCRQ: case L2TP_OCRP: case L2TP_OCCN:
	case L2TP_ICRQ: case L2TP_ICCN:
		wv_dbg(c->log, "L2TP", "ignoring %s: not for a LAC", name);
		break;
	default:
		if (m->type_mandatory) {
			ctrl_close(c, WV_FAIL_PROTOCOL, L2TP_STOP_ERROR, L2TP_ERR_VALUE,
				   _("the L2TP gateway %s sent message type %u, which winvpn does "
				     "not know and must not ignore"), c->gw_str, m->type);
			return;
		}
		wv_dbg(c->log, "L2TP", "ignoring message type %u", m->type);
		break;
	}
}

/* Handles the messages that waited for the one just handled. */
static void ctrl_drain_early(struct l2tp_ctrl *c)
{
	while (!ctrl_gone(c)) {
		struct pkt *p = c->ooo[c->nr % L2TP_RWS];
		struct l2tp_hdr h;
		size_t mlen;

		if (!p)
			break;
		c->ooo[c->nr % L2TP_RWS] = NULL;
		if (l2tp_hdr_parse(p->data, p->len, &h, &mlen) < 0 || h.ns != c->nr) {
			pkt_free(p);
			continue;
		}
		c->nr++;
		ctrl_handle(c, p);
		pkt_free(p);
	}
}

static void ctrl_receive(struct l2tp_ctrl *c, struct pkt *p)
{
	struct l2tp_hdr h;
	size_t mlen;
	int hl = l2tp_hdr_parse(p->data, p->len, &h, &mlen);
	uint16_t ahead;

	wv_log_hex(c->log, "L2TP", "received", p->data, p->len);
	if (hl < 0 || !h.ctrl || !h.has_len || !h.has_seq || h.has_off) {
		wv_dbg(c->log, "L2TP", "dropping a malformed control message (%zu octets)", p->len);
		c->st.rx_dropped++;
		goto drop;
	}
	if (h.tunnel != c->tunnel_id) {
		wv_dbg(c->log, "L2TP", "dropping a control message for tunnel %u (ours is %u)",
		       h.tunnel, c->tunnel_id);
		c->st.rx_dropped++;
		goto drop;
	}
	c->heard = true;
	if (c->tstate == L2TP_T_ESTABLISHED)
		wv_timer_arm(c->loop, &c->hello_timer, L2TP_HELLO_MS);
	c->rx_zlb = (size_t)hl == mlen;
	ctrl_acked(c, h.nr);
	if (ctrl_gone(c))
		goto drop;
	if (c->rx_zlb) {
		c->st.rx_zlbs++;
		wv_trace(c->log, "L2TP", "received ZLB (Ns %u, Nr %u)", h.ns, h.nr);
		goto drop;
	}
	if (h.ns != c->nr) {
		ahead = (uint16_t)(h.ns - c->nr);
		if (!l2tp_seq_after(h.ns, c->nr)) {
			/* Our acknowledgement was lost: say it again, act once. */
			wv_dbg(c->log, "L2TP", "duplicate message Ns %u (expecting %u)", h.ns,
			       c->nr);
			c->st.rx_duplicates++;
			c->ack_due = true;
		} else if (ahead < L2TP_RWS && !c->ooo[h.ns % L2TP_RWS]) {
			wv_dbg(c->log, "L2TP", "message Ns %u arrived early (expecting %u); "
			       "keeping it", h.ns, c->nr);
			c->st.rx_queued++;
			c->ooo[h.ns % L2TP_RWS] = p;
			return;
		} else {
			wv_dbg(c->log, "L2TP", "dropping message Ns %u: outside our window at %u",
			       h.ns, c->nr);
			c->st.rx_dropped++;
		}
		goto drop;
	}
	c->nr++;
	ctrl_handle(c, p);
	pkt_free(p);
	ctrl_drain_early(c);
	return;
drop:
	pkt_free(p);
}

void l2tp_ctrl_input(struct l2tp_ctrl *c, struct pkt *p)
{
	ctrl_enter(c);
	if (ctrl_gone(c) || c->tstate == L2TP_T_IDLE) {
		pkt_free(p);
		goto out;
	}
	ctrl_receive(c, p);
	/* Everything handled is acknowledged now, by a ZLB if nothing we sent
	 * carried the new Nr (§5.8). */
	if (!ctrl_gone(c) && c->peer_tunnel_id && (c->nr != c->nr_sent || c->ack_due))
		ctrl_send_zlb(c);
	if (!ctrl_gone(c) && c->stop_acked && !c->lingering) {
		if (c->stop_ack_zlb) {
			ctrl_down(c, c->stop_why, "%s", c->stop_msg);
		} else {
			/* A message acknowledged it: a StopCCN of the gateway's own
			 * may follow (SoftEther); acknowledge that too. */
			wv_dbg(c->log, "L2TP", "our StopCCN is acknowledged; waiting up to %u ms "
			       "for the gateway's own StopCCN", L2TP_LINGER_MS);
			c->lingering = true;
			wv_timer_arm(c->loop, &c->stop_timer, L2TP_LINGER_MS);
		}
	}
out:
	ctrl_leave(c);
}

static void ctrl_session_up(struct l2tp_ctrl *c, const char *reason)
{
	struct l2tp_session_info si = {
		.tunnel_id = c->tunnel_id, .peer_tunnel_id = c->peer_tunnel_id,
		.session_id = c->session_id, .peer_session_id = c->peer_session_id,
		.seq_required = c->seq_required,
	};

	wv_timer_cancel(c->loop, &c->setup_timer);
	wv_timer_cancel(c->loop, &c->up_timer);
	session_set_state(c, L2TP_S_ESTABLISHED, reason);
	wv_info(c->log, "L2TP", _("call established (tunnel %u/%u, session %u/%u%s)"),
		c->tunnel_id, c->peer_tunnel_id, c->session_id, c->peer_session_id,
		c->seq_required ? _(", sequencing required") : "");
	if (c->ev.established)
		c->ev.established(c->arg, &si);
}

void l2tp_ctrl_data_seen(struct l2tp_ctrl *c, uint16_t tunnel, uint16_t session)
{
	ctrl_enter(c);
	if (!ctrl_gone(c) && (c->sstate == L2TP_S_WAIT_ACK || c->sstate == L2TP_S_WAIT_PPP) &&
	    tunnel == c->tunnel_id && session == c->session_id)
		ctrl_session_up(c, "PPP from the gateway");
	ctrl_leave(c);
}

void l2tp_ctrl_note_error(struct l2tp_ctrl *c, int err)
{
	ctrl_enter(c);
	if (c->net_err != err)
		wv_dbg(c->log, "L2TP", "the network reports for %s: %s", c->gw_str, strerror(-err));
	c->net_err = err;
	if (!ctrl_gone(c) && !c->heard && err == -ECONNREFUSED && c->tries >= L2TP_REFUSED_TRIES &&
	    c->tstate == L2TP_T_WAIT_SCCRP)
		ctrl_no_answer(c);
	ctrl_leave(c);
}

/* ---- the API ------------------------------------------------------------------------ */

static uint16_t ctrl_random16(void)
{
	uint16_t v = 0;

	while (v == 0)
		if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
			v = (uint16_t)(time(NULL) ^ getpid());
	return v;
}

struct l2tp_ctrl *l2tp_ctrl_new(struct wv_loop *loop, const struct wv_log *log,
				const struct l2tp_config *cfg, const struct l2tp_ctrl_events *ev,
				void *arg)
{
	static uint32_t serial;
	struct l2tp_ctrl *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = loop;
	c->log = log;
	c->ev = *ev;
	c->arg = arg;
	c->port = cfg->port ? cfg->port : L2TP_UDP_PORT;
	inet_ntop(AF_INET, &cfg->gateway, c->gw_str, sizeof(c->gw_str));
	if (cfg->hostname && *cfg->hostname)
		snprintf(c->host, sizeof(c->host), "%s", cfg->hostname);
	else if (gethostname(c->host, sizeof(c->host) - 1) < 0 || !c->host[0])
		snprintf(c->host, sizeof(c->host), "winvpn");
	if (cfg->secret && *cfg->secret) {
		c->secret = strdup(cfg->secret);
		if (!c->secret) {
			free(c);
			return NULL;
		}
	}
	c->setup_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : L2TP_SETUP_MS;
	c->raw_udp = true;
	c->tstate = L2TP_T_IDLE;
	c->sstate = L2TP_S_IDLE;
	c->tunnel_id = ctrl_random16();
	c->session_id = ctrl_random16();
	/* §4.4.5: a number to tie the logs of both ends together; just count. */
	if (serial == 0)
		serial = ctrl_random16();
	c->serial = ++serial;
	c->peer_rws = L2TP_PEER_RWS_DFLT;
	wv_timer_init(&c->rtx_timer, ctrl_on_rtx, c);
	wv_timer_init(&c->hello_timer, ctrl_on_hello_timer, c);
	wv_timer_init(&c->setup_timer, ctrl_on_setup_timer, c);
	wv_timer_init(&c->stop_timer, ctrl_on_stop_timer, c);
	wv_timer_init(&c->up_timer, ctrl_on_up_timer, c);
	wv_timer_init(&c->later, ctrl_on_later, c);
	return c;
}

void l2tp_ctrl_set_ids(struct l2tp_ctrl *c, uint16_t tunnel_id, uint16_t session_id)
{
	if (tunnel_id)
		c->tunnel_id = tunnel_id;
	if (session_id)
		c->session_id = session_id;
}

void l2tp_ctrl_set_raw(struct l2tp_ctrl *c, bool raw_udp)
{
	c->raw_udp = raw_udp;
}

int l2tp_ctrl_start(struct l2tp_ctrl *c)
{
	if (c->tstate != L2TP_T_IDLE || ctrl_gone(c))
		return -EALREADY;
	if (c->secret && wv_random(c->challenge, sizeof(c->challenge)) < 0)
		return -EIO;
	ctrl_enter(c);
	wv_info(c->log, "L2TP", _("opening an L2TP tunnel to %s (UDP port %u)"), c->gw_str,
		c->port);
	tunnel_set_state(c, L2TP_T_WAIT_SCCRP, "sent SCCRQ");
	session_set_state(c, L2TP_S_WAIT_TUNNEL, "tunnel requested");
	wv_timer_arm(c->loop, &c->setup_timer, c->setup_ms);
	ctrl_send_sccrq(c);
	ctrl_leave(c);
	return 0;
}

void l2tp_ctrl_stop(struct l2tp_ctrl *c)
{
	if (ctrl_gone(c) || c->stopping)
		return;
	ctrl_enter(c);
	c->stopping = true;
	c->stop_why = WV_FAIL_CANCELLED;
	snprintf(c->stop_msg, sizeof(c->stop_msg), "%s", _("the L2TP connection was cancelled"));
	switch (c->tstate) {
	case L2TP_T_IDLE:
		ctrl_down_later(c, c->stop_why, c->stop_msg);
		break;
	case L2TP_T_WAIT_SCCRP:
		/* Wait a little for the SCCRP: the SCCRP handler then sends SCCCN
		 * and StopCCN (SoftEther wedges on a tunnel closed before SCCCN). */
		wv_timer_cancel(c->loop, &c->setup_timer);
		wv_timer_arm(c->loop, &c->stop_timer, L2TP_STOP_MS);
		break;
	case L2TP_T_ESTABLISHED:
		if (c->sstate == L2TP_S_ESTABLISHED) {
			c->stop_why = WV_OK;
			snprintf(c->stop_msg, sizeof(c->stop_msg), "%s", _("disconnected"));
		}
		/* §5.7/§5.8: CDN, then StopCCN; both travel in order. */
		ctrl_close(c, c->stop_why, L2TP_STOP_CLEAR, 0, "%s", c->stop_msg);
		break;
	default:
		break;
	}
	ctrl_leave(c);
}

void l2tp_ctrl_free(struct l2tp_ctrl *c)
{
	if (!c)
		return;
	if (c->busy) {
		/* Inside one of our callbacks: silence, and free on the way out. */
		ctrl_cancel_timers(c);
		wv_timer_cancel(c->loop, &c->later);
		c->free_pending = true;
		return;
	}
	ctrl_destroy(c);
}
