#!/usr/bin/env bats
# confluent-kafka-python 1.7.0 (librdkafka 2.0.2) against the broker.
# The programs do the checking: tests/clients/confluent_client.py.
# (confluent-kafka 1.7 has no DeleteRecords: see clients_kafkajs.bats.)

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

@test "confluent: 100000 keyed messages round trip (3 partitions, assign, from earliest)" {
  kconfluent 600 roundtrip --timeout 580 --bootstrap "$BROKER" \
    --topic "$(unique_topic confluent-rt)" --count 100000 --partitions 3
}

@test "confluent: gzip" {
  kconfluent 300 compression --timeout 280 --bootstrap "$BROKER" --codec gzip
}

@test "confluent: snappy" {
  kconfluent 300 compression --timeout 280 --bootstrap "$BROKER" --codec snappy
}

@test "confluent: lz4" {
  kconfluent 300 compression --timeout 280 --bootstrap "$BROKER" --codec lz4
}

@test "confluent: zstd" {
  kconfluent 300 compression --timeout 280 --bootstrap "$BROKER" --codec zstd
}

@test "confluent: idempotent producer (enable.idempotence=true): exactly N, in order" {
  kconfluent 300 idempotent --timeout 280 --bootstrap "$BROKER" --count 20000 --partitions 1
  kconfluent 300 idempotent --timeout 280 --bootstrap "$BROKER" --count 20000 --partitions 3
}

@test "confluent: admin create/list/describe/create-partitions/delete, invalid names rejected" {
  kconfluent 300 admin --timeout 280 --bootstrap "$BROKER"
}

@test "confluent: acks=1 producer's acknowledged offsets hold the messages; appends continue" {
  local topic
  topic=$(unique_topic confluent-acked)
  kconfluent 120 produce-acked --bootstrap "$BROKER" --topic "$topic" --count 20000 \
    --out "$BATS_TEST_TMPDIR/acked.txt"
  kconfluent 120 verify-acked --bootstrap "$BROKER" --topic "$topic" \
    --in "$BATS_TEST_TMPDIR/acked.txt" --produce-after
}

@test "confluent: broker is still alive" {
  assert_broker_alive
}
