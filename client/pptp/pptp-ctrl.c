/* pptp-ctrl.c -- the PPTP control connection on TCP 1723 (RFC 2637 §2, §3),
 * as the Windows client runs it ([MS-PTPT]).
 *
 * The exchanges are tasks: each builds one request, waits in one state for one
 * reply type and processes it.  Bringing a call up runs SCCRQ then OCRQ; an
 * orderly stop runs Call-Clear then StopCCRQ.  Whatever arrives outside a task
 * (echo, Set-Link-Info, WAN-Error-Notify, a hang-up by the gateway) is handled
 * in one place.  Bytes come from a non-blocking socket, are framed by Length
 * and may arrive split or coalesced; writes are buffered behind EPOLLOUT. */
#include "wv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "pptp-int.h"

#define CTRL_RBUF       (4 * PPTP_MSG_MAX)
#define CTRL_WBUF_MAX   65536          /* a gateway that stops reading is dead */
#define CTRL_READS      8              /* reads per wake-up, then let others run */

/* What the Windows client puts in its requests ([MS-PTPT] §4; windows-interop §3.1). */
#define PPTP_FRAMING_ASYNC  1
#define PPTP_BEARER_ANALOG  1
#define PPTP_TYPE_ANY       3          /* OCRQ bearer and framing type: either */
#define PPTP_FIRMWARE       0x0001
#define PPTP_VENDOR         "winvpn"
#define PPTP_MIN_BPS        300
#define PPTP_MAX_BPS        100000000
/* Advertised only: [MS-PTPT] peers ignore the window (no RFC 2637 §4.2 flow control). */
#define PPTP_RECV_WINDOW    64

enum pptp_status { PPTP_NEED_MORE, PPTP_SUCCESS, PPTP_FAILED };

enum pptp_task_id { TASK_NONE = -1, TASK_SCCRQ, TASK_OCRQ, TASK_CCR, TASK_STOP };

struct pptp_ctrl;

struct pptp_task {
	uint16_t request, reply;          /* message types */
	enum pptp_ctrl_state wait;        /* our state while the reply is due */
	bool teardown;                    /* no reply in time: go on instead of failing */
	enum pptp_task_id next;
	void (*build)(struct pptp_ctrl *c, struct pptp_msg *m);
	enum pptp_status (*process)(struct pptp_ctrl *c, const struct pptp_msg *m);
};

struct pptp_ctrl {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct pptp_ctrl_events ev;
	void *arg;

	struct in_addr gateway;
	uint16_t port;
	char gw_str[INET_ADDRSTRLEN];
	char host[65];
	unsigned reply_timeout_ms;

	enum pptp_ctrl_state state;
	enum pptp_task_id task;
	int fd;
	uint32_t events;                  /* what the loop watches on fd */

	uint8_t rbuf[CTRL_RBUF];
	size_t rlen;
	uint8_t *wbuf;
	size_t wlen, wcap;

	uint16_t call_id, peer_call_id, serial;
	uint32_t echo_id;
	bool echo_outstanding;

	struct wv_timer timer;            /* TCP connect, task replies */
	struct wv_timer echo_timer;       /* RFC 2637 §2.5 keep-alive */
	struct wv_timer later;            /* down() reported from a fresh stack */
	enum wv_fail later_why;
	char later_msg[256];
	bool dying;                       /* socket closed, down() scheduled */

	bool stopping;                    /* stop() called */
	enum wv_fail stop_why;            /* WV_OK once the call was up */

	unsigned busy;                    /* callbacks on the stack */
	bool free_pending;
};

static const char *const pptp_ctrl_state_names[] = {
	[PPTP_C_IDLE] = "idle",
	[PPTP_C_TCP_CONNECTING] = "tcp-connecting",
	[PPTP_C_WAIT_SCCRP] = "wait-sccrp",
	[PPTP_C_WAIT_OCRP] = "wait-ocrp",
	[PPTP_C_ESTABLISHED] = "established",
	[PPTP_C_WAIT_CDN] = "wait-cdn",
	[PPTP_C_WAIT_STOPCCRP] = "wait-stopccrp",
	[PPTP_C_CLOSED] = "closed",
};

