/* ipsec.h -- the IPsec half of L2TP/IPsec (RFC 3193), initiator side, in
 * userspace: IKEv1 Main Mode with a pre-shared key or RSA signatures
 * (machine certificate), Quick Mode for a transport-mode ESP SA that
 * protects UDP 1701 <-> 1701, NAT traversal (RFC 3947/3948), rekeying of
 * both phases (ours before the lifetimes run out, and answering a Quick
 * Mode the gateway starts) and ESP itself (esp.h).  Internal; used by the
 * session.
 *
 * Life of an ipsec object:
 *
 *   ips = ipsec_new(loop, log, &cfg, &events, arg, &err);  // copies cfg (PSK wiped on free)
 *   ipsec_start(ips);                 // opens sockets on the loop, sends Main Mode 1
 *   ... events.up(arg)                // the IPsec SA is installed: ipsec_send() works
 *   ipsec_send(ips, p);               // p = one L2TP message (what L2TP would give
 *                                     // a UDP socket); takes p
 *   ... events.recv(arg, p)           // one decrypted L2TP message from the gateway's
 *                                     // UDP 1701; the callee takes p
 *   ipsec_stop(ips);                  // Delete for the IPsec SA and the ISAKMP SA
 *   ... events.down(arg, why, msg)    // exactly once, also on failures; may free ips
 *   ipsec_free(ips);
 *
 * The L2TP layer's datagram transport is therefore
 *   static int l2tp_over_ipsec_send(void *ctx, struct pkt *p) { return ipsec_send(ctx, p); }
 * and events.recv feeds l2tp_input(l2tp, p).  No UDP socket is opened for
 * L2TP: the UDP header travels inside ESP and is built here. */
#ifndef WV_IPSEC_H
#define WV_IPSEC_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "libwinvpn.h"

struct wv_loop;
struct wv_log;
struct pkt;

/* Setting names quoted in messages that tell the user what to change (the
 * NetworkManager-l2tp names and value formats). */
#define IPSEC_SETTING_IKE   "ipsec-ike"
#define IPSEC_SETTING_ESP   "ipsec-esp"
#define IPSEC_SETTING_PSK   "ipsec-psk"
#define IPSEC_SETTING_ENCAP "ipsec-forceencaps"
#define IPSEC_SETTING_CA    "machine-ca"
#define IPSEC_SETTING_RID   "ipsec-remote-id"

/* Windows 10/11's L2TP/IPsec proposals without the ECP groups
 * (windows-interop.md §1.3, §1.4): SoftEther refuses ECP. */
#define IPSEC_DEFAULT_IKE \
	"aes256-sha1-modp2048,aes128-sha1-modp2048,3des-sha1-modp2048,3des-sha1-modp1024"
#define IPSEC_DEFAULT_ESP   "aes256-sha1,aes128-sha1,3des-sha1"

enum ipsec_encap {
	IPSEC_ENCAP_AUTO,     /* raw ESP (IP protocol 50) unless NAT is detected */
	IPSEC_ENCAP_FORCE,    /* always ESP in UDP 4500: claim NAT like strongSwan's encap=yes */
};

struct ipsec_config {
	struct in_addr gateway;
	struct in_addr local;         /* 0.0.0.0: the address routing picks */
	const char *psk;              /* required without cert_auth; copied, wiped on free;
				       * never logged */
	/* machine-auth-type=tls: Main Mode with RSA signatures (RFC 2409 §5.1) */
	bool cert_auth;
	const char *cert;             /* machine-cert: PEM, or PKCS#12 with key and chain */
	const char *key;              /* machine-key: PEM (may be encrypted); NULL: in cert */
	const char *cert_pass;        /* machine-certpass (secret; used, not kept) */
	const char *ca;               /* machine-ca: PEM, the gateway's CA */
	const char *remote_id;        /* ipsec-remote-id: DN, host name or address */
	const char *gateway_name;     /* the gateway as the user typed it (Windows checks
				       * the certificate names it) */
	const char *ike;              /* Main Mode proposals, NULL/"": IPSEC_DEFAULT_IKE */
	const char *esp;              /* Quick Mode proposals ("-modpN" = PFS), NULL/"": default */
	enum ipsec_encap encap;
	unsigned ike_lifetime_s;      /* 0: 28800 (Windows) */
	unsigned esp_lifetime_s;      /* 0: 3600 */
	unsigned dpd_delay_s;         /* 0: 30; used only if the gateway sent the DPD VID */
	bool dpd_off;
	uint16_t ike_port;            /* the gateway's ports; 0: 500 and 4500 */
	uint16_t natt_port;
	uint16_t l2tp_port;           /* UDP port of L2TP on both ends, 0: 1701 */
};

struct ipsec_events {
	void (*up)(void *arg);
	void (*recv)(void *arg, struct pkt *p);
	void (*down)(void *arg, enum wv_fail why, const char *msg);
};

struct ipsec;

/* Checks proposal strings the way ipsec_new() will use them: 0, or -EINVAL
 * with a malloc'd sentence quoting the bad token in *err (may be NULL). */
int ipsec_proposals_check(const char *ike, const char *esp, char **err);

/* NULL with a malloc'd sentence in *err on bad settings or no memory. */
struct ipsec *ipsec_new(struct wv_loop *loop, const struct wv_log *log,
			const struct ipsec_config *cfg, const struct ipsec_events *ev, void *arg,
			char **err);
/* 0 or -errno (already started); failures after this come as down(). */
int ipsec_start(struct ipsec *ips);
/* Orderly end: Delete notifications, then down(WV_OK or WV_FAIL_CANCELLED). */
void ipsec_stop(struct ipsec *ips);
/* Protects and sends one L2TP message; always takes p.  0, -ENOTCONN before
 * up(), or -errno. */
int ipsec_send(struct ipsec *ips, struct pkt *p);
/* Safe inside the object's own callbacks. */
void ipsec_free(struct ipsec *ips);

/* Largest L2TP message that fits an MTU of mtu after ESP, UDP and the
 * outer headers (for PPP's MRU).  0 before up(). */
unsigned ipsec_payload_mtu(const struct ipsec *ips, unsigned mtu);
/* "ESP AES_CBC_256/HMAC_SHA1_96 in UDP 4500, IKE AES_CBC_256/HMAC_SHA1/MODP_2048"
 * for the connection summary; "" before up(). */
const char *ipsec_describe(const struct ipsec *ips);

#endif
