#!/usr/bin/env bash
# scripts/local-cluster.sh -- the product on localhost, for trying it at
# once: our coordinator (broker/zookeeper) on :2181 and one broker on :9092.
#
#   scripts/local-cluster.sh start    coordinator on :2181, broker on :9092;
#                                     returns when this broker serves (its
#                                     "started" line and an answer on :9092),
#                                     or says what is already running
#   scripts/local-cluster.sh stop
#   scripts/local-cluster.sh status   what runs, its pid and ports
# State lives in ${LOCAL_CLUSTER_DIR:-/tmp/kafka-local} (data, logs, pids).
# LOCAL_ZK=apache runs Apache ZooKeeper (Debian's package) instead of ours.
# LOCAL_ZK_PORT / LOCAL_KAFKA_PORT change the ports (default 2181 / 9092);
# BUILD the build directory (default build).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-build}
[[ $build == /* ]] || build=$top/$build
dir=${LOCAL_CLUSTER_DIR:-/tmp/kafka-local}
zk_port=${LOCAL_ZK_PORT:-2181}
kafka_port=${LOCAL_KAFKA_PORT:-9092}
zk_cp=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar
STARTED='started (kafka.server.KafkaServer)'

# alive NAME: NAME's pid file names a running process (not a zombie that
# no one reaped yet).
alive() {
  local stat
  [[ -s $dir/$1.pid ]] && stat=$(cat "/proc/$(cat "$dir/$1.pid")/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# answers PORT: something accepts TCP connections on localhost:PORT.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

zk_name() { echo "coordinator ($(cat "$dir/zk.impl" 2>/dev/null || echo "${LOCAL_ZK:-ours}"))"; }

start_zk() {
  if alive zk; then return; fi
  if answers "$zk_port"; then
    echo "localhost:$zk_port is in use by another process: stop it or set LOCAL_ZK_PORT" >&2
    exit 1
  fi
  cat >"$dir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$dir/zk-data
clientPort=$zk_port
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,stat,mntr
CFG
  echo "${LOCAL_ZK:-ours}" >"$dir/zk.impl"
  if [[ ${LOCAL_ZK:-ours} == apache ]]; then
    setsid java -Xmx256m -cp "$zk_cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
      >"$dir/logs/zookeeper.out" 2>&1 </dev/null &
  else
    LOG_DIR=$dir/logs setsid "$build/bin/zookeeper-server" "$dir/zoo.cfg" \
      >"$dir/logs/zookeeper.out" 2>&1 </dev/null &
  fi
  echo $! >"$dir/zk.pid"
  for _ in $(seq 60); do
    answers "$zk_port" && return
    alive zk || break
    sleep 0.5
  done
  echo "$(zk_name) did not start on localhost:$zk_port; its output ($dir/logs/zookeeper.out):" >&2
  tail -n 20 "$dir/logs/zookeeper.out" >&2
  exit 1
}

# The broker runs in the foreground of its own session, so that its pid is
# known and its console output (kafkaServer.out, truncated here) holds this
# start's lines only: the "started" line found there is this broker's.
start_kafka() {
  if answers "$kafka_port"; then
    echo "localhost:$kafka_port is in use by another process: stop it or set LOCAL_KAFKA_PORT" >&2
    exit 1
  fi
  cat >"$dir/server.properties" <<CFG
broker.id=0
listeners=PLAINTEXT://localhost:$kafka_port
log.dirs=$dir/kafka-logs
num.partitions=1
offsets.topic.replication.factor=1
zookeeper.connect=localhost:$zk_port
CFG
  local out=$dir/logs/kafkaServer.out
  LOG_DIR=$dir/logs setsid "$build/bin/kafka-server" "$dir/server.properties" >"$out" 2>&1 </dev/null &
  echo $! >"$dir/kafka.pid"
  for _ in $(seq 120); do
    if grep -qF "$STARTED" "$out" && answers "$kafka_port"; then return; fi
    if ! alive kafka; then
      echo "the broker exited while starting; its output ($out):" >&2
      tail -n 20 "$out" >&2
      rm -f "$dir/kafka.pid"
      exit 1
    fi
    sleep 0.5
  done
  echo "the broker did not serve on localhost:$kafka_port within 60 s; its output ($out):" >&2
  tail -n 20 "$out" >&2
  exit 1
}

start() {
  mkdir -p "$dir/zk-data" "$dir/kafka-logs" "$dir/logs"
  if alive zk && alive kafka; then
    echo "already running: $(zk_name) on localhost:$zk_port (pid $(cat "$dir/zk.pid")), broker on localhost:$kafka_port (pid $(cat "$dir/kafka.pid")); 'scripts/local-cluster.sh stop' stops them"
    return
  fi
  [[ -x $build/bin/kafka-server && -x $build/bin/zookeeper-server ]] || make -C "$top" -j"$(nproc)" BUILD="$build"
  start_zk
  alive kafka || start_kafka
  echo "$(zk_name) on localhost:$zk_port, broker on localhost:$kafka_port, serving (logs: $dir/logs/)"
}

stop() {
  for f in kafka zk; do
    if alive "$f"; then
      kill "$(cat "$dir/$f.pid")"
      for _ in $(seq 60); do alive "$f" || break; sleep 0.5; done
    fi
    rm -f "$dir/$f.pid"
  done
}

status() {
  local f name port
  for f in zk kafka; do
    if [[ $f == zk ]]; then name=$(zk_name) port=$zk_port; else name=broker port=$kafka_port; fi
    if alive "$f"; then
      if answers "$port"; then
        echo "$name: running (pid $(cat "$dir/$f.pid")), serving on localhost:$port"
      else
        echo "$name: running (pid $(cat "$dir/$f.pid")), not answering on localhost:$port yet"
      fi
    else
      echo "$name: stopped"
    fi
  done
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 1 ;;
esac
