/* dhcp-msg.c -- the DHCPINFORM we send and the DHCPACK we parse (RFC 2131,
 * RFC 2132 options, RFC 3396 long options, RFC 3397 search list, RFC 3442 and
 * Microsoft's 249 classless routes), plus the IPv4/UDP framing around them,
 * since over PPP there is no socket: the session moves whole IP packets. */
#include "wv.h"

#include "dhcp/dhcp.h"
#include "log.h"
#include "pkt.h"
#include "csum.h"
#include "rd.h"

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY   2
#define DHCP_HTYPE_ETHER 1
#define DHCP_COOKIE      0x63825363u   /* RFC 2131 §3 */
#define DHCP_FIXED_LEN   236           /* op .. file, RFC 2131 §2 figure 1 */
#define DHCP_SNAME_LEN   64
#define DHCP_FILE_LEN    128
#define DHCP_MIN_LEN     300           /* BOOTP minimum (RFC 1542 §2.1); some relays drop less */

#define DHCPACK    5
#define DHCPINFORM 8

enum {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_STATIC_ROUTE = 33,
	DHCP_OPT_WINS = 44,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_REQ = 55,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_SEARCH = 119,
	DHCP_OPT_CLASSLESS = 121,
	DHCP_OPT_MS_CLASSLESS = 249,
	DHCP_OPT_END = 255,
};

/* What Windows asks for in option 55 (windows-interop.md §5), in its order. */
static const uint8_t dhcp_param_req[] = {
	1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252,
};

/* ---- checksums (RFC 1071) ----------------------------------------------------- */


/* ---- building ---------------------------------------------------------------- */

static int dhcp_put_opt(struct pkt *p, uint8_t code, const void *val, size_t len)
{
	uint8_t *q = pkt_put(p, 2 + len);

	if (!q)
		return -ENOSPC;
	q[0] = code;
	q[1] = (uint8_t)len;
	memcpy(q + 2, val, len);
	return 0;
}

int dhcp_build_inform(struct pkt *p, const struct dhcp_inform_msg *m)
{
	static const char vendor[] = "MSFT 5.0";
	size_t start = p->len, host_len = m->hostname ? strlen(m->hostname) : 0;
	uint8_t msg_type = DHCPINFORM, client_id[7];
	uint8_t *q;
	int err;

	q = pkt_put(p, DHCP_FIXED_LEN + 4);
	if (!q)
		return -ENOSPC;
	memset(q, 0, DHCP_FIXED_LEN + 4);
	q[0] = DHCP_BOOTREQUEST;
	/* Windows' RAS adapter presents itself as Ethernet with a pseudo-MAC. */
	q[1] = DHCP_HTYPE_ETHER;
	q[2] = sizeof(m->chaddr);
	store_be32(q + 4, m->xid);
	store_be16(q + 8, m->secs);
	/* flags stay 0: we have an address, so the reply is unicast to ciaddr
	 * (RFC 2131 §4.4.3), which is how it can come back through the tunnel. */
	memcpy(q + 12, &m->ciaddr.s_addr, 4);
	memcpy(q + 28, m->chaddr, sizeof(m->chaddr));
	store_be32(q + DHCP_FIXED_LEN, DHCP_COOKIE);

	/* RFC 2132 §9.14: type 1 (Ethernet) and the hardware address, as Windows sends. */
	client_id[0] = DHCP_HTYPE_ETHER;
	memcpy(client_id + 1, m->chaddr, 6);
	if (host_len > 255)
		host_len = 255;
	if ((err = dhcp_put_opt(p, DHCP_OPT_MSG_TYPE, &msg_type, 1)) ||
	    (err = dhcp_put_opt(p, DHCP_OPT_CLIENT_ID, client_id, sizeof(client_id))) ||
	    (host_len && (err = dhcp_put_opt(p, DHCP_OPT_HOSTNAME, m->hostname, host_len))) ||
	    (err = dhcp_put_opt(p, DHCP_OPT_VENDOR_CLASS, vendor, strlen(vendor))) ||
	    (err = dhcp_put_opt(p, DHCP_OPT_PARAM_REQ, dhcp_param_req, sizeof(dhcp_param_req))))
		goto out;
	q = pkt_put(p, 1);
	if (!q) {
		err = -ENOSPC;
		goto out;
	}
	*q = DHCP_OPT_END;
	if (p->len - start < DHCP_MIN_LEN) {
		size_t pad = DHCP_MIN_LEN - (p->len - start);

		q = pkt_put(p, pad);
		if (!q) {
			err = -ENOSPC;
			goto out;
		}
		memset(q, DHCP_OPT_PAD, pad);
	}
	err = 0;
out:
	if (err)
		p->len = start;
	return err;
}

