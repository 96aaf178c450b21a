/* test-chap.c -- the CHAP family as a client (CHAP-MD5, MS-CHAP, MS-CHAPv2)
 * and the choice of methods, against a scripted server.  The PPP core's
 * functions are stubbed here: they record what was sent and the outcome. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ppp/auth.h"
#include "ppp/mschap.h"
#include "check.h"

/* ---- the PPP core, stubbed ---- */

struct ppp {
	struct ppp_config cfg;
	struct wv_log log;
	uint8_t sent[1024];       /* the last packet sent */
	size_t sent_len;
	int n_sent;
	int n_success, n_failure;
	bool keys_null;
	struct mppe_keys keys;
	enum wv_fail why;
	char msg[512];
	char logbuf[32768];       /* every log line, to look for secrets */
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

/* The Response's resend timer runs on a loop with a fake clock. */
static struct wv_loop *test_loop;
static uint64_t fake_now = 1000000;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static void advance(uint64_t ms)
{
	fake_now += ms;
	wv_loop_run_timers(test_loop);
}

struct wv_loop *ppp_loop(const struct ppp *ppp)
{
	(void)ppp;
	return test_loop;
}

int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	CHECK(proto == PPP_CHAP);
	CHECK(len <= sizeof(ppp->sent));
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

static const uint8_t rfc_auth_chal[16] = {
	0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
	0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28,
};

static void feed(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	/* an exact-size heap copy, so the sanitizer sees any over-read */
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	auth_client_input(ac, copy, len);
	free(copy);
}

static void challenge(struct auth_client *ac, uint8_t id, const uint8_t *chal, size_t clen,
		      const char *name)
{
	uint8_t buf[512];
	size_t nlen = strlen(name), len = 4 + 1 + clen + nlen;

	buf[0] = 1;
	buf[1] = id;
	store_be16(buf + 2, (uint16_t)len);
	buf[4] = (uint8_t)clen;
	memcpy(buf + 5, chal, clen);
	memcpy(buf + 5 + clen, name, nlen);
	feed(ac, buf, len);
}

static void status(struct auth_client *ac, uint8_t code, uint8_t id, const char *msg)
{
	uint8_t buf[512];
	size_t mlen = strlen(msg), len = 4 + mlen;

	buf[0] = code;
	buf[1] = id;
	store_be16(buf + 2, (uint16_t)len);
	memcpy(buf + 4, msg, mlen);
	feed(ac, buf, len);
}

#define SUCCESS 3
#define FAILURE 4

/* Checks the Response's frame and returns its Value. */
static const uint8_t *response_value(struct ppp *pp, uint8_t id, size_t vsize, const char *name)
{
	size_t nlen = strlen(name);

	CHECK(pp->sent_len == 4 + 1 + vsize + nlen);
	CHECK(pp->sent[0] == 2);
	CHECK(pp->sent[1] == id);
	CHECK(load_be16(pp->sent + 2) == pp->sent_len);
	CHECK(pp->sent[4] == vsize);
	CHECK(pp->sent_len >= 5 + vsize + nlen && memcmp(pp->sent + 5 + vsize, name, nlen) == 0);
	return pp->sent + 5;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
}

/* What an honest MS-CHAPv2 server computes from our Response. */
struct server_view {
	char s_hex[41];
	uint8_t client_send[16], client_recv[16];
	uint8_t nt[24];
};

static void server_compute(const uint8_t *value, const char *user, const char *password,
			   struct server_view *sv)
{
	uint8_t hash[16], hh[16], ar[20], master[16];

