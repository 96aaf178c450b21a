#!/bin/bash
# tests/lab/nm.sh start|stop|restart|status|env|nsexec CMD...|mntexec CMD...
#
# A private, real NetworkManager for the integration tests (root):
#   * its own system D-Bus (dbus-daemon with the distribution's policies plus
#     the policy files of NM_LAB_DBUS_POLICY_DIR), no service activation;
#   * NetworkManager --debug in network namespace $NM_LAB_NS and a private
#     mount namespace where
#         /etc                    = overlay (lower /etc, upper $RUN/etc.upper): no
#                                   write ever reaches the host's /etc
#         /etc/NetworkManager     = $RUN/nm-etc (NetworkManager.conf, VPN/ with the
#                                   .name files of NM_LAB_VPN_DIR, system-connections/)
#         /run                    = $RUN/ns-run (so /run/dbus/system_bus_socket is the
#                                   private bus), /var/lib/NetworkManager = $RUN/nm-varlib
#         /sys                    = read-only: NM runs without udev (otherwise every
#                                   device stays "unmanaged" waiting for udev)
#   * a veth pair nmt0 (in $NM_LAB_NS) <-> wvnm0 (in the uplink namespace,
#     198.51.100.1/24) and the keyfile "base" (nmt0, 198.51.100.2/24, gateway
#     198.51.100.1): NM refuses to activate a VPN without a base connection that
#     has a default route ("Could not find source connection").
#
# The uplink namespace is $NM_LAB_UPLINK_NS when set -- e.g. the namespace of the
# lab's pptpd guest (PPTPD_NETNS), so that NM's default route leads to the VPN
# gateway the way a real uplink does: start enables forwarding there and stop
# restores it; the gateway needs a route back to 198.51.100.0/24 (the test adds
# it).  Otherwise start creates "$NM_LAB_NS-srv" for it and stop deletes it.
# stop only ends what start started: NM, the bus, processes in $NM_LAB_NS (the
# VPN services NM spawned), never anything else in an uplink it did not create.
#
# Knobs:
#   NM_LAB_RUN              state dir (default $WINVPN_LAB_STATE/lab/nm); wiped by start
#   NM_LAB_NS               NM's network namespace (default wvlab-nm)
#   NM_LAB_UPLINK_NS        see above
#   NM_LAB_VPN_DIR          directory whose *.name files NM sees in /etc/NetworkManager/VPN
#   NM_LAB_DBUS_POLICY_DIR  directory whose *.conf files the private bus reads
#   NM_LAB_LOG_LEVEL        NM's log level: DEBUG (default), TRACE, INFO
#   NM_LAB_NM_ENV           extra VAR=VALUE words for NM's otherwise clean environment
#                           (VPN services inherit them)
#
# From a test:  NM_LAB_VPN_DIR=... tests/lab/nm.sh start; eval "$(tests/lab/nm.sh env)";
# nmcli ...; tests/lab/nm.sh stop.  NM's log is $NM_LAB_RUN/nm.log.
# Start takes ~1 s (bus ~0.05 s, NM on the bus ~0.4 s, startup complete ~0.8 s).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"

RUN=$(readlink -m "${NM_LAB_RUN:-$LAB_STATE/lab/nm}")
NS=${NM_LAB_NS:-wvlab-nm}
UPLINK=${NM_LAB_UPLINK_NS:-}
LOGLEVEL=${NM_LAB_LOG_LEVEL:-DEBUG}
BUS_SOCK=$RUN/ns-run/dbus/system_bus_socket
BUS_ADDR=unix:path=$BUS_SOCK

log() { echo "[nm-lab] $*" >&2; }

# A live process that is not a zombie (PID 1 here may reap lazily).
alive() {
	local st
	[ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ] && [ "$st" != X ]
}
pid_of() { [ -s "$RUN/$1.pid" ] && cat "$RUN/$1.pid" || true; }
kill_wait() {   # PID [tenths]
	local p=$1 n=${2:-50} i
	alive "$p" || return 0
	kill -TERM "$p" 2>/dev/null || true
	for ((i = 0; i < n; i++)); do alive "$p" || return 0; sleep 0.1; done
	log "pid $p ignored TERM; sending KILL"
	kill -KILL "$p" 2>/dev/null || true
	for ((i = 0; i < 20; i++)); do alive "$p" || return 0; sleep 0.1; done
}
ns_exists() { ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; }
is_running() { alive "$(pid_of nm)" && alive "$(pid_of dbus)"; }

