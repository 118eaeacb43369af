#!/usr/bin/env bats
# Replication across three brokers, as Kafka 2.5 does it and as its own
# replication tests check it: followers hold the leader's bytes, the ISR
# names a follower only once it has the data, acks=all with
# min.insync.replicas=2 survives one broker, not two, and what was
# acknowledged is still there after a leader is killed, stopped or paused
# (tests/clients/acked_checker.py compares acknowledged with read records:
# lost, duplicated, reordered and mismatched must all be 0).

load test_helper
load cluster_helper

setup_file() {
  zk_start
  # a SIGKILLed broker leaves /brokers/ids after 6 s; a follower that
  # fetched nothing for 3 s leaves the ISR (checked every 1.5 s)
  cluster_start 3 zookeeper.session.timeout.ms=6000 replica.lag.time.max.ms=3000 \
    min.insync.replicas=2 controlled.shutdown.retry.backoff.ms=500 \
    offsets.topic.replication.factor=3
}

teardown_file() {
  local i
  for i in 1 2 3; do cluster_broker_resume "$i" 2>/dev/null || true; done
  cluster_stop_all
  zk_stop
}

teardown() {
  local i
  for i in 1 2 3; do cluster_broker_resume "$i" 2>/dev/null || true; done
  cluster_show_logs_on_failure
}

@test "replication: followers store the leader's bytes; the ISR names a follower only once it holds the data" {
  local t l f g
  t=$(rf3_topic bytes 1)
  l=$(cluster_leader "$t" 0)
  read -r f g < <(others "$l" | paste -sd' ')
  # every replica has its directory and, after a round of acks=all, the same bytes
  produce_all "$t" 0 2000 a
  for f in $(others "$l"); do wait_for 10 same_log "$t" 0 "$l" "$f"; done
  read -r f g < <(others "$l" | paste -sd' ')

  # a follower that stops fetching leaves the ISR; writes go on without it
  cluster_broker_pause "$g"
  cluster_wait_isr "$t" 0 "$l,$f" 15
  produce_all "$t" 0 3000 b
  same_log "$t" 0 "$l" "$f"
  refute same_log "$t" 0 "$l" "$g"
  # back: when the ISR names it again, it already has every byte
  cluster_broker_resume "$g"
  cluster_wait_isr "$t" 0 1,2,3 20
  same_log "$t" 0 "$l" "$g"
  run timeout -k 5 30 kcat -C -b "$(cluster_bootstrap)" -t "$t" -o beginning -e -q
  [ "${#lines[@]}" -eq 5000 ]
}

@test "replication: acks=all with min.insync.replicas=2 survives one stopped follower, refuses with two, recovers" {
  local t l f g
  t=$(rf3_topic minisr 1)
  l=$(cluster_leader "$t" 0)
  read -r f g < <(others "$l" | paste -sd' ')
  local cv0
  cv0=$(isr_notifications_cversion)
  cluster_broker_pause "$f"
  cluster_wait_isr "$t" 0 "$l,$g" 15
  produce_all "$t" 0 100 one-down
  cluster_broker_pause "$g"
  cluster_wait_isr "$t" 0 "$l" 15
  run produce_all "$t" 0 1 two-down -X retries=0 -X enable.idempotence=false
  echo "$output"
  [ "$status" -ne 0 ]
  [[ $output == *"Not enough in-sync replicas"* ]]
  # the refused record was not written (NOT_ENOUGH_REPLICAS comes before the append)
  run timeout -k 5 30 kcat -C -b "127.0.0.1:$(cluster_port "$l")" -t "$t" -o beginning -e -q
  [ "${#lines[@]}" -eq 100 ]
  # --describe shows it as Kafka does, once the controller has sent the
  # shrink on in UpdateMetadata (the leader's /isr_change_notification: a
  # 5 s black-out, checked every 2.5 s)
  wait_for 20 eval "ktool kafka-topics.sh --bootstrap-server 127.0.0.1:$(cluster_port "$l") \
    --describe --topic $t --under-min-isr-partitions | grep -q 'Partition: 0.*Isr: $l\$'"
  cluster_broker_resume "$f"
  cluster_broker_resume "$g"
  cluster_wait_isr "$t" 0 1,2,3 20
  # the leader told the controller of its ISR expansion through
  # /isr_change_notification (after its 5 s black-out, checked every 2.5 s),
  # and the controller read and deleted the notification
  wait_for 20 isr_notifications_consumed_since "$cv0"
  produce_all "$t" 0 100 back
  run timeout -k 5 30 kcat -C -b "$(cluster_bootstrap)" -t "$t" -o beginning -e -q
  [ "${#lines[@]}" -eq 200 ]
  run ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --describe --topic "$t" \
    --under-replicated-partitions
  [ -z "$output" ]
}

