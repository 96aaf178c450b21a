/* cmd-connect.c -- winvpn connect: dial, run the vpnc-script, carry traffic
 * until SIGINT/SIGTERM/SIGHUP or the gateway ends the session, tear down. */
#include "wv.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "settings.h"

int cli_verbosity;

struct connect_ctx {
	const char *script;      /* NULL: --no-script */
	bool script_connected;
	struct wv_ip4_config ip4;   /* what "connect" was given, for "disconnect" */
	struct wv_ip6_config ip6;   /* the latest IPv6 report; "connect" gets it */
	bool have_ip6;
	bool redialling;            /* between redial_start and the next report */
	struct wv_session *session;
	bool sleep_pending;         /* hanging up for logind, its delay lock held */
	char gateway[INET_ADDRSTRLEN];
	char tundev[16];
	char source[32];            /* ip4.source, copied */
	enum wv_fail why;
	bool finished;
};

static const char connect_usage[] =
	N_("Usage: winvpn connect [-c PROFILE] [-p pptp|l2tp|auto] [-u USER] [-d DOMAIN] [-o KEY=VALUE]...\n"
	   "                      [--passwd-on-stdin | --passwd-fd N] [--psk-fd N]\n"
	   "                      [--secret-fd KEY=N]...\n"
	   "                      [-s SCRIPT | --no-script]\n"
	   "                      [-v]... [-q] [GATEWAY]\n");

static const char connect_help[] =
	N_("\nConnects to a PPTP or L2TP/IPsec gateway and carries traffic through a TUN\n"
	   "device until interrupted (Ctrl-C, SIGTERM) or the gateway ends the session.\n\n"
	   "  -c, --profile FILE     settings file: 'key = value' lines with NetworkManager's\n"
	   "                         vpn.data keys (see 'winvpn keys')\n"
	   "  -p, --protocol NAME    pptp, l2tp (L2TP/IPsec), or auto (L2TP/IPsec, then PPTP)\n"
	   "  -u, --user NAME        user name\n"
	   "  -d, --domain NAME      NT domain (sent as DOMAIN\\user)\n"
	   "  -o, --set KEY=VALUE    any other setting; secrets are refused here\n"
	   "      --passwd-on-stdin  read the password from the first line of standard input\n"
	   "      --passwd-fd N      read the password from file descriptor N\n"
	   "      --psk-fd N         read the L2TP/IPsec pre-shared key from file descriptor N\n"
	   "      --secret-fd KEY=N  read any secret (machine-certpass, user-certpass, ...)\n"
	   "                         from file descriptor N\n"
	   "  -s, --script PATH      vpnc-script to configure addresses, routes and DNS\n"
	   "                         (default " DEFAULT_VPNC_SCRIPT ")\n"
	   "      --no-script        configure nothing; print the configuration instead\n"
	   "  -v, --verbose          more detail (once: debug messages, twice: packet\n"
	   "                         traces; never shows passwords)\n"
	   "  -q, --quiet            errors only\n"
	   "  -h, --help             this help\n\n"
	   "Secrets a connection needs (the password; for L2TP/IPsec the pre-shared key,\n"
	   "or the passphrase of an encrypted machine key; that of an encrypted EAP-TLS\n"
	   "user key) come from a file descriptor option, from the profile (which must\n"
	   "not be readable by others), or are asked for on the terminal.\n");

void cli_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	(void)arg;
	if ((int)lvl > cli_verbosity)
		return;
	if (cli_verbosity >= WV_LOG_DEBUG)
		fprintf(stderr, "winvpn: [%s] %s\n", subsys, msg);
	else
		fprintf(stderr, "winvpn: %s\n", msg);
}

/* Compares what the host acts on, not the engine's borrowed strings. */
static bool same_ip4_config(const struct wv_ip4_config *a, const struct wv_ip4_config *b)
{
	unsigned i;

	if (a->local.s_addr != b->local.s_addr || a->peer.s_addr != b->peer.s_addr ||
	    a->mtu != b->mtu || a->never_default != b->never_default || a->n_dns != b->n_dns ||
	    a->n_nbns != b->n_nbns || a->n_routes != b->n_routes || a->n_search != b->n_search ||
	    strcmp(a->domain, b->domain) != 0)
		return false;
	for (i = 0; i < a->n_dns && i < WV_MAX_DNS; i++)
		if (a->dns[i].s_addr != b->dns[i].s_addr)
			return false;
	for (i = 0; i < a->n_nbns && i < WV_MAX_NBNS; i++)
		if (a->nbns[i].s_addr != b->nbns[i].s_addr)
			return false;
	for (i = 0; i < a->n_routes && i < WV_MAX_ROUTES; i++)
		if (a->routes[i].dst.s_addr != b->routes[i].dst.s_addr ||
		    a->routes[i].prefix != b->routes[i].prefix ||
		    a->routes[i].gateway.s_addr != b->routes[i].gateway.s_addr)
			return false;
	for (i = 0; i < a->n_search && i < WV_MAX_SEARCH; i++)
		if (strcmp(a->search[i], b->search[i]) != 0)
			return false;
	return true;
}

