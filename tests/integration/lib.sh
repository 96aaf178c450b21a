# shellcheck shell=bash
# tests/integration/lib.sh -- what every integration test shares: the lab's
# pptpd guest (tests/lab), and the winvpn client run the way a user runs it,
# with the real vpnc-script, inside the network namespace that holds the lab's
# TAP link, so routes and DNS it sets never touch the host.
#
#   . "$(dirname "$0")/lib.sh"
#   it_start_lab [PPTPD_AUTH=... PPTPD_MPPE=...]
#   it_connect [winvpn connect options...]     # background; password on stdin
#   it_wait_up                                 # the tun device has its address
#   it_disconnect                              # SIGINT, waits, sets IT_RC
#   it_assert_clean                            # no tun, route, process, DNS left
# Exit 77 (skip) when not root: automake counts it as skipped.

set -eu
IT_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
: "${top_srcdir:=$(cd "$IT_DIR/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
WINVPN=$(readlink -f "$top_builddir/client/winvpn")
IT_NS=${IT_NS:-wvlab}
export PPTPD_NETNS=$IT_NS LAB_CLIENT_NETNS=$IT_NS
. "$top_srcdir/tests/lab/lib.sh"

IT_NAME=$(basename "$0" .sh)
IT_TMP=$(mktemp -d "/tmp/winvpn-$IT_NAME.XXXXXX")
IT_PID=
IT_RC=
IT_OUT=$IT_TMP/client.out
IT_ERR=$IT_TMP/client.err
IT_CHECKS=0

[ "$(id -u)" = 0 ] || { echo "SKIP: $IT_NAME needs root"; exit 77; }
[ -x "$WINVPN" ] || { echo "FAIL: $WINVPN not built"; exit 1; }

it_log() { echo "[$IT_NAME $(date +%T.%3N)] $*"; }
it_fail() {
	echo "FAIL: $*"
	echo "--- client stderr:"; tail -40 "$IT_ERR" 2>/dev/null || true
	echo "--- client stdout:"; tail -10 "$IT_OUT" 2>/dev/null || true
	exit 1
}
it_ok() { IT_CHECKS=$((IT_CHECKS + 1)); it_log "ok: $*"; }

it_cleanup() {
	if [ -n "$IT_PID" ] && kill -0 "$IT_PID" 2>/dev/null; then
		kill -INT "$IT_PID" 2>/dev/null || true
		sleep 2
		kill -KILL "$IT_PID" 2>/dev/null || true
	fi
	rm -rf "$IT_TMP"
}
trap it_cleanup EXIT

# A private resolv.conf for the namespace: `ip netns exec` bind-mounts it over
# /etc/resolv.conf, so what the vpnc-script writes stays in the namespace.
it_netns_resolv() { echo "/etc/netns/$IT_NS/resolv.conf"; }

it_start_lab() {
	local t0
	t0=$(lab_now)
	env "$@" "$LAB_DIR/pptpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
		{ cat "$IT_TMP/lab.out"; it_fail "the lab's pptpd did not start"; }
	mkdir -p "/etc/netns/$IT_NS"
	printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"
	it_log "lab pptpd up ($*) in $(lab_elapsed "$t0") s"
}

it_in_ns() { ip netns exec "$IT_NS" "$@"; }

# it_record_script: $IT_REC, a vpnc-script that appends each run's reason
# and environment to $IT_ENVLOG, then runs the real one (it_connect -s "$IT_REC").
IT_VPNC_SCRIPT=${VPNC_SCRIPT:-/usr/share/vpnc-scripts/vpnc-script}
it_record_script() {
	[ -x "$IT_VPNC_SCRIPT" ] || { echo "SKIP: no $IT_VPNC_SCRIPT"; exit 77; }
	IT_REC=$IT_TMP/record.sh
	IT_ENVLOG=$IT_TMP/env.log
	cat >"$IT_REC" <<EOF
#!/bin/sh
{ echo "== \$reason"; env | sort; } >>'$IT_ENVLOG'
exec $IT_VPNC_SCRIPT
EOF
	chmod 755 "$IT_REC"
	: >"$IT_ENVLOG"
}
# it_env_of REASON [NTH]: the NTH (default last) recorded environment for REASON.
it_env_of() {
	awk -v r="== $1" -v want="${2:-0}" '
		/^== / { cur = ($0 == r) ? ++n : 0; if (cur) buf[n] = ""; next }
		cur { buf[cur] = buf[cur] $0 "\n" }
		END { k = want ? want : n; printf "%s", buf[k] }' "$IT_ENVLOG"
}
it_env_has() {   # it_env_has REASON LINE
	it_env_of "$1" | grep -qxF "$2" ||
		it_fail "the vpnc-script's $1 environment lacks '$2': $(it_env_of "$1" | grep -E 'CISCO|INTERNAL_IP|WINVPN' | tr '\n' ' ')"
}
# The reasons the script ran with, in order: "connect disconnect connect ".
it_script_reasons() { sed -n 's/^== //p' "$IT_ENVLOG" | tr '\n' ' '; }

