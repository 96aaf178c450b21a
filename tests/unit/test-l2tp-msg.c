/* test-l2tp-msg.c -- L2TP on the wire: headers (control and data, with and
 * without Length, sequence numbers and offsets), the AVP decoder and its
 * table checks, the message builder, hidden AVPs and the tunnel
 * authentication digest against hand-computed vectors, result codes as
 * sentences, and the data channel header.
 *
 * The hidden-AVP and challenge vectors were computed outside the project,
 * straight from RFC 2661 §4.3 / §5.1.1 (Python hashlib):
 *   b1 = MD5(AT || secret || RV), c1 = p1 ^ b1; b(i) = MD5(secret || c(i-1))
 *   response = MD5(message type || secret || challenge)
 * with secret "l2tp-secret", RV = 00 01 .. 0f, challenge = 10 11 .. 1f. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "pkt.h"
#include "rd.h"
#include "l2tp/l2tp-int.h"

#define SECRET "l2tp-secret"

static const uint8_t rv16[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* An SCCRP as xl2tpd 1.3.18 sends it (captured from the lab's guest, with
 * host "uml-xl2tpd" as the shared lab names it, vendor "xelerance.com"), to
 * our tunnel 0x1234, assigning its tunnel 0x2a1b. */
static const char xl2tpd_sccrp[] =
	"c802 006b 1234 0000 0000 0001"
	"8008 0000 0000 0002"                           /* Message Type: SCCRP */
	"8008 0000 0002 0100"                           /* Protocol Version 1.0 */
	"800a 0000 0003 0000 0003"                      /* Framing Capabilities */
	"800a 0000 0004 0000 0000"                      /* Bearer Capabilities */
	"0008 0000 0006 0690"                           /* Firmware Revision */
	"8010 0000 0007 756d6c2d786c32747064"           /* Host Name */
	"0013 0000 0008 78656c6572616e63652e636f6d"     /* Vendor Name */
	"8008 0000 0009 2a1b"                           /* Assigned Tunnel ID */
	"8008 0000 000a 0004";                          /* Receive Window Size */

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	return check_unhex(hex, out, max);
}

