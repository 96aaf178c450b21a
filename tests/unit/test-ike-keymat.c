/* test-ike-keymat.c -- IKEv1 key material against published vectors:
 * RFC 2202 HMAC (vectors.md §8), the NIST ACVP ikev1 PSK and DSA vectors with
 * the Appendix B and KEYMAT extensions and the NAT-D hash (vectors.md §10,
 * §11), NIST SP 800-38A F.2.1 for the CBC; the rest (HASH_I/R, Quick Mode
 * hashes, IVs, PFS KEYMAT, a MODP-1024 g^xy with a leading zero octet) was
 * computed independently with Python's hmac/hashlib and pow():
 *
 *   prf = lambda k, d: hmac.new(k, d, hashlib.sha1).digest()
 *   gxi = bytes(range(1, 129)); gxr = bytes(range(200, 256)) + bytes(range(0, 72))
 *   hash_i = prf(SKEYID, gxi + gxr + ckyi + ckyr + sai + idi)  ... (see below)
 *   S = pow(pow(2, x, p), y, p).to_bytes(128, 'big')   # p = RFC 2409 group 2
 */
#include "wv.h"

#include <stdlib.h>

#include "check.h"
#include "rd.h"
#include "ipsec/ike-keymat.h"

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	return check_unhex(h, out, max);
}

#define HEX(name, str) uint8_t name[512]; size_t name##_len = unhex(str, name, sizeof(name))

static void test_hmac_rfc2202(void)
{
	uint8_t key[80], out[IKE_HASH_MAX], exp[20];
	size_t len = 0;
	struct ike_iov iov;

	memset(key, 0x0b, 20);
	iov = (struct ike_iov){ "Hi There", 8 };
	CHECK(ike_prf("SHA1", key, 20, &iov, 1, out, &len) == 0 && len == 20);
	unhex("b617318655057264e28bc0b6fb378c8ef146be00", exp, 20);
	CHECK_MEM(out, exp, 20);
	CHECK(ike_prf("MD5", key, 16, &iov, 1, out, &len) == 0 && len == 16);
	unhex("9294727a3638bb1c13f48ef8158bfc9d", exp, 16);
	CHECK_MEM(out, exp, 16);

	iov = (struct ike_iov){ "what do ya want for nothing?", 28 };
	CHECK(ike_prf("SHA1", "Jefe", 4, &iov, 1, out, NULL) == 0);
	unhex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", exp, 20);
	CHECK_MEM(out, exp, 20);

	/* case 7: a key longer than the block, split data */
	memset(key, 0xaa, 80);
	{
		const char *d = "Test Using Larger Than Block-Size Key and Larger Than One "
				"Block-Size Data";
		struct ike_iov two[2] = { { d, 10 }, { d + 10, strlen(d) - 10 } };
		CHECK(ike_prf("SHA1", key, 80, two, 2, out, NULL) == 0);
		unhex("e8e99d0f45237d786d6bbaa7965c7808bbff1a91", exp, 20);
		CHECK_MEM(out, exp, 20);
	}
	CHECK(ike_md_len("SHA1") == 20 && ike_md_len("SHA256") == 32 && ike_md_len("MD5") == 16);
	CHECK(ike_md_len("NOPE") == 0);
	CHECK(ike_prf("NOPE", key, 1, &iov, 1, out, NULL) == -EINVAL);
}

/* vectors.md §10.2: NIST ACVP "kdf-components ikev1", PSK tcId 100 */
static const char *const ckyi_hex = "83d374c30b3b5082", *const ckyr_hex = "5afc0da06c728029";
static const char *const ni_hex = "b9a2d0e922dc66dd", *const nr_hex = "2130166863b5ddef";
static const char *const gxy_hex =
	"739003ba2c11c982946c65e26acf661fbf8ebb78011a9fead79efa12fe3e71cc";

static void psk_keys(struct ike_p1_keys *k, size_t enc_len)
{
	HEX(ckyi, ckyi_hex);
	HEX(ckyr, ckyr_hex);
	HEX(ni, ni_hex);
	HEX(nr, nr_hex);
	HEX(gxy, gxy_hex);
	uint8_t psk = 0x75;

	(void)ckyi_len; (void)ckyr_len;
	memset(k, 0, sizeof(*k));
	CHECK(ike_skeyid_psk("SHA1", &psk, 1, ni, ni_len, nr, nr_len, k) == 0);
	CHECK(ike_p1_derive("SHA1", gxy, gxy_len, ckyi, ckyr, enc_len, k) == 0);
}

