/* nm-winvpn-import.c -- profile import (our format, Windows phonebooks, NetworkManager-l2tp
 * exports) and export (our format); see nm-winvpn-import.h. */
#include "config.h"

#include "nm-winvpn-import.h"

#include <glib/gi18n-lib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

/* ---- reading the file -------------------------------------------------------------------- */

static void fail(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void fail(GError **error, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_propagate_error(error, g_error_new_valist(NM_CONNECTION_ERROR, code, fmt, ap));
	va_end(ap);
}

/* UTF-16 text after its BOM, as UTF-8.  Windows writes phonebooks as UTF-16LE. */
static char *decode_utf16(const char *path, const char *data, gsize len, const char *charset,
			  GError **error)
{
	g_autoptr(GError) local = NULL;
	gsize nread = 0, written = 0;
	char *out;

	if (len % 2) {
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		     _("%s: truncated UTF-16 text (odd length %" G_GSIZE_FORMAT " bytes)"),
		     path, len + 2);
		return NULL;
	}
	out = g_convert(data, len, "UTF-8", charset, &nread, &written, &local);
	if (!out) {
		/* +2: the position in the file, BOM included. */
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		     _("%s: invalid or truncated UTF-16 text at byte %" G_GSIZE_FORMAT ": %s"),
		     path, nread + 2, local->message);
		return NULL;
	}
	if (strlen(out) != written) {
		g_free(out);
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		     _("%s: not a text file (NUL character)"), path);
		return NULL;
	}
	return out;
}

/* The file as UTF-8 text: BOMs of UTF-8 and UTF-16 are honoured; text without a BOM that is
 * not UTF-8 is taken as Windows-1252, the ANSI code page older Windows writes phonebooks in
 * on Western systems (a guess: other code pages would give wrong non-ASCII names only). */
static char *read_text(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;
	char *out;

	if (!g_file_get_contents(path, &data, &len, &local)) {
		fail(error, NM_CONNECTION_ERROR_FAILED, _("cannot read %s: %s"), path,
		     local->message);
		return NULL;
	}
	if (len >= 2 && (guchar)data[0] == 0xff && (guchar)data[1] == 0xfe)
		return decode_utf16(path, data + 2, len - 2, "UTF-16LE", error);
	if (len >= 2 && (guchar)data[0] == 0xfe && (guchar)data[1] == 0xff)
		return decode_utf16(path, data + 2, len - 2, "UTF-16BE", error);
	if (memchr(data, '\0', len)) {
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		     _("%s: not a winvpn profile (binary data)"), path);
		return NULL;
	}
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		memmove(data, data + 3, (len -= 3) + 1);
	if (g_utf8_validate(data, len, NULL))
		return g_steal_pointer(&data);
	out = g_convert(data, len, "UTF-8", "WINDOWS-1252", NULL, NULL, &local);
	if (!out)
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		     _("%s: neither UTF-8 nor Windows-1252 text: %s"), path, local->message);
	return out;
}

/* ---- INI-like files (phonebooks, NetworkManager-l2tp exports) ----------------------------- */

typedef struct {
	char *key, *value;
	guint line;
} IniItem;

typedef struct {
	char *name;
	guint line;
	GPtrArray *items; /* IniItem */
} IniSection;

static void ini_item_free(gpointer p)
{
	IniItem *it = p;

	g_free(it->key);
	g_free(it->value);
	g_free(it);
}

static void ini_section_free(gpointer p)
{
	IniSection *sec = p;

	g_free(sec->name);
	g_ptr_array_unref(sec->items);
	g_free(sec);
}

/* Sections in file order.  Keys repeat inside a phonebook entry (one block per device), so
 * every line is kept and lookups take the first. */
static GPtrArray *ini_parse(const char *path, const char *text, GError **error)
{
	g_autoptr(GPtrArray) sections = g_ptr_array_new_with_free_func(ini_section_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	IniSection *cur = NULL;
	guint i;

	for (i = 0; lines[i]; i++) {
		char *s = g_strstrip(lines[i]), *eq, *end;
		IniItem *it;

		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			end = strrchr(s, ']');
			if (!end || end[1]) {
				fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
				     _("%s:%u: section header without ']'"), path, i + 1);
				return NULL;
			}
			*end = '\0';
			cur = g_new0(IniSection, 1);
			cur->name = g_strdup(s + 1);
			cur->line = i + 1;
			cur->items = g_ptr_array_new_with_free_func(ini_item_free);
			g_ptr_array_add(sections, cur);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq || eq == s) {
			fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
			     _("%s:%u: expected 'key=value'"), path, i + 1);
			return NULL;
		}
		if (!cur) {
			fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
			     _("%s:%u: key '%.*s' before the first [section]"), path, i + 1,
			     (int)(eq - s), s);
			return NULL;
		}
		*eq = '\0';
		it = g_new0(IniItem, 1);
		it->key = g_strdup(g_strstrip(s));
		it->value = g_strdup(g_strstrip(eq + 1));
		it->line = i + 1;
		g_ptr_array_add(cur->items, it);
	}
	return g_steal_pointer(&sections);
}

