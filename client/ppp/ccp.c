/* ccp.c -- the Compression Control Protocol (RFC 1962), used only to agree
 * on MPPE (RFC 3078 option 18).
 *
 * Client policy, like pppd's: require-mppe-128 offers only S (128-bit),
 * require-mppe-40 only L (40-bit), require-mppe or optional MPPE both; H
 * (stateless) always, and stateful only when mppe-stateful allows it.  The
 * options in our Configure-Request say how the gateway encrypts towards us;
 * the gateway's request says how we encrypt towards it.  Compression (MPPC,
 * Deflate, BSD, Predictor) is never agreed. */
#include "wv.h"

#include <stdarg.h>
#include <stdio.h>

#include "ppp-int.h"
#include "log.h"

#define CCP_OPT_MPPE       MPPE_OPT
#define MPPE_STRENGTHS     (MPPE_BIT_S | MPPE_BIT_M | MPPE_BIT_L)
#define CCP_RESET_MIN_MS   1000

static struct ppp *ccp_ppp(struct fsm *f)
{
	return f->ppp;
}

/* The strongest strength among bits, in the order Windows prefers. */
static uint32_t ccp_best(uint32_t bits)
{
	if (bits & MPPE_BIT_S)
		return MPPE_BIT_S;
	if (bits & MPPE_BIT_M)
		return MPPE_BIT_M;
	if (bits & MPPE_BIT_L)
		return MPPE_BIT_L;
	return 0;
}

unsigned ccp_mppe_key_bits(uint32_t bits)
{
	switch (ccp_best(bits)) {
	case MPPE_BIT_S: return 128;
	case MPPE_BIT_M: return 56;
	case MPPE_BIT_L: return 40;
	default: return 0;
	}
}

const char *ccp_mppe_name(uint32_t bits, char *buf, size_t len)
{
	snprintf(buf, len, "MPPE-%u %s", ccp_mppe_key_bits(bits),
		 (bits & MPPE_BIT_H) ? "stateless" : "stateful");
	return buf;
}

/* What the settings let us offer; "require-mppe" and optional MPPE take
 * either of 128 and 40 bits, as pppd does (56 is not offered). */
static uint32_t ccp_allowed(const struct ppp_config *cfg)
{
	if (cfg->require_mppe_128 && !cfg->require_mppe_40)
		return MPPE_BIT_S;
	if (cfg->require_mppe_40 && !cfg->require_mppe_128)
		return MPPE_BIT_L;
	return MPPE_BIT_S | MPPE_BIT_L;
}

static const char *ccp_strength_key(const struct ppp_config *cfg)
{
	const char *k = ppp_mppe_required(cfg);

	return k ? k : "MPPE";
}

static void ccp_refuse(struct ccp *c, const char *fmt, ...) WV_PRINTF(2, 3);
static void ccp_refuse(struct ccp *c, const char *fmt, ...)
{
	va_list ap;

	if (c->fail)
		return;
	c->fail = true;
	va_start(ap, fmt);
	vsnprintf(c->fail_msg, sizeof(c->fail_msg), fmt, ap);
	va_end(ap);
}

void ccp_configure(struct ppp *ppp)
{
	struct ccp *c = &ppp->ccp;

	c->allowed = ccp_allowed(&ppp->cfg);
	c->fail = false;
	c->fail_msg[0] = '\0';
	c->mismatch_msg[0] = '\0';
	c->finished = false;
	c->reset_pending = false;
}

static void ccp_resetci(struct fsm *f)
{
	struct ccp *c = &ccp_ppp(f)->ccp;

	c->want_mppe = true;
	c->want_bits = MPPE_BIT_H | c->allowed;
	c->rx_bits = 0;
	c->tx_bits = 0;
	c->tx_mppe = false;
}

static size_t ccp_cilen(struct fsm *f)
{
	return ccp_ppp(f)->ccp.want_mppe ? 6 : 0;
}

static void ccp_addci(struct fsm *f, uint8_t *buf, size_t len)
{
	struct ccp *c = &ccp_ppp(f)->ccp;

	if (!c->want_mppe)
		return;
	buf[0] = CCP_OPT_MPPE;
	buf[1] = 6;
	store_be32(buf + 2, c->want_bits);
	(void)len;
}

static void ccp_ackci(struct fsm *f, const uint8_t *buf, size_t len)
{
	struct ccp *c = &ccp_ppp(f)->ccp;

	c->rx_bits = c->want_mppe ? c->want_bits : 0;
}

/* The gateway answers our offer with the one setting it wants to send
 * with (RFC 3078 §2). */
