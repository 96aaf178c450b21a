/* libwinvpn.h -- public API of the winvpn engine.
 *
 * The engine dials PPTP (and later L2TP/IPsec) gateways in userspace and carries
 * the tunnel over a TUN device.  A host program (the winvpn CLI, the
 * NetworkManager service) creates a session from a settings object and a set of
 * callbacks, then drives the session's event loop: either by calling
 * wv_session_run(), or by watching wv_session_fd() in its own loop and calling
 * wv_session_dispatch() when it is readable or wv_session_timeout_ms() expires.
 *
 * Callbacks run from inside wv_session_dispatch()/wv_session_run(); they must
 * not free the session (free it after dispatch returns).
 *
 * Rules: the engine never prompts, never exits the process and never takes
 * ownership of the caller's strings (it copies them).  Getters return borrowed
 * pointers that live as long as the object they came from.
 */
#ifndef LIBWINVPN_H
#define LIBWINVPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

enum wv_log_level {
	WV_LOG_ERR = 0,
	WV_LOG_INFO = 1,
	WV_LOG_DEBUG = 2,
	WV_LOG_TRACE = 3,
};

/* Why a session ended.  Mapped to CLI exit codes and NM failure reasons in
 * exactly one place each (wv_fail_exit_code() here; the NM service). */
enum wv_fail {
	WV_OK = 0,            /* ended on request, cleanly */
	WV_FAIL_AUTH,         /* the gateway rejected the credentials */
	WV_FAIL_UNREACHABLE,  /* the gateway could not be reached */
	WV_FAIL_PEER_DEAD,    /* the gateway stopped answering or hung up */
	WV_FAIL_PROTOCOL,     /* protocol error or the gateway refused the call */
	WV_FAIL_PROPOSAL,     /* no acceptable encryption/authentication in common */
	WV_FAIL_CONFIG,       /* bad settings */
	WV_FAIL_LOCAL,        /* local error: TUN, sockets, crypto provider */
	WV_FAIL_CANCELLED,    /* stopped by the user before it was up */
};

enum wv_state {
	WV_STATE_IDLE = 0,
	WV_STATE_CONNECTING,      /* reaching the gateway, control connection */
	WV_STATE_AUTHENTICATING,  /* PPP LCP and authentication */
	WV_STATE_CONFIGURING,     /* CCP, IPCP */
	WV_STATE_CONNECTED,
	WV_STATE_DISCONNECTING,
	WV_STATE_DISCONNECTED,
};

const char *wv_state_name(enum wv_state st);
/* A short English description of a failure class ("authentication failed"). */
const char *wv_fail_name(enum wv_fail f);
/* The CLI's exit code for a failure class (see winvpn(8)). */
int wv_fail_exit_code(enum wv_fail f);

/* ---- settings ------------------------------------------------------------
 * A key/value set with NetworkManager's vpn.data key names (gateway, user,
 * domain, refuse-pap, require-mppe, ...).  Secrets (password, ...) are kept
 * apart and wiped when replaced or freed. */
struct wv_settings;

struct wv_settings *wv_settings_new(void);
void wv_settings_free(struct wv_settings *st);
/* Validates against the key table.  On error returns -EINVAL and, if err is not
 * NULL, a malloc'd one-line message naming the key and quoting the value. */
int wv_settings_set(struct wv_settings *st, const char *key, const char *value, char **err);
int wv_settings_set_secret(struct wv_settings *st, const char *key, const char *value, char **err);
const char *wv_settings_get(const struct wv_settings *st, const char *key);
bool wv_settings_is_secret_key(const char *key);
/* "key = value" lines, '#' comments (the format of winvpn profile files). */
int wv_settings_load_file(struct wv_settings *st, const char *path, char **err);
/* Checks the combination (gateway present, protocol known, ...). */
int wv_settings_check(const struct wv_settings *st, char **err);

/* ---- session -------------------------------------------------------------- */
#define WV_MAX_DNS 4
#define WV_MAX_NBNS 4
#define WV_MAX_ROUTES 64
#define WV_MAX_SEARCH 6
#define WV_NAME_MAX 256

/* A route through the tunnel. */
struct wv_route4 {
	struct in_addr dst;       /* host bits zero */
	uint8_t prefix;           /* 0..32 */
	struct in_addr gateway;   /* 0.0.0.0: on the tunnel interface */
};

