/* nm-winvpn-editor.c -- libnm-vpn-plugin-winvpn-editor.so: the GTK 3 page that
 * nm-connection-editor shows for a winvpn connection.  Loaded by
 * libnm-vpn-plugin-winvpn.so (get_editor); the only exported symbol is
 * nm_vpn_editor_factory_winvpn (libnm-vpn-plugin-winvpn-editor.ver).
 *
 * The page uses the words of Windows' "Add a VPN connection" form: the VPN type is
 * Automatic, PPTP, L2TP/IPsec with certificate or L2TP/IPsec with pre-shared key (plus
 * unencrypted L2TP), i.e. protocol auto|pptp|l2tp with machine-auth-type psk|tls.  The
 * certificate type shows the CA, certificate and key files, the key's passphrase (with
 * libnma's storage menu) and the gateway's identity; Automatic shows the pre-shared key
 * next to the PPTP fields.  Every value goes through the engine's key table
 * (wv_key_check): a value the table refuses, or a required one missing, gets the "error"
 * style class and update_connection() fails, which keeps Save disabled.  The "Advanced..."
 * button opens nm-winvpn-advanced.c's dialog; keys neither shows are carried over. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>
#include <NetworkManager.h>
#include <nma-ui-utils.h>
#include <stdlib.h>

#include "nm-winvpn-advanced.h"
#include "nm-winvpn-import.h"
#include "settings.h"

NMVpnEditor *nm_vpn_editor_factory_winvpn(NMVpnEditorPlugin *plugin, NMConnection *connection,
					  GError **error);

/* The rows of the "VPN type" list, in Windows' order (its combo has SSTP and IKEv2 between). */
enum { TYPE_AUTO, TYPE_PPTP, TYPE_L2TP_CERT, TYPE_L2TP_PSK, TYPE_L2TP, N_TYPES };

static const struct {
	const char *id;          /* the combo's row id */
	const char *protocol;
	const char *machine_auth;  /* NULL: not IPsec */
	const char *label;
} types[N_TYPES] = {
	[TYPE_AUTO] = { "auto", "auto", "psk", N_("Automatic") },
	[TYPE_PPTP] = { "pptp", "pptp", NULL, N_("Point to Point Tunneling Protocol (PPTP)") },
	[TYPE_L2TP_CERT] = { "l2tp-cert", "l2tp", "tls", N_("L2TP/IPsec with certificate") },
	[TYPE_L2TP_PSK] = { "l2tp-psk", "l2tp", "psk", N_("L2TP/IPsec with pre-shared key") },
	[TYPE_L2TP] = { "l2tp", "l2tp", NULL, N_("L2TP without IPsec (not encrypted)") },
};

/* The certificate rows: file choosers, each standing for a key. */
enum { CERT_CA, CERT_CERT, CERT_KEY, N_CERT };
static const struct {
	const char *key;
	const char *label;
	gboolean required;
} cert_rows[N_CERT] = {
	[CERT_CA] = { NM_WINVPN_KEY_MACHINE_CA, N_("C_A certificate"), FALSE },
	[CERT_CERT] = { NM_WINVPN_KEY_MACHINE_CERT, N_("_Machine certificate"), TRUE },
	[CERT_KEY] = { NM_WINVPN_KEY_MACHINE_KEY, N_("Private _key"), FALSE },
};

#define WINVPN_TYPE_EDITOR (winvpn_editor_get_type())
G_DECLARE_FINAL_TYPE(WinvpnEditor, winvpn_editor, WINVPN, EDITOR, GObject)

struct _WinvpnEditor {
	GObject parent;
	GtkWidget *grid;
	GtkWidget *type;
	GtkWidget *gateway;
	GtkWidget *user;
	GtkWidget *password;
	GtkWidget *domain;
	GtkWidget *psk_label;
	GtkWidget *psk;
	GtkWidget *cert[N_CERT], *cert_label[N_CERT];
	char *cert_value[N_CERT];   /* the file of each chooser (kept if it does not exist here) */
	GtkWidget *certpass, *certpass_label;
	GtkWidget *remote_id, *remote_id_label;
	GtkWidget *advanced;
	GtkWidget *adv_dialog;  /* while open; a weak pointer */
	GHashTable *adv;        /* the Advanced dialog's keys that are set: key -> value */
	NMSettingVpn *orig;  /* a copy of the connection's vpn setting, for the other keys */
	gboolean auto_tls;   /* Automatic with a machine certificate (set with nmcli) */
	gboolean built;
};

