#!/usr/bin/env bats
# Rolling restarts and upgrades of the lab's foo.bar cluster (roles/rolling,
# playbooks/rolling-*.yml), run from peter-ansible01 while this machine, in
# the lab's network (scripts/lab.sh exec), keeps an idempotent acks=all load
# on an RF=3, min.insync.replicas=2 topic and a consumer group reads it
# (kcat -G):
#   - rolling-restart.yml under the load: every acknowledged record read
#     once and in order (acked_checker.py), no failed send, the group's
#     committed offsets never go backwards (cluster_sampler.py); the figures
#     (the roll's wall time, each broker's seconds out of the ISR, the
#     producer's acks=all p99 during the roll and before it) are printed;
#   - with a broker stopped, the playbook refuses before touching any host
#     and says why;
#   - a broker that cannot fetch from the leaders after its start (its
#     connections to 9092 dropped) stops the roll after that host, its
#     server.log lines shown, the other brokers untouched;
#   - rolling-upgrade.yml from the previous build's packages
#     (scripts/build-previous-debs.sh: an older commit of main, built from
#     git history) to this build's under the same load;
#   - a change of one broker setting applied by site.yml restarts the
#     brokers one at a time through the gates; a second run restarts nothing.
# Needs what tests/lab/lab.bats needs; `make lab-test` runs both.

load ../integration/test_helper
load lab_helper

setup_file() { lab_up_or_use; }

teardown() { load_teardown; }

@test "rolling-restart.yml under an acks=all load: nothing lost, duplicated or reordered, no failed send, commits never go backwards" {
  local d=$BATS_TEST_TMPDIR t=rolling-load-$(date +%s)
  new_topic "$t"
  load_start "$t"
  sleep 5
  # the figures' baseline: the same load without a roll
  local t_roll0 t_roll1 t_base0 t0
  t_base0=$(date +%s.%N)
  sleep 15
  pids >"$d/pids.before"
  t_roll0=$(date +%s.%N)
  t0=$SECONDS
  playbook playbooks/rolling-restart.yml >"$d/roll.log" 2>&1 || { cat "$d/roll.log"; false; }
  local wall=$((SECONDS - t0))
  t_roll1=$(date +%s.%N)
  pids >"$d/pids.after"
  sleep 5
  load_stop "$t"

  # every host was restarted, once, in the gates' order
  grep -E '^peter-(zk|kafka).* : ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0' "$d/roll.log"
  [[ $(grep -cE '^peter-(zk|kafka).* : ok=[0-9]+ +changed=[1-9]' "$d/roll.log") -eq 6 ]]
  paste "$d/pids.before" "$d/pids.after"
  [[ $(paste "$d/pids.before" "$d/pids.after" | awk '$2 != $4 && $2 > 0 && $4 > 0' | wc -l) -eq 6 ]]
  grep -o 'Restart ZooKeeper: peter-zk0[0-9]\|Stop the broker with a controlled shutdown: peter-kafka0[0-9]' "$d/roll.log" | tee "$d/order"
  [[ $(wc -l <"$d/order") -eq 6 ]]

  # committed offsets never went backwards
  "$PY" "$CLIENTS_DIR/cluster_sampler.py" report --out "$d/samples" --from "$t_roll0" --to "$t_roll1" | tee "$d/report"
  grep -q "backwards 0" "$d/report"
  "$PY" "$CLIENTS_DIR/cluster_sampler.py" report --out "$d/samples"

  note "rolling restart of the six hosts under load: $wall s"
  note "out of the ISR during the roll: $(grep out-of-isr "$d/report" | awk '{ printf "broker %s %s s; ", $3, $4 }')"
  note "acks=all p99 without a roll: $(p99 "$t_base0" "$t_roll0")"
  note "acks=all p99 during the roll: $(p99 "$t_roll0" "$t_roll1")"
  note "$(grep '^total' "$d/verify.log")"
}

