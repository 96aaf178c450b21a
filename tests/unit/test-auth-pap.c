/* test-auth-pap.c -- the PAP client against a scripted server, on the real
 * event loop with a fake clock: request format, retransmission every 3 s,
 * giving up after 10 requests, Ack and Nak.  The PPP core is stubbed. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ppp/auth.h"
#include "check.h"

/* ---- the PPP core, stubbed ---- */

struct ppp {
	struct ppp_config cfg;
	struct wv_log log;
	struct wv_loop *loop;
	uint8_t sent[1024];
	size_t sent_len;
	int n_sent;
	int n_success, n_failure;
	bool keys_null;
	enum wv_fail why;
	char msg[512];
	char logbuf[16384];
	size_t log_len;
};

static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
	return fake_now;
}

const struct ppp_config *ppp_config(const struct ppp *ppp)
{
	return &ppp->cfg;
}

const struct wv_log *ppp_log(const struct ppp *ppp)
{
	return &ppp->log;
}

struct wv_loop *ppp_loop(const struct ppp *ppp)
{
	return ppp->loop;
}

int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	CHECK(proto == PPP_PAP);
	ppp->sent_len = MIN(len, sizeof(ppp->sent));
	memcpy(ppp->sent, buf, ppp->sent_len);
	ppp->n_sent++;
	return 0;
}

void ppp_auth_success(struct ppp *ppp, const struct mppe_keys *keys)
{
	ppp->n_success++;
	ppp->keys_null = keys == NULL;
}

void ppp_auth_failure(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	ppp->n_failure++;
	ppp->why = why;
	snprintf(ppp->msg, sizeof(ppp->msg), "%s", msg);
}

static void log_fn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	struct ppp *pp = arg;
	int n = snprintf(pp->logbuf + pp->log_len, sizeof(pp->logbuf) - pp->log_len, "%s: %s\n",
			 subsys, msg);

	if (n > 0)
		pp->log_len = MIN(pp->log_len + (size_t)n, sizeof(pp->logbuf) - 1);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%d] %s: %s\n", lvl, subsys, msg);
}

static void pp_init(struct ppp *pp, struct wv_loop *loop, const char *user, const char *password,
		    const char *domain)
{
	memset(pp, 0, sizeof(*pp));
	pp->cfg.user = user;
	pp->cfg.password = password;
	pp->cfg.domain = domain;
	pp->log.fn = log_fn;
	pp->log.arg = pp;
	pp->log.level = WV_LOG_TRACE;
	pp->loop = loop;
}

static void advance(struct wv_loop *loop, uint64_t ms)
{
	fake_now += ms;
	wv_loop_run_timers(loop);
}

static void feed(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	auth_client_input(ac, copy, len);
	free(copy);
}

/* Ack (2) or Nak (3) with an optional message; msg NULL leaves out Msg-Length. */
static void reply(struct auth_client *ac, uint8_t code, uint8_t id, const char *msg)
{
	uint8_t buf[300];
	size_t len = 4;

	buf[0] = code;
	buf[1] = id;
	if (msg) {
		buf[4] = (uint8_t)strlen(msg);
		memcpy(buf + 5, msg, strlen(msg));
		len += 1 + strlen(msg);
	}
	store_be16(buf + 2, (uint16_t)len);
	feed(ac, buf, len);
}

/* The request we sent: Code 1, our Identifier, Peer-ID, Password. */
static void check_request(struct ppp *pp, uint8_t id, const char *name, const char *password)
{
	size_t n = strlen(name), pw = strlen(password);

	CHECK(pp->sent_len == 4 + 1 + n + 1 + pw);
	CHECK(pp->sent[0] == 1 && pp->sent[1] == id);
	CHECK(load_be16(pp->sent + 2) == pp->sent_len);
	CHECK(pp->sent[4] == n && memcmp(pp->sent + 5, name, n) == 0);
	CHECK(pp->sent[5 + n] == pw && memcmp(pp->sent + 6 + n, password, pw) == 0);
}

