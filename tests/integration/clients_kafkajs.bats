#!/usr/bin/env bats
# kafkajs 2.2.4 (npm, tests/clients/package.json) against the broker.
# The programs do the checking: tests/clients/kafkajs_client.js.
# kafkajs's public consumer always joins a consumer group; the programs read
# back without one (kafkajs's own ListOffsets + Fetch, see kafkajs_client.js),
# and one test uses the real group consumer once the broker has a group
# coordinator (FindCoordinator advertised).

load test_helper

setup_file() {
  if [[ ! -f $CLIENTS_DIR/node_modules/kafkajs/package.json ]]; then
    echo "kafkajs is not installed: run tests/install-deps.sh (npm ci in tests/clients)" >&2
    return 1
  fi
  clients_setup_file
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

@test "kafkajs: 100000 keyed messages round trip (3 partitions, from earliest, no group)" {
  client_roundtrip kjs kafkajs-rt
}

@test "kafkajs: gzip" { client_compression kjs gzip; }

@test "kafkajs: snappy" { client_compression kjs snappy; }

@test "kafkajs: lz4" { client_compression kjs lz4; }

@test "kafkajs: zstd" { client_compression kjs zstd; }

@test "kafkajs: idempotent producer (maxInFlightRequests 1): exactly N, in order" {
  client_idempotent kjs 1
}

@test "kafkajs: admin create/list/describe/create-partitions/delete, invalid names rejected" {
  client_admin kjs
}

@test "kafkajs: DeleteRecords moves the earliest offset to 50; consuming starts there" {
  local topic
  topic=$(unique_topic kafkajs-delrec)
  kjs 300 delete-records --timeout 280 --bootstrap "$BROKER" --topic "$topic"
  # librdkafka agrees on the log start offset left by the last step (100)
  local out
  out=$(timeout -k 5 60 kcat -Q -b "$BROKER" -t "$topic:0:-2")
  echo "$out"
  grep -qxF "$topic [0] offset 100" <<<"$out"
}

@test "kafkajs: consumer group reads a topic from the beginning" {
  if ! kraw 30 has-api 10 --bootstrap "$BROKER"; then
    skip "broker does not advertise FindCoordinator (no consumer groups yet)"
  fi
  kjs 300 roundtrip --timeout 280 --bootstrap "$BROKER" --count 10000 --partitions 3 --group
}

@test "kafkajs: broker is still alive" {
  assert_broker_alive
}
