/* nm-winvpn-utils.c -- NM's vpn setting to the engine's settings, the secret
 * rules, and the failure mapping (see nm-winvpn-utils.h). */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "nm-winvpn-utils.h"
#include "settings.h"

struct copy_ctx {
	wv_settings *st;
	GError *error;          /* the first problem; later items are skipped */
};

static void copy_data_item(const char *key, const char *value, gpointer user_data)
{
	struct copy_ctx *ctx = user_data;
	/* The engine allocates with malloc; GLib >= 2.46 frees with free(). */
	g_autofree char *err = NULL;

	if (ctx->error)
		return;
	/* vpn.data is readable by every user on the bus: a secret there is a mistake
	 * of whoever wrote the profile, and we refuse to use it rather than hide it. */
	if (wv_settings_is_secret_key(key)) {
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    _("'%s' is a secret: store it in vpn.secrets, not in vpn.data"), key);
		return;
	}
	if (wv_settings_set(ctx->st, key, value, &err) < 0)
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "%s", err ? err : key);
}

static void copy_secret(const char *key, const char *value, gpointer user_data)
{
	struct copy_ctx *ctx = user_data;
	g_autofree char *err = NULL;

	if (ctx->error || !value || !*value)
		return;
	if (!wv_settings_is_secret_key(key)) {
		/* Not quoted: the value of an unknown secret may still be a password. */
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    _("unknown secret '%s'"), key);
		return;
	}
	if (wv_settings_set_secret(ctx->st, key, value, &err) < 0)
		g_set_error(&ctx->error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "%s", err ? err : key);
}

wv_settings *nm_winvpn_settings_from_vpn(NMSettingVpn *s_vpn, GError **error)
{
	g_autoptr(wv_settings) st = wv_settings_new();
	struct copy_ctx ctx = { 0 };
	g_autofree char *err = NULL;
	const char *user;

	g_return_val_if_fail(NM_IS_SETTING_VPN(s_vpn), NULL);
	if (!st) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
				    _("out of memory"));
		return NULL;
	}
	ctx.st = st;
	nm_setting_vpn_foreach_data_item(s_vpn, copy_data_item, &ctx);
	if (!ctx.error)
		nm_setting_vpn_foreach_secret(s_vpn, copy_secret, &ctx);
	if (ctx.error) {
		g_propagate_error(error, ctx.error);
		return NULL;
	}
	/* NetworkManager fills vpn.user-name with the name of the user who asked for
	 * the connection; NetworkManager-pptp dials with it when "user" is unset. */
	user = nm_setting_vpn_get_user_name(s_vpn);
	if (!wv_settings_get(st, NM_WINVPN_KEY_USER) && user && *user &&
	    wv_settings_set(st, NM_WINVPN_KEY_USER, user, &err) < 0) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "vpn.user-name: %s", err);
		return NULL;
	}
	if (wv_settings_check(st, &err) < 0) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS, "%s",
			    err ? err : _("invalid settings"));
		return NULL;
	}
	return g_steal_pointer(&st);
}

wv_settings *nm_winvpn_settings_from_connection(NMConnection *connection, GError **error)
{
	NMSettingVpn *s_vpn;
	NMSettingIPConfig *s_ip;
	g_autoptr(wv_settings) st = NULL;
	g_autofree char *err = NULL;

	g_return_val_if_fail(NM_IS_CONNECTION(connection), NULL);
	s_vpn = nm_connection_get_setting_vpn(connection);
	if (!s_vpn) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR,
				    NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
				    _("the connection has no VPN setting"));
		return NULL;
	}
	st = nm_winvpn_settings_from_vpn(s_vpn, error);
	if (!st)
		return NULL;
	/* Split tunnel the NetworkManager way: the engine then adds the class route
	 * of the assigned address, as Windows does, and reports never-default. */
	s_ip = nm_connection_get_setting_ip4_config(connection);
	if (s_ip && nm_setting_ip_config_get_never_default(s_ip) &&
	    wv_settings_set(st, NM_WINVPN_KEY_NEVER_DEFAULT, "yes", &err) < 0)
		goto bad;
	s_ip = nm_connection_get_setting_ip6_config(connection);
	if (s_ip && (!g_strcmp0(nm_setting_ip_config_get_method(s_ip),
				NM_SETTING_IP6_CONFIG_METHOD_IGNORE) ||
		     !g_strcmp0(nm_setting_ip_config_get_method(s_ip), "disabled")) &&
	    wv_settings_set(st, NM_WINVPN_KEY_IPV6, "no", &err) < 0)
		goto bad;
	return g_steal_pointer(&st);
bad:
	g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS, "%s",
		    err ? err : _("invalid settings"));
	return NULL;
}