static void test_hdr(void)
{
	uint8_t buf[64];
	struct l2tp_hdr h;
	size_t n, mlen;
	int hl;

	/* control: T L S, Length 12, tunnel 0x1234, session 0, Ns 5, Nr 7 */
	n = unhex("c802 000c 1234 0000 0005 0007", buf, sizeof(buf));
	hl = l2tp_hdr_parse(buf, n, &h, &mlen);
	CHECK(hl == 12 && mlen == 12);
	CHECK(h.ctrl && h.has_len && h.has_seq && !h.has_off && !h.prio);
	CHECK(h.tunnel == 0x1234 && h.session == 0 && h.ns == 5 && h.nr == 7);

	/* data, bare (what Windows sends): 6 octets, then PPP */
	n = unhex("0002 1234 5678 ff03 c021", buf, sizeof(buf));
	hl = l2tp_hdr_parse(buf, n, &h, &mlen);
	CHECK(hl == 6 && mlen == n && !h.ctrl && !h.has_len && !h.has_seq);
	CHECK(h.tunnel == 0x1234 && h.session == 0x5678);

	/* data with L, S, O and P: offset 2 skips two pad octets; octets past
	 * Length are the lower layer's padding */
	n = unhex("4b02 0012 1234 5678 0009 0000 0002 eeee ff03 c021 9999", buf, sizeof(buf));
	hl = l2tp_hdr_parse(buf, n, &h, &mlen);
	CHECK(hl == 16 && mlen == 0x12 && h.has_off && h.off == 2 && h.prio && h.ns == 9);

	/* other versions: L2F (1) and L2TPv3 (3) */
	n = unhex("c803 000c 1234 0000 0000 0000", buf, sizeof(buf));
	CHECK(l2tp_hdr_parse(buf, n, &h, &mlen) == -EPROTONOSUPPORT);
	n = unhex("0001 1234 5678", buf, sizeof(buf));
	CHECK(l2tp_hdr_parse(buf, n, &h, &mlen) == -EPROTONOSUPPORT);

	/* short, Length past the end, Length inside the header, offset past the end */
	n = unhex("c802 000c 1234 0000 0005", buf, sizeof(buf));
	CHECK(l2tp_hdr_parse(buf, n, &h, &mlen) == -EBADMSG);
	CHECK(l2tp_hdr_parse(buf, 1, &h, &mlen) == -EBADMSG);
	CHECK(l2tp_hdr_parse(buf, 0, &h, &mlen) == -EBADMSG);
	n = unhex("c802 000d 1234 0000 0005 0007", buf, sizeof(buf));
	CHECK(l2tp_hdr_parse(buf, n, &h, &mlen) == -EBADMSG);
	n = unhex("c802 000b 1234 0000 0005 0007", buf, sizeof(buf));
	CHECK(l2tp_hdr_parse(buf, n, &h, &mlen) == -EBADMSG);
	n = unhex("0202 1234 5678 0004 ff03", buf, sizeof(buf));
	CHECK(l2tp_hdr_parse(buf, n, &h, &mlen) == -EBADMSG);
	n = unhex("0202 1234 5678 0002 ff03", buf, sizeof(buf));
	CHECK(l2tp_hdr_parse(buf, n, &h, &mlen) == 10);

	/* writing: what we send for data and for control */
	{
		struct l2tp_hdr w = { .tunnel = 0x2a1b, .session = 0x0042 };
		uint8_t out[16];

		CHECK(l2tp_hdr_len(&w) == 6);
		l2tp_hdr_write(out, &w);
		n = unhex("0002 2a1b 0042", buf, sizeof(buf));
		CHECK_MEM(out, buf, n);
		w.has_len = w.has_seq = true;
		w.len = 0x20;
		w.ns = 3;
		CHECK(l2tp_hdr_len(&w) == 12);
		l2tp_hdr_write(out, &w);
		n = unhex("4802 0020 2a1b 0042 0003 0000", buf, sizeof(buf));
		CHECK_MEM(out, buf, n);
	}
}

static void test_parse_sccrp(void)
{
	uint8_t buf[256];
	size_t n = unhex(xl2tpd_sccrp, buf, sizeof(buf));
	struct l2tp_msg *m = calloc(1, sizeof(*m));
	char s[64];
	uint16_t v;
	uint32_t u;

	CHECK(n == 0x6b);
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0);
	CHECK(!m->zlb && m->type == L2TP_SCCRP && m->type_mandatory && !m->unknown_m);
	CHECK(m->n_avp == 9 && m->h.tunnel == 0x1234 && m->h.ns == 0 && m->h.nr == 1);
	CHECK(l2tp_msg_u16(m, L2TP_AVP_TUNNEL_ID, &v) && v == 0x2a1b);
	CHECK(l2tp_msg_u16(m, L2TP_AVP_RECV_WINDOW, &v) && v == 4);
	CHECK(l2tp_msg_u16(m, L2TP_AVP_PROTO_VERSION, &v) && v == 0x0100);
	CHECK(l2tp_msg_u32(m, L2TP_AVP_FRAMING_CAPS, &u) && u == 3);
	CHECK(!l2tp_msg_u16(m, L2TP_AVP_SESSION_ID, &v));
	l2tp_msg_str(m, L2TP_AVP_HOST_NAME, s, sizeof(s));
	CHECK_STR(s, "uml-xl2tpd");
	l2tp_msg_str(m, L2TP_AVP_VENDOR_NAME, s, sizeof(s));
	CHECK_STR(s, "xelerance.com");
	l2tp_msg_str(m, L2TP_AVP_VENDOR_NAME, s, 4);      /* cut, still terminated */
	CHECK_STR(s, "xel");
	CHECK(l2tp_msg_avp(m, L2TP_AVP_FIRMWARE) && !l2tp_msg_avp(m, L2TP_AVP_FIRMWARE)->mandatory);

	/* a ZLB: only the header */
	n = unhex("c802 000c 1234 0000 0001 0002", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0 && m->zlb && m->type == 0 && m->n_avp == 0);
	/* a data header is not a control message */
	n = unhex("0002 1234 5678 ff03", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == -EPROTONOSUPPORT);
	/* control without S */
	n = unhex("c002 0010 1234 0000 8008 0000 0000 0006", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == -EPROTONOSUPPORT);
	free(m);
}

