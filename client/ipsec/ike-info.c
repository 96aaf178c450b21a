/* ike-info.c -- Informational exchanges (RFC 2409 §5.7): Notify and Delete,
 * sent and received; dead-peer detection (RFC 3706); and the sentences a
 * user reads when the gateway refuses something, with the setting to change.
 *
 * Once the ISAKMP SA is keyed every informational is encrypted under a fresh
 * message ID and starts with HASH(1) = prf(SKEYID_a, M-ID | N/D); before that
 * it travels in the clear and is only believed during the negotiation. */
#include "wv.h"

#include <stdio.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ike-int.h"

/* ---- sending ------------------------------------------------------------------ */

struct info_pl {
	uint8_t type;               /* ISAKMP_PL_N or ISAKMP_PL_D */
	uint8_t proto;
	const void *spi;
	uint8_t spi_size;
	uint16_t notify;
	const void *data;
	size_t len;
};

static int info_send(struct ipsec *s, const struct info_pl *ip)
{
	uint8_t mem[512], iv[IKE_BLOCK_MAX];
	struct isakmp_hdr h;
	struct ike_buf b;
	uint32_t msgid = 0;
	size_t hash_off = 0;
	int r;

	while (msgid == 0)
		if (ike_random(s, &msgid, sizeof(msgid)))
			return -EIO;
	ikeb_init(&b, mem, sizeof(mem));
	ike_hdr_init(s, &h, ISAKMP_EXCH_INFO, msgid, s->keyed);
	ikeb_msg_begin(&b, &h);
	if (s->keyed) {
		hash_off = ikeb_pl_begin(&b, ISAKMP_PL_HASH);
		ikeb_reserve(&b, s->keys.hlen);
		ikeb_pl_end(&b, hash_off);
	}
	if (ip->type == ISAKMP_PL_N)
		ikeb_pl_notify(&b, ip->proto, ip->spi, ip->spi_size, ip->notify, ip->data, ip->len);
	else
		ikeb_pl_delete(&b, ip->proto, ip->spi_size, ip->spi, 1);
	if (!ikeb_ok(&b))
		return -EMSGSIZE;
	if (s->keyed) {
		if (ike_fill_hash(s, &b, hash_off, msgid, NULL, 0) ||
		    ike_iv_phase2(s->p1_md, s->p1_iv, msgid, iv, s->p1_block) ||
		    ike_encrypt(s, &b, iv))
			return -EIO;
	} else {
		ikeb_msg_end(&b);
	}
	wv_dbg(s->log, "IKE", "sending INFORMATIONAL %u [ %s%s %s ]", msgid,
	       s->keyed ? "HASH " : "",
	       ip->type == ISAKMP_PL_N ? "N" : "D",
	       ip->type == ISAKMP_PL_N ? isakmp_notify_name(ip->notify) :
	       ip->proto == ISAKMP_PROTO_ESP ? "ESP" : "ISAKMP");
	r = ike_send_msg(s, b.p, b.len, IKE_TX_ONESHOT);
	wv_wipe(mem, sizeof(mem));
	return r;
}

int ike_info_send_notify(struct ipsec *s, uint8_t proto, const void *spi, uint8_t spi_size,
			 uint16_t type, const void *data, size_t len)
{
	struct info_pl ip = { ISAKMP_PL_N, proto, spi, spi_size, type, data, len };

	return info_send(s, &ip);
}

int ike_info_send_delete(struct ipsec *s, uint8_t proto, const void *spi, uint8_t spi_size)
{
	struct info_pl ip = { ISAKMP_PL_D, proto, spi, spi_size, 0, NULL, 0 };

	return info_send(s, &ip);
}

/* ---- sentences ------------------------------------------------------------------- */

