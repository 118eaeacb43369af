#!/usr/bin/python3
"""zk_fourlw.py -- ZooKeeper 3.8's diagnostic four-letter words checked
through what kazoo can see (tests/integration/coordinator_vs_apache.bats
runs it against Apache ZooKeeper and against our coordinator):

    zk_fourlw.py HOST:PORT

  dump  sessions by expiry bucket, ephemerals by session, connections
  wchc  data watches (exists/getData) by session; getChildren's not listed
  wchp  the same by path
  gtmk  the trace mask (306 on a fresh server); stmk + int64 sets it and
        answers it; stmk without its int64 answers nothing
  hash  "<hex zxid>: <digest>" every 128 zxids, the digest being the sum of
        the CRC-32 of each node's path, data and persisted Stat, computed
        here from the tree as kazoo reads it
Prints "ok" or exits with the first mismatch.
"""
import re
import socket
import struct
import sys
import time
import zlib

from kazoo.client import KazooClient

HOSTS = sys.argv[1]
HOST, PORT = HOSTS.rsplit(":", 1)
ROOT = "/fourlw-%d" % int(time.time() * 1000)


def word(w):
    s = socket.create_connection((HOST, int(PORT)), timeout=10)
    s.sendall(w)
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            return out.decode()
        out += b


def expect(cond, what):
    if not cond:
        sys.exit("FAIL: %s" % what)


def sections(text, header):
    """{key line: [tab-indented lines]} of a 'key\\n\\tvalue' listing."""
    out, key = {}, None
    for line in text.splitlines():
        if line.startswith("\t"):
            out.setdefault(key, []).append(line[1:])
        elif line:
            key = line
            out.setdefault(key, [])
    return out


def last_zxid():
    return int(word(b"srvr").split("Zxid: ")[1].split()[0], 16)


def check_mask():
    expect(word(b"gtmk") == "306", "gtmk on a fresh server: %r" % word(b"gtmk"))
    expect(word(b"stmk" + struct.pack(">q", 7)) == "7", "stmk 7")
    expect(word(b"gtmk") == "7", "gtmk after stmk 7")
    expect(word(b"stmk") == "", "stmk without its argument")
    expect(word(b"stmk" + struct.pack(">q", 306)) == "306", "stmk 306")


def check_dump_and_watches(one, two):
    s1, s2 = "0x%x" % one.client_id[0], "0x%x" % two.client_id[0]
    one.create(ROOT + "/e1", ephemeral=True, makepath=True)
    one.create(ROOT + "/e2", ephemeral=True)
    two.create(ROOT + "/e3", ephemeral=True)
    one.exists(ROOT + "/missing", watch=lambda e: None)
    one.get(ROOT + "/e1", watch=lambda e: None)
    one.get_children(ROOT, watch=lambda e: None)  # child table: not in wchc/wchp
    two.get(ROOT + "/e1", watch=lambda e: None)

    wchc = word(b"wchc")
    expect(wchc.endswith("\n\n"), "wchc ends with an empty line: %r" % wchc)
    byc = sections(wchc, None)
    expect(sorted(byc.get(s1, [])) == [ROOT + "/e1", ROOT + "/missing"], "wchc %s: %r" % (s1, wchc))
    expect(byc.get(s2) == [ROOT + "/e1"], "wchc %s: %r" % (s2, wchc))
    byp = sections(word(b"wchp"), None)
    expect(sorted(byp.get(ROOT + "/e1", [])) == sorted([s1, s2]), "wchp e1: %r" % byp)
    expect(byp.get(ROOT + "/missing") == [s1] and ROOT not in byp, "wchp: %r" % byp)

    dump = word(b"dump")
    lines = dump.splitlines()
    expect(lines[0] == "SessionTracker dump:", "dump: %r" % dump)
    m = re.match(r"Session Sets \((\d+)\)/\((\d+)\):$", lines[1])
    expect(m, "dump session sets: %r" % lines[1])
    eph = lines.index("ephemeral nodes dump:")
    date = r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d \w+ \d{4}"
    buckets = [ln for ln in lines[2:eph] if not ln.startswith("\t")]
    sids = [ln[1:] for ln in lines[2:eph] if ln.startswith("\t")]
    expect(all(re.match(r"\d+ expire at %s:$" % date, b) for b in buckets), "buckets %r" % buckets)
    expect(len(buckets) == int(m.group(1)) and len(sids) == int(m.group(2)), "counts %r" % lines[:eph])
    expect(s1 in sids and s2 in sids, "sessions %r" % sids)
    cnx = lines.index("Connections dump:")
    expect(re.match(r"Sessions with Ephemerals \(\d+\):$", lines[eph + 1]), "ephemerals: %r" % lines[eph + 1])
    by_owner = sections("\n".join(lines[eph + 2:cnx]), None)
    expect(sorted(by_owner.get(s1 + ":", [])) == [ROOT + "/e1", ROOT + "/e2"], "ephemerals of %s" % s1)
    expect(by_owner.get(s2 + ":") == [ROOT + "/e3"], "ephemerals of %s: %r" % (s2, by_owner))
    expect(re.match(r"Connections Sets \(\d+\)/\(\d+\):$", lines[cnx + 1]), "connections: %r" % lines[cnx + 1])
    conns = [ln for ln in lines[cnx + 2:] if ln.startswith("\t")]
    for sid in (s1, s2, "0x0"):  # 0x0: this very connection, which has no session
        expect(any(re.match(r"\tip: /127\.0\.0\.1:\d+ sessionId: %s$" % sid, c) for c in conns),
               "connection of %s in %r" % (sid, conns))


def tree_digest(zk):
    total, stack = 0, ["/"]
    while stack:
        p = stack.pop()
        stack += [p.rstrip("/") + "/" + k for k in zk.get_children(p)]
        if p.startswith("/zookeeper/"):
            continue
        data, st = zk.get(p)
        creates = (st.cversion + st.numChildren) // 2  # what the node stores
        stat = struct.pack(">qqqqqiiiq", st.czxid, st.mzxid, st.pzxid, st.ctime, st.mtime,
                           st.version, creates, st.aversion, st.ephemeralOwner)
        crc = zlib.crc32(b"" if p == "/" else p.encode())
        total += zlib.crc32(stat, zlib.crc32(data or b"", crc))
    total &= (1 << 64) - 1
    return total - (1 << 64) if total >= 1 << 63 else total


def check_hash(zk):
    zk.create(ROOT + "/h/a", b"data", makepath=True)
    zk.create(ROOT + "/h/b")
    zk.set_acls(ROOT + "/h/b", zk.get_acls(ROOT + "/h/b")[0])
    zk.delete(ROOT + "/h/b")
    while last_zxid() % 128 != 127:
        zk.create(ROOT + "/h/n-", b"v" * (last_zxid() % 5), sequence=True)
    zk.set(ROOT + "/h/a", b"x")
    zxid = last_zxid()
    expect(zxid % 128 == 0, "zxid 0x%x" % zxid)
    got = word(b"hash").splitlines()
    expect(all(re.match(r"[0-9a-f]*[08]0: -?\d+$", ln) for ln in got), "hash lines %r" % got)
    want = "%x: %d" % (zxid, tree_digest(zk))
    expect(got and got[-1] == want, "hash: %r, computed %r" % (got[-3:], want))


def main():
    one = KazooClient(hosts=HOSTS, timeout=10)
    one.start(10)
    two = KazooClient(hosts=HOSTS, timeout=10)
    two.start(10)
    check_mask()
    check_dump_and_watches(one, two)
    check_hash(one)
    one.stop()
    two.stop()
    print("ok")


if __name__ == "__main__":
    main()
