#!/usr/bin/python3
"""A memory load for the broker's KAFKA_HEAP_OPTS ceiling: many concurrent
producers (confluent-kafka / librdkafka, one connection each) sending large
batches, then one consumer reading everything back; or loads that make the
broker's answers large or queued: consumers of the old message format
(kafka-python, Fetch v3: the broker down-converts the records in memory, as
Kafka does) asking for large fetches, and a client that pipelines requests
and never reads the answers.

  heap_load.py --bootstrap H:P --topic T --producers N --per-producer M
               --value-bytes B --batch-bytes S [--acks LIST] --acked FILE
      produce (producer i with acks LIST[i % len(LIST)], e.g. "1,all";
      default all); write one line "producer seq partition offset" per
      acked message to FILE; print "sent X acked Y failed Z"
  heap_load.py --bootstrap H:P --topic T --verify FILE
      every acked message is read back once, intact, at its offset
  heap_load.py --bootstrap H:P --topic T --old-consumers N --seconds S
               [--unread-requests R --unread-bootstrap H:P]
      for S seconds, N kafka-python consumers (api_version 0.10.1, 48 MiB
      fetches) read T from the beginning, and one connection to
      --unread-bootstrap sends R Metadata requests for T and reads nothing;
      print "old consumers read X bytes"; exit 1 if they read nothing

Message value: "p<producer>:s<seq>:<crc32 of the filler>:" + filler, the
filler derived from (producer, seq), so a message read back is checked
byte for byte. Exit status: 0 pass, 1 failure, 3 usage.
"""
import argparse
import random
import socket
import struct
import sys
import threading
import time
import zlib

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING


def filler(producer, seq, size):
    rnd = random.Random(producer * 1000003 + seq)
    block = rnd.randbytes(4096)
    return (block * (size // 4096 + 1))[:size]


def value_for(producer, seq, size):
    f = filler(producer, seq, size)
    return b"p%d:s%d:%08x:" % (producer, seq, zlib.crc32(f)) + f


def produce(args):
    lock = threading.Lock()
    acked, failed = [], [0]
    sent = [0]
    acks = args.acks.split(",")

    def run(pidx):
        p = Producer({
            "bootstrap.servers": args.bootstrap,
            "client.id": "heap-load-%d" % pidx,
            "acks": acks[pidx % len(acks)],
            "linger.ms": 50,
            "batch.size": args.batch_bytes,
            "message.max.bytes": args.batch_bytes + 65536,
            "queue.buffering.max.kbytes": 4 * args.batch_bytes // 1024 + 1024,
            "max.in.flight.requests.per.connection": 5,
            "message.timeout.ms": 240000,
            "request.timeout.ms": 120000,
            "compression.type": "none",
            "log.connection.close": False,
        })

        def dr(err, msg, seq):
            with lock:
                if err is None:
                    acked.append((pidx, seq, msg.partition(), msg.offset()))
                else:
                    failed[0] += 1
                    print("delivery failed: %s" % err, file=sys.stderr)

        for seq in range(args.per_producer):
            v = value_for(pidx, seq, args.value_bytes)
            while True:
                try:
                    p.produce(args.topic, value=v,
                              on_delivery=lambda e, m, s=seq: dr(e, m, s))
                    break
                except BufferError:
                    p.poll(0.05)
            with lock:
                sent[0] += 1
            p.poll(0)
        left = p.flush(300)
        if left:
            with lock:
                failed[0] += left

    t0 = time.time()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.producers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(args.acked, "w") as f:
        for a in acked:
            f.write("%d %d %d %d\n" % a)
    print("sent %d acked %d failed %d in %.1f s" % (sent[0], len(acked), failed[0], time.time() - t0))
    return 0 if not failed[0] and len(acked) == sent[0] else 1


def verify(args):
    want = {}
    for line in open(args.verify):
        pidx, seq, part, off = map(int, line.split())
        want[(part, off)] = (pidx, seq)
    parts = sorted({p for p, _ in want})
    c = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "heap-load-verify",
        "enable.auto.commit": False,
        "fetch.max.bytes": 16 << 20,
        "max.partition.fetch.bytes": 16 << 20,
        "receive.message.max.bytes": 32 << 20,
    })
    c.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in parts])
    seen, bad = set(), 0
    deadline = time.time() + args.timeout
    while len(seen) < len(want) and time.time() < deadline:
        for m in c.consume(num_messages=1000, timeout=0.5):
            if m.error():
                print("consume error: %s" % m.error(), file=sys.stderr)
                bad += 1
                continue
            k = (m.partition(), m.offset())
            if k not in want:
                continue
            pidx, seq = want[k]
            if k in seen or m.value() != value_for(pidx, seq, args.value_bytes):
                bad += 1
                if bad < 10:
                    print("wrong message at %s" % (k,), file=sys.stderr)
            seen.add(k)
    c.close()
    print("acked %d read back %d wrong %d" % (len(want), len(seen), bad))
    return 0 if len(seen) == len(want) and not bad else 1


