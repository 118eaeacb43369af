#!/usr/bin/env bats
# The books' by-hand operation on the lab's foo.bar cluster: `systemctl stop
# kafka-server` on peter-kafka02 while an idempotent acks=all load runs
# (RF=3, min.insync.replicas=2, a consumer group reading), then `systemctl
# start kafka-server`. While it is down the other two brokers keep
# acknowledging; no send fails; once started it registers and is back in
# the ISR of every partition; every acknowledged record is read once and in
# order (acked_checker.py). The seconds it was out and its way back into
# the ISR are printed. `make lab-test` runs it; it uses a lab that is up,
# else brings one up (scripts/lab.sh).

load ../integration/test_helper
load lab_helper

setup_file() { lab_up_or_use; }
teardown() { load_teardown; }

registered() { [[ $(registered_brokers) == "$1" ]]; }

@test "systemctl stop kafka-server on peter-kafka02 during an acks=all load fails no send; systemctl start brings it back into the ISR" {
  local d=$BATS_TEST_TMPDIR t t0 acked_at_stop t_stop t_back
  t=broker-stop-$(date +%s)
  wait_for 180 no_urp
  new_topic "$t"
  load_start "$t"
  sleep 5
  # peter-kafka02 leads or follows partitions of the topic (RF=3: all)
  in_every_isr 2 "$t"

  t0=$SECONDS
  t_stop=$(date +%s.%N)
  on peter-kafka02 systemctl stop kafka-server
  note "systemctl stop kafka-server (controlled shutdown): $((SECONDS - t0)) s"
  refute active peter-kafka02 kafka-server
  wait_for 30 registered "[1, 3]"
  # the two others keep acknowledging (min.insync.replicas=2) meanwhile
  acked_at_stop=$(wc -l <"$d/acked")
  sleep 10
  (($(wc -l <"$d/acked") >= acked_at_stop + 1500))
  refute in_every_isr 2 "$t"

  t0=$SECONDS
  on peter-kafka02 systemctl start kafka-server
  active peter-kafka02 kafka-server
  note "systemctl start kafka-server (Type=notify: serving): $((SECONDS - t0)) s"
  wait_for 60 registered "[1, 2, 3]"
  wait_for 120 in_every_isr 2 "$t"
  note "peter-kafka02 back in the ISR of every partition $((SECONDS - t0)) s after systemctl start"
  wait_for 120 no_urp
  t_back=$(date +%s.%N)
  sleep 3
  load_stop "$t"
  note "acks=all p99 while peter-kafka02 stopped and came back: $(p99 "$t_stop" "$t_back")"
  note "$(grep '^total' "$d/verify.log")"
}
