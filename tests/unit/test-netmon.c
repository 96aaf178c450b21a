/* test-netmon.c -- the rtnetlink answer parser of the network monitor, on
 * hand-built kernel answers (a route, an error, an unreachable route, junk),
 * and the kernel's real answer for a loopback address. */
#include "wv.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "log.h"
#include "loop.h"
#include "netmon.h"

struct msg {
	uint8_t b[256] __attribute__((aligned(4)));
	size_t len;
};

static void put_route(struct msg *m, uint32_t seq, unsigned char type, int oif, bool with_oif)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(void *)(m->b + m->len);
	struct rtmsg *rt = NLMSG_DATA(nh);
	struct rtattr *a;

	memset(nh, 0, NLMSG_SPACE(sizeof(*rt)) + 2 * RTA_SPACE(4));
	nh->nlmsg_type = RTM_NEWROUTE;
	nh->nlmsg_seq = seq;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_type = type;
	a = (struct rtattr *)(void *)((uint8_t *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	a->rta_type = RTA_TABLE;
	a->rta_len = RTA_LENGTH(4);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(4);
	if (with_oif) {
		a = (struct rtattr *)(void *)((uint8_t *)nh + nh->nlmsg_len);
		a->rta_type = RTA_OIF;
		a->rta_len = RTA_LENGTH(sizeof(int));
		memcpy(RTA_DATA(a), &oif, sizeof(int));
		nh->nlmsg_len += RTA_SPACE(sizeof(int));
	}
	m->len += NLMSG_ALIGN(nh->nlmsg_len);
}

static void put_error(struct msg *m, uint32_t seq, int error)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(void *)(m->b + m->len);
	struct nlmsgerr *e = NLMSG_DATA(nh);

	memset(nh, 0, NLMSG_SPACE(sizeof(*e)));
	nh->nlmsg_type = NLMSG_ERROR;
	nh->nlmsg_seq = seq;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	e->error = error;
	m->len += NLMSG_ALIGN(nh->nlmsg_len);
}

static void test_parse(void)
{
	struct msg m = { .len = 0 };
	int oif = -1;
	size_t cut;

	put_route(&m, 7, RTN_UNICAST, 42, true);
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 7, &oif) == 0 && oif == 42);
	/* another request's answer is not ours */
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 8, &oif) == -ENOENT);

	m.len = 0;
	put_error(&m, 9, -ENETUNREACH);
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 9, &oif) == -ENETUNREACH);
	m.len = 0;
	put_error(&m, 9, 0);   /* an ACK is no answer */
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 9, &oif) == -ENOENT);

	/* "ip route add unreachable ...": a route without an interface */
	m.len = 0;
	put_route(&m, 3, RTN_UNREACHABLE, 0, false);
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 3, &oif) == -ENETUNREACH);
	m.len = 0;
	put_route(&m, 3, RTN_UNICAST, 0, false);
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 3, &oif) == -EBADMSG);

	/* a stale answer first, then ours, in one datagram */
	m.len = 0;
	put_route(&m, 2, RTN_UNICAST, 5, true);
	put_route(&m, 4, RTN_UNICAST, 6, true);
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 4, &oif) == 0 && oif == 6);

	/* every truncation is rejected or ignored, never read past */
	m.len = 0;
	put_route(&m, 1, RTN_UNICAST, 11, true);
	for (cut = 0; cut < m.len; cut++) {
		int r = wv_netmon_parse_route_reply(m.b, cut, 1, &oif);
		CHECK(r == -EBADMSG || r == -ENOENT);
	}
	/* a last attribute not padded to the alignment (found by fuzz-netmon:
	 * the step past it used to wrap around the remaining length) */
	{
		static const uint8_t unpadded[] = {
			0x23, 0, 0, 0, 0x18, 0, 0, 0, 1, 0, 0, 0, 0x5d, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x2a, 0x2a,
			7, 0, 0, 0, 0x2a, 1, 0, 0, 2,
		};
		uint8_t *copy = malloc(sizeof(unpadded));

		memcpy(copy, unpadded, sizeof(unpadded));
		CHECK(wv_netmon_parse_route_reply(copy, sizeof(unpadded), 1, &oif) < 0);
		free(copy);
	}
	/* an attribute claiming more than the message holds */
	((struct rtattr *)(void *)(m.b + NLMSG_LENGTH(sizeof(struct rtmsg))))->rta_len = 200;
	CHECK(wv_netmon_parse_route_reply(m.b, m.len, 1, &oif) == -EBADMSG);
}

static void null_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	(void)arg, (void)lvl, (void)subsys, (void)msg;
}

static void never_gone(void *arg, const char *why)
{
	(void)why;
	++*(int *)arg;
}

/* The monitor opens its sockets, and stays quiet while the path is fine. */
static void test_live(void)
{
	struct wv_log log = { .fn = null_log, .level = WV_LOG_DEBUG };
	struct wv_loop *loop = wv_loop_new();
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };
	struct wv_netmon *m;
	int gone = 0;

	CHECK(loop != NULL);
	if (!loop)
		return;
	m = wv_netmon_new(loop, &log, lo, "winvpn-none", never_gone, &gone);
	CHECK(m != NULL);
	wv_loop_dispatch(loop, 300);
	wv_loop_dispatch(loop, 0);
	CHECK(gone == 0);
	wv_netmon_free(m);
	wv_loop_free(loop);
}

int main(void)
{
	test_parse();
	test_live();
	return check_done("test-netmon");
}
