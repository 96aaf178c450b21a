/* test-pptp-ctrl.c -- exchange tests of the PPTP control connection: our
 * client over real loopback TCP against a scripted PAC (gateway) in the same
 * process, both driven by one wv_loop on a fake clock.
 *
 * Covered: call set-up (also with replies split into single octets and
 * coalesced into one segment), refusals by SCCRP and OCRP result codes, echo
 * both ways and the echo time-out, hang-ups by the gateway (CDN, StopCCRQ,
 * EOF), the orderly stop with and without answers, connection refused,
 * reply time-out, a broken stream, unknown messages, and freeing from inside
 * the callbacks.  Set V=1 to see the client's log. */
#include "wv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "pptp/pptp-int.h"

#define OUR_CALL 0x1234
#define PAC_CALL 0x4242

struct pac {
	int lfd, fd;
	uint16_t port;
	uint8_t in[8192];
	size_t in_len;
	uint8_t out[8192];
	size_t out_len;
	unsigned split;                   /* write at most this much per loop turn (0: all) */
	struct pptp_msg got[64];
	unsigned n_got;
	/* the script */
	uint8_t sccrp_result, sccrp_error, ocrp_result, ocrp_error;
	bool silent_sccrq, silent_ocrq, silent_echo, silent_ccr, silent_stop;
	bool close_on_stop;               /* hang up instead of a StopCCRP */
	bool coalesce;                    /* SCCRP + OCRP + SLI + Echo-Request in one go */
};

struct env {
	struct wv_loop *loop;
	uint64_t now;
	struct wv_log log;
	struct pac pac;
	struct pptp_ctrl *c;
	struct pptp_config cfg;
	/* what the client reported */
	int established, downs;
	uint16_t call_id, peer_call_id;
	enum wv_fail why;
	char msg[256];
	bool free_on_down, free_on_established, stop_on_established;
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

/* ---- the scripted PAC --------------------------------------------------- */

static void pac_queue(struct pac *p, const struct pptp_msg *m)
{
	p->out_len += pptp_msg_build(m, p->out + p->out_len, sizeof(p->out) - p->out_len);
}

static void pac_queue_raw(struct pac *p, const uint8_t *buf, size_t len)
{
	memcpy(p->out + p->out_len, buf, len);
	p->out_len += len;
}

/* Writes (part of) what is queued: one chunk per loop turn, so that the
 * client's reads see the split. */
static void pac_pump(struct pac *p)
{
	size_t n = p->out_len;
	ssize_t w;

	if (p->fd < 0 || !n)
		return;
	if (p->split && n > p->split)
		n = p->split;
	w = write(p->fd, p->out, n);
	if (w > 0) {
		memmove(p->out, p->out + w, p->out_len - (size_t)w);
		p->out_len -= (size_t)w;
	}
}

static void pac_ocrp(struct pac *p, uint16_t peer_call)
{
	struct pptp_msg r = { .type = PPTP_OCRP, .call_id = PAC_CALL, .peer_call_id = peer_call,
			      .result = p->ocrp_result, .error = p->ocrp_error,
			      .speed = 100000000, .window = 0 };
	pac_queue(p, &r);
}

static void pac_handle(struct pac *p, const struct pptp_msg *m)
{
	struct pptp_msg r = { 0 };

	if (p->n_got < ARRAY_SIZE(p->got))
		p->got[p->n_got++] = *m;
	switch (m->type) {
	case PPTP_SCCRQ:
		if (p->silent_sccrq)
			break;
		r.type = PPTP_SCCRP;
		r.version = 0x0100;
		r.result = p->sccrp_result;
		r.error = p->sccrp_error;
		r.max_channels = 1;
		r.firmware = 1;
		snprintf(r.host, sizeof(r.host), "local");
		snprintf(r.vendor, sizeof(r.vendor), "linux");
		pac_queue(p, &r);
		if (p->coalesce) {
			struct pptp_msg sli = { .type = PPTP_SLI, .peer_call_id = OUR_CALL,
						.send_accm = 0xffffffff, .recv_accm = 0xffffffff };
			struct pptp_msg echo = { .type = PPTP_ECHORQ, .ident = 0x5151 };

			pac_ocrp(p, OUR_CALL);
			pac_queue(p, &sli);
			pac_queue(p, &echo);
		}
		break;
	case PPTP_OCRQ:
		if (!p->silent_ocrq && !p->coalesce)
			pac_ocrp(p, m->call_id);
		break;
	case PPTP_ECHORQ:
		if (p->silent_echo)
			break;
		r.type = PPTP_ECHORP;
		r.ident = m->ident;
		r.result = 1;
		pac_queue(p, &r);
		break;
	case PPTP_CCR:
		if (p->silent_ccr)
			break;
		r.type = PPTP_CDN;
		r.call_id = PAC_CALL;
		r.result = 4;
		pac_queue(p, &r);
		break;
	case PPTP_STOPCCRQ:
		if (p->close_on_stop) {
			close(p->fd);
			p->fd = -1;
			break;
		}
		if (p->silent_stop)
			break;
		r.type = PPTP_STOPCCRP;
		r.result = 1;
		pac_queue(p, &r);
		break;
	default:
		break;
	}
}

static void pac_read(struct pac *p)
{
	ssize_t n;
	size_t off = 0, mlen;

	if (p->fd < 0)
		return;
	n = read(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len);
	if (n <= 0)
		return;
	p->in_len += (size_t)n;
	while (p->fd >= 0 && pptp_msg_frame(p->in + off, p->in_len - off, &mlen) == 1) {
		struct pptp_msg m;

		if (pptp_msg_parse(p->in + off, mlen, &m) == 0)
			pac_handle(p, &m);
		off += mlen;
	}
	memmove(p->in, p->in + off, p->in_len - off);
	p->in_len -= off;
}

static bool pac_got(const struct pac *p, uint16_t type)
{
	unsigned i;

	for (i = 0; i < p->n_got; i++)
		if (p->got[i].type == type)
			return true;
	return false;
}

static const struct pptp_msg *pac_last(const struct pac *p, uint16_t type)
{
	unsigned i;

	for (i = p->n_got; i-- > 0;)
		if (p->got[i].type == type)
			return &p->got[i];
	return NULL;
}

static void pac_close(struct pac *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->lfd >= 0)
		close(p->lfd);
	p->fd = p->lfd = -1;
}

