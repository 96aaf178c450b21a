/* fsm.h -- the RFC 1661 option-negotiation automaton shared by LCP, IPCP and
 * CCP.  Internal.
 *
 * The automaton knows nothing about options: each control protocol supplies
 * struct fsm_callbacks (build our Configure-Request, judge the peer's, adapt to
 * Naks and Rejects, and the This-Layer-Up/Down/Started/Finished actions).
 * Every RFC 1661 §4.1 event is one function in fsm.c whose body is a
 * switch (state) following the state-transition table. */
#ifndef WV_PPP_FSM_H
#define WV_PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "loop.h"
#include "rd.h"

struct ppp;
struct wv_log;
struct fsm;

/* Packet codes, RFC 1661 §5 (1-11), RFC 1570 (12, 13), RFC 1962 (14, 15) */
#define CP_CONFREQ   1
#define CP_CONFACK   2
#define CP_CONFNAK   3
#define CP_CONFREJ   4
#define CP_TERMREQ   5
#define CP_TERMACK   6
#define CP_CODEREJ   7
#define CP_PROTREJ   8
#define CP_ECHOREQ   9
#define CP_ECHOREP   10
#define CP_DISCREQ   11
#define CP_IDENT     12
#define CP_TIMEREM   13
#define CP_RESETREQ  14
#define CP_RESETACK  15

#define FSM_HDRLEN 4
/* Largest control packet we build (a Configure-Nak/Reject can be as long as
 * the request it answers; the peer's MRU is at least 576 anyway). */
#define FSM_PKT_MAX 1500

/* RFC 1661 §4.6 defaults */
#define FSM_RESTART_MS     3000
#define FSM_MAX_CONFIGURE  10
#define FSM_MAX_TERMINATE  2
#define FSM_MAX_FAILURE    5

/* RFC 1661 §4.2 states, in the RFC's numbering */
enum fsm_state {
	FSM_INITIAL = 0,
	FSM_STARTING,
	FSM_CLOSED,
	FSM_STOPPED,
	FSM_CLOSING,
	FSM_STOPPING,
	FSM_REQSENT,
	FSM_ACKRCVD,
	FSM_ACKSENT,
	FSM_OPENED,
};

/* What reqci() builds: the options to Nak or Reject.  An Ack needs nothing
 * here, the automaton echoes the request.  Use the fsm_reply_* helpers. */
struct fsm_reply {
	int code;                   /* CP_CONFACK, CP_CONFNAK or CP_CONFREJ */
	bool reject_if_disagree;    /* Max-Failure reached: Naks become Rejects */
	bool overflow;
	size_t len;
	uint8_t buf[FSM_PKT_MAX - FSM_HDRLEN];
};

/* One option of a Configure packet, as fsm_opt_next() returns it. */
struct fsm_opt {
	uint8_t type;
	uint8_t len;                /* whole option, >= 2 */
	const uint8_t *raw;         /* the whole option (type, length, value) */
	const uint8_t *val;
	size_t vlen;                /* len - 2 */
};

struct fsm_callbacks {
	/* Back to the initial wish list (before the first Configure-Request). */
	void (*resetci)(struct fsm *f);
	/* Length of our next Configure-Request's options. */
	size_t (*cilen)(struct fsm *f);
	/* Writes them (cilen() octets) to buf. */
	void (*addci)(struct fsm *f, uint8_t *buf, size_t len);
	/* The peer acked our request (the automaton already checked that it
	 * matches what we sent, octet for octet); optional. */
	void (*ackci)(struct fsm *f, const uint8_t *buf, size_t len);
	/* Adapts our wishes to a Configure-Nak.  treat_as_reject: the peer keeps
	 * Naking, stop asking for those options.  false: malformed, ignore it. */
	bool (*nakci)(struct fsm *f, const uint8_t *buf, size_t len, bool treat_as_reject);
	/* Drops the rejected options from our wishes.  false: malformed. */
	bool (*rejci)(struct fsm *f, const uint8_t *buf, size_t len);
	/* Judges the peer's Configure-Request: returns CP_CONFACK, CP_CONFNAK
	 * or CP_CONFREJ (rep holds the options for the last two), or -1 to drop
	 * a malformed request. */
	int (*reqci)(struct fsm *f, const uint8_t *buf, size_t len, struct fsm_reply *rep);
	void (*up)(struct fsm *f);          /* This-Layer-Up */
	void (*down)(struct fsm *f);        /* This-Layer-Down */
	void (*starting)(struct fsm *f);    /* This-Layer-Started */
	void (*finished)(struct fsm *f);    /* This-Layer-Finished */
	/* A code the automaton does not know (Echo, Reset-Request, ...).
	 * false: answer with Code-Reject. */
	bool (*extcode)(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *buf, size_t len);
	/* Optional: the peer sent Terminate-Request (data: its reason text);
	 * called after the Terminate-Ack went out. */
	void (*termreq)(struct fsm *f, const uint8_t *buf, size_t len);
	/* Optional: the peer Code-Rejected one of our extension codes. */
	void (*coderej)(struct fsm *f, uint8_t code);
	/* Optional: an option's name for the debug log ("mru", "magic"). */
	const char *(*optname)(uint8_t type);
	/* Optional: its value for the debug log ("1400", "10.0.0.1"); false
	 * leaves it to a hex dump. */
	bool (*optval)(uint8_t type, const uint8_t *val, size_t vlen, char *out, size_t outlen);
};

