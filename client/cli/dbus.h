/* dbus.h -- just enough of the D-Bus wire protocol for the CLI's word with
 * systemd-logind (sleep.c): method calls with string arguments out, and in
 * the header fields and a one-value body of whatever the bus sends.
 *
 * The parser is bounds-checked and has a fuzz target (tests/fuzz/fuzz-dbus.c):
 * the system bus is trusted, but a malformed message must still cost nothing
 * but itself.  Alignment is from the start of the message, as the
 * specification ("Message Format", marshalling) wants; both byte orders are
 * read, little-endian is written. */
#ifndef WV_CLI_DBUS_H
#define WV_CLI_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBUS_MSG_MAX 65536            /* we never need more; the spec allows 128 MiB */

enum dbus_type {
	DBUS_METHOD_CALL = 1,
	DBUS_METHOD_RETURN = 2,
	DBUS_ERROR = 3,
	DBUS_SIGNAL = 4,
};

/* A received message.  Strings point into the buffer (NUL-terminated there,
 * as the wire format has them) or are "" when absent. */
struct dbus_msg {
	uint8_t type;
	uint32_t serial, reply_serial;
	const char *path, *interface, *member, *error_name, *sender, *signature;
	uint32_t unix_fds;                /* descriptors that came with it */
	/* The first body value when the signature starts with b, u, h or s. */
	bool has_u32;
	uint32_t u32;                     /* b (0 or 1), u, h (an index into the fds) */
	const char *str;                  /* s */
};

/* How long the message at the start of buf is in all (0: more octets needed
 * to tell), or -1 when its fixed header is not D-Bus or it is too long. */
long dbus_msg_length(const uint8_t *buf, size_t len);
/* Parses one whole message (len as dbus_msg_length() said).  0 or -1. */
int dbus_msg_parse(const uint8_t *buf, size_t len, struct dbus_msg *m);

/* Builds a method call to dest/path/iface.member whose arguments are the
 * n_args strings (signature "s" repeated).  Returns its length, or 0 when it
 * does not fit in cap. */
size_t dbus_build_call(uint8_t *buf, size_t cap, uint32_t serial, const char *dest,
		       const char *path, const char *iface, const char *member,
		       const char *const *args, unsigned n_args);

#endif
