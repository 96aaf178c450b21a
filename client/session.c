/* session.c -- one VPN session: resolves the gateway, opens the TUN device,
 * stacks PPP on the protocol's link, moves packets between TUN and PPP, and
 * reports state, IP configuration and the end to the host's callbacks. */
#include "wv.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "netmon.h"
#include "resolve.h"
#include "ppp/ppp.h"
#include "pptp/pptp.h"
#include "l2tp/l2tp.h"
#include "l2tp/l2tp-ipsec.h"
#include "ipsec/ipsec.h"
#include "session.h"
#include "session-dhcp.h"
#include "session-ip6.h"
#include "settings.h"
#include "tun.h"

/* A session that is not up after this long gives up (every layer has its own,
 * shorter timeouts; this is the backstop). */
#define CONNECT_TIMEOUT_MS 90000
/* How long an orderly teardown may take before the session just ends. */
#define STOP_TIMEOUT_MS 8000
/* ... and when the gateway is known to be dead: the goodbyes are sent as a
 * courtesy, but nobody will answer them. */
#define DEAD_PEER_STOP_MS 1000
/* How often a connected session looks for a resume from suspend, and the
 * least suspended time that counts as one (see on_sleep_timer). */
#define SLEEP_CHECK_MS 5000
#define SLEEP_MIN_MS 2000
/* Goodbyes before the computer sleeps may take this long. */
#define SLEEP_STOP_MS 2000
/* Packets read from the TUN device per wake-up. */
#define TUN_BATCH 64
/* Protocols Automatic tries, in Windows' order (after IKEv2 and SSTP, which
 * winvpn does not speak). */
static const char *const auto_order[] = { "l2tp", "pptp" };

struct wv_session {
	struct wv_settings *st;          /* our copy, secrets included */
	struct wv_callbacks cb;
	void *cb_arg;
	struct wv_log log;
	struct wv_loop *loop;
	const struct wv_proto *proto;    /* of the current attempt */
	const char *display;             /* the protocol's name as this session runs it */
	/* Protocols to dial, in order: one, or Automatic's list. */
	const struct wv_proto *protos[ARRAY_SIZE(auto_order)];
	unsigned n_protos, i_proto;
	bool automatic;
	char *auto_failures;             /* "L2TP/IPsec: why; " of the attempts that failed */
	struct wv_resolve *resolve;
	struct wv_netmon *netmon;        /* the path to the gateway */

	struct in_addr gateway;
	char gateway_str[INET_ADDRSTRLEN];
	char ifname[IFNAMSIZ];
	int tun_fd;

	void *link;
	const struct wv_link_ops *link_ops;
	bool link_up;
	struct ppp *ppp;
	struct ppp_config pcfg;

	enum wv_state state;
	bool stopping, finished, ppp_dead;
	enum wv_fail why;                /* the first failure of the attempt wins */
	char *why_msg;

	/* Redial (setting redial): the attempt being made after the link
	 * failed, 0 while the link is up or was never up. */
	unsigned redial_attempt;
	bool attempt_connected;          /* the current attempt reached CONNECTED */
	bool ip4_reported;               /* the host has an IPv4 configuration */
	struct sdhcp *dhcp;              /* DHCPINFORM and the routing rules */
	struct sip6 *ip6;                /* IPv6: link-local, then RS/RA (session-ip6.c) */

	/* Idle disconnect: the packet count at the last check and when it
	 * last changed. */
	uint64_t idle_packets, idle_since_ms;
	uint64_t user_packets;           /* through the TUN, link-local chatter aside */

	struct wv_timer connect_timer, stop_timer;
	struct wv_timer attempt_timer;   /* the next attempt: Automatic's fallback, redial */
	struct wv_timer idle_timer;
	/* wv_session_sleep(): asleep until wv_session_wake(); parked once the
	 * goodbyes are done and the redial waits for the wake. */
	bool asleep, parked;
	/* Resume from suspend: CLOCK_BOOTTIME ran ahead of CLOCK_MONOTONIC. */
	struct wv_timer sleep_timer;
	uint64_t suspended_ms;           /* wv_clock_suspended_ms() at the last check */
	struct wv_stats stats;
};

static void *pptp_link_new(struct wv_loop *loop, const struct wv_log *log,
			   const struct wv_settings *st, struct in_addr gateway,
			   const struct wv_link_events *ev, void *arg, char **err)
{
	struct pptp_config cfg = {
		.gateway = gateway,
		.port = (uint16_t)(wv_settings_get(st, NM_WINVPN_KEY_PORT) ?
				   wv_settings_uint(st, NM_WINVPN_KEY_PORT) : 1723),
		.hostname = "",
		.connect_timeout_ms = 10000,
	};
	void *link = pptp_new(loop, log, &cfg, ev, arg);

	if (!link && err)
		*err = strdup(_("out of memory"));
	return link;
}

static const struct wv_link_ops *pptp_ops_for(const struct wv_settings *st)
{
	(void)st;
	return &pptp_link_ops;
}

static bool l2tp_with_ipsec(const struct wv_settings *st)
{
	return wv_settings_bool(st, NM_WINVPN_KEY_IPSEC_ENABLED);
}

/* ipsec-pfs=yes (NetworkManager-l2tp's key): every ESP proposal that names no
 * Diffie-Hellman group gets MODP-2048, the group Windows uses for PFS. */
