/* eap-tls.c -- the TLS half of EAP-TLS (RFC 5216): an OpenSSL 3 client over
 * memory BIOs in the engine's own OSSL_LIB_CTX, the user certificate (PEM,
 * or PKCS#12 holding the key too), the server's certificate verified against
 * user-ca, fragmentation of our flights with the L/M flags and reassembly of
 * the server's up to EAP_TLS_MAX_MSG, and the MSK from the TLS exporter.
 *
 * TLS is capped at 1.2: RFC 5216's key derivation and the ACK-driven
 * flow are defined for it, and pppd 2.4.9 (the lab's EAP-TLS server) and
 * Windows' PPP EAP-TLS use it; TLS 1.3 (RFC 9190) changes both. */
#include "wv.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "log.h"
#include "rd.h"
#include "eap.h"

/* a certificate or key file larger than this is not one */
#define EAP_TLS_FILE_MAX (1024 * 1024)

struct eap_tls {
	const struct wv_log *log;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;          /* owned by ssl */
	struct eap_tls_reasm in;   /* the server's message being gathered */
	uint8_t *out;              /* our flight being sent, fragment by fragment */
	size_t out_len, out_off;
	bool started, done, failed;
	bool appdata;              /* PEAP: application data follows the handshake */
	char err[400];
};

/* ---- reassembly ---------------------------------------------------------------- */

void eap_tls_reasm_reset(struct eap_tls_reasm *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int eap_tls_reasm_add(struct eap_tls_reasm *r, const uint8_t *data, size_t len)
{
	struct rd rd = rd_init(data, len);
	uint8_t flags = rd_u8(&rd);
	size_t total = 0, n, cap;
	const uint8_t *frag;
	uint8_t *nb;

	if (!rd_ok(&rd))
		return -EBADMSG;
	if (flags & EAP_TLS_FLAG_L) {
		total = rd_be32(&rd);
		if (!rd_ok(&rd) || total == 0)
			return -EBADMSG;
		if (total > EAP_TLS_MAX_MSG)
			return -EMSGSIZE;
		/* Some servers repeat L in every fragment: it must not change. */
		if (r->active && r->total && total != r->total)
			return -EBADMSG;
	}
	n = rd_left(&rd);
	frag = rd_bytes(&rd, n);
	if (!r->active) {
		r->len = 0;
		r->total = total;
	}
	cap = r->total ? r->total : EAP_TLS_MAX_MSG;
	if (n > cap - r->len)
		return -EMSGSIZE;
	if (n) {
		nb = realloc(r->buf, r->len + n);
		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		memcpy(r->buf + r->len, frag, n);
		r->len += n;
	}
	if (flags & EAP_TLS_FLAG_M) {
		/* A fragment with no data would make no progress. */
		if (!n)
			return -EBADMSG;
		r->active = true;
		return EAP_REASM_MORE;
	}
	r->active = false;
	if (r->total && r->len != r->total)
		return -EBADMSG;
	if (!r->len)
		return -EBADMSG;
	return EAP_REASM_DONE;
}

/* ---- credentials --------------------------------------------------------------- */

static void tls_err(struct eap_tls *t, const char *fmt, ...) WV_PRINTF(2, 3);
static void tls_err(struct eap_tls *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;
	t->failed = true;
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
}

/* OpenSSL's reason for the last error, for the end of a sentence. */
static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *s = e ? ERR_reason_error_string(e) : NULL;

	return s ? s : "unknown error";
}

/* Reads a whole file (wiped by the caller: it may hold a key). */
static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;
		if (n == cap) {
			uint8_t *nb;
			if (cap >= EAP_TLS_FILE_MAX) {
				ret = -EFBIG;
				break;
			}
			nb = malloc(cap ? cap * 2 : 8192);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			if (b) {
				memcpy(nb, b, n);
				wv_wipe(b, n);
				free(b);
			}
			b = nb;
			cap = cap ? cap * 2 : 8192;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
	}
	fclose(f);
	if (ret) {
		if (b)
			wv_wipe(b, n);
		free(b);
		return ret;
	}
	*buf = b;
	*len = n;
	return 0;
}

static void free_file(uint8_t *buf, size_t len)
{
	if (buf) {
		wv_wipe(buf, len);
		free(buf);
	}
}

