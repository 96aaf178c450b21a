/* mschap.c -- MS-CHAP v1/v2 responses and RFC 3079 MPPE start keys.
 *
 * MD4 and single DES come from OpenSSL's legacy provider (crypto.c loads it
 * into the engine's library context).  Every intermediate secret -- the
 * UTF-16 password, its hashes, digests, DES keys -- is wiped before return. */
#include "wv.h"

#include <stdio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "rd.h"
#include "auth.h"
#include "auth-methods.h"
#include "mschap.h"

/* RFC 2759 §8.7 */
static const uint8_t auth_magic1[39] = "Magic server to client signing constant";
static const uint8_t auth_magic2[41] = "Pad to make it do more than one iteration";
/* RFC 3079 §3.4 */
static const uint8_t key_magic1[27] = "This is the MPPE Master Key";
static const uint8_t key_magic2[84] =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static const uint8_t key_magic3[84] =
	"On the client side, this is the receive key; on the server side, it is the send key.";

struct part {
	const void *p;
	size_t len;
};

/* SHA-1 over several parts; out gets all 20 octets. */
static int sha1_parts(const struct part *parts, size_t n, uint8_t out[20])
{
	const EVP_MD *md = wv_md("SHA1");
	EVP_MD_CTX *ctx;
	unsigned int outlen = 0;
	int ret = -EIO;
	size_t i;

	if (!md)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, md, NULL))
		goto out;
	for (i = 0; i < n; i++)
		if (parts[i].len && !EVP_DigestUpdate(ctx, parts[i].p, parts[i].len))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, &outlen) || outlen != 20)
		goto out;
	ret = 0;
out:
	if (ret)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* UTF-8 to UTF-16LE.  Rejects what is not UTF-8 (overlong forms, surrogates,
 * code points past U+10FFFF) rather than guess: a wrong guess would only show
 * up as "wrong password" at the server.  Returns the octet count or -EINVAL. */
static int utf8_to_utf16le(const char *s, uint8_t *out, size_t units_max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0;

	while (*p) {
		uint32_t cp;
		unsigned extra, i;

		if (p[0] < 0x80) {
			cp = p[0];
			extra = 0;
		} else if ((p[0] & 0xe0) == 0xc0) {
			cp = p[0] & 0x1f;
			extra = 1;
		} else if ((p[0] & 0xf0) == 0xe0) {
			cp = p[0] & 0x0f;
			extra = 2;
		} else if ((p[0] & 0xf8) == 0xf0) {
			cp = p[0] & 0x07;
			extra = 3;
		} else {
			return -EINVAL;
		}
		for (i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)   /* also stops at the NUL */
				return -EINVAL;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -EINVAL;
		p += extra + 1;

		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xd800 | v >> 10);
			uint16_t lo = (uint16_t)(0xdc00 | (v & 0x3ff));
			if (n + 2 > units_max)
				return -EINVAL;
			out[2 * n] = (uint8_t)hi;
			out[2 * n + 1] = (uint8_t)(hi >> 8);
			out[2 * n + 2] = (uint8_t)lo;
			out[2 * n + 3] = (uint8_t)(lo >> 8);
			n += 2;
		} else {
			if (n + 1 > units_max)
				return -EINVAL;
			out[2 * n] = (uint8_t)cp;
			out[2 * n + 1] = (uint8_t)(cp >> 8);
			n++;
		}
	}
	return (int)(2 * n);
}

int mschap_nt_password_hash(const char *password, uint8_t hash[MSCHAP_HASH_LEN])
{
	uint8_t u16[2 * MSCHAP_MAX_PASSWORD];
	int n, ret;

	n = utf8_to_utf16le(password ? password : "", u16, MSCHAP_MAX_PASSWORD);
	if (n < 0) {
		ret = n;
		goto out;
	}
	ret = wv_md4(u16, (size_t)n, hash);
out:
	wv_wipe(u16, sizeof(u16));
	return ret;
}

int mschap_hash_nt_password_hash(const uint8_t hash[MSCHAP_HASH_LEN],
				 uint8_t hash_hash[MSCHAP_HASH_LEN])
{
	return wv_md4(hash, MSCHAP_HASH_LEN, hash_hash);
}

const char *mschap_user_part(const char *user)
{
	const char *bs;

	if (!user)
		return "";
	bs = strrchr(user, '\\');
	return bs ? bs + 1 : user;
}

