/* test-l2tp-ctrl.c -- exchange tests of the L2TP link: our client (the whole
 * struct l2tp, through l2tp_link_ops) against a scripted LNS in the same
 * process, on a fake clock.  Most cases plug the LNS in through the
 * transport hook (l2tp_set_transport: no sockets, every datagram seen);
 * the last ones run over real loopback UDP with L2TP's own socket.
 *
 * Covered: the Windows-style setup (SCCRQ..ICCN, the AVPs of each), data
 * both ways and sequencing by example, the orderly stop (CDN, StopCCN, ack)
 * and SoftEther's StopCCN answer (also after its CDN acknowledged ours: we
 * linger up to 1 s to acknowledge it, and no longer), loss both ways (retransmission with the
 * same Ns and the current Nr, back-off 1 2 4 8 8 s), duplicates (acked, not
 * handled twice), reordering (kept and handled in order), the peer's window,
 * giving up (setup timer, retries, HELLO on a silent tunnel), StopCCN and
 * CDN from the gateway as sentences, tunnel authentication and hidden AVPs,
 * unknown mandatory AVPs and message types, a stop before the SCCRP, waiting
 * for the gateway's PPP after the ICCN (and data before the ICCN's ack),
 * callbacks that stop or free the link, and over UDP
 * the source port choice (1701, taken, ephemeral) and ICMP port
 * unreachable.  Set V=1 to see the client's log. */
#include "wv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "l2tp/l2tp-int.h"

#define OUR_TID 0x1234
#define OUR_SID 0x5678
#define LNS_TID 0x2a1b
#define LNS_SID 0x0042
#define GW "10.98.1.2"
#define SECRET "l2tp-secret"

struct rec {
	uint64_t at;                  /* fake clock when the client sent it */
	bool ctrl, zlb;
	uint16_t type, ns, nr, tunnel, session;
	bool has_res;
	struct l2tp_result res;
	size_t len;
	uint8_t buf[L2TP_CTRL_MAX];
};

struct lns {
	uint16_t tid, rws;
	uint16_t ns, nr;              /* the LNS's own reliable delivery */
	uint16_t client_tid, client_sid;
	const char *secret;           /* the LNS's tunnel secret */
	const char *host, *vendor;
	bool challenge;               /* the LNS challenges the client */
	bool hide_tid;                /* hides its Assigned Tunnel ID */
	uint8_t chal[16];
	/* the script */
	bool silent;                  /* answers nothing at all */
	unsigned drop_rx;             /* lose the next N control messages from the client */
	unsigned drop_tx;             /* lose the next N datagrams to the client */
	bool hold;                    /* keep what it sends until released */
	bool dup_sccrp, reorder_icrp, no_iccn_ack, softether_stop;
	bool cdn_then_stop;           /* SoftEther 5.01: CDN, then its own StopCCN */
	bool no_chal_resp;            /* ignores the client's Challenge */
	bool quiet_ppp;               /* its PPP does not speak first */
	uint16_t refuse_sccrq;        /* StopCCN with this result instead of SCCRP */
	uint16_t refuse_icrq;         /* CDN with this result instead of ICRP */
	bool unknown_m, unknown_opt, seq_required;
	/* what it saw */
	struct rec rx[128];
	unsigned n_rx, dups;
	struct rec data[32];
	unsigned n_data;
	/* what it sends */
	struct pkt *out[64];
	unsigned n_out;
	uint8_t last[L2TP_CTRL_MAX];  /* last non-ZLB, resent on a duplicate */
	size_t last_len;
	uint16_t last_ns;
};

struct env {
	struct wv_loop *loop;
	uint64_t now;
	struct wv_log log;
	char logbuf[16384];
	struct lns lns;
	struct l2tp *l;
	struct l2tp_config cfg;
	/* UDP mode */
	int lfd;
	struct sockaddr_in client;
	bool client_known;
	/* what the link reported */
	int ups, downs;
	enum wv_fail why;
	char msg[256];
	struct pkt *frames[16];
	unsigned n_frames;
	bool stop_on_up, free_on_down;
};

static uint64_t fake_now(void *arg)
{
	return ((struct env *)arg)->now;
}

static void log_fn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	struct env *e = arg;
	size_t n = strlen(e->logbuf);

	if (getenv("V"))
		fprintf(stderr, "  [%d %s] %s\n", lvl, subsys, msg);
	snprintf(e->logbuf + n, sizeof(e->logbuf) - n, "%s\n", msg);
}

static bool log_has(const struct env *e, const char *s)
{
	return strstr(e->logbuf, s) != NULL;
}

/* ---- the scripted LNS ------------------------------------------------------------- */

static void lns_emit(struct env *e, const uint8_t *buf, size_t len)
{
	struct lns *g = &e->lns;

	if (g->drop_tx) {
		g->drop_tx--;
		return;
	}
	if (e->lfd >= 0) {
		if (e->client_known)
			sendto(e->lfd, buf, len, 0, (struct sockaddr *)&e->client,
			       sizeof(e->client));
		return;
	}
	if (g->n_out < ARRAY_SIZE(g->out))
		g->out[g->n_out++] = pkt_from(buf, len);
}

/* Finishes and sends a message built with l2tp_mb (ZLB: Ns not used up). */
static void lns_send(struct env *e, struct l2tp_mb *b, bool zlb)
{
	struct lns *g = &e->lns;
	size_t n = l2tp_mb_finish(b);

	if (!n)
		abort();
	l2tp_ctrl_stamp(b->buf, g->ns, g->nr);
	if (!zlb) {
		g->last_ns = g->ns++;
		memcpy(g->last, b->buf, n);
		g->last_len = n;
	}
	lns_emit(e, b->buf, n);
}

static void lns_data(struct env *e, const char *hex)
{
	uint8_t buf[256];
	size_t n = check_unhex(hex, buf, sizeof(buf));

	lns_emit(e, buf, n);
}

static void lns_zlb(struct env *e)
{
	uint8_t buf[L2TP_CTRL_HDR];
	struct l2tp_mb b;

	l2tp_mb_start(&b, buf, sizeof(buf), e->lns.client_tid, 0, L2TP_ZLB);
	lns_send(e, &b, true);
}

static void lns_result(struct l2tp_mb *b, uint16_t result, uint16_t error, const char *msg)
{
	uint8_t v[64];
	size_t n = 4;

	store_be16(v, result);
	store_be16(v + 2, error);
	if (msg) {
		memcpy(v + 4, msg, strlen(msg));
		n += strlen(msg);
	}
	l2tp_mb_avp(b, true, 0, L2TP_AVP_RESULT, v, n);
}

static void lns_stopccn(struct env *e, uint16_t result, uint16_t error, const char *msg)
{
	uint8_t buf[256];
	struct l2tp_mb b;

	l2tp_mb_start(&b, buf, sizeof(buf), e->lns.client_tid, 0, L2TP_STOPCCN);
	l2tp_mb_u16(&b, true, L2TP_AVP_TUNNEL_ID, e->lns.tid);
	lns_result(&b, result, error, msg);
	lns_send(e, &b, false);
}

