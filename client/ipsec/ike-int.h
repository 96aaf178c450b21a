/* ike-int.h -- the inside of struct ipsec, shared by ike.c (the IKE SA, task
 * manager, sockets and data path), ike-main-mode.c, ike-quick-mode.c,
 * ike-natt.c, ike-info.c and ike-proposal.c, and by the tests and fuzz
 * targets.  Internal. */
#ifndef WV_IKE_INT_H
#define WV_IKE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "libwinvpn.h"
#include "loop.h"
#include "esp.h"
#include "ike-keymat.h"
#include "ike-payload.h"
#include "ipsec.h"

struct wv_log;

/* ---- proposals (ike-proposal.c) ------------------------------------------- */

#define IKE_MAX_PROPS 16

struct ike_p1_prop {
	uint8_t enc;              /* IKE_ENC_* */
	uint8_t auth;             /* IKE_AUTH_*, 0: pre-shared key */
	uint16_t key_bits;        /* AES only */
	uint8_t hash;             /* IKE_HASH_* */
	uint16_t group;
};

struct ike_p2_prop {
	uint8_t esp_id;           /* ESP_T_* */
	uint16_t key_bits;        /* AES only */
	uint16_t auth;            /* IPSEC_AUTH_*, 0 with GCM */
	uint16_t pfs_group;       /* 0: no PFS */
};

/* Parse "aes256-sha1-modp2048,3des-sha1-modp1024" (strongSwan syntax; several
 * algorithms of a kind in one proposal give every combination).  0 or
 * -EINVAL with a sentence in err. */
int ike_p1_props_parse(const char *s, struct ike_p1_prop *out, unsigned *n, char *err,
		       size_t errlen);
int ike_p2_props_parse(const char *s, struct ike_p2_prop *out, unsigned *n, char *err,
		       size_t errlen);
void ike_p1_prop_str(const struct ike_p1_prop *p, char *out, size_t cap);
void ike_p2_prop_str(const struct ike_p2_prop *p, char *out, size_t cap);
/* The OpenSSL names and sizes behind a phase-1 proposal. */
const char *ike_p1_cipher(const struct ike_p1_prop *p);   /* "AES-256-CBC" */
size_t ike_p1_key_len(const struct ike_p1_prop *p);
const char *ike_p1_md(const struct ike_p1_prop *p);        /* "SHA1" */
/* 0 and *alg for a phase-2 proposal esp.c can run. */
int ike_p2_esp_alg(const struct ike_p2_prop *p, struct esp_alg *alg);
/* "a, b, c" of a whole list, for messages. */
void ike_p1_list_str(const struct ike_p1_prop *p, unsigned n, char *out, size_t cap);
void ike_p2_list_str(const struct ike_p2_prop *p, unsigned n, char *out, size_t cap);

/* ---- the object ----------------------------------------------------------- */

enum ike_state {
	IKE_S_IDLE,
	IKE_S_MM_SA,            /* Main Mode 1 sent: SA + VIDs */
	IKE_S_MM_KE,            /* Main Mode 3 sent: KE, nonce, NAT-D */
	IKE_S_MM_AUTH,          /* Main Mode 5 sent: ID, HASH_I (encrypted) */
	IKE_S_QM,               /* Quick Mode 1 sent */
	IKE_S_ESTABLISHED,      /* Quick Mode 3 sent, the IPsec SA installed */
	IKE_S_CLOSED,           /* down() reported */
};
const char *ike_state_name(enum ike_state st);

/* Where a datagram goes or came from. */
enum ipsec_chan {
	IPSEC_CH_IKE,           /* UDP 500: ISAKMP */
	IPSEC_CH_NATT,          /* UDP 4500: marker + ISAKMP, ESP, keepalive */
	IPSEC_CH_ESP,           /* IP protocol 50, without the IP header */
};

/* Tests and fuzz targets replace the sockets and the randomness. */
struct ipsec_test_hooks {
	int (*send)(void *arg, enum ipsec_chan ch, const uint8_t *buf, size_t len);
	int (*random)(void *arg, void *buf, size_t len);
	void *arg;
};

enum ike_status { IKE_NEED_MORE, IKE_SUCCESS, IKE_FAILED };

/* A received message after the header checks and decryption. */
struct ike_rx {
	struct isakmp_hdr hdr;
	const uint8_t *body;          /* plaintext after the header */
	size_t body_len;
	struct ike_payloads pl;
};

/* A task of an exchange (strongSwan's ikev1/tasks): build adds its payloads to
 * the next request, process reads a response.  Either may return FAILED after
 * reporting down(). */
