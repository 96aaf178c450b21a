/* test-ui-import.c -- profile import and export of the GTK-free editor plugin
 * (ui/nm-winvpn-import.c and libnm-vpn-plugin-winvpn.so): export then import gives back
 * the same connection without its secrets; files the engine's key table refuses (unknown
 * key, bad value, control characters, no "=") fail with a message naming the line and the
 * key; the built plugin loads through libnm with IMPORT|EXPORT and round-trips too.
 * Windows phonebooks (UTF-8, UTF-16LE with BOM, Windows-1252) give one connection per
 * PPTP/L2TP entry, NetworkManager-l2tp exports one; the samples are tests/unit/data/import/. */
#include "config.h"

#include <NetworkManager.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "check.h"
#include "nm-winvpn-import.h"

static char *tmpdir;

static NMConnection *conn_new(const char *id, const char *const *data, const char *password)
{
	NMConnection *c = nm_simple_connection_new();
	NMSettingConnection *s_con = NM_SETTING_CONNECTION(nm_setting_connection_new());
	NMSettingVpn *s_vpn = NM_SETTING_VPN(nm_setting_vpn_new());
	g_autofree char *uuid = nm_utils_uuid_generate();

	g_object_set(s_con, NM_SETTING_CONNECTION_ID, id,
		     NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME,
		     NM_SETTING_CONNECTION_UUID, uuid, NULL);
	nm_connection_add_setting(c, NM_SETTING(s_con));
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_DBUS_SERVICE_WINVPN, NULL);
	for (; data && *data; data += 2)
		nm_setting_vpn_add_data_item(s_vpn, data[0], data[1]);
	if (password)
		nm_setting_vpn_add_secret(s_vpn, "password", password);
	nm_connection_add_setting(c, NM_SETTING(s_vpn));
	return c;
}

