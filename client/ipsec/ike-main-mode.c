/* ike-main-mode.c -- IKEv1 Main Mode with a pre-shared key, initiator side
 * (RFC 2409 §5, §5.4):
 *
 *   HDR, SA                         -->
 *                                   <--  HDR, SA
 *   HDR, KE, Ni                     -->
 *                                   <--  HDR, KE, Nr
 *   HDR*, IDii, HASH_I              -->
 *                                   <--  HDR*, IDir, HASH_R
 *
 * (the vendor and NAT-D tasks of ike-natt.c add their payloads to the same
 * messages).  The step is the IKE SA's state: MM_SA waits for message 2,
 * MM_KE for 4, MM_AUTH for 6. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/crypto.h>

#include "log.h"
#include "rd.h"
#include "ike-int.h"

void ike_build_p1_sa(struct ike_buf *b, const struct ike_p1_prop *p, unsigned n,
		     uint32_t life_s)
{
	size_t sa = ikeb_sa_begin(b), prop;
	unsigned i;

	/* One ISAKMP proposal with the alternatives as its transforms
	 * (RFC 2409 §5: "a single Proposal payload with multiple Transforms"). */
	prop = ikeb_prop_begin(b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0, (uint8_t)n, true);
	for (i = 0; i < n; i++) {
		size_t t = ikeb_tr_begin(b, (uint8_t)(i + 1), ISAKMP_KEY_IKE, i + 1 == n);

		ikeb_attr(b, IKE_A_ENC, p[i].enc);
		if (p[i].enc == IKE_ENC_AES_CBC)
			ikeb_attr(b, IKE_A_KEY_LENGTH, p[i].key_bits);
		ikeb_attr(b, IKE_A_HASH, p[i].hash);
		ikeb_attr(b, IKE_A_AUTH, p[i].auth ? p[i].auth : IKE_AUTH_PSK);
		ikeb_attr(b, IKE_A_GROUP, p[i].group);
		ikeb_attr(b, IKE_A_LIFE_TYPE, IKE_LIFE_SECONDS);
		/* Windows sends the duration as a 4-octet variable attribute. */
		ikeb_attr_tlv32(b, IKE_A_LIFE_DURATION, life_s);
		ikeb_tr_end(b, t);
	}
	ikeb_prop_end(b, prop);
	ikeb_sa_end(b, sa);
}

static void p1_name(const struct ike_p1_prop *p, char *out, size_t cap)
{
	const struct ike_dh_group *g = ike_dh_group(p->group);
	const char *name = g ? g->name : "?", *digits = name;
	char grp[16];
	size_t i;

	/* "modp2048" -> "MODP_2048", as strongSwan logs it */
	while (*digits && (*digits < '0' || *digits > '9'))
		digits++;
	snprintf(grp, sizeof(grp), "%.*s", (int)(digits - name), name);
	for (i = 0; grp[i]; i++)
		if (grp[i] >= 'a' && grp[i] <= 'z')
			grp[i] = (char)(grp[i] - 'a' + 'A');
	if (p->enc == IKE_ENC_3DES_CBC)
		snprintf(out, cap, "3DES_CBC/HMAC_%s/%s_%s", ike_p1_md(p), grp, digits);
	else
		snprintf(out, cap, "AES_CBC_%u/HMAC_%s/%s_%s", p->key_bits, ike_p1_md(p), grp,
			 digits);
}

/* ---- build ---------------------------------------------------------------------- */

static enum ike_status mm_build_1(struct ipsec *s, struct ike_buf *b)
{
	struct isakmp_hdr h;
	size_t sa;

