/* pptp-int.h -- the pieces of the PPTP link, for pptp.c, the unit tests and the
 * fuzz targets: control-message wire formats (pptp-msg.c), the control
 * connection (pptp-ctrl.c) and the enhanced-GRE data link (gre.c).  Internal. */
#ifndef WV_PPTP_INT_H
#define WV_PPTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "libwinvpn.h"
#include "pptp.h"

struct wv_loop;
struct wv_log;
struct pkt;

/* ---- pptp-msg.c: control messages (RFC 2637 §2) ------------------------- */

#define PPTP_TCP_PORT     1723
#define PPTP_MAGIC        0x1A2B3C4DU
#define PPTP_VERSION      0x0100       /* 1.0 */
#define PPTP_MSG_CONTROL  1            /* PPTP Message Type */
#define PPTP_HDR_LEN      12
/* Longer than any RFC 2637 message (ICRQ is 220); a Length above this is absurd. */
#define PPTP_MSG_MAX      512

enum pptp_msg_type {
	PPTP_SCCRQ = 1,      /* Start-Control-Connection-Request */
	PPTP_SCCRP = 2,      /* Start-Control-Connection-Reply */
	PPTP_STOPCCRQ = 3,   /* Stop-Control-Connection-Request */
	PPTP_STOPCCRP = 4,   /* Stop-Control-Connection-Reply */
	PPTP_ECHORQ = 5,     /* Echo-Request */
	PPTP_ECHORP = 6,     /* Echo-Reply */
	PPTP_OCRQ = 7,       /* Outgoing-Call-Request */
	PPTP_OCRP = 8,       /* Outgoing-Call-Reply */
	PPTP_ICRQ = 9,       /* Incoming-Call-Request */
	PPTP_ICRP = 10,      /* Incoming-Call-Reply */
	PPTP_ICCN = 11,      /* Incoming-Call-Connected */
	PPTP_CCR = 12,       /* Call-Clear-Request */
	PPTP_CDN = 13,       /* Call-Disconnect-Notify */
	PPTP_WEN = 14,       /* WAN-Error-Notify */
	PPTP_SLI = 15,       /* Set-Link-Info */
	PPTP_MSG_TYPE_MAX = PPTP_SLI,
};

/* Result codes that mean success (SCCRP, StopCCRP, Echo-Reply, OCRP). */
#define PPTP_RESULT_OK 1

/* One decoded control message.  Flat: each type fills the fields its RFC 2637
 * layout has (see the table in pptp-msg.c) and leaves the others zero.
 * Strings are NUL-terminated and hold printable ASCII only. */
struct pptp_msg {
	uint16_t type;
	uint16_t version;                 /* SCCRQ, SCCRP */
	uint8_t result, error;            /* SCCRP StopCCRP EchoRP OCRP ICRP CDN */
	uint8_t reason;                   /* StopCCRQ */
	uint16_t cause;                   /* OCRP, CDN */
	uint32_t framing, bearer;         /* capabilities (SCCRx) or types (OCRQ, ICRQ, ICCN) */
	uint16_t max_channels, firmware;  /* SCCRQ, SCCRP */
	char host[65], vendor[65];        /* SCCRQ, SCCRP */
	uint32_t ident;                   /* Echo-Request/Reply */
	uint16_t call_id, peer_call_id, serial;
	uint32_t min_bps, max_bps, speed, channel;
	uint16_t window, delay;
	uint16_t phone_len, dialing_len;
	char phone[65], dialing[65], subaddr[65];
	char stats[129];                  /* CDN Call Statistics */
	uint32_t send_accm, recv_accm;    /* SLI */
	/* WEN: CRC, framing, hardware overrun, buffer overrun, time-out, alignment */
	uint32_t wan_errors[6];
};

const char *pptp_msg_name(unsigned type);
/* Size of a message of this type on the wire, 0 for an unknown type. */
size_t pptp_msg_len(unsigned type);
/* Finds the next message in a TCP stream: 1 with *msg_len set when buf starts
 * with a whole message, 0 when more bytes are needed, -EBADMSG when the
 * Length is absurd or the Magic Cookie is wrong (the stream cannot be resynced). */
