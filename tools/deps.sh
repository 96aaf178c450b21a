#!/bin/bash
# tools/deps.sh build|test -- installs the Debian 12 packages winvpn needs to
# build (build) or to build and run its whole test suite (test).  Idempotent;
# waits for another apt-get instead of failing.
set -eu

build_pkgs=(build-essential autoconf automake autopoint gettext pkg-config libssl-dev
	libnm-dev libglib2.0-dev libgtk-3-dev libnma-dev libsecret-1-dev vpnc-scripts iproute2)
test_pkgs=(clang libclang-rt-14-dev llvm iputils-ping tcpdump nftables procps psmisc
	python3 socat network-manager dbus-daemon dbus-bin libglib2.0-bin
	gnome-keyring libsecret-tools dbus-session-bus-common xvfb xdotool imagemagick x11-utils
	network-manager-gnome python3-pyatspi at-spi2-core python3-gi gir1.2-glib-2.0
	softether-vpnserver softether-vpncmd util-linux
	strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "tools/deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "tools/deps.sh: installing ${missing[*]}" >&2
apt=(apt-get -o DPkg::Lock::Timeout=900 -y -q --no-install-recommends)
if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >/dev/null; then
	apt-get -o DPkg::Lock::Timeout=900 -q update >/dev/null
	DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >/dev/null
fi
