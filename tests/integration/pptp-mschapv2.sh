#!/bin/bash
# PPTP against Poptop pptpd with its usual configuration (MS-CHAPv2 required,
# MPPE-128 required): the tunnel comes up through the real vpnc-script, carries
# pings and 10 MB each way intact, DNS is set, and Ctrl-C tears everything
# down -- LCP terminate and call clear seen by the server, nothing left behind.
. "$(dirname "$0")/lib.sh"

it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128
mark=$(lab_server_log_mark)
t0=$(lab_now)
it_connect
it_wait_up 20
it_log "tunnel up on $(it_tundev) in $(lab_elapsed "$t0") s"
lab_server_log_wait "$mark" 'MPPE 128-bit stateless compression enabled' 10 >/dev/null ||
	it_fail "the server did not enable MPPE-128"
it_ok "server: MS-CHAPv2 accepted, MPPE 128-bit stateless enabled"
lab_server_log_since "$mark" | grep -q 'peer from calling number .* authorized' ||
	it_fail "the server log does not show alice authorized"

addr=$(ip -n "$IT_NS" -o -4 addr show dev "$(it_tundev)" | awk '{print $4}')
case $addr in 192.168.40.1[0-9]/32|192.168.40.20/32) it_ok "address $addr from the pool";;
	*) it_fail "unexpected tunnel address '$addr'";; esac
ip -n "$IT_NS" route show default | grep -q "dev $(it_tundev)" ||
	it_fail "the vpnc-script did not route the default through the tunnel: $(ip -n "$IT_NS" route)"
ip -n "$IT_NS" route show "$LAB_PPTPD_SERVER" | grep -q "$LAB_PPTPD_SERVER" ||
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
lab_server_log_wait "$mark" 'Stop-Control-Connection-Request|Call-Clear-Request|CTRL: Client .* control connection finished' 5 >/dev/null ||
	it_fail "the server did not see the call cleared and the control connection stopped"
it_ok "server saw LCP terminate and the control connection end"
it_assert_clean
it_done
