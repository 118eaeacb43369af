#!/usr/bin/env bats
# Partition reassignment (KIP-455) on four brokers: kafka-reassign-partitions.sh
# (--bootstrap-server: AlterPartitionReassignments / ListPartitionReassignments
# at the controller; --zookeeper: /admin/reassign_partitions) moves replicas
# while an idempotent acks=all producer runs, and what was acknowledged is all
# there afterwards, read from the new replicas alone
# (tests/clients/acked_checker.py: lost, duplicated, reordered, mismatched
# all 0). The removed replicas delete their directories; a reassignment in
# flight can be replaced or cancelled, and survives a kill -9 of the
# controller; bad input changes nothing and gets Kafka's text and exit code.

load test_helper
load cluster_helper

setup_file() {
  zk_start
  cluster_start 4 zookeeper.session.timeout.ms=6000 replica.lag.time.max.ms=3000 \
    min.insync.replicas=2 controlled.shutdown.retry.backoff.ms=500 \
    auto.leader.rebalance.enable=false
}

teardown_file() {
  local i
  for i in 1 2 3 4; do cluster_broker_resume "$i" 2>/dev/null || true; done
  cluster_stop_all
  zk_stop
}

teardown() {
  local i
  for i in 1 2 3 4; do cluster_broker_resume "$i" 2>/dev/null || true; done
  cluster_show_logs_on_failure
}

# the tool bootstraps from the brokers that run (not stopped nor paused)
boot_running() {
  local i out=
  for ((i = 1; i <= 4; i++)); do
    cluster_broker_alive "$i" && [[ $(awk '{print $3}' "/proc/$(cluster_pid "$i")/stat") != T ]] &&
      out+="${out:+,}$(cluster_addr "$i")"
  done
  echo "$out"
}
reassign() { ktool kafka-reassign-partitions.sh --bootstrap-server "$(boot_running)" "$@"; }
reassign_zk() { ktool kafka-reassign-partitions.sh --zookeeper "$ZK_CONNECT" "$@"; }

# topic_field TOPIC MAP PART: partitions / adding_replicas / removing_replicas
# of the topic znode for PART, comma-separated ("" when absent).
topic_field() {
  zk_cmd get "/brokers/topics/$1" |
    jq -r --arg m "$2" --arg p "$3" '.[$m][$p] // [] | map(tostring) | join(",")'
}
replicas() { topic_field "$1" partitions "$2"; }

# settled TOPIC PART "1,2,3": the assignment is that list, nothing being added
# or removed, and the ISR holds exactly those replicas.
settled() {
  [[ $(replicas "$1" "$2") == "$3" && -z $(topic_field "$1" adding_replicas "$2") &&
    -z $(topic_field "$1" removing_replicas "$2") ]] && cluster_isr_is "$1" "$2" "$3"
}