	CHECK(mschapv2_nt_response(rfc_auth_chal, value, user, password, sv->nt) == 0);
	CHECK(mschap_nt_password_hash(password, hash) == 0);
	CHECK(mschap_hash_nt_password_hash(hash, hh) == 0);
	CHECK(mschapv2_authenticator_response(hh, sv->nt, value, rfc_auth_chal, user, ar) == 0);
	to_hex(ar, 20, sv->s_hex);
	CHECK(mschap_master_key(hh, sv->nt, master) == 0);
	/* the server's receive key is the client's send key, and vice versa */
	CHECK(mschap_asymmetric_start_key(master, false, true, sv->client_send) == 0);
	CHECK(mschap_asymmetric_start_key(master, true, true, sv->client_recv) == 0);
}

/* ---- tests ---- */

static void test_acceptable(void)
{
	struct ppp_config cfg;
	uint16_t proto = 0;
	uint8_t algo = 0;

	memset(&cfg, 0, sizeof(cfg));
	CHECK(auth_acceptable(&cfg, PPP_PAP, 0));
	CHECK(auth_acceptable(&cfg, PPP_CHAP, CHAP_MD5));
	CHECK(auth_acceptable(&cfg, PPP_CHAP, CHAP_MSCHAP));
	CHECK(auth_acceptable(&cfg, PPP_CHAP, CHAP_MSCHAPV2));
	CHECK(!auth_acceptable(&cfg, PPP_CHAP, 0x06));
	CHECK(auth_acceptable(&cfg, PPP_EAP, 0));
	CHECK(!auth_acceptable(&cfg, PPP_LQR, 0));
	CHECK(auth_preferred(&cfg, &proto, &algo) && proto == PPP_CHAP && algo == CHAP_MSCHAPV2);

	cfg.refuse_mschapv2 = true;
	CHECK(!auth_acceptable(&cfg, PPP_CHAP, CHAP_MSCHAPV2));
	CHECK(auth_preferred(&cfg, &proto, &algo) && proto == PPP_CHAP && algo == CHAP_MSCHAP);
	cfg.refuse_mschap = true;
	CHECK(auth_preferred(&cfg, &proto, &algo) && proto == PPP_CHAP && algo == CHAP_MD5);
	cfg.refuse_chap = true;
	CHECK(!auth_acceptable(&cfg, PPP_CHAP, CHAP_MD5));
	CHECK(auth_preferred(&cfg, &proto, &algo) && proto == PPP_EAP && algo == 0);
	cfg.refuse_eap = true;
	CHECK(auth_preferred(&cfg, &proto, &algo) && proto == PPP_PAP && algo == 0);
	cfg.refuse_pap = true;
	CHECK(!auth_acceptable(&cfg, PPP_PAP, 0));
	CHECK(!auth_preferred(&cfg, &proto, &algo));

	/* MPPE keys come from MS-CHAP: requiring MPPE rules out PAP and CHAP-MD5 */
	memset(&cfg, 0, sizeof(cfg));
	cfg.require_mppe_128 = true;
	CHECK(!auth_acceptable(&cfg, PPP_PAP, 0));
	CHECK(!auth_acceptable(&cfg, PPP_CHAP, CHAP_MD5));
	CHECK(auth_acceptable(&cfg, PPP_CHAP, CHAP_MSCHAP));
	cfg.refuse_mschapv2 = cfg.refuse_mschap = true;
	/* EAP may still give keys (EAP-MSCHAPv2, EAP-TLS) */
	CHECK(auth_preferred(&cfg, &proto, &algo) && proto == PPP_EAP);
	cfg.refuse_eap = true;
	CHECK(!auth_preferred(&cfg, &proto, &algo));
	memset(&cfg, 0, sizeof(cfg));
	cfg.refuse_eap = true;
	CHECK(!auth_acceptable(&cfg, PPP_EAP, 0));
	CHECK(auth_acceptable(&cfg, PPP_CHAP, CHAP_MSCHAPV2));

	CHECK_STR(auth_method_name(PPP_CHAP, CHAP_MSCHAPV2), "MS-CHAPv2");
	CHECK_STR(auth_method_name(PPP_CHAP, CHAP_MSCHAP), "MS-CHAP");
	CHECK_STR(auth_method_name(PPP_CHAP, CHAP_MD5), "CHAP-MD5");
	CHECK_STR(auth_method_name(PPP_PAP, 0), "PAP");
	CHECK_STR(auth_method_name(PPP_EAP, 0), "EAP");
	CHECK(auth_client_new(NULL, PPP_CHAP, 0x06) == NULL);
}

/* One MS-CHAPv2 exchange up to the Response; fills sv. */
static struct auth_client *v2_respond(struct ppp *pp, uint8_t id, struct server_view *sv)
{
	struct auth_client *ac = auth_client_new(pp, PPP_CHAP, CHAP_MSCHAPV2);
	const uint8_t *v;

