#!/usr/bin/env bats
# Our coordinator at the protocol level: four-letter words (3.8 formats and
# whitelist), hand-made frames (watch-before-reply order, garbage, oversized,
# unknown opcodes, expired sessions), configuration errors and the
# bin/zookeeper-server-{start,stop}.sh scripts.

load test_helper

setup_file() { coord_start; }
teardown_file() { zk_stop; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then coord_log_tail 30; fi
}

raw() { timeout -k 5 60 "$PY" "$CLIENTS_DIR/zk_raw.py" "$ZK_CONNECT" "$@"; }

@test "ruok, isro, srvr and stat answer in ZooKeeper 3.8's format" {
  [[ $(zk_4lw ruok) == imok ]]
  [[ $(zk_4lw isro) == rw ]]
  run zk_4lw srvr
  [[ ${lines[0]} == "Zookeeper version: 3.8.0-"* ]]
  [[ ${lines[1]} =~ ^Latency\ min/avg/max:\ [0-9]+/[0-9.]+/[0-9]+$ ]]
  [[ ${lines[2]} =~ ^Received:\ [0-9]+$ && ${lines[3]} =~ ^Sent:\ [0-9]+$ ]]
  [[ ${lines[4]} =~ ^Connections:\ [1-9][0-9]*$ && ${lines[5]} == "Outstanding: 0" ]]
  [[ ${lines[6]} =~ ^Zxid:\ 0x[0-9a-f]+$ && ${lines[7]} == "Mode: standalone" ]]
  [[ ${lines[8]} =~ ^Node\ count:\ [0-9]+$ ]]
  # the check Debian's zkServer.sh status does (FourLetterWordMain srvr | grep Mode)
  run timeout -k 5 60 java -cp /usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar \
    org.apache.zookeeper.client.FourLetterWordMain 127.0.0.1 "$ZK_PORT" srvr
  [[ $status -eq 0 && $output == *"Mode: standalone"* ]]
  run zk_4lw stat
  [[ ${lines[1]} == "Clients:" && ${lines[2]} =~ ^\ /127\.0\.0\.1:[0-9]+\[[01]\]\(queued=0,recved=[0-9]+,sent=[0-9]+\)$ ]]
  [[ $output == *"Mode: standalone"* ]]
}

@test "mntr, conf, cons, envi, wchs and dirs" {
  run zk_4lw mntr
  [[ ${lines[0]} == $'zk_version\t3.8.0-'* && ${lines[1]} == $'zk_server_state\tstandalone' ]]
  for k in zk_avg_latency zk_packets_received zk_num_alive_connections zk_znode_count \
    zk_watch_count zk_ephemerals_count zk_approximate_data_size zk_open_file_descriptor_count; do
    grep -q "^$k"$'\t'"[0-9]" <<<"$output"
  done
  run zk_4lw conf
  [[ ${lines[0]} == "clientPort=$ZK_PORT" ]]
  [[ $output == *"dataDir=$ZK_DIR/data/version-2"* && $output == *"tickTime=2000"* ]]
  [[ $output == *"minSessionTimeout=4000"* && $output == *"maxSessionTimeout=40000"* ]]
  run zk_4lw envi
  [[ ${lines[0]} == "Environment:" && ${lines[1]} == "zookeeper.version=3.8.0-"* ]]
  run zk_4lw dirs
  [[ ${lines[0]} =~ ^datadir_size:\ [1-9][0-9]*$ && ${lines[1]} =~ ^logdir_size:\ [0-9]+$ ]]
  # a watching client shows in wchs and cons
  "$PY" - "$ZK_CONNECT" "$ZK_PORT" <<'EOF2'
import socket, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.exists("/w1", watch=lambda e: None); zk.get_children("/", watch=lambda e: None)
def word(w):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[2]))); s.sendall(w)
    out = b""
    while True:
        b = s.recv(4096)
        if not b: return out.decode()
        out += b
wchs, cons = word(b"wchs"), word(b"cons")
assert wchs == "1 connections watching 2 paths\nTotal watches:2\n", repr(wchs)
assert ",sid=0x%x," % zk.client_id[0] in cons and ",lop=GETC," in cons, cons
zk.stop()
EOF2
}

@test "the default whitelist (Kafka's zookeeper.properties) allows only srvr" {
  local dir="$BATS_TEST_TMPDIR/z2" port
  port=$(free_port)
  mkdir -p "$dir"
  sed -e "s|^dataDir=.*|dataDir=$dir/data|" -e "s|^clientPort=.*|clientPort=$port|" \
    "$REPO_ROOT/config/zookeeper.properties" >"$dir/zk.properties"
  LOG_DIR="$dir" "$ZOOKEEPER_SERVER" "$dir/zk.properties" >"$dir/out" 2>&1 3>&- &
  local pid=$!
  wait_for 10 port_open 127.0.0.1 "$port"
  run env ZK_PORT="$port" bash -c "source $BATS_TEST_DIRNAME/test_helper.bash; zk_4lw srvr; zk_4lw ruok; zk_4lw mntr"
  stop_pid "$pid" zk2 10
  [[ $output == *"Mode: standalone"* ]]
  [[ $output == *"ruok is not executed because it is not in the whitelist."* ]]
  [[ $output == *"mntr is not executed because it is not in the whitelist."* ]]
  [[ -s $dir/zookeeper.log ]]
  grep -q ' INFO .*(org.apache.zookeeper' "$dir/zookeeper.log"
}