/* ---- client events -------------------------------------------------------- */

static void on_established(void *arg, uint16_t call_id, uint16_t peer_call_id)
{
	struct env *e = arg;

	e->established++;
	e->call_id = call_id;
	e->peer_call_id = peer_call_id;
	if (e->stop_on_established)
		pptp_ctrl_stop(e->c);
	if (e->free_on_established) {
		pptp_ctrl_free(e->c);
		e->c = NULL;
	}
}

static void on_down(void *arg, enum wv_fail why, const char *msg)
{
	struct env *e = arg;

	e->downs++;
	e->why = why;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	if (e->free_on_down) {
		pptp_ctrl_free(e->c);
		e->c = NULL;
	}
}

static const struct pptp_ctrl_events ctrl_ev = {
	.established = on_established,
	.down = on_down,
};

/* ---- the harness ------------------------------------------------------------- */

static void env_init(struct env *e)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	memset(e, 0, sizeof(*e));
	e->now = 1000000;
	e->loop = wv_loop_new();
	wv_loop_set_clock(e->loop, fake_now, e);
	e->log.fn = log_fn;
	e->log.level = WV_LOG_TRACE;   /* run every log line, hex dumps included */
	e->pac.fd = -1;
	e->pac.sccrp_result = 1;
	e->pac.ocrp_result = 1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->pac.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->pac.lfd < 0 || bind(e->pac.lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(e->pac.lfd, 4) < 0 ||
	    getsockname(e->pac.lfd, (struct sockaddr *)&sin, &sl) < 0) {
		perror("listen");
		exit(99);
	}
	e->pac.port = ntohs(sin.sin_port);
	e->cfg.gateway.s_addr = htonl(INADDR_LOOPBACK);
	e->cfg.port = e->pac.port;
	e->cfg.hostname = "testhost";
	e->cfg.connect_timeout_ms = 10000;
	e->c = pptp_ctrl_new(e->loop, &e->log, &e->cfg, &ctrl_ev, e);
	pptp_ctrl_set_call_id(e->c, OUR_CALL);
}

