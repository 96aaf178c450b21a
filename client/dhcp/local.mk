# DHCPINFORM over the PPP link after IPCP (windows-interop.md §5): the
# message builder and DHCPACK parser, and the retrying exchange.
client_libwinvpn_a_SOURCES += \
	%reldir%/dhcp.h \
	%reldir%/dhcp-msg.c \
	%reldir%/dhcp-inform.c

DHCP_TESTS = \
	tests/unit/test-dhcp-msg \
	tests/unit/test-dhcp-inform
check_PROGRAMS += $(DHCP_TESTS)
TESTS += $(DHCP_TESTS)
tests_unit_test_dhcp_msg_SOURCES = tests/unit/test-dhcp-msg.c
tests_unit_test_dhcp_inform_SOURCES = tests/unit/test-dhcp-inform.c

# Fuzz target: a received IP packet through the parser and the exchange.
check_PROGRAMS += tests/fuzz/fuzz-dhcp
FUZZ_TARGETS += tests/fuzz/fuzz-dhcp
tests_fuzz_fuzz_dhcp_SOURCES = tests/fuzz/fuzz-dhcp.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_dhcp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# The session's glue (client/session-dhcp.c) and the CLI's vpnc-script
# environment (client/cli/script.c, run against a recording script).
SDHCP_TESTS = \
	tests/unit/test-session-dhcp \
	tests/unit/test-script-env
check_PROGRAMS += $(SDHCP_TESTS)
TESTS += $(SDHCP_TESTS)
tests_unit_test_session_dhcp_SOURCES = tests/unit/test-session-dhcp.c
tests_unit_test_script_env_SOURCES = tests/unit/test-script-env.c client/cli/script.c

# Fuzz target: the routes setting and a delivered packet through the session glue.
check_PROGRAMS += tests/fuzz/fuzz-session-dhcp
FUZZ_TARGETS += tests/fuzz/fuzz-session-dhcp
tests_fuzz_fuzz_session_dhcp_SOURCES = tests/fuzz/fuzz-session-dhcp.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_session_dhcp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
