/* test-nm-settings.c -- NetworkManager's vpn setting to the engine's settings
 * (nm-plugin/nm-winvpn-utils.c): every key of the table maps, unknown keys,
 * control characters and misplaced secrets are refused with BadArguments naming
 * the key (never quoting a secret), booleans and numbers are checked, the secret
 * flags decide NeedSecrets, and the failure classes map onto NM's reasons. */
#include "config.h"

#include <NetworkManager.h>
#include <arpa/inet.h>
#include <glib/gstdio.h>

#include "check.h"
#include "nm-winvpn-utils.h"
#include "settings.h"

static NMSettingVpn *vpn_new(const char *const *data, const char *const *secrets)
{
	NMSettingVpn *s = NM_SETTING_VPN(nm_setting_vpn_new());

	g_object_set(s, NM_SETTING_VPN_SERVICE_TYPE, NM_DBUS_SERVICE_WINVPN, NULL);
	for (; data && *data; data += 2)
		nm_setting_vpn_add_data_item(s, data[0], data[1]);
	for (; secrets && *secrets; secrets += 2)
		nm_setting_vpn_add_secret(s, secrets[0], secrets[1]);
	return s;
}

/* Maps and expects a BadArguments error whose message names `key` and does
 * not contain `hidden` (a secret value). */
static void expect_bad(const char *const *data, const char *const *secrets, const char *key,
		       const char *hidden)
{
	NMSettingVpn *s = vpn_new(data, secrets);
	GError *error = NULL;
	wv_settings *st = nm_winvpn_settings_from_vpn(s, &error);

	CHECK(st == NULL);
	CHECK(error != NULL);
	if (error) {
		CHECK(g_error_matches(error, NM_VPN_PLUGIN_ERROR,
				      NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS));
		CHECK(strstr(error->message, key) != NULL);
		if (hidden)
			CHECK(strstr(error->message, hidden) == NULL);
		if (!strstr(error->message, key))
			fprintf(stderr, "  message: %s\n", error->message);
	}
	g_clear_error(&error);
	wv_settings_free(st);
	g_object_unref(s);
}

static void test_valid(void)
{
	const char *const data[] = {
		"gateway", "10.98.0.2", "user", "alice", "domain", "WINVPN",
		"password-flags", "0", "refuse-eap", "yes", "refuse-pap", "no",
		"require-mppe-128", "yes", "mtu", "1400", NULL,
	};
	const char *const secrets[] = { "password", "secret123", NULL };
	NMSettingVpn *s = vpn_new(data, secrets);
	GError *error = NULL;
	wv_settings *st = nm_winvpn_settings_from_vpn(s, &error);

	CHECK(st != NULL);
	CHECK(error == NULL);
	if (st) {
		CHECK_STR(wv_settings_get(st, NM_WINVPN_KEY_GATEWAY), "10.98.0.2");
		CHECK_STR(wv_settings_get(st, NM_WINVPN_KEY_USER), "alice");
		CHECK_STR(wv_settings_get(st, NM_WINVPN_KEY_DOMAIN), "WINVPN");
		CHECK_STR(wv_settings_secret(st, NM_WINVPN_KEY_PASSWORD), "secret123");
		CHECK(wv_settings_bool(st, NM_WINVPN_KEY_REFUSE_EAP));
		CHECK(!wv_settings_bool(st, NM_WINVPN_KEY_REFUSE_PAP));
		CHECK(wv_settings_bool(st, NM_WINVPN_KEY_REQUIRE_MPPE_128));
		/* unset booleans fall back to the table's default */
		CHECK(!wv_settings_bool(st, NM_WINVPN_KEY_MPPE_STATEFUL));
		CHECK(wv_settings_bool(st, NM_WINVPN_KEY_NOBSDCOMP));
		CHECK(wv_settings_uint(st, NM_WINVPN_KEY_MTU) == 1400);
	}
	g_clear_error(&error);
	wv_settings_free(st);
	g_object_unref(s);
}

/* Every key of the engine's table is accepted through vpn.data (or
 * vpn.secrets): the service has no key list of its own to fall behind. */
