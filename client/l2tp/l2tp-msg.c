/* l2tp-msg.c -- L2TP on the wire (RFC 2661 §3, §4): the header shared by
 * control and data messages, the AVPs of control messages, hidden AVPs and
 * the tunnel-authentication digest.
 *
 * AVPs are rows of one table (type, name, value length bounds); one decoder
 * walks a message, checks every AVP against its row and reveals hidden ones,
 * so supporting a new AVP is a table edit.  Messages are built with a small
 * builder whose errors are sticky. */
#include "wv.h"

#include <stdarg.h>
#include <stdio.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "rd.h"
#include "l2tp-int.h"

#define ANY 1017                /* longest value: Length is 10 bits, minus the header */

/* §4.4.  The bounds apply to the (revealed) value. */
static const struct l2tp_avp_def l2tp_avps[] = {
	{ 0, L2TP_AVP_MSG_TYPE, "Message Type", 2, 2 },
	{ 0, L2TP_AVP_RESULT, "Result Code", 2, ANY },
	{ 0, L2TP_AVP_PROTO_VERSION, "Protocol Version", 2, 2 },
	{ 0, L2TP_AVP_FRAMING_CAPS, "Framing Capabilities", 4, 4 },
	{ 0, L2TP_AVP_BEARER_CAPS, "Bearer Capabilities", 4, 4 },
	{ 0, L2TP_AVP_TIE_BREAKER, "Tie Breaker", 8, 8 },
	{ 0, L2TP_AVP_FIRMWARE, "Firmware Revision", 2, 2 },
	{ 0, L2TP_AVP_HOST_NAME, "Host Name", 1, ANY },
	{ 0, L2TP_AVP_VENDOR_NAME, "Vendor Name", 0, ANY },
	{ 0, L2TP_AVP_TUNNEL_ID, "Assigned Tunnel ID", 2, 2 },
	{ 0, L2TP_AVP_RECV_WINDOW, "Receive Window Size", 2, 2 },
	{ 0, L2TP_AVP_CHALLENGE, "Challenge", 1, ANY },
	{ 0, L2TP_AVP_Q931_CAUSE, "Q.931 Cause Code", 3, ANY },
	{ 0, L2TP_AVP_CHALLENGE_RESP, "Challenge Response", 16, 16 },
	{ 0, L2TP_AVP_SESSION_ID, "Assigned Session ID", 2, 2 },
	{ 0, L2TP_AVP_CALL_SERIAL, "Call Serial Number", 4, 4 },
	{ 0, L2TP_AVP_MIN_BPS, "Minimum BPS", 4, 4 },
	{ 0, L2TP_AVP_MAX_BPS, "Maximum BPS", 4, 4 },
	{ 0, L2TP_AVP_BEARER_TYPE, "Bearer Type", 4, 4 },
	{ 0, L2TP_AVP_FRAMING_TYPE, "Framing Type", 4, 4 },
	{ 0, L2TP_AVP_CALLED_NUMBER, "Called Number", 0, ANY },
	{ 0, L2TP_AVP_CALLING_NUMBER, "Calling Number", 0, ANY },
	{ 0, L2TP_AVP_SUB_ADDRESS, "Sub-Address", 0, ANY },
	{ 0, L2TP_AVP_TX_SPEED, "Connect Speed", 4, 4 },
	{ 0, L2TP_AVP_PHYS_CHANNEL, "Physical Channel ID", 4, 4 },
	{ 0, L2TP_AVP_INITIAL_LCP, "Initial Received LCP CONFREQ", 0, ANY },
	{ 0, L2TP_AVP_LAST_SENT_LCP, "Last Sent LCP CONFREQ", 0, ANY },
	{ 0, L2TP_AVP_LAST_RECV_LCP, "Last Received LCP CONFREQ", 0, ANY },
	{ 0, L2TP_AVP_PROXY_AUTH_TYPE, "Proxy Authen Type", 2, 2 },
	{ 0, L2TP_AVP_PROXY_AUTH_NAME, "Proxy Authen Name", 0, ANY },
	{ 0, L2TP_AVP_PROXY_AUTH_CHAL, "Proxy Authen Challenge", 0, ANY },
	{ 0, L2TP_AVP_PROXY_AUTH_ID, "Proxy Authen ID", 2, 2 },
	{ 0, L2TP_AVP_PROXY_AUTH_RESP, "Proxy Authen Response", 0, ANY },
	{ 0, L2TP_AVP_CALL_ERRORS, "Call Errors", 26, 26 },
	{ 0, L2TP_AVP_ACCM, "ACCM", 10, 10 },
	{ 0, L2TP_AVP_RANDOM_VECTOR, "Random Vector", 1, ANY },
	{ 0, L2TP_AVP_PRIVATE_GROUP, "Private Group ID", 0, ANY },
	{ 0, L2TP_AVP_RX_SPEED, "Rx Connect Speed", 4, 4 },
	{ 0, L2TP_AVP_SEQ_REQUIRED, "Sequencing Required", 0, 0 },
	/* [MS-L2TPIE] §2.2.1.1: a GUID in Windows' ICRQ, M bit clear. */
	{ L2TP_VENDOR_MICROSOFT, L2TP_MS_CORRELATION_ID, "Correlation ID", 16, 16 },
};

