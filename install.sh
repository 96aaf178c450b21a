#!/bin/bash
# install.sh -- on a fresh Debian 12 machine: install the build dependencies,
# build winvpn, install it under PREFIX (default /usr/local) and check that it
# runs.  Usage: sudo ./install.sh [configure options...]
set -eu
cd "$(dirname "$(readlink -f "$0")")"
tools/deps.sh build
./autogen.sh >/dev/null 2>&1
mkdir -p build
cd build
../configure --prefix="${PREFIX:-/usr/local}" "$@" >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
echo "installed: $(command -v winvpn || echo "${PREFIX:-/usr/local}/sbin/winvpn")"
winvpn --version