int pptp_msg_frame(const uint8_t *buf, size_t len, size_t *msg_len);
/* Decodes one framed message.  0; -ENOMSG for a message type we do not know
 * or a non-control PPTP message (ignore it); -EBADMSG when it is shorter than
 * its type's layout or its header is wrong. */
int pptp_msg_parse(const uint8_t *buf, size_t len, struct pptp_msg *m);
/* Encodes m (header included) into out; returns the length, or 0 when the
 * type is unknown or cap is short. */
size_t pptp_msg_build(const struct pptp_msg *m, uint8_t *out, size_t cap);

/* Sentences for result and error codes (lower case, no full stop). */
const char *pptp_sccrp_result_str(uint8_t result);
const char *pptp_ocrp_result_str(uint8_t result);
const char *pptp_cdn_result_str(uint8_t result);
const char *pptp_stop_reason_str(uint8_t reason);
const char *pptp_error_str(uint8_t error);

/* ---- pptp-ctrl.c: the control connection (RFC 2637 §2, [MS-PTPT]) ------- */

enum pptp_ctrl_state {
	PPTP_C_IDLE,
	PPTP_C_TCP_CONNECTING,
	PPTP_C_WAIT_SCCRP,         /* SCCRQ sent */
	PPTP_C_WAIT_OCRP,          /* OCRQ sent */
	PPTP_C_ESTABLISHED,        /* the call is up */
	PPTP_C_WAIT_CDN,           /* Call-Clear-Request sent */
	PPTP_C_WAIT_STOPCCRP,      /* Stop-Control-Connection-Request sent */
	PPTP_C_CLOSED,             /* down() reported */
};

struct pptp_ctrl;

struct pptp_ctrl_events {
	/* The Outgoing-Call-Reply accepted the call.  call_id is ours (the GRE key
	 * the gateway sends), peer_call_id the gateway's (the key we send). */
	void (*established)(void *arg, uint16_t call_id, uint16_t peer_call_id);
	/* Once; the control connection is closed.  The callee may free the ctrl. */
	void (*down)(void *arg, enum wv_fail why, const char *msg);
};

struct pptp_ctrl *pptp_ctrl_new(struct wv_loop *loop, const struct wv_log *log,
				const struct pptp_config *cfg, const struct pptp_ctrl_events *ev,
				void *arg);
/* Fixes our call id instead of a random one (tests). */
void pptp_ctrl_set_call_id(struct pptp_ctrl *c, uint16_t call_id);
/* Starts the non-blocking TCP connect; failures come as down().  0 or -errno. */
int pptp_ctrl_start(struct pptp_ctrl *c);
/* Uses an already connected stream socket instead (tests, fuzzing) and sends
 * the SCCRQ.  The ctrl owns fd from now on. */
int pptp_ctrl_attach(struct pptp_ctrl *c, int fd);
/* Bytes from the stream, as if read from the socket (the read path and the
 * fuzz target use it). */
void pptp_ctrl_input(struct pptp_ctrl *c, const uint8_t *buf, size_t len);
/* Orderly teardown: Call-Clear-Request, Stop-Control-Connection-Request;
 * down() follows. */
void pptp_ctrl_stop(struct pptp_ctrl *c);
/* Safe from inside the ctrl's own down() callback. */
void pptp_ctrl_free(struct pptp_ctrl *c);
enum pptp_ctrl_state pptp_ctrl_get_state(const struct pptp_ctrl *c);
const char *pptp_ctrl_state_name(enum pptp_ctrl_state st);

/* Timers (RFC 2637 §2.5 and [MS-PTPT] §3.1.2 use 60 s for both). */
#define PPTP_ECHO_IDLE_MS     60000   /* send Echo-Request after this long without a message */
#define PPTP_ECHO_TIMEOUT_MS  60000   /* give up when nothing answers it */
#define PPTP_TEARDOWN_MS      3000    /* each step of an orderly stop */

/* ---- gre.c: enhanced GRE (RFC 2637 §4.1) ----------------------------------- */