struct ike_task {
	const char *name;
	enum ike_status (*build)(struct ipsec *s, struct ike_buf *b);
	enum ike_status (*process)(struct ipsec *s, const struct ike_rx *rx);
};

enum natt_mode { NATT_NONE, NATT_DRAFT, NATT_RFC };

#define IKE_NONCE_LEN        32
#define IKE_RETRANSMIT_TRIES 6
#define IKE_RETRANSMIT_MS    1000     /* doubled each time, up to the cap */
#define IKE_RETRANSMIT_CAP   8000
#define IKE_KEEPALIVE_MS     20000    /* RFC 3948 §4 */
#define IKE_DPD_RETRY_MS     5000
#define IKE_DPD_TRIES        5
#define IKE_DELETE_REPEAT_MS 250      /* an orderly stop sends its Deletes twice */
/* Rekeying (ike-rekey.c): at 85-90 % of the lifetime the gateway accepted;
 * after a new IPsec SA, outbound keeps the old SA a moment (the gateway
 * installs the new one when Quick Mode 3 arrives), inbound accepts both until
 * the gateway deletes the old one or the grace ends. */
#define IKE_REKEY_SWITCH_MS  1000
#define IKE_REKEY_GRACE_MS   5000
#define IKE_REKEY_MIN_MS     2000     /* never sooner than this after an SA came up */
#define ESP_REKEY_PACKETS    0xF0000000u /* of the 32-bit sequence space */

/* What an old ISAKMP SA needs for its Delete once a new one replaced it. */
struct ike_old_p1 {
	bool valid;
	uint8_t icookie[8], rcookie[8];
	struct ike_p1_keys keys;
	const char *cipher, *md;
	size_t block;
	uint8_t iv[IKE_BLOCK_MAX];
	bool keyed, authenticated, deleted;
};

struct ipsec {
	struct wv_loop *loop;
	const struct wv_log *log;
	struct ipsec_events ev;
	void *arg;

	/* settings */
	struct in_addr gw, local;
	char gw_str[INET_ADDRSTRLEN], local_str[INET_ADDRSTRLEN];
	uint16_t ike_port, natt_port, l2tp_port;
	char *psk;
	size_t psk_len;
	bool cert_auth;
	struct ike_cred *cred;
	char *remote_id, *gw_name;
	struct ike_p1_prop p1[IKE_MAX_PROPS];
	unsigned n_p1;
	struct ike_p2_prop p2[IKE_MAX_PROPS];
	unsigned n_p2;
	enum ipsec_encap encap;
	unsigned ike_life, esp_life, dpd_delay;
	bool dpd_off;

	struct ipsec_test_hooks hooks;
	bool has_hooks;

	/* sockets */
	int ike_fd, natt_fd, esp_fd;
	uint16_t local_ike_port, local_natt_port;

	/* the IKE SA */
	enum ike_state state;                  /* stays ESTABLISHED once up */
	enum ike_state step;                   /* the running exchange's step (rekeys too) */
	bool up;                               /* the first IPsec SA was installed */
	const struct ike_task *const *tasks;   /* of the running exchange */
	unsigned n_tasks;
	uint8_t icookie[8], rcookie[8];
	int p1_sel;                            /* index into p1[] of the accepted proposal */
	struct ike_p1_prop p1_alg;
	const char *p1_cipher, *p1_md;
	size_t p1_block;
	char p1_name[64];                      /* "AES_CBC_256/HMAC_SHA1/MODP_2048" */
	uint32_t p1_life;                      /* seconds the gateway accepted */
	struct ike_dh *dh;
	uint8_t ni[IKE_NONCE_LEN];
	uint8_t nr[256];
	size_t nr_len;
	uint8_t gxr[IKE_DH_MAX];
	size_t gx_len;
	uint8_t *sai_b;                        /* our MM1 SA body, for HASH_I/HASH_R */
	size_t sai_len;
	uint8_t idii_b[4 + 1024];              /* our ID body: type, proto, port, data */
	size_t idii_len;
	uint8_t peer_cr;                       /* the gateway asked for certificates */
	struct ike_p1_keys keys;
	bool keyed;                            /* SKEYID_* derived (after MM4) */
	bool authenticated;                    /* HASH_R verified (after MM6) */
	bool peer_holds_sa;                    /* MM6 came: the gateway has the SA up,
						* even if we refuse its identity */
	bool isakmp_deleted;                   /* the ISAKMP SA is deleted (by either side) */
	bool deletes_sent;                     /* our Deletes went out */
	bool del_esp_sent, del_isakmp_sent;    /* ... which ones */
	bool del_repeat_due;                   /* an orderly stop repeats them once */
	uint8_t p1_iv[IKE_BLOCK_MAX];          /* CBC chain of Main Mode */
	uint8_t p1_last[IKE_BLOCK_MAX];        /* last CBC block of Main Mode 6 */