static bool is_pem(const uint8_t *buf, size_t len)
{
	static const char tag[] = "-----BEGIN ";
	size_t i;

	for (i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (!memcmp(buf + i, tag, sizeof(tag) - 1))
			return true;
	return false;
}

static int pem_pass(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (!pass || size <= 0)
		return 0;
	n = strlen(pass);
	if (n > (size_t)size)
		n = (size_t)size;
	memcpy(buf, pass, n);
	return (int)n;
}

static int load_pem_cert(struct eap_tls *t, const char *path, const uint8_t *buf, size_t len)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509 *x = NULL;
	int ret = -1;

	if (!b)
		goto out;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (!x) {
		tls_err(t, _("user-cert %s holds no PEM certificate (%s)"), path, ossl_reason());
		goto out;
	}
	if (SSL_CTX_use_certificate(t->ctx, x) != 1) {
		tls_err(t, _("the user certificate %s cannot be used (%s)"), path, ossl_reason());
		goto out;
	}
	/* Intermediate CAs after the certificate go with it. */
	for (;;) {
		X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!c)
			break;
		if (SSL_CTX_add0_chain_cert(t->ctx, c) != 1) {
			X509_free(c);
			break;
		}
	}
	ERR_clear_error();
	ret = 0;
out:
	X509_free(x);
	BIO_free(b);
	return ret;
}

static int load_pem_key(struct eap_tls *t, const struct ppp_config *cfg, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	int ret = -1, err;

	err = read_file(path, &buf, &len);
	if (err) {
		tls_err(t, _("cannot read the private key %s: %s"), path, strerror(-err));
		return -1;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	if (b)
		pk = PEM_read_bio_PrivateKey_ex(b, NULL, pem_pass, (void *)cfg->user_certpass,
						wv_crypto_libctx(), NULL);
	if (!pk) {
		if (memmem(buf, len, "ENCRYPTED", 9) && !cfg->user_certpass)
			tls_err(t, _("the private key %s is encrypted: set its passphrase "
				     "(user-certpass)"), path);
		else if (memmem(buf, len, "ENCRYPTED", 9))
			tls_err(t, _("the private key %s could not be decrypted: is user-certpass "
				     "right? (%s)"), path, ossl_reason());
		else
			tls_err(t, _("%s holds no PEM private key (%s); set user-key"), path,
				ossl_reason());
		goto out;
	}
	if (SSL_CTX_use_PrivateKey(t->ctx, pk) != 1) {
		tls_err(t, _("the private key %s cannot be used (%s)"), path, ossl_reason());
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(pk);
	BIO_free(b);
	free_file(buf, len);
	return ret;
}

static int load_pkcs12(struct eap_tls *t, const struct ppp_config *cfg, const char *path,
		       const uint8_t *buf, size_t len)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	PKCS12 *p12 = NULL;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	STACK_OF(X509) *ca = NULL;
	int ret = -1, i;

	if (b)
		p12 = d2i_PKCS12_bio(b, NULL);
	if (!p12) {
		tls_err(t, _("user-cert %s is neither PEM nor PKCS#12 (%s)"), path, ossl_reason());
		goto out;
	}
	if (!PKCS12_parse(p12, cfg->user_certpass ? cfg->user_certpass : "", &pk, &x, &ca)) {
		tls_err(t, cfg->user_certpass ?
			_("the PKCS#12 file %s could not be opened: is user-certpass right? (%s)") :
			_("the PKCS#12 file %s could not be opened: set its passphrase "
			  "(user-certpass) (%s)"), path, ossl_reason());
		goto out;
	}
	if (!x || !pk) {
		tls_err(t, _("the PKCS#12 file %s lacks the certificate or its key"), path);
		goto out;
	}
	if (SSL_CTX_use_certificate(t->ctx, x) != 1 || SSL_CTX_use_PrivateKey(t->ctx, pk) != 1) {
		tls_err(t, _("the certificate in %s cannot be used (%s)"), path, ossl_reason());
		goto out;
	}
	for (i = 0; ca && i < sk_X509_num(ca); i++) {
		X509 *c = sk_X509_value(ca, i);
		if (SSL_CTX_add1_chain_cert(t->ctx, c) != 1)
			break;
	}
	ERR_clear_error();
	ret = 0;
out:
	EVP_PKEY_free(pk);
	X509_free(x);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	BIO_free(b);
	return ret;
}

static int load_user_cert(struct eap_tls *t, const struct ppp_config *cfg)
{
	const char *path = cfg->user_cert;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret, err;

	if (!path || !*path) {
		tls_err(t, _("EAP-TLS needs a user certificate: set user-cert (and user-key)"));
		return -1;
	}
	err = read_file(path, &buf, &len);
	if (err) {
		tls_err(t, _("cannot read the user certificate %s: %s"), path, strerror(-err));
		return -1;
	}
	if (is_pem(buf, len)) {
		ret = load_pem_cert(t, path, buf, len);
		if (!ret)
			ret = load_pem_key(t, cfg, cfg->user_key && *cfg->user_key ?
					   cfg->user_key : path);
	} else {
		ret = load_pkcs12(t, cfg, path, buf, len);
	}
	free_file(buf, len);
	if (ret)
		return ret;
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		tls_err(t, _("the private key does not belong to the user certificate %s"), path);
		return -1;
	}
	return 0;
}