const struct l2tp_avp_def *l2tp_avp_def_find(uint16_t vendor, uint16_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(l2tp_avps); i++)
		if (l2tp_avps[i].vendor == vendor && l2tp_avps[i].type == type)
			return &l2tp_avps[i];
	return NULL;
}

const char *l2tp_avp_name(uint16_t vendor, uint16_t type)
{
	const struct l2tp_avp_def *d = l2tp_avp_def_find(vendor, type);

	return d ? d->name : "unknown AVP";
}

static const char *const l2tp_msg_names[] = {
	[L2TP_ZLB] = "ZLB",
	[L2TP_SCCRQ] = "SCCRQ",
	[L2TP_SCCRP] = "SCCRP",
	[L2TP_SCCCN] = "SCCCN",
	[L2TP_STOPCCN] = "StopCCN",
	[L2TP_HELLO] = "HELLO",
	[L2TP_OCRQ] = "OCRQ",
	[L2TP_OCRP] = "OCRP",
	[L2TP_OCCN] = "OCCN",
	[L2TP_ICRQ] = "ICRQ",
	[L2TP_ICRP] = "ICRP",
	[L2TP_ICCN] = "ICCN",
	[L2TP_CDN] = "CDN",
	[L2TP_WEN] = "WEN",
	[L2TP_SLI] = "SLI",
};

const char *l2tp_msg_name(unsigned type)
{
	if (type < ARRAY_SIZE(l2tp_msg_names) && l2tp_msg_names[type])
		return l2tp_msg_names[type];
	return "unknown message";
}

/* ---- the header (§3.1) ------------------------------------------------------- */

int l2tp_hdr_parse(const uint8_t *buf, size_t len, struct l2tp_hdr *h, size_t *msg_len)
{
	struct rd r = rd_init(buf, len);
	uint16_t flags;
	size_t hlen, mlen = len;

	memset(h, 0, sizeof(*h));
	flags = rd_be16(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	if ((flags & L2TP_F_VER) != L2TP_VERSION)
		return -EPROTONOSUPPORT;
	h->ctrl = flags & L2TP_F_T;
	h->has_len = flags & L2TP_F_L;
	h->has_seq = flags & L2TP_F_S;
	h->has_off = flags & L2TP_F_O;
	h->prio = flags & L2TP_F_P;
	if (h->has_len)
		h->len = rd_be16(&r);
	h->tunnel = rd_be16(&r);
	h->session = rd_be16(&r);
	if (h->has_seq) {
		h->ns = rd_be16(&r);
		h->nr = rd_be16(&r);
	}
	if (h->has_off)
		h->off = rd_be16(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	hlen = len - rd_left(&r);
	if (h->has_len) {
		/* Octets past Length are padding of the layer below. */
		if (h->len < hlen || h->len > len)
			return -EBADMSG;
		mlen = h->len;
	}
	if (h->off > mlen - hlen)
		return -EBADMSG;
	*msg_len = mlen;
	return (int)(hlen + h->off);
}

size_t l2tp_hdr_len(const struct l2tp_hdr *h)
{
	return 6 + (h->has_len ? 2 : 0) + (h->has_seq ? 4 : 0);
}

void l2tp_hdr_write(uint8_t *out, const struct l2tp_hdr *h)
{
	uint16_t flags = L2TP_VERSION;
	size_t pos = 2;

	if (h->ctrl)
		flags |= L2TP_F_T;
	if (h->has_len)
		flags |= L2TP_F_L;
	if (h->has_seq)
		flags |= L2TP_F_S;
	if (h->prio)
		flags |= L2TP_F_P;
	store_be16(out, flags);
	if (h->has_len) {
		store_be16(out + pos, h->len);
		pos += 2;
	}
	store_be16(out + pos, h->tunnel);
	store_be16(out + pos + 2, h->session);
	pos += 4;
	if (h->has_seq) {
		store_be16(out + pos, h->ns);
		store_be16(out + pos + 2, h->nr);
	}
}

/* ---- hidden AVPs and the challenge (§4.3, §5.1.1) ---------------------------- */

/* One MD5 over up to three parts. */
static int l2tp_md5(const void *a, size_t alen, const void *b, size_t blen, const void *c,
		    size_t clen, uint8_t out[16])
{
	const EVP_MD *md = wv_md("MD5");
	EVP_MD_CTX *ctx;
	int ret = -EIO;

	if (!md)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, md, NULL) &&
	    (!alen || EVP_DigestUpdate(ctx, a, alen)) &&
	    (!blen || EVP_DigestUpdate(ctx, b, blen)) &&
	    (!clen || EVP_DigestUpdate(ctx, c, clen)) &&
	    EVP_DigestFinal_ex(ctx, out, NULL))
		ret = 0;
	EVP_MD_CTX_free(ctx);
	return ret;
}

