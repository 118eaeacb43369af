# shellcheck shell=bash
# tests/integration/test_helper.bash -- shared by every tests/integration/*.bats
#
# Usage in a .bats file:
#
#   load test_helper
#   setup_file()    { zk_start; broker_start num.partitions=3; }
#   teardown_file() { stop_all; }
#   teardown()      { show_logs_on_failure; }
#
# State lives in files under $BATS_FILE_TMPDIR (zk/, broker/), not only in
# shell variables, because bats runs setup_file and every test in different
# processes: a test that restarts the broker must leave the new PID where
# teardown_file finds it.
#
# Environment:
#   BUILD                  build directory (default: build), as set by `make`
#   KAFKA_SERVER           broker binary (default: $BUILD/bin/kafka-server)
#   ZK_CHROOT              e.g. /kafka: appended to zookeeper.connect
#   BROKER_START_TIMEOUT   seconds to wait for the "started" line (default 30)
#   BATS_TEST_TIMEOUT      per-test limit in seconds (default 900 here)
#   ZK_IMPL                apache (default): zk_start runs Apache ZooKeeper;
#                          coordinator: zk_start runs our zookeeper-server
#   ZOOKEEPER_SERVER       our coordinator binary (default: $BUILD/bin/zookeeper-server)
#   TEST_NETNS             a network namespace (/run/netns/NAME) where
#                          ZooKeeper/the coordinator and the clients started
#                          here run (default: this one); see in_test_netns
#   ZK_HOST                the address ZooKeeper/the coordinator listens on
#                          (default 127.0.0.1)

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$TESTS_DIR/.." && pwd)
CLIENTS_DIR="$TESTS_DIR/clients"
# Always Debian's python: it has python3-kafka, python3-confluent-kafka and
# python3-kazoo; a `python3` earlier on PATH (pyenv) usually does not.
PY=/usr/bin/python3
: "${BUILD:=build}"
if [[ -z ${KAFKA_SERVER:-} ]]; then
  case $BUILD in
    /*) KAFKA_SERVER="$BUILD/bin/kafka-server" ;;
    *) KAFKA_SERVER="$REPO_ROOT/$BUILD/bin/kafka-server" ;;
  esac
fi
: "${BROKER_START_TIMEOUT:=30}"
: "${BATS_TEST_TIMEOUT:=900}"
if [[ -z ${ZOOKEEPER_SERVER:-} ]]; then
  case $BUILD in
    /*) ZOOKEEPER_SERVER="$BUILD/bin/zookeeper-server" ;;
    *) ZOOKEEPER_SERVER="$REPO_ROOT/$BUILD/bin/zookeeper-server" ;;
  esac
fi
export BUILD KAFKA_SERVER BROKER_START_TIMEOUT BATS_TEST_TIMEOUT PY CLIENTS_DIR ZOOKEEPER_SERVER
# The daemons roll their logs at every hour, as Kafka's log4j does: a test
# that greps server.log for a line written just before the hour would find
# it in server.log.<hour> instead. The daemons the tests start keep one file
# (a roll suffix with no time in it never changes); daemon_logs.bats, which
# tests rolling, sets its own pattern or unsets this one.
export LOG_ROLL_PATTERN="${LOG_ROLL_PATTERN-.no-roll-in-tests}"

# The file's name in its temp dir: setup_suite.bash's leak check names the
# file whose process outlived its teardown_file. A bench script that sources
# this file outside bats (tests/bench/replication) is named instead.
if [[ -d ${BATS_FILE_TMPDIR:-} && ! -f $BATS_FILE_TMPDIR/.bats-file ]]; then
  _helper_file=${BATS_TEST_FILENAME:-$0}
  echo "${_helper_file##*/}" >"$BATS_FILE_TMPDIR/.bats-file"
  unset _helper_file
fi

ZK_MAIN=org.apache.zookeeper.server.ZooKeeperServerMain
ZK_CLASSPATH=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar
STARTED_RE='started (kafka.server.KafkaServer)'

# ---------------------------------------------------------------- generic --

# _netns_cmd ARRAY NETNS: set ARRAY to the command prefix that runs a
# program in network namespace NETNS (empty ARRAY if NETNS is empty).
# nsenter execs the program: $! of a background start is the program's PID.
_netns_cmd() {
  local -n _netns_argv=$1
  _netns_argv=()
  if [[ -n ${2:-} ]]; then _netns_argv=(nsenter --net="/run/netns/$2"); fi
}

# in_test_netns COMMAND...: COMMAND in $TEST_NETNS, where the tests whose
# servers live in network namespaces (netns_helper.bash) run ZooKeeper and
# their clients; here if TEST_NETNS is unset.
in_test_netns() {
  local -a pre
  _netns_cmd pre "${TEST_NETNS:-}"
  "${pre[@]}" "$@"
}

# note MESSAGE...: a diagnostic line in the TAP stream (shown even on success).
note() {
  if { true >&3; } 2>/dev/null; then printf '# %s\n' "$*" >&3; fi
}

