/* test-ike-payload.c -- ISAKMP header, payload chain and bodies (RFC 2408 §3):
 * exact bytes of a generated SA (checked by hand against RFC 2408 §3.4-3.6
 * and RFC 2409 Appendix A), the round trip through the parser, and every
 * length rule the parser enforces. */
#include "wv.h"

#include <stdlib.h>

#include "check.h"
#include "rd.h"
#include "ipsec/ike-payload.h"

/* SA with one ISAKMP proposal and one transform: AES-256 / SHA1 / PSK /
 * MODP2048 / 28800 s, the life duration as a 4-octet TLV as Windows sends it. */
static const uint8_t sa_ref[] = {
	0x00, 0x00, 0x00, 0x3c,                         /* SA: next 0, length 60 */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, /* DOI IPsec, SIT_IDENTITY_ONLY */
	0x00, 0x00, 0x00, 0x30,                         /* P: last, length 48 */
	0x01, 0x01, 0x00, 0x01,                         /* #1 PROTO_ISAKMP, SPI 0, 1 transform */
	0x00, 0x00, 0x00, 0x28,                         /* T: last, length 40 */
	0x01, 0x01, 0x00, 0x00,                         /* #1 KEY_IKE */
	0x80, 0x01, 0x00, 0x07,                         /* encryption AES-CBC */
	0x80, 0x0e, 0x01, 0x00,                         /* key length 256 */
	0x80, 0x02, 0x00, 0x02,                         /* hash SHA */
	0x80, 0x03, 0x00, 0x01,                         /* auth PSK */
	0x80, 0x04, 0x00, 0x0e,                         /* group 14 */
	0x80, 0x0b, 0x00, 0x01,                         /* life type seconds */
	0x00, 0x0c, 0x00, 0x04, 0x00, 0x00, 0x70, 0x80, /* life duration 28800 (TLV) */
};

static size_t build_sa(struct ike_buf *b)
{
	size_t sa = ikeb_sa_begin(b), p, t;

	p = ikeb_prop_begin(b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0, 1, true);
	t = ikeb_tr_begin(b, 1, ISAKMP_KEY_IKE, true);
	ikeb_attr(b, IKE_A_ENC, IKE_ENC_AES_CBC);
	ikeb_attr(b, IKE_A_KEY_LENGTH, 256);
	ikeb_attr(b, IKE_A_HASH, IKE_HASH_SHA1);
	ikeb_attr(b, IKE_A_AUTH, IKE_AUTH_PSK);
	ikeb_attr(b, IKE_A_GROUP, 14);
	ikeb_attr(b, IKE_A_LIFE_TYPE, IKE_LIFE_SECONDS);
	ikeb_attr_tlv32(b, IKE_A_LIFE_DURATION, 28800);
	ikeb_tr_end(b, t);
	ikeb_prop_end(b, p);
	ikeb_sa_end(b, sa);
	return sa;
}

static void test_sa_bytes(void)
{
	uint8_t mem[256];
	struct ike_buf b;
	struct ike_sa_payload sa;
	const struct ike_transform *t;

	ikeb_init(&b, mem, sizeof(mem));
	build_sa(&b);
	CHECK(ikeb_ok(&b));
	CHECK(b.len == sizeof(sa_ref));
	CHECK_MEM(mem, sa_ref, sizeof(sa_ref));

	CHECK(ike_sa_parse(sa_ref + 4, sizeof(sa_ref) - 4, &sa) == 0);
	CHECK(sa.n_prop == 1 && sa.n_trans == 1);
	CHECK(sa.prop[0].proto == ISAKMP_PROTO_ISAKMP && sa.prop[0].count == 1);
	t = &sa.trans[0];
	CHECK(t->id == ISAKMP_KEY_IKE && !t->unknown_attr && !t->dup_attr);
	CHECK(ike_tr_get(t, IKE_A_ENC, 0) == IKE_ENC_AES_CBC);
	CHECK(ike_tr_get(t, IKE_A_KEY_LENGTH, 0) == 256);
	CHECK(ike_tr_get(t, IKE_A_GROUP, 0) == 14);
	CHECK(ike_tr_get(t, IKE_A_LIFE_DURATION, 0) == 28800);
	CHECK(!ike_tr_has(t, IKE_A_PRF));
}

