/* session-ip6.c -- IPv6 over the tunnel, between PPP and the host.
 *
 * When IPV6CP opens, fe80::<our id>/64 goes on the TUN device (tun.h) and
 * the host gets both link-local addresses (fe80:: and the negotiated
 * interface identifiers, RFC 5072 §5) at once; we then send a
 * Router Solicitation from fe80::<our id> to ff02::2 (RFC 4861 §6.3.7: up
 * to 3, 4 s apart; the initial random delay is left out, there is no other
 * host on a PPP link to desynchronise from) and each Router Advertisement
 * that changes what the host should configure -- SLAAC addresses (prefix +
 * our identifier, RFC 4862 §5.5.3), on-link prefixes and RFC 4191 routes,
 * the default route, RDNSS -- is reported again with update=true.
 *
 * Router Advertisements are consumed here, never written to the TUN device:
 * the host's configuration comes from one place (NetworkManager or the
 * vpnc-script, from our report), and a kernel accepting the RA itself would
 * add a second SLAAC address with its own interface identifier and a
 * default route that never-default cannot veto.  Everything else (echo,
 * neighbour traffic, data) goes to the TUN device.
 *
 * Lifetimes are taken as given (a prefix or route with lifetime 0 goes away
 * on the next advertisement); they are not counted down. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ip6/ra.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "ppp/ppp.h"
#include "session-ip6.h"
#include "tun.h"

struct sip6 {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct sip6_events ev;
	void *arg;

	bool up;                  /* IPV6CP is open in this attempt */
	bool reported;            /* the host has had a report in this session */
	bool ra_seen;
	uint8_t local_id[8];
	unsigned rs_sent;
	struct wv_timer rs_timer;
	struct wv_ip6_config cfg; /* as last reported */
};

/* fe80::<our id>/64 on the TUN device (tun.h).  Again after every report to
 * the host: the vpnc-script applies an update as disconnect + connect, and
 * taking the link down removes link-local addresses (keep_addr_on_down
 * keeps only the others). */
static void sip6_add_ll(struct sip6 *si)
{
	int r;

	if (!si->up)
		return;
	r = tun_ip6_add_ll(si->cfg.ifname, si->local_id);
	if (r < 0 && r != -EEXIST)
		wv_dbg(si->log, "NET", "IPv6: cannot add the link-local address to %s: %s",
		       si->cfg.ifname, strerror(-r));
}

void sip6_host_changed(struct sip6 *si)
{
	if (si)
		sip6_add_ll(si);
}

static void sip6_report(struct sip6 *si)
{
	si->cfg.update = si->reported;
	si->reported = true;
	if (si->ev.report)
		si->ev.report(si->arg, &si->cfg);
	sip6_add_ll(si);
}

static void sip6_send_rs(struct sip6 *si)
{
	struct pkt *p = pkt_alloc();
	uint8_t *b;
	size_t n;

	if (!p)
		return;
	b = pkt_put(p, IP6_HDRLEN + 8);
	n = b ? ra_build_rs(b, IP6_HDRLEN + 8, si->local_id) : 0;
	if (!n) {
		pkt_free(p);
		return;
	}
	si->rs_sent++;
	wv_dbg(si->log, "NET", "IPv6: router solicitation %u of %u", si->rs_sent, RA_MAX_RS);
	if (si->ev.send_ip)
		si->ev.send_ip(si->arg, p);
	else
		pkt_free(p);
}

static void on_rs_timer(void *arg)
{
	struct sip6 *si = arg;

	if (!si->up || si->ra_seen)
		return;
	if (si->rs_sent >= RA_MAX_RS) {
		wv_dbg(si->log, "NET", "IPv6: no router advertisement after %u solicitations; "
		       "link-local only", si->rs_sent);
		return;
	}
	sip6_send_rs(si);
	wv_timer_arm(si->loop, &si->rs_timer, RA_RS_INTERVAL_MS);
}

struct sip6 *sip6_new(struct wv_loop *loop, const struct wv_log *lg, const struct sip6_events *ev,
		      void *arg)
{
	struct sip6 *si = calloc(1, sizeof(*si));

	if (!si)
		return NULL;
	si->loop = loop;
	si->log = lg;
	si->ev = *ev;
	si->arg = arg;
	wv_timer_init(&si->rs_timer, on_rs_timer, si);
	return si;
}

void sip6_free(struct sip6 *si)
{
	if (!si)
		return;
	wv_timer_cancel(si->loop, &si->rs_timer);
	free(si);
}

void sip6_stop(struct sip6 *si)
{
	if (!si)
		return;
	si->up = false;
	wv_timer_cancel(si->loop, &si->rs_timer);
}

void sip6_up(struct sip6 *si, const char *ifname, const struct ppp_ip6 *ids)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!si)
		return;
	memset(&si->cfg, 0, sizeof(si->cfg));
	snprintf(si->cfg.ifname, sizeof(si->cfg.ifname), "%s", ifname);
	memcpy(si->local_id, ids->local_id, 8);
	ra_link_local(&si->cfg.local_ll, ids->local_id);
	ra_link_local(&si->cfg.peer_ll, ids->peer_id);
	si->up = true;
	si->ra_seen = false;
	si->rs_sent = 0;
	inet_ntop(AF_INET6, &si->cfg.local_ll, a, sizeof(a));
	inet_ntop(AF_INET6, &si->cfg.peer_ll, b, sizeof(b));
	wv_info(si->log, "NET", _("IPv6 is up: link-local address %s, gateway %s"), a, b);
	/* The link-local address is the link's (see tun.h); the host sets the rest. */
	sip6_add_ll(si);
	sip6_report(si);
	if (!si->up)
		return;    /* the host stopped us from its callback */
	sip6_send_rs(si);
	wv_timer_arm(si->loop, &si->rs_timer, RA_RS_INTERVAL_MS);
}

