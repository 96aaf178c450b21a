/* gre.c -- PPTP's enhanced GRE data link (RFC 2637 §4), as [MS-PTPT] peers use it.
 *
 * One raw IPPROTO_GRE socket connected to the gateway.  Each PPP frame gets an
 * 8- to 16-octet header prepended in its own headroom: K with the payload
 * length and the gateway's call id, S with our sequence number, and A with the
 * last sequence number we delivered when an ack is due.  An ack that found no
 * data to ride on within GRE_ACK_DELAY_MS goes out alone (S clear).
 *
 * Flow control: none.  Windows "does not implement the sliding window protocol"
 * and ignores the Packet Recv. Window Size ([MS-PTPT] §1.3), so we neither
 * stall on acks nor make the gateway wait for ours.
 *
 * Receiving: the kernel hands us the IPv4 header too; we read in batches with
 * recvmmsg().  A packet is delivered when its sequence number is newer than
 * the last one delivered; older ones and duplicates are dropped, gaps are
 * accepted (see struct gre_rx_seq). */
#include "wv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "pptp-int.h"

#ifndef IPPROTO_GRE
#define IPPROTO_GRE 47
#endif

#define GRE_ROUNDS 4      /* recvmmsg() batches per wake-up, then let others run */
/* Receive buffer for the raw socket.  A bulk download arrives in bursts, and
 * when a raw socket's queue is full Linux (6.x) counts the packet as taken by
 * no socket and answers the gateway with ICMP protocol-unreachable; pptpd
 * hangs up on the first one ("GRE read ... failed: Protocol not available").
 * So ask for room well beyond the default ~200 KiB. */
#define GRE_RCVBUF (4 << 20)
#define GRE_SNDBUF (1 << 20)

struct gre {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct gre_events ev;
	void *arg;
	int fd;

	uint16_t call_id;         /* ours: the key the gateway sends us */
	uint16_t peer_call_id;    /* the gateway's: the key we send */
	uint32_t tx_seq;          /* next sequence number to send */
	struct gre_rx_seq rx;
	bool ack_pending;         /* rx.last is not acknowledged yet */
	bool peer_acked;
	uint32_t peer_ack;        /* the highest of our packets the gateway acked */
	struct wv_timer ack_timer;

	struct pkt *rxq[GRE_BATCH];
	struct gre_stats st;
	bool icmp_logged;

	unsigned busy;
	bool free_pending;
};

/* ---- the header (RFC 2637 §4.1) -------------------------------------------- */

void gre_hdr_write(uint8_t *out, const struct gre_hdr *h)
{
	uint16_t flags = GRE_F_K | 1;   /* version 1: enhanced GRE */
	size_t pos = GRE_HDR_MIN;

	if (h->has_seq)
		flags |= GRE_F_S;
	if (h->has_ack)
		flags |= GRE_F_A;
	store_be16(out, flags);
	store_be16(out + 2, GRE_PROTO_PPP);
	store_be16(out + 4, h->payload_len);
	store_be16(out + 6, h->call_id);
	if (h->has_seq) {
		store_be32(out + pos, h->seq);
		pos += 4;
	}
	if (h->has_ack)
		store_be32(out + pos, h->ack);
}

