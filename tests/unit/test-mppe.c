/* test-mppe.c -- MPPE keys against RFC 3079's examples (vectors.md §4-§5),
 * the wire behaviour of the Linux kernel's ppp_mppe.c (A on every stateless
 * packet, key change before the first one; stateful key change on the 0xFF
 * "flag" packets), and round trips with loss, resync and count wrap. */
#include "wv.h"

#include <stdlib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/mppe.h"
#include "check.h"

static const char test_message[] = "test message";   /* 12 octets, RFC 3079 §3.5 */

static void hex(const char *s, uint8_t *out, size_t n)
{
	if (check_unhex(s, out, n) != n) {
		fprintf(stderr, "bad test vector %s\n", s);
		abort();
	}
}

static void pkt_set(struct pkt *p, const void *data, size_t len)
{
	p->data = p->buf + PKT_HEADROOM;
	memcpy(p->data, data, len);
	p->len = len;
}

static void pkt_copy(struct pkt *to, const struct pkt *from)
{
	pkt_set(to, from->data, from->len);
}

/* RC4 on its own, as the reference the data path must match. */
static void rc4_ref(const uint8_t *key, int klen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;

	CHECK(ctx && EVP_EncryptInit_ex(ctx, wv_cipher("RC4"), NULL, NULL, NULL));
	CHECK(EVP_CIPHER_CTX_set_key_length(ctx, klen));
	CHECK(EVP_EncryptInit_ex(ctx, NULL, NULL, key, NULL));
	CHECK(EVP_EncryptUpdate(ctx, out, &n, in, (int)len) && (size_t)n == len);
	EVP_CIPHER_CTX_free(ctx);
}

static void test_get_new_key(void)
{
	uint8_t start[16], out[16], exp[16];

	hex("8B 7C DC 14 9B 99 3A 1B", start, 8);
	CHECK(mppe_get_new_key_from_sha(start, start, 8, out) == 0);
	hex("96 5C 00 C4 9F A6 2E 3E", exp, 8);
	CHECK_MEM(out, exp, 8);
	CHECK(mppe_get_new_key_from_sha(start, start, 0, out) == -EINVAL);
	CHECK(mppe_get_new_key_from_sha(start, start, 17, out) == -EINVAL);
}

/* Initial session key, and the first stateful packet, which uses it as is
 * and so is exactly rc4(SessionKey, "test message"). */
static void check_key(const char *start_hex, unsigned bits, const char *session_hex,
		      const char *rc4_hex, int line)
{
	struct mppe_dir d;
	struct pkt p;
	uint8_t start[16] = { 0 }, exp[16], ct[12];
	unsigned klen = bits == 128 ? 16 : 8;
	int failed = check_failed;

	memset(&d, 0, sizeof(d));
	hex(start_hex, start, klen);
	CHECK(mppe_dir_init(&d, start, bits, false) == 0);
	hex(session_hex, exp, klen);
	CHECK(d.key_len == klen);
	CHECK_MEM(d.session_key, exp, klen);
	pkt_set(&p, test_message, 12);
	CHECK(mppe_encrypt(&d, &p) == 0);
	CHECK(p.len == 14);
	CHECK(load_be16(p.data) == 0x1000);   /* D, count 0, no A */
	hex(rc4_hex, ct, 12);
	CHECK_MEM(p.data + 2, ct, 12);
	mppe_dir_clear(&d);
	CHECK(d.rc4 == NULL);
	if (check_failed != failed)
		fprintf(stderr, "  (key vector at line %d)\n", line);
}

