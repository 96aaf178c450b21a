/* nm-winvpn-service.c -- nm-winvpn-service, winvpn's NetworkManager VPN service.
 *
 * NetworkManager starts one such process per connection (the .name file says
 * supports-multiple-connections, so each gets its own --bus-name) and drives it
 * through libnm's NMVpnServicePlugin: NeedSecrets, Connect or
 * ConnectInteractive (+ NewSecrets), Disconnect.  The engine runs in this
 * process, on the GLib main loop: one GSource watches the engine's fd and wakes
 * at the engine's next deadline.  The service only reports what the engine
 * negotiated (tun device, addresses, DNS, WINS, MTU, routes, domains, IPv6);
 * NetworkManager configures the device, routes and DNS itself.  A later report
 * (a late DHCPINFORM answer, a router advertisement, a redial) is sent again
 * whole: NetworkManager applies an Ip4Config/Ip6Config that arrives while the
 * connection is activated (nm-vpn-connection.c takes each as the new config). */
#include "config.h"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "nm-winvpn-service.h"
#include "nm-winvpn-utils.h"
#include "settings.h"

/* How long a teardown may keep the process alive after NetworkManager let it
 * go (the engine gives up on an unanswered teardown after 8 s by itself). */
#define QUIT_BACKSTOP_MS 10000

static struct {
	gboolean debug;
	int log_level;                  /* syslog priority: anything above is dropped */
	gboolean log_syslog;            /* else stderr, which NM puts in its own log */
	enum wv_log_level engine_level;
	GMainLoop *loop;
} gl = {
	.log_level = LOG_NOTICE,
	.engine_level = WV_LOG_INFO,
};

/* ---- logging --------------------------------------------------------------- */

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "<error>";
	case LOG_WARNING: return "<warn>";
	case LOG_NOTICE: return "<notice>";
	case LOG_INFO: return "<info>";
	default: return "<debug>";
	}
}

