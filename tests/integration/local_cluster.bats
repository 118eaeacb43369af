#!/usr/bin/env bats
# scripts/local-cluster.sh: `start` returns once this start's broker serves
# (an earlier run's "started" line in the logs does not count), says so when
# the cluster already runs; `status` shows what runs with its pid and port;
# start, stop, start, and a produce at once after each start. Free ports
# (LOCAL_ZK_PORT, LOCAL_KAFKA_PORT) and a private state directory per test.

load test_helper

setup() {
  LOCAL_CLUSTER_DIR="$BATS_TEST_TMPDIR/local"
  LOCAL_ZK_PORT=$(free_port)
  LOCAL_KAFKA_PORT=$(free_port)
  export LOCAL_CLUSTER_DIR LOCAL_ZK_PORT LOCAL_KAFKA_PORT
}

teardown() {
  "$REPO_ROOT/scripts/local-cluster.sh" stop || true
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    tail -n 30 "$LOCAL_CLUSTER_DIR"/logs/* 2>/dev/null || true
  fi
}

lc() { timeout -k 5 120 "$REPO_ROOT/scripts/local-cluster.sh" "$@"; }

# produce_now TOPIC VALUE: one message, acknowledged within 3 s, and read back.
produce_now() {
  echo "$2" | timeout -k 5 20 kcat -P -b "127.0.0.1:$LOCAL_KAFKA_PORT" -t "$1" -X message.timeout.ms=3000
  timeout -k 5 20 kcat -C -b "127.0.0.1:$LOCAL_KAFKA_PORT" -t "$1" -o beginning -e -q -f '%s\n' | grep -qxF "$2"
}

@test "local-cluster: start, stop, start; each start returns when the broker serves" {
  run lc start
  [ "$status" -eq 0 ]
  [[ $output == *"broker on localhost:$LOCAL_KAFKA_PORT, serving"* ]]
  # serving now, not in a moment
  port_open 127.0.0.1 "$LOCAL_KAFKA_PORT"
  produce_now first "one-$$"

  run lc stop
  [ "$status" -eq 0 ]
  refute port_open 127.0.0.1 "$LOCAL_KAFKA_PORT"
  # the first run's "started" line is still in the broker's log
  grep -qF 'started (kafka.server.KafkaServer)' "$LOCAL_CLUSTER_DIR/logs/server.log"

  run lc start
  [ "$status" -eq 0 ]
  [[ $output == *", serving"* ]]
  port_open 127.0.0.1 "$LOCAL_KAFKA_PORT"
  produce_now second "two-$$"
  # the first run's message survived the restart
  produce_now first "one-$$"
}

@test "local-cluster: start says when the cluster already runs; status shows pids and ports" {
  run lc status
  [ "$status" -eq 0 ]
  [[ $output == *"coordinator (ours): stopped"* ]]
  [[ $output == *"broker: stopped"* ]]

  lc start
  run lc start
  [ "$status" -eq 0 ]
  [[ $output == "already running: coordinator (ours) on localhost:$LOCAL_ZK_PORT (pid "*"), broker on localhost:$LOCAL_KAFKA_PORT (pid "* ]]

  run lc status
  [ "$status" -eq 0 ]
  echo "$output"
  [[ ${lines[0]} == "coordinator (ours): running (pid $(cat "$LOCAL_CLUSTER_DIR/zk.pid")), serving on localhost:$LOCAL_ZK_PORT" ]]
  [[ ${lines[1]} == "broker: running (pid $(cat "$LOCAL_CLUSTER_DIR/kafka.pid")), serving on localhost:$LOCAL_KAFKA_PORT" ]]

  # the broker alone went away: start brings it back and leaves the coordinator
  local zk_pid kafka_pid
  zk_pid=$(cat "$LOCAL_CLUSTER_DIR/zk.pid")
  kafka_pid=$(cat "$LOCAL_CLUSTER_DIR/kafka.pid")
  kill "$kafka_pid"
  wait_for 30 refute pid_alive "$kafka_pid"
  run lc start
  [ "$status" -eq 0 ]
  [[ $(cat "$LOCAL_CLUSTER_DIR/zk.pid") == "$zk_pid" ]]
  produce_now again "three-$$"
}

@test "local-cluster: start refuses a broker port another process holds" {
  "$PY" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(60)' "$LOCAL_KAFKA_PORT" 3>&- &
  local holder=$!
  wait_for 10 port_open 127.0.0.1 "$LOCAL_KAFKA_PORT"
  run lc start
  kill "$holder"
  [ "$status" -eq 1 ]
  [[ $output == *"localhost:$LOCAL_KAFKA_PORT is in use by another process"* ]]
}
