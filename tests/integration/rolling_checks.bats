#!/usr/bin/env bats
# roles/rolling/files/kafka-rolling-check, the gates of the rolling restart
# and upgrade playbooks, on its own: fake kafka-topics.sh, zookeeper-shell.sh,
# systemctl and ZooKeeper members answer what the real ones answer (their
# outputs as recorded in the lab), and each gate passes, fails with its
# reason, or waits for the state to come right within its --timeout.
# Fast (no daemon); tests/lab/rolling.bats runs the gates for real.

load test_helper

CHECK="$REPO_ROOT/roles/rolling/files/kafka-rolling-check"
ENSEMBLE=zk1:2181,zk2:2181,zk3:2181

setup() {
  FAKE=$BATS_TEST_TMPDIR/fake
  mkdir -p "$FAKE/bin" "$FAKE/srvr"
  export FAKE KAFKA_BIN=$FAKE/bin ROLLING_CHECK_FOURLW=$FAKE/bin/fourlw
  export PATH="$FAKE/bin:$PATH"

  # kafka-topics.sh --describe: the partition lines of $FAKE/describe, with
  # the tool's filters; $FAKE/topics.fail makes it fail as when no broker
  # answers.
  cat >"$FAKE/bin/kafka-topics.sh" <<'EOF'
#!/bin/bash
echo "$*" >>"$FAKE/topics.calls"
if [[ -e $FAKE/topics.fail ]]; then
  echo "[2026-12-07 10:00:00,000] WARN Connection to node -1 (peter-kafka01.foo.bar/10.213.0.21:9092) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)" >&2
  echo "Error while executing topic command : Timed out waiting for a node assignment." >&2
  exit 1
fi
filter=all
for a; do
  case $a in
    --under-replicated-partitions) filter=urp ;;
    --unavailable-partitions) filter=offline ;;
  esac
done
awk -F'\t' -v f=$filter '
  $1 ~ /^Topic: / { if (f == "all") print; next }
  { r = $5; i = $6; sub(/^Replicas: /, "", r); sub(/^Isr: /, "", i)
    nr = split(r, x, ","); ni = (i == "" ? 0 : split(i, y, ","))
    if (f == "all" || (f == "urp" && ni < nr) || (f == "offline" && $4 == "Leader: none")) print }' "$FAKE/describe"
EOF
  # zookeeper-shell.sh ZK get|ls PATH: $FAKE/zk/<path with / as _>, or
  # NoNode as ours and Kafka's print it.
  cat >"$FAKE/bin/zookeeper-shell.sh" <<'EOF'
#!/bin/bash
printf 'Connecting to %s\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n' "$1"
f=$FAKE/zk/$(tr / _ <<<"$3")
if [[ -e $FAKE/zk.fail ]]; then
  echo "Unable to connect to $1" >&2; exit 1
fi
[[ -e $f ]] && { cat "$f"; exit 0; }
echo "org.apache.zookeeper.KeeperException\$NoNodeException: KeeperErrorCode = NoNode for $3" >&2
exit 1
EOF
  # a member's srvr answer: $FAKE/srvr/<host> (absent: no answer)
  cat >"$FAKE/bin/fourlw" <<'EOF'
#!/bin/bash
[[ $3 == srvr && -e $FAKE/srvr/$1 ]] && cat "$FAKE/srvr/$1"
exit 0
EOF
  cat >"$FAKE/bin/systemctl" <<'EOF'
#!/bin/bash
[[ $1 == is-active ]] || exit 1
state=$(cat "$FAKE/unit.$2" 2>/dev/null || echo inactive)
echo "$state"
[[ $state == active ]]
EOF
  chmod +x "$FAKE/bin/"*
  mkdir -p "$FAKE/zk"
  printf '[1, 2, 3]\n' >"$FAKE/zk/_brokers_ids"
  printf '{"version":1,"brokerid":2,"timestamp":"1796638271242"}\n' >"$FAKE/zk/_controller"
  describe_healthy >"$FAKE/describe"
  member zk1 leader 0x100000054
  member zk2 follower 0x100000054
  member zk3 follower 0x100000054
}

