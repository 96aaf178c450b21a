#!/bin/bash
# The gateway's pppd dies mid-session (killed without LCP terminate): pptpd
# clears the call, and the client says the gateway hung up, exits 5, and
# cleans up routes, DNS and the tun device.
. "$(dirname "$0")/lib.sh"

it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128
it_connect
it_wait_up 20
it_ping "$LAB_PPP_SERVER_IP"
lab_server_kill_pppd KILL >/dev/null || it_fail "no server pppd to kill"
it_wait_exit 40
[ "$IT_RC" = 5 ] || it_fail "exit status $IT_RC, expected 5 (peer died)"
it_grep_err 'gateway'
it_assert_clean
it_ok "server pppd killed: exit 5, cleaned up"
it_done
