/* test-ike-responder.h -- a scripted IKEv1 responder (Main Mode PSK, Quick
 * Mode, informational) for the in-process exchange tests and the fuzz
 * target.  It is built from the same payload generator and key derivation as
 * the initiator, but runs the responder's side of every formula, so a
 * mismatch between the two sides shows.  Knobs make it misbehave the way real
 * gateways do.  Header-only, included by exactly one file per program. */
#ifndef TEST_IKE_RESPONDER_H
#define TEST_IKE_RESPONDER_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ipsec/esp.h"
#include "ipsec/ike-int.h"
#include "ipsec/ike-keymat.h"
#include "ipsec/ike-payload.h"
#include "pkt.h"
#include "rd.h"

#define DGRAM_MAX 4200
#define QUEUE_MAX 64

struct dgram {
	enum ipsec_chan ch;
	size_t len;
	uint8_t buf[DGRAM_MAX];
};

struct dqueue {
	struct dgram d[QUEUE_MAX];
	unsigned head, n;
};

static inline void dq_push(struct dqueue *q, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	struct dgram *d;

	if (q->n == QUEUE_MAX || len > DGRAM_MAX)
		return;
	d = &q->d[(q->head + q->n++) % QUEUE_MAX];
	d->ch = ch;
	d->len = len;
	memcpy(d->buf, buf, len);
}

static inline struct dgram *dq_pop(struct dqueue *q)
{
	struct dgram *d;

	if (!q->n)
		return NULL;
	d = &q->d[q->head];
	q->head = (q->head + 1) % QUEUE_MAX;
	q->n--;
	return d;
}

struct resp {
	/* knobs */
	const char *psk;
	int natt;                     /* 0: no NAT-T VID, 1: draft-02, 2: RFC 3947 */
	bool fake_nat;                /* say the initiator is behind NAT */
	bool dpd_vid;
	uint16_t only_group;          /* accept only this phase-1 group (0: any) */
	uint8_t only_enc;             /* ... this phase-1 cipher (0: any) */
	uint16_t mm_error;            /* answer Main Mode 1 with this notify */
	bool softether_refusal;       /* ... the SoftEther way: a header cookie of its
				       * own, ours only in the Notify's SPI */
	uint16_t qm_error;            /* answer Quick Mode 1 with this notify */
	bool silent_mm5;              /* never answer Main Mode 5 */
	bool silent_qm1;              /* never answer Quick Mode 1 */
	bool bad_hash_r;
	bool notify_on_bad_mm5;       /* like strongSwan: encrypted PAYLOAD-MALFORMED */
	uint16_t mm5_clear_error;     /* like SoftEther: a cleartext notify to message 5 */
	unsigned drop_mm1;            /* drop the first n Main Mode 1 */
	bool drop_all;
	bool repeat_qm2;              /* answer Quick Mode 3 with Quick Mode 2 again */
	bool fourth_qm;               /* Windows: a 4th Quick Mode message */
	bool responder_lifetime;      /* RESPONDER-LIFETIME 1200 s in Quick Mode 2 */
	uint8_t id_type;              /* our phase-1 ID: 0 = ID_IPV4_ADDR 0.0.0.0 */
	uint32_t p1_life;             /* lifetime in Main Mode 2 (0: 28800 s) */
	uint32_t p2_life;             /* ... in Quick Mode 2 (0: 3600 s) */
	uint32_t p2_kb;               /* a kilobyte lifetime in Quick Mode 2 (0: none) */
	uint16_t gi_pfs;              /* its own Quick Mode with PFS in this group */
	/* RSA signatures (auth method 3): its certificate and key, the client's
	 * certificate to check SIG_I with (borrowed) */
	X509 *cert;
	EVP_PKEY *cert_key;
	uint16_t cert_reject;         /* answer Main Mode 5 with this notify */
	bool rsa_sig;                 /* choose RSA signatures even without cert (the fuzzer) */

	/* what it saw */
	unsigned n_mm1, n_mm3, n_mm5, n_qm1, n_qm3, n_keepalive, n_esp;
	unsigned n_del_esp, n_del_isakmp, n_dpd_req, n_dpd_ack, n_natoa, n_info;
	unsigned n_transforms_mm1, n_vid_mm1;
	uint16_t qm_encap;            /* encapsulation mode the initiator proposed */
	uint8_t natd_type, natoa_type;
	bool hash_i_ok, hash1_ok, hash3_ok, initial_contact;
	uint8_t esp_rx[2048];
	size_t esp_rx_len;
	uint16_t esp_rx_sport, esp_rx_dport;
	uint32_t del_esp_spi;
	uint32_t esp_rx_spi;          /* SA the last ESP packet arrived on */
	bool sig_i_ok;                /* the client's SIG_I verified with its CERT */
	unsigned n_cr, n_cert_i;      /* CR in Main Mode 3, CERT in Main Mode 5 */
	uint8_t id_i_type;            /* the client's phase-1 ID type */
	unsigned n_esp_old;           /* ESP packets that arrived on the replaced SA */
	bool gi_done, gi_hash2_ok;    /* its own Quick Mode (resp_start_qm) finished */

	/* state */
	struct in_addr ip, peer;
	uint8_t icookie[8], rcookie[8];
	struct ike_p1_prop sel;
	const char *md, *cipher;
	size_t block;
	uint8_t *sai_b;
	size_t sai_len;
	struct ike_dh *dh;
	uint8_t gxi[IKE_DH_MAX], ni[256], nr[32];
	size_t gx_len, ni_len;
	struct ike_p1_keys keys;
	uint8_t iv[IKE_BLOCK_MAX];
	bool floated, keyed;
	uint32_t qm_msgid;
	uint8_t qm_iv[IKE_BLOCK_MAX], qm_ni[256], qm_nr[32];
	size_t qm_ni_len;
	uint32_t spi_i, spi_r;
	struct ike_p2_prop p2sel;
	struct esp_sa *esp_in, *esp_out;
	struct esp_sa *old_esp_in, *old_esp_out;   /* kept across a rekey */
	/* the ISAKMP SA a new Main Mode replaced, for its Delete */
	bool old_valid;
	uint8_t old_icookie[8], old_rcookie[8], old_iv[IKE_BLOCK_MAX];
	struct ike_p1_keys old_keys;
	/* its own Quick Mode as initiator */
	uint32_t gi_msgid, gi_spi;
	unsigned n_gi;
	uint8_t gi_iv[IKE_BLOCK_MAX], gi_ni[32];
	struct ike_dh *gi_dh;
	uint8_t last_qm2[DGRAM_MAX];
	size_t last_qm2_len;
	struct dqueue *to_init;
};

