#!/usr/bin/env bats
# confluent-kafka-python 1.7.0 (librdkafka 2.0.2) against the broker.
# The programs do the checking: tests/clients/confluent_client.py.
# (confluent-kafka 1.7 has no DeleteRecords: see clients_kafkajs.bats.)

load test_helper

setup_file() { clients_setup_file; }
teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

@test "confluent: 100000 keyed messages round trip (3 partitions, assign, from earliest)" {
  client_roundtrip kconfluent confluent-rt
}

@test "confluent: gzip" { client_compression kconfluent gzip; }

@test "confluent: snappy" { client_compression kconfluent snappy; }

@test "confluent: lz4" { client_compression kconfluent lz4; }

@test "confluent: zstd" { client_compression kconfluent zstd; }

@test "confluent: idempotent producer (enable.idempotence=true): exactly N, in order" {
  client_idempotent kconfluent 1 3
}

@test "confluent: admin create/list/describe/create-partitions/delete, invalid names rejected" {
  client_admin kconfluent
}

@test "confluent: acks=1 producer's acknowledged offsets hold the messages; appends continue" {
  client_acked kconfluent confluent-acked
}

@test "confluent: broker is still alive" {
  assert_broker_alive
}
