#!/bin/bash
# tests/lab/softether.sh start|stop|restart|status|health|log
#
# A real SoftEther VPN Server 5.01 (Debian's softether-vpnserver) as an
# L2TP/IPsec gateway for the integration tests, in a network namespace of its
# own and a private mount namespace:
#
#     client side (SOFTETHER_NETNS, default: the root namespace)
#         wvlab-se0 10.98.4.1/24  <-veth->  wvlab-se1 10.98.4.2/24  (netns wvlab-se)
#                                            vpnserver: UDP 500, 4500 (L2TP only inside
#                                            ESP); TCP 5555 (admin)
#                                            lo 10.98.5.1/32: TCP 5001 sink,
#                                            5002 source, 5003 echo (through SecureNAT)
#
# L2TP/IPsec with PSK "testpsk"; user alice / secret123 on hub VPN (the
# default hub: "alice" and "alice@VPN" both work); SecureNAT: virtual host
# 192.168.30.1, DHCP pool 192.168.30.10-200, DNS 192.168.30.1.  SoftEther
# always claims NAT (ESP only in UDP 4500) and serves L2TP only in transport
# mode.  Through the tunnel only SecureNAT answers: 192.168.30.1 answers ping;
# TCP to 10.98.5.1 is NATed by vpnserver (user mode) to the data services
# above, which run next to it in its namespace.
#
#   start    install what is missing, fresh namespace and config, start, wait
#            until UDP 500/4500/1701 listen.  Idempotent: a running, healthy
#            server with the same settings is left alone.
#   stop     TERM the service process (it exits, then its watchdog), kill the
#            rest, delete the namespace (and the client-side namespace if
#            start created it).  Logs are kept.
#   restart  stop + start (~3-5 s).  SoftEther 5.01 wedges after an L2TP
#            tunnel torn down before it was established (the next SCCRQ from
#            that address spins a thread at 100 % CPU and the UDP listener
#            stops reading): restart between test cases.
#   status   exit 0 when running, listening and healthy
#   health   exit 0 unless wedged (CPU spin or a growing UDP receive queue)
#   log      the path of today's server log (IKE, ESP, L2TP, PPP events)
#   vpncmd ARGS  run vpncmd against the running server (e.g. /IN:FILE; a file
#            path inside a command must not start with "/": vpncmd takes it
#            for a parameter name; run from its directory)
#
# Knobs (environment, read by start): SOFTETHER_NETNS (namespace for the
# client-side veth end; created if missing, deleted by stop), SOFTETHER_SRV_NS
# (wvlab-se), SOFTETHER_NET (10.98.4), SOFTETHER_DATA_IP (10.98.5.1),
# SOFTETHER_PSK (testpsk), WINVPN_LAB_STATE.  State: $WINVPN_LAB_STATE/lab/softether.
#
# vpnserver's directories are compiled in (/var/lib/softether,
# /var/log/softether, /run/softether); they are bind mounts of the state
# directory inside the server's private mount namespace, so the only trace on
# the host is the three empty mount points.  vpncmd always runs with stdin
# from /dev/null and under timeout: when it prompts it spins on EOF.
set -u
SE_SELF=$(readlink -f "$0")
. "$(dirname "$SE_SELF")/lib.sh"

SE_RUN=$LAB_STATE/lab/softether
if [ -x /usr/bin/python3 ]; then LAB_PY=/usr/bin/python3; else LAB_PY=python3; fi
SE_SRV_NS=${SOFTETHER_SRV_NS:-wvlab-se}
SE_NET=${SOFTETHER_NET:-10.98.4}
SE_DATA_IP=${SOFTETHER_DATA_IP:-10.98.5.1}
SE_PSK=${SOFTETHER_PSK:-testpsk}
SE_CLI_IF=wvlab-se0
SE_SRV_IF=wvlab-se1
SE_HUB=VPN
SE_POOL=192.168.30
SERVER_BIN=/usr/libexec/softether/vpnserver/vpnserver
VPNCMD_BIN=/usr/libexec/softether/vpncmd/vpncmd
PIDFILE=$SE_RUN/vpnserver.pid

