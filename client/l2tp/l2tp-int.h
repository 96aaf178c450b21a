/* l2tp-int.h -- the pieces of the L2TP link, for l2tp.c, the unit tests and
 * the fuzz target: the wire format of headers, AVPs and control messages
 * (l2tp-msg.c), the control connection with its reliable delivery
 * (l2tp-ctrl.c) and the data channel header (l2tp-data.c).  Internal. */
#ifndef WV_L2TP_INT_H
#define WV_L2TP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libwinvpn.h"
#include "l2tp.h"

struct wv_loop;
struct wv_log;
struct pkt;

/* ---- l2tp-msg.c: headers, AVPs, control messages (RFC 2661 §3, §4) ------- */

/* First two octets of every header: T L x x S x O P x x x x Ver(4) (§3.1).
 * The x bits are reserved: sent as 0, ignored when received. */
#define L2TP_F_T        0x8000      /* control message */
#define L2TP_F_L        0x4000      /* Length present */
#define L2TP_F_S        0x0800      /* Ns and Nr present */
#define L2TP_F_O        0x0200      /* Offset Size present */
#define L2TP_F_P        0x0100      /* data: priority */
#define L2TP_F_VER      0x000f
#define L2TP_VERSION    2

#define L2TP_CTRL_HDR   12          /* flags, Length, Tunnel, Session, Ns, Nr */
#define L2TP_DATA_HDR_MAX 12        /* what we send at most: flags, Length, ids, Ns, Nr */
#define L2TP_AVP_HDR    6
/* Longest control message we build (a SCCRQ with a 255-octet host name and a
 * challenge stays far below). */
#define L2TP_CTRL_MAX   768
#define L2TP_MAX_AVPS   64

enum l2tp_msg_type {
	L2TP_ZLB = 0,           /* not a type: a control message without AVPs (§5.8) */
	L2TP_SCCRQ = 1,         /* Start-Control-Connection-Request */
	L2TP_SCCRP = 2,         /* Start-Control-Connection-Reply */
	L2TP_SCCCN = 3,         /* Start-Control-Connection-Connected */
	L2TP_STOPCCN = 4,       /* Stop-Control-Connection-Notification */
	L2TP_HELLO = 6,
	L2TP_OCRQ = 7,          /* Outgoing-Call-Request */
	L2TP_OCRP = 8,
	L2TP_OCCN = 9,
	L2TP_ICRQ = 10,         /* Incoming-Call-Request */
	L2TP_ICRP = 11,
	L2TP_ICCN = 12,
	L2TP_CDN = 14,          /* Call-Disconnect-Notify */
	L2TP_WEN = 15,          /* WAN-Error-Notify */
	L2TP_SLI = 16,          /* Set-Link-Info */
	L2TP_MSG_TYPE_MAX = L2TP_SLI,
};

/* IETF attribute types (§4.4); vendor 0. */
enum l2tp_avp_type {
	L2TP_AVP_MSG_TYPE = 0,
	L2TP_AVP_RESULT = 1,
	L2TP_AVP_PROTO_VERSION = 2,
	L2TP_AVP_FRAMING_CAPS = 3,
	L2TP_AVP_BEARER_CAPS = 4,
	L2TP_AVP_TIE_BREAKER = 5,
	L2TP_AVP_FIRMWARE = 6,
	L2TP_AVP_HOST_NAME = 7,
	L2TP_AVP_VENDOR_NAME = 8,
	L2TP_AVP_TUNNEL_ID = 9,
	L2TP_AVP_RECV_WINDOW = 10,
	L2TP_AVP_CHALLENGE = 11,
	L2TP_AVP_Q931_CAUSE = 12,
	L2TP_AVP_CHALLENGE_RESP = 13,
	L2TP_AVP_SESSION_ID = 14,
	L2TP_AVP_CALL_SERIAL = 15,
	L2TP_AVP_MIN_BPS = 16,
	L2TP_AVP_MAX_BPS = 17,
	L2TP_AVP_BEARER_TYPE = 18,
	L2TP_AVP_FRAMING_TYPE = 19,
	L2TP_AVP_CALLED_NUMBER = 21,
	L2TP_AVP_CALLING_NUMBER = 22,
	L2TP_AVP_SUB_ADDRESS = 23,
	L2TP_AVP_TX_SPEED = 24,
	L2TP_AVP_PHYS_CHANNEL = 25,
	L2TP_AVP_INITIAL_LCP = 26,
	L2TP_AVP_LAST_SENT_LCP = 27,
	L2TP_AVP_LAST_RECV_LCP = 28,
	L2TP_AVP_PROXY_AUTH_TYPE = 29,
	L2TP_AVP_PROXY_AUTH_NAME = 30,
	L2TP_AVP_PROXY_AUTH_CHAL = 31,
	L2TP_AVP_PROXY_AUTH_ID = 32,
	L2TP_AVP_PROXY_AUTH_RESP = 33,
	L2TP_AVP_CALL_ERRORS = 34,
	L2TP_AVP_ACCM = 35,
	L2TP_AVP_RANDOM_VECTOR = 36,
	L2TP_AVP_PRIVATE_GROUP = 37,
	L2TP_AVP_RX_SPEED = 38,
	L2TP_AVP_SEQ_REQUIRED = 39,
};

