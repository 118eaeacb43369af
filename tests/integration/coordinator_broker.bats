#!/usr/bin/env bats
# Our Kafka broker keeping its metadata in our coordinator instead of Apache
# ZooKeeper: registration, topic creation, produce/consume with kcat, the
# znodes ops tools read, and a coordinator restart under the broker.
# (Any other broker test file runs against the coordinator too with
# ZK_IMPL=coordinator.)

load test_helper

setup_file() {
  coord_start
  broker_start num.partitions=3
}
teardown_file() { stop_all; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    show_logs_on_failure
    coord_log_tail 30
  fi
}

@test "the broker registers itself as an ephemeral /brokers/ids/1 owned by its session" {
  run zkcli stat /brokers/ids/1
  [[ $status -eq 0 ]]
  [[ $output =~ ephemeralOwner\ =\ 0x[0-9a-f]*[1-9a-f] ]]
  run zkcli get /brokers/ids/1
  [[ $output == *"\"port\":$BROKER_PORT"* ]]
  run zkcli ls /
  [[ $output == *brokers* && $output == *config* && $output == *admin* && $output == *zookeeper* ]]
}

@test "kcat auto-creates a topic, produces and consumes 5000 messages" {
  local topic
  topic=$(unique_topic coord)
  seq 1 5000 | timeout -k 5 60 kcat -P -b "$BROKER" -t "$topic" -X message.timeout.ms=30000
  run timeout -k 5 60 kcat -C -b "$BROKER" -t "$topic" -o beginning -e -q
  [[ $status -eq 0 ]]
  [[ $(printf '%s\n' "$output" | sort -n | uniq | wc -l) -eq 5000 ]]
  run zkcli get "/brokers/topics/$topic"
  [[ $output == *'"partitions":{"0":[1],"1":[1],"2":[1]}'* || $output == *'"partitions":{'* ]]
  run zkcli ls "/brokers/topics/$topic/partitions"
  [[ $output == *"[0, 1, 2]"* ]]
}

@test "the broker survives a coordinator restart (session kept) and keeps serving" {
  local topic
  topic=$(unique_topic coord-restart)
  coord_restart
  wait_for 30 broker_registered
  assert_broker_alive
  kcat_smoke "$topic"
}

@test "a clean broker stop removes its registration; a start restores it" {
  broker_stop
  wait_for 20 broker_unregistered
  broker_restart
  wait_for 20 broker_registered
}
