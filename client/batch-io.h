/* batch-io.h -- several packets per system call on the data path.  Internal.
 *
 * UDP goes through recvmmsg/sendmmsg; a TUN device has no batched read, so
 * "a batch" there is reads until the queue is empty (or the batch is full),
 * and one write per packet.  Packets are struct pkt: received data lands at
 * the headroom, so every layer can still prepend without a copy.  Used by
 * tests/bench/bench-esp; meant for the session's TUN -> link path. */
#ifndef WV_BATCH_IO_H
#define WV_BATCH_IO_H

#include <stddef.h>
#include <sys/socket.h>

struct pkt;

#define WV_BATCH_MAX 64

/* Reads up to max packets from a non-blocking TUN fd into pkts[i] (data at
 * the headroom, len set).  The number read (0: nothing queued), or -errno
 * when the first read fails otherwise. */
int wv_batch_tun_read(int fd, struct pkt **pkts, unsigned max);
/* Writes n packets to a TUN fd; the number written, or -errno when the first
 * write fails. */
int wv_batch_tun_write(int fd, struct pkt *const *pkts, unsigned n);
/* Receives up to max datagrams (max <= WV_BATCH_MAX) with one recvmmsg into
 * pkts[i] at the headroom; the number received (0: none queued), or -errno. */
int wv_batch_udp_recv(int fd, struct pkt **pkts, unsigned max);
/* Sends n datagrams (n <= WV_BATCH_MAX) on a connected UDP socket, or to
 * `to` when it is not NULL, with as few sendmmsg calls as the kernel allows;
 * the number sent, or -errno when none could be. */
int wv_batch_udp_send(int fd, struct pkt *const *pkts, unsigned n, const struct sockaddr *to,
		      socklen_t tolen);

#endif