	do {
		if (ike_random(s, s->icookie, sizeof(s->icookie))) {
			ike_fail(s, WV_FAIL_LOCAL, _("no random numbers for IKE"));
			return IKE_FAILED;
		}
	} while (load_be32(s->icookie) == 0 && load_be32(s->icookie + 4) == 0);
	memset(s->rcookie, 0, sizeof(s->rcookie));
	ike_hdr_init(s, &h, ISAKMP_EXCH_ID_PROT, 0, false);
	ikeb_msg_begin(b, &h);
	sa = b->len;
	ike_build_p1_sa(b, s->p1, s->n_p1, s->ike_life);
	if (!ikeb_ok(b))
		return IKE_NEED_MORE;          /* the caller reports the overflow */
	/* SAi_b, the body without the generic header, goes into HASH_I/HASH_R. */
	free(s->sai_b);
	s->sai_len = b->len - sa - ISAKMP_GEN_HDR_LEN;
	s->sai_b = malloc(s->sai_len);
	if (!s->sai_b) {
		ike_fail(s, WV_FAIL_LOCAL, _("out of memory"));
		return IKE_FAILED;
	}
	memcpy(s->sai_b, b->p + sa + ISAKMP_GEN_HDR_LEN, s->sai_len);
	s->mm_msg = 1;
	ike_set_state(s, IKE_S_MM_SA, "Main Mode 1 sent");
	return IKE_NEED_MORE;
}

static enum ike_status mm_build_3(struct ipsec *s, struct ike_buf *b)
{
	const struct ike_dh_group *g = ike_dh_group(s->p1_alg.group);
	struct isakmp_hdr h;

	ike_dh_free(s->dh);
	s->dh = g ? ike_dh_new(g->id) : NULL;
	if (!s->dh || ike_random(s, s->ni, sizeof(s->ni))) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot create a Diffie-Hellman key (group %u)"),
			 s->p1_alg.group);
		return IKE_FAILED;
	}
	ike_hdr_init(s, &h, ISAKMP_EXCH_ID_PROT, 0, false);
	ikeb_msg_begin(b, &h);
	ikeb_pl_data(b, ISAKMP_PL_KE, ike_dh_public(s->dh), g->pub_len);
	ikeb_pl_data(b, ISAKMP_PL_NONCE, s->ni, sizeof(s->ni));
	/* RFC 4945 §3.2: a CR naming each CA we trust for the gateway */
	if (s->cert_auth) {
		const uint8_t *dn;
		size_t dn_len;
		unsigned i;

		for (i = 0; (dn = ike_cred_ca_name(s->cred, i, &dn_len)); i++) {
			uint8_t cr[1 + 1024];

			if (dn_len > sizeof(cr) - 1)
				continue;
			cr[0] = IKE_CERT_X509_SIG;
			memcpy(cr + 1, dn, dn_len);
			ikeb_pl_data(b, ISAKMP_PL_CR, cr, 1 + dn_len);
		}
	}
	s->mm_msg = 3;
	ike_set_state(s, IKE_S_MM_KE, "Main Mode 3 sent");
	return IKE_NEED_MORE;
}

static enum ike_status mm_build_5(struct ipsec *s, struct ike_buf *b)
{
	const struct ike_dh_group *g = ike_dh_get_group(s->dh);
	uint8_t hash[IKE_HASH_MAX], cookies[16];
	struct isakmp_hdr h;

	/* ID_IPV4_ADDR of our own (pre-NAT) address, protocol and port 0
	 * (RFC 2407 §4.6.2: zero or UDP/500 in phase 1), as Windows does; with
	 * a certificate its subject (RFC 4945 §3.1.5). */
	const uint8_t *idd = (const uint8_t *)&s->local.s_addr;
	size_t idd_len = 4;

