/* pptp-msg.c -- PPTP control messages on the wire (RFC 2637 §2).
 *
 * Every message is a 12-octet header (Length, PPTP Message Type, Magic Cookie,
 * Control Message Type, Reserved0) followed by a fixed layout per type.  The
 * layouts are rows of one table; one encoder and one decoder walk them, so
 * adding or fixing a message is a table edit, not new parsing code. */
#include "wv.h"

#include <stddef.h>

#include "rd.h"
#include "pptp-int.h"

enum pptp_field_kind {
	F_U8,
	F_U16,
	F_U32,
	F_PAD,     /* reserved octets: zero on send, ignored on receipt */
	F_STR,     /* fixed-size, NUL-padded text; the struct has size + 1 */
};

struct pptp_field {
	uint8_t kind;
	uint8_t size;      /* octets on the wire (F_PAD, F_STR) */
	uint16_t off;      /* offsetof(struct pptp_msg, ...) */
};

#define U8(f)       { F_U8, 1, offsetof(struct pptp_msg, f) }
#define U16(f)      { F_U16, 2, offsetof(struct pptp_msg, f) }
#define U32(f)      { F_U32, 4, offsetof(struct pptp_msg, f) }
#define PAD(n)      { F_PAD, n, 0 }
#define STR(f, n)   { F_STR, n, offsetof(struct pptp_msg, f) }
#define END         { F_PAD, 0, 0 }

/* RFC 2637 §2.1 */
static const struct pptp_field f_sccrq[] = {
	U16(version), PAD(2), U32(framing), U32(bearer), U16(max_channels), U16(firmware),
	STR(host, 64), STR(vendor, 64), END
};
/* §2.2 */
static const struct pptp_field f_sccrp[] = {
	U16(version), U8(result), U8(error), U32(framing), U32(bearer), U16(max_channels),
	U16(firmware), STR(host, 64), STR(vendor, 64), END
};
/* §2.3, §2.4 */
static const struct pptp_field f_stopccrq[] = { U8(reason), PAD(3), END };
static const struct pptp_field f_stopccrp[] = { U8(result), U8(error), PAD(2), END };
/* §2.5, §2.6 */
static const struct pptp_field f_echorq[] = { U32(ident), END };
static const struct pptp_field f_echorp[] = { U32(ident), U8(result), U8(error), PAD(2), END };
/* §2.7 */
static const struct pptp_field f_ocrq[] = {
	U16(call_id), U16(serial), U32(min_bps), U32(max_bps), U32(bearer), U32(framing),
	U16(window), U16(delay), U16(phone_len), PAD(2), STR(phone, 64), STR(subaddr, 64), END
};
/* §2.8 */
static const struct pptp_field f_ocrp[] = {
	U16(call_id), U16(peer_call_id), U8(result), U8(error), U16(cause), U32(speed),
	U16(window), U16(delay), U32(channel), END
};
/* §2.9 - §2.11: a PNS never receives these from a gateway, but they must parse. */
static const struct pptp_field f_icrq[] = {
	U16(call_id), U16(serial), U32(bearer), U32(channel), U16(phone_len), U16(dialing_len),
	STR(phone, 64), STR(dialing, 64), STR(subaddr, 64), END
};
static const struct pptp_field f_icrp[] = {
	U16(call_id), U16(peer_call_id), U8(result), U8(error), U16(window), U16(delay), PAD(2),
	END
};
static const struct pptp_field f_iccn[] = {
	U16(peer_call_id), PAD(2), U32(speed), U16(window), U16(delay), U32(framing), END
};
/* §2.12 - §2.15 */
static const struct pptp_field f_ccr[] = { U16(call_id), PAD(2), END };
static const struct pptp_field f_cdn[] = {
	U16(call_id), U8(result), U8(error), U16(cause), PAD(2), STR(stats, 128), END
};
static const struct pptp_field f_wen[] = {
	U16(peer_call_id), PAD(2), U32(wan_errors[0]), U32(wan_errors[1]), U32(wan_errors[2]),
	U32(wan_errors[3]), U32(wan_errors[4]), U32(wan_errors[5]), END
};
static const struct pptp_field f_sli[] = {
	U16(peer_call_id), PAD(2), U32(send_accm), U32(recv_accm), END
};

