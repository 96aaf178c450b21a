/* fsm.c -- the RFC 1661 option-negotiation automaton.
 *
 * One function per event of RFC 1661 §4.1 (Up, Down, Open, Close, TO+/TO-,
 * RCR+/RCR-, RCA, RCN, RTR, RTA, RUC, RXJ+/RXJ-, RXR), each a switch over
 * the ten states following the state-transition table; the actions (tlu,
 * tld, tls, tlf, irc, zrc, scr, sca, scn, str, sta, scj, ser) are small
 * helpers named after the RFC's abbreviations. */
#include "wv.h"

#include <stdio.h>

#include "fsm.h"
#include "auth.h"      /* ppp_send_ctrl(): the automaton's only way out */
#include "log.h"

static const char *const fsm_state_names[] = {
	[FSM_INITIAL] = "Initial",
	[FSM_STARTING] = "Starting",
	[FSM_CLOSED] = "Closed",
	[FSM_STOPPED] = "Stopped",
	[FSM_CLOSING] = "Closing",
	[FSM_STOPPING] = "Stopping",
	[FSM_REQSENT] = "Req-Sent",
	[FSM_ACKRCVD] = "Ack-Rcvd",
	[FSM_ACKSENT] = "Ack-Sent",
	[FSM_OPENED] = "Opened",
};

static const char *const fsm_code_names[] = {
	[CP_CONFREQ] = "ConfReq", [CP_CONFACK] = "ConfAck", [CP_CONFNAK] = "ConfNak",
	[CP_CONFREJ] = "ConfRej", [CP_TERMREQ] = "TermReq", [CP_TERMACK] = "TermAck",
	[CP_CODEREJ] = "CodeRej", [CP_PROTREJ] = "ProtRej", [CP_ECHOREQ] = "EchoReq",
	[CP_ECHOREP] = "EchoRep", [CP_DISCREQ] = "DiscReq", [CP_IDENT] = "Ident",
	[CP_TIMEREM] = "TimeRem", [CP_RESETREQ] = "ResetReq", [CP_RESETACK] = "ResetAck",
};

const char *fsm_state_name(enum fsm_state st)
{
	if ((unsigned)st >= ARRAY_SIZE(fsm_state_names))
		return "?";
	return fsm_state_names[st];
}

const char *fsm_code_name(uint8_t code)
{
	if (code >= ARRAY_SIZE(fsm_code_names) || !fsm_code_names[code])
		return "code?";
	return fsm_code_names[code];
}

/* Configure-Naks received, in units of Max-Failure, before we give up */
#define FSM_MAX_NAK_LOOPS 4

static bool fsm_timer_state(enum fsm_state st)
{
	return st == FSM_CLOSING || st == FSM_STOPPING || st == FSM_REQSENT ||
	       st == FSM_ACKRCVD || st == FSM_ACKSENT;
}

/* The one place the state changes.  The restart timer only runs in the
 * states that retransmit (RFC 1661 §4.6); leaving them stops it. */
static void fsm_set_state(struct fsm *f, enum fsm_state st, const char *reason)
{
	if (f->state != st)
		wv_dbg(f->log, f->name, "%s -> %s (%s)", fsm_state_name(f->state),
		       fsm_state_name(st), reason);
	f->state = st;
	if (!fsm_timer_state(st))
		wv_timer_cancel(f->loop, &f->timer);
}

/* ---- output --------------------------------------------------------------- */

int fsm_send(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t buf[FSM_PKT_MAX];

	if (len > sizeof(buf) - FSM_HDRLEN)
		len = sizeof(buf) - FSM_HDRLEN;
	buf[0] = code;
	buf[1] = id;
	store_be16(buf + 2, (uint16_t)(len + FSM_HDRLEN));
	if (len)
		memcpy(buf + FSM_HDRLEN, data, len);
	if (wv_log_enabled(f->log, WV_LOG_DEBUG)) {
		char desc[256] = "";
		if (code >= CP_CONFREQ && code <= CP_CONFREJ)
			fsm_describe(f, data, len, desc, sizeof(desc));
		wv_dbg(f->log, f->name, "sent %s id=0x%x%s%s", fsm_code_name(code), id,
		       desc[0] ? " " : "", desc);
	}
	wv_log_hex(f->log, f->name, "sent", buf, len + FSM_HDRLEN);
	return ppp_send_ctrl(f->ppp, f->proto, buf, len + FSM_HDRLEN);
}