static void test_sa_errors(void)
{
	uint8_t bad[sizeof(sa_ref) + 1];
	struct ike_sa_payload sa;
	size_t k;

	/* every truncation of the body fails */
	for (k = 0; k < sizeof(sa_ref) - 4; k++)
		CHECK(ike_sa_parse(sa_ref + 4, k, &sa) < 0);
	/* a trailing octet after the last proposal */
	memcpy(bad, sa_ref, sizeof(sa_ref));
	bad[sizeof(sa_ref)] = 0;
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == 0);
	CHECK(ike_sa_parse(bad + 4, sizeof(bad) - 4, &sa) == -EBADMSG);
	/* another DOI */
	bad[7] = 2;
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == -EPROTONOSUPPORT);
	bad[7] = 1;
	/* "# of transforms" says 2, the chain has 1 */
	bad[19] = 2;
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == -EBADMSG);
	bad[19] = 1;
	/* transform claims "more follow" but none does */
	bad[20] = ISAKMP_PL_T;
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == -EBADMSG);
	bad[20] = 0;
	/* transform length below its header */
	bad[23] = 4;
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == -EBADMSG);
	bad[23] = 0x28;
	/* a TLV attribute whose length runs past the transform */
	bad[55] = 0x09;
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == -EBADMSG);
	bad[55] = 0x04;
	/* proposal next = 7 (nonsense) */
	bad[12] = 7;
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == -EBADMSG);
	bad[12] = 0;
	/* a duplicate attribute is flagged, an unknown one too */
	bad[44] = 0x80; bad[45] = 0x02;                 /* group -> hash again */
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == 0 && sa.trans[0].dup_attr);
	bad[45] = 0x30;                                 /* type 48 */
	CHECK(ike_sa_parse(bad + 4, sizeof(sa_ref) - 4, &sa) == 0 && sa.trans[0].unknown_attr);
}

/* A phase-2 style SA: two proposals, the first with two transforms, SPI 4 octets. */
static void test_sa_multi(void)
{
	static const uint8_t spi[4] = { 0xc0, 0x01, 0xca, 0xfe };
	uint8_t mem[512];
	struct ike_buf b;
	struct ike_sa_payload sa;
	size_t s, p, t;

	ikeb_init(&b, mem, sizeof(mem));
	s = ikeb_sa_begin(&b);
	p = ikeb_prop_begin(&b, 1, ISAKMP_PROTO_ESP, spi, 4, 2, false);
	t = ikeb_tr_begin(&b, 1, ESP_T_AES_CBC, false);
	ikeb_attr(&b, IPSEC_A_KEY_LENGTH, 256);
	ikeb_attr(&b, IPSEC_A_AUTH, IPSEC_AUTH_HMAC_SHA1);
	ikeb_attr(&b, IPSEC_A_ENCAP, IPSEC_ENCAP_UDP_TRANSPORT_DRAFT);
	ikeb_attr(&b, IPSEC_A_LIFE_DURATION, 0x12345678u);
	ikeb_attr(&b, IPSEC_A_KEY_ROUNDS, 0x123456789aull);
	ikeb_tr_end(&b, t);
	t = ikeb_tr_begin(&b, 2, ESP_T_3DES, true);
	ikeb_attr(&b, IPSEC_A_AUTH, IPSEC_AUTH_HMAC_SHA1);
	ikeb_tr_end(&b, t);
	ikeb_prop_end(&b, p);
	p = ikeb_prop_begin(&b, 2, ISAKMP_PROTO_ESP, spi, 4, 1, true);
	t = ikeb_tr_begin(&b, 1, ESP_T_AES_GCM_16, true);
	ikeb_tr_end(&b, t);
	ikeb_prop_end(&b, p);
	ikeb_sa_end(&b, s);
	CHECK(ikeb_ok(&b));
	CHECK(ike_sa_parse(mem + 4, b.len - 4, &sa) == 0);
	CHECK(sa.n_prop == 2 && sa.n_trans == 3);
	CHECK(sa.prop[0].spi_size == 4 && memcmp(sa.prop[0].spi, spi, 4) == 0);
	CHECK(sa.prop[0].first == 0 && sa.prop[0].count == 2);
	CHECK(sa.prop[1].first == 2 && sa.prop[1].count == 1);
	CHECK(sa.trans[0].id == ESP_T_AES_CBC);
	CHECK(ike_tr_get(&sa.trans[0], IPSEC_A_ENCAP, 0) == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT);
	CHECK(ike_tr_get(&sa.trans[0], IPSEC_A_LIFE_DURATION, 0) == 0x12345678u);
	CHECK(ike_tr_get(&sa.trans[0], IPSEC_A_KEY_ROUNDS, 0) == 0x123456789aull);
	CHECK(sa.trans[1].id == ESP_T_3DES && sa.trans[2].id == ESP_T_AES_GCM_16);
	CHECK(load_be16(mem + b.len - 8 + 2) == 8);       /* GCM transform: header only */
}