static inline void resp_free(struct resp *r)
{
	free(r->sai_b);
	ike_dh_free(r->dh);
	esp_sa_free(r->esp_in);
	esp_sa_free(r->esp_out);
	esp_sa_free(r->old_esp_in);
	esp_sa_free(r->old_esp_out);
	ike_dh_free(r->gi_dh);
	r->gi_dh = NULL;
	r->sai_b = NULL;
	r->dh = NULL;
	r->esp_in = r->esp_out = r->old_esp_in = r->old_esp_out = NULL;
}

static inline void resp_send(struct resp *r, const uint8_t *msg, size_t len)
{
	uint8_t buf[DGRAM_MAX];

	if (r->floated) {
		memset(buf, 0, 4);
		memcpy(buf + 4, msg, len);
		dq_push(r->to_init, IPSEC_CH_NATT, buf, len + 4);
	} else {
		dq_push(r->to_init, IPSEC_CH_IKE, msg, len);
	}
}

static inline void resp_hdr(struct resp *r, struct isakmp_hdr *h, uint8_t exch, uint32_t msgid,
			    bool enc)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, r->icookie, 8);
	memcpy(h->rcookie, r->rcookie, 8);
	h->version = ISAKMP_VERSION;
	h->exch = exch;
	h->msgid = msgid;
	h->flags = enc ? ISAKMP_FLAG_E : 0;
}

/* Pads, encrypts with *iv (updated) and fixes the length. */
static inline void resp_seal(struct resp *r, struct ike_buf *b, uint8_t *iv)
{
	size_t body = b->len - ISAKMP_HDR_LEN, pad = (r->block - body % r->block) % r->block;
	uint8_t *z = ikeb_reserve(b, pad);

	if (pad && z)
		memset(z, 0, pad);
	ikeb_msg_end(b);
	ike_cbc(r->cipher, r->keys.enc_key, r->keys.enc_key_len, iv, b->p + ISAKMP_HDR_LEN,
		b->len - ISAKMP_HDR_LEN, true);
}

/* Decrypts a received message into plain with *iv (updated). */
static inline size_t resp_open(struct resp *r, const uint8_t *msg, size_t len, uint8_t *iv,
			       uint8_t *plain)
{
	size_t blen = len - ISAKMP_HDR_LEN;

	if (len <= ISAKMP_HDR_LEN || blen % r->block)
		return 0;
	memcpy(plain, msg + ISAKMP_HDR_LEN, blen);
	if (ike_cbc(r->cipher, r->keys.enc_key, r->keys.enc_key_len, iv, plain, blen, false))
		return 0;
	return blen;
}

/* SoftEther 5.01 refusing Main Mode 1 (seen on the wire): INFORMATIONAL with
 * a random initiator cookie, no responder cookie, message ID != 0, and the
 * initiator's cookie (plus eight zeros) as the Notify's SPI. */
static inline void resp_refuse_softether(struct resp *r, uint16_t type)
{
	uint8_t mem[256], spi[16] = { 0 };
	struct isakmp_hdr h;
	struct ike_buf b;

	memcpy(spi, r->icookie, 8);
	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, "\x9f\x0d\xda\xa2\xb3\xa2\x5c\xcd", 8);
	h.version = ISAKMP_VERSION;
	h.exch = ISAKMP_EXCH_INFO;
	h.msgid = 0x21a0d9b7;
	ikeb_init(&b, mem, sizeof(mem));
	ikeb_msg_begin(&b, &h);
	ikeb_pl_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, type, NULL, 0);
	ikeb_msg_end(&b);
	resp_send(r, b.p, b.len);
}

static inline void resp_info(struct resp *r, uint8_t proto, uint16_t type, const void *data,
			     size_t dlen, bool enc)
{
	uint8_t mem[1024], iv[IKE_BLOCK_MAX], cookies[16];
	struct isakmp_hdr h;
	struct ike_buf b;
	uint32_t msgid = 0x1e2d3c4b;
	size_t hoff = 0;

	memcpy(cookies, r->icookie, 8);
	memcpy(cookies + 8, r->rcookie, 8);
	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &h, ISAKMP_EXCH_INFO, enc ? msgid : 0, enc);
	ikeb_msg_begin(&b, &h);
	if (enc) {
		hoff = ikeb_pl_begin(&b, ISAKMP_PL_HASH);
		ikeb_reserve(&b, r->keys.hlen);
		ikeb_pl_end(&b, hoff);
	}
	if (proto == ISAKMP_PROTO_ISAKMP && type >= ISAKMP_N_DPD_R_U_THERE)
		ikeb_pl_notify(&b, proto, cookies, 16, type, data, dlen);
	else
		ikeb_pl_notify(&b, proto, NULL, 0, type, data, dlen);
	if (enc) {
		size_t start = hoff + 4 + r->keys.hlen;

		ike_hash_qm1(r->md, &r->keys, msgid, b.p + start, b.len - start, b.p + hoff + 4);
		ike_iv_phase2(r->md, r->iv, msgid, iv, r->block);
		resp_seal(r, &b, iv);
	} else {
		ikeb_msg_end(&b);
	}
	resp_send(r, b.p, b.len);
}

static inline void resp_delete(struct resp *r, uint8_t proto, const void *spi, uint8_t spi_size)
{
	uint8_t mem[512], iv[IKE_BLOCK_MAX];
	struct isakmp_hdr h;
	struct ike_buf b;
	uint32_t msgid = 0x55aa55aa;
	size_t hoff, start;

	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &h, ISAKMP_EXCH_INFO, msgid, true);
	ikeb_msg_begin(&b, &h);
	hoff = ikeb_pl_begin(&b, ISAKMP_PL_HASH);
	ikeb_reserve(&b, r->keys.hlen);
	ikeb_pl_end(&b, hoff);
	ikeb_pl_delete(&b, proto, spi_size, spi, 1);
	start = hoff + 4 + r->keys.hlen;
	ike_hash_qm1(r->md, &r->keys, msgid, b.p + start, b.len - start, b.p + hoff + 4);
	ike_iv_phase2(r->md, r->iv, msgid, iv, r->block);
	resp_seal(r, &b, iv);
	resp_send(r, b.p, b.len);
}

