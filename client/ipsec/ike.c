/* ike.c -- the IKE SA of an L2TP/IPsec connection, as initiator: the task
 * manager that runs exchanges (Main Mode, then Quick Mode), the messages'
 * encryption and IV chains (RFC 2409 Appendix B), retransmission, the UDP 500
 * / 4500 and raw ESP sockets, the ESP data path, and the object's lifetime.
 *
 * Exchanges are lists of tasks in strongSwan's manner (ike-int.h): to send a
 * request every task of the exchange adds its payloads (Main Mode its SA,
 * KE, ID...; the vendor task its VIDs; the NAT-D task its hashes), and each
 * response goes through every task's process step.  The first task of a list
 * leads: its status says whether the exchange needs another round trip. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "ike-int.h"

#define RX_BATCH 16            /* datagrams per recvmmsg() */
#define RX_ROUNDS 4            /* recvmmsg() calls per wake-up, then let others run */
#define IPSEC_RCVBUF (4 << 20)

static const char *const ike_state_names[] = {
	[IKE_S_IDLE] = "idle",
	[IKE_S_MM_SA] = "main-mode-sa",
	[IKE_S_MM_KE] = "main-mode-ke",
	[IKE_S_MM_AUTH] = "main-mode-auth",
	[IKE_S_QM] = "quick-mode",
	[IKE_S_ESTABLISHED] = "established",
	[IKE_S_CLOSED] = "closed",
};

const char *ike_state_name(enum ike_state st)
{
	if ((size_t)st < ARRAY_SIZE(ike_state_names) && ike_state_names[st])
		return ike_state_names[st];
	return "?";
}

enum ike_state ipsec_state(const struct ipsec *s)
{
	return s->state;
}

void ike_set_state(struct ipsec *s, enum ike_state st, const char *reason)
{
	/* Once the tunnel is up the object stays established; the exchanges of
	 * a rekey move only the step. */
	if (s->up && st != IKE_S_CLOSED) {
		if (s->step != st)
			wv_dbg(s->log, "IKE", "rekey %s -> %s (%s)", ike_state_name(s->step),
			       ike_state_name(st), reason);
		s->step = st;
		return;
	}
	s->step = st;
	if (s->state == st)
		return;
	wv_dbg(s->log, "IKE", "IKE SA %s -> %s (%s)", ike_state_name(s->state), ike_state_name(st),
	       reason);
	s->state = st;
}

/* ---- lifetime: callbacks may free us, so entry points hold a reference ------ */

static void ike_close_sockets(struct ipsec *s)
{
	int *fds[] = { &s->ike_fd, &s->natt_fd, &s->esp_fd };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0) {
			wv_loop_del_fd(s->loop, *fds[i]);
			close(*fds[i]);
			*fds[i] = -1;
		}
	}
}

static void ike_cancel_timers(struct ipsec *s)
{
	wv_timer_cancel(s->loop, &s->rtx_timer);
	wv_timer_cancel(s->loop, &s->keepalive_timer);
	wv_timer_cancel(s->loop, &s->dpd_timer);
	ike_rekey_cancel(s);
}

static void ike_destroy(struct ipsec *s)
{
	ike_close_sockets(s);
	ike_cancel_timers(s);
	wv_timer_cancel(s->loop, &s->later);
	esp_sa_free(s->esp_in);
	esp_sa_free(s->esp_out);
	ike_rekey_free(s);
	ike_dh_free(s->dh);
	ike_dh_free(s->qm_dh);
	free(s->sai_b);
	ike_cred_free(s->cred);
	free(s->remote_id);
	free(s->gw_name);
	if (s->psk) {
		wv_wipe(s->psk, s->psk_len);
		free(s->psk);
	}
	wv_wipe(s, sizeof(*s));
	free(s);
}

void ike_enter(struct ipsec *s)
{
	s->busy++;
}

void ike_leave(struct ipsec *s)
{
	if (--s->busy == 0 && s->free_pending)
		ike_destroy(s);
}

static bool ike_gone(const struct ipsec *s)
{
	return s->state == IKE_S_CLOSED || s->free_pending;
}

void ike_fail(struct ipsec *s, enum wv_fail why, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ike_gone(s))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* An authenticated ISAKMP SA the gateway still holds (a Quick Mode it
	 * refused, a failure after the SA was up): tell it, or it keeps the SA
	 * until it times out (strongSwan keeps an IKE SA established for hours). */
	ike_send_deletes(s, true);
	ike_close_sockets(s);
	ike_cancel_timers(s);
	wv_timer_cancel(s->loop, &s->later);
	s->tx_outstanding = false;
	ike_set_state(s, IKE_S_CLOSED, msg);
	if (why == WV_OK)
		wv_info(s->log, "IKE", "%s", msg);
	else
		wv_err(s->log, "IKE", "%s", msg);
	if (s->ev.down)
		s->ev.down(s->arg, why, msg);
}

void ike_send_deletes(struct ipsec *s, bool esp)
{
	if (s->deletes_sent)
		return;
	s->deletes_sent = true;
	/* RFC 2408 §3.15: IPsec SA first, then the ISAKMP SA; our inbound SPI
	 * names the IPsec SA. */
	if (esp && s->state == IKE_S_ESTABLISHED && s->esp_in) {
		uint8_t spi[4];

		store_be32(spi, s->spi_in);
		ike_info_send_delete(s, ISAKMP_PROTO_ESP, spi, 4);
		s->del_esp_sent = true;
		/* an SA a rekey replaced and the gateway still holds */
		if (s->old_in) {
			store_be32(spi, s->old_spi_in);
			ike_info_send_delete(s, ISAKMP_PROTO_ESP, spi, 4);
		}
	}
	/* an ISAKMP SA a running Main Mode is about to replace */
	if (s->old_p1.valid) {
		uint8_t cookies[16];

		ike_old_p1_swap(s);
		if (!s->isakmp_deleted) {
			memcpy(cookies, s->icookie, 8);
			memcpy(cookies + 8, s->rcookie, 8);
			ike_info_send_delete(s, ISAKMP_PROTO_ISAKMP, cookies, 16);
		}
		ike_old_p1_swap(s);
		s->old_p1.valid = false;
	}
	if ((s->authenticated || s->peer_holds_sa) && !s->isakmp_deleted) {
		uint8_t cookies[16];

		memcpy(cookies, s->icookie, 8);
		memcpy(cookies + 8, s->rcookie, 8);
		ike_info_send_delete(s, ISAKMP_PROTO_ISAKMP, cookies, 16);
		s->isakmp_deleted = true;
		s->del_isakmp_sent = true;
	}
}

/* Informational exchanges are not acknowledged (RFC 2408 §3.15, RFC 2409
 * §5.7): a Delete lost on the way leaves the SA on the gateway until it
 * times out or DPD finds us gone -- and SoftEther merges the next connection
 * from this address into that stale state.  An orderly stop therefore sends
 * its Deletes a second time shortly after the first (the gateway ignores a
 * Delete for an SA it no longer has). */