static char *write_tmp(const char *name, const char *text)
{
	char *path = g_build_filename(tmpdir, name, NULL);

	CHECK(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* vpn.data of both connections are equal, and b has no secrets. */
static void check_same(NMConnection *a, NMConnection *b)
{
	NMSettingVpn *va = nm_connection_get_setting_vpn(a);
	NMSettingVpn *vb = nm_connection_get_setting_vpn(b);
	g_autofree const char **keys = NULL;
	guint n = 0, i;

	CHECK(va && vb);
	if (!va || !vb)
		return;
	CHECK_STR(nm_connection_get_id(a), nm_connection_get_id(b));
	CHECK_STR(nm_setting_vpn_get_service_type(vb), NM_DBUS_SERVICE_WINVPN);
	CHECK(nm_setting_vpn_get_num_data_items(va) == nm_setting_vpn_get_num_data_items(vb));
	keys = nm_setting_vpn_get_data_keys(va, &n);
	for (i = 0; i < n; i++)
		CHECK_STR(nm_setting_vpn_get_data_item(vb, keys[i]),
			  nm_setting_vpn_get_data_item(va, keys[i]));
	CHECK(nm_setting_vpn_get_num_secrets(vb) == 0);
}

static const char *const full_data[] = {
	"protocol", "l2tp", "gateway", "vpn.example.com", "user", "alice",
	"domain", "CORP", "password-flags", "1", "ipsec-enabled", "yes",
	"ipsec-psk-flags", "1", "refuse-pap", "yes", "require-mppe-128", "yes",
	"lcp-echo-interval", "30", "mtu", "1400", NULL,
};

static void test_round_trip(void)
{
	g_autoptr(NMConnection) a = conn_new("Office VPN", full_data, "s3cret-pw");
	g_autoptr(NMConnection) b = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(tmpdir, "office.conf", NULL);
	g_autofree char *text = NULL;
	g_autofree char *name = nm_winvpn_suggested_filename(a);

	CHECK_STR(name, "Office_VPN.conf");
	CHECK(nm_winvpn_export_file(a, path, &error));
	CHECK(g_file_get_contents(path, &text, NULL, NULL));
	CHECK(text && strstr(text, "gateway = vpn.example.com\n"));
	CHECK(text && !strstr(text, "s3cret-pw"));
	b = nm_winvpn_import_file(path, &error);
	CHECK(b != NULL);
	if (error)
		fprintf(stderr, "  import: %s\n", error->message);
	if (b) {
		CHECK(nm_connection_verify(b, NULL));
		check_same(a, b);
		CHECK(strcmp(nm_connection_get_uuid(a), nm_connection_get_uuid(b)) != 0);
	}
}

/* Every VPN type of the editor survives export and import, certificate and Automatic
 * keys included. */
static void test_round_trip_types(void)
{
	static const char *const pptp[] = {
		"protocol", "pptp", "gateway", "10.98.0.2", "user", "alice",
		"require-mppe-128", "yes", "redial", "yes", "redial-attempts", "5",
		"redial-interval", "20", "idle-timeout", "600", NULL,
	};
	static const char *const l2tp_psk[] = {
		"protocol", "l2tp", "gateway", "10.98.1.2", "user", "alice", "ipsec-enabled", "yes",
		"machine-auth-type", "psk", "ipsec-psk-flags", "1", "ipsec-pfs", "yes",
		"never-default", "yes", "routes", "10.0.0.0/8 172.16.5.0/24",
		"disable-class-route", "yes", "dhcp-inform", "no", "ipv6", "no", NULL,
	};
	static const char *const l2tp_cert[] = {
		"protocol", "l2tp", "gateway", "vpn.example.org", "user", "bob",
		"machine-auth-type", "tls", "machine-ca", "/etc/winvpn/ca.pem",
		"machine-cert", "/etc/winvpn/host.p12", "machine-certpass-flags", "1",
		"ipsec-remote-id", "CN=vpn.example.org", "user-auth-type", "tls",
		"user-ca", "/etc/winvpn/eap-ca.pem", "user-cert", "/home/bob/bob.pem",
		"user-key", "/home/bob/bob.key", "user-certpass-flags", "2", NULL,
	};
	static const char *const automatic[] = {
		"protocol", "auto", "gateway", "vpn.example.net", "user", "carol",
		"ipsec-psk-flags", "1", "password-flags", "1", NULL,
	};
	static const char *const plain[] = {
		"protocol", "l2tp", "gateway", "10.98.1.2", "ipsec-enabled", "no", NULL,
	};
	const char *const *types[] = { pptp, l2tp_psk, l2tp_cert, automatic, plain };
	guint i;

	for (i = 0; i < G_N_ELEMENTS(types); i++) {
		g_autofree char *id = g_strdup_printf("type %u", i);
		g_autoptr(NMConnection) a = conn_new(id, types[i], "pw");
		g_autoptr(NMConnection) b = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *path = g_strdup_printf("%s/type%u.conf", tmpdir, i);

		CHECK(nm_winvpn_export_file(a, path, &error));
		b = nm_winvpn_import_file(path, &error);
		CHECK(b != NULL);
		if (!b) {
			fprintf(stderr, "  %s: %s\n", id, error ? error->message : "?");
			continue;
		}
		CHECK(nm_connection_verify(b, NULL));
		check_same(a, b);
	}
}

/* A CLI profile written by hand: comments, blank lines, a secret, name from the file. */
static void test_cli_profile(void)
{
	g_autofree char *path = write_tmp("work-pptp.conf",
		"# my profile\n\n  gateway =  10.98.0.2  \nuser=bob\npassword = hunter2\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(NMConnection) c = nm_winvpn_import_file(path, &error);
	NMSettingVpn *s;

	CHECK(c != NULL);
	if (!c)
		return;
	s = nm_connection_get_setting_vpn(c);
	CHECK_STR(nm_connection_get_id(c), "work-pptp");
	CHECK_STR(nm_setting_vpn_get_data_item(s, "gateway"), "10.98.0.2");
	CHECK_STR(nm_setting_vpn_get_data_item(s, "user"), "bob");
	CHECK(nm_setting_vpn_get_data_item(s, "password") == NULL);
	CHECK_STR(nm_setting_vpn_get_secret(s, "password"), "hunter2");
}

/* Import of @text fails; the message names every string in @want (NULL-terminated) and
 * not @hidden. */
static void expect_bad(const char *name, const char *text, const char *const *want,
		       const char *hidden)
{
	g_autofree char *path = text ? write_tmp(name, text) : g_build_filename(tmpdir, name, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NMConnection) c = nm_winvpn_import_file(path, &error);

	CHECK(c == NULL);
	CHECK(error != NULL);
	if (!error)
		return;
	CHECK(error->domain == NM_CONNECTION_ERROR);
	for (; *want; want++) {
		CHECK(strstr(error->message, *want) != NULL);
		if (!strstr(error->message, *want))
			fprintf(stderr, "  '%s' not in: %s\n", *want, error->message);
	}
	if (hidden)
		CHECK(strstr(error->message, hidden) == NULL);
}

static void test_malformed(void)
{
	expect_bad("unknown.conf", "gateway = 10.0.0.1\n# c\nfrobnicate = yes\n",
		   (const char *const[]){ "unknown.conf:3:", "frobnicate", NULL }, NULL);
	expect_bad("badbool.conf", "gateway = 10.0.0.1\nrefuse-pap = maybe\n",
		   (const char *const[]){ ":2:", "refuse-pap", "maybe", NULL }, NULL);
	expect_bad("badnum.conf", "mtu = 99999\ngateway = 10.0.0.1\n",
		   (const char *const[]){ ":1:", "mtu", NULL }, NULL);
	expect_bad("badhost.conf", "gateway = not a host!\n",
		   (const char *const[]){ ":1:", "gateway", NULL }, NULL);
	expect_bad("ctrl.conf", "gateway = 10.0.0.1\nuser = al\001ice\n",
		   (const char *const[]){ ":2:", "user", "control characters", NULL }, NULL);
	expect_bad("ctrlpw.conf", "gateway = 10.0.0.1\npassword = top\033secret\n",
		   (const char *const[]){ ":2:", "password", NULL }, "secret");
	expect_bad("noeq.conf", "gateway = 10.0.0.1\njust words\n",
		   (const char *const[]){ ":2:", "key = value", NULL }, NULL);
	expect_bad("nogw.conf", "user = alice\n",
		   (const char *const[]){ "nogw.conf", "gateway", NULL }, NULL);
	expect_bad("missing.conf", NULL, (const char *const[]){ "missing.conf", NULL }, NULL);
}

static void test_export_refused(void)
{
	static const char *const unknown[] = { "gateway", "10.0.0.1", "frob", "1", NULL };
	static const char *const ctrl[] = { "gateway", "10.0.0.1", "user", "a\nb", NULL };
	static const char *const secret[] = { "gateway", "10.0.0.1", "password", "pw", NULL };
	const char *const *cases[] = { unknown, ctrl, secret };
	const char *keys[] = { "frob", "user", "password" };
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(NMConnection) c = conn_new("x", cases[i], NULL);
		g_autoptr(GError) error = NULL;
		g_autofree char *text = nm_winvpn_export_string(c, &error);

		CHECK(text == NULL);
		CHECK(error && strstr(error->message, keys[i]));
		if (error && !strstr(error->message, keys[i]))
			fprintf(stderr, "  export %s: %s\n", keys[i], error->message);
		CHECK(!error || !strstr(error->message, "pw\n"));
	}
}

/* ---- other formats: Windows phonebooks and NetworkManager-l2tp exports ------------------- */

static char *data_path(const char *name)
{
	const char *srcdir = g_getenv("top_srcdir");

	return g_build_filename(srcdir ? srcdir : ".", "tests", "unit", "data", "import", name,
				NULL);
}

static const char *item(NMConnection *c, const char *key)
{
	NMSettingVpn *s = nm_connection_get_setting_vpn(c);

	return s ? nm_setting_vpn_get_data_item(s, key) : NULL;
}

static gboolean notes_have(GPtrArray *notes, const char *a, const char *b)
{
	guint i;

	for (i = 0; notes && i < notes->len; i++)
		if (strstr(notes->pdata[i], a) && (!b || strstr(notes->pdata[i], b)))
			return TRUE;
	return FALSE;
}

/* Two VPN entries of the sample phonebook; the dial-up and IKEv2 entries are skipped. */
static void check_pbk(const char *name)
{
	g_autofree char *path = data_path(name);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) notes = NULL;
	g_autoptr(GPtrArray) all = nm_winvpn_import_all(path, &notes, &error);
	g_autoptr(NMConnection) first = NULL;
	NMConnection *pptp, *l2tp;
	NMSettingIPConfig *ip4;

	CHECK(all != NULL);
	if (!all) {
		fprintf(stderr, "  %s: %s\n", name, error ? error->message : "?");
		return;
	}
	CHECK(all->len == 2);
	if (all->len != 2)
		return;
	pptp = all->pdata[0];
	l2tp = all->pdata[1];
	CHECK(nm_connection_verify(pptp, NULL) && nm_connection_verify(l2tp, NULL));
	CHECK_STR(nm_connection_get_id(pptp), "Office PPTP");
	CHECK_STR(item(pptp, "protocol"), "pptp");
	CHECK_STR(item(pptp, "gateway"), "pptp.example.com");
	CHECK_STR(item(pptp, "require-mppe"), "yes");
	CHECK_STR(item(pptp, "require-mppe-128"), "yes");
	CHECK_STR(item(pptp, "password-flags"), "1");
	CHECK(item(pptp, "ipsec-enabled") == NULL);
	CHECK(nm_setting_vpn_get_num_secrets(nm_connection_get_setting_vpn(pptp)) == 0);

	CHECK_STR(nm_connection_get_id(l2tp), "B\xc3\xbcro L2TP");
	CHECK_STR(item(l2tp, "protocol"), "l2tp");
	CHECK_STR(item(l2tp, "gateway"), "203.0.113.10");
	CHECK_STR(item(l2tp, "ipsec-enabled"), "yes");
	CHECK_STR(item(l2tp, "ipsec-psk-flags"), "1");
	CHECK_STR(item(l2tp, "password-flags"), "1");
	CHECK(item(l2tp, "require-mppe") == NULL);
	CHECK(nm_setting_vpn_get_num_secrets(nm_connection_get_setting_vpn(l2tp)) == 0);
	ip4 = nm_connection_get_setting_ip4_config(l2tp);
	CHECK(ip4 && nm_setting_ip_config_get_never_default(ip4));
	CHECK(ip4 && nm_setting_ip_config_get_num_dns_searches(ip4) == 1);
	if (ip4 && nm_setting_ip_config_get_num_dns_searches(ip4) == 1)
		CHECK_STR(nm_setting_ip_config_get_dns_search(ip4, 0), "corp.example");
	ip4 = nm_connection_get_setting_ip4_config(pptp);
	CHECK(ip4 && !nm_setting_ip_config_get_never_default(ip4));

	CHECK(notes_have(notes, "Modem ISP", "not a VPN"));
	CHECK(notes_have(notes, "Cloud IKEv2", "IKEv2"));

	/* import_from_file: the first entry. */
	first = nm_winvpn_import_file(path, &error);
	CHECK(first && !strcmp(nm_connection_get_id(first), "Office PPTP"));
}

static void test_pbk(void)
{
	g_autofree char *text = NULL;
	g_autofree char *src = data_path("rasphone-utf8.pbk");
	g_autofree char *ansi = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *latin = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	check_pbk("rasphone-utf8.pbk");
	check_pbk("rasphone-utf16.pbk");

	/* Detection by content: a phonebook named .conf, with a UTF-8 BOM. */
	CHECK(g_file_get_contents(src, &text, &len, NULL));
	if (!text)
		return;
	CHECK(nm_winvpn_import_detect(text) == NM_WINVPN_IMPORT_FORMAT_PBK);
	{
		g_autofree char *bom = g_strconcat("\xef\xbb\xbf", text, NULL);

		conf = write_tmp("office.conf", bom);
	}
	all = nm_winvpn_import_all(conf, NULL, &error);
	CHECK(all && all->len == 2);
	g_clear_pointer(&all, g_ptr_array_unref);

	/* The ANSI code page (Windows-1252): "Büro" with a single byte 0xfc. */
	latin = g_convert(text, len, "WINDOWS-1252", "UTF-8", NULL, NULL, NULL);
	CHECK(latin != NULL);
	if (!latin)
		return;
	ansi = g_build_filename(tmpdir, "ansi.pbk", NULL);
	CHECK(g_file_set_contents(ansi, latin, -1, NULL));
	all = nm_winvpn_import_all(ansi, NULL, &error);
	CHECK(all && all->len == 2);
	if (all && all->len == 2)
		CHECK_STR(nm_connection_get_id(all->pdata[1]), "B\xc3\xbcro L2TP");
}

static void test_nm_l2tp(void)
{
	g_autofree char *path = data_path("nm-l2tp.conf");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) notes = NULL;
	g_autoptr(GPtrArray) all = nm_winvpn_import_all(path, &notes, &error);
	NMConnection *c;
	NMSettingIPConfig *ip4;
	g_autofree char *text = NULL;

	CHECK(all && all->len == 1);
	if (!all || all->len != 1) {
		fprintf(stderr, "  nm-l2tp.conf: %s\n", error ? error->message : "?");
		return;
	}
	c = all->pdata[0];
	CHECK(nm_connection_verify(c, NULL));
	CHECK_STR(nm_connection_get_id(c), "Branch L2TP");
	CHECK_STR(item(c, "protocol"), "l2tp");
	CHECK_STR(item(c, "gateway"), "vpn.branch.example.org");
	CHECK_STR(item(c, "user"), "jdoe");
	CHECK_STR(item(c, "domain"), "BRANCH");
	CHECK_STR(item(c, "ipsec-enabled"), "yes");
	CHECK_STR(item(c, "ipsec-ike"), "aes256-sha1-modp2048,3des-sha1-modp1024");
	CHECK_STR(item(c, "ipsec-esp"), "aes256-sha1,3des-sha1");
	CHECK_STR(item(c, "ipsec-forceencaps"), "yes");
	CHECK_STR(item(c, "refuse-eap"), "yes");
	CHECK_STR(item(c, "require-mppe"), "no");
	CHECK_STR(item(c, "lcp-echo-failure"), "5");
	CHECK_STR(item(c, "lcp-echo-interval"), "30");
	CHECK_STR(item(c, "mtu"), "1400");
	CHECK_STR(item(c, "password-flags"), "1");
	CHECK_STR(item(c, "ipsec-psk-flags"), "1");
	CHECK(item(c, "ipsec-psk") == NULL);
	CHECK(nm_setting_vpn_get_num_secrets(nm_connection_get_setting_vpn(c)) == 0);
	CHECK(notes_have(notes, "ipsec-psk", "ask"));
	CHECK(notes_have(notes, "ipsec-group-name", "ignored"));
	CHECK_STR(item(c, "ipsec-remote-id"), "vpn.branch.example.org");
	ip4 = nm_connection_get_setting_ip4_config(c);
	CHECK(ip4 != NULL);
	if (ip4) {
		CHECK(nm_setting_ip_config_get_never_default(ip4));
		CHECK(nm_setting_ip_config_get_num_dns(ip4) == 2);
		CHECK(nm_setting_ip_config_get_num_dns_searches(ip4) == 1);
		CHECK(nm_setting_ip_config_get_num_routes(ip4) == 2);
		if (nm_setting_ip_config_get_num_routes(ip4) == 2) {
			NMIPRoute *r = nm_setting_ip_config_get_route(ip4, 0);

			CHECK_STR(nm_ip_route_get_dest(r), "10.20.0.0");
			CHECK(nm_ip_route_get_prefix(r) == 16);
			CHECK_STR(nm_ip_route_get_next_hop(r), "10.20.0.1");
			CHECK(nm_ip_route_get_metric(r) == 10);
		}
	}
	/* What came in exports in our format. */
	text = nm_winvpn_export_string(c, &error);
	CHECK(text && strstr(text, "protocol = l2tp\n"));

	CHECK(nm_winvpn_import_detect("[connection]\nid=x\n[vpn]\ngateway=a\n") ==
	      NM_WINVPN_IMPORT_FORMAT_NM_L2TP);
	CHECK(nm_winvpn_import_detect("gateway = a\n# [vpn]\n") ==
	      NM_WINVPN_IMPORT_FORMAT_WINVPN);
	CHECK(nm_winvpn_import_detect("[Office]\nphonenumber=a\n") ==
	      NM_WINVPN_IMPORT_FORMAT_PBK);
}