# member HOST MODE ZXID: the member's srvr answer, as ours prints it.
member() {
  cat >"$FAKE/srvr/$1" <<EOF
Zookeeper version: 3.8.0-kafka-c, built on 2026-11-21 00:00 UTC
Latency min/avg/max: 0/1.4082/26
Received: 115
Sent: 121
Connections: 2
Outstanding: 0
Zxid: $3
Mode: $2
Node count: 37
EOF
}

T=$'\t'
# describe_healthy: kafka-topics.sh --describe of two RF=3 topics, all in sync.
describe_healthy() {
  cat <<EOF
Topic: t1${T}PartitionCount: 3${T}ReplicationFactor: 3${T}Configs: min.insync.replicas=2,segment.bytes=1073741824
${T}Topic: t1${T}Partition: 0${T}Leader: 1${T}Replicas: 1,2,3${T}Isr: 1,2,3
${T}Topic: t1${T}Partition: 1${T}Leader: 2${T}Replicas: 2,3,1${T}Isr: 2,3,1
${T}Topic: t1${T}Partition: 2${T}Leader: 3${T}Replicas: 3,1,2${T}Isr: 3,1,2
Topic: __consumer_offsets${T}PartitionCount: 2${T}ReplicationFactor: 3${T}Configs: compression.type=producer,cleanup.policy=compact,segment.bytes=104857600
${T}Topic: __consumer_offsets${T}Partition: 0${T}Leader: 2${T}Replicas: 2,3,1${T}Isr: 2,3,1
${T}Topic: __consumer_offsets${T}Partition: 1${T}Leader: 3${T}Replicas: 3,1,2${T}Isr: 3,1,2
EOF
}

# without_isr BROKER [PARTITIONS...]: describe_healthy with BROKER out of the
# ISR of t1's PARTITIONS (of every partition if none are given).
without_isr() {
  local b=$1
  shift
  describe_healthy | awk -F'\t' -v OFS='\t' -v b="$b" -v parts=" $* " '
    $2 ~ /^Topic: / && (parts == "  " || ($2 == "Topic: t1" && index(parts, " " substr($3, 12) " "))) {
      sub(/^Isr: /, "", $6); n = split($6, s, ","); o = ""
      for (i = 1; i <= n; i++) if (s[i] != b) o = o (o == "" ? "" : ",") s[i]
      $6 = "Isr: " o }
    { print }'
}

check() { run "$CHECK" "$@"; echo "$output"; }

@test "rolling check: a healthy cluster passes every gate" {
  check cluster-healthy k1:9092
  [[ $status -eq 0 ]]
  [[ $output == "no under-replicated and no offline partitions" ]]
  check broker-in-sync 3 k1:9092,k2:9092
  [[ $status -eq 0 ]]
  [[ $output == "broker 3 is in the ISR of all its 5 partition(s); no under-replicated and no offline partitions" ]]
  # the tool was asked with the bootstrap list it was given
  grep -q -- '--bootstrap-server k1:9092,k2:9092 --describe --under-replicated-partitions' "$FAKE/topics.calls"
  check broker-registered 2 zk1:2181
  [[ $status -eq 0 ]]
  [[ $output == "broker 2 is registered (/brokers/ids is [1, 2, 3])" ]]
  check controller zk1:2181/kafka
  [[ $status -eq 0 ]]
  [[ $output == 2 ]]
  check zk-leader "$ENSEMBLE"
  [[ $status -eq 0 ]]
  [[ $output == zk1 ]]
  check zk-follows zk3 "$ENSEMBLE"
  [[ $status -eq 0 ]]
  [[ $output == "zk3 follows zk1 (epoch 1; zk1:2181 leader, zk2:2181 follower, zk3:2181 follower)" ]]
  check zk-follows zk1 "$ENSEMBLE"
  [[ $status -eq 0 ]]
  [[ $output == "zk1 leads the ensemble"* ]]
  check zk-mode zk2:2181
  [[ $output == follower ]]
  echo active >"$FAKE/unit.kafka-server"
  check service-active kafka-server
  [[ $status -eq 0 ]]
}

