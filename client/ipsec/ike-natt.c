/* ike-natt.c -- NAT traversal for IKEv1 (RFC 3947, and the drafts Windows
 * still advertises): the vendor IDs we send in Main Mode 1 and read in every
 * Main Mode response, the NAT-D hashes of Main Mode 3 and 4, floating to UDP
 * 4500 from message 5 on, and the NAT keepalives (RFC 3948 §2.3, §4).
 *
 * Two tasks of the Main Mode exchange live here; they go after the Main Mode
 * task, which sets s->mm_msg before they build. */
#include "wv.h"

#include <stdio.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ike-int.h"

/* vectors.md §11: MD5 of the names (checked in test-ike-exchange.c) */
const uint8_t ike_vid_rfc3947[16] = {          /* MD5("RFC 3947") */
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
const uint8_t ike_vid_draft02n[16] = {         /* MD5("draft-ietf-ipsec-nat-t-ike-02\n") */
	0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
	0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f };
const uint8_t ike_vid_draft02[16] = {          /* MD5("draft-ietf-ipsec-nat-t-ike-02") */
	0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
	0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48 };
const uint8_t ike_vid_draft03[16] = {          /* MD5("draft-ietf-ipsec-nat-t-ike-03") */
	0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
	0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56 };
const uint8_t ike_vid_dpd[16] = {              /* RFC 3706 §4, version 1.0 */
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
const uint8_t ike_vid_frag[16] = {             /* MD5("FRAGMENTATION") */
	0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
	0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3 };
const uint8_t ike_vid_ms_nt5[16] = {           /* MD5("MS NT5 ISAKMPOAKLEY") + version */
	0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d,
	0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61 };

/* ---- vendor IDs --------------------------------------------------------------- */

static enum ike_status vendor_build(struct ipsec *s, struct ike_buf *b)
{
	if (s->mm_msg != 1)
		return IKE_NEED_MORE;
	/* windows-interop.md §1.2: the NAT-T VIDs Windows sends (RFC 3947 and
	 * draft-02 with its newline) plus the other drafts, and DPD.  Not the
	 * MS NT5 VID: we are not Windows, and gateways key quirks on it. */
	ikeb_pl_data(b, ISAKMP_PL_VID, ike_vid_rfc3947, 16);
	ikeb_pl_data(b, ISAKMP_PL_VID, ike_vid_draft03, 16);
	ikeb_pl_data(b, ISAKMP_PL_VID, ike_vid_draft02, 16);
	ikeb_pl_data(b, ISAKMP_PL_VID, ike_vid_draft02n, 16);
	ikeb_pl_data(b, ISAKMP_PL_VID, ike_vid_dpd, 16);
	return IKE_NEED_MORE;
}

void ike_vendor_process(struct ipsec *s, const struct ike_payloads *pl)
{
	unsigned i;

	for (i = 0; i < pl->n; i++) {
		const struct ike_pl *v = &pl->pl[i];
		const char *what = NULL;

		if (v->type != ISAKMP_PL_VID)
			continue;
		if (v->len == 16 && !memcmp(v->body, ike_vid_rfc3947, 16)) {
			s->natt = NATT_RFC;
			what = "NAT-T (RFC 3947)";
		} else if (v->len == 16 && (!memcmp(v->body, ike_vid_draft02, 16) ||
					    !memcmp(v->body, ike_vid_draft02n, 16) ||
					    !memcmp(v->body, ike_vid_draft03, 16))) {
			if (s->natt == NATT_NONE)
				s->natt = NATT_DRAFT;
			what = "NAT-T (draft)";
		} else if (v->len == 16 && !memcmp(v->body, ike_vid_dpd, 16)) {
			s->peer_dpd = true;
			what = "DPD";
		} else if (v->len >= 16 && !memcmp(v->body, ike_vid_frag, 16)) {
			s->peer_frag = true;
			what = "FRAGMENTATION";
		} else if (v->len == 20 && !memcmp(v->body, ike_vid_ms_nt5, 16)) {
			s->peer_ms = true;
			what = "MS NT5 ISAKMPOAKLEY";
		}
		if (what)
			wv_dbg(s->log, "IKE", "the gateway supports %s", what);
		else if (v->len >= 4)
			wv_dbg(s->log, "IKE", "unknown vendor ID %02x%02x%02x%02x... (%zu octets)",
			       v->body[0], v->body[1], v->body[2], v->body[3], v->len);
	}
}

static enum ike_status vendor_process(struct ipsec *s, const struct ike_rx *rx)
{
	ike_vendor_process(s, &rx->pl);
	return IKE_NEED_MORE;
}

const struct ike_task ike_task_vendor = {
	.name = "isakmp_vendor",
	.build = vendor_build,
	.process = vendor_process,
};

/* ---- NAT-D ---------------------------------------------------------------------- */

uint8_t ike_natd_type(const struct ipsec *s)
{
	return s->natt == NATT_RFC ? ISAKMP_PL_NATD : ISAKMP_PL_NATD_DRAFT;
}

uint8_t ike_natoa_type(const struct ipsec *s)
{
	return s->natt == NATT_RFC ? ISAKMP_PL_NATOA : ISAKMP_PL_NATOA_DRAFT;
}

static int natd_hash(struct ipsec *s, struct in_addr a, uint16_t port, uint8_t *out)
{
	return ike_natd_hash(s->p1_md, s->icookie, s->rcookie, (const uint8_t *)&a.s_addr, 4, port,
			     out);
}

static enum ike_status natd_build(struct ipsec *s, struct ike_buf *b)
{
	uint8_t h[IKE_HASH_MAX];
	size_t hlen = ike_md_len(s->p1_md);

	if (s->mm_msg == 5) {
		/* RFC 3947 §4: with NAT, IKE moves to 4500 from message 5 on. */
		if (s->use_udp_esp && !s->floated && ike_natt_float(s))
			return IKE_FAILED;
		return IKE_NEED_MORE;
	}
	if (s->mm_msg != 3 || s->natt == NATT_NONE)
		return IKE_NEED_MORE;
	/* §3.2: first the hash of the receiver's address and port, then ours. */
	if (natd_hash(s, s->gw, s->ike_port, h)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute NAT-D (OpenSSL)"));
		return IKE_FAILED;
	}
	ikeb_pl_data(b, ike_natd_type(s), h, hlen);
	if (s->encap == IPSEC_ENCAP_FORCE) {
		/* A hash that matches nothing makes the gateway see us behind NAT
		 * and use UDP encapsulation (strongSwan's encap=yes does the same). */
		if (ike_random(s, h, hlen)) {
			ike_fail(s, WV_FAIL_LOCAL, _("no random numbers for IKE"));
			return IKE_FAILED;
		}
	} else if (natd_hash(s, s->local, s->local_ike_port, h)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute NAT-D (OpenSSL)"));
		return IKE_FAILED;
	}
	ikeb_pl_data(b, ike_natd_type(s), h, hlen);
	return IKE_NEED_MORE;
}

static enum ike_status natd_process(struct ipsec *s, const struct ike_rx *rx)
{
	uint8_t me[IKE_HASH_MAX], gw[IKE_HASH_MAX];
	size_t hlen;
	unsigned i, n = 0;
	bool gw_seen = false;

	if (s->step != IKE_S_MM_KE)
		return IKE_NEED_MORE;
	if (s->natt == NATT_NONE) {
		if (s->encap == IPSEC_ENCAP_FORCE)
			wv_info(s->log, "IKE",
				"the gateway %s does not support NAT traversal: ESP goes "
				"as IP protocol 50 although UDP encapsulation was asked for",
				s->gw_str);
		s->use_udp_esp = false;
		return IKE_NEED_MORE;
	}
	hlen = ike_md_len(s->p1_md);
	if (natd_hash(s, s->local, s->local_ike_port, me) || natd_hash(s, s->gw, s->ike_port, gw)) {
		ike_fail(s, WV_FAIL_LOCAL, _("cannot compute NAT-D (OpenSSL)"));
		return IKE_FAILED;
	}
	for (i = 0; i < rx->pl.n; i++) {
		const struct ike_pl *p = &rx->pl.pl[i];

		if (p->type != ISAKMP_PL_NATD && p->type != ISAKMP_PL_NATD_DRAFT)
			continue;
		if (p->len != hlen)
			continue;
		/* The first is how the gateway sees us, the rest its own addresses. */
		if (n++ == 0)
			s->nat_local = memcmp(p->body, me, hlen) != 0;
		else if (!memcmp(p->body, gw, hlen))
			gw_seen = true;
	}
	if (n == 0) {
		wv_info(s->log, "IKE", "the gateway %s sent no NAT-D payloads; assuming no NAT",
			s->gw_str);
		s->natt = s->encap == IPSEC_ENCAP_FORCE ? s->natt : NATT_NONE;
		s->use_udp_esp = s->encap == IPSEC_ENCAP_FORCE && s->natt != NATT_NONE;
		return IKE_NEED_MORE;
	}
	s->nat_remote = n > 1 && !gw_seen;
	if (s->encap == IPSEC_ENCAP_FORCE)
		s->nat_local = true;
	s->use_udp_esp = s->nat_local || s->nat_remote;
	if (s->use_udp_esp)
		wv_info(s->log, "IKE", "NAT detected (%s%s%s): IKE and ESP go to UDP port %u",
			s->nat_local ? "we are behind NAT" : "",
			s->nat_local && s->nat_remote ? ", " : "",
			s->nat_remote ? "the gateway is behind NAT" : "", s->natt_port);
	else
		wv_dbg(s->log, "IKE", "no NAT between us and %s", s->gw_str);
	return IKE_NEED_MORE;
}

const struct ike_task ike_task_natd = {
	.name = "isakmp_natd",
	.build = natd_build,
	.process = natd_process,
};

int ike_natt_float(struct ipsec *s)
{
	int r = ike_natt_open(s);

	if (r) {
		ike_fail(s, WV_FAIL_LOCAL,
			 _("cannot open a UDP socket for NAT traversal to %s:%u: %s"),
			 s->gw_str, s->natt_port, strerror(-r));
		return r;
	}
	s->floated = true;
	wv_dbg(s->log, "IKE", "floating to UDP %u -> %s:%u", s->local_natt_port, s->gw_str,
	       s->natt_port);
	return 0;
}

/* ---- keepalives (RFC 3948 §2.3, §4) ------------------------------------------------ */

static void keepalive_fire(void *arg)
{
	struct ipsec *s = arg;
	uint64_t now = ike_now(s), idle = now - s->natt_tx_ms;

	if (s->state != IKE_S_ESTABLISHED || s->stopping)
		return;
	if (idle >= IKE_KEEPALIVE_MS) {
		static const uint8_t ka = 0xff;
		int r;

		/* The NAT's mapping must outlive idle periods; 0xFF is dropped by
		 * the gateway's ESP-in-UDP demultiplexer. */
		r = ike_xmit(s, IPSEC_CH_NATT, &ka, 1);
		wv_trace(s->log, "IKE", "NAT-T keepalive %s", r ? "not sent" : "sent");
		idle = 0;
	}
	wv_timer_arm(s->loop, &s->keepalive_timer, (uint32_t)(IKE_KEEPALIVE_MS - idle));
}

void ike_keepalive_start(struct ipsec *s)
{
	wv_timer_arm(s->loop, &s->keepalive_timer, IKE_KEEPALIVE_MS);
}

void ike_natt_init(struct ipsec *s)
{
	wv_timer_init(&s->keepalive_timer, keepalive_fire, s);
}