	CHECK(ac != NULL);
	auth_client_start(ac);
	CHECK(pp->n_sent == 0);
	challenge(ac, id, rfc_auth_chal, 16, "");   /* Windows sends no Name */
	CHECK(pp->n_sent == 1);
	v = response_value(pp, id, 49, "EXAMPLE\\User");
	CHECK(memcmp(v + 16, "\0\0\0\0\0\0\0\0", 8) == 0);   /* Reserved */
	CHECK(v[48] == 0);                                     /* Flags */
	/* the NT-Response hashes the bare user name (RFC 2759 §8.2) */
	server_compute(v, "User", "clientPass", sv);
	CHECK_MEM(v + 24, sv->nt, 24);
	return ac;
}

/* How the server writes Success: RFC 2759 "S=... M=...", Windows Server
 * 2019's "S=...M=...", Windows 2000's bare "S=...". */
enum s_style { S_SPACE, S_GLUED, S_BARE };

static void test_v2_success(enum s_style style)
{
	struct ppp pp;
	struct server_view sv;
	struct auth_client *ac;
	char msg[128];

	pp_init(&pp, "User", "clientPass", "EXAMPLE");
	ac = v2_respond(&pp, 7, &sv);
	if (style == S_SPACE)
		snprintf(msg, sizeof(msg), "S=%s M=Welcome to RRAS", sv.s_hex);
	else if (style == S_GLUED)
		snprintf(msg, sizeof(msg), "S=%sM=Welcome to RRAS", sv.s_hex);
	else
		snprintf(msg, sizeof(msg), "S=%s", sv.s_hex);
	status(ac, SUCCESS, 7, msg);
	CHECK(pp.n_success == 1 && pp.n_failure == 0);
	CHECK(!pp.keys_null && pp.keys.valid);
	CHECK_MEM(pp.keys.send, sv.client_send, 16);
	CHECK_MEM(pp.keys.recv, sv.client_recv, 16);
	CHECK(memcmp(pp.keys.send, pp.keys.recv, 16) != 0);
	/* the password and its hash never reach the log */
	CHECK(strstr(pp.logbuf, "clientPass") == NULL);
	CHECK(strstr(pp.logbuf, "44EBBA8D") == NULL && strstr(pp.logbuf, "44ebba8d") == NULL);
	CHECK(strstr(pp.logbuf, "success") != NULL);

	/* a second Success changes nothing */
	status(ac, SUCCESS, 7, msg);
	CHECK(pp.n_success == 1 && pp.n_failure == 0);
	auth_client_free(ac);
}

static void test_v2_forged(void)
{
	static const char *const bad[] = {
		"S=0000000000000000000000000000000000000000 M=Welcome",
		"M=Welcome",
		"",
		"S=ZZ",
	};
	struct ppp pp;
	struct server_view sv;
	struct auth_client *ac;
	char msg[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad) + 1; i++) {
		pp_init(&pp, "User", "clientPass", "EXAMPLE");
		ac = v2_respond(&pp, 1, &sv);
		if (i < ARRAY_SIZE(bad)) {
			snprintf(msg, sizeof(msg), "%s", bad[i]);
		} else {
			/* the right S= for another password */
			snprintf(msg, sizeof(msg), "S=%s M=ok", sv.s_hex);
			msg[2] = msg[2] == 'A' ? 'B' : 'A';
		}
		status(ac, SUCCESS, 1, msg);
		CHECK(pp.n_success == 0 && pp.n_failure == 1);
		CHECK(pp.why == WV_FAIL_PROTOCOL);
		CHECK_STR(pp.msg, "the server could not prove it knows the password "
			  "(MS-CHAPv2 mutual authentication failed)");
		/* over: a new Challenge gets no answer */
		challenge(ac, 2, rfc_auth_chal, 16, "");
		CHECK(pp.n_sent == 1);
		auth_client_free(ac);
	}
}