static void lns_cdn(struct env *e, uint16_t result, uint16_t error)
{
	uint8_t buf[256];
	struct l2tp_mb b;

	l2tp_mb_start(&b, buf, sizeof(buf), e->lns.client_tid, e->lns.client_sid, L2TP_CDN);
	lns_result(&b, result, error, NULL);
	l2tp_mb_u16(&b, true, L2TP_AVP_SESSION_ID, LNS_SID);
	lns_send(e, &b, false);
}

static void lns_simple(struct env *e, uint16_t type, bool mandatory)
{
	uint8_t buf[64], v[2];
	struct l2tp_mb b;

	/* built by hand so that the Message Type's M bit can be cleared */
	l2tp_mb_start(&b, buf, sizeof(buf), e->lns.client_tid, 0, L2TP_ZLB);
	store_be16(v, type);
	l2tp_mb_avp(&b, mandatory, 0, L2TP_AVP_MSG_TYPE, v, 2);
	lns_send(e, &b, false);
}

static void lns_sccrp(struct env *e, const struct l2tp_msg *rq)
{
	struct lns *g = &e->lns;
	const struct l2tp_avp *chal = l2tp_msg_avp(rq, L2TP_AVP_CHALLENGE);
	static const uint8_t rv[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t buf[512], d[16], tid[2];
	struct l2tp_mb b;
	unsigned i;

	l2tp_mb_start(&b, buf, sizeof(buf), g->client_tid, 0, L2TP_SCCRP);
	l2tp_mb_u16(&b, true, L2TP_AVP_PROTO_VERSION, 0x0100);
	l2tp_mb_u32(&b, true, L2TP_AVP_FRAMING_CAPS, 3);
	l2tp_mb_u32(&b, true, L2TP_AVP_BEARER_CAPS, 3);
	l2tp_mb_avp(&b, true, 0, L2TP_AVP_HOST_NAME, g->host, strlen(g->host));
	l2tp_mb_avp(&b, false, 0, L2TP_AVP_VENDOR_NAME, g->vendor, strlen(g->vendor));
	if (g->hide_tid) {
		store_be16(tid, g->tid);
		l2tp_mb_avp(&b, true, 0, L2TP_AVP_RANDOM_VECTOR, rv, sizeof(rv));
		l2tp_mb_hidden(&b, true, L2TP_AVP_TUNNEL_ID, tid, 2, 5, g->secret, rv, sizeof(rv));
	} else {
		l2tp_mb_u16(&b, true, L2TP_AVP_TUNNEL_ID, g->tid);
	}
	l2tp_mb_u16(&b, true, L2TP_AVP_RECV_WINDOW, g->rws);
	if (chal && g->secret && !g->no_chal_resp) {
		l2tp_challenge_response(L2TP_SCCRP, g->secret, chal->val, chal->len, d);
		l2tp_mb_avp(&b, true, 0, L2TP_AVP_CHALLENGE_RESP, d, sizeof(d));
	}
	if (g->challenge) {
		for (i = 0; i < sizeof(g->chal); i++)
			g->chal[i] = (uint8_t)(0xa0 + i);
		l2tp_mb_avp(&b, true, 0, L2TP_AVP_CHALLENGE, g->chal, sizeof(g->chal));
	}
	if (g->unknown_m)
		l2tp_mb_u16(&b, true, 200, 1);
	if (g->unknown_opt)
		l2tp_mb_avp(&b, false, 9, 99, "x", 1);
	lns_send(e, &b, false);
	if (g->dup_sccrp)
		lns_emit(e, g->last, g->last_len);
}

static void lns_icrp(struct env *e)
{
	struct lns *g = &e->lns;
	uint8_t buf[128];
	struct l2tp_mb b;

	if (g->reorder_icrp)
		lns_simple(e, L2TP_HELLO, true);
	l2tp_mb_start(&b, buf, sizeof(buf), g->client_tid, g->client_sid, L2TP_ICRP);
	l2tp_mb_u16(&b, true, L2TP_AVP_SESSION_ID, LNS_SID);
	if (g->seq_required)
		l2tp_mb_avp(&b, true, 0, L2TP_AVP_SEQ_REQUIRED, NULL, 0);
	lns_send(e, &b, false);
	if (g->reorder_icrp && g->n_out >= 2) {
		struct pkt *t = g->out[g->n_out - 1];

		g->out[g->n_out - 1] = g->out[g->n_out - 2];
		g->out[g->n_out - 2] = t;
	}
}

static void lns_handle(struct env *e, const struct l2tp_msg *m)
{
	struct lns *g = &e->lns;
	uint8_t d[16];

	switch (m->type) {
	case L2TP_SCCRQ:
		l2tp_msg_u16(m, L2TP_AVP_TUNNEL_ID, &g->client_tid);
		if (g->refuse_sccrq)
			lns_stopccn(e, g->refuse_sccrq, 0, NULL);
		else
			lns_sccrp(e, m);
		break;
	case L2TP_SCCCN:
		if (g->challenge) {
			const struct l2tp_avp *a = l2tp_msg_avp(m, L2TP_AVP_CHALLENGE_RESP);

			l2tp_challenge_response(L2TP_SCCCN, g->secret, g->chal, sizeof(g->chal), d);
			CHECK(a && a->len == 16 && memcmp(a->val, d, 16) == 0);
		}
		lns_zlb(e);
		break;
	case L2TP_ICRQ:
		l2tp_msg_u16(m, L2TP_AVP_SESSION_ID, &g->client_sid);
		if (g->refuse_icrq)
			lns_cdn(e, g->refuse_icrq, 4);
		else
			lns_icrp(e);
		break;
	case L2TP_ICCN:
		if (g->no_iccn_ack)
			break;
		lns_zlb(e);
		/* then its pppd starts and sends LCP Configure-Request (xl2tpd) */
		if (!g->quiet_ppp)
			lns_data(e, "0002 1234 5678 ff03 c021 0101 0004");
		break;
	case L2TP_CDN:
		if (!g->cdn_then_stop)
			lns_zlb(e);
		break;
	case L2TP_STOPCCN:
		if (g->cdn_then_stop) {
			/* its CDN acknowledges ours and our StopCCN, then its
			 * own StopCCN comes */
			lns_cdn(e, 3, 0);
			lns_stopccn(e, 0, 1536, NULL);
		} else if (g->softether_stop) {
			lns_stopccn(e, 0, 1536, NULL);
		} else {
			lns_zlb(e);
		}
		break;
	default:
		lns_zlb(e);
		break;
	}
}

/* A datagram from the client. */
static void lns_input(struct env *e, const uint8_t *buf, size_t len)
{
	struct lns *g = &e->lns;
	struct l2tp_msg *m = calloc(1, sizeof(*m));
	struct rec *r;
	struct l2tp_hdr h;
	size_t mlen;

	if (!m)
		abort();
	if (l2tp_hdr_parse(buf, len, &h, &mlen) < 0) {
		CHECK(!"the client sent a malformed header");
		goto out;
	}
	if (!h.ctrl) {
		if (g->n_data < ARRAY_SIZE(g->data)) {
			r = &g->data[g->n_data++];
			r->at = e->now;
			r->tunnel = h.tunnel;
			r->session = h.session;
			r->len = MIN(len, sizeof(r->buf));
			memcpy(r->buf, buf, r->len);
		}
		goto out;
	}
	if (g->drop_rx) {
		g->drop_rx--;
		goto out;
	}
	CHECK(l2tp_msg_parse(buf, len, g->secret, m) == 0);
	if (g->n_rx < ARRAY_SIZE(g->rx)) {
		r = &g->rx[g->n_rx++];
		r->at = e->now;
		r->ctrl = true;
		r->zlb = m->zlb;
		r->type = m->type;
		r->ns = m->h.ns;
		r->nr = m->h.nr;
		r->tunnel = m->h.tunnel;
		r->session = m->h.session;
		r->has_res = l2tp_msg_result(m, &r->res);
		r->len = MIN(len, sizeof(r->buf));
		memcpy(r->buf, buf, r->len);
	}
	if (g->silent || m->zlb)
		goto out;
	if (m->h.ns != g->nr) {
		/* a retransmission: if our last message is not acknowledged,
		 * it was lost -- send it again (a real LNS has a timer for it) */
		g->dups++;
		if (g->last_len && !l2tp_seq_after(m->h.nr, g->last_ns))
			lns_emit(e, g->last, g->last_len);
		else
			lns_zlb(e);
		goto out;
	}
	g->nr++;
	lns_handle(e, m);
out:
	free(m);
}

static const struct rec *lns_find(const struct lns *g, uint16_t type, unsigned nth)
{
	unsigned i;

	for (i = 0; i < g->n_rx; i++)
		if (!g->rx[i].zlb && g->rx[i].type == type && nth-- == 0)
			return &g->rx[i];
	return NULL;
}

static unsigned lns_count(const struct lns *g, uint16_t type)
{
	unsigned i, n = 0;

	for (i = 0; i < g->n_rx; i++)
		if (!g->rx[i].zlb && g->rx[i].type == type)
			n++;
	return n;
}

static unsigned lns_zlbs(const struct lns *g)
{
	unsigned i, n = 0;

	for (i = 0; i < g->n_rx; i++)
		n += g->rx[i].zlb;
	return n;
}

/* An AVP of a recorded message. */
static bool rec_avp(const struct rec *r, uint16_t type, const char *secret, uint8_t *val,
		    size_t *len)
{
	struct l2tp_msg *m = calloc(1, sizeof(*m));
	const struct l2tp_avp *a;
	bool ok = false;

	if (m && l2tp_msg_parse(r->buf, r->len, secret, m) == 0 && (a = l2tp_msg_avp(m, type))) {
		memcpy(val, a->val, a->len);
		*len = a->len;
		ok = true;
	}
	free(m);
	return ok;
}

/* ---- the client's side ------------------------------------------------------------- */

static int t_send(void *ctx, struct pkt *p)
{
	struct env *e = ctx;

	lns_input(e, p->data, p->len);
	pkt_free(p);
	return 0;
}

static const struct l2tp_transport_ops t_ops = { .send = t_send };

static void on_up(void *arg)
{
	struct env *e = arg;

	e->ups++;
	if (e->stop_on_up)
		l2tp_link_ops.stop(e->l);
}

static void on_recv(void *arg, struct pkt *p)
{
	struct env *e = arg;

	if (e->n_frames < ARRAY_SIZE(e->frames))
		e->frames[e->n_frames++] = p;
	else
		pkt_free(p);
}

static void on_down(void *arg, enum wv_fail why, const char *msg)
{
	struct env *e = arg;

	e->downs++;
	e->why = why;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	if (e->free_on_down) {
		l2tp_link_ops.free(e->l);
		e->l = NULL;
	}
}

static const struct wv_link_events link_ev = {
	.up = on_up,
	.recv = on_recv,
	.down = on_down,
};

/* Delivers up to max datagrams the LNS sent (and what they provoke). */
static void pump_n(struct env *e, unsigned max)
{
	struct lns *g = &e->lns;
	unsigned guard;

	for (guard = 0; guard < max && g->n_out && !g->hold; guard++) {
		struct pkt *p = g->out[0];

		memmove(g->out, g->out + 1, (g->n_out - 1) * sizeof(g->out[0]));
		g->n_out--;
		if (e->l)
			l2tp_input(e->l, p);
		else
			pkt_free(p);
	}
}

static void pump(struct env *e)
{
	pump_n(e, 100);
}

/* Moves the clock by ms, stopping at every timer on the way, as time does. */
static void advance(struct env *e, unsigned ms)
{
	uint64_t end = e->now + ms;

	for (;;) {
		int t = wv_loop_timeout(e->loop);

		if (t < 0 || e->now + (uint64_t)t > end)
			break;
		e->now += (uint64_t)t;
		wv_loop_run_timers(e->loop);
		pump(e);
	}
	e->now = end;
	wv_loop_run_timers(e->loop);
	pump(e);
}

static void env_init(struct env *e, bool start)
{
	memset(e, 0, sizeof(*e));
	e->now = 1000000;
	e->lfd = -1;
	e->loop = wv_loop_new();
	wv_loop_set_clock(e->loop, fake_now, e);
	e->log.fn = log_fn;
	e->log.arg = e;
	e->log.level = WV_LOG_TRACE;   /* run every log line, hex dumps included */
	e->lns.tid = LNS_TID;
	e->lns.rws = 4;
	e->lns.host = "uml-xl2tpd";
	e->lns.vendor = "xelerance.com";
	inet_pton(AF_INET, GW, &e->cfg.gateway);
	e->cfg.hostname = "testhost";
	e->cfg.connect_timeout_ms = 20000;
	if (!start)
		return;
	e->l = l2tp_new(e->loop, &e->log, &e->cfg, &link_ev, e);
	l2tp_set_transport(e->l, &t_ops, e);
	l2tp_set_ids(e->l, OUR_TID, OUR_SID);
}

/* Creates the link now (after the test changed cfg) and starts it. */
static void env_start(struct env *e)
{
	if (!e->l) {
		e->l = l2tp_new(e->loop, &e->log, &e->cfg, &link_ev, e);
		l2tp_set_transport(e->l, &t_ops, e);
		l2tp_set_ids(e->l, OUR_TID, OUR_SID);
	}
	CHECK(l2tp_link_ops.start(e->l) == 0);
	pump(e);
}

static void env_done(struct env *e)
{
	unsigned i;

	if (e->l)
		l2tp_link_ops.free(e->l);
	for (i = 0; i < e->n_frames; i++)
		pkt_free(e->frames[i]);
	for (i = 0; i < e->lns.n_out; i++)
		pkt_free(e->lns.out[i]);
	if (e->lfd >= 0)
		close(e->lfd);
	wv_loop_free(e->loop);
}

static int send_frame(struct env *e, const char *hex)
{
	uint8_t buf[64];
	size_t n = check_unhex(hex, buf, sizeof(buf));

	return l2tp_link_ops.send(e->l, pkt_from(buf, n));
}

/* ---- the cases ------------------------------------------------------------------------ */

static void test_setup_and_stop(void)
{
	struct env e;
	const struct rec *r;
	uint8_t v[300];
	size_t n;

	env_init(&e, true);
	env_start(&e);
	CHECK(e.ups == 1 && e.downs == 0);
	CHECK(l2tp_ctrl_tunnel_state(l2tp_get_ctrl(e.l)) == L2TP_T_ESTABLISHED);
	CHECK(l2tp_ctrl_session_state(l2tp_get_ctrl(e.l)) == L2TP_S_ESTABLISHED);

	/* SCCRQ: Windows' AVPs, header tunnel 0, Ns 0 Nr 0 */
	r = lns_find(&e.lns, L2TP_SCCRQ, 0);
	CHECK(r && r->tunnel == 0 && r->session == 0 && r->ns == 0 && r->nr == 0);
	CHECK(r && rec_avp(r, L2TP_AVP_HOST_NAME, NULL, v, &n) && n == 8 &&
	      memcmp(v, "testhost", 8) == 0);
	CHECK(r && rec_avp(r, L2TP_AVP_VENDOR_NAME, NULL, v, &n) && n == 6 &&
	      memcmp(v, "winvpn", 6) == 0);
	CHECK(r && rec_avp(r, L2TP_AVP_PROTO_VERSION, NULL, v, &n) && load_be16(v) == 0x0100);
	CHECK(r && rec_avp(r, L2TP_AVP_FRAMING_CAPS, NULL, v, &n) && load_be32(v) == 1);
	CHECK(r && rec_avp(r, L2TP_AVP_BEARER_CAPS, NULL, v, &n) && load_be32(v) == 0);
	CHECK(r && rec_avp(r, L2TP_AVP_FIRMWARE, NULL, v, &n) && load_be16(v) == 0x0a00);
	CHECK(r && rec_avp(r, L2TP_AVP_TUNNEL_ID, NULL, v, &n) && load_be16(v) == OUR_TID);
	CHECK(r && rec_avp(r, L2TP_AVP_RECV_WINDOW, NULL, v, &n) && load_be16(v) == 8);
	CHECK(r && !rec_avp(r, L2TP_AVP_CHALLENGE, NULL, v, &n));
	/* SCCCN acks the SCCRP; ICRQ follows without waiting; ICCN acks ICRP */
	r = lns_find(&e.lns, L2TP_SCCCN, 0);
	CHECK(r && r->tunnel == LNS_TID && r->ns == 1 && r->nr == 1);
	r = lns_find(&e.lns, L2TP_ICRQ, 0);
	CHECK(r && r->tunnel == LNS_TID && r->session == 0 && r->ns == 2);
	CHECK(r && rec_avp(r, L2TP_AVP_SESSION_ID, NULL, v, &n) && load_be16(v) == OUR_SID);
	CHECK(r && rec_avp(r, L2TP_AVP_CALL_SERIAL, NULL, v, &n) && n == 4);
	r = lns_find(&e.lns, L2TP_ICCN, 0);
	CHECK(r && r->session == LNS_SID && r->ns == 3 && r->nr == 2);
	CHECK(r && rec_avp(r, L2TP_AVP_TX_SPEED, NULL, v, &n) && n == 4);
	CHECK(r && rec_avp(r, L2TP_AVP_FRAMING_TYPE, NULL, v, &n) && load_be32(v) == 1);
	CHECK(lns_zlbs(&e.lns) == 0);       /* every ack rode on a message */
	CHECK(log_has(&e, "tunnel to 10.98.1.2 is up (gateway host \"uml-xl2tpd\", vendor "
		      "\"xelerance.com\")"));

	/* data: the gateway's LCP (which completed the call) arrives from FF 03
	 * on; ours goes out bare */
	CHECK(e.n_frames == 1 && e.frames[0]->len == 8 &&
	      memcmp(e.frames[0]->data, "\xff\x03\xc0\x21\x01\x01", 6) == 0);
	CHECK(log_has(&e, "session wait-ppp -> established (PPP from the gateway)"));
	CHECK(send_frame(&e, "ff03 c021 0201 0004") == 0);
	CHECK(e.lns.n_data == 1 && e.lns.data[0].tunnel == LNS_TID &&
	      e.lns.data[0].session == LNS_SID && e.lns.data[0].len == 14);
	CHECK(e.lns.n_data == 1 &&
	      memcmp(e.lns.data[0].buf, "\x00\x02\x2a\x1b\x00\x42\xff\x03", 8) == 0);
	/* sequencing by example */
	lns_data(&e, "4802 0010 1234 5678 0000 0000 ff03 c021");
	pump(&e);
	CHECK(send_frame(&e, "ff03 c021 0201 0004") == 0);
	CHECK(e.lns.n_data == 2 && e.lns.data[1].buf[0] == 0x48 && e.lns.data[1].len == 20);
	/* a HELLO is acknowledged with a ZLB and changes nothing */
	lns_simple(&e, L2TP_HELLO, true);
	pump(&e);
	CHECK(lns_zlbs(&e.lns) == 1 && e.lns.rx[e.lns.n_rx - 1].nr == 3);

	/* orderly stop: CDN (administrative), StopCCN (clear), ack -> down(OK) */
	l2tp_link_ops.stop(e.l);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_OK);
	CHECK_STR(e.msg, "disconnected");
	r = lns_find(&e.lns, L2TP_CDN, 0);
	CHECK(r && r->session == LNS_SID && r->has_res && r->res.result == 3);
	CHECK(r && rec_avp(r, L2TP_AVP_SESSION_ID, NULL, v, &n) && load_be16(v) == OUR_SID);
	r = lns_find(&e.lns, L2TP_STOPCCN, 0);
	CHECK(r && r->has_res && r->res.result == 1 && r->ns == 5);
	CHECK(r && rec_avp(r, L2TP_AVP_TUNNEL_ID, NULL, v, &n) && load_be16(v) == OUR_TID);
	CHECK(send_frame(&e, "ff03 c021") == -ENOTCONN);
	advance(&e, 60000);
	CHECK(e.downs == 1);
	env_done(&e);
}