const char *pptp_ctrl_state_name(enum pptp_ctrl_state st)
{
	if ((size_t)st < ARRAY_SIZE(pptp_ctrl_state_names) && pptp_ctrl_state_names[st])
		return pptp_ctrl_state_names[st];
	return "?";
}

enum pptp_ctrl_state pptp_ctrl_get_state(const struct pptp_ctrl *c)
{
	return c->state;
}

static void ctrl_set_state(struct pptp_ctrl *c, enum pptp_ctrl_state st, const char *reason)
{
	if (c->state == st)
		return;
	wv_dbg(c->log, "PPTP", "control connection %s -> %s (%s)", pptp_ctrl_state_name(c->state),
	       pptp_ctrl_state_name(st), reason);
	c->state = st;
}

/* ---- lifetime: callbacks may free us, so entry points hold a reference ---- */

static void ctrl_close_socket(struct pptp_ctrl *c)
{
	wv_timer_cancel(c->loop, &c->timer);
	wv_timer_cancel(c->loop, &c->echo_timer);
	if (c->fd >= 0) {
		if (c->events)
			wv_loop_del_fd(c->loop, c->fd);
		close(c->fd);
		c->fd = -1;
		c->events = 0;
	}
	c->wlen = 0;
	c->rlen = 0;
}

static void ctrl_destroy(struct pptp_ctrl *c)
{
	ctrl_close_socket(c);
	wv_timer_cancel(c->loop, &c->later);
	free(c->wbuf);
	free(c);
}

static void ctrl_enter(struct pptp_ctrl *c)
{
	c->busy++;
}

static void ctrl_leave(struct pptp_ctrl *c)
{
	if (--c->busy == 0 && c->free_pending)
		ctrl_destroy(c);
}

/* Nothing more happens once down() is reported or scheduled. */
static bool ctrl_gone(const struct pptp_ctrl *c)
{
	return c->state == PPTP_C_CLOSED || c->dying || c->free_pending;
}

/* Ends the control connection and reports it, once.  The callee may free c:
 * callers only return after this. */
static void ctrl_down(struct pptp_ctrl *c, enum wv_fail why, const char *fmt, ...) WV_PRINTF(3, 4);
static void ctrl_down(struct pptp_ctrl *c, enum wv_fail why, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (c->state == PPTP_C_CLOSED || c->free_pending)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctrl_close_socket(c);
	wv_timer_cancel(c->loop, &c->later);
	c->dying = false;
	ctrl_set_state(c, PPTP_C_CLOSED, msg);
	if (c->ev.down)
		c->ev.down(c->arg, why, msg);
}

static void ctrl_on_later(void *arg)
{
	struct pptp_ctrl *c = arg;

	ctrl_enter(c);
	ctrl_down(c, c->later_why, "%s", c->later_msg);
	ctrl_leave(c);
}

/* For failures found inside start() or stop(): the caller must not see down()
 * before its call returns. */
static void ctrl_down_later(struct pptp_ctrl *c, enum wv_fail why, const char *fmt, ...)
	WV_PRINTF(3, 4);
static void ctrl_down_later(struct pptp_ctrl *c, enum wv_fail why, const char *fmt, ...)
{
	va_list ap;

	if (ctrl_gone(c))
		return;
	va_start(ap, fmt);
	vsnprintf(c->later_msg, sizeof(c->later_msg), fmt, ap);
	va_end(ap);
	c->later_why = why;
	c->dying = true;
	ctrl_close_socket(c);
	wv_timer_arm(c->loop, &c->later, 0);
}

/* ---- the socket ------------------------------------------------------------ */

static void ctrl_watch(struct pptp_ctrl *c, uint32_t events);
static void ctrl_stopped(struct pptp_ctrl *c);

static const char *ctrl_errno_str(int err)
{
	switch (err) {
	case ECONNREFUSED: return _("connection refused");
	case ETIMEDOUT: return _("connection timed out");
	case EHOSTUNREACH: return _("host unreachable");
	case ENETUNREACH: return _("network unreachable");
	case ECONNRESET: return _("connection reset");
	default: return strerror(err);
	}
}

