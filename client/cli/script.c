/* script.c -- runs a vpnc-script (the vpnc-scripts package, also used by
 * openconnect and vpnc) with the environment it expects, so routes and DNS
 * work with resolvconf or systemd-resolved without winvpn writing /etc. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define ENV_MAX 32

struct envb {
	char *v[ENV_MAX + 1];
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

	for (i = 0; i < n; i++) {
		char one[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a[i], one, sizeof(one));
		if (i)
			strcat(list, " ");
		strcat(list, one);
	}
	if (n)
		env_add(e, name, list);
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
	}
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