/* Each malformed message must fail closed, with a reason. */
static void test_parse_malformed(void)
{
	static const struct {
		const char *hex;
		int err;
		const char *secret;
	} bad[] = {
		/* AVP length 0: shorter than its header (and must not loop) */
		{ "c802 0014 1234 0000 0000 0000 8000 0000 0000 0006", -EBADMSG },
		/* AVP length 5 */
		{ "c802 0014 1234 0000 0000 0000 8005 0000 0000 0006", -EBADMSG },
		/* AVP length 9 runs past the end */
		{ "c802 0014 1234 0000 0000 0000 8009 0000 0000 0006", -EBADMSG },
		/* AVP header cut short */
		{ "c802 0010 1234 0000 0000 0000 8008 0000", -EBADMSG },
		/* first AVP not Message Type */
		{ "c802 0014 1234 0000 0000 0000 8008 0000 0009 0001", -EBADMSG },
		/* Message Type hidden */
		{ "c802 0014 1234 0000 0000 0000 c008 0000 0000 0006", -EBADMSG },
		/* Message Type with 3 octets */
		{ "c802 0015 1234 0000 0000 0000 8009 0000 0000 0006 00", -EBADMSG },
		/* Assigned Tunnel ID with 3 octets */
		{ "c802 001d 1234 0000 0000 0000 8008 0000 0000 0002 8009 0000 0009 0001 02",
		  -EBADMSG },
		/* Challenge Response with 15 octets */
		{ "c802 0029 1234 0000 0000 0000 8008 0000 0000 0002"
		  "8015 0000 000d 000102030405060708090a0b0c0d0e", -EBADMSG },
		/* Sequencing Required with a value */
		{ "c802 001b 1234 0000 0000 0000 8008 0000 0000 000b 8007 0000 0027 00", -EBADMSG },
		/* a hidden AVP without a Random Vector before it */
		{ "c802 001c 1234 0000 0000 0000 8008 0000 0000 0002 c008 0000 0009 1111",
		  -EBADMSG, SECRET },
		/* a mandatory hidden AVP and no secret */
		{ "c802 0034 1234 0000 0000 0000 8008 0000 0000 0002"
		  "8016 0000 0024 000102030405060708090a0b0c0d0e0f c00a 0000 0009 02b288a5",
		  -ENOKEY },
	};
	struct l2tp_msg *m = calloc(1, sizeof(*m));
	uint8_t buf[256];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r;

		n = unhex(bad[i].hex, buf, sizeof(buf));
		r = l2tp_msg_parse(buf, n, bad[i].secret, m);
		if (r != bad[i].err)
			fprintf(stderr, "  case %zu: %d (%s)\n", i, r, m->err);
		CHECK(r == bad[i].err);
		CHECK(m->err[0] != '\0');
	}
	/* too many AVPs: 65 Sequencing Required after the Message Type */
	{
		struct l2tp_mb b;
		uint8_t big[L2TP_CTRL_MAX];

		l2tp_mb_start(&b, big, sizeof(big), 0x1234, 0, L2TP_ICCN);
		for (i = 0; i < L2TP_MAX_AVPS; i++)
			l2tp_mb_avp(&b, false, 0, L2TP_AVP_SEQ_REQUIRED, NULL, 0);
		n = l2tp_mb_finish(&b);
		CHECK(n > 0);
		CHECK(l2tp_msg_parse(big, n, NULL, m) == -EBADMSG);
	}
	free(m);
}

