#!/usr/bin/env bats
# Our coordinator's three-server ensemble under a real network partition
# (ENSEMBLE.md, "leader/follower cut off"). Needs root (network namespaces).
#
# Topology (tests/integration/netns_helper.bash, all of it private to this
# run): the hub namespace's bridge 10.77.0.100/24, where the kazoo clients
# run (writer, verify, four-letter words); server I in namespace I, eth0
# 10.77.0.I/24 (veth peer of the hub's bI), run there with nsenter --net,
# client port 2181, peers 2888/3888.
#
# Cutting server I off = netns_cut I (`ip link set bI down` in the hub): its
# packets are dropped (no RST, no EOF), as with a pulled cable.
# A second kazoo client inside server I's own namespace (the minority side)
# checks that the cut-off server stops serving: its connection is dropped,
# nothing it writes is acknowledged, a new connection is refused, and srvr
# says "not currently serving". Afterwards every acknowledged write of the
# writer must be on every server (each read directly after sync), once, in
# order, and all servers must hold the same list.

load test_helper
load netns_helper

PPORT_CLIENT=2181
PPORT_QUORUM=2888
PPORT_ELECT=3888

_pdir() { echo "$BATS_FILE_TMPDIR/part"; }
p_pid() { cat "$(_pdir)/s$1/pid" 2>/dev/null || true; }
zke() { "$PY" "$CLIENTS_DIR/zk_ensemble.py" "$@"; }

# p_4lw I WORD: four-letter word to server I from inside its own namespace
# (reachable whatever the partition).
p_4lw() { in_ns "$1" timeout -k 2 10 "$PY" "$CLIENTS_DIR/zk_ensemble.py" fourlw "127.0.0.1:$PPORT_CLIENT" "$2"; }
p_mode() { p_4lw "$1" srvr 2>/dev/null | sed -n 's/^Mode: //p'; }
p_serving() { [[ $(p_mode "$1") =~ ^(leader|follower)$ ]]; }
p_is_follower() { [[ $(p_mode "$1") == follower ]]; }
p_not_serving() { p_4lw "$1" srvr 2>/dev/null | grep -q 'not currently serving requests'; }
p_zxid() { p_4lw "$1" srvr 2>/dev/null | sed -n 's/^Zxid: //p'; }
p_leader() {
  local i
  for i in 1 2 3; do
    if [[ $(p_mode "$i") == leader ]]; then echo "$i"; return 0; fi
  done
  return 1
}
# p_leader_is I: server I leads, and no other server says it does.
p_leader_is() {
  local i
  [[ $(p_mode "$1") == leader ]] || return 1
  for i in 1 2 3; do
    [[ $i == "$1" ]] && continue
    [[ $(p_mode "$i") != leader ]] || return 1
  done
}
# p_new_leader_among A B: one of A and B leads; prints it.
p_new_leader_among() {
  local i
  for i in "$@"; do
    if [[ $(p_mode "$i") == leader ]]; then echo "$i" >"$BATS_TEST_TMPDIR/newleader"; return 0; fi
  done
  return 1
}
all_serving() {
  local i
  for i in 1 2 3; do p_serving "$i" || return 1; done
}
same_zxid() {
  local i z first=
  for i in 1 2 3; do
    z=$(p_zxid "$i")
    [[ -n $z ]] || return 1
    first=${first:-$z}
    [[ $z == "$first" ]] || return 1
  done
}

# hub_reaches I: the hub can open a TCP connection to server I's client port.
hub_reaches() { in_ns h timeout -k 2 10 "$PY" "$CLIENTS_DIR/zk_ensemble.py" fourlw "$(netns_addr "$1"):$PPORT_CLIENT" ruok 2>/dev/null | grep -q imok; }

p_log_tail() {
  local i
  for i in 1 2 3; do
    echo "--- server $i ($(netns_addr "$i"))"
    tail -n "${1:-40}" "$(_pdir)/s$i/zookeeper.out" 2>/dev/null || true
  done
}

# partition_cleanup: stop the servers by their recorded PID, then delete
# the namespaces (netns_cleanup).  Idempotent.
partition_cleanup() {
  local i pid
  for i in 1 2 3; do
    pid=$(p_pid "$i")
    [[ -n $pid ]] || continue
    kill -CONT "$pid" 2>/dev/null || true
    stop_pid "$pid" "coordinator $i" 10 || true
    rm -f "$(_pdir)/s$i/pid"
  done
  netns_cleanup
}

