/* test-eap.c -- the EAP peer (RFC 3748) against scripted servers: Identity,
 * Notification, retransmitted Requests, legacy Nak, EAP-MD5, EAP-MSCHAPv2
 * (mutual authentication, Failure, keys; RFC 2759 vectors) and EAP-TLS
 * against an in-process OpenSSL server with certificates made at run time
 * (fragmentation both ways, MSK -> MPPE keys, refused certificates both
 * ways, PEM/PKCS#12/encrypted keys).  The PPP core is stubbed: it records
 * what was sent and the outcome. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "log.h"
#include "rd.h"
#include "ppp/auth.h"
#include "ppp/eap.h"
#include "ppp/mschap.h"
#include "check.h"

/* ---- the PPP core, stubbed ---- */

struct ppp {
	struct ppp_config cfg;
	struct wv_log log;
	uint8_t sent[2048];       /* the last packet sent */
	size_t sent_len;
	int n_sent;
	int n_success, n_failure;
	bool keys_null;
	struct mppe_keys keys;
	enum wv_fail why;
	char msg[600];
	char logbuf[65536];       /* every log line, to look for secrets */
	size_t log_len;
};

const struct ppp_config *ppp_config(const struct ppp *ppp)
{
	return &ppp->cfg;
}

const struct wv_log *ppp_log(const struct ppp *ppp)
{
	return &ppp->log;
}

struct wv_loop *ppp_loop(const struct ppp *ppp)
{
	return NULL;
}

int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	CHECK(proto == PPP_EAP);
	CHECK(len <= sizeof(ppp->sent));
	CHECK(len >= 4 && load_be16(buf + 2) == len);
	ppp->sent_len = MIN(len, sizeof(ppp->sent));
	memcpy(ppp->sent, buf, ppp->sent_len);
	ppp->n_sent++;
	return 0;
}

void ppp_auth_success(struct ppp *ppp, const struct mppe_keys *keys)
{
	ppp->n_success++;
	ppp->keys_null = keys == NULL;
	if (keys)
		ppp->keys = *keys;
}

void ppp_auth_failure(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	ppp->n_failure++;
	ppp->why = why;
	snprintf(ppp->msg, sizeof(ppp->msg), "%s", msg);
}

static void log_fn(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	struct ppp *pp = arg;
	int n = snprintf(pp->logbuf + pp->log_len, sizeof(pp->logbuf) - pp->log_len, "%s: %s\n",
			 subsys, msg);

	if (n > 0)
		pp->log_len = MIN(pp->log_len + (size_t)n, sizeof(pp->logbuf) - 1);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%d] %s: %s\n", lvl, subsys, msg);
}

static void pp_init(struct ppp *pp, const char *user, const char *password, const char *domain)
{
	memset(pp, 0, sizeof(*pp));
	pp->cfg.user = user;
	pp->cfg.password = password;
	pp->cfg.domain = domain;
	pp->log.fn = log_fn;
	pp->log.arg = pp;
	pp->log.level = WV_LOG_TRACE;
}

/* ---- a scripted server ---- */

static void feed(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	/* an exact-size heap copy, so the sanitizer sees any over-read */
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	auth_client_input(ac, copy, len);
	free(copy);
}

/* Request of type with data */
static void request(struct auth_client *ac, uint8_t id, uint8_t type, const void *data,
		    size_t len)
{
	uint8_t buf[70000];

	buf[0] = EAP_REQUEST;
	buf[1] = id;
	store_be16(buf + 2, (uint16_t)(5 + len));
	buf[4] = type;
	if (len)
		memcpy(buf + 5, data, len);
	feed(ac, buf, 5 + len);
}

static void status(struct auth_client *ac, uint8_t code, uint8_t id)
{
	uint8_t buf[4] = { code, id, 0, 4 };

	feed(ac, buf, 4);
}

/* Checks the last Response's header; returns its Type-Data. */
static const uint8_t *response(struct ppp *pp, uint8_t id, uint8_t type, size_t *len)
{
	CHECK(pp->sent_len >= 5);
	CHECK(pp->sent[0] == EAP_RESPONSE);
	CHECK(pp->sent[1] == id);
	CHECK(pp->sent[4] == type);
	*len = pp->sent_len >= 5 ? pp->sent_len - 5 : 0;
	return pp->sent + 5;
}

static bool log_has(const struct ppp *pp, const char *s)
{
	return strstr(pp->logbuf, s) != NULL;
}

/* ---- framework ---- */

static void test_identity_notification(void)
{
	struct ppp pp;
	struct auth_client *ac;
	const uint8_t *d;
	uint8_t copy[64];
	size_t n;
	int sent;

	pp_init(&pp, "alice", "secret123", "CORP");
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(ac != NULL);
	auth_client_start(ac);
	CHECK(pp.n_sent == 0);           /* the authenticator speaks first */
	request(ac, 1, EAP_IDENTITY, "hello", 5);
	d = response(&pp, 1, EAP_IDENTITY, &n);
	CHECK(n == 10 && memcmp(d, "CORP\\alice", 10) == 0);
	memcpy(copy, pp.sent, MIN(pp.sent_len, sizeof(copy)));

	/* §4.1: same identifier again -> the same Response, not a new one */
	sent = pp.n_sent;
	request(ac, 1, EAP_IDENTITY, "", 0);
	CHECK(pp.n_sent == sent + 1);
	CHECK(memcmp(pp.sent, copy, 15) == 0);

	/* Notification: logged, answered with an empty Response */
	request(ac, 2, EAP_NOTIFICATION, "Password expires\x01 soon", 23);
	d = response(&pp, 2, EAP_NOTIFICATION, &n);
	CHECK(n == 0);
	CHECK(log_has(&pp, "Password expires? soon"));

	/* malformed: too short, Length past the end, Length < 4, Request
	 * without a Type, and a Response: all ignored */
	sent = pp.n_sent;
	{
		static const uint8_t bad[][8] = {
			{ 1, 3, 0 },
			{ 1, 3, 0, 9, 1, 'a' },
			{ 1, 3, 0, 2, 1, 'a' },
			{ 1, 3, 0, 4, 1, 'a' },
			{ 2, 3, 0, 5, 1 },
			{ 9, 3, 0, 4 },
		};
		static const size_t lens[] = { 3, 6, 6, 6, 5, 4 };
		size_t i;

		for (i = 0; i < ARRAY_SIZE(bad); i++)
			feed(ac, bad[i], lens[i]);
	}
	CHECK(pp.n_sent == sent);
	CHECK(pp.n_success == 0 && pp.n_failure == 0);
	/* trailing padding past Length is allowed */
	{
		uint8_t padded[] = { 1, 4, 0, 5, EAP_IDENTITY, 0, 0, 0 };
		feed(ac, padded, sizeof(padded));
		d = response(&pp, 4, EAP_IDENTITY, &n);
		CHECK(n == 10);
	}
	auth_client_free(ac);

	/* a user name with its own domain keeps it */
	pp_init(&pp, "OTHER\\bob", "x", "CORP");
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 7, EAP_IDENTITY, NULL, 0);
	d = response(&pp, 7, EAP_IDENTITY, &n);
	CHECK(n == 9 && memcmp(d, "OTHER\\bob", 9) == 0);
	auth_client_free(ac);
}