int dhcp_ip_push(struct pkt *p, struct in_addr src, uint16_t sport, struct in_addr dst,
		 uint16_t dport, uint16_t ip_id)
{
	uint8_t *ip, *udp;
	size_t udp_len = p->len + 8;
	uint16_t csum;

	if (udp_len + 20 > 0xffff)
		return -EMSGSIZE;
	udp = pkt_push(p, 8);
	if (!udp)
		return -ENOSPC;
	ip = pkt_push(p, 20);
	if (!ip) {
		pkt_pull(p, 8);
		return -ENOSPC;
	}
	ip[0] = 0x45;           /* version 4, 20-octet header */
	ip[1] = 0;
	store_be16(ip + 2, (uint16_t)(udp_len + 20));
	store_be16(ip + 4, ip_id);
	store_be16(ip + 6, 0);  /* may fragment: PPP's MTU is the gateway's problem */
	ip[8] = 128;            /* Windows' default TTL */
	ip[9] = IPPROTO_UDP;
	store_be16(ip + 10, 0);
	memcpy(ip + 12, &src.s_addr, 4);
	memcpy(ip + 16, &dst.s_addr, 4);
	store_be16(ip + 10, wv_csum_fold(wv_csum_add(0, ip, 20)));

	store_be16(udp, sport);
	store_be16(udp + 2, dport);
	store_be16(udp + 4, (uint16_t)udp_len);
	store_be16(udp + 6, 0);
	csum = wv_udp4_csum(ip + 12, ip + 16, udp, udp_len);
	/* RFC 768: a computed zero is sent as all ones; zero means "none". */
	store_be16(udp + 6, csum ? csum : 0xffff);
	return 0;
}

/* ---- receiving: IPv4 and UDP ---------------------------------------------------- */

int dhcp_ip_strip(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *payload_len)
{
	struct rd r = rd_init(buf, len), u;
	const uint8_t *src, *dst, *udp;
	uint16_t tot_len, frag, sport, dport, ulen, ucsum;
	size_t ihl;
	uint8_t vihl, proto;

	vihl = rd_u8(&r);
	rd_skip(&r, 1);                 /* TOS */
	tot_len = rd_be16(&r);
	rd_skip(&r, 2);                 /* id */
	frag = rd_be16(&r);
	rd_skip(&r, 1);                 /* TTL */
	proto = rd_u8(&r);
	rd_skip(&r, 2);                 /* checksum, verified over the whole header below */
	src = rd_bytes(&r, 4);
	dst = rd_bytes(&r, 4);
	if (!rd_ok(&r) || vihl >> 4 != 4)
		return -ENOENT;
	ihl = (size_t)(vihl & 0x0f) * 4;
	/* Anything wrong at the IP level is not ours to judge: the caller passes
	 * it on to the TUN device and the kernel drops it. */
	if (ihl < 20 || tot_len < ihl || tot_len > len || wv_csum_fold(wv_csum_add(0, buf, ihl)) != 0)
		return -ENOENT;
	/* A reply fits one PPP frame; fragments (MF or an offset) we leave alone. */
	if (proto != IPPROTO_UDP || (frag & 0x3fff))
		return -ENOENT;
	/* Trailing octets after tot_len (link padding) are ignored. */
	r = rd_init(buf, tot_len);
	rd_skip(&r, ihl);
	u = rd_sub(&r, rd_left(&r));
	udp = u.p;
	sport = rd_be16(&u);
	dport = rd_be16(&u);
	ulen = rd_be16(&u);
	ucsum = rd_be16(&u);
	if (!rd_ok(&u) || sport != DHCP_SERVER_PORT || dport != DHCP_CLIENT_PORT)
		return -ENOENT;
	if (ulen < 8 || ulen > tot_len - ihl)
		return -EBADMSG;
	if (ucsum && wv_udp4_csum(src, dst, udp, ulen) != 0)
		return -EBADMSG;
	*payload = udp + 8;
	*payload_len = ulen - 8u;
	return 0;
}

