#!/usr/bin/python3
"""fake-logind.py BUS_ADDRESS EVENTS_FILE -- stands in for systemd-logind's
sleep announcements on a private bus, for session-keep.sh: a test cannot
suspend the machine it runs on.  It owns org.freedesktop.login1 and answers
Inhibit() with one end of a pipe, as logind does.  SIGUSR1: "the computer
goes to sleep" -- PrepareForSleep(true), then wait (at most 5 s, logind's
InhibitDelayMaxSec) until every delay lock is closed.  SIGUSR2: "it woke
up" -- PrepareForSleep(false).  Each step is a line in EVENTS_FILE."""
import os
import signal
import sys
import time

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.freedesktop.login1.Manager">
    <method name="Inhibit">
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="h" direction="out"/>
    </method>
    <signal name="PrepareForSleep"><arg type="b"/></signal>
  </interface>
</node>"""
PATH, IFACE = "/org/freedesktop/login1", "org.freedesktop.login1.Manager"
DELAY_MAX_S = 5.0

bus_address, events_file = sys.argv[1], sys.argv[2]
locks = {}          # our end of each delay lock's pipe -> who
loop = GLib.MainLoop()


def event(line):
    with open(events_file, "a") as f:
        f.write("%.3f %s\n" % (time.monotonic(), line))


def on_call(conn, sender, path, iface, method, params, invocation):
    what, who, why, mode = params.unpack()
    r, w = os.pipe()
    if mode == "delay" and "sleep" in what.split(":"):
        locks[r] = who
    else:
        os.close(r)
    event("inhibit %s %s (%s)" % (mode, who, why))
    invocation.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)),
                                              Gio.UnixFDList.new_from_array([w]))


def lock_closed(fd):
    """A holder closed its end: the read end sees end-of-file."""
    try:
        return os.read(fd, 1) == b""
    except BlockingIOError:
        return False


def go_to_sleep():
    event("sleep")
    conn.emit_signal(None, PATH, IFACE, "PrepareForSleep", GLib.Variant("(b)", (True,)))
    conn.flush_sync(None)
    start = time.monotonic()
    for fd in locks:
        os.set_blocking(fd, False)
    while locks and time.monotonic() - start < DELAY_MAX_S:
        GLib.MainContext.default().iteration(False)
        for fd in [fd for fd in locks if lock_closed(fd)]:
            event("released %s after %.2f s" % (locks.pop(fd), time.monotonic() - start))
            os.close(fd)
        time.sleep(0.02)
    if locks:
        event("delay over with %d locks held" % len(locks))
    event("asleep")
    return GLib.SOURCE_CONTINUE


def wake_up():
    event("wake")
    conn.emit_signal(None, PATH, IFACE, "PrepareForSleep", GLib.Variant("(b)", (False,)))
    return GLib.SOURCE_CONTINUE


conn = Gio.DBusConnection.new_for_address_sync(
    bus_address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
conn.register_object(PATH, Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0], on_call, None, None)
Gio.bus_own_name_on_connection(conn, "org.freedesktop.login1", Gio.BusNameOwnerFlags.NONE,
                               lambda *a: event("ready"), lambda *a: loop.quit())
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, go_to_sleep)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR2, wake_up)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
loop.run()
