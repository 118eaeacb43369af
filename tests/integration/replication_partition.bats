#!/usr/bin/env bats
# Replication under a real network partition (Kafka 2.5): the leader of a
# partition is cut off from ZooKeeper, the other brokers and the clients
# for longer than zookeeper.session.timeout.ms (6 s) and
# replica.lag.time.max.ms (3 s).  The controller gives its partitions to a
# broker of the ISR and the producers carry on there; healed, the old
# leader registers again, follows, truncates what it alone had and rejoins
# the ISR.  tests/clients/acked_checker.py then finds every acknowledged
# record, once and in order, and every replica holds the same bytes.
# Needs root (network namespaces).
#
# Topology (tests/integration/netns_helper.bash): broker I runs in
# namespace I and listens on 10.77.0.I; ZooKeeper (or our coordinator,
# ZK_IMPL=coordinator) and the test's clients run in the hub (TEST_NETNS),
# whose bridge links them all.  A cut takes the broker's bridge port down:
# its packets are dropped, as with a pulled cable.  One more producer runs
# inside the cut-off broker's namespace, bootstrapped from it alone: that
# broker is all it reaches while cut off, and nothing it acknowledges then
# may be missing afterwards (it must acknowledge nothing: no one else can
# hold the records).

load test_helper
load cluster_helper
load netns_helper

# hub_env: the hub is where ZooKeeper and the clients run.
hub_env() {
  TEST_NETNS=$(netns_name h) ZK_HOST=$(netns_addr h)
  export TEST_NETNS ZK_HOST
}

setup_file() {
  if [[ $EUID -ne 0 ]]; then # (bats 1.8 cannot skip from setup_file)
    touch "$BATS_FILE_TMPDIR/not-root"
    return 0
  fi
  netns_setup kafp 3
  hub_env
  zk_start
  local i
  for i in 1 2 3; do cluster_broker_place "$i" "$(netns_name "$i")" "$(netns_addr "$i")"; done
  # a broker whose session ZooKeeper has not heard of for 6 s leaves
  # /brokers/ids; a follower that fetched nothing for 3 s leaves the ISR
  cluster_start 3 zookeeper.session.timeout.ms=6000 replica.lag.time.max.ms=3000 \
    min.insync.replicas=2 controlled.shutdown.retry.backoff.ms=500 \
    offsets.topic.replication.factor=3
}

teardown_file() {
  [[ ! -e $BATS_FILE_TMPDIR/not-root ]] || return 0
  if netns_ready; then
    hub_env
    local i
    for i in 1 2 3; do netns_heal "$i" 2>/dev/null || true; done
    for i in 1 2 3; do cluster_broker_stop "$i" 15 || true; done
  fi
  zk_stop || true
  netns_cleanup
}

setup() {
  if [[ -e $BATS_FILE_TMPDIR/not-root ]]; then skip "needs root (ip netns, veth, bridge)"; fi
  hub_env
}