static void ike_send_deletes_again(struct ipsec *s)
{
	uint8_t spi[4], cookies[16];

	if (s->del_esp_sent) {
		store_be32(spi, s->spi_in);
		ike_info_send_delete(s, ISAKMP_PROTO_ESP, spi, 4);
	}
	if (s->del_isakmp_sent) {
		memcpy(cookies, s->icookie, 8);
		memcpy(cookies + 8, s->rcookie, 8);
		ike_info_send_delete(s, ISAKMP_PROTO_ISAKMP, cookies, 16);
	}
}

static void ike_on_later(void *arg)
{
	struct ipsec *s = arg;

	ike_enter(s);
	if (s->del_repeat_due && !ike_gone(s)) {
		s->del_repeat_due = false;
		wv_dbg(s->log, "IKE", "repeating our Deletes (they are not acknowledged)");
		ike_send_deletes_again(s);
	}
	ike_fail(s, s->later_why, "%s", s->later_msg);
	ike_leave(s);
}

/* down() from the loop rather than from inside start() or stop(). */
static void ike_fail_later(struct ipsec *s, enum wv_fail why, const char *fmt, ...)
	WV_PRINTF(3, 4);
static void ike_fail_later(struct ipsec *s, enum wv_fail why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->later_msg, sizeof(s->later_msg), fmt, ap);
	va_end(ap);
	s->later_why = why;
	wv_timer_arm(s->loop, &s->later, 0);
}

int ike_random(struct ipsec *s, void *buf, size_t len)
{
	if (s->has_hooks && s->hooks.random)
		return s->hooks.random(s->hooks.arg, buf, len);
	return wv_random(buf, len);
}

uint64_t ike_now(struct ipsec *s)
{
	return wv_loop_now(s->loop);
}

/* ---- sending ---------------------------------------------------------------- */

int ike_xmit(struct ipsec *s, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	int fd;
	ssize_t n;

	if (ch == IPSEC_CH_NATT)
		s->natt_tx_ms = ike_now(s);
	if (s->has_hooks && s->hooks.send)
		return s->hooks.send(s->hooks.arg, ch, buf, len);
	fd = ch == IPSEC_CH_IKE ? s->ike_fd : ch == IPSEC_CH_NATT ? s->natt_fd : s->esp_fd;
	if (fd < 0)
		return -ENOTCONN;
	n = send(fd, buf, len, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static void ike_log_msg(struct ipsec *s, const char *verb, const uint8_t *msg, size_t len,
			const uint8_t *plain, size_t plain_len)
{
	struct isakmp_hdr h;
	struct ike_payloads ps;
	char desc[160] = "?";

	if (!wv_log_enabled(s->log, WV_LOG_DEBUG) || isakmp_hdr_parse(msg, len, &h))
		return;
	if (ike_payloads_parse(h.next, plain, plain_len, &ps) == 0)
		ike_payloads_describe(&ps, desc, sizeof(desc));
	wv_dbg(s->log, "IKE", "%s %s %u [ %s ] (%zu octets%s)", verb, isakmp_exch_name(h.exch),
	       h.msgid, desc, len, s->floated ? ", UDP 4500" : "");
}

int ike_send_msg(struct ipsec *s, const uint8_t *msg, size_t len, enum ike_tx tx)
{
	uint8_t one[ISAKMP_MSG_MAX + ESP_NON_ESP_MARKER_LEN];
	enum ipsec_chan ch = s->floated ? IPSEC_CH_NATT : IPSEC_CH_IKE;
	uint8_t *out = tx == IKE_TX_ONESHOT ? one : s->tx;
	size_t off = s->floated ? ESP_NON_ESP_MARKER_LEN : 0;
	int r;

	if (len > ISAKMP_MSG_MAX)
		return -EMSGSIZE;
	/* RFC 3948 §2.2: on port 4500 IKE carries four zero octets first. */
	memset(out, 0, off);
	memmove(out + off, msg, len);
	if (tx != IKE_TX_ONESHOT) {
		s->tx_len = off + len;
		s->tx_chan = ch;
		s->tx_outstanding = tx == IKE_TX_REQUEST;
		s->tx_tries = 1;
		if (s->tx_outstanding)
			wv_timer_arm(s->loop, &s->rtx_timer, IKE_RETRANSMIT_MS);
		else
			wv_timer_cancel(s->loop, &s->rtx_timer);
	}
	wv_log_hex(s->log, "IKE", "sending", out + off, len);
	r = ike_xmit(s, ch, out, off + len);
	if (r)
		wv_dbg(s->log, "IKE", "sending to %s failed: %s", s->gw_str, strerror(-r));
	return r;
}

static void ike_on_retransmit(void *arg)
{
	struct ipsec *s = arg;
	unsigned ms;

	if (!s->tx_outstanding || ike_gone(s))
		return;
	ike_enter(s);
	if (s->tx_tries >= IKE_RETRANSMIT_TRIES) {
		const char *via = s->floated ?
			_(" (or UDP port 4500 is blocked between us and the gateway)") : "";

		switch (s->up ? IKE_S_IDLE : s->step) {
		case IKE_S_IDLE:
			ike_fail(s, WV_FAIL_PEER_DEAD,
				 _("the gateway %s did not answer our rekeying (%s, %u tries)%s"),
				 s->gw_str, s->step == IKE_S_QM ? "Quick Mode" : "Main Mode",
				 s->tx_tries, via);
			break;
		case IKE_S_MM_SA:
			ike_fail(s, WV_FAIL_UNREACHABLE,
				 _("the gateway %s did not answer IKE on UDP %u (%u tries)"),
				 s->gw_str, s->ike_port, s->tx_tries);
			break;
		case IKE_S_MM_AUTH:
			if (s->cert_auth) {
				ike_fail(s, WV_FAIL_AUTH,
					 _("the gateway %s did not answer our certificate "
					   "(Main Mode message 5, %u tries): it may not accept "
					   "it or its CA%s"), s->gw_str, s->tx_tries, via);
				break;
			}
			ike_fail(s, WV_FAIL_AUTH,
				 _("the gateway %s did not answer our encrypted identity "
				   "(Main Mode message 5, %u tries): the pre-shared key most "
				   "likely does not match the gateway's%s"), s->gw_str,
				 s->tx_tries, via);
			break;
		case IKE_S_QM:
			ike_fail(s, WV_FAIL_PEER_DEAD,
				 _("the gateway %s did not answer Quick Mode (%u tries)%s"),
				 s->gw_str, s->tx_tries, via);
			break;
		default:
			ike_fail(s, WV_FAIL_PEER_DEAD,
				 _("the gateway %s stopped answering during Main Mode (message %u, "
				   "%u tries)"), s->gw_str, s->mm_msg, s->tx_tries);
			break;
		}
		goto out;
	}
	ms = IKE_RETRANSMIT_MS << MIN(s->tx_tries, 8u);
	ms = MIN(ms, (unsigned)IKE_RETRANSMIT_CAP);
	s->tx_tries++;
	wv_dbg(s->log, "IKE", "retransmitting (try %u of %u)", s->tx_tries, IKE_RETRANSMIT_TRIES);
	ike_xmit(s, s->tx_chan, s->tx, s->tx_len);
	wv_timer_arm(s->loop, &s->rtx_timer, ms);
out:
	ike_leave(s);
}

/* ---- building ------------------------------------------------------------------ */

void ike_hdr_init(struct ipsec *s, struct isakmp_hdr *h, uint8_t exch, uint32_t msgid,
		  bool encrypted)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, s->icookie, 8);
	memcpy(h->rcookie, s->rcookie, 8);
	h->version = ISAKMP_VERSION;
	h->exch = exch;
	h->flags = encrypted ? ISAKMP_FLAG_E : 0;
	h->msgid = msgid;
}

