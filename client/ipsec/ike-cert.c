/* ike-cert.c -- certificates for Main Mode with RSA signatures (RFC 2409
 * §5.1, auth method 3; RFC 4945 for what goes in ID, CERT and CR): our
 * machine certificate, its key and chain (PEM files, or one PKCS#12), the CA
 * that must have signed the gateway's certificate, the IKEv1 signature
 * (PKCS#1 v1.5 padding over the bare HASH_I/HASH_R, no DigestInfo, as
 * Windows and strongSwan sign), and the checks of the gateway's certificate,
 * signature and identity.  Key material is freed with OpenSSL's clearing
 * frees; the passphrase is never kept. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "ike-int.h"

#define CRED_MAX_CHAIN 4
#define CRED_MAX_CA    8
#define CRED_FILE_MAX  (1 << 20)

struct ike_cred {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain;                 /* intermediates sent after ours */
	X509_STORE *store;                     /* machine-ca */
	uint8_t *der[1 + CRED_MAX_CHAIN];      /* ours, then the chain */
	int der_len[1 + CRED_MAX_CHAIN];
	unsigned n_der;
	uint8_t *subject;                      /* our DER subject: the ID payload */
	int subject_len;
	uint8_t *ca_name[CRED_MAX_CA];         /* DER subjects of the CAs: CR payloads */
	int ca_name_len[CRED_MAX_CA];
	unsigned n_ca;
	char ca_desc[256];                     /* "CN=...", for messages */
};

static void name_str(const X509_NAME *n, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	out[0] = 0;
	if (!b)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
	len = BIO_read(b, out, (int)cap - 1);
	out[len > 0 ? len : 0] = 0;
	BIO_free(b);
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	size_t n;

	if (!f)
		return -errno;
	p = malloc(CRED_FILE_MAX);
	if (!p) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(p, 1, CRED_FILE_MAX, f);
	fclose(f);
	if (n == 0 || n == CRED_FILE_MAX) {
		free(p);
		return -EFBIG;
	}
	*buf = p;
	*len = n;
	return 0;
}

static bool is_pem(const uint8_t *buf, size_t len)
{
	return len > 10 && memmem(buf, len, "-----BEGIN ", 11) != NULL;
}

static bool pem_encrypted(const uint8_t *buf, size_t len)
{
	return memmem(buf, len, "ENCRYPTED", 9) != NULL;
}

/* A PEM private key from buf: 0, -EACCES (wrong or missing passphrase),
 * -EINVAL (none in it). */
static int pem_key(const uint8_t *buf, size_t len, const char *pass, EVP_PKEY **key)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);

	if (!b)
		return -ENOMEM;
	*key = PEM_read_bio_PrivateKey_ex(b, NULL, NULL, (void *)(pass ? pass : ""),
					  wv_crypto_libctx(), NULL);
	BIO_free(b);
	ERR_clear_error();
	if (*key)
		return 0;
	return pem_encrypted(buf, len) ? -EACCES : -EINVAL;
}

static int pem_certs(const uint8_t *buf, size_t len, X509 **first, STACK_OF(X509) *rest)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509 *x;
	int n = 0;

	if (!b)
		return -ENOMEM;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (n++ == 0 && first)
			*first = x;
		else if (!rest || !sk_X509_push(rest, x))
			X509_free(x);
	}
	BIO_free(b);
	ERR_clear_error();
	return n;
}

static int der_of(X509 *x, uint8_t **der, int *len)
{
	*der = NULL;
	*len = i2d_X509(x, der);
	return *len > 0 ? 0 : -EIO;
}

static int name_der(const X509_NAME *n, uint8_t **der, int *len)
{
	*der = NULL;
	*len = i2d_X509_NAME(n, der);
	return *len > 0 ? 0 : -EIO;
}

void ike_cred_free(struct ike_cred *c)
{
	unsigned i;

	if (!c)
		return;
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	sk_X509_pop_free(c->chain, X509_free);
	X509_STORE_free(c->store);
	for (i = 0; i < c->n_der; i++)
		OPENSSL_free(c->der[i]);
	OPENSSL_free(c->subject);
	for (i = 0; i < c->n_ca; i++)
		OPENSSL_free(c->ca_name[i]);
	free(c);
}

