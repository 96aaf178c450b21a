/* main.c -- winvpn: a table of subcommands, in the manner of wg(8) and ip(8). */
#include "wv.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_cmd cmds[] = {
	{ "connect", cmd_connect, N_("connect to a gateway and carry traffic until stopped") },
	{ "keys", cmd_keys, N_("list the settings a profile can hold") },
	{ "version", cmd_version, N_("print the version") },
	{ "help", cmd_help, N_("show this help") },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, _("Usage: winvpn <command> [options]\n\nCommands:\n"));
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, _(cmds[i].summary));
	fprintf(f, _("\nRun 'winvpn <command> --help' for a command's options; see winvpn(8).\n"));
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("winvpn %s\n", wv_version());
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
#endif
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, _("winvpn: unknown command '%s'\n"), argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