uint8_t fsm_next_id(struct fsm *f)
{
	return ++f->id;
}

/* ---- actions (RFC 1661 §4.4) ---------------------------------------------- */

static void fsm_tlu(struct fsm *f)
{
	f->nak_rcvd = 0;
	if (f->cb->up)
		f->cb->up(f);
}

static void fsm_tld(struct fsm *f)
{
	if (f->cb->down)
		f->cb->down(f);
}

static void fsm_tls(struct fsm *f)
{
	if (f->cb->starting)
		f->cb->starting(f);
}

static void fsm_tlf(struct fsm *f)
{
	if (f->cb->finished)
		f->cb->finished(f);
}

/* Initialize-Restart-Count, for Configure-Requests or Terminate-Requests */
static void fsm_irc_conf(struct fsm *f)
{
	f->restart = f->max_configure;
}

static void fsm_irc_term(struct fsm *f)
{
	f->restart = f->max_terminate;
}

/* Zero-Restart-Count: wait one restart period, then TO- (RFC 1661 §4.4: this
 * gives the peer time to see our Terminate-Ack). */
static void fsm_zrc(struct fsm *f)
{
	f->restart = 0;
	wv_timer_arm(f->loop, &f->timer, f->restart_ms);
}

/* Send-Configure-Request.  A retransmission keeps the identifier (RFC 1661
 * §5.1 allows it); a new request gets a new one, and the Ack/Nak/Rej to the
 * old one is then ignored. */
static void fsm_scr(struct fsm *f, bool retransmit)
{
	size_t n;

	if (!retransmit) {
		/* Not negotiating yet (first request, or the link was open and
		 * starts over): begin from the initial wishes, as pppd does. */
		if (f->state != FSM_REQSENT && f->state != FSM_ACKRCVD &&
		    f->state != FSM_ACKSENT) {
			if (f->cb->resetci)
				f->cb->resetci(f);
			f->nak_sent = 0;
			f->nak_rcvd = 0;
			f->peer_closed = false;
		}
		if (f->cb->cilen) {
			n = f->cb->cilen(f);
			if (n > sizeof(f->req)) {
				wv_err(f->log, f->name, "our Configure-Request is too long (%zu)",
				       n);
				n = 0;
			}
			if (n)
				f->cb->addci(f, f->req, n);
		} else {
			n = 0;
		}
		f->req_len = n;
		f->reqid = fsm_next_id(f);
	}
	/* Sent again after a time-out in Ack-Rcvd (the peer's own request was
	 * lost), the request wants a new Ack: the one that came before no
	 * longer counts (RFC 1661 §4.1, TO+ in state 7), and the peer will
	 * answer the retransmission with the same identifier. */
	f->seen_ack = false;
	if (f->restart)
		f->restart--;
	fsm_send(f, CP_CONFREQ, f->reqid, f->req, f->req_len);
	wv_timer_arm(f->loop, &f->timer, f->restart_ms);
}

/* Send-Terminate-Request */
static void fsm_str(struct fsm *f)
{
	if (f->restart)
		f->restart--;
	fsm_send(f, CP_TERMREQ, fsm_next_id(f), (const uint8_t *)f->term_reason,
		 strlen(f->term_reason));
	wv_timer_arm(f->loop, &f->timer, f->restart_ms);
}

/* Send-Terminate-Ack */
static void fsm_sta(struct fsm *f, uint8_t id)
{
	fsm_send(f, CP_TERMACK, id, NULL, 0);
}

/* Send-Code-Reject: the rejected packet, truncated to what a minimal MRU
 * (RFC 1661 §5.6: "truncated to comply with the peer's MRU") carries. */
