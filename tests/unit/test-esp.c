/* test-esp.c -- ESP transport mode (RFC 4303): known answers for each cipher
 * suite, round trips, tampering, the anti-replay window, UDP encapsulation
 * framing (RFC 3948) and the inner UDP header.
 *
 * The expected packets were computed without our code: CBC suites with the
 * OpenSSL command line, AES-GCM with python3-cryptography.  The generator:
 *
 *   # ENC KEY MD ICVLEN IKEY SPI SEQ IV PAYLOAD BLOCK
 *   n=$((${#pl}/2)); pad=$(( (blk - (n+2) % blk) % blk ))
 *   pt="$pl$(for i in $(seq 1 $pad); do printf %02x $i; done)$(printf %02x $pad)11"
 *   ct=$(echo -n $pt | xxd -r -p | openssl enc -$enc -K $key -iv $iv -nopad | xxd -p)
 *   icv=$(echo -n "$spi$seq$iv$ct" | xxd -r -p |
 *         openssl dgst -$md -mac HMAC -macopt hexkey:$ikey -binary | xxd -p)
 *   echo "$spi$seq$iv$ct${icv:0:$((icvlen*2))}"
 *
 *   AESGCM(key).encrypt(salt + iv, pt, spi + seq)      # pt padded to 4 octets
 */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "pkt.h"
#include "rd.h"
#include "ipsec/esp.h"

/* A UDP 1701 -> 1701 header and the start of an L2TP data message. */
#define PAYLOAD "06a506a5001d0000c80200150001000000000000ff03c021"

struct kat {
	const char *name;
	struct esp_alg alg;
	const char *keymat;       /* encryption key [| salt] | integrity key */
	uint32_t spi, seq;
	const char *iv;           /* NULL: the SA's own choice (GCM: 0 | seq) */
	const char *expect;
};

static const struct kat kats[] = {
	{ "aes128-sha1", { ESP_ENC_AES_CBC, 16, ESP_INTEG_HMAC_SHA1_96 },
	  "000102030405060708090a0b0c0d0e0f" "202122232425262728292a2b2c2d2e2f30313233",
	  0x11223344, 1, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	  "1122334400000001a0a1a2a3a4a5a6a7a8a9aaabacadaeaf4663041730a28031b952ef57507201337bcf31"
	  "e47dea85ee5b1755c67457d12b133e16b1a18e42c420becb0d" },
	{ "3des-sha1", { ESP_ENC_3DES_CBC, 24, ESP_INTEG_HMAC_SHA1_96 },
	  "0123456789abcdeff1e0d3c2b5a49786fedcba9876543210"
	  "404142434445464748494a4b4c4d4e4f50515253",
	  0xc0ffee01, 2, "0102030405060708",
	  "c0ffee01000000020102030405060708dc824a39ba9cfff2ced1514a9101f83ce6abf6a6273668958687a8cc"
	  "382f120191af5b810baaff7a2d71486f" },
	{ "aes256-sha256", { ESP_ENC_AES_CBC, 32, ESP_INTEG_HMAC_SHA256_128 },
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f",
	  0x8badf00d, 42, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "8badf00d0000002af0f1f2f3f4f5f6f7f8f9fafbfcfdfeff3898a14b7c0cea272d93f71c47d652f0a4778291"
	  "f0eb6cbc2459f73ebe04ab1eecec1f1e8832e71f0bf413cfabf9068c" },
	{ "aes128gcm16", { ESP_ENC_AES_GCM16, 16, ESP_INTEG_NONE },
	  "feffe9928665731c6d6a8f9467308308" "cafebabe",
	  0xdeadbeef, 7, NULL,
	  "deadbeef00000007000000000000000711117989f8c99ff729aee8666f03a9587592941014df5d5361f1c8"
	  "b0f2f8ad7f569e3039e8910fef080a90e5" },
};

static struct esp_sa *kat_sa(const struct kat *k, bool out)
{
	uint8_t km[ESP_KEYMAT_MAX];
	size_t n = check_unhex(k->keymat, km, sizeof(km));

	CHECK(n == esp_keymat_len(&k->alg));
	return esp_sa_new(&k->alg, k->spi, km, n, out);
}

static struct pkt *payload_pkt(void)
{
	uint8_t pl[64];
	size_t n = check_unhex(PAYLOAD, pl, sizeof(pl));

	return pkt_from(pl, n);
}