int ike_encrypt(struct ipsec *s, struct ike_buf *b, uint8_t *iv)
{
	size_t body, pad;
	uint8_t *z;

	if (!ikeb_ok(b) || b->len < ISAKMP_HDR_LEN || !s->keyed)
		return -EINVAL;
	/* RFC 2409 Appendix B / RFC 2408 §3.1: the body is padded to the block;
	 * the header's Length counts the padding. */
	body = b->len - ISAKMP_HDR_LEN;
	pad = (s->p1_block - body % s->p1_block) % s->p1_block;
	z = ikeb_reserve(b, pad);
	if (pad && !z)
		return -EMSGSIZE;
	if (pad)
		memset(z, 0, pad);
	ikeb_msg_end(b);
	return ike_cbc(s->p1_cipher, s->keys.enc_key, s->keys.enc_key_len, iv,
		       b->p + ISAKMP_HDR_LEN, b->len - ISAKMP_HDR_LEN, true);
}

int ike_fill_hash(struct ipsec *s, struct ike_buf *b, size_t hash_off, uint32_t msgid,
		  const uint8_t *ni, size_t ni_len)
{
	size_t start = hash_off + ISAKMP_GEN_HDR_LEN + s->keys.hlen;

	if (!ikeb_ok(b) || start > b->len)
		return -EINVAL;
	if (ni)
		return ike_hash_qm2(s->p1_md, &s->keys, msgid, ni, ni_len, b->p + start,
				    b->len - start, b->p + hash_off + ISAKMP_GEN_HDR_LEN);
	return ike_hash_qm1(s->p1_md, &s->keys, msgid, b->p + start, b->len - start,
			    b->p + hash_off + ISAKMP_GEN_HDR_LEN);
}

/* Builds the exchange's next request with every task, encrypts it when the
 * lead task asked for it (s->tx_iv) and sends it. */
static void ike_exchange_build_send(struct ipsec *s)
{
	uint8_t mem[ISAKMP_MSG_MAX];
	struct ike_buf b;
	enum ike_status lead = IKE_NEED_MORE;
	unsigned i;

	ikeb_init(&b, mem, sizeof(mem));
	s->tx_iv = NULL;
	for (i = 0; i < s->n_tasks; i++) {
		enum ike_status st = s->tasks[i]->build(s, &b);

		if (st == IKE_FAILED && !ike_gone(s))
			ike_fail(s, WV_FAIL_LOCAL, "IKE task %s cannot build in state %s",
				 s->tasks[i]->name, ike_state_name(s->state));
		if (st == IKE_FAILED || ike_gone(s))
			return;
		if (i == 0)
			lead = st;
	}
	if (!ikeb_ok(&b)) {
		ike_fail(s, WV_FAIL_LOCAL, _("an IKE message to %s did not fit in %d octets"),
			 s->gw_str, ISAKMP_MSG_MAX);
		return;
	}
	if (s->tx_iv) {
		uint8_t plain[ISAKMP_MSG_MAX];
		size_t plen = b.len - ISAKMP_HDR_LEN;

		if (wv_log_enabled(s->log, WV_LOG_DEBUG))
			memcpy(plain, b.p + ISAKMP_HDR_LEN, plen);
		if (ike_encrypt(s, &b, s->tx_iv)) {
			ike_fail(s, WV_FAIL_LOCAL, _("cannot encrypt an IKE message (OpenSSL)"));
			return;
		}
		ike_log_msg(s, "sending", b.p, b.len, plain, plen);
		wv_wipe(plain, sizeof(plain));
	} else {
		ikeb_msg_end(&b);
		ike_log_msg(s, "sending", b.p, b.len, b.p + ISAKMP_HDR_LEN, b.len - ISAKMP_HDR_LEN);
	}
	ike_send_msg(s, b.p, b.len, lead == IKE_SUCCESS ? IKE_TX_FINAL : IKE_TX_REQUEST);
	wv_wipe(mem, sizeof(mem));
	if (lead == IKE_SUCCESS && s->up)
		ike_rekey_p2_done(s, true);
	else if (lead == IKE_SUCCESS)
		ike_established(s);
}

void ike_exchange_start(struct ipsec *s, const struct ike_task *const *tasks, unsigned n)
{
	s->tasks = tasks;
	s->n_tasks = n;
	s->have_last_rx = false;
	ike_exchange_build_send(s);
}

static const struct ike_task *const qm_tasks[] = { &ike_task_quick_mode };

/* A response to the running exchange. */
static void ike_exchange_process(struct ipsec *s, const struct ike_rx *rx)
{
	enum ike_status lead = IKE_NEED_MORE;
	unsigned i;

	for (i = 0; i < s->n_tasks; i++) {
		enum ike_status st = s->tasks[i]->process(s, rx);

		if (st == IKE_FAILED && !ike_gone(s))
			ike_fail(s, WV_FAIL_PROTOCOL, "IKE task %s cannot process in state %s",
				 s->tasks[i]->name, ike_state_name(s->state));
		if (st == IKE_FAILED || ike_gone(s))
			return;
		if (i == 0)
			lead = st;
	}
	s->tx_outstanding = false;
	wv_timer_cancel(s->loop, &s->rtx_timer);
	if (lead == IKE_NEED_MORE) {
		ike_exchange_build_send(s);
		return;
	}
	/* Main Mode done: Quick Mode follows at once (RFC 3193 §4); a new Main
	 * Mode under a live tunnel replaces the ISAKMP SA. */
	if (s->tasks[0] == &ike_task_main_mode && s->up)
		ike_rekey_p1_done(s);
	else if (s->tasks[0] == &ike_task_main_mode)
		ike_exchange_start(s, qm_tasks, ARRAY_SIZE(qm_tasks));
}

/* ---- receiving ---------------------------------------------------------------- */

/* Decrypts msg's body into plain with a copy of *iv; on success *iv_next is
 * the chain's next IV (the last ciphertext block), for the caller to commit
 * once the message turned out valid. */
static int ike_decrypt(struct ipsec *s, const struct isakmp_hdr *h, const uint8_t *msg,
		       const uint8_t *iv, uint8_t *iv_next, uint8_t *plain)
{
	size_t blen = h->len - ISAKMP_HDR_LEN;

	if (!s->keyed || blen == 0 || blen % s->p1_block)
		return -EBADMSG;
	memcpy(iv_next, iv, s->p1_block);
	memcpy(plain, msg + ISAKMP_HDR_LEN, blen);
	if (ike_cbc(s->p1_cipher, s->keys.enc_key, s->keys.enc_key_len, iv_next, plain, blen,
		    false))
		return -EIO;
	return 0;
}