static void test_nak(void)
{
	struct ppp pp;
	struct auth_client *ac;
	const uint8_t *d;
	size_t n;

	/* a type we do not do (GTC, 6): Nak with MSCHAPv2 and MD5 */
	pp_init(&pp, "alice", "secret123", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_IDENTITY, NULL, 0);
	request(ac, 2, 6, "Password: ", 10);
	d = response(&pp, 2, EAP_NAK, &n);
	CHECK(n == 3 && d[0] == EAP_MSCHAPV2 && d[1] == EAP_PEAP && d[2] == EAP_MD5);
	/* EAP-TLS without a certificate configured: Nak too */
	request(ac, 3, EAP_TLS, "\x20", 1);
	d = response(&pp, 3, EAP_NAK, &n);
	CHECK(n == 3 && d[0] == EAP_MSCHAPV2);
	/* the server gives up */
	status(ac, EAP_FAILURE, 3);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(pp.msg, "offered only EAP type 6, EAP-TLS") != NULL);
	auth_client_free(ac);

	/* MPPE required: MD5 gives no keys, so it is declined and not offered */
	pp_init(&pp, "alice", "secret123", NULL);
	pp.cfg.require_mppe_128 = true;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_MD5, "\x04" "abcd", 5);
	d = response(&pp, 1, EAP_NAK, &n);
	CHECK(n == 2 && d[0] == EAP_MSCHAPV2 && d[1] == EAP_PEAP);
	status(ac, EAP_FAILURE, 1);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(pp.msg, "EAP-MD5") && strstr(pp.msg, "MPPE"));
	auth_client_free(ac);

	/* user-auth-type=tls: only EAP-TLS is offered */
	pp_init(&pp, "carol", NULL, NULL);
	pp.cfg.eap_tls = true;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 9, EAP_MSCHAPV2, "\x01\x09\x00\x05\x00", 5);
	d = response(&pp, 9, EAP_NAK, &n);
	CHECK(n == 1 && d[0] == EAP_TLS);
	auth_client_free(ac);
}

/* ---- EAP-MD5 ---- */

static void md5_expected(uint8_t id, const char *secret, const uint8_t *chal, size_t clen,
			 uint8_t out[16])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;

	CHECK(EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1);
	EVP_DigestUpdate(c, &id, 1);
	EVP_DigestUpdate(c, secret, strlen(secret));
	EVP_DigestUpdate(c, chal, clen);
	EVP_DigestFinal_ex(c, out, &n);
	EVP_MD_CTX_free(c);
}

