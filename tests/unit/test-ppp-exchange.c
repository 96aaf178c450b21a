/* test-ppp-exchange.c -- the client's PPP engine against a scripted peer in
 * the same process, on a fake clock.
 *
 * The peer is this file: it reads every frame the client sends (ev->send),
 * answers with frames built from hex, and plays pptpd, RRAS or SoftEther as
 * each case needs -- including a small MS-CHAPv2 authenticator (mschap.h)
 * and the gateway's side of MPPE (mppe.h).  Each case asserts what a user
 * would notice: the options on the wire, the addresses and MTU reported, the
 * failure class and its sentence. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/ppp.h"
#include "ppp/auth.h"
#include "ppp/mppe.h"
#include "ppp/mschap.h"

#define LCP_CONFREQ 1
#define CONFACK 2
#define CONFNAK 3
#define CONFREJ 4
#define TERMREQ 5
#define TERMACK 6
#define CODEREJ 7
#define PROTREJ 8
#define ECHOREQ 9
#define ECHOREP 10

/* ---- what the client sends ---- */

struct frame {
	uint16_t proto;
	uint8_t code, id;
	uint8_t d[PKT_DATA_MAX];   /* after the 4-octet header (control) or the protocol */
	size_t len;
	bool acfc_omitted;
	uint8_t raw[PKT_DATA_MAX]; /* after the protocol field */
	size_t rawlen;
};

static struct frame q[64];
static unsigned nq;
static unsigned n_sent_total;

static int on_send(void *arg, struct pkt *p)
{
	struct frame *f;
	struct rd r = rd_init(p->data, p->len);
	bool acfc = true;

	n_sent_total++;
	if (p->len >= 2 && p->data[0] == 0xff && p->data[1] == 0x03) {
		rd_skip(&r, 2);
		acfc = false;
	}
	CHECK(nq < ARRAY_SIZE(q));
	if (nq >= ARRAY_SIZE(q)) {
		pkt_free(p);
		return 0;
	}
	f = &q[nq++];
	memset(f, 0, offsetof(struct frame, d));
	f->acfc_omitted = acfc;
	f->proto = rd_be16(&r);
	f->rawlen = rd_left(&r);
	memcpy(f->raw, r.p, f->rawlen);
	if (f->proto >= 0x8000) {
		uint16_t len;
		f->code = rd_u8(&r);
		f->id = rd_u8(&r);
		len = rd_be16(&r);
		CHECK(rd_ok(&r) && len >= 4 && len <= p->len);
		f->len = rd_left(&r);
		if (len >= 4 && len - 4u < f->len)
			f->len = len - 4u;
		memcpy(f->d, r.p, f->len);
	}
	pkt_free(p);
	return 0;
}

/* Takes the first queued frame of proto (and code, for control protocols). */
static struct frame take_buf;
static const struct frame *take_at(uint16_t proto, int code, int line)
{
	unsigned i;

	for (i = 0; i < nq; i++) {
		if (q[i].proto != proto || (code >= 0 && q[i].code != code))
			continue;
		take_buf = q[i];
		memmove(&q[i], &q[i + 1], (nq - i - 1) * sizeof(q[0]));
		nq--;
		return &take_buf;
	}
	fprintf(stderr, "line %d: no frame 0x%04x code %d among %u queued:", line, proto, code, nq);
	for (i = 0; i < nq; i++)
		fprintf(stderr, " 0x%04x/%u", q[i].proto, q[i].code);
	fprintf(stderr, "\n");
	CHECK(!"expected frame");
	memset(&take_buf, 0, sizeof(take_buf));
	return &take_buf;
}
#define take(p, c) take_at((p), (c), __LINE__)

static unsigned count(uint16_t proto, int code)
{
	unsigned i, n = 0;

	for (i = 0; i < nq; i++)
		n += q[i].proto == proto && (code < 0 || q[i].code == code);
	return n;
}

/* An option of a Configure packet, or NULL */
static const uint8_t *opt(const struct frame *f, uint8_t type)
{
	size_t i = 0;

	while (i + 2 <= f->len && f->d[i + 1] >= 2 && i + f->d[i + 1] <= f->len) {
		if (f->d[i] == type)
			return f->d + i;
		i += f->d[i + 1];
	}
	return NULL;
}

static bool same(const struct frame *f, const char *hex)
{
	uint8_t b[512];
	size_t n = check_unhex(hex, b, sizeof(b));

	if (n == f->len && memcmp(b, f->d, n) == 0)
		return true;
	check_hexdump("  frame   ", f->d, f->len);
	check_hexdump("  expected", b, n);
	return false;
}

/* ---- the session's side ---- */

static struct {
	enum wv_state progress[8];
	unsigned n_progress;
	unsigned ip4;
	struct ppp_ip4 ip;
	char enc[72];
	unsigned delivered;
	uint8_t last_ip[256];
	size_t last_ip_len;
	unsigned dead;
	enum wv_fail why;
	char msg[600];
} ev;

static void on_progress(void *arg, enum wv_state st)
{
	if (ev.n_progress < ARRAY_SIZE(ev.progress))
		ev.progress[ev.n_progress++] = st;
}

static void on_ip4_up(void *arg, const struct ppp_ip4 *c)
{
	ev.ip4++;
	ev.ip = *c;
	snprintf(ev.enc, sizeof(ev.enc), "%s", c->encryption ? c->encryption : "(null)");
	ev.ip.encryption = ev.enc;
}

static void on_deliver(void *arg, uint16_t proto, struct pkt *p)
{
	CHECK(proto == PPP_IP);
	ev.delivered++;
	ev.last_ip_len = MIN(p->len, sizeof(ev.last_ip));
	memcpy(ev.last_ip, p->data, ev.last_ip_len);
	pkt_free(p);
}

static struct ppp *C;

static bool free_in_dead;

static void on_dead(void *arg, enum wv_fail why, const char *msg)
{
	ev.dead++;
	ev.why = why;
	snprintf(ev.msg, sizeof(ev.msg), "%s", msg ? msg : "");
	/* the owner may free PPP from inside dead() */
	if (free_in_dead) {
		ppp_free(C);
		C = NULL;
	}
}

static const struct ppp_events events = {
	.send = on_send, .progress = on_progress, .ip4_up = on_ip4_up,
	.deliver = on_deliver, .dead = on_dead,
};

static void logfn(void *arg, enum wv_log_level lvl, const char *sub, const char *msg)
{
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  [%s] %s\n", sub, msg);
}

static const struct wv_log lg = { logfn, NULL, WV_LOG_TRACE };
static struct wv_loop *loop;
static uint64_t now_ms;
static uint64_t fake_now(void *arg) { return now_ms; }
static bool have_mschap;

static void advance(uint64_t ms)
{
	uint64_t step;

	/* in steps, so each timer sees its own deadline */
	while (ms) {
		step = MIN(ms, (uint64_t)500);
		now_ms += step;
		ms -= step;
		wv_loop_run_timers(loop);
	}
	wv_loop_run_timers(loop);
}

static void settle(void)
{
	wv_loop_run_timers(loop);
}

/* ---- the peer's side ---- */

static void peer_frame(const uint8_t *buf, size_t len)
{
	struct pkt *p = pkt_from(buf, len);

	CHECK(p != NULL);
	if (p)
		ppp_input(C, p);
}

static void peer_hex(const char *hex)
{
	uint8_t b[1600];

	peer_frame(b, check_unhex(hex, b, sizeof(b)));
}

static void peer_cpb(uint16_t proto, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t b[1600];

	b[0] = 0xff;
	b[1] = 0x03;
	store_be16(b + 2, proto);
	b[4] = code;
	b[5] = id;
	store_be16(b + 6, (uint16_t)(n + 4));
	memcpy(b + 8, d, n);
	peer_frame(b, n + 8);
}

static void peer_cp(uint16_t proto, uint8_t code, uint8_t id, const char *hex)
{
	uint8_t d[1500];

	peer_cpb(proto, code, id, d, check_unhex(hex, d, sizeof(d)));
}