@test "with one broker stopped, rolling-restart.yml refuses before touching any host and says why" {
  local d=$BATS_TEST_TMPDIR
  on peter-kafka02 systemctl stop kafka-server
  pids >"$d/pids.before"
  run playbook playbooks/rolling-restart.yml
  on peter-kafka02 systemctl start kafka-server
  echo "$output"
  [[ $status -ne 0 ]]
  [[ $output == *"broker 2 is not registered (/brokers/ids is [1, 3])"* ]]
  [[ $output != *"PLAY [Restart the ZooKeeper hosts one at a time.]"* ]]
  pids >"$d/pids.after"
  # nothing else was restarted
  diff <(grep -v peter-kafka02 "$d/pids.before") <(grep -v peter-kafka02 "$d/pids.after")
  # and with it back, a roll would start again once it is in sync
  on peter-kafka01 /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --describe --under-replicated-partitions
}

# first_in_roll: the broker a roll of the brokers takes first (the first
# of the inventory that is not the controller).
first_in_roll() {
  local controller h
  controller=$(on peter-zk01 /opt/kafka/bin/zookeeper-shell.sh localhost:2181 get /controller |
    grep -o '"brokerid":[0-9]*' | cut -d: -f2)
  for h in "${BROKERS[@]}"; do
    [[ ${h#peter-kafka0} != "$controller" ]] && { echo "$h"; return; }
  done
}

@test "a broker that cannot rejoin the ISR after its start stops the roll there, its log lines shown, the other hosts untouched" {
  local d=$BATS_TEST_TMPDIR victim dropin=/etc/systemd/system/kafka-server.service.d/isolate-test.conf
  wait_for 120 no_urp
  victim=$(first_in_roll)
  # from its next start on, the broker's own connections to port 9092 (its
  # fetches from the leaders) are dropped: it registers and serves, but
  # cannot catch up, so it cannot rejoin the ISR while the load writes
  # (a read-only data directory no longer does: the broker refuses to start)
  on "$victim" "mkdir -p ${dropin%/*} && printf '%s\n' 'table inet rolltest {' \
    '  chain out { type filter hook output priority 0; meta skuid kafka tcp dport 9092 drop; }' '}' >/etc/kafka-rolltest.nft &&
    printf '[Service]\\nExecStartPre=+/usr/sbin/nft -f /etc/kafka-rolltest.nft\\n' >$dropin && systemctl daemon-reload"
  local t=rolling-isolated-$(date +%s)
  new_topic "$t"
  load_start "$t"
  pids >"$d/pids.before"
  run playbook playbooks/rolling-restart.yml --limit kafkahosts -e rolling_after_timeout=25
  pids >"$d/pids.after"
  on "$victim" "rm -f $dropin /etc/kafka-rolltest.nft && systemctl daemon-reload && (nft delete table inet rolltest || true) && systemctl restart kafka-server"
  echo "$output"
  paste "$d/pids.before" "$d/pids.after"
  [[ $status -ne 0 ]]
  [[ $output == *"Stopped the roll at $victim.foo.bar (its log lines above):"*"broker-in-sync: broker ${victim#peter-kafka0} is not in the ISR of "*"the hosts after it are untouched"* ]]
  # its server.log lines are in the output: its fetchers, started
  [[ $output == *"rolling_log.stdout_lines"* ]]
  [[ $output == *"[ReplicaFetcher replicaId=${victim#peter-kafka0}, leaderId="*"Added fetcher to broker "* ]]
  # it was the one host touched: the other brokers and (outside --limit)
  # the ZooKeeper hosts kept their processes
  [[ $(grep -o 'Stop the broker with a controlled shutdown: peter-[a-z0-9]*' <<<"$output" | awk '{ print $NF }') == "$victim" ]]
  [[ $output != *"PLAY [Restart the ZooKeeper hosts"*"TASK"*"Restart ZooKeeper"* ]]
  [[ $(paste "$d/pids.before" "$d/pids.after" | awk '$2 != $4 { print $1 }') == "$victim" ]]
  # once it can fetch again it rejoins, and the load lost nothing
  wait_for 180 no_urp
  load_stop "$t"
}

@test "a changed broker setting applied by site.yml restarts the brokers one at a time through the gates; a second run restarts nothing" {
  # a value this run has not set before
  local d=$BATS_TEST_TMPDIR backoff=$((15000 + $(date +%s) % 10000)) change
  change="{\"kafka_extra_config\": {\"log.cleaner.backoff.ms\": $backoff}}"
  wait_for 180 no_urp
  pids >"$d/pids.before"
  playbook playbooks/site.yml -e "$change" >"$d/site.log" 2>&1 || { cat "$d/site.log"; false; }
  pids >"$d/pids.after"
  paste "$d/pids.before" "$d/pids.after"
  # the three brokers restarted, the ZooKeeper hosts did not
  [[ $(paste "$d/pids.before" "$d/pids.after" | awk '$2 != $4 { print $1 }' | tr '\n' ' ') == "peter-kafka01 peter-kafka02 peter-kafka03 " ]]
  # one at a time: each stop comes after the previous broker is back in the ISR
  grep -oE 'Stop the broker with a controlled shutdown: peter-kafka0[0-9]|The gate holds: broker-in-sync [0-9]' "$d/site.log" | tee "$d/steps"
  [[ $(sed -n '1~2p' "$d/steps" | grep -c 'Stop the broker') -eq 3 ]]
  [[ $(sed -n '2~2p' "$d/steps" | grep -c 'broker-in-sync') -eq 3 ]]
  on peter-kafka02 grep -x "log.cleaner.backoff.ms=$backoff" /etc/kafka/server.properties

  playbook playbooks/site.yml -e "$change" >"$d/again.log" 2>&1 || { cat "$d/again.log"; false; }
  pids >"$d/pids.again"
  [[ $(grep -cE '^peter-.* changed=0 ' "$d/again.log") -eq 7 ]]
  diff "$d/pids.after" "$d/pids.again"
}

# prev_debs: the previous build's packages (scripts/build-previous-debs.sh:
# an older commit of main built from git history, cached; LAB_PREV_DEBS=DIR
# gives built ones instead) in the lab's package directory (peter-ansible01's
# /srv/packages) under prev/.
prev_debs() {
  local src p t0=$SECONDS
  src=${LAB_PREV_DEBS:-$("$REPO_ROOT/scripts/build-previous-debs.sh")}
  rm -rf "$LAB_DIR/packages/prev"
  mkdir -p "$LAB_DIR/packages/prev"
  for p in kafka kafka-zookeeper; do
    cp "$(ls -t "$src/${p}_"*.deb | head -1)" "$LAB_DIR/packages/prev/$p.deb"
  done
  note "previous build: $(dpkg-deb -f "$LAB_DIR/packages/prev/kafka.deb" Version) ($((SECONDS - t0)) s to build or find)"
}

versions() {
  local h
  for h in "${BROKERS[@]}"; do echo "$h $(on "$h" dpkg-query -W -f='\${Version}' kafka)"; done
  for h in "${ZKHOSTS[@]}"; do echo "$h $(on "$h" dpkg-query -W -f='\${Version}' kafka-zookeeper)"; done
}

# install_prev HOST PACKAGE UNIT: the previous build's PACKAGE on HOST (a
# downgrade: dpkg, the configuration kept), its UNIT restarted on it.
install_prev() {
  on "$1" "cat >/tmp/$2.deb && dpkg --force-confold -i /tmp/$2.deb >/dev/null && rm /tmp/$2.deb && systemctl restart $3" \
    <"$LAB_DIR/packages/prev/$2.deb"
}

@test "rolling-upgrade.yml from the previous build to this one under an acks=all load: a dry run lists it, then nothing lost and every host on the new version" {
  local d=$BATS_TEST_TMPDIR t=rolling-upgrade-$(date +%s) prev new h
  prev_debs
  prev=$(dpkg-deb -f "$LAB_DIR/packages/prev/kafka.deb" Version)
  new=$(dpkg-deb -f "$LAB_DIR/packages/kafka.deb" Version)
  dpkg --compare-versions "$prev" lt "$new"

  # the cluster on the previous build first (no load yet): the ensemble,
  # then the brokers, one host at a time
  wait_for 180 no_urp
  local t_down=$SECONDS
  for h in "${ZKHOSTS[@]}"; do
    install_prev "$h" kafka-zookeeper zookeeper-server
    wait_for 60 ensemble_whole
  done
  for h in "${BROKERS[@]}"; do
    install_prev "$h" kafka kafka-server
    wait_for 180 no_urp
  done
  note "the six hosts on the previous build in $((SECONDS - t_down)) s"
  versions | tee "$d/versions.before"
  [[ $(awk -v v="$prev" '$2 == v' "$d/versions.before" | wc -l) -eq 6 ]]
  pids >"$d/pids.before"

  # the dry run lists each host's change and changes nothing
  run playbook playbooks/rolling-upgrade.yml --check
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $(grep -c "\"msg\": \"kafka $prev -> $new: install it, then restart through the gates\"" <<<"$output") -eq 3 ]]
  [[ $(grep -c "\"msg\": \"kafka-zookeeper $prev -> $new: install it, then restart through the gates\"" <<<"$output") -eq 3 ]]
  [[ $(grep -c '"msg": "would upgrade through the gates"' <<<"$output") -eq 6 ]]
  pids | diff "$d/pids.before" -
  versions | diff "$d/versions.before" -

  # the upgrade to this build's packages (the inventory's default files)
  new_topic "$t"
  load_start "$t"
  local t_base0 t_roll0 t_roll1 t0
  t_base0=$(date +%s.%N)
  sleep 15
  t_roll0=$(date +%s.%N)
  t0=$SECONDS
  playbook playbooks/rolling-upgrade.yml >"$d/upgrade.log" 2>&1 || { cat "$d/upgrade.log"; false; }
  t_roll1=$(date +%s.%N)
  note "rolling upgrade of the six hosts ($prev -> $new) under load: $((SECONDS - t0)) s"
  sleep 5
  load_stop "$t"
  "$PY" "$CLIENTS_DIR/cluster_sampler.py" report --out "$d/samples" --from "$t_roll0" --to "$t_roll1" | tee "$d/report"
  grep -q "backwards 0" "$d/report"
  note "out of the ISR during the upgrade: $(grep out-of-isr "$d/report" | awk '{ printf "broker %s %s s; ", $3, $4 }')"
  note "acks=all p99 before the upgrade: $(p99 "$t_base0" "$t_roll0")"
  note "acks=all p99 during the upgrade: $(p99 "$t_roll0" "$t_roll1")"
  note "$(grep '^total' "$d/verify.log")"

  versions | tee "$d/versions.after"
  [[ $(awk -v v="$new" '$2 == v' "$d/versions.after" | wc -l) -eq 6 ]]
  pids >"$d/pids.after"
  [[ $(paste "$d/pids.before" "$d/pids.after" | awk '$2 != $4 && $4 > 0' | wc -l) -eq 6 ]]
  # the running programs are the new ones (no process left on a deleted file)
  for h in "${BROKERS[@]}"; do refute on "$h" 'ls -l /proc/$(systemctl show -p MainPID --value kafka-server)/exe | grep -q deleted'; done
  for h in "${ZKHOSTS[@]}"; do refute on "$h" 'ls -l /proc/$(systemctl show -p MainPID --value zookeeper-server)/exe | grep -q deleted'; done

  # again: every host has it, nothing is restarted
  run playbook playbooks/rolling-upgrade.yml
  echo "$output"
  [[ $status -eq 0 ]]
  [[ $(grep -c "(installed already): nothing to do" <<<"$output") -eq 6 ]]
  pids | diff "$d/pids.after" -
}
