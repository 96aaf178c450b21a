/* test-fsm.c -- the RFC 1661 automaton with a dummy protocol: the rows of the
 * §4.1 state-transition table, identifier matching, Max-Configure,
 * Max-Terminate and Max-Failure, Code-Reject, and malformed packets, on a
 * fake clock.
 *
 * The dummy protocol asks for one option (type 1, four octets) and accepts
 * the peer's option 1 only with the value 0x11223344 (else Nak with it). */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "ppp/fsm.h"
#include "ppp/auth.h"
#include "log.h"
#include "loop.h"

#define DUM_PROTO 0x80ff
#define DUM_OK    0x11223344u

/* ---- captured output ---- */

struct sent {
	uint8_t code, id;
	uint8_t data[256];
	size_t len;
};

static struct sent sent[64];
static unsigned n_sent;

/* fsm.c's only way out; the rest of the PPP core is not linked. */
int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	struct sent *s;

	CHECK(proto == DUM_PROTO);
	CHECK(len >= 4 && load_be16(buf + 2) == len);
	if (n_sent >= ARRAY_SIZE(sent) || len < 4)
		return -ENOBUFS;
	s = &sent[n_sent++];
	s->code = buf[0];
	s->id = buf[1];
	s->len = MIN(len - 4, sizeof(s->data));
	memcpy(s->data, buf + 4, s->len);
	return 0;
}

static const struct sent *last(void)
{
	static const struct sent none;

	return n_sent ? &sent[n_sent - 1] : &none;
}

/* ---- the dummy protocol ---- */

static struct {
	uint32_t want;          /* value of our option 1; 0 = not asked */
	unsigned up, down, starting, finished, acked, naks, rejs;
	bool treat_as_reject;
	uint8_t ext_code;
} dum;

static void dum_resetci(struct fsm *f) { dum.want = 0xaabbccdd; }
static size_t dum_cilen(struct fsm *f) { return dum.want ? 6 : 0; }

static void dum_addci(struct fsm *f, uint8_t *buf, size_t len)
{
	CHECK(len == 6);
	buf[0] = 1;
	buf[1] = 6;
	store_be32(buf + 2, dum.want);
}

static void dum_ackci(struct fsm *f, const uint8_t *buf, size_t len) { dum.acked++; }

static bool dum_nakci(struct fsm *f, const uint8_t *buf, size_t len, bool treat_as_reject)
{
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	int rc;

	dum.naks++;
	dum.treat_as_reject = treat_as_reject;
	while ((rc = fsm_opt_next(&r, &o)) > 0)
		if (o.type == 1 && o.vlen == 4)
			dum.want = treat_as_reject ? 0 : load_be32(o.val);
	return rc == 0;
}

static bool dum_rejci(struct fsm *f, const uint8_t *buf, size_t len)
{
	dum.rejs++;
	dum.want = 0;
	return true;
}

static int dum_reqci(struct fsm *f, const uint8_t *buf, size_t len, struct fsm_reply *rep)
{
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	uint8_t v[4];
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		if (o.type != 1 || o.vlen != 4) {
			fsm_reply_rej(rep, &o);
		} else if (load_be32(o.val) != DUM_OK) {
			store_be32(v, DUM_OK);
			fsm_reply_nak(rep, &o, v, 4);
		}
	}
	return rc < 0 ? -1 : rep->code;
}

static void dum_up(struct fsm *f) { dum.up++; }
static void dum_down(struct fsm *f) { dum.down++; }
static void dum_starting(struct fsm *f) { dum.starting++; }
static void dum_finished(struct fsm *f) { dum.finished++; }

static bool dum_extcode(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *buf, size_t len)
{
	if (code != CP_ECHOREQ)
		return false;
	dum.ext_code = code;
	return true;
}

static const struct fsm_callbacks dum_cb = {
	.resetci = dum_resetci, .cilen = dum_cilen, .addci = dum_addci, .ackci = dum_ackci,
	.nakci = dum_nakci, .rejci = dum_rejci, .reqci = dum_reqci, .up = dum_up,
	.down = dum_down, .starting = dum_starting, .finished = dum_finished,
	.extcode = dum_extcode,
};

/* ---- harness ---- */

static uint64_t now_ms;
static uint64_t fake_now(void *arg) { return now_ms; }

static struct wv_loop *loop;
static struct fsm F;

