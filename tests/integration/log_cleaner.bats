#!/usr/bin/env bats
# The log cleaner on a topic with cleanup.policy=compact: the segments it
# merges get their offset and time indexes written with them, so neither
# the cleaning run nor the next start logs a WARN (operators grep
# server.log for WARN), and reads by offset and by time work on the result.

load test_helper

setup_file() {
  zk_start
  broker_start log.cleaner.backoff.ms=300
}
teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

topic_dir() { echo "$BROKER_DIR/data/$1-0"; }
segments() { find "$(topic_dir "$1")" -name '*.log' | wc -l; }
cleaned() { grep -q "\[Log partition=$1-0.*Cleaned log up to offset" "$BROKER_DIR/logs/server.log"; }

@test "merged segments get their indexes: no WARN when cleaning nor at the next start; reads by offset and time work" {
  local topic t1
  topic=$(unique_topic compacted)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$topic" --partitions 1 \
    --config cleanup.policy=compact --config segment.bytes=4096 --config min.cleanable.dirty.ratio=0.01 \
    --config index.interval.bytes=200
  # 2000 records over 50 keys (k20..k49 last written at offsets 1970..1999),
  # then 200 over k0..k9 only: ~30 segments before cleaning
  produce() { timeout -k 5 60 kcat -P -b "$BROKER" -t "$topic" -K: -X linger.ms=0 -X batch.num.messages=1; }
  for ((i = 0; i < 2000; i++)); do echo "k$((i % 50)):v$i"; done | produce
  sleep 0.05
  t1=$(date +%s%3N)
  sleep 0.05
  for ((i = 2000; i < 2200; i++)); do echo "k$((i % 10)):v$i"; done | produce
  wait_for 60 cleaned "$topic"
  wait_for 30 eval '(( $(segments "$topic") <= 4 ))'
  note "$(segments "$topic") segments after cleaning: $(find "$(topic_dir "$topic")" -name '*.log' -printf '%f ')"
  local seg
  for seg in "$(topic_dir "$topic")"/*.log; do
    [[ -s ${seg%.log}.index && -s ${seg%.log}.timeindex ]] || [[ ! -s $seg ]]
  done
  broker_stop
  broker_start log.cleaner.backoff.ms=300
  run grep -n ' WARN ' "$BROKER_DIR/logs/server.log"
  echo "$output"
  [[ -z $output ]]
  # from an offset inside the merged segments: k20..k49's last values first
  run timeout -k 5 30 kcat -C -b "$BROKER" -t "$topic" -o 1970 -e -q -f '%o %k=%s\n'
  [[ ${lines[0]} == "1970 k20=v1970" && ${lines[29]} == "1999 k49=v1999" ]]
  [[ ${lines[-1]} == "2199 k9=v2199" ]]
  # by timestamp: the first record written after t1
  run timeout -k 5 30 kcat -C -b "$BROKER" -t "$topic" -o "s@$t1" -e -q -f '%o\n'
  [[ ${lines[0]} -ge 2000 && ${lines[-1]} == 2199 ]]
}
