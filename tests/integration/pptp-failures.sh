#!/bin/bash
# What a user sees when it cannot work: a wrong password, an unreachable
# gateway (nothing listening, and no host at all), and a gateway that demands
# MPPE the settings refuse.  Each gets its own exit code and a message naming
# the cause, and leaves nothing behind.
. "$(dirname "$0")/lib.sh"

it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128

# Wrong password: exit 3, "rejected", the server saw it too.
mark=$(lab_server_log_mark)
IT_PASS=wrong-password it_connect
it_wait_exit 30
[ "$IT_RC" = 3 ] || it_fail "wrong password: exit status $IT_RC, expected 3 (authentication failed)"
it_grep_err 'authentication failed: .*rejected the user name or password'
lab_server_log_since "$mark" | grep -qE 'failed CHAP authentication|MS-CHAP-v2 authentication failed|CHAP authentication failed' ||
	it_fail "the server log does not show the failed authentication"
it_assert_clean
it_ok "wrong password: exit 3, says the server rejected the credentials"

# Nothing listens on TCP 1723 at the host end of the lab link: refused at once.
IT_GATEWAY=$LAB_PPTPD_HOST_IP it_connect
it_wait_exit 20
[ "$IT_RC" = 4 ] || it_fail "refused: exit status $IT_RC, expected 4 (unreachable)"
it_grep_err "$LAB_PPTPD_HOST_IP.*1723.*refused"
it_assert_clean
it_ok "closed port: exit 4, names the gateway, the port and 'refused'"

# No host at all on the lab link: the connect times out (or ARP fails).
IT_GATEWAY=$LAB_PPTPD_NET.77 it_connect
it_wait_exit 30
[ "$IT_RC" = 4 ] || it_fail "no host: exit status $IT_RC, expected 4 (unreachable)"
it_grep_err "$LAB_PPTPD_NET.77"
it_assert_clean
it_ok "no host: exit 4, names the gateway"

# The gateway requires 40-bit MPPE; the settings require 128-bit.
it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require40
it_connect -o require-mppe-128=yes
it_wait_exit 40
[ "$IT_RC" = 7 ] || it_fail "MPPE mismatch: exit status $IT_RC, expected 7"
it_grep_err 'MPPE'
it_assert_clean
it_ok "MPPE mismatch: exit 7, the message names MPPE"
it_done