static void _log(int prio, const char *subsys, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void _log(int prio, const char *subsys, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	if (prio > gl.log_level)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (gl.log_syslog) {
		if (subsys)
			syslog(prio, "[%s] %s", subsys, msg);
		else
			syslog(prio, "%s", msg);
	} else {
		g_printerr("nm-winvpn[%ld] %-8s %s%s%s%s\n", (long)getpid(), prio_name(prio),
			   subsys ? "[" : "", subsys ? subsys : "", subsys ? "] " : "", msg);
	}
}

#define _LOGD(...) _log(LOG_DEBUG, NULL, __VA_ARGS__)
#define _LOGI(...) _log(LOG_INFO, NULL, __VA_ARGS__)
#define _LOGN(...) _log(LOG_NOTICE, NULL, __VA_ARGS__)
#define _LOGW(...) _log(LOG_WARNING, NULL, __VA_ARGS__)
#define _LOGE(...) _log(LOG_ERR, NULL, __VA_ARGS__)

/* Engine levels on syslog priorities: its INFO lines ("connected to ...") are
 * what a user reads, so they pass NM's default level (NOTICE); DEBUG needs NM's
 * INFO, and the packet traces need NM's DEBUG (TRACE) or --debug. */
static int engine_prio(enum wv_log_level lvl)
{
	switch (lvl) {
	case WV_LOG_ERR: return LOG_ERR;
	case WV_LOG_INFO: return LOG_NOTICE;
	case WV_LOG_DEBUG: return LOG_INFO;
	case WV_LOG_TRACE:
	default: return LOG_DEBUG;
	}
}

static gboolean syslog_available(void)
{
	struct stat sb;

	return stat("/dev/log", &sb) == 0 && S_ISSOCK(sb.st_mode);
}

static void setup_logging(void)
{
	const char *env = getenv("NM_VPN_LOG_LEVEL");
	const char *env_syslog = getenv("NM_VPN_LOG_SYSLOG");
	enum wv_log_level lvl;

	gl.log_level = gl.debug ? LOG_DEBUG : LOG_NOTICE;
	if (!gl.debug && env && *env) {
		gint64 v = g_ascii_strtoll(env, NULL, 10);
		gl.log_level = (int)CLAMP(v, LOG_EMERG, LOG_DEBUG);
	}
	/* NM asks for syslog (NM_VPN_LOG_SYSLOG=1); our stderr is NM's own.  --debug
	 * is for a terminal. */
	gl.log_syslog = !gl.debug;
	if (env_syslog && *env_syslog)
		gl.log_syslog = g_ascii_strtoll(env_syslog, NULL, 10) != 0;
	/* Without a syslog daemon (containers, a private NM in the test lab) the
	 * lines would be lost; stderr at least reaches NM's own log. */
	if (gl.log_syslog && !syslog_available())
		gl.log_syslog = FALSE;
	if (gl.log_syslog)
		openlog("nm-winvpn", LOG_PID, LOG_DAEMON);
	gl.engine_level = WV_LOG_ERR;
	for (lvl = WV_LOG_ERR; lvl <= WV_LOG_TRACE; lvl++)
		if (engine_prio(lvl) <= gl.log_level)
			gl.engine_level = lvl;
}

/* ---- the plugin ---------------------------------------------------------------- */

/* The engine on the GLib main loop: polls the engine's epoll fd and becomes
 * ready at the engine's next timer. */
typedef struct {
	GSource base;
	struct wv_session *session;
} EngineSource;

typedef struct {
	struct wv_session *session;
	GSource *source;
	guint end_id;                   /* idle: the session finished */
	enum wv_fail why;
	char *why_msg;

	gboolean waiting;               /* ConnectInteractive waiting for NewSecrets */
	const char *missing_secret;     /* the key asked for (a static string) */
	guint ask_id;                   /* idle: emit SecretsRequired */

	gboolean stopping;              /* we asked the engine to stop */
	gboolean have_failure;          /* see real_disconnect() */
	NMVpnPluginFailure failure;

	gboolean quit_pending;          /* quit once the session is gone */
	guint quit_backstop_id;

	/* The last reports, sent again whole when one of them changes. */
	struct wv_ip4_config *ip4;      /* protocol/encryption pointers not kept */
	struct wv_ip6_config *ip6;
	gboolean reported;              /* NetworkManager has had the ip4 config */
} NMWinvpnPluginPrivate;

G_DEFINE_TYPE_WITH_PRIVATE(NMWinvpnPlugin, nm_winvpn_plugin, NM_TYPE_VPN_SERVICE_PLUGIN)

#define GET_PRIV(self) ((NMWinvpnPluginPrivate *)nm_winvpn_plugin_get_instance_private(self))

static void engine_source_rearm(GSource *src)
{
	EngineSource *es = (EngineSource *)src;
	int ms = wv_session_timeout_ms(es->session);

	g_source_set_ready_time(src, ms < 0 ? -1 : g_get_monotonic_time() + (gint64)ms * 1000);
}

static gboolean engine_source_dispatch(GSource *src, GSourceFunc callback, gpointer user_data)
{
	EngineSource *es = (EngineSource *)src;

	g_source_set_ready_time(src, -1);
	wv_session_dispatch(es->session);
	if (wv_session_finished(es->session))
		return G_SOURCE_REMOVE;
	engine_source_rearm(src);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs engine_source_funcs = {
	.dispatch = engine_source_dispatch,
};

static GSource *engine_source_new(struct wv_session *session)
{
	GSource *src = g_source_new(&engine_source_funcs, sizeof(EngineSource));

	((EngineSource *)src)->session = session;
	g_source_set_name(src, "winvpn engine");
	g_source_add_unix_fd(src, wv_session_fd(session), G_IO_IN);
	engine_source_rearm(src);
	g_source_attach(src, NULL);
	return src;
}

/* Frees the session and everything that watches it; safe at any time except
 * inside an engine callback. */
static void drop_session(NMWinvpnPlugin *self)
{
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);

	g_clear_handle_id(&priv->end_id, g_source_remove);
	if (priv->source) {
		g_source_destroy(priv->source);
		g_clear_pointer(&priv->source, g_source_unref);
	}
	g_clear_pointer(&priv->session, wv_session_free);
	priv->stopping = FALSE;
	g_clear_pointer(&priv->ip4, g_free);
	g_clear_pointer(&priv->ip6, g_free);
	priv->reported = FALSE;
}

static void quit_now(void)
{
	if (gl.loop)
		g_main_loop_quit(gl.loop);
}

static gboolean on_quit_backstop(gpointer user_data)
{
	GET_PRIV(NM_WINVPN_PLUGIN(user_data))->quit_backstop_id = 0;
	_LOGW("the teardown did not finish in time; quitting anyway");
	quit_now();
	return G_SOURCE_REMOVE;
}

/* ---- engine callbacks (they run inside wv_session_dispatch/start/stop) ---- */

static void on_engine_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	(void)arg;
	_log(engine_prio(lvl), subsys, "%s", msg);
}

