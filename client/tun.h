/* tun.h -- the TUN device that carries the tunnel's IP packets.  Internal. */
#ifndef WV_TUN_H
#define WV_TUN_H

#include <net/if.h>

/* Opens a new TUN device (IFF_TUN | IFF_NO_PI, non-blocking, close-on-exec).
 * name: a template like "winvpn%d" or an exact name; the kernel's choice is
 * written back.  Returns the fd or -errno. */
int tun_open(char name[IFNAMSIZ]);

#endif