static inline int resp_pick_p1(struct resp *r, const struct ike_sa_payload *sa)
{
	unsigned i;

	for (i = 0; i < sa->n_trans; i++) {
		const struct ike_transform *t = &sa->trans[i];

		if (r->only_group && ike_tr_get(t, IKE_A_GROUP, 0) != r->only_group)
			continue;
		if (r->only_enc && ike_tr_get(t, IKE_A_ENC, 0) != r->only_enc)
			continue;
		r->sel.enc = (uint8_t)ike_tr_get(t, IKE_A_ENC, 0);
		r->sel.key_bits = (uint16_t)ike_tr_get(t, IKE_A_KEY_LENGTH, 0);
		r->sel.hash = (uint8_t)ike_tr_get(t, IKE_A_HASH, 0);
		r->sel.group = (uint16_t)ike_tr_get(t, IKE_A_GROUP, 0);
		r->sel.auth = (uint8_t)ike_tr_get(t, IKE_A_AUTH, 0);
		if ((r->sel.auth == IKE_AUTH_RSA_SIG) != (r->cert || r->rsa_sig))
			continue;
		return (int)i;
	}
	return -1;
}

static inline void resp_mm1(struct resp *r, const struct isakmp_hdr *h,
			    const struct ike_payloads *ps)
{
	const struct ike_pl *sapl = ike_payloads_find(ps, ISAKMP_PL_SA, 0);
	struct ike_sa_payload *sa = calloc(1, sizeof(*sa));
	uint8_t mem[1024];
	struct isakmp_hdr rh;
	struct ike_buf b;

	r->n_mm1++;
	if (r->drop_mm1) {
		r->drop_mm1--;
		goto out;
	}
	if (r->keyed) {
		/* a new Main Mode (rekey): keep the old SA's keys for its Delete */
		r->old_valid = true;
		memcpy(r->old_icookie, r->icookie, 8);
		memcpy(r->old_rcookie, r->rcookie, 8);
		memcpy(r->old_iv, r->iv, sizeof(r->iv));
		r->old_keys = r->keys;
		r->keyed = false;
	}
	memcpy(r->icookie, h->icookie, 8);
	memcpy(r->rcookie, "RESPONDR", 8);
	r->rcookie[7] = (uint8_t)('0' + r->n_mm1);
	r->n_vid_mm1 = ike_payloads_count(ps, ISAKMP_PL_VID);
	if (!sapl || ike_sa_parse(sapl->body, sapl->len, sa))
		goto out;
	r->n_transforms_mm1 = sa->n_trans;
	if (r->mm_error || resp_pick_p1(r, sa) < 0) {
		uint16_t type = r->mm_error ? r->mm_error : ISAKMP_N_NO_PROPOSAL_CHOSEN;

		if (r->softether_refusal)
			resp_refuse_softether(r, type);
		else
			resp_info(r, ISAKMP_PROTO_ISAKMP, type, NULL, 0, false);
		goto out;
	}
	free(r->sai_b);
	r->sai_len = sapl->len;
	r->sai_b = malloc(sapl->len);
	memcpy(r->sai_b, sapl->body, sapl->len);
	r->md = ike_p1_md(&r->sel);
	r->cipher = ike_p1_cipher(&r->sel);
	r->block = ike_cipher_block(r->cipher);

	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &rh, ISAKMP_EXCH_ID_PROT, 0, false);
	ikeb_msg_begin(&b, &rh);
	ike_build_p1_sa(&b, &r->sel, 1, r->p1_life ? r->p1_life : 28800);
	if (r->natt == 2)
		ikeb_pl_data(&b, ISAKMP_PL_VID, ike_vid_rfc3947, 16);
	if (r->natt == 1)
		ikeb_pl_data(&b, ISAKMP_PL_VID, ike_vid_draft02n, 16);
	if (r->dpd_vid)
		ikeb_pl_data(&b, ISAKMP_PL_VID, ike_vid_dpd, 16);
	ikeb_pl_data(&b, ISAKMP_PL_VID, ike_vid_ms_nt5, 16);     /* unknown length 16: ignored */
	ikeb_msg_end(&b);
	resp_send(r, b.p, b.len);
out:
	free(sa);
}

static inline void resp_mm3(struct resp *r, const struct ike_payloads *ps)
{
	const struct ike_pl *ke = ike_payloads_find(ps, ISAKMP_PL_KE, 0);
	const struct ike_pl *no = ike_payloads_find(ps, ISAKMP_PL_NONCE, 0);
	const struct ike_dh_group *g = ike_dh_group(r->sel.group);
	uint8_t mem[2048], gxy[IKE_DH_MAX], h1[IKE_HASH_MAX];
	uint8_t natd = r->natt == 2 ? ISAKMP_PL_NATD : ISAKMP_PL_NATD_DRAFT;
	struct isakmp_hdr rh;
	struct ike_buf b;
	unsigned i;

	r->n_mm3++;
	if (!ke || !no || !g || ke->len != g->pub_len)
		return;
	for (i = 0; i < ps->n; i++)
		if (ps->pl[i].type == ISAKMP_PL_NATD || ps->pl[i].type == ISAKMP_PL_NATD_DRAFT)
			r->natd_type = ps->pl[i].type;
	ike_dh_free(r->dh);
	r->dh = ike_dh_new(g->id);
	memcpy(r->gxi, ke->body, ke->len);
	r->gx_len = ke->len;
	memcpy(r->ni, no->body, no->len);
	r->ni_len = no->len;
	memset(r->nr, 0x4e, sizeof(r->nr));
	ike_dh_derive(r->dh, r->gxi, r->gx_len, gxy);
	r->n_cr = ike_payloads_count(ps, ISAKMP_PL_CR);
	if (r->cert || r->rsa_sig)
		ike_skeyid_sig(r->md, r->ni, r->ni_len, r->nr, sizeof(r->nr), gxy, g->secret_len,
			       &r->keys);
	else
		ike_skeyid_psk(r->md, r->psk, strlen(r->psk), r->ni, r->ni_len, r->nr,
			       sizeof(r->nr), &r->keys);
	ike_p1_derive(r->md, gxy, g->secret_len, r->icookie, r->rcookie, ike_p1_key_len(&r->sel),
		      &r->keys);
	ike_iv_phase1(r->md, r->gxi, r->gx_len, ike_dh_public(r->dh), g->pub_len, r->iv, r->block);
	r->keyed = true;

	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &rh, ISAKMP_EXCH_ID_PROT, 0, false);
	ikeb_msg_begin(&b, &rh);
	ikeb_pl_data(&b, ISAKMP_PL_KE, ike_dh_public(r->dh), g->pub_len);
	ikeb_pl_data(&b, ISAKMP_PL_NONCE, r->nr, sizeof(r->nr));
	if (r->natt) {
		/* how we see the initiator, then ourselves */
		if (r->fake_nat)
			memset(h1, 0x77, sizeof(h1));
		else
			ike_natd_hash(r->md, r->icookie, r->rcookie, (uint8_t *)&r->peer.s_addr, 4,
				      500,
				      h1);
		ikeb_pl_data(&b, natd, h1, ike_md_len(r->md));
		ike_natd_hash(r->md, r->icookie, r->rcookie, (uint8_t *)&r->ip.s_addr, 4, 500, h1);
		ikeb_pl_data(&b, natd, h1, ike_md_len(r->md));
	}
	ikeb_msg_end(&b);
	resp_send(r, b.p, b.len);
}