static void winvpn_editor_interface_init(NMVpnEditorInterface *iface);

G_DEFINE_TYPE_WITH_CODE(WinvpnEditor, winvpn_editor, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR, winvpn_editor_interface_init))

/* The entries the key table checks, with their keys. */
static const struct {
	gsize offset;
	const char *key;
	gboolean required;
} checked[] = {
	{ G_STRUCT_OFFSET(WinvpnEditor, gateway), NM_WINVPN_KEY_GATEWAY, TRUE },
	{ G_STRUCT_OFFSET(WinvpnEditor, user), NM_WINVPN_KEY_USER, FALSE },
	{ G_STRUCT_OFFSET(WinvpnEditor, domain), NM_WINVPN_KEY_DOMAIN, FALSE },
	{ G_STRUCT_OFFSET(WinvpnEditor, remote_id), NM_WINVPN_KEY_IPSEC_REMOTE_ID, FALSE },
};

#define CHECKED_ENTRY(self, i) (*(GtkWidget **)G_STRUCT_MEMBER_P((self), checked[i].offset))

static const char *entry_text(GtkWidget *entry)
{
	return gtk_entry_get_text(GTK_ENTRY(entry));
}

static void mark(GtkWidget *w, gboolean bad)
{
	GtkStyleContext *ctx = gtk_widget_get_style_context(w);

	if (bad)
		gtk_style_context_add_class(ctx, GTK_STYLE_CLASS_ERROR);
	else
		gtk_style_context_remove_class(ctx, GTK_STYLE_CLASS_ERROR);
}

static int current_type(WinvpnEditor *self)
{
	const char *id = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->type));
	int i;

	for (i = 0; i < N_TYPES; i++)
		if (!g_strcmp0(id, types[i].id))
			return i;
	return TYPE_PPTP;
}

/* Whether the type presents a machine certificate (else, for IPsec, the PSK).  Automatic is
 * the PSK kind unless the connection came with machine-auth-type=tls, which it then keeps. */
static gboolean uses_cert(WinvpnEditor *self, int type)
{
	return type == TYPE_L2TP_CERT || (type == TYPE_AUTO && self->auto_tls);
}

static gboolean uses_psk(WinvpnEditor *self, int type)
{
	return type == TYPE_L2TP_PSK || (type == TYPE_AUTO && !self->auto_tls);
}

/* Checks every entry against the key table and marks the bad ones; the first problem
 * goes to @error.  Rows the current type hides are not checked (nor saved). */
