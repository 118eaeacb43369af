#!/usr/bin/python3
"""The controller's requests sent by hand over a raw socket (stdlib only), as
a controller that lost its place, or one that talks to a broker's earlier
registration, would send them.

    controller_requests.py leader-and-isr  --bootstrap H:P --topic T [--partition P]
        --controller-id N --controller-epoch E [--broker-epoch X]
        --leader L --leader-epoch LE --isr 1,2 --replicas 1,2,3 [--version V]
    controller_requests.py update-metadata (the same arguments)
        [--live-brokers ID@HOST:PORT,...] [--offline 3]
    controller_requests.py stop-replica    --bootstrap H:P --topic T [--partition P]
        --controller-id N --controller-epoch E [--broker-epoch X] [--delete]

Prints the answer: "error_code N", then "partition T-P error N" for each
partition (LeaderAndIsr, StopReplica). Versions: the highest a Kafka 2.5
controller sends unless --version. Encoding: kafka_requests.py's schemas.
Exit: 0 answered, 1 failure, 2 cannot connect, 3 usage.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_requests import FLEXIBLE_FROM, SCHEMAS, Body, _encode  # noqa: E402
from raw_requests import Conn, Fail, Reader, run_command  # noqa: E402

KEYS = {"leader-and-isr": (4, 4), "stop-replica": (5, 2), "update-metadata": (6, 6)}


def ids(s):
    return [int(x) for x in s.split(",") if x]


def uvarint(r):
    shift = value = 0
    while True:
        b = r.take(">B")
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value
        shift += 7


def body_values(a):
    state = {"topic_name": a.topic, "partition_index": a.partition,
             "controller_epoch": a.controller_epoch, "leader": a.leader,
             "leader_epoch": a.leader_epoch, "isr": a.isr, "zk_version": a.zk_version,
             "replicas": a.replicas, "adding_replicas": [], "removing_replicas": [],
             "offline_replicas": a.offline, "is_new": 0, "tags": None}
    common = {"controller_id": a.controller_id, "controller_epoch": a.controller_epoch,
              "broker_epoch": a.broker_epoch, "tags": None}
    if a.cmd == "stop-replica":
        return dict(common, delete_partitions=1 if a.delete else 0,
                    ungrouped_partitions=[{"topic_name": a.topic, "partition_index": a.partition}],
                    topics=[{"name": a.topic, "partition_indexes": [a.partition], "tags": None}])
    grouped = [{"topic_name": a.topic, "tags": None, "partition_states": [state]}]
    if a.cmd == "leader-and-isr":
        return dict(common, ungrouped_partition_states=[state], topic_states=grouped,
                    live_leaders=[])
    return dict(common, ungrouped_partition_states=[state], topic_states=grouped,
                live_brokers=live_brokers(a.live_brokers))


def live_brokers(spec):
    """ID@HOST:PORT,... as UpdateMetadataBroker entries (PLAINTEXT)."""
    out = []
    for item in filter(None, spec.split(",")):
        bid, addr = item.split("@", 1)
        host, port = addr.rsplit(":", 1)
        out.append({"id": int(bid), "v0_host": host, "v0_port": int(port), "rack": None,
                    "tags": None, "endpoints": [
                        {"port": int(port), "host": host, "listener": "PLAINTEXT",
                         "security_protocol": 0, "tags": None}]})
    return out


def cmd_send(a):
    key, top = KEYS[a.cmd]
    v = top if a.version is None else a.version
    flex = v >= FLEXIBLE_FROM[key]
    out = Body()
    _encode(SCHEMAS[key][1], body_values(a), v, out, "")
    c = Conn(a.bootstrap)
    try:
        r = Reader(c.request(key, v, bytes(out.b), flexible_header=flex))
    finally:
        c.close()
    if flex:
        uvarint(r)  # response header v1: tagged fields
    print("error_code %d" % r.take(">h"))
    if key == 6:
        return
    n = uvarint(r) - 1 if flex else r.take(">i")
    for _ in range(n):
        if flex:
            ln = uvarint(r) - 1
            name = r.d[r.i:r.i + ln].decode()
            r.i += ln
        else:
            name = r.string()
        part, err = r.take(">ih")
        if flex:
            uvarint(r)
        print("partition %s-%d error %d" % (name, part, err))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=sorted(KEYS))
    ap.add_argument("--bootstrap", "-b", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--partition", type=int, default=0)
    ap.add_argument("--controller-id", type=int, required=True)
    ap.add_argument("--controller-epoch", type=int, required=True)
    ap.add_argument("--broker-epoch", type=int, default=-1)
    ap.add_argument("--leader", type=int, default=-1)
    ap.add_argument("--leader-epoch", type=int, default=0)
    ap.add_argument("--zk-version", type=int, default=0)
    ap.add_argument("--isr", type=ids, default=[])
    ap.add_argument("--replicas", type=ids, default=[])
    ap.add_argument("--delete", action="store_true")
    ap.add_argument("--live-brokers", default="")
    ap.add_argument("--offline", type=ids, default=[])
    ap.add_argument("--version", type=int)
    a = ap.parse_args()
    return run_command("controller_requests", cmd_send, a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
