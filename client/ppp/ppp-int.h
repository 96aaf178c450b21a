/* ppp-int.h -- the PPP core's own structures, shared by ppp.c, lcp.c, ipcp.c
 * and ccp.c.  Internal to client/ppp/ (the session sees ppp.h, the
 * authentication methods auth.h).
 *
 * Call-back discipline: ev->send() must not call back into PPP (a link that
 * fails while sending reports it later, from the loop); ev->dead() is always
 * called from a timer or at the very end of ppp_lower_down(), so the owner may
 * free the struct ppp from inside it. */
#ifndef WV_PPP_INT_H
#define WV_PPP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "wv.h"
#include "ppp.h"
#include "auth.h"
#include "fsm.h"
#include "mppe.h"
#include "loop.h"
#include "log.h"

#define PPP_DEFAULT_MRU   1500   /* RFC 1661 §6.1, when the peer says nothing */
#define PPP_WINDOWS_MRU   1400   /* what Windows asks for; our default */
#define PPP_MIN_PEER_MRU  576    /* below that we Nak the peer's MRU */
#define PPP_AUTH_TIMEOUT_MS 30000
/* An MPPE frame's information field holds the 2-octet MPPE header and the
 * encrypted 2-octet protocol field before the datagram (RFC 3078 §3), and
 * the peer's MRU bounds the information field (RFC 1661 §6.1): 4 octets. */
#define PPP_MPPE_OVERHEAD 4

/* RFC 1661 §3.2 link phases, plus Running = Network with IP configured */
enum ppp_phase {
	PPP_PHASE_DEAD = 0,
	PPP_PHASE_ESTABLISH,
	PPP_PHASE_AUTHENTICATE,
	PPP_PHASE_NETWORK,
	PPP_PHASE_RUNNING,
	PPP_PHASE_TERMINATE,
};

/* LCP options one side uses (RFC 1661 §6, RFC 1570) */
struct lcp_opts {
	bool mru, accm, auth, magic, pfc, acfc;
	uint16_t mru_val;
	uint32_t accm_val;
	uint16_t auth_proto;
	uint8_t auth_algo;
	uint32_t magic_val;
};

#define LCP_MAX_REFUSED 8

struct lcp {
	struct fsm fsm;
	struct lcp_opts want;      /* our next Configure-Request */
	struct lcp_opts got;       /* what the peer acked of ours */
	struct lcp_opts his;       /* the peer's options we acked */
	/* Authentication methods we Nak'ed in this negotiation: the peer
	 * coming back to one of them means it has nothing else. */
	struct { uint16_t proto; uint8_t algo; } refused[LCP_MAX_REFUSED];
	unsigned n_refused;
	int auth_nak_id;           /* identifier of the request we Nak'ed, or -1 */
	unsigned loops;            /* Configure-Requests carrying our own magic */
	/* reqci cannot close LCP while the automaton runs; lcp_input does */
	bool fail;
	enum wv_fail fail_why;
	char fail_msg[256];
	/* keepalive (our Echo-Requests) */
	struct wv_timer echo_timer;
	unsigned echo_pending;
	bool echo_off;             /* the peer Code-Rejected Echo-Request */
};

struct ipcp {
	struct fsm fsm;
	bool want_addr, want_dns[2], want_nbns[2];
	struct in_addr addr, dns[2], nbns[2];    /* values of our request */
	struct in_addr peer;
	bool finished;             /* ended (timeout, reject) after being opened */
};

/* IPV6CP (RFC 5072): the interface identifiers of both ends */
struct ipv6cp {
	struct fsm fsm;
	bool want_id;              /* Interface-Identifier still in our request */
	bool rejected;             /* the gateway refused identifiers: IPv4 only */
	bool finished;             /* ended (rejected, timeout, Protocol-Reject) */
	bool have_peer_id;
	uint8_t our_id[8], peer_id[8];
	/* The automaton's log for IPV6CP: its INFO lines ("the peer rejected
	 * the protocol") become DEBUG, IPv6 being optional. */
	struct wv_log quiet_log;
};

struct ccp {
	struct fsm fsm;
	uint32_t allowed;          /* strength bits the settings allow (S, L) */
	bool want_mppe;            /* option 18 still in our request */
	uint32_t want_bits;        /* its bits */
	uint32_t rx_bits;          /* our request as acked: how the peer sends */
	uint32_t tx_bits;          /* the peer's request we acked: how we send */
	bool tx_mppe;
	bool finished;
	bool fail;                 /* close after this input (no agreement) */
	char fail_msg[200];        /* why MPPE could not be agreed */
	char mismatch_msg[200];    /* we Nak'd a strength the gateway offered */
	uint64_t reset_sent_ms;    /* rate limit for Reset-Request */
	bool reset_pending;
};

enum ppp_dead_state { PPP_DEAD_NONE, PPP_DEAD_PENDING, PPP_DEAD_REPORTED };

struct ppp {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct ppp_config cfg;     /* copied; the strings stay borrowed (ppp.h) */
	struct ppp_events ev;
	void *arg;
	enum ppp_phase phase;
	enum ppp_phase phase_at_lcp_down;  /* to explain a peer's Terminate-Request */

