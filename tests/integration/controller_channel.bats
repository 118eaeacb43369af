#!/usr/bin/env bats
# The controller tells brokers with LeaderAndIsr, UpdateMetadata and
# StopReplica (Kafka 2.5's controller-to-broker channel), fenced by the
# controller epoch and the broker epoch: the replicas of a new topic log the
# controller's LeaderAndIsr with its epoch; a request carrying an older
# controller epoch gets STALE_CONTROLLER_EPOCH (11) and a request for an
# older registration of the broker STALE_BROKER_EPOCH (77), and neither
# changes the partition; a newer leader epoch is applied once (the same one
# again is STALE_CONTROLLER_EPOCH for the partition); UpdateMetadata moves
# what Metadata answers for a partition the broker does not host; Metadata
# answers the live brokers (endpoints) and partition states of the
# controller's UpdateMetadata, not /brokers/ids (kcat -L, kafka-python); a topic's deletion stops and deletes its replicas
# (StopReplica); a partition of a topic the broker has not read is created
# from LeaderAndIsr alone (a topic with no znode: its leader serves, its
# follower replicates); after kill -9 of the controller, its successor's
# requests carry the higher epoch; a broker's request-level error answer
# (STALE_CONTROLLER_EPOCH) is logged by the controller with Kafka's wording
# and neither marks replicas offline nor is resent. Raw requests:
# tests/clients/controller_requests.py.

load test_helper
load cluster_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  cluster_start 3 zookeeper.session.timeout.ms=6000 min.insync.replicas=2 \
    auto.leader.rebalance.enable=false
}

teardown_file() {
  cluster_stop_all
  zk_stop
}

teardown() { cluster_show_logs_on_failure; }

state_log() { echo "$BATS_FILE_TMPDIR/cluster/b$1/logs/state-change.log"; }

# kctl CMD ARGS...: one raw controller request (its answer on stdout).
kctl() { in_test_netns timeout -k 5 30 "$PY" "$CLIENTS_DIR/controller_requests.py" "$@"; }

controller_epoch() { zk_cmd --chroot "${ZK_CHROOT:-}" get /controller_epoch; }

# describe_line TOPIC: the partition 0 line of kafka-topics.sh --describe.
describe_line() {
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --describe --topic "$1" |
    grep -E "Partition: 0\b"
}

# a follower of TOPIC-0 (a replica that does not lead it)
follower_of() {
  local l i
  l=$(cluster_leader "$1" 0)
  for i in 1 2 3; do [[ $i == "$l" ]] || { echo "$i"; return; }; done
}

@test "controller channel: the replicas of a new topic get LeaderAndIsr from the controller with its epoch" {
  local t c e f
  t=$(rf3_topic cc-new 1)
  c=$(cluster_controller)
  e=$(controller_epoch)
  f=$(follower_of "$t")
  wait_for 10 grep -q "Received LeaderAndIsr request LeaderAndIsrPartitionState(topicName='$t', partitionIndex=0.* from controller $c epoch $e for partition $t-0" "$(state_log "$f")"
  grep -q "\[Controller id=$c epoch=$e\] Sending LeaderAndIsr request to broker $f" "$(state_log "$c")"
  grep -q "\[Controller id=$c epoch=$e\] Sending UpdateMetadata request to brokers" "$(state_log "$c")"
  # the follower became a follower of the leader at that epoch
  grep -q "Follower $t-0 starts at leader epoch 0" "$(state_log "$f")"
}

