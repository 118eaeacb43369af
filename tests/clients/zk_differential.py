#!/usr/bin/python3
"""zk_differential.py -- one scripted sequence of ZooKeeper operations whose
printed outcome (results, error classes, and the resulting tree with every
Stat field) must be identical on Apache ZooKeeper and on our coordinator
(tests/integration/coordinator_vs_apache.bats).

    zk_differential.py HOST:PORT > outcome.txt

zxids and times differ between servers (Apache also spends zxids on failed
writes), so czxid/mzxid/pzxid are printed as their rank among the zxids in
the dump, ctime/mtime as "ctime==mtime" facts, and ephemeralOwner as
"self"/"other"/hex for containers.
"""
import sys

from kazoo.client import KazooClient
from kazoo.security import ACL, Id, make_digest_acl

zk = KazooClient(hosts=sys.argv[1], timeout=15)
zk.start(timeout=15)
other = KazooClient(hosts=sys.argv[1], timeout=15)
other.start(timeout=15)
out = []


def step(name, fn, *a, **kw):
    try:
        r = fn(*a, **kw)
        if isinstance(r, tuple) and len(r) == 2 and hasattr(r[1], "version"):
            r = (r[0], "stat(v=%d)" % r[1].version)
        elif hasattr(r, "version"):
            r = "stat(v=%d,cv=%d,av=%d,n=%d,len=%d)" % (r.version, r.cversion, r.aversion,
                                                      r.numChildren, r.dataLength)
        elif isinstance(r, list):
            r = [type(x).__name__ if isinstance(x, Exception)
                 else "stat(v=%d,cv=%d,n=%d)" % (x.version, x.cversion, x.numChildren)
                 if hasattr(x, "cversion") else x for x in r]
        out.append("%s -> %r" % (name, r))
    except Exception as e:  # noqa: BLE001
        out.append("%s !! %s" % (name, type(e).__name__))


R = "/diff"
step("create root", zk.create, R, b"root")
step("create a", zk.create, R + "/a", b"")
step("create null", zk.create, R + "/null")
for i in range(3):
    step("create seq %d" % i, zk.create, R + "/s-", b"x", sequence=True)
step("create eph", zk.create, R + "/e", b"e", ephemeral=True)
step("create eph seq", zk.create, R + "/es-", b"", ephemeral=True, sequence=True)
step("set v-1", zk.set, R, b"v1")
step("set v1", zk.set, R, b"v2", version=1)
step("set bad version", zk.set, R, b"v3", version=0)
step("delete seq 1", zk.delete, R + "/s-0000000001")
step("create seq after delete", zk.create, R + "/s-", b"y", sequence=True)
step("delete bad version", zk.delete, R + "/a", version=3)
step("delete not empty", zk.delete, R)
step("delete missing", zk.delete, R + "/missing")
step("create exists", zk.create, R + "/a")
step("create no parent", zk.create, R + "/x/y")
step("create under ephemeral", zk.create, R + "/e/x")
for bad in [R + "/", "diff", R + "//x", R + "/./x", R + "/.", R + "/..", R + "/a\u0001"]:
    step("create bad path %r" % bad, zk.create, bad)
step("create empty acl", zk.create, R + "/noacl", acl=[])
step("create auth acl unauthenticated", zk.create, R + "/authacl",
     acl=[ACL(31, Id("auth", ""))])
step("create bad scheme acl", zk.create, R + "/badacl", acl=[ACL(31, Id("nosuch", "x"))])
step("create bad world id", zk.create, R + "/badworld", acl=[ACL(31, Id("world", "everyone"))])
step("setacl read-only", zk.set_acls, R + "/a", [ACL(1, Id("world", "anyone"))], version=0)
step("setacl bad aversion", zk.set_acls, R + "/a", [ACL(31, Id("world", "anyone"))], version=0)
step("set on read-only", zk.set, R + "/a", b"no")
step("create under read-only", zk.create, R + "/a/kid")
step("delete read-only leaf", zk.delete, R + "/a")  # needs DELETE on the parent only
step("create digest node", zk.create, R + "/d", b"d",
     acl=[make_digest_acl("u", "p", all=True)])
step("other reads digest node", other.get, R + "/d")
step("other getacl digest node", lambda p: [(a.perms, a.id.scheme, a.id.id) for a in
                                            other.get_acls(p)[0]], R + "/d")