static void test_rfc3079_keys(void)
{
	/* §3.5.1-3.5.3: the server's send key, i.e. the client's receive key */
	check_key("8B 7C DC 14 9B 99 3A 1B", 40, "D1 26 9E C4 9F A6 2E 3E",
		  "92 91 37 91 7E 58 03 D6 68 D7 58 98", __LINE__);
	check_key("8B 7C DC 14 9B 99 3A 1B", 56, "D1 5C 00 C4 9F A6 2E 3E",
		  "3F 10 68 33 FA 44 8D A8 42 BC 57 B8", __LINE__);
	check_key("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB", 128,
		  "40 5C B2 24 7A 79 56 E6 E2 11 00 7A E2 7B 22 D4",
		  "81 84 83 17 DF 68 84 62 72 FB 5A BE", __LINE__);
	/* the client's send key (Magic2) */
	check_key("D5 F0 E9 52 1E 3E A9 58", 40, "D1 26 9E D2 AE 99 90 38",
		  "DA 2F FC 50 B2 26 12 D4 1F A7 F2 BB", __LINE__);
	check_key("D5 F0 E9 52 1E 3E A9 58", 56, "D1 6A 9B D2 AE 99 90 38",
		  "4A B6 DF 61 74 37 26 48 25 FB 65 5C", __LINE__);
	check_key("D5 F0 E9 52 1E 3E A9 58 96 45 E8 60 51 C8 22 26", 128,
		  "49 D1 1D 0F 0C C6 BE FB A2 A9 B4 B6 88 F9 1E EE",
		  "B5 6C A9 56 95 E1 4A CB 15 F1 BA 3C", __LINE__);
	/* §2.5: MS-CHAPv1, 40/56 from the LAN Manager hash's first octets, 128
	 * from GetStartKey */
	check_key("76 A1 52 93 60 96 D7 83", 40, "D1 26 9E 53 8C EC 4A 08",
		  "09 72 E7 60 39 E5 10 79 85 56 76 42", __LINE__);
	check_key("76 A1 52 93 60 96 D7 83", 56, "D1 08 01 53 8C EC 4A 08",
		  "1C C6 BF 0B BD 3D 9B 21 CF 87 7A 6B", __LINE__);
	check_key("A8 94 78 50 CF C0 AC C1 D1 78 9F B6 2D DC DD B0", 128,
		  "59 D1 59 BC 09 F7 6F 1D A2 A8 6A 28 FF EC 0B 1E",
		  "FA E9 06 88 F9 85 F3 13 C7 D3 67 C3", __LINE__);
}

/* Stateless: the key changes before every packet, the first one included
 * (ppp_mppe.c), and every packet says so with A. */
static void test_stateless_wire(void)
{
	struct mppe_dir d;
	struct pkt p;
	uint8_t start[16], k1[16], ct[12];

	memset(&d, 0, sizeof(d));
	hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB", start, 16);
	CHECK(mppe_dir_init(&d, start, 128, true) == 0);
	pkt_set(&p, test_message, 12);
	CHECK(mppe_encrypt(&d, &p) == 0);
	CHECK(load_be16(p.data) == 0x9000);   /* A | D | count 0 */
	/* RFC 3078 §7.3 one key change from 405CB224... (vectors.md §4) */
	hex("72 6F 10 50 0E 2B 54 13 5B 1B 74 D7 68 2F 04 71", k1, 16);
	CHECK_MEM(d.session_key, k1, 16);
	rc4_ref(k1, 16, (const uint8_t *)test_message, 12, ct);
	CHECK_MEM(p.data + 2, ct, 12);

	pkt_set(&p, test_message, 12);
	CHECK(mppe_encrypt(&d, &p) == 0);
	CHECK(load_be16(p.data) == 0x9001);
	CHECK(memcmp(d.session_key, k1, 16) != 0);
	mppe_dir_clear(&d);

	/* no headroom for the header: refused before anything changes */
	memset(&d, 0, sizeof(d));
	CHECK(mppe_dir_init(&d, start, 128, true) == 0);
	p.data = p.buf;
	p.len = 12;
	CHECK(mppe_encrypt(&d, &p) == -ENOSPC);
	CHECK(d.ccount == 0);
	mppe_dir_clear(&d);
	CHECK(mppe_dir_init(&d, start, 64, true) == -EINVAL);
	mppe_dir_clear(&d);
}

struct pair {
	struct mppe_dir tx, rx;
};

static void pair_init(struct pair *pr, unsigned bits, bool stateless)
{
	uint8_t start[16];

	hex("D5 F0 E9 52 1E 3E A9 58 96 45 E8 60 51 C8 22 26", start, 16);
	memset(pr, 0, sizeof(*pr));
	CHECK(mppe_dir_init(&pr->tx, start, bits, stateless) == 0);
	CHECK(mppe_dir_init(&pr->rx, start, bits, stateless) == 0);
}

static void pair_clear(struct pair *pr)
{
	mppe_dir_clear(&pr->tx);
	mppe_dir_clear(&pr->rx);
}

/* A datagram that says which packet it is: protocol 0x0021 + 100 octets. */
static void make_plain(uint8_t *buf, unsigned seq)
{
	unsigned i;

	buf[0] = 0x00;
	buf[1] = 0x21;
	for (i = 2; i < 102; i++)
		buf[i] = (uint8_t)(seq * 7 + i);
}

/* Encrypts packet seq into p; returns the header. */
static uint16_t send_one(struct pair *pr, struct pkt *p, unsigned seq)
{
	uint8_t plain[102];

	make_plain(plain, seq);
	pkt_set(p, plain, sizeof(plain));
	CHECK(mppe_encrypt(&pr->tx, p) == 0);
	CHECK(p->len == 104);
	return load_be16(p->data);
}