/* Two well-known proposals not in our list, to put in the advice. */
static void suggest_p1(const struct ipsec *s, char *out, size_t cap)
{
	/* What most gateways accept first (SoftEther, Windows, strongSwan's
	 * defaults); no ECP: SoftEther refuses it. */
	static const char *const cand[] = {
		"aes256-sha1-modp2048", "aes128-sha1-modp2048", "aes256-sha256-modp2048",
		"aes128-sha1-modp1024", "3des-sha1-modp1024", "aes256-sha1-modp1536",
		"3des-md5-modp1024",
	};
	size_t i, n = 0, pos = 0;

	out[0] = 0;
	for (i = 0; i < ARRAY_SIZE(cand) && n < 2; i++) {
		struct ike_p1_prop p;
		unsigned k, cnt;
		char e[128];
		bool have = false;

		if (ike_p1_props_parse(cand[i], &p, &cnt, e, sizeof(e)))
			continue;
		p.auth = s->n_p1 ? s->p1[0].auth : 0;
		for (k = 0; k < s->n_p1; k++)
			have |= !memcmp(&p, &s->p1[k], sizeof(p));
		if (have)
			continue;
		pos += (size_t)snprintf(out + pos, cap - MIN(pos, cap), "%s%s=%s", n ? " or " : "",
					IPSEC_SETTING_IKE, cand[i]);
		n++;
	}
}

static void suggest_p2(const struct ipsec *s, char *out, size_t cap)
{
	/* HMAC-SHA1 first: SoftEther refuses SHA-2 and GCM for ESP, and every
	 * gateway for Windows clients accepts aes256-sha1 or aes128-sha1. */
	static const char *const cand[] = {
		"aes256-sha1", "aes128-sha1", "3des-sha1", "aes128-sha256",
		"aes256-sha1-modp2048", "aes128gcm16", "3des-md5",
	};
	size_t i, n = 0, pos = 0;

	out[0] = 0;
	for (i = 0; i < ARRAY_SIZE(cand) && n < 2; i++) {
		struct ike_p2_prop p;
		unsigned k, cnt;
		char e[128];
		bool have = false;

		if (ike_p2_props_parse(cand[i], &p, &cnt, e, sizeof(e)))
			continue;
		for (k = 0; k < s->n_p2; k++)
			have |= !memcmp(&p, &s->p2[k], sizeof(p));
		if (have)
			continue;
		pos += (size_t)snprintf(out + pos, cap - MIN(pos, cap), "%s%s=%s%s",
					n ? " or " : "",
					IPSEC_SETTING_ESP, cand[i],
					p.pfs_group ? " (with PFS)" : "");
		n++;
	}
}

enum wv_fail ike_notify_sentence(struct ipsec *s, uint16_t type, char *out, size_t cap)
{
	const char *name = isakmp_notify_name(type);
	bool qm = s->step >= IKE_S_QM;
	char list[512], hint[192];

