#!/usr/bin/env bats
# The test harness itself: ZooKeeper from Debian's package starts, answers,
# is usable by a real client (kazoo), and stops; the helpers behave.
# Needs no broker.

load test_helper

setup_file() {
  zk_start
}

teardown_file() {
  stop_all
}

@test "zookeeper: answers srvr in standalone mode on 127.0.0.1" {
  run zk_4lw srvr
  [ "$status" -eq 0 ]
  echo "$output"
  [[ $output == *"Zookeeper version: 3.8"* ]]
  [[ $output == *"Mode: standalone"* ]]
  [[ $ZK_CONNECT == "127.0.0.1:$ZK_PORT" ]]
  run zk_4lw ruok
  [ "$output" = "imok" ]
}

@test "zookeeper: kazoo creates, reads and deletes a znode (chroot too)" {
  zk_cmd create /harness/a/b "hello"
  run zk_cmd get /harness/a/b
  [ "$status" -eq 0 ]
  [ "$output" = "hello" ]
  run zk_cmd children /harness/a
  [ "$output" = "b" ]
  zk_cmd --chroot /harness create /c "x"
  run zk_cmd exists /harness/c
  [ "$status" -eq 0 ]
  zk_cmd delete /harness
  run zk_cmd exists /harness
  [ "$status" -eq 1 ]
}

@test "harness: free_port gives distinct bindable ports below the ephemeral range" {
  local a b lo
  a=$(free_port)
  b=$(free_port)
  [ "$a" != "$b" ]
  [ "$a" != "$ZK_PORT" ]
  lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range)
  ((a < lo && b < lo))
  refute port_open 127.0.0.1 "$a"
  port_open 127.0.0.1 "$ZK_PORT"
}

@test "harness: wait_for polls until success and gives up after its timeout" {
  local f="$BATS_TEST_TMPDIR/flag"
  (sleep 1 && touch "$f") 3>&- &
  wait_for 10 test -e "$f"
  local t0=$SECONDS
  run wait_for 1 false
  [ "$status" -eq 1 ]
  [[ $output == *"timed out after 1s"* ]]
  ((SECONDS - t0 < 5))
}

@test "harness: broker_start fails fast and clearly when the binary is missing" {
  KAFKA_SERVER="$BATS_TEST_TMPDIR/no-such-kafka-server" run broker_start
  [ "$status" -eq 1 ]
  [[ $output == *"broker binary not found"* ]]
}

@test "harness: server.properties defaults are overridden, never duplicated" {
  mkdir -p "$BATS_TEST_TMPDIR/broker"
  ZK_CHROOT=/chroot _broker_write_properties "$BATS_TEST_TMPDIR/broker" 12345 num.partitions=3 log.segment.bytes=1024
  local props="$BATS_TEST_TMPDIR/broker/server.properties"
  cat "$props"
  [ "$(grep -c '^num.partitions=' "$props")" -eq 1 ]
  grep -qx 'num.partitions=3' "$props"
  grep -qx 'log.segment.bytes=1024' "$props"
  grep -qx 'listeners=PLAINTEXT://127.0.0.1:12345' "$props"
  grep -qx 'advertised.listeners=PLAINTEXT://127.0.0.1:12345' "$props"
  grep -qx "zookeeper.connect=$ZK_CONNECT/chroot" "$props"
  grep -qx 'broker.id=1' "$props"
  grep -qx "log.dirs=$BATS_TEST_TMPDIR/broker/data" "$props"
  run _broker_write_properties "$BATS_TEST_TMPDIR/broker" 12345 notkeyvalue
  [ "$status" -eq 1 ]
}

@test "harness: a client with no broker listening fails fast with 'cannot connect'" {
  local port
  port=$(free_port)
  local t0=$SECONDS
  run kconfluent 60 check --bootstrap "127.0.0.1:$port"
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"cannot connect"* ]]
  run kpy 60 check --bootstrap "127.0.0.1:$port"
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"cannot connect"* ]]
  run kjs 60 check --bootstrap "127.0.0.1:$port"
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"cannot connect"* ]]
  run kraw 60 check --bootstrap "127.0.0.1:$port"
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"cannot connect"* ]]
  ((SECONDS - t0 < 120))
}

@test "zookeeper: zk_stop stops it by PID" {
  local pid
  pid=$(zk_pid)
  pid_alive "$pid"
  zk_stop
  refute pid_alive "$pid"
  refute port_open 127.0.0.1 "$ZK_PORT"
  # leave one running for teardown_file to stop again (idempotent)
  zk_start
  zk_ok
}
