/* nm-winvpn-utils.h -- what the NetworkManager service shares with its tests:
 * turning NM's vpn.data and vpn.secrets into the engine's settings, the secret
 * rules behind NeedSecrets, and the one mapping from the engine's failure
 * classes to NM's failure reasons.
 *
 * The keys themselves are the engine's (client/settings.h: NM_WINVPN_KEY_* and
 * the wv_keys[] table); nothing here lists them again. */
#ifndef NM_WINVPN_UTILS_H
#define NM_WINVPN_UTILS_H

#include <NetworkManager.h>

#include "libwinvpn.h"

#define NM_DBUS_SERVICE_WINVPN "org.freedesktop.NetworkManager.winvpn"

typedef struct wv_settings wv_settings;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(wv_settings, wv_settings_free)

/* A new settings object from the connection's vpn setting: every data item and
 * secret is checked against the engine's key table.  An unknown key, a secret
 * stored as a data item, a value the table refuses (a control character, a
 * number out of range, ...) or a missing gateway fails with
 * NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS and a message naming the key.  The user
 * name falls back to vpn.user-name, as in NetworkManager-pptp.  Secret values
 * are never quoted in messages. */
wv_settings *nm_winvpn_settings_from_vpn(NMSettingVpn *s_vpn, GError **error);

/* Whether the connection lacks a secret that connecting needs: the password,
 * unless its flags say it is not required. */
gboolean nm_winvpn_needs_password(NMSettingVpn *s_vpn);

/* The failure reason NetworkManager gets for a session that ended with @why.
 * FALSE when the end is not a failure (asked for, or cancelled). */
gboolean nm_winvpn_failure_reason(enum wv_fail why, NMVpnPluginFailure *out_reason);

#endif
