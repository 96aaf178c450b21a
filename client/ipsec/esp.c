/* esp.c -- ESP transport mode (RFC 4303) in place on struct pkt.
 *
 * Outbound:  [UDP + L2TP]  ->  SPI | seq | IV | E([UDP + L2TP] | pad | pad len | NH) | ICV
 * The header and IV are pushed into the packet's headroom, the trailer and ICV
 * appended into its tailroom, and the cipher runs in place.  The cipher and
 * HMAC contexts are keyed once per SA and only re-IV'd / reset per packet.
 *
 * Inbound checks in the order that costs least for a forged packet: length
 * and alignment, SPI, the replay window, the ICV (before decrypting anything,
 * RFC 4303 §3.4.4), then decryption and the trailer; the window moves only
 * after the ICV verified (§3.4.3). */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "pkt.h"
#include "csum.h"
#include "rd.h"
#include "esp.h"

#define GCM_SALT_LEN  4
#define GCM_IV_LEN    8     /* explicit IV on the wire (RFC 4106 §3.1) */

struct esp_sa {
	struct esp_alg alg;
	uint32_t spi;
	bool outbound;
	uint32_t seq;                     /* outbound: last sent; inbound: unused */
	bool seq_exhausted;
	struct esp_replay replay;

	size_t block;                     /* cipher block (CBC) or 4 (GCM) */
	size_t iv_len;
	size_t icv_len;
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *mac;
	uint8_t salt[GCM_SALT_LEN];
	/* CBC IVs, drawn from the DRBG 512 octets at a time: one call per
	 * packet cost as much as a third of the encryption. */
	uint8_t ivs[512];
	size_t ivs_left;

	struct esp_stats st;
};

/* ---- algorithms -------------------------------------------------------------- */

static size_t integ_key_len(enum esp_integ i)
{
	switch (i) {
	case ESP_INTEG_HMAC_MD5_96: return 16;
	case ESP_INTEG_HMAC_SHA1_96: return 20;
	case ESP_INTEG_HMAC_SHA256_128: return 32;
	default: return 0;
	}
}

static size_t integ_icv_len(enum esp_integ i)
{
	switch (i) {
	case ESP_INTEG_HMAC_MD5_96:
	case ESP_INTEG_HMAC_SHA1_96: return 12;
	case ESP_INTEG_HMAC_SHA256_128: return 16;
	default: return 0;
	}
}

static const char *integ_md(enum esp_integ i)
{
	switch (i) {
	case ESP_INTEG_HMAC_MD5_96: return "MD5";
	case ESP_INTEG_HMAC_SHA1_96: return "SHA1";
	case ESP_INTEG_HMAC_SHA256_128: return "SHA256";
	default: return NULL;
	}
}

static const char *cipher_name(const struct esp_alg *a)
{
	switch (a->enc) {
	case ESP_ENC_AES_CBC:
		return a->enc_key_len == 16 ? "AES-128-CBC" : a->enc_key_len == 24 ? "AES-192-CBC" :
		       a->enc_key_len == 32 ? "AES-256-CBC" : NULL;
	case ESP_ENC_3DES_CBC:
		return a->enc_key_len == 24 ? "DES-EDE3-CBC" : NULL;
	case ESP_ENC_AES_GCM16:
		return a->enc_key_len == 16 ? "AES-128-GCM" : a->enc_key_len == 24 ? "AES-192-GCM" :
		       a->enc_key_len == 32 ? "AES-256-GCM" : NULL;
	}
	return NULL;
}

static bool alg_valid(const struct esp_alg *a)
{
	if (!cipher_name(a))
		return false;
	/* GCM authenticates itself; CBC needs an HMAC (RFC 4303 §3.2: no
	 * confidentiality-only SAs from us). */
	if (a->enc == ESP_ENC_AES_GCM16)
		return a->integ == ESP_INTEG_NONE;
	return integ_key_len(a->integ) != 0;
}

size_t esp_keymat_len(const struct esp_alg *a)
{
	if (!alg_valid(a))
		return 0;
	return a->enc_key_len + (a->enc == ESP_ENC_AES_GCM16 ? GCM_SALT_LEN : 0) +
	       integ_key_len(a->integ);
}