static char *esp_with_pfs(const char *esp)
{
	size_t cap = strlen(esp) * 2 + 64, n = 0;
	char *out = malloc(cap);
	const char *p = esp;

	if (!out)
		return NULL;
	while (*p) {
		size_t len = strcspn(p, ",");
		bool has_group = false;
		size_t i;

		for (i = 0; i + 3 <= len; i++)
			if (!strncmp(p + i, "modp", 4) || !strncmp(p + i, "ecp", 3))
				has_group = true;
		if (n + len + 12 >= cap) {
			free(out);
			return NULL;
		}
		n += (size_t)snprintf(out + n, cap - n, "%s%.*s%s", n ? "," : "", (int)len, p,
				      has_group || !len ? "" : "-modp2048");
		p += len;
		if (*p == ',')
			p++;
	}
	out[n] = '\0';
	return out;
}

static void *l2tp_link_new(struct wv_loop *loop, const struct wv_log *log,
			   const struct wv_settings *st, struct in_addr gateway,
			   const struct wv_link_events *ev, void *arg, char **err)
{
	struct l2tp_config lc = {
		.gateway = gateway,
		.port = (uint16_t)(wv_settings_get(st, NM_WINVPN_KEY_PORT) ?
				   wv_settings_uint(st, NM_WINVPN_KEY_PORT) : 0),
		.ephemeral_port = wv_settings_bool(st, NM_WINVPN_KEY_EPHEMERAL_PORT),
	};
	struct ipsec_config ic = {
		.gateway = gateway,
		.psk = wv_settings_secret(st, NM_WINVPN_KEY_IPSEC_PSK),
		.ike = wv_settings_str(st, NM_WINVPN_KEY_IPSEC_IKE),
		.esp = wv_settings_str(st, NM_WINVPN_KEY_IPSEC_ESP),
		.encap = wv_settings_bool(st, NM_WINVPN_KEY_IPSEC_FORCEENCAPS) ?
			 IPSEC_ENCAP_FORCE : IPSEC_ENCAP_AUTO,
		.ike_lifetime_s = wv_settings_uint(st, NM_WINVPN_KEY_IPSEC_IKELIFETIME),
		.esp_lifetime_s = wv_settings_uint(st, NM_WINVPN_KEY_IPSEC_SALIFETIME),
		.cert_auth = !strcmp(wv_settings_str(st, NM_WINVPN_KEY_MACHINE_AUTH_TYPE), "tls"),
		.cert = wv_settings_str(st, NM_WINVPN_KEY_MACHINE_CERT),
		.key = wv_settings_str(st, NM_WINVPN_KEY_MACHINE_KEY),
		.cert_pass = wv_settings_secret(st, NM_WINVPN_KEY_MACHINE_CERTPASS),
		.ca = wv_settings_str(st, NM_WINVPN_KEY_MACHINE_CA),
		.remote_id = wv_settings_str(st, NM_WINVPN_KEY_IPSEC_REMOTE_ID),
		.gateway_name = wv_settings_str(st, NM_WINVPN_KEY_GATEWAY),
	};
	void *link;

	if (!l2tp_with_ipsec(st)) {
		wv_info(log, "L2TP", _("warning: L2TP without IPsec (ipsec-enabled=no): the "
				       "tunnel is not encrypted; anyone on the path can read and "
				       "alter the traffic"));
		link = l2tp_new(loop, log, &lc, ev, arg);
		if (!link && err)
			*err = strdup(_("out of memory"));
		return link;
	}
	if (!ic.cert_auth && (!ic.psk || !*ic.psk)) {
		if (err)
			*err = strdup(_("L2TP/IPsec needs the gateway's pre-shared key: set "
					"ipsec-psk (or ipsec-enabled=no for plain L2TP)"));
		return NULL;
	}
	if (wv_settings_bool(st, NM_WINVPN_KEY_IPSEC_PFS)) {
		char *esp = esp_with_pfs(ic.esp && *ic.esp ? ic.esp : IPSEC_DEFAULT_ESP);

		if (!esp) {
			if (err)
				*err = strdup(_("out of memory"));
			return NULL;
		}
		ic.esp = esp;
		link = l2tp_ipsec_new(loop, log, &lc, &ic, ev, arg, err);
		free(esp);
		return link;
	}
	return l2tp_ipsec_new(loop, log, &lc, &ic, ev, arg, err);
}

static const struct wv_link_ops *l2tp_ops_for(const struct wv_settings *st)
{
	return l2tp_with_ipsec(st) ? &l2tp_ipsec_link_ops : &l2tp_link_ops;
}

static const struct wv_proto protos[] = {
	{
		.name = "pptp",
		.display = "PPTP",
		.mppe_possible = true,
		.link_new = pptp_link_new,
		.ops_for = pptp_ops_for,
	},
	{
		.name = "l2tp",
		.display = "L2TP/IPsec",
		.display_plain = "L2TP",
		.mppe_possible = false,
		.link_new = l2tp_link_new,
		.ops_for = l2tp_ops_for,
	},
};

const struct wv_proto *wv_proto_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++)
		if (strcmp(protos[i].name, name) == 0)
			return &protos[i];
	return NULL;
}

static void set_state(struct wv_session *s, enum wv_state st)
{
	enum wv_state old = s->state;

	if (old == st)
		return;
	s->state = st;
	wv_dbg(&s->log, "NET", "session %s -> %s", wv_state_name(old), wv_state_name(st));
	if (s->cb.state)
		s->cb.state(s->cb_arg, old, st);
}

/* Remembers why the session is ending; the first real cause wins. */
static void note_failure(struct wv_session *s, enum wv_fail why, const char *msg)
{
	if (s->why_msg && s->why != WV_OK)
		return;
	if (why == WV_OK && s->why_msg)
		return;
	free(s->why_msg);
	s->why = why;
	s->why_msg = strdup(msg ? msg : wv_fail_name(why));
}