/* Decrypts p and checks it is packet seq. */
static enum mppe_rx_result recv_one(struct pair *pr, struct pkt *p, unsigned seq)
{
	uint8_t plain[102];
	enum mppe_rx_result res = mppe_decrypt(&pr->rx, p);

	if (res == MPPE_RX_OK) {
		make_plain(plain, seq);
		CHECK(p->len == sizeof(plain));
		if (p->len == sizeof(plain) && memcmp(p->data, plain, sizeof(plain)) != 0) {
			check_failed++;
			fprintf(stderr, "packet %u decrypted wrong\n", seq);
		}
	}
	return res;
}

static void test_stateless_loss(void)
{
	struct pair pr;
	struct pkt p, dup;
	unsigned seq, bad = 0;

	pair_init(&pr, 128, true);
	for (seq = 0; seq < 5000; seq++) {
		uint16_t hdr = send_one(&pr, &p, seq);
		if ((hdr & 0xf000) != 0x9000 || (hdr & 0x0fff) != (seq & 0x0fff))
			bad++;
		/* lose packets 5-9, 300-1000 (a burst) and every 7th */
		if ((seq >= 5 && seq <= 9) || (seq >= 300 && seq <= 1000) || seq % 7 == 3)
			continue;
		if (seq == 20)
			pkt_copy(&dup, &p);
		if (recv_one(&pr, &p, seq) != MPPE_RX_OK)
			bad++;
		if (seq == 20)
			CHECK(mppe_decrypt(&pr.rx, &dup) == MPPE_RX_DROP);   /* repeated */
	}
	CHECK(bad == 0);
	/* the count wrapped: packet 4096 went out as count 0 */
	CHECK(pr.tx.ccount == 5000 % 4096);

	/* a late packet (older than the last) and one without A are dropped */
	send_one(&pr, &p, 5000);
	pkt_copy(&dup, &p);
	send_one(&pr, &p, 5001);
	CHECK(recv_one(&pr, &p, 5001) == MPPE_RX_OK);
	CHECK(mppe_decrypt(&pr.rx, &dup) == MPPE_RX_DROP);
	send_one(&pr, &p, 5002);
	p.data[0] &= 0x7f;
	CHECK(mppe_decrypt(&pr.rx, &p) == MPPE_RX_DROP);
	/* still in step after the drops */
	send_one(&pr, &p, 5003);
	CHECK(recv_one(&pr, &p, 5003) == MPPE_RX_OK);
	pair_clear(&pr);
}

static void test_stateful(void)
{
	struct pair pr;
	struct pkt p;
	unsigned seq, bad = 0;

	/* in order through two count wraps: A exactly on the flag packets */
	pair_init(&pr, 128, false);
	for (seq = 0; seq < 9000; seq++) {
		uint16_t hdr = send_one(&pr, &p, seq);
		uint16_t want = (uint16_t)(0x1000 | (seq & 0xfff) |
					   ((seq & 0xff) == 0xff ? 0x8000 : 0));
		if (hdr != want)
			bad++;
		if (recv_one(&pr, &p, seq) != MPPE_RX_OK)
			bad++;
	}
	CHECK(bad == 0);
	pair_clear(&pr);

	/* a loss: drop and ask for a reset until the peer's A arrives */
	pair_init(&pr, 128, false);
	for (seq = 0; seq < 3; seq++) {
		send_one(&pr, &p, seq);
		CHECK(recv_one(&pr, &p, seq) == MPPE_RX_OK);
	}
	send_one(&pr, &p, 3);                      /* lost */
	send_one(&pr, &p, 4);
	CHECK(recv_one(&pr, &p, 4) == MPPE_RX_NEED_RESET);
	send_one(&pr, &p, 5);
	CHECK(recv_one(&pr, &p, 5) == MPPE_RX_NEED_RESET);
	mppe_tx_reset(&pr.tx);                     /* the peer got our Reset-Request */
	CHECK((send_one(&pr, &p, 6) & 0x8000) != 0);
	CHECK(recv_one(&pr, &p, 6) == MPPE_RX_OK);
	CHECK((send_one(&pr, &p, 7) & 0x8000) == 0);
	CHECK(recv_one(&pr, &p, 7) == MPPE_RX_OK);

	/* a loss that swallows flag packets (255, 511, 767) before the reset */
	for (seq = 8; seq < 800; seq++)
		send_one(&pr, &p, seq);
	CHECK(recv_one(&pr, &p, 799) == MPPE_RX_NEED_RESET);
	mppe_tx_reset(&pr.tx);
	send_one(&pr, &p, 800);
	CHECK(recv_one(&pr, &p, 800) == MPPE_RX_OK);
	for (seq = 801; seq < 1100; seq++) {
		send_one(&pr, &p, seq);
		if (recv_one(&pr, &p, seq) != MPPE_RX_OK)
			bad++;
	}
	CHECK(bad == 0);

	/* losing just the packet before a flag packet: the flag packet's A
	 * resynchronises at once, no reset needed */
	for (seq = 1100; seq < 1278; seq++) {
		send_one(&pr, &p, seq);
		CHECK(recv_one(&pr, &p, seq) == MPPE_RX_OK);
	}
	send_one(&pr, &p, 1278);                   /* count 254, lost */
	CHECK((send_one(&pr, &p, 1279) & 0x80ff) == 0x80ff);
	CHECK(recv_one(&pr, &p, 1279) == MPPE_RX_OK);
	send_one(&pr, &p, 1280);
	CHECK(recv_one(&pr, &p, 1280) == MPPE_RX_OK);
	pair_clear(&pr);

	/* 40-bit too */
	pair_init(&pr, 40, false);
	for (seq = 0; seq < 600; seq++) {
		send_one(&pr, &p, seq);
		if (seq == 100)
			continue;
		if (seq == 101)
			CHECK(recv_one(&pr, &p, seq) == MPPE_RX_NEED_RESET);
		else if (recv_one(&pr, &p, seq) != MPPE_RX_OK && seq > 255)
			bad++;
	}
	CHECK(bad == 0);   /* the flag packet 255 resynchronised it */
	pair_clear(&pr);
}

