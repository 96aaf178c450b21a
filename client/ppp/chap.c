/* chap.c -- which authentication methods we accept, the auth_client entry
 * points, and the CHAP family as a client: CHAP-MD5 (RFC 1994), MS-CHAP
 * (RFC 2433) and MS-CHAPv2 (RFC 2759).
 *
 * The server sends a Challenge; we answer with a Response and learn the
 * outcome from Success or Failure.  MS-CHAPv2's Success must also prove that
 * the server knows the password ("S=", RFC 2759 §5); a Success that does not
 * is treated as a failure.  Packets are never hex-dumped here: a Response
 * carries material an eavesdropper could attack the password with. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "rd.h"
#include "auth-methods.h"
#include "eap.h"
#include "mschap.h"

/* RFC 1994 §4 codes */
#define CHAP_CHALLENGE  1
#define CHAP_RESPONSE   2
#define CHAP_SUCCESS    3
#define CHAP_FAILURE    4

#define CHAP_MD5_LEN    16
/* Our Name field: room for "DOMAIN\user" with long names. */
#define CHAP_NAME_MAX   512
#define CHAP_PKT_MAX    (4 + 1 + MSCHAP_RESPONSE_LEN + CHAP_NAME_MAX)
/* Server text quoted in a sentence or a log line. */
#define SERVER_TEXT_MAX 200
/* A Response with no answer is sent again (see chap_resend). */
#define CHAP_RESEND_MS  3000
#define CHAP_RESENDS    9

enum chap_state {
	CHAP_WAIT = 0,     /* no Challenge yet */
	CHAP_RESPONDED,    /* Response sent, waiting for Success/Failure */
	CHAP_OK,           /* authenticated; a new Challenge re-authenticates */
	CHAP_FAILED,       /* outcome reported; ignore everything */
};

static const char *const chap_state_names[] = {
	[CHAP_WAIT] = "wait-challenge",
	[CHAP_RESPONDED] = "responded",
	[CHAP_OK] = "authenticated",
	[CHAP_FAILED] = "failed",
};

struct chap {
	struct auth_client ac;
	uint8_t algo;
	enum chap_state state;
	bool succeeded;               /* ppp_auth_success() was called */
	/* The last Challenge answered and our Response, sent again unchanged
	 * when the server repeats that Challenge (our Response was lost). */
	bool have_last;
	uint8_t last_id;
	uint8_t last_chal_len;
	uint8_t last_chal[255];
	size_t resp_len;
	uint8_t resp[CHAP_PKT_MAX];
	struct wv_timer resend_timer;
	unsigned resends;
	/* MS-CHAP: what Success must carry, and the keys it unlocks. */
	uint8_t auth_response[MSCHAP_AUTH_RESPONSE_LEN];
	struct mppe_keys keys;
};

/* ---- which methods ------------------------------------------------------ */

static bool mppe_required(const struct ppp_config *cfg)
{
	return cfg->require_mppe || cfg->require_mppe_40 || cfg->require_mppe_128;
}

bool auth_acceptable(const struct ppp_config *cfg, uint16_t proto, uint8_t algo)
{
	/* MPPE's keys come from MS-CHAP (RFC 3079): with PAP or CHAP-MD5 a
	 * required MPPE could never start, so do not agree to them.  A user
	 * certificate (user-auth-type=tls) is only good for EAP-TLS. */
	if (cfg->eap_tls)
		return proto == PPP_EAP && !cfg->refuse_eap;
	switch (proto) {
	case PPP_PAP:
		return !cfg->refuse_pap && !mppe_required(cfg);
	case PPP_CHAP:
		switch (algo) {
		case CHAP_MD5:
			return !cfg->refuse_chap && !mppe_required(cfg);
		case CHAP_MSCHAP:
			return !cfg->refuse_mschap;
		case CHAP_MSCHAPV2:
			return !cfg->refuse_mschapv2;
		default:
			return false;
		}
	case PPP_EAP:
		/* eap.c picks the EAP type; MD5 is declined there when MPPE
		 * is required, MSCHAPv2 and TLS give keys. */
		return !cfg->refuse_eap;
	default:
		return false;
	}
}