static void fsm_scj(struct fsm *f, const uint8_t *pkt, size_t len)
{
	if (len > 576 - FSM_HDRLEN)
		len = 576 - FSM_HDRLEN;
	fsm_send(f, CP_CODEREJ, fsm_next_id(f), pkt, len);
}

/* ---- administrative and lower-layer events (RFC 1661 §4.3) ---------------- */

/* Up */
void fsm_lowerup(struct fsm *f)
{
	switch (f->state) {
	case FSM_INITIAL:
		fsm_set_state(f, FSM_CLOSED, "Up");
		break;
	case FSM_STARTING:
		fsm_irc_conf(f);
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "Up");
		break;
	default:
		wv_dbg(f->log, f->name, "Up event in state %s ignored", fsm_state_name(f->state));
		break;
	}
}

/* Down */
void fsm_lowerdown(struct fsm *f)
{
	f->acked.valid = false;
	f->deferred.valid = false;
	switch (f->state) {
	case FSM_CLOSED:
	case FSM_CLOSING:
		fsm_set_state(f, FSM_INITIAL, "Down");
		break;
	case FSM_STOPPED:
		fsm_set_state(f, FSM_STARTING, "Down");
		fsm_tls(f);
		break;
	case FSM_STOPPING:
	case FSM_REQSENT:
	case FSM_ACKRCVD:
	case FSM_ACKSENT:
		fsm_set_state(f, FSM_STARTING, "Down");
		break;
	case FSM_OPENED:
		fsm_tld(f);
		fsm_set_state(f, FSM_STARTING, "Down");
		break;
	default:
		wv_dbg(f->log, f->name, "Down event in state %s ignored", fsm_state_name(f->state));
		break;
	}
}

/* Open.  The RFC's "restart option" (3r, 5r, 9r) is not used: a peer that
 * is already negotiating or open stays so. */
void fsm_open(struct fsm *f)
{
	f->conf_timeout = false;
	switch (f->state) {
	case FSM_INITIAL:
		fsm_set_state(f, FSM_STARTING, "Open");
		fsm_tls(f);
		break;
	case FSM_CLOSED:
		fsm_irc_conf(f);
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "Open");
		break;
	case FSM_CLOSING:
		fsm_set_state(f, FSM_STOPPING, "Open");
		break;
	default:
		break;
	}
}

/* Close */
void fsm_close(struct fsm *f, const char *reason)
{
	snprintf(f->term_reason, sizeof(f->term_reason), "%s", reason ? reason : "");
	switch (f->state) {
	case FSM_STARTING:
		fsm_set_state(f, FSM_INITIAL, "Close");
		fsm_tlf(f);
		break;
	case FSM_STOPPED:
		fsm_set_state(f, FSM_CLOSED, "Close");
		break;
	case FSM_STOPPING:
		fsm_set_state(f, FSM_CLOSING, "Close");
		break;
	case FSM_OPENED:
		fsm_tld(f);
		/* fall through */
	case FSM_REQSENT:
	case FSM_ACKRCVD:
	case FSM_ACKSENT:
		fsm_irc_term(f);
		fsm_str(f);
		fsm_set_state(f, FSM_CLOSING, "Close");
		break;
	default:    /* Initial, Closed, Closing: nothing to do */
		break;
	}
}

void fsm_reset(struct fsm *f)
{
	wv_timer_cancel(f->loop, &f->timer);
	f->state = FSM_INITIAL;
	f->req_len = 0;
	f->acked.valid = false;
	f->deferred.valid = false;
}

