#!/usr/bin/python3
"""zk_raw.py -- hand-made ZooKeeper protocol frames against a server, for
what no client library does on purpose (tests/integration/coordinator_protocol.bats).

  zk_raw.py HOST:PORT CHECK...
CHECK: order garbage oversized unknown_op expired_session bad_body ping negotiate
       setwatches session_moved auth_failed containers multi_read
Prints "ok CHECK"; exits 1 on the first failure.
"""
import random
import socket
import struct
import sys

HOST, PORT = sys.argv[1].rsplit(":", 1)
PORT = int(PORT)


def fail(msg):
    sys.exit("FAIL: " + msg)


def ustr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">i", len(b)) + b


class Conn:
    def __init__(self, session=0, passwd=b"\0" * 16, timeout=10000):
        self.s = socket.create_connection((HOST, PORT), timeout=5)
        self.xid = 0
        body = struct.pack(">iqiq", 0, 0, timeout, session) + ustr(passwd) + b"\0"
        self.send_raw(struct.pack(">i", len(body)) + body)
        r = self.frame()
        if r is None:
            self.sid = None
            return
        _, self.timeout, self.sid = struct.unpack(">iiq", r[:16])
        self.passwd = r[20:36]

    def send_raw(self, b):
        self.s.sendall(b)

    def frame(self):
        hdr = self.read_n(4)
        if hdr is None:
            return None
        n = struct.unpack(">i", hdr)[0]
        return self.read_n(n)

    def read_n(self, n):
        buf = b""
        while len(buf) < n:
            try:
                b = self.s.recv(n - len(buf))
            except (ConnectionResetError, socket.timeout):
                return None
            if not b:
                return None
            buf += b
        return buf

    def request(self, op, body=b""):
        self.xid += 1
        pkt = struct.pack(">ii", self.xid, op) + body
        self.send_raw(struct.pack(">i", len(pkt)) + pkt)
        return self.xid

    def reply(self):
        f = self.frame()
        if f is None:
            return None
        xid, zxid, err = struct.unpack(">iqi", f[:16])
        return xid, zxid, err, f[16:]

    def closed(self):
        self.s.settimeout(5)
        try:
            while True:
                b = self.s.recv(4096)
                if not b:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def create(c, path, data=b"", flags=0):
    acl = struct.pack(">i", 1) + struct.pack(">i", 31) + ustr("world") + ustr("anyone")
    c.request(1, ustr(path) + ustr(data) + acl + struct.pack(">i", flags))
    return c.reply()


def check_ping(_):
    c = Conn()
    c.xid = -3
    pkt = struct.pack(">ii", -2, 11)
    c.send_raw(struct.pack(">i", len(pkt)) + pkt)
    xid, _, err, _ = c.reply()
    if (xid, err) != (-2, 0):
        fail("ping reply %r" % ((xid, err),))


def check_order(_):
    a, b = Conn(), Conn()
    create(a, "/raw-order", b"v0")
    a.request(4, ustr("/raw-order") + b"\x01")          # getData, watch
    r = a.reply()
    if r[2] != 0:
        fail("getData err %d" % r[2])
    b.request(5, ustr("/raw-order") + ustr(b"v1") + struct.pack(">i", -1))  # setData
    if b.reply()[2] != 0:
        fail("setData failed")
    xid = a.request(4, ustr("/raw-order") + b"\x00")    # read that reveals the change
    first, second = a.reply(), a.reply()
    if first[0] != -1 or first[1] != -1:
        fail("expected the notification first, got xid %d" % first[0])
    etype, state = struct.unpack(">ii", first[3][:8])
    if (etype, state) != (3, 3) or first[3][12:] != b"/raw-order":
        fail("notification %r" % (first[3],))
    if second[0] != xid or second[3][4:6] != b"v1":
        fail("reply after the notification: %r" % (second,))


def check_garbage(_):
    good = Conn()
    bad = socket.create_connection((HOST, PORT), timeout=5)
    bad.sendall(struct.pack(">i", 20) + b"\xff" * 20)   # not a ConnectRequest
    bad.settimeout(5)
    if bad.recv(100) != b"":
        fail("garbage handshake was answered")
    bad2 = socket.create_connection((HOST, PORT), timeout=5)
    bad2.sendall(struct.pack(">i", -5))                  # negative length
    if bad2.recv(100) != b"":
        fail("negative length was answered")
    create(good, "/raw-alive")
    good.request(3, ustr("/raw-alive") + b"\x00")
    if good.reply()[2] != 0:
        fail("the well-behaved connection was disturbed")


