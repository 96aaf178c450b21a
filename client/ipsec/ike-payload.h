/* ike-payload.h -- ISAKMP (RFC 2408) messages as IKEv1 (RFC 2409) and NAT-T
 * (RFC 3947) use them: the fixed header, the generic payload chain and the
 * payloads' bodies; a strict parser that reads through struct rd, and a
 * generator with a sticky error.  Internal. */
#ifndef WV_IKE_PAYLOAD_H
#define WV_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISAKMP_HDR_LEN       28
#define ISAKMP_GEN_HDR_LEN   4
#define ISAKMP_VERSION       0x10          /* major 1, minor 0 */
#define ISAKMP_COOKIE_LEN    8
/* The largest message we build or accept.  Main and Quick Mode with PSK stay
 * far below it (a MODP-4096 KE is 512 octets); certificates are not used. */
#define ISAKMP_MSG_MAX       4096

/* Payload types (RFC 2408 §3.1, RFC 3947 §3.2 and §5.2, draft-ietf-ipsec-nat-t-ike-02) */
enum isakmp_pl_type {
	ISAKMP_PL_NONE = 0,
	ISAKMP_PL_SA = 1,
	ISAKMP_PL_P = 2,              /* proposal: only inside SA */
	ISAKMP_PL_T = 3,              /* transform: only inside a proposal */
	ISAKMP_PL_KE = 4,
	ISAKMP_PL_ID = 5,
	ISAKMP_PL_CERT = 6,
	ISAKMP_PL_CR = 7,
	ISAKMP_PL_HASH = 8,
	ISAKMP_PL_SIG = 9,
	ISAKMP_PL_NONCE = 10,
	ISAKMP_PL_N = 11,
	ISAKMP_PL_D = 12,
	ISAKMP_PL_VID = 13,
	ISAKMP_PL_NATD = 20,
	ISAKMP_PL_NATOA = 21,
	ISAKMP_PL_NATD_DRAFT = 130,
	ISAKMP_PL_NATOA_DRAFT = 131,
	ISAKMP_PL_FRAG = 132,         /* Cisco/Microsoft IKE fragment: recognised, not used */
};

/* Exchange types (RFC 2408 §3.1, RFC 2409 §5.5) */
enum isakmp_exch {
	ISAKMP_EXCH_ID_PROT = 2,      /* Main Mode */
	ISAKMP_EXCH_AGGRESSIVE = 4,
	ISAKMP_EXCH_INFO = 5,
	ISAKMP_EXCH_TRANSACTION = 6,  /* Mode-Config / XAUTH */
	ISAKMP_EXCH_QUICK = 32,
};

#define ISAKMP_FLAG_E  0x01           /* encrypted */
#define ISAKMP_FLAG_C  0x02           /* commit */
#define ISAKMP_FLAG_A  0x04           /* authentication only */

#define ISAKMP_DOI_IPSEC          1
#define ISAKMP_SIT_IDENTITY_ONLY  1

/* Protocol ids (RFC 2407 §4.4.1) */
#define ISAKMP_PROTO_ISAKMP   1
#define ISAKMP_PROTO_AH       2
#define ISAKMP_PROTO_ESP      3

#define ISAKMP_KEY_IKE        1       /* the one phase-1 transform id (RFC 2407 §4.4.2) */

/* Phase-1 attributes (RFC 2409 Appendix A) */
enum ike_p1_attr {
	IKE_A_ENC = 1, IKE_A_HASH = 2, IKE_A_AUTH = 3, IKE_A_GROUP = 4, IKE_A_GROUP_TYPE = 5,
	IKE_A_GROUP_PRIME = 6, IKE_A_LIFE_TYPE = 11, IKE_A_LIFE_DURATION = 12, IKE_A_PRF = 13,
	IKE_A_KEY_LENGTH = 14, IKE_A_FIELD_SIZE = 15, IKE_A_GROUP_ORDER = 16,
};
#define IKE_ENC_DES_CBC   1
#define IKE_ENC_3DES_CBC  5
#define IKE_ENC_AES_CBC   7
#define IKE_HASH_MD5      1
#define IKE_HASH_SHA1     2
#define IKE_HASH_SHA256   4
#define IKE_HASH_SHA384   5
#define IKE_HASH_SHA512   6
#define IKE_AUTH_PSK      1
#define IKE_AUTH_RSA_SIG  3
#define IKE_CERT_X509_SIG 4       /* CERT/CR encoding: X.509 certificate, signature */
#define IKE_LIFE_SECONDS  1
#define IKE_LIFE_KB       2

