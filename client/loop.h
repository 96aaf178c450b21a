/* loop.h -- the engine's non-blocking event loop: fd watches and one-shot timers
 * on a monotonic clock.  One epoll fd is exposed so a host loop (GLib) can watch
 * the whole engine through it.  Tests may replace the clock.  Internal. */
#ifndef WV_LOOP_H
#define WV_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct wv_loop;

typedef void (*wv_io_fn)(void *arg, uint32_t events);   /* EPOLLIN, EPOLLOUT, EPOLLERR... */
typedef void (*wv_timer_fn)(void *arg);

struct wv_timer {
	uint64_t due_ms;
	wv_timer_fn fn;
	void *arg;
	bool armed;
	struct wv_timer *next;
};

struct wv_loop *wv_loop_new(void);
void wv_loop_free(struct wv_loop *l);
/* Milliseconds on the loop's clock (CLOCK_MONOTONIC unless replaced). */
uint64_t wv_loop_now(struct wv_loop *l);
void wv_loop_set_clock(struct wv_loop *l, uint64_t (*now)(void *arg), void *arg);
/* How long the machine has been suspended since it booted, in ms: CLOCK_BOOTTIME
 * counts suspended time and CLOCK_MONOTONIC does not.  Not the loop's clock (a
 * test's clock does not sleep); the session watches it for a resume. */
uint64_t wv_clock_suspended_ms(void);

int wv_loop_add_fd(struct wv_loop *l, int fd, uint32_t events, wv_io_fn fn, void *arg);
int wv_loop_mod_fd(struct wv_loop *l, int fd, uint32_t events);
void wv_loop_del_fd(struct wv_loop *l, int fd);

void wv_timer_init(struct wv_timer *t, wv_timer_fn fn, void *arg);
/* (Re)arms t to fire once, ms from now. */
void wv_timer_arm(struct wv_loop *l, struct wv_timer *t, uint32_t ms);
void wv_timer_cancel(struct wv_loop *l, struct wv_timer *t);
static inline bool wv_timer_armed(const struct wv_timer *t) { return t->armed; }

/* The epoll fd, and ms until the next timer (-1: none). */
int wv_loop_fd(const struct wv_loop *l);
int wv_loop_timeout(struct wv_loop *l);
/* Waits up to timeout_ms (0: poll) for fd events, runs them, then due timers. */
int wv_loop_dispatch(struct wv_loop *l, int timeout_ms);
/* Runs due timers only (for tests with a fake clock). */
void wv_loop_run_timers(struct wv_loop *l);

#endif
