/* settings.h -- every setting key, and the one validation table behind them.
 * The keys are NetworkManager's vpn.data keys; where NetworkManager-pptp or
 * NetworkManager-l2tp has a key for the same thing, it has the same name and
 * value format ("yes"/"no" booleans, decimal numbers).  The CLI's profile
 * files use the same keys.  Internal to the engine; the NM plugin will share
 * this table. */
#ifndef WV_SETTINGS_H
#define WV_SETTINGS_H

#include <stdbool.h>
#include "libwinvpn.h"

#define NM_WINVPN_KEY_PROTOCOL          "protocol"
#define NM_WINVPN_KEY_GATEWAY           "gateway"
#define NM_WINVPN_KEY_PORT              "port"
#define NM_WINVPN_KEY_USER              "user"
#define NM_WINVPN_KEY_DOMAIN            "domain"
#define NM_WINVPN_KEY_PASSWORD          "password"
#define NM_WINVPN_KEY_PASSWORD_FLAGS    "password-flags"
#define NM_WINVPN_KEY_REFUSE_EAP        "refuse-eap"
#define NM_WINVPN_KEY_REFUSE_PAP        "refuse-pap"
#define NM_WINVPN_KEY_REFUSE_CHAP       "refuse-chap"
#define NM_WINVPN_KEY_REFUSE_MSCHAP     "refuse-mschap"
#define NM_WINVPN_KEY_REFUSE_MSCHAPV2   "refuse-mschapv2"
#define NM_WINVPN_KEY_REQUIRE_MPPE      "require-mppe"
#define NM_WINVPN_KEY_REQUIRE_MPPE_40   "require-mppe-40"
#define NM_WINVPN_KEY_REQUIRE_MPPE_128  "require-mppe-128"
#define NM_WINVPN_KEY_MPPE_STATEFUL     "mppe-stateful"
#define NM_WINVPN_KEY_NOBSDCOMP         "nobsdcomp"
#define NM_WINVPN_KEY_NODEFLATE         "nodeflate"
#define NM_WINVPN_KEY_NO_VJ_COMP        "no-vj-comp"
#define NM_WINVPN_KEY_NOPCOMP           "nopcomp"
#define NM_WINVPN_KEY_NOACCOMP          "noaccomp"
#define NM_WINVPN_KEY_LCP_ECHO_FAILURE  "lcp-echo-failure"
#define NM_WINVPN_KEY_LCP_ECHO_INTERVAL "lcp-echo-interval"
#define NM_WINVPN_KEY_EPHEMERAL_PORT    "ephemeral-port"
#define NM_WINVPN_KEY_IPSEC_ENABLED     "ipsec-enabled"
#define NM_WINVPN_KEY_IPSEC_PSK         "ipsec-psk"
#define NM_WINVPN_KEY_IPSEC_PSK_FLAGS   "ipsec-psk-flags"
#define NM_WINVPN_KEY_IPSEC_IKE         "ipsec-ike"
#define NM_WINVPN_KEY_IPSEC_ESP         "ipsec-esp"
#define NM_WINVPN_KEY_IPSEC_FORCEENCAPS "ipsec-forceencaps"
#define NM_WINVPN_KEY_IPSEC_IKELIFETIME "ipsec-ikelifetime"
#define NM_WINVPN_KEY_IPSEC_SALIFETIME  "ipsec-salifetime"
#define NM_WINVPN_KEY_IPSEC_REMOTE_ID   "ipsec-remote-id"
#define NM_WINVPN_KEY_IPSEC_PFS         "ipsec-pfs"
#define NM_WINVPN_KEY_MACHINE_AUTH_TYPE "machine-auth-type"
#define NM_WINVPN_KEY_MACHINE_CA        "machine-ca"
#define NM_WINVPN_KEY_MACHINE_CERT      "machine-cert"
#define NM_WINVPN_KEY_MACHINE_KEY       "machine-key"
#define NM_WINVPN_KEY_MACHINE_CERTPASS  "machine-certpass"
#define NM_WINVPN_KEY_MACHINE_CERTPASS_FLAGS "machine-certpass-flags"
#define NM_WINVPN_KEY_USER_AUTH_TYPE    "user-auth-type"
#define NM_WINVPN_KEY_USER_CA           "user-ca"
#define NM_WINVPN_KEY_USER_CERT         "user-cert"
#define NM_WINVPN_KEY_USER_KEY          "user-key"
#define NM_WINVPN_KEY_USER_CERTPASS     "user-certpass"
#define NM_WINVPN_KEY_USER_CERTPASS_FLAGS "user-certpass-flags"
#define NM_WINVPN_KEY_NEVER_DEFAULT     "never-default"
#define NM_WINVPN_KEY_ROUTES            "routes"
#define NM_WINVPN_KEY_DISABLE_CLASS_ROUTE "disable-class-route"
#define NM_WINVPN_KEY_DHCP_INFORM       "dhcp-inform"
#define NM_WINVPN_KEY_IPV6              "ipv6"
#define NM_WINVPN_KEY_REDIAL            "redial"
#define NM_WINVPN_KEY_REDIAL_ATTEMPTS   "redial-attempts"
#define NM_WINVPN_KEY_REDIAL_INTERVAL   "redial-interval"
#define NM_WINVPN_KEY_IDLE_TIMEOUT      "idle-timeout"
#define NM_WINVPN_KEY_MTU               "mtu"
#define NM_WINVPN_KEY_MRU               "mru"

