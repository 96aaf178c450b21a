/* pkt.h -- packet buffers with headroom.  Each layer prepends its header with
 * pkt_push() and strips it with pkt_pull(), so a packet is never copied between
 * TUN, PPP, MPPE, GRE (or L2TP, UDP, ESP).  Freed buffers are recycled.
 * Internal; single-threaded like the rest of the engine. */
#ifndef WV_PKT_H
#define WV_PKT_H

#include <stddef.h>
#include <stdint.h>

/* Enough for IPv4 + UDP + ESP (IV) + UDP-encap + L2TP + PPP + MPPE, or GRE + PPP. */
#define PKT_HEADROOM 128
/* Largest payload: TUN MTU up to 1500 plus compression/padding slack. */
#define PKT_DATA_MAX 2048
#define PKT_TAILROOM 64

struct pkt {
	uint8_t *data;        /* first byte of the packet */
	size_t len;           /* bytes from data */
	struct pkt *next;     /* queues */
	uint8_t buf[PKT_HEADROOM + PKT_DATA_MAX + PKT_TAILROOM];
};

/* A buffer with data at PKT_HEADROOM and len 0.  NULL when out of memory. */
struct pkt *pkt_alloc(void);
void pkt_free(struct pkt *p);
/* A new buffer holding a copy of buf (data at headroom). */
struct pkt *pkt_from(const uint8_t *buf, size_t len);
/* Releases the recycled buffers (at exit, for leak checkers). */
void pkt_pool_drain(void);

static inline size_t pkt_headroom(const struct pkt *p) { return (size_t)(p->data - p->buf); }
static inline size_t pkt_tailroom(const struct pkt *p)
{
	return sizeof(p->buf) - pkt_headroom(p) - p->len;
}
/* Prepends n bytes; returns the new start, or NULL if the headroom is short. */
static inline uint8_t *pkt_push(struct pkt *p, size_t n)
{
	if (pkt_headroom(p) < n)
		return NULL;
	p->data -= n;
	p->len += n;
	return p->data;
}
/* Strips n bytes from the front; returns the old start, or NULL if too short. */
static inline uint8_t *pkt_pull(struct pkt *p, size_t n)
{
	uint8_t *old = p->data;
	if (p->len < n)
		return NULL;
	p->data += n;
	p->len -= n;
	return old;
}
/* Appends n bytes at the end; returns where they go, or NULL. */
static inline uint8_t *pkt_put(struct pkt *p, size_t n)
{
	uint8_t *end = p->data + p->len;
	if (pkt_tailroom(p) < n)
		return NULL;
	p->len += n;
	return end;
}

#endif