	struct lcp lcp;
	struct ipcp ipcp;
	struct ccp ccp;
	struct ipv6cp ipv6cp;
	bool ip6_reported;         /* ev.ip6_up was called for this IPV6CP opening */
	bool ipv6cp_started;       /* IPV6CP was opened (once IPCP was up) */

	struct auth_client *auth;
	bool auth_active;          /* auth is the current method's client */
	bool in_auth;              /* inside auth_client_start/input */
	bool auth_release;         /* free auth once that call returns */
	uint16_t auth_proto;
	uint8_t auth_algo;
	struct wv_timer auth_timer;
	struct mppe_keys keys;

	bool ccp_active;           /* CCP negotiates MPPE in this Network phase */
	bool mppe_up;              /* both directions set up */
	bool mppe_expected;        /* the tunnel was reported up encrypted */
	struct mppe_dir mppe_tx, mppe_rx;
	/* We turned MPPE down (no keys, link cannot carry it): if the gateway
	 * then hangs up, this says why. */
	char mppe_refused[200];

	bool ip4_reported;
	struct ppp_ip4 ip4;
	char encryption[72];

	/* How it ends: the first reason wins. */
	bool closing;
	bool end_set;
	enum wv_fail end_why;
	char end_msg[600];
	enum ppp_dead_state dead_state;
	struct wv_timer dead_timer;
};

/* ---- ppp.c: for lcp.c, ipcp.c and ccp.c ---- */
void ppp_set_phase(struct ppp *ppp, enum ppp_phase ph, const char *reason);
const char *ppp_phase_name(enum ppp_phase ph);
/* A failure while the peer is still there: LCP Terminate-Request, then
 * dead(why, msg) when LCP has finished. */
void ppp_fail(struct ppp *ppp, enum wv_fail why, const char *fmt, ...) WV_PRINTF(3, 4);
/* The peer hung up or stopped answering: dead(why, msg) at once. */
void ppp_hangup(struct ppp *ppp, enum wv_fail why, const char *msg);
/* After ppp_hangup(): report the end now instead of after the Terminate-Ack
 * (the peer is known to be dead). */
void ppp_give_up(struct ppp *ppp);
void ppp_lcp_up(struct ppp *ppp);
void ppp_lcp_down(struct ppp *ppp);
void ppp_lcp_finished(struct ppp *ppp);
/* The peer's Terminate-Request; text is its sanitized reason ("" if none). */
void ppp_peer_terminated(struct ppp *ppp, const char *text);
/* The peer Protocol-Rejected proto. */
void ppp_protocol_rejected(struct ppp *ppp, uint16_t proto);
/* IPCP or CCP changed state: see whether the tunnel is up or lost. */
void ppp_ncp_changed(struct ppp *ppp);
/* The setting that requires MPPE ("require-mppe-128"), or NULL. */
const char *ppp_mppe_required(const struct ppp_config *cfg);
/* The peer's MRU (1500 unless it said otherwise). */
unsigned ppp_peer_mru(const struct ppp *ppp);
/* Printable ASCII of an untrusted text, at most outlen - 1 octets. */
void ppp_sanitize(char *out, size_t outlen, const uint8_t *buf, size_t len);

/* ---- lcp.c ---- */
void lcp_init(struct ppp *ppp);
void lcp_input(struct ppp *ppp, const uint8_t *buf, size_t len);
/* Any frame from the peer proves it is alive. */
void lcp_got_life(struct ppp *ppp);
void lcp_send_protrej(struct ppp *ppp, uint16_t proto, const uint8_t *info, size_t len);
void lcp_stop_echo(struct ppp *ppp);
/* The setting that refuses a known authentication method ("refuse-eap"), or NULL. */
const char *lcp_auth_refuse_key(const struct ppp_config *cfg, uint16_t proto, uint8_t algo);

/* ---- ipcp.c ---- */
void ipcp_init(struct ppp *ppp);
void ipcp_input(struct ppp *ppp, const uint8_t *buf, size_t len);

/* ---- ipv6cp.c ---- */
void ipv6cp_init(struct ppp *ppp);
void ipv6cp_input(struct ppp *ppp, const uint8_t *buf, size_t len);
/* The gateway Protocol-Rejected IPV6CP: IPv4 only, quietly. */
void ipv6cp_protrej(struct ppp *ppp);
bool ipv6cp_opened(const struct ppp *ppp);

/* ---- ccp.c ---- */
void ccp_init(struct ppp *ppp);
/* Our MPPE wishes from the settings, before opening CCP. */
void ccp_configure(struct ppp *ppp);
void ccp_input(struct ppp *ppp, const uint8_t *buf, size_t len);
/* Stateful MPPE lost sync: ask the peer for a flush (rate-limited). */
void ccp_send_reset_request(struct ppp *ppp);
/* "MPPE-128 stateless" for a negotiated option-18 value. */
const char *ccp_mppe_name(uint32_t bits, char *buf, size_t len);
unsigned ccp_mppe_key_bits(uint32_t bits);

#endif
