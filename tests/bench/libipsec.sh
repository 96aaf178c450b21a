#!/bin/bash
# tests/bench/libipsec.sh BENCH_ESP [RATE [SECONDS]] -- client CPU seconds per GB:
# winvpn's userspace ESP against strongSwan's userspace ESP (charon with
# kernel-libipsec), both carrying the same offered UDP stream, measured in
# the same run.  Part of `make bench` (tests/bench/run.sh); needs root.
#
# What is compared, exactly:
#   strongSwan  two charons (5.9, kernel-libipsec, one per network namespace,
#               a veth between them) with one IKEv2 CHILD_SA, tunnel mode, ESP
#               AES_CBC_128/HMAC_SHA1_96 in UDP 4500 (libipsec installs only
#               UDP-encapsulated SAs).  A paced generator in namespace A sends
#               1400-octet IP datagrams to 10.202.2.1 (routed into charon A's
#               TUN: read, encrypt, send); charon B receives, decrypts, writes
#               its TUN; a sink in B counts them.  CPU = utime + stime of both
#               charon processes (all their threads, /proc/PID/stat) over the
#               stream: one encapsulation and one decapsulation per datagram.
#   winvpn      bench-esp cpu esp: the engine's ESP code (client/ipsec/esp.c,
#               AES_CBC_128/HMAC_SHA1_96, UDP-encapsulated transport mode with
#               the L2TP/PPP framing) in a forwarder process woken by poll()
#               that reads its TUN, encapsulates, sends UDP, receives it back,
#               decapsulates and writes the TUN -- also one encapsulation and
#               one decapsulation per datagram -- for the same generator rate
#               and datagram size.  CPU = the forwarder process's rusage.
#   Both figures are CPU seconds per GB of IP datagrams delivered to the sink;
#   the generator and the sink are not counted on either side.  What differs:
#   strongSwan's path crosses a veth between two namespaces, ours loops over
#   127.0.0.1 in one; both are kernel UDP paths of similar cost.
# Prints the figures and the ratio winvpn / strongSwan (the issue's goal:
# <= 0.5).  Exit 77 when strongSwan's packages are missing.
set -u
BENCH_ESP=${1:?usage: libipsec.sh BENCH_ESP [RATE [SECONDS]]}
RATE=${2:-20000}
SECS=${3:-5}
: "${top_srcdir:=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}"
. "$top_srcdir/tests/lab/lib.sh" || exit 1

NS_A=${LIBIPSEC_NS_A:-wvbench-swa}
NS_B=${LIBIPSEC_NS_B:-wvbench-swb}
RUN=$LAB_STATE/bench-libipsec
CHARON=/usr/lib/ipsec/charon
SWANCTL=/usr/sbin/swanctl
PLUGINS="kernel-libipsec kernel-netlink socket-default random nonce openssl gmp aes sha1 sha2 hmac kdf pubkey vici"

say() { echo "   $*"; }
skip() { echo "   skipped: $*"; exit 77; }

