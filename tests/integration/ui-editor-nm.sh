#!/bin/bash
# ui-editor-nm.sh -- the real nm-connection-editor on a private Xvfb edits a winvpn
# connection of a private real NetworkManager (tests/lab/nm.sh; the editor runs in NM's
# mount namespace so it sees the .name file naming the build tree's plugin).  Over AT-SPI
# (tests/lab/editor-atspi.py): in the Advanced dialog a bad MTU disables OK and a good one
# is taken on OK; the VPN type becomes "L2TP/IPsec with pre-shared key" (its key row
# shows); on the Advanced tabs a bad route list disables OK, IPv6 goes off, redial on with
# 5 attempts, PFS on; a bad gateway disables Save, a good one enables it, Save stores it
# all, and nmcli reads the gateway, MTU, type, routes, IPv6, redial and PFS back.  Screenshot: $T/editor.png, copied to
# $UI_SCREENSHOT (e.g. docs/screenshots/editor.png) when set.
# Root; skips (77) without Xvfb, nm-connection-editor, xdotool, pyatspi, NetworkManager.
set -u
S="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
B="${top_builddir:-$S}"
PLUGIN=$(readlink -f "$B/ui/libnm-vpn-plugin-winvpn.so" 2>/dev/null)
NAME_FILE="$B/nm-plugin/nm-winvpn-service.name"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
# NetworkManager's own programs load our plugin library; a sanitizer build of
# it needs the sanitizer runtime in their process, which they do not have.
[ -z "${WINVPN_SANITIZED:-}" ] ||
	{ echo "SKIP: plugin built with sanitizers cannot load into $(basename "$0" .sh)'s host"; exit 77; }
[ -n "$PLUGIN" ] && [ -f "$PLUGIN" ] && [ -f "$B/ui/libnm-vpn-plugin-winvpn-editor.so" ] &&
	[ -f "$NAME_FILE" ] || { echo "SKIP: plugin not built"; exit 77; }
for c in nmcli NetworkManager nm-connection-editor Xvfb xdotool import dbus-daemon \
	gnome-keyring-daemon gsettings nsenter; do
	command -v "$c" >/dev/null || { echo "SKIP: $c missing"; exit 77; }
done
/usr/bin/python3 -c 'import pyatspi' 2>/dev/null ||
	{ echo "SKIP: python3-pyatspi missing"; exit 77; }