/* The engine's rule (wv_secret_need in client/settings.c).  Automatic's optional
 * pre-shared key is asked for here: the connection may keep it in the keyring, or
 * ask each time, and the dialog then offers it. */
gboolean nm_winvpn_secret_applies(const char *key, NMWinvpnDataGet get, gconstpointer data)
{
	return wv_secret_need(key, (wv_settings_lookup)get, data) != WV_SECRET_UNUSED;
}

static const char *vpn_data_get(gconstpointer data, const char *key)
{
	return nm_setting_vpn_get_data_item(NM_SETTING_VPN((gpointer)data), key);
}

static gboolean secret_missing(NMSettingVpn *s_vpn, const char *key)
{
	NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;
	const char *value;

	/* Unreadable flags count as none: then the secret is required. */
	if (!nm_setting_get_secret_flags(NM_SETTING(s_vpn), key, &flags, NULL))
		flags = NM_SETTING_SECRET_FLAG_NONE;
	if (flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)
		return FALSE;
	value = nm_setting_vpn_get_secret(s_vpn, key);
	return !value || !*value;
}

const char *nm_winvpn_missing_secret(NMSettingVpn *s_vpn)
{
	guint i;

	g_return_val_if_fail(NM_IS_SETTING_VPN(s_vpn), NULL);
	for (i = 0; wv_secret_keys[i]; i++)
		if (nm_winvpn_secret_applies(wv_secret_keys[i], vpn_data_get, s_vpn) &&
		    secret_missing(s_vpn, wv_secret_keys[i]))
			return wv_secret_keys[i];
	return NULL;
}

const char *nm_winvpn_secret_label(const char *key)
{
	if (g_strcmp0(key, NM_WINVPN_KEY_IPSEC_PSK) == 0)
		return _("IPsec pre-shared key");
	if (g_strcmp0(key, NM_WINVPN_KEY_MACHINE_CERTPASS) == 0)
		return _("machine certificate passphrase");
	if (g_strcmp0(key, NM_WINVPN_KEY_USER_CERTPASS) == 0)
		return _("user certificate passphrase");
	return _("password");
}

/* ---- what NetworkManager is told --------------------------------------------- */

static GVariant *addr_list(const struct in_addr *a, unsigned n)
{
	GVariantBuilder b;
	unsigned i;

	g_variant_builder_init(&b, G_VARIANT_TYPE("au"));
	for (i = 0; i < n; i++)
		g_variant_builder_add(&b, "u", (guint32)a[i].s_addr);
	return g_variant_builder_end(&b);
}

static GVariant *ip6_bytes(const struct in6_addr *a)
{
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, a->s6_addr, 16, 1);
}

/* Names from the wire (DHCP options 15 and 119) must be UTF-8 for D-Bus, and are
 * bounded by the engine's buffers. */
static gboolean name_ok(const char *s, gsize max)
{
	gsize n = strnlen(s, max);

	return n > 0 && n < max && g_utf8_validate(s, (gssize)n, NULL);
}

GVariant *nm_winvpn_config_dict(const struct wv_ip4_config *c, gboolean has_ip6)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	if (name_ok(c->ifname, sizeof(c->ifname)))
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_TUNDEV,
				      g_variant_new_string(c->ifname));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
			      g_variant_new_uint32(c->gateway.s_addr));
	if (c->mtu)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_MTU,
				      g_variant_new_uint32(c->mtu));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP4, g_variant_new_boolean(TRUE));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP6,
			      g_variant_new_boolean(has_ip6));
	return g_variant_builder_end(&b);
}

