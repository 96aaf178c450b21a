/* ike-proposal.c -- IKE and ESP proposal strings in strongSwan's syntax
 * ("aes256-sha1-modp2048,3des-sha1-modp1024" for Main Mode, "aes256-sha1"
 * or "aes128gcm16" for ESP, "-modpN" on an ESP proposal asking for PFS), the
 * algorithm tables behind them, and their names for messages.
 *
 * A proposal is a '-'-separated list of tokens; each token is an encryption
 * algorithm, an integrity/hash algorithm or a DH group, and a proposal with
 * several of a kind stands for every combination (strongSwan does the same).
 * A trailing '!' (strict, in strongSwan and libreswan) is accepted and means
 * nothing more here: we only ever offer what is listed. */
#include "wv.h"

#include <stdio.h>

#include "ike-int.h"

enum tok_kind { TOK_ENC, TOK_INTEG, TOK_GROUP };

struct tok {
	const char *name;
	enum tok_kind kind;
	uint8_t p1_id;            /* IKE_ENC_* / IKE_HASH_*; 0: not for Main Mode */
	uint8_t esp_id;           /* ESP_T_* / IPSEC_AUTH_*; 0: not for ESP */
	uint16_t bits;            /* key length, or DH group number */
};

static const struct tok toks[] = {
	{ "aes128", TOK_ENC, IKE_ENC_AES_CBC, ESP_T_AES_CBC, 128 },
	{ "aes", TOK_ENC, IKE_ENC_AES_CBC, ESP_T_AES_CBC, 128 },
	{ "aes192", TOK_ENC, IKE_ENC_AES_CBC, ESP_T_AES_CBC, 192 },
	{ "aes256", TOK_ENC, IKE_ENC_AES_CBC, ESP_T_AES_CBC, 256 },
	{ "3des", TOK_ENC, IKE_ENC_3DES_CBC, ESP_T_3DES, 0 },
	{ "aes128gcm16", TOK_ENC, 0, ESP_T_AES_GCM_16, 128 },
	{ "aes128gcm128", TOK_ENC, 0, ESP_T_AES_GCM_16, 128 },
	{ "aes192gcm16", TOK_ENC, 0, ESP_T_AES_GCM_16, 192 },
	{ "aes192gcm128", TOK_ENC, 0, ESP_T_AES_GCM_16, 192 },
	{ "aes256gcm16", TOK_ENC, 0, ESP_T_AES_GCM_16, 256 },
	{ "aes256gcm128", TOK_ENC, 0, ESP_T_AES_GCM_16, 256 },
	{ "md5", TOK_INTEG, IKE_HASH_MD5, IPSEC_AUTH_HMAC_MD5, 0 },
	{ "sha1", TOK_INTEG, IKE_HASH_SHA1, IPSEC_AUTH_HMAC_SHA1, 0 },
	{ "sha", TOK_INTEG, IKE_HASH_SHA1, IPSEC_AUTH_HMAC_SHA1, 0 },
	{ "sha256", TOK_INTEG, IKE_HASH_SHA256, IPSEC_AUTH_HMAC_SHA256, 0 },
	{ "sha2_256", TOK_INTEG, IKE_HASH_SHA256, IPSEC_AUTH_HMAC_SHA256, 0 },
	{ "sha384", TOK_INTEG, IKE_HASH_SHA384, 0, 0 },
	{ "sha2_384", TOK_INTEG, IKE_HASH_SHA384, 0, 0 },
	{ "sha512", TOK_INTEG, IKE_HASH_SHA512, 0, 0 },
	{ "sha2_512", TOK_INTEG, IKE_HASH_SHA512, 0, 0 },
	{ "modp768", TOK_GROUP, 1, 1, 1 },
	{ "modp1024", TOK_GROUP, 1, 1, 2 },
	{ "modp1536", TOK_GROUP, 1, 1, 5 },
	{ "modp2048", TOK_GROUP, 1, 1, 14 },
	{ "modp3072", TOK_GROUP, 1, 1, 15 },
	{ "modp4096", TOK_GROUP, 1, 1, 16 },
	{ "modp6144", TOK_GROUP, 1, 1, 17 },
	{ "modp8192", TOK_GROUP, 1, 1, 18 },
	{ "ecp256", TOK_GROUP, 1, 1, 19 },
	{ "ecp384", TOK_GROUP, 1, 1, 20 },
	{ "ecp521", TOK_GROUP, 1, 1, 21 },
};

#define TOK_MAX 8                  /* algorithms of one kind in one proposal */

