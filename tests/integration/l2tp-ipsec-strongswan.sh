#!/bin/bash
# L2TP/IPsec against strongSwan 5.9 (charon, the guest kernel's XFRM/ESP in
# transport mode) + xl2tpd + pppd in the xl2tpd UML guest (tests/lab/xl2tpd.sh
# with XL2TPD_IPSEC=yes: unprotected UDP/1701 is dropped by xfrm policies).
# Three ways:
#   raw ESP         no NAT: ESP as IP protocol 50
#   client-forced   -o ipsec-forceencaps=yes: our fake NAT-D, ESP in UDP 4500
#   server-forced   XL2TPD_IPSEC_FORCEENCAPS=yes: charon claims NAT
# Each: tunnel up, ping, 10 MB each way (sha256, through the guest's sink and
# source), Ctrl-C with the IKE Deletes seen in charon's log, nothing left, and
# a capture of the lab link from before the connect to after the exit holds
# only ESP / UDP 500 / UDP 4500 -- never plaintext L2TP (UDP 1701).
# Then a wrong pre-shared key (exit 3), an ESP proposal charon refuses
# (exit 7), and the gateway deleting the SAs under a live tunnel (exit 5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tp-ipsec-common.sh"

export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes
lab_use_xl2tpd
IT_GATEWAY=$LAB_XL2TPD_SERVER
SW_PSK=${XL2TPD_IPSEC_PSK:-vpnpsk123}
CHARON_LOG=$LAB_XL2TPD_RUN/charon.log
L2TP=(-p l2tp)

