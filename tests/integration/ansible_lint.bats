#!/usr/bin/env bats
# The Ansible content without any host: yamllint and ansible-lint (production
# profile) pass, the security-group note in docs/ is the one the port table
# renders, and a wrong inventory (a broker id used twice, an even number of
# ZooKeeper hosts, a host without an address, two hosts on one address)
# stops `ansible-playbook --check` in its first play, before any host is
# contacted, with a message naming the problem. The lab tests
# (tests/lab/) run the playbooks for real.

load test_helper

# bad_inventory NAME: a copy of inventory/foo.bar in the test's temp dir,
# whose path it prints; the test then breaks it.
bad_inventory() {
  local dir=$BATS_TEST_TMPDIR/$1
  cp -r "$REPO_ROOT/inventory/foo.bar" "$dir"
  echo "$dir"
}

# check_site INVENTORY_DIR: ansible-playbook --check site.yml against it.
# The hosts are unreachable here: the run may only end in the inventory check.
check_site() {
  cd "$REPO_ROOT"
  run timeout 120 ansible-playbook --check -i "$1/hosts" playbooks/site.yml
}

# stopped_by_check MESSAGE: the run failed in the inventory check, with
# MESSAGE, and never reached a host.
stopped_by_check() {
  echo "$output"
  [[ $status -ne 0 ]]
  [[ $output == *"$1"* ]]
  [[ $output != *"Gathering Facts"* ]]
  [[ $output != *UNREACHABLE* ]]
  [[ $output != *"Set up the"* ]] # no play after the check started
}

@test "yamllint passes on the Ansible content" {
  cd "$REPO_ROOT"
  run yamllint -s inventory playbooks roles .yamllint .ansible-lint
  echo "$output"
  [[ $status -eq 0 ]]
}

@test "ansible-lint passes with the production profile" {
  cd "$REPO_ROOT"
  run ansible-lint -q --profile production playbooks roles
  echo "$output"
  [[ $status -eq 0 ]]
}

@test "the inventory of foo.bar passes the inventory check" {
  cd "$REPO_ROOT"
  run ansible-playbook -i inventory/foo.bar/hosts playbooks/inventory_check.yml
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $output == *"failed=0"* ]]
}

@test "docs/security-groups.md is what the port table renders" {
  cd "$REPO_ROOT"
  run ansible-playbook -i inventory/foo.bar/hosts playbooks/security-groups.yml \
    -e security_groups_note="$BATS_TEST_TMPDIR/sg.md"
  echo "$output"
  [[ $status -eq 0 ]]
  diff -u docs/security-groups.md "$BATS_TEST_TMPDIR/sg.md"
  # a port of the table is in the note, for the group the table names
  grep -q '^| 2888/tcp | zookeeper-quorum | sg-zkhosts | 10.213.0.11, 10.213.0.12, 10.213.0.13 |$' \
    "$BATS_TEST_TMPDIR/sg.md"
}

@test "a broker id used twice stops the play, naming the host" {
  local inv
  inv=$(bad_inventory dup-broker)
  sed -i 's/^kafka_broker_id: 3$/kafka_broker_id: 1/' "$inv/host_vars/peter-kafka03.foo.bar.yml"
  check_site "$inv"
  stopped_by_check "Broker id 1 of peter-kafka03.foo.bar is missing or used by another host of kafkahosts"
}

@test "an even number of ZooKeeper hosts stops the play" {
  local inv
  inv=$(bad_inventory even-zk)
  sed -i 's/^peter-zk03.foo.bar$//' "$inv/hosts"
  check_site "$inv"
  stopped_by_check "zkhosts has 2 hosts: a ZooKeeper ensemble needs an odd number"
}

@test "a host without an address stops the play, naming the host" {
  local inv
  inv=$(bad_inventory no-address)
  sed -i '/^address:/d' "$inv/host_vars/peter-zk02.foo.bar.yml"
  check_site "$inv"
  stopped_by_check "Host peter-zk02.foo.bar has no address"
}

@test "two hosts on one address stop the play" {
  local inv
  inv=$(bad_inventory dup-address)
  sed -i 's/^address: .*/address: 10.213.0.21/' "$inv/host_vars/peter-kafka02.foo.bar.yml"
  check_site "$inv"
  stopped_by_check "Address 10.213.0.21 of peter-kafka01.foo.bar is given to another host too"
}

@test "a ZooKeeper myid used twice stops the play" {
  local inv
  inv=$(bad_inventory dup-myid)
  sed -i 's/^zookeeper_myid: 2$/zookeeper_myid: 1/' "$inv/host_vars/peter-zk02.foo.bar.yml"
  check_site "$inv"
  stopped_by_check "ZooKeeper myid 1 of peter-zk01.foo.bar"
}
