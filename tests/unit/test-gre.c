/* test-gre.c -- PPTP's enhanced GRE (RFC 2637 §4.1) without sockets: header
 * layout and validation, the IPv4 header a raw socket hands over, sequence
 * numbers (duplicates, reordering, loss, wrap), keys of other calls, and
 * encapsulation in the packet's headroom with piggy-backed and ack-only acks. */
#include "wv.h"

#include <stdlib.h>

#include "check.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "pptp/pptp-int.h"

#define OUR_CALL 0x1234
#define PEER_CALL 0x4242

static void test_hdr_write(void)
{
	static const uint8_t data_sa[] = { 0x30, 0x81, 0x88, 0x0b, 0x00, 0x05, 0x42, 0x42,
					   0x00, 0x00, 0x00, 0x07, 0xff, 0xff, 0xff, 0xfe };
	static const uint8_t data_s[] = { 0x30, 0x01, 0x88, 0x0b, 0x05, 0xdc, 0x42, 0x42,
					  0x00, 0x00, 0x00, 0x00 };
	static const uint8_t ack_only[] = { 0x20, 0x81, 0x88, 0x0b, 0x00, 0x00, 0x42, 0x42,
					    0x12, 0x34, 0x56, 0x78 };
	struct gre_hdr h = { .payload_len = 5, .call_id = PEER_CALL, .has_seq = true, .seq = 7,
			     .has_ack = true, .ack = 0xfffffffe };
	uint8_t buf[GRE_HDR_MAX];

	CHECK(gre_hdr_len(&h) == 16);
	gre_hdr_write(buf, &h);
	CHECK_MEM(buf, data_sa, sizeof(data_sa));

	h = (struct gre_hdr){ .payload_len = 1500, .call_id = PEER_CALL, .has_seq = true };
	CHECK(gre_hdr_len(&h) == 12);
	gre_hdr_write(buf, &h);
	CHECK_MEM(buf, data_s, sizeof(data_s));

	h = (struct gre_hdr){ .call_id = PEER_CALL, .has_ack = true, .ack = 0x12345678 };
	CHECK(gre_hdr_len(&h) == 12);
	gre_hdr_write(buf, &h);
	CHECK_MEM(buf, ack_only, sizeof(ack_only));
}

static void test_hdr_parse(void)
{
	uint8_t buf[64];
	struct gre_hdr h = { .payload_len = 4, .call_id = OUR_CALL, .has_seq = true, .seq = 9,
			     .has_ack = true, .ack = 8 }, p;
	size_t k;

	gre_hdr_write(buf, &h);
	memcpy(buf + 16, "\xff\x03\xc0\x21", 4);
	CHECK(gre_hdr_parse(buf, 20, &p) == 16);
	CHECK(p.payload_len == 4 && p.call_id == OUR_CALL && p.has_seq && p.seq == 9);
	CHECK(p.has_ack && p.ack == 8);
	/* padding after the payload is fine */
	CHECK(gre_hdr_parse(buf, 30, &p) == 16);
	/* every truncation fails */
	for (k = 0; k < 20; k++)
		CHECK(gre_hdr_parse(buf, k, &p) == -EBADMSG);

	/* ack-only */
	h = (struct gre_hdr){ .call_id = OUR_CALL, .has_ack = true, .ack = 3 };
	gre_hdr_write(buf, &h);
	CHECK(gre_hdr_parse(buf, 12, &p) == 12 && !p.has_seq && p.has_ack && p.ack == 3);
	CHECK(gre_hdr_parse(buf, 11, &p) == -EBADMSG);

	/* not PPTP's GRE */
	h = (struct gre_hdr){ .call_id = OUR_CALL, .has_seq = true };
	gre_hdr_write(buf, &h);
	CHECK(gre_hdr_parse(buf, 12, &p) == 12);
	buf[1] = 0x00;                                  /* version 0: plain GRE */
	CHECK(gre_hdr_parse(buf, 12, &p) == -EPROTONOSUPPORT);
	buf[1] = 0x01;
	store_be16(buf + 2, 0x0800);                    /* IPv4 inside */
	CHECK(gre_hdr_parse(buf, 12, &p) == -EPROTONOSUPPORT);
	store_be16(buf + 2, GRE_PROTO_PPP);
	buf[0] = 0x10;                                  /* K missing */
	CHECK(gre_hdr_parse(buf, 12, &p) == -EPROTONOSUPPORT);
	buf[0] = 0x30 | 0x80;                           /* C: checksum field */
	CHECK(gre_hdr_parse(buf, 12, &p) == -EPROTONOSUPPORT);
	buf[0] = 0x30 | 0x40;                           /* R: routing */
	CHECK(gre_hdr_parse(buf, 12, &p) == -EPROTONOSUPPORT);
	buf[0] = 0x30 | 0x08;                           /* strict source route */
	CHECK(gre_hdr_parse(buf, 12, &p) == -EPROTONOSUPPORT);
	/* Recur and Flags change no layout: tolerated */
	buf[0] = 0x30 | 0x03;
	buf[1] = 0x01 | 0x78;
	CHECK(gre_hdr_parse(buf, 12, &p) == 12);
	/* a payload length past the end */
	buf[0] = 0x30;
	buf[1] = 0x01;
	store_be16(buf + 4, 1);
	CHECK(gre_hdr_parse(buf, 12, &p) == -EBADMSG);
	CHECK(gre_hdr_parse(buf, 13, &p) == 12);
	store_be16(buf + 4, 0xffff);
	CHECK(gre_hdr_parse(buf, sizeof(buf), &p) == -EBADMSG);
}