static void test_loss(void)
{
	struct env e;
	const struct rec *r;

	/* our first SCCRQ is lost: the same message again after 1 s */
	env_init(&e, true);
	e.lns.drop_rx = 1;
	env_start(&e);
	CHECK(e.ups == 0);
	advance(&e, 999);
	CHECK(e.ups == 0);
	advance(&e, 1);
	CHECK(e.ups == 1);
	r = lns_find(&e.lns, L2TP_SCCRQ, 0);
	CHECK(r && r->ns == 0 && r->at == 1000000 + 1000);
	env_done(&e);

	/* the SCCRP is lost: our SCCRQ goes again, the LNS repeats its SCCRP */
	env_init(&e, true);
	e.lns.drop_tx = 1;
	env_start(&e);
	CHECK(e.ups == 0);
	advance(&e, 1000);
	CHECK(e.ups == 1 && e.lns.dups == 1 && lns_count(&e.lns, L2TP_SCCRQ) == 2);
	CHECK(lns_count(&e.lns, L2TP_SCCCN) == 1);
	env_done(&e);

	/* the ICCN's ZLB is lost: the ICCN goes again with the current Nr */
	env_init(&e, true);
	e.lns.no_iccn_ack = true;
	env_start(&e);
	CHECK(e.ups == 0 && lns_count(&e.lns, L2TP_ICCN) == 1);
	e.lns.no_iccn_ack = false;
	advance(&e, 1000);
	CHECK(lns_count(&e.lns, L2TP_ICCN) == 2);
	advance(&e, L2TP_UP_WAIT_MS);     /* (the LNS repeats its ack, not its PPP) */
	CHECK(e.ups == 1);
	r = lns_find(&e.lns, L2TP_ICCN, 1);
	CHECK(r && r->ns == 3 && r->nr == 2);
	env_done(&e);

	/* back-off: 1, 2, 4, 8, 8 s; after 5 retransmissions the gateway is
	 * unreachable (connect timeout long enough not to interfere) */
	env_init(&e, false);
	e.cfg.connect_timeout_ms = 120000;
	e.lns.silent = true;
	env_start(&e);
	advance(&e, 1000);
	advance(&e, 2000);
	advance(&e, 4000);
	advance(&e, 8000);
	advance(&e, 8000);
	CHECK(lns_count(&e.lns, L2TP_SCCRQ) == 6 && e.downs == 0);
	CHECK(lns_find(&e.lns, L2TP_SCCRQ, 5) && lns_find(&e.lns, L2TP_SCCRQ, 5)->at == 1023000);
	CHECK(lns_find(&e.lns, L2TP_SCCRQ, 3) && lns_find(&e.lns, L2TP_SCCRQ, 3)->at == 1007000);
	advance(&e, 7999);
	CHECK(e.downs == 0);
	advance(&e, 1);
	CHECK(e.downs == 1 && e.why == WV_FAIL_UNREACHABLE);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 did not answer (6 tries)");
	env_done(&e);
}

