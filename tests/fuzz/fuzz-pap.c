/* fuzz-pap.c -- arbitrary packets into the PAP client: Authenticate-Ack/Nak
 * parsing, Identifier matching and the retransmission timer.
 *
 * Input: one selector octet, then packets as [length: 2 octets BE][octets].
 * Selector bit 0 adds a domain; bit 1 lets 3 s pass (a retransmission, and
 * after ten the give-up) before each packet, on a fake clock. */
#include "wv.h"

#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ppp/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ppp {
	struct ppp_config cfg;
	struct wv_log log;
	struct wv_loop *loop;
};

static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
	return fake_now;
}

const struct ppp_config *ppp_config(const struct ppp *ppp)
{
	return &ppp->cfg;
}

const struct wv_log *ppp_log(const struct ppp *ppp)
{
	return &ppp->log;
}

struct wv_loop *ppp_loop(const struct ppp *ppp)
{
	return ppp->loop;
}

int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	if (proto != PPP_PAP || len < 6 || load_be16(buf + 2) != len)
		abort();   /* we only ever send well-formed requests */
	return 0;
}

void ppp_auth_success(struct ppp *ppp, const struct mppe_keys *keys)
{
	if (keys)
		abort();   /* PAP has no keys */
}

void ppp_auth_failure(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	if (!msg || strlen(msg) > 1024)
		abort();
}

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wv_loop *loop;
	struct rd r = rd_init(data, size);
	struct auth_client *ac;
	struct ppp pp;
	uint8_t sel;

	if (!loop) {
		loop = wv_loop_new();
		if (!loop)
			abort();
		wv_loop_set_clock(loop, fake_clock, NULL);
	}
	sel = rd_u8(&r);
	if (!rd_ok(&r))
		return 0;
	memset(&pp, 0, sizeof(pp));
	pp.cfg.user = "alice";
	pp.cfg.password = "secret";
	pp.cfg.domain = (sel & 1) ? "CORP" : NULL;
	pp.log.fn = fuzz_log;
	pp.log.level = WV_LOG_TRACE;
	pp.loop = loop;

	ac = auth_client_new(&pp, PPP_PAP, 0);
	if (!ac)
		abort();
	auth_client_start(ac);
	while (rd_left(&r) >= 2) {
		size_t n = rd_be16(&r);
		const uint8_t *pkt;
		uint8_t *copy;

		if (sel & 2) {
			fake_now += 3000;
			wv_loop_run_timers(loop);
		}
		n = MIN(n, rd_left(&r));
		pkt = rd_bytes(&r, n);
		/* an exact-size heap copy, so ASan catches any over-read */
		copy = malloc(n ? n : 1);
		if (!copy)
			abort();
		memcpy(copy, pkt, n);
		auth_client_input(ac, copy, n);
		free(copy);
	}
	auth_client_free(ac);
	if (wv_loop_timeout(loop) != -1)
		abort();   /* the client left a timer armed */
	return 0;
}