static gboolean check_entries(WinvpnEditor *self, GError **error)
{
	gboolean ok = TRUE;
	gboolean cert = uses_cert(self, current_type(self));
	guint i;

	for (i = 0; i < N_CERT; i++) {
		const char *v = self->cert_value[i];
		char *msg = NULL;
		gboolean bad = FALSE;

		if (!cert) {
			mark(self->cert[i], FALSE);
			continue;
		}
		if (!v || !*v) {
			if (cert_rows[i].required) {
				bad = TRUE;
				if (ok)
					g_set_error(error, NM_CONNECTION_ERROR,
						    NM_CONNECTION_ERROR_MISSING_PROPERTY,
						    _("missing %s: choose the certificate file"),
						    cert_rows[i].key);
			}
		} else if (wv_key_check(wv_key_find(cert_rows[i].key), v, &msg) < 0) {
			bad = TRUE;
			if (ok)
				g_set_error(error, NM_CONNECTION_ERROR,
					    NM_CONNECTION_ERROR_INVALID_PROPERTY, "%s",
					    msg ? msg : cert_rows[i].key);
		}
		free(msg);
		mark(self->cert[i], bad);
		if (bad)
			ok = FALSE;
	}

	for (i = 0; i < G_N_ELEMENTS(checked); i++) {
		GtkWidget *w = CHECKED_ENTRY(self, i);
		const char *v = entry_text(w);
		char *msg = NULL;
		gboolean bad = FALSE;

		if (!*v) {
			if (checked[i].required) {
				bad = TRUE;
				if (ok)
					g_set_error(error, NM_CONNECTION_ERROR,
						    NM_CONNECTION_ERROR_MISSING_PROPERTY,
						    _("missing %s"), checked[i].key);
			}
		} else if (wv_key_check(wv_key_find(checked[i].key), v, &msg) < 0) {
			bad = TRUE;
			if (ok)
				g_set_error(error, NM_CONNECTION_ERROR,
					    NM_CONNECTION_ERROR_INVALID_PROPERTY, "%s",
					    msg ? msg : checked[i].key);
		}
		free(msg);
		mark(w, bad);
		if (bad)
			ok = FALSE;
	}
	/* Secrets: only control characters are refused; never quoted. */
	for (i = 0; i < 3; i++) {
		GtkWidget *w = i == 0 ? self->password : i == 1 ? self->psk : self->certpass;
		const char *v = entry_text(w);
		gboolean bad = FALSE;
		const char *p;

		for (p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				bad = TRUE;
		mark(w, bad);
		if (bad && ok)
			g_set_error(error, NM_CONNECTION_ERROR,
				    NM_CONNECTION_ERROR_INVALID_PROPERTY,
				    _("invalid %s: the value contains control characters"),
				    i == 0 ? NM_WINVPN_KEY_PASSWORD :
				    i == 1 ? NM_WINVPN_KEY_IPSEC_PSK : NM_WINVPN_KEY_MACHINE_CERTPASS);
		if (bad)
			ok = FALSE;
	}
	return ok;
}

static void show_row(GtkWidget *label, GtkWidget *w, gboolean on)
{
	gtk_widget_set_visible(label, on);
	gtk_widget_set_visible(w, on);
}

/* The pre-shared key for Automatic and L2TP/IPsec with PSK; the certificate rows for
 * L2TP/IPsec with certificate. */
static void show_rows(WinvpnEditor *self)
{
	int type = current_type(self);
	gboolean cert = uses_cert(self, type);
	guint i;

	show_row(self->psk_label, self->psk, uses_psk(self, type));
	for (i = 0; i < N_CERT; i++)
		show_row(self->cert_label[i], self->cert[i], cert);
	show_row(self->certpass_label, self->certpass, cert);
	show_row(self->remote_id_label, self->remote_id, cert);
}

static void changed_cb(GtkWidget *w, gpointer user_data)
{
	WinvpnEditor *self = WINVPN_EDITOR(user_data);

	if (!self->built)
		return;
	show_rows(self);
	check_entries(self, NULL);
	g_signal_emit_by_name(self, "changed");
}

static void file_set_cb(GtkFileChooserButton *button, gpointer user_data)
{
	WinvpnEditor *self = WINVPN_EDITOR(user_data);
	guint i;

	for (i = 0; i < N_CERT; i++)
		if (GTK_WIDGET(button) == self->cert[i]) {
			g_free(self->cert_value[i]);
			self->cert_value[i] = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(button));
		}
	changed_cb(GTK_WIDGET(button), self);
}

static void put_secret(WinvpnEditor *self, NMSettingVpn *s_vpn, GtkWidget *entry,
		       const char *key)
{
	NMSettingSecretFlags flags = nma_utils_menu_to_secret_flags(entry);
	const char *v = entry_text(entry);

	nm_setting_set_secret_flags(NM_SETTING(s_vpn), key, flags, NULL);
	if (*v && !(flags & (NM_SETTING_SECRET_FLAG_NOT_SAVED |
			     NM_SETTING_SECRET_FLAG_NOT_REQUIRED)))
		nm_setting_vpn_add_secret(s_vpn, key, v);
	/* Keep the entry's storage menu in step with what we stored. */
	nma_utils_update_password_storage(entry, flags, NM_SETTING(s_vpn), key);
}

typedef struct {
	NMSettingVpn *dst;
} CopyData;

/* Keys the page does not show are kept as they were; the Advanced dialog's come from
 * self->adv, which started as a copy of them, so that it can also unset one. */