/* The sentence for a stream that broke after it was connected. */
static void ctrl_stream_failed(struct pptp_ctrl *c, int err)
{
	if (c->stopping && c->state >= PPTP_C_WAIT_CDN) {
		/* We were hanging up anyway. */
		ctrl_stopped(c);
		return;
	}
	if (err == 0 || err == EPIPE)
		ctrl_down(c, WV_FAIL_PEER_DEAD, c->state == PPTP_C_ESTABLISHED ?
			  _("the gateway closed the control connection") :
			  _("the gateway closed the control connection during call setup"));
	else
		ctrl_down(c, WV_FAIL_PEER_DEAD,
			  _("the control connection to the gateway failed: %s"),
			  ctrl_errno_str(err));
}

static int ctrl_flush(struct pptp_ctrl *c)
{
	size_t off = 0;
	int r = 0;

	while (off < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + off, c->wlen - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			r = -errno;
			ctrl_stream_failed(c, errno);
			return r;
		}
		off += (size_t)n;
	}
	memmove(c->wbuf, c->wbuf + off, c->wlen - off);
	c->wlen -= off;
	/* Ask for EPOLLOUT only while something waits for the socket. */
	ctrl_watch(c, EPOLLIN | (c->wlen ? EPOLLOUT : 0));
	return r;
}

static int ctrl_send(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	uint8_t buf[PPTP_MSG_MAX];
	size_t n = pptp_msg_build(m, buf, sizeof(buf));

	if (!n || c->fd < 0)
		return -EINVAL;
	wv_dbg(c->log, "PPTP", "sending %s", pptp_msg_name(m->type));
	wv_log_hex(c->log, "PPTP", "sent", buf, n);
	if (c->wlen + n > CTRL_WBUF_MAX) {
		ctrl_down(c, WV_FAIL_PEER_DEAD,
			  _("the gateway stopped reading the control connection"));
		return -ENOBUFS;
	}
	if (c->wlen + n > c->wcap) {
		size_t cap = MAX(c->wcap * 2, (size_t)1024);
		uint8_t *w;

		while (cap < c->wlen + n)
			cap *= 2;
		w = realloc(c->wbuf, cap);
		if (!w) {
			ctrl_down(c, WV_FAIL_LOCAL, _("out of memory"));
			return -ENOMEM;
		}
		c->wbuf = w;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, buf, n);
	c->wlen += n;
	return ctrl_flush(c);
}

/* ---- tasks ----------------------------------------------------------------- */

static void ctrl_task_start(struct pptp_ctrl *c, enum pptp_task_id id);
static void ctrl_established(struct pptp_ctrl *c);

static void sccrq_build(struct pptp_ctrl *c, struct pptp_msg *m)
{
	m->version = PPTP_VERSION;
	m->framing = PPTP_FRAMING_ASYNC;
	m->bearer = PPTP_BEARER_ANALOG;
	m->max_channels = 0;
	m->firmware = PPTP_FIRMWARE;
	memcpy(m->host, c->host, sizeof(m->host));
	snprintf(m->vendor, sizeof(m->vendor), "%s", PPTP_VENDOR);
}

static enum pptp_status sccrq_process(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	if (m->result != PPTP_RESULT_OK) {
		/* §2.2: the Error Code only means something with result 2 */
		if (m->result == 2 || m->error)
			ctrl_down(c, WV_FAIL_PROTOCOL,
				  _("the gateway refused the control connection: %s (%s)"),
				  pptp_sccrp_result_str(m->result), pptp_error_str(m->error));
		else
			ctrl_down(c, WV_FAIL_PROTOCOL,
				  _("the gateway refused the control connection: %s"),
				  pptp_sccrp_result_str(m->result));
		return PPTP_FAILED;
	}
	if (m->version != PPTP_VERSION)
		wv_dbg(c->log, "PPTP", "the gateway speaks protocol version %#06x; going on",
		       m->version);
	wv_info(c->log, "PPTP",
		_("control connection to %s is up (gateway host \"%s\", vendor \"%s\")"),
		c->gw_str, m->host, m->vendor);
	return PPTP_SUCCESS;
}

