/* csum.h -- the Internet checksum (RFC 1071), and over a UDP datagram with
 * its IPv4 pseudo-header (RFC 768).  Internal. */
#ifndef WV_CSUM_H
#define WV_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rd.h"

/* Adds p's 16-bit words to sum (an odd last octet is padded with zero). */
static inline uint32_t wv_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += load_be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* The checksum field's value: the one's complement of the folded sum.  Over
 * data that holds a correct checksum it is 0. */
static inline uint16_t wv_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Over a UDP datagram (header included, its checksum field zero when
 * computing) between two IPv4 addresses in network order.  A sender puts
 * 0xffff where this gives 0 (RFC 768). */
static inline uint16_t wv_udp4_csum(const void *src, const void *dst, const uint8_t *udp,
				    size_t len)
{
	uint8_t ph[12];

	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = 17;   /* IPPROTO_UDP */
	store_be16(ph + 10, (uint16_t)len);
	return wv_csum_fold(wv_csum_add(wv_csum_add(0, ph, sizeof(ph)), udp, len));
}

#endif