struct parsed {
	const struct tok *enc[TOK_MAX], *integ[TOK_MAX], *group[TOK_MAX];
	unsigned n_enc, n_integ, n_group;
};

static const struct tok *tok_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(toks); i++)
		if (strlen(toks[i].name) == len && strncmp(toks[i].name, name, len) == 0)
			return &toks[i];
	return NULL;
}

/* Splits one proposal into its tokens.  `what` is "IKE" or "ESP". */
static int parse_one(const char *prop, size_t plen, bool esp, struct parsed *pp, char *err,
		     size_t errlen)
{
	const char *p = prop, *end = prop + plen;

	memset(pp, 0, sizeof(*pp));
	if (plen && end[-1] == '!')
		end--;
	if (p == end) {
		snprintf(err, errlen, _("empty %s proposal"), esp ? "ESP" : "IKE");
		return -EINVAL;
	}
	while (p < end) {
		const char *dash = memchr(p, '-', (size_t)(end - p));
		size_t tl = dash ? (size_t)(dash - p) : (size_t)(end - p);
		const struct tok *t = tok_find(p, tl);
		const struct tok **slot;
		unsigned *cnt;

		if (!t) {
			snprintf(err, errlen,
				 _("unknown algorithm '%.*s' in the %s proposal '%.*s'"),
				 (int)tl, p, esp ? "ESP" : "IKE", (int)plen, prop);
			return -EINVAL;
		}
		if ((esp && !t->esp_id) || (!esp && !t->p1_id)) {
			snprintf(err, errlen, _("'%.*s' cannot be used in an %s proposal ('%.*s')"),
				 (int)tl, p, esp ? "ESP" : "IKE", (int)plen, prop);
			return -EINVAL;
		}
		switch (t->kind) {
		case TOK_ENC: slot = pp->enc; cnt = &pp->n_enc; break;
		case TOK_INTEG: slot = pp->integ; cnt = &pp->n_integ; break;
		default: slot = pp->group; cnt = &pp->n_group; break;
		}
		if (*cnt == TOK_MAX) {
			snprintf(err, errlen, _("too many algorithms in the %s proposal '%.*s'"),
				 esp ? "ESP" : "IKE", (int)plen, prop);
			return -EINVAL;
		}
		slot[(*cnt)++] = t;
		p += tl + (dash ? 1 : 0);
		if (dash && p == end) {
			snprintf(err, errlen, _("the %s proposal '%.*s' ends with '-'"),
				 esp ? "ESP" : "IKE", (int)plen, prop);
			return -EINVAL;
		}
	}
	return 0;
}

