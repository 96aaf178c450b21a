#!/bin/bash
# IPv6 through a PPTP tunnel against Poptop pptpd + pppd "+ipv6 ipv6 ::1,::2"
# with radvd on the server's PPP interface (tests/lab/pptpd.sh PPTPD_IPV6=yes,
# guest/ipv6-radvd.sh): IPV6CP gives the client the interface identifier ::2
# (pppd Naks our random one), the tun device gets fe80::2 and the SLAAC address
# fd00:98:40::2 from the router advertisement, the RFC 4191 route fd00:99::/48
# leads to the guest's fd00:99::1 (answers ping -6), the vpnc-script sees the
# IPv6 variables, and IPv4 works as before.  Then the default server (no
# +ipv6: pppd Protocol-Rejects IPV6CP) and ipv6=no: the connection comes up
# exactly as before, with no IPv6 on the tun and not a word about IPv6.
. "$(dirname "$0")/lib.sh"

it_record_script

tun6() { ip -n "$IT_NS" -6 -o addr show dev "$(it_tundev)" 2>/dev/null; }

# ---- 1. a gateway with IPv6 --------------------------------------------------------
it_start_lab PPTPD_IPV6=yes
mark=$(lab_server_log_mark)
t0=$(lab_now)
it_connect -s "$IT_REC" -v
it_wait_up 20
tun=$(it_tundev)
# The advertisement may come after the vpnc-script's first run (radvd
# answers a solicitation up to 3 s late when it has just advertised): then
# the CLI applies it as disconnect + connect, says "has IPv6 address" when
# the script is done, and winvpn puts the link-local address back.
for _ in $(seq 1 100); do
	tun6 | grep -q 'fd00:98:40::2/64' && tun6 | grep -q 'fe80::2/64' &&
		ip -n "$IT_NS" -6 route show fd00:99::/48 | grep -q "dev $tun" && break
	sleep 0.1
done
it_log "IPv4 and IPv6 up on $tun in $(lab_elapsed "$t0") s"
lab_server_log_since "$mark" | grep -q 'remote LL address fe80::0000:0000:0000:0002' ||
	it_fail "the server's pppd did not agree on the client's interface identifier ::2"
it_ok "server: IPV6CP up, client interface identifier ::2 (pppd's Nak taken)"
tun6 | grep -q 'inet6 fe80::2/64 scope link' || it_fail "no link-local fe80::2 on $tun: $(tun6)"
[ "$(tun6 | grep -c 'scope link')" = 1 ] || it_fail "more than the negotiated link-local address: $(tun6)"
it_ok "link-local fe80::2/64 (from IPV6CP) on $tun, no other"
tun6 | grep -q 'inet6 fd00:98:40::2/64 scope global' || it_fail "no SLAAC address on $tun: $(tun6)"
it_ok "SLAAC address fd00:98:40::2/64 (RA prefix + interface identifier) on $tun"
ip -n "$IT_NS" -6 route show fd00:99::/48 | grep -q "dev $tun" ||
	it_fail "no route fd00:99::/48 via $tun: $(ip -n "$IT_NS" -6 route)"
! ip -n "$IT_NS" -6 route show default | grep -q "dev $tun" ||
	it_fail "an IPv6 default route through $tun, but the router lifetime was 0"
it_ok "route fd00:99::/48 (RFC 4191) via $tun, no IPv6 default route (router lifetime 0)"
! ip -n "$IT_NS" -6 route | grep -q 'proto ra' ||
	it_fail "the kernel acted on a router advertisement: $(ip -n "$IT_NS" -6 route | grep 'proto ra')"
it_ok "the router advertisements stayed in winvpn (no 'proto ra' route from the kernel)"
it_grep_err 'IPv6: router solicitation 1 of 3'
it_grep_err 'IPv6 router advertisement: address fd00:98:40::2/64; routes fd00:98:40::/64, fd00:99::/48; DNS fd00:98:40::1'
it_ok "router solicitation sent, advertisement parsed"
it_env_has connect INTERNAL_IP6_ADDRESS=fd00:98:40::2
it_env_has connect INTERNAL_IP6_NETMASK=fd00:98:40::2/64
it_env_has connect INTERNAL_IP6_DNS=fd00:98:40::1
it_env_has connect WINVPN_IP6_LINKLOCAL=fe80::2
it_env_has connect WINVPN_IP6_PEER=fe80::1
it_env_has connect CISCO_IPV6_SPLIT_INC=2
it_env_has connect CISCO_IPV6_SPLIT_INC_1_ADDR=fd00:99::
it_env_has connect CISCO_IPV6_SPLIT_INC_1_MASKLEN=48
it_ok "vpnc-script environment: INTERNAL_IP6_ADDRESS/NETMASK/DNS, link-local, routes"
it_ping fd00:99::1
it_ping "fe80::1%$tun"
it_ping "$LAB_PPP_SERVER_IP"
it_transfer $((1024 * 1024))
mark=$(lab_server_log_mark)
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
it_env_has disconnect INTERNAL_IP6_NETMASK=fd00:98:40::2/64
it_assert_clean
! ip -n "$IT_NS" -6 route | grep -q fd00: || it_fail "IPv6 routes left: $(ip -n "$IT_NS" -6 route)"
it_ok "IPv6 routes gone"

# ---- 2. the default server: pppd without +ipv6 ----------------------------------------
it_start_lab
mark=$(lab_server_log_mark)
: >"$IT_ENVLOG"
it_connect -s "$IT_REC"
it_wait_up 20
tun=$(it_tundev)
lab_server_log_wait "$mark" "Unsupported protocol 'IPv6 Control Protocol' \\(0x8057\\)" 5 >/dev/null ||
	it_fail "the server never saw (and rejected) our IPV6CP"
it_ok "server without IPv6 Protocol-Rejected our IPV6CP"
sleep 1
[ -z "$(tun6)" ] || it_fail "IPv6 addresses on $tun without IPv6: $(tun6)"
! grep -qiE 'ipv6|0x8057|rejected' "$IT_ERR" || it_fail "the client said something: $(grep -iE 'ipv6|0x8057|rejected' "$IT_ERR")"
! it_env_of connect | grep -qE 'IP6|IPV6' || it_fail "IPv6 variables without IPv6"
it_ok "no IPv6 on $tun, no IPv6 variables, not a word about IPv6 on stderr"
it_ping "$LAB_PPP_SERVER_IP"
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
it_assert_clean

# ---- 3. ipv6=no against the IPv6 gateway --------------------------------------------
it_start_lab PPTPD_IPV6=yes
mark=$(lab_server_log_mark)
it_connect -s "$IT_REC" -o ipv6=no
it_wait_up 20
tun=$(it_tundev)
lab_server_log_wait "$mark" "Protocol-Reject for 'IPv6 Control Protocol' \\(0x8057\\)" 5 >/dev/null ||
	it_fail "ipv6=no: the server's IPV6CP got no Protocol-Reject"
sleep 1
[ -z "$(tun6)" ] || it_fail "ipv6=no, yet IPv6 addresses on $tun: $(tun6)"
! grep -qiE 'ipv6|0x8057' "$IT_ERR" || it_fail "the client said something: $(grep -iE 'ipv6|0x8057' "$IT_ERR")"
it_ok "ipv6=no: the gateway's IPV6CP Protocol-Rejected, no IPv6 on $tun, nothing said"
it_ping "$LAB_PPP_SERVER_IP"
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
it_assert_clean
it_done
