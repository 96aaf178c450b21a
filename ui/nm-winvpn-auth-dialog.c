/* nm-winvpn-auth-dialog.c -- the helper NetworkManager's secret agents (nm-applet, GNOME
 * Shell, nmcli) run to get a winvpn connection's secrets.
 *
 *   nm-winvpn-auth-dialog --uuid UUID --name NAME --service SERVICE
 *                         [--reprompt] [--allow-interaction] [--external-ui-mode] [--hint H]
 *
 * stdin: the connection's vpn.data and the secrets the agent already has, in NM's
 * DATA_KEY=/DATA_VAL=/SECRET_KEY=/SECRET_VAL=/DONE protocol
 * (nm_vpn_service_plugin_read_vpn_details).  Needed are the service's own choice
 * (nm_winvpn_secret_applies): "password" or, with EAP-TLS, "user-certpass"; for
 * L2TP/IPsec "ipsec-psk" or, with a machine certificate, "machine-certpass"; a secret
 * whose flags say NOT_REQUIRED is not needed.  A missing secret is
 * looked up in the keyring (libsecret, NetworkManager's schema), then asked for:
 *   --external-ui-mode   print a [VPN Plugin UI] key file for the agent to draw, and exit;
 *   --allow-interaction  with a display, NMAVpnPasswordDialog;
 *   otherwise            answer what we have.  Never waits for a display.
 * The answer is "key\nvalue\n" pairs and "\n\n"; then the dialog waits (20 s at most) for
 * "QUIT" on stdin.  Secret values are never logged and are wiped when freed. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <libsecret/secret.h>
#include <locale.h>
#include <NetworkManager.h>
#include <nma-vpn-password-dialog.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nm-winvpn-utils.h"
#include "settings.h"
#include "settings.h"

#define QUIT_TIMEOUT_MS 20000

static const SecretSchema nm_schema = {
	"org.freedesktop.NetworkManager.Connection",
	SECRET_SCHEMA_DONT_MATCH_NAME,
	{
		{ "connection-uuid", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "setting-name", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "setting-key", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		g_free(s);
	}
}

/* One secret the connection needs. */
typedef struct {
	const char *key;
	const char *label;
	NMSettingSecretFlags flags;
	char *value;        /* wiped */
	gboolean ask;
} Secret;

static void wipe_table(GHashTable *t)
{
	GHashTableIter it;
	gpointer v;

	if (!t)
		return;
	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (v)
			explicit_bzero(v, strlen(v));
}

static char *keyring_lookup(const char *uuid, const char *key)
{
	g_autoptr(GError) error = NULL;
	char *pw;

	pw = secret_password_lookup_sync(&nm_schema, NULL, &error,
					 "connection-uuid", uuid,
					 "setting-name", NM_SETTING_VPN_SETTING_NAME,
					 "setting-key", key,
					 NULL);
	if (error)
		g_debug("keyring lookup for %s failed: %s", key, error->message);
	if (!pw)
		return NULL;
	{
		char *copy = g_strdup(pw);

		secret_password_free(pw);
		return copy;
	}
}

static const char *table_get(gconstpointer data, const char *key)
{
	return g_hash_table_lookup((GHashTable *)data, key);
}

