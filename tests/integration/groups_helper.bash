# shellcheck shell=bash
# tests/integration/groups_helper.bash -- consumer-group scenarios shared by
# tests/integration/groups_*.bats (one file per client).  Load after
# test_helper.  Members are real clients started in the background:
#
#   kafka-python, confluent   tests/clients/group_member.py
#   kafkajs                   tests/clients/kafkajs_group.js member
#   kcat                      kcat -G (assignment read from its stderr)
#
# Each member NAME leaves in $GDIR: NAME.pid, NAME.records ("<partition>
# <offset> <value>" per record consumed) and its assignment (NAME.assign, or
# for kcat the last "assigned:" line of NAME.log).  Members commit what they
# consume, so a correct coordinator gives every record to exactly one member.

GROUP_BROKER_OVERRIDES=(group.initial.rebalance.delay.ms=0 group.min.session.timeout.ms=3000)

groups_setup_file() {
  zk_start
  broker_start "${GROUP_BROKER_OVERRIDES[@]}"
}

groups_setup() {
  GDIR="$BATS_TEST_TMPDIR/members"
  mkdir -p "$GDIR"
  export GDIR
}

# Stops every member still running (teardown).
groups_teardown() {
  local f
  for f in "$GDIR"/*.pid; do
    [[ -e $f ]] || continue
    kill -KILL -- "-$(<"$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

# member_start CLIENT NAME GROUP TOPIC [--instance-id ID] [--session-timeout-ms MS]
#              [--assignor NAME]
member_start() {
  local client=$1 name=$2 group=$3 topic=$4
  shift 4
  local -a opts=("$@")
  local -a kcat_opts=()
  while (($#)); do
    case $1 in
      --instance-id) kcat_opts+=(-X "group.instance.id=$2"); shift 2 ;;
      --session-timeout-ms) kcat_opts+=(-X "session.timeout.ms=$2"); shift 2 ;;
      --assignor) kcat_opts+=(-X "partition.assignment.strategy=$2"); shift 2 ;;
      *) echo "member_start: unknown option $1" >&2; return 1 ;;
    esac
  done
  case $client in
    kafka-python | confluent)
      setsid "$PY" "$CLIENTS_DIR/group_member.py" --client "$client" --bootstrap "$BROKER" \
        --group "$group" --topic "$topic" --name "$name" --dir "$GDIR" --max-seconds 240 \
        "${opts[@]}" >"$GDIR/$name.log" 2>&1 </dev/null &
      ;;
    kafkajs)
      setsid node "$CLIENTS_DIR/kafkajs_group.js" member --bootstrap "$BROKER" --group "$group" \
        --topic "$topic" --name "$name" --dir "$GDIR" --max-seconds 240 \
        "${opts[@]}" >"$GDIR/$name.log" 2>&1 </dev/null &
      ;;
    kcat)
      setsid timeout -k 5 240 kcat -b "$BROKER" -G "$group" -X "client.id=$name" \
        -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 \
        -X auto.commit.interval.ms=100 -X auto.offset.reset=earliest "${kcat_opts[@]}" \
        -f '%p %o %s\n' -u "$topic" >>"$GDIR/$name.records" 2>"$GDIR/$name.log" </dev/null &
      ;;
    *) echo "member_start: unknown client $client" >&2; return 1 ;;
  esac
  echo $! >"$GDIR/$name.pid"
}

member_pid() { cat "$GDIR/$1.pid" 2>/dev/null; }

# member_stop NAME: SIGTERM (a clean close: LeaveGroup unless static), wait.
member_stop() {
  local pid
  pid=$(member_pid "$1")
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 30 || { echo "member $1 did not stop on SIGTERM" >&2; return 1; }
  rm -f "$GDIR/$1.pid"
}

# member_kill9 NAME: SIGKILL the member's whole process group (no LeaveGroup).
member_kill9() {
  local pid
  pid=$(member_pid "$1")
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 10
  rm -f "$GDIR/$1.pid"
}

# member_assignment NAME: its partitions, one per line.
member_assignment() {
  local name=$1
  if [[ -f $GDIR/$name.assign ]]; then
    tr ',' '\n' <"$GDIR/$name.assign" | grep -E '^[0-9]+$' || true
  elif [[ -f $GDIR/$name.log ]]; then
    # kcat: "% Group G rebalanced (memberid M): assigned: t [0], t [3]"
    # ("revoked:" lines in between mean nothing is assigned).
    grep -E 'rebalanced .*: (assigned|revoked):' "$GDIR/$name.log" | tail -n 1 |
      grep ': assigned:' | grep -oE '\[[0-9]+\]' | tr -d '[]' || true
  fi
}

live_members() {
  local f
  for f in "$GDIR"/*.pid; do
    [[ -e $f ]] && basename "$f" .pid
  done
}

# group_covers NPARTITIONS NMEMBERS: the live members hold every partition
# exactly once and each holds at least one.
group_covers() {
  local np=$1 nm=$2 name all="" n=0
  for name in $(live_members); do
    local a
    a=$(member_assignment "$name")
    [[ -n $a ]] || return 1
    all+="$a"$'\n'
    n=$((n + 1))
  done
  ((n == nm)) || return 1
  local got want
  got=$(printf '%s' "$all" | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')
  want=$(seq 0 $((np - 1)) | tr '\n' ' ')
  [[ $got == "$want" ]]
}

# records_total: distinct "<partition> <offset>" consumed by all members.
records_distinct() { cat "$GDIR"/*.records 2>/dev/null | awk '{print $1, $2}' | sort -u | wc -l; }
records_lines() { cat "$GDIR"/*.records 2>/dev/null | wc -l; }
records_at_least() { (($(records_distinct) >= $1)); }

# assert_exactly_once TOTAL: TOTAL records consumed, none twice.
assert_exactly_once() {
  local distinct lines
  distinct=$(records_distinct)
  lines=$(records_lines)
  if ((distinct != $1 || lines != $1)); then
    echo "expected $1 records consumed exactly once; got $lines lines, $distinct distinct" >&2
    cat "$GDIR"/*.records | awk '{print $1, $2}' | sort | uniq -d | head -5 >&2
    return 1
  fi
}

# produce_phase TOPIC NPARTITIONS PER_PARTITION TAG: PER_PARTITION records
# into every partition (kcat, acks=all).
produce_phase() {
  local topic=$1 np=$2 per=$3 tag=$4 p
  for ((p = 0; p < np; p++)); do
    seq 1 "$per" | sed "s/^/$tag-p$p-/" |
      timeout 60 kcat -b "$BROKER" -t "$topic" -P -p "$p" -X acks=all || return 1
  done
}

# kafka_topic_create TOPIC NPARTITIONS: through kafka-python's admin client.
kafka_topic_create() {
  timeout 60 "$PY" -c 'import sys
from kafka.admin import KafkaAdminClient, NewTopic
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
a.create_topics([NewTopic(sys.argv[2], int(sys.argv[3]), 1)])
a.close()' "$BROKER" "$1" "$2" && wait_for 30 kcat_partitions_is "$1" "$2"
}

# group_committed GROUP: the sum of the group's committed offsets (kafka-python admin).
group_committed() {
  timeout 30 "$PY" -c 'import sys
from kafka import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
print(sum(o.offset for o in a.list_consumer_group_offsets(sys.argv[2]).values()))
a.close()' "$BROKER" "$1" 2>/dev/null
}
committed_is() { [[ $(group_committed "$1") == "$2" ]]; }

# ------------------------------------------------------------ scenarios --

# Three members share a 6-partition topic, a fourth joins, one leaves
# cleanly, one is killed (found by session timeout): after each change the
# partitions are shared again and each record goes to exactly one member.
scenario_share_and_rebalance() {
  local client=$1 topic group
  topic=$(unique_topic "grp-share-$client")
  group="g-share-$client-$RANDOM"
  kafka_topic_create "$topic" 6
  member_start "$client" m1 "$group" "$topic"
  member_start "$client" m2 "$group" "$topic"
  member_start "$client" m3 "$group" "$topic"
  wait_for 90 group_covers 6 3
  produce_phase "$topic" 6 50 one
  wait_for 60 records_at_least 300
  sleep 1
  assert_exactly_once 300

  member_start "$client" m4 "$group" "$topic"
  wait_for 90 group_covers 6 4
  produce_phase "$topic" 6 50 two
  wait_for 60 records_at_least 600
  sleep 1
  assert_exactly_once 600

  member_stop m4
  wait_for 90 group_covers 6 3
  produce_phase "$topic" 6 50 three
  wait_for 60 records_at_least 900
  sleep 1
  assert_exactly_once 900
  # auto-committing members (kcat) commit on a timer: wait for it, so that
  # nothing consumed is left uncommitted when m3 dies
  wait_for 30 committed_is "$group" 900
  member_kill9 m3
  wait_for 90 group_covers 6 2
  grep -q "Member .* in group $group has failed, removing it from the group" \
    "$BROKER_DIR/logs/server.log"
  produce_phase "$topic" 6 50 four
  wait_for 60 records_at_least 1200
  sleep 1
  assert_exactly_once 1200
  member_stop m1
  member_stop m2
}

# Committed offsets survive a broker kill -9: a new member of the group
# continues exactly after what the first one consumed.
scenario_resume_after_broker_kill() {
  local client=$1 topic group
  topic=$(unique_topic "grp-resume-$client")
  group="g-resume-$client-$RANDOM"
  kafka_topic_create "$topic" 3
  produce_phase "$topic" 3 100 before
  member_start "$client" r1 "$group" "$topic"
  wait_for 90 records_at_least 300
  sleep 1
  member_stop r1
  assert_exactly_once 300
  produce_phase "$topic" 3 100 after
  broker_kill9
  broker_start "${GROUP_BROKER_OVERRIDES[@]}"
  member_start "$client" r2 "$group" "$topic"
  wait_for 90 records_at_least 600
  sleep 2
  member_stop r2
  assert_exactly_once 600
  # r2 read exactly the second 100 of every partition
  local bad
  bad=$(awk '$2 < 100 || $3 !~ /^after-/' "$GDIR/r2.records" | wc -l)
  [[ $bad -eq 0 ]] || { echo "r2 re-read $bad records committed before the kill" >&2; return 1; }
}

# Two groups read the same topic independently.
scenario_two_groups() {
  local client=$1 topic
  topic=$(unique_topic "grp-two-$client")
  kafka_topic_create "$topic" 2
  produce_phase "$topic" 2 100 x
  member_start "$client" a1 "g-two-a-$RANDOM" "$topic"
  member_start "$client" b1 "g-two-b-$RANDOM" "$topic"
  wait_for 90 eval '(( $(awk "{print \$1, \$2}" "$GDIR/a1.records" 2>/dev/null | sort -u | wc -l) == 200 && $(awk "{print \$1, \$2}" "$GDIR/b1.records" 2>/dev/null | sort -u | wc -l) == 200 ))'
  member_stop a1
  member_stop b1
  [[ $(wc -l <"$GDIR/a1.records") -eq 200 && $(wc -l <"$GDIR/b1.records") -eq 200 ]]
}

rebalances_of() { grep -c "Preparing to rebalance group $1 " "$BROKER_DIR/logs/server.log" || true; }

# A static member (group.instance.id) that restarts within its session
# timeout gets its partitions back without a rebalance.
scenario_static_membership() {
  local client=$1 topic group
  topic=$(unique_topic "grp-static-$client")
  group="g-static-$client-$RANDOM"
  kafka_topic_create "$topic" 4
  member_start "$client" s1 "$group" "$topic" --instance-id i1 --session-timeout-ms 30000
  member_start "$client" s2 "$group" "$topic" --instance-id i2 --session-timeout-ms 30000
  wait_for 90 group_covers 4 2
  sleep 2
  local before s1_parts s2_events
  before=$(rebalances_of "$group")
  s1_parts=$(member_assignment s1 | tr '\n' ' ')
  s2_events=$(grep -c . "$GDIR/s2.events" 2>/dev/null || grep -c 'assigned:' "$GDIR/s2.log")
  member_stop s1
  mv "$GDIR/s1.assign" "$GDIR/s1.assign.old" 2>/dev/null || mv "$GDIR/s1.log" "$GDIR/s1.log.old"
  member_start "$client" s1 "$group" "$topic" --instance-id i1 --session-timeout-ms 30000
  wait_for 60 eval '[[ -n $(member_assignment s1) ]]'
  [[ $(member_assignment s1 | tr '\n' ' ') == "$s1_parts" ]]
  sleep 3
  [[ $(rebalances_of "$group") -eq $before ]] || {
    echo "the restart of a static member caused a rebalance" >&2; return 1; }
  local now_events
  now_events=$(grep -c . "$GDIR/s2.events" 2>/dev/null || grep -c 'assigned:' "$GDIR/s2.log")
  [[ $now_events -eq $s2_events ]]
  member_stop s1
  member_stop s2
}

# scenario_assignor CLIENT ASSIGNOR: two members share 4 partitions with
# that (client-side) assignor, a third joins, the first leaves; after each
# change every partition has one owner and every record is read once, and
# DescribeGroups names the assignor as the group's protocol.
scenario_assignor() {
  local client=$1 assignor=$2 topic group
  topic=$(unique_topic "grp-$assignor-$client")
  group="g-$assignor-$client-$RANDOM"
  kafka_topic_create "$topic" 4
  member_start "$client" x1 "$group" "$topic" --assignor "$assignor"
  member_start "$client" x2 "$group" "$topic" --assignor "$assignor"
  wait_for 90 group_covers 4 2
  produce_phase "$topic" 4 25 one
  wait_for 60 records_at_least 100
  sleep 1
  assert_exactly_once 100
  member_start "$client" x3 "$group" "$topic" --assignor "$assignor"
  wait_for 90 group_covers 4 3
  produce_phase "$topic" 4 25 two
  wait_for 60 records_at_least 200
  sleep 1
  assert_exactly_once 200
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$group" --admin
  echo "$output"
  [[ $output == *"describe $group Stable 3 $assignor"* ]]
  member_stop x1
  wait_for 90 group_covers 4 2
  produce_phase "$topic" 4 25 three
  wait_for 60 records_at_least 300
  sleep 1
  assert_exactly_once 300
  member_stop x2
  member_stop x3
}
