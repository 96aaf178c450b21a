#!/bin/bash
# tests/lab/pptpd.sh start|stop|status|exec CMD|selftest|restart
#
# A real Poptop pptpd 1.4.0 + pppd 2.4.9 server for the integration tests,
# inside a User-Mode-Linux guest (see uml.sh), reachable over a TAP link:
#     host 10.98.0.1/24 dev wvlab-pptp0  <->  guest 10.98.0.2, pptpd on TCP 1723 + GRE
# PPP: server 192.168.40.1, pool 192.168.40.10-20, ms-dns 192.168.40.1,
# ms-wins 192.168.40.2.  Accounts: alice / secret123 and WINVPN\bob /
# bobsecret456 (chap-secrets and pap-secrets).  Data services in the guest:
# TCP 5001 sink, 5002 source, 5003 echo (see lib.sh).
#
#   start     install what is missing, boot the guest, wait for a PPTP
#             Start-Control-Connection-Reply.  Idempotent: a healthy guest
#             with the same settings is left alone; different PPP settings
#             restart pptpd inside the running guest (~0.5 s); different
#             network settings reboot it.
#   stop      kill the guest, delete its TAP (and a namespace it created)
#   restart   stop + start
#   status    exit 0 if running and answering; prints the settings
#   exec CMD  run CMD (sh) as root in the guest, print its output, return its status
#   selftest  inside the guest, dial pptpd with pptp-linux + pppd for every
#             PPTPD_AUTH mode (plus a domain account, MPPE-40, stateful MPPE and
#             a wrong password), ping and move data through the tunnel; timings.
#
# Knobs (environment, read by start):
#   PPTPD_AUTH  mschapv2 (default) | mschap | chap | pap | eap-md5 | eap-tls
#               (eap-*: require-eap; pppd picks EAP-MD5 for a user with a
#               chap-secrets entry, EAP-TLS for any other, e.g. carol)
#   PPTPD_EAPTLS_DIR  for eap-tls: a directory holding ca.crt, server.crt and
#               server.key (PEM); the guest trusts client certificates of ca.crt
#   PPTPD_MPPE  require128 (default for mschap*) | require40 | stateful | none
#               (default for chap and pap; MPPE needs MS-CHAP keys)
#   PPTPD_IPV6  no (default: noipv6, pppd Protocol-Rejects IPV6CP)
#               | yes: +ipv6 with interface ids ::1 (server) and
#               ::2 (client, Nak'ed to it), and radvd on each PPP interface
#               (guest/ipv6-radvd.sh): prefix fd00:98:40::/64, route
#               fd00:99::/48 to the guest's fd00:99::1, RDNSS fd00:98:40::1
#   PPTPD_DHCP  off (default, empty) | dnsmasq dhcp-option values, ";"-separated,
#               e.g. "15,corp.example;6,10.20.0.53;121,10.20.0.0/16,0.0.0.0": a
#               dnsmasq on the PPP interfaces answers DHCPINFORM with them, like
#               RRAS with its DHCP relay (lab_write_dhcp in lib.sh)
#   PPTPD_PPP_OPTS  extra pppd option lines for the server, ";"-separated,
#               e.g. "lcp-echo-interval 2;lcp-echo-failure 3"
#   PPTPD_DEBUG 1 (default: pptpd logs every control message and GRE packet)
#               | 0 (only pppd's debug log: LCP/auth/CCP/IPCP packets)
#   PPTPD_NET (10.98.0)  PPTPD_TAP (wvlab-pptp0)  PPTPD_NETNS (host network
#               namespace for the TAP and the guest; created if missing)
#   LAB_UML_MEM (256M)  LAB_UML_MIRROR  WINVPN_LAB_STATE (/var/tmp/winvpn-lab)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
. "$LAB_DIR/uml.sh"

UML_NAME=winvpn-pptpd
RUN=$LAB_PPTPD_RUN
mkdir -p "$RUN"

# A running instance keeps the network settings it was started with.
if [ -f "$RUN/instance.env" ]; then
    # shellcheck disable=SC1091
    . "$RUN/instance.env"       # TAP NET NETNS of the running guest
else
    TAP=$LAB_PPTPD_TAP NET=$LAB_PPTPD_NET NETNS=${PPTPD_NETNS:-}
