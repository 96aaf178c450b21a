#!/bin/sh
# l2tp-client.sh -- a reference L2TP client (a second xl2tpd as LAC + pppd)
# inside the xl2tpd guest.
#
#   l2tp-client.sh up N USER PASS [PPPD_OPTION...]
#       Create network namespace cliN, joined to the guest by a veth pair
#       (guest side 172.30.N.1/24, namespace side 172.30.N.2), dial the
#       guest's xl2tpd at 172.30.N.1 from it and wait (20 s) until pppN has
#       its address.  Prints "up pppN LOCAL PEER in SECONDS s" and the
#       client's auth / CCP log lines; exit 1 (with the log) on failure.
#       L2TP_CLIENT_SECRET in the environment: tunnel authentication
#       (challenge = yes, with that secret).
#   l2tp-client.sh down N       hang up (SIGTERM xl2tpd: CDN, StopCCN), delete the namespace
#   l2tp-client.sh log N        the client's xl2tpd and pppd logs
#
# Used by "xl2tpd.sh selftest" to prove the server works without the
# project's code; tests can use it as a known-good second client.  Run
# commands "behind" the client with: ip netns exec cliN CMD.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

uptime_s() { cut -d' ' -f1 /proc/uptime; }

down() {
    n=$1 d=/tmp/l2tpcli$1
    if [ -f "$d/xl2tpd.pid" ]; then
        p=$(cat "$d/xl2tpd.pid")
        kill -TERM "$p" 2>/dev/null
        i=0
        while [ -d "/proc/$p" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$p" 2>/dev/null
        rm -f "$d/xl2tpd.pid"
    fi
    # the client's pppd (and anything else) left in the namespace
    for p in $(ip netns pids "cli$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "cli$n" 2>/dev/null
    ip link del "vcli$n" 2>/dev/null
    return 0
}

# pppd reads backslash escapes in option files: WINVPN\bob -> "WINVPN\\bob"
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

case "${1:-}" in
    up)
        [ $# -ge 4 ] || { echo "usage: l2tp-client.sh up N USER PASS [PPPD_OPTION...]" >&2; exit 2; }
        n=$2 user=$3 pass=$4
        shift 4
        down "$n"
        ns=cli$n d=/tmp/l2tpcli$n
        ip netns add "$ns"
        ip link add "vcli$n" type veth peer name "vpeer$n"
        ip link set "vpeer$n" netns "$ns"
        ip addr add "172.30.$n.1/24" dev "vcli$n"
        ip link set "vcli$n" up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "172.30.$n.2/24" dev "vpeer$n"
        ip -n "$ns" link set "vpeer$n" up
        rm -rf "$d"
        mkdir -p "$d"
        {
            echo "[global]"
            echo "port = 1701"
            [ -n "${L2TP_CLIENT_SECRET:-}" ] && echo "auth file = $d/l2tp-secrets"
            echo "[lac lns]"
            echo "lns = 172.30.$n.1"
            echo "pppoptfile = $d/options"
            echo "length bit = yes"
            echo "autodial = yes"
            echo "redial = no"
            [ -n "${L2TP_CLIENT_SECRET:-}" ] && echo "challenge = yes"
        } >"$d/xl2tpd.conf"
        if [ -n "${L2TP_CLIENT_SECRET:-}" ]; then
            printf '* * %s\n' "$L2TP_CLIENT_SECRET" >"$d/l2tp-secrets"
            chmod 600 "$d/l2tp-secrets"
        fi
        # noauth: do not ask the server to authenticate itself (the guest's
        # /etc/ppp/options says "auth", meant for the server side).
        {
            # (printf: dash's echo would eat the backslashes)
            printf 'user %s\npassword %s\n' "$(quote "$user")" "$(quote "$pass")"
            echo "remotename l2tpd"
            echo "unit $n"
            echo "noauth"
            echo "nodefaultroute"
            echo "nobsdcomp"
            echo "nodeflate"
            echo "novj"
            echo "debug"
            echo "logfile $d/pppd.log"
            for o in "$@"; do printf '%s\n' "$o"; done
        } >"$d/options"
        chmod 600 "$d/options"
        t0=$(uptime_s)
        # unshare + /dev/null over /dev/log: the client's xl2tpd and pppd do
        # not write to syslog, so the syslog stays the server's log alone.
        setsid unshare -m sh -c 'mount --bind /dev/null /dev/log && exec "$@"' client \
            ip netns exec "$ns" xl2tpd -D -c "$d/xl2tpd.conf" -p "$d/xl2tpd.pid" \
            -C "$d/l2tp-control" </dev/null >"$d/xl2tpd.log" 2>&1 &
        # (UML forks are slow: count time, not turns; a pppd that gave up --
        # wrong password -- ends the wait at once)
        while ! ip -n "$ns" -4 addr show dev "ppp$n" 2>/dev/null | grep -q "inet "; do
            if awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { exit !(b - a > 20) }' ||
                    grep -q "Connection terminated\|Exit\." "$d/pppd.log" 2>/dev/null; then
                echo "client $n: no PPP link (pppd gave up, or 20 s passed); client logs:"
                tail -30 "$d/xl2tpd.log" 2>/dev/null
                cat "$d/pppd.log" 2>/dev/null
                down "$n"
                exit 1
            fi
            sleep 0.1
        done
        t1=$(uptime_s)
        # shellcheck disable=SC2046  # "LOCAL PEER/32" as $1 $2
        set -- $(ip -n "$ns" -4 -o addr show dev "ppp$n" | awk '{ print $4, $6 }')
        echo "up ppp$n $1 ${2%/32} in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
        grep -E "authentication|MPPE|CHAP|PAP|CCP|local  IP|remote IP|DNS|WINS" "$d/pppd.log" |
            grep -v '^sent\|^rcvd' | sed 's/^/  /'
        ;;
    down) down "$2" ;;
    log) cat "/tmp/l2tpcli$2/xl2tpd.log" "/tmp/l2tpcli$2/pppd.log" 2>/dev/null ;;
    *) echo "usage: l2tp-client.sh up N USER PASS [PPPD_OPTION...] | down N | log N" >&2; exit 2 ;;
esac
