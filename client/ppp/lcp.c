/* lcp.c -- the Link Control Protocol (RFC 1661 §5-6, RFC 1570) as a client
 * of Windows RRAS, pppd/pptpd, SoftEther, MikroTik and friends.
 *
 * What we ask for: MRU (1400, like Windows), Magic-Number, PFC and ACFC.
 * What we accept from the peer: MRU >= 576, any ACCM, the Authentication-
 * Protocol when the settings allow it (else a Nak with the method we prefer),
 * Magic-Number, PFC, ACFC.  Everything else is Configure-Rejected. */
#include "wv.h"

#include <stdarg.h>
#include <stdio.h>

#include "ppp-int.h"
#include "crypto.h"
#include "log.h"
#include "pkt.h"

/* LCP Configuration Options (RFC 1661 §6, RFC 1570, RFC 1990, [MS-CBCP]) */
#define LCP_MRU        1
#define LCP_ACCM       2
#define LCP_AUTH       3
#define LCP_QUALITY    4
#define LCP_MAGIC      5
#define LCP_PFC        7
#define LCP_ACFC       8
#define LCP_CALLBACK   13
#define LCP_MRRU       17
#define LCP_SSNHF      18
#define LCP_EPDISC     19

/* Configure-Requests with our own magic number before we call the link
 * looped back (RFC 1661 §6.4 leaves the count to us). */
#define LCP_MAX_LOOPS  5
/* The range of MRU values we take from a peer's Configure-Nak of ours. */
#define LCP_NAK_MRU_MIN 296
#define LCP_NAK_MRU_MAX 1500
/* The largest MRU we announce: what a struct pkt holds. */
#define LCP_MRU_MAX (PKT_DATA_MAX - 16)

/* ---- server quirks, in one place ------------------------------------------
 *
 * - Windows RRAS asks for Callback (13, operation 6 = CBCP), Multilink MRRU
 *   (17) and Endpoint Discriminator (19) even without multilink configured
 *   ([MS-CBCP] §2.2.1, KB Q161368); a client that does neither Configure-
 *   Rejects them and RRAS carries on.  The default: case of lcp_reqci().
 * - Windows RAS sends LCP Identification (12) "MSRASV5.20" and Time-Remaining
 *   (13) packets (RFC 1570); answering them with Code-Reject is legal but
 *   noisy, so they are dropped (lcp_extcode()).
 * - SoftEther's PPP server Configure-Rejects Magic-Number: we stop sending it
 *   and send 0 in Echo packets (lcp_rejci(), lcp_our_magic()).
 * - SoftEther 5.01 asks for EAP but can only do EAP-TLS and is stuck after
 *   an EAP Nak: with a password, its EAP request (recognised by having no
 *   Magic-Number) is Nak'ed once for MS-CHAPv2 (lcp_req_auth()).
 * - RRAS walks down its authentication list when we Nak; pppd and SoftEther
 *   keep asking for the same method when they have no other.  A method we
 *   Nak'ed coming back in a new request therefore ends the negotiation with
 *   a sentence instead of ten more rounds (lcp_req_auth()).
 * - RRAS does not rely on LCP echo for idle detection; we answer every
 *   Echo-Request and count any received frame as a sign of life, so a
 *   gateway busy re-keying MPPE is not declared dead (lcp_got_life()). */

static struct ppp *lcp_ppp(struct fsm *f)
{
	return f->ppp;
}

static uint32_t lcp_new_magic(uint32_t avoid)
{
	uint32_t m = 0;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		if (wv_random(&m, sizeof(m)) < 0)
			m = (uint32_t)(uintptr_t)&m ^ 0x5a5a1234u ^ (uint32_t)tries;
		if (m != 0 && m != avoid)
			break;
	}
	return m ? m : 1;
}

/* Our magic number for Echo packets: 0 when it was not negotiated (RFC
 * 1661 §5.8). */
static uint32_t lcp_our_magic(const struct lcp *l)
{
	return l->got.magic ? l->got.magic_val : 0;
}