static void test_every_key(void)
{
	const struct wv_key *k;
	int n = 0;

	for (k = wv_keys; k->name; k++) {
		NMSettingVpn *s = vpn_new((const char *const[]){ "gateway", "vpn.example.com",
								 NULL }, NULL);
		GError *error = NULL;
		wv_settings *st;
		char num[16];
		const char *v;

		switch (k->type) {
		case WV_KEY_BOOL: v = "yes"; break;
		case WV_KEY_UINT: snprintf(num, sizeof(num), "%u", k->max); v = num; break;
		case WV_KEY_HOST: v = "gw.example.net"; break;
		case WV_KEY_ROUTES: v = "10.0.0.0/8 172.16.5.0/24"; break;
		case WV_KEY_ENUM: v = k->dflt ? k->dflt : "pptp"; break;
		default: v = "x-value"; break;
		}
		if (k->type == WV_KEY_SECRET)
			nm_setting_vpn_add_secret(s, k->name, v);
		else
			nm_setting_vpn_add_data_item(s, k->name, v);
		st = nm_winvpn_settings_from_vpn(s, &error);
		CHECK(st != NULL);
		if (!st)
			fprintf(stderr, "  key %s=%s refused: %s\n", k->name, v,
				error ? error->message : "?");
		else
			CHECK_STR(wv_settings_get(st, k->name), v);
		g_clear_error(&error);
		wv_settings_free(st);
		g_object_unref(s);
		n++;
	}
	CHECK(n > 20);
}

static void test_refused(void)
{
	/* unknown key */
	expect_bad((const char *const[]){ "gateway", "gw", "no-such-key", "1", NULL }, NULL,
		   "no-such-key", NULL);
	/* control characters, in a string, a host and a secret */
	expect_bad((const char *const[]){ "gateway", "gw", "user", "al\nice", NULL }, NULL,
		   "user", NULL);
	expect_bad((const char *const[]){ "gateway", "gw\tx", NULL }, NULL, "gateway", NULL);
	expect_bad((const char *const[]){ "gateway", "gw", NULL },
		   (const char *const[]){ "password", "sec\x01ret", NULL }, "password", "sec");
	/* a secret in vpn.data (readable by every user): refused, value not quoted */
	expect_bad((const char *const[]){ "gateway", "gw", "password", "hunter2", NULL }, NULL,
		   "password", "hunter2");
	/* an unknown secret: named, not quoted */
	expect_bad((const char *const[]){ "gateway", "gw", NULL },
		   (const char *const[]){ "ipsec-psk-x", "topsecret", NULL }, "ipsec-psk-x",
		   "topsecret");
	/* booleans are yes/no only (NM-pptp's format), numbers in range */
	expect_bad((const char *const[]){ "gateway", "gw", "refuse-pap", "true", NULL }, NULL,
		   "refuse-pap", NULL);
	expect_bad((const char *const[]){ "gateway", "gw", "require-mppe", "1", NULL }, NULL,
		   "require-mppe", NULL);
	expect_bad((const char *const[]){ "gateway", "gw", "mtu", "99999", NULL }, NULL, "mtu",
		   NULL);
	expect_bad((const char *const[]){ "gateway", "gw", "password-flags", "x", NULL }, NULL,
		   "password-flags", NULL);
	expect_bad((const char *const[]){ "gateway", "gw", "protocol", "openvpn", NULL }, NULL,
		   "protocol", NULL);
	/* the combination: a gateway is required */
	expect_bad((const char *const[]){ "user", "alice", NULL }, NULL, "gateway", NULL);
}

static void test_user_name_fallback(void)
{
	NMSettingVpn *s = vpn_new((const char *const[]){ "gateway", "gw", NULL }, NULL);
	wv_settings *st;

	g_object_set(s, NM_SETTING_VPN_USER_NAME, "bob", NULL);
	st = nm_winvpn_settings_from_vpn(s, NULL);
	CHECK(st && wv_settings_get(st, NM_WINVPN_KEY_USER) &&
	      strcmp(wv_settings_get(st, NM_WINVPN_KEY_USER), "bob") == 0);
	wv_settings_free(st);
	/* an explicit user wins */
	nm_setting_vpn_add_data_item(s, NM_WINVPN_KEY_USER, "alice");
	st = nm_winvpn_settings_from_vpn(s, NULL);
	CHECK(st && wv_settings_get(st, NM_WINVPN_KEY_USER) &&
	      strcmp(wv_settings_get(st, NM_WINVPN_KEY_USER), "alice") == 0);
	wv_settings_free(st);
	g_object_unref(s);
}