/* Windows' certificate L2TP/IPsec entry (UsePreSharedKey=0) and an Automatic one
 * (VpnStrategy=0), with their reconnect, idle and split-tunnel keys. */
static void test_pbk_cert_auto(void)
{
	g_autofree char *path = data_path("rasphone-cert-auto.pbk");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) notes = NULL;
	g_autoptr(GPtrArray) all = nm_winvpn_import_all(path, &notes, &error);
	NMConnection *cert, *aut;
	NMSettingIPConfig *ip4;

	CHECK(all && all->len == 2);
	if (!all || all->len != 2) {
		fprintf(stderr, "  rasphone-cert-auto.pbk: %s\n", error ? error->message : "?");
		return;
	}
	cert = all->pdata[0];
	aut = all->pdata[1];
	CHECK(nm_connection_verify(cert, NULL) && nm_connection_verify(aut, NULL));
	CHECK_STR(nm_connection_get_id(cert), "Cert L2TP");
	CHECK_STR(item(cert, "protocol"), "l2tp");
	CHECK_STR(item(cert, "gateway"), "vpn.example.net");
	CHECK_STR(item(cert, "ipsec-enabled"), "yes");
	CHECK_STR(item(cert, "machine-auth-type"), "tls");
	CHECK_STR(item(cert, "machine-certpass-flags"), "1");
	CHECK(item(cert, "ipsec-psk-flags") == NULL);
	CHECK_STR(item(cert, "password-flags"), "1");
	CHECK_STR(item(cert, "redial"), "yes");
	CHECK_STR(item(cert, "redial-attempts"), "3");
	CHECK_STR(item(cert, "redial-interval"), "60");
	CHECK(item(cert, "idle-timeout") == NULL);
	CHECK(notes_have(notes, "Cert L2TP", "certificate store"));

	CHECK_STR(nm_connection_get_id(aut), "Office Automatic");
	CHECK_STR(item(aut, "protocol"), "auto");
	CHECK_STR(item(aut, "gateway"), "auto.example.net");
	CHECK_STR(item(aut, "ipsec-psk-flags"), "1");
	CHECK_STR(item(aut, "password-flags"), "1");
	CHECK(item(aut, "machine-auth-type") == NULL);
	CHECK_STR(item(aut, "redial-attempts"), "5");
	CHECK_STR(item(aut, "redial-interval"), "30");
	CHECK_STR(item(aut, "idle-timeout"), "900");
	CHECK_STR(item(aut, "disable-class-route"), "yes");
	ip4 = nm_connection_get_setting_ip4_config(aut);
	CHECK(ip4 && nm_setting_ip_config_get_never_default(ip4));

	/* VpnStrategy 4, "L2TP first, then PPTP", is what protocol=auto does. */
	{
		g_autofree char *p4 = write_tmp("l2tp-first.pbk",
						"[Both]\r\nType=2\r\nVpnStrategy=4\r\n"
						"PhoneNumber=vpn.example.com\r\n");
		g_autoptr(NMConnection) c4 = nm_winvpn_import_file(p4, &error);

		CHECK(c4 != NULL);
		if (c4) {
			CHECK_STR(item(c4, "protocol"), "auto");
			CHECK_STR(item(c4, "ipsec-psk-flags"), "1");
		}
	}
}

