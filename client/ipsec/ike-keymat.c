/* ike-keymat.c -- IKEv1 key derivation (RFC 2409 §5, §5.5, Appendix B), the
 * Diffie-Hellman groups and the CBC of IKE messages, on OpenSSL 3 EVP in the
 * engine's library context.
 *
 * Every intermediate secret lives in caller memory or on our stack and is
 * wiped before we return; nothing here logs. */
#include "wv.h"

#include <stdlib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto.h"
#include "rd.h"
#include "ike-keymat.h"

/* ---- hash and prf ------------------------------------------------------------ */

static EVP_MAC *hmac_get(void)
{
	/* Fetched once, like crypto.c's digests; lives until exit. */
	static EVP_MAC *mac;

	if (!mac && wv_crypto_libctx())
		mac = EVP_MAC_fetch(wv_crypto_libctx(), "HMAC", NULL);
	return mac;
}

size_t ike_md_len(const char *md)
{
	const EVP_MD *m = md ? wv_md(md) : NULL;
	int n = m ? EVP_MD_get_size(m) : 0;

	return n > 0 && n <= IKE_HASH_MAX ? (size_t)n : 0;
}

int ike_hash(const char *md, const struct ike_iov *iov, unsigned n, uint8_t *out,
	     size_t *outlen)
{
	const EVP_MD *m = wv_md(md);
	EVP_MD_CTX *ctx;
	unsigned int len = 0, i;
	int ret = -EIO;

	if (!m)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, m, NULL))
		goto out;
	for (i = 0; i < n; i++)
		if (iov[i].n && !EVP_DigestUpdate(ctx, iov[i].p, iov[i].n))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, &len))
		goto out;
	if (outlen)
		*outlen = len;
	ret = 0;
out:
	if (ret)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return ret;
}

int ike_prf(const char *md, const void *key, size_t key_len, const struct ike_iov *iov,
	    unsigned n, uint8_t *out, size_t *outlen)
{
	EVP_MAC *mac = hmac_get();
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t len = 0;
	unsigned i;
	int ret = -EIO;

	if (!mac || !ike_md_len(md))
		return -EINVAL;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		return -ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, key_len, params))
		goto out;
	for (i = 0; i < n; i++)
		if (iov[i].n && !EVP_MAC_update(ctx, iov[i].p, iov[i].n))
			goto out;
	if (!EVP_MAC_final(ctx, out, &len, IKE_HASH_MAX))
		goto out;
	if (outlen)
		*outlen = len;
	ret = 0;
out:
	if (ret)
		ERR_clear_error();
	EVP_MAC_CTX_free(ctx);
	return ret;
}

/* ---- phase 1 -------------------------------------------------------------------- */

int ike_skeyid_psk(const char *md, const void *psk, size_t psk_len, const uint8_t *ni,
		   size_t ni_len, const uint8_t *nr, size_t nr_len, struct ike_p1_keys *k)
{
	struct ike_iov iov[] = { { ni, ni_len }, { nr, nr_len } };

	k->hlen = ike_md_len(md);
	if (!k->hlen)
		return -EINVAL;
	return ike_prf(md, psk, psk_len, iov, 2, k->skeyid, NULL);
}

int ike_skeyid_sig(const char *md, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		   size_t nr_len, const uint8_t *gxy, size_t gxy_len, struct ike_p1_keys *k)
{
	struct ike_iov iov[] = { { gxy, gxy_len } };
	uint8_t key[512];
	int r;

	k->hlen = ike_md_len(md);
	if (!k->hlen || ni_len + nr_len > sizeof(key))
		return -EINVAL;
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	r = ike_prf(md, key, ni_len + nr_len, iov, 1, k->skeyid, NULL);
	wv_wipe(key, sizeof(key));
	return r;
}

int ike_expand_key(const char *md, const uint8_t *skeyid_e, size_t e_len, uint8_t *key,
		   size_t key_len)
{
	uint8_t k[IKE_HASH_MAX], zero = 0;
	size_t hlen = ike_md_len(md), done = 0;
	int ret = 0;

	if (!hlen || key_len > IKE_KEY_MAX)
		return -EINVAL;
	if (e_len >= key_len) {
		memcpy(key, skeyid_e, key_len);
		return 0;
	}
	/* K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1), ... */
	while (done < key_len) {
		struct ike_iov iov = done ? (struct ike_iov){ k, hlen } : (struct ike_iov){ &zero,
											   1 };
		size_t n;

		ret = ike_prf(md, skeyid_e, e_len, &iov, 1, k, NULL);
		if (ret)
			break;
		n = MIN(hlen, key_len - done);
		memcpy(key + done, k, n);
		done += n;
	}
	wv_wipe(k, sizeof(k));
	return ret;
}

