/* auth-methods.h -- between the authentication methods' own files: chap.c
 * holds the auth_* entry points of auth.h and the CHAP family, pap.c the PAP
 * client.  Internal to client/ppp; the PPP core uses auth.h only. */
#ifndef WV_PPP_AUTH_METHODS_H
#define WV_PPP_AUTH_METHODS_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"

/* One row per method kind; every method's client starts with struct auth_client. */
struct auth_client_ops {
	void (*start)(struct auth_client *ac);
	void (*input)(struct auth_client *ac, const uint8_t *buf, size_t len);
	void (*free)(struct auth_client *ac);
};

struct auth_client {
	const struct auth_client_ops *ops;
	struct ppp *ppp;
};

struct auth_client *pap_client_new(struct ppp *ppp);

/* The name we authenticate as: "DOMAIN\user" when a domain is set (and the
 * user name has none of its own), else the user name.  Returns its length, or
 * -ENAMETOOLONG if it does not fit in size (NUL included). */
int auth_peer_name(const struct ppp_config *cfg, char *buf, size_t size);
/* Copies a server's text for a log line or a sentence: printable ASCII only
 * (anything else becomes '?'), at most size - 1 characters, "..." when cut. */
void auth_sanitize(const uint8_t *in, size_t len, char *out, size_t size);

#endif