@test "rolling check: under-replicated or offline partitions fail the cluster gate, naming them" {
  without_isr 3 1 >"$FAKE/describe"
  check cluster-healthy k1:9092
  [[ $status -eq 1 ]]
  [[ $output == *"cluster-healthy: 1 under-replicated partition(s): t1-1 (leader 2, replicas 2,3,1, isr 2,1)"* ]]
  [[ $output == *"(after 1 attempt(s) in 0 s)" ]]

  describe_healthy | sed 's/Partition: 2\tLeader: 3\tReplicas: 3,1,2\tIsr: 3,1,2/Partition: 2\tLeader: none\tReplicas: 3,1,2\tIsr: 3/' >"$FAKE/describe"
  check cluster-healthy k1:9092
  [[ $status -eq 1 ]]
  [[ $output == *"1 offline partition(s): t1-2 (leader none, replicas 3,1,2, isr 3)"* ]]

  # many: three named and how many more
  without_isr 1 >"$FAKE/describe"
  check cluster-healthy k1:9092
  [[ $status -eq 1 ]]
  [[ $output == *"5 under-replicated partition(s): t1-0 (leader 1, replicas 1,2,3, isr 2,3), t1-1"*", t1-2 "*" and 2 more"* ]]
}

@test "rolling check: a broker out of the ISR of one of its partitions fails the in-sync gate" {
  without_isr 2 2 >"$FAKE/describe"
  check broker-in-sync 2 k1:9092
  [[ $status -eq 1 ]]
  [[ $output == *"broker-in-sync: broker 2 is not in the ISR of 1 of its 5 partition(s): t1-2 (leader 3, replicas 3,1,2, isr 3,1)"* ]]
  # the other brokers are in sync there, but the cluster is not healthy
  check broker-in-sync 1 k1:9092
  [[ $status -eq 1 ]]
  [[ $output == *"1 under-replicated partition(s): t1-2"* ]]
  # broker 13 is not broker 1: t1-0 on 13,2,3 is not one of broker 1's partitions
  describe_healthy | sed 's/Replicas: 1,2,3\tIsr: 1,2,3/Replicas: 13,2,3\tIsr: 13,2,3/' >"$FAKE/describe"
  check broker-in-sync 1 k1:9092
  [[ $status -eq 0 ]]
  [[ $output == "broker 1 is in the ISR of all its 4 partition(s);"* ]]
}

@test "rolling check: a tool that cannot reach the cluster fails the gate, never passes it" {
  touch "$FAKE/topics.fail"
  check cluster-healthy k1:9092
  [[ $status -eq 1 ]]
  [[ $output == *"kafka-topics.sh --describe --unavailable-partitions failed (exit 1): Error while executing topic command : Timed out waiting for a node assignment."* ]]
  check broker-in-sync 1 k1:9092
  [[ $status -eq 1 ]]
  [[ $output == *"failed (exit 1)"* ]]
  touch "$FAKE/zk.fail"
  check broker-registered 1 zk1:2181
  [[ $status -eq 1 ]]
  [[ $output == *"zookeeper-shell.sh zk1:2181 ls /brokers/ids failed (exit 1): Unable to connect to zk1:2181"* ]]
}

@test "rolling check: an unregistered broker and a cluster without a controller" {
  printf '[1, 3]\n' >"$FAKE/zk/_brokers_ids"
  check broker-registered 2 zk1:2181
  [[ $status -eq 1 ]]
  [[ $output == *"broker 2 is not registered (/brokers/ids is [1, 3])"* ]]
  # 1 is registered, and "1" inside "[11, 3]" would not count
  check broker-registered 1 zk1:2181
  [[ $status -eq 0 ]]
  printf '[11, 3]\n' >"$FAKE/zk/_brokers_ids"
  check broker-registered 1 zk1:2181
  [[ $status -eq 1 ]]
  rm "$FAKE/zk/_controller"
  check controller zk1:2181
  [[ $status -eq 1 ]]
  [[ $output == *"the cluster has no controller (/controller does not exist)"* ]]
}