static gboolean needs(const char *flags, const char *password)
{
	NMSettingVpn *s = vpn_new((const char *const[]){ "gateway", "gw", NULL }, NULL);
	gboolean r;

	if (flags)
		nm_setting_vpn_add_data_item(s, "password-flags", flags);
	if (password)
		nm_setting_vpn_add_secret(s, "password", password);
	r = nm_winvpn_missing_secret(s) != NULL;
	g_object_unref(s);
	return r;
}

static void test_secret_flags(void)
{
	CHECK(needs(NULL, NULL));           /* no flags, no password: ask */
	CHECK(needs("0", NULL));            /* system-owned but missing */
	CHECK(needs("1", NULL));            /* agent-owned: the agent must supply it */
	CHECK(needs("2", NULL));            /* not saved: ask every time */
	CHECK(!needs("4", NULL));           /* not required */
	CHECK(!needs("5", NULL));           /* agent-owned | not required */
	CHECK(!needs("0", "secret123"));
	CHECK(!needs("1", "secret123"));
}

/* L2TP/IPsec needs the pre-shared key too; plain L2TP and PPTP do not. */
static void test_psk_needed(void)
{
	NMSettingVpn *s = vpn_new((const char *const[]){ "gateway", "gw", "protocol", "l2tp",
							  NULL }, NULL);

	nm_setting_vpn_add_secret(s, "password", "secret123");
	CHECK_STR(nm_winvpn_missing_secret(s), "ipsec-psk");
	nm_setting_vpn_add_data_item(s, "ipsec-psk-flags", "4");
	CHECK(nm_winvpn_missing_secret(s) == NULL);        /* not required */
	nm_setting_vpn_add_data_item(s, "ipsec-psk-flags", "0");
	nm_setting_vpn_add_secret(s, "ipsec-psk", "vpnpsk123");
	CHECK(nm_winvpn_missing_secret(s) == NULL);
	nm_setting_vpn_remove_secret(s, "ipsec-psk");
	nm_setting_vpn_add_data_item(s, "ipsec-enabled", "no");
	CHECK(nm_winvpn_missing_secret(s) == NULL);        /* plain L2TP */
	nm_setting_vpn_remove_secret(s, "password");
	CHECK_STR(nm_winvpn_missing_secret(s), "password");
	g_object_unref(s);
}

/* Throwaway EC keys made for this test with openssl(1): one plain, one encrypted
 * (PKCS#8, AES-256).  They protect nothing. */
static const char plain_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXC0oPWujH9x+9HUI\n"
	"CNAJ8Jts/bSrN+ix9y/U5Ct2bwShRANCAAQDFymLuzXiYLsDDkLfMFAkBiRfKJOU\n"
	"hOb3jGVWIxSjehL5Ffv4uQbcYqXXFwRiXCx2rDCw4mqpc/b79w1A+NXB\n"
	"-----END PRIVATE KEY-----\n";
static const char encrypted_key[] =
	"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	"MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgtfdx3zllIsQICCAAw\n"
	"DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEGY3tGCN5t93PSRHEqP7HgwEgZB2\n"
	"B6pu7MPl+AmwyG7fWXWEwHD/fMWuBAVlCo9V8QoJC0LCNFhDErrR+b2dBwT0I0xT\n"
	"Z5A6UugQqxTK7uhqoR15Vj/zOKkO3QbDK6em/Qy6OEdsh6VA2hhRCS0ZcaMwxnhv\n"
	"EwdpoCwK7XsZFRDO5gdio5LuQaZY75xSI273nS9umQ9TWhjCBiKuleIMvS3dybo=\n"
	"-----END ENCRYPTED PRIVATE KEY-----\n";

static char *tmpdir;