static void test_kat(const struct kat *k)
{
	struct esp_sa *out = kat_sa(k, true), *in = kat_sa(k, false);
	uint8_t exp[256], iv[16], pl[64], nh = 0;
	size_t elen = check_unhex(k->expect, exp, sizeof(exp));
	size_t plen = check_unhex(PAYLOAD, pl, sizeof(pl));
	struct pkt *p = payload_pkt();
	size_t i;

	fprintf(stderr, "kat %s\n", k->name);
	CHECK(out && in && p);
	if (!out || !in || !p)
		goto done;
	esp_sa_set_seq(out, k->seq - 1);
	if (k->iv)
		check_unhex(k->iv, iv, sizeof(iv));
	CHECK(esp_encap_iv(out, p, ESP_NEXT_UDP, k->iv ? iv : NULL) == 0);
	CHECK(p->len == elen);
	CHECK_MEM(p->data, exp, elen);
	CHECK(p->len - plen <= esp_alg_overhead(&k->alg));

	/* the same bytes decapsulate to the payload */
	CHECK(esp_decap(in, p, &nh) == 0);
	CHECK(nh == ESP_NEXT_UDP && p->len == plen);
	CHECK_MEM(p->data, pl, plen);
	CHECK(esp_sa_stats(in)->packets == 1 && esp_sa_stats(out)->bytes == plen);
	pkt_free(p);

	/* a replay of the very same packet */
	p = pkt_from(exp, elen);
	CHECK(esp_decap(in, p, &nh) == ESP_E_REPLAY);
	pkt_free(p);

	/* every single-bit flip is caught (a fresh SA each time: no replay) */
	for (i = 0; i < elen; i++) {
		struct esp_sa *fresh = kat_sa(k, false);
		int r;

		p = pkt_from(exp, elen);
		p->data[i] ^= 0x01;
		r = esp_decap(fresh, p, &nh);
		if (i < 4)
			CHECK(r == ESP_E_SPI);
		else if (load_be32(p->data + 4) == 0)
			CHECK(r == ESP_E_REPLAY);       /* sequence number 0 is never valid */
		else
			CHECK(r == ESP_E_ICV);
		pkt_free(p);
		esp_sa_free(fresh);
	}
	/* truncated packets */
	for (i = 0; i < elen; i++) {
		struct esp_sa *fresh = kat_sa(k, false);
		int r;

		p = pkt_from(exp, i);
		r = esp_decap(fresh, p, &nh);
		CHECK(r == -EBADMSG || r == ESP_E_ICV);
		pkt_free(p);
		esp_sa_free(fresh);
	}
done:
	esp_sa_free(out);
	esp_sa_free(in);
}

