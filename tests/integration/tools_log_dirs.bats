#!/usr/bin/env bats
# kafka-log-dirs.sh --describe: Kafka 2.5's three output lines, the JSON
# checked against the broker's log.dirs on disk (two directories): every
# partition directory with the total size of its .log segments, offsetLag
# 0, isFuture false; keys in LogDirsCommand's order; partitions in the
# java.util.HashMap order the Java tool prints (computed independently
# below); --topic-list and --broker-list filtering; error paths.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  local d=$BATS_FILE_TMPDIR/broker
  broker_start "log.dirs=$d/data-a,$d/data-b"
  export LD_A=$d/data-a LD_B=$d/data-b
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

# check_json JSON_LINE [TOPIC...]: the JSON against the files on disk.
check_json() {
  "$PY" - "$BROKER_PORT" "$LD_A" "$LD_B" "$@" <<'EOF2'
import json, os, re, sys
from collections import OrderedDict
port, dir_a, dir_b, line = sys.argv[1:5]
topics = set(sys.argv[5:])

def jhash(s):
    h = 0
    for c in s.encode("utf-16-be").decode("utf-16-be"):
        h = (31 * h + ord(c)) & 0xffffffff
    return h

def tp_hash(t, p):
    return (31 * (31 + p) + jhash(t)) & 0xffffffff

def hashmap_order(keys_hashes):
    # java.util.HashMap iteration order: bucket of (h ^ h>>>16), ties in
    # insertion order; table 16, doubled while size > 0.75 * table
    cap = 16
    while len(keys_hashes) > cap * 3 // 4:
        cap *= 2
    idx = [((h ^ (h >> 16)) & (cap - 1), i) for i, (_, h) in enumerate(keys_hashes)]
    return [keys_hashes[i][0] for _, i in sorted(idx)]

doc = json.loads(line, object_pairs_hook=OrderedDict)
assert list(doc) == ["version", "brokers"], list(doc)
assert doc["version"] == 1
assert len(doc["brokers"]) == 1 and list(doc["brokers"][0]) == ["broker", "logDirs"]
b = doc["brokers"][0]
assert b["broker"] == 1, b
dirs = {d["logDir"]: d for d in b["logDirs"]}
assert sorted(dirs) == sorted([dir_a, dir_b]), sorted(dirs)
for path, d in dirs.items():
    assert list(d) == ["logDir", "error", "partitions"], list(d)
    assert d["error"] is None
    want = {}
    for name in os.listdir(path):
        full = os.path.join(path, name)
        m = re.match(r"^(.+)-(\d+)$", name)
        if not m or not os.path.isdir(full) or name.endswith("-delete"):
            continue
        if topics and m.group(1) not in topics:
            continue
        size = sum(os.path.getsize(os.path.join(full, f)) for f in os.listdir(full) if f.endswith(".log"))
        want[name] = size
    got = OrderedDict()
    for p in d["partitions"]:
        assert list(p) == ["partition", "size", "offsetLag", "isFuture"], list(p)
        assert p["offsetLag"] == 0 and p["isFuture"] is False, p
        got[p["partition"]] = p["size"]
    assert dict(got) == want, (path, dict(got), want)
    tps = [(n, tp_hash(n.rsplit("-", 1)[0], int(n.rsplit("-", 1)[1]))) for n in got]
    assert list(got) == hashmap_order(tps), (list(got), hashmap_order(tps))
# Jackson's compact form
assert line == json.dumps(doc, separators=(",", ":")), line
print("ok", sum(len(d["partitions"]) for d in dirs.values()))
EOF2
}

@test "log-dirs: Kafka 2.5's lines; sizes and partitions match the files in log.dirs" {
  local t1 t2
  t1=$(unique_topic ldirs)
  t2=$(unique_topic ldirs)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t1" --partitions 4 >/dev/null
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t2" --partitions 1 >/dev/null
  seq 1 200 | timeout -k 5 30 kcat -P -b "$BROKER" -t "$t1" -X message.timeout.ms=20000
  seq 1 50 | timeout -k 5 30 kcat -P -b "$BROKER" -t "$t2" -p 0 -X message.timeout.ms=20000
  run ktool kafka-log-dirs.sh --bootstrap-server "$BROKER" --describe
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Querying brokers for log directories information" ]
  [ "${lines[1]}" = "Received log directory information from brokers 1" ]
  [ "${#lines[@]}" -eq 3 ]
  run check_json "${lines[2]}"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == ok* ]]
  # both directories hold partitions of these topics, with data
  [[ ${lines[0]} == ok* ]]
  grep -qF "\"partition\":\"$t2-0\",\"size\":" <<<"$(ktool kafka-log-dirs.sh --bootstrap-server "$BROKER" --describe)"
  ! grep -qF "\"partition\":\"$t2-0\",\"size\":0," <<<"$(ktool kafka-log-dirs.sh --bootstrap-server "$BROKER" --describe)"
}

