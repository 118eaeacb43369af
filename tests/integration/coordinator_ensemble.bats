#!/usr/bin/env bats
# Our coordinator as a three-server ensemble on loopback (ENSEMBLE.md):
# leader election, replication, kill -9 of the leader, a follower killed and
# restarted, a server cut off (SIGSTOP beyond the sync and session timeouts,
# then SIGCONT), with a kazoo client writing sequential znodes throughout;
# afterwards every acknowledged write must be on EVERY server, once, in
# order (each server is read directly). Also: a session moving to another
# server keeps its ephemeral and watch; four-letter words show the mode; a
# server without a quorum stops serving; garbage on the peer ports; our
# Kafka broker on the ensemble with one follower down.

load test_helper

setup_file() { ensemble_start 3; }
teardown_file() { stop_all; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    ens_log_tail 40
    cat "$BATS_TEST_TMPDIR/writer.out" 2>/dev/null || true
  fi
  if [[ -n ${WRITER:-} ]]; then # a writer left by a failed test
    touch "$STOPF"
    kill "$WRITER" 2>/dev/null || true
    wait "$WRITER" 2>/dev/null || true
  fi
  # every server runs again for the next test (unless a test stopped them all)
  local i
  [[ -f $BATS_FILE_TMPDIR/ens/stopped ]] && return 0
  for ((i = 1; i <= ENS_N; i++)); do
    kill -CONT "$(ens_pid "$i")" 2>/dev/null || true
    pid_alive "$(ens_pid "$i")" || ensemble_restart "$i" || true
  done
}

ens() { timeout -k 5 120 "$PY" "$CLIENTS_DIR/zk_ensemble.py" "$@"; }

# writer_start PATH: a kazoo client writing PATH/n-<seq> through all servers.
writer_start() {
  ACKED=$BATS_TEST_TMPDIR/acked STOPF=$BATS_TEST_TMPDIR/stop WPATH=$1
  : >"$ACKED"
  ens write "$ENS_CONNECT" "$WPATH" "$ACKED" "$STOPF" >"$BATS_TEST_TMPDIR/writer.out" 2>&1 &
  WRITER=$!
  wait_for 30 lines_at_least "$ACKED" 50
}

writer_stop() {
  touch "$STOPF"
  wait "$WRITER"
  note "$(cat "$BATS_TEST_TMPDIR/writer.out")"
}

# acked_after T: true once a write was acknowledged after time T (seconds).
acked_after() { awk -v t="$1" '$2 > t { found = 1 } END { exit !found }' "$ACKED"; }

# outage T: how long writes stopped around time T: the longest pause
# between two acknowledgements (or T and the first one after it) in the 20 s
# after T.
outage() { ens outage "$ACKED" "$1"; }

ens_is_follower() { [[ $(ens_mode "$1") == follower ]]; }

all_serving() {
  local i
  for ((i = 1; i <= ENS_N; i++)); do ens_serving "$i" || return 1; done
}

same_zxid() {
  local i z first
  for ((i = 1; i <= ENS_N; i++)); do
    z=$(ens_4lw "$i" srvr | sed -n 's/^Zxid: //p')
    [[ -n $z ]] || return 1
    first=${first:-$z}
    [[ $z == "$first" ]] || return 1
  done
}

# verify_everywhere: every server, read directly, has every acknowledged
# write once and in order, and all have the same list.
verify_everywhere() {
  wait_for 30 all_serving
  wait_for 30 same_zxid
  same_tree_everywhere "$ENS_N" verify_server
}
verify_server() { ens verify "127.0.0.1:$(ens_port "$1")" "$WPATH" "$ACKED"; }