static void v2_failure(const char *text, enum wv_fail why, const char *sentence)
{
	struct ppp pp;
	struct server_view sv;
	struct auth_client *ac;

	pp_init(&pp, "User", "clientPass", "EXAMPLE");
	ac = v2_respond(&pp, 3, &sv);
	status(ac, FAILURE, 3, text);
	CHECK(pp.n_success == 0 && pp.n_failure == 1);
	CHECK(pp.why == why);
	CHECK_STR(pp.msg, sentence);
	auth_client_free(ac);
}

static void test_v2_failure(void)
{
	v2_failure("E=691 R=1 C=0123456789ABCDEF0123456789ABCDEF V=3 M=Access denied", WV_FAIL_AUTH,
		   "the server rejected the user name or password (MS-CHAPv2 error 691); "
		   "the server said: \"Access denied\"");
	v2_failure("E=691 R=0 C=0123456789ABCDEF0123456789ABCDEF V=3", WV_FAIL_AUTH,
		   "the server rejected the user name or password (MS-CHAPv2 error 691)");
	v2_failure("E=648 R=0 V=3 M=Password expired", WV_FAIL_AUTH,
		   "the password has expired; change it (for example by logging on to Windows) and "
		   "try again (MS-CHAPv2 error 648); the server said: \"Password expired\"");
	v2_failure("E=649 R=0", WV_FAIL_AUTH,
		   "the account has no permission to dial in (its network access permission on the "
		   "server) (MS-CHAPv2 error 649)");
	v2_failure("E=647 R=0", WV_FAIL_AUTH, "the account is disabled (MS-CHAPv2 error 647)");
	v2_failure("E=646 R=0", WV_FAIL_AUTH, "the account is not allowed to log on at this time "
		   "of day (restricted logon hours) (MS-CHAPv2 error 646)");
	v2_failure("E=709 R=0", WV_FAIL_AUTH, "the server reported an error while changing the "
		   "password (MS-CHAPv2 error 709)");
	v2_failure("E=999 R=0 M=odd", WV_FAIL_AUTH,
		   "the server refused the authentication (MS-CHAPv2 error 999); "
		   "the server said: \"odd\"");
	/* glued M=, control characters and non-ASCII in the text */
	v2_failure("E=691 R=0 V=3M=Bad\x01\npass\xc3\xa9", WV_FAIL_AUTH,
		   "the server rejected the user name or password (MS-CHAPv2 error 691); "
		   "the server said: \"Bad??pass??\"");
	/* no E= at all: the whole text is the server's message */
	v2_failure("nope", WV_FAIL_AUTH,
		   "the server rejected the user name or password (MS-CHAPv2); "
		   "the server said: \"nope\"");
	v2_failure("", WV_FAIL_AUTH, "the server rejected the user name or password (MS-CHAPv2)");
	v2_failure("E=99999999999999999999", WV_FAIL_AUTH,
		   "the server refused the authentication (MS-CHAPv2 error 999999999)");
}

