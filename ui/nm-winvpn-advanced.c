/* nm-winvpn-advanced.c -- the "Advanced..." dialog of the editor page, one tab each for
 * PPP (authentication methods, MPPE, link parameters), EAP-TLS (the user certificate),
 * IPsec (proposals, PFS, lifetimes), routing (split tunnel, DHCPINFORM, IPv6) and
 * reconnecting (redial, idle timeout).  Every control stands for a key of
 * the engine's table (client/settings.c), starts from the connection's value or the
 * table's default, and is checked with wv_key_check: a refused value gets the "error"
 * style class and the engine's message as tooltip, and disables OK.  Nothing reaches the
 * caller's values before OK. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>
#include <stdlib.h>
#include <string.h>

#include "nm-winvpn-advanced.h"
#include "session-dhcp.h"
#include "settings.h"

/* "Allow X" check boxes: each one is the inverse of a refuse-X key. */
static const struct {
	const char *key;
	const char *name;
	const char *label;
} auth_methods[] = {
	{ NM_WINVPN_KEY_REFUSE_PAP, "allow-pap", N_("Allow P_AP") },
	{ NM_WINVPN_KEY_REFUSE_CHAP, "allow-chap", N_("Allow C_HAP") },
	{ NM_WINVPN_KEY_REFUSE_MSCHAP, "allow-mschap", N_("Allow _MS-CHAP") },
	{ NM_WINVPN_KEY_REFUSE_MSCHAPV2, "allow-mschapv2", N_("Allow MS-CHAP _v2") },
	{ NM_WINVPN_KEY_REFUSE_EAP, "allow-eap", N_("Allow _EAP") },
};

/* Number and text fields; the widget is named after its key.  The IPsec ones are only
 * sensitive for L2TP/IPsec. */
enum { F_MTU, F_MRU, F_LCP_INTERVAL, F_LCP_FAILURE, F_IKE, F_ESP, F_IKE_LIFE, F_SA_LIFE,
       F_ROUTES, F_REDIAL_ATTEMPTS, F_REDIAL_INTERVAL, F_IDLE, N_FIELDS };
static const struct {
	const char *key;
	const char *label;
	gboolean ipsec;
} fields[N_FIELDS] = {
	[F_MTU] = { NM_WINVPN_KEY_MTU, N_("M_TU"), FALSE },
	[F_MRU] = { NM_WINVPN_KEY_MRU, N_("M_RU (receive)"), FALSE },
	[F_LCP_INTERVAL] = { NM_WINVPN_KEY_LCP_ECHO_INTERVAL, N_("LCP echo i_nterval (s)"), FALSE },
	[F_LCP_FAILURE] = { NM_WINVPN_KEY_LCP_ECHO_FAILURE, N_("LCP echo fa_ilures"), FALSE },
	[F_IKE] = { NM_WINVPN_KEY_IPSEC_IKE, N_("I_KE proposals"), TRUE },
	[F_ESP] = { NM_WINVPN_KEY_IPSEC_ESP, N_("E_SP proposals"), TRUE },
	[F_IKE_LIFE] = { NM_WINVPN_KEY_IPSEC_IKELIFETIME, N_("IKE _lifetime (s)"), TRUE },
	[F_SA_LIFE] = { NM_WINVPN_KEY_IPSEC_SALIFETIME, N_("SA li_fetime (s)"), TRUE },
	[F_ROUTES] = { NM_WINVPN_KEY_ROUTES, N_("Extra _routes"), FALSE },
	[F_REDIAL_ATTEMPTS] = { NM_WINVPN_KEY_REDIAL_ATTEMPTS, N_("Redial _attempts"), FALSE },
	[F_REDIAL_INTERVAL] = { NM_WINVPN_KEY_REDIAL_INTERVAL, N_("Time between redial _attempts (s)"), FALSE },
	[F_IDLE] = { NM_WINVPN_KEY_IDLE_TIMEOUT, N_("_Idle time before hanging up (s, 0: never)"), FALSE },
};

