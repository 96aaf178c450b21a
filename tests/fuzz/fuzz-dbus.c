/* fuzz-dbus.c -- arbitrary bytes as what the system bus sends the CLI
 * (client/cli/dbus.c): framed as sleep.c frames them, then parsed. */
#include "wv.h"

#include "cli/dbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbus_msg m;
	long len;

	while ((len = dbus_msg_length(data, size)) > 0 && (size_t)len <= size) {
		if (dbus_msg_parse(data, (size_t)len, &m) == 0) {
			/* every string is inside the message and terminated there */
			volatile size_t n = strlen(m.path) + strlen(m.interface) + strlen(m.member) +
					    strlen(m.error_name) + strlen(m.sender) +
					    strlen(m.signature) + strlen(m.str);
			(void)n;
		}
		data += len;
		size -= (size_t)len;
	}
	return 0;
}
