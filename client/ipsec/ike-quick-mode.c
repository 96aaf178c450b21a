/* ike-quick-mode.c -- IKEv1 Quick Mode, initiator side (RFC 2409 §5.5), for
 * the one transport-mode ESP SA that protects L2TP (RFC 3193 §4):
 *
 *   HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr [, NAT-OAi, NAT-OAr]  -->
 *                 <--  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr] [, NAT-OA...]
 *   HDR*, HASH(3)                                                  -->
 *
 * IDci/IDcr are our and the gateway's addresses with UDP port 1701
 * (windows-interop.md §1.4); the encapsulation mode is Transport, or
 * UDP-Encapsulated-Transport once NAT was detected (RFC 3947 §5.1, value 4;
 * 61444 with the draft NAT-T VIDs).  KEYMAT per direction uses the SPI of the
 * SA that receives with it. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/crypto.h>

#include "log.h"
#include "rd.h"
#include "ike-int.h"

static uint16_t qm_encap_mode(const struct ipsec *s)
{
	if (!s->use_udp_esp)
		return IPSEC_ENCAP_TRANSPORT;
	return s->natt == NATT_RFC ? IPSEC_ENCAP_UDP_TRANSPORT : IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}

static void qm_build_sa(struct ipsec *s, struct ike_buf *b)
{
	size_t sa = ikeb_sa_begin(b), prop;
	uint8_t spi[4];
	unsigned i;

	store_be32(spi, s->qm_spi_in);
	prop = ikeb_prop_begin(b, 1, ISAKMP_PROTO_ESP, spi, 4, (uint8_t)s->n_p2, true);
	for (i = 0; i < s->n_p2; i++) {
		const struct ike_p2_prop *p = &s->p2[i];
		size_t t = ikeb_tr_begin(b, (uint8_t)(i + 1), p->esp_id, i + 1 == s->n_p2);

		ikeb_attr(b, IPSEC_A_LIFE_TYPE, IKE_LIFE_SECONDS);
		ikeb_attr_tlv32(b, IPSEC_A_LIFE_DURATION, s->esp_life);
		ikeb_attr(b, IPSEC_A_ENCAP, s->encap_mode);
		if (p->auth)
			ikeb_attr(b, IPSEC_A_AUTH, p->auth);
		if (p->key_bits)
			ikeb_attr(b, IPSEC_A_KEY_LENGTH, p->key_bits);
		if (p->pfs_group)
			ikeb_attr(b, IPSEC_A_GROUP, p->pfs_group);
		ikeb_tr_end(b, t);
	}
	ikeb_prop_end(b, prop);
	ikeb_sa_end(b, sa);
}

static enum ike_status qm_build_1(struct ipsec *s, struct ike_buf *b)
{
	uint16_t pfs = s->p2[0].pfs_group;
	struct isakmp_hdr h;
	size_t hash_off;

	if (!s->use_udp_esp && !ike_can_raw_esp(s)) {
		ike_fail(s, WV_FAIL_LOCAL,
			 _("the gateway %s is not behind NAT and does not support NAT "
			   "traversal, so ESP must go as IP protocol 50, which needs root "
			   "or CAP_NET_RAW"),
			 s->gw_str);
		return IKE_FAILED;
	}
	if (s->use_udp_esp)
		ike_close_esp_raw(s);
	/* A fresh message ID (non-zero, RFC 2408 §3.1) and our inbound SPI
	 * (1..255 are reserved, RFC 4303 §2.1). */
	do {
		if (ike_random(s, &s->qm_msgid, sizeof(s->qm_msgid)) ||
		    ike_random(s, &s->qm_spi_in, sizeof(s->qm_spi_in)) ||
		    ike_random(s, s->qm_ni, sizeof(s->qm_ni))) {
			ike_fail(s, WV_FAIL_LOCAL, _("no random numbers for IKE"));
			return IKE_FAILED;
		}
	} while (s->qm_msgid == 0 || s->qm_spi_in < 256 || s->qm_spi_in == s->spi_in);
	s->encap_mode = qm_encap_mode(s);
	ike_dh_free(s->qm_dh);
	s->qm_dh = NULL;
	if (pfs) {
		s->qm_dh = ike_dh_new(pfs);
		if (!s->qm_dh) {
			ike_fail(s, WV_FAIL_LOCAL,
				 _("cannot create a Diffie-Hellman key (group %u)"),
				 pfs);
			return IKE_FAILED;
		}
	}
	if (ike_iv_phase2(s->p1_md, s->p1_iv, s->qm_msgid, s->qm_iv, s->p1_block)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot derive the Quick Mode IV (OpenSSL)"));
		return IKE_FAILED;
	}
	ike_hdr_init(s, &h, ISAKMP_EXCH_QUICK, s->qm_msgid, true);
	ikeb_msg_begin(b, &h);
	hash_off = ikeb_pl_begin(b, ISAKMP_PL_HASH);
	ikeb_reserve(b, s->keys.hlen);
	ikeb_pl_end(b, hash_off);
	qm_build_sa(s, b);
	ikeb_pl_data(b, ISAKMP_PL_NONCE, s->qm_ni, sizeof(s->qm_ni));
	if (s->qm_dh)
		ikeb_pl_data(b, ISAKMP_PL_KE, ike_dh_public(s->qm_dh),
			     ike_dh_get_group(s->qm_dh)->pub_len);
	/* IDci, IDcr: host to host, UDP, L2TP's port (RFC 3193 §5.1). */
	ikeb_pl_id(b, IKE_ID_IPV4_ADDR, 17, s->l2tp_port, &s->local.s_addr, 4);
	ikeb_pl_id(b, IKE_ID_IPV4_ADDR, 17, s->l2tp_port, &s->gw.s_addr, 4);
	/* RFC 3947 §5.2: transport mode behind NAT sends the original addresses,
	 * the initiator's then the responder's, for the checksum fix-up. */
	if (s->use_udp_esp) {
		ikeb_pl_natoa(b, ike_natoa_type(s), (const uint8_t *)&s->local.s_addr);
		ikeb_pl_natoa(b, ike_natoa_type(s), (const uint8_t *)&s->gw.s_addr);
	}
	if (!ikeb_ok(b))
		return IKE_NEED_MORE;
	if (ike_fill_hash(s, b, hash_off, s->qm_msgid, NULL, 0)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute Quick Mode HASH(1) (OpenSSL)"));
		return IKE_FAILED;
	}
	s->tx_iv = s->qm_iv;
	ike_set_state(s, IKE_S_QM, "Quick Mode 1 sent");
	return IKE_NEED_MORE;
}

