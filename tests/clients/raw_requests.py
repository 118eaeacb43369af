#!/usr/bin/python3
"""Malformed and edge-case Kafka requests over a raw socket (stdlib only).

    raw_requests.py check            --bootstrap H:P   ApiVersions v0 answers
    raw_requests.py has-api KEY      --bootstrap H:P   exit 0 if KEY advertised
    raw_requests.py oversize         --bootstrap H:P --max N
        size prefixes above socket.request.max.bytes (N+1, 2^31-1, -1): the
        broker must close the connection at once, without reading a body
    raw_requests.py garbage          --bootstrap H:P
        an HTTP request, size 0, an all-0xff header, random bytes, arrays and
        strings whose lengths overrun the frame: connection closed
    raw_requests.py truncated-header --bootstrap H:P
        frames too short for a request header: connection closed
    raw_requests.py hangup           --bootstrap H:P
        clients that hang up (FIN or RST) mid-request or before the answer:
        the broker must survive writing to a dead socket (SIGPIPE)
    raw_requests.py unknown-api      --bootstrap H:P
        a well-formed header with API key 9999: connection closed
    raw_requests.py apiversions-unsupported --bootstrap H:P
        ApiVersions v127: a v0-format answer, error UNSUPPORTED_VERSION (35),
        listing at least ApiVersions (key 18) itself
    raw_requests.py bad-crc          --bootstrap H:P --topic T [--partition 0]
        a valid batch is accepted (error 0); the same batch with a wrong CRC
        gets CORRUPT_MESSAGE (2) and the connection stays usable
    raw_requests.py too-large        --bootstrap H:P --topic T --max-message N
        a batch larger than message.max.bytes N gets MESSAGE_TOO_LARGE (10)
    raw_requests.py pipelined        --bootstrap H:P --topic T --timeout-ms MS
        to the leader of T[0] while one of its ISR members is stopped (an
        acks=all Produce waits there until its timeout): in one write, Produce
        acks=all, Produce acks=all, Produce acks=1, ApiVersions, Produce
        acks=all. The answers come in request order; both first acks=all
        requests time out (REQUEST_TIMED_OUT, 7) together, after one timeout,
        not one after the other (the second was handled while the first
        waited); the acks=1 one is answered after them although it was
        appended at once; the last Produce is handled only after the
        ApiVersions answer. Offsets are consecutive. Then the same requests
        from a client that hangs up while they wait: the broker lives on.

Every malformed request goes on its own connection; after it, a fresh
ApiVersions request on a new connection must be answered (broker alive).
Exit: 0 pass, 1 failure, 2 cannot connect, 3 usage.
"""
import argparse
import random
import socket
import struct
import sys
import time

EXIT_FAIL, EXIT_NOCONN = 1, 2
API_PRODUCE, API_APIVERSIONS = 0, 18
CLOSE_TIMEOUT = 10.0


class Fail(Exception):
    pass


class NoConn(Exception):
    pass


# ---------------------------------------------------------------- crc32c --

def _crc32c_table():
    poly = 0x82F63B78
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    t = _CRC_TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard check value


# -------------------------------------------------------------- encoding --