/* An IPv4 header as a raw socket returns it (protocol 47). */
static size_t ip_wrap(uint8_t *out, size_t ihl, const uint8_t *gre, size_t len)
{
	memset(out, 0, ihl);
	out[0] = (uint8_t)(0x40 | (ihl / 4));
	store_be16(out + 2, (uint16_t)(ihl + len));
	out[6] = 0x40;                                  /* DF */
	out[8] = 64;
	out[9] = 47;
	out[12] = 10, out[15] = 2;
	out[16] = 10, out[19] = 1;
	memcpy(out + ihl, gre, len);
	return ihl + len;
}

static void test_ip_strip(void)
{
	uint8_t gre[12] = { 0x30, 0x01, 0x88, 0x0b }, buf[128];
	size_t n, plen = 0;

	n = ip_wrap(buf, 20, gre, sizeof(gre));
	CHECK(gre_ip_strip(buf, n, &plen) == 20 && plen == 12);
	/* trailing octets past Total Length are not payload */
	CHECK(gre_ip_strip(buf, n + 5, &plen) == 20 && plen == 12);
	n = ip_wrap(buf, 24, gre, sizeof(gre));        /* with options */
	CHECK(gre_ip_strip(buf, n, &plen) == 24 && plen == 12);
	CHECK(gre_ip_strip(buf, n - 1, &plen) == -EBADMSG);     /* truncated */
	CHECK(gre_ip_strip(buf, 19, &plen) == -EBADMSG);
	CHECK(gre_ip_strip(buf, 0, &plen) == -EBADMSG);
	n = ip_wrap(buf, 20, gre, sizeof(gre));
	buf[0] = 0x45 + 0x20;                           /* IPv6 version nibble */
	CHECK(gre_ip_strip(buf, n, &plen) == -EBADMSG);
	buf[0] = 0x44;                                  /* IHL 16 */
	CHECK(gre_ip_strip(buf, n, &plen) == -EBADMSG);
	buf[0] = 0x4f;                                  /* IHL 60 > what we have */
	CHECK(gre_ip_strip(buf, n, &plen) == -EBADMSG);
	buf[0] = 0x45;
	store_be16(buf + 2, 19);                        /* Total Length < IHL */
	CHECK(gre_ip_strip(buf, n, &plen) == -EBADMSG);
	store_be16(buf + 2, (uint16_t)n);
	buf[6] = 0x20;                                  /* MF: a fragment */
	CHECK(gre_ip_strip(buf, n, &plen) == -EBADMSG);
	buf[6] = 0x40;
	buf[9] = 17;                                    /* UDP */
	CHECK(gre_ip_strip(buf, n, &plen) == -EBADMSG);
}