struct ike_cred *ike_cred_load(const char *cert, const char *keyf, const char *pass,
			       const char *ca, char *err, size_t cap)
{
	struct ike_cred *c = calloc(1, sizeof(*c));
	uint8_t *buf = NULL;
	size_t len = 0;
	STACK_OF(X509) *cas = NULL;
	X509 *cax = NULL;
	int r, i;

	if (!c)
		goto nomem;
	if (!cert || !*cert || !ca || !*ca) {
		snprintf(err, cap, _("certificate authentication (machine-auth-type=tls) needs "
				     "machine-cert and machine-ca"));
		goto fail;
	}
	r = read_file(cert, &buf, &len);
	if (r) {
		snprintf(err, cap, _("cannot read the machine certificate %s (machine-cert): %s"),
			 cert, strerror(-r));
		goto fail;
	}
	c->chain = sk_X509_new_null();
	if (!c->chain)
		goto nomem;
	if (is_pem(buf, len)) {
		if (pem_certs(buf, len, &c->cert, c->chain) <= 0) {
			snprintf(err, cap, _("the machine certificate %s (machine-cert) holds no "
					     "PEM certificate"), cert);
			goto fail;
		}
		/* the key: machine-key, or in the same PEM file */
		if (keyf && *keyf) {
			wv_wipe(buf, len);
			free(buf);
			buf = NULL;
			r = read_file(keyf, &buf, &len);
			if (r) {
				snprintf(err, cap, _("cannot read the private key %s (machine-key): "
						     "%s"), keyf, strerror(-r));
				goto fail;
			}
		}
		r = pem_key(buf, len, pass, &c->key);
		if (r == -EACCES) {
			snprintf(err, cap, pass && *pass ?
				 _("wrong passphrase for the private key %s (machine-certpass)") :
				 _("the private key %s is encrypted: set its passphrase "
				   "(machine-certpass)"), keyf && *keyf ? keyf : cert);
			goto fail;
		}
		if (r) {
			snprintf(err, cap, _("no private key in %s: set machine-key to the PEM "
					     "file of the machine certificate's key"),
				 keyf && *keyf ? keyf : cert);
			goto fail;
		}
	} else {
		/* PKCS#12: key, certificate and chain in one file */
		const uint8_t *p = buf;
		PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
		STACK_OF(X509) *more = NULL;

		if (!p12) {
			ERR_clear_error();
			snprintf(err, cap, _("the machine certificate %s (machine-cert) is neither "
					     "PEM nor PKCS#12"), cert);
			goto fail;
		}
		if (!PKCS12_verify_mac(p12, pass ? pass : "", -1) &&
		    !(!pass && PKCS12_verify_mac(p12, NULL, 0))) {
			PKCS12_free(p12);
			ERR_clear_error();
			snprintf(err, cap, pass && *pass ?
				 _("wrong passphrase for the PKCS#12 file %s (machine-certpass)") :
				 _("the PKCS#12 file %s is protected: set its passphrase "
				   "(machine-certpass)"), cert);
			goto fail;
		}
		r = PKCS12_parse(p12, pass ? pass : "", &c->key, &c->cert, &more);
		PKCS12_free(p12);
		ERR_clear_error();
		if (!r || !c->key || !c->cert) {
			sk_X509_pop_free(more, X509_free);
			snprintf(err, cap, _("the PKCS#12 file %s (machine-cert) lacks a key or a "
					     "certificate"), cert);
			goto fail;
		}
		while (more && sk_X509_num(more) > 0) {
			X509 *x = sk_X509_shift(more);

			if (!sk_X509_push(c->chain, x))
				X509_free(x);
		}
		sk_X509_free(more);
	}
	if (!EVP_PKEY_is_a(c->key, "RSA")) {
		snprintf(err, cap, _("the machine certificate's key in %s is not RSA: IKEv1 "
				     "signature authentication as Windows does it needs RSA"), cert);
		goto fail;
	}
	if (!X509_check_private_key(c->cert, c->key)) {
		ERR_clear_error();
		snprintf(err, cap, _("the private key %s does not belong to the certificate %s"),
			 keyf && *keyf ? keyf : cert, cert);
		goto fail;
	}
	/* the CA */
	wv_wipe(buf, len);
	free(buf);
	buf = NULL;
	r = read_file(ca, &buf, &len);
	if (r) {
		snprintf(err, cap, _("cannot read the CA certificate %s (machine-ca): %s"), ca,
			 strerror(-r));
		goto fail;
	}
	cas = sk_X509_new_null();
	c->store = X509_STORE_new();
	if (!cas || !c->store)
		goto nomem;
	if (pem_certs(buf, len, &cax, cas) <= 0) {
		snprintf(err, cap, _("the CA certificate %s (machine-ca) holds no PEM "
				     "certificate"), ca);
		goto fail;
	}
	if (!sk_X509_unshift(cas, cax)) {
		X509_free(cax);
		goto nomem;
	}
	for (i = 0; i < sk_X509_num(cas); i++) {
		X509 *x = sk_X509_value(cas, i);

		X509_STORE_add_cert(c->store, x);
		if (c->n_ca < CRED_MAX_CA &&
		    !name_der(X509_get_subject_name(x), &c->ca_name[c->n_ca],
			      &c->ca_name_len[c->n_ca]))
			c->n_ca++;
		if (i == 0)
			name_str(X509_get_subject_name(x), c->ca_desc, sizeof(c->ca_desc));
	}
	sk_X509_pop_free(cas, X509_free);
	cas = NULL;
	/* what goes on the wire */
	if (der_of(c->cert, &c->der[0], &c->der_len[0]) ||
	    name_der(X509_get_subject_name(c->cert), &c->subject, &c->subject_len))
		goto nomem;
	c->n_der = 1;
	for (i = 0; i < sk_X509_num(c->chain) && c->n_der < 1 + CRED_MAX_CHAIN; i++) {
		X509 *x = sk_X509_value(c->chain, i);

		/* the root itself need not travel */
		if (X509_check_issued(x, x) == X509_V_OK)
			continue;
		if (der_of(x, &c->der[c->n_der], &c->der_len[c->n_der]))
			goto nomem;
		c->n_der++;
	}
	wv_wipe(buf, len);
	free(buf);
	return c;
nomem:
	snprintf(err, cap, _("out of memory"));
fail:
	sk_X509_pop_free(cas, X509_free);
	if (buf) {
		wv_wipe(buf, len);
		free(buf);
	}
	ike_cred_free(c);
	return NULL;
}