static void env_done(struct env *e)
{
	pptp_ctrl_free(e->c);
	pac_close(&e->pac);
	wv_loop_free(e->loop);
}

/* One loop turn: the PAC accepts, reads and writes one chunk; then the
 * client's loop runs (fd events and due timers). */
static void turn(struct env *e)
{
	if (e->pac.fd < 0 && e->pac.lfd >= 0) {
		int fd = accept4(e->pac.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			e->pac.fd = fd;
	}
	pac_read(&e->pac);
	pac_pump(&e->pac);
	wv_loop_dispatch(e->loop, 2);
}

#define RUN_UNTIL(e, cond) do { \
	int run_i_; \
	for (run_i_ = 0; run_i_ < 2000 && !(cond); run_i_++) \
		turn(e); \
} while (0)

/* Several turns with nothing expected to happen. */
static void settle(struct env *e)
{
	int i;

	for (i = 0; i < 20; i++)
		turn(e);
}

static void advance(struct env *e, uint64_t ms)
{
	e->now += ms;
	settle(e);
}

static void start(struct env *e)
{
	CHECK(pptp_ctrl_start(e->c) == 0);
	CHECK(e->downs == 0);          /* never from inside start() */
}

static void bring_up(struct env *e)
{
	start(e);
	RUN_UNTIL(e, e->established || e->downs);
	CHECK(e->established == 1);
	CHECK(e->downs == 0);
}

/* ---- the cases -------------------------------------------------------------------- */

static void test_call_setup_and_stop(unsigned split)
{
	struct env e;
	const struct pptp_msg *q;

	env_init(&e);
	e.pac.split = split;
	bring_up(&e);
	CHECK(e.call_id == OUR_CALL && e.peer_call_id == PAC_CALL);
	CHECK(pptp_ctrl_get_state(e.c) == PPTP_C_ESTABLISHED);
	/* The SCCRQ as Windows sends it ([MS-PTPT] §4) */
	CHECK(e.pac.n_got >= 2 && e.pac.got[0].type == PPTP_SCCRQ);
	q = &e.pac.got[0];
	CHECK(q->version == 0x0100 && q->framing == 1 && q->bearer == 1);
	CHECK(q->max_channels == 0);
	CHECK_STR(q->host, "testhost");
	CHECK_STR(q->vendor, "winvpn");
	/* the OCRQ */
	CHECK(e.pac.got[1].type == PPTP_OCRQ);
	q = &e.pac.got[1];
	CHECK(q->call_id == OUR_CALL && q->min_bps == 300 && q->max_bps == 100000000);
	CHECK(q->bearer == 3 && q->framing == 3 && q->window == 64 && q->delay == 0);

	/* orderly stop: Call-Clear-Request, then Stop-Control-Connection-Request */
	pptp_ctrl_stop(e.c);
	CHECK(e.downs == 0);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1);
	CHECK(e.why == WV_OK);
	CHECK_STR(e.msg, "disconnected");
	CHECK(e.pac.n_got == 4);
	CHECK(e.pac.got[2].type == PPTP_CCR && e.pac.got[2].call_id == OUR_CALL);
	CHECK(e.pac.got[3].type == PPTP_STOPCCRQ && e.pac.got[3].reason == 1);
	CHECK(pptp_ctrl_get_state(e.c) == PPTP_C_CLOSED);
	/* later stops and frees are harmless */
	pptp_ctrl_stop(e.c);
	settle(&e);
	CHECK(e.downs == 1);
	env_done(&e);
}