static void test_md5(void)
{
	static const uint8_t chal[] = { 0x10, 0x4f, 0x2d, 0x11, 0x9a, 0x00, 0xfe, 0x33,
					0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	uint8_t req[1 + sizeof(chal) + 5], want[16];
	struct ppp pp;
	struct auth_client *ac;
	const uint8_t *d;
	size_t n;

	req[0] = sizeof(chal);
	memcpy(req + 1, chal, sizeof(chal));
	memcpy(req + 1 + sizeof(chal), "pppd!", 5);     /* the server's name */

	pp_init(&pp, "alice", "secret123", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 0x31, EAP_IDENTITY, NULL, 0);
	request(ac, 0x32, EAP_MD5, req, sizeof(req));
	d = response(&pp, 0x32, EAP_MD5, &n);
	md5_expected(0x32, "secret123", chal, sizeof(chal), want);
	CHECK(n == 1 + 16 + 5);
	CHECK(d[0] == 16);
	CHECK_MEM(d + 1, want, 16);
	CHECK(memcmp(d + 17, "alice", 5) == 0);
	CHECK(!log_has(&pp, "secret123"));
	status(ac, EAP_SUCCESS, 0x32);
	CHECK(pp.n_success == 1 && pp.keys_null);
	/* a repeated Success changes nothing */
	status(ac, EAP_SUCCESS, 0x32);
	CHECK(pp.n_success == 1 && pp.n_failure == 0);
	auth_client_free(ac);

	/* wrong password: Failure names the method */
	pp_init(&pp, "alice", "wrong", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_MD5, req, sizeof(req));
	status(ac, EAP_FAILURE, 1);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK_STR(pp.msg, "the server rejected the user name or password (EAP-MD5)");
	/* nothing after the end */
	request(ac, 2, EAP_MD5, req, sizeof(req));
	CHECK(pp.n_failure == 1 && pp.n_success == 0);
	auth_client_free(ac);

	/* malformed challenges: empty, Value-Size past the end */
	pp_init(&pp, "alice", "secret123", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_MD5, "\x00", 1);
	request(ac, 2, EAP_MD5, "\x10" "abc", 4);
	CHECK(pp.n_sent == 0);
	/* Success before we answered the method's challenge: refused */
	status(ac, EAP_SUCCESS, 2);
	CHECK(pp.n_success == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_PROTOCOL);
	auth_client_free(ac);

	/* Success after Identity alone (no method): accepted, no keys */
	pp_init(&pp, "alice", "secret123", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_IDENTITY, NULL, 0);
	status(ac, EAP_SUCCESS, 1);
	CHECK(pp.n_success == 1 && pp.keys_null);
	auth_client_free(ac);
}

/* ---- EAP-MSCHAPv2 ---- */

/* RFC 2759 §9.2 */
static const uint8_t rfc_auth_chal[16] = {
	0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
	0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28,
};
static const uint8_t rfc_peer_chal[16] = {
	0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
	0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E,
};

static void ms_request(struct auth_client *ac, uint8_t id, uint8_t op, uint8_t ms_id,
		       const void *body, size_t blen)
{
	uint8_t buf[600];

	buf[0] = op;
	buf[1] = ms_id;
	store_be16(buf + 2, (uint16_t)(4 + blen));
	memcpy(buf + 4, body, blen);
	request(ac, id, EAP_MSCHAPV2, buf, 4 + blen);
}

static void ms_challenge(struct auth_client *ac, uint8_t id, uint8_t ms_id)
{
	uint8_t body[1 + 16 + 4];

	body[0] = 16;
	memcpy(body + 1, rfc_auth_chal, 16);
	memcpy(body + 17, "RRAS", 4);
	ms_request(ac, id, MSV2_OP_CHALLENGE, ms_id, body, sizeof(body));
}

/* What an honest server computes from our Response: S= and our keys. */
struct ms_view {
	char s_msg[80];
	uint8_t send[16], recv[16];
};

static void ms_check_value(const uint8_t *d, size_t n, uint8_t ms_id, const char *name,
			   const char *user, const char *password, struct ms_view *v)
{
	uint8_t nt[24], hash[16], hh[16], ar[20], master[16];
	size_t nlen = strlen(name), i;

	CHECK(n == 4 + 1 + 49 + nlen);
	if (n != 4 + 1 + 49 + nlen)
		return;
	CHECK(d[0] == MSV2_OP_RESPONSE);
	CHECK(d[1] == ms_id);
	CHECK(load_be16(d + 2) == n);
	CHECK(d[4] == 49);
	CHECK(memcmp(d + 5 + 49, name, nlen) == 0);
	/* the NT-Response is RFC 2759's for the peer challenge we sent */
	CHECK(mschapv2_nt_response(rfc_auth_chal, d + 5, user, password, nt) == 0);
	CHECK_MEM(d + 5 + 24, nt, 24);
	CHECK(d[5 + 48] == 0);    /* Flags */
	CHECK(mschap_nt_password_hash(password, hash) == 0);
	CHECK(mschap_hash_nt_password_hash(hash, hh) == 0);
	CHECK(mschapv2_authenticator_response(hh, nt, d + 5, rfc_auth_chal, user, ar) == 0);
	strcpy(v->s_msg, "S=");
	for (i = 0; i < 20; i++)
		sprintf(v->s_msg + 2 + 2 * i, "%02X", ar[i]);
	strcat(v->s_msg, " M=Welcome");
	CHECK(mschap_master_key(hh, nt, master) == 0);
	CHECK(mschap_asymmetric_start_key(master, false, true, v->send) == 0);
	CHECK(mschap_asymmetric_start_key(master, true, true, v->recv) == 0);
}

static void ms_check_response(struct ppp *pp, uint8_t id, uint8_t ms_id, const char *name,
			      const char *user, const char *password, struct ms_view *v)
{
	const uint8_t *d;
	size_t n;

	d = response(pp, id, EAP_MSCHAPV2, &n);
	ms_check_value(d, n, ms_id, name, user, password, v);
}

static void test_mschapv2(void)
{
	static const uint8_t rfc_nt[24] = {
		0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E, 0xA0, 0x8F, 0xAA, 0x39,
		0x81, 0xCD, 0x83, 0x54, 0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF,
	};
	struct mschapv2_client c;
	struct ms_view v;
	struct ppp pp;
	struct auth_client *ac;
	const uint8_t *d;
	size_t n;

	/* the computation the method uses gives RFC 2759 §9.2's NT-Response */
	CHECK(mschapv2_client_compute(rfc_auth_chal, rfc_peer_chal, "User", "clientPass", &c) == 0);
	CHECK_MEM(c.nt_response, rfc_nt, 24);

	/* a full exchange with a domain account */
	pp_init(&pp, "User", "clientPass", "CORP");
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_IDENTITY, NULL, 0);
	ms_challenge(ac, 2, 0x42);
	ms_check_response(&pp, 2, 0x42, "CORP\\User", "User", "clientPass", &v);
	ms_request(ac, 3, MSV2_OP_SUCCESS, 0x42, v.s_msg, strlen(v.s_msg));
	d = response(&pp, 3, EAP_MSCHAPV2, &n);
	CHECK(n == 1 && d[0] == MSV2_OP_SUCCESS);
	CHECK(pp.n_success == 0);
	status(ac, EAP_SUCCESS, 3);
	CHECK(pp.n_success == 1 && !pp.keys_null && pp.keys.valid);
	CHECK_MEM(pp.keys.send, v.send, 16);
	CHECK_MEM(pp.keys.recv, v.recv, 16);
	CHECK(!log_has(&pp, "clientPass"));
	auth_client_free(ac);

	/* EAP Success without the MS-CHAPv2 Success: refused */
	pp_init(&pp, "User", "clientPass", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	ms_challenge(ac, 2, 1);
	status(ac, EAP_SUCCESS, 2);
	CHECK(pp.n_success == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_PROTOCOL);
	CHECK(strstr(pp.msg, "before EAP-MSCHAPv2 had finished") != NULL);
	auth_client_free(ac);

	/* a wrong S=: the server does not know the password */
	pp_init(&pp, "User", "clientPass", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	ms_challenge(ac, 2, 1);
	ms_check_response(&pp, 2, 1, "User", "User", "clientPass", &v);
	v.s_msg[5] = v.s_msg[5] == '0' ? '1' : '0';
	ms_request(ac, 3, MSV2_OP_SUCCESS, 1, v.s_msg, strlen(v.s_msg));
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_PROTOCOL);
	CHECK(strstr(pp.msg, "EAP-MSCHAPv2 mutual authentication failed") != NULL);
	auth_client_free(ac);

	/* the server's Failure: acknowledged, then EAP Failure with the reason */
	pp_init(&pp, "User", "wrong", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	ms_challenge(ac, 2, 1);
	ms_request(ac, 3, MSV2_OP_FAILURE, 1, "E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Bad",
		   strlen("E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Bad"));
	d = response(&pp, 3, EAP_MSCHAPV2, &n);
	CHECK(n == 1 && d[0] == MSV2_OP_FAILURE);
	CHECK(pp.n_failure == 0);
	status(ac, EAP_FAILURE, 3);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK_STR(pp.msg, "the server rejected the user name or password (EAP-MSCHAPv2 error 691); "
		  "the server said: \"Bad\"");
	auth_client_free(ac);

	/* malformed: MS-Length past the end, wrong Value-Size */
	pp_init(&pp, "User", "clientPass", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_MSCHAPV2, "\x01\x01\x00\x30\x10", 5);
	{
		uint8_t body[1 + 8] = { 8 };
		ms_request(ac, 2, MSV2_OP_CHALLENGE, 1, body, sizeof(body));
	}
	CHECK(pp.n_sent == 0 && pp.n_failure == 0);
	auth_client_free(ac);
}

/* ---- EAP-TLS ---- */

static char tmpdir[64];

struct pki {
	EVP_PKEY *key;
	X509 *cert;
};

/* EC keys are quick to make; one RSA-3072 user key makes the client's
 * Certificate flight larger than EAP_TLS_FRAG, so it fragments too. */
static EVP_PKEY *new_key(bool rsa)
{
	if (rsa)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static X509 *new_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		      bool ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	static long serial = 1;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	CHECK(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return x;
}

static void pki_make(struct pki *p, const char *cn, const struct pki *ca, bool rsa)
{
	p->key = new_key(rsa);
	CHECK(p->key != NULL);
	p->cert = new_cert(p->key, cn, ca ? ca->cert : NULL, ca ? ca->key : NULL, !ca);
}

static void pki_free(struct pki *p)
{
	EVP_PKEY_free(p->key);
	X509_free(p->cert);
}

static void write_pem(const char *file, X509 *cert, EVP_PKEY *key, const char *pass,
		      char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, file);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	if (cert)
		PEM_write_X509(f, cert);
	if (key)
		PEM_write_PrivateKey(f, key, pass ? EVP_aes_128_cbc() : NULL, NULL, 0, NULL,
				     (void *)pass);
	fclose(f);
}

static void write_p12(const char *file, X509 *cert, EVP_PKEY *key, const char *pass, char *path,
		      size_t size)
{
	PKCS12 *p12 = PKCS12_create(pass, "carol", key, cert, NULL, 0, 0, 0, 0, 0);
	FILE *f;

	CHECK(p12 != NULL);
	snprintf(path, size, "%s/%s", tmpdir, file);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f && p12) {
		i2d_PKCS12_fp(f, p12);
		fclose(f);
	} else if (f) {
		fclose(f);
	}
	PKCS12_free(p12);
}

/* The authenticator side: an OpenSSL server over memory BIOs, framed as
 * EAP-TLS Requests with fragments of frag octets. */
struct tls_server {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	uint8_t out[65536];
	size_t out_len, out_off;
	uint8_t in[65536];
	size_t in_len;
	size_t frag;
	uint8_t type;        /* EAP_TLS or EAP_PEAP */
	bool ack_no_flags;   /* SoftEther 5.01: ACKs carry no Flags octet */
	bool failed;
	int client_frags;    /* fragments with M the client sent */
	int server_frags;    /* fragments with M we sent */
};

static void tls_server_init(struct tls_server *s, const struct pki *srv, const struct pki *ca,
			    size_t frag)
{
	memset(s, 0, sizeof(*s));
	s->frag = frag;
	s->type = EAP_TLS;
	s->ctx = SSL_CTX_new(TLS_server_method());
	CHECK(SSL_CTX_use_certificate(s->ctx, srv->cert) == 1);
	CHECK(SSL_CTX_use_PrivateKey(s->ctx, srv->key) == 1);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(s->ctx), ca->cert);
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	s->ssl = SSL_new(s->ctx);
	s->rb = BIO_new(BIO_s_mem());
	s->wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(s->rb, -1);
	SSL_set_bio(s->ssl, s->rb, s->wb);
	SSL_set_accept_state(s->ssl);
}

