/* ike-rekey.c -- keeping the tunnel keyed: new IPsec SAs before the old ones
 * expire (a Quick Mode under the current ISAKMP SA), a new ISAKMP SA before
 * phase 1 expires (a Main Mode with new cookies; the IPsec SAs live on), and
 * the overlap that keeps every packet protected across a rekey:
 *
 *   Quick Mode 2 processed   the new inbound SA receives at once, next to the
 *                            old one (the gateway may switch as soon as it
 *                            has our message 3);
 *   + IKE_REKEY_SWITCH_MS    outbound moves to the new SA (by then the
 *                            gateway installed it);
 *   + IKE_REKEY_GRACE_MS     the old inbound SA goes and we Delete it, unless
 *                            the gateway deleted it first.
 *
 * Rekeys start at 85-90 % of the lifetime the gateway accepted (a random
 * jitter, so client and gateway do not collide), or when the outbound SA
 * carried 90 % of a kilobyte lifetime or most of its sequence numbers.  One
 * exchange runs at a time: a rekey that falls due during another waits for
 * it (ike_rekey_kick()). */
#include "wv.h"

#include <stdio.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ike-int.h"

static const struct ike_task *const rekey_qm_tasks[] = { &ike_task_quick_mode };
static const struct ike_task *const rekey_mm_tasks[] = {
	&ike_task_main_mode, &ike_task_vendor, &ike_task_natd,
};

static bool rekey_gone(const struct ipsec *s)
{
	return s->state == IKE_S_CLOSED || s->free_pending || s->stopping;
}

/* Milliseconds until a rekey of an SA living life_s seconds: 85-90 %. */
static uint32_t rekey_delay(struct ipsec *s, uint32_t life_s)
{
	uint64_t life = (uint64_t)life_s * 1000, d, spread = life / 20;
	uint32_t rnd = 0;

	if (ike_random(s, &rnd, sizeof(rnd)))
		rnd = 0;
	d = life - life / 10 - (spread ? rnd % (spread + 1) : 0);
	d = MAX(d, (uint64_t)IKE_REKEY_MIN_MS);
	return (uint32_t)MIN(d, (uint64_t)UINT32_MAX - 1);
}

static void schedule_p2(struct ipsec *s)
{
	if (!s->esp_life_got)
		return;
	wv_timer_arm(s->loop, &s->rekey_p2_timer, rekey_delay(s, s->esp_life_got));
	s->rekey_bytes = s->esp_kb_got ? s->esp_kb_got * 1024 / 10 * 9 : 0;
}

static void schedule_p1(struct ipsec *s)
{
	if (!s->p1_life)
		return;
	wv_timer_arm(s->loop, &s->rekey_p1_timer, rekey_delay(s, s->p1_life));
}

/* ---- phase 1 ---------------------------------------------------------------------- */

void ike_old_p1_swap(struct ipsec *s)
{
	struct ike_old_p1 *o = &s->old_p1, t;

	memcpy(t.icookie, s->icookie, 8);
	memcpy(t.rcookie, s->rcookie, 8);
	t.keys = s->keys;
	t.cipher = s->p1_cipher;
	t.md = s->p1_md;
	t.block = s->p1_block;
	memcpy(t.iv, s->p1_iv, sizeof(t.iv));
	t.keyed = s->keyed;
	t.authenticated = s->authenticated;
	t.deleted = s->isakmp_deleted;

	memcpy(s->icookie, o->icookie, 8);
	memcpy(s->rcookie, o->rcookie, 8);
	s->keys = o->keys;
	s->p1_cipher = o->cipher;
	s->p1_md = o->md;
	s->p1_block = o->block;
	memcpy(s->p1_iv, o->iv, sizeof(s->p1_iv));
	s->keyed = o->keyed;
	s->authenticated = o->authenticated;
	s->isakmp_deleted = o->deleted;

	t.valid = o->valid;
	*o = t;
	wv_wipe(&t, sizeof(t));
}

static void old_p1_delete(struct ipsec *s)
{
	uint8_t cookies[16];

	if (!s->old_p1.valid)
		return;
	ike_old_p1_swap(s);
	if (!s->isakmp_deleted) {
		memcpy(cookies, s->icookie, 8);
		memcpy(cookies + 8, s->rcookie, 8);
		ike_info_send_delete(s, ISAKMP_PROTO_ISAKMP, cookies, 16);
		s->isakmp_deleted = true;
	}
	ike_old_p1_swap(s);
	wv_wipe(&s->old_p1, sizeof(s->old_p1));
}

