#!/usr/bin/python3
"""confluent-kafka-python (Debian python3-confluent-kafka 1.7.0, librdkafka
2.0.2) driven against the broker.  Run with /usr/bin/python3.

Subcommands (all take --bootstrap HOST:PORT, default $BROKER, and --timeout S):
  check                         connect, print brokers and topics
  create-topic  --topic T --partitions P [--config k=v]... [--exists-ok]
  produce       --topic T --count N [--pad B] [--codec C] [--acks A]
                [--one-per-request] [--no-keys] [--headers] [--idempotent]
  consume       --topic T --count N [--pad B] [--first-offset O|-1]
                [--no-keys] [--headers]       read from earliest and verify
  roundtrip     --topic T --count N --partitions P [--codec C] [--pad B]
                create, produce N keyed messages, read back, verify
  compression   --codec gzip|snappy|lz4|zstd [--count N]   roundtrip, codec
  idempotent    [--count N] [--partitions P]   enable.idempotence=true
  admin         [--topic NAME]    create/list/describe/alter/delete + errors
  offsets       --topic T         print "partition earliest latest" lines
  describe-config --topic T --key K   print the topic config's value
  append-check  --topic T         one message per partition lands at the
                                  partition's previous latest offset
  produce-acked --topic T --count N --out FILE [--rate R] [--max-seconds S]
                acks=1, append "partition offset value" per acked message
  verify-acked  --topic T --in FILE [--produce-after]
                every acked message is readable at its offset

Note: confluent-kafka 1.7's Consumer insists on a group.id even when
partitions are assigned by hand; we set a throw-away one, use assign() and
never commit, so no group membership is involved.
Note: confluent-kafka 1.7 has no delete_records (AdminClient); see
kafkajs_client.js for DeleteRecords.

Exit status: 0 pass, 1 failure, 2 cannot connect, 3 usage.
"""
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kclient_common as kc  # noqa: E402
from kclient_common import NoConnection, TestFailure  # noqa: E402

from confluent_kafka import (  # noqa: E402
    Consumer, KafkaError, KafkaException, Producer, TopicPartition,
    OFFSET_BEGINNING, TIMESTAMP_NOT_AVAILABLE)
from confluent_kafka.admin import (  # noqa: E402
    AdminClient, ConfigResource, NewPartitions, NewTopic)

NAME = "confluent"


def common_conf(args):
    conf = {
        "bootstrap.servers": args.bootstrap,
        "client.id": "kt-confluent",
        "socket.connection.setup.timeout.ms": 5000,
        "log.connection.close": False,
    }
    for kv in getattr(args, "client_config", None) or []:
        k, _, v = kv.partition("=")
        conf[k] = v
    return conf


# ------------------------------------------------------------------ admin --

def admin_client(args):
    a = AdminClient(common_conf(args))
    try:
        a.list_topics(timeout=10)
    except KafkaException as e:
        raise NoConnection("metadata request failed: %s" % e.args[0])
    return a


def list_topics(admin):
    try:
        return admin.list_topics(timeout=10).topics
    except KafkaException as e:
        raise TestFailure("Metadata request failed: %s" % e.args[0])


def wait_topic(admin, topic, partitions, timeout=30.0):
    """Wait until metadata shows `topic` with `partitions` partitions, each
    with a leader."""
    deadline = time.time() + timeout
    last = "absent"
    while time.time() < deadline:
        t = list_topics(admin).get(topic)
        if t is not None:
            if t.error is not None:
                last = "error %s" % t.error
            elif len(t.partitions) != partitions:
                last = "%d partitions" % len(t.partitions)
            elif any(p.leader < 0 or p.error is not None for p in t.partitions.values()):
                last = "partitions without leader: %s" % sorted(
                    p.id for p in t.partitions.values() if p.leader < 0 or p.error)
            else:
                return t
        time.sleep(0.2)
    raise TestFailure("topic %s not ready with %d partitions within %.0f s (last seen: %s)"
                      % (topic, partitions, timeout, last))


def admin_error(fut, timeout=30.0):
    """None if the admin future succeeded, else its KafkaError."""
    try:
        fut.result(timeout=timeout)
        return None
    except KafkaException as e:
        return e.args[0]
    except concurrent.futures.TimeoutError:
        raise TestFailure("admin request: no result within %.0f s" % timeout)