# isr_notifications_cversion: the child version of /isr_change_notification
# (each notification created and deleted adds 2).
isr_notifications_cversion() { zk_cmd stat /isr_change_notification | awk '{print $2}'; }

# isr_notifications_consumed_since CVERSION: notifications were written
# since then, and none is left.
isr_notifications_consumed_since() {
  local st
  st=$(zk_cmd stat /isr_change_notification) || return 1
  read -r _ cv _ n <<<"$st"
  ((cv >= $1 + 2 && n == 0))
}

# kill9_under_load VICTIM_KIND: SIGKILL the leader of partition 0 (not the
# controller) or the controller, under librdkafka (idempotent) and
# kafka-python acks=all load; restart it; nothing acknowledged is lost.
kill9_under_load() {
  local t d=$BATS_TEST_TMPDIR x p c l f
  t=$(rf3_topic "kill-$1" 3)
  c=$(cluster_controller)
  if [[ $1 == controller ]]; then
    x=$c
  else
    x=
    for p in 0 1 2; do
      [[ $(cluster_leader "$t" "$p") != "$c" ]] && x=$(cluster_leader "$t" "$p") && break
    done
  fi
  [ -n "$x" ]
  checker_load "$t" "$d" rd confluent 3000 300
  checker_load "$t" "$d" py kafka-python 1500 150
  wait_for 20 lines_at_least "$d/rd.acked" 300
  cluster_broker_kill9 "$x"
  # its partitions get new leaders from the ISR
  wait_for 20 broker_unregistered "$x"
  for p in 0 1 2; do wait_for 20 leader_not "$t" "$p" "$x"; done
  sleep 2
  cluster_broker_start "$x"
  for p in 0 1 2; do cluster_wait_isr "$t" "$p" 1,2,3 30; done
  checker_verify "$t" "$d" rd py
  [ "$(line_count "$d/rd.acked")" -eq 3000 ]
  # every replica holds the same bytes once caught up
  for p in 0 1 2; do
    l=$(cluster_leader "$t" "$p")
    for f in $(others "$l"); do wait_for 10 same_log "$t" "$p" "$l" "$f"; done
  done
}

@test "replication: kill -9 of a leader under acks=all load, then its restart: nothing acknowledged is lost" {
  kill9_under_load leader
}

@test "replication: kill -9 of the controller under acks=all load, then its restart: nothing acknowledged is lost" {
  kill9_under_load controller
}

@test "replication: a leader's unreplicated tail is truncated when it comes back as a follower (no divergent log)" {
  local t c l f g p
  c=$(cluster_controller)
  l=$(( c % 3 + 1 ))                # a leader that is not the controller
  read -r f g < <(others "$l" | paste -sd' ')
  t=$(rf3_topic tail 1 "$l:$f:$g")
  [ "$(cluster_leader "$t" 0)" = "$l" ]
  produce_all "$t" 0 100 committed
  wait_for 10 same_log "$t" 0 "$l" "$f"
  wait_for 10 same_log "$t" 0 "$l" "$g"
  local e0
  e0=$(cluster_epoch "$t" 0)
  # the followers stop fetching (for less than replica.lag.time.max.ms: they
  # stay in the ISR); once their last long-poll fetch has been answered
  # (replica.fetch.wait.max.ms, 500 ms) the leader takes acks=1 writes
  # nobody else has, and dies
  cluster_broker_pause "$f"
  cluster_broker_pause "$g"
  sleep 0.8
  seq -f 'tail-%g' 1 50 | timeout -k 5 20 kcat -P -b "127.0.0.1:$(cluster_port "$l")" -t "$t" -p 0 \
    -X acks=1 -X message.timeout.ms=10000
  cluster_broker_kill9 "$l"
  cluster_broker_resume "$f"
  cluster_broker_resume "$g"
  wait_for 20 broker_unregistered "$l"
  wait_for 20 leader_not "$t" 0 "$l"
  [ "$(cluster_epoch "$t" 0)" -gt "$e0" ]
  produce_all "$t" 0 30 new-epoch
  # the old leader returns, truncates its tail to the new leader's epoch, catches up
  cluster_broker_start "$l"
  cluster_wait_isr "$t" 0 1,2,3 30
  local n
  n=$(cluster_leader "$t" 0)
  wait_for 10 same_log "$t" 0 "$n" "$l"
  grep -q "Truncating partition $t-0 to local log end offset 100" \
    "$BATS_FILE_TMPDIR/cluster/b$l/logs/server.log"
  run timeout -k 5 30 kcat -C -b "$(cluster_bootstrap)" -t "$t" -o beginning -e -q
  [ "${#lines[@]}" -eq 130 ]
  [[ $output != *tail-* ]]
}

