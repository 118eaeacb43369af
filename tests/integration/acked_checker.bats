#!/usr/bin/env bats
# tests/clients/acked_checker.py, the checker of the replication tests,
# against one broker: clean runs of both producers count nothing, and each
# of its counts (lost, mismatched, duplicated, reordered) does fire on a
# doctored acknowledgement file or on records written behind its back.

load test_helper

setup_file() {
  zk_start
  broker_start
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

# new_topic PREFIX PARTITIONS: create it, print its name.
new_topic() {
  local t
  t=$(unique_topic "$1")
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" \
    --partitions "$2" --replication-factor 1 >/dev/null
  echo "$t"
}

@test "checker: librdkafka and kafka-python producers together, every count 0" {
  local t d=$BATS_TEST_TMPDIR
  t=$(new_topic chk 3)
  kchecker 90 produce --bootstrap "$BROKER" --topic "$t" --client confluent --producer-id rd \
    --count 3000 --max-seconds 60 --partitions 3 --acked "$d/rd.acked" --failed "$d/rd.failed" \
    --require-all &
  local rd=$!
  kchecker 90 produce --bootstrap "$BROKER" --topic "$t" --client kafka-python --producer-id py \
    --count 1500 --max-seconds 60 --partitions 3 --acked "$d/py.acked" --failed "$d/py.failed" \
    --require-all
  wait "$rd"
  [ "$(line_count "$d/rd.acked")" -eq 3000 ]
  [ "$(line_count "$d/py.acked")" -eq 1500 ]
  [ "$(line_count "$d/rd.failed")" -eq 0 ]
  run kchecker 90 verify --bootstrap "$BROKER" --topic "$t" --acked "$d/rd.acked" --acked "$d/py.acked"
  echo "$output"
  [ "$status" -eq 0 ]
  local p
  for p in 0 1 2; do
    [[ $output == *"partition $p: acked 1500 read 1500 lost 0 duplicated 0 reordered 0 mismatched 0 "* ]]
  done
  [[ $output == *"total: acked 4500 (failed sends 0) lost 0 duplicated 0 reordered 0 mismatched 0"* ]]
}

@test "checker: counts a lost, a mismatched, a duplicated and a reordered record" {
  local t d=$BATS_TEST_TMPDIR
  t=$(new_topic chkbad 1)
  kchecker 60 produce --bootstrap "$BROKER" --topic "$t" --producer-id p --count 300 \
    --max-seconds 30 --acked "$d/acked" --failed "$d/failed" --require-all
  run kchecker 60 verify --bootstrap "$BROKER" --topic "$t" --acked "$d/acked"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"partition 0: acked 300 read 300 lost 0 duplicated 0 reordered 0 mismatched 0 "* ]]

  # an acknowledgement of a record never written: lost
  { cat "$d/acked"; echo "0 400 p:999"; } >"$d/lost.acked"
  run kchecker 60 verify --bootstrap "$BROKER" --topic "$t" --acked "$d/lost.acked"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"partition 0: acked 301 read 300 lost 1 duplicated 0 reordered 0 mismatched 0 "* ]]
  [[ $output == *"lost: p:999 acked at 400"* ]]

  # the values of offsets 5 and 6 acknowledged the other way round: both
  # are read, neither where it was acknowledged
  local v5 v6
  v5=$(awk '$2 == 5 {print $3}' "$d/acked")
  v6=$(awk '$2 == 6 {print $3}' "$d/acked")
  awk -v a="$v5" -v b="$v6" '$2 == 5 {$3 = b} $2 == 6 {$3 = a} {print}' "$d/acked" >"$d/swapped.acked"
  run kchecker 60 verify --bootstrap "$BROKER" --topic "$t" --acked "$d/swapped.acked"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"partition 0: acked 300 read 300 lost 0 duplicated 0 reordered 0 mismatched 2 "* ]]

  # written behind the checker's back: a second copy of an acknowledged
  # value, and a producer's seq 2 before its seq 1
  printf '%s\nx:2\nx:1\n' "$v5" | timeout -k 5 30 kcat -P -b "$BROKER" -t "$t" -p 0
  run kchecker 60 verify --bootstrap "$BROKER" --topic "$t" --acked "$d/acked"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"partition 0: acked 300 read 303 lost 0 duplicated 1 reordered 1 mismatched 0 "* ]]
  [[ $output == *"reordered: x:1 at 302 after x:2"* ]]
}
