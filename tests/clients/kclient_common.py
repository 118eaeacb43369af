"""Shared by the Python client test programs (kafka_python_client.py,
confluent_client.py, verify_dump.py,
acked_checker.py): the message scheme, the verifier,
argument parsing, exit codes and the watchdog.

Message i (0 <= i < count):  key   = "k<i % 1000>"
                             value = "v<i>" followed by `pad` '.' characters
                             header ("idx", "<i>") when i % 100 == 0
                             (only where a test asks for headers)

Exit status of every program: 0 pass, 1 test failure, 2 cannot connect,
3 usage error.
"""
import argparse
import os
import re
import sys
import threading
import time
import traceback

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_NOCONN = 2
EXIT_USAGE = 3


class TestFailure(Exception):
    """The broker did something a Kafka broker must not."""


class NoConnection(Exception):
    """Nothing usable answers at the bootstrap address."""


def key_for(i):
    return "k%d" % (i % 1000)


def value_for(i, pad=0):
    return "v%d%s" % (i, "." * pad)


def header_for(i):
    return ("idx", str(i).encode()) if i % 100 == 0 else None


VALUE_RE = re.compile(r"^v(\d+)(\.*)$")


def _s(b):
    if b is None:
        return None
    if isinstance(b, bytes):
        return b.decode("utf-8", errors="replace")
    return str(b)


class Verifier:
    """Checks a consumed stream of messages that were produced as
    0..count-1 with the scheme above:

      * every value and key intact, key matches the value's index;
      * no index twice (no duplicates), none missing at the end;
      * within each partition, indexes strictly increase (produce order kept)
        and offsets are contiguous from `first_offset` (default 0);
      * a key always lands in the same partition;
      * headers (if check_headers) and timestamps (if ts_window) sane.
    """

    MAX_ERRORS = 20

    def __init__(self, count, pad=0, keyed=True, first_offset=0,
                 check_headers=False, ts_window=None, start_index=0):
        self.count = count
        self.pad = pad
        self.keyed = keyed
        self.first_offset = first_offset  # None: don't check offsets start
        self.check_headers = check_headers
        self.ts_window = ts_window        # (min_ms, max_ms) or None
        self.start_index = start_index
        self.seen = set()
        self.last_index = {}   # partition -> last index
        self.next_offset = {}  # partition -> expected next offset
        self.key_partition = {}
        self.per_partition = {}
        self.errors = []
        self.received = 0

    def error(self, msg):
        if len(self.errors) < self.MAX_ERRORS:
            self.errors.append(msg)
        elif len(self.errors) == self.MAX_ERRORS:
            self.errors.append("... (more errors not shown)")

    def add(self, partition, offset, key, value, headers=None, timestamp=None):
        self.received += 1
        self.per_partition[partition] = self.per_partition.get(partition, 0) + 1
        where = "p%d@%d" % (partition, offset)
        # offsets
        exp = self.next_offset.get(partition)
        if exp is None:
            if self.first_offset is not None and offset != self.first_offset:
                self.error("%s: first offset in partition %d is %d, expected %d"
                           % (where, partition, offset, self.first_offset))
        elif offset != exp:
            self.error("%s: offset %d follows %d in partition %d (expected %d: gap or reorder)"
                       % (where, offset, exp - 1, partition, exp))
        self.next_offset[partition] = offset + 1
        # value
        v = _s(value)
        m = VALUE_RE.match(v or "")
        if not m:
            self.error("%s: value %r is not v<index>" % (where, (v or "")[:60]))
            return
        i = int(m.group(1))
        if len(m.group(2)) != self.pad:
            self.error("%s: value of message %d has %d pad bytes, expected %d (corrupted)"
                       % (where, i, len(m.group(2)), self.pad))
        if not (self.start_index <= i < self.start_index + self.count):
            self.error("%s: unexpected message index %d" % (where, i))
            return
        if i in self.seen:
            self.error("%s: duplicate message v%d" % (where, i))
        self.seen.add(i)
        # key
        k = _s(key)
        if self.keyed:
            if k != key_for(i):
                self.error("%s: message v%d has key %r, expected %r" % (where, i, k, key_for(i)))
            elif self.key_partition.setdefault(k, partition) != partition:
                self.error("%s: key %s seen in partitions %d and %d"
                           % (where, k, self.key_partition[k], partition))
        elif k is not None:
            self.error("%s: message v%d has key %r, expected none" % (where, i, k))
        # order
        last = self.last_index.get(partition)
        if last is not None and i <= last:
            self.error("%s: v%d after v%d in partition %d (order not kept)" % (where, i, last, partition))
        self.last_index[partition] = i
        # headers
        if self.check_headers:
            want = header_for(i)
            got = [(_s(hk), bytes(hv) if hv is not None else None) for hk, hv in (headers or [])]
            if want is None and got:
                self.error("%s: v%d has headers %r, expected none" % (where, i, got))
            elif want is not None and got != [want]:
                self.error("%s: v%d has headers %r, expected %r" % (where, i, got, [want]))
        # timestamp
        if self.ts_window is not None and timestamp is not None:
            lo, hi = self.ts_window
            if not (lo <= timestamp <= hi):
                self.error("%s: v%d has timestamp %r, outside [%d, %d]" % (where, i, timestamp, lo, hi))

    def done(self):
        return len(self.seen) >= self.count

    def missing(self, limit=10):
        out = []
        for i in range(self.start_index, self.start_index + self.count):
            if i not in self.seen:
                out.append(i)
                if len(out) >= limit:
                    break
        return out

    def summary(self):
        parts = ", ".join("p%d=%d" % (p, n) for p, n in sorted(self.per_partition.items()))
        return "%d/%d messages (%s)" % (len(self.seen), self.count, parts or "none")

    def finish(self, what="consume"):
        errs = list(self.errors)
        if not self.done():
            miss = self.missing()
            errs.append("%s: only %d of %d messages received (%d records read); first missing: %s"
                        % (what, len(self.seen), self.count, self.received,
                           ", ".join("v%d" % i for i in miss)))
        if errs:
            raise TestFailure("%s: %d problem(s):\n  %s" % (what, len(errs), "\n  ".join(errs)))