/* Check boxes that stand for a yes/no key as it is. */
enum { B_PFS, B_NO_CLASS_ROUTE, B_DHCP_INFORM, B_IPV6, B_REDIAL, N_BOOLS };
static const struct {
	const char *key;
	const char *label;
} bools[N_BOOLS] = {
	[B_PFS] = { NM_WINVPN_KEY_IPSEC_PFS, N_("Perfect _forward secrecy (PFS)") },
	[B_NO_CLASS_ROUTE] = { NM_WINVPN_KEY_DISABLE_CLASS_ROUTE,
			       N_("Disable _class based route addition") },
	[B_DHCP_INFORM] = { NM_WINVPN_KEY_DHCP_INFORM,
			    N_("Ask the gateway for routes and _DNS (DHCPINFORM)") },
	[B_IPV6] = { NM_WINVPN_KEY_IPV6, N_("Use IPv_6") },
	[B_REDIAL] = { NM_WINVPN_KEY_REDIAL, N_("_Redial if line is dropped") },
};

/* EAP-TLS: the user certificate's files. */
enum { U_CA, U_CERT, U_KEY, N_USER_FILES };
static const struct {
	const char *key;
	const char *label;
} user_files[N_USER_FILES] = {
	[U_CA] = { NM_WINVPN_KEY_USER_CA, N_("C_A certificate") },
	[U_CERT] = { NM_WINVPN_KEY_USER_CERT, N_("User _certificate") },
	[U_KEY] = { NM_WINVPN_KEY_USER_KEY, N_("Private _key") },
};

/* The rows of the user authentication list. */
enum { UAUTH_PASSWORD, UAUTH_TLS };

/* The rows of the MPPE strength list. */
enum { MPPE_ANY, MPPE_128, MPPE_40 };

static const char *const other_keys[] = {
	NM_WINVPN_KEY_REQUIRE_MPPE, NM_WINVPN_KEY_REQUIRE_MPPE_40, NM_WINVPN_KEY_REQUIRE_MPPE_128,
	NM_WINVPN_KEY_MPPE_STATEFUL, NM_WINVPN_KEY_IPSEC_FORCEENCAPS,
	NM_WINVPN_KEY_EPHEMERAL_PORT, NM_WINVPN_KEY_USER_AUTH_TYPE,
	NM_WINVPN_KEY_USER_CERTPASS_FLAGS,
};

typedef struct {
	GtkWidget *dialog;
	GtkWidget *ok;
	GHashTable *values;
	WinvpnAdvancedDone done;
	gpointer user_data;
	GtkWidget *allow[G_N_ELEMENTS(auth_methods)];
	GtkWidget *field[N_FIELDS];
	GtkWidget *mppe, *strength, *stateful;
	GtkWidget *forceencaps, *ephemeral;
	GtkWidget *boolw[N_BOOLS];
	GtkWidget *user_auth;
	GtkWidget *user_file[N_USER_FILES];
	char *user_value[N_USER_FILES];
} Advanced;

gboolean winvpn_advanced_owns_key(const char *key)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(auth_methods); i++)
		if (!g_strcmp0(key, auth_methods[i].key))
			return TRUE;
	for (i = 0; i < N_FIELDS; i++)
		if (!g_strcmp0(key, fields[i].key))
			return TRUE;
	for (i = 0; i < G_N_ELEMENTS(other_keys); i++)
		if (!g_strcmp0(key, other_keys[i]))
			return TRUE;
	for (i = 0; i < N_BOOLS; i++)
		if (!g_strcmp0(key, bools[i].key))
			return TRUE;
	for (i = 0; i < N_USER_FILES; i++)
		if (!g_strcmp0(key, user_files[i].key))
			return TRUE;
	return FALSE;
}