enum wv_key_type {
	WV_KEY_STRING,
	WV_KEY_HOST,     /* host name or address */
	WV_KEY_BOOL,     /* "yes" / "no" */
	WV_KEY_UINT,     /* decimal in [min, max] */
	WV_KEY_ENUM,     /* one of a '|'-separated list */
	WV_KEY_SECRET,
	WV_KEY_ROUTES,   /* IPv4 prefixes: "10.0.0.0/8 172.16.5.0/24" */
};

struct wv_key {
	const char *name;
	enum wv_key_type type;
	unsigned min, max;       /* WV_KEY_UINT */
	const char *choices;     /* WV_KEY_ENUM: "pptp|l2tp" */
	const char *dflt;        /* default value, NULL if none */
	const char *help;        /* one line, for docs and errors */
};

/* The table, NULL-name terminated. */
extern const struct wv_key wv_keys[];
const struct wv_key *wv_key_find(const char *name);
/* Validates one value; on error a malloc'd sentence quoting it. */
int wv_key_check(const struct wv_key *k, const char *value, char **err);

/* Typed getters (fall back to the table's default). */
bool wv_settings_bool(const struct wv_settings *st, const char *key);
unsigned wv_settings_uint(const struct wv_settings *st, const char *key);
/* Also looks at defaults; "" for unset strings. */
const char *wv_settings_str(const struct wv_settings *st, const char *key);
const char *wv_settings_secret(const struct wv_settings *st, const char *key);
struct wv_settings *wv_settings_dup(const struct wv_settings *st);

/* ---- which secrets a connection needs: one rule for the CLI, the
 * NetworkManager service and its auth dialog ---- */

/* Every secret key, NULL-terminated, in the order they are asked for. */
extern const char *const wv_secret_keys[];

enum wv_secret_need {
	WV_SECRET_UNUSED,    /* these settings never use it */
	WV_SECRET_OPTIONAL,  /* used when given: Automatic's pre-shared key (without
			      * one, Automatic goes straight to PPTP) */
	WV_SECRET_NEEDED,
};

/* Looks a setting up in whatever holds them (struct wv_settings,
 * NetworkManager's vpn.data, a dialog's table); NULL when unset. */
typedef const char *(*wv_settings_lookup)(const void *data, const char *key);

/* Whether secret @key is used, its flags aside:
 *   password          unless user-auth-type=tls (EAP-TLS uses a certificate)
 *   ipsec-psk         L2TP/IPsec with machine-auth-type=psk; Automatic: optional
 *   machine-certpass  L2TP/IPsec or Automatic with machine-auth-type=tls, when
 *                     the machine key needs a passphrase (below)
 *   user-certpass     user-auth-type=tls, when the user key needs one */
enum wv_secret_need wv_secret_need(const char *key, wv_settings_lookup get, const void *data);
enum wv_secret_need wv_settings_secret_need(const struct wv_settings *st, const char *key);

/* Whether a certificate's private key (in @key, or with the certificate in
 * @cert when @key is empty) needs a passphrase: PKCS#12 always (an empty
 * one is a passphrase too), PEM when it is encrypted.  A file that cannot be
 * read is judged by its name (.p12, .pfx): the auth dialog runs as the user,
 * and the engine names an unreadable file when it fails. */
bool wv_key_needs_passphrase(const char *cert, const char *key);

#endif
