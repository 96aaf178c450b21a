#!/bin/bash
# ui-auth-dialog.sh -- nm-winvpn-auth-dialog without a display, as nmcli and NM's agents
# run it: NM's stdin protocol (DATA_KEY/DATA_VAL/SECRET_KEY/SECRET_VAL/DONE, then QUIT),
# a password stored with secret-tool under the connection's uuid in a private
# gnome-keyring (tests/lab/keyring.sh), the L2TP/IPsec pre-shared key, secrets NM already
# passed, NOT_REQUIRED flags, --external-ui-mode's key file, and no hang without QUIT's
# sender or a display.  Skips (77) without gnome-keyring/secret-tool.  No root needed.
set -u
S="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
B="${top_builddir:-$S}"
DLG="$B/ui/nm-winvpn-auth-dialog"
[ -x "$DLG" ] || { echo "SKIP: $DLG not built"; exit 77; }
for c in dbus-daemon gnome-keyring-daemon secret-tool gdbus timeout; do
	command -v "$c" >/dev/null || { echo "SKIP: $c missing"; exit 77; }
done

T=$(mktemp -d /tmp/ui-auth-dialog.XXXXXX)
export KR_RUN="$T/keyring"
trap 'rm -rf "$T"' EXIT

cat >"$T/case.sh" <<'EOS'
set -u
DLG="$1"
SERVICE=org.freedesktop.NetworkManager.winvpn
UUID=6a4ad2c4-3c1c-4c8b-9e0b-5a7d1c0f1a11
fail=0 n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
expect() { # expect NAME WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; printf '  want: %q\n  got:  %q\n' "$2" "$3"; fi
}
# dialog ARGS... <<< stdin  (no display; 10 s limit so a hang fails instead of blocking)
dialog() { env -u DISPLAY -u WAYLAND_DISPLAY timeout 10 "$DLG" --uuid "$UUID" --name "Office" \
	--service "$SERVICE" "$@"; }

printf 'kr-pass-1' | secret-tool store --label="VPN password" connection-uuid "$UUID" \
	setting-name vpn setting-key password
printf 'kr-psk-2' | secret-tool store --label="VPN PSK" connection-uuid "$UUID" \
	setting-name vpn setting-key ipsec-psk
expect "secret-tool stored the password" kr-pass-1 \
	"$(secret-tool lookup connection-uuid "$UUID" setting-name vpn setting-key password)"

PPTP='DATA_KEY=gateway\nDATA_VAL=10.0.0.1\nDATA_KEY=password-flags\nDATA_VAL=1\n'
L2TP='DATA_KEY=gateway\nDATA_VAL=10.0.0.1\nDATA_KEY=protocol\nDATA_VAL=l2tp\n'

out=$(printf "${PPTP}DONE\n\nQUIT\n" | dialog); rc=$?
expect "PPTP: exit 0" 0 "$rc"
expect "PPTP: password from the keyring, then the blank line" \
	"$(printf 'password\nkr-pass-1\n\n')" "$out"

out=$(printf "${L2TP}DONE\n\nQUIT\n" | dialog --allow-interaction)
expect "L2TP/IPsec: password and pre-shared key (allow-interaction, no display)" \
	"$(printf 'password\nkr-pass-1\nipsec-psk\nkr-psk-2\n\n')" "$out"

out=$(printf "${L2TP}SECRET_KEY=password\nSECRET_VAL=from-nm\nDONE\n\nQUIT\n" | dialog)
expect "a secret NM passed wins over the keyring" \
	"$(printf 'password\nfrom-nm\nipsec-psk\nkr-psk-2\n\n')" "$out"

PLAIN='DATA_KEY=ipsec-enabled\nDATA_VAL=no\nDATA_KEY=password-flags\nDATA_VAL=4\n'
out=$(printf "${L2TP}${PLAIN}DONE\n\nQUIT\n" | dialog)
expect "plain L2TP, password NOT_REQUIRED: nothing to answer" "" \
	"$(printf '%s' "$out" | tr -d '\n')"

# Without QUIT the dialog waits at most 20 s; with stdin closed it ends at once.
t0=$(date +%s)
out=$(printf "${PPTP}DONE\n\n" | dialog); rc=$?
t1=$(date +%s)
expect "stdin closed without QUIT: exit 0" 0 "$rc"
[ $((t1 - t0)) -le 3 ] && ok "stdin closed: no wait ($((t1 - t0)) s)" || bad "waited $((t1 - t0)) s"

out=$(printf "${L2TP}DONE\n\n" | dialog --external-ui-mode --allow-interaction); rc=$?
expect "external UI mode: exit 0" 0 "$rc"
printf '%s\n' "$out" >"$KR_RUN/ext.ini"
get() { # get GROUP KEY
	awk -v g="[$1]" -v k="$2" '/^\[/{in_g=($0==g); next} in_g && index($0, k"=")==1 {
		print substr($0, length(k) + 2); exit }' "$KR_RUN/ext.ini"
}
expect "external: Version" 2 "$(get 'VPN Plugin UI' Version)"
expect "external: Title" "Authenticate VPN" "$(get 'VPN Plugin UI' Title)"
get 'VPN Plugin UI' Description | grep -q Office &&
	ok "external: Description names the connection" ||
	bad "external: Description"
