#!/usr/bin/python3
"""What was acknowledged against what can be read: the checker of the
replication tests (brokers killed, paused or stopped while producers run).
Run with /usr/bin/python3.

  produce --topic T --client confluent|kafka-python --producer-id ID
          --count N --max-seconds S [--rate R] [--partitions N]
          --acked FILE --failed FILE [--require-all] [--latency FILE]
      Sends "<ID>:<seq>" for seq = 0, 1, ... until N are sent or S seconds
      have passed, with acks=all and retries: librdkafka (confluent-kafka)
      idempotent; kafka-python (no idempotence there) with
      max_in_flight_requests_per_connection=1.  With --partitions, seq goes
      to partition seq % N, else the client's partitioner chooses.  Each
      acknowledged message is appended to FILE as "partition offset value"
      when its delivery report arrives, each failed one to the failed file
      as "value error".  Send errors are counted, never fatal: the brokers
      may come and go meanwhile.  SIGTERM ends the sending early (what was
      sent is still waited for).  With --latency (librdkafka only), each
      acknowledgement also appends "<unix time> <seconds from produce() to
      the acknowledgement>" to that file.  Exit 0 if anything was
      acknowledged (with --require-all: only if everything was).

  verify --topic T --acked FILE [--acked FILE]... [--failed FILE]...
         [--duplicates-ok PRODUCER_ID]...
      Reads every partition of T from its log start to the end offset it
      has when verify starts, then per partition counts
        lost        acknowledged values not read in that partition
        duplicated  extra copies of values read more than once
        reordered   values read after a higher seq of the same producer
        mismatched  acknowledged offsets that hold another value
      prints one line per partition and a total, and exits 1 if any count
      is not 0.  Duplicates of a --duplicates-ok producer (one without
      idempotence, whose retry after a lost answer writes again) are
      reported apart and do not fail, as in Kafka's replication tests.

Exit status: 0 pass, 1 failure, 2 cannot connect, 3 usage.
"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kclient_common as kc  # noqa: E402
from kclient_common import NoConnection, TestFailure  # noqa: E402

import confluent_client as cc  # noqa: E402
import kafka_python_client as kp  # noqa: E402
from confluent_kafka import KafkaException, OFFSET_BEGINNING, TopicPartition  # noqa: E402
from kafka import KafkaProducer  # noqa: E402
import kafka.errors as Errors  # noqa: E402

NAME = "acked-checker"
EXAMPLES = 5


# --------------------------------------------------------------- produce --

class ConfluentSender:
    """librdkafka, idempotent, acks=all, retried until message.timeout.ms,
    a request given up after 10 s without an answer.
    A fatal idempotence error makes the producer unusable: its messages
    fail (counted) and a new producer takes over."""

    def __init__(self, args, st):
        self.args = args
        self.st = st
        self.fatal = threading.Event()
        self.latency = open(args.latency, "w", buffering=1) if args.latency else None
        self.p = self._new()

    def _new(self):
        def error_cb(err):
            if err.fatal():
                self.st.failure("fatal: %s" % err)
                self.fatal.set()
        return cc.make_producer(self.args, acks="all", idempotent=True, extra={
            "message.timeout.ms": int(self.args.message_timeout * 1000),
            "request.timeout.ms": 10000,
            # a leader cut off by the network answers nothing: give its
            # in-flight requests up after 10 s too (default 60 s), so
            # that they are retried with the new leader
            "socket.timeout.ms": 10000,
            "retry.backoff.ms": 100,
            "reconnect.backoff.max.ms": 1000,
            "topic.metadata.refresh.interval.ms": 2000,
            "error_cb": error_cb,
        })

    def _dr(self, err, msg):
        v = kc._s(msg.value())
        if err is None:
            self.st.success(msg.partition(), msg.offset(), v)
            if self.latency:
                self.latency.write("%.3f %.6f\n" % (time.time(), msg.latency()))
        else:
            self.st.failure(str(err), v)

    def send(self, value, partition):
        if self.fatal.is_set():
            self._serve(self.p.flush, 5)
            self.p = self._new()
            self.fatal.clear()
        kw = {"value": value, "on_delivery": self._dr}
        if partition is not None:
            kw["partition"] = partition
        while True:
            try:
                self.p.produce(self.args.topic, **kw)
                break
            except BufferError:
                self._serve(self.p.poll, 0.05)
            except KafkaException as e:
                self.st.failure(str(e.args[0]), value)
                break
        self._serve(self.p.poll, 0)

    def _serve(self, call, seconds):
        """poll or flush.  confluent-kafka raises a fatal error from them
        too (seen with librdkafka 2.0.2: its "rewound sequence number"
        error after requests timed out on a leader that was cut off,
        fixed in librdkafka 2.3): the producer is replaced on the next
        send, as after error_cb."""
        try:
            return call(seconds)
        except KafkaException as e:
            err = e.args[0]
            if not err.fatal():
                raise
            if not self.fatal.is_set():
                self.st.failure("fatal: %s" % err)
                self.fatal.set()
            return len(self.p)

    def wait(self, seconds):
        self._serve(self.p.poll, seconds)

    def flush(self, seconds):
        return self._serve(self.p.flush, seconds)


class KafkaPythonSender:
    """kafka-python: acks=all, retries, one request in flight per
    connection (it has no idempotence, so that is what keeps order)."""

    def __init__(self, args, st):
        self.args = args
        self.st = st
        conf = kp.common_conf(args)
        conf.update({"bootstrap_servers": args.bootstrap.split(","), "request_timeout_ms": 10000})
        try:
            self.p = KafkaProducer(acks="all", retries=1000000, retry_backoff_ms=100,
                                   max_in_flight_requests_per_connection=1, linger_ms=5,
                                   max_block_ms=10000, metadata_max_age_ms=2000, **conf)
        except Errors.NoBrokersAvailable as e:
            raise NoConnection(str(e))

    def send(self, value, partition):
        try:
            f = self.p.send(self.args.topic, value=value.encode(), partition=partition)
        except Errors.KafkaError as e:
            self.st.failure(e, value)
            return
        f.add_callback(lambda md: self.st.success(md.partition, md.offset, value))
        f.add_errback(lambda e: self.st.failure(e, value))

    def wait(self, seconds):
        time.sleep(seconds)

    def flush(self, seconds):
        try:
            self.p.flush(timeout=seconds)
        except Errors.KafkaError:
            pass
        return 0


def cmd_produce(args):
    st = kc.Deliveries(args.acked, args.failed)
    if args.latency and args.client != "confluent":
        raise TestFailure("--latency is measured with --client confluent only")
    sender = (ConfluentSender if args.client == "confluent" else KafkaPythonSender)(args, st)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    t0 = time.time()
    sent = 0
    for seq in kc.paced(args.count, args.rate, args.max_seconds, wait=sender.wait):
        if stop.is_set():
            break
        part = seq % args.partitions if args.partitions else None
        sender.send("%s:%d" % (args.producer_id, seq), part)
        sent += 1
    sender.flush(args.message_timeout + 5)
    st.close()
    unfinished = sent - st.ok - st.err
    print("produce %s (%s): sent %d, acked %d, failed %d, unfinished %d in %.1f s%s"
          % (args.producer_id, args.client, sent, st.ok, st.err, unfinished,
             time.time() - t0, st.first_error()))
    if st.ok == 0:
        raise TestFailure("no message was acknowledged")
    if args.require_all and (st.err or unfinished):
        raise TestFailure("%d message(s) failed, %d unfinished" % (st.err, unfinished))


# ---------------------------------------------------------------- verify --

def read_topic(args, wm):
    """{partition: [(offset, value), ...]} from each partition's log start
    to its end offset in wm {partition: (low, high)}."""
    got = {p: [] for p in wm}
    todo = {p for p, (lo, hi) in wm.items() if hi > lo}
    c = cc.make_consumer(args)
    c.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in todo])
    deadline = time.time() + args.timeout - 15
    try:
        while todo and time.time() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.2):
                if m.error():
                    raise TestFailure("consume error: %s" % m.error())
                p, o = m.partition(), m.offset()
                if o < wm[p][1]:
                    got[p].append((o, kc._s(m.value())))
                if o >= wm[p][1] - 1:
                    todo.discard(p)
    finally:
        c.close()
    if todo:
        raise TestFailure("could not read partitions %s to their end offsets within the timeout "
                          "(read up to %s)" % (sorted(todo), {p: got[p][-1][0] if got[p] else None
                                                              for p in sorted(todo)}))
    return got


def split_value(v):
    """("producer", seq) of "<producer>:<seq>", else None."""
    prod, sep, seq = (v or "").rpartition(":")
    if not sep or not seq.isdigit():
        return None
    return prod, int(seq)


def check_partition(acked, read, dup_ok=(), no_offset=()):
    """acked: {offset: value}; read: [(offset, value)] in offset order;
    dup_ok: producer ids whose duplicates are only reported (producers
    without idempotence may legitimately write a retried record twice);
    no_offset: values acknowledged without an offset (must be read too).
    Returns ({count name: number}, {count name: [examples]})."""
    at = {}
    copies = {}
    for o, v in read:
        at[o] = v
        copies[v] = copies.get(v, 0) + 1
    counts = {"lost": 0, "duplicated": 0, "reordered": 0, "mismatched": 0,
              "duplicated-allowed": 0}
    ex = {k: [] for k in counts}

    def bad(kind, text):
        counts[kind] += 1
        if len(ex[kind]) < EXAMPLES:
            ex[kind].append(text)

    for v in no_offset:
        if v not in copies:
            bad("lost", "%s acked without an offset" % v)
    for o, v in sorted(acked.items()):
        if v not in copies:
            bad("lost", "%s acked at %d" % (v, o))
        if o in at and at[o] != v:
            bad("mismatched", "offset %d acked %s, holds %s" % (o, v, at[o]))
    for v, n in copies.items():
        pv = split_value(v)
        kind = "duplicated-allowed" if pv and pv[0] in dup_ok else "duplicated"
        for _ in range(n - 1):
            bad(kind, "%s read %d times" % (v, n))
    highest = {}
    seen = set()
    for o, v in read:
        pv = split_value(v)
        if pv is None or v in seen:
            continue
        seen.add(v)
        prod, seq = pv
        if prod in highest and seq < highest[prod]:
            bad("reordered", "%s at %d after %s:%d" % (v, o, prod, highest[prod]))
        highest[prod] = max(seq, highest.get(prod, -1))
    return counts, ex


def cmd_verify(args):
    acked = {}
    no_offset = {}
    conflicts = []
    for path in args.acked:
        for p, o, v in kc.read_acked(path):
            if o < 0:
                no_offset.setdefault(p, []).append(v)
                continue
            prev = acked.setdefault(p, {}).setdefault(o, v)
            if prev != v:
                conflicts.append("partition %d offset %d acked for %s and %s" % (p, o, prev, v))
    failed = 0
    for path in args.failed:
        with open(path) as f:
            failed += sum(1 for line in f if line.strip())
    a = cc.admin_client(args)
    parts = cc.topic_partitions(a, args.topic)
    for p in acked:
        if p not in parts:
            raise TestFailure("partition %d has acknowledged messages but is not in metadata" % p)
    wm = cc.watermarks(args, args.topic, parts)
    got = read_topic(args, wm)
    total = {"lost": 0, "duplicated": 0, "reordered": 0, "mismatched": len(conflicts)}
    allowed = 0
    for p in parts:
        counts, ex = check_partition(acked.get(p, {}), got[p], set(args.duplicates_ok),
                                     no_offset.get(p, []))
        allowed += counts.pop("duplicated-allowed")
        acked_values = set(acked.get(p, {}).values()) | set(no_offset.get(p, []))
        unacked = len({v for _, v in got[p]} - acked_values)
        print("partition %d: acked %d read %d lost %d duplicated %d reordered %d mismatched %d "
              "(log %d..%d, read but not acked %d)"
              % (p, len(acked.get(p, {})), len(got[p]), counts["lost"], counts["duplicated"],
                 counts["reordered"], counts["mismatched"], wm[p][0], wm[p][1], unacked))
        for kind, texts in ex.items():
            for t in texts:
                print("  %s: %s" % (kind, t))
        for k in total:
            total[k] += counts[k]
    for c in conflicts[:EXAMPLES]:
        print("  mismatched: %s" % c)
    n_acked = sum(len(o) for o in acked.values()) + sum(len(v) for v in no_offset.values())
    if no_offset:
        print("acknowledged without an offset: %d" % sum(len(v) for v in no_offset.values()))
    print("total: acked %d (failed sends %d) lost %d duplicated %d reordered %d mismatched %d"
          "%s" % (n_acked, failed, total["lost"], total["duplicated"], total["reordered"],
                  total["mismatched"],
                  " (duplicates of non-idempotent producers, allowed: %d)" % allowed
                  if args.duplicates_ok else ""))
    sys.stdout.flush()
    if any(total.values()):
        raise TestFailure("acknowledged and read records differ: %s"
                          % ", ".join("%s %d" % kv for kv in total.items() if kv[1]))


def main():
    ap, sp = kc.subcommands(__doc__)
    s = sp("produce", cmd_produce)
    s.add_argument("--client", choices=["confluent", "kafka-python"], default="confluent")
    s.add_argument("--producer-id", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--max-seconds", type=float, required=True)
    s.add_argument("--rate", type=float, default=0, help="messages/s, 0 = unlimited")
    s.add_argument("--partitions", type=int, default=0,
                   help="send seq to partition seq %% N (0: the client's partitioner)")
    s.add_argument("--message-timeout", type=float, default=30,
                   help="seconds a message may take to be acknowledged (librdkafka)")
    s.add_argument("--acked", required=True)
    s.add_argument("--failed", required=True)
    s.add_argument("--require-all", action="store_true")
    s.add_argument("--latency", help="append '<time> <seconds to the acknowledgement>' per message")
    s = sp("verify", cmd_verify)
    s.add_argument("--acked", action="append", required=True)
    s.add_argument("--failed", action="append", default=[])
    s.add_argument("--duplicates-ok", action="append", default=[], metavar="PRODUCER_ID",
                   help="a producer without idempotence: its duplicates are reported, "
                        "not failed (as Kafka's own replication tests do)")
    args = kc.parse_args(ap, ())
    if args.cmd == "produce" and args.producer_id and ":" in args.producer_id:
        ap.error("--producer-id may not contain ':'")
    kc.run_main(NAME, args.func, args)


if __name__ == "__main__":
    main()