static void lcp_set_fail(struct lcp *l, enum wv_fail why, const char *fmt, ...) WV_PRINTF(3, 4);
static void lcp_set_fail(struct lcp *l, enum wv_fail why, const char *fmt, ...)
{
	va_list ap;

	if (l->fail)
		return;
	l->fail = true;
	l->fail_why = why;
	va_start(ap, fmt);
	vsnprintf(l->fail_msg, sizeof(l->fail_msg), fmt, ap);
	va_end(ap);
}

/* ---- authentication choice -------------------------------------------------- */

/* Only MS-CHAP produces MPPE keys (RFC 3079); EAP may (EAP-MSCHAPv2's MSK),
 * so it is left to the method to tell. */
static bool lcp_auth_gives_keys(uint16_t proto, uint8_t algo)
{
	if (proto == PPP_CHAP)
		return algo == CHAP_MSCHAP || algo == CHAP_MSCHAPV2;
	return proto == PPP_EAP;
}

static bool lcp_auth_known(uint16_t proto, uint8_t algo)
{
	if (proto == PPP_CHAP)
		return algo == CHAP_MD5 || algo == CHAP_MSCHAP || algo == CHAP_MSCHAPV2;
	return proto == PPP_PAP || proto == PPP_EAP;
}

static bool lcp_auth_ok(const struct ppp_config *cfg, uint16_t proto, uint8_t algo)
{
	if (!lcp_auth_known(proto, algo) || !auth_acceptable(cfg, proto, algo))
		return false;
	return !ppp_mppe_required(cfg) || lcp_auth_gives_keys(proto, algo);
}

static bool lcp_auth_preferred(const struct ppp_config *cfg, uint16_t *proto, uint8_t *algo)
{
	if (!auth_preferred(cfg, proto, algo))
		return false;
	return !ppp_mppe_required(cfg) || lcp_auth_gives_keys(*proto, *algo);
}

/* The setting that refuses a known method, NULL if none does. */
const char *lcp_auth_refuse_key(const struct ppp_config *cfg, uint16_t proto, uint8_t algo)
{
	if (proto == PPP_PAP && cfg->refuse_pap)
		return "refuse-pap";
	if (proto == PPP_EAP && cfg->refuse_eap)
		return "refuse-eap";
	if (proto != PPP_CHAP)
		return NULL;
	if (algo == CHAP_MD5 && cfg->refuse_chap)
		return "refuse-chap";
	if (algo == CHAP_MSCHAP && cfg->refuse_mschap)
		return "refuse-mschap";
	if (algo == CHAP_MSCHAPV2 && cfg->refuse_mschapv2)
		return "refuse-mschapv2";
	return NULL;
}

static const char *lcp_auth_name(uint16_t proto, uint8_t algo, char *buf, size_t len)
{
	const char *n = NULL;

	if (lcp_auth_known(proto, algo))
		n = auth_method_name(proto, algo);
	if (n)
		return n;
	if (proto == PPP_CHAP)
		snprintf(buf, len, "CHAP with algorithm 0x%02x", algo);
	else
		snprintf(buf, len, "authentication protocol 0x%04x", proto);
	return buf;
}

/* Does a Configure-Request carry an option of this type? */
static bool lcp_req_has(const uint8_t *buf, size_t len, uint8_t type)
{
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;

	while (fsm_opt_next(&r, &o) > 0)
		if (o.type == type)
			return true;
	return false;
}

/* The peer asks us to authenticate with proto/algo (RFC 1661 §6.2).
 * req_magic: its request carries a Magic-Number (SoftEther's does not). */
static void lcp_req_auth(struct fsm *f, const struct fsm_opt *o, struct fsm_reply *rep,
			 struct lcp_opts *his, bool req_magic)
{
	struct ppp *ppp = lcp_ppp(f);
	struct lcp *l = &ppp->lcp;
	const struct ppp_config *cfg = &ppp->cfg;
	uint16_t proto, pp;
	uint8_t algo = 0, pa, nak[3];
	char nbuf[48];
	const char *name, *key, *mppe;
	unsigned i;
	bool again;

