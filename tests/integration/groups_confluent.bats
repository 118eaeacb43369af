#!/usr/bin/env bats
# Consumer groups with confluent-kafka 1.7 (librdkafka 2.0.2): sharing and
# rebalancing, committed offsets across a broker kill -9, independent groups,
# static membership, and the group admin calls (confluent-kafka's
# list_groups; librdkafka's DeleteGroups and DeleteConsumerGroupOffsets
# through tests/clients/rdkafka_group_admin.c).  Scenarios: groups_helper.bash.

load test_helper
load groups_helper

setup_file() {
  groups_setup_file
  cc -Wall -Wextra -Werror -o "$BATS_FILE_TMPDIR/rdkafka_group_admin" \
    "$CLIENTS_DIR/rdkafka_group_admin.c" -lrdkafka
}
teardown_file() { stop_all; }
setup() { groups_setup; }
teardown() { groups_teardown; show_logs_on_failure; }

rdadmin() { timeout 60 "$BATS_FILE_TMPDIR/rdkafka_group_admin" "$BROKER" "$@"; }

@test "confluent-kafka group: 3 members share 6 partitions; a 4th joins, one leaves, one is killed" {
  scenario_share_and_rebalance confluent
}

@test "confluent-kafka group: committed offsets survive a broker kill -9" {
  scenario_resume_after_broker_kill confluent
}

@test "confluent-kafka group: two groups consume the same topic independently" {
  scenario_two_groups confluent
}

@test "confluent-kafka group: a static member restarts without a rebalance" {
  scenario_static_membership confluent
}

@test "confluent-kafka group: roundrobin assignor" { scenario_assignor confluent roundrobin; }

@test "confluent-kafka group: cooperative-sticky assignor (incremental rebalancing)" {
  scenario_assignor confluent cooperative-sticky
}

@test "confluent-kafka + librdkafka admin: list/describe groups, OffsetDelete, DeleteGroups" {
  local topic other group
  topic=$(unique_topic grp-admin-cf)
  other=$(unique_topic grp-admin-cf-other)
  group="g-admin-cf-$RANDOM"
  kafka_topic_create "$topic" 2
  kafka_topic_create "$other" 1
  produce_phase "$topic" 2 10 a
  member_start confluent ad1 "$group" "$topic"
  wait_for 60 records_at_least 20
  sleep 1
  # an offset for a topic the group does not subscribe to (simple commit, generation -1)
  run rdadmin delete-offsets "$group" "$other" 0
  [[ $output == *"$other 0 NO_ERROR"* ]]
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client confluent \
    --bootstrap "$BROKER" --group "$group" --topic "$topic" --admin
  echo "$output"
  [[ $output == *"list $group consumer"* ]]
  [[ $output == *"describe $group Stable 1"* ]]
  [[ $output == *"offset $topic 0 10"* && $output == *"offset $topic 1 10"* ]]
  # the group is subscribed to $topic: its offsets cannot be deleted
  run rdadmin delete-offsets "$group" "$topic" 0
  echo "$output"
  [[ $output == *"$topic 0 GROUP_SUBSCRIBED_TO_TOPIC"* ]]
  run rdadmin delete-group "$group"
  echo "$output"
  [[ $output == "$group NON_EMPTY_GROUP" ]]
  member_stop ad1
  run rdadmin delete-offsets "$group" "$topic" 0
  echo "$output"
  [[ $output == *"$topic 0 NO_ERROR"* ]]
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client confluent \
    --bootstrap "$BROKER" --group "$group" --topic "$topic" --admin
  echo "$output"
  [[ $output == *"describe $group Empty 0"* ]]
  [[ $output != *"offset $topic 0 "* && $output == *"offset $topic 1 10"* ]]
  run rdadmin delete-group "$group"
  [[ $output == "$group NO_ERROR" ]]
  run rdadmin delete-group "$group"
  [[ $output == "$group GROUP_ID_NOT_FOUND" ]]
}