static void tls_server_free(struct tls_server *s)
{
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
}

static void tls_server_pull(struct tls_server *s)
{
	int n = BIO_read(s->wb, s->out, sizeof(s->out));

	s->out_len = n > 0 ? (size_t)n : 0;
	s->out_off = 0;
}

/* Sends the next fragment of the server's flight. */
static void tls_server_fragment(struct tls_server *s, struct auth_client *ac, uint8_t id)
{
	uint8_t buf[70000];
	size_t left = s->out_len - s->out_off, n = MIN(left, s->frag), p = 1;

	buf[0] = 0;
	if (left > n) {
		buf[0] |= EAP_TLS_FLAG_M;
		s->server_frags++;
	}
	if (s->out_off == 0) {
		/* L on the first fragment, even when it is the only one */
		buf[0] |= EAP_TLS_FLAG_L;
		store_be32(buf + 1, (uint32_t)s->out_len);
		p = 5;
	}
	memcpy(buf + p, s->out + s->out_off, n);
	s->out_off += n;
	request(ac, id, s->type, buf, p + n);
}

/* Runs an EAP-TLS exchange to its end: 1 success, 0 the client failed. */
static int tls_run(struct tls_server *s, struct ppp *pp, struct auth_client *ac)
{
	uint8_t id = 10;
	int rounds;

	request(ac, id, EAP_IDENTITY, NULL, 0);
	request(ac, ++id, EAP_TLS, "\x20", 1);             /* Start */
	for (rounds = 0; rounds < 200; rounds++) {
		const uint8_t *d;
		size_t n, hdr = 1;
		int r;

		if (pp->n_failure)
			return 0;
		d = response(pp, id, EAP_TLS, &n);
		if (n < 1)
			return 0;
		if (d[0] & EAP_TLS_FLAG_L)
			hdr = 5;
		if (n > hdr) {
			memcpy(s->in + s->in_len, d + hdr, n - hdr);
			s->in_len += n - hdr;
		}
		if (d[0] & EAP_TLS_FLAG_M) {
			s->client_frags++;
			request(ac, ++id, EAP_TLS, "\x00", s->ack_no_flags ? 0 : 1);   /* ACK */
			continue;
		}
		if (s->out_off < s->out_len) {
			CHECK(n == 1);                              /* the client's ACK */
			tls_server_fragment(s, ac, ++id);
			continue;
		}
		if (s->in_len) {
			BIO_write(s->rb, s->in, (int)s->in_len);
			s->in_len = 0;
			r = SSL_do_handshake(s->ssl);
			if (r != 1 && SSL_get_error(s->ssl, r) != SSL_ERROR_WANT_READ)
				s->failed = true;
			tls_server_pull(s);
			ERR_clear_error();
		}
		if (s->out_len && s->out_off < s->out_len) {
			tls_server_fragment(s, ac, ++id);
			continue;
		}
		if (s->failed) {
			status(ac, EAP_FAILURE, id);
			return 0;
		}
		if (SSL_is_init_finished(s->ssl)) {
			status(ac, EAP_SUCCESS, id);
			return pp->n_success ? 1 : 0;
		}
		CHECK(!"the exchange stalled");
		return 0;
	}
	CHECK(!"too many rounds");
	return 0;
}