fi
GUEST_IP=$NET.2

# --- settings ---------------------------------------------------------------------
want_settings() {
    AUTH=${PPTPD_AUTH:-mschapv2}
    case "$AUTH" in
        mschapv2 | mschap) MPPE=${PPTPD_MPPE:-require128} ;;
        chap | pap | eap-md5) MPPE=${PPTPD_MPPE:-none} ;;
        eap-tls) MPPE=${PPTPD_MPPE:-require128}
            [ -f "${PPTPD_EAPTLS_DIR:-}/server.key" ] ||
                lab_die "PPTPD_AUTH=eap-tls needs PPTPD_EAPTLS_DIR with ca.crt, server.crt, server.key" ;;
        *) lab_die "PPTPD_AUTH must be mschapv2, mschap, chap, pap, eap-md5 or eap-tls (got '$AUTH')" ;;
    esac
    case "$MPPE" in
        require128 | require40 | stateful | none) ;;
        *) lab_die "PPTPD_MPPE must be require128, require40, stateful or none (got '$MPPE')" ;;
    esac
    PPP_OPTS=${PPTPD_PPP_OPTS:-}
    DEBUG=${PPTPD_DEBUG:-1}
    case "$DEBUG" in 0 | 1) ;; *) lab_die "PPTPD_DEBUG must be 0 or 1 (got '$DEBUG')" ;; esac
    WANT_NET="tap=$LAB_PPTPD_TAP net=$LAB_PPTPD_NET netns=${PPTPD_NETNS:-} mem=$UML_MEM"
    WANT_PPP="auth=$AUTH mppe=$MPPE debug=$DEBUG opts=$PPP_OPTS"
    IPV6=${PPTPD_IPV6:-no}
    case "$IPV6" in yes | no) ;; *) lab_die "PPTPD_IPV6 must be yes or no (got '$IPV6')" ;; esac
    WANT_PPP="$WANT_PPP ipv6=$IPV6"
    DHCP=${PPTPD_DHCP:-}
    [ -z "$DHCP" ] || WANT_PPP="$WANT_PPP dhcp=$DHCP"
    # new certificates (a new test run) must reach the guest too
    [ "$AUTH" != eap-tls ] ||
        WANT_PPP="$WANT_PPP certs=$(cat "$PPTPD_EAPTLS_DIR"/ca.crt "$PPTPD_EAPTLS_DIR"/server.crt | cksum | cut -d' ' -f1)"
}

# Server configuration in $RUN/etc (copied over the guest's /etc at boot and
# on pptpd-restart).  The options are Debian's stock pptpd-options with the
# auth / MPPE lines chosen by the knobs.
write_ppp_config() {
    local auth mppe
    case "$AUTH" in
        mschapv2) auth="refuse-pap refuse-chap refuse-mschap require-mschap-v2" ;;
        mschap) auth="refuse-pap refuse-chap refuse-mschap-v2 require-mschap" ;;
        chap) auth="refuse-pap refuse-mschap refuse-mschap-v2 require-chap" ;;
        pap) auth="refuse-chap refuse-mschap refuse-mschap-v2 require-pap" ;;
        eap-md5 | eap-tls) auth="refuse-pap refuse-chap refuse-mschap refuse-mschap-v2 require-eap" ;;
    esac
    case "$MPPE" in
        require128) mppe="require-mppe-128" ;;
        require40) mppe="require-mppe-40" ;;
        stateful) mppe="require-mppe-128 mppe-stateful" ;;
        none) mppe="nomppe" ;;
    esac
    mkdir -p "$RUN/etc/ppp"
    cat >"$RUN/etc/pptpd.conf" <<EOF
