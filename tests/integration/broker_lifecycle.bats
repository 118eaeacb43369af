#!/usr/bin/env bats
# The broker daemon's life: configuration errors, start-up lines, its
# registration in ZooKeeper, clean shutdown with checkpoints, restart after
# kill -9 with every acknowledged message intact, and hostile input.

load test_helper

setup_file() {
  zk_start
  broker_start
}

teardown_file() {
  stop_all
}

@test "an invalid value stops the broker with an error naming the key" {
  printf 'broker.id=1\nnum.partitions=abc\nzookeeper.connect=%s\n' "$ZK_CONNECT" \
    >"$BATS_TEST_TMPDIR/bad.properties"
  run env LOG_DIR="$BATS_TEST_TMPDIR/logs" "$KAFKA_SERVER" "$BATS_TEST_TMPDIR/bad.properties"
  [ "$status" -ne 0 ]
  [[ $output == *"num.partitions"* ]]
}

@test "start-up is logged in log4j layout" {
  grep -q "started (kafka.server.KafkaServer)" "$BROKER_DIR/logs/server.log"
  grep -qE '^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3}\] INFO \[KafkaServer id=1\] started \(kafka.server.KafkaServer\)$' \
    "$BROKER_DIR/logs/server.log"
}

@test "the broker registers itself and the cluster id in ZooKeeper" {
  run "$PY" "$CLIENTS_DIR/zk_inspect.py" --zk "$ZK_CONNECT" get /brokers/ids/1
  [ "$status" -eq 0 ]
  [[ $output == *"\"endpoints\":[\"PLAINTEXT://127.0.0.1:$BROKER_PORT\"]"* ]]
  run "$PY" "$CLIENTS_DIR/zk_inspect.py" --zk "$ZK_CONNECT" get /cluster/id
  [[ $output == *'"version":"1"'* ]]
  grep -q "cluster.id=" "$BROKER_DIR/data/meta.properties"
}

@test "topics are created in ZooKeeper with Kafka's layout" {
  printf 'a\nb\n' | kcat -b "$BROKER" -P -t layout-t
  run "$PY" "$CLIENTS_DIR/zk_inspect.py" --zk "$ZK_CONNECT" get /brokers/topics/layout-t
  [[ $output == *'"partitions":{"0":[1]}'* ]]
  run "$PY" "$CLIENTS_DIR/zk_inspect.py" --zk "$ZK_CONNECT" get /brokers/topics/layout-t/partitions/0/state
  [[ $output == *'"leader":1'* && $output == *'"isr":[1]'* ]]
  [ -f "$BROKER_DIR/data/layout-t-0/00000000000000000000.log" ]
  [ -f "$BROKER_DIR/data/layout-t-0/00000000000000000000.index" ]
  [ -f "$BROKER_DIR/data/layout-t-0/00000000000000000000.timeindex" ]
}

@test "kill -9 and restart keep every acknowledged message and offsets continue" {
  seq 1 20000 | kcat -b "$BROKER" -P -t crash-t -X acks=1
  broker_kill9
  broker_restart
  run bash -c "kcat -b $BROKER -C -t crash-t -e -o beginning -q | wc -l"
  [ "$output" -eq 20000 ]
  echo more | kcat -b "$BROKER" -P -t crash-t
  run kcat -b "$BROKER" -C -t crash-t -o -1 -e -q -f '%o\n'
  [ "$output" = "20000" ]
}

@test "a clean stop writes the checkpoints and the clean-shutdown marker" {
  echo x | kcat -b "$BROKER" -P -t ckpt-t
  broker_stop
  [ -f "$BROKER_DIR/data/.kafka_cleanshutdown" ]
  grep -q '^ckpt-t 0 1$' "$BROKER_DIR/data/recovery-point-offset-checkpoint"
  grep -q '^ckpt-t 0 1$' "$BROKER_DIR/data/replication-offset-checkpoint"
  grep -q "shut down completed" "$BROKER_DIR/logs/server.log"
  broker_start
  [ ! -f "$BROKER_DIR/data/.kafka_cleanshutdown" ]
  run kcat -b "$BROKER" -C -t ckpt-t -e -o beginning -q
  [ "$output" = "x" ]
}

@test "an oversized request closes that connection and the broker serves others" {
  run "$PY" - "$BROKER_PORT" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(struct.pack(">i", 200 * 1024 * 1024) + b"\0" * 64)
print("closed" if s.recv(10) == b"" else "open")
PY
  [ "$output" = "closed" ]
  grep -q "socket.request.max.bytes" "$BROKER_DIR/logs/server.log"
  run kcat -b "$BROKER" -L
  [ "$status" -eq 0 ]
  assert_broker_alive
}
