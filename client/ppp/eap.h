/* eap.h -- between the EAP peer (eap.c: RFC 3748 and its methods EAP-MD5,
 * EAP-MSCHAPv2, EAP-TLS, PEAPv0) and the TLS half of EAP-TLS and PEAP
 * (eap-tls.c: OpenSSL over memory BIOs, fragmentation and reassembly,
 * RFC 5216; PEAP's tunnel data).  Internal to
 * client/ppp; the PPP core sees EAP through auth.h like any other method. */
#ifndef WV_PPP_EAP_H
#define WV_PPP_EAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth-methods.h"

struct wv_log;

/* RFC 3748 §4 codes and §5 types */
#define EAP_REQUEST       1
#define EAP_RESPONSE      2
#define EAP_SUCCESS       3
#define EAP_FAILURE       4

#define EAP_IDENTITY      1
#define EAP_NOTIFICATION  2
#define EAP_NAK           3
#define EAP_MD5           4
#define EAP_TLS           13
#define EAP_PEAP          25
#define EAP_MSCHAPV2      26
#define EAP_EXPANDED      254

/* draft-kamath-pppext-eap-mschapv2 §2 OpCodes */
#define MSV2_OP_CHALLENGE 1
#define MSV2_OP_RESPONSE  2
#define MSV2_OP_SUCCESS   3
#define MSV2_OP_FAILURE   4

/* RFC 5216 §3.1 flags */
#define EAP_TLS_FLAG_L    0x80    /* TLS Message Length present */
#define EAP_TLS_FLAG_M    0x40    /* more fragments */
#define EAP_TLS_FLAG_S    0x20    /* EAP-TLS start */
#define EAP_PEAP_VERSION  0x07    /* PEAP: the version in the low bits */
/* PEAP's Extensions type (inner, full EAP header) and its TLVs
 * ([MS-PEAP] §2.2.8) */
#define EAP_EXTENSIONS    33
#define PEAP_TLV_RESULT   3
#define PEAP_TLV_CRYPTO_BINDING 12

/* A TLS message (one flight) is reassembled up to this size: a server's
 * certificate chain is a few kB; RFC 5216 §3.1 puts no bound, 64 kB is
 * what other peers (wpa_supplicant's default) accept. */
#define EAP_TLS_MAX_MSG   65536
/* TLS octets per EAP packet we send: fits a 1100-octet peer MRU with the
 * EAP (5), flags (1) and length (4) headers. */
#define EAP_TLS_FRAG      1024

/* "EAP-MD5", "EAP-TLS", ... ("EAP type 42" in buf for others) */
const char *eap_type_name(uint8_t type, char *buf, size_t len);

struct auth_client *eap_client_new(struct ppp *ppp);

/* ---- reassembly of a fragmented TLS message (RFC 5216 §3.1-3.2) ---- */

struct eap_tls_reasm {
	uint8_t *buf;
	size_t len;          /* octets gathered */
	size_t total;        /* the L field of the first fragment, 0 if absent */
	bool active;         /* a fragment with M set was seen */
};

enum eap_reasm_status {
	EAP_REASM_MORE = 0,  /* wait for the next fragment (answer with an ACK) */
	EAP_REASM_DONE,      /* buf/len hold a whole message */
};

/* Adds one EAP-TLS packet's data (starting at the Flags octet).  A status,
 * or -EBADMSG (malformed, or an L that disagrees), -EMSGSIZE (over
 * EAP_TLS_MAX_MSG or over its own L), -ENOMEM. */
int eap_tls_reasm_add(struct eap_tls_reasm *r, const uint8_t *data, size_t len);
void eap_tls_reasm_reset(struct eap_tls_reasm *r);

/* ---- the TLS client ---- */

struct eap_tls;

/* user_cert: EAP-TLS (a client certificate is required); false for PEAP's
 * tunnel.  NULL with *err (malloc'd sentence naming the file and why). */
struct eap_tls *eap_tls_new(const struct ppp_config *cfg, const struct wv_log *log,
			    bool user_cert, char **err);
void eap_tls_free(struct eap_tls *t);

enum eap_tls_status {
	EAP_TLS_REPLY = 0,   /* send out (the Type-Data of our Response) */
	EAP_TLS_IGNORE,      /* malformed or out of place: drop silently */
	EAP_TLS_FAILED,      /* eap_tls_error() says why */
	EAP_TLS_DONE,        /* handshake complete; out is the final ACK */
	EAP_TLS_APPDATA,     /* PEAP: a whole message after the handshake:
			      * eap_tls_read() it, then eap_tls_next() */
};

/* One EAP-TLS Request's Type-Data (from the Flags octet).  out holds at
 * least EAP_TLS_FRAG + 5 octets. */
enum eap_tls_status eap_tls_input(struct eap_tls *t, const uint8_t *data, size_t len,
				  uint8_t *out, size_t *out_len);
/* The user certificate's Common Name (the identity Windows sends with
 * EAP-TLS when no user name is set): its length, or -ENOENT. */
int eap_tls_cert_name(const struct eap_tls *t, char *buf, size_t size);
/* A sentence, and whether the server rejected us (vs. we rejected it). */
const char *eap_tls_error(const struct eap_tls *t);
bool eap_tls_handshake_done(const struct eap_tls *t);
/* RFC 5216 §2.3: MSK = TLS-PRF-64(master, "client EAP encryption", randoms).
 * 0 or -EIO. */
int eap_tls_msk(struct eap_tls *t, uint8_t msk[64]);

/* PEAP's tunnel.  Decrypted application data: its length, 0 when none is
 * left, -1 on error (eap_tls_error()). */
int eap_tls_read(struct eap_tls *t, uint8_t *buf, size_t max);
/* Encrypts one inner packet and queues it for eap_tls_next(); 0 or -1. */
int eap_tls_write(struct eap_tls *t, const uint8_t *buf, size_t len);
/* The next fragment of what is queued, or an empty ACK. */
enum eap_tls_status eap_tls_next(struct eap_tls *t, uint8_t *out, size_t *out_len);

#endif