	if (o->vlen < 2) {
		proto = 0;
	} else {
		proto = load_be16(o->val);
		if (proto == PPP_CHAP)
			algo = o->vlen == 3 ? o->val[2] : 0;
	}
	name = lcp_auth_name(proto, algo, nbuf, sizeof(nbuf));
	for (i = 0; i < l->n_refused; i++)
		if (l->refused[i].proto == proto && l->refused[i].algo == algo)
			break;
	/* A retransmission keeps its identifier; a new request (RFC 1661 §5.1:
	 * new identifier after our reply) that comes back to a method we
	 * Nak'ed means the peer has no other. */
	again = i < l->n_refused && f->rid != l->auth_nak_id;
	/* Max-Failure would turn our Nak into a Configure-Reject, which tells
	 * the peer to drop authentication: end with the sentence instead. */
	if (rep->reject_if_disagree)
		again = true;

	if (lcp_auth_ok(cfg, proto, algo)) {
		/* SoftEther 5.01 (a request without Magic-Number) asks for EAP,
		 * then only EAP-TLS, and cannot fall back to MS-CHAPv2 after an
		 * EAP Nak (it Protocol-Rejects the Nak, renegotiates LCP and never
		 * sends the Challenge); an LCP Nak makes it switch at once.  So,
		 * with a password, Nak it once for the preferred method and take
		 * EAP if the gateway insists.  pppd's require-eap must not get
		 * that Nak: it drops authentication and hangs up. */
		if (proto == PPP_EAP && !cfg->eap_tls && !again && !req_magic &&
		    lcp_auth_preferred(cfg, &pp, &pa) && pp != PPP_EAP) {
			if (i == l->n_refused && l->n_refused < LCP_MAX_REFUSED) {
				l->refused[l->n_refused].proto = proto;
				l->refused[l->n_refused].algo = algo;
				l->n_refused++;
			}
			store_be16(nak, pp);
			nak[2] = pa;
			wv_info(ppp->log, "LCP", "the gateway asks for EAP; asking for %s first "
				"(EAP if the gateway insists)", auth_method_name(pp, pa));
			l->auth_nak_id = f->rid;
			fsm_reply_nak(rep, o, nak, pp == PPP_CHAP ? 3 : 2);
			return;
		}
		his->auth = true;
		his->auth_proto = proto;
		his->auth_algo = algo;
		return;
	}

	if (!again && lcp_auth_preferred(cfg, &pp, &pa)) {
		if (i == l->n_refused && l->n_refused < LCP_MAX_REFUSED) {
			l->refused[l->n_refused].proto = proto;
			l->refused[l->n_refused].algo = algo;
			l->n_refused++;
		}
		store_be16(nak, pp);
		nak[2] = pa;
		wv_info(ppp->log, "LCP", "the gateway asks for %s; asking for %s instead", name,
			auth_method_name(pp, pa) ? auth_method_name(pp, pa) : "another method");
		l->auth_nak_id = f->rid;
		fsm_reply_nak(rep, o, nak, pp == PPP_CHAP ? 3 : 2);
		return;
	}

	key = lcp_auth_refuse_key(cfg, proto, algo);
	mppe = ppp_mppe_required(cfg);
	if (key)
		lcp_set_fail(l, WV_FAIL_PROPOSAL,
			     _("the server requires %s, which the settings refuse (%s)"),
			     name, key);
	else if (mppe && lcp_auth_known(proto, algo) && !lcp_auth_gives_keys(proto, algo))
		lcp_set_fail(l, WV_FAIL_PROPOSAL,
			     _("the server requires %s, which cannot provide the MPPE keys that "
			       "the settings require (%s)"), name, mppe);
	else
		lcp_set_fail(l, WV_FAIL_PROPOSAL,
			     _("the server requires %s, which winvpn does not support"), name);
}

/* ---- fsm callbacks ---------------------------------------------------------- */