expect "external: password Value from the keyring" kr-pass-1 "$(get password Value)"
expect "external: password IsSecret" true "$(get password IsSecret)"
expect "external: password ShouldAsk (found)" false "$(get password ShouldAsk)"
expect "external: ipsec-psk Value" kr-psk-2 "$(get ipsec-psk Value)"
expect "external: ipsec-psk Label" "Pre-shared key:" "$(get ipsec-psk Label)"

# A connection the keyring does not know: asked for, empty.
out=$(printf "${PPTP}DONE\n\n" | env -u DISPLAY timeout 10 "$DLG" \
	--uuid 00000000-0000-4000-8000-000000000000 --name Other --service "$SERVICE" \
	--external-ui-mode)
printf '%s\n' "$out" >"$KR_RUN/ext.ini"
expect "external, unknown uuid: password ShouldAsk" true "$(get password ShouldAsk)"
expect "external, unknown uuid: no ipsec-psk group for PPTP" "" "$(get ipsec-psk Label)"

# --reprompt: asked again even though the keyring has it.
out=$(printf "${PPTP}DONE\n\n" | dialog --external-ui-mode --reprompt)
printf '%s\n' "$out" >"$KR_RUN/ext.ini"
expect "external, --reprompt: ShouldAsk" true "$(get password ShouldAsk)"

# L2TP/IPsec with a machine certificate: the key's passphrase instead of the PSK, asked
# only for an encrypted key (the service's rule, nm_winvpn_secret_applies).
if command -v openssl >/dev/null; then
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KR_RUN/plain.key" 2>/dev/null
	openssl pkey -in "$KR_RUN/plain.key" -aes256 -passout pass:certpw -out "$KR_RUN/enc.key"
	CERT="${L2TP}DATA_KEY=machine-auth-type\nDATA_VAL=tls\nDATA_KEY=machine-cert\nDATA_VAL=$KR_RUN/host.pem\n"
	out=$(printf "${CERT}DATA_KEY=machine-key\nDATA_VAL=$KR_RUN/enc.key\nDONE\n\n" |
		dialog --external-ui-mode)
	printf '%s\n' "$out" >"$KR_RUN/ext.ini"
	expect "certificate, encrypted key: passphrase asked" true "$(get machine-certpass ShouldAsk)"
	expect "certificate, encrypted key: its label" "Machine certificate passphrase:" \
		"$(get machine-certpass Label)"
	expect "certificate: no ipsec-psk group" "" "$(get ipsec-psk Label)"
	out=$(printf "${CERT}DATA_KEY=machine-key\nDATA_VAL=$KR_RUN/plain.key\nDONE\n\n" |
		dialog --external-ui-mode)
	printf '%s\n' "$out" >"$KR_RUN/ext.ini"
	expect "certificate, plain key: no passphrase group" "" "$(get machine-certpass Label)"
else
	echo "# openssl missing: certificate cases not run"
fi

# Wrong service, no stdin data: clear errors, exit 1, no hang.
printf 'DONE\n\n' | timeout 10 "$DLG" --uuid "$UUID" --name x --service org.example.other \
	>/dev/null 2>&1; expect "wrong service: exit 1" 1 $?
printf '' | timeout 10 "$DLG" --uuid "$UUID" --name x --service "$SERVICE" >/dev/null 2>&1
expect "no stdin data: exit 1" 1 $?
echo "1..$n"
exit $fail
EOS

bash "$S/tests/lab/keyring.sh" run bash "$T/case.sh" "$DLG" || exit 1

# The GTK prompt (--allow-interaction with a display): a private Xvfb, the password typed
# with xdotool.  Skipped (not failed) without Xvfb or xdotool.
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
	echo "# interactive case skipped: no Xvfb or xdotool"
	exit 0
fi
Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp 3>"$T/display" 2>"$T/xvfb.log" &
XPID=$!
trap 'kill "$XPID" 2>/dev/null; wait "$XPID" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do [ -s "$T/display" ] && break; sleep 0.05; done
[ -s "$T/display" ] || { echo "not ok - Xvfb did not start"; exit 1; }
export DISPLAY=":$(cat "$T/display")"
(printf 'DATA_KEY=gateway\nDATA_VAL=10.0.0.1\nDONE\n\n'; sleep 8; echo QUIT) |
	NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory env -u DBUS_SESSION_BUS_ADDRESS timeout 20 \
	"$DLG" --uuid 11111111-2222-4333-8444-555555555555 --name Office \
	--service org.freedesktop.NetworkManager.winvpn --allow-interaction >"$T/gtk.out" 2>&1 &
DPID=$!
W=
for _ in $(seq 1 100); do
	W=$(xdotool search --onlyvisible --name "Authenticate VPN" 2>/dev/null | head -1)
	[ -n "$W" ] && break
	sleep 0.1
done
[ -n "$W" ] || { echo "not ok - the GTK prompt never appeared"; cat "$T/gtk.out"; exit 1; }
xdotool windowfocus --sync "$W" 2>/dev/null
xdotool type --delay 20 'typed-pw'
xdotool key Return
wait "$DPID"
rc=$?
if [ "$rc" = 0 ] && [ "$(cat "$T/gtk.out")" = "$(printf 'password\ntyped-pw\n\n')" ]; then
	echo "ok - GTK prompt: the typed password is answered"
else
	echo "not ok - GTK prompt (rc $rc): $(od -c "$T/gtk.out" | head -3)"
	exit 1
fi
