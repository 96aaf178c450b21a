#!/bin/bash
# NetworkManager drives nm-winvpn-service against Poptop pptpd (MS-CHAPv2,
# MPPE-128).  A real NetworkManager (tests/lab/nm.sh) loads the build tree's
# .name file and D-Bus policy; nmcli adds and brings up a winvpn connection;
# NM reaches "activated" with the address, DNS and MTU the gateway gave;
# traffic flows; "down" leaves no tun device and no service process.  Then:
# the password is in no argv, environment or log; a wrong password ends in
# NM's login-failed reason (NM's log and the VPN state reason on D-Bus, not
# nmcli's racy text); two connections (alice, and bob in domain WINVPN) run
# at once, each in its own service process; an unknown key is refused before
# anything is dialled; a gateway that hangs up fails the connection; and the
# interactive secrets exchange (ConnectInteractive -> SecretsRequired ->
# NewSecrets) works on NM's bus.
#
# NM's base connection (nmt0, 198.51.100.2/24) has its uplink in the
# namespace of the lab's pptpd TAP ($IT_NS), which forwards, so NM's default
# route leads to the gateway; the guest gets a route back to 198.51.100.0/24
# for the duration of the test.
. "$(dirname "$0")/lib.sh"

SERVICE=$(readlink -f "$top_builddir/nm-plugin/nm-winvpn-service")
NAME_FILE=$top_builddir/nm-plugin/nm-winvpn-service.name
[ -x "$SERVICE" ] && [ -f "$NAME_FILE" ] ||
	{ echo "SKIP: nm-winvpn-service is not built (configured --without-gnome?)"; exit 77; }
NMLAB="$LAB_DIR/nm.sh"
export NM_LAB_RUN=$LAB_STATE/lab/nm NM_LAB_NS=$IT_NS-nm NM_LAB_UPLINK_NS=$IT_NS
NM_NS=$NM_LAB_NS
NMLOG=$NM_LAB_RUN/nm.log
VPN_TYPE=org.freedesktop.NetworkManager.winvpn
VPN_SIGNALS="type='signal',interface='org.freedesktop.NetworkManager.VPN.Connection'"
GUEST_ROUTE=
MONITOR_PID=
SVC_PID=

nm_cleanup() {
	# (set -e is on: nothing here may fail a test that passed)
	if [ -n "$MONITOR_PID" ]; then kill "$MONITOR_PID" 2>/dev/null || true; fi
	if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; fi
	bash "$NMLAB" stop >/dev/null 2>&1 || true
	if [ -n "$GUEST_ROUTE" ]; then
		lab_guest_exec -t 10 "ip route del $GUEST_ROUTE" >/dev/null 2>&1 || true
	fi
	it_cleanup
}
trap nm_cleanup EXIT

nm_fail() {
	# The next start wipes NM's state directory: keep its log for a post-mortem.
	cp "$NMLOG" "$LAB_STATE/lab/nm-pptp-failed.log" 2>/dev/null || true
	echo "--- NetworkManager log, last 60 lines (all: $LAB_STATE/lab/nm-pptp-failed.log):"
	tail -60 "$NMLOG" 2>/dev/null || true
	it_fail "$*"
}

# monitor FILTER: record the signals matching FILTER into $IT_TMP/monitor.out
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
it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128
GUEST_ROUTE="198.51.100.0/24 via $LAB_PPTPD_HOST_IP"
lab_guest_exec -t 10 "ip route replace $GUEST_ROUTE" >/dev/null ||
	it_fail "cannot add the guest's route"

# The plugin as installed, but with program= pointing at the build tree.
mkdir -p "$IT_TMP/vpn" "$IT_TMP/dbus"
sed "s|^program=.*|program=$SERVICE|" "$NAME_FILE" >"$IT_TMP/vpn/nm-winvpn-service.name"
cp "$top_srcdir/nm-plugin/nm-winvpn-service.conf" "$IT_TMP/dbus/"
t1=$(lab_now)
NM_LAB_VPN_DIR=$IT_TMP/vpn NM_LAB_DBUS_POLICY_DIR=$IT_TMP/dbus bash "$NMLAB" restart \
	>"$IT_TMP/nm-lab.out" 2>&1 ||
	{ cat "$IT_TMP/nm-lab.out"; nm_fail "NetworkManager did not start"; }