static void test_duplicate_and_reorder(void)
{
	struct env e;
	struct l2tp_ctrl_stats st;
	const struct rec *r;

	/* the SCCRP arrives twice: acked twice, handled once */
	env_init(&e, true);
	e.lns.dup_sccrp = true;
	env_start(&e);
	CHECK(e.ups == 1 && lns_count(&e.lns, L2TP_SCCCN) == 1);
	CHECK(lns_count(&e.lns, L2TP_ICRQ) == 1 && lns_zlbs(&e.lns) == 1);
	l2tp_ctrl_get_stats(l2tp_get_ctrl(e.l), &st);
	CHECK(st.rx_duplicates == 1);
	env_done(&e);

	/* HELLO (Ns 1) and ICRP (Ns 2) arrive the other way round: the ICRP
	 * waits for the HELLO, then both are handled in order */
	env_init(&e, true);
	e.lns.reorder_icrp = true;
	env_start(&e);
	CHECK(e.ups == 1 && lns_count(&e.lns, L2TP_ICCN) == 1);
	r = lns_find(&e.lns, L2TP_ICCN, 0);
	CHECK(r && r->nr == 3);
	l2tp_ctrl_get_stats(l2tp_get_ctrl(e.l), &st);
	CHECK(st.rx_queued == 1 && st.rx_duplicates == 0);
	CHECK(log_has(&e, "arrived early"));
	env_done(&e);
}