#define L2TP_VENDOR_IETF        0
#define L2TP_VENDOR_MICROSOFT   311     /* [MS-L2TPIE] §2.2.1.1 */
#define L2TP_MS_CORRELATION_ID  1

/* First two octets of an AVP: M H rsvd(4) Length(10) (§4.1). */
#define L2TP_AVP_M      0x8000
#define L2TP_AVP_H      0x4000
#define L2TP_AVP_LEN    0x03ff

/* Result codes of StopCCN (§4.4.2) that the client sends */
#define L2TP_STOP_CLEAR         1       /* general request to clear */
#define L2TP_STOP_ERROR         2       /* general error, see the error code */
#define L2TP_STOP_NOT_AUTHORIZED 4
/* ... and of CDN */
#define L2TP_CDN_ERROR          2
#define L2TP_CDN_ADMIN          3       /* disconnected for administrative reasons */
/* Error codes (§4.4.2) */
#define L2TP_ERR_NONE           0
#define L2TP_ERR_LENGTH         2
#define L2TP_ERR_VALUE          3
#define L2TP_ERR_UNKNOWN_M      8       /* unknown AVP with the M bit set */

struct l2tp_hdr {
	bool ctrl;                  /* T */
	bool has_len, has_seq, has_off, prio;
	uint16_t len;               /* Length: the whole message, header included */
	uint16_t tunnel, session;   /* the receiver's ids */
	uint16_t ns, nr;
	uint16_t off;               /* Offset Size: padding octets after the header */
};

/* Parses a header.  Returns the octets before the payload (Offset Size and
 * padding included) with *msg_len the length of the message (Length when
 * present, else len); -EBADMSG when it is short or Length or Offset Size
 * point past the end; -EPROTONOSUPPORT for another version (L2F, L2TPv3). */
int l2tp_hdr_parse(const uint8_t *buf, size_t len, struct l2tp_hdr *h, size_t *msg_len);
/* Octets l2tp_hdr_write() writes (it never writes an offset). */
size_t l2tp_hdr_len(const struct l2tp_hdr *h);
void l2tp_hdr_write(uint8_t *out, const struct l2tp_hdr *h);

struct l2tp_avp_def {
	uint16_t vendor, type;
	const char *name;
	uint16_t min, max;          /* value octets allowed */
};

/* The table row of a known AVP, or NULL. */
const struct l2tp_avp_def *l2tp_avp_def_find(uint16_t vendor, uint16_t type);

struct l2tp_avp {
	uint16_t vendor, type;
	bool mandatory, hidden;
	const uint8_t *val;         /* revealed value: in the message or in plain[] */
	uint16_t len;
};

/* One decoded control message.  AVPs keep their order; values of hidden
 * AVPs are revealed into plain[]. */
