#!/usr/bin/python3
"""Drive winvpn's page in nm-connection-editor over AT-SPI (tests/integration/ui-editor-nm.sh).

Usage: editor-atspi.py dump
       editor-atspi.py set-gateway BAD GOOD
           types BAD into "Server name or address" and checks that Save is disabled,
           then GOOD, checks that Save is enabled, and clicks it.
       editor-atspi.py set-mtu BAD GOOD
           clicks "Advanced...", types BAD into "MTU" and checks that OK is disabled, then
           GOOD, checks that OK is enabled, clicks it and checks that the dialog closed.
       editor-atspi.py set-type TYPE
           picks TYPE ("L2TP/IPsec with pre-shared key", "Automatic", ...) in "VPN type"
           and checks that the "Pre-shared key" row is shown for the PSK types.
       editor-atspi.py set-advanced BAD-ROUTES GOOD-ROUTES
           clicks "Advanced...", on the Routing tab types BAD-ROUTES into "Extra routes"
           (OK must be disabled), then GOOD-ROUTES (enabled), unticks "Use IPv6"; on the
           Reconnect tab ticks "Redial if line is dropped", sets "Redial attempts" to 5;
           on the IPsec tab ticks "Perfect forward secrecy (PFS)"; clicks OK.
Needs DISPLAY and the session bus on which the editor's a11y bus was activated.
Exit: 0 ok, 1 check failed, 2 editor or widget not found.
"""
import sys
import time

import pyatspi

GATEWAY_LABEL = "Server name or address"
ADVANCED_TITLE = "Advanced VPN Settings"