def create_topic(admin, topic, partitions, config=None, exists_ok=False):
    fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1,
                                       config=config or {})],
                             operation_timeout=30, request_timeout=30)
    err = admin_error(fs[topic])
    if err is not None and not (exists_ok and err.code() == KafkaError.TOPIC_ALREADY_EXISTS):
        raise TestFailure("CreateTopics %s (%d partitions, config %s): %s"
                          % (topic, partitions, config, err))
    return wait_topic(admin, topic, partitions)


def topic_partitions(admin, topic):
    t = list_topics(admin).get(topic)
    if t is None or t.error is not None:
        raise TestFailure("topic %s not in metadata (%s)" % (topic, t and t.error))
    return sorted(t.partitions)


def describe_topic_config(admin, topic):
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    fs = admin.describe_configs([res], request_timeout=30)
    try:
        entries = fs[res].result(timeout=30)
    except KafkaException as e:
        raise TestFailure("DescribeConfigs %s: %s" % (topic, e.args[0]))
    return {k: v.value for k, v in entries.items()}


# --------------------------------------------------------------- produce --

def make_producer(args, acks="all", codec="none", idempotent=False, extra=None):
    conf = common_conf(args)
    conf.update({
        "acks": acks,
        "linger.ms": 5,
        "compression.codec": codec,
        "message.timeout.ms": 60000,
        "enable.idempotence": idempotent,
    })
    conf.update(extra or {})
    return Producer(conf)


def produce(args, topic, count, pad=0, codec="none", acks="all", idempotent=False,
            headers=False, keyed=True, one_per_request=False, start=0, partition=None):
    p = make_producer(args, acks=acks, codec=codec, idempotent=idempotent,
                      extra={"linger.ms": 0, "batch.num.messages": 1} if one_per_request else None)
    st = {"ok": 0, "err": 0, "first": None, "last_offset": {}}

    def dr(err, msg):
        if err is not None:
            st["err"] += 1
            if st["first"] is None:
                st["first"] = "%s (message %s)" % (err, kc._s(msg.value())[:20])
        else:
            st["ok"] += 1
            st["last_offset"][msg.partition()] = msg.offset()

    t0 = time.time()
    for i in range(start, start + count):
        kw = {"value": kc.value_for(i, pad), "on_delivery": dr}
        if keyed:
            kw["key"] = kc.key_for(i)
        if headers and kc.header_for(i):
            kw["headers"] = [kc.header_for(i)]
        if partition is not None:
            kw["partition"] = partition
        while True:
            try:
                p.produce(topic, **kw)
                break
            except BufferError:
                p.poll(0.05)
        if one_per_request:
            p.flush(30)
        elif i % 1000 == 0:
            p.poll(0)
    left = p.flush(max(10.0, args.timeout - (time.time() - t0)))
    dt = time.time() - t0
    if left:
        raise TestFailure("produce: %d message(s) still undelivered after flush" % left)
    if st["err"]:
        raise TestFailure("produce: %d of %d deliveries failed; first: %s"
                          % (st["err"], count, st["first"]))
    print("produced %d messages to %s in %.1f s (codec %s, acks %s%s)"
          % (st["ok"], topic, dt, codec, acks, ", idempotent" if idempotent else ""))
    return st


# --------------------------------------------------------------- consume --

def make_consumer(args, extra=None):
    conf = common_conf(args)
    conf.update({
        # required by confluent-kafka 1.7 even with assign(); never used:
        "group.id": "kt-assign-only-%d" % os.getpid(),
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
        "fetch.wait.max.ms": 100,
    })
    conf.update(extra or {})
    return Consumer(conf)


def consume_verify(args, topic, verifier, partitions, timeout):
    c = make_consumer(args)
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])

    def poll():
        for m in c.consume(num_messages=10000, timeout=0.2):
            if m.error():
                raise TestFailure("consume error on %s [%s]: %s"
                                  % (m.topic(), m.partition(), m.error()))
            ts_type, ts = m.timestamp()
            yield (m.partition(), m.offset(), m.key(), m.value(), m.headers(),
                   None if ts_type == TIMESTAMP_NOT_AVAILABLE else ts)
    try:
        kc.verify_stream(verifier, poll, timeout)
    finally:
        c.close()


