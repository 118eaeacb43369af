#!/usr/bin/env bats
# The daemons' log files, as Kafka's config/log4j.properties lays them out:
# the controller's and the state-change lines in controller.log and
# state-change.log, the rest in server.log (zookeeper.log for the
# coordinator); hourly rolling to <file>.yyyy-MM-dd-HH with the oldest
# removed past LOG_ROLL_KEEP; SIGHUP reopens them (external logrotate); a
# log that cannot be written (full disk) never stops the broker serving.

load test_helper

setup_file() {
  coord_start
}

teardown_file() {
  stop_all
}

teardown() {
  show_logs_on_failure
}

logs() { echo "$BATS_FILE_TMPDIR/broker/logs"; }

# produce_to TOPIC: one message to a new topic (the broker logs its creation,
# the controller and the state-change logger log its leader).
produce_to() {
  echo "m-$1" | timeout 30 kcat -b "$BROKER" -P -t "$1"
}

@test "controller and state-change lines go to their own files, the rest to server.log" {
  broker_start
  local topic
  topic=$(unique_topic routed)
  produce_to "$topic"
  wait_for 10 grep -q "successfully elected as the controller" "$(logs)/controller.log"
  grep -q "(kafka.controller.KafkaController)$" "$(logs)/controller.log"
  wait_for 10 grep -q "Leader $topic-0 starts at leader epoch" "$(logs)/state-change.log"
  grep -q "(state.change.logger)$" "$(logs)/state-change.log"
  refute grep -q "(kafka.controller\.\|(state.change.logger)" "$(logs)/server.log"
  refute grep -q "(kafka.controller\.\|(state.change.logger)" "$BATS_FILE_TMPDIR/broker/stdout.log"
  refute grep -qv "(kafka.controller\." "$(logs)/controller.log"
  grep -q "started (kafka.server.KafkaServer)" "$(logs)/server.log"
  broker_stop
}

@test "a log from an earlier hour is rolled to <file>.yyyy-MM-dd-HH; only LOG_ROLL_KEEP rolled files stay" {
  local d h
  unset LOG_ROLL_PATTERN # the daemon's own default: hourly
  d=$(logs)
  rm -f "$d"/server.log.*
  # six rolled files of 2020, and two files of other tools that must stay
  for h in 00 01 02 03 04 05; do echo old >"$d/server.log.2020-01-01-$h"; done
  echo rotated-by-logrotate >"$d/server.log.1"
  echo rotated-by-logrotate >"$d/server.log-20200101.gz"
  # server.log was last written two hours ago: it covers that hour
  touch -d '2 hours ago' "$d/server.log"
  h=$(date -d '2 hours ago' +%Y-%m-%d-%H)
  LOG_ROLL_KEEP=3 broker_start
  [ -f "$d/server.log.$h" ]
  grep -q "shut down completed" "$d/server.log.$h"
  refute grep -q "shut down completed" "$d/server.log"
  grep -q "started (kafka.server.KafkaServer)" "$d/server.log"
  run ls "$d"
  echo "$output"
  # the newest three rolled files remain, the others' files too
  [ "$(ls "$d" | grep -cE '^server\.log\.[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}$')" -eq 3 ]
  [ -f "$d/server.log.2020-01-01-05" ] && [ -f "$d/server.log.2020-01-01-04" ]
  [ ! -f "$d/server.log.2020-01-01-03" ] && [ ! -f "$d/server.log.2020-01-01-00" ]
  [ -f "$d/server.log.1" ] && [ -f "$d/server.log-20200101.gz" ]
  broker_stop
}

@test "with a one-second roll period every log rolls each second it is written in" {
  local d i
  d=$(logs)
  rm -f "$d"/*.log.*
  LOG_ROLL_PATTERN=".%Y-%m-%d-%H-%M-%S" LOG_ROLL_KEEP=2 broker_start
  for i in 1 2 3 4; do
    produce_to "$(unique_topic roll)"
    sleep 1.1
  done
  produce_to "$(unique_topic roll)"
  run ls "$d"
  echo "$output"
  local re='^(server|controller|state-change)\.log\.[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}$'
  [ "$(ls "$d" | grep -E "$re" | grep -c '^server')" -eq 2 ]
  [ "$(ls "$d" | grep -E "$re" | grep -c '^state-change')" -ge 1 ]
  [ "$(ls "$d" | grep -E "$re" | grep -c '^state-change')" -le 2 ]
  # nothing lost between a rolled file and the current one: each topic's
  # creation is in server.log or in one of the (kept) files rolled after it
  grep -q "Loaded topic roll-" "$d/server.log" "$d"/server.log.*
  broker_stop
}

@test "a log that is not a regular file (a null device, a pipe) is never rolled or renamed" {
  local d
  d=$(logs)
  broker_stop || true
  rm -f "$d"/*.log*
  mknod -m 666 "$d/state-change.log" c 1 3 # a null device of the test's own
  LOG_ROLL_PATTERN=".%Y-%m-%d-%H-%M-%S" broker_start
  produce_to "$(unique_topic devnull)"
  sleep 1.2
  produce_to "$(unique_topic devnull)"
  [ -c "$d/state-change.log" ]
  run ls "$d"
  echo "$output"
  [[ $output != *state-change.log.* ]]
  # the regular files beside it do roll
  [[ $output == *server.log.* ]]
  broker_stop
  rm -f "$d/state-change.log"
}

@test "SIGHUP reopens the broker's and the coordinator's logs (external logrotate)" {
  local d
  d=$(logs)
  broker_start
  mv "$d/server.log" "$d/server.log.moved"
  mv "$d/state-change.log" "$d/state-change.log.moved"
  kill -HUP "$(broker_pid)"
  wait_for 5 test -f "$d/server.log"
  local topic
  topic=$(unique_topic hup)
  produce_to "$topic"
  wait_for 10 grep -q "Loaded topic $topic" "$d/server.log"
  refute grep -q "Loaded topic $topic" "$d/server.log.moved"
  wait_for 10 grep -q "Leader $topic-0 starts" "$d/state-change.log"
  assert_broker_alive

  local zd="$ZK_DIR/logs"
  mv "$zd/zookeeper.log" "$zd/zookeeper.log.moved"
  kill -HUP "$(zk_pid)"
  wait_for 5 test -f "$zd/zookeeper.log"
  zk_cmd exists /brokers/ids/1
  wait_for 10 grep -q "Established session" "$zd/zookeeper.log"
  pid_alive "$(zk_pid)"
  broker_stop
}

@test "a log that cannot be written (full disk) does not stop the broker serving" {
  local d
  d=$(logs)
  broker_start
  # every log file now is /dev/full: each write fails with ENOSPC
  local f
  for f in server.log controller.log state-change.log; do
    rm -f "$d/$f"
    ln -s /dev/full "$d/$f"
  done
  kill -HUP "$(broker_pid)"
  local topic i
  for i in 1 2 3; do
    topic=$(unique_topic full)
    seq 1 1000 | timeout 60 kcat -b "$BROKER" -P -t "$topic"
    run timeout 60 kcat -b "$BROKER" -C -t "$topic" -e -q
    [ "${#lines[@]}" -eq 1000 ]
  done
  assert_broker_alive
  # the disk has room again: lines are written after the next reopen
  for f in server.log controller.log state-change.log; do rm -f "$d/$f"; done
  kill -HUP "$(broker_pid)"
  produce_to "$(unique_topic after)"
  wait_for 10 grep -q "Loaded topic after-" "$d/server.log"
  broker_stop
  grep -q "shut down completed" "$d/server.log"
}
