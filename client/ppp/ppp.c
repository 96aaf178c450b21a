/* ppp.c -- the PPP engine: link phases (RFC 1661 §3.2), frame demultiplexing,
 * authentication hand-off, MPPE on the data path, and how the session ends.
 *
 * Phases: Dead -> Establish (LCP) -> Authenticate (the method the gateway
 * asked for) -> Network (CCP when MPPE is possible, IPCP, IPV6CP when
 * ipv6=yes) -> Running (IPv4 reported to the session; IPv6 too once IPV6CP
 * is open) -> Terminate -> Dead.  Protocols are rows of
 * ppp_protos[]; there is no other place that knows which exist. */
#include "wv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ppp-int.h"
#include "log.h"
#include "pkt.h"

static const char *const ppp_phase_names[] = {
	[PPP_PHASE_DEAD] = "Dead",
	[PPP_PHASE_ESTABLISH] = "Establish",
	[PPP_PHASE_AUTHENTICATE] = "Authenticate",
	[PPP_PHASE_NETWORK] = "Network",
	[PPP_PHASE_RUNNING] = "Running",
	[PPP_PHASE_TERMINATE] = "Terminate",
};

const char *ppp_phase_name(enum ppp_phase ph)
{
	if ((unsigned)ph >= ARRAY_SIZE(ppp_phase_names))
		return "?";
	return ppp_phase_names[ph];
}

void ppp_set_phase(struct ppp *ppp, enum ppp_phase ph, const char *reason)
{
	if (ppp->phase != ph)
		wv_dbg(ppp->log, "PPP", "%s -> %s (%s)", ppp_phase_name(ppp->phase),
		       ppp_phase_name(ph), reason);
	ppp->phase = ph;
}

/* ---- small helpers ------------------------------------------------------------- */

const char *ppp_mppe_required(const struct ppp_config *cfg)
{
	if (cfg->require_mppe_128)
		return "require-mppe-128";
	if (cfg->require_mppe_40)
		return "require-mppe-40";
	if (cfg->require_mppe)
		return "require-mppe";
	return NULL;
}

unsigned ppp_peer_mru(const struct ppp *ppp)
{
	return ppp->lcp.his.mru ? ppp->lcp.his.mru_val : PPP_DEFAULT_MRU;
}