/* ---- receiving: BOOTP and options -------------------------------------------------- */

/* Where options may live: the options field, then file and sname when option 52
 * says so, in that order (RFC 2131 §4.1, RFC 3396 §7). */
struct dhcp_areas {
	struct {
		const uint8_t *p;
		size_t len;
	} a[3];
	unsigned n;
};

/* One pass over an area checking the TLV structure, so later passes cannot
 * fail.  A missing End is tolerated: every option was still bounds-checked. */
static int dhcp_area_check(const uint8_t *p, size_t len, int *overload)
{
	struct rd r = rd_init(p, len);

	while (rd_left(&r) > 0) {
		uint8_t code = rd_u8(&r), olen;
		const uint8_t *v;

		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		olen = rd_u8(&r);
		v = rd_bytes(&r, olen);
		if (!v)
			return -EBADMSG;
		if (code == DHCP_OPT_OVERLOAD) {
			/* RFC 2132 §9.3: only in the options field, value 1..3. */
			if (!overload || olen != 1 || v[0] < 1 || v[0] > 3)
				return -EBADMSG;
			*overload = v[0];
		}
	}
	return 0;
}

/* Concatenates every instance of code, in area order (RFC 3396 §7: a long
 * option, e.g. a big 121, is split into several).  1 found, 0 absent,
 * -EMSGSIZE longer than out. */
static int dhcp_opt_get(const struct dhcp_areas *ar, uint8_t code, uint8_t *out, size_t max,
			size_t *out_len)
{
	bool found = false;
	unsigned i;

	*out_len = 0;
	for (i = 0; i < ar->n; i++) {
		struct rd r = rd_init(ar->a[i].p, ar->a[i].len);

		while (rd_left(&r) > 0) {
			uint8_t c = rd_u8(&r), olen;
			const uint8_t *v;

			if (c == DHCP_OPT_PAD)
				continue;
			if (c == DHCP_OPT_END)
				break;
			olen = rd_u8(&r);
			v = rd_bytes(&r, olen);
			if (!v)
				return -EBADMSG;
			if (c != code)
				continue;
			if (max - *out_len < olen)
				return -EMSGSIZE;
			memcpy(out + *out_len, v, olen);
			*out_len += olen;
			found = true;
		}
	}
	return found;
}

/* A list of IPv4 addresses (options 3, 6, 44): a non-zero multiple of 4 octets
 * (RFC 2132 §3.5, §3.8, §8.9). */
static int dhcp_addrs(const uint8_t *v, size_t n, struct in_addr *out, unsigned max,
		      unsigned *count, bool *trunc)
{
	struct rd r = rd_init(v, n);

	if (n == 0 || n % 4)
		return -EBADMSG;
	*count = 0;
	while (rd_left(&r) >= 4) {
		if (*count == max) {
			*trunc = true;
			break;
		}
		rd_copy(&r, &out[*count].s_addr, 4);
		(*count)++;
	}
	return 0;
}

/* Host names go into resolver configuration and scripts: letters, digits,
 * '-' and '_' (which Windows domains use) only. */
static bool dhcp_label_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Option 15 (RFC 2132 §3.17).  Windows DHCP servers end it with a NUL, so
 * trailing NULs (and a final dot) are dropped; anything else odd rejects it. */