/* Config, then IPv4, then IPv6: the config says which families follow, and the
 * last of them completes the connection (libnm moves to STARTED). */
static void report(NMWinvpnPlugin *self)
{
	NMVpnServicePlugin *plugin = NM_VPN_SERVICE_PLUGIN(self);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);
	g_autoptr(GVariant) config = NULL;
	g_autoptr(GVariant) ip4 = NULL;

	if (!priv->ip4)
		return;
	config = g_variant_ref_sink(nm_winvpn_config_dict(priv->ip4, priv->ip6 != NULL));
	ip4 = g_variant_ref_sink(nm_winvpn_ip4_dict(priv->ip4));
	nm_vpn_service_plugin_set_config(plugin, config);
	nm_vpn_service_plugin_set_ip4_config(plugin, ip4);
	if (priv->ip6) {
		/* Split tunnel (the IPv4 report's never-default, from ipv4.never-default or
		 * the never-default key) holds for IPv6 too, as on Windows. */
		g_autoptr(GVariant) ip6 =
			g_variant_ref_sink(nm_winvpn_ip6_dict(priv->ip6, priv->ip4->never_default));

		nm_vpn_service_plugin_set_ip6_config(plugin, ip6);
	}
	priv->reported = TRUE;
}

static void on_engine_ip4_config(void *arg, const struct wv_ip4_config *c)
{
	NMWinvpnPlugin *self = NM_WINVPN_PLUGIN(arg);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);
	char local[INET_ADDRSTRLEN] = "?";
	GString *routes;
	unsigned i;

	if (!priv->ip4)
		priv->ip4 = g_new(struct wv_ip4_config, 1);
	*priv->ip4 = *c;
	priv->ip4->protocol = NULL;
	priv->ip4->encryption = NULL;
	inet_ntop(AF_INET, &c->local, local, sizeof(local));
	/* What NM is asked to apply, on one line a user (and the tests) can compare
	 * with NM's view: "routes 10.0.0.0/8 192.168.1.0/24 via 192.168.41.1". */
	routes = g_string_new(NULL);
	for (i = 0; i < MIN(c->n_routes, WV_MAX_ROUTES); i++) {
		char dst[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &c->routes[i].dst, dst, sizeof(dst));
		g_string_append_printf(routes, " %s/%u", dst, c->routes[i].prefix);
		if (c->routes[i].gateway.s_addr) {
			inet_ntop(AF_INET, &c->routes[i].gateway, gw, sizeof(gw));
			g_string_append_printf(routes, " via %s", gw);
		}
	}
	_LOGN("%s %s to NetworkManager: address %s, %s, %s%s; routes%s; domain %s (%s)",
	      c->update ? "reporting again" : "reporting", c->ifname, local,
	      c->protocol ? c->protocol : "?", c->encryption ? c->encryption : "no encryption",
	      c->never_default ? ", split tunnel" : "", routes->len ? routes->str : " none",
	      c->domain[0] && memchr(c->domain, 0, sizeof(c->domain)) &&
			      g_utf8_validate(c->domain, -1, NULL) ? c->domain : "none",
	      c->source ? c->source : "IPCP");
	g_string_free(routes, TRUE);
	report(self);
}