/* Which secrets are needed, and what we have for them. */
static guint collect(Secret *s, GHashTable *data, GHashTable *secrets, const char *uuid,
		     gboolean reprompt, const char *const *hints)
{
	static const char *const labels[] = {
		N_("Password:"), N_("Pre-shared key:"), N_("Machine certificate passphrase:"),
		N_("User certificate passphrase:"),
	};
	guint n = 0, i;

	/* The service's rules (nm-winvpn-utils.c), so that the dialog asks for exactly
	 * what NeedSecrets wants. */
	G_STATIC_ASSERT(G_N_ELEMENTS(labels) == 4);
	for (i = 0; wv_secret_keys[i] && i < G_N_ELEMENTS(labels); i++)
		if (nm_winvpn_secret_applies(wv_secret_keys[i], table_get, data))
			s[n++] = (Secret){ .key = wv_secret_keys[i], .label = _(labels[i]) };

	for (i = 0; i < n; i++) {
		const char *have = secrets ? g_hash_table_lookup(secrets, s[i].key) : NULL;
		gboolean hinted = TRUE;
		const char *const *h;

		nm_vpn_service_plugin_get_secret_flags(data, s[i].key, &s[i].flags);
		/* Hints other than "x-vpn-message:" name the secrets the service wants. */
		for (h = hints; h && *h; h++)
			if (!g_str_has_prefix(*h, "x-vpn-message:"))
				hinted = FALSE;
		for (h = hints; h && *h; h++)
			if (!g_str_has_prefix(*h, "x-vpn-message:") &&
			    g_str_has_suffix(*h, s[i].key))
				hinted = TRUE;
		if (have && *have)
			s[i].value = g_strdup(have);
		else if (!(s[i].flags & (NM_SETTING_SECRET_FLAG_NOT_SAVED |
					 NM_SETTING_SECRET_FLAG_NOT_REQUIRED)) && uuid)
			s[i].value = keyring_lookup(uuid, s[i].key);
		if (s[i].flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)
			s[i].ask = FALSE;
		else if (s[i].flags & NM_SETTING_SECRET_FLAG_NOT_SAVED)
			s[i].ask = TRUE;
		else
			s[i].ask = reprompt || !s[i].value || !*s[i].value;
		/* Hints name the secrets the service asked for; others keep their values. */
		if (!hinted && s[i].value && *s[i].value)
			s[i].ask = FALSE;
	}
	return n;
}

static void print_external(const Secret *s, guint n, const char *name, const char *message)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *desc = NULL;
	gsize len = 0;
	char *text;
	guint i;

	desc = message ? g_strdup(message)
		       : g_strdup_printf(_("Passwords or secrets are required to connect to "
					   "the VPN “%s”."), name ? name : "");
	g_key_file_set_integer(kf, "VPN Plugin UI", "Version", 2);
	g_key_file_set_string(kf, "VPN Plugin UI", "Description", desc);
	g_key_file_set_string(kf, "VPN Plugin UI", "Title", _("Authenticate VPN"));
	for (i = 0; i < n; i++) {
		g_key_file_set_string(kf, s[i].key, "Value", s[i].value ? s[i].value : "");
		g_key_file_set_string(kf, s[i].key, "Label", s[i].label);
		g_key_file_set_boolean(kf, s[i].key, "IsSecret", TRUE);
		g_key_file_set_boolean(kf, s[i].key, "ShouldAsk", s[i].ask);
	}
	text = g_key_file_to_data(kf, &len, NULL);
	fwrite(text, 1, len, stdout);
	fflush(stdout);
	explicit_bzero(text, len);
	g_free(text);
}

static gboolean have_display(void)
{
	return (g_getenv("DISPLAY") && *g_getenv("DISPLAY")) ||
	       (g_getenv("WAYLAND_DISPLAY") && *g_getenv("WAYLAND_DISPLAY"));
}

/* The GTK prompt; FALSE when cancelled. */
static gboolean ask_gtk(Secret *s, guint n, const char *name, const char *message)
{
	g_autofree char *prompt = NULL;
	NMAVpnPasswordDialog *dialog;
	gboolean ok;

	prompt = message ? g_strdup(message)
			 : g_strdup_printf(_("You need to authenticate to access the Virtual "
					     "Private Network “%s”."), name ? name : "");
	dialog = NMA_VPN_PASSWORD_DIALOG(nma_vpn_password_dialog_new(_("Authenticate VPN"),
								    prompt, NULL));
	nma_vpn_password_dialog_set_show_password(dialog, s[0].ask);
	nma_vpn_password_dialog_set_password_label(dialog, s[0].label);
	if (s[0].value)
		nma_vpn_password_dialog_set_password(dialog, s[0].value);
	nma_vpn_password_dialog_set_show_password_secondary(dialog, n > 1 && s[1].ask);
	if (n > 1) {
		nma_vpn_password_dialog_set_password_secondary_label(dialog, s[1].label);
		if (s[1].value)
			nma_vpn_password_dialog_set_password_secondary(dialog, s[1].value);
	}
	gtk_widget_show(GTK_WIDGET(dialog));
	ok = nma_vpn_password_dialog_run_and_block(dialog);
	if (ok) {
		free_secret(s[0].value);
		s[0].value = g_strdup(nma_vpn_password_dialog_get_password(dialog));
		if (n > 1) {
			free_secret(s[1].value);
			s[1].value = g_strdup(
				nma_vpn_password_dialog_get_password_secondary(dialog));
		}
	}
	gtk_widget_destroy(GTK_WIDGET(dialog));
	return ok;
}