/* NetworkManager-l2tp's certificate connection: its keys are ours. */
static void test_nm_l2tp_cert(void)
{
	g_autofree char *path = data_path("nm-l2tp-cert.conf");
	g_autoptr(GError) error = NULL;
	g_autoptr(NMConnection) c = nm_winvpn_import_file(path, &error);

	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "  nm-l2tp-cert.conf: %s\n", error ? error->message : "?");
		return;
	}
	CHECK(nm_connection_verify(c, NULL));
	CHECK_STR(nm_connection_get_id(c), "Cert L2TP");
	CHECK_STR(item(c, "protocol"), "l2tp");
	CHECK_STR(item(c, "machine-auth-type"), "tls");
	CHECK_STR(item(c, "machine-ca"), "/etc/ipsec.d/cacerts/ca.pem");
	CHECK_STR(item(c, "machine-cert"), "/etc/ipsec.d/certs/host.pem");
	CHECK_STR(item(c, "machine-key"), "/etc/ipsec.d/private/host.key");
	CHECK_STR(item(c, "machine-certpass-flags"), "1");
	CHECK(item(c, "ipsec-psk-flags") == NULL);
	CHECK_STR(item(c, "password-flags"), "1");
}

/* A sample file that must be refused, its message naming every string in @want. */
static void expect_bad_data(const char *name, const char *const *want)
{
	g_autofree char *path = data_path(name);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all = nm_winvpn_import_all(path, NULL, &error);
	g_autoptr(NMConnection) c = NULL;

	CHECK(all == NULL);
	CHECK(error != NULL && error->domain == NM_CONNECTION_ERROR);
	for (; error && *want; want++) {
		CHECK(strstr(error->message, *want) != NULL);
		if (!strstr(error->message, *want))
			fprintf(stderr, "  '%s' not in: %s\n", *want, error->message);
	}
	g_clear_error(&error);
	c = nm_winvpn_import_file(path, &error);
	CHECK(c == NULL && error != NULL);
}