def check_oversized(_):
    good = Conn()
    c = Conn()
    c.send_raw(struct.pack(">i", 0xfffff + 1) + b"\0" * 1024)
    if not c.closed():
        fail("an oversized frame did not close the connection")
    # exactly at the limit is accepted: a setData of ~1 MiB - overhead
    data = b"x" * (0xfffff - 200)
    r = create(good, "/raw-big", data)
    if r[2] != 0:
        fail("create of %d bytes failed: %d" % (len(data), r[2]))
    good.request(4, ustr("/raw-big") + b"\x00")
    r = good.reply()
    if r[2] != 0 or len(r[3]) < len(data):
        fail("get of the big node failed")


def check_unknown_op(_):
    c = Conn()
    if create(c, "/raw-eph-%x" % c.sid, flags=1)[2] != 0:
        fail("ephemeral create failed")
    xid = c.request(999)
    r = c.reply()
    if r is None or r[0] != xid or r[2] != -6:
        fail("unknown opcode reply %r" % (r,))
    if not c.closed():
        fail("connection not closed after an unknown opcode")
    d = Conn()
    d.request(3, ustr("/raw-eph-%x" % c.sid) + b"\x00")
    if d.reply()[2] != -101:
        fail("the session survived an unknown opcode (its ephemeral is still there)")
    e = Conn(session=c.sid, passwd=c.passwd)
    if e.sid not in (0, None):
        fail("closed session accepted on reconnect")


def check_expired_session(_):
    c = Conn(session=0x0123456789, passwd=b"\1" * 16)
    if c.sid != 0 or c.timeout != 0 or c.passwd != b"\0" * 16:
        fail("unknown session answered %r" % ((c.sid, c.timeout),))
    if not c.closed():
        fail("not closed after an expired-session answer")
    good = Conn()
    wrong = Conn(session=good.sid, passwd=b"\7" * 16)
    if wrong.sid != 0:
        fail("wrong password accepted")


def check_negotiate(_):
    lo, hi = Conn(timeout=1), Conn(timeout=10 ** 8)
    if (lo.timeout, hi.timeout) != (4000, 40000):  # tickTime 2000: [2x, 20x]
        fail("negotiated %d and %d" % (lo.timeout, hi.timeout))
    mid = Conn(timeout=15000)
    if mid.timeout != 15000:
        fail("negotiated %d for 15000" % mid.timeout)


def strvec(paths):
    return struct.pack(">i", len(paths)) + b"".join(ustr(p) for p in paths)


def check_setwatches(_):
    """SetWatches after a reconnect (DataTree.setWatches): changes since
    relativeZxid fire at once, the rest are re-armed and fire later."""
    B = "/w%d" % random.randint(0, 1 << 30)
    create(Conn(), B)
    a = Conn()
    create(a, B + "/sw", b"v0")
    create(a, B + "/sw/kid")
    a.request(3, ustr(B + "/sw") + b"\x00")
    zxid_before = a.reply()[1]
    a.request(5, ustr(B + "/sw") + ustr(b"v1") + struct.pack(">i", -1))   # changes /sw after zxid_before
    a.reply()
    b = Conn()
    body = struct.pack(">q", zxid_before) + strvec([B + "/sw", B + "/sw/kid", B + "/sw-gone"]) + \
        strvec([B + "/sw/kid", B + "/sw-new"]) + strvec([B + "/sw", B + "/sw-gone2"])
    b.request(101, body)
    got = {}
    while True:
        r = b.reply()
        if r[0] != -1:
            break
        etype, _ = struct.unpack(">ii", r[3][:8])
        got[r[3][12:].decode()] = got.get(r[3][12:].decode(), []) + [etype]
    if r[2] != 0:
        fail("setWatches err %d" % r[2])
    want = {B + "/sw": [3], B + "/sw-gone": [2], B + "/sw/kid": [1], B + "/sw-gone2": [2]}
    if got != want:
        fail("setWatches fired %r, expected %r" % (got, want))
    # the re-armed ones: data watch on /sw/kid, exist watch on /sw-new, child watch on /sw
    create(a, B + "/sw-new")
    a.request(5, ustr(B + "/sw/kid") + ustr(b"x") + struct.pack(">i", -1))
    a.reply()
    seen = []
    for _ in range(2):
        r = b.reply()
        if r is None or r[0] != -1:
            fail("expected a notification, got %r" % (r,))
        seen.append((struct.unpack(">i", r[3][:4])[0], r[3][12:].decode()))
    if sorted(seen) != [(1, B + "/sw-new"), (3, B + "/sw/kid")]:
        fail("re-armed watches: %r" % seen)
    # and the child watch re-armed on /sw fires on a new child
    create(a, B + "/sw/kid2")
    r = b.reply()
    if r is None or r[0] != -1 or struct.unpack(">i", r[3][:4])[0] != 4:
        fail("re-armed child watch: %r" % (r,))