/* RFC 2409 §5.1 signatures: PKCS#1 v1.5 over the bare hash. */
static inline int resp_rsa(EVP_PKEY *k, bool sign, const uint8_t *hash, size_t hlen,
			   uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
	uint8_t out[1024];
	size_t outlen = sizeof(out);
	int ok;

	if (sign)
		ok = c && EVP_PKEY_sign_init(c) > 0 &&
		     EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 &&
		     EVP_PKEY_sign(c, sig, siglen, hash, hlen) > 0;
	else
		ok = c && EVP_PKEY_verify_recover_init(c) > 0 &&
		     EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 &&
		     EVP_PKEY_verify_recover(c, out, &outlen, sig, *siglen) > 0 &&
		     outlen == hlen && !memcmp(out, hash, hlen);
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : -1;
}

/* Main Mode 5/6 with certificates: ID, CERT, SIG both ways. */
static inline void resp_mm5_sig(struct resp *r, const struct ike_payloads *ps)
{
	const struct ike_dh_group *g = ike_dh_group(r->sel.group);
	const struct ike_pl *idp = ike_payloads_find(ps, ISAKMP_PL_ID, 0);
	const struct ike_pl *sp = ike_payloads_find(ps, ISAKMP_PL_SIG, 0);
	const struct ike_pl *cp = ike_payloads_find(ps, ISAKMP_PL_CERT, 0);
	uint8_t want[IKE_HASH_MAX], mem[4096], sig[1024], *der = NULL, *dn = NULL, cert[2048];
	struct isakmp_hdr rh;
	struct ike_buf b;
	size_t siglen;
	X509 *xi = NULL;
	int der_len, dn_len;

	r->n_cert_i = ike_payloads_count(ps, ISAKMP_PL_CERT);
	if (!idp || !sp || !cp || cp->len < 2 || cp->body[0] != IKE_CERT_X509_SIG)
		return;
	r->id_i_type = idp->body[0];
	{
		const uint8_t *p = cp->body + 1;

		xi = d2i_X509(NULL, &p, (long)(cp->len - 1));
	}
	ike_hash_auth(r->md, &r->keys, r->gxi, r->gx_len, ike_dh_public(r->dh), g->pub_len,
		      r->icookie, r->rcookie, r->sai_b, r->sai_len, idp->body, idp->len, want);
	siglen = sp->len;
	r->sig_i_ok = xi && resp_rsa(X509_get0_pubkey(xi), false, want, r->keys.hlen,
				     (uint8_t *)sp->body, &siglen) == 0;
	X509_free(xi);
	if (r->cert_reject || !r->sig_i_ok) {
		resp_info(r, ISAKMP_PROTO_ISAKMP,
			  r->cert_reject ? r->cert_reject : ISAKMP_N_AUTHENTICATION_FAILED, NULL,
			  0, true);
		return;
	}
	dn_len = i2d_X509_NAME(X509_get_subject_name(r->cert), &dn);
	der_len = i2d_X509(r->cert, &der);
	if (dn_len <= 0 || der_len <= 0 || (size_t)der_len >= sizeof(cert))
		goto out;
	/* IDir_b: type DN, protocol and port 0, the DER subject */
	{
		uint8_t idb[4 + 1024];

		idb[0] = IKE_ID_DER_ASN1_DN;
		idb[1] = idb[2] = idb[3] = 0;
		memcpy(idb + 4, dn, (size_t)dn_len);
		ike_hash_auth(r->md, &r->keys, ike_dh_public(r->dh), g->pub_len, r->gxi, r->gx_len,
			      r->rcookie, r->icookie, r->sai_b, r->sai_len, idb,
			      4 + (size_t)dn_len, want);
	}
	siglen = sizeof(sig);
	if (resp_rsa(r->cert_key, true, want, r->keys.hlen, sig, &siglen))
		goto out;
	if (r->bad_hash_r)
		sig[10] ^= 1;
	cert[0] = IKE_CERT_X509_SIG;
	memcpy(cert + 1, der, (size_t)der_len);
	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &rh, ISAKMP_EXCH_ID_PROT, 0, true);
	ikeb_msg_begin(&b, &rh);
	ikeb_pl_id(&b, IKE_ID_DER_ASN1_DN, 0, 0, dn, (size_t)dn_len);
	ikeb_pl_data(&b, ISAKMP_PL_CERT, cert, 1 + (size_t)der_len);
	ikeb_pl_data(&b, ISAKMP_PL_SIG, sig, siglen);
	resp_seal(r, &b, r->iv);
	resp_send(r, b.p, b.len);
out:
	OPENSSL_free(dn);
	OPENSSL_free(der);
}

static inline void resp_mm5(struct resp *r, const uint8_t *msg, size_t len)
{
	const struct ike_dh_group *g = ike_dh_group(r->sel.group);
	uint8_t plain[DGRAM_MAX], mem[1024], want[IKE_HASH_MAX], id[8] = { 1, 0, 0, 0 };
	struct isakmp_hdr h, rh;
	struct ike_payloads ps;
	const struct ike_pl *idp, *hp, *np;
	struct ike_buf b;
	size_t blen;

	r->n_mm5++;
	if (r->silent_mm5)
		return;
	if (r->mm5_clear_error) {
		resp_info(r, ISAKMP_PROTO_ISAKMP, r->mm5_clear_error, NULL, 0, false);
		return;
	}
	isakmp_hdr_parse(msg, len, &h);
	blen = resp_open(r, msg, h.len, r->iv, plain);
	if (!blen || ike_payloads_parse(h.next, plain, blen, &ps)) {
		if (r->notify_on_bad_mm5)
			resp_info(r, ISAKMP_PROTO_ISAKMP, ISAKMP_N_PAYLOAD_MALFORMED, NULL, 0,
				  true);
		return;
	}
	idp = ike_payloads_find(&ps, ISAKMP_PL_ID, 0);
	hp = ike_payloads_find(&ps, ISAKMP_PL_HASH, 0);
	if (r->cert) {
		resp_mm5_sig(r, &ps);
		return;
	}
	np = ike_payloads_find(&ps, ISAKMP_PL_N, 0);
	if (!idp || !hp) {
		if (r->notify_on_bad_mm5)
			resp_info(r, ISAKMP_PROTO_ISAKMP, ISAKMP_N_PAYLOAD_MALFORMED, NULL, 0,
				  true);
		return;
	}
	r->initial_contact = false;
	if (np) {
		struct ike_notify n;
		r->initial_contact = !ike_notify_parse(np->body, np->len, &n) &&
				     n.type == ISAKMP_N_INITIAL_CONTACT;
	}
	ike_hash_auth(r->md, &r->keys, r->gxi, r->gx_len, ike_dh_public(r->dh), g->pub_len,
		      r->icookie, r->rcookie, r->sai_b, r->sai_len, idp->body, idp->len, want);
	r->hash_i_ok = hp->len == r->keys.hlen && !memcmp(want, hp->body, hp->len);
	if (!r->hash_i_ok) {
		resp_info(r, ISAKMP_PROTO_ISAKMP, ISAKMP_N_INVALID_HASH_INFORMATION, NULL, 0, true);
		return;
	}
	/* SoftEther's identity: ID_IPV4_ADDR 0.0.0.0 */
	if (r->id_type)
		id[0] = r->id_type;
	ike_hash_auth(r->md, &r->keys, ike_dh_public(r->dh), g->pub_len, r->gxi, r->gx_len,
		      r->rcookie, r->icookie, r->sai_b, r->sai_len, id, sizeof(id), want);
	if (r->bad_hash_r)
		want[0] ^= 1;
	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &rh, ISAKMP_EXCH_ID_PROT, 0, true);
	ikeb_msg_begin(&b, &rh);
	ikeb_pl_id(&b, id[0], 0, 0, id + 4, 4);
	ikeb_pl_data(&b, ISAKMP_PL_HASH, want, r->keys.hlen);
	resp_seal(r, &b, r->iv);
	resp_send(r, b.p, b.len);
}

