# IPsec for L2TP/IPsec (RFC 3193): IKEv1 Main Mode (PSK) + Quick Mode with
# NAT-T, and ESP in transport mode (raw or UDP-encapsulated), all in userspace.
# The session uses ipsec.h only; ike-int.h is for these files and the tests.
client_libwinvpn_a_SOURCES += \
	%reldir%/ipsec.h %reldir%/ike-int.h \
	%reldir%/ike-payload.c %reldir%/ike-payload.h \
	%reldir%/ike-keymat.c %reldir%/ike-keymat.h \
	%reldir%/esp.c %reldir%/esp.h \
	%reldir%/ike.c \
	%reldir%/ike-main-mode.c \
	%reldir%/ike-quick-mode.c \
	%reldir%/ike-natt.c \
	%reldir%/ike-info.c \
	%reldir%/ike-rekey.c \
	%reldir%/ike-cert.c \
	%reldir%/ike-proposal.c

# Unit tests on RFC vectors and known answers, and the in-process exchange
# test against a scripted responder (test-ike-responder.h).
IPSEC_TESTS = \
	tests/unit/test-ike-payload \
	tests/unit/test-ike-keymat \
	tests/unit/test-esp \
	tests/unit/test-ike-proposal \
	tests/unit/test-ike-exchange
check_PROGRAMS += $(IPSEC_TESTS)
TESTS += $(IPSEC_TESTS)
tests_unit_test_ike_payload_SOURCES = tests/unit/test-ike-payload.c
tests_unit_test_ike_keymat_SOURCES = tests/unit/test-ike-keymat.c
tests_unit_test_esp_SOURCES = tests/unit/test-esp.c
tests_unit_test_ike_proposal_SOURCES = tests/unit/test-ike-proposal.c
tests_unit_test_ike_exchange_SOURCES = \
	tests/unit/test-ike-exchange.c tests/unit/test-ike-responder.h

# Interop with a real strongSwan responder (tests/lab/strongswan.sh, which
# tests/local.mk already ships with tests/lab); needs root and network
# namespaces, skips (77) otherwise.
check_PROGRAMS += tests/unit/test-ike-strongswan
TESTS += tests/unit/test-ike-strongswan
tests_unit_test_ike_strongswan_SOURCES = tests/unit/test-ike-strongswan.c

# Fuzz targets: a received ISAKMP message through the parser and the
# initiator's process steps; a received ESP / UDP 4500 packet through the
# decapsulation path.  Seed corpora in tests/fuzz/corpus/fuzz-{ike,esp}/.
check_PROGRAMS += tests/fuzz/fuzz-ike tests/fuzz/fuzz-esp
FUZZ_TARGETS += tests/fuzz/fuzz-ike tests/fuzz/fuzz-esp
tests_fuzz_fuzz_ike_SOURCES = \
	tests/fuzz/fuzz-ike.c tests/unit/test-ike-responder.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_ike_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_esp_SOURCES = \
	tests/fuzz/fuzz-esp.c tests/unit/test-ike-responder.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_esp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