int gre_hdr_parse(const uint8_t *buf, size_t len, struct gre_hdr *h)
{
	struct rd r = rd_init(buf, len);
	uint16_t flags, proto;
	size_t hlen;

	memset(h, 0, sizeof(*h));
	flags = rd_be16(&r);
	proto = rd_be16(&r);
	h->payload_len = rd_be16(&r);
	h->call_id = rd_be16(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	/* C, R and s would change the header's layout and must be 0; K must be 1
	 * (§4.1).  Recur and Flags must be 0 too, but change nothing: ignored. */
	if ((flags & GRE_VER) != 1 || proto != GRE_PROTO_PPP ||
	    (flags & (GRE_F_C | GRE_F_R | GRE_F_SSR)) || !(flags & GRE_F_K))
		return -EPROTONOSUPPORT;
	h->has_seq = flags & GRE_F_S;
	h->has_ack = flags & GRE_F_A;
	if (h->has_seq)
		h->seq = rd_be32(&r);
	if (h->has_ack)
		h->ack = rd_be32(&r);
	if (!rd_ok(&r) || h->payload_len > rd_left(&r))
		return -EBADMSG;
	hlen = gre_hdr_len(h);
	return (int)hlen;
}

int gre_ip_strip(const uint8_t *buf, size_t len, size_t *payload_len)
{
	struct rd r = rd_init(buf, len);
	uint8_t vihl = rd_u8(&r);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	uint16_t total, frag;
	uint8_t proto;

	rd_skip(&r, 1);                 /* TOS */
	total = rd_be16(&r);
	rd_skip(&r, 2);                 /* identification */
	frag = rd_be16(&r);
	rd_skip(&r, 1);                 /* TTL */
	proto = rd_u8(&r);
	if (!rd_ok(&r) || (vihl >> 4) != 4 || ihl < 20 || ihl > len)
		return -EBADMSG;
	/* Linux reassembles before raw delivery and keeps Total Length in network
	 * order; a fragment or a length past what we read is not ours to trust. */
	if (total < ihl || total > len || (frag & 0x3fff) || proto != IPPROTO_GRE)
		return -EBADMSG;
	*payload_len = total - ihl;
	return (int)ihl;
}

int gre_rx_seq_accept(struct gre_rx_seq *s, uint32_t seq, uint32_t *lost)
{
	*lost = 0;
	if (s->started && !gre_seq_after(seq, s->last))
		return 0;
	if (s->started)
		*lost = seq - s->last - 1;
	s->started = true;
	s->last = seq;
	return 1;
}

/* ---- lifetime ------------------------------------------------------------------ */

static void gre_enter(struct gre *g)
{
	g->busy++;
}

static void gre_destroy(struct gre *g)
{
	size_t i;

	gre_close(g);
	for (i = 0; i < GRE_BATCH; i++)
		pkt_free(g->rxq[i]);
	free(g);
}

static void gre_leave(struct gre *g)
{
	if (--g->busy == 0 && g->free_pending)
		gre_destroy(g);
}

/* ---- sending ---------------------------------------------------------------------- */

/* ICMP from the gateway's host (protocol 47 unreachable) means something on the
 * path drops GRE: the usual reason PPTP "connects" and then carries nothing. */
static void gre_sock_error(struct gre *g, int err)
{
	if (g->icmp_logged)
		return;
	g->icmp_logged = true;
	wv_err(g->log, "GRE", _("the gateway's host refuses GRE (IP protocol 47): %s; a firewall "
				"or NAT router on the way may not pass PPTP's data packets"),
	       strerror(err));
}

static void gre_xmit(struct gre *g, const uint8_t *buf, size_t len)
{
	if (send(g->fd, buf, len, MSG_DONTWAIT) < 0) {
		int err = errno;

		g->st.tx_errors++;
		if (err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH)
			gre_sock_error(g, err);
		else
			wv_trace(g->log, "GRE", "send: %s", strerror(err));
	}
}

size_t gre_build_ack(struct gre *g, uint8_t *buf)
{
	struct gre_hdr h = {
		.payload_len = 0, .call_id = g->peer_call_id, .has_ack = true, .ack = g->rx.last,
	};

	if (!g->ack_pending)
		return 0;
	g->ack_pending = false;
	wv_timer_cancel(g->loop, &g->ack_timer);
	gre_hdr_write(buf, &h);
	return gre_hdr_len(&h);
}

static void gre_on_ack_timer(void *arg)
{
	struct gre *g = arg;
	uint8_t buf[GRE_HDR_MAX];
	size_t n;

	gre_enter(g);
	n = gre_build_ack(g, buf);
	if (n && g->fd >= 0) {
		wv_trace(g->log, "GRE", "ack-only %u", g->rx.last);
		g->st.tx_acks++;
		gre_xmit(g, buf, n);
	}
	gre_leave(g);
}

/* rx.last needs acknowledging: piggy-backed on the next data packet, or
 * alone when the ack timer fires first. */
static void gre_ack_owed(struct gre *g)
{
	g->ack_pending = true;
	if (!wv_timer_armed(&g->ack_timer))
		wv_timer_arm(g->loop, &g->ack_timer, GRE_ACK_DELAY_MS);
}

int gre_encap(struct gre *g, struct pkt *p)
{
	struct gre_hdr h = { .call_id = g->peer_call_id, .has_seq = true, .seq = g->tx_seq };
	uint8_t *hdr;

	if (p->len == 0 || p->len > UINT16_MAX)
		return -EMSGSIZE;
	h.payload_len = (uint16_t)p->len;
	if (g->ack_pending) {
		/* Piggy-back the ack (§4.1: "A" bit). */
		h.has_ack = true;
		h.ack = g->rx.last;
	}
	hdr = pkt_push(p, gre_hdr_len(&h));
	if (!hdr)
		return -ENOSPC;
	gre_hdr_write(hdr, &h);
	g->tx_seq++;
	if (h.has_ack) {
		g->ack_pending = false;
		wv_timer_cancel(g->loop, &g->ack_timer);
	}
	return 0;
}

int gre_send(struct gre *g, struct pkt *p)
{
	size_t payload = p->len;
	int r = -ENOTCONN;

	uint32_t seq = g->tx_seq;
	bool ack_pending = g->ack_pending;

	if (g->fd < 0)
		goto out;
	r = gre_encap(g, p);
	if (r < 0)
		goto out;
	if (send(g->fd, p->data, p->len, MSG_DONTWAIT) < 0) {
		r = -errno;
		g->st.tx_errors++;
		/* The packet never left: give its sequence number back, or the
		 * gateway sees a gap and holds everything after it until its
		 * reordering timeout (pptpd: "buffering packet"), which stalls
		 * TCP through the tunnel.  An ack it carried is still owed. */
		g->tx_seq = seq;
		if (ack_pending && !g->ack_pending)
			gre_ack_owed(g);
		if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH)
			gre_sock_error(g, -r);
		goto out;
	}
	g->st.tx_packets++;
	g->st.tx_bytes += payload;
out:
	pkt_free(p);
	return r;
}

