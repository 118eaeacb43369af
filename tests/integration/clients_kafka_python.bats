#!/usr/bin/env bats
# kafka-python 2.0.2 (Debian python3-kafka) against the broker.
# The programs do the checking: tests/clients/kafka_python_client.py.
# kafka-python 2.0.2 has no idempotent producer and no DeleteRecords.
# Its snappy/lz4/zstd come from python3-snappy, python3-lz4 and
# python3-zstandard (tests/install-deps.sh).

load test_helper

setup_file() { clients_setup_file; }
teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

@test "kafka-python: 100000 keyed messages round trip (3 partitions, assign, from earliest)" {
  client_roundtrip kpy kpy-rt
}

@test "kafka-python: gzip" { client_compression kpy gzip; }

@test "kafka-python: snappy" { client_compression kpy snappy; }

@test "kafka-python: lz4" { client_compression kpy lz4; }

@test "kafka-python: zstd" { client_compression kpy zstd; }

@test "kafka-python: admin create/list/describe/create-partitions/delete, invalid names rejected" {
  client_admin kpy
}

@test "kafka-python: acks=1 acknowledged offsets hold the messages (read back by librdkafka too)" {
  client_acked kpy kpy-acked kconfluent
}

@test "kafka-python: broker is still alive" {
  assert_broker_alive
}