static void close_tun(struct wv_session *s)
{
	if (s->tun_fd >= 0) {
		wv_loop_del_fd(s->loop, s->tun_fd);
		close(s->tun_fd);
		s->tun_fd = -1;
	}
}

static void finish(struct wv_session *s)
{
	if (s->finished)
		return;
	s->finished = true;
	wv_timer_cancel(s->loop, &s->connect_timer);
	wv_timer_cancel(s->loop, &s->stop_timer);
	wv_timer_cancel(s->loop, &s->attempt_timer);
	wv_timer_cancel(s->loop, &s->idle_timer);
	wv_timer_cancel(s->loop, &s->sleep_timer);
	wv_resolve_cancel(s->resolve);
	s->resolve = NULL;
	wv_netmon_free(s->netmon);
	s->netmon = NULL;
	sdhcp_stop(s->dhcp);
	sip6_stop(s->ip6);
	close_tun(s);
	/* Stopped by the user before it was ever up. */
	if (s->why == WV_OK && s->stopping && !s->ip4_reported)
		s->why = WV_FAIL_CANCELLED;
	set_state(s, WV_STATE_DISCONNECTED);
	if (s->cb.finished)
		s->cb.finished(s->cb_arg, s->why, s->why_msg ? s->why_msg : wv_fail_name(s->why));
}

static void attempt_over(struct wv_session *s);

/* Ends the link in order (the link reports down(), which ends the attempt). */
static void stop_link(struct wv_session *s)
{
	set_state(s, WV_STATE_DISCONNECTING);
	if (!wv_timer_armed(&s->stop_timer))
		wv_timer_arm(s->loop, &s->stop_timer, STOP_TIMEOUT_MS);
	if (s->link)
		s->link_ops->stop(s->link);
	else
		attempt_over(s);
}

/* Ends the current attempt in order: PPP says goodbye first if it runs. */
static void close_attempt(struct wv_session *s, const char *reason)
{
	set_state(s, WV_STATE_DISCONNECTING);
	wv_timer_arm(s->loop, &s->stop_timer, STOP_TIMEOUT_MS);
	if (s->ppp && s->link_up && !s->ppp_dead)
		ppp_close(s->ppp, reason);
	else
		stop_link(s);
}

/* ---- link events ---- */

static void on_link_up(void *arg)
{
	struct wv_session *s = arg;

	s->link_up = true;
	wv_info(&s->log, "NET", _("%s call to %s is up; starting PPP"), s->display,
		s->gateway_str);
	if (s->stopping) {
		stop_link(s);
		return;
	}
	ppp_lower_up(s->ppp);
}

static void on_link_recv(void *arg, struct pkt *p)
{
	struct wv_session *s = arg;

	ppp_input(s->ppp, p);
}

static void on_link_down(void *arg, enum wv_fail why, const char *msg)
{
	struct wv_session *s = arg;

	s->link_up = false;
	note_failure(s, why, msg);
	if (!s->ppp_dead) {
		s->ppp_dead = true;
		ppp_lower_down(s->ppp);
	}
	attempt_over(s);
}

static const struct wv_link_events link_events = {
	.up = on_link_up,
	.recv = on_link_recv,
	.down = on_link_down,
};

/* ---- PPP events ---- */

static int on_ppp_send(void *arg, struct pkt *p)
{
	struct wv_session *s = arg;

	if (!s->link_up) {
		pkt_free(p);
		return -ENOTCONN;
	}
	return s->link_ops->send(s->link, p);
}

static void on_ppp_progress(void *arg, enum wv_state st)
{
	set_state(arg, st);
}

/* ---- idle disconnect ---- */

/* Traffic is looked for ten times per idle period (at most once a second), so
 * the disconnect comes between 1 and 1.1 idle periods after the last packet. */
static uint32_t idle_check_ms(unsigned idle_s)
{
	uint64_t ms = (uint64_t)idle_s * 100;

	return ms < 1000 ? 1000 : (uint32_t)ms;
}

static void arm_idle(struct wv_session *s)
{
	unsigned idle = wv_settings_uint(s->st, NM_WINVPN_KEY_IDLE_TIMEOUT);

	if (!idle)
		return;
	s->idle_packets = s->user_packets;
	s->idle_since_ms = wv_loop_now(s->loop);
	wv_timer_arm(s->loop, &s->idle_timer, idle_check_ms(idle));
}

/* Only the user's packets count (those through the TUN device, apart from
 * link-local multicast); LCP echoes, DPD and keepalives do not. */
static void on_idle_timer(void *arg)
{
	struct wv_session *s = arg;
	unsigned idle = wv_settings_uint(s->st, NM_WINVPN_KEY_IDLE_TIMEOUT);
	uint64_t packets = s->user_packets;
	uint64_t now = wv_loop_now(s->loop);
	char msg[160];

	if (packets != s->idle_packets) {
		s->idle_packets = packets;
		s->idle_since_ms = now;
	} else if (now - s->idle_since_ms >= (uint64_t)idle * 1000) {
		snprintf(msg, sizeof(msg), _("disconnected after %u s without traffic (idle-timeout)"),
			 idle);
		wv_info(&s->log, "NET", "%s", msg);
		note_failure(s, WV_OK, msg);
		wv_session_stop(s);
		return;
	}
	wv_timer_arm(s->loop, &s->idle_timer, idle_check_ms(idle));
}