static void logfn(void *arg, enum wv_log_level lvl, const char *sub, const char *msg)
{
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%s] %s\n", sub, msg);
}

static const struct wv_log lg = { logfn, NULL, WV_LOG_TRACE };

static void advance(uint64_t ms)
{
	now_ms += ms;
	wv_loop_run_timers(loop);
}

static void fresh(void)
{
	fsm_reset(&F);
	memset(&dum, 0, sizeof(dum));
	n_sent = 0;
	fsm_init(&F, NULL, DUM_PROTO, "DUM", &dum_cb, loop, &lg);
}

/* Feeds code/id with the options given as hex. */
static void rx(uint8_t code, uint8_t id, const char *hex)
{
	uint8_t buf[300];
	size_t n = check_unhex(hex, buf + 4, sizeof(buf) - 4);

	buf[0] = code;
	buf[1] = id;
	store_be16(buf + 2, (uint16_t)(n + 4));
	fsm_input(&F, buf, n + 4);
}

static void rx_raw(const char *hex)
{
	uint8_t buf[300];
	size_t n = check_unhex(hex, buf, sizeof(buf));

	fsm_input(&F, buf, n);
}

/* Brings F to Req-Sent: Open then Up. */
static void to_reqsent(void)
{
	fresh();
	fsm_open(&F);
	fsm_lowerup(&F);
}

static void to_opened(void)
{
	to_reqsent();
	rx(CP_CONFACK, F.reqid, "01 06 aa bb cc dd");
	rx(CP_CONFREQ, 0x40, "01 06 11 22 33 44");
}

/* ---- cases ---- */

static void test_open_up(void)
{
	fresh();
	CHECK(F.state == FSM_INITIAL);
	CHECK_STR(fsm_state_name(F.state), "Initial");
	/* Open in Initial: tls / Starting */
	fsm_open(&F);
	CHECK(F.state == FSM_STARTING);
	CHECK(dum.starting == 1);
	CHECK(n_sent == 0);
	/* Up in Starting: irc, scr / Req-Sent */
	fsm_lowerup(&F);
	CHECK(F.state == FSM_REQSENT);
	CHECK(n_sent == 1 && last()->code == CP_CONFREQ);
	CHECK(last()->id == F.reqid);
	CHECK(last()->len == 6);
	CHECK_MEM(last()->data, "\x01\x06\xaa\xbb\xcc\xdd", 6);
	CHECK(wv_timer_armed(&F.timer));

	/* Up first, then Open: Initial -> Closed -> Req-Sent */
	fresh();
	fsm_lowerup(&F);
	CHECK(F.state == FSM_CLOSED);
	CHECK(n_sent == 0);
	fsm_open(&F);
	CHECK(F.state == FSM_REQSENT);
	CHECK(n_sent == 1 && last()->code == CP_CONFREQ);
}

static void test_rca_then_rcr(void)
{
	to_reqsent();
	/* RCA in Req-Sent: irc / Ack-Rcvd */
	rx(CP_CONFACK, F.reqid, "01 06 aa bb cc dd");
	CHECK(F.state == FSM_ACKRCVD);
	CHECK(dum.acked == 1);
	/* RCR+ in Ack-Rcvd: sca, tlu / Opened */
	rx(CP_CONFREQ, 0x40, "01 06 11 22 33 44");
	CHECK(F.state == FSM_OPENED);
	CHECK(dum.up == 1);
	CHECK(last()->code == CP_CONFACK && last()->id == 0x40);
	CHECK(last()->len == 6 && memcmp(last()->data, "\x01\x06\x11\x22\x33\x44", 6) == 0);
	CHECK(!wv_timer_armed(&F.timer));
}

static void test_rcr_then_rca(void)
{
	to_reqsent();
	/* RCR+ in Req-Sent: sca / Ack-Sent */
	rx(CP_CONFREQ, 7, "01 06 11 22 33 44");
	CHECK(F.state == FSM_ACKSENT);
	CHECK(last()->code == CP_CONFACK && last()->id == 7);
	/* RCA in Ack-Sent: irc, tlu / Opened */
	rx(CP_CONFACK, F.reqid, "01 06 aa bb cc dd");
	CHECK(F.state == FSM_OPENED);
	CHECK(dum.up == 1);
}