/* What the vpnc-script was last given: for "disconnect" and the reconnects. */
static struct cli_script_env script_env_now(const struct connect_ctx *ctx)
{
	return (struct cli_script_env){ .tundev = ctx->tundev, .ip4 = &ctx->ip4,
					.gateway = ctx->gateway,
					.ip6 = ctx->have_ip6 ? &ctx->ip6 : NULL };
}

static void on_ip4(void *arg, const struct wv_ip4_config *c)
{
	struct connect_ctx *ctx = arg;
	struct cli_script_env env = { .tundev = c->ifname, .ip4 = c, .gateway = ctx->gateway,
				      .ip6 = ctx->have_ip6 ? &ctx->ip6 : NULL };
	char local[INET_ADDRSTRLEN];
	int r;

	if (c->update && same_ip4_config(&ctx->ip4, c)) {
		/* After a redial the vpnc-script hears "reconnect", as from openconnect. */
		if (ctx->redialling && ctx->script && ctx->script_connected)
			cli_run_script(ctx->script, "reconnect", &env);
		ctx->redialling = false;
		if (cli_verbosity >= WV_LOG_INFO)
			fprintf(stderr, _("winvpn: %s is up again, configuration unchanged\n"),
				c->ifname);
		return;
	}
	ctx->redialling = false;
	/* A changed configuration (a late DHCPINFORM answer, new addresses after a
	 * redial): the vpnc-script has no "update", so the old one is taken down
	 * and the new one set up, which also keeps its resolv.conf backup right. */
	if (c->update && ctx->script && ctx->script_connected) {
		struct cli_script_env old = script_env_now(ctx);
		cli_run_script(ctx->script, "disconnect", &old);
		ctx->script_connected = false;
	}
	snprintf(ctx->tundev, sizeof(ctx->tundev), "%s", c->ifname);
	inet_ntop(AF_INET, &c->gateway, ctx->gateway, sizeof(ctx->gateway));
	ctx->ip4 = *c;
	/* The engine's strings may be gone by the time "disconnect" runs. */
	ctx->ip4.protocol = NULL;
	ctx->ip4.encryption = NULL;
	snprintf(ctx->source, sizeof(ctx->source), "%s", c->source ? c->source : "");
	ctx->ip4.source = ctx->source;
	inet_ntop(AF_INET, &c->local, local, sizeof(local));
	if (!ctx->script) {
		printf("connected %s %s mtu %u\n", c->ifname, local, c->mtu);
		fflush(stdout);
		return;
	}
	r = cli_run_script(ctx->script, "connect", &env);
	ctx->script_connected = true;
	if (r != 0)
		fprintf(stderr, _("winvpn: %s connect exited with %d; the tunnel may lack routes "
				  "or DNS\n"), ctx->script, r);
	if (cli_verbosity >= WV_LOG_INFO)
		fprintf(stderr, _("winvpn: %s is up with address %s\n"), c->ifname, local);
}

/* IPv6 (IPV6CP, then router advertisements; see env_add_ip6() in script.c):
 * kept for the "connect" that IPv4's report runs.  A change after that is
 * applied like an IPv4 update: "disconnect" with the old, "connect" with
 * the new. */
static void on_ip6(void *arg, const struct wv_ip6_config *c)
{
	struct connect_ctx *ctx = arg;
	struct wv_ip6_config old = ctx->ip6;
	bool had = ctx->have_ip6;
	char a[INET6_ADDRSTRLEN];
	int r;

	ctx->ip6 = *c;
	ctx->have_ip6 = true;
	inet_ntop(AF_INET6, c->n_addrs ? &c->addrs[0].addr : &c->local_ll, a, sizeof(a));
	if (!ctx->script) {
		printf("ipv6 %s %s/%u\n", c->ifname, a, c->n_addrs ? c->addrs[0].len : 64);
		fflush(stdout);
		return;
	}
	if (!ctx->script_connected)
		return;
	{
		struct cli_script_env prev = { .tundev = ctx->tundev, .ip4 = &ctx->ip4,
					       .gateway = ctx->gateway, .ip6 = had ? &old : NULL };
		struct cli_script_env env = { .tundev = ctx->tundev, .ip4 = &ctx->ip4,
					      .gateway = ctx->gateway, .ip6 = &ctx->ip6 };

		cli_run_script(ctx->script, "disconnect", &prev);
		r = cli_run_script(ctx->script, "connect", &env);
	}
	if (r != 0)
		fprintf(stderr, _("winvpn: %s connect exited with %d; IPv6 may lack its address "
				  "or routes\n"), ctx->script, r);
	if (cli_verbosity >= WV_LOG_INFO)
		fprintf(stderr, _("winvpn: %s has IPv6 address %s\n"), c->ifname, a);
}