	if (s->cert_auth)
		idd = ike_cred_subject(s->cred, &idd_len);
	if (idd_len > sizeof(s->idii_b) - 4) {
		ike_fail(s, WV_FAIL_CONFIG, _("the machine certificate's subject is too long"));
		return IKE_FAILED;
	}
	s->idii_b[0] = s->cert_auth ? IKE_ID_DER_ASN1_DN : IKE_ID_IPV4_ADDR;
	s->idii_b[1] = 0;
	store_be16(s->idii_b + 2, 0);
	memcpy(s->idii_b + 4, idd, idd_len);
	s->idii_len = 4 + idd_len;
	if (ike_hash_auth(s->p1_md, &s->keys, ike_dh_public(s->dh), g->pub_len, s->gxr, s->gx_len,
			  s->icookie, s->rcookie, s->sai_b, s->sai_len, s->idii_b,
			  s->idii_len, hash)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute HASH_I (OpenSSL)"));
		return IKE_FAILED;
	}
	ike_hdr_init(s, &h, ISAKMP_EXCH_ID_PROT, 0, true);
	ikeb_msg_begin(b, &h);
	ikeb_pl_id(b, s->idii_b[0], 0, 0, idd, idd_len);
	if (s->cert_auth) {
		/* CERT for ours and the chain, then SIG_I (RFC 2409 §5.1) */
		uint8_t sig[1024], cert[1 + 4000];
		size_t siglen = sizeof(sig), clen;
		const uint8_t *der;
		unsigned i;

		for (i = 0; (der = ike_cred_cert(s->cred, i, &clen)); i++) {
			if (clen > sizeof(cert) - 1)
				continue;
			cert[0] = IKE_CERT_X509_SIG;
			memcpy(cert + 1, der, clen);
			ikeb_pl_data(b, ISAKMP_PL_CERT, cert, 1 + clen);
		}
		if (ike_cred_sign(s->cred, hash, s->keys.hlen, sig, &siglen)) {
			ike_fail(s, WV_FAIL_LOCAL, _("cannot sign HASH_I with the machine "
						    "certificate's key (OpenSSL)"));
			return IKE_FAILED;
		}
		ikeb_pl_data(b, ISAKMP_PL_SIG, sig, siglen);
	} else {
		ikeb_pl_data(b, ISAKMP_PL_HASH, hash, s->keys.hlen);
	}
	/* We hold no other SA with this gateway: let it drop stale ones
	 * (strongSwan and Windows send INITIAL-CONTACT here too).  Not when
	 * rekeying: the gateway would drop the IPsec SA we keep using. */
	memcpy(cookies, s->icookie, 8);
	memcpy(cookies + 8, s->rcookie, 8);
	if (!s->up)
		ikeb_pl_notify(b, ISAKMP_PROTO_ISAKMP, cookies, 16, ISAKMP_N_INITIAL_CONTACT,
			       NULL, 0);
	wv_wipe(hash, sizeof(hash));
	s->tx_iv = s->p1_iv;
	s->mm_msg = 5;
	ike_set_state(s, IKE_S_MM_AUTH, "Main Mode 5 sent");
	return IKE_NEED_MORE;
}

static enum ike_status mm_build(struct ipsec *s, struct ike_buf *b)
{
	switch (s->step) {
	case IKE_S_IDLE: return mm_build_1(s, b);
	case IKE_S_MM_SA: return mm_build_3(s, b);
	case IKE_S_MM_KE: return mm_build_5(s, b);
	default: return IKE_FAILED;
	}
}

/* ---- process --------------------------------------------------------------------- */

/* Index of the offered proposal the gateway's transform is, or -1. */
static int mm_match(const struct ipsec *s, const struct ike_transform *t)
{
	unsigned i;

	if (t->id != ISAKMP_KEY_IKE || t->unknown_attr || t->dup_attr)
		return -1;
	for (i = 0; i < s->n_p1; i++) {
		const struct ike_p1_prop *p = &s->p1[i];

		if (ike_tr_get(t, IKE_A_AUTH, 0) != (p->auth ? p->auth : IKE_AUTH_PSK))
			continue;
		if (ike_tr_get(t, IKE_A_ENC, 0) != p->enc || ike_tr_get(t, IKE_A_HASH,
									0) != p->hash ||
		    ike_tr_get(t, IKE_A_GROUP, 0) != p->group)
			continue;
		if (p->enc == IKE_ENC_AES_CBC && ike_tr_get(t, IKE_A_KEY_LENGTH, 0) != p->key_bits)
			continue;
		return (int)i;
	}
	return -1;
}