static void ocrq_build(struct pptp_ctrl *c, struct pptp_msg *m)
{
	m->call_id = c->call_id;
	m->serial = c->serial;
	m->min_bps = PPTP_MIN_BPS;
	m->max_bps = PPTP_MAX_BPS;
	m->bearer = PPTP_TYPE_ANY;
	m->framing = PPTP_TYPE_ANY;
	m->window = PPTP_RECV_WINDOW;
	m->delay = 0;
}

static enum pptp_status ocrq_process(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	/* §2.8: Peer's Call ID echoes the Call ID of our request. */
	if (m->peer_call_id != c->call_id) {
		wv_dbg(c->log, "PPTP", "ignoring an Outgoing-Call-Reply for call %u (ours is %u)",
		       m->peer_call_id, c->call_id);
		return PPTP_NEED_MORE;
	}
	if (m->result != PPTP_RESULT_OK) {
		if (m->result == 2 || m->error)
			ctrl_down(c, WV_FAIL_PROTOCOL, _("the gateway refused the call (%s: %s)"),
				  pptp_ocrp_result_str(m->result), pptp_error_str(m->error));
		else
			ctrl_down(c, WV_FAIL_PROTOCOL, _("the gateway refused the call (%s)"),
				  pptp_ocrp_result_str(m->result));
		return PPTP_FAILED;
	}
	c->peer_call_id = m->call_id;
	/* [MS-PTPT] §2.2: the PNS must ignore the reply's window size. */
	wv_dbg(c->log, "PPTP", "call %u accepted as the gateway's call %u (speed %u, window %u)",
	       c->call_id, c->peer_call_id, m->speed, m->window);
	return PPTP_SUCCESS;
}

static void ccr_build(struct pptp_ctrl *c, struct pptp_msg *m)
{
	m->call_id = c->call_id;
}

static enum pptp_status ccr_process(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	return m->call_id == c->peer_call_id ? PPTP_SUCCESS : PPTP_NEED_MORE;
}

static void stop_build(struct pptp_ctrl *c, struct pptp_msg *m)
{
	m->reason = 1;      /* §2.3: General request to clear the control connection */
}

static enum pptp_status stop_process(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	return PPTP_SUCCESS;
}

static const struct pptp_task pptp_tasks[] = {
	[TASK_SCCRQ] = { PPTP_SCCRQ, PPTP_SCCRP, PPTP_C_WAIT_SCCRP, false, TASK_OCRQ,
			 sccrq_build, sccrq_process },
	[TASK_OCRQ] = { PPTP_OCRQ, PPTP_OCRP, PPTP_C_WAIT_OCRP, false, TASK_NONE,
			ocrq_build, ocrq_process },
	[TASK_CCR] = { PPTP_CCR, PPTP_CDN, PPTP_C_WAIT_CDN, true, TASK_STOP,
		       ccr_build, ccr_process },
	[TASK_STOP] = { PPTP_STOPCCRQ, PPTP_STOPCCRP, PPTP_C_WAIT_STOPCCRP, true, TASK_NONE,
			stop_build, stop_process },
};

static void ctrl_task_start(struct pptp_ctrl *c, enum pptp_task_id id)
{
	const struct pptp_task *t = &pptp_tasks[id];
	struct pptp_msg m = { .type = t->request };
	char reason[64];

	c->task = id;
	t->build(c, &m);
	snprintf(reason, sizeof(reason), "sent %s", pptp_msg_name(t->request));
	ctrl_set_state(c, t->wait, reason);
	if (ctrl_send(c, &m) < 0 || ctrl_gone(c))
		return;
	wv_timer_arm(c->loop, &c->timer, t->teardown ? PPTP_TEARDOWN_MS : c->reply_timeout_ms);
}

/* The current task is finished: run the next one, or arrive. */
static void ctrl_task_done(struct pptp_ctrl *c)
{
	const struct pptp_task *t = &pptp_tasks[c->task];

	wv_timer_cancel(c->loop, &c->timer);
	c->task = TASK_NONE;
	if (t->next != TASK_NONE)
		ctrl_task_start(c, t->next);
	else if (t->request == PPTP_OCRQ)
		ctrl_established(c);
	else
		ctrl_stopped(c);
}