static inline int resp_pick_p2(struct resp *r, const struct ike_sa_payload *sa)
{
	const struct ike_transform *t;

	if (sa->n_prop < 1 || sa->prop[0].count < 1)
		return -1;
	t = &sa->trans[sa->prop[0].first];
	r->spi_i = load_be32(sa->prop[0].spi);
	r->qm_encap = (uint16_t)ike_tr_get(t, IPSEC_A_ENCAP, 0);
	r->p2sel.esp_id = t->id;
	r->p2sel.key_bits = (uint16_t)ike_tr_get(t, IPSEC_A_KEY_LENGTH, 0);
	r->p2sel.auth = (uint16_t)ike_tr_get(t, IPSEC_A_AUTH, 0);
	r->p2sel.pfs_group = (uint16_t)ike_tr_get(t, IPSEC_A_GROUP, 0);
	return 0;
}

static inline void resp_qm1(struct resp *r, const struct isakmp_hdr *h, const uint8_t *msg)
{
	uint8_t plain[DGRAM_MAX], mem[2048], want[IKE_HASH_MAX], gqm[IKE_DH_MAX], spi[4];
	uint8_t km[ESP_KEYMAT_MAX];
	struct ike_payloads ps;
	const struct ike_pl *hp, *sapl, *no, *ke, *ci, *cr;
	struct ike_sa_payload *sa = calloc(1, sizeof(*sa));
	struct ike_dh *qdh = NULL;
	struct isakmp_hdr rh;
	struct esp_alg alg;
	struct ike_buf b;
	size_t blen, start, hoff, gqm_len = 0, kml;
	unsigned i;

	r->n_qm1++;
	if (r->silent_qm1)
		goto out;
	r->qm_msgid = h->msgid;
	ike_iv_phase2(r->md, r->iv, h->msgid, r->qm_iv, r->block);
	blen = resp_open(r, msg, h->len, r->qm_iv, plain);
	if (!blen || ike_payloads_parse(h->next, plain, blen,
					&ps) || ps.pl[0].type != ISAKMP_PL_HASH)
		goto out;
	hp = &ps.pl[0];
	start = (size_t)(hp->body + hp->len - plain);
	ike_hash_qm1(r->md, &r->keys, h->msgid, plain + start, ps.used - start, want);
	r->hash1_ok = !memcmp(want, hp->body, r->keys.hlen);
	sapl = ike_payloads_find(&ps, ISAKMP_PL_SA, 0);
	no = ike_payloads_find(&ps, ISAKMP_PL_NONCE, 0);
	ke = ike_payloads_find(&ps, ISAKMP_PL_KE, 0);
	ci = ike_payloads_find(&ps, ISAKMP_PL_ID, 0);
	cr = ike_payloads_find(&ps, ISAKMP_PL_ID, 1);
	r->n_natoa = 0;
	for (i = 0; i < ps.n; i++)
		if (ps.pl[i].type == ISAKMP_PL_NATOA || ps.pl[i].type == ISAKMP_PL_NATOA_DRAFT) {
			r->n_natoa++;
			r->natoa_type = ps.pl[i].type;
		}
	if (!sapl || !no || ike_sa_parse(sapl->body, sapl->len, sa) || resp_pick_p2(r, sa))
		goto out;
	if (r->qm_error) {
		resp_info(r, ISAKMP_PROTO_ESP, r->qm_error, NULL, 0, true);
		goto out;
	}
	memcpy(r->qm_ni, no->body, no->len);
	r->qm_ni_len = no->len;
	memset(r->qm_nr, 0x6e, sizeof(r->qm_nr));
	r->spi_r = 0xc0c0c0c0 + r->n_qm1;
	if (r->p2sel.pfs_group) {
		qdh = ike_dh_new(r->p2sel.pfs_group);
		if (!ke || ike_dh_derive(qdh, ke->body, ke->len, gqm))
			goto out;
		gqm_len = ike_dh_group(r->p2sel.pfs_group)->secret_len;
	}

	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &rh, ISAKMP_EXCH_QUICK, h->msgid, true);
	ikeb_msg_begin(&b, &rh);
	hoff = ikeb_pl_begin(&b, ISAKMP_PL_HASH);
	ikeb_reserve(&b, r->keys.hlen);
	ikeb_pl_end(&b, hoff);
	{
		size_t s0 = ikeb_sa_begin(&b), p, t;

		store_be32(spi, r->spi_r);
		p = ikeb_prop_begin(&b, 1, ISAKMP_PROTO_ESP, spi, 4, 1, true);
		t = ikeb_tr_begin(&b, 1, r->p2sel.esp_id, true);
		ikeb_attr(&b, IPSEC_A_LIFE_TYPE, IKE_LIFE_SECONDS);
		ikeb_attr_tlv32(&b, IPSEC_A_LIFE_DURATION, r->p2_life ? r->p2_life : 3600);
		if (r->p2_kb) {
			ikeb_attr(&b, IPSEC_A_LIFE_TYPE, IKE_LIFE_KB);
			ikeb_attr_tlv32(&b, IPSEC_A_LIFE_DURATION, r->p2_kb);
		}
		ikeb_attr(&b, IPSEC_A_ENCAP, r->qm_encap);
		if (r->p2sel.auth)
			ikeb_attr(&b, IPSEC_A_AUTH, r->p2sel.auth);
		if (r->p2sel.key_bits)
			ikeb_attr(&b, IPSEC_A_KEY_LENGTH, r->p2sel.key_bits);
		if (r->p2sel.pfs_group)
			ikeb_attr(&b, IPSEC_A_GROUP, r->p2sel.pfs_group);
		ikeb_tr_end(&b, t);
		ikeb_prop_end(&b, p);
		ikeb_sa_end(&b, s0);
	}
	ikeb_pl_data(&b, ISAKMP_PL_NONCE, r->qm_nr, sizeof(r->qm_nr));
	if (qdh)
		ikeb_pl_data(&b, ISAKMP_PL_KE, ike_dh_public(qdh),
			     ike_dh_get_group(qdh)->pub_len);
	if (ci && cr) {
		ikeb_pl_data(&b, ISAKMP_PL_ID, ci->body, ci->len);
		ikeb_pl_data(&b, ISAKMP_PL_ID, cr->body, cr->len);
	}
	if (r->responder_lifetime) {
		static const uint8_t life[] = { 0x80, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x04,
						0x00, 0x00, 0x04, 0xb0 };
		ikeb_pl_notify(&b, ISAKMP_PROTO_ESP, spi, 4, ISAKMP_N_RESPONDER_LIFETIME, life,
			       sizeof(life));
	}
	start = hoff + 4 + r->keys.hlen;
	ike_hash_qm2(r->md, &r->keys, h->msgid, r->qm_ni, r->qm_ni_len, b.p + start,
		     b.len - start, b.p + hoff + 4);
	resp_seal(r, &b, r->qm_iv);
	memcpy(r->last_qm2, b.p, b.len);
	r->last_qm2_len = b.len;
	resp_send(r, b.p, b.len);

	/* keys: the initiator's inbound SA (spi_i) is our outbound */
	ike_p2_esp_alg(&r->p2sel, &alg);
	kml = esp_keymat_len(&alg);
	/* a rekey: the replaced pair keeps working until deleted */
	esp_sa_free(r->old_esp_in);
	esp_sa_free(r->old_esp_out);
	r->old_esp_in = r->esp_in;
	r->old_esp_out = r->esp_out;
	ike_keymat(r->md, &r->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, r->spi_r, r->qm_ni,
		   r->qm_ni_len, r->qm_nr, sizeof(r->qm_nr), km, kml);
	r->esp_in = esp_sa_new(&alg, r->spi_r, km, kml, false);
	ike_keymat(r->md, &r->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, r->spi_i, r->qm_ni,
		   r->qm_ni_len, r->qm_nr, sizeof(r->qm_nr), km, kml);
	r->esp_out = esp_sa_new(&alg, r->spi_i, km, kml, true);
