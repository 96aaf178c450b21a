/* nm-winvpn-service.h -- the NetworkManager VPN service plugin type. */
#ifndef NM_WINVPN_SERVICE_H
#define NM_WINVPN_SERVICE_H

#include <NetworkManager.h>

#define NM_TYPE_WINVPN_PLUGIN (nm_winvpn_plugin_get_type())
#define NM_WINVPN_PLUGIN(obj) \
	(G_TYPE_CHECK_INSTANCE_CAST((obj), NM_TYPE_WINVPN_PLUGIN, NMWinvpnPlugin))
#define NM_IS_WINVPN_PLUGIN(obj) (G_TYPE_CHECK_INSTANCE_TYPE((obj), NM_TYPE_WINVPN_PLUGIN))

typedef struct {
	NMVpnServicePlugin parent;
} NMWinvpnPlugin;

typedef struct {
	NMVpnServicePluginClass parent;
} NMWinvpnPluginClass;

GType nm_winvpn_plugin_get_type(void);

/* The service under @bus_name (NM_DBUS_SERVICE_WINVPN or, when NetworkManager
 * runs several connections, the name it passes with --bus-name).  With
 * @watch_peer the connection stops when the D-Bus peer that started it goes
 * away (always, except under --debug). */
NMWinvpnPlugin *nm_winvpn_plugin_new(const char *bus_name, gboolean watch_peer,
				     GError **error);

#endif
