#!/bin/bash
# The other PPP authentication methods a pppd gateway may demand: MS-CHAPv1
# (with MPPE-128), CHAP-MD5 and PAP (no MPPE), and a DOMAIN\user account.
# Each connects, carries a ping and a small transfer, and disconnects cleanly.
. "$(dirname "$0")/lib.sh"

run_case() {   # run_case AUTH MPPE LOG-REGEX [winvpn options]
	local auth=$1 mppe=$2 want=$3; shift 3
	it_start_lab PPTPD_AUTH="$auth" PPTPD_MPPE="$mppe"
	local mark
	mark=$(lab_server_log_mark)
	it_connect "$@"
	it_wait_up 20
	lab_server_log_wait "$mark" "$want" 10 >/dev/null ||
		it_fail "$auth: the server log lacks /$want/"
	it_ping "$LAB_PPP_SERVER_IP"
	it_transfer 200000
	it_disconnect 15
	[ "$IT_RC" = 0 ] || it_fail "$auth: exit status $IT_RC after Ctrl-C"
	it_assert_clean
	it_ok "$auth/$mppe connects, carries traffic, disconnects"
}

run_case mschap require128 'MPPE 128-bit stateless compression enabled'
run_case chap none 'sent \[CHAP Success'
run_case pap none 'sent \[PAP AuthAck'
IT_USER=bob IT_PASS=$LAB_DOMAIN_PASS run_case mschapv2 require128 \
	'MPPE 128-bit stateless compression enabled' -d WINVPN
it_done
