/* tun.c -- creating the TUN device.  Addresses, MTU and routes are set by the
 * host: the vpnc-script under the CLI, NetworkManager under the plugin --
 * except the IPv6 link-local address, which IPV6CP negotiates for the link
 * itself (tun_ip6_add_ll; the vpnc-script takes one IPv6 address only). */
#include "wv.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tun.h"

int tun_open(char name[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, r;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	snprintf(name, IFNAMSIZ, "%s", ifr.ifr_name);
	tun_ip6_prepare(name);
	return fd;
}

static void tun_sysctl6(const char *name, const char *key, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", name, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* an older kernel without the knob: its default then */
	}
	close(fd);
}

void tun_ip6_prepare(const char *name)
{
	tun_sysctl6(name, "addr_gen_mode", "1");       /* IN6_ADDR_GEN_MODE_NONE */
	tun_sysctl6(name, "keep_addr_on_down", "1");
}

/* <linux/ipv6.h>'s struct in6_ifreq, which glibc's headers do not carry */
struct tun_in6_ifreq {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

int tun_ip6_add_ll(const char *name, const uint8_t ifid[8])
{
	struct tun_in6_ifreq r;
	int fd, rc = 0;

	memset(&r, 0, sizeof(r));
	r.addr.s6_addr[0] = 0xfe;
	r.addr.s6_addr[1] = 0x80;
	memcpy(r.addr.s6_addr + 8, ifid, 8);
	r.prefixlen = 64;
	r.ifindex = (int)if_nametoindex(name);
	if (!r.ifindex)
		return -ENODEV;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCSIFADDR, &r) < 0)
		rc = -errno;
	close(fd);
	return rc;
}
