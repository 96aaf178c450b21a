/* ipv6cp.c -- the IPv6 Control Protocol (RFC 5072).
 *
 * One option matters: Interface-Identifier (type 1), the 64 bits that make
 * both ends' link-local addresses fe80::<id>.  We ask for a random non-zero
 * identifier, take the gateway's suggestion when it Naks ours (unless it
 * collides with the gateway's own), and judge the gateway's request by the
 * rules of RFC 5072 §4.1.  IPv6-Compression-Protocol (type 2) is rejected:
 * we do no header compression.
 *
 * IPv6 is optional: a gateway that Protocol-Rejects IPV6CP (pppd without
 * +ipv6, RRAS without IPv6) or rejects the Interface-Identifier ends IPV6CP
 * quietly, and IPv4 goes on as if nothing happened (ppp.c). */
#include "wv.h"

#include <stdio.h>

#include "crypto.h"
#include "ppp-int.h"
#include "log.h"

#define IPV6CP_IFID  1
#define IPV6CP_COMP  2
#define IPV6CP_IFID_LEN 10

static const uint8_t ifid_zero[8];

static bool ifid_is_zero(const uint8_t id[8])
{
	return memcmp(id, ifid_zero, 8) == 0;
}

/* A random non-zero identifier that is not avoid (RFC 5072 §4.1: the
 * identifier must be unique on the link). */
static void ipv6cp_new_ifid(uint8_t out[8], const uint8_t avoid[8])
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		if (wv_random(out, 8) < 0) {
			uint64_t v = (uint64_t)(uintptr_t)out ^ 0x9e3779b97f4a7c15ull ^
				     (uint64_t)tries << 17;
			memcpy(out, &v, 8);
		}
		if (!ifid_is_zero(out) && memcmp(out, avoid, 8) != 0)
			return;
	}
	memset(out, 0, 8);
	out[7] = avoid[7] == 1 ? 2 : 1;
}

static void ipv6cp_resetci(struct fsm *f)
{
	struct ipv6cp *v = &f->ppp->ipv6cp;

	v->want_id = true;
	v->rejected = false;
	memset(v->peer_id, 0, sizeof(v->peer_id));
	v->have_peer_id = false;
	/* One identifier per PPP session: a renegotiation asks for the same
	 * one (the addresses built on it stay valid). */
	if (ifid_is_zero(v->our_id))
		ipv6cp_new_ifid(v->our_id, ifid_zero);
}

static size_t ipv6cp_cilen(struct fsm *f)
{
	return f->ppp->ipv6cp.want_id ? IPV6CP_IFID_LEN : 0;
}

static void ipv6cp_addci(struct fsm *f, uint8_t *buf, size_t len)
{
	struct ipv6cp *v = &f->ppp->ipv6cp;

	if (!v->want_id || len < IPV6CP_IFID_LEN)
		return;
	buf[0] = IPV6CP_IFID;
	buf[1] = IPV6CP_IFID_LEN;
	memcpy(buf + 2, v->our_id, 8);
}

/* RFC 5072 §4.1: a Nak carries the identifier the gateway suggests for us.
 * We take it unless it is zero or the gateway's own; then we draw another. */
static bool ipv6cp_nakci(struct fsm *f, const uint8_t *buf, size_t len, bool treat_as_reject)
{
	struct ppp *ppp = f->ppp;
	struct ipv6cp *v = &ppp->ipv6cp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	uint8_t id[8];
	bool have = false;
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		if (o.type != IPV6CP_IFID)
			continue;     /* compression suggested to us: not wanted */
		if (o.vlen != 8)
			return false;
		memcpy(id, o.val, 8);
		have = true;
	}
	if (rc < 0)
		return false;
	if (!have)
		return true;
	if (treat_as_reject) {
		/* The gateway never agrees on an identifier: give up IPv6. */
		v->rejected = true;
		return true;
	}
	if (ifid_is_zero(id) || (v->have_peer_id && memcmp(id, v->peer_id, 8) == 0))
		ipv6cp_new_ifid(v->our_id, v->peer_id);
	else
		memcpy(v->our_id, id, 8);
	v->want_id = true;
	return true;
}

static bool ipv6cp_rejci(struct fsm *f, const uint8_t *buf, size_t len)
{
	struct ppp *ppp = f->ppp;
	struct ipv6cp *v = &ppp->ipv6cp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		if (o.type != IPV6CP_IFID)
			continue;
		/* Without identifiers there is no link-local address to speak
		 * from; IPv6 ends here (ipv6cp_input closes IPV6CP). */
		v->want_id = false;
		v->rejected = true;
	}
	return rc == 0;
}

/* RFC 5072 §4.1, the gateway's Interface-Identifier: different and non-zero
 * is acked; zero gets a Nak with a suggestion; equal to ours (a collision)
 * gets a Nak with a different one. */
static int ipv6cp_reqci(struct fsm *f, const uint8_t *buf, size_t len, struct fsm_reply *rep)
{
	struct ppp *ppp = f->ppp;
	struct ipv6cp *v = &ppp->ipv6cp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	uint8_t peer[8], sugg[8];
	bool have = false;
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		switch (o.type) {
		case IPV6CP_IFID:
			if (o.vlen != 8 || have) {
				fsm_reply_rej(rep, &o);
				break;
			}
			memcpy(peer, o.val, 8);
			if (ifid_is_zero(peer) || memcmp(peer, v->our_id, 8) == 0) {
				ipv6cp_new_ifid(sugg, v->our_id);
				fsm_reply_nak(rep, &o, sugg, 8);
				break;
			}
			have = true;
			break;
		default:
			/* IPv6-Compression-Protocol and anything newer */
			fsm_reply_rej(rep, &o);
			break;
		}
	}
	if (rc < 0)
		return -1;
	if (rep->code == CP_CONFACK && have) {
		memcpy(v->peer_id, peer, 8);
		v->have_peer_id = true;
	}
	return rep->code;
}