# it_connect [options...]: starts winvpn connect in the background with the
# password on stdin (IT_PASS, default the lab's), user IT_USER.
it_connect() {
	local pass=${IT_PASS-$LAB_PASS} user=${IT_USER-$LAB_USER}
	: >"$IT_OUT"; : >"$IT_ERR"
	# A simple command (no function, no pipe), so that $! is winvpn itself
	# (ip netns exec execs it) and the signals below reach it.
	ip netns exec "$IT_NS" "$WINVPN" connect --passwd-on-stdin -u "$user" "$@" \
		"${IT_GATEWAY:-$LAB_PPTPD_SERVER}" <<<"$pass" >"$IT_OUT" 2>"$IT_ERR" &
	IT_PID=$!
}

# The client's tun device in the namespace.  By its link, not by its IPv4
# address: the CLI applies a late change (an IPv6 router advertisement, a
# late DHCPACK) by running the vpnc-script's disconnect and connect again,
# and for that moment the device has no address.
it_tundev() { ip -n "$IT_NS" -o link show 2>/dev/null | sed -n 's/^[0-9]*: \(winvpn[0-9]*\)[:@].*/\1/p' | head -1; }

it_wait_up() {
	local t=${1:-20} i
	for i in $(seq 1 $((t * 10))); do
		# The CLI says "... is up with address" once the vpnc-script is done.
		[ -n "$(it_tundev)" ] && grep -q ' is up with address ' "$IT_ERR" && return 0
		kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited before the tunnel was up"
		sleep 0.1
	done
	it_fail "no tunnel after $t s"
}

# it_wait_exit [TIMEOUT]: waits for the client to end; IT_RC = its exit status.
it_wait_exit() {
	local t=${1:-20} i
	for i in $(seq 1 $((t * 10))); do
		if ! kill -0 "$IT_PID" 2>/dev/null; then
			IT_RC=0
			wait "$IT_PID" || IT_RC=$?
			IT_PID=
			return 0
		fi
		sleep 0.1
	done
	it_fail "winvpn still running after $t s"
}

it_disconnect() {
	kill -INT "$IT_PID"
	it_wait_exit "${1:-15}"
}

it_assert_clean() {
	[ -z "$(ip -n "$IT_NS" -o link show 2>/dev/null | grep -o 'winvpn[0-9]*')" ] ||
		it_fail "a winvpn tun device is left: $(ip -n "$IT_NS" -o link show | grep winvpn)"
	! ip -n "$IT_NS" route show | grep -q winvpn || it_fail "routes left: $(ip -n "$IT_NS" route show)"
	! ip -n "$IT_NS" route show | grep -q '^default' ||
		it_fail "a default route is left: $(ip -n "$IT_NS" route show)"
	! grep -q '192.168.40.1' "$(it_netns_resolv)" ||
		it_fail "the tunnel's DNS server is left in resolv.conf"
	! pgrep -f "$WINVPN connect" >/dev/null || it_fail "a winvpn process is left"
	it_ok "nothing left behind (tun, routes, DNS, process)"
}

# it_wait_redialled RE WHAT: after the stderr line matching RE the client must
# dial again and be up within 30 s.
it_wait_redialled() {
	local i
	for i in $(seq 1 300); do
		sed -n "/$1/,\$p" "$IT_ERR" | grep -qE 'is up again|is up with address' && break
		kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited instead of redialling after $2"
		sleep 0.1
	done
	sed -n "/$1/,\$p" "$IT_ERR" | grep -qE 'is up again|is up with address' ||
		it_fail "no new connection within 30 s of $2"
}
it_same_tun_carries() {   # it_same_tun_carries DEV WHAT
	[ "$(it_tundev)" = "$1" ] || it_fail "the tun device changed across the redial: $1 -> $(it_tundev)"
	it_ping "$LAB_PPP_SERVER_IP"
	it_ok "same tun device $1, traffic passes again after $2"
}

it_grep_err() {   # it_grep_err ERE: the client's stderr must match
	grep -qE "$1" "$IT_ERR" || it_fail "stderr does not match /$1/"
}

it_ping() {   # it_ping ADDR: at least 2 of 4 answered (the first may be lost, see the lab)
	local n
	n=$(it_in_ns ping -c 4 -i 0.2 -W 2 "$1" 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	[ "${n:-0}" -ge 2 ] || it_fail "ping $1 through the tunnel: ${n:-0} of 4 answered"
	it_ok "ping $1: $n of 4 answered"
}

# it_transfer BYTES: BYTES each way through the tunnel, sha256 compared.
it_transfer() {
	local bytes=$1 f=$IT_TMP/payload sha got m b s
	head -c "$bytes" /dev/urandom >"$f"
	sha=$(sha256sum <"$f" | cut -d' ' -f1)
	m=$(lab_sink_mark)
	lab_tcp_send "$LAB_PPP_SERVER_IP" "$LAB_SINK_PORT" "$f" || it_fail "sending to the sink failed"
	read -r b s < <(lab_sink_wait "$m" 60) || it_fail "the sink saw no connection"
	[ "$b" = "$bytes" ] && [ "$s" = "$sha" ] ||
		it_fail "upload: server got $b bytes sha $s, sent $bytes sha $sha"
	it_ok "upload $bytes bytes, sha256 matches"
	read -r b sha < <(lab_source_prepare "$bytes")
	got=$(lab_tcp_recv "$LAB_PPP_SERVER_IP" "$LAB_SOURCE_PORT" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sha" ] || it_fail "download: sha256 $got, expected $sha"
	it_ok "download $bytes bytes, sha256 matches"
}

it_done() { echo "PASS: $IT_NAME ($IT_CHECKS checks)"; exit 0; }
