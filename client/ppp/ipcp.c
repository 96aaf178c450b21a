/* ipcp.c -- the IP Control Protocol (RFC 1332) with the Microsoft DNS and
 * NBNS options (RFC 1877).
 *
 * We ask for IP-Address, Primary DNS, Primary NBNS, Secondary DNS and
 * Secondary NBNS, all 0.0.0.0, the way Windows does; the gateway Naks with
 * the values to use.  An option the gateway rejects is not asked for again
 * (SoftEther rejects Secondary DNS).  From the gateway's own request we
 * accept its IP-Address and reject everything else (VJ compression, ...). */
#include "wv.h"

#include <arpa/inet.h>
#include <stdio.h>

#include "ppp-int.h"
#include "log.h"

#define IPCP_VJ        2
#define IPCP_ADDR      3
#define IPCP_DNS1      129
#define IPCP_NBNS1     130
#define IPCP_DNS2      131
#define IPCP_NBNS2     132

static struct ppp *ipcp_ppp(struct fsm *f)
{
	return f->ppp;
}

/* The wish flag and value of one of our address options, or NULL. */
static bool *ipcp_slot(struct ipcp *ip, uint8_t type, struct in_addr **val)
{
	switch (type) {
	case IPCP_ADDR: *val = &ip->addr; return &ip->want_addr;
	case IPCP_DNS1: *val = &ip->dns[0]; return &ip->want_dns[0];
	case IPCP_NBNS1: *val = &ip->nbns[0]; return &ip->want_nbns[0];
	case IPCP_DNS2: *val = &ip->dns[1]; return &ip->want_dns[1];
	case IPCP_NBNS2: *val = &ip->nbns[1]; return &ip->want_nbns[1];
	default: return NULL;
	}
}

static const uint8_t ipcp_order[] = { IPCP_ADDR, IPCP_DNS1, IPCP_NBNS1, IPCP_DNS2, IPCP_NBNS2 };

static void ipcp_resetci(struct fsm *f)
{
	struct ipcp *ip = &ipcp_ppp(f)->ipcp;

	ip->want_addr = true;
	ip->want_dns[0] = ip->want_dns[1] = true;
	ip->want_nbns[0] = ip->want_nbns[1] = true;
	memset(&ip->addr, 0, sizeof(ip->addr));
	memset(ip->dns, 0, sizeof(ip->dns));
	memset(ip->nbns, 0, sizeof(ip->nbns));
	memset(&ip->peer, 0, sizeof(ip->peer));
}

static size_t ipcp_cilen(struct fsm *f)
{
	struct ipcp *ip = &ipcp_ppp(f)->ipcp;
	struct in_addr *v;
	size_t n = 0, i;

	for (i = 0; i < sizeof(ipcp_order); i++)
		if (*ipcp_slot(ip, ipcp_order[i], &v))
			n += 6;
	return n;
}

static void ipcp_addci(struct fsm *f, uint8_t *buf, size_t len)
{
	struct ipcp *ip = &ipcp_ppp(f)->ipcp;
	struct in_addr *v;
	size_t i;

	for (i = 0; i < sizeof(ipcp_order); i++) {
		if (!*ipcp_slot(ip, ipcp_order[i], &v))
			continue;
		*buf++ = ipcp_order[i];
		*buf++ = 6;
		memcpy(buf, &v->s_addr, 4);    /* s_addr is in network order */
		buf += 4;
	}
	(void)len;
}

static bool ipcp_nakci(struct fsm *f, const uint8_t *buf, size_t len, bool treat_as_reject)
{
	struct ppp *ppp = ipcp_ppp(f);
	struct ipcp *ip = &ppp->ipcp, try = *ip;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	struct in_addr *v;
	bool *want;
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		want = ipcp_slot(&try, o.type, &v);
		if (!want)
			continue;     /* VJ or others suggested to us: not wanted */
		if (o.vlen != 4)
			return false;
		/* A gateway that keeps Naking a name server option gets it
		 * dropped; the address we cannot do without. */
		if (treat_as_reject && o.type != IPCP_ADDR) {
			*want = false;
			continue;
		}
		/* RFC 1877 §1: a Nak of an option we did not send is the
		 * gateway offering it; take it. */
		*want = true;
		memcpy(&v->s_addr, o.val, 4);
	}
	if (rc < 0)
		return false;
	*ip = try;
	return true;
}