def watermarks(args, topic, partitions):
    c = make_consumer(args)
    out = {}
    try:
        for p in partitions:
            try:
                out[p] = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
            except KafkaException as e:
                raise TestFailure("ListOffsets %s[%d]: %s" % (topic, p, e.args[0]))
    finally:
        c.close()
    return out


# ------------------------------------------------------------- commands --

def cmd_check(args):
    a = admin_client(args)
    md = a.list_topics(timeout=10)
    print("brokers: %s" % ", ".join("%d=%s:%d" % (b.id, b.host, b.port)
                                    for b in md.brokers.values()))
    print("controller: %s  topics: %d" % (md.controller_id, len(md.topics)))


def cmd_create_topic(args):
    a = admin_client(args)
    create_topic(a, args.topic, args.partitions, kc.parse_config_args(args.config),
                 exists_ok=args.exists_ok)
    print("topic %s ready with %d partitions" % (args.topic, args.partitions))


def cmd_produce(args):
    admin_client(args)
    produce(args, args.topic, args.count, pad=args.pad, codec=args.codec, acks=args.acks,
            idempotent=args.idempotent, headers=args.headers, keyed=not args.no_keys,
            one_per_request=args.one_per_request, start=args.start)


def cmd_consume(args):
    a = admin_client(args)
    parts = topic_partitions(a, args.topic)
    v = kc.Verifier(args.count, pad=args.pad, keyed=not args.no_keys,
                    first_offset=None if args.first_offset < 0 else args.first_offset,
                    check_headers=args.headers, start_index=args.start)
    consume_verify(args, args.topic, v, parts, args.timeout)


def roundtrip(args, codec="none", idempotent=False):
    kc.default_topic(args, "rt-confluent")
    a = admin_client(args)
    if args.no_create:
        wait_topic(a, args.topic, args.partitions)
    else:
        create_topic(a, args.topic, args.partitions)
    t_start = kc.now_ms() - 5000
    produce(args, args.topic, args.count, pad=args.pad, codec=codec, idempotent=idempotent,
            headers=True)
    v = kc.Verifier(args.count, pad=args.pad, check_headers=True,
                    ts_window=(t_start, kc.now_ms() + 5000))
    consume_verify(args, args.topic, v, list(range(args.partitions)), args.timeout)
    kc.check_total(args.topic, watermarks(args, args.topic, list(range(args.partitions))),
                   args.count)


def cmd_roundtrip(args):
    roundtrip(args, codec=args.codec)


def cmd_compression(args):
    roundtrip(args, codec=args.codec)


def cmd_idempotent(args):
    roundtrip(args, idempotent=True)


