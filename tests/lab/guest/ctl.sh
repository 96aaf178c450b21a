#!/bin/sh
# ctl.sh -- guest-side control of the winvpn lab's UML guests: the pptpd
# guest and the xl2tpd guest (SERVER in guest.env says which one runs here).
#
# Runs inside the UML guest (copied by the host to /mnt/cfg/bin/ctl.sh).
# The host calls it through the command spool (tests/lab/pptpd.sh exec,
# tests/lab/xl2tpd.sh exec, or the lab_server_* helpers in tests/lab/lib.sh).
#
#   boot              network, syslog, the server, data services, and dnsmasq
#                     when $CFG/dhcp.conf exists (run once by init)
#   restart           stop the server and every session, re-copy /mnt/cfg/etc,
#                     start the server  (pptpd-restart: the same, older name)
#   sessions          one line per server-side pppd: PID IFACE LOCAL PEER
#   kill-pppd [SIG]   send SIG (default KILL) to every server-side pppd;
#                     prints the PIDs, exit 1 when there was none
#   freeze | thaw     SIGSTOP / SIGCONT the server's control processes
#                     (pptpctrl, or xl2tpd) and its pppds: the peer goes
#                     silent (no LCP, no control answers; PPTP's TCP stays
#                     established, L2TP gets no ZLB, HELLO or anything)
#   services          (re)start the data services on TCP 5001-5003
#   ipsec-status      (IPSEC=yes) exit 0 when charon has the l2tp connection
#                     loaded and xl2tpd listens on UDP 1701
#
# IPSEC=yes in guest.env (xl2tpd guest, tests/lab/xl2tpd.sh XL2TPD_IPSEC=yes):
# strongSwan's charon (IKEv1, PSK, ESP transport mode for UDP/1701, the guest
# kernel's XFRM/ESP) runs next to xl2tpd, configured by /etc/swanctl/swanctl.conf
# (written by the host), logging to /mnt/cfg/charon.log; xfrm policies block
# UDP/1701 that is not protected by an SA, in and out (charon's own transport
# policies take precedence), so plaintext L2TP is neither accepted nor sent.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
CFG=/mnt/cfg
# shellcheck disable=SC1091  # written by the host at start
. "$CFG/guest.env"      # GUEST_IP, SINK_PORT, SOURCE_PORT, ECHO_PORT, SERVER
SERVER=${SERVER:-pptpd}
IPSEC=${IPSEC:-no}
CHARON=/usr/lib/ipsec/charon
XL2TPD_PID=/run/xl2tpd/xl2tpd.pid

# One process snapshot per question: every fork+exec costs ~25 ms in UML
# and procps tools scan all of /proc, so avoid pgrep loops.
procs() { ps -e -o pid=,ppid=,comm=; }

# pppd processes started by the server (their parent is pptpctrl, or the
# server's xl2tpd); the selftest's client pppd (and client xl2tpd) run in the
# same guest and must not be touched.
server_pppds() {
    procs | awk -v x="$(xl2tpd_pid)" '{ comm[$1] = $3; parent[$1] = $2 }
        END { for (p in comm) if (comm[p] == "pppd" &&
                  (comm[parent[p]] == "pptpctrl" || (x != "" && parent[p] == x))) print p }'
}
xl2tpd_pid() { [ "$SERVER" = xl2tpd ] && cat "$XL2TPD_PID" 2>/dev/null; }
# The server's control processes: pptpd and one pptpctrl per call, or xl2tpd.
server_ctrl_procs() {
    if [ "$SERVER" = xl2tpd ]; then
        xl2tpd_pid
    else
        procs | awk '$3 == "pptpd" || $3 == "pptpctrl" { print $1 }'
    fi
}

start_server() {
    if [ "$SERVER" = xl2tpd ]; then
        mkdir -p /run/xl2tpd
        xl2tpd -c /etc/xl2tpd/xl2tpd.conf -p "$XL2TPD_PID" -C /run/xl2tpd/l2tp-control
    else
        pptpd -c /etc/pptpd.conf
    fi
}

# wait_gone PID...: wait up to 3 s for the processes to exit, then KILL them.
wait_gone() {
    i=0
    for p in "$@"; do
        while [ -d "/proc/$p" ] && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
        [ -d "/proc/$p" ] && kill -KILL "$p" 2>/dev/null
    done
    return 0
}

stop_server() {
    # sessions first (pppd sends LCP TermReq), then the control processes
    pppds=$(server_pppds) ctrls=$(server_ctrl_procs)
    # shellcheck disable=SC2086
    [ -z "$pppds" ] || { kill -TERM $pppds 2>/dev/null; wait_gone $pppds; }
    # shellcheck disable=SC2086
    [ -z "$ctrls" ] || { kill -TERM $ctrls 2>/dev/null; wait_gone $ctrls; }
    rm -f /run/pptpd.pid "$XL2TPD_PID"
}

# --- IPsec (IPSEC=yes) ---------------------------------------------------------
charon_pid() { cat /run/charon.pid 2>/dev/null; }

block_plain_l2tp() {
    ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 proto udp dport 1701 dir in action block priority 3000000
    ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 proto udp sport 1701 dir out action block priority 3000000
}