static void on_engine_ip6_config(void *arg, const struct wv_ip6_config *c)
{
	NMWinvpnPlugin *self = NM_WINVPN_PLUGIN(arg);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);

	if (!priv->ip6)
		priv->ip6 = g_new(struct wv_ip6_config, 1);
	*priv->ip6 = *c;
	{
		/* The address NM gets: the first from an RA, else the link-local one. */
		gboolean ra = c->n_addrs && c->addrs[0].len && c->addrs[0].len <= 128;
		char a[INET6_ADDRSTRLEN] = "?";

		inet_ntop(AF_INET6, ra ? &c->addrs[0].addr : &c->local_ll, a, sizeof(a));
		_LOGN("reporting IPv6 on %s to NetworkManager: address %s/%u; %u address%s from "
		      "router advertisements, %u route%s%s%s",
		      c->ifname, a, ra ? c->addrs[0].len : 64, c->n_addrs,
		      c->n_addrs == 1 ? "" : "es", c->n_routes, c->n_routes == 1 ? "" : "s",
		      c->default_route ? ", default router" : "",
		      c->update ? " (update)" : "");
	}
	/* Before the IPv4 report it waits for it; after, all is sent again with
	 * has-ip6, which NM takes on an activated connection too. */
	if (priv->reported)
		report(self);
}

/* The link failed and the engine dials again, keeping the TUN device.  NM is
 * told the way it expects from a reconnecting plugin: STARTED -> STARTING makes
 * it show the connection as connecting (not failed), and the next ip4 report
 * makes it STARTED again. */
static void on_engine_redialing(void *arg, unsigned attempt, unsigned max_attempts,
				const char *why)
{
	NMVpnServicePlugin *plugin = NM_VPN_SERVICE_PLUGIN(arg);
	NMVpnServiceState state = NM_VPN_SERVICE_STATE_UNKNOWN;

	_LOGN("link lost (%s): dialling again, attempt %u of %u", why ? why : "?", attempt,
	      max_attempts);
	g_object_get(plugin, NM_VPN_SERVICE_PLUGIN_STATE, &state, NULL);
	if (state == NM_VPN_SERVICE_STATE_STARTED)
		g_object_set(plugin, NM_VPN_SERVICE_PLUGIN_STATE, NM_VPN_SERVICE_STATE_STARTING,
			     NULL);
}

static gboolean on_session_end(gpointer user_data);

static void on_engine_finished(void *arg, enum wv_fail why, const char *message)
{
	NMWinvpnPlugin *self = NM_WINVPN_PLUGIN(arg);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);

	priv->why = why;
	g_free(priv->why_msg);
	priv->why_msg = g_strdup(message);
	if (why == WV_OK || why == WV_FAIL_CANCELLED)
		_LOGN("%s", message);
	else
		_LOGW("%s: %s", wv_fail_name(why), message);
	/* The session may not be freed from inside its own callbacks. */
	if (!priv->end_id)
		priv->end_id = g_idle_add_full(G_PRIORITY_HIGH, on_session_end, self, NULL);
}

static const struct wv_callbacks engine_callbacks = {
	.log = on_engine_log,
	.ip4_config = on_engine_ip4_config,
	.ip6_config = on_engine_ip6_config,
	.redialing = on_engine_redialing,
	.finished = on_engine_finished,
};

/* ---- the session's life ----------------------------------------------------- */

static gboolean on_session_end(gpointer user_data)
{
	NMWinvpnPlugin *self = NM_WINVPN_PLUGIN(user_data);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);
	gboolean asked = priv->stopping;

	priv->end_id = 0;
	drop_session(self);
	if (!asked) {
		/* The engine ended on its own (login refused, gateway gone, ...): tell
		 * NM why, then stop.  disconnect() runs real_disconnect(), which
		 * re-asserts the reason (see there). */
		priv->have_failure = nm_winvpn_failure_reason(priv->why, &priv->failure);
		nm_vpn_service_plugin_disconnect(NM_VPN_SERVICE_PLUGIN(self), NULL);
		priv->have_failure = FALSE;
	}
	if (priv->quit_pending)
		quit_now();
	return G_SOURCE_REMOVE;
}

