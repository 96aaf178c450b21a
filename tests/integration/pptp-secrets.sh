#!/bin/bash
# The password never shows up where others can read it: not in the most
# verbose log, not in the process's argv or environment, not in the
# vpnc-script's environment.
. "$(dirname "$0")/lib.sh"

it_start_lab PPTPD_AUTH=mschapv2 PPTPD_MPPE=require128
envdump=$IT_TMP/script-env
cat >"$IT_TMP/script" <<EOS
#!/bin/sh
env >>"$envdump"
exec /usr/share/vpnc-scripts/vpnc-script
EOS
chmod +x "$IT_TMP/script"
it_connect -vvv -s "$IT_TMP/script"
it_wait_up 20
pid=$(pgrep -f "$WINVPN connect" | head -1)
[ -n "$pid" ] || it_fail "no winvpn process found"
tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF "$LAB_PASS" && it_fail "password in argv"
tr '\0' '\n' <"/proc/$pid/environ" | grep -qF "$LAB_PASS" && it_fail "password in the environment"
it_ok "password not in argv or environment"
it_ping "$LAB_PPP_SERVER_IP"
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC"
grep -q 'reason=connect' "$envdump" || it_fail "the script did not run with reason=connect"
grep -q 'reason=disconnect' "$envdump" || it_fail "the script did not run with reason=disconnect"
grep -qF "$LAB_PASS" "$envdump" && it_fail "password in the script's environment"
it_ok "script ran for connect and disconnect, without the password"
[ "$(wc -l <"$IT_ERR")" -gt 50 ] || it_fail "the trace log is suspiciously short"
grep -qF "$LAB_PASS" "$IT_ERR" "$IT_OUT" && it_fail "password in the trace-level log"
it_ok "password not in $(wc -l <"$IT_ERR") lines of trace-level log"
it_assert_clean

# Without a password option winvpn asks on the terminal, with echo off: run it
# on a pseudo-terminal (script(1)) and type the password there.
(sleep 1; printf '%s\n' "$LAB_PASS"; sleep 30) |
	script -qfec "ip netns exec $IT_NS $WINVPN connect --no-script -u $LAB_USER $LAB_PPTPD_SERVER" \
		/dev/null >"$IT_TMP/tty.out" 2>&1 &
for i in $(seq 1 100); do grep -q '^connected ' "$IT_TMP/tty.out" && break; sleep 0.1; done
grep -q 'Password: ' "$IT_TMP/tty.out" || it_fail "no password prompt on the terminal"
grep -q '^connected ' "$IT_TMP/tty.out" || { cat "$IT_TMP/tty.out"; it_fail "no tunnel after the prompt"; }
grep -qF "$LAB_PASS" "$IT_TMP/tty.out" && it_fail "the typed password was echoed"
pkill -INT -f "$WINVPN connect --no-script" || true
for i in $(seq 1 50); do pgrep -f "$WINVPN connect" >/dev/null || break; sleep 0.1; done
it_ok "terminal prompt: asked, not echoed, connected"
it_assert_clean

# --secret-fd KEY=N: any secret from a descriptor; a non-secret key is refused.
(umask 077; printf '%s\n' "$LAB_PASS" >"$IT_TMP/pass")
ip netns exec "$IT_NS" "$WINVPN" connect --no-script -u "$LAB_USER" --secret-fd password=3 \
	"$LAB_PPTPD_SERVER" 3<"$IT_TMP/pass" </dev/null >"$IT_OUT" 2>"$IT_ERR" &
IT_PID=$!
for i in $(seq 1 100); do grep -q '^connected ' "$IT_OUT" && break; sleep 0.1; done
grep -q '^connected ' "$IT_OUT" || it_fail "--secret-fd password=3: no tunnel"
it_disconnect
it_assert_clean
rc=0
"$WINVPN" connect --no-script --secret-fd gateway=3 "$LAB_PPTPD_SERVER" 3</dev/null \
	</dev/null >"$IT_OUT" 2>"$IT_ERR" || rc=$?
[ "$rc" = 2 ] || it_fail "--secret-fd gateway=3: exit $rc, expected 2"
it_grep_err "invalid --secret-fd 'gateway': not a secret"
it_ok "--secret-fd: reads a secret from a descriptor, refuses a non-secret key"
it_done
