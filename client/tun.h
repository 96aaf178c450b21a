/* tun.h -- the TUN device that carries the tunnel's IP packets.  Internal. */
#ifndef WV_TUN_H
#define WV_TUN_H

#include <net/if.h>
#include <stdint.h>

/* Opens a new TUN device (IFF_TUN | IFF_NO_PI, non-blocking, close-on-exec).
 * name: a template like "winvpn%d" or an exact name; the kernel's choice is
 * written back.  Returns the fd or -errno. */
int tun_open(char name[IFNAMSIZ]);

/* IPv6 on a TUN device belongs to the negotiated link (RFC 5072 §5): the
 * kernel makes no link-local address of its own on it (addr_gen_mode none),
 * addresses survive a link down/up (keep_addr_on_down: the vpnc-script's
 * disconnect + connect of an update), and fe80::<ifid>/64 is added when
 * IPV6CP is up.  Called by tun_open(); errors are ignored (IPv6 may be
 * disabled on the host).  tun_ip6_add_ll: 0 or -errno (-EEXIST if there). */
void tun_ip6_prepare(const char *name);
int tun_ip6_add_ll(const char *name, const uint8_t ifid[8]);

#endif