static void copy_other(const char *key, const char *value, gpointer user_data)
{
	CopyData *d = user_data;

	static const char *const page_keys[] = {
		NM_WINVPN_KEY_IPSEC_ENABLED, NM_WINVPN_KEY_MACHINE_AUTH_TYPE,
		NM_WINVPN_KEY_MACHINE_CA, NM_WINVPN_KEY_MACHINE_CERT, NM_WINVPN_KEY_MACHINE_KEY,
		NM_WINVPN_KEY_IPSEC_REMOTE_ID, NULL,
	};

	/* What the page shows was written from it, set or cleared. */
	if (g_strv_contains(page_keys, key))
		return;
	if (!winvpn_advanced_owns_key(key) && !nm_setting_vpn_get_data_item(d->dst, key))
		nm_setting_vpn_add_data_item(d->dst, key, value);
}

static gboolean update_connection(NMVpnEditor *editor, NMConnection *connection,
				  GError **error)
{
	WinvpnEditor *self = WINVPN_EDITOR(editor);
	NMSettingVpn *s_vpn;
	CopyData copy;
	GHashTableIter it;
	gpointer key, value;
	int type;
	guint i;

	if (!check_entries(self, error))
		return FALSE;
	s_vpn = NM_SETTING_VPN(nm_setting_vpn_new());
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_DBUS_SERVICE_WINVPN, NULL);

	type = current_type(self);
	nm_setting_vpn_add_data_item(s_vpn, NM_WINVPN_KEY_PROTOCOL, types[type].protocol);
	if (type != TYPE_PPTP && type != TYPE_AUTO)
		nm_setting_vpn_add_data_item(s_vpn, NM_WINVPN_KEY_IPSEC_ENABLED,
					     types[type].machine_auth ? "yes" : "no");
	if (types[type].machine_auth)
		nm_setting_vpn_add_data_item(s_vpn, NM_WINVPN_KEY_MACHINE_AUTH_TYPE,
					     uses_cert(self, type) ? "tls" : "psk");
	for (i = 0; i < G_N_ELEMENTS(checked); i++) {
		const char *v = entry_text(CHECKED_ENTRY(self, i));

		if (CHECKED_ENTRY(self, i) == self->remote_id && !uses_cert(self, type))
			continue;
		if (*v)
			nm_setting_vpn_add_data_item(s_vpn, checked[i].key, v);
	}
	for (i = 0; uses_cert(self, type) && i < N_CERT; i++)
		if (self->cert_value[i] && *self->cert_value[i])
			nm_setting_vpn_add_data_item(s_vpn, cert_rows[i].key, self->cert_value[i]);
	g_hash_table_iter_init(&it, self->adv);
	while (g_hash_table_iter_next(&it, &key, &value))
		nm_setting_vpn_add_data_item(s_vpn, key, value);
	put_secret(self, s_vpn, self->password, NM_WINVPN_KEY_PASSWORD);
	if (uses_psk(self, type))
		put_secret(self, s_vpn, self->psk, NM_WINVPN_KEY_IPSEC_PSK);
	if (uses_cert(self, type))
		put_secret(self, s_vpn, self->certpass, NM_WINVPN_KEY_MACHINE_CERTPASS);

	if (self->orig) {
		copy.dst = s_vpn;
		nm_setting_vpn_foreach_data_item(self->orig, copy_other, &copy);
	}
	/* What the type does not use goes: the flags of a secret it never asks for, the
	 * files and identity of a certificate it does not present. */
	if (!uses_psk(self, type))
		nm_setting_vpn_remove_data_item(s_vpn, NM_WINVPN_KEY_IPSEC_PSK_FLAGS);
	if (!uses_cert(self, type)) {
		nm_setting_vpn_remove_data_item(s_vpn, NM_WINVPN_KEY_MACHINE_CERTPASS_FLAGS);
		nm_setting_vpn_remove_data_item(s_vpn, NM_WINVPN_KEY_IPSEC_REMOTE_ID);
		for (i = 0; i < N_CERT; i++)
			nm_setting_vpn_remove_data_item(s_vpn, cert_rows[i].key);
	}
	if (!types[type].machine_auth)
		nm_setting_vpn_remove_data_item(s_vpn, NM_WINVPN_KEY_MACHINE_AUTH_TYPE);
	nm_connection_add_setting(connection, NM_SETTING(s_vpn));
	return TRUE;
}