/* Acks a frame the client sent: same identifier, same options. */
static void peer_ack(const struct frame *f)
{
	peer_cpb(f->proto, CONFACK, f->id, f->d, f->len);
}

/* ---- scenario helpers ---- */

static void cfg_default(struct ppp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->user = "alice";
	c->password = "clientPass";
	c->mppe_possible = true;
}

static void start(const struct ppp_config *c)
{
	memset(&ev, 0, sizeof(ev));
	nq = 0;
	C = ppp_new(loop, &lg, c, &events, NULL);
	CHECK(C != NULL);
	ppp_lower_up(C);
}

static void finish(void)
{
	ppp_free(C);
	C = NULL;
	nq = 0;
	settle();
}

/* The client's LCP Configure-Request for the peer to look at. */
static struct frame lcp_req;

/* LCP up with the peer's options (hex); the peer acks whatever we ask. */
static void lcp_up(const char *peer_opts)
{
	const struct frame *f;
	char buf[600];

	lcp_req = *take(PPP_LCP, LCP_CONFREQ);
	peer_ack(&lcp_req);
	snprintf(buf, sizeof(buf), "%s", peer_opts);
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, buf);
	f = take(PPP_LCP, CONFACK);
	CHECK(f->id == 1);
	CHECK(same(f, peer_opts));
}

/* IPCP as RRAS does it: Nak with the address and DNS, Reject of NBNS. */
static void ipcp_up(void)
{
	const struct frame *f;

	uint8_t id;

	f = take(PPP_IPCP, LCP_CONFREQ);
	CHECK(same(f, "03 06 00 00 00 00 81 06 00 00 00 00 82 06 00 00 00 00 "
		      "83 06 00 00 00 00 84 06 00 00 00 00"));
	id = f->id;
	peer_cp(PPP_IPCP, LCP_CONFREQ, 1, "03 06 c0 a8 64 01");
	f = take(PPP_IPCP, CONFACK);
	CHECK(same(f, "03 06 c0 a8 64 01"));
	peer_cp(PPP_IPCP, CONFNAK, id, "03 06 c0 a8 64 0a 81 06 0a 00 00 35 83 06 0a 00 00 36");
	f = take(PPP_IPCP, LCP_CONFREQ);
	CHECK(same(f, "03 06 c0 a8 64 0a 81 06 0a 00 00 35 82 06 00 00 00 00 "
		      "83 06 0a 00 00 36 84 06 00 00 00 00"));
	peer_cp(PPP_IPCP, CONFREJ, f->id, "82 06 00 00 00 00 84 06 00 00 00 00");
	f = take(PPP_IPCP, LCP_CONFREQ);
	CHECK(same(f, "03 06 c0 a8 64 0a 81 06 0a 00 00 35 83 06 0a 00 00 36"));
	peer_ack(f);
}

/* PAP: the peer acks the Authenticate-Request. */
static void pap_ok(void)
{
	const struct frame *f = take(PPP_PAP, 1);

	/* Peer-ID "alice", Password "clientPass" */
	CHECK(f->len == 1 + 5 + 1 + 10 && f->d[0] == 5 && memcmp(f->d + 1, "alice", 5) == 0);
	peer_cp(PPP_PAP, 2, f->id, "00");
}

/* MS-CHAPv2 as RRAS does it; fills the client's MPPE keys. */
static struct mschapv2_client v2keys;

static void mschapv2_ok(void)
{
	static const uint8_t chal[16] = {
		0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
		0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28 };
	uint8_t b[64];
	const struct frame *f;
	char msg[80];
	int i;

	b[0] = 16;
	memcpy(b + 1, chal, 16);
	/* no Name: Windows sends none */
	peer_cpb(PPP_CHAP, 1, 0x21, b, 17);
	f = take(PPP_CHAP, 2);
	CHECK(f->id == 0x21);
	CHECK(f->len == 1 + 49 + 5 && f->d[0] == 49);
	CHECK(memcmp(f->d + 50, "alice", 5) == 0);
	CHECK(mschapv2_client_compute(chal, f->d + 1, "alice", "clientPass", &v2keys) == 0);
	CHECK_MEM(f->d + 1 + 24, v2keys.nt_response, 24);
	/* Windows Server 2019 style: no space before M= */
	i = snprintf(msg, sizeof(msg), "S=");
	for (int k = 0; k < 20; k++)
		i += snprintf(msg + i, sizeof(msg) - (size_t)i, "%02X", v2keys.auth_response[k]);
	i += snprintf(msg + i, sizeof(msg) - (size_t)i, "M=Access granted");
	peer_cpb(PPP_CHAP, 3, 0x21, (const uint8_t *)msg, (size_t)i);
}

static bool progressed(enum wv_state st)
{
	unsigned i;

	for (i = 0; i < ev.n_progress; i++)
		if (ev.progress[i] == st)
			return true;
	return false;
}

static void take_lcp_req(void)
{
	lcp_req = *take(PPP_LCP, LCP_CONFREQ);
}

/* ---- cases ---- */

/* pptpd/RRAS: MS-CHAPv2, MPPE-128 stateless, IPCP with DNS, data both ways,
 * unencrypted data refused, then an orderly close. */
