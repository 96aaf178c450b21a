/* nm-winvpn-editor.c -- libnm-vpn-plugin-winvpn-editor.so: the GTK 3 page that
 * nm-connection-editor shows for a winvpn connection.  Loaded by
 * libnm-vpn-plugin-winvpn.so (get_editor); the only exported symbol is
 * nm_vpn_editor_factory_winvpn (libnm-vpn-plugin-winvpn-editor.ver).
 *
 * The page uses the words of Windows' "Add a VPN connection" form.  Every value goes
 * through the engine's key table (wv_key_check): an entry the table refuses gets the
 * "error" style class and update_connection() fails, which keeps Save disabled.  The
 * "Advanced..." button opens nm-winvpn-advanced.c's dialog for the PPP and IPsec keys;
 * keys neither shows are carried over unchanged. */
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

/* The rows of the "VPN type" list. */
enum { TYPE_PPTP, TYPE_L2TP_IPSEC, TYPE_L2TP };

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
	GtkWidget *advanced;
	GtkWidget *adv_dialog;  /* while open; a weak pointer */
	GHashTable *adv;        /* the Advanced dialog's keys that are set: key -> value */
	NMSettingVpn *orig;  /* a copy of the connection's vpn setting, for the other keys */
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

/* Checks every entry against the key table and marks the bad ones; the first problem
 * goes to @error. */
static gboolean check_entries(WinvpnEditor *self, GError **error)
{
	gboolean ok = TRUE;
	guint i;

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
	for (i = 0; i < 2; i++) {
		GtkWidget *w = i ? self->psk : self->password;
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
				    i ? NM_WINVPN_KEY_IPSEC_PSK : NM_WINVPN_KEY_PASSWORD);
		if (bad)
			ok = FALSE;
	}
	return ok;
}

static void show_psk(WinvpnEditor *self)
{
	gboolean psk = gtk_combo_box_get_active(GTK_COMBO_BOX(self->type)) == TYPE_L2TP_IPSEC;

	gtk_widget_set_visible(self->psk_label, psk);
	gtk_widget_set_visible(self->psk, psk);
}

static void changed_cb(GtkWidget *w, gpointer user_data)
{
	WinvpnEditor *self = WINVPN_EDITOR(user_data);

	if (!self->built)
		return;
	show_psk(self);
	check_entries(self, NULL);
	g_signal_emit_by_name(self, "changed");
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

	type = gtk_combo_box_get_active(GTK_COMBO_BOX(self->type));
	nm_setting_vpn_add_data_item(s_vpn, NM_WINVPN_KEY_PROTOCOL,
				     type == TYPE_PPTP ? "pptp" : "l2tp");
	if (type != TYPE_PPTP)
		nm_setting_vpn_add_data_item(s_vpn, NM_WINVPN_KEY_IPSEC_ENABLED,
					     type == TYPE_L2TP_IPSEC ? "yes" : "no");
	for (i = 0; i < G_N_ELEMENTS(checked); i++) {
		const char *v = entry_text(CHECKED_ENTRY(self, i));

		if (*v)
			nm_setting_vpn_add_data_item(s_vpn, checked[i].key, v);
	}
	g_hash_table_iter_init(&it, self->adv);
	while (g_hash_table_iter_next(&it, &key, &value))
		nm_setting_vpn_add_data_item(s_vpn, key, value);
	put_secret(self, s_vpn, self->password, NM_WINVPN_KEY_PASSWORD);
	if (type == TYPE_L2TP_IPSEC)
		put_secret(self, s_vpn, self->psk, NM_WINVPN_KEY_IPSEC_PSK);

	if (self->orig) {
		copy.dst = s_vpn;
		nm_setting_vpn_foreach_data_item(self->orig, copy_other, &copy);
		/* The PSK's flags of a PPTP connection are meaningless: drop them. */
		if (type == TYPE_PPTP)
			nm_setting_vpn_remove_data_item(s_vpn, NM_WINVPN_KEY_IPSEC_PSK_FLAGS);
	}
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
	int type = gtk_combo_box_get_active(GTK_COMBO_BOX(self->type));

	if (self->adv_dialog) {
		gtk_window_present(GTK_WINDOW(self->adv_dialog));
		return;
	}
	self->adv_dialog = winvpn_advanced_dialog_new(
		gtk_widget_is_toplevel(top) && GTK_IS_WINDOW(top) ? GTK_WINDOW(top) : NULL,
		self->adv, type != TYPE_PPTP, type == TYPE_L2TP_IPSEC, advanced_done, self);
	g_object_add_weak_pointer(G_OBJECT(self->adv_dialog), (gpointer *)&self->adv_dialog);
}