option /etc/ppp/pptpd-options
localip $LAB_PPP_SERVER_IP
remoteip $LAB_PPP_POOL
EOF
    # pptpd/pptpctrl debug: control messages and one line per GRE packet
    # ("accepting packet #N", "buffering packet #N ... lost or reordered",
    # "discarding duplicate"), useful to assert on the client's GRE.
    [ "$DEBUG" = 0 ] || echo debug >>"$RUN/etc/pptpd.conf"
    {
        echo "# generated by tests/lab/pptpd.sh: $WANT_PPP"
        echo "name pptpd"
        # shellcheck disable=SC2086  # one option per word
        printf '%s\n' $auth $mppe
        cat <<EOF
ms-dns $LAB_PPP_DNS
ms-wins $LAB_PPP_WINS
nodefaultroute
lock
nobsdcomp
novj
novjccomp
nologfd
debug
EOF
        [ -z "$PPP_OPTS" ] || tr ';' '\n' <<<"$PPP_OPTS"
        # Debian's pppd 2.4.9 negotiates IPV6CP unless told not to: the
        # default server stays IPv4-only (it Protocol-Rejects IPV6CP)
        if [ "$IPV6" = yes ]; then printf '+ipv6\nipv6 ::1,::2\n'; else echo noipv6; fi
    } >"$RUN/etc/ppp/pptpd-options"
    # pppd parses backslash escapes in secrets files: WINVPN\\bob = WINVPN\bob
    local secrets
    secrets=$(printf '# client\tserver\tsecret\tIP addresses\n%s\t*\t%s\t*\n"%s"\t*\t%s\t*\n' \
        "$LAB_USER" "$LAB_PASS" "${LAB_DOMAIN_USER//\\/\\\\}" "$LAB_DOMAIN_PASS")
    printf '%s\n' "$secrets" >"$RUN/etc/ppp/chap-secrets"
    printf '%s\n' "$secrets" >"$RUN/etc/ppp/pap-secrets"
    chmod 600 "$RUN/etc/ppp/chap-secrets" "$RUN/etc/ppp/pap-secrets"
    # IPv6 hooks (pppd runs them only with +ipv6; harmless otherwise)
    install -m 755 "$LAB_DIR/guest/ipv6-radvd.sh" "$RUN/etc/ppp/ipv6-up.local"
    install -m 755 "$LAB_DIR/guest/ipv6-radvd.sh" "$RUN/etc/ppp/ipv6-down.local"
    # EAP-TLS: client server client-cert server-cert ca-cert server-key addresses
    : >"$RUN/etc/ppp/eaptls-server"
    if [ "$AUTH" = eap-tls ]; then
        mkdir -p "$RUN/etc/ppp/eaptls"
        cp "$PPTPD_EAPTLS_DIR"/ca.crt "$PPTPD_EAPTLS_DIR"/server.crt \
            "$PPTPD_EAPTLS_DIR"/server.key "$RUN/etc/ppp/eaptls/"
        chmod 600 "$RUN/etc/ppp/eaptls/server.key"
        printf '*\tpptpd\t-\t/etc/ppp/eaptls/server.crt\t/etc/ppp/eaptls/ca.crt\t/etc/ppp/eaptls/server.key\t*\n' \
            >"$RUN/etc/ppp/eaptls-server"
    fi
    chmod 600 "$RUN/etc/ppp/eaptls-server"
    lab_write_dhcp "$RUN" "$LAB_PPTPD_PPP_SERVER_IP" "$DHCP"
}

# Everything else the guest reads from /mnt/cfg.
write_guest_files() {
    rm -rf "${RUN:?}/etc" "${RUN:?}/bin" "${RUN:?}/data"
    mkdir -p "$RUN/bin" "$RUN/data"
    install -m 755 "$LAB_DIR"/guest/ctl.sh "$LAB_DIR"/guest/sink.sh \
        "$LAB_DIR"/guest/source.sh "$LAB_DIR"/guest/client.sh "$RUN/bin/"
    cat >"$RUN/guest.env" <<EOF
GUEST_IP=$GUEST_IP
SINK_PORT=$LAB_SINK_PORT
SOURCE_PORT=$LAB_SOURCE_PORT
ECHO_PORT=$LAB_ECHO_PORT
EOF
    : >"$RUN/data/sink.log"
    : >"$RUN/data/source.log"
    write_ppp_config
}

probe() { uml_nsexec "$LAB_PY" "$LAB_DIR/probe.py" pptp "$GUEST_IP"; }

