# Authentication as a client (PAP, CHAP-MD5, MS-CHAP v1/v2) and MPPE: the
# methods the PPP core calls through auth.h and mppe.h.  (crypto.c, which
# loads OpenSSL's legacy provider for MD4/DES/RC4, is listed in client/local.mk.)
client_libwinvpn_a_SOURCES += \
	%reldir%/auth.h %reldir%/auth-methods.h \
	%reldir%/pap.c \
	%reldir%/chap.c \
	%reldir%/mschap.c %reldir%/mschap.h \
	%reldir%/eap.c %reldir%/eap-tls.c %reldir%/eap.h \
	%reldir%/mppe.c %reldir%/mppe.h

# Unit tests: RFC 2759/2433/3079 vectors, MPPE keys and data path, and the
# CHAP/PAP clients against a scripted server (the PPP core is stubbed in each).
AUTH_TESTS = \
	tests/unit/test-mschap \
	tests/unit/test-mppe \
	tests/unit/test-chap \
	tests/unit/test-auth-pap \
	tests/unit/test-eap
check_PROGRAMS += $(AUTH_TESTS)
TESTS += $(AUTH_TESTS)
tests_unit_test_mschap_SOURCES = tests/unit/test-mschap.c
tests_unit_test_mppe_SOURCES = tests/unit/test-mppe.c
tests_unit_test_chap_SOURCES = tests/unit/test-chap.c
tests_unit_test_auth_pap_SOURCES = tests/unit/test-auth-pap.c
tests_unit_test_eap_SOURCES = tests/unit/test-eap.c

# Fuzz targets: CHAP-family and PAP packets as the server would send them.
check_PROGRAMS += tests/fuzz/fuzz-chap tests/fuzz/fuzz-pap
FUZZ_TARGETS += tests/fuzz/fuzz-chap tests/fuzz/fuzz-pap
tests_fuzz_fuzz_chap_SOURCES = tests/fuzz/fuzz-chap.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_chap_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_pap_SOURCES = tests/fuzz/fuzz-pap.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_pap_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# MPPE-128 stateless throughput against plain RC4 (make bench).
noinst_PROGRAMS += tests/bench/bench-mppe
tests_bench_bench_mppe_SOURCES = tests/bench/bench-mppe.c

# EAP packets (all methods, with an honest MSCHAPv2 server on demand) and
# EAP-TLS fragment reassembly.
check_PROGRAMS += tests/fuzz/fuzz-eap
FUZZ_TARGETS += tests/fuzz/fuzz-eap
tests_fuzz_fuzz_eap_SOURCES = tests/fuzz/fuzz-eap.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_eap_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# Received MPPE datagrams (header and coherency count) into mppe_decrypt().
check_PROGRAMS += tests/fuzz/fuzz-mppe
FUZZ_TARGETS += tests/fuzz/fuzz-mppe
tests_fuzz_fuzz_mppe_SOURCES = tests/fuzz/fuzz-mppe.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_mppe_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