static void test_acvp_psk(void)
{
	struct ike_p1_keys k;
	HEX(skeyid, "62b04d112877e442fc3282fc37c076997718a0b9");
	HEX(d, "369e5aad1bdb5faf6a3d929d500cdc236710a9ab");
	HEX(a, "588e957d8d790d093b3a39f121473473af78e9bb");
	HEX(e, "cd74b0c048219db81384d3fda8f6cda51e398a2b");
	HEX(k1k2, "9ce3201d5c6cf897a6cba863e68c634d8d63805d"
		  "1f20e30bf6884e2a4ee9fc8abe94a67a0c33898f");

	(void)skeyid_len; (void)d_len; (void)a_len; (void)e_len; (void)k1k2_len;
	psk_keys(&k, 16);
	CHECK(k.hlen == 20);
	CHECK_MEM(k.skeyid, skeyid, 20);
	CHECK_MEM(k.skeyid_d, d, 20);
	CHECK_MEM(k.skeyid_a, a, 20);
	CHECK_MEM(k.skeyid_e, e, 20);
	/* AES-128: SKEYID_e's first 16 octets; 3DES and AES-256: K1 | K2 */
	CHECK(k.enc_key_len == 16);
	CHECK_MEM(k.enc_key, e, 16);
	psk_keys(&k, 24);
	CHECK_MEM(k.enc_key, k1k2, 24);
	psk_keys(&k, 32);
	CHECK_MEM(k.enc_key, k1k2, 32);
	ike_p1_keys_wipe(&k);
	CHECK(k.hlen == 0 && k.skeyid[0] == 0);
}

static void test_acvp_dsa(void)
{
	/* Signature auth: SKEYID = prf(Ni_b | Nr_b, g^xy); the rest as for PSK. */
	HEX(ckyi, "8c3bcd3a69831d7f");
	HEX(ckyr, "d2d9a7ff4fbe95a7");
	HEX(ninr, "69a62284195f1680" "80c94ba25c8abda5");
	HEX(gxy, "8ba4cbc73c0187301dc19a975823854dbd641c597f637f8d053a83b9514673eb");
	HEX(skeyid, "707197817fb2d90cf54d1842606bdea59b9f4823");
	HEX(d, "384be709a8a5e63c3ed160cfe3921c4b37d5b32d");
	HEX(a, "48b327575abe3adba0f279849e289022a13e2b47");
	HEX(e, "a4a415c8e0c38c0da847c356cc61c24df8025560");
	struct ike_p1_keys k = { .hlen = 20 };
	struct ike_iov iov = { gxy, gxy_len };

	(void)ckyi_len; (void)ckyr_len; (void)skeyid_len; (void)d_len; (void)a_len; (void)e_len;
	CHECK(ike_prf("SHA1", ninr, ninr_len, &iov, 1, k.skeyid, NULL) == 0);
	CHECK_MEM(k.skeyid, skeyid, 20);
	CHECK(ike_p1_derive("SHA1", gxy, gxy_len, ckyi, ckyr, 16, &k) == 0);
	CHECK_MEM(k.skeyid_d, d, 20);
	CHECK_MEM(k.skeyid_a, a, 20);
	CHECK_MEM(k.skeyid_e, e, 20);
}

static void test_sha256_p1(void)
{
	/* The same inputs with SHA-256 (Python): AES-256 takes SKEYID_e whole. */
	HEX(ckyi, ckyi_hex);
	HEX(ckyr, ckyr_hex);
	HEX(ni, ni_hex);
	HEX(nr, nr_hex);
	HEX(gxy, gxy_hex);
	HEX(skeyid, "84007fb1b16c3cb137b2e1a30c5a9790f8a896363b10d56aa6b9224768b24073");
	HEX(e, "3162b3419c563412c08e63a386f1eb4321d2adb7f4dac0523149ab607c917214");
	struct ike_p1_keys k;
	uint8_t psk = 0x75;

	(void)ckyi_len; (void)ckyr_len; (void)skeyid_len; (void)e_len;
	CHECK(ike_skeyid_psk("SHA256", &psk, 1, ni, ni_len, nr, nr_len, &k) == 0 && k.hlen == 32);
	CHECK_MEM(k.skeyid, skeyid, 32);
	CHECK(ike_p1_derive("SHA256", gxy, gxy_len, ckyi, ckyr, 32, &k) == 0);
	CHECK_MEM(k.skeyid_e, e, 32);
	CHECK_MEM(k.enc_key, e, 32);
}