static char *write_file(const char *name, const char *text)
{
	char *path = g_build_filename(tmpdir, name, NULL);

	CHECK(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* Certificates: the passphrase is asked for only when the key needs one (encrypted
 * PEM or PKCS#12), the pre-shared key never with a machine certificate, the password
 * never with EAP-TLS; flags still say "not required". */
static void test_cert_secrets(void)
{
	g_autofree char *plain = write_file("plain.key", plain_key);
	g_autofree char *enc = write_file("enc.key", encrypted_key);
	g_autofree char *cert = write_file("host.pem", "-----BEGIN CERTIFICATE-----\n");
	NMSettingVpn *s = vpn_new((const char *const[]){
		"gateway", "gw", "protocol", "l2tp", "machine-auth-type", "tls",
		"machine-cert", cert, "machine-key", plain, NULL },
		(const char *const[]){ "password", "secret123", NULL });

	CHECK(nm_winvpn_missing_secret(s) == NULL);             /* no PSK, no passphrase */
	nm_setting_vpn_add_data_item(s, "machine-key", enc);
	CHECK_STR(nm_winvpn_missing_secret(s), "machine-certpass");
	nm_setting_vpn_add_data_item(s, "machine-certpass-flags", "4");
	CHECK(nm_winvpn_missing_secret(s) == NULL);
	nm_setting_vpn_add_data_item(s, "machine-certpass-flags", "1");
	nm_setting_vpn_add_secret(s, "machine-certpass", "certpw");
	CHECK(nm_winvpn_missing_secret(s) == NULL);
	nm_setting_vpn_remove_secret(s, "machine-certpass");
	/* PKCS#12 holding the key (no machine-key): by its name when unreadable. */
	nm_setting_vpn_remove_data_item(s, "machine-key");
	nm_setting_vpn_add_data_item(s, "machine-cert", "/nonexistent/host.p12");
	CHECK_STR(nm_winvpn_missing_secret(s), "machine-certpass");
	nm_setting_vpn_add_data_item(s, "machine-cert", cert);
	CHECK(nm_winvpn_missing_secret(s) == NULL);
	/* Automatic with a PSK asks for it; PPTP never. */
	nm_setting_vpn_add_data_item(s, "machine-auth-type", "psk");
	nm_setting_vpn_add_data_item(s, "protocol", "auto");
	CHECK_STR(nm_winvpn_missing_secret(s), "ipsec-psk");
	nm_setting_vpn_add_data_item(s, "protocol", "pptp");
	CHECK(nm_winvpn_missing_secret(s) == NULL);

	/* EAP-TLS: the user key's passphrase instead of the password. */
	nm_setting_vpn_remove_secret(s, "password");
	CHECK_STR(nm_winvpn_missing_secret(s), "password");
	nm_setting_vpn_add_data_item(s, "user-auth-type", "tls");
	nm_setting_vpn_add_data_item(s, "user-cert", cert);
	nm_setting_vpn_add_data_item(s, "user-key", plain);
	CHECK(nm_winvpn_missing_secret(s) == NULL);
	nm_setting_vpn_add_data_item(s, "user-key", enc);
	CHECK_STR(nm_winvpn_missing_secret(s), "user-certpass");
	CHECK(strstr(nm_winvpn_secret_label("user-certpass"), "passphrase") != NULL);
	nm_setting_vpn_add_secret(s, "user-certpass", "certpw");
	CHECK(nm_winvpn_missing_secret(s) == NULL);
	g_object_unref(s);
	g_unlink(plain);
	g_unlink(enc);
	g_unlink(cert);
}

/* ipv4.never-default and ipv6.method reach the engine's settings. */
static void test_from_connection(void)
{
	NMConnection *c = nm_simple_connection_new();
	NMSettingVpn *s = vpn_new((const char *const[]){ "gateway", "gw", NULL }, NULL);
	NMSetting *ip4 = nm_setting_ip4_config_new();
	NMSetting *ip6 = nm_setting_ip6_config_new();
	GError *error = NULL;
	wv_settings *st;

	nm_connection_add_setting(c, NM_SETTING(s));
	st = nm_winvpn_settings_from_connection(c, &error);
	CHECK(st && !wv_settings_bool(st, NM_WINVPN_KEY_NEVER_DEFAULT));
	CHECK(st && wv_settings_bool(st, NM_WINVPN_KEY_IPV6));
	wv_settings_free(st);
	g_object_set(ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO,
		     NM_SETTING_IP_CONFIG_NEVER_DEFAULT, TRUE, NULL);
	g_object_set(ip6, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP6_CONFIG_METHOD_IGNORE, NULL);
	nm_connection_add_setting(c, ip4);
	nm_connection_add_setting(c, ip6);
	st = nm_winvpn_settings_from_connection(c, &error);
	CHECK(st && wv_settings_bool(st, NM_WINVPN_KEY_NEVER_DEFAULT));
	CHECK(st && !wv_settings_bool(st, NM_WINVPN_KEY_IPV6));
	CHECK(error == NULL);
	wv_settings_free(st);
	g_clear_error(&error);
	g_object_unref(c);
}

static guint32 a4(const char *s)
{
	struct in_addr a;

	CHECK(inet_pton(AF_INET, s, &a) == 1);
	return a.s_addr;
}

/* What NetworkManager is told: routes as [dest, prefix, next hop, metric] with the
 * host bits cleared and no default route, domain and search list, never-default,
 * names that are not UTF-8 left out; IPv6 with its address, DNS and routes. */
static void test_nm_dicts(void)
{
	struct wv_ip4_config *c = g_new0(struct wv_ip4_config, 1);
	struct wv_ip6_config *c6 = g_new0(struct wv_ip6_config, 1);
	g_autoptr(GVariant) d = NULL;
	g_autoptr(GVariant) routes = NULL;
	g_autoptr(GVariant) r0 = NULL;
	g_autofree const char **domains = NULL;
	const guint32 *v;
	const char *str = NULL;
	gsize n = 0;
	guint32 u = 0;
	gboolean b = FALSE;

	g_strlcpy(c->ifname, "tun7", sizeof(c->ifname));
	c->gateway.s_addr = a4("10.98.1.2");
	c->local.s_addr = a4("192.168.41.10");
	c->peer.s_addr = a4("192.168.41.1");
	c->dns[0].s_addr = a4("192.168.41.1");
	c->n_dns = 1;
	c->mtu = 1400;
	c->never_default = true;
	c->routes[0] = (struct wv_route4){ .dst.s_addr = a4("10.20.30.40"), .prefix = 16 };
	c->routes[1] = (struct wv_route4){ .dst.s_addr = a4("0.0.0.0"), .prefix = 0 };
	c->routes[2] = (struct wv_route4){ .dst.s_addr = a4("192.168.0.0"), .prefix = 24,
					   .gateway.s_addr = a4("192.168.41.1") };
	c->n_routes = 3;
	g_strlcpy(c->domain, "corp.example", sizeof(c->domain));
	g_strlcpy(c->search[0], "corp.example", sizeof(c->search[0]));
	g_strlcpy(c->search[1], "bad\xff", sizeof(c->search[1]));
	g_strlcpy(c->search[2], "lab.example", sizeof(c->search[2]));
	c->n_search = 3;

	d = g_variant_ref_sink(nm_winvpn_config_dict(c, TRUE));
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_CONFIG_TUNDEV, "&s", &str) && !strcmp(str, "tun7"));
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_CONFIG_MTU, "u", &u) && u == 1400);
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_CONFIG_HAS_IP6, "b", &b) && b);
	g_clear_pointer(&d, g_variant_unref);

	d = g_variant_ref_sink(nm_winvpn_ip4_dict(c));
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS, "u", &u) &&
	      u == a4("192.168.41.10"));
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT, "b", &b) && b);
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP4_CONFIG_DOMAIN, "&s", &str) &&
	      !strcmp(str, "corp.example"));
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, "^a&s", &domains));
	CHECK(domains && g_strv_length((char **)domains) == 2);
	if (domains && g_strv_length((char **)domains) == 2)
		CHECK_STR(domains[1], "lab.example");
	routes = g_variant_lookup_value(d, NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, G_VARIANT_TYPE("aau"));
	CHECK(routes && g_variant_n_children(routes) == 2);
	if (routes && g_variant_n_children(routes) == 2) {
		r0 = g_variant_get_child_value(routes, 0);
		v = g_variant_get_fixed_array(r0, &n, sizeof(guint32));
		CHECK(n == 4 && v[0] == a4("10.20.0.0") && v[1] == 16 && v[2] == 0);
		g_clear_pointer(&r0, g_variant_unref);
		r0 = g_variant_get_child_value(routes, 1);
		v = g_variant_get_fixed_array(r0, &n, sizeof(guint32));
		CHECK(n == 4 && v[1] == 24 && v[2] == a4("192.168.41.1"));
	}
	g_clear_pointer(&d, g_variant_unref);

	/* Update: full tunnel, nothing to report beyond the address. */
	c->never_default = false;
	c->n_routes = 0;
	c->n_search = 0;
	c->domain[0] = '\0';
	d = g_variant_ref_sink(nm_winvpn_ip4_dict(c));
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT, "b", &b) && !b);
	CHECK(!g_variant_lookup(d, NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, "aau", NULL));
	CHECK(!g_variant_lookup(d, NM_VPN_PLUGIN_IP4_CONFIG_DOMAIN, "&s", &str));
	g_clear_pointer(&d, g_variant_unref);

	/* IPv6: link-local only, then an RA's address, route and DNS. */
	g_strlcpy(c6->ifname, "tun7", sizeof(c6->ifname));
	inet_pton(AF_INET6, "fe80::1", &c6->local_ll);
	inet_pton(AF_INET6, "fe80::2", &c6->peer_ll);
	d = g_variant_ref_sink(nm_winvpn_ip6_dict(c6, FALSE));
	{
		g_autoptr(GVariant) addr = g_variant_lookup_value(d, NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS,
								  G_VARIANT_TYPE_BYTESTRING);
		const guint8 *bytes = addr ? g_variant_get_fixed_array(addr, &n, 1) : NULL;

		CHECK(bytes && n == 16 && !memcmp(bytes, &c6->local_ll, 16));
	}
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP6_CONFIG_PREFIX, "u", &u) && u == 64);
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT, "b", &b) && b);
	g_clear_pointer(&d, g_variant_unref);
	inet_pton(AF_INET6, "2001:db8:41::10", &c6->addrs[0].addr);
	c6->addrs[0].len = 64;
	c6->n_addrs = 1;
	inet_pton(AF_INET6, "2001:db8:99::", &c6->routes[0].addr);
	c6->routes[0].len = 48;
	c6->n_routes = 1;
	inet_pton(AF_INET6, "2001:db8:41::1", &c6->dns[0]);
	c6->n_dns = 1;
	c6->default_route = true;
	d = g_variant_ref_sink(nm_winvpn_ip6_dict(c6, FALSE));
	{
		g_autoptr(GVariant) addr = g_variant_lookup_value(d, NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS,
								  G_VARIANT_TYPE_BYTESTRING);
		g_autoptr(GVariant) dns = g_variant_lookup_value(d, NM_VPN_PLUGIN_IP6_CONFIG_DNS,
								 G_VARIANT_TYPE("aay"));
		g_autoptr(GVariant) r6 = g_variant_lookup_value(d, NM_VPN_PLUGIN_IP6_CONFIG_ROUTES,
								G_VARIANT_TYPE("a(ayuayu)"));
		const guint8 *bytes = addr ? g_variant_get_fixed_array(addr, &n, 1) : NULL;

		CHECK(bytes && n == 16 && !memcmp(bytes, &c6->addrs[0].addr, 16));
		CHECK(dns && g_variant_n_children(dns) == 1);
		CHECK(r6 && g_variant_n_children(r6) == 1);
	}
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT, "b", &b) && !b);
	g_clear_pointer(&d, g_variant_unref);
	/* Split tunnel wins over the RA's default router. */
	d = g_variant_ref_sink(nm_winvpn_ip6_dict(c6, TRUE));
	CHECK(g_variant_lookup(d, NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT, "b", &b) && b);
	g_free(c);
	g_free(c6);
}

