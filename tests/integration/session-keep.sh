#!/bin/bash
# Keeping the session as Windows does, against the lab's pptpd:
#  - redial (RedialOnLinkFailure): the gateway's pppd is killed mid-session;
#    the client says so, keeps its tun device, dials again, and traffic passes
#    again; when every redial fails it gives up with the peer-dead exit code;
#  - idle disconnect (IdleDisconnectSeconds): no traffic for idle-timeout
#    seconds ends the session cleanly (exit 0) and says why; traffic keeps it;
#  - the network under the tunnel goes away: noticed at once, not after LCP
#    echo's half minute;
#  - Automatic: L2TP/IPsec first, and PPTP when the gateway has no IKE.
. "$(dirname "$0")/lib.sh"

it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128

# ---- redial ----
# The vpnc-script hears what openconnect tells it: "attempt-reconnect" before
# the redial (which puts the host route to the gateway back if the network
# changed meanwhile; here the route is deleted during the outage) and
# "reconnect" once the same configuration is back.
it_record_script
it_connect -s "$IT_REC" -o redial=yes -o redial-interval=1 -o redial-attempts=3
it_wait_up 20
dev1=$(it_tundev)
it_ping "$LAB_PPP_SERVER_IP"
gw_route() { ip -n "$IT_NS" -4 route show "$LAB_PPTPD_SERVER/32" | grep -v "dev $dev1"; }
[ -n "$(gw_route)" ] || it_fail "the vpnc-script set no host route to the gateway: $(ip -n "$IT_NS" route | tr '\n' ';')"
lab_server_kill_pppd KILL >/dev/null || it_fail "no server pppd to kill"
ip -n "$IT_NS" route del "$LAB_PPTPD_SERVER/32"
it_wait_redialled redialling "the link failure"
it_grep_err 'failed .*redialling in 1 s \(attempt 1 of 3\)'
it_ok "the link failed, the client said so and dialled again"
it_same_tun_carries "$dev1" "the redial"
[ "$(it_script_reasons)" = "pre-init connect attempt-reconnect reconnect " ] ||
	it_fail "the vpnc-script ran with '$(it_script_reasons)', expected 'pre-init connect attempt-reconnect reconnect '"
[ -n "$(gw_route)" ] || it_fail "no host route to the gateway after the redial: $(ip -n "$IT_NS" route | tr '\n' ';')"
it_ok "vpnc-script: attempt-reconnect put the gateway's host route back, then reconnect"
it_disconnect
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
it_assert_clean

# Every redial fails (the gateway is gone): the client gives up after the
# attempts, with the cause of the last one, and cleans up.
it_connect -o redial=yes -o redial-interval=1 -o redial-attempts=2 \
	-o lcp-echo-interval=1 -o lcp-echo-failure=2
it_wait_up 20
"$LAB_DIR/pptpd.sh" stop >"$IT_TMP/lab-stop.out" 2>&1 || it_fail "cannot stop the lab's pptpd"
it_wait_exit 90
[ "$IT_RC" = 4 ] || [ "$IT_RC" = 5 ] || it_fail "exit status $IT_RC after failed redials, expected 4 or 5"
it_grep_err 'attempt 2 of 2'
it_assert_clean
it_ok "redials exhausted: exit $IT_RC, cleaned up"
it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128

# ---- the network under the tunnel goes away ----
# The address on the link to the gateway goes (as when Wi-Fi drops or a DHCP
# lease ends; downing the TAP itself would stop the UML guest): the client
# notices at once (not after LCP echo's 30 s), names it, exits 4, cleans up.
lan_addr=$(ip -n "$IT_NS" -o -4 addr show dev "$LAB_PPTPD_TAP" | awk '{ print $4; exit }')
[ -n "$lan_addr" ] || it_fail "no address on $LAB_PPTPD_TAP"
it_connect
it_wait_up 20
t0=$(lab_now)
ip -n "$IT_NS" addr del "$lan_addr" dev "$LAB_PPTPD_TAP"
it_wait_exit 15
ip -n "$IT_NS" addr add "$lan_addr" dev "$LAB_PPTPD_TAP"
[ "$IT_RC" = 4 ] || it_fail "network gone: exit status $IT_RC, expected 4"
it_grep_err 'the network to the gateway .* went away'
it_log "network loss noticed and cleaned up after $(lab_elapsed "$t0") s"
it_assert_clean
it_ok "the network under the tunnel went away: exit 4, named, cleaned up"
lab_wait_until 10 ip netns exec "$IT_NS" ping -c 1 -W 1 "$LAB_PPTPD_SERVER" >/dev/null ||
	it_fail "the lab link did not come back"

# ---- idle disconnect ----
it_connect -o idle-timeout=3
it_wait_up 20
t0=$(lab_now)
it_wait_exit 20
[ "$IT_RC" = 0 ] || it_fail "idle disconnect: exit status $IT_RC, expected 0"
it_grep_err 'disconnected after 3 s without traffic \(idle-timeout\)'
it_log "idle disconnect after $(lab_elapsed "$t0") s (idle-timeout=3)"
it_assert_clean
it_ok "idle-timeout: clean disconnect with its reason"

it_connect -o idle-timeout=3
it_wait_up 20
it_in_ns ping -q -c 12 -i 0.5 "$LAB_PPP_SERVER_IP" >/dev/null 2>&1 || true
kill -0 "$IT_PID" 2>/dev/null || it_fail "disconnected while traffic was flowing"
it_ok "traffic keeps an idle-timeout session up (6 s of pings, limit 3 s)"
it_disconnect
it_assert_clean

# ---- Automatic ----
it_connect -p auto --psk-fd 3 3<<<"somepsk"
it_wait_up 40
it_grep_err 'Automatic: L2TP/IPsec did not connect'
it_grep_err 'connected to .* with PPTP \(Automatic\)'
it_ping "$LAB_PPP_SERVER_IP"
it_disconnect
[ "$IT_RC" = 0 ] || it_fail "Automatic: exit status $IT_RC after Ctrl-C, expected 0"
it_assert_clean
it_ok "Automatic: no IKE at the gateway, PPTP connected and said so"

# Automatic against an L2TP/IPsec gateway (xl2tpd + strongSwan): L2TP/IPsec wins.
"$LAB_DIR/pptpd.sh" stop >/dev/null 2>&1 || true
export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes
lab_use_xl2tpd
env "$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
	{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
(umask 077; printf '%s\n' "${XL2TPD_IPSEC_PSK:-vpnpsk123}" >"$IT_TMP/psk")
IT_GATEWAY=$LAB_XL2TPD_SERVER it_connect -p auto --psk-fd 3 3<"$IT_TMP/psk"
it_wait_up 40
it_grep_err 'connected to .* with L2TP/IPsec \(Automatic\)'
! grep -q 'Automatic: L2TP/IPsec did not connect' "$IT_ERR" || it_fail "Automatic fell back although L2TP/IPsec works"
it_ping "$LAB_PPP_SERVER_IP"
it_disconnect
[ "$IT_RC" = 0 ] || it_fail "Automatic (L2TP/IPsec): exit status $IT_RC after Ctrl-C, expected 0"
it_assert_clean
"$LAB_DIR/xl2tpd.sh" stop >/dev/null 2>&1 || true
it_ok "Automatic: L2TP/IPsec gateway, L2TP/IPsec connected and said so"
it_done