out:
	ike_dh_free(qdh);
	free(sa);
}

static inline void resp_qm3(struct resp *r, const struct isakmp_hdr *h, const uint8_t *msg)
{
	uint8_t plain[DGRAM_MAX], want[IKE_HASH_MAX];
	struct ike_payloads ps;
	size_t blen;

	r->n_qm3++;
	blen = resp_open(r, msg, h->len, r->qm_iv, plain);
	if (!blen || ike_payloads_parse(h->next, plain, blen,
					&ps) || ps.pl[0].type != ISAKMP_PL_HASH)
		return;
	ike_hash_qm3(r->md, &r->keys, h->msgid, r->qm_ni, r->qm_ni_len, r->qm_nr, sizeof(r->qm_nr),
		     want);
	r->hash3_ok = !memcmp(want, ps.pl[0].body, r->keys.hlen);
	if (r->repeat_qm2 && r->n_qm3 == 1)
		resp_send(r, r->last_qm2, r->last_qm2_len);
	if (r->fourth_qm && r->n_qm3 == 1) {
		/* HASH + N(INITIAL-CONTACT) under the same message ID */
		uint8_t mem[512], cookies[16];
		struct isakmp_hdr rh;
		struct ike_buf b;
		size_t hoff, start;

		memcpy(cookies, r->icookie, 8);
		memcpy(cookies + 8, r->rcookie, 8);
		ikeb_init(&b, mem, sizeof(mem));
		resp_hdr(r, &rh, ISAKMP_EXCH_QUICK, h->msgid, true);
		ikeb_msg_begin(&b, &rh);
		hoff = ikeb_pl_begin(&b, ISAKMP_PL_HASH);
		ikeb_reserve(&b, r->keys.hlen);
		ikeb_pl_end(&b, hoff);
		ikeb_pl_notify(&b, ISAKMP_PROTO_ISAKMP, cookies, 16, ISAKMP_N_INITIAL_CONTACT, NULL,
			       0);
		start = hoff + 4 + r->keys.hlen;
		ike_hash_qm1(r->md, &r->keys, h->msgid, b.p + start, b.len - start, b.p + hoff + 4);
		resp_seal(r, &b, r->qm_iv);
		resp_send(r, b.p, b.len);
	}
}

static inline void resp_info_in(struct resp *r, const struct isakmp_hdr *h, const uint8_t *msg)
{
	uint8_t plain[DGRAM_MAX], iv[IKE_BLOCK_MAX], want[IKE_HASH_MAX];
	struct ike_payloads ps;
	size_t blen, start;
	unsigned i;

	r->n_info++;
	ike_iv_phase2(r->md, r->iv, h->msgid, iv, r->block);
	blen = resp_open(r, msg, h->len, iv, plain);
	if (!blen || ike_payloads_parse(h->next, plain, blen,
					&ps) || ps.pl[0].type != ISAKMP_PL_HASH)
		return;
	start = (size_t)(ps.pl[0].body + ps.pl[0].len - plain);
	ike_hash_qm1(r->md, &r->keys, h->msgid, plain + start, ps.used - start, want);
	if (memcmp(want, ps.pl[0].body, r->keys.hlen))
		return;
	for (i = 1; i < ps.n; i++) {
		if (ps.pl[i].type == ISAKMP_PL_D) {
			struct ike_delete d;
			if (ike_delete_parse(ps.pl[i].body, ps.pl[i].len, &d))
				continue;
			if (d.proto == ISAKMP_PROTO_ESP) {
				r->n_del_esp++;
				r->del_esp_spi = load_be32(d.spis);
				if (r->old_esp_out &&
				    esp_sa_spi(r->old_esp_out) == r->del_esp_spi) {
					esp_sa_free(r->old_esp_in);
					esp_sa_free(r->old_esp_out);
					r->old_esp_in = r->old_esp_out = NULL;
				}
			} else if (d.proto == ISAKMP_PROTO_ISAKMP && d.spi_size == 16 &&
				   !memcmp(d.spis, r->icookie, 8)) {
				r->n_del_isakmp++;
			}
		} else if (ps.pl[i].type == ISAKMP_PL_N) {
			struct ike_notify n;
			if (ike_notify_parse(ps.pl[i].body, ps.pl[i].len, &n))
				continue;
			if (n.type == ISAKMP_N_DPD_R_U_THERE && n.data_len == 4) {
				r->n_dpd_req++;
				if (!r->drop_all)
					resp_info(r, ISAKMP_PROTO_ISAKMP,
						  ISAKMP_N_DPD_R_U_THERE_ACK,
						  n.data, 4, true);
			} else if (n.type == ISAKMP_N_DPD_R_U_THERE_ACK) {
				r->n_dpd_ack++;
			}
		}
	}
}

