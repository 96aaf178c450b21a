/* ike-payload.c -- ISAKMP header, payload chain and payload bodies (RFC 2408
 * §3, RFC 2407 §4.6, RFC 3947 §3.2/§5.2), parsed strictly and generated with a
 * sticky error.
 *
 * One table describes every payload type we know: its name, the shortest and
 * longest body RFC 2408/2409 allow, and whether it may stand in the top-level
 * chain.  The chain walker applies the table to every payload, so the
 * per-body decoders below only have to check their own fields.  Nothing here
 * writes into the input. */
#include "wv.h"

#include <stdio.h>

#include "rd.h"
#include "ike-payload.h"

struct pl_rule {
	uint8_t type;
	bool top;                 /* may appear in the message's chain */
	const char *name;
	size_t min, max;          /* body length bounds */
};

/* Bounds: KE is g^x of a group we know (MODP-768 .. MODP-8192, ECP x|y);
 * nonces are 8..256 octets (RFC 2409 §5); hashes are a prf output (MD5 ..
 * SHA-512); ID and N bodies have fixed fields before their data. */
static const struct pl_rule pl_rules[] = {
	{ ISAKMP_PL_SA, true, "SA", 8, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_P, false, "P", 4, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_T, false, "T", 4, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_KE, true, "KE", 1, 1024 },
	{ ISAKMP_PL_ID, true, "ID", 4, 1024 },
	{ ISAKMP_PL_CERT, true, "CERT", 1, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_CR, true, "CR", 1, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_HASH, true, "HASH", 16, 64 },
	{ ISAKMP_PL_SIG, true, "SIG", 1, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_NONCE, true, "No", 8, 256 },
	{ ISAKMP_PL_N, true, "N", 8, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_D, true, "D", 8, ISAKMP_MSG_MAX },
	{ ISAKMP_PL_VID, true, "V", 1, 512 },
	{ ISAKMP_PL_NATD, true, "NAT-D", 16, 64 },
	{ ISAKMP_PL_NATOA, true, "NAT-OA", 8, 20 },
	{ ISAKMP_PL_NATD_DRAFT, true, "NAT-D(draft)", 16, 64 },
	{ ISAKMP_PL_NATOA_DRAFT, true, "NAT-OA(draft)", 8, 20 },
	{ ISAKMP_PL_FRAG, true, "FRAG", 4, ISAKMP_MSG_MAX },
};

static const struct pl_rule *pl_rule(unsigned type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pl_rules); i++)
		if (pl_rules[i].type == type)
			return &pl_rules[i];
	return NULL;
}

const char *isakmp_pl_name(unsigned type)
{
	const struct pl_rule *r = pl_rule(type);

	return r ? r->name : "?";
}

const char *isakmp_exch_name(unsigned exch)
{
	switch (exch) {
	case ISAKMP_EXCH_ID_PROT: return "ID_PROT";
	case ISAKMP_EXCH_AGGRESSIVE: return "AGGRESSIVE";
	case ISAKMP_EXCH_INFO: return "INFORMATIONAL";
	case ISAKMP_EXCH_TRANSACTION: return "TRANSACTION";
	case ISAKMP_EXCH_QUICK: return "QUICK_MODE";
	default: return "?";
	}
}

