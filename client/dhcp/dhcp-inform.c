/* dhcp-inform.c -- the DHCPINFORM exchange after IPCP (RFC 2131 §3.4, §4.4.3;
 * windows-interop.md §5): a few tries with a doubling timeout, then done(info)
 * on the first DHCPACK for our xid, or a quiet done(NULL) -- a gateway without
 * a DHCP relay simply drops the INFORM, and that is normal. */
#include "wv.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "crypto.h"
#include "dhcp/dhcp.h"
#include "log.h"
#include "loop.h"
#include "pkt.h"

#define DHCP_DEFAULT_TRIES      4        /* Windows gives up after about four */
#define DHCP_DEFAULT_FIRST_MS   2000
#define DHCP_DEFAULT_MAX_MS     16000

enum dhcp_state {
	DHCP_IDLE,
	DHCP_WAITING,
	DHCP_DONE,
};

static const char *const dhcp_state_names[] = {
	[DHCP_IDLE] = "idle",
	[DHCP_WAITING] = "waiting",
	[DHCP_DONE] = "done",
};

struct dhcp_inform {
	struct wv_loop *loop;
	const struct wv_log *lg;
	struct dhcp_inform_config cfg;   /* hostname and chaddr point into this struct */
	struct dhcp_inform_events ev;
	void *arg;
	enum dhcp_state state;
	struct wv_timer timer;
	char *hostname;
	uint8_t chaddr[6];
	uint32_t schedule[DHCP_MAX_SCHEDULE];
	uint32_t xid;
	unsigned sent;                   /* tries so far */
	uint32_t timeout_ms;             /* for the next try */
	uint64_t started_ms;
	uint16_t ip_id;
};

static void dhcp_set_state(struct dhcp_inform *d, enum dhcp_state st, const char *why)
{
	wv_dbg(d->lg, "DHCP", "%s -> %s (%s)", dhcp_state_names[d->state], dhcp_state_names[st],
	       why);
	d->state = st;
}

/* The last thing a path does: the callee may free d. */
static void dhcp_finish(struct dhcp_inform *d, const struct dhcp_info *info, const char *why)
{
	wv_timer_cancel(d->loop, &d->timer);
	dhcp_set_state(d, DHCP_DONE, why);
	d->ev.done(d->arg, info);
}

static int dhcp_send_try(struct dhcp_inform *d)
{
	struct dhcp_inform_msg m;
	struct in_addr dst;
	uint64_t secs = (wv_loop_now(d->loop) - d->started_ms) / 1000;
	struct pkt *p = pkt_alloc();
	int err;

	if (!p)
		return -ENOMEM;
	memset(&m, 0, sizeof(m));
	m.xid = d->xid;
	m.secs = secs > 0xffff ? 0xffff : (uint16_t)secs;
	m.ciaddr = d->cfg.local;
	memcpy(m.chaddr, d->chaddr, sizeof(m.chaddr));
	m.hostname = d->hostname;
	/* Windows broadcasts to 255.255.255.255:67 on the PPP link: RRAS' DHCP relay
	 * agent takes broadcasts arriving on its RAS interface and forwards them.
	 * A unicast to the PPP peer address would reach the RRAS host itself, where
	 * usually no DHCP server listens.  The reply comes back unicast to ciaddr. */
	if (d->cfg.unicast_to_peer)
		dst = d->cfg.peer;
	else
		dst.s_addr = htonl(INADDR_BROADCAST);
	if ((err = dhcp_build_inform(p, &m)) ||
	    (err = dhcp_ip_push(p, d->cfg.local, DHCP_CLIENT_PORT, dst, DHCP_SERVER_PORT,
				d->ip_id++))) {
		pkt_free(p);
		return err;
	}
	d->sent++;
	wv_dbg(d->lg, "DHCP", "DHCPINFORM try %u/%u, xid 0x%08x, %zu octets", d->sent,
	       d->cfg.tries, (unsigned)d->xid, p->len);
	wv_log_hex(d->lg, "DHCP", "DHCPINFORM", p->data, p->len);
	/* A failed send is just a lost try; the timer retries. */
	err = d->ev.send_ip(d->arg, p);
	if (err)
		wv_dbg(d->lg, "DHCP", "sending the DHCPINFORM failed: %s", strerror(-err));
	if (d->cfg.n_schedule) {
		wv_timer_arm(d->loop, &d->timer, d->schedule[d->sent - 1]);
		return 0;
	}
	wv_timer_arm(d->loop, &d->timer, d->timeout_ms);
	d->timeout_ms = d->timeout_ms > d->cfg.max_timeout_ms / 2 ? d->cfg.max_timeout_ms :
		d->timeout_ms * 2;
	return 0;
}

