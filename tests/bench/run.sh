#!/bin/bash
# tests/bench/run.sh -- `make bench`: the engine's speed and memory, each as a
# median of several runs and, where it has one, as a ratio to a baseline
# measured in the same invocation.  Nothing here passes or fails on a number.
#
#   1. MPPE-128 + GRE encapsulation throughput against plain OpenSSL RC4 (in-process)
#   with root:
#   2. the ESP data plane (AES-128-CBC + HMAC-SHA1-96, 1400-octet datagrams)
#      against a null TUN<->UDP forwarder, both with batched syscalls
#      (tests/bench/bench-esp.c, in a private network namespace)
#   3. against the lab's real pptpd (tests/lab):
#      - connect time: command start to the first ping answered through the tunnel
#      - download throughput through the tunnel against the same download over
#        the bare lab link (TAP) in the same run
#      - peak RSS (VmHWM) of the connected CLI after the transfers
#   4. against SoftEther VPN Server (tests/lab/softether.sh), L2TP/IPsec:
#      - connect time: command start to the first ping answered (vpnc-script),
#        and engine only until "connected" (--no-script), with the time of each
#        phase (IKE Main Mode, Quick Mode, L2TP, LCP, authentication, IPCP)
#        taken from the -v log as it is written
#   5. client CPU seconds per GB: winvpn's ESP against strongSwan's
#      kernel-libipsec, same offered stream (tests/bench/libipsec.sh)
# Run from a configured build directory (make bench does).  RUNS=5 by default;
# ESP_PACKETS (200000) per bench-esp run; CPU_RATE (10000 datagrams/s) and
# CPU_SECS (5) for 5.  SKIP_PPTP=1 skips 3 (it boots a UML guest, stopped
# afterwards unless KEEP_LAB=1).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
export top_srcdir top_builddir
RUNS=${RUNS:-5}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "== 1. MPPE + GRE encapsulation, in-process"
"$top_builddir/tests/bench/bench-mppe" 200000

if [ "$(id -u)" != 0 ]; then
	echo "== 2-5. skipped: the data-plane and lab benchmarks need root"
	exit 0
fi

echo "== 2. ESP data plane against a null TUN<->UDP forwarder, in-process, $RUNS runs"
"$top_builddir/tests/bench/bench-esp" "${ESP_PACKETS:-200000}" "$RUNS" || echo "   (bench-esp failed: $?)"

# The integration tests' helpers: the lab, the namespace, it_connect ...
IT_NAME=bench
# shellcheck source=../integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
set +e    # a bench that fails says so and the others still run

