#!/usr/bin/env bats
# kafka-delete-records.sh --offset-json-file: Kafka 2.5's report lines;
# the deleted records are gone for kcat, and kcat's earliest offset moves.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

TAB=$'\t'

# produce10 TOPIC PARTITION: ten messages m0..m9 into one partition.
produce10() {
  seq 0 9 | sed 's/^/m/' | timeout -k 5 30 kcat -P -b "$BROKER" -t "$1" -p "$2" -X message.timeout.ms=20000
}

earliest() {
  timeout -k 5 30 kcat -Q -b "$BROKER" -t "$1:$2:-2" | awk '{print $NF}'
}

@test "delete-records: moves the low watermark; kcat no longer reads the deleted records" {
  local t json
  t=$(unique_topic delrec)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 2
  produce10 "$t" 0
  produce10 "$t" 1
  json=$BATS_TEST_TMPDIR/offsets.json
  cat >"$json" <<EOF2
{"partitions": [{"topic": "$t", "partition": 0, "offset": 4},
                {"topic": "$t", "partition": 1, "offset": -1}],
 "version": 1}
EOF2
  run ktool kafka-delete-records.sh --bootstrap-server "$BROKER" --offset-json-file "$json"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Executing records delete operation" ]
  [ "${lines[1]}" = "Records delete operation completed:" ]
  [ "${#lines[@]}" -eq 4 ]
  printf '%s\n' "${lines[@]:2}" | grep -qxF "partition: $t-0${TAB}low_watermark: 4"
  printf '%s\n' "${lines[@]:2}" | grep -qxF "partition: $t-1${TAB}low_watermark: 10"
  [ "$(earliest "$t" 0)" = 4 ]
  [ "$(earliest "$t" 1)" = 10 ]
  run timeout -k 5 30 kcat -C -b "$BROKER" -t "$t" -p 0 -o beginning -e -q
  [ "$output" = "$(printf 'm%s\n' 4 5 6 7 8 9)" ]
}

@test "delete-records: per-partition errors are reported and the exit status stays 0" {
  local t json
  t=$(unique_topic delerr)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  produce10 "$t" 0
  json=$BATS_TEST_TMPDIR/offsets.json
  echo "{\"partitions\": [{\"topic\": \"$t\", \"partition\": 0, \"offset\": 11}, {\"topic\": \"$t\", \"partition\": 7, \"offset\": 1}], \"version\": 1}" >"$json"
  run ktool kafka-delete-records.sh --bootstrap-server "$BROKER" --offset-json-file "$json"
  [ "$status" -eq 0 ]
  printf '%s\n' "${lines[@]:2}" | grep -qxF "partition: $t-0${TAB}error: org.apache.kafka.common.errors.OffsetOutOfRangeException: The requested offset is not within the range of offsets maintained by the server."
  printf '%s\n' "${lines[@]:2}" | grep -qxF "partition: $t-7${TAB}error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition."
  [ "$(earliest "$t" 0)" = 0 ]
}

@test "delete-records: lines come in java.util.HashMap order of TopicPartition" {
  local t json
  t=hashorder-$$
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 4
  json=$BATS_TEST_TMPDIR/offsets.json
  echo "{\"partitions\": [$(for p in 0 1 2 3; do printf '%s{"topic": "%s", "partition": %d, "offset": 0}' "$([ $p = 0 ] || echo ,)" "$t" $p; done)], \"version\": 1}" >"$json"
  run ktool kafka-delete-records.sh --bootstrap-server "$BROKER" --offset-json-file "$json"
  [ "$status" -eq 0 ]
  # HashMap<>(4): capacity 4, threshold 3, so the 4th put resizes it to 8:
  # bucket = (h ^ h>>>16) & 7 with h = 31 * (31 + partition) + topic.hashCode()
  expected=$("$PY" - "$t" <<'EOF2'
import sys
t = sys.argv[1]
h = 0
for c in t:
    h = (h * 31 + ord(c)) & 0xffffffff
tp = [((31 * (31 + p) + h) & 0xffffffff, p) for p in range(4)]
order = sorted(range(4), key=lambda i: (((tp[i][0] ^ (tp[i][0] >> 16)) & 7), i))
for i in order:
    print("partition: %s-%d\tlow_watermark: 0" % (t, i))
EOF2
)
  [ "$(printf '%s\n' "${lines[@]:2}")" = "$expected" ]
}

@test "delete-records: each of many partitions of two topics, listed in any order, gets its own answer" {
  local a b json
  a=$(unique_topic many) b=$(unique_topic many)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$a" --partitions 30
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$b" --partitions 30
  json=$BATS_TEST_TMPDIR/offsets.json
  # the topics interleaved, partitions backwards: even ones to offset 0
  # (allowed: the partitions are empty), odd ones past the end (refused),
  # and a partition that does not exist
  "$PY" - "$a" "$b" >"$json" <<'EOF2'
import json, sys
a, b = sys.argv[1:]
items = [{"topic": t, "partition": p, "offset": 0 if p % 2 == 0 else 5}
         for p in range(29, -1, -1) for t in (b, a)]
items.insert(17, {"topic": a, "partition": 99, "offset": 0})
print(json.dumps({"partitions": items, "version": 1}))
EOF2
  run ktool kafka-delete-records.sh --bootstrap-server "$BROKER" --offset-json-file "$json"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 63 ]
  expected=$("$PY" - "$a" "$b" <<'EOF2'
import sys
for t in sys.argv[1:]:
    for p in range(30):
        print("partition: %s-%d\t%s" % (t, p, "low_watermark: 0" if p % 2 == 0 else
              "error: org.apache.kafka.common.errors.OffsetOutOfRangeException: The requested offset is not within the range of offsets maintained by the server."))
print("partition: %s-99\terror: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition." % sys.argv[1])
EOF2
)
  [ "$(printf '%s\n' "${lines[@]:2}" | LC_ALL=C sort)" = "$(printf '%s\n' "$expected" | LC_ALL=C sort)" ]
}

@test "delete-records: bad input files and missing options" {
  local json=$BATS_TEST_TMPDIR/bad.json
  echo '{"partitions": [' >"$json"
  run --separate-stderr ktool kafka-delete-records.sh --bootstrap-server "$BROKER" --offset-json-file "$json"
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" kafka.admin.AdminOperationException: The input string is not a valid JSON' ]
  echo '{"partitions": [{"topic": "a", "partition": 0, "offset": 1}, {"topic": "a", "partition": 0, "offset": 2}]}' >"$json"
  run --separate-stderr ktool kafka-delete-records.sh --bootstrap-server "$BROKER" --offset-json-file "$json"
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" kafka.common.AdminCommandFailedException: Offset json file contains duplicate topic partitions: a-0' ]
  echo '{"version": 2, "partitions": []}' >"$json"
  run --separate-stderr ktool kafka-delete-records.sh --bootstrap-server "$BROKER" --offset-json-file "$json"
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" kafka.admin.AdminOperationException: Not supported version field value 2' ]
  run --separate-stderr ktool kafka-delete-records.sh --bootstrap-server "$BROKER"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[offset-json-file]"' ]
}