# wait_for TIMEOUT_S COMMAND...: run COMMAND every 0.2 s until it succeeds.
# Fails (status 1, message on stderr) after TIMEOUT_S seconds.
wait_for() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  while :; do
    if "$@"; then return 0; fi
    if ((SECONDS >= deadline)); then
      echo "wait_for: timed out after ${timeout}s waiting for: $*" >&2
      return 1
    fi
    sleep 0.2
  done
}

# refute COMMAND...: succeed only if COMMAND fails.  (Use this, not `! cmd`:
# bash's errexit ignores a negated command, so `! cmd` never fails a test.)
refute() {
  if "$@"; then
    echo "expected to fail but succeeded: $*" >&2
    return 1
  fi
  return 0
}

# free_port: print a TCP port free on 127.0.0.1.  Picked at random below the
# kernel's ephemeral range (so no outgoing connection can be handed it between
# now and the server's bind), checked bindable, and never handed out twice in
# one bats run.
free_port() {
  local used="${BATS_RUN_TMPDIR:-/tmp}/kafka-test-used-ports"
  "$PY" - "$used" <<'EOF'
import os, random, socket, sys
used_file = sys.argv[1]
try:
    used = set(open(used_file).read().split())
except OSError:
    used = set()
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    lo = 32768
hi = max(min(lo, 65535) - 1, 20000)
for _ in range(2000):
    port = random.randint(15000, hi) if hi > 15000 else random.randint(20000, 29999)
    if str(port) in used:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    with open(used_file, "a") as f:
        f.write("%d\n" % port)
    print(port)
    sys.exit(0)
sys.exit("free_port: no free port found")
EOF
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  in_test_netns "$PY" - "$1" "$2" <<'EOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
EOF
}

# silent_listener PORT: starts, in $TEST_NETNS, a listener on 127.0.0.1:PORT
# that accepts connections and never answers (a stopped broker as clients
# see it); sets SILENT_PID (stop it with stop_pid) and returns once it
# listens.
silent_listener() {
  local -a pre
  _netns_cmd pre "${TEST_NETNS:-}"
  "${pre[@]}" "$PY" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])' "$1" &
  SILENT_PID=$!
  wait_for 10 port_open 127.0.0.1 "$1"
}