void ppp_sanitize(char *out, size_t outlen, const uint8_t *buf, size_t len)
{
	size_t i, n = 0;

	if (!outlen)
		return;
	for (i = 0; i < len && n + 1 < outlen; i++) {
		if (buf[i] == '\0')
			break;
		out[n++] = (buf[i] >= 0x20 && buf[i] < 0x7f && buf[i] != '"') ? (char)buf[i] : '?';
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static const char *ppp_method_name(uint16_t proto, uint8_t algo)
{
	const char *n = auth_method_name(proto, algo);

	return n ? n : "the requested";
}

/* The method's client goes away with LCP, but never from inside one of its
 * own calls into us (ppp_auth_failure() closes LCP): then once it returns. */
static void ppp_auth_release(struct ppp *ppp)
{
	ppp->auth_active = false;
	wv_timer_cancel(ppp->loop, &ppp->auth_timer);
	if (ppp->in_auth) {
		ppp->auth_release = true;
		return;
	}
	auth_client_free(ppp->auth);
	ppp->auth = NULL;
}

static void ppp_auth_enter(struct ppp *ppp)
{
	ppp->in_auth = true;
}

static void ppp_auth_leave(struct ppp *ppp)
{
	ppp->in_auth = false;
	if (ppp->auth_release) {
		ppp->auth_release = false;
		auth_client_free(ppp->auth);
		ppp->auth = NULL;
	}
}

static void ppp_stop_timers(struct ppp *ppp)
{
	wv_timer_cancel(ppp->loop, &ppp->auth_timer);
	wv_timer_cancel(ppp->loop, &ppp->lcp.fsm.timer);
	wv_timer_cancel(ppp->loop, &ppp->ipcp.fsm.timer);
	wv_timer_cancel(ppp->loop, &ppp->ccp.fsm.timer);
	wv_timer_cancel(ppp->loop, &ppp->ipv6cp.fsm.timer);
	lcp_stop_echo(ppp);
}

/* ---- how it ends -------------------------------------------------------------- */

static void ppp_set_end(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	if (ppp->end_set)
		return;
	ppp->end_set = true;
	ppp->end_why = why;
	snprintf(ppp->end_msg, sizeof(ppp->end_msg), "%s", msg);
}

/* dead() is reported from a timer, never from inside the automaton, so
 * that the owner may free us in it. */
static void ppp_dead_timeout(void *arg)
{
	struct ppp *ppp = arg;

	if (ppp->dead_state != PPP_DEAD_PENDING)
		return;
	ppp->dead_state = PPP_DEAD_REPORTED;
	ppp_stop_timers(ppp);
	ppp_auth_release(ppp);
	ppp_set_phase(ppp, PPP_PHASE_DEAD, "finished");
	if (ppp->ev.dead)
		ppp->ev.dead(ppp->arg, ppp->end_why, ppp->end_msg);
}

static void ppp_report_dead(struct ppp *ppp)
{
	if (ppp->dead_state != PPP_DEAD_NONE)
		return;
	ppp_set_end(ppp, WV_FAIL_PROTOCOL, _("the PPP session ended"));
	ppp->dead_state = PPP_DEAD_PENDING;
	wv_timer_arm(ppp->loop, &ppp->dead_timer, 0);
}

/* LCP close: Terminate-Request (retransmitted per RFC 1661 §4.6), and the
 * end is reported when LCP has finished. */
static void ppp_terminate(struct ppp *ppp, const char *reason)
{
	if (!ppp->closing) {
		ppp->closing = true;
		wv_timer_cancel(ppp->loop, &ppp->auth_timer);
		lcp_stop_echo(ppp);
		if (ppp->phase != PPP_PHASE_DEAD)
			ppp_set_phase(ppp, PPP_PHASE_TERMINATE, reason);
		fsm_close(&ppp->lcp.fsm, reason);
	}
	switch (ppp->lcp.fsm.state) {
	case FSM_INITIAL:
	case FSM_STARTING:
	case FSM_CLOSED:
	case FSM_STOPPED:
		ppp_report_dead(ppp);     /* nothing to wait for */
		break;
	default:
		break;
	}
}

void ppp_give_up(struct ppp *ppp)
{
	ppp_report_dead(ppp);
}

void ppp_fail(struct ppp *ppp, enum wv_fail why, const char *fmt, ...)
{
	char msg[sizeof(ppp->end_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ppp->end_set)
		wv_info(ppp->log, "PPP", "%s", msg);
	ppp_set_end(ppp, why, msg);
	ppp_terminate(ppp, msg);
}

void ppp_hangup(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	if (!ppp->end_set)
		wv_info(ppp->log, "PPP", "%s", msg);
	ppp_set_end(ppp, why, msg);
	ppp_terminate(ppp, msg);
	ppp_report_dead(ppp);
}

/* ---- phases ------------------------------------------------------------------------ */

static void ppp_enter_network(struct ppp *ppp, const char *reason)
{
	const struct ppp_config *cfg = &ppp->cfg;
	const char *req = ppp_mppe_required(cfg);

	ppp_set_phase(ppp, PPP_PHASE_NETWORK, reason);
	if (ppp->ev.progress)
		ppp->ev.progress(ppp->arg, WV_STATE_CONFIGURING);

	ppp->mppe_refused[0] = '\0';
	ppp->ccp_active = cfg->mppe_possible && ppp->keys.valid;
	if (!ppp->ccp_active) {
		if (!cfg->mppe_possible)
			snprintf(ppp->mppe_refused, sizeof(ppp->mppe_refused),
				 _("this kind of tunnel cannot carry MPPE"));
		else if (!ppp->auth_proto)
			snprintf(ppp->mppe_refused, sizeof(ppp->mppe_refused),
				 _("the gateway asked for no authentication, so there are no MPPE "
				   "keys"));
		else
			snprintf(ppp->mppe_refused, sizeof(ppp->mppe_refused),
				 _("%s authentication gives no MPPE keys"),
				 ppp_method_name(ppp->auth_proto, ppp->auth_algo));
		if (req) {
			if (!cfg->mppe_possible)
				ppp_fail(ppp, WV_FAIL_CONFIG,
					 _("the settings require MPPE encryption (%s), which this "
					   "kind of tunnel cannot carry"), req);
			else
				ppp_fail(ppp, WV_FAIL_PROPOSAL,
					 _("the settings require MPPE encryption (%s), but %s"),
					 req, ppp->mppe_refused);
			return;
		}
	}
	if (ppp->ccp_active) {
		ccp_configure(ppp);
		fsm_open(&ppp->ccp.fsm);
		fsm_lowerup(&ppp->ccp.fsm);
	}
	ppp->ipcp.finished = false;
	fsm_open(&ppp->ipcp.fsm);
	fsm_lowerup(&ppp->ipcp.fsm);
	/* IPV6CP starts once IPCP is up (ppp_start_ipv6) */
}

/* IPv6 after IPv4 (RFC 5072), unless the gateway starts it earlier; its
 * failure never touches IPv4, and the tunnel is usable as soon as IPv4 is up.
 *
 * SoftEther 5.01 (the gateway that Configure-Rejects our Magic-Number)
 * stalls its whole PPP session for 4-8 s while it negotiates IPV6CP: started
 * with IPCP, it delays IPCP's answer by that much; started after, it drops
 * the first seconds of traffic.  With such a gateway we only answer an
 * IPV6CP it starts itself (ppp_ipv6cp_input). */
static bool ppp_ipv6_passive(const struct ppp *ppp)
{
	return !ppp->lcp.want.magic;
}

static void ppp_start_ipv6(struct ppp *ppp)
{
	if (!ppp->cfg.ipv6 || ppp->ipv6cp_started)
		return;
	ppp->ipv6cp_started = true;
	ppp->ipv6cp.finished = false;
	ppp->ipv6cp.rejected = false;
	fsm_open(&ppp->ipv6cp.fsm);
	fsm_lowerup(&ppp->ipv6cp.fsm);
}

static void ppp_auth_timeout(void *arg)
{
	struct ppp *ppp = arg;

	if (ppp->phase != PPP_PHASE_AUTHENTICATE)
		return;
	ppp_fail(ppp, WV_FAIL_PROTOCOL,
		 _("the gateway did not complete %s authentication within %u s"),
		 ppp_method_name(ppp->auth_proto, ppp->auth_algo), PPP_AUTH_TIMEOUT_MS / 1000);
}

void ppp_lcp_up(struct ppp *ppp)
{
	const struct lcp_opts *his = &ppp->lcp.his;

	if (ppp->closing)
		return;
	ppp_auth_release(ppp);
	wv_wipe(&ppp->keys, sizeof(ppp->keys));

	if (!his->auth) {
		ppp->auth_proto = 0;
		ppp->auth_algo = 0;
		ppp_enter_network(ppp, "LCP up, no authentication");
		return;
	}
	ppp->auth_proto = his->auth_proto;
	ppp->auth_algo = his->auth_algo;
	ppp_set_phase(ppp, PPP_PHASE_AUTHENTICATE, "LCP up");
	ppp->auth = auth_client_new(ppp, his->auth_proto, his->auth_algo);
	if (!ppp->auth) {
		ppp_fail(ppp, WV_FAIL_LOCAL, _("%s authentication could not be started"),
			 ppp_method_name(his->auth_proto, his->auth_algo));
		return;
	}
	ppp->auth_active = true;
	wv_timer_arm(ppp->loop, &ppp->auth_timer, PPP_AUTH_TIMEOUT_MS);
	ppp_auth_enter(ppp);
	auth_client_start(ppp->auth);
	ppp_auth_leave(ppp);
}

void ppp_lcp_down(struct ppp *ppp)
{
	ppp->phase_at_lcp_down = ppp->phase;
	ppp_set_phase(ppp, ppp->closing ? PPP_PHASE_TERMINATE : PPP_PHASE_ESTABLISH, "LCP down");
	ppp_auth_release(ppp);
	fsm_lowerdown(&ppp->ccp.fsm);
	fsm_close(&ppp->ccp.fsm, "");
	fsm_lowerdown(&ppp->ipcp.fsm);
	fsm_close(&ppp->ipcp.fsm, "");
	fsm_lowerdown(&ppp->ipv6cp.fsm);
	fsm_close(&ppp->ipv6cp.fsm, "");
	ppp->ipv6cp_started = false;
	ppp->mppe_up = false;
	mppe_dir_clear(&ppp->mppe_tx);
	mppe_dir_clear(&ppp->mppe_rx);
	wv_wipe(&ppp->keys, sizeof(ppp->keys));
}

void ppp_lcp_finished(struct ppp *ppp)
{
	if (ppp->lcp.fsm.conf_timeout)
		ppp_set_end(ppp, WV_FAIL_PEER_DEAD,
			    _("the gateway did not answer the LCP negotiation"));
	else
		ppp_set_end(ppp, WV_FAIL_PROTOCOL,
			    _("the LCP negotiation with the gateway failed"));
	ppp_report_dead(ppp);
}

void ppp_peer_terminated(struct ppp *ppp, const char *text)
{
	char msg[sizeof(ppp->end_msg)], said[200] = "";
	enum wv_fail why = WV_FAIL_PROTOCOL;
	/* In Opened, the Terminate-Request took LCP down before we get here
	 * (RFC 1661 RTR: tld, zrc, sta): judge by the phase it ended. */
	enum ppp_phase ph = ppp->lcp.fsm.state == FSM_STOPPING ? ppp->phase_at_lcp_down :
			    ppp->phase;

	if (text[0])
		snprintf(said, sizeof(said), _(" (the gateway said \"%s\")"), text);
	if (ppp->closing) {
		ppp_report_dead(ppp);
		return;
	}
	if (ph == PPP_PHASE_RUNNING || ppp->ip4_reported) {
		why = WV_FAIL_PEER_DEAD;
		snprintf(msg, sizeof(msg), _("the gateway closed the connection%s"), said);
	} else if (ph == PPP_PHASE_NETWORK && !ppp->auth_proto && ppp->lcp.n_refused &&
		   lcp_auth_refuse_key(&ppp->cfg, ppp->lcp.refused[0].proto,
				       ppp->lcp.refused[0].algo)) {
		/* pppd answers our Nak by dropping authentication, then hangs up
		 * ("peer refused to authenticate"): say which setting did it. */
		why = WV_FAIL_PROPOSAL;
		snprintf(msg, sizeof(msg),
			 _("the gateway requires %s, which the settings refuse (%s)%s"),
			 ppp_method_name(ppp->lcp.refused[0].proto, ppp->lcp.refused[0].algo),
			 lcp_auth_refuse_key(&ppp->cfg, ppp->lcp.refused[0].proto,
					     ppp->lcp.refused[0].algo), said);
	} else if (ph == PPP_PHASE_NETWORK && ppp->ccp.mismatch_msg[0]) {
		why = WV_FAIL_PROPOSAL;
		snprintf(msg, sizeof(msg), "%s%s", ppp->ccp.mismatch_msg, said);
	} else if (ph == PPP_PHASE_NETWORK && ppp->mppe_refused[0]) {
		why = WV_FAIL_PROPOSAL;
		snprintf(msg, sizeof(msg),
			 _("the gateway hung up, probably because it requires MPPE encryption, "
			   "which is impossible here: %s%s"), ppp->mppe_refused, said);
	} else if (ph == PPP_PHASE_ESTABLISH && ppp->lcp.n_refused) {
		char nb[48];
		const char *name = ppp_method_name(ppp->lcp.refused[0].proto,
						   ppp->lcp.refused[0].algo);
		if (ppp->lcp.refused[0].proto != PPP_PAP && ppp->lcp.refused[0].proto != PPP_CHAP &&
		    ppp->lcp.refused[0].proto != PPP_EAP) {
			snprintf(nb, sizeof(nb), "protocol 0x%04x", ppp->lcp.refused[0].proto);
			name = nb;
		}
		why = WV_FAIL_PROPOSAL;
		snprintf(msg, sizeof(msg),
			 _("the gateway hung up after we declined its authentication method (%s); "
			   "check the refuse-* settings%s"), name, said);
	} else if (ph == PPP_PHASE_AUTHENTICATE) {
		why = WV_FAIL_AUTH;
		snprintf(msg, sizeof(msg), _("the gateway ended the session during %s "
					     "authentication%s"),
			 ppp_method_name(ppp->auth_proto, ppp->auth_algo), said);
	} else {
		snprintf(msg, sizeof(msg), _("the gateway ended the PPP negotiation%s"), said);
	}
	ppp_hangup(ppp, why, msg);
}

void ppp_protocol_rejected(struct ppp *ppp, uint16_t proto)
{
	const char *req = ppp_mppe_required(&ppp->cfg);

	switch (proto) {
	case PPP_CCP:
		if (req) {
			ppp_fail(ppp, WV_FAIL_PROPOSAL,
				 _("the gateway refused MPPE encryption (it rejected CCP), "
				   "which the settings require (%s)"), req);
			return;
		}
		if (ppp->ccp_active) {
			snprintf(ppp->ccp.fail_msg, sizeof(ppp->ccp.fail_msg),
				 _("the gateway refused MPPE encryption (it rejected CCP)"));
			fsm_protreject(&ppp->ccp.fsm);
		}
		return;
	case PPP_IPCP:
		ppp_fail(ppp, WV_FAIL_PROTOCOL, _("the gateway refused IPv4 (it rejected IPCP)"));
		return;
	case PPP_IPV6CP:
		ipv6cp_protrej(ppp);     /* IPv4 only, quietly */
		return;
	case PPP_IPV6:
		return;     /* IPV6CP's end follows, or already came */
	default:
		wv_info(ppp->log, "LCP", "the gateway rejected protocol 0x%04x", proto);
		return;
	}
}

static void ppp_ncp_changed_ip4(struct ppp *ppp)
{
	struct ipcp *ip = &ppp->ipcp;
	struct ccp *c = &ppp->ccp;
	const char *req = ppp_mppe_required(&ppp->cfg);
	bool ccp_done, ipcp_up;
	unsigned mtu;
	char a[32], b[32];

	if ((ppp->phase != PPP_PHASE_NETWORK && ppp->phase != PPP_PHASE_RUNNING) || ppp->closing)
		return;

	if (ip->finished) {
		if (ip->fsm.conf_timeout)
			ppp_fail(ppp, WV_FAIL_PROTOCOL,
				 _("the gateway did not answer the IPv4 configuration (IPCP)"));
		else
			ppp_fail(ppp, WV_FAIL_PROTOCOL,
				 _("the IPv4 configuration (IPCP) with the gateway failed"));
		return;
	}

	ccp_done = true;
	if (ppp->ccp_active) {
		if (c->finished) {
			const char *why = c->fail_msg[0] ? c->fail_msg :
				c->fsm.conf_timeout ? _("the gateway did not answer the MPPE "
							"negotiation (CCP)") :
				_("the MPPE negotiation (CCP) with the gateway failed");
			if (req && !c->fail_msg[0]) {
				ppp_fail(ppp, WV_FAIL_PROPOSAL,
					 _("%s, and the settings require MPPE encryption (%s)"),
					 why, req);
				return;
			}
			if (req || ppp->mppe_expected) {
				ppp_fail(ppp, req ? WV_FAIL_PROPOSAL : WV_FAIL_PROTOCOL, "%s", why);
				return;
			}
			wv_info(ppp->log, "CCP", "%s; the tunnel is not encrypted", why);
			ppp->ccp_active = false;
		} else {
			ccp_done = c->fsm.state == FSM_OPENED && ppp->mppe_up;
		}
	}
	ipcp_up = ip->fsm.state == FSM_OPENED && ip->addr.s_addr != 0;

	if (ppp->phase == PPP_PHASE_RUNNING) {
		/* IPCP or CCP renegotiates: hold the data until both are back */
		if (!ipcp_up || (ppp->mppe_expected && !ppp->mppe_up))
			ppp_set_phase(ppp, PPP_PHASE_NETWORK, "renegotiating");
		return;
	}
	if (!ipcp_up || !ccp_done)
		return;

	if (ppp->ip4_reported) {
		if (ppp->ip4.local.s_addr != ip->addr.s_addr) {
			ppp_fail(ppp, WV_FAIL_PROTOCOL,
				 _("the gateway changed our IPv4 address while connected"));
			return;
		}
		ppp->mppe_expected = ppp->mppe_up;
		ppp_set_phase(ppp, PPP_PHASE_RUNNING, "renegotiated");
		return;
	}

	memset(&ppp->ip4, 0, sizeof(ppp->ip4));
	ppp->ip4.local = ip->addr;
	ppp->ip4.peer = ip->peer;
	ppp->ip4.dns[0] = ip->dns[0];
	ppp->ip4.dns[1] = ip->dns[1];
	ppp->ip4.nbns[0] = ip->nbns[0];
	ppp->ip4.nbns[1] = ip->nbns[1];
	mtu = ppp->cfg.mtu ? ppp->cfg.mtu : PPP_WINDOWS_MRU;
	if (ppp_peer_mru(ppp) < mtu)
		mtu = ppp_peer_mru(ppp);
	if (ppp->mppe_up) {
		mtu -= PPP_MPPE_OVERHEAD;
		ccp_mppe_name(c->tx_bits, a, sizeof(a));
		ccp_mppe_name(c->rx_bits, b, sizeof(b));
		if (strcmp(a, b) == 0)
			snprintf(ppp->encryption, sizeof(ppp->encryption), "%s", a);
		else
			snprintf(ppp->encryption, sizeof(ppp->encryption), "%s/%s", a, b);
	} else {
		snprintf(ppp->encryption, sizeof(ppp->encryption), "none");
	}
	ppp->ip4.mtu = mtu;
	ppp->ip4.encryption = ppp->encryption;
	ppp->mppe_expected = ppp->mppe_up;
	ppp->ip4_reported = true;
	ppp_set_phase(ppp, PPP_PHASE_RUNNING, "IPCP up");
	wv_info(ppp->log, "PPP", "the tunnel is up: MTU %u, encryption %s", mtu, ppp->encryption);
	if (ppp->ev.ip4_up)
		ppp->ev.ip4_up(ppp->arg, &ppp->ip4);
	if (ppp_ipv6_passive(ppp))
		wv_dbg(ppp->log, "IPV6CP", "the gateway rejected Magic-Number (SoftEther): IPv6 "
		       "only if it starts IPV6CP itself");
	else
		ppp_start_ipv6(ppp);
}

/* IPv6 is reported once the tunnel carries IPv4 (Running) and IPV6CP is
 * open; IPV6CP going down again is reported too. */
static void ppp_ip6_check(struct ppp *ppp)
{
	bool open = ipv6cp_opened(ppp) && !ppp->closing;
	struct ppp_ip6 c;

	if (open && !ppp->ip6_reported && ppp->phase == PPP_PHASE_RUNNING) {
		ppp->ip6_reported = true;
		memcpy(c.local_id, ppp->ipv6cp.our_id, 8);
		memcpy(c.peer_id, ppp->ipv6cp.peer_id, 8);
		if (ppp->ev.ip6_up)
			ppp->ev.ip6_up(ppp->arg, &c);
	} else if (!open && ppp->ip6_reported) {
		ppp->ip6_reported = false;
		if (ppp->ev.ip6_down)
			ppp->ev.ip6_down(ppp->arg);
	}
}

void ppp_ncp_changed(struct ppp *ppp)
{
	ppp_ncp_changed_ip4(ppp);
	ppp_ip6_check(ppp);
}

/* ---- for the authentication methods (auth.h) ----------------------------------- */

const struct ppp_config *ppp_config(const struct ppp *ppp)
{
	return &ppp->cfg;
}

const struct wv_log *ppp_log(const struct ppp *ppp)
{
	return ppp->log;
}

struct wv_loop *ppp_loop(const struct ppp *ppp)
{
	return ppp->loop;
}

/* Control frames always carry FF 03 (RFC 1662 §3.2: ACFC never applies to
 * LCP, and the other control protocols gain nothing from it). */
int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	struct pkt *p;
	uint8_t *h;

	if (ppp->phase == PPP_PHASE_DEAD || !ppp->ev.send)
		return -ENOTCONN;
	p = pkt_alloc();
	if (!p)
		return -ENOMEM;
	h = pkt_put(p, len);
	if (!h) {
		pkt_free(p);
		return -EMSGSIZE;
	}
	if (len)
		memcpy(h, buf, len);
	h = pkt_push(p, 4);
	h[0] = 0xff;
	h[1] = 0x03;
	store_be16(h + 2, proto);
	return ppp->ev.send(ppp->arg, p);
}

void ppp_auth_success(struct ppp *ppp, const struct mppe_keys *keys)
{
	if (ppp->phase != PPP_PHASE_AUTHENTICATE || !ppp->auth_active || ppp->closing)
		return;
	wv_timer_cancel(ppp->loop, &ppp->auth_timer);
	if (keys && keys->valid)
		ppp->keys = *keys;
	else
		wv_wipe(&ppp->keys, sizeof(ppp->keys));
	wv_dbg(ppp->log, "PPP", "authenticated with %s%s",
	       ppp_method_name(ppp->auth_proto, ppp->auth_algo),
	       keys && keys->valid ? " (MPPE keys derived)" : "");
	ppp_enter_network(ppp, "authenticated");
}

void ppp_auth_failure(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	if (ppp->closing || !ppp->auth_active)
		return;
	ppp_auth_release(ppp);
	ppp_fail(ppp, why, "%s", msg && msg[0] ? msg : _("authentication failed"));
}

/* ---- the protocol table ---------------------------------------------------------- */

static void ppp_lcp_input(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	lcp_input(ppp, buf, len);
}

static void ppp_auth_input(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	if (!ppp->auth || !ppp->auth_active || proto != ppp->auth_proto)
		return;
	ppp_auth_enter(ppp);
	auth_client_input(ppp->auth, buf, len);
	ppp_auth_leave(ppp);
}

static void ppp_ipcp_input(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	ipcp_input(ppp, buf, len);
}

static void ppp_ipv6cp_input(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	/* ipv6=no: the gateway learns at once that we speak no IPv6 */
	if (!ppp->cfg.ipv6) {
		lcp_send_protrej(ppp, proto, buf, len);
		return;
	}
	/* The gateway starting IPV6CP starts ours too, even while IPCP still
	 * negotiates (pppd does both at once; making it wait for its 3 s
	 * retransmission brought IPv6 up after the host had configured IPv4,
	 * and the vpnc-script's re-run for it cut the traffic short).  Only
	 * from SoftEther it waits until IPv4 is up (ppp_ipv6_passive). */
	if (!ppp->ipv6cp_started) {
		if (!ppp->ip4_reported && ppp_ipv6_passive(ppp))
			return;
		ppp_start_ipv6(ppp);
	}
	ipv6cp_input(ppp, buf, len);
}

static void ppp_ccp_input(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	/* No MPPE this time (L2TP, or no keys): RFC 1661 §5.7 Protocol-Reject
	 * tells the gateway at once; windows-interop §4.3. */
	if (!ppp->ccp_active) {
		lcp_send_protrej(ppp, proto, buf, len);
		return;
	}
	ccp_input(ppp, buf, len);
}

struct ppp_proto {
	uint16_t proto;
	enum ppp_phase min_phase;    /* earlier packets are discarded (RFC 1661 §3) */
	void (*input)(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len);
};

static const struct ppp_proto ppp_protos[] = {
	{ PPP_LCP, PPP_PHASE_ESTABLISH, ppp_lcp_input },
	{ PPP_PAP, PPP_PHASE_AUTHENTICATE, ppp_auth_input },
	{ PPP_CHAP, PPP_PHASE_AUTHENTICATE, ppp_auth_input },
	{ PPP_EAP, PPP_PHASE_AUTHENTICATE, ppp_auth_input },
	{ PPP_IPCP, PPP_PHASE_NETWORK, ppp_ipcp_input },
	{ PPP_CCP, PPP_PHASE_NETWORK, ppp_ccp_input },
	{ PPP_IPV6CP, PPP_PHASE_NETWORK, ppp_ipv6cp_input },
};

static void ppp_input_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ppp_protos); i++) {
		const struct ppp_proto *pr = &ppp_protos[i];

		if (pr->proto != proto)
			continue;
		if (ppp->phase == PPP_PHASE_TERMINATE ? proto != PPP_LCP :
		    ppp->phase < pr->min_phase) {
			wv_dbg(ppp->log, "PPP", "dropped protocol 0x%04x in phase %s", proto,
			       ppp_phase_name(ppp->phase));
			return;
		}
		pr->input(ppp, proto, buf, len);
		return;
	}
	/* LQR, BAP, ...: not spoken here (RFC 1661 §5.7) */
	lcp_send_protrej(ppp, proto, buf, len);
}