/* TO+ and TO- */
static void fsm_timeout(void *arg)
{
	struct fsm *f = arg;

	switch (f->state) {
	case FSM_CLOSING:
	case FSM_STOPPING:
		if (f->restart > 0) {
			fsm_str(f);       /* TO+ */
			break;
		}
		fsm_set_state(f, f->state == FSM_CLOSING ? FSM_CLOSED : FSM_STOPPED, "TO-");
		fsm_tlf(f);
		break;
	case FSM_REQSENT:
	case FSM_ACKRCVD:
	case FSM_ACKSENT:
		if (f->restart > 0) {     /* TO+ */
			fsm_scr(f, true);
			if (f->state == FSM_ACKRCVD)
				fsm_set_state(f, FSM_REQSENT, "TO+");
			break;
		}
		wv_info(f->log, f->name, "no answer after %u Configure-Requests", f->max_configure);
		f->conf_timeout = true;
		fsm_set_state(f, FSM_STOPPED, "TO-");
		fsm_tlf(f);
		break;
	default:
		break;
	}
}

/* ---- receive events -------------------------------------------------------- */

void fsm_defer_peer_requests(struct fsm *f)
{
	f->defer_requests = true;
}

/* Keeps a copy of a peer's Configure-Request (the one we acked, or the one
 * whose Ack waits); false if it does not fit. */
static bool fsm_keep_req(struct fsm_peer_req *k, uint8_t id, const uint8_t *buf, size_t len)
{
	k->valid = len <= sizeof(k->buf);
	if (k->valid) {
		memcpy(k->buf, buf, len);
		k->len = len;
		k->id = id;
	}
	return k->valid;
}

static bool fsm_same_req(const struct fsm_peer_req *k, uint8_t id, const uint8_t *buf, size_t len)
{
	return k->valid && id == k->id && len == k->len && memcmp(buf, k->buf, len) == 0;
}

/* RCR+ / RCR- */
static void fsm_rcr(struct fsm *f, uint8_t id, const uint8_t *buf, size_t len)
{
	static struct fsm_reply rep;    /* large; the engine is single-threaded */
	bool may_defer = f->defer_requests && f->state == FSM_REQSENT;
	const char *ev;
	int code;

	switch (f->state) {
	case FSM_CLOSED:
		fsm_sta(f, id);
		return;
	case FSM_CLOSING:
	case FSM_STOPPING:
		return;
	case FSM_OPENED:
		/* Our Ack was lost and the peer repeats its request: ack it again.
		 * Starting over instead (RFC 1661's RCR in Opened) would send the
		 * peer, which opens on that Ack, a request of ours in its Opened
		 * state: pppd then starts over too, and with MPPE required it
		 * hangs up ("MPPE disabled"). */
		if (fsm_same_req(&f->acked, id, buf, len)) {
			wv_dbg(f->log, f->name, "Configure-Request id=0x%x again: our Ack was lost, "
			       "acking it again", id);
			fsm_send(f, CP_CONFACK, id, buf, len);
			return;
		}
		/* The peer renegotiates: go down, then start over. */
		fsm_tld(f);
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "RCR");
		break;
	case FSM_STOPPED:
		fsm_irc_conf(f);
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "RCR");
		break;
	default:
		break;
	}

	memset(&rep, 0, offsetof(struct fsm_reply, buf));
	rep.code = CP_CONFACK;
	/* RFC 1661 §4.6 Max-Failure: after that many Naks without an Ack,
	 * reject what we would Nak, so negotiation converges. */
	rep.reject_if_disagree = f->nak_sent >= f->max_failure;
	f->rid = id;
	code = f->cb->reqci(f, buf, len, &rep);
	if (code < 0 || rep.overflow) {
		wv_dbg(f->log, f->name, "dropped a malformed Configure-Request");
		return;
	}
	/* A Nak or Reject goes out at once (the peer cannot open on it); an
	 * Ack waits for ours (fsm_defer_peer_requests). */
	if (may_defer && code == CP_CONFACK && fsm_keep_req(&f->deferred, id, buf, len)) {
		wv_dbg(f->log, f->name, "holding the Ack to the peer's Configure-Request id=0x%x "
		       "until ours is acked", id);
		return;
	}
	if (code == CP_CONFACK) {
		fsm_send(f, CP_CONFACK, id, buf, len);
		f->nak_sent = 0;
		fsm_keep_req(&f->acked, id, buf, len);
		ev = "RCR+";
	} else {
		fsm_send(f, (uint8_t)code, id, rep.buf, rep.len);
		if (code == CP_CONFNAK)
			f->nak_sent++;
		ev = "RCR-";
	}

	switch (f->state) {
	case FSM_REQSENT:
		if (code == CP_CONFACK)
			fsm_set_state(f, FSM_ACKSENT, ev);
		break;
	case FSM_ACKRCVD:
		if (code == CP_CONFACK) {
			fsm_set_state(f, FSM_OPENED, ev);
			fsm_tlu(f);
		}
		break;
	case FSM_ACKSENT:
		if (code != CP_CONFACK)
			fsm_set_state(f, FSM_REQSENT, ev);
		break;
	default:
		break;
	}
	if (f->peer_closed && (f->state == FSM_REQSENT || f->state == FSM_ACKSENT)) {
		f->peer_closed = false;
		fsm_scr(f, true);
	}
}