def varint(n):
    n = (n << 1) ^ (n >> 63)  # zigzag
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def kstring(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def compact_string(s):
    if s is None:  # a null compact nullable string
        return uvarint(0)
    b = s.encode()
    return uvarint(len(b) + 1) + b


def record(offset_delta, key, value):
    body = (struct.pack(">b", 0) + varint(0) + varint(offset_delta)
            + (varint(-1) if key is None else varint(len(key)) + key)
            + varint(len(value)) + value
            + varint(0))  # no headers
    return varint(len(body)) + body


def record_batch(values, key=b"raw", corrupt_crc=False):
    ts = int(time.time() * 1000)
    recs = b"".join(record(i, key, v) for i, v in enumerate(values))
    after_crc = (struct.pack(">hiqqqhii", 0, len(values) - 1, ts, ts, -1, -1, -1, len(values))
                 + recs)
    crc = crc32c(after_crc)
    if corrupt_crc:
        crc ^= 0xDEADBEEF
    after_length = struct.pack(">ibI", -1, 2, crc) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def header_v1(api_key, version, corr, client_id="kt-raw"):
    return struct.pack(">hhi", api_key, version, corr) + kstring(client_id)


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


# ------------------------------------------------------------ transport --

class Conn:
    def __init__(self, bootstrap, timeout=10.0):
        host, port = bootstrap.rsplit(":", 1)
        try:
            self.s = socket.create_connection((host, int(port)), timeout=timeout)
        except OSError as e:
            raise NoConn("%s: %s" % (bootstrap, e))
        self.s.settimeout(timeout)
        self.corr = 0

    def send(self, data):
        self.s.sendall(data)

    def recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise Fail("connection closed by the broker after %d of %d bytes" % (len(buf), n))
            buf += chunk
        return bytes(buf)

    def request(self, api_key, version, body, flexible_header=False):
        self.corr += 1
        hdr = header_v1(api_key, version, self.corr)
        if flexible_header:
            hdr += uvarint(0)  # no tagged fields
        self.send(frame(hdr + body))
        return self.response()

    def response(self):
        try:
            (size,) = struct.unpack(">i", self.recv_exact(4))
            if size < 4 or size > 64 * 1024 * 1024:
                raise Fail("response size %d is implausible" % size)
            data = self.recv_exact(size)
        except socket.timeout:
            raise Fail("no response within %.0f s" % self.s.gettimeout())
        (corr,) = struct.unpack(">i", data[:4])
        if corr != self.corr:
            raise Fail("response correlation id %d, expected %d" % (corr, self.corr))
        return data[4:]

    def expect_closed(self, what, timeout=CLOSE_TIMEOUT):
        """The broker must close the connection (EOF or RST) within timeout,
        sending nothing."""
        self.s.settimeout(timeout)
        t0 = time.time()
        try:
            data = self.s.recv(65536)
        except socket.timeout:
            raise Fail("%s: connection still open after %.0f s (expected the broker to close it)"
                       % (what, timeout))
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if data:
            raise Fail("%s: broker answered %d bytes (%r...) instead of closing the connection"
                       % (what, len(data), data[:32]))
        return time.time() - t0

    def close(self):
        self.s.close()


class Reader:
    def __init__(self, data):
        self.d = data
        self.i = 0

    def take(self, fmt):
        n = struct.calcsize(fmt)
        if self.i + n > len(self.d):
            raise Fail("response truncated: wanted %d bytes at %d of %d" % (n, self.i, len(self.d)))
        v = struct.unpack_from(fmt, self.d, self.i)
        self.i += n
        return v if len(v) > 1 else v[0]

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.d[self.i:self.i + n]
        self.i += n
        return s.decode(errors="replace")

    def end(self):
        return self.i == len(self.d)


# ---------------------------------------------------------------- checks --

def api_versions(bootstrap):
    c = Conn(bootstrap)
    try:
        r = Reader(c.request(API_APIVERSIONS, 0, b""))
    finally:
        c.close()
    err = r.take(">h")
    n = r.take(">i")
    if err != 0:
        raise Fail("ApiVersions v0: error %d" % err)
    versions = {}
    for _ in range(n):
        k, lo, hi = r.take(">hhh")
        versions[k] = (lo, hi)
    if not r.end():
        raise Fail("ApiVersions v0 response has %d trailing bytes" % (len(r.d) - r.i))
    return versions


def alive(bootstrap, after):
    """A new connection still gets ApiVersions answered."""
    try:
        v = api_versions(bootstrap)
    except (NoConn, Fail, OSError) as e:
        raise Fail("after %s the broker no longer answers ApiVersions: %s" % (after, e))
    if API_APIVERSIONS not in v:
        raise Fail("after %s: ApiVersions response lacks ApiVersions itself" % after)


def send_expect_closed(bootstrap, what, data):
    c = Conn(bootstrap)
    try:
        try:
            c.send(data)
        except (ConnectionResetError, BrokenPipeError):
            pass  # closed while we were still sending: fine
        dt = c.expect_closed(what)
    finally:
        c.close()
    print("ok: %s -> connection closed after %.2f s" % (what, dt))
    alive(bootstrap, what)


def cmd_check(a):
    v = api_versions(a.bootstrap)
    print("ApiVersions v0: %d APIs; Produce %s, Fetch %s, Metadata %s, ApiVersions %s"
          % (len(v), v.get(0), v.get(1), v.get(3), v.get(18)))


def cmd_has_api(a):
    v = api_versions(a.bootstrap)
    if a.key not in v:
        print("API key %d not advertised" % a.key)
        sys.exit(1)
    print("API key %d: versions %d..%d" % ((a.key,) + v[a.key]))


def cmd_oversize(a):
    alive(a.bootstrap, "start")
    for size in (a.max + 1, 0x7FFFFFFF, -1, -0x80000000):
        what = "request size %d (socket.request.max.bytes %d)" % (size, a.max)
        # only the size and a few header bytes: the broker must not wait for
        # (or allocate) the announced body
        send_expect_closed(a.bootstrap, what,
                           struct.pack(">i", size) + header_v1(API_APIVERSIONS, 0, 1))


def cmd_garbage(a):
    alive(a.bootstrap, "start")
    rnd = random.Random(20240611)
    cases = [
        ("an HTTP request", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        ("size 0", struct.pack(">i", 0)),
        ("16 bytes of 0xff", frame(b"\xff" * 16)),
        ("64 random bytes, API key 0x7f7f", frame(b"\x7f\x7f" + bytes(rnd.getrandbits(8) for _ in range(62)))),
        ("client id longer than the frame", frame(struct.pack(">hhih", API_APIVERSIONS, 0, 1, 1000) + b"ab")),
        # Metadata v1 whose topic array claims 2^31-1 entries, and whose
        # first topic name claims 30000 bytes: the broker must not trust them
        ("Metadata with array count 2^31-1",
         frame(header_v1(3, 1, 1) + struct.pack(">i", 0x7FFFFFFF))),
        ("Metadata with topic name longer than the frame",
         frame(header_v1(3, 1, 1) + struct.pack(">ih", 1, 30000) + b"abc")),
        ("Produce with records length longer than the frame",
         frame(header_v1(API_PRODUCE, 3, 1) + kstring(None) + struct.pack(">hi", 1, 30000)
               + struct.pack(">i", 1) + kstring("t") + struct.pack(">iii", 1, 0, 0x7FFFFFF0)
               + b"\x00" * 16)),
    ]
    for what, data in cases:
        send_expect_closed(a.bootstrap, what, data)


def cmd_truncated_header(a):
    alive(a.bootstrap, "start")
    cases = [
        ("header of 2 bytes (API key only)", frame(struct.pack(">h", API_APIVERSIONS))),
        ("header of 6 bytes (half a correlation id)", frame(struct.pack(">hhh", API_APIVERSIONS, 0, 0))),
        ("header of 9 bytes (half a client id length)", frame(struct.pack(">hhib", API_APIVERSIONS, 0, 1, 0))),
    ]
    for what, data in cases:
        send_expect_closed(a.bootstrap, what, data)


def cmd_hangup(a):
    alive(a.bootstrap, "start")
    linger0 = struct.pack("ii", 1, 0)  # close() sends RST
    cases = [
        ("half a frame, then close", frame(header_v1(API_APIVERSIONS, 0, 1))[:7], False),
        ("half a frame, then reset", frame(header_v1(API_APIVERSIONS, 0, 1))[:7], True),
        ("only a size prefix, then close", struct.pack(">i", 100), False),
        # the broker's answer goes to a socket that is gone: EPIPE/ECONNRESET
        # must not kill it (SIGPIPE ignored / MSG_NOSIGNAL)
        ("ApiVersions, then reset before the answer", frame(header_v1(API_APIVERSIONS, 0, 1)), True),
        ("Metadata (all topics), then reset before the answer",
         frame(header_v1(3, 1, 1) + struct.pack(">i", -1)), True),
        ("Metadata (all topics), then close before the answer",
         frame(header_v1(3, 1, 1) + struct.pack(">i", -1)), False),
    ]
    for what, data, reset in cases:
        for _ in range(50):
            c = Conn(a.bootstrap)
            if reset:
                c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger0)
            try:
                c.send(data)
            except OSError:
                pass
            c.close()
        print("ok: 50 x %s" % what)
        alive(a.bootstrap, what)
    # and 200 connections opened and dropped at once
    conns = [Conn(a.bootstrap) for _ in range(200)]
    for c in conns:
        c.close()
    print("ok: 200 connections opened and closed")
    alive(a.bootstrap, "200 connections")


def cmd_unknown_api(a):
    alive(a.bootstrap, "start")
    for key in (9999, 32767, -2):
        send_expect_closed(a.bootstrap, "request with API key %d" % key,
                           frame(header_v1(key, 0, 1) + b"\x00" * 8))


def cmd_apiversions_unsupported(a):
    alive(a.bootstrap, "start")
    c = Conn(a.bootstrap)
    try:
        # as a client newer than the broker sends it: v3+ uses the flexible
        # header v2 and a v3-style body
        body = compact_string("kt-raw") + compact_string("1.0") + uvarint(0)
        data = c.request(API_APIVERSIONS, 127, body, flexible_header=True)
    finally:
        c.close()
    r = Reader(data)
    err = r.take(">h")
    if err != 35:
        raise Fail("ApiVersions v127: error code %d, expected UNSUPPORTED_VERSION (35)" % err)
    n = r.take(">i")
    if n < 0 or 6 * n != len(data) - 6:
        raise Fail("ApiVersions v127: not a v0-format body (array of %d entries in %d bytes: "
                   "error_code, [api_key, min, max], no throttle time, no tagged fields)"
                   % (n, len(data) - 6))
    versions = {}
    for _ in range(n):
        k, lo, hi = r.take(">hhh")
        versions[k] = (lo, hi)
    if API_APIVERSIONS not in versions:
        raise Fail("ApiVersions v127: the error response must list ApiVersions (18) with its "
                   "supported versions so the client can retry; got keys %s" % sorted(versions))
    print("ok: ApiVersions v127 -> error 35, v0 format, ApiVersions supported %s..%s"
          % versions[API_APIVERSIONS])
    alive(a.bootstrap, "ApiVersions v127")


def produce_version(bootstrap):
    v = api_versions(bootstrap)
    if API_PRODUCE not in v:
        raise Fail("ApiVersions does not list Produce")
    lo, hi = v[API_PRODUCE]
    for ver in range(min(hi, 8), 2, -1):
        if lo <= ver:
            return ver
    raise Fail("broker supports Produce %d..%d; this test speaks 3..8" % (lo, hi))


def produce_body(topic, partition, batch, acks=1, timeout_ms=30000):
    return (kstring(None) + struct.pack(">hi", acks, timeout_ms)
            + struct.pack(">i", 1) + kstring(topic)
            + struct.pack(">i", 1) + struct.pack(">ii", partition, len(batch)) + batch)


def produce(conn, ver, topic, partition, batch, acks=1):
    return produce_result(conn.request(API_PRODUCE, ver, produce_body(topic, partition, batch, acks)),
                          ver, topic, partition)


def produce_result(data, ver, topic, partition):
    """(error_code, base_offset) of topic[partition] in a Produce response."""
    r = Reader(data)
    result = None
    for _ in range(r.take(">i")):
        name = r.string()
        for _ in range(r.take(">i")):
            p, err, base = r.take(">ihq")
            r.take(">q")  # log_append_time
            if ver >= 5:
                r.take(">q")  # log_start_offset
            if ver >= 8:
                for _ in range(r.take(">i")):
                    r.take(">i")
                    r.string()
                r.string()
            if name == topic and p == partition:
                result = (err, base)
    r.take(">i")  # throttle_time_ms
    if not r.end():
        raise Fail("Produce v%d response has %d trailing bytes" % (ver, len(r.d) - r.i))
    if result is None:
        raise Fail("Produce v%d response has no entry for %s[%d]" % (ver, topic, partition))
    return result


def cmd_bad_crc(a):
    ver = produce_version(a.bootstrap)
    c = Conn(a.bootstrap)
    try:
        err, base = produce(c, ver, a.topic, a.partition, record_batch([b"good-crc-1", b"good-crc-2"]))
        if err != 0:
            raise Fail("a valid batch (Produce v%d) got error %d; the test's own encoding or the "
                       "broker is wrong" % (ver, err))
        print("ok: valid batch accepted at offset %d (Produce v%d)" % (base, ver))
        err, _ = produce(c, ver, a.topic, a.partition,
                         record_batch([b"bad-crc"], corrupt_crc=True))
        if err != 2:
            raise Fail("batch with a wrong CRC: error %d, expected CORRUPT_MESSAGE (2)" % err)
        print("ok: batch with a wrong CRC -> CORRUPT_MESSAGE (2)")
        # the same connection is still usable
        err, base2 = produce(c, ver, a.topic, a.partition, record_batch([b"good-crc-3"]))
        if err != 0 or base2 != base + 2:
            raise Fail("valid batch after the corrupt one: error %d at offset %d, expected 0 at %d "
                       "(the corrupt batch must not take an offset)" % (err, base2, base + 2))
        print("ok: connection still usable; next batch at offset %d" % base2)
    finally:
        c.close()
    alive(a.bootstrap, "bad CRC")


def cmd_too_large(a):
    ver = produce_version(a.bootstrap)
    c = Conn(a.bootstrap)
    try:
        big = b"x" * (a.max_message + 1024)
        err, _ = produce(c, ver, a.topic, a.partition, record_batch([big]))
        if err != 10:
            raise Fail("batch of %d bytes (message.max.bytes %d): error %d, expected "
                       "MESSAGE_TOO_LARGE (10)" % (len(big), a.max_message, err))
        print("ok: batch of %d bytes -> MESSAGE_TOO_LARGE (10)" % len(big))
        err, base = produce(c, ver, a.topic, a.partition, record_batch([b"small"]))
        if err != 0:
            raise Fail("small batch after the large one: error %d" % err)
        print("ok: connection still usable; small batch at offset %d" % base)
    finally:
        c.close()
    alive(a.bootstrap, "too-large batch")


def cmd_pipelined(a):
    ver = produce_version(a.bootstrap)
    c = Conn(a.bootstrap, timeout=4 * a.timeout_ms / 1000.0 + 30)
    try:
        plan = [(API_PRODUCE, -1), (API_PRODUCE, -1), (API_PRODUCE, 1), (API_APIVERSIONS, None),
                (API_PRODUCE, -1)]
        out = b""
        for i, (key, acks) in enumerate(plan, 1):
            body = (b"" if key == API_APIVERSIONS else
                    produce_body(a.topic, 0, record_batch([b"pipelined-%d" % i]), acks, a.timeout_ms))
            out += frame(header_v1(key, ver if key == API_PRODUCE else 0, i) + body)
        t0 = time.time()
        c.send(out)
        got = []
        for i in range(1, len(plan) + 1):
            c.corr = i  # Conn.response checks the correlation id: answers in request order
            data = c.response()
            got.append((time.time() - t0, data))
        t = [g[0] for g in got]
        res = {i: produce_result(got[i - 1][1], ver, a.topic, 0)
               for i, (key, _) in enumerate(plan, 1) if key == API_PRODUCE}
        print("answers at %s s: %s" % (" ".join("%.2f" % x for x in t), res))
        tmo = a.timeout_ms / 1000.0
        if res[1][0] != 7 or res[2][0] != 7 or res[5][0] != 7:
            raise Fail("the acks=all requests got errors %d, %d, %d; expected REQUEST_TIMED_OUT (7) "
                       "while an ISR member is stopped" % (res[1][0], res[2][0], res[5][0]))
        if res[3][0] != 0:
            raise Fail("the acks=1 request got error %d" % res[3][0])
        if t[0] < tmo * 0.9 or t[1] > t[0] + tmo * 0.5:
            raise Fail("the first two acks=all answers came at %.2f and %.2f s (timeout %.2f s): the "
                       "second must be handled while the first waits" % (t[0], t[1], tmo))
        if t[2] < t[1]:
            raise Fail("answers out of order")
        if t[4] < t[3] + tmo * 0.9:
            raise Fail("the Produce after ApiVersions was answered %.2f s after it, before its own "
                       "timeout (%.2f s): it must wait until the requests before it are answered"
                       % (t[4] - t[3], tmo))
        bases = [res[i][1] for i in (1, 2, 3, 5)]
        if bases != list(range(bases[0], bases[0] + 4)):
            raise Fail("base offsets %s are not consecutive in request order" % bases)
        print("ok: answers in request order; pipelined acks=all timeouts together; offsets %s" % bases)
    finally:
        c.close()
    # a client that hangs up while its pipelined requests wait: they end
    # (at their timeout) on a closed connection, the broker goes on
    c = Conn(a.bootstrap)
    c.send(out)
    time.sleep(0.2)
    c.close()
    time.sleep(2 * a.timeout_ms / 1000.0 + 1)
    alive(a.bootstrap, "pipelined produces")
    print("ok: a client gone while its pipelined requests waited; the broker answers")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    cmds = {
        "check": cmd_check, "has-api": cmd_has_api, "oversize": cmd_oversize, "garbage": cmd_garbage,
        "truncated-header": cmd_truncated_header, "unknown-api": cmd_unknown_api,
        "apiversions-unsupported": cmd_apiversions_unsupported, "bad-crc": cmd_bad_crc,
        "too-large": cmd_too_large, "hangup": cmd_hangup, "pipelined": cmd_pipelined,
    }
    for name in cmds:
        s = sub.add_parser(name)
        s.add_argument("--bootstrap", "-b", required=True)
        if name == "has-api":
            s.add_argument("key", type=int)
        if name == "oversize":
            s.add_argument("--max", type=int, default=104857600,
                           help="the broker's socket.request.max.bytes")
        if name == "pipelined":
            s.add_argument("--timeout-ms", type=int, default=3000,
                           help="the acks=all requests' timeout")
        if name in ("bad-crc", "too-large", "pipelined"):
            s.add_argument("--topic", "-t", required=True)
            s.add_argument("--partition", type=int, default=0)
        if name == "too-large":
            s.add_argument("--max-message", type=int, default=1048588,
                           help="the broker's message.max.bytes")
    a = ap.parse_args()
    return run_command("raw_requests", cmds[a.cmd], a)


def run_command(prog, func, a):
    """Runs one command; PASS/FAIL line and exit code (shared with
    kafka_requests.py)."""
    try:
        func(a)
    except NoConn as e:
        print("ERROR: %s %s: cannot connect to broker at %s" % (prog, a.cmd, e), file=sys.stderr)
        return EXIT_NOCONN
    except Fail as e:
        print("FAIL: %s %s: %s" % (prog, a.cmd, e), file=sys.stderr)
        return EXIT_FAIL
    except OSError as e:
        print("FAIL: %s %s: socket error: %s" % (prog, a.cmd, e), file=sys.stderr)
        return EXIT_FAIL
    print("PASS: %s %s" % (prog, a.cmd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
