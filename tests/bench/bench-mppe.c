/* bench-mppe.c -- what MPPE costs on the data path.
 *
 * Measures, on 1400-octet datagrams (the Windows MTU), the median of 5 runs of:
 *   mppe     mppe_encrypt() alone, MPPE-128 stateless (a key change per packet)
 *   encap    what PPP does per packet short of GRE: push protocol 0x0021,
 *            mppe_encrypt(), push protocol 0x00FD
 *   gre      encap plus the enhanced-GRE header (sequence number): everything
 *            the engine does to a packet between the TUN read and send()
 *   rx+tx    mppe_encrypt() then mppe_decrypt() of the same packet
 *   rc4      plain OpenSSL RC4 over the same packets with one key: the floor
 * and prints MB/s of datagram payload and the ratio to plain RC4.  No
 * assertions: numbers for people.  Usage: bench-mppe [packets-per-run] */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/mppe.h"
#include "ppp/ppp.h"
#include "loop.h"
#include "pptp/pptp-int.h"

#define DGRAM 1400
#define RUNS 5

enum bench { B_MPPE, B_ENCAP, B_GRE, B_ROUNDTRIP, B_RC4, B_COUNT };
static const char *const bench_names[B_COUNT] = { "mppe", "encap", "gre", "rx+tx", "rc4" };

static struct pkt pkt;
static struct gre *gre;
static uint8_t plain[DGRAM];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void reset_pkt(void)
{
	pkt.data = pkt.buf + PKT_HEADROOM;
	pkt.len = DGRAM;
}

static int dirs_init(struct mppe_dir *tx, struct mppe_dir *rx)
{
	static const uint8_t key[16] = {
		0xd5, 0xf0, 0xe9, 0x52, 0x1e, 0x3e, 0xa9, 0x58,
		0x96, 0x45, 0xe8, 0x60, 0x51, 0xc8, 0x22, 0x26,
	};

	memset(tx, 0, sizeof(*tx));
	memset(rx, 0, sizeof(*rx));
	if (mppe_dir_init(tx, key, 128, true) || mppe_dir_init(rx, key, 128, true))
		return -1;
	return 0;
}

/* One run of one benchmark: seconds for n packets, or < 0 on error. */
static double run(enum bench b, unsigned long n)
{
	struct mppe_dir tx, rx;
	EVP_CIPHER_CTX *rc4 = NULL;
	unsigned long i;
	double t0, t;
	int outl;

	if (dirs_init(&tx, &rx))
		return -1;
	if (b == B_RC4) {
		rc4 = EVP_CIPHER_CTX_new();
		if (!rc4 || !EVP_EncryptInit_ex(rc4, wv_cipher("RC4"), NULL, tx.session_key, NULL))
			return -1;
	}
	reset_pkt();
	memcpy(pkt.data, plain, DGRAM);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		reset_pkt();
		switch (b) {
		case B_MPPE:
			if (mppe_encrypt(&tx, &pkt))
				return -1;
			break;
		case B_ENCAP:
			store_be16(pkt_push(&pkt, 2), PPP_IP);
			if (mppe_encrypt(&tx, &pkt))
				return -1;
			store_be16(pkt_push(&pkt, 2), PPP_COMP);
			break;
		case B_GRE:
			store_be16(pkt_push(&pkt, 2), PPP_IP);
			if (mppe_encrypt(&tx, &pkt))
				return -1;
			store_be16(pkt_push(&pkt, 2), PPP_COMP);
			if (gre_encap(gre, &pkt))
				return -1;
			break;
		case B_ROUNDTRIP:
			if (mppe_encrypt(&tx, &pkt) || mppe_decrypt(&rx, &pkt) != MPPE_RX_OK)
				return -1;
			break;
		case B_RC4:
			if (!EVP_EncryptUpdate(rc4, pkt.data, &outl, pkt.data, DGRAM))
				return -1;
			break;
		default:
			break;
		}
	}
	t = now_s() - t0;
	EVP_CIPHER_CTX_free(rc4);
	mppe_dir_clear(&tx);
	mppe_dir_clear(&rx);
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	double med[B_COUNT], t[RUNS];
	char *err = NULL;
	int b, r;
	size_t i;

	if (n == 0) {
		fprintf(stderr, "usage: bench-mppe [packets-per-run]\n");
		return 2;
	}
	if (wv_crypto_init(&err) < 0) {
		fprintf(stderr, "bench-mppe: %s\n", err ? err : "no crypto");
		free(err);
		return 1;
	}
	for (i = 0; i < DGRAM; i++)
		plain[i] = (uint8_t)(i * 31 + 7);
	{
		static const struct gre_events ev = { .recv = NULL };
		struct wv_loop *loop = wv_loop_new();

		gre = loop ? gre_new(loop, NULL, &ev, NULL) : NULL;
		if (!gre) {
			fprintf(stderr, "bench-mppe: cannot set up GRE\n");
			return 1;
		}
		gre_set_call_ids(gre, 1, 2);
	}
	run(B_MPPE, n / 10 + 1);   /* warm up caches and the allocator */

	printf("MPPE-128 stateless, %d-octet datagrams, %lu packets per run, median of %d runs\n",
	       DGRAM, n, RUNS);
	for (b = 0; b < B_COUNT; b++) {
		for (r = 0; r < RUNS; r++) {
			t[r] = run((enum bench)b, n);
			if (t[r] < 0) {
				fprintf(stderr, "bench-mppe: %s failed\n", bench_names[b]);
				return 1;
			}
		}
		qsort(t, RUNS, sizeof(t[0]), cmp_double);
		med[b] = t[RUNS / 2];
	}
	for (b = 0; b < B_COUNT; b++)
		printf("  %-6s %9.1f MB/s  %7.3f us/packet  %5.2fx rc4 time\n", bench_names[b],
		       (double)n * DGRAM / med[b] / 1e6, med[b] / (double)n * 1e6,
		       med[b] / med[B_RC4]);
	printf("  per-packet key change costs %.3f us (mppe - rc4)\n",
	       (med[B_MPPE] - med[B_RC4]) / (double)n * 1e6);
	printf("MPPE+GRE encapsulation throughput / plain RC4 throughput: %.2f\n",
	       med[B_RC4] / med[B_GRE]);
	return 0;
}