se_log() { echo "[softether $(date +%T)] $*" >&2; }

# A running instance keeps the settings it was started with.
load_instance() {
    if [ -f "$SE_RUN/instance.env" ]; then
        # shellcheck disable=SC1091
        . "$SE_RUN/instance.env"     # CLI_NS SRV_NS NET DATA_IP PSK
    else
        CLI_NS=${SOFTETHER_NETNS:-} SRV_NS=$SE_SRV_NS NET=$SE_NET DATA_IP=$SE_DATA_IP PSK=$SE_PSK
    fi
}
load_instance
WANT="cli_ns=${SOFTETHER_NETNS:-} srv_ns=$SE_SRV_NS net=$SE_NET data=$SE_DATA_IP psk=$SE_PSK"

netns_exists() { ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; }
in_cli() { if [ -n "${CLI_NS:-}" ]; then ip netns exec "$CLI_NS" "$@"; else "$@"; fi; }
in_srv() { ip netns exec "$SRV_NS" "$@"; }

vpncmd_srv() {
    # vpncmd writes lang.config into its compiled-in /var/lib/softether
    mkdir -p "$SE_RUN/vpncmd-lib"
    in_srv unshare --mount --propagation private sh -c \
        "mount --bind '$SE_RUN/vpncmd-lib' /var/lib/softether && exec timeout 30 '$VPNCMD_BIN' localhost:5555 /SERVER \"\$@\"" \
        vpncmd "$@" </dev/null
}

# The watchdog (vpnserver execsvc, our recorded pid) and its service child.
watchdog_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    [ -n "$pid" ] && grep -q "$SERVER_BIN" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}
service_pid() { local w; w=$(watchdog_pid) && pgrep -P "$w" | head -1; }
running() { [ -n "$(service_pid)" ]; }

# The veth pair is still there (deleting the client namespace deletes it).
linked() {
    { [ -z "${CLI_NS:-}" ] || netns_exists "$CLI_NS"; } &&
        in_cli ip link show "$SE_CLI_IF" >/dev/null 2>&1 &&
        ip -n "$SRV_NS" link show "$SE_SRV_IF" >/dev/null 2>&1
}

listening() {
    local p
    for p in 500 4500; do
        in_srv ss -lnu 2>/dev/null | awk '{ print $4 }' | grep -qE "[:.]$p\$" || return 1
    done
}

# CPU spin or a growing receive queue on 1701/500: the wedge described above.
health() {
    local child t1 t2 q
    child=$(service_pid) || true
    [ -n "$child" ] || { echo "softether: not running"; return 1; }
    t1=$(awk '{ s += $14 + $15 } END { print s }' /proc/"$child"/task/*/stat 2>/dev/null)
    sleep 0.5
    t2=$(awk '{ s += $14 + $15 } END { print s }' /proc/"$child"/task/*/stat 2>/dev/null)
    q=$(in_srv ss -uan 2>/dev/null | awk '$4 ~ /:(1701|500|4500)$/ { s += $2 } END { print s + 0 }')
    if [ $((t2 - t1)) -gt 25 ] || [ "${q:-0}" -gt 0 ]; then
        echo "softether: WEDGED (cpu ticks in 0.5 s: $((t2 - t1)), UDP 500/4500/1701 Recv-Q: $q): restart it"
        return 1
    fi
    echo "softether: healthy (cpu ticks in 0.5 s: $((t2 - t1)), UDP Recv-Q: $q)"
}

