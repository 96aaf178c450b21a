# L2TP (RFC 2661): the control connection with its reliable delivery, AVPs,
# the data channel, and the glue (with the UDP or lower-layer transport) that
# makes them a wv_link.
client_libwinvpn_a_SOURCES += \
	%reldir%/l2tp.c %reldir%/l2tp.h \
	%reldir%/l2tp-int.h \
	%reldir%/l2tp-msg.c \
	%reldir%/l2tp-ctrl.c \
	%reldir%/l2tp-data.c \
	%reldir%/l2tp-ipsec.c %reldir%/l2tp-ipsec.h

# Unit tests (wire format) and exchange tests against a scripted LNS (over
# the transport hook and over loopback UDP; no root needed).
L2TP_TESTS = \
	tests/unit/test-l2tp-msg \
	tests/unit/test-l2tp-ctrl
check_PROGRAMS += $(L2TP_TESTS)
TESTS += $(L2TP_TESTS)
tests_unit_test_l2tp_msg_SOURCES = tests/unit/test-l2tp-msg.c
tests_unit_test_l2tp_ctrl_SOURCES = tests/unit/test-l2tp-ctrl.c

# Fuzz target: received datagrams (control and data), header and AVPs.
check_PROGRAMS += tests/fuzz/fuzz-l2tp
FUZZ_TARGETS += tests/fuzz/fuzz-l2tp
tests_fuzz_fuzz_l2tp_SOURCES = tests/fuzz/fuzz-l2tp.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_l2tp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