static void ctrl_task_timeout(struct pptp_ctrl *c)
{
	const struct pptp_task *t = &pptp_tasks[c->task];

	if (t->teardown) {
		wv_dbg(c->log, "PPTP", "no %s within %u ms; going on", pptp_msg_name(t->reply),
		       PPTP_TEARDOWN_MS);
		ctrl_task_done(c);
		return;
	}
	ctrl_down(c, WV_FAIL_PEER_DEAD, _("the gateway did not answer our %s within %u s"),
		  pptp_msg_name(t->request), (c->reply_timeout_ms + 999) / 1000);
}

/* ---- the call is up, keep-alive, the end -------------------------------- */

static void ctrl_established(struct pptp_ctrl *c)
{
	ctrl_set_state(c, PPTP_C_ESTABLISHED, "call connected");
	wv_timer_arm(c->loop, &c->echo_timer, PPTP_ECHO_IDLE_MS);
	wv_info(c->log, "PPTP", _("call established (our call id %u, the gateway's %u)"),
		c->call_id, c->peer_call_id);
	if (c->ev.established)
		c->ev.established(c->arg, c->call_id, c->peer_call_id);
}

static void ctrl_stopped(struct pptp_ctrl *c)
{
	ctrl_down(c, c->stop_why, "%s", c->stop_why == WV_OK ? _("disconnected") :
		  _("the PPTP connection was cancelled"));
}

/* Any well-formed message shows the gateway is alive (RFC 2637 §2.5 asks for
 * an echo only after 60 s of silence). */
static void ctrl_alive(struct pptp_ctrl *c)
{
	c->echo_outstanding = false;
	if (c->state == PPTP_C_ESTABLISHED)
		wv_timer_arm(c->loop, &c->echo_timer, PPTP_ECHO_IDLE_MS);
}

static void ctrl_on_echo_timer(void *arg)
{
	struct pptp_ctrl *c = arg;
	struct pptp_msg m = { .type = PPTP_ECHORQ };

	ctrl_enter(c);
	if (c->state != PPTP_C_ESTABLISHED)
		goto out;
	if (c->echo_outstanding) {
		ctrl_down(c, WV_FAIL_PEER_DEAD,
			  _("the gateway stopped answering PPTP echo requests (no reply in %u s)"),
			  PPTP_ECHO_TIMEOUT_MS / 1000);
		goto out;
	}
	m.ident = ++c->echo_id;
	c->echo_outstanding = true;
	if (ctrl_send(c, &m) == 0 && !ctrl_gone(c))
		wv_timer_arm(c->loop, &c->echo_timer, PPTP_ECHO_TIMEOUT_MS);
out:
	ctrl_leave(c);
}

/* The gateway hung up the call (§2.13).  Close the control connection too,
 * politely, without waiting for the answer: nothing else runs over it. */
static void ctrl_peer_hangup(struct pptp_ctrl *c, const struct pptp_msg *cdn)
{
	struct pptp_msg m = { .type = PPTP_STOPCCRQ, .reason = 1 };
	enum wv_fail why = cdn->result == 2 ? WV_FAIL_PROTOCOL : WV_FAIL_PEER_DEAD;

	if (cdn->stats[0])
		wv_dbg(c->log, "PPTP", "call statistics: %s", cdn->stats);
	if (ctrl_send(c, &m) < 0 || ctrl_gone(c))
		return;
	if (cdn->result == 2 || cdn->error)
		ctrl_down(c, why, _("the gateway disconnected the call: %s (%s)"),
			  pptp_cdn_result_str(cdn->result), pptp_error_str(cdn->error));
	else
		ctrl_down(c, why, _("the gateway disconnected the call: %s"),
			  pptp_cdn_result_str(cdn->result));
}

