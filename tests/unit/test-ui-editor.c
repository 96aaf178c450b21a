/* test-ui-editor.c -- the GTK 3 editor (libnm-vpn-plugin-winvpn-editor.so), loaded the way
 * nm-connection-editor loads it: through libnm-vpn-plugin-winvpn.so's get_editor().  A bad
 * gateway marks the entry with the "error" style class and update_connection fails (Save
 * stays disabled); a good one is saved with the other fields; the pre-shared key row shows
 * for Automatic and L2TP/IPsec with pre-shared key, the certificate rows (the machine
 * certificate required) for L2TP/IPsec with certificate; keys the page does not show
 * survive.  The Advanced dialog starts
 * from the connection (or the key table's defaults), saves only on OK, and a refused value
 * disables OK, a bad route list or EAP-TLS without a certificate too; routing, reconnect
 * and EAP-TLS keys are saved.  With WINVPN_SCREENSHOT_DIR set, each VPN type's page and
 * each tab of the Advanced dialog are also drawn there (editor-*.png, advanced*.png).  Needs a display: exit 77
 * without one (tests/integration/ui-editor.sh runs it under Xvfb). */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <NetworkManager.h>

#include "check.h"
#include "nm-winvpn-import.h"

static GtkWidget *find(GtkWidget *w, const char *name)
{
	g_autoptr(GList) children = NULL;
	GList *l;

	if (g_strcmp0(gtk_widget_get_name(w), name) == 0)
		return w;
	if (!GTK_IS_CONTAINER(w))
		return NULL;
	children = gtk_container_get_children(GTK_CONTAINER(w));
	for (l = children; l; l = l->next) {
		GtkWidget *r = find(l->data, name);

		if (r)
			return r;
	}
	return NULL;
}

static gboolean has_error_class(GtkWidget *w)
{
	return gtk_style_context_has_class(gtk_widget_get_style_context(w), "error");
}

static void set_text(GtkWidget *root, const char *name, const char *text)
{
	GtkWidget *e = find(root, name);

	CHECK(e != NULL);
	if (e)
		gtk_entry_set_text(GTK_ENTRY(e), text);
}

static const char *get_text(GtkWidget *root, const char *name)
{
	GtkWidget *e = find(root, name);

	CHECK(e != NULL);
	return e ? gtk_entry_get_text(GTK_ENTRY(e)) : "";
}

static void set_active(GtkWidget *root, const char *name, gboolean on)
{
	GtkWidget *b = find(root, name);

	CHECK(b != NULL);
	if (b)
		gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(b), on);
}

static char *tmpdir;

/* A file to choose, named like the real thing (the screenshots show its name). */
static char *tmp_file(const char *name)
{
	char *path = g_build_filename(tmpdir, name, NULL);

	CHECK(g_file_set_contents(path, "-----BEGIN CERTIFICATE-----\n", -1, NULL));
	return path;
}

static void choose(GtkWidget *root, const char *name, const char *path)
{
	GtkWidget *b = find(root, name);

	CHECK(b != NULL);
	if (!b)
		return;
	CHECK(gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(b), path));
	g_signal_emit_by_name(b, "file-set");
}

static void settle(void)
{
	while (gtk_events_pending())
		gtk_main_iteration();
}

/* The open Advanced dialog, if any. */
static GtkWidget *advanced_dialog(void)
{
	g_autoptr(GList) tops = gtk_window_list_toplevels();
	GList *l;

	for (l = tops; l; l = l->next)
		if (!g_strcmp0(gtk_widget_get_name(l->data), "winvpn-advanced"))
			return l->data;
	return NULL;
}

/* Clicks "Advanced..." the way a user does; NULL (after a failed CHECK) if no dialog. */
static GtkWidget *open_advanced(GtkWidget *root)
{
	GtkWidget *b = find(root, "advanced"), *d;

	CHECK(b != NULL);
	if (!b)
		return NULL;
	gtk_button_clicked(GTK_BUTTON(b));
	settle();
	d = advanced_dialog();
	CHECK(d != NULL);
	return d;
}