static enum ike_status qm_build_3(struct ipsec *s, struct ike_buf *b)
{
	uint8_t hash[IKE_HASH_MAX];
	struct isakmp_hdr h;

	if (ike_hash_qm3(s->p1_md, &s->keys, s->qm_msgid, s->qm_ni, sizeof(s->qm_ni), s->qm_nr,
			 s->qm_nr_len, hash)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute Quick Mode HASH(3) (OpenSSL)"));
		return IKE_FAILED;
	}
	ike_hdr_init(s, &h, ISAKMP_EXCH_QUICK, s->qm_msgid, true);
	ikeb_msg_begin(b, &h);
	ikeb_pl_data(b, ISAKMP_PL_HASH, hash, s->keys.hlen);
	s->tx_iv = s->qm_iv;
	return IKE_SUCCESS;
}

static enum ike_status qm_build(struct ipsec *s, struct ike_buf *b)
{
	if (s->step == IKE_S_QM)
		return qm_build_3(s, b);
	return qm_build_1(s, b);
}

/* ---- process ------------------------------------------------------------------ */

static int qm_match_ex(const struct ipsec *s, const struct ike_transform *t, bool any_pfs)
{
	unsigned i;

	if (t->unknown_attr || t->dup_attr ||
	    ike_tr_get(t, IPSEC_A_ENCAP, IPSEC_ENCAP_TUNNEL) != s->encap_mode)
		return -1;
	for (i = 0; i < s->n_p2; i++) {
		const struct ike_p2_prop *p = &s->p2[i];

		if (t->id != p->esp_id || ike_tr_get(t, IPSEC_A_AUTH, 0) != p->auth)
			continue;
		if (any_pfs ? ike_tr_has(t, IPSEC_A_GROUP) &&
			      !ike_dh_group((uint16_t)ike_tr_get(t, IPSEC_A_GROUP, 0)) :
			      ike_tr_get(t, IPSEC_A_GROUP, 0) != p->pfs_group)
			continue;
		if (p->key_bits && ike_tr_get(t, IPSEC_A_KEY_LENGTH, 0) != p->key_bits)
			continue;
		return (int)i;
	}
	return -1;
}