NMLAB="$S/tests/lab/nm.sh"
export NM_LAB_RUN="${WINVPN_LAB_STATE:-/var/tmp/winvpn-lab}/lab/ui-editor-nm" NM_LAB_NS=${IT_NS:-wvlab}-uied
T=$(mktemp -d /tmp/ui-editor-nm.XXXXXX)
export KR_RUN="$T/keyring"
XPID= EPID=
alive() {
	local st
	[ -n "$1" ] && st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$st" != Z ]
}
stop_pid() {
	local i
	alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 30; i++)); do alive "$1" || return 0; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
}
cleanup() {
	stop_pid "$EPID"
	stop_pid "$XPID"
	bash "$S/tests/lab/keyring.sh" stop >/dev/null 2>&1
	bash "$NMLAB" stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
fail=0 n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
die() { bad "$1"; [ -n "${2:-}" ] && cat "$2"; echo "1..$n"; exit 1; }

mkdir -p "$T/vpn" "$T/dbus"
sed -e "s|^plugin=.*|plugin=$PLUGIN|" \
	-e "s|^auth-dialog=.*|auth-dialog=$B/ui/nm-winvpn-auth-dialog|" \
	"$NAME_FILE" >"$T/vpn/nm-winvpn-service.name"
cp "$S/nm-plugin/nm-winvpn-service.conf" "$T/dbus/"
NM_LAB_VPN_DIR=$T/vpn NM_LAB_DBUS_POLICY_DIR=$T/dbus bash "$NMLAB" restart >"$T/lab.out" 2>&1 ||
	die "NetworkManager did not start" "$T/lab.out"
eval "$(bash "$NMLAB" env)"
bash "$NMLAB" mntexec nmcli connection add type vpn con-name wv-edit ifname '*' vpn-type winvpn \
	vpn.data 'gateway=10.0.0.1, user=alice, password-flags=1' >"$T/add.out" 2>&1 ||
	die "nmcli connection add" "$T/add.out"
UUID=$(nmcli -g connection.uuid connection show wv-edit)
ok "winvpn connection $UUID in the private NetworkManager"

# Session bus (+ keyring) for dconf and the a11y bus; accessibility on.
bash "$S/tests/lab/keyring.sh" start >"$T/kr.out" 2>&1 || die "keyring/session bus" "$T/kr.out"
eval "$(bash "$S/tests/lab/keyring.sh" env)"
gsettings set org.gnome.desktop.interface toolkit-accessibility true 2>/dev/null || true

setsid Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$T/display" >"$T/xvfb.log" 2>&1 \
	</dev/null &
XPID=$!
for _ in $(seq 1 200); do [ -s "$T/display" ] && break; sleep 0.05; done
[ -s "$T/display" ] || die "Xvfb did not start" "$T/xvfb.log"
export DISPLAY=":$(tr -d '\n' <"$T/display")"

unset NO_AT_BRIDGE
setsid bash "$NMLAB" mntexec nm-connection-editor --edit "$UUID" >"$T/editor.log" 2>&1 </dev/null &
EPID=$!
W=
for _ in $(seq 1 300); do
	W=$(xdotool search --onlyvisible --name "^Editing " 2>/dev/null | head -1)
	[ -n "$W" ] && break
	alive "$EPID" || break
	sleep 0.1
done
[ -n "$W" ] || die "the editor window never appeared" "$T/editor.log"
ok "nm-connection-editor opened '$(xdotool getwindowname "$W")'"

# Make sure the VPN tab is the one shown (for the screenshot).
/usr/bin/python3 - <<'PY' >"$T/tab.out" 2>&1 || true
import time, pyatspi
for _ in range(50):
    app = next((a for a in pyatspi.Registry.getDesktop(0)
                if a and a.name == "nm-connection-editor"), None)
    if app: break
    time.sleep(0.2)
def walk(n):
    yield n
    for c in n:
        if c is not None: yield from walk(c)
for n in walk(app):
    if n.getRoleName() == "page tab" and n.name == "VPN":
        p = n.parent.querySelection()
        p.selectChild(n.getIndexInParent()); print("VPN tab selected"); break
PY
xdotool mousemove 0 0
sleep 0.8
import -window "$W" "$T/editor.png" && ok "screenshot $T/editor.png" || bad "screenshot"
if [ -n "${UI_SCREENSHOT:-}" ]; then cp "$T/editor.png" "$UI_SCREENSHOT"; fi

if /usr/bin/python3 "$S/tests/lab/editor-atspi.py" set-mtu 100 1280 >"$T/mtu.out" 2>&1; then
	ok "AT-SPI: Advanced..., bad MTU disables OK, good one enables it, OK clicked"
else
	bad "AT-SPI Advanced dialog"; cat "$T/mtu.out"
	/usr/bin/python3 "$S/tests/lab/editor-atspi.py" dump 2>&1 | head -80
fi
sed 's/^/  /' "$T/mtu.out"

if /usr/bin/python3 "$S/tests/lab/editor-atspi.py" set-type 'L2TP/IPsec with pre-shared key' \
	>"$T/type.out" 2>&1; then
	ok "AT-SPI: VPN type L2TP/IPsec with pre-shared key, its key row shown"
else
	bad "AT-SPI VPN type"; cat "$T/type.out"
fi
sed 's/^/  /' "$T/type.out"

if /usr/bin/python3 "$S/tests/lab/editor-atspi.py" set-advanced '10.0.0.1/8' \
	'10.0.0.0/8 172.16.5.0/24' >"$T/adv.out" 2>&1; then
	ok "AT-SPI: Advanced tabs: bad route list disables OK, good one enables it; IPv6 off, redial on with 5 attempts, PFS on; OK clicked"
else
	bad "AT-SPI Advanced tabs"; cat "$T/adv.out"
	/usr/bin/python3 "$S/tests/lab/editor-atspi.py" dump 2>&1 | head -80
fi
sed 's/^/  /' "$T/adv.out"

if /usr/bin/python3 "$S/tests/lab/editor-atspi.py" set-gateway 'bad host!' 198.51.100.77 \
	>"$T/drive.out" 2>&1; then
	ok "AT-SPI: bad gateway disables Save, good one enables it, Save clicked"
else
	bad "AT-SPI drive"; cat "$T/drive.out"
	/usr/bin/python3 "$S/tests/lab/editor-atspi.py" dump 2>&1 | head -60
fi
sed 's/^/  /' "$T/drive.out"

gw=
for _ in $(seq 1 50); do
	gw=$(nmcli -g vpn.data connection show wv-edit | tr ',' '\n' | sed -n 's/^ *gateway = //p')
	[ "$gw" = 198.51.100.77 ] && break
	sleep 0.1
done
[ "$gw" = 198.51.100.77 ] && ok "nmcli: saved gateway $gw" || bad "nmcli: gateway is '$gw'"
mtu=$(nmcli -g vpn.data connection show wv-edit | tr ',' '\n' | sed -n 's/^ *mtu = //p')
[ "$mtu" = 1280 ] && ok "nmcli: saved mtu $mtu" || bad "nmcli: mtu is '$mtu'"
user=$(nmcli -g vpn.data connection show wv-edit | tr ',' '\n' | sed -n 's/^ *user = //p')
[ "$user" = alice ] &&
	ok "nmcli: user kept" || bad "nmcli: user lost"
# What the type list and the Advanced tabs wrote, as nmcli reads it back.
data=$(nmcli -g vpn.data connection show wv-edit | tr ',' '\n' | sed 's/^ *//')
for kv in 'protocol = l2tp' 'ipsec-enabled = yes' 'machine-auth-type = psk' \
	'routes = 10.0.0.0/8 172.16.5.0/24' 'ipv6 = no' 'redial = yes' 'redial-attempts = 5' \
	'ipsec-pfs = yes'; do
	grep -qxF "$kv" <<<"$data" && ok "nmcli: $kv" || bad "nmcli: no '$kv' in vpn.data: $data"
done
echo "1..$n"
exit $fail