/* Messages that may arrive at any time (or not for the current task). */
static void ctrl_unsolicited(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	struct pptp_msg reply = { 0 };

	switch (m->type) {
	case PPTP_ECHORQ:
		/* §2.6: answer every Echo-Request, whatever our state. */
		reply.type = PPTP_ECHORP;
		reply.ident = m->ident;
		reply.result = PPTP_RESULT_OK;
		ctrl_send(c, &reply);
		break;
	case PPTP_ECHORP:
		if (m->ident != c->echo_id)
			wv_dbg(c->log, "PPTP", "Echo-Reply %#x does not match our request %#x",
			       m->ident, c->echo_id);
		break;
	case PPTP_STOPCCRQ:
		/* §2.4: the reply is mandatory; then the connection is over. */
		reply.type = PPTP_STOPCCRP;
		reply.result = PPTP_RESULT_OK;
		if (ctrl_send(c, &reply) < 0 || ctrl_gone(c))
			break;
		if (c->stopping)
			ctrl_stopped(c);
		else
			ctrl_down(c, WV_FAIL_PEER_DEAD,
				  _("the gateway closed the control connection (%s)"),
				  pptp_stop_reason_str(m->reason));
		break;
	case PPTP_CDN:
		if (c->state != PPTP_C_ESTABLISHED || m->call_id != c->peer_call_id) {
			wv_dbg(c->log, "PPTP", "ignoring a Call-Disconnect-Notify for call %u",
			       m->call_id);
			break;
		}
		ctrl_peer_hangup(c, m);
		break;
	case PPTP_SLI:
		/* §2.15: the ACCMs are for HDLC framing; GRE carries no HDLC. */
		wv_dbg(c->log, "PPTP", "Set-Link-Info: send ACCM %#010x, receive ACCM %#010x",
		       m->send_accm, m->recv_accm);
		break;
	case PPTP_WEN:
		wv_info(c->log, "PPTP", _("the gateway reports line errors: CRC %u, framing %u, "
					  "hardware overruns %u, buffer overruns %u, time-outs %u, "
					  "alignment %u"),
			m->wan_errors[0], m->wan_errors[1], m->wan_errors[2], m->wan_errors[3],
			m->wan_errors[4], m->wan_errors[5]);
		break;
	default:
		wv_dbg(c->log, "PPTP", "ignoring %s in state %s", pptp_msg_name(m->type),
		       pptp_ctrl_state_name(c->state));
		break;
	}
}

static void ctrl_handle(struct pptp_ctrl *c, const uint8_t *buf, size_t len)
{
	struct pptp_msg m;
	int r;

	wv_log_hex(c->log, "PPTP", "received", buf, len);
	r = pptp_msg_parse(buf, len, &m);
	if (r == -ENOMSG) {
		/* §1.4 leaves room for new types; they are not worth a hang-up. */
		wv_dbg(c->log, "PPTP", "ignoring control message type %u (%zu octets)", m.type,
		       len);
		ctrl_alive(c);
		return;
	}
	if (r < 0) {
		ctrl_down(c, WV_FAIL_PROTOCOL, _("the gateway sent a malformed %s (%zu octets)"),
			  pptp_msg_name(m.type), len);
		return;
	}
	wv_dbg(c->log, "PPTP", "received %s", pptp_msg_name(m.type));
	ctrl_alive(c);
	if (c->task != TASK_NONE && pptp_tasks[c->task].reply == m.type) {
		switch (pptp_tasks[c->task].process(c, &m)) {
		case PPTP_SUCCESS:
			ctrl_task_done(c);
			return;
		case PPTP_FAILED:
			return;
		case PPTP_NEED_MORE:
			break;
		}
		/* Not the reply we wait for after all (another call's CDN...). */
	}
	ctrl_unsolicited(c, &m);
}

/* Frames and handles what is in rbuf; keeps a partial message for later. */
static void ctrl_consume(struct pptp_ctrl *c)
{
	size_t off = 0, mlen = 0;

	while (!ctrl_gone(c)) {
		int r = pptp_msg_frame(c->rbuf + off, c->rlen - off, &mlen);
		if (r == 0)
			break;
		if (r < 0) {
			ctrl_down(c, WV_FAIL_PROTOCOL,
				  _("the gateway sent data that is not a PPTP control message "
				    "(bad length or magic cookie)"));
			return;
		}
		ctrl_handle(c, c->rbuf + off, mlen);
		off += mlen;
	}
	if (ctrl_gone(c))
		return;
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
}