static void test_coalesced(void)
{
	struct env e;
	const struct pptp_msg *r;

	env_init(&e);
	e.pac.coalesce = true;
	bring_up(&e);
	RUN_UNTIL(&e, pac_got(&e.pac, PPTP_ECHORP));
	/* SCCRP, OCRP, SLI and an Echo-Request arrived in one segment */
	r = pac_last(&e.pac, PPTP_ECHORP);
	CHECK(r && r->ident == 0x5151 && r->result == 1);
	CHECK(pac_got(&e.pac, PPTP_OCRQ));
	CHECK(e.downs == 0);
	env_done(&e);
}

static void test_sccrp_refused(uint8_t result, uint8_t error, const char *want)
{
	struct env e;

	env_init(&e);
	e.pac.sccrp_result = result;
	e.pac.sccrp_error = error;
	start(&e);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.established == 0 && e.downs == 1);
	CHECK(e.why == WV_FAIL_PROTOCOL);
	CHECK_STR(e.msg, want);
	CHECK(!pac_got(&e.pac, PPTP_OCRQ));
	env_done(&e);
}

static void test_ocrp_refused(uint8_t result, const char *want)
{
	struct env e;

	env_init(&e);
	e.pac.ocrp_result = result;
	start(&e);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.established == 0 && e.downs == 1);
	CHECK(e.why == WV_FAIL_PROTOCOL);
	CHECK_STR(e.msg, want);
	env_done(&e);
}

static void test_gateway_echo(void)
{
	struct env e;
	struct pptp_msg m = { .type = PPTP_ECHORQ, .ident = 0xdeadbeef };
	const struct pptp_msg *r;

	env_init(&e);
	bring_up(&e);
	pac_queue(&e.pac, &m);
	RUN_UNTIL(&e, pac_got(&e.pac, PPTP_ECHORP));
	r = pac_last(&e.pac, PPTP_ECHORP);
	CHECK(r && r->ident == 0xdeadbeef && r->result == 1);
	CHECK(e.downs == 0);
	env_done(&e);
}

static void test_echo_timeout(void)
{
	struct env e;

	env_init(&e);
	e.pac.silent_echo = true;
	bring_up(&e);
	advance(&e, PPTP_ECHO_IDLE_MS - 1);
	CHECK(!pac_got(&e.pac, PPTP_ECHORQ));
	advance(&e, 1);
	CHECK(pac_got(&e.pac, PPTP_ECHORQ));
	advance(&e, PPTP_ECHO_TIMEOUT_MS - 1);
	CHECK(e.downs == 0);
	advance(&e, 1);
	CHECK(e.downs == 1);
	CHECK(e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the gateway stopped answering PPTP echo requests (no reply in 60 s)");
	env_done(&e);
}

static void test_echo_answered(void)
{
	struct env e;
	unsigned i, echoes = 0;

	env_init(&e);
	bring_up(&e);
	for (i = 0; i < 4; i++)
		advance(&e, PPTP_ECHO_IDLE_MS);
	for (i = 0; i < e.pac.n_got; i++)
		echoes += e.pac.got[i].type == PPTP_ECHORQ;
	CHECK(echoes == 4);
	CHECK(e.downs == 0);
	CHECK(pptp_ctrl_get_state(e.c) == PPTP_C_ESTABLISHED);
	env_done(&e);
}

static void test_cdn(void)
{
	struct env e;
	struct pptp_msg other = { .type = PPTP_CDN, .call_id = PAC_CALL + 1, .result = 3 };
	struct pptp_msg cdn = { .type = PPTP_CDN, .call_id = PAC_CALL, .result = 1 };

	env_init(&e);
	bring_up(&e);
	pac_queue(&e.pac, &other);      /* another call: ignored */
	settle(&e);
	CHECK(e.downs == 0);
	pac_queue(&e.pac, &cdn);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the gateway disconnected the call: lost carrier");
	settle(&e);
	CHECK(pac_got(&e.pac, PPTP_STOPCCRQ));
	env_done(&e);
}

static void test_cdn_error(void)
{
	struct env e;
	struct pptp_msg cdn = { .type = PPTP_CDN, .call_id = PAC_CALL, .result = 2, .error = 4 };

	env_init(&e);
	bring_up(&e);
	pac_queue(&e.pac, &cdn);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.why == WV_FAIL_PROTOCOL);
	CHECK_STR(e.msg,
		  "the gateway disconnected the call: general error (insufficient resources)");
	env_done(&e);
}