/* The path to the gateway is gone (the network, or a sleep): says why and
 * ends the attempt, the goodbyes sent as a courtesy that nobody may answer. */
static void hang_up(struct wv_session *s, const char *why, const char *reason)
{
	wv_info(&s->log, "NET", "%s", why);
	note_failure(s, WV_FAIL_UNREACHABLE, why);
	close_attempt(s, reason);
	wv_timer_arm(s->loop, &s->stop_timer, DEAD_PEER_STOP_MS);
}

/* After the machine slept, the session is as good as gone: the gateway has
 * most likely dropped it (its LCP echoes, HELLOs or DPD went unanswered), a
 * NAT on the way has forgotten the mapping, and the network may be another.
 * Windows hangs up on suspend and so do we, on resume: goodbyes in case the
 * gateway still listens, then a redial if asked for.  A pause shorter than
 * SLEEP_MIN_MS is left to LCP echo and DPD. */
static void on_sleep_timer(void *arg)
{
	struct wv_session *s = arg;
	uint64_t now = wv_clock_suspended_ms();
	uint64_t slept = now > s->suspended_ms ? now - s->suspended_ms : 0;
	char msg[200];

	s->suspended_ms = now;
	if (slept < SLEEP_MIN_MS || s->stopping || !s->link) {
		wv_timer_arm(s->loop, &s->sleep_timer, SLEEP_CHECK_MS);
		return;
	}
	snprintf(msg, sizeof(msg), _("the computer was asleep for %u s; the gateway %s has "
				     "most likely dropped the session"),
		 (unsigned)((slept + 500) / 1000), s->gateway_str);
	hang_up(s, msg, "suspended");
}

static void arm_sleep_watch(struct wv_session *s)
{
	s->suspended_ms = wv_clock_suspended_ms();
	wv_timer_arm(s->loop, &s->sleep_timer, SLEEP_CHECK_MS);
}

static void on_ppp_ip4_up(void *arg, const struct ppp_ip4 *c)
{
	struct wv_session *s = arg;
	struct wv_ip4_config cfg;
	char local[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];
	unsigned i;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.ifname, sizeof(cfg.ifname), "%s", s->ifname);
	cfg.gateway = s->gateway;
	cfg.local = c->local;
	cfg.peer = c->peer;
	for (i = 0; i < 2; i++) {
		if (c->dns[i].s_addr)
			cfg.dns[cfg.n_dns++] = c->dns[i];
		if (c->nbns[i].s_addr)
			cfg.nbns[cfg.n_nbns++] = c->nbns[i];
	}
	cfg.mtu = c->mtu;
	cfg.protocol = s->proto->name;
	cfg.encryption = c->encryption;
	cfg.never_default = wv_settings_bool(s->st, NM_WINVPN_KEY_NEVER_DEFAULT);
	cfg.source = "IPCP";
	cfg.update = s->ip4_reported;
	wv_timer_cancel(s->loop, &s->connect_timer);
	inet_ntop(AF_INET, &c->local, local, sizeof(local));
	inet_ntop(AF_INET, &c->peer, peer, sizeof(peer));
	wv_info(&s->log, "NET", _("connected to %s with %s%s: address %s, peer %s, MTU %u, "
				  "encryption %s"),
		s->gateway_str, s->display, s->automatic ? _(" (Automatic)") : "", local, peer,
		c->mtu, c->encryption ? c->encryption : "none");
	s->attempt_connected = true;
	s->redial_attempt = 0;
	arm_idle(s);
	if (!wv_timer_armed(&s->sleep_timer))
		arm_sleep_watch(s);
	/* CONNECTED and the report follow the DHCPACK or its short wait. */
	sdhcp_ip4_up(s->dhcp, &cfg);
}

static void on_ip4_ready(void *arg, const struct wv_ip4_config *cfg)
{
	struct wv_session *s = arg;

	set_state(s, WV_STATE_CONNECTED);
	s->ip4_reported = true;
	if (s->cb.ip4_config)
		s->cb.ip4_config(s->cb_arg, cfg);
	sip6_host_changed(s->ip6);
}

static int on_dhcp_send(void *arg, struct pkt *p)
{
	struct wv_session *s = arg;

	if (!s->ppp) {
		pkt_free(p);
		return -ENOTCONN;
	}
	return ppp_send_ip(s->ppp, PPP_IP, p);
}

static const struct sdhcp_events sdhcp_events = { .send_ip = on_dhcp_send,
						  .report = on_ip4_ready };

/* ---- IPv6 (session-ip6.c) ---- */

static int on_ip6_send(void *arg, struct pkt *p)
{
	struct wv_session *s = arg;

	if (!s->ppp) {
		pkt_free(p);
		return -ENOTCONN;
	}
	return ppp_send_ip(s->ppp, PPP_IPV6, p);
}

static void on_ip6_ready(void *arg, const struct wv_ip6_config *cfg)
{
	struct wv_session *s = arg;

	if (s->cb.ip6_config)
		s->cb.ip6_config(s->cb_arg, cfg);
}

static const struct sip6_events sip6_events = { .send_ip = on_ip6_send, .report = on_ip6_ready };

static void on_ppp_ip6_up(void *arg, const struct ppp_ip6 *c)
{
	struct wv_session *s = arg;

	sip6_up(s->ip6, s->ifname, c);
}

static void on_ppp_ip6_down(void *arg)
{
	sip6_stop(((struct wv_session *)arg)->ip6);
}

/* What the kernel says on an IPv6 link by itself (listener reports, router
 * and neighbour solicitations to ff02::/16) is no use of the tunnel: it must
 * not keep an idle session up. */
