#!/usr/bin/env bats
# kcat (librdkafka 2.0.2) against the broker: metadata, 100k keyed messages,
# every codec, the idempotent producer, offset queries.  kcat has no admin
# API, so topics here are auto-created (num.partitions=3).  This file also
# runs the broker with a ZooKeeper chroot.

load test_helper

setup_file() {
  export ZK_CHROOT=/kcat-tests
  clients_setup_file num.partitions=3
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

# kcat_produce TOPIC COUNT PAD [kcat args...]: messages k<i%1000>:v<i><pad dots>
kcat_produce() {
  local topic=$1 count=$2 pad=$3
  shift 3
  awk -v n="$count" -v pad="$pad" 'BEGIN {
      dots = ""; for (j = 0; j < pad; j++) dots = dots ".";
      for (i = 0; i < n; i++) printf "k%d:v%d%s\n", i % 1000, i, dots }' \
    >"$BATS_TEST_TMPDIR/in.txt"
  timeout -k 5 180 kcat -P -b "$BROKER" -t "$topic" -K: -l \
    -X message.timeout.ms=60000 "$@" "$BATS_TEST_TMPDIR/in.txt"
}

# kcat_consume_verify TOPIC COUNT [verify_dump.py args...]
kcat_consume_verify() {
  local topic=$1 count=$2
  shift 2
  local out="$BATS_TEST_TMPDIR/out.txt"
  timeout -k 5 180 kcat -C -b "$BROKER" -t "$topic" -o beginning -e -q \
    -f '%p %o %T %k %s\n' >"$out"
  "$PY" "$CLIENTS_DIR/verify_dump.py" --count "$count" --input "$out" "$@"
}

# kcat_codec_roundtrip CODEC: 20000 padded messages compressed with CODEC.
kcat_codec_roundtrip() {
  local topic
  topic=$(unique_topic "kcat-$1")
  kcat_produce "$topic" 20000 100 -z "$1"
  kcat_consume_verify "$topic" 20000 --pad 100
}

@test "kcat: broker registers itself in ZooKeeper under the chroot" {
  zk_cmd --chroot "$ZK_CHROOT" broker-registration 1 127.0.0.1 "$BROKER_PORT"
  # and nowhere else
  run zk_cmd exists /brokers/ids/1
  [ "$status" -eq 1 ]
}

@test "kcat: metadata lists the broker and an auto-created topic with 3 partitions" {
  local topic
  topic=$(unique_topic kcat-md)
  echo "hello" | timeout -k 5 60 kcat -P -b "$BROKER" -t "$topic" -X message.timeout.ms=30000
  timeout -k 5 60 kcat -L -J -b "$BROKER" -t "$topic" >"$BATS_TEST_TMPDIR/md.json"
  cat "$BATS_TEST_TMPDIR/md.json"
  "$PY" - "$BATS_TEST_TMPDIR/md.json" "$topic" "$BROKER" <<'EOF'
import json, sys
md = json.load(open(sys.argv[1]))
topic, broker = sys.argv[2], sys.argv[3]
assert [b["name"] for b in md["brokers"]] == [broker], md["brokers"]
assert [b["id"] for b in md["brokers"]] == [1], md["brokers"]
t = [t for t in md["topics"] if t["topic"] == topic]
assert len(t) == 1 and "error" not in t[0], t
parts = sorted(p["partition"] for p in t[0]["partitions"])
assert parts == [0, 1, 2], parts
for p in t[0]["partitions"]:
    assert p["leader"] == 1 and "error" not in p, p
    assert [r["id"] for r in p["replicas"]] == [1] and [r["id"] for r in p["isrs"]] == [1], p
EOF
  zk_cmd --chroot "$ZK_CHROOT" exists "/brokers/topics/$topic"
}

@test "kcat: 100000 keyed messages round trip intact, in order, no duplicates" {
  local topic
  topic=$(unique_topic kcat-rt)
  kcat_produce "$topic" 100000 0
  kcat_consume_verify "$topic" 100000 --partitions 3
}

@test "kcat: gzip" { kcat_codec_roundtrip gzip; }

@test "kcat: snappy" { kcat_codec_roundtrip snappy; }

@test "kcat: lz4" { kcat_codec_roundtrip lz4; }

@test "kcat: zstd" { kcat_codec_roundtrip zstd; }

@test "kcat: idempotent producer (enable.idempotence=true): exactly once, in order" {
  local topic
  topic=$(unique_topic kcat-idem)
  kcat_produce "$topic" 20000 0 -X enable.idempotence=true -X acks=all
  kcat_consume_verify "$topic" 20000
}

@test "kcat: ListOffsets earliest, latest and by timestamp" {
  local topic t0 out
  topic=$(unique_topic kcat-offsets)
  t0=$(($(date +%s%3N) - 1000))
  kcat_produce "$topic" 300 0 -p 0
  out=$(timeout -k 5 60 kcat -Q -b "$BROKER" -t "$topic:0:-2" -t "$topic:1:-1")
  echo "$out"
  grep -qxF "$topic [0] offset 0" <<<"$out"
  grep -qxF "$topic [1] offset 0" <<<"$out"
  out=$(timeout -k 5 60 kcat -Q -b "$BROKER" -t "$topic:0:-1")
  echo "$out"
  grep -qxF "$topic [0] offset 300" <<<"$out"
  out=$(timeout -k 5 60 kcat -Q -b "$BROKER" -t "$topic:0:$t0")
  echo "$out"
  grep -qxF "$topic [0] offset 0" <<<"$out"
  # the last 5 messages, by relative offset
  out=$(timeout -k 5 60 kcat -C -b "$BROKER" -t "$topic" -p 0 -o -5 -e -q -f '%o %s\n')
  echo "$out"
  [ "$out" = "$(printf '295 v295\n296 v296\n297 v297\n298 v298\n299 v299')" ]
}

@test "kcat: broker is still alive" {
  assert_broker_alive
}