/* An encrypted INFORMATIONAL must start with HASH(1) over the rest (§5.7). */
static bool ike_info_hash_ok(struct ipsec *s, const struct ike_rx *rx)
{
	const struct ike_pl *h = rx->pl.n ? &rx->pl.pl[0] : NULL;
	uint8_t want[IKE_HASH_MAX];
	size_t start;

	if (!h || h->type != ISAKMP_PL_HASH || h->len != s->keys.hlen)
		return false;
	start = (size_t)(h->body + h->len - rx->body);
	if (ike_hash_qm1(s->p1_md, &s->keys, rx->hdr.msgid, rx->body + start,
			 rx->pl.used - start, want))
		return false;
	return CRYPTO_memcmp(want, h->body, s->keys.hlen) == 0;
}

static void ike_remember_rx(struct ipsec *s, const uint8_t *buf, size_t len)
{
	if (wv_sha1(buf, len, s->last_rx_hash) == 0)
		s->have_last_rx = true;
}

static bool ike_is_dup(struct ipsec *s, const uint8_t *buf, size_t len)
{
	uint8_t h[20];

	return s->have_last_rx && wv_sha1(buf, len, h) == 0 &&
	       memcmp(h, s->last_rx_hash, sizeof(h)) == 0;
}

static void ike_input_info(struct ipsec *s, const struct isakmp_hdr *h, const uint8_t *buf)
{
	uint8_t plain[ISAKMP_MSG_MAX], iv[IKE_BLOCK_MAX], iv_next[IKE_BLOCK_MAX];
	struct ike_rx rx = { .hdr = *h };

	if (!(h->flags & ISAKMP_FLAG_E)) {
		/* In the clear: only believable before the keys exist. */
		rx.body = buf + ISAKMP_HDR_LEN;
		rx.body_len = h->len - ISAKMP_HDR_LEN;
		if (ike_payloads_parse(h->next, rx.body, rx.body_len, &rx.pl)) {
			wv_dbg(s->log, "IKE", "dropping a malformed INFORMATIONAL message");
			return;
		}
		ike_log_msg(s, "received", buf, h->len, rx.body, rx.body_len);
		ike_info_process(s, &rx, false);
		return;
	}
	if (!s->keyed) {
		wv_dbg(s->log, "IKE", "dropping an encrypted INFORMATIONAL before the keys exist");
		return;
	}
	/* §5.7 / Appendix B: the IV of a new message ID hangs off the last
	 * phase-1 block. */
	if (ike_iv_phase2(s->p1_md, s->p1_iv, h->msgid, iv, s->p1_block) ||
	    ike_decrypt(s, h, buf, iv, iv_next, plain))
		goto bad;
	rx.body = plain;
	rx.body_len = h->len - ISAKMP_HDR_LEN;
	if (ike_payloads_parse(h->next, rx.body, rx.body_len, &rx.pl) || !ike_info_hash_ok(s, &rx))
		goto bad;
	ike_log_msg(s, "received", buf, h->len, rx.body, rx.body_len);
	s->last_rx_ms = ike_now(s);
	ike_info_process(s, &rx, true);
	wv_wipe(plain, sizeof(plain));
	return;
bad:
	wv_wipe(plain, sizeof(plain));
	/* Before HASH_R verified, a notification we cannot read was sealed with
	 * other keys: the gateway derived them from another pre-shared key. */
	if (s->state == IKE_S_MM_AUTH && !s->up && !s->cert_auth) {
		ike_fail(s, WV_FAIL_AUTH,
			 _("the pre-shared key does not match the gateway's (%s answered our "
			   "identity with a notification we cannot decrypt); check %s"),
			 s->gw_str, IPSEC_SETTING_PSK);
		return;
	}
	wv_dbg(s->log, "IKE", "dropping an INFORMATIONAL message that does not decrypt or "
	       "whose HASH does not verify");
}

static void ike_input_id_prot(struct ipsec *s, const struct isakmp_hdr *h, const uint8_t *buf)
{
	uint8_t plain[ISAKMP_MSG_MAX], iv_next[IKE_BLOCK_MAX];
	struct ike_rx rx = { .hdr = *h };
	bool enc = h->flags & ISAKMP_FLAG_E;
	int r;

	if (s->step < IKE_S_MM_SA || s->step > IKE_S_MM_AUTH || !s->tx_outstanding ||
	    s->tasks[0] != &ike_task_main_mode) {
		wv_dbg(s->log, "IKE", "ignoring a Main Mode message in state %s",
		       ike_state_name(s->step));
		return;
	}
	if (h->msgid != 0)
		return;
	/* Message 6 is encrypted, 2 and 4 are not (RFC 2409 §5). */
	if (enc != (s->step == IKE_S_MM_AUTH)) {
		if (s->step == IKE_S_MM_AUTH)
			return;
		ike_fail(s, WV_FAIL_PROTOCOL,
			 _("the gateway %s sent an encrypted Main Mode message "
					       "before the keys were agreed"), s->gw_str);
		return;
	}
	if (enc) {
		if (ike_decrypt(s, h, buf, s->p1_iv, iv_next, plain))
			goto wrong_psk;
		rx.body = plain;
	} else {
		rx.body = buf + ISAKMP_HDR_LEN;
	}
	rx.body_len = h->len - ISAKMP_HDR_LEN;
	r = ike_payloads_parse(h->next, rx.body, rx.body_len, &rx.pl);
	if (r) {
		if (enc)
			goto wrong_psk;
		ike_fail(s, WV_FAIL_PROTOCOL, _("the gateway %s sent a malformed Main Mode message "
					       "(%s)"), s->gw_str, strerror(-r));
		return;
	}
	ike_log_msg(s, "received", buf, h->len, rx.body, rx.body_len);
	if (enc)
		memcpy(s->p1_iv, iv_next, s->p1_block);
	ike_remember_rx(s, buf, h->len);
	s->last_rx_ms = ike_now(s);
	ike_exchange_process(s, &rx);
	wv_wipe(plain, sizeof(plain));
	return;
wrong_psk:
	wv_wipe(plain, sizeof(plain));
	if (s->cert_auth) {
		ike_fail(s, WV_FAIL_PROTOCOL, _("Main Mode message 6 from %s does not decrypt"),
			 s->gw_str);
		return;
	}
	ike_fail(s, WV_FAIL_AUTH,
		 _("the pre-shared key does not match the gateway's (Main Mode message 6 from %s "
		   "does not decrypt); check %s"), s->gw_str, IPSEC_SETTING_PSK);
}

/* A Quick Mode the gateway started: message 1 (a new message ID, its IV off
 * the phase-1 chain) or 3 (the chain of our message 2). */
