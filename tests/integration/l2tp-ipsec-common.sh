# shellcheck shell=bash
# tests/integration/l2tp-ipsec-common.sh -- sourced by the l2tp-ipsec-*.sh
# tests after lib.sh: the client with a pre-shared key on a file descriptor,
# packet captures on the lab links, and a NAT router namespace.
#
#   lsec_connect PSK [winvpn options...]   like it_connect, PSK through --psk-fd 3
#   lsec_capture_start IFACE [NS]          tcpdump on IFACE (in NS, default IT_NS)
#   lsec_capture_stop                      ends it; LSEC_PCAP is the file
#   lsec_capture_check GATEWAY [ours]      everything to and from (or: only to)
#                                          GATEWAY was ESP, UDP 500 or UDP 4500,
#                                          and no UDP 1701 anywhere
#   lsec_nat_up GW_IF                      client namespace behind a masquerading
#                                          router (IT_NS), out of GW_IF
#   lsec_nat_down
#   lsec_time_to_ping T0 ADDR              seconds from T0 until ADDR answers a ping
#   lsec_settle ADDR                       one ping round trip (drains the link's queues)
# Cleanup (the capture, the NAT namespace and its nftables table) runs on exit.

LSEC_PCAP=$IT_TMP/lab.pcap
LSEC_TCPDUMP_PID=
LSEC_NAT_NS=${LSEC_NAT_NS:-wvlab-natcli}
LSEC_NAT_NET=10.98.9
LSEC_NAT_TABLE=winvpn_lsec_nat

lsec_cleanup() {
	local rc=$? i
	lsec_capture_stop 2>/dev/null || true
	# the client first (orderly), then the namespaces it may run in
	if [ -n "$IT_PID" ] && kill -0 "$IT_PID" 2>/dev/null; then
		kill -INT "$IT_PID" 2>/dev/null || true
		for i in $(seq 1 50); do kill -0 "$IT_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$IT_PID" 2>/dev/null || true
	fi
	lsec_nat_down 2>/dev/null || true
	it_cleanup
	return $rc
}
trap lsec_cleanup EXIT

# lsec_connect PSK [options...]: winvpn connect in the background, password on
# stdin, the pre-shared key on fd 3 (a file only root can read).
lsec_connect() {
	local psk=$1 pass=${IT_PASS-$LAB_PASS} user=${IT_USER-$LAB_USER} ns=${LSEC_CLIENT_NS:-$IT_NS}
	shift
	: >"$IT_OUT"; : >"$IT_ERR"
	(umask 077; printf '%s\n' "$psk" >"$IT_TMP/psk")
	ip netns exec "$ns" "$WINVPN" connect --passwd-on-stdin -u "$user" --psk-fd 3 "$@" \
		"$IT_GATEWAY" <<<"$pass" 3<"$IT_TMP/psk" >"$IT_OUT" 2>"$IT_ERR" &
	IT_PID=$!
}

lsec_capture_start() {
	local ifc=$1 ns=${2:-$IT_NS}
	command -v tcpdump >/dev/null || lab_apt_install tcpdump || it_fail "no tcpdump"
	rm -f "$LSEC_PCAP"
	ip netns exec "$ns" tcpdump -i "$ifc" -n -U -s 128 -w "$LSEC_PCAP" not arp \
		>"$IT_TMP/tcpdump.out" 2>&1 &
	LSEC_TCPDUMP_PID=$!
	lab_wait_until 5 grep -q 'listening on' "$IT_TMP/tcpdump.out" ||
		it_fail "tcpdump did not start on $ifc: $(cat "$IT_TMP/tcpdump.out")"
}

lsec_capture_stop() {
	[ -n "$LSEC_TCPDUMP_PID" ] || return 0
	sleep 0.3           # the last packets (IKE Deletes) reach the file
	kill -INT "$LSEC_TCPDUMP_PID" 2>/dev/null || true
	wait "$LSEC_TCPDUMP_PID" 2>/dev/null || true
	LSEC_TCPDUMP_PID=
}

