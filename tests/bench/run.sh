#!/bin/bash
# tests/bench/run.sh -- `make bench`: the engine's speed and memory, each as a
# median of several runs and, where it has one, as a ratio to a baseline
# measured in the same invocation.  Nothing here passes or fails on a number.
#
#   1. MPPE-128 + GRE encapsulation throughput against plain OpenSSL RC4 (in-process)
#   2. with root, against the lab's real pptpd (tests/lab):
#      - connect time: command start to the first ping answered through the tunnel
#      - download throughput through the tunnel against the same download over
#        the bare lab link (TAP) in the same run
#      - peak RSS (VmHWM) of the connected CLI after the transfers
# Run from a configured build directory (make bench does).  RUNS=5 by default.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
export top_srcdir top_builddir
RUNS=${RUNS:-5}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "== 1. MPPE + GRE encapsulation, in-process"
"$top_builddir/tests/bench/bench-mppe" 200000

if [ "$(id -u)" != 0 ]; then
	echo "== 2. skipped: the lab benchmarks need root"
	exit 0
fi

# The integration tests' helpers: the lab, the namespace, it_connect ...
IT_NAME=bench
# shellcheck source=../integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
# PPTPD_DEBUG=0 makes pptpctrl fast enough to overrun its pty to pppd under a
# bulk download ("GRE read or PTY write failed"), so keep the default.
it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128

echo "== 2a. connect time (MS-CHAPv2 + MPPE-128, vpnc-script, to the first ping answered), $RUNS runs"
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

echo "== 2a'. the same without the vpnc-script: command to the tunnel configured (--no-script), $RUNS runs"
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

echo "== 2b. download throughput, tunnel vs bare lab link, 10 MiB, $RUNS runs each"
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

echo "== 2c. memory of the connected CLI"
pid=$(pgrep -f "$WINVPN connect" | head -1)
awk '/^(VmHWM|VmRSS)/ { printf "   %s %s %s\n", $1, $2, $3 }' "/proc/$pid/status"
it_disconnect 15