struct eap_tls *eap_tls_new(const struct ppp_config *cfg, const struct wv_log *log,
			    bool user_cert, char **err)
{
	struct eap_tls *t;
	char *why = NULL;

	*err = NULL;
	if (wv_crypto_init(&why) < 0) {
		*err = why ? why : strdup(_("OpenSSL could not be initialised"));
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->log = log;
	t->appdata = !user_cert;
	t->ctx = SSL_CTX_new_ex(wv_crypto_libctx(), NULL, TLS_client_method());
	if (!t->ctx) {
		tls_err(t, _("OpenSSL could not create a TLS context (%s)"), ossl_reason());
		goto fail;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_VERSION);
	SSL_CTX_set_max_proto_version(t->ctx, TLS1_2_VERSION);
	/* No tickets: the session is never resumed (RFC 5216 §2.1.2 allows,
	 * nothing here needs it). */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if (cfg->user_ca && *cfg->user_ca) {
		if (SSL_CTX_load_verify_file(t->ctx, cfg->user_ca) != 1) {
			tls_err(t, _("cannot read the CA certificate user-ca=%s (%s)"), cfg->user_ca,
				ossl_reason());
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		tls_err(t, _("no user-ca is set and the system's CA certificates cannot be "
			     "read (%s)"), ossl_reason());
		goto fail;
	}
	if (user_cert && load_user_cert(t, cfg) < 0)
		goto fail;
	t->ssl = SSL_new(t->ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->rbio || !t->wbio) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		t->rbio = t->wbio = NULL;
		tls_err(t, _("OpenSSL could not create a TLS connection (%s)"), ossl_reason());
		goto fail;
	}
	/* An empty read BIO means "wait" (SSL_ERROR_WANT_READ), not EOF. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_connect_state(t->ssl);
	ERR_clear_error();
	return t;
fail:
	ERR_clear_error();
	*err = strdup(t->err[0] ? t->err : _("EAP-TLS could not be set up"));
	eap_tls_free(t);
	if (!*err)
		goto oom;
	return NULL;
oom:
	*err = strdup(_("out of memory"));
	return NULL;
}

void eap_tls_free(struct eap_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);     /* frees the BIOs and cleanses the session */
	SSL_CTX_free(t->ctx);
	eap_tls_reasm_reset(&t->in);
	free(t->out);
	free(t);
}

int eap_tls_cert_name(const struct eap_tls *t, char *buf, size_t size)
{
	X509 *x = t->ctx ? SSL_CTX_get0_certificate(t->ctx) : NULL;
	int n;

	if (!x || size < 2)
		return -ENOENT;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)size);
	if (n <= 0 || (size_t)n >= size || strlen(buf) != (size_t)n) {
		buf[0] = '\0';
		return -ENOENT;
	}
	return n;
}

const char *eap_tls_error(const struct eap_tls *t)
{
	return t->err;
}

bool eap_tls_handshake_done(const struct eap_tls *t)
{
	return t->done;
}

/* ---- the handshake ------------------------------------------------------------- */

/* An alert the server sends when it does not accept our certificate. */
static bool tls_cert_alert(int reason)
{
	switch (reason) {
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
		return true;
	default:
		return false;
	}
}