static void test_pptp_mschapv2_mppe(void)
{
	struct ppp_config c;
	const struct frame *f;
	struct mppe_dir ptx, prx;
	struct pkt *p;
	uint8_t ip[28];
	int err;

	if (!have_mschap)
		return;
	cfg_default(&c);
	c.require_mppe_128 = true;
	start(&c);
	CHECK(progressed(WV_STATE_AUTHENTICATING));
	take_lcp_req();
	/* MRU 1400, Magic-Number, PFC, ACFC -- like Windows */
	CHECK(lcp_req.len == 14);
	CHECK(opt(&lcp_req, 1) && memcmp(opt(&lcp_req, 1), "\x01\x04\x05\x78", 4) == 0);
	CHECK(opt(&lcp_req, 5) && opt(&lcp_req, 5)[1] == 6);
	CHECK(opt(&lcp_req, 7) && opt(&lcp_req, 8));
	CHECK(!opt(&lcp_req, 2) && !opt(&lcp_req, 3));
	CHECK(!lcp_req.acfc_omitted);
	peer_ack(&lcp_req);
	/* pptpd's "<asyncmap 0x0> <auth chap MS-v2> <magic> <pcomp> <accomp>" */
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "02 06 00 00 00 00 03 05 c2 23 81 05 06 12 34 56 78 "
		"07 02 08 02");
	f = take(PPP_LCP, CONFACK);
	CHECK(same(f, "02 06 00 00 00 00 03 05 c2 23 81 05 06 12 34 56 78 07 02 08 02"));
	CHECK(!progressed(WV_STATE_CONFIGURING));

	mschapv2_ok();
	CHECK(progressed(WV_STATE_CONFIGURING));
	/* CCP: S and H only, because of require-mppe-128 */
	f = take(PPP_CCP, LCP_CONFREQ);
	CHECK(same(f, "12 06 01 00 00 40"));
	peer_ack(f);
	peer_cp(PPP_CCP, LCP_CONFREQ, 1, "12 06 01 00 00 40");
	f = take(PPP_CCP, CONFACK);
	CHECK(same(f, "12 06 01 00 00 40"));
	CHECK(ev.ip4 == 0);
	ipcp_up();
	CHECK(ev.ip4 == 1);
	CHECK(ev.ip.local.s_addr == htonl(0xc0a8640a));
	CHECK(ev.ip.peer.s_addr == htonl(0xc0a86401));
	CHECK(ev.ip.dns[0].s_addr == htonl(0x0a000035));
	CHECK(ev.ip.dns[1].s_addr == htonl(0x0a000036));
	CHECK(ev.ip.nbns[0].s_addr == 0 && ev.ip.nbns[1].s_addr == 0);
	/* MTU: the 1400 MRU less the MPPE header and the encrypted protocol */
	CHECK(ev.ip.mtu == 1396);
	CHECK_STR(ev.enc, "MPPE-128 stateless");
	CHECK(ev.dead == 0);

	/* the gateway's MPPE: it receives with our send key, and back */
	memset(&ptx, 0, sizeof(ptx));
	memset(&prx, 0, sizeof(prx));
	CHECK(mppe_dir_init(&prx, v2keys.send_key, 128, true) == 0);
	CHECK(mppe_dir_init(&ptx, v2keys.recv_key, 128, true) == 0);

	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	store_be16(ip + 2, sizeof(ip));
	memcpy(ip + 20, "payload!", 8);
	p = pkt_from(ip, sizeof(ip));
	CHECK(ppp_send_ip(C, PPP_IP, p) == 0);
	f = take(PPP_COMP, -1);
	CHECK(f->rawlen == 2 + 2 + sizeof(ip));
	p = pkt_from(f->raw, f->rawlen);
	CHECK(mppe_decrypt(&prx, p) == MPPE_RX_OK);
	CHECK(p->len == 2 + sizeof(ip) && load_be16(p->data) == PPP_IP);
	CHECK(memcmp(p->data + 2, ip, sizeof(ip)) == 0);
	pkt_free(p);

	/* the gateway sends one encrypted datagram: delivered */
	p = pkt_alloc();
	memcpy(pkt_put(p, 2), "\x00\x21", 2);
	memcpy(pkt_put(p, sizeof(ip)), ip, sizeof(ip));
	err = mppe_encrypt(&ptx, p);
	CHECK(err == 0);
	memcpy(pkt_push(p, 4), "\xff\x03\x00\xfd", 4);
	ppp_input(C, p);
	CHECK(ev.delivered == 1 && ev.last_ip_len == sizeof(ip));
	CHECK(memcmp(ev.last_ip, ip, sizeof(ip)) == 0);
	/* ... and one in the clear: dropped, MPPE was agreed */
	p = pkt_alloc();
	memcpy(pkt_put(p, 4), "\xff\x03\x00\x21", 4);
	memcpy(pkt_put(p, sizeof(ip)), ip, sizeof(ip));
	ppp_input(C, p);
	CHECK(ev.delivered == 1);
	/* IPv6 is not negotiated */
	p = pkt_from(ip, sizeof(ip));
	CHECK(ppp_send_ip(C, PPP_IPV6, p) < 0);
	mppe_dir_clear(&ptx);
	mppe_dir_clear(&prx);

	/* orderly close: Terminate-Request, Terminate-Ack, dead(WV_OK) */
	nq = 0;
	ppp_close(C, "user request");
	f = take(PPP_LCP, TERMREQ);
	settle();
	CHECK(ev.dead == 0);
	peer_cp(PPP_LCP, TERMACK, f->id, "");
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_OK);
	CHECK_STR(ev.msg, "user request");
	/* nothing after the end */
	p = pkt_from(ip, sizeof(ip));
	CHECK(ppp_send_ip(C, PPP_IP, p) < 0);
	finish();
}

/* A lossy link loses Configure-Acks.  pppd, once its CCP is open with MPPE,
 * hangs up when a Configure-Request of ours reaches it ("MPPE disabled"), so:
 *  - CCP: the gateway's request is answered only once ours is acked; its
 *    Ack to ours is lost, ours goes again, and only then do both open;
 *  - IPCP: the gateway's Ack to ours is lost, but it sends data: that
 *    stands for the Ack, and our request is not repeated;
 *  - then our Acks are lost and the gateway repeats its requests: acked
 *    again, nothing renegotiated. */
static void test_lost_acks(void)
{
	struct ppp_config c;
	const struct frame *f;
	struct mppe_dir ptx;
	struct pkt *p;
	uint8_t ip[28], ccp_id;

	if (!have_mschap)
		return;
	cfg_default(&c);
	c.require_mppe_128 = true;
	start(&c);
	take_lcp_req();
	peer_ack(&lcp_req);
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 05 c2 23 81 05 06 12 34 56 78 07 02 08 02");
	take(PPP_LCP, CONFACK);
	mschapv2_ok();
	memset(&ptx, 0, sizeof(ptx));
	CHECK(mppe_dir_init(&ptx, v2keys.recv_key, 128, true) == 0);
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	store_be16(ip + 2, sizeof(ip));

	/* CCP: the gateway's request waits for the Ack to ours, which is lost */
	ccp_id = take(PPP_CCP, LCP_CONFREQ)->id;
	peer_cp(PPP_CCP, LCP_CONFREQ, 1, "12 06 01 00 00 40");
	CHECK(count(PPP_CCP, CONFACK) == 0);
	/* IPCP: Nak with our address, then our new request's Ack is lost */
	f = take(PPP_IPCP, LCP_CONFREQ);
	peer_cp(PPP_IPCP, LCP_CONFREQ, 1, "03 06 c0 a8 64 01");
	take(PPP_IPCP, CONFACK);
	peer_cp(PPP_IPCP, CONFREJ, f->id, "81 06 00 00 00 00 82 06 00 00 00 00 "
		"83 06 00 00 00 00 84 06 00 00 00 00");
	f = take(PPP_IPCP, LCP_CONFREQ);
	peer_cp(PPP_IPCP, CONFNAK, f->id, "03 06 c0 a8 64 0a");
	f = take(PPP_IPCP, LCP_CONFREQ);
	CHECK(same(f, "03 06 c0 a8 64 0a"));
	/* our CCP request goes again; acked this time, and the gateway's is
	 * answered at once */
	nq = 0;
	advance(3000);
	f = take(PPP_CCP, LCP_CONFREQ);
	CHECK(f->id == ccp_id && count(PPP_CCP, CONFACK) == 0);
	peer_ack(f);
	CHECK(take(PPP_CCP, CONFACK)->id == 1);
	CHECK(ev.ip4 == 0);

	/* the gateway, open on both, sends an encrypted datagram before our
	 * IPCP request would go again */
	nq = 0;
	p = pkt_alloc();
	memcpy(pkt_put(p, 2), "\x00\x21", 2);
	memcpy(pkt_put(p, sizeof(ip)), ip, sizeof(ip));
	CHECK(mppe_encrypt(&ptx, p) == 0);
	memcpy(pkt_push(p, 4), "\xff\x03\x00\xfd", 4);
	ppp_input(C, p);
	CHECK(ev.ip4 == 1);
	CHECK(ev.ip.local.s_addr == htonl(0xc0a8640a));
	CHECK_STR(ev.enc, "MPPE-128 stateless");
	CHECK(ev.delivered == 1 && ev.last_ip_len == sizeof(ip));
	advance(10000);
	CHECK(count(PPP_CCP, LCP_CONFREQ) == 0);
	CHECK(count(PPP_IPCP, LCP_CONFREQ) == 0);
	CHECK(ev.dead == 0);
	/* The other way round: our Acks to the gateway's requests are lost, it
	 * repeats them.  They are acked again, and nothing starts over. */
	nq = 0;
	peer_cp(PPP_CCP, LCP_CONFREQ, 1, "12 06 01 00 00 40");
	peer_cp(PPP_IPCP, LCP_CONFREQ, 1, "03 06 c0 a8 64 01");
	CHECK(take(PPP_CCP, CONFACK)->id == 1);
	CHECK(take(PPP_IPCP, CONFACK)->id == 1);
	CHECK(count(PPP_CCP, LCP_CONFREQ) == 0 && count(PPP_IPCP, LCP_CONFREQ) == 0);
	CHECK(ev.ip4 == 1 && ev.dead == 0);
	mppe_dir_clear(&ptx);
	finish();
}

static void expect_dead(enum wv_fail why, const char *sentence)
{
	const struct frame *f = take(PPP_LCP, TERMREQ);

	peer_cp(PPP_LCP, TERMACK, f->id, "");
	settle();
	CHECK(ev.dead == 1);
	CHECK(ev.why == why);
	CHECK_STR(ev.msg, sentence);
	if (ev.why != why || strcmp(ev.msg, sentence))
		fprintf(stderr, "  got %d \"%s\"\n", ev.why, ev.msg);
}

