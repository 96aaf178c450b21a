/* test-pptp-link.c -- the whole PPTP link (pptp_link_ops) over loopback: a
 * scripted gateway on 127.0.0.2 answers the control connection on TCP and
 * exchanges enhanced-GRE packets with us through its own raw socket.
 *
 * Needs CAP_NET_RAW for the raw GRE sockets; skips (77) without it, after
 * checking what a user without it is told.  Only loopback is used; the key
 * check keeps us apart from other GRE users there. */
#include "wv.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "pptp/pptp-int.h"

#define PAC_CALL 0x4242
#define GW_ADDR  "127.0.0.2"

struct env {
	struct wv_loop *loop;
	uint64_t now;
	struct wv_log log;
	struct pptp *pp;
	/* the gateway */
	int lfd, cfd, gfd;
	uint16_t port;
	uint8_t in[4096];
	size_t in_len;
	uint16_t client_call;             /* from its OCRQ */
	unsigned n_ctrl;
	uint16_t ctrl_got[16];
	/* GRE the gateway received (with our key on it) */
	struct gre_hdr gh;
	uint8_t gpay[256];
	size_t gpay_len;
	unsigned n_gre;
	/* what the link reported */
	int ups, downs, n_recv;
	enum wv_fail why;
	char msg[256];
	uint8_t rx[256];
	size_t rx_len;
};

static uint64_t fake_now(void *arg)
{
	return ((struct env *)arg)->now;
}

static void log_fn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	if (getenv("V"))
		fprintf(stderr, "  [%d %s] %s\n", lvl, subsys, msg);
}

static void on_up(void *arg)
{
	((struct env *)arg)->ups++;
}

static void on_recv(void *arg, struct pkt *p)
{
	struct env *e = arg;

	e->n_recv++;
	e->rx_len = MIN(p->len, sizeof(e->rx));
	memcpy(e->rx, p->data, e->rx_len);
	pkt_free(p);
}