static int dhcp_domain(const uint8_t *v, size_t n, char *out)
{
	struct rd r;
	size_t i;

	while (n > 0 && (v[n - 1] == '\0' || v[n - 1] == '.'))
		n--;
	if (n == 0 || n >= DHCP_NAME_MAX - 2)
		return -EBADMSG;
	r = rd_init(v, n);
	for (i = 0; i < n; i++) {
		uint8_t c = rd_u8(&r);

		if (c == '.' ? i == 0 || out[i - 1] == '.' : !dhcp_label_char(c)) {
			out[0] = '\0';
			return -EBADMSG;
		}
		out[i] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* One DNS name at *pos in the option-119 data v[0..n), with RFC 1035 §4.1.4
 * compression; pointers are offsets into the concatenated option data (RFC 3397
 * §2).  Every pointer must go strictly below the lowest offset read so far, so
 * a chain of pointers always ends; the name's length is bounded too.  Sets
 * *pos past the name. */
static int dhcp_name(const uint8_t *v, size_t n, size_t *pos, char *out)
{
	size_t at = *pos, low = *pos, o = 0, next = 0;
	bool jumped = false;

	for (;;) {
		struct rd r;
		uint8_t l;
		const uint8_t *label;
		size_t i;

		if (at >= n)
			return -EBADMSG;
		r = rd_init(v + at, n - at);
		l = rd_u8(&r);
		if ((l & 0xc0) == 0xc0) {
			size_t target = (size_t)(l & 0x3f) << 8 | rd_u8(&r);

			if (!rd_ok(&r) || target >= low)
				return -EBADMSG;
			if (!jumped)
				next = at + 2;
			jumped = true;
			at = low = target;
			continue;
		}
		if (l & 0xc0)           /* 0x40 and 0x80 label types: not in a search list */
			return -EBADMSG;
		if (l == 0) {
			if (!jumped)
				next = at + 1;
			break;
		}
		label = rd_bytes(&r, l);
		/* Room for "label." and the final NUL; a name is at most 255 octets. */
		if (!label || o + l + 2 > DHCP_NAME_MAX)
			return -EBADMSG;
		for (i = 0; i < l; i++) {
			if (!dhcp_label_char(label[i]))
				return -EBADMSG;
			out[o++] = (char)label[i];
		}
		out[o++] = '.';
		at += 1 + (size_t)l;
	}
	if (o > 0)
		o--;                    /* no trailing dot */
	out[o] = '\0';
	*pos = next;
	return 0;
}

/* Option 119 (RFC 3397): a sequence of names, the root name (empty) skipped. */
static int dhcp_search(const uint8_t *v, size_t n, struct dhcp_info *info)
{
	size_t pos = 0;

	info->n_search = 0;
	if (n == 0)
		return -EBADMSG;
	while (pos < n) {
		char name[DHCP_NAME_MAX];
		int err = dhcp_name(v, n, &pos, name);

		if (err) {
			info->n_search = 0;
			return err;
		}
		if (!name[0])
			continue;
		if (info->n_search == DHCP_MAX_SEARCH) {
			info->truncated = true;
			continue;       /* keep validating the rest */
		}
		memcpy(info->search[info->n_search++], name, sizeof(name));
	}
	return 0;
}

static uint32_t dhcp_mask(unsigned len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

static void dhcp_route_set(struct dhcp_route *rt, uint32_t net, unsigned len, const uint8_t gw[4])
{
	uint8_t b[4];

	store_be32(b, net & dhcp_mask(len));
	memcpy(&rt->prefix.s_addr, b, 4);
	rt->len = (uint8_t)len;
	memcpy(&rt->gateway.s_addr, gw, 4);
}

/* Options 121 and 249 (RFC 3442 §3): {width, ceil(width/8) octets of the
 * destination, router}...  One bad entry rejects the whole option: a partial
 * route table would send some traffic the wrong way. */
static int dhcp_classless(const uint8_t *v, size_t n, struct dhcp_info *info)
{
	struct rd r = rd_init(v, n);

	info->n_routes = 0;
	if (n == 0)
		return -EBADMSG;
	while (rd_left(&r) > 0) {
		uint8_t width = rd_u8(&r), dst[4] = { 0 };
		const uint8_t *gw;

		if (width > 32 || !rd_copy(&r, dst, (width + 7u) / 8))
			goto bad;
		gw = rd_bytes(&r, 4);
		if (!gw)
			goto bad;
		if (info->n_routes == DHCP_MAX_ROUTES) {
			info->truncated = true;
			continue;
		}
		dhcp_route_set(&info->routes[info->n_routes++], load_be32(dst), width, gw);
	}
	return 0;
bad:
	info->n_routes = 0;
	return -EBADMSG;
}

/* Option 33 (RFC 2132 §5.8): {destination, router} pairs with the destination's
 * classful mask.  0.0.0.0 is illegal there and class D/E make no route. */
static int dhcp_static(const uint8_t *v, size_t n, struct dhcp_info *info)
{
	struct rd r = rd_init(v, n);

	info->n_routes = 0;
	if (n == 0 || n % 8)
		return -EBADMSG;
	while (rd_left(&r) >= 8) {
		uint32_t dst = rd_be32(&r);
		const uint8_t *gw = rd_bytes(&r, 4);
		unsigned len = dst < 0x80000000u ? 8 : dst < 0xc0000000u ? 16 : 24;

		if (dst == 0 || dst >= 0xe0000000u)
			continue;
		/* Host bits set beyond the class mask can only mean a host route. */
		if (dst & ~dhcp_mask(len))
			len = 32;
		if (info->n_routes == DHCP_MAX_ROUTES) {
			info->truncated = true;
			continue;
		}
		dhcp_route_set(&info->routes[info->n_routes++], dst, len, gw);
	}
	return 0;
}

/* Options 121, 249, 33 in order of precedence: the first that decodes wins.
 * RFC 3442 §DHCP Client Behavior: a client that gets 121 ignores 3 and 33.
 * Microsoft's 249 (same encoding, what RRAS scopes usually carry) gets the
 * same treatment, as Windows gives it; a malformed 121 falls back to 249
 * rather than to no routes at all. */
static int dhcp_opt_121(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	if (t->routes_option || dhcp_classless(v, n, t) < 0)
		return t->routes_option ? 0 : -EBADMSG;
	t->routes_option = DHCP_OPT_CLASSLESS;
	return 0;
}

static int dhcp_opt_249(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	if (t->routes_option || dhcp_classless(v, n, t) < 0)
		return t->routes_option ? 0 : -EBADMSG;
	t->routes_option = DHCP_OPT_MS_CLASSLESS;
	return 0;
}

static int dhcp_opt_33(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	if (t->routes_option || dhcp_static(v, n, t) < 0)
		return t->routes_option ? 0 : -EBADMSG;
	t->routes_option = DHCP_OPT_STATIC_ROUTE;
	return 0;
}

static int dhcp_opt_addr(const uint8_t *v, size_t n, struct in_addr *out)
{
	struct rd r = rd_init(v, n);

	if (n != 4)
		return -EBADMSG;
	rd_copy(&r, &out->s_addr, 4);
	return 0;
}

static int dhcp_opt_server(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	return dhcp_opt_addr(v, n, &t->server);
}

/* Option 1; only a contiguous mask means anything (RFC 950). */
static int dhcp_opt_mask(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	struct rd r = rd_init(v, n);
	uint32_t m = rd_be32(&r);

	if (n != 4 || (~m & (~m + 1)) != 0)
		return -EBADMSG;
	memcpy(&t->mask.s_addr, v, 4);
	t->has_mask = true;
	return 0;
}

static int dhcp_opt_routers(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	return dhcp_addrs(v, n, t->routers, DHCP_MAX_ROUTERS, &t->n_routers, &t->truncated);
}

static int dhcp_opt_dns(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	return dhcp_addrs(v, n, t->dns, DHCP_MAX_DNS, &t->n_dns, &t->truncated);
}

static int dhcp_opt_wins(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	return dhcp_addrs(v, n, t->wins, DHCP_MAX_WINS, &t->n_wins, &t->truncated);
}

static int dhcp_opt_domain(const uint8_t *v, size_t n, struct dhcp_info *t)
{
	return dhcp_domain(v, n, t->domain);
}

static const struct {
	uint8_t code;
	int (*decode)(const uint8_t *v, size_t n, struct dhcp_info *t);
} dhcp_decoders[] = {
	{ DHCP_OPT_SERVER_ID, dhcp_opt_server },
	{ DHCP_OPT_MASK, dhcp_opt_mask },
	{ DHCP_OPT_ROUTER, dhcp_opt_routers },
	{ DHCP_OPT_DNS, dhcp_opt_dns },
	{ DHCP_OPT_WINS, dhcp_opt_wins },
	{ DHCP_OPT_DOMAIN, dhcp_opt_domain },
	{ DHCP_OPT_SEARCH, dhcp_search },
	{ DHCP_OPT_CLASSLESS, dhcp_opt_121 },
	{ DHCP_OPT_MS_CLASSLESS, dhcp_opt_249 },
	{ DHCP_OPT_STATIC_ROUTE, dhcp_opt_33 },
};

int dhcp_parse_ack(const uint8_t *buf, size_t len, uint32_t xid, struct dhcp_info *info,
		   const struct wv_log *lg)
{
	/* Room for any option: all of a packet's options concatenated. */
	uint8_t val[PKT_DATA_MAX];
	struct dhcp_info tmp;
	struct rd r = rd_init(buf, len);
	struct dhcp_areas ar = { .n = 0 };
	const uint8_t *sname, *file, *opts;
	uint8_t op;
	uint32_t got_xid, cookie;
	size_t vlen = 0, opts_len, i;
	int overload = 0, err;

	op = rd_u8(&r);
	rd_skip(&r, 3);                 /* htype, hlen, hops */
	got_xid = rd_be32(&r);
	rd_skip(&r, 4 + 16 + 16);       /* secs, flags, 4 addresses, chaddr */
	sname = rd_bytes(&r, DHCP_SNAME_LEN);
	file = rd_bytes(&r, DHCP_FILE_LEN);
	cookie = rd_be32(&r);
	if (!rd_ok(&r) || cookie != DHCP_COOKIE)
		return -EBADMSG;
	if (op != DHCP_BOOTREPLY || got_xid != xid)
		return -ESRCH;
	opts_len = rd_left(&r);
	opts = r.p;

	if ((err = dhcp_area_check(opts, opts_len, &overload)))
		return err;
	ar.a[ar.n].p = opts;
	ar.a[ar.n++].len = opts_len;
	if (overload & 1) {
		if ((err = dhcp_area_check(file, DHCP_FILE_LEN, NULL)))
			return err;
		ar.a[ar.n].p = file;
		ar.a[ar.n++].len = DHCP_FILE_LEN;
	}
	if (overload & 2) {
		if ((err = dhcp_area_check(sname, DHCP_SNAME_LEN, NULL)))
			return err;
		ar.a[ar.n].p = sname;
		ar.a[ar.n++].len = DHCP_SNAME_LEN;
	}

	/* An INFORM is only ever answered with an ACK (RFC 2131 §4.3.5). */
	if (dhcp_opt_get(&ar, DHCP_OPT_MSG_TYPE, val, sizeof(val), &vlen) != 1 || vlen != 1 ||
	    val[0] != DHCPACK)
		return -ESRCH;

	memset(&tmp, 0, sizeof(tmp));
	for (i = 0; i < ARRAY_SIZE(dhcp_decoders); i++) {
		uint8_t code = dhcp_decoders[i].code;
		int got = dhcp_opt_get(&ar, code, val, sizeof(val), &vlen);

		/* A malformed option is dropped alone; the rest of the reply is good. */
		if (got < 0 || (got > 0 && dhcp_decoders[i].decode(val, vlen, &tmp) < 0))
			wv_dbg(lg, "DHCP", "ignoring malformed option %u (%zu octets)",
			       (unsigned)code, vlen);
	}
	if (tmp.routes_option == DHCP_OPT_CLASSLESS || tmp.routes_option == DHCP_OPT_MS_CLASSLESS)
		tmp.n_routers = 0;
	if (tmp.truncated)
		wv_info(lg, "DHCP", _("The DHCP reply carried more routes, servers or search "
				      "domains than are kept; the extra ones are ignored."));
	*info = tmp;
	return 0;
}