write_bus_conf() {
	mkdir -p "$RUN/system.d" "$RUN/ns-run/dbus"
	if [ -n "${NM_LAB_DBUS_POLICY_DIR:-}" ]; then
		cp "$NM_LAB_DBUS_POLICY_DIR"/*.conf "$RUN/system.d/"
	fi
	# The default system policy (as in /usr/share/dbus-1/system.conf) without
	# <user>, <fork> and activation, on a private socket.
	cat >"$RUN/dbus-system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>$BUS_ADDR</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <includedir>/etc/dbus-1/system.d</includedir>
  <includedir>$RUN/system.d</includedir>
</busconfig>
EOF
}

write_nm_conf() {
	mkdir -p "$RUN/nm-etc/system-connections" "$RUN/nm-etc/conf.d" "$RUN/nm-etc/VPN" \
		"$RUN/nm-varlib" "$RUN/ns-run/NetworkManager" "$RUN/ns-run/lock" \
		"$RUN/etc.upper" "$RUN/etc.work"
	chmod 700 "$RUN/nm-etc/system-connections" "$RUN/nm-varlib"
	cat >"$RUN/nm-etc/NetworkManager.conf" <<EOF
[main]
plugins=keyfile
# only root talks to this NM, and there is no polkit on the private bus
auth-polkit=false
# never touch resolv.conf or the host name
dns=none
rc-manager=unmanaged
hostname-mode=none
# no "Wired connection 1" profiles
no-auto-default=*
dhcp=internal

[keyfile]
path=/etc/NetworkManager/system-connections

[logging]
level=$LOGLEVEL
domains=ALL

[connectivity]
enabled=false
EOF
	if [ -n "${NM_LAB_VPN_DIR:-}" ]; then
		# NM accepts only root-owned .name files that others cannot write.
		install -m 644 "$NM_LAB_VPN_DIR"/*.name "$RUN/nm-etc/VPN/"
	fi
	cat >"$RUN/nm-etc/system-connections/base.nmconnection" <<EOF
[connection]
id=base
uuid=0b2a1d6e-0000-4000-8000-0000000000b5
type=ethernet
interface-name=nmt0
autoconnect=true

[ipv4]
method=manual
address1=198.51.100.2/24,198.51.100.1

[ipv6]
method=disabled
EOF
	chmod 600 "$RUN/nm-etc/system-connections/base.nmconnection"
}

setup_net() {
	local up=${UPLINK:-$NS-srv}
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	if [ -z "$UPLINK" ]; then
		ip netns add "$up"
		ip -n "$up" link set lo up
		touch "$RUN/uplink-created"
	elif ! ns_exists "$UPLINK"; then
		lab_die "NM_LAB_UPLINK_NS=$UPLINK does not exist"
	fi
	echo "$up" >"$RUN/uplink"
	ip -n "$NS" link add nmt0 type veth peer name wvnm0 netns "$up"
	ip -n "$up" addr add 198.51.100.1/24 dev wvnm0
	ip -n "$up" link set wvnm0 up
	if [ -n "$UPLINK" ]; then
		ip netns exec "$up" sysctl -n net.ipv4.ip_forward >"$RUN/uplink-forward"
		ip netns exec "$up" sysctl -qw net.ipv4.ip_forward=1
	fi
}

do_stop() {
	local p up
	p=$(pid_of nm)
	if alive "$p"; then log "stopping NetworkManager (pid $p)"; kill_wait "$p" 100; fi
	# What NM spawned (the VPN services) lives in its namespace.
	if ns_exists "$NS"; then
		for p in $(ip netns pids "$NS" 2>/dev/null); do
			log "ending leftover pid $p in $NS: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-100)"
			kill_wait "$p" 30
		done
		# Deleting the namespace deletes the veth pair, both ends.
		ip netns del "$NS"
	fi
	up=$(cat "$RUN/uplink" 2>/dev/null || true)
	if [ -n "$up" ] && ns_exists "$up"; then
		ip -n "$up" link del wvnm0 2>/dev/null || true
		if [ -f "$RUN/uplink-created" ]; then
			ip netns del "$up"
		elif [ -s "$RUN/uplink-forward" ]; then
			ip netns exec "$up" sysctl -qw "net.ipv4.ip_forward=$(cat "$RUN/uplink-forward")" || true
		fi
	fi
	rm -f "$RUN/uplink" "$RUN/uplink-created" "$RUN/uplink-forward"
	p=$(pid_of dbus)
	if alive "$p"; then kill_wait "$p" 50; fi
	rm -f "$RUN/nm.pid" "$RUN/dbus.pid" "$BUS_SOCK"
}

do_start() {
	local t0 t
	lab_need_root
	lab_apt_install network-manager dbus-daemon iproute2 util-linux procps || exit 1
	if is_running; then
		log "already running (NM pid $(pid_of nm))"
		return 0
	fi
	do_stop
	rm -rf "$RUN"
	mkdir -p "$RUN"
	t0=$(lab_now)
	setup_net
	write_bus_conf
	write_nm_conf

	t=$(lab_now)
	setsid dbus-daemon --config-file="$RUN/dbus-system.conf" --nofork --nopidfile \
		--print-address=3 3>"$RUN/bus-address" >"$RUN/dbus.log" 2>&1 </dev/null &
	echo $! >"$RUN/dbus.pid"
	lab_wait_until 5 test -s "$RUN/bus-address" ||
		{ cat "$RUN/dbus.log" >&2; lab_die "the private system bus did not start"; }
	echo "dbus-daemon $(lab_elapsed "$t")" >"$RUN/timings"

	t=$(lab_now)
	# Like a systemd unit: a clean environment (inside this mount namespace the
	# default system bus socket is the private bus), NM in the foreground.
	# shellcheck disable=SC2016,SC2086  # $1 is for the inner shell; NM_LAB_NM_ENV splits
	setsid ip netns exec "$NS" unshare --mount --propagation private /bin/sh -ec '
		RUN=$1; shift
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$RUN/etc.upper,workdir=$RUN/etc.work" /etc
		mount --bind "$RUN/nm-etc" /etc/NetworkManager
		mount --bind "$RUN/nm-varlib" /var/lib/NetworkManager
		mount --bind "$RUN/ns-run" /run
		mount -o remount,bind,ro /sys 2>/dev/null || mount -o remount,ro /sys
		exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 "$@" NetworkManager --debug
	' nm-lab "$RUN" ${NM_LAB_NM_ENV:-} >"$RUN/nm.log" 2>&1 </dev/null &
	echo $! >"$RUN/nm.pid"
	export DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDR
	# shellcheck disable=SC2317
	nm_running() { nmcli -t -f RUNNING general 2>/dev/null | grep -qx running || ! alive "$(pid_of nm)"; }
	lab_wait_until 15 nm_running || true
	if ! nmcli -t -f RUNNING general 2>/dev/null | grep -qx running; then
		tail -20 "$RUN/nm.log" >&2
		do_stop
		lab_die "NetworkManager did not come up (log: $RUN/nm.log)"
	fi
	echo "NM-on-bus $(lab_elapsed "$t")" >>"$RUN/timings"
	nm-online -s -q -t 30 || log "nm-online -s timed out"
	# shellcheck disable=SC2317
	base_up() { nmcli -t -f DEVICE,STATE device 2>/dev/null | grep -qx nmt0:connected; }
	lab_wait_until 15 base_up || log "the base connection on nmt0 is not up"
	echo "startup-complete $(lab_elapsed "$t")" >>"$RUN/timings"
	echo "total $(lab_elapsed "$t0")" >>"$RUN/timings"
	log "up: NM pid $(pid_of nm) in netns $NS (uplink $(cat "$RUN/uplink")), bus $BUS_ADDR," \
		"$(tr '\n' ' ' <"$RUN/timings")"
}

do_status() {
	export DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDR
	if is_running; then
		echo "running: NM pid $(pid_of nm) in netns $NS, bus $BUS_ADDR"
		nmcli general status
		nmcli device
		nmcli connection show
	else
		echo "not running"
		return 3
	fi
}

case "${1:-}" in
start) do_start ;;
stop) lab_need_root; do_stop ;;
restart) lab_need_root; do_stop; do_start ;;
status) do_status ;;
env) echo "export DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDR" ;;
# NM's view of the file system and its network namespace
nsexec) shift; exec nsenter -t "$(pid_of nm)" -m -n -- "$@" ;;
# NM's view of the file system, the caller's network namespace
mntexec) shift; exec nsenter -t "$(pid_of nm)" -m -- "$@" ;;
*) echo "usage: $0 start|stop|restart|status|env|nsexec CMD...|mntexec CMD..." >&2; exit 2 ;;
esac