bool auth_preferred(const struct ppp_config *cfg, uint16_t *proto, uint8_t *algo)
{
	/* Windows' order (windows-interop: RRAS offers MS-CHAPv2 first). */
	static const struct {
		uint16_t proto;
		uint8_t algo;
	} order[] = {
		{ PPP_CHAP, CHAP_MSCHAPV2 },
		{ PPP_CHAP, CHAP_MSCHAP },
		{ PPP_CHAP, CHAP_MD5 },
		{ PPP_EAP, 0 },
		{ PPP_PAP, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		if (auth_acceptable(cfg, order[i].proto, order[i].algo)) {
			*proto = order[i].proto;
			*algo = order[i].algo;
			return true;
		}
	}
	return false;
}

const char *auth_method_name(uint16_t proto, uint8_t algo)
{
	switch (proto) {
	case PPP_PAP:
		return "PAP";
	case PPP_EAP:
		return "EAP";
	case PPP_CHAP:
		switch (algo) {
		case CHAP_MD5:
			return "CHAP-MD5";
		case CHAP_MSCHAP:
			return "MS-CHAP";
		case CHAP_MSCHAPV2:
			return "MS-CHAPv2";
		default:
			return "CHAP (unknown algorithm)";
		}
	default:
		return "unknown";
	}
}

/* ---- shared with pap.c ----------------------------------------------------- */

int auth_peer_name(const struct ppp_config *cfg, char *buf, size_t size)
{
	const char *user = cfg->user ? cfg->user : "";
	int n;

	if (cfg->domain && *cfg->domain && !strchr(user, '\\'))
		n = snprintf(buf, size, "%s\\%s", cfg->domain, user);
	else
		n = snprintf(buf, size, "%s", user);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return n;
}

void auth_sanitize(const uint8_t *in, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	if (!size)
		return;
	for (i = 0; i < len && n + 1 < size; i++)
		out[n++] = (in[i] >= 0x20 && in[i] < 0x7f) ? (char)in[i] : '?';
	if (i < len && size >= 4) {
		/* cut: say so */
		memcpy(out + size - 4, "...", 3);
		n = size - 1;
	}
	out[n] = '\0';
}

/* ---- the entry points ------------------------------------------------------ */

static struct auth_client *chap_client_new(struct ppp *ppp, uint8_t algo);

struct auth_client *auth_client_new(struct ppp *ppp, uint16_t proto, uint8_t algo)
{
	if (proto == PPP_PAP)
		return pap_client_new(ppp);
	if (proto == PPP_EAP)
		return eap_client_new(ppp);
	if (proto == PPP_CHAP &&
	    (algo == CHAP_MD5 || algo == CHAP_MSCHAP || algo == CHAP_MSCHAPV2))
		return chap_client_new(ppp, algo);
	return NULL;
}

void auth_client_start(struct auth_client *ac)
{
	if (ac)
		ac->ops->start(ac);
}

void auth_client_input(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	if (ac)
		ac->ops->input(ac, buf, len);
}

void auth_client_free(struct auth_client *ac)
{
	if (ac)
		ac->ops->free(ac);
}

/* ---- CHAP ---------------------------------------------------------------- */

static const struct wv_log *chap_log(const struct chap *c)
{
	return ppp_log(c->ac.ppp);
}

static const char *chap_name(const struct chap *c)
{
	return auth_method_name(PPP_CHAP, c->algo);
}

static void chap_set_state(struct chap *c, enum chap_state st, const char *why)
{
	if (st != CHAP_RESPONDED)
		wv_timer_cancel(ppp_loop(c->ac.ppp), &c->resend_timer);
	if (c->state != st)
		wv_dbg(chap_log(c), "AUTH", "%s: %s -> %s (%s)", chap_name(c),
		       chap_state_names[c->state], chap_state_names[st], why);
	c->state = st;
}

/* Reports the end.  Last thing a handler does: the core may free us. */
static void chap_fail(struct chap *c, enum wv_fail why, const char *msg)
{
	struct ppp *ppp = c->ac.ppp;

	chap_set_state(c, CHAP_FAILED, "failure");
	wv_wipe(&c->keys, sizeof(c->keys));
	ppp_auth_failure(ppp, why, msg);
}

/* A sentence for a computation that failed: the password, or OpenSSL. */
static void chap_fail_compute(struct chap *c, int err)
{
	char msg[512];
	char *why = NULL;

	if (err == -EINVAL) {
		snprintf(msg, sizeof(msg),
			 _("the password cannot be used with %s: it must be valid UTF-8 and at "
			   "most %d characters long"), chap_name(c), MSCHAP_MAX_PASSWORD);
		chap_fail(c, WV_FAIL_CONFIG, msg);
		return;
	}
	if (wv_crypto_init(&why) < 0 && why)
		snprintf(msg, sizeof(msg), "%s", why);
	else
		snprintf(msg, sizeof(msg), _("OpenSSL could not compute the %s response"),
			 chap_name(c));
	free(why);
	chap_fail(c, WV_FAIL_LOCAL, msg);
}

/* RFC 1994 §4.1: MD5(Identifier | secret | Challenge-Value) */
static int chap_md5_response(uint8_t id, const char *secret, const uint8_t *chal, size_t clen,
			     uint8_t out[CHAP_MD5_LEN])
{
	const EVP_MD *md5 = wv_md("MD5");
	EVP_MD_CTX *ctx;
	unsigned int n = 0;
	int ret = -EIO;

	if (!md5)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, md5, NULL) && EVP_DigestUpdate(ctx, &id, 1) &&
	    EVP_DigestUpdate(ctx, secret, strlen(secret)) && EVP_DigestUpdate(ctx, chal, clen) &&
	    EVP_DigestFinal_ex(ctx, out, &n) && n == CHAP_MD5_LEN)
		ret = 0;
	else
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);   /* frees (and clears) the digest state */
	return ret;
}

