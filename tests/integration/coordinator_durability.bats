#!/usr/bin/env bats
# Durability of our coordinator: an acknowledged write is on disk (group
# commit + fdatasync), kill -9 at any moment loses none of them, restart
# recovers the exact tree, sessions and zxid; snapshots, log rotation and
# autopurge.

load test_helper

setup_file() {
  # small snapCount: snapshots and new log files happen during the load
  coord_start snapCount=400 autopurge.snapRetainCount=3 autopurge.purgeInterval=1
}
teardown_file() { zk_stop; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then coord_log_tail 40; fi
}

dur() { timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_durability.py" "$ZK_CONNECT" "$@"; }

@test "kill -9 under write load loses no acknowledged write (three rounds)" {
  local acked="$BATS_FILE_TMPDIR/acked" round
  : >"$acked"
  for round in 1 2 3; do
    local before
    before=$(line_count "$acked")
    dur write "$acked" 60 /load >"$BATS_TEST_TMPDIR/writer.$round" 2>&1 &
    local writer=$!
    # kill at a random point once writes are flowing
    wait_for 30 lines_at_least "$acked" $((before + 100))
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
    coord_kill9
    wait "$writer" || true
    note "round $round: $(grep -m1 "acked up to" "$BATS_TEST_TMPDIR/writer.$round")"
    coord_start
    run dur verify "$acked" /load
    echo "$output"
    [[ $status -eq 0 ]]
  done
  [[ $(grep -cv bump "$acked") -gt 100 ]]
}

no_sessions() { zk_4lw mntr | grep -qx $'zk_global_sessions\t0'; }

@test "restart after kill -9 recovers the exact tree (data and every Stat field) and zxid" {
  # the killed writers' sessions expire first (each expiry is a txn)
  wait_for 40 no_sessions
  dur dump "$BATS_TEST_TMPDIR/before"
  local zxid_before
  zxid_before=$(zk_4lw srvr | grep '^Zxid:')
  coord_kill9
  coord_start
  [[ $(zk_4lw srvr | grep '^Zxid:') == "$zxid_before" ]]
  dur dump "$BATS_TEST_TMPDIR/after"
  diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
  [[ $(wc -l <"$BATS_TEST_TMPDIR/after") -gt 100 ]]
}

@test "snapshots and logs use Apache's names; autopurge keeps snapRetainCount snapshots" {
  local v2="$ZK_DIR/data/version-2"
  ls "$v2"
  compgen -G "$v2/snapshot.*" >/dev/null
  compgen -G "$v2/log.*" >/dev/null
  zk_stop
  coord_start # purge runs at start-up
  local n
  n=$(find "$v2" -name 'snapshot.*' | wc -l)
  [[ $n -le 3 && $n -ge 1 ]]
  # what is left still recovers everything
  run dur verify "$BATS_FILE_TMPDIR/acked" /load
  [[ $status -eq 0 ]]
}

@test "a session and its ephemeral survive a coordinator restart" {
  run "$PY" - "$ZK_CONNECT" "$ZK_DIR" <<'EOF2'
import subprocess, sys, time
from kazoo.client import KazooClient
hosts, zkdir = sys.argv[1], sys.argv[2]
zk = KazooClient(hosts=hosts, timeout=20)
zk.start(timeout=10)
zk.create("/survivor", b"x", ephemeral=True)
sid = zk.client_id[0]
subprocess.check_call(["bash", "-c", "source tests/integration/test_helper.bash; zk_stop; coord_start"],
                      env={"BATS_FILE_TMPDIR": zkdir.rsplit("/", 1)[0], "PATH": "/usr/bin:/bin",
                           "BUILD": __import__("os").environ.get("BUILD", "build")})
deadline = time.time() + 20
while not zk.connected and time.time() < deadline:
    time.sleep(0.1)
data, st = zk.get("/survivor")
assert zk.client_id[0] == sid and st.ephemeralOwner == sid, (hex(sid), hex(st.ephemeralOwner))
zk.stop()
print("ok")
EOF2
  echo "$output"
  [[ $status -eq 0 && $output == *ok* ]]
}

@test "a torn tail of the transaction log is truncated at start-up" {
  local log
  log=$(ls -1 "$ZK_DIR/data/version-2"/log.* | sort | tail -n 1)
  zk_stop
  printf '\x00\x00\x01\x00garbage-after-the-last-record' >>"$log"
  coord_start
  grep -q "Truncating" "$ZK_DIR/zookeeper.out"
  run dur verify "$BATS_FILE_TMPDIR/acked" /load
  [[ $status -eq 0 ]]
}