static void ike_input_quick_responder(struct ipsec *s, const struct isakmp_hdr *h,
				      const uint8_t *buf)
{
	uint8_t plain[ISAKMP_MSG_MAX], iv[IKE_BLOCK_MAX], iv_next[IKE_BLOCK_MAX];
	struct ike_rx rx = { .hdr = *h };
	bool third = s->rqm_waiting && h->msgid == s->rqm_msgid;
	uint8_t digest[20];

	if (!s->up || s->stopping) {
		wv_info(s->log, "IKE", "ignoring a Quick Mode exchange the gateway started before "
			"our IPsec SA is up (message ID %08x)", h->msgid);
		return;
	}
	/* its Quick Mode 1 again: our message 2 got lost */
	if (third && wv_sha1(buf, h->len, digest) == 0 &&
	    !memcmp(digest, s->rqm_rx1_hash, sizeof(digest))) {
		wv_dbg(s->log, "IKE", "the gateway repeated its Quick Mode 1; repeating ours");
		ike_xmit(s, s->rqm_tx_chan, s->rqm_tx, s->rqm_tx_len);
		return;
	}
	if (third)
		memcpy(iv, s->rqm_iv, s->p1_block);
	else if (wv_sha1(buf, h->len, s->rqm_rx1_hash))
		return;
	else if (ike_iv_phase2(s->p1_md, s->p1_iv, h->msgid, iv, s->p1_block))
		return;
	if (ike_decrypt(s, h, buf, iv, iv_next, plain))
		goto bad;
	rx.body = plain;
	rx.body_len = h->len - ISAKMP_HDR_LEN;
	if (ike_payloads_parse(h->next, rx.body, rx.body_len, &rx.pl))
		goto bad;
	ike_log_msg(s, "received", buf, h->len, rx.body, rx.body_len);
	s->last_rx_ms = ike_now(s);
	memcpy(s->rqm_iv, iv_next, s->p1_block);
	if (third)
		ike_qm_respond_3(s, &rx);
	else
		ike_qm_respond(s, &rx);
	wv_wipe(plain, sizeof(plain));
	return;
bad:
	wv_wipe(plain, sizeof(plain));
	wv_dbg(s->log, "IKE", "dropping a Quick Mode message from the gateway that does not "
	       "decrypt");
}

static void ike_input_quick(struct ipsec *s, const struct isakmp_hdr *h, const uint8_t *buf)
{
	uint8_t plain[ISAKMP_MSG_MAX], iv_next[IKE_BLOCK_MAX];
	struct ike_rx rx = { .hdr = *h };

	if (!s->authenticated || !(h->flags & ISAKMP_FLAG_E))
		return;
	if (h->msgid != s->qm_msgid) {
		/* The gateway starting its own Quick Mode (it rekeys as the
		 * initiator, as Windows RRAS and strongSwan with rekey=yes do). */
		ike_input_quick_responder(s, h, buf);
		return;
	}
	if (s->step != IKE_S_QM || !s->tx_outstanding) {
		/* windows-interop.md §1.4: Windows servers send a fourth Quick Mode
		 * message (HASH + INITIAL-CONTACT) after HASH(3); ignore it. */
		wv_dbg(s->log, "IKE", "ignoring a further Quick Mode message (%u octets)", h->len);
		return;
	}
	if (ike_decrypt(s, h, buf, s->qm_iv, iv_next, plain))
		goto bad;
	rx.body = plain;
	rx.body_len = h->len - ISAKMP_HDR_LEN;
	if (ike_payloads_parse(h->next, rx.body, rx.body_len, &rx.pl))
		goto bad;
	ike_log_msg(s, "received", buf, h->len, rx.body, rx.body_len);
	memcpy(s->qm_iv, iv_next, s->p1_block);
	ike_remember_rx(s, buf, h->len);
	s->last_rx_ms = ike_now(s);
	ike_exchange_process(s, &rx);
	wv_wipe(plain, sizeof(plain));
	return;
bad:
	wv_wipe(plain, sizeof(plain));
	wv_dbg(s->log, "IKE", "dropping a Quick Mode message that does not decrypt");
}

/* SoftEther refuses Main Mode 1 with an INFORMATIONAL whose header has a
 * cookie of its own (and none for us) and names our IKE SA only in the
 * Notify's SPI: initiator cookie, zero responder cookie.  Such a refusal is
 * ours too, while we wait for Main Mode 2 (before that nothing is keyed, so
 * the usual unauthenticated notification rules apply). */
static bool ike_refuses_mm1(struct ipsec *s, const struct isakmp_hdr *h, const uint8_t *buf)
{
	struct ike_payloads ps;
	unsigned i;

	if (s->step != IKE_S_MM_SA || s->up || h->exch != ISAKMP_EXCH_INFO ||
	    (h->flags & ISAKMP_FLAG_E) ||
	    ike_payloads_parse(h->next, buf + ISAKMP_HDR_LEN, h->len - ISAKMP_HDR_LEN, &ps))
		return false;
	for (i = 0; i < ps.n; i++) {
		struct ike_notify n;

		if (ps.pl[i].type == ISAKMP_PL_N &&
		    !ike_notify_parse(ps.pl[i].body, ps.pl[i].len, &n) && n.spi_size == 16 &&
		    !memcmp(n.spi, s->icookie, 8) && n.type && n.type <= ISAKMP_N_ERROR_MAX)
			return true;
	}
	return false;
}

void ike_input(struct ipsec *s, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	struct isakmp_hdr h;
	int r;

	if (s->state == IKE_S_IDLE || ike_gone(s) || s->stopping)
		return;
	r = isakmp_hdr_parse(buf, len, &h);
	if (r) {
		wv_dbg(s->log, "IKE", "dropping a datagram that is not ISAKMP (%zu octets)", len);
		return;
	}
	if (s->old_p1.valid && !memcmp(h.icookie, s->old_p1.icookie, 8) &&
	    !memcmp(h.rcookie, s->old_p1.rcookie, 8)) {
		/* The ISAKMP SA a running Main Mode replaces: only informational
		 * messages (DPD, Deletes) still travel on it. */
		if (h.exch == ISAKMP_EXCH_INFO) {
			ike_old_p1_swap(s);
			ike_input_info(s, &h, buf);
			if (!ike_gone(s)) {
				ike_old_p1_swap(s);
				if (s->old_p1.deleted)
					s->old_p1.valid = false;
			}
		}
		return;
	}
	if (memcmp(h.icookie, s->icookie, 8) != 0 && !ike_refuses_mm1(s, &h, buf)) {
		static const uint8_t zero[8];

		if (s->up && h.exch == ISAKMP_EXCH_ID_PROT && !memcmp(h.rcookie, zero, 8))
			wv_info(s->log, "IKE", "the gateway %s started a new Main Mode (it "
				"rekeys the IKE SA itself); winvpn does not answer it and "
				"rekeys the IKE SA as the initiator", s->gw_str);
		return;
	}
	/* The responder's cookie arrives with Main Mode 2; any other is not ours.
	 * A notification refusing Main Mode 1 may carry a cookie or none. */
	if (s->step == IKE_S_MM_SA && h.exch == ISAKMP_EXCH_ID_PROT) {
		static const uint8_t zero[8];

		if (memcmp(h.rcookie, zero, 8) == 0)
			return;
		memcpy(s->rcookie, h.rcookie, 8);
	} else if (s->step != IKE_S_MM_SA && memcmp(h.rcookie, s->rcookie, 8) != 0) {
		return;
	}
	wv_log_hex(s->log, "IKE", "received", buf, h.len);
	if (ike_is_dup(s, buf, h.len)) {
		/* The gateway repeats its last answer: ours got lost.  Repeat the
		 * request in flight, or our final message (Quick Mode 3). */
		wv_dbg(s->log, "IKE", "the gateway retransmitted; repeating our last message");
		if (s->tx_len)
			ike_xmit(s, s->tx_chan, s->tx, s->tx_len);
		return;
	}
	switch (h.exch) {
	case ISAKMP_EXCH_ID_PROT:
		ike_input_id_prot(s, &h, buf);
		break;
	case ISAKMP_EXCH_QUICK:
		ike_input_quick(s, &h, buf);
		break;
	case ISAKMP_EXCH_INFO:
		ike_input_info(s, &h, buf);
		break;
	case ISAKMP_EXCH_TRANSACTION:
		wv_info(s->log, "IKE", "the gateway %s started XAUTH/Mode-Config, which L2TP/IPsec "
			"does not use; ignoring it", s->gw_str);
		break;
	default:
		wv_dbg(s->log, "IKE", "ignoring exchange type %u", h.exch);
		break;
	}
}