/* Why the handshake failed, as a sentence. */
static void tls_handshake_error(struct eap_tls *t)
{
	long v = SSL_get_verify_result(t->ssl);
	unsigned long e = ERR_peek_last_error();

	if (v != X509_V_OK) {
		tls_err(t, _("the server's certificate could not be verified against %s: %s"),
			"user-ca", X509_verify_cert_error_string(v));
	} else if (e && ERR_GET_LIB(e) == ERR_LIB_SSL && tls_cert_alert(ERR_GET_REASON(e))) {
		tls_err(t, _("the server rejected the user certificate (TLS alert: %s)"),
			ossl_reason());
	} else if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
		   ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET) {
		/* Another alert from the server. */
		tls_err(t, _("the server ended the TLS handshake (TLS alert: %s)"), ossl_reason());
	} else {
		tls_err(t, _("the TLS handshake with the server failed: %s"), ossl_reason());
	}
	ERR_clear_error();
}

/* Runs the handshake on what the read BIO holds; queues our output. */
static int tls_step(struct eap_tls *t)
{
	size_t pending;
	int r;

	ERR_clear_error();
	r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		t->done = true;
	} else {
		int e = SSL_get_error(t->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			tls_handshake_error(t);
			return -1;
		}
	}
	pending = BIO_ctrl_pending(t->wbio);
	if (pending) {
		free(t->out);
		t->out = malloc(pending);
		t->out_len = t->out_off = 0;
		if (!t->out) {
			tls_err(t, _("out of memory"));
			return -1;
		}
		if (BIO_read(t->wbio, t->out, (int)pending) != (int)pending) {
			tls_err(t, _("OpenSSL lost TLS output"));
			return -1;
		}
		t->out_len = pending;
	}
	return 0;
}

static bool tls_sending(const struct eap_tls *t)
{
	return t->out && t->out_off < t->out_len;
}

/* The next fragment of our flight (RFC 5216 §3.1: L on the first of
 * several, M on all but the last). */
static enum eap_tls_status tls_fragment(struct eap_tls *t, uint8_t *out, size_t *out_len)
{
	size_t left = t->out_len - t->out_off, n = MIN(left, (size_t)EAP_TLS_FRAG), p = 1;
	uint8_t flags = 0;

	if (left > n)
		flags |= EAP_TLS_FLAG_M;
	if (t->out_off == 0 && left > n) {
		flags |= EAP_TLS_FLAG_L;
		store_be32(out + 1, (uint32_t)t->out_len);
		p = 5;
	}
	out[0] = flags;
	memcpy(out + p, t->out + t->out_off, n);
	t->out_off += n;
	*out_len = p + n;
	wv_dbg(t->log, "AUTH", "EAP-TLS: sending %zu of %zu TLS octets%s", n, t->out_len,
	       flags & EAP_TLS_FLAG_M ? " (more follow)" : "");
	if (t->out_off == t->out_len) {
		free(t->out);
		t->out = NULL;
		t->out_len = t->out_off = 0;
	}
	return EAP_TLS_REPLY;
}

static enum eap_tls_status tls_ack(uint8_t *out, size_t *out_len)
{
	out[0] = 0;
	*out_len = 1;
	return EAP_TLS_REPLY;
}