static void test_v2_retransmit(void)
{
	struct ppp pp;
	struct server_view sv;
	struct auth_client *ac;
	uint8_t first[1024], chal2[16];
	size_t first_len;
	char msg[128];

	pp_init(&pp, "User", "clientPass", "EXAMPLE");
	ac = v2_respond(&pp, 1, &sv);
	first_len = pp.sent_len;
	memcpy(first, pp.sent, first_len);
	/* the server repeats its Challenge: the very same Response again */
	challenge(ac, 1, rfc_auth_chal, 16, "");
	CHECK(pp.n_sent == 2);
	CHECK(pp.sent_len == first_len && memcmp(pp.sent, first, first_len) == 0);
	/* a new Challenge (new Identifier) gets a new Response */
	challenge(ac, 2, rfc_auth_chal, 16, "");
	CHECK(pp.n_sent == 3 && pp.sent[1] == 2);
	CHECK(memcmp(pp.sent + 5, first + 5, 16) != 0);       /* new Peer-Challenge */
	/* same Identifier, other challenge value: answered anew */
	memcpy(chal2, rfc_auth_chal, 16);
	chal2[0] ^= 1;
	challenge(ac, 2, chal2, 16, "");
	CHECK(pp.n_sent == 4);
	/* the Success must match the last Response */
	challenge(ac, 3, rfc_auth_chal, 16, "");
	server_compute(pp.sent + 5, "User", "clientPass", &sv);
	snprintf(msg, sizeof(msg), "S=%sM=hi", sv.s_hex);
	status(ac, SUCCESS, 3, msg);
	CHECK(pp.n_success == 1 && pp.n_failure == 0);
	CHECK_MEM(pp.keys.send, sv.client_send, 16);

	/* a later re-authentication: answered, no second success */
	challenge(ac, 9, rfc_auth_chal, 16, "");
	CHECK(pp.n_sent == 6 && pp.sent[1] == 9);
	server_compute(pp.sent + 5, "User", "clientPass", &sv);
	snprintf(msg, sizeof(msg), "S=%s M=again", sv.s_hex);
	status(ac, SUCCESS, 9, msg);
	CHECK(pp.n_success == 1 && pp.n_failure == 0);
	/* ... and a failed one ends it */
	challenge(ac, 10, rfc_auth_chal, 16, "");
	status(ac, FAILURE, 10, "E=691 R=0");
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	auth_client_free(ac);
}

static void test_malformed(void)
{
	static const uint8_t pkts[][24] = {
		{ 1, 1, 0x00, 0x30, 16 },              /* Length past the end */
		{ 1, 1, 0x00, 0x03 },                  /* Length under the header */
		{ 1, 1, 0x00, 0x08, 16, 1, 2, 3 },     /* Value-Size past Length */
		{ 1, 1, 0x00, 0x05, 0 },               /* empty challenge */
		{ 1, 1, 0x00, 0x0d, 8, 1, 2, 3, 4, 5, 6, 7, 8 },   /* 8 octets for v2 */
		{ 2, 1, 0x00, 0x04 },                  /* a Response */
		{ 3, 1, 0x00, 0x04 },                  /* Success before any Challenge */
		{ 4, 1, 0x00, 0x06, 'E', '=' },        /* Failure before any Challenge */
		{ 9, 1, 0x00, 0x04 },                  /* unknown code */
	};
	static const size_t lens[] = { 20, 4, 8, 5, 13, 4, 4, 6, 4 };
	struct ppp pp;
	struct server_view sv;
	struct auth_client *ac;
	uint8_t buf[64];
	size_t i;

	pp_init(&pp, "User", "clientPass", "EXAMPLE");
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MSCHAPV2);
	auth_client_start(ac);
	for (i = 0; i < ARRAY_SIZE(pkts); i++)
		feed(ac, pkts[i], lens[i]);
	feed(ac, pkts[0], 0);
	feed(ac, pkts[0], 1);
	feed(ac, pkts[0], 3);
	CHECK(pp.n_sent == 0 && pp.n_success == 0 && pp.n_failure == 0);
	auth_client_free(ac);

	/* octets past Length are padding, not part of the Name */
	pp_init(&pp, "User", "clientPass", "EXAMPLE");
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MSCHAPV2);
	buf[0] = 1;
	buf[1] = 4;
	store_be16(buf + 2, 4 + 1 + 16 + 3);
	buf[4] = 16;
	memcpy(buf + 5, rfc_auth_chal, 16);
	memcpy(buf + 21, "RASxxxxxx", 9);
	feed(ac, buf, 30);
	CHECK(pp.n_sent == 1);
	response_value(&pp, 4, 49, "EXAMPLE\\User");
	server_compute(pp.sent + 5, "User", "clientPass", &sv);
	CHECK_MEM(pp.sent + 5 + 24, sv.nt, 24);
	auth_client_free(ac);
	auth_client_free(NULL);
}

