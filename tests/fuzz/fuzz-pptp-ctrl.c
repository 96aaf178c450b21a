/* fuzz-pptp-ctrl.c -- arbitrary bytes as the TCP stream from a PPTP gateway,
 * through framing, the message decoder and the control state machine.
 *
 * The client is attached to one end of a socketpair (its replies go there),
 * waits for the Start-Control-Connection-Reply and has call id 0x1234, so a
 * seed that is a real reply stream reaches every state.  Each input runs
 * twice: in one piece, and cut into small chunks (messages split across
 * reads).  Then the clock jumps to fire the echo and teardown timers. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "pptp/pptp-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fuzz_clock;

static uint64_t fuzz_now(void *arg)
{
	return fuzz_clock;
}

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static void fuzz_established(void *arg, uint16_t call_id, uint16_t peer_call_id)
{
}

static void fuzz_down(void *arg, enum wv_fail why, const char *msg)
{
	/* A sentence, always. */
	if (!msg || !msg[0])
		abort();
}

static const struct pptp_ctrl_events fuzz_ev = {
	.established = fuzz_established,
	.down = fuzz_down,
};

static void fuzz_run(struct wv_loop *loop, const uint8_t *data, size_t size, size_t chunk)
{
	/* TRACE: the hex dumps and every log line's formatting run too. */
	static const struct wv_log log = { .fn = fuzz_log, .level = WV_LOG_TRACE };
	struct pptp_config cfg = { .port = 1723, .hostname = "fuzz", .connect_timeout_ms = 10000 };
	struct pptp_ctrl *c;
	size_t off;
	int sv[2], i;

	cfg.gateway.s_addr = htonl(INADDR_LOOPBACK);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	c = pptp_ctrl_new(loop, &log, &cfg, &fuzz_ev, NULL);
	if (!c || pptp_ctrl_attach(c, sv[0]) < 0) {
		pptp_ctrl_free(c);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	pptp_ctrl_set_call_id(c, 0x1234);
	for (off = 0; off < size; off += chunk)
		pptp_ctrl_input(c, data + off, MIN(chunk, size - off));
	for (i = 0; i < 3; i++) {
		fuzz_clock += PPTP_ECHO_IDLE_MS;
		wv_loop_run_timers(loop);
		if (i == 0)
			pptp_ctrl_stop(c);
	}
	pptp_ctrl_free(c);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wv_loop *loop;

	if (!loop) {
		loop = wv_loop_new();
		if (!loop)
			abort();
		wv_loop_set_clock(loop, fuzz_now, NULL);
	}
	fuzz_run(loop, data, size, size ? size : 1);
	fuzz_run(loop, data, size, 1 + size % 13);
	return 0;
}