static bool ipcp_rejci(struct fsm *f, const uint8_t *buf, size_t len)
{
	struct ppp *ppp = ipcp_ppp(f);
	struct ipcp *ip = &ppp->ipcp;
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	struct in_addr *v;
	bool *want;

	while (fsm_opt_next(&r, &o) > 0) {
		want = ipcp_slot(ip, o.type, &v);
		if (!want)
			continue;
		wv_dbg(ppp->log, "IPCP", "the gateway rejected option %u; not asking again",
		       o.type);
		*want = false;
		memset(v, 0, sizeof(*v));
	}
	return true;
}

static int ipcp_reqci(struct fsm *f, const uint8_t *buf, size_t len, struct fsm_reply *rep)
{
	struct ppp *ppp = ipcp_ppp(f);
	struct rd r = rd_init(buf, len);
	struct fsm_opt o;
	struct in_addr peer = { 0 };
	int rc;

	while ((rc = fsm_opt_next(&r, &o)) > 0) {
		switch (o.type) {
		case IPCP_ADDR:
			/* A gateway asking for 0.0.0.0 wants us to assign it an
			 * address; we have none to give (pppd rejects it too). */
			if (o.vlen != 4 || load_be32(o.val) == 0) {
				fsm_reply_rej(rep, &o);
				break;
			}
			memcpy(&peer.s_addr, o.val, 4);
			break;
		default:
			/* VJ compression (2), IP-Addresses (1), and the name
			 * server options (the gateway asking us for servers) */
			fsm_reply_rej(rep, &o);
			break;
		}
	}
	if (rc < 0)
		return -1;
	if (rep->code == CP_CONFACK)
		ppp->ipcp.peer = peer;
	return rep->code;
}

static void ipcp_up(struct fsm *f)
{
	struct ppp *ppp = ipcp_ppp(f);
	struct ipcp *ip = &ppp->ipcp;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (ip->addr.s_addr == 0) {
		ppp_fail(ppp, WV_FAIL_PROTOCOL,
			 _("the gateway did not assign an IPv4 address (IPCP ended without one)"));
		return;
	}
	inet_ntop(AF_INET, &ip->addr, a, sizeof(a));
	inet_ntop(AF_INET, &ip->peer, b, sizeof(b));
	wv_info(ppp->log, "IPCP", "IPCP is up: local address %s, gateway %s", a,
		ip->peer.s_addr ? b : "(not given)");
	ppp_ncp_changed(ppp);
}

static void ipcp_down(struct fsm *f)
{
	ppp_ncp_changed(ipcp_ppp(f));
}

static void ipcp_starting(struct fsm *f)
{
	ipcp_ppp(f)->ipcp.finished = false;
}

static void ipcp_finished(struct fsm *f)
{
	struct ppp *ppp = ipcp_ppp(f);

	ppp->ipcp.finished = true;
	ppp_ncp_changed(ppp);
}

static const char *ipcp_optname(uint8_t type)
{
	switch (type) {
	case 1: return "addrs";
	case IPCP_VJ: return "compress";
	case IPCP_ADDR: return "addr";
	case IPCP_DNS1: return "ms-dns1";
	case IPCP_NBNS1: return "ms-wins1";
	case IPCP_DNS2: return "ms-dns2";
	case IPCP_NBNS2: return "ms-wins2";
	default: return NULL;
	}
}

static bool ipcp_optval(uint8_t type, const uint8_t *val, size_t vlen, char *out, size_t outlen)
{
	struct in_addr *v;
	struct ipcp dummy;
	char a[INET_ADDRSTRLEN];

	if (vlen != 4 || !ipcp_slot(&dummy, type, &v))
		return false;
	if (!inet_ntop(AF_INET, val, a, sizeof(a)))
		return false;
	snprintf(out, outlen, "%s", a);
	return true;
}

static const struct fsm_callbacks ipcp_callbacks = {
	.resetci = ipcp_resetci,
	.cilen = ipcp_cilen,
	.addci = ipcp_addci,
	.nakci = ipcp_nakci,
	.rejci = ipcp_rejci,
	.reqci = ipcp_reqci,
	.up = ipcp_up,
	.down = ipcp_down,
	.starting = ipcp_starting,
	.finished = ipcp_finished,
	.optname = ipcp_optname,
	.optval = ipcp_optval,
};

void ipcp_init(struct ppp *ppp)
{
	fsm_init(&ppp->ipcp.fsm, ppp, PPP_IPCP, "IPCP", &ipcp_callbacks, ppp->loop, ppp->log);
}

void ipcp_input(struct ppp *ppp, const uint8_t *buf, size_t len)
{
	fsm_input(&ppp->ipcp.fsm, buf, len);
}