	if (s->cert_auth && s->step == IKE_S_MM_AUTH && !s->up) {
		switch (type) {
		case ISAKMP_N_AUTHENTICATION_FAILED:
		case ISAKMP_N_INVALID_SIGNATURE:
		case ISAKMP_N_INVALID_CERTIFICATE:
		case ISAKMP_N_INVALID_CERT_ENCODING:
		case ISAKMP_N_CERT_TYPE_UNSUPPORTED:
		case ISAKMP_N_INVALID_CERT_AUTHORITY:
		case ISAKMP_N_CERTIFICATE_UNAVAILABLE:
		case ISAKMP_N_INVALID_HASH_INFORMATION:
		case ISAKMP_N_INVALID_ID_INFORMATION: {
			char subj[256];

			ike_cred_describe(s->cred, subj, sizeof(subj));
			snprintf(out, cap, _("the gateway %s rejected our machine certificate "
					     "\"%s\" (it answered %s): it must trust the CA that "
					     "issued it (machine-cert)"), s->gw_str, subj, name);
			return WV_FAIL_AUTH;
		}
		default:
			break;
		}
	}
	switch (type) {
	case ISAKMP_N_NO_PROPOSAL_CHOSEN:
	case ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED:
	case ISAKMP_N_INVALID_TRANSFORM_ID:
	case ISAKMP_N_BAD_PROPOSAL_SYNTAX:
		if (qm) {
			ike_p2_list_str(s->p2, s->n_p2, list, sizeof(list));
			suggest_p2(s, hint, sizeof(hint));
			snprintf(out, cap,
				 _("the gateway %s rejected all %u ESP (Quick Mode) proposals "
				   "we offered: %s (it answered %s); set %s to one it "
				   "accepts, for example %s"), s->gw_str, s->n_p2, list, name,
				 IPSEC_SETTING_ESP, hint);
		} else {
			ike_p1_list_str(s->p1, s->n_p1, list, sizeof(list));
			suggest_p1(s, hint, sizeof(hint));
			snprintf(out, cap,
				 _("the gateway %s rejected all %u IKE (Main Mode) proposals "
				   "we offered: %s (it answered %s); set %s to one it "
				   "accepts, for example %s"), s->gw_str, s->n_p1, list, name,
				 IPSEC_SETTING_IKE, hint);
		}
		return WV_FAIL_PROPOSAL;
	case ISAKMP_N_INVALID_ID_INFORMATION:
		if (qm) {
			snprintf(out, cap,
				 _("the gateway %s refused the traffic selectors we asked for "
				   "(UDP port %u between %s and %s, %s; it answered %s): "
				   "it is not set up for L2TP/IPsec in transport mode"),
				 s->gw_str, s->l2tp_port, s->local_str, s->gw_str,
				 s->use_udp_esp ? "UDP-encapsulated transport mode" :
				 "transport mode", name);
			return WV_FAIL_PROPOSAL;
		}
		snprintf(out, cap,
			 _("the gateway %s does not accept our identity (IPv4 address %s; "
			   "it answered %s)"), s->gw_str, s->local_str, name);
		return WV_FAIL_AUTH;
	case ISAKMP_N_INVALID_COOKIE:
		/* SoftEther drops an IKE SA whose message 5 it cannot decrypt,
		 * then answers our retransmission with INVALID-COOKIE. */
		if (s->step != IKE_S_MM_AUTH)
			break;
		snprintf(out, cap, _("the pre-shared key does not match the gateway's (%s dropped "
				     "the IKE SA after our encrypted identity and answered %s); "
				     "check %s"), s->gw_str, name, IPSEC_SETTING_PSK);
		return WV_FAIL_AUTH;
	case ISAKMP_N_PAYLOAD_MALFORMED:
	case ISAKMP_N_INVALID_PAYLOAD_TYPE:
		/* A gateway that cannot parse our encrypted identity decrypted it
		 * with keys from another pre-shared key. */
		if (s->step != IKE_S_MM_AUTH)
			break;
		/* fall through */
	case ISAKMP_N_INVALID_HASH_INFORMATION:
	case ISAKMP_N_AUTHENTICATION_FAILED:
	case ISAKMP_N_INVALID_SIGNATURE:
		snprintf(out, cap, _("the pre-shared key does not match the gateway's (%s answered "
				     "%s); check %s"), s->gw_str, name, IPSEC_SETTING_PSK);
		return WV_FAIL_AUTH;
	default:
		break;
	}
	snprintf(out, cap, _("the gateway %s ended the IKE negotiation with the error %s (%u)"),
		 s->gw_str, name, type);
	return WV_FAIL_PROTOCOL;
}

bool ike_check_error_notify(struct ipsec *s, const struct ike_rx *rx)
{
	unsigned i;

	for (i = 0; i < rx->pl.n; i++) {
		struct ike_notify n;
		char msg[512];
		enum wv_fail why;

		if (rx->pl.pl[i].type != ISAKMP_PL_N ||
		    ike_notify_parse(rx->pl.pl[i].body, rx->pl.pl[i].len, &n) ||
		    n.type == 0 || n.type > ISAKMP_N_ERROR_MAX)
			continue;
		why = ike_notify_sentence(s, n.type, msg, sizeof(msg));
		ike_fail(s, why, "%s", msg);
		return true;
	}
	return false;
}