static void lcp_resetci(struct fsm *f)
{
	struct ppp *ppp = lcp_ppp(f);
	struct lcp *l = &ppp->lcp;
	unsigned mru = ppp->cfg.mru ? ppp->cfg.mru : PPP_WINDOWS_MRU;

	memset(&l->want, 0, sizeof(l->want));
	memset(&l->got, 0, sizeof(l->got));
	if (mru < LCP_NAK_MRU_MIN)
		mru = LCP_NAK_MRU_MIN;
	if (mru > LCP_MRU_MAX)
		mru = LCP_MRU_MAX;
	/* RFC 1661 §6.1: the default is 1500, so 1500 need not be asked for. */
	if (mru != PPP_DEFAULT_MRU) {
		l->want.mru = true;
		l->want.mru_val = (uint16_t)mru;
	}
	l->want.magic = true;
	l->want.magic_val = lcp_new_magic(0);
	/* ACCM is meaningless on the synchronous links we run on (RFC 1662
	 * §7.1), so we do not ask for one. */
	l->want.pfc = true;
	l->want.acfc = true;
	l->n_refused = 0;
	l->loops = 0;
	l->auth_nak_id = -1;
}

static size_t lcp_cilen(struct fsm *f)
{
	const struct lcp_opts *w = &lcp_ppp(f)->lcp.want;

	return (w->mru ? 4 : 0) + (w->magic ? 6 : 0) + (w->pfc ? 2 : 0) + (w->acfc ? 2 : 0);
}

static void lcp_addci(struct fsm *f, uint8_t *buf, size_t len)
{
	const struct lcp_opts *w = &lcp_ppp(f)->lcp.want;
	uint8_t *p = buf;

	if (w->mru) {
		*p++ = LCP_MRU;
		*p++ = 4;
		store_be16(p, w->mru_val);
		p += 2;
	}
	if (w->magic) {
		*p++ = LCP_MAGIC;
		*p++ = 6;
		store_be32(p, w->magic_val);
		p += 4;
	}
	if (w->pfc) {
		*p++ = LCP_PFC;
		*p++ = 2;
	}
	if (w->acfc) {
		*p++ = LCP_ACFC;
		*p++ = 2;
	}
	(void)len;
}

static void lcp_ackci(struct fsm *f, const uint8_t *buf, size_t len)
{
	struct lcp *l = &lcp_ppp(f)->lcp;

	l->got = l->want;
}

static bool lcp_nakci(struct fsm *f, const uint8_t *buf, size_t len, bool treat_as_reject)
{
	struct ppp *ppp = lcp_ppp(f);
	struct lcp *l = &ppp->lcp;
	struct lcp_opts try = l->want;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		switch (o.type) {
		case LCP_MRU: {
			uint16_t v;
			if (o.vlen != 2)
				return false;
			v = load_be16(o.val);
			if (treat_as_reject || v < LCP_NAK_MRU_MIN || v > LCP_NAK_MRU_MAX) {
				try.mru = false;
			} else {
				try.mru = v != PPP_DEFAULT_MRU;
				try.mru_val = v;
			}
			break;
		}
		case LCP_MAGIC:
			if (o.vlen != 4)
				return false;
			/* RFC 1661 §6.4: a Nak'ed magic number is replaced by a
			 * new random one, not by the peer's suggestion. */
			if (treat_as_reject)
				try.magic = false;
			else if (try.magic)
				try.magic_val = lcp_new_magic(load_be32(o.val));
			break;
		case LCP_PFC:
			try.pfc = false;    /* Nak of a flag: the peer does not want it */
			break;
		case LCP_ACFC:
			try.acfc = false;
			break;
		default:
			/* Options the peer would like us to ask for (ACCM, Auth...):
			 * nothing we need. */
			break;
		}
	}
	if (rc < 0)
		return false;
	l->want = try;
	return true;
}

static bool lcp_rejci(struct fsm *f, const uint8_t *buf, size_t len)
{
	struct ppp *ppp = lcp_ppp(f);
	struct lcp *l = &ppp->lcp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;

	while (fsm_opt_next(&r, &o) > 0) {
		switch (o.type) {
		case LCP_MRU:
			l->want.mru = false;
			break;
		case LCP_MAGIC:
			/* SoftEther does this: no loopback detection, Echo
			 * packets carry 0 (RFC 1661 §5.8). */
			wv_info(ppp->log, "LCP", "the gateway rejected the Magic-Number option");
			l->want.magic = false;
			break;
		case LCP_PFC:
			l->want.pfc = false;
			break;
		case LCP_ACFC:
			l->want.acfc = false;
			break;
		default:
			break;
		}
	}
	return true;
}