static void test_gateway_stop(void)
{
	struct env e;
	struct pptp_msg m = { .type = PPTP_STOPCCRQ, .reason = 3 };

	env_init(&e);
	bring_up(&e);
	pac_queue(&e.pac, &m);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the gateway closed the control connection (it is shutting down)");
	settle(&e);
	CHECK(pac_got(&e.pac, PPTP_STOPCCRP));
	env_done(&e);
}

static void test_stop_unanswered(void)
{
	struct env e;

	env_init(&e);
	e.pac.silent_ccr = true;
	e.pac.silent_stop = true;
	bring_up(&e);
	pptp_ctrl_stop(e.c);
	settle(&e);
	CHECK(pac_got(&e.pac, PPTP_CCR) && !pac_got(&e.pac, PPTP_STOPCCRQ));
	advance(&e, PPTP_TEARDOWN_MS);
	CHECK(pac_got(&e.pac, PPTP_STOPCCRQ));
	CHECK(e.downs == 0);
	advance(&e, PPTP_TEARDOWN_MS);
	CHECK(e.downs == 1 && e.why == WV_OK);
	CHECK_STR(e.msg, "disconnected");
	env_done(&e);
}

static void test_stop_gateway_hangs_up(void)
{
	struct env e;

	env_init(&e);
	e.pac.close_on_stop = true;
	bring_up(&e);
	pptp_ctrl_stop(e.c);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_OK);
	env_done(&e);
}

static void test_eof(void)
{
	struct env e;

	env_init(&e);
	bring_up(&e);
	close(e.pac.fd);
	e.pac.fd = -1;
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the gateway closed the control connection");
	env_done(&e);
}

static void test_refused(void)
{
	struct env e;
	char want[128];

	env_init(&e);
	/* Nobody listens on the port once the PAC's socket is closed. */
	pac_close(&e.pac);
	start(&e);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_UNREACHABLE);
	snprintf(want, sizeof(want),
		 "cannot reach the PPTP gateway 127.0.0.1 on TCP port %u: connection refused",
		 e.pac.port);
	CHECK_STR(e.msg, want);
	env_done(&e);
}

static void test_sccrp_timeout(void)
{
	struct env e;

	env_init(&e);
	e.pac.silent_sccrq = true;
	start(&e);
	RUN_UNTIL(&e, pac_got(&e.pac, PPTP_SCCRQ));
	advance(&e, 9999);
	CHECK(e.downs == 0);
	advance(&e, 1);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the gateway did not answer our Start-Control-Connection-Request "
		  "within 10 s");
	env_done(&e);
}

static void test_bad_stream(void)
{
	struct env e;
	struct pptp_msg m = { .type = PPTP_ECHORQ, .ident = 1 };
	uint8_t buf[16];

	env_init(&e);
	bring_up(&e);
	pptp_msg_build(&m, buf, sizeof(buf));
	buf[5] ^= 0x40;                 /* the magic cookie */
	pac_queue_raw(&e.pac, buf, sizeof(buf));
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL);
	CHECK(strstr(e.msg, "magic cookie") != NULL);
	env_done(&e);
}

static void test_absurd_length(void)
{
	struct env e;
	uint8_t buf[2] = { 0xff, 0xff };

	env_init(&e);
	bring_up(&e);
	pac_queue_raw(&e.pac, buf, sizeof(buf));
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL);
	env_done(&e);
}

static void test_malformed(void)
{
	struct env e;
	struct pptp_msg m = { .type = PPTP_CDN, .call_id = PAC_CALL };
	uint8_t buf[PPTP_MSG_MAX];

	env_init(&e);
	bring_up(&e);
	pptp_msg_build(&m, buf, sizeof(buf));
	store_be16(buf, 20);            /* a Call-Disconnect-Notify needs 148 */
	pac_queue_raw(&e.pac, buf, 20);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL);
	CHECK_STR(e.msg, "the gateway sent a malformed Call-Disconnect-Notify (20 octets)");
	env_done(&e);
}