/* A click on OK or Cancel, refused like a user's when the button is insensitive. */
static void press(GtkWidget *dialog, const char *name)
{
	GtkWidget *b = find(dialog, name);

	CHECK(b != NULL);
	if (b && gtk_widget_is_sensitive(b))
		gtk_button_clicked(GTK_BUTTON(b));
	settle();
}

static const char *data_of(NMVpnEditor *editor, NMConnection *out, const char *key)
{
	NMSettingVpn *v;

	CHECK(nm_vpn_editor_update_connection(editor, out, NULL));
	v = nm_connection_get_setting_vpn(out);
	return v ? nm_setting_vpn_get_data_item(v, key) : NULL;
}

static void count_cb(gpointer editor, gpointer user_data)
{
	(*(int *)user_data)++;
}

/* The window as it is on the screen, without the window manager's frame. */
static void shoot(GtkWidget *window, const char *file)
{
	const char *dir = g_getenv("WINVPN_SCREENSHOT_DIR");
	g_autofree char *path = NULL;
	cairo_surface_t *s;
	cairo_t *cr;

	if (!dir || !window)
		return;
	/* A window that has just grown waits for the X server's configure event before it
	 * can be allocated and drawn: give it half a second. */
	for (int i = 0; i < 25; i++) {
		settle();
		g_usleep(20000);
	}
	settle();
	path = g_build_filename(dir, file, NULL);
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, gtk_widget_get_allocated_width(window),
				       gtk_widget_get_allocated_height(window));
	cr = cairo_create(s);
	gtk_widget_draw(window, cr);
	cairo_destroy(cr);
	CHECK(cairo_surface_write_to_png(s, path) == CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
	fprintf(stderr, "test-ui-editor: screenshot %s\n", path);
}

