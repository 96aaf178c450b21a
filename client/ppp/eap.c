/* eap.c -- the EAP peer inside PPP (RFC 3748, LCP Authentication-Protocol
 * 0xc227) and its methods: EAP-MD5 (§5.4, CHAP-MD5's computation),
 * EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2; RFC 2759's computations
 * from mschap.c, with the server's authenticator checked), EAP-TLS
 * (RFC 5216, TLS in eap-tls.c) and PEAPv0 ([MS-PEAP]: the same TLS without
 * a client certificate, then a second peer of this file inside the tunnel
 * doing EAP-MSCHAPv2 with compressed headers, ended by the Result TLV;
 * crypto-binding is refused with a sentence).
 *
 * The server drives: Identity, then a method's Requests.  We answer a
 * method we may not use with a legacy Nak listing those we may (§5.3.1),
 * repeat our last Response when a Request comes again with the same
 * Identifier (§4.1: ours was lost), log Notifications, and learn the end
 * from Success or Failure.  A Success before a mutually authenticating
 * method (MSCHAPv2, TLS) has proved the server is refused (§4.2, §7.2).
 * MPPE keys: EAP-MSCHAPv2 gives MS-CHAPv2's (RFC 3079), as its MSK is made of
 * them; EAP-TLS and PEAP give MSK(0,31) to send and MSK(32,63) to receive
 * (RFC 5216 §2.3: MS-MPPE-Recv-Key is the authenticator's receive key, our
 * send key).
 * Packets are never hex-dumped: they carry what a password could be attacked
 * with. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "crypto.h"
#include "log.h"
#include "rd.h"
#include "eap.h"
#include "mschap.h"

/* Our Identity and names: "DOMAIN\user" with long names. */
#define EAP_NAME_MAX     512
/* Our largest Response: a TLS fragment with its headers, or MSCHAPv2's. */
#define EAP_PKT_MAX      (5 + 5 + EAP_TLS_FRAG + EAP_NAME_MAX)
#define SERVER_TEXT_MAX  200

enum eap_state {
	EAP_IDLE = 0,      /* no method yet (Identity, Notification) */
	EAP_METHOD,        /* a method is running */
	EAP_METHOD_DONE,   /* the method finished on our side: Success may come */
	EAP_OK,            /* Success accepted */
	EAP_FAILED,        /* outcome reported; ignore everything */
};

static const char *const eap_state_names[] = {
	[EAP_IDLE] = "idle",
	[EAP_METHOD] = "method",
	[EAP_METHOD_DONE] = "method-done",
	[EAP_OK] = "authenticated",
	[EAP_FAILED] = "failed",
};

struct eap {
	struct auth_client ac;
	enum eap_state state;
	uint8_t method;               /* the method's type, 0 before one */
	bool succeeded;               /* ppp_auth_success() was called */
	/* §4.1: the last Request's Identifier and our Response to it */
	bool have_last;
	uint8_t last_id;
	size_t resp_len;
	uint8_t resp[EAP_PKT_MAX];
	/* the types we declined, for the sentence if the server gives up */
	uint8_t declined[8];
	unsigned n_declined;
	/* EAP-MSCHAPv2: the S= we expect and a Failure's sentence */
	uint8_t auth_response[MSCHAP_AUTH_RESPONSE_LEN];
	char ms_failure[400];
	struct mppe_keys keys;
	struct eap_tls *tls;
	/* PEAP: the inner EAP peer inside the tunnel, and for the inner one
	 * its outer; the outer Request being answered; whether the inner
	 * exchange produced our Response to it; the Result TLV's verdict. */
	struct eap *inner, *outer;
	uint8_t peap_id;
	bool peap_replied;
	char peap_failure[420];
};

static void eap_peap_inner_send(struct eap *outer, const uint8_t *pkt, size_t len);
static void eap_free(struct auth_client *ac);

const char *eap_type_name(uint8_t type, char *buf, size_t len)
{
	switch (type) {
	case EAP_IDENTITY: return "Identity";
	case EAP_NOTIFICATION: return "Notification";
	case EAP_NAK: return "Nak";
	case EAP_MD5: return "EAP-MD5";
	case EAP_TLS: return "EAP-TLS";
	case EAP_PEAP: return "PEAP";
	case EAP_MSCHAPV2: return "EAP-MSCHAPv2";
	default:
		snprintf(buf, len, "EAP type %u", type);
		return buf;
	}
}

static const struct wv_log *eap_log(const struct eap *e)
{
	return ppp_log(e->ac.ppp);
}

static const struct ppp_config *eap_cfg(const struct eap *e)
{
	return ppp_config(e->ac.ppp);
}

static void eap_set_state(struct eap *e, enum eap_state st, const char *why)
{
	if (e->state != st)
		wv_dbg(eap_log(e), "AUTH", "EAP: %s -> %s (%s)", eap_state_names[e->state],
		       eap_state_names[st], why);
	e->state = st;
}

