/* dhcp.h -- DHCPINFORM over the PPP link, as a Windows client does after IPCP
 * (windows-interop.md §5): one BOOTREQUEST asking the gateway's DHCP relay for
 * the options IPCP cannot carry (netmask, classless routes 121/249, domain,
 * search list, DNS, WINS), and the parser of the DHCPACK that comes back.
 * Internal.  Addresses are struct in_addr (network order) like ppp.h. */
#ifndef WV_DHCP_H
#define WV_DHCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt;
struct wv_log;
struct wv_loop;

/* ---- what a DHCPACK told us -------------------------------------------------- */

/* Fixed maxima; anything beyond is dropped and info->truncated is set (and
 * logged), never an error. */
#define DHCP_MAX_ROUTES  64
#define DHCP_MAX_ROUTERS 4
#define DHCP_MAX_DNS     4
#define DHCP_MAX_WINS    4
#define DHCP_MAX_SEARCH  6
#define DHCP_NAME_MAX    256   /* a DNS name as text, with its NUL (RFC 1035 §2.3.4) */

struct dhcp_route {
	struct in_addr prefix;    /* host bits are zero */
	uint8_t len;              /* 0..32; 0 with prefix 0.0.0.0 is the default route */
	struct in_addr gateway;   /* 0.0.0.0: on-link, i.e. through the PPP interface */
};

struct dhcp_info {
	struct in_addr server;                     /* option 54, 0.0.0.0 if absent */
	bool has_mask;
	struct in_addr mask;                       /* option 1 */
	/* Option 121 if present, else Microsoft's 249, else classful 33
	 * (RFC 3442 §DHCP Client Behavior: 121 overrides 3 and 33). */
	struct dhcp_route routes[DHCP_MAX_ROUTES];
	unsigned n_routes;
	uint8_t routes_option;                     /* 121, 249, 33, or 0: none */
	/* Option 3; left empty when classless routes came (RFC 3442). */
	struct in_addr routers[DHCP_MAX_ROUTERS];
	unsigned n_routers;
	struct in_addr dns[DHCP_MAX_DNS];          /* option 6 */
	unsigned n_dns;
	struct in_addr wins[DHCP_MAX_WINS];        /* option 44 */
	unsigned n_wins;
	char domain[DHCP_NAME_MAX];                /* option 15, "" if absent */
	char search[DHCP_MAX_SEARCH][DHCP_NAME_MAX];   /* option 119 */
	unsigned n_search;
	bool truncated;                            /* some list was longer than our maximum */
};

/* ---- the messages (dhcp-msg.c) ------------------------------------------------ */

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_IP_UDP_LEN  28          /* IPv4 header without options + UDP header */

struct dhcp_inform_msg {
	uint32_t xid;
	uint16_t secs;                /* seconds since the first try (RFC 2131 §4.1) */
	struct in_addr ciaddr;        /* our IPCP address */
	uint8_t chaddr[6];            /* a pseudo-MAC, as Windows' RAS adapter has */
	const char *hostname;         /* option 12; NULL or "" to leave it out */
};

/* Appends the BOOTP/DHCP payload of a DHCPINFORM (RFC 2131 §4.4.3) to p:
 * option 53 = 8, 61, 12, 60 "MSFT 5.0", 55, End, padded to 300 octets.
 * 0 or -ENOSPC. */
int dhcp_build_inform(struct pkt *p, const struct dhcp_inform_msg *m);

/* Prepends UDP and IPv4 headers with correct checksums, so p is a whole IPv4
 * packet the session can hand to PPP like one read from the TUN device.
 * 0 or -ENOSPC (headroom) / -EMSGSIZE. */
int dhcp_ip_push(struct pkt *p, struct in_addr src, uint16_t sport, struct in_addr dst,
		 uint16_t dport, uint16_t ip_id);

/* Validates an IPv4 packet: header and checksum, not a fragment, UDP from port
 * 67 to port 68, UDP length and checksum (if not zero).  On success points
 * *payload at the UDP payload.  -ENOENT: not a DHCP reply at all (leave it to
 * the TUN device); -EBADMSG: looks like one but is malformed. */
int dhcp_ip_strip(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *payload_len);

/* Parses a BOOTREPLY carrying a DHCPACK for transaction xid into *info.
 * 0, -ESRCH (another transaction, or not an ACK), or -EBADMSG.  lg may be NULL. */
int dhcp_parse_ack(const uint8_t *buf, size_t len, uint32_t xid, struct dhcp_info *info,
		   const struct wv_log *lg);

/* ---- the exchange (dhcp-inform.c) --------------------------------------------- */

struct dhcp_inform_config {
	struct in_addr local;          /* our IPCP address: ciaddr and IP source */
	struct in_addr peer;           /* the gateway's PPP address */
	/* Windows broadcasts the INFORM (see dhcp-inform.c); set this to send it
	 * to peer:67 instead, for gateways whose relay only takes unicast. */
	bool unicast_to_peer;
	unsigned tries;                /* 0: 4, like Windows */
	uint32_t first_timeout_ms;     /* 0: 2000; doubled each try ... */
	uint32_t max_timeout_ms;       /* ... up to this, 0: 16000 */
	const char *hostname;          /* option 12, copied; NULL: none */
	const uint8_t *chaddr;         /* 6 octets, copied; NULL: a random local MAC */
	/* An explicit retry schedule, copied: the wait after try i is
	 * schedule_ms[i], and there are n_schedule tries (at most
	 * DHCP_MAX_SCHEDULE).  Overrides tries/first_timeout_ms/max_timeout_ms. */
	const uint32_t *schedule_ms;
	unsigned n_schedule;
};

#define DHCP_MAX_SCHEDULE 8

struct dhcp_inform_events {
	/* Sends one whole IPv4 packet into the tunnel; always takes p.  An error
	 * counts as a lost try. */
	int (*send_ip)(void *arg, struct pkt *ip_packet);
	/* Once.  info is NULL when no answer came, which is normal (no DHCP relay
	 * on the gateway) and logged at info level only.  info is borrowed for the
	 * call.  The callee may dhcp_inform_free() the exchange. */
	void (*done)(void *arg, const struct dhcp_info *info);
};

struct dhcp_inform;

/* Copies cfg and ev.  NULL when out of memory. */
struct dhcp_inform *dhcp_inform_new(struct wv_loop *loop, const struct wv_log *lg,
				    const struct dhcp_inform_config *cfg,
				    const struct dhcp_inform_events *ev, void *arg);
/* Sends the first try and arms the retry timer.  0 or -errno (then nothing
 * was armed and done() will not be called). */
int dhcp_inform_start(struct dhcp_inform *d);
/* Call with every IPv4 packet PPP delivers, before the TUN device, while the
 * exchange runs.  true: it was a DHCP reply (UDP 67 -> 68) and p was taken
 * (an answer for us calls done()); false: not ours, the caller keeps p.  After
 * done() this always returns false. */
bool dhcp_inform_input(struct dhcp_inform *d, struct pkt *ip_packet);
/* Cancels the timer; NULL is fine.  done() is not called. */
void dhcp_inform_free(struct dhcp_inform *d);

#endif