# new_topic PREFIX ASSIGNMENT: a topic with that replica assignment, ISRs full.
new_topic() {
  local t p=0 a
  t=$(unique_topic "$1")
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
    --replica-assignment "$2" >/dev/null
  for a in ${2//,/ }; do
    cluster_wait_isr "$t" "$p" "${a//:/,}" 30 >&2
    p=$((p + 1))
  done
  echo "$t"
}

# move_json FILE TOPIC P=R,R,R...: the reassignment JSON (Kafka's format).
move_json() {
  local f=$1 t=$2 first=1 e
  shift 2
  {
    printf '{"version":1,"partitions":['
    for e in "$@"; do
      ((first)) || printf ','
      printf '{"topic":"%s","partition":%s,"replicas":[%s]}' "$t" "${e%%=*}" "${e#*=}"
      first=0
    done
    printf ']}\n'
  } >"$f"
}

# list_is LINE: --list shows that one ongoing reassignment.
list_is() {
  run reassign --list
  echo "$output"
  [ "$output" = "Current partition reassignments:
$1" ]
}

data_dir() { echo "$BATS_FILE_TMPDIR/cluster/b$1/data/$2-$3"; }
no_dir() { [ ! -e "$(data_dir "$1" "$2" "$3")" ]; }

# verify_complete FILE: --verify reports every partition of FILE complete.
verify_complete() {
  local out n
  out=$(reassign --verify --preserve-throttles --reassignment-json-file "$1") || return 1
  n=$(jq '.partitions | length' "$1")
  [[ $(grep -c '^Reassignment of partition .* is complete\.$' <<<"$out") -eq $n ]]
}

@test "reassign: move 1,2,3 -> 2,3,4 under acks=all load; --verify; everything reads back from the new replicas alone; the removed replica's directories are deleted" {
  local t d=$BATS_TEST_TMPDIR p
  t=$(new_topic move 1:2:3,2:3:1,3:1:2)
  checker_load "$t" "$d" rd confluent 3000 200
  wait_for 20 lines_at_least "$d/rd.acked" 300
  move_json "$d/move.json" "$t" 0=2,3,4 1=3,4,2 2=4,2,3
  run reassign --execute --reassignment-json-file "$d/move.json" --throttle 50000000
  echo "$output"
  [ "$status" -eq 0 ]
  local cur="{\"version\":1,\"partitions\":[{\"topic\":\"$t\",\"partition\":0,\"replicas\":[1,2,3],\"log_dirs\":[\"any\",\"any\",\"any\"]},{\"topic\":\"$t\",\"partition\":1,\"replicas\":[2,3,1],\"log_dirs\":[\"any\",\"any\",\"any\"]},{\"topic\":\"$t\",\"partition\":2,\"replicas\":[3,1,2],\"log_dirs\":[\"any\",\"any\",\"any\"]}]}"
  [ "$output" = "Current partition replica assignment

$cur

Save this to use as the --reassignment-json-file option during rollback
Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.
The inter-broker throttle limit was set to 50000000 B/s
Successfully started partition reassignments for $t-0,$t-1,$t-2" ]
  # the throttle went through the brokers' dynamic configs (IncrementalAlterConfigs)
  run ktool kafka-configs.sh --bootstrap-server "$(boot_running)" --entity-type brokers --entity-name 4 --describe
  echo "$output"
  [[ $output == *"leader.replication.throttled.rate=50000000"* ]]
  wait_for 60 verify_complete "$d/move.json"
  run reassign --verify --reassignment-json-file "$d/move.json"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Status of partition reassignment:
Reassignment of partition $t-0 is complete.
Reassignment of partition $t-1 is complete.
Reassignment of partition $t-2 is complete.
Clearing broker-level throttles on brokers 1,2,3,4
Clearing topic-level throttles on topic $t" ]
  for i in 1 2 3 4; do
    run ktool kafka-configs.sh --bootstrap-server "$(boot_running)" --entity-type brokers --entity-name "$i" --describe
    [[ $output != *"throttled.rate"* ]]
  done
  settled "$t" 0 2,3,4
  settled "$t" 1 3,4,2
  settled "$t" 2 4,2,3
  for p in 0 1 2; do
    [ "$(cluster_leader "$t" "$p")" != 1 ]
    wait_for 20 no_dir 1 "$t" "$p"
    [ -d "$(data_dir 4 "$t" "$p")" ]
  done
  grep -q "Stopped replica $t-0: no longer assigned here" "$BATS_FILE_TMPDIR/cluster/b1/logs/state-change.log"
  # the load ran through the move; then everything is read with broker 1 down
  local rc=0
  wait "$(<"$d/rd.pid")" || rc=$?
  cat "$d/rd.out"
  [ "$rc" -eq 0 ]
  cluster_broker_stop 1 60
  run kchecker 90 verify --bootstrap "$(cluster_addr 2),$(cluster_addr 3),$(cluster_addr 4)" \
    --topic "$t" --acked "$d/rd.acked" --failed "$d/rd.failed"
  cluster_broker_start 1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"lost 0 duplicated 0 reordered 0 mismatched 0"* ]]
  [ "$(line_count "$d/rd.acked")" -ge 1000 ]
}

@test "reassign: raise a topic's replication factor from 1 to 3 with a reassignment JSON" {
  local t d=$BATS_TEST_TMPDIR
  t=$(new_topic rf 4)
  produce_all "$t" 0 500 rf -X acks=1
  move_json "$d/rf.json" "$t" 0=4,1,2
  # with a log-dir throttle only, 2.6's tool sets the topic's throttled
  # replica lists (leader: the sources, follower: the new replicas)
  run reassign --execute --reassignment-json-file "$d/rf.json" --replica-alter-log-dirs-throttle 1000000
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"Save this to use as the --reassignment-json-file option during rollback
Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.
The replica-alter-dir throttle limit was set to 1000000 B/s
Successfully started partition reassignment for $t-0" ]]
  run zk_cmd get "/config/topics/$t"
  echo "$output"
  [ "$(jq -r '.config["leader.replication.throttled.replicas"]' <<<"$output")" = "0:4" ]
  [ "$(jq -r '.config["follower.replication.throttled.replicas"]' <<<"$output")" = "0:1,0:2" ]
  wait_for 60 settled "$t" 0 4,1,2
  [ "$(cluster_leader "$t" 0)" = 4 ]
  same_log "$t" 0 4 1
  same_log "$t" 0 4 2
  run ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --describe --topic "$t"
  echo "$output"
  [[ $output == *"ReplicationFactor: 3"* ]]
  [[ $output == *"Replicas: 4,1,2"* ]]
}

@test "reassign: a reassignment in flight is listed, refused a second time without --additional, replaced by a later one, and cancelled back to the original replicas" {
  local t d=$BATS_TEST_TMPDIR c x a b e
  c=$(cluster_controller)
  # x: the broker being added (paused, so the reassignment stays in flight)
  x=4
  [[ $c == 4 ]] && x=1
  read -r a b e < <(for i in 1 2 3 4; do [[ $i == "$x" ]] || echo "$i"; done | paste -sd' ')
  t=$(new_topic cancel "$a:$b:$e,$b:$e:$a,$e:$a:$b")
  checker_load "$t" "$d" rd confluent 2000 200
  wait_for 20 lines_at_least "$d/rd.acked" 200
  cluster_broker_pause "$x"
  move_json "$d/one.json" "$t" "0=$a,$b,$x"
  run reassign --execute --reassignment-json-file "$d/one.json"
  echo "$output"
  [ "$status" -eq 0 ]
  list_is "$t-0: replicas: $a,$b,$x,$e. adding: $x. removing: $e."
  run reassign --verify --preserve-throttles --reassignment-json-file "$d/one.json"
  echo "$output"
  [ "$output" = "Status of partition reassignment:
Reassignment of partition $t-0 is still in progress." ]
  # a second one is refused unless --additional; then the later one stands
  move_json "$d/two.json" "$t" "0=$a,$x,$e"
  run reassign --execute --reassignment-json-file "$d/two.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one." ]]
  [ "$(replicas "$t" 0)" = "$a,$b,$x,$e" ]
  run reassign --execute --additional --reassignment-json-file "$d/two.json"
  echo "$output"
  [ "$status" -eq 0 ]
  list_is "$t-0: replicas: $a,$x,$e,$b. adding: $x. removing: $b."
  # partitions are not added to a topic being reassigned (its znode holds the move)
  run ktool kafka-topics.sh --bootstrap-server "$(boot_running)" --alter --topic "$t" --partitions 4
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : org.apache.kafka.common.errors.ReassignmentInProgressException: A partition reassignment is in progress for the topic '$t'." ]
  run reassign --cancel --preserve-throttles --reassignment-json-file "$d/two.json"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Successfully cancelled partition reassignment for: $t-0
None of the specified partition moves are active." ]
  # back to the original replicas; their order is the in-flight one's, as
  # in Kafka (ReplicaAssignment.originReplicas)
  wait_for 20 settled "$t" 0 "$a,$e,$b"
  run reassign --list
  echo "$output"
  [ "$output" = "No partition reassignments found." ]
  run reassign --cancel --preserve-throttles --reassignment-json-file "$d/two.json"
  [ "$status" -eq 0 ]
  [[ $output == "None of the specified partition reassignments are active."* ]]
  cluster_broker_resume "$x"
  wait_for 30 broker_registered "$x"
  no_dir "$x" "$t" 0
  checker_verify "$t" "$d" rd
}

