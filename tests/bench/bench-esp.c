/* bench-esp.c -- what the ESP data plane costs against a null forwarder.
 *
 * In a private network namespace (unshare, gone at exit) with a TUN device:
 *
 *   generator UDP socket 10.201.0.1:5000 --(route)--> TUN wvbesp0 --read--> [out]
 *       [out] --sendmmsg--> UDP 127.0.0.1:4500 -> 127.0.0.1:4501 --recvmmsg--> [in]
 *       [in] swaps the addresses and ports --write--> TUN --> generator socket (sink)
 *
 * Every 1400-octet IP datagram (the Windows MTU) is forwarded TUN -> UDP and
 * UDP -> TUN once.  The forwarder runs in these modes, alternately, RUNS times
 * each (the median is printed):
 *   null        [out] and [in] only move the packet: the floor
 *   esp         [out] = L2TP+PPP framing (12 octets), the protected UDP header
 *               (esp_udp_push, checksum), esp_encap AES-128-CBC + HMAC-SHA1-96;
 *               [in] = esp_decap (ICV, replay window), esp_udp_pull, strip the
 *               framing: the engine's per-packet ESP work (client/ipsec/esp.c)
 *   null-single, esp-single
 *               the same with one send / recv per datagram, as the engine's
 *               session sends today (TUN reads stay batched)
 * All modes share the buffers (struct pkt, headroom) and, except *-single,
 * the batching of client/batch-io.c: up to 32 TUN reads per batch, one
 * sendmmsg, one recvmmsg.  Printed per mode: packets/s and MB/s end to end
 * (generator to sink), the forwarder's own time per packet ([out] + [in],
 * syscalls included), CPU time per packet of the whole process, and the
 * ratios esp / null.  A crypto-only line (encap + decap in memory, no
 * syscalls) shows the ceiling.  No assertions: numbers for people.
 *
 * Usage: bench-esp [packets-per-run [runs]]   (root: namespaces and TUN)
 *
 * For the CPU comparison with strongSwan's kernel-libipsec (tests/bench/
 * libipsec.sh drives both), at a fixed offered rate:
 *   bench-esp cpu MODE RATE SECONDS  the forwarder (MODE esp or null) in a
 *         process of its own, woken by poll() like an event loop; this
 *         process offers RATE datagrams/s for SECONDS and sinks them; prints
 *         "cpu SECONDS delivered PACKETS BYTES" (the forwarder's CPU only)
 *   bench-esp gen ADDR PORT RATE SECONDS   paced UDP sender (1372-octet
 *         payloads: 1400-octet IP datagrams); prints "sent PACKETS"
 *   bench-esp sink ADDR PORT SECONDS       counts what arrives; prints
 *         "received PACKETS BYTES" (IP datagram octets)
 * Exit 77 when not root. */
#include "wv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "batch-io.h"
#include "crypto.h"
#include "pkt.h"
#include "ipsec/esp.h"

#define IPLEN      1400                 /* IP datagram through the TUN */
#define UDP_PAYLOAD (IPLEN - 28)
#define BATCH      32
#define WINDOW     (4 * BATCH)          /* datagrams in flight at most */
#define TUN_NAME   "wvbesp0"
#define FRAMING    12                   /* L2TP data header + PPP, as the engine adds */
#define DEF_PACKETS 200000
#define DEF_RUNS   5

enum mode { M_NULL, M_ESP, M_NULL_SINGLE, M_ESP_SINGLE, M_COUNT };
static const char *const mode_names[M_COUNT] = { "null", "esp", "null-single", "esp-single" };

static bool mode_esp(enum mode m) { return m == M_ESP || m == M_ESP_SINGLE; }
static bool mode_single(enum mode m) { return m == M_NULL_SINGLE || m == M_ESP_SINGLE; }

struct result {
	double wall, fwd, cpu;           /* seconds */
	unsigned long delivered, lost;
};