/* Reports the end.  Last thing a handler does: the core may free us. */
static void eap_fail(struct eap *e, enum wv_fail why, const char *msg)
{
	eap_set_state(e, EAP_FAILED, "failure");
	wv_wipe(&e->keys, sizeof(e->keys));
	wv_wipe(e->auth_response, sizeof(e->auth_response));
	ppp_auth_failure(e->ac.ppp, why, msg);
}

static bool mppe_required(const struct ppp_config *cfg)
{
	return cfg->require_mppe || cfg->require_mppe_40 || cfg->require_mppe_128;
}

/* May we authenticate with this type?  user-auth-type=tls allows EAP-TLS
 * only; a password allows MD5 (unless MPPE is required: it has no keys)
 * and MSCHAPv2. */
static bool eap_type_ok(const struct eap *e, const struct ppp_config *cfg, uint8_t type)
{
	/* Inside PEAP's tunnel: EAP-MSCHAPv2, as Windows' "Secured password". */
	if (e->outer)
		return type == EAP_MSCHAPV2;
	switch (type) {
	case EAP_PEAP:
		return !cfg->eap_tls;
	case EAP_TLS:
		return cfg->eap_tls;
	case EAP_MSCHAPV2:
		return !cfg->eap_tls;
	case EAP_MD5:
		return !cfg->eap_tls && !mppe_required(cfg);
	default:
		return false;
	}
}

/* Why we decline a type, for the user. */
static const char *eap_decline_reason(const struct ppp_config *cfg, uint8_t type)
{
	if (type == EAP_TLS)
		return _("it needs user-auth-type=tls and a user certificate");
	if (cfg->eap_tls && (type == EAP_MD5 || type == EAP_MSCHAPV2))
		return _("the settings ask for EAP-TLS (user-auth-type=tls)");
	if (type == EAP_MD5 && mppe_required(cfg))
		return _("it gives no MPPE keys and the settings require MPPE");
	return _("winvpn does not support it");
}

/* ---- sending ---------------------------------------------------------------------- */

static void eap_send_cached(struct eap *e)
{
	if (e->outer) {
		eap_peap_inner_send(e->outer, e->resp, e->resp_len);
		return;
	}
	if (ppp_send_ctrl(e->ac.ppp, PPP_EAP, e->resp, e->resp_len) < 0)
		wv_dbg(eap_log(e), "AUTH", "EAP: could not send the Response");
}

/* Response (§4.1) of the given type; becomes the cached answer to id. */
static void eap_respond(struct eap *e, uint8_t id, uint8_t type, const uint8_t *data,
			size_t len)
{
	if (len > sizeof(e->resp) - 5)
		return;    /* our own sizes keep below this */
	e->resp_len = 5 + len;
	e->resp[0] = EAP_RESPONSE;
	e->resp[1] = id;
	store_be16(e->resp + 2, (uint16_t)e->resp_len);
	e->resp[4] = type;
	if (len)
		memcpy(e->resp + 5, data, len);
	e->have_last = true;
	e->last_id = id;
	eap_send_cached(e);
}

/* Legacy Nak (§5.3.1): the types we would use, in our order of preference,
 * or 0 when none. */
static void eap_nak(struct eap *e, uint8_t id, uint8_t type)
{
	static const uint8_t pref[] = { EAP_TLS, EAP_MSCHAPV2, EAP_PEAP, EAP_MD5 };
	const struct ppp_config *cfg = eap_cfg(e);
	uint8_t want[ARRAY_SIZE(pref)];
	char nbuf[24], list[80] = "";
	size_t n = 0, i;

	for (i = 0; i < ARRAY_SIZE(pref); i++)
		if (eap_type_ok(e, cfg, pref[i]))
			want[n++] = pref[i];
	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 eap_type_name(want[i], nbuf, sizeof(nbuf)));
	wv_info(eap_log(e), "AUTH", "the gateway asks for %s; declined (%s), proposing %s",
		eap_type_name(type, nbuf, sizeof(nbuf)), eap_decline_reason(cfg, type),
		n ? list : "nothing");
	for (i = 0; i < e->n_declined; i++)
		if (e->declined[i] == type)
			break;
	if (i == e->n_declined && e->n_declined < ARRAY_SIZE(e->declined))
		e->declined[e->n_declined++] = type;
	if (!n) {
		want[0] = 0;
		n = 1;
	}
	eap_respond(e, id, EAP_NAK, want, n);
}

/* ---- Identity and Notification ---------------------------------------------------- */