static void test_md5(void)
{
	static const uint8_t chal1[16] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
	};
	uint8_t chal2[16], exp[16];
	struct ppp pp;
	struct auth_client *ac;
	const uint8_t *v;

	/* vectors.md §7 */
	pp_init(&pp, "alice", "secret", NULL);
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MD5);
	auth_client_start(ac);
	challenge(ac, 0x01, chal1, 16, "server");
	v = response_value(&pp, 0x01, 16, "alice");
	check_unhex("74 0E 86 46 3B DA 3A 4D 70 17 D6 E0 FB A0 69 9D", exp, 16);
	CHECK_MEM(v, exp, 16);
	status(ac, SUCCESS, 0x01, "Welcome");
	CHECK(pp.n_success == 1 && pp.keys_null);
	auth_client_free(ac);

	pp_init(&pp, "alice", "password", NULL);
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MD5);
	check_unhex("BE 4F 12 8A 6B 3C 3E 5A 89 55 2F 8E 0F 63 29 D1", chal2, 16);
	challenge(ac, 0x2A, chal2, 16, "");
	v = response_value(&pp, 0x2A, 16, "alice");
	check_unhex("BE 22 F3 98 BB 4F 50 EA 85 78 DD 57 EF 04 4B 5E", exp, 16);
	CHECK_MEM(v, exp, 16);
	status(ac, FAILURE, 0x2A, "Login incorrect");
	CHECK(pp.n_success == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK_STR(pp.msg, "the server rejected the user name or password (CHAP-MD5); "
		  "the server said: \"Login incorrect\"");
	auth_client_free(ac);

	/* any challenge length goes for MD5; the domain prefixes the Name */
	pp_init(&pp, "bob", "pw", "CORP");
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MD5);
	challenge(ac, 5, chal1, 1, "");
	response_value(&pp, 5, 16, "CORP\\bob");
	auth_client_free(ac);
}

static void test_v1(void)
{
	uint8_t chal[8], exp[24], hash[16], hh[16], key[16];
	struct ppp pp;
	struct auth_client *ac;
	const uint8_t *v;

	/* RFC 2433 §B.2 */
	check_unhex("10 2D B5 DF 08 5D 30 41", chal, 8);
	pp_init(&pp, "User", "MyPw", NULL);
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MSCHAP);
	auth_client_start(ac);
	challenge(ac, 0x10, chal, 8, "");
	v = response_value(&pp, 0x10, 49, "User");
	memset(exp, 0, 24);
	CHECK_MEM(v, exp, 24);                    /* no LAN Manager response */
	check_unhex("4E 9D 3C 8F 9C FD 38 5D 5B F4 D3 24 67 91 95 6C A4 C3 51 AB 40 9A 3D 61",
		    exp, 24);
	CHECK_MEM(v + 24, exp, 24);
	CHECK(v[48] == 1);                        /* use the NT response */
	status(ac, SUCCESS, 0x10, "");
	CHECK(pp.n_success == 1 && !pp.keys_null && pp.keys.valid);
	CHECK(mschap_nt_password_hash("MyPw", hash) == 0);
	CHECK(mschap_hash_nt_password_hash(hash, hh) == 0);
	CHECK(mschapv1_start_key(chal, hh, key) == 0);
	CHECK_MEM(pp.keys.send, key, 16);
	CHECK_MEM(pp.keys.recv, key, 16);
	auth_client_free(ac);

	/* RFC 3079 §2.5.3 start key */
	pp_init(&pp, "User", "clientPass", NULL);
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MSCHAP);
	challenge(ac, 0x11, chal, 8, "");
	status(ac, SUCCESS, 0x11, "");
	check_unhex("A8 94 78 50 CF C0 AC C1 D1 78 9F B6 2D DC DD B0", exp, 16);
	CHECK_MEM(pp.keys.send, exp, 16);
	auth_client_free(ac);

	pp_init(&pp, "User", "clientPass", NULL);
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MSCHAP);
	challenge(ac, 0x12, chal, 8, "");
	challenge(ac, 0x12, rfc_auth_chal, 16, ""); /* 16 octets: not MS-CHAPv1 */
	CHECK(pp.n_sent == 1);
	status(ac, FAILURE, 0x12, "E=691 R=1");
	CHECK(pp.n_failure == 1 && pp.why == WV_FAIL_AUTH);
	CHECK_STR(pp.msg, "the server rejected the user name or password (MS-CHAP error 691)");
	auth_client_free(ac);
}