static int lcp_reqci(struct fsm *f, const uint8_t *buf, size_t len, struct fsm_reply *rep)
{
	struct ppp *ppp = lcp_ppp(f);
	struct lcp *l = &ppp->lcp;
	struct lcp_opts his;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	uint8_t nak[4];
	int rc;

	memset(&his, 0, sizeof(his));
	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		switch (o.type) {
		case LCP_MRU: {
			uint16_t v;
			if (o.vlen != 2) {
				fsm_reply_rej(rep, &o);
				break;
			}
			v = load_be16(o.val);
			if (v < PPP_MIN_PEER_MRU) {
				/* an IPv4 host must take 576-octet datagrams */
				store_be16(nak, PPP_MIN_PEER_MRU);
				fsm_reply_nak(rep, &o, nak, 2);
				break;
			}
			his.mru = true;
			his.mru_val = v;
			break;
		}
		case LCP_ACCM:
			/* We frame nothing asynchronously: any map will do. */
			if (o.vlen != 4) {
				fsm_reply_rej(rep, &o);
				break;
			}
			his.accm = true;
			his.accm_val = load_be32(o.val);
			break;
		case LCP_AUTH:
			lcp_req_auth(f, &o, rep, &his, lcp_req_has(buf, len, LCP_MAGIC));
			break;
		case LCP_MAGIC: {
			uint32_t m;
			if (o.vlen != 4) {
				fsm_reply_rej(rep, &o);
				break;
			}
			m = load_be32(o.val);
			/* RFC 1661 §6.4: zero is illegal; our own value may mean
			 * the link is looped back.  Either way, Nak with a
			 * different number. */
			if (m == 0 || (l->want.magic && m == l->want.magic_val)) {
				if (m && ++l->loops >= LCP_MAX_LOOPS)
					lcp_set_fail(l, WV_FAIL_PROTOCOL,
						     _("the PPP link is looped back: the gateway's "
						       "LCP requests carry our own magic number"));
				store_be32(nak, lcp_new_magic(m));
				fsm_reply_nak(rep, &o, nak, 4);
				break;
			}
			his.magic = true;
			his.magic_val = m;
			break;
		}
		case LCP_PFC:
		case LCP_ACFC:
			if (o.vlen != 0) {
				fsm_reply_rej(rep, &o);
				break;
			}
			if (o.type == LCP_PFC)
				his.pfc = true;
			else
				his.acfc = true;
			break;
		default:
			/* Quality-Protocol, Callback, MRRU, SSNHF, Endpoint
			 * Discriminator (RRAS), and anything newer. */
			fsm_reply_rej(rep, &o);
			break;
		}
	}
	if (rc < 0 || l->fail)
		return -1;
	if (rep->code == CP_CONFACK)
		l->his = his;
	return rep->code;
}

static void lcp_echo_timeout(void *arg);

void lcp_stop_echo(struct ppp *ppp)
{
	wv_timer_cancel(ppp->loop, &ppp->lcp.echo_timer);
	ppp->lcp.echo_pending = 0;
}

static void lcp_start_echo(struct ppp *ppp)
{
	struct lcp *l = &ppp->lcp;

	l->echo_pending = 0;
	if (ppp->cfg.lcp_echo_interval && !l->echo_off)
		wv_timer_arm(ppp->loop, &l->echo_timer, ppp->cfg.lcp_echo_interval * 1000u);
}

