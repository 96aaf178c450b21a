/* test-pptp-msg.c -- PPTP control messages on the wire (RFC 2637 §2): sizes,
 * the SCCRQ Windows-style layout, framing of a TCP stream, decoding a real
 * pptpd reply and distrust of every length. */
#include "wv.h"

#include "check.h"
#include "rd.h"
#include "pptp/pptp-int.h"

/* Start-Control-Connection-Reply as Linux pptpd sends it: framing 0, bearer 0,
 * max channels 1, firmware 1, host "local", vendor "linux". */
static const char pptpd_sccrp_hex[] =
	"009c00011a2b3c4d00020000010001000000000000000000000100016c6f6361"
	"6c00000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000006c696e75"
	"7800000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000";

static void test_sizes(void)
{
	/* RFC 2637 §2.1-§2.15 */
	static const uint16_t rfc[] = { 0, 156, 156, 16, 16, 16, 20, 168, 32, 220, 24, 28, 16,
					148, 40, 24 };
	uint8_t buf[PPTP_MSG_MAX];
	unsigned t;

	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++) {
		struct pptp_msg m = { .type = (uint16_t)t }, back;
		size_t n = pptp_msg_build(&m, buf, sizeof(buf));

		CHECK(pptp_msg_len(t) == rfc[t]);
		CHECK(n == rfc[t]);
		CHECK(load_be16(buf) == rfc[t]);
		CHECK(load_be16(buf + 2) == 1);
		CHECK(load_be32(buf + 4) == PPTP_MAGIC);
		CHECK(load_be16(buf + 8) == t);
		CHECK(pptp_msg_parse(buf, n, &back) == 0);
		CHECK(back.type == t);
	}
	CHECK(pptp_msg_len(0) == 0 && pptp_msg_len(16) == 0);
	/* cap too small */
	{
		struct pptp_msg m = { .type = PPTP_SCCRQ };
		CHECK(pptp_msg_build(&m, buf, 155) == 0);
	}
}

static void test_sccrq_layout(void)
{
	struct pptp_msg m = { .type = PPTP_SCCRQ, .version = PPTP_VERSION, .framing = 1,
			      .bearer = 1, .max_channels = 0, .firmware = 0x0a28 };
	uint8_t buf[PPTP_MSG_MAX];
	size_t n;

	snprintf(m.host, sizeof(m.host), "laptop");
	snprintf(m.vendor, sizeof(m.vendor), "winvpn");
	n = pptp_msg_build(&m, buf, sizeof(buf));
	CHECK(n == 156);
	CHECK(load_be16(buf + 12) == 0x0100);
	CHECK(load_be16(buf + 14) == 0);                /* Reserved1 */
	CHECK(load_be32(buf + 16) == 1);                /* Framing Capabilities: async */
	CHECK(load_be32(buf + 20) == 1);                /* Bearer Capabilities: analog */
	CHECK(load_be16(buf + 24) == 0);                /* Maximum Channels */
	CHECK(load_be16(buf + 26) == 0x0a28);
	CHECK_MEM(buf + 28, "laptop\0\0", 8);
	CHECK(buf + 28 + 63 == buf + 91 && buf[91] == 0);
	CHECK_MEM(buf + 92, "winvpn\0", 7);
}

static void test_ocrq_layout(void)
{
	struct pptp_msg m = { .type = PPTP_OCRQ, .call_id = 0x1234, .serial = 7, .min_bps = 300,
			      .max_bps = 100000000, .bearer = 3, .framing = 3, .window = 64 };
	uint8_t buf[PPTP_MSG_MAX];

	CHECK(pptp_msg_build(&m, buf, sizeof(buf)) == 168);
	CHECK(load_be16(buf + 12) == 0x1234);
	CHECK(load_be16(buf + 14) == 7);
	CHECK(load_be32(buf + 16) == 300);
	CHECK(load_be32(buf + 20) == 100000000);
	CHECK(load_be32(buf + 24) == 3);
	CHECK(load_be32(buf + 28) == 3);
	CHECK(load_be16(buf + 32) == 64);
	CHECK(load_be16(buf + 34) == 0);
	CHECK(load_be16(buf + 36) == 0);                /* Phone Number Length */
}

