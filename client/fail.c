/* fail.c -- the failure classes: their names and the CLI's exit codes.  This is
 * the one place where a failure becomes an exit code (see winvpn(8)). */
#include "wv.h"

static const struct {
	const char *name;
	int exit_code;
} fails[] = {
	[WV_OK] = { N_("disconnected"), 0 },
	[WV_FAIL_LOCAL] = { N_("local error"), 1 },
	[WV_FAIL_CONFIG] = { N_("invalid settings"), 2 },
	[WV_FAIL_AUTH] = { N_("authentication failed"), 3 },
	[WV_FAIL_UNREACHABLE] = { N_("gateway unreachable"), 4 },
	[WV_FAIL_PEER_DEAD] = { N_("gateway stopped responding or hung up"), 5 },
	[WV_FAIL_PROTOCOL] = { N_("protocol error"), 6 },
	[WV_FAIL_PROPOSAL] = { N_("no acceptable encryption in common with the gateway"), 7 },
	[WV_FAIL_CANCELLED] = { N_("cancelled"), 8 },
};

const char *wv_fail_name(enum wv_fail f)
{
	if ((unsigned)f >= ARRAY_SIZE(fails) || !fails[f].name)
		return _("unknown failure");
	return _(fails[f].name);
}

int wv_fail_exit_code(enum wv_fail f)
{
	if ((unsigned)f >= ARRAY_SIZE(fails))
		return 1;
	return fails[f].exit_code;
}

static const char *const state_names[] = {
	[WV_STATE_IDLE] = "idle",
	[WV_STATE_CONNECTING] = "connecting",
	[WV_STATE_AUTHENTICATING] = "authenticating",
	[WV_STATE_CONFIGURING] = "configuring",
	[WV_STATE_CONNECTED] = "connected",
	[WV_STATE_DISCONNECTING] = "disconnecting",
	[WV_STATE_DISCONNECTED] = "disconnected",
};

const char *wv_state_name(enum wv_state st)
{
	if ((unsigned)st >= ARRAY_SIZE(state_names))
		return "?";
	return state_names[st];
}

const char *wv_version(void)
{
	return PACKAGE_VERSION;
}