write_seed_config() {
    # vpnserver fills in defaults for everything missing.  Off: everything
    # that reaches the Internet (DDNS, NAT traversal, keep-alive, VPN Azure,
    # JSON-RPC); on: one TCP listener (5555) for vpncmd, no admin password.
    cat >"$SE_RUN/lib/vpn_server.config" <<'EOF'
# Software Configuration File
declare root
{
	declare DDnsClient
	{
		bool Disabled true
	}
	declare ListenerList
	{
		declare Listener0
		{
			bool DisableDos false
			bool Enabled true
			uint Port 5555
		}
	}
	declare ServerConfiguration
	{
		bool DisableNatTraversal true
		bool UseKeepConnect false
		bool EnableVpnAzure false
		bool EnableVpnOverDns false
		bool EnableVpnOverIcmp false
		bool DisableJsonRpcWebApi true
		bool NoSendSignature true
		string PortsUDP $
	}
}
EOF
}

# TCP sink (5001), source (5002) and echo (5003) on the dummy address, in the
# formats of the UML guests' services (tests/lab/lib.sh: lab_sink_*,
# lab_source_* work with LAB_RUN=$SE_RUN).
DATA_PY='
import hashlib, os, socket, sys, threading
ip, d = sys.argv[1], sys.argv[2]
def sink(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b: break
        h.update(b); n += len(b)
    line = "%d %s\n" % (n, h.hexdigest())
    with open(os.path.join(d, "sink.log"), "a") as f: f.write(line)
    try: c.sendall(line.encode())
    except OSError: pass
def source(c):
    fs = sorted(f for f in os.listdir(d) if f.startswith("source-") and f.endswith(".bin"))
    if not fs:
        with open(os.path.join(d, "source.log"), "a") as f: f.write("no payload\n")
        return
    p = os.path.join(d, fs[-1]); rc = 0
    try:
        with open(p, "rb") as f:
            while True:
                b = f.read(65536)
                if not b: break
                c.sendall(b)
    except OSError: rc = 1
    with open(p[:-4] + ".sum") as f: s = f.read().strip()
    with open(os.path.join(d, "source.log"), "a") as f: f.write("sent %d %s\n" % (rc, s))
def echo(c):
    while True:
        b = c.recv(65536)
        if not b: break
        c.sendall(b)
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port)); s.listen(16)
    while True:
        c, _ = s.accept()
        def run(c=c):
            try: fn(c)
            except OSError: pass
            finally: c.close()
        threading.Thread(target=run, daemon=True).start()
ts = [threading.Thread(target=serve, args=a, daemon=True) for a in ((5001, sink), (5002, source), (5003, echo))]
for t in ts: t.start()
for t in ts: t.join()
'

cmd_stop() {
    local w child i
    w=$(watchdog_pid) || true
    if [ -n "$w" ]; then
        # TERM the service child: it shuts down and exits 0, then the
        # watchdog exits by itself (a killed child would be respawned).
        for child in $(pgrep -P "$w"); do kill -TERM "$child" 2>/dev/null; done
        for i in $(seq 1 50); do [ -d "/proc/$w" ] || break; sleep 0.1; done
        kill -KILL -- "-$w" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    if [ -n "${SRV_NS:-}" ] && netns_exists "$SRV_NS"; then
        # everything in the server namespace was started here
        for i in 1 2 3; do
            local pids
            pids=$(ip netns pids "$SRV_NS" 2>/dev/null)
            [ -z "$pids" ] && break
            # shellcheck disable=SC2086
            kill -"$([ $i = 1 ] && echo TERM || echo KILL)" $pids 2>/dev/null
            sleep 0.3
        done
        ip netns del "$SRV_NS" 2>/dev/null || true
    fi
    in_cli ip link del "$SE_CLI_IF" 2>/dev/null || true
    if [ -f "$SE_RUN/netns-created" ] && [ -n "${CLI_NS:-}" ]; then
        if netns_exists "$CLI_NS" && [ -z "$(ip netns pids "$CLI_NS" 2>/dev/null)" ] &&
           [ -z "$(ip -n "$CLI_NS" -o link show | grep -v ': lo:')" ]; then
            ip netns del "$CLI_NS"
        fi
        rm -f "$SE_RUN/netns-created"
    fi
    rm -f "$SE_RUN/instance.env"
}