void esp_alg_name(const struct esp_alg *a, char *out, size_t cap)
{
	const char *integ = "";

	switch (a->integ) {
	case ESP_INTEG_HMAC_MD5_96: integ = "/HMAC_MD5_96"; break;
	case ESP_INTEG_HMAC_SHA1_96: integ = "/HMAC_SHA1_96"; break;
	case ESP_INTEG_HMAC_SHA256_128: integ = "/HMAC_SHA2_256_128"; break;
	case ESP_INTEG_NONE: break;
	}
	switch (a->enc) {
	case ESP_ENC_AES_CBC:
		snprintf(out, cap, "AES_CBC_%zu%s", a->enc_key_len * 8, integ);
		break;
	case ESP_ENC_3DES_CBC:
		snprintf(out, cap, "3DES_CBC%s", integ);
		break;
	case ESP_ENC_AES_GCM16:
		snprintf(out, cap, "AES_GCM_16_%zu%s", a->enc_key_len * 8, integ);
		break;
	}
}

size_t esp_alg_overhead(const struct esp_alg *a)
{
	size_t block = a->enc == ESP_ENC_3DES_CBC ? 8 : a->enc == ESP_ENC_AES_GCM16 ? 4 : 16;
	size_t iv = a->enc == ESP_ENC_AES_GCM16 ? GCM_IV_LEN : block;
	size_t icv = a->enc == ESP_ENC_AES_GCM16 ? 16 : integ_icv_len(a->integ);

	return ESP_HDR_LEN + iv + (block - 1) + 2 + icv;
}

/* ---- SA ---------------------------------------------------------------------- */

static EVP_MAC *hmac_get(void)
{
	static EVP_MAC *mac;

	if (!mac && wv_crypto_libctx())
		mac = EVP_MAC_fetch(wv_crypto_libctx(), "HMAC", NULL);
	return mac;
}

struct esp_sa *esp_sa_new(const struct esp_alg *a, uint32_t spi, const uint8_t *keymat,
			  size_t keymat_len, bool outbound)
{
	const EVP_CIPHER *c;
	struct esp_sa *sa;
	const uint8_t *ikey;

	if (keymat_len != esp_keymat_len(a) || keymat_len == 0)
		return NULL;
	c = wv_cipher(cipher_name(a));
	if (!c)
		return NULL;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	sa->alg = *a;
	sa->spi = spi;
	sa->outbound = outbound;
	sa->cipher = EVP_CIPHER_CTX_new();
	if (!sa->cipher)
		goto fail;
	if (a->enc == ESP_ENC_AES_GCM16) {
		sa->block = 4;
		sa->iv_len = GCM_IV_LEN;
		sa->icv_len = 16;
		memcpy(sa->salt, keymat + a->enc_key_len, GCM_SALT_LEN);
		ikey = NULL;
	} else {
		sa->block = (size_t)EVP_CIPHER_get_block_size(c);
		sa->iv_len = sa->block;
		sa->icv_len = integ_icv_len(a->integ);
		ikey = keymat + a->enc_key_len;
	}
	if (!EVP_CipherInit_ex2(sa->cipher, c, keymat, NULL, outbound, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(sa->cipher, 0))
		goto fail;
	if (ikey) {
		OSSL_PARAM params[2];
		EVP_MAC *mac = hmac_get();

		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
							     (char *)integ_md(a->integ), 0);
		params[1] = OSSL_PARAM_construct_end();
		sa->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
		if (!sa->mac || !EVP_MAC_init(sa->mac, ikey, integ_key_len(a->integ), params))
			goto fail;
	}
	return sa;
fail:
	ERR_clear_error();
	esp_sa_free(sa);
	return NULL;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	/* The contexts hold the expanded keys; OpenSSL cleanses them on free. */
	EVP_CIPHER_CTX_free(sa->cipher);
	EVP_MAC_CTX_free(sa->mac);
	wv_wipe(sa, sizeof(*sa));
	free(sa);
}

uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return sa->spi;
}

const struct esp_stats *esp_sa_stats(const struct esp_sa *sa)
{
	return &sa->st;
}

void esp_sa_set_seq(struct esp_sa *sa, uint32_t seq)
{
	sa->seq = seq;
	sa->seq_exhausted = false;
}