def old_consumers(args):
    from kafka import KafkaConsumer, TopicPartition as KTopicPartition

    lock = threading.Lock()
    read = [0]
    errors = []
    stop = time.time() + args.seconds

    def run(idx):
        try:
            c = KafkaConsumer(
                bootstrap_servers=args.bootstrap,
                client_id="heap-old-consumer-%d" % idx,
                api_version=(0, 10, 1),
                fetch_max_bytes=48 << 20,
                max_partition_fetch_bytes=16 << 20,
                fetch_max_wait_ms=500,
                request_timeout_ms=305000,
                enable_auto_commit=False,
            )
            parts = [KTopicPartition(args.topic, p) for p in sorted(c.partitions_for_topic(args.topic) or [])]
            c.assign(parts)
            c.seek_to_beginning(*parts)
            while time.time() < stop:
                for recs in c.poll(timeout_ms=500).values():
                    with lock:
                        read[0] += sum(len(r.value) for r in recs)
            c.close(autocommit=False)
        except Exception as e:  # noqa: BLE001 - reported, and fails the run
            with lock:
                errors.append("consumer %d: %r" % (idx, e))

    def unread():
        host, port = args.unread_bootstrap.rsplit(":", 1)
        name = args.topic.encode()
        # Metadata v1: topics [T]
        body = struct.pack(">hhi", 3, 1, 7) + struct.pack(">h", 13) + b"heap-unreader"
        body += struct.pack(">ih", 1, len(name)) + name
        one = struct.pack(">i", len(body)) + body
        s = socket.create_connection((host, int(port)))
        s.settimeout(max(1.0, stop - time.time()))
        try:
            s.sendall(one * args.unread_requests)  # stops when the broker stops reading
        except (socket.timeout, OSError):
            pass
        time.sleep(max(0.0, stop - time.time()))
        s.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.old_consumers)]
    if args.unread_requests:
        threads.append(threading.Thread(target=unread))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors:
        print(e, file=sys.stderr)
    print("old consumers read %d bytes" % read[0])
    return 0 if read[0] and not errors else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--producers", type=int, default=16)
    ap.add_argument("--per-producer", type=int, default=32)
    ap.add_argument("--value-bytes", type=int, default=256 << 10)
    ap.add_argument("--batch-bytes", type=int, default=4 << 20)
    ap.add_argument("--acks", default="all")
    ap.add_argument("--acked")
    ap.add_argument("--verify")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--old-consumers", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--unread-requests", type=int, default=0)
    ap.add_argument("--unread-bootstrap")
    args = ap.parse_args()
    if args.verify:
        return verify(args)
    if args.old_consumers:
        return old_consumers(args)
    if not args.acked:
        ap.error("--acked or --verify")
    return produce(args)


if __name__ == "__main__":
    sys.exit(main())
