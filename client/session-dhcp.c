/* session-dhcp.c -- after IPCP, ask the gateway's DHCP relay for what PPP
 * cannot carry (windows-interop.md §5), merge it with IPCP's answer, and apply
 * Windows' routing rules before the session reports its IPv4 configuration.
 *
 * The wait.  A Windows client configures the interface from IPCP and lets the
 * DHCPINFORM answer refine it; our hosts (the vpnc-script, NetworkManager)
 * apply a configuration in one go, so the first report waits for the DHCPACK,
 * but only briefly: SDHCP_HOLD_MS (1 s) with one retransmission at 500 ms.  A
 * relay on the gateway's LAN answers in well under that (tens of ms over the
 * tunnel), and most gateways (pptpd, xl2tpd, RRAS without the relay) never
 * answer, so every such connection pays the full wait: 1 s keeps that cost
 * small.  The exchange then goes on in the background with the same xid,
 * trying again 4 s and 12 s after the first try (RFC 2131 §4.1's doubling
 * from 4 s) and giving up at 28 s; a late DHCPACK makes a second report with
 * update=true.  No answer at all is normal and logs one info line. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "dhcp/dhcp.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "session-dhcp.h"
#include "settings.h"

/* Waits after each try: 0 -> 0.5 s -> 4 s -> 12 s -> gives up at 28 s.  The
 * retransmission inside the hold matters: the gateway opens its side of IPCP
 * a moment after we do (pppd sets the address and lets IP pass only in its
 * ipcp_up, after it sent the last Configure-Ack), and in the lab (pppd in a
 * loaded UML guest) the first INFORM, sent at once, is lost to that nearly
 * every time; a retransmission at 0.4 s was still too early in 3 of 5
 * connections, at 0.5 s it was answered in 12 of 14 (the other two at the
 * 4 s try, as an update).  More tries inside the hold would catch slower
 * gateways, at one more packet each. */
static const uint32_t sdhcp_schedule[] = { 500, 3500, 8000, 16000 };

struct sdhcp {
	struct wv_loop *loop;
	const struct wv_log *lg;
	struct sdhcp_events ev;
	void *arg;
	struct sdhcp_policy pol;
	bool inform;                   /* setting dhcp-inform */
	struct dhcp_inform *x;         /* the running exchange, NULL when none */
	struct wv_timer hold;
	struct wv_ip4_config base;     /* IPCP's view, kept for a late answer */
	bool reported;                 /* the first report of this link went out */
	bool ever_reported;            /* of the session: later ones are updates */
};

/* ---- the rules ---- */

static uint32_t prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static bool route_covers(const struct wv_route4 *r, struct in_addr a)
{
	uint32_t m = prefix_mask(r->prefix);

	return (ntohl(a.s_addr) & m) == (ntohl(r->dst.s_addr) & m);
}

static void route_fmt(const struct wv_route4 *r, char *buf, size_t size)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->dst, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, (unsigned)r->prefix);
}

int sdhcp_parse_routes(const char *text, struct wv_route4 *out, unsigned max, unsigned *n,
		       char **err)
{
	const char *p = text ? text : "";

	*n = 0;
	while (*p) {
		char tok[64], addr[INET_ADDRSTRLEN + 1], *slash, *end;
		size_t len = strcspn(p, " \t,");
		struct in_addr a;
		unsigned long plen = 32;
		struct wv_route4 r;

		if (len == 0) {
			p++;
			continue;
		}
		if (len >= sizeof(tok)) {
			if (err)
				*err = wv_strdupf(_("invalid routes: '%.*s' is not an IPv4 prefix "
						    "like 10.0.0.0/8"), (int)MIN(len, 64), p);
			return -EINVAL;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		slash = strchr(tok, '/');
		if (slash) {
			if (slash[1] < '0' || slash[1] > '9')
				goto bad;
			errno = 0;
			plen = strtoul(slash + 1, &end, 10);
			if (*end || errno || plen > 32)
				goto bad;
		}
		if ((size_t)(slash ? slash - tok : (ptrdiff_t)len) >= sizeof(addr))
			goto bad;
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash ? slash - tok : (ptrdiff_t)len),
			 tok);
		if (inet_pton(AF_INET, addr, &a) != 1)
			goto bad;
		r.prefix = (uint8_t)plen;
		r.dst.s_addr = htonl(ntohl(a.s_addr) & prefix_mask(r.prefix));
		r.gateway.s_addr = 0;
		if (r.dst.s_addr != a.s_addr) {
			if (err)
				*err = wv_strdupf(_("invalid routes: '%s' has host bits set (did you "
						    "mean %s/%lu?)"), tok,
						  inet_ntop(AF_INET, &r.dst, addr, sizeof(addr)),
						  plen);
			return -EINVAL;
		}
		if (*n >= max) {
			if (err)
				*err = wv_strdupf(_("invalid routes: more than %u prefixes"), max);
			return -EINVAL;
		}
		out[(*n)++] = r;
		continue;
bad:
		if (err)
			*err = wv_strdupf(_("invalid routes: '%s' is not an IPv4 prefix like "
					    "10.0.0.0/8"), tok);
		return -EINVAL;
	}
	return 0;
}

