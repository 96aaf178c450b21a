/* pkt.c -- packet buffers, recycled through a bounded free list so the data
 * path does not call malloc per packet.  Single-threaded, like the engine. */
#include "wv.h"

#include <stdlib.h>

#include "pkt.h"

#define PKT_POOL_MAX 256

static struct pkt *pool;
static unsigned pool_len;

struct pkt *pkt_alloc(void)
{
	struct pkt *p = pool;

	if (p) {
		pool = p->next;
		pool_len--;
	} else {
		p = malloc(sizeof(*p));
		if (!p)
			return NULL;
	}
	p->next = NULL;
	p->data = p->buf + PKT_HEADROOM;
	p->len = 0;
	return p;
}

void pkt_free(struct pkt *p)
{
	if (!p)
		return;
	if (pool_len >= PKT_POOL_MAX) {
		free(p);
		return;
	}
	p->next = pool;
	pool = p;
	pool_len++;
}

struct pkt *pkt_from(const uint8_t *buf, size_t len)
{
	struct pkt *p;

	if (len > PKT_DATA_MAX + PKT_TAILROOM)
		return NULL;
	p = pkt_alloc();
	if (!p)
		return NULL;
	memcpy(p->data, buf, len);
	p->len = len;
	return p;
}

void pkt_pool_drain(void)
{
	while (pool) {
		struct pkt *p = pool;
		pool = p->next;
		free(p);
	}
	pool_len = 0;
}