/* RCA */
static void fsm_rca(struct fsm *f, uint8_t id, const uint8_t *buf, size_t len)
{
	if (id != f->reqid || f->seen_ack) {
		wv_dbg(f->log, f->name, "ignored Configure-Ack id=0x%x (expected 0x%x)", id,
		       f->reqid);
		return;
	}
	/* RFC 1661 §5.2: "the Configuration Options in a Configure-Ack MUST
	 * exactly match those of the last transmitted Configure-Request". */
	if (len != f->req_len || (len && memcmp(buf, f->req, len) != 0)) {
		wv_dbg(f->log, f->name, "ignored a Configure-Ack that does not match our request");
		return;
	}
	f->seen_ack = true;
	f->nak_rcvd = 0;
	if (f->cb->ackci)
		f->cb->ackci(f, buf, len);

	switch (f->state) {
	case FSM_CLOSED:
	case FSM_STOPPED:
		fsm_sta(f, id);
		break;
	case FSM_REQSENT:
		fsm_irc_conf(f);
		fsm_set_state(f, FSM_ACKRCVD, "RCA");
		if (f->deferred.valid) {
			f->deferred.valid = false;
			fsm_rcr(f, f->deferred.id, f->deferred.buf, f->deferred.len);
		}
		break;
	case FSM_ACKRCVD:
		/* crossed connection (RFC 1661 §4.1, "x") */
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "RCA");
		break;
	case FSM_ACKSENT:
		fsm_irc_conf(f);
		fsm_set_state(f, FSM_OPENED, "RCA");
		fsm_tlu(f);
		break;
	case FSM_OPENED:
		fsm_tld(f);
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "RCA");
		break;
	default:
		break;
	}
}

void fsm_peer_opened(struct fsm *f)
{
	if (f->state != FSM_ACKSENT || f->seen_ack)
		return;
	wv_dbg(f->log, f->name, "the peer sends data, so it acked our Configure-Request id=0x%x: "
	       "the Ack was lost, taking it as received", f->reqid);
	fsm_rca(f, f->reqid, f->req, f->req_len);
}

/* RFC 1661 §5.4: a Configure-Reject holds options of our request, unchanged.
 * Anything else is a broken (or forged) reply and is ignored. */
