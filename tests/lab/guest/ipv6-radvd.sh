#!/bin/sh
# ipv6-radvd.sh -- the lab's IPv6 on the server's PPP links (PPTPD_IPV6=yes).
#
# Installed by tests/lab/pptpd.sh as /etc/ppp/ipv6-up.local and
# /etc/ppp/ipv6-down.local in the guest; pppd runs them (through Debian's
# /etc/ppp/ipv6-up and ipv6-down) with: IFACE TTY SPEED LOCAL-LL REMOTE-LL
# IPPARAM, once IPV6CP is up / down on the server's side of a session.
#
# up: the guest gets fd00:99::1/48 on a dummy interface (something to ping
#     through the tunnel, reachable only through an RFC 4191 route), the PPP
#     interface gets fd00:98:40::1/64, and one radvd per PPP interface
#     advertises on it: prefix fd00:98:40::/64 (on-link, autonomous: SLAAC),
#     route fd00:99::/48, RDNSS fd00:98:40::1, router lifetime 0 (not a
#     default router, so the client's namespace keeps its default route).
# down: that interface's radvd is stopped.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
IFACE=$1
[ -n "$IFACE" ] || exit 0
PID=/run/radvd-$IFACE.pid
CONF=/run/radvd-$IFACE.conf
LOG=/mnt/cfg/ipv6.log

stop_radvd() {
    [ -f "$PID" ] && kill "$(cat "$PID")" 2>/dev/null
    rm -f "$PID"
}

case "$(basename "$0")" in
    ipv6-down*)
        stop_radvd
        echo "ipv6-down $IFACE" >>"$LOG"
        exit 0
        ;;
esac

modprobe -q dummy 2>/dev/null
if ! ip link show wv6 >/dev/null 2>&1; then
    ip link add wv6 type dummy
    ip link set wv6 up
    ip -6 addr add fd00:99::1/48 dev wv6
fi
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
ip -6 addr add fd00:98:40::1/64 dev "$IFACE" 2>/dev/null
cat >"$CONF" <<CONF
interface $IFACE {
    AdvSendAdvert on;
    IgnoreIfMissing on;
    MinRtrAdvInterval 30;
    MaxRtrAdvInterval 60;
    AdvDefaultLifetime 0;
    prefix fd00:98:40::/64 {
        AdvOnLink on;
        AdvAutonomous on;
    };
    route fd00:99::/48 {
        AdvRouteLifetime 1800;
    };
    RDNSS fd00:98:40::1 {
    };
};
CONF
stop_radvd
radvd -C "$CONF" -p "$PID" -m logfile -l /mnt/cfg/radvd-"$IFACE".log
echo "ipv6-up $IFACE local $4 remote $5 radvd $?" >>"$LOG"
exit 0
