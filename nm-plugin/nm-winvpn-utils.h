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

/* The first secret connecting needs that the connection lacks: the password,
 * and for L2TP/IPsec the pre-shared key, each unless its flags say it is not
 * required.  NULL when nothing is missing. */
const char *nm_winvpn_missing_secret(NMSettingVpn *s_vpn);
/* A person's name for a secret key ("password", "IPsec pre-shared key"). */
const char *nm_winvpn_secret_label(const char *key);

/* The failure reason NetworkManager gets for a session that ended with @why.
 * FALSE when the end is not a failure (asked for, or cancelled). */
gboolean nm_winvpn_failure_reason(enum wv_fail why, NMVpnPluginFailure *out_reason);

#endif
