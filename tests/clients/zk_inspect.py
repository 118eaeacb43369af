#!/usr/bin/python3
"""Look at (and for harness tests, change) ZooKeeper with kazoo.

    zk_inspect.py --zk HOST:PORT [--chroot /path] get PATH        print data
    zk_inspect.py --zk ... exists PATH                           exit 0/1
    zk_inspect.py --zk ... children PATH                         one a line
    zk_inspect.py --zk ... stat PATH                     "cversion N numChildren M"
    zk_inspect.py --zk ... create PATH [DATA]                    makepath
    zk_inspect.py --zk ... delete PATH                           recursive
    zk_inspect.py --zk ... broker-registration ID HOST PORT      check
                        /brokers/ids/ID is Kafka's JSON with that endpoint

Exit status: 0 ok, 1 check failed / node absent, 2 cannot connect.
Use Debian's /usr/bin/python3 (python3-kazoo).
"""
import argparse
import json
import logging
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError
from kazoo.handlers.threading import KazooTimeoutError


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zk", required=True)
    ap.add_argument("--chroot", default="")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("cmd", choices=["get", "exists", "children", "stat", "create",
                                    "delete", "broker-registration"])
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)

    zk = KazooClient(hosts=a.zk + a.chroot, timeout=a.timeout)
    try:
        zk.start(timeout=a.timeout)
    except KazooTimeoutError:
        print("ERROR: cannot connect to ZooKeeper at %s" % a.zk, file=sys.stderr)
        return 2
    try:
        return run(zk, a)
    finally:
        zk.stop()
        zk.close()


def run(zk, a):
    if a.cmd == "get":
        try:
            data, _ = zk.get(a.args[0])
        except NoNodeError:
            print("no node %s" % a.args[0], file=sys.stderr)
            return 1
        sys.stdout.write(data.decode(errors="replace") + "\n")
        return 0
    if a.cmd == "exists":
        return 0 if zk.exists(a.args[0]) else 1
    if a.cmd == "children":
        try:
            for c in sorted(zk.get_children(a.args[0])):
                print(c)
        except NoNodeError:
            print("no node %s" % a.args[0], file=sys.stderr)
            return 1
        return 0
    if a.cmd == "stat":
        st = zk.exists(a.args[0])
        if st is None:
            print("no node %s" % a.args[0], file=sys.stderr)
            return 1
        print("cversion %d numChildren %d" % (st.cversion, st.numChildren))
        return 0
    if a.cmd == "create":
        data = a.args[1].encode() if len(a.args) > 1 else b""
        zk.create(a.args[0], data, makepath=True)
        return 0
    if a.cmd == "delete":
        zk.delete(a.args[0], recursive=True)
        return 0
    if a.cmd == "broker-registration":
        bid, host, port = a.args[0], a.args[1], int(a.args[2])
        path = "/brokers/ids/%s" % bid
        try:
            data, stat = zk.get(path)
        except NoNodeError:
            print("FAIL: %s%s does not exist" % (a.chroot, path), file=sys.stderr)
            return 1
        try:
            reg = json.loads(data)
        except ValueError as e:
            print("FAIL: %s is not JSON (%s): %r" % (path, e, data[:200]), file=sys.stderr)
            return 1
        errors = []
        want = "PLAINTEXT://%s:%d" % (host, port)
        if want not in reg.get("endpoints", []):
            errors.append("endpoints %r lacks %s" % (reg.get("endpoints"), want))
        if reg.get("host") not in (host, None):
            errors.append("host %r != %s" % (reg.get("host"), host))
        if reg.get("port") not in (port, None, -1):
            errors.append("port %r != %d" % (reg.get("port"), port))
        if not stat.ephemeralOwner:
            errors.append("%s is not an ephemeral node" % path)
        if errors:
            print("FAIL: broker registration %s: %s\n  %s" % (path, "; ".join(errors), reg),
                  file=sys.stderr)
            return 1
        print("broker registration ok: %s" % json.dumps(reg, sort_keys=True))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
