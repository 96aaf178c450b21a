/* settings.c -- the key table, validation, and profile files. */
#include "wv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "session-dhcp.h"
#include "settings.h"

const struct wv_key wv_keys[] = {
	{ NM_WINVPN_KEY_PROTOCOL, WV_KEY_ENUM, 0, 0, "pptp|l2tp|auto", "pptp",
	  "VPN protocol: pptp, l2tp (L2TP/IPsec unless ipsec-enabled=no), or auto (L2TP/IPsec, then PPTP, as Windows' Automatic)" },
	{ NM_WINVPN_KEY_GATEWAY, WV_KEY_HOST, 0, 0, NULL, NULL, "gateway host name or address" },
	{ NM_WINVPN_KEY_PORT, WV_KEY_UINT, 1, 65535, NULL, NULL,
	  "control port (PPTP: 1723)" },
	{ NM_WINVPN_KEY_USER, WV_KEY_STRING, 0, 0, NULL, NULL, "user name" },
	{ NM_WINVPN_KEY_DOMAIN, WV_KEY_STRING, 0, 0, NULL, NULL, "NT domain (sent as DOMAIN\\user)" },
	{ NM_WINVPN_KEY_PASSWORD, WV_KEY_SECRET, 0, 0, NULL, NULL, "password" },
	{ NM_WINVPN_KEY_PASSWORD_FLAGS, WV_KEY_UINT, 0, 15, NULL, "0",
	  "NetworkManager secret flags of the password" },
	{ NM_WINVPN_KEY_REFUSE_EAP, WV_KEY_BOOL, 0, 0, NULL, "no", "never authenticate with EAP" },
	{ NM_WINVPN_KEY_REFUSE_PAP, WV_KEY_BOOL, 0, 0, NULL, "no", "never authenticate with PAP" },
	{ NM_WINVPN_KEY_REFUSE_CHAP, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "never authenticate with CHAP-MD5" },
	{ NM_WINVPN_KEY_REFUSE_MSCHAP, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "never authenticate with MS-CHAP v1" },
	{ NM_WINVPN_KEY_REFUSE_MSCHAPV2, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "never authenticate with MS-CHAP v2" },
	{ NM_WINVPN_KEY_REQUIRE_MPPE, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "require MPPE encryption (any key length)" },
	{ NM_WINVPN_KEY_REQUIRE_MPPE_40, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "require 40-bit MPPE" },
	{ NM_WINVPN_KEY_REQUIRE_MPPE_128, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "require 128-bit MPPE" },
	{ NM_WINVPN_KEY_MPPE_STATEFUL, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "allow stateful MPPE" },
	{ NM_WINVPN_KEY_NOBSDCOMP, WV_KEY_BOOL, 0, 0, NULL, "yes",
	  "no BSD compression (never used; accepted for compatibility)" },
	{ NM_WINVPN_KEY_NODEFLATE, WV_KEY_BOOL, 0, 0, NULL, "yes",
	  "no deflate compression (never used; accepted for compatibility)" },
	{ NM_WINVPN_KEY_NO_VJ_COMP, WV_KEY_BOOL, 0, 0, NULL, "yes",
	  "no Van Jacobson compression (never used; accepted for compatibility)" },
	{ NM_WINVPN_KEY_NOPCOMP, WV_KEY_BOOL, 0, 0, NULL, "no", "no protocol field compression" },
	{ NM_WINVPN_KEY_NOACCOMP, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "no address/control field compression" },
	{ NM_WINVPN_KEY_LCP_ECHO_FAILURE, WV_KEY_UINT, 0, 100, NULL, "3",
	  "unanswered LCP echo requests before the gateway is declared dead" },
	{ NM_WINVPN_KEY_LCP_ECHO_INTERVAL, WV_KEY_UINT, 0, 3600, NULL, "10",
	  "seconds between LCP echo requests (0: off)" },
	{ NM_WINVPN_KEY_EPHEMERAL_PORT, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "L2TP: use an ephemeral UDP source port instead of 1701" },
	{ NM_WINVPN_KEY_IPSEC_ENABLED, WV_KEY_BOOL, 0, 0, NULL, "yes",
	  "L2TP: protect L2TP with IPsec (no: unencrypted L2TP, insecure)" },
	{ NM_WINVPN_KEY_IPSEC_PSK, WV_KEY_SECRET, 0, 0, NULL, NULL, "L2TP/IPsec pre-shared key" },
	{ NM_WINVPN_KEY_IPSEC_PSK_FLAGS, WV_KEY_UINT, 0, 15, NULL, "0",
	  "NetworkManager secret flags of the pre-shared key" },
	{ NM_WINVPN_KEY_IPSEC_IKE, WV_KEY_STRING, 0, 0, NULL, "",
	  "IKE (phase 1) proposals, e.g. aes256-sha1-modp2048,3des-sha1-modp1024" },
	{ NM_WINVPN_KEY_IPSEC_ESP, WV_KEY_STRING, 0, 0, NULL, "",
	  "ESP (phase 2) proposals, e.g. aes256-sha1,aes128-sha1 (-modpN: PFS)" },
	{ NM_WINVPN_KEY_IPSEC_FORCEENCAPS, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "always put ESP in UDP 4500, as if behind NAT" },
	{ NM_WINVPN_KEY_IPSEC_IKELIFETIME, WV_KEY_UINT, 0, 86400, NULL, "28800",
	  "IKE SA lifetime in seconds" },
	{ NM_WINVPN_KEY_IPSEC_SALIFETIME, WV_KEY_UINT, 0, 86400, NULL, "3600",
	  "IPsec SA lifetime in seconds" },
	{ NM_WINVPN_KEY_IPSEC_REMOTE_ID, WV_KEY_STRING, 0, 0, NULL, "",
	  "identity the gateway must prove (its certificate's subject or a SAN; default: any the CA vouches for)" },
	{ NM_WINVPN_KEY_IPSEC_PFS, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "offer perfect forward secrecy in Quick Mode (MODP-2048 where ipsec-esp names no group)" },
	{ NM_WINVPN_KEY_MACHINE_AUTH_TYPE, WV_KEY_ENUM, 0, 0, "psk|tls", "psk",
	  "IKE authentication: psk (pre-shared key) or tls (machine certificate, RSA signatures)" },
	{ NM_WINVPN_KEY_MACHINE_CA, WV_KEY_STRING, 0, 0, NULL, "",
	  "CA certificate (PEM) that must have signed the gateway's certificate" },
	{ NM_WINVPN_KEY_MACHINE_CERT, WV_KEY_STRING, 0, 0, NULL, "",
	  "machine certificate: PEM file, or PKCS#12 file holding the key too" },
	{ NM_WINVPN_KEY_MACHINE_KEY, WV_KEY_STRING, 0, 0, NULL, "",
	  "private key of the machine certificate (PEM), unless machine-cert is PKCS#12" },
	{ NM_WINVPN_KEY_MACHINE_CERTPASS, WV_KEY_SECRET, 0, 0, NULL, NULL,
	  "passphrase of the machine key or PKCS#12 file" },
	{ NM_WINVPN_KEY_MACHINE_CERTPASS_FLAGS, WV_KEY_UINT, 0, 15, NULL, "0",
	  "NetworkManager secret flags of the machine certificate passphrase" },
	{ NM_WINVPN_KEY_USER_AUTH_TYPE, WV_KEY_ENUM, 0, 0, "password|tls", "password",
	  "PPP authentication: password, or tls (EAP-TLS with a user certificate)" },
	{ NM_WINVPN_KEY_USER_CA, WV_KEY_STRING, 0, 0, NULL, "",
	  "CA certificate (PEM) for the EAP server's certificate (EAP-TLS, PEAP)" },
	{ NM_WINVPN_KEY_USER_CERT, WV_KEY_STRING, 0, 0, NULL, "",
	  "EAP-TLS user certificate: PEM file, or PKCS#12 file holding the key too" },
	{ NM_WINVPN_KEY_USER_KEY, WV_KEY_STRING, 0, 0, NULL, "",
	  "private key of the user certificate (PEM), unless user-cert is PKCS#12" },
	{ NM_WINVPN_KEY_USER_CERTPASS, WV_KEY_SECRET, 0, 0, NULL, NULL,
	  "passphrase of the user key or PKCS#12 file" },
	{ NM_WINVPN_KEY_USER_CERTPASS_FLAGS, WV_KEY_UINT, 0, 15, NULL, "0",
	  "NetworkManager secret flags of the user certificate passphrase" },
	{ NM_WINVPN_KEY_NEVER_DEFAULT, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "split tunnel: no default route through the VPN (Windows: \"use default gateway on remote network\" off)" },
	{ NM_WINVPN_KEY_ROUTES, WV_KEY_ROUTES, 0, 0, NULL, "",
	  "extra routes through the tunnel, space-separated prefixes: 10.0.0.0/8 172.16.5.0/24" },
	{ NM_WINVPN_KEY_DISABLE_CLASS_ROUTE, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "split tunnel: do not add the class-based route of the assigned address (Windows' DisableClassBasedDefaultRoute)" },
	{ NM_WINVPN_KEY_DHCP_INFORM, WV_KEY_BOOL, 0, 0, NULL, "yes",
	  "ask the gateway's DHCP relay for routes, domain, DNS and WINS after IPCP (DHCPINFORM), as Windows does" },
	{ NM_WINVPN_KEY_IPV6, WV_KEY_BOOL, 0, 0, NULL, "yes",
	  "negotiate IPv6 (IPV6CP) and take prefixes, routes and DNS from router advertisements" },
	{ NM_WINVPN_KEY_REDIAL, WV_KEY_BOOL, 0, 0, NULL, "no",
	  "dial again when an established link fails (Windows' RedialOnLinkFailure)" },
	{ NM_WINVPN_KEY_REDIAL_ATTEMPTS, WV_KEY_UINT, 1, 999, NULL, "3",
	  "redial attempts after a link failure (Windows' RedialAttempts)" },
	{ NM_WINVPN_KEY_REDIAL_INTERVAL, WV_KEY_UINT, 0, 3600, NULL, "10",
	  "seconds between redial attempts (Windows' RedialSeconds)" },
	{ NM_WINVPN_KEY_IDLE_TIMEOUT, WV_KEY_UINT, 0, 86400, NULL, "0",
	  "disconnect after this many seconds without traffic (0: never; Windows' IdleDisconnectSeconds)" },
	{ NM_WINVPN_KEY_MTU, WV_KEY_UINT, 576, 1500, NULL, "1400", "tunnel MTU" },
	{ NM_WINVPN_KEY_MRU, WV_KEY_UINT, 576, 1500, NULL, "1400", "PPP MRU" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

struct wv_kv {
	char *key, *value;
	bool secret;
	struct wv_kv *next;
};

struct wv_settings {
	struct wv_kv *items;
};

static void set_err(char **err, char *msg)
{
	if (err)
		*err = msg;
	else
		free(msg);
}

const struct wv_key *wv_key_find(const char *name)
{
	const struct wv_key *k;

	for (k = wv_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool valid_host(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_:", *s))
			return false;
	return true;
}

int wv_key_check(const struct wv_key *k, const char *value, char **err)
{
	if (has_control_chars(value)) {
		set_err(err, wv_strdupf(_("invalid %s: the value contains control characters"),
				       k->name));
		return -EINVAL;
	}
	switch (k->type) {
	case WV_KEY_STRING:
	case WV_KEY_SECRET:
		return 0;
	case WV_KEY_ROUTES: {
		struct wv_route4 routes[WV_MAX_ROUTES];
		unsigned n;

		return sdhcp_parse_routes(value, routes, WV_MAX_ROUTES, &n, err);
	}
	case WV_KEY_HOST:
		if (valid_host(value))
			return 0;
		set_err(err, wv_strdupf(_("invalid %s '%s': expected a host name or an IP address"),
				       k->name, value));
		return -EINVAL;
	case WV_KEY_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
			return 0;
		set_err(err, wv_strdupf(_("invalid %s '%s': expected yes or no"), k->name, value));
		return -EINVAL;
	case WV_KEY_UINT: {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(value, &end, 10);
		if (*value && isdigit((unsigned char)*value) && !*end && !errno &&
		    v >= k->min && v <= k->max)
			return 0;
		set_err(err, wv_strdupf(_("invalid %s '%s': expected a number from %u to %u"),
				       k->name, value, k->min, k->max));
		return -EINVAL;
	}
	case WV_KEY_ENUM: {
		const char *c = k->choices;
		size_t n = strlen(value);

		while (c && *c) {
			const char *bar = strchr(c, '|');
			size_t len = bar ? (size_t)(bar - c) : strlen(c);
			if (len == n && strncmp(c, value, n) == 0)
				return 0;
			c = bar ? bar + 1 : NULL;
		}
		set_err(err, wv_strdupf(_("invalid %s '%s': expected one of %s"), k->name, value,
				       k->choices));
		return -EINVAL;
	}
	}
	return -EINVAL;
}

struct wv_settings *wv_settings_new(void)
{
	return calloc(1, sizeof(struct wv_settings));
}

static void kv_free(struct wv_kv *kv)
{
	if (kv->secret)
		wv_free_secret(kv->value);
	else
		free(kv->value);
	free(kv->key);
	free(kv);
}

void wv_settings_free(struct wv_settings *st)
{
	if (!st)
		return;
	while (st->items) {
		struct wv_kv *kv = st->items;
		st->items = kv->next;
		kv_free(kv);
	}
	free(st);
}

static struct wv_kv *find_kv(const struct wv_settings *st, const char *key)
{
	struct wv_kv *kv;

	for (kv = st->items; kv; kv = kv->next)
		if (strcmp(kv->key, key) == 0)
			return kv;
	return NULL;
}

static int put(struct wv_settings *st, const char *key, const char *value, bool secret)
{
	struct wv_kv *kv = find_kv(st, key);
	char *v = strdup(value);

	if (!v)
		return -ENOMEM;
	if (kv) {
		if (kv->secret)
			wv_free_secret(kv->value);
		else
			free(kv->value);
		kv->value = v;
		kv->secret = secret;
		return 0;
	}
	kv = calloc(1, sizeof(*kv));
	if (!kv || !(kv->key = strdup(key))) {
		free(kv);
		wv_free_secret(v);
		return -ENOMEM;
	}
	kv->value = v;
	kv->secret = secret;
	kv->next = st->items;
	st->items = kv;
	return 0;
}

bool wv_settings_is_secret_key(const char *key)
{
	const struct wv_key *k = wv_key_find(key);

	return k && k->type == WV_KEY_SECRET;
}

int wv_settings_set(struct wv_settings *st, const char *key, const char *value, char **err)
{
	const struct wv_key *k = wv_key_find(key);
	int r;

	if (!k) {
		set_err(err, wv_strdupf(_("unknown setting '%s'"), key));
		return -EINVAL;
	}
	if (k->type == WV_KEY_SECRET)
		return wv_settings_set_secret(st, key, value, err);
	r = wv_key_check(k, value, err);
	return r < 0 ? r : put(st, key, value, false);
}

int wv_settings_set_secret(struct wv_settings *st, const char *key, const char *value, char **err)
{
	const struct wv_key *k = wv_key_find(key);

	if (!k || k->type != WV_KEY_SECRET) {
		set_err(err, wv_strdupf(_("'%s' is not a secret setting"), key));
		return -EINVAL;
	}
	/* A secret is never quoted back: it could end up in a log. */
	if (has_control_chars(value)) {
		set_err(err, wv_strdupf(_("invalid %s: the value contains control characters"), key));
		return -EINVAL;
	}
	return put(st, key, value, true);
}

const char *wv_settings_get(const struct wv_settings *st, const char *key)
{
	struct wv_kv *kv = find_kv(st, key);

	return kv ? kv->value : NULL;
}

static const char *lookup_or_default(wv_settings_lookup get, const void *data, const char *key);
static const char *settings_lookup(const void *data, const char *key);

const char *wv_settings_str(const struct wv_settings *st, const char *key)
{
	return lookup_or_default(settings_lookup, st, key);
}

const char *wv_settings_secret(const struct wv_settings *st, const char *key)
{
	struct wv_kv *kv = find_kv(st, key);

	return kv && kv->secret ? kv->value : NULL;
}

bool wv_settings_bool(const struct wv_settings *st, const char *key)
{
	return strcmp(wv_settings_str(st, key), "yes") == 0;
}

unsigned wv_settings_uint(const struct wv_settings *st, const char *key)
{
	return (unsigned)strtoul(wv_settings_str(st, key), NULL, 10);
}

struct wv_settings *wv_settings_dup(const struct wv_settings *st)
{
	struct wv_settings *d = wv_settings_new();
	struct wv_kv *kv;

	if (!d)
		return NULL;
	for (kv = st->items; kv; kv = kv->next) {
		if (put(d, kv->key, kv->value, kv->secret) < 0) {
			wv_settings_free(d);
			return NULL;
		}
	}
	return d;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int wv_settings_load_file(struct wv_settings *st, const char *path, char **err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int r = 0;

	if (!f) {
		r = -errno;
		set_err(err, wv_strdupf(_("cannot open profile %s: %s"), path, strerror(-r)));
		return r;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *s = trim(line), *eq, *key, *value, *e2 = NULL;

		lineno++;
		if (!*s || *s == '#' || *s == ';' || *s == '[')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			set_err(err, wv_strdupf(_("%s:%u: expected 'key = value', got '%s'"), path,
					       lineno, s));
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		r = wv_settings_set(st, key, value, &e2);
		if (r < 0) {
			set_err(err, wv_strdupf("%s:%u: %s", path, lineno, e2 ? e2 : "invalid"));
			free(e2);
			break;
		}
	}
	if (line) {
		/* The line buffer may have held a password. */
		wv_wipe(line, cap);
		free(line);
	}
	fclose(f);
	return r;
}

int wv_settings_check(const struct wv_settings *st, char **err)
{
	if (!*wv_settings_str(st, NM_WINVPN_KEY_GATEWAY)) {
		set_err(err, wv_strdupf(_("no gateway given: set 'gateway'")));
		return -EINVAL;
	}
	if (wv_settings_bool(st, NM_WINVPN_KEY_REQUIRE_MPPE_40) &&
	    wv_settings_bool(st, NM_WINVPN_KEY_REQUIRE_MPPE_128)) {
		set_err(err, wv_strdupf(_("require-mppe-40 and require-mppe-128 exclude each other")));
		return -EINVAL;
	}
	return 0;
}

/* ---- which secrets a connection needs ---- */

const char *const wv_secret_keys[] = {
	NM_WINVPN_KEY_PASSWORD, NM_WINVPN_KEY_IPSEC_PSK, NM_WINVPN_KEY_MACHINE_CERTPASS,
	NM_WINVPN_KEY_USER_CERTPASS, NULL,
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

bool wv_key_needs_passphrase(const char *cert, const char *key)
{
	const char *path = key && *key ? key : cert;
	char buf[8192];
	size_t n;
	FILE *f;

	if (!path || !*path)
		return false;
	if (has_suffix(path, ".p12") || has_suffix(path, ".pfx"))
		return true;
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n == 0)
		return false;
	if (memchr(buf, '\0', n))
		return true;    /* binary: PKCS#12 (or a DER key, which may be encrypted) */
	buf[n] = '\0';
	/* "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8) or "Proc-Type: 4,ENCRYPTED" (OpenSSL's
	 * traditional form); text that is not PEM at all is base64 PKCS#12. */
	return strstr(buf, "ENCRYPTED") != NULL || !strstr(buf, "-----BEGIN");
}

/* A setting, or the table's default; "" when neither. */
static const char *lookup_or_default(wv_settings_lookup get, const void *data, const char *key)
{
	const char *v = get(data, key);
	const struct wv_key *k;

	if (v)
		return v;
	k = wv_key_find(key);
	return k && k->dflt ? k->dflt : "";
}

enum wv_secret_need wv_secret_need(const char *key, wv_settings_lookup get, const void *data)
{
#define IS(k, v) (strcmp(lookup_or_default(get, data, (k)), (v)) == 0)
	bool automatic = IS(NM_WINVPN_KEY_PROTOCOL, "auto");
	bool ipsec = (IS(NM_WINVPN_KEY_PROTOCOL, "l2tp") || automatic) &&
		     IS(NM_WINVPN_KEY_IPSEC_ENABLED, "yes");
	bool machine_tls = IS(NM_WINVPN_KEY_MACHINE_AUTH_TYPE, "tls");
	bool user_tls = IS(NM_WINVPN_KEY_USER_AUTH_TYPE, "tls");
	bool need = false;

	if (strcmp(key, NM_WINVPN_KEY_PASSWORD) == 0)
		need = !user_tls;
	else if (strcmp(key, NM_WINVPN_KEY_IPSEC_PSK) == 0)
		return !ipsec || machine_tls ? WV_SECRET_UNUSED :
		       automatic ? WV_SECRET_OPTIONAL : WV_SECRET_NEEDED;
	else if (strcmp(key, NM_WINVPN_KEY_MACHINE_CERTPASS) == 0)
		need = ipsec && machine_tls &&
		       wv_key_needs_passphrase(get(data, NM_WINVPN_KEY_MACHINE_CERT),
					       get(data, NM_WINVPN_KEY_MACHINE_KEY));
	else if (strcmp(key, NM_WINVPN_KEY_USER_CERTPASS) == 0)
		need = user_tls && wv_key_needs_passphrase(get(data, NM_WINVPN_KEY_USER_CERT),
							   get(data, NM_WINVPN_KEY_USER_KEY));
	return need ? WV_SECRET_NEEDED : WV_SECRET_UNUSED;
#undef IS
}

static const char *settings_lookup(const void *data, const char *key)
{
	return wv_settings_get(data, key);
}

enum wv_secret_need wv_settings_secret_need(const struct wv_settings *st, const char *key)
{
	return wv_secret_need(key, settings_lookup, st);
}
