/* test-script-env.c -- the vpnc-script environment the CLI builds (see
 * /usr/share/vpnc-scripts/vpnc-script for what each variable does), checked
 * by running a real script that records its environment: the domain and
 * search list, DNS and WINS, the routes as CISCO_SPLIT_INC_* in split mode,
 * full tunnel with and without routes (the 0.0.0.0/0 entry), and a full
 * route table. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"

static char dir[64], script[96], log_path[96];

/* The recorded environments, one "== reason" block each. */
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

/* "NAME=value" as a whole line of block number nth (0-based). */
static bool has_line(const char *log, unsigned nth, const char *line)
{
	const char *b = log, *end;
	size_t n = strlen(line);
	unsigned i;

	for (i = 0; i <= nth; i++) {
		b = strstr(b, "== ");
		if (!b)
			return false;
		b += 3;
	}
	end = strstr(b, "== ");
	if (!end)
		end = b + strlen(b);
	for (; b && b < end; b = strchr(b, '\n'), b = b ? b + 1 : NULL)
		if (strncmp(b, line, n) == 0 && (b[n] == '\n' || b[n] == 0))
			return true;
	return false;
}

static unsigned blocks(const char *log)
{
	unsigned n = 0;

	for (; (log = strstr(log, "== ")); log += 3)
		n++;
	return n;
}

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void base(struct wv_ip4_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "winvpn0");
	c->gateway = ip4("10.98.0.2");
	c->local = ip4("192.168.40.10");
	c->peer = ip4("192.168.40.1");
	c->dns[0] = ip4("10.20.0.53");
	c->dns[1] = ip4("10.20.0.54");
	c->n_dns = 2;
	c->nbns[0] = ip4("10.20.0.55");
	c->n_nbns = 1;
	c->mtu = 1400;
	c->protocol = "pptp";
	c->encryption = "MPPE-128 stateless";
	c->source = "IPCP+DHCPINFORM";
}

static void add_route(struct wv_ip4_config *c, const char *dst, uint8_t len)
{
	c->routes[c->n_routes].dst = ip4(dst);
	c->routes[c->n_routes].prefix = len;
	c->n_routes++;
}

int main(void)
{
	struct wv_ip4_config c;
	struct cli_script_env env = { .tundev = "winvpn0", .gateway = "10.98.0.2" };
	FILE *f;
	char *log;

	snprintf(dir, sizeof(dir), "/tmp/test-script-env.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(script, sizeof(script), "%s/record.sh", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	f = fopen(script, "w");
	CHECK(f != NULL);
	fprintf(f, "#!/bin/sh\n{ echo \"== $reason\"; env | sort; } >> '%s'\nexit 0\n", log_path);
	fclose(f);
	chmod(script, 0700);

	/* Split tunnel: the routes, no default; domain and search list. */
	base(&c);
	c.never_default = true;
	add_route(&c, "10.20.0.0", 16);
	add_route(&c, "192.168.40.0", 24);
	snprintf(c.domain, sizeof(c.domain), "corp.example");
	snprintf(c.search[0], sizeof(c.search[0]), "corp.example");
	snprintf(c.search[1], sizeof(c.search[1]), "lab.example");
	c.n_search = 2;
	env.ip4 = &c;
	CHECK(cli_run_script(script, "connect", &env) == 0);
	log = slurp();
	CHECK(blocks(log) == 1);
	CHECK(has_line(log, 0, "reason=connect"));
	CHECK(has_line(log, 0, "VPNGATEWAY=10.98.0.2"));
	CHECK(has_line(log, 0, "TUNDEV=winvpn0"));
	CHECK(has_line(log, 0, "INTERNAL_IP4_ADDRESS=192.168.40.10"));
	CHECK(has_line(log, 0, "INTERNAL_IP4_DNS=10.20.0.53 10.20.0.54"));
	CHECK(has_line(log, 0, "INTERNAL_IP4_NBNS=10.20.0.55"));
	CHECK(has_line(log, 0, "CISCO_DEF_DOMAIN=corp.example lab.example"));
	CHECK(has_line(log, 0, "WINVPN_IP4_SOURCE=IPCP+DHCPINFORM"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC=2"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_0_ADDR=10.20.0.0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_0_MASK=255.255.0.0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_0_MASKLEN=16"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_0_PROTOCOL=0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_0_SPORT=0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_0_DPORT=0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_1_ADDR=192.168.40.0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_1_MASK=255.255.255.0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_1_MASKLEN=24"));
	CHECK(!strstr(log, "CISCO_SPLIT_INC_2_"));

	/* Split tunnel without routes: CISCO_SPLIT_INC=0, still no default. */
	CHECK(cli_run_script(script, "disconnect", &env) == 0);
	slurp();
	base(&c);
	c.never_default = true;
	CHECK(cli_run_script(script, "connect", &env) == 0);
	log = slurp();
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC=0"));
	CHECK(!strstr(log, "CISCO_DEF_DOMAIN"));

	/* Full tunnel without routes: no CISCO_SPLIT_INC (the script's default route). */
	CHECK(cli_run_script(script, "disconnect", &env) == 0);
	slurp();
	base(&c);
	CHECK(cli_run_script(script, "connect", &env) == 0);
	log = slurp();
	CHECK(!strstr(log, "CISCO_SPLIT_INC"));

	/* Full tunnel with a pushed route: the route and 0.0.0.0/0. */
	CHECK(cli_run_script(script, "disconnect", &env) == 0);
	slurp();
	add_route(&c, "10.30.0.0", 16);
	CHECK(cli_run_script(script, "connect", &env) == 0);
	log = slurp();
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC=2"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_0_ADDR=10.30.0.0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_1_ADDR=0.0.0.0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_1_MASK=0.0.0.0"));
	CHECK(has_line(log, 0, "CISCO_SPLIT_INC_1_MASKLEN=0"));

	/* Every route of a full table fits the environment. */
	{
		unsigned i;

		CHECK(cli_run_script(script, "disconnect", &env) == 0);
		slurp();
		base(&c);
		c.never_default = true;
		for (i = 0; i < WV_MAX_ROUTES; i++) {
			c.routes[i].dst.s_addr = htonl(0x0a000000u | (i << 16));
			c.routes[i].prefix = 16;
		}
		c.n_routes = WV_MAX_ROUTES;
		env.ip4 = &c;
		CHECK(cli_run_script(script, "connect", &env) == 0);
		log = slurp();
		CHECK(has_line(log, 0, "CISCO_SPLIT_INC=64"));
		CHECK(has_line(log, 0, "CISCO_SPLIT_INC_63_ADDR=10.63.0.0"));
		CHECK(has_line(log, 0, "CISCO_SPLIT_INC_63_DPORT=0"));
		CHECK(has_line(log, 0, "VPNGATEWAY=10.98.0.2"));
	}

	unlink(script);
	rmdir(dir);
	return check_done("test-script-env");
}