static void test_window(void)
{
	struct env e;

	/* the gateway's window is 1: ICRQ waits for the SCCCN's ack */
	env_init(&e, true);
	e.lns.rws = 1;
	e.lns.hold = true;
	env_start(&e);
	e.lns.hold = false;
	pump_n(&e, 1);       /* SCCRP in; SCCCN out; the LNS's ZLB not delivered yet */
	CHECK(lns_count(&e.lns, L2TP_SCCCN) == 1 && lns_count(&e.lns, L2TP_ICRQ) == 0);
	pump(&e);
	CHECK(lns_count(&e.lns, L2TP_ICRQ) == 1 && e.ups == 1);
	env_done(&e);
}

static void test_give_up(void)
{
	struct env e;

	/* nothing answers: the setup timer (20 s) ends it after 5 tries */
	env_init(&e, true);
	e.lns.silent = true;
	env_start(&e);
	advance(&e, 19999);
	CHECK(e.downs == 0);
	advance(&e, 1);
	CHECK(e.downs == 1 && e.why == WV_FAIL_UNREACHABLE);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 did not answer (5 tries)");
	env_done(&e);

	/* an established tunnel goes quiet: HELLO after 60 s, then retries */
	env_init(&e, true);
	env_start(&e);
	CHECK(e.ups == 1);
	e.lns.silent = true;
	advance(&e, 59999);
	CHECK(lns_count(&e.lns, L2TP_HELLO) == 0);
	advance(&e, 1);
	CHECK(lns_count(&e.lns, L2TP_HELLO) == 1);
	advance(&e, 1000 + 2000 + 4000 + 8000 + 8000 + 8000 - 1);
	CHECK(e.downs == 0 && lns_count(&e.lns, L2TP_HELLO) == 6);
	advance(&e, 1);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 stopped answering (our HELLO was not "
		  "acknowledged after 6 tries)");
	env_done(&e);

	/* tunnel up, call never answered: setup timer, StopCCN (SCCCN went first) */
	env_init(&e, true);
	e.lns.no_iccn_ack = true;
	e.lns.drop_rx = 0;
	env_start(&e);
	e.lns.silent = true;
	advance(&e, 20000);
	CHECK(e.downs == 0 && lns_count(&e.lns, L2TP_STOPCCN) == 1);
	advance(&e, 3000);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 did not complete the call setup within 20 s");
	env_done(&e);
}

