#!/usr/bin/env bats
# What survives: kill -9 under load, retention, graceful stop and restart.
# The broker runs with log.retention.check.interval.ms=1000 so retention acts
# within seconds.

load test_helper

setup_file() {
  zk_start
  # a short ZooKeeper session: after kill -9 the stale registration expires
  # (and the restart can proceed) in seconds
  broker_start log.retention.check.interval.ms=1000 file.delete.delay.ms=1000 \
    zookeeper.session.timeout.ms=6000
}

teardown_file() {
  stop_all
}

setup() {
  # a test that failed half-way may have left the broker down
  if ! broker_alive; then
    BROKER_START_TIMEOUT=120 broker_restart
  fi
}

teardown() {
  show_logs_on_failure
}

# offsets_of TOPIC: "partition earliest latest" lines (librdkafka ListOffsets)
offsets_of() {
  local out
  out=$(kconfluent 60 offsets --bootstrap "$BROKER" --topic "$1") || {
    echo "$out" >&2
    return 1
  }
  grep -E '^[0-9]+ -?[0-9]+ -?[0-9]+$' <<<"$out"
}

# file_absent PATH
file_absent() {
  [[ ! -e $1 ]]
}

# earliest_above_zero TOPIC: partition 0's log start offset is past 0
earliest_above_zero() {
  local lo
  lo=$(offsets_of "$1" | awk '$1 == 0 {print $2}')
  [[ -n $lo ]] && ((lo > 0))
}

# segment_bases DIR: base offsets of the *.log segment files, ascending
segment_bases() {
  find "$1" -maxdepth 1 -name '*.log' -printf '%f\n' 2>/dev/null | sed 's/\.log$//' | sort -n |
    while read -r b; do echo "$((10#$b))"; done
}

@test "kill -9 under acks=1 load: every acknowledged message survives at its offset" {
  local topic acked plog ppid n_kill n rc=0
  topic=$(unique_topic kill9)
  acked="$BATS_TEST_TMPDIR/acked.txt"
  plog="$BATS_TEST_TMPDIR/producer.log"
  kconfluent 60 create-topic --bootstrap "$BROKER" --topic "$topic" --partitions 3

  # librdkafka, acks=1, 20000 msg/s for up to 20 s; it keeps retrying while
  # the broker is down and carries on after the restart.
  kconfluent 240 produce-acked --timeout 220 --bootstrap "$BROKER" --topic "$topic" \
    --count 400000 --rate 20000 --max-seconds 60 --message-timeout-ms 60000 \
    --allow-failures --out "$acked" >"$plog" 2>&1 3>&- &
  ppid=$!
  if ! wait_for 60 lines_at_least "$acked" 20000; then
    cat "$plog"
    false
  fi
  broker_kill9
  n_kill=$(line_count "$acked")
  echo "broker killed (SIGKILL) with $n_kill messages acknowledged"
  sleep 1
  BROKER_START_TIMEOUT=120 broker_restart
  wait "$ppid" || rc=$?
  cat "$plog"
  [ "$rc" -eq 0 ]
  n=$(line_count "$acked")
  echo "$n messages acknowledged in all"
  ((n >= n_kill))

  # every acked (partition, offset, value) is there; new messages go to the
  # next offsets (never over an acknowledged one)
  kconfluent 300 verify-acked --timeout 280 --bootstrap "$BROKER" --topic "$topic" \
    --in "$acked" --produce-after
  # and a second client library reads the same
  kpy 300 verify-acked --timeout 280 --bootstrap "$BROKER" --topic "$topic" --in "$acked"
}