static void dhcp_timeout(void *arg)
{
	struct dhcp_inform *d = arg;
	int err;

	if (d->state != DHCP_WAITING)
		return;
	if (d->sent >= d->cfg.tries) {
		/* Info, not error: most gateways have no DHCP relay and IPCP's values stand. */
		wv_info(d->lg, "DHCP", _("No answer to DHCPINFORM after %u tries; the gateway "
					 "has no DHCP relay, keeping the addresses from PPP."),
			d->sent);
		dhcp_finish(d, NULL, "no answer");
		return;
	}
	err = dhcp_send_try(d);
	if (err) {
		wv_dbg(d->lg, "DHCP", "cannot build the DHCPINFORM: %s", strerror(-err));
		dhcp_finish(d, NULL, "local error");
	}
}

struct dhcp_inform *dhcp_inform_new(struct wv_loop *loop, const struct wv_log *lg,
				    const struct dhcp_inform_config *cfg,
				    const struct dhcp_inform_events *ev, void *arg)
{
	struct dhcp_inform *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->loop = loop;
	d->lg = lg;
	d->cfg = *cfg;
	d->ev = *ev;
	d->arg = arg;
	d->state = DHCP_IDLE;
	wv_timer_init(&d->timer, dhcp_timeout, d);
	if (!d->cfg.tries)
		d->cfg.tries = DHCP_DEFAULT_TRIES;
	if (!d->cfg.first_timeout_ms)
		d->cfg.first_timeout_ms = DHCP_DEFAULT_FIRST_MS;
	if (!d->cfg.max_timeout_ms)
		d->cfg.max_timeout_ms = DHCP_DEFAULT_MAX_MS;
	if (d->cfg.max_timeout_ms < d->cfg.first_timeout_ms)
		d->cfg.max_timeout_ms = d->cfg.first_timeout_ms;
	if (cfg->schedule_ms && cfg->n_schedule) {
		d->cfg.n_schedule = MIN(cfg->n_schedule, (unsigned)DHCP_MAX_SCHEDULE);
		memcpy(d->schedule, cfg->schedule_ms, d->cfg.n_schedule * sizeof(d->schedule[0]));
		d->cfg.tries = d->cfg.n_schedule;
	} else {
		d->cfg.n_schedule = 0;
	}
	d->cfg.schedule_ms = d->schedule;
	if (cfg->hostname && cfg->hostname[0]) {
		d->hostname = strdup(cfg->hostname);
		if (!d->hostname)
			goto fail;
	}
	d->cfg.hostname = d->hostname;
	if (cfg->chaddr) {
		memcpy(d->chaddr, cfg->chaddr, sizeof(d->chaddr));
	} else {
		if (wv_random(d->chaddr, sizeof(d->chaddr)))
			goto fail;
		/* Unicast, locally administered (IEEE 802 U/L bit): no clash with a NIC. */
		d->chaddr[0] = (uint8_t)((d->chaddr[0] & 0xfc) | 0x02);
	}
	d->cfg.chaddr = d->chaddr;
	return d;
fail:
	dhcp_inform_free(d);
	return NULL;
}

int dhcp_inform_start(struct dhcp_inform *d)
{
	uint16_t id;
	int err;

	if (d->state != DHCP_IDLE)
		return -EALREADY;
	if ((err = wv_random(&d->xid, sizeof(d->xid))) || (err = wv_random(&id, sizeof(id))))
		return err;
	d->ip_id = id;
	d->sent = 0;
	d->timeout_ms = d->cfg.first_timeout_ms;
	d->started_ms = wv_loop_now(d->loop);
	dhcp_set_state(d, DHCP_WAITING, "start");
	err = dhcp_send_try(d);
	if (err) {
		wv_timer_cancel(d->loop, &d->timer);
		dhcp_set_state(d, DHCP_IDLE, "cannot build the DHCPINFORM");
	}
	return err;
}

bool dhcp_inform_input(struct dhcp_inform *d, struct pkt *p)
{
	struct dhcp_info info;
	const uint8_t *payload;
	size_t len;
	char srv[INET_ADDRSTRLEN];
	int err;

	if (!d || d->state != DHCP_WAITING)
		return false;
	err = dhcp_ip_strip(p->data, p->len, &payload, &len);
	if (err == -ENOENT)
		return false;
	if (!err)
		err = dhcp_parse_ack(payload, len, d->xid, &info, d->lg);
	pkt_free(p);
	if (err == -ESRCH) {
		wv_dbg(d->lg, "DHCP", "ignoring a DHCP reply for another transaction");
		return true;
	}
	if (err) {
		wv_dbg(d->lg, "DHCP", "dropping a malformed DHCP reply: %s", strerror(-err));
		return true;
	}
	if (!inet_ntop(AF_INET, &info.server, srv, sizeof(srv)))
		strcpy(srv, "?");
	wv_info(d->lg, "DHCP", _("DHCP server %s answered: %u routes (option %u), %u DNS "
				 "servers, %u WINS servers, domain \"%s\", %u search domains."),
		srv, info.n_routes, (unsigned)info.routes_option, info.n_dns, info.n_wins,
		info.domain, info.n_search);
	dhcp_finish(d, &info, "DHCPACK");
	return true;
}

void dhcp_inform_free(struct dhcp_inform *d)
{
	if (!d)
		return;
	wv_timer_cancel(d->loop, &d->timer);
	free(d->hostname);
	free(d);
}