pptp_benches() {
set -e
# PPTPD_DEBUG=0 makes pptpctrl fast enough to overrun its pty to pppd under a
# bulk download ("GRE read or PTY write failed"), so keep the default.
it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128

echo "== 3a. connect time (MS-CHAPv2 + MPPE-128, vpnc-script, to the first ping answered), $RUNS runs"
times=()
for i in $(seq 1 "$RUNS"); do
	t0=$(lab_now)
	it_connect
	until it_in_ns ping -c 1 -W 0.05 -i 0.01 "$LAB_PPP_SERVER_IP" >/dev/null 2>&1; do
		kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited"
		awk -v a="$t0" -v b="$(lab_now)" 'BEGIN { exit !(b - a > 30) }' && it_fail "no ping after 30 s"
	done
	t=$(lab_elapsed "$t0")
	times+=("$t")
	it_disconnect 15
done
printf '   runs: %s s\n' "${times[*]}"
printf '   median connect time: %s s\n' "$(printf '%s\n' "${times[@]}" | median)"

echo "== 3a'. the same without the vpnc-script: command to the tunnel configured (--no-script), $RUNS runs"
times=()
for i in $(seq 1 "$RUNS"); do
	t0=$(lab_now)
	it_connect --no-script
	until grep -q '^connected ' "$IT_OUT"; do
		kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited"
		sleep 0.005
	done
	times+=("$(lab_elapsed "$t0")")
	it_disconnect 15
done
printf '   runs: %s s\n' "${times[*]}"
printf '   median engine connect time: %s s\n' "$(printf '%s\n' "${times[@]}" | median)"

echo "== 3b. download throughput, tunnel vs bare lab link, 10 MiB, $RUNS runs each"
size=$((10 * 1024 * 1024))
read -r _ sha < <(lab_source_prepare "$size")
it_connect
it_wait_up 20
raw=() tun=()
for i in $(seq 1 "$RUNS"); do
	t0=$(lab_now)
	got=$(lab_tcp_recv "$LAB_PPTPD_SERVER" "$LAB_SOURCE_PORT" | sha256sum | cut -d' ' -f1)
	raw+=("$(lab_elapsed "$t0")")
	[ "$got" = "$sha" ] || it_fail "bare-link download: sha256 $got, expected $sha ($(lab_source_log | tail -1))"
	t0=$(lab_now)
	got=$(lab_tcp_recv "$LAB_PPP_SERVER_IP" "$LAB_SOURCE_PORT" | sha256sum | cut -d' ' -f1)
	tun+=("$(lab_elapsed "$t0")")
	[ "$got" = "$sha" ] || it_fail "tunnel download: sha256 $got, expected $sha ($(lab_source_log | tail -1))"
done
rawm=$(printf '%s\n' "${raw[@]}" | median)
tunm=$(printf '%s\n' "${tun[@]}" | median)
awk -v s="$size" -v r="$rawm" -v t="$tunm" 'BEGIN {
	printf "   bare link: %.1f MB/s (median %.2f s)\n", s / r / 1e6, r
	printf "   tunnel:    %.1f MB/s (median %.2f s)\n", s / t / 1e6, t
	printf "   tunnel throughput / bare link throughput: %.2f\n", r / t }'

echo "== 3c. memory of the connected CLI"
pid=$(pgrep -f "$WINVPN connect" | head -1)
awk '/^(VmHWM|VmRSS)/ { printf "   %s %s %s\n", $1, $2, $3 }' "/proc/$pid/status"
it_disconnect 15
}
if [ -n "${SKIP_PPTP:-}" ]; then
	echo "== 3. PPTP lab benchmarks skipped (SKIP_PPTP)"
else
	( pptp_benches ) || echo "   (the PPTP lab benchmarks failed: $?)"
	# the guest takes a core's share of a small machine: stop it unless asked
	[ -n "${KEEP_LAB:-}" ] || "$LAB_DIR/pptpd.sh" stop >/dev/null 2>&1 || true
fi

# ---- 4. SoftEther: connect time and where it goes -------------------------------------
SE_SERVER=${SOFTETHER_NET:-10.98.4}.2
SE_PPP_SERVER=192.168.30.1
SE_PSK=${SOFTETHER_PSK:-testpsk}

# se_connect [options]: winvpn connect to SoftEther in the background; every
# stderr line gets the time it was written ($EPOCHREALTIME) in front.
se_connect() {
	: >"$IT_OUT"; : >"$IT_ERR"
	(umask 077; printf '%s\n' "$SE_PSK" >"$IT_TMP/psk")
	ip netns exec "$IT_NS" "$WINVPN" connect --passwd-on-stdin -u "$LAB_USER" --psk-fd 3 -p l2tp \
		"$@" "$SE_SERVER" <<<"$LAB_PASS" 3<"$IT_TMP/psk" >"$IT_OUT" \
		2> >(while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >"$IT_ERR") &
	IT_PID=$!
}

