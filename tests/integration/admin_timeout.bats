#!/usr/bin/env bats
# The timeout_ms of CreateTopics / DeleteTopics / CreatePartitions, as Kafka
# 2.5's AdminManager honours it (tests/clients/admin_timeout.py): with
# timeout_ms <= 0 the answer goes right after the ZooKeeper writes
# (REQUEST_TIMED_OUT for the topics written; librdkafka hides that code when
# its operation_timeout is 0, its default); otherwise the request waits until
# every partition has a leader in the broker's metadata, or timeout_ms has
# passed, and then answers REQUEST_TIMED_OUT (DelayedCreatePartitions) --
# within a timer tick, even when nothing else happens in the cluster.
#
# A change that cannot complete in time: a topic whose one replica is on
# broker 2, which is not running yet (Kafka's CreateTopics takes replica
# assignments naming any broker id); the controller gives it no leader until
# broker 2 comes, and then it serves.

load test_helper
load cluster_helper

setup_file() {
  zk_start
  cluster_start 1
}

teardown_file() {
  cluster_stop_all
  zk_stop
}

teardown() { cluster_show_logs_on_failure; }

# has_leader TOPIC PARTITION: its state in ZooKeeper names a leader.
has_leader() { [[ $(cluster_leader "$1" "$2") =~ ^[0-9]+$ ]]; }

kat() {
  local t=$1
  shift
  in_test_netns timeout -k 10 "$t" "$PY" "$CLIENTS_DIR/admin_timeout.py" "$@"
}

@test "admin timeout: a create that cannot complete gets REQUEST_TIMED_OUT after its timeout_ms, a closed client's too; the topic serves once its broker comes" {
  local t h
  t=$(unique_topic late)
  h=$(unique_topic hangup)
  [ "$(cluster_size)" -eq 1 ]
  run kat 60 timed-out --bootstrap "$(cluster_addr 1)" --topic "$t" --replica 2 --timeout-ms 1500
  echo "$output"
  [ "$status" -eq 0 ]
  # the answer due to a connection closed meanwhile is dropped safely
  run kat 60 hangup --bootstrap "$(cluster_addr 1)" --topic "$h" --replica 2 --timeout-ms 1000
  echo "$output"
  [ "$status" -eq 0 ]
  cluster_broker_alive 1
  cluster_add_broker
  wait_for 30 cluster_leader_is "$t" 0 2
  wait_for 30 cluster_leader_is "$h" 0 2
  BROKER=$(cluster_bootstrap) kcat_smoke "$t"
}

@test "admin timeout: timeout_ms 0 answers at once (REQUEST_TIMED_OUT on the wire, success for librdkafka); a message produced right away is delivered" {
  local t
  t=$(unique_topic nowait)
  run kat 90 no-wait --bootstrap "$(cluster_addr 1)" --topic "$t"
  echo "$output"
  [ "$status" -eq 0 ]
  # the topic written by the wire request gets its leader all the same
  wait_for 30 has_leader "$t-wire" 0
}

@test "admin timeout: a create with the client's default timeout answers no error once every partition has a leader" {
  local t
  t=$(unique_topic default)
  [ "$(cluster_size)" -ge 2 ] || cluster_add_broker
  run kat 60 default --bootstrap "$(cluster_addr 1)" --topic "$t" --partitions 3 --rf 2
  echo "$output"
  [ "$status" -eq 0 ]
}
