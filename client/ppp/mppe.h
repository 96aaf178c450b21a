/* mppe.h -- Microsoft Point-to-Point Encryption (RFC 3078, keys RFC 3079).
 * Internal.  The data path works in place on struct pkt: no copies, no
 * allocation per packet. */
#ifndef WV_PPP_MPPE_H
#define WV_PPP_MPPE_H

#include <stdbool.h>
#include <stdint.h>
#include <openssl/types.h>

struct pkt;

/* CCP option 18 "supported bits" (RFC 3078 §2.1, pppd mppe.h) */
#define MPPE_OPT        18
#define MPPE_BIT_H      0x01000000u   /* stateless */
#define MPPE_BIT_M      0x00000080u   /* 56-bit */
#define MPPE_BIT_S      0x00000040u   /* 128-bit */
#define MPPE_BIT_L      0x00000020u   /* 40-bit */
#define MPPE_BIT_D      0x00000010u   /* obsolete */
#define MPPE_BIT_C      0x00000001u   /* MPPC compression */

/* One direction of MPPE. */
struct mppe_dir {
	EVP_CIPHER_CTX *rc4;
	uint8_t start_key[16];
	uint8_t session_key[16];
	unsigned key_len;       /* 8 (40/56-bit) or 16 (128-bit) */
	unsigned bits;          /* 40, 56, 128 */
	bool stateless;
	uint16_t ccount;        /* 12-bit coherency count: next to send / last seen */
	bool flushed;           /* tx: set A on the next packet; rx: waiting for A */
	bool started;           /* rx: got a first packet */
};

/* Sets up one direction from a 16-octet start key (only the first 8 are used
 * for 40/56 bits).  0 or -errno. */
int mppe_dir_init(struct mppe_dir *d, const uint8_t start_key[16], unsigned bits, bool stateless);
/* Wipes keys and frees the cipher; safe on a zeroed or cleared struct. */
void mppe_dir_clear(struct mppe_dir *d);

/* p->data holds the PPP protocol field (2 octets) and the datagram.
 * Encrypts in place and prepends the 2-octet MPPE header; the caller then
 * prepends protocol PPP_COMP.  0 or -errno. */
int mppe_encrypt(struct mppe_dir *tx, struct pkt *p);

enum mppe_rx_result {
	MPPE_RX_OK = 0,        /* p now holds protocol field + datagram */
	MPPE_RX_DROP,          /* malformed or not decryptable: drop p */
	MPPE_RX_NEED_RESET,    /* stateful, lost sync: drop p, send CCP Reset-Request */
};
/* p->data holds the MPPE header and ciphertext (after protocol 0x00FD). */
enum mppe_rx_result mppe_decrypt(struct mppe_dir *rx, struct pkt *p);
/* CCP Reset-Request received (stateful): next packet gets a new key and A. */
void mppe_tx_reset(struct mppe_dir *tx);

/* RFC 3079 key helpers, exported for tests. */
int mppe_get_new_key_from_sha(const uint8_t *start_key, const uint8_t *session_key, unsigned len,
			      uint8_t *out);

#endif