@test "controller channel: a newer leader epoch is applied once; UpdateMetadata moves what Metadata answers" {
  local t c e f l isr u
  t=$(rf3_topic cc-apply 1)
  c=$(cluster_controller)
  e=$(controller_epoch)
  f=$(follower_of "$t")
  l=$(cluster_leader "$t" 0)
  isr=$(cluster_isr "$t" 0)
  wait_for 10 grep -q "from controller $c epoch $e for partition $t-0" "$(state_log "$f")"
  # the same leader at leader epoch 1: applied (the follower starts anew at epoch 1) ...
  run kctl leader-and-isr --bootstrap "$(cluster_addr "$f")" --topic "$t" --controller-id "$c" \
    --controller-epoch "$e" --leader "$l" --leader-epoch 1 --isr "$isr" --replicas 1,2,3
  echo "$output"
  [[ $output == *"error_code 0"* && $output == *"partition $t-0 error 0"* ]]
  wait_for 10 grep -q "Follower $t-0 starts at leader epoch 1 .*Current leader is $l" "$(state_log "$f")"
  # ... once: the same epoch again is answered STALE_CONTROLLER_EPOCH per partition
  run kctl leader-and-isr --bootstrap "$(cluster_addr "$f")" --topic "$t" --controller-id "$c" \
    --controller-epoch "$e" --leader "$l" --leader-epoch 1 --isr "$isr" --replicas 1,2,3
  [[ $output == *"error_code 0"* && $output == *"partition $t-0 error 11"* ]]
  grep -q "leader epoch 1 matches the current leader epoch" "$(state_log "$f")"
  # UpdateMetadata: a partition broker f does not replicate gets the leader it names
  u=$(unique_topic cc-meta)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$u" \
    --replica-assignment "$l" >/dev/null
  wait_for 20 cluster_leader_is "$u" 0 "$l"
  wait_for 10 eval "ktool kafka-topics.sh --bootstrap-server $(cluster_addr "$f") --describe --topic $u | grep -q 'Leader: $l'"
  run kctl update-metadata --bootstrap "$(cluster_addr "$f")" --topic "$u" --controller-id "$c" \
    --controller-epoch "$e" --leader -1 --leader-epoch 5 --isr "$l" --replicas "$l" \
    --live-brokers "$(live_brokers_arg 1 2 3)"
  [[ $output == *"error_code 0"* ]]
  ktool kafka-topics.sh --bootstrap-server "$(cluster_addr "$f")" --describe --topic "$u" |
    grep -q "Leader: none"
  # the other brokers still answer from the controller's view
  ktool kafka-topics.sh --bootstrap-server "$(cluster_addr "$l")" --describe --topic "$u" |
    grep -q "Leader: $l"
}

# live_brokers_arg ID...: the --live-brokers of an UpdateMetadata naming those brokers
# at their real addresses
live_brokers_arg() {
  local i out=
  for i in "$@"; do out+="${out:+,}$i@$(cluster_addr "$i")"; done
  echo "$out"
}

# kcat_meta BROKER TOPIC: kcat -L against that broker alone
kcat_meta() { in_test_netns timeout -k 5 30 kcat -L -b "$(cluster_addr "$1")" -t "$2"; }

@test "controller channel: Metadata answers the live brokers, endpoints and partition states of the controller's UpdateMetadata, not /brokers/ids (kcat, kafka-python)" {
  local t u c e l f g le r
  t=$(rf3_topic cc-mdcache 1)
  c=$(cluster_controller)
  e=$(controller_epoch)
  l=$(cluster_leader "$t" 0)
  le=$(cluster_epoch "$t" 0)
  read -r f g < <(others "$l" | paste -sd' ')
  # the controller's view at f: three brokers, t-0 led by l
  wait_for 10 eval "kcat_meta $f $t | grep -q ' 3 brokers:'"
  kcat_meta "$f" "$t" | grep -q "partition 0, leader $l,"
  r=$(kcat_meta "$f" "$t" | sed -n 's/.*partition 0, .*replicas: \([0-9,]*\),.*/\1/p')
  # an UpdateMetadata of the controller's epoch announcing f and g only, g at
  # another endpoint, and t-0 with l offline
  run kctl update-metadata --bootstrap "$(cluster_addr "$f")" --topic "$t" --controller-id "$c" \
    --controller-epoch "$e" --leader "$l" --leader-epoch "$le" --isr "$f,$g" --replicas "$r" \
    --offline "$l" --live-brokers "$f@$(cluster_addr "$f"),$g@g-advertised.invalid:$(cluster_port "$g")"
  echo "$output"
  [[ $output == *"error_code 0"* ]]
  # kcat: two brokers, g at the endpoint the request named, no leader for t-0
  run kcat_meta "$f" "$t"
  echo "$output"
  [[ $output == *" 2 brokers:"* ]]
  [[ $output == *"broker $g at g-advertised.invalid:$(cluster_port "$g")"* ]]
  [[ $output != *"broker $l at"* ]]
  [[ $output == *"partition 0, leader -1, replicas: $r, isrs: $f,$g, Broker: Leader not available"* ]]
  # kafka-python (Metadata v5): the same, and l among the offline replicas
  run kpy 30 metadata --bootstrap "$(cluster_addr "$f")" --topic "$t"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"broker $g g-advertised.invalid:$(cluster_port "$g")"* ]]
  [[ $output != *"broker $l "* ]]
  [[ $output == *"partition 0 error 5 leader -1 replicas $r isr $f,$g offline $l"* ]]
  # while l is registered in ZooKeeper and the other brokers still list it
  run zk_cmd --chroot "${ZK_CHROOT:-}" exists "/brokers/ids/$l"
  [ "$status" -eq 0 ]
  kcat_meta "$l" "$t" | grep -q ' 3 brokers:'
  # the controller's next UpdateMetadata (a new topic) names the three again
  u=$(rf3_topic cc-mdcache-next 1)
  wait_for 10 eval "kcat_meta $f $u | grep -q ' 3 brokers:'"
  run kpy 30 metadata --bootstrap "$(cluster_addr "$f")" --topic "$u"
  [[ $output == *"broker $l "* && $output == *"partition 0 error 0 leader $(cluster_leader "$u" 0) "* ]]
}