static void test_message(void)
{
	static const uint8_t vid[16] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
					 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
	static const uint8_t addr[4] = { 10, 99, 1, 1 };
	struct isakmp_hdr h = { .icookie = { 1, 2, 3, 4, 5, 6, 7, 8 }, .exch = ISAKMP_EXCH_ID_PROT,
				.msgid = 0 }, ph;
	uint8_t mem[512], spis[8] = { 0, 0, 0, 1, 0, 0, 0, 2 }, nonce[16] = { 9 };
	struct ike_buf b;
	struct ike_payloads ps;
	struct ike_id id;
	struct ike_notify n;
	struct ike_delete d;
	struct ike_natoa oa;
	const struct ike_pl *pl;
	char desc[128];
	size_t k;

	ikeb_init(&b, mem, sizeof(mem));
	ikeb_msg_begin(&b, &h);
	build_sa(&b);
	ikeb_pl_data(&b, ISAKMP_PL_VID, vid, sizeof(vid));
	ikeb_pl_data(&b, ISAKMP_PL_NONCE, nonce, sizeof(nonce));
	ikeb_pl_id(&b, IKE_ID_IPV4_ADDR, 17, 1701, addr, 4);
	ikeb_pl_notify(&b, ISAKMP_PROTO_ISAKMP, h.icookie, 8, ISAKMP_N_INITIAL_CONTACT, NULL, 0);
	ikeb_pl_delete(&b, ISAKMP_PROTO_ESP, 4, spis, 2);
	ikeb_pl_natoa(&b, ISAKMP_PL_NATOA, addr);
	ikeb_msg_end(&b);
	CHECK(ikeb_ok(&b));
	CHECK(mem[16] == ISAKMP_PL_SA && mem[17] == 0x10 && mem[18] == 2);
	CHECK(load_be32(mem + 24) == b.len);

	CHECK(isakmp_hdr_parse(mem, b.len, &ph) == 0);
	CHECK(ph.len == b.len && ph.next == ISAKMP_PL_SA && memcmp(ph.icookie, h.icookie, 8) == 0);
	CHECK(ike_payloads_parse(ph.next, mem + ISAKMP_HDR_LEN, b.len - ISAKMP_HDR_LEN, &ps) == 0);
	CHECK(ps.n == 7 && ps.used == b.len - ISAKMP_HDR_LEN);
	ike_payloads_describe(&ps, desc, sizeof(desc));
	CHECK_STR(desc, "SA V No ID N D NAT-OA");
	CHECK(ike_payloads_count(&ps, ISAKMP_PL_VID) == 1);
	pl = ike_payloads_find(&ps, ISAKMP_PL_VID, 0);
	CHECK(pl && pl->len == 16 && memcmp(pl->body, vid, 16) == 0 && pl->hdr == pl->body - 4);
	CHECK(ike_payloads_find(&ps, ISAKMP_PL_VID, 1) == NULL);

	pl = ike_payloads_find(&ps, ISAKMP_PL_ID, 0);
	CHECK(pl && ike_id_parse(pl->body, pl->len, &id) == 0);
	CHECK(id.type == IKE_ID_IPV4_ADDR && id.proto == 17 && id.port == 1701 && id.len == 4);
	pl = ike_payloads_find(&ps, ISAKMP_PL_N, 0);
	CHECK(pl && ike_notify_parse(pl->body, pl->len, &n) == 0);
	CHECK(n.type == ISAKMP_N_INITIAL_CONTACT && n.spi_size == 8 && n.data_len == 0);
	CHECK(n.proto == ISAKMP_PROTO_ISAKMP && memcmp(n.spi, h.icookie, 8) == 0);
	pl = ike_payloads_find(&ps, ISAKMP_PL_D, 0);
	CHECK(pl && ike_delete_parse(pl->body, pl->len, &d) == 0);
	CHECK(d.n_spi == 2 && d.spi_size == 4 && load_be32(d.spis + 4) == 2);
	CHECK(pl && ike_delete_parse(pl->body, pl->len - 1, &d) == -EBADMSG);
	pl = ike_payloads_find(&ps, ISAKMP_PL_NATOA, 0);
	CHECK(pl && ike_natoa_parse(pl->body, pl->len, &oa) == 0 && oa.addr_len == 4);
	CHECK(memcmp(oa.addr, addr, 4) == 0);

	/* Padding after the last payload is allowed (encrypted messages). */
	memset(mem + b.len, 0, 12);
	CHECK(ike_payloads_parse(ph.next, mem + ISAKMP_HDR_LEN, b.len - ISAKMP_HDR_LEN + 12,
				 &ps) == 0);
	CHECK(ps.n == 7 && ps.used == b.len - ISAKMP_HDR_LEN);

	/* every truncation of the chain fails (the last payload cut short, too) */
	for (k = 0; k < b.len - ISAKMP_HDR_LEN; k++)
		CHECK(ike_payloads_parse(ph.next, mem + ISAKMP_HDR_LEN, k, &ps) == -EBADMSG);
	/* the header: short, or Length beyond what we have */
	for (k = 0; k < ISAKMP_HDR_LEN; k++)
		CHECK(isakmp_hdr_parse(mem, k, &ph) == -EBADMSG);
	CHECK(isakmp_hdr_parse(mem, b.len - 1, &ph) == -EBADMSG);
	store_be32(mem + 24, 20);
	CHECK(isakmp_hdr_parse(mem, b.len, &ph) == -EBADMSG);
	store_be32(mem + 24, (uint32_t)b.len);
	mem[17] = 0x20;
	CHECK(isakmp_hdr_parse(mem, b.len, &ph) == -EPROTONOSUPPORT);
	mem[17] = 0x10;
}

