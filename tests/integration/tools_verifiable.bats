#!/usr/bin/env bats
# kafka-verifiable-producer.sh / kafka-verifiable-consumer.sh: Kafka 2.5's
# JSON event lines (names, field order, counts), acked records checked with
# kcat, a group of two verifiable consumers splitting a topic and committing
# (committed offsets read back with kafka-python's KafkaAdminClient), and
# argparse4j's usage errors.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start num.partitions=1
}

teardown_file() { stop_all; }
teardown() {
  local f
  for f in "$BATS_TEST_TMPDIR"/*.pid; do
    [[ -f $f ]] && stop_pid "$(<"$f")" verifiable-consumer 10
  done
  show_logs_on_failure
}

# events FILE: checks every line is a JSON object whose first keys are
# "timestamp" (an integer) and "name", and whose keys for each event name
# are Kafka's, in Kafka's order; prints "name count" per event name.
events() {
  "$PY" - "$1" <<'EOF'
import json, sys, collections
want = {
    "startup_complete": [], "shutdown_complete": [],
    "producer_send_success": ["key", "value", "topic", "partition", "offset"],
    "producer_send_error": ["topic", "key", "value", "exception", "message"],
    "tool_data": ["sent", "acked", "target_throughput", "avg_throughput"],
    "partitions_assigned": ["partitions"], "partitions_revoked": ["partitions"],
    "records_consumed": ["count", "partitions"],
    "record_data": ["key", "value", "topic", "partition", "offset"],
    "offsets_committed": ["offsets", "success"],
}
n = collections.Counter()
for line in open(sys.argv[1]):
    pairs = json.loads(line, object_pairs_hook=list)
    keys = [k for k, _ in pairs]
    ev = dict(pairs)
    assert keys[:2] == ["timestamp", "name"], line
    assert isinstance(ev["timestamp"], int) and ev["timestamp"] > 1500000000000, line
    rest = [k for k in keys[2:] if k != "error"]
    assert rest == want[ev["name"]], (line, rest)
    if ev["name"] in ("partitions_assigned", "partitions_revoked"):
        for p in ev["partitions"]:
            assert list(dict(p)) == ["topic", "partition"], line
    if ev["name"] == "records_consumed":
        for p in ev["partitions"]:
            assert [k for k, _ in p] == ["topic", "partition", "count", "minOffset", "maxOffset"], line
    if ev["name"] == "offsets_committed":
        for p in ev["offsets"]:
            assert [k for k, _ in p] == ["topic", "partition", "offset"], line
    n[ev["name"]] += 1
for k in sorted(n):
    print(k, n[k])
EOF
}

# event_count FILE NAME
event_count() { events "$1" | awk -v n="$2" '$1 == n {print $2}' | grep . || echo 0; }

# consumed FILE: records counted in FILE's records_consumed events.
consumed() {
  "$PY" - "$1" <<'EOF'
import json, sys
t = 0
for line in open(sys.argv[1]):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    if ev["name"] == "records_consumed":
        t += sum(p["count"] for p in ev["partitions"])
print(t)
EOF
}

consumed_at_least() { (($(consumed "$1") >= $2)); }

# last_assignment FILE: partitions of the last partitions_assigned event.
last_assignment() {
  "$PY" - "$1" <<'EOF'
import json, sys
last = None
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev["name"] == "partitions_assigned":
        last = sorted(p["partition"] for p in ev["partitions"])
print(" ".join(map(str, last)) if last is not None else "none")
EOF
}

assigned_count_is() {
  local a
  a=$(last_assignment "$1")
  [[ $a != none ]] && (($(wc -w <<<"$a") == $2))
}

@test "verifiable-producer: Kafka's events, acked == --max-messages, offsets as kcat reads them" {
  local t out="$BATS_TEST_TMPDIR/p.out"
  t=$(unique_topic vprod)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 3
  run ktool kafka-verifiable-producer.sh --bootstrap-server "$BROKER" --topic "$t" --max-messages 300 \
    --acks -1 --value-prefix 9 --repeating-keys 7
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" >"$out"
  [ "$(events "$out")" = "producer_send_success 300"$'\n'"shutdown_complete 1"$'\n'"startup_complete 1"$'\n'"tool_data 1" ]
  [[ ${lines[0]} == '{"timestamp":'*',"name":"startup_complete"}' ]]
  [[ ${lines[301]} == '{"timestamp":'*',"name":"shutdown_complete"}' ]]
  [[ ${lines[302]} =~ ^\{\"timestamp\":[0-9]+,\"name\":\"tool_data\",\"sent\":300,\"acked\":300,\"target_throughput\":-1,\"avg_throughput\":[0-9]+\.[0-9]+(E[0-9]+)?\}$ ]]
  # values 9.0 .. 9.299, keys 0..6 repeating, per-partition offsets 0..n-1
  "$PY" - "$out" <<'EOF'
import json, sys, collections
ev = [json.loads(l) for l in open(sys.argv[1])]
ok = [e for e in ev if e["name"] == "producer_send_success"]
assert sorted(e["value"] for e in ok) == sorted("9.%d" % i for i in range(300))
assert all(e["key"] == str(int(e["value"].split(".")[1]) % 7) for e in ok)
per = collections.defaultdict(list)
for e in ok:
    per[e["partition"]].append(e["offset"])
for p, offs in per.items():
    assert sorted(offs) == list(range(len(offs))), (p, offs)
EOF
  # the same (partition, offset, key, value) as kcat reads them
  diff <("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["name"] == "producer_send_success":
        print(e["partition"], e["offset"], e["key"], e["value"])' "$out" | sort) \
    <(timeout -k 5 30 kcat -C -b "$BROKER" -t "$t" -o beginning -e -q -f '%p %o %k %s\n' | sort)
}

@test "verifiable-producer: --throughput throttles, --message-create-time sets timestamps" {
  local t
  t=$(unique_topic vthr)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  local t0
  t0=$(date +%s%N)
  run ktool kafka-verifiable-producer.sh --broker-list "$BROKER" --topic "$t" --max-messages 100 \
    --throughput 100 --message-create-time 1600000000000
  [ "$status" -eq 0 ]
  # 100 records at 100/s: about a second
  (($(date +%s%N) - t0 >= 900000000))
  [[ ${lines[-1]} == *'"sent":100,"acked":100,"target_throughput":100,'* ]]
  timeout -k 5 30 kcat -C -b "$BROKER" -t "$t" -o beginning -c 1 -q -f '%T\n' | grep -qx 1600000000000
}

@test "verifiable-producer: argparse4j usage and errors, exit codes" {
  run --separate-stderr ktool kafka-verifiable-producer.sh
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "usage: verifiable-producer [-h] --topic TOPIC [--max-messages MAX-MESSAGES]" ]]
  [[ $output == *"optional arguments:"* && $output == *"Connection Group:"* ]]
  run --separate-stderr ktool kafka-verifiable-producer.sh --topic x --bootstrap-server "$BROKER" --acks 2
  [ "$status" -eq 1 ]
  [ "$(tr '\n' ' ' <<<"$stderr" | sed 's/.*verifiable-producer: error:/error:/; s/  */ /g; s/ $//')" = \
    "error: argument --acks: invalid choice: '2' (choose from {0, 1, -1})" ]
  run --separate-stderr ktool kafka-verifiable-producer.sh --bootstrap-server "$BROKER"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[-1]}" = "verifiable-producer: error: argument --topic is required" ]
  run --separate-stderr ktool kafka-verifiable-producer.sh --topic x --bootstrap-server "$BROKER" --bogus 1
  [ "$status" -eq 1 ]
  [ "${stderr_lines[-1]}" = "verifiable-producer: error: unrecognized arguments: '--bogus'" ]
  run --separate-stderr ktool kafka-verifiable-producer.sh --topic x --bootstrap-server "$BROKER" --max-messages x
  [ "$status" -eq 1 ]
  [[ $(tr '\n' ' ' <<<"$stderr" | sed 's/  */ /g') == *"error: argument --max-messages: could not convert 'x' to Integer (For input string: \"x\")"* ]]
  run ktool kafka-verifiable-producer.sh --help
  [ "$status" -eq 1 ]
  [[ ${lines[0]} == "usage: verifiable-producer "* ]]
}