static bool ccp_nakci(struct fsm *f, const uint8_t *buf, size_t len, bool treat_as_reject)
{
	struct ppp *ppp = ccp_ppp(f);
	struct ccp *c = &ppp->ccp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	uint32_t b, s, h, want = c->want_bits;
	char nb[32];
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		if (o.type != CCP_OPT_MPPE)
			continue;
		if (o.vlen != 4)
			return false;
		b = load_be32(o.val);
		s = ccp_best(b & c->allowed);
		if (!s || treat_as_reject) {
			ccp_refuse(c, _("the gateway offers only %s encryption, which the settings "
					"refuse (%s)"),
				   ccp_mppe_name(b, nb, sizeof(nb)), ccp_strength_key(&ppp->cfg));
			continue;
		}
		h = MPPE_BIT_H;
		if (!(b & MPPE_BIT_H)) {
			if (!ppp->cfg.mppe_stateful) {
				ccp_refuse(c, _("the gateway wants stateful MPPE, which the "
						"settings refuse (mppe-stateful is off)"));
				continue;
			}
			h = 0;
		}
		want = h | s;
	}
	if (rc < 0)
		return false;
	c->want_bits = want;
	return true;
}

static bool ccp_rejci(struct fsm *f, const uint8_t *buf, size_t len)
{
	struct ppp *ppp = ccp_ppp(f);
	struct ccp *c = &ppp->ccp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;

	while (fsm_opt_next(&r, &o) > 0) {
		if (o.type != CCP_OPT_MPPE)
			continue;
		c->want_mppe = false;
		if (ppp_mppe_required(&ppp->cfg))
			ccp_refuse(c, _("the gateway refused MPPE encryption, which the settings "
					"require (%s)"), ppp_mppe_required(&ppp->cfg));
		else
			ccp_refuse(c, _("the gateway refused MPPE encryption"));
	}
	return true;
}

/* The gateway's request: how we are to encrypt towards it. */
static int ccp_reqci(struct fsm *f, const uint8_t *buf, size_t len, struct fsm_reply *rep)
{
	struct ppp *ppp = ccp_ppp(f);
	struct ccp *c = &ppp->ccp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	uint32_t tx_bits = 0;
	bool tx_mppe = false;
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		uint32_t b, sb, s, h;
		uint8_t nak[4];
		bool single, state_ok;

		if (o.type != CCP_OPT_MPPE || o.vlen != 4) {
			/* Deflate, BSD-Compress, Predictor, ...: no compression */
			fsm_reply_rej(rep, &o);
			continue;
		}
		b = load_be32(o.val);
		sb = b & MPPE_STRENGTHS;
		single = sb && !(sb & (sb - 1));
		state_ok = (b & MPPE_BIT_H) || ppp->cfg.mppe_stateful;
		if (single && (sb & c->allowed) && state_ok && !(b & (MPPE_BIT_C | MPPE_BIT_D))) {
			tx_bits = b;
			tx_mppe = true;
			continue;
		}
		/* Nak with the one setting we want: its strongest strength we
		 * allow (or ours), stateless unless stateful is allowed and it
		 * asked for it, and the MPPC bit C cleared. */
		s = ccp_best(sb & c->allowed);
		if (!s) {
			s = ccp_best(c->allowed);
			/* If the gateway hangs up after this Nak, this is why. */
			if (sb)
				snprintf(c->mismatch_msg, sizeof(c->mismatch_msg),
					 _("the gateway offers only %u-bit MPPE, but the settings "
					   "allow only %u-bit (%s)"),
					 ccp_mppe_key_bits(sb), ccp_mppe_key_bits(c->allowed),
					 ccp_strength_key(&ppp->cfg));
		}
		h = ((b & MPPE_BIT_H) || !ppp->cfg.mppe_stateful) ? MPPE_BIT_H : 0;
		store_be32(nak, h | s);
		fsm_reply_nak(rep, &o, nak, 4);
	}
	if (rc < 0)
		return -1;
	if (rep->code == CP_CONFACK) {
		c->tx_bits = tx_bits;
		c->tx_mppe = tx_mppe;
	}
	return rep->code;
}

static void ccp_up(struct fsm *f)
{
	struct ppp *ppp = ccp_ppp(f);
	struct ccp *c = &ppp->ccp;
	char a[32], b[32];
	int err;

	if (!c->rx_bits || !c->tx_mppe) {
		ccp_refuse(c, _("the gateway agreed to MPPE encryption in one direction only"));
		ppp_ncp_changed(ppp);
		return;
	}
	if (ccp_best(c->rx_bits) != (c->rx_bits & MPPE_STRENGTHS))
		wv_dbg(ppp->log, "CCP", "the gateway acked several strengths; using the strongest");
	err = mppe_dir_init(&ppp->mppe_tx, ppp->keys.send, ccp_mppe_key_bits(c->tx_bits),
			    (c->tx_bits & MPPE_BIT_H) != 0);
	if (!err)
		err = mppe_dir_init(&ppp->mppe_rx, ppp->keys.recv, ccp_mppe_key_bits(c->rx_bits),
				    (c->rx_bits & MPPE_BIT_H) != 0);
	if (err) {
		mppe_dir_clear(&ppp->mppe_tx);
		mppe_dir_clear(&ppp->mppe_rx);
		ppp_fail(ppp, WV_FAIL_LOCAL, _("MPPE could not be set up (%s)"), strerror(-err));
		return;
	}
	ppp->mppe_up = true;
	wv_info(ppp->log, "CCP", "MPPE is up: sending %s, receiving %s",
		ccp_mppe_name(c->tx_bits, a, sizeof(a)), ccp_mppe_name(c->rx_bits, b, sizeof(b)));
	ppp_ncp_changed(ppp);
}