static void on_down(void *arg, enum wv_fail why, const char *msg)
{
	struct env *e = arg;

	e->downs++;
	e->why = why;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

static const struct wv_link_events link_ev = { .up = on_up, .recv = on_recv, .down = on_down };

/* ---- the gateway: control connection ---------------------------------------- */

static void gw_send(struct env *e, const struct pptp_msg *m)
{
	uint8_t buf[PPTP_MSG_MAX];
	size_t n = pptp_msg_build(m, buf, sizeof(buf));

	if (write(e->cfd, buf, n) != (ssize_t)n)
		perror("gateway write");
}

static void gw_ctrl(struct env *e, const struct pptp_msg *m)
{
	struct pptp_msg r = { 0 };

	if (e->n_ctrl < ARRAY_SIZE(e->ctrl_got))
		e->ctrl_got[e->n_ctrl++] = m->type;
	switch (m->type) {
	case PPTP_SCCRQ:
		r.type = PPTP_SCCRP;
		r.version = 0x0100;
		r.result = 1;
		snprintf(r.host, sizeof(r.host), "local");
		snprintf(r.vendor, sizeof(r.vendor), "linux");
		break;
	case PPTP_OCRQ:
		e->client_call = m->call_id;
		r.type = PPTP_OCRP;
		r.call_id = PAC_CALL;
		r.peer_call_id = m->call_id;
		r.result = 1;
		break;
	case PPTP_CCR:
		r.type = PPTP_CDN;
		r.call_id = PAC_CALL;
		r.result = 4;
		break;
	case PPTP_STOPCCRQ:
		r.type = PPTP_STOPCCRP;
		r.result = 1;
		break;
	default:
		return;
	}
	gw_send(e, &r);
}

/* ---- the gateway: GRE ---------------------------------------------------------- */

static void gw_gre_send(struct env *e, uint16_t key, bool s, uint32_t seq, bool a, uint32_t ack,
			const uint8_t *payload, size_t len)
{
	struct gre_hdr h = { .payload_len = (uint16_t)len, .call_id = key, .has_seq = s,
			     .seq = seq, .has_ack = a, .ack = ack };
	uint8_t buf[256];
	size_t hl = gre_hdr_len(&h);

	gre_hdr_write(buf, &h);
	memcpy(buf + hl, payload, len);
	if (send(e->gfd, buf, hl + len, 0) < 0)
		perror("gateway GRE send");
}

static void gw_gre_read(struct env *e)
{
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recv(e->gfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		size_t plen;
		int ihl = gre_ip_strip(buf, (size_t)n, &plen), hl;
		struct gre_hdr h;

		if (ihl < 0)
			continue;
		hl = gre_hdr_parse(buf + ihl, plen, &h);
		if (hl < 0 || h.call_id != PAC_CALL)
			continue;
		e->gh = h;
		e->gpay_len = MIN((size_t)h.payload_len, sizeof(e->gpay));
		memcpy(e->gpay, buf + ihl + hl, e->gpay_len);
		e->n_gre++;
	}
}

static void turn(struct env *e)
{
	ssize_t n;
	size_t off = 0, mlen;

	if (e->cfd < 0) {
		e->cfd = accept4(e->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	} else {
		n = read(e->cfd, e->in + e->in_len, sizeof(e->in) - e->in_len);
		if (n > 0)
			e->in_len += (size_t)n;
		while (pptp_msg_frame(e->in + off, e->in_len - off, &mlen) == 1) {
			struct pptp_msg m;

			if (pptp_msg_parse(e->in + off, mlen, &m) == 0)
				gw_ctrl(e, &m);
			off += mlen;
		}
		memmove(e->in, e->in + off, e->in_len - off);
		e->in_len -= off;
	}
	gw_gre_read(e);
	wv_loop_dispatch(e->loop, 2);
}

#define RUN_UNTIL(e, cond) do { \
	int run_i_; \
	for (run_i_ = 0; run_i_ < 1000 && !(cond); run_i_++) \
		turn(e); \
} while (0)

static void settle(struct env *e)
{
	int i;

	for (i = 0; i < 20; i++)
		turn(e);
}

static int gw_init(struct env *e)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	inet_pton(AF_INET, GW_ADDR, &sin.sin_addr);
	e->cfd = -1;
	e->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->lfd < 0 || bind(e->lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(e->lfd, 2) < 0 || getsockname(e->lfd, (struct sockaddr *)&sin, &sl) < 0)
		return -errno;
	e->port = ntohs(sin.sin_port);
	/* The gateway's GRE socket: from 127.0.0.2 to us at 127.0.0.1. */
	e->gfd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
	if (e->gfd < 0)
		return -errno;
	sin.sin_port = 0;
	if (bind(e->gfd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(e->gfd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

static struct pkt *frame(const char *bytes, size_t len)
{
	return pkt_from((const uint8_t *)bytes, len);
}

static void test_link(void)
{
	struct env e;
	struct pptp_config cfg = { .port = 0, .hostname = "linktest", .connect_timeout_ms = 5000 };
	static const char lcp_req[] = "\xff\x03\xc0\x21\x01\x01\x00\x04";
	static const char lcp_ack[] = "\xff\x03\xc0\x21\x02\x01\x00\x04";
	unsigned before;

	memset(&e, 0, sizeof(e));
	e.now = 1000;
	e.loop = wv_loop_new();
	wv_loop_set_clock(e.loop, fake_now, &e);
	e.log.fn = log_fn;
	e.log.level = WV_LOG_TRACE;
	if (gw_init(&e) < 0) {
		perror("gateway setup");
		exit(99);
	}
	inet_pton(AF_INET, GW_ADDR, &cfg.gateway);
	cfg.port = e.port;
	e.pp = pptp_new(e.loop, &e.log, &cfg, &link_ev, &e);
	CHECK(e.pp != NULL);
	CHECK_STR(pptp_link_ops.name, "pptp");

	/* sending before the call is up fails cleanly */
	CHECK(pptp_link_ops.send(e.pp, frame(lcp_req, 8)) == -ENOTCONN);

	CHECK(pptp_link_ops.start(e.pp) == 0);
	RUN_UNTIL(&e, e.ups || e.downs);
	CHECK(e.ups == 1 && e.downs == 0);
	CHECK(e.client_call != 0);

	/* our first frame: key = the gateway's call id, S with 0, no ack yet */
	CHECK(pptp_link_ops.send(e.pp, frame(lcp_req, 8)) == 0);
	RUN_UNTIL(&e, e.n_gre >= 1);
	CHECK(e.n_gre == 1);
	CHECK(e.gh.call_id == PAC_CALL && e.gh.has_seq && e.gh.seq == 0 && !e.gh.has_ack);
	CHECK(e.gpay_len == 8);
	CHECK_MEM(e.gpay, lcp_req, 8);

	/* the gateway's frame reaches recv() from the PPP address field on */
	gw_gre_send(&e, e.client_call, true, 0, true, 0, (const uint8_t *)lcp_ack, 8);
	RUN_UNTIL(&e, e.n_recv >= 1);
	CHECK(e.n_recv == 1 && e.rx_len == 8);
	CHECK_MEM(e.rx, lcp_ack, 8);

	/* a duplicate and another call's packet are dropped; a jump ahead is fine */
	gw_gre_send(&e, e.client_call, true, 0, false, 0, (const uint8_t *)"dup", 3);
	gw_gre_send(&e, (uint16_t)(e.client_call + 1), true, 1, false, 0,
		    (const uint8_t *)"other", 5);
	gw_gre_send(&e, e.client_call, true, 5, false, 0, (const uint8_t *)"\x80\x21\x01", 3);
	RUN_UNTIL(&e, e.n_recv >= 2);
	settle(&e);
	CHECK(e.n_recv == 2 && e.rx_len == 3);

	/* nothing to send for 0.5 s: the ack goes alone (S clear) */
	before = e.n_gre;
	e.now += GRE_ACK_DELAY_MS - 1;
	settle(&e);
	CHECK(e.n_gre == before);
	e.now += 1;
	RUN_UNTIL(&e, e.n_gre > before);
	CHECK(e.n_gre == before + 1);
	CHECK(!e.gh.has_seq && e.gh.has_ack && e.gh.ack == 5 && e.gh.payload_len == 0);

	/* the next data packet has nothing left to ack */
	CHECK(pptp_link_ops.send(e.pp, frame("\xc0\x21\x09\x02\x00\x08\x00\x00\x00\x00", 10)) == 0);
	RUN_UNTIL(&e, e.n_gre > before + 1);
	CHECK(e.gh.has_seq && e.gh.seq == 1 && !e.gh.has_ack && e.gh.payload_len == 10);

	/* data after a receipt carries the ack */
	gw_gre_send(&e, e.client_call, true, 6, false, 0, (const uint8_t *)"\x80\x21\x02", 3);
	RUN_UNTIL(&e, e.n_recv >= 3);
	CHECK(pptp_link_ops.send(e.pp, frame("\x80\x21\x03", 3)) == 0);
	RUN_UNTIL(&e, e.n_gre > before + 2);
	CHECK(e.gh.has_seq && e.gh.seq == 2 && e.gh.has_ack && e.gh.ack == 6);

	/* orderly stop */
	pptp_link_ops.stop(e.pp);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_OK);
	CHECK_STR(e.msg, "disconnected");
	CHECK(e.n_ctrl == 4 && e.ctrl_got[2] == PPTP_CCR && e.ctrl_got[3] == PPTP_STOPCCRQ);
	/* the GRE socket is closed with the call */
	CHECK(pptp_link_ops.send(e.pp, frame("\x80\x21\x04", 3)) == -ENOTCONN);
	gw_gre_send(&e, e.client_call, true, 7, false, 0, (const uint8_t *)"\x80\x21\x05", 3);
	settle(&e);
	CHECK(e.n_recv == 3);

	pptp_link_ops.free(e.pp);
	pptp_link_ops.free(NULL);
	close(e.gfd);
	close(e.lfd);
	if (e.cfd >= 0)
		close(e.cfd);
	wv_loop_free(e.loop);
}

/* Without CAP_NET_RAW, start() succeeds and down() names the fix. */
static void check_no_raw_socket(void)
{
	struct env e;
	struct pptp_config cfg = { .port = 1723, .hostname = "x", .connect_timeout_ms = 1000 };

	memset(&e, 0, sizeof(e));
	e.loop = wv_loop_new();
	e.cfd = e.lfd = e.gfd = -1;
	inet_pton(AF_INET, GW_ADDR, &cfg.gateway);
	e.pp = pptp_new(e.loop, &e.log, &cfg, &link_ev, &e);
	CHECK(pptp_link_ops.start(e.pp) == 0);
	CHECK(e.downs == 0);
	wv_loop_dispatch(e.loop, 100);
	CHECK(e.downs == 1 && e.why == WV_FAIL_LOCAL);
	CHECK_STR(e.msg, "cannot open a raw GRE socket for PPTP's data: Operation not permitted "
		  "(winvpn needs root or CAP_NET_RAW)");
	pptp_link_ops.stop(e.pp);          /* after down(): nothing happens */
	wv_loop_dispatch(e.loop, 0);
	CHECK(e.downs == 1);
	pptp_link_ops.free(e.pp);
	wv_loop_free(e.loop);
}

/* Runs check_no_raw_socket() in a child that has given up CAP_NET_RAW. */
static void test_no_raw_socket(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2];
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (syscall(SYS_capget, &hdr, caps) == 0) {
			caps[CAP_NET_RAW / 32].effective &= ~(1u << (CAP_NET_RAW % 32));
			syscall(SYS_capset, &hdr, caps);
		}
		check_no_raw_socket();
		pkt_pool_drain();
		_exit(check_failed ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	int fd;

	test_no_raw_socket();
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_GRE);
	if (fd < 0) {
		printf("test-pptp-link: raw GRE socket exchange skipped: %s (needs CAP_NET_RAW)\n",
		       strerror(errno));
		return check_failed ? 1 : 77;
	}
	close(fd);
	test_link();
	pkt_pool_drain();
	return check_done("test-pptp-link");
}