GVariant *nm_winvpn_ip4_dict(const struct wv_ip4_config *c)
{
	GVariantBuilder b, routes, names;
	unsigned i, n;

	/* Addresses go as guint32 in network byte order, as NM expects.  A PPP link:
	 * our address /32 and the peer at the other end, which is also the next hop
	 * of the default route NM adds unless never-default. */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS,
			      g_variant_new_uint32(c->local.s_addr));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_PREFIX, g_variant_new_uint32(32));
	if (c->peer.s_addr) {
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_PTP,
				      g_variant_new_uint32(c->peer.s_addr));
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_INT_GATEWAY,
				      g_variant_new_uint32(c->peer.s_addr));
	}
	if (c->n_dns)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DNS,
				      addr_list(c->dns, MIN(c->n_dns, WV_MAX_DNS)));
	if (c->n_nbns)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_NBNS,
				      addr_list(c->nbns, MIN(c->n_nbns, WV_MAX_NBNS)));

	/* Routes: [destination, prefix, next hop, metric]; next hop 0 is the tunnel
	 * itself, metric 0 leaves it to NM.  A default route here would defeat
	 * never-default, and NM adds its own otherwise. */
	g_variant_builder_init(&routes, G_VARIANT_TYPE("aau"));
	n = 0;
	for (i = 0; i < MIN(c->n_routes, WV_MAX_ROUTES); i++) {
		const struct wv_route4 *r = &c->routes[i];
		guint32 mask = r->prefix ? htonl(0xffffffffu << (32 - MIN(r->prefix, 32))) : 0;
		guint32 v[4] = { r->dst.s_addr & mask, r->prefix, r->gateway.s_addr, 0 };

		if (r->prefix == 0 || r->prefix > 32)
			continue;
		g_variant_builder_add_value(&routes,
					    g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, v, 4,
								      sizeof(guint32)));
		n++;
	}
	if (n)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ROUTES,
				      g_variant_builder_end(&routes));
	else
		g_variant_builder_clear(&routes);
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT,
			      g_variant_new_boolean(c->never_default));

	if (name_ok(c->domain, sizeof(c->domain)))
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DOMAIN,
				      g_variant_new_string(c->domain));
	g_variant_builder_init(&names, G_VARIANT_TYPE_STRING_ARRAY);
	n = 0;
	for (i = 0; i < MIN(c->n_search, WV_MAX_SEARCH); i++) {
		if (!name_ok(c->search[i], sizeof(c->search[i])))
			continue;
		g_variant_builder_add(&names, "s", c->search[i]);
		n++;
	}
	if (n)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS,
				      g_variant_builder_end(&names));
	else
		g_variant_builder_clear(&names);
	return g_variant_builder_end(&b);
}

GVariant *nm_winvpn_ip6_dict(const struct wv_ip6_config *c, gboolean never_default)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	GVariantBuilder b, list;
	unsigned i, n;

	/* NM's VPN interface takes one address per family: the first global one an
	 * RA formed, else the link-local one IPV6CP agreed on (with the peer's). */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	if (c->n_addrs && c->addrs[0].len && c->addrs[0].len <= 128) {
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS,
				      ip6_bytes(&c->addrs[0].addr));
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_PREFIX,
				      g_variant_new_uint32(c->addrs[0].len));
	} else {
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS,
				      ip6_bytes(&c->local_ll));
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_PREFIX,
				      g_variant_new_uint32(64));
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->peer_ll))
			g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_PTP,
					      ip6_bytes(&c->peer_ll));
	}

	g_variant_builder_init(&list, G_VARIANT_TYPE("aay"));
	for (i = 0; i < MIN(c->n_dns, WV_MAX_DNS); i++)
		g_variant_builder_add_value(&list, ip6_bytes(&c->dns[i]));
	if (i)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_DNS,
				      g_variant_builder_end(&list));
	else
		g_variant_builder_clear(&list);

	/* (destination, prefix, next hop, metric); next hop :: is the tunnel. */
	g_variant_builder_init(&list, G_VARIANT_TYPE("a(ayuayu)"));
	n = 0;
	for (i = 0; i < MIN(c->n_routes, WV_MAX_IP6_ROUTES); i++) {
		const struct wv_prefix6 *r = &c->routes[i];

		if (r->len == 0 || r->len > 128)
			continue;
		g_variant_builder_add(&list, "(@ayu@ayu)", ip6_bytes(&r->addr), (guint32)r->len,
				      ip6_bytes(&any), (guint32)0);
		n++;
	}
	if (n)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ROUTES,
				      g_variant_builder_end(&list));
	else
		g_variant_builder_clear(&list);
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT,
			      g_variant_new_boolean(never_default || !c->default_route));
	return g_variant_builder_end(&b);
}

/* The one place where an engine failure class becomes an NM failure reason
 * (the CLI's counterpart is wv_fail_exit_code()).  NM knows only three
 * reasons; it shows LOGIN_FAILED as "login failed" and treats the others alike. */
gboolean nm_winvpn_failure_reason(enum wv_fail why, NMVpnPluginFailure *out_reason)
{
	NMVpnPluginFailure reason;

	switch (why) {
	case WV_OK:
	case WV_FAIL_CANCELLED:
		return FALSE;
	case WV_FAIL_AUTH:
		reason = NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED;
		break;
	case WV_FAIL_UNREACHABLE:
	case WV_FAIL_PEER_DEAD:
	case WV_FAIL_PROTOCOL:
	case WV_FAIL_PROPOSAL:
	case WV_FAIL_CONFIG:
	case WV_FAIL_LOCAL:
	default:
		reason = NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED;
		break;
	}
	if (out_reason)
		*out_reason = reason;
	return TRUE;
}