static void test_hashes_ivs(void)
{
	struct ike_p1_keys k;
	uint8_t gxi[128], gxr[128], out[IKE_HASH_MAX], iv[16], i;
	HEX(ckyi, ckyi_hex);
	HEX(ckyr, ckyr_hex);
	HEX(ni, ni_hex);
	HEX(nr, nr_hex);
	HEX(sai, "00000001000000010000002c01010001000000240101000080010007800200028003000180040002"
		 "800b0001000c000400007080");
	HEX(idi, "01110000c0a80001");
	HEX(idr, "01000000c0a80002");
	HEX(hash_i, "ec7a3552a8e8cf645682b95f4a09270d70fe940d");
	HEX(hash_r, "eddbdf55a6bb3765f00fe3f2e6c1a4515dee2663");
	HEX(iv1, "338f976817543ba36e940b7d7e488b99");
	HEX(last, "00112233445566778899aabbccddeeff");
	HEX(iv2, "9942d87a577851c199810568c25f1741");
	HEX(rest, "0a000014" "726573746f667468656d657373616765");     /* ... "restofthemessage" */
	HEX(qm1, "f90464027f58ae631c6b43cabbad9db5cb7876c9");
	HEX(qm2, "d306359cd7978a64c9e311e840bed5e25c57e326");
	HEX(qm3, "d49385c3825884145a75b45b1d9767c2a9830ff4");

	(void)ckyi_len; (void)ckyr_len; (void)hash_i_len; (void)hash_r_len; (void)iv1_len;
	(void)last_len; (void)iv2_len; (void)qm1_len; (void)qm2_len; (void)qm3_len;
	for (i = 0; i < 128; i++) {
		gxi[i] = (uint8_t)(i + 1);
		gxr[i] = (uint8_t)(200 + i);
	}
	psk_keys(&k, 16);
	CHECK(ike_hash_auth("SHA1", &k, gxi, 128, gxr, 128, ckyi, ckyr, sai, sai_len, idi, idi_len,
			    out) == 0);
	CHECK_MEM(out, hash_i, 20);
	CHECK(ike_hash_auth("SHA1", &k, gxr, 128, gxi, 128, ckyr, ckyi, sai, sai_len, idr, idr_len,
			    out) == 0);
	CHECK_MEM(out, hash_r, 20);
	CHECK(ike_iv_phase1("SHA1", gxi, 128, gxr, 128, iv, 16) == 0);
	CHECK_MEM(iv, iv1, 16);
	CHECK(ike_iv_phase2("SHA1", last, 0xa1b2c3d4, iv, 16) == 0);
	CHECK_MEM(iv, iv2, 16);
	/* 3DES: an 8-octet last block, 8 octets of IV (Python: a0d6a8584941c056) */
	CHECK(ike_iv_phase2("SHA1", last, 0xa1b2c3d4, iv, 8) == 0);
	CHECK_MEM(iv, "\xa0\xd6\xa8\x58\x49\x41\xc0\x56", 8);
	CHECK(ike_iv_phase1("MD5", gxi, 128, gxr, 128, iv, 16) == 0);
	CHECK(ike_iv_phase1("MD5", gxi, 128, gxr, 128, iv, 17) == -EINVAL);

	CHECK(ike_hash_qm1("SHA1", &k, 0xa1b2c3d4, rest, rest_len, out) == 0);
	CHECK_MEM(out, qm1, 20);
	CHECK(ike_hash_qm2("SHA1", &k, 0xa1b2c3d4, ni, ni_len, rest, rest_len, out) == 0);
	CHECK_MEM(out, qm2, 20);
	CHECK(ike_hash_qm3("SHA1", &k, 0xa1b2c3d4, ni, ni_len, nr, nr_len, out) == 0);
	CHECK_MEM(out, qm3, 20);
}

