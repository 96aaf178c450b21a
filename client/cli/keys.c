/* keys.c -- winvpn keys: the settings a profile can hold, from the engine's table. */
#include "wv.h"

#include <stdio.h>

#include "cli.h"
#include "settings.h"

static const char *type_name(const struct wv_key *k)
{
	switch (k->type) {
	case WV_KEY_STRING: return "string";
	case WV_KEY_HOST: return "host";
	case WV_KEY_BOOL: return "yes|no";
	case WV_KEY_UINT: return "number";
	case WV_KEY_ENUM: return k->choices;
	case WV_KEY_SECRET: return "secret";
	case WV_KEY_ROUTES: return "prefixes";
	}
	return "?";
}

int cmd_keys(int argc, char **argv)
{
	const struct wv_key *k;

	if (argc > 1) {
		fprintf(stderr, _("Usage: winvpn keys\n"));
		return CLI_EXIT_USAGE;
	}
	(void)argv;
	for (k = wv_keys; k->name; k++)
		printf("%-18s %-10s %-8s %s\n", k->name, type_name(k), k->dflt ? k->dflt : "-",
		       _(k->help));
	return 0;
}
