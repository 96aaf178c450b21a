/* fuzz-ccp.c -- arbitrary CCP packets (or whole frames, MPPE data included)
 * into ppp_input() of a client negotiating MPPE: the gateway's option 18
 * and others, its Nak and Reject of ours, Reset-Request/Ack, and with the
 * raw bit encrypted frames once MPPE is up.  See fuzz-ppp.h for the format.
 *
 * There is no MS-CHAP exchange here: the gateway asks for MS-CHAPv2 and the
 * method reports success with fixed MPPE keys (ppp_auth_success()), so CCP
 * starts the way it does after a real login.
 * Selector: bits 0-1 the settings, bit 2 MPPE brought up (128-bit stateless,
 * or stateful with bit 3), bit 7 raw frames. */
#include "fuzz-ppp.h"
#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mschapv2[] = { 3, 5, 0xc2, 0x23, 0x81, 5, 6, 1, 2, 3, 4 };
	struct mppe_keys keys;
	static bool crypto_done;
	uint8_t mppe[6] = { 18, 6, 1, 0, 0, 0x40 };
	struct ppp_config c;
	struct ppp *ppp;
	uint8_t sel;

	if (size < 1)
		return 0;
	if (!crypto_done) {
		char *err = NULL;
		crypto_done = true;
		if (wv_crypto_init(&err) < 0)
			free(err);     /* MPPE then fails to start: still a path */
	}
	sel = data[0];
	fz_config(&c);
	switch (sel & 3) {
	case 1:
		c.require_mppe_128 = true;
		break;
	case 2:
		c.require_mppe_40 = true;
		break;
	case 3:
		c.require_mppe = true;
		c.mppe_stateful = true;
		break;
	default:
		break;
	}
	ppp = fz_new(&c);
	fz_lcp_up(ppp, mschapv2, sizeof(mschapv2));
	memset(keys.send, 0x5a, sizeof(keys.send));
	memset(keys.recv, 0xa5, sizeof(keys.recv));
	keys.valid = true;
	ppp_auth_success(ppp, &keys);
	if (sel & 4) {
		if (sel & 8)
			mppe[2] = 0;
		if ((sel & 3) == 2)
			mppe[5] = 0x20;
		fz_cp(ppp, PPP_CCP, 1, 0x63, mppe, sizeof(mppe));
		fz_ack(ppp, PPP_CCP);
		fz_ipcp_up(ppp);
	}
	fz_run(ppp, PPP_CCP, data + 1, size - 1, (sel & FUZZ_RAW) != 0);
	fz_done(ppp);
	return 0;
}
