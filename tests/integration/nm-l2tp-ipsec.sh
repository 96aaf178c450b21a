#!/bin/bash
# NetworkManager drives nm-winvpn-service against L2TP/IPsec: strongSwan +
# xl2tpd + pppd in the xl2tpd guest (tests/lab/xl2tpd.sh, XL2TPD_IPSEC=yes).
# A real NetworkManager (tests/lab/nm.sh) activates a winvpn connection with
# the pre-shared key in vpn.secrets: "activated", NM's IP4 config is what the
# gateway gave (address from the pool, point-to-point peer, MTU; and from its
# DHCP relay answering DHCPINFORM: DNS, domain, a classless route, over which a
# host behind the gateway answers) and every route the service reported, the default route goes through the
# tunnel, the IPv6 address the service reported is on the tunnel (NM's IP6
# config), pings pass, and "down" leaves no tun device, no service and no SA in
# charon.  Split tunnel: ipv4.never-default=yes reaches the engine (the service
# reports never-default, NM installs no default route through the tunnel) and
# the gateway stays reachable.  With redial on, the gateway hanging up makes NM
# show the VPN connecting, then activated again on the same tun device (never
# failed), and pings pass again.  A wrong pre-shared key ends in NM's
# login-failed reason with the engine's sentence in NM's log.  Then, if the
# pptpd guest starts too, one PPTP (full tunnel) and one L2TP/IPsec (split)
# connection are up at once, each carrying pings; the pptpd guest's router
# advertisement arrives after the IPv4 report, and NM applies the update (the
# SLAAC address, the RFC 4191 route) on the activated connection: ping6 passes.
#
# NM's uplink is the namespace of the lab's TAP links ($IT_NS), which forwards;
# the guests get a route back to NM's 198.51.100.0/24.
. "$(dirname "$0")/lib.sh"

SERVICE=$(readlink -f "$top_builddir/nm-plugin/nm-winvpn-service")
NAME_FILE=$top_builddir/nm-plugin/nm-winvpn-service.name
[ -x "$SERVICE" ] && [ -f "$NAME_FILE" ] ||
	{ echo "SKIP: nm-winvpn-service is not built (configured --without-gnome?)"; exit 77; }
NMLAB="$LAB_DIR/nm.sh"
export NM_LAB_RUN=$LAB_STATE/lab/nm NM_LAB_NS=$IT_NS-nm NM_LAB_UPLINK_NS=$IT_NS
export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes PPTPD_NETNS=$IT_NS
NM_NS=$NM_LAB_NS
NMLOG=$NM_LAB_RUN/nm.log
VPN_TYPE=org.freedesktop.NetworkManager.winvpn
VPN_SIGNALS="type='signal',interface='org.freedesktop.NetworkManager.VPN.Connection'"
PSK=${XL2TPD_IPSEC_PSK:-vpnpsk123}
NM_NET=198.51.100.0/24
XL2TPD_ROUTE=
PPTPD_ROUTE=
PPTPD_STARTED=
MONITOR_PID=

nm_cleanup() {
	# (set -e is on: nothing here may fail a test that passed)
	if [ -n "$MONITOR_PID" ]; then kill "$MONITOR_PID" 2>/dev/null || true; fi
	bash "$NMLAB" stop >/dev/null 2>&1 || true
	if [ -n "$XL2TPD_ROUTE" ]; then
		lab_use_xl2tpd
		lab_guest_exec -t 10 "ip route del $XL2TPD_ROUTE" >/dev/null 2>&1 || true
	fi
	if [ -n "$PPTPD_STARTED" ]; then
		"$LAB_DIR/pptpd.sh" stop >/dev/null 2>&1 || true
	fi
	"$LAB_DIR/xl2tpd.sh" stop >/dev/null 2>&1 || true
	# Whichever guest created $IT_NS deletes it once nothing runs in it: its
	# first stop found the other guest still there.
	if [ -n "$PPTPD_STARTED" ]; then
		"$LAB_DIR/pptpd.sh" stop >/dev/null 2>&1 || true
	fi
	# A guest an earlier test left running was stopped here, not by its creator:
	# an empty namespace (no process, only lo) goes too.
	if ip netns list | awk '{ print $1 }' | grep -qx "$IT_NS" &&
		[ -z "$(ip netns pids "$IT_NS" 2>/dev/null)" ] &&
		[ "$(ip -n "$IT_NS" -o link show 2>/dev/null | awk '{ print $2 }')" = "lo:" ]; then
		ip netns del "$IT_NS" 2>/dev/null || true
	fi
	it_cleanup
}
trap nm_cleanup EXIT