static bool prefix_listed(const struct wv_prefix6 *list, unsigned n, const struct in6_addr *a,
			  uint8_t len)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (list[i].len == len && memcmp(&list[i].addr, a, sizeof(*a)) == 0)
			return true;
	return false;
}

static void add_prefix(struct wv_prefix6 *list, unsigned *n, unsigned max,
		       const struct in6_addr *a, uint8_t len)
{
	if (*n >= max || prefix_listed(list, *n, a, len))
		return;
	list[*n].addr = *a;
	list[*n].len = len;
	(*n)++;
}

void sip6_apply_ra(struct wv_ip6_config *cfg, const struct ra_info *ra, const uint8_t ifid[8])
{
	struct in6_addr a;
	unsigned i;

	memset(cfg->addrs, 0, sizeof(cfg->addrs));
	memset(cfg->routes, 0, sizeof(cfg->routes));
	memset(cfg->dns, 0, sizeof(cfg->dns));
	cfg->n_addrs = cfg->n_routes = cfg->n_dns = 0;
	cfg->default_route = ra->router_lifetime > 0;
	for (i = 0; i < ra->n_prefixes; i++) {
		const struct ra_prefix *p = &ra->prefixes[i];

		if (p->valid == 0)
			continue;     /* RFC 4862 §5.5.3 e): the prefix is withdrawn */
		if (ra_slaac_addr(&a, p, ifid))
			add_prefix(cfg->addrs, &cfg->n_addrs, WV_MAX_IP6_PREFIXES, &a, p->len);
		if (p->onlink)
			add_prefix(cfg->routes, &cfg->n_routes, WV_MAX_IP6_ROUTES, &p->prefix,
				   p->len);
	}
	for (i = 0; i < ra->n_routes; i++) {
		const struct ra_route *r = &ra->routes[i];

		if (r->lifetime == 0)
			continue;
		if (r->len == 0)
			cfg->default_route = true;   /* RFC 4191 §3: ::/0 is a default route */
		else
			add_prefix(cfg->routes, &cfg->n_routes, WV_MAX_IP6_ROUTES, &r->prefix,
				   r->len);
	}
	if (ra->dns_lifetime)
		for (i = 0; i < ra->n_dns && cfg->n_dns < WV_MAX_DNS; i++)
			cfg->dns[cfg->n_dns++] = ra->dns[i];
}

static void appendf(char *buf, size_t size, size_t *n, const char *fmt, ...) WV_PRINTF(4, 5);
static void appendf(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= size)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r;
}

static void sip6_log_cfg(struct sip6 *si, const struct ra_info *ra)
{
	char line[512], a[INET6_ADDRSTRLEN];
	size_t n = 0;
	unsigned i;

	line[0] = '\0';
	for (i = 0; i < si->cfg.n_addrs; i++) {
		inet_ntop(AF_INET6, &si->cfg.addrs[i].addr, a, sizeof(a));
		appendf(line, sizeof(line), &n, "%s%s/%u", i ? ", " : "address ", a,
			si->cfg.addrs[i].len);
	}
	for (i = 0; i < si->cfg.n_routes; i++) {
		inet_ntop(AF_INET6, &si->cfg.routes[i].addr, a, sizeof(a));
		appendf(line, sizeof(line), &n, "%s%s/%u", i ? ", " : "; routes ", a,
			si->cfg.routes[i].len);
	}
	if (si->cfg.default_route)
		appendf(line, sizeof(line), &n, "; default route");
	for (i = 0; i < si->cfg.n_dns; i++) {
		inet_ntop(AF_INET6, &si->cfg.dns[i], a, sizeof(a));
		appendf(line, sizeof(line), &n, "%s%s", i ? ", " : "; DNS ", a);
	}
	if (ra->mtu)
		appendf(line, sizeof(line), &n, "; MTU %u", ra->mtu);
	wv_info(si->log, "NET", _("IPv6 router advertisement: %s"),
		line[0] == ';' ? line + 2 : line[0] ? line : _("no address, route or DNS"));
}

bool sip6_input(struct sip6 *si, struct pkt *p)
{
	struct wv_ip6_config next;
	struct ra_info ra;
	const char *why = "";

	if (!si || !si->up || !ra_is_ra(p->data, p->len))
		return false;
	if (ra_parse(p->data, p->len, &ra, &why) < 0) {
		wv_dbg(si->log, "NET", "IPv6: dropped a router advertisement: %s", why);
		pkt_free(p);
		return true;
	}
	pkt_free(p);
	si->ra_seen = true;
	wv_timer_cancel(si->loop, &si->rs_timer);
	next = si->cfg;
	sip6_apply_ra(&next, &ra, si->local_id);
	next.update = si->cfg.update;
	if (memcmp(&next, &si->cfg, sizeof(next)) == 0) {
		wv_dbg(si->log, "NET", "IPv6: router advertisement, nothing changed");
		return true;
	}
	si->cfg = next;
	sip6_log_cfg(si, &ra);
	sip6_report(si);
	return true;
}
