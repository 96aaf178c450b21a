/* ike-keymat.h -- IKEv1 key material (RFC 2409 §5, Appendix B), Diffie-Hellman
 * groups (RFC 2409 §6, RFC 3526, RFC 5903), the CBC that protects IKE messages
 * and the NAT-D hash (RFC 3947 §3.2).  Pure functions over OpenSSL 3 in the
 * engine's library context (crypto.h); no state but struct ike_dh.  Internal.
 *
 * Naming: `md` is an OpenSSL digest name ("SHA1", "SHA256", ...); the IKEv1
 * prf is HMAC of it (RFC 2409 §4: no negotiated prf attribute is used).
 * Functions return 0 or -errno (-EIO for an OpenSSL failure, -EINVAL for
 * arguments they cannot use). */
#ifndef WV_IKE_KEYMAT_H
#define WV_IKE_KEYMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_HASH_MAX      64          /* SHA-512 */
#define IKE_KEY_MAX       32          /* AES-256 */
#define IKE_BLOCK_MAX     16
#define IKE_DH_MAX        1024        /* MODP-8192 public value / shared secret */

/* Scatter list: the RFC's "a | b | c" without copying into one buffer. */
struct ike_iov {
	const void *p;
	size_t n;
};

/* Digest length of md, 0 if unknown. */
size_t ike_md_len(const char *md);
/* hash(iov...) and prf(key, iov...) = HMAC-md; *outlen may be NULL. */
int ike_hash(const char *md, const struct ike_iov *iov, unsigned n, uint8_t *out,
	     size_t *outlen);
int ike_prf(const char *md, const void *key, size_t key_len, const struct ike_iov *iov,
	    unsigned n, uint8_t *out, size_t *outlen);

/* ---- phase 1 (RFC 2409 §5) ------------------------------------------------ */

struct ike_p1_keys {
	size_t hlen;                      /* prf output length */
	uint8_t skeyid[IKE_HASH_MAX];
	uint8_t skeyid_d[IKE_HASH_MAX];
	uint8_t skeyid_a[IKE_HASH_MAX];
	uint8_t skeyid_e[IKE_HASH_MAX];
	uint8_t enc_key[IKE_KEY_MAX];     /* Ka (Appendix B) */
	size_t enc_key_len;
};

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
int ike_skeyid_psk(const char *md, const void *psk, size_t psk_len, const uint8_t *ni,
		   size_t ni_len, const uint8_t *nr, size_t nr_len, struct ike_p1_keys *k);
/* SKEYID = prf(Ni_b | Nr_b, g^xy) for signature authentication (RFC 2409 §5). */
int ike_skeyid_sig(const char *md, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		   size_t nr_len, const uint8_t *gxy, size_t gxy_len, struct ike_p1_keys *k);
/* SKEYID_d/a/e from SKEYID (already in k), then Ka of enc_key_len octets. */
int ike_p1_derive(const char *md, const uint8_t *gxy, size_t gxy_len,
		  const uint8_t ckyi[8], const uint8_t ckyr[8], size_t enc_key_len,
		  struct ike_p1_keys *k);
/* Appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1),
 * only when SKEYID_e is shorter than the key; else SKEYID_e's first octets. */
int ike_expand_key(const char *md, const uint8_t *skeyid_e, size_t e_len, uint8_t *key,
		   size_t key_len);
void ike_p1_keys_wipe(struct ike_p1_keys *k);

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b); HASH_R swaps
 * the first two pairs and takes IDir_b.  The caller passes them in its order. */
int ike_hash_auth(const char *md, const struct ike_p1_keys *k,
		  const uint8_t *gx_a, size_t gx_a_len, const uint8_t *gx_b, size_t gx_b_len,
		  const uint8_t cky_a[8], const uint8_t cky_b[8],
		  const uint8_t *sai_b, size_t sai_len, const uint8_t *id_b, size_t id_len,
		  uint8_t *out);