/* Fills the Value of our Response; returns its size or -errno. */
static int chap_make_value(struct chap *c, uint8_t id, const uint8_t *chal, size_t clen,
			   const char *name, uint8_t value[MSCHAP_RESPONSE_LEN])
{
	const struct ppp_config *cfg = ppp_config(c->ac.ppp);
	const char *password = cfg->password ? cfg->password : "";
	struct mschapv2_client v2;
	int ret;

	switch (c->algo) {
	case CHAP_MD5:
		ret = chap_md5_response(id, password, chal, clen, value);
		return ret ? ret : CHAP_MD5_LEN;
	case CHAP_MSCHAP:
		/* RFC 2433 §4: LM-Response[24] | NT-Response[24] | UseNT.  We send
		 * no LAN Manager response (zeros) and UseNT = 1, like pppd and
		 * every Windows since NT 4 SP4. */
		memset(value, 0, MSCHAP_RESPONSE_LEN);
		ret = mschapv1_client_compute(chal, password, value + 24, &c->keys);
		value[48] = 1;
		return ret ? ret : MSCHAP_RESPONSE_LEN;
	case CHAP_MSCHAPV2:
		/* RFC 2759 §4: Peer-Challenge[16] | Reserved[8] | NT-Response[24] | Flags */
		memset(value, 0, MSCHAP_RESPONSE_LEN);
		ret = wv_random(value, MSCHAP_V2_CHALLENGE_LEN);
		if (!ret)
			ret = mschapv2_client_compute(chal, value, name, password, &v2);
		if (!ret) {
			memcpy(value + 24, v2.nt_response, MSCHAP_NT_RESPONSE_LEN);
			memcpy(c->auth_response, v2.auth_response, sizeof(c->auth_response));
			memcpy(c->keys.send, v2.send_key, sizeof(c->keys.send));
			memcpy(c->keys.recv, v2.recv_key, sizeof(c->keys.recv));
			c->keys.valid = true;
		}
		wv_wipe(&v2, sizeof(v2));
		return ret ? ret : MSCHAP_RESPONSE_LEN;
	default:
		return -EINVAL;
	}
}

static void chap_send_cached(struct chap *c)
{
	if (ppp_send_ctrl(c->ac.ppp, PPP_CHAP, c->resp, c->resp_len) < 0)
		wv_dbg(chap_log(c), "AUTH", "%s: could not send the Response", chap_name(c));
}

/* RFC 1994 leaves retransmission to the authenticator, which repeats its
 * Challenge -- but once our Response reached it, only its Success or
 * Failure can be lost, and it never sends that twice by itself.  pppd (and
 * RRAS) answer a repeated Response with the result again, so on a lossy
 * link the Response is repeated until a result comes. */
static void chap_resend(void *arg)
{
	struct chap *c = arg;

	if (c->state != CHAP_RESPONDED || c->resends >= CHAP_RESENDS)
		return;
	c->resends++;
	wv_dbg(chap_log(c), "AUTH", "%s: no Success or Failure yet; Response sent again (%u)",
	       chap_name(c), c->resends);
	chap_send_cached(c);
	wv_timer_arm(ppp_loop(c->ac.ppp), &c->resend_timer, CHAP_RESEND_MS);
}