static void test_peer_stop(void)
{
	struct env e;
	const struct rec *r;

	/* StopCCN after the call is up: acked, its result as a sentence */
	env_init(&e, true);
	env_start(&e);
	lns_stopccn(&e, 2, 6, "no more tunnels");
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 closed the tunnel: general error "
		  "(a vendor-specific error; \"no more tunnels\")");
	CHECK(lns_zlbs(&e.lns) == 1 && e.lns.rx[e.lns.n_rx - 1].nr == 3);
	env_done(&e);

	/* ... result 6: the gateway shuts down */
	env_init(&e, true);
	env_start(&e);
	lns_stopccn(&e, 6, 0, NULL);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 closed the tunnel: the gateway is being "
		  "shut down");
	env_done(&e);

	/* StopCCN instead of SCCRP: refused; the ack names the gateway's tunnel */
	env_init(&e, true);
	e.lns.refuse_sccrq = 4;
	env_start(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_AUTH && e.ups == 0);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 refused the tunnel: this host is not "
		  "authorized to establish a control connection");
	CHECK(lns_zlbs(&e.lns) == 1 && e.lns.rx[e.lns.n_rx - 1].tunnel == LNS_TID);
	env_done(&e);

	/* CDN after the call is up: StopCCN, then down */
	env_init(&e, true);
	env_start(&e);
	lns_cdn(&e, 3, 0);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PEER_DEAD);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 hung up the call: administrative reasons");
	r = lns_find(&e.lns, L2TP_STOPCCN, 0);
	CHECK(r && r->nr == 3 && r->res.result == 1);
	CHECK(lns_count(&e.lns, L2TP_CDN) == 0);
	env_done(&e);

	/* CDN instead of ICRP: the call is refused */
	env_init(&e, true);
	e.lns.refuse_icrq = 2;
	env_start(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL && e.ups == 0);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 refused the call: an error "
		  "(insufficient resources)");
	CHECK(lns_count(&e.lns, L2TP_STOPCCN) == 1);
	env_done(&e);
}

static void test_softether(void)
{
	struct env e;
	const struct rec *r;

	/* SoftEther: tunnel id 1, window 16, vendor "L2TP"; HELLO on an idle
	 * tunnel; answers StopCCN with its own StopCCN (result 0, error 1536) */
	env_init(&e, true);
	e.lns.tid = 1;
	e.lns.rws = 16;
	e.lns.vendor = "L2TP";
	e.lns.host = "vpnsrv";
	e.lns.softether_stop = true;
	e.lns.quiet_ppp = true;          /* its PPP waits for ours: no wait for it */
	env_start(&e);
	CHECK(e.ups == 1);
	CHECK(log_has(&e, "session wait-iccn-ack -> established (ICCN acknowledged)"));
	CHECK(lns_find(&e.lns, L2TP_ICCN, 0) && lns_find(&e.lns, L2TP_ICCN, 0)->tunnel == 1);
	lns_simple(&e, L2TP_HELLO, true);
	advance(&e, 8801);
	lns_simple(&e, L2TP_HELLO, true);
	advance(&e, 8801);
	CHECK(lns_zlbs(&e.lns) == 2 && lns_count(&e.lns, L2TP_HELLO) == 0);
	l2tp_link_ops.stop(e.l);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_OK);
	CHECK_STR(e.msg, "disconnected");
	/* its StopCCN was acknowledged */
	r = &e.lns.rx[e.lns.n_rx - 1];
	CHECK(r->zlb && r->tunnel == 1);
	env_done(&e);
}

/* SoftEther 5.01's real teardown: CDN -> its CDN (whose Nr acknowledges our
 * StopCCN too), then its own StopCCN.  We stay until that StopCCN is
 * acknowledged (unacknowledged, SoftEther resends it into the next
 * connection), but no longer than L2TP_LINGER_MS. */
static void test_softether_linger(void)
{
	struct env e;
	const struct rec *r;
	uint16_t stop_ns;

	/* both come together: acknowledged at once, down at once */
	env_init(&e, true);
	e.lns.tid = 1;
	e.lns.vendor = "L2TP";
	e.lns.quiet_ppp = true;
	e.lns.cdn_then_stop = true;
	env_start(&e);
	CHECK(e.ups == 1);
	l2tp_link_ops.stop(e.l);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_OK);
	CHECK_STR(e.msg, "disconnected");
	CHECK(log_has(&e, "waiting up to 1000 ms for the gateway's own StopCCN"));
	CHECK(log_has(&e, "the gateway answered our StopCCN with its own"));
	/* its StopCCN (its Ns 3: SCCRP, ICRP, CDN before it) was acknowledged */
	r = &e.lns.rx[e.lns.n_rx - 1];
	CHECK(r->zlb && r->tunnel == 1 && r->nr == 4);
	env_done(&e);

	/* its StopCCN comes 600 ms after its CDN: we are still there */
	env_init(&e, true);
	e.lns.tid = 1;
	e.lns.vendor = "L2TP";
	e.lns.quiet_ppp = true;
	e.lns.cdn_then_stop = true;
	env_start(&e);
	e.lns.hold = true;
	l2tp_link_ops.stop(e.l);
	CHECK(e.lns.n_out == 2);
	e.lns.hold = false;
	pump_n(&e, 1);                  /* the CDN only */
	CHECK(e.downs == 0);
	e.lns.hold = true;
	advance(&e, 600);
	CHECK(e.downs == 0);
	e.lns.hold = false;
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_OK);
	r = &e.lns.rx[e.lns.n_rx - 1];
	CHECK(r->zlb && r->nr == 4);
	CHECK(e.now - 1000000 < 700);
	env_done(&e);

	/* its StopCCN is lost: we leave after 1 s, still "disconnected" */
	env_init(&e, true);
	e.lns.tid = 1;
	e.lns.vendor = "L2TP";
	e.lns.quiet_ppp = true;
	e.lns.cdn_then_stop = true;
	env_start(&e);
	e.lns.hold = true;
	l2tp_link_ops.stop(e.l);
	CHECK(e.lns.n_out == 2);
	stop_ns = e.lns.last_ns;
	pkt_free(e.lns.out[1]);
	e.lns.n_out = 1;
	e.lns.hold = false;
	pump(&e);
	CHECK(e.downs == 0);
	advance(&e, 999);
	CHECK(e.downs == 0);
	advance(&e, 2);
	CHECK(e.downs == 1 && e.why == WV_OK);
	CHECK_STR(e.msg, "disconnected");
	CHECK(log_has(&e, "no StopCCN from the gateway within 1000 ms; closing"));
	/* nothing acknowledged a StopCCN that never came */
	r = &e.lns.rx[e.lns.n_rx - 1];
	CHECK(r->zlb && r->nr == stop_ns);
	CHECK(lns_count(&e.lns, L2TP_STOPCCN) == 1);
	env_done(&e);

	/* xl2tpd acknowledges with a ZLB: no lingering */
	env_init(&e, true);
	env_start(&e);
	l2tp_link_ops.stop(e.l);
	pump(&e);
	CHECK(e.downs == 1 && !log_has(&e, "waiting up to"));
	env_done(&e);
}