teardown() {
  [[ ! -e $BATS_FILE_TMPDIR/not-root ]] || return 0
  local i f
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    for f in "$BATS_TEST_TMPDIR"/*.out; do
      [[ -e $f ]] && { echo "--- $f"; tail -n 20 "$f"; }
    done
    cluster_log_tail 60
  fi
  for i in 1 2 3; do netns_heal "$i" 2>/dev/null || true; done
}

# acked_in PRODUCER PART: how many of the producer's records were
# acknowledged in partition PART.
acked_in() {
  local f=$BATS_TEST_TMPDIR/$1.acked
  if [[ -f $f ]]; then awk -v p="$2" '$1 == p { n++ } END { print n + 0 }' "$f"; else echo 0; fi
}
acked_in_at_least() { (($(acked_in "$1" "$2") >= $3)); }

# isr_without TOPIC PART ID: the partition's ISR does not name ID.
isr_without() {
  local isr
  isr=$(cluster_isr "$1" "$2") || return 1
  [[ ,$isr, != *,$3,* ]]
}

@test "replication, network partition: the brokers live apart; the hub reaches each; a cut one is unreachable" {
  local i
  for i in 1 2 3; do
    port_open "$(cluster_host "$i")" "$(cluster_port "$i")"
    broker_registered "$i"
    # it runs in its namespace, where no other broker's address is local
    ip netns pids "$(netns_name "$i")" | grep -qx "$(cluster_pid "$i")"
    [[ $(in_ns "$i" ip -4 addr show) != *"10.77.0.$((i % 3 + 1))/"* ]]
  done
  netns_cut 2
  refute port_open "$(cluster_host 2)" "$(cluster_port 2)"
  netns_heal 2
  wait_for 10 port_open "$(cluster_host 2)" "$(cluster_port 2)"
}

# cut_leader_under_load leader|controller: cut off the leader of a
# partition -- one that is not the controller (which stays on the majority
# side), or the controller itself -- under acks=all load from the hub and
# from the leader's own side; heal; nothing acknowledged may be lost.
cut_leader_under_load() {
  local t d=$BATS_TEST_TMPDIR c x p q e0 n tcut niso l f
  t=$(rf3_topic "cut-$1" 3)
  c=$(cluster_controller)
  for p in 0 1 2; do
    x=$(cluster_leader "$t" "$p")
    if [[ $1 == controller ]]; then [[ $x == "$c" ]] && break; else [[ $x != "$c" ]] && break; fi
  done
  if [[ $1 == controller ]]; then [[ $x == "$c" ]]; else [[ $x != "$c" ]]; fi
  e0=$(cluster_epoch "$t" "$p")
  checker_load "$t" "$d" rd confluent 6000 200
  checker_load "$t" "$d" py kafka-python 3000 100
  # the producer on the minority side: in x's namespace, knows only x
  TEST_NETNS=$(netns_name "$x") checker_load "$t" "$d" iso confluent 3000 100 "$(cluster_addr "$x")"
  wait_for 20 acked_in_at_least rd "$p" 100
  wait_for 20 acked_in_at_least iso "$p" 50

  tcut=$SECONDS
  netns_cut "$x"
  refute port_open "$(cluster_host "$x")" "$(cluster_port "$x")"
  # (acks=all answers for records replicated before the cut may still
  # arrive: a second for them)
  sleep 1
  niso=$(line_count "$d/iso.acked")

  # ZooKeeper expires x's session; the controller elects a leader from the
  # ISR (a new epoch, x out of the ISR) and the producers carry on with it
  wait_for 20 broker_unregistered "$x"
  if [[ $1 == controller ]]; then wait_for 20 cluster_controller_moved "$x"; fi
  wait_for 20 leader_not "$t" "$p" "$x"
  [ "$(cluster_epoch "$t" "$p")" -gt "$e0" ]
  isr_without "$t" "$p" "$x"
  for q in 0 1 2; do wait_for 20 isr_without "$t" "$q" "$x"; done
  n=$(acked_in rd "$p")
  local tl=$SECONDS
  wait_for 30 acked_in_at_least rd "$p" $((n + 100))
  note "the idempotent producer carried on with the new leader after $((SECONDS - tl)) s"
  n=$(acked_in py "$p")
  wait_for 20 acked_in_at_least py "$p" $((n + 20))
  # cut off for 10 s at least; all the while the isolated broker, cut off
  # from every other replica, acknowledged nothing to its own side
  while ((SECONDS - tcut < 10)); do sleep 0.5; done
  [ "$(line_count "$d/iso.acked")" -eq "$niso" ]
  # what x held just before the heal (to tell whether it had a tail of its own)
  cp "$(segment "$x" "$t" "$p")" "$d/isolated.log"
  note "broker $x (leader of $t-$p, epoch $e0) cut off for $((SECONDS - tcut)) s; $(cluster_leader "$t" "$p") leads (epoch $(cluster_epoch "$t" "$p"), ISR $(cluster_isr "$t" "$p"))"

  netns_heal "$x"
  wait_for 30 broker_registered "$x"
  for q in 0 1 2; do cluster_wait_isr "$t" "$q" 1,2,3 30; done
  # the controller elected while x was away stays the controller
  if [[ $1 == controller ]]; then cluster_controller_moved "$x"; fi

  checker_verify "$t" "$d" rd py iso
  note "$(grep '^total' <<<"$output")"
  # every record of the hub's idempotent producer was acknowledged, or
  # failed with a fatal out-of-order-sequence error of librdkafka 2.0.2:
  # right after the heal, before the old leader has heard from ZooKeeper
  # that its session expired, it still answers as the partition's leader
  # (as Kafka 2.5's does), and a producer that takes its metadata then
  # sends it a sequence far past the one it knows (librdkafka 2.0 uses no
  # leader epochs to see that metadata is stale); the checker replaces
  # the producer (the old one's queue is purged: failed too) and goes on
  local nfail
  nfail=$(grep -c '^rd:' "$d/rd.failed" || true)
  refute grep -v -i -e fatal -e OUT_OF_ORDER_SEQUENCE -e _PURGE_QUEUE "$d/rd.failed"
  [ $(($(line_count "$d/rd.acked") + nfail)) -eq 6000 ]
  if ((nfail > 0)); then note "librdkafka fatal error after the heal: $nfail record(s) failed, not acknowledged"; fi
  # every replica holds the same bytes once caught up
  for q in 0 1 2; do
    l=$(cluster_leader "$t" "$q")
    for f in $(others "$l"); do wait_for 10 same_log "$t" "$q" "$l" "$f"; done
  done
  # x's log as it was cut off, against the agreed one: it had records of
  # its own (the minority producer's, appended in the new epoch's place,
  # never replicated nor acknowledged), and they were truncated
  refute cmp -s -n "$(stat -c %s "$d/isolated.log")" "$d/isolated.log" "$(segment "$x" "$t" "$p")"
  local trunc
  trunc=$(grep "Truncating partition $t-$p " "$(_cluster_broker_dir "$x")/logs/server.log" | tail -n 1)
  [ -n "$trunc" ]
  note "broker $x: ${trunc#*] }"
}

@test "replication, network partition: a leader cut off for longer than the session and lag timeouts loses its partition to the ISR; healed, it truncates and rejoins; nothing acknowledged is lost" {
  cut_leader_under_load leader
}

@test "replication, network partition: the controller, leading a partition, cut off: a new controller moves the partition to the ISR; healed, the old one follows; nothing acknowledged is lost" {
  cut_leader_under_load controller
}