struct l2tp_msg {
	struct l2tp_hdr h;
	bool zlb;
	uint16_t type;              /* Message Type (0 with zlb) */
	bool type_mandatory;        /* M bit of the Message Type AVP (§4.4.1) */
	unsigned n_avp;
	struct l2tp_avp avp[L2TP_MAX_AVPS];
	/* The first unknown AVP with the M bit set: the message must not be
	 * accepted (§4.1) -- tear down the session or the tunnel. */
	bool unknown_m;
	uint16_t unknown_vendor, unknown_type;
	unsigned hidden_skipped;    /* hidden, not mandatory, no secret: ignored */
	char err[128];              /* why parsing failed (a phrase) */
	size_t plain_used;
	uint8_t plain[2048];
};

/* Decodes a control message (header included).  0; -EBADMSG (m->err says
 * why: short, a length that does not fit, an AVP outside its table length,
 * a hidden AVP that does not reveal); -EPROTONOSUPPORT (not L2TPv2, or not a
 * control header); -ENOKEY (a mandatory hidden AVP and no secret).  Unknown
 * AVPs do not fail: see unknown_m. */
int l2tp_msg_parse(const uint8_t *buf, size_t len, const char *secret, struct l2tp_msg *m);

/* The first IETF AVP of that type, or NULL. */
const struct l2tp_avp *l2tp_msg_avp(const struct l2tp_msg *m, uint16_t type);
bool l2tp_msg_u16(const struct l2tp_msg *m, uint16_t type, uint16_t *v);
bool l2tp_msg_u32(const struct l2tp_msg *m, uint16_t type, uint32_t *v);
/* A string AVP as printable ASCII (anything else becomes '?'), cut to cap. */
void l2tp_msg_str(const struct l2tp_msg *m, uint16_t type, char *out, size_t cap);

struct l2tp_result {
	uint16_t result, error;
	bool has_error;
	char msg[128];              /* the optional Error Message, printable */
};
/* Decodes the Result Code AVP; false when there is none. */
bool l2tp_msg_result(const struct l2tp_msg *m, struct l2tp_result *r);

/* Builds a control message.  Errors (no room) are sticky: check once, when
 * l2tp_mb_finish() returns 0. */
struct l2tp_mb {
	uint8_t *buf;
	size_t cap, len;
	bool err;
};
/* The header (Length, Ns and Nr filled in later) and, unless type is
 * L2TP_ZLB, the Message Type AVP with the M bit. */
void l2tp_mb_start(struct l2tp_mb *b, uint8_t *buf, size_t cap, uint16_t tunnel,
		   uint16_t session, uint16_t type);
void l2tp_mb_avp(struct l2tp_mb *b, bool mandatory, uint16_t vendor, uint16_t type,
		 const void *val, size_t len);
void l2tp_mb_u16(struct l2tp_mb *b, bool mandatory, uint16_t type, uint16_t v);
void l2tp_mb_u32(struct l2tp_mb *b, bool mandatory, uint16_t type, uint32_t v);
/* A hidden AVP (§4.3): the caller has put the Random Vector AVP with rv
 * before it.  pad zero octets follow the value inside the hidden part. */
void l2tp_mb_hidden(struct l2tp_mb *b, bool mandatory, uint16_t type, const void *val,
		    size_t len, size_t pad, const char *secret, const uint8_t *rv, size_t rv_len);
/* Fills in Length; returns the message length, 0 after any error. */
size_t l2tp_mb_finish(struct l2tp_mb *b);
/* Stamps Ns and Nr into a built control message (at every transmission). */
void l2tp_ctrl_stamp(uint8_t *msg, uint16_t ns, uint16_t nr);

/* §4.3: hides (reveal false) or reveals len octets of an AVP value with the
 * MD5 chain keyed by the attribute type, the secret and the random vector.
 * out must not overlap in.  0 or -EIO. */
int l2tp_hide(bool reveal, uint16_t type, const char *secret, const uint8_t *rv,
	      size_t rv_len, const uint8_t *in, size_t len, uint8_t *out);
/* §4.4.3/§5.1.1: MD5(message type || secret || challenge), the Challenge
 * Response sent in a SCCRP (type 2) or SCCCN (type 3).  0 or -EIO. */
int l2tp_challenge_response(uint8_t msg_type, const char *secret, const uint8_t *chal,
			    size_t len, uint8_t out[16]);

