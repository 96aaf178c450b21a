#!/bin/bash
# tests/lab/keyring.sh start|stop|status|env|run CMD...
#
# A headless Secret Service for the desktop tests: gnome-keyring-daemon ("secrets"
# component only) on a private D-Bus *session* bus, unlocked non-interactively, with HOME
# and XDG_* inside $KR_RUN so nothing lands in a real home directory.  Adapted from the
# lab's desktop/keyring.sh; needs no root.
#
#   start    dbus-daemon --session + gnome-keyring-daemon --foreground --unlock (pid files
#            in $KR_RUN); then   eval "$(tests/lab/keyring.sh env)"
#   stop     kills exactly those two (by pid file) and services activated on that bus
#   env      the environment for clients (DBUS_SESSION_BUS_ADDRESS, HOME, XDG_*)
#   run CMD  start, CMD with that environment, stop; exits with CMD's status
#
# Knobs: KR_RUN (default ${WINVPN_LAB_STATE:-/var/tmp/winvpn-lab}/ui-keyring),
#        KR_PASSWORD (default "lab").  Exit 77 when a needed program is missing.
set -euo pipefail

KR_RUN="${KR_RUN:-${WINVPN_LAB_STATE:-/var/tmp/winvpn-lab}/ui-keyring}"
KR_PASSWORD="${KR_PASSWORD:-lab}"
BUS_ADDR="unix:path=$KR_RUN/bus"

log() { echo "[keyring] $*" >&2; }
alive() {
	local p="$1" st
	[ -n "$p" ] && [ -r "/proc/$p/stat" ] || return 1
	st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || return 1
	[ "$st" != "Z" ] && [ "$st" != "X" ]
}
pidof_file() { [ -s "$1" ] && cat "$1" || true; }
kill_wait() {
	local p="$1" i
	alive "$p" || return 0
	kill -TERM "$p" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do alive "$p" || return 0; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null || true
}

need() {
	local c missing=
	for c in dbus-daemon gnome-keyring-daemon secret-tool gdbus; do
		command -v "$c" >/dev/null || missing="$missing $c"
	done
	if [ -n "$missing" ]; then
		log "missing:$missing (apt-get install gnome-keyring libsecret-tools dbus-daemon libglib2.0-bin)"
		exit 77
	fi
}

do_env() {
	cat <<EOF2
export DBUS_SESSION_BUS_ADDRESS=$BUS_ADDR
export HOME=$KR_RUN/home XDG_DATA_HOME=$KR_RUN/data XDG_RUNTIME_DIR=$KR_RUN/xdg
export XDG_CONFIG_HOME=$KR_RUN/config XDG_CACHE_HOME=$KR_RUN/cache
EOF2
}

is_running() {
	alive "$(pidof_file "$KR_RUN/bus.pid")" && alive "$(pidof_file "$KR_RUN/keyring.pid")"
}

# Services D-Bus-activated on our bus carry its path in their environment: stop those
# that are still around (only /usr/libexec/* helpers and dbus-daemons).
reap_activated() {
	local f p exe
	for f in $(grep -lsF "$KR_RUN/" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}; p=${p%/environ}
		[ "$p" = $$ ] && continue
		alive "$p" || continue
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		case "$exe" in /usr/libexec/* | /usr/bin/dbus-daemon) kill_wait "$p" ;; esac
	done
}

do_stop() {
	local p
	p=$(pidof_file "$KR_RUN/keyring.pid"); alive "$p" && kill_wait "$p"
	p=$(pidof_file "$KR_RUN/bus.pid"); alive "$p" && kill_wait "$p"
	rm -f "$KR_RUN/keyring.pid" "$KR_RUN/bus.pid" "$KR_RUN/bus"
	reap_activated
}

do_start() {
	local i
	need
	if is_running; then log "already running"; return 0; fi
	do_stop
	rm -rf "$KR_RUN"
	mkdir -p "$KR_RUN"
	eval "$(do_env)"
	mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
	chmod 700 "$XDG_RUNTIME_DIR"
	setsid dbus-daemon --session --address="$BUS_ADDR" --nofork --nopidfile --print-address=3 \
		3>"$KR_RUN/bus-address" >"$KR_RUN/bus.log" 2>&1 </dev/null &
	echo $! >"$KR_RUN/bus.pid"
	for ((i = 0; i < 200; i++)); do [ -s "$KR_RUN/bus-address" ] && break; sleep 0.01; done
	[ -s "$KR_RUN/bus-address" ] || { log "session bus did not start"; return 1; }
	# --unlock reads the password from stdin and creates the "login" keyring with it.
	printf '%s' "$KR_PASSWORD" | setsid gnome-keyring-daemon --foreground --unlock \
		--components=secrets >"$KR_RUN/keyring.log" 2>&1 &
	echo $! >"$KR_RUN/keyring.pid"
	for ((i = 0; i < 300; i++)); do
		if gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
			-m org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null |
			grep -q true; then
			return 0
		fi
		sleep 0.02
	done
	log "org.freedesktop.secrets never appeared"
	cat "$KR_RUN/keyring.log" >&2
	return 1
}

case "${1:-}" in
start) do_start ;;
stop) do_stop ;;
status) if is_running; then echo "running: $BUS_ADDR"; else echo "not running"; exit 3; fi ;;
env) do_env ;;
run)
	shift
	[ $# -gt 0 ] || { echo "usage: $0 run CMD..." >&2; exit 2; }
	need
	trap do_stop EXIT
	do_start
	rc=0
	(eval "$(do_env)"; "$@") || rc=$?
	exit "$rc"
	;;
*) echo "usage: $0 start|stop|status|env|run CMD..." >&2; exit 2 ;;
esac
