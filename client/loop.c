/* loop.c -- epoll for fds, a sorted list for timers, CLOCK_MONOTONIC (or a
 * test's clock).  Callbacks may add, remove and re-arm anything, including
 * themselves, while the loop runs. */
#include "wv.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct wv_watch {
	int fd;
	wv_io_fn fn;
	void *arg;
	struct wv_watch *next;
};

struct wv_loop {
	int epfd;
	struct wv_watch *watches;
	struct wv_timer *timers;    /* sorted by due_ms */
	uint64_t (*now)(void *arg);
	void *now_arg;
};

static uint64_t monotonic_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t wv_clock_suspended_ms(void)
{
	struct timespec boot, mono;
	int64_t ms;

	/* In this order, the difference can only err towards 0. */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return 0;
	ms = (int64_t)(boot.tv_sec - mono.tv_sec) * 1000 + (boot.tv_nsec - mono.tv_nsec) / 1000000;
	return ms > 0 ? (uint64_t)ms : 0;
}

struct wv_loop *wv_loop_new(void)
{
	struct wv_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->now = monotonic_ms;
	return l;
}

void wv_loop_free(struct wv_loop *l)
{
	if (!l)
		return;
	while (l->watches) {
		struct wv_watch *w = l->watches;
		l->watches = w->next;
		free(w);
	}
	close(l->epfd);
	free(l);
}

uint64_t wv_loop_now(struct wv_loop *l)
{
	return l->now(l->now_arg);
}

void wv_loop_set_clock(struct wv_loop *l, uint64_t (*now)(void *arg), void *arg)
{
	l->now = now ? now : monotonic_ms;
	l->now_arg = arg;
}

static struct wv_watch *find_watch(struct wv_loop *l, int fd)
{
	struct wv_watch *w;

	for (w = l->watches; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

int wv_loop_add_fd(struct wv_loop *l, int fd, uint32_t events, wv_io_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	struct wv_watch *w;

	if (find_watch(l, fd))
		return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;
		free(w);
		return err;
	}
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	w->next = l->watches;
	l->watches = w;
	return 0;
}

int wv_loop_mod_fd(struct wv_loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void wv_loop_del_fd(struct wv_loop *l, int fd)
{
	struct wv_watch **pp;

	for (pp = &l->watches; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			struct wv_watch *w = *pp;
			*pp = w->next;
			free(w);
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			return;
		}
	}
}

void wv_timer_init(struct wv_timer *t, wv_timer_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void wv_timer_cancel(struct wv_loop *l, struct wv_timer *t)
{
	struct wv_timer **pp;

	if (!t->armed)
		return;
	for (pp = &l->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void wv_timer_arm(struct wv_loop *l, struct wv_timer *t, uint32_t ms)
{
	struct wv_timer **pp;

	wv_timer_cancel(l, t);
	t->due_ms = wv_loop_now(l) + ms;
	for (pp = &l->timers; *pp && (*pp)->due_ms <= t->due_ms; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

int wv_loop_fd(const struct wv_loop *l)
{
	return l->epfd;
}

int wv_loop_timeout(struct wv_loop *l)
{
	uint64_t now;

	if (!l->timers)
		return -1;
	now = wv_loop_now(l);
	if (l->timers->due_ms <= now)
		return 0;
	return (int)MIN(l->timers->due_ms - now, (uint64_t)INT32_MAX);
}

void wv_loop_run_timers(struct wv_loop *l)
{
	uint64_t now = wv_loop_now(l);
	unsigned budget = 1000;   /* a timer re-armed with 0 ms must not spin forever */

	while (l->timers && l->timers->due_ms <= now && budget--) {
		struct wv_timer *t = l->timers;
		l->timers = t->next;
		t->next = NULL;
		t->armed = false;
		t->fn(t->arg);
	}
}

int wv_loop_dispatch(struct wv_loop *l, int timeout_ms)
{
	struct epoll_event evs[16];
	int n, i, t = wv_loop_timeout(l);

	if (t >= 0 && (timeout_ms < 0 || t < timeout_ms))
		timeout_ms = t;
	n = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), timeout_ms);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		/* Look the watch up again: an earlier callback may have removed it. */
		struct wv_watch *w = find_watch(l, evs[i].data.fd);
		if (w)
			w->fn(w->arg, evs[i].events);
	}
	wv_loop_run_timers(l);
	return n;
}
