/* resolve.c -- asynchronous gateway name lookup (see resolve.h). */
#include "wv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "resolve.h"

/* What the lookup thread and the loop share; whoever drops the last
 * reference frees it, so a cancelled request needs no join. */
struct resolve_shared {
	atomic_int refs;
	int pipe_rd, pipe_wr;
	char *host;
	int gai_err;
	struct in_addr addr;
};

struct wv_resolve {
	struct wv_loop *loop;
	struct resolve_shared *sh;       /* NULL for an address literal */
	struct wv_timer literal_timer;
	struct in_addr literal;
	wv_resolve_fn fn;
	void *arg;
};

static void shared_unref(struct resolve_shared *sh)
{
	if (atomic_fetch_sub(&sh->refs, 1) != 1)
		return;
	close(sh->pipe_rd);
	close(sh->pipe_wr);
	free(sh->host);
	free(sh);
}

static void *lookup_thread(void *arg)
{
	struct resolve_shared *sh = arg;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai = NULL;
	ssize_t n;

	sh->gai_err = getaddrinfo(sh->host, NULL, &hints, &ai);
	if (sh->gai_err == 0 && !ai)
		sh->gai_err = EAI_NONAME;
	if (sh->gai_err == 0)
		sh->addr = ((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
	if (ai)
		freeaddrinfo(ai);
	/* The write publishes gai_err/addr to the loop thread (the pipe is a
	 * full barrier in practice; the atomic below makes it one in C). */
	atomic_thread_fence(memory_order_release);
	do
		n = write(sh->pipe_wr, "", 1);
	while (n < 0 && errno == EINTR);
	shared_unref(sh);
	return NULL;
}

static void deliver(struct wv_resolve *r, int gai_err, struct in_addr addr)
{
	wv_resolve_fn fn = r->fn;
	void *arg = r->arg;

	wv_resolve_cancel(r);
	fn(arg, gai_err, addr);
}

static void on_pipe(void *arg, uint32_t events)
{
	struct wv_resolve *r = arg;
	char c;

	(void)events;
	if (read(r->sh->pipe_rd, &c, 1) != 1)
		return;
	atomic_thread_fence(memory_order_acquire);
	deliver(r, r->sh->gai_err, r->sh->addr);
}

static void on_literal(void *arg)
{
	struct wv_resolve *r = arg;

	deliver(r, 0, r->literal);
}

struct wv_resolve *wv_resolve_start(struct wv_loop *loop, const char *host, wv_resolve_fn fn,
				    void *arg)
{
	struct wv_resolve *r = calloc(1, sizeof(*r));
	struct resolve_shared *sh;
	pthread_attr_t attr;
	pthread_t tid;
	int fds[2], e;

	if (!r)
		return NULL;
	r->loop = loop;
	r->fn = fn;
	r->arg = arg;
	wv_timer_init(&r->literal_timer, on_literal, r);
	if (inet_pton(AF_INET, host, &r->literal) == 1) {
		wv_timer_arm(loop, &r->literal_timer, 0);
		return r;
	}
	sh = calloc(1, sizeof(*sh));
	if (!sh || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	sh->pipe_rd = fds[0];
	sh->pipe_wr = fds[1];
	sh->host = strdup(host);
	atomic_init(&sh->refs, 2);   /* the loop's and the thread's */
	r->sh = sh;
	if (!sh->host || wv_loop_add_fd(loop, sh->pipe_rd, EPOLLIN, on_pipe, r) < 0)
		goto fail_sh;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&tid, &attr, lookup_thread, sh);
	pthread_attr_destroy(&attr);
	if (e) {
		wv_loop_del_fd(loop, sh->pipe_rd);
		errno = e;
		goto fail_sh;
	}
	return r;
fail_sh:
	e = errno;
	close(sh->pipe_rd);
	close(sh->pipe_wr);
	free(sh->host);
	free(sh);
	free(r);
	errno = e;
	return NULL;
fail:
	e = errno ? errno : ENOMEM;
	free(sh);
	free(r);
	errno = e;
	return NULL;
}

void wv_resolve_cancel(struct wv_resolve *r)
{
	if (!r)
		return;
	wv_timer_cancel(r->loop, &r->literal_timer);
	if (r->sh) {
		wv_loop_del_fd(r->loop, r->sh->pipe_rd);
		shared_unref(r->sh);
	}
	free(r);
}
