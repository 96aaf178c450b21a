/* test-mschap.c -- MS-CHAP v1/v2 and RFC 3079 key derivation against the
 * published vectors (shared/reference/vectors.md §1-§5). */
#include "wv.h"

#include <stdlib.h>

#include "crypto.h"
#include "ppp/auth.h"
#include "ppp/mschap.h"
#include "check.h"

/* RFC 2759 §9.2 inputs */
static const char *const user = "User", *const password = "clientPass";
static uint8_t auth_chal[16], peer_chal[16];

static void hex(const char *s, uint8_t *out, size_t n)
{
	if (check_unhex(s, out, n) != n) {
		fprintf(stderr, "bad test vector %s\n", s);
		abort();
	}
}

static void test_rfc2759(void)
{
	uint8_t chal[8], hash[16], hh[16], nt[24], ar[20], exp[24];
	struct mschapv2_client c;

	hex("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28", auth_chal, 16);
	hex("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E", peer_chal, 16);

	CHECK(mschap_challenge_hash(peer_chal, auth_chal, user, chal) == 0);
	hex("D0 2E 43 86 BC E9 12 26", exp, 8);
	CHECK_MEM(chal, exp, 8);
	/* §8.2: a domain prefix is not hashed */
	CHECK(mschap_challenge_hash(peer_chal, auth_chal, "EXAMPLE\\User", chal) == 0);
	CHECK_MEM(chal, exp, 8);
	/* ... but the case of the name is */
	CHECK(mschap_challenge_hash(peer_chal, auth_chal, "user", chal) == 0);
	CHECK(memcmp(chal, exp, 8) != 0);

	CHECK(mschap_nt_password_hash(password, hash) == 0);
	hex("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE", exp, 16);
	CHECK_MEM(hash, exp, 16);

	CHECK(mschapv2_nt_response(auth_chal, peer_chal, user, password, nt) == 0);
	hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF", exp, 24);
	CHECK_MEM(nt, exp, 24);

	CHECK(mschap_hash_nt_password_hash(hash, hh) == 0);
	hex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F", exp, 16);
	CHECK_MEM(hh, exp, 16);

	CHECK(mschapv2_authenticator_response(hh, nt, peer_chal, auth_chal, user, ar) == 0);
	hex("407A5589115FD0D6209F510FE9C04566932CDA56", exp, 20);
	CHECK_MEM(ar, exp, 20);

	/* the all-in-one the CHAP client uses agrees */
	CHECK(mschapv2_client_compute(auth_chal, peer_chal, "DOM\\User", password, &c) == 0);
	hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF", exp, 24);
	CHECK_MEM(c.nt_response, exp, 24);
	hex("407A5589115FD0D6209F510FE9C04566932CDA56", exp, 20);
	CHECK_MEM(c.auth_response, exp, 20);
}

static void test_des_keys(void)
{
	uint8_t raw[7], key[8], exp[8], hash[16], resp[24], chal[8], e24[24];

	/* RFC 2759 §9.3 */
	hex("FC 15 6A F7 ED CD 6C", raw, 7);
	mschap_des_key(raw, key);
	hex("FD 0B 5B 5E 7F 6E 34 D9", exp, 8);
	CHECK_MEM(key, exp, 8);
	hex("0E DD E3 33 7D 42 7F", raw, 7);
	mschap_des_key(raw, key);
	hex("0E 6E 79 67 37 EA 08 FE", exp, 8);
	CHECK_MEM(key, exp, 8);

	/* RFC 2433 §B.2 (MS-CHAPv1) */
	CHECK(mschap_nt_password_hash("MyPw", hash) == 0);
	hex("FC 15 6A F7 ED CD 6C 0E DD E3 33 7D 42 7F 4E AC", e24, 16);
	CHECK_MEM(hash, e24, 16);
	hex("10 2D B5 DF 08 5D 30 41", chal, 8);
	CHECK(mschap_challenge_response(chal, hash, resp) == 0);
	hex("4E 9D 3C 8F 9C FD 38 5D 5B F4 D3 24 67 91 95 6C A4 C3 51 AB 40 9A 3D 61", e24, 24);
	CHECK_MEM(resp, e24, 24);
	memset(resp, 0, sizeof(resp));
	CHECK(mschapv1_client_compute(chal, "MyPw", resp, NULL) == 0);
	CHECK_MEM(resp, e24, 24);
}

