/* fuzz-mppe.c -- arbitrary received MPPE datagrams (RFC 3078 §3: the 2-octet
 * header with the A/D bits and the coherency count, then ciphertext) into
 * mppe_decrypt(), in every mode the engine negotiates.
 *
 * Input: one selector octet, then datagrams as [length: 2 octets BE][octets].
 * Selector bit 0: stateful (else stateless); bit 1: 40-bit (else 128-bit). */
#include "wv.h"

#include <stdlib.h>

#include "crypto.h"
#include "pkt.h"
#include "rd.h"
#include "ppp/mppe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[16] = "fuzz start key..";
	struct rd r = rd_init(data, size);
	struct mppe_dir rx;
	uint8_t sel = rd_u8(&r);

	if (!rd_ok(&r) || wv_crypto_init(NULL) < 0)
		return 0;
	memset(&rx, 0, sizeof(rx));
	if (mppe_dir_init(&rx, key, (sel & 2) ? 40 : 128, !(sel & 1)) < 0)
		return 0;
	while (rd_left(&r) >= 2) {
		uint16_t n = rd_be16(&r);
		const uint8_t *b = rd_bytes(&r, n);
		struct pkt *p;

		if (!b)
			break;
		p = pkt_from(b, n);
		if (!p)
			continue;
		if (mppe_decrypt(&rx, p) == MPPE_RX_OK && p->len > n)
			abort();   /* decryption never grows a datagram */
		pkt_free(p);
	}
	mppe_dir_clear(&rx);
	return 0;
}