/* A copy of one of the peer's Configure-Requests. */
struct fsm_peer_req {
	bool valid;
	uint8_t id;
	size_t len;
	uint8_t buf[FSM_PKT_MAX - FSM_HDRLEN];
};

struct fsm {
	struct ppp *ppp;
	struct wv_loop *loop;
	const struct wv_log *log;
	const struct fsm_callbacks *cb;
	uint16_t proto;
	const char *name;           /* log tag: "LCP", "IPCP", "CCP" */
	enum fsm_state state;

	uint8_t id;                 /* last identifier we used */
	uint8_t reqid;              /* identifier of our last Configure-Request */
	uint8_t rid;                /* identifier of the peer's request being judged */
	bool seen_ack;              /* a reply to reqid has been processed */
	unsigned restart;           /* transmissions left before TO- */
	unsigned nak_sent;          /* Configure-Naks sent since our last Ack */
	unsigned nak_rcvd;          /* Configure-Naks received since our last Ack */
	bool conf_timeout;          /* the last TO- came while configuring */
	bool peer_closed;           /* our request got a Terminate-Ack: the peer's
				       side was not open yet */

	unsigned restart_ms, max_configure, max_terminate, max_failure;
	struct wv_timer timer;

	/* Our last Configure-Request, to check an Ack against (RFC 1661 §5.2:
	 * the options must be identical) */
	uint8_t req[FSM_PKT_MAX - FSM_HDRLEN];
	size_t req_len;
	/* The peer's request we acked last: the same again, with the same
	 * identifier, means our Ack was lost (RFC 1661 §5.1: the identifier
	 * changes once a reply has come), not a renegotiation. */
	struct fsm_peer_req acked;
	/* fsm_defer_peer_requests(): the peer's acceptable request that came
	 * in Req-Sent, acked once ours is */
	bool defer_requests;
	struct fsm_peer_req deferred;
	char term_reason[64];       /* data of our Terminate-Request */
};

void fsm_init(struct fsm *f, struct ppp *ppp, uint16_t proto, const char *name,
	      const struct fsm_callbacks *cb, struct wv_loop *loop, const struct wv_log *log);
const char *fsm_state_name(enum fsm_state st);
const char *fsm_code_name(uint8_t code);

/* Administrative and lower-layer events (RFC 1661 §4.3) */
void fsm_lowerup(struct fsm *f);
void fsm_lowerdown(struct fsm *f);
void fsm_open(struct fsm *f);
/* reason becomes the data of our Terminate-Request ("" for none). */
void fsm_close(struct fsm *f, const char *reason);
/* The peer Protocol-Rejected this protocol: RXJ-. */
void fsm_protreject(struct fsm *f);
/* Stops the restart timer and forgets everything, without any action:
 * for freeing. */
void fsm_reset(struct fsm *f);

/* The peer sends the data this automaton negotiates for (IP for IPCP,
 * MPPE for CCP): it is Opened, so it acked our last request.  In Ack-Sent
 * that Ack was lost, and it is taken as received.  Waiting for our
 * retransmission instead would be worse than the loss: the peer, already
 * open, takes a repeated Configure-Request as a renegotiation (RFC 1661
 * §4.1, RCR in Opened: This-Layer-Down), which stalls the traffic for a
 * restart period, and pppd with MPPE required hangs up over it ("MPPE
 * disabled").  Nothing in any other state. */
void fsm_peer_opened(struct fsm *f);

/* From now on the Ack to a Configure-Request of the peer that comes while
 * ours is not yet acked (Req-Sent) goes out only when that Ack comes (a Nak
 * or Reject goes at once), so the peer can never open before we do, and a
 * retransmission of ours can never reach it open (see fsm_peer_opened).
 * For CCP, where pppd hangs up over that. */
void fsm_defer_peer_requests(struct fsm *f);

/* A packet of this protocol (after the PPP protocol field). */
void fsm_input(struct fsm *f, const uint8_t *buf, size_t len);
/* Sends code/id with data (for extension codes).  0 or -errno. */
int fsm_send(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len);
/* A fresh identifier for a request of our own (Echo, Reset-Request). */
uint8_t fsm_next_id(struct fsm *f);

/* Option walking: 1 and *o filled, 0 at the end, -1 if malformed (length
 * below 2 or past the end: RFC 1661 §6, a zero length must not hang us). */
int fsm_opt_next(struct rd *r, struct fsm_opt *o);
/* Describes options for the debug log: "<mru 1400> <magic 0x1234abcd>". */
void fsm_describe(const struct fsm *f, const uint8_t *buf, size_t len, char *out, size_t outlen);

/* reqci helpers.  An option that is Nak'ed while rep->reject_if_disagree
 * is Rejected instead.  A worse verdict replaces the collected options. */
void fsm_reply_nak(struct fsm_reply *rep, const struct fsm_opt *o, const uint8_t *val, size_t vlen);
void fsm_reply_rej(struct fsm_reply *rep, const struct fsm_opt *o);

#endif
