/* nm-winvpn-editor-plugin.c -- libnm-vpn-plugin-winvpn.so: winvpn's NMVpnEditorPlugin.
 *
 * This library links libnm only (never GTK), so that nmcli can import and export
 * profiles.  The editor widget lives in libnm-vpn-plugin-winvpn-editor.so next to this
 * file and is dlopen()ed by get_editor().  The only exported symbol is
 * nm_vpn_editor_plugin_factory (libnm-vpn-plugin-winvpn.ver). */
#include "config.h"

#include <dlfcn.h>
#include <glib/gi18n-lib.h>

#include "nm-winvpn-import.h"

#define EDITOR_LIBRARY "libnm-vpn-plugin-winvpn-editor.so"
#define EDITOR_FACTORY "nm_vpn_editor_factory_winvpn"

typedef NMVpnEditor *(*EditorFactory)(NMVpnEditorPlugin *plugin, NMConnection *connection,
				      GError **error);

#define WINVPN_TYPE_EDITOR_PLUGIN (winvpn_editor_plugin_get_type())
G_DECLARE_FINAL_TYPE(WinvpnEditorPlugin, winvpn_editor_plugin, WINVPN, EDITOR_PLUGIN, GObject)

struct _WinvpnEditorPlugin {
	GObject parent;
};

enum { PROP_0, PROP_NAME, PROP_DESC, PROP_SERVICE };

static void winvpn_editor_plugin_interface_init(NMVpnEditorPluginInterface *iface);

G_DEFINE_TYPE_WITH_CODE(WinvpnEditorPlugin, winvpn_editor_plugin, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR_PLUGIN,
					      winvpn_editor_plugin_interface_init))

NMVpnEditorPlugin *nm_vpn_editor_plugin_factory(GError **error);

/* IPV6: the service reports IPv6 (IPV6CP, router advertisements), so the editor shows
 * the connection's IPv6 tab (whose "Ignore" turns the engine's ipv6 off). */
static NMVpnEditorPluginCapability get_capabilities(NMVpnEditorPlugin *plugin)
{
	return NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT |
	       NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6;
}

static NMConnection *import_from_file(NMVpnEditorPlugin *plugin, const char *path,
				      GError **error)
{
	return nm_winvpn_import_file(path, error);
}

static gboolean export_to_file(NMVpnEditorPlugin *plugin, const char *path,
			       NMConnection *connection, GError **error)
{
	return nm_winvpn_export_file(connection, path, error);
}

static char *get_suggested_filename(NMVpnEditorPlugin *plugin, NMConnection *connection)
{
	return nm_winvpn_suggested_filename(connection);
}

/* The directory this library was loaded from: the editor library sits next to it. */
static char *self_dir(void)
{
	Dl_info info;

	if (!dladdr((void *)nm_vpn_editor_plugin_factory, &info) || !info.dli_fname)
		return NULL;
	return g_path_get_dirname(info.dli_fname);
}

static NMVpnEditor *get_editor(NMVpnEditorPlugin *plugin, NMConnection *connection,
			       GError **error)
{
	static EditorFactory factory;
	g_autofree char *dir = NULL;
	g_autofree char *path = NULL;
	void *handle;

	g_return_val_if_fail(NM_IS_CONNECTION(connection), NULL);
	if (!factory) {
		dir = self_dir();
		path = g_build_filename(dir ? dir : ".", EDITOR_LIBRARY, NULL);
		/* Never closed: the editor registers GTypes. */
		handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
		if (!handle) {
			g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
				    _("cannot load the winvpn editor: %s"), dlerror());
			return NULL;
		}
		factory = (EditorFactory)dlsym(handle, EDITOR_FACTORY);
		if (!factory) {
			g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
				    _("cannot load the winvpn editor: %s has no %s"), path,
				    EDITOR_FACTORY);
			dlclose(handle);
			return NULL;
		}
	}
	return factory(plugin, connection, error);
}

static void get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	switch (prop_id) {
	case PROP_NAME:
		g_value_set_string(value, _("Windows VPN (PPTP, L2TP/IPsec)"));
		break;
	case PROP_DESC:
		g_value_set_string(value, _("Compatible with the VPN client built into Windows: "
					    "PPTP and L2TP/IPsec with a pre-shared key."));
		break;
	case PROP_SERVICE:
		g_value_set_string(value, NM_DBUS_SERVICE_WINVPN);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void winvpn_editor_plugin_init(WinvpnEditorPlugin *plugin)
{
}

static void winvpn_editor_plugin_interface_init(NMVpnEditorPluginInterface *iface)
{
	iface->get_editor = get_editor;
	iface->get_capabilities = get_capabilities;
	iface->import_from_file = import_from_file;
	iface->export_to_file = export_to_file;
	iface->get_suggested_filename = get_suggested_filename;
}

static void winvpn_editor_plugin_class_init(WinvpnEditorPluginClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = get_property;
	g_object_class_override_property(object_class, PROP_NAME, NM_VPN_EDITOR_PLUGIN_NAME);
	g_object_class_override_property(object_class, PROP_DESC,
					 NM_VPN_EDITOR_PLUGIN_DESCRIPTION);
	g_object_class_override_property(object_class, PROP_SERVICE,
					 NM_VPN_EDITOR_PLUGIN_SERVICE);
}

NMVpnEditorPlugin *nm_vpn_editor_plugin_factory(GError **error)
{
	if (error)
		g_return_val_if_fail(*error == NULL, NULL);
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	return g_object_new(WINVPN_TYPE_EDITOR_PLUGIN, NULL);
}