/* ---- receiving -------------------------------------------------------------------- */

static bool spi_is_cookies(const struct ipsec *s, const struct ike_notify *n)
{
	return n->spi_size == 16 && !memcmp(n->spi, s->icookie, 8) &&
	       !memcmp(n->spi + 8, s->rcookie, 8);
}

static void info_notify(struct ipsec *s, const struct ike_notify *n, bool authenticated)
{
	char msg[512];

	if (n->type && n->type <= ISAKMP_N_ERROR_MAX) {
		if (s->state < IKE_S_ESTABLISHED) {
			enum wv_fail why = ike_notify_sentence(s, n->type, msg, sizeof(msg));

			ike_fail(s, why, "%s", msg);
			return;
		}
		wv_info(s->log, "IKE", "the gateway %s reported %s%s", s->gw_str,
			isakmp_notify_name(n->type),
			authenticated ? "" : " (unauthenticated, ignored)");
		return;
	}
	if (!authenticated) {
		wv_dbg(s->log, "IKE", "ignoring an unauthenticated %s",
		       isakmp_notify_name(n->type));
		return;
	}
	switch (n->type) {
	case ISAKMP_N_DPD_R_U_THERE:
		/* RFC 3706 §5: answer with the same sequence number. */
		if (n->data_len == 4 && n->proto == ISAKMP_PROTO_ISAKMP && spi_is_cookies(s, n)) {
			uint8_t cookies[16];

			memcpy(cookies, s->icookie, 8);
			memcpy(cookies + 8, s->rcookie, 8);
			ike_info_send_notify(s, ISAKMP_PROTO_ISAKMP, cookies, 16,
					     ISAKMP_N_DPD_R_U_THERE_ACK, n->data, 4);
		}
		break;
	case ISAKMP_N_DPD_R_U_THERE_ACK:
		if (n->data_len == 4 && load_be32(n->data) == s->dpd_seq && spi_is_cookies(s, n))
			s->dpd_outstanding = 0;
		break;
	default:
		wv_dbg(s->log, "IKE", "the gateway notified %s", isakmp_notify_name(n->type));
		break;
	}
}

static void info_delete(struct ipsec *s, const struct ike_delete *d)
{
	uint16_t i;

	if (d->proto == ISAKMP_PROTO_ESP && d->spi_size == 4) {
		for (i = 0; i < d->n_spi; i++) {
			uint32_t spi = load_be32(d->spis + 4 * i);

			/* the SA a rekey replaced: the overlap ends early */
			if (s->state == IKE_S_ESTABLISHED && ike_rekey_old_deleted(s, spi))
				continue;

			/* A gateway names the SA it receives on (our outbound SPI),
			 * but strongSwan names ours when it could not install the SA
			 * it negotiated (quick_mode.c, spi_i); strongSwan itself
			 * looks up both.  SPIs are random: either is this SA. */
			if ((spi != s->spi_out && spi != s->spi_in) ||
			    s->state != IKE_S_ESTABLISHED) {
				wv_dbg(s->log, "IKE", "ignoring a Delete for ESP SPI %08x", spi);
				continue;
			}
			/* Nothing is left to protect: end phase 1 too, so the gateway
			 * does not keep a half-dead ISAKMP SA around. */
			ike_send_deletes(s, false);
			ike_fail(s, WV_FAIL_PEER_DEAD,
				 _("the gateway %s deleted the IPsec SA in use (SPI %08x) without "
				   "replacing it"), s->gw_str, spi);
			return;
		}
		return;
	}
	if (d->proto == ISAKMP_PROTO_ISAKMP && d->spi_size == 16 &&
	    !memcmp(d->spis, s->icookie, 8) && !memcmp(d->spis + 8, s->rcookie, 8)) {
		s->isakmp_deleted = true;          /* nothing to delete back */
		if (s->state < IKE_S_ESTABLISHED) {
			ike_fail(s, WV_FAIL_PROTOCOL,
				 _("the gateway %s deleted the IKE SA during the "
						       "negotiation"), s->gw_str);
			return;
		}
		/* Some gateways drop phase 1 once phase 2 is up; ESP goes on. */
		wv_timer_cancel(s->loop, &s->dpd_timer);
		wv_info(s->log, "IKE",
			"the gateway %s deleted the ISAKMP SA; the IPsec SA stays up",
			s->gw_str);
	}
}

