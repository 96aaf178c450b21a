/* crypto.c -- the engine's OpenSSL 3 library context, fetched algorithms and
 * one-shot helpers.
 *
 * MS-CHAP needs MD4 and single DES, MPPE needs RC4: OpenSSL 3 moved all three
 * into its "legacy" provider, which is not loaded by default.  We load it (and
 * "default") into a library context of our own, so the host application's
 * OpenSSL configuration is neither needed nor changed.  Single-threaded, like
 * the engine: the context and the fetch cache are process-wide. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "crypto.h"

/* Every algorithm the engine names; a few spare rows for later layers. */
#define CACHE_MAX 16

static OSSL_LIB_CTX *libctx;
static OSSL_PROVIDER *prov_default, *prov_legacy;
static bool init_failed;

static struct {
	char name[24];
	EVP_MD *md;
} md_cache[CACHE_MAX];

static struct {
	char name[24];
	EVP_CIPHER *cipher;
} cipher_cache[CACHE_MAX];

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static char *provider_error(const char *which)
{
	const char *dir = OPENSSL_info(OPENSSL_INFO_MODULES_DIR);
	const char *env = getenv("OPENSSL_MODULES");
	char buf[768];

	if (strcmp(which, "legacy") == 0)
		snprintf(buf, sizeof(buf),
			 _("cannot load OpenSSL's legacy provider (legacy.so from %s), which "
			   "has the MD4, DES and RC4 that MS-CHAP and MPPE need; on Debian and "
			   "Ubuntu it is in the libssl3 package (reinstall it), or set "
			   "OPENSSL_MODULES to the directory that holds legacy.so"),
			 env && *env ? env : (dir ? dir : "the OpenSSL modules directory"));
	else
		snprintf(buf, sizeof(buf),
			 _("cannot load OpenSSL's default provider (from %s); the OpenSSL "
			   "installation (Debian package libssl3) looks broken"),
			 env && *env ? env : (dir ? dir : "the OpenSSL modules directory"));
	return xstrdup(buf);
}

int wv_crypto_init(char **err)
{
	if (err)
		*err = NULL;
	if (libctx)
		return 0;

	libctx = OSSL_LIB_CTX_new();
	if (!libctx) {
		if (err)
			*err = xstrdup(_("out of memory while setting up OpenSSL"));
		init_failed = true;
		return -ENOMEM;
	}
	/* The default provider first: it answers for SHA-1, AES, HMAC... and the
	 * legacy one only for the old algorithms. */
	prov_default = OSSL_PROVIDER_load(libctx, "default");
	if (!prov_default) {
		if (err)
			*err = provider_error("default");
		goto fail;
	}
	prov_legacy = OSSL_PROVIDER_load(libctx, "legacy");
	if (!prov_legacy) {
		if (err)
			*err = provider_error("legacy");
		goto fail;
	}
	init_failed = false;
	return 0;

fail:
	ERR_clear_error();
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	prov_default = NULL;
	OSSL_LIB_CTX_free(libctx);
	libctx = NULL;
	init_failed = true;
	return -ENOENT;
}

/* Callers that did not run wv_crypto_init() (tests, fuzzers) get it lazily;
 * a failed init is not retried for every call. */
static OSSL_LIB_CTX *ctx_get(void)
{
	if (!libctx && !init_failed)
		wv_crypto_init(NULL);
	return libctx;
}

OSSL_LIB_CTX *wv_crypto_libctx(void)
{
	return ctx_get();
}

const EVP_MD *wv_md(const char *name)
{
	size_t i;

	if (!ctx_get() || strlen(name) >= sizeof(md_cache[0].name))
		return NULL;
	for (i = 0; i < CACHE_MAX && md_cache[i].md; i++)
		if (strcmp(md_cache[i].name, name) == 0)
			return md_cache[i].md;
	if (i == CACHE_MAX)
		return NULL;
	md_cache[i].md = EVP_MD_fetch(libctx, name, NULL);
	if (!md_cache[i].md) {
		ERR_clear_error();
		return NULL;
	}
	snprintf(md_cache[i].name, sizeof(md_cache[i].name), "%s", name);
	return md_cache[i].md;
}

const EVP_CIPHER *wv_cipher(const char *name)
{
	size_t i;

	if (!ctx_get() || strlen(name) >= sizeof(cipher_cache[0].name))
		return NULL;
	for (i = 0; i < CACHE_MAX && cipher_cache[i].cipher; i++)
		if (strcmp(cipher_cache[i].name, name) == 0)
			return cipher_cache[i].cipher;
	if (i == CACHE_MAX)
		return NULL;
	cipher_cache[i].cipher = EVP_CIPHER_fetch(libctx, name, NULL);
	if (!cipher_cache[i].cipher) {
		ERR_clear_error();
		return NULL;
	}
	snprintf(cipher_cache[i].name, sizeof(cipher_cache[i].name), "%s", name);
	return cipher_cache[i].cipher;
}

int wv_digest(const char *md, const void *a, size_t alen, const void *b, size_t blen,
	      uint8_t *out, unsigned int *outlen)
{
	const EVP_MD *m = wv_md(md);
	EVP_MD_CTX *ctx;
	unsigned int n = 0;
	int ret = -EIO;

	if (!m)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, m, NULL) ||
	    (alen && !EVP_DigestUpdate(ctx, a, alen)) ||
	    (blen && !EVP_DigestUpdate(ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &n)) {
		ERR_clear_error();
		goto out;
	}
	if (outlen)
		*outlen = n;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int wv_md4(const void *buf, size_t len, uint8_t out[16])
{
	return wv_digest("MD4", buf, len, NULL, 0, out, NULL);
}

int wv_md5(const void *buf, size_t len, uint8_t out[16])
{
	return wv_digest("MD5", buf, len, NULL, 0, out, NULL);
}

int wv_sha1(const void *buf, size_t len, uint8_t out[20])
{
	return wv_digest("SHA1", buf, len, NULL, 0, out, NULL);
}

int wv_random(void *buf, size_t len)
{
	if (!ctx_get())
		return -EIO;
	if (RAND_bytes_ex(libctx, buf, len, 0) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

void wv_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

void wv_free_secret(char *s)
{
	if (!s)
		return;
	wv_wipe(s, strlen(s));
	free(s);
}
