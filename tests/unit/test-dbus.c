/* test-dbus.c -- the CLI's D-Bus messages (client/cli/dbus.c): what it sends
 * reads back as the call it is, and what logind and the bus send parses to
 * the fields sleep.c acts on; broken messages are refused whole.  The
 * received messages were made by GLib's GDBusMessage (to_blob), so they are
 * another implementation's idea of the wire format, not ours. */
#include "wv.h"

#include <stdio.h>

#include "check.h"
#include "cli/dbus.h"

/* logind's PrepareForSleep(true) from ":1.5", serial 42 */
static const char prepare_le[] =
	"6c 04 01 01 04 00 00 00 2a 00 00 00 78 00 00 00 07 01 73 00 04 00 00 00 "
	"3a 31 2e 35 00 00 00 00 01 01 6f 00 17 00 00 00 2f 6f 72 67 2f 66 72 65 "
	"65 64 65 73 6b 74 6f 70 2f 6c 6f 67 69 6e 31 00 02 01 73 00 1e 00 00 00 "
	"6f 72 67 2e 66 72 65 65 64 65 73 6b 74 6f 70 2e 6c 6f 67 69 6e 31 2e 4d "
	"61 6e 61 67 65 72 00 00 08 01 67 00 01 62 00 00 03 01 73 00 0f 00 00 00 "
	"50 72 65 70 61 72 65 46 6f 72 53 6c 65 65 70 00 01 00 00 00";
static const char prepare_be[] =
	"42 04 01 01 00 00 00 04 00 00 00 2a 00 00 00 78 07 01 73 00 00 00 00 04 "
	"3a 31 2e 35 00 00 00 00 01 01 6f 00 00 00 00 17 2f 6f 72 67 2f 66 72 65 "
	"65 64 65 73 6b 74 6f 70 2f 6c 6f 67 69 6e 31 00 02 01 73 00 00 00 00 1e "
	"6f 72 67 2e 66 72 65 65 64 65 73 6b 74 6f 70 2e 6c 6f 67 69 6e 31 2e 4d "
	"61 6e 61 67 65 72 00 00 08 01 67 00 01 62 00 00 03 01 73 00 00 00 00 0f "
	"50 72 65 70 61 72 65 46 6f 72 53 6c 65 65 70 00 00 00 00 01";
/* the reply to our Inhibit (serial 7): "h" 0, with one descriptor */
static const char inhibit_ok[] =
	"6c 02 01 01 04 00 00 00 09 00 00 00 18 00 00 00 09 01 75 00 01 00 00 00 "
	"08 01 67 00 01 68 00 00 05 01 75 00 07 00 00 00 00 00 00 00";
/* ... or an error */
static const char inhibit_denied[] =
	"6c 03 01 01 16 00 00 00 0a 00 00 00 40 00 00 00 04 01 73 00 27 00 00 00 "
	"6f 72 67 2e 66 72 65 65 64 65 73 6b 74 6f 70 2e 44 42 75 73 2e 45 72 72 "
	"6f 72 2e 41 63 63 65 73 73 44 65 6e 69 65 64 00 08 01 67 00 01 73 00 00 "
	"05 01 75 00 07 00 00 00 11 00 00 00 50 65 72 6d 69 73 73 69 6f 6e 20 64 "
	"65 6e 69 65 64 00";

static size_t parse_hex(const char *hex, uint8_t *b, size_t cap, struct dbus_msg *m)
{
	size_t n = check_unhex(hex, b, cap);

	CHECK(dbus_msg_length(b, n) == (long)n);
	CHECK(dbus_msg_parse(b, n, m) == 0);
	return n;
}

/* A message to or from logind's manager object. */
static void check_login1(const struct dbus_msg *m, uint8_t type, uint32_t serial,
			 const char *member, const char *signature)
{
	CHECK(m->type == type && m->serial == serial);
	CHECK_STR(m->path, "/org/freedesktop/login1");
	CHECK_STR(m->interface, "org.freedesktop.login1.Manager");
	CHECK_STR(m->member, member);
	CHECK_STR(m->signature, signature);
}