@test "three servers elect one leader; srvr, stat and mntr show the mode" {
  wait_for 20 all_serving
  local i leaders=0 followers=0 mode
  for ((i = 1; i <= ENS_N; i++)); do
    mode=$(ens_mode "$i")
    [[ $mode == leader ]] && leaders=$((leaders + 1))
    [[ $mode == follower ]] && followers=$((followers + 1))
    ens_4lw "$i" stat | grep -qE '^Mode: (leader|follower)$'
    ens_4lw "$i" mntr | grep -qE $'^zk_server_state\t(leader|follower)$'
  done
  [[ $leaders -eq 1 && $followers -eq 2 ]]
  local l
  l=$(ensemble_leader)
  ens_4lw "$l" mntr | grep -qx $'zk_synced_followers\t2'
  ens_4lw "$l" conf | grep -q '^membership: '
}

@test "writes through a follower: results, errors, failed multi, sync; readable on every server" {
  local l f
  l=$(ensemble_leader)
  f=$((l % ENS_N + 1))
  run "$PY" - "127.0.0.1:$(ens_port "$f")" "$ENS_CONNECT" <<'EOF'
import sys
from kazoo.client import KazooClient
from kazoo.exceptions import NodeExistsError, BadVersionError, NoNodeError
w = KazooClient(hosts=sys.argv[1], randomize_hosts=False); w.start(20)
assert w.create("/basic/x", b"hello", makepath=True) == "/basic/x"
try:
    w.create("/basic/x", b"again"); raise SystemExit("no NodeExists")
except NodeExistsError:
    pass
try:
    w.set("/basic/x", b"v", version=7); raise SystemExit("no BadVersion")
except BadVersionError:
    pass
t = w.transaction(); t.create("/basic/y", b"1"); t.delete("/basic/nope")
res = t.commit()
assert type(res[1]) is NoNodeError, res
assert w.exists("/basic/y") is None
seq = w.create("/basic/s-", b"", sequence=True, ephemeral=True)
st = w.set("/basic/x", b"v2")
assert st.version == 1, st
w.sync("/basic")
for h in sys.argv[2].split(","):
    r = KazooClient(hosts=h, randomize_hosts=False); r.start(20)
    r.sync("/basic")
    assert r.get("/basic/x")[0] == b"v2", h
    assert r.exists(seq).ephemeralOwner == w.client_id[0], h
    r.stop()
w.delete("/basic/x")
w.stop()
r = KazooClient(hosts=sys.argv[2]); r.start(20); r.sync("/basic")
assert r.exists(seq) is None and r.exists("/basic/x") is None
print("ok")
EOF
  echo "$output"
  [[ $status -eq 0 && $output == *ok* ]]
}

@test "sync through a chroot answers the client's own path on the leader and on each follower" {
  run "$PY" - "$ENS_CONNECT" <<'EOF'
import sys
from kazoo.client import KazooClient
hosts = sys.argv[1].split(",")
base = KazooClient(hosts=hosts[0], randomize_hosts=False); base.start(20)
base.ensure_path("/chrooted/a")
base.stop()
for h in hosts:
    for chroot in ("/chrooted", ""):
        zk = KazooClient(hosts=h + chroot, randomize_hosts=False); zk.start(20)
        got = [zk.sync(p) for p in ("/not_there", "/a", "/")]
        assert got == ["/not_there", "/a", "/"], (h + chroot, got)
        zk.stop()
print("ok")
EOF
  echo "$output"
  [[ $status -eq 0 && $output == *ok* ]]
}

@test "kill -9 of the leader under write load: a new leader, writes resume, nothing acknowledged is lost" {
  writer_start /leaderkill
  local l t
  l=$(ensemble_leader)
  t=$(date +%s.%N)
  ensemble_kill9 "$l"
  wait_for 20 acked_after "$t"
  local other=$((l % ENS_N + 1))
  wait_for 10 ens_serving "$other"
  lines_at_least "$ACKED" 100 || sleep 1
  ensemble_restart "$l"
  sleep 1
  writer_stop
  local o
  o=$(outage "$t")
  note "writes stopped for $o s around kill -9 of leader $l"
  awk -v o="$o" 'BEGIN { exit !(o > 0 && o < 2) }' # "about one second"
  verify_everywhere
}