def cmd_admin(args):
    a = admin_client(args)
    t = kc.default_topic(args, "admin-confluent")
    cfg = kc.ADMIN_TOPIC_CONFIG
    create_topic(a, t, 3, cfg)
    print("created %s with 3 partitions and %s" % (t, cfg))

    fs = a.create_topics([NewTopic(t, num_partitions=3, replication_factor=1)], request_timeout=30)
    err = admin_error(fs[t])
    if err is None or err.code() != KafkaError.TOPIC_ALREADY_EXISTS:
        raise TestFailure("creating %s again: expected TOPIC_ALREADY_EXISTS (36), got %s" % (t, err))
    print("second create: %s" % err.name())

    if t not in list_topics(a):
        raise TestFailure("%s missing from topic list" % t)

    kc.check_topic_config(t, describe_topic_config(a, t), cfg,
                          defaults=("segment.bytes", "retention.bytes", "compression.type"))

    fs = a.create_partitions([NewPartitions(t, 5)], request_timeout=30)
    err = admin_error(fs[t])
    if err is not None:
        raise TestFailure("CreatePartitions %s to 5: %s" % (t, err))
    wait_topic(a, t, 5)
    print("partitions increased to 5")
    fs = a.create_partitions([NewPartitions(t, 4)], request_timeout=30)
    err = admin_error(fs[t])
    if err is None or err.code() != KafkaError.INVALID_PARTITIONS:
        raise TestFailure("CreatePartitions %s down to 4: expected INVALID_PARTITIONS (37), got %s"
                          % (t, err))
    produce(args, t, 10, partition=4)  # the new partition takes writes

    fs = a.delete_topics([t], operation_timeout=30, request_timeout=30)
    err = admin_error(fs[t])
    if err is not None:
        raise TestFailure("DeleteTopics %s: %s" % (t, err))
    kc.wait_topic_gone(lambda: list_topics(a), t)
    print("deleted %s; gone from metadata" % t)

    fs = a.delete_topics([t + "-never-existed"], request_timeout=30)
    err = admin_error(fs[t + "-never-existed"])
    if err is None or err.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
        raise TestFailure("DeleteTopics of an unknown topic: expected UNKNOWN_TOPIC_OR_PART (3), got %s"
                          % err)

    for bad in kc.INVALID_TOPIC_NAMES:
        fs = a.create_topics([NewTopic(bad, num_partitions=1, replication_factor=1)],
                             request_timeout=30)
        err = admin_error(fs[bad])
        if err is None or err.code() != KafkaError.TOPIC_EXCEPTION:
            raise TestFailure("CreateTopics %r: expected INVALID_TOPIC_EXCEPTION (17), got %s"
                              % (bad[:40], err))
        if bad in list_topics(a):
            raise TestFailure("invalid topic %r was created" % bad[:40])
    print("invalid topic names rejected with INVALID_TOPIC_EXCEPTION")


def cmd_offsets(args):
    a = admin_client(args)
    for p, (lo, hi) in sorted(watermarks(args, args.topic, topic_partitions(a, args.topic)).items()):
        print("%d %d %d" % (p, lo, hi))


def cmd_describe_config(args):
    a = admin_client(args)
    got = describe_topic_config(a, args.topic)
    if args.key not in got:
        raise TestFailure("topic %s has no config %s" % (args.topic, args.key))
    print(got[args.key])


def append_check(args, topic, partitions, min_next=None):
    """Produce one message per partition; it must land at the partition's
    latest offset as it was just before (and past min_next[p] if given)."""
    before = watermarks(args, topic, partitions)
    p = make_producer(args, acks="all")
    got = {}

    def dr(err, msg):
        if err is not None:
            got[msg.partition()] = err
        else:
            got[msg.partition()] = msg.offset()

    for part in partitions:
        p.produce(topic, value="append-check-%d" % part, partition=part, on_delivery=dr)
    if p.flush(30):
        raise TestFailure("append-check: messages not delivered")
    for part in partitions:
        lo, hi = before[part]
        off = got.get(part)
        if not isinstance(off, int):
            raise TestFailure("append-check: produce to %s[%d] failed: %s" % (topic, part, off))
        if off != hi:
            raise TestFailure("append-check: %s[%d] new message at offset %d, expected the "
                              "latest offset %d" % (topic, part, off, hi))
        if min_next and part in min_next and off < min_next[part]:
            raise TestFailure("append-check: %s[%d] new message at offset %d, but offset %d "
                              "was already acknowledged" % (topic, part, off, min_next[part] - 1))
    # and it is readable there
    c = make_consumer(args)
    c.assign([TopicPartition(topic, part, got[part]) for part in partitions])
    want = {part: "append-check-%d" % part for part in partitions}
    deadline = time.time() + 30
    try:
        while want and time.time() < deadline:
            for m in c.consume(num_messages=100, timeout=0.2):
                if m.error():
                    raise TestFailure("append-check consume: %s" % m.error())
                if m.offset() == got[m.partition()]:
                    if kc._s(m.value()) != want.get(m.partition()):
                        raise TestFailure("append-check: %s[%d]@%d holds %r"
                                          % (topic, m.partition(), m.offset(), m.value()))
                    want.pop(m.partition(), None)
    finally:
        c.close()
    if want:
        raise TestFailure("append-check: appended messages not readable in partitions %s" % sorted(want))
    print("append-check: new messages at %s" % ", ".join(
        "p%d@%d" % (part, got[part]) for part in partitions))


