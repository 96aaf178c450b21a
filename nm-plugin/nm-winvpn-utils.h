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

/* Like nm_winvpn_settings_from_vpn(), plus what the connection's other settings
 * say: ipv4.never-default (split tunnel) turns the engine's never-default on, and
 * an ipv6.method of "ignore" or "disabled" turns its IPv6 off. */
wv_settings *nm_winvpn_settings_from_connection(NMConnection *connection, GError **error);

/* Looks a vpn.data item up in whatever holds them (an NMSettingVpn, the auth
 * dialog's hash table). */
typedef const char *(*NMWinvpnDataGet)(gconstpointer data, const char *key);

/* Whether the connection's settings use secret @key (one of wv_secret_keys[], in
 * the order they are asked for) at all, its flags aside: wv_secret_need() in
 * client/settings.h, with Automatic's optional pre-shared key counted in. */
gboolean nm_winvpn_secret_applies(const char *key, NMWinvpnDataGet get, gconstpointer data);

/* The first secret connecting needs that the connection lacks (see
 * nm_winvpn_secret_applies), unless its flags say it is not required.  NULL when
 * nothing is missing. */
const char *nm_winvpn_missing_secret(NMSettingVpn *s_vpn);
/* A person's name for a secret key ("password", "IPsec pre-shared key"). */
const char *nm_winvpn_secret_label(const char *key);

/* What the service tells NetworkManager about a tunnel.  Each returns a new
 * floating a{sv}.  Strings that are not UTF-8 (a domain from the wire) are left
 * out, since D-Bus cannot carry them.
 *   config: tun device, external gateway, MTU, has-ip4 and has-ip6;
 *   ip4:    address/32 with the PPP peer, DNS, WINS, routes (gateway 0: on the
 *           tunnel; 0.0.0.0/0 is never among them, never-default decides it),
 *           domain and search list, never-default;
 *   ip6:    the first address the gateway's router advertisement formed (else the
 *           IPV6CP link-local one), its routes and DNS; never-default when the
 *           advertisement offered no default router or @never_default (split
 *           tunnel) is set. */
GVariant *nm_winvpn_config_dict(const struct wv_ip4_config *c, gboolean has_ip6);
GVariant *nm_winvpn_ip4_dict(const struct wv_ip4_config *c);
GVariant *nm_winvpn_ip6_dict(const struct wv_ip6_config *c, gboolean never_default);

/* The failure reason NetworkManager gets for a session that ended with @why.
 * FALSE when the end is not a failure (asked for, or cancelled). */
gboolean nm_winvpn_failure_reason(enum wv_fail why, NMVpnPluginFailure *out_reason);

#endif
