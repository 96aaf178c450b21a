# The PPP core: the RFC 1661 automaton, LCP, IPCP, CCP, and the engine that
# ties them to the link and the authentication methods (auth.mk).
client_libwinvpn_a_SOURCES += \
	%reldir%/ppp.c %reldir%/ppp.h %reldir%/ppp-int.h \
	%reldir%/fsm.c %reldir%/fsm.h \
	%reldir%/lcp.c \
	%reldir%/ipcp.c \
	%reldir%/ipv6cp.c \
	%reldir%/ccp.c

check_PROGRAMS += tests/unit/test-fsm tests/unit/test-ppp-exchange
TESTS += tests/unit/test-fsm tests/unit/test-ppp-exchange
tests_unit_test_ppp_exchange_SOURCES = tests/unit/test-ppp-exchange.c

check_PROGRAMS += tests/unit/test-ipv6cp
TESTS += tests/unit/test-ipv6cp

check_PROGRAMS += tests/fuzz/fuzz-lcp tests/fuzz/fuzz-ipcp tests/fuzz/fuzz-ccp
FUZZ_TARGETS += tests/fuzz/fuzz-lcp tests/fuzz/fuzz-ipcp tests/fuzz/fuzz-ccp
tests_fuzz_fuzz_lcp_SOURCES = tests/fuzz/fuzz-lcp.c tests/fuzz/fuzz-ppp.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_lcp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_ipcp_SOURCES = tests/fuzz/fuzz-ipcp.c tests/fuzz/fuzz-ppp.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_ipcp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_ccp_SOURCES = tests/fuzz/fuzz-ccp.c tests/fuzz/fuzz-ppp.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_ccp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
check_PROGRAMS += tests/fuzz/fuzz-ipv6cp
FUZZ_TARGETS += tests/fuzz/fuzz-ipv6cp
tests_fuzz_fuzz_ipv6cp_SOURCES = tests/fuzz/fuzz-ipv6cp.c tests/fuzz/fuzz-ppp.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_ipv6cp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