static void test_failure_reasons(void)
{
	NMVpnPluginFailure r = (NMVpnPluginFailure)-1;

	CHECK(nm_winvpn_failure_reason(WV_FAIL_AUTH, &r) && r == NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED);
	CHECK(nm_winvpn_failure_reason(WV_FAIL_UNREACHABLE, &r) &&
	      r == NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
	CHECK(nm_winvpn_failure_reason(WV_FAIL_PEER_DEAD, &r) &&
	      r == NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
	CHECK(nm_winvpn_failure_reason(WV_FAIL_PROTOCOL, &r) &&
	      r == NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
	CHECK(nm_winvpn_failure_reason(WV_FAIL_PROPOSAL, &r) &&
	      r == NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
	CHECK(nm_winvpn_failure_reason(WV_FAIL_LOCAL, &r) &&
	      r == NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
	CHECK(nm_winvpn_failure_reason(WV_FAIL_CONFIG, &r) &&
	      r == NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
	CHECK(!nm_winvpn_failure_reason(WV_OK, &r));
	CHECK(!nm_winvpn_failure_reason(WV_FAIL_CANCELLED, &r));
}

int main(void)
{
	int r;

	tmpdir = g_dir_make_tmp("test-nm-settings-XXXXXX", NULL);
	if (!tmpdir)
		return 99;
	test_valid();
	test_every_key();
	test_refused();
	test_user_name_fallback();
	test_secret_flags();
	test_psk_needed();
	test_cert_secrets();
	test_from_connection();
	test_nm_dicts();
	test_failure_reasons();
	r = check_done("test-nm-settings");
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return r;
}
