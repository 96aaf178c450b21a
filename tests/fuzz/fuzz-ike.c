/* fuzz-ike.c -- arbitrary bytes through the ISAKMP parser and the initiator's
 * process steps.  The first octet picks where they go:
 *
 *   0  the header, the payload chain and every body decoder;
 *   1  a datagram on UDP 500 while Main Mode 1 waits for its answer (our
 *      cookie is written over the first 8 octets so the message is ours);
 *   2  the decrypted body of Main Mode 6 (octet 1 is the first payload type;
 *      we encrypt it with the initiator's own key and IV chain);
 *   3  an INFORMATIONAL body behind a valid HASH(1) on an established SA;
 *   4  a Quick Mode 2 body behind a valid HASH(2);
 *   5  a Quick Mode 1 the gateway starts on an established SA (it rekeys;
 *      we answer as the responder), body behind a valid HASH(1);
 *   6  the decrypted body of Main Mode 6 with certificates (ID, CERT, SIG:
 *      the gateway's certificate chain, signature and identity checks); the
 *      CA and our certificate are made once, in a temporary directory.
 *
 * Modes 2-5 first run a real exchange against the scripted responder of the
 * unit tests (MODP-1024 to keep it quick), so the fuzzer starts deep inside. */
#include "wv.h"

#include <stdlib.h>
#include <unistd.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "../unit/test-ike-responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct wv_loop *loop;
	uint64_t now;
	struct ipsec *ips;
	struct resp r;
	struct dqueue to_resp, to_init;
};

static uint64_t fz_now(void *arg)
{
	return ((struct fz *)arg)->now;
}

static void fz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	static int verbose = -1;

	/* Everything is formatted (TRACE), so the log arguments get exercised;
	 * FUZZ_VERBOSE=1 shows how deep an input got. */
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "  [%s] %s\n", subsys, msg);
}

static int fz_send(void *arg, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	dq_push(&((struct fz *)arg)->to_resp, ch, buf, len);
	return 0;
}

static int fz_random(void *arg, void *buf, size_t len)
{
	static uint32_t ctr;
	uint8_t *p = buf, h[20];

	while (len) {
		size_t n = MIN(len, sizeof(h));
		ctr++;
		wv_sha1(&ctr, sizeof(ctr), h);
		memcpy(p, h, n);
		p += n;
		len -= n;
	}
	return 0;
}

static void fz_up(void *arg) {}
static void fz_recv(void *arg, struct pkt *p) { pkt_free(p); }
static void fz_down(void *arg, enum wv_fail why, const char *msg) {}

static const struct ipsec_events fz_ev = { fz_up, fz_recv, fz_down };
static const struct wv_log fz_lg = { .fn = fz_log, .level = WV_LOG_TRACE };

static void fz_pump(struct fz *f)
{
	unsigned i;

	for (i = 0; i < 100; i++) {
		struct dgram *d = dq_pop(&f->to_resp);

		if (d) {
			resp_input(&f->r, d->ch, d->buf, d->len);
			continue;
		}
		d = dq_pop(&f->to_init);
		if (!d)
			break;
		ipsec_input(f->ips, d->ch, d->buf, d->len);
	}
}

/* mode 6: one CA, our certificate and key, made on first use */
static char fz_ca[64], fz_cert[64];

static X509 *fz_mk_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), issuer ? 2 : 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_sign(x, ikey ? ikey : key, EVP_sha256());
	return x;
}

static char fz_dir[] = "/tmp/fuzz-ike-pki.XXXXXX";

static void fz_pki_remove(void)
{
	unlink(fz_ca);
	unlink(fz_cert);
	rmdir(fz_dir);
}

static bool fz_pki(void)
{
	char *dir = fz_dir;
	static int done;
	EVP_PKEY *cak, *k;
	X509 *ca, *c;
	FILE *f;

	if (done)
		return done > 0;
	done = -1;
	if (!mkdtemp(dir))
		return false;
	atexit(fz_pki_remove);
	snprintf(fz_ca, sizeof(fz_ca), "%s/ca.pem", dir);
	snprintf(fz_cert, sizeof(fz_cert), "%s/me.pem", dir);
	cak = EVP_RSA_gen(1024);
	k = EVP_RSA_gen(1024);
	ca = fz_mk_cert(cak, "fuzz CA", NULL, NULL);
	c = fz_mk_cert(k, "fuzz client", ca, cak);
	if ((f = fopen(fz_ca, "w"))) {
		PEM_write_X509(f, ca);
		fclose(f);
	}
	if ((f = fopen(fz_cert, "w"))) {
		PEM_write_X509(f, c);
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k);
	X509_free(ca);
	X509_free(c);
	done = 1;
	return true;
}

