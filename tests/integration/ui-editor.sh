#!/bin/bash
# ui-editor.sh -- runs tests/unit/test-ui-editor (the GTK editor page: bad gateway marked and
# Save blocked, good values saved) on a display: the caller's $DISPLAY, else a private
# Xvfb.  Skips (77) without either.  No root needed.  The test also drives the Advanced
# dialog; with WINVPN_SCREENSHOT_DIR=docs/screenshots it redraws there the page of each
# VPN type (editor-pptp.png, editor-l2tp.png, editor-l2tp-cert.png, editor-auto.png) and
# each Advanced tab (advanced.png, advanced-eap.png, advanced-ipsec.png,
# advanced-routing.png, advanced-reconnect.png); editor.png comes from ui-editor-nm.sh's
# UI_SCREENSHOT.
set -u
B="${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}"
export top_builddir="$B"
T="$B/tests/unit/test-ui-editor"
[ -x "$T" ] || { echo "SKIP: $T not built"; exit 77; }
# No accessibility bus, no dconf: the test needs neither.
export NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory GDK_BACKEND=x11
if [ -n "${DISPLAY:-}" ]; then
	exec "$T"
fi
command -v Xvfb >/dev/null ||
	{ echo "SKIP: no DISPLAY and no Xvfb (apt-get install xvfb)"; exit 77; }
D=$(mktemp -d /tmp/ui-editor.XXXXXX)
XPID=
cleanup() {
	[ -n "$XPID" ] && kill "$XPID" 2>/dev/null && wait "$XPID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
# -displayfd picks a free display number and tells us when the server is ready.
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$D/display" 2>"$D/xvfb.log" &
XPID=$!
for _ in $(seq 1 100); do [ -s "$D/display" ] && break; sleep 0.05; done
[ -s "$D/display" ] || { echo "SKIP: Xvfb did not start"; cat "$D/xvfb.log"; exit 77; }
export DISPLAY=":$(cat "$D/display")"
"$T"
