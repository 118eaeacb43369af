#!/usr/bin/env bats
# Preferred leaders: after a broker's bounce its partitions are led
# elsewhere; kafka-leader-election.sh (ElectLeaders at the controller)
# brings them back at once, and auto.leader.rebalance.enable does it by
# itself after leader.imbalance.check.interval.seconds; acks=all producers
# lose nothing meanwhile (tests/clients/acked_checker.py).

load test_helper
load cluster_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  cluster_start 3 zookeeper.session.timeout.ms=6000 replica.lag.time.max.ms=3000 \
    min.insync.replicas=2 controlled.shutdown.retry.backoff.ms=500 \
    auto.leader.rebalance.enable=false
}

teardown_file() {
  cluster_stop_all
  zk_stop
}

teardown() { cluster_show_logs_on_failure; }

# preferred_p TOPIC BROKER: the partition whose first replica is BROKER.
preferred_p() {
  local p
  for p in 0 1 2; do
    [[ $(ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --describe --topic "$1" |
      awk -v p="$p" '$4 == p { print $8 }' | cut -d, -f1) == "$2" ]] && { echo "$p"; return; }
  done
  return 1
}

# bounce BROKER: kafka-server-stop (controlled shutdown), start again, ISR full.
bounce() {
  local t=$1 x=$2 p
  cluster_broker_stop "$x" 60
  cluster_broker_start "$x"
  for p in 0 1 2; do cluster_wait_isr "$t" "$p" 1,2,3 30; done
}

@test "kafka-leader-election.sh --election-type preferred: the bounced broker leads its preferred partitions again, under acks=all load" {
  local t d=$BATS_TEST_TMPDIR x p
  t=$(rf3_topic pref)
  x=2
  p=$(preferred_p "$t" "$x")
  kchecker 120 produce --bootstrap "$(cluster_bootstrap)" --topic "$t" --producer-id rd \
    --count 2000 --rate 200 --max-seconds 60 --partitions 3 --message-timeout 60 \
    --acked "$d/rd.acked" --failed "$d/rd.failed" >"$d/rd.out" 2>&1 &
  local rd=$!
  wait_for 20 lines_at_least "$d/rd.acked" 200
  bounce "$t" "$x"
  # led elsewhere after the bounce (no automatic rebalance here)
  [ "$(cluster_leader "$t" "$p")" != "$x" ]
  local e0
  e0=$(cluster_epoch "$t" "$p")
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" \
    --election-type preferred --all-topic-partitions
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == "Successfully completed leader election (PREFERRED) for partitions "*"$t-$p"* ]]
  [ "$(cluster_leader "$t" "$p")" = "$x" ]
  [ "$(cluster_epoch "$t" "$p")" -eq $((e0 + 1)) ]
  # once more: nothing to do; a single partition prints 2.5's line
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" \
    --election-type preferred --topic "$t" --partition "$p"
  [ "$status" -eq 0 ]
  [ "$output" = "Valid replica already elected for partitions " ]
  local rc=0
  wait "$rd" || rc=$?
  cat "$d/rd.out"
  [ "$rc" -eq 0 ]
  run kchecker 60 verify --bootstrap "$(cluster_bootstrap)" --topic "$t" --acked "$d/rd.acked" \
    --failed "$d/rd.failed"
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -s "$d/rd.failed" ]
}

@test "kafka-leader-election.sh: a preferred replica out of the ISR is refused with Kafka's error and exit 1; usage errors; --path-to-json-file" {
  local t x p
  t=$(rf3_topic refuse)
  x=3
  p=$(preferred_p "$t" "$x")
  cluster_broker_pause "$x"
  wait_for 20 leader_not "$t" "$p" "$x"
  cluster_wait_isr "$t" "$p" 1,2 20 || true
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" \
    --election-type preferred --topic "$t" --partition "$p"
  cluster_broker_resume "$x"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"Error completing leader election (PREFERRED) for partition: $t-$p: org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: Failed to elect leader for partition $t-$p under strategy PreferredReplicaPartitionLeaderElectionStrategy"* ]]
  [[ $output == *'Exception in thread "main" kafka.common.AdminCommandFailedException: 1 replica(s) could not be elected'* ]]
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" --all-topic-partitions
  [ "$status" -eq 1 ]
  [[ $output == *"Missing required option(s) [election-type]"* ]]
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" --election-type preferred
  [ "$status" -eq 1 ]
  [[ $output == *"Missing required option(s) [all-topic-partitions]"* ]]
  for p in 0 1 2; do cluster_wait_isr "$t" "$p" 1,2,3 30; done
  # --path-to-json-file: Kafka's exceptions for bad files, a good one elects its partitions
  local json=$BATS_TEST_TMPDIR/election.json
  printf '{"partitions": [{"topic": "%s", "partition": 1}, {"topic": "%s", "partition": 1}]}' "$t" "$t" >"$json"
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" --election-type preferred --path-to-json-file "$json"
  [ "$status" -eq 1 ]
  [[ $output == *"kafka.admin.AdminOperationException: Replica election data contains duplicate partitions: $t-1"* ]]
  printf '{"partitions": [{"topic": "%s", "partition": 4294967296}]}' "$t" >"$json"
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" --election-type preferred --path-to-json-file "$json"
  [ "$status" -eq 1 ]
  [[ $output == *'kafka.utils.json.JsonMappingException: No such field exists: `partition`'* ]]
  printf '{"partitions": [{"topic": "%s", "partition": 0},\n {"topic": "%s", "partition": 2}]}\n' "$t" "$t" >"$json"
  run ktool kafka-leader-election.sh --bootstrap-server "$(cluster_bootstrap)" --election-type preferred --path-to-json-file "$json"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"Successfully completed leader election (PREFERRED) for partitions"* ||
     $output == *"Valid replica already elected for partitions"* ]]
}