static void ccp_down(struct fsm *f)
{
	struct ppp *ppp = ccp_ppp(f);

	ppp->mppe_up = false;
	mppe_dir_clear(&ppp->mppe_tx);
	mppe_dir_clear(&ppp->mppe_rx);
	ppp_ncp_changed(ppp);
}

static void ccp_starting(struct fsm *f)
{
	ccp_ppp(f)->ccp.finished = false;
}

static void ccp_finished(struct fsm *f)
{
	struct ppp *ppp = ccp_ppp(f);

	ppp->ccp.finished = true;
	ppp_ncp_changed(ppp);
}

/* Reset-Request and Reset-Ack (RFC 1962 §2.1, RFC 3078 §3.1) */
static bool ccp_extcode(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *buf, size_t len)
{
	struct ppp *ppp = ccp_ppp(f);

	switch (code) {
	case CP_RESETREQ:
		if (f->state != FSM_OPENED || !ppp->mppe_up)
			return true;
		/* Stateful: the next packet carries a new key and the flushed
		 * bit.  Stateless changes keys on every packet anyway. */
		if (!ppp->mppe_tx.stateless)
			mppe_tx_reset(&ppp->mppe_tx);
		fsm_send(f, CP_RESETACK, id, NULL, 0);
		return true;
	case CP_RESETACK:
		ppp->ccp.reset_pending = false;
		return true;
	default:
		return false;
	}
}

void ccp_send_reset_request(struct ppp *ppp)
{
	struct ccp *c = &ppp->ccp;
	uint64_t now = wv_loop_now(ppp->loop);

	if (c->fsm.state != FSM_OPENED)
		return;
	/* One outstanding Reset-Request per second: a burst of undecryptable
	 * packets must not become a burst of requests. */
	if (c->reset_pending && now - c->reset_sent_ms < CCP_RESET_MIN_MS)
		return;
	c->reset_pending = true;
	c->reset_sent_ms = now;
	fsm_send(&c->fsm, CP_RESETREQ, fsm_next_id(&c->fsm), NULL, 0);
}

static const char *ccp_optname(uint8_t type)
{
	switch (type) {
	case 1: return "predictor1";
	case 2: return "predictor2";
	case CCP_OPT_MPPE: return "mppe";
	case 21: return "bsd";
	case 24: return "deflate-draft";
	case 26: return "deflate";
	default: return NULL;
	}
}

/* pppd's notation: "+H -M +S -L -D -C" */
static bool ccp_optval(uint8_t type, const uint8_t *val, size_t vlen, char *out, size_t outlen)
{
	uint32_t b;

	if (type != CCP_OPT_MPPE || vlen != 4)
		return false;
	b = load_be32(val);
	snprintf(out, outlen, "%cH %cM %cS %cL %cD %cC", b & MPPE_BIT_H ? '+' : '-',
		 b & MPPE_BIT_M ? '+' : '-', b & MPPE_BIT_S ? '+' : '-', b & MPPE_BIT_L ? '+' : '-',
		 b & MPPE_BIT_D ? '+' : '-', b & MPPE_BIT_C ? '+' : '-');
	return true;
}

static const struct fsm_callbacks ccp_callbacks = {
	.resetci = ccp_resetci,
	.cilen = ccp_cilen,
	.addci = ccp_addci,
	.ackci = ccp_ackci,
	.nakci = ccp_nakci,
	.rejci = ccp_rejci,
	.reqci = ccp_reqci,
	.up = ccp_up,
	.down = ccp_down,
	.starting = ccp_starting,
	.finished = ccp_finished,
	.extcode = ccp_extcode,
	.optname = ccp_optname,
	.optval = ccp_optval,
};

void ccp_init(struct ppp *ppp)
{
	fsm_init(&ppp->ccp.fsm, ppp, PPP_CCP, "CCP", &ccp_callbacks, ppp->loop, ppp->log);
	/* pppd closes the link when its CCP, once open with MPPE, goes down
	 * ("MPPE disabled"), and an open fsm goes down on any repeated
	 * Configure-Request.  So pppd must never be open while we still repeat
	 * ours: we answer its request only once ours is acked. */
	fsm_defer_peer_requests(&ppp->ccp.fsm);
	ppp->ccp.allowed = ccp_allowed(&ppp->cfg);
}

void ccp_input(struct ppp *ppp, const uint8_t *buf, size_t len)
{
	struct ccp *c = &ppp->ccp;

	fsm_input(&c->fsm, buf, len);
	if (c->fail && (c->fsm.state != FSM_CLOSING && c->fsm.state != FSM_CLOSED &&
			c->fsm.state != FSM_STOPPED && c->fsm.state != FSM_STOPPING)) {
		wv_info(ppp->log, "CCP", "%s", c->fail_msg);
		if (ppp_mppe_required(&ppp->cfg)) {
			ppp_fail(ppp, WV_FAIL_PROPOSAL, "%s", c->fail_msg);
			return;
		}
		fsm_close(&c->fsm, "MPPE not agreed");
	}
}