static void test_config_errors(void)
{
	struct ppp pp;
	struct auth_client *ac;
	char user[700];

	pp_init(&pp, "User", "p\xe4ss", NULL);     /* Latin-1, not UTF-8 */
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MSCHAPV2);
	challenge(ac, 1, rfc_auth_chal, 16, "");
	CHECK(pp.n_sent == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_CONFIG);
	CHECK(strstr(pp.msg, "UTF-8") != NULL);
	auth_client_free(ac);

	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	pp_init(&pp, user, "pw", NULL);
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MD5);
	challenge(ac, 1, rfc_auth_chal, 16, "");
	CHECK(pp.n_sent == 0 && pp.n_failure == 1 && pp.why == WV_FAIL_CONFIG);
	auth_client_free(ac);

	/* a user name with its own domain is not prefixed again */
	pp_init(&pp, "OTHER\\User", "clientPass", "EXAMPLE");
	ac = auth_client_new(&pp, PPP_CHAP, CHAP_MD5);
	challenge(ac, 1, rfc_auth_chal, 16, "");
	response_value(&pp, 1, 16, "OTHER\\User");
	auth_client_free(ac);
}

/* A lost Success: our Response goes again every 3 s until a result comes
 * (pppd and RRAS answer a repeated Response with the result again), and
 * never after it. */
static void test_v2_lost_success(void)
{
	struct ppp pp;
	struct server_view sv;
	struct auth_client *ac;
	uint8_t first[1024];
	size_t first_len;
	char msg[128];

	pp_init(&pp, "User", "clientPass", "EXAMPLE");
	ac = v2_respond(&pp, 5, &sv);
	first_len = pp.sent_len;
	memcpy(first, pp.sent, first_len);
	advance(2900);
	CHECK(pp.n_sent == 1);
	advance(200);
	CHECK(pp.n_sent == 2);
	CHECK(pp.sent_len == first_len && memcmp(pp.sent, first, first_len) == 0);
	advance(3000);
	CHECK(pp.n_sent == 3);
	snprintf(msg, sizeof(msg), "S=%s M=ok", sv.s_hex);
	status(ac, SUCCESS, 5, msg);
	CHECK(pp.n_success == 1);
	advance(30000);
	CHECK(pp.n_sent == 3);
	auth_client_free(ac);

	/* and at most 9 times, then the core's authentication timeout decides */
	pp_init(&pp, "User", "clientPass", "EXAMPLE");
	ac = v2_respond(&pp, 6, &sv);
	advance(60000);
	for (int i = 0; i < 20; i++)
		advance(3000);
	CHECK(pp.n_sent == 10);
	auth_client_free(ac);
}

int main(void)
{
	test_loop = wv_loop_new();
	if (!test_loop)
		return 1;
	wv_loop_set_clock(test_loop, fake_clock, NULL);
	test_acceptable();
	test_v2_success(S_SPACE);
	test_v2_success(S_GLUED);
	test_v2_success(S_BARE);
	test_v2_forged();
	test_v2_failure();
	test_v2_retransmit();
	test_malformed();
	test_md5();
	test_v1();
	test_config_errors();
	test_v2_lost_success();
	wv_loop_free(test_loop);
	return check_done("test-chap");
}