static void eap_identity(struct eap *e, uint8_t id, const uint8_t *data, size_t len)
{
	char name[EAP_NAME_MAX + 1], said[SERVER_TEXT_MAX];
	int n;

	/* §5.1: the Request may carry a displayable message. */
	auth_sanitize(data, len, said, sizeof(said));
	n = auth_peer_name(eap_cfg(e), name, sizeof(name));
	if (n < 0) {
		eap_fail(e, WV_FAIL_CONFIG, _("the user name (with its domain) is too long for EAP"));
		return;
	}
	if (n == 0 && eap_cfg(e)->eap_tls) {
		/* EAP-TLS without a user name: the certificate's name, as
		 * Windows sends (pppd matches it against the certificate). */
		char *err = NULL;
		struct eap_tls *t = eap_tls_new(eap_cfg(e), eap_log(e), true, &err);

		free(err);       /* reported when the TLS exchange starts */
		n = t ? eap_tls_cert_name(t, name, sizeof(name)) : -ENOENT;
		eap_tls_free(t);
		if (n < 0) {
			name[0] = '\0';
			n = 0;
		}
	}
	wv_dbg(eap_log(e), "AUTH", "EAP: Identity request id %u%s%s%s; answering \"%s\"", id,
	       *said ? " (\"" : "", said, *said ? "\")" : "", name);
	eap_respond(e, id, EAP_IDENTITY, (const uint8_t *)name, (size_t)n);
}

static void eap_notification(struct eap *e, uint8_t id, const uint8_t *data, size_t len)
{
	char said[SERVER_TEXT_MAX];

	auth_sanitize(data, len, said, sizeof(said));
	wv_info(eap_log(e), "AUTH", "the gateway says: \"%s\"", said);
	/* §5.2: the Response has no Type-Data. */
	eap_respond(e, id, EAP_NOTIFICATION, NULL, 0);
}

/* ---- EAP-MD5 ------------------------------------------------------------------------ */

static void eap_md5(struct eap *e, uint8_t id, const uint8_t *data, size_t len)
{
	const struct ppp_config *cfg = eap_cfg(e);
	const char *password = cfg->password ? cfg->password : "";
	struct rd r = rd_init(data, len);
	uint8_t out[1 + 16 + EAP_NAME_MAX], *buf = NULL;
	char name[EAP_NAME_MAX + 1];
	const uint8_t *chal;
	size_t clen, plen = strlen(password);
	int n;

	/* §5.4: Value-Size, Value (the challenge), Name */
	clen = rd_u8(&r);
	chal = rd_bytes(&r, clen);
	if (!chal || clen == 0) {
		wv_dbg(eap_log(e), "AUTH", "EAP-MD5: malformed Challenge ignored");
		return;
	}
	n = auth_peer_name(cfg, name, sizeof(name));
	if (n < 0) {
		eap_fail(e, WV_FAIL_CONFIG, _("the user name (with its domain) is too long for EAP"));
		return;
	}
	/* RFC 1994 §4.1: MD5(Identifier | secret | Challenge) */
	buf = malloc(1 + plen + clen);
	if (!buf) {
		eap_fail(e, WV_FAIL_LOCAL, _("out of memory"));
		return;
	}
	buf[0] = id;
	memcpy(buf + 1, password, plen);
	memcpy(buf + 1 + plen, chal, clen);
	out[0] = 16;
	if (wv_md5(buf, 1 + plen + clen, out + 1) < 0) {
		wv_wipe(buf, 1 + plen + clen);
		free(buf);
		eap_fail(e, WV_FAIL_LOCAL, _("OpenSSL could not compute the EAP-MD5 response"));
		return;
	}
	wv_wipe(buf, 1 + plen + clen);
	free(buf);
	memcpy(out + 17, name, (size_t)n);
	wv_dbg(eap_log(e), "AUTH", "EAP-MD5: Challenge id %u answered as \"%s\"", id, name);
	eap_set_state(e, EAP_METHOD_DONE, "MD5 response sent");
	eap_respond(e, id, EAP_MD5, out, 17 + (size_t)n);
	wv_wipe(out, sizeof(out));
}

/* ---- EAP-MSCHAPv2 ------------------------------------------------------------------- */