static bool is_link_chatter(const struct pkt *p)
{
	return p->len >= 40 && (p->data[0] >> 4) == 6 && p->data[24] == 0xff &&
	       (p->data[25] & 0x0f) == 0x02;
}

static void on_ppp_deliver(void *arg, uint16_t proto, struct pkt *p)
{
	struct wv_session *s = arg;
	ssize_t n;

	(void)proto;
	if (sdhcp_input(s->dhcp, p))
		return;
	if (proto == PPP_IPV6 && sip6_input(s->ip6, p))
		return;
	if (s->tun_fd >= 0) {
		n = write(s->tun_fd, p->data, p->len);
		if (n == (ssize_t)p->len) {
			s->stats.rx_packets++;
			s->stats.rx_bytes += p->len;
			if (!is_link_chatter(p))
				s->user_packets++;
		}
	}
	pkt_free(p);
}

static void on_ppp_dead(void *arg, enum wv_fail why, const char *msg)
{
	struct wv_session *s = arg;

	s->ppp_dead = true;
	sdhcp_stop(s->dhcp);
	note_failure(s, why, msg);
	if (why != WV_OK || !s->stopping)
		wv_dbg(&s->log, "PPP", "PPP finished: %s", msg ? msg : wv_fail_name(why));
	if (why == WV_FAIL_PEER_DEAD)
		wv_timer_arm(s->loop, &s->stop_timer, DEAD_PEER_STOP_MS);
	stop_link(s);
}

static const struct ppp_events ppp_events = {
	.send = on_ppp_send,
	.progress = on_ppp_progress,
	.ip4_up = on_ppp_ip4_up,
	.ip6_up = on_ppp_ip6_up,
	.ip6_down = on_ppp_ip6_down,
	.deliver = on_ppp_deliver,
	.dead = on_ppp_dead,
};

/* ---- TUN ---- */

static void on_tun(void *arg, uint32_t events)
{
	struct wv_session *s = arg;
	int i;

	for (i = 0; i < TUN_BATCH && s->tun_fd >= 0; i++) {
		struct pkt *p = pkt_alloc();
		ssize_t n;
		uint16_t proto;

		if (!p)
			return;
		n = read(s->tun_fd, p->data, PKT_DATA_MAX);
		if (n <= 0) {
			pkt_free(p);
			return;
		}
		p->len = (size_t)n;
		switch (p->data[0] >> 4) {
		case 4: proto = PPP_IP; break;
		case 6: proto = PPP_IPV6; break;
		default:
			pkt_free(p);
			continue;
		}
		if (s->state != WV_STATE_CONNECTED) {
			pkt_free(p);
			continue;
		}
		s->stats.tx_packets++;
		s->stats.tx_bytes += p->len;
		if (!is_link_chatter(p))
			s->user_packets++;
		ppp_send_ip(s->ppp, proto, p);
	}
}

/* ---- timers ---- */

static void on_connect_timeout(void *arg)
{
	struct wv_session *s = arg;
	char msg[160];

	snprintf(msg, sizeof(msg), _("the connection to %s was not up after %d s"),
		 s->gateway_str, CONNECT_TIMEOUT_MS / 1000);
	note_failure(s, WV_FAIL_PEER_DEAD, msg);
	close_attempt(s, "connect timeout");
}

static void on_stop_timeout(void *arg)
{
	struct wv_session *s = arg;

	wv_dbg(&s->log, "NET", "orderly teardown timed out");
	attempt_over(s);
}

/* ---- attempts: Automatic's fallback and redial ---- */

/* Frees the current attempt's PPP and link.  Never from inside their own
 * callbacks: only from the attempt timer and wv_session_free(). */
static void end_attempt(struct wv_session *s)
{
	wv_timer_cancel(s->loop, &s->connect_timer);
	wv_timer_cancel(s->loop, &s->stop_timer);
	wv_timer_cancel(s->loop, &s->idle_timer);
	wv_timer_cancel(s->loop, &s->sleep_timer);
	sdhcp_stop(s->dhcp);
	sip6_stop(s->ip6);
	if (s->ppp)
		ppp_free(s->ppp);
	if (s->link)
		s->link_ops->free(s->link);
	s->ppp = NULL;
	s->link = NULL;
	s->link_up = false;
	s->ppp_dead = false;
	s->attempt_connected = false;
}

static int start_attempt(struct wv_session *s);

/* Another protocol may help when this one could not be spoken with the
 * gateway, not when the credentials were refused: the next would share them. */
static bool may_fall_back(enum wv_fail why)
{
	return why == WV_FAIL_UNREACHABLE || why == WV_FAIL_PEER_DEAD || why == WV_FAIL_PROTOCOL ||
	       why == WV_FAIL_PROPOSAL || why == WV_FAIL_CONFIG;
}

/* Windows redials when the link fails, not when the gateway says no. */
static bool may_redial(enum wv_fail why)
{
	return why == WV_FAIL_PEER_DEAD || why == WV_FAIL_UNREACHABLE || why == WV_FAIL_PROTOCOL;
}

static void remember_auto_failure(struct wv_session *s)
{
	char *all = wv_strdupf("%s%s: %s; ", s->auto_failures ? s->auto_failures : "", s->display,
			       s->why_msg ? s->why_msg : wv_fail_name(s->why));

	if (all) {
		free(s->auto_failures);
		s->auto_failures = all;
	}
}

/* The current attempt is over: its link is down, or would not go down in
 * time.  Next comes Automatic's next protocol, a redial, or the end. */