# pid_alive PID: true while PID exists and is not a zombie.  (kill -0 is not
# enough: a process started by setup_file and killed from a test stays a
# zombie until setup_file's shell reaps it.)
pid_alive() {
  local pid=$1 stat
  [[ -n $pid ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

# wait_pid_exit PID TIMEOUT_S
wait_pid_exit() {
  local pid=$1 timeout=$2
  local deadline=$((SECONDS + timeout))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.1
  done
  # Reap it if it is our child (ignored otherwise).
  wait "$pid" 2>/dev/null || true
  return 0
}

# stop_pid PID NAME TIMEOUT_S: SIGTERM, wait, then SIGKILL if still there.
stop_pid() {
  local pid=$1 name=$2 timeout=${3:-30}
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_exit "$pid" "$timeout"; then
    echo "$name (pid $pid) did not stop within ${timeout}s of SIGTERM; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || true
    return 1
  fi
}

# unique_topic PREFIX: a topic name no other test (or earlier run) uses.
unique_topic() {
  printf '%s-%s-%s%s\n' "$1" "${BATS_TEST_NUMBER:-0}" "$$" "$RANDOM"
}

# line_count FILE: lines in FILE (0 if absent).
line_count() {
  if [[ -f $1 ]]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

# lines_at_least FILE N
lines_at_least() {
  (($(line_count "$1") >= $2))
}

# -------------------------------------------------------------- ZooKeeper --

_zk_dir() { echo "$BATS_FILE_TMPDIR/zk"; }

# zk_start: start a standalone Apache ZooKeeper (Debian's jars) on a free
# loopback port in $BATS_FILE_TMPDIR/zk.  Exports ZK_PORT, ZK_CONNECT, ZK_PID,
# ZK_DIR.  Waits (bounded) until it answers the `srvr` four-letter word.
zk_start() {
  if [[ ${ZK_IMPL:-apache} == coordinator ]]; then
    # shellcheck disable=SC2119 # the coordinator's defaults, no overrides
    coord_start
    return
  fi
  local dir
  dir=$(_zk_dir)
  if [[ ! -f /usr/share/java/zookeeper.jar ]]; then
    echo "zk_start: /usr/share/java/zookeeper.jar missing: run tests/install-deps.sh" >&2
    return 1
  fi
  mkdir -p "$dir/data"
  ZK_PORT=$(free_port)
  cat >"$dir/zoo.cfg" <<EOF
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$dir/data
clientPort=$ZK_PORT
clientPortAddress=${ZK_HOST:-127.0.0.1}
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
autopurge.purgeInterval=0
EOF
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, F
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File=$dir/zookeeper.log
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=[%d{ISO8601}] %-5p %m (%c{1})%n
EOF
  local -a netns
  _netns_cmd netns "${TEST_NETNS:-}"
  # 3>&- : bats waits for fd 3 to close before finishing a file.
  "${netns[@]}" java -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.awt.headless=true \
    -Dzookeeper.4lw.commands.whitelist='*' \
    -Dlog4j.configuration="file:$dir/log4j.properties" \
    -cp "$ZK_CLASSPATH" "$ZK_MAIN" "$dir/zoo.cfg" \
    >"$dir/zookeeper.out" 2>&1 </dev/null 3>&- &
  ZK_PID=$!
  echo "$ZK_PID" >"$dir/pid"
  echo "$ZK_PORT" >"$dir/port"
  ZK_CONNECT="${ZK_HOST:-127.0.0.1}:$ZK_PORT"
  ZK_DIR=$dir
  export ZK_PORT ZK_CONNECT ZK_PID ZK_DIR
  if ! wait_for 60 zk_ok; then
    echo "zk_start: ZooKeeper did not answer srvr on $ZK_CONNECT within 60 s" >&2
    tail -n 40 "$dir/zookeeper.out" "$dir/zookeeper.log" >&2 2>/dev/null || true
    zk_stop || true
    return 1
  fi
}

# zk_4lw WORD: send a ZooKeeper four-letter word, print the answer.
zk_4lw() {
  in_test_netns "$PY" - "${ZK_HOST:-127.0.0.1}" "${ZK_PORT:?zk_start first}" "$1" <<'EOF'
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
    s.sendall(sys.argv[3].encode())
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
    sys.stdout.write(out.decode(errors="replace"))
except OSError as e:
    sys.exit("zk_4lw: %s" % e)
EOF
}

# zk_ok: ZooKeeper is up and serving (standalone mode).
zk_ok() {
  pid_alive "$(zk_pid)" || return 1
  zk_4lw srvr 2>/dev/null | grep -q '^Mode: standalone'
}

zk_pid() { cat "$(_zk_dir)/pid" 2>/dev/null || true; }

# zk_stop: SIGTERM ZooKeeper (by PID), wait, SIGKILL if needed.
zk_stop() {
  local pid
  pid=$(zk_pid)
  [[ -n $pid ]] || return 0
  stop_pid "$pid" zookeeper 20 || true
  rm -f "$(_zk_dir)/pid"
}

# zk_cmd ARGS...: tests/clients/zk_inspect.py against this ZooKeeper.
zk_cmd() {
  in_test_netns timeout -k 5 60 "$PY" "$CLIENTS_DIR/zk_inspect.py" --zk "${ZK_CONNECT:?zk_start first}" "$@"
}

# ------------------------------------------------------- our coordinator --
# The coordinator (broker/zookeeper, $ZOOKEEPER_SERVER) uses the same state
# directory and files as zk_start ($BATS_FILE_TMPDIR/zk: pid, port), so
# zk_ok, zk_pid, zk_stop, zk_4lw, zk_cmd and broker_start work unchanged.

# coord_start [key=value...]: start our coordinator on a free loopback port
# (the same port and dataDir on every later start in this file) with
# zoo.cfg defaults overridden by the arguments; wait until it answers srvr.
# Exports ZK_PORT, ZK_CONNECT, ZK_PID, ZK_DIR (and COORD_* aliases).
coord_start() {
  local dir
  dir=$(_zk_dir)
  if [[ ! -x $ZOOKEEPER_SERVER ]]; then
    echo "coord_start: $ZOOKEEPER_SERVER not found (run make)" >&2
    return 1
  fi
  if pid_alive "$(zk_pid)"; then
    echo "coord_start: already running (pid $(zk_pid))" >&2
    return 1
  fi
  mkdir -p "$dir/data" "$dir/logs"
  if [[ -s $dir/port ]]; then ZK_PORT=$(<"$dir/port"); else ZK_PORT=$(free_port); fi
  echo "$ZK_PORT" >"$dir/port"
  if (($# > 0)); then printf '%s\n' "$@" >"$dir/overrides"; elif [[ ! -f $dir/overrides ]]; then : >"$dir/overrides"; fi
  local -a keys=() overrides=()
  local -A val=()
  local kv k
  mapfile -t overrides <"$dir/overrides"
  for kv in "tickTime=2000" "initLimit=10" "syncLimit=5" "dataDir=$dir/data" \
    "clientPort=$ZK_PORT" "clientPortAddress=${ZK_HOST:-127.0.0.1}" "maxClientCnxns=0" \
    "admin.enableServer=false" "4lw.commands.whitelist=*" "${overrides[@]}"; do
    k=${kv%%=*}
    [[ -v "val[$k]" ]] || keys+=("$k")
    val[$k]=${kv#*=}
  done
  for k in "${keys[@]}"; do printf '%s=%s\n' "$k" "${val[$k]}"; done >"$dir/zoo.cfg"
  echo "=== coord_start $(date -u '+%F %T') $*" >>"$dir/zookeeper.out"
  local -a netns
  _netns_cmd netns "${TEST_NETNS:-}"
  LOG_DIR="$dir/logs" "${netns[@]}" "$ZOOKEEPER_SERVER" "$dir/zoo.cfg" \
    >>"$dir/zookeeper.out" 2>&1 </dev/null 3>&- &
  ZK_PID=$!
  echo "$ZK_PID" >"$dir/pid"
  ZK_CONNECT="${ZK_HOST:-127.0.0.1}:$ZK_PORT"
  ZK_DIR=$dir
  COORD_PORT=$ZK_PORT COORD_CONNECT=$ZK_CONNECT COORD_PID=$ZK_PID COORD_DIR=$dir
  export ZK_PORT ZK_CONNECT ZK_PID ZK_DIR COORD_PORT COORD_CONNECT COORD_PID COORD_DIR
  if ! wait_for 20 zk_ok; then
    echo "coord_start: the coordinator did not answer srvr on $ZK_CONNECT within 20 s" >&2
    tail -n 40 "$dir/zookeeper.out" >&2
    zk_stop || true
    return 1
  fi
}

# coord_restart [key=value...]: SIGTERM, wait, start again on the same port
# and dataDir, with the previous overrides unless new ones are given.
coord_restart() {
  zk_stop
  coord_start "$@"
}

# coord_kill9: SIGKILL the coordinator and wait until it is gone.
coord_kill9() {
  local pid
  pid=$(zk_pid)
  [[ -n $pid ]] || { echo "coord_kill9: no pid" >&2; return 1; }
  kill -KILL "$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 10
  rm -f "$(_zk_dir)/pid"
}

# coord_log_tail [N]: the coordinator's last output lines.
coord_log_tail() {
  tail -n "${1:-40}" "$(_zk_dir)/zookeeper.out" 2>/dev/null || true
}

# zkcli ARGS...: Apache ZooKeeper's zkCli.sh (Debian) against ZK_CONNECT,
# one command; the client's own log4j/SLF4J noise is dropped.
zkcli() {
  timeout -k 5 60 /usr/share/zookeeper/bin/zkCli.sh -server "${ZK_CONNECT:?zk_start first}" "$@" 2>&1 |
    grep -v -e '^SLF4J:' -e '^WATCHER::' -e '^WatchedEvent state:SyncConnected type:None' \
      -e '^Connecting to ' -e '^$' -e '^log4j:'
  return "${PIPESTATUS[0]}"
}

# ------------------------------------------------- our coordinator: ensemble --
# ensemble_start N [key=value...]: N coordinators on loopback, each with its
# own free client/quorum/election ports and dataDir (with myid), in
# $BATS_FILE_TMPDIR/ens/sI; waits until each answers srvr with
# Mode: leader|follower|observer. Exports ENS_N and ENS_CONNECT (all client
# ports, comma-separated). Short timings unless overridden: tickTime=200,
# initLimit=10, syncLimit=5 (a lost peer is noticed within 1 s).
# ENS_OBSERVERS="4 5": those servers are observers (server.N=...:observer,
# and peerType=observer in their own config).
_ens_dir() { echo "$BATS_FILE_TMPDIR/ens/s$1"; }
ens_port() { cat "$(_ens_dir "$1")/port"; }
ens_pid() { cat "$(_ens_dir "$1")/pid" 2>/dev/null || true; }
ens_4lw() { ZK_PORT=$(ens_port "$1") zk_4lw "$2"; }
ens_mode() { ens_4lw "$1" srvr | sed -n 's/^Mode: //p'; }
ens_serving() { [[ $(ens_mode "$1") =~ ^(leader|follower|observer)$ ]]; }
ens_is_observer() { [[ " ${ENS_OBSERVERS:-} " == *" $1 "* ]]; }
ens_log_tail() {
  local i
  for ((i = 1; i <= ${ENS_N:-0}; i++)); do
    echo "--- server $i"
    tail -n "${1:-30}" "$(_ens_dir "$i")/zookeeper.out" 2>/dev/null || true
  done
}

# same_tree_everywhere N VERIFY: runs "VERIFY i" (zk_ensemble.py verify of
# server i) for i in 1..N; each must pass and all must report the same tree
# digest. Notes the last server's summary line.
same_tree_everywhere() {
  local n=$1 verify=$2 i digest first=
  for ((i = 1; i <= n; i++)); do
    run "$verify" "$i"
    echo "server $i: $output"
    [[ $status -eq 0 ]] || return 1
    digest=$(sed -n 's/^digest \([0-9a-f]*\) .*/\1/p' <<<"$output")
    [[ -n $digest ]] || return 1
    first=${first:-$digest}
    [[ $digest == "$first" ]] || return 1
  done
  note "every server: $(tail -n1 <<<"$output")"
}

ensemble_start() {
  local n=$1 i j
  shift
  ENS_N=$n
  local -a cport qport eport
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$(_ens_dir "$i")/data" "$(_ens_dir "$i")/logs"
    cport[i]=$(free_port) qport[i]=$(free_port) eport[i]=$(free_port)
    echo "${cport[i]}" >"$(_ens_dir "$i")/port"
    echo "$i" >"$(_ens_dir "$i")/data/myid"
  done
  ENS_CONNECT=
  for ((i = 1; i <= n; i++)); do
    ENS_CONNECT+="${ENS_CONNECT:+,}127.0.0.1:${cport[i]}"
    {
      printf '%s\n' "tickTime=200" "initLimit=10" "syncLimit=5" "dataDir=$(_ens_dir "$i")/data" \
        "clientPort=${cport[i]}" "clientPortAddress=127.0.0.1" "maxClientCnxns=0" \
        "4lw.commands.whitelist=*" "$@"
      if ens_is_observer "$i"; then echo "peerType=observer"; fi
      for ((j = 1; j <= n; j++)); do
        echo "server.$j=127.0.0.1:${qport[j]}:${eport[j]}$(ens_is_observer "$j" && echo :observer);${cport[j]}"
      done
    } >"$(_ens_dir "$i")/zoo.cfg"
  done
  export ENS_N ENS_CONNECT ENS_OBSERVERS
  for ((i = 1; i <= n; i++)); do ensemble_launch "$i"; done
  for ((i = 1; i <= n; i++)); do
    if ! wait_for 30 ens_serving "$i"; then
      echo "ensemble_start: server $i is not serving after 30 s" >&2
      ens_log_tail 40 >&2
      return 1
    fi
  done
}

# ensemble_launch I: start server I (its config and dataDir as they are).
# Refuses if server I still runs: its PID file must never be overwritten
# while it runs (ensemble_stop finds the servers by their PID files).
ensemble_launch() {
  local dir
  dir=$(_ens_dir "$1")
  if pid_alive "$(ens_pid "$1")"; then
    echo "ensemble_launch: server $1 already running (pid $(ens_pid "$1"))" >&2
    return 1
  fi
  echo "=== start $(date -u '+%F %T')" >>"$dir/zookeeper.out"
  LOG_DIR="$dir/logs" "$ZOOKEEPER_SERVER" "$dir/zoo.cfg" >>"$dir/zookeeper.out" 2>&1 </dev/null 3>&- &
  echo $! >"$dir/pid"
}

# ensemble_kill9 I: SIGKILL server I and wait until it is gone.
ensemble_kill9() {
  local pid
  pid=$(ens_pid "$1")
  [[ -n $pid ]] || { echo "ensemble_kill9: no pid for $1" >&2; return 1; }
  kill -KILL "$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 10
  rm -f "$(_ens_dir "$1")/pid"
}

# ensemble_restart I: start server I again and wait until it serves.
ensemble_restart() {
  ensemble_launch "$1"
  wait_for 30 ens_serving "$1"
}

# ensemble_leader: the index of the server reporting Mode: leader.
ensemble_leader() {
  local i
  for ((i = 1; i <= ${ENS_N:-0}; i++)); do
    if [[ $(ens_mode "$i" 2>/dev/null) == leader ]]; then echo "$i"; return 0; fi
  done
  return 1
}

# ensemble_stop: SIGTERM (SIGCONT first) every server of the ensemble that
# has a PID file in $BATS_FILE_TMPDIR/ens/sI. Not bounded by ENS_N: that
# is a shell variable, unset in teardown_file when a test (not setup_file)
# started the ensemble, and too small once a test added a server.
ensemble_stop() {
  local pidfile pid dir
  for pidfile in "$BATS_FILE_TMPDIR"/ens/s*/pid; do
    [[ -f $pidfile ]] || continue
    dir=${pidfile%/pid}
    pid=$(<"$pidfile")
    if [[ -n $pid ]]; then
      kill -CONT "$pid" 2>/dev/null || true
      stop_pid "$pid" "coordinator ${dir##*/s}" 10 || true
    fi
    rm -f "$pidfile"
  done
}

# ----------------------------------------------------------------- broker --
# One broker's state lives in a directory (DIR: port, pid, overrides,
# server.properties, data/, logs/, stdout.log).  The _broker_*_in functions
# work on any such directory; broker_* below use $BATS_FILE_TMPDIR/broker, and
# tests/integration/cluster_helper.bash runs several brokers, one directory
# each.

_broker_dir() { echo "$BATS_FILE_TMPDIR/broker"; }

broker_pid() { cat "$(_broker_dir)/pid" 2>/dev/null || true; }
broker_alive() { pid_alive "$(broker_pid)"; }

# _broker_host DIR: the address the broker of DIR listens on and advertises:
# DIR/host if there is one (a broker in its own network namespace), else
# 127.0.0.1.  _broker_netns DIR: DIR/netns, the network namespace it runs
# in (empty: this one).
_broker_host() { cat "$1/host" 2>/dev/null || echo 127.0.0.1; }
_broker_netns() { cat "$1/netns" 2>/dev/null || true; }

# _broker_write_properties DIR PORT [key=value...]: DIR/server.properties
# with the defaults below (data in DIR/data), each overridden (never
# duplicated) by the arguments.
_broker_write_properties() {
  local dir=$1 port=$2 host
  shift 2
  host=$(_broker_host "$dir")
  local -a keys=()
  local -A val=()
  local kv k
  for kv in \
    "broker.id=1" \
    "listeners=PLAINTEXT://$host:$port" \
    "advertised.listeners=PLAINTEXT://$host:$port" \
    "log.dirs=$dir/data" \
    "zookeeper.connect=${ZK_CONNECT:?zk_start first}${ZK_CHROOT:-}" \
    "zookeeper.connection.timeout.ms=18000" \
    "zookeeper.session.timeout.ms=18000" \
    "num.partitions=1" \
    "default.replication.factor=1" \
    "offsets.topic.replication.factor=1" \
    "offsets.topic.num.partitions=3" \
    "transaction.state.log.replication.factor=1" \
    "transaction.state.log.min.isr=1" \
    "group.initial.rebalance.delay.ms=0" \
    "auto.create.topics.enable=true" \
    "delete.topic.enable=true" \
    "log.retention.check.interval.ms=300000" \
    "num.network.threads=2" \
    "num.io.threads=2" \
    "$@"; do
    k=${kv%%=*}
    if [[ $k == "$kv" || -z $k ]]; then
      echo "broker_start: override '$kv' is not key=value" >&2
      return 1
    fi
    [[ -v "val[$k]" ]] || keys+=("$k")
    val[$k]=${kv#*=}
  done
  {
    echo "# written by tests/integration/test_helper.bash"
    for k in "${keys[@]}"; do printf '%s=%s\n' "$k" "${val[$k]}"; done
  } >"$dir/server.properties"
}

# broker_registered [ID]: /brokers/ids/ID (default 1) exists in ZooKeeper
# (under ZK_CHROOT).
broker_registered() {
  zk_cmd --chroot "${ZK_CHROOT:-}" exists "/brokers/ids/${1:-1}"
}
broker_unregistered() {
  ! broker_registered "$@"
}

# _broker_start_in DIR [key=value...]: start $KAFKA_SERVER with state in DIR
# on a free 127.0.0.1 port (the same port and dirs on every later start),
# wait for the "started (kafka.server.KafkaServer)" line and the open port.
# The overrides are remembered in DIR/overrides.  With DIR/netns and
# DIR/host, the broker runs in that network namespace on that address.
_broker_start_in() {
  local dir=$1
  shift
  if [[ ! -x $KAFKA_SERVER ]]; then
    echo "broker_start: broker binary not found: $KAFKA_SERVER (run make)" >&2
    return 1
  fi
  local pid
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  if pid_alive "$pid"; then
    echo "broker_start: broker already running in $dir (pid $pid)" >&2
    return 1
  fi
  mkdir -p "$dir/data" "$dir/logs"
  local port
  if [[ -s $dir/port ]]; then
    port=$(<"$dir/port")
  else
    port=$(free_port)
    echo "$port" >"$dir/port"
  fi
  if (($# > 0)); then printf '%s\n' "$@" >"$dir/overrides"; else : >"$dir/overrides"; fi
  _broker_write_properties "$dir" "$port" "$@" || return 1

  local out="$dir/stdout.log" offset=0
  [[ -f $out ]] && offset=$(stat -c %s "$out")
  echo "=== broker_start $(date -u '+%F %T') $*" >>"$out"
  offset=$((offset + 1))
  local -a netns
  _netns_cmd netns "$(_broker_netns "$dir")"
  LOG_DIR="$dir/logs" "${netns[@]}" "$KAFKA_SERVER" "$dir/server.properties" \
    >>"$out" 2>&1 </dev/null 3>&- &
  pid=$!
  echo "$pid" >"$dir/pid"

  local deadline=$((SECONDS + BROKER_START_TIMEOUT))
  until tail -c "+$offset" "$out" | grep -qF "$STARTED_RE"; do
    if ! pid_alive "$pid"; then
      local st=0
      wait "$pid" 2>/dev/null || st=$?
      echo "broker_start: kafka-server ($dir) exited (status $st) before logging '$STARTED_RE'" >&2
      tail -c "+$offset" "$out" | tail -n 40 >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "broker_start: no '$STARTED_RE' line within ${BROKER_START_TIMEOUT}s ($dir)" >&2
      tail -c "+$offset" "$out" | tail -n 40 >&2
      return 1
    fi
    sleep 0.1
  done
  local host
  host=$(_broker_host "$dir")
  if ! wait_for 10 port_open "$host" "$port"; then
    echo "broker_start: logged '$STARTED_RE' but $host:$port accepts no connection" >&2
    return 1
  fi
}

# _broker_stop_in DIR [TIMEOUT_S]: graceful stop (SIGTERM by PID, SIGCONT
# in case it was paused), wait for exit.  Fails if it needed SIGKILL.
_broker_stop_in() {
  local dir=$1 pid
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  [[ -n $pid ]] || return 0
  local rc=0
  kill -CONT "$pid" 2>/dev/null || true
  stop_pid "$pid" "kafka-server ($dir)" "${2:-30}" || rc=1
  rm -f "$dir/pid"
  return $rc
}

# _broker_kill9_in DIR: SIGKILL the broker, wait until it is gone.
_broker_kill9_in() {
  local dir=$1 pid
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  [[ -n $pid ]] || { echo "broker_kill9: no broker pid in $dir" >&2; return 1; }
  kill -KILL "$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 10
  rm -f "$dir/pid"
}

# _broker_log_tail_in DIR [N]: last N lines of the broker's stdout and
# server.log.
_broker_log_tail_in() {
  local dir=$1 n=${2:-40}
  [[ -f $dir/stdout.log ]] && { echo "--- $dir/stdout.log (last $n lines)"; tail -n "$n" "$dir/stdout.log"; }
  [[ -f $dir/logs/server.log ]] && { echo "--- $dir/logs/server.log (last $n lines)"; tail -n "$n" "$dir/logs/server.log"; }
  return 0
}

# broker_start [key=value...]: start the broker of $BATS_FILE_TMPDIR/broker
# (_broker_start_in).  Exports BROKER, BROKER_PORT, BROKER_PID, BROKER_DIR.
# The overrides are remembered for broker_restart.
broker_start() {
  local dir
  dir=$(_broker_dir)
  _broker_start_in "$dir" "$@" || return 1
  BROKER_PORT=$(<"$dir/port")
  BROKER="127.0.0.1:$BROKER_PORT"
  BROKER_PID=$(<"$dir/pid")
  BROKER_DIR=$dir
  export BROKER BROKER_PORT BROKER_PID BROKER_DIR
}

# broker_stop [TIMEOUT_S]: graceful stop (SIGTERM by PID), wait for exit.
# Fails if the broker needed SIGKILL.
broker_stop() { _broker_stop_in "$(_broker_dir)" "$@"; }

# broker_kill9: SIGKILL the broker, wait until it is gone.
broker_kill9() { _broker_kill9_in "$(_broker_dir)"; }

# broker_restart [TIMEOUT_S]: stop if running, start again on the same port
# and directories with the same overrides.
broker_restart() {
  local dir
  dir=$(_broker_dir)
  broker_stop "${1:-30}" || return 1
  local -a overrides=()
  if [[ -s $dir/overrides ]]; then mapfile -t overrides <"$dir/overrides"; fi
  broker_start "${overrides[@]}"
}

# broker_rss_kb: resident memory of the broker in KiB.
broker_rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$(broker_pid)/status"
}

# broker_log_tail [N]: last N lines of the broker's stdout and server.log.
broker_log_tail() { _broker_log_tail_in "$(_broker_dir)" "$@"; }

# assert_broker_alive: the broker process is still running.
assert_broker_alive() {
  if ! broker_alive; then
    echo "kafka-server (pid $(broker_pid)) is not running any more" >&2
    broker_log_tail 60 >&2
    return 1
  fi
}

# assert_no_sanitizer_report: the broker's stdout (where a broker built with
# SANITIZE=address,undefined writes its reports) has no sanitizer report.
assert_no_sanitizer_report() {
  local out
  out="$(_broker_dir)/stdout.log"
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: ' "$out" 2>/dev/null; then
    echo "sanitizer report in $out:" >&2
    grep -A 30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: ' "$out" | head -n 60 >&2
    return 1
  fi
}

# ---------------------------------------------------------------- clients --

# Each wrapper bounds the client with `timeout`: first argument is seconds.
kpy() {
  local t=$1
  shift
  in_test_netns timeout -k 10 "$t" "$PY" "$CLIENTS_DIR/kafka_python_client.py" "$@"
}
kconfluent() {
  local t=$1
  shift
  in_test_netns timeout -k 10 "$t" "$PY" "$CLIENTS_DIR/confluent_client.py" "$@"
}
kjs() {
  local t=$1
  shift
  in_test_netns timeout -k 10 "$t" node "$CLIENTS_DIR/kafkajs_client.js" "$@"
}
kraw() {
  local t=$1
  shift
  in_test_netns timeout -k 10 "$t" "$PY" "$CLIENTS_DIR/raw_requests.py" "$@"
}
kreq() {
  local t=$1
  shift
  in_test_netns timeout -k 10 "$t" "$PY" "$CLIENTS_DIR/kafka_requests.py" "$@"
}
# kchecker T produce|verify ...: the acknowledged-vs-read checker.
kchecker() {
  local t=$1
  shift
  in_test_netns timeout -k 10 "$t" "$PY" "$CLIENTS_DIR/acked_checker.py" "$@"
}

# kcat_roundtrip_ok TOPIC: kcat produces one message and reads it back.
kcat_smoke() {
  local topic=$1 v
  v="smoke-$RANDOM-$$"
  echo "$v" | timeout -k 5 30 kcat -P -b "$BROKER" -t "$topic" -X message.timeout.ms=20000
  timeout -k 5 30 kcat -C -b "$BROKER" -t "$topic" -o beginning -e -q -f '%s\n' | grep -qxF "$v" || {
    echo "kcat_smoke: message '$v' not read back from $topic" >&2
    return 1
  }
}

# ------------------------------------------------------------ life cycle --

# stop_all: for teardown_file -- stop everything this file started with
# broker_start, zk_start/coord_start and ensemble_start (by their PID files).
stop_all() {
  broker_stop 30 || true
  zk_stop || true
  ensemble_stop
}

# show_logs_on_failure: for teardown -- print the broker's last log lines when
# the test failed (bats shows a test's output only when it fails).
show_logs_on_failure() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    broker_log_tail 40
  fi
  return 0
}

# ------------------------------------------------------- client scenarios --
# The scenarios every tests/integration/clients_*.bats runs with its own
# client program.  CLIENT is one of the wrappers above (kpy, kconfluent,
# kjs); the program does the checking and its exit status is the verdict.

# clients_setup_file [key=value...]: for setup_file -- one ZooKeeper and one
# broker (with these overrides) for the whole file.
clients_setup_file() {
  zk_start
  broker_start "$@"
}

# client_roundtrip CLIENT TOPIC_PREFIX: 100000 keyed messages over 3
# partitions, read back from earliest: intact, in order, no duplicates.
client_roundtrip() {
  "$1" 600 roundtrip --timeout 580 --bootstrap "$BROKER" \
    --topic "$(unique_topic "$2")" --count 100000 --partitions 3
}

# client_compression CLIENT CODEC: batches compressed with CODEC stored and
# served back.
client_compression() {
  "$1" 300 compression --timeout 280 --bootstrap "$BROKER" --codec "$2"
}

# client_idempotent CLIENT PARTITIONS...: the idempotent producer writes
# exactly 20000 messages, in order, to a topic of each partition count.
client_idempotent() {
  local client=$1 p
  shift
  for p in "$@"; do
    "$client" 300 idempotent --timeout 280 --bootstrap "$BROKER" --count 20000 --partitions "$p"
  done
}

# client_admin CLIENT: create/list/describe/create-partitions/delete through
# the admin API; invalid names rejected.
client_admin() {
  "$1" 300 admin --timeout 280 --bootstrap "$BROKER"
}

# client_acked PRODUCER TOPIC_PREFIX [VERIFIER...]: PRODUCER writes 20000
# messages with acks=1 and records the acknowledged offsets; PRODUCER, then
# each VERIFIER, reads them back at those offsets; the last reader then
# appends more and checks that offsets continue.
client_acked() {
  local producer=$1 topic acked="$BATS_TEST_TMPDIR/acked.txt"
  topic=$(unique_topic "$2")
  shift 2
  local -a readers=("$producer" "$@")
  "$producer" 120 produce-acked --bootstrap "$BROKER" --topic "$topic" --count 20000 --out "$acked"
  local i last=$((${#readers[@]} - 1)) extra
  for i in "${!readers[@]}"; do
    extra=()
    if ((i == last)); then extra=(--produce-after); fi
    "${readers[i]}" 120 verify-acked --bootstrap "$BROKER" --topic "$topic" --in "$acked" \
      "${extra[@]}"
  done
}

# ------------------------------------------------------------------ tools --
# (used by tests/integration/tools_*.bats)

# ktool SCRIPT ARGS...: run bin/SCRIPT (e.g. kafka-topics.sh) from the source
# tree, bounded by a 60 s timeout; the wrappers find $BUILD/bin/<program>.
ktool() {
  local script=$1
  shift
  in_test_netns timeout -k 5 60 "$REPO_ROOT/bin/$script" "$@"
}

# kcat_partitions TOPIC: the partition count kcat -L reports (0 if absent).
# Asks for all topics: `kcat -L -t TOPIC` would auto-create TOPIC.
kcat_partitions() {
  timeout -k 5 30 kcat -L -J -b "${BROKER:?broker_start first}" 2>/dev/null |
    "$PY" -c 'import json,sys
md = json.load(sys.stdin)
t = [t for t in md.get("topics", []) if t["topic"] == sys.argv[1] and not t.get("err")]
print(len(t[0]["partitions"]) if t else 0)' "$1"
}

# kcat_topic_listed TOPIC: kcat -L (all topics) lists TOPIC.
kcat_topic_listed() {
  timeout -k 5 30 kcat -L -b "${BROKER:?broker_start first}" 2>/dev/null | grep -qF "topic \"$1\" with"
}

# kcat_partitions_is TOPIC N: kcat sees TOPIC with N partitions (for wait_for).
kcat_partitions_is() {
  [[ $(kcat_partitions "$1") == "$2" ]]
}
