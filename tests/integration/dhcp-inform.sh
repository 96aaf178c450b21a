#!/bin/bash
# DHCPINFORM through the tunnel and Windows' routing rules, against Poptop
# pptpd with a dnsmasq on the guest's PPP interfaces (PPTPD_DHCP), as RRAS
# with its DHCP relay.  The real vpnc-script runs behind a wrapper that
# records its environment.
#  1. full tunnel, option 121 (two routes, plus a /32 for the gateway itself):
#     domain, search, two DNS servers and WINS reach the script and
#     resolv.conf; the routes go via the tun device, the default too; the
#     gateway's /32 is dropped (and said so); a pushed prefix is reachable.
#  2. split tunnel (never-default=yes), option 249 only: the routes and the
#     class C route of the assigned address via the tun, the existing default
#     route untouched; TCP to an address the guest owns inside a pushed prefix
#     reaches the guest's sink through the tunnel, other traffic stays outside.
#  3. split tunnel with disable-class-route=yes and a user route: no class
#     route, the user's route present.
#     3b. dhcp-inform=no: no INFORM reaches the server, IPCP's DNS.
#  4. a late answer (dnsmasq started after the short wait): a second
#     configuration, applied as disconnect + connect of the script.
#  5. no DHCP server: up quietly with IPCP's DNS; the wait this adds.
#  6. a bad routes setting: exit 2, the bad prefix quoted.
#  7. L2TP/IPsec (xl2tpd + strongSwan, XL2TPD_DHCP): the answer comes through
#     ESP; domain, DNS, WINS and the route applied.
# shellcheck disable=SC2016  # guest commands in single quotes expand in the guest
. "$(dirname "$0")/lib.sh"

DOM=corp.example
OPTS_121="15,$DOM;119,$DOM,lab.example;6,10.20.0.53,10.20.0.54;44,10.20.0.55"
OPTS_121="$OPTS_121;121,10.20.0.0/16,0.0.0.0,10.30.0.0/16,0.0.0.0,$LAB_PPTPD_SERVER/32,0.0.0.0"
OPTS_249="15,$DOM;6,10.20.0.53;249,10.20.0.0/16,0.0.0.0,10.30.0.0/16,0.0.0.0"
TARGET=10.20.0.1          # the guest owns it (lo), inside the pushed 10.20.0.0/16

it_record_script
route_via_tun() {   # route_via_tun PREFIX
	ip -n "$IT_NS" route show "$1" | grep -q "dev $(it_tundev)" ||
		it_fail "no route $1 via the tunnel: $(ip -n "$IT_NS" route | tr '\n' ';')"
}
no_route() {
	[ -z "$(ip -n "$IT_NS" route show "$1")" ] || it_fail "route $1 should not be there: $(ip -n "$IT_NS" route show "$1")"
}
guest_target() { lab_guest_exec "ip addr replace $TARGET/32 dev lo" >/dev/null || it_fail "cannot add $TARGET in the guest"; }
# A default route outside the tunnel (to a neighbour on the TAP link), as a
# real host has: split mode must leave it alone.
OUTSIDE_GW=${LAB_PPTPD_NET}.3
outside_default() { ip -n "$IT_NS" route replace default via "$OUTSIDE_GW" dev "$LAB_PPTPD_TAP"; }
outside_default_del() { ip -n "$IT_NS" route del default via "$OUTSIDE_GW" 2>/dev/null || true; }
cap_pid=
trap 'outside_default_del; [ -z "$cap_pid" ] || kill "$cap_pid" 2>/dev/null; it_cleanup' EXIT