static void test_round_trips(void)
{
	static const struct esp_alg algs[] = {
		{ ESP_ENC_AES_CBC, 16, ESP_INTEG_HMAC_SHA1_96 },
		{ ESP_ENC_AES_CBC, 32, ESP_INTEG_HMAC_SHA1_96 },
		{ ESP_ENC_3DES_CBC, 24, ESP_INTEG_HMAC_MD5_96 },
		{ ESP_ENC_AES_CBC, 16, ESP_INTEG_HMAC_SHA256_128 },
		{ ESP_ENC_AES_GCM16, 32, ESP_INTEG_NONE },
	};
	uint8_t km[ESP_KEYMAT_MAX], data[1500];
	size_t a, len, i;

	for (i = 0; i < sizeof(km); i++)
		km[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	for (a = 0; a < ARRAY_SIZE(algs); a++) {
		size_t kl = esp_keymat_len(&algs[a]);
		struct esp_sa *out = esp_sa_new(&algs[a], 0x1000 + a, km, kl, true);
		struct esp_sa *in = esp_sa_new(&algs[a], 0x1000 + a, km, kl, false);
		uint8_t prev_iv[16] = { 0 };

		CHECK(out && in);
		if (!out || !in)
			goto next;
		/* every length from 0 to 40 and some large ones: padding edges */
		for (len = 0; len < 1500; len = len < 40 ? len + 1 : len + 487) {
			struct pkt *p = pkt_from(data, len);
			uint8_t nh = 0;

			CHECK(esp_encap(out, p, ESP_NEXT_UDP) == 0);
			CHECK((p->len - ESP_HDR_LEN) % 4 == 0);
			/* CBC IVs are random: two packets never share one */
			if (algs[a].enc != ESP_ENC_AES_GCM16) {
				CHECK(memcmp(prev_iv, p->data + ESP_HDR_LEN, 16) != 0);
				memcpy(prev_iv, p->data + ESP_HDR_LEN, 16);
			}
			CHECK(esp_decap(in, p, &nh) == 0 && nh == ESP_NEXT_UDP);
			CHECK(p->len == len && memcmp(p->data, data, len) == 0);
			pkt_free(p);
		}
		/* a dummy packet (next header 59) is authenticated, then dropped */
		{
			struct pkt *p = pkt_from(data, 10);
			uint8_t nh = 0;
			CHECK(esp_encap(out, p, ESP_NEXT_NONE) == 0);
			CHECK(esp_decap(in, p, &nh) == ESP_E_DUMMY);
			pkt_free(p);
		}
		/* inbound SA cannot encapsulate and vice versa */
		{
			struct pkt *p = pkt_from(data, 10);
			uint8_t nh;
			CHECK(esp_encap(in, p, ESP_NEXT_UDP) == -EINVAL);
			CHECK(esp_decap(out, p, &nh) == -EINVAL);
			pkt_free(p);
		}
next:
		esp_sa_free(out);
		esp_sa_free(in);
	}
}

static void test_limits(void)
{
	static const struct esp_alg aes = { ESP_ENC_AES_CBC, 16, ESP_INTEG_HMAC_SHA1_96 };
	static const struct esp_alg bad1 = { ESP_ENC_AES_CBC, 20, ESP_INTEG_HMAC_SHA1_96 };
	static const struct esp_alg bad2 = { ESP_ENC_AES_CBC, 16, ESP_INTEG_NONE };
	static const struct esp_alg bad3 = { ESP_ENC_AES_GCM16, 16, ESP_INTEG_HMAC_SHA1_96 };
	static const struct esp_alg gcm = { ESP_ENC_AES_GCM16, 16, ESP_INTEG_NONE };
	uint8_t km[ESP_KEYMAT_MAX] = { 0 };
	struct esp_sa *sa = esp_sa_new(&aes, 0x4242, km, 36, true);
	struct pkt *p;
	char name[64];

	CHECK(esp_keymat_len(&aes) == 36 && esp_keymat_len(&gcm) == 20);
	CHECK(esp_keymat_len(&bad1) == 0 && esp_keymat_len(&bad2) == 0 &&
	      esp_keymat_len(&bad3) == 0);
	CHECK(esp_sa_new(&aes, 1, km, 35, true) == NULL);
	esp_alg_name(&aes, name, sizeof(name));
	CHECK_STR(name, "AES_CBC_128/HMAC_SHA1_96");
	esp_alg_name(&gcm, name, sizeof(name));
	CHECK_STR(name, "AES_GCM_16_128");

	/* no headroom left */
	p = pkt_alloc();
	pkt_push(p, PKT_HEADROOM - 10);
	CHECK(esp_encap(sa, p, ESP_NEXT_UDP) == -ENOSPC);
	pkt_free(p);
	/* the sequence number is used up at 2^32 - 1 */
	esp_sa_set_seq(sa, UINT32_MAX - 1);
	p = pkt_alloc();
	CHECK(esp_encap(sa, p, ESP_NEXT_UDP) == 0 && load_be32(p->data + 4) == UINT32_MAX);
	pkt_free(p);
	p = pkt_alloc();
	CHECK(esp_encap(sa, p, ESP_NEXT_UDP) == -EOVERFLOW);
	pkt_free(p);
	esp_sa_free(sa);
	esp_sa_free(NULL);
}

static void test_replay_window(void)
{
	struct esp_replay r = { 0 };
	uint32_t s;

	CHECK(!esp_replay_check(&r, 0));
	CHECK(esp_replay_check(&r, 1));
	esp_replay_update(&r, 1);
	CHECK(!esp_replay_check(&r, 1));
	/* out of order inside the window */
	esp_replay_update(&r, 5);
	CHECK(esp_replay_check(&r, 3) && esp_replay_check(&r, 4) && !esp_replay_check(&r, 5));
	esp_replay_update(&r, 3);
	CHECK(!esp_replay_check(&r, 3) && esp_replay_check(&r, 2));
	/* a jump across a word boundary keeps the old bits at the right place */
	esp_replay_update(&r, 5 + 70);
	CHECK(!esp_replay_check(&r, 5) && !esp_replay_check(&r, 3) && esp_replay_check(&r, 4));
	CHECK(!esp_replay_check(&r, 1) && esp_replay_check(&r, 2));
	/* the window's edge: top - 127 is in, top - 128 is out */
	CHECK(r.top == 75);
	esp_replay_update(&r, 200);
	CHECK(esp_replay_check(&r, 200 - 127) && !esp_replay_check(&r, 200 - 128));
	CHECK(!esp_replay_check(&r, 75));
	/* a jump beyond the window clears it */
	esp_replay_update(&r, 1000);
	for (s = 1000 - 127; s < 1000; s++)
		CHECK(esp_replay_check(&r, s));
	/* fill the window completely, then every number in it is a replay */
	for (s = 1001; s <= 1128; s++)
		esp_replay_update(&r, s);
	for (s = 1001; s <= 1128; s++)
		CHECK(!esp_replay_check(&r, s));
	CHECK(esp_replay_check(&r, 1129) && !esp_replay_check(&r, 1000));
	/* shifts of exactly 64 and 1 */
	r = (struct esp_replay){ 0 };
	esp_replay_update(&r, 10);
	esp_replay_update(&r, 74);
	CHECK(!esp_replay_check(&r, 10) && esp_replay_check(&r, 11));
	esp_replay_update(&r, 75);
	CHECK(!esp_replay_check(&r, 10) && !esp_replay_check(&r, 74) && esp_replay_check(&r, 73));
}

static void test_udp(void)
{
	static const uint8_t ike[] = { 0, 0, 0, 0, 1, 2, 3, 4, 5 };
	static const uint8_t esp[] = { 0, 0, 1, 0, 0, 0, 0, 1 };
	static const uint8_t rsvd[] = { 0, 0, 0, 200, 0, 0, 0, 1 };
	static const uint8_t ka = 0xff;
	struct in_addr src, dst;
	struct pkt *p;
	uint16_t sp, dp;
	uint32_t sum = 0;
	uint8_t pseudo[12];
	size_t i;

	CHECK(esp_udp_classify(ike, sizeof(ike)) == ESP_UDP_IKE);
	CHECK(esp_udp_classify(ike, 4) == ESP_UDP_INVALID);
	CHECK(esp_udp_classify(esp, sizeof(esp)) == ESP_UDP_ESP);
	CHECK(esp_udp_classify(rsvd, sizeof(rsvd)) == ESP_UDP_INVALID);
	CHECK(esp_udp_classify(&ka, 1) == ESP_UDP_KEEPALIVE);
	CHECK(esp_udp_classify(esp, 3) == ESP_UDP_INVALID);

	/* the UDP header: checksum verified the long way (RFC 1071 sum == 0xffff) */
	inet_pton(AF_INET, "10.99.1.1", &src);
	inet_pton(AF_INET, "10.99.1.2", &dst);
	p = pkt_from((const uint8_t *)"\xc8\x02\x00\x0c\x00\x01\x00\x00\x00\x00\x00\x00\x7f", 13);
	CHECK(esp_udp_push(p, src, 1701, dst, 1701) == 0);
	CHECK(p->len == 21 && load_be16(p->data) == 1701 && load_be16(p->data + 4) == 21);
	memcpy(pseudo, &src.s_addr, 4);
	memcpy(pseudo + 4, &dst.s_addr, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	store_be16(pseudo + 10, 21);
	for (i = 0; i < 12; i += 2)
		sum += load_be16(pseudo + i);
	for (i = 0; i < p->len; i += 2)
		sum += i + 1 < p->len ? load_be16(p->data + i) : (uint32_t)p->data[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK(sum == 0xffff);
	CHECK(esp_udp_pull(p, &sp, &dp) == 0 && sp == 1701 && dp == 1701 && p->len == 13);
	CHECK(p->data[0] == 0xc8);
	pkt_free(p);

	/* UDP length larger than the packet, or below 8 */
	p = pkt_from((const uint8_t *)"\x06\xa5\x06\xa5\x00\x10\x00\x00\x01", 9);
	CHECK(esp_udp_pull(p, &sp, &dp) == -EBADMSG);
	store_be16(p->data + 4, 7);
	CHECK(esp_udp_pull(p, &sp, &dp) == -EBADMSG);
	store_be16(p->data + 4, 8);
	CHECK(esp_udp_pull(p, &sp, &dp) == 0 && p->len == 0);
	pkt_free(p);
}

static void test_ip_strip(void)
{
	uint8_t ip[40] = { 0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 50 };
	size_t plen = 0;

	CHECK(esp_ip_strip(ip, sizeof(ip), &plen) == 20 && plen == 8);
	ip[9] = 17;
	CHECK(esp_ip_strip(ip, sizeof(ip), &plen) == -EBADMSG);
	ip[9] = 50;
	ip[6] = 0x20;                                   /* more fragments */
	CHECK(esp_ip_strip(ip, sizeof(ip), &plen) == -EBADMSG);
	ip[6] = 0;
	store_be16(ip + 2, 41);
	CHECK(esp_ip_strip(ip, sizeof(ip), &plen) == -EBADMSG);
	CHECK(esp_ip_strip(ip, 19, &plen) == -EBADMSG);
}

int main(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kats); i++)
		test_kat(&kats[i]);
	test_round_trips();
	test_limits();
	test_replay_window();
	test_udp();
	test_ip_strip();
	pkt_pool_drain();
	return check_done("test-esp");
}