static int qm_match(const struct ipsec *s, const struct ike_transform *t)
{
	return qm_match_ex(s, t, false);
}

/* Life durations of the accepted transform and of RESPONDER-LIFETIME
 * (RFC 2407 §4.6.3.1), in seconds and kilobytes (ike-rekey.c rekeys before
 * either runs out). */
static void qm_lifetimes(struct ipsec *s, const struct ike_transform *t,
			 const struct ike_rx *rx)
{
	unsigned i;

	s->esp_life_got = s->esp_life;
	s->esp_kb_got = t->life_kb;
	if (ike_tr_get(t, IPSEC_A_LIFE_TYPE, IKE_LIFE_SECONDS) == IKE_LIFE_SECONDS &&
	    ike_tr_has(t, IPSEC_A_LIFE_DURATION))
		s->esp_life_got = (uint32_t)ike_tr_get(t, IPSEC_A_LIFE_DURATION, s->esp_life);
	for (i = 0; i < rx->pl.n; i++) {
		struct ike_notify n;
		uint64_t life_type;
		struct rd r;

		if (rx->pl.pl[i].type != ISAKMP_PL_N ||
		    ike_notify_parse(rx->pl.pl[i].body, rx->pl.pl[i].len, &n) ||
		    n.type != ISAKMP_N_RESPONDER_LIFETIME)
			continue;
		/* The data is a list of SA attributes: life type, then duration. */
		r = rd_init(n.data, n.data_len);
		life_type = IKE_LIFE_SECONDS;
		while (rd_left(&r) >= 4) {
			uint16_t at = rd_be16(&r), type = at & 0x7fff;
			uint64_t v = 0;

			if (at & 0x8000) {
				v = rd_be16(&r);
			} else {
				uint16_t len = rd_be16(&r), k;
				const uint8_t *d = rd_bytes(&r, len);

				for (k = 0; d && k < len && k < 8; k++)
					v = v << 8 | d[k];
			}
			if (!rd_ok(&r))
				break;
			if (type == IPSEC_A_LIFE_TYPE)
				life_type = v;
			else if (type == IPSEC_A_LIFE_DURATION && life_type == IKE_LIFE_SECONDS &&
				 v && v < s->esp_life_got)
				s->esp_life_got = (uint32_t)v;
			else if (type == IPSEC_A_LIFE_DURATION && life_type == IKE_LIFE_KB && v &&
				 (!s->esp_kb_got || v < s->esp_kb_got))
				s->esp_kb_got = v;
		}
		wv_info(s->log, "IKE",
			"the gateway set the IPsec SA's lifetime (RESPONDER-LIFETIME): "
			"%u s%s", s->esp_life_got, s->esp_kb_got ? " and a kilobyte limit" : "");
	}
}

static void qm_log_ids(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *ci = ike_payloads_find(&rx->pl, ISAKMP_PL_ID, 0);
	const struct ike_pl *cr = ike_payloads_find(&rx->pl, ISAKMP_PL_ID, 1);
	struct ike_id a, b;

	if (!ci || !cr || ike_id_parse(ci->body, ci->len, &a) || ike_id_parse(cr->body, cr->len,
									      &b))
		return;
	/* windows-interop.md §1.4: servers may narrow or change the selectors
	 * (port 0, another protocol, a subnet); be lenient, say so. */
	if (a.type != IKE_ID_IPV4_ADDR || b.type != IKE_ID_IPV4_ADDR || a.proto != 17 ||
	    b.proto != 17 || a.port != s->l2tp_port || b.port != s->l2tp_port ||
	    memcmp(a.data, &s->local.s_addr, 4) || memcmp(b.data, &s->gw.s_addr, 4))
		wv_info(s->log, "IKE",
			"the gateway answered with other traffic selectors (types %u/%u, "
			"protocols %u/%u, ports %u/%u); accepting them", a.type, b.type, a.proto,
			b.proto, a.port, b.port);
}