/* Before each redial the vpnc-script's "attempt-reconnect" puts the route to
 * the gateway back outside the tunnel: after a change of network (a resume
 * elsewhere, another Wi-Fi) the old one may be gone, and the tunnel's own
 * default route would swallow the redial. */
static void on_redial_start(void *arg, unsigned attempt)
{
	struct connect_ctx *ctx = arg;
	struct cli_script_env env = script_env_now(ctx);

	(void)attempt;
	ctx->redialling = true;
	if (ctx->script && ctx->script_connected)
		cli_run_script(ctx->script, "attempt-reconnect", &env);
}

static void on_finished(void *arg, enum wv_fail why, const char *msg)
{
	struct connect_ctx *ctx = arg;

	ctx->finished = true;
	ctx->why = why;
	if (why == WV_OK) {
		if (cli_verbosity >= WV_LOG_INFO)
			fprintf(stderr, "winvpn: %s\n", msg);
	} else {
		fprintf(stderr, "winvpn: %s: %s\n", wv_fail_name(why), msg);
	}
}

/* A profile may hold the password only if nobody else can read it. */
static int check_profile_secret(const char *path, const struct wv_settings *st)
{
	const struct wv_key *k;
	struct stat sb;
	bool any = false;

	for (k = wv_keys; k->name; k++)
		if (k->type == WV_KEY_SECRET && wv_settings_get(st, k->name))
			any = true;
	if (!any)
		return 0;
	if (stat(path, &sb) == 0 && (sb.st_mode & (S_IRWXG | S_IRWXO))) {
		fprintf(stderr, _("winvpn: %s holds a secret but is readable by others "
				  "(mode %03o); run: chmod 600 %s\n"),
			path, (unsigned)(sb.st_mode & 0777), path);
		return -EPERM;
	}
	return 0;
}

static int set_or_complain(struct wv_settings *st, const char *key, const char *value)
{
	char *err = NULL;

	if (wv_settings_is_secret_key(key)) {
		fprintf(stderr, _("winvpn: '%s' is a secret and is not accepted on the command line "
				  "(other users can read it there); use --passwd-on-stdin, --passwd-fd "
				  "or a profile\n"), key);
		return -EINVAL;
	}
	if (wv_settings_set(st, key, value, &err) < 0) {
		fprintf(stderr, "winvpn: %s\n", err);
		free(err);
		return -EINVAL;
	}
	return 0;
}

/* ---- secrets ---- */

#define MAX_SECRET_FDS 8

/* Secrets to read from file descriptors, by setting name. */
struct secret_fds {
	struct {
		const char *key;
		int fd;
	} v[MAX_SECRET_FDS];
	unsigned n;
};

static int secret_fd_add(struct secret_fds *f, const char *opt, const char *key, const char *num)
{
	char *end;
	long v = strtol(num, &end, 10);
	unsigned i;

	if (!*num || *end || v < 0 || v > 1023) {
		fprintf(stderr, _("winvpn: invalid --%s '%s': expected a file descriptor number\n"),
			opt, num);
		return -EINVAL;
	}
	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].key, key) == 0)
			break;
	if (i == MAX_SECRET_FDS) {
		fprintf(stderr, _("winvpn: too many --secret-fd options\n"));
		return -EINVAL;
	}
	f->v[i].key = key;
	f->v[i].fd = (int)v;
	if (i == f->n)
		f->n++;
	return 0;
}

/* Hands a secret read by us to the settings, and wipes our copy. */
static int store_secret(struct wv_settings *st, const char *key, char *value)
{
	char *err = NULL;
	int r = wv_settings_set_secret(st, key, value, &err);

	wv_free_secret(value);
	if (r < 0) {
		fprintf(stderr, "winvpn: %s\n", err);
		free(err);
	}
	return r;
}

/* Every secret given by descriptor is read; the ones still missing that the
 * connection needs are asked for on the terminal. */
