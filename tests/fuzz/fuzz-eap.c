/* fuzz-eap.c -- arbitrary packets into the EAP peer (RFC 3748 framing,
 * Identity, Notification, Nak, EAP-MD5, EAP-MSCHAPv2 and the Request cache),
 * or arbitrary EAP-TLS Type-Data into the TLS half (fragment reassembly with
 * its L/M flags and size cap, then OpenSSL's handshake parser).
 *
 * Input: one selector octet, then packets as [length: 2 octets BE][octets].
 * Selector bit 0 requires MPPE (MD5 declined); bit 1 adds a domain; bit 2
 * makes the harness an honest EAP-MSCHAPv2 server: after each new
 * MSCHAPv2 Response it sends the right "S=" and then EAP Success, so the
 * success path and its keys run too.  Bit 3: the packets are EAP-TLS
 * Type-Data fed to eap_tls_input() after a Start (no client certificate, as
 * PEAP's tunnel would have). */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ppp/auth.h"
#include "ppp/eap.h"
#include "ppp/mschap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ppp {
	struct ppp_config cfg;
	struct wv_log log;
	uint8_t last[2048];
	size_t last_len;
	bool new_response;
	uint8_t chal[16];
	bool have_chal;
};

const struct ppp_config *ppp_config(const struct ppp *ppp)
{
	return &ppp->cfg;
}

const struct wv_log *ppp_log(const struct ppp *ppp)
{
	return &ppp->log;
}

/* A loop for the Response's resend timer; the fuzzer never runs its timers. */
struct wv_loop *ppp_loop(const struct ppp *ppp)
{
	static struct wv_loop *loop;

	(void)ppp;
	if (!loop)
		loop = wv_loop_new();
	return loop;
}

int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	if (proto != PPP_EAP || len < 5 || load_be16(buf + 2) != len || buf[0] != EAP_RESPONSE)
		abort();   /* we only ever send well-formed Responses */
	if (len > sizeof(ppp->last))
		abort();
	memcpy(ppp->last, buf, len);
	ppp->last_len = len;
	ppp->new_response = true;
	return 0;
}

void ppp_auth_success(struct ppp *ppp, const struct mppe_keys *keys)
{
	volatile uint8_t sum = 0;
	size_t i;

	if (keys)
		for (i = 0; i < sizeof(keys->send); i++)
			sum ^= keys->send[i] ^ keys->recv[i];
	(void)sum;
}

void ppp_auth_failure(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	if (!msg || !*msg || strlen(msg) > 1024)
		abort();
}

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static void feed(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	/* an exact-size heap copy, so ASan catches any over-read */
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	auth_client_input(ac, copy, len);
	free(copy);
}

/* The honest server's MSCHAPv2 Success request, then EAP Success. */
static void honest_success(struct ppp *pp, struct auth_client *ac)
{
	uint8_t hash[16], hh[16], ar[20], pkt[5 + 4 + 42];
	const uint8_t *v = pp->last + 5 + 5;
	uint8_t id = (uint8_t)(pp->last[1] + 1);
	size_t i;

	if (pp->last_len < 5 + 5 + 49 || pp->last[4] != EAP_MSCHAPV2 ||
	    pp->last[5] != MSV2_OP_RESPONSE)
		return;
	if (mschap_nt_password_hash(pp->cfg.password, hash) ||
	    mschap_hash_nt_password_hash(hash, hh) ||
	    mschapv2_authenticator_response(hh, v + 24, v, pp->chal, pp->cfg.user, ar))
		return;
	pkt[0] = EAP_REQUEST;
	pkt[1] = id;
	store_be16(pkt + 2, sizeof(pkt));
	pkt[4] = EAP_MSCHAPV2;
	pkt[5] = MSV2_OP_SUCCESS;
	pkt[6] = pp->last[6];
	store_be16(pkt + 7, 4 + 42);
	memcpy(pkt + 9, "S=", 2);
	for (i = 0; i < 20; i++) {
		static const char hex[] = "0123456789ABCDEF";
		pkt[11 + 2 * i] = (uint8_t)hex[ar[i] >> 4];
		pkt[12 + 2 * i] = (uint8_t)hex[ar[i] & 15];
	}
	feed(ac, pkt, sizeof(pkt));
	pkt[0] = EAP_SUCCESS;
	store_be16(pkt + 2, 4);
	feed(ac, pkt, 4);
}

