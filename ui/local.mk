# ui/: the desktop side of the NetworkManager plugin (--with-gtk, the default when GTK 3,
# libnma and libsecret are found and the service is built):
#   libnm-vpn-plugin-winvpn.so         NMVpnEditorPlugin, libnm only: capabilities,
#                                      import/export of winvpn profiles; loads the editor
#   libnm-vpn-plugin-winvpn-editor.so  the GTK 3 editor page (nm-connection-editor)
#   nm-winvpn-auth-dialog              NM's secret agent helper: stdin protocol,
#                                      external UI mode, libsecret, GTK prompt
# The two libraries are plain -shared links (no libtool); each exports its one entry
# symbol through a version script.  Paths match nm-plugin/nm-winvpn-service.name.in.

ui_plugin_cppflags = \
	$(AM_CPPFLAGS) -I$(top_srcdir)/ui \
	-DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_56 \
	-DNM_VERSION_MIN_REQUIRED=NM_VERSION_1_20 \
	-DNM_VERSION_MAX_ALLOWED=NM_VERSION_1_20
ui_so_cflags = $(AM_CFLAGS) -fPIC
ui_so_ldflags = $(AM_LDFLAGS) -shared -Wl,-z,defs -Wl,-z,now

EXTRA_DIST += \
	docs/screenshots/editor.png docs/screenshots/editor-pptp.png \
	docs/screenshots/editor-l2tp.png docs/screenshots/editor-l2tp-cert.png \
	docs/screenshots/editor-auto.png docs/screenshots/advanced.png \
	docs/screenshots/advanced-eap.png docs/screenshots/advanced-ipsec.png \
	docs/screenshots/advanced-routing.png docs/screenshots/advanced-reconnect.png \
	%reldir%/libnm-vpn-plugin-winvpn.ver \
	%reldir%/libnm-vpn-plugin-winvpn-editor.ver

if WITH_GTK
uiplugindir = $(libdir)/NetworkManager
uiplugin_PROGRAMS = ui/libnm-vpn-plugin-winvpn.so ui/libnm-vpn-plugin-winvpn-editor.so

# GTK-free: nmcli imports and exports through this one.
ui_libnm_vpn_plugin_winvpn_so_SOURCES = \
	%reldir%/nm-winvpn-editor-plugin.c \
	%reldir%/nm-winvpn-import.c %reldir%/nm-winvpn-import.h
ui_libnm_vpn_plugin_winvpn_so_CPPFLAGS = $(ui_plugin_cppflags)
ui_libnm_vpn_plugin_winvpn_so_CFLAGS = $(ui_so_cflags) $(LIBNM_CFLAGS) $(GLIB_CFLAGS)
ui_libnm_vpn_plugin_winvpn_so_LDFLAGS = $(ui_so_ldflags) \
	-Wl,--version-script=$(srcdir)/%reldir%/libnm-vpn-plugin-winvpn.ver
ui_libnm_vpn_plugin_winvpn_so_LDADD = \
	client/libwinvpn.a $(LIBNM_LIBS) $(GLIB_LIBS) $(OPENSSL_LIBS) $(LIBINTL) -ldl
EXTRA_ui_libnm_vpn_plugin_winvpn_so_DEPENDENCIES = %reldir%/libnm-vpn-plugin-winvpn.ver

check_PROGRAMS += tests/unit/test-ui-import
TESTS += tests/unit/test-ui-import
tests_unit_test_ui_import_SOURCES = \
	tests/unit/test-ui-import.c \
	%reldir%/nm-winvpn-import.c %reldir%/nm-winvpn-import.h
