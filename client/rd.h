/* rd.h -- bounds-checked reading of wire data and byte-order helpers.
 *
 * Every parser of network input reads through a struct rd.  A read past the end
 * fails closed: it returns 0 and sets r->err, and every later read fails too, so
 * a parser may read a whole header and check rd_ok() once. */
#ifndef WV_RD_H
#define WV_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t load_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void store_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

struct rd {
	const uint8_t *p;
	size_t left;
	bool err;
};

static inline struct rd rd_init(const uint8_t *buf, size_t len)
{
	struct rd r = { buf, len, false };
	return r;
}
static inline bool rd_ok(const struct rd *r) { return !r->err; }
static inline size_t rd_left(const struct rd *r) { return r->err ? 0 : r->left; }
static inline bool rd_need(struct rd *r, size_t n)
{
	if (r->err || r->left < n) {
		r->err = true;
		return false;
	}
	return true;
}
static inline uint8_t rd_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	r->left--;
	return *r->p++;
}
static inline uint16_t rd_be16(struct rd *r)
{
	uint16_t v;
	if (!rd_need(r, 2))
		return 0;
	v = load_be16(r->p);
	r->p += 2;
	r->left -= 2;
	return v;
}
static inline uint32_t rd_be32(struct rd *r)
{
	uint32_t v;
	if (!rd_need(r, 4))
		return 0;
	v = load_be32(r->p);
	r->p += 4;
	r->left -= 4;
	return v;
}
/* Returns a pointer to n bytes inside the buffer, or NULL. */
static inline const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *q;
	if (!rd_need(r, n))
		return NULL;
	q = r->p;
	r->p += n;
	r->left -= n;
	return q;
}
static inline bool rd_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *q = rd_bytes(r, n);
	if (!q)
		return false;
	memcpy(dst, q, n);
	return true;
}
static inline bool rd_skip(struct rd *r, size_t n) { return rd_bytes(r, n) != NULL; }
/* A sub-reader over the next n bytes (e.g. one option's value). */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
	const uint8_t *q = rd_bytes(r, n);
	struct rd s = { q, q ? n : 0, q == NULL };
	return s;
}

#endif