static const struct pptp_msg_desc {
	const char *name;
	uint16_t len;                     /* whole message, header included */
	const struct pptp_field *fields;
} pptp_descs[PPTP_MSG_TYPE_MAX + 1] = {
	[PPTP_SCCRQ] = { "Start-Control-Connection-Request", 156, f_sccrq },
	[PPTP_SCCRP] = { "Start-Control-Connection-Reply", 156, f_sccrp },
	[PPTP_STOPCCRQ] = { "Stop-Control-Connection-Request", 16, f_stopccrq },
	[PPTP_STOPCCRP] = { "Stop-Control-Connection-Reply", 16, f_stopccrp },
	[PPTP_ECHORQ] = { "Echo-Request", 16, f_echorq },
	[PPTP_ECHORP] = { "Echo-Reply", 20, f_echorp },
	[PPTP_OCRQ] = { "Outgoing-Call-Request", 168, f_ocrq },
	[PPTP_OCRP] = { "Outgoing-Call-Reply", 32, f_ocrp },
	[PPTP_ICRQ] = { "Incoming-Call-Request", 220, f_icrq },
	[PPTP_ICRP] = { "Incoming-Call-Reply", 24, f_icrp },
	[PPTP_ICCN] = { "Incoming-Call-Connected", 28, f_iccn },
	[PPTP_CCR] = { "Call-Clear-Request", 16, f_ccr },
	[PPTP_CDN] = { "Call-Disconnect-Notify", 148, f_cdn },
	[PPTP_WEN] = { "WAN-Error-Notify", 40, f_wen },
	[PPTP_SLI] = { "Set-Link-Info", 24, f_sli },
};

static const struct pptp_msg_desc *pptp_desc(unsigned type)
{
	if (type >= ARRAY_SIZE(pptp_descs) || !pptp_descs[type].name)
		return NULL;
	return &pptp_descs[type];
}

const char *pptp_msg_name(unsigned type)
{
	const struct pptp_msg_desc *d = pptp_desc(type);

	return d ? d->name : "unknown control message";
}

size_t pptp_msg_len(unsigned type)
{
	const struct pptp_msg_desc *d = pptp_desc(type);

	return d ? d->len : 0;
}

int pptp_msg_frame(const uint8_t *buf, size_t len, size_t *msg_len)
{
	struct rd r = rd_init(buf, len);
	uint16_t mlen = rd_be16(&r);

	if (!rd_ok(&r))
		return 0;
	/* §1.4: Length counts the whole message, header included. */
	if (mlen < PPTP_HDR_LEN || mlen > PPTP_MSG_MAX)
		return -EBADMSG;
	rd_skip(&r, 2);
	/* Check the cookie as soon as it has arrived: a stream that lost its
	 * framing must fail now, not after we wait for a bogus Length. */
	if (rd_left(&r) >= 4 && rd_be32(&r) != PPTP_MAGIC)
		return -EBADMSG;
	if (len < mlen)
		return 0;
	*msg_len = mlen;
	return 1;
}

/* Copies text into a NUL-terminated string of printable ASCII: gateways pad
 * with NULs, and whatever else they send ends up in our logs. */