void ike_info_process(struct ipsec *s, const struct ike_rx *rx, bool authenticated)
{
	unsigned i;

	for (i = 0; i < rx->pl.n && s->state != IKE_S_CLOSED; i++) {
		const struct ike_pl *p = &rx->pl.pl[i];

		if (p->type == ISAKMP_PL_N) {
			struct ike_notify n;

			if (!ike_notify_parse(p->body, p->len, &n))
				info_notify(s, &n, authenticated);
		} else if (p->type == ISAKMP_PL_D && authenticated) {
			struct ike_delete d;

			if (!ike_delete_parse(p->body, p->len, &d))
				info_delete(s, &d);
		}
	}
}

/* ---- dead-peer detection (RFC 3706) ---------------------------------------------- */

static void dpd_check(struct ipsec *s, uint64_t now, uint64_t delay);

static void dpd_fire(void *arg)
{
	struct ipsec *s = arg;
	uint64_t now = ike_now(s), delay = (uint64_t)s->dpd_delay * 1000;

	if (s->state != IKE_S_ESTABLISHED || s->stopping || s->isakmp_deleted)
		return;
	ike_enter(s);
	dpd_check(s, now, delay);
	ike_leave(s);
}

static void dpd_check(struct ipsec *s, uint64_t now, uint64_t delay)
{
	uint8_t cookies[16], seq[4];

	/* §5.4: only worry when nothing came from the gateway for a while. */
	if (!s->dpd_outstanding && now - s->last_rx_ms < delay) {
		wv_timer_arm(s->loop, &s->dpd_timer, (uint32_t)(delay - (now - s->last_rx_ms)));
		return;
	}
	if (s->dpd_outstanding >= IKE_DPD_TRIES) {
		ike_fail(s, WV_FAIL_PEER_DEAD, _("the gateway %s stopped answering (%u dead-peer "
						"detection requests unanswered)"), s->gw_str,
			 s->dpd_outstanding);
		return;
	}
	s->dpd_seq++;
	s->dpd_outstanding++;
	memcpy(cookies, s->icookie, 8);
	memcpy(cookies + 8, s->rcookie, 8);
	store_be32(seq, s->dpd_seq);
	ike_info_send_notify(s, ISAKMP_PROTO_ISAKMP, cookies, 16, ISAKMP_N_DPD_R_U_THERE, seq, 4);
	wv_timer_arm(s->loop, &s->dpd_timer, IKE_DPD_RETRY_MS);
}

void ike_dpd_start(struct ipsec *s)
{
	if (!s->peer_dpd || s->dpd_off)
		return;
	/* §7: a random start, kept below 2^31 so it does not wrap soon. */
	if (ike_random(s, &s->dpd_seq, sizeof(s->dpd_seq)))
		s->dpd_seq = 1;
	s->dpd_seq &= 0x7fffffff;
	s->dpd_outstanding = 0;
	wv_timer_arm(s->loop, &s->dpd_timer, s->dpd_delay * 1000);
	wv_dbg(s->log, "IKE", "dead-peer detection every %u s of silence", s->dpd_delay);
}

void ike_info_init(struct ipsec *s)
{
	wv_timer_init(&s->dpd_timer, dpd_fire, s);
}
