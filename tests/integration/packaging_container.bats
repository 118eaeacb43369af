#!/usr/bin/env bats
# The .debs (make deb) in a booted Debian 12 container with nothing else of
# the project in it: systemd-nspawn --boot on an overlay of the cached root
# of debian_rootfs.sh (the packages' runtime libraries come from Debian's
# archive there, as on any host), private network (loopback only), the
# packages bind-mounted read-only. Commands run inside with nsenter.
#
# In order, on one container: the previous build (an older commit of main,
# scripts/build-previous-debs.sh) installed (nothing starts,
# users and directories made), `systemctl start` active only once the
# daemons serve, a topic round trip with the installed tools, kill -9 and a
# SIGSTOP past the watchdog each restarted by systemd, `systemctl reload`
# reopening the logs, `systemctl stop` a clean shutdown, the coordinator
# started by hand logging where its unit does, the upgrade to this build
# (edited server.properties kept, nothing restarted), removal (data kept)
# and purge. Needs root.
#
# The daemons run as shipped, so their logs roll at every hour: the tests
# read a log with its rolled files (log_text), since a line written just
# before the hour is in server.log.<hour> by the time it is looked for.

load test_helper
load packaging_helper

CUR=1 # this build's release, as `make deb` makes it

_ct() { echo "$BATS_FILE_TMPDIR/ct"; }

# cx COMMAND...: runs a shell command line in the container, as root.
cx() {
  local leader
  leader=$(cat "$(_ct)/leader")
  nsenter --target "$leader" --mount --uts --ipc --net --pid --cgroup -- \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/bash -c "$*"
}

# log_text FILE: the lines of FILE in the container, those of its rolled
# files (FILE.yyyy-MM-dd-HH, oldest first) before them.
log_text() { cx "cat $1.[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9] $1 2>/dev/null"; }

# log_has FILE PATTERN: a line of FILE or of its rolled files matches PATTERN.
log_has() { log_text "$1" | grep -q -- "$2"; }

# prop UNIT PROPERTY: a property of a unit (systemctl show --value).
prop() { cx "systemctl show --value -p $2 $1"; }

# main_pid UNIT: its MainPID (in the container's PID namespace), 0 if none.
main_pid() { prop "$1" MainPID; }

# active_with_new_pid UNIT OLD_PID: true once UNIT is active with another MainPID.
active_with_new_pid() {
  [[ $(prop "$1" ActiveState) == active ]] && local pid && pid=$(main_pid "$1") &&
    [[ $pid != 0 && $pid != "$2" ]]
}

# consume_all: topic pkg from the beginning, with the installed consumer
consume_all() {
  cx '/opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic pkg --from-beginning --max-messages 100 --timeout-ms 20000 2>/dev/null'
}

# no_coordinator_runs: the stop script finds no coordinator (signal 0 probes)
no_coordinator_runs() { ! cx 'SIGNAL=0 /opt/kafka/bin/zookeeper-server-stop.sh' >/dev/null; }

broker_registered() { cx '/opt/kafka/bin/zookeeper-shell.sh localhost:2181 ls /brokers/ids 2>/dev/null' | grep -qx '\[0\]'; }

setup_file() {
  mkdir -p "$(_ct)/upper" "$(_ct)/cur"
  # the previous build: an older commit of main built from git history
  # (cached under build/previous-debs/)
  local prev
  prev=$("$REPO_ROOT/scripts/build-previous-debs.sh")
  dpkg-deb -f "$prev"/kafka_*.deb Version >"$(_ct)/prev-version"
  build_packages "$(_ct)/cur" "$CUR" deb
  local root
  root=$(debian_rootfs)
  echo "pkgtest-$$" >"$(_ct)/machine"
  systemd-nspawn --quiet -D "$root" --overlay="$root:$(_ct)/upper:/" --private-network \
    --register=no --keep-unit -M "pkgtest-$$" \
    --bind-ro="$prev:/prev" --bind-ro="$(_ct)/cur:/cur" --boot \
    </dev/null >"$(_ct)/console.log" 2>&1 &
  echo $! >"$(_ct)/nspawn.pid"
  local nspawn=$! leader=
  # the container's init: nspawn's child once it runs systemd (before that
  # nspawn has a short-lived helper child)
  for _ in $(seq 200); do
    leader=$(ps -o pid=,comm= --ppid "$nspawn" | awk '$2 == "systemd" {print $1; exit}')
    [[ -n $leader ]] && break
    sleep 0.1
  done
  [[ -n $leader ]] || { cat "$(_ct)/console.log" >&2; return 1; }
  echo "$leader" >"$(_ct)/leader"
  wait_for 60 cx 'systemctl is-system-running --wait >/dev/null 2>&1; s=$(systemctl is-system-running); [[ $s == running || $s == degraded ]]'
}

