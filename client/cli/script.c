/* script.c -- runs a vpnc-script (the vpnc-scripts package, also used by
 * openconnect and vpnc) with the environment it expects, so routes and DNS
 * work with resolvconf or systemd-resolved without winvpn writing /etc.
 *
 * Routes: the script installs a default route through the tunnel unless
 * CISCO_SPLIT_INC is set, and then only the listed networks (an entry
 * 0.0.0.0/0 meaning the default route).  So split mode (never-default) lists
 * the routes alone, and full-tunnel mode lists nothing when there are no
 * routes, else the routes plus 0.0.0.0/0.
 *
 * An update (a late DHCPINFORM answer) is applied by cmd-connect.c as
 * "disconnect" with the previous environment, then "connect" with the new
 * one: the script removes exactly the routes and DNS it added and adds the
 * new set; a delta would need state the script does not keep. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* The fixed variables, six per IPv4 route and two per IPv6 route (each
 * plus a default route entry). */
#define ENV_MAX (48 + 6 * (WV_MAX_ROUTES + 1) + 2 * (WV_MAX_IP6_ROUTES + 1))

struct envb {
	char *v[ENV_MAX + 1];   /* ~4 kB on the stack */
	int n;
};

static void env_add(struct envb *e, const char *name, const char *value)
{
	if (e->n >= ENV_MAX || !value)
		return;
	if (asprintf(&e->v[e->n], "%s=%s", name, value) >= 0)
		e->n++;
}

static void env_add_addrs(struct envb *e, const char *name, const struct in_addr *a, unsigned n)
{
	char list[WV_MAX_DNS * (INET_ADDRSTRLEN + 1)] = "";
	unsigned i;

	for (i = 0; i < n && i < WV_MAX_DNS; i++) {
		char one[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a[i], one, sizeof(one));
		if (i)
			strcat(list, " ");
		strcat(list, one);
	}
	if (n)
		env_add(e, name, list);
}

static void env_add_route(struct envb *e, unsigned i, struct in_addr dst, unsigned prefix)
{
	char name[48], val[INET_ADDRSTRLEN];
	struct in_addr mask = { htonl(prefix ? 0xffffffffu << (32 - prefix) : 0) };

	inet_ntop(AF_INET, &dst, val, sizeof(val));
	snprintf(name, sizeof(name), "CISCO_SPLIT_INC_%u_ADDR", i);
	env_add(e, name, val);
	inet_ntop(AF_INET, &mask, val, sizeof(val));
	snprintf(name, sizeof(name), "CISCO_SPLIT_INC_%u_MASK", i);
	env_add(e, name, val);
	snprintf(name, sizeof(name), "CISCO_SPLIT_INC_%u_MASKLEN", i);
	snprintf(val, sizeof(val), "%u", prefix);
	env_add(e, name, val);
	snprintf(name, sizeof(name), "CISCO_SPLIT_INC_%u_PROTOCOL", i);
	env_add(e, name, "0");
	snprintf(name, sizeof(name), "CISCO_SPLIT_INC_%u_SPORT", i);
	env_add(e, name, "0");
	snprintf(name, sizeof(name), "CISCO_SPLIT_INC_%u_DPORT", i);
	env_add(e, name, "0");
}

/* The domain, then the search list without repeats: the script writes them
 * all to "search" (resolv.conf) or the link's domains (systemd-resolved). */
static void env_add_domains(struct envb *e, const struct wv_ip4_config *c)
{
	char list[(WV_MAX_SEARCH + 1) * WV_NAME_MAX] = "";
	unsigned i, j;

	if (c->domain[0])
		snprintf(list, sizeof(list), "%s", c->domain);
	for (i = 0; i < c->n_search && i < WV_MAX_SEARCH; i++) {
		bool dup = !c->search[i][0] || strcmp(c->search[i], c->domain) == 0;

		for (j = 0; j < i && !dup; j++)
			dup = strcmp(c->search[i], c->search[j]) == 0;
		if (!dup)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? " " : "", c->search[i]);
	}
	if (list[0])
		env_add(e, "CISCO_DEF_DOMAIN", list);
}

static void env_add_routes(struct envb *e, const struct wv_ip4_config *c)
{
	char buf[16];
	unsigned i, n = 0;

	if (!c->never_default && c->n_routes == 0)
		return;       /* the script's full tunnel: a default route, nothing else */
	for (i = 0; i < c->n_routes && i < WV_MAX_ROUTES; i++) {
		if (c->routes[i].prefix == 0)
			continue;
		env_add_route(e, n++, c->routes[i].dst, c->routes[i].prefix);
	}
	if (!c->never_default) {
		struct in_addr any = { 0 };

		env_add_route(e, n++, any, 0);
	}
	snprintf(buf, sizeof(buf), "%u", n);
	env_add(e, "CISCO_SPLIT_INC", buf);
}

