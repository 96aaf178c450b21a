/* fuzz-esp.c -- a received packet through the ESP decapsulation path.  The
 * first octet picks the way in:
 *
 *   0  a UDP 4500 datagram into an established IPsec SA (the non-ESP marker
 *      split, IKE behind it, keepalives, ESP; a non-zero SPI is replaced by
 *      the SA's so the packet reaches the ICV check);
 *   1  the same as an IP protocol 50 payload;
 *   2  esp_decap() of an AES-CBC/HMAC-SHA1 SA with a valid ICV appended, so
 *      decryption, the trailer and the inner UDP header see fuzzed octets;
 *   3  a raw-socket datagram: the IPv4 header check, then as 2;
 *   4  the anti-replay window against a naive model, driven by 32-bit
 *      sequence numbers from the input (a mismatch aborts). */
#include "wv.h"

#include <stdlib.h>

#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "../unit/test-ike-responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fz_clock;
static struct dqueue to_resp, to_init;

static uint64_t fz_now(void *arg)
{
	return fz_clock;
}

static void fz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static int fz_send(void *arg, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	dq_push(&to_resp, ch, buf, len);
	return 0;
}

static void fz_up(void *arg) {}
static void fz_recv(void *arg, struct pkt *p)
{
	volatile uint8_t sum = 0;
	size_t i;

	for (i = 0; i < p->len; i++)
		sum ^= p->data[i];
	(void)sum;
	pkt_free(p);
}
static void fz_down(void *arg, enum wv_fail why, const char *msg) {}

static const struct ipsec_events fz_ev = { fz_up, fz_recv, fz_down };
static const struct wv_log fz_lg = { .fn = fz_log, .level = WV_LOG_TRACE };

/* One SA for the whole run: set up once through a real exchange. */
static struct ipsec *established(void)
{
	static struct wv_loop *loop;
	static struct ipsec *ips;
	static struct resp r;
	struct ipsec_config cfg = { .psk = "fuzzpsk", .ike = "aes128-sha1-modp1024",
				    .esp = "aes128-sha1", .encap = IPSEC_ENCAP_FORCE };
	struct ipsec_test_hooks hooks = { fz_send, NULL, NULL };
	unsigned i;

	if (ips)
		return ips;
	loop = wv_loop_new();
	wv_loop_set_clock(loop, fz_now, NULL);
	inet_pton(AF_INET, "10.99.1.2", &cfg.gateway);
	inet_pton(AF_INET, "192.168.1.10", &cfg.local);
	ips = ipsec_new(loop, &fz_lg, &cfg, &fz_ev, NULL, NULL);
	if (!ips)
		abort();
	ipsec_set_test_hooks(ips, &hooks);
	r.psk = cfg.psk;
	r.natt = 2;
	r.ip = cfg.gateway;
	r.peer = cfg.local;
	r.to_init = &to_init;
	ipsec_start(ips);
	for (i = 0; i < 100; i++) {
		struct dgram *d = dq_pop(&to_resp);

		if (d) {
			resp_input(&r, d->ch, d->buf, d->len);
			continue;
		}
		d = dq_pop(&to_init);
		if (!d)
			break;
		ipsec_input(ips, d->ch, d->buf, d->len);
	}
	if (ipsec_state(ips) != IKE_S_ESTABLISHED)
		abort();
	return ips;
}

static const uint8_t km[36] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
	0x0e, 0x0f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
};

/* SPI | data | HMAC-SHA1-96 through a fresh SA, then the inner UDP header. */
static void decap_valid_icv(const uint8_t *data, size_t size)
{
	static const struct esp_alg alg = { ESP_ENC_AES_CBC, 16, ESP_INTEG_HMAC_SHA1_96 };
	struct esp_sa *sa = esp_sa_new(&alg, 0x1000, km, sizeof(km), false);
	struct pkt *p = pkt_alloc();
	struct ike_iov iov;
	uint8_t icv[IKE_HASH_MAX], nh = 0;
	uint16_t sp, dp;

	if (!sa || !p || size + 4 + 12 > PKT_DATA_MAX)
		goto out;
	store_be32(pkt_put(p, 4), 0x1000);
	memcpy(pkt_put(p, size), data, size);
	iov = (struct ike_iov){ p->data, p->len };
	ike_prf("SHA1", km + 16, 20, &iov, 1, icv, NULL);
	memcpy(pkt_put(p, 12), icv, 12);
	if (esp_decap(sa, p, &nh) == 0 && nh == ESP_NEXT_UDP)
		esp_udp_pull(p, &sp, &dp);
out:
	pkt_free(p);
	esp_sa_free(sa);
}

static void replay_model(const uint8_t *data, size_t size)
{
	static uint32_t seen[1024];
	struct esp_replay w = { 0 };
	uint32_t top = 0;
	size_t n = 0, i, k;

	for (i = 0; i + 4 <= size && n < ARRAY_SIZE(seen); i += 4) {
		/* small steps most of the time, so the window gets exercised */
		uint32_t v = load_be32(data + i);
		uint32_t seq = (v & 0x80000000u) ? v & 0x7fffffff : top + (v & 0xff) - 64;
		bool want = seq != 0, got;

		if (want && seq <= top) {
			if (top - seq >= ESP_REPLAY_WINDOW)
				want = false;
			for (k = 0; want && k < n; k++)
				if (seen[k] == seq)
					want = false;
		}
		got = esp_replay_check(&w, seq);
		if (got != want)
			abort();
		if (got) {
			esp_replay_update(&w, seq);
			seen[n++] = seq;
			if (seq > top)
				top = seq;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipsec *ips;
	uint8_t buf[PKT_DATA_MAX];
	size_t plen;
	int ihl;

	if (size < 1 || size > sizeof(buf))
		return 0;
	switch (data[0] % 5) {
	case 0:
	case 1:
		ips = established();
		memcpy(buf, data + 1, size - 1);
		if (size - 1 >= 8 && load_be32(buf) != 0)
			store_be32(buf, ips->spi_in);
		esp_udp_classify(buf, size - 1);
		ipsec_input(ips, data[0] % 5 == 0 ? IPSEC_CH_NATT : IPSEC_CH_ESP, buf, size - 1);
		/* whatever IKE it triggered goes nowhere */
		while (dq_pop(&to_resp))
			;
		break;
	case 2:
		decap_valid_icv(data + 1, size - 1);
		break;
	case 3:
		ihl = esp_ip_strip(data + 1, size - 1, &plen);
		if (ihl >= 0)
			decap_valid_icv(data + 1 + ihl, plen);
		break;
	case 4:
		replay_model(data + 1, size - 1);
		break;
	}
	return 0;
}