/* ---- receiving ---------------------------------------------------------------------- */

/* One datagram from the raw socket; takes p. */
static void gre_rx(struct gre *g, struct pkt *p)
{
	struct gre_hdr h;
	size_t plen;
	uint32_t lost;
	int hl;

	wv_log_hex(g->log, "GRE", "received", p->data, p->len);
	hl = gre_ip_strip(p->data, p->len, &plen);
	if (hl < 0)
		goto bad;
	pkt_pull(p, (size_t)hl);
	p->len = plen;
	hl = gre_hdr_parse(p->data, p->len, &h);
	if (hl < 0)
		goto bad;
	if (h.call_id != g->call_id) {
		/* Every raw GRE socket sees every GRE packet from this gateway:
		 * other calls (other sessions on this host) are not an error. */
		g->st.rx_foreign++;
		goto drop;
	}
	pkt_pull(p, (size_t)hl);
	p->len = h.payload_len;           /* octets past the payload are padding */
	if (h.has_ack) {
		g->st.rx_acks++;
		if (!g->peer_acked || gre_seq_after(h.ack, g->peer_ack)) {
			g->peer_acked = true;
			g->peer_ack = h.ack;
		}
	}
	if (!h.has_seq) {
		/* §4.1: a payload always comes with a sequence number. */
		if (h.payload_len)
			goto bad;
		goto drop;                /* ack-only */
	}
	if (!gre_rx_seq_accept(&g->rx, h.seq, &lost)) {
		wv_trace(g->log, "GRE", "dropping %u: not newer than %u", h.seq, g->rx.last);
		g->st.rx_old++;
		goto drop;
	}
	if (lost)
		wv_trace(g->log, "GRE", "%u packets missing before %u", lost, h.seq);
	g->st.rx_lost += lost;
	gre_ack_owed(g);
	if (!h.payload_len)
		goto drop;
	g->st.rx_packets++;
	g->st.rx_bytes += h.payload_len;
	if (g->ev.recv) {
		g->ev.recv(g->arg, p);
		return;
	}
	goto drop;
bad:
	g->st.rx_bad++;
drop:
	pkt_free(p);
}

void gre_input(struct gre *g, struct pkt *p)
{
	gre_enter(g);
	if (g->free_pending)
		pkt_free(p);
	else
		gre_rx(g, p);
	gre_leave(g);
}

