#!/usr/bin/env python3
"""zk_ensemble.py -- kazoo client for the coordinator's ensemble tests.

  write HOSTS PATH ACKED STOPFILE
      creates sequential znodes PATH/n- with values 1, 2, 3... until STOPFILE
      exists; every write the server acknowledged is appended to ACKED as
      "<value> <seconds since epoch>" (flushed at once). A write that fails
      (connection loss, timeout, expired session) is not retried: the next
      one uses the next value, so values are unique.
  verify HOST PATH ACKED
      reads PATH's children from that one server (after sync) and checks that
      every acknowledged value is there exactly once and that acknowledged
      values appear in sequence order; prints "digest <sha1> count <n>" of
      the whole list (all servers must print the same).
  outage ACKED T
      prints how long writes stopped around time T (seconds since the
      epoch): the longest pause between T or an acknowledgement and the next
      acknowledgement, over the 20 s after T.
  move HOSTS KILLPID OTHERHOST
      connects to the first of HOSTS, creates an ephemeral and sets a data
      watch, SIGKILLs KILLPID (the server it is connected to), waits until
      the session is re-established on another server with the same id, then
      changes the watched node through OTHERHOST and checks that the watch
      fires and the ephemeral is still owned by the session.
  isolated HOST PATH READYFILE GOFILE SECONDS
      a client on the cut-off side of a network partition: connects to HOST
      only and writes PATH/before, then touches READYFILE and waits for
      GOFILE (the test creates it once the partition is in place). For
      SECONDS it then keeps writing PATH/i-<k> whenever it is connected.
      Fails if any of those writes is acknowledged, if the server does not
      drop the connection, if the session is re-established on HOST during
      those SECONDS, or if a new client can connect to HOST at the end.
      Prints how long after GOFILE the connection was dropped.
  fourlw HOST:PORT WORD
      sends a four-letter word, prints the answer (used inside network
      namespaces, where the bash helpers cannot run).
"""
import hashlib
import os
import signal
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import KazooException, NodeExistsError
from kazoo.handlers.threading import KazooTimeoutError


def client(hosts, timeout=4.0, randomize=True):
    c = KazooClient(hosts=hosts, timeout=timeout, randomize_hosts=randomize,
                    connection_retry=dict(max_tries=-1, delay=0.05, backoff=1.5, max_delay=0.5))
    c.start(timeout=30)
    return c


def write(hosts, path, acked, stopfile):
    c = client(hosts)
    c.ensure_path(path)
    value = 0
    fails = 0
    with open(acked, "a", buffering=1) as out:
        while not os.path.exists(stopfile):
            value += 1
            try:
                c.create_async(path + "/n-", str(value).encode(), sequence=True).get(timeout=5)
                out.write("%d %.3f\n" % (value, time.time()))
            except (KazooException, KazooTimeoutError):
                fails += 1
                time.sleep(0.05)
    print("wrote %d values, %d failed" % (value, fails))
    c.stop()


def verify(host, path, acked):
    c = client(host, randomize=False)
    c.sync(path)
    kids = sorted(c.get_children(path), key=lambda n: int(n.rsplit("-", 1)[1]))
    vals = []
    for k in kids:
        data, _ = c.get(path + "/" + k)
        vals.append(int(data))
    c.stop()
    want = [int(line.split()[0]) for line in open(acked) if line.strip()]
    count = {}
    for v in vals:
        count[v] = count.get(v, 0) + 1
    bad = 0
    for v in want:
        if count.get(v, 0) != 1:
            print("acked value %d present %d times" % (v, count.get(v, 0)))
            bad += 1
    wanted = set(want)
    seen = [v for v in vals if v in wanted]
    if seen != sorted(seen):
        print("acked values out of order")
        bad += 1
    if len(vals) != len(set(vals)):
        print("a value appears twice")
        bad += 1
    h = hashlib.sha1(("\n".join("%s=%d" % kv for kv in zip(kids, vals))).encode()).hexdigest()
    print("digest %s count %d acked %d" % (h, len(vals), len(want)))
    sys.exit(1 if bad else 0)


def outage(acked, t):
    t = float(t)
    times = sorted(float(line.split()[1]) for line in open(acked) if line.strip())
    prev, worst = t, 0.0
    for x in times:
        if x <= t:
            continue
        if x > t + 20:
            break
        worst = max(worst, x - prev)
        prev = x
    print("%.2f" % worst)


def peer_port(c):
    try:
        return c._connection._socket.getpeername()[1]
    except Exception:
        return None