static void test_ack(struct wv_loop *loop)
{
	struct ppp pp;
	struct auth_client *ac;
	uint8_t first_id;

	pp_init(&pp, loop, "alice", "s3cr3t-pw", "CORP");
	ac = auth_client_new(&pp, PPP_PAP, 0);
	CHECK(ac != NULL);
	CHECK(pp.n_sent == 0);
	auth_client_start(ac);
	CHECK(pp.n_sent == 1);
	first_id = pp.sent[1];
	check_request(&pp, first_id, "CORP\\alice", "s3cr3t-pw");

	/* retransmitted after 3 s, not before, with a new Identifier */
	advance(loop, 2999);
	CHECK(pp.n_sent == 1);
	advance(loop, 1);
	CHECK(pp.n_sent == 2);
	check_request(&pp, (uint8_t)(first_id + 1), "CORP\\alice", "s3cr3t-pw");

	/* replies that match no request, or are malformed, change nothing */
	reply(ac, 2, (uint8_t)(first_id + 2), "x");
	reply(ac, 2, (uint8_t)(first_id - 1), "x");
	feed(ac, (const uint8_t *)"\x02\x01\x00\x09\x05", 5);     /* Length past the end */
	feed(ac, (const uint8_t *)"\x02\x01\x00\x06\x09x", 6);    /* Msg-Length past Length */
	feed(ac, (const uint8_t *)"\x02\x01\x00", 3);
	feed(ac, (const uint8_t *)"\x01\x01\x00\x04", 4);         /* a request */
	CHECK(pp.n_success == 0 && pp.n_failure == 0);

	/* an Ack to the first request is as good as one to the last */
	reply(ac, 2, first_id, "Login ok");
	CHECK(pp.n_success == 1 && pp.n_failure == 0 && pp.keys_null);
	/* no more requests once acked, and a late Nak is ignored */
	advance(loop, 30000);
	CHECK(pp.n_sent == 2);
	reply(ac, 3, first_id, "no");
	CHECK(pp.n_failure == 0);
	CHECK(strstr(pp.logbuf, "s3cr3t-pw") == NULL);
	auth_client_free(ac);

	/* an Ack without Msg-Length (pppd takes it) */
	pp_init(&pp, loop, "alice", "pw", NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	check_request(&pp, pp.sent[1], "alice", "pw");
	reply(ac, 2, pp.sent[1], NULL);
	CHECK(pp.n_success == 1);
	auth_client_free(ac);
}

static void test_nak(struct wv_loop *loop)
{
	struct ppp pp;
	struct auth_client *ac;

	pp_init(&pp, loop, "alice", "pw", NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	reply(ac, 3, pp.sent[1], "Bad user\r\n\x1b[31m");
	CHECK(pp.n_success == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK_STR(pp.msg, "the server rejected the user name or password (PAP); "
		  "the server said: \"Bad user???[31m\"");
	advance(loop, 30000);
	CHECK(pp.n_sent == 1);
	auth_client_free(ac);

	pp_init(&pp, loop, "alice", "pw", NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	reply(ac, 3, pp.sent[1], "");
	CHECK(pp.n_failure == 1);
	CHECK_STR(pp.msg, "the server rejected the user name or password (PAP)");
	auth_client_free(ac);
}

static void test_give_up(struct wv_loop *loop)
{
	struct ppp pp;
	struct auth_client *ac;
	int i;

	pp_init(&pp, loop, "alice", "pw", NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	for (i = 1; i < 10; i++) {
		advance(loop, 3000);
		CHECK(pp.n_sent == i + 1);
	}
	CHECK(pp.n_failure == 0);
	advance(loop, 3000);                   /* the 10th went unanswered */
	CHECK(pp.n_sent == 10);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(pp.msg, "the server did not answer the PAP authentication request "
		  "(10 requests in 30 seconds)");
	advance(loop, 30000);
	CHECK(pp.n_sent == 10 && pp.n_failure == 1);
	auth_client_free(ac);

	/* freeing while a retransmission is pending disarms it */
	pp_init(&pp, loop, "alice", "pw", NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	auth_client_free(ac);
	CHECK(wv_loop_timeout(loop) == -1);
	advance(loop, 30000);
	CHECK(pp.n_sent == 1);
}

static void test_limits(struct wv_loop *loop)
{
	struct ppp pp;
	struct auth_client *ac;
	char big[300];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pp_init(&pp, loop, "alice", big, NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	CHECK(pp.n_sent == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_CONFIG);
	auth_client_free(ac);

	pp_init(&pp, loop, big, "pw", NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	CHECK(pp.n_sent == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_CONFIG);
	auth_client_free(ac);

	/* 255 octets each is the most PAP carries */
	big[255] = '\0';
	pp_init(&pp, loop, big, big, NULL);
	ac = auth_client_new(&pp, PPP_PAP, 0);
	auth_client_start(ac);
	CHECK(pp.n_sent == 1 && pp.n_failure == 0);
	check_request(&pp, pp.sent[1], big, big);
	auth_client_free(ac);
	CHECK(wv_loop_timeout(loop) == -1);
}

int main(void)
{
	struct wv_loop *loop = wv_loop_new();

	if (!loop) {
		fprintf(stderr, "no event loop\n");
		return 1;
	}
	fake_now = 1000000;
	wv_loop_set_clock(loop, fake_clock, NULL);
	test_ack(loop);
	test_nak(loop);
	test_give_up(loop);
	test_limits(loop);
	wv_loop_free(loop);
	return check_done("test-auth-pap");
}