static void eap_mschapv2_challenge(struct eap *e, uint8_t id, uint8_t ms_id, struct rd *r)
{
	const struct ppp_config *cfg = eap_cfg(e);
	const char *password = cfg->password ? cfg->password : "";
	uint8_t out[4 + 1 + MSCHAP_RESPONSE_LEN + EAP_NAME_MAX], *v = out + 5;
	char name[EAP_NAME_MAX + 1], msg[300];
	struct mschapv2_client c;
	const uint8_t *chal;
	size_t vsize, ms_len;
	int n, ret;

	vsize = rd_u8(r);
	chal = rd_bytes(r, vsize);
	if (!chal || vsize != MSCHAP_V2_CHALLENGE_LEN) {
		wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: malformed Challenge ignored");
		return;
	}
	n = auth_peer_name(cfg, name, sizeof(name));
	if (n < 0) {
		eap_fail(e, WV_FAIL_CONFIG, _("the user name (with its domain) is too long for EAP"));
		return;
	}
	/* RFC 2759 §4 Response value: Peer-Challenge[16] Reserved[8]
	 * NT-Response[24] Flags[1] */
	memset(v, 0, MSCHAP_RESPONSE_LEN);
	ret = wv_random(v, MSCHAP_V2_CHALLENGE_LEN);
	if (!ret)
		ret = mschapv2_client_compute(chal, v, name, password, &c);
	if (ret) {
		wv_wipe(&c, sizeof(c));
		if (ret == -EINVAL)
			snprintf(msg, sizeof(msg),
				 _("the password cannot be used with EAP-MSCHAPv2: it must be valid "
				   "UTF-8 and at most %d characters long"), MSCHAP_MAX_PASSWORD);
		else
			snprintf(msg, sizeof(msg),
				 _("OpenSSL could not compute the EAP-MSCHAPv2 response"));
		eap_fail(e, ret == -EINVAL ? WV_FAIL_CONFIG : WV_FAIL_LOCAL, msg);
		return;
	}
	memcpy(v + 24, c.nt_response, MSCHAP_NT_RESPONSE_LEN);
	memcpy(e->auth_response, c.auth_response, sizeof(e->auth_response));
	memcpy(e->keys.send, c.send_key, sizeof(e->keys.send));
	memcpy(e->keys.recv, c.recv_key, sizeof(e->keys.recv));
	e->keys.valid = true;
	wv_wipe(&c, sizeof(c));
	/* draft §2.2: OpCode, MS-CHAPv2-ID, MS-Length (from OpCode on),
	 * Value-Size, Value, Name */
	ms_len = 4 + 1 + MSCHAP_RESPONSE_LEN + (size_t)n;
	out[0] = MSV2_OP_RESPONSE;
	out[1] = ms_id;
	store_be16(out + 2, (uint16_t)ms_len);
	out[4] = MSCHAP_RESPONSE_LEN;
	memcpy(out + 5 + MSCHAP_RESPONSE_LEN, name, (size_t)n);
	wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: Challenge id %u answered as \"%s\"", id, name);
	eap_set_state(e, EAP_METHOD, "MSCHAPv2 response sent");
	eap_respond(e, id, EAP_MSCHAPV2, out, ms_len);
	wv_wipe(out, sizeof(out));
}

static void eap_mschapv2_success(struct eap *e, uint8_t id, struct rd *r)
{
	const uint8_t *text = NULL;
	size_t text_len = 0;
	char said[SERVER_TEXT_MAX];
	uint8_t op = MSV2_OP_SUCCESS;
	int ret;

	if (!e->keys.valid) {
		wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: Success before our Response ignored");
		return;
	}
	ret = mschapv2_check_success(e->auth_response, r->p, rd_left(r), &text, &text_len);
	if (ret) {
		wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: Success %s", ret == -EBADMSG ?
		       "without a well-formed S=" : "with the wrong S=");
		eap_fail(e, WV_FAIL_PROTOCOL,
			 _("the server could not prove it knows the password "
			   "(EAP-MSCHAPv2 mutual authentication failed)"));
		return;
	}
	auth_sanitize(text, text_len, said, sizeof(said));
	wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: the server proved it knows the password%s%s%s",
	       *said ? "; it says \"" : "", said, *said ? "\"" : "");
	eap_set_state(e, EAP_METHOD_DONE, "server authenticated");
	/* draft §2.4: the Response is the Success OpCode alone. */
	eap_respond(e, id, EAP_MSCHAPV2, &op, 1);
}

static void eap_mschapv2_failure(struct eap *e, uint8_t id, struct rd *r)
{
	uint8_t op = MSV2_OP_FAILURE;
	struct mschap_failure f;

	mschap_parse_failure(r->p, rd_left(r), &f);
	mschap_failure_sentence(&f, "EAP-MSCHAPv2", e->ms_failure, sizeof(e->ms_failure));
	wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: Failure request: %s", e->ms_failure);
	wv_wipe(&e->keys, sizeof(e->keys));
	/* draft §2.5: acknowledge; the EAP Failure follows. */
	eap_respond(e, id, EAP_MSCHAPV2, &op, 1);
}

static void eap_mschapv2(struct eap *e, uint8_t id, const uint8_t *data, size_t len)
{
	struct rd r = rd_init(data, len), body;
	uint8_t op, ms_id;
	uint16_t ms_len;

	op = rd_u8(&r);
	ms_id = rd_u8(&r);
	ms_len = rd_be16(&r);
	/* MS-Length counts from the OpCode; servers disagree about trailing
	 * octets, so it may not exceed what came but may fall short of it. */
	if (!rd_ok(&r) || ms_len < 4 || ms_len > len) {
		wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: malformed request ignored");
		return;
	}
	body = rd_sub(&r, ms_len - 4u);
	switch (op) {
	case MSV2_OP_CHALLENGE:
		eap_mschapv2_challenge(e, id, ms_id, &body);
		break;
	case MSV2_OP_SUCCESS:
		eap_mschapv2_success(e, id, &body);
		break;
	case MSV2_OP_FAILURE:
		eap_mschapv2_failure(e, id, &body);
		break;
	default:
		wv_dbg(eap_log(e), "AUTH", "EAP-MSCHAPv2: OpCode %u ignored", op);
		break;
	}
}