eval "$(bash "$NMLAB" env)"
it_log "NetworkManager up in $(lab_elapsed "$t1") s"
nmcli -t -f DEVICE,STATE device | grep -qx nmt0:connected ||
	nm_fail "the base connection is not up"
ip netns exec "$NM_NS" ping -c 1 -W 2 "$LAB_PPTPD_SERVER" >/dev/null ||
	nm_fail "NM's namespace cannot reach the gateway $LAB_PPTPD_SERVER through its uplink"
it_ok "NetworkManager running, base connection up, gateway reachable"

# The .name file makes the short vpn-type work for nmcli in NM's file system
# view, although the [libnm] editor plugin it names is not installed.
bash "$NMLAB" mntexec nmcli connection add type vpn con-name probe ifname '*' \
	vpn-type winvpn vpn.data "gateway=$LAB_PPTPD_SERVER" >"$IT_TMP/probe.out" 2>&1 ||
	{ cat "$IT_TMP/probe.out"; nm_fail "nmcli rejects vpn-type winvpn"; }
[ "$(nmcli -g vpn.service-type connection show probe)" = "$VPN_TYPE" ] ||
	nm_fail "vpn-type winvpn was not resolved to $VPN_TYPE"
nmcli connection delete probe >/dev/null
it_ok "nmcli resolves vpn-type winvpn from the .name file"

# add_vpn NAME USER PASSWORD [more vpn.data]: the password is stored with the
# connection (password-flags=0).  The lab's passwords are public test values.
add_vpn() {
	nmcli connection add type vpn con-name "$1" ifname '*' vpn-type "$VPN_TYPE" \
		vpn.data "gateway=$LAB_PPTPD_SERVER, user=$2, password-flags=0${4:+, $4}" \
		vpn.secrets "password=$3" >/dev/null || nm_fail "nmcli connection add $1 failed"
}

# The tun devices in NM's namespace, one per line: "IFNAME ADDRESS".
tun_devices() {
	ip -n "$NM_NS" -o -4 addr show 2>/dev/null | awk '$2 ~ /^winvpn/ { print $2, $4 }'
}
tun_gone() { [ -z "$(ip -n "$NM_NS" -o link show 2>/dev/null | grep -o 'winvpn[0-9]*')" ]; }
service_pids() { pgrep -f "^$SERVICE( |$)" || true; }
no_tun_no_service() { tun_gone && [ -z "$(service_pids)" ]; }
leftovers() { echo "tun '$(tun_devices)', service pids '$(service_pids | tr '\n' ' ')'"; }
con_state() { nmcli -g GENERAL.STATE connection show "$1" 2>/dev/null || true; }
# ping_count [ping options...] ADDR: how many of 4 pings were answered
ping_count() {
	ip netns exec "$NM_NS" ping -c 4 -i 0.2 -W 2 "$@" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# --- 1. up: activated, NM applied what the gateway gave, traffic flows ----------
add_vpn wv-alice "$LAB_USER" "$LAB_PASS" "require-mppe-128=yes"
mark=$(lab_server_log_mark)
t1=$(lab_now)
nmcli --wait 30 connection up wv-alice >"$IT_TMP/up.out" 2>&1 ||
	{ cat "$IT_TMP/up.out"; nm_fail "nmcli connection up wv-alice failed"; }
t_up=$(lab_elapsed "$t1")
[ "$(con_state wv-alice)" = activated ] ||
	nm_fail "wv-alice is '$(con_state wv-alice)', not activated"
vpn_state=$(nmcli -t connection show wv-alice | sed -n 's/^VPN.VPN-STATE://p')
[ "$vpn_state" = "5 - VPN connected" ] || nm_fail "VPN state: '$vpn_state'"
it_ok "nmcli connection up: activated, VPN connected in $t_up s"
lab_server_log_wait "$mark" 'MPPE 128-bit stateless compression enabled' 10 >/dev/null ||
	nm_fail "the server did not enable MPPE-128"
addr=$(nmcli -g IP4.ADDRESS connection show wv-alice)
case $addr in
192.168.40.1[0-9]/32 | 192.168.40.20/32) ;;
*) nm_fail "NM's IP4.ADDRESS is '$addr', not from the pool $LAB_PPP_POOL" ;;
esac
dns=$(nmcli -g IP4.DNS connection show wv-alice)
[ "$dns" = "$LAB_PPP_DNS" ] || nm_fail "NM's IP4.DNS is '$dns', expected $LAB_PPP_DNS"
read -r tun tunaddr < <(tun_devices)
[ -n "$tun" ] || nm_fail "no winvpn tun device in NM's namespace"
# a point-to-point address: "192.168.40.10 peer 192.168.40.1/32"
[ "$tunaddr/32" = "$addr" ] || nm_fail "$tun has $tunaddr, NM says $addr"
ip -n "$NM_NS" -o -4 addr show dev "$tun" | grep -q "peer $LAB_PPP_SERVER_IP/32" ||
	nm_fail "$tun has no point-to-point peer $LAB_PPP_SERVER_IP"
