/* pap.c -- the PAP client (RFC 1334 §2): send the user name and password in
 * an Authenticate-Request until the server acks or naks it.
 *
 * The password crosses the link in the clear; the session warns about PAP
 * elsewhere.  The request is built on the stack and wiped once sent, never
 * kept: a retransmission builds it again from the configuration. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "auth-methods.h"

/* RFC 1334 §2.2 codes */
#define PAP_AUTH_REQ  1
#define PAP_AUTH_ACK  2
#define PAP_AUTH_NAK  3

/* RFC 1334 §2.2.1 leaves the timer to us; pppd: 3 s, 10 requests. */
#define PAP_RESTART_MS   3000
#define PAP_MAX_REQUESTS 10
#define SERVER_TEXT_MAX  200

enum pap_state {
	PAP_INITIAL = 0,
	PAP_SENT,       /* waiting for Ack/Nak, retransmitting */
	PAP_OK,
	PAP_FAILED,
};

static const char *const pap_state_names[] = {
	[PAP_INITIAL] = "initial",
	[PAP_SENT] = "request-sent",
	[PAP_OK] = "authenticated",
	[PAP_FAILED] = "failed",
};

struct pap {
	struct auth_client ac;
	struct wv_timer timer;
	enum pap_state state;
	uint8_t first_id;     /* our requests used first_id .. first_id + sent - 1 */
	unsigned sent;
};

static const struct wv_log *pap_log(const struct pap *p)
{
	return ppp_log(p->ac.ppp);
}

static void pap_set_state(struct pap *p, enum pap_state st, const char *why)
{
	if (p->state != st)
		wv_dbg(pap_log(p), "AUTH", "PAP: %s -> %s (%s)", pap_state_names[p->state],
		       pap_state_names[st], why);
	p->state = st;
}

/* Reports the end.  Last thing a handler does: the core may free us. */
static void pap_fail(struct pap *p, enum wv_fail why, const char *msg)
{
	wv_timer_cancel(ppp_loop(p->ac.ppp), &p->timer);
	pap_set_state(p, PAP_FAILED, "failure");
	ppp_auth_failure(p->ac.ppp, why, msg);
}

static void pap_send_request(struct pap *p)
{
	const struct ppp_config *cfg = ppp_config(p->ac.ppp);
	const char *password = cfg->password ? cfg->password : "";
	size_t plen = strlen(password), len;
	/* Code, Identifier, Length, Peer-ID-Length, Peer-ID, Passwd-Length, Passwd */
	uint8_t pkt[4 + 1 + 255 + 1 + 255];
	char name[256];
	int nlen;

	nlen = auth_peer_name(cfg, name, sizeof(name));
	if (nlen < 0) {
		pap_fail(p, WV_FAIL_CONFIG,
			 _("the user name (with its domain) is longer than the 255 octets PAP "
			   "allows"));
		return;
	}
	if (plen > 255) {
		pap_fail(p, WV_FAIL_CONFIG,
			 _("the password is longer than the 255 octets PAP allows"));
		return;
	}
	len = 4 + 1 + (size_t)nlen + 1 + plen;
	pkt[0] = PAP_AUTH_REQ;
	/* RFC 1334 §2.2.1: the Identifier changes with every request sent. */
	pkt[1] = (uint8_t)(p->first_id + p->sent);
	store_be16(pkt + 2, (uint16_t)len);
	pkt[4] = (uint8_t)nlen;
	memcpy(pkt + 5, name, (size_t)nlen);
	pkt[5 + nlen] = (uint8_t)plen;
	memcpy(pkt + 6 + nlen, password, plen);

	wv_dbg(pap_log(p), "AUTH", "PAP: Authenticate-Request id %u as \"%s\" (%u of %u)", pkt[1],
	       name, p->sent + 1, PAP_MAX_REQUESTS);
	p->sent++;
	pap_set_state(p, PAP_SENT, "request sent");
	wv_timer_arm(ppp_loop(p->ac.ppp), &p->timer, PAP_RESTART_MS);
	if (ppp_send_ctrl(p->ac.ppp, PPP_PAP, pkt, len) < 0)
		wv_dbg(pap_log(p), "AUTH", "PAP: could not send the request");
	wv_wipe(pkt, sizeof(pkt));
}

