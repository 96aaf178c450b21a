# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016  # LAB_* are for the sourcing tests; bash -c '...$1'
# tests/lab/lib.sh -- shared helpers of the winvpn test lab.
#
# Source it from an integration test (bash) and from the lab scripts:
#     . "$(dirname "$0")/../lab/lib.sh"        # or wherever tests/lab is
# It only defines LAB_* variables and lab_* functions and does not change
# shell options, so it is safe to source with or without "set -eu".
#
# The reference servers are UML guests: Poptop pptpd + pppd, started by
# tests/lab/pptpd.sh, and xl2tpd + pppd (L2TP LNS), started by
# tests/lab/xl2tpd.sh (see tests/lab/README).  Both can run at once.  The
# guest helpers below (lab_guest_exec, lab_server_*, lab_sink_*,
# lab_source_*) address the pptpd guest unless lab_use_xl2tpd was called
# (which also switches LAB_PPP_* to the xl2tpd guest's addresses).  A
# typical test:
#
#     lab_need_root
#     PPTPD_AUTH=mschapv2 lab_pptpd start         # idempotent, ~3 s cold
#     mark=$(lab_server_log_mark)
#     ...dial $LAB_PPTPD_SERVER with $LAB_USER / $LAB_PASS...
#     lab_server_log_wait "$mark" 'MPPE 128-bit stateless compression enabled' 10
#     read -r bytes sha < <(lab_source_prepare 1000000)
#     lab_tcp_recv "$LAB_PPP_SERVER_IP" "$LAB_SOURCE_PORT" | sha256sum   # == $sha
#     m=$(lab_sink_mark); lab_tcp_send "$LAB_PPP_SERVER_IP" "$LAB_SINK_PORT" FILE
#     lab_sink_wait "$m" 10                     # prints "BYTES SHA256"
#     lab_server_kill_pppd KILL                 # dead peer
#
# Everything the lab writes goes under $WINVPN_LAB_STATE (default
# /var/tmp/winvpn-lab), never into the repository.

LAB_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_STATE=$(readlink -m "${WINVPN_LAB_STATE:-/var/tmp/winvpn-lab}")

