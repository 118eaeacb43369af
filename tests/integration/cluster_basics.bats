#!/usr/bin/env bats
# Three brokers against one ZooKeeper (or our coordinator): topics created
# while the brokers run are served by every broker that leads a partition,
# whichever broker is the controller, and the tools show the cluster as
# Kafka's do.  Also exercises tests/integration/cluster_helper.bash.

load test_helper
load cluster_helper

setup_file() {
  zk_start
  # a broker killed with SIGKILL is gone from /brokers/ids after 6 s
  cluster_start 3 zookeeper.session.timeout.ms=6000
}

teardown_file() {
  cluster_stop_all
  zk_stop
}

teardown() { cluster_show_logs_on_failure; }

TAB=$'\t'

# leaders_known TOPIC N: partitions 0..N-1 all have a leader in ZooKeeper.
leaders_known() {
  local p l
  for ((p = 0; p < $2; p++)); do
    l=$(cluster_leader "$1" "$p") || return 1
    ((l >= 1)) || return 1
  done
}

@test "cluster: three brokers registered, one controller, bootstrap lists them all" {
  run zk_cmd children /brokers/ids
  [ "$status" -eq 0 ]
  [ "$(sort -n <<<"$output" | paste -sd,)" = "1,2,3" ]
  local c
  c=$(cluster_controller)
  [[ $c =~ ^[123]$ ]]
  [ "$(tr ',' '\n' <<<"$(cluster_bootstrap)" | wc -l)" -eq 3 ]
  [[ $(cluster_bootstrap) == "127.0.0.1:$(cluster_port 1),127.0.0.1:$(cluster_port 2),127.0.0.1:$(cluster_port 3)" ]]
}

@test "cluster: a topic created while the brokers run is served on every partition, whoever leads it" {
  local t d=$BATS_TEST_TMPDIR
  t=$(unique_topic live)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
    --partitions 3 --replication-factor 1
  wait_for 20 leaders_known "$t" 3
  local p leaders=()
  for p in 0 1 2; do leaders+=("$(cluster_leader "$t" "$p")"); done
  echo "leaders: ${leaders[*]}, controller $(cluster_controller)"
  # one partition on each broker: two of them are not the controller
  [ "$(printf '%s\n' "${leaders[@]}" | sort -un | paste -sd,)" = "1,2,3" ]
  # each leader opened its partition's log
  for p in 0 1 2; do
    wait_for 10 test -d "$BATS_FILE_TMPDIR/cluster/b${leaders[p]}/data/$t-$p"
  done
  # every broker tells clients the same leaders
  local i
  for i in 1 2 3; do
    run timeout -k 5 30 kcat -L -J -b "127.0.0.1:$(cluster_port "$i")" -t "$t"
    [ "$status" -eq 0 ]
    [ "$(jq -c '[.topics[0].partitions[] | .leader]' <<<"$output")" = "[${leaders[0]},${leaders[1]},${leaders[2]}]" ]
  done
  # produce on every partition (idempotent acks=all, seq % 3), read it all back
  kchecker 90 produce --bootstrap "$(cluster_bootstrap)" --topic "$t" --producer-id rd \
    --count 3000 --max-seconds 60 --partitions 3 --message-timeout 20 \
    --acked "$d/acked" --failed "$d/failed" --require-all
  run kchecker 90 verify --bootstrap "$(cluster_bootstrap)" --topic "$t" --acked "$d/acked"
  echo "$output"
  [ "$status" -eq 0 ]
  for p in 0 1 2; do
    [[ $output == *"partition $p: acked 1000 read 1000 lost 0 duplicated 0 reordered 0 mismatched 0 "* ]]
  done
}

# broker_answers I: broker I answers a metadata request within 2 s.
broker_answers() {
  timeout -k 1 3 kcat -L -b "127.0.0.1:$(cluster_port "$1")" -m 2 >/dev/null 2>&1
}

# assignment TOPIC PART: the partition's replicas in /brokers/topics/TOPIC.
assignment() {
  zk_cmd get "/brokers/topics/$1" | jq -r --arg p "$2" '.partitions[$p] | map(tostring) | join(",")'
}

