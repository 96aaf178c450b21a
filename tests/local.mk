# Test tiers: unit tests (tests/unit), corpus replay of the fuzz targets
# (tests/fuzz), integration against the real peers (tests/integration, root).
# Layers add their own unit tests and fuzz targets in their local.mk.

if ENABLE_FUZZING
FUZZ_DRIVER =
FUZZ_LINK = -fsanitize=fuzzer
else
FUZZ_DRIVER = tests/fuzz/standalone.c
FUZZ_LINK =
endif

# make bench: the ESP data plane against a null TUN<->UDP forwarder
noinst_PROGRAMS += tests/bench/bench-esp
tests_bench_bench_esp_SOURCES = tests/bench/bench-esp.c client/batch-io.c client/batch-io.h
check_PROGRAMS += tests/unit/test-batch-io
TESTS += tests/unit/test-batch-io
tests_unit_test_batch_io_SOURCES = tests/unit/test-batch-io.c client/batch-io.c client/batch-io.h

EXTRA_DIST += tests/unit/check.h tests/unit/data/import tests/fuzz/corpus tests/fuzz/run-corpus.sh \
	tests/lab tests/integration \
	tests/bench/run.sh tests/bench/libipsec.sh
TESTS += tests/fuzz/run-corpus.sh

# Integration tests against the real peers (root; skipped otherwise).
TESTS += \
	tests/integration/pptp-mschapv2.sh \
	tests/integration/pptp-auth-methods.sh \
	tests/integration/pptp-failures.sh \
	tests/integration/pptp-secrets.sh \
	tests/integration/pptp-dead-peer.sh \
	tests/integration/session-keep.sh \
	tests/integration/suspend.sh \
	tests/integration/concurrent.sh \
	tests/integration/lossy-link.sh \
	tests/integration/dhcp-inform.sh \
	tests/integration/pptp-eap.sh \
	tests/integration/l2tp-softether-eap-tls.sh \
	tests/integration/pptp-ipv6.sh \
	tests/integration/l2tp-plain.sh \
	tests/integration/l2tp-ipsec-strongswan.sh \
	tests/integration/l2tp-ipsec-nat.sh \
	tests/integration/l2tp-ipsec-proposals.sh \
	tests/integration/l2tp-ipsec-rekey.sh \
	tests/integration/l2tp-ipsec-cert.sh \
	tests/integration/l2tp-ipsec-softether.sh