nm_fail() {
	cp "$NMLOG" "$LAB_STATE/lab/nm-l2tp-ipsec-failed.log" 2>/dev/null || true
	echo "--- NetworkManager log, last 60 lines (all: $LAB_STATE/lab/nm-l2tp-ipsec-failed.log):"
	tail -60 "$NMLOG" 2>/dev/null || true
	it_fail "$*"
}

monitor() {
	dbus-monitor --system "$1" >"$IT_TMP/monitor.out" 2>&1 &
	MONITOR_PID=$!
	sleep 0.3
}
monitor_stop() { kill "$MONITOR_PID" 2>/dev/null || true; MONITOR_PID=; }
monitor_has() { tr -s ' \n' ' ' <"$IT_TMP/monitor.out" | grep -q -- "$1"; }

lab_apt_install network-manager dbus-daemon dbus-bin libglib2.0-bin iputils-ping procps \
	>/dev/null || it_fail "cannot install NetworkManager and the D-Bus tools"

t0=$(lab_now)
lab_use_xl2tpd
# The gateway's DHCP relay (dnsmasq on its PPP links) answers DHCPINFORM, as RRAS
# does: a domain, a DNS server (it overrides IPCP's) and a classless route to a
# network behind the gateway, 10.21.0.1 (added to the guest's lo).
DHCP_DOMAIN=corp.example DHCP_DNS=10.21.0.53 DHCP_NET=10.21.0.0/16 TARGET=10.21.0.1
export XL2TPD_DHCP="15,$DHCP_DOMAIN;6,$DHCP_DNS;121,$DHCP_NET,0.0.0.0"
"$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
	{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
it_log "lab xl2tpd + strongSwan up in $(lab_elapsed "$t0") s"
XL2TPD_ROUTE="$NM_NET via $LAB_XL2TPD_HOST_IP"
lab_guest_exec -t 10 "ip route replace $XL2TPD_ROUTE" >/dev/null ||
	it_fail "cannot add the xl2tpd guest's route back to NM"
lab_guest_exec -t 10 "ip addr replace $TARGET/32 dev lo" >/dev/null ||
	it_fail "cannot add $TARGET in the xl2tpd guest"
CHARON_LOG=$LAB_XL2TPD_RUN/charon.log

mkdir -p "$IT_TMP/vpn" "$IT_TMP/dbus"
sed "s|^program=.*|program=$SERVICE|" "$NAME_FILE" >"$IT_TMP/vpn/nm-winvpn-service.name"
cp "$top_srcdir/nm-plugin/nm-winvpn-service.conf" "$IT_TMP/dbus/"
t1=$(lab_now)
NM_LAB_VPN_DIR=$IT_TMP/vpn NM_LAB_DBUS_POLICY_DIR=$IT_TMP/dbus bash "$NMLAB" restart \
	>"$IT_TMP/nm-lab.out" 2>&1 ||
	{ cat "$IT_TMP/nm-lab.out"; nm_fail "NetworkManager did not start"; }
eval "$(bash "$NMLAB" env)"
it_log "NetworkManager up in $(lab_elapsed "$t1") s"
ip netns exec "$NM_NS" ping -c 1 -W 2 "$LAB_XL2TPD_SERVER" >/dev/null ||
	nm_fail "NM's namespace cannot reach the gateway $LAB_XL2TPD_SERVER through its uplink"
it_ok "NetworkManager running, gateway $LAB_XL2TPD_SERVER reachable"

# add_l2tp NAME PSK [more vpn.data]: password and PSK stored with the connection
# (flags 0).  The lab's secrets are public test values.
add_l2tp() {
	nmcli connection add type vpn con-name "$1" ifname '*' vpn-type "$VPN_TYPE" \
		vpn.data "gateway=$LAB_XL2TPD_SERVER, protocol=l2tp, user=$LAB_USER, password-flags=0, ipsec-psk-flags=0${3:+, $3}" \
		vpn.secrets "password=$LAB_PASS, ipsec-psk=$2" >/dev/null ||
		nm_fail "nmcli connection add $1 failed"
}
tun_devices() {
	ip -n "$NM_NS" -o -4 addr show 2>/dev/null | awk '$2 ~ /^winvpn/ { print $2, $4 }'
}
tun_gone() { [ -z "$(ip -n "$NM_NS" -o link show 2>/dev/null | grep -o 'winvpn[0-9]*')" ]; }
service_pids() { pgrep -f "^$SERVICE( |$)" || true; }
no_tun_no_service() { tun_gone && [ -z "$(service_pids)" ]; }
leftovers() { echo "tun '$(tun_devices)', service pids '$(service_pids | tr '\n' ' ')'"; }
con_state() { nmcli -g GENERAL.STATE connection show "$1" 2>/dev/null || true; }
ping_count() {
	ip netns exec "$NM_NS" ping -c 4 -i 0.2 -W 2 "$@" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
charon_mark() { stat -c %s "$CHARON_LOG" 2>/dev/null || echo 0; }
_charon_has() { tail -c +$(($1 + 1)) "$CHARON_LOG" | grep -Eq -- "$2"; }
no_sa() {
	[ -z "$(lab_guest_exec -t 10 'swanctl --list-sas --noblock 2>/dev/null' |
		grep -E 'ESTABLISHED|INSTALLED')" ]
}
# NM's view must hold every route and the domain the service reported since
# line $1 of NM's log ("reporting winvpn0 to NetworkManager: ...; routes A/N
# B/M via G; domain D (...)"): what the gateway pushed (DHCPINFORM) and what the
# engine added (the class route in split mode).
REPORTED=0
REPORT_LINE=
check_reported() {   # check_reported LOG-LINE TUN CONNECTION; REPORTED = routes checked
	local from=$1 tun=$2 r d n=0
	REPORT_LINE=$(tail -n +"$from" "$NMLOG" | grep 'nm-winvpn\[.*reporting .* to NetworkManager: address' | tail -1)
	[ -n "$REPORT_LINE" ] || nm_fail "no 'reporting ... to NetworkManager' line from the service"
	for r in $(sed -n 's/.*; routes \(.*\); domain .*/\1/p' <<<"$REPORT_LINE" |
		grep -oE '[0-9.]+/[0-9]+'); do
		ip -n "$NM_NS" route show "$r" | grep -q "dev $tun" ||
			nm_fail "the service reported route $r; NM did not install it on $tun:" \
				"$(ip -n "$NM_NS" route)"
		n=$((n + 1))
	done
	d=$(sed -n 's/.*; domain \([^ ]*\) (.*/\1/p' <<<"$REPORT_LINE")
	if [ -n "$d" ] && [ "$d" != none ]; then
		nmcli -g IP4.DOMAIN connection show "$3" | tr '|' '\n' | grep -qx "$d" ||
			nm_fail "the service reported domain $d; NM's IP4.DOMAIN is" \
				"'$(nmcli -g IP4.DOMAIN connection show "$3")'"
	fi
	REPORTED=$n
}

# --- 1. up: activated, NM applied what the gateway gave, traffic passes -------------
add_l2tp wv-l2tp "$PSK"
l0=$(wc -l <"$NMLOG")
mark=$(charon_mark)
t1=$(lab_now)
nmcli --wait 45 connection up wv-l2tp >"$IT_TMP/up.out" 2>&1 ||
	{ cat "$IT_TMP/up.out"; nm_fail "nmcli connection up wv-l2tp failed"; }
t_up=$(lab_elapsed "$t1")
[ "$(con_state wv-l2tp)" = activated ] ||
	nm_fail "wv-l2tp is '$(con_state wv-l2tp)', not activated"
_charon_has "$mark" 'CHILD_SA .* established' ||
	nm_fail "charon's log shows no CHILD_SA established for us"
it_ok "nmcli connection up (L2TP/IPsec, PSK): activated in $t_up s, charon has the SA"
addr=$(nmcli -g IP4.ADDRESS connection show wv-l2tp)
case $addr in
192.168.41.1[0-9]/32 | 192.168.41.20/32) ;;
*) nm_fail "NM's IP4.ADDRESS is '$addr', not from the pool $LAB_PPP_POOL" ;;
esac
dns=$(nmcli -g IP4.DNS connection show wv-l2tp)
[ "$dns" = "$DHCP_DNS" ] ||
	nm_fail "NM's IP4.DNS is '$dns', expected $DHCP_DNS (DHCPINFORM's, over IPCP's $LAB_PPP_DNS)"