/* IPv6 datagrams only while IPV6CP is open (RFC 5072 §3). */
static bool ppp_ip_allowed(const struct ppp *ppp, uint16_t proto)
{
	if (ppp->phase != PPP_PHASE_RUNNING || !ppp->ev.deliver)
		return false;
	return proto == PPP_IP || (proto == PPP_IPV6 && ipv6cp_opened(ppp));
}

/* Datagrams of a protocol whose control protocol we have not seen open:
 * the gateway is open, and only its Configure-Ack was lost. */
static void ppp_data_before_open(struct ppp *ppp, uint16_t proto)
{
	if (ppp->phase != PPP_PHASE_NETWORK && ppp->phase != PPP_PHASE_RUNNING)
		return;
	if (proto == PPP_IP)
		fsm_peer_opened(&ppp->ipcp.fsm);
	else if (proto == PPP_IPV6 && ppp->ipv6cp_started)
		fsm_peer_opened(&ppp->ipv6cp.fsm);
	else if (proto == PPP_COMP && ppp->ccp_active)
		fsm_peer_opened(&ppp->ccp.fsm);
}

static void ppp_input_ip(struct ppp *ppp, uint16_t proto, struct pkt *p)
{
	/* RFC 3078 §4: once MPPE is agreed, unencrypted datagrams are not
	 * accepted (an attacker could inject them). */
	if (!ppp->mppe_expected && !ppp_ip_allowed(ppp, proto))
		ppp_data_before_open(ppp, proto);   /* then allowed, if it was a lost Ack */
	if (ppp->mppe_expected || !ppp_ip_allowed(ppp, proto)) {
		pkt_free(p);
		return;
	}
	ppp->ev.deliver(ppp->arg, proto, p);
}

