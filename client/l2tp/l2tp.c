/* l2tp.c -- L2TP as a wv_link: the control connection (l2tp-ctrl.c) sets up
 * the tunnel and the call, the data channel (l2tp-data.c) carries PPP frames
 * in it.  This file ties them to the link interface of link.h and owns the
 * datagram transport: our own UDP socket, or a lower layer (IPsec) that
 * plugged itself in with l2tp_set_transport().
 *
 * The UDP socket is connected to the gateway, so the kernel hands us only
 * its datagrams and reports ICMP errors (port unreachable) for them.  Like
 * Windows we send from port 1701 ([MS-L2TPIE] Appendix A); when 1701 is
 * taken (xl2tpd, another connection) or ephemeral-port is set, from any
 * free port.  Datagrams are read in batches into recycled packet buffers,
 * and PPP frames go out from their own buffer with the header prepended:
 * no allocation and no copy per data packet. */
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
#include "l2tp-int.h"

#define L2TP_BATCH      16      /* datagrams per recvmmsg() */
#define L2TP_ROUNDS     4       /* recvmmsg() batches per wake-up, then let others run */

struct l2tp {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct l2tp_config cfg;
	char *hostname, *secret;
	struct wv_link_events ev;
	void *arg;

	const struct l2tp_transport_ops *tops;   /* NULL: our own UDP socket */
	void *tctx;
	int fd;
	char gw_str[INET_ADDRSTRLEN];
	struct pkt *rxq[L2TP_BATCH];

	struct l2tp_ctrl *ctrl;
	struct l2tp_data data;
	bool started;
	bool up;
	bool down;                   /* down() reported (or scheduled) */

	struct wv_timer later;       /* a failure found inside start() */
	enum wv_fail later_why;
	char later_msg[256];

	unsigned busy;
	bool free_pending;
};

/* ---- lifetime ------------------------------------------------------------------ */

static void l2tp_close_socket(struct l2tp *l)
{
	size_t i;

	if (l->fd >= 0) {
		wv_loop_del_fd(l->loop, l->fd);
		close(l->fd);
		l->fd = -1;
	}
	for (i = 0; i < L2TP_BATCH; i++) {
		pkt_free(l->rxq[i]);
		l->rxq[i] = NULL;
	}
}

static void l2tp_destroy(struct l2tp *l)
{
	wv_timer_cancel(l->loop, &l->later);
	l2tp_ctrl_free(l->ctrl);
	l2tp_close_socket(l);
	free(l->hostname);
	wv_free_secret(l->secret);
	free(l);
}

static void l2tp_enter(struct l2tp *l)
{
	l->busy++;
}

static void l2tp_leave(struct l2tp *l)
{
	if (--l->busy == 0 && l->free_pending)
		l2tp_destroy(l);
}

static bool l2tp_gone(const struct l2tp *l)
{
	return l->down || l->free_pending;
}

/* Reports the end once.  The callee may free l (we hold a reference). */
static void l2tp_report_down(struct l2tp *l, enum wv_fail why, const char *msg)
{
	const struct l2tp_data_stats *st = &l->data.st;

	if (l->down)
		return;
	l->down = true;
	l->up = false;
	l2tp_close_socket(l);
	wv_dbg(l->log, "L2TP", "data: sent %llu packets (%llu octets, %llu errors); received "
	       "%llu packets (%llu octets), %llu old, %llu missing, %llu malformed, %llu foreign",
	       (unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
	       (unsigned long long)st->tx_errors, (unsigned long long)st->rx_packets,
	       (unsigned long long)st->rx_bytes, (unsigned long long)st->rx_old,
	       (unsigned long long)st->rx_lost, (unsigned long long)st->rx_bad,
	       (unsigned long long)st->rx_foreign);
	l->ev.down(l->arg, why, msg);
}

static void l2tp_on_later(void *arg)
{
	struct l2tp *l = arg;

	l2tp_enter(l);
	l->down = false;
	l2tp_report_down(l, l->later_why, l->later_msg);
	l2tp_leave(l);
}

/* ---- the transport ----------------------------------------------------------------- */

/* One datagram to the gateway; takes p. */
static int l2tp_xmit(struct l2tp *l, struct pkt *p)
{
	int r = 0;

	if (l->tops)
		return l->tops->send(l->tctx, p);
	if (l->fd < 0) {
		r = -ENOTCONN;
	} else if (send(l->fd, p->data, p->len, MSG_DONTWAIT) < 0) {
		r = -errno;
		/* A connected UDP socket reports ICMP errors on the next call. */
		if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH)
			l2tp_ctrl_note_error(l->ctrl, r);
		wv_trace(l->log, "L2TP", "send: %s", strerror(-r));
	}
	pkt_free(p);
	return r;
}

