#!/usr/bin/env bats
# kafka-consumer-groups.sh: --list, --describe (offsets, members, state) with
# Kafka 2.5's columns against a live kcat -G member and an empty group,
# --reset-offsets (dry run, --execute checked with kafka-python, --export),
# --delete-offsets and --delete.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
  export GT=cg-topic-$$ G1=cg-empty-$$
  timeout -k 5 60 "$REPO_ROOT/bin/kafka-topics.sh" --bootstrap-server "$BROKER" --create --topic "$GT" \
    --partitions 2 >/dev/null
  # 3 records in partition 0, 2 in partition 1
  printf 'a\nb\nc\n' | timeout -k 5 30 kcat -P -b "$BROKER" -t "$GT" -p 0 -X message.timeout.ms=20000
  printf 'd\ne\n' | timeout -k 5 30 kcat -P -b "$BROKER" -t "$GT" -p 1 -X message.timeout.ms=20000
  # G1 consumes everything, commits, leaves: an Empty group with offsets
  timeout -k 5 60 "$REPO_ROOT/bin/kafka-console-consumer.sh" --bootstrap-server "$BROKER" --topic "$GT" \
    --group "$G1" --from-beginning --max-messages 5 >/dev/null 2>&1
}

teardown_file() { stop_all; }
teardown() {
  show_logs_on_failure
  [[ -z ${KCAT_PID:-} ]] || stop_pid "$KCAT_PID"
  [[ -z ${SILENT_PID:-} ]] || stop_pid "$SILENT_PID" silent 5
}

# committed GROUP TOPIC PARTITION: kafka-python's view of a committed offset.
committed() {
  "$PY" - "$BROKER" "$1" "$2" "$3" <<'EOF2'
import sys
from kafka import KafkaAdminClient, TopicPartition
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
o = a.list_consumer_group_offsets(sys.argv[2])
tp = TopicPartition(sys.argv[3], int(sys.argv[4]))
print(o[tp].offset if tp in o else "none")
a.close()
EOF2
}

kcg() { ktool kafka-consumer-groups.sh --bootstrap-server "$BROKER" "$@"; }

pad() { printf "%-${1}s" "$2"; }