partition_setup() {
  local dir i j
  dir=$(_pdir)
  mkdir -p "$dir"
  netns_setup zkp 3
  for i in 1 2 3; do
    mkdir -p "$dir/s$i/data" "$dir/s$i/logs"
    echo "$i" >"$dir/s$i/data/myid"
    {
      printf '%s\n' "tickTime=200" "initLimit=10" "syncLimit=5" "dataDir=$dir/s$i/data" \
        "clientPort=$PPORT_CLIENT" "maxClientCnxns=0" "4lw.commands.whitelist=*"
      for j in 1 2 3; do
        echo "server.$j=$(netns_addr "$j"):$PPORT_QUORUM:$PPORT_ELECT;$PPORT_CLIENT"
      done
    } >"$dir/s$i/zoo.cfg"
  done
  for i in 1 2 3; do
    echo "=== start $(date -u '+%F %T') in $(netns_name "$i")" >>"$dir/s$i/zookeeper.out"
    # nsenter execs the server: $! is the server's PID.
    LOG_DIR="$dir/s$i/logs" nsenter --net="/run/netns/$(netns_name "$i")" "$ZOOKEEPER_SERVER" "$dir/s$i/zoo.cfg" \
      >>"$dir/s$i/zookeeper.out" 2>&1 </dev/null 3>&- &
    echo $! >"$dir/s$i/pid"
  done
  for i in 1 2 3; do
    if ! wait_for 30 p_serving "$i"; then
      echo "partition_setup: server $i is not serving after 30 s" >&2
      p_log_tail 40 >&2
      return 1
    fi
  done
  for i in 1 2 3; do wait_for 10 hub_reaches "$i"; done
  P_CONNECT="$(netns_addr 1):$PPORT_CLIENT,$(netns_addr 2):$PPORT_CLIENT,$(netns_addr 3):$PPORT_CLIENT"
  echo "$P_CONNECT" >"$dir/connect"
}

setup_file() {
  mkdir -p "$(_pdir)"
  if [[ $EUID -ne 0 ]]; then # (bats 1.8 cannot skip from setup_file)
    touch "$(_pdir)/not-root"
    return 0
  fi
  if [[ ! -x $ZOOKEEPER_SERVER ]]; then
    echo "$ZOOKEEPER_SERVER not found (run make)" >&2
    return 1
  fi
  # (not `partition_setup || ...`: that would turn off errexit inside it;
  # bats runs teardown_file, which cleans up, when setup_file fails)
  partition_setup
}

teardown_file() { partition_cleanup; }

setup() {
  if [[ -e $(_pdir)/not-root ]]; then skip "needs root (ip netns, veth, bridge)"; fi
  P_CONNECT=$(cat "$(_pdir)/connect")
}

teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    p_log_tail 60
    echo "--- writer"
    cat "$BATS_TEST_TMPDIR/writer.out" 2>/dev/null || true
    echo "--- isolated client"
    cat "$BATS_TEST_TMPDIR/isolated.out" 2>/dev/null || true
  fi
  netns_ready || return 0
  local pid
  for pid in ${WRITER:-} ${ISO:-}; do # left by a failed test
    touch "$BATS_TEST_TMPDIR/stop"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # every link up again for the next test
  local i
  for i in 1 2 3; do netns_heal "$i" 2>/dev/null || true; done
}

# writer_start PATH: a kazoo client in the hub writing PATH/n-<seq> through
# all three servers until writer_stop.
writer_start() {
  ACKED=$BATS_TEST_TMPDIR/acked STOPF=$BATS_TEST_TMPDIR/stop WPATH=$1
  : >"$ACKED"
  rm -f "$STOPF"
  in_ns h timeout -k 5 300 "$PY" "$CLIENTS_DIR/zk_ensemble.py" write "$P_CONNECT" "$WPATH" "$ACKED" "$STOPF" \
    >"$BATS_TEST_TMPDIR/writer.out" 2>&1 </dev/null 3>&- &
  WRITER=$!
  wait_for 30 lines_at_least "$ACKED" 50
}

writer_stop() {
  touch "$STOPF"
  wait "$WRITER"
  WRITER=
  note "writer: $(cat "$BATS_TEST_TMPDIR/writer.out")"
}

# isolated_start I PATH SECONDS: the minority-side client, in server I's own
# namespace, connected to server I only; waits until it has written once.
isolated_start() {
  local ready=$BATS_TEST_TMPDIR/iso-ready
  ISO_GO=$BATS_TEST_TMPDIR/iso-go
  rm -f "$ready" "$ISO_GO"
  in_ns "$1" timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_ensemble.py" isolated "127.0.0.1:$PPORT_CLIENT" "$2" \
    "$ready" "$ISO_GO" "$3" >"$BATS_TEST_TMPDIR/isolated.out" 2>&1 </dev/null 3>&- &
  ISO=$!
  wait_for 30 test -e "$ready"
}

