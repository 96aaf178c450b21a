/* test-script-env6.c -- the IPv6 part of the vpnc-script environment the CLI
 * builds (env_add_ip6() in client/cli/script.c), checked by running a script
 * that records its environment: the SLAAC address and DNS, the advertised
 * routes as CISCO_IPV6_SPLIT_INC_*, the ::/0 entry for a default router
 * (and not with never-default), a link-local-only configuration, and none of
 * it without IPv6. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"

static char dir[64], script[96], log_path[96];

static char *slurp(void)
{
	static char buf[65536];
	FILE *f = fopen(log_path, "r");
	size_t n = 0;

	buf[0] = 0;
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	unlink(log_path);
	return buf;
}

/* "NAME=value" as a whole line */
static bool has_line(const char *log, const char *line)
{
	size_t n = strlen(line);
	const char *b;

	for (b = log; b && *b; b = strchr(b, '\n'), b = b ? b + 1 : NULL)
		if (strncmp(b, line, n) == 0 && (b[n] == '\n' || b[n] == 0))
			return true;
	return false;
}

static bool has_var(const char *log, const char *name)
{
	char pfx[64];
	const char *b;

	snprintf(pfx, sizeof(pfx), "%s=", name);
	for (b = log; b && *b; b = strchr(b, '\n'), b = b ? b + 1 : NULL)
		if (strncmp(b, pfx, strlen(pfx)) == 0)
			return true;
	return false;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	CHECK(inet_pton(AF_INET6, s, &a) == 1);
	return a;
}

static void base4(struct wv_ip4_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "winvpn0");
	inet_pton(AF_INET, "192.168.40.10", &c->local);
	inet_pton(AF_INET, "192.168.40.1", &c->peer);
	c->mtu = 1396;
	c->protocol = "pptp";
	c->encryption = "none";
	c->source = "IPCP";
}

/* What the lab's radvd advertises (tests/lab/guest/ipv6-radvd.sh). */
static void base6(struct wv_ip6_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "winvpn0");
	c->local_ll = ip6("fe80::2");
	c->peer_ll = ip6("fe80::1");
	c->addrs[0].addr = ip6("fd00:98:40::2");
	c->addrs[0].len = 64;
	c->n_addrs = 1;
	c->routes[0].addr = ip6("fd00:98:40::");
	c->routes[0].len = 64;
	c->routes[1].addr = ip6("fd00:99::");
	c->routes[1].len = 48;
	c->n_routes = 2;
	c->dns[0] = ip6("fd00:98:40::1");
	c->n_dns = 1;
}

static char *run(const struct wv_ip4_config *c4, const struct wv_ip6_config *c6)
{
	struct cli_script_env env = { .tundev = "winvpn0", .gateway = "10.98.0.2", .ip4 = c4,
				      .ip6 = c6 };

	CHECK(cli_run_script(script, "connect", &env) == 0);
	return slurp();
}

int main(void)
{
	struct wv_ip4_config c4;
	struct wv_ip6_config c6;
	FILE *f;
	char *log;

	snprintf(dir, sizeof(dir), "/tmp/test-script-env6.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(script, sizeof(script), "%s/record.sh", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	f = fopen(script, "w");
	CHECK(f != NULL);
	if (!f)
		return 1;
	fprintf(f, "#!/bin/sh\nenv | sort >> '%s'\nexit 0\n", log_path);
	fclose(f);
	chmod(script, 0700);

	/* the lab's advertisement: not a default router */
	base4(&c4);
	base6(&c6);
	log = run(&c4, &c6);
	CHECK(has_line(log, "INTERNAL_IP6_ADDRESS=fd00:98:40::2"));
	CHECK(has_line(log, "INTERNAL_IP6_NETMASK=fd00:98:40::2/64"));
	CHECK(has_line(log, "INTERNAL_IP6_DNS=fd00:98:40::1"));
	CHECK(has_line(log, "WINVPN_IP6_LINKLOCAL=fe80::2"));
	CHECK(has_line(log, "WINVPN_IP6_PEER=fe80::1"));
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC=2"));
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC_0_ADDR=fd00:98:40::"));
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC_0_MASKLEN=64"));
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC_1_ADDR=fd00:99::"));
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC_1_MASKLEN=48"));
	CHECK(has_line(log, "INTERNAL_IP4_ADDRESS=192.168.40.10"));

	/* a default router: ::/0 last, so the script routes IPv6 through the tunnel */
	c6.default_route = true;
	c6.dns[1] = ip6("fd00:98:40::53");
	c6.n_dns = 2;
	log = run(&c4, &c6);
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC=3"));
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC_2_ADDR=::"));
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC_2_MASKLEN=0"));
	CHECK(has_line(log, "INTERNAL_IP6_DNS=fd00:98:40::1 fd00:98:40::53"));

	/* ... but never-default (split tunnel) keeps the default route outside */
	c4.never_default = true;
	log = run(&c4, &c6);
	CHECK(has_line(log, "CISCO_IPV6_SPLIT_INC=2"));
	CHECK(!has_var(log, "CISCO_IPV6_SPLIT_INC_2_ADDR"));

	/* no advertised prefix: only the link-local addresses and the DNS; the
	 * script is given no address (winvpn set the link-local one) and no
	 * routes, so it leaves IPv6 alone */
	c4.never_default = false;
	base6(&c6);
	c6.n_addrs = 0;
	c6.default_route = true;
	log = run(&c4, &c6);
	CHECK(!has_var(log, "INTERNAL_IP6_ADDRESS"));
	CHECK(!has_var(log, "INTERNAL_IP6_NETMASK"));
	CHECK(!has_var(log, "CISCO_IPV6_SPLIT_INC"));
	CHECK(has_line(log, "WINVPN_IP6_LINKLOCAL=fe80::2"));
	CHECK(has_line(log, "INTERNAL_IP6_DNS=fd00:98:40::1"));

	/* no IPv6 at all */
	log = run(&c4, NULL);
	CHECK(strstr(log, "IP6") == NULL && strstr(log, "IPV6") == NULL);
	CHECK(has_line(log, "INTERNAL_IP4_ADDRESS=192.168.40.10"));

	unlink(script);
	rmdir(dir);
	return check_done("test-script-env6");
}