/* ---- ESP data path -------------------------------------------------------------- */

static void ike_esp_input(struct ipsec *s, struct pkt *p)
{
	uint16_t sport, dport;
	uint8_t nh = 0;
	int r;

	if (!s->esp_in || s->state != IKE_S_ESTABLISHED || s->stopping) {
		pkt_free(p);
		return;
	}
	r = esp_decap(s->esp_in, p, &nh);
	if (r == 0 && s->new_out)
		ike_rekey_peer_switched(s);
	/* during a rekey's overlap the replaced SA still receives; and the
	 * gateway that started a Quick Mode may send on the new SA before its
	 * message 3 reaches us (strongSwan installs it first) */
	if (r == ESP_E_SPI && s->old_in)
		r = esp_decap(s->old_in, p, &nh);
	if (r == ESP_E_SPI && s->rqm_waiting && s->rqm_in)
		r = esp_decap(s->rqm_in, p, &nh);
	if (r) {
		if (r == ESP_E_ICV || r == ESP_E_SPI)
			wv_dbg(s->log, "ESP", "dropping an ESP packet: %s",
			       r == ESP_E_ICV ? "integrity check failed" : "unknown SPI");
		else if (r != ESP_E_DUMMY)
			wv_trace(s->log, "ESP", "dropping an ESP packet (%s)", strerror(-r));
		pkt_free(p);
		return;
	}
	s->last_rx_ms = ike_now(s);
	if (nh != ESP_NEXT_UDP || esp_udp_pull(p, &sport, &dport) || dport != s->l2tp_port) {
		wv_dbg(s->log, "ESP", "dropping a protected packet that is not UDP to port %u",
		       s->l2tp_port);
		pkt_free(p);
		return;
	}
	if (s->ev.recv)
		s->ev.recv(s->arg, p);
	else
		pkt_free(p);
}

/* One datagram from UDP 4500: IKE behind the marker, ESP, or a keepalive. */
static void ike_natt_datagram(struct ipsec *s, struct pkt *p)
{
	switch (esp_udp_classify(p->data, p->len)) {
	case ESP_UDP_IKE:
		ike_input(s, IPSEC_CH_NATT, p->data + ESP_NON_ESP_MARKER_LEN,
			  p->len - ESP_NON_ESP_MARKER_LEN);
		pkt_free(p);
		break;
	case ESP_UDP_ESP:
		ike_esp_input(s, p);
		break;
	default:
		pkt_free(p);
		break;
	}
}

void ipsec_input(struct ipsec *s, enum ipsec_chan ch, const uint8_t *buf, size_t len)
{
	struct pkt *p;

	ike_enter(s);
	switch (ch) {
	case IPSEC_CH_IKE:
		ike_input(s, ch, buf, len);
		break;
	case IPSEC_CH_NATT:
	case IPSEC_CH_ESP:
		p = pkt_from(buf, len);
		if (!p)
			break;
		if (ch == IPSEC_CH_NATT)
			ike_natt_datagram(s, p);
		else
			ike_esp_input(s, p);
		break;
	}
	ike_leave(s);
}

/* ---- sockets -------------------------------------------------------------------- */

static void ike_socket_error(struct ipsec *s, int err, uint16_t port)
{
	/* A connected UDP socket reports ICMP port unreachable as ECONNREFUSED. */
	if (err == ECONNREFUSED && s->state == IKE_S_MM_SA)
		ike_fail(s, WV_FAIL_UNREACHABLE,
			 _("the gateway %s refused IKE on UDP %u (ICMP port unreachable): no IPsec "
			   "server listens there"), s->gw_str, port);
	else if (err == ECONNREFUSED && port == s->natt_port && s->state < IKE_S_ESTABLISHED)
		ike_fail(s, WV_FAIL_UNREACHABLE,
			 _("the gateway %s refused NAT traversal on UDP %u (ICMP port "
			   "unreachable)"), s->gw_str, port);
	else if (err != EAGAIN && err != EINTR)
		wv_dbg(s->log, "IKE", "receiving from %s:%u: %s", s->gw_str, port, strerror(err));
}

static void ike_on_ike_fd(void *arg, uint32_t events)
{
	struct ipsec *s = arg;
	uint8_t buf[ISAKMP_MSG_MAX + 64];
	int i;

	ike_enter(s);
	for (i = 0; i < RX_BATCH && !ike_gone(s) && s->ike_fd >= 0; i++) {
		ssize_t n = recv(s->ike_fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			ike_socket_error(s, errno, s->ike_port);
			break;
		}
		ike_input(s, IPSEC_CH_IKE, buf, (size_t)n);
	}
	ike_leave(s);
}

/* The raw socket's datagrams carry the IPv4 header. */
static void ike_esp_raw_datagram(struct ipsec *s, struct pkt *p)
{
	size_t plen = 0;
	int ihl = esp_ip_strip(p->data, p->len, &plen);

	if (ihl < 0) {
		pkt_free(p);
		return;
	}
	pkt_pull(p, (size_t)ihl);
	p->len = plen;
	ike_esp_input(s, p);
}

/* The data sockets are read in batches (recvmmsg) straight into packet
 * buffers, so ESP is decrypted in place without a copy. */
static void ike_rx_batch(struct ipsec *s, const int *fdp, uint16_t port,
			 void (*handle)(struct ipsec *s, struct pkt *p))
{
	struct pkt *pk[RX_BATCH];
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	int round, i, n, have;

	for (round = 0; round < RX_ROUNDS && !ike_gone(s) && *fdp >= 0; round++) {
		for (have = 0; have < RX_BATCH; have++) {
			pk[have] = pkt_alloc();
			if (!pk[have])
				break;
			iov[have].iov_base = pk[have]->data;
			iov[have].iov_len = pkt_tailroom(pk[have]);
			memset(&mm[have], 0, sizeof(mm[have]));
			mm[have].msg_hdr.msg_iov = &iov[have];
			mm[have].msg_hdr.msg_iovlen = 1;
		}
		n = have ? recvmmsg(*fdp, mm, (unsigned)have, MSG_DONTWAIT, NULL) : -1;
		if (n < 0 && have)
			ike_socket_error(s, errno, port);
		for (i = 0; i < n; i++) {
			pk[i]->len = mm[i].msg_len;
			/* down() may have closed everything on the way */
			if (ike_gone(s))
				pkt_free(pk[i]);
			else
				handle(s, pk[i]);
		}
		for (i = n < 0 ? 0 : n; i < have; i++)
			pkt_free(pk[i]);
		if (n < have)
			break;
	}
}