static inline void resp_esp(struct resp *r, const uint8_t *buf, size_t len)
{
	struct pkt *p = pkt_from(buf, len);
	uint8_t nh;

	r->n_esp++;
	if (!p)
		return;
	r->esp_rx_spi = len >= 4 ? load_be32(buf) : 0;
	if (r->old_esp_in && esp_sa_spi(r->old_esp_in) == r->esp_rx_spi) {
		r->n_esp_old++;
		if (esp_decap(r->old_esp_in, p, &nh) == 0 && nh == ESP_NEXT_UDP &&
		    esp_udp_pull(p, &r->esp_rx_sport, &r->esp_rx_dport) == 0) {
			r->esp_rx_len = MIN(p->len, sizeof(r->esp_rx));
			memcpy(r->esp_rx, p->data, r->esp_rx_len);
		}
	} else if (r->esp_in && esp_decap(r->esp_in, p, &nh) == 0 && nh == ESP_NEXT_UDP &&
	    esp_udp_pull(p, &r->esp_rx_sport, &r->esp_rx_dport) == 0) {
		r->esp_rx_len = MIN(p->len, sizeof(r->esp_rx));
		memcpy(r->esp_rx, p->data, r->esp_rx_len);
	}
	pkt_free(p);
}

/* An ESP packet from the responder: UDP 1701 -> 1701 around data. */
static inline void resp_send_esp_sa(struct resp *r, struct esp_sa *sa, const uint8_t *data,
				    size_t len, bool udp)
{
	struct pkt *p = pkt_from(data, len);

	if (!p || !sa) {
		pkt_free(p);
		return;
	}
	esp_udp_push(p, r->ip, 1701, r->peer, 1701);
	if (esp_encap(sa, p, ESP_NEXT_UDP) == 0)
		dq_push(r->to_init, udp ? IPSEC_CH_NATT : IPSEC_CH_ESP, p->data, p->len);
	pkt_free(p);
}

static inline void resp_send_esp(struct resp *r, const uint8_t *data, size_t len, bool udp)
{
	struct pkt *p = pkt_from(data, len);

	if (!p)
		return;
	esp_udp_push(p, r->ip, 1701, r->peer, 1701);
	if (esp_encap(r->esp_out, p, ESP_NEXT_UDP) == 0)
		dq_push(r->to_init, udp ? IPSEC_CH_NATT : IPSEC_CH_ESP, p->data, p->len);
	pkt_free(p);
}

/* Swaps the current ISAKMP SA with the one a rekey replaced. */
static inline void resp_old_swap(struct resp *r)
{
	uint8_t c[8], iv[IKE_BLOCK_MAX];
	struct ike_p1_keys k;

	memcpy(c, r->icookie, 8);
	memcpy(r->icookie, r->old_icookie, 8);
	memcpy(r->old_icookie, c, 8);
	memcpy(c, r->rcookie, 8);
	memcpy(r->rcookie, r->old_rcookie, 8);
	memcpy(r->old_rcookie, c, 8);
	memcpy(iv, r->iv, sizeof(iv));
	memcpy(r->iv, r->old_iv, sizeof(iv));
	memcpy(r->old_iv, iv, sizeof(iv));
	k = r->keys;
	r->keys = r->old_keys;
	r->old_keys = k;
}

/* The gateway rekeying the IPsec SA itself (Windows RRAS, strongSwan with
 * rekey=yes): its Quick Mode 1 under the current ISAKMP SA, the same
 * transform as before. */
static inline void resp_start_qm(struct resp *r)
{
	uint8_t mem[2048], spi[4];
	struct isakmp_hdr h;
	struct ike_buf b;
	size_t hoff, start, s0, p, t;

	r->n_gi++;
	r->gi_msgid = 0x7a7a0000 + r->n_gi;
	r->gi_spi = 0xd0d0d0d0 + r->n_gi;
	r->gi_done = r->gi_hash2_ok = false;
	memset(r->gi_ni, 0x67, sizeof(r->gi_ni));
	ike_iv_phase2(r->md, r->iv, r->gi_msgid, r->gi_iv, r->block);
	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &h, ISAKMP_EXCH_QUICK, r->gi_msgid, true);
	ikeb_msg_begin(&b, &h);
	hoff = ikeb_pl_begin(&b, ISAKMP_PL_HASH);
	ikeb_reserve(&b, r->keys.hlen);
	ikeb_pl_end(&b, hoff);
	s0 = ikeb_sa_begin(&b);
	store_be32(spi, r->gi_spi);
	p = ikeb_prop_begin(&b, 1, ISAKMP_PROTO_ESP, spi, 4, 1, true);
	t = ikeb_tr_begin(&b, 1, r->p2sel.esp_id, true);
	ikeb_attr(&b, IPSEC_A_LIFE_TYPE, IKE_LIFE_SECONDS);
	ikeb_attr_tlv32(&b, IPSEC_A_LIFE_DURATION, r->p2_life ? r->p2_life : 3600);
	ikeb_attr(&b, IPSEC_A_ENCAP, r->qm_encap);
	if (r->p2sel.auth)
		ikeb_attr(&b, IPSEC_A_AUTH, r->p2sel.auth);
	if (r->p2sel.key_bits)
		ikeb_attr(&b, IPSEC_A_KEY_LENGTH, r->p2sel.key_bits);
	if (r->gi_pfs)
		ikeb_attr(&b, IPSEC_A_GROUP, r->gi_pfs);
	ikeb_tr_end(&b, t);
	ikeb_prop_end(&b, p);
	ikeb_sa_end(&b, s0);
	ikeb_pl_data(&b, ISAKMP_PL_NONCE, r->gi_ni, sizeof(r->gi_ni));
	ike_dh_free(r->gi_dh);
	r->gi_dh = NULL;
	if (r->gi_pfs) {
		r->gi_dh = ike_dh_new(r->gi_pfs);
		ikeb_pl_data(&b, ISAKMP_PL_KE, ike_dh_public(r->gi_dh),
			     ike_dh_get_group(r->gi_dh)->pub_len);
	}
	ikeb_pl_id(&b, IKE_ID_IPV4_ADDR, 17, 1701, &r->ip.s_addr, 4);
	ikeb_pl_id(&b, IKE_ID_IPV4_ADDR, 17, 1701, &r->peer.s_addr, 4);
	start = hoff + 4 + r->keys.hlen;
	ike_hash_qm1(r->md, &r->keys, r->gi_msgid, b.p + start, b.len - start, b.p + hoff + 4);
	resp_seal(r, &b, r->gi_iv);
	resp_send(r, b.p, b.len);
}