static bool fsm_rej_valid(const struct fsm *f, const uint8_t *buf, size_t len)
{
	struct rd r = rd_init(buf, len);
	struct fsm_opt o, q;
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		struct rd mine = rd_init(f->req, f->req_len);
		bool found = false;

		while (fsm_opt_next(&mine, &q) > 0) {
			if (q.len == o.len && memcmp(q.raw, o.raw, o.len) == 0) {
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return rc == 0 && len > 0;
}

/* RCN: a Configure-Nak or Configure-Reject */
static void fsm_rcn(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *buf, size_t len)
{
	bool ok;

	if (id != f->reqid || f->seen_ack) {
		wv_dbg(f->log, f->name, "ignored %s id=0x%x (expected 0x%x)", fsm_code_name(code),
		       id, f->reqid);
		return;
	}
	if (f->state == FSM_CLOSING || f->state == FSM_STOPPING)
		return;
	if (code == CP_CONFNAK)
		ok = f->cb->nakci(f, buf, len, f->nak_rcvd >= f->max_failure);
	else
		ok = fsm_rej_valid(f, buf, len) && f->cb->rejci(f, buf, len);
	if (!ok) {
		wv_dbg(f->log, f->name, "ignored a malformed %s", fsm_code_name(code));
		return;
	}
	f->seen_ack = true;
	if (code == CP_CONFNAK && ++f->nak_rcvd > FSM_MAX_NAK_LOOPS * f->max_failure) {
		/* Not in the RFC: a peer that keeps Naking what we no longer
		 * ask for would otherwise loop for ever (each RCN restarts the
		 * counter).  Give up as on TO-. */
		wv_info(f->log, f->name, "the negotiation does not converge");
		f->conf_timeout = false;
		fsm_set_state(f, FSM_STOPPED, "RCN");
		fsm_tlf(f);
		return;
	}

	switch (f->state) {
	case FSM_CLOSED:
	case FSM_STOPPED:
		fsm_sta(f, id);
		break;
	case FSM_REQSENT:
	case FSM_ACKSENT:
		fsm_irc_conf(f);
		fsm_scr(f, false);
		break;
	case FSM_ACKRCVD:
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "RCN");
		break;
	case FSM_OPENED:
		fsm_tld(f);
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "RCN");
		break;
	default:
		break;
	}
}

/* RTR */
static void fsm_rtr(struct fsm *f, uint8_t id, const uint8_t *buf, size_t len)
{
	switch (f->state) {
	case FSM_CLOSED:
	case FSM_STOPPED:
	case FSM_CLOSING:
	case FSM_STOPPING:
		fsm_sta(f, id);
		break;
	case FSM_REQSENT:
	case FSM_ACKRCVD:
	case FSM_ACKSENT:
		fsm_sta(f, id);
		fsm_set_state(f, FSM_REQSENT, "RTR");
		break;
	case FSM_OPENED:
		fsm_tld(f);
		fsm_sta(f, id);
		fsm_set_state(f, FSM_STOPPING, "RTR");
		fsm_zrc(f);
		break;
	default:
		return;
	}
	if (f->cb->termreq)
		f->cb->termreq(f, buf, len);
}

/* RTA */
static void fsm_rta(struct fsm *f)
{
	switch (f->state) {
	case FSM_CLOSING:
		fsm_set_state(f, FSM_CLOSED, "RTA");
		fsm_tlf(f);
		break;
	case FSM_STOPPING:
		fsm_set_state(f, FSM_STOPPED, "RTA");
		fsm_tlf(f);
		break;
	case FSM_ACKRCVD:
		fsm_set_state(f, FSM_REQSENT, "RTA");
		break;
	case FSM_OPENED:
		fsm_tld(f);
		fsm_scr(f, false);
		fsm_set_state(f, FSM_REQSENT, "RTA");
		break;
	case FSM_REQSENT:
	case FSM_ACKSENT:
		/* Nothing, says the table.  But the peer answered our request
		 * with a Terminate-Ack because its side was not open yet (pppd
		 * holds IPCP while CCP negotiates): remember it, so its own
		 * Configure-Request, which shows it is open now, brings our
		 * request again at once instead of after the restart timer. */
		f->peer_closed = true;
		break;
	default:    /* Closed, Stopped: nothing */
		break;
	}
}

/* RXJ+: the rejected code was not essential; Ack-Rcvd falls back to Req-Sent
 * as the table says. */
static void fsm_rxj_plus(struct fsm *f)
{
	if (f->state == FSM_ACKRCVD)
		fsm_set_state(f, FSM_REQSENT, "RXJ+");
}