@test "retention: old segments are deleted and the earliest offset advances" {
  local topic pdir bases first lo hi
  topic=$(unique_topic retention)
  pdir="$BROKER_DIR/data/$topic-0"
  kconfluent 60 create-topic --bootstrap "$BROKER" --topic "$topic" --partitions 1 \
    --config segment.bytes=1024 --config retention.ms=8000
  # 100 requests of one ~400-byte message each: a segment every two or three
  kconfluent 120 produce --bootstrap "$BROKER" --topic "$topic" --count 100 --pad 300 \
    --one-per-request
  [ -d "$pdir" ] || { echo "no partition directory $pdir"; ls -la "$BROKER_DIR/data"; false; }
  bases=$(segment_bases "$pdir")
  echo "segments after produce: $(echo "$bases" | tr '\n' ' ')"
  (($(echo "$bases" | wc -l) >= 5))
  [ "$(echo "$bases" | head -n1)" -eq 0 ]

  # within a minute the segment at offset 0 goes and the log start moves on
  wait_for 60 file_absent "$pdir/00000000000000000000.log"
  wait_for 30 earliest_above_zero "$topic"

  # the earliest offset is the base offset of the oldest segment left
  # (read the directory, the offsets, the directory again, until stable)
  local before after off
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    before=$(segment_bases "$pdir")
    off=$(offsets_of "$topic")
    after=$(segment_bases "$pdir")
    [[ $before == "$after" ]] && break
    sleep 0.5
  done
  read -r _ lo hi <<<"$off"
  echo "offsets now $lo..$hi, segments: $(echo "$after" | tr '\n' ' ')"
  [ "$hi" -eq 100 ]
  ((lo > 0 && lo <= 100))
  first=$(echo "$after" | head -n1)
  if [[ -n $first ]]; then
    [ "$lo" -eq "$first" ]
  fi

  # the log end is where it was: the next message gets offset 100, and
  # consuming from the earliest offset starts at the log start
  kconfluent 60 append-check --bootstrap "$BROKER" --topic "$topic"
  off=$(timeout -k 5 60 kcat -C -b "$BROKER" -t "$topic" -p 0 -o beginning -c 1 -e -q -f '%o\n')
  echo "first offset consumed from the beginning: $off"
  read -r _ lo hi <<<"$(offsets_of "$topic")"
  [ "$off" -eq "$lo" ]
}

@test "retention.bytes: the oldest segments go, the rest stays readable from the new start" {
  local topic pdir lo hi bases before after off
  topic=$(unique_topic retention-bytes)
  pdir="$BROKER_DIR/data/$topic-0"
  kconfluent 60 create-topic --bootstrap "$BROKER" --topic "$topic" --partitions 1 \
    --config segment.bytes=1024 --config retention.bytes=4000
  kconfluent 120 produce --bootstrap "$BROKER" --topic "$topic" --count 100 --pad 300 \
    --one-per-request
  wait_for 60 earliest_above_zero "$topic"
  sleep 2 # let one more retention pass find nothing left to do
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    before=$(segment_bases "$pdir")
    off=$(offsets_of "$topic")
    after=$(segment_bases "$pdir")
    [[ $before == "$after" ]] && break
    sleep 0.5
  done
  read -r _ lo hi <<<"$off"
  echo "offsets now $lo..$hi, segments: $(echo "$after" | tr '\n' ' ')"
  [ "$hi" -eq 100 ]
  ((lo > 0 && lo < 100))
  [ "$lo" -eq "$(echo "$after" | head -n1)" ]
  bases=$(echo "$after" | wc -l)
  ((bases >= 2 && bases <= 12))
  # what is left is intact: v<lo>..v99 at offsets lo..99
  kconfluent 120 consume --bootstrap "$BROKER" --topic "$topic" --count $((100 - lo)) \
    --start "$lo" --first-offset "$lo" --pad 300
}

@test "SIGTERM: graceful stop, then restart keeps topics, configs, offsets and data" {
  local topic before after value
  topic=$(unique_topic graceful)
  kconfluent 60 create-topic --bootstrap "$BROKER" --topic "$topic" --partitions 2 \
    --config retention.ms=86400000 --config max.message.bytes=300000
  kconfluent 120 produce --bootstrap "$BROKER" --topic "$topic" --count 5000 --headers
  before=$(offsets_of "$topic")
  echo "before: $before"
  [ "$(echo "$before" | wc -l)" -eq 2 ]

  broker_stop 30 # SIGTERM; must exit by itself within 30 s
  refute port_open 127.0.0.1 "$BROKER_PORT"
  # a clean shutdown closes the ZooKeeper session: the registration goes now,
  # not after the session timeout
  wait_for 10 broker_unregistered

  broker_restart
  zk_cmd broker-registration 1 127.0.0.1 "$BROKER_PORT"
  after=$(offsets_of "$topic")
  echo "after: $after"
  [ "$before" = "$after" ]
  kconfluent 120 consume --bootstrap "$BROKER" --topic "$topic" --count 5000 --headers
  value=$(kconfluent 60 describe-config --bootstrap "$BROKER" --topic "$topic" --key retention.ms | sed -n 1p)
  [ "$value" = "86400000" ]
  value=$(kconfluent 60 describe-config --bootstrap "$BROKER" --topic "$topic" --key max.message.bytes | sed -n 1p)
  [ "$value" = "300000" ]
  kconfluent 60 append-check --bootstrap "$BROKER" --topic "$topic"
}

@test "durability: broker is still alive" {
  assert_broker_alive
}