static void test_keymat_natd(void)
{
	struct ike_p1_keys k;
	uint8_t out[64];
	HEX(ckyi, ckyi_hex);
	HEX(ckyr, ckyr_hex);
	HEX(ni, ni_hex);
	HEX(nr, nr_hex);
	HEX(k1k2, "599ec4ec968cebf223fd97f2b8458d6601bf794f"
		  "fba45f77516d9b22bf32c418f38b14e2e058bb06");
	HEX(pfs, "64bd1d7cf94ea003333341421b1fbcfb38aa44be539bc4de337c194fef49963f6494247f");
	HEX(gqm, "0102030405060708");
	HEX(natd, "e28afdd938d2e38c1e3128a4873f1db95d0671c0");
	static const uint8_t ip[4] = { 192, 0, 2, 1 };

	(void)ckyi_len; (void)ckyr_len; (void)k1k2_len; (void)pfs_len; (void)natd_len;
	psk_keys(&k, 16);
	/* AES-128 + HMAC-SHA1: 36 octets = K1 | K2[0..15] */
	CHECK(ike_keymat("SHA1", &k, NULL, 0, 3, 0x12345678, ni, ni_len, nr, nr_len, out, 36) == 0);
	CHECK_MEM(out, k1k2, 36);
	CHECK(ike_keymat("SHA1", &k, NULL, 0, 3, 0x12345678, ni, ni_len, nr, nr_len, out, 7) == 0);
	CHECK_MEM(out, k1k2, 7);
	CHECK(ike_keymat("SHA1", &k, gqm, gqm_len, 3, 0x12345678, ni, ni_len, nr, nr_len, out,
			 36) == 0);
	CHECK_MEM(out, pfs, 36);

	CHECK(ike_natd_hash("SHA1", ckyi, ckyr, ip, 4, 500, out) == 0);
	CHECK_MEM(out, natd, 20);
}