int l2tp_hide(bool reveal, uint16_t type, const char *secret, const uint8_t *rv,
	      size_t rv_len, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t slen = strlen(secret), off, i;
	uint8_t at[2], b[16];
	int r = 0;

	/* b1 = MD5(AT + S + RV), b(i) = MD5(S + c(i-1)), c(i) = p(i) xor b(i):
	 * the chain always runs over the hidden (cipher) octets. */
	store_be16(at, type);
	for (off = 0; off < len && r == 0; off += 16) {
		if (off == 0)
			r = l2tp_md5(at, 2, secret, slen, rv, rv_len, b);
		else
			r = l2tp_md5(secret, slen, (reveal ? in : out) + off - 16, 16, NULL, 0, b);
		for (i = 0; r == 0 && i < 16 && off + i < len; i++)
			out[off + i] = in[off + i] ^ b[i];
	}
	wv_wipe(b, sizeof(b));
	return r;
}

int l2tp_challenge_response(uint8_t msg_type, const char *secret, const uint8_t *chal,
			    size_t len, uint8_t out[16])
{
	/* CHAP's MD5(Identifier || secret || challenge) with the message type of
	 * the message carrying the response as the Identifier. */
	return l2tp_md5(&msg_type, 1, secret, strlen(secret), chal, len, out);
}

/* ---- decoding ------------------------------------------------------------------- */

static int msg_fail(struct l2tp_msg *m, int err, const char *fmt, ...) WV_PRINTF(3, 4);
static int msg_fail(struct l2tp_msg *m, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return err;
}

/* Reveals a hidden value into m->plain: the revealed sub-format is Original
 * Length (2) + value + padding (§4.3). */
static int msg_reveal(struct l2tp_msg *m, struct l2tp_avp *a, const char *secret,
		      const uint8_t *rv, size_t rv_len)
{
	uint8_t *p = m->plain + m->plain_used;
	uint16_t orig;

	if (a->len < 2)
		return msg_fail(m, -EBADMSG, "the hidden %s AVP has %u octets",
				l2tp_avp_name(a->vendor, a->type), a->len);
	if (a->len > sizeof(m->plain) - m->plain_used)
		return msg_fail(m, -EBADMSG, "too many hidden AVPs");
	if (l2tp_hide(true, a->type, secret, rv, rv_len, a->val, a->len, p) < 0)
		return msg_fail(m, -EBADMSG, "MD5 is not available to reveal hidden AVPs");
	orig = load_be16(p);
	if (orig > a->len - 2)
		return msg_fail(m, -EBADMSG, "the hidden %s AVP does not reveal (%u octets "
				"claimed in %u): is the tunnel secret the gateway's?",
				l2tp_avp_name(a->vendor, a->type), orig, a->len - 2);
	m->plain_used += a->len;
	a->val = p + 2;
	a->len = orig;
	return 0;
}