# lsec_capture_check GATEWAY [ours]: fails on any UDP 1701 in the capture, and
# on anything between us and GATEWAY that is not ESP, UDP 500 or UDP 4500
# (ICMP port unreachable allowed: after our Deletes the gateway may still
# send -- SoftEther starts a Quick Mode of its own -- to sockets we closed).
# With "ours", only what we sent must be like that (SoftEther itself sends
# NetBIOS name queries to the client's address).  Sets LSEC_COUNTS.
lsec_capture_check() {
	local gw=$1 mode=${2:-both} all esp ike natt l2tp other unreach dir foreign
	all=$(tcpdump -r "$LSEC_PCAP" -n "host $gw and not ip multicast" 2>/dev/null | wc -l)
	esp=$(tcpdump -r "$LSEC_PCAP" -n "host $gw and ip proto 50" 2>/dev/null | wc -l)
	ike=$(tcpdump -r "$LSEC_PCAP" -n "host $gw and udp port 500" 2>/dev/null | wc -l)
	natt=$(tcpdump -r "$LSEC_PCAP" -n "host $gw and udp port 4500" 2>/dev/null | wc -l)
	l2tp=$(tcpdump -r "$LSEC_PCAP" -n "udp port 1701" 2>/dev/null | wc -l)
	unreach=$(tcpdump -r "$LSEC_PCAP" -n "host $gw and icmp[icmptype] == icmp-unreach" 2>/dev/null | wc -l)
	if [ "$mode" = ours ]; then dir="dst host $gw"; else dir="host $gw and not ip multicast"; fi
	other=$(tcpdump -r "$LSEC_PCAP" -n "$dir and not ip proto 50 and not udp port 500 and not udp port 4500 and not icmp[icmptype] == icmp-unreach" 2>/dev/null)
	foreign=$(tcpdump -r "$LSEC_PCAP" -n "src host $gw and not ip proto 50 and not udp port 500 and not udp port 4500" 2>/dev/null | wc -l)
	LSEC_COUNTS="$all packets: ESP $esp, UDP 500 $ike, UDP 4500 $natt, ICMP unreachable $unreach"
	[ "$mode" = ours ] && [ "$foreign" -gt 0 ] && LSEC_COUNTS="$LSEC_COUNTS, $foreign other from the gateway"
	[ "$all" -gt 0 ] || it_fail "the capture holds no packet to or from $gw"
	[ "$l2tp" = 0 ] || it_fail "plaintext L2TP (UDP 1701) on the wire: $(tcpdump -r "$LSEC_PCAP" -n 'udp port 1701' 2>/dev/null | head -3)"
	[ -z "$other" ] || it_fail "packets other than ESP / IKE on the wire: $(echo "$other" | head -3)"
}

# lsec_nat_up GW_IF: namespace LSEC_NAT_NS (10.98.9.2) whose default route
# goes to the router, IT_NS (10.98.9.1), which forwards and masquerades
# (nftables) what leaves through GW_IF -- the client is behind NAT, the
# gateway sees the router's address on GW_IF.  Run the client there with
# IT_NS=$LSEC_NAT_NS LAB_CLIENT_NETNS=$LSEC_NAT_NS (the it_* helpers follow).
LSEC_ROUTER_NS=
lsec_nat_up() {
	local gwif=$1
	lsec_nat_down
	LSEC_ROUTER_NS=$IT_NS
	command -v nft >/dev/null || lab_apt_install nftables || it_fail "no nft"
	ip netns add "$LSEC_NAT_NS"
	ip -n "$LSEC_NAT_NS" link set lo up
	ip -n "$IT_NS" link add wvlab-nat0 type veth peer name wvlab-nat1
	ip -n "$IT_NS" link set wvlab-nat1 netns "$LSEC_NAT_NS"
	ip -n "$IT_NS" addr add "$LSEC_NAT_NET.1/24" dev wvlab-nat0
	ip -n "$IT_NS" link set wvlab-nat0 up
	ip -n "$LSEC_NAT_NS" addr add "$LSEC_NAT_NET.2/24" dev wvlab-nat1
	ip -n "$LSEC_NAT_NS" link set wvlab-nat1 up
	ip -n "$LSEC_NAT_NS" route add default via "$LSEC_NAT_NET.1"
	LSEC_NAT_FWD=$(ip netns exec "$IT_NS" sysctl -n net.ipv4.ip_forward)
	ip netns exec "$IT_NS" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$IT_NS" nft -f - <<EOF || it_fail "nft: cannot set up masquerading"
table ip $LSEC_NAT_TABLE {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr $LSEC_NAT_NET.0/24 oifname "$gwif" masquerade
	}
}
EOF
	mkdir -p "/etc/netns/$LSEC_NAT_NS"
	printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$LSEC_NAT_NS" \
		>"/etc/netns/$LSEC_NAT_NS/resolv.conf"
}

