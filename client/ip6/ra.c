/* ra.c -- Router Solicitation and Router Advertisement (RFC 4861) for the
 * tunnel, with SLAAC address formation (RFC 4862), Route Information
 * (RFC 4191) and RDNSS (RFC 8106).  See ra.h. */
#include "wv.h"

#include <errno.h>

#include "csum.h"
#include "rd.h"
#include "ip6/ra.h"

#define ND_OPT_SLLA    1
#define ND_OPT_PREFIX  3
#define ND_OPT_MTU     5
#define ND_OPT_ROUTE   24
#define ND_OPT_RDNSS   25

#define RA_FIXED_LEN 16   /* type, code, checksum, hop limit, flags, lifetime, 2 timers */

uint16_t ra_icmp6_csum(const struct in6_addr *src, const struct in6_addr *dst,
		       const uint8_t *msg, size_t len)
{
	uint8_t ph[8];
	uint32_t sum = 0;

	sum = wv_csum_add(sum, src->s6_addr, 16);
	sum = wv_csum_add(sum, dst->s6_addr, 16);
	store_be32(ph, (uint32_t)len);
	ph[4] = ph[5] = ph[6] = 0;
	ph[7] = IPPROTO_ICMP6_NH;
	sum = wv_csum_add(sum, ph, 8);
	sum = wv_csum_add(sum, msg, len);
	return wv_csum_fold(sum);
}

static bool is_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

bool ra_is_ra(const uint8_t *pkt, size_t len)
{
	return len >= IP6_HDRLEN + 1 && (pkt[0] >> 4) == 6 && pkt[6] == IPPROTO_ICMP6_NH &&
	       pkt[IP6_HDRLEN] == ICMP6_RA;
}

/* Clears the bits past len. */
static void prefix_mask(struct in6_addr *a, unsigned len)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (len >= 8) {
			len -= 8;
			continue;
		}
		a->s6_addr[i] &= (uint8_t)(0xff00u >> len);
		len = 0;
	}
}

static void parse_prefix(struct ra_info *ra, const uint8_t *v, size_t vlen)
{
	struct rd r = rd_init(v, vlen);
	struct ra_prefix p;
	uint8_t flags;
	const uint8_t *a;

	memset(&p, 0, sizeof(p));
	p.len = rd_u8(&r);
	flags = rd_u8(&r);
	p.valid = rd_be32(&r);
	p.preferred = rd_be32(&r);
	rd_skip(&r, 4);
	a = rd_bytes(&r, 16);
	/* RFC 4861 §4.6.2: the option is 4 units; prefix length at most 128 */
	if (!a || vlen != 30 || p.len > 128) {
		ra->dropped++;
		return;
	}
	memcpy(p.prefix.s6_addr, a, 16);
	prefix_mask(&p.prefix, p.len);
	p.onlink = flags & 0x80;
	p.autonomous = flags & 0x40;
	/* RFC 4861 §6.3.4: a link-local prefix is ignored */
	if (is_link_local(p.prefix.s6_addr)) {
		ra->dropped++;
		return;
	}
	/* RFC 4862 §5.5.3 c): preferred > valid, ignore the option */
	if (p.autonomous && p.preferred > p.valid)
		p.autonomous = false;
	if (!p.onlink && !p.autonomous)
		return;
	if (ra->n_prefixes >= RA_MAX_PREFIXES) {
		ra->dropped++;
		return;
	}
	ra->prefixes[ra->n_prefixes++] = p;
}

/* RFC 4191 §2.3: the option is 1, 2 or 3 units, as the prefix length needs. */
static void parse_route(struct ra_info *ra, const uint8_t *v, size_t vlen, unsigned units)
{
	struct ra_route rt;
	unsigned prf, plen;

	if (vlen < 6) {
		ra->dropped++;
		return;
	}
	plen = v[0];
	prf = (v[1] >> 3) & 3;
	if (plen > 128 || units > 3 || (plen > 64 && units < 3) || (plen > 0 && units < 2) ||
	    prf == 2) {   /* 10: reserved, the option is ignored */
		ra->dropped++;
		return;
	}
	memset(&rt, 0, sizeof(rt));
	rt.len = (uint8_t)plen;
	rt.pref = prf == 1 ? 1 : prf == 3 ? -1 : 0;
	rt.lifetime = load_be32(v + 2);
	memcpy(rt.prefix.s6_addr, v + 6, vlen - 6 > 16 ? 16 : vlen - 6);
	prefix_mask(&rt.prefix, plen);
	if (ra->n_routes >= RA_MAX_ROUTES) {
		ra->dropped++;
		return;
	}
	ra->routes[ra->n_routes++] = rt;
}

/* RFC 8106 §5.1: length 3 + 2n units (n >= 1 addresses). */
static void parse_rdnss(struct ra_info *ra, const uint8_t *v, size_t vlen, unsigned units)
{
	size_t off;

	if (units < 3 || (units - 1) % 2 != 0) {
		ra->dropped++;
		return;
	}
	ra->dns_lifetime = load_be32(v + 2);
	for (off = 6; off + 16 <= vlen; off += 16) {
		if (ra->n_dns >= RA_MAX_DNS) {
			ra->dropped++;
			return;
		}
		memcpy(ra->dns[ra->n_dns++].s6_addr, v + off, 16);
	}
}