@test "a follower killed and restarted under write load catches up" {
  writer_start /followerkill
  local l f
  l=$(ensemble_leader)
  f=$((l % ENS_N + 1))
  ensemble_kill9 "$f"
  local n
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 100))
  ensemble_restart "$f"
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 50))
  writer_stop
  verify_everywhere
}

@test "the leader cut off (SIGSTOP beyond sync and session timeouts, SIGCONT) rejoins as a follower" {
  writer_start /cutleader
  local l t
  l=$(ensemble_leader)
  t=$(date +%s.%N)
  kill -STOP "$(ens_pid "$l")"
  wait_for 20 acked_after "$t"
  sleep 5 # > sessionTimeout (4 s) and syncLimit x tickTime (1 s)
  kill -CONT "$(ens_pid "$l")"
  # it may answer one more srvr as the leader it was before it notices
  wait_for 20 ens_is_follower "$l"
  local n
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 50))
  writer_stop
  note "writes stopped for $(outage "$t") s around SIGSTOP of leader $l (client-side detection included)"
  verify_everywhere
}

@test "a follower cut off (SIGSTOP, SIGCONT) catches up" {
  writer_start /cutfollower
  local l f
  l=$(ensemble_leader)
  f=$((l % ENS_N + 1))
  kill -STOP "$(ens_pid "$f")"
  local n
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 100))
  sleep 3
  kill -CONT "$(ens_pid "$f")"
  wait_for 20 ens_serving "$f"
  n=$(line_count "$ACKED")
  wait_for 20 lines_at_least "$ACKED" $((n + 50))
  writer_stop
  verify_everywhere
}

@test "a session moves to another server with its ephemeral and watch" {
  local l a b
  l=$(ensemble_leader)
  a=$((l % ENS_N + 1)) # a follower: the client's first server
  b=$((a % ENS_N + 1))
  run ens move "127.0.0.1:$(ens_port "$a"),127.0.0.1:$(ens_port "$b")" "$(ens_pid "$a")" \
    "127.0.0.1:$(ens_port "$l")"
  echo "$output"
  [[ $status -eq 0 && $output == *ok* ]]
  ensemble_restart "$a"
}

@test "a follower revalidates an unknown session through the leader: expired, wrong password refused" {
  local l f
  l=$(ensemble_leader)
  f=$((l % ENS_N + 1))
  # unknown session id -> (sync through the leader) -> expired answer and close;
  # a session made on the follower reconnected with a wrong password -> refused
  run timeout 60 "$PY" "$CLIENTS_DIR/zk_raw.py" "127.0.0.1:$(ens_port "$f")" expired_session
  echo "$output"
  [[ $status -eq 0 && $output == "ok expired_session" ]]
  # a session created through the leader reconnects on the follower at once
  run timeout 60 "$PY" - "127.0.0.1:$(ens_port "$l")" "127.0.0.1:$(ens_port "$f")" <<'PYEOF'
import socket, struct, sys
def connect(addr, sid=0, pw=b"\0" * 16):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    body = struct.pack(">iqiq", 0, 0, 10000, sid) + struct.pack(">i", 16) + pw + b"\0"
    s.sendall(struct.pack(">i", len(body)) + body)
    n = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
    r = s.recv(n, socket.MSG_WAITALL)
    _, to, got = struct.unpack(">iiq", r[:16])
    return s, to, got, r[20:36]
for i in range(20):
    a, to, sid, pw = connect(sys.argv[1])
    b, to2, sid2, _ = connect(sys.argv[2], sid, pw)
    if sid2 != sid or to2 <= 0:
        sys.exit("round %d: session 0x%x refused by the follower (0x%x, %d)" % (i, sid, sid2, to2))
    a.close()
    b.close()
print("ok")
PYEOF
  echo "$output"
  [[ $status -eq 0 && $output == ok ]]
}

not_serving() { ens_4lw "$1" srvr | grep -q 'not currently serving requests'; }