/* Strips the protocol field.  RFC 1661 §2: protocol numbers are odd in the
 * low octet and even in the high one, so an odd first octet is a
 * PFC-compressed one-octet field (§6.5).  false if malformed. */
static bool ppp_pull_proto(struct pkt *p, uint16_t *proto)
{
	if (p->len >= 1 && (p->data[0] & 1)) {
		*proto = p->data[0];
		pkt_pull(p, 1);
		return true;
	}
	if (p->len < 2)
		return false;
	*proto = load_be16(p->data);
	pkt_pull(p, 2);
	return (*proto & 1) != 0;
}

static void ppp_input_comp(struct ppp *ppp, struct pkt *p)
{
	uint16_t proto;

	if (!ppp->mppe_up) {
		ppp_data_before_open(ppp, PPP_COMP);
		if (!ppp->mppe_up)
			goto drop;
	}
	switch (mppe_decrypt(&ppp->mppe_rx, p)) {
	case MPPE_RX_OK:
		break;
	case MPPE_RX_NEED_RESET:
		ccp_send_reset_request(ppp);
		goto drop;
	default:
		goto drop;
	}
	/* the encrypted protocol field, possibly compressed (RFC 1661 §6.5) */
	if (!ppp_pull_proto(p, &proto))
		goto drop;
	if (!ppp_ip_allowed(ppp, proto)) {
		ppp_data_before_open(ppp, proto);
		if (!ppp_ip_allowed(ppp, proto))
			goto drop;
	}
	ppp->ev.deliver(ppp->arg, proto, p);
	return;
drop:
	pkt_free(p);
}