static void rekey_p1_begin(struct ipsec *s)
{
	s->rekey_p1_due = false;
	wv_wipe(&s->old_p1, sizeof(s->old_p1));
	if (s->authenticated && !s->isakmp_deleted) {
		/* The current SA moves into the blank old_p1 slot (its Delete
		 * and informational messages until the new one is up); the
		 * current fields are left blank for Main Mode to fill. */
		ike_old_p1_swap(s);
		s->old_p1.valid = true;
	}
	s->keyed = s->authenticated = s->isakmp_deleted = false;
	wv_timer_cancel(s->loop, &s->dpd_timer);
	wv_info(s->log, "IKE", "rekeying the IKE SA with %s (new Main Mode)", s->gw_str);
	ike_set_state(s, IKE_S_IDLE, "IKE SA rekey");
	ike_exchange_start(s, rekey_mm_tasks, ARRAY_SIZE(rekey_mm_tasks));
}

void ike_rekey_p1_done(struct ipsec *s)
{
	s->n_rekey_p1++;
	wv_info(s->log, "IKE", "IKE SA rekeyed: %s, cookies %02x%02x%02x%02x.../%02x%02x%02x%02x..., "
		"lifetime %u s", s->p1_name, s->icookie[0], s->icookie[1], s->icookie[2],
		s->icookie[3], s->rcookie[0], s->rcookie[1], s->rcookie[2], s->rcookie[3],
		s->p1_life);
	/* RFC 2408 §3.15: the replaced ISAKMP SA goes; the IPsec SAs stay. */
	old_p1_delete(s);
	ike_set_state(s, IKE_S_ESTABLISHED, "new Main Mode done");
	ike_dpd_start(s);
	schedule_p1(s);
	ike_rekey_kick(s);
}

/* ---- phase 2 ---------------------------------------------------------------------- */

static void switch_out(struct ipsec *s)
{
	if (!s->new_out)
		return;
	wv_timer_cancel(s->loop, &s->switch_timer);
	esp_sa_free(s->esp_out);
	s->esp_out = s->new_out;
	s->spi_out = s->new_spi_out;
	s->new_out = NULL;
	wv_dbg(s->log, "ESP", "outbound moved to the new SA (SPI %08x)", s->spi_out);
}

static void retire_old(struct ipsec *s, bool send_delete)
{
	uint8_t spi[4];

	if (!s->old_in)
		return;
	wv_timer_cancel(s->loop, &s->grace_timer);
	if (send_delete && s->keyed && s->authenticated && !s->isakmp_deleted) {
		store_be32(spi, s->old_spi_in);
		ike_info_send_delete(s, ISAKMP_PROTO_ESP, spi, 4);
	}
	wv_dbg(s->log, "ESP", "the replaced IPsec SA (SPIs %08x in, %08x out) is gone%s",
	       s->old_spi_in, s->old_spi_out, send_delete ? "; Delete sent" : "");
	esp_sa_free(s->old_in);
	s->old_in = NULL;
}

void ike_install_sas(struct ipsec *s, struct esp_sa *in, uint32_t spi_in, struct esp_sa *out,
		     uint32_t spi_out)
{
	if (!s->up) {
		esp_sa_free(s->esp_in);
		esp_sa_free(s->esp_out);
		s->esp_in = in;
		s->esp_out = out;
		s->spi_in = spi_in;
		s->spi_out = spi_out;
		return;
	}
	/* an earlier overlap still running ends now */
	switch_out(s);
	retire_old(s, true);
	s->old_in = s->esp_in;
	s->old_spi_in = s->spi_in;
	s->old_spi_out = s->spi_out;
	s->esp_in = in;
	s->spi_in = spi_in;
	s->new_out = out;
	s->new_spi_out = spi_out;
}

void ike_rekey_p2_done(struct ipsec *s, bool ours)
{
	s->n_rekey_p2++;
	wv_info(s->log, "IKE", "IPsec SA rekeyed: new SPIs in 0x%08x out 0x%08x (%s; lifetime %u s)",
		s->spi_in, s->new_out ? s->new_spi_out : s->spi_out,
		ours ? "our Quick Mode" : "the gateway's Quick Mode", s->esp_life_got);
	if (ours) {
		ike_set_state(s, IKE_S_ESTABLISHED, "Quick Mode 3 sent");
		wv_timer_arm(s->loop, &s->switch_timer, IKE_REKEY_SWITCH_MS);
	}
	/* The gateway's own Quick Mode: outbound moves when the gateway first
	 * sends on the new SA (ike_rekey_peer_switched), or at the end of the
	 * grace.  SoftEther starts one right after Main Mode and takes about 2 s
	 * to use it; switching at once lost IPCP's first packets there. */
	if (s->old_in)
		wv_timer_arm(s->loop, &s->grace_timer, IKE_REKEY_GRACE_MS);
	s->rekey_p2_due = false;
	schedule_p2(s);
	ike_rekey_kick(s);
}