static void ipv6cp_up(struct fsm *f)
{
	struct ppp *ppp = f->ppp;
	struct ipv6cp *v = &ppp->ipv6cp;

	wv_info(ppp->log, "IPV6CP", "IPV6CP is up: interface identifier "
		"%02x%02x:%02x%02x:%02x%02x:%02x%02x, gateway's "
		"%02x%02x:%02x%02x:%02x%02x:%02x%02x",
		v->our_id[0], v->our_id[1], v->our_id[2], v->our_id[3],
		v->our_id[4], v->our_id[5], v->our_id[6], v->our_id[7],
		v->peer_id[0], v->peer_id[1], v->peer_id[2], v->peer_id[3],
		v->peer_id[4], v->peer_id[5], v->peer_id[6], v->peer_id[7]);
	ppp_ncp_changed(ppp);
}

static void ipv6cp_down(struct fsm *f)
{
	ppp_ncp_changed(f->ppp);
}

static void ipv6cp_starting(struct fsm *f)
{
	f->ppp->ipv6cp.finished = false;
}

static void ipv6cp_finished(struct fsm *f)
{
	struct ppp *ppp = f->ppp;

	if (!ppp->ipv6cp.finished)
		wv_dbg(ppp->log, "IPV6CP", "IPV6CP ended%s; IPv4 only",
		       f->conf_timeout ? " (the gateway did not answer)" : "");
	ppp->ipv6cp.finished = true;
	ppp_ncp_changed(ppp);
}

static const char *ipv6cp_optname(uint8_t type)
{
	switch (type) {
	case IPV6CP_IFID: return "ifid";
	case IPV6CP_COMP: return "compress";
	default: return NULL;
	}
}

static bool ipv6cp_optval(uint8_t type, const uint8_t *val, size_t vlen, char *out, size_t outlen)
{
	if (type != IPV6CP_IFID || vlen != 8)
		return false;
	snprintf(out, outlen, "%02x%02x:%02x%02x:%02x%02x:%02x%02x", val[0], val[1], val[2],
		 val[3], val[4], val[5], val[6], val[7]);
	return true;
}

static const struct fsm_callbacks ipv6cp_callbacks = {
	.resetci = ipv6cp_resetci,
	.cilen = ipv6cp_cilen,
	.addci = ipv6cp_addci,
	.nakci = ipv6cp_nakci,
	.rejci = ipv6cp_rejci,
	.reqci = ipv6cp_reqci,
	.up = ipv6cp_up,
	.down = ipv6cp_down,
	.starting = ipv6cp_starting,
	.finished = ipv6cp_finished,
	.optname = ipv6cp_optname,
	.optval = ipv6cp_optval,
};

static void ipv6cp_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	const struct wv_log *lg = ((struct ppp *)arg)->log;

	if (lvl == WV_LOG_INFO)
		lvl = WV_LOG_DEBUG;
	if (wv_log_enabled(lg, lvl))
		lg->fn(lg->arg, lvl, subsys, msg);
}

void ipv6cp_init(struct ppp *ppp)
{
	struct ipv6cp *v = &ppp->ipv6cp;

	v->quiet_log.fn = ipv6cp_log;
	v->quiet_log.arg = ppp;
	v->quiet_log.level = ppp->log && ppp->log->fn ? WV_LOG_TRACE : WV_LOG_ERR;
	fsm_init(&v->fsm, ppp, PPP_IPV6CP, "IPV6CP", &ipv6cp_callbacks, ppp->loop,
		 ppp->log && ppp->log->fn ? &v->quiet_log : ppp->log);
}

void ipv6cp_input(struct ppp *ppp, const uint8_t *buf, size_t len)
{
	struct ipv6cp *v = &ppp->ipv6cp;

	fsm_input(&v->fsm, buf, len);
	if (v->rejected && v->fsm.state != FSM_CLOSED && v->fsm.state != FSM_CLOSING &&
	    v->fsm.state != FSM_INITIAL) {
		/* The automaton cannot be closed from inside its callbacks. */
		wv_dbg(ppp->log, "IPV6CP", "the gateway refused our interface identifier; "
		       "IPv4 only");
		v->finished = true;
		fsm_close(&v->fsm, "");
		ppp_ncp_changed(ppp);
	}
}

void ipv6cp_protrej(struct ppp *ppp)
{
	struct ipv6cp *v = &ppp->ipv6cp;

	if (v->finished || v->fsm.state == FSM_INITIAL || v->fsm.state == FSM_CLOSED)
		return;
	wv_dbg(ppp->log, "IPV6CP", "the gateway does not speak IPv6 (it rejected IPV6CP); "
	       "IPv4 only");
	fsm_protreject(&v->fsm);
}

bool ipv6cp_opened(const struct ppp *ppp)
{
	return ppp->ipv6cp.fsm.state == FSM_OPENED && !ppp->ipv6cp.rejected;
}
