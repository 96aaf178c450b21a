# The winvpn command-line client.
sbin_PROGRAMS += client/winvpn
client_winvpn_SOURCES = \
	%reldir%/cli.h \
	%reldir%/main.c \
	%reldir%/cmd-connect.c \
	%reldir%/dbus.c \
	%reldir%/dbus.h \
	%reldir%/keys.c \
	%reldir%/script.c \
	%reldir%/secret.c \
	%reldir%/sleep.c

check_PROGRAMS += tests/unit/test-dbus tests/fuzz/fuzz-dbus
TESTS += tests/unit/test-dbus
tests_unit_test_dbus_SOURCES = tests/unit/test-dbus.c %reldir%/dbus.c %reldir%/dbus.h
FUZZ_TARGETS += tests/fuzz/fuzz-dbus
tests_fuzz_fuzz_dbus_SOURCES = tests/fuzz/fuzz-dbus.c %reldir%/dbus.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_dbus_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