# --- commands -----------------------------------------------------------------------
cmd_start() {
    local t0
    t0=$(lab_now)
    want_settings
    if uml_running && [ "$(cat "$RUN/settings.net" 2>/dev/null)" = "$WANT_NET" ] && probe >/dev/null 2>&1; then
        if [ "$(cat "$RUN/settings.ppp" 2>/dev/null)" = "$WANT_PPP" ]; then
            echo "pptpd already running at $GUEST_IP:1723 ($WANT_PPP)"
            return 0
        fi
        lab_log "reconfiguring pptpd: $WANT_PPP"
        write_ppp_config
        rm -f "$RUN/settings.ppp"
        lab_guest_exec -t 20 "sh /mnt/cfg/bin/ctl.sh pptpd-restart" ||
            lab_die "pptpd restart inside the guest failed"
        lab_wait_until 20 probe >/dev/null 2>&1 || lab_die "pptpd did not answer after the restart"
        echo "$WANT_PPP" >"$RUN/settings.ppp"
        echo "pptpd reconfigured in $(lab_elapsed "$t0") s: $GUEST_IP:1723 ($WANT_PPP)"
        return 0
    fi
    cmd_stop >/dev/null
    TAP=$LAB_PPTPD_TAP NET=$LAB_PPTPD_NET NETNS=${PPTPD_NETNS:-}
    GUEST_IP=$NET.2
    uml_prereqs
    uml_ensure_rootfs
    local tb
    tb=$(lab_now)
    write_guest_files
    printf 'TAP=%q NET=%q NETNS=%q\n' "$TAP" "$NET" "$NETNS" >"$RUN/instance.env"
    rm -f "$RUN/settings.net" "$RUN/settings.ppp"
    uml_boot
    uml_wait_ready 60 probe
    echo "$WANT_NET" >"$RUN/settings.net"
    echo "$WANT_PPP" >"$RUN/settings.ppp"
    echo "pptpd up in $(lab_elapsed "$t0") s (boot to PPTP answer $(lab_elapsed "$tb") s): $GUEST_IP:1723, host $NET.1/24 dev $TAP${NETNS:+ in netns $NETNS}"
    echo "  $WANT_PPP; users $LAB_USER/$LAB_PASS, $LAB_DOMAIN_USER/$LAB_DOMAIN_PASS; PPP server $LAB_PPP_SERVER_IP pool $LAB_PPP_POOL"
    echo "  logs: $RUN/syslog.log (server), $RUN/console.log (guest kernel)"
}

cmd_stop() {
    uml_stop
    rm -f "$RUN/instance.env" "$RUN/settings.net" "$RUN/settings.ppp"
    echo "pptpd stopped"
}

cmd_status() {
    if uml_running && probe; then
        echo "running: pid $(cat "$(uml_pidfile)"), host $NET.1 dev $TAP${NETNS:+ (netns $NETNS)}, $(cat "$RUN/settings.ppp" 2>/dev/null)"
    else
        echo "pptpd not running"
        return 1
    fi
}