int main(int argc, char **argv)
{
	const char *builddir = g_getenv("top_builddir");
	g_autofree char *so = g_build_filename(builddir ? builddir : ".", "ui",
					       "libnm-vpn-plugin-winvpn.so", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NMVpnEditorPlugin) plugin = NULL;
	g_autoptr(NMVpnEditor) editor = NULL;
	g_autoptr(NMConnection) c = nm_simple_connection_new();
	g_autoptr(NMConnection) out = NULL;
	NMSettingVpn *s_vpn = NM_SETTING_VPN(nm_setting_vpn_new());
	NMSettingConnection *s_con = NM_SETTING_CONNECTION(nm_setting_connection_new());
	g_autofree char *uuid = nm_utils_uuid_generate();
	GtkWidget *root, *gw, *type, *psk, *win, *d, *mtu;
	g_autofree char *ca_pem = NULL, *host_pem = NULL, *host_key = NULL, *user_pem = NULL;
	NMSettingVpn *v;
	int changed = 0;

	if (!gtk_init_check(&argc, &argv)) {
		fprintf(stderr, "test-ui-editor: no display, skipped\n");
		return 77;
	}
	tmpdir = g_dir_make_tmp("test-ui-editor-XXXXXX", NULL);
	if (!tmpdir)
		return 99;
	ca_pem = tmp_file("corp-ca.pem");
	host_pem = tmp_file("laptop-machine.pem");
	host_key = tmp_file("laptop-machine.key");
	user_pem = tmp_file("alice.pem");
	g_object_set(s_con, NM_SETTING_CONNECTION_ID, "ed", NM_SETTING_CONNECTION_UUID, uuid,
		     NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
	nm_connection_add_setting(c, NM_SETTING(s_con));
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_DBUS_SERVICE_WINVPN, NULL);
	nm_setting_vpn_add_data_item(s_vpn, "gateway", "10.0.0.1");
	nm_setting_vpn_add_data_item(s_vpn, "mtu", "1300");
	nm_setting_vpn_add_secret(s_vpn, "password", "pw1");
	nm_connection_add_setting(c, NM_SETTING(s_vpn));

	plugin = nm_vpn_editor_plugin_load_from_file(so, NM_DBUS_SERVICE_WINVPN, -1, NULL, NULL,
						     &error);
	CHECK(plugin != NULL);
	if (!plugin) {
		fprintf(stderr, "  load: %s\n", error ? error->message : "?");
		return check_done("test-ui-editor");
	}
	editor = nm_vpn_editor_plugin_get_editor(plugin, c, &error);
	CHECK(editor != NULL);
	if (!editor) {
		fprintf(stderr, "  get_editor: %s\n", error ? error->message : "?");
		return check_done("test-ui-editor");
	}
	root = GTK_WIDGET(nm_vpn_editor_get_widget(editor));
	g_signal_connect(editor, "changed", G_CALLBACK(count_cb), &changed);
	/* In a window, as in nm-connection-editor: the dialog is transient for it. */
	win = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_window_set_title(GTK_WINDOW(win), "winvpn");
	gtk_container_add(GTK_CONTAINER(win), root);
	gtk_widget_show(win);
	gw = find(root, "gateway");
	type = find(root, "type");
	psk = find(root, "ipsec-psk");
	CHECK(gw && type && psk);
	if (!gw || !type || !psk)
		return check_done("test-ui-editor");
	CHECK_STR(gtk_entry_get_text(GTK_ENTRY(gw)), "10.0.0.1");
	CHECK_STR(gtk_entry_get_text(GTK_ENTRY(find(root, "password"))), "pw1");
	CHECK(!has_error_class(gw));
	CHECK_STR(gtk_combo_box_get_active_id(GTK_COMBO_BOX(type)), "pptp");
	CHECK(!gtk_widget_get_visible(psk));
	CHECK(!gtk_widget_get_visible(find(root, "machine-cert")));
	shoot(win, "editor-pptp.png");

	/* A bad gateway: marked, and Save blocked. */
	out = nm_simple_connection_new_clone(c);
	gtk_entry_set_text(GTK_ENTRY(gw), "bad host!");
	CHECK(has_error_class(gw));
	CHECK(!nm_vpn_editor_update_connection(editor, out, &error));
	CHECK(error && strstr(error->message, "gateway"));
	g_clear_error(&error);
	gtk_entry_set_text(GTK_ENTRY(gw), "");
	CHECK(has_error_class(gw));
	CHECK(!nm_vpn_editor_update_connection(editor, out, &error));
	g_clear_error(&error);

	/* L2TP/IPsec with a PSK and a domain. */
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(type), "l2tp-psk");
	CHECK(gtk_widget_get_visible(psk));
	set_text(root, "gateway", "vpn.example.com");
	CHECK(!has_error_class(gw));
	set_text(root, "user", "alice");
	set_text(root, "domain", "CORP");
	set_text(root, "ipsec-psk", "psk-secret");
	CHECK(nm_vpn_editor_update_connection(editor, out, &error));
	if (error)
		fprintf(stderr, "  update: %s\n", error->message);
	v = nm_connection_get_setting_vpn(out);
	CHECK(v != NULL);
	if (v) {
		CHECK_STR(nm_setting_vpn_get_service_type(v), NM_DBUS_SERVICE_WINVPN);
		CHECK_STR(nm_setting_vpn_get_data_item(v, "protocol"), "l2tp");
		CHECK_STR(nm_setting_vpn_get_data_item(v, "ipsec-enabled"), "yes");
		CHECK_STR(nm_setting_vpn_get_data_item(v, "gateway"), "vpn.example.com");
		CHECK_STR(nm_setting_vpn_get_data_item(v, "user"), "alice");
		CHECK_STR(nm_setting_vpn_get_data_item(v, "domain"), "CORP");
		CHECK_STR(nm_setting_vpn_get_data_item(v, "mtu"), "1300");
		CHECK_STR(nm_setting_vpn_get_secret(v, "password"), "pw1");
		CHECK_STR(nm_setting_vpn_get_secret(v, "ipsec-psk"), "psk-secret");
	}
	CHECK(nm_connection_verify(out, NULL));

	/* Back to PPTP: the key row hides, no PSK is saved. */
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(type), "pptp");
	CHECK(!gtk_widget_get_visible(psk));
	CHECK(nm_vpn_editor_update_connection(editor, out, NULL));
	v = nm_connection_get_setting_vpn(out);
	CHECK(v && !nm_setting_vpn_get_secret(v, "ipsec-psk"));
	CHECK(v && !g_strcmp0(nm_setting_vpn_get_data_item(v, "protocol"), "pptp"));

	/* Advanced, PPTP: pre-filled from the connection and the table's defaults; the IPsec
	 * section is insensitive. */
	changed = 0;
	d = open_advanced(root);
	if (!d)
		return check_done("test-ui-editor");
	CHECK(gtk_window_get_transient_for(GTK_WINDOW(d)) == GTK_WINDOW(win));
	CHECK_STR(get_text(d, "mtu"), "1300");
	CHECK_STR(get_text(d, "mru"), "1400");
	CHECK_STR(get_text(d, "lcp-echo-interval"), "10");
	CHECK_STR(get_text(d, "ipsec-ikelifetime"), "28800");
	CHECK(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(find(d, "allow-pap"))));
	CHECK(!gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(find(d, "use-mppe"))));
	CHECK(!gtk_widget_is_sensitive(find(d, "mppe-strength")));
	CHECK(!gtk_widget_is_sensitive(find(d, "ipsec-ike")));
	CHECK(!gtk_widget_is_sensitive(find(d, "ipsec-forceencaps")));
	CHECK(!gtk_widget_is_sensitive(find(d, "ephemeral-port")));
	CHECK(gtk_widget_is_sensitive(find(d, "ok")));
	CHECK_STR(atk_object_get_name(gtk_widget_get_accessible(find(d, "mtu"))), "MTU");
	CHECK_STR(atk_object_get_name(gtk_widget_get_accessible(find(d, "allow-pap"))),
		  "Allow PAP");

	/* Cancel discards. */
	set_text(d, "mtu", "1200");
	set_active(d, "allow-pap", FALSE);
	press(d, "cancel");
	CHECK(advanced_dialog() == NULL);
	CHECK(changed == 0);
	CHECK_STR(data_of(editor, out, "mtu"), "1300");
	CHECK(data_of(editor, out, "refuse-pap") == NULL);

	/* A refused MTU: marked, quoted in the tooltip, and OK disabled. */
	d = open_advanced(root);
	if (!d)
		return check_done("test-ui-editor");
	CHECK_STR(get_text(d, "mtu"), "1300");
	mtu = find(d, "mtu");
	set_text(d, "mtu", "100");
	CHECK(has_error_class(mtu));
	CHECK(!gtk_widget_is_sensitive(find(d, "ok")));
	{
		g_autofree char *tip = gtk_widget_get_tooltip_text(mtu);

		CHECK(tip && strstr(tip, "mtu") && strstr(tip, "576"));
	}
	gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_OK); /* Enter in a field */
	CHECK(advanced_dialog() == d);
	set_text(d, "mtu", "abc");
	CHECK(has_error_class(mtu));

	/* OK saves the changes, and only those. */
	set_text(d, "mtu", "1200");
	CHECK(!has_error_class(mtu));
	CHECK(gtk_widget_is_sensitive(find(d, "ok")));
	set_active(d, "allow-pap", FALSE);
	set_active(d, "allow-eap", FALSE);
	set_active(d, "use-mppe", TRUE);
	CHECK(gtk_widget_is_sensitive(find(d, "mppe-strength")));
	gtk_combo_box_set_active(GTK_COMBO_BOX(find(d, "mppe-strength")), 1);
	set_text(d, "lcp-echo-interval", "30");
	press(d, "ok");
	CHECK(advanced_dialog() == NULL);
	CHECK(changed > 0);
	CHECK_STR(data_of(editor, out, "mtu"), "1200");
	CHECK_STR(data_of(editor, out, "refuse-pap"), "yes");
	CHECK_STR(data_of(editor, out, "refuse-eap"), "yes");
	CHECK_STR(data_of(editor, out, "require-mppe"), "yes");
	CHECK_STR(data_of(editor, out, "require-mppe-128"), "yes");
	CHECK_STR(data_of(editor, out, "lcp-echo-interval"), "30");
	/* Untouched defaults are not written out. */
	CHECK(data_of(editor, out, "refuse-chap") == NULL);
	CHECK(data_of(editor, out, "mru") == NULL);
	CHECK(data_of(editor, out, "require-mppe-40") == NULL);
	CHECK(data_of(editor, out, "ipsec-ike") == NULL);

	/* L2TP/IPsec: the IPsec section is live. */
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(type), "l2tp-psk");
	set_text(root, "ipsec-psk", "psk-secret");
	shoot(win, "editor-l2tp.png");
	d = open_advanced(root);
	if (!d)
		return check_done("test-ui-editor");
	CHECK(gtk_widget_is_sensitive(find(d, "ipsec-ike")));
	CHECK(gtk_widget_is_sensitive(find(d, "ephemeral-port")));
	CHECK(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(find(d, "use-mppe"))));
	CHECK(gtk_combo_box_get_active(GTK_COMBO_BOX(find(d, "mppe-strength"))) == 1);
	CHECK(!gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(find(d, "allow-pap"))));
	set_text(d, "ipsec-ike", "aes256-sha1-modp2048");
	set_text(d, "ipsec-esp", "aes256-sha1");
	set_text(d, "ipsec-salifetime", "99999");
	CHECK(has_error_class(find(d, "ipsec-salifetime")));
	CHECK(!gtk_widget_is_sensitive(find(d, "ok")));
	set_text(d, "ipsec-salifetime", "7200");
	set_active(d, "ipsec-forceencaps", TRUE);
	set_active(d, "ephemeral-port", TRUE);
	shoot(d, "advanced.png");
	set_active(d, "ipsec-pfs", TRUE);
	gtk_notebook_set_current_page(GTK_NOTEBOOK(find(d, "pages")), 2);
	shoot(d, "advanced-ipsec.png");
	gtk_notebook_set_current_page(GTK_NOTEBOOK(find(d, "pages")), 0);
	set_active(d, "use-mppe", FALSE);
	press(d, "ok");
	CHECK(advanced_dialog() == NULL);
	CHECK_STR(data_of(editor, out, "ipsec-ike"), "aes256-sha1-modp2048");
	CHECK_STR(data_of(editor, out, "ipsec-esp"), "aes256-sha1");
	CHECK_STR(data_of(editor, out, "ipsec-salifetime"), "7200");
	CHECK_STR(data_of(editor, out, "ipsec-forceencaps"), "yes");
	CHECK_STR(data_of(editor, out, "ephemeral-port"), "yes");
	CHECK_STR(data_of(editor, out, "ipsec-pfs"), "yes");
	CHECK_STR(data_of(editor, out, "machine-auth-type"), "psk");
	CHECK_STR(data_of(editor, out, "require-mppe"), "no");
	CHECK_STR(data_of(editor, out, "require-mppe-128"), "no");
	CHECK_STR(data_of(editor, out, "mtu"), "1200");
	CHECK_STR(data_of(editor, out, "protocol"), "l2tp");
	CHECK(nm_connection_verify(out, NULL));

	/* Clearing a proposal unsets it (the engine's defaults again). */
	d = open_advanced(root);
	if (!d)
		return check_done("test-ui-editor");
	CHECK_STR(get_text(d, "ipsec-ike"), "aes256-sha1-modp2048");
	set_text(d, "ipsec-ike", "");
	press(d, "ok");
	CHECK(data_of(editor, out, "ipsec-ike") == NULL);

	/* Routing, reconnect and EAP-TLS: a refused route list blocks OK; EAP-TLS without a
	 * certificate or with EAP refused is marked; the rest is saved. */
	d = open_advanced(root);
	if (!d)
		return check_done("test-ui-editor");
	CHECK(!gtk_widget_is_sensitive(find(d, "redial-attempts")));
	set_text(d, "routes", "10.0.0.0/8 172.16.5.1/24");
	CHECK(has_error_class(find(d, "routes")));
	CHECK(!gtk_widget_is_sensitive(find(d, "ok")));
	{
		g_autofree char *tip = gtk_widget_get_tooltip_text(find(d, "routes"));

		CHECK(tip && strstr(tip, "172.16.5.1/24") && strstr(tip, "host bits"));
	}
	set_text(d, "routes", "10.0.0.0/8 172.16.5.0/24");
	CHECK(!has_error_class(find(d, "routes")));
	CHECK(gtk_widget_is_sensitive(find(d, "ok")));
	set_active(d, "disable-class-route", TRUE);
	set_active(d, "dhcp-inform", FALSE);
	set_active(d, "ipv6", FALSE);
	set_active(d, "redial", TRUE);
	CHECK(gtk_widget_is_sensitive(find(d, "redial-attempts")));
	set_text(d, "redial-attempts", "5");
	set_text(d, "redial-interval", "20");
	set_text(d, "idle-timeout", "900");
	gtk_notebook_set_current_page(GTK_NOTEBOOK(find(d, "pages")), 3);
	shoot(d, "advanced-routing.png");
	gtk_notebook_set_current_page(GTK_NOTEBOOK(find(d, "pages")), 4);
	shoot(d, "advanced-reconnect.png");
	gtk_combo_box_set_active(GTK_COMBO_BOX(find(d, "user-auth-type")), 1);
	CHECK(gtk_widget_is_sensitive(find(d, "user-cert")));
	CHECK(has_error_class(find(d, "user-auth-type")));      /* no certificate */
	CHECK(!gtk_widget_is_sensitive(find(d, "ok")));
	choose(d, "user-cert", user_pem);
	set_active(d, "allow-eap", FALSE);
	CHECK(has_error_class(find(d, "user-auth-type")));      /* EAP refused */
	set_active(d, "allow-eap", TRUE);
	CHECK(!has_error_class(find(d, "user-auth-type")));
	gtk_notebook_set_current_page(GTK_NOTEBOOK(find(d, "pages")), 1);
	shoot(d, "advanced-eap.png");
	press(d, "ok");
	CHECK(advanced_dialog() == NULL);
	CHECK_STR(data_of(editor, out, "routes"), "10.0.0.0/8 172.16.5.0/24");
	CHECK_STR(data_of(editor, out, "disable-class-route"), "yes");
	CHECK_STR(data_of(editor, out, "dhcp-inform"), "no");
	CHECK_STR(data_of(editor, out, "ipv6"), "no");
	CHECK_STR(data_of(editor, out, "redial"), "yes");
	CHECK_STR(data_of(editor, out, "redial-attempts"), "5");
	CHECK_STR(data_of(editor, out, "redial-interval"), "20");
	CHECK_STR(data_of(editor, out, "idle-timeout"), "900");
	CHECK_STR(data_of(editor, out, "user-auth-type"), "tls");
	CHECK_STR(data_of(editor, out, "user-cert"), user_pem);
	CHECK_STR(data_of(editor, out, "user-certpass-flags"), "1");
	CHECK_STR(data_of(editor, out, "refuse-eap"), "no");
	CHECK(nm_connection_verify(out, NULL));

	/* L2TP/IPsec with certificate: the certificate rows replace the PSK; the machine
	 * certificate is required; what is chosen is saved, the PSK is not. */
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(type), "l2tp-cert");
	CHECK(!gtk_widget_get_visible(psk));
	CHECK(gtk_widget_get_visible(find(root, "machine-cert")));
	CHECK(gtk_widget_get_visible(find(root, "machine-certpass")));
	CHECK(gtk_widget_get_visible(find(root, "ipsec-remote-id")));
	CHECK(has_error_class(find(root, "machine-cert")));
	CHECK(!nm_vpn_editor_update_connection(editor, out, &error));
	CHECK(error && strstr(error->message, "machine-cert"));
	g_clear_error(&error);
	choose(root, "machine-ca", ca_pem);
	choose(root, "machine-cert", host_pem);
	choose(root, "machine-key", host_key);
	CHECK(!has_error_class(find(root, "machine-cert")));
	set_text(root, "ipsec-remote-id", "CN=vpn.example.com");
	set_text(root, "machine-certpass", "certpw");
	shoot(win, "editor-l2tp-cert.png");
	CHECK(nm_vpn_editor_update_connection(editor, out, &error));
	v = nm_connection_get_setting_vpn(out);
	CHECK(v != NULL);
	if (v) {
		CHECK_STR(nm_setting_vpn_get_data_item(v, "protocol"), "l2tp");
		CHECK_STR(nm_setting_vpn_get_data_item(v, "machine-auth-type"), "tls");
		CHECK_STR(nm_setting_vpn_get_data_item(v, "machine-ca"), ca_pem);
		CHECK_STR(nm_setting_vpn_get_data_item(v, "machine-cert"), host_pem);
		CHECK_STR(nm_setting_vpn_get_data_item(v, "machine-key"), host_key);
		CHECK_STR(nm_setting_vpn_get_data_item(v, "ipsec-remote-id"), "CN=vpn.example.com");
		CHECK_STR(nm_setting_vpn_get_secret(v, "machine-certpass"), "certpw");
		CHECK(!nm_setting_vpn_get_secret(v, "ipsec-psk"));
		CHECK(!nm_setting_vpn_get_data_item(v, "ipsec-psk-flags"));
	}
	CHECK(nm_connection_verify(out, NULL));

	/* Automatic: the PSK row and the PPTP fields; no certificate keys survive. */
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(type), "auto");
	CHECK(gtk_widget_get_visible(psk));
	CHECK(!gtk_widget_get_visible(find(root, "machine-cert")));
	set_text(root, "ipsec-psk", "psk-secret");
	shoot(win, "editor-auto.png");
	CHECK(nm_vpn_editor_update_connection(editor, out, &error));
	v = nm_connection_get_setting_vpn(out);
	if (v) {
		CHECK_STR(nm_setting_vpn_get_data_item(v, "protocol"), "auto");
		CHECK_STR(nm_setting_vpn_get_secret(v, "ipsec-psk"), "psk-secret");
		CHECK(!nm_setting_vpn_get_data_item(v, "machine-cert"));
		CHECK(!nm_setting_vpn_get_data_item(v, "ipsec-remote-id"));
		CHECK(!nm_setting_vpn_get_data_item(v, "ipsec-enabled"));
		CHECK_STR(nm_setting_vpn_get_data_item(v, "routes"), "10.0.0.0/8 172.16.5.0/24");
	}

	/* Automatic set up with a machine certificate (nmcli) keeps it: the certificate rows
	 * show, not the PSK, and saving leaves machine-auth-type=tls and the files. */
	{
		g_autoptr(NMConnection) c2 = nm_simple_connection_new_clone(c);
		g_autoptr(NMConnection) out2 = nm_simple_connection_new_clone(c);
		g_autoptr(NMVpnEditor) ed2 = NULL;
		NMSettingVpn *v2 = nm_connection_get_setting_vpn(c2);
		GtkWidget *root2;

		nm_setting_vpn_add_data_item(v2, "protocol", "auto");
		nm_setting_vpn_add_data_item(v2, "machine-auth-type", "tls");
		nm_setting_vpn_add_data_item(v2, "machine-cert", host_pem);
		ed2 = nm_vpn_editor_plugin_get_editor(plugin, c2, &error);
		CHECK(ed2 != NULL);
		if (ed2) {
			root2 = GTK_WIDGET(nm_vpn_editor_get_widget(ed2));
			CHECK_STR(gtk_combo_box_get_active_id(GTK_COMBO_BOX(find(root2, "type"))),
				  "auto");
			CHECK(gtk_widget_get_visible(find(root2, "machine-cert")));
			CHECK(!gtk_widget_get_visible(find(root2, "ipsec-psk")));
			CHECK(nm_vpn_editor_update_connection(ed2, out2, &error));
			v2 = nm_connection_get_setting_vpn(out2);
			CHECK(v2 && !g_strcmp0(nm_setting_vpn_get_data_item(v2, "machine-auth-type"),
					       "tls"));
			CHECK(v2 && !g_strcmp0(nm_setting_vpn_get_data_item(v2, "machine-cert"),
					       host_pem));
			CHECK(v2 && !nm_setting_vpn_get_data_item(v2, "ipsec-psk-flags"));
		}
		g_clear_error(&error);
	}

	/* An open dialog goes with the editor. */
	d = open_advanced(root);
	g_clear_object(&editor);
	settle();
	CHECK(advanced_dialog() == NULL);
	gtk_widget_destroy(win);
	{
		const char *const files[] = { ca_pem, host_pem, host_key, user_pem };

		for (guint i = 0; i < G_N_ELEMENTS(files); i++)
			g_unlink(files[i]);
		g_rmdir(tmpdir);
		g_free(tmpdir);
	}
	return check_done("test-ui-editor");
}