static void test_passwords(void)
{
	uint8_t hash[16], exp[16];
	char longpw[4 * 300 + 1];

	/* UTF-8 becomes UTF-16LE, astral characters as surrogate pairs; the
	 * hash was computed with iconv + openssl dgst -md4. */
	CHECK(mschap_nt_password_hash("p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac\xf0\x9d\x84\x9e",
				      hash) == 0);
	hex("0b92ab89d8e0ec0bb35132664c2167c5", exp, 16);
	CHECK_MEM(hash, exp, 16);

	/* not UTF-8: Latin-1, a lone continuation, overlong '/', a surrogate,
	 * past U+10FFFF, cut short */
	CHECK(mschap_nt_password_hash("p\xe4ss", hash) == -EINVAL);
	CHECK(mschap_nt_password_hash("\x80", hash) == -EINVAL);
	CHECK(mschap_nt_password_hash("\xc0\xaf", hash) == -EINVAL);
	CHECK(mschap_nt_password_hash("\xed\xa0\x80", hash) == -EINVAL);
	CHECK(mschap_nt_password_hash("\xf4\x90\x80\x80", hash) == -EINVAL);
	CHECK(mschap_nt_password_hash("\xe2\x82", hash) == -EINVAL);

	/* RFC 2759: up to 256 characters */
	memset(longpw, 'a', 256);
	longpw[256] = '\0';
	CHECK(mschap_nt_password_hash(longpw, hash) == 0);
	longpw[256] = 'a';
	longpw[257] = '\0';
	CHECK(mschap_nt_password_hash(longpw, hash) == -EINVAL);
	/* 128 astral characters are 256 UTF-16 units; one more is too many */
	longpw[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(longpw, "\xf0\x9d\x84\x9e");
	CHECK(mschap_nt_password_hash(longpw, hash) == 0);
	strcat(longpw, "a");
	CHECK(mschap_nt_password_hash(longpw, hash) == -EINVAL);

	/* the empty password is a password */
	CHECK(mschap_nt_password_hash("", hash) == 0);
	hex("31d6cfe0d16ae931b73c59d7e0c089c0", exp, 16);   /* MD4("") */
	CHECK_MEM(hash, exp, 16);
}

static void test_check_success(void)
{
	static const char good[] = "S=407A5589115FD0D6209F510FE9C04566932CDA56";
	uint8_t ar[20];
	const uint8_t *text;
	size_t tlen;
	char buf[128];

	hex("407A5589115FD0D6209F510FE9C04566932CDA56", ar, 20);

#define SUCC(s) mschapv2_check_success(ar, (const uint8_t *)(s), strlen(s), &text, &tlen)
	snprintf(buf, sizeof(buf), "%s M=Welcome", good);
	CHECK(SUCC(buf) == 0);
	CHECK(tlen == 7 && memcmp(text, "Welcome", 7) == 0);
	/* Windows Server 2019 leaves out the space */
	snprintf(buf, sizeof(buf), "%sM=Welcome", good);
	CHECK(SUCC(buf) == 0);
	CHECK(tlen == 7 && memcmp(text, "Welcome", 7) == 0);
	/* Windows 2000: no M= at all */
	CHECK(SUCC(good) == 0);
	CHECK(tlen == 0);
	/* lower-case hex is the same number */
	CHECK(SUCC("S=407a5589115fd0d6209f510fe9c04566932cda56 M=x") == 0);
	/* one digit off, or the last octet off */
	CHECK(SUCC("S=507A5589115FD0D6209F510FE9C04566932CDA56 M=x") == -EACCES);
	CHECK(SUCC("S=407A5589115FD0D6209F510FE9C04566932CDA57") == -EACCES);
	/* malformed: short, not hex, no S=, empty */
	CHECK(SUCC("S=407A5589115FD0D6209F510FE9C04566932CDA5") == -EBADMSG);
	CHECK(SUCC("S=407A5589115FD0D6209F510FE9C04566932CDAZZ") == -EBADMSG);
	CHECK(SUCC("s=407A5589115FD0D6209F510FE9C04566932CDA56") == -EBADMSG);
	CHECK(SUCC("M=Welcome") == -EBADMSG);
	CHECK(SUCC("") == -EBADMSG);
#undef SUCC
}

static void test_rfc3079_v2(void)
{
	uint8_t nt[24], hash[16], hh[16], master[16], key[16], exp[16];
	struct mschapv2_client c;

	CHECK(mschapv2_nt_response(auth_chal, peer_chal, user, password, nt) == 0);
	CHECK(mschap_nt_password_hash(password, hash) == 0);
	CHECK(mschap_hash_nt_password_hash(hash, hh) == 0);
	CHECK(mschap_master_key(hh, nt, master) == 0);
	hex("FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31", exp, 16);
	CHECK_MEM(master, exp, 16);

	/* The RFC's examples are the server's: its send key (Magic3) is the
	 * client's receive key. */
	CHECK(mschap_asymmetric_start_key(master, true, true, key) == 0);
	hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB", exp, 16);
	CHECK_MEM(key, exp, 16);
	CHECK(mschap_asymmetric_start_key(master, false, false, key) == 0);
	CHECK_MEM(key, exp, 16);
	/* client send = server receive (Magic2) */
	CHECK(mschap_asymmetric_start_key(master, true, false, key) == 0);
	hex("D5 F0 E9 52 1E 3E A9 58 96 45 E8 60 51 C8 22 26", exp, 16);
	CHECK_MEM(key, exp, 16);
	CHECK(mschap_asymmetric_start_key(master, false, true, key) == 0);
	CHECK_MEM(key, exp, 16);

	/* what the CHAP client hands to MPPE: its own view, each way */
	CHECK(mschapv2_client_compute(auth_chal, peer_chal, user, password, &c) == 0);
	hex("D5 F0 E9 52 1E 3E A9 58 96 45 E8 60 51 C8 22 26", exp, 16);
	CHECK_MEM(c.send_key, exp, 16);
	hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB", exp, 16);
	CHECK_MEM(c.recv_key, exp, 16);
}

static void test_rfc3079_v1(void)
{
	uint8_t chal[8], hash[16], hh[16], key[16], exp[16], nt[24];
	struct mppe_keys keys;

	/* RFC 3079 §2.5.3 (with the errata: ...AC C1 D1...) */
	hex("10 2D B5 DF 08 5D 30 41", chal, 8);
	CHECK(mschap_nt_password_hash(password, hash) == 0);
	CHECK(mschap_hash_nt_password_hash(hash, hh) == 0);
	CHECK(mschapv1_start_key(chal, hh, key) == 0);
	hex("A8 94 78 50 CF C0 AC C1 D1 78 9F B6 2D DC DD B0", exp, 16);
	CHECK_MEM(key, exp, 16);

	memset(&keys, 0, sizeof(keys));
	CHECK(mschapv1_client_compute(chal, password, nt, &keys) == 0);
	CHECK(keys.valid);
	CHECK_MEM(keys.send, exp, 16);
	CHECK_MEM(keys.recv, exp, 16);
	CHECK(mschapv1_client_compute(chal, "\xff", nt, &keys) == -EINVAL);
	CHECK(!keys.valid);
}

int main(void)
{
	char *err = NULL;

	if (wv_crypto_init(&err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return 1;
	}
	test_rfc2759();
	test_des_keys();
	test_passwords();
	test_check_success();
	test_rfc3079_v2();
	test_rfc3079_v1();
	return check_done("test-mschap");
}
