/* sleep.c -- systemd-logind's word that the computer is about to sleep, so
 * that the CLI hangs up first (cli.h).
 *
 * logind announces a suspend with the signal PrepareForSleep(true) and waits
 * for the holders of "delay" inhibitor locks to close them, up to
 * InhibitDelayMaxSec (5 s by default); PrepareForSleep(false) follows the
 * wake.  We hold one such lock while running and close it once the session's
 * goodbyes are done.  The conversation is four method calls and one signal,
 * so it is spoken directly on the system bus's socket (dbus.h) rather than
 * through a D-Bus library, which would more than half again the memory of a
 * connected CLI. */
#include "wv.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "dbus.h"

#define BUS_DEFAULT "unix:path=/run/dbus/system_bus_socket"
#define DBUS_NAME "org.freedesktop.DBus"
#define DBUS_PATH "/org/freedesktop/DBus"
#define LOGIND "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"
#define AUTH_TIMEOUT_MS 1000
#define MAX_FDS 8

struct cli_sleep {
	int fd;                          /* the system bus */
	int lock_fd;                     /* the delay lock, -1 while not held */
	uint32_t serial;                 /* of our last call */
	uint32_t inhibit_serial, owner_serial;
	char logind[64];                 /* logind's unique bus name: signals only from it */
	cli_sleep_fn fn;
	void *arg;
	int fds[MAX_FDS];                /* received, not yet claimed by a message */
	unsigned n_fds;
	size_t in_len;
	uint8_t in[DBUS_MSG_MAX];
};