static void chap_challenge(struct chap *c, uint8_t id, struct rd *r)
{
	const struct wv_log *lg = chap_log(c);
	char name[CHAP_NAME_MAX + 1], server[64];
	uint8_t value[MSCHAP_RESPONSE_LEN];
	size_t clen, need = 0;
	const uint8_t *chal;
	int vlen, nlen;

	clen = rd_u8(r);
	chal = rd_bytes(r, clen);
	if (!chal || clen == 0) {
		wv_dbg(lg, "AUTH", "%s: malformed Challenge ignored", chap_name(c));
		return;
	}
	if (c->algo == CHAP_MSCHAP)
		need = MSCHAP_V1_CHALLENGE_LEN;
	else if (c->algo == CHAP_MSCHAPV2)
		need = MSCHAP_V2_CHALLENGE_LEN;
	if (need && clen != need) {
		wv_dbg(lg, "AUTH", "%s: Challenge of %zu octets ignored (must be %zu)",
		       chap_name(c), clen, need);
		return;
	}
	if (c->state == CHAP_FAILED)
		return;
	/* The rest is the server's Name; Windows sends none. */
	auth_sanitize(r->p, rd_left(r), server, sizeof(server));
	wv_dbg(lg, "AUTH", "%s: Challenge id %u from \"%s\"", chap_name(c), id, server);

	/* RFC 1994 §4.1: a repeated Challenge (same Identifier) gets the same
	 * Response; MS-CHAPv2's would otherwise change with its Peer-Challenge. */
	if (c->have_last && id == c->last_id && clen == c->last_chal_len &&
	    memcmp(chal, c->last_chal, clen) == 0) {
		wv_dbg(lg, "AUTH", "%s: Challenge repeated; sending the same Response",
		       chap_name(c));
		chap_send_cached(c);
		return;
	}

	nlen = auth_peer_name(ppp_config(c->ac.ppp), name, sizeof(name));
	if (nlen < 0) {
		chap_fail(c, WV_FAIL_CONFIG,
			  _("the user name (with its domain) is too long for CHAP"));
		return;
	}
	vlen = chap_make_value(c, id, chal, clen, name, value);
	if (vlen < 0) {
		wv_wipe(value, sizeof(value));
		chap_fail_compute(c, vlen);
		return;
	}

	/* RFC 1994 §4.1: Code, Identifier, Length, Value-Size, Value, Name */
	c->resp_len = 4 + 1 + (size_t)vlen + (size_t)nlen;
	c->resp[0] = CHAP_RESPONSE;
	c->resp[1] = id;
	store_be16(c->resp + 2, (uint16_t)c->resp_len);
	c->resp[4] = (uint8_t)vlen;
	memcpy(c->resp + 5, value, (size_t)vlen);
	memcpy(c->resp + 5 + vlen, name, (size_t)nlen);
	wv_wipe(value, sizeof(value));

	c->have_last = true;
	c->last_id = id;
	c->last_chal_len = (uint8_t)clen;
	memcpy(c->last_chal, chal, clen);
	wv_dbg(lg, "AUTH", "%s: Response id %u as \"%s\"", chap_name(c), id, name);
	chap_set_state(c, CHAP_RESPONDED, "challenge answered");
	chap_send_cached(c);
	c->resends = 0;
	wv_timer_arm(ppp_loop(c->ac.ppp), &c->resend_timer, CHAP_RESEND_MS);
}

