#!/usr/bin/env bats
# Consumer groups with kcat -G (librdkafka's high-level consumer, auto
# commit): sharing and rebalancing, committed offsets across a broker kill -9,
# independent groups, static membership.  Scenarios: groups_helper.bash.

load test_helper
load groups_helper

setup_file() { groups_setup_file; }
teardown_file() { stop_all; }
setup() { groups_setup; }
teardown() { groups_teardown; show_logs_on_failure; }

@test "kcat -G: 3 members share 6 partitions; a 4th joins, one leaves, one is killed" {
  scenario_share_and_rebalance kcat
}

@test "kcat -G: committed offsets survive a broker kill -9" {
  scenario_resume_after_broker_kill kcat
}

@test "kcat -G: two groups consume the same topic independently" {
  scenario_two_groups kcat
}

@test "kcat -G: a static member restarts without a rebalance" {
  scenario_static_membership kcat
}