static void test_bad_formats(void)
{
	expect_bad_data("truncated-utf16.pbk",
			(const char *const[]){ "truncated-utf16.pbk", "UTF-16", NULL });
	expect_bad_data("no-gateway.pbk", (const char *const[]){
		"no-gateway.pbk:139:", "No Server", "PhoneNumber", NULL });
	expect_bad_data("no-vpn.pbk", (const char *const[]){
		"no PPTP or L2TP", "Modem ISP", "Cloud SSTP", "SSTP is not supported", NULL });
	expect_bad("ikev2.conf", "[connection]\nid=x\n[vpn]\ngateway=a.example\nipsec-ikev2=yes\n",
		   (const char *const[]){ "ikev2.conf:5:", "ipsec-ikev2", "IKEv2", NULL }, NULL);
	expect_bad("badauth.conf", "[connection]\nid=x\n[vpn]\ngateway=a.example\n"
		   "machine-auth-type=rsa\n",
		   (const char *const[]){ "badauth.conf:5:", "machine-auth-type", "rsa", NULL },
		   NULL);
	expect_bad_data("nm-l2tp-nogw.conf",
			(const char *const[]){ "nm-l2tp-nogw.conf:4:", "gateway", NULL });
	expect_bad_data("garbage.bin", (const char *const[]){ "garbage.bin", "binary", NULL });
	expect_bad_data("garbage.txt",
			(const char *const[]){ "garbage.txt:1:", "key = value", NULL });
	/* Phonebook values go through the key table too. */
	expect_bad("badhost.pbk",
		   "[Bad]\r\nType=2\r\nVpnStrategy=1\r\nPhoneNumber=no such host!\r\n",
		   (const char *const[]){ "badhost.pbk:4:", "Bad", "gateway", NULL }, NULL);
	expect_bad("badstrategy.pbk", "[Bad]\r\nType=2\r\nVpnStrategy=pptp\r\nPhoneNumber=a\r\n",
		   (const char *const[]){ "badstrategy.pbk:3:", "VpnStrategy", NULL }, NULL);
	expect_bad("badbool.conf", "[vpn]\ngateway=a.example\nrefuse-pap=maybe\n",
		   (const char *const[]){ "badbool.conf:3:", "refuse-pap", "maybe", NULL }, NULL);
	expect_bad("noheader.pbk", "[Office\nPhoneNumber=a\n",
		   (const char *const[]){ "noheader.pbk:1:", "]", NULL }, NULL);
}

