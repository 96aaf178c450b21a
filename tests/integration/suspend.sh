#!/bin/bash
# The computer sleeps, against the lab's pptpd.  A test cannot suspend the
# machine it runs on, so the two signals winvpn acts on are simulated; the
# gateway, the client and the vpnc-script are real.
#  - systemd-logind's PrepareForSleep (tests/integration/fake-logind.py on a
#    private system bus): winvpn holds a sleep "delay" lock, hangs up in order
#    before the computer sleeps (pppd logs the goodbye before the sleep), then
#    gives the lock back; on waking it dials again (redial=yes) and traffic
#    passes on the same tun device; without redial it ends before the sleep
#    (exit 4) and leaves nothing behind;
#  - without logind, the resume is noticed on its own: CLOCK_BOOTTIME has run
#    ahead of CLOCK_MONOTONIC (tests/integration/suspend-shim.c moves it).
. "$(dirname "$0")/lib.sh"

it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128

# ---- logind ----
/usr/bin/python3 -c 'from gi.repository import Gio' 2>/dev/null || { echo "SKIP: no python3-gi"; exit 77; }
BUS=$IT_TMP/system_bus
EVENTS=$IT_TMP/logind.events
: >"$EVENTS"
dbus-daemon --session --address="unix:path=$BUS" --nofork --nopidfile >"$IT_TMP/bus.out" 2>&1 &
bus_pid=$!
logind_pid=
trap '[ -z "$logind_pid" ] || kill "$logind_pid" 2>/dev/null; kill "$bus_pid" 2>/dev/null; it_cleanup' EXIT
lab_wait_until 10 test -S "$BUS" || it_fail "the private system bus did not start"
"$(dirname "$0")/fake-logind.py" "unix:path=$BUS" "$EVENTS" >"$IT_TMP/logind.out" 2>&1 &
logind_pid=$!
lab_wait_until 10 grep -q ready "$EVENTS" || it_fail "fake logind did not start: $(cat "$IT_TMP/logind.out")"

logind_connect() {
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS" it_connect "$@"
}
events_after() { sed -n "/ $1\$/,\$p" "$EVENTS"; }

logind_connect -o redial=yes -o redial-interval=1 -o redial-attempts=3
it_wait_up 20
dev1=$(it_tundev)
lab_wait_until 5 grep -q 'inhibit delay winvpn' "$EVENTS" ||
	it_fail "winvpn took no sleep delay lock: $(cat "$EVENTS")"
it_ok "winvpn holds a sleep delay lock from logind"
it_ping "$LAB_PPP_SERVER_IP"
mark=$(lab_server_log_mark)
kill -USR1 "$logind_pid"
lab_wait_until 10 grep -q ' asleep$' "$EVENTS" || it_fail "the fake logind never slept"
events_after sleep | grep -q 'released winvpn after' ||
	it_fail "winvpn kept its lock through the sleep delay: $(events_after sleep | tr '\n' ';')"
# The goodbye reached the gateway before the computer slept.
lab_server_log_since "$mark" | grep -qE 'LCP terminated by peer|Received CALL CLR request' ||
	it_fail "the gateway had no goodbye before the sleep: $(lab_server_log_since "$mark" | tail -5)"
it_grep_err 'the computer is going to sleep; hung up the session with'
it_grep_err 'will dial .* again when the computer wakes up'
it_log "hung up for the sleep: $(events_after sleep | grep released | cut -d' ' -f2-)"
it_ok "PrepareForSleep: goodbyes to the gateway before the sleep, then the lock given back"
sleep 1
kill -0 "$IT_PID" 2>/dev/null || it_fail "winvpn exited while asleep (redial=yes)"
! sed -n '/going to sleep/,$p' "$IT_ERR" | grep -qE 'is up again|connecting to' ||
	it_fail "winvpn dialled while the computer slept"
kill -USR2 "$logind_pid"
it_wait_redialled 'woke up' "the wake"
it_grep_err 'the computer woke up; dialling .* again'
it_same_tun_carries "$dev1" "the wake"
lab_wait_until 5 sh -c "events_n=\$(grep -c 'inhibit delay winvpn' '$EVENTS'); [ \$events_n -ge 2 ]" ||
	it_fail "no new sleep delay lock after the wake: $(cat "$EVENTS")"
it_ok "woke up: dialled again at once, new delay lock for the next sleep"
it_disconnect
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
it_assert_clean

# Without redial the session ends before the sleep.
: >"$EVENTS"
logind_connect
it_wait_up 20
lab_wait_until 5 grep -q 'inhibit delay winvpn' "$EVENTS" || it_fail "no sleep delay lock"
kill -USR1 "$logind_pid"
it_wait_exit 10
[ "$IT_RC" = 4 ] || it_fail "sleep without redial: exit status $IT_RC, expected 4"
lab_wait_until 10 grep -q ' asleep$' "$EVENTS" || it_fail "the fake logind never slept"
grep -q 'released winvpn after' "$EVENTS" || it_fail "winvpn's lock outlived it: $(cat "$EVENTS")"
it_grep_err 'the computer is going to sleep'
it_assert_clean
it_ok "sleep without redial: hung up, exit 4, lock given back, nothing left"
kill -USR2 "$logind_pid"

# ---- resume noticed without logind ----
${CC:-cc} -shared -fPIC -o "$IT_TMP/suspend-shim.so" "$(dirname "$0")/suspend-shim.c" -ldl ||
	it_fail "cannot build the suspend shim"
echo 0 >"$IT_TMP/suspended"
# ASan wants its runtime first in the library list; the shim only wraps clock_gettime.
suspended_connect() {
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$IT_TMP/no-bus" \
	LD_PRELOAD="$IT_TMP/suspend-shim.so" WINVPN_TEST_SUSPEND_FILE="$IT_TMP/suspended" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" it_connect "$@"
}
suspended_connect -o redial=yes -o redial-interval=1 -o redial-attempts=3
it_wait_up 20
dev1=$(it_tundev)
it_ping "$LAB_PPP_SERVER_IP"
sleep 6
! grep -q 'asleep' "$IT_ERR" || it_fail "a suspend seen where there was none"
mark=$(lab_server_log_mark)
echo 90 >"$IT_TMP/suspended"
t0=$(lab_now)
it_wait_redialled asleep "the resume"
it_grep_err 'the computer was asleep for 90 s; the gateway .* has most likely dropped the session'
it_grep_err 'redialling in 1 s \(attempt 1 of 3\)'
it_log "resume noticed, hung up and dialled again in $(lab_elapsed "$t0") s"
lab_server_log_wait "$mark" 'LCP terminated by peer|Received CALL CLR request' 5 >/dev/null ||
	it_fail "the gateway saw no goodbye: $(lab_server_log_since "$mark" | tail -5)"
it_ok "resume from suspend: the client said so, said goodbye to the gateway and dialled again"
it_same_tun_carries "$dev1" "the resume"
it_disconnect
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
it_assert_clean
# Without redial the session ends: exit 4, the reason named, nothing left.
echo 0 >"$IT_TMP/suspended"
suspended_connect
it_wait_up 20
echo 600 >"$IT_TMP/suspended"
it_wait_exit 15
[ "$IT_RC" = 4 ] || it_fail "resume without redial: exit status $IT_RC, expected 4"
it_grep_err 'the computer was asleep for 600 s'
it_assert_clean
it_ok "resume without redial: exit 4, named, cleaned up"
it_done
