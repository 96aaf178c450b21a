/* test-ike-exchange.c -- the IKEv1 initiator against a scripted responder in
 * the same process (test-ike-responder.h), on a fake clock: Main Mode and
 * Quick Mode with and without NAT, the draft NAT-T variant, proposal
 * selection, PFS, AES-GCM, and what a user sees when it goes wrong: no
 * proposal chosen (Main and Quick Mode), refused traffic selectors, a wrong
 * pre-shared key (noticed three ways), an unreachable gateway, lost
 * messages, a dead gateway (DPD), a gateway that deletes the SA; then data
 * both ways through ESP, keepalives, and the Deletes sent on stop. */
#include "wv.h"

#include <stdlib.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "test-ike-responder.h"

struct harness {
	struct wv_loop *loop;
	uint64_t now;
	struct wv_log log;
	struct ipsec *ips;
	struct resp r;
	struct dqueue to_resp, to_init;
	unsigned sends[3];                 /* per channel */
	uint64_t send_times[16];
	unsigned n_send_times;
	unsigned ups, downs;
	enum wv_fail why;
	char msg[600];
	uint8_t rx[2048];
	size_t rx_len;
	unsigned n_rx;
	bool verbose;
	char logbuf[16384];
	size_t loglen;
};

static uint64_t fake_now(void *arg)
{
	return ((struct harness *)arg)->now;
}

static void on_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	struct harness *t = arg;
	int n;

	if (t->verbose)
		fprintf(stderr, "  [%s] %s\n", subsys, msg);
	n = snprintf(t->logbuf + t->loglen, sizeof(t->logbuf) - t->loglen, "%s\n", msg);
	if (n > 0 && t->loglen + (size_t)n < sizeof(t->logbuf))
		t->loglen += (size_t)n;
}

static int hook_send(void *arg, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	struct harness *t = arg;

	t->sends[ch]++;
	if (ch == IPSEC_CH_IKE && t->n_send_times < ARRAY_SIZE(t->send_times))
		t->send_times[t->n_send_times++] = t->now;
	dq_push(&t->to_resp, ch, buf, len);
	return 0;
}

