#!/usr/bin/python3
"""One member of a consumer group, driven by tests/integration/groups_*.bats,
with kafka-python's KafkaConsumer or confluent-kafka's Consumer.

  group_member.py --client kafka-python|confluent --bootstrap HOST:PORT
                  --group G --topic T --name NAME --dir DIR
                  [--instance-id ID] [--session-timeout-ms MS] [--max-seconds S]
                  [--assignor range|roundrobin|sticky|cooperative-sticky]

It subscribes to T in group G and, until SIGTERM (then it closes the
consumer, which leaves the group unless it is a static member) or
--max-seconds, keeps these files in DIR:
  NAME.assign    the current assignment: partition numbers, comma-separated
                 (rewritten atomically on every rebalance)
  NAME.events    one line per assignment received: "assigned 0,3"
  NAME.records   one line per record consumed: "<partition> <offset> <value>"
Each record is committed synchronously (offset + 1) before the next is
read, so what a member has consumed is exactly what the group committed.
Exit status: 0 normal stop, 1 error.

  group_member.py --client ... --bootstrap HOST:PORT --group G --admin [--delete]
prints, through the client's admin API: "list <group> <protocol type>" per
group, "describe <group> <state> <members> <protocol>", "offset <topic> <partition>
<offset>" per committed offset (confluent-kafka 1.7 has no offsets admin
call: it reads them with Consumer.committed for --topic), and with --delete
"deleted <group>" or "delete-error <group> <error name>" (kafka-python only:
confluent-kafka 1.7 has no DeleteGroups).
"""
import argparse
import os
import signal
import sys
import time

stop = False


def on_term(signum, frame):
    global stop
    stop = True


class Files:
    def __init__(self, d, name):
        self.base = os.path.join(d, name)
        self.records = open(self.base + ".records", "a", buffering=1)
        self.events = open(self.base + ".events", "a", buffering=1)

    def assigned(self, partitions):
        line = ",".join(str(p) for p in sorted(partitions))
        tmp = self.base + ".assign.tmp"
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.replace(tmp, self.base + ".assign")
        self.events.write("assigned %s\n" % line)

    def record(self, partition, offset, value):
        v = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        self.records.write("%d %d %s\n" % (partition, offset, v))


def run_kafka_python(a, files):
    from kafka import KafkaConsumer, ConsumerRebalanceListener, TopicPartition
    from kafka.structs import OffsetAndMetadata

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            pass

        def on_partitions_assigned(self, assigned):
            files.assigned([tp.partition for tp in assigned])

    from kafka.coordinator.assignors.range import RangePartitionAssignor
    from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
    from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
    assignors = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor,
                 "sticky": StickyPartitionAssignor}
    extra = {}
    if a.assignor:
        extra["partition_assignment_strategy"] = [assignors[a.assignor]]
    c = KafkaConsumer(bootstrap_servers=a.bootstrap, group_id=a.group, client_id=a.name,
                      enable_auto_commit=False, auto_offset_reset="earliest",
                      session_timeout_ms=a.session_timeout_ms, heartbeat_interval_ms=1000,
                      max_poll_records=50, **extra)
    c.subscribe([a.topic], listener=Listener())
    deadline = time.time() + a.max_seconds
    while not stop and time.time() < deadline:
        batches = c.poll(timeout_ms=200)
        for tp, recs in batches.items():
            for r in recs:
                files.record(tp.partition, r.offset, r.value)
                c.commit({TopicPartition(tp.topic, tp.partition): OffsetAndMetadata(r.offset + 1, None)})
    c.close()


def run_confluent(a, files):
    from confluent_kafka import Consumer, KafkaException

    conf = {"bootstrap.servers": a.bootstrap, "group.id": a.group, "client.id": a.name,
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "session.timeout.ms": a.session_timeout_ms, "heartbeat.interval.ms": 1000}
    if a.instance_id:
        conf["group.instance.id"] = a.instance_id
    if a.assignor:
        conf["partition.assignment.strategy"] = a.assignor

    # The assignment is read back after every poll: with cooperative-sticky
    # the rebalance callbacks only carry the partitions added or revoked.
    c = Consumer(conf)
    c.subscribe([a.topic])
    current = None
    deadline = time.time() + a.max_seconds
    while not stop and time.time() < deadline:
        now = sorted(tp.partition for tp in c.assignment())
        if now != current:
            current = now
            files.assigned(now)
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().fatal():
                raise KafkaException(m.error())
            print("%s: %s" % (a.name, m.error()), file=sys.stderr, flush=True)
            continue
        files.record(m.partition(), m.offset(), m.value())
        c.commit(message=m, asynchronous=False)
    c.close()


def admin_kafka_python(a):
    from kafka import KafkaAdminClient
    adm = KafkaAdminClient(bootstrap_servers=a.bootstrap)
    for g, ptype in adm.list_consumer_groups():
        print("list %s %s" % (g, ptype or "-"))
    for d in adm.describe_consumer_groups([a.group]):
        print("describe %s %s %d %s" % (d.group, d.state, len(d.members), d.protocol or "-"))
    for tp, om in sorted(adm.list_consumer_group_offsets(a.group).items()):
        print("offset %s %d %d" % (tp.topic, tp.partition, om.offset))
    if a.delete:
        for g, err in adm.delete_consumer_groups([a.group]):
            print(("deleted %s" % g) if err.errno == 0 else ("delete-error %s %s" % (g, err.__name__)))
    adm.close()


def admin_confluent(a):
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient
    adm = AdminClient({"bootstrap.servers": a.bootstrap})
    for g in adm.list_groups(timeout=10):
        print("list %s %s" % (g.id, g.protocol_type or "-"))
    for g in adm.list_groups(group=a.group, timeout=10):
        print("describe %s %s %d %s" % (g.id, g.state, len(g.members), g.protocol or "-"))
    if a.topic:
        c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group})
        md = c.list_topics(a.topic, timeout=10).topics[a.topic]
        tps = [TopicPartition(a.topic, p) for p in sorted(md.partitions)]
        for tp in c.committed(tps, timeout=10):
            if tp.offset >= 0:
                print("offset %s %d %d" % (tp.topic, tp.partition, tp.offset))
        c.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--client", choices=["kafka-python", "confluent"], required=True)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--topic")
    p.add_argument("--name")
    p.add_argument("--dir")
    p.add_argument("--admin", action="store_true")
    p.add_argument("--delete", action="store_true")
    p.add_argument("--instance-id")
    p.add_argument("--session-timeout-ms", type=int, default=6000)
    p.add_argument("--max-seconds", type=float, default=300)
    p.add_argument("--assignor", choices=["range", "roundrobin", "sticky", "cooperative-sticky"])
    a = p.parse_args()
    if a.admin:
        (admin_kafka_python if a.client == "kafka-python" else admin_confluent)(a)
        return 0
    if not (a.topic and a.name and a.dir):
        p.error("--topic, --name and --dir are required for a member")
    signal.signal(signal.SIGTERM, on_term)
    files = Files(a.dir, a.name)
    try:
        (run_kafka_python if a.client == "kafka-python" else run_confluent)(a, files)
    except Exception as e:  # a test reads the message from the member's log
        print("%s: %s: %s" % (a.name, type(e).__name__, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