/* IPv6 (IPV6CP, router advertisements) in openconnect's variables: the
 * script takes one address, INTERNAL_IP6_ADDRESS / INTERNAL_IP6_NETMASK,
 * the first SLAAC address (the engine itself puts the negotiated link-local
 * address on the tun, see tun.h).  Routes as CISCO_IPV6_SPLIT_INC (a /0
 * entry is the default route): the advertised routes, plus ::/0 when the
 * router offers itself as default and never-default does not forbid it.
 * Without an advertised prefix the script is told nothing but the DNS, and
 * WINVPN_IP6_LINKLOCAL / WINVPN_IP6_PEER (both link-local addresses), which
 * are always there. */
static void env_add_ip6(struct envb *e, const struct cli_script_env *se)
{
	const struct wv_ip6_config *c = se->ip6;
	char a[INET6_ADDRSTRLEN], name[48], val[INET6_ADDRSTRLEN + 8];
	char dns[WV_MAX_DNS * (INET6_ADDRSTRLEN + 1)] = "";
	bool global = c->n_addrs > 0;
	bool dflt = global && c->default_route && !(se->ip4 && se->ip4->never_default);
	unsigned i, n = 0;

	if (global) {
		inet_ntop(AF_INET6, &c->addrs[0].addr, a, sizeof(a));
		env_add(e, "INTERNAL_IP6_ADDRESS", a);
		snprintf(val, sizeof(val), "%s/%u", a, c->addrs[0].len);
		env_add(e, "INTERNAL_IP6_NETMASK", val);
	}
	for (i = 0; i < c->n_dns && i < WV_MAX_DNS; i++) {
		inet_ntop(AF_INET6, &c->dns[i], a, sizeof(a));
		snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns), "%s%s", i ? " " : "", a);
	}
	if (dns[0])
		env_add(e, "INTERNAL_IP6_DNS", dns);
	inet_ntop(AF_INET6, &c->local_ll, a, sizeof(a));
	env_add(e, "WINVPN_IP6_LINKLOCAL", a);
	inet_ntop(AF_INET6, &c->peer_ll, a, sizeof(a));
	env_add(e, "WINVPN_IP6_PEER", a);
	for (i = 0; global && i < c->n_routes && i < WV_MAX_IP6_ROUTES; i++, n++) {
		inet_ntop(AF_INET6, &c->routes[i].addr, a, sizeof(a));
		snprintf(name, sizeof(name), "CISCO_IPV6_SPLIT_INC_%u_ADDR", n);
		env_add(e, name, a);
		snprintf(name, sizeof(name), "CISCO_IPV6_SPLIT_INC_%u_MASKLEN", n);
		snprintf(val, sizeof(val), "%u", c->routes[i].len);
		env_add(e, name, val);
	}
	if (dflt) {
		snprintf(name, sizeof(name), "CISCO_IPV6_SPLIT_INC_%u_ADDR", n);
		env_add(e, name, "::");
		snprintf(name, sizeof(name), "CISCO_IPV6_SPLIT_INC_%u_MASKLEN", n++);
		env_add(e, name, "0");
	}
	if (global) {
		snprintf(val, sizeof(val), "%u", n);
		env_add(e, "CISCO_IPV6_SPLIT_INC", val);
	}
}

int cli_run_script(const char *script, const char *reason, const struct cli_script_env *se)
{
	struct envb e = { .n = 0 };
	char buf[32], addr[INET_ADDRSTRLEN];
	pid_t pid;
	int status = 0, i, r;

	env_add(&e, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(&e, "reason", reason);
	env_add(&e, "VPNGATEWAY", se->gateway);
	env_add(&e, "TUNDEV", se->tundev);
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	env_add(&e, "VPNPID", buf);
	if (se->ip4) {
		const struct wv_ip4_config *c = se->ip4;

		inet_ntop(AF_INET, &c->local, addr, sizeof(addr));
		env_add(&e, "INTERNAL_IP4_ADDRESS", addr);
		snprintf(buf, sizeof(buf), "%u", c->mtu);
		env_add(&e, "INTERNAL_IP4_MTU", buf);
		env_add_addrs(&e, "INTERNAL_IP4_DNS", c->dns, c->n_dns);
		env_add_addrs(&e, "INTERNAL_IP4_NBNS", c->nbns, c->n_nbns);
		inet_ntop(AF_INET, &c->peer, addr, sizeof(addr));
		env_add(&e, "WINVPN_PEER", addr);
		env_add(&e, "WINVPN_PROTOCOL", c->protocol);
		env_add(&e, "WINVPN_ENCRYPTION", c->encryption);
		env_add(&e, "WINVPN_IP4_SOURCE", c->source);
		env_add_domains(&e, c);
		env_add_routes(&e, c);
	}
	if (se->ip6)
		env_add_ip6(&e, se);
	e.v[e.n] = NULL;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		char *argv[] = { (char *)script, NULL };
		execve(script, argv, e.v);
		fprintf(stderr, _("winvpn: cannot run the script %s: %s\n"), script,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	for (i = 0; i < e.n; i++)
		free(e.v[i]);
	return r;
}
