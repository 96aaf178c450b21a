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

/* The file formats nm_winvpn_import_all() recognises, by content (never by file name). */
typedef enum {
	NM_WINVPN_IMPORT_FORMAT_WINVPN,  /* our "key = value" profile */
	NM_WINVPN_IMPORT_FORMAT_PBK,     /* Windows phonebook (rasphone.pbk) */
	NM_WINVPN_IMPORT_FORMAT_NM_L2TP, /* NetworkManager-l2tp's export: [connection] [vpn] [ipv4] */
} NMWinvpnImportFormat;

/* The format of a file's text (already decoded to UTF-8): a section holding PhoneNumber or
 * VpnStrategy is a phonebook; a [vpn] section is NetworkManager-l2tp's export; anything
 * else is ours (whose parser then reports what is wrong with it). */
NMWinvpnImportFormat nm_winvpn_import_detect(const char *text);

/* Every connection in the file at @path, in file order: one for our format and for
 * NetworkManager-l2tp's, one per PPTP or L2TP entry of a phonebook.  Files may be UTF-8
 * (with or without BOM), UTF-16 with BOM, or else the Windows-1252 code page.
 * @notes (may be NULL) receives one translated sentence per thing left out: a phonebook
 * entry that is not PPTP/L2TP/Automatic (dial-up, SSTP, IKEv2) or a key
 * winvpn ignores.  Malformed input fails with the file, the line or entry and the key.
 * A phonebook holding no PPTP/L2TP entry fails, its message listing why each was skipped.
 * Secrets are never taken from phonebooks or NetworkManager-l2tp exports: the password
 * (or, with EAP-TLS, the user certificate's passphrase) and the pre-shared key (or the
 * machine certificate's passphrase) get secret flags 1 (agent-owned) so NetworkManager
 * asks.  A phonebook's VpnStrategy 0 (Windows' Automatic) becomes protocol=auto, and an
 * L2TP entry with UsePreSharedKey=0 L2TP/IPsec with certificate (machine-auth-type=tls;
 * the certificate files are the user's to choose). */
GPtrArray *nm_winvpn_import_all(const char *path, GPtrArray **notes, GError **error);

/* The first connection of nm_winvpn_import_all(): NMVpnEditorPlugin's import_from_file (so
 * "nmcli connection import") returns one connection, so from a phonebook with several VPN
 * entries only the first is imported; the others are named in a g_message().
 *
 * For our own format: the connection's name comes from an "# id = NAME" comment (written by
 * the export), else from the file name.  A line that is not "key = value", an unknown key or
 * a value the table refuses fails with a message naming the file, the line and the key.
 * Secrets found in the file become vpn secrets. */
NMConnection *nm_winvpn_import_file(const char *path, GError **error);

/* The profile text for @connection: its vpn.data items in the key table's order, never its
 * secrets.  Fails (naming the key) on an item the table does not know or refuses. */
char *nm_winvpn_export_string(NMConnection *connection, GError **error);
gboolean nm_winvpn_export_file(NMConnection *connection, const char *path, GError **error);

/* "NAME.conf", with characters that do not belong in a file name replaced. */
char *nm_winvpn_suggested_filename(NMConnection *connection);

#endif