/* Waits for "QUIT" on stdin (NM sends it once it has read the answer). */
static void wait_for_quit(void)
{
	GString *buf = g_string_new(NULL);
	struct timespec start, now;
	struct pollfd pfd = { .fd = 0, .events = POLLIN };

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		char c[256];
		ssize_t r;
		long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = QUIT_TIMEOUT_MS - ((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		r = read(0, c, sizeof(c));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		g_string_append_len(buf, c, r);
		if (strstr(buf->str, "QUIT"))
			break;
	}
	g_string_free(buf, TRUE);
}

int main(int argc, char **argv)
{
	gboolean reprompt = FALSE, allow_interaction = FALSE, external_ui_mode = FALSE;
	g_autofree char *uuid = NULL, *name = NULL, *service = NULL;
	g_auto(GStrv) hints = NULL;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	GHashTable *data = NULL, *secrets = NULL;
	const char *message = NULL;
	/* At most two apply at once: the password or the user certificate passphrase,
	 * the pre-shared key or the machine certificate passphrase. */
	Secret s[4] = { { 0 } };
	guint n, i;
	gboolean ok = TRUE, want_ask = FALSE;
	GOptionEntry entries[] = {
		{ "reprompt", 'r', 0, G_OPTION_ARG_NONE, &reprompt,
		  N_("Reprompt for passwords"), NULL },
		{ "uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid,
		  N_("UUID of VPN connection"), NULL },
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &name,
		  N_("Name of VPN connection"), NULL },
		{ "service", 's', 0, G_OPTION_ARG_STRING, &service,
		  N_("VPN service type"), NULL },
		{ "allow-interaction", 'i', 0, G_OPTION_ARG_NONE, &allow_interaction,
		  N_("Allow user interaction"), NULL },
		{ "external-ui-mode", 0, 0, G_OPTION_ARG_NONE, &external_ui_mode,
		  N_("External UI mode"), NULL },
		{ "hint", 't', 0, G_OPTION_ARG_STRING_ARRAY, &hints,
		  N_("Hints from the VPN service"), NULL },
		{ NULL },
	};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	context = g_option_context_new(NULL);
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	if (!uuid || !name || !service) {
		fprintf(stderr, _("A connection UUID, name and VPN service type are needed.\n"));
		return 1;
	}
	if (strcmp(service, "org.freedesktop.NetworkManager.winvpn") != 0) {
		fprintf(stderr, _("This dialog only works with the '%s' service\n"),
			"org.freedesktop.NetworkManager.winvpn");
		return 1;
	}
	if (!nm_vpn_service_plugin_read_vpn_details(0, &data, &secrets)) {
		fprintf(stderr, _("Failed to read '%s' (%s) data and secrets from stdin.\n"),
			name, uuid);
		return 1;
	}
	/* "x-vpn-message:..." is text for the user. */
	for (i = 0; hints && hints[i]; i++)
		if (g_str_has_prefix(hints[i], "x-vpn-message:"))
			message = hints[i] + strlen("x-vpn-message:");

	n = collect(s, data, secrets, uuid, reprompt, (const char *const *)hints);
	for (i = 0; i < n; i++)
		want_ask |= s[i].ask;

	if (external_ui_mode) {
		print_external(s, n, name, message);
	} else {
		if (want_ask && allow_interaction && have_display() &&
		    gtk_init_check(&argc, &argv))
			ok = ask_gtk(s, n, name, message);
		if (ok) {
			for (i = 0; i < n; i++)
				if (s[i].value && *s[i].value)
					printf("%s\n%s\n", s[i].key, s[i].value);
			printf("\n\n");
			fflush(stdout);
			wait_for_quit();
		}
	}

	for (i = 0; i < n; i++)
		free_secret(s[i].value);
	wipe_table(secrets);
	g_hash_table_unref(data);
	if (secrets)
		g_hash_table_unref(secrets);
	return ok ? 0 : 1;
}
