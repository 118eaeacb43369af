#!/usr/bin/env bats
# socket.send.buffer.bytes and socket.receive.buffer.bytes are applied to
# the sockets of accepted client connections as Kafka's Acceptor does
# (SO_SNDBUF / SO_RCVBUF, which Linux doubles for its bookkeeping and then
# keeps fixed); -1 leaves them to the kernel's autotuning. Read with
# `ss -tm` on the broker's side of an idle client connection.

load test_helper

setup_file() { zk_start; }
teardown_file() { stop_all; }
teardown() {
  [[ -n ${HOLDER:-} ]] && kill "$HOLDER" 2>/dev/null && wait "$HOLDER" 2>/dev/null
  show_logs_on_failure
}

# skmem FIELD: rb or tb of the broker's end of the connection HOLDER holds
skmem() {
  ss -tmnH state established "( sport = :$BROKER_PORT )" |
    sed -n "s/.*skmem:(.*[(,]$1\([0-9]*\),.*/\1/p" | head -n1
}

# hold_connection: an idle client connection to the broker (HOLDER)
hold_connection() {
  "$PY" -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)' "$BROKER_PORT" &
  HOLDER=$!
  wait_for 10 eval '[[ -n $(skmem rb) ]]'
}

@test "socket buffers: Kafka's defaults, explicit sizes, and -1 for the kernel's autotuning" {
  local rmem wmem
  broker_start
  hold_connection
  note "defaults (102400): rb=$(skmem rb) tb=$(skmem tb)"
  [[ $(skmem rb) -eq 204800 && $(skmem tb) -eq 204800 ]]
  kill "$HOLDER" && wait "$HOLDER" 2>/dev/null || true
  kcat_smoke "$(unique_topic buffers)"
  broker_stop

  broker_start socket.send.buffer.bytes=65536 socket.receive.buffer.bytes=262144
  hold_connection
  note "send 65536, receive 262144: rb=$(skmem rb) tb=$(skmem tb)"
  [[ $(skmem rb) -eq 524288 && $(skmem tb) -eq 131072 ]]
  kill "$HOLDER" && wait "$HOLDER" 2>/dev/null || true
  kcat_smoke "$(unique_topic buffers)"
  broker_stop

  broker_start socket.send.buffer.bytes=-1 socket.receive.buffer.bytes=-1
  hold_connection
  read -r _ rmem _ </proc/sys/net/ipv4/tcp_rmem
  read -r _ wmem _ </proc/sys/net/ipv4/tcp_wmem
  note "-1: rb=$(skmem rb) tb=$(skmem tb) (tcp_rmem default $rmem, tcp_wmem default $wmem)"
  # the receive buffer starts at tcp_rmem's default; the kernel sizes the
  # send buffer itself from tcp_wmem's default upwards (large on loopback)
  [[ $(skmem rb) -eq $rmem && $(skmem tb) -ge $wmem && $(skmem tb) -ne 204800 ]]
  kcat_smoke "$(unique_topic buffers)"
}