static void test_rcr_minus(void)
{
	unsigned i;

	to_reqsent();
	/* RCR- in Req-Sent: scn / Req-Sent */
	rx(CP_CONFREQ, 1, "01 06 00 00 00 01");
	CHECK(F.state == FSM_REQSENT);
	CHECK(last()->code == CP_CONFNAK && last()->id == 1);
	CHECK_MEM(last()->data, "\x01\x06\x11\x22\x33\x44", 6);
	/* An unknown option is rejected, and the Reject carries only it */
	rx(CP_CONFREQ, 2, "01 06 00 00 00 01 09 03 ff");
	CHECK(last()->code == CP_CONFREJ);
	CHECK(last()->len == 3 && memcmp(last()->data, "\x09\x03\xff", 3) == 0);
	/* Max-Failure: after five Naks, what we would Nak is rejected */
	for (i = 0; i < 4; i++)
		rx(CP_CONFREQ, (uint8_t)(3 + i), "01 06 00 00 00 01");
	CHECK(last()->code == CP_CONFNAK);
	CHECK(F.nak_sent == 5);
	rx(CP_CONFREQ, 9, "01 06 00 00 00 01");
	CHECK(last()->code == CP_CONFREJ);
	CHECK_MEM(last()->data, "\x01\x06\x00\x00\x00\x01", 6);
	/* An Ack resets the count */
	rx(CP_CONFREQ, 10, "01 06 11 22 33 44");
	CHECK(last()->code == CP_CONFACK);
	CHECK(F.nak_sent == 0);
	CHECK(F.state == FSM_ACKSENT);
	/* RCR- in Ack-Sent: scn / Req-Sent */
	rx(CP_CONFREQ, 11, "01 06 00 00 00 02");
	CHECK(F.state == FSM_REQSENT);
	CHECK(last()->code == CP_CONFNAK);
}

static void test_identifiers(void)
{
	uint8_t id;

	to_reqsent();
	id = F.reqid;
	/* wrong identifier: ignored */
	rx(CP_CONFACK, (uint8_t)(id + 1), "01 06 aa bb cc dd");
	CHECK(F.state == FSM_REQSENT);
	/* right identifier, options that differ from our request: ignored */
	rx(CP_CONFACK, id, "01 06 aa bb cc de");
	CHECK(F.state == FSM_REQSENT);
	rx(CP_CONFACK, id, "");
	CHECK(F.state == FSM_REQSENT);
	CHECK(dum.acked == 0);
	/* Nak with a wrong identifier: ignored */
	rx(CP_CONFNAK, (uint8_t)(id + 5), "01 06 01 02 03 04");
	CHECK(dum.naks == 0);
	/* the right Ack */
	rx(CP_CONFACK, id, "01 06 aa bb cc dd");
	CHECK(F.state == FSM_ACKRCVD);
	/* the same Ack again (duplicate): ignored, no crossed-connection restart */
	n_sent = 0;
	rx(CP_CONFACK, id, "01 06 aa bb cc dd");
	CHECK(F.state == FSM_ACKRCVD);
	CHECK(n_sent == 0);
}

static void test_nak_and_reject(void)
{
	uint8_t id;

	to_reqsent();
	id = F.reqid;
	/* RCN in Req-Sent: irc, scr / Req-Sent, with the suggested value and a
	 * new identifier */
	rx(CP_CONFNAK, id, "01 06 01 02 03 04");
	CHECK(dum.naks == 1);
	CHECK(F.state == FSM_REQSENT);
	CHECK(last()->code == CP_CONFREQ && last()->id != id);
	CHECK_MEM(last()->data, "\x01\x06\x01\x02\x03\x04", 6);
	/* a Reject naming an option we did not send: ignored */
	id = F.reqid;
	rx(CP_CONFREJ, id, "01 06 aa bb cc dd");
	CHECK(dum.rejs == 0);
	/* a real Reject: the option goes away */
	rx(CP_CONFREJ, id, "01 06 01 02 03 04");
	CHECK(dum.rejs == 1);
	CHECK(last()->code == CP_CONFREQ && last()->len == 0);
	/* the empty request is acked; Open changes nothing there */
	rx(CP_CONFACK, F.reqid, "");
	CHECK(F.state == FSM_ACKRCVD);
	fsm_open(&F);
	CHECK(F.state == FSM_ACKRCVD);
}

