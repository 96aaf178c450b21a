/* l2tp-data.c -- the L2TP data channel header (RFC 2661 §3.1, §5.4).
 *
 * Windows sends data messages with the bare 6-octet header (no Length, no
 * sequence numbers) unless sequencing is asked for, and so do we.  Without a
 * Sequencing Required AVP the gateway decides (§5.4): we send Ns while its
 * data messages carry Ns and stop when they stop, and we add Length while its
 * data messages do (xl2tpd's "length bit").  Offsets are accepted, never sent.
 *
 * Received sequenced messages are delivered when newer than the last one
 * delivered; older ones and duplicates are dropped, gaps are accepted: PPP
 * copes with loss, and queueing would only add delay.  Everything works in
 * the packet's own buffer: no copy, no allocation. */
#include "wv.h"

#include "pkt.h"
#include "rd.h"
#include "l2tp-int.h"

void l2tp_data_init(struct l2tp_data *d, const struct l2tp_session_info *si)
{
	memset(d, 0, sizeof(*d));
	d->tunnel_id = si->tunnel_id;
	d->session_id = si->session_id;
	d->peer_tunnel_id = si->peer_tunnel_id;
	d->peer_session_id = si->peer_session_id;
	d->seq_required = si->seq_required;
	d->send_seq = si->seq_required;
}

int l2tp_data_encap(struct l2tp_data *d, struct pkt *p)
{
	struct l2tp_hdr h = {
		.has_len = d->send_len, .has_seq = d->send_seq,
		.tunnel = d->peer_tunnel_id, .session = d->peer_session_id,
		.ns = d->tx_ns, .nr = 0,         /* §3.1: Nr is reserved in data messages */
	};
	size_t hl = l2tp_hdr_len(&h);
	uint8_t *hdr;

	if (p->len == 0 || p->len + hl > UINT16_MAX)
		return -EMSGSIZE;
	h.len = (uint16_t)(p->len + hl);
	hdr = pkt_push(p, hl);
	if (!hdr)
		return -ENOSPC;
	l2tp_hdr_write(hdr, &h);
	if (h.has_seq)
		d->tx_ns++;
	return 0;
}

int l2tp_data_decap(struct l2tp_data *d, struct pkt *p)
{
	struct l2tp_hdr h;
	size_t mlen;
	int hl = l2tp_hdr_parse(p->data, p->len, &h, &mlen);

	if (hl < 0 || h.ctrl) {
		d->st.rx_bad++;
		return -EBADMSG;
	}
	if (h.tunnel != d->tunnel_id || h.session != d->session_id) {
		d->st.rx_foreign++;
		return 0;
	}
	if (h.has_seq) {
		if (d->rx_started && !l2tp_seq_after(h.ns, d->rx_last)) {
			d->st.rx_old++;
			return 0;
		}
		if (d->rx_started)
			d->st.rx_lost += (uint16_t)(h.ns - d->rx_last - 1);
		d->rx_started = true;
		d->rx_last = h.ns;
	}
	/* §5.4: the gateway switches sequencing on and off by example. */
	if (!d->seq_required)
		d->send_seq = h.has_seq;
	d->send_len = h.has_len;
	p->len = mlen;                       /* drop padding past Length */
	pkt_pull(p, (size_t)hl);
	if (p->len == 0)
		return 0;                    /* nothing to deliver */
	d->st.rx_packets++;
	d->st.rx_bytes += p->len;
	return 1;
}