void pptp_ctrl_input(struct pptp_ctrl *c, const uint8_t *buf, size_t len)
{
	ctrl_enter(c);
	while (len && !ctrl_gone(c) && c->state != PPTP_C_IDLE) {
		size_t n = MIN(len, sizeof(c->rbuf) - c->rlen);

		memcpy(c->rbuf + c->rlen, buf, n);
		c->rlen += n;
		buf += n;
		len -= n;
		ctrl_consume(c);
	}
	ctrl_leave(c);
}

static void ctrl_read(struct pptp_ctrl *c)
{
	int i;

	for (i = 0; i < CTRL_READS && !ctrl_gone(c); i++) {
		/* rbuf never holds more than one partial message, so there is room. */
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ctrl_stream_failed(c, errno);
			return;
		}
		if (n == 0) {
			ctrl_stream_failed(c, 0);
			return;
		}
		c->rlen += (size_t)n;
		ctrl_consume(c);
	}
}

/* Changes what the loop watches on our (registered) socket. */
static void ctrl_watch(struct pptp_ctrl *c, uint32_t events)
{
	if (c->fd < 0 || !c->events || c->events == events)
		return;
	if (wv_loop_mod_fd(c->loop, c->fd, events) == 0)
		c->events = events;
}

/* ---- connecting -------------------------------------------------------------- */

static void ctrl_connect_failed(struct pptp_ctrl *c, int err)
{
	ctrl_down(c, WV_FAIL_UNREACHABLE, _("cannot reach the PPTP gateway %s on TCP port %u: %s"),
		  c->gw_str, c->port, ctrl_errno_str(err));
}

static void ctrl_connected(struct pptp_ctrl *c)
{
	int one = 1;

	wv_timer_cancel(c->loop, &c->timer);
	/* Small request/reply messages: do not let Nagle hold them back. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	wv_dbg(c->log, "PPTP", "TCP connection to %s:%u is up", c->gw_str, c->port);
	ctrl_watch(c, EPOLLIN);
	ctrl_task_start(c, TASK_SCCRQ);
}

static void ctrl_on_io(void *arg, uint32_t events)
{
	struct pptp_ctrl *c = arg;

	ctrl_enter(c);
	if (ctrl_gone(c))
		goto out;
	if (c->state == PPTP_C_TCP_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err)
			ctrl_connect_failed(c, err);
		else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			ctrl_connected(c);
		goto out;
	}
	if ((events & EPOLLOUT) && c->wlen)
		ctrl_flush(c);
	if (!ctrl_gone(c) && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ctrl_read(c);
out:
	ctrl_leave(c);
}

static void ctrl_on_timer(void *arg)
{
	struct pptp_ctrl *c = arg;

	ctrl_enter(c);
	if (ctrl_gone(c))
		goto out;
	if (c->state == PPTP_C_TCP_CONNECTING)
		ctrl_connect_failed(c, ETIMEDOUT);
	else if (c->task != TASK_NONE)
		ctrl_task_timeout(c);
out:
	ctrl_leave(c);
}

/* ---- the API ------------------------------------------------------------------ */

static uint16_t ctrl_random16(void)
{
	uint16_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint16_t)(time(NULL) ^ getpid());
	return v;
}

struct pptp_ctrl *pptp_ctrl_new(struct wv_loop *loop, const struct wv_log *log,
				const struct pptp_config *cfg, const struct pptp_ctrl_events *ev,
				void *arg)
{
	static uint16_t serial;
	struct pptp_ctrl *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = loop;
	c->log = log;
	c->ev = *ev;
	c->arg = arg;
	c->gateway = cfg->gateway;
	c->port = cfg->port ? cfg->port : PPTP_TCP_PORT;
	inet_ntop(AF_INET, &c->gateway, c->gw_str, sizeof(c->gw_str));
	/* §2.1: 64 octets, NUL-padded; a longer name is cut. */
	snprintf(c->host, sizeof(c->host), "%.64s", cfg->hostname ? cfg->hostname : "");
	c->reply_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000;
	c->state = PPTP_C_IDLE;
	c->task = TASK_NONE;
	c->fd = -1;
	do
		c->call_id = ctrl_random16();
	while (c->call_id == 0);
	/* §2.7: a serial number to tie log entries together; just count. */
	if (serial == 0)
		serial = ctrl_random16();
	c->serial = ++serial;
	c->echo_id = (uint32_t)ctrl_random16() << 16;
	wv_timer_init(&c->timer, ctrl_on_timer, c);
	wv_timer_init(&c->echo_timer, ctrl_on_echo_timer, c);
	wv_timer_init(&c->later, ctrl_on_later, c);
	return c;
}

