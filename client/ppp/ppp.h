/* ppp.h -- the PPP engine as the session sees it.  Internal.
 *
 * One struct ppp per link: LCP, authentication (PAP, CHAP-MD5, MS-CHAP v1/v2),
 * CCP/MPPE, IPCP and IPV6CP, on top of a wv_link that carries the frames.  PPP tells
 * its owner through struct ppp_events; it never touches the TUN device itself. */
#ifndef WV_PPP_H
#define WV_PPP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "libwinvpn.h"

struct wv_loop;
struct wv_log;
struct pkt;
struct ppp;

/* PPP protocol numbers */
#define PPP_IP      0x0021
#define PPP_IPV6    0x0057
#define PPP_COMP    0x00fd   /* MPPE-compressed/encrypted datagram */
#define PPP_IPCP    0x8021
#define PPP_IPV6CP  0x8057
#define PPP_CCP     0x80fd
#define PPP_LCP     0xc021
#define PPP_PAP     0xc023
#define PPP_LQR     0xc025
#define PPP_CHAP    0xc223
#define PPP_EAP     0xc227

/* CHAP algorithms (LCP Authentication-Protocol option, RFC 1994 / 2433 / 2759) */
#define CHAP_MD5       0x05
#define CHAP_MSCHAP    0x80
#define CHAP_MSCHAPV2  0x81

struct ppp_config {
	const char *user;        /* may carry no domain; see domain */
	const char *password;    /* borrowed; the session wipes it */
	const char *domain;      /* NT domain: sent as DOMAIN\user in CHAP names */
	bool refuse_pap, refuse_chap, refuse_mschap, refuse_mschapv2, refuse_eap;
	/* user-auth-type=tls: EAP-TLS with a user certificate instead of a
	 * password; user_ca (also PEAP's) verifies the server's certificate. */
	bool eap_tls;
	const char *user_ca, *user_cert, *user_key;
	const char *user_certpass;   /* borrowed secret; NULL if none */
	bool require_mppe;       /* any key length */
	bool require_mppe_40, require_mppe_128;
	bool mppe_stateful;      /* allow stateful MPPE (default: stateless only) */
	bool mppe_possible;      /* the link may carry MPPE (PPTP yes, L2TP no) */
	unsigned mru;            /* our MRU, default 1400 */
	unsigned mtu;            /* upper bound for the TUN MTU, default 1400 */
	unsigned lcp_echo_interval;  /* s, 0 = off */
	unsigned lcp_echo_failure;   /* unanswered echoes before the link is dead */
	bool ipv6;               /* negotiate IPV6CP next to IPCP (setting ipv6) */
};

struct ppp_ip4 {
	struct in_addr local, peer;
	struct in_addr dns[2], nbns[2];   /* 0.0.0.0 when not given */
	unsigned mtu;                     /* MTU for the TUN device */
	const char *encryption;           /* "MPPE-128 stateless", "none" */
};

/* IPV6CP's outcome: the interface identifiers (RFC 5072) of both ends. */
struct ppp_ip6 {
	uint8_t local_id[8], peer_id[8];
};

struct ppp_events {
	/* Sends one frame (starting at the protocol field) down the link; takes p. */
	int (*send)(void *arg, struct pkt *p);
	/* Progress, for the session's state (WV_STATE_AUTHENTICATING, ...). */
	void (*progress)(void *arg, enum wv_state st);
	/* IPCP is up (and MPPE if required): the tunnel can carry IP. */
	void (*ip4_up)(void *arg, const struct ppp_ip4 *cfg);
	/* IPV6CP is up and the tunnel carries IP (after ip4_up); may be NULL.
	 * ip6_down: IPV6CP went down again (renegotiation); may be NULL. */
	void (*ip6_up)(void *arg, const struct ppp_ip6 *cfg);
	void (*ip6_down)(void *arg);
	/* A decrypted, decapsulated IPv4/IPv6 packet for the TUN device; takes p. */
	void (*deliver)(void *arg, uint16_t proto, struct pkt *p);
	/* PPP is finished: terminated by either side, authentication failed,
	 * negotiation failed, or the peer stopped answering echoes.  Once. */
	void (*dead)(void *arg, enum wv_fail why, const char *msg);
};

struct ppp *ppp_new(struct wv_loop *loop, const struct wv_log *log, const struct ppp_config *cfg,
		    const struct ppp_events *ev, void *arg);
void ppp_free(struct ppp *ppp);
/* The link is up: start LCP. */
void ppp_lower_up(struct ppp *ppp);
/* The link is gone: everything closes at once, no packets are sent. */
void ppp_lower_down(struct ppp *ppp);
/* A frame from the link (from FF 03 or the protocol field); takes p. */
void ppp_input(struct ppp *ppp, struct pkt *p);
/* An IP packet from the TUN device (proto PPP_IP or PPP_IPV6); takes p.
 * Encrypts with MPPE when negotiated.  0 or -errno (dropped). */
int ppp_send_ip(struct ppp *ppp, uint16_t proto, struct pkt *p);
/* Orderly close: LCP Terminate-Request, then dead(WV_OK, reason) on the ack or
 * after the restart timer gives up. */
void ppp_close(struct ppp *ppp, const char *reason);

#endif
