#!/usr/bin/env bats
# Produce requests pipelined on one connection (tests/clients/raw_requests.py
# pipelined): while an acks=all Produce waits for replication, the Produce
# requests after it are handled, so that a client's pipelined requests share
# the replication round trips (librdkafka pipelines up to
# max.in.flight.requests.per.connection, 1000000 by default); the answers
# still come in request order, and any other request waits until the
# Produce requests before it are answered, as on Kafka's muted channel.
# Two brokers, RF=2, min.insync.replicas=2: the follower is stopped so that
# acks=all requests wait until their timeout (the ISR keeps it for
# replica.lag.time.max.ms, 30 s).

load test_helper
load cluster_helper

setup_file() {
  zk_start
  cluster_start 2 min.insync.replicas=2
}

teardown_file() {
  local i
  for i in 1 2; do cluster_broker_resume "$i" 2>/dev/null || true; done
  cluster_stop_all
  zk_stop
}

teardown() {
  local i
  for i in 1 2; do cluster_broker_resume "$i" 2>/dev/null || true; done
  cluster_show_logs_on_failure
}

@test "produce pipelining: acks=all requests wait side by side, answers in request order, other requests wait their turn" {
  local t l f
  t=$(unique_topic pipelined)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
    --replica-assignment 1:2 >/dev/null
  cluster_wait_isr "$t" 0 1,2 30
  l=$(cluster_leader "$t" 0)
  f=$((3 - l))
  cluster_broker_pause "$f"
  run timeout -k 5 90 "$PY" "$CLIENTS_DIR/raw_requests.py" pipelined -b "$(cluster_addr "$l")" \
    -t "$t" --timeout-ms 3000
  echo "$output"
  [ "$status" -eq 0 ]
  cluster_broker_resume "$f"
  # the follower catches up: every record is there, once, in order (of
  # the client that hung up, the last Produce may be handled or not, as on
  # Kafka's muted channel)
  cluster_wait_isr "$t" 0 1,2 30
  run timeout -k 5 30 kcat -C -b "$(cluster_bootstrap)" -t "$t" -o beginning -e -q
  echo "$output"
  [ "${lines[*]:0:7}" = "$(printf 'pipelined-%s ' 1 2 3 5 1 2 3 | sed 's/ $//')" ]
  [ "${#lines[@]}" -le 8 ]
}