lsec_nat_down() {
	local r=${LSEC_ROUTER_NS:-$IT_NS}
	ip netns exec "$r" nft delete table ip "$LSEC_NAT_TABLE" 2>/dev/null || true
	[ -z "${LSEC_NAT_FWD:-}" ] || ip netns exec "$r" sysctl -qw net.ipv4.ip_forward="$LSEC_NAT_FWD"
	LSEC_NAT_FWD=
	ip -n "$r" link del wvlab-nat0 2>/dev/null || true
	if ip netns list | awk '{ print $1 }' | grep -qx "$LSEC_NAT_NS"; then
		local p
		for p in $(ip netns pids "$LSEC_NAT_NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$LSEC_NAT_NS"
	fi
	rm -rf "/etc/netns/$LSEC_NAT_NS"
}

# lsec_assert_clean NS DNS: no tun, routes, DNS or process left (it_assert_clean
# for another namespace and the gateway's DNS server).
lsec_assert_clean() {
	local ns=$1 dns=$2
	[ -z "$(ip -n "$ns" -o link show 2>/dev/null | grep -o 'winvpn[0-9]*')" ] ||
		it_fail "a winvpn tun device is left in $ns"
	! ip -n "$ns" route show | grep -q winvpn || it_fail "routes left in $ns: $(ip -n "$ns" route show)"
	! grep -q "$dns" "/etc/netns/$ns/resolv.conf" 2>/dev/null ||
		it_fail "the tunnel's DNS server $dns is left in $ns's resolv.conf"
	# (ours: in that namespace -- other tests may run the same binary elsewhere)
	! ip netns pids "$ns" 2>/dev/null | xargs -r ps -o args= -p 2>/dev/null |
		grep -q "^$WINVPN connect" || it_fail "a winvpn process is left in $ns"
}

# lsec_time_to_ping T0 ADDR [TIMEOUT]: seconds from T0 (lab_now before
# lsec_connect) until ADDR answers one ping from the client's namespace.
lsec_time_to_ping() {
	local t0=$1 addr=$2 t=${3:-20} ns=${LSEC_CLIENT_NS:-$IT_NS}
	until ip netns exec "$ns" ping -c 1 -W 0.2 "$addr" >/dev/null 2>&1; do
		kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited before $addr answered"
		awk -v a="$t0" -v b="$(lab_now)" -v t="$t" 'BEGIN { exit !(b - a >= t) }' &&
			it_fail "$addr did not answer within $t s"
		sleep 0.05
	done
	lab_elapsed "$t0"
}

# lsec_settle ADDR: one ping round trip through the tunnel after a bulk
# transfer, so the lab link's queues are drained before the Deletes go out
# (a UML guest reads its TAP slowly; a full TAP queue drops what comes next,
# and an IKE Delete is sent only once).
lsec_settle() {
	ip netns exec "${LSEC_CLIENT_NS:-$IT_NS}" ping -c 1 -W 3 "$1" >/dev/null 2>&1 || true
}