# the MTU the engine negotiated (1400 less the MPPE header), as NM applied it
want_mtu=$(grep 'nm-winvpn\[.*connected to .*, MTU ' "$NMLOG" | tail -1 |
	sed -n 's/.*, MTU \([0-9]*\),.*/\1/p')
mtu=$(ip -n "$NM_NS" -o link show dev "$tun" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
[ -n "$want_mtu" ] && [ "$mtu" = "$want_mtu" ] ||
	nm_fail "$tun MTU $mtu, the engine negotiated '$want_mtu'"
ip -n "$NM_NS" route show default | grep -q "dev $tun" ||
	nm_fail "NM did not route the default through $tun: $(ip -n "$NM_NS" route)"
it_ok "NM applied the gateway's config: $tun $addr peer $LAB_PPP_SERVER_IP," \
	"DNS $dns, MTU $mtu, default route"
n=$(ping_count "$LAB_PPP_SERVER_IP")
[ "${n:-0}" -ge 2 ] || nm_fail "ping $LAB_PPP_SERVER_IP through $tun: ${n:-0} of 4 answered"
it_ok "ping $LAB_PPP_SERVER_IP through the tunnel: $n of 4 answered"

# --- 2. the password is nowhere it could leak --------------------------------------
pid=$(service_pids | head -1)
[ -n "$pid" ] || nm_fail "no nm-winvpn-service process"
tr '\0' '\n' <"/proc/$pid/cmdline" | grep -q -- '--bus-name' ||
	nm_fail "the service was not started with --bus-name (supports-multiple-connections)"
tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF "$LAB_PASS" &&
	nm_fail "password in the service's argv"
tr '\0' '\n' <"/proc/$pid/environ" | grep -qF "$LAB_PASS" &&
	nm_fail "password in the service's environment"
grep -qF "$LAB_PASS" "$NMLOG" && nm_fail "password in NetworkManager's log"
grep -q 'nm-winvpn\[' "$NMLOG" || nm_fail "no nm-winvpn-service line in NetworkManager's log"
it_ok "password not in argv, environment or NM's log" \
	"($(grep -c 'nm-winvpn\[' "$NMLOG") service lines)"

# --- 3. down: nothing left ------------------------------------------------------------
mark=$(lab_server_log_mark)
t1=$(lab_now)
nmcli --wait 30 connection down wv-alice >/dev/null || nm_fail "nmcli connection down failed"
lab_wait_until 15 no_tun_no_service || nm_fail "after down: $(leftovers)"
it_ok "nmcli connection down: no tun device, no service process after $(lab_elapsed "$t1") s"
# NM removes the tunnel's routes while it calls Disconnect: for a few ms the
# gateway is routed into the tunnel itself, and a Terminate-Request sent then is
# lost (pptpd then holds the retransmission in its GRE reorder buffer).  The
# PPTP Call-Clear goes over TCP, so one of the two always arrives.
ends='LCP terminated by peer|Received CALL CLR request'
lab_server_log_wait "$mark" "$ends" 10 >/dev/null ||
	nm_fail "the server saw neither an LCP Terminate-Request nor a Call-Clear"
it_ok "the gateway saw the session end in order:" \
	"$(lab_server_log_since "$mark" | grep -oE "$ends" | head -1)"

# --- 4. wrong password: login-failed ------------------------------------------------
add_vpn wv-wrong "$LAB_USER" wrong-password
# VpnStateChanged(state, reason): FAILED = 6, NMVpnConnectionStateReason
# LOGIN_FAILED = 10
monitor "$VPN_SIGNALS,member='VpnStateChanged'"
l0=$(wc -l <"$NMLOG")
mark=$(lab_server_log_mark)
nmcli --wait 30 connection up wv-wrong >"$IT_TMP/wrong.out" 2>&1 && nm_fail "wv-wrong came up"
lab_server_log_since "$mark" | grep -q 'Peer alice failed CHAP authentication' ||
	nm_fail "the server did not refuse alice's wrong password"
# NM keeps the last failure the plugin reports before it stops ("dbus: failure:
# login-failed (0)" in NM 1.42's log, "VPN plugin: failed: ..." in older ones).
stopped() { tail -n +"$l0" "$NMLOG" | grep -q 'state changed: stopped'; }
lab_wait_until 5 stopped || nm_fail "NM did not see the plugin stop"
last=$(tail -n +"$l0" "$NMLOG" | sed -n '/state changed: stopped/q;p' |
	grep -oE '(dbus: failure|VPN plugin: failed): [a-z-]+' | tail -1)
[ "${last##* }" = login-failed ] ||
	nm_fail "the last failure NM saw before the plugin stopped is '$last', not login-failed"
tail -n +"$l0" "$NMLOG" | grep -q 'nm-winvpn\[.*authentication failed' ||
	nm_fail "the engine's sentence is not in NM's log"
lab_wait_until 5 monitor_has 'uint32 6 uint32 10' ||
	{ cat "$IT_TMP/monitor.out"; nm_fail "no VpnStateChanged(FAILED, LOGIN_FAILED) on D-Bus"; }
monitor_stop
lab_wait_until 15 no_tun_no_service || nm_fail "after the failure: $(leftovers)"
it_ok "wrong password: NM's reason is login-failed (log and D-Bus), nothing left"
nmcli connection delete wv-wrong >/dev/null

# --- 5. two connections at once ---------------------------------------------------------
add_vpn wv-bob bob "$LAB_DOMAIN_PASS" "domain=WINVPN"
mark=$(lab_server_log_mark)
nmcli --wait 30 connection up wv-alice >/dev/null || nm_fail "wv-alice did not come up again"
nmcli --wait 30 connection up wv-bob >"$IT_TMP/bob.out" 2>&1 ||
	{ cat "$IT_TMP/bob.out"; nm_fail "wv-bob did not come up next to wv-alice"; }
[ "$(con_state wv-alice)" = activated ] && [ "$(con_state wv-bob)" = activated ] ||
	nm_fail "states: alice '$(con_state wv-alice)', bob '$(con_state wv-bob)'"
[ "$(service_pids | wc -l)" = 2 ] ||
	nm_fail "expected 2 service processes: $(service_pids | tr '\n' ' ')"
mapfile -t tuns < <(tun_devices)
[ "${#tuns[@]}" = 2 ] || nm_fail "expected 2 tun devices: ${tuns[*]}"
lab_server_log_since "$mark" | grep -q 'WINVPN\\\\bob\|WINVPN\\bob' ||
	nm_fail "the server did not see the user WINVPN\\bob"
for t in "${tuns[@]}"; do
	n=$(ping_count -I "${t%% *}" "$LAB_PPP_SERVER_IP")
	[ "${n:-0}" -ge 2 ] || nm_fail "ping through ${t%% *}: ${n:-0} of 4 answered"
done
it_ok "two connections at once (alice, WINVPN\\bob): two services, ${tuns[*]}," \
	"both carry pings"
t1=$(lab_now)
nmcli --wait 30 connection down wv-bob >/dev/null || nm_fail "down wv-bob failed"
nmcli --wait 30 connection down wv-alice >/dev/null || nm_fail "down wv-alice failed"
lab_wait_until 15 no_tun_no_service || nm_fail "after down: $(leftovers)"
it_ok "both down: no tun device, no service process after $(lab_elapsed "$t1") s"

# --- 6. a key the engine does not know: refused before anything is dialled -------
nmcli connection add type vpn con-name wv-bad ifname '*' vpn-type "$VPN_TYPE" \
	vpn.data "gateway=$LAB_PPTPD_SERVER, user=$LAB_USER, password-flags=4, bogus-key=1" \
	>/dev/null || nm_fail "nmcli connection add wv-bad failed"
l0=$(wc -l <"$NMLOG")
mark=$(lab_server_log_mark)
nmcli --wait 30 connection up wv-bad >/dev/null 2>&1 && nm_fail "wv-bad came up"
tail -n +"$l0" "$NMLOG" | grep -q "BadArguments: unknown setting 'bogus-key'" ||
	nm_fail "NM's log does not carry the service's BadArguments error naming bogus-key"
! lab_server_log_since "$mark" | grep -q 'control connection started' ||
	nm_fail "the gateway was dialled for wv-bad"
lab_wait_until 15 no_tun_no_service || nm_fail "after wv-bad: $(leftovers)"
nmcli connection delete wv-bad >/dev/null
it_ok "an unknown key fails the activation with BadArguments naming it; nothing dialled"

# --- 7. the gateway hangs up under an active connection ---------------------------
nmcli --wait 30 connection up wv-alice >/dev/null || nm_fail "wv-alice did not come up again"
monitor "$VPN_SIGNALS,member='VpnStateChanged'"
l0=$(wc -l <"$NMLOG")
t1=$(lab_now)
lab_server_kill_pppd KILL >/dev/null || nm_fail "no server pppd to kill"
gone() { [ -z "$(con_state wv-alice)" ] && no_tun_no_service; }
lab_wait_until 20 gone ||
	nm_fail "after the gateway hung up: state '$(con_state wv-alice)', $(leftovers)"
tail -n +"$l0" "$NMLOG" | grep -q 'nm-winvpn\[.*gateway' ||
	nm_fail "the engine's sentence about the gateway is not in NM's log"
tail -n +"$l0" "$NMLOG" | grep -qE '(dbus: failure|VPN plugin: failed): connect-failed' ||
	nm_fail "NM did not get a connect-failed failure"
lab_wait_until 5 monitor_has 'uint32 6 uint32' ||
	{ cat "$IT_TMP/monitor.out"; nm_fail "no VpnStateChanged(FAILED) on D-Bus"; }
monitor_stop
it_ok "gateway hung up: NM saw the VPN fail; service and tun gone after $(lab_elapsed "$t1") s"

# --- 8. interactive secrets: the plugin asks NM for the password -------------------
# NM uses ConnectInteractive when its secret agents can answer SecretsRequired;
# nmcli's agent needs the auth dialog for a plugin it does not know, so this
# drives the service the way NM does, on NM's bus and in its namespaces:
# NeedSecrets, ConnectInteractive without a password -> SecretsRequired(message,
# ["password"]) -> NewSecrets with it -> STARTED + Ip4Config -> Disconnect.
TEST_BUS=org.freedesktop.NetworkManager.winvpn.Test
conn() {   # conn [SECRETS-ITEM]: the connection as NM sends it (a{sa{sv}})
	echo "{'connection': {'id': <'wv-interactive'>, 'type': <'vpn'>,
		'uuid': <'5f0c3c6e-1b1e-4c55-9d59-0000000000a1'>},
		'vpn': {'service-type': <'$VPN_TYPE'>, 'data': <{'gateway': '$LAB_PPTPD_SERVER',
		'user': '$LAB_USER', 'password-flags': '2'}>${1:-}}}"
}
with_password=", 'secrets': <{'password': '$LAB_PASS'}>"
plugin_call() {   # plugin_call METHOD ARGS...
	local m=$1
	shift
	gdbus call --system --dest "$TEST_BUS" \
		--object-path /org/freedesktop/NetworkManager/VPN/Plugin \
		--method "org.freedesktop.NetworkManager.VPN.Plugin.$m" "$@"
}
owned() {
	gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.NameHasOwner "$TEST_BUS" 2>/dev/null | grep -q true
}
monitor "type='signal',sender='$TEST_BUS'"
# --debug: the service does not stop when its caller (gdbus) goes away
bash "$NMLAB" nsexec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$SERVICE" --debug \
	--bus-name "$TEST_BUS" >"$IT_TMP/service.log" 2>&1 &