@test "verifiable-consumer: --verbose record_data, --max-messages, commits, shutdown_complete" {
  local t out="$BATS_TEST_TMPDIR/c.out"
  t=$(unique_topic vcon)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  seq 20 | ktool kafka-console-producer.sh --bootstrap-server "$BROKER" --topic "$t" >/dev/null
  run --separate-stderr ktool kafka-verifiable-consumer.sh --bootstrap-server "$BROKER" --topic "$t" \
    --group-id "g-$t" --max-messages 15 --verbose --session-timeout 10000
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" >"$out"
  [ "$(event_count "$out" startup_complete)" = 1 ]
  [ "$(event_count "$out" record_data)" = 15 ]
  [ "$(consumed "$out")" = 15 ]
  [ "$(event_count "$out" partitions_assigned)" -ge 1 ]
  [ "$(event_count "$out" partitions_revoked)" -ge 1 ]
  [[ ${lines[-1]} == *'"name":"shutdown_complete"}' ]]
  grep -q '"name":"record_data","key":null,"value":"1","topic":"'"$t"'","partition":0,"offset":0}' "$out"
  # the last commit is offset 15, successful
  grep '"offsets_committed"' "$out" | tail -1 | grep -q '"offsets":\[{"topic":"'"$t"'","partition":0,"offset":15}\],"success":true}'
}

