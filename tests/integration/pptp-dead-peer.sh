#!/bin/bash
# The gateway's pppd dies mid-session (killed without LCP terminate): pptpd
# clears the call, and the client says the gateway hung up, exits 5, and
# cleans up routes, DNS and the tun device.  Then a gateway that just goes
# silent: LCP echo finds it.
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

# A gateway that goes silent (frozen: TCP stays up, nothing answers): LCP echo
# notices it -- here within 2 x 2 s -- and the client says so and cleans up.
it_connect -o lcp-echo-interval=2 -o lcp-echo-failure=2
it_wait_up 20
lab_server_freeze >/dev/null || it_fail "cannot freeze the server"
t0=$(lab_now)
it_wait_exit 30
lab_server_thaw >/dev/null || true
[ "$IT_RC" = 5 ] || it_fail "frozen gateway: exit status $IT_RC, expected 5"
it_grep_err 'LCP echo'
it_log "silent gateway noticed after $(lab_elapsed "$t0") s"
it_assert_clean
it_ok "silent gateway: exit 5, names LCP echo, cleaned up"
it_done