static int tun_fd = -1, gen_fd = -1, wa_fd = -1, wb_fd = -1;
static struct esp_sa *sa_out, *sa_in;
static struct pkt *out_p[BATCH], *in_p[BATCH];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-esp: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int udp_socket(const char *addr, uint16_t port, const char *peer, uint16_t peer_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int sz = 8 << 20;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	inet_pton(AF_INET, addr, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	a.sin_port = htons(peer_port);
	inet_pton(AF_INET, peer, &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	return fd;
}

static void net_setup(void)
{
	struct ifreq ifr;

	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET)");
	tun_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tun_fd < 0)
		die("/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", TUN_NAME);
	if (ioctl(tun_fd, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF");
	/* (the namespace is ours alone: ip(8) is the shortest way to set it up) */
	if (system("ip link set lo up && ip addr add 10.201.0.1/24 dev " TUN_NAME
		   " && ip link set " TUN_NAME " mtu 1500 txqueuelen 1000 up"
		   " && sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf." TUN_NAME
		   ".rp_filter=0") != 0) {
		fprintf(stderr, "bench-esp: ip(8) could not set up %s\n", TUN_NAME);
		exit(1);
	}
	gen_fd = udp_socket("10.201.0.1", 5000, "10.201.0.9", 5001);
	wa_fd = udp_socket("127.0.0.1", 4500, "127.0.0.1", 4501);
	wb_fd = udp_socket("127.0.0.1", 4501, "127.0.0.1", 4500);
}

static void bufs_setup(void)
{
	unsigned i;

	for (i = 0; i < BATCH; i++) {
		out_p[i] = pkt_alloc();
		in_p[i] = pkt_alloc();
		if (!out_p[i] || !in_p[i])
			exit(1);
	}
}

static void bufs_free(void)
{
	unsigned i;

	for (i = 0; i < BATCH; i++) {
		pkt_free(out_p[i]);
		pkt_free(in_p[i]);
	}
	pkt_pool_drain();
}

static void esp_setup(void)
{
	static const struct esp_alg alg = { ESP_ENC_AES_CBC, 16, ESP_INTEG_HMAC_SHA1_96 };
	uint8_t keymat[ESP_KEYMAT_MAX];
	size_t klen = esp_keymat_len(&alg);
	char *err = NULL;

	if (wv_crypto_init(&err) < 0) {
		fprintf(stderr, "bench-esp: %s\n", err ? err : "OpenSSL failed");
		exit(1);
	}
	if (!klen || wv_random(keymat, klen) < 0)
		exit(1);
	sa_out = esp_sa_new(&alg, 0x1000abcd, keymat, klen, true);
	sa_in = esp_sa_new(&alg, 0x1000abcd, keymat, klen, false);
	wv_wipe(keymat, sizeof(keymat));
	if (!sa_out || !sa_in) {
		fprintf(stderr, "bench-esp: esp_sa_new failed\n");
		exit(1);
	}
}

/* [out] for one packet: the engine's framing and ESP. */
static int esp_out(struct pkt *p)
{
	const struct in_addr src = { htonl(0x0a620401) }, dst = { htonl(0x0a620402) };
	uint8_t *h = pkt_push(p, FRAMING);

	if (!h)
		return -ENOSPC;
	memset(h, 0, FRAMING);
	h[1] = 0x02;                        /* L2TP version 2, data */
	h[6] = 0xff, h[7] = 0x03, h[9] = 0x21;
	if (esp_udp_push(p, src, 1701, dst, 1701) < 0)
		return -ENOSPC;
	return esp_encap(sa_out, p, ESP_NEXT_UDP);
}

static int esp_in(struct pkt *p)
{
	uint16_t sp, dp;
	uint8_t nh;
	int r = esp_decap(sa_in, p, &nh);

	if (r < 0)
		return r;
	if (esp_udp_pull(p, &sp, &dp) < 0 || !pkt_pull(p, FRAMING))
		return -EBADMSG;
	return 0;
}

/* The answer the generator's socket accepts: addresses and ports swapped
 * (the checksums stay right: they are sums). */
static void swap_ends(struct pkt *p)
{
	uint8_t t[4], *ip = p->data;
	size_t ihl;

	if (p->len < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (size_t)(ip[0] & 15) * 4;
	memcpy(t, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, t, 4);
	if (p->len >= ihl + 8) {
		memcpy(t, ip + ihl, 2);
		memcpy(ip + ihl, ip + ihl + 2, 2);
		memcpy(ip + ihl + 2, t, 2);
	}
}

static unsigned gen_send(unsigned n)
{
	static uint8_t payload[UDP_PAYLOAD];
	struct mmsghdr mm[BATCH];
	struct iovec iov = { payload, sizeof(payload) };
	unsigned i;
	int r;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = sendmmsg(gen_fd, mm, n, MSG_DONTWAIT);
	return r > 0 ? (unsigned)r : 0;
}

static unsigned sink_recv(void)
{
	static uint8_t bufs[BATCH][IPLEN];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	unsigned i;
	int r;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = recvmmsg(gen_fd, mm, BATCH, MSG_DONTWAIT, NULL);
	return r > 0 ? (unsigned)r : 0;
}

/* [out]: TUN -> (ESP) -> UDP.  Returns the datagrams sent. */
static unsigned fwd_out(enum mode m)
{
	unsigned i, k = 0;
	int n = wv_batch_tun_read(tun_fd, out_p, BATCH);

	if (n <= 0)
		return 0;
	for (i = 0; i < (unsigned)n; i++) {
		if (mode_esp(m) && esp_out(out_p[i]) < 0)
			continue;
		if (i != k) {            /* keep every buffer in the array */
			struct pkt *t = out_p[k];

			out_p[k] = out_p[i];
			out_p[i] = t;
		}
		k++;
	}
	if (mode_single(m)) {
		unsigned sent = 0;

		for (i = 0; i < k; i++)
			if (send(wa_fd, out_p[i]->data, out_p[i]->len, MSG_DONTWAIT) >= 0)
				sent++;
		return sent;
	}
	n = wv_batch_udp_send(wa_fd, out_p, k, NULL, 0);
	return n > 0 ? (unsigned)n : 0;
}

/* [in]: UDP -> (ESP) -> TUN.  Returns the packets written. */
static unsigned fwd_in(enum mode m)
{
	struct pkt *ok[BATCH];
	unsigned i, k = 0;
	int n;

	if (mode_single(m)) {
		for (n = 0; n < BATCH; n++) {
			ssize_t r;

			in_p[n]->data = in_p[n]->buf + PKT_HEADROOM;
			r = recv(wb_fd, in_p[n]->data, PKT_DATA_MAX, MSG_DONTWAIT);
			if (r < 0)
				break;
			in_p[n]->len = (size_t)r;
		}
	} else {
		n = wv_batch_udp_recv(wb_fd, in_p, BATCH);
	}
	if (n <= 0)
		return 0;
	for (i = 0; i < (unsigned)n; i++) {
		if (mode_esp(m) && esp_in(in_p[i]) < 0)
			continue;
		swap_ends(in_p[i]);
		ok[k++] = in_p[i];
	}
	n = wv_batch_tun_write(tun_fd, ok, k);
	return n > 0 ? (unsigned)n : 0;
}

static void drain(void)
{
	while (sink_recv() || wv_batch_udp_recv(wb_fd, in_p, BATCH) > 0 ||
	       wv_batch_tun_read(tun_fd, out_p, BATCH) > 0)
		;
}

static struct result run(enum mode m, unsigned long packets)
{
	struct result r = { 0 };
	unsigned long sent = 0, got = 0;
	double t0, c0, t, idle_since = 0;

	drain();
	c0 = cpu_s();
	t0 = now_s();
	while (got < packets) {
		unsigned moved = 0;

		if (sent < packets && sent - got < WINDOW) {
			unsigned n = (unsigned)MIN((unsigned long)BATCH, packets - sent);

			n = gen_send(n);
			sent += n;
			moved += n;
		}
		t = now_s();
		moved += fwd_out(m);
		moved += fwd_in(m);
		r.fwd += now_s() - t;
		{
			unsigned n = sink_recv();

			got += n;
			moved += n;
		}
		if (moved) {
			idle_since = 0;
			continue;
		}
		/* Nothing moved: something was lost (or the kernel is behind). */
		if (!idle_since)
			idle_since = now_s();
		else if (now_s() - idle_since > 0.2) {
			r.lost += sent - got;
			got = sent;         /* give up on those, go on */
			idle_since = 0;
		}
	}
	r.wall = now_s() - t0;
	r.cpu = cpu_s() - c0;
	r.delivered = packets - r.lost;
	return r;
}

/* ---- fixed-rate runs (the CPU comparison) ------------------------------------- */

static volatile sig_atomic_t stop_flag;

static void on_term(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The forwarder as its own process: poll, then move everything queued. */
static void forwarder_loop(enum mode m)
{
	struct sigaction sa = { .sa_handler = on_term };
	struct pollfd pf[2] = { { .fd = tun_fd, .events = POLLIN }, { .fd = wb_fd, .events = POLLIN } };

	sigaction(SIGTERM, &sa, NULL);
	while (!stop_flag) {
		unsigned moved;

		if (poll(pf, 2, 100) < 0 && errno != EINTR)
			break;
		do
			moved = fwd_out(m) + fwd_in(m);
		while (moved && !stop_flag);
	}
}

static void sleep_until(double t)
{
	struct timespec ts;
	double d = t - now_s();

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Offers rate datagrams/s on fd for secs; calls sink() between bursts. */
static unsigned long paced_send(int fd, double rate, double secs, unsigned long *sunk,
				unsigned (*sink)(void))
{
	static uint8_t payload[UDP_PAYLOAD];
	struct mmsghdr mm[16];
	struct iovec iov = { payload, sizeof(payload) };
	unsigned long sent = 0, total = (unsigned long)(rate * secs);
	double t0 = now_s();
	unsigned i;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < ARRAY_SIZE(mm); i++) {
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < total) {
		unsigned n = (unsigned)MIN((unsigned long)ARRAY_SIZE(mm), total - sent);
		int r;

		sleep_until(t0 + (double)sent / rate);
		r = sendmmsg(fd, mm, n, 0);
		/* a full queue drops, as the network would */
		sent += n;
		(void)r;
		if (sink)
			*sunk += sink();
	}
	return sent;
}

static int cmd_cpu(int argc, char **argv)
{
	enum mode m = argc > 2 && strcmp(argv[2], "null") == 0 ? M_NULL : M_ESP;
	double rate = argc > 3 ? strtod(argv[3], NULL) : 20000;
	double secs = argc > 4 ? strtod(argv[4], NULL) : 5;
	unsigned long sunk = 0;
	struct rusage ru;
	double t;
	pid_t pid;
	int st;

	if (rate <= 0 || secs <= 0) {
		fprintf(stderr, "usage: bench-esp cpu esp|null RATE SECONDS\n");
		return 2;
	}
	esp_setup();
	net_setup();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		bufs_setup();
		forwarder_loop(m);
		bufs_free();
		_exit(0);
	}
	paced_send(gen_fd, rate, secs, &sunk, sink_recv);
	t = now_s();
	while (now_s() - t < 0.5) {
		unsigned n = sink_recv();

		sunk += n;
		if (!n)
			usleep(1000);
	}
	kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("cpu %.3f delivered %lu %lu\n",
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
	       sunk, sunk * IPLEN);
	esp_sa_free(sa_out);
	esp_sa_free(sa_in);
	return 0;
}

static int plain_socket(const char *addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int sz = 8 << 20;

	if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	return fd;
}

static int cmd_gen(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	if (argc < 6 || inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: bench-esp gen ADDR PORT RATE SECONDS\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[3]));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	printf("sent %lu\n", paced_send(fd, strtod(argv[4], NULL), strtod(argv[5], NULL), NULL,
					NULL));
	return 0;
}

static int cmd_sink(int argc, char **argv)
{
	static uint8_t buf[65536];
	unsigned long n = 0, bytes = 0;
	double limit, last = 0;
	int fd;

	if (argc < 5) {
		fprintf(stderr, "usage: bench-esp sink ADDR PORT SECONDS\n");
		return 2;
	}
	fd = plain_socket(argv[2], (uint16_t)atoi(argv[3]));
	limit = now_s() + strtod(argv[4], NULL);
	printf("listening\n");
	fflush(stdout);
	/* until the time is up, or 1 s after the last datagram */
	while (now_s() < limit && (!last || now_s() - last < 1.0)) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };

		if (poll(&pf, 1, 100) <= 0)
			continue;
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
			n++;
			last = now_s();
		}
	}
	bytes = n * IPLEN;
	printf("received %lu %lu\n", n, bytes);
	return 0;
}

