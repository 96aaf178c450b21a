/* auth.h -- between the PPP core (ppp.c, lcp.c) and the authentication
 * methods (pap.c, chap.c, mschap.c).  Internal.
 *
 * LCP decides which method the peer asks for and whether we accept it
 * (auth_acceptable / auth_preferred); when LCP is up the core creates an
 * auth_client for the negotiated method, feeds it the method's packets and
 * learns the outcome through ppp_auth_success() / ppp_auth_failure(). */
#ifndef WV_PPP_AUTH_H
#define WV_PPP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ppp.h"

struct wv_log;
struct wv_loop;

/* MPPE start keys derived from MS-CHAP (RFC 3079), 16 octets each; 40/56-bit
 * MPPE uses the first 8.  "send" is the client's send direction. */
struct mppe_keys {
	uint8_t send[16];
	uint8_t recv[16];
	bool valid;
};

/* Does the configuration let us authenticate with this protocol/algorithm?
 * algo is the CHAP algorithm for PPP_CHAP, 0 otherwise. */
bool auth_acceptable(const struct ppp_config *cfg, uint16_t proto, uint8_t algo);
/* The method to Configure-Nak with when the peer asks for one we refuse, in
 * Windows' order: MS-CHAPv2, MS-CHAPv1, CHAP-MD5, PAP.  false if none is left. */
bool auth_preferred(const struct ppp_config *cfg, uint16_t *proto, uint8_t *algo);
/* "MS-CHAPv2", "PAP", ... */
const char *auth_method_name(uint16_t proto, uint8_t algo);

struct auth_client;
struct auth_client *auth_client_new(struct ppp *ppp, uint16_t proto, uint8_t algo);
/* LCP is open: PAP sends its Authenticate-Request; CHAP waits for a Challenge. */
void auth_client_start(struct auth_client *ac);
/* One packet of the method's protocol (after the PPP protocol field). */
void auth_client_input(struct auth_client *ac, const uint8_t *buf, size_t len);
void auth_client_free(struct auth_client *ac);

/* Provided by the PPP core for the methods. */
const struct ppp_config *ppp_config(const struct ppp *ppp);
const struct wv_log *ppp_log(const struct ppp *ppp);
struct wv_loop *ppp_loop(const struct ppp *ppp);
/* Sends a control packet: buf is the packet after the protocol field. */
int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len);
/* keys may be NULL (PAP, CHAP-MD5).  The core copies and later wipes them. */
void ppp_auth_success(struct ppp *ppp, const struct mppe_keys *keys);
/* why is WV_FAIL_AUTH for rejected credentials; msg is a sentence for the user
 * ("the server rejected the user name or password (MS-CHAPv2 error 691)"). */
void ppp_auth_failure(struct ppp *ppp, enum wv_fail why, const char *msg);

#endif