/* A one-certificate user-ca, made once: loading the system's CA store for
 * every input would make each run take 100 ms. */
static char fuzz_ca_path[64];

static void fuzz_ca_remove(void)
{
	unlink(fuzz_ca_path);
}

static const char *fuzz_ca(void)
{
	char *path = fuzz_ca_path;
	EVP_PKEY *k;
	X509 *x;
	FILE *f;
	int fd;

	if (path[0])
		return path;
	snprintf(path, sizeof(fuzz_ca_path), "/tmp/fuzz-eap-ca.XXXXXX");
	fd = mkstemp(path);
	if (fd >= 0)
		atexit(fuzz_ca_remove);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	x = X509_new();
	if (fd < 0 || !k || !x)
		abort();
	X509_set_version(x, 2);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz CA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	f = fdopen(fd, "w");
	if (!f || !PEM_write_X509(f, x))
		abort();
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
	return path;
}

static void fuzz_tls(struct ppp *pp, struct rd *r)
{
	uint8_t out[5 + EAP_TLS_FRAG];
	size_t out_len;
	struct eap_tls *t;
	char *err = NULL;

	t = eap_tls_new(&pp->cfg, &pp->log, false, &err);
	if (!t) {
		free(err);
		return;
	}
	if (eap_tls_input(t, (const uint8_t *)"\x20", 1, out, &out_len) != EAP_TLS_REPLY)
		abort();
	while (rd_left(r) >= 2) {
		size_t n = rd_be16(r);
		const uint8_t *pkt;
		uint8_t *copy;

		n = MIN(n, rd_left(r));
		pkt = rd_bytes(r, n);
		copy = malloc(n ? n : 1);
		if (!copy)
			abort();
		memcpy(copy, pkt, n);
		out_len = 0;
		if (eap_tls_input(t, copy, n, out, &out_len) == EAP_TLS_REPLY &&
		    (out_len < 1 || out_len > sizeof(out)))
			abort();
		free(copy);
	}
	eap_tls_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = rd_init(data, size);
	struct auth_client *ac;
	struct ppp pp;
	uint8_t sel;

	sel = rd_u8(&r);
	if (!rd_ok(&r))
		return 0;
	memset(&pp, 0, sizeof(pp));
	pp.cfg.user = "User";
	pp.cfg.password = "clientPass";
	pp.cfg.domain = (sel & 2) ? "EXAMPLE" : NULL;
	pp.cfg.require_mppe_128 = (sel & 1) != 0;
	pp.cfg.user_ca = fuzz_ca();
	pp.log.fn = fuzz_log;
	pp.log.level = WV_LOG_TRACE;

	if (sel & 8) {
		fuzz_tls(&pp, &r);
		return 0;
	}
	ac = auth_client_new(&pp, PPP_EAP, 0);
	if (!ac)
		abort();
	auth_client_start(ac);
	while (rd_left(&r) >= 2) {
		size_t n = rd_be16(&r);
		const uint8_t *pkt;

		n = MIN(n, rd_left(&r));
		pkt = rd_bytes(&r, n);
		/* remember an MSCHAPv2 Challenge's value for the honest server */
		if (n >= 5 + 5 + 16 && pkt[0] == EAP_REQUEST && pkt[4] == EAP_MSCHAPV2 &&
		    pkt[5] == MSV2_OP_CHALLENGE && pkt[9] == 16) {
			memcpy(pp.chal, pkt + 10, 16);
			pp.have_chal = true;
		}
		pp.new_response = false;
		feed(ac, pkt, n);
		if ((sel & 4) && pp.new_response && pp.have_chal)
			honest_success(&pp, ac);
	}
	auth_client_free(ac);
	return 0;
}