int ra_parse(const uint8_t *pkt, size_t len, struct ra_info *out, const char **why)
{
	struct rd r = rd_init(pkt, len);
	struct in6_addr src, dst;
	const uint8_t *hdr, *a, *msg;
	uint16_t plen;
	uint8_t hop;
	size_t mlen;
	const char *dummy;

	if (!why)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	hdr = rd_bytes(&r, IP6_HDRLEN);
	if (!hdr || (hdr[0] >> 4) != 6) {
		*why = "not an IPv6 packet";
		return -EINVAL;
	}
	plen = load_be16(hdr + 4);
	hop = hdr[7];
	if (hdr[6] != IPPROTO_ICMP6_NH || plen > rd_left(&r)) {
		*why = hdr[6] != IPPROTO_ICMP6_NH ? "not ICMPv6" : "truncated";
		return -EINVAL;
	}
	memcpy(src.s6_addr, hdr + 8, 16);
	memcpy(dst.s6_addr, hdr + 24, 16);
	/* the payload length rules; link padding after it is not ours */
	msg = r.p;
	mlen = plen;
	if (mlen < RA_FIXED_LEN || msg[0] != ICMP6_RA) {
		*why = "not a router advertisement (or shorter than 16 octets)";
		return -EINVAL;
	}
	/* RFC 4861 §6.1.2 */
	if (hop != ND_HOP_LIMIT) {
		*why = "hop limit is not 255 (not from the link)";
		return -EINVAL;
	}
	if (!is_link_local(src.s6_addr)) {
		*why = "source is not link-local";
		return -EINVAL;
	}
	if (msg[1] != 0) {
		*why = "ICMP code is not 0";
		return -EINVAL;
	}
	if (ra_icmp6_csum(&src, &dst, msg, mlen) != 0) {
		*why = "bad ICMPv6 checksum";
		return -EINVAL;
	}
	out->src = src;
	out->cur_hop_limit = msg[4];
	out->managed = msg[5] & 0x80;
	out->other = msg[5] & 0x40;
	out->router_lifetime = load_be16(msg + 6);

	r = rd_init(msg + RA_FIXED_LEN, mlen - RA_FIXED_LEN);
	while (rd_left(&r)) {
		uint8_t type = rd_u8(&r);
		unsigned units = rd_u8(&r);
		size_t olen = (size_t)units * 8;

		/* RFC 4861 §4.6: a zero length invalidates the whole message */
		if (!rd_ok(&r) || units == 0 || olen - 2 > rd_left(&r)) {
			*why = units == 0 ? "option of length 0" : "option runs past the end";
			memset(out, 0, sizeof(*out));
			return -EINVAL;
		}
		a = rd_bytes(&r, olen - 2);
		switch (type) {
		case ND_OPT_PREFIX:
			parse_prefix(out, a, olen - 2);
			break;
		case ND_OPT_MTU:
			if (units == 1)
				out->mtu = load_be32(a + 2);
			else
				out->dropped++;
			break;
		case ND_OPT_ROUTE:
			parse_route(out, a, olen - 2, units);
			break;
		case ND_OPT_RDNSS:
			parse_rdnss(out, a, olen - 2, units);
			break;
		default:
			/* Source link-layer address and anything else: RFC 4861
			 * §4.2, unknown options are silently ignored. */
			break;
		}
	}
	return 0;
}

void ra_link_local(struct in6_addr *out, const uint8_t ifid[8])
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[0] = 0xfe;
	out->s6_addr[1] = 0x80;
	memcpy(out->s6_addr + 8, ifid, 8);
}

bool ra_slaac_addr(struct in6_addr *out, const struct ra_prefix *p, const uint8_t ifid[8])
{
	if (!p->autonomous || p->len != 64 || p->valid == 0 || is_link_local(p->prefix.s6_addr))
		return false;
	memcpy(out->s6_addr, p->prefix.s6_addr, 8);
	memcpy(out->s6_addr + 8, ifid, 8);
	return true;
}

size_t ra_build_rs(uint8_t *buf, size_t buflen, const uint8_t ifid[8])
{
	struct in6_addr src, dst;
	uint8_t *m;

	if (buflen < IP6_HDRLEN + 8)
		return 0;
	ra_link_local(&src, ifid);
	memset(&dst, 0, sizeof(dst));
	dst.s6_addr[0] = 0xff;
	dst.s6_addr[1] = 0x02;
	dst.s6_addr[15] = 0x02;
	memset(buf, 0, IP6_HDRLEN + 8);
	buf[0] = 0x60;
	store_be16(buf + 4, 8);
	buf[6] = IPPROTO_ICMP6_NH;
	buf[7] = ND_HOP_LIMIT;
	memcpy(buf + 8, src.s6_addr, 16);
	memcpy(buf + 24, dst.s6_addr, 16);
	m = buf + IP6_HDRLEN;
	m[0] = ICMP6_RS;
	store_be16(m + 2, ra_icmp6_csum(&src, &dst, m, 8));
	return IP6_HDRLEN + 8;
}