@test "replication: a follower behind the leader's log start, which DeleteRecords put inside a batch, restarts its log at that batch and rejoins the ISR" {
  local t l f g json
  t=$(rf3_topic delstart 1)
  l=$(cluster_leader "$t" 0)
  read -r f g < <(others "$l" | paste -sd' ')
  produce_all "$t" 0 100 a
  cluster_broker_pause "$g"
  cluster_wait_isr "$t" 0 "$l,$f" 15
  # one batch of 100 records after offset 100; the log start goes to its middle
  produce_all "$t" 0 100 b -X linger.ms=200 -X batch.num.messages=1000
  json=$BATS_TEST_TMPDIR/offsets.json
  echo "{\"partitions\": [{\"topic\": \"$t\", \"partition\": 0, \"offset\": 150}], \"version\": 1}" >"$json"
  run ktool kafka-delete-records.sh --bootstrap-server "$(cluster_bootstrap)" --offset-json-file "$json"
  [[ $output == *"low_watermark: 150"* ]]
  # the follower (end offset 100) restarts at the leader's start: Kafka's
  # follower then starts its log at the batch's base offset and appends it
  cluster_broker_resume "$g"
  cluster_wait_isr "$t" 0 1,2,3 30
  run timeout -k 5 30 kcat -C -b "$(cluster_bootstrap)" -t "$t" -o beginning -e -q
  [ "${#lines[@]}" -eq 50 ]
  [ "${lines[0]}" = b-51 ]
}

@test "replication: kafka-server-stop of a leader under acks=all load: controlled shutdown, 0 failed sends" {
  local t d=$BATS_TEST_TMPDIR x c
  t=$(rf3_topic stop 3)
  c=$(cluster_controller)
  x=$(( c % 3 + 1 ))
  checker_load "$t" "$d" rd confluent 2000 250
  wait_for 20 lines_at_least "$d/rd.acked" 300
  cluster_broker_stop "$x" 60
  grep -q "Controlled shutdown succeeded" "$BATS_FILE_TMPDIR/cluster/b$x/logs/server.log"
  local p
  for p in 0 1 2; do leader_not "$t" "$p" "$x"; done
  cluster_broker_start "$x"
  for p in 0 1 2; do cluster_wait_isr "$t" "$p" 1,2,3 30; done
  checker_verify "$t" "$d" rd
  [ "$(line_count "$d/rd.acked")" -eq 2000 ]
  [ ! -s "$d/rd.failed" ]
}

# group_coordinator GROUP: the broker id coordinating GROUP (from
# kafka-consumer-groups.sh --describe --state: "host:port (ID)").
group_coordinator() {
  ktool kafka-consumer-groups.sh --bootstrap-server "$(cluster_bootstrap)" --describe \
    --group "$1" --state 2>/dev/null | awk -v g="$1" '$1 == g { gsub(/[()]/, "", $3); print $3 }'
}

# group_offset_is GROUP TOPIC OFFSET: the committed offset of TOPIC-0.
group_offset_is() {
  local got
  got=$(ktool kafka-consumer-groups.sh --bootstrap-server "$(cluster_bootstrap)" --describe \
    --group "$1" 2>/dev/null | awk -v t="$2" '$2 == t && $3 == 0 { print $4 }')
  [[ $got == "$3" ]]
}

@test "replication: a consumer group on an RF=3 __consumer_offsets: its coordinator is killed, the group moves, its offsets are intact" {
  local t g c n
  t=$(rf3_topic grp 1)
  g=$(unique_topic group)
  produce_all "$t" 0 100 m
  # __consumer_offsets is created with replication factor 3
  ktool kafka-console-consumer.sh --bootstrap-server "$(cluster_bootstrap)" --topic "$t" \
    --group "$g" --from-beginning --max-messages 60 >"$BATS_TEST_TMPDIR/first.txt"
  [ "$(line_count "$BATS_TEST_TMPDIR/first.txt")" -eq 60 ]
  run ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --describe --topic __consumer_offsets
  [[ ${lines[0]} == *"ReplicationFactor: 3"* ]]
  wait_for 10 group_offset_is "$g" "$t" 60
  c=$(group_coordinator "$g")
  [[ $c =~ ^[123]$ ]]
  cluster_broker_kill9 "$c"
  wait_for 20 broker_unregistered "$c"
  # another broker coordinates the group, with the committed offset
  wait_for 30 group_offset_is "$g" "$t" 60
  n=$(group_coordinator "$g")
  [[ $n =~ ^[123]$ && $n != "$c" ]]
  ktool kafka-console-consumer.sh --bootstrap-server "$(cluster_bootstrap)" --topic "$t" \
    --group "$g" --max-messages 40 --timeout-ms 20000 >"$BATS_TEST_TMPDIR/rest.txt"
  [ "$(head -1 "$BATS_TEST_TMPDIR/rest.txt")" = "m-61" ]
  [ "$(line_count "$BATS_TEST_TMPDIR/rest.txt")" -eq 40 ]
  cluster_broker_start "$c"
}