static void test_pptpd_sccrp(void)
{
	uint8_t buf[256];
	size_t n = check_unhex(pptpd_sccrp_hex, buf, sizeof(buf)), mlen = 0;
	struct pptp_msg m;

	CHECK(n == 156);
	CHECK(pptp_msg_frame(buf, n, &mlen) == 1 && mlen == 156);
	CHECK(pptp_msg_parse(buf, n, &m) == 0);
	CHECK(m.type == PPTP_SCCRP);
	CHECK(m.version == 0x0100);
	CHECK(m.result == 1 && m.error == 0);
	CHECK(m.max_channels == 1);
	CHECK_STR(m.host, "local");
	CHECK_STR(m.vendor, "linux");
}

static void test_round_trip(void)
{
	struct pptp_msg m = { .type = PPTP_CDN, .call_id = 0xbeef, .result = 3, .error = 0,
			      .cause = 0x1234 }, b;
	struct pptp_msg w = { .type = PPTP_WEN, .peer_call_id = 9,
			      .wan_errors = { 1, 2, 3, 4, 5, 0xffffffff } };
	struct pptp_msg o = { .type = PPTP_OCRP, .call_id = 1, .peer_call_id = 2, .result = 7,
			      .error = 6, .cause = 5, .speed = 4, .window = 3, .delay = 2,
			      .channel = 0xa1b2c3d4 };
	uint8_t buf[PPTP_MSG_MAX];
	size_t n;

	snprintf(m.stats, sizeof(m.stats), "bytes in 1 out 2");
	n = pptp_msg_build(&m, buf, sizeof(buf));
	CHECK(pptp_msg_parse(buf, n, &b) == 0);
	CHECK(b.call_id == 0xbeef && b.result == 3 && b.cause == 0x1234);
	CHECK_STR(b.stats, "bytes in 1 out 2");

	n = pptp_msg_build(&w, buf, sizeof(buf));
	CHECK(pptp_msg_parse(buf, n, &b) == 0);
	CHECK(b.peer_call_id == 9 && b.wan_errors[0] == 1 && b.wan_errors[5] == 0xffffffff);

	n = pptp_msg_build(&o, buf, sizeof(buf));
	CHECK(pptp_msg_parse(buf, n, &b) == 0);
	CHECK(b.call_id == 1 && b.peer_call_id == 2 && b.result == 7 && b.error == 6);
	CHECK(b.cause == 5 && b.speed == 4 && b.window == 3 && b.delay == 2);
	CHECK(b.channel == 0xa1b2c3d4);
}

static void test_strings(void)
{
	struct pptp_msg m = { .type = PPTP_SCCRP }, b;
	uint8_t buf[PPTP_MSG_MAX];
	size_t n;

	n = pptp_msg_build(&m, buf, sizeof(buf));
	/* A 64-octet host name has no NUL; control characters are not logged raw. */
	memset(buf + 28, 'a', 64);
	buf[30] = '\n';
	buf[31] = 0xff;
	CHECK(pptp_msg_parse(buf, n, &b) == 0);
	CHECK(strlen(b.host) == 64);
	CHECK(b.host[2] == '?' && b.host[3] == '?' && b.host[4] == 'a');
	/* a name longer than 64 is cut when encoded */
	memset(m.host, 'x', 64);
	m.host[64] = '\0';
	n = pptp_msg_build(&m, buf, sizeof(buf));
	CHECK(buf[28 + 63] == 'x' && buf[92] == 0);
}