	/* NAT-T (ike-natt.c) */
	enum natt_mode natt;                   /* agreed through VIDs */
	bool peer_dpd, peer_frag, peer_ms;     /* VIDs the gateway sent */
	bool nat_local, nat_remote;            /* NAT-D results */
	bool floated;                          /* IKE on 4500 with the marker */
	bool use_udp_esp;                      /* ESP in UDP 4500 */
	struct wv_timer keepalive_timer;
	uint64_t natt_tx_ms;

	/* Quick Mode (ike-quick-mode.c) */
	uint32_t qm_msgid;
	uint8_t qm_iv[IKE_BLOCK_MAX];
	uint8_t qm_ni[IKE_NONCE_LEN];
	uint8_t qm_nr[256];
	size_t qm_nr_len;
	struct ike_dh *qm_dh;
	uint32_t spi_in, spi_out;
	int p2_sel;
	uint16_t encap_mode;                   /* what we proposed and got */
	uint32_t esp_life_got;
	struct esp_alg esp_alg;
	struct esp_sa *esp_in, *esp_out;
	uint32_t qm_spi_in;                    /* our SPI in the Quick Mode in flight */
	char describe[160];

	/* rekeying (ike-rekey.c) */
	struct wv_timer rekey_p1_timer, rekey_p2_timer, switch_timer, grace_timer;
	bool rekey_p1_due, rekey_p2_due;
	struct esp_sa *old_in;                 /* the replaced inbound SA, during the grace */
	uint32_t old_spi_in, old_spi_out;
	struct esp_sa *new_out;                /* the new outbound SA, until the switch */
	uint32_t new_spi_out;
	uint64_t esp_kb_got;                   /* kilobyte lifetime, 0: none */
	uint64_t rekey_bytes;                  /* rekey once the outbound SA carried this */
	struct ike_old_p1 old_p1;
	unsigned n_rekey_p1, n_rekey_p2;
	/* a Quick Mode the gateway started (we answer as responder) */
	uint32_t rqm_msgid;
	uint8_t rqm_iv[IKE_BLOCK_MAX];
	bool rqm_waiting;                      /* Quick Mode 2 sent, 3 due */
	uint8_t rqm_rx1_hash[20];              /* of its Quick Mode 1, to spot repeats */
	uint8_t rqm_tx[ISAKMP_MSG_MAX + ESP_NON_ESP_MARKER_LEN];  /* our Quick Mode 2 */
	size_t rqm_tx_len;
	enum ipsec_chan rqm_tx_chan;
	struct esp_sa *rqm_in, *rqm_out;       /* its SA pair, installed on message 3 */
	uint8_t rqm_ni[256], rqm_nr[IKE_NONCE_LEN];  /* its nonce, ours */
	size_t rqm_ni_len;
	uint32_t rqm_spi_in, rqm_spi_out;

	/* the request in flight */
	uint8_t *tx_iv;                        /* set by a build step: encrypt with this chain */
	uint8_t tx[ISAKMP_MSG_MAX + ESP_NON_ESP_MARKER_LEN];
	size_t tx_len;
	enum ipsec_chan tx_chan;
	bool tx_outstanding;                   /* a reply is due */
	unsigned tx_tries;
	struct wv_timer rtx_timer;
	uint8_t last_rx_hash[20];              /* of the last response processed */
	bool have_last_rx;
	unsigned mm_msg;                       /* Main Mode message we sent last (1, 3, 5) */

	/* informational and DPD (ike-info.c) */
	uint32_t dpd_seq;
	unsigned dpd_outstanding;
	struct wv_timer dpd_timer;
	uint64_t last_rx_ms;

	/* lifetime of the object */
	struct wv_timer later;                 /* down() from a fresh stack */
	enum wv_fail later_why;
	char later_msg[512];
	bool started, stopping;
	unsigned busy;
	bool free_pending;
};

/* ---- ike.c ------------------------------------------------------------------ */

void ike_set_state(struct ipsec *s, enum ike_state st, const char *reason);
/* Entry points (fd and timer callbacks) hold a reference: down() may free. */
void ike_enter(struct ipsec *s);
void ike_leave(struct ipsec *s);
/* Ends everything and reports down() once (from the caller's stack; the
 * callee may free s: return right after). */