static void attempt_over(struct wv_session *s)
{
	unsigned max = wv_settings_uint(s->st, NM_WINVPN_KEY_REDIAL_ATTEMPTS);
	uint32_t delay_ms = 0;

	if (s->finished || wv_timer_armed(&s->attempt_timer))
		return;
	if (s->stopping || (s->asleep && !wv_settings_bool(s->st, NM_WINVPN_KEY_REDIAL))) {
		finish(s);
		return;
	}
	if (s->asleep) {
		/* hung up for a sleep: wv_session_wake() dials again */
		s->parked = true;
		wv_info(&s->log, "NET", _("will dial %s again when the computer wakes up"),
			s->gateway_str);
		set_state(s, WV_STATE_CONNECTING);
		return;
	}
	if (s->automatic && !s->attempt_connected && !s->redial_attempt &&
	    s->i_proto + 1 < s->n_protos && may_fall_back(s->why)) {
		wv_info(&s->log, "NET", _("Automatic: %s did not connect (%s); trying %s"),
			s->display, s->why_msg ? s->why_msg : wv_fail_name(s->why),
			s->protos[s->i_proto + 1]->display);
		remember_auto_failure(s);
		s->i_proto++;
	} else if (wv_settings_bool(s->st, NM_WINVPN_KEY_REDIAL) &&
		   (s->attempt_connected || s->redial_attempt) && may_redial(s->why) &&
		   s->redial_attempt < max) {
		s->redial_attempt++;
		delay_ms = wv_settings_uint(s->st, NM_WINVPN_KEY_REDIAL_INTERVAL) * 1000;
		wv_info(&s->log, "NET", _("the link to %s failed (%s); redialling in %u s "
					  "(attempt %u of %u)"),
			s->gateway_str, s->why_msg ? s->why_msg : wv_fail_name(s->why),
			delay_ms / 1000, s->redial_attempt, max);
		if (s->cb.redialing)
			s->cb.redialing(s->cb_arg, s->redial_attempt, max,
					s->why_msg ? s->why_msg : wv_fail_name(s->why));
	} else {
		if (s->auto_failures && !s->attempt_connected && !s->redial_attempt) {
			char *all = wv_strdupf(_("no protocol connected: %s%s: %s"),
					       s->auto_failures, s->display,
					       s->why_msg ? s->why_msg : wv_fail_name(s->why));
			if (all) {
				free(s->why_msg);
				s->why_msg = all;
			}
		}
		finish(s);
		return;
	}
	set_state(s, WV_STATE_CONNECTING);
	wv_timer_arm(s->loop, &s->attempt_timer, delay_ms);
}

static void on_attempt_timer(void *arg)
{
	struct wv_session *s = arg;

	end_attempt(s);
	free(s->why_msg);
	s->why_msg = NULL;
	s->why = WV_OK;
	if (s->redial_attempt && s->cb.redial_start)
		s->cb.redial_start(s->cb_arg, s->redial_attempt);
	if (start_attempt(s) < 0)
		attempt_over(s);
}

/* ---- public API ---- */

static void log_to_cb(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	struct wv_session *s = arg;

	if (s->cb.log)
		s->cb.log(s->cb_arg, lvl, subsys, msg);
}

static void fill_ppp_config(struct wv_session *s)
{
	const struct wv_settings *st = s->st;
	struct ppp_config *c = &s->pcfg;

	memset(c, 0, sizeof(*c));
	c->user = wv_settings_str(st, NM_WINVPN_KEY_USER);
	c->password = wv_settings_secret(st, NM_WINVPN_KEY_PASSWORD);
	c->domain = wv_settings_str(st, NM_WINVPN_KEY_DOMAIN);
	c->refuse_pap = wv_settings_bool(st, NM_WINVPN_KEY_REFUSE_PAP);
	c->refuse_chap = wv_settings_bool(st, NM_WINVPN_KEY_REFUSE_CHAP);
	c->refuse_mschap = wv_settings_bool(st, NM_WINVPN_KEY_REFUSE_MSCHAP);
	c->refuse_mschapv2 = wv_settings_bool(st, NM_WINVPN_KEY_REFUSE_MSCHAPV2);
	c->refuse_eap = wv_settings_bool(st, NM_WINVPN_KEY_REFUSE_EAP);
	c->eap_tls = !strcmp(wv_settings_str(st, NM_WINVPN_KEY_USER_AUTH_TYPE), "tls");
	c->user_ca = wv_settings_str(st, NM_WINVPN_KEY_USER_CA);
	c->user_cert = wv_settings_str(st, NM_WINVPN_KEY_USER_CERT);
	c->user_key = wv_settings_str(st, NM_WINVPN_KEY_USER_KEY);
	c->user_certpass = wv_settings_secret(st, NM_WINVPN_KEY_USER_CERTPASS);
	c->require_mppe = wv_settings_bool(st, NM_WINVPN_KEY_REQUIRE_MPPE);
	c->require_mppe_40 = wv_settings_bool(st, NM_WINVPN_KEY_REQUIRE_MPPE_40);
	c->require_mppe_128 = wv_settings_bool(st, NM_WINVPN_KEY_REQUIRE_MPPE_128);
	c->mppe_stateful = wv_settings_bool(st, NM_WINVPN_KEY_MPPE_STATEFUL);
	c->mppe_possible = s->proto->mppe_possible;
	c->mru = wv_settings_uint(st, NM_WINVPN_KEY_MRU);
	c->mtu = wv_settings_uint(st, NM_WINVPN_KEY_MTU);
	c->lcp_echo_interval = wv_settings_uint(st, NM_WINVPN_KEY_LCP_ECHO_INTERVAL);
	c->lcp_echo_failure = wv_settings_uint(st, NM_WINVPN_KEY_LCP_ECHO_FAILURE);
	c->ipv6 = wv_settings_bool(st, NM_WINVPN_KEY_IPV6);
}