static gboolean start_session(NMWinvpnPlugin *self, const wv_settings *st, GError **error)
{
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);
	g_autofree char *err = NULL;

	priv->why = WV_OK;
	g_clear_pointer(&priv->why_msg, g_free);
	priv->session = wv_session_new(st, &engine_callbacks, self, &err);
	if (!priv->session) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS, "%s",
			    err ? err : _("invalid settings"));
		return FALSE;
	}
	wv_session_set_log_level(priv->session, gl.engine_level);
	if (wv_session_start(priv->session) < 0 || wv_session_finished(priv->session)) {
		/* It ended at once (no TUN device, unresolvable gateway): the Connect
		 * call fails with the engine's sentence, and libnm stops the plugin. */
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED, "%s",
			    priv->why_msg ? priv->why_msg : wv_fail_name(priv->why));
		drop_session(self);
		return FALSE;
	}
	priv->source = engine_source_new(priv->session);
	return TRUE;
}

static gboolean ask_for_secrets(gpointer user_data)
{
	NMWinvpnPlugin *self = NM_WINVPN_PLUGIN(user_data);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);
	const char *hints[] = { priv->missing_secret, NULL };
	g_autofree char *msg = g_strdup_printf(_("The %s is required to connect."),
					       nm_winvpn_secret_label(priv->missing_secret));

	priv->ask_id = 0;
	_LOGI("asking NetworkManager for the %s", priv->missing_secret);
	nm_vpn_service_plugin_secrets_required(NM_VPN_SERVICE_PLUGIN(self), msg, hints);
	return G_SOURCE_REMOVE;
}

static gboolean connect_common(NMWinvpnPlugin *self, NMConnection *connection,
			       gboolean interactive, GError **error)
{
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
	g_autoptr(wv_settings) st = NULL;

	if (!s_vpn) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR,
				    NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
				    _("the connection has no VPN setting"));
		return FALSE;
	}
	/* Under --persist a previous session may still be saying goodbye; a new
	 * connection wins. */
	drop_session(self);
	priv->waiting = FALSE;
	g_clear_handle_id(&priv->ask_id, g_source_remove);

	st = nm_winvpn_settings_from_connection(connection, error);
	if (!st)
		return FALSE;
	priv->missing_secret = nm_winvpn_missing_secret(s_vpn);
	if (priv->missing_secret) {
		if (!interactive) {
			g_set_error(error, NM_VPN_PLUGIN_ERROR,
				    NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
				    _("no %s given for the VPN connection"),
				    nm_winvpn_secret_label(priv->missing_secret));
			return FALSE;
		}
		/* Asked from an idle: libnm starts its connect timer after we return,
		 * and SecretsRequired must stop it (a person is typing). */
		priv->waiting = TRUE;
		priv->ask_id = g_idle_add(ask_for_secrets, self);
		return TRUE;
	}
	return start_session(self, st, error);
}

/* NM logs the error it gets back too, but under a syslog setup this is the
 * line a user finds next to ours. */
static gboolean log_error(gboolean ok, GError **error)
{
	if (!ok && error && *error)
		_LOGW("cannot connect: %s", (*error)->message);
	return ok;
}

static gboolean real_connect(NMVpnServicePlugin *plugin, NMConnection *connection,
			     GError **error)
{
	return log_error(connect_common(NM_WINVPN_PLUGIN(plugin), connection, FALSE, error),
			 error);
}

static gboolean real_connect_interactive(NMVpnServicePlugin *plugin, NMConnection *connection,
					 GVariant *details, GError **error)
{
	return log_error(connect_common(NM_WINVPN_PLUGIN(plugin), connection, TRUE, error),
			 error);
}

static gboolean new_secrets(NMWinvpnPlugin *self, NMConnection *connection, GError **error)
{
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
	g_autoptr(wv_settings) st = NULL;

	if (!priv->waiting) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_WRONG_STATE,
				    _("no connection is waiting for secrets"));
		return FALSE;
	}
	priv->waiting = FALSE;
	if (!s_vpn) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR,
				    NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
				    _("the connection has no VPN setting"));
		return FALSE;
	}
	/* NM sends the whole connection again, now with the secrets. */
	st = nm_winvpn_settings_from_connection(connection, error);
	if (!st)
		return FALSE;
	priv->missing_secret = nm_winvpn_missing_secret(s_vpn);
	if (priv->missing_secret) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
			    _("no %s given for the VPN connection"),
			    nm_winvpn_secret_label(priv->missing_secret));
		return FALSE;
	}
	return start_session(self, st, error);
}

