#!/bin/sh
# client.sh -- a reference PPTP client (pptp-linux + pppd) inside the guest.
#
#   client.sh up N USER PASS [PPPD_OPTION...]
#       Create network namespace cliN, joined to the guest by a veth pair
#       (guest side 172.30.N.1/24, namespace side 172.30.N.2), dial pptpd at
#       172.30.N.1 from it and wait (20 s) until pppN has its address.
#       Prints "up pppN LOCAL PEER in SECONDS s" and the client's auth / MPPE
#       log lines; exit 1 (with the log) on failure.
#   client.sh down N       hang up (SIGTERM pppd), delete the namespace
#   client.sh log N        the client pppd's debug log
#
# Used by "pptpd.sh selftest" to prove the server works without the
# project's code; tests can use it as a known-good second client.  Run
# commands "behind" the client with: ip netns exec cliN CMD.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

uptime_s() { cut -d' ' -f1 /proc/uptime; }

down() {
    n=$1
    if [ -f "/run/client$n.pid" ]; then
        p=$(cat "/run/client$n.pid")
        kill -TERM "$p" 2>/dev/null
        i=0
        while [ -d "/proc/$p" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$p" 2>/dev/null
        rm -f "/run/client$n.pid"
    fi
    ip netns del "cli$n" 2>/dev/null
    ip link del "vcli$n" 2>/dev/null
    return 0
}

case "${1:-}" in
    up)
        [ $# -ge 4 ] || { echo "usage: client.sh up N USER PASS [PPPD_OPTION...]" >&2; exit 2; }
        n=$2 user=$3 pass=$4
        shift 4
        down "$n"
        ns=cli$n
        ip netns add "$ns"
        ip link add "vcli$n" type veth peer name "vpeer$n"
        ip link set "vpeer$n" netns "$ns"
        ip addr add "172.30.$n.1/24" dev "vcli$n"
        ip link set "vcli$n" up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "172.30.$n.2/24" dev "vpeer$n"
        ip -n "$ns" link set "vpeer$n" up
        log=/tmp/client$n.log
        rm -f "$log"
        t0=$(uptime_s)
        # noauth: do not ask the server to authenticate itself (the guest's
        # /etc/ppp/options says "auth", meant for the server side).
        # unshare + /dev/null over /dev/log: the client's pppd and pptp do
        # not write to syslog, so the syslog stays the server's log alone.
        setsid unshare -m sh -c 'mount --bind /dev/null /dev/log && exec "$@"' client \
            ip netns exec "$ns" pppd pty "pptp 172.30.$n.1 --nolaunchpppd --loglevel 1" \
            user "$user" password "$pass" remotename pptpd unit "$n" \
            noauth nodefaultroute nobsdcomp nodeflate novj \
            nodetach debug logfile "$log" "$@" </dev/null >/dev/null 2>&1 &
        echo $! >"/run/client$n.pid"
        i=0
        while ! ip -n "$ns" -4 addr show dev "ppp$n" 2>/dev/null | grep -q "inet "; do
            i=$((i + 1))
            if [ $i -gt 200 ] || ! [ -d "/proc/$(cat "/run/client$n.pid")" ]; then
                echo "client $n: no PPP link (pppd exited or 20 s passed); client log:"
                cat "$log" 2>/dev/null
                down "$n"
                exit 1
            fi
            sleep 0.1
        done
        t1=$(uptime_s)
        # shellcheck disable=SC2046  # "LOCAL PEER/32" as $1 $2
        set -- $(ip -n "$ns" -4 -o addr show dev "ppp$n" | awk '{ print $4, $6 }')
        echo "up ppp$n $1 ${2%/32} in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
        grep -E "authentication|MPPE|CHAP|PAP|local  IP|remote IP|DNS|WINS" "$log" | grep -v '^sent\|^rcvd' | sed 's/^/  /'
        ;;
    down) down "$2" ;;
    log) cat "/tmp/client$2.log" ;;
    *) echo "usage: client.sh up N USER PASS [PPPD_OPTION...] | down N | log N" >&2; exit 2 ;;
esac