#define GRE_PROTO_PPP   0x880B
#define GRE_HDR_MIN     8
#define GRE_HDR_MAX     16
#define GRE_ACK_DELAY_MS 500    /* an ack waits this long for data to ride on */
#define GRE_BATCH       16      /* datagrams per recvmmsg() */

/* First two octets: C R K S s Recur(3) | A Flags(4) Ver(3) */
#define GRE_F_C     0x8000
#define GRE_F_R     0x4000
#define GRE_F_K     0x2000
#define GRE_F_S     0x1000
#define GRE_F_SSR   0x0800
#define GRE_RECUR   0x0700
#define GRE_F_A     0x0080
#define GRE_FLAGS   0x0078
#define GRE_VER     0x0007

struct gre_hdr {
	uint16_t payload_len;   /* octets after the GRE header */
	uint16_t call_id;       /* the receiver's call id */
	bool has_seq, has_ack;
	uint32_t seq, ack;
};

static inline size_t gre_hdr_len(const struct gre_hdr *h)
{
	return GRE_HDR_MIN + (h->has_seq ? 4 : 0) + (h->has_ack ? 4 : 0);
}
/* Writes gre_hdr_len(h) octets. */
void gre_hdr_write(uint8_t *out, const struct gre_hdr *h);
/* Parses an enhanced GRE header: the header length, or -EBADMSG (short or
 * payload length past the end) or -EPROTONOSUPPORT (not PPTP's GRE). */
int gre_hdr_parse(const uint8_t *buf, size_t len, struct gre_hdr *h);
/* Finds the IPv4 payload of a raw-socket datagram: the header length (IHL)
 * with *payload_len set, or -EBADMSG. */
int gre_ip_strip(const uint8_t *buf, size_t len, size_t *payload_len);

/* Sequence numbers are compared modulo 2^32 (RFC 1982 style). */
static inline bool gre_seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* What we have delivered.  Policy: deliver every packet newer than the last
 * one delivered, drop anything not newer.  Loss is tolerated (stateless MPPE
 * carries its own coherency count); a packet overtaken by a newer one is
 * dropped rather than queued, since [MS-PTPT] peers keep no window either. */
struct gre_rx_seq {
	bool started;
	uint32_t last;
};
/* 1 to deliver seq (and *lost = packets skipped), 0 to drop it (duplicate or old). */
int gre_rx_seq_accept(struct gre_rx_seq *s, uint32_t seq, uint32_t *lost);

struct gre_stats {
	uint64_t tx_packets, tx_bytes, tx_acks, tx_errors;
	uint64_t rx_packets, rx_bytes, rx_acks;
	uint64_t rx_old;        /* duplicates and reordered packets dropped */
	uint64_t rx_lost;       /* sequence numbers skipped */
	uint64_t rx_bad;        /* malformed */
	uint64_t rx_foreign;    /* another call's key (other sessions on this host) */
};

struct gre;

struct gre_events {
	/* A PPP frame; the callee takes p. */
	void (*recv)(void *arg, struct pkt *p);
};

struct gre *gre_new(struct wv_loop *loop, const struct wv_log *log, const struct gre_events *ev,
		    void *arg);
/* Opens the raw socket connected to the gateway (needs CAP_NET_RAW).  0 or -errno. */
int gre_open(struct gre *g, struct in_addr gateway);
/* The keys: ours (we accept), the gateway's (we send). */
void gre_set_call_ids(struct gre *g, uint16_t call_id, uint16_t peer_call_id);
/* Prepends the GRE header to a PPP frame (sequence number, piggy-backed ack). */
int gre_encap(struct gre *g, struct pkt *p);
/* Encapsulates and sends; always takes p.  0 or -errno. */
int gre_send(struct gre *g, struct pkt *p);
/* Handles one datagram as the raw socket returns it (IPv4 header + GRE); takes p. */
void gre_input(struct gre *g, struct pkt *p);
/* Builds the ack-only packet for what is pending into buf (GRE_HDR_MAX);
 * returns its length, 0 when no ack is pending. */
size_t gre_build_ack(struct gre *g, uint8_t *buf);
void gre_close(struct gre *g);
/* Safe from inside the recv() callback. */
void gre_free(struct gre *g);
void gre_get_stats(const struct gre *g, struct gre_stats *st);

#endif