static void test_chain_rules(void)
{
	uint8_t buf[64];
	struct ike_payloads ps;
	struct ike_buf b;
	unsigned i;

	/* generic length 0 or 3: rejected, never loops */
	memset(buf, 0, sizeof(buf));
	CHECK(ike_payloads_parse(ISAKMP_PL_VID, buf, 4, &ps) == -EBADMSG);
	store_be16(buf + 2, 3);
	CHECK(ike_payloads_parse(ISAKMP_PL_VID, buf, 4, &ps) == -EBADMSG);
	/* VID of length 4 (empty body) is below the minimum of 1 */
	store_be16(buf + 2, 4);
	CHECK(ike_payloads_parse(ISAKMP_PL_VID, buf, 4, &ps) == -EBADMSG);
	/* a nonce of 7 octets is below RFC 2409's 8 */
	store_be16(buf + 2, 11);
	CHECK(ike_payloads_parse(ISAKMP_PL_NONCE, buf, 11, &ps) == -EBADMSG);
	store_be16(buf + 2, 12);
	CHECK(ike_payloads_parse(ISAKMP_PL_NONCE, buf, 12, &ps) == 0 && ps.n == 1);
	/* a proposal (P) at the top level */
	CHECK(ike_payloads_parse(ISAKMP_PL_P, buf, 12, &ps) == -EBADMSG);
	/* unknown type below 128: INVALID-PAYLOAD-TYPE; private types pass */
	CHECK(ike_payloads_parse(50, buf, 12, &ps) == -ENOMSG);
	CHECK(ike_payloads_parse(200, buf, 12, &ps) == 0 && ps.pl[0].type == 200);
	/* HASH above 64 octets */
	store_be16(buf + 2, 4 + 65);
	CHECK(ike_payloads_parse(ISAKMP_PL_HASH, buf, sizeof(buf), &ps) == -EBADMSG);

	/* more payloads than we keep */
	{
		uint8_t many[(IKE_MAX_PAYLOADS + 1) * 5];
		for (i = 0; i <= IKE_MAX_PAYLOADS; i++) {
			many[i * 5] = i == IKE_MAX_PAYLOADS ? 0 : ISAKMP_PL_VID;
			many[i * 5 + 1] = 0;
			store_be16(many + i * 5 + 2, 5);
			many[i * 5 + 4] = (uint8_t)i;
		}
		CHECK(ike_payloads_parse(ISAKMP_PL_VID, many, sizeof(many), &ps) == -E2BIG);
		CHECK(ike_payloads_parse(ISAKMP_PL_VID, many + 5, sizeof(many) - 5, &ps) == 0);
		CHECK(ps.n == IKE_MAX_PAYLOADS);
	}

	/* the generator's sticky error */
	ikeb_init(&b, buf, 10);
	ikeb_pl_data(&b, ISAKMP_PL_VID, "0123456789", 10);
	CHECK(!ikeb_ok(&b));
	ikeb_u8(&b, 1);
	CHECK(!ikeb_ok(&b) && b.len <= 10);
}