@test "reassign: kill -9 of the controller in the middle of a reassignment; the new controller completes it" {
  local t d=$BATS_TEST_TMPDIR c x y z c2
  c=$(cluster_controller)
  read -r x y z < <(for i in 1 2 3 4; do [[ $i == "$c" ]] || echo "$i"; done | paste -sd' ')
  t=$(new_topic failover "$y:$z,$y:$z,$z:$y")
  checker_load "$t" "$d" rd confluent 2000 200
  wait_for 20 lines_at_least "$d/rd.acked" 200
  cluster_broker_pause "$x"
  move_json "$d/f.json" "$t" "0=$y,$z,$x"
  run reassign --execute --reassignment-json-file "$d/f.json"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(topic_field "$t" adding_replicas 0)" = "$x" ]
  cluster_broker_kill9 "$c"
  cluster_broker_resume "$x"
  wait_for 30 cluster_controller_moved "$c"
  c2=$(cluster_controller)
  wait_for 60 settled "$t" 0 "$y,$z,$x"
  grep -q "Reassignment of partition $t-0 completed" "$BATS_FILE_TMPDIR/cluster/b$c2/logs/controller.log"
  cluster_broker_start "$c"
  checker_verify "$t" "$d" rd
}

@test "reassign: unknown brokers, duplicate replicas, an unknown topic or partition and bad JSON get Kafka's error and exit 1, and change nothing" {
  local t d=$BATS_TEST_TMPDIR
  t=$(new_topic bad 1:2:3)
  check_unchanged() {
    [ "$(replicas "$t" 0)" = 1,2,3 ]
    [ -z "$(topic_field "$t" adding_replicas 0)" ]
    run zk_cmd get /admin/reassign_partitions
    [ "$status" -ne 0 ]
  }
  move_json "$d/unknown.json" "$t" 0=1,2,9
  run reassign --execute --reassignment-json-file "$d/unknown.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == "Error: Unknown broker id 9"* ]]
  check_unchanged
  run reassign_zk --execute --reassignment-json-file "$d/unknown.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"Error: The proposed assignment contains non-existent brokerIDs: 9"* ]]
  check_unchanged

  move_json "$d/dup.json" "$t" 0=1,1,2
  run reassign --execute --reassignment-json-file "$d/dup.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == "Error: Partition replica lists may not contain duplicate entries: $t-0 contains multiple entries for 1"* ]]
  check_unchanged

  move_json "$d/notopic.json" nosuch-topic-$$ 0=1,2
  run reassign --execute --reassignment-json-file "$d/notopic.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == "Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition."* ]]
  run reassign_zk --execute --reassignment-json-file "$d/notopic.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"Error: The proposed assignment contains non-existent partitions: List(nosuch-topic-$$-0)"* ]]
  check_unchanged

  # a partition the topic does not have: the controller's answer
  move_json "$d/nopart.json" "$t" 5=1,2
  run reassign --execute --reassignment-json-file "$d/nopart.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"Error reassigning partition(s):
$t-5: The partition does not exist." ]]
  check_unchanged

  printf '{"version":1,"partitions":[{"topic":' >"$d/broken.json"
  run reassign --execute --reassignment-json-file "$d/broken.json"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == "Error: The input string is not a valid JSON"* ]]
  run reassign --verify --reassignment-json-file "$d/broken.json"
  [ "$status" -eq 1 ]
  printf '{"version":1,"partitions":[]}' >"$d/empty.json"
  run reassign --execute --reassignment-json-file "$d/empty.json"
  [ "$status" -eq 1 ]
  [[ $output == "Error: Partition reassignment list cannot be empty"* ]]
  check_unchanged

  # usage errors
  run reassign --execute --verify --reassignment-json-file "$d/dup.json"
  [ "$status" -eq 1 ]
  [[ $output == *"Command must include exactly one action: --generate, --execute, --verify, --cancel, --list"* ]]
  run reassign --execute
  [ "$status" -eq 1 ]
  [[ $output == *'Missing required argument "[reassignment-json-file]"'* ]]
  run reassign_zk --cancel --reassignment-json-file "$d/dup.json"
  [ "$status" -eq 1 ]
  [[ $output == *'Option "[zookeeper]" can'"'"'t be used with action "[cancel]"'* ]]
  run reassign_zk --execute --additional --reassignment-json-file "$d/dup.json"
  [ "$status" -eq 1 ]
  [[ $output == *'Exception in thread "main" java.lang.RuntimeException: You must specify --bootstrap-server when using "[additional]"'* ]]
  check_unchanged
}

