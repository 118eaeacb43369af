#!/usr/bin/python3
"""kafka-python (Debian python3-kafka 2.0.2) driven against the broker.
Run with /usr/bin/python3 (a pyenv `python3` lacks Debian's modules).

Subcommands (all take --bootstrap HOST:PORT, default $BROKER, and --timeout S):
  check                         connect, print brokers, inferred version, topics
  roundtrip     --topic T --count N --partitions P [--codec C] [--pad B]
                admin-create, produce N keyed messages, read back (assign,
                from earliest, no group), verify
  compression   --codec gzip|snappy|lz4|zstd [--count N]   roundtrip, codec
                (snappy, lz4, zstd need python3-snappy, python3-lz4,
                python3-zstandard; zstd also needs the broker to look like
                Kafka >= 2.1 to kafka-python's version probe)
  admin         [--topic NAME]    create/list/describe/alter/delete + errors
  offsets       --topic T         print "partition earliest latest" lines
  produce-acked --topic T --count N --out FILE [--rate R] [--max-seconds S]
                acks=1, append "partition offset value" per acked message
  verify-acked  --topic T --in FILE [--produce-after]
                every acked message is readable at its offset
  metadata      --topic T         one Metadata v5 request to the bootstrap
                broker itself (kafka-python's BrokerConnection): prints
                "broker ID HOST:PORT" and "partition P error E leader L
                replicas R isr I offline O" lines

kafka-python 2.0.2 has no idempotent producer and no DeleteRecords, so those
scenarios are not here (see confluent_client.py, kafkajs_client.js).

Exit status: 0 pass, 1 failure, 2 cannot connect, 3 usage.
"""
import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kclient_common as kc  # noqa: E402
from kclient_common import NoConnection, TestFailure  # noqa: E402

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import (  # noqa: E402
    ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic)
import kafka.errors as Errors  # noqa: E402

NAME = "kafka-python"


def common_conf(args):
    return {
        "bootstrap_servers": [args.bootstrap],
        "client_id": "kt-kafka-python",
        "request_timeout_ms": 30000,
        "api_version_auto_timeout_ms": 5000,
        "reconnect_backoff_max_ms": 1000,
    }


# ------------------------------------------------------------- metadata --

class Meta:
    """A group-less KafkaConsumer used for metadata and offsets."""

    def __init__(self, args):
        try:
            self.c = KafkaConsumer(group_id=None, enable_auto_commit=False, **common_conf(args))
        except Errors.NoBrokersAvailable as e:
            raise NoConnection("%s (no broker answered ApiVersions)" % e)
        self.cluster = self.c._client.cluster

    def topics(self):
        try:
            return self.c.topics()
        except Errors.KafkaError as e:
            raise TestFailure("Metadata request failed: %r" % e)

    def partitions(self, topic):
        self.topics()
        return sorted(self.cluster.partitions_for_topic(topic) or [])

    def ready(self, topic, partitions):
        self.topics()
        parts = self.cluster.partitions_for_topic(topic)
        if not parts or len(parts) != partitions:
            return "%s partitions" % (len(parts) if parts else "no")
        noleader = [p for p in parts
                    if self.cluster.leader_for_partition(TopicPartition(topic, p)) in (None, -1)]
        return "partitions without leader: %s" % noleader if noleader else None

    def wait_topic(self, topic, partitions, timeout=30.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = self.ready(topic, partitions)
            if last is None:
                return
            time.sleep(0.2)
        raise TestFailure("topic %s not ready with %d partitions within %.0f s (last: %s)"
                          % (topic, partitions, timeout, last))

    def watermarks(self, topic, partitions):
        tps = [TopicPartition(topic, p) for p in partitions]
        try:
            lo = self.c.beginning_offsets(tps)
            hi = self.c.end_offsets(tps)
        except Errors.KafkaError as e:
            raise TestFailure("ListOffsets %s: %r" % (topic, e))
        return {tp.partition: (lo[tp], hi[tp]) for tp in tps}

    def close(self):
        self.c.close()


def admin_client(args):
    try:
        return KafkaAdminClient(**common_conf(args))
    except Errors.NoBrokersAvailable as e:
        raise NoConnection(str(e))
    except Errors.KafkaError as e:
        raise TestFailure("KafkaAdminClient: %r (controller/ApiVersions/Metadata)" % e)


def create_topic(admin, meta, topic, partitions, config=None):
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=partitions, replication_factor=1,
                                      topic_configs=config or {})], timeout_ms=30000)
    except Errors.KafkaError as e:
        raise TestFailure("CreateTopics %s (%d partitions, config %s): %r"
                          % (topic, partitions, config, e))
    meta.wait_topic(topic, partitions)


