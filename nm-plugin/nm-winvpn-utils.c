/* nm-winvpn-utils.c -- NM's vpn setting to the engine's settings, the secret
 * rules, and the failure mapping (see nm-winvpn-utils.h). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nm-winvpn-utils.h"
#include "settings.h"

struct copy_ctx {
	wv_settings *st;
	GError *error;          /* the first problem; later items are skipped */
};

static void copy_data_item(const char *key, const char *value, gpointer user_data)
{
	struct copy_ctx *ctx = user_data;
	/* The engine allocates with malloc; GLib >= 2.46 frees with free(). */
	g_autofree char *err = NULL;

	if (ctx->error)
		return;
	/* vpn.data is readable by every user on the bus: a secret there is a mistake
	 * of whoever wrote the profile, and we refuse to use it rather than hide it. */
	if (wv_settings_is_secret_key(key)) {
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    _("'%s' is a secret: store it in vpn.secrets, not in vpn.data"), key);
		return;
	}
	if (wv_settings_set(ctx->st, key, value, &err) < 0)
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "%s", err ? err : key);
}

static void copy_secret(const char *key, const char *value, gpointer user_data)
{
	struct copy_ctx *ctx = user_data;
	g_autofree char *err = NULL;

	if (ctx->error || !value || !*value)
		return;
	if (!wv_settings_is_secret_key(key)) {
		/* Not quoted: the value of an unknown secret may still be a password. */
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    _("unknown secret '%s'"), key);
		return;
	}
	if (wv_settings_set_secret(ctx->st, key, value, &err) < 0)
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "%s", err ? err : key);
}

wv_settings *nm_winvpn_settings_from_vpn(NMSettingVpn *s_vpn, GError **error)
{
	g_autoptr(wv_settings) st = wv_settings_new();
	struct copy_ctx ctx = { 0 };
	g_autofree char *err = NULL;
	const char *user;

	g_return_val_if_fail(NM_IS_SETTING_VPN(s_vpn), NULL);
	if (!st) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
				    _("out of memory"));
		return NULL;
	}
	ctx.st = st;
	nm_setting_vpn_foreach_data_item(s_vpn, copy_data_item, &ctx);
	if (!ctx.error)
		nm_setting_vpn_foreach_secret(s_vpn, copy_secret, &ctx);
	if (ctx.error) {
		g_propagate_error(error, ctx.error);
		return NULL;
	}
	/* NetworkManager fills vpn.user-name with the name of the user who asked for
	 * the connection; NetworkManager-pptp dials with it when "user" is unset. */
	user = nm_setting_vpn_get_user_name(s_vpn);
	if (!wv_settings_get(st, NM_WINVPN_KEY_USER) && user && *user &&
	    wv_settings_set(st, NM_WINVPN_KEY_USER, user, &err) < 0) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "vpn.user-name: %s", err);
		return NULL;
	}
	if (wv_settings_check(st, &err) < 0) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS, "%s",
			    err ? err : _("invalid settings"));
		return NULL;
	}
	return g_steal_pointer(&st);
}

static gboolean secret_missing(NMSettingVpn *s_vpn, const char *key)
{
	NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;
	const char *value;

	/* Unreadable flags count as none: then the secret is required. */
	if (!nm_setting_get_secret_flags(NM_SETTING(s_vpn), key, &flags, NULL))
		flags = NM_SETTING_SECRET_FLAG_NONE;
	if (flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)
		return FALSE;
	value = nm_setting_vpn_get_secret(s_vpn, key);
	return !value || !*value;
}

const char *nm_winvpn_missing_secret(NMSettingVpn *s_vpn)
{
	const char *proto, *ipsec;

	g_return_val_if_fail(NM_IS_SETTING_VPN(s_vpn), NULL);
	if (secret_missing(s_vpn, NM_WINVPN_KEY_PASSWORD))
		return NM_WINVPN_KEY_PASSWORD;
	proto = nm_setting_vpn_get_data_item(s_vpn, NM_WINVPN_KEY_PROTOCOL);
	ipsec = nm_setting_vpn_get_data_item(s_vpn, NM_WINVPN_KEY_IPSEC_ENABLED);
	if (g_strcmp0(proto, "l2tp") == 0 && g_strcmp0(ipsec, "no") != 0 &&
	    secret_missing(s_vpn, NM_WINVPN_KEY_IPSEC_PSK))
		return NM_WINVPN_KEY_IPSEC_PSK;
	return NULL;
}

const char *nm_winvpn_secret_label(const char *key)
{
	if (g_strcmp0(key, NM_WINVPN_KEY_IPSEC_PSK) == 0)
		return _("IPsec pre-shared key");
	return _("password");
}

/* The one place where an engine failure class becomes an NM failure reason
 * (the CLI's counterpart is wv_fail_exit_code()).  NM knows only three
 * reasons; it shows LOGIN_FAILED as "login failed" and treats the others alike. */
gboolean nm_winvpn_failure_reason(enum wv_fail why, NMVpnPluginFailure *out_reason)
{
	NMVpnPluginFailure reason;

	switch (why) {
	case WV_OK:
	case WV_FAIL_CANCELLED:
		return FALSE;
	case WV_FAIL_AUTH:
		reason = NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED;
		break;
	case WV_FAIL_UNREACHABLE:
	case WV_FAIL_PEER_DEAD:
	case WV_FAIL_PROTOCOL:
	case WV_FAIL_PROPOSAL:
	case WV_FAIL_CONFIG:
	case WV_FAIL_LOCAL:
	default:
		reason = NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED;
		break;
	}
	if (out_reason)
		*out_reason = reason;
	return TRUE;
}