static void test_unknown_avps(void)
{
	struct l2tp_msg *m = calloc(1, sizeof(*m));
	uint8_t buf[256];
	size_t n;

	/* unknown, optional (vendor 9 type 99): ignored; the Microsoft
	 * Correlation ID is known */
	n = unhex("c802 0032 1234 0000 0000 0000 8008 0000 0000 0006"
		  "0008 0009 0063 abcd"
		  "0016 0137 0001 00112233445566778899aabbccddeeff", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0);
	CHECK(m->type == L2TP_HELLO && !m->unknown_m && m->n_avp == 3);
	CHECK(l2tp_avp_def_find(L2TP_VENDOR_MICROSOFT, L2TP_MS_CORRELATION_ID) != NULL);

	/* unknown and mandatory (IETF type 200): parses, flagged */
	n = unhex("c802 001c 1234 0000 0000 0000 8008 0000 0000 0006 8008 0000 00c8 0001",
		  buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0);
	CHECK(m->unknown_m && m->unknown_vendor == 0 && m->unknown_type == 200);

	/* an unknown message type, with and without M */
	n = unhex("c802 0014 1234 0000 0000 0000 8008 0000 0000 0063", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0 && m->type == 99 && m->type_mandatory);
	n = unhex("c802 0014 1234 0000 0000 0000 0008 0000 0000 0063", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0 && m->type == 99 && !m->type_mandatory);
	CHECK_STR(l2tp_msg_name(99), "unknown message");
	CHECK_STR(l2tp_msg_name(L2TP_ICCN), "ICCN");
	CHECK_STR(l2tp_avp_name(0, L2TP_AVP_CHALLENGE_RESP), "Challenge Response");
	CHECK_STR(l2tp_avp_name(7, 7), "unknown AVP");
	free(m);
}