@test "cluster: --replication-factor 3: --describe shows Kafka's lines, the same from every broker and from ZooKeeper" {
  local t
  t=$(unique_topic rf3)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
    --partitions 3 --replication-factor 3
  wait_for 20 leaders_known "$t" 3
  local -a want=("Topic: $t${TAB}PartitionCount: 3${TAB}ReplicationFactor: 3${TAB}Configs: ")
  local p r l
  local -a leaders=()
  for p in 0 1 2; do
    r=$(assignment "$t" "$p")
    l=$(cluster_leader "$t" "$p")
    # Kafka's placement: three distinct replicas, the first one leads, the
    # ISR is the live replicas in assignment order
    [ "$(tr ',' '\n' <<<"$r" | sort -n | paste -sd,)" = "1,2,3" ]
    [ "$l" = "${r%%,*}" ]
    cluster_wait_isr "$t" "$p" "$r" 10
    [ "$(cluster_isr "$t" "$p")" = "$r" ]
    [ "$(cluster_epoch "$t" "$p")" = 0 ]
    leaders+=("$l")
    want+=("${TAB}Topic: $t${TAB}Partition: $p${TAB}Leader: $l${TAB}Replicas: $r${TAB}Isr: $r")
  done
  # leadership spread over the brokers
  [ "$(printf '%s\n' "${leaders[@]}" | sort -u | wc -l)" -eq 3 ]
  local i
  for i in 1 2 3; do
    run ktool kafka-topics.sh --bootstrap-server "127.0.0.1:$(cluster_port "$i")" --describe --topic "$t"
    printf '%s\n' "${lines[@]}"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '%s\n' "${want[@]}")" ]
  done
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --describe --topic "$t"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s\n' "${want[@]}")" ]
  # every replica of every partition has its directory
  for i in 1 2 3; do
    for p in 0 1 2; do
      [ -d "$BATS_FILE_TMPDIR/cluster/b$i/data/$t-$p" ]
    done
  done
}

@test "cluster: --alter --partitions on a replicated topic places the new replicas as Kafka's AdminUtils, and they replicate" {
  local t d=$BATS_TEST_TMPDIR
  t=$(unique_topic grow)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
    --replica-assignment 2:3:1
  wait_for 20 leaders_known "$t" 1
  run ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --alter --topic "$t" --partitions 4
  [ "$status" -eq 0 ]
  wait_for 20 leaders_known "$t" 4
  # AdminZkClient.addPartitions: start index and replica shift = the index
  # of partition 0's first replica (broker 2) among brokers 1,2,3, from
  # partition 1 on; the shift grows at partition 3
  [ "$(assignment "$t" 1)" = 3,2,1 ]
  [ "$(assignment "$t" 2)" = 1,3,2 ]
  [ "$(assignment "$t" 3)" = 2,3,1 ]
  local p
  for p in 1 2 3; do
    [ "$(cluster_leader "$t" "$p")" = "$(assignment "$t" "$p" | cut -d, -f1)" ]
    cluster_wait_isr "$t" "$p" "$(assignment "$t" "$p")" 15
  done
  # written through the new leaders, replicated to all three replicas
  kchecker 60 produce --bootstrap "$(cluster_bootstrap)" --topic "$t" --producer-id grow \
    --count 800 --max-seconds 40 --partitions 4 --message-timeout 20 \
    --acked "$d/acked" --failed "$d/failed" --require-all
  local i
  for i in 1 2 3; do
    for p in 1 2 3; do
      wait_for 15 test -s "$BATS_FILE_TMPDIR/cluster/b$i/data/$t-$p/00000000000000000000.log"
    done
  done
  run kchecker 60 verify --bootstrap "$(cluster_bootstrap)" --topic "$t" --acked "$d/acked"
  echo "$output"
  [ "$status" -eq 0 ]
  for p in 0 1 2 3; do
    [[ $output == *"partition $p: acked 200 read 200 lost 0 duplicated 0 "* ]]
  done
}