/* What the client answers to the gateway's Authentication-Protocol. */
struct auth_case {
	const char *peer_auth;      /* the option, hex */
	bool refuse_pap, refuse_chap, refuse_mschap, refuse_mschapv2, refuse_eap;
	bool require_mppe;
	int answer;                 /* CONFACK, CONFNAK or -1 (fails) */
	const char *nak;            /* the suggested option */
	const char *sentence;
};

static const struct auth_case auth_cases[] = {
	{ "03 05 c2 23 81", .answer = CONFACK },
	{ "03 05 c2 23 80", .answer = CONFACK },
	{ "03 05 c2 23 05", .answer = CONFACK },
	{ "03 04 c0 23", .answer = CONFACK },
	/* EAP (SoftEther's case, without Magic-Number: test_auth_eap_softether) */
	{ "03 04 c2 27", .answer = CONFACK },
	{ "03 04 c2 27", .require_mppe = true, .answer = CONFACK },
	{ "03 04 c2 27", .refuse_eap = true, .answer = CONFNAK, .nak = "03 05 c2 23 81" },
	{ "03 04 c0 23", .refuse_pap = true, .answer = CONFNAK, .nak = "03 05 c2 23 81" },
	{ "03 05 c2 23 81", .refuse_mschapv2 = true, .answer = CONFNAK, .nak = "03 05 c2 23 80" },
	{ "03 05 c2 23 81", .refuse_mschapv2 = true, .refuse_mschap = true, .answer = CONFNAK,
	  .nak = "03 05 c2 23 05" },
	{ "03 05 c2 23 81", .refuse_mschapv2 = true, .refuse_mschap = true, .refuse_chap = true,
	  .answer = CONFNAK, .nak = "03 04 c2 27" },
	{ "03 05 c2 23 81", .refuse_mschapv2 = true, .refuse_mschap = true, .refuse_chap = true,
	  .refuse_eap = true, .answer = CONFNAK, .nak = "03 04 c0 23" },
	{ "03 04 c0 23", .require_mppe = true, .answer = CONFNAK, .nak = "03 05 c2 23 81" },
	{ "03 05 c2 23 05", .require_mppe = true, .answer = CONFNAK, .nak = "03 05 c2 23 81" },
	{ "03 05 c2 23 80", .require_mppe = true, .answer = CONFACK },
	/* an unknown CHAP algorithm */
	{ "03 05 c2 23 06", .answer = CONFNAK, .nak = "03 05 c2 23 81" },
	/* nothing left to offer: a sentence, no Configure-Reject */
	{ "03 04 c0 23", .refuse_pap = true, .refuse_chap = true, .refuse_mschap = true,
	  .refuse_mschapv2 = true, .refuse_eap = true, .answer = -1,
	  .sentence = "the server requires PAP, which the settings refuse (refuse-pap)" },
	{ "03 05 c2 23 05", .require_mppe = true, .refuse_mschap = true, .refuse_mschapv2 = true,
	  .answer = CONFNAK, .nak = "03 04 c2 27" },
	{ "03 05 c2 23 05", .require_mppe = true, .refuse_mschap = true, .refuse_mschapv2 = true,
	  .refuse_eap = true, .answer = -1,
	  .sentence = "the server requires CHAP-MD5, which cannot provide the MPPE keys that the "
		      "settings require (require-mppe)" },
	{ "03 04 c2 27", .refuse_pap = true, .refuse_chap = true, .refuse_mschap = true,
	  .refuse_mschapv2 = true, .refuse_eap = true, .answer = -1,
	  .sentence = "the server requires EAP, which the settings refuse (refuse-eap)" },
	{ "03 04 c0 27", .refuse_pap = true, .refuse_chap = true, .refuse_mschap = true,
	  .refuse_mschapv2 = true, .refuse_eap = true, .answer = -1,
	  .sentence = "the server requires authentication protocol 0xc027, which winvpn does not "
		      "support" },
};

static void test_auth_matrix(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(auth_cases); i++) {
		const struct auth_case *ac = &auth_cases[i];
		struct ppp_config c;
		const struct frame *f;
		char req[200];
		int before = check_failed;

		cfg_default(&c);
		c.refuse_pap = ac->refuse_pap;
		c.refuse_chap = ac->refuse_chap;
		c.refuse_mschap = ac->refuse_mschap;
		c.refuse_mschapv2 = ac->refuse_mschapv2;
		c.refuse_eap = ac->refuse_eap;
		c.require_mppe = ac->require_mppe;
		start(&c);
		take_lcp_req();
		snprintf(req, sizeof(req), "01 04 05 78 %s 05 06 12 34 56 78", ac->peer_auth);
		peer_cp(PPP_LCP, LCP_CONFREQ, 1, req);
		settle();
		CHECK(count(PPP_LCP, CONFREJ) == 0);
		if (ac->answer == CONFACK) {
			f = take(PPP_LCP, CONFACK);
			CHECK(same(f, req));
			CHECK(ev.dead == 0);
		} else if (ac->answer == CONFNAK) {
			f = take(PPP_LCP, CONFNAK);
			CHECK(same(f, ac->nak));
			CHECK(ev.dead == 0);
		} else {
			/* RFC 1661 Close in Req-Sent: Terminate-Request, then the end */
			CHECK(count(PPP_LCP, CONFACK) == 0);
			CHECK(count(PPP_LCP, CONFNAK) == 0);
			CHECK(ev.dead == 0);
			expect_dead(WV_FAIL_PROPOSAL, ac->sentence);
		}
		if (check_failed != before)
			fprintf(stderr, "  (auth case %zu: %s)\n", i, ac->peer_auth);
		finish();
	}
}

/* The gateway comes back to the method we Nak'ed: it has nothing else.
 * A retransmission (same identifier) is not that. */
static void test_auth_walk(void)
{
	struct ppp_config c;
	const struct frame *f;

	cfg_default(&c);
	c.refuse_pap = true;
	start(&c);
	take_lcp_req();
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c0 23");
	f = take(PPP_LCP, CONFNAK);
	CHECK(same(f, "03 05 c2 23 81"));
	/* retransmission, same identifier: Nak again */
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c0 23");
	f = take(PPP_LCP, CONFNAK);
	settle();
	CHECK(ev.dead == 0);
	/* RRAS walking down its list: EAP, then MS-CHAPv2 -> Ack */
	peer_cp(PPP_LCP, LCP_CONFREQ, 2, "03 04 c2 27");
	f = take(PPP_LCP, CONFNAK);
	peer_cp(PPP_LCP, LCP_CONFREQ, 3, "03 05 c2 23 81");
	f = take(PPP_LCP, CONFACK);
	finish();

	/* pppd with only PAP: it asks again with a new identifier */
	start(&c);
	take_lcp_req();
	peer_ack(&lcp_req);
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c0 23");
	take(PPP_LCP, CONFNAK);
	peer_cp(PPP_LCP, LCP_CONFREQ, 2, "03 04 c0 23");
	settle();
	CHECK(ev.dead == 0);        /* it waits for the Terminate-Ack */
	f = take(PPP_LCP, TERMREQ);
	peer_cp(PPP_LCP, TERMACK, f->id, "");
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PROPOSAL);
	CHECK_STR(ev.msg, "the server requires PAP, which the settings refuse (refuse-pap)");
	finish();

	/* a gateway cycling through methods we refuse: at Max-Failure we stop
	 * with the sentence; authentication is never Configure-Rejected */
	c.refuse_chap = true;
	c.refuse_mschap = true;
	start(&c);
	take_lcp_req();
	{
		static const char *const walk[] = {
			"03 04 c0 23", "03 04 c2 27", "03 05 c2 23 05", "03 05 c2 23 80",
			"03 04 c0 27", "03 05 c2 23 06",
		};
		unsigned k;

		for (k = 0; k < ARRAY_SIZE(walk); k++)
			peer_cp(PPP_LCP, LCP_CONFREQ, (uint8_t)(10 + k), walk[k]);
	}
	CHECK(count(PPP_LCP, CONFNAK) == 5);
	CHECK(count(PPP_LCP, CONFREJ) == 0);
	expect_dead(WV_FAIL_PROPOSAL, "the server requires CHAP with algorithm 0x06, which winvpn "
		    "does not support");
	finish();
	c.refuse_chap = false;
	c.refuse_mschap = false;

	/* the gateway hangs up after our Nak instead */
	start(&c);
	take_lcp_req();
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c0 23");
	take(PPP_LCP, CONFNAK);
	peer_cp(PPP_LCP, TERMREQ, 7, "");
	f = take(PPP_LCP, TERMACK);
	CHECK(f->id == 7);
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(ev.msg, "declined its authentication method (PAP)") != NULL);
	finish();
}