static const IniItem *ini_get(const IniSection *sec, const char *key)
{
	guint i;

	for (i = 0; sec && i < sec->items->len; i++) {
		const IniItem *it = sec->items->pdata[i];

		if (!g_ascii_strcasecmp(it->key, key))
			return it;
	}
	return NULL;
}

static const IniSection *ini_section(GPtrArray *sections, const char *name)
{
	guint i;

	for (i = 0; i < sections->len; i++) {
		const IniSection *sec = sections->pdata[i];

		if (!g_ascii_strcasecmp(sec->name, name))
			return sec;
	}
	return NULL;
}

NMWinvpnImportFormat nm_winvpn_import_detect(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean in_section = FALSE, vpn_group = FALSE;
	guint i;

	for (i = 0; lines[i]; i++) {
		char *s = g_strstrip(lines[i]), *eq;

		if (*s == '[') {
			in_section = TRUE;
			if (!g_ascii_strcasecmp(s, "[vpn]"))
				vpn_group = TRUE;
			continue;
		}
		eq = strchr(s, '=');
		if (!in_section || !eq)
			continue;
		*eq = '\0';
		g_strstrip(s);
		if (!g_ascii_strcasecmp(s, "PhoneNumber") || !g_ascii_strcasecmp(s, "VpnStrategy"))
			return NM_WINVPN_IMPORT_FORMAT_PBK;
	}
	return vpn_group ? NM_WINVPN_IMPORT_FORMAT_NM_L2TP : NM_WINVPN_IMPORT_FORMAT_WINVPN;
}

/* ---- building connections ---------------------------------------------------------------- */

/* One value through the engine's table; @where says which file, line and entry. */
static gboolean put(wv_settings *st, const char *key, const char *value, const char *where,
		    GError **error)
{
	char *err = NULL;

	if (wv_settings_set(st, key, value, &err) >= 0)
		return TRUE;
	fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY, "%s: %s", where,
	     err ? err : _("invalid value"));
	free(err);
	return FALSE;
}

/* An agent-owned secret: NetworkManager asks the secret agent (our auth dialog, or nmcli
 * --ask) at the first connect, and the agent keeps the answer in the user's keyring, as
 * Windows keeps it in its credential store.  "Not saved" (2) would ask at every connect, and
 * "none" (0) would have the secret stored system-wide, readable by root. */
static gboolean put_ask(wv_settings *st, const char *flags_key, const char *where,
			GError **error)
{
	if (wv_settings_get(st, flags_key))
		return TRUE;
	return put(st, flags_key, "1", where, error);
}

/* put_ask() for each secret the settings use: the password unless EAP-TLS, the user
 * certificate's passphrase with EAP-TLS, and for L2TP/IPsec (and Automatic) the pre-shared key
 * or the machine certificate's passphrase.  Whether a key file is encrypted is only known
 * on the machine that connects; the service asks only then (nm_winvpn_secret_applies). */
static gboolean put_secret_flags(wv_settings *st, const char *where, GError **error)
{
	const char *proto = wv_settings_str(st, NM_WINVPN_KEY_PROTOCOL);
	gboolean ipsec = strcmp(proto, "pptp") != 0 &&
			 wv_settings_bool(st, NM_WINVPN_KEY_IPSEC_ENABLED);
	gboolean user_tls = !strcmp(wv_settings_str(st, NM_WINVPN_KEY_USER_AUTH_TYPE), "tls");
	gboolean machine_tls =
		!strcmp(wv_settings_str(st, NM_WINVPN_KEY_MACHINE_AUTH_TYPE), "tls");

	if (!put_ask(st, user_tls ? NM_WINVPN_KEY_USER_CERTPASS_FLAGS
				  : NM_WINVPN_KEY_PASSWORD_FLAGS, where, error))
		return FALSE;
	if (ipsec && !put_ask(st, machine_tls ? NM_WINVPN_KEY_MACHINE_CERTPASS_FLAGS
					      : NM_WINVPN_KEY_IPSEC_PSK_FLAGS, where, error))
		return FALSE;
	return TRUE;
}