/* Phase-2 (IPsec DOI) attributes (RFC 2407 §4.5, RFC 3947 §5.1) */
enum ike_p2_attr {
	IPSEC_A_LIFE_TYPE = 1, IPSEC_A_LIFE_DURATION = 2, IPSEC_A_GROUP = 3, IPSEC_A_ENCAP = 4,
	IPSEC_A_AUTH = 5, IPSEC_A_KEY_LENGTH = 6, IPSEC_A_KEY_ROUNDS = 7, IPSEC_A_COMP_DICT = 8,
	IPSEC_A_COMP_ALG = 9, IPSEC_A_ECN = 10,
};
#define IPSEC_ENCAP_TUNNEL            1
#define IPSEC_ENCAP_TRANSPORT         2
#define IPSEC_ENCAP_UDP_TUNNEL        3       /* RFC 3947 */
#define IPSEC_ENCAP_UDP_TRANSPORT     4
#define IPSEC_ENCAP_UDP_TUNNEL_DRAFT     61443  /* draft-ietf-ipsec-nat-t-ike-00..03 */
#define IPSEC_ENCAP_UDP_TRANSPORT_DRAFT  61444
#define IPSEC_AUTH_HMAC_MD5       1
#define IPSEC_AUTH_HMAC_SHA1      2
#define IPSEC_AUTH_HMAC_SHA256    5       /* RFC 4868 §2.4 */
#define IPSEC_AUTH_HMAC_SHA384    6
#define IPSEC_AUTH_HMAC_SHA512    7
/* ESP transform ids (RFC 2407 §4.4.4, RFC 3602, RFC 4106 §8.1) */
#define ESP_T_DES        2
#define ESP_T_3DES       3
#define ESP_T_NULL       11
#define ESP_T_AES_CBC    12
#define ESP_T_AES_GCM_8  18
#define ESP_T_AES_GCM_12 19
#define ESP_T_AES_GCM_16 20

/* ID types (RFC 2407 §4.6.2.1) */
#define IKE_ID_IPV4_ADDR         1
#define IKE_ID_FQDN              2
#define IKE_ID_USER_FQDN         3
#define IKE_ID_IPV4_ADDR_SUBNET  4
#define IKE_ID_IPV6_ADDR         5
#define IKE_ID_IPV6_ADDR_SUBNET  6
#define IKE_ID_IPV4_ADDR_RANGE   7
#define IKE_ID_IPV6_ADDR_RANGE   8
#define IKE_ID_DER_ASN1_DN       9
#define IKE_ID_KEY_ID            11

/* Notify message types (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706) */
enum isakmp_notify {
	ISAKMP_N_INVALID_PAYLOAD_TYPE = 1,
	ISAKMP_N_DOI_NOT_SUPPORTED = 2,
	ISAKMP_N_SITUATION_NOT_SUPPORTED = 3,
	ISAKMP_N_INVALID_COOKIE = 4,
	ISAKMP_N_INVALID_MAJOR_VERSION = 5,
	ISAKMP_N_INVALID_MINOR_VERSION = 6,
	ISAKMP_N_INVALID_EXCHANGE_TYPE = 7,
	ISAKMP_N_INVALID_FLAGS = 8,
	ISAKMP_N_INVALID_MESSAGE_ID = 9,
	ISAKMP_N_INVALID_PROTOCOL_ID = 10,
	ISAKMP_N_INVALID_SPI = 11,
	ISAKMP_N_INVALID_TRANSFORM_ID = 12,
	ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED = 13,
	ISAKMP_N_NO_PROPOSAL_CHOSEN = 14,
	ISAKMP_N_BAD_PROPOSAL_SYNTAX = 15,
	ISAKMP_N_PAYLOAD_MALFORMED = 16,
	ISAKMP_N_INVALID_KEY_INFORMATION = 17,
	ISAKMP_N_INVALID_ID_INFORMATION = 18,
	ISAKMP_N_INVALID_CERT_ENCODING = 19,
	ISAKMP_N_INVALID_CERTIFICATE = 20,
	ISAKMP_N_CERT_TYPE_UNSUPPORTED = 21,
	ISAKMP_N_INVALID_CERT_AUTHORITY = 22,
	ISAKMP_N_INVALID_HASH_INFORMATION = 23,
	ISAKMP_N_AUTHENTICATION_FAILED = 24,
	ISAKMP_N_INVALID_SIGNATURE = 25,
	ISAKMP_N_ADDRESS_NOTIFICATION = 26,
	ISAKMP_N_NOTIFY_SA_LIFETIME = 27,
	ISAKMP_N_CERTIFICATE_UNAVAILABLE = 28,
	ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE = 29,
	ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS = 30,
	ISAKMP_N_ERROR_MAX = 8191,            /* 1..8191: errors */
	ISAKMP_N_CONNECTED = 16384,
	ISAKMP_N_RESPONDER_LIFETIME = 24576,
	ISAKMP_N_REPLAY_STATUS = 24577,
	ISAKMP_N_INITIAL_CONTACT = 24578,
	ISAKMP_N_DPD_R_U_THERE = 36136,
	ISAKMP_N_DPD_R_U_THERE_ACK = 36137,
};