cleanup() {
	local side pid ns p
	for side in a b; do
		pid=$(cat "$RUN/$side/charon.pid" 2>/dev/null) || continue
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.3
	for side in a b; do
		pid=$(cat "$RUN/$side/charon.pid" 2>/dev/null) || continue
		kill -KILL -- "-$pid" 2>/dev/null || true
		rm -f "$RUN/$side/charon.pid"
	done
	for ns in "$NS_A" "$NS_B"; do
		ip netns list | awk '{print $1}' | grep -qx "$ns" || continue
		# everything in these namespaces was started here
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns"
	done
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$CHARON" ] && [ -x "$SWANCTL" ] && [ -f /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
	skip "strongSwan's charon, swanctl or kernel-libipsec is not installed (tools/deps.sh test)"

# conf SIDE ADDR PEER LOCAL_TS REMOTE_TS
conf() {
	local d=$RUN/$1
	mkdir -p "$d/run"
	( cd "$d" && mkdir -p x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa pkcs8 pkcs12 )
	cat >"$d/strongswan.conf" <<EOF
charon {
    load_modular = no
    load = $PLUGINS
    install_routes = yes
    filelog {
        main {
            path = $d/charon.log
            default = 1
        }
    }
    syslog {
        daemon {
            default = -1
        }
    }
}
EOF
	cat >"$d/swanctl.conf" <<EOF
connections {
    bench {
        version = 2
        local_addrs = $2
        remote_addrs = $3
        proposals = aes128-sha1-modp2048
        encap = yes
        dpd_delay = 0
        local {
            auth = psk
            id = $2
        }
        remote {
            auth = psk
            id = $3
        }
        children {
            bench {
                mode = tunnel
                local_ts = $4
                remote_ts = $5
                esp_proposals = aes128-sha1
            }
        }
    }
}
secrets {
    ike-bench {
        secret = "bench-only-psk"
    }
}
EOF
}

start_charon() {   # start_charon SIDE NS
	local d=$RUN/$1
	: >"$d/charon.log"
	rm -f "$d/run/charon.pid" "$d/run/charon.vici"
	STRONGSWAN_CONF="$d/strongswan.conf" setsid ip netns exec "$2" \
		unshare --mount --propagation private \
		sh -c "mount --bind '$d/run' /run && exec '$CHARON'" >"$d/stdout.log" 2>&1 </dev/null &
	echo $! >"$d/charon.pid"
	lab_wait_until 10 test -S "$d/run/charon.vici" || { cat "$d/stdout.log"; return 1; }
	timeout 20 "$SWANCTL" --load-all --file "$d/swanctl.conf" --uri "unix://$d/run/charon.vici" \
		>"$d/load.log" 2>&1 || { cat "$d/load.log"; return 1; }
}

# the charon process itself (ip netns exec and unshare exec it)
ticks() { awk '{ print $14 + $15 }' "/proc/$(cat "$RUN/$1/charon.pid")/stat"; }

cleanup 2>/dev/null
mkdir -p "$RUN"
ip netns add "$NS_A" && ip netns add "$NS_B" || exit 1
ip link add wvbsw-a netns "$NS_A" type veth peer name wvbsw-b netns "$NS_B" || exit 1
ip -n "$NS_A" addr add 10.97.1.1/24 dev wvbsw-a
ip -n "$NS_B" addr add 10.97.1.2/24 dev wvbsw-b
ip -n "$NS_A" addr add 10.202.1.1/32 dev lo
ip -n "$NS_B" addr add 10.202.2.1/32 dev lo
for ns in "$NS_A" "$NS_B"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
ip -n "$NS_A" link set wvbsw-a up
ip -n "$NS_B" link set wvbsw-b up
conf a 10.97.1.1 10.97.1.2 10.202.1.1/32 10.202.2.1/32
conf b 10.97.1.2 10.97.1.1 10.202.2.1/32 10.202.1.1/32
start_charon b "$NS_B" && start_charon a "$NS_A" || { echo "   charon did not start"; exit 1; }
timeout 20 "$SWANCTL" --initiate --child bench --uri "unix://$RUN/a/run/charon.vici" >"$RUN/initiate.log" 2>&1 ||
	{ cat "$RUN/initiate.log"; echo "   the CHILD_SA did not come up"; exit 1; }
lab_wait_until 5 sh -c "ip -n '$NS_A' route show table all | grep -q '10.202.2.1'" ||
	{ echo "   charon installed no route to 10.202.2.1"; exit 1; }

# a short warm-up (ARP, the first packets), then the measured stream
ip netns exec "$NS_A" "$BENCH_ESP" gen 10.202.2.1 5001 1000 0.2 >/dev/null
ip netns exec "$NS_B" "$BENCH_ESP" sink 10.202.2.1 5001 $((${SECS%.*} + 10)) >"$RUN/sink.out" &
sink=$!
lab_wait_until 5 grep -q listening "$RUN/sink.out" || { echo "   the sink did not start"; exit 1; }
a0=$(ticks a) b0=$(ticks b)
ip netns exec "$NS_A" "$BENCH_ESP" gen 10.202.2.1 5001 "$RATE" "$SECS" >"$RUN/gen.out"
wait "$sink"
a1=$(ticks a) b1=$(ticks b)
read -r _ sw_pkts sw_bytes < <(grep '^received' "$RUN/sink.out")
hz=$(getconf CLK_TCK)
cleanup

read -r _ wv_cpu _ wv_pkts wv_bytes < <("$BENCH_ESP" cpu esp "$RATE" "$SECS")
read -r _ nl_cpu _ nl_pkts nl_bytes < <("$BENCH_ESP" cpu null "$RATE" "$SECS")
sent=$(awk '{ print $2 }' "$RUN/gen.out")
awk -v r="$RATE" -v s="$SECS" -v sent="$sent" -v hz="$hz" \
    -v a="$((a1 - a0))" -v b="$((b1 - b0))" -v swp="$sw_pkts" -v swb="$sw_bytes" \
    -v wvc="$wv_cpu" -v wvp="$wv_pkts" -v wvb="$wv_bytes" \
    -v nlc="$nl_cpu" -v nlp="$nl_pkts" -v nlb="$nl_bytes" 'BEGIN {
	sw = (a + b) / hz
	printf "   offered %d datagrams/s of 1400 octets for %s s (%.0f MB/s)\n", r, s, r * 1400 / 1e6
	if (swb > 0)
		printf "   strongSwan kernel-libipsec: %d of %d delivered; charon CPU %.2f s (encap %.2f + decap %.2f) = %.2f s/GB\n",
		       swp, sent, sw, a / hz, b / hz, sw / (swb / 1e9)
	else
		printf "   strongSwan kernel-libipsec: nothing delivered\n"
	if (wvb > 0)
		printf "   winvpn ESP forwarder:       %d delivered; CPU %.2f s = %.2f s/GB\n", wvp, wvc, wvc / (wvb / 1e9)
	if (nlb > 0)
		printf "   null forwarder (floor):     %d delivered; CPU %.2f s = %.2f s/GB\n", nlp, nlc, nlc / (nlb / 1e9)
	if (swb > 0 && wvb > 0 && sw > 0)
		printf "   ratio winvpn / strongSwan, CPU s per GB: %.2f (goal <= 0.5)\n", (wvc / wvb) / (sw / swb)
}'
