#!/usr/bin/env bats
# Kafka 2.5's quick start and the books' everyday operator commands, verbatim,
# against `make install DESTDIR=... PREFIX=/usr/local/kafka`, with the sample
# configs as shipped (localhost:2181/:9092, /tmp/kafka-logs, /tmp/zookeeper).
# It runs in private network, mount and PID namespaces (quickstart/run.sh),
# so the fixed ports and paths are this test's alone, and the stop scripts
# (which find their daemon by name, as Kafka's do) see only its processes.

load test_helper

setup_file() {
  STAGE="$BATS_FILE_TMPDIR/stage"
  OUT="$BATS_FILE_TMPDIR/out"
  mkdir -p "$STAGE" "$OUT"
  make -C "$REPO_ROOT" -s install BUILD="$BUILD" DESTDIR="$STAGE" PREFIX=/usr/local/kafka >/dev/null
  timeout 300 unshare --net --mount --pid --fork --mount-proc "$TESTS_DIR/integration/quickstart/run.sh" "$STAGE" "$OUT" \
    >"$OUT/run.log" 2>&1 || { cat "$OUT/run.log" >&3; return 1; }
  export STAGE OUT
}

out_of() { cat "$OUT/$1.out"; }
status_of() { cat "$OUT/$1.status"; }

@test "quickstart: kafka-topics.sh --create / --list" {
  [[ $(status_of create) -eq 0 ]]
  [[ $(out_of create) == "Created topic test." ]]
  [[ $(out_of list) == "test" ]]
}

@test "quickstart: console producer and consumer (--from-beginning)" {
  [[ $(status_of produce) -eq 0 ]]
  [[ $(status_of consume) -eq 0 ]]
  [[ $(out_of consume) == $'This is a message\nThis is another message' ]]
  grep -q "Processed a total of 2 messages" "$OUT/consume.err"
}

@test "quickstart: a replication factor over the live brokers is refused as Kafka refuses it" {
  [[ $(status_of create_rf3) -eq 1 ]]
  grep -q "Replication factor: 3 larger than available brokers: 1." "$OUT/create_rf3.out" "$OUT/create_rf3.err"
  # log.segment.bytes in server.properties is a static broker config: Kafka
  # 2.5 lists it under Configs
  [[ $(head -1 "$OUT/describe.out") == $'Topic: test\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824' ]]
  grep -qP '^\tTopic: test\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0$' "$OUT/describe.out"
}

@test "quickstart: Kafka Connect moves test.txt to test.sink.txt through connect-test" {
  [[ $(cat "$OUT/sink.txt") == $'foo\nbar' ]]
  [[ $(cat "$OUT/sink2.txt") == $'foo\nbar\nAnother line' ]]
  [[ $(out_of connect_topic) == $'{"schema":{"type":"string","optional":false},"payload":"foo"}\n{"schema":{"type":"string","optional":false},"payload":"bar"}' ]]
}

@test "books: group consumer with print.key, consumer-groups --describe, configs, delete-records, dump-log" {
  [[ $(out_of group_consume) == $'null-This is a message\nnull-This is another message' ]]
  grep -qE '^g +test +0 +2 +2 +0 ' "$OUT/groups_describe.out"
  [[ $(out_of configs_alter) == "Completed updating config for topic test." ]]
  grep -q "retention.ms=86400000" "$OUT/configs_describe.out"
  [[ $(out_of delete_records) == $'Executing records delete operation\nRecords delete operation completed:\npartition: test-0\tlow_watermark: 1' ]]
  grep -q "^Dumping /tmp/kafka-logs/test-0/00000000000000000000.log" "$OUT/dump_log.out"
  grep -q "payload: This is another message" "$OUT/dump_log.out"
  grep -q "Produce(0): 0 to 8 \[usable: 8\]" "$OUT/api_versions.out"
}

@test "quickstart: kafka-server-stop.sh stops the broker cleanly" {
  grep -q "\[KafkaServer id=0\] shut down completed" "$OUT/server.log"
}