/* RXJ-: the peer rejected something we cannot do without. */
static void fsm_rxj_minus(struct fsm *f)
{
	switch (f->state) {
	case FSM_CLOSED:
	case FSM_STOPPED:
		fsm_tlf(f);
		break;
	case FSM_CLOSING:
		fsm_set_state(f, FSM_CLOSED, "RXJ-");
		fsm_tlf(f);
		break;
	case FSM_STOPPING:
	case FSM_REQSENT:
	case FSM_ACKRCVD:
	case FSM_ACKSENT:
		fsm_set_state(f, FSM_STOPPED, "RXJ-");
		fsm_tlf(f);
		break;
	case FSM_OPENED:
		fsm_tld(f);
		fsm_irc_term(f);
		fsm_str(f);
		fsm_set_state(f, FSM_STOPPING, "RXJ-");
		break;
	default:
		break;
	}
}

void fsm_protreject(struct fsm *f)
{
	wv_info(f->log, f->name, "the peer rejected the protocol");
	fsm_rxj_minus(f);
}

/* Code-Reject: rejecting one of the codes the automaton itself needs (1-7)
 * is RXJ-; anything else (Echo, Reset-Request...) is RXJ+. */
static void fsm_rcoderej(struct fsm *f, const uint8_t *buf, size_t len)
{
	struct rd r = rd_init(buf, len);
	uint8_t code = rd_u8(&r);

	if (!rd_ok(&r))
		return;
	wv_info(f->log, f->name, "the peer rejected code %u (%s)", code, fsm_code_name(code));
	if (code >= CP_CONFREQ && code <= CP_CODEREJ) {
		fsm_rxj_minus(f);
		return;
	}
	fsm_rxj_plus(f);
	if (f->cb->coderej)
		f->cb->coderej(f, code);
}

void fsm_input(struct fsm *f, const uint8_t *pkt, size_t pktlen)
{
	struct rd r = rd_init(pkt, pktlen);
	uint8_t code, id;
	uint16_t len;
	const uint8_t *data;
	size_t dlen;

	code = rd_u8(&r);
	id = rd_u8(&r);
	len = rd_be16(&r);
	/* RFC 1661 §5: a Length below the header or beyond the packet means the
	 * packet is silently discarded; octets beyond Length are padding. */
	if (!rd_ok(&r) || len < FSM_HDRLEN || len > pktlen) {
		wv_dbg(f->log, f->name, "dropped a malformed packet (%zu octets)", pktlen);
		return;
	}
	dlen = len - FSM_HDRLEN;
	data = rd_bytes(&r, dlen);
	wv_log_hex(f->log, f->name, "rcvd", pkt, len);

	if (f->state == FSM_INITIAL || f->state == FSM_STARTING) {
		wv_dbg(f->log, f->name, "dropped %s in state %s", fsm_code_name(code),
		       fsm_state_name(f->state));
		return;
	}
	if (wv_log_enabled(f->log, WV_LOG_DEBUG)) {
		char desc[256] = "";
		if (code >= CP_CONFREQ && code <= CP_CONFREJ)
			fsm_describe(f, data, dlen, desc, sizeof(desc));
		wv_dbg(f->log, f->name, "rcvd %s id=0x%x%s%s", fsm_code_name(code), id,
		       desc[0] ? " " : "", desc);
	}

	switch (code) {
	case CP_CONFREQ:
		fsm_rcr(f, id, data, dlen);
		break;
	case CP_CONFACK:
		fsm_rca(f, id, data, dlen);
		break;
	case CP_CONFNAK:
	case CP_CONFREJ:
		fsm_rcn(f, code, id, data, dlen);
		break;
	case CP_TERMREQ:
		fsm_rtr(f, id, data, dlen);
		break;
	case CP_TERMACK:
		fsm_rta(f);
		break;
	case CP_CODEREJ:
		fsm_rcoderej(f, data, dlen);
		break;
	default:
		/* RXR and the protocol's own codes; anything else is RUC. */
		if (f->cb->extcode && f->cb->extcode(f, code, id, data, dlen))
			break;
		wv_dbg(f->log, f->name, "unknown code %u, sending Code-Reject", code);
		fsm_scj(f, pkt, len);
		break;
	}
}