@test "verifiable-consumer: a group of two splits the partitions, consumes everything, commits it" {
  local t g a="$BATS_TEST_TMPDIR/a.out" b="$BATS_TEST_TMPDIR/b.out"
  t=$(unique_topic vgrp)
  g="vg-$t"
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 4
  "$REPO_ROOT/bin/kafka-verifiable-consumer.sh" --bootstrap-server "$BROKER" --topic "$t" --group-id "$g" \
    --session-timeout 10000 >"$a" 2>"$a.err" 3>&- &
  echo $! >"$BATS_TEST_TMPDIR/a.pid"
  wait_for 30 assigned_count_is "$a" 4
  "$REPO_ROOT/bin/kafka-verifiable-consumer.sh" --bootstrap-server "$BROKER" --topic "$t" --group-id "$g" \
    --session-timeout 10000 >"$b" 2>"$b.err" 3>&- &
  echo $! >"$BATS_TEST_TMPDIR/b.pid"
  wait_for 40 assigned_count_is "$b" 2
  wait_for 20 assigned_count_is "$a" 2
  # disjoint halves (range assignor)
  [ "$(echo $(last_assignment "$a") $(last_assignment "$b") | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "0 1 2 3 " ]
  run ktool kafka-verifiable-producer.sh --bootstrap-server "$BROKER" --topic "$t" --max-messages 400
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/p.out"
  wait_for 30 eval '(( $(consumed "$a") + $(consumed "$b") >= 400 ))'
  sleep 1
  [ $(($(consumed "$a") + $(consumed "$b"))) -eq 400 ]
  (($(consumed "$a") > 0 && $(consumed "$b") > 0))
  # each consumer saw only its own partitions, every offset exactly once
  "$PY" - "$a" "$b" "$BATS_TEST_TMPDIR/p.out" <<'EOF'
import json, sys, collections
end = collections.Counter()
for l in open(sys.argv[3]):
    e = json.loads(l)
    if e["name"] == "producer_send_success":
        end[e["partition"]] = max(end[e["partition"]], e["offset"] + 1)
seen = collections.defaultdict(list)
for f in sys.argv[1:3]:
    own = set()
    for l in open(f):
        e = json.loads(l)
        if e["name"] == "partitions_assigned":
            own = {p["partition"] for p in e["partitions"]}
        if e["name"] == "records_consumed":
            for p in e["partitions"]:
                assert p["partition"] in own, (f, p, own)
                assert p["count"] == p["maxOffset"] - p["minOffset"] + 1
                seen[p["partition"]].extend(range(p["minOffset"], p["maxOffset"] + 1))
        if e["name"] == "offsets_committed":
            assert e["success"] is True, l
for p in range(4):
    assert sorted(seen[p]) == list(range(end[p])), (p, end[p])
EOF
  # SIGTERM: clean stop with shutdown_complete, as the JVM (128+15)
  local pa pb
  pa=$(<"$BATS_TEST_TMPDIR/a.pid") pb=$(<"$BATS_TEST_TMPDIR/b.pid")
  kill -TERM "$pa" "$pb"
  local st=0
  wait "$pa" || st=$?
  [ "$st" -eq 143 ]
  st=0
  wait "$pb" || st=$?
  [ "$st" -eq 143 ]
  rm -f "$BATS_TEST_TMPDIR"/*.pid
  [[ $(tail -n 1 "$a") == *'"name":"shutdown_complete"}' ]]
  [[ $(tail -n 1 "$b") == *'"name":"shutdown_complete"}' ]]
  events "$a" >/dev/null
  events "$b" >/dev/null
  # committed offsets = log end offsets (kafka-python's admin client)
  run timeout -k 5 60 "$PY" - "$BROKER" "$g" "$t" "$BATS_TEST_TMPDIR/p.out" <<'EOF'
import json, sys, collections
from kafka import KafkaAdminClient
end = collections.Counter()
for l in open(sys.argv[4]):
    e = json.loads(l)
    if e["name"] == "producer_send_success":
        end[e["partition"]] = max(end[e["partition"]], e["offset"] + 1)
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
got = admin.list_consumer_group_offsets(sys.argv[2])
committed = {tp.partition: om.offset for tp, om in got.items() if tp.topic == sys.argv[3]}
assert committed == {p: end[p] for p in range(4)}, (committed, end)
print("ok", sum(committed.values()))
EOF
  [ "$status" -eq 0 ]
  [ "$output" = "ok 400" ]
}

@test "verifiable-consumer: --group-id is required; an unknown --assignment-strategy fails" {
  run --separate-stderr ktool kafka-verifiable-consumer.sh --bootstrap-server "$BROKER" --topic x
  [ "$status" -eq 1 ]
  [ "${stderr_lines[-1]}" = "verifiable-consumer: error: argument --group-id is required" ]
  run --separate-stderr ktool kafka-verifiable-consumer.sh --topic x --group-id g
  [ "$status" -eq 1 ]
  [[ $(tr '\n' ' ' <<<"$stderr" | sed 's/  */ /g') == *"verifiable-consumer: error: one of the arguments --bootstrap-server --broker-list is required"* ]]
  run --separate-stderr ktool kafka-verifiable-consumer.sh --bootstrap-server "$BROKER" --topic x --group-id g \
    --assignment-strategy com.example.Nope
  [ "$status" -eq 1 ]
  [[ $stderr == *"KafkaException: Failed to construct kafka consumer"* ]]
}
