#!/usr/bin/env bats
# What the broker and the coordinator tell systemd when run as Type=notify
# services (broker/common/service_notify.c), checked without systemd: each
# daemon runs with $NOTIFY_SOCKET (and $WATCHDOG_USEC) pointing at
# tests/clients/sd_notify_listener.py, which records every message, as
# systemd would receive them. READY=1 must come only once the daemon serves
# (broker: logs recovered, registered, listening; coordinator: standalone
# after recovery, in an ensemble once it has a quorum), STATUS= lines before
# it, EXTEND_TIMEOUT_USEC= with the recovery lines, WATCHDOG=1 at half the
# watchdog interval, STOPPING=1 on SIGTERM. The same daemons under real
# systemd: packaging_container.bats.

load test_helper

# notify_listen NAME: starts a listener on the socket $BATS_FILE_TMPDIR/notify/NAME.sock;
# its messages go to $BATS_FILE_TMPDIR/notify/NAME.msgs.
notify_listen() {
  local dir=$BATS_FILE_TMPDIR/notify
  mkdir -p "$dir"
  "$PY" "$CLIENTS_DIR/sd_notify_listener.py" "$dir/$1.sock" "$dir/$1.msgs" </dev/null >/dev/null 2>&1 3>&- &
  echo $! >>"$dir/pids"
  wait_for 10 grep -qx listening "$dir/$1.msgs"
}
sock_of() { echo "$BATS_FILE_TMPDIR/notify/$1.sock"; }
msgs() { cat "$BATS_FILE_TMPDIR/notify/$1.msgs"; }
# line_of NAME REGEX: the line number of the first message matching REGEX
line_of() { grep -n -m1 -E "$2" "$BATS_FILE_TMPDIR/notify/$1.msgs" | cut -d: -f1; }

teardown() { show_logs_on_failure; }

teardown_file() {
  stop_all # the broker, the coordinator and the ensemble members
  local pid
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$BATS_FILE_TMPDIR/notify/pids"
}

@test "notify: the broker sends STATUS while it connects and registers, READY=1 once it serves, WATCHDOG=1, STOPPING=1" {
  coord_start
  notify_listen broker
  sock=$(sock_of broker)
  NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 broker_start
  msgs broker
  id=$(sed -n 's/^broker.id=//p' "$BROKER_DIR/server.properties")
  c=$(line_of broker '^STATUS=Connecting to ZooKeeper at 127\.0\.0\.1:')
  r=$(line_of broker "^STATUS=Registering broker $id in ZooKeeper\$")
  g=$(line_of broker "^STATUS=Registered in ZooKeeper as broker $id; loading topics and logs\$")
  ready=$(line_of broker "^READY=1 \| STATUS=Serving as broker $id on port $BROKER_PORT\$")
  [[ -n $c && -n $r && -n $g && -n $ready ]]
  ((c < r && r < g && g < ready))
  [[ $(msgs broker | grep -c '^READY=1') -eq 1 ]]
  grep -q 'systemd watchdog: 400 ms, notified every 200 ms' "$BROKER_DIR/logs/server.log"
  # WATCHDOG=1 every 200 ms from the event loop
  before=$(msgs broker | grep -c '^WATCHDOG=1$')
  sleep 2
  after=$(msgs broker | grep -c '^WATCHDOG=1$')
  ((after - before >= 7 && after - before <= 12))
  broker_stop
  msgs broker | grep -qx "STOPPING=1 | STATUS=Shutting down broker $id"
  zk_stop
}

@test "notify: after a crash the broker's recovery lines (with EXTEND_TIMEOUT_USEC) come before READY=1" {
  coord_start
  # a short session: the restarted broker need not wait long for the dead
  # one's registration to expire
  broker_start zookeeper.session.timeout.ms=6000
  topic=$(unique_topic)
  kcat -b "$BROKER" -P -t "$topic" < <(seq 1 1000)
  kcat -b "$BROKER" -C -t "$topic" -e -q | wc -l | grep -qx 1000
  kill -KILL "$BROKER_PID"
  wait_pid_exit "$BROKER_PID" 10
  notify_listen recovery
  sock=$(sock_of recovery)
  NOTIFY_SOCKET=$sock broker_start zookeeper.session.timeout.ms=6000
  msgs recovery
  rec=$(line_of recovery "^EXTEND_TIMEOUT_USEC=300000000 \| STATUS=Recovering $BROKER_DIR/data/$topic-0: segment 0 \(1 of 1\)\$")
  ready=$(line_of recovery '^READY=1')
  [[ -n $rec && -n $ready ]]
  ((rec < ready))
  # no WATCHDOG_USEC, no watchdog
  refute grep -q '^WATCHDOG=1$' "$BATS_FILE_TMPDIR/notify/recovery.msgs"
  kcat -b "$BROKER" -C -t "$topic" -e -q | wc -l | grep -qx 1000
  broker_stop
  zk_stop
}

@test "notify: a standalone coordinator sends its recovery lines, then READY=1 once it serves" {
  notify_listen coord
  sock=$(sock_of coord)
  NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000 coord_start
  msgs coord
  snap=$(line_of coord '^EXTEND_TIMEOUT_USEC=300000000 \| STATUS=Loading the latest snapshot from ')
  replay=$(line_of coord '^EXTEND_TIMEOUT_USEC=300000000 \| STATUS=Replaying the transaction log in ')
  ready=$(line_of coord "^READY=1 \| STATUS=Serving clients on port $ZK_PORT \(standalone\)\$")
  [[ -n $snap && -n $replay && -n $ready ]]
  ((snap < replay && replay < ready))
  grep -q '^WATCHDOG=1$' "$BATS_FILE_TMPDIR/notify/coord.msgs"
  zk_stop
  msgs coord | grep -qx 'STOPPING=1 | STATUS=Shutting down'
}

@test "notify: an ensemble member sends READY=1 only once it has a quorum" {
  ensemble_start 3 # writes the three configs; started afresh below, one at a time
  ensemble_stop
  notify_listen ens1
  s1=$(sock_of ens1)
  notify_listen ens2
  s2=$(sock_of ens2)
  NOTIFY_SOCKET=$s1 ensemble_launch 1
  sleep 3 # alone: no quorum, not serving
  msgs ens1
  grep -qx 'STATUS=Looking for a quorum of 2 servers' "$BATS_FILE_TMPDIR/notify/ens1.msgs"
  refute grep -q '^READY=1' "$BATS_FILE_TMPDIR/notify/ens1.msgs"
  refute ens_serving 1
  NOTIFY_SOCKET=$s2 ensemble_launch 2
  wait_for 30 grep -qE '^READY=1 \| STATUS=Serving clients on port [0-9]+ as (leader|follower) \(epoch [0-9]+\)$' "$BATS_FILE_TMPDIR/notify/ens1.msgs"
  wait_for 30 grep -qE '^READY=1 \| STATUS=Serving clients on port [0-9]+ as (leader|follower) \(epoch [0-9]+\)$' "$BATS_FILE_TMPDIR/notify/ens2.msgs"
  ens_serving 1
  ens_serving 2
  # losing the quorum shows in the status
  ensemble_kill9 2
  wait_for 30 grep -qx 'STATUS=Not serving: looking for a quorum' "$BATS_FILE_TMPDIR/notify/ens1.msgs"
}