cmd_start() {
    local t0 ok want p
    t0=$(lab_now)
    if running && [ "$(cat "$SE_RUN/settings" 2>/dev/null)" = "$WANT" ] && linked && listening &&
        health >/dev/null; then
        echo "softether already running at $NET.2 (PSK $PSK)"
        return 0
    fi
    cmd_stop
    CLI_NS=${SOFTETHER_NETNS:-} SRV_NS=$SE_SRV_NS NET=$SE_NET DATA_IP=$SE_DATA_IP PSK=$SE_PSK
    lab_apt_ensure "$SERVER_BIN" softether-vpnserver || exit 1
    lab_apt_ensure "$VPNCMD_BIN" softether-vpncmd || exit 1
    lab_apt_ensure /usr/bin/python3 python3 || exit 1
    command -v ss >/dev/null || lab_apt_install iproute2 || exit 1
    mkdir -p "$SE_RUN"
    printf 'CLI_NS=%q SRV_NS=%q NET=%q DATA_IP=%q PSK=%q\n' "$CLI_NS" "$SRV_NS" "$NET" "$DATA_IP" "$PSK" \
        >"$SE_RUN/instance.env"
    rm -f "$SE_RUN/settings"

    # network: [client ns] wvlab-se0 <-> wvlab-se1 [server ns], dummy for the services
    if [ -n "$CLI_NS" ] && ! netns_exists "$CLI_NS"; then
        ip netns add "$CLI_NS"
        ip -n "$CLI_NS" link set lo up
        touch "$SE_RUN/netns-created"
    fi
    if in_cli ip -4 -o addr show | awk '{ print $4 }' | grep -q "^${NET//./\\.}\.1/"; then
        se_log "another interface already has $NET.1"; cmd_stop; return 1
    fi
    ip netns add "$SRV_NS"
    ip -n "$SRV_NS" link set lo up
    ip -n "$SRV_NS" link add "$SE_SRV_IF" type veth peer name "$SE_CLI_IF"
    if [ -n "$CLI_NS" ]; then
        ip -n "$SRV_NS" link set "$SE_CLI_IF" netns "$CLI_NS"
    else
        ip -n "$SRV_NS" link set "$SE_CLI_IF" netns 1
    fi
    in_cli ip addr add "$NET.1/24" dev "$SE_CLI_IF"
    in_cli ip link set "$SE_CLI_IF" up
    ip -n "$SRV_NS" addr add "$NET.2/24" dev "$SE_SRV_IF"
    ip -n "$SRV_NS" link set "$SE_SRV_IF" up
    # (on lo: the host kernel may lack the dummy driver)
    ip -n "$SRV_NS" addr add "$DATA_IP/32" dev lo

    # fresh state every start
    rm -rf "${SE_RUN:?}/lib" "${SE_RUN:?}/log" "${SE_RUN:?}/run" "${SE_RUN:?}/data"
    mkdir -p "$SE_RUN/lib" "$SE_RUN/log" "$SE_RUN/run" "$SE_RUN/data" \
        /var/lib/softether /var/log/softether /run/softether
    : >"$SE_RUN/data/sink.log"
    : >"$SE_RUN/data/source.log"
    write_seed_config

    # setsid: the watchdog leads its own process group (stop kills it whole)
    setsid ip netns exec "$SRV_NS" unshare --mount --propagation private sh -c "
        mount --bind '$SE_RUN/lib' /var/lib/softether &&
        mount --bind '$SE_RUN/log' /var/log/softether &&
        mount --bind '$SE_RUN/run' /run/softether &&
        exec '$SERVER_BIN' execsvc" >"$SE_RUN/stdout.log" 2>&1 </dev/null 8>&- 9>&- &
    echo $! >"$PIDFILE"
    setsid ip netns exec "$SRV_NS" "$LAB_PY" -c "$DATA_PY" "$DATA_IP" "$SE_RUN/data" \
        >"$SE_RUN/data/server.log" 2>&1 </dev/null 8>&- 9>&- &

    lab_wait_until 30 eval 'in_srv ss -lnt 2>/dev/null | grep -q ":5555 "' ||
        { se_log "vpnserver did not open TCP 5555 (see $SE_RUN/stdout.log)"; cmd_stop; return 1; }
    cat >"$SE_RUN/vpncmd.in" <<EOF
HubCreate $SE_HUB /PASSWORD:hubadmin
Hub $SE_HUB
UserCreate $LAB_USER /GROUP:none /REALNAME:none /NOTE:none
UserPasswordSet $LAB_USER /PASSWORD:$LAB_PASS
SecureNatEnable
SecureNatHostSet /MAC:none /IP:$SE_POOL.1 /MASK:255.255.255.0
DhcpSet /START:$SE_POOL.10 /END:$SE_POOL.200 /MASK:255.255.255.0 /EXPIRE:7200 /GW:$SE_POOL.1 /DNS:$SE_POOL.1 /DNS2:none /DOMAIN:vpn.test /LOG:yes /PUSHROUTE:none
ExtOptionSet DisableIpRawModeSecureNAT /VALUE:1
ExtOptionSet DisableKernelModeSecureNAT /VALUE:1
IPsecEnable /L2TP:yes /L2TPRAW:no /ETHERIP:no /PSK:$PSK /DEFAULTHUB:$SE_HUB
EOF
    vpncmd_srv /IN:"$SE_RUN/vpncmd.in" >"$SE_RUN/vpncmd.out" 2>&1
    ok=$(grep -c 'The command completed successfully' "$SE_RUN/vpncmd.out")
    want=$(grep -cv '^\s*$' "$SE_RUN/vpncmd.in")
    if [ "$ok" -lt "$want" ]; then
        se_log "vpncmd: only $ok of $want commands succeeded, see $SE_RUN/vpncmd.out"
        cmd_stop; return 1
    fi
    # the IPsec/L2TP sockets open 1-1.5 s after IPsecEnable
    lab_wait_until 30 listening || { se_log "UDP 500/4500 never opened"; cmd_stop; return 1; }
    lab_wait_until 10 eval 'in_srv ss -lnt 2>/dev/null | grep -q "$DATA_IP:5002 "' ||
        { se_log "the data services did not start (see $SE_RUN/data/server.log)"; cmd_stop; return 1; }
    echo "$WANT" >"$SE_RUN/settings"
    echo "softether up in $(lab_elapsed "$t0") s: $NET.2 UDP 500/4500 (L2TP/IPsec, PSK $PSK), client side $NET.1 dev $SE_CLI_IF${CLI_NS:+ in netns $CLI_NS}"
    echo "  user $LAB_USER/$LAB_PASS hub $SE_HUB; SecureNAT $SE_POOL.1, DHCP $SE_POOL.10-200; data services $DATA_IP:5001-5003 (via the tunnel)"
    echo "  log: $(cmd_log)"
}

cmd_status() {
    if running && linked && listening && health; then
        echo "running: watchdog $(watchdog_pid), service $(service_pid), $NET.2${CLI_NS:+ (client side in netns $CLI_NS)}"
    else
        echo "softether not running (or not healthy)"
        return 1
    fi
}

cmd_log() { echo "$SE_RUN/log/server_log/vpn_$(date +%Y%m%d).log"; }

lock() { mkdir -p "$LAB_STATE/lab"; exec 9>"$LAB_STATE/lab/softether.lock"; flock -w 300 9 || lab_die "lab lock busy"; }

case "${1:-}" in
    start) lab_need_root; lock; cmd_start ;;
    stop) lab_need_root; lock; cmd_stop; echo "softether stopped" ;;
    restart) lab_need_root; lock; cmd_stop; cmd_start ;;
    status) cmd_status ;;
    health) health ;;
    log) cmd_log ;;
    vpncmd) lab_need_root; shift; vpncmd_srv "$@" ;;
    *) echo "usage: $0 start|stop|restart|status|health|log|vpncmd ARGS   (knobs: see the header of $0)" >&2; exit 2 ;;
esac