@test "watch notifications reach the client before the reply that reveals the change" {
  run raw order ping
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "garbage, negative and oversized frames close only that connection" {
  run raw garbage oversized bad_body
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  pid_alive "$(zk_pid)"
  [[ $(zk_4lw ruok) == imok ]]
}

@test "an unknown opcode gets Unimplemented and ends the session" {
  run raw unknown_op
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "expired or unknown sessions get timeOut 0 and are closed; timeouts are clamped" {
  run raw expired_session negotiate
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "setWatches after a reconnect fires what changed since relativeZxid and re-arms the rest" {
  run raw setwatches
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "a session re-attached elsewhere closes its old connection; bad auth closes too" {
  run raw session_moved auth_failed
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "multiRead answers per op, with ErrorResults for failed reads" {
  run raw multi_read
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "maxClientCnxns limits connections per address" {
  zk_stop
  coord_start maxClientCnxns=2
  run "$PY" - "$ZK_PORT" <<'EOF2'
import socket, sys, time
port = int(sys.argv[1])
keep = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
time.sleep(0.3)
third = socket.create_connection(("127.0.0.1", port)); third.settimeout(5)
assert third.recv(10) == b"", "third connection was kept"
print("ok")
EOF2
  zk_stop
  coord_start maxClientCnxns=0
  [[ $output == ok ]]
}

@test "invalid configuration values fail with a message naming the key" {
  local d="$BATS_TEST_TMPDIR"
  printf 'tickTime=abc\ndataDir=%s/x\nclientPort=1\n' "$d" >"$d/bad1.cfg"
  run "$ZOOKEEPER_SERVER" "$d/bad1.cfg"
  [[ $status -ne 0 && $output == *"tickTime"* && $output == *"abc"* ]]
  printf 'clientPort=2181\n' >"$d/bad2.cfg"
  run "$ZOOKEEPER_SERVER" "$d/bad2.cfg"
  [[ $status -ne 0 && $output == *"dataDir is not set"* ]]
  printf 'dataDir=%s/x\nclientPort=70000\n' "$d" >"$d/bad3.cfg"
  run "$ZOOKEEPER_SERVER" "$d/bad3.cfg"
  [[ $status -ne 0 && $output == *"clientPort"* ]]
  printf 'dataDir=%s/x\nclientPort=1\nserver.1=host-without-ports\n' "$d" >"$d/bad4.cfg"
  run "$ZOOKEEPER_SERVER" "$d/bad4.cfg"
  [[ $status -ne 0 && $output == *"server.1"* ]]
  run "$ZOOKEEPER_SERVER" "$d/missing.cfg"
  [[ $status -ne 0 ]]
  # unknown keys only warn (checked on the running server's log)
  grep -q "WARN Unknown configuration key" "$ZK_DIR/zookeeper.out" ||
    grep -q "admin.enableServer is not used" "$ZK_DIR/zookeeper.out"
}

@test "zookeeper-server-start.sh -daemon and zookeeper-server-stop.sh (private PID namespace)" {
  local d="$BATS_TEST_TMPDIR" port
  port=$(free_port)
  printf 'dataDir=%s/data\nclientPort=%s\nclientPortAddress=127.0.0.1\nfooBar=1\n' "$d" "$port" >"$d/zk.properties"
  run timeout -k 5 60 unshare -pf --mount-proc env ZOOKEEPER_SERVER="$ZOOKEEPER_SERVER" \
    LOG_DIR="$d/logs" PY="$PY" PORT="$port" REPO="$REPO_ROOT" CFG="$d/zk.properties" bash -c '
      set -e
      "$REPO/bin/zookeeper-server-start.sh" -daemon "$CFG"
      for i in $(seq 50); do
        "$PY" -c "import socket,sys; socket.create_connection((\"127.0.0.1\", $PORT), timeout=1)" 2>/dev/null && break
        sleep 0.2
      done
      "$REPO/bin/zookeeper-server-stop.sh"
      for i in $(seq 50); do
        pgrep -x zookeeper-serve >/dev/null || { echo stopped; break; }
        sleep 0.2
      done
      "$REPO/bin/zookeeper-server-stop.sh" || echo "second stop: nothing to stop"'
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $output == *stopped* && $output == *"No zookeeper server to stop"* ]]
  grep -q "Unknown configuration key fooBar" "$d/logs/zookeeper.log"
  grep -q "Shutdown complete" "$d/logs/zookeeper.log"
  [[ -f $d/logs/zookeeper.out ]]
  run "$REPO_ROOT/bin/zookeeper-server-start.sh"
  [[ $status -ne 0 && $output == *USAGE* ]]
}