static void transform_str(const struct ike_transform *t, char *out, size_t cap)
{
	snprintf(out, cap, "encryption %u/%u bits, hash %u, auth %u, group %u",
		 (unsigned)ike_tr_get(t, IKE_A_ENC, 0), (unsigned)ike_tr_get(t, IKE_A_KEY_LENGTH,
									     0),
		 (unsigned)ike_tr_get(t, IKE_A_HASH, 0), (unsigned)ike_tr_get(t, IKE_A_AUTH, 0),
		 (unsigned)ike_tr_get(t, IKE_A_GROUP, 0));
}

static enum ike_status mm_process_2(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *pl = ike_payloads_find(&rx->pl, ISAKMP_PL_SA, 0);
	struct ike_sa_payload *sa;
	const struct ike_transform *t;
	char what[160], list[512];
	int r, sel;

	if (ike_check_error_notify(s, rx))
		return IKE_FAILED;
	if (!pl) {
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s answered Main Mode 1 without an SA"),
			 s->gw_str);
		return IKE_FAILED;
	}
	sa = malloc(sizeof(*sa));
	if (!sa) {
		ike_fail(s, WV_FAIL_LOCAL, _("out of memory"));
		return IKE_FAILED;
	}
	r = ike_sa_parse(pl->body, pl->len, sa);
	/* RFC 2409 §5: the responder returns exactly one transform. */
	if (r || sa->n_prop != 1 || sa->prop[0].proto != ISAKMP_PROTO_ISAKMP ||
	    sa->prop[0].count != 1) {
		free(sa);
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s answered Main Mode 1 with a malformed "
					       "SA payload"), s->gw_str);
		return IKE_FAILED;
	}
	t = &sa->trans[sa->prop[0].first];
	sel = mm_match(s, t);
	if (sel < 0) {
		transform_str(t, what, sizeof(what));
		ike_p1_list_str(s->p1, s->n_p1, list, sizeof(list));
		free(sa);
		ike_fail(s, WV_FAIL_PROPOSAL,
			 _("the gateway %s chose an IKE proposal we did not offer "
					       "(%s); we offered %s"), s->gw_str, what, list);
		return IKE_FAILED;
	}
	s->p1_sel = sel;
	s->p1_alg = s->p1[sel];
	s->p1_cipher = ike_p1_cipher(&s->p1_alg);
	s->p1_md = ike_p1_md(&s->p1_alg);
	s->p1_block = ike_cipher_block(s->p1_cipher);
	s->p1_life = (uint32_t)ike_tr_get(t, IKE_A_LIFE_DURATION, s->ike_life);
	free(sa);
	if (!s->p1_cipher || !s->p1_md || !s->p1_block || !ike_md_len(s->p1_md)) {
		ike_fail(s, WV_FAIL_LOCAL, _("OpenSSL lacks an algorithm of the IKE proposal"));
		return IKE_FAILED;
	}
	p1_name(&s->p1_alg, s->p1_name, sizeof(s->p1_name));
	ike_p1_prop_str(&s->p1_alg, what, sizeof(what));
	wv_info(s->log, "IKE", "the gateway accepted the IKE proposal %s (lifetime %u s)", what,
		s->p1_life);
	return IKE_NEED_MORE;
}