int ike_p1_derive(const char *md, const uint8_t *gxy, size_t gxy_len,
		  const uint8_t ckyi[8], const uint8_t ckyr[8], size_t enc_key_len,
		  struct ike_p1_keys *k)
{
	uint8_t c0 = 0, c1 = 1, c2 = 2;
	struct ike_iov d[] = { { gxy, gxy_len }, { ckyi, 8 }, { ckyr, 8 }, { &c0, 1 } };
	struct ike_iov a[] = { { k->skeyid_d, k->hlen }, { gxy, gxy_len }, { ckyi, 8 },
			       { ckyr, 8 }, { &c1, 1 } };
	struct ike_iov e[] = { { k->skeyid_a, k->hlen }, { gxy, gxy_len }, { ckyi, 8 },
			       { ckyr, 8 }, { &c2, 1 } };
	int ret;

	if (k->hlen != ike_md_len(md) || enc_key_len > IKE_KEY_MAX)
		return -EINVAL;
	/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0), _a and _e chain on it. */
	ret = ike_prf(md, k->skeyid, k->hlen, d, ARRAY_SIZE(d), k->skeyid_d, NULL);
	if (!ret)
		ret = ike_prf(md, k->skeyid, k->hlen, a, ARRAY_SIZE(a), k->skeyid_a, NULL);
	if (!ret)
		ret = ike_prf(md, k->skeyid, k->hlen, e, ARRAY_SIZE(e), k->skeyid_e, NULL);
	if (!ret)
		ret = ike_expand_key(md, k->skeyid_e, k->hlen, k->enc_key, enc_key_len);
	k->enc_key_len = ret ? 0 : enc_key_len;
	return ret;
}

void ike_p1_keys_wipe(struct ike_p1_keys *k)
{
	wv_wipe(k, sizeof(*k));
}

int ike_hash_auth(const char *md, const struct ike_p1_keys *k,
		  const uint8_t *gx_a, size_t gx_a_len, const uint8_t *gx_b, size_t gx_b_len,
		  const uint8_t cky_a[8], const uint8_t cky_b[8],
		  const uint8_t *sai_b, size_t sai_len, const uint8_t *id_b, size_t id_len,
		  uint8_t *out)
{
	struct ike_iov iov[] = { { gx_a, gx_a_len }, { gx_b, gx_b_len }, { cky_a, 8 },
				 { cky_b, 8 }, { sai_b, sai_len }, { id_b, id_len } };

	return ike_prf(md, k->skeyid, k->hlen, iov, ARRAY_SIZE(iov), out, NULL);
}

int ike_iv_phase1(const char *md, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
		  size_t gxr_len, uint8_t *iv, size_t block)
{
	struct ike_iov iov[] = { { gxi, gxi_len }, { gxr, gxr_len } };
	uint8_t h[IKE_HASH_MAX];
	size_t hlen = 0;
	int ret;

	ret = ike_hash(md, iov, 2, h, &hlen);
	if (ret)
		return ret;
	if (block > hlen)
		return -EINVAL;
	memcpy(iv, h, block);
	return 0;
}

int ike_iv_phase2(const char *md, const uint8_t *last_block, uint32_t msgid, uint8_t *iv,
		  size_t block)
{
	uint8_t mid[4], h[IKE_HASH_MAX];
	struct ike_iov iov[] = { { last_block, block }, { mid, 4 } };
	size_t hlen = 0;
	int ret;

	store_be32(mid, msgid);
	ret = ike_hash(md, iov, 2, h, &hlen);
	if (ret)
		return ret;
	if (block > hlen)
		return -EINVAL;
	memcpy(iv, h, block);
	return 0;
}

/* ---- phase 2 ---------------------------------------------------------------------- */

int ike_hash_qm1(const char *md, const struct ike_p1_keys *k, uint32_t msgid,
		 const uint8_t *rest, size_t rest_len, uint8_t *out)
{
	uint8_t mid[4];
	struct ike_iov iov[] = { { mid, 4 }, { rest, rest_len } };

	store_be32(mid, msgid);
	return ike_prf(md, k->skeyid_a, k->hlen, iov, ARRAY_SIZE(iov), out, NULL);
}