static void test_hidden(void)
{
	struct l2tp_msg *m = calloc(1, sizeof(*m));
	const char *name = "a-rather-long-host-name.example";
	uint8_t plain[64], hidden[64], back[64], want[64], buf[256];
	struct l2tp_mb b;
	size_t n, wn;
	uint16_t v;
	char s[64];

	/* §4.3 vector 1: Assigned Tunnel ID 0x1234, no padding (one partial block) */
	n = unhex("0002 1234", plain, sizeof(plain));
	CHECK(l2tp_hide(false, L2TP_AVP_TUNNEL_ID, SECRET, rv16, 16, plain, n, hidden) == 0);
	wn = unhex("02b288a5", want, sizeof(want));
	CHECK(n == wn);
	CHECK_MEM(hidden, want, wn);
	CHECK(l2tp_hide(true, L2TP_AVP_TUNNEL_ID, SECRET, rv16, 16, hidden, n, back) == 0);
	CHECK_MEM(back, plain, n);

	/* vector 2: a 31-octet Host Name + 3 pad octets = 36 octets, three
	 * blocks, so b2 and b3 chain over the hidden octets */
	store_be16(plain, (uint16_t)strlen(name));
	memcpy(plain + 2, name, strlen(name));
	memset(plain + 2 + strlen(name), 0, 3);
	n = 2 + strlen(name) + 3;
	CHECK(l2tp_hide(false, L2TP_AVP_HOST_NAME, SECRET, rv16, 16, plain, n, hidden) == 0);
	wn = unhex("07db9a399d9a3ddd9d1a706b47e89153cbb85018a21eb1a45d2f90bcef3c5762f4930db6",
		   want, sizeof(want));
	CHECK(n == wn && n == 36);
	CHECK_MEM(hidden, want, wn);
	CHECK(l2tp_hide(true, L2TP_AVP_HOST_NAME, SECRET, rv16, 16, hidden, n, back) == 0);
	CHECK_MEM(back, plain, n);

	/* the builder hides the same way; the decoder reveals */
	l2tp_mb_start(&b, buf, sizeof(buf), 0x1234, 0, L2TP_SCCRP);
	l2tp_mb_avp(&b, true, 0, L2TP_AVP_RANDOM_VECTOR, rv16, sizeof(rv16));
	store_be16(plain, 0x1234);
	l2tp_mb_hidden(&b, true, L2TP_AVP_TUNNEL_ID, plain, 2, 0, SECRET, rv16, sizeof(rv16));
	l2tp_mb_hidden(&b, false, L2TP_AVP_HOST_NAME, name, strlen(name), 3, SECRET, rv16,
		       sizeof(rv16));
	n = l2tp_mb_finish(&b);
	CHECK(n == 12 + 8 + 22 + 10 + 42);
	/* the hidden Tunnel ID AVP on the wire: M H, length 10, vector 1 */
	wn = unhex("c00a 0000 0009 02b288a5", want, sizeof(want));
	CHECK_MEM(buf + 12 + 8 + 22, want, wn);
	CHECK(l2tp_msg_parse(buf, n, SECRET, m) == 0);
	CHECK(l2tp_msg_u16(m, L2TP_AVP_TUNNEL_ID, &v) && v == 0x1234);
	CHECK(l2tp_msg_avp(m, L2TP_AVP_TUNNEL_ID)->hidden);
	l2tp_msg_str(m, L2TP_AVP_HOST_NAME, s, sizeof(s));
	CHECK_STR(s, name);

	/* no secret: the mandatory hidden AVP stops the message... */
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == -ENOKEY);
	CHECK(m->unknown_type == L2TP_AVP_TUNNEL_ID);
	/* ...an optional one is passed over */
	l2tp_mb_start(&b, buf, sizeof(buf), 0x1234, 0, L2TP_SCCRP);
	l2tp_mb_avp(&b, true, 0, L2TP_AVP_RANDOM_VECTOR, rv16, sizeof(rv16));
	l2tp_mb_hidden(&b, false, L2TP_AVP_HOST_NAME, name, strlen(name), 0, SECRET, rv16,
		       sizeof(rv16));
	n = l2tp_mb_finish(&b);
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0 && m->hidden_skipped == 1);
	CHECK(l2tp_msg_avp(m, L2TP_AVP_HOST_NAME) == NULL);
	/* a wrong secret does not reveal (the claimed length does not fit) */
	CHECK(l2tp_msg_parse(buf, n, "not-the-secret", m) == -EBADMSG);
	/* a hidden value shorter than its length field */
	n = unhex("c802 0031 1234 0000 0000 0000 8008 0000 0000 0002"
		  "8016 0000 0024 000102030405060708090a0b0c0d0e0f c007 0000 0009 02",
		  buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, SECRET, m) == -EBADMSG);
	free(m);
}

static void test_challenge(void)
{
	uint8_t chal[16], out[16], want[16];
	size_t i;

	for (i = 0; i < sizeof(chal); i++)
		chal[i] = (uint8_t)(0x10 + i);
	CHECK(l2tp_challenge_response(L2TP_SCCRP, SECRET, chal, sizeof(chal), out) == 0);
	unhex("c0de9823e2d4f74514f4322b71848c15", want, sizeof(want));
	CHECK_MEM(out, want, 16);
	CHECK(l2tp_challenge_response(L2TP_SCCCN, SECRET, chal, sizeof(chal), out) == 0);
	unhex("f3dd7ea1bbeb1664af10e2e88c772cf5", want, sizeof(want));
	CHECK_MEM(out, want, 16);
}