static void test_rx_edges(void)
{
	struct pair pr;
	struct pkt p;
	uint8_t plain[3] = { 0x21, 0x45, 0x00 };   /* protocol field compressed (PFC) */

	pair_init(&pr, 128, true);
	pkt_set(&p, plain, sizeof(plain));
	CHECK(mppe_encrypt(&pr.tx, &p) == 0);
	CHECK(mppe_decrypt(&pr.rx, &p) == MPPE_RX_OK);
	CHECK(p.len == 4);
	CHECK(p.data[0] == 0x00 && p.data[1] == 0x21 && p.data[2] == 0x45);

	pkt_set(&p, "\x90\x05", 2);                /* no ciphertext */
	CHECK(mppe_decrypt(&pr.rx, &p) == MPPE_RX_DROP);
	pkt_set(&p, "\x80\x05\x00", 3);            /* not encrypted (no D) */
	CHECK(mppe_decrypt(&pr.rx, &p) == MPPE_RX_DROP);
	pkt_set(&p, "\xb0\x05\x00", 3);            /* MPPC-compressed (C) */
	CHECK(mppe_decrypt(&pr.rx, &p) == MPPE_RX_DROP);
	pair_clear(&pr);

	/* a cleared or zeroed direction refuses, it does not crash */
	memset(&pr, 0, sizeof(pr));
	pkt_set(&p, "\x90\x05\x00", 3);
	CHECK(mppe_decrypt(&pr.rx, &p) == MPPE_RX_DROP);
	CHECK(mppe_encrypt(&pr.tx, &p) == -EINVAL);
	mppe_dir_clear(&pr.tx);
	mppe_dir_clear(NULL);
}

/* The data path must not call malloc per packet (OpenSSL 3.0 still allocates
 * one SHA-1 context per key change inside EVP_DigestInit). */
static long n_alloc;

static void *count_malloc(size_t n, const char *file, int line)
{
	n_alloc++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	n_alloc++;
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	free(p);
}

static void test_no_alloc(bool counting)
{
	struct pair pr;
	struct pkt p;
	unsigned seq;
	long before;

	if (!counting)
		return;
	pair_init(&pr, 128, false);
	send_one(&pr, &p, 0);
	before = n_alloc;
	for (seq = 1; seq < 250; seq++) {          /* no key change in between */
		send_one(&pr, &p, seq);
		recv_one(&pr, &p, seq);
	}
	CHECK(n_alloc == before);
	pair_clear(&pr);

	pair_init(&pr, 128, true);
	send_one(&pr, &p, 0);
	before = n_alloc;
	for (seq = 1; seq < 101; seq++)
		send_one(&pr, &p, seq);
	CHECK(n_alloc - before <= 100);            /* at most OpenSSL's one per key change */
	pair_clear(&pr);
}

int main(void)
{
	/* Must come before OpenSSL allocates anything. */
	bool counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
	char *err = NULL;

	if (wv_crypto_init(&err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return 1;
	}
	test_get_new_key();
	test_rfc3079_keys();
	test_stateless_wire();
	test_stateless_loss();
	test_stateful();
	test_rx_edges();
	test_no_alloc(counting);
	return check_done("test-mppe");
}