void ppp_input(struct ppp *ppp, struct pkt *p)
{
	uint16_t proto;

	if (ppp->phase == PPP_PHASE_DEAD || ppp->dead_state == PPP_DEAD_REPORTED)
		goto drop;
	lcp_got_life(ppp);
	/* Address and Control, unless the peer compressed them (RFC 1662 §3.2) */
	if (p->len >= 2 && p->data[0] == 0xff && p->data[1] == 0x03)
		pkt_pull(p, 2);
	if (!ppp_pull_proto(p, &proto))
		goto drop;

	switch (proto) {
	case PPP_IP:
	case PPP_IPV6:
		ppp_input_ip(ppp, proto, p);
		return;
	case PPP_COMP:
		ppp_input_comp(ppp, p);
		return;
	default:
		ppp_input_ctrl(ppp, proto, p->data, p->len);
		break;
	}
drop:
	pkt_free(p);
}

int ppp_send_ip(struct ppp *ppp, uint16_t proto, struct pkt *p)
{
	uint8_t *h;
	int err;

	if (ppp->phase != PPP_PHASE_RUNNING) {
		err = -ENOTCONN;
		goto drop;
	}
	if (proto != PPP_IP && (proto != PPP_IPV6 || !ipv6cp_opened(ppp))) {
		err = -EPROTONOSUPPORT;     /* IPv6 without IPV6CP open */
		goto drop;
	}
	if (ppp->mppe_expected) {
		if (!ppp->mppe_up) {
			err = -ENOTCONN;
			goto drop;
		}
		h = pkt_push(p, 2);
		if (!h) {
			err = -ENOBUFS;
			goto drop;
		}
		store_be16(h, proto);
		err = mppe_encrypt(&ppp->mppe_tx, p);
		if (err)
			goto drop;
		proto = PPP_COMP;
	} else if (ppp_mppe_required(&ppp->cfg)) {
		err = -ENOTCONN;            /* never in the clear */
		goto drop;
	}
	h = pkt_push(p, 2);
	if (!h) {
		err = -ENOBUFS;
		goto drop;
	}
	store_be16(h, proto);
	/* The peer's ACFC lets us leave out FF 03 (RFC 1661 §6.6). */
	if (!ppp->lcp.his.acfc) {
		h = pkt_push(p, 2);
		if (!h) {
			err = -ENOBUFS;
			goto drop;
		}
		h[0] = 0xff;
		h[1] = 0x03;
	}
	return ppp->ev.send(ppp->arg, p);
drop:
	pkt_free(p);
	return err;
}