int mschap_challenge_hash(const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
			  const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
			  const char *user, uint8_t challenge[8])
{
	/* RFC 2759 §8.2: "Only the user name (as presented by the peer and
	 * excluding any prepended domain name)". */
	const char *name = mschap_user_part(user);
	struct part parts[] = {
		{ peer_challenge, MSCHAP_V2_CHALLENGE_LEN },
		{ auth_challenge, MSCHAP_V2_CHALLENGE_LEN },
		{ name, strlen(name) },
	};
	uint8_t d[20];
	int ret = sha1_parts(parts, ARRAY_SIZE(parts), d);

	if (ret == 0)
		memcpy(challenge, d, 8);
	wv_wipe(d, sizeof(d));
	return ret;
}

void mschap_des_key(const uint8_t raw[7], uint8_t key[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 7; i++)
		v = v << 8 | raw[i];
	for (i = 0; i < 8; i++) {
		uint8_t b = (uint8_t)(((v >> (49 - 7 * i)) & 0x7f) << 1);
		/* Odd parity in the low bit (RFC 2759 §9.3 shows parity-corrected
		 * keys; DES ignores the bit, so it only matters for the vectors). */
		b |= (uint8_t)((__builtin_popcount(b) & 1) ^ 1);
		key[i] = b;
	}
	wv_wipe(&v, sizeof(v));
}

