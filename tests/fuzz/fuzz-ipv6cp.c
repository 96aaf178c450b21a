/* fuzz-ipv6cp.c -- arbitrary IPV6CP packets (or whole frames) into
 * ppp_input() of a client whose IPV6CP is negotiating next to IPCP (ipv6=yes):
 * the option walks of the gateway's request (Interface-Identifier,
 * compression, collisions) and of its Nak and Reject of ours, Protocol-Reject
 * by LCP, and IPv6 datagrams.  See fuzz-ppp.h for the format.
 *
 * Selector: bit 0 IPCP up first (Running: IPV6CP's opening is reported),
 * bit 1 the link goes down at the end, bit 2 ipv6=no (the gateway's IPV6CP
 * gets Protocol-Reject), bit 7 raw frames. */
#include "fuzz-ppp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t no_auth[] = { 5, 6, 1, 2, 3, 4, 7, 2, 8, 2 };
	struct ppp_config c;
	struct ppp *ppp;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	fz_config(&c);
	c.ipv6 = (sel & 4) == 0;
	ppp = fz_new(&c);
	fz_lcp_up(ppp, no_auth, sizeof(no_auth));
	if (sel & 1)
		fz_ipcp_up(ppp);
	fz_run(ppp, PPP_IPV6CP, data + 1, size - 1, (sel & FUZZ_RAW) != 0);
	if (sel & 2)
		ppp_lower_down(ppp);
	fz_done(ppp);
	return 0;
}