static void test_cbc(void)
{
	/* NIST SP 800-38A F.2.1 / F.2.2 (CBC-AES128), first two blocks */
	HEX(key, "2b7e151628aed2a6abf7158809cf4f3c");
	HEX(pt, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
	HEX(ct, "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2");
	uint8_t iv[16], buf[32], i;

	(void)pt_len; (void)ct_len;
	for (i = 0; i < 16; i++)
		iv[i] = i;
	memcpy(buf, pt, 32);
	CHECK(ike_cbc("AES-128-CBC", key, key_len, iv, buf, 32, true) == 0);
	CHECK_MEM(buf, ct, 32);
	CHECK_MEM(iv, ct + 16, 16);            /* the next message's IV */
	for (i = 0; i < 16; i++)
		iv[i] = i;
	CHECK(ike_cbc("AES-128-CBC", key, key_len, iv, buf, 32, false) == 0);
	CHECK_MEM(buf, pt, 32);
	CHECK_MEM(iv, ct + 16, 16);
	CHECK(ike_cbc("AES-128-CBC", key, key_len, iv, buf, 31, true) == -EINVAL);
	CHECK(ike_cbc("AES-128-CBC", key, 15, iv, buf, 32, true) == -EINVAL);
	CHECK(ike_cipher_block("DES-EDE3-CBC") == 8 && ike_cipher_block("AES-256-CBC") == 16);
}

static void test_dh_modp1024_padding(void)
{
	/* g^xy of this pair has a leading zero octet (found with Python). */
	HEX(x, "7a0f3c5e7a0f3c5e7a0f3c5e7a0f3c5e7a0f3c5e7a0f3c5e7a0f3c5e7a0f3c5e");
	HEX(X, "0b0000552415b83ceb7ee29502d19a86f6ae52f201adb268fac310e515dbf80622a6499f5c58d2a4"
	       "e27d7b63fc691effa664c433cf69475ab0bd2f445c691f3d66371331caa98238412bc423fa65a389"
	       "add75515ffa0e9c83f1f7c5ce7244a8b806961c7162fc7022d6d6915be91a7481e745ad440d8aaf5"
	       "5a1cff15d699448a");
	HEX(y, "31415926535897932384626433832795028841971693993751058209749445b5");
	HEX(Y, "73511e001efc3e1727dea1639b71cd06af77b4c2d1834ec47fe6db22cde35da5fbc05b0803d600bf"
	       "edb7f64fa0fee33c708204ce45d55d4481abb37d4162356b8078c4aaf855f4b4083bc390b3a1f2f3"
	       "efdfcd989bfdde10089232fab8d78e845f8876f7a6bfffadc58275e03058d8434037b4540aeeaccc"
	       "8f094899c8be28f6");
	HEX(S, "0036a7af487fc118e19fa88a34d4dc43b5252f4c937d9773134d7ab03b8886b87bb8039613201c77"
	       "b358b8e7e5d03a5590ce92635531cd16ef2615f5729648cfe9f5ba79a6edbfd82af79e8bbf90aa23"
	       "c2eaa11e0ab1068aeac282228e2f31e6eee305d02c6c28de731003dc2e14048b35db1e314c7b11bd"
	       "0b9d5ffe674a0ad6");
	struct ike_dh *a = ike_dh_new_private(2, x, x_len), *b = ike_dh_new_private(2, y, y_len);
	uint8_t s[128], bad[128];

	(void)X_len; (void)Y_len; (void)S_len;
	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK(ike_dh_get_group(a)->pub_len == 128);
	CHECK_MEM(ike_dh_public(a), X, 128);
	CHECK_MEM(ike_dh_public(b), Y, 128);
	CHECK(ike_dh_derive(a, Y, 128, s) == 0);
	CHECK_MEM(s, S, 128);
	CHECK(ike_dh_derive(b, X, 128, s) == 0);
	CHECK_MEM(s, S, 128);
	/* the peer's value: wrong size, 0, 1, p-1 */
	CHECK(ike_dh_derive(a, Y, 127, s) == -EINVAL);
	memset(bad, 0, sizeof(bad));
	CHECK(ike_dh_derive(a, bad, 128, s) == -EINVAL);
	bad[127] = 1;
	CHECK(ike_dh_derive(a, bad, 128, s) == -EINVAL);
	memset(bad, 0xff, sizeof(bad));
	bad[127] = 0xfe;                                /* p-1: the prime ends in ff..ff */
	CHECK(ike_dh_derive(a, bad, 128, s) == -EINVAL);
	bad[127] = 0xff;                                /* p itself */
	CHECK(ike_dh_derive(a, bad, 128, s) == -EINVAL);
out:
	ike_dh_free(a);
	ike_dh_free(b);
}

static void test_dh_agree(uint16_t group)
{
	struct ike_dh *a = ike_dh_new(group), *b = ike_dh_new(group);
	const struct ike_dh_group *g = ike_dh_group(group);
	uint8_t s1[IKE_DH_MAX], s2[IKE_DH_MAX];

	CHECK(a && b && g);
	if (a && b && g) {
		CHECK(ike_dh_derive(a, ike_dh_public(b), g->pub_len, s1) == 0);
		CHECK(ike_dh_derive(b, ike_dh_public(a), g->pub_len, s2) == 0);
		CHECK_MEM(s1, s2, g->secret_len);
		CHECK(memcmp(ike_dh_public(a), ike_dh_public(b), g->pub_len) != 0);
	}
	if (g && g->ecp && a) {
		uint8_t off[132];
		/* a point off the curve */
		memcpy(off, ike_dh_public(a), g->pub_len);
		off[g->pub_len - 1] ^= 1;
		CHECK(ike_dh_derive(a, off, g->pub_len, s1) == -EINVAL);
	}
	ike_dh_free(a);
	ike_dh_free(b);
}

static void test_dh_groups(void)
{
	CHECK(ike_dh_group(14)->pub_len == 256 && !ike_dh_group(14)->ecp);
	CHECK(ike_dh_group(19)->pub_len == 64 && ike_dh_group(19)->secret_len == 32);
	CHECK(ike_dh_group(3) == NULL);
	CHECK(ike_dh_group_by_name("modp2048")->id == 14);
	CHECK(ike_dh_group_by_name("ecp384")->id == 20);
	CHECK(ike_dh_group_by_name("modp2047") == NULL);
	CHECK(ike_dh_new(3) == NULL);
	CHECK(ike_dh_new_private(19, (const uint8_t *)"x", 1) == NULL);
	test_dh_agree(2);
	test_dh_agree(14);
	test_dh_agree(19);
	test_dh_agree(20);
}

int main(void)
{
	test_hmac_rfc2202();
	test_acvp_psk();
	test_acvp_dsa();
	test_sha256_p1();
	test_hashes_ivs();
	test_keymat_natd();
	test_cbc();
	test_dh_modp1024_padding();
	test_dh_groups();
	return check_done("test-ike-keymat");
}