static gboolean real_new_secrets(NMVpnServicePlugin *plugin, NMConnection *connection,
				 GError **error)
{
	return log_error(new_secrets(NM_WINVPN_PLUGIN(plugin), connection, error), error);
}

static gboolean real_need_secrets(NMVpnServicePlugin *plugin, NMConnection *connection,
				  const char **setting_name, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);

	if (!s_vpn) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR,
				    NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
				    _("the connection has no VPN setting"));
		return FALSE;
	}
	if (nm_winvpn_missing_secret(s_vpn)) {
		*setting_name = NM_SETTING_VPN_SETTING_NAME;
		return TRUE;
	}
	return FALSE;
}

/* libnm calls this from STARTING or STARTED and reports STOPPED as soon as it
 * returns; the engine's orderly teardown (LCP Terminate, Call-Clear, ...) goes
 * on after that, and the process stays until it is done (on_quit). */
static gboolean real_disconnect(NMVpnServicePlugin *plugin, GError **error)
{
	NMWinvpnPlugin *self = NM_WINVPN_PLUGIN(plugin);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);

	if (priv->have_failure) {
		/* Disconnecting from STARTING makes libnm emit CONNECT_FAILED first, and
		 * NetworkManager keeps only the last Failure it saw before STOPPED.  Say
		 * the real reason once more, now, so that a refused password reaches
		 * the user as "login failed".  (The disconnect inside
		 * nm_vpn_service_plugin_failure() finds us STOPPING and does nothing.) */
		priv->have_failure = FALSE;
		nm_vpn_service_plugin_failure(plugin, priv->failure);
	}
	priv->waiting = FALSE;
	g_clear_handle_id(&priv->ask_id, g_source_remove);
	if (priv->session && !wv_session_finished(priv->session) && !priv->stopping) {
		_LOGI("disconnecting");
		priv->stopping = TRUE;
		wv_session_stop(priv->session);
		if (priv->source && !wv_session_finished(priv->session))
			engine_source_rearm(priv->source);
	}
	return TRUE;
}

static void on_quit(NMVpnServicePlugin *plugin, gpointer user_data)
{
	NMWinvpnPluginPrivate *priv = GET_PRIV(NM_WINVPN_PLUGIN(plugin));

	if (!priv->session) {
		quit_now();
		return;
	}
	priv->quit_pending = TRUE;
	if (!priv->quit_backstop_id)
		priv->quit_backstop_id = g_timeout_add(QUIT_BACKSTOP_MS, on_quit_backstop, plugin);
}

static void nm_winvpn_plugin_init(NMWinvpnPlugin *self)
{
}

static void dispose(GObject *object)
{
	NMWinvpnPlugin *self = NM_WINVPN_PLUGIN(object);
	NMWinvpnPluginPrivate *priv = GET_PRIV(self);

	drop_session(self);
	priv->waiting = FALSE;
	g_clear_handle_id(&priv->ask_id, g_source_remove);
	g_clear_handle_id(&priv->quit_backstop_id, g_source_remove);
	g_clear_pointer(&priv->why_msg, g_free);
	G_OBJECT_CLASS(nm_winvpn_plugin_parent_class)->dispose(object);
}

static void nm_winvpn_plugin_class_init(NMWinvpnPluginClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	NMVpnServicePluginClass *parent_class = NM_VPN_SERVICE_PLUGIN_CLASS(klass);

	object_class->dispose = dispose;
	parent_class->connect = real_connect;
	parent_class->connect_interactive = real_connect_interactive;
	parent_class->need_secrets = real_need_secrets;
	parent_class->new_secrets = real_new_secrets;
	parent_class->disconnect = real_disconnect;
}

NMWinvpnPlugin *nm_winvpn_plugin_new(const char *bus_name, gboolean watch_peer, GError **error)
{
	return g_initable_new(NM_TYPE_WINVPN_PLUGIN, NULL, error,
			      NM_VPN_SERVICE_PLUGIN_DBUS_SERVICE_NAME, bus_name,
			      NM_VPN_SERVICE_PLUGIN_DBUS_WATCH_PEER, watch_peer,
			      NULL);
}