/* "10.0.0.0/8 172.16.5.0/24": the key table takes any string for routes; the engine's own
 * parser (the one the session runs when it connects) says at once what it would refuse.
 * NULL when good, else its sentence quoting the item. */
static char *check_routes(const char *text)
{
	struct wv_route4 r[WV_MAX_ROUTES];
	unsigned n = 0;
	char *err = NULL, *msg;

	if (sdhcp_parse_routes(text, r, WV_MAX_ROUTES, &n, &err) >= 0) {
		free(err);
		return NULL;
	}
	msg = g_strdup(err ? err : _("invalid routes"));
	free(err);
	return msg;
}

/* The connection's value, else the table's default. */
static const char *current(Advanced *a, const char *key)
{
	const char *v = g_hash_table_lookup(a->values, key);
	const struct wv_key *k;

	if (v)
		return v;
	k = wv_key_find(key);
	return k && k->dflt ? k->dflt : "";
}

static gboolean current_bool(Advanced *a, const char *key)
{
	return !g_strcmp0(current(a, key), "yes");
}

/* A key that was unset stays unset while it has the default value, so that opening the
 * dialog and pressing OK does not fill the connection with defaults. */
static void put(Advanced *a, const char *key, const char *v)
{
	const struct wv_key *k = wv_key_find(key);

	if (!*v)
		g_hash_table_remove(a->values, key);
	else if (g_hash_table_contains(a->values, key) || !k || g_strcmp0(v, k->dflt))
		g_hash_table_insert(a->values, g_strdup(key), g_strdup(v));
}

static void put_bool(Advanced *a, const char *key, gboolean b)
{
	put(a, key, b ? "yes" : "no");
}

/* Marks every field the key table refuses; TRUE when all are good.  Insensitive fields
 * are not checked: the user cannot change them and OK does not save them. */
static gboolean check(Advanced *a)
{
	gboolean ok = TRUE;
	guint i;

	for (i = 0; i < N_FIELDS; i++) {
		GtkWidget *w = a->field[i];
		const struct wv_key *k = wv_key_find(fields[i].key);
		char *msg = NULL;
		gboolean bad = FALSE;

		if (gtk_widget_is_sensitive(w) && k)
			bad = wv_key_check(k, gtk_entry_get_text(GTK_ENTRY(w)), &msg) < 0;
		if (!bad && i == F_ROUTES && gtk_widget_is_sensitive(w)) {
			g_autofree char *m = check_routes(gtk_entry_get_text(GTK_ENTRY(w)));

			if (m) {
				bad = TRUE;
				msg = strdup(m);
			}
		}
		if (bad) {
			gtk_style_context_add_class(gtk_widget_get_style_context(w),
						    GTK_STYLE_CLASS_ERROR);
			gtk_widget_set_tooltip_text(w, msg ? msg : fields[i].key);
			ok = FALSE;
		} else {
			gtk_style_context_remove_class(gtk_widget_get_style_context(w),
						       GTK_STYLE_CLASS_ERROR);
			gtk_widget_set_tooltip_text(w, k ? k->help : NULL);
		}
		free(msg);
	}
	/* EAP-TLS is EAP: refusing EAP would leave no way in.  And it needs a certificate. */
	if (a->user_auth) {
		gboolean tls = gtk_combo_box_get_active(GTK_COMBO_BOX(a->user_auth)) == UAUTH_TLS;
		gboolean eap = FALSE;
		const char *why = NULL;

		for (i = 0; i < G_N_ELEMENTS(auth_methods); i++)
			if (!strcmp(auth_methods[i].key, NM_WINVPN_KEY_REFUSE_EAP))
				eap = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->allow[i]));
		if (tls && !eap)
			why = _("EAP-TLS needs \"Allow EAP\" (PPP tab)");
		else if (tls && (!a->user_value[U_CERT] || !*a->user_value[U_CERT]))
			why = _("EAP-TLS needs a user certificate (user-cert)");
		if (why) {
			gtk_style_context_add_class(gtk_widget_get_style_context(a->user_auth),
						    GTK_STYLE_CLASS_ERROR);
			gtk_widget_set_tooltip_text(a->user_auth, why);
			ok = FALSE;
		} else {
			gtk_style_context_remove_class(gtk_widget_get_style_context(a->user_auth),
						       GTK_STYLE_CLASS_ERROR);
			gtk_widget_set_tooltip_text(a->user_auth,
						    wv_key_find(NM_WINVPN_KEY_USER_AUTH_TYPE)->help);
		}
	}
	gtk_widget_set_sensitive(a->ok, ok);
	return ok;
}