def expect_error(what, err_class, func, *a, **kw):
    try:
        func(*a, **kw)
    except err_class as e:
        return e
    except Errors.KafkaError as e:
        raise TestFailure("%s: expected %s (%d), got %r"
                          % (what, err_class.__name__, err_class.errno, e))
    raise TestFailure("%s: expected %s (%d), but it succeeded"
                      % (what, err_class.__name__, err_class.errno))


def describe_topic_config(admin, topic):
    try:
        resps = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    except Errors.KafkaError as e:
        raise TestFailure("DescribeConfigs %s: %r" % (topic, e))
    out = {}
    for resp in resps:
        for res in resp.resources:
            err, msg, _rtype, name, entries = res[:5]
            if err:
                raise TestFailure("DescribeConfigs %s: error %d %s" % (name, err, msg))
            for e in entries:
                out[e[0]] = e[1]
    return out


# --------------------------------------------------------------- produce --

def produce(args, topic, count, pad=0, codec=None, acks="all", headers=False,
            keyed=True, partition=None):
    try:
        p = KafkaProducer(acks=acks if acks == "all" else int(acks), linger_ms=5,
                          compression_type=codec, batch_size=65536,
                          max_request_size=4 * 1024 * 1024, **common_conf(args))
    except Errors.NoBrokersAvailable as e:
        raise NoConnection(str(e))
    st = kc.Deliveries()
    t0 = time.time()
    for i in range(count):
        h = [kc.header_for(i)] if headers and kc.header_for(i) else None
        f = p.send(topic, key=kc.key_for(i).encode() if keyed else None,
                   value=kc.value_for(i, pad).encode(), headers=h, partition=partition)
        f.add_callback(lambda _md: st.success())
        f.add_errback(st.failure)
    p.flush(timeout=max(10.0, args.timeout - (time.time() - t0)))
    p.close(timeout=10)
    dt = time.time() - t0
    if st.err or st.ok != count:
        raise TestFailure("produce: %d of %d acknowledged, %d failed; first error: %s"
                          % (st.ok, count, st.err, st.first))
    print("produced %d messages to %s in %.1f s (codec %s, acks %s)"
          % (count, topic, dt, codec or "none", acks))


# --------------------------------------------------------------- consume --

def make_consumer(args):
    return KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                         fetch_max_wait_ms=100, max_poll_records=10000,
                         max_partition_fetch_bytes=4 * 1024 * 1024, **common_conf(args))


def assigned_consumer(args, topic, partitions):
    """A group-less consumer reading these partitions from the beginning,
    and its poll function yielding records."""
    c = make_consumer(args)
    tps = [TopicPartition(topic, p) for p in partitions]
    c.assign(tps)
    c.seek_to_beginning(*tps)

    def poll():
        for _tp, recs in c.poll(timeout_ms=200).items():
            yield from recs
    return c, poll


def consume_verify(args, topic, verifier, partitions, timeout):
    c, records = assigned_consumer(args, topic, partitions)

    def poll():
        for r in records():
            yield (r.partition, r.offset, r.key, r.value, r.headers,
                   r.timestamp if r.timestamp is not None and r.timestamp >= 0 else None)
    try:
        kc.verify_stream(verifier, poll, timeout)
    finally:
        c.close()


# ------------------------------------------------------------- commands --

def cmd_check(args):
    m = Meta(args)
    topics = m.topics()
    print("brokers: %s" % ", ".join("%d=%s:%d" % (b.nodeId, b.host, b.port)
                                    for b in m.cluster.brokers()))
    print("controller: %s  inferred broker version: %s  topics: %d"
          % (m.cluster.controller and m.cluster.controller.nodeId,
             ".".join(map(str, m.c.config["api_version"])), len(topics)))
    m.close()