int l2tp_msg_parse(const uint8_t *buf, size_t len, const char *secret, struct l2tp_msg *m)
{
	const uint8_t *rv = NULL;
	size_t rv_len = 0, mlen;
	struct rd r;
	int hl;

	memset(m, 0, offsetof(struct l2tp_msg, plain));
	hl = l2tp_hdr_parse(buf, len, &m->h, &mlen);
	if (hl == -EPROTONOSUPPORT)
		return msg_fail(m, hl, "not L2TP version 2");
	if (hl < 0)
		return msg_fail(m, hl, "the header is short or its Length is wrong");
	/* §3.1: a control message has Length and sequence numbers, no offset. */
	if (!m->h.ctrl || !m->h.has_len || !m->h.has_seq || m->h.has_off)
		return msg_fail(m, -EPROTONOSUPPORT, "not a control message header");
	r = rd_init(buf + hl, mlen - (size_t)hl);
	if (rd_left(&r) == 0) {
		m->zlb = true;          /* §5.8: only the header; acknowledges */
		return 0;
	}
	while (rd_left(&r) > 0) {
		struct l2tp_avp a = { 0 };
		const struct l2tp_avp_def *def;
		uint16_t fl = rd_be16(&r), alen = fl & L2TP_AVP_LEN;

		a.vendor = rd_be16(&r);
		a.type = rd_be16(&r);
		if (!rd_ok(&r))
			return msg_fail(m, -EBADMSG, "an AVP header is cut short");
		if (alen < L2TP_AVP_HDR)
			return msg_fail(m, -EBADMSG,
					"an AVP length of %u is shorter than its header", alen);
		a.len = (uint16_t)(alen - L2TP_AVP_HDR);
		a.val = rd_bytes(&r, a.len);
		if (!a.val)
			return msg_fail(m, -EBADMSG, "the %s AVP (%u octets) runs past the end",
					l2tp_avp_name(a.vendor, a.type), alen);
		a.mandatory = fl & L2TP_AVP_M;
		a.hidden = fl & L2TP_AVP_H;
		/* §4.4.1: the Message Type AVP comes first, never hidden. */
		if (m->n_avp == 0 && (a.vendor != 0 || a.type != L2TP_AVP_MSG_TYPE || a.hidden))
			return msg_fail(m, -EBADMSG, "the first AVP is not the Message Type");
		if (m->n_avp == 0 && a.len == 2) {
			/* Known from here on, for the caller's sentences. */
			m->type = load_be16(a.val);
			m->type_mandatory = a.mandatory;
		}
		if (m->n_avp == L2TP_MAX_AVPS)
			return msg_fail(m, -EBADMSG, "more than %u AVPs", L2TP_MAX_AVPS);
		if (a.hidden) {
			int e;

			if (!secret || !*secret) {
				/* §4.3 needs the secret; only an optional AVP may be
				 * passed over. */
				if (a.mandatory) {
					m->unknown_vendor = a.vendor;
					m->unknown_type = a.type;
					return msg_fail(m, -ENOKEY, "the %s AVP is hidden and no "
							"tunnel secret is set",
							l2tp_avp_name(a.vendor, a.type));
				}
				m->hidden_skipped++;
				continue;
			}
			if (!rv)
				return msg_fail(m, -EBADMSG, "a hidden AVP comes without a "
						"Random Vector before it");
			e = msg_reveal(m, &a, secret, rv, rv_len);
			if (e < 0)
				return e;
		}
		def = l2tp_avp_def_find(a.vendor, a.type);
		if (!def) {
			if (a.mandatory && !m->unknown_m) {
				m->unknown_m = true;
				m->unknown_vendor = a.vendor;
				m->unknown_type = a.type;
			}
		} else if (a.len < def->min || a.len > def->max) {
			if (def->min == def->max)
				return msg_fail(m, -EBADMSG,
						"the %s AVP has %u octets instead of %u",
						def->name, a.len, def->min);
			return msg_fail(m, -EBADMSG, "the %s AVP has %u octets (at least %u)",
					def->name, a.len, def->min);
		}
		if (a.vendor == 0 && a.type == L2TP_AVP_RANDOM_VECTOR) {
			rv = a.val;
			rv_len = a.len;
		}
		m->avp[m->n_avp++] = a;
	}
	return 0;
}