static GObject *get_widget(NMVpnEditor *editor)
{
	return G_OBJECT(WINVPN_EDITOR(editor)->grid);
}

static GtkWidget *add_row(WinvpnEditor *self, int row, const char *label, GtkWidget *w,
			  GtkWidget **out_label)
{
	GtkWidget *l = gtk_label_new_with_mnemonic(label);

	gtk_label_set_xalign(GTK_LABEL(l), 1.0);
	gtk_label_set_mnemonic_widget(GTK_LABEL(l), w);
	gtk_widget_set_hexpand(w, TRUE);
	gtk_grid_attach(GTK_GRID(self->grid), l, 0, row, 1, 1);
	gtk_grid_attach(GTK_GRID(self->grid), w, 1, row, 1, 1);
	if (out_label)
		*out_label = l;
	return w;
}

static GtkWidget *new_entry(WinvpnEditor *self, const char *name, const char *text,
			    gboolean secret)
{
	GtkWidget *e = gtk_entry_new();

	gtk_widget_set_name(e, name);
	gtk_entry_set_text(GTK_ENTRY(e), text ? text : "");
	gtk_entry_set_activates_default(GTK_ENTRY(e), TRUE);
	if (secret) {
		gtk_entry_set_visibility(GTK_ENTRY(e), FALSE);
		gtk_entry_set_input_purpose(GTK_ENTRY(e), GTK_INPUT_PURPOSE_PASSWORD);
	}
	g_signal_connect(e, "changed", G_CALLBACK(changed_cb), self);
	return e;
}

static void advanced_done(gpointer user_data)
{
	WinvpnEditor *self = WINVPN_EDITOR(user_data);

	g_signal_emit_by_name(self, "changed");
}

static void advanced_cb(GtkWidget *button, gpointer user_data)
{
	WinvpnEditor *self = WINVPN_EDITOR(user_data);
	GtkWidget *top = gtk_widget_get_toplevel(self->grid);
	int type = current_type(self);

	if (self->adv_dialog) {
		gtk_window_present(GTK_WINDOW(self->adv_dialog));
		return;
	}
	self->adv_dialog = winvpn_advanced_dialog_new(
		gtk_widget_is_toplevel(top) && GTK_IS_WINDOW(top) ? GTK_WINDOW(top) : NULL,
		self->adv, type != TYPE_PPTP, types[type].machine_auth != NULL, advanced_done, self);
	g_object_add_weak_pointer(G_OBJECT(self->adv_dialog), (gpointer *)&self->adv_dialog);
}

static void keep_advanced(const char *key, const char *value, gpointer user_data)
{
	WinvpnEditor *self = WINVPN_EDITOR(user_data);

	if (winvpn_advanced_owns_key(key))
		g_hash_table_insert(self->adv, g_strdup(key), g_strdup(value));
}

static GtkWidget *new_cert_chooser(WinvpnEditor *self, guint i, const char *value)
{
	GtkWidget *b = gtk_file_chooser_button_new(_(cert_rows[i].label), GTK_FILE_CHOOSER_ACTION_OPEN);
	GtkFileFilter *f = gtk_file_filter_new();

	gtk_widget_set_name(b, cert_rows[i].key);
	gtk_file_filter_set_name(f, i == CERT_KEY ? _("PEM private keys (*.pem, *.key)")
						  : _("Certificates (*.pem, *.crt, *.p12, *.pfx)"));
	gtk_file_filter_add_pattern(f, "*.pem");
	gtk_file_filter_add_pattern(f, "*.crt");
	gtk_file_filter_add_pattern(f, "*.cer");
	gtk_file_filter_add_pattern(f, "*.key");
	if (i != CERT_CA) {
		gtk_file_filter_add_pattern(f, "*.p12");
		gtk_file_filter_add_pattern(f, "*.pfx");
	}
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(b), f);
	f = gtk_file_filter_new();
	gtk_file_filter_set_name(f, _("All files"));
	gtk_file_filter_add_pattern(f, "*");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(b), f);
	self->cert_value[i] = g_strdup(value && *value ? value : NULL);
	if (self->cert_value[i])
		gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(b), self->cert_value[i]);
	g_signal_connect(b, "file-set", G_CALLBACK(file_set_cb), self);
	return b;
}