def check_session_moved(_):
    a = Conn()
    b = Conn(session=a.sid, passwd=a.passwd)
    if b.sid != a.sid:
        fail("reattach refused")
    if not a.closed():
        fail("the old connection of a moved session stays open")
    b.request(3, ustr("/") + b"\x00")
    if b.reply()[2] != 0:
        fail("the session does not work on its new connection")


def check_auth_failed(_):
    c = Conn()
    c.xid = -5
    pkt = struct.pack(">ii", -4, 100) + struct.pack(">i", 0) + ustr("nosuchscheme") + ustr(b"x")
    c.send_raw(struct.pack(">i", len(pkt)) + pkt)
    r = c.reply()
    if r is None or r[0] != -4 or r[2] != -115:
        fail("auth with an unknown scheme answered %r" % (r,))
    if not c.closed():
        fail("not closed after AuthFailed")


def check_containers(_):
    """needs znode.container.checkIntervalMs small and extendedTypesEnabled"""
    import time
    c = Conn()
    acl = struct.pack(">i", 1) + struct.pack(">i", 31) + ustr("world") + ustr("anyone")
    c.request(19, ustr("/box") + ustr(b"") + acl + struct.pack(">i", 4))
    if c.reply()[2] != 0:
        fail("createContainer failed")
    c.request(19, ustr("/box-unused") + ustr(b"") + acl + struct.pack(">i", 4))
    c.reply()
    create(c, "/box/item")
    c.request(2, ustr("/box/item") + struct.pack(">i", -1))
    c.reply()
    c.request(21, ustr("/ttl") + ustr(b"") + acl + struct.pack(">iq", 5, 300))
    if c.reply()[2] != 0:
        fail("createTTL failed")
    deadline = time.time() + 10
    while time.time() < deadline:
        c.request(3, ustr("/box") + b"\x00")
        box = c.reply()[2]
        c.request(3, ustr("/ttl") + b"\x00")
        ttl = c.reply()[2]
        if box == -101 and ttl == -101:
            break
        time.sleep(0.1)
    else:
        fail("empty container / expired TTL node not removed (%d %d)" % (box, ttl))
    c.request(3, ustr("/box-unused") + b"\x00")
    if c.reply()[2] != 0:
        fail("a container that never had children was removed")


def check_multi_read(_):
    c = Conn()
    create(c, "/mr", b"data")
    body = struct.pack(">i?i", 4, False, -1) + ustr("/mr") + b"\x00" + \
        struct.pack(">i?i", 8, False, -1) + ustr("/") + b"\x00" + \
        struct.pack(">i?i", 4, False, -1) + ustr("/missing") + b"\x00" + struct.pack(">i?i", -1, True, -1)
    c.request(22, body)
    r = c.reply()
    if r[2] != 0:
        fail("multiRead err %d" % r[2])
    t1, _, e1 = struct.unpack(">i?i", r[3][:9])
    if t1 != 4 or r[3][13:17] != b"data":
        fail("multiRead first result %r" % r[3][:20])
    if b"\xff\xff\xff\xff\x00\xff\xff\xff\x9b" not in r[3]:
        fail("multiRead: no ErrorResult(-101) for the missing node")


def check_bad_body(_):
    c = Conn()
    c.request(1, ustr("/raw-bad") + struct.pack(">i", 100))  # data length past the end
    if not c.closed():
        fail("a truncated create body did not close the connection")


if __name__ == "__main__":
    for name in sys.argv[2:]:
        globals()["check_" + name](None)
        print("ok", name, flush=True)