/* The built library, loaded the way nmcli and nm-connection-editor load it. */
static void test_plugin_library(void)
{
	const char *builddir = g_getenv("top_builddir");
	g_autofree char *so = g_build_filename(builddir ? builddir : ".", "ui",
					       "libnm-vpn-plugin-winvpn.so", NULL);
	g_autofree char *path = g_build_filename(tmpdir, "plugin.conf", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NMVpnEditorPlugin) plugin = NULL;
	g_autoptr(NMConnection) a = conn_new("Via plugin", full_data, "pw");
	g_autoptr(NMConnection) b = NULL;
	g_autofree char *service = NULL;

	if (!g_file_test(so, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "  %s not built: plugin case skipped\n", so);
		return;
	}
	plugin = nm_vpn_editor_plugin_load_from_file(so, NM_DBUS_SERVICE_WINVPN, -1, NULL, NULL,
						     &error);
	CHECK(plugin != NULL);
	if (!plugin) {
		fprintf(stderr, "  load: %s\n", error ? error->message : "?");
		return;
	}
	g_object_get(plugin, NM_VPN_EDITOR_PLUGIN_SERVICE, &service, NULL);
	CHECK_STR(service, NM_DBUS_SERVICE_WINVPN);
	CHECK(nm_vpn_editor_plugin_get_capabilities(plugin) ==
	      (NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT |
	       NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6));
	CHECK(nm_vpn_editor_plugin_export(plugin, path, a, &error));
	b = nm_vpn_editor_plugin_import(plugin, path, &error);
	CHECK(b != NULL);
	if (b)
		check_same(a, b);
	/* A phonebook through the plugin: its first VPN entry. */
	{
		g_autofree char *pbk = data_path("rasphone-utf16.pbk");
		g_autoptr(NMConnection) c = nm_vpn_editor_plugin_import(plugin, pbk, &error);

		CHECK(c && !strcmp(nm_connection_get_id(c), "Office PPTP"));
	}
}

int main(void)
{
	int r;

	tmpdir = g_dir_make_tmp("test-ui-import-XXXXXX", NULL);
	if (!tmpdir)
		return 99;
	test_round_trip();
	test_cli_profile();
	test_malformed();
	test_export_refused();
	test_pbk();
	test_nm_l2tp();
	test_nm_l2tp_cert();
	test_pbk_cert_auto();
	test_round_trip_types();
	test_bad_formats();
	test_plugin_library();
	r = check_done("test-ui-import");
	{
		g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
		const char *n;

		while (d && (n = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(tmpdir, n, NULL);

			g_unlink(p);
		}
	}
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return r;
}
