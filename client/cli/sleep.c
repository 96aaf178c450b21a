/* sleep.c -- logind's word that the computer is about to sleep, so that the
 * CLI hangs up first (cli.h).
 *
 * systemd-logind announces a suspend with the signal PrepareForSleep(true)
 * and waits for the holders of "delay" inhibitor locks to close them, up to
 * InhibitDelayMaxSec (5 s by default); PrepareForSleep(false) follows the
 * wake.  We hold one such lock while connected and close it once the
 * session's goodbyes are done.  GIO speaks D-Bus for us, on a main context of
 * our own that the CLI's poll loop drives (cli_sleep_prepare/_dispatch). */
#include "wv.h"

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

#define LOGIND "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"
#define CALL_TIMEOUT_MS 2000

struct cli_sleep {
	GMainContext *ctx;
	GDBusConnection *bus;
	guint sub;
	int lock_fd;                 /* the delay inhibitor, -1 while not held */
	cli_sleep_fn fn;
	void *arg;
	gint max_prio;
	GPollFD gfds[8];
	int n_gfds;
};

static void debug(const char *what, const GError *e)
{
	if (cli_verbosity >= WV_LOG_DEBUG)
		fprintf(stderr, "winvpn: [NET] %s%s%s\n", what, e ? ": " : "", e ? e->message : "");
}

/* Takes the delay lock; without one logind does not wait, and the goodbyes
 * may not make it out before the computer sleeps. */
static void take_lock(struct cli_sleep *sl)
{
	GUnixFDList *fds = NULL;
	GVariant *r;
	GError *e = NULL;
	gint32 idx;

	if (sl->lock_fd >= 0)
		return;
	r = g_dbus_connection_call_with_unix_fd_list_sync(
		sl->bus, LOGIND, LOGIND_PATH, LOGIND_MANAGER, "Inhibit",
		g_variant_new("(ssss)", "sleep", "winvpn", "Hang up the VPN connection first", "delay"),
		G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL, &fds, NULL, &e);
	if (!r) {
		debug("logind gave no sleep delay lock", e);
		g_clear_error(&e);
		return;
	}
	g_variant_get(r, "(h)", &idx);
	sl->lock_fd = fds ? g_unix_fd_list_get(fds, idx, &e) : -1;
	if (sl->lock_fd < 0)
		debug("logind's sleep delay lock came without its descriptor", e);
	g_clear_error(&e);
	g_clear_object(&fds);
	g_variant_unref(r);
}

void cli_sleep_release(struct cli_sleep *sl)
{
	if (sl && sl->lock_fd >= 0) {
		close(sl->lock_fd);
		sl->lock_fd = -1;
		debug("sleep delay lock released", NULL);
	}
}

static void on_prepare_for_sleep(GDBusConnection *bus, const char *sender, const char *path,
				 const char *iface, const char *signal, GVariant *params,
				 gpointer user_data)
{
	struct cli_sleep *sl = user_data;
	gboolean sleeping = FALSE;

	(void)bus, (void)sender, (void)path, (void)iface, (void)signal;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(b)")))
		return;
	g_variant_get(params, "(b)", &sleeping);
	if (!sleeping)
		take_lock(sl);   /* for the next sleep */
	sl->fn(sl->arg, sleeping);
}

struct cli_sleep *cli_sleep_new(cli_sleep_fn fn, void *arg)
{
	struct cli_sleep *sl = calloc(1, sizeof(*sl));
	GError *e = NULL;

	if (!sl)
		return NULL;
	sl->lock_fd = -1;
	sl->fn = fn;
	sl->arg = arg;
	sl->ctx = g_main_context_new();
	g_main_context_push_thread_default(sl->ctx);
	sl->bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &e);
	if (sl->bus) {
		/* Signals are delivered on the context that is the default here. */
		sl->sub = g_dbus_connection_signal_subscribe(sl->bus, LOGIND, LOGIND_MANAGER,
							     "PrepareForSleep", LOGIND_PATH, NULL,
							     G_DBUS_SIGNAL_FLAGS_NONE,
							     on_prepare_for_sleep, sl, NULL);
		take_lock(sl);
	}
	g_main_context_pop_thread_default(sl->ctx);
	if (!sl->bus) {
		debug("no system bus: hanging up when the computer sleeps is left to the "
		      "resume check", e);
		g_clear_error(&e);
		cli_sleep_free(sl);
		return NULL;
	}
	g_main_context_acquire(sl->ctx);
	return sl;
}

void cli_sleep_free(struct cli_sleep *sl)
{
	if (!sl)
		return;
	cli_sleep_release(sl);
	if (sl->bus && sl->sub)
		g_dbus_connection_signal_unsubscribe(sl->bus, sl->sub);
	g_clear_object(&sl->bus);
	if (g_main_context_is_owner(sl->ctx))
		g_main_context_release(sl->ctx);
	g_main_context_unref(sl->ctx);
	free(sl);
}

int cli_sleep_prepare(struct cli_sleep *sl, struct pollfd *fds, int max, int *timeout_ms)
{
	gint timeout = -1;
	int i;

	if (!sl)
		return 0;
	g_main_context_prepare(sl->ctx, &sl->max_prio);
	sl->n_gfds = g_main_context_query(sl->ctx, sl->max_prio, &timeout, sl->gfds,
					  (gint)G_N_ELEMENTS(sl->gfds));
	if (sl->n_gfds > (int)G_N_ELEMENTS(sl->gfds))
		sl->n_gfds = (int)G_N_ELEMENTS(sl->gfds);
	if (sl->n_gfds > max)
		sl->n_gfds = max;
	for (i = 0; i < sl->n_gfds; i++)
		fds[i] = (struct pollfd){ .fd = sl->gfds[i].fd, .events = (short)sl->gfds[i].events };
	if (timeout >= 0 && (*timeout_ms < 0 || timeout < *timeout_ms))
		*timeout_ms = timeout;
	return sl->n_gfds;
}

void cli_sleep_dispatch(struct cli_sleep *sl, const struct pollfd *fds)
{
	int i;

	if (!sl)
		return;
	for (i = 0; i < sl->n_gfds; i++)
		sl->gfds[i].revents = (gushort)fds[i].revents;
	if (g_main_context_check(sl->ctx, sl->max_prio, sl->gfds, sl->n_gfds))
		g_main_context_dispatch(sl->ctx);
}