@test "controller channel: a stale controller epoch gets STALE_CONTROLLER_EPOCH (11) and changes nothing" {
  local t c e f before
  t=$(rf3_topic cc-stale 1)
  c=$(cluster_controller)
  e=$(controller_epoch)
  f=$(follower_of "$t")
  # the follower has heard from the controller at epoch e
  wait_for 10 grep -q "from controller $c epoch $e for partition $t-0" "$(state_log "$f")"
  before=$(describe_line "$t")
  # an older controller makes the follower leader, alone in the ISR, at a far newer leader epoch
  run kctl leader-and-isr --bootstrap "$(cluster_addr "$f")" --topic "$t" \
    --controller-id "$c" --controller-epoch $((e - 1)) --leader "$f" --leader-epoch 1000 \
    --isr "$f" --replicas 1,2,3
  echo "$output"
  ((status == 0))
  [[ $output == *"error_code 11"* ]]
  [[ $output == *"partition $t-0 error 11"* ]]
  grep -q "Ignoring LeaderAndIsr request from controller $c with correlation id [0-9]* since its controller epoch $((e - 1)) is old" "$(state_log "$f")"
  ! grep -q "Leader $t-0 starts at leader epoch 1000" "$(state_log "$f")"
  [[ $(describe_line "$t") == "$before" ]]
  # the same through UpdateMetadata and StopReplica (with delete): refused too
  run kctl update-metadata --bootstrap "$(cluster_addr "$f")" --topic "$t" \
    --controller-id "$c" --controller-epoch $((e - 1)) --leader "$f" --leader-epoch 1000 \
    --isr "$f" --replicas 1,2,3
  [[ $output == *"error_code 11"* ]]
  run kctl stop-replica --bootstrap "$(cluster_addr "$f")" --topic "$t" --delete \
    --controller-id "$c" --controller-epoch $((e - 1))
  [[ $output == *"error_code 11"* ]]
  [ -d "$BATS_FILE_TMPDIR/cluster/b$f/data/$t-0" ]
  [[ $(describe_line "$t") == "$before" ]]
}