# no_election_znode: the controller has deleted /admin/preferred_replica_election.
no_election_znode() { ! zk_cmd exists /admin/preferred_replica_election; }

DEPRECATED="This tool is deprecated. Please use kafka-leader-election tool. Tracking issue: KAFKA-8405"

@test "kafka-preferred-replica-election.sh --zookeeper: the controller acts on /admin/preferred_replica_election, moves leadership back after a bounce and deletes it" {
  local t d=$BATS_TEST_TMPDIR c
  t=$(rf3_topic zkpref 3 1:2:3,2:3:1,3:1:2)
  bounce "$t" 2
  [ "$(cluster_leader "$t" 1)" != 2 ]
  printf '{"partitions":[{"topic":"%s","partition":1},{"topic":"%s","partition":7}]}' "$t" "$t" >"$d/p.json"
  # the controller held still: the request waits in ZooKeeper, a second one is refused
  c=$(cluster_controller)
  cluster_broker_pause "$c"
  run --separate-stderr ktool kafka-preferred-replica-election.sh --zookeeper "$ZK_CONNECT" \
    --path-to-json-file "$d/p.json"
  [ "$status" -eq 0 ]
  [ "$output" = "$DEPRECATED
Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.
Use --bootstrap-server instead to specify a broker to connect to.
Created preferred replica election path with $t-1
Successfully started preferred replica election for partitions Set($t-1)
Skipping preferred replica leader election for partition $t-7 since it doesn't exist." ]
  [ "$(zk_cmd get /admin/preferred_replica_election)" = "{\"version\":1,\"partitions\":[{\"topic\":\"$t\",\"partition\":1}]}" ]
  run --separate-stderr ktool kafka-preferred-replica-election.sh --zookeeper "$ZK_CONNECT"
  cluster_broker_resume "$c"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Exception in thread "main" kafka.common.AdminCommandFailedException: Admin command failed' ]
  [ "${stderr_lines[1]}" = "Caused by: kafka.admin.AdminOperationException: Preferred replica leader election currently in progress for $t-1. Aborting operation" ]
  # resumed: the controller elects the preferred replica and deletes the request
  wait_for 20 cluster_leader_is "$t" 1 2
  wait_for 20 no_election_znode
  grep -q "Starting replica leader election (PREFERRED) for 1 partition(s) triggered by ZkTriggered" \
    "$BATS_FILE_TMPDIR/cluster/b$c/logs/controller.log"
}

@test "kafka-preferred-replica-election.sh --bootstrap-server: ElectLeaders at the controller, 2.5's lines and exit codes" {
  local t d=$BATS_TEST_TMPDIR
  t=$(rf3_topic bspref 3 1:2:3,2:3:1,3:1:2)
  bounce "$t" 3
  [ "$(cluster_leader "$t" 2)" != 3 ]
  printf '{"partitions":[{"topic":"%s","partition":2}]}' "$t" >"$d/p.json"
  run ktool kafka-preferred-replica-election.sh --bootstrap-server "$(cluster_bootstrap)" \
    --path-to-json-file "$d/p.json"
  [ "$status" -eq 0 ]
  [ "$output" = "$DEPRECATED
Successfully completed preferred leader election for partitions $t-2" ]
  [ "$(cluster_leader "$t" 2)" = 3 ]
  # all partitions: nothing left to move on this topic
  run ktool kafka-preferred-replica-election.sh --bootstrap-server "$(cluster_bootstrap)"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$DEPRECATED" ]
  # usage: exactly one of the two; a bad file
  run --separate-stderr ktool kafka-preferred-replica-election.sh --path-to-json-file "$d/p.json"
  [ "$status" -eq 1 ]
  [ "$output" = "$DEPRECATED" ]
  [ "${stderr_lines[0]}" = "Exactly one of '[bootstrap-server]' or '[zookeeper]' must be provided" ]
  printf '{"partitions":[{"topic":"%s","partition":2},{"topic":"%s","partition":2}]}' "$t" "$t" >"$d/dup.json"
  run --separate-stderr ktool kafka-preferred-replica-election.sh --zookeeper "$ZK_CONNECT" \
    --path-to-json-file "$d/dup.json"
  [ "$status" -eq 1 ]
  [ "$stderr" = "Exception in thread \"main\" kafka.admin.AdminOperationException: Preferred replica election data contains duplicate partitions: $t-2" ]
  no_election_znode
}

@test "auto.leader.rebalance.enable: after a bounce the preferred leaders lead again without an operator" {
  local i t x p
  # the brokers again, now rebalancing every 2 s
  for i in 1 2 3; do
    cluster_broker_stop "$i" 60
    cluster_broker_start "$i" auto.leader.rebalance.enable=true leader.imbalance.check.interval.seconds=2
  done
  t=$(rf3_topic auto)
  x=1
  p=$(preferred_p "$t" "$x")
  cluster_broker_stop "$x" 60
  wait_for 20 leader_not "$t" "$p" "$x"
  cluster_broker_start "$x" auto.leader.rebalance.enable=true leader.imbalance.check.interval.seconds=2
  # back within the first check after it rejoined the ISR (5 s after a
  # controller change, then every 2 s)
  wait_for 30 cluster_leader_is "$t" "$p" "$x"
  grep -h "Leader imbalance ratio for broker $x" "$BATS_FILE_TMPDIR"/cluster/b*/logs/controller.log
}