def cmd_metadata(args):
    import socket
    from kafka.conn import BrokerConnection
    from kafka.protocol.metadata import MetadataRequest
    host, port = args.bootstrap.split(",")[0].rsplit(":", 1)
    conn = BrokerConnection(host, int(port), socket.AF_UNSPEC, api_version=(2, 0, 0),
                            request_timeout_ms=int(args.timeout * 1000))
    if not conn.connect_blocking(timeout=args.timeout):
        raise NoConnection("cannot connect to %s" % args.bootstrap)
    fut = conn.send(MetadataRequest[5](topics=[args.topic], allow_auto_topic_creation=False))
    conn.send_pending_requests()
    deadline = time.time() + args.timeout
    while not fut.is_done and time.time() < deadline:
        for response, f in conn.recv():  # KafkaClient's poll resolves them so
            f.success(response)
        time.sleep(0.01)
    conn.close()
    if not fut.succeeded():
        raise TestFailure("Metadata request failed: %r" % fut.exception)
    r = fut.value
    for node_id, bhost, bport, _rack in sorted(r.brokers):
        print("broker %d %s:%d" % (node_id, bhost, bport))
    for _err, _name, _internal, parts in r.topics:
        for err, pid, leader, replicas, isr, offline in sorted(parts, key=lambda x: x[1]):
            print("partition %d error %d leader %d replicas %s isr %s offline %s"
                  % (pid, err, leader, ",".join(map(str, replicas)), ",".join(map(str, isr)),
                     ",".join(map(str, offline))))


def roundtrip(args, codec=None):
    kc.default_topic(args, "rt-kafka-python")
    m = Meta(args)
    if args.no_create:
        m.wait_topic(args.topic, args.partitions)
    else:
        create_topic(admin_client(args), m, args.topic, args.partitions)
    t_start = kc.now_ms() - 5000
    produce(args, args.topic, args.count, pad=args.pad, codec=codec, headers=True)
    v = kc.Verifier(args.count, pad=args.pad, check_headers=True,
                    ts_window=(t_start, kc.now_ms() + 5000))
    parts = list(range(args.partitions))
    consume_verify(args, args.topic, v, parts, args.timeout)
    kc.check_total(args.topic, m.watermarks(args.topic, parts), args.count)
    m.close()


def cmd_roundtrip(args):
    roundtrip(args, None if args.codec == "none" else args.codec)


def cmd_compression(args):
    codecs = {"gzip": "gzip", "snappy": "snappy", "lz4": "lz4", "zstd": "zstd"}
    from kafka import codec as kcodec
    have = {"gzip": kcodec.has_gzip(), "snappy": kcodec.has_snappy(), "lz4": kcodec.has_lz4(),
            "zstd": kcodec.has_zstd()}
    if not have[args.codec]:
        raise TestFailure("kafka-python cannot do %s here: install the python3 module "
                          "(python3-snappy / python3-lz4 / python3-zstandard)" % args.codec)
    roundtrip(args, codecs[args.codec])


def cmd_admin(args):
    m = Meta(args)
    a = admin_client(args)
    t = kc.default_topic(args, "admin-kafka-python")
    cfg = kc.ADMIN_TOPIC_CONFIG
    create_topic(a, m, t, 3, cfg)
    print("created %s with 3 partitions and %s" % (t, cfg))

    expect_error("creating %s again" % t, Errors.TopicAlreadyExistsError, a.create_topics,
                 [NewTopic(name=t, num_partitions=3, replication_factor=1)], timeout_ms=30000)
    print("second create: TOPIC_ALREADY_EXISTS")
    if t not in m.topics():
        raise TestFailure("%s missing from topic list" % t)
    if t not in a.list_topics():
        raise TestFailure("%s missing from KafkaAdminClient.list_topics()" % t)

    kc.check_topic_config(t, describe_topic_config(a, t), cfg)

    try:
        a.create_partitions({t: NewPartitions(total_count=5)}, timeout_ms=30000)
    except Errors.KafkaError as e:
        raise TestFailure("CreatePartitions %s to 5: %r" % (t, e))
    m.wait_topic(t, 5)
    print("partitions increased to 5")
    expect_error("CreatePartitions %s down to 4" % t, Errors.InvalidPartitionsError,
                 a.create_partitions, {t: NewPartitions(total_count=4)}, timeout_ms=30000)
    produce(args, t, 10, partition=4)

    try:
        a.delete_topics([t], timeout_ms=30000)
    except Errors.KafkaError as e:
        raise TestFailure("DeleteTopics %s: %r" % (t, e))
    kc.wait_topic_gone(m.topics, t)
    print("deleted %s; gone from metadata" % t)
    expect_error("DeleteTopics of an unknown topic", Errors.UnknownTopicOrPartitionError,
                 a.delete_topics, [t + "-never-existed"], timeout_ms=30000)

    for bad in kc.INVALID_TOPIC_NAMES:
        expect_error("CreateTopics %r" % bad[:40], Errors.InvalidTopicError, a.create_topics,
                     [NewTopic(name=bad, num_partitions=1, replication_factor=1)], timeout_ms=30000)
        if bad in m.topics():
            raise TestFailure("invalid topic %r was created" % bad[:40])
    print("invalid topic names rejected with INVALID_TOPIC_EXCEPTION")
    a.close()
    m.close()