int ike_hash_qm2(const char *md, const struct ike_p1_keys *k, uint32_t msgid,
		 const uint8_t *ni, size_t ni_len, const uint8_t *rest, size_t rest_len,
		 uint8_t *out)
{
	uint8_t mid[4];
	struct ike_iov iov[] = { { mid, 4 }, { ni, ni_len }, { rest, rest_len } };

	store_be32(mid, msgid);
	return ike_prf(md, k->skeyid_a, k->hlen, iov, ARRAY_SIZE(iov), out, NULL);
}

int ike_hash_qm3(const char *md, const struct ike_p1_keys *k, uint32_t msgid,
		 const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		 uint8_t *out)
{
	uint8_t zero = 0, mid[4];
	struct ike_iov iov[] = { { &zero, 1 }, { mid, 4 }, { ni, ni_len }, { nr, nr_len } };

	store_be32(mid, msgid);
	return ike_prf(md, k->skeyid_a, k->hlen, iov, ARRAY_SIZE(iov), out, NULL);
}

int ike_keymat(const char *md, const struct ike_p1_keys *k, const uint8_t *gqm,
	       size_t gqm_len, uint8_t protocol, uint32_t spi, const uint8_t *ni, size_t ni_len,
	       const uint8_t *nr, size_t nr_len, uint8_t *out, size_t out_len)
{
	uint8_t kn[IKE_HASH_MAX], spib[4];
	size_t done = 0;
	int ret = 0;

	store_be32(spib, spi);
	while (done < out_len) {
		/* The first round has no Kn-1 (RFC 2409 §5.5). */
		struct ike_iov iov[] = { { kn, done ? k->hlen : 0 }, { gqm, gqm_len },
					 { &protocol, 1 }, { spib, 4 }, { ni, ni_len },
					 { nr, nr_len } };
		size_t n;

		ret = ike_prf(md, k->skeyid_d, k->hlen, iov, ARRAY_SIZE(iov), kn, NULL);
		if (ret)
			break;
		n = MIN(k->hlen, out_len - done);
		memcpy(out + done, kn, n);
		done += n;
	}
	wv_wipe(kn, sizeof(kn));
	return ret;
}

int ike_natd_hash(const char *md, const uint8_t ckyi[8], const uint8_t ckyr[8],
		  const uint8_t *addr, size_t addr_len, uint16_t port, uint8_t *out)
{
	uint8_t pb[2];
	struct ike_iov iov[] = { { ckyi, 8 }, { ckyr, 8 }, { addr, addr_len }, { pb, 2 } };

	store_be16(pb, port);
	return ike_hash(md, iov, ARRAY_SIZE(iov), out, NULL);
}

/* ---- CBC ------------------------------------------------------------------------- */

size_t ike_cipher_block(const char *cipher)
{
	const EVP_CIPHER *c = cipher ? wv_cipher(cipher) : NULL;
	int n = c ? EVP_CIPHER_get_block_size(c) : 0;

	return n > 0 && n <= IKE_BLOCK_MAX ? (size_t)n : 0;
}

int ike_cbc(const char *cipher, const uint8_t *key, size_t key_len, uint8_t *iv,
	    uint8_t *buf, size_t len, bool encrypt)
{
	const EVP_CIPHER *c = wv_cipher(cipher);
	EVP_CIPHER_CTX *ctx;
	uint8_t next_iv[IKE_BLOCK_MAX];
	size_t block = ike_cipher_block(cipher);
	int outl = 0, ret = -EIO;

	if (!c || !block || (size_t)EVP_CIPHER_get_key_length(c) != key_len || len % block ||
	    len > INT32_MAX)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!encrypt)
		memcpy(next_iv, buf + len - block, block);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (!EVP_CipherInit_ex2(ctx, c, key, iv, encrypt, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) || (size_t)outl != len)
		goto out;
	if (encrypt)
		memcpy(next_iv, buf + len - block, block);
	memcpy(iv, next_iv, block);
	ret = 0;
out:
	if (ret)
		ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

/* ---- Diffie-Hellman ------------------------------------------------------------ */

static const struct ike_dh_group groups[] = {
	{ 1, "modp768", false, 96, 96 },
	{ 2, "modp1024", false, 128, 128 },
	{ 5, "modp1536", false, 192, 192 },
	{ 14, "modp2048", false, 256, 256 },
	{ 15, "modp3072", false, 384, 384 },
	{ 16, "modp4096", false, 512, 512 },
	{ 17, "modp6144", false, 768, 768 },
	{ 18, "modp8192", false, 1024, 1024 },
	/* RFC 5903 §7 (with its erratum): KE = x | y, g^xy = x. */
	{ 19, "ecp256", true, 64, 32 },
	{ 20, "ecp384", true, 96, 48 },
	{ 21, "ecp521", true, 132, 66 },
};

