/* batch-io.c -- see batch-io.h. */
#include "wv.h"

#include <sys/uio.h>
#include <unistd.h>

#include "batch-io.h"
#include "pkt.h"

static void pkt_reset(struct pkt *p)
{
	p->data = p->buf + PKT_HEADROOM;
	p->len = 0;
}

int wv_batch_tun_read(int fd, struct pkt **pkts, unsigned max)
{
	unsigned i;

	for (i = 0; i < max; i++) {
		ssize_t n;

		pkt_reset(pkts[i]);
		n = read(fd, pkts[i]->data, PKT_DATA_MAX);
		if (n < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			if (i || errno == EAGAIN)
				return (int)i;
			return -errno;
		}
		if (n == 0)
			break;
		pkts[i]->len = (size_t)n;
	}
	return (int)i;
}

int wv_batch_tun_write(int fd, struct pkt *const *pkts, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		ssize_t w = write(fd, pkts[i]->data, pkts[i]->len);

		if (w < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			return i ? (int)i : -errno;
		}
	}
	return (int)i;
}

int wv_batch_udp_recv(int fd, struct pkt **pkts, unsigned max)
{
	struct mmsghdr mm[WV_BATCH_MAX];
	struct iovec iov[WV_BATCH_MAX];
	unsigned i;
	int r;

	if (max > WV_BATCH_MAX)
		max = WV_BATCH_MAX;
	memset(mm, 0, max * sizeof(mm[0]));
	for (i = 0; i < max; i++) {
		pkt_reset(pkts[i]);
		iov[i].iov_base = pkts[i]->data;
		iov[i].iov_len = PKT_DATA_MAX;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	do
		r = recvmmsg(fd, mm, max, MSG_DONTWAIT, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (i = 0; i < (unsigned)r; i++)
		pkts[i]->len = mm[i].msg_len;
	return r;
}

int wv_batch_udp_send(int fd, struct pkt *const *pkts, unsigned n, const struct sockaddr *to,
		      socklen_t tolen)
{
	struct mmsghdr mm[WV_BATCH_MAX];
	struct iovec iov[WV_BATCH_MAX];
	unsigned i, done = 0;

	if (n > WV_BATCH_MAX)
		n = WV_BATCH_MAX;
	memset(mm, 0, n * sizeof(mm[0]));
	for (i = 0; i < n; i++) {
		iov[i].iov_base = pkts[i]->data;
		iov[i].iov_len = pkts[i]->len;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = (void *)to;
		mm[i].msg_hdr.msg_namelen = to ? tolen : 0;
	}
	/* sendmmsg stops at the first datagram that fails; report what went. */
	while (done < n) {
		int r = sendmmsg(fd, mm + done, n - done, MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return done ? (int)done : -errno;
		}
		if (r == 0)
			break;
		done += (unsigned)r;
	}
	return (int)done;
}