case "$LAB_STATE/" in
    "$LAB_REPO"/*)
        echo "ERROR: WINVPN_LAB_STATE ($LAB_STATE) is inside the repository ($LAB_REPO)" >&2
        # shellcheck disable=SC2317  # exit when executed instead of sourced
        return 1 2>/dev/null || exit 1 ;;
    /)
        echo "ERROR: WINVPN_LAB_STATE must not be /" >&2
        # shellcheck disable=SC2317
        return 1 2>/dev/null || exit 1 ;;
esac

# --- the pptpd guest: addresses, accounts, services --------------------------
# Host side of the TAP link: $LAB_PPTPD_NET.1, guest (pptpd): $LAB_PPTPD_NET.2
LAB_PPTPD_NET=${PPTPD_NET:-10.98.0}
LAB_PPTPD_TAP=${PPTPD_TAP:-wvlab-pptp0}
LAB_PPTPD_HOST_IP=$LAB_PPTPD_NET.1
LAB_PPTPD_SERVER=$LAB_PPTPD_NET.2
LAB_PPTPD_PORT=1723
LAB_PPTPD_RUN=$LAB_STATE/lab/pptpd          # logs, generated configs, spool
LAB_PPTPD_PPP_SERVER_IP=192.168.40.1        # pppd's local address (tunnel end)
LAB_PPTPD_PPP_POOL=192.168.40.10-20
LAB_PPTPD_PPP_DNS=192.168.40.1
LAB_PPTPD_PPP_WINS=192.168.40.2
LAB_PPP_SERVER_IP=$LAB_PPTPD_PPP_SERVER_IP  # the guest in use (lab_use_*)
LAB_PPP_POOL=$LAB_PPTPD_PPP_POOL
LAB_PPP_DNS=$LAB_PPTPD_PPP_DNS
LAB_PPP_WINS=$LAB_PPTPD_PPP_WINS
LAB_USER=alice
LAB_PASS=secret123
LAB_DOMAIN_USER='WINVPN\bob'                # DOMAIN\user, as Windows sends it
LAB_DOMAIN_PASS=bobsecret456
LAB_SINK_PORT=5001      # reads to EOF, logs "BYTES SHA256"
LAB_SOURCE_PORT=5002    # sends the payload of lab_source_prepare, then closes
LAB_ECHO_PORT=5003      # echoes everything back

# --- the xl2tpd guest (L2TP LNS): same accounts and services -----------------
LAB_XL2TPD_NET=${XL2TPD_NET:-10.98.1}
LAB_XL2TPD_TAP=${XL2TPD_TAP:-wvlab-l2tp0}
LAB_XL2TPD_HOST_IP=$LAB_XL2TPD_NET.1
LAB_XL2TPD_SERVER=$LAB_XL2TPD_NET.2
LAB_XL2TPD_PORT=1701
LAB_XL2TPD_RUN=$LAB_STATE/lab/xl2tpd
LAB_XL2TPD_PPP_SERVER_IP=192.168.41.1
LAB_XL2TPD_PPP_POOL=192.168.41.10-20
LAB_XL2TPD_PPP_DNS=192.168.41.1
LAB_XL2TPD_PPP_WINS=192.168.41.2

# The guest the helpers below talk to (its run directory).
LAB_RUN=$LAB_PPTPD_RUN

# lab_use_xl2tpd / lab_use_pptpd: point the guest helpers and LAB_PPP_* at
# that guest.
lab_use_xl2tpd() {
    LAB_RUN=$LAB_XL2TPD_RUN
    LAB_PPP_SERVER_IP=$LAB_XL2TPD_PPP_SERVER_IP LAB_PPP_POOL=$LAB_XL2TPD_PPP_POOL
    LAB_PPP_DNS=$LAB_XL2TPD_PPP_DNS LAB_PPP_WINS=$LAB_XL2TPD_PPP_WINS
}
lab_use_pptpd() {
    LAB_RUN=$LAB_PPTPD_RUN
    LAB_PPP_SERVER_IP=$LAB_PPTPD_PPP_SERVER_IP LAB_PPP_POOL=$LAB_PPTPD_PPP_POOL
    LAB_PPP_DNS=$LAB_PPTPD_PPP_DNS LAB_PPP_WINS=$LAB_PPTPD_PPP_WINS
}

# --- generic helpers ----------------------------------------------------------
lab_log() { echo "[lab $(date +%T)] $*" >&2; }
lab_die() { echo "ERROR: $*" >&2; exit 1; }

lab_need_root() {
    [ "$(id -u)" = 0 ] || lab_die "$(basename "$0") must run as root (TAP devices, namespaces, apt-get)"
}

# Seconds since the epoch with microseconds; lab_elapsed T0 prints "1.234".
lab_now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
lab_elapsed() { awk -v a="$1" -v b="$(lab_now)" 'BEGIN { printf "%.2f", b - a }'; }

# lab_apt_install PKG...: install the packages that are missing.  Waits for
# the dpkg lock (another apt-get may run), runs "apt-get update" and retries
# once if the install fails (stale or missing package lists).
lab_apt_install() {
    local p missing=() log rc=0
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    mkdir -p "$LAB_STATE"
    log=$LAB_STATE/apt-$$.log
    lab_log "apt-get install ${missing[*]}"
    local apt=(apt-get -o DPkg::Lock::Timeout=900 -y -q --no-install-recommends)
    if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >"$log" 2>&1; then
        apt-get -o DPkg::Lock::Timeout=900 -q update >>"$log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >>"$log" 2>&1 || rc=$?
    fi
    if [ "$rc" != 0 ]; then
        tail -15 "$log" >&2
        echo "ERROR: apt-get install ${missing[*]} failed (log: $log)" >&2
        return 1
    fi
    rm -f "$log"
}

# lab_apt_ensure FILE PKG...: install PKGs unless FILE exists; then require FILE.
lab_apt_ensure() {
    local file=$1; shift
    [ -e "$file" ] && return 0
    lab_apt_install "$@" || return 1
    [ -e "$file" ] || { echo "ERROR: $file still missing after installing $*" >&2; return 1; }
}

# lab_wait_until TIMEOUT_S CMD...: run CMD every 0.1 s until it succeeds;
# returns 1 after TIMEOUT_S seconds (fractions allowed).
lab_wait_until() {
    local timeout=$1; shift
    local t0
    t0=$(lab_now)
    until "$@"; do
        awk -v a="$t0" -v b="$(lab_now)" -v t="$timeout" 'BEGIN { exit !(b - a >= t) }' && return 1
        sleep 0.1
    done
}

# --- the pptpd guest ----------------------------------------------------------
# lab_pptpd start|stop|status|exec CMD|selftest (environment knobs: see pptpd.sh)
lab_pptpd() { bash "$LAB_DIR/pptpd.sh" "$@"; }   # bash: works without the x bit
# lab_xl2tpd start|stop|status|exec CMD|selftest (knobs: see xl2tpd.sh)
lab_xl2tpd() { bash "$LAB_DIR/xl2tpd.sh" "$@"; }

# lab_guest_exec [-t TIMEOUT_S] SCRIPT: run SCRIPT with /bin/sh as root in the
# guest; prints its output (stdout+stderr), returns its exit status (124 on
# timeout, default 60 s).  Latency is ~0.1-0.2 s (the guest polls a spool
# directory on hostfs).
lab_guest_exec() {
    local timeout=60 id spool=$LAB_RUN/cmd rc t0
    if [ "${1:-}" = -t ]; then timeout=$2; shift 2; fi
    [ -f "$LAB_RUN/ready" ] || { echo "lab_guest_exec: the $(basename "$LAB_RUN") guest is not running" >&2; return 1; }
    id=$(date +%s%N)$$$RANDOM
    printf '%s\n' "$1" >"$spool/$id.tmp"
    mv "$spool/$id.tmp" "$spool/$id.sh"
    if ! lab_wait_until "$timeout" test -f "$spool/$id.rc"; then
        cat "$spool/$id.out" 2>/dev/null
        echo "lab_guest_exec: no result after $timeout s" >&2
        return 124
    fi
    cat "$spool/$id.out"
    rc=$(cat "$spool/$id.rc")
    rm -f "$spool/$id".*
    return "$rc"
}

# lab_write_dhcp RUN SERVER_IP OPTS: DHCP on the guest's PPP interfaces, like
# RRAS with its DHCP relay.  OPTS: dnsmasq dhcp-option values, ";"-separated
# ("15,corp.example;121,10.20.0.0/16,0.0.0.0"); empty: no DHCP server (the
# default).  Writes RUN/dhcp.conf, which guest/ctl.sh hands to dnsmasq
# (static: DHCPINFORM only, no leases; logs to the server log).
lab_write_dhcp() {
    rm -f "$1/dhcp.conf"
    [ -n "$3" ] || return 0
    {
        printf 'port=0\ninterface=ppp*\nbind-dynamic\nuser=root\nlog-dhcp\n'
        printf 'dhcp-leasefile=/run/dnsmasq-winvpn.leases\ndhcp-authoritative\n'
        printf 'dhcp-range=%s.0,static,255.255.255.0\n' "${2%.*}"
        tr ';' '\n' <<<"$3" | sed 's/^/dhcp-option=/'
    } >"$1/dhcp.conf"
}

# Server-side log: everything the guest's daemons send to syslog (pptpd,
# pptpctrl, and pppd with "debug": every LCP/CHAP/CCP/IPCP packet).
# mark=$(lab_server_log_mark) before an action, then lab_server_log_since
# "$mark" or lab_server_log_wait "$mark" REGEX [TIMEOUT] to assert on what the
# server saw during that action only.
lab_server_log() { cat "$LAB_RUN/syslog.log"; }
lab_server_log_mark() { stat -c %s "$LAB_RUN/syslog.log" 2>/dev/null || echo 0; }
lab_server_log_since() { tail -c +$(($1 + 1)) "$LAB_RUN/syslog.log"; }
lab_server_log_wait() {
    local mark=$1 re=$2 timeout=${3:-10}
    lab_wait_until "$timeout" _lab_log_has "$mark" "$re" || {
        echo "lab_server_log_wait: /$re/ not logged within $timeout s" >&2; return 1; }
    lab_server_log_since "$mark" | grep -E -m1 -- "$re"
}
_lab_log_has() { lab_server_log_since "$1" | grep -Eq -- "$2"; }

# Server-side sessions: "PID IFACE LOCAL PEER/32" per pppd started by pptpd.
lab_server_sessions() { lab_guest_exec -t 10 "sh /mnt/cfg/bin/ctl.sh sessions"; }
# Signal every server-side pppd (default KILL: vanishes without LCP
# Terminate; TERM: orderly LCP Terminate-Request).  Prints the PIDs; fails
# when no session exists.
# Tried for up to 20 s: the session's pppd may not be listed yet, and a busy
# machine may let one guest exec time out.
lab_server_kill_pppd() {
    lab_wait_until 20 lab_guest_exec -t 10 "sh /mnt/cfg/bin/ctl.sh kill-pppd ${1:-KILL}"
}
# Make the server go silent (SIGSTOP pptpctrl and pppd; TCP stays up, GRE
# and control messages get no answer) and bring it back.
lab_server_freeze() { lab_guest_exec -t 10 "sh /mnt/cfg/bin/ctl.sh freeze"; }
lab_server_thaw() { lab_guest_exec -t 10 "sh /mnt/cfg/bin/ctl.sh thaw"; }

# --- data services inside the guest --------------------------------------------
# They listen on every guest address: through the tunnel use
# $LAB_PPP_SERVER_IP; $LAB_PPTPD_SERVER (TAP link, no tunnel) is useful only
# to check a test's own plumbing.

# lab_sink_mark: how many connections the sink has finished so far.
lab_sink_mark() { wc -l <"$LAB_RUN/data/sink.log" 2>/dev/null || echo 0; }
# lab_sink_wait MARK [TIMEOUT]: wait for the first connection finished after
# MARK and print "BYTES SHA256" of what the server received on it.
lab_sink_wait() {
    local mark=$1 timeout=${2:-30}
    lab_wait_until "$timeout" _lab_sink_after "$mark" || {
        echo "lab_sink_wait: no finished sink connection within $timeout s" >&2; return 1; }
    sed -n "$((mark + 1))p" "$LAB_RUN/data/sink.log"
}
_lab_sink_after() { [ "$(lab_sink_mark)" -gt "$1" ]; }

# lab_source_prepare BYTES [FILE]: new payload for the source (random bytes,
# or the contents of FILE); prints "BYTES SHA256".  Every later connection
# to $LAB_SOURCE_PORT receives exactly this payload, then EOF.
lab_source_prepare() {
    # A new file name every time: the guest's hostfs caches names and pages,
    # so a payload replaced under the same name can be read stale there.
    local d=$LAB_RUN/data sum f
    mkdir -p "$d"
    f=$d/source-$(date +%s%N)
    if [ -n "${2:-}" ]; then cp "$2" "$f.tmp"; else head -c "$1" /dev/urandom >"$f.tmp"; fi
    sum="$(stat -c %s "$f.tmp") $(sha256sum <"$f.tmp" | cut -d' ' -f1)"
    echo "$sum" >"$f.sum"
    mv "$f.tmp" "$f.bin"
    # keep the newest two (a connection may still be reading the previous one)
    ls "$d"/source-*.bin 2>/dev/null | sort | head -n -2 | while read -r old; do
        rm -f "$old" "${old%.bin}.sum"
    done
    echo "$sum"
}
# lab_source_log: "sent RC BYTES SHA256" per source connection (RC != 0: the
# client went away before everything was written).
lab_source_log() { cat "$LAB_RUN/data/source.log" 2>/dev/null; }

# Minimal TCP clients (bash /dev/tcp), run in $LAB_CLIENT_NETNS if set:
#   lab_tcp_send HOST PORT FILE   send FILE, then close
#   lab_tcp_recv HOST PORT        print everything received until EOF
# Both give up after $LAB_TCP_TIMEOUT seconds (default 60).
lab_tcp_send() {
    _lab_in_client_ns timeout "${LAB_TCP_TIMEOUT:-60}" bash -c \
        'exec 3<>"/dev/tcp/$1/$2" && cat "$3" >&3' _ "$1" "$2" "$3"
}
lab_tcp_recv() {
    _lab_in_client_ns timeout "${LAB_TCP_TIMEOUT:-60}" bash -c \
        'exec 3<"/dev/tcp/$1/$2" && cat <&3' _ "$1" "$2"
}
_lab_in_client_ns() {
    if [ -n "${LAB_CLIENT_NETNS:-}" ]; then ip netns exec "$LAB_CLIENT_NETNS" "$@"; else "$@"; fi
}
