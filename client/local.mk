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
	%reldir%/session.c %reldir%/session.h

check_PROGRAMS += tests/unit/test-core
TESTS += tests/unit/test-core

# Position-independent: the NetworkManager editor plugin (ui/) links the engine
# into shared objects, in every build flavour (sanitizers included).
client_libwinvpn_a_CFLAGS = $(AM_CFLAGS) -fPIC
