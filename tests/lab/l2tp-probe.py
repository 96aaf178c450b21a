#!/usr/bin/env python3
"""l2tp-probe.py -- protocol-level checks of the lab's L2TP server (stdlib only).

  l2tp-probe.py l2tp HOST [PORT]
      From an ephemeral UDP port: SCCRQ, require a SCCRP, then SCCCN and
      StopCCN (SCCCN first: some servers, SoftEther, wedge on a tunnel torn
      down before it).  This is what "xl2tpd.sh start" waits for.

  l2tp-probe.py l2tp-call HOST [PORT]
      As "l2tp", then ICRQ; require an ICRP, send ICCN and require the
      server pppd's first data message (its LCP Configure-Request); then CDN
      and StopCCN.  Proves xl2tpd + pppd + the data path work.

  -x (before the mode): also print every datagram received, in hex.

Prints one summary line; exit 0 on success, 1 on failure, 2 on usage error.
"""
import os
import socket
import struct
import sys
import time

SCCRQ, SCCRP, SCCCN, STOPCCN, HELLO, ICRQ, ICRP, ICCN, CDN = 1, 2, 3, 4, 6, 10, 11, 12, 14
NAMES = {1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 10: "ICRQ",
         11: "ICRP", 12: "ICCN", 14: "CDN"}
HEX = False


def avp(attr, value, mandatory=True):
    return struct.pack("!HHH", (0x8000 if mandatory else 0) | (6 + len(value)), 0, attr) + value


def u16(attr, v):
    return avp(attr, struct.pack("!H", v))


def u32(attr, v):
    return avp(attr, struct.pack("!I", v))


class Probe:
    def __init__(self, host, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect((host, port))
        self.host, self.port = host, port
        self.tid = (os.getpid() & 0x7fff) | 0x100
        self.sid = 0x4242
        self.peer_tid = self.peer_sid = 0
        self.ns = self.nr = 0
        self.info = {}

    def send(self, mtype, avps=b"", session=0):
        body = avp(0, struct.pack("!H", mtype)) + avps if mtype else b""
        hdr = struct.pack("!HHHHHH", 0xC802, 12 + len(body), self.peer_tid, session,
                          self.ns, self.nr)
        self.sock.send(hdr + body)
        if mtype:
            self.ns = (self.ns + 1) & 0xffff

    def recv(self, timeout):
        """One L2TP message: ('ctrl', type, avps dict, hdr) or ('data', bytes)."""
        self.sock.settimeout(timeout)
        buf = self.sock.recv(4096)
        if HEX:
            print("  <- " + buf.hex())
        flags = struct.unpack("!H", buf[:2])[0]
        if not flags & 0x8000:
            return ("data", buf)
        length, tid, sid, ns, nr = struct.unpack("!HHHHH", buf[2:12])
        avps, off = {}, 12
        while off + 6 <= length:
            fl, vendor, attr = struct.unpack("!HHH", buf[off:off + 6])
            alen = fl & 0x3ff
            if alen < 6 or off + alen > length:
                raise RuntimeError("malformed AVP")
            if vendor == 0 and attr not in avps:
                avps[attr] = buf[off + 6:off + alen]
            off += alen
        if not avps:
            return ("zlb", None, {}, (ns, nr))
        mtype = struct.unpack("!H", avps[0])[0]
        if ns == self.nr:
            self.nr = (self.nr + 1) & 0xffff
        return ("ctrl", mtype, avps, (ns, nr))

    def expect(self, want, timeout=3.0, data=False):
        """Waits for message type want (or data), acking what arrives."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("no %s within %.0f s" % ("data" if data else NAMES[want], timeout))
            try:
                m = self.recv(left)
            except socket.timeout:
                continue
            if m[0] == "data":
                if data:
                    return m[1]
                continue
            if m[0] == "zlb":
                continue
            if m[1] == STOPCCN:
                self.send(0)
                rc = struct.unpack("!H", m[2].get(1, b"\0\0")[:2])[0]
                raise RuntimeError("the server sent StopCCN (result %d)" % rc)
            if not data and m[1] == want:
                return m[2]
            self.send(0)  # ZLB for HELLO and the like

    def tunnel(self):
        rq = (u16(2, 0x0100) + avp(7, b"winvpn-lab-probe") + u32(3, 1) + u32(4, 0)
              + avp(8, b"winvpn-lab", False) + u16(9, self.tid) + u16(10, 8))
        for attempt in range(3):
            self.ns = 0
            self.send(SCCRQ, rq)
            try:
                a = self.expect(SCCRP, 2.0)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        self.peer_tid = struct.unpack("!H", a[9])[0]
        self.info = {"host": a.get(7, b"").decode("ascii", "replace"),
                     "vendor": a.get(8, b"").decode("ascii", "replace"),
                     "window": struct.unpack("!H", a[10])[0] if 10 in a else 4}
        self.send(SCCCN)

    def call(self):
        self.send(ICRQ, u16(14, self.sid) + u32(15, 1))
        a = self.expect(ICRP)
        self.peer_sid = struct.unpack("!H", a[14])[0]
        self.send(ICCN, u32(24, 100000000) + u32(19, 1), session=self.peer_sid)
        return self.expect(0, 5.0, data=True)

    def close(self, call=False):
        if call:
            self.send(CDN, avp(1, struct.pack("!HH", 3, 0)) + u16(14, self.sid),
                      session=self.peer_sid)
        self.send(STOPCCN, u16(9, self.tid) + avp(1, struct.pack("!HH", 1, 0)))
        try:
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline:
                m = self.recv(deadline - time.monotonic())
                if m[0] == "zlb" and m[3][1] == self.ns:
                    break
                if m[0] == "ctrl":
                    self.send(0)
        except (socket.timeout, OSError):
            pass


def main(argv):
    global HEX
    if argv and argv[0] == "-x":
        HEX = True
        argv = argv[1:]
    if len(argv) < 2 or argv[0] not in ("l2tp", "l2tp-call"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, host = argv[0], argv[1]
    port = int(argv[2]) if len(argv) > 2 else 1701
    p = Probe(host, port)
    try:
        p.tunnel()
        line = "L2TP SCCRP from %s:%d: host '%s', vendor '%s', tunnel %d, window %d" % (
            host, port, p.info["host"], p.info["vendor"], p.peer_tid, p.info["window"])
        if mode == "l2tp-call":
            d = p.call()
            off = 6 + (2 if d[0] & 0x40 else 0) + (4 if d[0] & 0x08 else 0)
            ppp = d[off:]
            if ppp[:2] == b"\xff\x03":
                ppp = ppp[2:]
            what = "LCP Configure-Request" if ppp[:3] == b"\xc0\x21\x01" else "PPP " + ppp[:4].hex()
            line += "; call up (session %d), first data: %s (%d octets)" % (
                p.peer_sid, what, len(d))
            p.close(call=True)
        else:
            p.close()
    except (RuntimeError, OSError, KeyError, struct.error) as e:
        print("FAIL: %s:%d: %s" % (host, port, e))
        return 1
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