static void test_seq(void)
{
	struct gre_rx_seq s = { 0 };
	uint32_t lost = 99;

	/* the first packet sets the base, whatever its number */
	CHECK(gre_rx_seq_accept(&s, 1000, &lost) == 1 && lost == 0);
	CHECK(gre_rx_seq_accept(&s, 1001, &lost) == 1 && lost == 0);
	CHECK(gre_rx_seq_accept(&s, 1001, &lost) == 0);          /* duplicate */
	CHECK(gre_rx_seq_accept(&s, 999, &lost) == 0);           /* old */
	CHECK(gre_rx_seq_accept(&s, 1005, &lost) == 1 && lost == 3);     /* loss */
	CHECK(gre_rx_seq_accept(&s, 1003, &lost) == 0);          /* late: dropped */
	CHECK(s.last == 1005);

	/* wrap at 2^32 */
	s = (struct gre_rx_seq){ .started = true, .last = 0xfffffffe };
	CHECK(gre_rx_seq_accept(&s, 0xffffffff, &lost) == 1 && lost == 0);
	CHECK(gre_rx_seq_accept(&s, 0, &lost) == 1 && lost == 0);
	CHECK(gre_rx_seq_accept(&s, 0xffffffff, &lost) == 0);
	CHECK(gre_rx_seq_accept(&s, 2, &lost) == 1 && lost == 1);
	s = (struct gre_rx_seq){ .started = true, .last = 0xfffffff0 };
	CHECK(gre_rx_seq_accept(&s, 0x10, &lost) == 1 && lost == 0x1f);

	/* half the number space ahead counts as behind (RFC 1982) */
	s = (struct gre_rx_seq){ .started = true, .last = 5 };
	CHECK(gre_rx_seq_accept(&s, 5 + 0x80000000u, &lost) == 0);
	CHECK(gre_rx_seq_accept(&s, 5 + 0x7fffffffu, &lost) == 1);

	CHECK(gre_seq_after(1, 0) && !gre_seq_after(0, 1) && !gre_seq_after(7, 7));
	CHECK(gre_seq_after(0, 0xffffffff));
}

/* ---- a struct gre without a socket -------------------------------------- */

struct rx_env {
	struct wv_loop *loop;
	uint64_t now;
	struct wv_log log;
	struct gre *g;
	unsigned n;
	uint8_t last[64];
	size_t last_len;
};

static uint64_t fake_now(void *arg)
{
	return ((struct rx_env *)arg)->now;
}

static void log_fn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	if (getenv("V"))
		fprintf(stderr, "  [%d %s] %s\n", lvl, subsys, msg);
}

static void on_recv(void *arg, struct pkt *p)
{
	struct rx_env *e = arg;

	e->n++;
	e->last_len = MIN(p->len, sizeof(e->last));
	memcpy(e->last, p->data, e->last_len);
	pkt_free(p);
}

static const struct gre_events rx_ev = { .recv = on_recv };

static void rx_init(struct rx_env *e)
{
	memset(e, 0, sizeof(*e));
	e->now = 5000;
	e->loop = wv_loop_new();
	wv_loop_set_clock(e->loop, fake_now, e);
	e->log.fn = log_fn;
	e->log.level = WV_LOG_TRACE;
	e->g = gre_new(e->loop, &e->log, &rx_ev, e);
	gre_set_call_ids(e->g, OUR_CALL, PEER_CALL);
}

static void rx_done(struct rx_env *e)
{
	gre_free(e->g);
	wv_loop_free(e->loop);
}

/* Feeds one IPv4 + GRE datagram carrying payload (may be NULL). */
static void feed(struct rx_env *e, uint16_t call, bool s, uint32_t seq, bool a, uint32_t ack,
		 const char *payload)
{
	struct gre_hdr h = { .payload_len = (uint16_t)(payload ? strlen(payload) : 0),
			     .call_id = call, .has_seq = s, .seq = seq, .has_ack = a, .ack = ack };
	uint8_t gre[128], ip[160];
	size_t hl = gre_hdr_len(&h), n;

	gre_hdr_write(gre, &h);
	if (payload)
		memcpy(gre + hl, payload, h.payload_len);
	n = ip_wrap(ip, 20, gre, hl + h.payload_len);
	gre_input(e->g, pkt_from(ip, n));
}

