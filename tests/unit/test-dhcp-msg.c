/* test-dhcp-msg.c -- the DHCPINFORM builder and the DHCPACK parser: the bytes
 * of the INFORM, RFC 3442's own route encodings in 121 and 249, RFC 3397
 * compression in 119, option overload and RFC 3396 concatenation, and
 * malformed replies.  Every parse reads from a heap copy of exactly the
 * packet's length, so ASan sees any read past its end. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "dhcp/dhcp.h"
#include "log.h"
#include "pkt.h"
#include "rd.h"

#define XID 0x5eed1234u

static void logfn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%s] %s\n", subsys, msg);
}

static const struct wv_log lg = { logfn, NULL, WV_LOG_TRACE };

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static bool is_ip(struct in_addr a, const char *s)
{
	return a.s_addr == ip4(s).s_addr;
}

/* A BOOTREPLY for xid with the given options (after the cookie) and, for
 * overload, the file and sname fields. */
static size_t make_reply(uint8_t *out, uint32_t xid, const char *opts, const char *file,
			 const char *sname)
{
	struct in_addr local = ip4("10.0.0.5");

	memset(out, 0, 240);
	out[0] = 2;
	out[1] = 1;
	out[2] = 6;
	store_be32(out + 4, xid);
	memcpy(out + 12, &local.s_addr, 4);
	if (sname)
		check_unhex(sname, out + 44, 64);
	if (file)
		check_unhex(file, out + 108, 128);
	store_be32(out + 236, 0x63825363);
	return 240 + check_unhex(opts, out + 240, 1500);
}

/* payload in IPv4/UDP from the server:67 to us:68, as PPP delivers it. */
static struct pkt *wrap(const uint8_t *payload, size_t len)
{
	struct pkt *p = pkt_alloc();

	memcpy(pkt_put(p, len), payload, len);
	if (dhcp_ip_push(p, ip4("192.168.1.10"), 67, ip4("10.0.0.5"), 68, 7))
		abort();
	return p;
}

static int parse_ip(const uint8_t *ip, size_t len, uint32_t xid, struct dhcp_info *info)
{
	uint8_t *exact = malloc(len ? len : 1);
	const uint8_t *pl;
	size_t plen;
	int err;

	memcpy(exact, ip, len);
	err = dhcp_ip_strip(exact, len, &pl, &plen);
	if (!err)
		err = dhcp_parse_ack(pl, plen, xid, info, &lg);
	free(exact);
	return err;
}

static int parse3(const char *opts, const char *file, const char *sname, struct dhcp_info *info)
{
	uint8_t buf[1800];
	size_t len = make_reply(buf, XID, opts, file, sname);
	struct pkt *p = wrap(buf, len);
	int err;

	memset(info, 0xa5, sizeof(*info));   /* nothing may leak through on failure */
	err = parse_ip(p->data, p->len, XID, info);
	pkt_free(p);
	return err;
}

static int parse(const char *opts, struct dhcp_info *info)
{
	return parse3(opts, NULL, NULL, info);
}

static bool route_is(const struct dhcp_route *r, const char *pfx, unsigned len, const char *gw)
{
	return is_ip(r->prefix, pfx) && r->len == len && is_ip(r->gateway, gw);
}

#define ACK "35 01 05 "

/* Appends option code with value v as hex, split into 255-octet instances
 * (RFC 3396); returns the new end. */
static char *opt_hex(char *o, uint8_t code, const uint8_t *v, size_t n)
{
	size_t i;

	do {
		size_t chunk = n > 255 ? 255 : n;

		o += sprintf(o, " %02x %02x ", code, (unsigned)chunk);
		for (i = 0; i < chunk; i++)
			o += sprintf(o, "%02x", v[i]);
		v += chunk;
		n -= chunk;
	} while (n > 0);
	return o;
}

/* Recomputes an IPv4 header checksum after a test changed the header. */
static void ip_fix(uint8_t *ip)
{
	uint32_t sum = 0;
	size_t i;

	store_be16(ip + 10, 0);
	for (i = 0; i < 20; i += 2)
		sum += load_be16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	store_be16(ip + 10, (uint16_t)~sum);
}