up() {   # up [winvpn options]: connect with the recording script, wait for the tunnel
	: >"$IT_ENVLOG"
	T0=$(lab_now)
	# (IPv6 off: a router advertisement would re-run the script and blur
	# which run carries what; IPv6 has its own tests)
	it_connect -s "$IT_REC" -o ipv6=no "$@"
	it_wait_up 25
	UP_S=$(lab_elapsed "$T0")
}
# wait_dhcp: the DHCPACK was applied -- normally within the 1 s hold, but a
# guest that has just booted may take until the background try at 4 s (then
# the script ran twice: the IPCP configuration, then the update).
wait_dhcp() {
	local _
	for _ in $(seq 1 150); do
		# (the script's last connect had DHCP's configuration and has finished)
		if it_env_of connect | grep -qx 'WINVPN_IP4_SOURCE=IPCP+DHCPINFORM' &&
			[ "$(grep -c ' is up with address ' "$IT_ERR")" -ge "$(grep -c '^== connect' "$IT_ENVLOG")" ]; then
			[ "$(grep -c '^== connect' "$IT_ENVLOG")" = 1 ] ||
				it_log "note: the DHCPACK came after the hold (the script ran $(grep -c '^== connect' "$IT_ENVLOG") times)"
			return 0
		fi
		sleep 0.1
	done
	it_fail "no DHCPACK applied within 15 s"
}
down() {
	it_disconnect 15
	[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C"
}

# --- 1. full tunnel, option 121 ------------------------------------------------
it_start_lab PPTPD_DHCP="$OPTS_121"
guest_target
mark=$(lab_server_log_mark)
# The host side must never see DHCP: the engine sends the INFORM into PPP and
# consumes the ACK; nothing goes through the tun device (or anywhere else).
cap=$IT_TMP/dhcp.pcap
ip netns exec "$IT_NS" tcpdump -i any -n -U -w "$cap" 'udp and (port 67 or port 68)' 2>/dev/null &
cap_pid=$!
# ... while the guest sees the INFORM arrive on its PPP interface, broadcast,
# and dnsmasq's ACK leave through it, unicast to the client's address.
lab_guest_exec 'rm -f /mnt/cfg/dhcp-cap.txt; setsid tcpdump -i any -n -l "udp and (port 67 or port 68)" >/mnt/cfg/dhcp-cap.txt 2>&1 </dev/null & echo $! >/run/dhcpcap.pid' >/dev/null
sleep 0.5
up -v
wait_dhcp
lab_guest_exec 'kill $(cat /run/dhcpcap.pid)' >/dev/null
sleep 0.3
grep -qE 'ppp[0-9]+ +In +IP 192\.168\.40\.[0-9]+\.68 > 255\.255\.255\.255\.67: BOOTP/DHCP, Request' "$LAB_RUN/dhcp-cap.txt" &&
	grep -qE 'ppp[0-9]+ +Out +IP 192\.168\.40\.1\.67 > 192\.168\.40\.[0-9]+\.68: BOOTP/DHCP, Reply' "$LAB_RUN/dhcp-cap.txt" ||
	it_fail "guest capture: no INFORM in / ACK out on ppp: $(cat "$LAB_RUN/dhcp-cap.txt")"
it_ok "guest capture: INFORM in on ppp (to 255.255.255.255:67), ACK out on ppp to the client's address"
lab_server_log_since "$mark" | grep -q 'DHCPINFORM(ppp[0-9]*) 192.168.40' ||
	it_fail "dnsmasq did not see the DHCPINFORM on the PPP interface"
lab_server_log_since "$mark" | grep -q 'DHCPACK(ppp[0-9]*) 192.168.40' ||
	it_fail "dnsmasq did not answer with a DHCPACK"
it_ok "dnsmasq saw DHCPINFORM and sent DHCPACK on ppp (tunnel up in $UP_S s)"
sleep 0.5
kill -INT "$cap_pid"; wait "$cap_pid" 2>/dev/null || true
cap_pid=
n=$(tcpdump -r "$cap" -n 2>/dev/null | wc -l)
[ "$n" = 0 ] || it_fail "$n DHCP packets seen on the host side: $(tcpdump -r "$cap" -n 2>/dev/null | head -3)"
it_ok "no DHCP packet on the tun device or elsewhere on the host side"
it_grep_err 'routes: 10\.20\.0\.0/16, 10\.30\.0\.0/16 \(DHCPINFORM option 121\); domain corp\.example'
it_grep_err "dropping the pushed route $LAB_PPTPD_SERVER/32: it would send the traffic to the gateway $LAB_PPTPD_SERVER itself"
it_ok "summary line and the gateway /32 dropped with a reason"
it_env_has connect "CISCO_DEF_DOMAIN=corp.example lab.example"
it_env_has connect "INTERNAL_IP4_DNS=10.20.0.53 10.20.0.54"
it_env_has connect "INTERNAL_IP4_NBNS=10.20.0.55"
it_env_has connect "WINVPN_IP4_SOURCE=IPCP+DHCPINFORM"
it_env_has connect "CISCO_SPLIT_INC=3"
it_env_has connect "CISCO_SPLIT_INC_0_ADDR=10.20.0.0"
it_env_has connect "CISCO_SPLIT_INC_0_MASK=255.255.0.0"
it_env_has connect "CISCO_SPLIT_INC_0_MASKLEN=16"
it_env_has connect "CISCO_SPLIT_INC_1_ADDR=10.30.0.0"
it_env_has connect "CISCO_SPLIT_INC_2_ADDR=0.0.0.0"
it_env_has connect "CISCO_SPLIT_INC_2_MASKLEN=0"
it_ok "script environment: domain + search, 2 DNS, WINS, 2 routes + default"
route_via_tun 10.20.0.0/16
route_via_tun 10.30.0.0/16
ip -n "$IT_NS" route show default | grep -q "dev $(it_tundev)" ||
	it_fail "full tunnel: no default route via the tunnel: $(ip -n "$IT_NS" route | tr '\n' ';')"
ip -n "$IT_NS" route show "$LAB_PPTPD_SERVER" | grep -q "dev $LAB_PPTPD_TAP" ||
	it_fail "the gateway is not routed outside the tunnel: $(ip -n "$IT_NS" route show "$LAB_PPTPD_SERVER")"
it_ok "routes 10.20/16, 10.30/16 and default via $(it_tundev); gateway $LAB_PPTPD_SERVER via $LAB_PPTPD_TAP"
grep -q '^nameserver 10.20.0.53' "$(it_netns_resolv)" && grep -q '^nameserver 10.20.0.54' "$(it_netns_resolv)" ||
	it_fail "the DHCP DNS servers are not in resolv.conf: $(cat "$(it_netns_resolv)")"
grep -q 'corp.example' "$(it_netns_resolv)" || it_fail "the domain is not in resolv.conf"
! grep -q "nameserver $LAB_PPP_DNS" "$(it_netns_resolv)" || it_fail "IPCP's DNS was not overridden"
it_ok "resolv.conf: DHCP's DNS servers (IPCP's overridden) and the domain"
it_ping "$TARGET"
down
it_assert_clean

# --- 2. split tunnel, option 249 only ------------------------------------------
it_start_lab PPTPD_DHCP="$OPTS_249"
guest_target
outside_default
up -o never-default=yes
wait_dhcp
it_grep_err 'routes: 10\.20\.0\.0/16, 10\.30\.0\.0/16, 192\.168\.40\.0/24 \(DHCPINFORM option 249\); domain corp\.example'
it_env_has connect "CISCO_SPLIT_INC=3"
it_env_has connect "CISCO_SPLIT_INC_2_ADDR=192.168.40.0"
it_env_has connect "CISCO_SPLIT_INC_2_MASK=255.255.255.0"
it_env_has connect "INTERNAL_IP4_DNS=10.20.0.53"
it_env_has connect "CISCO_DEF_DOMAIN=corp.example"
route_via_tun 10.20.0.0/16
route_via_tun 10.30.0.0/16
route_via_tun 192.168.40.0/24
ip -n "$IT_NS" route show default | grep -q "via $OUTSIDE_GW dev $LAB_PPTPD_TAP" ||
	it_fail "split tunnel: the default route changed: $(ip -n "$IT_NS" route | tr '\n' ';')"
ip -n "$IT_NS" route get 198.51.100.7 | grep -q "dev $LAB_PPTPD_TAP" ||
	it_fail "split tunnel: other traffic does not stay outside"
it_ok "split (249): pushed routes + class C route via the tunnel, default route outside untouched"
f=$IT_TMP/payload
head -c 65536 /dev/urandom >"$f"
sha=$(sha256sum <"$f" | cut -d' ' -f1)
m=$(lab_sink_mark)
lab_tcp_send "$TARGET" "$LAB_SINK_PORT" "$f" || it_fail "TCP to $TARGET:$LAB_SINK_PORT failed"
read -r b s < <(lab_sink_wait "$m" 30) || it_fail "the guest's sink saw no connection"
[ "$b" = 65536 ] && [ "$s" = "$sha" ] || it_fail "sink got $b bytes sha $s"
it_ok "64 KiB to $TARGET (inside a pushed prefix) reached the guest's sink through the tunnel"
down
it_assert_clean_split() {
	ip -n "$IT_NS" route show default | grep -q "via $OUTSIDE_GW" || it_fail "the outside default route is gone"
	! ip -n "$IT_NS" route show | grep -q winvpn || it_fail "routes left: $(ip -n "$IT_NS" route show)"
}
it_assert_clean_split

# --- 3. split, disable-class-route, a user route ---------------------------------
up -o never-default=yes -o disable-class-route=yes -o routes=172.16.5.0/24
wait_dhcp
no_route 192.168.40.0/24
route_via_tun 172.16.5.0/24
route_via_tun 10.20.0.0/16
it_env_has connect "CISCO_SPLIT_INC=3"
it_ok "disable-class-route: no 192.168.40.0/24; the user's 172.16.5.0/24 via the tunnel"
down
it_assert_clean_split
outside_default_del

# --- 3b. dhcp-inform=no: nothing asked, IPCP's configuration at once -------------
mark=$(lab_server_log_mark)
up -o dhcp-inform=no
it_env_has connect "WINVPN_IP4_SOURCE=IPCP"
it_env_has connect "INTERNAL_IP4_DNS=$LAB_PPP_DNS"
sleep 1
! lab_server_log_since "$mark" | grep -q 'DHCPINFORM' || it_fail "dhcp-inform=no still sent a DHCPINFORM"
it_ok "dhcp-inform=no: no DHCPINFORM reached the server's dnsmasq; IPCP's DNS"
down
it_assert_clean

# --- 4. a late answer ----------------------------------------------------------
lab_guest_exec 'kill $(cat /run/dnsmasq-winvpn.pid)' >/dev/null || it_fail "cannot stop the guest's dnsmasq"
up -v
it_env_has connect "WINVPN_IP4_SOURCE=IPCP"
it_env_has connect "INTERNAL_IP4_DNS=$LAB_PPP_DNS"
lab_guest_exec 'dnsmasq --conf-file=/mnt/cfg/dhcp.conf --pid-file=/run/dnsmasq-winvpn.pid' >/dev/null ||
	it_fail "cannot start the guest's dnsmasq again"
for _ in $(seq 1 150); do
	[ "$(grep -c '^== connect' "$IT_ENVLOG")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c '^== connect' "$IT_ENVLOG")" -ge 2 ] || it_fail "no second configuration after the late DHCPACK"
# cmd-connect applies an update as disconnect (old) then connect (new)
[ "$(grep '^== ' "$IT_ENVLOG" | tail -3 | tr '\n' ' ')" = "== connect == disconnect == connect " ] ||
	it_fail "the update was not disconnect + connect: $(grep '^== ' "$IT_ENVLOG" | tr '\n' ' ')"
it_env_has disconnect "INTERNAL_IP4_DNS=$LAB_PPP_DNS"
it_env_has connect "WINVPN_IP4_SOURCE=IPCP+DHCPINFORM"
it_env_has connect "INTERNAL_IP4_DNS=10.20.0.53"
sleep 0.5
route_via_tun 10.20.0.0/16
grep -q '^nameserver 10.20.0.53' "$(it_netns_resolv)" || it_fail "resolv.conf not updated"
it_ok "late DHCPACK: second configuration applied (disconnect + connect), routes and DNS updated"
it_ping "$TARGET"
down
it_assert_clean

# --- 5. no DHCP server -----------------------------------------------------------
it_start_lab
up
with_dhcp_s=$UP_S
it_env_has connect "WINVPN_IP4_SOURCE=IPCP"
it_env_has connect "INTERNAL_IP4_DNS=$LAB_PPP_DNS"
! it_env_of connect | grep -q '^CISCO_SPLIT_INC' || it_fail "routes without DHCP in full-tunnel mode"
! grep -qiE 'error|fail' "$IT_ERR" || it_fail "the client complained: $(grep -iE 'error|fail' "$IT_ERR")"
grep -q "nameserver $LAB_PPP_DNS" "$(it_netns_resolv)" || it_fail "IPCP's DNS not in resolv.conf"
it_ok "no DHCP relay: up quietly in $with_dhcp_s s with IPCP's DNS"
it_ping "$LAB_PPP_SERVER_IP"
down
it_assert_clean
up -v
it_grep_err "no DHCPACK within 1000 ms; reporting IPCP's configuration"
it_ok "with no answer, IPCP's configuration was reported when the 1000 ms wait ran out"
down
up -o dhcp-inform=no
it_log "the DHCPINFORM wait (wall clock, one sample each): up in $with_dhcp_s s with dhcp-inform=yes and no answer, $UP_S s with dhcp-inform=no"
down

# --- 6. a bad routes setting ----------------------------------------------------------
it_connect -s "$IT_REC" -o routes="10.0.0.0/8 10.1.0/33"
it_wait_exit 10
[ "$IT_RC" = 2 ] || it_fail "exit status $IT_RC for a bad routes setting, expected 2"
it_grep_err "invalid routes: '10\.1\.0/33' is not an IPv4 prefix"
it_ok "bad routes setting: exit 2, the bad prefix quoted"

# --- 7. L2TP/IPsec: xl2tpd + strongSwan with a dnsmasq on its PPP links ------------
export XL2TPD_NETNS=$IT_NS
lab_use_xl2tpd
TARGET=10.21.0.1
env XL2TPD_IPSEC=yes XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none \
	XL2TPD_DHCP="15,l2tp.example;6,10.21.0.53;44,10.21.0.55;121,10.21.0.0/16,0.0.0.0" \
	"$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
	{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
guest_target
mark=$(lab_server_log_mark)
: >"$IT_ENVLOG"; : >"$IT_OUT"; : >"$IT_ERR"
(umask 077; printf '%s\n' "${XL2TPD_IPSEC_PSK:-vpnpsk123}" >"$IT_TMP/psk")
T0=$(lab_now)
ip netns exec "$IT_NS" "$WINVPN" connect --passwd-on-stdin -u "$LAB_USER" --psk-fd 3 -p l2tp \
	-s "$IT_REC" -o ipv6=no -v "$LAB_XL2TPD_SERVER" <<<"$LAB_PASS" 3<"$IT_TMP/psk" \
	>"$IT_OUT" 2>"$IT_ERR" &
# shellcheck disable=SC2034  # read by lib.sh (it_wait_up, it_disconnect)
IT_PID=$!
it_wait_up 30
wait_dhcp
it_grep_err "IPsec SA with $LAB_XL2TPD_SERVER is up"
lab_server_log_since "$mark" | grep -q 'DHCPACK(ppp[0-9]*) 192.168.41' ||
	it_fail "xl2tpd guest: dnsmasq did not answer the DHCPINFORM"
it_grep_err 'routes: 10\.21\.0\.0/16 \(DHCPINFORM option 121\); domain l2tp\.example'
it_env_has connect "CISCO_DEF_DOMAIN=l2tp.example"
it_env_has connect "INTERNAL_IP4_DNS=10.21.0.53"
it_env_has connect "INTERNAL_IP4_NBNS=10.21.0.55"
route_via_tun 10.21.0.0/16
grep -q '^nameserver 10.21.0.53' "$(it_netns_resolv)" || it_fail "L2TP/IPsec: DHCP's DNS not in resolv.conf"
it_ok "L2TP/IPsec: DHCPINFORM answered through ESP (up in $(lab_elapsed "$T0") s): domain, DNS, WINS, route"
it_ping "$TARGET"
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "L2TP/IPsec: exit status $IT_RC after Ctrl-C"
! ip -n "$IT_NS" -o link show | grep -q 'winvpn[0-9]' || it_fail "a tun device is left"
! ip -n "$IT_NS" route show | grep -q winvpn || it_fail "routes left: $(ip -n "$IT_NS" route show)"
! grep -q '10.21.0.53' "$(it_netns_resolv)" || it_fail "the DHCP DNS server is left in resolv.conf"
it_ok "L2TP/IPsec: Ctrl-C, nothing left behind"
it_done