/* ---- EAP-TLS ------------------------------------------------------------------------ */

static void eap_tls(struct eap *e, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t out[5 + EAP_TLS_FRAG];
	size_t out_len = 0;
	char *err = NULL;

	if (!e->tls) {
		if (len < 1 || !(data[0] & EAP_TLS_FLAG_S)) {
			wv_dbg(eap_log(e), "AUTH", "EAP-TLS: request before the Start ignored");
			return;
		}
		e->tls = eap_tls_new(eap_cfg(e), eap_log(e), true, &err);
		if (!e->tls) {
			char msg[512];
			snprintf(msg, sizeof(msg), "EAP-TLS: %s", err ? err : _("out of memory"));
			free(err);
			eap_fail(e, WV_FAIL_CONFIG, msg);
			return;
		}
	}
	switch (eap_tls_input(e->tls, data, len, out, &out_len)) {
	case EAP_TLS_REPLY:
		eap_respond(e, id, EAP_TLS, out, out_len);
		break;
	case EAP_TLS_DONE:
		eap_set_state(e, EAP_METHOD_DONE, "TLS handshake complete");
		eap_respond(e, id, EAP_TLS, out, out_len);
		break;
	case EAP_TLS_IGNORE:
	case EAP_TLS_APPDATA:     /* only PEAP's tunnel carries data */
		break;
	case EAP_TLS_FAILED: {
		char msg[512];
		snprintf(msg, sizeof(msg), "EAP-TLS: %s", eap_tls_error(e->tls));
		/* Our side refused the server (its certificate) or it refused
		 * us: either way the credentials did not pass. */
		eap_fail(e, WV_FAIL_AUTH, msg);
		break;
	}
	}
}

/* ---- PEAP (PEAPv0 with EAP-MSCHAPv2 inside, [MS-PEAP]) ------------------------------ */

static const struct auth_client_ops eap_ops;
static void eap_input(struct auth_client *ac, const uint8_t *buf, size_t len);

/* An inner packet the inner peer sends: PEAPv0 leaves out the EAP header
 * (Code, Identifier, Length) except for Extensions ([MS-PEAP] §3.1.5.6). */
static void eap_peap_inner_send(struct eap *e, const uint8_t *pkt, size_t len)
{
	uint8_t out[5 + EAP_TLS_FRAG];
	size_t out_len = 0;

	if (len < 5 || e->state == EAP_FAILED)
		return;
	if (pkt[4] != EAP_EXTENSIONS) {
		pkt += 4;
		len -= 4;
	}
	if (eap_tls_write(e->tls, pkt, len) < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "PEAP: %s", eap_tls_error(e->tls));
		eap_fail(e, WV_FAIL_PROTOCOL, msg);
		return;
	}
	eap_tls_next(e->tls, out, &out_len);
	e->peap_replied = true;
	eap_respond(e, e->peap_id, EAP_PEAP, out, out_len);
}

/* Extensions (type 33): the Result TLV ends the inner exchange. */
static void eap_peap_extensions(struct eap *e, const uint8_t *pkt, size_t len)
{
	struct rd r = rd_init(pkt + 5, len - 5);
	uint8_t resp[4 + 1 + 6];
	int result = 0;
	bool binding = false;

	while (rd_left(&r) >= 4) {
		uint16_t t = rd_be16(&r), n = rd_be16(&r);
		struct rd v = rd_sub(&r, n);

		if (!rd_ok(&r))
			break;
		if ((t & 0x3fff) == PEAP_TLV_RESULT && n == 2)
			result = rd_be16(&v);
		else if ((t & 0x3fff) == PEAP_TLV_CRYPTO_BINDING)
			binding = true;
	}
	if (binding) {
		eap_fail(e, WV_FAIL_PROPOSAL,
			 _("the server requires PEAP crypto-binding, which winvpn does not support "
			   "yet"));
		return;
	}
	if (result != 1 && result != 2) {
		wv_dbg(eap_log(e), "AUTH", "PEAP: Extensions without a Result ignored");
		return;
	}
	if (result == 1 && e->inner->state != EAP_METHOD_DONE) {
		/* The server claims success before it proved itself inside. */
		eap_fail(e, WV_FAIL_PROTOCOL,
			 _("the server reported PEAP success before EAP-MSCHAPv2 had finished; "
			   "refusing it (the server did not authenticate itself)"));
		return;
	}
	if (result == 2) {
		if (e->inner->ms_failure[0])
			snprintf(e->peap_failure, sizeof(e->peap_failure), "%s (PEAP)",
				 e->inner->ms_failure);
		else
			snprintf(e->peap_failure, sizeof(e->peap_failure),
				 _("the server rejected the user name or password (PEAP)"));
	}
	wv_dbg(eap_log(e), "AUTH", "PEAP: Result TLV %s", result == 1 ? "success" : "failure");
	/* Answer with the same Result (full header: Extensions are not
	 * compressed), M bit set as the server does. */
	resp[0] = EAP_RESPONSE;
	resp[1] = pkt[1];
	store_be16(resp + 2, sizeof(resp));
	resp[4] = EAP_EXTENSIONS;
	store_be16(resp + 5, 0x8000 | PEAP_TLV_RESULT);
	store_be16(resp + 7, 2);
	store_be16(resp + 9, (uint16_t)result);
	if (result == 1)
		eap_set_state(e, EAP_METHOD_DONE, "PEAP inner authentication done");
	eap_peap_inner_send(e, resp, sizeof(resp));
}