/* SoftEther 5.01's EAP request (no Magic-Number) with a password: Nak'ed
 * once for MS-CHAPv2 (its EAP cannot fall back), accepted when the gateway
 * insists; a retransmission is Nak'ed again.  With user-auth-type=tls, or
 * from a gateway sending a Magic-Number (pppd), EAP is accepted at once. */
static void test_auth_eap_softether(void)
{
	struct ppp_config c;
	const struct frame *f;

	cfg_default(&c);
	start(&c);
	take_lcp_req();
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c2 27");
	f = take(PPP_LCP, CONFNAK);
	CHECK(same(f, "03 05 c2 23 81"));
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c2 27");
	f = take(PPP_LCP, CONFNAK);
	CHECK(same(f, "03 05 c2 23 81"));
	peer_cp(PPP_LCP, LCP_CONFREQ, 2, "03 04 c2 27");
	f = take(PPP_LCP, CONFACK);
	CHECK(same(f, "03 04 c2 27"));
	CHECK(ev.dead == 0);
	finish();

	start(&c);
	take_lcp_req();
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c2 27 05 06 12 34 56 78");
	f = take(PPP_LCP, CONFACK);
	CHECK(same(f, "03 04 c2 27 05 06 12 34 56 78"));
	finish();

	cfg_default(&c);
	c.eap_tls = true;
	start(&c);
	take_lcp_req();
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "03 04 c2 27");
	f = take(PPP_LCP, CONFACK);
	/* and MS-CHAPv2 is Nak'ed for EAP: no password to use */
	peer_cp(PPP_LCP, LCP_CONFREQ, 2, "03 05 c2 23 81");
	f = take(PPP_LCP, CONFNAK);
	CHECK(same(f, "03 04 c2 27"));
	finish();
}

/* SoftEther: Magic-Number rejected; then Echo carries 0. */
static void test_magic_rejected(void)
{
	struct ppp_config c;
	const struct frame *f;
	const uint8_t *m;
	char rej[40];

	cfg_default(&c);
	start(&c);
	take_lcp_req();
	m = opt(&lcp_req, 5);
	CHECK(m != NULL);
	snprintf(rej, sizeof(rej), "05 06 %02x %02x %02x %02x", m[2], m[3], m[4], m[5]);
	peer_cp(PPP_LCP, CONFREJ, lcp_req.id, rej);
	f = take(PPP_LCP, LCP_CONFREQ);
	CHECK(f->id != lcp_req.id);
	CHECK(same(f, "01 04 05 78 07 02 08 02"));
	peer_ack(f);
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "01 04 05 78 03 04 c0 23");
	take(PPP_LCP, CONFACK);
	pap_ok();
	ipcp_up();
	CHECK(ev.ip4 == 1);
	/* no keys (PAP): no CCP, and the tunnel says so */
	CHECK(count(PPP_CCP, -1) == 0);
	CHECK_STR(ev.enc, "none");
	CHECK(ev.ip.mtu == 1400);
	/* Echo-Request: answered with magic 0 and the same data */
	peer_cp(PPP_LCP, ECHOREQ, 0x77, "00 00 00 00 61 62 63 64");
	f = take(PPP_LCP, ECHOREP);
	CHECK(f->id == 0x77);
	CHECK(same(f, "00 00 00 00 61 62 63 64"));
	finish();
}

/* RRAS asks for Callback, MRRU and Endpoint Discriminator: all rejected,
 * and nothing else. */
static void test_rras_options(void)
{
	struct ppp_config c;
	const struct frame *f;

	cfg_default(&c);
	start(&c);
	take_lcp_req();
	peer_cp(PPP_LCP, LCP_CONFREQ, 1,
		"01 04 05 78 03 05 c2 23 81 05 06 01 02 03 04 07 02 08 02 0d 03 06 "
		"11 04 06 4e 13 17 01 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00 01 02 03");
	f = take(PPP_LCP, CONFREJ);
	CHECK(same(f, "0d 03 06 11 04 06 4e 13 17 01 00 11 22 33 44 55 66 77 88 99 aa bb cc "
		      "dd ee ff 00 01 02 03"));
	peer_cp(PPP_LCP, LCP_CONFREQ, 2,
		"01 04 05 78 03 05 c2 23 81 05 06 01 02 03 04 07 02 08 02");
	take(PPP_LCP, CONFACK);
	finish();
}

/* MRU: the peer's Nak of ours, and ours of a peer's MRU below 576 */
static void test_mru(void)
{
	struct ppp_config c;
	const struct frame *f;
	uint8_t magic[4];

	cfg_default(&c);
	c.mtu = 1500;
	start(&c);
	take_lcp_req();
	memcpy(magic, opt(&lcp_req, 5) + 2, 4);
	peer_cp(PPP_LCP, CONFNAK, lcp_req.id, "01 04 05 00");
	f = take(PPP_LCP, LCP_CONFREQ);
	CHECK(opt(f, 1) && load_be16(opt(f, 1) + 2) == 1280);
	CHECK(opt(f, 5) && memcmp(opt(f, 5) + 2, magic, 4) == 0);
	peer_ack(f);
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, "01 04 01 f4");
	f = take(PPP_LCP, CONFNAK);
	CHECK(same(f, "01 04 02 40"));
	/* the peer's MRU bounds the MTU (no MPPE here: no authentication) */
	peer_cp(PPP_LCP, LCP_CONFREQ, 2, "01 04 05 50");
	take(PPP_LCP, CONFACK);
	ipcp_up();
	CHECK(ev.ip4 == 1 && ev.ip.mtu == 1360);
	CHECK(count(PPP_CCP, -1) == 0);
	finish();
}

