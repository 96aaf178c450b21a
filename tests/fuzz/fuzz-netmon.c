/* fuzz-netmon.c -- arbitrary bytes as the kernel's answer to the network
 * monitor's route lookup (one netlink datagram), for sequence 1 and 0. */
#include "wv.h"

#include <stdlib.h>

#include "netmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The kernel's datagrams are 4-aligned; so is this copy. */
	uint32_t *buf = malloc(size + 4);
	int oif = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	(void)wv_netmon_parse_route_reply((const uint8_t *)buf, size, 1, &oif);
	(void)wv_netmon_parse_route_reply((const uint8_t *)buf, size, 0, &oif);
	free(buf);
	return 0;
}
