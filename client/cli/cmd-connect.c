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
	char gateway[INET_ADDRSTRLEN];
	char tundev[16];
	enum wv_fail why;
	bool finished;
};

static const char connect_usage[] =
	N_("Usage: winvpn connect [-c PROFILE] [-p pptp|l2tp|auto] [-u USER] [-d DOMAIN] [-o KEY=VALUE]...\n"
	   "                      [--passwd-on-stdin | --passwd-fd N] [--psk-fd N]\n"
	   "                      [-s SCRIPT | --no-script]\n"
	   "                      [-v]... [-q] [GATEWAY]\n");

static const char connect_help[] =
	N_("\nConnects to a PPTP or L2TP/IPsec gateway and carries traffic through a TUN\n"
	   "device until interrupted (Ctrl-C, SIGTERM) or the gateway ends the session.\n\n"
	   "  -c, --profile FILE     settings file: 'key = value' lines with NetworkManager's\n"
	   "                         vpn.data keys (see 'winvpn keys')\n"
	   "  -p, --protocol NAME    pptp, or l2tp (L2TP/IPsec)\n"
	   "  -u, --user NAME        user name\n"
	   "  -d, --domain NAME      NT domain (sent as DOMAIN\\user)\n"
	   "  -o, --set KEY=VALUE    any other setting; secrets are refused here\n"
	   "      --passwd-on-stdin  read the password from the first line of standard input\n"
	   "      --passwd-fd N      read the password from file descriptor N\n"
	   "      --psk-fd N         read the L2TP/IPsec pre-shared key from file descriptor N\n"
	   "  -s, --script PATH      vpnc-script to configure addresses, routes and DNS\n"
	   "                         (default " DEFAULT_VPNC_SCRIPT ")\n"
	   "      --no-script        configure nothing; print the configuration instead\n"
	   "  -v, --verbose          more detail (once: debug messages, twice: packet\n"
	   "                         traces; never shows passwords)\n"
	   "  -q, --quiet            errors only\n"
	   "  -h, --help             this help\n\n"
	   "Without a password option, the password (and for L2TP/IPsec the pre-shared\n"
	   "key) comes from the profile (which must not be readable by others) or is\n"
	   "asked for on the terminal.\n");

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

static void on_ip4(void *arg, const struct wv_ip4_config *c)
{
	struct connect_ctx *ctx = arg;
	struct cli_script_env env = { .tundev = c->ifname, .ip4 = c, .gateway = ctx->gateway };
	char local[INET_ADDRSTRLEN];
	int r;

	snprintf(ctx->tundev, sizeof(ctx->tundev), "%s", c->ifname);
	inet_ntop(AF_INET, &c->gateway, ctx->gateway, sizeof(ctx->gateway));
	ctx->ip4 = *c;
	/* The engine's strings may be gone by the time "disconnect" runs. */
	ctx->ip4.protocol = NULL;
	ctx->ip4.encryption = NULL;
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
	struct stat sb;

	if (!wv_settings_get(st, "password") && !wv_settings_get(st, "ipsec-psk"))
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

/* Runs the session under our own poll loop, as any host program may. */
static int run(struct wv_session *s, struct connect_ctx *ctx)
{
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
	if (wv_session_start(s) < 0 && ctx->finished)
		goto out;
	while (!ctx->finished) {
		struct pollfd pfd[2] = {
			{ .fd = wv_session_fd(s), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		if (poll(pfd, 2, wv_session_timeout_ms(s)) < 0 && errno != EINTR)
			break;
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
	}
out:
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
		{ "script", required_argument, NULL, 's' },
		{ "no-script", no_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct connect_ctx ctx = { .script = DEFAULT_VPNC_SCRIPT };
	struct wv_callbacks cb = { .log = cli_log, .ip4_config = on_ip4, .finished = on_finished };
	struct wv_settings *st = wv_settings_new();
	struct wv_session *s = NULL;
	const char *profile = NULL, *serr = NULL;
	char *err = NULL, *password = NULL;
	int c, passwd_fd = -1, psk_fd = -1, rc = CLI_EXIT_USAGE;

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
			passwd_fd = 0;
			break;
		case 'F':
		case 'K': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 1023) {
				fprintf(stderr, _("winvpn: invalid --%s '%s': expected a file "
						  "descriptor number\n"),
					c == 'F' ? "passwd-fd" : "psk-fd", optarg);
				goto out;
			}
			if (c == 'F')
				passwd_fd = (int)v;
			else
				psk_fd = (int)v;
			break;
		}
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

	if (passwd_fd >= 0)
		password = cli_read_secret_fd(passwd_fd, &serr);
	else if (!wv_settings_get(st, "password"))
		password = cli_prompt_secret(_("Password: "), &serr);
	if (serr) {
		fprintf(stderr, "winvpn: %s\n", serr);
		goto out;
	}
	if (password && store_secret(st, "password", password) < 0)
		goto out;
	/* L2TP/IPsec also needs the gateway's pre-shared key. */
	if (strcmp(wv_settings_str(st, "protocol"), "l2tp") == 0 &&
	    strcmp(wv_settings_str(st, "ipsec-enabled"), "yes") == 0) {
		char *psk = NULL;
		if (psk_fd >= 0)
			psk = cli_read_secret_fd(psk_fd, &serr);
		else if (!wv_settings_get(st, "ipsec-psk"))
			psk = cli_prompt_secret(_("IPsec pre-shared key: "), &serr);
		if (serr) {
			fprintf(stderr, "winvpn: %s\n", serr);
			goto out;
		}
		if (psk && store_secret(st, "ipsec-psk", psk) < 0)
			goto out;
	}

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
					      .gateway = ctx.gateway };
		cli_run_script(ctx.script, "disconnect", &env);
	}
	rc = wv_fail_exit_code(ctx.why);
out:
	wv_session_free(s);
	wv_settings_free(st);
	free(err);
	return rc;
}
