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
  if [[ -n ${HOLDER:-} ]]; then kill "$HOLDER" 2>/dev/null || true; fi
  show_logs_on_failure
}

# skmem FIELD: rb or tb of the broker's end of the connection HOLDER holds
skmem() {
  ss -tmnH state established "( sport = :$BROKER_PORT )" |
    sed -n "s/.*skmem:(.*[(,]$1\([0-9]*\),.*/\1/p" | head -n1
}

# hold_connection: an idle client connection to the broker (HOLDER)
hold_connection() {
  if [[ -n ${HOLDER:-} ]]; then
    kill "$HOLDER" 2>/dev/null || true
    wait "$HOLDER" 2>/dev/null || true
  fi
  "$PY" -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)' "$BROKER_PORT" &
  HOLDER=$!
  wait_for 10 eval '[[ -n $(skmem rb) ]]'
}

# serve_with OVERRIDES...: the broker (re)started with these overrides and
# one idle client connection held to it
serve_with() {
  broker_stop
  broker_start "$@"
  hold_connection
  note "${*:-defaults}: rb=$(skmem rb) tb=$(skmem tb)"
}

@test "socket buffers: Kafka's defaults, explicit sizes, and -1 for the kernel's autotuning" {
  local rmem wmem
  serve_with # socket.{send,receive}.buffer.bytes=102400
  [[ $(skmem rb) -eq 204800 && $(skmem tb) -eq 204800 ]]
  kcat_smoke "$(unique_topic buffers)"

  serve_with socket.send.buffer.bytes=65536 socket.receive.buffer.bytes=262144
  [[ $(skmem rb) -eq 524288 && $(skmem tb) -eq 131072 ]]
  kcat_smoke "$(unique_topic buffers)"

  serve_with socket.send.buffer.bytes=-1 socket.receive.buffer.bytes=-1
  read -r _ rmem _ </proc/sys/net/ipv4/tcp_rmem
  read -r _ wmem _ </proc/sys/net/ipv4/tcp_wmem
  # the receive buffer starts at tcp_rmem's default; the kernel sizes the
  # send buffer itself from tcp_wmem's default upwards (large on loopback)
  [[ $(skmem rb) -eq $rmem && $(skmem tb) -ge $wmem && $(skmem tb) -ne 204800 ]]
  kcat_smoke "$(unique_topic buffers)"
}
