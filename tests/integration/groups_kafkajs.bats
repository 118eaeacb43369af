#!/usr/bin/env bats
# Consumer groups with kafkajs 2.2.4 (npm): sharing and rebalancing,
# committed offsets across a broker kill -9, independent groups, and the
# admin calls listGroups/describeGroups/fetchOffsets/deleteGroups.
# Scenarios: groups_helper.bash; the member program: kafkajs_group.js.

load test_helper
load groups_helper

setup_file() { groups_setup_file; }
teardown_file() { stop_all; }
setup() { groups_setup; }
teardown() { groups_teardown; show_logs_on_failure; }

@test "kafkajs group: 3 members share 6 partitions; a 4th joins, one leaves, one is killed" {
  scenario_share_and_rebalance kafkajs
}

@test "kafkajs group: committed offsets survive a broker kill -9" {
  scenario_resume_after_broker_kill kafkajs
}

@test "kafkajs group: two groups consume the same topic independently" {
  scenario_two_groups kafkajs
}

@test "kafkajs admin: listGroups, describeGroups, fetchOffsets, deleteGroups" {
  local topic group
  topic=$(unique_topic grp-admin-js)
  group="g-admin-js-$RANDOM"
  kafka_topic_create "$topic" 2
  produce_phase "$topic" 2 10 a
  member_start kafkajs ad1 "$group" "$topic"
  wait_for 60 records_at_least 20
  sleep 1
  run timeout 60 node "$CLIENTS_DIR/kafkajs_group.js" admin --bootstrap "$BROKER" --group "$group" --delete
  echo "$output"
  [[ $output == *"list $group consumer"* ]]
  [[ $output == *"describe $group Stable 1"* ]]
  [[ $output == *"offset $topic 0 10"* && $output == *"offset $topic 1 10"* ]]
  [[ $output == *"delete-error $group NON_EMPTY_GROUP"* ]]
  member_stop ad1
  run timeout 60 node "$CLIENTS_DIR/kafkajs_group.js" admin --bootstrap "$BROKER" --group "$group" --delete
  echo "$output"
  [[ $output == *"describe $group Empty 0"* ]]
  [[ $output == *"deleted $group"* ]]
}
