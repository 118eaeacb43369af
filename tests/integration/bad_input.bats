#!/usr/bin/env bats
# Malformed requests (tests/clients/raw_requests.py, raw sockets): the broker
# closes the connection or answers with the right error code, never crashes
# or balloons, and real clients keep working after each.  Every truncation of
# a valid request of every advertised API and version, and every length
# mutation: tests/clients/kafka_requests.py.  CI also runs this file against
# a broker built with SANITIZE=address,undefined (.ci/run), so a memory error
# in a decoder kills the broker and fails it.
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
  assert_no_sanitizer_report
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

@test "bad input: every truncation and length mutation of every request type and version" {
  local log="$BROKER_DIR/logs/server.log" warn0 warn1 closed name
  warn0=$(grep -c 'WARN Closing connection from .* due to a malformed' "$log" || true)
  run kreq 300 truncations --bootstrap "$BROKER" --max-seconds 240
  echo "$output"
  ((status == 0))
  [[ $output == *"PASS: kafka_requests truncations"* ]]
  # the table is the broker's own: every advertised API got a summary line
  [[ $output == *"Produce v0-"*"Fetch v0-"*"ApiVersions v0-"* ]]
  assert_broker_alive
  assert_no_sanitizer_report
  # every connection the broker closed was logged as a malformed request
  closed=$(sed -nE 's/.*: ([0-9]+) truncations closed, [0-9]+ answered; ([0-9]+) mutations closed.*/\1 \2/p' \
    <<<"$output" | awk '{n += $1 + $2} END {print n + 0}')
  warn1=$(grep -c 'WARN Closing connection from .* due to a malformed' "$log" || true)
  echo "connections closed: $closed; new 'malformed' WARN lines: $((warn1 - warn0))"
  ((closed > 1000))
  ((warn1 - warn0 >= closed))
  while read -r name; do
    [[ $name == ListGroups ]] && continue # an empty body: nothing to truncate
    grep -qE "WARN Closing connection from .* malformed $name v[0-9]+ request" "$log" || {
      echo "no WARN line for a malformed $name request in $log" >&2
      return 1
    }
  done < <(sed -nE 's/^([A-Za-z]+) v[0-9]+-[0-9]+: [0-9]+ truncations closed.*/\1/p' <<<"$output")
  still_fine
}

@test "bad input: after all of it, librdkafka round trips 10000 messages" {
  # librdkafka fills batches up to its own message.max.bytes (1 MB): cap them
  # at the broker's, as a client of such a broker must
  kconfluent 300 roundtrip --timeout 280 --bootstrap "$BROKER" --count 10000 --partitions 1 \
    --client-config "message.max.bytes=$MAX_MESSAGE"
  still_fine
}