read -r tun tunaddr < <(tun_devices)
[ -n "$tun" ] || nm_fail "no winvpn tun device in NM's namespace"
[ "$tunaddr/32" = "$addr" ] || nm_fail "$tun has $tunaddr, NM says $addr"
ip -n "$NM_NS" -o -4 addr show dev "$tun" | grep -q "peer $LAB_PPP_SERVER_IP/32" ||
	nm_fail "$tun has no point-to-point peer $LAB_PPP_SERVER_IP"
want_mtu=$(tail -n +"$l0" "$NMLOG" | grep 'nm-winvpn\[.*connected to .*, MTU ' | tail -1 |
	sed -n 's/.*, MTU \([0-9]*\),.*/\1/p')
mtu=$(ip -n "$NM_NS" -o link show dev "$tun" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
[ -n "$want_mtu" ] && [ "$mtu" = "$want_mtu" ] ||
	nm_fail "$tun MTU $mtu, the engine negotiated '$want_mtu'"
ip -n "$NM_NS" route show default | grep -q "dev $tun" ||
	nm_fail "NM did not route the default through $tun: $(ip -n "$NM_NS" route)"
check_reported "$l0" "$tun" wv-l2tp
# What the DHCP relay pushed, as NM has it.
grep -qE "; routes.* $DHCP_NET( |;)" <<<"$REPORT_LINE" ||
	nm_fail "the service did not report DHCPINFORM's route $DHCP_NET: $REPORT_LINE"
nmcli -g IP4.DOMAIN connection show wv-l2tp | tr '|' '\n' | grep -qx "$DHCP_DOMAIN" ||
	nm_fail "NM's IP4.DOMAIN is '$(nmcli -g IP4.DOMAIN connection show wv-l2tp)', not $DHCP_DOMAIN"
nmcli -g IP4.ROUTE connection show wv-l2tp | grep -qF "dst = $DHCP_NET" ||
	nm_fail "NM's IP4.ROUTE lacks $DHCP_NET: $(nmcli -g IP4.ROUTE connection show wv-l2tp)"
it_ok "NM applied the gateway's config: $tun $addr peer $LAB_PPP_SERVER_IP, MTU $mtu," \
	"default route; DHCPINFORM's DNS $dns, domain $DHCP_DOMAIN, route $DHCP_NET" \
	"($REPORTED reported route(s) checked)"
n=$(ping_count "$TARGET")
[ "${n:-0}" -ge 2 ] || nm_fail "ping $TARGET (behind the gateway, $DHCP_NET): ${n:-0} of 4 answered"
it_ok "ping $TARGET behind the gateway through the tunnel: $n of 4 answered"
# IPv6 (IPV6CP; the lab's pppd offers it): what the service reported is what NM
# put on the tunnel.
a6=$(tail -n +"$l0" "$NMLOG" | sed -n 's/.*nm-winvpn\[.*reporting IPv6 on .* to NetworkManager: address \([0-9a-f:]*\/[0-9]*\);.*/\1/p' | tail -1)
if [ -n "$a6" ]; then
	# ("inet6 fe80::a peer fe80::b/64" for a point-to-point link-local address)
	ip -n "$NM_NS" -o -6 addr show dev "$tun" | grep -qE " inet6 ${a6%/*}(/| )" ||
		nm_fail "the service reported IPv6 $a6; $tun has: $(ip -n "$NM_NS" -o -6 addr show dev "$tun")"
	nmcli -g IP6.ADDRESS connection show wv-l2tp | sed 's/\\//g' | tr '|' '\n' | grep -qx "$a6" ||
		nm_fail "NM's IP6.ADDRESS is '$(nmcli -g IP6.ADDRESS connection show wv-l2tp)', not $a6"
	it_ok "IPv6: NM applied the reported $a6 on $tun"
else
	it_log "no IPv6 reported (the engine did not bring IPV6CP up): IPv6 not checked"
fi
n=$(ping_count "$LAB_PPP_SERVER_IP")
[ "${n:-0}" -ge 2 ] || nm_fail "ping $LAB_PPP_SERVER_IP through $tun: ${n:-0} of 4 answered"
it_ok "ping $LAB_PPP_SERVER_IP through the tunnel: $n of 4 answered"
grep -qF "$PSK" "$NMLOG" && nm_fail "the pre-shared key is in NetworkManager's log"
pid=$(service_pids | head -1)
[ -n "$pid" ] && ! tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF "$PSK" &&
	! tr '\0' '\n' <"/proc/$pid/environ" | grep -qF "$PSK" ||
	nm_fail "the pre-shared key is in the service's argv or environment"
it_ok "the pre-shared key is not in NM's log, the service's argv or environment"

# --- 2. down: nothing left ------------------------------------------------------------
t1=$(lab_now)
nmcli --wait 30 connection down wv-l2tp >/dev/null || nm_fail "nmcli connection down failed"
lab_wait_until 15 no_tun_no_service || nm_fail "after down: $(leftovers)"
lab_wait_until 10 no_sa || nm_fail "charon still has SAs after down"
ip -n "$NM_NS" route show default | grep -q winvpn && nm_fail "a default route via winvpn is left"
it_ok "nmcli connection down: no tun, no service, no SA in charon after $(lab_elapsed "$t1") s"

# --- 3. split tunnel: ipv4.never-default ----------------------------------------------
nmcli connection modify wv-l2tp ipv4.never-default yes || nm_fail "cannot set never-default"
l0=$(wc -l <"$NMLOG")
nmcli --wait 45 connection up wv-l2tp >"$IT_TMP/up2.out" 2>&1 ||
	{ cat "$IT_TMP/up2.out"; nm_fail "wv-l2tp (never-default) did not come up"; }
read -r tun tunaddr < <(tun_devices)
[ -n "$tun" ] || nm_fail "no tun device in split mode"
check_reported "$l0" "$tun" wv-l2tp
grep -q 'split tunnel' <<<"$REPORT_LINE" ||
	nm_fail "the service did not report never-default (split tunnel): $REPORT_LINE"
ip -n "$NM_NS" route show default | grep -q "dev $tun" &&
	nm_fail "split tunnel, yet a default route through $tun: $(ip -n "$NM_NS" route)"
ip -n "$NM_NS" -6 route show default | grep -q "dev $tun" &&
	nm_fail "split tunnel, yet an IPv6 default route through $tun: $(ip -n "$NM_NS" -6 route)"
n=$(ping_count "$LAB_PPP_SERVER_IP")
[ "${n:-0}" -ge 2 ] || nm_fail "split tunnel: ping $LAB_PPP_SERVER_IP: ${n:-0} of 4 answered"
n=$(ping_count "$TARGET")
[ "${n:-0}" -ge 2 ] ||
	nm_fail "split tunnel: ping $TARGET over DHCPINFORM's route: ${n:-0} of 4 answered"
it_ok "split tunnel: never-default reported, no default route through $tun," \
	"$REPORTED reported route(s) installed, $LAB_PPP_SERVER_IP and $TARGET still answer"
nmcli --wait 30 connection down wv-l2tp >/dev/null || nm_fail "down (split) failed"
lab_wait_until 15 no_tun_no_service || nm_fail "after down (split): $(leftovers)"
lab_wait_until 10 no_sa || nm_fail "charon still has SAs after the split-tunnel down"

# --- 3b. redial: the gateway hangs up, the engine dials again, NM follows -------------
# The service tells NM STARTED -> STARTING on the engine's redialing callback and
# reports the new configuration when the link is back: NM shows the VPN as
# connecting, then activated again -- never failed -- on the same tun device.
nmcli connection modify wv-l2tp ipv4.never-default no \
	+vpn.data 'redial=yes, redial-interval=1, redial-attempts=3' ||
	nm_fail "cannot turn redial on"
nmcli --wait 45 connection up wv-l2tp >/dev/null || nm_fail "wv-l2tp (redial) did not come up"
read -r tun tunaddr < <(tun_devices)
monitor "$VPN_SIGNALS,member='VpnStateChanged'"
l0=$(wc -l <"$NMLOG")
t1=$(lab_now)
lab_server_kill_pppd KILL >/dev/null || nm_fail "no server pppd to kill"
redialled() { tail -n +"$l0" "$NMLOG" | grep -q 'nm-winvpn\[.*link lost (.*): dialling again, attempt 1 of 3'; }
lab_wait_until 30 redialled || nm_fail "the service did not log the redial"
back() {
	tail -n +"$l0" "$NMLOG" | grep -q 'nm-winvpn\[.*reporting again .* to NetworkManager' &&
		[ "$(con_state wv-l2tp)" = activated ] && [ -n "$(tun_devices)" ]
}
lab_wait_until 45 back ||
	nm_fail "after the redial: state '$(con_state wv-l2tp)', tun '$(tun_devices)'"
t_back=$(lab_elapsed "$t1")
monitor_stop
# VpnStateChanged(state, reason): 3 CONNECT on the way, never 6 FAILED
monitor_has 'uint32 3 uint32' ||
	{ cat "$IT_TMP/monitor.out"; nm_fail "NM never showed the VPN connecting again"; }
monitor_has 'uint32 6 uint32' &&
	{ cat "$IT_TMP/monitor.out"; nm_fail "NM saw the VPN fail during the redial"; }
read -r tun2 tunaddr2 < <(tun_devices)
[ "$tun2" = "$tun" ] || nm_fail "the tun device changed across the redial: $tun -> $tun2"
n=$(ping_count "$LAB_PPP_SERVER_IP")
[ "${n:-0}" -ge 2 ] || nm_fail "after the redial: ping $LAB_PPP_SERVER_IP: ${n:-0} of 4 answered"
it_ok "redial: gateway hung up, NM went connecting -> activated (not failed) on $tun" \
	"in $t_back s, address $tunaddr2, pings pass"
nmcli --wait 30 connection down wv-l2tp >/dev/null || nm_fail "down (redial) failed"
lab_wait_until 15 no_tun_no_service || nm_fail "after down (redial): $(leftovers)"
lab_wait_until 10 no_sa || nm_fail "charon still has SAs after the redial case"
nmcli connection modify wv-l2tp ipv4.never-default yes || nm_fail "cannot set never-default"

# --- 4. wrong pre-shared key: login-failed ------------------------------------------
add_l2tp wv-badpsk wrong-psk
monitor "$VPN_SIGNALS,member='VpnStateChanged'"
l0=$(wc -l <"$NMLOG")
nmcli --wait 45 connection up wv-badpsk >"$IT_TMP/wrong.out" 2>&1 && nm_fail "wv-badpsk came up"
stopped() { tail -n +"$l0" "$NMLOG" | grep -q 'state changed: stopped'; }
lab_wait_until 10 stopped || nm_fail "NM did not see the plugin stop"
last=$(tail -n +"$l0" "$NMLOG" | sed -n '/state changed: stopped/q;p' |
	grep -oE '(dbus: failure|VPN plugin: failed): [a-z-]+' | tail -1)
[ "${last##* }" = login-failed ] ||
	nm_fail "the last failure NM saw before the plugin stopped is '$last', not login-failed"
tail -n +"$l0" "$NMLOG" | grep -q 'nm-winvpn\[.*pre-shared key does not match' ||
	nm_fail "the engine's sentence about the pre-shared key is not in NM's log"
lab_wait_until 5 monitor_has 'uint32 6 uint32 10' ||
	{ cat "$IT_TMP/monitor.out"; nm_fail "no VpnStateChanged(FAILED, LOGIN_FAILED) on D-Bus"; }
monitor_stop
lab_wait_until 15 no_tun_no_service || nm_fail "after the wrong PSK: $(leftovers)"
it_ok "wrong pre-shared key: NM's reason is login-failed (log and D-Bus)," \
	"the engine's sentence in NM's log, nothing left"
nmcli connection delete wv-badpsk >/dev/null

# --- 5. PPTP and L2TP/IPsec at once ----------------------------------------------------
# Two full tunnels cannot both own the default route: the L2TP/IPsec one stays
# split (never-default from section 3), PPTP takes the default.
t1=$(lab_now)
PPTPD_STARTED=1   # (cleanup stops it even if start fails half-way)
# The pptpd guest with IPv6: IPV6CP, then radvd advertises fd00:98:40::/64 (SLAAC),
# a route to fd00:99::/48 and RDNSS -- after the IPv4 report, so the service sends
# NM the whole configuration again on the activated connection.
if PPTPD_IPV6=yes "$LAB_DIR/pptpd.sh" start >"$IT_TMP/pptpd.out" 2>&1; then
	lab_use_pptpd
	PPTPD_ROUTE="$NM_NET via $LAB_PPTPD_HOST_IP"
	lab_guest_exec -t 10 "ip route replace $PPTPD_ROUTE" >/dev/null ||
		it_fail "cannot add the pptpd guest's route back to NM"
	it_log "lab pptpd up next to xl2tpd in $(lab_elapsed "$t1") s"
	nmcli connection add type vpn con-name wv-pptp ifname '*' vpn-type "$VPN_TYPE" \
		vpn.data "gateway=$LAB_PPTPD_SERVER, user=$LAB_USER, password-flags=0" \
		vpn.secrets "password=$LAB_PASS" >/dev/null || nm_fail "add wv-pptp failed"
	nmcli --wait 45 connection up wv-l2tp >/dev/null || nm_fail "wv-l2tp did not come up again"
	nmcli --wait 30 connection up wv-pptp >"$IT_TMP/pptp.out" 2>&1 ||
		{ cat "$IT_TMP/pptp.out"; nm_fail "wv-pptp did not come up next to wv-l2tp"; }
	[ "$(con_state wv-l2tp)" = activated ] && [ "$(con_state wv-pptp)" = activated ] ||
		nm_fail "states: l2tp '$(con_state wv-l2tp)', pptp '$(con_state wv-pptp)'"
	[ "$(service_pids | wc -l)" = 2 ] ||
		nm_fail "expected 2 service processes: $(service_pids | tr '\n' ' ')"
	mapfile -t tuns < <(tun_devices)
	[ "${#tuns[@]}" = 2 ] || nm_fail "expected 2 tun devices: ${tuns[*]}"
	for t in "${tuns[@]}"; do
		case ${t#* } in
		192.168.41.*) peer=$LAB_XL2TPD_PPP_SERVER_IP ;;
		*) peer=$LAB_PPTPD_PPP_SERVER_IP ;;
		esac
		n=$(ping_count -I "${t%% *}" "$peer")
		[ "${n:-0}" -ge 2 ] || nm_fail "ping $peer through ${t%% *}: ${n:-0} of 4 answered"
	done
	it_ok "PPTP and L2TP/IPsec at once: two services, ${tuns[*]}, both carry pings"
	# The router advertisement's update, applied by NM on the activated PPTP one.
	ptun=$(tun_devices | awk '$2 ~ /^192\.168\.40\./ { print $1 }')
	ra_reported() {
		grep 'nm-winvpn\[.*reporting IPv6 on '"$ptun"' to NetworkManager: address fd00:98:40:' \
			"$NMLOG" | grep -q .
	}
	lab_wait_until 15 ra_reported ||
		nm_fail "the service never reported the RA's fd00:98:40::/64 address on $ptun"
	a6=$(grep 'nm-winvpn\[.*reporting IPv6 on '"$ptun"' to NetworkManager: address fd00:98:40:' "$NMLOG" |
		tail -1 | sed -n 's/.*address \([0-9a-f:]*\/[0-9]*\);.*/\1/p')
	on_tun() {
		ip -n "$NM_NS" -o -6 addr show dev "$ptun" | grep -qE " inet6 ${a6%/*}/" &&
			ip -n "$NM_NS" -6 route show fd00:99::/48 | grep -q "dev $ptun"
	}
	lab_wait_until 10 on_tun ||
		nm_fail "NM did not apply the update: $ptun has" \
			"'$(ip -n "$NM_NS" -o -6 addr show dev "$ptun")'," \
			"routes '$(ip -n "$NM_NS" -6 route)'"
	[ "$(con_state wv-pptp)" = activated ] || nm_fail "wv-pptp is '$(con_state wv-pptp)' after the update"
	n=$(ip netns exec "$NM_NS" ping -6 -c 4 -i 0.2 -W 2 fd00:99::1 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p')
	[ "${n:-0}" -ge 2 ] || nm_fail "ping fd00:99::1 over the RA's route: ${n:-0} of 4 answered"
	it_ok "IPv6 update on the activated PPTP connection: NM put $a6 and fd00:99::/48" \
		"on $ptun, ping6 fd00:99::1: $n of 4"
	# (whether NM took it as an update: its config6 after "activated")
	sed -n '/"wv-pptp".*set state: activated/,$p' "$NMLOG" |
		grep -q '"wv-pptp".*config6: reply received' &&
		it_log "NM received that IPv6 config while wv-pptp was activated (the update path)" ||
		it_log "the RA came before the IPv4 report this time: the update path was not used"
	nmcli --wait 30 connection down wv-pptp >/dev/null || nm_fail "down wv-pptp failed"
	nmcli --wait 30 connection down wv-l2tp >/dev/null || nm_fail "down wv-l2tp failed"
	lab_wait_until 15 no_tun_no_service || nm_fail "after both down: $(leftovers)"
	lab_guest_exec -t 10 "ip route del $PPTPD_ROUTE" >/dev/null 2>&1 || true
	lab_use_xl2tpd
	it_ok "both down: no tun device, no service process"
else
	it_log "pptpd did not start next to xl2tpd (two guests): two-protocol case not run"
	tail -5 "$IT_TMP/pptpd.out"
fi

bash "$NMLAB" stop >/dev/null 2>&1
! ip netns list | awk '{ print $1 }' | grep -qx "$NM_NS" || it_fail "netns $NM_NS left"
it_ok "NetworkManager lab stopped; whole test $(lab_elapsed "$t0") s"
it_done