const struct l2tp_avp *l2tp_msg_avp(const struct l2tp_msg *m, uint16_t type)
{
	unsigned i;

	for (i = 0; i < m->n_avp; i++)
		if (m->avp[i].vendor == 0 && m->avp[i].type == type)
			return &m->avp[i];
	return NULL;
}

bool l2tp_msg_u16(const struct l2tp_msg *m, uint16_t type, uint16_t *v)
{
	const struct l2tp_avp *a = l2tp_msg_avp(m, type);

	if (!a || a->len < 2)
		return false;
	*v = load_be16(a->val);
	return true;
}

bool l2tp_msg_u32(const struct l2tp_msg *m, uint16_t type, uint32_t *v)
{
	const struct l2tp_avp *a = l2tp_msg_avp(m, type);

	if (!a || a->len < 4)
		return false;
	*v = load_be32(a->val);
	return true;
}

static void printable(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t i;

	if (!cap)
		return;
	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[i] = '\0';
}

void l2tp_msg_str(const struct l2tp_msg *m, uint16_t type, char *out, size_t cap)
{
	const struct l2tp_avp *a = l2tp_msg_avp(m, type);

	if (a)
		printable(a->val, a->len, out, cap);
	else if (cap)
		out[0] = '\0';
}

bool l2tp_msg_result(const struct l2tp_msg *m, struct l2tp_result *res)
{
	const struct l2tp_avp *a = l2tp_msg_avp(m, L2TP_AVP_RESULT);

	memset(res, 0, sizeof(*res));
	if (!a || a->len < 2)
		return false;
	res->result = load_be16(a->val);
	/* §4.4.2: Error Code and Error Message are optional. */
	if (a->len >= 4) {
		res->has_error = true;
		res->error = load_be16(a->val + 2);
		printable(a->val + 4, a->len - 4u, res->msg, sizeof(res->msg));
	}
	return true;
}

/* ---- building ------------------------------------------------------------------------ */

static uint8_t *mb_room(struct l2tp_mb *b, size_t n)
{
	uint8_t *p;

	if (b->err || b->cap - b->len < n) {
		b->err = true;
		return NULL;
	}
	p = b->buf + b->len;
	b->len += n;
	return p;
}

void l2tp_mb_start(struct l2tp_mb *b, uint8_t *buf, size_t cap, uint16_t tunnel,
		   uint16_t session, uint16_t type)
{
	struct l2tp_hdr h = { .ctrl = true, .has_len = true, .has_seq = true,
			      .tunnel = tunnel, .session = session };
	uint8_t *p;

	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->err = false;
	p = mb_room(b, L2TP_CTRL_HDR);
	if (p)
		l2tp_hdr_write(p, &h);
	if (type != L2TP_ZLB)
		l2tp_mb_u16(b, true, L2TP_AVP_MSG_TYPE, type);
}

static void mb_avp_hdr(struct l2tp_mb *b, uint16_t flags, uint16_t vendor, uint16_t type,
		       size_t len)
{
	uint8_t *p;

	if (len > L2TP_AVP_LEN - L2TP_AVP_HDR) {
		b->err = true;
		return;
	}
	p = mb_room(b, L2TP_AVP_HDR);
	if (!p)
		return;
	store_be16(p, (uint16_t)(flags | (L2TP_AVP_HDR + len)));
	store_be16(p + 2, vendor);
	store_be16(p + 4, type);
}

void l2tp_mb_avp(struct l2tp_mb *b, bool mandatory, uint16_t vendor, uint16_t type,
		 const void *val, size_t len)
{
	uint8_t *p;

	mb_avp_hdr(b, mandatory ? L2TP_AVP_M : 0, vendor, type, len);
	p = mb_room(b, len);
	if (p && len)
		memcpy(p, val, len);
}

void l2tp_mb_u16(struct l2tp_mb *b, bool mandatory, uint16_t type, uint16_t v)
{
	uint8_t val[2];

	store_be16(val, v);
	l2tp_mb_avp(b, mandatory, 0, type, val, sizeof(val));
}

void l2tp_mb_u32(struct l2tp_mb *b, bool mandatory, uint16_t type, uint32_t v)
{
	uint8_t val[4];

	store_be32(val, v);
	l2tp_mb_avp(b, mandatory, 0, type, val, sizeof(val));
}

