/* esp.h -- ESP (RFC 4303) in transport mode for L2TP/IPsec, in place on struct
 * pkt: AES-CBC (RFC 3602) or 3DES-CBC (RFC 2451) with HMAC-SHA1-96 (RFC 2404),
 * HMAC-MD5-96 (RFC 2403) or HMAC-SHA-256-128 (RFC 4868), and AES-GCM with a
 * 16-octet ICV (RFC 4106).  Plus the anti-replay window (RFC 4303 §3.4.3),
 * UDP encapsulation on port 4500 (RFC 3948) and the UDP header of the
 * protected L2TP datagram.  Internal.
 *
 * An SA holds its keys and its reused OpenSSL contexts; encap and decap do not
 * allocate.  Keys are wiped when the SA is freed. */
#ifndef WV_ESP_H
#define WV_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct pkt;

enum esp_enc {
	ESP_ENC_AES_CBC,
	ESP_ENC_3DES_CBC,
	ESP_ENC_AES_GCM16,
};

enum esp_integ {
	ESP_INTEG_NONE,            /* only with AES-GCM */
	ESP_INTEG_HMAC_MD5_96,
	ESP_INTEG_HMAC_SHA1_96,
	ESP_INTEG_HMAC_SHA256_128,
};

struct esp_alg {
	enum esp_enc enc;
	size_t enc_key_len;        /* octets, without GCM's 4-octet salt */
	enum esp_integ integ;
};

#define ESP_HDR_LEN        8        /* SPI + sequence number */
#define ESP_IV_MAX         16
#define ESP_ICV_MAX        16
#define ESP_REPLAY_WINDOW  128      /* RFC 4303 §3.4.3: 32 minimum, 64 recommended */
#define ESP_NEXT_UDP       17
#define ESP_NEXT_NONE      59       /* a dummy packet (RFC 4303 §2.6) */
#define ESP_KEYMAT_MAX     (32 + 4 + 32)

/* Errors from esp_decap beyond -EBADMSG (malformed) and -EIO (OpenSSL). */
#define ESP_E_SPI     (-ENOENT)        /* not this SA */
#define ESP_E_REPLAY  (-EALREADY)      /* duplicate or older than the window */
#define ESP_E_ICV     (-EKEYREJECTED)  /* integrity check failed */
#define ESP_E_DUMMY   (-ENODATA)       /* next header 59: drop silently */

/* Key material octets for an algorithm (encryption key [+ salt], then the
 * integrity key; RFC 2409 §5.5 KEYMAT order), 0 if the combination is invalid. */
size_t esp_keymat_len(const struct esp_alg *a);
/* "AES_CBC_256/HMAC_SHA1_96", as strongSwan logs it. */
void esp_alg_name(const struct esp_alg *a, char *out, size_t cap);
/* Octets ESP adds at most around a payload (header, IV, padding, trailer, ICV). */
size_t esp_alg_overhead(const struct esp_alg *a);

struct esp_stats {
	uint64_t packets, bytes;
	uint64_t bad, replay, icv;
};

struct esp_sa;

/* NULL when the algorithm is unknown, the key material is the wrong size, or
 * OpenSSL fails.  keymat is copied. */
struct esp_sa *esp_sa_new(const struct esp_alg *a, uint32_t spi, const uint8_t *keymat,
			  size_t keymat_len, bool outbound);
void esp_sa_free(struct esp_sa *sa);
uint32_t esp_sa_spi(const struct esp_sa *sa);
const struct esp_stats *esp_sa_stats(const struct esp_sa *sa);

/* Outbound: wraps p->data..len (the protected payload) as ESP in place:
 * header and IV go into the headroom, padding, trailer and ICV into the
 * tailroom.  0; -ENOSPC (head- or tailroom short), -EOVERFLOW (the 32-bit
 * sequence number is used up: the SA must be replaced), -EIO. */
int esp_encap(struct esp_sa *sa, struct pkt *p, uint8_t next_header);
/* The same with a given IV (CBC) -- for known-answer tests. */
int esp_encap_iv(struct esp_sa *sa, struct pkt *p, uint8_t next_header, const uint8_t *iv);
/* Sets the last sequence number used (tests). */
void esp_sa_set_seq(struct esp_sa *sa, uint32_t seq);

/* Inbound: checks, authenticates, decrypts p (starting at the SPI) in place
 * and leaves p->data..len on the payload.  0 with *next_header, or an error:
 * ESP_E_* above, -EBADMSG. */
int esp_decap(struct esp_sa *sa, struct pkt *p, uint8_t *next_header);

/* ---- anti-replay (RFC 4303 §3.4.3 and Appendix A2) ------------------------- */

struct esp_replay {
	uint32_t top;                       /* highest authenticated sequence number */
	uint64_t bits[ESP_REPLAY_WINDOW / 64]; /* bit i: top - i was received */
};
/* true if seq may be new: not zero, not older than the window, not seen. */
bool esp_replay_check(const struct esp_replay *r, uint32_t seq);
/* Records seq once its ICV verified. */
void esp_replay_update(struct esp_replay *r, uint32_t seq);

/* ---- UDP encapsulation (RFC 3948 §2) ---------------------------------------- */

#define ESP_NON_ESP_MARKER_LEN 4

enum esp_udp_kind {
	ESP_UDP_ESP,          /* starts with a non-zero SPI */
	ESP_UDP_IKE,          /* the non-ESP marker, then an ISAKMP message */
	ESP_UDP_KEEPALIVE,    /* the single octet 0xFF (RFC 3948 §2.3) */
	ESP_UDP_INVALID,
};
/* What a datagram received on port 4500 carries. */
enum esp_udp_kind esp_udp_classify(const uint8_t *buf, size_t len);

/* ---- the protected UDP datagram (transport mode) ----------------------------- */

#define ESP_UDP_HDR_LEN 8

/* Prepends a UDP header with a correct checksum over the pseudo-header of
 * src -> dst (RFC 768; RFC 3948 §3.1.2 lets the receiver fix it with NAT-OA).
 * 0 or -ENOSPC. */
int esp_udp_push(struct pkt *p, struct in_addr src, uint16_t sport, struct in_addr dst,
		 uint16_t dport);
/* Strips and checks the UDP header (length agrees with the packet; the
 * checksum is not verified: ESP's ICV covers the datagram and NAT may have
 * changed the addresses it was computed with).  0 or -EBADMSG. */
int esp_udp_pull(struct pkt *p, uint16_t *sport, uint16_t *dport);

/* The payload of an IPv4 datagram from a raw IPPROTO_ESP socket: returns the
 * header length and sets *payload_len, or -EBADMSG. */
int esp_ip_strip(const uint8_t *buf, size_t len, size_t *payload_len);

#endif
