/* fuzz-lcp.c -- arbitrary LCP packets (or whole frames) into ppp_input() of a
 * client in the Establish, Authenticate or Running phase: the option walks of
 * Configure-Request/Ack/Nak/Reject, Echo, Protocol-Reject, Code-Reject,
 * Terminate, and the frame demultiplexer.  See fuzz-ppp.h for the format.
 *
 * Selector: bits 0-1 the settings, bits 2-3 the phase, bit 4 an orderly close
 * before the input, bit 7 raw frames. */
#include "fuzz-ppp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t no_auth[] = { 5, 6, 1, 2, 3, 4, 7, 2, 8, 2 };
	static const uint8_t pap[] = { 3, 4, 0xc0, 0x23, 5, 6, 1, 2, 3, 4 };
	static const uint8_t mschapv2[] = { 3, 5, 0xc2, 0x23, 0x81, 1, 4, 5, 0x78 };
	struct ppp_config c;
	struct ppp *ppp;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	fz_config(&c);
	switch (sel & 3) {
	case 1:
		c.refuse_pap = c.refuse_eap = c.refuse_chap = true;
		break;
	case 2:
		c.require_mppe_128 = true;
		break;
	case 3:
		c.mppe_possible = false;
		c.refuse_mschapv2 = true;
		c.mru = 1500;
		break;
	default:
		break;
	}
	ppp = fz_new(&c);
	switch ((sel >> 2) & 3) {
	case 1:
		fz_lcp_up(ppp, no_auth, sizeof(no_auth));
		fz_ipcp_up(ppp);
		break;
	case 2:
		fz_lcp_up(ppp, pap, sizeof(pap));
		break;
	case 3:
		fz_lcp_up(ppp, mschapv2, sizeof(mschapv2));
		break;
	default:
		break;
	}
	if (sel & 0x10)
		ppp_close(ppp, "fuzz");
	fz_run(ppp, PPP_LCP, data + 1, size - 1, (sel & FUZZ_RAW) != 0);
	fz_done(ppp);
	return 0;
}