const struct ike_dh_group *ike_dh_group(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

const struct ike_dh_group *ike_dh_group_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	return NULL;
}

struct ike_dh {
	const struct ike_dh_group *g;
	EVP_PKEY *key;
	uint8_t pub[IKE_DH_MAX];
};

static BIGNUM *modp_prime(uint16_t id)
{
	switch (id) {
	case 1: return BN_get_rfc2409_prime_768(NULL);
	case 2: return BN_get_rfc2409_prime_1024(NULL);
	case 5: return BN_get_rfc3526_prime_1536(NULL);
	case 14: return BN_get_rfc3526_prime_2048(NULL);
	case 15: return BN_get_rfc3526_prime_3072(NULL);
	case 16: return BN_get_rfc3526_prime_4096(NULL);
	case 17: return BN_get_rfc3526_prime_6144(NULL);
	case 18: return BN_get_rfc3526_prime_8192(NULL);
	default: return NULL;
	}
}

static const char *ecp_curve(uint16_t id)
{
	switch (id) {
	case 19: return "P-256";
	case 20: return "P-384";
	case 21: return "P-521";
	default: return NULL;
	}
}

/* A DH EVP_PKEY from the group's p and g plus, optionally, priv and/or pub. */
static EVP_PKEY *modp_pkey(const struct ike_dh_group *g, const BIGNUM *priv, const BIGNUM *pub,
			   int selection)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *p = modp_prime(g->id), *gen = BN_new();

	if (!bld || !p || !gen || !BN_set_word(gen, 2))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen))
		goto out;
	/* A 2048-bit exponent buys nothing over twice the group's strength and
	 * costs milliseconds per exchange (RFC 3526 §8 estimates). */
	if (!priv && !pub &&
	    !OSSL_PARAM_BLD_push_int(bld, OSSL_PKEY_PARAM_DH_PRIV_LEN,
				     g->pub_len > 384 ? 512 : 320))
		goto out;
	if (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
		goto out;
	if (pub && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pc = EVP_PKEY_CTX_new_from_name(wv_crypto_libctx(), "DH", NULL);
	if (!params || !pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pkey, selection, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(gen);
	return pkey;
}

static int pub_export(struct ike_dh *dh)
{
	if (dh->g->ecp) {
		uint8_t pt[1 + 2 * 66];
		size_t len = 0;

		if (!EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, pt,
						     sizeof(pt), &len) ||
		    len != 1 + dh->g->pub_len || pt[0] != 0x04)
			return -EIO;
		memcpy(dh->pub, pt + 1, dh->g->pub_len);
	} else {
		BIGNUM *y = NULL;
		int ok = EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
			 BN_bn2binpad(y, dh->pub, (int)dh->g->pub_len) == (int)dh->g->pub_len;

		BN_free(y);
		if (!ok)
			return -EIO;
	}
	return 0;
}

static struct ike_dh *dh_alloc(uint16_t group)
{
	const struct ike_dh_group *g = ike_dh_group(group);
	struct ike_dh *dh;

	if (!g || !wv_crypto_libctx())
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (dh)
		dh->g = g;
	return dh;
}

struct ike_dh *ike_dh_new(uint16_t group)
{
	struct ike_dh *dh = dh_alloc(group);
	EVP_PKEY_CTX *kc = NULL;
	EVP_PKEY *domain = NULL;

	if (!dh)
		return NULL;
	if (dh->g->ecp) {
		OSSL_PARAM params[2];

		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)ecp_curve(group), 0);
		params[1] = OSSL_PARAM_construct_end();
		kc = EVP_PKEY_CTX_new_from_name(wv_crypto_libctx(), "EC", NULL);
		if (!kc || EVP_PKEY_keygen_init(kc) <= 0 || EVP_PKEY_CTX_set_params(kc,
										    params) <= 0)
			goto fail;
	} else {
		domain = modp_pkey(dh->g, NULL, NULL, EVP_PKEY_KEY_PARAMETERS);
		kc = domain ? EVP_PKEY_CTX_new_from_pkey(wv_crypto_libctx(), domain, NULL) : NULL;
		if (!kc || EVP_PKEY_keygen_init(kc) <= 0)
			goto fail;
	}
	if (EVP_PKEY_generate(kc, &dh->key) <= 0 || pub_export(dh))
		goto fail;
	EVP_PKEY_CTX_free(kc);
	EVP_PKEY_free(domain);
	return dh;