struct tls_case {
	struct pki ca, other_ca, server, user, other_user;
	char ca_path[128], other_ca_path[128], user_pem[128], user_key[128], user_both[128],
	     user_enc_key[128], user_p12[128], other_pem[128];
};

static void tls_case_init(struct tls_case *t)
{
	pki_make(&t->ca, "test CA", NULL, false);
	pki_make(&t->other_ca, "other CA", NULL, false);
	pki_make(&t->server, "server", &t->ca, false);
	pki_make(&t->user, "carol", &t->ca, true);
	pki_make(&t->other_user, "carol", &t->other_ca, false);
	write_pem("ca.crt", t->ca.cert, NULL, NULL, t->ca_path, sizeof(t->ca_path));
	write_pem("other-ca.crt", t->other_ca.cert, NULL, NULL, t->other_ca_path,
		  sizeof(t->other_ca_path));
	write_pem("user.crt", t->user.cert, NULL, NULL, t->user_pem, sizeof(t->user_pem));
	write_pem("user.key", NULL, t->user.key, NULL, t->user_key, sizeof(t->user_key));
	write_pem("user-both.pem", t->user.cert, t->user.key, NULL, t->user_both,
		  sizeof(t->user_both));
	write_pem("user-enc.key", NULL, t->user.key, "keypass", t->user_enc_key,
		  sizeof(t->user_enc_key));
	write_p12("user.p12", t->user.cert, t->user.key, "p12pass", t->user_p12,
		  sizeof(t->user_p12));
	write_pem("other.pem", t->other_user.cert, t->other_user.key, NULL, t->other_pem,
		  sizeof(t->other_pem));
}

static void tls_case_free(struct tls_case *t)
{
	pki_free(&t->ca);
	pki_free(&t->other_ca);
	pki_free(&t->server);
	pki_free(&t->user);
	pki_free(&t->other_user);
}

static void tls_pp(struct ppp *pp, const struct tls_case *t, const char *cert, const char *key,
		   const char *pass, const char *ca)
{
	pp_init(pp, "carol", NULL, NULL);
	pp->cfg.eap_tls = true;
	pp->cfg.user_ca = ca ? ca : t->ca_path;
	pp->cfg.user_cert = cert;
	pp->cfg.user_key = key;
	pp->cfg.user_certpass = pass;
}