static void test_inform_bytes(void)
{
	static const uint8_t opts[] = {
		0x35, 1, 8,
		0x3d, 7, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x0c, 6, 'W', 'I', 'N', 'V', 'P', 'N',
		0x3c, 8, 'M', 'S', 'F', 'T', ' ', '5', '.', '0',
		0x37, 14, 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252,
		0xff,
	};
	struct dhcp_inform_msg m = {
		.xid = 0x12345678, .secs = 3, .ciaddr = ip4("10.0.0.5"),
		.chaddr = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, .hostname = "WINVPN",
	};
	struct pkt *p = pkt_alloc();
	struct dhcp_info info;
	const uint8_t *b, *pl;
	size_t i, plen;
	uint8_t *q;
	bool zero = true;

	CHECK(dhcp_build_inform(p, &m) == 0);
	CHECK(p->len == 300);           /* padded to the BOOTP minimum */
	b = p->data;
	CHECK(b[0] == 1 && b[1] == 1 && b[2] == 6 && b[3] == 0);
	CHECK(load_be32(b + 4) == 0x12345678);
	CHECK(load_be16(b + 8) == 3);
	CHECK(load_be16(b + 10) == 0);                    /* flags: unicast reply */
	CHECK_MEM(b + 12, "\x0a\x00\x00\x05", 4);         /* ciaddr */
	for (i = 16; i < 28; i++)                         /* yiaddr, siaddr, giaddr */
		zero = zero && b[i] == 0;
	CHECK(zero);
	CHECK_MEM(b + 28, "\x02\x11\x22\x33\x44\x55", 6);
	CHECK(load_be32(b + 236) == 0x63825363);
	CHECK_MEM(b + 240, opts, sizeof(opts));
	for (i = 240 + sizeof(opts), zero = true; i < p->len; i++)
		zero = zero && b[i] == 0;
	CHECK(zero);

	/* The IP packet: header checksum, UDP 68 -> 67 with a valid checksum. */
	CHECK(dhcp_ip_push(p, ip4("10.0.0.5"), 68, ip4("255.255.255.255"), 67, 0x4242) == 0);
	CHECK(p->len == 328);
	b = p->data;
	CHECK(b[0] == 0x45 && load_be16(b + 2) == 328 && b[9] == 17);
	CHECK_MEM(b + 12, "\x0a\x00\x00\x05\xff\xff\xff\xff", 8);
	CHECK(load_be16(b + 20) == 68 && load_be16(b + 22) == 67 && load_be16(b + 24) == 308);
	/* Our own request is not a reply: the ports say so. */
	CHECK(dhcp_ip_strip(b, p->len, &pl, &plen) == -ENOENT);

	/* Turned around into a reply it parses: the checksums were right and the
	 * options are well formed.  An INFORM (op 1, type 8) itself is not an ACK. */
	CHECK(dhcp_parse_ack(b + 28, 300, 0x12345678, &info, &lg) == -ESRCH);
	q = pkt_pull(p, 28);
	q[28] = 2;
	q[28 + 242] = 5;
	CHECK(dhcp_parse_ack(p->data, p->len, 0x12345678, &info, &lg) == 0);
	CHECK(info.n_routes == 0 && info.n_dns == 0 && !info.has_mask && !info.domain[0]);
	CHECK(dhcp_parse_ack(p->data, p->len, 0x12345679, &info, &lg) == -ESRCH);
	pkt_free(p);

	/* No hostname: option 12 left out. */
	p = pkt_alloc();
	m.hostname = NULL;
	CHECK(dhcp_build_inform(p, &m) == 0);
	CHECK(p->data[240 + 12] == 0x3c);
	pkt_free(p);
}

/* RFC 3442 §3's encoding table, one entry each, all via 10.0.0.1. */
#define RFC3442 \
	"00 0a000001 " \
	"08 0a 0a000001 " \
	"10 0a11 0a000001 " \
	"18 0a1b81 0a000001 " \
	"19 0ae50080 0a000001 " \
	"20 0ac67a2f 0a000001 "

