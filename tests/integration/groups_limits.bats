#!/usr/bin/env bats
# The coordinator's limits, as Kafka enforces them: group.max.size
# (GROUP_MAX_SIZE_REACHED for one member too many) and the session timeout
# range group.min/max.session.timeout.ms (INVALID_SESSION_TIMEOUT).

load test_helper
load groups_helper

setup_file() {
  zk_start
  broker_start group.max.size=2 group.min.session.timeout.ms=6000 \
    group.max.session.timeout.ms=30000 group.initial.rebalance.delay.ms=0
}
teardown_file() { stop_all; }
setup() { groups_setup; }
teardown() { groups_teardown; show_logs_on_failure; }

@test "group.max.size: a third member is refused, the two others keep the group" {
  local topic group
  topic=$(unique_topic grp-max)
  group="g-max-$RANDOM"
  kafka_topic_create "$topic" 4
  member_start confluent m1 "$group" "$topic"
  member_start confluent m2 "$group" "$topic"
  wait_for 60 group_covers 4 2
  member_start confluent m3 "$group" "$topic"
  wait_for 60 grep -q "GROUP_MAX_SIZE_REACHED" "$GDIR/m3.log"
  [[ -z $(member_assignment m3) ]]
  member_stop m3
  group_covers 4 2 # m1 and m2 still share the topic
  run timeout 60 "$PY" "$CLIENTS_DIR/group_member.py" --client kafka-python \
    --bootstrap "$BROKER" --group "$group" --admin
  [[ $output == *"describe $group Stable 2 "* ]]
}

@test "session timeouts outside group.min/max.session.timeout.ms get INVALID_SESSION_TIMEOUT" {
  local topic
  topic=$(unique_topic grp-sto)
  kafka_topic_create "$topic" 1
  run timeout 60 "$PY" - "$BROKER" "$topic" <<'PYEOF'
import sys
from confluent_kafka import Consumer
for sto in (3000, 45000, 10000):
    c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "g-sto-%d" % sto,
                  "session.timeout.ms": sto, "heartbeat.interval.ms": 1000})
    c.subscribe([sys.argv[2]])
    result = "ok"
    for _ in range(50):
        m = c.poll(0.2)
        if m is not None and m.error():
            result = m.error().name()
            break
        if c.assignment():
            break
    print(sto, result, len(c.assignment()))
    c.close()
PYEOF
  echo "$output"
  [[ ${lines[0]} == "3000 INVALID_SESSION_TIMEOUT 0" ]]
  [[ ${lines[1]} == "45000 INVALID_SESSION_TIMEOUT 0" ]]
  [[ ${lines[2]} == "10000 ok 1" ]]
}