static void field_changed_cb(GtkWidget *w, gpointer user_data)
{
	check(user_data);
}

static void mppe_toggled_cb(GtkWidget *w, gpointer user_data)
{
	Advanced *a = user_data;
	gboolean on = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->mppe));

	gtk_widget_set_sensitive(a->strength, on);
	gtk_widget_set_sensitive(a->stateful, on);
}

static void user_auth_changed_cb(GtkWidget *w, gpointer user_data)
{
	Advanced *a = user_data;
	gboolean tls = gtk_combo_box_get_active(GTK_COMBO_BOX(a->user_auth)) == UAUTH_TLS;
	guint i;

	for (i = 0; i < N_USER_FILES; i++)
		gtk_widget_set_sensitive(a->user_file[i], tls);
	check(a);
}

static void redial_toggled_cb(GtkWidget *w, gpointer user_data)
{
	Advanced *a = user_data;
	gboolean on = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->boolw[B_REDIAL]));

	gtk_widget_set_sensitive(a->field[F_REDIAL_ATTEMPTS], on);
	gtk_widget_set_sensitive(a->field[F_REDIAL_INTERVAL], on);
	check(a);
}

static void user_file_set_cb(GtkFileChooserButton *b, gpointer user_data)
{
	Advanced *a = user_data;
	guint i;

	for (i = 0; i < N_USER_FILES; i++)
		if (GTK_WIDGET(b) == a->user_file[i]) {
			g_free(a->user_value[i]);
			a->user_value[i] = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(b));
		}
	check(a);
}

static void save(Advanced *a)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(auth_methods); i++)
		put_bool(a, auth_methods[i].key,
			 !gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->allow[i])));

	/* Like NetworkManager-pptp: a strength also sets require-mppe, and the two
	 * strengths exclude each other (wv_settings_check refuses both). */
	{
		gboolean on = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->mppe));
		int s = gtk_combo_box_get_active(GTK_COMBO_BOX(a->strength));

		put_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE, on);
		put_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE_128, on && s == MPPE_128);
		put_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE_40, on && s == MPPE_40);
		if (on)
			put_bool(a, NM_WINVPN_KEY_MPPE_STATEFUL,
				 gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->stateful)));
	}

	for (i = 0; i < N_FIELDS; i++) {
		GtkWidget *w = a->field[i];

		if (!gtk_widget_is_sensitive(w))
			continue;
		if (GTK_IS_SPIN_BUTTON(w)) {
			g_autofree char *v = NULL;

			/* check() accepted the text, so this only normalises it ("0100").  The
			 * text, not the adjustment: a spin button on a tab never shown has not
			 * taken its text in yet. */
			v = g_strdup_printf("%" G_GUINT64_FORMAT,
					    g_ascii_strtoull(gtk_entry_get_text(GTK_ENTRY(w)), NULL,
							     10));
			put(a, fields[i].key, v);
		} else {
			g_autofree char *v = g_strstrip(g_strdup(gtk_entry_get_text(GTK_ENTRY(w))));

			put(a, fields[i].key, v);
		}
	}
	if (gtk_widget_is_sensitive(a->forceencaps))
		put_bool(a, NM_WINVPN_KEY_IPSEC_FORCEENCAPS,
			 gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->forceencaps)));
	if (gtk_widget_is_sensitive(a->ephemeral))
		put_bool(a, NM_WINVPN_KEY_EPHEMERAL_PORT,
			 gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->ephemeral)));
	for (i = 0; i < N_BOOLS; i++)
		if (gtk_widget_is_sensitive(a->boolw[i]))
			put_bool(a, bools[i].key,
				 gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(a->boolw[i])));

	if (gtk_combo_box_get_active(GTK_COMBO_BOX(a->user_auth)) == UAUTH_TLS) {
		put(a, NM_WINVPN_KEY_USER_AUTH_TYPE, "tls");
		for (i = 0; i < N_USER_FILES; i++)
			put(a, user_files[i].key, a->user_value[i] ? a->user_value[i] : "");
		/* The key's passphrase, if it has one, is the agent's to ask and keep. */
		if (!g_hash_table_contains(a->values, NM_WINVPN_KEY_USER_CERTPASS_FLAGS))
			put(a, NM_WINVPN_KEY_USER_CERTPASS_FLAGS, "1");
	} else {
		put(a, NM_WINVPN_KEY_USER_AUTH_TYPE, "password");
		for (i = 0; i < N_USER_FILES; i++)
			put(a, user_files[i].key, "");
		put(a, NM_WINVPN_KEY_USER_CERTPASS_FLAGS, "");
	}
}