static void check_rfc3442(const struct dhcp_info *info)
{
	CHECK(info->n_routes == 6);
	CHECK(route_is(&info->routes[0], "0.0.0.0", 0, "10.0.0.1"));
	CHECK(route_is(&info->routes[1], "10.0.0.0", 8, "10.0.0.1"));
	CHECK(route_is(&info->routes[2], "10.17.0.0", 16, "10.0.0.1"));
	CHECK(route_is(&info->routes[3], "10.27.129.0", 24, "10.0.0.1"));
	CHECK(route_is(&info->routes[4], "10.229.0.128", 25, "10.0.0.1"));
	CHECK(route_is(&info->routes[5], "10.198.122.47", 32, "10.0.0.1"));
}

static void test_routes(void)
{
	struct dhcp_info info;

	/* 121 with option 3: the routers are ignored (RFC 3442). */
	CHECK(parse(ACK "03 04 0a000001 79 2c " RFC3442 "ff", &info) == 0);
	CHECK(info.routes_option == 121);
	check_rfc3442(&info);
	CHECK(info.n_routers == 0);
	CHECK(!info.truncated);

	/* 249 alone, an on-link route (router 0.0.0.0). */
	CHECK(parse(ACK "f9 0f 18 c0a864 00000000 10 ac10 0a000001 ff", &info) == 0);
	CHECK(info.routes_option == 249 && info.n_routes == 2);
	CHECK(route_is(&info.routes[0], "192.168.100.0", 24, "0.0.0.0"));
	CHECK(route_is(&info.routes[1], "172.16.0.0", 16, "10.0.0.1"));

	/* Both: 121 wins, whichever comes first. */
	CHECK(parse(ACK "f9 08 18 c0a864 00000000 79 06 08 0b 0a000002 ff", &info) == 0);
	CHECK(info.routes_option == 121 && info.n_routes == 1);
	CHECK(route_is(&info.routes[0], "11.0.0.0", 8, "10.0.0.2"));

	/* A bad 121 (width 33) is dropped whole, and 249 is used. */
	CHECK(parse(ACK "79 0f 08 0b 0a000002 21 01020304 0a000001 "
		    "f9 08 18 c0a864 00000000 ff", &info) == 0);
	CHECK(info.routes_option == 249 && info.n_routes == 1);
	/* Alone: no routes at all, option 3 stands. */
	CHECK(parse(ACK "03 04 0a000001 79 0f 08 0b 0a000002 21 01020304 0a000001 ff", &info)
	      == 0);
	CHECK(info.routes_option == 0 && info.n_routes == 0);
	CHECK(info.n_routers == 1 && is_ip(info.routers[0], "10.0.0.1"));
	/* An entry cut short (24 bits but 2 octets, no router). */
	CHECK(parse(ACK "79 03 18 0a1b ff", &info) == 0);
	CHECK(info.routes_option == 0 && info.n_routes == 0);
	/* Host bits beyond the width are cleared. */
	CHECK(parse(ACK "79 07 0c 0aff 0a000001 ff", &info) == 0);
	CHECK(info.n_routes == 1 && route_is(&info.routes[0], "10.240.0.0", 12, "10.0.0.1"));

	/* Classful 33, used only without 121/249. */
	CHECK(parse(ACK "21 18 0a000000 0a000001 c0a80105 0a000001 00000000 0a000001 ff",
		    &info) == 0);
	CHECK(info.routes_option == 33 && info.n_routes == 2);
	CHECK(route_is(&info.routes[0], "10.0.0.0", 8, "10.0.0.1"));
	CHECK(route_is(&info.routes[1], "192.168.1.5", 32, "10.0.0.1"));
	CHECK(parse(ACK "21 08 0a000000 0a000001 79 05 00 0a000009 ff", &info) == 0);
	CHECK(info.routes_option == 121 && info.n_routes == 1);
}

/* 70 routes: more than we keep, and more than one option holds, so they
 * come as two 121 instances split mid-entry (RFC 3396). */
