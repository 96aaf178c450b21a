/* crypto.h -- the engine's use of OpenSSL 3.  Internal.
 *
 * MD4, single DES and RC4 (MS-CHAP, MPPE) live in OpenSSL's legacy provider;
 * the engine loads "legacy" and "default" into its own OSSL_LIB_CTX so the
 * application's defaults are untouched.  wv_crypto_init() fails with a clear
 * message naming the missing provider. */
#ifndef WV_CRYPTO_H
#define WV_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

/* 0, or -ENOENT with *err (malloc'd sentence) when a provider is missing. */
int wv_crypto_init(char **err);
OSSL_LIB_CTX *wv_crypto_libctx(void);
/* Fetched once; NULL only if wv_crypto_init() failed. */
const EVP_MD *wv_md(const char *name);         /* "MD4", "MD5", "SHA1", "SHA256"... */
const EVP_CIPHER *wv_cipher(const char *name); /* "RC4", "DES-ECB", ... */

/* One-shot digests; 0 or -EIO. */
int wv_digest(const char *md, const void *a, size_t alen, const void *b, size_t blen,
	      uint8_t *out, unsigned int *outlen);
int wv_md4(const void *buf, size_t len, uint8_t out[16]);
int wv_md5(const void *buf, size_t len, uint8_t out[16]);
int wv_sha1(const void *buf, size_t len, uint8_t out[20]);
/* Fill with cryptographically strong random bytes; 0 or -EIO. */
int wv_random(void *buf, size_t len);

#endif