static void response_cb(GtkDialog *dialog, int response, gpointer user_data)
{
	Advanced *a = user_data;

	if (response == GTK_RESPONSE_OK) {
		/* OK may be "pressed" by Enter in a field while a value is refused. */
		if (!check(a))
			return;
		save(a);
		if (a->done)
			a->done(a->user_data);
	}
	gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void advanced_free(gpointer data)
{
	Advanced *a = data;

	guint i;

	for (i = 0; i < N_USER_FILES; i++)
		g_free(a->user_value[i]);
	g_hash_table_unref(a->values);
	g_free(a);
}

/* The accessible name is the label's text without the mnemonic underscore, set
 * explicitly so that AT-SPI finds the control by it even while a tooltip is shown. */
static void name_for_at(GtkWidget *w, GtkWidget *label)
{
	atk_object_set_name(gtk_widget_get_accessible(w), gtk_label_get_text(GTK_LABEL(label)));
}

static GtkWidget *section(GtkWidget *box, const char *title)
{
	GtkWidget *frame = gtk_frame_new(title);
	GtkWidget *grid = gtk_grid_new();

	gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
	gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
	gtk_container_set_border_width(GTK_CONTAINER(grid), 8);
	gtk_container_add(GTK_CONTAINER(frame), grid);
	gtk_box_pack_start(GTK_BOX(box), frame, FALSE, FALSE, 0);
	return grid;
}

/* A notebook page: a box with a border, named for AT-SPI and tests. */
static GtkWidget *page(GtkWidget *notebook, const char *name, const char *title,
		       GtkOrientation orientation)
{
	GtkWidget *box = gtk_box_new(orientation, 12);

	gtk_widget_set_name(box, name);
	gtk_container_set_border_width(GTK_CONTAINER(box), 12);
	gtk_notebook_append_page(GTK_NOTEBOOK(notebook), box, gtk_label_new(title));
	return box;
}

static GtkWidget *check_row(GtkWidget *grid, int row, const char *name, const char *label,
			    gboolean active)
{
	GtkWidget *w = gtk_check_button_new_with_mnemonic(label);

	gtk_widget_set_name(w, name);
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w), active);
	name_for_at(w, gtk_bin_get_child(GTK_BIN(w)));
	gtk_grid_attach(GTK_GRID(grid), w, 0, row, 2, 1);
	return w;
}