static void lcp_echo_timeout(void *arg)
{
	struct ppp *ppp = arg;
	struct lcp *l = &ppp->lcp;
	uint8_t data[4];
	char msg[160];

	if (l->fsm.state != FSM_OPENED || l->echo_off)
		return;
	if (ppp->cfg.lcp_echo_failure && l->echo_pending >= ppp->cfg.lcp_echo_failure) {
		snprintf(msg, sizeof(msg),
			 _("the gateway stopped answering LCP echo requests "
			   "(%u unanswered in %u s)"),
			 l->echo_pending, l->echo_pending * ppp->cfg.lcp_echo_interval);
		/* One Terminate-Request as a courtesy; waiting for its ack from a
		 * gateway that answers nothing would only delay the user. */
		ppp_hangup(ppp, WV_FAIL_PEER_DEAD, msg);
		ppp_give_up(ppp);
		return;
	}
	store_be32(data, lcp_our_magic(l));
	fsm_send(&l->fsm, CP_ECHOREQ, fsm_next_id(&l->fsm), data, sizeof(data));
	l->echo_pending++;
	wv_timer_arm(ppp->loop, &l->echo_timer, ppp->cfg.lcp_echo_interval * 1000u);
}

void lcp_got_life(struct ppp *ppp)
{
	ppp->lcp.echo_pending = 0;
}

static void lcp_up(struct fsm *f)
{
	struct ppp *ppp = lcp_ppp(f);
	struct lcp *l = &ppp->lcp;

	wv_info(ppp->log, "LCP", "LCP is up: peer MRU %u, our MRU %u%s%s", ppp_peer_mru(ppp),
		l->got.mru ? l->got.mru_val : PPP_DEFAULT_MRU,
		l->his.auth ? ", authentication " : ", no authentication",
		l->his.auth ? (auth_method_name(l->his.auth_proto, l->his.auth_algo) ?
			       auth_method_name(l->his.auth_proto, l->his.auth_algo) : "?") : "");
	lcp_start_echo(ppp);
	ppp_lcp_up(ppp);
}

static void lcp_down(struct fsm *f)
{
	struct ppp *ppp = lcp_ppp(f);

	lcp_stop_echo(ppp);
	ppp_lcp_down(ppp);
}

static void lcp_finished(struct fsm *f)
{
	ppp_lcp_finished(lcp_ppp(f));
}

static void lcp_termreq(struct fsm *f, const uint8_t *buf, size_t len)
{
	char text[160];

	ppp_sanitize(text, sizeof(text), buf, len);
	ppp_peer_terminated(lcp_ppp(f), text);
}

static void lcp_coderej(struct fsm *f, uint8_t code)
{
	struct ppp *ppp = lcp_ppp(f);

	if (code == CP_ECHOREQ) {
		wv_info(ppp->log, "LCP", "the gateway does not answer LCP echo; keepalive is off");
		ppp->lcp.echo_off = true;
		lcp_stop_echo(ppp);
	}
}

/* Protocol-Reject, Echo, Discard, Identification, Time-Remaining */
static bool lcp_extcode(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *buf, size_t len)
{
	struct ppp *ppp = lcp_ppp(f);
	struct lcp *l = &ppp->lcp;
	struct rd r = rd_init(buf, len);
	uint32_t magic;

	switch (code) {
	case CP_PROTREJ: {
		uint16_t proto = rd_be16(&r);
		/* RFC 1661 §5.7: only meaningful in the Opened state */
		if (!rd_ok(&r) || f->state != FSM_OPENED)
			return true;
		ppp_protocol_rejected(ppp, proto);
		return true;
	}
	case CP_ECHOREQ: {
		uint8_t rep[FSM_PKT_MAX - FSM_HDRLEN];
		size_t n;

		magic = rd_be32(&r);
		/* RFC 1661 §5.8: answered only in the Opened state */
		if (!rd_ok(&r) || f->state != FSM_OPENED)
			return true;
		if (magic && magic == lcp_our_magic(l)) {
			wv_dbg(ppp->log, "LCP", "Echo-Request with our own magic: looped back?");
			return true;
		}
		n = rd_left(&r);
		if (n > ppp_peer_mru(ppp) - 8)
			n = ppp_peer_mru(ppp) - 8;
		if (n > sizeof(rep) - 4)
			n = sizeof(rep) - 4;
		store_be32(rep, lcp_our_magic(l));
		if (n)
			memcpy(rep + 4, r.p, n);
		fsm_send(f, CP_ECHOREP, id, rep, n + 4);
		return true;
	}
	case CP_ECHOREP:
		magic = rd_be32(&r);
		if (!rd_ok(&r) || f->state != FSM_OPENED)
			return true;
		if (magic && magic == lcp_our_magic(l)) {
			wv_dbg(ppp->log, "LCP", "Echo-Reply with our own magic: looped back?");
			return true;
		}
		l->echo_pending = 0;
		return true;
	case CP_DISCREQ:
	case CP_IDENT:
	case CP_TIMEREM:
		return true;
	default:
		return false;
	}
}