def cmd_offsets(args):
    m = Meta(args)
    for p, (lo, hi) in sorted(m.watermarks(args.topic, m.partitions(args.topic)).items()):
        print("%d %d %d" % (p, lo, hi))
    m.close()


def cmd_produce_acked(args):
    m = Meta(args)
    if args.topic not in m.topics():
        create_topic(admin_client(args), m, args.topic, args.partitions)
    p = KafkaProducer(acks=1, linger_ms=2, retries=5, retry_backoff_ms=200, **common_conf(args))
    st = kc.Deliveries(args.out)

    def ok(value, md):  # add_callback(ok, v) calls ok(v, metadata)
        st.success(md.partition, md.offset, value)

    t0 = time.time()
    sent = 0
    for i in kc.paced(args.count, args.rate, args.max_seconds):
        v = kc.value_for(i)
        try:
            f = p.send(args.topic, key=kc.key_for(i).encode(), value=v.encode())
        except Errors.KafkaError as e:
            st.failure(e)
            continue
        f.add_callback(ok, v)
        f.add_errback(st.failure)
        sent += 1
    p.flush(timeout=60)
    p.close(timeout=10)
    st.close()
    print("produce-acked: sent %d, acked %d, failed %d in %.1f s%s"
          % (sent, st.ok, st.err, time.time() - t0, st.first_error()))
    if st.err and not args.allow_failures:
        raise TestFailure("some messages were not acknowledged")


def cmd_verify_acked(args):
    acked = kc.load_acked(args.infile)
    m = Meta(args)
    parts = m.partitions(args.topic)
    wm = m.watermarks(args.topic, parts)
    c, records = assigned_consumer(args, args.topic, list(acked))
    try:
        kc.verify_acked(acked, wm, lambda: ((r.partition, r.offset, r.value) for r in records()),
                        time.time() + args.timeout - 15)
    finally:
        c.close()
    if args.produce_after:
        p = KafkaProducer(acks="all", **common_conf(args))
        for part in parts:
            md = p.send(args.topic, value=b"append-check", partition=part).get(timeout=30)
            if md.offset != wm[part][1]:
                raise TestFailure("new message in partition %d at offset %d, expected %d"
                                  % (part, md.offset, wm[part][1]))
        p.close(timeout=10)
        print("append-check: new messages at the next offsets %s"
              % ", ".join("p%d@%d" % (part, wm[part][1]) for part in parts))
    m.close()


def main():
    logging.basicConfig(level=logging.CRITICAL)  # kafka-python logs connection noise
    ap, sp = kc.subcommands(__doc__)
    sp("check", cmd_check, topic=False)
    for name, func, count, pad in (("roundtrip", cmd_roundtrip, 100000, 0),
                                   ("compression", cmd_compression, 20000, 100)):
        kc.add_roundtrip_args(sp(name, func), count, pad, codec_required=(name == "compression"))
    sp("admin", cmd_admin)
    sp("offsets", cmd_offsets)
    sp("metadata", cmd_metadata)
    kc.add_acked_commands(sp, cmd_produce_acked, cmd_verify_acked)

    args = kc.parse_args(ap, ("roundtrip", "compression", "admin"))
    kc.run_main(NAME, args.func, args)


if __name__ == "__main__":
    main()
