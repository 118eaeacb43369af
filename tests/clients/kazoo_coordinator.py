#!/usr/bin/python3
"""kazoo_coordinator.py -- kazoo 2.8 recipes and API against a ZooKeeper
server (tests/integration/coordinator_kazoo.bats).

    kazoo_coordinator.py HOST:PORT CHECK...
CHECK is one of: basics lock election counter watches transaction acl
acl_duplicates version. Prints "ok CHECK" per passed check; exits 1 on the
first failure.
"""
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import (BadVersionError, NoAuthError, NodeExistsError,
                              NoNodeError, NotEmptyError, RolledBackError,
                              RuntimeInconsistency)
from kazoo.security import ACL, ANYONE_ID_UNSAFE, Id, make_digest_acl

HOSTS = sys.argv[1]
ROOT = "/kazoo-%d" % int(time.time() * 1000)


def client(**kw):
    zk = KazooClient(hosts=HOSTS, timeout=10, **kw)
    zk.start(timeout=10)
    return zk


def expect(cond, what):
    if not cond:
        sys.exit("FAIL: %s" % what)


def raises(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc:
        return True
    except Exception as e:  # noqa: BLE001
        sys.exit("FAIL: %s raised %r, expected %s" % (fn.__name__, e, exc.__name__))
    sys.exit("FAIL: %s did not raise %s" % (fn.__name__, exc.__name__))


def wait_until(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def check_basics(zk):
    zk.ensure_path(ROOT + "/b")
    data, st = zk.get(ROOT + "/b")
    expect(data == b"" and st.version == 0 and st.numChildren == 0, "fresh node %r %r" % (data, st))
    st = zk.set(ROOT + "/b", b"v1")
    expect(st.version == 1 and st.dataLength == 2, "set stat %r" % (st,))
    raises(BadVersionError, zk.set, ROOT + "/b", b"v2", version=0)
    raises(NodeExistsError, zk.create, ROOT + "/b")
    raises(NoNodeError, zk.create, ROOT + "/none/x")
    p1 = zk.create(ROOT + "/b/s-", sequence=True)
    p2 = zk.create(ROOT + "/b/s-", sequence=True)
    expect(p1.endswith("s-0000000000") and p2.endswith("s-0000000001"), "sequence %s %s" % (p1, p2))
    raises(NotEmptyError, zk.delete, ROOT + "/b")
    path, st = zk.create(ROOT + "/b/e", b"x", ephemeral=True, include_data=True)
    expect(st.ephemeralOwner == zk.client_id[0], "ephemeralOwner %x vs %x" % (st.ephemeralOwner, zk.client_id[0]))
    kids, st = zk.get_children(ROOT + "/b", include_data=True)
    expect(sorted(kids) == ["e", "s-0000000000", "s-0000000001"] and st.cversion == 3,
           "children %r cversion %d" % (kids, st.cversion))
    zk.delete(ROOT + "/b", recursive=True)
    expect(zk.exists(ROOT + "/b") is None, "recursive delete")
    expect(zk.get_children("/zookeeper") and "quota" in zk.get_children("/zookeeper"), "/zookeeper")


def check_lock(zk):
    other = client()
    got = []
    lock1 = zk.Lock(ROOT + "/lock", "one")
    lock2 = other.Lock(ROOT + "/lock", "two")
    lock1.acquire()

    def contend():
        with lock2:
            got.append("two")

    t = threading.Thread(target=contend)
    t.start()
    time.sleep(0.5)
    expect(got == [], "second contender got the lock while held")
    expect(sorted(lock1.contenders()) == ["one", "two"], "contenders %r" % lock1.contenders())
    lock1.release()
    t.join(10)
    expect(got == ["two"], "second contender never got the lock")
    other.stop()


def check_election(zk):
    other = client()
    leaders = []
    ready = threading.Event()

    def lead(name):
        leaders.append(name)
        ready.set()
        time.sleep(0.3)

    e1 = zk.Election(ROOT + "/election", "a")
    e2 = other.Election(ROOT + "/election", "b")
    t1 = threading.Thread(target=e1.run, args=(lead, "a"))
    t1.start()
    ready.wait(5)
    t2 = threading.Thread(target=e2.run, args=(lead, "b"))
    t2.start()
    t1.join(10)
    t2.join(10)
    expect(leaders == ["a", "b"], "leaders %r" % leaders)
    other.stop()


def check_counter(zk):
    c = zk.Counter(ROOT + "/counter")
    other = client()
    c2 = other.Counter(ROOT + "/counter")
    def bump(cc):
        for _ in range(20):
            cc += 1  # Counter.__add__: a versioned set, retried on conflict

    threads = [threading.Thread(target=bump, args=(cc,)) for cc in (c, c2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    expect(c.value == 40, "counter %r" % c.value)
    other.stop()


def check_watches(zk):
    zk.ensure_path(ROOT + "/w")
    seen, kids = [], []
    zk.DataWatch(ROOT + "/w", lambda data, stat: seen.append(data))
    zk.ChildrenWatch(ROOT + "/w", lambda ch: kids.append(sorted(ch)))
    other = client()
    other.set(ROOT + "/w", b"one")
    other.create(ROOT + "/w/c1")
    other.set(ROOT + "/w", b"two")
    other.create(ROOT + "/w/c2")
    expect(wait_until(lambda: seen[-1:] == [b"two"]), "data watch saw %r" % seen)
    expect(wait_until(lambda: kids[-1:] == [["c1", "c2"]]), "children watch saw %r" % kids)
    # a one-shot watch fires once (wire order is checked by zk_raw.py)
    fired = []
    zk.get(ROOT + "/w", watch=lambda e: fired.append(e.type))
    other.set(ROOT + "/w", b"three")
    other.set(ROOT + "/w", b"four")
    expect(wait_until(lambda: fired == ["CHANGED"]), "one-shot watch fired %r" % fired)
    time.sleep(0.3)
    expect(fired == ["CHANGED"], "one-shot watch fired %r" % fired)
    other.stop()


def check_transaction(zk):
    zk.ensure_path(ROOT + "/t")
    t = zk.transaction()
    t.create(ROOT + "/t/a", b"1")
    t.set_data(ROOT + "/t", b"x")
    t.check(ROOT + "/t", 1)
    res = t.commit()
    expect(res[0] == ROOT + "/t/a" and res[2] is True, "commit %r" % (res,))
    t = zk.transaction()
    t.create(ROOT + "/t/b", b"1")
    t.check(ROOT + "/t", 99)
    t.delete(ROOT + "/t/a")
    res = t.commit()
    expect(isinstance(res[0], RolledBackError) and isinstance(res[1], BadVersionError)
           and isinstance(res[2], RuntimeInconsistency), "failed commit %r" % (res,))
    expect(zk.exists(ROOT + "/t/b") is None and zk.exists(ROOT + "/t/a"), "rollback")


def check_acl(zk):
    acl = make_digest_acl("bob", "pw", all=True)
    authed = client(auth_data=[("digest", "bob:pw")])
    authed.create(ROOT + "/secret", b"s", acl=[acl], makepath=True)
    raises(NoAuthError, zk.get, ROOT + "/secret")
    expect(authed.get(ROOT + "/secret")[0] == b"s", "owner reads")
    acls, st = authed.get_acls(ROOT + "/secret")
    expect(acls[0].id.scheme == "digest" and acls[0].id.id == acl.id.id, "acl %r" % (acls,))
    zk.add_auth("digest", "bob:pw")
    expect(zk.get(ROOT + "/secret")[0] == b"s", "after add_auth")
    authed.stop()


def check_acl_duplicates(zk):
    # ZooKeeper 3.5+ drops repeated entries of a request's ACL list (create,
    # setACL, a create in a transaction) and keeps the first of each in order;
    # what "auth" expands to is kept as it comes.
    world_all, world_read = ACL(31, ANYONE_ID_UNSAFE), ACL(1, ANYONE_ID_UNSAFE)
    bob = make_digest_acl("bob", "pw", all=True)

    def acls(path):
        return [(a.perms, a.id.scheme, a.id.id) for a in zk.get_acls(path)[0]]

    want = [(31, "world", "anyone"), (1, "world", "anyone")]
    zk.create(ROOT + "/dup1", acl=[world_all, world_all, world_read, world_all])
    expect(acls(ROOT + "/dup1") == want, "create: %r" % (acls(ROOT + "/dup1"),))
    zk.create(ROOT + "/dup2")
    st = zk.set_acls(ROOT + "/dup2", [world_read, world_read, world_all, world_read])
    expect(st.aversion == 1 and acls(ROOT + "/dup2") == want[::-1], "setACL: %r" % (acls(ROOT + "/dup2"),))
    t = zk.transaction()
    t.create(ROOT + "/dup3", acl=[world_all, world_all])
    expect(t.commit() == [ROOT + "/dup3"] and acls(ROOT + "/dup3") == want[:1], "multi create")
    authed = client(auth_data=[("digest", "bob:pw")])
    authed.create(ROOT + "/dup4", acl=[bob, ACL(31, Id("auth", "")), bob])
    got = [(a.perms, a.id.scheme, a.id.id) for a in authed.get_acls(ROOT + "/dup4")[0]]
    expect(got == [(31, "digest", bob.id.id)] * 2, "auth expansion kept: %r" % (got,))
    authed.stop()


def check_version(zk):
    expect(zk.server_version()[:2] == (3, 8), "server_version %r" % (zk.server_version(),))
    expect(zk.command(b"ruok") == "imok", "ruok")


def main():
    zk = client()
    zk.ensure_path(ROOT)
    for name in sys.argv[2:]:
        globals()["check_" + name](zk)
        print("ok", name, flush=True)
    zk.stop()


if __name__ == "__main__":
    main()
