/* test-core.c -- the engine's core: bounds-checked reader, packet buffers,
 * timers on a fake clock, the settings table and profile files, exit codes. */
#include "wv.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "loop.h"
#include "pkt.h"
#include "rd.h"
#include "settings.h"

static void test_rd(void)
{
	const uint8_t buf[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct rd r = rd_init(buf, sizeof(buf)), sub;

	CHECK(rd_u8(&r) == 0x01);
	CHECK(rd_be16(&r) == 0x0203);
	CHECK(rd_be32(&r) == 0x04050607);
	CHECK(rd_ok(&r) && rd_left(&r) == 0);
	/* A read past the end fails, and so does every read after it. */
	CHECK(rd_u8(&r) == 0 && !rd_ok(&r));
	r = rd_init(buf, 3);
	CHECK(rd_be32(&r) == 0 && !rd_ok(&r));
	CHECK(rd_bytes(&r, 1) == NULL);
	/* A sub-reader longer than what is left is an error, not a window past the end. */
	r = rd_init(buf, sizeof(buf));
	sub = rd_sub(&r, 8);
	CHECK(!rd_ok(&sub) && !rd_ok(&r));
	r = rd_init(buf, sizeof(buf));
	sub = rd_sub(&r, 2);
	CHECK(rd_ok(&sub) && rd_be16(&sub) == 0x0102 && rd_left(&r) == 5);
}

static void test_pkt(void)
{
	struct pkt *p = pkt_alloc(), *q;
	uint8_t *h;

	CHECK(p && p->len == 0 && pkt_headroom(p) == PKT_HEADROOM);
	CHECK(pkt_put(p, 100) != NULL && p->len == 100);
	h = pkt_push(p, 4);
	CHECK(h == p->data && p->len == 104);
	CHECK(pkt_push(p, PKT_HEADROOM) == NULL);      /* more than the headroom left */
	CHECK(pkt_pull(p, 4) == h && p->len == 100);
	CHECK(pkt_pull(p, 101) == NULL && p->len == 100);
	CHECK(pkt_put(p, PKT_DATA_MAX + PKT_TAILROOM) == NULL);
	pkt_free(p);
	q = pkt_alloc();                               /* recycled, and reset */
	CHECK(q && q->len == 0 && pkt_headroom(q) == PKT_HEADROOM);
	pkt_free(q);
	CHECK(pkt_from((const uint8_t *)"x", PKT_DATA_MAX + PKT_TAILROOM + 1) == NULL);
	pkt_pool_drain();
}

static uint64_t fake_now;
static uint64_t fake_clock(void *arg) { (void)arg; return fake_now; }
static int fired[3];
static void fire(void *arg) { fired[(intptr_t)arg]++; }

static void test_timers(void)
{
	struct wv_loop *l = wv_loop_new();
	struct wv_timer a, b, c;

	wv_loop_set_clock(l, fake_clock, NULL);
	fake_now = 1000;
	wv_timer_init(&a, fire, (void *)0);
	wv_timer_init(&b, fire, (void *)1);
	wv_timer_init(&c, fire, (void *)2);
	CHECK(wv_loop_timeout(l) == -1);
	wv_timer_arm(l, &a, 300);
	wv_timer_arm(l, &b, 100);
	wv_timer_arm(l, &c, 200);
	CHECK(wv_loop_timeout(l) == 100);
	wv_timer_cancel(l, &c);
	fake_now = 1150;
	wv_loop_run_timers(l);
	CHECK(fired[0] == 0 && fired[1] == 1 && fired[2] == 0);
	CHECK(wv_loop_timeout(l) == 150);
	wv_timer_arm(l, &a, 10);                       /* re-arming moves it */
	fake_now = 1160;
	wv_loop_run_timers(l);
	CHECK(fired[0] == 1 && !wv_timer_armed(&a) && wv_loop_timeout(l) == -1);
	wv_loop_free(l);
}

static void test_settings(void)
{
	struct wv_settings *st = wv_settings_new();
	char *err = NULL, path[] = "/tmp/winvpn-test-profile-XXXXXX";
	FILE *f;
	int fd;

	CHECK(wv_settings_set(st, "gateway", "10.98.0.2", &err) == 0);
	CHECK(wv_settings_set(st, "require-mppe-128", "maybe", &err) == -EINVAL);
	CHECK_STR(err, "invalid require-mppe-128 'maybe': expected yes or no");
	free(err);
	CHECK(wv_settings_set(st, "mtu", "99999", &err) == -EINVAL);
	CHECK_STR(err, "invalid mtu '99999': expected a number from 576 to 1500");
	free(err);
	CHECK(wv_settings_set(st, "gatway", "x", &err) == -EINVAL);
	CHECK_STR(err, "unknown setting 'gatway'");
	free(err);
	CHECK(wv_settings_set(st, "user", "al\nice", &err) == -EINVAL);
	free(err);
	CHECK(wv_settings_set(st, "protocol", "sstp", &err) == -EINVAL);
	CHECK_STR(err, "invalid protocol 'sstp': expected one of pptp|l2tp|auto");
	free(err);
	/* Secrets set through the plain setter land in the secret store... */
	CHECK(wv_settings_set(st, "password", "hunter2", NULL) == 0);
	CHECK_STR(wv_settings_secret(st, "password"), "hunter2");
	/* ...and a bad one is never quoted back. */
	CHECK(wv_settings_set_secret(st, "password", "bad\x01", &err) == -EINVAL);
	CHECK(err && !strstr(err, "bad"));
	free(err);
	CHECK(wv_settings_uint(st, "lcp-echo-interval") == 10);     /* default */
	CHECK(!wv_settings_bool(st, "require-mppe"));
	CHECK(wv_settings_check(st, NULL) == 0);
	wv_settings_free(st);

	st = wv_settings_new();
	CHECK(wv_settings_check(st, &err) == -EINVAL);
	CHECK_STR(err, "no gateway given: set 'gateway'");
	free(err);

	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "# office\n\ngateway = vpn.example.com\n  user=alice  \nrefuse-pap = yes\n"
		   "mtu = 14x0\n");
	fclose(f);
	CHECK(wv_settings_load_file(st, path, &err) == -EINVAL);
	CHECK(err && strstr(err, ":6: invalid mtu '14x0'"));
	free(err);
	CHECK_STR(wv_settings_get(st, "user"), "alice");
	CHECK(wv_settings_bool(st, "refuse-pap"));
	unlink(path);
	CHECK(wv_settings_load_file(st, "/nonexistent/x.conf", &err) == -ENOENT);
	CHECK(err && strstr(err, "/nonexistent/x.conf"));
	free(err);
	wv_settings_free(st);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Which secrets a connection needs (the CLI's prompts, NetworkManager's
 * NeedSecrets and the auth dialog all ask this one rule). */
static void test_secret_need(void)
{
	struct wv_settings *st = wv_settings_new();
	char dir[] = "/tmp/winvpn-test-keys-XXXXXX", plain[64], enc[64], p8[64], der[64];
	static const uint8_t der_bytes[] = { 0x30, 0x82, 0x04, 0x00, 0x02, 0x01, 0x03 };
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(plain, sizeof(plain), "%s/plain.pem", dir);
	snprintf(enc, sizeof(enc), "%s/enc.pem", dir);
	snprintf(p8, sizeof(p8), "%s/p8.pem", dir);
	snprintf(der, sizeof(der), "%s/key.der", dir);
	write_text(plain, "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
	write_text(enc, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
			"DEK-Info: AES-128-CBC,00\n\nMIIE\n-----END RSA PRIVATE KEY-----\n");
	write_text(p8, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n"
		       "-----END ENCRYPTED PRIVATE KEY-----\n");
	f = fopen(der, "w");
	CHECK(f && fwrite(der_bytes, 1, sizeof(der_bytes), f) == sizeof(der_bytes));
	if (f)
		fclose(f);

	CHECK(!wv_key_needs_passphrase(plain, ""));
	CHECK(wv_key_needs_passphrase(plain, enc));             /* the key file decides */
	CHECK(wv_key_needs_passphrase("", p8));
	CHECK(wv_key_needs_passphrase(der, NULL));              /* binary: PKCS#12 or DER */
	CHECK(wv_key_needs_passphrase("/nonexistent/me.P12", ""));   /* by its name */
	CHECK(!wv_key_needs_passphrase("/nonexistent/me.pem", ""));
	CHECK(!wv_key_needs_passphrase(NULL, NULL));

	/* PPTP (the default): the password only. */
	CHECK(wv_settings_secret_need(st, "password") == WV_SECRET_NEEDED);
	CHECK(wv_settings_secret_need(st, "ipsec-psk") == WV_SECRET_UNUSED);
	CHECK(wv_settings_secret_need(st, "machine-certpass") == WV_SECRET_UNUSED);
	CHECK(wv_settings_secret_need(st, "user-certpass") == WV_SECRET_UNUSED);
	CHECK(wv_settings_secret_need(st, "gateway") == WV_SECRET_UNUSED);
	/* L2TP/IPsec needs the pre-shared key; Automatic can go without. */
	CHECK(wv_settings_set(st, "protocol", "l2tp", NULL) == 0);
	CHECK(wv_settings_secret_need(st, "ipsec-psk") == WV_SECRET_NEEDED);
	CHECK(wv_settings_set(st, "protocol", "auto", NULL) == 0);
	CHECK(wv_settings_secret_need(st, "ipsec-psk") == WV_SECRET_OPTIONAL);
	CHECK(wv_settings_set(st, "ipsec-enabled", "no", NULL) == 0);
	CHECK(wv_settings_secret_need(st, "ipsec-psk") == WV_SECRET_UNUSED);
	CHECK(wv_settings_set(st, "ipsec-enabled", "yes", NULL) == 0);
	/* A machine certificate instead: its passphrase when the key is encrypted. */
	CHECK(wv_settings_set(st, "machine-auth-type", "tls", NULL) == 0);
	CHECK(wv_settings_set(st, "machine-cert", plain, NULL) == 0);
	CHECK(wv_settings_secret_need(st, "ipsec-psk") == WV_SECRET_UNUSED);
	CHECK(wv_settings_secret_need(st, "machine-certpass") == WV_SECRET_UNUSED);
	CHECK(wv_settings_set(st, "machine-key", enc, NULL) == 0);
	CHECK(wv_settings_secret_need(st, "machine-certpass") == WV_SECRET_NEEDED);
	CHECK(wv_settings_set(st, "protocol", "pptp", NULL) == 0);
	CHECK(wv_settings_secret_need(st, "machine-certpass") == WV_SECRET_UNUSED);
	/* EAP-TLS: the user key's passphrase instead of the password. */
	CHECK(wv_settings_set(st, "user-auth-type", "tls", NULL) == 0);
	CHECK(wv_settings_set(st, "user-cert", "/nonexistent/user.pfx", NULL) == 0);
	CHECK(wv_settings_secret_need(st, "password") == WV_SECRET_UNUSED);
	CHECK(wv_settings_secret_need(st, "user-certpass") == WV_SECRET_NEEDED);
	CHECK(wv_settings_set(st, "user-cert", plain, NULL) == 0);
	CHECK(wv_settings_secret_need(st, "user-certpass") == WV_SECRET_UNUSED);
	wv_settings_free(st);
	unlink(plain);
	unlink(enc);
	unlink(p8);
	unlink(der);
	rmdir(dir);
}

static void test_exit_codes(void)
{
	/* Distinct codes for the failures a script must tell apart (winvpn(8)). */
	CHECK(wv_fail_exit_code(WV_OK) == 0);
	CHECK(wv_fail_exit_code(WV_FAIL_CONFIG) == 2);
	CHECK(wv_fail_exit_code(WV_FAIL_AUTH) == 3);
	CHECK(wv_fail_exit_code(WV_FAIL_UNREACHABLE) == 4);
	CHECK(wv_fail_exit_code(WV_FAIL_PEER_DEAD) == 5);
	CHECK(wv_fail_exit_code(WV_FAIL_PROTOCOL) == 6);
	CHECK(wv_fail_exit_code(WV_FAIL_PROPOSAL) == 7);
}

int main(void)
{
	test_rd();
	test_pkt();
	test_timers();
	test_settings();
	test_secret_need();
	test_exit_codes();
	return check_done("test-core");
}
