/* resolve.h -- the gateway's name to an IPv4 address without blocking the event
 * loop (the NetworkManager service runs the engine on GLib's main loop, where a
 * slow DNS server must not freeze the desktop).  getaddrinfo() runs on a
 * short-lived thread and the answer comes back through a pipe the loop watches;
 * an address literal answers from a zero-length timer, so callers see one path.
 * Internal. */
#ifndef WV_RESOLVE_H
#define WV_RESOLVE_H

#include <netinet/in.h>

struct wv_loop;
struct wv_resolve;

/* gai_err is 0 on success (addr set) or a getaddrinfo() error for
 * gai_strerror().  The request is already freed when this runs. */
typedef void (*wv_resolve_fn)(void *arg, int gai_err, struct in_addr addr);

/* NULL when out of memory or no thread could be started (errno set). */
struct wv_resolve *wv_resolve_start(struct wv_loop *loop, const char *host, wv_resolve_fn fn,
				    void *arg);
/* Forgets a request that has not answered yet: no callback will follow.  The
 * thread, if any, finishes on its own and frees what it shares. */
void wv_resolve_cancel(struct wv_resolve *r);

#endif