static void test_stop_variants(void)
{
	struct env e;

	/* stop while waiting for the SCCRP: when it comes, SCCCN then StopCCN */
	env_init(&e, true);
	e.lns.hold = true;
	env_start(&e);
	l2tp_link_ops.stop(e.l);
	CHECK(e.downs == 0);
	e.lns.hold = false;
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_CANCELLED);
	CHECK(lns_count(&e.lns, L2TP_SCCCN) == 1 && lns_count(&e.lns, L2TP_STOPCCN) == 1);
	CHECK(lns_count(&e.lns, L2TP_ICRQ) == 0);
	CHECK(lns_find(&e.lns, L2TP_SCCCN, 0)->ns < lns_find(&e.lns, L2TP_STOPCCN, 0)->ns);
	env_done(&e);

	/* stop while nothing answers: given up after 3 s */
	env_init(&e, true);
	e.lns.silent = true;
	env_start(&e);
	l2tp_link_ops.stop(e.l);
	advance(&e, 2999);
	CHECK(e.downs == 0);
	advance(&e, 1);
	CHECK(e.downs == 1 && e.why == WV_FAIL_CANCELLED);
	CHECK(lns_count(&e.lns, L2TP_STOPCCN) == 0);
	env_done(&e);

	/* stop before start */
	env_init(&e, true);
	l2tp_link_ops.stop(e.l);
	CHECK(e.downs == 0);
	advance(&e, 0);
	CHECK(e.downs == 1 && e.why == WV_FAIL_CANCELLED);
	env_done(&e);

	/* up, stop, no ack: down(OK) after 3 s all the same */
	env_init(&e, true);
	env_start(&e);
	e.lns.silent = true;
	l2tp_link_ops.stop(e.l);
	l2tp_link_ops.stop(e.l);           /* twice is once */
	advance(&e, 2999);
	CHECK(e.downs == 0 && lns_count(&e.lns, L2TP_STOPCCN) >= 1);
	advance(&e, 1);
	CHECK(e.downs == 1 && e.why == WV_OK);
	env_done(&e);

	/* stop from inside up(); free from inside down() */
	env_init(&e, true);
	e.stop_on_up = true;
	e.free_on_down = true;
	env_start(&e);
	CHECK(e.ups == 1 && e.downs == 1 && e.why == WV_OK && e.l == NULL);
	advance(&e, 10000);
	env_done(&e);
}

static void test_tunnel_auth(void)
{
	struct env e;
	const struct rec *r;
	uint8_t v[64];
	size_t n;

	/* both sides have the secret; the LNS also hides its tunnel id */
	env_init(&e, false);
	e.cfg.secret = SECRET;
	e.lns.secret = SECRET;
	e.lns.challenge = true;
	e.lns.hide_tid = true;
	env_start(&e);
	CHECK(e.ups == 1);
	r = lns_find(&e.lns, L2TP_SCCRQ, 0);
	CHECK(r && rec_avp(r, L2TP_AVP_CHALLENGE, NULL, v, &n) && n == 16);
	/* the SCCCN went to the revealed tunnel id */
	CHECK(lns_find(&e.lns, L2TP_SCCCN, 0)->tunnel == LNS_TID);
	env_done(&e);

	/* the LNS has another secret: its response does not match */
	env_init(&e, false);
	e.cfg.secret = SECRET;
	e.lns.secret = "other";
	env_start(&e);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_AUTH && e.ups == 0);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 failed tunnel authentication: its challenge "
		  "response does not match our tunnel secret");
	r = lns_find(&e.lns, L2TP_STOPCCN, 0);
	CHECK(r && r->res.result == 4);
	env_done(&e);

	/* the LNS ignores our challenge */
	env_init(&e, false);
	e.cfg.secret = SECRET;
	e.lns.secret = SECRET;
	e.lns.no_chal_resp = true;
	env_start(&e);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_AUTH);
	CHECK(strstr(e.msg, "ignored our tunnel authentication challenge") != NULL);
	env_done(&e);

	/* the LNS challenges us and we have no secret */
	env_init(&e, true);
	e.lns.secret = SECRET;
	e.lns.challenge = true;
	env_start(&e);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_CONFIG);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 requires tunnel authentication, but no "
		  "tunnel secret is set (Windows does not support it either)");
	env_done(&e);

	/* the LNS hides a mandatory AVP and we have no secret */
	env_init(&e, true);
	e.lns.secret = SECRET;
	e.lns.hide_tid = true;
	env_start(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_CONFIG);
	CHECK(strstr(e.msg, "hides AVPs with a tunnel secret") != NULL);
	env_done(&e);
}

static void test_unknown(void)
{
	struct env e;
	const struct rec *r;

	/* §4.1: an unknown mandatory AVP in the SCCRP ends the tunnel */
	env_init(&e, true);
	e.lns.unknown_m = true;
	env_start(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL && e.ups == 0);
	CHECK_STR(e.msg, "the L2TP gateway 10.98.1.2 sent a SCCRP with an AVP winvpn does not "
		  "know and must not ignore (vendor 0, type 200)");
	r = lns_find(&e.lns, L2TP_STOPCCN, 0);
	CHECK(r && r->res.result == 2 && r->res.has_error && r->res.error == 8);
	env_done(&e);

	/* an unknown optional AVP is ignored */
	env_init(&e, true);
	e.lns.unknown_opt = true;
	env_start(&e);
	CHECK(e.ups == 1 && e.downs == 0);
	/* an unknown message type without M: ignored, acknowledged */
	lns_simple(&e, 99, false);
	pump(&e);
	CHECK(e.downs == 0 && lns_zlbs(&e.lns) == 1);
	/* with M: the tunnel ends */
	lns_simple(&e, 99, true);
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL);
	CHECK(lns_count(&e.lns, L2TP_CDN) == 1 && lns_count(&e.lns, L2TP_STOPCCN) == 1);
	env_done(&e);

	/* a malformed message from the gateway: StopCCN with "length is wrong" */
	env_init(&e, true);
	env_start(&e);
	lns_data(&e, "c802 001a 1234 0000 0002 0003 8008 0000 0000 0006 8005 0000 0009");
	pump(&e);
	CHECK(e.downs == 1 && e.why == WV_FAIL_PROTOCOL);
	CHECK(strstr(e.msg, "sent a malformed HELLO") != NULL);
	/* garbage and other tunnels' messages are dropped quietly */
	env_done(&e);
	env_init(&e, true);
	env_start(&e);
	lns_data(&e, "c8");
	lns_data(&e, "c802 000c 9999 0000 0002 0003");
	lns_data(&e, "c803 000c 1234 0000 0002 0003");
	pump(&e);
	CHECK(e.downs == 0);
	env_done(&e);
}

