#!/bin/bash
# Several connections at once from one machine, as a user with two VPNs (or
# two accounts on one gateway) has them: two PPTP sessions to pptpd (GRE is
# told apart by call id), then a PPTP session to pptpd beside an L2TP/IPsec
# session to xl2tpd + strongSwan, then L2TP/IPsec sessions to xl2tpd +
# strongSwan and to SoftEther at once (the second one's IKE cannot have UDP
# port 500).  Each session gets its own tun device and
# address and carries its own pings; ending one leaves the other working.
# The clients run with --no-script (two vpnc-scripts would fight over the
# default route) and the test gives each tun its address and a host route to
# the gateway's PPP address; pings are bound to the device.
. "$(dirname "$0")/lib.sh"

CC_PIDS=()
cc_cleanup() {
	local p
	for p in "${CC_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	sleep 1
	for p in "${CC_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	it_cleanup
}
trap cc_cleanup EXIT

# cc_start N USER PASS GATEWAY [options...]: client N in the background.
cc_start() {
	local n=$1 user=$2 pass=$3 gw=$4
	shift 4
	: >"$IT_TMP/out$n"
	ip netns exec "$IT_NS" "$WINVPN" connect --no-script --passwd-on-stdin -u "$user" "$@" \
		"$gw" <<<"$pass" >"$IT_TMP/out$n" 2>"$IT_TMP/err$n" &
	CC_PIDS[n]=$!
}

# cc_up N SERVER_PPP_IP: waits for "connected DEV ADDR mtu M", configures DEV.
cc_up() {
	local n=$1 server=$2 i line dev addr
	for i in $(seq 1 400); do
		line=$(grep -m1 '^connected ' "$IT_TMP/out$n" || true)
		[ -n "$line" ] && break
		kill -0 "${CC_PIDS[n]}" 2>/dev/null ||
			{ cat "$IT_TMP/err$n"; it_fail "client $n exited before it was up"; }
		sleep 0.1
	done
	[ -n "$line" ] || { cat "$IT_TMP/err$n"; it_fail "client $n: no tunnel after 40 s"; }
	read -r _ dev addr _ <<<"$line"
	ip -n "$IT_NS" addr add "$addr/32" dev "$dev"
	ip -n "$IT_NS" link set "$dev" up
	ip -n "$IT_NS" route add "$server/32" dev "$dev" metric $((100 + n))
	eval "CC_DEV$n=$dev CC_ADDR$n=$addr"
}