/* One received UDP payload; takes p. */
static void l2tp_rx(struct l2tp *l, struct pkt *p)
{
	int r;

	if (p->len < 2)
		goto drop;
	if (load_be16(p->data) & L2TP_F_T) {
		l2tp_ctrl_input(l->ctrl, p);
		return;
	}
	if (!l->up) {
		struct l2tp_hdr h;
		size_t mlen;

		/* The gateway may start PPP before it acknowledges our ICCN. */
		if (l2tp_hdr_parse(p->data, p->len, &h, &mlen) >= 0)
			l2tp_ctrl_data_seen(l->ctrl, h.tunnel, h.session);
		if (!l->up || l2tp_gone(l))
			goto drop;
	}
	wv_log_hex(l->log, "L2TP", "data received", p->data, p->len);
	r = l2tp_data_decap(&l->data, p);
	if (r <= 0)
		goto drop;
	l->ev.recv(l->arg, p);
	return;
drop:
	pkt_free(p);
}

void l2tp_input(struct l2tp *l, struct pkt *p)
{
	l2tp_enter(l);
	if (l2tp_gone(l))
		pkt_free(p);
	else
		l2tp_rx(l, p);
	l2tp_leave(l);
}

static void l2tp_read(struct l2tp *l)
{
	struct mmsghdr msgs[L2TP_BATCH];
	struct iovec iov[L2TP_BATCH];
	int round, i, n;

	for (round = 0; round < L2TP_ROUNDS; round++) {
		for (i = 0; i < L2TP_BATCH; i++) {
			if (!l->rxq[i])
				l->rxq[i] = pkt_alloc();
			if (!l->rxq[i])
				break;
			iov[i].iov_base = l->rxq[i]->data;
			iov[i].iov_len = pkt_tailroom(l->rxq[i]);
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		if (i == 0)
			return;
		n = recvmmsg(l->fd, msgs, (unsigned)i, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
				l2tp_ctrl_note_error(l->ctrl, -errno);
			return;
		}
		for (i = 0; i < n; i++) {
			struct pkt *p = l->rxq[i];

			l->rxq[i] = NULL;
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				l->data.st.rx_bad++;
				pkt_free(p);
				continue;
			}
			p->len = msgs[i].msg_len;
			l2tp_rx(l, p);
			if (l2tp_gone(l) || l->fd < 0) {
				/* Closed from a callback: drop the rest. */
				for (i++; i < n; i++) {
					pkt_free(l->rxq[i]);
					l->rxq[i] = NULL;
				}
				return;
			}
		}
		if (n < L2TP_BATCH)
			return;
	}
}

static void l2tp_on_io(void *arg, uint32_t events)
{
	struct l2tp *l = arg;

	l2tp_enter(l);
	if (l2tp_gone(l) || l->fd < 0)
		goto out;
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			l2tp_ctrl_note_error(l->ctrl, -err);
	}
	if (events & EPOLLIN)
		l2tp_read(l);
out:
	l2tp_leave(l);
}

static int l2tp_bind(int fd, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_ANY) };

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ? -errno : 0;
}

static int l2tp_udp_open(struct l2tp *l)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_addr = l->cfg.gateway,
				    .sin_port = htons(l->cfg.port) };
	struct sockaddr_in local;
	socklen_t sl = sizeof(local);
	int fd, r, busy = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!l->cfg.ephemeral_port) {
		r = l2tp_bind(fd, L2TP_UDP_PORT);
		if (r == -EADDRINUSE || r == -EACCES) {
			busy = r;
			r = l2tp_bind(fd, 0);
		}
	} else {
		r = l2tp_bind(fd, 0);
	}
	if (r < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &sl) < 0) {
		r = -errno;
		goto fail;
	}
	r = wv_loop_add_fd(l->loop, fd, EPOLLIN, l2tp_on_io, l);
	if (r < 0)
		goto fail;
	l->fd = fd;
	if (l->cfg.ephemeral_port)
		wv_info(l->log, "L2TP", _("sending L2TP from UDP port %u (ephemeral-port is set)"),
			ntohs(local.sin_port));
	else if (busy)
		wv_info(l->log, "L2TP", _("UDP port %u is in use on this host (another L2TP "
					  "connection, or a daemon such as xl2tpd); sending L2TP "
					  "from UDP port %u instead"),
			L2TP_UDP_PORT, ntohs(local.sin_port));
	else
		wv_info(l->log, "L2TP", _("sending L2TP from UDP port %u, like Windows"),
			ntohs(local.sin_port));
	return 0;
fail:
	close(fd);
	return r;
}

/* ---- control connection events ------------------------------------------------------ */

static int l2tp_ctrl_send(void *arg, struct pkt *p)
{
	return l2tp_xmit(arg, p);
}