static void test_input(void)
{
	struct rx_env e;
	struct gre_stats st;

	rx_init(&e);
	feed(&e, OUR_CALL, true, 100, false, 0, "\xff\x03\xc0\x21\x01");
	CHECK(e.n == 1 && e.last_len == 5);
	CHECK_MEM(e.last, "\xff\x03\xc0\x21\x01", 5);
	feed(&e, OUR_CALL, true, 100, false, 0, "dup");           /* duplicate */
	feed(&e, PEER_CALL, true, 101, false, 0, "our own");      /* another call's key */
	feed(&e, OUR_CALL, true, 103, true, 7, "three");          /* 101, 102 lost */
	feed(&e, OUR_CALL, true, 102, false, 0, "late");          /* overtaken: dropped */
	feed(&e, OUR_CALL, false, 0, true, 9, NULL);              /* ack-only */
	feed(&e, OUR_CALL, false, 0, false, 0, "no seq");         /* payload without S */
	feed(&e, OUR_CALL, true, 104, false, 0, NULL);            /* S without payload */
	CHECK(e.n == 2);
	CHECK_MEM(e.last, "three", 5);
	gre_get_stats(e.g, &st);
	CHECK(st.rx_packets == 2 && st.rx_bytes == 10);
	CHECK(st.rx_old == 2);
	CHECK(st.rx_lost == 2);
	CHECK(st.rx_foreign == 1);
	CHECK(st.rx_bad == 1);
	CHECK(st.rx_acks == 2);

	/* garbage is counted, not delivered */
	gre_input(e.g, pkt_from((const uint8_t *)"\x45\x00\x00", 3));
	gre_get_stats(e.g, &st);
	CHECK(st.rx_bad == 2 && e.n == 2);
	rx_done(&e);
}

static void test_encap_and_acks(void)
{
	struct rx_env e;
	struct gre_hdr h;
	struct pkt *p;
	uint8_t buf[GRE_HDR_MAX];
	uint8_t *payload;

	rx_init(&e);
	/* nothing received: no A bit, sequence numbers from 0 */
	p = pkt_alloc();
	memcpy(pkt_put(p, 4), "\xc0\x21\x09\x01", 4);
	payload = p->data;
	CHECK(gre_encap(e.g, p) == 0);
	CHECK(p->len == 16 && p->data == payload - 12);   /* prepended in place */
	CHECK(gre_hdr_parse(p->data, p->len, &h) == 12);
	CHECK(h.call_id == PEER_CALL && h.payload_len == 4 && h.has_seq && h.seq == 0);
	CHECK(!h.has_ack);
	pkt_free(p);
	CHECK(gre_build_ack(e.g, buf) == 0);

	/* a packet arrives: the next data packet carries the ack */
	feed(&e, OUR_CALL, true, 41, false, 0, "x");
	p = pkt_alloc();
	memcpy(pkt_put(p, 2), "\x80\x21", 2);
	CHECK(gre_encap(e.g, p) == 0);
	CHECK(gre_hdr_parse(p->data, p->len, &h) == 16);
	CHECK(h.has_seq && h.seq == 1 && h.has_ack && h.ack == 41);
	CHECK(p->len == 18);
	pkt_free(p);
	/* ...and only once */
	CHECK(gre_build_ack(e.g, buf) == 0);

	/* no data to ride on: an ack-only packet */
	feed(&e, OUR_CALL, true, 42, false, 0, "y");
	CHECK(gre_build_ack(e.g, buf) == 12);
	CHECK(gre_hdr_parse(buf, 12, &h) == 12);
	CHECK(!h.has_seq && h.has_ack && h.ack == 42 && h.payload_len == 0);
	CHECK(gre_build_ack(e.g, buf) == 0);
	/* the ack timer then has nothing to do */
	e.now += GRE_ACK_DELAY_MS;
	wv_loop_run_timers(e.loop);

	/* no headroom, empty frame */
	p = pkt_alloc();
	p->data = p->buf;
	memcpy(pkt_put(p, 2), "\x80\x21", 2);
	CHECK(gre_encap(e.g, p) == -ENOSPC);
	p->len = 0;
	CHECK(gre_encap(e.g, p) == -EMSGSIZE);
	pkt_free(p);
	/* without a socket, gre_send takes the packet and fails */
	p = pkt_alloc();
	memcpy(pkt_put(p, 2), "\x80\x21", 2);
	CHECK(gre_send(e.g, p) == -ENOTCONN);
	rx_done(&e);
}

static void test_tx_seq(void)
{
	struct rx_env e;
	struct gre_hdr h;
	struct pkt *p;
	int i;

	rx_init(&e);
	for (i = 0; i < 3; i++) {
		p = pkt_alloc();
		memcpy(pkt_put(p, 1), "\x21", 1);
		CHECK(gre_encap(e.g, p) == 0);
		CHECK(gre_hdr_parse(p->data, p->len, &h) == 12 && h.seq == (uint32_t)i);
		pkt_free(p);
	}
	rx_done(&e);
}

int main(void)
{
	test_hdr_write();
	test_hdr_parse();
	test_ip_strip();
	test_seq();
	test_input();
	test_encap_and_acks();
	test_tx_seq();
	pkt_pool_drain();
	return check_done("test-gre");
}
