#!/usr/bin/python3
"""Samples a cluster while brokers come and go: the rolling-restart tests
(tests/lab/rolling.bats) run it beside their load.  Run with /usr/bin/python3.

  sample --bootstrap B --topic T --group G --out FILE [--interval S]
      Until SIGTERM, every --interval seconds (default 0.25) appends to FILE
        "<unix time> out <broker ids out of an ISR they are a replica of, or ->"
        "<unix time> committed <partition>:<offset> ..."   (G's commits on T)
      from the metadata and OffsetFetch of whichever broker answers; a
      sample that gets no answer is left out.

  report --out FILE [--from T0] [--to T1]
      Per broker, the seconds it spent out of the ISR (the time between a
      sample that shows it out and the next sample); per partition, how
      often G's committed offset went backwards, with the first examples.
      Prints "out-of-isr broker <id> <seconds>" lines and
      "committed: <n> samples, backwards <k>"; exit 1 if k > 0.
"""
import argparse
import signal
import sys
import threading
import time


def cmd_sample(a):
    from confluent_kafka import Consumer, TopicPartition
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group,
                  "enable.auto.commit": False, "socket.timeout.ms": 5000,
                  "reconnect.backoff.max.ms": 500})
    with open(a.out, "a", buffering=1) as out:
        while not stop.is_set():
            t = time.time()
            try:
                md = c.list_topics(a.topic, timeout=2).topics[a.topic]
                outs = set()
                for p in md.partitions.values():
                    outs.update(set(p.replicas) - set(p.isrs))
                out.write("%.3f out %s\n" % (t, ",".join(str(b) for b in sorted(outs)) or "-"))
                tps = [TopicPartition(a.topic, p) for p in sorted(md.partitions)]
                got = c.committed(tps, timeout=2)
                out.write("%.3f committed %s\n" % (t, " ".join(
                    "%d:%d" % (tp.partition, tp.offset) for tp in got if tp.offset >= 0)))
            except Exception as e:  # a broker going away: the next sample
                out.write("%.3f error %s\n" % (t, " ".join(str(e).split())))
            stop.wait(max(0.0, a.interval - (time.time() - t)))
    c.close()
    return 0


def cmd_report(a):
    samples = []
    with open(a.out) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            t = float(parts[0])
            if (a.from_ is not None and t < a.from_) or (a.to is not None and t > a.to):
                continue
            samples.append((t, parts[1], parts[2:]))
    outs = [(t, rest) for t, kind, rest in samples if kind == "out"]
    seconds = {}
    for (t, rest), (t_next, _) in zip(outs, outs[1:]):
        for b in rest[0].split(",") if rest and rest[0] != "-" else []:
            seconds[b] = seconds.get(b, 0.0) + (t_next - t)
    for b in sorted(seconds, key=int):
        print("out-of-isr broker %s %.1f" % (b, seconds[b]))
    last = {}
    backwards = []
    n = 0
    for t, kind, rest in samples:
        if kind != "committed":
            continue
        n += 1
        for item in rest:
            p, o = (int(x) for x in item.split(":"))
            if p in last and o < last[p][1]:
                backwards.append("partition %d: %d at %.3f after %d at %.3f" % (p, o, t, last[p][1], last[p][0]))
            last[p] = (t, o)
    print("committed: %d samples, backwards %d" % (n, len(backwards)))
    for b in backwards[:5]:
        print("  backwards: %s" % b)
    print("committed at the end: %s" % " ".join("%d:%d" % (p, last[p][1]) for p in sorted(last)))
    return 1 if backwards else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sp = ap.add_subparsers(dest="cmd", required=True)
    s = sp.add_parser("sample")
    s.add_argument("--bootstrap", required=True)
    s.add_argument("--topic", required=True)
    s.add_argument("--group", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--interval", type=float, default=0.25)
    s = sp.add_parser("report")
    s.add_argument("--out", required=True)
    s.add_argument("--from", dest="from_", type=float)
    s.add_argument("--to", type=float)
    a = ap.parse_args()
    return cmd_sample(a) if a.cmd == "sample" else cmd_report(a)


if __name__ == "__main__":
    sys.exit(main())
