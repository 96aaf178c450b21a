/* test-nm-settings.c -- NetworkManager's vpn setting to the engine's settings
 * (nm-plugin/nm-winvpn-utils.c): every key of the table maps, unknown keys,
 * control characters and misplaced secrets are refused with BadArguments naming
 * the key (never quoting a secret), booleans and numbers are checked, the secret
 * flags decide NeedSecrets, and the failure classes map onto NM's reasons. */
#include "config.h"

#include <NetworkManager.h>

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
	test_valid();
	test_every_key();
	test_refused();
	test_user_name_fallback();
	test_secret_flags();
	test_psk_needed();
	test_failure_reasons();
	return check_done("test-nm-settings");
}