static GtkWidget *labelled_row(GtkWidget *grid, int row, const char *label, GtkWidget *w)
{
	GtkWidget *l = gtk_label_new_with_mnemonic(label);

	gtk_label_set_xalign(GTK_LABEL(l), 1.0);
	gtk_label_set_mnemonic_widget(GTK_LABEL(l), w);
	/* A field made insensitive (IPsec ones for plain L2TP) greys its label too. */
	g_object_bind_property(w, "sensitive", l, "sensitive", G_BINDING_SYNC_CREATE);
	name_for_at(w, l);
	gtk_widget_set_hexpand(w, TRUE);
	gtk_grid_attach(GTK_GRID(grid), l, 0, row, 1, 1);
	gtk_grid_attach(GTK_GRID(grid), w, 1, row, 1, 1);
	return w;
}

/* GtkSpinButton rewrites its text from its adjustment when it is realized, which on a tab
 * not yet shown would replace what the connection (or AT-SPI) put there, and clamp a
 * refused value out of sight.  Until it is on the screen the text stays as it is. */
static gboolean spin_output_cb(GtkSpinButton *spin, gpointer user_data)
{
	return !gtk_widget_get_mapped(GTK_WIDGET(spin));
}

static GtkWidget *field_row(Advanced *a, GtkWidget *grid, int row, int f)
{
	const struct wv_key *k = wv_key_find(fields[f].key);
	GtkWidget *w;

	if (k && k->type == WV_KEY_UINT) {
		w = gtk_spin_button_new_with_range(k->min, k->max, 1);
		gtk_spin_button_set_digits(GTK_SPIN_BUTTON(w), 0);
		gtk_spin_button_set_value(GTK_SPIN_BUTTON(w),
					  strtoul(current(a, fields[f].key), NULL, 10));
		g_signal_connect(w, "output", G_CALLBACK(spin_output_cb), NULL);
	} else {
		w = gtk_entry_new();
		gtk_entry_set_placeholder_text(GTK_ENTRY(w), _("(engine defaults)"));
		gtk_entry_set_width_chars(GTK_ENTRY(w), 28);
	}
	/* The stored text as it is, even one out of range: check() shows the problem
	 * instead of the spin button silently clamping it. */
	gtk_entry_set_text(GTK_ENTRY(w), current(a, fields[f].key));
	gtk_entry_set_activates_default(GTK_ENTRY(w), TRUE);
	gtk_widget_set_name(w, fields[f].key);
	g_signal_connect(w, "changed", G_CALLBACK(field_changed_cb), a);
	a->field[f] = w;
	return labelled_row(grid, row, _(fields[f].label), w);
}