static void pptp_str_decode(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

int pptp_msg_parse(const uint8_t *buf, size_t len, struct pptp_msg *m)
{
	struct rd r = rd_init(buf, len);
	const struct pptp_msg_desc *d;
	const struct pptp_field *f;
	uint16_t mlen, mtype, ctype;
	uint32_t magic;

	memset(m, 0, sizeof(*m));
	mlen = rd_be16(&r);
	mtype = rd_be16(&r);
	magic = rd_be32(&r);
	ctype = rd_be16(&r);
	rd_skip(&r, 2);                   /* Reserved0 */
	if (!rd_ok(&r) || mlen != len || magic != PPTP_MAGIC)
		return -EBADMSG;
	m->type = ctype;
	/* §1.4: type 2 (management) is defined but has no messages. */
	if (mtype != PPTP_MSG_CONTROL)
		return -ENOMSG;
	d = pptp_desc(ctype);
	if (!d)
		return -ENOMSG;
	/* Shorter than the layout is malformed; octets past it are ignored, so a
	 * gateway that pads is still understood. */
	if (len < d->len)
		return -EBADMSG;
	for (f = d->fields; f->size; f++) {
		uint8_t *dst = (uint8_t *)m + f->off;
		const uint8_t *s;

		switch (f->kind) {
		case F_U8:
			*dst = rd_u8(&r);
			break;
		case F_U16: {
			uint16_t v = rd_be16(&r);
			memcpy(dst, &v, sizeof(v));
			break;
		}
		case F_U32: {
			uint32_t v = rd_be32(&r);
			memcpy(dst, &v, sizeof(v));
			break;
		}
		case F_PAD:
			rd_skip(&r, f->size);
			break;
		case F_STR:
			s = rd_bytes(&r, f->size);
			if (s)
				pptp_str_decode((char *)dst, s, f->size);
			break;
		}
	}
	return rd_ok(&r) ? 0 : -EBADMSG;
}

size_t pptp_msg_build(const struct pptp_msg *m, uint8_t *out, size_t cap)
{
	const struct pptp_msg_desc *d = pptp_desc(m->type);
	const struct pptp_field *f;
	size_t pos = PPTP_HDR_LEN;

	if (!d || cap < d->len)
		return 0;
	memset(out, 0, d->len);
	store_be16(out, d->len);
	store_be16(out + 2, PPTP_MSG_CONTROL);
	store_be32(out + 4, PPTP_MAGIC);
	store_be16(out + 8, m->type);
	for (f = d->fields; f->size; f++) {
		const uint8_t *src = (const uint8_t *)m + f->off;

		switch (f->kind) {
		case F_U8:
			out[pos] = *src;
			break;
		case F_U16: {
			uint16_t v;
			memcpy(&v, src, sizeof(v));
			store_be16(out + pos, v);
			break;
		}
		case F_U32: {
			uint32_t v;
			memcpy(&v, src, sizeof(v));
			store_be32(out + pos, v);
			break;
		}
		case F_PAD:
			break;
		case F_STR:
			/* NUL-padded; a string of exactly size octets has no NUL (§2.1). */
			memcpy(out + pos, src, strnlen((const char *)src, f->size));
			break;
		}
		pos += f->size;
	}
	return d->len;
}

/* ---- codes as words (RFC 2637 §2.2, §2.3, §2.8, §2.13, §2.16) ------------ */

static const char *pptp_code_str(const char *const *tab, size_t n, uint8_t code)
{
	if (code < n && tab[code])
		return _(tab[code]);
	return _("an unknown result code");
}

const char *pptp_sccrp_result_str(uint8_t result)
{
	static const char *const tab[] = {
		[1] = N_("success"),
		[2] = N_("general error"),
		[3] = N_("a control connection from this host already exists"),
		[4] = N_("this host is not authorized to connect"),
		[5] = N_("it does not support PPTP version 1.0"),
	};
	return pptp_code_str(tab, ARRAY_SIZE(tab), result);
}

const char *pptp_ocrp_result_str(uint8_t result)
{
	static const char *const tab[] = {
		[1] = N_("connected"),
		[2] = N_("general error"),
		[3] = N_("no carrier"),
		[4] = N_("busy"),
		[5] = N_("no dial tone"),
		[6] = N_("time-out"),
		/* "Do Not Accept": the gateway does not take calls from us */
		[7] = N_("not authorized"),
	};
	return pptp_code_str(tab, ARRAY_SIZE(tab), result);
}

const char *pptp_cdn_result_str(uint8_t result)
{
	static const char *const tab[] = {
		/* [MS-PTPT] §3.2.5.5 adds 0 to RFC 2637's list */
		[0] = N_("no reason given"),
		[1] = N_("lost carrier"),
		[2] = N_("general error"),
		[3] = N_("administrative shutdown"),
		[4] = N_("on request"),
	};
	return pptp_code_str(tab, ARRAY_SIZE(tab), result);
}

const char *pptp_stop_reason_str(uint8_t reason)
{
	static const char *const tab[] = {
		[1] = N_("no reason given"),
		[2] = N_("it does not support our protocol version"),
		[3] = N_("it is shutting down"),
	};
	return pptp_code_str(tab, ARRAY_SIZE(tab), reason);
}

const char *pptp_error_str(uint8_t error)
{
	static const char *const tab[] = {
		[0] = N_("no error"),
		[1] = N_("no control connection exists"),
		[2] = N_("bad message format"),
		[3] = N_("a field is out of range"),
		[4] = N_("insufficient resources"),
		[5] = N_("bad call id"),
		[6] = N_("gateway-specific error"),
	};
	return pptp_code_str(tab, ARRAY_SIZE(tab), error);
}