@test "a server without a quorum stops serving clients, and serves again when it has one" {
  local l f1 f2
  l=$(ensemble_leader)
  f1=$((l % ENS_N + 1))
  f2=$((f1 % ENS_N + 1))
  kill -STOP "$(ens_pid "$f1")" "$(ens_pid "$f2")"
  wait_for 10 not_serving "$l"
  [[ $(ens_4lw "$l" ruok) == imok ]]
  run "$PY" - "127.0.0.1:$(ens_port "$l")" <<'EOF'
import sys
from kazoo.client import KazooClient
c = KazooClient(hosts=sys.argv[1], randomize_hosts=False, connection_retry=dict(max_tries=2))
try:
    c.start(timeout=3)
    print("connected")
except Exception as e:
    print("refused:", type(e).__name__)
EOF
  echo "$output"
  [[ $output == *refused:* && $output != *connected* ]]
  kill -CONT "$(ens_pid "$f1")" "$(ens_pid "$f2")"
  wait_for 20 all_serving
}

@test "garbage on the quorum and election ports closes that connection only" {
  local i cfg q e
  i=$(ensemble_leader)
  cfg=$BATS_FILE_TMPDIR/ens/s$i/zoo.cfg
  q=$(sed -n "s/^server\.$i=127\.0\.0\.1:\([0-9]*\):\([0-9]*\);.*/\1/p" "$cfg")
  e=$(sed -n "s/^server\.$i=127\.0\.0\.1:\([0-9]*\):\([0-9]*\);.*/\2/p" "$cfg")
  run "$PY" - "$q" "$e" <<'EOF'
import socket, struct, sys
frames = [b"GET / HTTP/1.0\r\n\r\n", struct.pack(">I", 0), struct.pack(">I", 0x7fffffff) + b"x",
          struct.pack(">IB", 1, 99), struct.pack(">IB", 5, 3) + b"\0\0\0\1",
          struct.pack(">IB", 9, 1) + b"\1\0\0\0\7\0\0\0",
          struct.pack(">IBqiii", 21, 8, 1, 1, 1, 40), struct.pack(">IBi", 5, 7, -1),
          struct.pack(">IBqi", 13, 7, 5, 1 << 30), struct.pack(">IB", 4, 5) + b"abc",
          struct.pack(">IBqbq", 22, 4, 9, 1, 0) + struct.pack(">i", 1 << 20)]
for port in map(int, sys.argv[1:]):
    for f in frames:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.sendall(f)
        s.settimeout(2)
        try:
            s.recv(100)
        except OSError:
            pass
        s.close()
print("sent", len(frames) * 2)
EOF
  echo "$output"
  [[ $status -eq 0 ]]
  for ((i = 1; i <= ENS_N; i++)); do pid_alive "$(ens_pid "$i")"; done
  wait_for 10 all_serving
  [[ $(ensemble_leader) == "$(ensemble_leader)" ]]
}

@test "our Kafka broker creates a topic and produces/consumes through the ensemble with a follower down" {
  local l f topic
  l=$(ensemble_leader)
  f=$((l % ENS_N + 1))
  ensemble_kill9 "$f"
  ZK_CONNECT=$ENS_CONNECT
  export ZK_CONNECT
  broker_start num.partitions=2
  wait_for 30 broker_registered
  topic=$(unique_topic ens)
  kcat_smoke "$topic"
  # zkCli.sh gives up on a one-shot command if it picks the stopped server
  ZK_CONNECT=127.0.0.1:$(ens_port "$l") run zkcli ls "/brokers/topics/$topic/partitions"
  echo "$output"
  [[ $output =~ \[(0,\ 1|1,\ 0)\] ]]
  broker_stop
  ensemble_restart "$f"
}

@test "every server stops cleanly on SIGTERM, with no sanitizer report" {
  wait_for 20 all_serving
  ensemble_stop
  touch "$BATS_FILE_TMPDIR/ens/stopped"
  local i out
  for ((i = 1; i <= ENS_N; i++)); do
    out=$BATS_FILE_TMPDIR/ens/s$i/zookeeper.out
    grep -q 'Shutdown complete' "$out"
    refute grep -E 'Sanitizer|runtime error:' "$out"
  done
}