/* ---- life cycle ---------------------------------------------------------------------- */

struct ppp *ppp_new(struct wv_loop *loop, const struct wv_log *log, const struct ppp_config *cfg,
		    const struct ppp_events *ev, void *arg)
{
	struct ppp *ppp = calloc(1, sizeof(*ppp));

	if (!ppp)
		return NULL;
	ppp->loop = loop;
	ppp->log = log;
	ppp->cfg = *cfg;
	if (!ppp->cfg.mru)
		ppp->cfg.mru = PPP_WINDOWS_MRU;
	if (!ppp->cfg.mtu)
		ppp->cfg.mtu = PPP_WINDOWS_MRU;
	ppp->ev = *ev;
	ppp->arg = arg;
	ppp->phase = PPP_PHASE_DEAD;
	wv_timer_init(&ppp->auth_timer, ppp_auth_timeout, ppp);
	wv_timer_init(&ppp->dead_timer, ppp_dead_timeout, ppp);
	lcp_init(ppp);
	ipcp_init(ppp);
	ccp_init(ppp);
	ipv6cp_init(ppp);
	return ppp;
}

void ppp_free(struct ppp *ppp)
{
	if (!ppp)
		return;
	ppp_stop_timers(ppp);
	wv_timer_cancel(ppp->loop, &ppp->dead_timer);
	auth_client_free(ppp->auth);
	mppe_dir_clear(&ppp->mppe_tx);
	mppe_dir_clear(&ppp->mppe_rx);
	wv_wipe(&ppp->keys, sizeof(ppp->keys));
	free(ppp);
}