/* PFC/ACFC frames from the peer, Protocol-Reject, Code-Reject, loopback Nak */
static void test_framing(void)
{
	struct ppp_config c;
	const struct frame *f;
	char hex[64];
	const uint8_t *m;

	cfg_default(&c);
	start(&c);
	take_lcp_req();
	/* our own magic in the peer's request: Nak with another number */
	m = opt(&lcp_req, 5);
	snprintf(hex, sizeof(hex), "05 06 %02x %02x %02x %02x", m[2], m[3], m[4], m[5]);
	peer_cp(PPP_LCP, LCP_CONFREQ, 1, hex);
	f = take(PPP_LCP, CONFNAK);
	CHECK(f->len == 6 && f->d[0] == 5 && memcmp(f->d + 2, m + 2, 4) != 0);
	peer_ack(&lcp_req);
	peer_cp(PPP_LCP, LCP_CONFREQ, 2, "05 06 01 02 03 04 07 02 08 02");
	take(PPP_LCP, CONFACK);
	ipcp_up();
	CHECK(ev.ip4 == 1);
	/* the peer asked for ACFC: our data frames leave out FF 03 */
	{
		uint8_t ip[20] = { 0x45 };
		CHECK(ppp_send_ip(C, PPP_IP, pkt_from(ip, sizeof(ip))) == 0);
		f = take(PPP_IP, -1);
		CHECK(f->acfc_omitted && f->rawlen == 20);
	}
	/* IP with a compressed protocol field and no address/control */
	peer_hex("21 45 00 00 14 00 00 00 00 40 01 00 00 0a 00 00 01 0a 00 00 02");
	CHECK(ev.delivered == 1 && ev.last_ip_len == 20 && ev.last_ip[0] == 0x45);
	/* LCP without FF 03: still LCP (Echo answered) */
	peer_hex("c0 21 09 05 00 08 01 02 03 04");
	f = take(PPP_LCP, ECHOREP);
	CHECK(f->id == 5 && f->len == 4);
	/* an even protocol number is invalid: dropped silently */
	peer_hex("ff 03 80 20 01 01 00 04");
	CHECK(nq == 0);
	/* IPV6CP is not spoken: Protocol-Reject with the packet */
	peer_cp(PPP_IPV6CP, LCP_CONFREQ, 1, "01 0a 00 00 00 00 00 00 00 01");
	f = take(PPP_LCP, PROTREJ);
	CHECK(f->len == 2 + 14 && load_be16(f->d) == PPP_IPV6CP);
	CHECK(f->d[2] == 1 && f->d[3] == 1);
	/* CCP without MPPE keys (no auth here): Protocol-Reject */
	peer_cp(PPP_CCP, LCP_CONFREQ, 1, "12 06 01 00 00 40");
	f = take(PPP_LCP, PROTREJ);
	CHECK(load_be16(f->d) == PPP_CCP);
	/* an unknown LCP code: Code-Reject */
	peer_cp(PPP_LCP, 0x42, 9, "00");
	f = take(PPP_LCP, CODEREJ);
	CHECK(same(f, "42 09 00 05 00"));
	/* Discard-Request and Identification (Windows): silently dropped */
	peer_cp(PPP_LCP, 11, 10, "00 00 00 00");
	peer_cp(PPP_LCP, 12, 11, "00 00 00 00 4d 53 52 41 53 56 35 2e 32 30");
	CHECK(nq == 0);
	CHECK(ev.dead == 0);
	/* a late Protocol-Reject of IPV6CP is harmless */
	peer_cp(PPP_LCP, PROTREJ, 3, "80 57 01 01 00 04");
	settle();
	CHECK(ev.dead == 0);
	finish();
}

/* IPCP: the gateway asks for VJ and for 0.0.0.0; the gateway never gives
 * us an address. */
static void test_ipcp_edges(void)
{
	struct ppp_config c;
	const struct frame *f;

	uint8_t id;

	cfg_default(&c);
	start(&c);
	lcp_up("05 06 01 02 03 04");
	f = take(PPP_IPCP, LCP_CONFREQ);
	id = f->id;
	peer_cp(PPP_IPCP, LCP_CONFREQ, 1, "02 06 00 2d 0f 01 03 06 c0 a8 00 01");
	f = take(PPP_IPCP, CONFREJ);
	CHECK(same(f, "02 06 00 2d 0f 01"));
	peer_cp(PPP_IPCP, LCP_CONFREQ, 2, "03 06 00 00 00 00");
	f = take(PPP_IPCP, CONFREJ);
	CHECK(same(f, "03 06 00 00 00 00"));
	/* an empty request is fine: the gateway's address stays unknown */
	peer_cp(PPP_IPCP, LCP_CONFREQ, 3, "");
	take(PPP_IPCP, CONFACK);
	/* SoftEther rejects Secondary DNS: not asked again */
	peer_cp(PPP_IPCP, CONFREJ, id, "83 06 00 00 00 00");
	f = take(PPP_IPCP, LCP_CONFREQ);
	CHECK(!opt(f, 131) && opt(f, 3) && opt(f, 129));
	/* the gateway acks 0.0.0.0: no address, a clear failure */
	peer_ack(f);
	settle();
	CHECK(ev.ip4 == 0);
	f = take(PPP_LCP, TERMREQ);
	peer_cp(PPP_LCP, TERMACK, f->id, "");
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PROTOCOL);
	CHECK(strstr(ev.msg, "did not assign an IPv4 address") != NULL);
	finish();

	/* the gateway rejects the IP-Address option itself */
	start(&c);
	lcp_up("05 06 01 02 03 04");
	f = take(PPP_IPCP, LCP_CONFREQ);
	peer_cp(PPP_IPCP, CONFREJ, f->id, "03 06 00 00 00 00");
	f = take(PPP_IPCP, LCP_CONFREQ);
	CHECK(!opt(f, 3));
	peer_ack(f);
	peer_cp(PPP_IPCP, LCP_CONFREQ, 1, "");
	settle();
	CHECK(ev.ip4 == 0 && ev.dead == 0);
	f = take(PPP_LCP, TERMREQ);
	advance(6000);     /* no Terminate-Ack: Max-Terminate, then the end */
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PROTOCOL);
	CHECK(strstr(ev.msg, "did not assign an IPv4 address") != NULL);
	finish();

	/* the gateway never answers IPCP */
	start(&c);
	lcp_up("05 06 01 02 03 04");
	advance(31000);
	settle();
	f = take(PPP_LCP, TERMREQ);
	peer_cp(PPP_LCP, TERMACK, f->id, "");
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PROTOCOL);
	CHECK_STR(ev.msg, "the gateway did not answer the IPv4 configuration (IPCP)");
	finish();
}

/* LCP up with MS-CHAPv2 and CCP started, for the MPPE cases. */
static void mppe_start(struct ppp_config *c)
{
	start(c);
	lcp_up("03 05 c2 23 81 05 06 01 02 03 04");
	mschapv2_ok();
}

static void test_mppe_refused(void)
{
	struct ppp_config c;
	const struct frame *f;

	if (!have_mschap)
		return;

	/* MPPE required; the gateway Protocol-Rejects CCP */
	cfg_default(&c);
	c.require_mppe = true;
	mppe_start(&c);
	f = take(PPP_CCP, LCP_CONFREQ);
	CHECK(same(f, "12 06 01 00 00 60"));
	peer_cpb(PPP_LCP, PROTREJ, 5, f->raw, 1);   /* too short: ignored */
	{
		uint8_t d[2 + 10];
		store_be16(d, PPP_CCP);
		memcpy(d + 2, f->raw, 10);
		peer_cpb(PPP_LCP, PROTREJ, 6, d, sizeof(d));
	}
	settle();
	CHECK(ev.ip4 == 0);
	expect_dead(WV_FAIL_PROPOSAL, "the gateway refused MPPE encryption (it rejected CCP), "
		    "which the settings require (require-mppe)");
	finish();

	/* MPPE-128 required; the gateway Configure-Rejects option 18 */
	cfg_default(&c);
	c.require_mppe_128 = true;
	mppe_start(&c);
	f = take(PPP_CCP, LCP_CONFREQ);
	peer_cp(PPP_CCP, CONFREJ, f->id, "12 06 01 00 00 40");
	settle();
	expect_dead(WV_FAIL_PROPOSAL, "the gateway refused MPPE encryption, which the settings "
		    "require (require-mppe-128)");
	finish();

	/* MPPE-128 required; the gateway offers only 40 bits */
	cfg_default(&c);
	c.require_mppe_128 = true;
	mppe_start(&c);
	f = take(PPP_CCP, LCP_CONFREQ);
	peer_cp(PPP_CCP, CONFNAK, f->id, "12 06 01 00 00 20");
	settle();
	expect_dead(WV_FAIL_PROPOSAL, "the gateway offers only MPPE-40 stateless encryption, which "
		    "the settings refuse (require-mppe-128)");
	finish();

	/* MPPE optional: the gateway rejects it; the tunnel comes up, unencrypted */
	cfg_default(&c);
	mppe_start(&c);
	f = take(PPP_CCP, LCP_CONFREQ);
	peer_cp(PPP_CCP, CONFREJ, f->id, "12 06 01 00 00 60");
	f = take(PPP_CCP, TERMREQ);
	peer_cp(PPP_CCP, TERMACK, f->id, "");
	ipcp_up();
	CHECK(ev.ip4 == 1);
	CHECK_STR(ev.enc, "none");
	CHECK(ev.ip.mtu == 1400);
	CHECK(ev.dead == 0);
	finish();
}