/* Deterministic "randomness": a counter through SHA-1. */
static int hook_random(void *arg, void *buf, size_t len)
{
	static uint32_t ctr = 0x1234;
	uint8_t *p = buf, h[20];

	(void)arg;
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

static void ev_up(void *arg)
{
	((struct harness *)arg)->ups++;
}

static void ev_recv(void *arg, struct pkt *p)
{
	struct harness *t = arg;

	t->n_rx++;
	t->rx_len = MIN(p->len, sizeof(t->rx));
	memcpy(t->rx, p->data, t->rx_len);
	pkt_free(p);
}

static void ev_down(void *arg, enum wv_fail why, const char *msg)
{
	struct harness *t = arg;

	t->downs++;
	t->why = why;
	snprintf(t->msg, sizeof(t->msg), "%s", msg);
}

static const struct ipsec_events events = { ev_up, ev_recv, ev_down };

static void pump(struct harness *t)
{
	unsigned i;

	for (i = 0; i < 200; i++) {
		struct dgram *d = dq_pop(&t->to_resp);

		if (d) {
			resp_input(&t->r, d->ch, d->buf, d->len);
			continue;
		}
		d = dq_pop(&t->to_init);
		if (d && t->ips) {
			ipsec_input(t->ips, d->ch, d->buf, d->len);
			continue;
		}
		break;
	}
}

/* Advances the clock in steps, running timers and delivering messages. */
static void advance(struct harness *t, uint64_t ms)
{
	uint64_t end = t->now + ms;

	while (t->now < end) {
		t->now += MIN((uint64_t)250, end - t->now);
		wv_loop_run_timers(t->loop);
		pump(t);
	}
}

static void setup_cfg(struct harness *t, struct ipsec_config *cfgp)
{
	struct ipsec_config cfg = *cfgp;
	struct ipsec_test_hooks hooks = { hook_send, hook_random, t };
	char *err = NULL;

	memset(t, 0, sizeof(*t));
	t->verbose = getenv("VERBOSE") != NULL;
	t->loop = wv_loop_new();
	t->now = 1000000;
	wv_loop_set_clock(t->loop, fake_now, t);
	t->log = (struct wv_log){ .fn = on_log, .arg = t, .level = WV_LOG_TRACE };
	inet_pton(AF_INET, "10.99.1.2", &cfg.gateway);
	inet_pton(AF_INET, "192.168.1.10", &cfg.local);
	t->ips = ipsec_new(t->loop, &t->log, &cfg, &events, t, &err);
	CHECK(t->ips != NULL);
	if (!t->ips)
		fprintf(stderr, "ipsec_new: %s\n", err);
	free(err);
	if (t->ips)
		ipsec_set_test_hooks(t->ips, &hooks);
	t->r.psk = "vpnpsk123";
	t->r.natt = 2;
	t->r.ip = cfg.gateway;
	t->r.peer = cfg.local;
	t->r.to_init = &t->to_init;
}

static void setup(struct harness *t, const char *ike, const char *esp, enum ipsec_encap encap)
{
	struct ipsec_config cfg = { .psk = "vpnpsk123", .ike = ike, .esp = esp, .encap = encap };

	setup_cfg(t, &cfg);
}

static void start(struct harness *t)
{
	if (!t->ips)
		return;
	CHECK(ipsec_start(t->ips) == 0);
	CHECK(ipsec_start(t->ips) == -EALREADY);
	pump(t);
}

static void teardown(struct harness *t)
{
	ipsec_free(t->ips);
	resp_free(&t->r);
	wv_loop_free(t->loop);
}

/* L2TP -> gateway and back through the SA. */
static void check_data(struct harness *t, bool udp)
{
	static const uint8_t l2tp[] = { 0xc8, 0x02, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00,
					0x00, 0x00, 0x00, 0x00, 0x80, 0x08, 0x00, 0x00,
					0x00, 0x00, 0x00, 0x06 };
	struct pkt *p = pkt_from(l2tp, sizeof(l2tp));
	unsigned esp_before = t->sends[udp ? IPSEC_CH_NATT : IPSEC_CH_ESP];

	CHECK(ipsec_send(t->ips, p) == 0);
	CHECK(t->sends[udp ? IPSEC_CH_NATT : IPSEC_CH_ESP] == esp_before + 1);
	pump(t);
	CHECK(t->r.esp_rx_len == sizeof(l2tp) && !memcmp(t->r.esp_rx, l2tp, sizeof(l2tp)));
	CHECK(t->r.esp_rx_sport == 1701 && t->r.esp_rx_dport == 1701);
	resp_send_esp(&t->r, (const uint8_t *)"\xc8\x02reply", 7, udp);
	pump(t);
	CHECK(t->n_rx == 1 && t->rx_len == 7 && !memcmp(t->rx, "\xc8\x02reply", 7));
	/* the same packet again is a replay and is dropped */
	CHECK(ipsec_payload_mtu(t->ips, 1500) > 1400 && ipsec_payload_mtu(t->ips, 1500) < 1450);
}

static void test_success_nat(void)
{
	struct harness t;
	char *secret;

	fprintf(stderr, "== success behind NAT (RFC 3947)\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.fake_nat = true;
	start(&t);
	CHECK(t.ups == 1 && t.downs == 0);
	CHECK(ipsec_state(t.ips) == IKE_S_ESTABLISHED);
	CHECK(t.r.n_transforms_mm1 == 4 && t.r.n_vid_mm1 == 5);
	CHECK(t.r.natd_type == ISAKMP_PL_NATD);
	CHECK(t.r.hash_i_ok && t.r.initial_contact && t.r.hash1_ok && t.r.hash3_ok);
	CHECK(t.r.floated);                           /* MM5 came on 4500 */
	CHECK(t.r.qm_encap == IPSEC_ENCAP_UDP_TRANSPORT);
	CHECK(t.r.n_natoa == 2 && t.r.natoa_type == ISAKMP_PL_NATOA);
	CHECK(t.r.p2sel.esp_id == ESP_T_AES_CBC && t.r.p2sel.key_bits == 256);
	CHECK(strstr(ipsec_describe(t.ips), "AES_CBC_256/HMAC_SHA1_96 in UDP 4500") != NULL);
	CHECK(strstr(ipsec_describe(t.ips), "MODP_2048") != NULL);
	check_data(&t, true);
	/* nothing sent for 20 s: one keepalive */
	t.r.n_keepalive = 0;
	advance(&t, 20500);
	CHECK(t.r.n_keepalive == 1);
	/* the PSK never appears in the log */
	secret = strstr(t.logbuf, "vpnpsk123");
	CHECK(secret == NULL);
	CHECK(strstr(t.logbuf, "NAT detected (we are behind NAT)") != NULL);
	/* stop: Delete for the ESP SA (our inbound SPI) and the ISAKMP SA */
	ipsec_stop(t.ips);
	pump(&t);
	CHECK(t.r.n_del_esp == 1 && t.r.n_del_isakmp == 1);
	CHECK(t.r.del_esp_spi == t.r.spi_i);
	advance(&t, 10);
	CHECK(t.downs == 0);
	/* Deletes are not acknowledged: they go out a second time, then down() */
	advance(&t, IKE_DELETE_REPEAT_MS);
	CHECK(t.r.n_del_esp == 2 && t.r.n_del_isakmp == 2);
	CHECK(t.downs == 1 && t.why == WV_OK);
	teardown(&t);
}

static void test_success_no_nat(void)
{
	struct harness t;

	fprintf(stderr, "== success without NAT (raw ESP)\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	start(&t);
	CHECK(t.ups == 1 && t.downs == 0);
	CHECK(!t.r.floated && t.sends[IPSEC_CH_NATT] == 0);
	CHECK(t.r.qm_encap == IPSEC_ENCAP_TRANSPORT && t.r.n_natoa == 0);
	check_data(&t, false);
	/* no keepalives without NAT-T */
	advance(&t, 25000);
	CHECK(t.r.n_keepalive == 0);
	teardown(&t);
}

static void test_forced_encap_draft(void)
{
	struct harness t;

	fprintf(stderr, "== forced UDP encapsulation, draft-02 NAT-T only, SoftEther's ID\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_FORCE);
	t.r.natt = 1;
	t.r.id_type = IKE_ID_IPV4_ADDR;              /* 0.0.0.0 */
	start(&t);
	CHECK(t.ups == 1);
	CHECK(t.r.natd_type == ISAKMP_PL_NATD_DRAFT && t.r.floated);
	CHECK(t.r.qm_encap == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT);
	CHECK(t.r.natoa_type == ISAKMP_PL_NATOA_DRAFT);
	CHECK(strstr(t.logbuf, "ID is type 1 0.0.0.0") != NULL);
	check_data(&t, true);
	teardown(&t);
}

static void test_selection_3des(void)
{
	struct harness t;

	fprintf(stderr, "== the gateway takes only 3DES/MODP1024 (an old gateway)\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.only_group = 2;
	t.r.fake_nat = true;
	start(&t);
	CHECK(t.ups == 1);
	CHECK(t.r.sel.enc == IKE_ENC_3DES_CBC && t.r.sel.group == 2);
	CHECK(strstr(ipsec_describe(t.ips), "3DES_CBC/HMAC_SHA1/MODP_1024") != NULL);
	check_data(&t, true);
	teardown(&t);
}

static void test_sha256_gcm_pfs(void)
{
	struct harness t;

	fprintf(stderr, "== SHA-256 Main Mode, AES-GCM with PFS\n");
	setup(&t, "aes256-sha256-modp2048", "aes256gcm16-modp1024", IPSEC_ENCAP_AUTO);
	t.r.fake_nat = true;
	t.r.responder_lifetime = true;
	start(&t);
	CHECK(t.ups == 1);
	CHECK(t.r.p2sel.esp_id == ESP_T_AES_GCM_16 && t.r.p2sel.pfs_group == 2);
	CHECK(strstr(t.logbuf, "RESPONDER-LIFETIME): 1200 s") != NULL);
	check_data(&t, true);
	teardown(&t);
}

static void test_no_proposal_mm(void)
{
	struct harness t;

	fprintf(stderr, "== NO-PROPOSAL-CHOSEN in Main Mode\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.only_group = 5;
	start(&t);
	CHECK(t.ups == 0 && t.downs == 1 && t.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(t.msg, "rejected all 4 IKE (Main Mode) proposals") != NULL);
	CHECK(strstr(t.msg, "aes256-sha1-modp2048, aes128-sha1-modp2048, 3des-sha1-modp2048, "
			    "3des-sha1-modp1024") != NULL);
	CHECK(strstr(t.msg, "NO-PROPOSAL-CHOSEN") != NULL);
	CHECK(strstr(t.msg, "ipsec-ike=aes256-sha256-modp2048 or ipsec-ike=aes128-sha1-modp1024")
	      != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);
}

static void test_no_proposal_mm_softether(void)
{
	struct harness t;

	fprintf(stderr, "== NO-PROPOSAL-CHOSEN in Main Mode, SoftEther's way (cookie in the SPI)\n");
	setup(&t, "aes128-sha1-ecp256", NULL, IPSEC_ENCAP_AUTO);
	t.r.only_group = 14;
	t.r.softether_refusal = true;
	start(&t);
	/* at once, not after the retransmissions of a gateway that seems dead */
	CHECK(t.ups == 0 && t.downs == 1 && t.why == WV_FAIL_PROPOSAL);
	CHECK(t.r.n_mm1 == 1);
	CHECK(strstr(t.msg, "rejected all 1 IKE (Main Mode) proposals we offered: "
			    "aes128-sha1-ecp256 (it answered NO-PROPOSAL-CHOSEN)") != NULL);
	CHECK(strstr(t.msg, "ipsec-ike=aes256-sha1-modp2048 or ipsec-ike=aes128-sha1-modp2048")
	      != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);
}

static void test_no_proposal_qm(void)
{
	struct harness t;

	fprintf(stderr, "== NO-PROPOSAL-CHOSEN in Quick Mode\n");
	setup(&t, NULL, "aes256-sha256", IPSEC_ENCAP_AUTO);
	t.r.qm_error = ISAKMP_N_NO_PROPOSAL_CHOSEN;
	start(&t);
	CHECK(t.ups == 0 && t.downs == 1 && t.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(t.msg, "rejected all 1 ESP (Quick Mode) proposals we offered: aes256-sha256")
	      != NULL);
	CHECK(strstr(t.msg, "ipsec-esp=aes256-sha1 or ipsec-esp=aes128-sha1") != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	/* the ISAKMP SA was up: the gateway hears that it is gone (strongSwan
	 * kept it established otherwise) */
	pump(&t);
	CHECK(t.r.n_del_isakmp == 1 && t.r.n_del_esp == 0);
	teardown(&t);
}

static void test_invalid_id_qm(void)
{
	struct harness t;

	fprintf(stderr, "== INVALID-ID-INFORMATION in Quick Mode\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.qm_error = ISAKMP_N_INVALID_ID_INFORMATION;
	t.r.fake_nat = true;
	start(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(t.msg, "refused the traffic selectors") != NULL);
	CHECK(strstr(t.msg, "UDP-encapsulated transport mode") != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);
}

static void test_wrong_psk(void)
{
	struct harness t;

	fprintf(stderr, "== wrong PSK: the gateway answers with a notification we cannot read\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.psk = "another";
	t.r.notify_on_bad_mm5 = true;
	start(&t);
	CHECK(t.ups == 0 && t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "the pre-shared key does not match the gateway's") != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);

	fprintf(stderr, "== wrong PSK: the gateway stays silent\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.psk = "another";
	t.r.fake_nat = true;
	start(&t);
	advance(&t, 40000);
	CHECK(t.r.n_mm5 == IKE_RETRANSMIT_TRIES);
	CHECK(t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "pre-shared key most likely does not match") != NULL);
	CHECK(strstr(t.msg, "UDP port 4500") != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);

	fprintf(stderr, "== wrong PSK: the gateway drops the SA, then INVALID-COOKIE (SoftEther)\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.mm5_clear_error = ISAKMP_N_INVALID_COOKIE;
	start(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "pre-shared key does not match") && strstr(t.msg, "INVALID-COOKIE"));
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);

	fprintf(stderr, "== HASH_R does not verify\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.bad_hash_r = true;
	start(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "HASH_R") != NULL && strstr(t.msg, "ipsec-psk") != NULL);
	teardown(&t);
}

static void test_unreachable(void)
{
	static const uint64_t want[] = { 0, 1000, 3000, 7000, 15000, 23000 };
	struct harness t;
	unsigned i;

	fprintf(stderr, "== unreachable gateway\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.drop_all = true;
	start(&t);
	advance(&t, 30000);
	CHECK(t.downs == 0);
	advance(&t, 1500);
	CHECK(t.downs == 1 && t.why == WV_FAIL_UNREACHABLE);
	CHECK_STR(t.msg, "the gateway 10.99.1.2 did not answer IKE on UDP 500 (6 tries)");
	CHECK(t.n_send_times == 6);
	for (i = 0; i < 6 && i < t.n_send_times; i++)
		CHECK(t.send_times[i] - t.send_times[0] == want[i]);
	teardown(&t);
}

static void test_retransmissions(void)
{
	struct harness t;

	fprintf(stderr, "== lost Main Mode 1, lost Quick Mode 3, Windows' fourth message\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.drop_mm1 = 1;
	t.r.repeat_qm2 = true;
	t.r.fourth_qm = true;
	t.r.fake_nat = true;
	start(&t);
	CHECK(t.ups == 0 && t.r.n_mm1 == 1);
	advance(&t, 1000);
	CHECK(t.r.n_mm1 == 2);
	CHECK(t.ups == 1 && t.downs == 0);
	/* the responder repeated Quick Mode 2: we repeated Quick Mode 3 */
	CHECK(t.r.n_qm3 == 2);
	CHECK(strstr(t.logbuf, "ignoring a further Quick Mode message") != NULL);
	check_data(&t, true);
	teardown(&t);
}

static void test_dpd(void)
{
	struct harness t;

	fprintf(stderr, "== dead-peer detection\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.dpd_vid = true;
	t.r.fake_nat = true;
	start(&t);
	CHECK(t.ups == 1);
	/* the gateway asks: we answer */
	resp_info(&t.r, ISAKMP_PROTO_ISAKMP, ISAKMP_N_DPD_R_U_THERE, "\x00\x00\x00\x09", 4, true);
	pump(&t);
	CHECK(t.r.n_dpd_ack == 1);
	/* 30 s of silence: we ask, it answers */
	advance(&t, 31000);
	CHECK(t.r.n_dpd_req == 1 && t.downs == 0);
	/* then it dies: 5 requests 5 s apart, then down */
	t.r.drop_all = true;
	advance(&t, 31000 + 5 * IKE_DPD_RETRY_MS);
	CHECK(t.r.n_dpd_req >= 1 + IKE_DPD_TRIES);
	CHECK(t.downs == 1 && t.why == WV_FAIL_PEER_DEAD);
	CHECK(strstr(t.msg, "stopped answering") != NULL);
	teardown(&t);
}

static void test_gateway_deletes(void)
{
	struct harness t;
	uint8_t spi[4];

	fprintf(stderr, "== the gateway deletes the IPsec SA\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	start(&t);
	CHECK(t.ups == 1);
	/* a Delete for an SPI that is not ours changes nothing */
	store_be32(spi, 0x12345678);
	resp_delete(&t.r, ISAKMP_PROTO_ESP, spi, 4);
	pump(&t);
	CHECK(t.downs == 0);
	store_be32(spi, t.r.spi_r);
	resp_delete(&t.r, ISAKMP_PROTO_ESP, spi, 4);
	pump(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_PEER_DEAD);
	CHECK(strstr(t.msg, "deleted the IPsec SA") != NULL);
	/* we end phase 1 too, once, and do not delete the gateway's ESP SA back */
	pump(&t);
	CHECK(t.r.n_del_isakmp == 1 && t.r.n_del_esp == 0);
	teardown(&t);
}

static void test_stop_early(void)
{
	struct harness t;

	fprintf(stderr, "== stop during Main Mode\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.drop_all = true;
	start(&t);
	ipsec_stop(t.ips);
	advance(&t, 10);
	CHECK(t.downs == 1 && t.why == WV_FAIL_CANCELLED);
	/* sending before up */
	CHECK(ipsec_send(t.ips, pkt_alloc()) == -ENOTCONN);
	teardown(&t);
}

/* down() may free the object from inside the callback */
static void ev_down_free(void *arg, enum wv_fail why, const char *msg)
{
	struct harness *t = arg;

	t->downs++;
	t->why = why;
	ipsec_free(t->ips);
	t->ips = NULL;
}

static void test_free_in_down(void)
{
	static const struct ipsec_events ev = { ev_up, ev_recv, ev_down_free };
	struct ipsec_config cfg = { .psk = "x" };
	struct ipsec_test_hooks hooks;
	struct harness t;

	fprintf(stderr, "== free from inside down()\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	ipsec_free(t.ips);
	hooks = (struct ipsec_test_hooks){ hook_send, hook_random, &t };
	inet_pton(AF_INET, "10.99.1.2", &cfg.gateway);
	inet_pton(AF_INET, "192.168.1.10", &cfg.local);
	t.ips = ipsec_new(t.loop, &t.log, &cfg, &ev, &t, NULL);
	ipsec_set_test_hooks(t.ips, &hooks);
	t.r.only_group = 5;                      /* NO-PROPOSAL-CHOSEN */
	start(&t);
	CHECK(t.downs == 1 && t.ips == NULL);
	teardown(&t);
}

static void test_config_errors(void)
{
	struct ipsec_config cfg = { .psk = "" };
	struct wv_loop *loop = wv_loop_new();
	struct wv_log log = { 0 };
	char *err = NULL;

	fprintf(stderr, "== settings\n");
	CHECK(ipsec_new(loop, &log, &cfg, &events, NULL, &err) == NULL);
	CHECK(err && strstr(err, "ipsec-psk"));
	free(err);
	cfg.psk = "x";
	cfg.ike = "aes256-sha1";
	CHECK(ipsec_new(loop, &log, &cfg, &events, NULL, &err) == NULL);
	CHECK(err && strstr(err, "'aes256-sha1'") && strstr(err, "Diffie-Hellman"));
	free(err);
	CHECK(ipsec_proposals_check("aes256-sha1-modp2048", "aes512-sha1", &err) == -EINVAL);
	CHECK_STR(err, "unknown algorithm 'aes512' in the ESP proposal 'aes512-sha1'");
	free(err);
	CHECK(ipsec_proposals_check(NULL, NULL, &err) == 0 && err == NULL);
	wv_loop_free(loop);
}

static void test_vids(void)
{
	uint8_t h[16];

	wv_md5("RFC 3947", 8, h);
	CHECK_MEM(h, ike_vid_rfc3947, 16);
	wv_md5("draft-ietf-ipsec-nat-t-ike-02\n", 30, h);
	CHECK_MEM(h, ike_vid_draft02n, 16);
	wv_md5("draft-ietf-ipsec-nat-t-ike-02", 29, h);
	CHECK_MEM(h, ike_vid_draft02, 16);
	wv_md5("draft-ietf-ipsec-nat-t-ike-03", 29, h);
	CHECK_MEM(h, ike_vid_draft03, 16);
	wv_md5("FRAGMENTATION", 13, h);
	CHECK_MEM(h, ike_vid_frag, 16);
	wv_md5("MS NT5 ISAKMPOAKLEY", 19, h);
	CHECK_MEM(h, ike_vid_ms_nt5, 16);
}

/* ---- rekeying -------------------------------------------------------------------- */

/* One L2TP message each way; returns true if both arrived intact. */
static bool data_both_ways(struct harness *t, struct esp_sa *resp_sa)
{
	static const uint8_t l2tp[] = { 0xc8, 0x02, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00,
					0x00, 0x00, 0x00, 0x00 };
	unsigned rx = t->n_rx;

	t->r.esp_rx_len = 0;
	if (ipsec_send(t->ips, pkt_from(l2tp, sizeof(l2tp))) != 0)
		return false;
	pump(t);
	if (t->r.esp_rx_len != sizeof(l2tp) || memcmp(t->r.esp_rx, l2tp, sizeof(l2tp)))
		return false;
	resp_send_esp_sa(&t->r, resp_sa, (const uint8_t *)"\xc8\x02" "back", 6, false);
	pump(t);
	return t->n_rx == rx + 1 && t->rx_len == 6 && !memcmp(t->rx, "\xc8\x02" "back", 6);
}

static void test_rekey_p2(void)
{
	struct harness t;
	uint32_t spi_in0, spi_r0;
	unsigned i;

	fprintf(stderr, "== phase-2 rekey: overlap, switch, Delete of the old SA\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.p2_life = 100;                         /* the gateway shortens our 3600 s */
	start(&t);
	CHECK(t.ups == 1 && t.r.n_qm1 == 1);
	spi_in0 = t.r.spi_i;
	spi_r0 = t.r.spi_r;
	/* nothing before 85 % of the lifetime; data flows every second */
	for (i = 0; i < 84; i++) {
		advance(&t, 1000);
		CHECK(data_both_ways(&t, t.r.esp_out));
	}
	CHECK(t.r.n_qm1 == 1 && t.downs == 0);
	t.loglen = 0;
	advance(&t, 6000);                         /* 90 s: the rekey is due by now */
	CHECK(t.r.n_qm1 == 2 && t.r.n_qm3 == 2 && t.r.hash1_ok && t.r.hash3_ok);
	CHECK(t.r.spi_i != spi_in0 && t.r.spi_r != spi_r0);
	CHECK(strstr(t.logbuf, "IPsec SA rekeyed: new SPIs in 0x") != NULL);
	CHECK(ipsec_state(t.ips) == IKE_S_ESTABLISHED && t.ups == 1 && t.downs == 0);
	teardown(&t);
}

/* The overlap in detail, on a clock stopped right after Quick Mode 3. */
static void test_rekey_overlap(void)
{
	struct harness t;
	uint32_t spi_in0, spi_r0;
	unsigned old_before;

	fprintf(stderr, "== phase-2 rekey: both SAs valid during the overlap\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.p2_life = 20;
	start(&t);
	spi_in0 = t.r.spi_i;
	spi_r0 = t.r.spi_r;
	/* step to the rekey in 250 ms slices, stopping as soon as it ran */
	while (t.r.n_qm3 < 2 && t.now < 1000000 + 20000)
		advance(&t, 250);
	CHECK(t.r.n_qm3 == 2);
	CHECK(t.r.old_esp_in != NULL && t.r.old_esp_out != NULL);
	/* outbound still on the old SA (the gateway may not have installed
	 * the new one yet), inbound accepts both */
	old_before = t.r.n_esp_old;
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.r.esp_rx_spi == spi_r0 && t.r.n_esp_old == old_before + 1);
	CHECK(data_both_ways(&t, t.r.old_esp_out));
	/* after the switch: outbound on the new SA */
	advance(&t, IKE_REKEY_SWITCH_MS);
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.r.esp_rx_spi == t.r.spi_r);
	CHECK(data_both_ways(&t, t.r.old_esp_out));
	CHECK(t.r.n_del_esp == 0);
	/* the grace ends: Delete for our old inbound SPI, which stops working */
	advance(&t, IKE_REKEY_GRACE_MS);
	CHECK(t.r.n_del_esp == 1 && t.r.del_esp_spi == spi_in0);
	CHECK(t.r.old_esp_out == NULL);            /* the responder dropped it */
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.downs == 0);
	/* stop: Deletes for the current SA only */
	ipsec_stop(t.ips);
	pump(&t);
	CHECK(t.r.n_del_esp == 2 && t.r.del_esp_spi == t.r.spi_i && t.r.n_del_isakmp == 1);
	teardown(&t);
}

/* The gateway deletes the replaced SA itself (strongSwan with rekey=no when
 * the old one hits its hard lifetime): the tunnel goes on. */
static void test_rekey_gateway_deletes_old(void)
{
	struct harness t;
	uint8_t spi[4];

	fprintf(stderr, "== phase-2 rekey: the gateway deletes the old SA\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.p2_life = 20;
	start(&t);
	store_be32(spi, t.r.spi_r);
	while (t.r.n_qm3 < 2 && t.now < 1000000 + 20000)
		advance(&t, 250);
	CHECK(t.r.n_qm3 == 2);
	resp_delete(&t.r, ISAKMP_PROTO_ESP, spi, 4);
	pump(&t);
	CHECK(t.downs == 0);
	CHECK(strstr(t.logbuf, "deleted the replaced IPsec SA") != NULL);
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.r.esp_rx_spi == t.r.spi_r);       /* switched at once */
	/* no Delete from us for an SA the gateway already dropped */
	advance(&t, IKE_REKEY_GRACE_MS + 1000);
	CHECK(t.r.n_del_esp == 0 && t.downs == 0);
	/* a Delete for the SA in use still ends the tunnel */
	store_be32(spi, t.r.spi_r);
	resp_delete(&t.r, ISAKMP_PROTO_ESP, spi, 4);
	pump(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_PEER_DEAD);
	teardown(&t);
}

static void test_rekey_p1(void)
{
	struct harness t;
	uint8_t ick0[8];

	fprintf(stderr, "== phase-1 rekey: new Main Mode, old ISAKMP SA deleted, SAs live on\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.fake_nat = true;                       /* over UDP 4500 */
	t.r.dpd_vid = true;
	t.r.p1_life = 60;
	t.r.p2_life = 200;
	start(&t);
	CHECK(t.ups == 1 && t.r.initial_contact);
	memcpy(ick0, t.r.icookie, 8);
	advance(&t, 50000);
	CHECK(t.r.n_mm1 == 1);
	t.loglen = 0;
	advance(&t, 5000);                         /* 55 s: past 90 % */
	CHECK(t.r.n_mm1 == 2 && t.r.n_mm5 == 2 && t.r.hash_i_ok);
	CHECK(memcmp(ick0, t.r.icookie, 8) != 0);
	CHECK(!t.r.initial_contact);               /* it would drop our IPsec SA */
	CHECK(t.r.n_del_isakmp == 1 && t.r.n_del_esp == 0);
	CHECK(strstr(t.logbuf, "IKE SA rekeyed") != NULL);
	CHECK(t.r.n_qm1 == 1);                     /* the IPsec SA lives on */
	CHECK(data_both_ways(&t, t.r.esp_out));
	/* DPD runs on the new ISAKMP SA */
	t.r.n_dpd_req = 0;
	advance(&t, 31000);
	CHECK(t.r.n_dpd_req >= 1 && t.downs == 0);
	/* a phase-2 rekey under the new ISAKMP SA */
	advance(&t, 100000);
	CHECK(t.r.n_qm1 >= 2 && t.r.hash1_ok && t.r.hash3_ok);
	CHECK(t.r.n_mm1 >= 3);                     /* and phase 1 again */
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.downs == 0 && t.ups == 1);
	teardown(&t);
}

static void test_rekey_gateway_qm(void)
{
	struct harness t;
	uint32_t spi_r0;

	fprintf(stderr, "== the gateway rekeys the IPsec SA (we answer its Quick Mode, and move when it does)\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	start(&t);
	spi_r0 = t.r.spi_r;
	advance(&t, 1000);
	t.loglen = 0;
	resp_start_qm(&t.r);
	pump(&t);
	CHECK(t.r.gi_hash2_ok && t.r.gi_done);
	CHECK(strstr(t.logbuf, "started a Quick Mode") != NULL);
	CHECK(strstr(t.logbuf, "IPsec SA rekeyed") != NULL);
	/* our outbound stays on the old pair until the gateway sends on the new
	 * one (SoftEther takes about 2 s to start using its own new SA) */
	CHECK(data_both_ways(&t, t.r.old_esp_out));
	CHECK(t.r.esp_rx_spi == spi_r0);
	/* the gateway's first packet on the new pair moves us over */
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.r.esp_rx_spi == t.r.gi_spi && t.r.esp_rx_spi != spi_r0);
	/* and the old inbound SA still works during the grace */
	CHECK(data_both_ways(&t, t.r.old_esp_out));
	advance(&t, IKE_REKEY_GRACE_MS + 500);
	CHECK(t.r.n_del_esp == 1 && t.downs == 0);
	CHECK(data_both_ways(&t, t.r.esp_out));
	/* again with PFS, which we did not ask for (strongSwan puts its group in
	 * every proposal when one has PFS): accepted, keys from the new DH */
	t.r.gi_pfs = 14;
	t.r.n_del_esp = 0;
	resp_start_qm(&t.r);
	pump(&t);
	CHECK(t.r.gi_hash2_ok && t.r.gi_done);
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.r.esp_rx_spi == t.r.gi_spi);
	CHECK(t.downs == 0 && t.ups == 1);
	teardown(&t);
}

/* Some gateways delete the ISAKMP SA once the IPsec SA is up: the phase-2
 * rekey then needs a new Main Mode first. */
static void test_rekey_after_isakmp_deleted(void)
{
	struct harness t;
	uint8_t cookies[16];

	fprintf(stderr, "== phase-2 rekey after the gateway deleted the ISAKMP SA\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.p2_life = 40;
	start(&t);
	memcpy(cookies, t.r.icookie, 8);
	memcpy(cookies + 8, t.r.rcookie, 8);
	resp_delete(&t.r, ISAKMP_PROTO_ISAKMP, cookies, 16);
	pump(&t);
	CHECK(t.downs == 0 && strstr(t.logbuf, "deleted the ISAKMP SA") != NULL);
	advance(&t, 37000);
	CHECK(t.r.n_mm1 == 2 && t.r.n_mm5 == 2 && t.r.n_qm1 == 2 && t.r.hash3_ok);
	CHECK(t.r.n_del_isakmp == 0);              /* nothing old to delete */
	CHECK(data_both_ways(&t, t.r.esp_out));
	CHECK(t.downs == 0 && t.ups == 1);
	teardown(&t);
}

/* The gateway starts a Main Mode of its own (it rekeys the IKE SA as the
 * initiator): we say so, do not answer, and the tunnel goes on. */
static void test_rekey_gateway_mm(void)
{
	struct harness t;
	struct isakmp_hdr h = { .version = ISAKMP_VERSION, .exch = ISAKMP_EXCH_ID_PROT };
	struct ike_p1_prop p = { .enc = IKE_ENC_AES_CBC, .key_bits = 256, .hash = IKE_HASH_SHA1,
				 .group = 14 };
	uint8_t mem[512];
	struct ike_buf b;
	unsigned sent;

	fprintf(stderr, "== the gateway starts a Main Mode of its own\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	start(&t);
	CHECK(t.ups == 1);
	memcpy(h.icookie, "GWINITOR", 8);
	ikeb_init(&b, mem, sizeof(mem));
	ikeb_msg_begin(&b, &h);
	ike_build_p1_sa(&b, &p, 1, 28800);
	ikeb_msg_end(&b);
	sent = t.sends[IPSEC_CH_IKE];
	t.loglen = 0;
	ipsec_input(t.ips, IPSEC_CH_IKE, b.p, b.len);
	pump(&t);
	CHECK(strstr(t.logbuf, "started a new Main Mode") != NULL);
	CHECK(t.sends[IPSEC_CH_IKE] == sent && t.downs == 0);
	CHECK(data_both_ways(&t, t.r.esp_out));
	teardown(&t);
}

static void test_rekey_kilobytes(void)
{
	struct harness t;
	uint8_t big[400];
	unsigned i;

	fprintf(stderr, "== phase-2 rekey on the gateway's kilobyte lifetime\n");
	setup(&t, NULL, NULL, IPSEC_ENCAP_AUTO);
	t.r.p2_kb = 4;                             /* 4096 octets */
	start(&t);
	CHECK(t.ups == 1);
	memset(big, 0xc8, sizeof(big));
	for (i = 0; i < 8; i++)
		CHECK(ipsec_send(t.ips, pkt_from(big, sizeof(big))) == 0);
	advance(&t, 250);
	CHECK(t.r.n_qm1 == 1);                     /* ~3.5 KB so far: below 90 % */
	for (i = 0; i < 4; i++)
		CHECK(ipsec_send(t.ips, pkt_from(big, sizeof(big))) == 0);
	advance(&t, 250);
	CHECK(t.r.n_qm1 == 2 && t.downs == 0);
	teardown(&t);
}

/* ---- certificates (machine-auth-type=tls) ---------------------------------------- */

struct pki {
	char dir[64];
	EVP_PKEY *ca_key, *other_ca_key, *gw_key, *gw2_key, *cl_key;
	X509 *ca, *other_ca, *gw, *gw_other, *cl;
	char ca_pem[96], cl_pem[96], cl_key_pem[96], cl_key_enc[96], cl_p12[96];
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *val)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, val);
	CHECK(e != NULL);
	if (e)
		X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for key named CN=cn, issued by issuer (NULL: self-signed CA). */
static X509 *mk_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"winvpn test", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	add_ext(x, issuer, NID_basic_constraints, issuer ? "critical,CA:FALSE" : "critical,CA:TRUE");
	add_ext(x, issuer, NID_key_usage, issuer ? "critical,digitalSignature,keyEncipherment" :
		"critical,keyCertSign,cRLSign");
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (san)
		add_ext(x, issuer, NID_subject_alt_name, san);
	CHECK(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static void write_pem(const char *path, X509 *a, X509 *b)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	PEM_write_X509(f, a);
	if (b)
		PEM_write_X509(f, b);
	fclose(f);
}

static void pki_make(struct pki *k)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	PKCS12 *p12;
	FILE *f;

	memset(k, 0, sizeof(*k));
	snprintf(k->dir, sizeof(k->dir), "/tmp/test-ike-cert.XXXXXX");
	CHECK(mkdtemp(k->dir) != NULL);
	k->ca_key = EVP_RSA_gen(2048);
	k->other_ca_key = EVP_RSA_gen(2048);
	k->gw_key = EVP_RSA_gen(2048);
	k->gw2_key = EVP_RSA_gen(2048);
	k->cl_key = EVP_RSA_gen(2048);
	k->ca = mk_cert(k->ca_key, "winvpn test CA", NULL, NULL, NULL);
	k->other_ca = mk_cert(k->other_ca_key, "another CA", NULL, NULL, NULL);
	k->gw = mk_cert(k->gw_key, "vpn.example.com", k->ca, k->ca_key,
			"DNS:vpn.example.com,IP:10.99.1.2");
	k->gw_other = mk_cert(k->gw2_key, "vpn.example.com", k->other_ca, k->other_ca_key,
			      "DNS:vpn.example.com,IP:10.99.1.2");
	k->cl = mk_cert(k->cl_key, "client1", k->ca, k->ca_key, "DNS:client1.example.com");
	snprintf(k->ca_pem, sizeof(k->ca_pem), "%s/ca.pem", k->dir);
	snprintf(k->cl_pem, sizeof(k->cl_pem), "%s/client.pem", k->dir);
	snprintf(k->cl_key_pem, sizeof(k->cl_key_pem), "%s/client-key.pem", k->dir);
	snprintf(k->cl_key_enc, sizeof(k->cl_key_enc), "%s/client-key-enc.pem", k->dir);
	snprintf(k->cl_p12, sizeof(k->cl_p12), "%s/client.p12", k->dir);
	write_pem(k->ca_pem, k->ca, NULL);
	write_pem(k->cl_pem, k->cl, NULL);
	f = fopen(k->cl_key_pem, "w");
	if (f) {
		PEM_write_PrivateKey(f, k->cl_key, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	f = fopen(k->cl_key_enc, "w");
	if (f) {
		PEM_write_PrivateKey(f, k->cl_key, EVP_aes_256_cbc(), NULL, 0, NULL,
				     (void *)"keypass1");
		fclose(f);
	}
	sk_X509_push(chain, k->ca);
	p12 = PKCS12_create("p12pass", "client1", k->cl_key, k->cl, chain, 0, 0, 0, 0, 0);
	sk_X509_free(chain);
	CHECK(p12 != NULL);
	f = fopen(k->cl_p12, "wb");
	if (f && p12) {
		i2d_PKCS12_fp(f, p12);
		fclose(f);
	}
	PKCS12_free(p12);
}

static void pki_free(struct pki *k)
{
	char cmd[128];

	EVP_PKEY_free(k->ca_key);
	EVP_PKEY_free(k->other_ca_key);
	EVP_PKEY_free(k->gw_key);
	EVP_PKEY_free(k->gw2_key);
	EVP_PKEY_free(k->cl_key);
	X509_free(k->ca);
	X509_free(k->other_ca);
	X509_free(k->gw);
	X509_free(k->gw_other);
	X509_free(k->cl);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
	CHECK(system(cmd) == 0);
}

/* A connection with certificates; the gateway presents gw (its key gw_key). */
static void cert_setup(struct harness *t, struct pki *k, const char *cert, const char *key,
		       const char *pass, const char *remote_id, X509 *gw, EVP_PKEY *gw_key)
{
	struct ipsec_config cfg = { .cert_auth = true, .cert = cert, .key = key,
				    .cert_pass = pass, .ca = k->ca_pem, .remote_id = remote_id,
				    .gateway_name = "10.99.1.2" };

	setup_cfg(t, &cfg);
	t->r.cert = gw;
	t->r.cert_key = gw_key;
}

static void test_cert_pem(struct pki *k)
{
	struct harness t;

	fprintf(stderr, "== certificates: PEM certificate, encrypted PEM key\n");
	cert_setup(&t, k, k->cl_pem, k->cl_key_enc, "keypass1", NULL, k->gw, k->gw_key);
	start(&t);
	CHECK(t.ups == 1 && t.downs == 0);
	CHECK(t.r.sig_i_ok && t.r.n_cert_i == 1 && t.r.n_cr == 1);
	CHECK(t.r.id_i_type == IKE_ID_DER_ASN1_DN);
	CHECK(t.r.sel.auth == IKE_AUTH_RSA_SIG && t.r.n_transforms_mm1 == 4);
	CHECK(strstr(t.logbuf, "certificate verified against machine-ca") != NULL);
	CHECK(strstr(t.logbuf, "keypass1") == NULL);
	check_data(&t, false);
	teardown(&t);
}

static void test_cert_p12(struct pki *k)
{
	struct harness t;

	fprintf(stderr, "== certificates: PKCS#12, ipsec-remote-id as a DN and a host name\n");
	cert_setup(&t, k, k->cl_p12, NULL, "p12pass", "C=CH, O=winvpn test, CN=vpn.example.com",
		   k->gw, k->gw_key);
	start(&t);
	CHECK(t.ups == 1 && t.r.sig_i_ok);
	check_data(&t, false);
	teardown(&t);
	cert_setup(&t, k, k->cl_p12, NULL, "p12pass", "vpn.example.com", k->gw, k->gw_key);
	start(&t);
	CHECK(t.ups == 1 && t.downs == 0);
	teardown(&t);
}

static void cert_config_error(struct pki *k, const char *cert, const char *key, const char *pass,
			      const char *want)
{
	struct ipsec_config cfg = { .cert_auth = true, .cert = cert, .key = key, .cert_pass = pass,
				    .ca = k->ca_pem };
	struct wv_loop *loop = wv_loop_new();
	struct wv_log lg = { 0 };
	char *err = NULL;
	struct ipsec *ips;

	inet_pton(AF_INET, "10.99.1.2", &cfg.gateway);
	ips = ipsec_new(loop, &lg, &cfg, &events, NULL, &err);
	CHECK(ips == NULL && err && strstr(err, want));
	if (err)
		fprintf(stderr, "   %s\n", err);
	if (err && pass && *pass)
		CHECK(strstr(err, pass) == NULL);
	ipsec_free(ips);
	free(err);
	wv_loop_free(loop);
}

static void test_cert_config_errors(struct pki *k)
{
	char missing[128];

	fprintf(stderr, "== certificates: files that do not load\n");
	snprintf(missing, sizeof(missing), "%s/nope.pem", k->dir);
	cert_config_error(k, missing, NULL, NULL, "cannot read the machine certificate");
	cert_config_error(k, k->cl_pem, k->cl_key_enc, "wrongpass",
			  "wrong passphrase for the private key");
	cert_config_error(k, k->cl_pem, k->cl_key_enc, NULL, "is encrypted: set its passphrase");
	cert_config_error(k, k->cl_p12, NULL, "wrongpass", "wrong passphrase for the PKCS#12");
	cert_config_error(k, k->cl_pem, NULL, NULL, "no private key in");
	cert_config_error(k, k->ca_pem, k->cl_key_pem, NULL, "does not belong to the certificate");
}

static void test_cert_bad_ca(struct pki *k)
{
	struct harness t;

	fprintf(stderr, "== certificates: the gateway's certificate is from another CA\n");
	cert_setup(&t, k, k->cl_pem, k->cl_key_pem, NULL, NULL, k->gw_other, k->gw2_key);
	start(&t);
	CHECK(t.ups == 0 && t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "not signed by machine-ca") != NULL);
	CHECK(strstr(t.msg, "CN=another CA") != NULL);          /* the issuer */
	CHECK(strstr(t.msg, "CN=vpn.example.com") != NULL);     /* the subject */
	pump(&t);
	CHECK(t.r.n_del_isakmp == 1);       /* the gateway holds the SA: delete it */
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);
}

static void test_cert_identity(struct pki *k)
{
	struct harness t;
	struct ipsec_config cfg = { .cert_auth = true, .cert = k->cl_pem, .key = k->cl_key_pem,
				    .ca = k->ca_pem, .gateway_name = "gw.other.example" };

	fprintf(stderr, "== certificates: the gateway's identity does not match\n");
	cert_setup(&t, k, k->cl_pem, k->cl_key_pem, NULL, "CN=somebody else", k->gw, k->gw_key);
	start(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "does not match ipsec-remote-id \"CN=somebody else\"") != NULL);
	pump(&t);
	CHECK(t.r.n_del_isakmp == 1);
	CHECK(strstr(t.msg, "vpn.example.com") != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);
	/* no ipsec-remote-id: the certificate must name the gateway dialled */
	setup_cfg(&t, &cfg);
	t.r.cert = k->gw;
	t.r.cert_key = k->gw_key;
	start(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "does not name the gateway gw.other.example") != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);
}

static void test_cert_rejected(struct pki *k)
{
	struct harness t;

	fprintf(stderr, "== certificates: the gateway rejects ours\n");
	cert_setup(&t, k, k->cl_pem, k->cl_key_pem, NULL, NULL, k->gw, k->gw_key);
	t.r.cert_reject = ISAKMP_N_INVALID_CERTIFICATE;
	start(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_AUTH);
	CHECK(strstr(t.msg, "rejected our machine certificate \"CN=client1,O=winvpn test,C=CH\"") != NULL);
	fprintf(stderr, "   %s\n", t.msg);
	teardown(&t);
	/* a forged SIG_R */
	cert_setup(&t, k, k->cl_pem, k->cl_key_pem, NULL, NULL, k->gw, k->gw_key);
	t.r.bad_hash_r = true;
	start(&t);
	CHECK(t.downs == 1 && t.why == WV_FAIL_AUTH && strstr(t.msg, "SIG_R") != NULL);
	teardown(&t);
}

static void test_certs(void)
{
	struct pki k;

	pki_make(&k);
	test_cert_pem(&k);
	test_cert_p12(&k);
	test_cert_config_errors(&k);
	test_cert_bad_ca(&k);
	test_cert_identity(&k);
	test_cert_rejected(&k);
	pki_free(&k);
}

int main(void)
{
	test_vids();
	test_config_errors();
	test_success_nat();
	test_success_no_nat();
	test_forced_encap_draft();
	test_selection_3des();
	test_sha256_gcm_pfs();
	test_no_proposal_mm();
	test_no_proposal_mm_softether();
	test_no_proposal_qm();
	test_invalid_id_qm();
	test_wrong_psk();
	test_unreachable();
	test_retransmissions();
	test_dpd();
	test_gateway_deletes();
	test_stop_early();
	test_free_in_down();
	test_rekey_p2();
	test_rekey_overlap();
	test_rekey_gateway_deletes_old();
	test_rekey_p1();
	test_rekey_gateway_qm();
	test_rekey_kilobytes();
	test_rekey_gateway_mm();
	test_rekey_after_isakmp_deleted();
	test_certs();
	pkt_pool_drain();
	return check_done("test-ike-exchange");
}
