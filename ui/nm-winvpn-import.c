/* nm-winvpn-import.c -- profile import and export; see nm-winvpn-import.h. */
#include "config.h"

#include "nm-winvpn-import.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "libwinvpn.h"
#include "settings.h"

#define ID_COMMENT "# id ="

typedef struct wv_settings wv_settings;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(wv_settings, wv_settings_free)

/* The engine's messages are malloc'd; hand them to GError. */
static void set_engine_error(GError **error, int code, char *msg)
{
	g_set_error_literal(error, NM_CONNECTION_ERROR, code, msg ? msg : _("invalid profile"));
	free(msg);
}

/* The "# id = NAME" comment, or NULL. */
static char *find_id(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint i;

	for (i = 0; lines[i]; i++) {
		g_autofree char *id = NULL;
		const char *s = g_strchug(lines[i]);

		if (!g_str_has_prefix(s, ID_COMMENT))
			continue;
		id = g_strstrip(g_strdup(s + strlen(ID_COMMENT)));
		if (*id && g_utf8_validate(id, -1, NULL))
			return g_steal_pointer(&id);
	}
	return NULL;
}

static char *id_from_path(const char *path)
{
	g_autofree char *base = g_path_get_basename(path);
	char *dot = strrchr(base, '.');

	if (dot && dot != base)
		*dot = '\0';
	return g_filename_display_name(base);
}

NMConnection *nm_winvpn_import_file(const char *path, GError **error)
{
	g_autoptr(wv_settings) st = wv_settings_new();
	g_autoptr(NMConnection) connection = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree char *text = NULL;
	g_autofree char *id = NULL;
	g_autofree char *uuid = nm_utils_uuid_generate();
	NMSettingConnection *s_con;
	NMSettingVpn *s_vpn;
	NMSetting *s_ip4;
	char *err = NULL;
	gsize len = 0;
	const struct wv_key *k;

	g_return_val_if_fail(path, NULL);
	if (!st) {
		g_set_error_literal(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
				    g_strerror(ENOMEM));
		return NULL;
	}
	/* The name comment; the file itself is read and checked by the engine. */
	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
			    _("cannot read %s: %s"), path, local->message);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_PROPERTY,
			    _("%s: not a winvpn profile (binary data)"), path);
		return NULL;
	}
	if (wv_settings_load_file(st, path, &err) < 0) {
		set_engine_error(error, NM_CONNECTION_ERROR_INVALID_PROPERTY, err);
		return NULL;
	}
	if (wv_settings_check(st, &err) < 0) {
		g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_PROPERTY,
			    "%s: %s", path, err ? err : _("invalid profile"));
		free(err);
		return NULL;
	}
	id = find_id(text);
	if (!id)
		id = id_from_path(path);

	connection = nm_simple_connection_new();
	s_con = NM_SETTING_CONNECTION(nm_setting_connection_new());
	g_object_set(s_con,
		     NM_SETTING_CONNECTION_ID, id,
		     NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME,
		     NM_SETTING_CONNECTION_UUID, uuid,
		     NULL);
	nm_connection_add_setting(connection, NM_SETTING(s_con));

	s_vpn = NM_SETTING_VPN(nm_setting_vpn_new());
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_DBUS_SERVICE_WINVPN, NULL);
	for (k = wv_keys; k->name; k++) {
		const char *v;

		if (k->type == WV_KEY_SECRET) {
			v = wv_settings_secret(st, k->name);
			if (v)
				nm_setting_vpn_add_secret(s_vpn, k->name, v);
		} else {
			v = wv_settings_get(st, k->name);
			if (v)
				nm_setting_vpn_add_data_item(s_vpn, k->name, v);
		}
	}
	nm_connection_add_setting(connection, NM_SETTING(s_vpn));

	s_ip4 = nm_setting_ip4_config_new();
	g_object_set(s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
	nm_connection_add_setting(connection, s_ip4);

	if (!nm_connection_normalize(connection, NULL, NULL, &local)) {
		g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_PROPERTY,
			    "%s: %s", path, local->message);
		return NULL;
	}
	return g_steal_pointer(&connection);
}

typedef struct {
	char *bad_key;
	char *err;
} ExportCheck;

static void check_item(const char *key, const char *value, gpointer user_data)
{
	ExportCheck *c = user_data;
	const struct wv_key *k = wv_key_find(key);

	if (c->bad_key)
		return;
	if (!k || k->type == WV_KEY_SECRET) {
		/* A secret stored as a data item is refused like an unknown key. */
		c->bad_key = g_strdup(key);
		return;
	}
	if (wv_key_check(k, value, &c->err) < 0)
		c->bad_key = g_strdup(key);
}

char *nm_winvpn_export_string(NMConnection *connection, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	ExportCheck check = { 0 };
	NMSettingVpn *s_vpn;
	const char *id;
	const struct wv_key *k;

	g_return_val_if_fail(NM_IS_CONNECTION(connection), NULL);
	s_vpn = nm_connection_get_setting_vpn(connection);
	if (!s_vpn || g_strcmp0(nm_setting_vpn_get_service_type(s_vpn), NM_DBUS_SERVICE_WINVPN)) {
		g_set_error_literal(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_MISSING_SETTING,
				    _("not a winvpn connection"));
		return NULL;
	}
	nm_setting_vpn_foreach_data_item(s_vpn, check_item, &check);
	if (check.bad_key) {
		if (check.err)
			g_set_error_literal(error, NM_CONNECTION_ERROR,
					    NM_CONNECTION_ERROR_INVALID_PROPERTY, check.err);
		else
			g_set_error(error, NM_CONNECTION_ERROR,
				    NM_CONNECTION_ERROR_INVALID_PROPERTY,
				    _("property '%s' invalid or not supported"), check.bad_key);
		free(check.err);
		g_free(check.bad_key);
		return NULL;
	}

	g_string_append(out, "# winvpn profile (winvpn connect --profile FILE, or import it with\n"
			     "# nmcli connection import type winvpn file FILE).  No secrets.\n");
	id = nm_connection_get_id(connection);
	if (id && *id && !strpbrk(id, "\r\n"))
		g_string_append_printf(out, "%s %s\n", ID_COMMENT, id);
	for (k = wv_keys; k->name; k++) {
		const char *v;

		if (k->type == WV_KEY_SECRET)
			continue;
		v = nm_setting_vpn_get_data_item(s_vpn, k->name);
		if (v)
			g_string_append_printf(out, "%s = %s\n", k->name, v);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

gboolean nm_winvpn_export_file(NMConnection *connection, const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = nm_winvpn_export_string(connection, error);

	if (!text)
		return FALSE;
	if (!g_file_set_contents(path, text, -1, &local)) {
		g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
			    _("cannot write %s: %s"), path, local->message);
		return FALSE;
	}
	return TRUE;
}

char *nm_winvpn_suggested_filename(NMConnection *connection)
{
	const char *id = nm_connection_get_id(connection);
	g_autofree char *name = g_strdup(id && *id ? id : "winvpn");

	g_strdelimit(name, "/\\:*?\"<>| \t\r\n", '_');
	return g_strdup_printf("%s.conf", name);
}