@test "log-dirs: --topic-list filters partitions; an unknown topic gives empty partition lists" {
  local t
  t=$(unique_topic ldirs)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 3 >/dev/null
  seq 1 30 | timeout -k 5 30 kcat -P -b "$BROKER" -t "$t" -X message.timeout.ms=20000
  run ktool kafka-log-dirs.sh --bootstrap-server "$BROKER" --describe --topic-list "$t"
  [ "$status" -eq 0 ]
  run check_json "${lines[2]}" "$t"
  echo "$output"
  [ "$output" = "ok 3" ]

  run ktool kafka-log-dirs.sh --bootstrap-server "$BROKER" --describe --topic-list no-such-topic --broker-list 1
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "Received log directory information from brokers 1" ]
  local a b
  a=$(printf '{"logDir":"%s","error":null,"partitions":[]}' "$LD_A")
  b=$(printf '{"logDir":"%s","error":null,"partitions":[]}' "$LD_B")
  [ "${lines[2]}" = "{\"version\":1,\"brokers\":[{\"broker\":1,\"logDirs\":[$a,$b]}]}" ] ||
    [ "${lines[2]}" = "{\"version\":1,\"brokers\":[{\"broker\":1,\"logDirs\":[$b,$a]}]}" ]
}

@test "log-dirs: the size follows appends (the same numbers as the segment files)" {
  local t before after
  t=$(unique_topic ldirs)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 1 >/dev/null
  size_of() {
    ktool kafka-log-dirs.sh --bootstrap-server "$BROKER" --describe --topic-list "$t" | tail -n 1 |
      "$PY" -c 'import json,sys
d = json.load(sys.stdin)
print(sum(p["size"] for b in d["brokers"] for l in b["logDirs"] for p in l["partitions"]))'
  }
  before=$(size_of)
  [ "$before" -eq 0 ]
  seq 1 100 | timeout -k 5 30 kcat -P -b "$BROKER" -t "$t" -X message.timeout.ms=20000
  after=$(size_of)
  [ "$after" -gt 0 ]
  local ondisk
  ondisk=$(cat "$LD_A/$t-0"/*.log "$LD_B/$t-0"/*.log 2>/dev/null | wc -c)
  [ "$after" -eq "$ondisk" ]
}

@test "log-dirs: missing --describe or --bootstrap-server prints usage, exit 1; bad broker id" {
  run ktool kafka-log-dirs.sh --bootstrap-server "$BROKER"
  [ "$status" -eq 1 ]
  [[ $output == *'Missing required argument "[describe]"'* ]]
  [[ $output == *"--topic-list"* ]]
  run ktool kafka-log-dirs.sh --describe
  [ "$status" -eq 1 ]
  [[ $output == *'Missing required argument "[bootstrap-server]"'* ]]
  run ktool kafka-log-dirs.sh --describe --bootstrap-server "$BROKER" --no-such-flag
  [ "$status" -eq 1 ]
  [[ $output == *"no-such-flag is not a recognized option"* ]]
  run --separate-stderr ktool kafka-log-dirs.sh --describe --bootstrap-server "$BROKER" --broker-list 1,x
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" java.lang.NumberFormatException: For input string: "x"' ]
  [ -z "$output" ]
}

@test "log-dirs: the broker advertises DescribeLogDirs v0-1 and answers a raw v0 request for one partition" {
  run ktool kafka-broker-api-versions.sh --bootstrap-server "$BROKER"
  [[ $output == *"DescribeLogDirs(35): 0 to 1 [usable: 1]"* ]]
  local t
  t=$(unique_topic ldirs)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 2 >/dev/null
  run "$PY" - "$BROKER_PORT" "$t" <<'EOF2'
import socket, struct, sys
port, topic = int(sys.argv[1]), sys.argv[2].encode()
s = socket.create_connection(("127.0.0.1", port), timeout=10)
cid = b"raw"
body = struct.pack(">i", 1) + struct.pack(">h", len(topic)) + topic + struct.pack(">ii", 1, 1)
req = struct.pack(">hhih", 35, 0, 9, len(cid)) + cid + body
s.sendall(struct.pack(">i", len(req)) + req)
def rd(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise SystemExit("closed")
        b += c
    return b
size, = struct.unpack(">i", rd(4))
r = rd(size)
corr, throttle, ndirs = struct.unpack(">iii", r[:12])
o = 12
found = []
for _ in range(ndirs):
    err, ln = struct.unpack(">hh", r[o:o+4]); o += 4
    d = r[o:o+ln].decode(); o += ln
    nt, = struct.unpack(">i", r[o:o+4]); o += 4
    for _ in range(nt):
        ln, = struct.unpack(">h", r[o:o+2]); o += 2
        name = r[o:o+ln].decode(); o += ln
        np_, = struct.unpack(">i", r[o:o+4]); o += 4
        for _ in range(np_):
            p, sz, lag, fut = struct.unpack(">iqq?", r[o:o+21]); o += 21
            found.append((name, p, lag, fut))
assert o == len(r), (o, len(r))
print(corr, ndirs, found)
EOF2
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "9 2 [('$t', 1, 0, False)]" ]
}