/* The gateway's CCP request: what we Ack and what we Nak */
static void test_ccp_peer_request(void)
{
	struct ppp_config c;
	const struct frame *f;

	if (!have_mschap)
		return;
	uint8_t id;

	cfg_default(&c);
	mppe_start(&c);
	f = take(PPP_CCP, LCP_CONFREQ);
	CHECK(same(f, "12 06 01 00 00 60"));
	id = f->id;
	/* our request is Nak'ed down to 40 bits: we follow (and the gateway's
	 * own requests are judged once ours is acked) */
	peer_cp(PPP_CCP, CONFNAK, id, "12 06 01 00 00 20");
	f = take(PPP_CCP, LCP_CONFREQ);
	CHECK(same(f, "12 06 01 00 00 20"));
	peer_ack(f);
	/* MPPC (C) and both strengths offered, plus Deflate: reject Deflate first */
	peer_cp(PPP_CCP, LCP_CONFREQ, 1, "12 06 01 00 00 61 1a 04 78 00");
	f = take(PPP_CCP, CONFREJ);
	CHECK(same(f, "1a 04 78 00"));
	/* then Nak: one strength (128), stateless, C cleared */
	peer_cp(PPP_CCP, LCP_CONFREQ, 2, "12 06 01 00 00 61");
	f = take(PPP_CCP, CONFNAK);
	CHECK(same(f, "12 06 01 00 00 40"));
	/* stateful without mppe-stateful: Nak with H */
	peer_cp(PPP_CCP, LCP_CONFREQ, 3, "12 06 00 00 00 40");
	f = take(PPP_CCP, CONFNAK);
	CHECK(same(f, "12 06 01 00 00 40"));
	/* 40-bit alone is allowed without require-mppe-128 */
	peer_cp(PPP_CCP, LCP_CONFREQ, 4, "12 06 01 00 00 20");
	take(PPP_CCP, CONFACK);
	ipcp_up();
	CHECK(ev.ip4 == 1);
	CHECK_STR(ev.enc, "MPPE-40 stateless");
	/* Reset-Request: answered with Reset-Ack */
	peer_cp(PPP_CCP, 14, 0x31, "");
	f = take(PPP_CCP, 15);
	CHECK(f->id == 0x31);
	finish();
}

/* Stateful MPPE (mppe-stateful): lost sync asks for a reset, at most once a
 * second until the gateway acks; the gateway's Reset-Request makes our next
 * packet carry the flushed bit. */
static struct pkt *peer_encrypt(struct mppe_dir *tx, const uint8_t *ip, size_t n)
{
	struct pkt *p = pkt_alloc();

	memcpy(pkt_put(p, 2), "\x00\x21", 2);
	memcpy(pkt_put(p, n), ip, n);
	CHECK(mppe_encrypt(tx, p) == 0);
	memcpy(pkt_push(p, 4), "\xff\x03\x00\xfd", 4);
	return p;
}

static void test_mppe_stateful(void)
{
	struct ppp_config c;
	const struct frame *f;
	struct mppe_dir ptx, prx;
	uint8_t ip[20] = { 0x45, 0, 0, 20 };
	struct pkt *p;
	uint8_t id;

	if (!have_mschap)
		return;
	cfg_default(&c);
	c.mppe_stateful = true;
	mppe_start(&c);
	f = take(PPP_CCP, LCP_CONFREQ);
	CHECK(same(f, "12 06 01 00 00 60"));     /* stateless is still asked first */
	peer_cp(PPP_CCP, CONFNAK, f->id, "12 06 00 00 00 40");
	f = take(PPP_CCP, LCP_CONFREQ);
	CHECK(same(f, "12 06 00 00 00 40"));
	peer_ack(f);
	peer_cp(PPP_CCP, LCP_CONFREQ, 1, "12 06 00 00 00 40");
	take(PPP_CCP, CONFACK);
	ipcp_up();
	CHECK(ev.ip4 == 1);
	CHECK_STR(ev.enc, "MPPE-128 stateful");

	memset(&ptx, 0, sizeof(ptx));
	memset(&prx, 0, sizeof(prx));
	CHECK(mppe_dir_init(&ptx, v2keys.recv_key, 128, false) == 0);
	CHECK(mppe_dir_init(&prx, v2keys.send_key, 128, false) == 0);
	/* the first packet is lost: the second is out of sync */
	pkt_free(peer_encrypt(&ptx, ip, sizeof(ip)));
	ppp_input(C, peer_encrypt(&ptx, ip, sizeof(ip)));
	CHECK(ev.delivered == 0);
	f = take(PPP_CCP, 14);
	id = f->id;
	/* more of the same within the second: no second Reset-Request */
	ppp_input(C, peer_encrypt(&ptx, ip, sizeof(ip)));
	CHECK(count(PPP_CCP, 14) == 0);
	advance(1000);
	ppp_input(C, peer_encrypt(&ptx, ip, sizeof(ip)));
	CHECK(count(PPP_CCP, 14) == 1);
	nq = 0;
	/* the gateway acks and flushes: back in sync */
	peer_cp(PPP_CCP, 15, id, "");
	mppe_tx_reset(&ptx);
	ppp_input(C, peer_encrypt(&ptx, ip, sizeof(ip)));
	CHECK(ev.delivered == 1);
	ppp_input(C, peer_encrypt(&ptx, ip, sizeof(ip)));
	CHECK(ev.delivered == 2);
	/* the Reset-Ack ended the wait: a new loss asks again at once */
	pkt_free(peer_encrypt(&ptx, ip, sizeof(ip)));
	ppp_input(C, peer_encrypt(&ptx, ip, sizeof(ip)));
	CHECK(count(PPP_CCP, 14) == 1);
	nq = 0;
	mppe_tx_reset(&ptx);

	/* our direction: one packet, then the gateway asks for a reset */
	CHECK(ppp_send_ip(C, PPP_IP, pkt_from(ip, sizeof(ip))) == 0);
	f = take(PPP_COMP, -1);
	p = pkt_from(f->raw, f->rawlen);
	CHECK(mppe_decrypt(&prx, p) == MPPE_RX_OK);
	pkt_free(p);
	peer_cp(PPP_CCP, 14, 0x55, "");
	f = take(PPP_CCP, 15);
	CHECK(f->id == 0x55);
	CHECK(ppp_send_ip(C, PPP_IP, pkt_from(ip, sizeof(ip))) == 0);
	f = take(PPP_COMP, -1);
	CHECK(f->rawlen > 2 && (f->raw[0] & 0x80));   /* A: flushed */
	p = pkt_from(f->raw, f->rawlen);
	CHECK(mppe_decrypt(&prx, p) == MPPE_RX_OK);
	CHECK(p->len == 2 + sizeof(ip) && memcmp(p->data + 2, ip, sizeof(ip)) == 0);
	pkt_free(p);
	mppe_dir_clear(&ptx);
	mppe_dir_clear(&prx);
	finish();
}

/* PAP on PPTP without require-mppe: no CCP; the gateway wants MPPE and
 * hangs up -- the sentence says why. */