static enum ike_status mm_process_4(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *ke = ike_payloads_find(&rx->pl, ISAKMP_PL_KE, 0);
	const struct ike_pl *no = ike_payloads_find(&rx->pl, ISAKMP_PL_NONCE, 0);
	const struct ike_dh_group *g = ike_dh_get_group(s->dh);
	uint8_t gxy[IKE_DH_MAX];
	int r;

	if (ike_check_error_notify(s, rx))
		return IKE_FAILED;
	/* A value with its leading zero octets left out (SoftEther does that,
	 * one time in 256) is the same number: it is padded for the
	 * computation, and hashed as it came (RFC 2409 hashes the payload). */
	if (!ke || !no || ke->len == 0 || ke->len > g->pub_len ||
	    ke->len + 8 < g->pub_len) {
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s answered Main Mode 3 without a valid "
			   "key exchange (KE %zu octets, %zu expected)"), s->gw_str,
			 ke ? ke->len : 0, g->pub_len);
		return IKE_FAILED;
	}
	if (ke->len < g->pub_len) {
		uint8_t padded[IKE_DH_MAX];

		wv_dbg(s->log, "IKE", "the gateway's key exchange is %zu octets, not %zu: "
		       "leading zeros left out; padded", ke->len, g->pub_len);
		memset(padded, 0, g->pub_len - ke->len);
		memcpy(padded + g->pub_len - ke->len, ke->body, ke->len);
		r = ike_dh_derive(s->dh, padded, g->pub_len, gxy);
	} else {
		r = ike_dh_derive(s->dh, ke->body, ke->len, gxy);
	}
	if (r) {
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s sent an invalid Diffie-Hellman value"),
			 s->gw_str);
		return IKE_FAILED;
	}
	memcpy(s->gxr, ke->body, ke->len);
	s->gx_len = ke->len;
	memcpy(s->nr, no->body, no->len);
	s->nr_len = no->len;
	/* RFC 2409 §5: SKEYID from the PSK and both nonces, then d/a/e; Appendix B:
	 * Ka and the first IV. */
	s->peer_cr = ike_payloads_count(&rx->pl, ISAKMP_PL_CR) > 0;
	if (s->cert_auth)
		r = ike_skeyid_sig(s->p1_md, s->ni, sizeof(s->ni), s->nr, s->nr_len, gxy,
				   g->secret_len, &s->keys);
	else
		r = ike_skeyid_psk(s->p1_md, s->psk, s->psk_len, s->ni, sizeof(s->ni), s->nr,
				   s->nr_len, &s->keys);
	if (!r)
		r = ike_p1_derive(s->p1_md, gxy, g->secret_len, s->icookie, s->rcookie,
				  ike_p1_key_len(&s->p1_alg), &s->keys);
	if (!r)
		r = ike_iv_phase1(s->p1_md, ike_dh_public(s->dh), g->pub_len, s->gxr, s->gx_len,
				  s->p1_iv, s->p1_block);
	wv_wipe(gxy, sizeof(gxy));
	if (r) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot derive the IKE keys (OpenSSL)"));
		return IKE_FAILED;
	}
	s->keyed = true;
	return IKE_NEED_MORE;
}

/* Main Mode 6 with signatures: IDir, CERT..., SIG_R. */
static enum ike_status mm_process_6_sig(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *id = ike_payloads_find(&rx->pl, ISAKMP_PL_ID, 0);
	const struct ike_pl *sig = ike_payloads_find(&rx->pl, ISAKMP_PL_SIG, 0);
	const struct ike_dh_group *g = ike_dh_get_group(s->dh);
	const uint8_t *der[8];
	size_t der_len[8];
	uint8_t want[IKE_HASH_MAX];
	struct ike_id idr;
	char msg[400];
	unsigned i, n = 0;
	int r;

	for (i = 0; i < rx->pl.n && n < ARRAY_SIZE(der); i++) {
		const struct ike_pl *p = &rx->pl.pl[i];

		if (p->type == ISAKMP_PL_CERT && p->len > 1 && p->body[0] == IKE_CERT_X509_SIG) {
			der[n] = p->body + 1;
			der_len[n++] = p->len - 1;
		}
	}
	if (!id || !sig || ike_id_parse(id->body, id->len, &idr)) {
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s answered our certificate without %s (Main Mode 6)"),
			 s->gw_str, id ? "a signature (SIG_R)" : "an identity");
		return IKE_FAILED;
	}
	if (!n) {
		ike_fail(s, WV_FAIL_AUTH,
			 _("the gateway %s sent no X.509 certificate (Main Mode 6), so it cannot "
			   "be authenticated against %s"), s->gw_str, IPSEC_SETTING_CA);
		return IKE_FAILED;
	}
	/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
	if (ike_hash_auth(s->p1_md, &s->keys, s->gxr, s->gx_len, ike_dh_public(s->dh), g->pub_len,
			  s->rcookie, s->icookie, s->sai_b, s->sai_len, id->body, id->len, want)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute HASH_R (OpenSSL)"));
		return IKE_FAILED;
	}
	r = ike_cred_verify_peer(s->cred, der, der_len, n, want, s->keys.hlen, sig->body, sig->len,
				 &idr, s->remote_id, s->gw_name, msg, sizeof(msg));
	/* the gateway accepted us and holds the SA: our refusal deletes it */
	s->peer_holds_sa = true;
	if (r) {
		ike_fail(s, r == -EINVAL ? WV_FAIL_PROTOCOL : WV_FAIL_AUTH, "%s", msg);
		return IKE_FAILED;
	}
	wv_info(s->log, "IKE", "IKE SA with %s established (%s); the gateway is \"%s\" "
		"(certificate verified against %s)", s->gw_str, s->p1_name, msg, IPSEC_SETTING_CA);
	s->authenticated = true;
	return IKE_SUCCESS;
}

