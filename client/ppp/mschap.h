/* mschap.h -- the arithmetic of MS-CHAP v1 (RFC 2433), MS-CHAP v2 (RFC 2759)
 * and the MPPE keys derived from them (RFC 3079), from the client's side.
 * Internal.  No packets here: chap.c builds and parses those.
 *
 * Passwords are UTF-8 C strings; they are hashed as UTF-16LE (RFC 2759 §8.3
 * "0-to-256-unicode-char Password").  Every function wipes its intermediate
 * secrets; callers wipe what they get back.  Functions return 0 or -errno:
 * -EINVAL for a password that is not UTF-8 or longer than 256 characters,
 * -EIO when OpenSSL fails (for example without its legacy provider). */
#ifndef WV_PPP_MSCHAP_H
#define WV_PPP_MSCHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mppe_keys;

#define MSCHAP_HASH_LEN         16   /* NtPasswordHash, PasswordHashHash */
#define MSCHAP_NT_RESPONSE_LEN  24
#define MSCHAP_V1_CHALLENGE_LEN  8
#define MSCHAP_V2_CHALLENGE_LEN 16
#define MSCHAP_RESPONSE_LEN     49   /* Value-Size of the Response, v1 and v2 */
#define MSCHAP_AUTH_RESPONSE_LEN 20  /* binary; "S=" + 40 hex digits on the wire */
#define MSCHAP_MAX_PASSWORD    256   /* UTF-16 code units */

/* ---- building blocks (RFC 2759 §8, RFC 2433 §A) ---- */

/* MD4 of the password in UTF-16LE (RFC 2759 §8.3). */
int mschap_nt_password_hash(const char *password, uint8_t hash[MSCHAP_HASH_LEN]);
/* MD4 of the hash (RFC 2759 §8.4). */
int mschap_hash_nt_password_hash(const uint8_t hash[MSCHAP_HASH_LEN],
				 uint8_t hash_hash[MSCHAP_HASH_LEN]);
/* SHA1(PeerChallenge | AuthenticatorChallenge | UserName)[0..7] (RFC 2759 §8.2);
 * a "DOMAIN\" prefix of user is left out, as the RFC says. */
int mschap_challenge_hash(const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
			  const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
			  const char *user, uint8_t challenge[8]);
/* Spreads 56 key bits over 8 octets with odd parity (RFC 2759 §8.6 / RFC 2433 §A.6). */
void mschap_des_key(const uint8_t raw[7], uint8_t key[8]);
/* Three DES encryptions of the challenge with the zero-padded hash (RFC 2759 §8.5). */
int mschap_challenge_response(const uint8_t challenge[8], const uint8_t hash[MSCHAP_HASH_LEN],
			      uint8_t response[MSCHAP_NT_RESPONSE_LEN]);
/* The user part of "DOMAIN\user". */
const char *mschap_user_part(const char *user);

/* ---- MS-CHAP v2 (RFC 2759) ---- */

/* RFC 2759 §8.1 GenerateNTResponse. */
int mschapv2_nt_response(const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
			 const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
			 const char *user, const char *password,
			 uint8_t response[MSCHAP_NT_RESPONSE_LEN]);
/* RFC 2759 §8.7 GenerateAuthenticatorResponse, as 20 binary octets. */
int mschapv2_authenticator_response(const uint8_t hash_hash[MSCHAP_HASH_LEN],
				    const uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN],
				    const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
				    const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
				    const char *user, uint8_t out[MSCHAP_AUTH_RESPONSE_LEN]);

/* Everything a client needs for one Challenge: the NT-Response it sends, the
 * authenticator response it expects in Success, and its MPPE keys. */
struct mschapv2_client {
	uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN];
	uint8_t auth_response[MSCHAP_AUTH_RESPONSE_LEN];
	uint8_t send_key[16], recv_key[16];
};
int mschapv2_client_compute(const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
			    const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
			    const char *user, const char *password, struct mschapv2_client *out);

/* Checks the Message of an MS-CHAPv2 Success: "S=<40 hex>", then " M=<text>",
 * "M=<text>" (Windows Server 2019 leaves the space out) or nothing.  The
 * comparison is constant-time and ignores the hex digits' case.  On success
 * text and text_len point at the M= text inside msg (may be empty).
 * 0, -EBADMSG (no well-formed S=), or -EACCES (S= does not match). */
int mschapv2_check_success(const uint8_t expected[MSCHAP_AUTH_RESPONSE_LEN],
			   const uint8_t *msg, size_t len, const uint8_t **text, size_t *text_len);

/* ---- RFC 3079 key derivation ---- */

/* §3.4 GetMasterKey: SHA1(PasswordHashHash | NT-Response | Magic1)[0..15]. */
int mschap_master_key(const uint8_t hash_hash[MSCHAP_HASH_LEN],
		      const uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN], uint8_t master[16]);
/* §3.4 GetAsymmetricStartKey, 16 octets (40/56-bit MPPE uses the first 8, which
 * are the same octets the RFC's 8-octet form gives). */
int mschap_asymmetric_start_key(const uint8_t master[16], bool is_send, bool is_server,
				uint8_t key[16]);
/* §2.4 GetStartKey for MS-CHAPv1: SHA1(hh | hh | Challenge)[0..15]. */
int mschapv1_start_key(const uint8_t challenge[MSCHAP_V1_CHALLENGE_LEN],
		       const uint8_t hash_hash[MSCHAP_HASH_LEN], uint8_t key[16]);

/* ---- MS-CHAP v1 (RFC 2433) ---- */

/* The NT-Response for an 8-octet challenge, and the MPPE start keys (the same
 * both ways).  Keys follow pppd, the peer we interoperate with: GetStartKey()
 * for every key length, never the LAN Manager hash of RFC 3079 §2.1. */
int mschapv1_client_compute(const uint8_t challenge[MSCHAP_V1_CHALLENGE_LEN],
			    const char *password, uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN],
			    struct mppe_keys *keys);

/* ---- Failure messages ---- */

/* An MS-CHAP Failure message (RFC 2433 §5, RFC 2759 §6):
 * "E=eeeeeeeeee R=r C=cccc... V=vvvvvvvvvv M=<msg>". */
struct mschap_failure {
	long error;                 /* -1: none */
	long retry;                 /* -1: none */
	const uint8_t *text;        /* M= text, or the whole message without E= */
	size_t text_len;
};

void mschap_parse_failure(const uint8_t *msg, size_t len, struct mschap_failure *f);

/* A sentence for a failure, naming method ("MS-CHAPv2", "EAP-MSCHAPv2"):
 * the Windows error's meaning, its number and the server's text,
 * sanitized.  For a plain CHAP failure give error -1 and the message as text. */
void mschap_failure_sentence(const struct mschap_failure *f, const char *method, char *out,
			     size_t size);

#endif
