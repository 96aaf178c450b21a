/* mppe.c -- Microsoft Point-to-Point Encryption: RC4 with the RFC 3078 key
 * changes, keys from RFC 3079, in place on struct pkt.
 *
 * The peer we must agree with bit for bit is the Linux kernel's ppp_mppe.c
 * (pptpd's pppd in the lab) and Windows RRAS, so where RFC 3078 is vague this
 * does what they do:
 *   - the coherency count starts at 0; a packet whose key changed carries A;
 *   - stateless (H): the key changes before every packet, so every packet
 *     carries A, and a receiver drops a stateless packet without A;
 *   - stateful: the key changes before the "flag" packet, the one whose count
 *     ends in 0xFF (RFC 3078 §7.3 "every 256 packets"), and before the first
 *     packet after a CCP Reset-Request; the very first packet uses the
 *     initial key and carries no A (ppp_mppe.c's reading of §3.1);
 *   - stateful receiver after loss: drop until a packet with A, then change the
 *     key once per flag packet missed plus once for the A packet (RFC 3078 §8.2).
 *
 * No allocation per packet: one RC4 context per direction is re-keyed in
 * place.  (OpenSSL 3.0 itself still allocates its SHA-1 context on every
 * EVP_DigestInit; newer releases reuse it.) */
#include "wv.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "pkt.h"
#include "rd.h"
#include "mppe.h"

/* RFC 3078 §3: the header in front of the ciphertext */
#define HDR_A         0x8000u   /* flushed: the key changed for this packet */
#define HDR_B         0x4000u   /* MPPC history reset (no MPPC here) */
#define HDR_C         0x2000u   /* MPPC compressed */
#define HDR_D         0x1000u   /* encrypted */
#define CCOUNT_MASK   0x0fffu
#define CCOUNT_SPACE  0x1000u
/* A stateless packet more than half the count space behind the last one is
 * late, not far ahead (ppp_mppe.c uses the same rule). */
#define CCOUNT_LATE   (CCOUNT_SPACE / 2)

/* RFC 3079 §3.4 / RFC 3078 §7.3 SHApad1, SHApad2 */
static const uint8_t sha_pad1[40] = { 0 };
static const uint8_t sha_pad2[40] = {
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
};

/* One SHA-1 context for every direction: the engine is single-threaded. */
static EVP_MD_CTX *sha_ctx;

int mppe_get_new_key_from_sha(const uint8_t *start_key, const uint8_t *session_key, unsigned len,
			      uint8_t *out)
{
	const EVP_MD *sha1 = wv_md("SHA1");
	uint8_t d[20];
	unsigned int n = 0;
	int ret = -EIO;

	if (len == 0 || len > 16)
		return -EINVAL;
	if (!sha1)
		return -EIO;
	if (!sha_ctx && !(sha_ctx = EVP_MD_CTX_new()))
		return -ENOMEM;
	if (!EVP_DigestInit_ex(sha_ctx, sha1, NULL) ||
	    !EVP_DigestUpdate(sha_ctx, start_key, len) ||
	    !EVP_DigestUpdate(sha_ctx, sha_pad1, sizeof(sha_pad1)) ||
	    !EVP_DigestUpdate(sha_ctx, session_key, len) ||
	    !EVP_DigestUpdate(sha_ctx, sha_pad2, sizeof(sha_pad2)) ||
	    !EVP_DigestFinal_ex(sha_ctx, d, &n) || n != sizeof(d)) {
		ERR_clear_error();
		goto out;
	}
	memcpy(out, d, len);
	ret = 0;
out:
	wv_wipe(d, sizeof(d));
	return ret;
}

/* RFC 3078 §7.2 / RFC 3079 §3.1-3.2: 40- and 56-bit keys are 64-bit keys
 * with their first octets fixed. */
static void reduce_key(const struct mppe_dir *d, uint8_t *key)
{
	if (d->bits == 40) {
		key[0] = 0xd1;
		key[1] = 0x26;
		key[2] = 0x9e;
	} else if (d->bits == 56) {
		key[0] = 0xd1;
	}
}