const char *l2tp_msg_name(unsigned type);
/* "Host Name"; "unknown AVP" when not in the table. */
const char *l2tp_avp_name(uint16_t vendor, uint16_t type);
/* Sentence parts for Result and Error Codes (lower case, no full stop). */
const char *l2tp_stopccn_result_str(uint16_t result);
const char *l2tp_cdn_result_str(uint16_t result);
const char *l2tp_error_str(uint16_t error);
/* "<result>" or "<result> (<error>; \"<message>\")", for StopCCN or CDN. */
void l2tp_result_describe(const struct l2tp_result *r, bool cdn, char *out, size_t cap);

/* Sequence numbers are compared modulo 2^16 (§5.8: the 32767 before Nr are old). */
static inline bool l2tp_seq_after(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) > 0;
}

/* ---- l2tp-ctrl.c: the control connection (RFC 2661 §5, §7; Windows LAC) -- */

enum l2tp_tunnel_state {
	L2TP_T_IDLE,
	L2TP_T_WAIT_SCCRP,          /* SCCRQ sent */
	L2TP_T_ESTABLISHED,         /* SCCCN sent */
	L2TP_T_STOPPING,            /* StopCCN sent, waiting for its ack */
	L2TP_T_CLOSED,              /* down() reported */
};

enum l2tp_session_state {
	L2TP_S_IDLE,
	L2TP_S_WAIT_TUNNEL,         /* the tunnel is being set up */
	L2TP_S_WAIT_ICRP,           /* ICRQ sent */
	L2TP_S_WAIT_ACK,            /* ICCN sent, not acknowledged yet */
	L2TP_S_WAIT_PPP,            /* acknowledged; the gateway's PPP not heard yet */
	L2TP_S_ESTABLISHED,         /* PPP may flow */
	L2TP_S_CLOSED,              /* CDN sent or received */
};

/* Timers and windows (§5.8 recommends 1 s doubling to a cap of at least 8 s
 * and 5 retransmissions; §6.5 a HELLO after 60 s of silence). */
#define L2TP_RTX_FIRST_MS   1000
#define L2TP_RTX_CAP_MS     8000
#define L2TP_RTX_MAX        5       /* retransmissions; then the peer is dead */
#define L2TP_REFUSED_TRIES  3       /* ... or tries met with ICMP port unreachable */
#define L2TP_RWS            8       /* our Receive Window Size (Windows' default) */
#define L2TP_PEER_RWS_DFLT  4       /* the peer's when it sends no Receive Window Size */
#define L2TP_TXQ            16      /* control messages unacknowledged or waiting */
#define L2TP_HELLO_MS       60000
#define L2TP_STOP_MS        3000    /* an orderly stop waits this long for the ack */
/* Our StopCCN acknowledged by a message (not a ZLB): the gateway still talks
 * and may send a StopCCN of its own (SoftEther does, after its CDN); we stay
 * this long to acknowledge it. */
#define L2TP_LINGER_MS      1000
/* After the ICCN's ack, how long we wait for the gateway's first PPP frame
 * before sending ours: xl2tpd acks, then starts pppd, and a frame that comes
 * before pppd is attached is lost (3 s until PPP sends it again). */
#define L2TP_UP_WAIT_MS     1000
#define L2TP_SETUP_MS       20000   /* connect_timeout_ms default */

struct l2tp_session_info {
	uint16_t tunnel_id, peer_tunnel_id;
	uint16_t session_id, peer_session_id;
	bool seq_required;          /* the gateway sent Sequencing Required */
};

struct l2tp_ctrl_stats {
	uint64_t tx_msgs, tx_zlbs, tx_retransmits;
	uint64_t rx_msgs, rx_zlbs, rx_duplicates, rx_queued, rx_dropped;
};

struct l2tp_ctrl;

struct l2tp_ctrl_events {
	/* Sends one control message (a UDP payload); takes p.  0 or -errno. */
	int (*send)(void *arg, struct pkt *p);
	/* The session is up: PPP may flow. */
	void (*established)(void *arg, const struct l2tp_session_info *si);
	/* Once; the callee may free the ctrl. */
	void (*down)(void *arg, enum wv_fail why, const char *msg);
};