/* The protocol setting: one protocol, or Automatic's list. */
static int pick_protocols(struct wv_session *s, char **err)
{
	const char *name = wv_settings_str(s->st, NM_WINVPN_KEY_PROTOCOL);
	size_t i;

	s->automatic = strcmp(name, "auto") == 0;
	if (!s->automatic) {
		s->protos[s->n_protos++] = wv_proto_find(name);
	} else {
		for (i = 0; i < ARRAY_SIZE(auto_order); i++)
			s->protos[s->n_protos++] = wv_proto_find(auto_order[i]);
	}
	for (i = 0; i < s->n_protos; i++) {
		if (!s->protos[i]) {
			if (err)
				*err = wv_strdupf(_("unsupported protocol '%s'"), name);
			return -EINVAL;
		}
	}
	s->proto = s->protos[0];
	s->display = s->proto->display;
	return 0;
}

struct wv_session *wv_session_new(const struct wv_settings *st, const struct wv_callbacks *cb,
				  void *arg, char **err)
{
	struct wv_session *s;

	if (wv_settings_check(st, err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->tun_fd = -1;
	s->cb = *cb;
	s->cb_arg = arg;
	s->log.fn = log_to_cb;
	s->log.arg = s;
	s->log.level = WV_LOG_INFO;
	s->st = wv_settings_dup(st);
	s->loop = wv_loop_new();
	if (!s->st || !s->loop)
		goto oom;
	if (pick_protocols(s, err) < 0) {
		wv_session_free(s);
		return NULL;
	}
	wv_timer_init(&s->connect_timer, on_connect_timeout, s);
	wv_timer_init(&s->stop_timer, on_stop_timeout, s);
	wv_timer_init(&s->attempt_timer, on_attempt_timer, s);
	wv_timer_init(&s->idle_timer, on_idle_timer, s);
	wv_timer_init(&s->sleep_timer, on_sleep_timer, s);
	s->dhcp = sdhcp_new(s->loop, &s->log, s->st, &sdhcp_events, s, err);
	if (!s->dhcp) {
		wv_session_free(s);
		return NULL;
	}
	s->ip6 = sip6_new(s->loop, &s->log, &sip6_events, s);
	if (!s->ip6)
		goto oom;
	return s;
oom:
	if (err)
		*err = strdup(_("out of memory"));
	wv_session_free(s);
	return NULL;
}

void wv_session_free(struct wv_session *s)
{
	if (!s)
		return;
	if (s->loop) {
		end_attempt(s);
		wv_timer_cancel(s->loop, &s->attempt_timer);
		wv_resolve_cancel(s->resolve);
		wv_netmon_free(s->netmon);
		sdhcp_free(s->dhcp);
		sip6_free(s->ip6);
	}
	close_tun(s);
	if (s->loop)
		wv_loop_free(s->loop);
	wv_settings_free(s->st);
	free(s->why_msg);
	free(s->auto_failures);
	free(s);
}

void wv_session_set_log_level(struct wv_session *s, enum wv_log_level lvl)
{
	s->log.level = lvl;
}

/* Creates and starts the current protocol's PPP and link. */
static int start_attempt(struct wv_session *s)
{
	char msg[256], *lerr = NULL;
	int r;

	s->proto = s->protos[s->i_proto];
	s->display = s->proto->display;
	if (s->proto->display_plain && !wv_settings_bool(s->st, NM_WINVPN_KEY_IPSEC_ENABLED))
		s->display = s->proto->display_plain;
	fill_ppp_config(s);
	s->ppp = ppp_new(s->loop, &s->log, &s->pcfg, &ppp_events, s);
	if (!s->ppp) {
		note_failure(s, WV_FAIL_LOCAL, _("out of memory"));
		return -ENOMEM;
	}
	s->link_ops = s->proto->ops_for(s->st);
	s->link = s->proto->link_new(s->loop, &s->log, s->st, s->gateway, &link_events, s,
				     &lerr);
	if (!s->link) {
		note_failure(s, WV_FAIL_CONFIG, lerr ? lerr : _("out of memory"));
		free(lerr);
		return -EINVAL;
	}
	wv_info(&s->log, "NET", _("connecting to %s (%s) with %s on %s"),
		wv_settings_str(s->st, NM_WINVPN_KEY_GATEWAY), s->gateway_str, s->display,
		s->ifname);
	wv_timer_arm(s->loop, &s->connect_timer, CONNECT_TIMEOUT_MS);
	r = s->link_ops->start(s->link);
	if (r < 0) {
		snprintf(msg, sizeof(msg), _("cannot start %s: %s"), s->display, strerror(-r));
		note_failure(s, WV_FAIL_LOCAL, msg);
		return r;
	}
	return 0;
}

/* The interface under the tunnel went away: end the attempt now rather than
 * when LCP echo or DPD notice, and redial if asked to (which fails until the
 * network is back, then gives up with this cause). */
static void on_network_gone(void *arg, const char *why)
{
	struct wv_session *s = arg;

	if (s->stopping || s->finished || !s->link || wv_timer_armed(&s->attempt_timer))
		return;
	hang_up(s, why, "network gone");
}

static void on_resolved(void *arg, int gai_err, struct in_addr addr)
{
	struct wv_session *s = arg;
	char msg[256];

	s->resolve = NULL;
	if (gai_err) {
		snprintf(msg, sizeof(msg), _("cannot resolve the gateway '%s': %s"),
			 wv_settings_str(s->st, NM_WINVPN_KEY_GATEWAY), gai_strerror(gai_err));
		note_failure(s, WV_FAIL_UNREACHABLE, msg);
		finish(s);
		return;
	}
	s->gateway = addr;
	inet_ntop(AF_INET, &s->gateway, s->gateway_str, sizeof(s->gateway_str));
	s->netmon = wv_netmon_new(s->loop, &s->log, s->gateway, s->ifname, on_network_gone, s);
	if (!s->netmon)
		wv_dbg(&s->log, "NET", "no network monitor (%s); LCP echo and DPD still watch the "
		       "gateway", strerror(errno));
	if (s->asleep) {
		s->parked = true;        /* wv_session_wake() dials */
		return;
	}
	if (start_attempt(s) < 0)
		attempt_over(s);
}

/* Opens the TUN device, then looks the gateway up without blocking; dialling
 * starts when the address is known (on_resolved). */
int wv_session_start(struct wv_session *s)
{
	char msg[256];
	int r;

	set_state(s, WV_STATE_CONNECTING);
	snprintf(s->ifname, sizeof(s->ifname), "winvpn%%d");
	s->tun_fd = tun_open(s->ifname);
	if (s->tun_fd < 0) {
		r = s->tun_fd;
		snprintf(msg, sizeof(msg), _("cannot create a TUN device: %s%s"), strerror(-r),
			 r == -EPERM || r == -EACCES ? _(" (winvpn needs root or CAP_NET_ADMIN)") : "");
		note_failure(s, WV_FAIL_LOCAL, msg);
		goto fail;
	}
	wv_loop_add_fd(s->loop, s->tun_fd, EPOLLIN, on_tun, s);
	s->resolve = wv_resolve_start(s->loop, wv_settings_str(s->st, NM_WINVPN_KEY_GATEWAY),
				      on_resolved, s);
	if (!s->resolve) {
		r = -errno;
		snprintf(msg, sizeof(msg), _("cannot look up the gateway: %s"), strerror(-r));
		note_failure(s, WV_FAIL_LOCAL, msg);
		goto fail;
	}
	return 0;
fail:
	finish(s);
	return r;
}

void wv_session_stop(struct wv_session *s)
{
	if (s->finished || s->stopping)
		return;
	s->stopping = true;
	sdhcp_stop(s->dhcp);
	note_failure(s, WV_OK, NULL);
	/* Between attempts, or still looking the gateway up: nothing to close. */
	if (s->resolve || wv_timer_armed(&s->attempt_timer)) {
		finish(s);
		return;
	}
	close_attempt(s, "user request");
}

void wv_session_sleep(struct wv_session *s)
{
	char msg[160];

	if (s->finished || s->stopping || s->asleep)
		return;
	snprintf(msg, sizeof(msg), _("the computer is going to sleep; hung up the session with %s"),
		 s->gateway_str[0] ? s->gateway_str : wv_settings_str(s->st, NM_WINVPN_KEY_GATEWAY));
	wv_info(&s->log, "NET", "%s", msg);
	s->asleep = true;
	wv_timer_cancel(s->loop, &s->sleep_timer);
	if (s->resolve)
		return;                  /* nothing to hang up yet (see on_resolved) */
	note_failure(s, WV_FAIL_UNREACHABLE, msg);
	if (wv_timer_armed(&s->attempt_timer)) {
		/* between attempts: the next one waits for the wake */
		wv_timer_cancel(s->loop, &s->attempt_timer);
		attempt_over(s);
		return;
	}
	/* Quickly: logind waits for us only a few seconds (InhibitDelayMaxSec). */
	close_attempt(s, "suspend");
	wv_timer_arm(s->loop, &s->stop_timer, SLEEP_STOP_MS);
}

void wv_session_wake(struct wv_session *s)
{
	if (!s->asleep || s->finished || s->stopping)
		return;
	s->asleep = false;
	if (!s->parked)
		return;                  /* still saying goodbye: attempt_over() goes on as usual */
	s->parked = false;
	s->redial_attempt = 1;
	wv_info(&s->log, "NET", _("the computer woke up; dialling %s again"), s->gateway_str);
	if (s->cb.redialing)
		s->cb.redialing(s->cb_arg, s->redial_attempt,
				wv_settings_uint(s->st, NM_WINVPN_KEY_REDIAL_ATTEMPTS),
				s->why_msg ? s->why_msg : wv_fail_name(s->why));
	wv_timer_arm(s->loop, &s->attempt_timer, 0);
}

int wv_session_fd(const struct wv_session *s)
{
	return wv_loop_fd(s->loop);
}

int wv_session_timeout_ms(struct wv_session *s)
{
	return wv_loop_timeout(s->loop);
}

void wv_session_dispatch(struct wv_session *s)
{
	wv_loop_dispatch(s->loop, 0);
}

bool wv_session_finished(const struct wv_session *s)
{
	return s->finished;
}

enum wv_state wv_session_state(const struct wv_session *s)
{
	return s->state;
}

enum wv_fail wv_session_run(struct wv_session *s)
{
	while (!s->finished) {
		if (wv_loop_dispatch(s->loop, -1) < 0 && errno != EINTR)
			break;
	}
	return s->why;
}

void wv_session_stats(const struct wv_session *s, struct wv_stats *out)
{
	*out = s->stats;
}