static void test_nak_treat_as_reject(void)
{
	unsigned i;

	to_reqsent();
	for (i = 0; i < 5; i++)
		rx(CP_CONFNAK, F.reqid, "01 06 01 02 03 04");
	CHECK(!dum.treat_as_reject);
	rx(CP_CONFNAK, F.reqid, "01 06 01 02 03 04");
	CHECK(dum.treat_as_reject);
	CHECK(last()->code == CP_CONFREQ && last()->len == 0);
	/* a peer that keeps Naking for ever: the automaton gives up */
	for (i = 0; i < 30 && F.state == FSM_REQSENT; i++)
		rx(CP_CONFNAK, F.reqid, "01 06 01 02 03 04");
	CHECK(F.state == FSM_STOPPED);
	CHECK(dum.finished == 1);
}

static void test_timeouts_configure(void)
{
	unsigned i, reqs = 0;
	uint8_t id;

	to_reqsent();
	id = F.reqid;
	CHECK(n_sent == 1);
	/* TO+: retransmissions every 3 s, same identifier (RFC 1661 §5.1) */
	advance(2999);
	CHECK(n_sent == 1);
	advance(1);
	CHECK(n_sent == 2 && last()->code == CP_CONFREQ && last()->id == id);
	for (i = 0; i < 20; i++)
		advance(3000);
	for (i = 0; i < n_sent; i++)
		reqs += sent[i].code == CP_CONFREQ;
	/* Max-Configure = 10 requests, then TO-: tlf / Stopped */
	CHECK(reqs == 10);
	CHECK(F.state == FSM_STOPPED);
	CHECK(dum.finished == 1);
	CHECK(F.conf_timeout);
	CHECK(!wv_timer_armed(&F.timer));

	/* TO+ in Ack-Rcvd goes back to Req-Sent */
	to_reqsent();
	rx(CP_CONFACK, F.reqid, "01 06 aa bb cc dd");
	CHECK(F.state == FSM_ACKRCVD);
	advance(3000);
	CHECK(F.state == FSM_REQSENT);
	CHECK(last()->code == CP_CONFREQ);
	/* ... and the Ack to that retransmission (same identifier) counts: the
	 * peer's own request was lost, not our Ack (seen on a lossy link: pppd
	 * acked ten retransmissions and we ignored every one) */
	id = last()->id;
	rx(CP_CONFACK, id, "01 06 aa bb cc dd");
	CHECK(F.state == FSM_ACKRCVD);
	rx(CP_CONFREQ, 0x41, "01 06 11 22 33 44");
	CHECK(F.state == FSM_OPENED);
	/* a duplicate of that Ack once Opened is still ignored */
	rx(CP_CONFACK, id, "01 06 aa bb cc dd");
	CHECK(F.state == FSM_OPENED);

	/* the RCN's irc restarts the count: ten more after it */
	to_reqsent();
	for (i = 0; i < 5; i++)
		advance(3000);
	rx(CP_CONFREQ, 1, "01 06 11 22 33 44");
	rx(CP_CONFNAK, F.reqid, "01 06 01 02 03 04");
	n_sent = 0;
	for (i = 0; i < 9; i++)
		advance(3000);
	CHECK(F.state == FSM_ACKSENT);
	advance(3000);
	CHECK(F.state == FSM_STOPPED);
}

static void test_peer_terminate(void)
{
	to_opened();
	CHECK(F.state == FSM_OPENED);
	n_sent = 0;
	/* RTR in Opened: tld, zrc, sta / Stopping */
	rx(CP_TERMREQ, 0x33, "62 79 65");
	CHECK(dum.down == 1);
	CHECK(F.state == FSM_STOPPING);
	CHECK(n_sent == 1 && last()->code == CP_TERMACK && last()->id == 0x33);
	/* zrc: one restart period, then TO-: tlf / Stopped, no Terminate-Request */
	advance(3000);
	CHECK(F.state == FSM_STOPPED);
	CHECK(dum.finished == 1);
	CHECK(n_sent == 1);
	/* RCR in Stopped: irc, scr, sca / Ack-Sent */
	rx(CP_CONFREQ, 0x50, "01 06 11 22 33 44");
	CHECK(F.state == FSM_ACKSENT);
	CHECK(sent[n_sent - 2].code == CP_CONFREQ && last()->code == CP_CONFACK);

	/* RTR while negotiating: sta / Req-Sent */
	to_reqsent();
	rx(CP_CONFREQ, 1, "01 06 11 22 33 44");
	CHECK(F.state == FSM_ACKSENT);
	rx(CP_TERMREQ, 2, "");
	CHECK(F.state == FSM_REQSENT);
	CHECK(last()->code == CP_TERMACK && last()->id == 2);
}

