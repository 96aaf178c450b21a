/* fuzz-chap.c -- arbitrary packets into the CHAP family clients (CHAP-MD5,
 * MS-CHAP, MS-CHAPv2): Challenge, Success and Failure parsing, the repeated
 * Challenge cache, MS-CHAPv2's S= check and Failure message parsing.
 *
 * Input: one selector octet, then packets as [length: 2 octets BE][octets].
 * Selector bits 0-1 pick the method (0 MD5, 1 MS-CHAP, else MS-CHAPv2); bit 2
 * adds a domain; bit 3 makes the harness an honest MS-CHAPv2 server: after
 * each new Response it sends the right "S=" (with the next packet's octets
 * as the M= text), so the success path and its keys run too. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "rd.h"
#include "ppp/auth.h"
#include "ppp/mschap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ppp {
	struct ppp_config cfg;
	struct wv_log log;
	uint8_t last[1024];
	size_t last_len;
	bool new_response;
	uint8_t chal[16];
	bool have_chal;
};

const struct ppp_config *ppp_config(const struct ppp *ppp)
{
	return &ppp->cfg;
}

const struct wv_log *ppp_log(const struct ppp *ppp)
{
	return &ppp->log;
}

/* A loop for the Response's resend timer; the fuzzer never runs its timers. */
struct wv_loop *ppp_loop(const struct ppp *ppp)
{
	static struct wv_loop *loop;

	(void)ppp;
	if (!loop)
		loop = wv_loop_new();
	return loop;
}

int ppp_send_ctrl(struct ppp *ppp, uint16_t proto, const uint8_t *buf, size_t len)
{
	if (proto != PPP_CHAP || len < 4 || load_be16(buf + 2) != len)
		abort();   /* we only ever send well-formed Responses */
	ppp->last_len = MIN(len, sizeof(ppp->last));
	memcpy(ppp->last, buf, ppp->last_len);
	ppp->new_response = true;
	return 0;
}

void ppp_auth_success(struct ppp *ppp, const struct mppe_keys *keys)
{
	volatile uint8_t sum = 0;
	size_t i;

	if (keys)
		for (i = 0; i < sizeof(keys->send); i++)
			sum ^= keys->send[i] ^ keys->recv[i];
	(void)sum;
}

void ppp_auth_failure(struct ppp *ppp, enum wv_fail why, const char *msg)
{
	if (!msg || strlen(msg) > 1024)
		abort();
}

static void fuzz_log(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg)
{
}

static void feed(struct auth_client *ac, const uint8_t *buf, size_t len)
{
	/* an exact-size heap copy, so ASan catches any over-read */
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	auth_client_input(ac, copy, len);
	free(copy);
}

/* The honest server's Success for our last MS-CHAPv2 Response. */
static void honest_success(struct ppp *pp, struct auth_client *ac, const uint8_t *text,
			   size_t tlen)
{
	uint8_t hash[16], hh[16], ar[20], pkt[4 + 42 + 3 + 256];
	const uint8_t *v = pp->last + 5;
	size_t i, len;

	if (pp->last_len < 5 + 49 || pp->last[4] != 49)
		return;
	if (mschap_nt_password_hash(pp->cfg.password, hash) ||
	    mschap_hash_nt_password_hash(hash, hh) ||
	    mschapv2_authenticator_response(hh, v + 24, v, pp->chal, pp->cfg.user, ar))
		return;
	pkt[0] = 3;
	pkt[1] = pp->last[1];
	memcpy(pkt + 4, "S=", 2);
	for (i = 0; i < 20; i++)
		snprintf((char *)pkt + 6 + 2 * i, 3, "%02X", ar[i]);
	memcpy(pkt + 46, " M=", 3);
	tlen = MIN(tlen, (size_t)256);
	memcpy(pkt + 49, text, tlen);
	len = 49 + tlen;
	store_be16(pkt + 2, (uint16_t)len);
	feed(ac, pkt, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t algos[] = { CHAP_MD5, CHAP_MSCHAP, CHAP_MSCHAPV2, CHAP_MSCHAPV2 };
	struct rd r = rd_init(data, size);
	struct auth_client *ac;
	struct ppp pp;
	uint8_t sel;

	sel = rd_u8(&r);
	if (!rd_ok(&r))
		return 0;
	memset(&pp, 0, sizeof(pp));
	pp.cfg.user = "User";
	pp.cfg.password = "clientPass";
	pp.cfg.domain = (sel & 4) ? "EXAMPLE" : NULL;
	pp.log.fn = fuzz_log;
	pp.log.level = WV_LOG_TRACE;

	ac = auth_client_new(&pp, PPP_CHAP, algos[sel & 3]);
	if (!ac)
		abort();
	auth_client_start(ac);
	while (rd_left(&r) >= 2) {
		size_t n = rd_be16(&r);
		const uint8_t *pkt;

		n = MIN(n, rd_left(&r));
		pkt = rd_bytes(&r, n);
		/* remember a well-formed MS-CHAPv2 challenge for the honest server */
		if (n >= 21 && pkt[0] == 1 && pkt[4] == 16 && load_be16(pkt + 2) >= 21 &&
		    load_be16(pkt + 2) <= n) {
			memcpy(pp.chal, pkt + 5, 16);
			pp.have_chal = true;
		}
		pp.new_response = false;
		feed(ac, pkt, n);
		if ((sel & 8) && (sel & 3) >= 2 && pp.new_response && pp.have_chal)
			honest_success(&pp, ac, r.p, rd_left(&r));
	}
	auth_client_free(ac);
	return 0;
}