static enum ike_status qm_process_2(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *hash = rx->pl.n ? &rx->pl.pl[0] : NULL;
	const struct ike_pl *sapl = ike_payloads_find(&rx->pl, ISAKMP_PL_SA, 0);
	const struct ike_pl *no = ike_payloads_find(&rx->pl, ISAKMP_PL_NONCE, 0);
	const struct ike_pl *ke = ike_payloads_find(&rx->pl, ISAKMP_PL_KE, 0);
	uint8_t want[IKE_HASH_MAX], gqm[IKE_DH_MAX], km_in[ESP_KEYMAT_MAX],
		km_out[ESP_KEYMAT_MAX];
	size_t start, gqm_len = 0, kml;
	struct ike_sa_payload *sa = NULL;
	const struct ike_transform *t;
	struct esp_sa *in = NULL, *out = NULL;
	char name[64], list[512];
	uint32_t spi_out;
	int sel, r;

	/* HASH(2) first (§5.5), over everything after it, keyed with Ni_b. */
	if (!hash || hash->type != ISAKMP_PL_HASH || hash->len != s->keys.hlen) {
		if (ike_check_error_notify(s, rx))
			return IKE_FAILED;
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s answered Quick Mode without HASH(2)"),
			 s->gw_str);
		return IKE_FAILED;
	}
	start = (size_t)(hash->body + hash->len - rx->body);
	if (ike_hash_qm2(s->p1_md, &s->keys, s->qm_msgid, s->qm_ni, sizeof(s->qm_ni),
			 rx->body + start, rx->pl.used - start, want) ||
	    CRYPTO_memcmp(want, hash->body, s->keys.hlen) != 0) {
		ike_fail(s, WV_FAIL_PROTOCOL, _("the Quick Mode HASH(2) of %s does not verify"),
			 s->gw_str);
		return IKE_FAILED;
	}
	if (ike_check_error_notify(s, rx))
		return IKE_FAILED;
	if (!sapl || !no) {
		ike_fail(s, WV_FAIL_PROTOCOL, _("the gateway %s answered Quick Mode without %s"),
			 s->gw_str, sapl ? "a nonce" : "an SA");
		return IKE_FAILED;
	}
	sa = malloc(sizeof(*sa));
	if (!sa) {
		ike_fail(s, WV_FAIL_LOCAL, _("out of memory"));
		return IKE_FAILED;
	}
	r = ike_sa_parse(sapl->body, sapl->len, sa);
	if (r || sa->n_prop != 1 || sa->prop[0].proto != ISAKMP_PROTO_ESP ||
	    sa->prop[0].spi_size != 4 || sa->prop[0].count != 1) {
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s answered Quick Mode with a malformed "
					       "SA payload"), s->gw_str);
		goto fail;
	}
	t = &sa->trans[sa->prop[0].first];
	sel = qm_match(s, t);
	if (sel < 0) {
		ike_p2_list_str(s->p2, s->n_p2, list, sizeof(list));
		ike_fail(s, WV_FAIL_PROPOSAL,
			 _("the gateway %s chose an ESP proposal we did not offer (transform %u, "
			   "auth %u, key %u bits, mode %u); we offered %s in mode %u"), s->gw_str,
			 t->id, (unsigned)ike_tr_get(t, IPSEC_A_AUTH, 0),
			 (unsigned)ike_tr_get(t, IPSEC_A_KEY_LENGTH, 0),
			 (unsigned)ike_tr_get(t, IPSEC_A_ENCAP, IPSEC_ENCAP_TUNNEL), list,
			 s->encap_mode);
		goto fail;
	}
	s->p2_sel = sel;
	spi_out = load_be32(sa->prop[0].spi);
	qm_lifetimes(s, t, rx);
	if (ike_p2_esp_alg(&s->p2[sel], &s->esp_alg)) {
		ike_fail(s, WV_FAIL_LOCAL, _("ESP algorithm not available"));
		goto fail;
	}
	memcpy(s->qm_nr, no->body, no->len);
	s->qm_nr_len = no->len;
	if (s->qm_dh) {
		const struct ike_dh_group *g = ike_dh_get_group(s->qm_dh);

		if (!ke || ke->len != g->pub_len || ike_dh_derive(s->qm_dh, ke->body, ke->len,
								  gqm)) {
			ike_fail(s, WV_FAIL_PROTOCOL,
				 _("the gateway %s sent no valid key exchange for "
						       "PFS in Quick Mode"), s->gw_str);
			goto fail;
		}
		gqm_len = g->secret_len;
	}
	qm_log_ids(s, rx);

	/* KEYMAT (§5.5): encryption key first, then the integrity key. */
	kml = esp_keymat_len(&s->esp_alg);
	r = ike_keymat(s->p1_md, &s->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, s->qm_spi_in,
		       s->qm_ni, sizeof(s->qm_ni), s->qm_nr, s->qm_nr_len, km_in, kml);
	if (!r)
		r = ike_keymat(s->p1_md, &s->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, spi_out,
			       s->qm_ni, sizeof(s->qm_ni), s->qm_nr, s->qm_nr_len, km_out, kml);
	if (!r) {
		in = esp_sa_new(&s->esp_alg, s->qm_spi_in, km_in, kml, false);
		out = esp_sa_new(&s->esp_alg, spi_out, km_out, kml, true);
		if (!in || !out)
			r = -EIO;
	}
	if (!r) {
		/* Inbound works at once (the gateway may switch as soon as our
		 * message 3 arrives); outbound follows in ike_install_sas(). */
		ike_install_sas(s, in, s->qm_spi_in, out, spi_out);
		in = out = NULL;
	}
	esp_sa_free(in);
	esp_sa_free(out);
	wv_wipe(km_in, sizeof(km_in));
	wv_wipe(km_out, sizeof(km_out));
	wv_wipe(gqm, sizeof(gqm));
	if (r) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot set up the ESP keys (OpenSSL)"));
		goto fail;
	}
	esp_alg_name(&s->esp_alg, name, sizeof(name));
	wv_info(s->log, "IKE", "the gateway accepted the ESP proposal %s (%s, lifetime %u s)", name,
		s->encap_mode == IPSEC_ENCAP_TRANSPORT ? "transport mode" :
		"UDP-encapsulated transport mode", s->esp_life_got);
	free(sa);
	return IKE_NEED_MORE;
