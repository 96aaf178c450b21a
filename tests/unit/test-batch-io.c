/* test-batch-io.c -- client/batch-io.c: several datagrams per system call.
 * UDP over 127.0.0.1 (sendmmsg / recvmmsg: contents, lengths, order, the
 * batch limit, an empty queue), and a SOCK_SEQPACKET pair standing in for a
 * TUN device (one packet per read, reads until the queue is empty), errors. */
#include "wv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "batch-io.h"
#include "pkt.h"

static int udp_bound(struct sockaddr_in *a)
{
	socklen_t al = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)a, sizeof(*a)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)a, &al) == 0);
	return fd;
}

static void fill(struct pkt *p, unsigned i, size_t len)
{
	p->data = p->buf + PKT_HEADROOM;
	p->len = len;
	memset(p->data, (int)(0x40 + i), len);
}

static void test_udp(void)
{
	struct pkt *tx[40], *rx[WV_BATCH_MAX];
	struct sockaddr_in a, b;
	int fa = udp_bound(&a), fb = udp_bound(&b);
	unsigned i, got = 0;
	int n;

	for (i = 0; i < ARRAY_SIZE(tx); i++) {
		tx[i] = pkt_alloc();
		fill(tx[i], i, 100 + i * 30);
	}
	for (i = 0; i < ARRAY_SIZE(rx); i++)
		rx[i] = pkt_alloc();
	/* nothing queued yet */
	CHECK(wv_batch_udp_recv(fb, rx, 8) == 0);
	/* unconnected: to an address */
	CHECK(wv_batch_udp_send(fa, tx, 40, (struct sockaddr *)&b, sizeof(b)) == 40);
	n = wv_batch_udp_recv(fb, rx, 32);
	CHECK(n == 32);
	for (i = 0; i < 32 && n == 32; i++) {
		CHECK(rx[i]->len == 100 + i * 30);
		CHECK(rx[i]->data == rx[i]->buf + PKT_HEADROOM);   /* headroom kept */
		CHECK(rx[i]->data[0] == 0x40 + i && rx[i]->data[rx[i]->len - 1] == 0x40 + i);
	}
	got += n > 0 ? (unsigned)n : 0;
	n = wv_batch_udp_recv(fb, rx, WV_BATCH_MAX);
	CHECK(n == 8 && rx[0]->len == 100 + 32 * 30 && rx[7]->data[0] == 0x40 + 39);
	got += n > 0 ? (unsigned)n : 0;
	CHECK(got == 40);
	/* connected: no address; more than a batch is cut to WV_BATCH_MAX */
	CHECK(connect(fa, (struct sockaddr *)&b, sizeof(b)) == 0);
	CHECK(wv_batch_udp_send(fa, tx, 3, NULL, 0) == 3);
	CHECK(wv_batch_udp_recv(fb, rx, 100) == 3 && rx[2]->len == 160);
	/* errors: -errno, never a count */
	CHECK(wv_batch_udp_send(-1, tx, 2, NULL, 0) == -EBADF);
	CHECK(wv_batch_udp_recv(-1, rx, 2) == -EBADF);
	close(fa);
	close(fb);
	for (i = 0; i < ARRAY_SIZE(tx); i++)
		pkt_free(tx[i]);
	for (i = 0; i < ARRAY_SIZE(rx); i++)
		pkt_free(rx[i]);
}

static void test_tun(void)
{
	struct pkt *p[8];
	int sv[2];
	unsigned i;

	/* message boundaries like a TUN device's */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) == 0);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = pkt_alloc();
	CHECK(wv_batch_tun_read(sv[0], p, 8) == 0);          /* empty: 0, not an error */
	for (i = 0; i < 5; i++)
		fill(p[i], i, 60 + i);
	CHECK(wv_batch_tun_write(sv[1], p, 5) == 5);
	CHECK(wv_batch_tun_read(sv[0], p, 3) == 3);          /* at most the batch */
	CHECK(p[0]->len == 60 && p[2]->len == 62 && p[2]->data[0] == 0x42);
	CHECK(wv_batch_tun_read(sv[0], p, 8) == 2);          /* then what is left */
	CHECK(p[1]->len == 64 && p[1]->data[63] == 0x44);
	CHECK(wv_batch_tun_read(-1, p, 8) == -EBADF);
	CHECK(wv_batch_tun_write(-1, p, 1) == -EBADF);
	close(sv[0]);
	close(sv[1]);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		pkt_free(p[i]);
}

int main(void)
{
	test_udp();
	test_tun();
	pkt_pool_drain();
	return check_done("test-batch-io");
}