static bool fz_setup(struct fz *f, int stage)
{
	struct ipsec_config cfg = { .psk = "fuzzpsk", .ike = "aes128-sha1-modp1024",
				    .esp = "aes128-sha1" };

	if (stage == 6) {
		if (!fz_pki())
			return false;
		cfg.cert_auth = true;
		cfg.cert = fz_cert;
		cfg.ca = fz_ca;
		cfg.gateway_name = "10.99.1.2";
	}
	struct ipsec_test_hooks hooks = { fz_send, fz_random, f };

	memset(f, 0, sizeof(*f));
	f->loop = wv_loop_new();
	if (!f->loop)
		return false;
	f->now = 1000;
	wv_loop_set_clock(f->loop, fz_now, f);
	inet_pton(AF_INET, "10.99.1.2", &cfg.gateway);
	inet_pton(AF_INET, "192.168.1.10", &cfg.local);
	f->ips = ipsec_new(f->loop, &fz_lg, &cfg, &fz_ev, f, NULL);
	if (!f->ips)
		return false;
	ipsec_set_test_hooks(f->ips, &hooks);
	f->r.psk = cfg.psk;
	f->r.natt = 2;
	f->r.fake_nat = true;
	f->r.dpd_vid = true;
	f->r.ip = cfg.gateway;
	f->r.peer = cfg.local;
	f->r.to_init = &f->to_init;
	f->r.silent_mm5 = stage == 2 || stage == 6;
	f->r.rsa_sig = stage == 6;
	f->r.silent_qm1 = stage == 4;
	ipsec_start(f->ips);
	if (stage > 1)
		fz_pump(f);
	return true;
}

static void fz_teardown(struct fz *f)
{
	ipsec_free(f->ips);
	resp_free(&f->r);
	wv_loop_free(f->loop);
}

/* mode 0: the parsers alone */
static void fuzz_parsers(const uint8_t *data, size_t size)
{
	struct isakmp_hdr h;
	struct ike_payloads ps;
	struct ike_sa_payload *sa = malloc(sizeof(*sa));
	char desc[256];
	unsigned i;

	isakmp_hdr_parse(data, size, &h);
	if (size < 1 || !sa)
		goto out;
	if (ike_payloads_parse(data[0], data + 1, size - 1, &ps) == 0) {
		ike_payloads_describe(&ps, desc, sizeof(desc));
		for (i = 0; i < ps.n; i++) {
			const struct ike_pl *p = &ps.pl[i];
			struct ike_id id;
			struct ike_notify n;
			struct ike_delete d;
			struct ike_natoa oa;

			switch (p->type) {
			case ISAKMP_PL_SA: ike_sa_parse(p->body, p->len, sa); break;
			case ISAKMP_PL_ID: ike_id_parse(p->body, p->len, &id); break;
			case ISAKMP_PL_N: ike_notify_parse(p->body, p->len, &n); break;
			case ISAKMP_PL_D: ike_delete_parse(p->body, p->len, &d); break;
			case ISAKMP_PL_NATOA:
			case ISAKMP_PL_NATOA_DRAFT: ike_natoa_parse(p->body, p->len, &oa); break;
			}
		}
	}
	/* the body decoders straight on the input as well */
	ike_sa_parse(data, size, sa);
out:
	free(sa);
}

/* An encrypted message of the initiator's SA around `body` (padded), with
 * a HASH payload first when hash_kind is 1 (informational) or 2 (QM2). */