static void pap_timeout(void *arg)
{
	struct pap *p = arg;
	char msg[256];

	if (p->state != PAP_SENT)
		return;
	if (p->sent >= PAP_MAX_REQUESTS) {
		snprintf(msg, sizeof(msg),
			 _("the server did not answer the PAP authentication request (%u "
			   "requests in %u seconds)"),
			 PAP_MAX_REQUESTS, PAP_MAX_REQUESTS * PAP_RESTART_MS / 1000);
		pap_fail(p, WV_FAIL_PEER_DEAD, msg);
		return;
	}
	pap_send_request(p);
}

static void pap_input(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	struct pap *p = (struct pap *)ac;
	const struct wv_log *lg = pap_log(p);
	struct rd r = rd_init(buf, len), body;
	char said[SERVER_TEXT_MAX], sentence[512];
	const uint8_t *msg = NULL;
	size_t msg_len = 0;
	uint8_t code, id;
	uint16_t plen;

	code = rd_u8(&r);
	id = rd_u8(&r);
	plen = rd_be16(&r);
	if (!rd_ok(&r) || plen < 4 || plen > len) {
		wv_dbg(lg, "AUTH", "PAP: malformed packet of %zu octets ignored", len);
		return;
	}
	body = rd_sub(&r, plen - 4u);
	if (code != PAP_AUTH_ACK && code != PAP_AUTH_NAK) {
		/* An Authenticate-Request is for authenticators; we are none. */
		wv_dbg(lg, "AUTH", "PAP: code %u ignored", code);
		return;
	}
	if (p->state != PAP_SENT) {
		wv_dbg(lg, "AUTH", "PAP: reply ignored (%s)", pap_state_names[p->state]);
		return;
	}
	/* Any of our requests may be the one answered: they all carried the
	 * same credentials. */
	if ((uint8_t)(id - p->first_id) >= p->sent) {
		wv_dbg(lg, "AUTH", "PAP: reply id %u matches no request", id);
		return;
	}
	/* RFC 1334 §2.2.2: Msg-Length, Message.  Some servers leave both out
	 * (pppd accepts that); a Msg-Length past the end is malformed. */
	if (rd_left(&body)) {
		msg_len = rd_u8(&body);
		msg = rd_bytes(&body, msg_len);
		if (!msg) {
			wv_dbg(lg, "AUTH", "PAP: reply with a bad Msg-Length ignored");
			return;
		}
	}
	auth_sanitize(msg, msg_len, said, sizeof(said));
	wv_timer_cancel(ppp_loop(p->ac.ppp), &p->timer);
	if (code == PAP_AUTH_ACK) {
		if (*said)
			wv_dbg(lg, "AUTH", "PAP: success; the server says \"%s\"", said);
		pap_set_state(p, PAP_OK, "ack");
		ppp_auth_success(p->ac.ppp, NULL);
		return;
	}
	if (*said)
		snprintf(sentence, sizeof(sentence),
			 _("the server rejected the user name or password (PAP); the server "
			   "said: \"%s\""),
			 said);
	else
		snprintf(sentence, sizeof(sentence), "%s",
			 _("the server rejected the user name or password (PAP)"));
	pap_fail(p, WV_FAIL_AUTH, sentence);
}

static void pap_start(struct auth_client *ac)
{
	struct pap *p = (struct pap *)ac;

	if (p->state != PAP_INITIAL)
		return;
	pap_send_request(p);
}

static void pap_free(struct auth_client *ac)
{
	struct pap *p = (struct pap *)ac;

	wv_timer_cancel(ppp_loop(p->ac.ppp), &p->timer);
	wv_wipe(p, sizeof(*p));
	free(p);
}

static const struct auth_client_ops pap_ops = {
	.start = pap_start,
	.input = pap_input,
	.free = pap_free,
};

struct auth_client *pap_client_new(struct ppp *ppp)
{
	struct pap *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ac.ops = &pap_ops;
	p->ac.ppp = ppp;
	p->first_id = 1;
	wv_timer_init(&p->timer, pap_timeout, p);
	return &p->ac;
}