# se_phases T0: one line "mm qm l2tp lcp auth ipcp rest total" (seconds) from
# the timestamped -v log of a --no-script connection started at T0.
se_phases() {
	awk -v t0="$1" '
	function at(k) { return (k in t) ? t[k] : -1 }
	/IKE SA with .* established/ && !("mm" in t) { t["mm"] = $1 }
	/IPsec SA with .* is up/ && !("qm" in t) { t["qm"] = $1 }
	/\[L2TP\] call established/ && !("l2tp" in t) { t["l2tp"] = $1 }
	/\[LCP\] LCP is up/ && !("lcp" in t) { t["lcp"] = $1 }
	/\[PPP\] authenticated/ && !("auth" in t) { t["auth"] = $1 }
	/\[IPCP\] IPCP is up/ && !("ipcp" in t) { t["ipcp"] = $1 }
	/session configuring -> connected/ && !("up" in t) { t["up"] = $1 }
	END {
		n = split("mm qm l2tp lcp auth ipcp up", k, " "); prev = t0
		for (i = 1; i <= n; i++) {
			if (at(k[i]) < 0) { print "incomplete"; exit }
			printf "%.3f ", t[k[i]] - prev; prev = t[k[i]]
		}
		printf "%.3f\n", t["up"] - t0
	}' "$IT_ERR"
}

softether_benches() {
	set -e
	SOFTETHER_NETNS=$IT_NS bash "$LAB_DIR/softether.sh" start >"$IT_TMP/se.out" 2>&1 ||
		{ cat "$IT_TMP/se.out"; echo "   SoftEther did not start"; return 1; }
	mkdir -p "/etc/netns/$IT_NS"
	printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"

	echo "== 4a. SoftEther L2TP/IPsec connect time (PSK, MS-CHAPv2, vpnc-script, to the first ping answered), $RUNS runs"
	local times=() phases=() t0 t i
	for i in $(seq 1 "$RUNS"); do
		t0=$(lab_now)
		se_connect
		until it_in_ns ping -c 1 -W 0.05 -i 0.01 "$SE_PPP_SERVER" >/dev/null 2>&1; do
			kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited"
			awk -v a="$t0" -v b="$(lab_now)" 'BEGIN { exit !(b - a > 30) }' && it_fail "no ping after 30 s"
		done
		times+=("$(lab_elapsed "$t0")")
		it_disconnect 15
	done
	printf '   runs: %s s\n' "${times[*]}"
	printf '   median connect time: %s s (goal <= 0.5 s)\n' "$(printf '%s\n' "${times[@]}" | median)"

	echo "== 4b. the same, engine only: command to \"connected\" (--no-script), $RUNS runs, with phases"
	times=()
	for i in $(seq 1 "$RUNS"); do
		t0=$EPOCHREALTIME
		se_connect --no-script -v
		until grep -q '^connected ' "$IT_OUT"; do
			kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited"
			awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a > 30) }' && it_fail "not connected after 30 s"
			sleep 0.005
		done
		t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
		times+=("$t")
		sleep 0.1           # the log reader catches up
		phases+=("$(se_phases "$t0")")
		it_disconnect 15
	done
	printf '   runs: %s s\n' "${times[*]}"
	printf '   median engine connect time: %s s\n' "$(printf '%s\n' "${times[@]}" | median)"
	local names=(start+IKE-Main-Mode Quick-Mode L2TP LCP authentication IPCP rest total) line=""
	for i in 1 2 3 4 5 6 7 8; do
		line+=" ${names[i - 1]} $(printf '%s\n' "${phases[@]}" | grep -v incomplete |
			awk -v i="$i" '{ print $i }' | median)"
	done
	printf '   phase medians (s):%s\n' "$line"
	echo "   (LCP, authentication and IPCP wait on the gateway: SoftEther's PPP thread ticks every"
	echo "    300 ms before the network phase, and IPCP waits for SecureNAT's DHCP; see tests/lab/README.softether)"
	bash "$LAB_DIR/softether.sh" stop >/dev/null 2>&1 || true
}
( softether_benches ) || { echo "   (the SoftEther benchmarks failed: $?)"; bash "$LAB_DIR/softether.sh" stop >/dev/null 2>&1; }

echo "== 5. client CPU seconds per GB: winvpn ESP vs strongSwan kernel-libipsec (same offered stream)"
bash "$top_srcdir/tests/bench/libipsec.sh" "$top_builddir/tests/bench/bench-esp" \
	"${CPU_RATE:-10000}" "${CPU_SECS:-5}" || echo "   (libipsec.sh: exit $?)"
