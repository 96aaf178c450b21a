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

extern int cli_verbosity;
void cli_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg);

#endif