static void test_tls(void)
{
	struct tls_case t;
	struct tls_server s;
	struct ppp pp;
	struct auth_client *ac;
	uint8_t msk[64];

	tls_case_init(&t);

	/* PEM certificate and key; the server fragments at 200 octets, the
	 * client's RSA-3072 flight exceeds EAP_TLS_FRAG: both sides fragment */
	tls_pp(&pp, &t, t.user_pem, t.user_key, NULL, NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 200);
	CHECK(tls_run(&s, &pp, ac) == 1);
	CHECK(s.server_frags > 1);
	CHECK(s.client_frags >= 1);
	CHECK(pp.n_success == 1 && pp.keys.valid);
	/* RFC 5216 §2.3: the client sends with MSK(0,31), receives with MSK(32,63) */
	CHECK(SSL_export_keying_material(s.ssl, msk, sizeof(msk), "client EAP encryption", 21,
					 NULL, 0, 0) == 1);
	CHECK_MEM(pp.keys.send, msk, 16);
	CHECK_MEM(pp.keys.recv, msk + 32, 16);
	tls_server_free(&s);
	auth_client_free(ac);

	/* one PEM file with both; the server's flight whole (L set, no M) */
	tls_pp(&pp, &t, t.user_both, NULL, NULL, NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 60000);
	CHECK(tls_run(&s, &pp, ac) == 1);
	CHECK(s.server_frags == 0);
	tls_server_free(&s);
	auth_client_free(ac);

	/* PKCS#12 with a passphrase; ACKs without Flags, as SoftEther sends */
	tls_pp(&pp, &t, t.user_p12, NULL, "p12pass", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 500);
	s.ack_no_flags = true;
	CHECK(tls_run(&s, &pp, ac) == 1);
	CHECK(s.client_frags >= 1);
	tls_server_free(&s);
	auth_client_free(ac);
	CHECK(!log_has(&pp, "p12pass"));

	/* encrypted PEM key with its passphrase */
	tls_pp(&pp, &t, t.user_pem, t.user_enc_key, "keypass", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 500);
	CHECK(tls_run(&s, &pp, ac) == 1);
	tls_server_free(&s);
	auth_client_free(ac);

	/* no user name: the Identity is the certificate's Common Name */
	tls_pp(&pp, &t, t.user_pem, t.user_key, NULL, NULL);
	pp.cfg.user = NULL;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 3, EAP_IDENTITY, NULL, 0);
	{
		size_t n;
		const uint8_t *d = response(&pp, 3, EAP_IDENTITY, &n);
		CHECK(n == 5 && memcmp(d, "carol", 5) == 0);
	}
	auth_client_free(ac);

	/* ... and without: a config error naming user-certpass */
	tls_pp(&pp, &t, t.user_pem, t.user_enc_key, NULL, NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 500);
	CHECK(tls_run(&s, &pp, ac) == 0);
	CHECK(pp.why == WV_FAIL_CONFIG && strstr(pp.msg, "user-certpass") != NULL);
	tls_server_free(&s);
	auth_client_free(ac);

	/* PKCS#12 with the wrong passphrase */
	tls_pp(&pp, &t, t.user_p12, NULL, "nope", NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 500);
	CHECK(tls_run(&s, &pp, ac) == 0);
	CHECK(pp.why == WV_FAIL_CONFIG && strstr(pp.msg, "user-certpass right") != NULL);
	tls_server_free(&s);
	auth_client_free(ac);

	/* no user-cert at all */
	tls_pp(&pp, &t, NULL, NULL, NULL, NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 500);
	CHECK(tls_run(&s, &pp, ac) == 0);
	CHECK(pp.why == WV_FAIL_CONFIG && strstr(pp.msg, "set user-cert") != NULL);
	tls_server_free(&s);
	auth_client_free(ac);

	/* a user certificate from another CA: the server refuses it */
	tls_pp(&pp, &t, t.other_pem, NULL, NULL, NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 500);
	CHECK(tls_run(&s, &pp, ac) == 0);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK(strstr(pp.msg, "rejected the user certificate") != NULL);
	tls_server_free(&s);
	auth_client_free(ac);

	/* user-ca that did not sign the server's certificate: we refuse it */
	tls_pp(&pp, &t, t.user_pem, t.user_key, NULL, t.other_ca_path);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	tls_server_init(&s, &t.server, &t.ca, 500);
	CHECK(tls_run(&s, &pp, ac) == 0);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK(strstr(pp.msg, "server's certificate could not be verified") != NULL);
	CHECK(pp.n_success == 0);
	tls_server_free(&s);
	auth_client_free(ac);

	/* EAP Success in the middle of the handshake: refused */
	tls_pp(&pp, &t, t.user_pem, t.user_key, NULL, NULL);
	ac = auth_client_new(&pp, PPP_EAP, 0);
	request(ac, 1, EAP_TLS, "\x20", 1);
	CHECK(pp.sent_len > 6);                 /* the ClientHello */
	{
		/* the Start again with its identifier: the same ClientHello
		 * (RFC 3748 §4.1), not a second TLS handshake */
		uint8_t hello[2048];
		size_t hlen = pp.sent_len;
		int sent = pp.n_sent;

		memcpy(hello, pp.sent, hlen);
		request(ac, 1, EAP_TLS, "\x20", 1);
		CHECK(pp.n_sent == sent + 1 && pp.sent_len == hlen &&
		      memcmp(pp.sent, hello, hlen) == 0);
		/* a new Start in the middle: ignored */
		request(ac, 2, EAP_TLS, "\x20", 1);
		CHECK(pp.n_sent == sent + 1);
	}
	status(ac, EAP_SUCCESS, 1);
	CHECK(pp.n_success == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_PROTOCOL);
	auth_client_free(ac);

	tls_case_free(&t);
}

/* ---- PEAP ---- */

enum peap_phase { PH_ID, PH_GTC, PH_CHAL, PH_SUCC, PH_RESULT, PH_END };

struct peap_server {
	struct tls_server s;
	enum peap_phase ph;
	const char *user, *password, *name;
	bool wrong_s;        /* send a wrong authenticator response */
	bool reject;         /* MS-CHAPv2 Failure E=691, Result failure */
	bool binding;        /* add a Crypto-Binding TLV to the Result */
	bool early_result;   /* Result success right after the Response */
	bool gtc_first;      /* ask for EAP-GTC (6) inside first: expect a Nak */
	struct ms_view v;
	uint8_t ext_id;
};

static void peap_write(struct peap_server *ps, struct auth_client *ac, uint8_t id,
		       const void *pkt, size_t len)
{
	CHECK(SSL_write(ps->s.ssl, pkt, (int)len) == (int)len);
	tls_server_pull(&ps->s);
	tls_server_fragment(&ps->s, ac, id);
}

static void peap_result(struct peap_server *ps, struct auth_client *ac, uint8_t id, int result)
{
	uint8_t pkt[11 + 60] = { EAP_REQUEST, 0x55, 0, 11, EAP_EXTENSIONS, 0x80, PEAP_TLV_RESULT,
				 0, 2, 0, (uint8_t)result };
	size_t len = 11;

	ps->ext_id = pkt[1];
	if (ps->binding) {
		pkt[11] = 0;
		pkt[12] = PEAP_TLV_CRYPTO_BINDING;
		pkt[13] = 0;
		pkt[14] = 56;
		len += 60;
		store_be16(pkt + 2, (uint16_t)len);
	}
	peap_write(ps, ac, id, pkt, len);
	ps->ph = PH_RESULT;
}