static const char *lcp_optname(uint8_t type)
{
	switch (type) {
	case LCP_MRU: return "mru";
	case LCP_ACCM: return "asyncmap";
	case LCP_AUTH: return "auth";
	case LCP_QUALITY: return "quality";
	case LCP_MAGIC: return "magic";
	case LCP_PFC: return "pcomp";
	case LCP_ACFC: return "accomp";
	case LCP_CALLBACK: return "callback";
	case LCP_MRRU: return "mrru";
	case LCP_SSNHF: return "ssnhf";
	case LCP_EPDISC: return "endpoint";
	default: return NULL;
	}
}

static bool lcp_optval(uint8_t type, const uint8_t *val, size_t vlen, char *out, size_t outlen)
{
	const char *n;

	switch (type) {
	case LCP_MRU:
		if (vlen != 2)
			return false;
		snprintf(out, outlen, "%u", load_be16(val));
		return true;
	case LCP_ACCM:
	case LCP_MAGIC:
		if (vlen != 4)
			return false;
		snprintf(out, outlen, "0x%08x", load_be32(val));
		return true;
	case LCP_AUTH:
		if (vlen < 2)
			return false;
		n = lcp_auth_known(load_be16(val), vlen == 3 ? val[2] : 0) ?
			auth_method_name(load_be16(val), vlen == 3 ? val[2] : 0) : NULL;
		if (!n || vlen > 3)
			return false;
		snprintf(out, outlen, "%s", n);
		return true;
	default:
		return false;
	}
}

static const struct fsm_callbacks lcp_callbacks = {
	.resetci = lcp_resetci,
	.cilen = lcp_cilen,
	.addci = lcp_addci,
	.ackci = lcp_ackci,
	.nakci = lcp_nakci,
	.rejci = lcp_rejci,
	.reqci = lcp_reqci,
	.up = lcp_up,
	.down = lcp_down,
	.finished = lcp_finished,
	.extcode = lcp_extcode,
	.termreq = lcp_termreq,
	.coderej = lcp_coderej,
	.optname = lcp_optname,
	.optval = lcp_optval,
};

void lcp_init(struct ppp *ppp)
{
	fsm_init(&ppp->lcp.fsm, ppp, PPP_LCP, "LCP", &lcp_callbacks, ppp->loop, ppp->log);
	ppp->lcp.auth_nak_id = -1;
	wv_timer_init(&ppp->lcp.echo_timer, lcp_echo_timeout, ppp);
}

void lcp_input(struct ppp *ppp, const uint8_t *buf, size_t len)
{
	struct lcp *l = &ppp->lcp;

	fsm_input(&l->fsm, buf, len);
	if (l->fail) {
		l->fail = false;
		ppp_fail(ppp, l->fail_why, "%s", l->fail_msg);
	}
}

void lcp_send_protrej(struct ppp *ppp, uint16_t proto, const uint8_t *info, size_t len)
{
	uint8_t data[FSM_PKT_MAX - FSM_HDRLEN];
	size_t max = ppp_peer_mru(ppp) - FSM_HDRLEN - 2;

	if (ppp->lcp.fsm.state != FSM_OPENED)
		return;
	if (max > sizeof(data) - 2)
		max = sizeof(data) - 2;
	if (len > max)
		len = max;
	store_be16(data, proto);
	if (len)
		memcpy(data + 2, info, len);
	wv_dbg(ppp->log, "LCP", "rejecting protocol 0x%04x", proto);
	fsm_send(&ppp->lcp.fsm, CP_PROTREJ, fsm_next_id(&ppp->lcp.fsm), data, len + 2);
}