GtkWidget *winvpn_advanced_dialog_new(GtkWindow *parent, GHashTable *values, gboolean l2tp,
				      gboolean ipsec, WinvpnAdvancedDone done,
				      gpointer user_data)
{
	Advanced *a = g_new0(Advanced, 1);
	GtkWidget *content, *notebook, *hbox, *box, *left, *right, *grid, *w;
	int s = MPPE_ANY;
	guint i;

	a->values = g_hash_table_ref(values);
	a->done = done;
	a->user_data = user_data;
	a->dialog = gtk_dialog_new();
	gtk_widget_set_name(a->dialog, "winvpn-advanced");
	gtk_window_set_title(GTK_WINDOW(a->dialog), _("Advanced VPN Settings"));
	if (parent) {
		gtk_window_set_transient_for(GTK_WINDOW(a->dialog), parent);
		gtk_window_set_destroy_with_parent(GTK_WINDOW(a->dialog), TRUE);
		gtk_window_set_modal(GTK_WINDOW(a->dialog), TRUE);
	}
	g_object_set_data_full(G_OBJECT(a->dialog), "winvpn-advanced", a, advanced_free);

	w = gtk_dialog_add_button(GTK_DIALOG(a->dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
	gtk_widget_set_name(w, "cancel");
	a->ok = gtk_dialog_add_button(GTK_DIALOG(a->dialog), _("_OK"), GTK_RESPONSE_OK);
	gtk_widget_set_name(a->ok, "ok");
	gtk_dialog_set_default_response(GTK_DIALOG(a->dialog), GTK_RESPONSE_OK);

	content = gtk_dialog_get_content_area(GTK_DIALOG(a->dialog));
	notebook = gtk_notebook_new();
	gtk_widget_set_name(notebook, "pages");
	gtk_container_set_border_width(GTK_CONTAINER(notebook), 6);
	gtk_box_pack_start(GTK_BOX(content), notebook, TRUE, TRUE, 0);

	/* PPP: authentication methods and MPPE on the left, the link on the right. */
	hbox = page(notebook, "page-ppp", _("PPP"), GTK_ORIENTATION_HORIZONTAL);
	left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	right = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	gtk_box_pack_start(GTK_BOX(hbox), left, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(hbox), right, TRUE, TRUE, 0);

	grid = section(left, _("Authentication"));
	for (i = 0; i < G_N_ELEMENTS(auth_methods); i++)
		a->allow[i] = check_row(grid, i, auth_methods[i].name, _(auth_methods[i].label),
					!current_bool(a, auth_methods[i].key));
	/* "Allow EAP" decides whether EAP-TLS (EAP tab) can work: check again. */
	for (i = 0; i < G_N_ELEMENTS(auth_methods); i++)
		g_signal_connect(a->allow[i], "toggled", G_CALLBACK(field_changed_cb), a);

	grid = section(left, _("Encryption (MPPE)"));
	a->mppe = check_row(grid, 0, "use-mppe", _("_Use MPPE"),
			    current_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE) ||
				    current_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE_128) ||
				    current_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE_40));
	a->strength = gtk_combo_box_text_new();
	gtk_widget_set_name(a->strength, "mppe-strength");
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(a->strength), _("Any"));
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(a->strength), _("128-bit"));
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(a->strength), _("40-bit"));
	if (current_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE_128))
		s = MPPE_128;
	else if (current_bool(a, NM_WINVPN_KEY_REQUIRE_MPPE_40))
		s = MPPE_40;
	gtk_combo_box_set_active(GTK_COMBO_BOX(a->strength), s);
	labelled_row(grid, 1, _("Stren_gth"), a->strength);
	a->stateful = check_row(grid, 2, "mppe-stateful", _("Allow stateful encr_yption"),
				current_bool(a, NM_WINVPN_KEY_MPPE_STATEFUL));
	g_signal_connect(a->mppe, "toggled", G_CALLBACK(mppe_toggled_cb), a);
	mppe_toggled_cb(a->mppe, a);

	grid = section(right, _("Link"));
	for (i = F_MTU; i <= F_LCP_FAILURE; i++)
		field_row(a, grid, i - F_MTU, i);

	/* EAP-TLS: Windows' "Use Extensible Authentication Protocol (EAP)" with "Smart Card
	 * or other certificate". */
	box = page(notebook, "page-eap", _("EAP"), GTK_ORIENTATION_VERTICAL);
	grid = section(box, _("User authentication"));
	a->user_auth = gtk_combo_box_text_new();
	gtk_widget_set_name(a->user_auth, NM_WINVPN_KEY_USER_AUTH_TYPE);
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(a->user_auth),
				       _("Password (MS-CHAP v2, CHAP, PAP)"));
	gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(a->user_auth),
				       _("Certificate (EAP-TLS)"));
	gtk_combo_box_set_active(GTK_COMBO_BOX(a->user_auth),
				 !g_strcmp0(current(a, NM_WINVPN_KEY_USER_AUTH_TYPE), "tls")
					 ? UAUTH_TLS : UAUTH_PASSWORD);
	labelled_row(grid, 0, _("_Authenticate with"), a->user_auth);
	for (i = 0; i < N_USER_FILES; i++) {
		const char *v = current(a, user_files[i].key);

		w = gtk_file_chooser_button_new(_(user_files[i].label), GTK_FILE_CHOOSER_ACTION_OPEN);
		gtk_widget_set_name(w, user_files[i].key);
		a->user_value[i] = *v ? g_strdup(v) : NULL;
		if (*v)
			gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(w), v);
		g_signal_connect(w, "file-set", G_CALLBACK(user_file_set_cb), a);
		a->user_file[i] = labelled_row(grid, i + 1, _(user_files[i].label), w);
	}
	g_signal_connect(a->user_auth, "changed", G_CALLBACK(user_auth_changed_cb), a);

	/* IPsec. */
	box = page(notebook, "page-ipsec", _("IPsec"), GTK_ORIENTATION_VERTICAL);
	grid = section(box, _("IPsec (L2TP/IPsec only)"));
	for (i = F_IKE; i <= F_SA_LIFE; i++) {
		field_row(a, grid, i - F_IKE, i);
		gtk_widget_set_sensitive(a->field[i], ipsec);
	}
	a->boolw[B_PFS] = check_row(grid, 4, bools[B_PFS].key, _(bools[B_PFS].label),
				    current_bool(a, bools[B_PFS].key));
	gtk_widget_set_sensitive(a->boolw[B_PFS], ipsec);
	a->forceencaps = check_row(grid, 5, NM_WINVPN_KEY_IPSEC_FORCEENCAPS,
				   _("Al_ways use UDP encapsulation"),
				   current_bool(a, NM_WINVPN_KEY_IPSEC_FORCEENCAPS));
	gtk_widget_set_sensitive(a->forceencaps, ipsec);
	/* An L2TP setting, also without IPsec. */
	a->ephemeral = check_row(grid, 6, NM_WINVPN_KEY_EPHEMERAL_PORT,
				 _("Use ephemeral source _port"),
				 current_bool(a, NM_WINVPN_KEY_EPHEMERAL_PORT));
	gtk_widget_set_sensitive(a->ephemeral, l2tp);
	gtk_widget_set_sensitive(gtk_widget_get_parent(grid), l2tp);

	/* Routing: split tunnelling itself is ipv4.never-default on NetworkManager's IPv4
	 * tab ("Use this connection only for resources on its network"). */
	box = page(notebook, "page-routing", _("Routing"), GTK_ORIENTATION_VERTICAL);
	grid = section(box, _("Routes and addresses"));
	field_row(a, grid, 0, F_ROUTES);
	gtk_entry_set_placeholder_text(GTK_ENTRY(a->field[F_ROUTES]), _("10.0.0.0/8 172.16.5.0/24"));
	for (i = B_NO_CLASS_ROUTE; i <= B_IPV6; i++)
		a->boolw[i] = check_row(grid, i - B_NO_CLASS_ROUTE + 1, bools[i].key,
					_(bools[i].label), current_bool(a, bools[i].key));

	/* Reconnect: Windows' Options tab. */
	box = page(notebook, "page-reconnect", _("Reconnect"), GTK_ORIENTATION_VERTICAL);
	grid = section(box, _("Redialing options"));
	a->boolw[B_REDIAL] = check_row(grid, 0, bools[B_REDIAL].key, _(bools[B_REDIAL].label),
				       current_bool(a, bools[B_REDIAL].key));
	field_row(a, grid, 1, F_REDIAL_ATTEMPTS);
	field_row(a, grid, 2, F_REDIAL_INTERVAL);
	field_row(a, grid, 3, F_IDLE);
	g_signal_connect(a->boolw[B_REDIAL], "toggled", G_CALLBACK(redial_toggled_cb), a);
	redial_toggled_cb(a->boolw[B_REDIAL], a);
	user_auth_changed_cb(a->user_auth, a);

	check(a);
	g_signal_connect(a->dialog, "response", G_CALLBACK(response_cb), a);
	gtk_widget_show_all(a->dialog);
	return a->dialog;
}
