/* nm-winvpn-import.h -- import and export of winvpn profiles ("key = value" lines, the format
 * of the CLI's profile files, client/settings.c wv_settings_load_file) for the GTK-free editor
 * plugin.  Every key and value goes through the engine's key table (wv_keys[]); nothing here
 * lists the keys again. */
#ifndef NM_WINVPN_IMPORT_H
#define NM_WINVPN_IMPORT_H

#include <NetworkManager.h>

#ifndef NM_DBUS_SERVICE_WINVPN
#define NM_DBUS_SERVICE_WINVPN "org.freedesktop.NetworkManager.winvpn"
#endif

/* A new VPN connection from the profile at @path.  The connection's name comes from an
 * "# id = NAME" comment (written by the export), else from the file name.  A line that is not
 * "key = value", an unknown key or a value the table refuses fails with a message naming the
 * file, the line and the key.  Secrets found in the file become vpn secrets. */
NMConnection *nm_winvpn_import_file(const char *path, GError **error);

/* The profile text for @connection: its vpn.data items in the key table's order, never its
 * secrets.  Fails (naming the key) on an item the table does not know or refuses. */
char *nm_winvpn_export_string(NMConnection *connection, GError **error);
gboolean nm_winvpn_export_file(NMConnection *connection, const char *path, GError **error);

/* "NAME.conf", with characters that do not belong in a file name replaced. */
char *nm_winvpn_suggested_filename(NMConnection *connection);

#endif