fail:
	free(sa);
	return IKE_FAILED;
}

static enum ike_status qm_process(struct ipsec *s, const struct ike_rx *rx)
{
	if (s->step != IKE_S_QM)
		return IKE_FAILED;
	return qm_process_2(s, rx);
}

const struct ike_task ike_task_quick_mode = {
	.name = "quick_mode",
	.build = qm_build,
	.process = qm_process,
};

/* ---- the gateway's Quick Mode (we are the responder) ---------------------------- */

/* Windows RRAS and strongSwan with rekey=yes replace the IPsec SA themselves
 * before it expires (RFC 2409 §5.5 with the roles swapped):
 *
 *                 <--  HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr [, NAT-OA]
 *   HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr                       -->
 *                 <--  HDR*, HASH(3)
 *
 * We pick the first transform that is one of ours (strongSwan sends one
 * proposal per transform, Windows one proposal with several), answer, and
 * install the pair once HASH(3) verifies. */
static int rqm_pick(struct ipsec *s, const struct ike_sa_payload *sa, unsigned *prop)
{
	unsigned p, i;

	for (p = 0; p < sa->n_prop; p++) {
		if (sa->prop[p].proto != ISAKMP_PROTO_ESP || sa->prop[p].spi_size != 4)
			continue;
		for (i = 0; i < sa->prop[p].count; i++) {
			const struct ike_transform *t = &sa->trans[sa->prop[p].first + i];

			/* its PFS choice is its own (strongSwan adds a group to
			 * every proposal when one of them has PFS) */
			if (qm_match_ex(s, t, true) >= 0) {
				*prop = p;
				return (int)(sa->prop[p].first + i);
			}
		}
	}
	return -1;
}