bool sdhcp_class_route(struct in_addr addr, struct wv_route4 *r)
{
	uint32_t a = ntohl(addr.s_addr);
	uint8_t len;

	if ((a >> 24) == 0)
		return false;
	if (a < 0x80000000u)
		len = 8;        /* class A: 0xxx */
	else if (a < 0xc0000000u)
		len = 16;       /* class B: 10xx */
	else if (a < 0xe0000000u)
		len = 24;       /* class C: 110x */
	else
		return false;   /* D (multicast), E */
	r->prefix = len;
	r->dst.s_addr = htonl(a & prefix_mask(len));
	r->gateway.s_addr = 0;
	return true;
}

static bool route_add(struct wv_ip4_config *c, const struct wv_route4 *r, const char *what,
		      const struct wv_log *lg)
{
	char rs[40], gw[INET_ADDRSTRLEN];
	unsigned i;

	route_fmt(r, rs, sizeof(rs));
	if (r->prefix == 0) {
		/* The default route is never-default's business, not a route entry. */
		wv_info(lg, "NET", _("ignoring the %s route %s: the default route through the "
				     "tunnel is set by never-default=no"), what, rs);
		return false;
	}
	for (i = 0; i < c->n_routes; i++)
		if (c->routes[i].prefix == r->prefix && c->routes[i].dst.s_addr == r->dst.s_addr)
			return false;
	/* The gateway must stay reachable outside the tunnel.  The host (the
	 * vpnc-script through VPNGATEWAY, NetworkManager through the external
	 * gateway) installs a /32 route to it over the physical network, which
	 * wins over any shorter prefix; a /32 for the gateway itself would
	 * replace or clash with that route and loop the tunnel into itself. */
	if (r->prefix == 32 && route_covers(r, c->gateway)) {
		inet_ntop(AF_INET, &c->gateway, gw, sizeof(gw));
		wv_info(lg, "NET", _("dropping the %s route %s: it would send the traffic to the "
				     "gateway %s itself into the tunnel"), what, rs, gw);
		return false;
	}
	if (c->n_routes >= WV_MAX_ROUTES) {
		wv_info(lg, "NET", _("dropping the %s route %s: more than %u routes"), what, rs,
			WV_MAX_ROUTES);
		return false;
	}
	if (r->prefix < 32 && route_covers(r, c->gateway)) {
		inet_ntop(AF_INET, &c->gateway, gw, sizeof(gw));
		wv_dbg(lg, "NET", "%s route %s covers the gateway %s; its host route keeps it "
		       "outside the tunnel", what, rs, gw);
	}
	c->routes[c->n_routes++] = *r;
	return true;
}

/* Drops repeats and 0.0.0.0, keeping the order (pptpd, for one, gives the
 * same ms-dns as primary and secondary). */
static unsigned addrs_dedup(struct in_addr *a, unsigned n)
{
	unsigned i, j, k = 0;

	for (i = 0; i < n; i++) {
		bool dup = a[i].s_addr == 0;

		for (j = 0; j < k && !dup; j++)
			dup = a[j].s_addr == a[i].s_addr;
		if (!dup)
			a[k++] = a[i];
	}
	return k;
}

