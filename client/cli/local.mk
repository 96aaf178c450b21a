# The winvpn command-line client.
sbin_PROGRAMS += client/winvpn
client_winvpn_SOURCES = \
	%reldir%/cli.h \
	%reldir%/main.c \
	%reldir%/cmd-connect.c \
	%reldir%/keys.c \
	%reldir%/script.c \
	%reldir%/secret.c