void ike_fail(struct ipsec *s, enum wv_fail why, const char *fmt, ...) WV_PRINTF(3, 4);
/* Deletes for what the gateway still holds of ours: the IPsec SA (if esp and
 * established) and the authenticated ISAKMP SA; once per object. */
void ike_send_deletes(struct ipsec *s, bool esp);
int ike_random(struct ipsec *s, void *buf, size_t len);
uint64_t ike_now(struct ipsec *s);
/* Starts a new header for a message of this exchange. */
void ike_hdr_init(struct ipsec *s, struct isakmp_hdr *h, uint8_t exch, uint32_t msgid,
		  bool encrypted);
/* Encrypts [ISAKMP_HDR_LEN, b->len) with key Ka and *iv (updated), padding to
 * the block first; patches the Length.  0 or -errno. */
int ike_encrypt(struct ipsec *s, struct ike_buf *b, uint8_t *iv);
enum ike_tx {
	IKE_TX_REQUEST,          /* kept and retransmitted until a response */
	IKE_TX_FINAL,            /* kept, repeated if the gateway repeats its response */
	IKE_TX_ONESHOT,          /* informational: sent once */
};
/* One datagram out (sockets or the test hook); 0 or -errno. */
int ike_xmit(struct ipsec *s, enum ipsec_chan ch, const uint8_t *buf, size_t len);
/* Sends a built message on the current IKE channel (500, or 4500 with the
 * marker once floated). */
int ike_send_msg(struct ipsec *s, const uint8_t *msg, size_t len, enum ike_tx tx);
/* Fills a HASH payload's placeholder (hash_off = payload offset) with
 * prf(SKEYID_a, M-ID | [Ni_b |] rest) over everything after it. */
int ike_fill_hash(struct ipsec *s, struct ike_buf *b, size_t hash_off, uint32_t msgid,
		  const uint8_t *ni, size_t ni_len);
/* Starts the exchange whose tasks follow (builds and sends its first message). */
void ike_exchange_start(struct ipsec *s, const struct ike_task *const *tasks, unsigned n);
/* The received datagram (ISAKMP, marker already stripped). */
void ike_input(struct ipsec *s, enum ipsec_chan ch, const uint8_t *buf, size_t len);
/* Both ESP SAs are ready: become established, start timers, report up(). */
void ike_established(struct ipsec *s);
/* The UDP 4500 socket (bound to 4500 if free); 0 or -errno. */
int ike_natt_open(struct ipsec *s);
void ike_close_esp_raw(struct ipsec *s);
/* ESP may go out as IP protocol 50 (a raw socket is or can be opened, or tests). */
bool ike_can_raw_esp(struct ipsec *s);

/* Test hooks, before ipsec_start(). */
void ipsec_set_test_hooks(struct ipsec *s, const struct ipsec_test_hooks *h);
/* A datagram as if read from a socket (tests, fuzzing). */
void ipsec_input(struct ipsec *s, enum ipsec_chan ch, const uint8_t *buf, size_t len);
enum ike_state ipsec_state(const struct ipsec *s);

/* ---- ike-main-mode.c, ike-quick-mode.c --------------------------------------- */

extern const struct ike_task ike_task_main_mode;
extern const struct ike_task ike_task_quick_mode;
/* A phase-1 SA offer as sent in Main Mode 1 (also used by the tests' responder). */
void ike_build_p1_sa(struct ike_buf *b, const struct ike_p1_prop *p, unsigned n,
		     uint32_t life_s);

/* ---- ike-natt.c ---------------------------------------------------------------- */

extern const struct ike_task ike_task_vendor;
extern const struct ike_task ike_task_natd;
/* VIDs every message may carry (RFC 3947 §3.1). */
void ike_vendor_process(struct ipsec *s, const struct ike_payloads *pl);
uint8_t ike_natd_type(const struct ipsec *s);
uint8_t ike_natoa_type(const struct ipsec *s);
void ike_natt_init(struct ipsec *s);
/* Moves IKE to UDP 4500 (RFC 3947 §4); 0 or -errno. */
int ike_natt_float(struct ipsec *s);
void ike_keepalive_start(struct ipsec *s);

extern const uint8_t ike_vid_rfc3947[16], ike_vid_draft02n[16], ike_vid_draft02[16],
	ike_vid_draft03[16], ike_vid_dpd[16], ike_vid_frag[16], ike_vid_ms_nt5[16];