@test "consumer-groups: --list shows the group; --describe of an empty group prints Kafka's table" {
  run --separate-stderr kcg --list
  [ "$status" -eq 0 ]
  [[ $'\n'"$output"$'\n' == *$'\n'"$G1"$'\n'* ]]
  run --separate-stderr kcg --describe --group "$G1"
  [ "$status" -eq 0 ]
  kcg --describe --group "$G1" 2>"$BATS_TEST_TMPDIR/err" >/dev/null
  [ "$(cat "$BATS_TEST_TMPDIR/err")" = $'\n'"Consumer group '$G1' has no active members." ]
  local wg=${#G1} wt=${#GT}
  ((wg < 15)) && wg=15
  ((wt < 15)) && wt=15
  local f="%-${wg}s %-${wt}s %-10s %-15s %-15s %-15s %-15s %-15s %s"
  local expect
  expect=$(printf '\n'"$f"'\n'"$f"'\n'"$f" GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID \
    "$G1" "$GT" 0 3 3 0 - - - "$G1" "$GT" 1 2 2 0 - - -)
  # the two rows come in java.util.HashMap order of TopicPartition; compare as sets
  [ "${lines[0]}" = "$(sed -n 2p <<<"$expect")" ]
  [ "$(printf '%s\n' "${lines[@]:1}" | sort)" = "$(sed -n '3,4p' <<<"$expect" | sort)" ]
}

@test "consumer-groups: unknown group: 'does not exist' error, exit 0 as Kafka 2.5" {
  run --separate-stderr kcg --describe --group nosuch-$$
  [ "$status" -eq 0 ]
  [ "$output" = $'\n'"Error: Consumer group 'nosuch-$$' does not exist." ]
}

@test "consumer-groups: a live kcat member: offsets, --members --verbose and --state" {
  local g=cg-live-$$
  timeout -k 5 120 kcat -b "$BROKER" -G "$g" "$GT" -X auto.offset.reset=earliest -X client.id=kcatc -q \
    >/dev/null 2>&1 &
  KCAT_PID=$!
  wait_for 30 sh -c "'$REPO_ROOT/bin/kafka-consumer-groups.sh' --bootstrap-server '$BROKER' --describe --group '$g' --state 2>/dev/null | grep -q ' Stable '"
  run --separate-stderr kcg --describe --group "$g" --state
  [ "$status" -eq 0 ]
  local coord="127.0.0.1:$BROKER_PORT (1)"
  local w=${#coord}
  ((w < 25)) && w=25
  [ "${lines[0]}" = "$(printf "%-${w}s %-25s %-20s %-15s %s" GROUP "COORDINATOR (ID)" ASSIGNMENT-STRATEGY STATE "#MEMBERS")" ]
  [ "${lines[1]}" = "$(printf "%-${w}s %-25s %-20s %-15s %s" "$g" "$coord" range Stable 1)" ]
  run --separate-stderr kcg --describe --group "$g" --members --verbose
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^GROUP\ +CONSUMER-ID\ +HOST\ +CLIENT-ID\ +#PARTITIONS\ +ASSIGNMENT$ ]]
  [[ "${lines[1]}" =~ ^$g\ +kcatc-[0-9a-f-]+\ +/127\.0\.0\.1\ +kcatc\ +2\ {15}$GT\(0,1\)$ ]]
  # offsets: kcat commits what it consumed (auto commit every 5 s)
  wait_for 30 sh -c "'$REPO_ROOT/bin/kafka-consumer-groups.sh' --bootstrap-server '$BROKER' --describe --group '$g' | grep -q ' 3 *3 *0 '"
  run --separate-stderr kcg --describe --group "$g"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [[ "${lines[0]}" =~ ^GROUP\ +TOPIC\ +PARTITION\ +CURRENT-OFFSET\ +LOG-END-OFFSET\ +LAG\ +CONSUMER-ID\ +HOST\ +CLIENT-ID$ ]]
  [[ "${lines[1]}" =~ ^$g\ +$GT\ +0\ +3\ +3\ +0\ +kcatc-[0-9a-f-]+\ +/127\.0\.0\.1\ +kcatc$ ]]
  [[ "${lines[2]}" =~ ^$g\ +$GT\ +1\ +[-2]\ +2\ +[-0]\ +kcatc-[0-9a-f-]+\ +/127\.0\.0\.1\ +kcatc$ ]]
  # a reset is refused while the group is active
  run --separate-stderr kcg --reset-offsets --group "$g" --topic "$GT" --to-earliest --execute
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Error: Assignments can only be reset if the group '$g' is inactive, but the current state is Stable." ]
  [ "${lines[1]}" = "$(printf '%-30s %-30s %-10s %-15s' GROUP TOPIC PARTITION NEW-OFFSET)" ]
  [ "${#lines[@]}" -eq 2 ]
}

@test "consumer-groups: --reset-offsets dry run, --execute (checked with kafka-python), --export" {
  run --separate-stderr kcg --reset-offsets --group "$G1" --topic "$GT:0" --to-earliest
  [ "$status" -eq 0 ]
  [[ "$stderr" == "WARN: No action will be performed as the --execute option is missing."* ]]
  [ "$output" = $'\n'"$(printf '%-30s %-30s %-10s %-15s\n%-30s %-30s %-10s %-15s' GROUP TOPIC PARTITION NEW-OFFSET "$G1" "$GT" 0 0)" ]
  [ "$(committed "$G1" "$GT" 0)" = 3 ]
  run --separate-stderr kcg --reset-offsets --group "$G1" --topic "$GT" --shift-by -1 --execute
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "$(printf '%-30s %-30s %-10s %-15s' "$G1" "$GT" 0 2)" ]
  [ "${lines[2]}" = "$(printf '%-30s %-30s %-10s %-15s' "$G1" "$GT" 1 1)" ]
  [ "$(committed "$G1" "$GT" 0)" = 2 ]
  [ "$(committed "$G1" "$GT" 1)" = 1 ]
  # out of range: clamped with Kafka's warning
  run --separate-stderr kcg --reset-offsets --group "$G1" --topic "$GT:1" --to-offset 99 --execute
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"WARN New offset (99) is higher than latest offset for topic partition $GT-1. Value will be set to 2 (kafka.admin.ConsumerGroupCommand\$)" ]]
  [ "$(committed "$G1" "$GT" 1)" = 2 ]
  run --separate-stderr kcg --reset-offsets --group "$G1" --all-topics --to-latest --dry-run --export
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output")" = "$(printf '%s,0,3\n%s,1,2' "$GT" "$GT" | sort)" ]
  # the exported plan, changed, read back with --from-file (CRLF, a long
  # line and another group's line in it): the last line of a partition counts
  printf '%s,0,1\r\n%s,1,1\n%s,0,2\nother-group,%s,0,0\n%s%s,1,0\n' "$GT" "$GT" "$GT" "$GT" \
    "$(printf 'x%.0s' {1..3000})" "$GT" >"$BATS_TEST_TMPDIR/plan.csv"
  run --separate-stderr kcg --reset-offsets --group "$G1" --from-file "$BATS_TEST_TMPDIR/plan.csv" --execute
  [ "$status" -eq 0 ]
  [ "$(committed "$G1" "$GT" 0)" = 2 ]
  [ "$(committed "$G1" "$GT" 1)" = 1 ]
  run --separate-stderr kcg --reset-offsets --group "$G1" --topic "$GT" --to-datetime 2000-01-01T00:00:00.000 --execute
  [ "$status" -eq 0 ]
  [ "$(committed "$G1" "$GT" 0)" = 0 ]
  run --separate-stderr kcg --reset-offsets --group "$G1" --topic "$GT" --by-duration PT0S --execute
  [ "$(committed "$G1" "$GT" 0)" = 3 ]
  run --separate-stderr kcg --reset-offsets --group "$G1" --topic "$GT" --to-earliest --to-latest
  [ "$status" -eq 1 ]
}