# One dial of the in-guest reference client; prints a result line.
# usage: selftest_dial LABEL USER PASS CLIENT_PPPD_OPTIONS...
selftest_dial() {
    local label=$1 user=$2 pass=$3 out rc=0 t0 up ping_ms sink src m
    shift 3
    t0=$(lab_now)
    out=$(lab_guest_exec -t 40 "sh /mnt/cfg/bin/client.sh up 1 '$user' '$pass' usepeerdns $*") || rc=$?
    if [ "$rc" != 0 ]; then
        echo "$out" | sed 's/^/    /'
        printf '  %-34s FAIL: no PPP link\n' "$label"
        return 1
    fi
    up=$(echo "$out" | awk '/^up / { print $6 }')
    echo "$out" | sed -n 's/^  /    client: /p'
    # ping through the tunnel (the first echo may be lost while routes settle)
    out=$(lab_guest_exec -t 20 "ip netns exec cli1 ping -c 3 -i 0.2 -W 2 $LAB_PPP_SERVER_IP") || rc=$?
    ping_ms=$(echo "$out" | awk -F/ '/^rtt/ { print $5 }')
    echo "$out" | grep -q ' 0 received' && rc=1
    # 1 MiB each way plus an echo, checked with sha256 on both ends
    read -r _ src < <(lab_source_prepare 1048576)
    m=$(lab_sink_mark)
    out=$(lab_guest_exec -t 60 "
        head -c 1048576 /dev/urandom >/tmp/up.bin
        echo up \$(sha256sum </tmp/up.bin | cut -d' ' -f1)
        ip netns exec cli1 bash -c 'exec 3<>/dev/tcp/$LAB_PPP_SERVER_IP/$LAB_SINK_PORT && cat /tmp/up.bin >&3'
        echo down \$(ip netns exec cli1 bash -c 'cat </dev/tcp/$LAB_PPP_SERVER_IP/$LAB_SOURCE_PORT' | sha256sum | cut -d' ' -f1)
        echo echo \$(ip netns exec cli1 bash -c 'exec 3<>/dev/tcp/$LAB_PPP_SERVER_IP/$LAB_ECHO_PORT && echo lab-echo >&3 && head -1 <&3')") || rc=$?
    sink=$(lab_sink_wait "$m" 20 | awk '{ print $2 }') || rc=1
    if [ -z "$sink" ] || [ "$(echo "$out" | awk '/^up / { print $2 }')" != "$sink" ]; then
        echo "    sink: sha mismatch ($out / $sink)"; rc=1
    fi
    [ "$(echo "$out" | awk '/^down / { print $2 }')" = "$src" ] || { echo "    source: sha mismatch ($out)"; rc=1; }
    echo "$out" | grep -q '^echo lab-echo$' || { echo "    echo: no echo"; rc=1; }
    lab_guest_exec -t 20 "sh /mnt/cfg/bin/client.sh down 1" >/dev/null || true
    if [ "$rc" = 0 ]; then
        printf '  %-34s ok: PPP up %s s, ping avg %s ms, 1 MiB up+down sha256 ok, total %s s\n' \
            "$label" "$up" "${ping_ms:-?}" "$(lab_elapsed "$t0")"
    else
        printf '  %-34s FAIL\n' "$label"
    fi
    return "$rc"
}

# What the server's pppd logged since MARK: auth protocol, result, MPPE.
selftest_server_saw() {
    lab_server_log_since "$1" | sed -n \
        -e 's/.*pppd\[[0-9]*\]: rcvd \[LCP ConfAck.*\(<auth [^>]*>\).*/\1 acked by the client/p' \
        -e 's/.*pppd\[[0-9]*\]: \(peer from calling number .* authorized\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: \(PAP peer authentication .*\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: \(Peer .* failed .*\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: \(MPPE .* enabled\)$/\1/p' |
        sed 's/^/    server: /'
}

cmd_selftest() {
    local fail=0 t0 ts mark c1 c2 mode
    t0=$(lab_now)
    local cli_v2="refuse-pap refuse-eap refuse-chap refuse-mschap"
    local cli_v1="refuse-pap refuse-eap refuse-chap refuse-mschap-v2"
    local cli_chap="refuse-pap refuse-eap refuse-mschap refuse-mschap-v2 nomppe"
    local cli_pap="refuse-eap refuse-chap refuse-mschap refuse-mschap-v2 nomppe"
    echo "selftest: start (cold or reconfigure)"
    ts=$(lab_now)
    PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128 PPTPD_PPP_OPTS='' cmd_start | sed 's/^/  /'
    echo "  start took $(lab_elapsed "$ts") s"
    echo "selftest: host-side probes"
    uml_nsexec "$LAB_PY" "$LAB_DIR/probe.py" pptp "$GUEST_IP" | sed 's/^/  /' || fail=1
    uml_nsexec "$LAB_PY" "$LAB_DIR/probe.py" pptp-call "$GUEST_IP" | sed 's/^/  /' || fail=1
    for mode in mschapv2 mschap chap pap mschapv2-domain mschapv2-mppe40 mschapv2-stateful; do
        case "$mode" in
            mschapv2) export PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128; c1="$cli_v2 require-mppe-128" ;;
            mschap) export PPTPD_AUTH=mschap PPTPD_MPPE=require128; c1="$cli_v1 require-mppe-128" ;;
            chap) export PPTPD_AUTH=chap PPTPD_MPPE=none; c1=$cli_chap ;;
            pap) export PPTPD_AUTH=pap PPTPD_MPPE=none; c1=$cli_pap ;;
            mschapv2-domain) export PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128; c1="$cli_v2 require-mppe-128" ;;
            mschapv2-mppe40) export PPTPD_AUTH=mschapv2 PPTPD_MPPE=require40; c1="$cli_v2 require-mppe-40" ;;
            mschapv2-stateful) export PPTPD_AUTH=mschapv2 PPTPD_MPPE=stateful; c1="$cli_v2 require-mppe-128 mppe-stateful" ;;
        esac
        echo "selftest: $mode (server PPTPD_AUTH=$PPTPD_AUTH PPTPD_MPPE=$PPTPD_MPPE)"
        ts=$(lab_now)
        cmd_start | sed 's/^/  /'
        echo "  (start/reconfigure took $(lab_elapsed "$ts") s)"
        mark=$(lab_server_log_mark)
        if [ "$mode" = mschapv2-domain ]; then
            # the client sends the name as is; the MS-CHAPv2 hash uses "bob"
            selftest_dial "$mode" "$LAB_DOMAIN_USER" "$LAB_DOMAIN_PASS" "$c1" || fail=1
        else
            selftest_dial "$mode" "$LAB_USER" "$LAB_PASS" "$c1" || fail=1
        fi
        selftest_server_saw "$mark"
    done
    # a wrong password must be refused, and the server log must say so
    echo "selftest: wrong password (mschapv2)"
    export PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128
    cmd_start >/dev/null
    mark=$(lab_server_log_mark)
    if lab_guest_exec -t 40 "sh /mnt/cfg/bin/client.sh up 1 $LAB_USER wrong-password $cli_v2 require-mppe-128" >/dev/null; then
        echo "  FAIL: dial with a wrong password succeeded"; fail=1
        lab_guest_exec "sh /mnt/cfg/bin/client.sh down 1" >/dev/null || true
    elif c2=$(lab_server_log_wait "$mark" 'authentication failed|Peer .* failed CHAP' 5); then
        echo "  ok: refused; server log: ${c2#*: }"
    else
        echo "  FAIL: refused, but nothing in the server log"; fail=1
    fi
    # dead peer helpers: kill the server pppd under a live session
    echo "selftest: lab_server_kill_pppd under a live session"
    lab_guest_exec -t 40 "sh /mnt/cfg/bin/client.sh up 1 $LAB_USER $LAB_PASS $cli_v2 require-mppe-128" >/dev/null || fail=1
    c2=$(lab_server_sessions) && echo "  sessions: $c2"
    mark=$(lab_server_log_mark)
    if lab_server_kill_pppd KILL >/dev/null && lab_wait_until 10 selftest_no_session; then
        echo "  ok: server pppd killed, session gone"
    else
        echo "  FAIL: kill-pppd"; fail=1
    fi
    lab_guest_exec "sh /mnt/cfg/bin/client.sh down 1" >/dev/null || true
    unset PPTPD_AUTH PPTPD_MPPE
    cmd_start >/dev/null      # leave the default configuration running
    if [ "$fail" = 0 ]; then
        echo "SELFTEST PASSED in $(lab_elapsed "$t0") s"
    else
        echo "SELFTEST FAILED after $(lab_elapsed "$t0") s (server log: $RUN/syslog.log)"
        return 1
    fi
}
selftest_no_session() { [ -z "$(lab_server_sessions 2>/dev/null)" ]; }

# One start/stop/selftest at a time per state directory (tests may run in
# parallel); fd 8 is closed for the guest itself (uml_boot).
lock() { exec 8>"$LAB_STATE/lab/pptpd.lock"; flock -w 600 8 || lab_die "lab lock busy"; }

case "${1:-}" in
    start) lab_need_root; lock; cmd_start ;;
    stop) lab_need_root; lock; cmd_stop ;;
    restart) lab_need_root; lock; cmd_stop >/dev/null; cmd_start ;;
    status) cmd_status ;;
    exec) shift; lab_guest_exec -t "${LAB_EXEC_TIMEOUT:-120}" "$*" ;;
    selftest) lab_need_root; lock; cmd_selftest ;;
    *) echo "usage: $0 start|stop|restart|status|exec CMD|selftest   (knobs: see the header of $0)" >&2; exit 2 ;;
esac