/* DES-ECB of one 8-octet block with a 7-octet key (RFC 2759 §8.6 DesEncrypt). */
static int des_encrypt(const uint8_t clear[8], const uint8_t raw_key[7], uint8_t out[8])
{
	const EVP_CIPHER *des = wv_cipher("DES-ECB");
	EVP_CIPHER_CTX *ctx;
	uint8_t key[8];
	int n = 0, ret = -EIO;

	if (!des)
		return -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	mschap_des_key(raw_key, key);
	if (!EVP_EncryptInit_ex(ctx, des, NULL, key, NULL) || !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_EncryptUpdate(ctx, out, &n, clear, 8) || n != 8)
		goto out;
	ret = 0;
out:
	if (ret)
		ERR_clear_error();
	wv_wipe(key, sizeof(key));
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int mschap_challenge_response(const uint8_t challenge[8], const uint8_t hash[MSCHAP_HASH_LEN],
			      uint8_t response[MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t z[21];
	int ret;

	memset(z, 0, sizeof(z));
	memcpy(z, hash, MSCHAP_HASH_LEN);
	ret = des_encrypt(challenge, z, response);
	if (!ret)
		ret = des_encrypt(challenge, z + 7, response + 8);
	if (!ret)
		ret = des_encrypt(challenge, z + 14, response + 16);
	wv_wipe(z, sizeof(z));
	return ret;
}

int mschapv2_nt_response(const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
			 const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
			 const char *user, const char *password,
			 uint8_t response[MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t chal[8], hash[MSCHAP_HASH_LEN];
	int ret;

	ret = mschap_challenge_hash(peer_challenge, auth_challenge, user, chal);
	if (!ret)
		ret = mschap_nt_password_hash(password, hash);
	if (!ret)
		ret = mschap_challenge_response(chal, hash, response);
	wv_wipe(hash, sizeof(hash));
	wv_wipe(chal, sizeof(chal));
	return ret;
}

int mschapv2_authenticator_response(const uint8_t hash_hash[MSCHAP_HASH_LEN],
				    const uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN],
				    const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
				    const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
				    const char *user, uint8_t out[MSCHAP_AUTH_RESPONSE_LEN])
{
	uint8_t d[20], chal[8];
	struct part p1[] = {
		{ hash_hash, MSCHAP_HASH_LEN },
		{ nt_response, MSCHAP_NT_RESPONSE_LEN },
		{ auth_magic1, sizeof(auth_magic1) },
	};
	struct part p2[] = {
		{ d, sizeof(d) },
		{ chal, sizeof(chal) },
		{ auth_magic2, sizeof(auth_magic2) },
	};
	int ret;

	ret = sha1_parts(p1, ARRAY_SIZE(p1), d);
	if (!ret)
		ret = mschap_challenge_hash(peer_challenge, auth_challenge, user, chal);
	if (!ret)
		ret = sha1_parts(p2, ARRAY_SIZE(p2), out);
	wv_wipe(d, sizeof(d));
	wv_wipe(chal, sizeof(chal));
	return ret;
}

int mschap_master_key(const uint8_t hash_hash[MSCHAP_HASH_LEN],
		      const uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN], uint8_t master[16])
{
	struct part parts[] = {
		{ hash_hash, MSCHAP_HASH_LEN },
		{ nt_response, MSCHAP_NT_RESPONSE_LEN },
		{ key_magic1, sizeof(key_magic1) },
	};
	uint8_t d[20];
	int ret = sha1_parts(parts, ARRAY_SIZE(parts), d);

	if (!ret)
		memcpy(master, d, 16);
	wv_wipe(d, sizeof(d));
	return ret;
}

int mschap_asymmetric_start_key(const uint8_t master[16], bool is_send, bool is_server,
				uint8_t key[16])
{
	static const uint8_t pad1[40] = { 0 };
	static const uint8_t pad2[40] = {
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	};
	/* RFC 3079 §3.4: the server's send key is the client's receive key. */
	const uint8_t *magic = (is_send == is_server) ? key_magic3 : key_magic2;
	struct part parts[] = {
		{ master, 16 },
		{ pad1, sizeof(pad1) },
		{ magic, sizeof(key_magic2) },
		{ pad2, sizeof(pad2) },
	};
	uint8_t d[20];
	int ret = sha1_parts(parts, ARRAY_SIZE(parts), d);

	if (!ret)
		memcpy(key, d, 16);
	wv_wipe(d, sizeof(d));
	return ret;
}

int mschapv1_start_key(const uint8_t challenge[MSCHAP_V1_CHALLENGE_LEN],
		       const uint8_t hash_hash[MSCHAP_HASH_LEN], uint8_t key[16])
{
	struct part parts[] = {
		{ hash_hash, MSCHAP_HASH_LEN },
		{ hash_hash, MSCHAP_HASH_LEN },
		{ challenge, MSCHAP_V1_CHALLENGE_LEN },
	};
	uint8_t d[20];
	int ret = sha1_parts(parts, ARRAY_SIZE(parts), d);

	if (!ret)
		memcpy(key, d, 16);
	wv_wipe(d, sizeof(d));
	return ret;
}

int mschapv2_client_compute(const uint8_t auth_challenge[MSCHAP_V2_CHALLENGE_LEN],
			    const uint8_t peer_challenge[MSCHAP_V2_CHALLENGE_LEN],
			    const char *user, const char *password, struct mschapv2_client *out)
{
	uint8_t chal[8], hash[MSCHAP_HASH_LEN], hh[MSCHAP_HASH_LEN], master[16];
	int ret;

	/* The password is hashed once; every value below derives from it. */
	ret = mschap_nt_password_hash(password, hash);
	if (!ret)
		ret = mschap_hash_nt_password_hash(hash, hh);
	if (!ret)
		ret = mschap_challenge_hash(peer_challenge, auth_challenge, user, chal);
	if (!ret)
		ret = mschap_challenge_response(chal, hash, out->nt_response);
	if (!ret)
		ret = mschapv2_authenticator_response(hh, out->nt_response, peer_challenge,
						      auth_challenge, user, out->auth_response);
	if (!ret)
		ret = mschap_master_key(hh, out->nt_response, master);
	/* RFC 3079 §3.4, client view: send = Magic2, receive = Magic3. */
	if (!ret)
		ret = mschap_asymmetric_start_key(master, true, false, out->send_key);
	if (!ret)
		ret = mschap_asymmetric_start_key(master, false, false, out->recv_key);
	wv_wipe(chal, sizeof(chal));
	wv_wipe(hash, sizeof(hash));
	wv_wipe(hh, sizeof(hh));
	wv_wipe(master, sizeof(master));
	if (ret)
		wv_wipe(out, sizeof(*out));
	return ret;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mschapv2_check_success(const uint8_t expected[MSCHAP_AUTH_RESPONSE_LEN],
			   const uint8_t *msg, size_t len, const uint8_t **text, size_t *text_len)
{
	struct rd r = rd_init(msg, len);
	const uint8_t *s = rd_bytes(&r, 2), *hex;
	uint8_t got[MSCHAP_AUTH_RESPONSE_LEN];
	size_t i, left;
	int ret;

	*text = msg + len;
	*text_len = 0;
	if (!s || s[0] != 'S' || s[1] != '=')
		return -EBADMSG;
	hex = rd_bytes(&r, 2 * MSCHAP_AUTH_RESPONSE_LEN);
	if (!hex)
		return -EBADMSG;
	for (i = 0; i < MSCHAP_AUTH_RESPONSE_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EBADMSG;
		got[i] = (uint8_t)(hi << 4 | lo);
	}
	/* RFC 2759 §5: S=<auth_string> M=<message>.  Windows Server 2019 sends
	 * "S=...M=..." without the space; Windows 2000 sends no M= at all. */
	left = rd_left(&r);
	if (left >= 3 && memcmp(r.p, " M=", 3) == 0)
		rd_skip(&r, 3);
	else if (left >= 2 && memcmp(r.p, "M=", 2) == 0)
		rd_skip(&r, 2);
	*text = r.p;
	*text_len = rd_left(&r);

	ret = CRYPTO_memcmp(got, expected, MSCHAP_AUTH_RESPONSE_LEN) == 0 ? 0 : -EACCES;
	wv_wipe(got, sizeof(got));
	return ret;
}

int mschapv1_client_compute(const uint8_t challenge[MSCHAP_V1_CHALLENGE_LEN],
			    const char *password, uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN],
			    struct mppe_keys *keys)
{
	uint8_t hash[MSCHAP_HASH_LEN], hh[MSCHAP_HASH_LEN];
	int ret;

	ret = mschap_nt_password_hash(password, hash);
	if (!ret)
		ret = mschap_challenge_response(challenge, hash, nt_response);
	if (!ret)
		ret = mschap_hash_nt_password_hash(hash, hh);
	/* RFC 3079 §2.3 for 128 bits; pppd (chap_ms.c, mppe_set_chapv1) uses the
	 * same key for 40 bits too, where §2.1 would take the LAN Manager hash.
	 * MS-CHAPv1 keys are symmetric: the same start key both ways. */
	if (!ret && keys)
		ret = mschapv1_start_key(challenge, hh, keys->send);
	if (!ret && keys) {
		memcpy(keys->recv, keys->send, sizeof(keys->recv));
		keys->valid = true;
	}
	wv_wipe(hash, sizeof(hash));
	wv_wipe(hh, sizeof(hh));
	if (ret) {
		wv_wipe(nt_response, MSCHAP_NT_RESPONSE_LEN);
		if (keys)
			wv_wipe(keys, sizeof(*keys));
	}
	return ret;
}

/* ---- Failure messages ---- */

static const struct {
	long code;
	const char *text;
} mschap_errors[] = {
	/* Windows RAS error codes (RFC 2759 §6) */
	{ 646, N_("the account is not allowed to log on at this time of day "
		  "(restricted logon hours)") },
	{ 647, N_("the account is disabled") },
	{ 648, N_("the password has expired; change it (for example by logging on to Windows) "
		  "and try again") },
	{ 649, N_("the account has no permission to dial in (its network access permission on the "
		  "server)") },
	{ 691, N_("the server rejected the user name or password") },
	{ 709, N_("the server reported an error while changing the password") },
};

void mschap_parse_failure(const uint8_t *msg, size_t len, struct mschap_failure *f)
{
	struct rd r = rd_init(msg, len);

	f->error = -1;
	f->retry = -1;
	f->text = NULL;
	f->text_len = 0;
	while (rd_left(&r) >= 2) {
		uint8_t key = r.p[0];
		long v = 0;
		int digits = 0;

		if (key == ' ' || r.p[1] != '=') {
			rd_skip(&r, 1);
			continue;
		}
		rd_skip(&r, 2);
		if (key == 'M') {
			f->text = r.p;
			f->text_len = rd_left(&r);
			break;
		}
		/* A value runs to a space, or to an "M=" glued on by a server
		 * that forgets spaces (as Windows Server 2019 does in Success). */
		while (rd_left(&r) && r.p[0] != ' ' &&
		       !(r.p[0] == 'M' && rd_left(&r) >= 2 && r.p[1] == '=')) {
			uint8_t ch = rd_u8(&r);
			if (ch >= '0' && ch <= '9' && digits < 9) {
				v = v * 10 + (ch - '0');
				digits++;
			}
		}
		if (key == 'E' && digits)
			f->error = v;
		else if (key == 'R' && digits)
			f->retry = v;
	}
	if (f->error < 0 && !f->text) {
		f->text = msg;
		f->text_len = len;
	}
}

void mschap_failure_sentence(const struct mschap_failure *f, const char *method, char *out,
			     size_t size)
{
	const char *desc = NULL;
	char said[200], head[300];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mschap_errors); i++)
		if (mschap_errors[i].code == f->error)
			desc = _(mschap_errors[i].text);
	if (f->error >= 0)
		snprintf(head, sizeof(head), _("%s (%s error %ld)"),
			 desc ? desc : _("the server refused the authentication"), method, f->error);
	else
		snprintf(head, sizeof(head), "%s (%s)",
			 _("the server rejected the user name or password"), method);
	auth_sanitize(f->text, f->text_len, said, sizeof(said));
	if (*said)
		snprintf(out, size, _("%s; the server said: \"%s\""), head, said);
	else
		snprintf(out, size, "%s", head);
}
