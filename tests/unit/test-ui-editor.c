/* test-ui-editor.c -- the GTK 3 editor (libnm-vpn-plugin-winvpn-editor.so), loaded the way
 * nm-connection-editor loads it: through libnm-vpn-plugin-winvpn.so's get_editor().  A bad
 * gateway marks the entry with the "error" style class and update_connection fails (Save
 * stays disabled); a good one is saved with the other fields; the pre-shared key row shows
 * for L2TP/IPsec only; keys the page does not show survive.  Needs a display: exit 77
 * without one (tests/integration/ui-editor.sh runs it under Xvfb). */
#include "config.h"

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
	GtkWidget *root, *gw, *type, *psk;
	NMSettingVpn *v;

	if (!gtk_init_check(&argc, &argv)) {
		fprintf(stderr, "test-ui-editor: no display, skipped\n");
		return 77;
	}
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
	gw = find(root, "gateway");
	type = find(root, "type");
	psk = find(root, "ipsec-psk");
	CHECK(gw && type && psk);
	if (!gw || !type || !psk)
		return check_done("test-ui-editor");
	CHECK_STR(gtk_entry_get_text(GTK_ENTRY(gw)), "10.0.0.1");
	CHECK_STR(gtk_entry_get_text(GTK_ENTRY(find(root, "password"))), "pw1");
	CHECK(!has_error_class(gw));
	CHECK(gtk_combo_box_get_active(GTK_COMBO_BOX(type)) == 0);
	CHECK(!gtk_widget_get_visible(psk));

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
	gtk_combo_box_set_active(GTK_COMBO_BOX(type), 1);
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
	gtk_combo_box_set_active(GTK_COMBO_BOX(type), 0);
	CHECK(!gtk_widget_get_visible(psk));
	CHECK(nm_vpn_editor_update_connection(editor, out, NULL));
	v = nm_connection_get_setting_vpn(out);
	CHECK(v && !nm_setting_vpn_get_secret(v, "ipsec-psk"));
	CHECK(v && !g_strcmp0(nm_setting_vpn_get_data_item(v, "protocol"), "pptp"));
	return check_done("test-ui-editor");
}