static void chap_success(struct chap *c, uint8_t id, const uint8_t *msg, size_t len)
{
	const struct wv_log *lg = chap_log(c);
	const uint8_t *text = msg;
	size_t text_len = len;
	char said[SERVER_TEXT_MAX];
	bool first;

	if (c->state != CHAP_RESPONDED) {
		wv_dbg(lg, "AUTH", "%s: Success ignored (%s)", chap_name(c),
		       chap_state_names[c->state]);
		return;
	}
	/* RFC 1994 says the Identifier is copied from the Response; pppd does not
	 * insist, and neither do we: MS-CHAPv2 proves itself below anyway. */
	if (id != c->last_id)
		wv_dbg(lg, "AUTH", "%s: Success id %u for Response id %u", chap_name(c), id,
		       c->last_id);
	if (c->algo == CHAP_MSCHAPV2) {
		int ret = mschapv2_check_success(c->auth_response, msg, len, &text, &text_len);
		if (ret) {
			wv_dbg(lg, "AUTH", "MS-CHAPv2: Success %s", ret == -EBADMSG ?
			       "without a well-formed S=" : "with the wrong S=");
			/* Not the user's credentials at fault: whoever answered does
			 * not know the password (or mangled the packet). */
			chap_fail(c, WV_FAIL_PROTOCOL,
				  _("the server could not prove it knows the password "
				    "(MS-CHAPv2 mutual authentication failed)"));
			return;
		}
	}
	auth_sanitize(text, text_len, said, sizeof(said));
	first = !c->succeeded;
	c->succeeded = true;
	chap_set_state(c, CHAP_OK, "success");
	if (!first) {
		wv_dbg(lg, "AUTH", "%s: re-authenticated", chap_name(c));
		wv_wipe(&c->keys, sizeof(c->keys));
		return;
	}
	/* The core says "authenticated" to the user; the server's words are
	 * detail. */
	if (*said)
		wv_dbg(lg, "AUTH", "%s: success; the server says \"%s\"", chap_name(c), said);
	if (c->algo == CHAP_MD5) {
		ppp_auth_success(c->ac.ppp, NULL);
	} else {
		/* The core copies the keys; ours are wiped at once. */
		struct mppe_keys keys = c->keys;
		wv_wipe(&c->keys, sizeof(c->keys));
		ppp_auth_success(c->ac.ppp, &keys);
		wv_wipe(&keys, sizeof(keys));
	}
}

static void chap_failure(struct chap *c, uint8_t id, const uint8_t *msg, size_t len)
{
	const struct wv_log *lg = chap_log(c);
	struct mschap_failure f = { -1, -1, msg, len };
	char sentence[512];

	if (c->state != CHAP_RESPONDED) {
		wv_dbg(lg, "AUTH", "%s: Failure ignored (%s)", chap_name(c),
		       chap_state_names[c->state]);
		return;
	}
	if (c->algo != CHAP_MD5)
		mschap_parse_failure(msg, len, &f);
	wv_dbg(lg, "AUTH", "%s: Failure id %u, error %ld, retry %ld", chap_name(c), id, f.error,
	       f.retry);
	mschap_failure_sentence(&f, chap_name(c), sentence, sizeof(sentence));
	chap_fail(c, WV_FAIL_AUTH, sentence);
}

static void chap_input(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	struct chap *c = (struct chap *)ac;
	struct rd r = rd_init(buf, len), body;
	uint8_t code, id;
	uint16_t plen;

	code = rd_u8(&r);
	id = rd_u8(&r);
	plen = rd_be16(&r);
	/* RFC 1994 §4: octets past Length are padding; a Length past the end
	 * or shorter than the header is a malformed packet. */
	if (!rd_ok(&r) || plen < 4 || plen > len) {
		wv_dbg(chap_log(c), "AUTH", "%s: malformed packet of %zu octets ignored",
		       chap_name(c), len);
		return;
	}
	body = rd_sub(&r, plen - 4u);
	switch (code) {
	case CHAP_CHALLENGE:
		chap_challenge(c, id, &body);
		break;
	case CHAP_SUCCESS:
		chap_success(c, id, body.p, rd_left(&body));
		break;
	case CHAP_FAILURE:
		chap_failure(c, id, body.p, rd_left(&body));
		break;
	default:
		/* A Response is for authenticators; we are none. */
		wv_dbg(chap_log(c), "AUTH", "%s: code %u ignored", chap_name(c), code);
		break;
	}
}

static void chap_start(struct auth_client *ac)
{
	struct chap *c = (struct chap *)ac;

	wv_dbg(chap_log(c), "AUTH", "%s: waiting for the server's Challenge", chap_name(c));
}

static void chap_free(struct auth_client *ac)
{
	struct chap *c = (struct chap *)ac;

	wv_timer_cancel(ppp_loop(c->ac.ppp), &c->resend_timer);
	wv_wipe(c, sizeof(*c));
	free(c);
}

static const struct auth_client_ops chap_ops = {
	.start = chap_start,
	.input = chap_input,
	.free = chap_free,
};

static struct auth_client *chap_client_new(struct ppp *ppp, uint8_t algo)
{
	struct chap *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ac.ops = &chap_ops;
	c->ac.ppp = ppp;
	c->algo = algo;
	c->state = CHAP_WAIT;
	wv_timer_init(&c->resend_timer, chap_resend, c);
	return &c->ac;
}