/* HMAC over buf, truncated to the ICV length. */
static int esp_icv(struct esp_sa *sa, const uint8_t *buf, size_t len, uint8_t *icv)
{
	uint8_t full[64];
	size_t n = 0;

	/* A NULL key re-initialises with the key set in esp_sa_new(). */
	if (!EVP_MAC_init(sa->mac, NULL, 0, NULL) || !EVP_MAC_update(sa->mac, buf, len) ||
	    !EVP_MAC_final(sa->mac, full, &n, sizeof(full)) || n < sa->icv_len) {
		ERR_clear_error();
		return -EIO;
	}
	memcpy(icv, full, sa->icv_len);
	return 0;
}

/* ---- outbound --------------------------------------------------------------------- */

int esp_encap_iv(struct esp_sa *sa, struct pkt *p, uint8_t next_header, const uint8_t *iv)
{
	bool gcm = sa->alg.enc == ESP_ENC_AES_GCM16;
	size_t plen = p->len, pad, ct_len, i;
	uint8_t *tail, *hdr, *ct;
	int outl = 0;

	if (!sa->outbound)
		return -EINVAL;
	if (sa->seq_exhausted)
		return -EOVERFLOW;
	/* RFC 4303 §2.4: pad so that payload + pad + 2 fills whole blocks (and
	 * ends on a 4-octet boundary, which every block size here implies). */
	pad = (sa->block - (plen + 2) % sa->block) % sa->block;
	ct_len = plen + pad + 2;
	if (ct_len > INT32_MAX || pkt_tailroom(p) < pad + 2 + sa->icv_len ||
	    pkt_headroom(p) < ESP_HDR_LEN + sa->iv_len)
		return -ENOSPC;
	tail = pkt_put(p, pad + 2 + sa->icv_len);
	/* Default padding: 1, 2, 3, ... (§2.4). */
	for (i = 0; i < pad; i++)
		tail[i] = (uint8_t)(i + 1);
	tail[pad] = (uint8_t)pad;
	tail[pad + 1] = next_header;
	hdr = pkt_push(p, ESP_HDR_LEN + sa->iv_len);
	ct = hdr + ESP_HDR_LEN + sa->iv_len;

	/* §3.3.3: the counter never cycles without ESN; the SA must be rekeyed. */
	sa->seq++;
	if (sa->seq == UINT32_MAX)
		sa->seq_exhausted = true;
	store_be32(hdr, sa->spi);
	store_be32(hdr + 4, sa->seq);

	if (gcm) {
		uint8_t nonce[GCM_SALT_LEN + GCM_IV_LEN];

		/* RFC 4106 §3.1: the IV must never repeat under one key; the
		 * sequence number never does. */
		if (iv)
			memcpy(hdr + ESP_HDR_LEN, iv, GCM_IV_LEN);
		else {
			store_be32(hdr + ESP_HDR_LEN, 0);
			store_be32(hdr + ESP_HDR_LEN + 4, sa->seq);
		}
		memcpy(nonce, sa->salt, GCM_SALT_LEN);
		memcpy(nonce + GCM_SALT_LEN, hdr + ESP_HDR_LEN, GCM_IV_LEN);
		/* AAD = SPI | sequence number (§5) */
		if (!EVP_EncryptInit_ex2(sa->cipher, NULL, NULL, nonce, NULL) ||
		    !EVP_EncryptUpdate(sa->cipher, NULL, &outl, hdr, ESP_HDR_LEN) ||
		    !EVP_EncryptUpdate(sa->cipher, ct, &outl, ct, (int)ct_len) ||
		    (size_t)outl != ct_len ||
		    !EVP_EncryptFinal_ex(sa->cipher, ct + ct_len, &outl) ||
		    !EVP_CIPHER_CTX_ctrl(sa->cipher, EVP_CTRL_AEAD_GET_TAG, (int)sa->icv_len,
					 ct + ct_len))
			goto fail;
	} else {
		/* CBC needs an unpredictable IV per packet (RFC 3602 §3). */
		if (iv) {
			memcpy(hdr + ESP_HDR_LEN, iv, sa->iv_len);
		} else {
			if (sa->ivs_left < sa->iv_len) {
				if (wv_random(sa->ivs, sizeof(sa->ivs)))
					goto fail;
				sa->ivs_left = sizeof(sa->ivs);
			}
			sa->ivs_left -= sa->iv_len;
			memcpy(hdr + ESP_HDR_LEN, sa->ivs + sa->ivs_left, sa->iv_len);
		}
		if (!EVP_CipherInit_ex2(sa->cipher, NULL, NULL, hdr + ESP_HDR_LEN, 1, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(sa->cipher, 0) ||
		    !EVP_EncryptUpdate(sa->cipher, ct, &outl, ct, (int)ct_len) ||
		    (size_t)outl != ct_len)
			goto fail;
		if (esp_icv(sa, hdr, ESP_HDR_LEN + sa->iv_len + ct_len, ct + ct_len))
			goto fail;
	}
	sa->st.packets++;
	sa->st.bytes += plen;
	return 0;
fail:
	ERR_clear_error();
	return -EIO;
}

int esp_encap(struct esp_sa *sa, struct pkt *p, uint8_t next_header)
{
	return esp_encap_iv(sa, p, next_header, NULL);
}

/* ---- inbound ------------------------------------------------------------------- */

int esp_decap(struct esp_sa *sa, struct pkt *p, uint8_t *next_header)
{
	bool gcm = sa->alg.enc == ESP_ENC_AES_GCM16;
	size_t min = ESP_HDR_LEN + sa->iv_len + sa->icv_len, ct_len;
	uint8_t *hdr = p->data, *iv, *ct, *icv, padlen;
	uint32_t seq;
	int outl = 0;

	if (sa->outbound)
		return -EINVAL;
	if (p->len < min + sa->block) {
		sa->st.bad++;
		return -EBADMSG;
	}
	ct_len = p->len - min;
	if (ct_len % sa->block || ct_len > INT32_MAX) {
		sa->st.bad++;
		return -EBADMSG;
	}
	if (load_be32(hdr) != sa->spi)
		return ESP_E_SPI;
	seq = load_be32(hdr + 4);
	if (!esp_replay_check(&sa->replay, seq)) {
		sa->st.replay++;
		return ESP_E_REPLAY;
	}
	iv = hdr + ESP_HDR_LEN;
	ct = iv + sa->iv_len;
	icv = ct + ct_len;

	if (gcm) {
		uint8_t nonce[GCM_SALT_LEN + GCM_IV_LEN];

		memcpy(nonce, sa->salt, GCM_SALT_LEN);
		memcpy(nonce + GCM_SALT_LEN, iv, GCM_IV_LEN);
		if (!EVP_DecryptInit_ex2(sa->cipher, NULL, NULL, nonce, NULL) ||
		    !EVP_DecryptUpdate(sa->cipher, NULL, &outl, hdr, ESP_HDR_LEN) ||
		    !EVP_DecryptUpdate(sa->cipher, ct, &outl, ct, (int)ct_len) ||
		    (size_t)outl != ct_len ||
		    !EVP_CIPHER_CTX_ctrl(sa->cipher, EVP_CTRL_AEAD_SET_TAG, (int)sa->icv_len,
					 icv)) {
			ERR_clear_error();
			return -EIO;
		}
		if (EVP_DecryptFinal_ex(sa->cipher, ct + ct_len, &outl) <= 0) {
			ERR_clear_error();
			sa->st.icv++;
			return ESP_E_ICV;
		}
	} else {
		uint8_t want[ESP_ICV_MAX];

		if (esp_icv(sa, hdr, ESP_HDR_LEN + sa->iv_len + ct_len, want))
			return -EIO;
		if (CRYPTO_memcmp(want, icv, sa->icv_len) != 0) {
			sa->st.icv++;
			return ESP_E_ICV;
		}
		if (!EVP_CipherInit_ex2(sa->cipher, NULL, NULL, iv, 0, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(sa->cipher, 0) ||
		    !EVP_DecryptUpdate(sa->cipher, ct, &outl, ct, (int)ct_len) ||
		    (size_t)outl != ct_len) {
			ERR_clear_error();
			return -EIO;
		}
	}
	/* Authentic from here on: the window moves even if the trailer is bad. */
	esp_replay_update(&sa->replay, seq);
	padlen = ct[ct_len - 2];
	*next_header = ct[ct_len - 1];
	if ((size_t)padlen + 2 > ct_len) {
		sa->st.bad++;
		return -EBADMSG;
	}
	pkt_pull(p, ESP_HDR_LEN + sa->iv_len);
	p->len = ct_len - padlen - 2;
	if (*next_header == ESP_NEXT_NONE)
		return ESP_E_DUMMY;
	sa->st.packets++;
	sa->st.bytes += p->len;
	return 0;
}

/* ---- anti-replay ------------------------------------------------------------------ */

bool esp_replay_check(const struct esp_replay *r, uint32_t seq)
{
	uint32_t diff;

	if (seq == 0)                 /* the first packet is 1 (§3.3.3) */
		return false;
	if (seq > r->top)
		return true;
	diff = r->top - seq;
	if (diff >= ESP_REPLAY_WINDOW)
		return false;
	return !(r->bits[diff / 64] & (1ull << (diff % 64)));
}

void esp_replay_update(struct esp_replay *r, uint32_t seq)
{
	const unsigned words = ESP_REPLAY_WINDOW / 64;
	uint32_t diff;

	if (seq > r->top) {
		uint32_t shift = seq - r->top;

		if (shift >= ESP_REPLAY_WINDOW) {
			memset(r->bits, 0, sizeof(r->bits));
		} else {
			unsigned ws = shift / 64, bs = shift % 64, i;

			/* bits <<= shift across the words, high word first */
			for (i = words; i-- > 0;) {
				uint64_t v = i >= ws ? r->bits[i - ws] << bs : 0;

				if (bs && i >= ws + 1)
					v |= r->bits[i - ws - 1] >> (64 - bs);
				r->bits[i] = v;
			}
		}
		r->top = seq;
		r->bits[0] |= 1;
		return;
	}
	diff = r->top - seq;
	if (diff < ESP_REPLAY_WINDOW)
		r->bits[diff / 64] |= 1ull << (diff % 64);
}

/* ---- UDP ----------------------------------------------------------------------- */

enum esp_udp_kind esp_udp_classify(const uint8_t *buf, size_t len)
{
	if (len == 1 && buf[0] == 0xff)
		return ESP_UDP_KEEPALIVE;
	if (len < 4)
		return ESP_UDP_INVALID;
	if (load_be32(buf) == 0)
		return len > ESP_NON_ESP_MARKER_LEN ? ESP_UDP_IKE : ESP_UDP_INVALID;
	/* SPIs 1..255 are reserved (RFC 4303 §2.1): never an SA of ours. */
	if (load_be32(buf) < 256)
		return ESP_UDP_INVALID;
	return ESP_UDP_ESP;
}

int esp_udp_push(struct pkt *p, struct in_addr src, uint16_t sport, struct in_addr dst,
		 uint16_t dport)
{
	uint8_t *h;
	size_t ulen = p->len + ESP_UDP_HDR_LEN;
	uint16_t sum;

	if (ulen > 0xffff)
		return -EMSGSIZE;
	h = pkt_push(p, ESP_UDP_HDR_LEN);
	if (!h)
		return -ENOSPC;
	store_be16(h, sport);
	store_be16(h + 2, dport);
	store_be16(h + 4, (uint16_t)ulen);
	store_be16(h + 6, 0);
	sum = wv_udp4_csum(&src.s_addr, &dst.s_addr, h, ulen);
	/* RFC 768: a computed zero is sent as all ones. */
	store_be16(h + 6, sum ? sum : 0xffff);
	return 0;
}

int esp_udp_pull(struct pkt *p, uint16_t *sport, uint16_t *dport)
{
	struct rd r = rd_init(p->data, p->len);
	uint16_t ulen;

	*sport = rd_be16(&r);
	*dport = rd_be16(&r);
	ulen = rd_be16(&r);
	rd_be16(&r);
	if (!rd_ok(&r) || ulen < ESP_UDP_HDR_LEN || ulen > p->len)
		return -EBADMSG;
	/* Octets beyond the UDP length (none from a sane peer) are not ours. */
	p->len = ulen;
	pkt_pull(p, ESP_UDP_HDR_LEN);
	return 0;
}

int esp_ip_strip(const uint8_t *buf, size_t len, size_t *payload_len)
{
	struct rd r = rd_init(buf, len);
	uint8_t vihl = rd_u8(&r);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	uint16_t total, frag;
	uint8_t proto;

	rd_skip(&r, 1);
	total = rd_be16(&r);
	rd_skip(&r, 2);
	frag = rd_be16(&r);
	rd_skip(&r, 1);
	proto = rd_u8(&r);
	if (!rd_ok(&r) || (vihl >> 4) != 4 || ihl < 20 || ihl > len)
		return -EBADMSG;
	/* The kernel reassembles before raw delivery; a fragment is not ours. */
	if (total < ihl || total > len || (frag & 0x3fff) || proto != 50)
		return -EBADMSG;
	*payload_len = total - ihl;
	return (int)ihl;
}