static void test_long_option(void)
{
	char opts[4000], *o = opts;
	uint8_t val[70 * 6];
	struct dhcp_info info;
	size_t i;

	for (i = 0; i < 70; i++) {
		val[i * 6] = 8;
		val[i * 6 + 1] = (uint8_t)(i + 1);
		memcpy(val + i * 6 + 2, "\x0a\x00\x00\x01", 4);
	}
	o += sprintf(o, ACK);
	o = opt_hex(o, 121, val, 253);
	o += sprintf(o, " 06 04 08080808 ");
	o = opt_hex(o, 121, val + 253, sizeof(val) - 253);
	sprintf(o, " ff");
	CHECK(parse(opts, &info) == 0);
	CHECK(info.routes_option == 121 && info.n_routes == DHCP_MAX_ROUTES);
	CHECK(info.truncated);
	CHECK(route_is(&info.routes[63], "64.0.0.0", 8, "10.0.0.1"));
	CHECK(info.n_dns == 1);
}

static void test_addresses(void)
{
	struct dhcp_info info;

	CHECK(parse(ACK "36 04 c0a8010a 01 04 ffffff00 06 08 0a000035 0a000036 "
		    "2c 04 0a000050 0f 11 636f72702e6578616d706c652e636f6d00 ff", &info) == 0);
	CHECK(is_ip(info.server, "192.168.1.10"));
	CHECK(info.has_mask && is_ip(info.mask, "255.255.255.0"));
	CHECK(info.n_dns == 2 && is_ip(info.dns[1], "10.0.0.54"));
	CHECK(info.n_wins == 1 && is_ip(info.wins[0], "10.0.0.80"));
	CHECK_STR(info.domain, "corp.example.com");      /* Windows' trailing NUL dropped */

	/* Five DNS servers: four kept. */
	CHECK(parse(ACK "06 14 01010101 02020202 03030303 04040404 05050505 ff", &info) == 0);
	CHECK(info.n_dns == 4 && info.truncated);

	/* Malformed single options are dropped, the rest stays: a zero-length
	 * and a 5-octet DNS, a non-contiguous mask, a domain with a shell
	 * metacharacter, an empty label. */
	CHECK(parse(ACK "06 00 2c 04 0a000050 ff", &info) == 0);
	CHECK(info.n_dns == 0 && info.n_wins == 1);
	CHECK(parse(ACK "06 05 0101010101 ff", &info) == 0);
	CHECK(info.n_dns == 0);
	CHECK(parse(ACK "01 04 ff00ff00 ff", &info) == 0);
	CHECK(!info.has_mask);
	CHECK(parse(ACK "0f 05 613b726d00 ff", &info) == 0);
	CHECK(!info.domain[0]);
	CHECK(parse(ACK "0f 04 612e2e62 ff", &info) == 0);
	CHECK(!info.domain[0]);
	CHECK(parse(ACK "0f 00 ff", &info) == 0);
	CHECK(!info.domain[0]);
}

