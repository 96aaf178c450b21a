# The winvpn command-line client.
sbin_PROGRAMS += client/winvpn
client_winvpn_SOURCES = \
	%reldir%/cli.h \
	%reldir%/main.c \
	%reldir%/cmd-connect.c \
	%reldir%/keys.c \
	%reldir%/script.c \
	%reldir%/secret.c

# Hanging up before the computer sleeps: systemd-logind over GIO's D-Bus.
if WITH_LOGIND
client_winvpn_SOURCES += %reldir%/sleep.c
client_winvpn_CPPFLAGS = $(AM_CPPFLAGS) -DHAVE_LOGIND $(CLI_GIO_CFLAGS)
client_winvpn_LDADD = $(LDADD) $(CLI_GIO_LIBS)
endif