const uint8_t *ike_cred_subject(const struct ike_cred *c, size_t *len)
{
	*len = (size_t)c->subject_len;
	return c->subject;
}

const uint8_t *ike_cred_cert(const struct ike_cred *c, unsigned i, size_t *len)
{
	if (i >= c->n_der)
		return NULL;
	*len = (size_t)c->der_len[i];
	return c->der[i];
}

const uint8_t *ike_cred_ca_name(const struct ike_cred *c, unsigned i, size_t *len)
{
	if (i >= c->n_ca)
		return NULL;
	*len = (size_t)c->ca_name_len[i];
	return c->ca_name[i];
}

void ike_cred_describe(const struct ike_cred *c, char *out, size_t cap)
{
	name_str(X509_get_subject_name(c->cert), out, cap);
}

size_t ike_cred_sig_len(const struct ike_cred *c)
{
	return (size_t)EVP_PKEY_get_size(c->key);
}

/* RFC 2409 §5.1: SIG_I/SIG_R = the RSA signature of HASH_I/HASH_R, PKCS#1 v1.5
 * type 1 padding over the bare hash (the RSA_private_encrypt of old). */
int ike_cred_sign(const struct ike_cred *c, const uint8_t *hash, size_t hlen, uint8_t *sig,
		  size_t *siglen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(wv_crypto_libctx(), c->key, NULL);
	int ok;

	ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_sign(ctx, sig, siglen, hash, hlen) > 0;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

static int sig_check(EVP_PKEY *pub, const uint8_t *hash, size_t hlen, const uint8_t *sig,
		     size_t siglen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(wv_crypto_libctx(), pub, NULL);
	uint8_t out[1024];
	size_t outlen = sizeof(out);
	int ok;

	ok = ctx && siglen <= sizeof(out) && EVP_PKEY_verify_recover_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_verify_recover(ctx, out, &outlen, sig, siglen) > 0 &&
	     outlen == hlen && CRYPTO_memcmp(out, hash, hlen) == 0;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -EBADMSG;
}

/* "C=CH, O=x, CN=y" and "CN=y,O=x,C=CH" alike: no blanks, lower case. */
static void dn_norm(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		if (*in != ' ')
			out[n++] = (char)(*in >= 'A' && *in <= 'Z' ? *in - 'A' + 'a' : *in);
	out[n] = 0;
}

/* Does the DN string id name this subject (either order of the RDNs)? */
static bool dn_matches(const X509_NAME *n, const char *id)
{
	char want[512], fwd[512], rev[512], tmp[256];
	int i, cnt = X509_NAME_entry_count(n);
	size_t f = 0, r = 0;

	if (!strchr(id, '='))
		return false;
	dn_norm(id, want, sizeof(want));
	fwd[0] = rev[0] = 0;
	for (i = 0; i < cnt; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));

		snprintf(tmp, sizeof(tmp), "%s%s=%.*s", i ? "," : "",
			 nid != NID_undef ? OBJ_nid2sn(nid) : "?", ASN1_STRING_length(d),
			 (const char *)ASN1_STRING_get0_data(d));
		f += (size_t)snprintf(fwd + f, sizeof(fwd) - MIN(f, sizeof(fwd)), "%s", tmp);
	}
	for (i = cnt - 1; i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));

		snprintf(tmp, sizeof(tmp), "%s%s=%.*s", i != cnt - 1 ? "," : "",
			 nid != NID_undef ? OBJ_nid2sn(nid) : "?", ASN1_STRING_length(d),
			 (const char *)ASN1_STRING_get0_data(d));
		r += (size_t)snprintf(rev + r, sizeof(rev) - MIN(r, sizeof(rev)), "%s", tmp);
	}
	dn_norm(fwd, tmp, sizeof(tmp));
	if (!strcmp(tmp, want))
		return true;
	dn_norm(rev, tmp, sizeof(tmp));
	return !strcmp(tmp, want);
}