/* Encap + decap in memory: the ceiling without any system call. */
static double crypto_only(unsigned long packets)
{
	struct pkt *p = pkt_alloc();
	unsigned long i;
	double t0;

	if (!p)
		exit(1);
	t0 = now_s();
	for (i = 0; i < packets; i++) {
		p->data = p->buf + PKT_HEADROOM;
		p->len = IPLEN;
		if (esp_out(p) < 0 || esp_in(p) < 0) {
			fprintf(stderr, "bench-esp: in-memory encap/decap failed\n");
			exit(1);
		}
	}
	t0 = now_s() - t0;
	pkt_free(p);
	return t0;
}

int main(int argc, char **argv)
{
	unsigned long packets = argc > 1 ? strtoul(argv[1], NULL, 10) : DEF_PACKETS;
	unsigned runs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : DEF_RUNS;
	double pps[M_COUNT][16], fwd[M_COUNT][16], cpu[M_COUNT][16], c[16];
	double med_pps[M_COUNT], med_fwd[M_COUNT], med_cpu[M_COUNT], cm;
	unsigned long lost[M_COUNT] = { 0 };
	unsigned i, m;

	if (argc > 1 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc, argv);
	if (argc > 1 && strcmp(argv[1], "sink") == 0)
		return cmd_sink(argc, argv);
	if (argc > 1 && strcmp(argv[1], "cpu") == 0) {
		if (geteuid() != 0)
			return 77;
		setvbuf(stdout, NULL, _IOLBF, 0);
		return cmd_cpu(argc, argv);
	}
	if (!packets || !runs || runs > 16) {
		fprintf(stderr, "usage: bench-esp [packets-per-run [runs <= 16]]\n");
		return 2;
	}
	if (geteuid() != 0) {
		printf("bench-esp: skipped (needs root for a network namespace and a TUN device)\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	esp_setup();
	net_setup();
	bufs_setup();
	printf("   %lu IP datagrams of %u octets per run, median of %u runs; AES_CBC_128/HMAC_SHA1_96,"
	       " batch %u\n", packets, IPLEN, runs, BATCH);
	for (i = 0; i < runs; i++) {
		for (m = 0; m < M_COUNT; m++) {
			struct result r = run((enum mode)m, packets);

			pps[m][i] = (double)r.delivered / r.wall;
			fwd[m][i] = r.fwd / (double)r.delivered * 1e6;
			cpu[m][i] = r.cpu / (double)r.delivered * 1e6;
			lost[m] += r.lost;
		}
		c[i] = crypto_only(packets / 4) / (double)(packets / 4) * 1e6;
	}
	for (m = 0; m < M_COUNT; m++) {
		med_pps[m] = median(pps[m], runs);
		med_fwd[m] = median(fwd[m], runs);
		med_cpu[m] = median(cpu[m], runs);
	}
	cm = median(c, runs);
	printf("   %-11s %10s %9s %15s %13s %6s\n", "mode", "packets/s", "MB/s", "forwarder us/pkt",
	       "CPU us/pkt", "lost");
	for (m = 0; m < M_COUNT; m++)
		printf("   %-11s %10.0f %9.1f %15.2f %13.2f %6lu\n", mode_names[m], med_pps[m],
		       med_pps[m] * IPLEN / 1e6, med_fwd[m], med_cpu[m], lost[m]);
	printf("   crypto only (encap + decap in memory): %.2f us/pkt, %.0f packets/s, %.1f MB/s\n",
	       cm, 1e6 / cm, 1e6 / cm * IPLEN / 1e6);
	printf("   ratio esp / null, end-to-end packets/s: %.2f (baseline null %.0f/s, goal >= 0.8)\n",
	       med_pps[M_ESP] / med_pps[M_NULL], med_pps[M_NULL]);
	/* CPU time does not count the waits for a core the machine gives to
	 * others: the steadier figure on a busy machine */
	printf("   ratio esp / null, packets per CPU second: %.2f (null %.2f us, esp %.2f us of CPU "
	       "per packet)\n", med_cpu[M_NULL] / med_cpu[M_ESP], med_cpu[M_NULL], med_cpu[M_ESP]);
	printf("   ratio esp / null, forwarder time per packet: %.2f (null %.2f us, esp %.2f us)\n",
	       med_fwd[M_NULL] / med_fwd[M_ESP], med_fwd[M_NULL], med_fwd[M_ESP]);
	printf("   ratio batched / one send+recv per datagram, packets/s: esp %.2f, null %.2f\n",
	       med_pps[M_ESP] / med_pps[M_ESP_SINGLE], med_pps[M_NULL] / med_pps[M_NULL_SINGLE]);
	esp_sa_free(sa_out);
	esp_sa_free(sa_in);
	bufs_free();
	return 0;
}