static void build(WinvpnEditor *self, NMConnection *connection)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
	const char *protocol = NULL, *ipsec = NULL;
	int type = TYPE_PPTP, row = 0;
	guint i;

#define DATA(k) (s_vpn ? nm_setting_vpn_get_data_item(s_vpn, (k)) : NULL)
#define SECRET(k) (s_vpn ? nm_setting_vpn_get_secret(s_vpn, (k)) : NULL)
	self->adv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (s_vpn) {
		self->orig = NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(s_vpn)));
		nm_setting_vpn_foreach_data_item(s_vpn, keep_advanced, self);
	}
	protocol = DATA(NM_WINVPN_KEY_PROTOCOL);
	ipsec = DATA(NM_WINVPN_KEY_IPSEC_ENABLED);
	if (g_strcmp0(protocol, "auto") == 0) {
		type = TYPE_AUTO;
		self->auto_tls = g_strcmp0(DATA(NM_WINVPN_KEY_MACHINE_AUTH_TYPE), "tls") == 0;
	}
	else if (g_strcmp0(protocol, "l2tp") == 0 && g_strcmp0(ipsec, "no") == 0)
		type = TYPE_L2TP;
	else if (g_strcmp0(protocol, "l2tp") == 0)
		type = g_strcmp0(DATA(NM_WINVPN_KEY_MACHINE_AUTH_TYPE), "tls") == 0 ? TYPE_L2TP_CERT
										    : TYPE_L2TP_PSK;

	self->grid = g_object_ref_sink(gtk_grid_new());
	gtk_widget_set_name(self->grid, "winvpn-editor");
	gtk_grid_set_row_spacing(GTK_GRID(self->grid), 6);
	gtk_grid_set_column_spacing(GTK_GRID(self->grid), 12);
	gtk_container_set_border_width(GTK_CONTAINER(self->grid), 12);

	self->type = gtk_combo_box_text_new();
	gtk_widget_set_name(self->type, "type");
	for (i = 0; i < N_TYPES; i++)
		gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(self->type), types[i].id,
					  _(types[i].label));
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->type), types[type].id);
	g_signal_connect(self->type, "changed", G_CALLBACK(changed_cb), self);
	add_row(self, row++, _("VPN _type"), self->type, NULL);

	self->gateway = new_entry(self, "gateway", DATA(NM_WINVPN_KEY_GATEWAY), FALSE);
	gtk_entry_set_placeholder_text(GTK_ENTRY(self->gateway), _("vpn.example.com"));
	add_row(self, row++, _("_Server name or address"), self->gateway, NULL);

	self->user = new_entry(self, "user", DATA(NM_WINVPN_KEY_USER), FALSE);
	add_row(self, row++, _("_User name"), self->user, NULL);

	self->password = new_entry(self, "password", SECRET(NM_WINVPN_KEY_PASSWORD), TRUE);
	add_row(self, row++, _("_Password"), self->password, NULL);
	nma_utils_setup_password_storage(self->password, 0, NM_SETTING(s_vpn),
					 NM_WINVPN_KEY_PASSWORD, FALSE, FALSE);

	self->domain = new_entry(self, "domain", DATA(NM_WINVPN_KEY_DOMAIN), FALSE);
	gtk_entry_set_placeholder_text(GTK_ENTRY(self->domain), _("(optional)"));
	add_row(self, row++, _("NT _domain"), self->domain, NULL);

	self->psk = new_entry(self, "ipsec-psk", SECRET(NM_WINVPN_KEY_IPSEC_PSK), TRUE);
	add_row(self, row++, _("Pre-shared _key"), self->psk, &self->psk_label);
	nma_utils_setup_password_storage(self->psk, 0, NM_SETTING(s_vpn),
					 NM_WINVPN_KEY_IPSEC_PSK, FALSE, FALSE);

	for (i = 0; i < N_CERT; i++) {
		self->cert[i] = new_cert_chooser(self, i, DATA(cert_rows[i].key));
		add_row(self, row++, _(cert_rows[i].label), self->cert[i], &self->cert_label[i]);
		atk_object_set_name(gtk_widget_get_accessible(self->cert[i]),
				    gtk_label_get_text(GTK_LABEL(self->cert_label[i])));
	}
	self->certpass = new_entry(self, NM_WINVPN_KEY_MACHINE_CERTPASS,
				   SECRET(NM_WINVPN_KEY_MACHINE_CERTPASS), TRUE);
	gtk_entry_set_placeholder_text(GTK_ENTRY(self->certpass),
				       _("(only for an encrypted key or PKCS#12)"));
	add_row(self, row++, _("Key pa_ssphrase"), self->certpass, &self->certpass_label);
	nma_utils_setup_password_storage(self->certpass, 0, NM_SETTING(s_vpn),
					 NM_WINVPN_KEY_MACHINE_CERTPASS, FALSE, FALSE);
	self->remote_id = new_entry(self, NM_WINVPN_KEY_IPSEC_REMOTE_ID,
				    DATA(NM_WINVPN_KEY_IPSEC_REMOTE_ID), FALSE);
	gtk_entry_set_placeholder_text(GTK_ENTRY(self->remote_id),
				       _("(any the CA vouches for)"));
	add_row(self, row++, _("_Gateway identity"), self->remote_id, &self->remote_id_label);