void l2tp_mb_hidden(struct l2tp_mb *b, bool mandatory, uint16_t type, const void *val,
		    size_t len, size_t pad, const char *secret, const uint8_t *rv, size_t rv_len)
{
	uint8_t plain[L2TP_AVP_LEN];
	size_t n = 2 + len + pad;
	uint8_t *p;

	if (n > sizeof(plain) - L2TP_AVP_HDR || len > UINT16_MAX) {
		b->err = true;
		return;
	}
	store_be16(plain, (uint16_t)len);
	memcpy(plain + 2, val, len);
	memset(plain + 2 + len, 0, pad);
	mb_avp_hdr(b, (mandatory ? L2TP_AVP_M : 0) | L2TP_AVP_H, 0, type, n);
	p = mb_room(b, n);
	if (p && l2tp_hide(false, type, secret, rv, rv_len, plain, n, p) < 0)
		b->err = true;
	wv_wipe(plain, n);
}

size_t l2tp_mb_finish(struct l2tp_mb *b)
{
	if (b->err || b->len < L2TP_CTRL_HDR || b->len > UINT16_MAX)
		return 0;
	store_be16(b->buf + 2, (uint16_t)b->len);
	return b->len;
}

void l2tp_ctrl_stamp(uint8_t *msg, uint16_t ns, uint16_t nr)
{
	store_be16(msg + 8, ns);
	store_be16(msg + 10, nr);
}

/* ---- result and error codes as words (§4.4.2) ----------------------------------- */

static const char *code_str(const char *const *tab, size_t n, unsigned code)
{
	if (code < n && tab[code])
		return _(tab[code]);
	return _("an unknown result code");
}

const char *l2tp_stopccn_result_str(uint16_t result)
{
	static const char *const tab[] = {
		[1] = N_("general request to clear the control connection"),
		[2] = N_("general error"),
		[3] = N_("a control connection from this host already exists"),
		[4] = N_("this host is not authorized to establish a control connection"),
		[5] = N_("it does not support our L2TP protocol version"),
		[6] = N_("the gateway is being shut down"),
		[7] = N_("finite state machine error"),
	};
	return code_str(tab, ARRAY_SIZE(tab), result);
}

const char *l2tp_cdn_result_str(uint16_t result)
{
	static const char *const tab[] = {
		[1] = N_("loss of carrier"),
		[2] = N_("an error"),
		[3] = N_("administrative reasons"),
		[4] = N_("no facilities available (temporary condition)"),
		[5] = N_("no facilities available (permanent condition)"),
		[6] = N_("invalid destination"),
		[7] = N_("no carrier detected"),
		[8] = N_("busy signal"),
		[9] = N_("no dial tone"),
		[10] = N_("the call was not established in time"),
		[11] = N_("no appropriate framing was detected"),
	};
	return code_str(tab, ARRAY_SIZE(tab), result);
}

const char *l2tp_error_str(uint16_t error)
{
	static const char *const tab[] = {
		[0] = N_("no error"),
		[1] = N_("no control connection exists yet for this host"),
		[2] = N_("a length is wrong"),
		[3] = N_("a value is out of range or a reserved field is not zero"),
		[4] = N_("insufficient resources"),
		[5] = N_("invalid session id"),
		[6] = N_("a vendor-specific error"),
		[7] = N_("try another LNS"),
		[8] = N_("an unknown AVP with the M bit set"),
	};
	if (error < ARRAY_SIZE(tab))
		return _(tab[error]);
	return _("an unknown error code");
}

void l2tp_result_describe(const struct l2tp_result *r, bool cdn, char *out, size_t cap)
{
	const char *res = cdn ? l2tp_cdn_result_str(r->result) : l2tp_stopccn_result_str(r->result);
	int n;

	if (r->has_error && (r->error || r->msg[0])) {
		n = snprintf(out, cap, "%s (%s", res, l2tp_error_str(r->error));
		if (n > 0 && (size_t)n < cap && r->msg[0])
			n += snprintf(out + n, cap - (size_t)n, "; \"%s\"", r->msg);
		if (n > 0 && (size_t)n < cap)
			snprintf(out + n, cap - (size_t)n, ")");
	} else {
		snprintf(out, cap, "%s", res);
	}
}
