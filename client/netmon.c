/* netmon.c -- the path to the gateway, watched through rtnetlink (netmon.h). */
#include "wv.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "netmon.h"

/* Events come in bursts (an interface going down takes its addresses and
 * routes with it): look once the burst has settled. */
#define SETTLE_MS 200
/* A lost path must still be lost this much later (see netmon.h). */
#define CONFIRM_MS 1000

struct wv_netmon {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct in_addr gateway;
	char gateway_str[INET_ADDRSTRLEN];
	char tun[IF_NAMESIZE];
	int events_fd;                   /* subscribed to link/address/route groups */
	int query_fd;                    /* RTM_GETROUTE requests */
	uint32_t seq;
	bool suspect;                    /* the last look found no path */
	struct wv_timer timer;
	wv_netmon_gone_fn gone;
	void *arg;
};

/* The netlink macros' NLMSG_NEXT/RTA_NEXT subtract the aligned length from
 * the remaining one, which wraps around when the last item is not padded to
 * the alignment; these walk with explicit bounds instead. */
static const struct rtattr *find_oif(const uint8_t *p, size_t len, int *oif, int *bad)
{
	size_t off = 0;

	while (off <= len && len - off >= sizeof(struct rtattr)) {
		struct rtattr a;

		memcpy(&a, p + off, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > len - off) {
			*bad = 1;
			return NULL;
		}
		if (a.rta_type == RTA_OIF) {
			if (a.rta_len < RTA_LENGTH(sizeof(int))) {
				*bad = 1;
				return NULL;
			}
			memcpy(oif, p + off + RTA_LENGTH(0), sizeof(int));
			return (const struct rtattr *)(const void *)(p + off);
		}
		off += RTA_ALIGN(a.rta_len);
	}
	return NULL;
}