void ppp_lower_up(struct ppp *ppp)
{
	if (ppp->phase != PPP_PHASE_DEAD || ppp->dead_state != PPP_DEAD_NONE || ppp->closing)
		return;
	ppp_set_phase(ppp, PPP_PHASE_ESTABLISH, "link up");
	if (ppp->ev.progress)
		ppp->ev.progress(ppp->arg, WV_STATE_AUTHENTICATING);
	ppp->lcp.fsm.conf_timeout = false;
	fsm_open(&ppp->lcp.fsm);
	fsm_lowerup(&ppp->lcp.fsm);
}

void ppp_lower_down(struct ppp *ppp)
{
	if (ppp->dead_state == PPP_DEAD_REPORTED)
		return;
	/* RFC 1661 Down events send nothing: no Terminate-Request on a dead link */
	ppp->closing = true;
	if (ppp->phase != PPP_PHASE_DEAD)
		ppp_set_phase(ppp, PPP_PHASE_TERMINATE, "link down");
	fsm_lowerdown(&ppp->lcp.fsm);
	fsm_lowerdown(&ppp->ccp.fsm);
	fsm_lowerdown(&ppp->ipcp.fsm);
	fsm_lowerdown(&ppp->ipv6cp.fsm);
	ppp_stop_timers(ppp);
	ppp_auth_release(ppp);
	wv_timer_cancel(ppp->loop, &ppp->dead_timer);
	ppp->mppe_up = false;
	mppe_dir_clear(&ppp->mppe_tx);
	mppe_dir_clear(&ppp->mppe_rx);
	wv_wipe(&ppp->keys, sizeof(ppp->keys));
	ppp_set_phase(ppp, PPP_PHASE_DEAD, "link down");
	ppp_set_end(ppp, WV_FAIL_PEER_DEAD, _("the link to the gateway went down"));
	ppp->dead_state = PPP_DEAD_REPORTED;
	if (ppp->ev.dead)
		ppp->ev.dead(ppp->arg, ppp->end_why, ppp->end_msg);
}

void ppp_close(struct ppp *ppp, const char *reason)
{
	if (ppp->dead_state != PPP_DEAD_NONE)
		return;
	ppp_set_end(ppp, WV_OK, reason && reason[0] ? reason : _("disconnected on request"));
	ppp_terminate(ppp, reason && reason[0] ? reason : "User request");
}