@test "cluster: SIGKILL of a broker that is not the controller under load: its partition goes offline, returns with its data, no acknowledged record lost" {
  local t d=$BATS_TEST_TMPDIR c x p xp=
  t=$(unique_topic kill)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
    --partitions 3 --replication-factor 1
  wait_for 20 leaders_known "$t" 3
  c=$(cluster_controller)
  x=$((c % 3 + 1))
  for p in 0 1 2; do [[ $(cluster_leader "$t" "$p") == "$x" ]] && xp=$p; done
  [ -n "$xp" ]
  local e0
  e0=$(cluster_epoch "$t" "$xp")
  # two producers for ~10 s; the broker dies 2 s in and is back ~10 s later
  kchecker 90 produce --bootstrap "$(cluster_bootstrap)" --topic "$t" --producer-id rd \
    --count 2500 --rate 250 --max-seconds 40 --partitions 3 --message-timeout 40 \
    --acked "$d/rd.acked" --failed "$d/rd.failed" >"$d/rd.out" 2>&1 &
  local rd=$!
  kchecker 90 produce --bootstrap "$(cluster_bootstrap)" --topic "$t" --producer-id py \
    --client kafka-python --count 1500 --rate 150 --max-seconds 40 --partitions 3 \
    --acked "$d/py.acked" --failed "$d/py.failed" >"$d/py.out" 2>&1 &
  local py=$!
  wait_for 20 lines_at_least "$d/rd.acked" 300

  cluster_broker_kill9 "$x"
  refute cluster_broker_alive "$x"
  wait_for 20 broker_unregistered "$x"
  wait_for 10 cluster_leader_is "$t" "$xp" -1
  [ "$(cluster_epoch "$t" "$xp")" -eq $((e0 + 1)) ]
  run ktool kafka-topics.sh --bootstrap-server "127.0.0.1:$(cluster_port "$c")" --describe --topic "$t" \
    --unavailable-partitions
  [ "$status" -eq 0 ]
  [ "$output" = "${TAB}Topic: $t${TAB}Partition: $xp${TAB}Leader: none${TAB}Replicas: $x${TAB}Isr: $x" ]

  cluster_broker_start "$x"
  wait_for 20 cluster_leader_is "$t" "$xp" "$x"
  [ "$(cluster_epoch "$t" "$xp")" -eq $((e0 + 2)) ]
  [ "$(cluster_controller)" = "$c" ]
  local rc=0
  wait "$rd" || rc=$?
  cat "$d/rd.out"
  [ "$rc" -eq 0 ]
  wait "$py" || rc=$?
  cat "$d/py.out"
  [ "$rc" -eq 0 ]
  run kchecker 60 verify --bootstrap "$(cluster_bootstrap)" --topic "$t" \
    --acked "$d/rd.acked" --acked "$d/py.acked" --failed "$d/rd.failed" --failed "$d/py.failed"
  echo "$output"
  [ "$status" -eq 0 ]
  # librdkafka kept the records for the dead leader and delivered them all
  [ "$(line_count "$d/rd.acked")" -eq 2500 ]
}

@test "cluster: the controller stops: another broker takes over, and the old one serves again after its restart" {
  local c t
  c=$(cluster_controller)
  cluster_broker_stop "$c"
  wait_for 20 cluster_controller_moved "$c"
  local n
  n=$(cluster_controller)
  [[ $n =~ ^[123]$ && $n != "$c" ]]
  # the new controller creates topics and elects leaders on the live brokers
  t=$(unique_topic ctl)
  ktool kafka-topics.sh --bootstrap-server "127.0.0.1:$(cluster_port "$n")" --create --topic "$t" \
    --partitions 2 --replication-factor 2
  wait_for 20 leaders_known "$t" 2
  local p
  for p in 0 1; do [ "$(cluster_leader "$t" "$p")" != "$c" ]; done
  cluster_broker_start "$c"
  [ "$(cluster_controller)" = "$n" ]
  for p in 0 1; do
    echo "v$p" | timeout -k 5 30 kcat -P -b "$(cluster_bootstrap)" -t "$t" -p "$p" -X message.timeout.ms=15000
  done
  run timeout -k 5 30 kcat -C -b "$(cluster_bootstrap)" -t "$t" -o beginning -e -q -f '%p %s\n'
  [ "$(sort <<<"$output" | paste -sd,)" = "0 v0,1 v1" ]
}

@test "cluster: a paused broker is stopped until resumed, then serves again" {
  local x pid t
  x=2
  pid=$(cluster_pid "$x")
  cluster_broker_pause "$x"
  [[ $(cut -d' ' -f3 "/proc/$pid/stat") == T ]]
  refute broker_answers "$x"
  cluster_broker_resume "$x"
  [[ $(cut -d' ' -f3 "/proc/$pid/stat") != T ]]
  timeout -k 5 30 kcat -L -b "127.0.0.1:$(cluster_port "$x")" >/dev/null
  run zk_cmd children /brokers/ids
  [ "$(sort -n <<<"$output" | paste -sd,)" = "1,2,3" ]
}
