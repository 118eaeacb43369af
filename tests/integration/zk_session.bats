#!/usr/bin/env bats
# ZooKeeper session loss: a broker frozen (SIGSTOP) past its session timeout
# loses its ephemeral registration; once it runs again it learns the session
# expired, drops its leadership, opens a new session, registers again and
# leads with a new leader epoch -- and no data is lost.

load test_helper

setup_file() {
  zk_start
  broker_start zookeeper.session.timeout.ms=6000 zookeeper.connection.timeout.ms=6000
}
teardown_file() {
  kill -CONT "$(broker_pid)" 2>/dev/null || true
  stop_all
}
teardown() { show_logs_on_failure; }

registered() { zk_cmd exists /brokers/ids/1; }
epoch_of() { zk_cmd get "/brokers/topics/$1/partitions/0/state" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["leader_epoch"])'; }

@test "session expiry: the broker re-registers, leads with a new epoch, keeps its data" {
  local topic before
  topic=$(unique_topic session)
  seq 1 100 | timeout 60 kcat -b "$BROKER" -t "$topic" -P -X acks=all
  wait_for 30 registered
  before=$(epoch_of "$topic")

  kill -STOP "$(broker_pid)"
  # ZooKeeper expires the frozen broker's session: its ephemeral node goes
  wait_for 40 refute registered
  kill -CONT "$(broker_pid)"

  wait_for 60 registered
  wait_for 30 grep -q "Session expired; re-registering with a new session" \
    "$BROKER_DIR/logs/server.log"
  wait_for 30 eval '(( $(epoch_of "$topic") > before ))'
  assert_broker_alive
  seq 101 150 | timeout 60 kcat -b "$BROKER" -t "$topic" -P -X acks=all
  run timeout 60 kcat -b "$BROKER" -t "$topic" -C -e -q
  [[ $status -eq 0 ]]
  [[ ${#lines[@]} -eq 150 ]]
  [[ ${lines[0]} == 1 && ${lines[149]} == 150 ]]
}
