#!/usr/bin/python3
"""zk_durability.py -- write load and checks for kill -9 tests of a
ZooKeeper server (tests/integration/coordinator_durability.bats).

  zk_durability.py HOST:PORT write ACKED_FILE SECONDS PREFIX
      creates PREFIX/n-<i> (data "<i>") and bumps PREFIX (setData "<i>"),
      32 requests in flight, appending each acknowledged create's i to
      ACKED_FILE (flushed at once) until SECONDS pass or the server is gone
  zk_durability.py HOST:PORT verify ACKED_FILE PREFIX
      every acknowledged node exists with its data; PREFIX's data is at
      least the last acknowledged bump
  zk_durability.py HOST:PORT dump OUT_FILE
      the whole tree: path, data and every Stat field, one line per node
"""
import sys
import time

from kazoo.client import KazooClient
from kazoo.retry import KazooRetry


def connect(hosts):
    zk = KazooClient(hosts=hosts, timeout=10,
                     connection_retry=KazooRetry(max_tries=0),
                     command_retry=KazooRetry(max_tries=0))
    zk.start(timeout=15)
    return zk


def write(hosts, acked_file, seconds, prefix):
    zk = connect(hosts)
    zk.ensure_path(prefix)
    start = max([int(c[2:]) for c in zk.get_children(prefix)] + [-1]) + 1
    out = open(acked_file, "a")
    deadline = time.time() + float(seconds)
    i = start
    try:
        while time.time() < deadline:
            batch = []
            for _ in range(32):
                batch.append((i, zk.create_async("%s/n-%d" % (prefix, i), str(i).encode())))
                i += 1
            bump = zk.set_async(prefix, str(i - 1).encode())
            for n, a in batch:
                a.get(timeout=10)
                out.write("%d\n" % n)
                out.flush()
            bump.get(timeout=10)
            out.write("bump %d\n" % (i - 1))
            out.flush()
    except Exception as e:  # noqa: BLE001 -- the server was killed
        print("writer stopped: %r" % e)
    print("acked up to", i - 1)
    try:
        zk.stop()
    except Exception:  # noqa: BLE001
        pass


def verify(hosts, acked_file, prefix):
    zk = connect(hosts)
    acked, bump = set(), -1
    for line in open(acked_file):
        if line.startswith("bump "):
            bump = max(bump, int(line.split()[1]))
        elif line.strip():
            acked.add(int(line))
    have = {int(c[2:]) for c in zk.get_children(prefix)}
    missing = sorted(acked - have)
    if missing:
        sys.exit("FAIL: %d acknowledged nodes missing, e.g. %r" % (len(missing), missing[:10]))
    for n in sorted(acked)[:: max(1, len(acked) // 200)]:
        data, _ = zk.get("%s/n-%d" % (prefix, n))
        if data != str(n).encode():
            sys.exit("FAIL: %s/n-%d holds %r" % (prefix, n, data))
    data, _ = zk.get(prefix)
    if bump >= 0 and int(data or b"-1") < bump:
        sys.exit("FAIL: %s holds %r, acknowledged bump %d" % (prefix, data, bump))
    print("ok: %d acknowledged nodes present (%d on the server), bump %d <= %s"
          % (len(acked), len(have), bump, data.decode()))
    zk.stop()


def dump(hosts, out_file):
    zk = connect(hosts)
    lines = []

    def walk(path):
        data, st = zk.get(path)
        lines.append("%s %r %r" % (path, data, tuple(st)))
        for c in sorted(zk.get_children(path)):
            walk(path.rstrip("/") + "/" + c)

    walk("/")
    open(out_file, "w").write("\n".join(lines) + "\n")
    zk.stop()


if __name__ == "__main__":
    hosts, cmd = sys.argv[1], sys.argv[2]
    {"write": write, "verify": verify, "dump": dump}[cmd](hosts, *sys.argv[3:])
