/* test-ike-proposal.c -- the ike=/esp= proposal syntax (strongSwan's), the
 * algorithm mapping behind it, and the messages that quote a bad token. */
#include "wv.h"

#include "check.h"
#include "ipsec/ike-int.h"

static void test_p1(void)
{
	struct ike_p1_prop p[IKE_MAX_PROPS];
	char err[256], s[512];
	unsigned n = 0;

	CHECK(ike_p1_props_parse(IPSEC_DEFAULT_IKE, p, &n, err, sizeof(err)) == 0 && n == 4);
	CHECK(p[0].enc == IKE_ENC_AES_CBC && p[0].key_bits == 256 && p[0].hash == IKE_HASH_SHA1 &&
	      p[0].group == 14);
	CHECK(p[3].enc == IKE_ENC_3DES_CBC && p[3].key_bits == 0 && p[3].group == 2);
	ike_p1_list_str(p, n, s, sizeof(s));
	CHECK_STR(s, "aes256-sha1-modp2048, aes128-sha1-modp2048, 3des-sha1-modp2048, "
		     "3des-sha1-modp1024");
	CHECK_STR(ike_p1_cipher(&p[0]), "AES-256-CBC");
	CHECK(ike_p1_key_len(&p[3]) == 24 && strcmp(ike_p1_md(&p[3]), "SHA1") == 0);

	/* combinations, blanks, the strict '!' and aliases */
	CHECK(ike_p1_props_parse("aes128-aes256-sha1-sha256-modp2048-ecp256 , 3des-sha-modp1024!",
				 p, &n, err, sizeof(err)) == 0);
	CHECK(n == 9);
	ike_p1_prop_str(&p[0], s, sizeof(s));
	CHECK_STR(s, "aes128-sha1-modp2048");
	ike_p1_prop_str(&p[7], s, sizeof(s));
	CHECK_STR(s, "aes256-sha256-ecp256");
	ike_p1_prop_str(&p[8], s, sizeof(s));
	CHECK_STR(s, "3des-sha1-modp1024");

	CHECK(ike_p1_props_parse("aes256-sha1-modp2049", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "unknown algorithm 'modp2049' in the IKE proposal 'aes256-sha1-modp2049'");
	CHECK(ike_p1_props_parse("aes256-sha1", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "'aes256-sha1' needs") != NULL);
	CHECK(ike_p1_props_parse("aes128gcm16-sha1-modp2048", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err,
		  "'aes128gcm16' cannot be used in an IKE proposal ('aes128gcm16-sha1-modp2048')");
	CHECK(ike_p1_props_parse("aes256-sha1-modp2048,", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "empty IKE proposal");
	CHECK(ike_p1_props_parse("aes256-sha1-", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK(ike_p1_props_parse("", p, &n, err, sizeof(err)) == -EINVAL);
	/* 17 combinations are too many */
	CHECK(ike_p1_props_parse("aes128-aes192-aes256-3des-md5-sha1-sha256-sha384-sha512-modp1024",
				 p, &n, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "more than 16") != NULL);
}

static void test_p2(void)
{
	struct ike_p2_prop p[IKE_MAX_PROPS];
	struct esp_alg a;
	char err[256], s[512];
	unsigned n = 0;

	CHECK(ike_p2_props_parse(IPSEC_DEFAULT_ESP, p, &n, err, sizeof(err)) == 0 && n == 3);
	ike_p2_list_str(p, n, s, sizeof(s));
	CHECK_STR(s, "aes256-sha1, aes128-sha1, 3des-sha1");
	CHECK(p[0].esp_id == ESP_T_AES_CBC && p[0].auth == IPSEC_AUTH_HMAC_SHA1 && !p[0].pfs_group);
	CHECK(ike_p2_esp_alg(&p[2], &a) == 0 && a.enc == ESP_ENC_3DES_CBC && a.enc_key_len == 24);

	CHECK(ike_p2_props_parse("aes128gcm16-modp2048,aes256-sha256-modp2048", p, &n, err,
				 sizeof(err)) == 0 && n == 2);
	CHECK(p[0].esp_id == ESP_T_AES_GCM_16 && p[0].auth == 0 && p[0].pfs_group == 14);
	CHECK(ike_p2_esp_alg(&p[0],
			     &a) == 0 && a.enc == ESP_ENC_AES_GCM16 && a.integ == ESP_INTEG_NONE);
	ike_p2_prop_str(&p[1], s, sizeof(s));
	CHECK_STR(s, "aes256-sha256-modp2048");
	ike_p2_prop_str(&p[0], s, sizeof(s));
	CHECK_STR(s, "aes128gcm16-modp2048");

	CHECK(ike_p2_props_parse("aes256-sha1-modp2048,aes128-sha1", p, &n, err, sizeof(err)) ==
	      -EINVAL);
	CHECK(strstr(err, "same PFS group") != NULL);
	CHECK(ike_p2_props_parse("aes256", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "needs an integrity algorithm") != NULL);
	CHECK(ike_p2_props_parse("aes128gcm16-sha1", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK(ike_p2_props_parse("aes256-sha384", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "'sha384' cannot be used in an ESP proposal ('aes256-sha384')");
	CHECK(ike_p2_props_parse("sha1", p, &n, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "names no encryption") != NULL);
}

int main(void)
{
	test_p1();
	test_p2();
	return check_done("test-ike-proposal");
}
