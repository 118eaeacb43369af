#!/usr/bin/env bats
# Consumer groups with kafka-python 2.0.2 (KafkaConsumer, KafkaAdminClient):
# sharing and rebalancing, committed offsets across a broker kill -9,
# independent groups, and the group admin calls.  Scenarios: groups_helper.bash.

load test_helper
load groups_helper

setup_file() { groups_setup_file; }
teardown_file() { stop_all; }
setup() { groups_setup; }
teardown() { groups_teardown; show_logs_on_failure; }

@test "kafka-python group: 3 members share 6 partitions; a 4th joins, one leaves, one is killed" {
  scenario_share_and_rebalance kafka-python
}

@test "kafka-python group: committed offsets survive a broker kill -9" {
  scenario_resume_after_broker_kill kafka-python
}

@test "kafka-python group: two groups consume the same topic independently" {
  scenario_two_groups kafka-python
}

@test "kafka-python group: roundrobin assignor" { scenario_assignor kafka-python roundrobin; }

@test "kafka-python admin: list, describe, offsets, delete (refused while active)" {
  local topic group
  topic=$(unique_topic grp-admin-kp)
  group="g-admin-kp-$RANDOM"
  kafka_topic_create "$topic" 2
  produce_phase "$topic" 2 10 a
  member_start kafka-python ad1 "$group" "$topic"
  wait_for 60 records_at_least 20
  sleep 1
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$group" --admin --delete
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $output == *"list $group consumer"* ]]
  [[ $output == *"describe $group Stable 1 range"* ]]
  [[ $output == *"offset $topic 0 10"* && $output == *"offset $topic 1 10"* ]]
  [[ $output == *"delete-error $group NonEmptyGroupError"* ]]
  member_stop ad1
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$group" --admin --delete
  echo "$output"
  [[ $output == *"describe $group Empty 0 -"* ]]
  [[ $output == *"deleted $group"* ]]
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$group" --admin
  echo "$output"
  [[ $output != *"list $group "* ]]
  [[ $output == *"describe $group Dead 0"* ]]
  [[ $output != *"offset $topic"* ]]
}