fail:
	ERR_clear_error();
	EVP_PKEY_CTX_free(kc);
	EVP_PKEY_free(domain);
	ike_dh_free(dh);
	return NULL;
}

struct ike_dh *ike_dh_new_private(uint16_t group, const uint8_t *priv, size_t priv_len)
{
	struct ike_dh *dh = dh_alloc(group);
	BIGNUM *x = NULL, *y = NULL, *p = NULL, *g = NULL;
	BN_CTX *bctx = NULL;

	if (!dh || dh->g->ecp)
		goto fail;
	x = BN_bin2bn(priv, (int)priv_len, NULL);
	y = BN_new();
	g = BN_new();
	p = modp_prime(group);
	bctx = BN_CTX_new();
	if (!x || !y || !g || !p || !bctx || !BN_set_word(g, 2) ||
	    !BN_mod_exp(y, g, x, p, bctx))
		goto fail;
	dh->key = modp_pkey(dh->g, x, y, EVP_PKEY_KEYPAIR);
	if (!dh->key || pub_export(dh))
		goto fail;
	BN_clear_free(x);
	BN_free(y);
	BN_free(g);
	BN_free(p);
	BN_CTX_free(bctx);
	return dh;
fail:
	ERR_clear_error();
	BN_clear_free(x);
	BN_free(y);
	BN_free(g);
	BN_free(p);
	BN_CTX_free(bctx);
	ike_dh_free(dh);
	return NULL;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

const struct ike_dh_group *ike_dh_get_group(const struct ike_dh *dh)
{
	return dh->g;
}

const uint8_t *ike_dh_public(const struct ike_dh *dh)
{
	return dh->pub;
}

static EVP_PKEY *peer_pkey(const struct ike_dh *dh, const uint8_t *peer)
{
	EVP_PKEY *pkey = NULL;

	if (dh->g->ecp) {
		uint8_t pt[1 + 2 * 66];
		OSSL_PARAM params[3];
		EVP_PKEY_CTX *pc;

		pt[0] = 0x04;
		memcpy(pt + 1, peer, dh->g->pub_len);
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)ecp_curve(dh->g->id), 0);
		params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt,
							      1 + dh->g->pub_len);
		params[2] = OSSL_PARAM_construct_end();
		/* Decoding the point checks that it lies on the curve. */
		pc = EVP_PKEY_CTX_new_from_name(wv_crypto_libctx(), "EC", NULL);
		if (!pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
		    EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
			pkey = NULL;
		EVP_PKEY_CTX_free(pc);
	} else {
		BIGNUM *y = BN_bin2bn(peer, (int)dh->g->pub_len, NULL);
		BIGNUM *p = modp_prime(dh->g->id);
		BIGNUM *pm1 = BN_new();

		/* 1 < y < p-1: anything else leaks or forces the shared secret
		 * (RFC 2631 §2.1.5's partial check). */
		if (y && p && pm1 && BN_sub(pm1, p, BN_value_one()) && BN_cmp(y,
									      BN_value_one()) > 0 &&
		    BN_cmp(y, pm1) < 0)
			pkey = modp_pkey(dh->g, NULL, y, EVP_PKEY_PUBLIC_KEY);
		BN_free(y);
		BN_free(p);
		BN_free(pm1);
	}
	return pkey;
}

int ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *secret)
{
	EVP_PKEY *pp;
	EVP_PKEY_CTX *dc = NULL;
	size_t len = dh->g->secret_len;
	int ret = -EIO;

	if (peer_len != dh->g->pub_len)
		return -EINVAL;
	pp = peer_pkey(dh, peer);
	if (!pp) {
		ERR_clear_error();
		return -EINVAL;
	}
	dc = EVP_PKEY_CTX_new_from_pkey(wv_crypto_libctx(), dh->key, NULL);
	if (!dc || EVP_PKEY_derive_init(dc) <= 0)
		goto out;
	/* Fixed length: a g^xy with leading zero octets must keep them. */
	if (!dh->g->ecp && EVP_PKEY_CTX_set_dh_pad(dc, 1) <= 0)
		goto out;
	if (EVP_PKEY_derive_set_peer_ex(dc, pp, 1) <= 0) {
		ret = -EINVAL;
		goto out;
	}
	if (EVP_PKEY_derive(dc, secret, &len) <= 0 || len != dh->g->secret_len)
		goto out;
	ret = 0;
out:
	if (ret) {
		ERR_clear_error();
		wv_wipe(secret, dh->g->secret_len);
	}
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(pp);
	return ret;
}