const char *isakmp_pl_name(unsigned type);        /* "SA", "KE", ... or "?" */
const char *isakmp_exch_name(unsigned exch);      /* "ID_PROT", ... */
const char *isakmp_notify_name(unsigned type);    /* "NO-PROPOSAL-CHOSEN", ... */

/* ---- the fixed header (RFC 2408 §3.1) ------------------------------------- */

struct isakmp_hdr {
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint8_t rcookie[ISAKMP_COOKIE_LEN];
	uint8_t next;
	uint8_t version;
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;
	uint32_t len;
};

/* 0, or -EBADMSG when buf is shorter than the header or than its Length, or
 * Length is below the header; -EPROTONOSUPPORT for another major version.
 * Octets after Length (UDP padding) are not part of the message. */
int isakmp_hdr_parse(const uint8_t *buf, size_t len, struct isakmp_hdr *h);
void isakmp_hdr_write(uint8_t *out, const struct isakmp_hdr *h);

/* ---- the payload chain --------------------------------------------------- */

#define IKE_MAX_PAYLOADS 24

struct ike_pl {
	uint8_t type;
	const uint8_t *hdr;       /* the generic header (for hashes over whole payloads) */
	const uint8_t *body;      /* after the generic header */
	size_t len;               /* body length */
};

struct ike_payloads {
	unsigned n;
	struct ike_pl pl[IKE_MAX_PAYLOADS];
	size_t used;              /* octets the chain took; the rest is padding */
};

/* Walks the chain that starts with payload type `first` over buf.  Every
 * generic length is checked (>= 4, within what is left), known types against
 * their minimum and maximum body lengths, and SA/P/T may not appear at the top
 * level.  Octets after the payload whose Next is 0 are padding and allowed.
 * 0; -EBADMSG (malformed), -E2BIG (too many payloads), -ENOMSG (an unknown
 * payload type below 128 -- RFC 2408 §5.2 says INVALID-PAYLOAD-TYPE). */
int ike_payloads_parse(uint8_t first, const uint8_t *buf, size_t len, struct ike_payloads *ps);
/* The idx-th (0-based) payload of a type, or NULL. */
const struct ike_pl *ike_payloads_find(const struct ike_payloads *ps, uint8_t type, unsigned idx);
unsigned ike_payloads_count(const struct ike_payloads *ps, uint8_t type);
/* "SA V V NAT-D" for logs. */
void ike_payloads_describe(const struct ike_payloads *ps, char *out, size_t cap);

/* ---- SA / proposal / transform (RFC 2408 §3.4-3.6, attributes §3.3) ------ */

#define IKE_MAX_PROPOSALS    4
#define IKE_MAX_TRANSFORMS   32       /* over all proposals of one SA */
#define IKE_ATTR_SLOTS       17       /* attribute types 1..16 of both phases */

struct ike_transform {
	uint8_t num;
	uint8_t id;
	uint32_t present;                 /* bit t: attribute t was given */
	uint64_t val[IKE_ATTR_SLOTS];
	bool unknown_attr;                /* a type above 16, or a TLV longer than 8 octets */
	bool dup_attr;                    /* the same type twice */
	/* RFC 2407 §4.5 / RFC 2409 Appendix A: life type and duration come in
	 * pairs, one pair per type; a kilobytes pair lands here (the seconds
	 * pair in val[] as any attribute). */
	uint8_t cur_life_type;            /* parser state */
	uint64_t life_kb;                 /* 0: no kilobyte limit */
};

static inline bool ike_tr_has(const struct ike_transform *t, unsigned type)
{
	return type < IKE_ATTR_SLOTS && (t->present & (1u << type));
}
static inline uint64_t ike_tr_get(const struct ike_transform *t, unsigned type, uint64_t dflt)
{
	return ike_tr_has(t, type) ? t->val[type] : dflt;
}

struct ike_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[16];
	unsigned first, count;            /* transforms[first .. first+count) */
};

struct ike_sa_payload {
	uint32_t doi;
	uint32_t situation;
	unsigned n_prop;
	struct ike_proposal prop[IKE_MAX_PROPOSALS];
	unsigned n_trans;
	struct ike_transform trans[IKE_MAX_TRANSFORMS];
};