static void test_signal(void)
{
	uint8_t b[512];
	struct dbus_msg m;
	size_t n = parse_hex(prepare_le, b, sizeof(b), &m);

	check_login1(&m, DBUS_SIGNAL, 42, "PrepareForSleep", "b");
	CHECK_STR(m.sender, ":1.5");
	CHECK(m.has_u32 && m.u32 == 1);
	CHECK(dbus_msg_length(b, 15) == 0);                /* not enough to tell */
	/* a boolean that is neither 0 nor 1 is not one */
	b[n - 4] = 2;
	CHECK(dbus_msg_parse(b, n, &m) < 0);
	b[n - 4] = 1;
	/* the path's length runs past the header fields */
	b[36] = 0x7f;
	CHECK(dbus_msg_parse(b, n, &m) < 0);
	b[36] = 0x17;
	/* the path without its NUL */
	b[63] = 'x';
	CHECK(dbus_msg_parse(b, n, &m) < 0);
	b[63] = 0;
	/* a header field of a type whose length we cannot know */
	b[18] = 'v';
	CHECK(dbus_msg_parse(b, n, &m) < 0);
	b[18] = 's';
	/* not D-Bus at all, or too long to take */
	b[0] = 'x';
	CHECK(dbus_msg_length(b, n) < 0);
	b[0] = 'l';
	b[6] = 0x10;                                       /* body length 1 MiB */
	CHECK(dbus_msg_length(b, n) < 0);
	b[6] = 0;
	CHECK(dbus_msg_parse(b, n - 1, &m) < 0);           /* length disagrees */
	CHECK(dbus_msg_parse(b, n, &m) == 0);

	parse_hex(prepare_be, b, sizeof(b), &m);
	check_login1(&m, DBUS_SIGNAL, 42, "PrepareForSleep", "b");
	CHECK(m.has_u32 && m.u32 == 1);
	CHECK_STR(m.sender, ":1.5");
}

static void test_replies(void)
{
	uint8_t b[512];
	struct dbus_msg m;

	parse_hex(inhibit_ok, b, sizeof(b), &m);
	CHECK(m.type == DBUS_METHOD_RETURN && m.reply_serial == 7 && m.unix_fds == 1);
	CHECK_STR(m.signature, "h");
	CHECK(m.has_u32 && m.u32 == 0);
	parse_hex(inhibit_denied, b, sizeof(b), &m);
	CHECK(m.type == DBUS_ERROR && m.reply_serial == 7);
	CHECK_STR(m.error_name, "org.freedesktop.DBus.Error.AccessDenied");
	CHECK_STR(m.str, "Permission denied");
}

/* What we send parses back: logind's Inhibit("sleep", ...), and Hello. */
static void test_call(void)
{
	static const char *const args[] = { "sleep", "winvpn", "Hang up first", "delay" };
	uint8_t b[1024];
	struct dbus_msg m;
	size_t n = dbus_build_call(b, sizeof(b), 7, "org.freedesktop.login1",
				   "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
				   "Inhibit", args, 4);

	CHECK(n > 16);
	CHECK(dbus_msg_length(b, n) == (long)n);
	CHECK(dbus_msg_parse(b, n, &m) == 0);
	check_login1(&m, DBUS_METHOD_CALL, 7, "Inhibit", "ssss");
	CHECK_STR(m.str, "sleep");
	CHECK(memmem(b, n, "Hang up first", 14) != NULL);
	/* no room: nothing half-written */
	CHECK(dbus_build_call(b, 60, 8, "org.freedesktop.login1", "/org/freedesktop/login1",
			      "org.freedesktop.login1.Manager", "Inhibit", args, 4) == 0);
	n = dbus_build_call(b, sizeof(b), 1, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			    "org.freedesktop.DBus", "Hello", NULL, 0);
	CHECK(n && dbus_msg_parse(b, n, &m) == 0 && m.signature[0] == '\0');
	CHECK_STR(m.member, "Hello");
}

int main(void)
{
	test_signal();
	test_replies();
	test_call();
	return check_done("test-dbus");
}