teardown_file() {
  local pid
  pid=$(cat "$(_ct)/nspawn.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0 # the container powers off
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    { cx 'systemctl status --no-pager -n 20 zookeeper-server kafka-server'; log_text /var/log/kafka/server.log | tail -n 30; } >&3 2>&1 || true
  fi
}

@test "container: the previous build installs offline; nothing starts; users, directories and configs are in place" {
  cx "apt-get install -y -q /prev/kafka-zookeeper_*.deb /prev/kafka_*.deb" >"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
    { cat "$BATS_TEST_TMPDIR/apt.log"; return 1; }
  [[ $(cx "dpkg-query -W -f='\${Version}' kafka") == "$(cat "$(_ct)/prev-version")" ]]
  [[ $(cx "dpkg-query -W -f='\${Version}' kafka-zookeeper") == "$(cat "$(_ct)/prev-version")" ]]
  # installed, enabled by the preset policy (Debian's: enable), not started
  for u in zookeeper-server kafka-server; do
    [[ $(prop $u ActiveState) == inactive ]]
    [[ $(prop $u UnitFileState) == enabled ]]
  done
  [[ $(cx 'getent passwd kafka') == kafka:x:*:*:*:/var/lib/kafka:/usr/sbin/nologin ]]
  [[ $(cx 'getent passwd zookeeper') == zookeeper:x:*:*:*:/var/lib/zookeeper:/usr/sbin/nologin ]]
  [[ $(cx 'stat -c "%U:%G %a" /var/lib/kafka /var/log/kafka /var/lib/zookeeper /var/log/zookeeper') == \
    $'kafka:kafka 750\nkafka:kafka 755\nzookeeper:zookeeper 750\nzookeeper:zookeeper 755' ]]
  [[ $(cx 'readlink /opt/kafka/logs') == /var/log/kafka ]]
  cx 'grep -qx "log.dirs=/var/lib/kafka" /opt/kafka/config/server.properties'
  # the operator's edit, which the upgrade must keep (a short session timeout
  # also lets a killed broker re-register sooner)
  cx 'printf "# edited by the operator\nzookeeper.session.timeout.ms=6000\n" >>/etc/kafka/server.properties'
  cx 'systemd-analyze verify kafka-server.service zookeeper-server.service'
}

@test "container: systemctl start is active only once the daemons serve (broker: registered, listening)" {
  # with no coordinator the broker cannot register: it stays "activating"
  cx 'systemctl start --no-block kafka-server'
  sleep 4
  [[ $(prop kafka-server ActiveState) == activating ]]
  [[ $(prop kafka-server StatusText) == "Connecting to ZooKeeper at localhost:2181" ]]
  refute log_has /var/log/kafka/server.log "started (kafka.server.KafkaServer)"
  # the coordinator arrives: the broker registers and only then is active
  cx 'systemctl start zookeeper-server'
  [[ $(prop zookeeper-server ActiveState) == active ]]
  [[ $(prop zookeeper-server StatusText) == "Serving clients on port 2181 (standalone)" ]]
  cx 'timeout 60 systemctl start kafka-server' # waits for the start job
  [[ $(prop kafka-server ActiveState) == active ]]
  [[ $(prop kafka-server StatusText) == "Serving as broker 0 on port 9092" ]]
  broker_registered
  log_has /opt/kafka/logs/server.log "started (kafka.server.KafkaServer)"
  log_has /var/log/kafka/server.log "Awaiting socket connections on 0.0.0.0:9092"
  log_has /var/log/zookeeper/zookeeper.log "Starting server"
  refute cx 'test -e /opt/kafka/logs/zookeeper.log'
  # both, at once, from stopped: when systemctl returns both serve
  cx 'systemctl stop kafka-server zookeeper-server'
  cx 'timeout 120 systemctl start zookeeper-server kafka-server'
  broker_registered
  cx '/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 | grep -q "(id: 0 rack: null)"'
  # the daemons run as their users, with the unit's limits
  [[ $(cx "stat -c %U /proc/$(main_pid kafka-server)") == kafka ]]
  [[ $(cx "stat -c %U /proc/$(main_pid zookeeper-server)") == zookeeper ]]
  # LimitNOFILE=100000, as far as the container's own ceiling allows (a
  # sandbox without CAP_SYS_RESOURCE may hold every process under less)
  [[ $(prop kafka-server LimitNOFILE) == 100000 ]]
  ceiling=$(cx "grep 'Max open files' /proc/1/limits" | awk '{print $5}')
  want=$((ceiling < 100000 ? ceiling : 100000))
  [[ $(cx "grep 'Max open files' /proc/$(main_pid kafka-server)/limits" | awk '{print $4}') == "$want" ]]
}

@test "container: a topic round-trips with the installed tools" {
  run cx '/opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --create --topic pkg --partitions 1 --replication-factor 1'
  echo "$output"
  [[ $status -eq 0 && $output == "Created topic pkg." ]]
  cx 'seq 1 100 | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server localhost:9092 --topic pkg'
  consume_all | diff - <(seq 1 100)
  cx 'test -d /var/lib/kafka/pkg-0'
}

@test "container: kill -9 of either daemon is restarted by systemd, the data intact" {
  zk_pid=$(main_pid zookeeper-server)
  cx "kill -9 $zk_pid"
  wait_for 30 active_with_new_pid zookeeper-server "$zk_pid"
  k_pid=$(main_pid kafka-server)
  restarts=$(prop kafka-server NRestarts)
  cx "kill -9 $k_pid"
  wait_for 60 active_with_new_pid kafka-server "$k_pid"
  [[ $(prop kafka-server NRestarts) -eq $((restarts + 1)) ]]
  # no clean-shutdown marker: the log was recovered before it became active
  log_has /var/log/kafka/server.log "Found no clean shutdown marker in /var/lib/kafka"
  broker_registered
  consume_all | diff - <(seq 1 100)
}

@test "container: a broker stopped past WatchdogSec is killed and restarted by systemd" {
  [[ $(prop kafka-server WatchdogUSec) == 30s ]] # as shipped
  # a shorter watchdog for the test, in a drop-in as an operator would
  cx 'mkdir -p /etc/systemd/system/kafka-server.service.d && printf "[Service]\nWatchdogSec=6s\n" >/etc/systemd/system/kafka-server.service.d/test-watchdog.conf && systemctl daemon-reload && systemctl restart kafka-server'
  [[ $(prop kafka-server WatchdogUSec) == 6s ]]
  log_has /var/log/kafka/server.log "systemd watchdog: 6000 ms, notified every 3000 ms"
  sleep 8 # the loop's notifications keep it alive past one period
  [[ $(prop kafka-server ActiveState) == active ]]
  pid=$(main_pid kafka-server)
  cx "kill -STOP $pid"
  wait_for 60 active_with_new_pid kafka-server "$pid"
  cx 'journalctl -u kafka-server --no-pager | grep -q "kafka-server.service: Watchdog timeout"'
  broker_registered
  cx 'rm -r /etc/systemd/system/kafka-server.service.d && systemctl daemon-reload'
}

@test "container: systemctl reload reopens the logs (for logrotate) in the same process" {
  for u in kafka-server:kafka/server.log zookeeper-server:zookeeper/zookeeper.log; do
    unit=${u%%:*} log=/var/log/${u#*:}
    pid=$(main_pid "$unit")
    cx "mv $log $log.rotated && systemctl reload $unit"
    wait_for 10 cx "test -e $log"
    [[ $(main_pid "$unit") == "$pid" && $(prop "$unit" ActiveState) == active ]]
  done
}

@test "container: systemctl stop is a clean shutdown" {
  start_lines=$(log_text /var/log/kafka/server.log | wc -l)
  cx 'systemctl stop kafka-server'
  [[ $(prop kafka-server ActiveState) == inactive ]]
  [[ $(prop kafka-server Result) == success ]]
  [[ $(prop kafka-server ExecMainStatus) == 0 ]]
  log_text /var/log/kafka/server.log | tail -n +$((start_lines + 1)) >"$BATS_TEST_TMPDIR/stop.log"
  grep -q 'shutting down (kafka.server.KafkaServer)' "$BATS_TEST_TMPDIR/stop.log"
  grep -q 'shut down completed (kafka.server.KafkaServer)' "$BATS_TEST_TMPDIR/stop.log"
  cx 'test -e /var/lib/kafka/.kafka_cleanshutdown'
  # its registration went with it
  refute broker_registered
  start_lines=$(log_text /var/log/zookeeper/zookeeper.log | wc -l)
  cx 'systemctl stop zookeeper-server'
  [[ $(prop zookeeper-server Result) == success ]]
  log_text /var/log/zookeeper/zookeeper.log | tail -n +$((start_lines + 1)) | grep -q "Shutdown complete"
  cx 'timeout 120 systemctl start zookeeper-server kafka-server'
}

@test "container: the coordinator started by hand, as its user, logs to /var/log/zookeeper as under its unit" {
  cx 'systemctl stop kafka-server zookeeper-server'
  start_lines=$(log_text /var/log/zookeeper/zookeeper.log | wc -l)
  cx 'cd / && runuser -u zookeeper -- /opt/kafka/bin/zookeeper-server-start.sh -daemon /etc/kafka/zookeeper.properties'
  wait_for 30 cx '/opt/kafka/bin/zookeeper-shell.sh localhost:2181 ls / >/dev/null 2>&1'
  cx 'test -s /var/log/zookeeper/zookeeper.out'
  log_text /var/log/zookeeper/zookeeper.log | tail -n +$((start_lines + 1)) | grep -q "Starting server"
  refute cx 'test -e /opt/kafka/logs/zookeeper.log || test -e /opt/kafka/logs/zookeeper.out'
  cx '/opt/kafka/bin/zookeeper-server-stop.sh'
  wait_for 30 no_coordinator_runs
  cx 'timeout 120 systemctl start zookeeper-server kafka-server'
  broker_registered
}

@test "container: upgrade to this build keeps the edited server.properties and restarts nothing" {
  zk_pid=$(main_pid zookeeper-server)
  k_pid=$(main_pid kafka-server)
  cx "apt-get install -y -q /cur/$(deb_of kafka-zookeeper $CUR) /cur/$(deb_of kafka $CUR)" >"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
    { cat "$BATS_TEST_TMPDIR/apt.log"; return 1; }
  [[ $(cx "dpkg-query -W -f='\${Version}' kafka") == "$PKG_VERSION-$CUR" ]]
  [[ $(cx "dpkg-query -W -f='\${Version}' kafka-zookeeper") == "$PKG_VERSION-$CUR" ]]
  [[ $(main_pid zookeeper-server) == "$zk_pid" && $(prop zookeeper-server ActiveState) == active ]]
  [[ $(main_pid kafka-server) == "$k_pid" && $(prop kafka-server ActiveState) == active ]]
  # systemd has read the new units (no "changed on disk" warning)
  [[ $(prop kafka-server NeedDaemonReload) == no ]]
  cx 'grep -A1 -x "# edited by the operator" /etc/kafka/server.properties | grep -qx zookeeper.session.timeout.ms=6000'
  refute cx 'ls /etc/kafka/*.dpkg-*'
  consume_all | diff - <(seq 1 100)
}

@test "container: remove stops the services and keeps the data; purge removes configs and logs, keeps the data" {
  cx 'apt-get remove -y -q kafka kafka-zookeeper' >"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
    { cat "$BATS_TEST_TMPDIR/apt.log"; return 1; }
  [[ $(prop kafka-server ActiveState) == inactive ]]
  [[ $(prop zookeeper-server ActiveState) == inactive ]]
  refute cx 'test -e /opt/kafka/libexec/kafka-server'
  cx 'test -s /var/lib/kafka/pkg-0/00000000000000000000.log'
  cx 'test -d /var/lib/zookeeper/version-2'
  cx 'test -f /etc/kafka/server.properties'
  log_has /var/log/kafka/server.log "shut down completed (kafka.server.KafkaServer)"
  cx 'getent passwd kafka && getent passwd zookeeper' >/dev/null
  cx 'apt-get purge -y -q kafka kafka-zookeeper' >"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
    { cat "$BATS_TEST_TMPDIR/apt.log"; return 1; }
  refute cx 'test -e /etc/kafka/server.properties'
  refute cx 'test -e /var/log/kafka'
  refute cx 'test -e /var/log/zookeeper'
  cx 'test -s /var/lib/kafka/pkg-0/00000000000000000000.log'
  cx 'test -d /var/lib/zookeeper/version-2'
}