static void test_unknown_ignored(void)
{
	struct env e;
	struct pptp_msg m = { .type = PPTP_ECHORQ, .ident = 77 }, wen = { .type = PPTP_WEN };
	struct pptp_msg icrq = { .type = PPTP_ICRQ, .call_id = 5 };
	uint8_t buf[PPTP_MSG_MAX];
	size_t n;

	env_init(&e);
	bring_up(&e);
	n = pptp_msg_build(&m, buf, sizeof(buf));
	store_be16(buf + 8, 99);        /* a control message type from the future */
	pac_queue_raw(&e.pac, buf, n);
	pac_queue(&e.pac, &wen);
	pac_queue(&e.pac, &icrq);       /* not for a PNS: ignored */
	pac_queue(&e.pac, &m);
	RUN_UNTIL(&e, pac_got(&e.pac, PPTP_ECHORP));
	CHECK(pac_last(&e.pac, PPTP_ECHORP) && pac_last(&e.pac, PPTP_ECHORP)->ident == 77);
	CHECK(e.downs == 0);
	env_done(&e);
}

static void test_stop_while_connecting(void)
{
	struct env e;

	env_init(&e);
	start(&e);
	pptp_ctrl_stop(e.c);
	CHECK(e.downs == 0);
	settle(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_CANCELLED);
	CHECK(e.established == 0);
	env_done(&e);
}

static void test_stop_waiting_for_ocrp(void)
{
	struct env e;

	env_init(&e);
	e.pac.silent_ocrq = true;
	start(&e);
	RUN_UNTIL(&e, pac_got(&e.pac, PPTP_OCRQ));
	pptp_ctrl_stop(e.c);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.downs == 1 && e.why == WV_FAIL_CANCELLED);
	CHECK(pac_got(&e.pac, PPTP_STOPCCRQ) && !pac_got(&e.pac, PPTP_CCR));
	CHECK(e.established == 0);
	env_done(&e);
}

static void test_free_in_callbacks(void)
{
	struct env e;
	struct pptp_msg m = { .type = PPTP_STOPCCRQ, .reason = 1 };

	/* freed from inside down() while a message is being processed */
	env_init(&e);
	e.free_on_down = true;
	bring_up(&e);
	pac_queue(&e.pac, &m);
	pac_queue(&e.pac, &m);
	RUN_UNTIL(&e, e.downs);
	settle(&e);
	CHECK(e.downs == 1 && e.c == NULL);
	env_done(&e);

	/* freed from inside established(), with more messages behind the OCRP */
	env_init(&e);
	e.pac.coalesce = true;
	e.free_on_established = true;
	start(&e);
	RUN_UNTIL(&e, e.established);
	settle(&e);
	CHECK(e.established == 1 && e.downs == 0 && e.c == NULL);
	env_done(&e);

	/* stopped from inside established() */
	env_init(&e);
	e.stop_on_established = true;
	start(&e);
	RUN_UNTIL(&e, e.downs);
	CHECK(e.established == 1 && e.downs == 1 && e.why == WV_OK);
	env_done(&e);
}

/* The read path and pptp_ctrl_input() (the fuzz entry) see the same stream. */
static void test_input_entry(void)
{
	struct env e;
	struct pptp_msg r = { .type = PPTP_SCCRP, .result = 1 };
	struct pptp_msg o = { .type = PPTP_OCRP, .call_id = 9, .peer_call_id = OUR_CALL,
			      .result = 1 };
	uint8_t buf[2 * PPTP_MSG_MAX];
	size_t n, i;
	int sv[2];

	env_init(&e);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(pptp_ctrl_attach(e.c, sv[0]) == 0);
	CHECK(pptp_ctrl_get_state(e.c) == PPTP_C_WAIT_SCCRP);
	n = pptp_msg_build(&r, buf, sizeof(buf));
	n += pptp_msg_build(&o, buf + n, sizeof(buf) - n);
	for (i = 0; i < n; i++)
		pptp_ctrl_input(e.c, buf + i, 1);
	CHECK(e.established == 1 && e.peer_call_id == 9);
	close(sv[1]);
	env_done(&e);
}