static void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void debug(const char *fmt, ...)
{
	va_list ap;

	if (cli_verbosity < WV_LOG_DEBUG)
		return;
	fprintf(stderr, "winvpn: [NET] ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- the connection ---- */

/* The first unix:path= of $DBUS_SYSTEM_BUS_ADDRESS, or the standard socket. */
static int bus_connect(void)
{
	const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *p;
	size_t n;
	int fd;

	if (!addr || !*addr)
		addr = BUS_DEFAULT;
	p = strstr(addr, "unix:path=");
	if (!p)
		return -1;
	p += strlen("unix:path=");
	n = strcspn(p, ",;");
	if (n == 0 || n >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, p, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line of the authentication conversation, within the time-out. */
static int auth_line(int fd, char *line, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, AUTH_TIMEOUT_MS) <= 0)
			return -1;
		r = recv(fd, line + n, 1, 0);
		if (r <= 0)
			return -1;
		if (line[n++] == '\n') {
			line[n] = '\0';
			return 0;
		}
	}
	return -1;
}

/* SASL EXTERNAL with our uid, and descriptor passing (the lock is one). */
static int bus_auth(int fd)
{
	char cmd[64], uid[16], hex[33], line[256];
	size_t i;

	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	for (i = 0; uid[i] && 2 * i + 2 < sizeof(hex); i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	hex[2 * i] = '\0';
	snprintf(cmd, sizeof(cmd), "AUTH EXTERNAL %s\r\n", hex);
	if (send_all(fd, "", 1) < 0 || send_all(fd, cmd, strlen(cmd)) < 0 ||
	    auth_line(fd, line, sizeof(line)) < 0 || strncmp(line, "OK ", 3) != 0)
		return -1;
	if (send_all(fd, "NEGOTIATE_UNIX_FD\r\n", 19) < 0 ||
	    auth_line(fd, line, sizeof(line)) < 0 || strncmp(line, "AGREE_UNIX_FD", 13) != 0)
		return -1;
	return send_all(fd, "BEGIN\r\n", 7);
}

static uint32_t call(struct cli_sleep *sl, const char *dest, const char *path, const char *iface,
		     const char *member, const char *const *args, unsigned n_args)
{
	uint8_t buf[1024];
	size_t n;

	if (sl->fd < 0)
		return 0;
	n = dbus_build_call(buf, sizeof(buf), ++sl->serial, dest, path, iface, member, args,
			    n_args);
	if (!n || send_all(sl->fd, buf, n) < 0)
		return 0;
	return sl->serial;
}

static void take_lock(struct cli_sleep *sl)
{
	static const char *const args[] = { "sleep", "winvpn", "Hang up the VPN connection first",
					     "delay" };

	if (sl->lock_fd < 0 && !sl->inhibit_serial)
		sl->inhibit_serial = call(sl, LOGIND, LOGIND_PATH, LOGIND_MANAGER, "Inhibit",
					  args, 4);
}

void cli_sleep_release(struct cli_sleep *sl)
{
	if (sl && sl->lock_fd >= 0) {
		close(sl->lock_fd);
		sl->lock_fd = -1;
		debug("%s", "sleep delay lock given back to logind");
	}
}

struct cli_sleep *cli_sleep_new(cli_sleep_fn fn, void *arg)
{
	static const char *const match[] = {
		"type='signal',sender='" LOGIND "',path='" LOGIND_PATH "',interface='"
		LOGIND_MANAGER "',member='PrepareForSleep'",
	};
	static const char *const logind[] = { LOGIND };
	struct cli_sleep *sl;
	int fd = bus_connect();

	if (fd < 0 || bus_auth(fd) < 0) {
		if (fd >= 0)
			close(fd);
		debug("%s", "no system bus: a sleep is noticed only on waking");
		return NULL;
	}
	sl = calloc(1, sizeof(*sl));
	if (!sl) {
		close(fd);
		return NULL;
	}
	sl->fd = fd;
	sl->lock_fd = -1;
	sl->fn = fn;
	sl->arg = arg;
	call(sl, DBUS_NAME, DBUS_PATH, DBUS_NAME, "Hello", NULL, 0);
	call(sl, DBUS_NAME, DBUS_PATH, DBUS_NAME, "AddMatch", match, 1);
	sl->owner_serial = call(sl, DBUS_NAME, DBUS_PATH, DBUS_NAME, "GetNameOwner", logind, 1);
	take_lock(sl);
	return sl;
}

static void close_fds(int *fds, unsigned n)
{
	while (n--)
		close(fds[n]);
}

void cli_sleep_free(struct cli_sleep *sl)
{
	if (!sl)
		return;
	cli_sleep_release(sl);
	close_fds(sl->fds, sl->n_fds);
	if (sl->fd >= 0)
		close(sl->fd);
	free(sl);
}

/* ---- what the bus says ---- */

static void handle(struct cli_sleep *sl, const struct dbus_msg *m, int *fds, unsigned n_fds)
{
	if (m->type == DBUS_METHOD_RETURN && m->reply_serial == sl->owner_serial) {
		snprintf(sl->logind, sizeof(sl->logind), "%s", m->str);
	} else if (m->reply_serial && m->reply_serial == sl->inhibit_serial) {
		sl->inhibit_serial = 0;
		if (m->type == DBUS_METHOD_RETURN && m->has_u32 && m->u32 < n_fds) {
			sl->lock_fd = fds[m->u32];
			fds[m->u32] = -1;
			debug("%s", "holding a sleep delay lock from logind");
		} else {
			debug("logind gave no sleep delay lock (%s)",
			      m->error_name[0] ? m->error_name : "no descriptor");
		}
	} else if (m->type == DBUS_SIGNAL && m->has_u32 && !strcmp(m->signature, "b") && sl->logind[0] &&
		   !strcmp(m->sender, sl->logind) && !strcmp(m->path, LOGIND_PATH) &&
		   !strcmp(m->interface, LOGIND_MANAGER) && !strcmp(m->member, "PrepareForSleep")) {
		if (!m->u32)
			take_lock(sl);   /* for the next sleep */
		sl->fn(sl->arg, m->u32 != 0);
	}
}

/* Reads what is there, with any descriptors that came along. */
static int bus_read(struct cli_sleep *sl)
{
	char cbuf[CMSG_SPACE(MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = sl->in + sl->in_len, .iov_len = sizeof(sl->in) - sl->in_len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(sl->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (sl->n_fds < MAX_FDS)
				sl->fds[sl->n_fds++] = fd;
			else
				close(fd);
		}
	}
	if (n == 0)
		return -1;
	sl->in_len += (size_t)n;
	return 0;
}

static void bus_lost(struct cli_sleep *sl)
{
	debug("%s", "the system bus went away: a sleep is noticed only on waking");
	close(sl->fd);
	sl->fd = -1;
}

int cli_sleep_prepare(struct cli_sleep *sl, struct pollfd *fds, int max, int *timeout_ms)
{
	(void)timeout_ms;
	if (!sl || sl->fd < 0 || max < 1)
		return 0;
	fds[0] = (struct pollfd){ .fd = sl->fd, .events = POLLIN };
	return 1;
}

void cli_sleep_dispatch(struct cli_sleep *sl, const struct pollfd *fds)
{
	long len;

	if (!sl || sl->fd < 0 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (bus_read(sl) < 0) {
		bus_lost(sl);
		return;
	}
	while ((len = dbus_msg_length(sl->in, sl->in_len)) > 0 && (size_t)len <= sl->in_len) {
		struct dbus_msg m;
		int mine[MAX_FDS];
		unsigned n = 0;

		if (dbus_msg_parse(sl->in, (size_t)len, &m) == 0) {
			/* the descriptors that came with this message are the first ones */
			n = m.unix_fds < sl->n_fds ? m.unix_fds : sl->n_fds;
			memcpy(mine, sl->fds, n * sizeof(int));
			memmove(sl->fds, sl->fds + n, (sl->n_fds - n) * sizeof(int));
			sl->n_fds -= n;
			handle(sl, &m, mine, n);
			while (n--)
				if (mine[n] >= 0)
					close(mine[n]);
		} else {
			/* which descriptors were its own is unknown now: drop them all */
			close_fds(sl->fds, sl->n_fds);
			sl->n_fds = 0;
		}
		memmove(sl->in, sl->in + len, sl->in_len - (size_t)len);
		sl->in_len -= (size_t)len;
	}
	if (len < 0)
		bus_lost(sl);   /* not D-Bus, or more than we take */
}
