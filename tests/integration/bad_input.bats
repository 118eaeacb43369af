#!/usr/bin/env bats
# Malformed requests (tests/clients/raw_requests.py, raw sockets): the broker
# closes the connection or answers with the right error code, never crashes
# or balloons, and real clients keep working after each.
# socket.request.max.bytes and message.max.bytes are lowered so the limits are
# cheap to hit.

load test_helper

MAX_REQUEST=1048576
MAX_MESSAGE=102400

setup_file() {
  zk_start
  broker_start "socket.request.max.bytes=$MAX_REQUEST" "message.max.bytes=$MAX_MESSAGE" \
    num.partitions=1
  # auto-created by kcat: the topics the raw produce requests write to
  kcat_smoke bad-input-smoke
  kcat_smoke bad-input-raw
}

teardown_file() {
  stop_all
}

teardown() {
  show_logs_on_failure
}

# still_fine: the broker process lives and a real client still works
still_fine() {
  assert_broker_alive
  kcat_smoke bad-input-smoke
}

@test "bad input: ApiVersions v0 over a raw socket (the harness itself)" {
  kraw 60 check --bootstrap "$BROKER"
}

@test "bad input: request size over socket.request.max.bytes closes the connection, no allocation" {
  local rss0 rss1
  rss0=$(broker_rss_kb)
  kraw 120 oversize --bootstrap "$BROKER" --max "$MAX_REQUEST"
  rss1=$(broker_rss_kb)
  echo "broker RSS ${rss0} KiB -> ${rss1} KiB"
  # four announced sizes of up to 2 GiB: none may be allocated
  ((rss1 - rss0 < 65536))
  still_fine
}

@test "bad input: garbage bytes close the connection" {
  kraw 180 garbage --bootstrap "$BROKER"
  still_fine
}

@test "bad input: truncated request headers close the connection" {
  kraw 120 truncated-header --bootstrap "$BROKER"
  still_fine
}

@test "bad input: unknown API key closes the connection" {
  kraw 120 unknown-api --bootstrap "$BROKER"
  still_fine
}

@test "bad input: ApiVersions with an unsupported version gets a v0 answer with error 35" {
  kraw 60 apiversions-unsupported --bootstrap "$BROKER"
  still_fine
}

@test "bad input: produce with a bad CRC gets CORRUPT_MESSAGE (2) for the partition" {
  kraw 60 bad-crc --bootstrap "$BROKER" --topic bad-input-raw --partition 0
  still_fine
}

@test "bad input: batch over message.max.bytes gets MESSAGE_TOO_LARGE (10)" {
  kraw 60 too-large --bootstrap "$BROKER" --topic bad-input-raw --partition 0 \
    --max-message "$MAX_MESSAGE"
  still_fine
}

@test "bad input: a client that hangs up mid-request does no harm" {
  kraw 60 hangup --bootstrap "$BROKER"
  still_fine
}

@test "bad input: after all of it, librdkafka round trips 10000 messages" {
  kconfluent 300 roundtrip --timeout 280 --bootstrap "$BROKER" --count 10000 --partitions 1
  still_fine
}