void sdhcp_build(struct wv_ip4_config *out, const struct wv_ip4_config *base,
		 const struct dhcp_info *info, const struct sdhcp_policy *pol,
		 const struct wv_log *lg)
{
	struct wv_route4 cr;
	unsigned i;

	*out = *base;
	out->never_default = pol->never_default;
	out->n_routes = 0;
	out->domain[0] = '\0';
	out->n_search = 0;
	out->source = "IPCP";
	if (info) {
		out->source = "IPCP+DHCPINFORM";
		/* DNS and WINS from DHCPINFORM override IPCP's (windows-interop.md §5). */
		if (info->n_dns) {
			out->n_dns = MIN(info->n_dns, (unsigned)WV_MAX_DNS);
			for (i = 0; i < out->n_dns; i++)
				out->dns[i] = info->dns[i];
		}
		if (info->n_wins) {
			out->n_nbns = MIN(info->n_wins, (unsigned)WV_MAX_NBNS);
			for (i = 0; i < out->n_nbns; i++)
				out->nbns[i] = info->wins[i];
		}
		snprintf(out->domain, sizeof(out->domain), "%s", info->domain);
		out->n_search = MIN(info->n_search, (unsigned)WV_MAX_SEARCH);
		for (i = 0; i < out->n_search; i++)
			snprintf(out->search[i], sizeof(out->search[i]), "%s", info->search[i]);
		for (i = 0; i < info->n_routes; i++) {
			struct wv_route4 r = {
				.dst = info->routes[i].prefix,
				.prefix = info->routes[i].len,
				.gateway = info->routes[i].gateway,
			};
			if (r.prefix == 0) {
				/* A default route is the full tunnel's business, and split
				 * mode means the user does not want one. */
				wv_info(lg, "NET", pol->never_default ?
					_("ignoring the pushed default route (never-default=yes)") :
					_("the pushed default route is the tunnel's default route"));
				continue;
			}
			route_add(out, &r, "pushed", lg);
		}
	}
	out->n_dns = addrs_dedup(out->dns, MIN(out->n_dns, (unsigned)WV_MAX_DNS));
	out->n_nbns = addrs_dedup(out->nbns, MIN(out->n_nbns, (unsigned)WV_MAX_NBNS));
	if (pol->never_default && pol->class_route && sdhcp_class_route(base->local, &cr))
		route_add(out, &cr, "class-based", lg);
	for (i = 0; i < pol->n_user; i++)
		route_add(out, &pol->user[i], "configured", lg);
}

void sdhcp_routes_str(const struct wv_ip4_config *cfg, char *buf, size_t size)
{
	size_t off = 0;
	unsigned i;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < cfg->n_routes; i++) {
		char rs[40];
		int n;

		route_fmt(&cfg->routes[i], rs, sizeof(rs));
		n = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", rs);
		if (n < 0 || (size_t)n >= size - off) {
			if (size >= 4)
				memcpy(buf + size - 4, "...", 4);
			return;
		}
		off += (size_t)n;
	}
}

/* ---- the exchange ---- */

static void sdhcp_report(struct sdhcp *sd, const struct dhcp_info *info)
{
	struct wv_ip4_config cfg;
	char routes[200], dns[WV_MAX_DNS * (INET_ADDRSTRLEN + 2)] = "";
	unsigned i;

	sdhcp_build(&cfg, &sd->base, info, &sd->pol, sd->lg);
	cfg.update = sd->ever_reported;
	sd->reported = true;
	sd->ever_reported = true;
	sdhcp_routes_str(&cfg, routes, sizeof(routes));
	for (i = 0; i < cfg.n_dns; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &cfg.dns[i], a, sizeof(a));
		snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns), "%s%s", i ? ", " : "", a);
	}
	if (info && info->routes_option)
		wv_info(sd->lg, "NET", _("routes: %s (DHCPINFORM option %u); domain %s; DNS %s"),
			cfg.n_routes ? routes : _("none"), (unsigned)info->routes_option,
			cfg.domain[0] ? cfg.domain : _("none"), cfg.n_dns ? dns : _("none"));
	else
		wv_info(sd->lg, "NET", _("routes: %s (%s); domain %s; DNS %s"),
			cfg.n_routes ? routes : _("none"),
			cfg.never_default ? _("split tunnel") : _("default route through the tunnel"),
			cfg.domain[0] ? cfg.domain : _("none"), cfg.n_dns ? dns : _("none"));
	sd->ev.report(sd->arg, &cfg);
}

static int sdhcp_send(void *arg, struct pkt *p)
{
	struct sdhcp *sd = arg;

	return sd->ev.send_ip(sd->arg, p);
}

static void sdhcp_done(void *arg, const struct dhcp_info *info)
{
	struct sdhcp *sd = arg;
	struct dhcp_inform *x = sd->x;

	sd->x = NULL;
	wv_timer_cancel(sd->loop, &sd->hold);
	if (info || !sd->reported)
		sdhcp_report(sd, info);
	dhcp_inform_free(x);
}