/* One decrypted inner packet. */
static void eap_peap_inner_input(struct eap *e, const uint8_t *buf, size_t len)
{
	uint8_t pkt[4 + 4096];

	/* A full packet (Extensions; some servers send every packet so) or a
	 * compressed one: Type and data, the Identifier the outer one's. */
	if (len >= 5 && buf[0] >= EAP_REQUEST && buf[0] <= EAP_FAILURE &&
	    load_be16(buf + 2) == len) {
		if (buf[0] == EAP_REQUEST && buf[4] == EAP_EXTENSIONS) {
			eap_peap_extensions(e, buf, len);
			return;
		}
		eap_input(&e->inner->ac, buf, len);
		return;
	}
	if (len < 1 || len > sizeof(pkt) - 4)
		return;
	pkt[0] = EAP_REQUEST;
	pkt[1] = e->peap_id;
	store_be16(pkt + 2, (uint16_t)(4 + len));
	memcpy(pkt + 4, buf, len);
	eap_input(&e->inner->ac, pkt, 4 + len);
}

static void eap_peap_tunnel(struct eap *e, const uint8_t *ack, size_t ack_len)
{
	uint8_t buf[4096];
	int n;

	e->peap_replied = false;
	while (e->state != EAP_FAILED && e->inner->state != EAP_FAILED &&
	       (n = eap_tls_read(e->tls, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			char msg[512];
			snprintf(msg, sizeof(msg), "PEAP: %s", eap_tls_error(e->tls));
			eap_fail(e, WV_FAIL_PROTOCOL, msg);
			return;
		}
		eap_peap_inner_input(e, buf, (size_t)n);
	}
	wv_wipe(buf, sizeof(buf));
	/* The inner peer reported its failure to the core already. */
	if (e->inner->state == EAP_FAILED) {
		eap_set_state(e, EAP_FAILED, "PEAP inner failure");
		return;
	}
	if (e->state != EAP_FAILED && !e->peap_replied)
		eap_respond(e, e->peap_id, EAP_PEAP, ack, ack_len);
}

static void eap_peap(struct eap *e, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t out[5 + EAP_TLS_FRAG];
	size_t out_len = 0;
	char *err = NULL, msg[512];

	if (!e->tls) {
		if (len < 1 || !(data[0] & EAP_TLS_FLAG_S)) {
			wv_dbg(eap_log(e), "AUTH", "PEAP: request before the Start ignored");
			return;
		}
		/* We speak PEAPv0, which our flags (version 0) tell the server. */
		wv_dbg(eap_log(e), "AUTH", "PEAP: start, server version %u", data[0] & EAP_PEAP_VERSION);
		e->tls = eap_tls_new(eap_cfg(e), eap_log(e), false, &err);
		e->inner = calloc(1, sizeof(*e->inner));
		if (!e->tls || !e->inner) {
			snprintf(msg, sizeof(msg), "PEAP: %s", err ? err : _("out of memory"));
			free(err);
			eap_fail(e, e->tls ? WV_FAIL_LOCAL : WV_FAIL_CONFIG, msg);
			return;
		}
		e->inner->ac.ops = &eap_ops;
		e->inner->ac.ppp = e->ac.ppp;
		e->inner->outer = e;
	}
	e->peap_id = id;
	switch (eap_tls_input(e->tls, data, len, out, &out_len)) {
	case EAP_TLS_REPLY:
		eap_respond(e, id, EAP_PEAP, out, out_len);
		break;
	case EAP_TLS_DONE:
		/* Inner data may come with the server's Finished. */
		eap_peap_tunnel(e, out, out_len);
		break;
	case EAP_TLS_APPDATA:
		eap_tls_next(e->tls, out, &out_len);
		eap_peap_tunnel(e, out, out_len);
		break;
	case EAP_TLS_IGNORE:
		break;
	case EAP_TLS_FAILED:
		snprintf(msg, sizeof(msg), "PEAP: %s", eap_tls_error(e->tls));
		eap_fail(e, WV_FAIL_AUTH, msg);
		break;
	}
}

/* ---- the exchange ------------------------------------------------------------------- */

static void eap_request(struct eap *e, uint8_t id, uint8_t type, const uint8_t *data,
			size_t len)
{
	const struct ppp_config *cfg = eap_cfg(e);
	char nbuf[24];

	if (e->state == EAP_FAILED)
		return;
	/* §4.1: a Request with the Identifier we last answered is a
	 * retransmission: our Response was lost; send it again unchanged. */
	if (e->have_last && id == e->last_id) {
		wv_dbg(eap_log(e), "AUTH", "EAP: Request id %u repeated; sending the same Response",
		       id);
		eap_send_cached(e);
		return;
	}
	switch (type) {
	case EAP_IDENTITY:
		eap_identity(e, id, data, len);
		return;
	case EAP_NOTIFICATION:
		eap_notification(e, id, data, len);
		return;
	case EAP_NAK:
	case EAP_EXPANDED + 1:   /* 255, Experimental: never for us */
		wv_dbg(eap_log(e), "AUTH", "EAP: Request of type %u ignored", type);
		return;
	default:
		break;
	}
	if (!eap_type_ok(e, cfg, type)) {
		eap_nak(e, id, type);
		return;
	}
	if (e->method != type) {
		if (e->method)
			wv_dbg(eap_log(e), "AUTH", "EAP: the gateway moves from %s to %s",
			       eap_type_name(e->method, nbuf, sizeof(nbuf)),
			       eap_type_name(type, nbuf, sizeof(nbuf)));
		e->method = type;
		wv_wipe(&e->keys, sizeof(e->keys));
		eap_tls_free(e->tls);
		e->tls = NULL;
		if (e->inner)
			eap_free(&e->inner->ac);
		e->inner = NULL;
		e->peap_failure[0] = '\0';
		e->ms_failure[0] = '\0';
		if (e->state != EAP_OK)
			eap_set_state(e, EAP_METHOD, eap_type_name(type, nbuf, sizeof(nbuf)));
	} else if (e->state == EAP_OK) {
		/* Re-authentication (a new round after Success): start afresh. */
		eap_tls_free(e->tls);
		e->tls = NULL;
		if (e->inner)
			eap_free(&e->inner->ac);
		e->inner = NULL;
	}
	switch (type) {
	case EAP_MD5:
		eap_md5(e, id, data, len);
		break;
	case EAP_MSCHAPV2:
		eap_mschapv2(e, id, data, len);
		break;
	case EAP_TLS:
		eap_tls(e, id, data, len);
		break;
	case EAP_PEAP:
		eap_peap(e, id, data, len);
		break;
	}
}

/* The keys the method gives, if any (invalid for MD5). */
static int eap_method_keys(struct eap *e, struct mppe_keys *keys)
{
	uint8_t msk[64];

	memset(keys, 0, sizeof(*keys));
	if (e->method == EAP_MSCHAPV2 && e->keys.valid) {
		*keys = e->keys;
	} else if ((e->method == EAP_TLS || e->method == EAP_PEAP) && e->tls) {
		/* PEAPv0 without crypto-binding: the same MSK as EAP-TLS
		 * (draft-josefsson-pppext-eap-tls-eap, "client EAP encryption") */
		if (eap_tls_msk(e->tls, msk) < 0)
			return -EIO;
		memcpy(keys->send, msk, 16);
		memcpy(keys->recv, msk + 32, 16);
		keys->valid = true;
		wv_wipe(msk, sizeof(msk));
	}
	return 0;
}

static void eap_success(struct eap *e, uint8_t id)
{
	struct mppe_keys keys;
	char nbuf[24], msg[300];
	bool first;

	if (e->state == EAP_FAILED)
		return;
	if (e->state == EAP_OK) {
		wv_dbg(eap_log(e), "AUTH", "EAP: Success repeated, ignored");
		return;
	}
	if (e->have_last && id != e->last_id)
		wv_dbg(eap_log(e), "AUTH", "EAP: Success id %u for Response id %u", id, e->last_id);
	/* §4.2 / §7.2: a Success that comes before the method finished is an
	 * attacker's (or a broken server's) shortcut past mutual
	 * authentication. */
	if (e->state != EAP_METHOD_DONE && (e->method || eap_cfg(e)->eap_tls)) {
		snprintf(msg, sizeof(msg),
			 _("the server reported success before %s had finished; refusing it "
			   "(the server did not authenticate itself)"),
			 e->method ? eap_type_name(e->method, nbuf, sizeof(nbuf)) : "EAP-TLS");
		eap_fail(e, WV_FAIL_PROTOCOL, msg);
		return;
	}
	if (eap_method_keys(e, &keys) < 0) {
		eap_fail(e, WV_FAIL_LOCAL, _("OpenSSL could not export the EAP-TLS keys"));
		return;
	}
	first = !e->succeeded;
	e->succeeded = true;
	eap_set_state(e, EAP_OK, "success");
	wv_wipe(&e->keys, sizeof(e->keys));
	eap_tls_free(e->tls);
	e->tls = NULL;
	if (e->inner)
		eap_free(&e->inner->ac);
	e->inner = NULL;
	if (!first) {
		wv_dbg(eap_log(e), "AUTH", "EAP: re-authenticated");
		wv_wipe(&keys, sizeof(keys));
		return;
	}
	wv_info(eap_log(e), "AUTH", "authenticated with %s",
		e->method ? eap_type_name(e->method, nbuf, sizeof(nbuf)) : "EAP");
	ppp_auth_success(e->ac.ppp, keys.valid ? &keys : NULL);
	wv_wipe(&keys, sizeof(keys));
}

static void eap_failure(struct eap *e, uint8_t id)
{
	const struct ppp_config *cfg = eap_cfg(e);
	char nbuf[24], msg[600], list[120] = "";
	unsigned i;

	if (e->state == EAP_FAILED)
		return;
	(void)id;
	if (e->method == EAP_MSCHAPV2 && e->ms_failure[0]) {
		snprintf(msg, sizeof(msg), "%s", e->ms_failure);
		eap_fail(e, WV_FAIL_AUTH, msg);
		return;
	}
	if (!e->method && e->n_declined) {
		for (i = 0; i < e->n_declined; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", eap_type_name(e->declined[i], nbuf, sizeof(nbuf)));
		snprintf(msg, sizeof(msg),
			 _("the server offered only %s, which winvpn declined (%s)"), list,
			 eap_decline_reason(cfg, e->declined[0]));
		eap_fail(e, WV_FAIL_PROPOSAL, msg);
		return;
	}
	switch (e->method) {
	case EAP_PEAP:
		if (e->peap_failure[0])
			snprintf(msg, sizeof(msg), "%s", e->peap_failure);
		else if (e->tls && !eap_tls_handshake_done(e->tls))
			snprintf(msg, sizeof(msg), _("the server ended PEAP during its TLS handshake"));
		else
			snprintf(msg, sizeof(msg),
				 _("the server rejected the user name or password (PEAP)"));
		break;
	case EAP_TLS:
		snprintf(msg, sizeof(msg),
			 _("the server rejected the user certificate (EAP-TLS)%s"),
			 e->tls && !eap_tls_handshake_done(e->tls) ?
			 _("; it may not trust the certificate's CA") : "");
		break;
	case 0:
		snprintf(msg, sizeof(msg), _("the server rejected the EAP identity \"%s\""),
			 cfg->user ? cfg->user : "");
		break;
	default:
		snprintf(msg, sizeof(msg), _("the server rejected the user name or password (%s)"),
			 eap_type_name(e->method, nbuf, sizeof(nbuf)));
		break;
	}
	eap_fail(e, WV_FAIL_AUTH, msg);
}

static void eap_input(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	struct eap *e = (struct eap *)ac;
	struct rd r = rd_init(buf, len);
	uint8_t code, id, type;
	uint16_t plen;

	code = rd_u8(&r);
	id = rd_u8(&r);
	plen = rd_be16(&r);
	/* §4: octets past Length are padding; a Length past the end or
	 * shorter than the header means a malformed packet. */
	if (!rd_ok(&r) || plen < 4 || plen > len) {
		wv_dbg(eap_log(e), "AUTH", "EAP: malformed packet of %zu octets ignored", len);
		return;
	}
	switch (code) {
	case EAP_REQUEST:
		type = rd_u8(&r);
		if (plen < 5 || !rd_ok(&r)) {
			wv_dbg(eap_log(e), "AUTH", "EAP: Request without a Type ignored");
			return;
		}
		eap_request(e, id, type, r.p, plen - 5u);
		break;
	case EAP_SUCCESS:
		eap_success(e, id);
		break;
	case EAP_FAILURE:
		eap_failure(e, id);
		break;
	default:
		/* Responses are for authenticators; we are none. */
		wv_dbg(eap_log(e), "AUTH", "EAP: code %u ignored", code);
		break;
	}
}

static void eap_start(struct auth_client *ac)
{
	/* The authenticator speaks first (§2): wait for its Request. */
	wv_dbg(eap_log((struct eap *)ac), "AUTH", "EAP: waiting for the gateway's request");
}

static void eap_free(struct auth_client *ac)
{
	struct eap *e = (struct eap *)ac;

	if (e->inner)
		eap_free(&e->inner->ac);
	eap_tls_free(e->tls);
	wv_wipe(e, sizeof(*e));
	free(e);
}

static const struct auth_client_ops eap_ops = {
	.start = eap_start,
	.input = eap_input,
	.free = eap_free,
};

struct auth_client *eap_client_new(struct ppp *ppp)
{
	struct eap *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ac.ops = &eap_ops;
	e->ac.ppp = ppp;
	return &e->ac;
}