static void keep_advanced(const char *key, const char *value, gpointer user_data)
{
	WinvpnEditor *self = WINVPN_EDITOR(user_data);

	if (winvpn_advanced_owns_key(key))
		g_hash_table_insert(self->adv, g_strdup(key), g_strdup(value));
}

static void build(WinvpnEditor *self, NMConnection *connection)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
	const char *protocol = NULL, *ipsec = NULL;
	int type = TYPE_PPTP;

#define DATA(k) (s_vpn ? nm_setting_vpn_get_data_item(s_vpn, (k)) : NULL)
#define SECRET(k) (s_vpn ? nm_setting_vpn_get_secret(s_vpn, (k)) : NULL)
	self->adv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (s_vpn) {
		self->orig = NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(s_vpn)));
		nm_setting_vpn_foreach_data_item(s_vpn, keep_advanced, self);
	}
	protocol = DATA(NM_WINVPN_KEY_PROTOCOL);
	ipsec = DATA(NM_WINVPN_KEY_IPSEC_ENABLED);
	if (g_strcmp0(protocol, "l2tp") == 0)
		type = g_strcmp0(ipsec, "no") == 0 ? TYPE_L2TP : TYPE_L2TP_IPSEC;

	self->grid = g_object_ref_sink(gtk_grid_new());
	gtk_widget_set_name(self->grid, "winvpn-editor");
	gtk_grid_set_row_spacing(GTK_GRID(self->grid), 6);
	gtk_grid_set_column_spacing(GTK_GRID(self->grid), 12);
	gtk_container_set_border_width(GTK_CONTAINER(self->grid), 12);

	self->type = gtk_combo_box_text_new();
	gtk_widget_set_name(self->type, "type");
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(self->type),
				       _("Point to Point Tunneling Protocol (PPTP)"));
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(self->type),
				       _("L2TP/IPsec with pre-shared key"));
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(self->type),
				       _("L2TP without IPsec (not encrypted)"));
	gtk_combo_box_set_active(GTK_COMBO_BOX(self->type), type);
	g_signal_connect(self->type, "changed", G_CALLBACK(changed_cb), self);
	add_row(self, 0, _("VPN _type"), self->type, NULL);

	self->gateway = new_entry(self, "gateway", DATA(NM_WINVPN_KEY_GATEWAY), FALSE);
	gtk_entry_set_placeholder_text(GTK_ENTRY(self->gateway), _("vpn.example.com"));
	add_row(self, 1, _("_Server name or address"), self->gateway, NULL);

	self->user = new_entry(self, "user", DATA(NM_WINVPN_KEY_USER), FALSE);
	add_row(self, 2, _("_User name"), self->user, NULL);

	self->password = new_entry(self, "password", SECRET(NM_WINVPN_KEY_PASSWORD), TRUE);
	add_row(self, 3, _("_Password"), self->password, NULL);
	nma_utils_setup_password_storage(self->password, 0, NM_SETTING(s_vpn),
					 NM_WINVPN_KEY_PASSWORD, FALSE, FALSE);

	self->domain = new_entry(self, "domain", DATA(NM_WINVPN_KEY_DOMAIN), FALSE);
	gtk_entry_set_placeholder_text(GTK_ENTRY(self->domain), _("(optional)"));
	add_row(self, 4, _("NT _domain"), self->domain, NULL);

	self->psk = new_entry(self, "ipsec-psk", SECRET(NM_WINVPN_KEY_IPSEC_PSK), TRUE);
	add_row(self, 5, _("Pre-shared _key"), self->psk, &self->psk_label);
	nma_utils_setup_password_storage(self->psk, 0, NM_SETTING(s_vpn),
					 NM_WINVPN_KEY_IPSEC_PSK, FALSE, FALSE);
#undef DATA
#undef SECRET

	self->advanced = gtk_button_new_with_mnemonic(_("_Advanced..."));
	gtk_widget_set_name(self->advanced, "advanced");
	gtk_widget_set_halign(self->advanced, GTK_ALIGN_END);
	g_signal_connect(self->advanced, "clicked", G_CALLBACK(advanced_cb), self);
	gtk_grid_attach(GTK_GRID(self->grid), self->advanced, 0, 6, 2, 1);

	gtk_widget_show_all(self->grid);
	gtk_widget_set_no_show_all(self->psk_label, TRUE);
	gtk_widget_set_no_show_all(self->psk, TRUE);
	self->built = TRUE;
	show_psk(self);
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