struct wv_ip4_config {
	char ifname[16];          /* the TUN device */
	struct in_addr gateway;   /* the VPN gateway's public address */
	struct in_addr local;     /* assigned by IPCP */
	struct in_addr peer;      /* the gateway's PPP address */
	/* DNS and WINS: from DHCPINFORM when it answered them (they override
	 * IPCP's, as on Windows), else from IPCP. */
	struct in_addr dns[WV_MAX_DNS];
	unsigned n_dns;
	struct in_addr nbns[WV_MAX_NBNS];
	unsigned n_nbns;
	unsigned mtu;
	const char *protocol;     /* "pptp", "l2tp" */
	const char *encryption;   /* "MPPE-128 stateless", "none", ... */
	/* Split tunnel (setting never-default): the host installs no default
	 * route through the tunnel, only the routes below. */
	bool never_default;
	/* Routes through the tunnel, whatever never_default says: those pushed by
	 * DHCPINFORM (options 121/249), the class-based route of the assigned
	 * address in split mode (unless disable-class-route), and the user's
	 * (setting routes).  The gateway's own address is never among them. */
	struct wv_route4 routes[WV_MAX_ROUTES];
	unsigned n_routes;
	char domain[WV_NAME_MAX];                  /* DHCP option 15, "" if none */
	char search[WV_MAX_SEARCH][WV_NAME_MAX];   /* DHCP option 119 */
	unsigned n_search;
	/* Where the configuration came from: "IPCP" or "IPCP+DHCPINFORM". */
	const char *source;
	/* false for the first report of a connection; true when a later one
	 * replaces it (a late DHCPINFORM answer, addresses changed on redial). */
	bool update;
};

#define WV_MAX_IP6_PREFIXES 4
#define WV_MAX_IP6_ROUTES 16

struct wv_prefix6 {
	struct in6_addr addr;
	uint8_t len;
};

/* IPv6 over the tunnel: the link-local address from IPV6CP's interface
 * identifiers (RFC 5072), then what router advertisements said. */
struct wv_ip6_config {
	char ifname[16];
	struct in6_addr local_ll;                  /* fe80::<our interface id> */
	struct in6_addr peer_ll;                   /* fe80::<gateway's interface id> */
	struct wv_prefix6 addrs[WV_MAX_IP6_PREFIXES];  /* SLAAC addresses formed from RA prefixes */
	unsigned n_addrs;
	struct wv_prefix6 routes[WV_MAX_IP6_ROUTES];   /* on-link prefixes and RFC 4191 routes */
	unsigned n_routes;
	bool default_route;                        /* the RA had a non-zero router lifetime */
	struct in6_addr dns[WV_MAX_DNS];           /* RDNSS (RFC 8106) */
	unsigned n_dns;
	bool update;                               /* replaces an earlier report */
};

struct wv_session;

struct wv_callbacks {
	/* Every message the engine has for a person or a log.  msg has no newline. */
	void (*log)(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg);
	void (*state)(void *arg, enum wv_state old_state, enum wv_state new_state);
	/* The tunnel is up and configured: called once IPCP is up and the
	 * DHCPINFORM answer came or its short wait ran out, and again (with
	 * cfg->update) if a later answer or a redial changes it. */
	void (*ip4_config)(void *arg, const struct wv_ip4_config *cfg);
	/* IPv6 came up (IPV6CP), and again with cfg->update when a router
	 * advertisement adds prefixes, routes or DNS.  May be NULL. */
	void (*ip6_config)(void *arg, const struct wv_ip6_config *cfg);
	/* The link failed and the session is dialling again (setting redial):
	 * attempt counts from 1.  The TUN device stays.  May be NULL. */
	void (*redialing)(void *arg, unsigned attempt, unsigned max_attempts, const char *why);
	/* That redial starts now, redial-interval later: the moment to mend the
	 * route to the gateway if the network under the tunnel changed (the
	 * vpnc-script's attempt-reconnect).  May be NULL. */
	void (*redial_start)(void *arg, unsigned attempt);
	/* The session ended.  message is a sentence naming the cause. */
	void (*finished)(void *arg, enum wv_fail why, const char *message);
};

/* Copies the settings.  Returns NULL with *err set on invalid settings. */
struct wv_session *wv_session_new(const struct wv_settings *st, const struct wv_callbacks *cb,
				  void *arg, char **err);
void wv_session_free(struct wv_session *s);
void wv_session_set_log_level(struct wv_session *s, enum wv_log_level lvl);
/* Opens the TUN device and starts dialling.  0 or -errno. */
int wv_session_start(struct wv_session *s);
/* Asks for an orderly teardown (LCP terminate, call clear, ...).  The
 * finished callback follows once it is done or timed out. */
void wv_session_stop(struct wv_session *s);
/* The computer is about to sleep (logind's PrepareForSleep): the session hangs
 * up now, in order, while the gateway still listens.  With redial=yes it keeps
 * its TUN device and waits for wv_session_wake() to dial again; without, it
 * ends (WV_FAIL_UNREACHABLE, naming the sleep).  The state callback says
 * when the goodbyes are done: CONNECTING (asleep) or DISCONNECTED. */
void wv_session_sleep(struct wv_session *s);
/* The computer woke up: a session that hung up for the sleep dials again. */
void wv_session_wake(struct wv_session *s);
/* Event-loop integration: one fd to watch for reading, and a timeout. */
int wv_session_fd(const struct wv_session *s);
int wv_session_timeout_ms(struct wv_session *s);
/* Does all work that is due without blocking. */
void wv_session_dispatch(struct wv_session *s);
/* Runs until finished; returns the failure class. */
enum wv_fail wv_session_run(struct wv_session *s);
bool wv_session_finished(const struct wv_session *s);
enum wv_state wv_session_state(const struct wv_session *s);

struct wv_stats {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
};
void wv_session_stats(const struct wv_session *s, struct wv_stats *out);

const char *wv_version(void);

#ifdef __cplusplus
}
#endif
#endif