@test "controller channel: a stale broker epoch gets STALE_BROKER_EPOCH (77) and changes nothing" {
  local t c e f before
  t=$(rf3_topic cc-brokerepoch 1)
  c=$(cluster_controller)
  e=$(controller_epoch)
  f=$(follower_of "$t")
  before=$(describe_line "$t")
  # broker epoch 1: older than any registration (the czxid of /brokers/ids/<id>)
  run kctl leader-and-isr --bootstrap "$(cluster_addr "$f")" --topic "$t" \
    --controller-id "$c" --controller-epoch "$e" --broker-epoch 1 --leader "$f" \
    --leader-epoch 1000 --isr "$f" --replicas 1,2,3
  echo "$output"
  ((status == 0))
  [[ $output == *"error_code 77"* ]]
  [[ $output == *"partition $t-0 error 77"* ]]
  grep -q "Received LeaderAndIsr request with broker epoch 1 smaller than the current broker epoch" \
    "$BATS_FILE_TMPDIR/cluster/b$f/logs/server.log"
  run kctl stop-replica --bootstrap "$(cluster_addr "$f")" --topic "$t" --delete \
    --controller-id "$c" --controller-epoch "$e" --broker-epoch 1
  [[ $output == *"error_code 77"* ]]
  [ -d "$BATS_FILE_TMPDIR/cluster/b$f/data/$t-0" ]
  [[ $(describe_line "$t") == "$before" ]]
}

@test "controller channel: deleting a topic sends StopReplica with delete to its replicas" {
  local t c i
  t=$(rf3_topic cc-delete 1)
  c=$(cluster_controller)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --delete --topic "$t"
  for i in 1 2 3; do
    wait_for 20 grep -q "Handling StopReplica request correlationId [0-9]* from controller $c epoch [0-9]* for partition $t-0 (delete=true)" "$(state_log "$i")"
    wait_for 20 test ! -d "$BATS_FILE_TMPDIR/cluster/b$i/data/$t-0"
  done
}

@test "controller channel: LeaderAndIsr alone creates a partition of a topic the broker has not read; its leader serves and its follower replicates" {
  local t c e l=1 f=2 i
  # no znode names this topic: only the LeaderAndIsr requests do
  t=$(unique_topic cc-fromlai)
  c=$(cluster_controller)
  e=$(controller_epoch)
  for i in "$l" "$f"; do
    run kctl leader-and-isr --bootstrap "$(cluster_addr "$i")" --topic "$t" --controller-id "$c" \
      --controller-epoch "$e" --leader "$l" --leader-epoch 0 --isr "$l,$f" --replicas "$l,$f"
    echo "$output"
    [[ $output == *"error_code 0"* && $output == *"partition $t-0 error 0"* ]]
    grep -q "Created partition $t-0 from the controller's LeaderAndIsr before reading its topic" \
      "$(state_log "$i")"
  done
  wait_for 10 grep -q "Leader $t-0 starts at leader epoch 0" "$(state_log "$l")"
  wait_for 10 grep -q "Follower $t-0 starts at leader epoch 0 .*Current leader is $l" "$(state_log "$f")"
  # a name that is no topic name creates nothing (nor a directory outside the data dir)
  run kctl leader-and-isr --bootstrap "$(cluster_addr "$l")" --topic "../$t-x" --controller-id "$c" \
    --controller-epoch "$e" --leader "$l" --leader-epoch 0 --isr "$l" --replicas "$l"
  echo "$output"
  [[ $output == *"partition ../$t-x-0 error 3"* ]]
  [ ! -e "$BATS_FILE_TMPDIR/cluster/b$l/$t-x-0" ]
  # a broker not named as a replica still refuses it
  run kctl leader-and-isr --bootstrap "$(cluster_addr 3)" --topic "$t" --controller-id "$c" \
    --controller-epoch "$e" --leader "$l" --leader-epoch 0 --isr "$l,$f" --replicas "$l,$f"
  [[ $output == *"partition $t-0 error 3"* ]]
  # served: acks=all records are read back from the leader once the follower has them
  seq 1 20 | in_test_netns timeout 30 kcat -P -b "$(cluster_addr "$l")" -t "$t" -p 0 -X acks=all
  [ "$(in_test_netns timeout 30 kcat -C -b "$(cluster_addr "$l")" -t "$t" -p 0 -e -q | wc -l)" -eq 20 ]
  test -s "$BATS_FILE_TMPDIR/cluster/b$f/data/$t-0/00000000000000000000.log"
  [ ! -d "$BATS_FILE_TMPDIR/cluster/b3/data/$t-0" ]
  # and none of it came from ZooKeeper
  run zk_cmd --chroot "${ZK_CHROOT:-}" get "/brokers/topics/$t"
  [[ $output != *partitions* ]]
}