/* Replies queue up while the gateway does not read, and all arrive, in order,
 * once it does (writes are buffered behind EPOLLOUT). */
static void test_write_backpressure(void)
{
	struct env e;
	struct pptp_msg r = { .type = PPTP_SCCRP, .result = 1 };
	struct pptp_msg o = { .type = PPTP_OCRP, .call_id = 9, .peer_call_id = OUR_CALL,
			      .result = 1 };
	uint8_t buf[PPTP_MSG_MAX], in[8192];
	size_t n, in_len = 0, mlen;
	int sv[2], small = 4096, i, j;
	uint32_t want = 0;
	bool ok = true;

	env_init(&e);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	CHECK(pptp_ctrl_attach(e.c, sv[0]) == 0);
	n = pptp_msg_build(&r, buf, sizeof(buf));
	n += pptp_msg_build(&o, buf + n, sizeof(buf) - n);
	CHECK(write(sv[1], buf, n) == (ssize_t)n);
	settle(&e);
	CHECK(e.established == 1);
	/* 2000 Echo-Requests, none of the 40000 octets of replies read yet */
	for (i = 0; i < 2000; i += 50) {
		for (j = 0; j < 50; j++) {
			struct pptp_msg q = { .type = PPTP_ECHORQ, .ident = (uint32_t)(i + j) };
			pptp_msg_build(&q, buf, sizeof(buf));
			CHECK(write(sv[1], buf, 16) == 16);
		}
		wv_loop_dispatch(e.loop, 0);
	}
	settle(&e);
	CHECK(e.downs == 0);
	/* now read: every reply, in order */
	for (i = 0; i < 5000 && want < 2000; i++) {
		ssize_t got = recv(sv[1], in + in_len, sizeof(in) - in_len, MSG_DONTWAIT);
		size_t off = 0;

		if (got > 0)
			in_len += (size_t)got;
		while (pptp_msg_frame(in + off, in_len - off, &mlen) == 1) {
			struct pptp_msg m;

			off += mlen;
			if (pptp_msg_parse(in + off - mlen, mlen, &m) == 0 &&
			    (m.type == PPTP_SCCRQ || m.type == PPTP_OCRQ))
				continue;   /* sent before the echoes */
			ok &= m.type == PPTP_ECHORP && m.ident == want;
			want++;
		}
		memmove(in, in + off, in_len - off);
		in_len -= off;
		wv_loop_dispatch(e.loop, 1);
	}
	CHECK(ok);
	CHECK(want == 2000);
	CHECK(e.downs == 0);
	close(sv[1]);
	env_done(&e);
}

int main(void)
{
	test_call_setup_and_stop(0);
	test_call_setup_and_stop(1);
	test_call_setup_and_stop(7);
	test_coalesced();
	test_sccrp_refused(2, 6, "the gateway refused the control connection: general error "
			   "(gateway-specific error)");
	test_sccrp_refused(4, 0, "the gateway refused the control connection: this host is not "
			   "authorized to connect");
	test_sccrp_refused(5, 0, "the gateway refused the control connection: it does not "
			   "support PPTP version 1.0");
	test_ocrp_refused(4, "the gateway refused the call (busy)");
	test_ocrp_refused(3, "the gateway refused the call (no carrier)");
	test_ocrp_refused(7, "the gateway refused the call (not authorized)");
	test_gateway_echo();
	test_echo_timeout();
	test_echo_answered();
	test_cdn();
	test_cdn_error();
	test_gateway_stop();
	test_stop_unanswered();
	test_stop_gateway_hangs_up();
	test_eof();
	test_refused();
	test_sccrp_timeout();
	test_bad_stream();
	test_absurd_length();
	test_malformed();
	test_unknown_ignored();
	test_stop_while_connecting();
	test_stop_waiting_for_ocrp();
	test_free_in_callbacks();
	test_input_entry();
	test_write_backpressure();
	pkt_pool_drain();
	return check_done("test-pptp-ctrl");
}
