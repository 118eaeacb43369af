#!/usr/bin/env bash
# scripts/local-cluster.sh -- the product on localhost, for trying it at
# once: our coordinator (broker/zookeeper) on :2181 and one broker on :9092.
#
#   scripts/local-cluster.sh start    coordinator on :2181, broker on :9092
#   scripts/local-cluster.sh stop
#   scripts/local-cluster.sh status
# State lives in ${LOCAL_CLUSTER_DIR:-/tmp/kafka-local} (data, logs, pids).
# LOCAL_ZK=apache runs Apache ZooKeeper (Debian's package) instead of ours.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${LOCAL_CLUSTER_DIR:-/tmp/kafka-local}
zk_cp=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar

start() {
  mkdir -p "$dir/zk-data" "$dir/kafka-logs" "$dir/logs"
  [[ -x $top/build/bin/kafka-server && -x $top/build/bin/zookeeper-server ]] || make -C "$top" -j"$(nproc)"
  if ! [[ -s $dir/zk.pid ]] || ! kill -0 "$(cat "$dir/zk.pid")" 2>/dev/null; then
    cat >"$dir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$dir/zk-data
clientPort=2181
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,stat,mntr
CFG
    if [[ ${LOCAL_ZK:-ours} == apache ]]; then
      java -Xmx256m -cp "$zk_cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
        >"$dir/logs/zookeeper.out" 2>&1 </dev/null &
      echo $! >"$dir/zk.pid"
    else
      LOG_DIR=$dir/logs "$top/build/bin/zookeeper-server" "$dir/zoo.cfg" \
        >"$dir/logs/zookeeper.out" 2>&1 </dev/null &
      echo $! >"$dir/zk.pid"
    fi
    for _ in $(seq 60); do
      (exec 3<>/dev/tcp/127.0.0.1/2181) 2>/dev/null && break
      sleep 0.5
    done
  fi
  cat >"$dir/server.properties" <<CFG
broker.id=0
listeners=PLAINTEXT://localhost:9092
log.dirs=$dir/kafka-logs
num.partitions=1
offsets.topic.replication.factor=1
zookeeper.connect=localhost:2181
CFG
  LOG_DIR=$dir/logs "$top/build/bin/kafka-server" --daemon "$dir/server.properties"
  for _ in $(seq 120); do
    grep -q 'started (kafka.server.KafkaServer)' "$dir/logs/server.log" 2>/dev/null && break
    sleep 0.5
  done
  pgrep -n -x kafka-server >"$dir/kafka.pid"
  echo "coordinator (${LOCAL_ZK:-ours}) on localhost:2181, broker on localhost:9092 (logs: $dir/logs/)"
}

stop() {
  for f in kafka zk; do
    if [[ -s $dir/$f.pid ]] && kill -0 "$(cat "$dir/$f.pid")" 2>/dev/null; then
      kill "$(cat "$dir/$f.pid")"
      for _ in $(seq 60); do kill -0 "$(cat "$dir/$f.pid")" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$dir/$f.pid"
  done
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) for f in zk kafka; do
            if [[ -s $dir/$f.pid ]] && kill -0 "$(cat "$dir/$f.pid")" 2>/dev/null; then echo "$f: running"; else echo "$f: stopped"; fi
          done ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 1 ;;
esac