def cmd_append_check(args):
    a = admin_client(args)
    append_check(args, args.topic, topic_partitions(a, args.topic))


def cmd_produce_acked(args):
    a = admin_client(args)
    if args.topic not in list_topics(a):
        create_topic(a, args.topic, args.partitions, exists_ok=True)
    p = make_producer(args, acks="1", extra={
        "message.timeout.ms": args.message_timeout_ms,
        "retry.backoff.ms": 200,
        "reconnect.backoff.max.ms": 1000,
        "queue.buffering.max.messages": 50000,
    })
    st = kc.Deliveries(args.out)

    def dr(err, msg):
        if err is None:
            st.success(msg.partition(), msg.offset(), kc._s(msg.value()))
        else:
            st.failure(str(err))

    t0 = time.time()
    sent = 0
    for i in kc.paced(args.count, args.rate, args.max_seconds, wait=p.poll):
        while True:
            try:
                p.produce(args.topic, key=kc.key_for(i), value=kc.value_for(i), on_delivery=dr)
                break
            except BufferError:
                p.poll(0.05)
        sent += 1
        if i % 500 == 0:
            p.poll(0)
    left = p.flush(args.message_timeout_ms / 1000.0 + 10)
    st.close()
    print("produce-acked: sent %d, acked %d, failed %d, undelivered %d in %.1f s%s"
          % (sent, st.ok, st.err, left, time.time() - t0, st.first_error()))
    if (st.err or left) and not args.allow_failures:
        raise TestFailure("some messages were not acknowledged")


def cmd_verify_acked(args):
    acked = kc.load_acked(args.infile)
    a = admin_client(args)
    parts = topic_partitions(a, args.topic)
    wm = watermarks(args, args.topic, parts)
    c = make_consumer(args)
    c.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in acked])

    def poll():
        for m in c.consume(num_messages=10000, timeout=0.2):
            if m.error():
                raise TestFailure("consume error: %s" % m.error())
            yield m.partition(), m.offset(), m.value()
    try:
        kc.verify_acked(acked, wm, poll, time.time() + args.timeout - 15)
    finally:
        c.close()
    if args.produce_after:
        append_check(args, args.topic, parts, {p: max(o) + 1 for p, o in acked.items()})


def main():
    ap, sp = kc.subcommands(__doc__)
    sp("check", cmd_check, topic=False)
    s = sp("create-topic", cmd_create_topic)
    s.add_argument("--partitions", type=int, default=1)
    s.add_argument("--config", action="append", default=[])
    s.add_argument("--exists-ok", action="store_true")
    for name, func in (("produce", cmd_produce), ("consume", cmd_consume)):
        s = sp(name, func)
        s.add_argument("--count", type=int, required=True)
        s.add_argument("--start", type=int, default=0, help="index of the first message")
        s.add_argument("--pad", type=int, default=0)
        s.add_argument("--no-keys", action="store_true")
        s.add_argument("--headers", action="store_true")
        if name == "produce":
            s.add_argument("--codec", default="none")
            s.add_argument("--acks", default="all")
            s.add_argument("--idempotent", action="store_true")
            s.add_argument("--one-per-request", action="store_true")
        else:
            s.add_argument("--first-offset", type=int, default=0,
                           help="expected first offset per partition (-1: don't check)")
    for name, func, count, pad in (("roundtrip", cmd_roundtrip, 100000, 0),
                                   ("compression", cmd_compression, 20000, 100),
                                   ("idempotent", cmd_idempotent, 20000, 0)):
        kc.add_roundtrip_args(sp(name, func), count, pad,
                              partitions=3 if name != "idempotent" else 1,
                              codec_required=(name == "compression"))
    sp("admin", cmd_admin)
    sp("offsets", cmd_offsets)
    s = sp("describe-config", cmd_describe_config)
    s.add_argument("--key", required=True)
    sp("append-check", cmd_append_check)
    s = kc.add_acked_commands(sp, cmd_produce_acked, cmd_verify_acked)
    s.add_argument("--message-timeout-ms", type=int, default=30000)

    args = kc.parse_args(ap, ("roundtrip", "compression", "idempotent", "admin"))
    kc.run_main(NAME, args.func, args)


if __name__ == "__main__":
    main()