static int gather_secrets(struct wv_settings *st, const struct secret_fds *fds)
{
	/* In the order of wv_secret_keys[]. */
	static const char *const prompts[] = {
		N_("Password: "),
		N_("IPsec pre-shared key: "),
		N_("Passphrase of the machine certificate key: "),
		N_("Passphrase of the user certificate key: "),
	};
	const char *serr = NULL;
	unsigned i;

	for (i = 0; i < fds->n; i++) {
		char *v = cli_read_secret_fd(fds->v[i].fd, &serr);
		if (serr) {
			fprintf(stderr, "winvpn: %s\n", serr);
			return -EIO;
		}
		if (v && store_secret(st, fds->v[i].key, v) < 0)
			return -EINVAL;
	}
	/* Automatic's optional pre-shared key is not asked for: without one it
	 * goes straight to PPTP. */
	for (i = 0; wv_secret_keys[i] && i < ARRAY_SIZE(prompts); i++) {
		const char *key = wv_secret_keys[i];
		char *v;

		if (wv_settings_get(st, key) || wv_settings_secret_need(st, key) != WV_SECRET_NEEDED)
			continue;
		v = cli_prompt_secret(_(prompts[i]), &serr);
		if (serr) {
			fprintf(stderr, "winvpn: %s\n", serr);
			return -EIO;
		}
		if (v && store_secret(st, key, v) < 0)
			return -EINVAL;
	}
	return 0;
}

/* logind: the computer is about to sleep (hang up; the delay lock goes back
 * once the goodbyes are done, see run()) or has woken up. */
static void on_sleep(void *arg, bool sleeping)
{
	struct connect_ctx *ctx = arg;

	ctx->sleep_pending = sleeping;
	if (sleeping)
		wv_session_sleep(ctx->session);
	else
		wv_session_wake(ctx->session);
}

