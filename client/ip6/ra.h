/* ra.h -- IPv6 Neighbor Discovery through the tunnel, the host's side only:
 * Router Solicitations out, Router Advertisements in (RFC 4861 §4.1, §4.2,
 * §6.1.2), with the options a host on a PPP link uses: Prefix Information
 * (SLAAC, RFC 4862), MTU, Route Information (RFC 4191) and RDNSS (RFC 8106).
 * Whole IPv6 packets, as PPP carries them.  Internal. */
#ifndef WV_IP6_RA_H
#define WV_IP6_RA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define IP6_HDRLEN 40
#define ICMP6_RS 133
#define ICMP6_RA 134
#define IPPROTO_ICMP6_NH 58
#define ND_HOP_LIMIT 255

/* RFC 4861 §6.3.7 and §10 */
#define RA_RS_INTERVAL_MS 4000
#define RA_MAX_RS 3

#define RA_MAX_PREFIXES 8
#define RA_MAX_ROUTES 16
#define RA_MAX_DNS 4

struct ra_prefix {
	struct in6_addr prefix;      /* host bits cleared */
	uint8_t len;
	bool onlink, autonomous;     /* L and A flags */
	uint32_t valid, preferred;   /* s; 0xffffffff infinite */
};

struct ra_route {                /* RFC 4191 Route Information */
	struct in6_addr prefix;
	uint8_t len;
	int8_t pref;                 /* -1 low, 0 medium, 1 high */
	uint32_t lifetime;
};

struct ra_info {
	struct in6_addr src;         /* the router's link-local address */
	uint8_t cur_hop_limit;
	bool managed, other;         /* M and O flags */
	uint16_t router_lifetime;    /* s; 0: not a default router */
	uint32_t mtu;                /* 0 when absent */
	struct ra_prefix prefixes[RA_MAX_PREFIXES];
	unsigned n_prefixes;
	struct ra_route routes[RA_MAX_ROUTES];
	unsigned n_routes;
	struct in6_addr dns[RA_MAX_DNS];
	unsigned n_dns;
	uint32_t dns_lifetime;
	unsigned dropped;            /* options beyond the tables, or invalid and skipped */
};

/* The ICMPv6 checksum (RFC 4443 §2.3) over the pseudo-header and msg. */
uint16_t ra_icmp6_csum(const struct in6_addr *src, const struct in6_addr *dst,
		       const uint8_t *msg, size_t len);

/* Is this IPv6 packet an ICMPv6 Router Advertisement (directly after the
 * fixed header)?  Only looks; ra_parse() validates. */
bool ra_is_ra(const uint8_t *pkt, size_t len);

/* Validates (RFC 4861 §6.1.2: link-local source, hop limit 255, code 0,
 * checksum, length >= 16, no zero-length option) and parses a whole IPv6
 * packet holding a Router Advertisement.  0, or -EINVAL with *why a short
 * reason for the debug log. */
int ra_parse(const uint8_t *pkt, size_t len, struct ra_info *out, const char **why);

/* Builds a Router Solicitation from fe80::<ifid> to ff02::2 (hop limit 255,
 * no Source Link-Layer Address option: PPP has no link-layer address).
 * Returns its length (48), or 0 if buflen is too small. */
size_t ra_build_rs(uint8_t *buf, size_t buflen, const uint8_t ifid[8]);

/* fe80::<ifid> */
void ra_link_local(struct in6_addr *out, const uint8_t ifid[8]);
/* prefix/64 + ifid (RFC 4862 §5.5.3); false unless len is 64 (our
 * identifier is 64 bits, RFC 5072 §4.1) and the prefix is not link-local. */
bool ra_slaac_addr(struct in6_addr *out, const struct ra_prefix *p, const uint8_t ifid[8]);

#endif