static void test_search(void)
{
	struct dhcp_info info;

	/* RFC 3397 §3's example: eng.apple.com and marketing.apple.com, the
	 * second pointing into the first. */
	CHECK(parse(ACK "77 1b 03656e67 056170706c65 03636f6d 00 096d61726b6574696e67 c004 ff",
		    &info) == 0);
	CHECK(info.n_search == 2);
	CHECK_STR(info.search[0], "eng.apple.com");
	CHECK_STR(info.search[1], "marketing.apple.com");
	/* The same split over two instances (RFC 3397 §2, RFC 3396): the pointer
	 * is an offset into the concatenation. */
	CHECK(parse(ACK "77 08 03656e67 05617070 06 04 01010101 "
		    "77 13 6c65 03636f6d 00 096d61726b6574696e67 c004 ff", &info) == 0);
	CHECK(info.n_search == 2 && info.n_dns == 1);
	CHECK_STR(info.search[1], "marketing.apple.com");
	/* A pointer to itself; two names pointing at each other; a forward
	 * pointer past the end; a pointer cut in half; a 0x40 label type; a bad
	 * character.  Each drops option 119 only. */
	CHECK(parse(ACK "77 02 c000 0f 03 636f6d ff", &info) == 0);
	CHECK(info.n_search == 0 && !strcmp(info.domain, "com"));
	CHECK(parse(ACK "77 0b 03616263 00 03646566 c005 ff", &info) == 0);
	CHECK(info.n_search == 0);
	CHECK(parse(ACK "77 06 03616263 c040 ff", &info) == 0);
	CHECK(info.n_search == 0);
	CHECK(parse(ACK "77 05 03616263 c0 ff", &info) == 0);
	CHECK(info.n_search == 0);
	CHECK(parse(ACK "77 03 41 6162 ff", &info) == 0);
	CHECK(info.n_search == 0);
	CHECK(parse(ACK "77 05 03612062 00 ff", &info) == 0);
	CHECK(info.n_search == 0);
	/* A label running past the option's end. */
	CHECK(parse(ACK "77 04 09616263 ff", &info) == 0);
	CHECK(info.n_search == 0);
	/* A name longer than 255 octets, built by pointers back to long labels:
	 * 63 a's; 63 b's + ptr; 63 c's + ptr; 63 d's + ptr (255 characters). */
	{
		uint8_t v[263];
		char opts[1200];
		size_t i;

		for (i = 0; i < 4; i++) {
			uint8_t *q = v + (i ? 65 + (i - 1) * 66 : 0);

			q[0] = 63;
			memset(q + 1, 'a' + (int)i, 63);
			q[64] = i ? 0xc0 : 0;
			if (i)
				q[65] = (uint8_t)(i == 1 ? 0 : 65 + (i - 2) * 66);
		}
		opt_hex(opt_hex(opts + sprintf(opts, ACK), 119, v, 197), 119, v + 197, 66);
		CHECK(parse(opts, &info) == 0);
		CHECK(info.n_search == 0);
		/* Three names (up to 191 characters) are fine. */
		opt_hex(opts + sprintf(opts, ACK), 119, v, 197);
		CHECK(parse(opts, &info) == 0);
		CHECK(info.n_search == 3 && strlen(info.search[2]) == 191);
	}
}

static void test_overload(void)
{
	struct dhcp_info info;

	/* 52 = 3: file then sname carry options too. */
	CHECK(parse3(ACK "34 01 03 ff", "06 04 0a000035 ff", "0f 03 636f6d ff", &info) == 0);
	CHECK(info.n_dns == 1 && is_ip(info.dns[0], "10.0.0.53"));
	CHECK_STR(info.domain, "com");
	/* 52 = 1: sname is a name, not options. */
	CHECK(parse3(ACK "34 01 01 ff", "06 04 0a000035 ff", "0f 03 636f6d ff", &info) == 0);
	CHECK(info.n_dns == 1 && !info.domain[0]);
	/* Without 52 the fields are ignored. */
	CHECK(parse3(ACK "ff", "06 04 0a000035 ff", NULL, &info) == 0);
	CHECK(info.n_dns == 0);
	/* Bad values, 52 inside the file field, an overrun inside file. */
	CHECK(parse3(ACK "34 01 04 ff", NULL, NULL, &info) == -EBADMSG);
	CHECK(parse3(ACK "34 00 ff", NULL, NULL, &info) == -EBADMSG);
	CHECK(parse3(ACK "34 01 01 ff", "34 01 01 ff", NULL, &info) == -EBADMSG);
	{
		char sname[200];

		memset(sname, '0', 124);
		strcpy(sname + 124, "06 05");   /* 62 pads, then a TLV cut by the field's end */
		CHECK(parse3(ACK "34 01 02 ff", NULL, sname, &info) == -EBADMSG);
	}
	/* The message type may itself live in the file field. */
	CHECK(parse3("34 01 01 ff", "35 01 05 ff", NULL, &info) == 0);
}