void pptp_ctrl_set_call_id(struct pptp_ctrl *c, uint16_t call_id)
{
	if (call_id)
		c->call_id = call_id;
}

static int ctrl_add_fd(struct pptp_ctrl *c, uint32_t events)
{
	int r = wv_loop_add_fd(c->loop, c->fd, events, ctrl_on_io, c);

	if (r == 0)
		c->events = events;
	return r;
}

int pptp_ctrl_start(struct pptp_ctrl *c)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(c->port),
				   .sin_addr = c->gateway };
	int r;

	if (c->state != PPTP_C_IDLE || ctrl_gone(c))
		return -EALREADY;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	wv_info(c->log, "PPTP", _("connecting to the PPTP gateway %s on TCP port %u"), c->gw_str,
		c->port);
	ctrl_set_state(c, PPTP_C_TCP_CONNECTING, "start");
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS) {
		ctrl_down_later(c, WV_FAIL_UNREACHABLE,
				_("cannot reach the PPTP gateway %s on TCP port %u: %s"), c->gw_str,
				c->port, ctrl_errno_str(errno));
		return 0;
	}
	/* Writable once connected (or failed); a refused connect may already be known. */
	r = ctrl_add_fd(c, EPOLLOUT);
	if (r < 0) {
		close(c->fd);
		c->fd = -1;
		return r;
	}
	wv_timer_arm(c->loop, &c->timer, c->reply_timeout_ms);
	return 0;
}

int pptp_ctrl_attach(struct pptp_ctrl *c, int fd)
{
	int fl, r;

	if (c->state != PPTP_C_IDLE || ctrl_gone(c))
		return -EALREADY;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	c->fd = fd;
	r = ctrl_add_fd(c, EPOLLIN);
	if (r < 0) {
		c->fd = -1;
		return r;
	}
	ctrl_enter(c);
	ctrl_task_start(c, TASK_SCCRQ);
	ctrl_leave(c);
	return 0;
}

void pptp_ctrl_stop(struct pptp_ctrl *c)
{
	if (ctrl_gone(c) || c->stopping)
		return;
	ctrl_enter(c);
	c->stopping = true;
	c->stop_why = WV_FAIL_CANCELLED;
	switch (c->state) {
	case PPTP_C_IDLE:
	case PPTP_C_TCP_CONNECTING:
	case PPTP_C_WAIT_SCCRP:
		/* No control connection yet: nothing to say goodbye to. */
		ctrl_down_later(c, WV_FAIL_CANCELLED, _("the PPTP connection was cancelled"));
		break;
	case PPTP_C_WAIT_OCRP:
		/* §2.3: stopping the control connection clears the pending call too;
		 * a late Outgoing-Call-Reply is then ignored. */
		wv_timer_cancel(c->loop, &c->timer);
		c->task = TASK_NONE;
		ctrl_task_start(c, TASK_STOP);
		break;
	case PPTP_C_ESTABLISHED:
		/* §3.2: Call-Clear-Request, then Stop-Control-Connection-Request. */
		c->stop_why = WV_OK;
		wv_timer_cancel(c->loop, &c->echo_timer);
		ctrl_task_start(c, TASK_CCR);
		break;
	default:
		break;
	}
	ctrl_leave(c);
}

void pptp_ctrl_free(struct pptp_ctrl *c)
{
	if (!c)
		return;
	if (c->busy) {
		/* Inside one of our callbacks: silence, and free on the way out. */
		ctrl_close_socket(c);
		wv_timer_cancel(c->loop, &c->later);
		c->free_pending = true;
		return;
	}
	ctrl_destroy(c);
}