/* Runs the session under our own poll loop, as any host program may. */
static int run(struct wv_session *s, struct connect_ctx *ctx)
{
	enum { MAX_SLEEP_FDS = 8 };
	struct cli_sleep *sl;
	sigset_t mask;
	int sfd, stops = 0;

	/* A shell starts background jobs with SIGINT ignored; we want it. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return -errno;
	ctx->session = s;
	sl = cli_sleep_new(on_sleep, ctx);
	if (wv_session_start(s) < 0 && ctx->finished)
		goto out;
	while (!ctx->finished) {
		struct pollfd pfd[2 + MAX_SLEEP_FDS] = {
			{ .fd = wv_session_fd(s), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int timeout = wv_session_timeout_ms(s);
		int n = 2 + cli_sleep_prepare(sl, pfd + 2, MAX_SLEEP_FDS, &timeout);

		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		cli_sleep_dispatch(sl, pfd + 2);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (++stops == 1) {
					if (cli_verbosity >= WV_LOG_INFO)
						fprintf(stderr, _("winvpn: disconnecting (%s)\n"),
							strsignal((int)si.ssi_signo));
					wv_session_stop(s);
				} else {
					fprintf(stderr, _("winvpn: second signal: quitting "
							  "without waiting for the gateway\n"));
					goto out;
				}
			}
		}
		wv_session_dispatch(s);
		if (ctx->sleep_pending && wv_session_state(s) != WV_STATE_DISCONNECTING) {
			cli_sleep_release(sl);
			ctx->sleep_pending = false;
		}
	}
out:
	cli_sleep_free(sl);
	close(sfd);
	return 0;
}

int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'c' },
		{ "protocol", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "domain", required_argument, NULL, 'd' },
		{ "set", required_argument, NULL, 'o' },
		{ "passwd-on-stdin", no_argument, NULL, 'P' },
		{ "passwd-fd", required_argument, NULL, 'F' },
		{ "psk-fd", required_argument, NULL, 'K' },
		{ "secret-fd", required_argument, NULL, 'S' },
		{ "script", required_argument, NULL, 's' },
		{ "no-script", no_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct connect_ctx ctx = { .script = DEFAULT_VPNC_SCRIPT };
	struct wv_callbacks cb = { .log = cli_log, .ip4_config = on_ip4, .ip6_config = on_ip6,
				   .redial_start = on_redial_start, .finished = on_finished };
	struct wv_settings *st = wv_settings_new();
	struct wv_session *s = NULL;
	struct secret_fds fds = { .n = 0 };
	const char *profile = NULL;
	char *err = NULL;
	int c, rc = CLI_EXIT_USAGE;

	cli_verbosity = WV_LOG_INFO;
	if (!st)
		return 1;
	/* Options are applied in order after the profile, so collect the profile first. */
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:u:d:o:s:vqh", opts, NULL)) != -1) {
		if (c == 'c')
			profile = optarg;
		else if (c == 'h') {
			printf("%s%s", _(connect_usage), _(connect_help));
			rc = 0;
			goto out;
		} else if (c == '?') {
			fprintf(stderr, "%s", _(connect_usage));
			goto out;
		}
	}
	if (profile) {
		if (wv_settings_load_file(st, profile, &err) < 0) {
			fprintf(stderr, "winvpn: %s\n", err);
			goto out;
		}
		if (check_profile_secret(profile, st) < 0)
			goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:u:d:o:s:vqh", opts, NULL)) != -1) {
		char *eq;
		switch (c) {
		case 'p':
			if (set_or_complain(st, "protocol", optarg) < 0)
				goto out;
			break;
		case 'u':
			if (set_or_complain(st, "user", optarg) < 0)
				goto out;
			break;
		case 'd':
			if (set_or_complain(st, "domain", optarg) < 0)
				goto out;
			break;
		case 'o':
			eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, _("winvpn: expected KEY=VALUE after --set, got '%s'\n"),
					optarg);
				goto out;
			}
			*eq = '\0';
			if (set_or_complain(st, optarg, eq + 1) < 0)
				goto out;
			break;
		case 'P':
			if (secret_fd_add(&fds, "passwd-on-stdin", "password", "0") < 0)
				goto out;
			break;
		case 'F':
			if (secret_fd_add(&fds, "passwd-fd", "password", optarg) < 0)
				goto out;
			break;
		case 'K':
			if (secret_fd_add(&fds, "psk-fd", "ipsec-psk", optarg) < 0)
				goto out;
			break;
		case 'S':
			eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, _("winvpn: expected KEY=N after --secret-fd, got '%s'\n"),
					optarg);
				goto out;
			}
			*eq = '\0';
			if (!wv_settings_is_secret_key(optarg)) {
				fprintf(stderr, _("winvpn: invalid --secret-fd '%s': not a secret "
						  "setting (see 'winvpn keys')\n"), optarg);
				goto out;
			}
			if (secret_fd_add(&fds, "secret-fd", optarg, eq + 1) < 0)
				goto out;
			break;
		case 's':
			ctx.script = optarg;
			break;
		case 'N':
			ctx.script = NULL;
			break;
		case 'v':
			cli_verbosity++;
			break;
		case 'q':
			cli_verbosity = WV_LOG_ERR;
			break;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, _("winvpn: unexpected argument '%s'\n"), argv[optind + 1]);
		fprintf(stderr, "%s", _(connect_usage));
		goto out;
	}
	if (optind == argc - 1 && set_or_complain(st, "gateway", argv[optind]) < 0)
		goto out;
	if (wv_settings_check(st, &err) < 0) {
		fprintf(stderr, "winvpn: %s\n", err);
		goto out;
	}
	if (ctx.script && access(ctx.script, X_OK) < 0) {
		fprintf(stderr, _("winvpn: cannot run the script '%s': %s (install vpnc-scripts, or "
				  "pass --script or --no-script)\n"), ctx.script, strerror(errno));
		goto out;
	}

	if (gather_secrets(st, &fds) < 0)
		goto out;

	s = wv_session_new(st, &cb, &ctx, &err);
	wv_settings_free(st);   /* the session holds its own copy; wipe ours now */
	st = NULL;
	if (!s) {
		fprintf(stderr, "winvpn: %s\n", err ? err : _("cannot create the session"));
		goto out;
	}
	wv_session_set_log_level(s, (enum wv_log_level)MIN(cli_verbosity, WV_LOG_TRACE));
	if (ctx.script) {
		struct cli_script_env env = { .tundev = "", .gateway = "" };
		cli_run_script(ctx.script, "pre-init", &env);
	}
	run(s, &ctx);
	if (!ctx.finished) {
		/* Second signal: the engine did not finish; treat as cancelled. */
		ctx.why = WV_FAIL_CANCELLED;
	}
	if (ctx.script && ctx.script_connected) {
		struct cli_script_env env = { .tundev = ctx.tundev, .ip4 = &ctx.ip4,
					      .gateway = ctx.gateway,
					      .ip6 = ctx.have_ip6 ? &ctx.ip6 : NULL };
		cli_run_script(ctx.script, "disconnect", &env);
	}
	rc = wv_fail_exit_code(ctx.why);
out:
	wv_session_free(s);
	wv_settings_free(st);
	free(err);
	return rc;
}
