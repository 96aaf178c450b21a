/* cli.h -- the winvpn command-line client's internal declarations. */
#ifndef WV_CLI_H
#define WV_CLI_H

#include <stdbool.h>
#include "libwinvpn.h"

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Exit code for misuse (same as invalid settings). */
#define CLI_EXIT_USAGE 2

int cmd_connect(int argc, char **argv);
int cmd_keys(int argc, char **argv);

/* Reads a secret: from fd (first line) or by prompting on /dev/tty without
 * echo.  Returns a malloc'd string the caller frees with wv_free_secret(),
 * or NULL with *err set. */
char *cli_read_secret_fd(int fd, const char **err);
char *cli_prompt_secret(const char *prompt, const char **err);

/* Runs the vpnc-script with reason and the session's environment; 0 or the
 * script's exit status (or -errno). */
struct cli_script_env {
	const char *tundev;
	const struct wv_ip4_config *ip4;    /* NULL for pre-init */
	const struct wv_ip6_config *ip6;    /* NULL without IPv6 (IPV6CP) */
	const char *gateway;                /* dotted address */
};
int cli_run_script(const char *script, const char *reason, const struct cli_script_env *env);

/* The computer going to sleep and waking up, from systemd-logind (sleep.c).
 * cli_sleep_new() takes a "delay" inhibitor lock, which cli_sleep_release()
 * gives back once the session has hung up; NULL where there is no system
 * bus (the engine's resume check still notices a sleep).  The poll loop
 * gets the descriptors to watch and hands the results back. */
struct pollfd;
struct cli_sleep;
typedef void (*cli_sleep_fn)(void *arg, bool sleeping);
struct cli_sleep *cli_sleep_new(cli_sleep_fn fn, void *arg);
void cli_sleep_release(struct cli_sleep *sl);
void cli_sleep_free(struct cli_sleep *sl);
int cli_sleep_prepare(struct cli_sleep *sl, struct pollfd *fds, int max, int *timeout_ms);
void cli_sleep_dispatch(struct cli_sleep *sl, const struct pollfd *fds);

extern int cli_verbosity;
void cli_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg);

#endif