/* ---- ike-cert.c (certificate authentication) ------------------------------------ */

struct ike_cred;
/* NULL with a sentence naming the file in err (wrong passphrase says so). */
struct ike_cred *ike_cred_load(const char *cert, const char *key, const char *pass,
			       const char *ca, char *err, size_t cap);
void ike_cred_free(struct ike_cred *c);
const uint8_t *ike_cred_subject(const struct ike_cred *c, size_t *len);
/* i = 0: our certificate (DER), then the chain; NULL past the end. */
const uint8_t *ike_cred_cert(const struct ike_cred *c, unsigned i, size_t *len);
/* DER subject names of machine-ca's certificates, for CR payloads. */
const uint8_t *ike_cred_ca_name(const struct ike_cred *c, unsigned i, size_t *len);
void ike_cred_describe(const struct ike_cred *c, char *out, size_t cap);
size_t ike_cred_sig_len(const struct ike_cred *c);
int ike_cred_sign(const struct ike_cred *c, const uint8_t *hash, size_t hlen, uint8_t *sig,
		  size_t *siglen);
/* The gateway's certificates (first the end entity), signature over hash and
 * identity: 0 (msg = its subject), -EKEYREJECTED (not from machine-ca),
 * -EBADMSG (signature), -EACCES (identity), -EINVAL; msg says which. */
int ike_cred_verify_peer(const struct ike_cred *c, const uint8_t *const *der, const size_t *len,
			 unsigned n, const uint8_t *hash, size_t hlen, const uint8_t *sig,
			 size_t siglen, const struct ike_id *idr, const char *remote_id,
			 const char *gw_name, char *msg, size_t cap);

/* ---- ike-rekey.c ---------------------------------------------------------------- */

void ike_rekey_init(struct ipsec *s);
void ike_rekey_cancel(struct ipsec *s);
void ike_rekey_free(struct ipsec *s);
/* The first IPsec SA is up: arm the timers. */
void ike_rekey_start(struct ipsec *s);
/* Starts a due rekey when no exchange runs. */
void ike_rekey_kick(struct ipsec *s);
/* A new SA pair from a Quick Mode (ours or the gateway's); takes both.
 * Before up() it simply becomes the SA pair. */
void ike_install_sas(struct ipsec *s, struct esp_sa *in, uint32_t spi_in, struct esp_sa *out,
		     uint32_t spi_out);
/* Quick Mode 3 went out (or came in) for a rekey. */
void ike_rekey_p2_done(struct ipsec *s, bool ours);
/* A new Main Mode finished while up. */
void ike_rekey_p1_done(struct ipsec *s);
/* Exchanges the current ISAKMP SA's keys and cookies with old_p1. */
void ike_old_p1_swap(struct ipsec *s);
/* The gateway deleted ESP SPI spi: true if it was the replaced SA. */
bool ike_rekey_old_deleted(struct ipsec *s, uint32_t spi);
/* A packet arrived on the newest inbound SA: the gateway has the new pair, so
 * outbound may move to it. */
void ike_rekey_peer_switched(struct ipsec *s);
/* After each outbound packet: a byte or packet limit reached. */
void ike_rekey_volume(struct ipsec *s);
/* The gateway's Quick Mode 1 (msgid new) or 3 (ike-quick-mode.c). */
void ike_qm_respond(struct ipsec *s, const struct ike_rx *rx);
void ike_qm_respond_3(struct ipsec *s, const struct ike_rx *rx);

/* ---- ike-info.c ------------------------------------------------------------------ */

/* An informational exchange (RFC 2409 §5.7): encrypted with HASH(1) once the
 * ISAKMP SA is keyed, else in the clear.  One Notify or Delete. */
int ike_info_send_notify(struct ipsec *s, uint8_t proto, const void *spi, uint8_t spi_size,
			 uint16_t type, const void *data, size_t len);
int ike_info_send_delete(struct ipsec *s, uint8_t proto, const void *spi, uint8_t spi_size);
/* A received INFORMATIONAL message (decrypted and HASH-checked by ike.c). */
void ike_info_process(struct ipsec *s, const struct ike_rx *rx, bool authenticated);
/* An error notify as a user's sentence: the class and the message. */
enum wv_fail ike_notify_sentence(struct ipsec *s, uint16_t type, char *out, size_t cap);
void ike_info_init(struct ipsec *s);
void ike_dpd_start(struct ipsec *s);
/* Fails the SA if rx carries an error notification (Main/Quick Mode). */
bool ike_check_error_notify(struct ipsec *s, const struct ike_rx *rx);

#endif