#undef DATA
#undef SECRET

	self->advanced = gtk_button_new_with_mnemonic(_("_Advanced..."));
	gtk_widget_set_name(self->advanced, "advanced");
	gtk_widget_set_halign(self->advanced, GTK_ALIGN_END);
	g_signal_connect(self->advanced, "clicked", G_CALLBACK(advanced_cb), self);
	gtk_grid_attach(GTK_GRID(self->grid), self->advanced, 0, row, 2, 1);

	gtk_widget_show_all(self->grid);
	gtk_widget_set_no_show_all(self->psk_label, TRUE);
	gtk_widget_set_no_show_all(self->psk, TRUE);
	for (i = 0; i < N_CERT; i++) {
		gtk_widget_set_no_show_all(self->cert_label[i], TRUE);
		gtk_widget_set_no_show_all(self->cert[i], TRUE);
	}
	gtk_widget_set_no_show_all(self->certpass_label, TRUE);
	gtk_widget_set_no_show_all(self->certpass, TRUE);
	gtk_widget_set_no_show_all(self->remote_id_label, TRUE);
	gtk_widget_set_no_show_all(self->remote_id, TRUE);
	self->built = TRUE;
	show_rows(self);
	check_entries(self, NULL);
}

static void winvpn_editor_init(WinvpnEditor *self)
{
}

static void dispose(GObject *object)
{
	WinvpnEditor *self = WINVPN_EDITOR(object);

	/* Its OK would call back into this editor. */
	if (self->adv_dialog) {
		GtkWidget *d = self->adv_dialog;

		g_object_remove_weak_pointer(G_OBJECT(d), (gpointer *)&self->adv_dialog);
		self->adv_dialog = NULL;
		gtk_widget_destroy(d);
	}
	g_clear_pointer(&self->adv, g_hash_table_unref);
	for (guint i = 0; i < N_CERT; i++)
		g_clear_pointer(&self->cert_value[i], g_free);
	g_clear_object(&self->grid);
	g_clear_object(&self->orig);
	G_OBJECT_CLASS(winvpn_editor_parent_class)->dispose(object);
}

static void winvpn_editor_class_init(WinvpnEditorClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = dispose;
}

static void winvpn_editor_interface_init(NMVpnEditorInterface *iface)
{
	iface->get_widget = get_widget;
	iface->update_connection = update_connection;
}

NMVpnEditor *nm_vpn_editor_factory_winvpn(NMVpnEditorPlugin *plugin, NMConnection *connection,
					  GError **error)
{
	WinvpnEditor *self;

	g_return_val_if_fail(NM_IS_CONNECTION(connection), NULL);
	if (error)
		g_return_val_if_fail(*error == NULL, NULL);
	self = g_object_new(WINVPN_TYPE_EDITOR, NULL);
	build(self, connection);
	return NM_VPN_EDITOR(self);
}