cc_ping() {   # cc_ping DEV ADDR
	local got
	got=$(it_in_ns ping -I "$1" -c 4 -i 0.2 -W 2 "$2" 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	[ "${got:-0}" -ge 2 ] || it_fail "ping $2 through $1: ${got:-0} of 4 answered"
}

cc_stop() {   # cc_stop N: Ctrl-C, exit 0
	local n=$1 rc=0
	kill -INT "${CC_PIDS[n]}"
	wait "${CC_PIDS[n]}" || rc=$?
	[ "$rc" = 0 ] || { cat "$IT_TMP/err$n"; it_fail "client $n: exit status $rc after Ctrl-C"; }
	CC_PIDS[n]=
}

# ---- PPTP ----
it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128
cc_start 1 "$LAB_USER" "$LAB_PASS" "$LAB_PPTPD_SERVER"
cc_up 1 "$LAB_PPP_SERVER_IP"
cc_start 2 "$LAB_DOMAIN_USER" "$LAB_DOMAIN_PASS" "$LAB_PPTPD_SERVER"
cc_up 2 "$LAB_PPP_SERVER_IP"
[ "$CC_DEV1" != "$CC_DEV2" ] && [ "$CC_ADDR1" != "$CC_ADDR2" ] ||
	it_fail "the two sessions share a device or an address: $CC_DEV1 $CC_ADDR1, $CC_DEV2 $CC_ADDR2"
cc_ping "$CC_DEV1" "$LAB_PPP_SERVER_IP"
cc_ping "$CC_DEV2" "$LAB_PPP_SERVER_IP"
it_ok "PPTP: two sessions at once ($CC_DEV1 $CC_ADDR1, $CC_DEV2 $CC_ADDR2), both carry pings"
cc_stop 1
cc_ping "$CC_DEV2" "$LAB_PPP_SERVER_IP"
cc_stop 2
it_assert_clean
it_ok "PPTP: the second session works on after the first ends; both exit 0, nothing left"

# ---- PPTP and L2TP/IPsec, to two gateways ----
export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes
env "$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
	{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
(umask 077; printf '%s\n' "${XL2TPD_IPSEC_PSK:-vpnpsk123}" >"$IT_TMP/psk")
cc_start 1 "$LAB_USER" "$LAB_PASS" "$LAB_PPTPD_SERVER"
cc_up 1 "$LAB_PPTPD_PPP_SERVER_IP"
cc_start 2 "$LAB_USER" "$LAB_PASS" "$LAB_XL2TPD_SERVER" -p l2tp --psk-fd 3 3<"$IT_TMP/psk"
cc_up 2 "$LAB_XL2TPD_PPP_SERVER_IP"
cc_ping "$CC_DEV1" "$LAB_PPTPD_PPP_SERVER_IP"
cc_ping "$CC_DEV2" "$LAB_XL2TPD_PPP_SERVER_IP"
it_ok "PPTP to pptpd ($CC_DEV1 $CC_ADDR1) and L2TP/IPsec to xl2tpd ($CC_DEV2 $CC_ADDR2) at once, both carry pings"
cc_stop 2
cc_ping "$CC_DEV1" "$LAB_PPTPD_PPP_SERVER_IP"
cc_stop 1
it_assert_clean
it_ok "PPTP works on after the L2TP/IPsec session ends; both exit 0, nothing left"
"$LAB_DIR/pptpd.sh" stop >/dev/null 2>&1 || true

# ---- L2TP/IPsec to two gateways: xl2tpd + strongSwan, and SoftEther ----
# The first session has UDP 500 and plain ESP; the second's IKE goes out from
# another port, so both ends see "NAT" and its ESP travels in UDP 4500.
export SOFTETHER_NETNS=$IT_NS
SE_SERVER=${SOFTETHER_NET:-10.98.4}.2
bash "$LAB_DIR/softether.sh" start >"$IT_TMP/se.out" 2>&1 ||
	{ cat "$IT_TMP/se.out"; it_fail "SoftEther did not start"; }
bash "$LAB_DIR/softether.sh" health >/dev/null ||
	bash "$LAB_DIR/softether.sh" restart >"$IT_TMP/se.out" 2>&1 ||
	{ cat "$IT_TMP/se.out"; it_fail "SoftEther did not restart"; }
(umask 077; printf '%s\n' "${SOFTETHER_PSK:-testpsk}" >"$IT_TMP/sepsk")
cc_start 1 "$LAB_USER" "$LAB_PASS" "$LAB_XL2TPD_SERVER" -p l2tp --psk-fd 3 3<"$IT_TMP/psk"
cc_up 1 "$LAB_XL2TPD_PPP_SERVER_IP"
cc_start 2 "$LAB_USER" "$LAB_PASS" "$SE_SERVER" -p l2tp --psk-fd 3 3<"$IT_TMP/sepsk"
cc_up 2 192.168.30.1
grep -q 'UDP port 500 is in use (another L2TP/IPsec connection' "$IT_TMP/err2" ||
	it_fail "the second session did not move its IKE off UDP 500: $(grep IKE "$IT_TMP/err2")"
cc_ping "$CC_DEV1" "$LAB_XL2TPD_PPP_SERVER_IP"
cc_ping "$CC_DEV2" 192.168.30.1
it_ok "L2TP/IPsec to xl2tpd ($CC_DEV1 $CC_ADDR1) and to SoftEther ($CC_DEV2 $CC_ADDR2) at once, both carry pings"
cc_stop 1
cc_ping "$CC_DEV2" 192.168.30.1
cc_stop 2
it_assert_clean
it_ok "the SoftEther session works on after the other ends; both exit 0, nothing left"
"$LAB_DIR/xl2tpd.sh" stop >/dev/null 2>&1 || true
it_done
