#!/usr/bin/env bats
# Our coordinator with kazoo 2.8 (python3-kazoo): the API and its recipes.

load test_helper

setup_file() { coord_start; }
teardown_file() { zk_stop; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then coord_log_tail 30; fi
}

kz() { timeout -k 5 120 "$PY" "$CLIENTS_DIR/kazoo_coordinator.py" "$ZK_CONNECT" "$@"; }

@test "kazoo: create/get/set/delete, sequence and ephemeral nodes, Stat fields" {
  run kz basics
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ $output == *"ok basics"* ]]
}

@test "kazoo: Lock recipe hands the lock to the next contender" {
  run kz lock
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "kazoo: Election recipe elects one leader after the other" {
  run kz election
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "kazoo: Counter recipe counts exactly under contention" {
  run kz counter
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "kazoo: DataWatch and ChildrenWatch see every change; one-shot watches fire once" {
  run kz watches
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "kazoo: transactions commit atomically or roll back with per-op errors" {
  run kz transaction
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "kazoo: digest ACLs and add_auth" {
  run kz acl
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "kazoo: repeated ACL entries are stored once (create, setACL, transaction), as ZooKeeper 3.5+ does" {
  run kz acl_duplicates
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "kazoo: server_version (envi) and ruok" {
  run kz version
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}