/* Decodes an SA payload body (DOI IPsec, SIT_IDENTITY_ONLY).  0, -EBADMSG,
 * -E2BIG (more proposals or transforms than we keep), -EPROTONOSUPPORT
 * (another DOI or situation). */
int ike_sa_parse(const uint8_t *body, size_t len, struct ike_sa_payload *sa);

/* ---- other bodies ------------------------------------------------------- */

struct ike_id {
	uint8_t type;
	uint8_t proto;
	uint16_t port;
	const uint8_t *data;
	size_t len;
};
int ike_id_parse(const uint8_t *body, size_t len, struct ike_id *id);

struct ike_notify {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};
int ike_notify_parse(const uint8_t *body, size_t len, struct ike_notify *n);

struct ike_delete {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n_spi;
	const uint8_t *spis;              /* n_spi * spi_size octets */
};
int ike_delete_parse(const uint8_t *body, size_t len, struct ike_delete *d);

struct ike_natoa {
	uint8_t id_type;                  /* IKE_ID_IPV4_ADDR or IKE_ID_IPV6_ADDR */
	uint8_t addr[16];
	size_t addr_len;
};
int ike_natoa_parse(const uint8_t *body, size_t len, struct ike_natoa *oa);

/* ---- the generator ------------------------------------------------------
 * Appends to caller memory; any overflow sets err and later calls do nothing,
 * so a builder checks ikeb_ok() once at the end.  Payloads are chained: each
 * begin patches the previous payload's Next (or the header's). */

struct ike_buf {
	uint8_t *p;
	size_t len, cap;
	bool err;
	size_t next_at;                   /* where the next payload's type goes; 0: none */
};

void ikeb_init(struct ike_buf *b, uint8_t *mem, size_t cap);
static inline bool ikeb_ok(const struct ike_buf *b) { return !b->err; }
void ikeb_put(struct ike_buf *b, const void *data, size_t n);
void ikeb_u8(struct ike_buf *b, uint8_t v);
void ikeb_be16(struct ike_buf *b, uint16_t v);
void ikeb_be32(struct ike_buf *b, uint32_t v);
/* Reserves n octets and returns where they are (NULL on overflow). */
uint8_t *ikeb_reserve(struct ike_buf *b, size_t n);

/* Writes the header (Length patched by ikeb_msg_end) and starts the chain. */
void ikeb_msg_begin(struct ike_buf *b, const struct isakmp_hdr *h);
void ikeb_msg_end(struct ike_buf *b);
/* Starts a payload; returns its offset for ikeb_pl_end(). */
size_t ikeb_pl_begin(struct ike_buf *b, uint8_t type);
void ikeb_pl_end(struct ike_buf *b, size_t off);
/* Generic payload with an opaque body (KE, NONCE, HASH, VID, NAT-D, SIG, CERT). */
void ikeb_pl_data(struct ike_buf *b, uint8_t type, const void *data, size_t len);
void ikeb_pl_id(struct ike_buf *b, uint8_t id_type, uint8_t proto, uint16_t port,
		const void *data, size_t len);
void ikeb_pl_notify(struct ike_buf *b, uint8_t proto, const void *spi, uint8_t spi_size,
		    uint16_t type, const void *data, size_t len);
void ikeb_pl_delete(struct ike_buf *b, uint8_t proto, uint8_t spi_size, const void *spis,
		    uint16_t n_spi);
void ikeb_pl_natoa(struct ike_buf *b, uint8_t type, const uint8_t addr4[4]);

/* SA: ikeb_sa_begin, then per proposal ikeb_prop_begin, per transform
 * ikeb_tr_begin + attributes + ikeb_tr_end, ikeb_prop_end, finally ikeb_sa_end.
 * `last` marks the last proposal/transform (its Next is 0). */
size_t ikeb_sa_begin(struct ike_buf *b);
void ikeb_sa_end(struct ike_buf *b, size_t off);
size_t ikeb_prop_begin(struct ike_buf *b, uint8_t num, uint8_t proto, const void *spi,
		       uint8_t spi_size, uint8_t n_trans, bool last);
void ikeb_prop_end(struct ike_buf *b, size_t off);
size_t ikeb_tr_begin(struct ike_buf *b, uint8_t num, uint8_t id, bool last);
void ikeb_tr_end(struct ike_buf *b, size_t off);
/* A basic (TV) attribute when the value fits 16 bits and basic is allowed,
 * else TLV with the shortest of 2/4/8 octets. */
void ikeb_attr(struct ike_buf *b, uint16_t type, uint64_t val);
/* Always TLV with 4 octets (life durations, as Windows sends them). */
void ikeb_attr_tlv32(struct ike_buf *b, uint16_t type, uint32_t val);

#endif