static void test_close(void)
{
	unsigned i, treqs = 0;

	to_opened();
	n_sent = 0;
	/* Close in Opened: tld, irc, str / Closing */
	fsm_close(&F, "bye");
	CHECK(F.state == FSM_CLOSING);
	CHECK(dum.down == 1);
	CHECK(n_sent == 1 && last()->code == CP_TERMREQ);
	CHECK(last()->len == 3 && memcmp(last()->data, "bye", 3) == 0);
	/* RCR in Closing: nothing */
	rx(CP_CONFREQ, 9, "01 06 11 22 33 44");
	CHECK(n_sent == 1);
	/* RTA in Closing: tlf / Closed */
	rx(CP_TERMACK, last()->id, "");
	CHECK(F.state == FSM_CLOSED);
	CHECK(dum.finished == 1);
	/* RCR in Closed: sta */
	rx(CP_CONFREQ, 9, "01 06 11 22 33 44");
	CHECK(last()->code == CP_TERMACK && last()->id == 9);
	/* Down in Closed: Initial */
	fsm_lowerdown(&F);
	CHECK(F.state == FSM_INITIAL);

	/* no answer: Max-Terminate = 2 Terminate-Requests, then TO-: tlf / Closed */
	to_opened();
	n_sent = 0;
	fsm_close(&F, "");
	for (i = 0; i < 5; i++)
		advance(3000);
	for (i = 0; i < n_sent; i++)
		treqs += sent[i].code == CP_TERMREQ;
	CHECK(treqs == 2);
	CHECK(F.state == FSM_CLOSED);
	CHECK(dum.finished == 1);

	/* Close in Starting: tlf / Initial */
	fresh();
	fsm_open(&F);
	fsm_close(&F, "");
	CHECK(F.state == FSM_INITIAL);
	CHECK(dum.finished == 1);
	CHECK(n_sent == 0);

	/* Open in Closing: Stopping; then RTA: tlf / Stopped */
	to_reqsent();
	fsm_close(&F, "");
	CHECK(F.state == FSM_CLOSING);
	fsm_open(&F);
	CHECK(F.state == FSM_STOPPING);
	rx(CP_TERMACK, 1, "");
	CHECK(F.state == FSM_STOPPED);
	/* Close in Stopped: Closed */
	fsm_close(&F, "");
	CHECK(F.state == FSM_CLOSED);
}

static void test_opened_events(void)
{
	/* RCR in Opened: tld, scr, sca / Ack-Sent */
	to_opened();
	n_sent = 0;
	rx(CP_CONFREQ, 0x41, "01 06 11 22 33 44");
	CHECK(dum.down == 1);
	CHECK(F.state == FSM_ACKSENT);
	CHECK(n_sent == 2 && sent[0].code == CP_CONFREQ && sent[1].code == CP_CONFACK);
	/* ... but the request we acked, again with its identifier, only means
	 * that our Ack was lost: ack it again and stay open */
	to_opened();
	n_sent = 0;
	rx(CP_CONFREQ, 0x40, "01 06 11 22 33 44");
	CHECK(dum.down == 0);
	CHECK(F.state == FSM_OPENED);
	CHECK(n_sent == 1 && sent[0].code == CP_CONFACK && sent[0].id == 0x40);
	/* the same identifier with other options is a new request after all */
	n_sent = 0;
	rx(CP_CONFREQ, 0x40, "01 06 11 22 33 45");
	CHECK(dum.down == 1);
	CHECK(F.state != FSM_OPENED);
	CHECK(n_sent == 2 && sent[0].code == CP_CONFREQ);
	/* RCA in Opened: tld, scr / Req-Sent */
	to_opened();
	{
		uint8_t id = F.reqid;
		F.seen_ack = false;     /* a late Ack for the request that opened us */
		rx(CP_CONFACK, id, "01 06 aa bb cc dd");
	}
	CHECK(dum.down == 1);
	CHECK(F.state == FSM_REQSENT);
	/* RTA in Opened: tld, scr / Req-Sent */
	to_opened();
	rx(CP_TERMACK, 1, "");
	CHECK(dum.down == 1);
	CHECK(F.state == FSM_REQSENT);
	CHECK(last()->code == CP_CONFREQ);
	/* Down in Opened: tld / Starting; Up again starts over */
	to_opened();
	n_sent = 0;
	fsm_lowerdown(&F);
	CHECK(dum.down == 1);
	CHECK(F.state == FSM_STARTING);
	CHECK(n_sent == 0);
	fsm_lowerup(&F);
	CHECK(F.state == FSM_REQSENT);
	CHECK(n_sent == 1 && last()->code == CP_CONFREQ);
}