void ike_qm_respond(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *hash = rx->pl.n ? &rx->pl.pl[0] : NULL;
	const struct ike_pl *sapl = ike_payloads_find(&rx->pl, ISAKMP_PL_SA, 0);
	const struct ike_pl *no = ike_payloads_find(&rx->pl, ISAKMP_PL_NONCE, 0);
	const struct ike_pl *ke = ike_payloads_find(&rx->pl, ISAKMP_PL_KE, 0);
	const struct ike_pl *ci = ike_payloads_find(&rx->pl, ISAKMP_PL_ID, 0);
	const struct ike_pl *cr = ike_payloads_find(&rx->pl, ISAKMP_PL_ID, 1);
	uint32_t msgid = rx->hdr.msgid, spi_in = 0, spi_out;
	uint8_t want[IKE_HASH_MAX], gqm[IKE_DH_MAX], km[ESP_KEYMAT_MAX], spi[4], mem[ISAKMP_MSG_MAX];
	struct ike_sa_payload *sa = NULL;
	const struct ike_transform *t;
	struct ike_p2_prop prop;
	struct esp_alg alg;
	struct ike_dh *dh = NULL;
	struct isakmp_hdr h;
	struct ike_buf b;
	size_t start, gqm_len = 0, kml, hash_off, off;
	unsigned pi = 0;
	int ti, r;

	if (!hash || hash->type != ISAKMP_PL_HASH || hash->len != s->keys.hlen)
		goto bad;
	start = (size_t)(hash->body + hash->len - rx->body);
	if (ike_hash_qm1(s->p1_md, &s->keys, msgid, rx->body + start, rx->pl.used - start, want) ||
	    CRYPTO_memcmp(want, hash->body, s->keys.hlen) != 0)
		goto bad;
	sa = malloc(sizeof(*sa));
	if (!sa || !sapl || !no || no->len > sizeof(s->rqm_ni) || no->len < 8 ||
	    ike_sa_parse(sapl->body, sapl->len, sa))
		goto bad;
	ti = rqm_pick(s, sa, &pi);
	if (ti < 0) {
		wv_info(s->log, "IKE", "the gateway %s started a Quick Mode with no ESP proposal we "
			"accept; ignoring it (we rekey ourselves)", s->gw_str);
		ike_info_send_notify(s, ISAKMP_PROTO_ESP, sa->n_prop ? sa->prop[0].spi : spi, 4,
				     ISAKMP_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	t = &sa->trans[ti];
	prop = s->p2[qm_match_ex(s, t, true)];
	prop.pfs_group = (uint16_t)ike_tr_get(t, IPSEC_A_GROUP, 0);
	spi_out = load_be32(sa->prop[pi].spi);
	do {
		if (ike_random(s, &spi_in, sizeof(spi_in)) ||
		    ike_random(s, s->rqm_nr, sizeof(s->rqm_nr)))
			goto out;
	} while (spi_in < 256 || spi_in == s->spi_in);
	if (prop.pfs_group) {
		dh = ike_dh_new(prop.pfs_group);
		if (!dh || !ke || ke->len != ike_dh_get_group(dh)->pub_len ||
		    ike_dh_derive(dh, ke->body, ke->len, gqm))
			goto bad;
		gqm_len = ike_dh_get_group(dh)->secret_len;
	}
	memcpy(s->rqm_ni, no->body, no->len);
	s->rqm_ni_len = no->len;
	if (ike_p2_esp_alg(&prop, &alg))
		goto out;
	/* KEYMAT: Ni_b is the initiator's -- the gateway's -- nonce. */
	kml = esp_keymat_len(&alg);
	esp_sa_free(s->rqm_in);
	esp_sa_free(s->rqm_out);
	s->rqm_in = s->rqm_out = NULL;
	r = ike_keymat(s->p1_md, &s->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, spi_in, s->rqm_ni,
		       s->rqm_ni_len, s->rqm_nr, sizeof(s->rqm_nr), km, kml);
	if (!r)
		s->rqm_in = esp_sa_new(&alg, spi_in, km, kml, false);
	if (!r)
		r = ike_keymat(s->p1_md, &s->keys, gqm, gqm_len, ISAKMP_PROTO_ESP, spi_out,
			       s->rqm_ni, s->rqm_ni_len, s->rqm_nr, sizeof(s->rqm_nr), km, kml);
	if (!r)
		s->rqm_out = esp_sa_new(&alg, spi_out, km, kml, true);
	wv_wipe(km, sizeof(km));
	wv_wipe(gqm, sizeof(gqm));
	if (r || !s->rqm_in || !s->rqm_out)
		goto out;
	s->rqm_spi_in = spi_in;
	s->rqm_spi_out = spi_out;

	ikeb_init(&b, mem, sizeof(mem));
	ike_hdr_init(s, &h, ISAKMP_EXCH_QUICK, msgid, true);
	ikeb_msg_begin(&b, &h);
	hash_off = ikeb_pl_begin(&b, ISAKMP_PL_HASH);
	ikeb_reserve(&b, s->keys.hlen);
	ikeb_pl_end(&b, hash_off);
	{
		size_t sa_off = ikeb_sa_begin(&b), p, tr;

		store_be32(spi, spi_in);
		p = ikeb_prop_begin(&b, sa->prop[pi].num, ISAKMP_PROTO_ESP, spi, 4, 1, true);
		tr = ikeb_tr_begin(&b, t->num, t->id, true);
		if (ike_tr_has(t, IPSEC_A_LIFE_DURATION)) {
			ikeb_attr(&b, IPSEC_A_LIFE_TYPE, IKE_LIFE_SECONDS);
			ikeb_attr_tlv32(&b, IPSEC_A_LIFE_DURATION,
					(uint32_t)ike_tr_get(t, IPSEC_A_LIFE_DURATION, 0));
		}
		if (t->life_kb) {
			ikeb_attr(&b, IPSEC_A_LIFE_TYPE, IKE_LIFE_KB);
			ikeb_attr_tlv32(&b, IPSEC_A_LIFE_DURATION, (uint32_t)t->life_kb);
		}
		ikeb_attr(&b, IPSEC_A_ENCAP, s->encap_mode);
		if (prop.auth)
			ikeb_attr(&b, IPSEC_A_AUTH, prop.auth);
		if (prop.key_bits)
			ikeb_attr(&b, IPSEC_A_KEY_LENGTH, prop.key_bits);
		if (prop.pfs_group)
			ikeb_attr(&b, IPSEC_A_GROUP, prop.pfs_group);
		ikeb_tr_end(&b, tr);
		ikeb_prop_end(&b, p);
		ikeb_sa_end(&b, sa_off);
	}
	ikeb_pl_data(&b, ISAKMP_PL_NONCE, s->rqm_nr, sizeof(s->rqm_nr));
	if (dh)
		ikeb_pl_data(&b, ISAKMP_PL_KE, ike_dh_public(dh), ike_dh_get_group(dh)->pub_len);
	if (ci && cr) {
		ikeb_pl_data(&b, ISAKMP_PL_ID, ci->body, ci->len);
		ikeb_pl_data(&b, ISAKMP_PL_ID, cr->body, cr->len);
	}
	if (!ikeb_ok(&b) ||
	    ike_fill_hash(s, &b, hash_off, msgid, s->rqm_ni, s->rqm_ni_len) ||
	    ike_encrypt(s, &b, s->rqm_iv))
		goto out;
	/* kept for a repeated message 1 */
	off = s->floated ? ESP_NON_ESP_MARKER_LEN : 0;
	memset(s->rqm_tx, 0, off);
	memcpy(s->rqm_tx + off, b.p, b.len);
	s->rqm_tx_len = off + b.len;
	s->rqm_tx_chan = s->floated ? IPSEC_CH_NATT : IPSEC_CH_IKE;
	s->rqm_msgid = msgid;
	s->rqm_waiting = true;
	s->esp_life_got = (uint32_t)MIN((uint64_t)s->esp_life,
					ike_tr_get(t, IPSEC_A_LIFE_DURATION, s->esp_life));
	s->esp_kb_got = t->life_kb;
	wv_info(s->log, "IKE", "the gateway %s started a Quick Mode (it rekeys the IPsec SA); "
		"answering it", s->gw_str);
	wv_dbg(s->log, "IKE", "sending QUICK_MODE %u [ HASH SA No%s ID ID ] (%zu octets)", msgid,
	       dh ? " KE" : "", b.len);
	ike_xmit(s, s->rqm_tx_chan, s->rqm_tx, s->rqm_tx_len);
	wv_wipe(mem, sizeof(mem));
	goto out;
bad:
	wv_dbg(s->log, "IKE", "dropping the gateway's Quick Mode 1: HASH(1), SA, nonce or KE "
	       "missing or wrong");
out:
	ike_dh_free(dh);
	free(sa);
}

void ike_qm_respond_3(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *hash = rx->pl.n ? &rx->pl.pl[0] : NULL;
	uint8_t want[IKE_HASH_MAX];

	if (!hash || hash->type != ISAKMP_PL_HASH || hash->len != s->keys.hlen ||
	    ike_hash_qm3(s->p1_md, &s->keys, rx->hdr.msgid, s->rqm_ni, s->rqm_ni_len, s->rqm_nr,
			 sizeof(s->rqm_nr), want) ||
	    CRYPTO_memcmp(want, hash->body, s->keys.hlen) != 0) {
		wv_dbg(s->log, "IKE", "dropping the gateway's Quick Mode 3: HASH(3) does not "
		       "verify");
		return;
	}
	s->rqm_waiting = false;
	ike_install_sas(s, s->rqm_in, s->rqm_spi_in, s->rqm_out, s->rqm_spi_out);
	s->rqm_in = s->rqm_out = NULL;
	ike_rekey_p2_done(s, false);
}