def now_ms():
    return int(time.time() * 1000)


def parse_config_args(items):
    out = {}
    for kv in items or []:
        if "=" not in kv:
            raise SystemExit("--config wants key=value, got %r" % kv)
        k, v = kv.split("=", 1)
        out[k] = v
    return out


def base_parser(prog_doc):
    ap = argparse.ArgumentParser(description=prog_doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    return ap


def subcommands(prog_doc):
    """The command line of a client program: returns (parser, add), where
    add(name, func, topic=True) adds a subcommand running func with the
    common options (add_common) and returns its parser."""
    ap = base_parser(prog_doc)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def add(name, func, topic=True):
        s = sub.add_parser(name)
        add_common(s, topic=topic)
        s.set_defaults(func=func)
        return s
    return ap, add


def parse_args(ap, topic_optional):
    """Parses the command line; --topic is required except for the
    subcommands named in topic_optional (they make up a name)."""
    args = ap.parse_args()
    if getattr(args, "topic", "x") is None and args.cmd not in topic_optional:
        ap.error("%s needs --topic" % args.cmd)
    return args


def add_roundtrip_args(s, count, pad, partitions=3, codec_required=False):
    """Options of the roundtrip-style subcommands."""
    s.add_argument("--count", type=int, default=count)
    s.add_argument("--partitions", type=int, default=partitions)
    s.add_argument("--pad", type=int, default=pad)
    s.add_argument("--codec", default="none", required=codec_required,
                   choices=["none", "gzip", "snappy", "lz4", "zstd"])
    s.add_argument("--no-create", action="store_true",
                   help="the topic exists already: don't create it")


def add_acked_commands(add, produce_acked, verify_acked):
    """The produce-acked and verify-acked subcommands; returns the parser of
    produce-acked for client-specific options."""
    s = add("verify-acked", verify_acked)
    s.add_argument("--in", dest="infile", required=True)
    s.add_argument("--produce-after", action="store_true",
                   help="then check new messages land at the next offsets")
    s = add("produce-acked", produce_acked)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--partitions", type=int, default=3)
    s.add_argument("--out", required=True)
    s.add_argument("--rate", type=float, default=0, help="messages/s, 0 = unlimited")
    s.add_argument("--max-seconds", type=float, default=60)
    s.add_argument("--allow-failures", action="store_true",
                   help="exit 0 even if some messages were never acknowledged")
    return s


def add_common(sp, topic=True):
    sp.add_argument("--bootstrap", "-b", default=os.environ.get("BROKER", "127.0.0.1:9092"),
                    help="host:port (default $BROKER)")
    sp.add_argument("--timeout", type=float, default=120.0,
                    help="overall limit in seconds for this command (default 120)")
    sp.add_argument("--client-config", action="append", default=[], metavar="KEY=VALUE",
                    help="extra client property (confluent-kafka; repeatable)")
    if topic:
        sp.add_argument("--topic", "-t", default=None,
                        help="topic (default: a new unique name)")


def default_topic(args, prefix):
    if not getattr(args, "topic", None):
        args.topic = "%s-%d-%d" % (prefix, os.getpid(), int(time.time() * 1000) % 1000000)
    return args.topic


def start_watchdog(seconds, what):
    """Hard limit: whatever a client library is blocked in, exit 1."""
    def fire():
        sys.stderr.write("FAIL: %s: timed out after %.0f s (watchdog)\n" % (what, seconds))
        sys.stderr.flush()
        os._exit(EXIT_FAIL)
    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()
    return t


def run_main(name, func, args):
    """Run func(args); map exceptions to exit codes with a clear message."""
    start_watchdog(args.timeout + 15, "%s %s" % (name, args.cmd))
    t0 = time.time()
    try:
        func(args)
    except NoConnection as e:
        print("ERROR: %s %s: cannot connect to broker at %s: %s"
              % (name, args.cmd, args.bootstrap, e), file=sys.stderr)
        sys.stdout.flush()
        os._exit(EXIT_NOCONN)
    except TestFailure as e:
        print("FAIL: %s %s: %s" % (name, args.cmd, e), file=sys.stderr)
        sys.stdout.flush()
        os._exit(EXIT_FAIL)
    except KeyboardInterrupt:
        os._exit(EXIT_FAIL)
    except Exception:  # an unexpected client exception is a failure too
        print("FAIL: %s %s: unexpected exception:" % (name, args.cmd), file=sys.stderr)
        traceback.print_exc()
        sys.stdout.flush()
        os._exit(EXIT_FAIL)
    try:
        print("PASS: %s %s (%.1f s)" % (name, args.cmd, time.time() - t0))
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # a reader like `head -n1` went away: still a pass
        pass
    # os._exit: don't let a client library's background threads hang exit.
    os._exit(EXIT_OK)


def read_acked(path):
    """Yields (partition, offset, value) of each line 'partition offset
    value' of a produce-acked file (Deliveries writes them)."""
    try:
        f = open(path)
    except OSError as e:
        raise TestFailure("cannot read acknowledged messages: %s" % e)
    with f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            parts = line.split(" ", 2)
            if len(parts) != 3:
                # a torn last line is possible only if the producer was killed
                raise TestFailure("%s:%d: malformed line %r" % (path, lineno, line[:80]))
            yield int(parts[0]), int(parts[1]), parts[2]


def load_acked(path):
    """Read a produce-acked file (read_acked).
    Returns {partition: {offset: value}}; two different values acked at the
    same offset is a broker bug, and so is a file with nothing in it."""
    acked = {}
    n = 0
    for p, o, v in read_acked(path):
        prev = acked.setdefault(p, {}).get(o)
        if prev is not None and prev != v:
            raise TestFailure("offset %d in partition %d acknowledged for two messages: %r and %r"
                              % (o, p, prev, v))
        acked[p][o] = v
        n += 1
    if n == 0:
        raise TestFailure("%s holds no acknowledged message" % path)
    return acked


def check_acked(acked, got, low_offsets):
    """got: {partition: {offset: value}} read back. low_offsets: {p: earliest}."""
    errors = []
    total = 0
    for p, offs in sorted(acked.items()):
        low = low_offsets.get(p, 0)
        for o, v in sorted(offs.items()):
            total += 1
            if o < low:
                errors.append("p%d@%d (%s): acknowledged but below the log start offset %d"
                              % (p, o, v, low))
            elif o not in got.get(p, {}):
                errors.append("p%d@%d (%s): acknowledged but not readable" % (p, o, v))
            elif got[p][o] != v:
                errors.append("p%d@%d: acknowledged %r but read %r" % (p, o, v, got[p][o]))
            if len(errors) > 20:
                break
    if errors:
        raise TestFailure("%d acknowledged message(s) lost or changed:\n  %s"
                          % (len(errors), "\n  ".join(errors[:20])))
    return total


# ------------------------------------------------ shared test scenarios --
# The parts of the scenarios that are the same for every Python client: the
# client programs supply only how to talk to their library (a poll function,
# watermarks, the producer's callbacks).

# The admin scenario: a topic with these configs must describe them back, and
# these names must be refused with INVALID_TOPIC_EXCEPTION.
ADMIN_TOPIC_CONFIG = {"retention.ms": "3600000", "cleanup.policy": "delete",
                      "max.message.bytes": "200000"}
INVALID_TOPIC_NAMES = ("bad name!", "..", "x" * 250, "a/b")


def check_topic_config(topic, got, want, defaults=()):
    """got: the topic's described configs {name: value}.  Every item of want
    must be there with its value, every name in defaults at least listed."""
    for k, v in want.items():
        if got.get(k) != v:
            raise TestFailure("DescribeConfigs %s: %s = %r, expected %r" % (topic, k, got.get(k), v))
    for k in defaults:
        if k not in got:
            raise TestFailure("DescribeConfigs %s: no entry for %s (defaults must be listed)"
                              % (topic, k))
    print("describe configs: %d entries, retention.ms=%s" % (len(got), got.get("retention.ms")))


def verify_stream(verifier, poll, timeout):
    """Feeds verifier with what poll() returns -- an iterable of (partition,
    offset, key, value, headers, timestamp or None) per call, each call
    waiting at most a fraction of a second -- until every message arrived,
    then reads on for one more second (anything more would be a duplicate),
    or until timeout seconds have passed.  Then checks and reports."""
    t0 = time.time()
    deadline = t0 + timeout
    drain_until = None
    while time.time() < deadline:
        if verifier.done():
            if drain_until is None:
                drain_until = time.time() + 1.0
            elif time.time() > drain_until:
                break
        for rec in poll():
            verifier.add(*rec)
    dt = time.time() - t0
    verifier.finish()
    print("consumed and verified %s in %.1f s" % (verifier.summary(), dt))


def wait_topic_gone(topics, topic, timeout=30.0):
    """Polls topics() -- the topic names in metadata -- until a deleted
    topic is no longer listed."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if topic not in topics():
            return
        time.sleep(0.2)
    raise TestFailure("deleted topic %s still listed in metadata after %.0f s" % (topic, timeout))


def check_total(topic, wm, count):
    """wm: {partition: (earliest, latest)}; they must add up to count."""
    total = sum(hi - lo for lo, hi in wm.values())
    if total != count:
        raise TestFailure("watermarks of %s add up to %d messages, expected %d: %s"
                          % (topic, total, count, wm))


class Deliveries:
    """Thread-safe tally of a producer's delivery results.  With a path, also
    a produce-acked file: one line "partition offset value" per acknowledged
    message, written (line-buffered) as soon as it is acknowledged; with
    failed_path, one line "value error" per failed message."""

    def __init__(self, path=None, failed_path=None):
        self.lock = threading.Lock()
        self.ok = 0
        self.err = 0
        self.first = None
        self.out = open(path, "w", buffering=1) if path else None
        self.failed = open(failed_path, "w", buffering=1) if failed_path else None

    def success(self, partition=None, offset=None, value=None):
        with self.lock:
            if self.out:
                # librdkafka reports some deliveries without an offset (a
                # retried batch the broker had already persisted): -1
                self.out.write("%d %d %s\n" % (partition, -1 if offset is None else offset, value))
            self.ok += 1

    def failure(self, e, value=None):
        text = e if isinstance(e, str) else repr(e)
        with self.lock:
            self.err += 1
            if self.first is None:
                self.first = text
            if self.failed:
                self.failed.write("%s %s\n" % (value, " ".join(text.split())))

    def close(self):
        with self.lock:
            for f in (self.out, self.failed):
                if f:
                    f.close()
            self.out = self.failed = None

    def first_error(self):
        return "; first error: %s" % self.first if self.first else ""


def paced(count, rate, max_seconds, wait=time.sleep):
    """Yields 0..count-1, at most `rate` per second (0: no limit), for at most
    max_seconds; wait(s) is called to let time pass."""
    t0 = time.time()
    for i in range(count):
        now = time.time()
        if now - t0 > max_seconds:
            return
        if rate > 0 and t0 + i / rate > now:
            wait(t0 + i / rate - now)
        yield i


def verify_acked(acked, wm, poll, deadline):
    """acked: from load_acked; wm: the topic's {partition: (earliest,
    latest)}.  Checks every acknowledged partition exists with its latest
    offset past the acknowledged ones, reads those partitions through poll()
    -- an iterable of (partition, offset, value) per call -- up to their last
    acknowledged offset or until deadline (time.time()), then checks every
    acknowledged message is there (check_acked) and reports."""
    for p, offs in acked.items():
        if p not in wm:
            raise TestFailure("partition %d (acked) missing from metadata" % p)
        if wm[p][1] <= max(offs):
            raise TestFailure("partition %d: latest offset %d, but offset %d was acknowledged"
                              % (p, wm[p][1], max(offs)))
    target = {p: max(offs) for p, offs in acked.items()}
    got = {p: {} for p in acked}
    pos = {}
    while time.time() < deadline and any(pos.get(p, -1) < target[p] for p in target):
        for p, offset, value in poll():
            pos[p] = offset
            if offset in acked[p]:
                got[p][offset] = _s(value)
    total = check_acked(acked, got, {p: lo for p, (lo, hi) in wm.items()})
    print("verify-acked: all %d acknowledged messages readable at their offsets (%s)"
          % (total, ", ".join("p%d..%d" % (p, target[p]) for p in sorted(target))))