start_ipsec() {
    [ "$IPSEC" = yes ] || return 0
    block_plain_l2tp
    mkdir -p /run/strongswan
    setsid "$CHARON" </dev/null >/dev/null 2>&1 &
    i=0
    while [ ! -S /run/charon.vici ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    [ -S /run/charon.vici ] || { echo "ctl: charon did not start"; return 1; }
    swanctl --load-all --noprompt >/run/swanctl-load.out 2>&1 ||
        { echo "ctl: swanctl --load-all failed"; cat /run/swanctl-load.out; return 1; }
}

stop_ipsec() {
    [ "$IPSEC" = yes ] || return 0
    p=$(charon_pid)
    # charon deletes its SAs (IKE Delete to the peers) and its policies on TERM
    [ -n "$p" ] && { kill -TERM "$p" 2>/dev/null; wait_gone "$p"; }
    rm -f /run/charon.pid /run/charon.vici
    ip xfrm state flush
    ip xfrm policy flush
}

# --- DHCP on the PPP interfaces (PPTPD_DHCP / XL2TPD_DHCP) ------------------
# dnsmasq with the host's $CFG/dhcp.conf (tests/lab/lib.sh lab_write_dhcp):
# bound to ppp* as they come and go (bind-dynamic), it answers a client's
# DHCPINFORM with a DHCPACK unicast to ciaddr through the PPP link, as RRAS
# with its DHCP relay does.  No dhcp.conf: no DHCP server.
DNSMASQ_PID=/run/dnsmasq-winvpn.pid
start_dhcp() {
    [ -f "$CFG/dhcp.conf" ] || return 0
    dnsmasq --conf-file="$CFG/dhcp.conf" --pid-file="$DNSMASQ_PID" ||
        echo "ctl: dnsmasq did not start"
}
stop_dhcp() {
    p=$(cat "$DNSMASQ_PID" 2>/dev/null)
    [ -n "$p" ] && { kill -TERM "$p" 2>/dev/null; wait_gone "$p"; }
    rm -f "$DNSMASQ_PID"
}

start_services() {
    pkill -f "^busybox nc -ll -p" 2>/dev/null
    mkdir -p "$CFG/data"
    # busybox nc -ll -e: persistent listener, one handler process per
    # connection with the socket on its stdin/stdout.  Bound to every
    # address: reachable through the tunnel at the PPP server address and,
    # for checking the services themselves, at $GUEST_IP over the TAP link.
    setsid busybox nc -ll -p "$SINK_PORT" -e /bin/sh "$CFG/bin/sink.sh" </dev/null >/dev/null 2>&1 &
    setsid busybox nc -ll -p "$SOURCE_PORT" -e /bin/sh "$CFG/bin/source.sh" </dev/null >/dev/null 2>&1 &
    setsid busybox nc -ll -p "$ECHO_PORT" -e /bin/cat </dev/null >/dev/null 2>&1 &
}

case "${1:-}" in
    boot)
        modprobe -a ppp_generic ppp_async ppp_mppe ppp_deflate bsd_comp veth || echo "ctl: modprobe failed"
        # (xl2tpd's kernel data path, l2tp_ppp, loads on demand unless
        # etc/modprobe.d forbids it)
        ip link set lo up
        ip link set vec0 up
        ip addr add "$GUEST_IP/24" dev vec0
        echo 1 >/proc/sys/net/ipv4/ip_forward
        # all daemons log here (this busybox build never rotates); the host reads the file
        # directly (hostfs writes go straight through to the host file)
        : >"$CFG/syslog.log"
        busybox syslogd -O "$CFG/syslog.log"
        start_services
        if [ "$IPSEC" = yes ]; then
            modprobe -a esp4 xfrm_user xfrm_algo authenc cbc hmac echainiv seqiv des_generic \
                sha1_generic sha256_generic aes_generic gcm ctr 2>/dev/null
            lsmod | grep -q '^esp4' || echo "ctl: esp4 not loaded (built in?)"
        fi
        start_server
        start_ipsec
        start_dhcp
        ;;
    restart|pptpd-restart)
        stop_dhcp
        stop_ipsec
        stop_server
        cp -a "$CFG/etc/." /etc/
        start_server
        start_ipsec
        start_dhcp
        ;;
    ipsec-status)
        [ "$IPSEC" = yes ] && [ -n "$(charon_pid)" ] && [ -d "/proc/$(charon_pid)" ] &&
            swanctl --list-conns 2>/dev/null | grep -q '^l2tp:' &&
            grep -q ':06A5 00000000:0000' /proc/net/udp
        ;;
    sessions)
        for p in $(server_pppds); do
            ifc=
            for f in /run/ppp*.pid; do
                [ "$(head -1 "$f" 2>/dev/null)" = "$p" ] && ifc=$(basename "$f" .pid)
            done
            addr=
            [ -n "$ifc" ] && addr=$(ip -4 -o addr show dev "$ifc" | awk '{print $4, $6}')
            echo "$p ${ifc:--} ${addr:--}"
        done
        ;;
    kill-pppd)
        sig=${2:-KILL}
        pids=$(server_pppds)
        [ -n "$pids" ] || { echo "no server pppd running"; exit 1; }
        # shellcheck disable=SC2086
        kill -s "$sig" $pids && echo $pids
        ;;
    freeze|thaw)
        [ "$1" = freeze ] && sig=STOP || sig=CONT
        what=$1
        # shellcheck disable=SC2046
        if [ "$SERVER" = xl2tpd ]; then
            set -- $(server_pppds) $(xl2tpd_pid)
        else
            set -- $(server_pppds) $(procs | awk '$3 == "pptpctrl" { print $1 }')
        fi
        [ $# -gt 0 ] || { echo "no session to $what"; exit 1; }
        kill -s "$sig" "$@" && echo "$@"
        ;;
    services) start_services ;;
    *) echo "usage: ctl.sh boot|restart|sessions|kill-pppd [SIG]|freeze|thaw|services|ipsec-status" >&2; exit 2 ;;
esac