static void sdhcp_hold_expired(void *arg)
{
	struct sdhcp *sd = arg;

	if (sd->reported)
		return;
	wv_dbg(sd->lg, "DHCP", "no DHCPACK within %u ms; reporting IPCP's configuration and "
	       "asking again in the background", SDHCP_HOLD_MS);
	sdhcp_report(sd, NULL);
}

struct sdhcp *sdhcp_new(struct wv_loop *loop, const struct wv_log *lg,
			const struct wv_settings *st, const struct sdhcp_events *ev, void *arg,
			char **err)
{
	struct sdhcp *sd = calloc(1, sizeof(*sd));

	if (!sd) {
		if (err)
			*err = strdup(_("out of memory"));
		return NULL;
	}
	sd->loop = loop;
	sd->lg = lg;
	sd->ev = *ev;
	sd->arg = arg;
	wv_timer_init(&sd->hold, sdhcp_hold_expired, sd);
	sd->inform = wv_settings_bool(st, NM_WINVPN_KEY_DHCP_INFORM);
	sd->pol.never_default = wv_settings_bool(st, NM_WINVPN_KEY_NEVER_DEFAULT);
	sd->pol.class_route = sd->pol.never_default &&
			      !wv_settings_bool(st, NM_WINVPN_KEY_DISABLE_CLASS_ROUTE);
	if (sdhcp_parse_routes(wv_settings_str(st, NM_WINVPN_KEY_ROUTES), sd->pol.user,
			       WV_MAX_ROUTES, &sd->pol.n_user, err) < 0) {
		free(sd);
		return NULL;
	}
	return sd;
}

void sdhcp_ip4_up(struct sdhcp *sd, const struct wv_ip4_config *base)
{
	struct dhcp_inform_config dc;
	static const struct dhcp_inform_events dev = { .send_ip = sdhcp_send,
						       .done = sdhcp_done };

	sdhcp_stop(sd);
	sd->base = *base;
	sd->reported = false;
	if (!sd->inform) {
		sdhcp_report(sd, NULL);
		return;
	}
	memset(&dc, 0, sizeof(dc));
	dc.local = base->local;
	dc.peer = base->peer;
	dc.schedule_ms = sdhcp_schedule;
	dc.n_schedule = ARRAY_SIZE(sdhcp_schedule);
	sd->x = dhcp_inform_new(sd->loop, sd->lg, &dc, &dev, sd);
	if (!sd->x || dhcp_inform_start(sd->x) < 0) {
		wv_dbg(sd->lg, "DHCP", "cannot start the DHCPINFORM exchange");
		dhcp_inform_free(sd->x);
		sd->x = NULL;
		sdhcp_report(sd, NULL);
		return;
	}
	wv_timer_arm(sd->loop, &sd->hold, SDHCP_HOLD_MS);
}

/* The cheap test every delivered packet passes through: IPv4, UDP, 67 -> 68. */
static bool maybe_dhcp_reply(const uint8_t *b, size_t len)
{
	size_t ihl;

	if (len < DHCP_IP_UDP_LEN || b[0] >> 4 != 4 || b[9] != IPPROTO_UDP)
		return false;
	ihl = (size_t)(b[0] & 0x0f) * 4;
	return len >= ihl + 4 && b[ihl] == 0 && b[ihl + 1] == DHCP_SERVER_PORT &&
	       b[ihl + 2] == 0 && b[ihl + 3] == DHCP_CLIENT_PORT;
}

bool sdhcp_input(struct sdhcp *sd, struct pkt *p)
{
	const uint8_t *payload;
	size_t len;

	if (!sd || !maybe_dhcp_reply(p->data, p->len))
		return false;
	if (sd->x && dhcp_inform_input(sd->x, p))
		return true;
	/* A reply after the exchange ended (a duplicate, another try's answer)
	 * is still ours, never the TUN device's. */
	if (dhcp_ip_strip(p->data, p->len, &payload, &len) == -ENOENT)
		return false;
	wv_dbg(sd->lg, "DHCP", "dropping a DHCP reply that came after the exchange");
	pkt_free(p);
	return true;
}

void sdhcp_stop(struct sdhcp *sd)
{
	if (!sd)
		return;
	wv_timer_cancel(sd->loop, &sd->hold);
	dhcp_inform_free(sd->x);
	sd->x = NULL;
}

void sdhcp_free(struct sdhcp *sd)
{
	if (!sd)
		return;
	sdhcp_stop(sd);
	free(sd);
}