static void gre_read(struct gre *g)
{
	struct mmsghdr msgs[GRE_BATCH];
	struct iovec iov[GRE_BATCH];
	int round, i, n;

	for (round = 0; round < GRE_ROUNDS; round++) {
		for (i = 0; i < GRE_BATCH; i++) {
			if (!g->rxq[i])
				g->rxq[i] = pkt_alloc();
			if (!g->rxq[i])
				break;
			iov[i].iov_base = g->rxq[i]->data;
			iov[i].iov_len = pkt_tailroom(g->rxq[i]);
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		if (i == 0)
			return;
		n = recvmmsg(g->fd, msgs, (unsigned)i, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				gre_sock_error(g, errno);
			return;
		}
		for (i = 0; i < n; i++) {
			struct pkt *p = g->rxq[i];

			g->rxq[i] = NULL;
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				g->st.rx_bad++;
				pkt_free(p);
				continue;
			}
			p->len = msgs[i].msg_len;
			gre_rx(g, p);
			if (g->free_pending || g->fd < 0) {
				/* Closed from the recv() callback: drop the rest. */
				for (i++; i < n; i++) {
					pkt_free(g->rxq[i]);
					g->rxq[i] = NULL;
				}
				return;
			}
		}
		if (n < GRE_BATCH)
			return;
	}
}

static void gre_on_io(void *arg, uint32_t events)
{
	struct gre *g = arg;

	gre_enter(g);
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			gre_sock_error(g, err);
	}
	if (events & EPOLLIN)
		gre_read(g);
	gre_leave(g);
}

/* ---- the API -------------------------------------------------------------------------- */

struct gre *gre_new(struct wv_loop *loop, const struct wv_log *log, const struct gre_events *ev,
		    void *arg)
{
	struct gre *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->loop = loop;
	g->log = log;
	g->ev = *ev;
	g->arg = arg;
	g->fd = -1;
	wv_timer_init(&g->ack_timer, gre_on_ack_timer, g);
	return g;
}

int gre_open(struct gre *g, struct in_addr gateway)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = gateway };
	int fd, r, sz;

	if (g->fd >= 0)
		return -EALREADY;
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	if (fd < 0)
		return -errno;
	sz = GRE_RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0)
		wv_dbg(g->log, "GRE", "cannot enlarge the receive buffer: %s", strerror(errno));
	/* And room to send a TUN batch without EAGAIN (see gre_send). */
	sz = GRE_SNDBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) < 0)
		wv_dbg(g->log, "GRE", "cannot enlarge the send buffer: %s", strerror(errno));
	/* connect(): the kernel then gives us only the gateway's GRE packets. */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		r = -errno;
		goto fail;
	}
	r = wv_loop_add_fd(g->loop, fd, EPOLLIN, gre_on_io, g);
	if (r < 0)
		goto fail;
	g->fd = fd;
	return 0;
fail:
	close(fd);
	return r;
}

void gre_set_call_ids(struct gre *g, uint16_t call_id, uint16_t peer_call_id)
{
	g->call_id = call_id;
	g->peer_call_id = peer_call_id;
}

void gre_close(struct gre *g)
{
	if (!g)
		return;
	wv_timer_cancel(g->loop, &g->ack_timer);
	if (g->fd < 0)
		return;
	wv_loop_del_fd(g->loop, g->fd);
	close(g->fd);
	g->fd = -1;
	wv_dbg(g->log, "GRE", "sent %llu packets (%llu octets) and %llu acks; received %llu "
	       "packets (%llu octets), %llu dropped as old, %llu missing, %llu malformed",
	       (unsigned long long)g->st.tx_packets, (unsigned long long)g->st.tx_bytes,
	       (unsigned long long)g->st.tx_acks, (unsigned long long)g->st.rx_packets,
	       (unsigned long long)g->st.rx_bytes, (unsigned long long)g->st.rx_old,
	       (unsigned long long)g->st.rx_lost, (unsigned long long)g->st.rx_bad);
}

void gre_free(struct gre *g)
{
	if (!g)
		return;
	if (g->busy) {
		gre_close(g);
		g->free_pending = true;
		return;
	}
	gre_destroy(g);
}

void gre_get_stats(const struct gre *g, struct gre_stats *st)
{
	*st = g->st;
}
