#!/bin/bash
# L2TP/IPsec from behind a NAT router: the client runs in a namespace of its
# own (10.98.9.2) whose only way out is the test namespace, which forwards and
# masquerades (nftables) onto the link to the xl2tpd + strongSwan UML guest
# (tests/lab/xl2tpd.sh XL2TPD_IPSEC=yes, forceencaps off: nobody fakes NAT).
# NAT traversal must be detected by both sides from the NAT-D hashes (the
# client logs it, charon logs the remote host behind NAT) and used: IKE moves
# to UDP 4500 and ESP goes in UDP 4500 -- through the NAT, where raw ESP would
# not pass.  Ping, 10 MB each way, Ctrl-C with the Deletes seen by charon;
# on the gateway's link only the router's address with UDP 500/4500, and
# nothing left behind in the client's namespace, the router or the guest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tp-ipsec-common.sh"

export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes
lab_use_xl2tpd
IT_GATEWAY=$LAB_XL2TPD_SERVER
SW_PSK=${XL2TPD_IPSEC_PSK:-vpnpsk123}
CHARON_LOG=$LAB_XL2TPD_RUN/charon.log
charon_mark() { stat -c %s "$CHARON_LOG" 2>/dev/null || echo 0; }
charon_wait() {   # charon_wait MARK ERE [TIMEOUT]
	lab_wait_until "${3:-10}" _charon_has "$1" "$2" ||
		it_fail "charon's log does not show /$2/ (log: $CHARON_LOG)"
}
_charon_has() { tail -c +$(($1 + 1)) "$CHARON_LOG" | grep -Eq -- "$2"; }
_sw_no_sa() { [ -z "$(lab_guest_exec -t 10 'swanctl --list-sas --noblock 2>/dev/null | grep -E "ESTABLISHED|INSTALLED"')" ]; }

t0=$(lab_now)
env XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_FORCEENCAPS=no "$LAB_DIR/xl2tpd.sh" start \
	>"$IT_TMP/lab.out" 2>&1 || { cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
it_log "lab xl2tpd + strongSwan up in $(lab_elapsed "$t0") s"

# the router: the test namespace, masquerading onto the guest's TAP
lsec_nat_up "$LAB_XL2TPD_TAP"
ROUTER_IP=$LAB_XL2TPD_HOST_IP
IT_NS=$LSEC_NAT_NS LAB_CLIENT_NETNS=$LSEC_NAT_NS
ip netns exec "$IT_NS" ping -c 1 -W 2 "$LAB_XL2TPD_SERVER" >/dev/null ||
	it_fail "the client namespace cannot reach $LAB_XL2TPD_SERVER through the router"
it_ok "client namespace $IT_NS ($LSEC_NAT_NET.2) reaches the gateway through a masquerading router"

lsec_capture_start "$LAB_XL2TPD_TAP" "$LSEC_ROUTER_NS"
mark=$(charon_mark)
t0=$(lab_now)
lsec_connect "$SW_PSK" -p l2tp -v
it_wait_up 30
it_log "tunnel up on $(it_tundev) in $(lab_elapsed "$t0") s"
it_grep_err 'NAT detected \(we are behind NAT\): IKE and ESP go to UDP port 4500'
it_grep_err 'floating to UDP [0-9]+ -> '"$LAB_XL2TPD_SERVER"':4500'
it_grep_err "IPsec SA with $LAB_XL2TPD_SERVER is up: ESP .* in UDP 4500"
it_ok "the client detected the NAT and moved IKE and ESP to UDP 4500"
charon_wait "$mark" 'remote host is behind NAT' 5
charon_wait "$mark" "CHILD_SA l2tp\\{[0-9]+\\} established .* === $ROUTER_IP/32\\[udp/l2f\\]" 5
it_ok "charon saw the client behind NAT (at $ROUTER_IP) and installed the transport-mode CHILD_SA"
it_ping "$LAB_PPP_SERVER_IP"
it_transfer $((10 * 1024 * 1024))
lsec_settle "$LAB_PPP_SERVER_IP"
mark=$(charon_mark)
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
charon_wait "$mark" 'received DELETE for ESP CHILD_SA' 5
charon_wait "$mark" 'received DELETE for IKE_SA' 5
it_ok "Ctrl-C: exit 0; charon received the Deletes"
lsec_capture_stop
lsec_capture_check "$LAB_XL2TPD_SERVER"
[ "$(tcpdump -r "$LSEC_PCAP" -n "ip proto 50" 2>/dev/null | wc -l)" = 0 ] || it_fail "raw ESP on the NATed link"
[ "$(tcpdump -r "$LSEC_PCAP" -n "net $LSEC_NAT_NET.0/24" 2>/dev/null | wc -l)" = 0 ] ||
	it_fail "the client's own address appears on the gateway's link: no NAT?"
[ "$(tcpdump -r "$LSEC_PCAP" -n "host $ROUTER_IP and udp port 4500" 2>/dev/null | wc -l)" -gt 1000 ] ||
	it_fail "too little ESP-in-UDP from the router's address"
it_ok "gateway link: only $ROUTER_IP with UDP 500/4500 ($LSEC_COUNTS), no raw ESP, no plaintext L2TP"
lsec_assert_clean "$IT_NS" "$LAB_PPP_DNS"
lab_wait_until 5 _sw_no_sa || it_fail "charon still has SAs"
lsec_nat_down
ip netns list | awk '{ print $1 }' | grep -qx "$LSEC_NAT_NS" && it_fail "the client namespace is left"
! ip netns exec "$LSEC_ROUTER_NS" nft list tables 2>/dev/null | grep -q "$LSEC_NAT_TABLE" ||
	it_fail "the NAT table is left in $LSEC_ROUTER_NS"
it_ok "nothing left behind (client namespace, NAT table, SAs in charon)"
it_done