struct l2tp_ctrl *l2tp_ctrl_new(struct wv_loop *loop, const struct wv_log *log,
				const struct l2tp_config *cfg, const struct l2tp_ctrl_events *ev,
				void *arg);
/* Fixes our tunnel and session ids instead of random ones (tests). */
void l2tp_ctrl_set_ids(struct l2tp_ctrl *c, uint16_t tunnel_id, uint16_t session_id);
/* Plain L2TP over our own UDP socket (true, the default) or inside a lower
 * layer: only changes the hints of "no answer" sentences. */
void l2tp_ctrl_set_raw(struct l2tp_ctrl *c, bool raw_udp);
/* Sends the SCCRQ.  0 or -errno. */
int l2tp_ctrl_start(struct l2tp_ctrl *c);
/* A control message (T bit set) from the gateway; takes p. */
void l2tp_ctrl_input(struct l2tp_ctrl *c, struct pkt *p);
/* A data message for (tunnel, session) arrived: if it is our session waiting
 * for the ICCN's ack or for the gateway's PPP, the session is up. */
void l2tp_ctrl_data_seen(struct l2tp_ctrl *c, uint16_t tunnel, uint16_t session);
/* The transport saw an ICMP error (-errno) for our datagrams. */
void l2tp_ctrl_note_error(struct l2tp_ctrl *c, int err);
/* Orderly stop: CDN, StopCCN, wait for the ack; down() follows. */
void l2tp_ctrl_stop(struct l2tp_ctrl *c);
/* Safe from inside the ctrl's own callbacks. */
void l2tp_ctrl_free(struct l2tp_ctrl *c);
enum l2tp_tunnel_state l2tp_ctrl_tunnel_state(const struct l2tp_ctrl *c);
enum l2tp_session_state l2tp_ctrl_session_state(const struct l2tp_ctrl *c);
const char *l2tp_tunnel_state_name(enum l2tp_tunnel_state st);
const char *l2tp_session_state_name(enum l2tp_session_state st);
void l2tp_ctrl_get_stats(const struct l2tp_ctrl *c, struct l2tp_ctrl_stats *st);

/* ---- l2tp-data.c: the data channel (§3.1, §5.4) ------------------------------ */

struct l2tp_data_stats {
	uint64_t tx_packets, tx_bytes, tx_errors;
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_old;            /* sequenced, not newer than the last delivered */
	uint64_t rx_lost;           /* sequence numbers skipped */
	uint64_t rx_bad;            /* malformed */
	uint64_t rx_foreign;        /* another tunnel or session */
};

struct l2tp_data {
	uint16_t tunnel_id, session_id;             /* ours: what the gateway sends */
	uint16_t peer_tunnel_id, peer_session_id;   /* the gateway's: what we send */
	bool seq_required;          /* Sequencing Required: Ns always */
	bool send_seq, send_len;    /* otherwise as the gateway does (§5.4) */
	uint16_t tx_ns;
	bool rx_started;
	uint16_t rx_last;
	struct l2tp_data_stats st;
};

void l2tp_data_init(struct l2tp_data *d, const struct l2tp_session_info *si);
/* Prepends the data header to a PPP frame.  0 or -EMSGSIZE/-ENOSPC. */
int l2tp_data_encap(struct l2tp_data *d, struct pkt *p);
/* Checks and strips the header of a data message (T clear): 1 when p is now
 * the PPP frame to deliver, 0 to drop it (another session, old or duplicate),
 * -EBADMSG when it is malformed. */
int l2tp_data_decap(struct l2tp_data *d, struct pkt *p);

/* ---- l2tp.c: test hooks ------------------------------------------------------------ */

/* Fixes our tunnel and session ids (tests, fuzzing). */
void l2tp_set_ids(struct l2tp *l, uint16_t tunnel_id, uint16_t session_id);
const struct l2tp_data *l2tp_get_data(const struct l2tp *l);
struct l2tp_ctrl *l2tp_get_ctrl(const struct l2tp *l);
/* Our UDP source port (0 without a socket of our own). */
uint16_t l2tp_local_port(const struct l2tp *l);

#endif
