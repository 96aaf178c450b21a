/* dbus.c -- the D-Bus messages the CLI sends and reads (dbus.h). */
#include "wv.h"

#include <stdio.h>

#include "dbus.h"

#define FIXED_HDR 16

enum {
	FIELD_PATH = 1, FIELD_INTERFACE, FIELD_MEMBER, FIELD_ERROR_NAME, FIELD_REPLY_SERIAL,
	FIELD_DESTINATION, FIELD_SENDER, FIELD_SIGNATURE, FIELD_UNIX_FDS,
};

static size_t align_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

static uint32_t load32(const uint8_t *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
		  : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

long dbus_msg_length(const uint8_t *buf, size_t len)
{
	bool le;
	uint32_t body, fields;
	size_t total;

	if (len < FIXED_HDR)
		return 0;
	if ((buf[0] != 'l' && buf[0] != 'B') || buf[3] != 1)
		return -1;
	le = buf[0] == 'l';
	body = load32(buf + 4, le);
	fields = load32(buf + 12, le);
	if (body > DBUS_MSG_MAX || fields > DBUS_MSG_MAX)
		return -1;
	total = align_up(FIXED_HDR + (size_t)fields, 8) + body;
	return total > DBUS_MSG_MAX ? -1 : (long)total;
}

/* ---- reading, with alignment counted from the message's first octet ---- */

struct rdr {
	const uint8_t *b;
	size_t pos, end;
	bool le, err;
};

static void r_align(struct rdr *r, size_t a)
{
	size_t p = align_up(r->pos, a);

	if (p > r->end)
		r->err = true;
	else
		r->pos = p;
}

static bool r_need(struct rdr *r, size_t n)
{
	if (r->err || r->end - r->pos < n) {
		r->err = true;
		return false;
	}
	return true;
}

static uint8_t r_u8(struct rdr *r)
{
	return r_need(r, 1) ? r->b[r->pos++] : 0;
}

static uint32_t r_u32(struct rdr *r)
{
	uint32_t v;

	r_align(r, 4);
	if (!r_need(r, 4))
		return 0;
	v = load32(r->b + r->pos, r->le);
	r->pos += 4;
	return v;
}

/* n octets and the NUL after them */
static const char *r_chars(struct rdr *r, size_t n)
{
	const char *s;

	if (n >= DBUS_MSG_MAX || !r_need(r, n + 1) || r->b[r->pos + n] != 0 ||
	    memchr(r->b + r->pos, 0, n)) {
		r->err = true;
		return "";
	}
	s = (const char *)r->b + r->pos;
	r->pos += n + 1;
	return s;
}

static const char *r_string(struct rdr *r)   /* s, o */
{
	uint32_t n = r_u32(r);

	return r->err ? "" : r_chars(r, n);
}

static const char *r_signature(struct rdr *r)   /* g */
{
	uint8_t n = r_u8(r);

	return r->err ? "" : r_chars(r, n);
}

/* One header field: (code, variant).  Values of a type we do not read make
 * the message unreadable: their length cannot be known. */
static void r_field(struct rdr *r, struct dbus_msg *m)
{
	uint8_t code;
	const char *sig, *s = "";
	uint32_t u = 0;

	r_align(r, 8);
	code = r_u8(r);
	sig = r_signature(r);
	if (r->err)
		return;
	if (!strcmp(sig, "s") || !strcmp(sig, "o"))
		s = r_string(r);
	else if (!strcmp(sig, "g"))
		s = r_signature(r);
	else if (!strcmp(sig, "u"))
		u = r_u32(r);
	else
		r->err = true;
	if (r->err)
		return;
	switch (code) {
	case FIELD_PATH: m->path = s; break;
	case FIELD_INTERFACE: m->interface = s; break;
	case FIELD_MEMBER: m->member = s; break;
	case FIELD_ERROR_NAME: m->error_name = s; break;
	case FIELD_REPLY_SERIAL: m->reply_serial = u; break;
	case FIELD_SENDER: m->sender = s; break;
	case FIELD_SIGNATURE: m->signature = s; break;
	case FIELD_UNIX_FDS: m->unix_fds = u; break;
	default: break;
	}
}

int dbus_msg_parse(const uint8_t *buf, size_t len, struct dbus_msg *m)
{
	long total = dbus_msg_length(buf, len);
	struct rdr r;
	size_t fields_end;

	memset(m, 0, sizeof(*m));
	m->path = m->interface = m->member = m->error_name = m->sender = m->signature = "";
	m->str = "";
	if (total <= 0 || (size_t)total != len)
		return -1;
	r = (struct rdr){ .b = buf, .pos = FIXED_HDR, .le = buf[0] == 'l' };
	m->type = buf[1];
	m->serial = load32(buf + 8, r.le);
	fields_end = FIXED_HDR + load32(buf + 12, r.le);
	r.end = fields_end;
	while (!r.err && r.pos < fields_end)
		r_field(&r, m);
	if (r.err)
		return -1;
	/* the body, after the header's padding to 8 */
	r.pos = align_up(fields_end, 8);
	r.end = len;
	switch (m->signature[0]) {
	case 'b':
	case 'u':
	case 'h':
		m->u32 = r_u32(&r);
		m->has_u32 = !r.err && (m->signature[0] != 'b' || m->u32 <= 1);
		break;
	case 's':
		m->str = r_string(&r);
		break;
	default:
		break;
	}
	return r.err || (m->signature[0] == 'b' && !m->has_u32) ? -1 : 0;
}

/* ---- writing (little-endian) ---- */

struct wtr {
	uint8_t *b;
	size_t pos, cap;
	bool err;
};

static void w_pad(struct wtr *w, size_t a)
{
	while (!w->err && w->pos % a) {
		if (w->pos >= w->cap)
			w->err = true;
		else
			w->b[w->pos++] = 0;
	}
}

static void w_bytes(struct wtr *w, const void *p, size_t n)
{
	if (w->err || w->cap - w->pos < n) {
		w->err = true;
		return;
	}
	memcpy(w->b + w->pos, p, n);
	w->pos += n;
}

static void w_u8(struct wtr *w, uint8_t v) { w_bytes(w, &v, 1); }

static void w_u32(struct wtr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	w_pad(w, 4);
	w_bytes(w, b, 4);
}

static void w_string(struct wtr *w, const char *s)   /* s, o */
{
	w_u32(w, (uint32_t)strlen(s));
	w_bytes(w, s, strlen(s) + 1);
}

static void w_signature(struct wtr *w, const char *s)   /* g */
{
	w_u8(w, (uint8_t)strlen(s));
	w_bytes(w, s, strlen(s) + 1);
}

static void w_field(struct wtr *w, uint8_t code, const char *sig, const char *value)
{
	w_pad(w, 8);
	w_u8(w, code);
	w_signature(w, sig);
	if (sig[0] == 'g')
		w_signature(w, value);
	else
		w_string(w, value);
}

size_t dbus_build_call(uint8_t *buf, size_t cap, uint32_t serial, const char *dest,
		       const char *path, const char *iface, const char *member,
		       const char *const *args, unsigned n_args)
{
	struct wtr w = { .b = buf, .cap = cap < DBUS_MSG_MAX ? cap : DBUS_MSG_MAX };
	char sig[16];
	size_t fields_end, body_start;
	unsigned i;

	if (n_args >= sizeof(sig))
		return 0;
	for (i = 0; i < n_args; i++)
		sig[i] = 's';
	sig[n_args] = '\0';
	w_bytes(&w, "l\x01\x00\x01", 4);          /* little-endian method call, version 1 */
	w_u32(&w, 0);                              /* body length, below */
	w_u32(&w, serial);
	w_u32(&w, 0);                              /* header fields length, below */
	w_field(&w, FIELD_PATH, "o", path);
	w_field(&w, FIELD_INTERFACE, "s", iface);
	w_field(&w, FIELD_MEMBER, "s", member);
	if (dest)
		w_field(&w, FIELD_DESTINATION, "s", dest);
	if (n_args)
		w_field(&w, FIELD_SIGNATURE, "g", sig);
	fields_end = w.pos;
	w_pad(&w, 8);
	body_start = w.pos;
	for (i = 0; i < n_args; i++)
		w_string(&w, args[i]);
	if (w.err)
		return 0;
	buf[4] = (uint8_t)(w.pos - body_start);
	buf[5] = (uint8_t)((w.pos - body_start) >> 8);
	buf[6] = buf[7] = 0;
	buf[12] = (uint8_t)(fields_end - FIXED_HDR);
	buf[13] = (uint8_t)((fields_end - FIXED_HDR) >> 8);
	buf[14] = buf[15] = 0;
	return w.pos;
}