static const char *const notify_names[] = {
	[ISAKMP_N_INVALID_PAYLOAD_TYPE] = "INVALID-PAYLOAD-TYPE",
	[ISAKMP_N_DOI_NOT_SUPPORTED] = "DOI-NOT-SUPPORTED",
	[ISAKMP_N_SITUATION_NOT_SUPPORTED] = "SITUATION-NOT-SUPPORTED",
	[ISAKMP_N_INVALID_COOKIE] = "INVALID-COOKIE",
	[ISAKMP_N_INVALID_MAJOR_VERSION] = "INVALID-MAJOR-VERSION",
	[ISAKMP_N_INVALID_MINOR_VERSION] = "INVALID-MINOR-VERSION",
	[ISAKMP_N_INVALID_EXCHANGE_TYPE] = "INVALID-EXCHANGE-TYPE",
	[ISAKMP_N_INVALID_FLAGS] = "INVALID-FLAGS",
	[ISAKMP_N_INVALID_MESSAGE_ID] = "INVALID-MESSAGE-ID",
	[ISAKMP_N_INVALID_PROTOCOL_ID] = "INVALID-PROTOCOL-ID",
	[ISAKMP_N_INVALID_SPI] = "INVALID-SPI",
	[ISAKMP_N_INVALID_TRANSFORM_ID] = "INVALID-TRANSFORM-ID",
	[ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED] = "ATTRIBUTES-NOT-SUPPORTED",
	[ISAKMP_N_NO_PROPOSAL_CHOSEN] = "NO-PROPOSAL-CHOSEN",
	[ISAKMP_N_BAD_PROPOSAL_SYNTAX] = "BAD-PROPOSAL-SYNTAX",
	[ISAKMP_N_PAYLOAD_MALFORMED] = "PAYLOAD-MALFORMED",
	[ISAKMP_N_INVALID_KEY_INFORMATION] = "INVALID-KEY-INFORMATION",
	[ISAKMP_N_INVALID_ID_INFORMATION] = "INVALID-ID-INFORMATION",
	[ISAKMP_N_INVALID_CERT_ENCODING] = "INVALID-CERT-ENCODING",
	[ISAKMP_N_INVALID_CERTIFICATE] = "INVALID-CERTIFICATE",
	[ISAKMP_N_CERT_TYPE_UNSUPPORTED] = "CERT-TYPE-UNSUPPORTED",
	[ISAKMP_N_INVALID_CERT_AUTHORITY] = "INVALID-CERT-AUTHORITY",
	[ISAKMP_N_INVALID_HASH_INFORMATION] = "INVALID-HASH-INFORMATION",
	[ISAKMP_N_AUTHENTICATION_FAILED] = "AUTHENTICATION-FAILED",
	[ISAKMP_N_INVALID_SIGNATURE] = "INVALID-SIGNATURE",
	[ISAKMP_N_ADDRESS_NOTIFICATION] = "ADDRESS-NOTIFICATION",
	[ISAKMP_N_NOTIFY_SA_LIFETIME] = "NOTIFY-SA-LIFETIME",
	[ISAKMP_N_CERTIFICATE_UNAVAILABLE] = "CERTIFICATE-UNAVAILABLE",
	[ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE] = "UNSUPPORTED-EXCHANGE-TYPE",
	[ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS] = "UNEQUAL-PAYLOAD-LENGTHS",
};

const char *isakmp_notify_name(unsigned type)
{
	if (type < ARRAY_SIZE(notify_names) && notify_names[type])
		return notify_names[type];
	switch (type) {
	case ISAKMP_N_CONNECTED: return "CONNECTED";
	case ISAKMP_N_RESPONDER_LIFETIME: return "RESPONDER-LIFETIME";
	case ISAKMP_N_REPLAY_STATUS: return "REPLAY-STATUS";
	case ISAKMP_N_INITIAL_CONTACT: return "INITIAL-CONTACT";
	case ISAKMP_N_DPD_R_U_THERE: return "R-U-THERE";
	case ISAKMP_N_DPD_R_U_THERE_ACK: return "R-U-THERE-ACK";
	default: return type <= ISAKMP_N_ERROR_MAX ? "(unknown error)" : "(unknown status)";
	}
}

/* ---- header ----------------------------------------------------------------- */