static enum ike_status mm_process_6(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *id = ike_payloads_find(&rx->pl, ISAKMP_PL_ID, 0);
	const struct ike_pl *hash = ike_payloads_find(&rx->pl, ISAKMP_PL_HASH, 0);
	const struct ike_dh_group *g = ike_dh_get_group(s->dh);
	uint8_t want[IKE_HASH_MAX];
	struct ike_id idr;
	char idstr[64] = "?";

	if (ike_check_error_notify(s, rx))
		return IKE_FAILED;
	if (s->cert_auth)
		return mm_process_6_sig(s, rx);
	if (!id || !hash || hash->len != s->keys.hlen || ike_id_parse(id->body, id->len, &idr)) {
		ike_fail(s, WV_FAIL_AUTH,
			 _("the pre-shared key does not match the gateway's (Main Mode "
			   "message 6 from %s makes no sense with our keys); check %s"),
			 s->gw_str, IPSEC_SETTING_PSK);
		return IKE_FAILED;
	}
	/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
	if (ike_hash_auth(s->p1_md, &s->keys, s->gxr, s->gx_len, ike_dh_public(s->dh), g->pub_len,
			  s->rcookie, s->icookie, s->sai_b, s->sai_len, id->body, id->len, want)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute HASH_R (OpenSSL)"));
		return IKE_FAILED;
	}
	if (CRYPTO_memcmp(want, hash->body, s->keys.hlen) != 0) {
		ike_fail(s, WV_FAIL_AUTH, _("the pre-shared key does not match the gateway's (the "
					   "HASH_R of %s does not verify); check %s"), s->gw_str,
			 IPSEC_SETTING_PSK);
		return IKE_FAILED;
	}
	/* The gateway's identity is not checked against its address: a gateway
	 * behind NAT sends its private address, SoftEther sends 0.0.0.0. */
	if (idr.type == IKE_ID_IPV4_ADDR)
		inet_ntop(AF_INET, idr.data, idstr, sizeof(idstr));
	else if (idr.type == IKE_ID_FQDN || idr.type == IKE_ID_USER_FQDN)
		snprintf(idstr, sizeof(idstr), "%.*s", (int)MIN(idr.len, (size_t)48), idr.data);
	wv_info(s->log, "IKE", "IKE SA with %s established (%s); the gateway's ID is type %u %s",
		s->gw_str, s->p1_name, idr.type, idstr);
	s->authenticated = true;
	/* The phase-1 IV chain now ends with message 6's last block: the base of
	 * every phase-2 and informational IV (Appendix B). */
	return IKE_SUCCESS;
}

static enum ike_status mm_process(struct ipsec *s, const struct ike_rx *rx)
{
	switch (s->step) {
	case IKE_S_MM_SA: return mm_process_2(s, rx);
	case IKE_S_MM_KE: return mm_process_4(s, rx);
	case IKE_S_MM_AUTH: return mm_process_6(s, rx);
	default: return IKE_FAILED;
	}
}

const struct ike_task ike_task_main_mode = {
	.name = "main_mode",
	.build = mm_build,
	.process = mm_process,
};