tests_unit_test_ui_import_CPPFLAGS = $(ui_plugin_cppflags)
tests_unit_test_ui_import_CFLAGS = $(AM_CFLAGS) $(LIBNM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_test_ui_import_LDADD = \
	client/libwinvpn.a $(LIBNM_LIBS) $(GLIB_LIBS) $(OPENSSL_LIBS) $(LIBINTL)
# The test loads the built plugin too.
EXTRA_tests_unit_test_ui_import_DEPENDENCIES = ui/libnm-vpn-plugin-winvpn.so

# GTK 3: nm-connection-editor's page, dlopen()ed by the plugin above.
ui_libnm_vpn_plugin_winvpn_editor_so_SOURCES = \
	%reldir%/nm-winvpn-editor.c %reldir%/nm-winvpn-import.h \
	%reldir%/nm-winvpn-advanced.c %reldir%/nm-winvpn-advanced.h
ui_libnm_vpn_plugin_winvpn_editor_so_CPPFLAGS = $(ui_plugin_cppflags)
ui_libnm_vpn_plugin_winvpn_editor_so_CFLAGS = \
	$(ui_so_cflags) $(GTK_CFLAGS) $(LIBNMA_CFLAGS) $(LIBNM_CFLAGS) $(GLIB_CFLAGS)
ui_libnm_vpn_plugin_winvpn_editor_so_LDFLAGS = $(ui_so_ldflags) \
	-Wl,--version-script=$(srcdir)/%reldir%/libnm-vpn-plugin-winvpn-editor.ver
ui_libnm_vpn_plugin_winvpn_editor_so_LDADD = client/libwinvpn.a \
	$(GTK_LIBS) $(LIBNMA_LIBS) $(LIBNM_LIBS) $(GLIB_LIBS) $(OPENSSL_LIBS) $(LIBINTL)
EXTRA_ui_libnm_vpn_plugin_winvpn_editor_so_DEPENDENCIES = \
	%reldir%/libnm-vpn-plugin-winvpn-editor.ver

# Needs a display (77 without); tests/integration/ui-editor.sh runs it under Xvfb.
check_PROGRAMS += tests/unit/test-ui-editor
TESTS += tests/integration/ui-editor.sh
tests_unit_test_ui_editor_SOURCES = tests/unit/test-ui-editor.c
tests_unit_test_ui_editor_CPPFLAGS = $(ui_plugin_cppflags)
tests_unit_test_ui_editor_CFLAGS = $(AM_CFLAGS) $(GTK_CFLAGS) $(LIBNM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_test_ui_editor_LDADD = $(GTK_LIBS) $(LIBNM_LIBS) $(GLIB_LIBS)
tests/integration/ui-editor.log: \
	ui/libnm-vpn-plugin-winvpn.so ui/libnm-vpn-plugin-winvpn-editor.so \
	tests/unit/test-ui-editor
endif

if WITH_GTK
# NM's secret helper ([GNOME] auth-dialog= in the .name file).
libexec_PROGRAMS += ui/nm-winvpn-auth-dialog
ui_nm_winvpn_auth_dialog_SOURCES = %reldir%/nm-winvpn-auth-dialog.c \
	nm-plugin/nm-winvpn-utils.c nm-plugin/nm-winvpn-utils.h
ui_nm_winvpn_auth_dialog_CPPFLAGS = $(ui_plugin_cppflags) -I$(top_srcdir)/nm-plugin
ui_nm_winvpn_auth_dialog_CFLAGS = \
	$(AM_CFLAGS) $(GTK_CFLAGS) $(LIBNMA_CFLAGS) $(LIBSECRET_CFLAGS) $(LIBNM_CFLAGS) $(GLIB_CFLAGS)
ui_nm_winvpn_auth_dialog_LDADD = client/libwinvpn.a \
	$(GTK_LIBS) $(LIBNMA_LIBS) $(LIBSECRET_LIBS) $(LIBNM_LIBS) $(GLIB_LIBS) $(OPENSSL_LIBS) $(LIBINTL)

# gnome-keyring on a private session bus (tests/lab/keyring.sh); skips without it.
TESTS += tests/integration/ui-auth-dialog.sh
tests/integration/ui-auth-dialog.log: ui/nm-winvpn-auth-dialog
endif

if WITH_GTK
# With a private NetworkManager (root; else 77): nmcli import/export through the plugin,
# and nm-connection-editor on Xvfb driven over AT-SPI.
TESTS += tests/integration/ui-nmcli.sh tests/integration/ui-editor-nm.sh
tests/integration/ui-nmcli.log: ui/libnm-vpn-plugin-winvpn.so nm-plugin/nm-winvpn-service.name
tests/integration/ui-editor-nm.log: \
	ui/libnm-vpn-plugin-winvpn.so ui/libnm-vpn-plugin-winvpn-editor.so \
	nm-plugin/nm-winvpn-service.name
endif
