#!/bin/bash
# ui-nmcli.sh -- nmcli imports and exports winvpn profiles through the build tree's
# libnm-vpn-plugin-winvpn.so, with a private real NetworkManager (tests/lab/nm.sh) that
# reads a .name file whose [libnm] plugin= points at the build tree:
#   * "nmcli connection import type winvpn file F" of a CLI profile gives a connection
#     with the profile's keys (and NM stores it);
#   * "nmcli connection export" writes our format again, without the password;
#   * the exported file imports again to the same vpn.data;
#   * a malformed file is refused with the line and the key in nmcli's message.
# Root (namespaces); skips (77) without root, nmcli or NetworkManager.
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
[ -n "$PLUGIN" ] && [ -f "$PLUGIN" ] && [ -f "$NAME_FILE" ] ||
	{ echo "SKIP: plugin not built"; exit 77; }
for c in nmcli NetworkManager dbus-daemon nsenter ip; do
	command -v "$c" >/dev/null || { echo "SKIP: $c missing"; exit 77; }
done

NMLAB="$S/tests/lab/nm.sh"
export NM_LAB_RUN="${WINVPN_LAB_STATE:-/var/tmp/winvpn-lab}/lab/ui-nm" NM_LAB_NS=${IT_NS:-wvlab}-ui
T=$(mktemp -d /tmp/ui-nmcli.XXXXXX)
cleanup() {
	bash "$NMLAB" stop >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
fail=0 n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
nmc() { bash "$NMLAB" mntexec nmcli "$@"; }

mkdir -p "$T/vpn" "$T/dbus"
sed -e "s|^plugin=.*|plugin=$PLUGIN|" \
	-e "s|^auth-dialog=.*|auth-dialog=$B/ui/nm-winvpn-auth-dialog|" \
	"$NAME_FILE" >"$T/vpn/nm-winvpn-service.name"
cp "$S/nm-plugin/nm-winvpn-service.conf" "$T/dbus/"
NM_LAB_VPN_DIR=$T/vpn NM_LAB_DBUS_POLICY_DIR=$T/dbus bash "$NMLAB" restart >"$T/lab.out" 2>&1 ||
	{ cat "$T/lab.out"; echo "not ok - NetworkManager did not start"; exit 1; }
eval "$(bash "$NMLAB" env)"

cat >"$T/Branch office.conf" <<'EOP'
# written for "winvpn connect --profile"
protocol = l2tp
gateway = vpn.example.com
user = alice
domain = CORP
password = not-exported
refuse-pap = yes
mtu = 1400
EOP
# nmcli passes the file name through; the plugin reads it in nmcli's mount namespace.
if nmc connection import type winvpn file "$T/Branch office.conf" >"$T/imp.out" 2>&1; then
	ok "nmcli connection import: $(tr -d '\n' <"$T/imp.out")"
else
	bad "nmcli connection import"; cat "$T/imp.out"
fi
data=$(nmcli -g vpn.data connection show "Branch office" 2>&1)
for kv in "protocol = l2tp" "gateway = vpn.example.com" "user = alice" "domain = CORP" \
	"refuse-pap = yes" "mtu = 1400"; do
	case ", $data," in *", $kv,"*) ok "imported $kv" ;; *) bad "imported $kv (vpn.data: $data)" ;; esac
done
[ "$(nmcli -g vpn.service-type connection show "Branch office")" = \
	org.freedesktop.NetworkManager.winvpn ] && ok "service type" || bad "service type"

if nmc connection export "Branch office" "$T/exported.conf" >"$T/exp.out" 2>&1; then
	ok "nmcli connection export"
else
	bad "nmcli connection export"; cat "$T/exp.out"
fi
grep -qx "gateway = vpn.example.com" "$T/exported.conf" && ok "export: gateway line" ||
	bad "export: gateway line"
grep -q "not-exported" "$T/exported.conf" && bad "export contains the password" ||
	ok "export: no password"
grep -qx "# id = Branch office" "$T/exported.conf" && ok "export: id comment" || bad "export: id"

nmcli connection delete "Branch office" >/dev/null 2>&1
nmc connection import type winvpn file "$T/exported.conf" >/dev/null 2>&1 &&
	ok "re-import of the export" || bad "re-import of the export"
data2=$(nmcli -g vpn.data connection show "Branch office" 2>&1)
norm() { tr ',' '\n' | sed 's/^ *//' | sort; }
[ "$(norm <<<"$data")" = "$(norm <<<"$data2")" ] && ok "round trip: same vpn.data" ||
	bad "round trip: '$data' != '$data2'"

printf 'gateway = 10.0.0.1\nrefuse-pap = maybe\n' >"$T/bad.conf"
if nmc connection import type winvpn file "$T/bad.conf" >"$T/bad.out" 2>&1; then
	bad "malformed file imported"
else
	grep -q "bad.conf:2:.*refuse-pap" "$T/bad.out" && ok "malformed: $(tr -d '\n' <"$T/bad.out")" ||
		{ bad "malformed: message"; cat "$T/bad.out"; }
fi
echo "1..$n"
exit $fail