/* One inner packet from the client; answers it. */
static void peap_inner(struct peap_server *ps, struct auth_client *ac, uint8_t id,
		       const uint8_t *in, size_t n)
{
	uint8_t pkt[200];
	size_t i;

	switch (ps->ph) {
	case PH_ID:
		/* compressed Identity Response */
		CHECK(n == 1 + strlen(ps->name) && in[0] == EAP_IDENTITY &&
		      memcmp(in + 1, ps->name, n - 1) == 0);
		if (ps->gtc_first) {
			peap_write(ps, ac, id, "\x06Password: ", 11);
			ps->ph = PH_GTC;
			break;
		}
		/* fall through */
	case PH_GTC:
		if (ps->ph == PH_GTC)
			/* inside the tunnel only EAP-MSCHAPv2 is proposed */
			CHECK(n == 2 && in[0] == EAP_NAK && in[1] == EAP_MSCHAPV2);
		pkt[0] = EAP_MSCHAPV2;
		pkt[1] = MSV2_OP_CHALLENGE;
		pkt[2] = 0x33;
		store_be16(pkt + 3, 4 + 1 + 16 + 3);
		pkt[5] = 16;
		memcpy(pkt + 6, rfc_auth_chal, 16);
		memcpy(pkt + 22, "NPS", 3);
		peap_write(ps, ac, id, pkt, 25);
		ps->ph = PH_CHAL;
		break;
	case PH_CHAL:
		CHECK(n > 1 && in[0] == EAP_MSCHAPV2);
		ms_check_value(in + 1, n - 1, 0x33, ps->name, ps->user, ps->password, &ps->v);
		if (ps->early_result) {
			peap_result(ps, ac, id, 1);
			break;
		}
		pkt[0] = EAP_MSCHAPV2;
		if (ps->reject) {
			static const char f[] = "E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=no";
			pkt[1] = MSV2_OP_FAILURE;
			memcpy(pkt + 5, f, sizeof(f) - 1);
			i = sizeof(f) - 1;
		} else {
			pkt[1] = MSV2_OP_SUCCESS;
			if (ps->wrong_s)
				ps->v.s_msg[2] = ps->v.s_msg[2] == '0' ? '1' : '0';
			i = strlen(ps->v.s_msg);
			memcpy(pkt + 5, ps->v.s_msg, i);
		}
		pkt[2] = 0x33;
		store_be16(pkt + 3, (uint16_t)(4 + i));
		peap_write(ps, ac, id, pkt, 5 + i);
		ps->ph = PH_SUCC;
		break;
	case PH_SUCC:
		CHECK(n == 2 && in[0] == EAP_MSCHAPV2 &&
		      in[1] == (ps->reject ? MSV2_OP_FAILURE : MSV2_OP_SUCCESS));
		peap_result(ps, ac, id, ps->reject ? 2 : 1);
		break;
	case PH_RESULT:
		/* the full Extensions Response with the same Result */
		CHECK(n == 11 && in[0] == EAP_RESPONSE && in[1] == ps->ext_id &&
		      load_be16(in + 2) == 11 && in[4] == EAP_EXTENSIONS &&
		      (load_be16(in + 5) & 0x3fff) == PEAP_TLV_RESULT &&
		      load_be16(in + 9) == (ps->reject ? 2 : 1));
		ps->ph = PH_END;
		break;
	case PH_END:
		CHECK(!"inner data after the Result");
		break;
	}
}

/* 1: success; 0: the client failed or was refused. */
static int peap_run(struct peap_server *ps, struct ppp *pp, struct auth_client *ac)
{
	struct tls_server *s = &ps->s;
	uint8_t id = 10, inner[4096];
	int rounds, r;

	request(ac, id, EAP_IDENTITY, NULL, 0);
	request(ac, ++id, EAP_PEAP, "\x21", 1);   /* Start, offering version 1 */
	for (rounds = 0; rounds < 200; rounds++) {
		const uint8_t *d;
		size_t n, hdr = 1;

		if (pp->n_failure)
			return 0;
		d = response(pp, id, EAP_PEAP, &n);
		if (n < 1)
			return 0;
		CHECK((d[0] & EAP_PEAP_VERSION) == 0);      /* we speak PEAPv0 */
		if (d[0] & EAP_TLS_FLAG_L)
			hdr = 5;
		if (n > hdr) {
			memcpy(s->in + s->in_len, d + hdr, n - hdr);
			s->in_len += n - hdr;
		}
		if (d[0] & EAP_TLS_FLAG_M) {
			request(ac, ++id, EAP_PEAP, "\x00", 1);
			continue;
		}
		if (s->out_off < s->out_len) {
			CHECK(n == 1);
			tls_server_fragment(s, ac, ++id);
			continue;
		}
		if (s->in_len) {
			BIO_write(s->rb, s->in, (int)s->in_len);
			s->in_len = 0;
			if (!SSL_is_init_finished(s->ssl)) {
				r = SSL_do_handshake(s->ssl);
				if (r != 1 && SSL_get_error(s->ssl, r) != SSL_ERROR_WANT_READ)
					s->failed = true;
				tls_server_pull(s);
			} else {
				r = SSL_read(s->ssl, inner, sizeof(inner));
				if (r > 0) {
					peap_inner(ps, ac, ++id, inner, (size_t)r);
					if (ps->ph == PH_END)
						break;
					continue;
				}
			}
			ERR_clear_error();
		}
		if (s->out_len && s->out_off < s->out_len) {
			tls_server_fragment(s, ac, ++id);
			continue;
		}
		if (s->failed) {
			status(ac, EAP_FAILURE, id);
			return 0;
		}
		if (SSL_is_init_finished(s->ssl) && ps->ph == PH_ID) {
			/* the client ACKed our Finished: the compressed inner Identity */
			peap_write(ps, ac, ++id, "\x01", 1);
			continue;
		}
		CHECK(!"the PEAP exchange stalled");
		return 0;
	}
	if (ps->ph == PH_END) {
		status(ac, ps->reject ? EAP_FAILURE : EAP_SUCCESS, id);
		return pp->n_success ? 1 : 0;
	}
	CHECK(!"too many rounds");
	return 0;
}

static void peap_setup(struct peap_server *ps, struct ppp *pp, const struct tls_case *t,
		       const char *password)
{
	memset(ps, 0, sizeof(*ps));
	ps->user = "User";
	ps->name = "CORP\\User";
	ps->password = "clientPass";
	pp_init(pp, "User", password, "CORP");
	pp->cfg.user_ca = t->ca_path;
	tls_server_init(&ps->s, &t->server, &t->ca, 300);
	ps->s.type = EAP_PEAP;
	/* Windows' PEAP asks for no client certificate */
	SSL_set_verify(ps->s.ssl, SSL_VERIFY_NONE, NULL);
}

