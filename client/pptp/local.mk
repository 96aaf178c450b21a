# PPTP (RFC 2637): the TCP 1723 control connection, enhanced GRE, and the
# glue that makes them a wv_link.
client_libwinvpn_a_SOURCES += \
	%reldir%/pptp.c %reldir%/pptp.h \
	%reldir%/pptp-int.h \
	%reldir%/pptp-msg.c \
	%reldir%/pptp-ctrl.c \
	%reldir%/gre.c

# Unit and exchange tests.  test-pptp-link needs CAP_NET_RAW (raw GRE socket)
# and skips (77) without it.
PPTP_TESTS = \
	tests/unit/test-pptp-msg \
	tests/unit/test-pptp-ctrl \
	tests/unit/test-gre \
	tests/unit/test-pptp-link
check_PROGRAMS += $(PPTP_TESTS)
TESTS += $(PPTP_TESTS)
tests_unit_test_pptp_msg_SOURCES = tests/unit/test-pptp-msg.c
tests_unit_test_pptp_ctrl_SOURCES = tests/unit/test-pptp-ctrl.c
tests_unit_test_gre_SOURCES = tests/unit/test-gre.c
tests_unit_test_pptp_link_SOURCES = tests/unit/test-pptp-link.c

# Fuzz targets: the control stream and a received GRE datagram.
check_PROGRAMS += tests/fuzz/fuzz-pptp-ctrl tests/fuzz/fuzz-gre
FUZZ_TARGETS += tests/fuzz/fuzz-pptp-ctrl tests/fuzz/fuzz-gre
tests_fuzz_fuzz_pptp_ctrl_SOURCES = tests/fuzz/fuzz-pptp-ctrl.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_pptp_ctrl_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_gre_SOURCES = tests/fuzz/fuzz-gre.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_gre_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
