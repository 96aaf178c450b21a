#!/bin/bash
# Plain L2TP (RFC 2661, no IPsec: ipsec-enabled=no) against xl2tpd + pppd
# with a Linux L2TP server's usual PPP settings (MS-CHAPv2 required, noccp):
# the tunnel comes up from UDP port 1701 through the real vpnc-script,
# carries pings and 10 MB each way intact, DNS is set, and Ctrl-C tears it
# down in order -- LCP terminate, CDN, StopCCN seen by the server, nothing
# left behind.  Then: ephemeral-port, a wrong password, a closed UDP port, a
# gateway that stops answering, and a gateway that hangs up the call.
. "$(dirname "$0")/lib.sh"

# The xl2tpd guest lives in the same namespace as the pptpd guest (other
# TAP, other subnets); lab_use_xl2tpd points the lab helpers at it.
export XL2TPD_NETNS=$IT_NS
lab_use_xl2tpd
IT_GATEWAY=$LAB_XL2TPD_SERVER
L2TP=(-p l2tp -o ipsec-enabled=no)

it_start_l2tp_lab() {
	local t0
	t0=$(lab_now)
	env "$@" "$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
		{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd did not start"; }
	mkdir -p "/etc/netns/$IT_NS"
	printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"
	it_log "lab xl2tpd up ($*) in $(lab_elapsed "$t0") s"
}

l2tp_assert_clean() {
	! grep -q "$LAB_PPP_DNS" "$(it_netns_resolv)" ||
		it_fail "the tunnel's DNS server $LAB_PPP_DNS is left in resolv.conf"
	it_assert_clean
}

it_start_l2tp_lab XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none
mark=$(lab_server_log_mark)
t0=$(lab_now)
it_connect "${L2TP[@]}"
it_wait_up 20
it_log "tunnel up on $(it_tundev) in $(lab_elapsed "$t0") s"
it_grep_err "L2TP without IPsec"
it_ok "plain L2TP is announced as unprotected"
it_grep_err 'sending L2TP from UDP port 1701'
lab_server_log_wait "$mark" "Connection established to $LAB_XL2TPD_HOST_IP, 1701\\." 5 >/dev/null ||
	it_fail "the server did not see a tunnel from $LAB_XL2TPD_HOST_IP port 1701"
lab_server_log_wait "$mark" 'Call established with' 5 >/dev/null ||
	it_fail "the server did not see the call (ICRQ/ICCN)"
lab_server_log_wait "$mark" 'sent \[CHAP Success' 5 >/dev/null ||
	it_fail "the server log does not show MS-CHAPv2 success"
it_ok "server: tunnel from port 1701, call established, MS-CHAPv2 accepted"

addr=$(ip -n "$IT_NS" -o -4 addr show dev "$(it_tundev)" | awk '{print $4}')
case $addr in 192.168.41.1[0-9]/32|192.168.41.20/32) it_ok "address $addr from the pool";;
	*) it_fail "unexpected tunnel address '$addr'";; esac
ip -n "$IT_NS" route show default | grep -q "dev $(it_tundev)" ||
	it_fail "the vpnc-script did not route the default through the tunnel: $(ip -n "$IT_NS" route)"
ip -n "$IT_NS" route show "$LAB_XL2TPD_SERVER" | grep -q "$LAB_XL2TPD_SERVER" ||
	it_fail "no host route keeps the gateway outside the tunnel"
it_ok "default route through the tunnel, gateway route kept outside"
grep -q "nameserver $LAB_PPP_DNS" "$(it_netns_resolv)" || it_fail "DNS from IPCP not in resolv.conf"
it_ok "DNS $LAB_PPP_DNS from IPCP in resolv.conf"

it_ping "$LAB_PPP_SERVER_IP"
it_transfer $((10 * 1024 * 1024))

mark=$(lab_server_log_mark)
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
it_ok "Ctrl-C: exit status 0"
lab_server_log_wait "$mark" 'LCP terminated by peer' 5 >/dev/null ||
	it_fail "the server did not see an LCP Terminate-Request"
lab_server_log_wait "$mark" 'Call-Disconnect-Notify' 5 >/dev/null ||
	it_fail "the server did not see a CDN"
lab_server_log_wait "$mark" 'Stop-Control-Connection-Notification' 5 >/dev/null ||
	it_fail "the server did not see a StopCCN"
it_ok "server saw LCP terminate, CDN and StopCCN"
l2tp_assert_clean

# ephemeral-port: another source port, and everything else the same.
mark=$(lab_server_log_mark)
it_connect "${L2TP[@]}" -o ephemeral-port=yes
it_wait_up 20
it_grep_err 'ephemeral-port is set'
port=$(lab_server_log_wait "$mark" "Connection established to $LAB_XL2TPD_HOST_IP, [0-9]+\\." 5 |
	sed -n "s/.*Connection established to $LAB_XL2TPD_HOST_IP, \\([0-9]*\\)\\..*/\\1/p")
[ -n "$port" ] && [ "$port" != 1701 ] || it_fail "ephemeral-port: the server saw port '${port:-?}'"
it_ping "$LAB_PPP_SERVER_IP"
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "ephemeral-port: exit status $IT_RC, expected 0"
l2tp_assert_clean
it_ok "ephemeral-port: tunnel from UDP port $port"

# Wrong password: exit 3, the server saw it too.
mark=$(lab_server_log_mark)
IT_PASS=wrong-password it_connect "${L2TP[@]}"
it_wait_exit 30
[ "$IT_RC" = 3 ] || it_fail "wrong password: exit status $IT_RC, expected 3 (authentication failed)"
it_grep_err 'authentication failed'
lab_server_log_since "$mark" | grep -qE 'failed CHAP|CHAP authentication failed|authentication failed' ||
	it_fail "the server log does not show the failed authentication"
l2tp_assert_clean
it_ok "wrong password: exit 3"

# Nothing listens on the gateway's UDP port (1702 here): ICMP port
# unreachable ends it after 3 tries (~3 s), and the message says why.
t0=$(lab_now)
it_connect "${L2TP[@]}" -o port=1702
it_wait_exit 15
[ "$IT_RC" = 4 ] || it_fail "closed port: exit status $IT_RC, expected 4 (unreachable)"
it_grep_err "$LAB_XL2TPD_SERVER did not answer \\(3 tries\\).*ICMP port unreachable"
l2tp_assert_clean
it_ok "closed port: exit 4 after $(lab_elapsed "$t0") s, names the gateway and ICMP port unreachable"

# The gateway hangs up the call (its pppd killed): exit 5 (peer dead), the
# message says the gateway hung up.
it_connect "${L2TP[@]}"
it_wait_up 20
lab_server_kill_pppd KILL >/dev/null || it_fail "no server pppd to kill"
it_wait_exit 20
[ "$IT_RC" = 5 ] || it_fail "hang-up: exit status $IT_RC, expected 5 (peer dead)"
it_grep_err 'hung up the call|closed the tunnel'
l2tp_assert_clean
it_ok "the gateway hung up: exit 5, and the message says so"
it_done