static void test_bodies(void)
{
	static const uint8_t n_short[] = { 0, 0, 0, 1, 1, 16, 0, 14, 1, 2 };
	static const uint8_t id_fqdn[] = { IKE_ID_FQDN, 0, 0, 0, 'v', 'p', 'n' };
	static const uint8_t id_bad[] = { IKE_ID_IPV4_ADDR, 17, 0x06, 0xa5, 10, 0, 0 };
	static const uint8_t oa_bad[] = { 7, 0, 0, 0, 1, 2, 3, 4 };
	struct ike_notify n;
	struct ike_id id;
	struct ike_natoa oa;
	struct ike_delete d;
	static const uint8_t d_zero[] = { 0, 0, 0, 1, 3, 4, 0, 0 };

	CHECK(ike_notify_parse(n_short, sizeof(n_short), &n) == -EBADMSG);   /* SPI 16 > left */
	CHECK(ike_id_parse(id_fqdn, sizeof(id_fqdn), &id) == 0 && id.len == 3);
	CHECK(ike_id_parse(id_bad, sizeof(id_bad), &id) == -EBADMSG);
	CHECK(ike_natoa_parse(oa_bad, sizeof(oa_bad), &oa) == -EBADMSG);
	CHECK(ike_delete_parse(d_zero, sizeof(d_zero), &d) == -EBADMSG);
	CHECK_STR(isakmp_notify_name(ISAKMP_N_NO_PROPOSAL_CHOSEN), "NO-PROPOSAL-CHOSEN");
	CHECK_STR(isakmp_notify_name(ISAKMP_N_DPD_R_U_THERE_ACK), "R-U-THERE-ACK");
	CHECK_STR(isakmp_exch_name(ISAKMP_EXCH_QUICK), "QUICK_MODE");
	CHECK_STR(isakmp_pl_name(ISAKMP_PL_NATD_DRAFT), "NAT-D(draft)");
}

int main(void)
{
	test_sa_bytes();
	test_sa_errors();
	test_sa_multi();
	test_message();
	test_chain_rules();
	test_bodies();
	return check_done("test-ike-payload");
}
