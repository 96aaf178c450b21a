/* test-ike-strongswan.c -- our IKEv1 initiator against a real strongSwan
 * charon (tests/lab/strongswan.sh: kernel-libipsec responder in netns
 * wvsw-srv; we run in netns wvsw-cli), over real sockets:
 *
 *   1. Windows' default proposals: Main Mode with NAT-T (the responder claims
 *      NAT), Quick Mode for UDP 1701 in UDP-encapsulated transport mode; the
 *      IKE SA shows up in swanctl --list-sas and charon logs the ESP proposal
 *      it selected.  libipsec cannot install transport mode, so charon then
 *      deletes the CHILD_SA -- we must report that, or be stopped first.
 *   2. a wrong pre-shared key          -> WV_FAIL_AUTH
 *   3. IKE proposals charon refuses    -> WV_FAIL_PROPOSAL (Main Mode)
 *   4. ESP proposals charon refuses    -> WV_FAIL_PROPOSAL (Quick Mode)
 *   5. nothing listens on the port     -> WV_FAIL_UNREACHABLE at once
 *   6. the responder's child in tunnel mode -> refused traffic selectors
 *
 * Needs root and the lab (network namespaces, apt for strongSwan); exits 77
 * (skip) without them.  KEEP_LAB=1 leaves the responder running. */
#include "wv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"
#include "ipsec/ipsec.h"

#define GW      "10.99.7.2"
#define LAB_NS  "/var/run/netns/wvsw-cli"

static char lab[4096];

struct run {
	unsigned ups, downs;
	enum wv_fail why;
	char msg[600];
	bool sas_checked, sas_ok;
};

static int sh(const char *fmt, ...) WV_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == -1 ? -1 : WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

/* Output of a command (first cap-1 octets). */
static void sh_out(char *out, size_t cap, const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0;

	out[0] = 0;
	if (!f)
		return;
	n = fread(out, 1, cap - 1, f);
	out[n] = 0;
	pclose(f);
}

static long log_mark(void)
{
	char buf[64], cmd[4200];

	snprintf(cmd, sizeof(cmd), "bash %s mark", lab);
	sh_out(buf, sizeof(buf), cmd);
	return atol(buf);
}

/* Does charon's log since mark match the extended regex? */
static bool log_has(long mark, const char *ere)
{
	return sh("bash %s since %ld | grep -Eq -- '%s'", lab, mark, ere) == 0;
}

static void on_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
	fprintf(stderr, "  [%s] %s\n", subsys, msg);
}

static void ev_up(void *arg)
{
	struct run *r = arg;
	char out[8192], cmd[4200];

	r->ups++;
	/* While the SA is fresh: charon lists the IKE SA as established. */
	snprintf(cmd, sizeof(cmd), "bash %s sas 2>&1", lab);
	sh_out(out, sizeof(out), cmd);
	fprintf(stderr, "swanctl --list-sas:\n%s\n", out);
	r->sas_checked = true;
	r->sas_ok = strstr(out, "ESTABLISHED") && strstr(out, "IKEv1") &&
		    strstr(out, "10.99.7.1");
}

static void ev_recv(void *arg, struct pkt *p)
{
	pkt_free(p);
}