void ike_rekey_peer_switched(struct ipsec *s)
{
	if (s->new_out) {
		wv_dbg(s->log, "ESP", "the gateway sends on the new IPsec SA");
		switch_out(s);
	}
}

bool ike_rekey_old_deleted(struct ipsec *s, uint32_t spi)
{
	if (!s->old_in || (spi != s->old_spi_in && spi != s->old_spi_out))
		return false;
	wv_info(s->log, "IKE", "the gateway %s deleted the replaced IPsec SA (SPI %08x)",
		s->gw_str, spi);
	switch_out(s);
	retire_old(s, false);
	return true;
}

void ike_rekey_volume(struct ipsec *s)
{
	const struct esp_stats *st;

	if (!s->esp_out || s->new_out || s->rekey_p2_due || s->step != IKE_S_ESTABLISHED)
		return;
	st = esp_sa_stats(s->esp_out);
	if ((s->rekey_bytes && st->bytes >= s->rekey_bytes) || st->packets >= ESP_REKEY_PACKETS) {
		wv_info(s->log, "IKE", "the IPsec SA carried %llu octets in %llu packets: rekeying "
			"before its %s runs out", (unsigned long long)st->bytes,
			(unsigned long long)st->packets,
			st->packets >= ESP_REKEY_PACKETS ? "sequence space" : "kilobyte lifetime");
		s->rekey_p2_due = true;
		/* from the loop, not from inside ipsec_send() */
		wv_timer_arm(s->loop, &s->rekey_p2_timer, 0);
	}
}

/* ---- timers ---------------------------------------------------------------------- */

void ike_rekey_kick(struct ipsec *s)
{
	if (!s->up || rekey_gone(s) || s->step != IKE_S_ESTABLISHED || s->tx_outstanding)
		return;
	/* Quick Mode needs a live ISAKMP SA: without one, phase 1 first. */
	if (s->rekey_p1_due || (s->rekey_p2_due && (s->isakmp_deleted || !s->authenticated))) {
		rekey_p1_begin(s);
		return;
	}
	if (s->rekey_p2_due) {
		s->rekey_p2_due = false;
		wv_info(s->log, "IKE", "rekeying the IPsec SA with %s (new Quick Mode)", s->gw_str);
		ike_exchange_start(s, rekey_qm_tasks, ARRAY_SIZE(rekey_qm_tasks));
	}
}

static void on_p2(void *arg)
{
	struct ipsec *s = arg;

	ike_enter(s);
	s->rekey_p2_due = true;
	ike_rekey_kick(s);
	ike_leave(s);
}

static void on_p1(void *arg)
{
	struct ipsec *s = arg;

	ike_enter(s);
	s->rekey_p1_due = true;
	ike_rekey_kick(s);
	ike_leave(s);
}

static void on_switch(void *arg)
{
	struct ipsec *s = arg;

	ike_enter(s);
	switch_out(s);
	ike_leave(s);
}

static void on_grace(void *arg)
{
	struct ipsec *s = arg;

	ike_enter(s);
	switch_out(s);
	/* a Main Mode running: the Delete waits for its keys */
	if (!s->keyed || !s->authenticated)
		wv_timer_arm(s->loop, &s->grace_timer, 1000);
	else
		retire_old(s, true);
	ike_leave(s);
}

void ike_rekey_start(struct ipsec *s)
{
	schedule_p2(s);
	schedule_p1(s);
	wv_dbg(s->log, "IKE", "rekeying the IPsec SA before %u s%s, the IKE SA before %u s",
	       s->esp_life_got, s->esp_kb_got ? " or its kilobyte limit" : "", s->p1_life);
}

void ike_rekey_init(struct ipsec *s)
{
	wv_timer_init(&s->rekey_p1_timer, on_p1, s);
	wv_timer_init(&s->rekey_p2_timer, on_p2, s);
	wv_timer_init(&s->switch_timer, on_switch, s);
	wv_timer_init(&s->grace_timer, on_grace, s);
}

void ike_rekey_cancel(struct ipsec *s)
{
	wv_timer_cancel(s->loop, &s->rekey_p1_timer);
	wv_timer_cancel(s->loop, &s->rekey_p2_timer);
	wv_timer_cancel(s->loop, &s->switch_timer);
	wv_timer_cancel(s->loop, &s->grace_timer);
}

void ike_rekey_free(struct ipsec *s)
{
	esp_sa_free(s->old_in);
	esp_sa_free(s->new_out);
	esp_sa_free(s->rqm_in);
	esp_sa_free(s->rqm_out);
	s->old_in = s->new_out = s->rqm_in = s->rqm_out = NULL;
	wv_wipe(&s->old_p1, sizeof(s->old_p1));
}