static void test_peap(void)
{
	struct tls_case t;
	struct peap_server ps;
	struct ppp pp;
	struct auth_client *ac;
	uint8_t msk[64];

	tls_case_init(&t);

	/* the whole exchange; keys from the tunnel's MSK */
	peap_setup(&ps, &pp, &t, "clientPass");
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(peap_run(&ps, &pp, ac) == 1);
	CHECK(ps.ph == PH_END);
	CHECK(pp.n_success == 1 && pp.keys.valid);
	CHECK(SSL_export_keying_material(ps.s.ssl, msk, sizeof(msk), "client EAP encryption", 21,
					 NULL, 0, 0) == 1);
	CHECK_MEM(pp.keys.send, msk, 16);
	CHECK_MEM(pp.keys.recv, msk + 32, 16);
	CHECK(!log_has(&pp, "clientPass"));
	tls_server_free(&ps.s);
	auth_client_free(ac);

	/* EAP-GTC asked for inside first: Nak'ed for EAP-MSCHAPv2, then success */
	peap_setup(&ps, &pp, &t, "clientPass");
	ps.gtc_first = true;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(peap_run(&ps, &pp, ac) == 1);
	CHECK(pp.n_success == 1 && pp.keys.valid);
	tls_server_free(&ps.s);
	auth_client_free(ac);

	/* wrong password: MS-CHAPv2 Failure inside, Result failure, EAP Failure */
	peap_setup(&ps, &pp, &t, "wrong");
	ps.password = "wrong";
	ps.reject = true;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(peap_run(&ps, &pp, ac) == 0);
	CHECK(ps.ph == PH_END);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK(strstr(pp.msg, "EAP-MSCHAPv2 error 691") && strstr(pp.msg, "(PEAP)"));
	tls_server_free(&ps.s);
	auth_client_free(ac);

	/* a wrong authenticator response inside the tunnel */
	peap_setup(&ps, &pp, &t, "clientPass");
	ps.wrong_s = true;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(peap_run(&ps, &pp, ac) == 0);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_PROTOCOL);
	CHECK(strstr(pp.msg, "mutual authentication failed") != NULL);
	tls_server_free(&ps.s);
	auth_client_free(ac);

	/* Result success before MS-CHAPv2's Success: refused */
	peap_setup(&ps, &pp, &t, "clientPass");
	ps.early_result = true;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(peap_run(&ps, &pp, ac) == 0);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_PROTOCOL && pp.n_success == 0);
	tls_server_free(&ps.s);
	auth_client_free(ac);

	/* crypto-binding required: a clear sentence */
	peap_setup(&ps, &pp, &t, "clientPass");
	ps.binding = true;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(peap_run(&ps, &pp, ac) == 0);
	CHECK(pp.n_failure == 1 && strstr(pp.msg, "crypto-binding") != NULL);
	tls_server_free(&ps.s);
	auth_client_free(ac);

	/* the server's certificate not from user-ca */
	peap_setup(&ps, &pp, &t, "clientPass");
	pp.cfg.user_ca = t.other_ca_path;
	ac = auth_client_new(&pp, PPP_EAP, 0);
	CHECK(peap_run(&ps, &pp, ac) == 0);
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK(strstr(pp.msg, "PEAP: the server's certificate could not be verified") != NULL);
	tls_server_free(&ps.s);
	auth_client_free(ac);

	tls_case_free(&t);
}

/* ---- reassembly ---- */

static void test_reasm(void)
{
	struct eap_tls_reasm r;
	uint8_t f[16];

	memset(&r, 0, sizeof(r));
	/* L = 6 in two fragments */
	f[0] = EAP_TLS_FLAG_L | EAP_TLS_FLAG_M;
	store_be32(f + 1, 6);
	memcpy(f + 5, "abc", 3);
	CHECK(eap_tls_reasm_add(&r, f, 8) == EAP_REASM_MORE);
	f[0] = 0;
	memcpy(f + 1, "def", 3);
	CHECK(eap_tls_reasm_add(&r, f, 4) == EAP_REASM_DONE);
	CHECK(r.len == 6 && memcmp(r.buf, "abcdef", 6) == 0);
	eap_tls_reasm_reset(&r);

	/* more than L announced */
	f[0] = EAP_TLS_FLAG_L | EAP_TLS_FLAG_M;
	store_be32(f + 1, 4);
	memcpy(f + 5, "abc", 3);
	CHECK(eap_tls_reasm_add(&r, f, 8) == EAP_REASM_MORE);
	f[0] = 0;
	CHECK(eap_tls_reasm_add(&r, f, 4) == -EMSGSIZE);
	eap_tls_reasm_reset(&r);

	/* fewer than L at the end */
	f[0] = EAP_TLS_FLAG_L;
	store_be32(f + 1, 9);
	CHECK(eap_tls_reasm_add(&r, f, 8) == -EBADMSG);
	eap_tls_reasm_reset(&r);

	/* L that changes between fragments */
	f[0] = EAP_TLS_FLAG_L | EAP_TLS_FLAG_M;
	store_be32(f + 1, 6);
	CHECK(eap_tls_reasm_add(&r, f, 8) == EAP_REASM_MORE);
	store_be32(f + 1, 7);
	CHECK(eap_tls_reasm_add(&r, f, 8) == -EBADMSG);
	eap_tls_reasm_reset(&r);

	/* L over the cap, L of zero, M without data, truncated L, empty */
	f[0] = EAP_TLS_FLAG_L;
	store_be32(f + 1, EAP_TLS_MAX_MSG + 1);
	CHECK(eap_tls_reasm_add(&r, f, 8) == -EMSGSIZE);
	store_be32(f + 1, 0);
	CHECK(eap_tls_reasm_add(&r, f, 5) == -EBADMSG);
	f[0] = EAP_TLS_FLAG_M;
	CHECK(eap_tls_reasm_add(&r, f, 1) == -EBADMSG);
	f[0] = EAP_TLS_FLAG_L;
	CHECK(eap_tls_reasm_add(&r, f, 3) == -EBADMSG);
	CHECK(eap_tls_reasm_add(&r, f, 0) == -EBADMSG);
	eap_tls_reasm_reset(&r);

	/* no L: fragments until the cap */
	{
		uint8_t *big = calloc(1, 1 + 40000);
		big[0] = EAP_TLS_FLAG_M;
		CHECK(eap_tls_reasm_add(&r, big, 1 + 40000) == EAP_REASM_MORE);
		CHECK(eap_tls_reasm_add(&r, big, 1 + 40000) == -EMSGSIZE);
		free(big);
	}
	eap_tls_reasm_reset(&r);
}

int main(void)
{
	char *why = NULL;

	if (wv_crypto_init(&why) < 0) {
		fprintf(stderr, "SKIP: %s\n", why ? why : "crypto");
		free(why);
		return 77;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-eap.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_identity_notification();
	test_nak();
	test_md5();
	test_mschapv2();
	test_tls();
	test_peap();
	test_reasm();
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return check_done("test-eap");
}