/* Calls fn for each comma-separated proposal. */
static int each_prop(const char *s, bool esp, char *err, size_t errlen,
		     int (*fn)(const struct parsed *pp, const char *prop, size_t plen, void *ctx,
			       char *err, size_t errlen),
		     void *ctx)
{
	const char *p = s;

	if (!s || !*s) {
		snprintf(err, errlen, _("no %s proposals"), esp ? "ESP" : "IKE");
		return -EINVAL;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t plen = comma ? (size_t)(comma - p) : strlen(p);
		struct parsed pp;
		int r;

		/* tolerate blanks around commas */
		while (plen && (*p == ' ' || *p == '\t')) {
			p++;
			plen--;
		}
		while (plen && (p[plen - 1] == ' ' || p[plen - 1] == '\t'))
			plen--;
		r = parse_one(p, plen, esp, &pp, err, errlen);
		if (!r)
			r = fn(&pp, p, plen, ctx, err, errlen);
		if (r)
			return r;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

struct p1_ctx {
	struct ike_p1_prop *out;
	unsigned *n;
};

static int p1_add(const struct parsed *pp, const char *prop, size_t plen, void *vctx,
		  char *err, size_t errlen)
{
	struct p1_ctx *c = vctx;
	unsigned e, h, g;

	if (!pp->n_enc || !pp->n_integ || !pp->n_group) {
		snprintf(err, errlen,
			 _("the IKE proposal '%.*s' needs an encryption algorithm, a hash and a "
			   "Diffie-Hellman group, e.g. 'aes256-sha1-modp2048'"), (int)plen, prop);
		return -EINVAL;
	}
	for (e = 0; e < pp->n_enc; e++)
		for (h = 0; h < pp->n_integ; h++)
			for (g = 0; g < pp->n_group; g++) {
				struct ike_p1_prop *o;

				if (*c->n == IKE_MAX_PROPS) {
					snprintf(err, errlen, _("more than %d IKE proposals"),
						 IKE_MAX_PROPS);
					return -EINVAL;
				}
				o = &c->out[(*c->n)++];
				o->enc = pp->enc[e]->p1_id;
				o->key_bits = o->enc == IKE_ENC_AES_CBC ? pp->enc[e]->bits : 0;
				o->hash = pp->integ[h]->p1_id;
				o->group = pp->group[g]->bits;
			}
	return 0;
}

int ike_p1_props_parse(const char *s, struct ike_p1_prop *out, unsigned *n, char *err,
		       size_t errlen)
{
	struct p1_ctx c = { out, n };

	*n = 0;
	return each_prop(s, false, err, errlen, p1_add, &c);
}

struct p2_ctx {
	struct ike_p2_prop *out;
	unsigned *n;
};

static int p2_add(const struct parsed *pp, const char *prop, size_t plen, void *vctx,
		  char *err, size_t errlen)
{
	struct p2_ctx *c = vctx;
	unsigned e, i, g, n_integ;

	if (!pp->n_enc) {
		snprintf(err, errlen, _("the ESP proposal '%.*s' names no encryption algorithm, "
					"e.g. 'aes256-sha1'"), (int)plen, prop);
		return -EINVAL;
	}
	for (e = 0; e < pp->n_enc; e++) {
		bool gcm = pp->enc[e]->esp_id == ESP_T_AES_GCM_16;

		if (gcm && pp->n_integ) {
			snprintf(err, errlen,
				 _("the ESP proposal '%.*s' combines AES-GCM, which "
				   "authenticates itself, with an integrity algorithm"),
				 (int)plen, prop);
			return -EINVAL;
		}
		if (!gcm && !pp->n_integ) {
			snprintf(err, errlen, _("the ESP proposal '%.*s' needs an integrity "
						"algorithm, e.g. 'aes256-sha1'"), (int)plen, prop);
			return -EINVAL;
		}
	}
	for (e = 0; e < pp->n_enc; e++) {
		bool gcm = pp->enc[e]->esp_id == ESP_T_AES_GCM_16;

		n_integ = gcm ? 1 : pp->n_integ;
		for (i = 0; i < n_integ; i++)
			for (g = 0; g < (pp->n_group ? pp->n_group : 1); g++) {
				struct ike_p2_prop *o;

				if (*c->n == IKE_MAX_PROPS) {
					snprintf(err, errlen, _("more than %d ESP proposals"),
						 IKE_MAX_PROPS);
					return -EINVAL;
				}
				o = &c->out[(*c->n)++];
				o->esp_id = pp->enc[e]->esp_id;
				o->key_bits = o->esp_id == ESP_T_3DES ? 0 : pp->enc[e]->bits;
				o->auth = gcm ? 0 : pp->integ[i]->esp_id;
				o->pfs_group = pp->n_group ? pp->group[g]->bits : 0;
			}
	}
	return 0;
}

int ike_p2_props_parse(const char *s, struct ike_p2_prop *out, unsigned *n, char *err,
		       size_t errlen)
{
	struct p2_ctx c = { out, n };
	unsigned i;
	int r;

	*n = 0;
	r = each_prop(s, true, err, errlen, p2_add, &c);
	if (r)
		return r;
	/* Quick Mode carries one KE payload: every proposal must agree on PFS
	 * (RFC 2409 §5.5). */
	for (i = 1; i < *n; i++)
		if (out[i].pfs_group != out[0].pfs_group) {
			snprintf(err, errlen, _("all ESP proposals must use the same PFS group "
						"(or none): '%s'"), s);
			return -EINVAL;
		}
	return 0;
}

static const char *group_name(uint16_t group)
{
	const struct ike_dh_group *g = ike_dh_group(group);

	return g ? g->name : "?";
}

void ike_p1_prop_str(const struct ike_p1_prop *p, char *out, size_t cap)
{
	const char *enc = p->enc == IKE_ENC_3DES_CBC ? "3des" : "aes";
	const char *hash;
	char bits[8] = "";

	switch (p->hash) {
	case IKE_HASH_MD5: hash = "md5"; break;
	case IKE_HASH_SHA1: hash = "sha1"; break;
	case IKE_HASH_SHA256: hash = "sha256"; break;
	case IKE_HASH_SHA384: hash = "sha384"; break;
	case IKE_HASH_SHA512: hash = "sha512"; break;
	default: hash = "?"; break;
	}
	if (p->enc == IKE_ENC_AES_CBC)
		snprintf(bits, sizeof(bits), "%u", p->key_bits);
	snprintf(out, cap, "%s%s-%s-%s", enc, bits, hash, group_name(p->group));
}

void ike_p2_prop_str(const struct ike_p2_prop *p, char *out, size_t cap)
{
	const char *auth = "";
	char pfs[16] = "";

	switch (p->auth) {
	case IPSEC_AUTH_HMAC_MD5: auth = "-md5"; break;
	case IPSEC_AUTH_HMAC_SHA1: auth = "-sha1"; break;
	case IPSEC_AUTH_HMAC_SHA256: auth = "-sha256"; break;
	}
	if (p->pfs_group)
		snprintf(pfs, sizeof(pfs), "-%s", group_name(p->pfs_group));
	if (p->esp_id == ESP_T_3DES)
		snprintf(out, cap, "3des%s%s", auth, pfs);
	else if (p->esp_id == ESP_T_AES_GCM_16)
		snprintf(out, cap, "aes%ugcm16%s", p->key_bits, pfs);
	else
		snprintf(out, cap, "aes%u%s%s", p->key_bits, auth, pfs);
}

void ike_p1_list_str(const struct ike_p1_prop *p, unsigned n, char *out, size_t cap)
{
	size_t pos = 0;
	unsigned i;

	if (cap)
		out[0] = 0;
	for (i = 0; i < n && pos + 1 < cap; i++) {
		if (i)
			pos += (size_t)snprintf(out + pos, cap - pos, ", ");
		if (pos + 1 < cap)
			ike_p1_prop_str(&p[i], out + pos, cap - pos);
		pos += strlen(out + pos);
	}
}

void ike_p2_list_str(const struct ike_p2_prop *p, unsigned n, char *out, size_t cap)
{
	size_t pos = 0;
	unsigned i;

	if (cap)
		out[0] = 0;
	for (i = 0; i < n && pos + 1 < cap; i++) {
		if (i)
			pos += (size_t)snprintf(out + pos, cap - pos, ", ");
		if (pos + 1 < cap)
			ike_p2_prop_str(&p[i], out + pos, cap - pos);
		pos += strlen(out + pos);
	}
}

const char *ike_p1_cipher(const struct ike_p1_prop *p)
{
	if (p->enc == IKE_ENC_3DES_CBC)
		return "DES-EDE3-CBC";
	switch (p->key_bits) {
	case 128: return "AES-128-CBC";
	case 192: return "AES-192-CBC";
	case 256: return "AES-256-CBC";
	default: return NULL;
	}
}

size_t ike_p1_key_len(const struct ike_p1_prop *p)
{
	return p->enc == IKE_ENC_3DES_CBC ? 24 : p->key_bits / 8;
}

const char *ike_p1_md(const struct ike_p1_prop *p)
{
	switch (p->hash) {
	case IKE_HASH_MD5: return "MD5";
	case IKE_HASH_SHA1: return "SHA1";
	case IKE_HASH_SHA256: return "SHA256";
	case IKE_HASH_SHA384: return "SHA384";
	case IKE_HASH_SHA512: return "SHA512";
	default: return NULL;
	}
}

int ike_p2_esp_alg(const struct ike_p2_prop *p, struct esp_alg *alg)
{
	memset(alg, 0, sizeof(*alg));
	switch (p->esp_id) {
	case ESP_T_3DES:
		alg->enc = ESP_ENC_3DES_CBC;
		alg->enc_key_len = 24;
		break;
	case ESP_T_AES_CBC:
		alg->enc = ESP_ENC_AES_CBC;
		alg->enc_key_len = p->key_bits / 8;
		break;
	case ESP_T_AES_GCM_16:
		alg->enc = ESP_ENC_AES_GCM16;
		alg->enc_key_len = p->key_bits / 8;
		break;
	default:
		return -EINVAL;
	}
	switch (p->auth) {
	case 0: alg->integ = ESP_INTEG_NONE; break;
	case IPSEC_AUTH_HMAC_MD5: alg->integ = ESP_INTEG_HMAC_MD5_96; break;
	case IPSEC_AUTH_HMAC_SHA1: alg->integ = ESP_INTEG_HMAC_SHA1_96; break;
	case IPSEC_AUTH_HMAC_SHA256: alg->integ = ESP_INTEG_HMAC_SHA256_128; break;
	default: return -EINVAL;
	}
	return esp_keymat_len(alg) ? 0 : -EINVAL;
}