/* The initiator's answer to resp_start_qm(): check HASH(2), key, send HASH(3). */
static inline void resp_gi_qm2(struct resp *r, const struct isakmp_hdr *h, const uint8_t *msg)
{
	uint8_t plain[DGRAM_MAX], want[IKE_HASH_MAX], km[ESP_KEYMAT_MAX], mem[256];
	struct ike_payloads ps;
	struct ike_sa_payload *sa = calloc(1, sizeof(*sa));
	const struct ike_pl *sapl, *no, *ke;
	uint8_t gqm[IKE_DH_MAX];
	size_t gqm_len = 0;
	struct isakmp_hdr rh;
	struct esp_alg alg;
	struct ike_buf b;
	size_t blen, start, kml;
	uint32_t spi_peer;

	blen = resp_open(r, msg, h->len, r->gi_iv, plain);
	if (!sa || !blen || ike_payloads_parse(h->next, plain, blen, &ps) ||
	    ps.pl[0].type != ISAKMP_PL_HASH)
		goto out;
	start = (size_t)(ps.pl[0].body + ps.pl[0].len - plain);
	ike_hash_qm2(r->md, &r->keys, h->msgid, r->gi_ni, sizeof(r->gi_ni), plain + start,
		     ps.used - start, want);
	r->gi_hash2_ok = !memcmp(want, ps.pl[0].body, r->keys.hlen);
	sapl = ike_payloads_find(&ps, ISAKMP_PL_SA, 0);
	no = ike_payloads_find(&ps, ISAKMP_PL_NONCE, 0);
	ke = ike_payloads_find(&ps, ISAKMP_PL_KE, 0);
	if (r->gi_dh) {
		if (!ke || ike_dh_derive(r->gi_dh, ke->body, ke->len, gqm))
			goto out;
		gqm_len = ike_dh_get_group(r->gi_dh)->secret_len;
	}
	if (!r->gi_hash2_ok || !sapl || !no || ike_sa_parse(sapl->body, sapl->len, sa) ||
	    sa->n_prop != 1)
		goto out;
	spi_peer = load_be32(sa->prop[0].spi);
	ike_p2_esp_alg(&r->p2sel, &alg);
	kml = esp_keymat_len(&alg);
	esp_sa_free(r->old_esp_in);
	esp_sa_free(r->old_esp_out);
	r->old_esp_in = r->esp_in;
	r->old_esp_out = r->esp_out;
	ike_keymat(r->md, &r->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, r->gi_spi, r->gi_ni,
		   sizeof(r->gi_ni), no->body, no->len, km, kml);
	r->esp_in = esp_sa_new(&alg, r->gi_spi, km, kml, false);
	ike_keymat(r->md, &r->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, spi_peer, r->gi_ni,
		   sizeof(r->gi_ni), no->body, no->len, km, kml);
	r->esp_out = esp_sa_new(&alg, spi_peer, km, kml, true);
	ike_hash_qm3(r->md, &r->keys, h->msgid, r->gi_ni, sizeof(r->gi_ni), no->body, no->len,
		     want);
	ikeb_init(&b, mem, sizeof(mem));
	resp_hdr(r, &rh, ISAKMP_EXCH_QUICK, h->msgid, true);
	ikeb_msg_begin(&b, &rh);
	ikeb_pl_data(&b, ISAKMP_PL_HASH, want, r->keys.hlen);
	resp_seal(r, &b, r->gi_iv);
	resp_send(r, b.p, b.len);
	r->gi_done = true;
out:
	free(sa);
}

static inline void resp_input(struct resp *r, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	struct isakmp_hdr h;
	struct ike_payloads ps;

	if (ch == IPSEC_CH_NATT) {
		if (len == 1 && buf[0] == 0xff) {
			r->n_keepalive++;
			return;
		}
		if (len > 4 && load_be32(buf) != 0) {
			resp_esp(r, buf, len);
			return;
		}
		if (len <= 4)
			return;
		buf += 4;
		len -= 4;
		r->floated = true;
	} else if (ch == IPSEC_CH_ESP) {
		resp_esp(r, buf, len);
		return;
	}
	if (isakmp_hdr_parse(buf, len, &h))
		return;
	if (r->drop_all) {
		/* a dead gateway: count what arrives, answer nothing */
		if (h.exch == ISAKMP_EXCH_ID_PROT && !(h.flags & ISAKMP_FLAG_E))
			r->n_mm1++;
		else if (h.exch == ISAKMP_EXCH_INFO && r->keyed)
			resp_info_in(r, &h, buf);
		return;
	}
	switch (h.exch) {
	case ISAKMP_EXCH_ID_PROT:
		if (!(h.flags & ISAKMP_FLAG_E)) {
			if (ike_payloads_parse(h.next, buf + ISAKMP_HDR_LEN, h.len - ISAKMP_HDR_LEN,
					       &ps))
				return;
			if (ike_payloads_find(&ps, ISAKMP_PL_SA, 0))
				resp_mm1(r, &h, &ps);
			else
				resp_mm3(r, &ps);
		} else {
			resp_mm5(r, buf, len);
		}
		break;
	case ISAKMP_EXCH_QUICK:
		if (r->gi_msgid && h.msgid == r->gi_msgid)
			resp_gi_qm2(r, &h, buf);
		else if (h.msgid == r->qm_msgid && r->esp_in)
			resp_qm3(r, &h, buf);
		else
			resp_qm1(r, &h, buf);
		break;
	case ISAKMP_EXCH_INFO:
		if (r->old_valid && !memcmp(h.icookie, r->old_icookie, 8) &&
		    !memcmp(h.rcookie, r->old_rcookie, 8)) {
			resp_old_swap(r);
			resp_info_in(r, &h, buf);
			resp_old_swap(r);
		} else {
			resp_info_in(r, &h, buf);
		}
		break;
	}
}

#endif