static void ev_down(void *arg, enum wv_fail why, const char *msg)
{
	struct run *r = arg;

	r->downs++;
	r->why = why;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

static const struct ipsec_events events = { ev_up, ev_recv, ev_down };

/* Runs one connection until down() or `up_then_ms` after up() (then stops
 * it) or the deadline. */
static void connect_once(struct run *r, const char *psk, const char *ike, const char *esp,
			 uint16_t port, unsigned up_then_ms)
{
	struct wv_log log = { .fn = on_log,
			      .level = getenv("IKE_TRACE") ? WV_LOG_TRACE : WV_LOG_DEBUG };
	struct ipsec_config cfg = { .psk = psk, .ike = ike, .esp = esp, .ike_port = port };
	struct wv_loop *loop = wv_loop_new();
	struct ipsec *ips;
	uint64_t deadline, up_at = 0;
	bool stopped = false;
	char *err = NULL;

	memset(r, 0, sizeof(*r));
	inet_pton(AF_INET, GW, &cfg.gateway);
	ips = ipsec_new(loop, &log, &cfg, &events, r, &err);
	CHECK(ips != NULL);
	if (!ips) {
		fprintf(stderr, "ipsec_new: %s\n", err);
		free(err);
		wv_loop_free(loop);
		return;
	}
	CHECK(ipsec_start(ips) == 0);
	deadline = wv_loop_now(loop) + 40000;
	while (!r->downs && wv_loop_now(loop) < deadline) {
		int t = wv_loop_timeout(loop);

		wv_loop_dispatch(loop, t < 0 || t > 100 ? 100 : t);
		if (r->ups && !up_at)
			up_at = wv_loop_now(loop);
		if (up_at && !stopped && wv_loop_now(loop) >= up_at + up_then_ms) {
			ipsec_stop(ips);
			stopped = true;
		}
	}
	CHECK(r->downs == 1);
	fprintf(stderr, "down: %s: %s\n", wv_fail_name(r->why), r->msg);
	/* let the Deletes reach charon */
	deadline = wv_loop_now(loop) + 300;
	while (wv_loop_now(loop) < deadline)
		wv_loop_dispatch(loop, 50);
	ipsec_free(ips);
	wv_loop_free(loop);
}

static int home_ns = -1;

static bool enter_client_ns(void)
{
	int fd = open(LAB_NS, O_RDONLY | O_CLOEXEC);
	bool ok;

	home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ok = fd >= 0 && home_ns >= 0 && setns(fd, CLONE_NEWNET) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Back home before the lab stops: it ends every process left in its
 * namespaces. */
static void leave_client_ns(void)
{
	if (home_ns >= 0 && setns(home_ns, CLONE_NEWNET) != 0)
		fprintf(stderr, "cannot return to the original network namespace: %s\n",
			strerror(errno));
	if (home_ns >= 0)
		close(home_ns);
	home_ns = -1;
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	struct run r;
	long mark;
	int rc;

	if (geteuid() != 0) {
		printf("SKIP: the strongSwan interop test needs root (network namespaces)\n");
		return 77;
	}
	snprintf(lab, sizeof(lab), "%s/tests/lab/strongswan.sh", top ? top : ".");
	if (access(lab, R_OK) != 0) {
		fprintf(stderr, "cannot find %s (set top_srcdir)\n", lab);
		return 1;
	}
	rc = sh("bash %s start transport", lab);
	if (rc == 77) {
		printf("SKIP: the strongSwan lab is not available here\n");
		return 77;
	}
	if (rc != 0) {
		fprintf(stderr, "FAIL: %s start: exit %d\n", lab, rc);
		return 1;
	}
	if (!enter_client_ns()) {
		fprintf(stderr, "FAIL: cannot enter %s: %s\n", LAB_NS, strerror(errno));
		return 1;
	}

	fprintf(stderr, "== 1. Windows' proposals, transport mode for UDP 1701\n");
	mark = log_mark();
	connect_once(&r, "testpsk", NULL, NULL, 0, 1500);
	CHECK(r.ups == 1);
	CHECK(r.sas_checked && r.sas_ok);
	/* libipsec cannot install transport mode: charon deletes the SA it agreed */
	CHECK(r.why == WV_FAIL_PEER_DEAD && strstr(r.msg, "deleted the IPsec SA"));
	CHECK(log_has(mark, "IPsec SA: unsupported mode"));
	CHECK(log_has(mark,
		      "IKE_SA l2tp\\[[0-9]+\\] established between "
		      "10\\.99\\.7\\.2.*10\\.99\\.7\\.1"));
	CHECK(log_has(mark,
		      "selected proposal: IKE:AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048"));
	CHECK(log_has(mark, "selected proposal: ESP:AES_CBC_256/HMAC_SHA1_96/NO_EXT_SEQ"));
	/* the responder claims NAT (encap = yes): we floated to 4500 */
	CHECK(log_has(mark, "faking NAT situation|host is behind NAT"));
	CHECK(log_has(mark, "parsed ID_PROT request 0 \\[ ID HASH N\\(INITIAL_CONTACT\\) \\]"));
	CHECK(log_has(mark,
		      "parsed QUICK_MODE request [0-9]+ \\[ HASH SA No ID ID NAT-OA NAT-OA \\]"));
	CHECK(log_has(mark, "from 10\\.99\\.7\\.1\\[4500\\]"));
	CHECK(log_has(mark, "received DELETE for IKE_SA|deleting IKE_SA"));

	fprintf(stderr, "== 2. wrong pre-shared key\n");
	mark = log_mark();
	connect_once(&r, "not-the-psk", NULL, NULL, 0, 0);
	CHECK(r.ups == 0 && r.why == WV_FAIL_AUTH);
	CHECK(strstr(r.msg, "pre-shared key") != NULL);

	fprintf(stderr, "== 3. IKE proposals charon does not accept\n");
	connect_once(&r, "testpsk", "aes256-sha512-modp4096,aes128-md5-modp1536", NULL, 0, 0);
	CHECK(r.ups == 0 && r.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(r.msg, "rejected all 2 IKE (Main Mode) proposals") != NULL);

	fprintf(stderr, "== 4. ESP proposals charon does not accept\n");
	connect_once(&r, "testpsk", NULL, "aes128gcm16", 0, 0);
	CHECK(r.ups == 0 && r.why == WV_FAIL_PROPOSAL);
	CHECK(strstr(r.msg, "ESP (Quick Mode)") != NULL);

	fprintf(stderr, "== 5. nothing listens on UDP 501\n");
	connect_once(&r, "testpsk", NULL, NULL, 501, 0);
	CHECK(r.why == WV_FAIL_UNREACHABLE && strstr(r.msg, "UDP 501"));

	fprintf(stderr, "== 6. the responder's L2TP child is in tunnel mode\n");
	if (sh("bash %s start tunnel", lab) == 0) {
		connect_once(&r, "testpsk", NULL, NULL, 0, 0);
		CHECK(r.ups == 0 && r.why == WV_FAIL_PROPOSAL);
		CHECK(strstr(r.msg, "transport mode") != NULL);
	} else {
		CHECK(!"reconfiguring the responder");
	}

	leave_client_ns();
	if (!getenv("KEEP_LAB"))
		sh("bash %s stop", lab);
	pkt_pool_drain();
	return check_done("test-ike-strongswan");
}