static void test_build(void)
{
	uint8_t buf[128], want[128];
	struct l2tp_mb b;
	size_t n, wn;

	/* a StopCCN as we send it, byte for byte */
	l2tp_mb_start(&b, buf, sizeof(buf), 0x2a1b, 0, L2TP_STOPCCN);
	l2tp_mb_u16(&b, true, L2TP_AVP_TUNNEL_ID, 0x1234);
	{
		uint8_t rc[4] = { 0, 1, 0, 0 };

		l2tp_mb_avp(&b, true, 0, L2TP_AVP_RESULT, rc, sizeof(rc));
	}
	n = l2tp_mb_finish(&b);
	l2tp_ctrl_stamp(buf, 3, 2);
	wn = unhex("c802 0026 2a1b 0000 0003 0002"
		   "8008 0000 0000 0004 8008 0000 0009 1234 800a 0000 0001 0001 0000",
		   want, sizeof(want));
	CHECK(n == wn);
	CHECK_MEM(buf, want, wn);

	/* a ZLB is the header alone */
	l2tp_mb_start(&b, buf, sizeof(buf), 0x2a1b, 0, L2TP_ZLB);
	CHECK(l2tp_mb_finish(&b) == L2TP_CTRL_HDR);

	/* no room: sticky, finish says 0 */
	l2tp_mb_start(&b, buf, 20, 0x2a1b, 0, L2TP_SCCCN);
	l2tp_mb_avp(&b, true, 0, L2TP_AVP_HOST_NAME, "0123456789", 10);
	l2tp_mb_u16(&b, true, L2TP_AVP_TUNNEL_ID, 1);
	CHECK(b.err && l2tp_mb_finish(&b) == 0);
	/* an AVP longer than 10 bits of length */
	{
		static uint8_t huge[1100];
		uint8_t big[1500];

		l2tp_mb_start(&b, big, sizeof(big), 1, 0, L2TP_HELLO);
		l2tp_mb_avp(&b, false, 0, L2TP_AVP_PRIVATE_GROUP, huge, sizeof(huge));
		CHECK(l2tp_mb_finish(&b) == 0);
	}
}

static void test_result(void)
{
	struct l2tp_msg *m = calloc(1, sizeof(*m));
	struct l2tp_result r;
	uint8_t buf[128];
	char s[256];
	size_t n;

	/* StopCCN: result 2, error 6, message "no more tunnels" */
	n = unhex("c802 0035 1234 0000 0000 0000 8008 0000 0000 0004 8008 0000 0009 2a1b"
		  "8019 0000 0001 0002 0006 6e6f206d6f72652074756e6e656c73", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0);
	CHECK(l2tp_msg_result(m, &r) && r.result == 2 && r.has_error && r.error == 6);
	CHECK_STR(r.msg, "no more tunnels");
	l2tp_result_describe(&r, false, s, sizeof(s));
	CHECK_STR(s, "general error (a vendor-specific error; \"no more tunnels\")");

	/* CDN: result 3 only */
	n = unhex("c802 0024 1234 5678 0000 0000 8008 0000 0000 000e 8008 0000 0001 0003"
		  "8008 0000 000e 4242", buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0 && m->type == L2TP_CDN);
	CHECK(l2tp_msg_result(m, &r) && r.result == 3 && !r.has_error);
	l2tp_result_describe(&r, true, s, sizeof(s));
	CHECK_STR(s, "administrative reasons");

	/* SoftEther's answer to our StopCCN: result 0, error 1536 */
	r.result = 0;
	r.has_error = true;
	r.error = 1536;
	r.msg[0] = '\0';
	l2tp_result_describe(&r, false, s, sizeof(s));
	CHECK_STR(s, "an unknown result code (an unknown error code)");
	CHECK_STR(l2tp_stopccn_result_str(4),
		  "this host is not authorized to establish a control connection");
	CHECK_STR(l2tp_cdn_result_str(99), "an unknown result code");
	CHECK_STR(l2tp_error_str(8), "an unknown AVP with the M bit set");

	/* a tiny buffer still ends with NUL */
	r.result = 2;
	r.error = 6;
	snprintf(r.msg, sizeof(r.msg), "x");
	l2tp_result_describe(&r, false, s, 8);
	CHECK(strlen(s) == 7);
	/* non-printable octets in the message become '?' */
	n = unhex("c802 001f 1234 0000 0000 0000 8008 0000 0000 0004 800b 0000 0001 0002 0000 07",
		  buf, sizeof(buf));
	CHECK(l2tp_msg_parse(buf, n, NULL, m) == 0 && l2tp_msg_result(m, &r));
	CHECK_STR(r.msg, "?");
	free(m);
}