int wv_netmon_parse_route_reply(const uint8_t *buf, size_t len, uint32_t seq, int *oif)
{
	size_t off = 0;

	while (off <= len && len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr nh;
		const uint8_t *body;
		size_t blen;

		memcpy(&nh, buf + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off)
			return -EBADMSG;
		body = buf + off + NLMSG_HDRLEN;
		blen = nh.nlmsg_len > NLMSG_HDRLEN ? nh.nlmsg_len - NLMSG_HDRLEN : 0;
		if (nh.nlmsg_seq == seq && nh.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			if (blen < sizeof(e))
				return -EBADMSG;
			memcpy(&e, body, sizeof(e));
			/* error 0 is an ACK, not an answer */
			if (e.error < 0 && e.error > -4096)
				return e.error;
			return e.error == 0 ? -ENOENT : -EBADMSG;
		}
		if (nh.nlmsg_seq == seq && nh.nlmsg_type == RTM_NEWROUTE) {
			struct rtmsg rt;
			size_t hl = NLMSG_ALIGN(sizeof(rt));
			int bad = 0;

			if (blen < hl)
				return -EBADMSG;
			memcpy(&rt, body, sizeof(rt));
			if (find_oif(body + hl, blen - hl, oif, &bad))
				return 0;
			if (bad)
				return -EBADMSG;
			/* unreachable, blackhole and prohibit routes carry no interface */
			return rt.rtm_type == RTN_UNICAST ? -EBADMSG : -ENETUNREACH;
		}
		if (NLMSG_ALIGN(nh.nlmsg_len) >= len - off)
			break;
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	return -ENOENT;
}

/* Asks the kernel for its route to the gateway.  The answer to a route
 * lookup is immediate, so this waits for it (with a bound) on its own socket.
 * 0 with *oif, or -errno. */
static int route_to_gateway(struct wv_netmon *m, int *oif)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		char attrs[RTA_SPACE(sizeof(struct in_addr))];
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct rtattr *a;
	int i, r = -ETIMEDOUT;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt)) + RTA_SPACE(sizeof(struct in_addr));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = ++m->seq;
	req.rt.rtm_family = AF_INET;
	req.rt.rtm_dst_len = 32;
	a = (struct rtattr *)(void *)req.attrs;
	a->rta_type = RTA_DST;
	a->rta_len = RTA_LENGTH(sizeof(struct in_addr));
	memcpy(RTA_DATA(a), &m->gateway, sizeof(struct in_addr));
	if (sendto(m->query_fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	/* Stale answers (of an earlier, abandoned look) are skipped by seq. */
	for (i = 0; i < 50 && r == -ETIMEDOUT; i++) {
		ssize_t n = recv(m->query_fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -errno;
			usleep(1000);
			continue;
		}
		r = wv_netmon_parse_route_reply(buf, (size_t)n, m->seq, oif);
		if (r == -ENOENT)
			r = -ETIMEDOUT;
	}
	return r;
}

/* NULL when the path is fine, else why it is not. */
static const char *path_problem(struct wv_netmon *m, char *buf, size_t len)
{
	unsigned tun = if_nametoindex(m->tun);
	int oif = 0, r = route_to_gateway(m, &oif);

	if (r == -ENETUNREACH || r == -EHOSTUNREACH) {
		snprintf(buf, len, _("the network to the gateway %s went away (no route to it)"),
			 m->gateway_str);
		return buf;
	}
	if (r < 0) {
		wv_dbg(m->log, "NET", "route lookup for %s: %s", m->gateway_str, strerror(-r));
		return NULL;   /* we could not look: say nothing */
	}
	if (tun && (unsigned)oif == tun) {
		snprintf(buf, len, _("the network to the gateway %s went away (its route now "
				     "leads into the tunnel itself)"), m->gateway_str);
		return buf;
	}
	return NULL;
}

static void on_timer(void *arg)
{
	struct wv_netmon *m = arg;
	char why[200];
	const char *p = path_problem(m, why, sizeof(why));

	if (!p) {
		if (m->suspect)
			wv_dbg(m->log, "NET", "the route to %s is back", m->gateway_str);
		m->suspect = false;
		return;
	}
	if (!m->suspect) {
		wv_dbg(m->log, "NET", "%s; looking again in %d ms", p, CONFIRM_MS);
		m->suspect = true;
		wv_timer_arm(m->loop, &m->timer, CONFIRM_MS);
		return;
	}
	m->suspect = false;
	m->gone(m->arg, p);
}

static void on_events(void *arg, uint32_t events)
{
	struct wv_netmon *m = arg;
	uint8_t buf[8192];
	bool any = false;
	int i;

	(void)events;
	/* The content does not matter, only that something changed; an
	 * overrun (ENOBUFS) means many changes. */
	for (i = 0; i < 64; i++) {
		ssize_t n = recv(m->events_fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS) {
			any = true;
			continue;
		}
		if (n <= 0)
			break;
		any = true;
	}
	if (any && !m->suspect)
		wv_timer_arm(m->loop, &m->timer, SETTLE_MS);
}

static int nl_socket(uint32_t groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct wv_netmon *wv_netmon_new(struct wv_loop *loop, const struct wv_log *log,
				struct in_addr gateway, const char *tun_ifname,
				wv_netmon_gone_fn gone, void *arg)
{
	struct wv_netmon *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->loop = loop;
	m->log = log;
	m->gateway = gateway;
	inet_ntop(AF_INET, &gateway, m->gateway_str, sizeof(m->gateway_str));
	snprintf(m->tun, sizeof(m->tun), "%s", tun_ifname);
	m->gone = gone;
	m->arg = arg;
	m->query_fd = -1;
	wv_timer_init(&m->timer, on_timer, m);
	m->events_fd = nl_socket(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE);
	if (m->events_fd < 0)
		goto fail;
	m->query_fd = nl_socket(0);
	if (m->query_fd < 0 || wv_loop_add_fd(loop, m->events_fd, EPOLLIN, on_events, m) < 0)
		goto fail;
	return m;
fail:
	{
		int e = errno;
		if (m->events_fd >= 0)
			close(m->events_fd);
		if (m->query_fd >= 0)
			close(m->query_fd);
		free(m);
		errno = e;
	}
	return NULL;
}

void wv_netmon_free(struct wv_netmon *m)
{
	if (!m)
		return;
	wv_timer_cancel(m->loop, &m->timer);
	wv_loop_del_fd(m->loop, m->events_fd);
	close(m->events_fd);
	close(m->query_fd);
	free(m);
}