static void l2tp_ctrl_established(void *arg, const struct l2tp_session_info *si)
{
	struct l2tp *l = arg;

	l2tp_data_init(&l->data, si);
	l->up = true;
	l->ev.up(l->arg);
}

static void l2tp_ctrl_down(void *arg, enum wv_fail why, const char *msg)
{
	l2tp_report_down(arg, why, msg);
}

static const struct l2tp_ctrl_events l2tp_ctrl_ev = {
	.send = l2tp_ctrl_send,
	.established = l2tp_ctrl_established,
	.down = l2tp_ctrl_down,
};

/* ---- the link --------------------------------------------------------------------------- */

struct l2tp *l2tp_new(struct wv_loop *loop, const struct wv_log *log, const struct l2tp_config *cfg,
		      const struct wv_link_events *ev, void *arg)
{
	struct l2tp *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->loop = loop;
	l->log = log;
	l->cfg = *cfg;
	if (!l->cfg.port)
		l->cfg.port = L2TP_UDP_PORT;
	l->hostname = strdup(cfg->hostname ? cfg->hostname : "");
	l->secret = cfg->secret && *cfg->secret ? strdup(cfg->secret) : NULL;
	l->cfg.hostname = l->hostname;
	l->cfg.secret = l->secret;
	l->ev = *ev;
	l->arg = arg;
	l->fd = -1;
	inet_ntop(AF_INET, &cfg->gateway, l->gw_str, sizeof(l->gw_str));
	wv_timer_init(&l->later, l2tp_on_later, l);
	if (l->hostname && (!cfg->secret || !*cfg->secret || l->secret))
		l->ctrl = l2tp_ctrl_new(loop, log, &l->cfg, &l2tp_ctrl_ev, l);
	if (!l->ctrl) {
		free(l->hostname);
		wv_free_secret(l->secret);
		free(l);
		return NULL;
	}
	return l;
}

void l2tp_set_transport(struct l2tp *l, const struct l2tp_transport_ops *ops, void *ctx)
{
	if (l->started)
		return;
	l->tops = ops;
	l->tctx = ops ? ctx : NULL;
}

void l2tp_set_ids(struct l2tp *l, uint16_t tunnel_id, uint16_t session_id)
{
	l2tp_ctrl_set_ids(l->ctrl, tunnel_id, session_id);
}

const struct l2tp_data *l2tp_get_data(const struct l2tp *l)
{
	return &l->data;
}

struct l2tp_ctrl *l2tp_get_ctrl(const struct l2tp *l)
{
	return l->ctrl;
}

uint16_t l2tp_local_port(const struct l2tp *l)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	if (l->fd < 0 || getsockname(l->fd, (struct sockaddr *)&sin, &sl) < 0)
		return 0;
	return ntohs(sin.sin_port);
}

static int l2tp_start(void *link)
{
	struct l2tp *l = link;
	int r;

	if (l->started)
		return -EALREADY;
	l->started = true;
	if (!l->tops) {
		r = l2tp_udp_open(l);
		if (r < 0) {
			l->later_why = WV_FAIL_LOCAL;
			snprintf(l->later_msg, sizeof(l->later_msg),
				 _("cannot open a UDP socket to the L2TP gateway %s: %s"),
				 l->gw_str, strerror(-r));
			l->down = true;
			wv_timer_arm(l->loop, &l->later, 0);
			return 0;
		}
	}
	l2tp_ctrl_set_raw(l->ctrl, l->tops == NULL);
	return l2tp_ctrl_start(l->ctrl);
}

static void l2tp_stop(void *link)
{
	struct l2tp *l = link;

	if (l2tp_gone(l))
		return;
	l2tp_ctrl_stop(l->ctrl);
}

static int l2tp_send(void *link, struct pkt *p)
{
	struct l2tp *l = link;
	size_t len = p->len;
	int r;

	if (!l->up) {
		pkt_free(p);
		return -ENOTCONN;
	}
	r = l2tp_data_encap(&l->data, p);
	if (r < 0) {
		l->data.st.tx_errors++;
		pkt_free(p);
		return r;
	}
	wv_log_hex(l->log, "L2TP", "data sent", p->data, p->len);
	r = l2tp_xmit(l, p);
	if (r < 0) {
		l->data.st.tx_errors++;
		return r;
	}
	l->data.st.tx_packets++;
	l->data.st.tx_bytes += len;
	return 0;
}

static void l2tp_free(void *link)
{
	struct l2tp *l = link;

	if (!l)
		return;
	if (l->busy) {
		wv_timer_cancel(l->loop, &l->later);
		l2tp_close_socket(l);
		l->free_pending = true;
		return;
	}
	l2tp_destroy(l);
}

const struct wv_link_ops l2tp_link_ops = {
	.name = "l2tp",
	.start = l2tp_start,
	.stop = l2tp_stop,
	.send = l2tp_send,
	.free = l2tp_free,
};