sw_start() {
	local t0
	t0=$(lab_now)
	env "$@" "$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
		{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
	mkdir -p "/etc/netns/$IT_NS"
	printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"
	it_log "lab xl2tpd + strongSwan up ($*) in $(lab_elapsed "$t0") s"
}
charon_mark() { stat -c %s "$CHARON_LOG" 2>/dev/null || echo 0; }
charon_wait() {   # charon_wait MARK ERE [TIMEOUT]
	lab_wait_until "${3:-10}" _charon_has "$1" "$2" ||
		it_fail "charon's log does not show /$2/ (log: $CHARON_LOG)"
}
_charon_has() { tail -c +$(($1 + 1)) "$CHARON_LOG" | grep -Eq -- "$2"; }

sw_assert_clean() {
	lsec_assert_clean "$IT_NS" "$LAB_PPP_DNS"
	! ip -n "$IT_NS" route show default | grep -q . || it_fail "a default route is left"
	# charon holds no established IKE_SA or CHILD_SA with us any more (a
	# half-open one after a wrong PSK times out by itself: nobody can delete it)
	lab_wait_until 5 _sw_no_sa || it_fail "charon still has SAs: $(lab_guest_exec 'swanctl --list-sas 2>/dev/null')"
}
_sw_no_sa() { [ -z "$(lab_guest_exec -t 10 'swanctl --list-sas --noblock 2>/dev/null | grep -E "ESTABLISHED|INSTALLED"')" ]; }

# one_case LABEL ENCAP_RE [winvpn options...]: the whole session as described above
one_case() {
	local label=$1 encap=$2 mark t0
	shift 2
	lsec_capture_start "$LAB_XL2TPD_TAP"
	mark=$(charon_mark)
	t0=$(lab_now)
	lsec_connect "$SW_PSK" "${L2TP[@]}" -v "$@"
	it_wait_up 30
	it_log "$label: tunnel up on $(it_tundev) in $(lab_elapsed "$t0") s"
	it_grep_err "IKE SA with $LAB_XL2TPD_SERVER established"
	it_grep_err "IPsec SA with $LAB_XL2TPD_SERVER is up: ESP .* $encap"
	it_grep_err 'call established'
	charon_wait "$mark" 'CHILD_SA l2tp\{[0-9]+\} established .*\[udp/l2f\] === .*\[udp/l2f\]' 5
	it_ok "$label: IKE + Quick Mode, ESP $encap, L2TP call up; charon installed the transport-mode CHILD_SA"
	it_ping "$LAB_PPP_SERVER_IP"
	it_transfer $((10 * 1024 * 1024))
	lsec_settle "$LAB_PPP_SERVER_IP"
	mark=$(charon_mark)
	it_disconnect 15
	[ "$IT_RC" = 0 ] || it_fail "$label: exit status $IT_RC after Ctrl-C, expected 0"
	charon_wait "$mark" 'received DELETE for ESP CHILD_SA' 5
	charon_wait "$mark" 'received DELETE for IKE_SA' 5
	it_ok "$label: Ctrl-C: exit 0; charon received the Deletes for the CHILD_SA and the IKE_SA"
	lsec_capture_stop
	lsec_capture_check "$LAB_XL2TPD_SERVER"
	it_ok "$label: on the wire only $LSEC_COUNTS; no plaintext L2TP"
	sw_assert_clean
	it_ok "$label: nothing left behind, on either side"
}

sw_start XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_FORCEENCAPS=no

one_case "raw ESP" '\(IP protocol 50\)'
it_grep_err 'no NAT between us and'
[ "$(tcpdump -r "$LSEC_PCAP" -n "udp port 4500" 2>/dev/null | wc -l)" = 0 ] ||
	it_fail "raw ESP: UDP 4500 on the wire"
[ "$(tcpdump -r "$LSEC_PCAP" -n "ip proto 50" 2>/dev/null | wc -l)" -gt 1000 ] ||
	it_fail "raw ESP: too few ESP packets on the wire"
it_ok "raw ESP: no NAT detected, ESP as IP protocol 50, nothing on UDP 4500"

one_case "client-forced UDP encapsulation" 'in UDP 4500' -o ipsec-forceencaps=yes
it_grep_err 'NAT detected \(we are behind NAT\)'
[ "$(tcpdump -r "$LSEC_PCAP" -n "ip proto 50" 2>/dev/null | wc -l)" = 0 ] ||
	it_fail "forced encapsulation: raw ESP on the wire"
it_ok "client-forced: fake NAT-D, ESP only in UDP 4500"

sw_start XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_FORCEENCAPS=yes
one_case "server-forced UDP encapsulation" 'in UDP 4500'
it_grep_err 'NAT detected \(the gateway is behind NAT\)'
[ "$(tcpdump -r "$LSEC_PCAP" -n "ip proto 50" 2>/dev/null | wc -l)" = 0 ] ||
	it_fail "server-forced encapsulation: raw ESP on the wire"
it_ok "server-forced: the gateway's NAT-D moves ESP into UDP 4500"
sw_start XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_FORCEENCAPS=no

# A wrong pre-shared key: charon cannot decrypt Main Mode 5 and says so.
mark=$(charon_mark)
lsec_connect wrong-psk "${L2TP[@]}"
it_wait_exit 40
[ "$IT_RC" = 3 ] || it_fail "wrong PSK: exit status $IT_RC, expected 3"
it_grep_err 'authentication failed: the pre-shared key does not match the gateway.s.*check ipsec-psk'
sw_assert_clean
it_ok "wrong PSK: exit 3, says the pre-shared key does not match (ipsec-psk)"

# An ESP proposal charon does not accept: exit 7 naming it and ipsec-esp.
lsec_connect "$SW_PSK" "${L2TP[@]}" -o ipsec-esp=3des-md5
it_wait_exit 30
[ "$IT_RC" = 7 ] || it_fail "refused ESP proposal: exit status $IT_RC, expected 7"
it_grep_err 'rejected all 1 ESP \(Quick Mode\) proposals we offered: 3des-md5 .*set ipsec-esp'
sw_assert_clean
it_ok "refused ESP proposal: exit 7, names 3des-md5 and ipsec-esp"

# The gateway ends the SAs (swanctl --terminate: Deletes for the CHILD_SA and
# the IKE_SA): exit 5 at once, the message says the gateway deleted the SA.
lsec_connect "$SW_PSK" "${L2TP[@]}"
it_wait_up 30
t0=$(lab_now)
lab_guest_exec -t 20 'swanctl --terminate --ike l2tp >/dev/null 2>&1' || it_fail "swanctl --terminate failed"
it_wait_exit 10
[ "$IT_RC" = 5 ] || it_fail "gateway-deleted SA: exit status $IT_RC, expected 5"
it_grep_err 'the gateway .* deleted the IPsec SA'
sw_assert_clean
it_ok "the gateway deleted the SAs: exit 5 after $(lab_elapsed "$t0") s, says so, nothing left"
# xl2tpd still holds that L2TP tunnel (nothing could reach it without the
# SA): until it times out, a new tunnel from the same address and port 1701
# gets its data delivered to the stale one ("tty is not open yet").  Restart
# the servers so the next test starts clean.
lab_guest_exec -t 30 'sh /mnt/cfg/bin/ctl.sh restart' >/dev/null || it_fail "restarting xl2tpd + charon failed"
lab_wait_until 20 lab_guest_exec -t 10 'sh /mnt/cfg/bin/ctl.sh ipsec-status' ||
	it_fail "charon did not come back after the restart"
it_done