other.add_auth("digest", "u:p")
step("other whoami-free read", other.exists, R + "/d")
step("other reads after addauth", other.get, R + "/d")
step("other exists missing", other.exists, R + "/nothing")
step("create2", zk.create, R + "/c2", b"xy", include_data=True)
step("getacl config", lambda p: [(a.perms, a.id.scheme, a.id.id) for a in zk.get_acls(p)[0]],
     "/zookeeper/config")
step("set config", zk.set, "/zookeeper/config", b"x")
step("delete /zookeeper", zk.delete, "/zookeeper")
step("delete /zookeeper/quota", zk.delete, "/zookeeper/quota")
step("create ip acl", zk.create, R + "/ip", b"",
     acl=[ACL(1, Id("ip", "127.0.0.1")), ACL(31, Id("ip", "10.0.0.0/8"))])
step("set ip-read-only", zk.set, R + "/ip", b"no")
step("create bad ip acl", zk.create, R + "/badip", acl=[ACL(31, Id("ip", "300.1.1.1"))])
step("create bad digest acl", zk.create, R + "/baddig", acl=[ACL(31, Id("digest", "nocolon"))])
other.create(R + "/auth", b"", acl=[ACL(31, Id("auth", ""))])
step("auth acl expands to digest", lambda p: [(a.perms, a.id.scheme, a.id.id) for a in
                                             other.get_acls(p)[0]], R + "/auth")
step("children", lambda p: sorted(zk.get_children(p)), R)
step("children of missing", zk.get_children, R + "/nothing")
step("sync", zk.sync, R)

t = zk.transaction()
t.create(R + "/t1", b"1")
t.set_data(R, b"t")
t.check(R, 3)
t.delete(R + "/t1")
step("multi ok", t.commit)
t = zk.transaction()
t.create(R + "/t2", b"1")
t.check(R, 99)
t.create(R + "/t3", b"1")
step("multi fail", t.commit)
t = zk.transaction()
t.create(R + "/t4", b"1")
t.create(R + "/t4", b"1")
step("multi dup", t.commit)
step("after failed multis", lambda p: sorted(zk.get_children(p)), R)

# watches: which fire, in which order, for one watching client
import threading  # noqa: E402
import time  # noqa: E402

events = []
lock = threading.Lock()


def rec(tag):
    def cb(e):
        with lock:
            events.append("%s:%s:%s" % (tag, e.type, e.path))
    return cb


other.exists(R + "/wx", watch=rec("exists"))
other.get_children(R, watch=rec("children"))
other.get(R + "/c2", watch=rec("get"))
other.exists(R + "/c2", watch=rec("exists2"))
other.get_children(R + "/c2", watch=rec("kids"))
zk.create(R + "/wx", b"")
zk.set(R + "/c2", b"1")
zk.set(R + "/c2", b"2")
zk.delete(R + "/c2")
zk.delete(R + "/wx")
deadline = time.time() + 5
while time.time() < deadline and len(events) < 5:
    time.sleep(0.05)
time.sleep(0.3)
with lock:
    step("watch events", lambda: sorted(events))

# the tree, with Stat fields normalized
nodes = []


def walk(path):  # as `other`, which has the digest identity
    data, st = other.get(path)
    nodes.append((path, data, st))
    for c in sorted(other.get_children(path)):
        if path == "/" and c not in ("zookeeper", "diff"):
            continue
        walk(path.rstrip("/") + "/" + c)


walk("/")
zx = sorted({z for _, _, st in nodes for z in (st.czxid, st.mzxid, st.pzxid)})
rank = {z: i for i, z in enumerate(zx)}
me = zk.client_id[0]
for path, data, st in nodes:
    owner = st.ephemeralOwner
    owner = ("self" if owner == me else "0" if owner == 0
             else "%x" % (owner & (0xff << 56)) if (owner >> 56) & 0xff in (0x80, 0xff) else "other")
    out.append("%s data=%r czxid#%d mzxid#%d pzxid#%d ctime%smtime v=%d cv=%d av=%d owner=%s "
               "len=%d n=%d" % (path, data, rank[st.czxid], rank[st.mzxid], rank[st.pzxid],
                                "==" if st.ctime == st.mtime else "<", st.version, st.cversion,
                                st.aversion, owner, st.dataLength, st.numChildren))
print("\n".join(out))
other.stop()
zk.stop()