static void test_framing(void)
{
	struct pptp_msg a = { .type = PPTP_ECHORQ, .ident = 1 };
	struct pptp_msg b = { .type = PPTP_SLI, .peer_call_id = 2 };
	uint8_t buf[64], bad[16];
	size_t n, k, mlen = 0;

	n = pptp_msg_build(&a, buf, sizeof(buf));
	n += pptp_msg_build(&b, buf + n, sizeof(buf) - n);
	CHECK(n == 40);
	/* every prefix of the first message asks for more */
	for (k = 0; k < 16; k++)
		CHECK(pptp_msg_frame(buf, k, &mlen) == 0);
	CHECK(pptp_msg_frame(buf, n, &mlen) == 1 && mlen == 16);
	CHECK(pptp_msg_frame(buf + 16, n - 16, &mlen) == 1 && mlen == 24);
	/* absurd lengths are errors with only two octets in hand */
	store_be16(bad, 11);
	CHECK(pptp_msg_frame(bad, 2, &mlen) == -EBADMSG);
	store_be16(bad, PPTP_MSG_MAX + 1);
	CHECK(pptp_msg_frame(bad, 2, &mlen) == -EBADMSG);
	store_be16(bad, 0xffff);
	CHECK(pptp_msg_frame(bad, 2, &mlen) == -EBADMSG);
	/* a wrong cookie fails as soon as it is in */
	memcpy(bad, buf, 16);
	bad[7] ^= 1;
	CHECK(pptp_msg_frame(bad, 7, &mlen) == 0);
	CHECK(pptp_msg_frame(bad, 8, &mlen) == -EBADMSG);
}

static void test_parse_distrust(void)
{
	struct pptp_msg m = { .type = PPTP_OCRP }, b;
	uint8_t buf[PPTP_MSG_MAX];
	size_t n = pptp_msg_build(&m, buf, sizeof(buf));
	size_t k;

	/* Length must match what was framed */
	CHECK(pptp_msg_parse(buf, n - 1, &b) == -EBADMSG);
	/* too short for its type, with a consistent Length */
	for (k = PPTP_HDR_LEN; k < n; k++) {
		store_be16(buf, (uint16_t)k);
		CHECK(pptp_msg_parse(buf, k, &b) == -EBADMSG);
	}
	for (k = 0; k < PPTP_HDR_LEN; k++)
		CHECK(pptp_msg_parse(buf, k, &b) == -EBADMSG);
	/* longer than the layout: the extra octets are ignored */
	store_be16(buf, (uint16_t)(n + 4));
	memset(buf + n, 0xee, 4);
	CHECK(pptp_msg_parse(buf, n + 4, &b) == 0 && b.type == PPTP_OCRP);
	store_be16(buf, (uint16_t)n);
	/* unknown control message type, management message type */
	store_be16(buf + 8, 99);
	CHECK(pptp_msg_parse(buf, n, &b) == -ENOMSG && b.type == 99);
	store_be16(buf + 8, 0);
	CHECK(pptp_msg_parse(buf, n, &b) == -ENOMSG);
	store_be16(buf + 8, PPTP_OCRP);
	store_be16(buf + 2, 2);
	CHECK(pptp_msg_parse(buf, n, &b) == -ENOMSG);
	store_be16(buf + 2, 1);
	buf[4] = 0;
	CHECK(pptp_msg_parse(buf, n, &b) == -EBADMSG);
}

static void test_strs(void)
{
	CHECK_STR(pptp_ocrp_result_str(4), "busy");
	CHECK_STR(pptp_ocrp_result_str(3), "no carrier");
	CHECK_STR(pptp_ocrp_result_str(7), "not authorized");
	CHECK_STR(pptp_ocrp_result_str(200), "an unknown result code");
	CHECK_STR(pptp_sccrp_result_str(2), "general error");
	CHECK_STR(pptp_cdn_result_str(0), "no reason given");
	CHECK_STR(pptp_cdn_result_str(1), "lost carrier");
	CHECK_STR(pptp_error_str(6), "gateway-specific error");
	CHECK_STR(pptp_stop_reason_str(3), "it is shutting down");
	CHECK_STR(pptp_msg_name(PPTP_SLI), "Set-Link-Info");
	CHECK_STR(pptp_msg_name(0), "unknown control message");
}

int main(void)
{
	test_sizes();
	test_sccrq_layout();
	test_ocrq_layout();
	test_pptpd_sccrp();
	test_round_trip();
	test_strings();
	test_framing();
	test_parse_distrust();
	test_strs();
	return check_done("test-pptp-msg");
}