SVC_PID=$!
lab_wait_until 5 owned ||
	{ cat "$IT_TMP/service.log"; nm_fail "the service did not own $TEST_BUS"; }
[ "$(plugin_call NeedSecrets "$(conn)")" = "('vpn',)" ] ||
	nm_fail "NeedSecrets without a password is not 'vpn'"
[ "$(plugin_call NeedSecrets "$(conn "$with_password")")" = "('',)" ] ||
	nm_fail "NeedSecrets with the password still asks"
plugin_call ConnectInteractive "$(conn)" "@a{sv} {}" >/dev/null ||
	nm_fail "ConnectInteractive failed"
lab_wait_until 5 monitor_has 'member=SecretsRequired.*"password"' ||
	{ cat "$IT_TMP/monitor.out"; nm_fail "no SecretsRequired(..., [password])"; }
plugin_call NewSecrets "$(conn "$with_password")" >/dev/null || nm_fail "NewSecrets failed"
lab_wait_until 15 monitor_has 'member=StateChanged uint32 4' ||
	{ cat "$IT_TMP/service.log"; nm_fail "the plugin did not reach STARTED"; }
monitor_has 'member=Ip4Config.*"address" variant *uint32' || nm_fail "no Ip4Config with an address"
plugin_call Disconnect >/dev/null || nm_fail "Disconnect failed"
lab_wait_until 10 tun_gone || nm_fail "the tun device is left after Disconnect"
kill -TERM "$SVC_PID" 2>/dev/null || true
lab_wait_until 10 no_tun_no_service || nm_fail "the service ignored SIGTERM: $(leftovers)"
monitor_stop
grep -qF "$LAB_PASS" "$IT_TMP/service.log" && nm_fail "password in the --debug log"
it_ok "ConnectInteractive without a password -> SecretsRequired([password]) -> NewSecrets" \
	"-> STARTED -> Disconnect -> SIGTERM"

# --- 9. the lab leaves nothing behind ------------------------------------------------
nm_pid=$(cat "$NM_LAB_RUN/nm.pid")
bash "$NMLAB" stop >/dev/null 2>&1
! ip netns list | awk '{ print $1 }' | grep -qx "$NM_NS" || it_fail "netns $NM_NS left"
! ip -n "$IT_NS" -o link show 2>/dev/null | grep -q wvnm0 || it_fail "the uplink veth is left"
# (a zombie does not count: PID 1 may reap lazily here)
alive() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo Z)" != Z ]; }
[ -z "$(service_pids)" ] && ! alive "$nm_pid" || it_fail "NetworkManager or a service is left"
it_ok "NetworkManager lab stopped; whole test $(lab_elapsed "$t0") s"
it_done
