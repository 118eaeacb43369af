#!/usr/bin/env bats
# kafka-console-consumer.sh: Kafka 2.5's ConsoleConsumer output, formatter
# properties, --partition/--offset, group consumption with commits (checked
# with kafka-python), the exit report and signal handling. Input is produced
# with kcat.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
  export CC_TOPIC=cc-$$
  timeout -k 5 60 "$REPO_ROOT/bin/kafka-topics.sh" --bootstrap-server "$BROKER" --create --topic "$CC_TOPIC" \
    --partitions 1 >/dev/null
  printf 'k1:v1\nk2:v2\nk3:v3\n' | timeout -k 5 30 kcat -P -b "$BROKER" -t "$CC_TOPIC" -K: -X message.timeout.ms=20000
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

# committed GROUP TOPIC PARTITION: offset kafka-python's admin client reads.
committed() {
  "$PY" - "$BROKER" "$1" "$2" "$3" <<'EOF2'
import sys
from kafka import KafkaAdminClient, TopicPartition
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
o = a.list_consumer_group_offsets(sys.argv[2])
tp = TopicPartition(sys.argv[3], int(sys.argv[4]))
print(o[tp].offset if tp in o else "none")
a.close()
EOF2
}

@test "console-consumer: --from-beginning --max-messages prints values and the count on stderr" {
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --from-beginning --max-messages 3
  [ "$status" -eq 0 ]
  [ "$output" = $'v1\nv2\nv3' ]
  [ "$stderr" = "Processed a total of 3 messages" ]
}

@test "console-consumer: print.key/print.timestamp/print.partition and separators as Kafka 2.5" {
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --from-beginning --max-messages 2 --property print.key=true --property key.separator=: \
    --property print.partition=true
  [ "$status" -eq 0 ]
  [ "$output" = $'k1:v1:0\nk2:v2:0' ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --from-beginning --max-messages 1 --property print.timestamp=true --property print.value=false \
    --property print.key=true
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^CreateTime:[0-9]{13}$'\t'k1$ ]]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --from-beginning --max-messages 3 --property line.separator=, 
  [ "$output" = "v1,v2,v3," ]
}

@test "console-consumer: print.offset/print.headers use the Kafka 2.7 layout" {
  local t
  t=$(unique_topic cchdr)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" >/dev/null
  echo "hv" | timeout -k 5 30 kcat -P -b "$BROKER" -t "$t" -H h1=x -H h2=y -X message.timeout.ms=20000
  echo "nohdr" | timeout -k 5 30 kcat -P -b "$BROKER" -t "$t" -X message.timeout.ms=20000
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$t" \
    --from-beginning --max-messages 2 --property print.offset=true --property print.headers=true \
    --property print.partition=true --property print.key=true
  [ "$status" -eq 0 ]
  [ "$output" = $'Partition:0\tOffset:0\th1:x,h2:y\tnull\thv\nPartition:0\tOffset:1\tNO_HEADERS\tnull\tnohdr' ]
}

@test "console-consumer: --partition with --offset N / earliest, and --timeout-ms ends with Kafka's error line" {
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --partition 0 --offset 1 --timeout-ms 3000
  [ "$status" -eq 0 ]
  [ "$output" = $'v2\nv3' ]
  [[ "${stderr_lines[0]}" =~ ^\[[0-9-]+\ [0-9:,]+\]\ ERROR\ Error\ processing\ message,\ terminating\ consumer\ process:\ \ \(kafka\.tools\.ConsoleConsumer\$\)$ ]]
  [ "${stderr_lines[1]}" = "org.apache.kafka.common.errors.TimeoutException" ]
  [ "${stderr_lines[2]}" = "Processed a total of 2 messages" ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --partition 0 --offset earliest --max-messages 1
  [ "$output" = "v1" ]
}

@test "console-consumer: --group commits what it consumed (seen by kafka-python), and resumes there" {
  local g=ccg-$$
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --group "$g" --from-beginning --max-messages 2
  [ "$status" -eq 0 ]
  [ "$output" = $'v1\nv2' ]
  [ "$(committed "$g" "$CC_TOPIC" 0)" = 2 ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic "$CC_TOPIC" \
    --group "$g" --max-messages 1
  [ "$output" = "v3" ]
  [ "$(committed "$g" "$CC_TOPIC" 0)" = 3 ]
}

@test "console-consumer: --whitelist subscribes by regex" {
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --whitelist "$CC_TOPIC|nothing" \
    --from-beginning --max-messages 3
  [ "$status" -eq 0 ]
  [ "$output" = $'v1\nv2\nv3' ]
}

@test "console-consumer: SIGTERM ends it cleanly with the count and the JVM's status 143" {
  local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
  "$REPO_ROOT/bin/kafka-console-consumer.sh" --bootstrap-server "$BROKER" --topic "$CC_TOPIC" --from-beginning \
    >"$out" 2>"$err" &
  local pid=$!
  wait_for 20 lines_at_least "$out" 3
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 143 ]
  [ "$(cat "$out")" = $'v1\nv2\nv3' ]
  [ "$(cat "$err")" = "Processed a total of 3 messages" ]
}

@test "console-consumer: Kafka's usage errors exit 1" {
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Exactly one of whitelist/topic is required." ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic t --offset 3
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "The partition is required when offset is specified." ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic t --partition 0 --offset -3
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "The provided offset value '-3' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long." ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic t --partition 0 --group g
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Options group and partition cannot be specified together." ]
  run --separate-stderr ktool kafka-console-consumer.sh --topic t
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[bootstrap-server]"' ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic t --group a \
    --consumer-property group.id=b
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'a', 'b'" ]
  run --separate-stderr ktool kafka-console-consumer.sh --bootstrap-server "$BROKER" --topic t --formatter no.Such
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" java.lang.ClassNotFoundException: no.Such' ]
}
