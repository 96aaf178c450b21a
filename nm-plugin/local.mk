# nm-plugin/: nm-winvpn-service (NetworkManager's VPN service for winvpn), its
# .name file and D-Bus policy, and the settings man page generated from the
# engine's key table.  The service is built with --with-gnome (the default when
# libnm and GLib are found); the man page always.

# The auth dialog (ui/) adds itself here too.
libexec_PROGRAMS =

# Where NetworkManager looks for VPN plugins (.name files) and where the system
# bus reads policies; both under our prefix (configure asks libnm's .pc).
nmvpnservicedir = $(NM_VPN_SERVICE_DIR)
nmvpnservice_DATA =
dbusservicedir = $(datadir)/dbus-1/system.d
dbusservice_DATA =

# Fail on GLib or libnm API newer than what configure requires.
nm_plugin_cppflags = \
	$(AM_CPPFLAGS) \
	-DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_56 \
	-DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_56 \
	-DNM_VERSION_MIN_REQUIRED=NM_VERSION_1_20 \
	-DNM_VERSION_MAX_ALLOWED=NM_VERSION_1_20
nm_plugin_cflags = $(AM_CFLAGS) $(LIBNM_CFLAGS) $(GLIB_CFLAGS)
nm_plugin_ldadd = client/libwinvpn.a $(LIBNM_LIBS) $(GLIB_LIBS) $(OPENSSL_LIBS) $(LIBINTL)

if WITH_GNOME
libexec_PROGRAMS += nm-plugin/nm-winvpn-service
nm_plugin_nm_winvpn_service_SOURCES = \
	%reldir%/nm-winvpn-service.c %reldir%/nm-winvpn-service.h \
	%reldir%/nm-winvpn-utils.c %reldir%/nm-winvpn-utils.h
nm_plugin_nm_winvpn_service_CPPFLAGS = $(nm_plugin_cppflags)
nm_plugin_nm_winvpn_service_CFLAGS = $(nm_plugin_cflags)
nm_plugin_nm_winvpn_service_LDADD = $(nm_plugin_ldadd)

nmvpnservice_DATA += %reldir%/nm-winvpn-service.name
dbusservice_DATA += %reldir%/nm-winvpn-service.conf
CLEANFILES += %reldir%/nm-winvpn-service.name

check_PROGRAMS += tests/unit/test-nm-settings
TESTS += tests/unit/test-nm-settings tests/integration/nm-pptp.sh \
	tests/integration/nm-l2tp-ipsec.sh
tests_unit_test_nm_settings_SOURCES = \
	tests/unit/test-nm-settings.c \
	%reldir%/nm-winvpn-utils.c %reldir%/nm-winvpn-utils.h
tests_unit_test_nm_settings_CPPFLAGS = $(nm_plugin_cppflags) -I$(top_srcdir)/%reldir%
tests_unit_test_nm_settings_CFLAGS = $(nm_plugin_cflags)
tests_unit_test_nm_settings_LDADD = $(nm_plugin_ldadd)
endif

# The program path is the installed one; tests/lab/nm.sh points a copy at the
# build tree.  The [libnm] and [GNOME] files come with the editor and the auth
# dialog.
%reldir%/nm-winvpn-service.name: %reldir%/nm-winvpn-service.name.in Makefile
	$(AM_V_GEN)$(MKDIR_P) %reldir% && \
	sed -e 's|@LIBEXECDIR[@]|$(libexecdir)|g' \
	    -e 's|@PLUGINDIR[@]|$(libdir)/NetworkManager|g' \
	    $(srcdir)/%reldir%/nm-winvpn-service.name.in >$@.tmp && mv $@.tmp $@

# man/nm-settings-winvpn.5 is written from the key table at build time, so the
# page cannot drift from what the service and the CLI accept.
noinst_PROGRAMS += nm-plugin/gen-settings-man
nm_plugin_gen_settings_man_SOURCES = %reldir%/gen-settings-man.c
nodist_man_MANS = man/nm-settings-winvpn.5
CLEANFILES += man/nm-settings-winvpn.5
man/nm-settings-winvpn.5: nm-plugin/gen-settings-man$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) man && \
	nm-plugin/gen-settings-man$(EXEEXT) '$(PACKAGE_VERSION)' >$@.tmp && mv $@.tmp $@

EXTRA_DIST += \
	%reldir%/nm-winvpn-service.name.in \
	%reldir%/nm-winvpn-service.conf

# AppStream metadata, so software centres show the plugin as an add-on of the
# network settings.
if WITH_GNOME
metainfodir = $(datadir)/metainfo
metainfo_DATA = %reldir%/network-manager-winvpn.metainfo.xml
endif
EXTRA_DIST += %reldir%/network-manager-winvpn.metainfo.xml