# isolated_result: wait for the minority-side client; its verdict (its own
# lines, without kazoo's log lines).
isolated_result() {
  local st=0
  wait "$ISO" || st=$?
  ISO=
  note "minority side (exit $st): $(grep -v -e '^Connection dropped' -e '^Transition to' \
    "$BATS_TEST_TMPDIR/isolated.out" | tr '\n' ';')"
  if ((st != 0)); then
    cat "$BATS_TEST_TMPDIR/isolated.out" >&2
    return 1
  fi
}

acked_after() { awk -v t="$1" '$2 > t { found = 1 } END { exit !found }' "$ACKED"; }
outage() { zke outage "$ACKED" "$1"; }

# verify_everywhere: every server, read directly from the hub, has every
# acknowledged write once and in order; all hold the same list.
verify_everywhere() {
  wait_for 30 all_serving
  local i
  for i in 1 2 3; do wait_for 10 hub_reaches "$i"; done
  wait_for 30 same_zxid
  same_tree_everywhere 3 verify_server
}
verify_server() {
  in_ns h timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_ensemble.py" verify "$(netns_addr "$1"):$PPORT_CLIENT" "$WPATH" "$ACKED"
}

@test "three servers in their own network namespaces elect one leader and reach each other through the bridge" {
  wait_for 20 all_serving
  local l i followers=0
  l=$(p_leader)
  for i in 1 2 3; do
    [[ $(p_mode "$i") == follower ]] && followers=$((followers + 1))
    hub_reaches "$i"
  done
  [[ $followers -eq 2 ]]
  p_4lw "$l" mntr | grep -qx $'zk_synced_followers\t2'
  # the servers really are apart: server 1's namespace has no 10.77.0.2 locally
  [[ $(in_ns 1 ip -4 addr show) == *10.77.0.1/24* && $(in_ns 1 ip -4 addr show) != *10.77.0.2/* ]]
}

@test "the leader partitioned away stops serving; the majority elects a new leader and keeps writing; healed, it rejoins as a follower" {
  writer_start /partleader
  local l a b t nl n o
  l=$(p_leader)
  a=$((l % 3 + 1)) b=$(((l + 1) % 3 + 1))
  isolated_start "$l" /partleader-minority 8
  t=$(date +%s.%N)
  netns_cut "$l"
  touch "$ISO_GO"
  refute hub_reaches "$l"
  # the majority side: a new leader, writes acknowledged again
  wait_for 20 acked_after "$t"
  wait_for 20 p_new_leader_among "$a" "$b"
  nl=$(cat "$BATS_TEST_TMPDIR/newleader")
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 100))
  # the minority side: the old leader steps down and serves nobody
  wait_for 10 p_not_serving "$l"
  [[ $(p_4lw "$l" ruok) == imok ]]
  isolated_result # (not `run`: it waits for a child of this shell)
  p_not_serving "$l"
  # heal: the old leader follows the new one (no election: same leader)
  netns_heal "$l"
  wait_for 30 p_is_follower "$l"
  p_leader_is "$nl"
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 50))
  writer_stop
  o=$(outage "$t")
  note "leader $l cut off; server $nl leads; writes stopped for $o s (client-side detection included)"
  verify_everywhere
  p_leader_is "$nl"
}

@test "a follower partitioned away stops serving; writes continue; healed, it catches up without deposing the leader" {
  writer_start /partfollower
  local l f t n
  l=$(p_leader)
  f=$((l % 3 + 1))
  isolated_start "$f" /partfollower-minority 8
  t=$(date +%s.%N)
  netns_cut "$f"
  touch "$ISO_GO"
  refute hub_reaches "$f"
  wait_for 20 acked_after "$t"
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 100))
  wait_for 10 p_not_serving "$f"
  isolated_result # (not `run`: it waits for a child of this shell)
  p_not_serving "$f"
  p_leader_is "$l"
  netns_heal "$f"
  wait_for 30 p_is_follower "$f"
  p_leader_is "$l"
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 50))
  writer_stop
  note "follower $f cut off; writes stopped for $(outage "$t") s (client-side detection included)"
  verify_everywhere
  p_leader_is "$l"
}

@test "the namespaces hold only this run's servers" {
  local i
  for i in 1 2 3; do
    pid_alive "$(p_pid "$i")"
    ip netns pids "$(netns_name "$i")" | grep -qx "$(p_pid "$i")"
  done
}
