#!/usr/bin/env bats
# __consumer_offsets as a compacted log: offset commits are records of it,
# the log cleaner keeps only the latest per key (so the log stays small
# however often a group commits), and a broker that restarts (kill -9)
# reloads groups and offsets from the compacted log.

load test_helper
load groups_helper

setup_file() {
  zk_start
  broker_start offsets.topic.num.partitions=1 offsets.topic.segment.bytes=8192 \
    log.cleaner.backoff.ms=300 "${GROUP_BROKER_OVERRIDES[@]}"
}
teardown_file() { stop_all; }
setup() { groups_setup; }
teardown() { groups_teardown; show_logs_on_failure; }

offsets_dir() { echo "$BROKER_DIR/data/__consumer_offsets-0"; }
offsets_log_bytes() { cat "$(offsets_dir)"/*.log | wc -c; }
offsets_segments() { find "$(offsets_dir)" -name '*.log' | wc -l; }

# commit_many GROUP TOPIC N: N rounds of commits (kafka-python, simple
# consumer: assign + commit) for 3 partitions; the last round commits 3*N+p.
commit_many() {
  timeout 120 "$PY" - "$BROKER" "$1" "$2" "$3" <<'PYEOF'
import sys
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
bootstrap, group, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
tps = [TopicPartition(topic, p) for p in range(3)]
c.assign(tps)
for i in range(1, n + 1):
    c.commit({tp: OffsetAndMetadata(3 * i + tp.partition, "meta-%d" % i) for tp in tps})
c.close(autocommit=False)
PYEOF
}

@test "offset commits: the compacted __consumer_offsets stays small and reloads after kill -9" {
  local topic group
  topic=$(unique_topic offsets-log)
  group="g-offsets-log-$RANDOM"
  kafka_topic_create "$topic" 3
  commit_many "$group" "$topic" 3000
  # 9000 offset records of ~90 bytes: ~800 KiB and ~100 segments uncompacted;
  # the cleaner gets there in passes, so wait for the end state as a whole
  wait_for 60 eval '(( $(offsets_log_bytes) < 100000 && $(offsets_segments) <= 12 ))'
  note "__consumer_offsets-0 after 3000 commit rounds: $(offsets_log_bytes) bytes in $(offsets_segments) segments"
  grep -q "Cleaned log up to offset" "$BROKER_DIR/logs/server.log"

  broker_kill9
  broker_start offsets.topic.num.partitions=1 offsets.topic.segment.bytes=8192 \
    log.cleaner.backoff.ms=300 "${GROUP_BROKER_OVERRIDES[@]}"
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$group" --admin
  echo "$output"
  [[ $output == *"offset $topic 0 9000"* ]]
  [[ $output == *"offset $topic 1 9001"* ]]
  [[ $output == *"offset $topic 2 9002"* ]]
}

@test "group metadata is reloaded: an Empty consumer group and its offsets survive a restart" {
  local topic group
  topic=$(unique_topic offsets-meta)
  group="g-offsets-meta-$RANDOM"
  kafka_topic_create "$topic" 2
  produce_phase "$topic" 2 20 m
  member_start confluent c1 "$group" "$topic"
  wait_for 60 records_at_least 40
  sleep 1
  member_stop c1
  broker_kill9
  broker_start offsets.topic.num.partitions=1 offsets.topic.segment.bytes=8192 \
    log.cleaner.backoff.ms=300 "${GROUP_BROKER_OVERRIDES[@]}"
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$group" --admin
  echo "$output"
  [[ $output == *"list $group consumer"* ]]
  [[ $output == *"describe $group Empty 0"* ]]
  [[ $output == *"offset $topic 0 20"* && $output == *"offset $topic 1 20"* ]]
}

@test "offsets expire offsets.retention.minutes after the group became empty (and not while it is active)" {
  broker_stop
  broker_start offsets.topic.num.partitions=1 offsets.retention.minutes=1 \
    offsets.retention.check.interval.ms=1000 "${GROUP_BROKER_OVERRIDES[@]}"
  local topic standalone active
  topic=$(unique_topic offsets-expire)
  standalone="g-expire-standalone-$RANDOM"
  active="g-expire-active-$RANDOM"
  kafka_topic_create "$topic" 3
  commit_many "$standalone" "$topic" 1
  produce_phase "$topic" 3 5 e
  member_start confluent a1 "$active" "$topic"
  wait_for 60 records_at_least 15
  local t0=$SECONDS
  # a minute and a bit later: the standalone group's offsets are gone, the
  # active group (subscribed, members heartbeating) keeps its offsets
  wait_for 100 eval '! grep -q "^offset" <(timeout 30 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python --bootstrap "$BROKER" --group "$standalone" --admin)'
  (( SECONDS - t0 >= 40 )) # not before the retention (1 min after the commit)
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$standalone" --admin
  echo "$output"
  [[ $output == *"describe $standalone Dead 0"* ]]
  grep -q "Removed 3 expired offsets of group $standalone" "$BROKER_DIR/logs/server.log"
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$active" --admin
  echo "$output"
  [[ $output == *"describe $active Stable 1"* ]]
  [[ $output == *"offset $topic 0 5"* ]]
  member_stop a1
}
