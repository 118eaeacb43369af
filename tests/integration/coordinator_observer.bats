#!/usr/bin/env bats
# Our coordinator: three voters and one observer (server.4=...:observer).
# The observer follows the committed stream and serves reads, writes and
# sessions to its clients, but neither votes nor counts for the write
# quorum: srvr/mntr say Mode: observer; losing it changes nothing for
# writes; with it alive but two voters gone, nothing is written.

load test_helper

setup_file() { ENS_OBSERVERS=4 ensemble_start 4; }
teardown_file() { ensemble_stop; }
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then ens_log_tail 40; fi
  local i
  for ((i = 1; i <= ENS_N; i++)); do
    kill -CONT "$(ens_pid "$i")" 2>/dev/null || true
    pid_alive "$(ens_pid "$i")" || ensemble_restart "$i" || true
  done
}

voters_connect() { echo "$ENS_CONNECT" | cut -d, -f1-3; }
observer_connect() { echo "127.0.0.1:$(ens_port 4)"; }

# kz ARGS...: a kazoo scenario read from stdin
kz() { timeout -k 5 60 "$PY" - "$@"; }

@test "modes: one leader, two followers, one observer; the leader counts it apart" {
  local i leaders=0 followers=0 l
  for ((i = 1; i <= 3; i++)); do
    case $(ens_mode "$i") in leader) leaders=$((leaders + 1)) ;; follower) followers=$((followers + 1)) ;; esac
  done
  [[ $leaders -eq 1 && $followers -eq 2 ]]
  [[ $(ens_mode 4) == observer ]]
  ens_4lw 4 stat | grep -qx 'Mode: observer'
  ens_4lw 4 mntr | grep -qx $'zk_server_state\tobserver'
  ens_4lw 4 conf | grep -qx 'peerType=1'
  l=$(ensemble_leader)
  run ens_4lw "$l" mntr
  grep -qx $'zk_synced_followers\t2' <<<"$output"
  grep -qx $'zk_synced_observers\t1' <<<"$output"
  grep -qx $'zk_quorum_size\t3' <<<"$output"
}

@test "a client of the observer writes, reads, syncs and keeps an ephemeral; the voters see it all" {
  run kz "$(observer_connect)" "$(voters_connect)" <<'EOF'
import sys
from kazoo.client import KazooClient
obs = KazooClient(hosts=sys.argv[1], randomize_hosts=False); obs.start(20)
obs.create("/obs/x", b"from-observer", makepath=True)
obs.create("/obs/eph", b"", ephemeral=True)
v = KazooClient(hosts=sys.argv[2]); v.start(20)
v.sync("/obs")
assert v.get("/obs/x")[0] == b"from-observer"
assert v.exists("/obs/eph").ephemeralOwner == obs.client_id[0]
v.set("/obs/x", b"from-voter")
assert obs.sync("/obs/x") == "/obs/x"
assert obs.get("/obs/x")[0] == b"from-voter", obs.get("/obs/x")
obs.stop()
v.sync("/obs")
assert v.exists("/obs/eph") is None
v.stop()
print("ok")
EOF
  echo "$output"
  [[ $status -eq 0 && $output == *ok* ]]
}

@test "without the observer and one follower, writes go on; with the observer but no voter quorum, nothing is written" {
  local l f1 f2
  l=$(ensemble_leader)
  f1=$((l % 3 + 1))
  f2=$((f1 % 3 + 1))
  ensemble_kill9 4
  ensemble_kill9 "$f1"
  run kz "127.0.0.1:$(ens_port "$l")" <<'EOF'
import sys, time
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start(20)
t = time.time()
for i in range(50):
    zk.create("/obs/w-", b"", sequence=True, makepath=True)
print("ok %.3f s for 50 writes" % (time.time() - t))
zk.stop()
EOF
  echo "$output"
  [[ $status -eq 0 && $output == ok* ]]
  note "leader and one follower: $output"
  ensemble_restart 4
  ensemble_restart "$f1"
  # the observer caught up: it has the writes made while it was down
  run kz "$(observer_connect)" <<'EOF'
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start(20)
zk.sync("/obs")
print(len(zk.get_children("/obs")))
zk.stop()
EOF
  [[ $status -eq 0 && $output -ge 50 ]]
  # two voters down, the observer up: no quorum, nothing served
  ensemble_kill9 "$f1"
  ensemble_kill9 "$f2"
  wait_for 10 eval "! ens_serving $l"
  wait_for 10 eval '! ens_serving 4'
  run kz "127.0.0.1:$(ens_port "$l"),$(observer_connect)" <<'EOF'
import sys
from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError
zk = KazooClient(hosts=sys.argv[1], timeout=2)
try:
    zk.start(3)
    zk.create("/obs/no-quorum")
    print("written")
except KazooTimeoutError:
    print("not served")
EOF
  echo "$output"
  [[ ${lines[-1]} == "not served" ]]
  ensemble_restart "$f1"
  wait_for 20 ens_serving "$l"
  wait_for 20 ens_serving 4
}
