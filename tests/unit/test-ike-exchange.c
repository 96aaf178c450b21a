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

static void setup(struct harness *t, const char *ike, const char *esp, enum ipsec_encap encap)
{
	struct ipsec_config cfg = { .psk = "vpnpsk123", .ike = ike, .esp = esp, .encap = encap };
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
	pkt_pool_drain();
	return check_done("test-ike-exchange");
}