/* A host name or address: subjectAltName DNS or IP, else the CN (X509_check_host
 * falls back to the CN when the certificate has no DNS name). */
static bool host_matches(X509 *x, const char *name)
{
	struct in_addr a;

	if (inet_pton(AF_INET, name, &a) == 1)
		return X509_check_ip_asc(x, name, 0) == 1 ||
		       X509_check_host(x, name, 0, X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT, NULL) == 1;
	return X509_check_host(x, name, 0, 0, NULL) == 1;
}

int ike_cred_verify_peer(const struct ike_cred *c, const uint8_t *const *der, const size_t *len,
			 unsigned n, const uint8_t *hash, size_t hlen, const uint8_t *sig,
			 size_t siglen, const struct ike_id *idr, const char *remote_id,
			 const char *gw_name, char *msg, size_t cap)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new_ex(wv_crypto_libctx(), NULL);
	X509 *leaf = NULL;
	char subj[256] = "?", iss[256] = "?";
	unsigned i;
	int r = -EINVAL;

	if (!untrusted || !ctx) {
		snprintf(msg, cap, _("out of memory"));
		goto out;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *p = der[i];
		X509 *x = d2i_X509(NULL, &p, (long)len[i]);

		if (!x || p != der[i] + len[i]) {
			X509_free(x);
			snprintf(msg, cap, _("the gateway sent a certificate that does not parse"));
			goto out;
		}
		if (!leaf)
			leaf = x;
		else if (!sk_X509_push(untrusted, x))
			X509_free(x);
	}
	if (!leaf) {
		snprintf(msg, cap, _("the gateway sent no certificate"));
		goto out;
	}
	name_str(X509_get_subject_name(leaf), subj, sizeof(subj));
	name_str(X509_get_issuer_name(leaf), iss, sizeof(iss));
	if (!X509_STORE_CTX_init(ctx, c->store, leaf, untrusted) || X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);

		snprintf(msg, cap, _("the gateway's certificate \"%s\" (issuer \"%s\") is not "
				     "signed by machine-ca \"%s\": %s"), subj, iss, c->ca_desc,
			 X509_verify_cert_error_string(e));
		r = -EKEYREJECTED;
		goto out;
	}
	if (sig_check(X509_get0_pubkey(leaf), hash, hlen, sig, siglen)) {
		snprintf(msg, cap, _("the gateway's signature (SIG_R) does not verify with its "
				     "certificate \"%s\""), subj);
		r = -EBADMSG;
		goto out;
	}
	/* RFC 4945 §3.1.5: an ID_DER_ASN1_DN must be the certificate's subject. */
	if (idr->type == IKE_ID_DER_ASN1_DN) {
		uint8_t *sd = NULL;
		int sl = i2d_X509_NAME(X509_get_subject_name(leaf), &sd);
		bool same = sl > 0 && (size_t)sl == idr->len && !memcmp(sd, idr->data, idr->len);

		OPENSSL_free(sd);
		if (!same) {
			snprintf(msg, cap, _("the gateway's identity (its ID payload) is not the "
					     "subject of its certificate \"%s\""), subj);
			r = -EACCES;
			goto out;
		}
	}
	if (remote_id && *remote_id) {
		if (!dn_matches(X509_get_subject_name(leaf), remote_id) &&
		    !host_matches(leaf, remote_id)) {
			snprintf(msg, cap, _("the gateway's certificate \"%s\" does not match "
					     "ipsec-remote-id \"%s\" (neither its subject nor a "
					     "subjectAltName)"), subj, remote_id);
			r = -EACCES;
			goto out;
		}
	} else if (gw_name && *gw_name && !host_matches(leaf, gw_name)) {
		/* Windows' rule: the certificate must name the server dialled */
		snprintf(msg, cap, _("the gateway's certificate \"%s\" does not name the gateway "
				     "%s (no matching subjectAltName DNS or IP, nor CN); set "
				     "ipsec-remote-id to the identity it should have"), subj, gw_name);
		r = -EACCES;
		goto out;
	}
	snprintf(msg, cap, "%s", subj);
	r = 0;
out:
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
	X509_STORE_CTX_free(ctx);
	return r;
}