@test "consumer-groups: --delete-offsets and --delete report as Kafka 2.5" {
  local g=cg-del-$$
  timeout -k 5 60 "$REPO_ROOT/bin/kafka-console-consumer.sh" --bootstrap-server "$BROKER" --topic "$GT" \
    --group "$g" --from-beginning --max-messages 5 >/dev/null 2>&1
  run --separate-stderr kcg --delete-offsets --group "$g" --topic "$GT:1"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Request succeed for deleting offsets with topic $GT:1 group $g" ]
  [ "${lines[1]}" = "$(printf '%-30s %-15s %-15s' TOPIC PARTITION STATUS)" ]
  [ "${lines[2]}" = "$(printf '%-30s %-15s %-15s' "$GT" 1 Successful)" ]
  [ "$(committed "$g" "$GT" 1)" = none ]
  [ "$(committed "$g" "$GT" 0)" = 3 ]
  run --separate-stderr kcg --delete --group "$g"
  [ "$status" -eq 0 ]
  [ "$output" = "Deletion of requested consumer groups ('$g') was successful." ]
  run --separate-stderr kcg --delete --group "$g"
  [ "$output" = $'\n'"Error: Deletion of some consumer groups failed:"$'\n'"* Group '$g' could not be deleted due to: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist." ]
}

@test "consumer-groups: usage errors exit 1" {
  run --separate-stderr kcg
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets" ]
  run --separate-stderr kcg --describe
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Option [describe] takes one of these options: [group], [all-groups]" ]
  run --separate-stderr kcg --reset-offsets --group x --to-earliest
  [ "$status" -eq 1 ]
  [ "${stderr_lines[-1]}" != "" ]
  [[ "$stderr" == *"One of the reset scopes should be defined: --all-topics, --topic."* ]]
  run --separate-stderr ktool kafka-consumer-groups.sh --list
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[bootstrap-server]"' ]
}

@test "consumer-groups: --command-config timeouts are the AdminClient's: KIP-533 check, request.timeout.ms per request, --timeout per call" {
  local cfg port start
  cfg=$BATS_TEST_TMPDIR/admin.properties
  # default.api.timeout.ms below request.timeout.ms (default 30000): the
  # AdminClient's constructor refuses it, before ConsumerGroupService's try
  echo "default.api.timeout.ms=1000" >"$cfg"
  run --separate-stderr kcg --list --command-config "$cfg"
  [ "$status" -eq 1 ]
  [ "$output" = "" ]
  [ "${stderr_lines[0]}" = 'Exception in thread "main" org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient' ]
  [ "${stderr_lines[1]}" = "Caused by: org.apache.kafka.common.config.ConfigException: The specified value of default.api.timeout.ms must be no smaller than the value of request.timeout.ms." ]
  # a first bootstrap broker that never answers costs one request.timeout.ms,
  # then the next one answers within the call's --timeout
  port=$(free_port)
  silent_listener "$port"
  printf 'request.timeout.ms=1000\ndefault.api.timeout.ms=1000\n' >"$cfg"
  start=$SECONDS
  run --separate-stderr ktool kafka-consumer-groups.sh --bootstrap-server "127.0.0.1:$port,$BROKER" \
    --command-config "$cfg" --timeout 10000 --list
  [ "$status" -eq 0 ]
  printf '%s\n' "${lines[@]}" | grep -qx "$G1"
  ((SECONDS - start < 9))
  # with only the silent broker, the call ends at --timeout
  start=$SECONDS
  run --separate-stderr ktool kafka-consumer-groups.sh --bootstrap-server "127.0.0.1:$port" \
    --command-config "$cfg" --timeout 2000 --list
  ((SECONDS - start < 8))
  [[ $output == *"Error: Executing consumer group command failed due to "* ]]
}