static void test_data_first(void)
{
	struct env e;

	/* a gateway whose PPP waits for ours: up 1 s after the ICCN's ack */
	env_init(&e, true);
	e.lns.quiet_ppp = true;
	env_start(&e);
	CHECK(e.ups == 0 && lns_zlbs(&e.lns) == 0);
	CHECK(l2tp_ctrl_session_state(l2tp_get_ctrl(e.l)) == L2TP_S_WAIT_PPP);
	CHECK(send_frame(&e, "ff03 c021") == -ENOTCONN);
	advance(&e, L2TP_UP_WAIT_MS - 1);
	CHECK(e.ups == 0);
	advance(&e, 1);
	CHECK(e.ups == 1 && e.n_frames == 0);
	CHECK(log_has(&e, "the gateway's PPP is quiet; ours goes first"));
	env_done(&e);

	/* the ICCN's ack never comes but PPP does: the call is up */
	env_init(&e, true);
	e.lns.no_iccn_ack = true;
	env_start(&e);
	CHECK(e.ups == 0);
	lns_data(&e, "0002 1234 9999 ff03 c021");      /* another session: not ours */
	pump(&e);
	CHECK(e.ups == 0);
	lns_data(&e, "0002 1234 5678 ff03 c021 0101 0004");
	pump(&e);
	CHECK(e.ups == 1 && e.n_frames == 1);
	/* the ICCN is no longer retransmitted once acknowledged */
	e.lns.no_iccn_ack = false;
	advance(&e, 1000);
	advance(&e, 2000);
	CHECK(lns_count(&e.lns, L2TP_ICCN) == 2);
	env_done(&e);

	/* Sequencing Required: Ns in every data message */
	env_init(&e, true);
	e.lns.seq_required = true;
	env_start(&e);
	CHECK(send_frame(&e, "ff03 c021") == 0 && send_frame(&e, "ff03 c021") == 0);
	CHECK(e.lns.n_data == 2 && e.lns.data[1].buf[0] == 0x08 && e.lns.data[1].buf[7] == 1);
	env_done(&e);
}

/* ---- over loopback UDP, with L2TP's own socket --------------------------------------- */

static void udp_lns_open(struct env *e)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->lfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->lfd < 0 || bind(e->lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(e->lfd, (struct sockaddr *)&sin, &sl) < 0) {
		perror("udp lns");
		exit(99);
	}
	e->cfg.gateway.s_addr = htonl(INADDR_LOOPBACK);
	e->cfg.port = ntohs(sin.sin_port);
}

static void udp_turn(struct env *e)
{
	uint8_t buf[2048];
	socklen_t sl = sizeof(e->client);
	ssize_t n;

	wv_loop_dispatch(e->loop, 2);
	while (e->lfd >= 0 && (n = recvfrom(e->lfd, buf, sizeof(buf), 0,
					    (struct sockaddr *)&e->client, &sl)) > 0) {
		e->client_known = true;
		lns_input(e, buf, (size_t)n);
	}
}

#define UDP_UNTIL(e, cond) do { \
	int udp_i_; \
	for (udp_i_ = 0; udp_i_ < 500 && !(cond); udp_i_++) \
		udp_turn(e); \
} while (0)

static struct l2tp *udp_client(struct env *e)
{
	struct l2tp *l = l2tp_new(e->loop, &e->log, &e->cfg, &link_ev, e);

	l2tp_set_ids(l, OUR_TID, OUR_SID);
	e->l = l;
	return l;
}

static void test_udp(void)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(L2TP_UDP_PORT) };
	struct env e;
	int blocker;

	/* ephemeral-port: a whole call over UDP, data both ways, stop */
	env_init(&e, false);
	udp_lns_open(&e);
	e.cfg.ephemeral_port = true;
	udp_client(&e);
	CHECK(l2tp_link_ops.start(e.l) == 0);
	CHECK(l2tp_local_port(e.l) != 0 && l2tp_local_port(e.l) != L2TP_UDP_PORT);
	CHECK(log_has(&e, "(ephemeral-port is set)"));
	UDP_UNTIL(&e, e.ups == 1);
	CHECK(e.ups == 1);
	CHECK(send_frame(&e, "ff03 c021 0101 0004") == 0);
	UDP_UNTIL(&e, e.lns.n_data == 1);
	CHECK(e.lns.n_data == 1);
	lns_data(&e, "0002 1234 5678 ff03 c021 0201 0004");
	UDP_UNTIL(&e, e.n_frames == 2);
	CHECK(e.n_frames == 2);
	l2tp_link_ops.stop(e.l);
	UDP_UNTIL(&e, e.downs == 1);
	CHECK(e.downs == 1 && e.why == WV_OK);
	env_done(&e);

	/* port 1701 taken: another port, and the log says why */
	blocker = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	any.sin_addr.s_addr = htonl(INADDR_ANY);
	if (blocker >= 0 && bind(blocker, (struct sockaddr *)&any, sizeof(any)) < 0 &&
	    errno != EADDRINUSE) {
		close(blocker);
		blocker = -1;
	}
	if (blocker >= 0) {
		env_init(&e, false);
		udp_lns_open(&e);
		udp_client(&e);
		CHECK(l2tp_link_ops.start(e.l) == 0);
		CHECK(l2tp_local_port(e.l) != L2TP_UDP_PORT && l2tp_local_port(e.l) != 0);
		CHECK(log_has(&e, "UDP port 1701 is in use on this host"));
		UDP_UNTIL(&e, e.ups == 1);
		CHECK(e.ups == 1);
		env_done(&e);
		close(blocker);
	}

	/* port 1701 free: we use it, like Windows */
	blocker = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (blocker >= 0 && bind(blocker, (struct sockaddr *)&any, sizeof(any)) == 0) {
		close(blocker);
		env_init(&e, false);
		udp_lns_open(&e);
		udp_client(&e);
		CHECK(l2tp_link_ops.start(e.l) == 0);
		CHECK(l2tp_local_port(e.l) == L2TP_UDP_PORT);
		CHECK(log_has(&e, "sending L2TP from UDP port 1701, like Windows"));
		env_done(&e);
	} else if (blocker >= 0) {
		close(blocker);
		printf("test-l2tp-ctrl: UDP port 1701 is busy here; skipped the port-1701 case\n");
	}

	/* nothing listens: ICMP port unreachable makes the sentence precise */
	env_init(&e, false);
	udp_lns_open(&e);
	close(e.lfd);
	e.lfd = -1;
	e.cfg.ephemeral_port = true;
	udp_client(&e);
	CHECK(l2tp_link_ops.start(e.l) == 0);
	for (int i = 0; i < 20 && e.downs == 0; i++) {
		udp_turn(&e);
		e.now += 1000;
		wv_loop_run_timers(e.loop);
		udp_turn(&e);
	}
	CHECK(e.downs == 1 && e.why == WV_FAIL_UNREACHABLE);
	CHECK_STR(e.msg, "the L2TP gateway 127.0.0.1 did not answer (3 tries); its UDP port is "
		  "closed (ICMP port unreachable): no L2TP server listens there, or it takes L2TP "
		  "only inside IPsec");
	CHECK(e.now - 1000000 <= 4000);
	env_done(&e);
}

int main(void)
{
	test_setup_and_stop();
	test_loss();
	test_duplicate_and_reorder();
	test_window();
	test_give_up();
	test_peer_stop();
	test_softether();
	test_softether_linger();
	test_stop_variants();
	test_tunnel_auth();
	test_unknown();
	test_data_first();
	test_udp();
	pkt_pool_drain();
	return check_done("test-l2tp-ctrl");
}