@test "rolling check: the ensemble gates name a silent member, a second leader, a stale epoch" {
  rm "$FAKE/srvr/zk2"
  check zk-follows zk3 "$ENSEMBLE"
  [[ $status -eq 1 ]]
  [[ $output == *"zk-follows: zk2:2181 does not answer srvr"* ]]

  echo "This ZooKeeper instance is not currently serving requests" >"$FAKE/srvr/zk2"
  check zk-follows zk3 "$ENSEMBLE"
  [[ $status -eq 1 ]]
  [[ $output == *"zk2:2181 is not serving: This ZooKeeper instance is not currently serving requests"* ]]

  echo "srvr is not executed because it is not in the whitelist." >"$FAKE/srvr/zk2"
  check zk-follows zk3 "$ENSEMBLE"
  [[ $output == *"zk2:2181 does not allow srvr (4lw.commands.whitelist)"* ]]

  member zk2 follower 0x100000054
  member zk3 leader 0x100000060
  check zk-leader "$ENSEMBLE"
  [[ $status -eq 1 ]]
  [[ $output == *"the ensemble has 2 leaders (zk1:2181 leader, zk2:2181 follower, zk3:2181 leader)"* ]]

  member zk1 follower 0x100000054
  member zk3 looking 0x100000054
  check zk-leader "$ENSEMBLE"
  [[ $output == *"the ensemble has no leader"* ]]

  # zk3 still in the old epoch: not yet following the new leader zk2
  member zk2 leader 0x200000001
  member zk1 follower 0x200000001
  member zk3 follower 0x100000054
  check zk-follows zk3 "$ENSEMBLE"
  [[ $status -eq 1 ]]
  [[ $output == *"zk3 is in epoch 1, the leader zk2 in 2"* ]]
  check zk-follows zk1 "$ENSEMBLE"
  [[ $status -eq 0 ]]
  [[ $output == "zk1 follows zk2 (epoch 2;"* ]]

  check zk-follows zk9 "$ENSEMBLE"
  [[ $status -eq 2 ]]
  [[ $output == *"zk9 is not a member of $ENSEMBLE"* ]]
}

@test "rolling check: a gate waits within its timeout for the state to come right" {
  without_isr 3 >"$FAKE/describe"
  (sleep 3; describe_healthy >"$FAKE/describe.new"; mv "$FAKE/describe.new" "$FAKE/describe") &
  local bg=$! t0=$SECONDS
  check --timeout 20 --interval 1 broker-in-sync 3 k1:9092
  [[ $status -eq 0 ]]
  [[ $output == "broker 3 is in the ISR of all its 5 partition(s)"* ]]
  (( SECONDS - t0 >= 2 && SECONDS - t0 < 15 ))
  wait "$bg"

  # and gives up at the bound, with the last reason and how long it tried
  rm "$FAKE/srvr/zk1"
  t0=$SECONDS
  check --timeout 3 --interval 1 zk-follows zk2 "$ENSEMBLE"
  [[ $status -eq 1 ]]
  [[ $output == *"zk1:2181 does not answer srvr (after "*" attempt(s) in "[2-4]" s)" ]]
  (( SECONDS - t0 >= 2 && SECONDS - t0 <= 6 ))

  echo activating >"$FAKE/unit.kafka-server"
  (sleep 2; echo active >"$FAKE/unit.kafka-server") &
  bg=$!
  check --timeout 10 --interval 1 service-active kafka-server
  [[ $status -eq 0 ]]
  wait "$bg"
}

@test "rolling check: usage errors exit 2" {
  check
  [[ $status -eq 2 ]]
  check no-such-gate
  [[ $status -eq 2 ]]
  [[ $output == *"unknown gate no-such-gate"* ]]
  check --timeout soon cluster-healthy k1:9092
  [[ $status -eq 2 ]]
  check broker-in-sync 1
  [[ $status -eq 2 ]]
}