def find_app(name, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        for app in pyatspi.Registry.getDesktop(0):
            if app is not None and app.name == name:
                return app
        time.sleep(0.2)
    print(f"app {name!r} not on the a11y bus")
    sys.exit(2)


def walk(node, depth=0):
    yield node, depth
    for child in node:
        if child is not None:
            yield from walk(child, depth + 1)


def wait_for(fn, what, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        r = fn()
        if r is not None:
            return r
        time.sleep(0.2)
    print(f"not found: {what}")
    sys.exit(2)


def labelled(app, text):
    def look():
        for node, _ in walk(app):
            if node.getRoleName() == "label" and node.name == text:
                for rel in node.getRelationSet():
                    if rel.getRelationType() == pyatspi.RELATION_LABEL_FOR:
                        return rel.getTarget(0)
        return None
    return wait_for(look, f"entry labelled {text!r}")


def button(app, name):
    def look():
        for node, _ in walk(app):
            if node.getRoleName() == "push button" and node.name == name:
                return node
        return None
    return wait_for(look, f"button {name!r}")


def named(app, role, name):
    def look():
        for node, _ in walk(app):
            if node.getRoleName() == role and node.name == name:
                return node
        return None
    return wait_for(look, f"{role} {name!r}")


def gone(app, role, name, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        if not any(n.getRoleName() == role and n.name == name for n, _ in walk(app)):
            return True
        time.sleep(0.2)
    return False


def set_mtu(app, bad, good):
    named(app, "push button", "Advanced...").queryAction().doAction(0)
    dialog = named(app, "dialog", ADVANCED_TITLE)
    mtu = named(dialog, "spin button", "MTU")
    ok = named(dialog, "push button", "OK")
    rc = 0
    print("MTU now:", repr(set_text(mtu, bad)))
    if sensitive(ok):
        print(f"FAIL: OK is enabled with MTU {bad!r}")
        rc = 1
    else:
        print(f"ok: OK disabled with MTU {bad!r}")
    print("MTU now:", repr(set_text(mtu, good)))
    if not sensitive(ok):
        print(f"FAIL: OK is disabled with MTU {good!r}")
        return 1
    print(f"ok: OK enabled with MTU {good!r}")
    ok.queryAction().doAction(0)
    if not gone(app, "dialog", ADVANCED_TITLE):
        print("FAIL: the Advanced dialog is still open after OK")
        return 1
    print("clicked OK, dialog closed")
    return rc


def tab(dialog, name):
    t = named(dialog, "page tab", name)
    t.parent.querySelection().selectChild(t.getIndexInParent())
    time.sleep(0.3)


def tick(dialog, name, on):
    box = named(dialog, "check box", name)
    if box.getState().contains(pyatspi.STATE_CHECKED) != on:
        box.queryAction().doAction(0)
        time.sleep(0.3)
    return box.getState().contains(pyatspi.STATE_CHECKED) == on


def set_advanced(app, bad, good):
    named(app, "push button", "Advanced...").queryAction().doAction(0)
    dialog = named(app, "dialog", ADVANCED_TITLE)
    ok = named(dialog, "push button", "OK")
    rc = 0
    tab(dialog, "Routing")
    routes = named(dialog, "text", "Extra routes")
    print("routes now:", repr(set_text(routes, bad)))
    if sensitive(ok):
        print(f"FAIL: OK is enabled with routes {bad!r}")
        rc = 1
    else:
        print(f"ok: OK disabled with routes {bad!r}")
    print("routes now:", repr(set_text(routes, good)))
    if not sensitive(ok):
        print(f"FAIL: OK is disabled with routes {good!r}")
        return 1
    print(f"ok: OK enabled with routes {good!r}")
    if not tick(dialog, "Use IPv6", False):
        print("FAIL: cannot untick Use IPv6")
        rc = 1
    tab(dialog, "Reconnect")
    if not tick(dialog, "Redial if line is dropped", True):
        print("FAIL: cannot tick Redial if line is dropped")
        rc = 1
    attempts = named(dialog, "spin button", "Redial attempts")
    if not sensitive(attempts):
        print("FAIL: Redial attempts stays insensitive with redial on")
        rc = 1
    print("redial attempts now:", repr(set_text(attempts, "5")))
    tab(dialog, "IPsec")
    if not tick(dialog, "Perfect forward secrecy (PFS)", True):
        print("FAIL: cannot tick PFS")
        rc = 1
    ok.queryAction().doAction(0)
    if not gone(app, "dialog", ADVANCED_TITLE):
        print("FAIL: the Advanced dialog is still open after OK")
        return 1
    print("clicked OK, dialog closed")
    return rc


def set_type(app, name):
    combo = labelled(app, "VPN type")
    menu = combo[0]
    items = [item.name if item is not None else None for item in menu]
    if name not in items:
        print(f"FAIL: no {name!r} in the VPN type list {items}")
        return 2
    # GtkComboBox's accessible selects its rows (AtkSelection); else open the
    # popup and click the item, as a user does.
    combo.querySelection().selectChild(items.index(name))
    time.sleep(0.5)
    if combo.name != name:
        combo.queryAction().doAction(0)
        time.sleep(0.5)
        menu[items.index(name)].queryAction().doAction(0)
        time.sleep(0.5)
    if combo.name != name:
        print(f"FAIL: the VPN type is {combo.name!r} after choosing {name!r}")
        return 1
    psk_shown = any(n.getRoleName() == "label" and n.name == "Pre-shared key" and
                    n.getState().contains(pyatspi.STATE_SHOWING) for n, _ in walk(app))
    want = "pre-shared key" in name or name == "Automatic"
    if psk_shown != want:
        print(f"FAIL: type {name!r}: the Pre-shared key row is {'shown' if psk_shown else 'hidden'}")
        return 1
    print(f"ok: type {name!r} chosen, Pre-shared key row {'shown' if psk_shown else 'hidden'}")
    return 0


def sensitive(node):
    return node.getState().contains(pyatspi.STATE_SENSITIVE)


def set_text(entry, text):
    entry.queryEditableText().setTextContents(text)
    time.sleep(0.5)  # the editor re-validates on "changed"
    t = entry.queryText()
    return t.getText(0, t.characterCount)


def main():
    app = find_app("nm-connection-editor")
    cmd = sys.argv[1] if len(sys.argv) > 1 else "dump"
    if cmd == "dump":
        for node, d in walk(app):
            role = node.getRoleName()
            if role in ("label", "text", "password text", "push button", "page tab",
                        "combo box", "dialog", "frame", "spin button", "check box"):
                print("  " * d + f"[{role}] {node.name!r} sensitive={sensitive(node)}")
        return 0
    if cmd == "set-mtu" and len(sys.argv) == 4:
        return set_mtu(app, sys.argv[2], sys.argv[3])
    if cmd == "set-advanced" and len(sys.argv) == 4:
        return set_advanced(app, sys.argv[2], sys.argv[3])
    if cmd == "set-type" and len(sys.argv) == 3:
        return set_type(app, sys.argv[2])
    if cmd != "set-gateway" or len(sys.argv) != 4:
        print(__doc__)
        return 2
    bad, good = sys.argv[2], sys.argv[3]
    entry = labelled(app, GATEWAY_LABEL)
    save = button(app, "Save")
    rc = 0
    print("gateway now:", repr(set_text(entry, bad)))
    if sensitive(save):
        print(f"FAIL: Save is enabled with gateway {bad!r}")
        rc = 1
    else:
        print(f"ok: Save disabled with gateway {bad!r}")
    print("gateway now:", repr(set_text(entry, good)))
    if not sensitive(save):
        print(f"FAIL: Save is disabled with gateway {good!r}")
        return 1
    print(f"ok: Save enabled with gateway {good!r}")
    save.queryAction().doAction(0)
    print("clicked Save")
    return rc


if __name__ == "__main__":
    sys.exit(main())