enum eap_tls_status eap_tls_input(struct eap_tls *t, const uint8_t *data, size_t len,
				  uint8_t *out, size_t *out_len)
{
	uint8_t flags;
	int ret;

	if (t->failed)
		return EAP_TLS_FAILED;
	/* SoftEther 5.01 acknowledges our fragments with no Flags octet at
	 * all (EAP Length 5): read that as flags 0, no data. */
	if (len < 1) {
		static const uint8_t no_flags;
		data = &no_flags;
		len = 1;
	}
	flags = data[0];
	if (flags & EAP_TLS_FLAG_S) {
		/* A second Start (new identifier) in the middle is out of place. */
		if (t->started)
			return EAP_TLS_IGNORE;
		t->started = true;
		wv_dbg(t->log, "AUTH", "EAP-TLS: start; sending ClientHello");
		if (tls_step(t) < 0)
			return EAP_TLS_FAILED;
		if (!tls_sending(t)) {
			tls_err(t, _("OpenSSL produced no TLS ClientHello"));
			return EAP_TLS_FAILED;
		}
		return tls_fragment(t, out, out_len);
	}
	if (!t->started)
		return EAP_TLS_IGNORE;
	if (tls_sending(t)) {
		/* The server acknowledges our fragment with an empty request. */
		if (len == 1 && !(flags & (EAP_TLS_FLAG_L | EAP_TLS_FLAG_M)))
			return tls_fragment(t, out, out_len);
		wv_dbg(t->log, "AUTH", "EAP-TLS: data while our fragments are pending, ignored");
		return EAP_TLS_IGNORE;
	}
	if (t->done && len == 1)
		return tls_ack(out, out_len);   /* nothing more to say */
	ret = eap_tls_reasm_add(&t->in, data, len);
	if (ret == -EMSGSIZE) {
		tls_err(t, _("the server's TLS message is larger than %u octets"),
			EAP_TLS_MAX_MSG);
		return EAP_TLS_FAILED;
	}
	if (ret == -ENOMEM) {
		tls_err(t, _("out of memory"));
		return EAP_TLS_FAILED;
	}
	if (ret < 0) {
		wv_dbg(t->log, "AUTH", "EAP-TLS: malformed fragment ignored");
		eap_tls_reasm_reset(&t->in);
		return EAP_TLS_IGNORE;
	}
	if (ret == EAP_REASM_MORE) {
		wv_dbg(t->log, "AUTH", "EAP-TLS: fragment of %zu octets, acknowledged", t->in.len);
		return tls_ack(out, out_len);
	}
	wv_dbg(t->log, "AUTH", "EAP-TLS: TLS message of %zu octets from the server", t->in.len);
	if (BIO_write(t->rbio, t->in.buf, (int)t->in.len) != (int)t->in.len) {
		eap_tls_reasm_reset(&t->in);
		tls_err(t, _("OpenSSL could not take the server's TLS data"));
		return EAP_TLS_FAILED;
	}
	eap_tls_reasm_reset(&t->in);
	if (t->done) {
		if (t->appdata)
			return EAP_TLS_APPDATA;
		/* After the handshake (TLS 1.2 sends nothing more): drop it. */
		BIO_reset(t->rbio);
		return tls_ack(out, out_len);
	}
	if (tls_step(t) < 0)
		return EAP_TLS_FAILED;
	if (tls_sending(t))
		return tls_fragment(t, out, out_len);
	tls_ack(out, out_len);
	if (t->done) {
		wv_dbg(t->log, "AUTH", "EAP-TLS: handshake complete (%s, %s)",
		       SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
		return EAP_TLS_DONE;
	}
	return EAP_TLS_REPLY;
}

int eap_tls_read(struct eap_tls *t, uint8_t *buf, size_t max)
{
	int n;

	if (!t->done || t->failed)
		return -1;
	ERR_clear_error();
	n = SSL_read(t->ssl, buf, (int)MIN(max, (size_t)INT_MAX));
	if (n > 0)
		return n;
	switch (SSL_get_error(t->ssl, n)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	default:
		tls_err(t, _("the TLS tunnel failed: %s"), ossl_reason());
		ERR_clear_error();
		return -1;
	}
}

int eap_tls_write(struct eap_tls *t, const uint8_t *buf, size_t len)
{
	size_t pending;

	if (!t->done || t->failed || tls_sending(t) || !len)
		return -1;
	ERR_clear_error();
	if (SSL_write(t->ssl, buf, (int)len) != (int)len) {
		tls_err(t, _("the TLS tunnel failed: %s"), ossl_reason());
		ERR_clear_error();
		return -1;
	}
	pending = BIO_ctrl_pending(t->wbio);
	free(t->out);
	t->out = malloc(pending ? pending : 1);
	t->out_len = t->out_off = 0;
	if (!t->out || BIO_read(t->wbio, t->out, (int)pending) != (int)pending) {
		tls_err(t, _("out of memory"));
		return -1;
	}
	t->out_len = pending;
	return 0;
}

enum eap_tls_status eap_tls_next(struct eap_tls *t, uint8_t *out, size_t *out_len)
{
	if (tls_sending(t))
		return tls_fragment(t, out, out_len);
	return tls_ack(out, out_len);
}

int eap_tls_msk(struct eap_tls *t, uint8_t msk[64])
{
	static const char label[] = "client EAP encryption";

	if (!t->done)
		return -EIO;
	if (SSL_export_keying_material(t->ssl, msk, 64, label, sizeof(label) - 1, NULL, 0,
				       0) != 1) {
		ERR_clear_error();
		wv_wipe(msk, 64);
		return -EIO;
	}
	return 0;
}