void fsm_init(struct fsm *f, struct ppp *ppp, uint16_t proto, const char *name,
	      const struct fsm_callbacks *cb, struct wv_loop *loop, const struct wv_log *log)
{
	memset(f, 0, sizeof(*f));
	f->ppp = ppp;
	f->proto = proto;
	f->name = name;
	f->cb = cb;
	f->loop = loop;
	f->log = log;
	f->state = FSM_INITIAL;
	f->restart_ms = FSM_RESTART_MS;
	f->max_configure = FSM_MAX_CONFIGURE;
	f->max_terminate = FSM_MAX_TERMINATE;
	f->max_failure = FSM_MAX_FAILURE;
	wv_timer_init(&f->timer, fsm_timeout, f);
}

/* ---- option helpers --------------------------------------------------------- */

int fsm_opt_next(struct rd *r, struct fsm_opt *o)
{
	const uint8_t *start;

	if (rd_left(r) == 0)
		return rd_ok(r) ? 0 : -1;
	start = r->p;
	o->type = rd_u8(r);
	o->len = rd_u8(r);
	if (!rd_ok(r) || o->len < 2)
		return -1;
	o->vlen = o->len - 2u;
	o->val = rd_bytes(r, o->vlen);
	if (!o->val && o->vlen)
		return -1;
	if (!rd_ok(r))
		return -1;
	o->raw = start;
	return 1;
}

static void fsm_reply_put(struct fsm_reply *rep, uint8_t type, const uint8_t *val, size_t vlen)
{
	if (rep->len + 2 + vlen > sizeof(rep->buf) || vlen > 253) {
		rep->overflow = true;
		return;
	}
	rep->buf[rep->len] = type;
	rep->buf[rep->len + 1] = (uint8_t)(vlen + 2);
	if (vlen)
		memcpy(rep->buf + rep->len + 2, val, vlen);
	rep->len += 2 + vlen;
}

/* RFC 1661 §5.4: a Configure-Reject carries only rejected options, so the
 * first Reject drops Naks collected so far. */
void fsm_reply_rej(struct fsm_reply *rep, const struct fsm_opt *o)
{
	if (rep->code != CP_CONFREJ) {
		rep->code = CP_CONFREJ;
		rep->len = 0;
	}
	fsm_reply_put(rep, o->type, o->val, o->vlen);
}

void fsm_reply_nak(struct fsm_reply *rep, const struct fsm_opt *o, const uint8_t *val, size_t vlen)
{
	if (rep->reject_if_disagree) {
		fsm_reply_rej(rep, o);
		return;
	}
	if (rep->code == CP_CONFREJ)
		return;
	rep->code = CP_CONFNAK;
	fsm_reply_put(rep, o->type, val, vlen);
}

void fsm_describe(const struct fsm *f, const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	size_t pos = 0, i;
	int rc;

	out[0] = '\0';
	while ((rc = fsm_opt_next(&r, &o)) > 0 && pos + 16 < outlen) {
		const char *name = f->cb->optname ? f->cb->optname(o.type) : NULL;
		int n;

		if (name)
			n = snprintf(out + pos, outlen - pos, "%s<%s", pos ? " " : "", name);
		else
			n = snprintf(out + pos, outlen - pos, "%s<opt%u", pos ? " " : "", o.type);
		if (n < 0 || (size_t)n >= outlen - pos)
			break;
		pos += (size_t)n;
		if (o.vlen) {
			n = snprintf(out + pos, outlen - pos, " ");
			pos += (size_t)MAX(n, 0);
		}
		if (o.vlen && f->cb->optval && pos + 2 < outlen &&
		    f->cb->optval(o.type, o.val, o.vlen, out + pos, outlen - pos - 2)) {
			pos += strlen(out + pos);
			i = o.vlen;
		} else {
			i = 0;
		}
		for (; i < o.vlen && pos + 8 < outlen; i++) {
			n = snprintf(out + pos, outlen - pos, "%02x", o.val[i]);
			pos += (size_t)MAX(n, 0);
		}
		if (pos + 2 < outlen) {
			out[pos++] = '>';
			out[pos] = '\0';
		}
	}
	if (rc < 0 && pos + 12 < outlen)
		snprintf(out + pos, outlen - pos, "%s<malformed>", pos ? " " : "");
}
