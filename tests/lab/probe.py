#!/usr/bin/env python3
"""probe.py -- protocol-level checks of the lab's PPTP server (stdlib only).

  probe.py pptp HOST [PORT]
      Connect to TCP PORT (1723), send Start-Control-Connection-Request,
      require a Start-Control-Connection-Reply with result 1, then send
      Stop-Control-Connection-Request.  This is what "pptpd.sh start" waits for.

  probe.py pptp-call HOST [PORT]          (root: raw GRE socket)
      As "pptp", then Outgoing-Call-Request; require Outgoing-Call-Reply
      result 1 and the server pppd's first enhanced-GRE packet (an LCP
      Configure-Request for our call id); then Call-Clear-Request and
      Stop-Control-Connection-Request.  Proves pptpctrl + pppd + GRE work.

Prints one summary line; exit 0 on success, 1 on failure, 2 on usage error.
"""
import select
import socket
import struct
import sys
import time

MAGIC = 0x1A2B3C4D
SCCRQ, SCCRP, StopCCRQ, OCRQ, OCRP, CCRQ = 1, 2, 3, 7, 8, 12


def ctrl(ctype, body):
    """A PPTP control message: length, type 1 (control), magic cookie, type, reserved."""
    return struct.pack("!HHIHH", 12 + len(body), 1, MAGIC, ctype, 0) + body


def sccrq():
    # version 1.0, reserved, framing caps (async), bearer caps (analog),
    # max channels 0, firmware 1, host name, vendor (64 bytes each)
    return ctrl(SCCRQ, struct.pack("!HHIIHH", 0x0100, 0, 1, 1, 0, 1)
                + b"winvpn-lab-probe".ljust(64, b"\0") + b"winvpn".ljust(64, b"\0"))


def stopccrq():
    return ctrl(StopCCRQ, struct.pack("!BBH", 1, 0, 0))    # reason 1: general request


def read_msg(sock):
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError("server closed the control connection")
            buf += chunk
        return buf
    head = exact(2)
    (length,) = struct.unpack("!H", head)
    if length < 12:
        raise RuntimeError("bad PPTP message length %d" % length)
    msg = head + exact(length - 2)
    if struct.unpack("!I", msg[4:8])[0] != MAGIC:
        raise RuntimeError("bad PPTP magic cookie")
    return struct.unpack("!H", msg[8:10])[0], msg


def start_control(sock):
    sock.sendall(sccrq())
    ctype, msg = read_msg(sock)
    if ctype != SCCRP:
        raise RuntimeError("expected SCCRP, got control type %d" % ctype)
    version, result = struct.unpack("!HB", msg[12:15])
    host = msg[28:92].split(b"\0")[0].decode(errors="replace")
    vendor = msg[92:156].split(b"\0")[0].decode(errors="replace")
    if result != 1:
        raise RuntimeError("SCCRP result %d" % result)
    return "version %#06x hostname=%r vendor=%r" % (version, host, vendor)


def pptp(host, port, timeout=3.0):
    with socket.create_connection((host, port), timeout=timeout) as s:
        info = start_control(s)
        s.sendall(stopccrq())
    print("PPTP SCCRP from %s:%d: %s" % (host, port, info))


def pptp_call(host, port, timeout=5.0):
    call_id = 0x4C41     # "LA"
    # open the raw GRE socket before the call, so the server's first GRE
    # packets are not answered with ICMP protocol-unreachable
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE) as gre, \
            socket.create_connection((host, port), timeout=timeout) as s:
        start_control(s)
        # Outgoing-Call-Request: call id, serial, min/max bps, bearer and
        # framing type 3 (any), receive window 64, processing delay 0,
        # phone number length 0, reserved, phone number + subaddress (64 each)
        s.sendall(ctrl(OCRQ, struct.pack("!HHIIIIHHHH", call_id, 1, 2400, 10000000, 3, 3, 64, 0, 0, 0)
                       + b"\0" * 128))
        while True:
            ctype, msg = read_msg(s)
            if ctype == OCRP:
                break
        srv_call, peer_call, result = struct.unpack("!HHB", msg[12:17])
        if result != 1 or peer_call != call_id:
            raise RuntimeError("Outgoing-Call-Reply result %d (peer call id %d)" % (result, peer_call))
        deadline = time.time() + timeout
        lcp = None
        while lcp is None and time.time() < deadline:
            ready, _, _ = select.select([gre], [], [], max(0.0, deadline - time.time()))
            if not ready:
                break
            pkt, addr = gre.recvfrom(65535)
            if addr[0] != host:
                continue
            g = pkt[(pkt[0] & 0x0F) * 4:]
            flags, proto, plen, cid = struct.unpack("!HHHH", g[:8])
            if proto != 0x880B or cid != call_id:
                continue
            off = 8 + (4 if flags & 0x1000 else 0) + (4 if flags & 0x0080 else 0)
            ppp = g[off:off + plen]
            if ppp[:2] == b"\xff\x03":
                ppp = ppp[2:]
            if struct.unpack("!H", ppp[:2])[0] == 0xC021:
                lcp = ppp
        s.sendall(ctrl(CCRQ, struct.pack("!HH", call_id, 0)))
        time.sleep(0.2)
        s.sendall(stopccrq())
    if lcp is None:
        raise RuntimeError("no LCP packet over GRE from %s within %.0f s" % (host, timeout))
    if lcp[2] != 1:
        raise RuntimeError("first LCP packet has code %d, not Configure-Request" % lcp[2])
    print("PPTP call to %s:%d: server call id %d, LCP Configure-Request over GRE (%d option bytes)"
          % (host, port, srv_call, len(lcp) - 6))


def main(argv):
    probes = {"pptp": pptp, "pptp-call": pptp_call}
    if len(argv) not in (3, 4) or argv[1] not in probes:
        sys.stderr.write(__doc__)
        return 2
    port = int(argv[3]) if len(argv) == 4 else 1723
    try:
        probes[argv[1]](argv[2], port)
    except Exception as e:  # any failure is a failed probe
        print("%s probe of %s:%d failed: %s" % (argv[1], argv[2], port, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