int isakmp_hdr_parse(const uint8_t *buf, size_t len, struct isakmp_hdr *h)
{
	struct rd r = rd_init(buf, len);

	memset(h, 0, sizeof(*h));
	rd_copy(&r, h->icookie, ISAKMP_COOKIE_LEN);
	rd_copy(&r, h->rcookie, ISAKMP_COOKIE_LEN);
	h->next = rd_u8(&r);
	h->version = rd_u8(&r);
	h->exch = rd_u8(&r);
	h->flags = rd_u8(&r);
	h->msgid = rd_be32(&r);
	h->len = rd_be32(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	/* RFC 2408 §5.1: a different major version is refused; minor versions
	 * are tolerated (Windows and everyone else send 1.0). */
	if ((h->version >> 4) != 1)
		return -EPROTONOSUPPORT;
	if (h->len < ISAKMP_HDR_LEN || h->len > len || h->len > ISAKMP_MSG_MAX)
		return -EBADMSG;
	return 0;
}

void isakmp_hdr_write(uint8_t *out, const struct isakmp_hdr *h)
{
	memcpy(out, h->icookie, ISAKMP_COOKIE_LEN);
	memcpy(out + 8, h->rcookie, ISAKMP_COOKIE_LEN);
	out[16] = h->next;
	out[17] = h->version ? h->version : ISAKMP_VERSION;
	out[18] = h->exch;
	out[19] = h->flags;
	store_be32(out + 20, h->msgid);
	store_be32(out + 24, h->len);
}

/* ---- the chain ------------------------------------------------------------ */

int ike_payloads_parse(uint8_t first, const uint8_t *buf, size_t len, struct ike_payloads *ps)
{
	struct rd r = rd_init(buf, len);
	uint8_t type = first;

	ps->n = 0;
	ps->used = 0;
	while (type != ISAKMP_PL_NONE) {
		const struct pl_rule *rule = pl_rule(type);
		const uint8_t *hdr = r.p;
		uint8_t next;
		uint16_t plen;
		size_t body;

		next = rd_u8(&r);
		rd_u8(&r);                   /* RESERVED: RFC 2408 wants 0; not checked */
		plen = rd_be16(&r);
		/* A length below the generic header would never advance: reject
		 * it before anything else (STYLE.md 5). */
		if (!rd_ok(&r) || plen < ISAKMP_GEN_HDR_LEN)
			return -EBADMSG;
		body = plen - ISAKMP_GEN_HDR_LEN;
		if (body > rd_left(&r))
			return -EBADMSG;
		if (rule) {
			if (!rule->top || body < rule->min || body > rule->max)
				return -EBADMSG;
		} else if (type < 128) {
			return -ENOMSG;
		}
		if (ps->n == IKE_MAX_PAYLOADS)
			return -E2BIG;
		ps->pl[ps->n].type = type;
		ps->pl[ps->n].hdr = hdr;
		ps->pl[ps->n].body = r.p;
		ps->pl[ps->n].len = body;
		ps->n++;
		rd_skip(&r, body);
		type = next;
	}
	ps->used = len - rd_left(&r);
	return 0;
}

const struct ike_pl *ike_payloads_find(const struct ike_payloads *ps, uint8_t type, unsigned idx)
{
	unsigned i;

	for (i = 0; i < ps->n; i++)
		if (ps->pl[i].type == type && idx-- == 0)
			return &ps->pl[i];
	return NULL;
}

unsigned ike_payloads_count(const struct ike_payloads *ps, uint8_t type)
{
	unsigned i, n = 0;

	for (i = 0; i < ps->n; i++)
		n += ps->pl[i].type == type;
	return n;
}

void ike_payloads_describe(const struct ike_payloads *ps, char *out, size_t cap)
{
	size_t pos = 0;
	unsigned i;

	if (!cap)
		return;
	out[0] = 0;
	for (i = 0; i < ps->n && pos < cap; i++) {
		const struct pl_rule *r = pl_rule(ps->pl[i].type);
		int k;

		if (r)
			k = snprintf(out + pos, cap - pos, "%s%s", i ? " " : "", r->name);
		else
			k = snprintf(out + pos, cap - pos, "%s#%u", i ? " " : "", ps->pl[i].type);
		if (k < 0)
			break;
		pos += (size_t)k;
	}
}

/* ---- SA ----------------------------------------------------------------------- */

/* One data attribute (RFC 2408 §3.3): AF set = basic, 2-octet value in the
 * header; AF clear = variable, a 2-octet length and that many octets. */
static int attr_parse(struct rd *r, struct ike_transform *t)
{
	uint16_t af_type = rd_be16(r);
	uint16_t type = af_type & 0x7fff;
	uint64_t val = 0;
	bool fits = true;

	if (af_type & 0x8000) {
		val = rd_be16(r);
	} else {
		uint16_t n = rd_be16(r);
		const uint8_t *v = rd_bytes(r, n);
		uint16_t i;

		if (!v)
			return -EBADMSG;
		if (n > 8 || n == 0)
			fits = false;
		for (i = 0; fits && i < n; i++)
			val = val << 8 | v[i];
	}
	if (!rd_ok(r))
		return -EBADMSG;
	if (type == 0 || type >= IKE_ATTR_SLOTS || !fits) {
		t->unknown_attr = true;
		return 0;
	}
	/* Life type (IPsec 1, IKE 11) then duration (2, 12): a kilobytes pair
	 * besides a seconds pair is not a duplicate. */
	if (type == IPSEC_A_LIFE_TYPE || type == IKE_A_LIFE_TYPE) {
		t->cur_life_type = (uint8_t)MIN(val, 255u);
		if (val == IKE_LIFE_KB)
			return 0;
	} else if ((type == IPSEC_A_LIFE_DURATION || type == IKE_A_LIFE_DURATION) &&
		   t->cur_life_type == IKE_LIFE_KB) {
		t->life_kb = val;
		t->cur_life_type = 0;
		return 0;
	}
	if (t->present & (1u << type))
		t->dup_attr = true;
	t->present |= 1u << type;
	t->val[type] = val;
	return 0;
}

static int transform_parse(struct rd *r, struct ike_transform *t, bool *last)
{
	uint8_t next = rd_u8(r);
	uint16_t len;
	struct rd body;

	rd_u8(r);
	len = rd_be16(r);
	if (!rd_ok(r) || len < 8 || (next != ISAKMP_PL_T && next != ISAKMP_PL_NONE))
		return -EBADMSG;
	body = rd_sub(r, len - ISAKMP_GEN_HDR_LEN);
	if (!rd_ok(&body))
		return -EBADMSG;
	memset(t, 0, sizeof(*t));
	t->num = rd_u8(&body);
	t->id = rd_u8(&body);
	rd_be16(&body);                          /* RESERVED2 */
	while (rd_ok(&body) && rd_left(&body) > 0) {
		if (attr_parse(&body, t) < 0)
			return -EBADMSG;
	}
	if (!rd_ok(&body))
		return -EBADMSG;
	*last = next == ISAKMP_PL_NONE;
	return 0;
}

static int proposal_parse(struct rd *r, struct ike_sa_payload *sa, bool *last)
{
	struct ike_proposal *p;
	uint8_t next = rd_u8(r), n_trans, i;
	uint16_t len;
	struct rd body;
	bool tlast = false;

	rd_u8(r);
	len = rd_be16(r);
	if (!rd_ok(r) || len < 8 || (next != ISAKMP_PL_P && next != ISAKMP_PL_NONE))
		return -EBADMSG;
	body = rd_sub(r, len - ISAKMP_GEN_HDR_LEN);
	if (!rd_ok(&body))
		return -EBADMSG;
	if (sa->n_prop == IKE_MAX_PROPOSALS)
		return -E2BIG;
	p = &sa->prop[sa->n_prop];
	memset(p, 0, sizeof(*p));
	p->num = rd_u8(&body);
	p->proto = rd_u8(&body);
	p->spi_size = rd_u8(&body);
	n_trans = rd_u8(&body);
	if (!rd_ok(&body) || p->spi_size > sizeof(p->spi) || n_trans == 0)
		return -EBADMSG;
	rd_copy(&body, p->spi, p->spi_size);
	p->first = sa->n_trans;
	for (i = 0; i < n_trans; i++) {
		int ret;

		if (tlast)
			return -EBADMSG;         /* more transforms than the chain has */
		if (sa->n_trans == IKE_MAX_TRANSFORMS)
			return -E2BIG;
		ret = transform_parse(&body, &sa->trans[sa->n_trans], &tlast);
		if (ret < 0)
			return ret;
		sa->n_trans++;
	}
	/* "# of Transforms" must match the chain exactly, with nothing after it. */
	if (!tlast || rd_left(&body) != 0 || !rd_ok(&body))
		return -EBADMSG;
	p->count = n_trans;
	sa->n_prop++;
	*last = next == ISAKMP_PL_NONE;
	return 0;
}

int ike_sa_parse(const uint8_t *body, size_t len, struct ike_sa_payload *sa)
{
	struct rd r = rd_init(body, len);
	bool last = false;

	sa->n_prop = 0;
	sa->n_trans = 0;
	sa->doi = rd_be32(&r);
	sa->situation = rd_be32(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	if (sa->doi != ISAKMP_DOI_IPSEC || sa->situation != ISAKMP_SIT_IDENTITY_ONLY)
		return -EPROTONOSUPPORT;
	while (!last) {
		int ret;

		if (rd_left(&r) == 0)
			return -EBADMSG;
		ret = proposal_parse(&r, sa, &last);
		if (ret < 0)
			return ret;
	}
	return rd_left(&r) == 0 ? 0 : -EBADMSG;
}

/* ---- other bodies ----------------------------------------------------------- */

int ike_id_parse(const uint8_t *body, size_t len, struct ike_id *id)
{
	struct rd r = rd_init(body, len);

	id->type = rd_u8(&r);
	id->proto = rd_u8(&r);
	id->port = rd_be16(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	id->data = r.p;
	id->len = rd_left(&r);
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
		return id->len == 4 ? 0 : -EBADMSG;
	case IKE_ID_IPV4_ADDR_SUBNET:
	case IKE_ID_IPV4_ADDR_RANGE:
		return id->len == 8 ? 0 : -EBADMSG;
	case IKE_ID_IPV6_ADDR:
		return id->len == 16 ? 0 : -EBADMSG;
	case IKE_ID_IPV6_ADDR_SUBNET:
	case IKE_ID_IPV6_ADDR_RANGE:
		return id->len == 32 ? 0 : -EBADMSG;
	default:
		return 0;
	}
}

int ike_notify_parse(const uint8_t *body, size_t len, struct ike_notify *n)
{
	struct rd r = rd_init(body, len);

	n->doi = rd_be32(&r);
	n->proto = rd_u8(&r);
	n->spi_size = rd_u8(&r);
	n->type = rd_be16(&r);
	n->spi = rd_bytes(&r, n->spi_size);
	if (!rd_ok(&r))
		return -EBADMSG;
	n->data = r.p;
	n->data_len = rd_left(&r);
	return 0;
}

int ike_delete_parse(const uint8_t *body, size_t len, struct ike_delete *d)
{
	struct rd r = rd_init(body, len);

	d->doi = rd_be32(&r);
	d->proto = rd_u8(&r);
	d->spi_size = rd_u8(&r);
	d->n_spi = rd_be16(&r);
	if (!rd_ok(&r) || d->spi_size == 0 || d->n_spi == 0)
		return -EBADMSG;
	/* The SPIs must fill the body exactly (RFC 2408 §3.15). */
	if ((size_t)d->spi_size * d->n_spi != rd_left(&r))
		return -EBADMSG;
	d->spis = r.p;
	return 0;
}

int ike_natoa_parse(const uint8_t *body, size_t len, struct ike_natoa *oa)
{
	struct rd r = rd_init(body, len);

	oa->id_type = rd_u8(&r);
	rd_skip(&r, 3);
	if (!rd_ok(&r))
		return -EBADMSG;
	if (oa->id_type == IKE_ID_IPV4_ADDR)
		oa->addr_len = 4;
	else if (oa->id_type == IKE_ID_IPV6_ADDR)
		oa->addr_len = 16;
	else
		return -EBADMSG;
	if (rd_left(&r) != oa->addr_len)
		return -EBADMSG;
	rd_copy(&r, oa->addr, oa->addr_len);
	return 0;
}

/* ---- generator ---------------------------------------------------------------- */

void ikeb_init(struct ike_buf *b, uint8_t *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->err = false;
	b->next_at = 0;
}

uint8_t *ikeb_reserve(struct ike_buf *b, size_t n)
{
	uint8_t *at;

	if (b->err || b->cap - b->len < n) {
		b->err = true;
		return NULL;
	}
	at = b->p + b->len;
	b->len += n;
	return at;
}

void ikeb_put(struct ike_buf *b, const void *data, size_t n)
{
	uint8_t *at = ikeb_reserve(b, n);

	if (at && n)
		memcpy(at, data, n);
}

void ikeb_u8(struct ike_buf *b, uint8_t v)
{
	ikeb_put(b, &v, 1);
}

void ikeb_be16(struct ike_buf *b, uint16_t v)
{
	uint8_t *at = ikeb_reserve(b, 2);

	if (at)
		store_be16(at, v);
}

void ikeb_be32(struct ike_buf *b, uint32_t v)
{
	uint8_t *at = ikeb_reserve(b, 4);

	if (at)
		store_be32(at, v);
}

void ikeb_msg_begin(struct ike_buf *b, const struct isakmp_hdr *h)
{
	uint8_t *at = ikeb_reserve(b, ISAKMP_HDR_LEN);
	struct isakmp_hdr hh = *h;

	if (!at)
		return;
	hh.next = ISAKMP_PL_NONE;
	hh.len = 0;
	isakmp_hdr_write(at, &hh);
	b->next_at = (size_t)(at - b->p) + 16;
}

void ikeb_msg_end(struct ike_buf *b)
{
	if (!b->err && b->len >= ISAKMP_HDR_LEN)
		store_be32(b->p + 24, (uint32_t)b->len);
}

size_t ikeb_pl_begin(struct ike_buf *b, uint8_t type)
{
	size_t off = b->len;
	uint8_t *at = ikeb_reserve(b, ISAKMP_GEN_HDR_LEN);

	if (!at)
		return 0;
	if (b->next_at)
		b->p[b->next_at] = type;
	at[0] = ISAKMP_PL_NONE;
	at[1] = 0;
	store_be16(at + 2, 0);
	b->next_at = off;
	return off;
}

void ikeb_pl_end(struct ike_buf *b, size_t off)
{
	size_t n;

	if (b->err)
		return;
	n = b->len - off;
	if (n > 0xffff) {
		b->err = true;
		return;
	}
	store_be16(b->p + off + 2, (uint16_t)n);
}

void ikeb_pl_data(struct ike_buf *b, uint8_t type, const void *data, size_t len)
{
	size_t off = ikeb_pl_begin(b, type);

	ikeb_put(b, data, len);
	ikeb_pl_end(b, off);
}

void ikeb_pl_id(struct ike_buf *b, uint8_t id_type, uint8_t proto, uint16_t port,
		const void *data, size_t len)
{
	size_t off = ikeb_pl_begin(b, ISAKMP_PL_ID);

	ikeb_u8(b, id_type);
	ikeb_u8(b, proto);
	ikeb_be16(b, port);
	ikeb_put(b, data, len);
	ikeb_pl_end(b, off);
}

void ikeb_pl_notify(struct ike_buf *b, uint8_t proto, const void *spi, uint8_t spi_size,
		    uint16_t type, const void *data, size_t len)
{
	size_t off = ikeb_pl_begin(b, ISAKMP_PL_N);

	ikeb_be32(b, ISAKMP_DOI_IPSEC);
	ikeb_u8(b, proto);
	ikeb_u8(b, spi_size);
	ikeb_be16(b, type);
	ikeb_put(b, spi, spi_size);
	ikeb_put(b, data, len);
	ikeb_pl_end(b, off);
}

void ikeb_pl_delete(struct ike_buf *b, uint8_t proto, uint8_t spi_size, const void *spis,
		    uint16_t n_spi)
{
	size_t off = ikeb_pl_begin(b, ISAKMP_PL_D);

	ikeb_be32(b, ISAKMP_DOI_IPSEC);
	ikeb_u8(b, proto);
	ikeb_u8(b, spi_size);
	ikeb_be16(b, n_spi);
	ikeb_put(b, spis, (size_t)spi_size * n_spi);
	ikeb_pl_end(b, off);
}

void ikeb_pl_natoa(struct ike_buf *b, uint8_t type, const uint8_t addr4[4])
{
	size_t off = ikeb_pl_begin(b, type);

	ikeb_u8(b, IKE_ID_IPV4_ADDR);
	ikeb_u8(b, 0);
	ikeb_be16(b, 0);
	ikeb_put(b, addr4, 4);
	ikeb_pl_end(b, off);
}

size_t ikeb_sa_begin(struct ike_buf *b)
{
	size_t off = ikeb_pl_begin(b, ISAKMP_PL_SA);

	ikeb_be32(b, ISAKMP_DOI_IPSEC);
	ikeb_be32(b, ISAKMP_SIT_IDENTITY_ONLY);
	return off;
}

void ikeb_sa_end(struct ike_buf *b, size_t off)
{
	ikeb_pl_end(b, off);
}

/* Proposal and transform headers chain inside the SA with their own Next
 * (2 or 3, 0 for the last), not through the message's chain. */
static size_t sub_begin(struct ike_buf *b, uint8_t next)
{
	size_t off = b->len;
	uint8_t *at = ikeb_reserve(b, ISAKMP_GEN_HDR_LEN);

	if (!at)
		return 0;
	at[0] = next;
	at[1] = 0;
	store_be16(at + 2, 0);
	return off;
}

size_t ikeb_prop_begin(struct ike_buf *b, uint8_t num, uint8_t proto, const void *spi,
		       uint8_t spi_size, uint8_t n_trans, bool last)
{
	size_t off = sub_begin(b, last ? ISAKMP_PL_NONE : ISAKMP_PL_P);

	ikeb_u8(b, num);
	ikeb_u8(b, proto);
	ikeb_u8(b, spi_size);
	ikeb_u8(b, n_trans);
	ikeb_put(b, spi, spi_size);
	return off;
}

void ikeb_prop_end(struct ike_buf *b, size_t off)
{
	ikeb_pl_end(b, off);
}

size_t ikeb_tr_begin(struct ike_buf *b, uint8_t num, uint8_t id, bool last)
{
	size_t off = sub_begin(b, last ? ISAKMP_PL_NONE : ISAKMP_PL_T);

	ikeb_u8(b, num);
	ikeb_u8(b, id);
	ikeb_be16(b, 0);
	return off;
}

void ikeb_tr_end(struct ike_buf *b, size_t off)
{
	ikeb_pl_end(b, off);
}

void ikeb_attr(struct ike_buf *b, uint16_t type, uint64_t val)
{
	if (val <= 0xffff) {
		ikeb_be16(b, (uint16_t)(0x8000 | type));
		ikeb_be16(b, (uint16_t)val);
	} else if (val <= 0xffffffffu) {
		ikeb_attr_tlv32(b, type, (uint32_t)val);
	} else {
		ikeb_be16(b, type & 0x7fff);
		ikeb_be16(b, 8);
		ikeb_be32(b, (uint32_t)(val >> 32));
		ikeb_be32(b, (uint32_t)val);
	}
}

void ikeb_attr_tlv32(struct ike_buf *b, uint16_t type, uint32_t val)
{
	ikeb_be16(b, type & 0x7fff);
	ikeb_be16(b, 4);
	ikeb_be32(b, val);
}