static void ike_on_natt_fd(void *arg, uint32_t events)
{
	struct ipsec *s = arg;

	ike_enter(s);
	ike_rx_batch(s, &s->natt_fd, s->natt_port, ike_natt_datagram);
	ike_leave(s);
}

static void ike_on_esp_fd(void *arg, uint32_t events)
{
	struct ipsec *s = arg;

	ike_enter(s);
	ike_rx_batch(s, &s->esp_fd, 0, ike_esp_raw_datagram);
	ike_leave(s);
}

/* Room for bursts: a full queue on the raw socket makes Linux answer with
 * ICMP errors (the GRE link found this out), and UDP drops silently. */
static void ike_big_rcvbuf(int fd)
{
	int sz = IPSEC_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/* A UDP socket bound to port `want` (or any port if taken) and connected to
 * the gateway's `rport`; learns our address and port. */
static int ike_udp_open(struct ipsec *s, uint16_t want, uint16_t rport, uint16_t *lport,
			wv_io_fn fn)
{
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_addr = s->local,
				  .sin_port = htons(want) };
	struct sockaddr_in ra = { .sin_family = AF_INET, .sin_addr = s->gw,
				  .sin_port = htons(rport) };
	socklen_t sl = sizeof(la);
	int fd, r;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&la, sizeof(la)) < 0) {
		/* Another connection or a system IPsec daemon may hold the port;
		 * NAT-D then tells the gateway, which is all RFC 3947 needs. */
		if (errno != EADDRINUSE && errno != EACCES)
			goto fail;
		wv_info(s->log, "IKE", "UDP port %u is in use (another L2TP/IPsec connection, or a "
			"system IPsec daemon); using another port", want);
		la.sin_port = 0;
		if (bind(fd, (struct sockaddr *)&la, sizeof(la)) < 0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&ra, sizeof(ra)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&la, &sl) < 0)
		goto fail;
	s->local = la.sin_addr;
	*lport = ntohs(la.sin_port);
	r = wv_loop_add_fd(s->loop, fd, EPOLLIN, fn, s);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
fail:
	r = -errno;
	close(fd);
	return r;
}

int ike_natt_open(struct ipsec *s)
{
	int fd;

	if (s->has_hooks) {
		s->local_natt_port = 4500;
		return 0;
	}
	if (s->natt_fd >= 0)
		return 0;
	fd = ike_udp_open(s, 4500, s->natt_port, &s->local_natt_port, ike_on_natt_fd);
	if (fd < 0)
		return fd;
	ike_big_rcvbuf(fd);
	s->natt_fd = fd;
	return 0;
}

static int ike_esp_open(struct ipsec *s)
{
	struct sockaddr_in ra = { .sin_family = AF_INET, .sin_addr = s->gw };
	int fd, r;

	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 50);
	if (fd < 0)
		return -errno;
	ike_big_rcvbuf(fd);
	if (connect(fd, (struct sockaddr *)&ra, sizeof(ra)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = wv_loop_add_fd(s->loop, fd, EPOLLIN, ike_on_esp_fd, s);
	if (r < 0) {
		close(fd);
		return r;
	}
	s->esp_fd = fd;
	return 0;
}

void ike_close_esp_raw(struct ipsec *s)
{
	if (s->esp_fd >= 0) {
		wv_loop_del_fd(s->loop, s->esp_fd);
		close(s->esp_fd);
		s->esp_fd = -1;
	}
}

bool ike_can_raw_esp(struct ipsec *s)
{
	/* UDP encapsulation was asked for, but the gateway cannot do it: try
	 * protocol 50 after all. */
	if (!s->has_hooks && s->esp_fd < 0)
		ike_esp_open(s);
	return s->has_hooks || s->esp_fd >= 0;
}

/* ---- established ------------------------------------------------------------------ */

void ike_established(struct ipsec *s)
{
	char alg[64];

	esp_alg_name(&s->esp_alg, alg, sizeof(alg));
	snprintf(s->describe, sizeof(s->describe), "ESP %s %s, IKE %s", alg,
		 s->use_udp_esp ? "in UDP 4500" : "(IP protocol 50)", s->p1_name);
	ike_set_state(s, IKE_S_ESTABLISHED, "Quick Mode 3 sent");
	wv_info(s->log, "ESP", "IPsec SA with %s is up: %s, transport mode, SPIs %08x (in) "
		"%08x (out)", s->gw_str, s->describe, s->spi_in, s->spi_out);
	s->last_rx_ms = ike_now(s);
	if (s->use_udp_esp)
		ike_keepalive_start(s);
	ike_dpd_start(s);
	s->up = true;
	ike_rekey_start(s);
	if (s->ev.up)
		s->ev.up(s->arg);
}

/* ---- public API ------------------------------------------------------------------ */

static char *xstrdup(const char *str)
{
	size_t n = strlen(str) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, str, n);
	return d;
}

int ipsec_proposals_check(const char *ike, const char *esp, char **err)
{
	struct ike_p1_prop p1[IKE_MAX_PROPS];
	struct ike_p2_prop p2[IKE_MAX_PROPS];
	char msg[256];
	unsigned n;
	int r;

	if (err)
		*err = NULL;
	r = ike_p1_props_parse(ike && *ike ? ike : IPSEC_DEFAULT_IKE, p1, &n, msg, sizeof(msg));
	if (!r)
		r = ike_p2_props_parse(esp && *esp ? esp : IPSEC_DEFAULT_ESP, p2, &n, msg,
				       sizeof(msg));
	if (r && err)
		*err = xstrdup(msg);
	return r;
}