static void test_data(void)
{
	struct l2tp_session_info si = { .tunnel_id = 0x1234, .peer_tunnel_id = 0x2a1b,
					.session_id = 0x5678, .peer_session_id = 0x0042 };
	struct l2tp_data d;
	uint8_t want[32];
	struct pkt *p;
	size_t n;

	l2tp_data_init(&d, &si);
	/* what we send by default: the bare header (Windows) */
	p = pkt_from((const uint8_t *)"\xff\x03\xc0\x21", 4);
	CHECK(l2tp_data_encap(&d, p) == 0);
	n = unhex("0002 2a1b 0042 ff03 c021", want, sizeof(want));
	CHECK(p->len == n);
	CHECK_MEM(p->data, want, n);
	pkt_free(p);

	/* the gateway sends L and S: so do we from then on (§5.4) */
	n = unhex("4802 0010 1234 5678 0007 0000 ff03 c021", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 1);
	CHECK(p->len == 4 && memcmp(p->data, "\xff\x03\xc0\x21", 4) == 0);
	pkt_free(p);
	CHECK(d.send_seq && d.send_len);
	p = pkt_from((const uint8_t *)"\xc0\x21", 2);
	CHECK(l2tp_data_encap(&d, p) == 0);
	n = unhex("4802 000e 2a1b 0042 0000 0000 c021", want, sizeof(want));
	CHECK(p->len == n);
	CHECK_MEM(p->data, want, n);
	pkt_free(p);
	CHECK(d.tx_ns == 1);

	/* old and duplicate sequenced messages are dropped; gaps are counted */
	n = unhex("0802 1234 5678 0007 0000 c021", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 0 && d.st.rx_old == 1);
	pkt_free(p);
	n = unhex("0802 1234 5678 000a 0000 c021", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 1 && d.st.rx_lost == 2);
	pkt_free(p);
	/* the gateway stops sequencing: we stop too */
	n = unhex("0002 1234 5678 c021", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 1 && !d.send_seq && !d.send_len);
	pkt_free(p);

	/* another session or tunnel, a control header, garbage */
	n = unhex("0002 1234 5679 c021", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 0 && d.st.rx_foreign == 1);
	pkt_free(p);
	n = unhex("0002 1235 5678 c021", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 0 && d.st.rx_foreign == 2);
	pkt_free(p);
	n = unhex("c802 000c 1234 5678 0000 0000", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == -EBADMSG);
	pkt_free(p);
	p = pkt_from(want, 3);
	CHECK(l2tp_data_decap(&d, p) == -EBADMSG);
	pkt_free(p);
	/* an offset with padding, and lower-layer padding past Length */
	n = unhex("4202 000e 1234 5678 0002 eeee c021 0000", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 1 && p->len == 2 && p->data[0] == 0xc0);
	pkt_free(p);
	/* Sequencing Required: Ns always, even when the gateway sends none */
	si.seq_required = true;
	l2tp_data_init(&d, &si);
	n = unhex("0002 1234 5678 c021", want, sizeof(want));
	p = pkt_from(want, n);
	CHECK(l2tp_data_decap(&d, p) == 1 && d.send_seq);
	pkt_free(p);
	/* an empty frame is not sent */
	p = pkt_alloc();
	CHECK(l2tp_data_encap(&d, p) == -EMSGSIZE);
	pkt_free(p);
}

int main(void)
{
	test_hdr();
	test_parse_sccrp();
	test_parse_malformed();
	test_unknown_avps();
	test_hidden();
	test_challenge();
	test_build();
	test_result();
	test_data();
	pkt_pool_drain();
	return check_done("test-l2tp-msg");
}