static int rc4_set_key(struct mppe_dir *d, const uint8_t *key)
{
	if (!EVP_CipherInit_ex(d->rc4, NULL, NULL, key, NULL, 1)) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

static int rc4_apply(struct mppe_dir *d, uint8_t *buf, size_t len)
{
	int n = 0;

	if (len > INT32_MAX || !EVP_CipherUpdate(d->rc4, buf, &n, buf, (int)len) ||
	    (size_t)n != len) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

/* RFC 3078 §7.3: Interim = GetNewKeyFromSHA(Start, Current); Current =
 * RC4(Interim, Interim), reduced again.  The RC4 context is left keyed with
 * the new session key only when set_key says so, so that a receiver catching
 * up over many counts keys it once. */
static int rekey(struct mppe_dir *d, bool set_key)
{
	uint8_t interim[16];
	int ret;

	ret = mppe_get_new_key_from_sha(d->start_key, d->session_key, d->key_len, interim);
	if (!ret)
		ret = rc4_set_key(d, interim);
	if (!ret) {
		memcpy(d->session_key, interim, d->key_len);
		ret = rc4_apply(d, d->session_key, d->key_len);
	}
	if (!ret) {
		reduce_key(d, d->session_key);
		if (set_key)
			ret = rc4_set_key(d, d->session_key);
	}
	wv_wipe(interim, sizeof(interim));
	return ret;
}

int mppe_dir_init(struct mppe_dir *d, const uint8_t start_key[16], unsigned bits, bool stateless)
{
	const EVP_CIPHER *rc4 = wv_cipher("RC4");
	EVP_CIPHER_CTX *ctx = d->rc4;
	int ret;

	if (bits != 40 && bits != 56 && bits != 128)
		return -EINVAL;
	if (!rc4)
		return -ENOENT;   /* no legacy provider: wv_crypto_init() says why */
	if (!ctx && !(ctx = EVP_CIPHER_CTX_new()))
		return -ENOMEM;
	wv_wipe(d, sizeof(*d));
	d->rc4 = ctx;
	d->bits = bits;
	d->key_len = bits == 128 ? 16 : 8;
	d->stateless = stateless;
	if (!EVP_CipherInit_ex(ctx, rc4, NULL, NULL, NULL, 1) ||
	    !EVP_CIPHER_CTX_set_key_length(ctx, (int)d->key_len)) {
		ERR_clear_error();
		ret = -EIO;
		goto fail;
	}
	memcpy(d->start_key, start_key, d->key_len);
	/* RFC 3079 §3.1-3.3: the initial session key is
	 * GetNewKeyFromSHA(StartKey, StartKey), reduced. */
	ret = mppe_get_new_key_from_sha(d->start_key, d->start_key, d->key_len, d->session_key);
	if (ret)
		goto fail;
	reduce_key(d, d->session_key);
	ret = rc4_set_key(d, d->session_key);
	if (ret)
		goto fail;
	return 0;
fail:
	mppe_dir_clear(d);
	return ret;
}

void mppe_dir_clear(struct mppe_dir *d)
{
	if (!d)
		return;
	/* Freeing the context wipes RC4's key schedule (OpenSSL clears it). */
	EVP_CIPHER_CTX_free(d->rc4);
	wv_wipe(d, sizeof(*d));
}

void mppe_tx_reset(struct mppe_dir *tx)
{
	tx->flushed = true;
}

int mppe_encrypt(struct mppe_dir *tx, struct pkt *p)
{
	uint16_t cc = tx->ccount & CCOUNT_MASK, hdr = (uint16_t)(HDR_D | cc);
	bool change = tx->stateless || (cc & 0xff) == 0xff || tx->flushed;
	uint8_t *h;
	int ret;

	if (!tx->rc4 || p->len == 0)
		return -EINVAL;
	if (pkt_headroom(p) < 2)
		return -ENOSPC;
	if (change) {
		ret = rekey(tx, true);
		if (ret)
			return ret;
		hdr |= HDR_A;
	}
	ret = rc4_apply(tx, p->data, p->len);
	if (ret)
		return ret;
	h = pkt_push(p, 2);
	store_be16(h, hdr);
	tx->ccount = (uint16_t)((cc + 1) & CCOUNT_MASK);
	tx->flushed = false;
	return 0;
}

static enum mppe_rx_result rx_stateless(struct mppe_dir *rx, uint16_t hdr)
{
	uint16_t cc = hdr & CCOUNT_MASK;
	uint16_t last = rx->started ? rx->ccount : CCOUNT_MASK;   /* so 0 comes first */
	unsigned n = (cc - last) & CCOUNT_MASK;

	/* Every stateless packet has a new key and says so (ppp_mppe.c drops
	 * those without A too).  A repeated count cannot be decrypted: the key
	 * it used is gone. */
	if (!(hdr & HDR_A) || n == 0 || n > CCOUNT_LATE)
		return MPPE_RX_DROP;
	/* RFC 3078 §8.1: one key change per count, lost packets included. */
	while (n--)
		if (rekey(rx, n == 0))
			return MPPE_RX_DROP;
	rx->ccount = cc;
	rx->started = true;
	return MPPE_RX_OK;
}

static enum mppe_rx_result rx_stateful(struct mppe_dir *rx, uint16_t hdr)
{
	uint16_t cc = hdr & CCOUNT_MASK;
	uint16_t next = rx->started ? (uint16_t)((rx->ccount + 1) & CCOUNT_MASK) : 0;
	unsigned ahead = (cc - next) & CCOUNT_MASK;

	if (!(hdr & HDR_A)) {
		/* Lost sync (waiting for A), a gap, or a flag packet without A
		 * (its key changed but the sender does not say so): drop until the
		 * peer answers our CCP Reset-Request with an A packet.  Asked for
		 * on every drop, so a lost Reset-Request is sent again; CCP paces
		 * them (RFC 1962 §2.2, restart timer). */
		if (rx->flushed || ahead != 0 || (cc & 0xff) == 0xff) {
			rx->flushed = true;
			return MPPE_RX_NEED_RESET;
		}
		rx->ccount = cc;
		rx->started = true;
		return MPPE_RX_OK;
	}
	if (ahead > CCOUNT_LATE)
		return rx->flushed ? MPPE_RX_NEED_RESET : MPPE_RX_DROP;   /* late */
	/* RFC 3078 §8.2: one key change for every flag packet between the
	 * expected count and this one, then one for this packet's A.  The
	 * loop ends: adding 256 walks all 16 values of the high nibble. */
	while ((cc & ~0xffu) != (next & ~0xffu)) {
		if (rekey(rx, false))
			return MPPE_RX_DROP;
		next = (uint16_t)((next + 256) & CCOUNT_MASK);
	}
	if (rekey(rx, true))
		return MPPE_RX_DROP;
	rx->flushed = false;
	rx->ccount = cc;
	rx->started = true;
	return MPPE_RX_OK;
}

enum mppe_rx_result mppe_decrypt(struct mppe_dir *rx, struct pkt *p)
{
	enum mppe_rx_result res;
	uint16_t hdr;
	uint8_t *b;

	/* Header and at least one octet of (protocol) ciphertext. */
	if (!rx->rc4 || p->len < 3)
		return MPPE_RX_DROP;
	hdr = load_be16(p->data);
	/* Not encrypted, or MPPC-compressed, which we never negotiate. */
	if (!(hdr & HDR_D) || (hdr & HDR_C))
		return MPPE_RX_DROP;
	res = rx->stateless ? rx_stateless(rx, hdr) : rx_stateful(rx, hdr);
	if (res != MPPE_RX_OK)
		return res;
	pkt_pull(p, 2);
	if (rc4_apply(rx, p->data, p->len))
		return MPPE_RX_DROP;
	/* The sender may have compressed the protocol field (PFC) inside the
	 * ciphertext: an odd first octet is a one-octet protocol.  Hand the
	 * core the full two octets; the header we pulled left the room. */
	if (p->data[0] & 1) {
		b = pkt_push(p, 1);
		b[0] = 0;
	}
	return MPPE_RX_OK;
}