struct ipsec *ipsec_new(struct wv_loop *loop, const struct wv_log *log,
			const struct ipsec_config *cfg, const struct ipsec_events *ev, void *arg,
			char **err)
{
	struct ipsec *s;
	char msg[512];

	if (err)
		*err = NULL;
	if (!cfg->cert_auth && (!cfg->psk || !*cfg->psk)) {
		if (err)
			*err = xstrdup(_("L2TP/IPsec needs a pre-shared key "
					 "(" IPSEC_SETTING_PSK ")"));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->loop = loop;
	s->log = log;
	if (ev)
		s->ev = *ev;
	s->arg = arg;
	s->ike_fd = s->natt_fd = s->esp_fd = -1;
	s->gw = cfg->gateway;
	s->local = cfg->local;
	inet_ntop(AF_INET, &s->gw, s->gw_str, sizeof(s->gw_str));
	s->ike_port = cfg->ike_port ? cfg->ike_port : 500;
	s->natt_port = cfg->natt_port ? cfg->natt_port : 4500;
	s->l2tp_port = cfg->l2tp_port ? cfg->l2tp_port : 1701;
	s->encap = cfg->encap;
	s->ike_life = cfg->ike_lifetime_s ? cfg->ike_lifetime_s : 28800;
	s->esp_life = cfg->esp_lifetime_s ? cfg->esp_lifetime_s : 3600;
	s->dpd_delay = cfg->dpd_delay_s ? cfg->dpd_delay_s : 30;
	s->dpd_off = cfg->dpd_off;
	if (ike_p1_props_parse(cfg->ike && *cfg->ike ? cfg->ike : IPSEC_DEFAULT_IKE, s->p1,
			       &s->n_p1,
			       msg, sizeof(msg)) ||
	    ike_p2_props_parse(cfg->esp && *cfg->esp ? cfg->esp : IPSEC_DEFAULT_ESP, s->p2,
			       &s->n_p2,
			       msg, sizeof(msg))) {
		if (err)
			*err = xstrdup(msg);
		free(s);
		return NULL;
	}
	if (cfg->cert_auth) {
		unsigned i;

		s->cert_auth = true;
		s->cred = ike_cred_load(cfg->cert, cfg->key, cfg->cert_pass, cfg->ca, msg,
					sizeof(msg));
		if (!s->cred) {
			if (err)
				*err = xstrdup(msg);
			free(s);
			return NULL;
		}
		/* Windows' certificate proposals: the same ciphers, RSA signatures */
		for (i = 0; i < s->n_p1; i++)
			s->p1[i].auth = IKE_AUTH_RSA_SIG;
		s->remote_id = xstrdup(cfg->remote_id ? cfg->remote_id : "");
		s->gw_name = xstrdup(cfg->gateway_name ? cfg->gateway_name : "");
		if (!s->remote_id || !s->gw_name) {
			ike_cred_free(s->cred);
			free(s->remote_id);
			free(s->gw_name);
			free(s);
			goto nomem;
		}
	} else {
		s->psk_len = strlen(cfg->psk);
		s->psk = xstrdup(cfg->psk);
		if (!s->psk) {
			free(s);
			goto nomem;
		}
	}
	s->p1_sel = s->p2_sel = -1;
	wv_timer_init(&s->rtx_timer, ike_on_retransmit, s);
	wv_timer_init(&s->later, ike_on_later, s);
	ike_natt_init(s);
	ike_info_init(s);
	ike_rekey_init(s);
	return s;
nomem:
	if (err)
		*err = xstrdup(_("out of memory"));
	return NULL;
}

void ipsec_set_test_hooks(struct ipsec *s, const struct ipsec_test_hooks *h)
{
	s->hooks = *h;
	s->has_hooks = true;
}

static const struct ike_task *const mm_tasks[] = {
	&ike_task_main_mode, &ike_task_vendor, &ike_task_natd,
};

int ipsec_start(struct ipsec *s)
{
	int fd, r;

	if (s->started)
		return -EALREADY;
	s->started = true;
	ike_enter(s);
	if (s->has_hooks) {
		s->local_ike_port = 500;
	} else {
		fd = ike_udp_open(s, 500, s->ike_port, &s->local_ike_port, ike_on_ike_fd);
		if (fd < 0) {
			ike_fail_later(s, WV_FAIL_LOCAL,
				       _("cannot open a UDP socket for IKE to %s: %s"),
				       s->gw_str, strerror(-fd));
			goto out;
		}
		s->ike_fd = fd;
		/* Raw ESP needs CAP_NET_RAW; without it ESP can still travel in
		 * UDP 4500 if we claim NAT (RFC 3947 allows a faked NAT-D). */
		if (s->encap == IPSEC_ENCAP_AUTO) {
			r = ike_esp_open(s);
			if (r < 0) {
				wv_info(s->log, "ESP", "no raw ESP socket (%s): forcing UDP "
					"encapsulation on port 4500", strerror(-r));
				s->encap = IPSEC_ENCAP_FORCE;
			}
		}
	}
	if (s->local.s_addr == 0) {
		ike_fail_later(s, WV_FAIL_LOCAL, _("no local address to reach %s from"), s->gw_str);
		goto out;
	}
	inet_ntop(AF_INET, &s->local, s->local_str, sizeof(s->local_str));
	wv_info(s->log, "IKE", "starting IKEv1 Main Mode with %s from %s (%u proposals)", s->gw_str,
		s->local_str, s->n_p1);
	ike_exchange_start(s, mm_tasks, ARRAY_SIZE(mm_tasks));
out:
	ike_leave(s);
	return 0;
}

void ipsec_stop(struct ipsec *s)
{
	enum wv_fail why = WV_FAIL_CANCELLED;

	if (!s->started || ike_gone(s) || s->stopping)
		return;
	ike_enter(s);
	s->stopping = true;
	s->tx_outstanding = false;
	wv_timer_cancel(s->loop, &s->rtx_timer);
	if (s->state == IKE_S_ESTABLISHED)
		why = WV_OK;
	ike_send_deletes(s, true);
	if (!ike_gone(s)) {
		ike_fail_later(s, why, why == WV_OK ? _("IPsec SA with %s closed") :
			       _("IPsec negotiation with %s cancelled"), s->gw_str);
		/* down() after the Deletes went out a second time */
		if (s->del_esp_sent || s->del_isakmp_sent) {
			s->del_repeat_due = true;
			wv_timer_arm(s->loop, &s->later, IKE_DELETE_REPEAT_MS);
		}
	}
	ike_leave(s);
}

int ipsec_send(struct ipsec *s, struct pkt *p)
{
	enum ipsec_chan ch;
	int r;

	if (s->state != IKE_S_ESTABLISHED || s->stopping || !s->esp_out) {
		pkt_free(p);
		return -ENOTCONN;
	}
	r = esp_udp_push(p, s->local, s->l2tp_port, s->gw, s->l2tp_port);
	if (!r)
		r = esp_encap(s->esp_out, p, ESP_NEXT_UDP);
	if (r) {
		if (r == -EOVERFLOW)
			wv_err(s->log, "ESP", "the IPsec SA's sequence numbers are used up");
		pkt_free(p);
		return r;
	}
	ch = s->use_udp_esp ? IPSEC_CH_NATT : IPSEC_CH_ESP;
	r = ike_xmit(s, ch, p->data, p->len);
	pkt_free(p);
	ike_rekey_volume(s);
	return r;
}

void ipsec_free(struct ipsec *s)
{
	if (!s)
		return;
	if (s->busy) {
		s->free_pending = true;
		ike_close_sockets(s);
		ike_cancel_timers(s);
		wv_timer_cancel(s->loop, &s->later);
		return;
	}
	ike_destroy(s);
}

unsigned ipsec_payload_mtu(const struct ipsec *s, unsigned mtu)
{
	size_t over;

	if (s->state != IKE_S_ESTABLISHED)
		return 0;
	over = 20 + (s->use_udp_esp ? 8 : 0) + esp_alg_overhead(&s->esp_alg) + ESP_UDP_HDR_LEN;
	return mtu > over ? mtu - (unsigned)over : 0;
}

const char *ipsec_describe(const struct ipsec *s)
{
	return s->state == IKE_S_ESTABLISHED ? s->describe : "";
}
