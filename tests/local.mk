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

EXTRA_DIST += tests/unit/check.h tests/unit/data/import tests/fuzz/corpus tests/fuzz/run-corpus.sh \
	tests/lab tests/integration \
	tests/bench/run.sh
TESTS += tests/fuzz/run-corpus.sh

# Integration tests against the real peers (root; skipped otherwise).
TESTS += \
	tests/integration/pptp-mschapv2.sh \
	tests/integration/pptp-auth-methods.sh \
	tests/integration/pptp-failures.sh \
	tests/integration/pptp-secrets.sh \
	tests/integration/pptp-dead-peer.sh \
	tests/integration/l2tp-plain.sh \
	tests/integration/l2tp-ipsec-strongswan.sh \
	tests/integration/l2tp-ipsec-nat.sh \
	tests/integration/l2tp-ipsec-proposals.sh
