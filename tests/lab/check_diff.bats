#!/usr/bin/env bats
# site.yml --check --diff on the lab's converged foo.bar cluster with one
# broker setting changed: the output shows each broker's server.properties
# diff and says the roll would restart the brokers through the gates (the
# gates' read-only checks run, none fails), and nothing changes on the
# hosts: server.properties' checksum, each service's MainPID and
# ActiveEnterTimestamp are those of before. `make lab-test` runs it; it uses
# a lab that is up, else brings one up (scripts/lab.sh).

load ../integration/test_helper
load lab_helper

setup_file() { lab_up_or_use; }

# state: per host, the checksum of its configuration and its service's
# MainPID and ActiveEnterTimestamp (a restart changes both).
state() {
  local h
  for h in "${BROKERS[@]}"; do
    echo "$h $(on "$h" 'sha256sum /etc/kafka/server.properties /etc/default/kafka-server | cut -c1-16 | tr "\n" " "; systemctl show -p MainPID -p ActiveEnterTimestamp kafka-server | tr "\n" " "')"
  done
  for h in "${ZKHOSTS[@]}"; do
    echo "$h $(on "$h" 'sha256sum /etc/kafka/zookeeper.properties | cut -c1-16 | tr "\n" " "; systemctl show -p MainPID -p ActiveEnterTimestamp zookeeper-server | tr "\n" " "')"
  done
}

@test "site.yml --check --diff with a changed broker setting shows the server.properties diff and changes nothing on the hosts" {
  # a value no run set before
  local d=$BATS_TEST_TMPDIR backoff=$((30000 + $(date +%s) % 10000)) change h
  change="{\"kafka_extra_config\": {\"log.cleaner.backoff.ms\": $backoff}}"
  wait_for 180 no_urp
  state | tee "$d/state.before"

  local t0=$SECONDS
  run playbook playbooks/site.yml --check --diff -e "$change"
  note "site.yml --check --diff: $((SECONDS - t0)) s"
  echo "$output"
  [[ $status -eq 0 ]]
  # every host in the recap, none failed or unreachable; the brokers would change
  [[ $(grep -cE '^peter-[a-z0-9]+\.foo\.bar +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0' <<<"$output") -eq 7 ]]
  [[ $(grep -cE '^peter-kafka0[1-3]\.foo\.bar +: ok=[0-9]+ +changed=[1-9]' <<<"$output") -eq 3 ]]
  # the diff: each broker's server.properties gains the line
  [[ $(grep -c '^--- before: /etc/kafka/server.properties' <<<"$output") -eq 3 ]]
  [[ $(grep -cx "+log.cleaner.backoff.ms=$backoff" <<<"$output") -eq 3 ]]
  # the roll says what it would do, host by host, and does none of it
  [[ $(grep -c '"msg": "would restart through the gates"' <<<"$output") -eq 3 ]]
  [[ $(grep -A1 'TASK \[rolling : Stop the broker with a controlled shutdown' <<<"$output" | grep -c '^skipping: ') -eq 3 ]]
  [[ $output != *"The gate holds: broker-in-sync"* ]]

  # nothing changed on the hosts
  state | tee "$d/state.after"
  diff "$d/state.before" "$d/state.after"
  for h in "${BROKERS[@]}"; do refute on "$h" grep -q "^log.cleaner.backoff.ms=$backoff" /etc/kafka/server.properties; done
}