@test "reassign --zookeeper: --generate, --execute with --throttle (the throttle configs as Kafka's tool writes them), --verify removes them and the controller deletes /admin/reassign_partitions" {
  local t d=$BATS_TEST_TMPDIR i
  t=$(new_topic zk 1:2:3,2:3:1)
  printf '{"topics":[{"topic":"%s"}],"version":1}' "$t" >"$d/topics.json"
  run reassign_zk --generate --topics-to-move-json-file "$d/topics.json" --broker-list 2,3,4
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Warning: --zookeeper is deprecated, and will be removed in a future version of Kafka." ]
  [ "${lines[1]}" = "Current partition replica assignment" ]
  [ "${lines[2]}" = "{\"version\":1,\"partitions\":[{\"topic\":\"$t\",\"partition\":0,\"replicas\":[1,2,3],\"log_dirs\":[\"any\",\"any\",\"any\"]},{\"topic\":\"$t\",\"partition\":1,\"replicas\":[2,3,1],\"log_dirs\":[\"any\",\"any\",\"any\"]}]}" ]
  [ "${lines[3]}" = "Proposed partition reassignment configuration" ]
  # the proposal places both partitions on 2,3,4 only; API mode agrees on the current one
  jq -e '.partitions | length == 2 and all(.replicas | sort == [2,3,4])' <<<"${lines[4]}"
  run reassign --generate --topics-to-move-json-file "$d/topics.json" --broker-list 2,3,4
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "{\"version\":1,\"partitions\":[{\"topic\":\"$t\",\"partition\":0,\"replicas\":[1,2,3],\"log_dirs\":[\"any\",\"any\",\"any\"]},{\"topic\":\"$t\",\"partition\":1,\"replicas\":[2,3,1],\"log_dirs\":[\"any\",\"any\",\"any\"]}]}" ]

  produce_all "$t" 0 300 zk
  move_json "$d/zk.json" "$t" 0=2,3,4
  run reassign_zk --execute --reassignment-json-file "$d/zk.json" --throttle 50000000
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"Save this to use as the --reassignment-json-file option during rollback
Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.
The inter-broker throttle limit was set to 50000000 B/s
Successfully started partition reassignment for $t-0" ]]
  run zk_cmd get "/config/topics/$t"
  echo "$output"
  [ "$(jq -r '.config["leader.replication.throttled.replicas"]' <<<"$output")" = "0:1,0:2,0:3" ]
  [ "$(jq -r '.config["follower.replication.throttled.replicas"]' <<<"$output")" = "0:4" ]
  for i in 1 2 3 4; do
    run zk_cmd get "/config/brokers/$i"
    [ "$(jq -r '.config["leader.replication.throttled.rate"]' <<<"$output")" = 50000000 ]
    [ "$(jq -r '.config["follower.replication.throttled.rate"]' <<<"$output")" = 50000000 ]
  done
  wait_for 60 settled "$t" 0 2,3,4
  # done: the controller removed its entry, and with it the znode
  ! zk_cmd get /admin/reassign_partitions >/dev/null 2>&1
  run reassign_zk --verify --reassignment-json-file "$d/zk.json"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"Status of partition reassignment:
Reassignment of partition $t-0 is complete.
Clearing broker-level throttles on brokers 1,2,3,4
Clearing topic-level throttles on topic $t" ]]
  run zk_cmd get "/config/topics/$t"
  [ "$(jq -r '.config | has("leader.replication.throttled.replicas") or has("follower.replication.throttled.replicas")' <<<"$output")" = false ]
  run zk_cmd get /config/brokers/3
  [ "$(jq -r '.config | length' <<<"$output")" = 0 ]
  same_log "$t" 0 2 4
  wait_for 20 no_dir 1 "$t" 0
}