@test "controller channel: after kill -9 of the controller its successor's requests carry the higher epoch" {
  local t c e n i
  t=$(rf3_topic cc-failover 1)
  c=$(cluster_controller)
  e=$(controller_epoch)
  cluster_broker_kill9 "$c"
  wait_for 30 cluster_controller_moved "$c"
  n=$(cluster_controller)
  wait_for 10 test "$(controller_epoch)" -gt "$e"
  e2=$(controller_epoch)
  # every surviving broker gets the full state from the new controller
  for i in 1 2 3; do
    [[ $i == "$c" ]] && continue
    wait_for 20 grep -q "Received LeaderAndIsr request LeaderAndIsrPartitionState(topicName='$t', partitionIndex=0.* from controller $n epoch $e2 for partition $t-0" "$(state_log "$i")"
  done
  # and the old controller's epoch is now stale at them
  i=$(others "$c" | grep -v "^$n$" | head -1)
  run kctl leader-and-isr --bootstrap "$(cluster_addr "$i")" --topic "$t" \
    --controller-id "$c" --controller-epoch "$e" --leader "$i" --leader-epoch 1000 \
    --isr "$i" --replicas 1,2,3
  [[ $output == *"error_code 11"* ]]
  cluster_broker_start "$c"
  # the restarted broker (a new registration) gets the full state too
  wait_for 20 grep -q "from controller $n epoch $e2 for partition $t-0" "$(state_log "$c")"
  cluster_wait_isr "$t" 0 1,2,3 30
}

@test "controller channel: a broker's request-level error is logged by the controller as Kafka's and changes nothing else" {
  local t c e f
  c=$(cluster_controller)
  e=$(controller_epoch)
  f=$(others "$c" | head -1)
  # broker f hears of a controller epoch above the controller's (a request for a
  # partition it does not replicate: it changes nothing there but the epoch seen)
  run kctl leader-and-isr --bootstrap "$(cluster_addr "$f")" --topic "$(unique_topic cc-none)" \
    --controller-id "$c" --controller-epoch $((e + 5)) --leader 99 --leader-epoch 0 \
    --isr 99 --replicas 99
  echo "$output"
  [[ $output == *"error_code 0"* && $output == *"error 3"* ]]
  # so it refuses the controller's requests for a new topic: STALE_CONTROLLER_EPOCH
  t=$(unique_topic cc-refused)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
    --partitions 1 --replication-factor 3 >/dev/null
  wait_for 20 grep -q "ERROR \[Controller id=$c epoch=$e\] Received error STALE_CONTROLLER_EPOCH in LeaderAndIsr response LeaderAndIsrResponseData(errorCode=11, partitionErrors=\[LeaderAndIsrPartitionError(topicName='$t', partitionIndex=0, errorCode=11)\]) from broker $f" "$(state_log "$c")"
  wait_for 20 grep -q "ERROR \[Controller id=$c epoch=$e\] Received error STALE_CONTROLLER_EPOCH in UpdateMetadata response UpdateMetadataResponseData(errorCode=11) from broker $f" "$(state_log "$c")"
  grep -q "Ignoring LeaderAndIsr request from controller $c with correlation id [0-9]* since its controller epoch $e is old. Latest known controller epoch is $((e + 5))" "$(state_log "$f")"
  # the answer is not taken for a failed log directory (only KAFKA_STORAGE_ERROR is),
  # nor sent again
  ! grep -q "Mark replicas .* on broker $f as offline" "$(state_log "$c")"
  sleep 1
  [ "$(grep -c "Received error STALE_CONTROLLER_EPOCH in LeaderAndIsr response .*'$t'" "$(state_log "$c")")" -eq 1 ]
  # a restart of f (a new registration, no memory of the epoch) gets the full state again
  cluster_broker_stop "$f"
  cluster_broker_start "$f"
  wait_for 20 grep -q "Received LeaderAndIsr request LeaderAndIsrPartitionState(topicName='$t', partitionIndex=0.* from controller $c epoch $e for partition $t-0" "$(state_log "$f")"
  cluster_wait_isr "$t" 0 1,2,3 30
}