/* @id, @st's keys and @s_ip4 (taken; NULL: automatic) as a normalized connection. */
static NMConnection *build_connection(const char *id, wv_settings *st, NMSetting *s_ip4,
				      const char *where, GError **error)
{
	g_autoptr(NMConnection) connection = nm_simple_connection_new();
	g_autoptr(NMSetting) ip4 = s_ip4;
	g_autoptr(GError) local = NULL;
	g_autofree char *uuid = nm_utils_uuid_generate();
	NMSettingConnection *s_con;
	NMSettingVpn *s_vpn;
	const struct wv_key *k;
	char *err = NULL;

	if (wv_settings_check(st, &err) < 0) {
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY, "%s: %s", where,
		     err ? err : _("invalid profile"));
		free(err);
		return NULL;
	}
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

	if (!ip4) {
		ip4 = nm_setting_ip4_config_new();
		g_object_set(ip4, NM_SETTING_IP_CONFIG_METHOD,
			     NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
	}
	nm_connection_add_setting(connection, g_steal_pointer(&ip4));

	if (!nm_connection_normalize(connection, NULL, NULL, &local)) {
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY, "%s: %s", where,
		     local->message);
		return NULL;
	}
	return g_steal_pointer(&connection);
}

static void note(GPtrArray *notes, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(GPtrArray *notes, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* ---- our own format ------------------------------------------------------------------------ */

static NMConnection *import_winvpn(const char *path, const char *text, GError **error)
{
	g_autoptr(wv_settings) st = wv_settings_new();
	g_autofree char *id = NULL;
	char *err = NULL;

	if (!st) {
		fail(error, NM_CONNECTION_ERROR_FAILED, "%s", g_strerror(ENOMEM));
		return NULL;
	}
	/* The engine reads and checks the file itself, as "winvpn connect --profile" does. */
	if (wv_settings_load_file(st, path, &err) < 0) {
		set_engine_error(error, NM_CONNECTION_ERROR_INVALID_PROPERTY, err);
		return NULL;
	}
	id = find_id(text);
	if (!id)
		id = id_from_path(path);
	return build_connection(id, st, NULL, path, error);
}

/* ---- Windows phonebook (rasphone.pbk) ----------------------------------------------------- */

/* Which protocol an entry uses, from VpnStrategy (MS-RRASM 2.2.2.2.11 and the VS_* constants,
 * anchors.md §3.4), or NULL with *why set when winvpn cannot take the entry:
 *   0 default (Windows tries each protocol)   1 PPTP only    2 PPTP first, then L2TP
 *   3 L2TP only     4 L2TP first, then PPTP    5 SSTP only    6 SSTP first
 *   7 IKEv2 only    8 IKEv2 first, then SSTP   12 PPTP, then SSTP   13 L2TP, then SSTP
 *   14 IKEv2, then SSTP                        15 the entry's own protocol list
 * "X first" entries become X: it is what Windows tries, and what the server must offer; but 0
 * (Windows' Automatic) and 4 (L2TP/IPsec, then PPTP) become protocol=auto, which tries
 * L2TP/IPsec, then PPTP.  For 15 and no VpnStrategy, PreferredDevice /
 * Device ("WAN Miniport (L2TP)") names the protocol Windows used last; without it the entry
 * is skipped rather than guessed. */
static const char *pbk_protocol(const IniSection *sec, guint strategy, gboolean have_strategy,
				const char **why)
{
	static const char *const hints[] = { "PreferredDevice", "Device" };
	guint i;

	if (have_strategy) {
		switch (strategy) {
		case 1: case 2: case 12:
			return "pptp";
		case 3: case 13:
			return "l2tp";
		case 4:
			/* L2TP first, then PPTP: exactly what protocol=auto does. */
			return "auto";
		case 5: case 6:
			*why = _("SSTP is not supported");
			return NULL;
		case 7: case 8: case 14:
			*why = _("IKEv2 is not supported");
			return NULL;
		case 0:
			/* Windows' "Automatic" (Add-VpnConnection -TunnelType Automatic):
			 * winvpn's protocol=auto tries L2TP/IPsec, then PPTP. */
			return "auto";
		case 15:
			break;
		default:
			*why = _("unknown VpnStrategy");
			return NULL;
		}
	}
	for (i = 0; i < G_N_ELEMENTS(hints); i++) {
		const IniItem *it = ini_get(sec, hints[i]);

		if (it && strstr(it->value, "(PPTP)"))
			return "pptp";
		if (it && strstr(it->value, "(L2TP)"))
			return "l2tp";
	}
	*why = _("the protocol is chosen automatically by Windows and no device names it");
	return NULL;
}

/* One [Entry]: a connection, NULL with a note when the entry is not for winvpn, or NULL with
 * @error when it is malformed. */
static NMConnection *pbk_entry(const char *path, const IniSection *sec, GPtrArray *notes,
			       GError **error)
{
	g_autoptr(wv_settings) st = wv_settings_new();
	g_autoptr(NMSetting) s_ip4 = NULL;
	g_autofree char *where = NULL;
	const IniItem *type = ini_get(sec, "Type");
	const IniItem *strat = ini_get(sec, "VpnStrategy");
	const IniItem *phone = ini_get(sec, "PhoneNumber");
	const IniItem *it;
	const char *protocol, *why = NULL;
	guint64 n = 0;

	if (!st) {
		fail(error, NM_CONNECTION_ERROR_FAILED, "%s", g_strerror(ENOMEM));
		return NULL;
	}
	/* Type: 1 dial-up, 2 VPN, 3 direct cable, 4 broadband (PPPoE). */
	if ((type && strcmp(type->value, "2")) || (!type && !strat)) {
		note(notes, _("%s:%u: entry '%s' skipped: not a VPN connection (Type=%s)"), path,
		     sec->line, sec->name, type ? type->value : "");
		return NULL;
	}
	if (strat && !g_ascii_string_to_unsigned(strat->value, 10, 0, G_MAXUINT, &n, NULL)) {
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		     _("%s:%u: entry '%s': invalid VpnStrategy '%s'"), path, strat->line,
		     sec->name, strat->value);
		return NULL;
	}
	protocol = pbk_protocol(sec, (guint)n, strat != NULL, &why);
	if (!protocol) {
		note(notes, _("%s:%u: entry '%s' skipped: %s"), path, sec->line, sec->name, why);
		return NULL;
	}
	if (!*sec->name) {
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		     _("%s:%u: an entry without a name"), path, sec->line);
		return NULL;
	}
	if (!phone || !*phone->value) {
		fail(error, NM_CONNECTION_ERROR_MISSING_PROPERTY,
		     _("%s:%u: entry '%s': no server address (PhoneNumber)"), path,
		     phone ? phone->line : sec->line, sec->name);
		return NULL;
	}
	where = g_strdup_printf(_("%s:%u: entry '%s', PhoneNumber"), path, phone->line,
				sec->name);
	if (!put(st, NM_WINVPN_KEY_PROTOCOL, protocol, where, error) ||
	    !put(st, NM_WINVPN_KEY_GATEWAY, phone->value, where, error))
		return NULL;

	if (strcmp(protocol, "pptp") != 0) {
		/* Windows writes UsePreSharedKey=1 for a PSK; 0 means machine certificates
		 * (Add-VpnConnection without -L2tpPsk: "L2tpIPsecAuth: Certificate").  The
		 * certificates live in the Windows store, not in the phonebook: the user picks
		 * the files (the editor marks them missing).  Without the key, a PSK: the
		 * prompt for one then makes the difference plain, and nothing gets weaker. */
		it = ini_get(sec, "UsePreSharedKey");
		if (it && !strcmp(it->value, "0")) {
			if (!put(st, NM_WINVPN_KEY_MACHINE_AUTH_TYPE, "tls", where, error))
				return NULL;
			note(notes, _("%s:%u: entry '%s': L2TP/IPsec with a machine certificate: "
				      "choose the CA, certificate and key files (Windows keeps them "
				      "in its certificate store)"), path, it->line, sec->name);
		}
		if (!put(st, NM_WINVPN_KEY_IPSEC_ENABLED, "yes", where, error))
			return NULL;
	}
	if (!put_secret_flags(st, where, error))
		return NULL;
	if (!strcmp(protocol, "pptp") && (it = ini_get(sec, "DataEncryption"))) {
		/* anchors.md §6: the values are observed, not specified (8 "require",
		 * 256 "maximum strength", 512 "optional", 0 "none").  Only ever add a
		 * requirement: a wrong guess then fails to connect instead of weakening. */
		g_free(where);
		where = g_strdup_printf(_("%s:%u: entry '%s', DataEncryption"), path, it->line,
					sec->name);
		if (!strcmp(it->value, "8") &&
		    !put(st, NM_WINVPN_KEY_REQUIRE_MPPE, "yes", where, error))
			return NULL;
		if (!strcmp(it->value, "256") &&
		    (!put(st, NM_WINVPN_KEY_REQUIRE_MPPE, "yes", where, error) ||
		     !put(st, NM_WINVPN_KEY_REQUIRE_MPPE_128, "yes", where, error)))
			return NULL;
	}
	/* Reconnect and idle: RASENTRY's fields under the same names as winvpn's help says. */
	if ((it = ini_get(sec, "RedialOnLinkFailure")) && !strcmp(it->value, "1")) {
		g_free(where);
		where = g_strdup_printf(_("%s:%u: entry '%s', RedialOnLinkFailure"), path, it->line,
					sec->name);
		if (!put(st, NM_WINVPN_KEY_REDIAL, "yes", where, error))
			return NULL;
		/* Windows' 0 attempts means none beyond the first; ours start at 1. */
		it = ini_get(sec, "RedialAttempts");
		if (it && strcmp(it->value, "0") != 0 &&
		    !put(st, NM_WINVPN_KEY_REDIAL_ATTEMPTS, it->value, where, error))
			return NULL;
		it = ini_get(sec, "RedialSeconds");
		if (it && !put(st, NM_WINVPN_KEY_REDIAL_INTERVAL, it->value, where, error))
			return NULL;
	}
	if ((it = ini_get(sec, "IdleDisconnectSeconds")) && strcmp(it->value, "0") != 0) {
		g_free(where);
		where = g_strdup_printf(_("%s:%u: entry '%s', IdleDisconnectSeconds"), path,
					it->line, sec->name);
		if (!put(st, NM_WINVPN_KEY_IDLE_TIMEOUT, it->value, where, error))
			return NULL;
	}
	if ((it = ini_get(sec, "DisableClassBasedDefaultRoute")) && !strcmp(it->value, "1")) {
		g_free(where);
		where = g_strdup_printf(_("%s:%u: entry '%s', DisableClassBasedDefaultRoute"),
					path, it->line, sec->name);
		if (!put(st, NM_WINVPN_KEY_DISABLE_CLASS_ROUTE, "yes", where, error))
			return NULL;
	}
	/* AuthRestrictions / CustomAuthKey bit meanings are unverified (anchors.md §6): the
	 * engine's defaults (MS-CHAPv2 preferred) stay.  The remaining Windows keys
	 * (NETCOMPONENTS, device blocks ...) have no winvpn counterpart. */

	s_ip4 = nm_setting_ip4_config_new();
	g_object_set(s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
	/* IpPrioritizeRemote=0: "use default gateway on remote network" unticked: split. */
	it = ini_get(sec, "IpPrioritizeRemote");
	if (it && !strcmp(it->value, "0"))
		g_object_set(s_ip4, NM_SETTING_IP_CONFIG_NEVER_DEFAULT, TRUE, NULL);
	it = ini_get(sec, "IpDnsSuffix");
	if (it && *it->value)
		nm_setting_ip_config_add_dns_search(NM_SETTING_IP_CONFIG(s_ip4), it->value);

	g_free(where);
	where = g_strdup_printf(_("%s:%u: entry '%s'"), path, sec->line, sec->name);
	return build_connection(sec->name, st, g_steal_pointer(&s_ip4), where, error);
}

static GPtrArray *import_pbk(const char *path, const char *text, GPtrArray *notes,
			     GError **error)
{
	g_autoptr(GPtrArray) sections = ini_parse(path, text, error);
	g_autoptr(GPtrArray) out = NULL;
	guint i, first_note = notes->len;

	if (!sections)
		return NULL;
	out = g_ptr_array_new_with_free_func(g_object_unref);
	for (i = 0; i < sections->len; i++) {
		g_autoptr(GError) local = NULL;
		NMConnection *c = pbk_entry(path, sections->pdata[i], notes, &local);

		if (local) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		if (c)
			g_ptr_array_add(out, c);
	}
	if (!out->len) {
		g_autoptr(GString) msg = g_string_new(NULL);

		g_string_printf(msg, _("%s: no PPTP or L2TP/IPsec entry in this phonebook"),
				path);
		for (i = first_note; i < notes->len; i++)
			g_string_append_printf(msg, "\n%s", (const char *)notes->pdata[i]);
		fail(error, NM_CONNECTION_ERROR_MISSING_SETTING, "%s", msg->str);
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* ---- NetworkManager-l2tp's export --------------------------------------------------------- */

/* NetworkManager-l2tp exports a GKeyFile: [connection] id, [vpn] with its vpn.data keys
 * (booleans written true/false by GKeyFile, vpn.data says yes/no), [ipv4] with NM's ipv4
 * properties.  Our keys have its names by design (settings.h), so a key of the table is
 * taken as it is; what follows is everything else it may write. */

/* Keys winvpn cannot honour: refused, since ignoring them would connect with a different
 * protocol than the user configured.  (Certificates, machine and user, are winvpn's keys
 * with NetworkManager-l2tp's names and values, taken as they are.) */
static const char *l2tp_refused(const char *key, const char *value)
{
	if (!strcmp(key, "ipsec-ikev2") && (!strcmp(value, "yes") || !strcmp(value, "true")))
		return _("IKEv2 is not supported");
	return NULL;
}

/* GKeyFile and vpn.data spellings of a boolean, as vpn.data's; else the value unchanged
 * (the table then names the key and the value). */
static const char *l2tp_bool(const char *value)
{
	if (!g_ascii_strcasecmp(value, "true") || !strcmp(value, "1") ||
	    !g_ascii_strcasecmp(value, "yes"))
		return "yes";
	if (!g_ascii_strcasecmp(value, "false") || !strcmp(value, "0") ||
	    !g_ascii_strcasecmp(value, "no"))
		return "no";
	return value;
}

static gboolean l2tp_vpn_item(const char *path, const IniItem *it, wv_settings *st,
			      GPtrArray *notes, GError **error)
{
	g_autofree char *key = g_strdelimit(g_ascii_strdown(it->key, -1), "_", '-');
	g_autofree char *where = g_strdup_printf("%s:%u", path, it->line);
	const struct wv_key *k;
	const char *why;

	/* An older NetworkManager-l2tp export wrote ipsec-gateway-id; same meaning. */
	if (!strcmp(key, "ipsec-gateway-id")) {
		g_free(key);
		key = g_strdup("ipsec-remote-id");
	}
	if ((why = l2tp_refused(key, it->value))) {
		fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY, "%s: %s: %s", where, key, why);
		return FALSE;
	}
	/* Secrets: NetworkManager-l2tp may write the PSK (base64 "0s..." or plain, depending
	 * on its version) — its value cannot be trusted to mean one thing, so NM asks. */
	if (!strcmp(key, "password") || !strcmp(key, "ipsec-psk") ||
	    !strcmp(key, "user-certpass") || !strcmp(key, "machine-certpass")) {
		note(notes, _("%s: %s not imported: NetworkManager will ask for it"), where, key);
		return TRUE;
	}
	k = wv_key_find(key);
	/* protocol and port are ours only; a file claiming them is not NM-l2tp's. */
	if (!k || !strcmp(key, NM_WINVPN_KEY_PROTOCOL) || !strcmp(key, NM_WINVPN_KEY_PORT)) {
		note(notes, _("%s: %s ignored: winvpn has no such setting"), where, key);
		return TRUE;
	}
	return put(st, key, k->type == WV_KEY_BOOL ? l2tp_bool(it->value) : it->value, where,
		   error);
}

/* "a;b;" (GKeyFile list) or "a,b". */
static GStrv l2tp_list(const char *value)
{
	g_auto(GStrv) parts = g_strsplit_set(value, ";,", -1);
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	guint i;

	for (i = 0; parts[i]; i++)
		if (*g_strstrip(parts[i]))
			g_ptr_array_add(out, g_strdup(parts[i]));
	g_ptr_array_add(out, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* "192.168.0.0/24 via 192.168.0.1 metric 1" (NetworkManager-l2tp's own route syntax). */
static NMIPRoute *l2tp_route(const char *text, GError **error)
{
	g_auto(GStrv) w = g_strsplit_set(text, " \t", -1);
	g_autofree char *dest = NULL;
	const char *hop = NULL;
	gint64 metric = -1;
	guint64 prefix = 0;
	char *slash;
	guint i, n = 0;

	for (i = 0; w[i]; i++)
		if (*w[i])
			w[n++] = w[i];
	w[n] = NULL;
	if (n == 0 || !(slash = strchr(w[0], '/')) ||
	    !g_ascii_string_to_unsigned(slash + 1, 10, 1, 32, &prefix, NULL)) {
		g_set_error_literal(error, NM_CONNECTION_ERROR,
				    NM_CONNECTION_ERROR_INVALID_PROPERTY,
				    _("expected ADDRESS/PREFIX [via GATEWAY] [metric N]"));
		return NULL;
	}
	dest = g_strndup(w[0], slash - w[0]);
	for (i = 1; i + 1 < n; i += 2) {
		guint64 m = 0;

		if (!strcmp(w[i], "via"))
			hop = w[i + 1];
		else if (!strcmp(w[i], "metric") &&
			 g_ascii_string_to_unsigned(w[i + 1], 10, 0, G_MAXUINT32, &m, NULL))
			metric = (gint64)m;
		else
			break;
	}
	if (i != n) {
		g_set_error_literal(error, NM_CONNECTION_ERROR,
				    NM_CONNECTION_ERROR_INVALID_PROPERTY,
				    _("expected ADDRESS/PREFIX [via GATEWAY] [metric N]"));
		return NULL;
	}
	return nm_ip_route_new(AF_INET, dest, (guint)prefix, hop, metric, error);
}

static gboolean l2tp_ipv4_item(const char *path, const IniItem *it, NMSettingIPConfig *s_ip4,
			       GPtrArray *notes, GError **error)
{
	static const char *const bools[] = {
		NM_SETTING_IP_CONFIG_NEVER_DEFAULT, NM_SETTING_IP_CONFIG_IGNORE_AUTO_DNS,
		NM_SETTING_IP_CONFIG_IGNORE_AUTO_ROUTES,
	};
	g_auto(GStrv) list = NULL;
	const char *b = l2tp_bool(it->value);
	guint i;

	for (i = 0; i < G_N_ELEMENTS(bools); i++) {
		if (strcmp(it->key, bools[i]))
			continue;
		if (strcmp(b, "yes") && strcmp(b, "no")) {
			fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
			     _("%s:%u: ipv4.%s: '%s' is not a boolean"), path, it->line, it->key,
			     it->value);
			return FALSE;
		}
		g_object_set(s_ip4, bools[i], !strcmp(b, "yes"), NULL);
		return TRUE;
	}
	if (!strcmp(it->key, NM_SETTING_IP_CONFIG_DNS) ||
	    !strcmp(it->key, NM_SETTING_IP_CONFIG_DNS_SEARCH) ||
	    !strcmp(it->key, NM_SETTING_IP_CONFIG_ROUTES))
		list = l2tp_list(it->value);
	for (i = 0; list && list[i]; i++) {
		g_autoptr(GError) local = NULL;

		if (!strcmp(it->key, NM_SETTING_IP_CONFIG_DNS_SEARCH)) {
			nm_setting_ip_config_add_dns_search(s_ip4, list[i]);
		} else if (!strcmp(it->key, NM_SETTING_IP_CONFIG_DNS)) {
			if (!nm_utils_ipaddr_valid(AF_INET, list[i])) {
				fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
				     _("%s:%u: ipv4.dns: '%s' is not an IPv4 address"), path,
				     it->line, list[i]);
				return FALSE;
			}
			nm_setting_ip_config_add_dns(s_ip4, list[i]);
		} else {
			NMIPRoute *r = l2tp_route(list[i], &local);

			if (!r) {
				fail(error, NM_CONNECTION_ERROR_INVALID_PROPERTY,
				     _("%s:%u: ipv4.routes: '%s': %s"), path, it->line, list[i],
				     local->message);
				return FALSE;
			}
			nm_setting_ip_config_add_route(s_ip4, r);
			nm_ip_route_unref(r);
		}
	}
	if (list)
		return TRUE;
	if (!strcmp(it->key, NM_SETTING_IP_CONFIG_METHOD) && !strcmp(it->value, "auto"))
		return TRUE;
	note(notes, _("%s:%u: ipv4.%s ignored"), path, it->line, it->key);
	return TRUE;
}

static NMConnection *import_l2tp(const char *path, const char *text, GPtrArray *notes,
				 GError **error)
{
	g_autoptr(GPtrArray) sections = ini_parse(path, text, error);
	g_autoptr(wv_settings) st = wv_settings_new();
	g_autoptr(NMSetting) s_ip4 = NULL;
	g_autofree char *id = NULL;
	const IniSection *vpn, *ip4, *con;
	const IniItem *it;
	guint i;

	if (!sections)
		return NULL;
	if (!st) {
		fail(error, NM_CONNECTION_ERROR_FAILED, "%s", g_strerror(ENOMEM));
		return NULL;
	}
	vpn = ini_section(sections, "vpn");
	ip4 = ini_section(sections, "ipv4");
	con = ini_section(sections, "connection");
	if (!put(st, NM_WINVPN_KEY_PROTOCOL, "l2tp", path, error))
		return NULL;
	for (i = 0; i < vpn->items->len; i++)
		if (!l2tp_vpn_item(path, vpn->items->pdata[i], st, notes, error))
			return NULL;
	if (!wv_settings_get(st, NM_WINVPN_KEY_GATEWAY)) {
		fail(error, NM_CONNECTION_ERROR_MISSING_PROPERTY,
		     _("%s:%u: [vpn] has no gateway"), path, vpn->line);
		return NULL;
	}
	/* NetworkManager-l2tp's default is plain L2TP, ours L2TP/IPsec: say which. */
	if (!wv_settings_get(st, NM_WINVPN_KEY_IPSEC_ENABLED)) {
		if (!put(st, NM_WINVPN_KEY_IPSEC_ENABLED, "no", path, error))
			return NULL;
		note(notes, _("%s: IPsec is off, as in the original: the tunnel is not "
			      "encrypted"), path);
	}
	/* It exports no *-flags: ask for what is needed. */
	if (!put_secret_flags(st, path, error))
		return NULL;

	s_ip4 = nm_setting_ip4_config_new();
	g_object_set(s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
	for (i = 0; ip4 && i < ip4->items->len; i++)
		if (!l2tp_ipv4_item(path, ip4->items->pdata[i], NM_SETTING_IP_CONFIG(s_ip4),
				    notes, error))
			return NULL;
	for (i = 0; i < sections->len; i++) {
		const IniSection *sec = sections->pdata[i];

		if (sec != vpn && sec != ip4 && sec != con)
			note(notes, _("%s:%u: [%s] ignored"), path, sec->line, sec->name);
	}
	it = ini_get(con, "id");
	if (!it)
		it = ini_get(con, "name");
	id = it && *it->value ? g_strdup(it->value) : id_from_path(path);
	return build_connection(id, st, g_steal_pointer(&s_ip4), path, error);
}

/* ---- entry points --------------------------------------------------------------------------- */

GPtrArray *nm_winvpn_import_all(const char *path, GPtrArray **notes_out, GError **error)
{
	g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) out = NULL;
	g_autofree char *text = NULL;
	NMConnection *c = NULL;

	g_return_val_if_fail(path, NULL);
	text = read_text(path, error);
	if (!text)
		return NULL;
	switch (nm_winvpn_import_detect(text)) {
	case NM_WINVPN_IMPORT_FORMAT_PBK:
		out = import_pbk(path, text, notes, error);
		break;
	case NM_WINVPN_IMPORT_FORMAT_NM_L2TP:
		c = import_l2tp(path, text, notes, error);
		break;
	case NM_WINVPN_IMPORT_FORMAT_WINVPN:
		c = import_winvpn(path, text, error);
		break;
	}
	if (c) {
		out = g_ptr_array_new_with_free_func(g_object_unref);
		g_ptr_array_add(out, c);
	}
	if (out && notes_out)
		*notes_out = g_steal_pointer(&notes);
	return g_steal_pointer(&out);
}

NMConnection *nm_winvpn_import_file(const char *path, GError **error)
{
	g_autoptr(GPtrArray) notes = NULL;
	g_autoptr(GPtrArray) all = nm_winvpn_import_all(path, &notes, error);
	guint i;

	if (!all)
		return NULL;
	/* Nothing else reaches nmcli's user on success: say what was left out. */
	for (i = 0; i < notes->len; i++)
		g_message("%s", (const char *)notes->pdata[i]);
	for (i = 1; i < all->len; i++)
		g_message(_("%s: entry '%s' not imported: only the first VPN entry of a "
			    "phonebook is (nm_winvpn_import_all() returns every one)"),
			  path, nm_connection_get_id(all->pdata[i]));
	return g_object_ref(all->pdata[0]);
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
