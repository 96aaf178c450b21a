# The engine (libwinvpn): core pieces; protocols add their own folders.
client_libwinvpn_a_SOURCES += \
	%reldir%/libwinvpn.h \
	%reldir%/wv.h \
	%reldir%/rd.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/loop.c %reldir%/loop.h \
	%reldir%/pkt.c %reldir%/pkt.h \
	%reldir%/link.h \
	%reldir%/crypto.c %reldir%/crypto.h \
	%reldir%/settings.c %reldir%/settings.h \
	%reldir%/fail.c \
	%reldir%/tun.c %reldir%/tun.h \
	%reldir%/resolve.c %reldir%/resolve.h \
	%reldir%/netmon.c %reldir%/netmon.h \
	%reldir%/csum.h \
	%reldir%/session.c %reldir%/session.h \
	%reldir%/session-dhcp.c %reldir%/session-dhcp.h

# IPv6 over the tunnel: RS/RA and SLAAC (ip6/), and the session's glue.
client_libwinvpn_a_SOURCES += \
	%reldir%/ip6/ra.c %reldir%/ip6/ra.h \
	%reldir%/session-ip6.c %reldir%/session-ip6.h
check_PROGRAMS += tests/unit/test-ra tests/fuzz/fuzz-ra
TESTS += tests/unit/test-ra
FUZZ_TARGETS += tests/fuzz/fuzz-ra
tests_fuzz_fuzz_ra_SOURCES = tests/fuzz/fuzz-ra.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_ra_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
# the IPv6 variables of the CLI's vpnc-script environment (client/cli/script.c)
check_PROGRAMS += tests/unit/test-script-env6
TESTS += tests/unit/test-script-env6
tests_unit_test_script_env6_SOURCES = tests/unit/test-script-env6.c client/cli/script.c

check_PROGRAMS += tests/unit/test-core tests/unit/test-netmon tests/fuzz/fuzz-netmon
TESTS += tests/unit/test-core tests/unit/test-netmon
FUZZ_TARGETS += tests/fuzz/fuzz-netmon
tests_fuzz_fuzz_netmon_SOURCES = tests/fuzz/fuzz-netmon.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_netmon_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# Position-independent: the NetworkManager editor plugin (ui/) links the engine
# into shared objects, in every build flavour (sanitizers included).
client_libwinvpn_a_CFLAGS = $(AM_CFLAGS) -fPIC