static void test_malformed(void)
{
	uint8_t buf[1800], ip[2000];
	struct dhcp_info info;
	struct pkt *p;
	size_t len, n;

	/* Option length past the end; a length byte missing. */
	CHECK(parse(ACK "06 08 0a000035", &info) == -EBADMSG);
	CHECK(parse(ACK "06", &info) == -EBADMSG);
	/* No End at all is tolerated. */
	CHECK(parse(ACK "06 04 0a000035", &info) == 0);
	/* Not an ACK: no type, empty type, a NAK, an OFFER. */
	CHECK(parse("06 04 0a000035 ff", &info) == -ESRCH);
	CHECK(parse("35 00 ff", &info) == -ESRCH);
	CHECK(parse("35 01 06 ff", &info) == -ESRCH);
	CHECK(parse("35 01 02 ff", &info) == -ESRCH);

	len = make_reply(buf, XID, ACK "ff", NULL, NULL);
	/* Wrong xid, a BOOTREQUEST, a bad cookie, a truncated header. */
	CHECK(dhcp_parse_ack(buf, len, XID + 1, &info, &lg) == -ESRCH);
	buf[0] = 1;
	CHECK(dhcp_parse_ack(buf, len, XID, &info, &lg) == -ESRCH);
	buf[0] = 2;
	buf[236] ^= 1;
	CHECK(dhcp_parse_ack(buf, len, XID, &info, &lg) == -EBADMSG);
	buf[236] ^= 1;
	for (n = 0; n < 240; n += 7) {
		p = wrap(buf, n);
		CHECK(parse_ip(p->data, p->len, XID, &info) == -EBADMSG);
		pkt_free(p);
	}

	/* The IP and UDP layers. */
	p = wrap(buf, len);
	memset(ip, 0, sizeof(ip));
	memcpy(ip, p->data, p->len);
	n = p->len;
	pkt_free(p);
	CHECK(parse_ip(ip, n, XID, &info) == 0);
	for (len = 0; len < 28; len++)                    /* truncated headers */
		CHECK(parse_ip(ip, len, XID, &info) == -ENOENT);
	CHECK(parse_ip(ip, n - 1, XID, &info) == -ENOENT);   /* IP length past the end */
	CHECK(parse_ip(ip, n + 3, XID, &info) == 0);         /* link padding is fine */
	ip[9] = 6;                                           /* TCP (checksum now wrong too) */
	CHECK(parse_ip(ip, n, XID, &info) == -ENOENT);
	ip[9] = 17;
	ip[23] = 69;                                         /* to port 69 */
	CHECK(parse_ip(ip, n, XID, &info) == -ENOENT);
	ip[23] = 68;
	ip[21] = 53;                                         /* from port 53 */
	CHECK(parse_ip(ip, n, XID, &info) == -ENOENT);
	ip[21] = 67;
	ip[6] = 0x20;                                        /* a fragment (MF) */
	ip_fix(ip);
	CHECK(parse_ip(ip, n, XID, &info) == -ENOENT);
	ip[6] = 0;
	ip_fix(ip);
	CHECK(parse_ip(ip, n, XID, &info) == 0);
	ip[12] ^= 1;                                         /* IP checksum wrong */
	CHECK(parse_ip(ip, n, XID, &info) == -ENOENT);
	ip[12] ^= 1;
	ip[n - 1] ^= 0x10;                                   /* UDP checksum wrong */
	CHECK(parse_ip(ip, n, XID, &info) == -EBADMSG);
	ip[n - 1] ^= 0x10;
	ip[26] = ip[27] = 0;                                 /* ... but absent */
	CHECK(parse_ip(ip, n, XID, &info) == 0);
	store_be16(ip + 24, (uint16_t)(n - 20 + 1));         /* UDP length past the IP length */
	CHECK(parse_ip(ip, n, XID, &info) == -EBADMSG);
	store_be16(ip + 24, 7);
	CHECK(parse_ip(ip, n, XID, &info) == -EBADMSG);
	ip[0] = 0x65;                                        /* IPv6-ish version */
	CHECK(parse_ip(ip, n, XID, &info) == -ENOENT);
}

int main(void)
{
	test_inform_bytes();
	test_routes();
	test_long_option();
	test_addresses();
	test_search();
	test_overload();
	test_malformed();
	pkt_pool_drain();
	return check_done("test-dhcp-msg");
}
