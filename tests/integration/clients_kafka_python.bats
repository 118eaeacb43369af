#!/usr/bin/env bats
# kafka-python 2.0.2 (Debian python3-kafka) against the broker.
# The programs do the checking: tests/clients/kafka_python_client.py.
# kafka-python 2.0.2 has no idempotent producer and no DeleteRecords.
# Its snappy/lz4/zstd come from python3-snappy, python3-lz4 and
# python3-zstandard (tests/install-deps.sh).

load test_helper

setup_file() {
  zk_start
  broker_start
}

teardown_file() {
  stop_all
}

teardown() {
  show_logs_on_failure
}

@test "kafka-python: 100000 keyed messages round trip (3 partitions, assign, from earliest)" {
  kpy 600 roundtrip --timeout 580 --bootstrap "$BROKER" \
    --topic "$(unique_topic kpy-rt)" --count 100000 --partitions 3
}

@test "kafka-python: gzip" {
  kpy 300 compression --timeout 280 --bootstrap "$BROKER" --codec gzip
}

@test "kafka-python: snappy" {
  kpy 300 compression --timeout 280 --bootstrap "$BROKER" --codec snappy
}

@test "kafka-python: lz4" {
  kpy 300 compression --timeout 280 --bootstrap "$BROKER" --codec lz4
}

@test "kafka-python: zstd" {
  kpy 300 compression --timeout 280 --bootstrap "$BROKER" --codec zstd
}

@test "kafka-python: admin create/list/describe/create-partitions/delete, invalid names rejected" {
  kpy 300 admin --timeout 280 --bootstrap "$BROKER"
}

@test "kafka-python: acks=1 acknowledged offsets hold the messages (read back by librdkafka too)" {
  local topic
  topic=$(unique_topic kpy-acked)
  kpy 120 produce-acked --bootstrap "$BROKER" --topic "$topic" --count 20000 \
    --out "$BATS_TEST_TMPDIR/acked.txt"
  kpy 120 verify-acked --bootstrap "$BROKER" --topic "$topic" --in "$BATS_TEST_TMPDIR/acked.txt"
  kconfluent 120 verify-acked --bootstrap "$BROKER" --topic "$topic" \
    --in "$BATS_TEST_TMPDIR/acked.txt" --produce-after
}

@test "kafka-python: broker is still alive" {
  assert_broker_alive
}