/* ---- main ------------------------------------------------------------------- */

static gboolean on_signal(gpointer user_data)
{
	NMWinvpnPlugin *plugin = user_data;
	NMWinvpnPluginPrivate *priv = GET_PRIV(plugin);

	/* First signal: end the connection in order, then quit; second: quit now. */
	if (!priv->session || priv->quit_pending) {
		quit_now();
		return G_SOURCE_CONTINUE;
	}
	_LOGN("signal received: disconnecting");
	priv->quit_pending = TRUE;
	nm_vpn_service_plugin_disconnect(NM_VPN_SERVICE_PLUGIN(plugin), NULL);
	if (priv->session && !priv->stopping) {
		/* Not STARTING/STARTED as far as libnm knows: stop the engine directly. */
		priv->stopping = TRUE;
		wv_session_stop(priv->session);
		if (priv->source && !wv_session_finished(priv->session))
			engine_source_rearm(priv->source);
	}
	if (!priv->quit_backstop_id)
		priv->quit_backstop_id = g_timeout_add(QUIT_BACKSTOP_MS, on_quit_backstop, plugin);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char *argv[])
{
	gboolean persist = FALSE;
	g_autofree char *bus_name = NULL;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	NMWinvpnPlugin *plugin;
	GDBusConnection *bus;
	guint sig_term, sig_int;
	GOptionEntry options[] = {
		{ "persist", 0, 0, G_OPTION_ARG_NONE, &persist,
		  N_("Don't quit when VPN connection terminates"), NULL },
		{ "debug", 0, 0, G_OPTION_ARG_NONE, &gl.debug,
		  N_("Enable verbose debug logging (passwords are never logged)"), NULL },
		{ "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name,
		  N_("D-Bus name to use for this instance"), N_("NAME") },
		{ NULL }
	};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	ctx = g_option_context_new(NULL);
	g_option_context_add_main_entries(ctx, options, GETTEXT_PACKAGE);
	g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
	g_option_context_set_summary(ctx, _("nm-winvpn-service provides Windows-compatible PPTP "
					    "VPN connections to NetworkManager."));
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("nm-winvpn-service: %s\n", error->message);
		return EXIT_FAILURE;
	}
	if (bus_name && !g_dbus_is_name(bus_name)) {
		g_printerr(_("nm-winvpn-service: invalid D-Bus name '%s'\n"), bus_name);
		return EXIT_FAILURE;
	}
	setup_logging();
	_LOGD("nm-winvpn-service %s (engine %s) starting on %s", PACKAGE_VERSION, wv_version(),
	      bus_name ? bus_name : NM_DBUS_SERVICE_WINVPN);

	/* A gateway that closes the TCP control connection must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	plugin = nm_winvpn_plugin_new(bus_name ? bus_name : NM_DBUS_SERVICE_WINVPN, !gl.debug,
				      &error);
	if (!plugin) {
		_LOGE("cannot start the VPN service: %s", error->message);
		return EXIT_FAILURE;
	}
	gl.loop = g_main_loop_new(NULL, FALSE);
	if (!persist)
		g_signal_connect(plugin, "quit", G_CALLBACK(on_quit), NULL);
	sig_term = g_unix_signal_add(SIGTERM, on_signal, plugin);
	sig_int = g_unix_signal_add(SIGINT, on_signal, plugin);

	g_main_loop_run(gl.loop);

	/* The last StateChanged (STOPPED) may still sit in GDBus's queue: NM must
	 * see it, or it takes our exit for a crash. */
	bus = nm_vpn_service_plugin_get_connection(NM_VPN_SERVICE_PLUGIN(plugin));
	if (bus) {
		g_dbus_connection_flush_sync(bus, NULL, NULL);
		g_object_unref(bus);
	}
	g_source_remove(sig_term);
	g_source_remove(sig_int);
	g_object_unref(plugin);
	g_clear_pointer(&gl.loop, g_main_loop_unref);
	_LOGD("nm-winvpn-service exits");
	return EXIT_SUCCESS;
}