static void test_gateway_requires_mppe(void)
{
	struct ppp_config c;
	const struct frame *f;

	cfg_default(&c);
	start(&c);
	lcp_up("03 04 c0 23 05 06 01 02 03 04");
	pap_ok();
	CHECK(count(PPP_CCP, -1) == 0);
	peer_cp(PPP_CCP, LCP_CONFREQ, 1, "12 06 01 00 00 40");
	f = take(PPP_LCP, PROTREJ);
	CHECK(load_be16(f->d) == PPP_CCP);
	peer_cp(PPP_LCP, TERMREQ, 9, "4d 50 50 45 20 72 65 71 75 69 72 65 64 0a");
	take(PPP_LCP, TERMACK);
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(ev.msg, "requires MPPE encryption") != NULL);
	CHECK(strstr(ev.msg, "PAP authentication gives no MPPE keys") != NULL);
	CHECK(strstr(ev.msg, "\"MPPE required?\"") != NULL);
	finish();

	/* MPPE required on a link that cannot carry it (L2TP) */
	cfg_default(&c);
	c.mppe_possible = false;
	c.require_mppe = true;
	start(&c);
	lcp_up("03 05 c2 23 81 05 06 01 02 03 04");
	if (have_mschap) {
		mschapv2_ok();
		expect_dead(WV_FAIL_CONFIG, "the settings require MPPE encryption (require-mppe), "
			    "which this kind of tunnel cannot carry");
	}
	finish();
}

/* The gateway ends a running session; its text is sanitized. */
static void test_peer_terminate(void)
{
	struct ppp_config c;
	const struct frame *f;

	cfg_default(&c);
	start(&c);
	lcp_up("05 06 01 02 03 04");
	ipcp_up();
	CHECK(ev.ip4 == 1);
	peer_cp(PPP_LCP, TERMREQ, 0x44, "41 64 6d 69 6e 01 72 65 73 65 74 1b 5b 32 4a");
	f = take(PPP_LCP, TERMACK);
	CHECK(f->id == 0x44);
	CHECK(ev.dead == 0);     /* reported from the loop, not from inside ppp_input */
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(ev.msg,
		  "the gateway closed the connection (the gateway said \"Admin?reset?[2J\")");
	/* no more IP */
	CHECK(ppp_send_ip(C, PPP_IP, pkt_from((const uint8_t *)"\x45", 1)) < 0);
	advance(10000);
	CHECK(ev.dead == 1);
	finish();
}

/* Keepalive: Echo every interval; dead after N unanswered; any frame is life */
static void test_echo(void)
{
	struct ppp_config c;
	const struct frame *f;
	unsigned i;

	cfg_default(&c);
	c.lcp_echo_interval = 10;
	c.lcp_echo_failure = 3;
	start(&c);
	lcp_up("05 06 01 02 03 04");
	ipcp_up();
	nq = 0;
	advance(10000);
	f = take(PPP_LCP, ECHOREQ);
	CHECK(f->len == 4 && load_be32(f->d) == load_be32(opt(&lcp_req, 5) + 2));
	peer_cp(PPP_LCP, ECHOREP, f->id, "01 02 03 04");
	/* two unanswered, then any frame: still alive */
	advance(20000);
	CHECK(count(PPP_LCP, ECHOREQ) == 2);
	peer_hex("ff 03 00 21 45 00 00 14 00 00 00 00 40 01 00 00 0a 00 00 01 0a 00 00 02");
	advance(20000);
	CHECK(ev.dead == 0);
	/* now silence: three more, then dead */
	for (i = 0; i < 4; i++)
		advance(10000);
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(ev.msg, "the gateway stopped answering LCP echo requests (3 unanswered in 30 s)");
	finish();

	/* the gateway Code-Rejects Echo-Request: keepalive off, not dead */
	start(&c);
	lcp_up("05 06 01 02 03 04");
	ipcp_up();
	advance(10000);
	f = take(PPP_LCP, ECHOREQ);
	{
		uint8_t d[8] = { ECHOREQ, f->id, 0, 8 };
		memcpy(d + 4, f->d, 4);
		peer_cpb(PPP_LCP, CODEREJ, 1, d, sizeof(d));
	}
	nq = 0;
	advance(100000);
	CHECK(count(PPP_LCP, ECHOREQ) == 0);
	CHECK(ev.dead == 0);
	finish();
}

/* Timeouts and failures around authentication and LCP */
static void test_timeouts(void)
{
	struct ppp_config c;
	const struct frame *f;
	unsigned i, reqs = 0;

	/* a silent gateway: ten LCP Configure-Requests in 30 s */
	cfg_default(&c);
	start(&c);
	advance(40000);
	for (i = 0; i < nq; i++)
		reqs += q[i].proto == PPP_LCP && q[i].code == LCP_CONFREQ;
	CHECK(reqs == 10);
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(ev.msg, "the gateway did not answer the LCP negotiation");
	finish();

	/* CHAP asked for, no Challenge ever: 30 s */
	start(&c);
	lcp_up("03 05 c2 23 81 05 06 01 02 03 04");
	advance(29000);
	CHECK(ev.dead == 0);
	advance(1000);
	expect_dead(WV_FAIL_PROTOCOL,
		    "the gateway did not complete MS-CHAPv2 authentication within 30 s");
	finish();

	/* PAP rejected: the method's sentence, WV_FAIL_AUTH */
	start(&c);
	lcp_up("03 04 c0 23 05 06 01 02 03 04");
	f = take(PPP_PAP, 1);
	peer_cp(PPP_PAP, 3, f->id, "0d 42 61 64 20 70 61 73 73 77 6f 72 64 2e");
	expect_dead(WV_FAIL_AUTH, "the server rejected the user name or password (PAP); the "
		    "server said: \"Bad password.\"");
	finish();

	/* the link goes away: no packets, dead at once */
	start(&c);
	lcp_up("05 06 01 02 03 04");
	nq = 0;
	n_sent_total = 0;
	ppp_lower_down(C);
	CHECK(n_sent_total == 0);
	CHECK(ev.dead == 1 && ev.why == WV_FAIL_PEER_DEAD);
	advance(60000);
	CHECK(ev.dead == 1 && n_sent_total == 0);
	finish();

	/* the owner frees PPP inside dead(): after a hang-up, a close, a link loss */
	free_in_dead = true;
	start(&c);
	lcp_up("05 06 01 02 03 04");
	peer_cp(PPP_LCP, TERMREQ, 1, "");
	settle();
	CHECK(ev.dead == 1 && C == NULL);
	start(&c);
	lcp_up("05 06 01 02 03 04");
	ppp_close(C, "bye");
	f = take(PPP_LCP, TERMREQ);
	peer_cp(PPP_LCP, TERMACK, f->id, "");
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_OK && C == NULL);
	start(&c);
	lcp_up("03 04 c0 23 05 06 01 02 03 04");
	ppp_lower_down(C);
	CHECK(ev.dead == 1 && C == NULL);
	advance(60000);
	free_in_dead = false;
	nq = 0;

	/* closed before the link came up */
	cfg_default(&c);
	memset(&ev, 0, sizeof(ev));
	C = ppp_new(loop, &lg, &c, &events, NULL);
	ppp_close(C, "cancelled");
	settle();
	CHECK(ev.dead == 1 && ev.why == WV_OK);
	CHECK(nq == 0);
	finish();

	/* closed while LCP negotiates; the gateway never acks: Max-Terminate */
	start(&c);
	ppp_close(C, "user request");
	advance(7000);
	CHECK(count(PPP_LCP, TERMREQ) == 2);
	CHECK(ev.dead == 1 && ev.why == WV_OK);
	finish();
}

int main(void)
{
	char *err = NULL;

	loop = wv_loop_new();
	if (!loop)
		return 99;
	wv_loop_set_clock(loop, fake_now, NULL);
	if (wv_crypto_init(&err) == 0) {
		have_mschap = true;
	} else {
		fprintf(stderr, "MS-CHAP cases skipped: %s\n", err ? err : "no crypto");
		free(err);
	}

	test_pptp_mschapv2_mppe();
	test_lost_acks();
	test_auth_matrix();
	test_auth_walk();
	test_auth_eap_softether();
	test_magic_rejected();
	test_rras_options();
	test_mru();
	test_framing();
	test_ipcp_edges();
	test_mppe_refused();
	test_ccp_peer_request();
	test_mppe_stateful();
	test_gateway_requires_mppe();
	test_peer_terminate();
	test_echo();
	test_timeouts();

	wv_loop_free(loop);
	pkt_pool_drain();
	return check_done("test-ppp-exchange");
}