/* IVs (Appendix B): phase 1 = hash(g^xi | g^xr); phase 2 and informational =
 * hash(last phase-1 CBC block | M-ID); both truncated to the block size. */
int ike_iv_phase1(const char *md, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
		  size_t gxr_len, uint8_t *iv, size_t block);
int ike_iv_phase2(const char *md, const uint8_t *last_block, uint32_t msgid, uint8_t *iv,
		  size_t block);

/* ---- phase 2 (RFC 2409 §5.5, §5.7) ---------------------------------------- */

/* HASH(1) = prf(SKEYID_a, M-ID | rest), also informational HASH(1);
 * HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest);
 * HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
int ike_hash_qm1(const char *md, const struct ike_p1_keys *k, uint32_t msgid,
		 const uint8_t *rest, size_t rest_len, uint8_t *out);
int ike_hash_qm2(const char *md, const struct ike_p1_keys *k, uint32_t msgid,
		 const uint8_t *ni, size_t ni_len, const uint8_t *rest, size_t rest_len,
		 uint8_t *out);
int ike_hash_qm3(const char *md, const struct ike_p1_keys *k, uint32_t msgid,
		 const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		 uint8_t *out);
/* KEYMAT = K1 | K2 ..., K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b).  spi is
 * the SPI of the SA that uses this keymat (inbound: ours). */
int ike_keymat(const char *md, const struct ike_p1_keys *k, const uint8_t *gqm,
	       size_t gqm_len, uint8_t protocol, uint32_t spi, const uint8_t *ni, size_t ni_len,
	       const uint8_t *nr, size_t nr_len, uint8_t *out, size_t out_len);

/* ---- NAT-D (RFC 3947 §3.2) -------------------------------------------------- */

/* hash(CKY-I | CKY-R | IP | Port); addr is 4 or 16 octets, port host order. */
int ike_natd_hash(const char *md, const uint8_t ckyi[8], const uint8_t ckyr[8],
		  const uint8_t *addr, size_t addr_len, uint16_t port, uint8_t *out);

/* ---- IKE message encryption (RFC 2409 Appendix B: CBC, no padding rule) ---- */

/* Encrypts or decrypts len octets (a multiple of the block) in place with CBC;
 * iv is updated to the last ciphertext block, the next message's IV.
 * cipher: "AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "DES-EDE3-CBC". */
int ike_cbc(const char *cipher, const uint8_t *key, size_t key_len, uint8_t *iv,
	    uint8_t *buf, size_t len, bool encrypt);
size_t ike_cipher_block(const char *cipher);

/* ---- Diffie-Hellman ------------------------------------------------------- */

struct ike_dh_group {
	uint16_t id;                /* IKE group number */
	const char *name;           /* "modp2048", "ecp256" (settings syntax) */
	bool ecp;
	size_t pub_len;             /* KE data octets: prime length, or 2 coordinates */
	size_t secret_len;          /* g^xy octets (x coordinate for ECP) */
};

const struct ike_dh_group *ike_dh_group(uint16_t id);
const struct ike_dh_group *ike_dh_group_by_name(const char *name);

struct ike_dh;
/* A fresh key pair; NULL if the group is unknown or OpenSSL fails. */
struct ike_dh *ike_dh_new(uint16_t group);
/* MODP only: a key pair from a given private exponent (tests). */
struct ike_dh *ike_dh_new_private(uint16_t group, const uint8_t *priv, size_t priv_len);
void ike_dh_free(struct ike_dh *dh);
const struct ike_dh_group *ike_dh_get_group(const struct ike_dh *dh);
/* Our public value, exactly pub_len octets (left zero-padded). */
const uint8_t *ike_dh_public(const struct ike_dh *dh);
/* g^xy from the peer's public value (pub_len octets), left zero-padded to
 * secret_len (vectors.md §9: OpenSSL would drop leading zeros otherwise).
 * -EINVAL when the peer's value is the wrong size or not a valid element. */
int ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *secret);

#endif