static size_t fz_seal(struct ipsec *s, uint8_t exch, uint32_t msgid, const uint8_t *body,
		      size_t blen, int hash_kind, const uint8_t *iv_in, uint8_t *out, size_t cap)
{
	uint8_t iv[IKE_BLOCK_MAX];
	struct isakmp_hdr h = { .version = ISAKMP_VERSION, .exch = exch, .flags = ISAKMP_FLAG_E,
				.msgid = msgid };
	struct ike_buf b;
	size_t pad;

	if (blen < 1)
		return 0;
	memcpy(h.icookie, s->icookie, 8);
	memcpy(h.rcookie, s->rcookie, 8);
	ikeb_init(&b, out, cap);
	ikeb_msg_begin(&b, &h);
	if (hash_kind) {
		struct ike_payloads ps;
		size_t off = ikeb_pl_begin(&b, ISAKMP_PL_HASH), used = blen - 1;
		uint8_t *hp;

		b.p[off] = body[0];
		hp = ikeb_reserve(&b, s->keys.hlen);
		ikeb_pl_end(&b, off);
		b.next_at = 0;
		ikeb_put(&b, body + 1, blen - 1);
		if (!ikeb_ok(&b))
			return 0;
		/* the hash covers what the initiator will parse as the chain */
		if (ike_payloads_parse(body[0], body + 1, blen - 1, &ps) == 0)
			used = ps.used;
		if (hash_kind == 1)
			ike_hash_qm1(s->p1_md, &s->keys, msgid, body + 1, used, hp);
		else
			ike_hash_qm2(s->p1_md, &s->keys, msgid, s->qm_ni, sizeof(s->qm_ni),
				     body + 1,
				     used, hp);
	} else {
		b.p[16] = body[0];
		b.next_at = 0;
		ikeb_put(&b, body + 1, blen - 1);
	}
	pad = (s->p1_block - (b.len - ISAKMP_HDR_LEN) % s->p1_block) % s->p1_block;
	if (pad) {
		uint8_t *z = ikeb_reserve(&b, pad);

		if (z)
			memset(z, 0, pad);
	}
	if (!ikeb_ok(&b) || b.len == ISAKMP_HDR_LEN)
		return 0;
	ikeb_msg_end(&b);
	memcpy(iv, iv_in, s->p1_block);
	if (ike_cbc(s->p1_cipher, s->keys.enc_key, s->keys.enc_key_len, iv, out + ISAKMP_HDR_LEN,
		    b.len - ISAKMP_HDR_LEN, true))
		return 0;
	return b.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[ISAKMP_MSG_MAX + 64];
	uint8_t mode, iv[IKE_BLOCK_MAX];
	struct fz f;
	size_t n;

	if (size < 1 || size > ISAKMP_MSG_MAX - 128)
		return 0;
	mode = data[0] % 7;
	data++;
	size--;
	if (mode == 0) {
		fuzz_parsers(data, size);
		return 0;
	}
	if (!fz_setup(&f, mode))
		abort();
	switch (mode) {
	case 1:
		memcpy(msg, data, size);
		if (size >= 8)
			memcpy(msg, f.ips->icookie, 8);
		ipsec_input(f.ips, IPSEC_CH_IKE, msg, size);
		break;
	case 2:
		if (ipsec_state(f.ips) != IKE_S_MM_AUTH)
			abort();
		n = fz_seal(f.ips, ISAKMP_EXCH_ID_PROT, 0, data, size, 0, f.ips->p1_iv, msg + 4,
			    sizeof(msg) - 4);
		if (n) {
			memset(msg, 0, 4);
			ipsec_input(f.ips, IPSEC_CH_NATT, msg, n + 4);
		}
		break;
	case 3:
		if (ipsec_state(f.ips) != IKE_S_ESTABLISHED)
			abort();
		ike_iv_phase2(f.ips->p1_md, f.ips->p1_iv, 0x01020304, iv, f.ips->p1_block);
		n = fz_seal(f.ips, ISAKMP_EXCH_INFO, 0x01020304, data, size, 1, iv, msg + 4,
			    sizeof(msg) - 4);
		if (n) {
			memset(msg, 0, 4);
			ipsec_input(f.ips, IPSEC_CH_NATT, msg, n + 4);
		}
		break;
	case 4:
		if (ipsec_state(f.ips) != IKE_S_QM)
			abort();
		n = fz_seal(f.ips, ISAKMP_EXCH_QUICK, f.ips->qm_msgid, data, size, 2, f.ips->qm_iv,
			    msg + 4, sizeof(msg) - 4);
		if (n) {
			memset(msg, 0, 4);
			ipsec_input(f.ips, IPSEC_CH_NATT, msg, n + 4);
		}
		break;
	case 6:
		if (ipsec_state(f.ips) != IKE_S_MM_AUTH)
			abort();
		n = fz_seal(f.ips, ISAKMP_EXCH_ID_PROT, 0, data, size, 0, f.ips->p1_iv, msg + 4,
			    sizeof(msg) - 4);
		if (n) {
			memset(msg, 0, 4);
			ipsec_input(f.ips, IPSEC_CH_NATT, msg, n + 4);
		}
		break;
	case 5:
		if (ipsec_state(f.ips) != IKE_S_ESTABLISHED)
			abort();
		ike_iv_phase2(f.ips->p1_md, f.ips->p1_iv, 0x0a0b0c0d, iv, f.ips->p1_block);
		n = fz_seal(f.ips, ISAKMP_EXCH_QUICK, 0x0a0b0c0d, data, size, 1, iv, msg + 4,
			    sizeof(msg) - 4);
		if (n) {
			memset(msg, 0, 4);
			ipsec_input(f.ips, IPSEC_CH_NATT, msg, n + 4);
		}
		break;
	}
	/* let timers run: retransmissions, keepalives, DPD, rekeys */
	f.now += 60000;
	wv_loop_run_timers(f.loop);
	fz_teardown(&f);
	return 0;
}