def move(hosts, killpid, other):
    c = client(hosts, timeout=4.0, randomize=False)
    first = peer_port(c)
    sid = c.client_id[0]
    c.ensure_path("/move")
    try:
        c.create("/move/watched", b"0")
    except NodeExistsError:
        pass
    c.create("/move/eph", b"e", ephemeral=True)
    fired = threading.Event()
    events = []

    def on_change(ev):
        events.append(ev)
        fired.set()

    c.get("/move/watched", watch=on_change)
    os.kill(killpid, signal.SIGKILL)
    deadline = time.time() + 30
    while time.time() < deadline:
        if c.state == KazooState.CONNECTED and peer_port(c) not in (None, first):
            break
        time.sleep(0.1)
    else:
        sys.exit("the session did not move within 30 s")
    if c.client_id[0] != sid:
        sys.exit("a new session was created (0x%x != 0x%x)" % (c.client_id[0], sid))
    print("moved from port %d to %d, session 0x%x" % (first, peer_port(c), sid))
    o = client(other, randomize=False)
    _, st = o.get("/move/eph")
    if st.ephemeralOwner != sid:
        sys.exit("ephemeral owner 0x%x, expected 0x%x" % (st.ephemeralOwner, sid))
    o.set("/move/watched", b"1")
    if not fired.wait(15):
        sys.exit("the watch did not fire after the move")
    print("watch fired: %s %s" % (events[0].type, events[0].path))
    _, st = c.get("/move/eph")
    o.stop()
    c.stop()
    c.close()
    print("ok")


def isolated(host, path, readyfile, gofile, seconds):
    seconds = float(seconds)
    c = client(host, timeout=4.0, randomize=False)
    c.ensure_path(path)
    c.create(path + "/before", b"b")
    states = []
    c.add_listener(lambda st: states.append((time.time(), st)))
    open(readyfile, "w").close()
    deadline = time.time() + 60
    while not os.path.exists(gofile):
        if time.time() > deadline:
            sys.exit("isolated: %s did not appear within 60 s" % gofile)
        time.sleep(0.02)
    t0 = time.time()
    tried = acked = failed = 0
    while time.time() < t0 + seconds:
        if c.state == KazooState.CONNECTED:
            tried += 1
            try:
                c.create_async(path + "/i-", b"%d" % tried, sequence=True).get(timeout=2)
                acked += 1
                print("write %d ACKNOWLEDGED by the isolated server %.2f s after the cut"
                      % (tried, time.time() - t0))
            except (KazooException, KazooTimeoutError) as e:
                failed += 1
                if failed == 1:
                    print("first write after the cut failed after %.2f s: %s"
                          % (time.time() - t0, type(e).__name__))
                time.sleep(0.05)
        else:
            time.sleep(0.05)
    lost = [t - t0 for t, st in states if st != KazooState.CONNECTED and t >= t0]
    back = [t - t0 for t, st in states if st == KazooState.CONNECTED and t >= t0]
    bad = 0
    if acked:
        bad += 1
    if lost:
        print("connection dropped %.2f s after the cut; %d writes tried, %d acknowledged"
              % (lost[0], tried, acked))
    else:
        print("the isolated server never dropped the connection (%d writes tried)" % tried)
        bad += 1
    if back:
        print("the session was re-established %.2f s after the cut" % back[0])
        bad += 1
    sys.stdout.flush()
    c2 = KazooClient(hosts=host, randomize_hosts=False, connection_retry=dict(max_tries=2))
    try:
        c2.start(timeout=3)
        print("a new client CONNECTED to the isolated server")
        bad += 1
    except Exception as e:
        print("a new client is refused: %s" % type(e).__name__)
    sys.stdout.flush()
    os._exit(1 if bad else 0)  # kazoo's stop() would try to reach the server


def fourlw(hostport, word):
    import socket
    host, port = hostport.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=3)
        s.settimeout(3)
        s.sendall(word.encode())
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            out += b
        sys.stdout.write(out.decode(errors="replace"))
    except OSError as e:
        sys.exit("fourlw: %s" % e)


def main():
    cmd = sys.argv[1]
    if cmd == "write":
        write(*sys.argv[2:6])
    elif cmd == "verify":
        verify(*sys.argv[2:5])
    elif cmd == "outage":
        outage(sys.argv[2], sys.argv[3])
    elif cmd == "move":
        move(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "isolated":
        isolated(*sys.argv[2:7])
    elif cmd == "fourlw":
        fourlw(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown command")


if __name__ == "__main__":
    main()