static void test_code_reject(void)
{
	to_opened();
	n_sent = 0;
	/* RUC: scj with the whole packet */
	rx(0x2a, 0x11, "de ad");
	CHECK(n_sent == 1 && last()->code == CP_CODEREJ);
	CHECK(last()->len == 6 && memcmp(last()->data, "\x2a\x11\x00\x06\xde\xad", 6) == 0);
	/* RXR goes to extcode */
	rx(CP_ECHOREQ, 1, "00 00 00 00");
	CHECK(dum.ext_code == CP_ECHOREQ);
	CHECK(n_sent == 1);
	/* RXJ+ (Code-Reject of Echo) in Opened: nothing */
	rx(CP_CODEREJ, 2, "09 01 00 08 00 00 00 00");
	CHECK(F.state == FSM_OPENED);
	/* RXJ+ in Ack-Rcvd: Req-Sent */
	to_reqsent();
	rx(CP_CONFACK, F.reqid, "01 06 aa bb cc dd");
	rx(CP_CODEREJ, 2, "09 01 00 04");
	CHECK(F.state == FSM_REQSENT);
	/* RXJ- (Code-Reject of Configure-Request): tlf / Stopped */
	rx(CP_CODEREJ, 3, "01 01 00 04");
	CHECK(F.state == FSM_STOPPED);
	CHECK(dum.finished == 1);
	/* RXJ- in Opened: tld, irc, str / Stopping */
	to_opened();
	fsm_protreject(&F);
	CHECK(F.state == FSM_STOPPING);
	CHECK(dum.down == 1);
	CHECK(last()->code == CP_TERMREQ);
}

static void test_malformed(void)
{
	to_reqsent();
	n_sent = 0;
	/* shorter than a header, Length below 4, Length beyond the packet */
	rx_raw("01");
	rx_raw("01 02 00");
	rx_raw("01 02 00 03");
	rx_raw("01 02 00 10 01 06");
	CHECK(n_sent == 0);
	/* a zero-length option must not hang the option walk: dropped */
	rx(CP_CONFREQ, 5, "01 00 01 00");
	CHECK(n_sent == 0);
	/* an option running past the end: dropped */
	rx(CP_CONFREQ, 5, "01 08 11 22 33 44");
	CHECK(n_sent == 0);
	/* padding after Length is ignored */
	rx_raw("01 05 00 0a 01 06 11 22 33 44 00 00 00");
	CHECK(n_sent == 1 && last()->code == CP_CONFACK && last()->len == 6);
	/* packets in Initial/Starting are dropped */
	fresh();
	rx(CP_CONFREQ, 1, "01 06 11 22 33 44");
	CHECK(n_sent == 0);
	/* a malformed Nak is ignored */
	to_reqsent();
	rx(CP_CONFNAK, F.reqid, "01 01");
	CHECK(F.state == FSM_REQSENT && !F.seen_ack);
}

int main(void)
{
	loop = wv_loop_new();
	if (!loop)
		return 99;
	wv_loop_set_clock(loop, fake_now, NULL);
	fsm_init(&F, NULL, DUM_PROTO, "DUM", &dum_cb, loop, &lg);

	test_open_up();
	test_rca_then_rcr();
	test_rcr_then_rca();
	test_rcr_minus();
	test_identifiers();
	test_nak_and_reject();
	test_nak_treat_as_reject();
	test_timeouts_configure();
	test_peer_terminate();
	test_close();
	test_opened_events();
	test_code_reject();
	test_malformed();

	fsm_reset(&F);
	wv_loop_free(loop);
	return check_done("test-fsm");
}
