# shellcheck shell=bash
# tests/integration/cluster_helper.bash -- several brokers against one
# ZooKeeper (or our coordinator, ZK_IMPL=coordinator), for the multi-broker
# and replication tests.
#
# Usage in a .bats file:
#
#   load test_helper
#   load cluster_helper
#   setup_file()    { zk_start; cluster_start 3 min.insync.replicas=2; }
#   teardown_file() { cluster_stop_all; zk_stop; }
#   teardown()      { cluster_show_logs_on_failure; }
#
# Broker I (1..N) has broker.id=I and its state in $BATS_FILE_TMPDIR/cluster/bI
# (the layout of test_helper.bash's _broker_*_in functions: port, pid,
# overrides, server.properties, data/, logs/server.log, stdout.log).  The
# cluster's size and common overrides are kept in $BATS_FILE_TMPDIR/cluster
# so that every test process (bats runs each test in its own) sees them.
#
# Partition state is read from ZooKeeper, where the controller writes it:
# /brokers/topics/T/partitions/P/state and /controller (Kafka's znodes).

_cluster_dir() { echo "$BATS_FILE_TMPDIR/cluster"; }
_cluster_broker_dir() { echo "$BATS_FILE_TMPDIR/cluster/b$1"; }

# cluster_size: N of the last cluster_start (0 before).
cluster_size() { cat "$(_cluster_dir)/size" 2>/dev/null || echo 0; }

cluster_port() { cat "$(_cluster_broker_dir "$1")/port"; }
cluster_host() { _broker_host "$(_cluster_broker_dir "$1")"; }
# cluster_addr I: host:port of broker I.
cluster_addr() { echo "$(cluster_host "$1"):$(cluster_port "$1")"; }
cluster_pid() { cat "$(_cluster_broker_dir "$1")/pid" 2>/dev/null || true; }
cluster_broker_alive() { pid_alive "$(cluster_pid "$1")"; }

# cluster_bootstrap: host:port of every broker, comma-separated.
cluster_bootstrap() {
  local i out=
  for ((i = 1; i <= $(cluster_size); i++)); do
    out+="${out:+,}$(cluster_addr "$i")"
  done
  echo "$out"
}

# cluster_start N [key=value...]: start brokers 1..N (broker.id=I, own
# directories and free ports, the same ZooKeeper), all with the overrides,
# one after the other, each waited for until it logged "started" and is
# registered in /brokers/ids.  Exports CLUSTER_N and CLUSTER_BOOTSTRAP.
cluster_start() {
  local n=$1 i dir
  shift
  mkdir -p "$(_cluster_dir)"
  echo "$n" >"$(_cluster_dir)/size"
  if (($# > 0)); then printf '%s\n' "$@" >"$(_cluster_dir)/overrides"; else : >"$(_cluster_dir)/overrides"; fi
  for ((i = 1; i <= n; i++)); do
    dir=$(_cluster_broker_dir "$i")
    mkdir -p "$dir"
    [[ -s $dir/port ]] || free_port >"$dir/port"
  done
  for ((i = 1; i <= n; i++)); do
    cluster_broker_start "$i" || return 1
  done
  CLUSTER_N=$n
  CLUSTER_BOOTSTRAP=$(cluster_bootstrap)
  export CLUSTER_N CLUSTER_BOOTSTRAP
}

# cluster_add_broker: one broker more, id N+1 after the N started so far
# (its own directory and free port, the cluster's overrides), started and
# waited for as cluster_start's; the cluster's size grows by one.
cluster_add_broker() {
  local i dir
  i=$(($(cluster_size) + 1))
  dir=$(_cluster_broker_dir "$i")
  mkdir -p "$dir"
  [[ -s $dir/port ]] || free_port >"$dir/port"
  echo "$i" >"$(_cluster_dir)/size"
  cluster_broker_start "$i"
}

# cluster_broker_place I NETNS HOST: before cluster_start -- broker I runs
# in network namespace NETNS and listens on (advertises) HOST there
# (netns_helper.bash makes such namespaces; the test then sets TEST_NETNS
# to one from which it reaches every broker and ZooKeeper).
cluster_broker_place() {
  local dir
  dir=$(_cluster_broker_dir "$1")
  mkdir -p "$dir"
  echo "$2" >"$dir/netns"
  echo "$3" >"$dir/host"
}

# cluster_broker_start I [key=value...]: start broker I (again) with the
# cluster's overrides, then broker I's own (cluster_broker_overrides), then
# these; wait until it is registered.
cluster_broker_start() {
  local i=$1
  shift
  local -a common=() own=()
  mapfile -t common <"$(_cluster_dir)/overrides"
  if [[ -f $(_cluster_broker_dir "$i")/own-overrides ]]; then
    mapfile -t own <"$(_cluster_broker_dir "$i")/own-overrides"
  fi
  _broker_start_in "$(_cluster_broker_dir "$i")" "broker.id=$i" "${common[@]}" "${own[@]}" "$@" || return 1
  if ! wait_for 30 broker_registered "$i"; then
    echo "cluster_broker_start: broker $i is not in /brokers/ids after 30 s" >&2
    _broker_log_tail_in "$(_cluster_broker_dir "$i")" 40 >&2
    return 1
  fi
}

# cluster_broker_overrides I key=value...: before cluster_start -- overrides
# of broker I alone, on every start of it (e.g. its own log.dirs).
cluster_broker_overrides() {
  local dir
  dir=$(_cluster_broker_dir "$1")
  shift
  mkdir -p "$dir"
  printf '%s\n' "$@" >"$dir/own-overrides"
}

# cluster_broker_stop I [TIMEOUT_S]: SIGTERM broker I (by PID), wait for its
# exit.  Fails if it needed SIGKILL.
cluster_broker_stop() { _broker_stop_in "$(_cluster_broker_dir "$1")" "${2:-30}"; }

# cluster_broker_kill9 I: SIGKILL broker I, wait until it is gone.
cluster_broker_kill9() { _broker_kill9_in "$(_cluster_broker_dir "$1")"; }

# cluster_broker_pause I / cluster_broker_resume I: SIGSTOP / SIGCONT.
cluster_broker_pause() { _cluster_signal "$1" STOP; }
cluster_broker_resume() { _cluster_signal "$1" CONT; }
_cluster_signal() {
  local pid
  pid=$(cluster_pid "$1")
  pid_alive "$pid" || { echo "cluster: broker $1 is not running" >&2; return 1; }
  kill "-$2" "$pid"
}

# cluster_stop_all: for teardown_file -- stop every broker of the cluster.
cluster_stop_all() {
  local i
  for ((i = 1; i <= $(cluster_size); i++)); do
    cluster_broker_stop "$i" 30 || true
  done
}

# cluster_log_tail [N]: each broker's last N lines of logs/server.log (and
# of its stdout if it is not running: a crash or sanitizer report).
cluster_log_tail() {
  local i dir n=${1:-30}
  for ((i = 1; i <= $(cluster_size); i++)); do
    dir=$(_cluster_broker_dir "$i")
    if cluster_broker_alive "$i"; then
      echo "=== broker $i (pid $(cluster_pid "$i")): $dir/logs/server.log"
    else
      echo "=== broker $i (not running): $dir/logs/server.log"
      tail -n 10 "$dir/stdout.log" 2>/dev/null | grep -v '^\[' || true
    fi
    tail -n "$n" "$dir/logs/server.log" 2>/dev/null || true
  done
}

# cluster_show_logs_on_failure: for teardown.
cluster_show_logs_on_failure() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    cluster_log_tail 30
  fi
  return 0
}

# ----------------------------------------------- state in ZooKeeper --

# _cluster_znode_field PATH FIELD: FIELD of the JSON in znode PATH (under
# ZK_CHROOT); a list is printed comma-separated.  Fails if the node is absent.
_cluster_znode_field() {
  local data
  data=$(zk_cmd --chroot "${ZK_CHROOT:-}" get "$1" 2>/dev/null) || return 1
  jq -r --arg f "$2" '.[$f] | if type == "array" then map(tostring) | join(",") else tostring end' <<<"$data"
}

_cluster_state_field() {
  _cluster_znode_field "/brokers/topics/$1/partitions/$2/state" "$3"
}

# cluster_leader TOPIC PART / cluster_isr TOPIC PART / cluster_epoch TOPIC
# PART: the partition's leader (-1: none), ISR ("1,2,3") and leader epoch.
cluster_leader() { _cluster_state_field "$1" "$2" leader; }
cluster_isr() { _cluster_state_field "$1" "$2" isr; }
cluster_epoch() { _cluster_state_field "$1" "$2" leader_epoch; }

# cluster_controller: the broker id in /controller.
cluster_controller() { _cluster_znode_field /controller brokerid; }

# cluster_leader_is TOPIC PART ID: the partition's leader is ID (-1: none).
cluster_leader_is() { [[ $(cluster_leader "$1" "$2") == "$3" ]]; }

# cluster_controller_moved OLD_ID: /controller names a broker other than
# OLD_ID (for wait_for after stopping the controller).
cluster_controller_moved() {
  local c
  c=$(cluster_controller 2>/dev/null) || return 1
  [[ -n $c && $c != "$1" ]]
}

# cluster_isr_is TOPIC PART "1,2,3": the ISR is that set (in any order).
cluster_isr_is() {
  local got want
  got=$(cluster_isr "$1" "$2") || return 1
  got=$(tr ',' '\n' <<<"$got" | sort -n | paste -sd,)
  want=$(tr ',' '\n' <<<"$3" | sort -n | paste -sd,)
  [[ $got == "$want" ]]
}

# cluster_wait_isr TOPIC PART "1,2,3" [TIMEOUT_S]: wait until the ISR is
# that set; on timeout say what it is.
cluster_wait_isr() {
  if ! wait_for "${4:-30}" cluster_isr_is "$1" "$2" "$3" 2>/dev/null; then
    echo "cluster_wait_isr: ISR of $1-$2 is '$(cluster_isr "$1" "$2")', not $3 after ${4:-30}s" >&2
    return 1
  fi
}

# ------------------------------------------ topics, logs and the checker --

# rf3_topic PREFIX [PARTITIONS [ASSIGNMENT]]: a new RF=3 topic (3
# partitions unless told), every ISR full.
rf3_topic() {
  local t p n=${2:-3}
  t=$(unique_topic "$1")
  if [[ -n ${3:-} ]]; then
    ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
      --replica-assignment "$3" >/dev/null
  else
    ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$t" \
      --partitions "$n" --replication-factor 3 >/dev/null
  fi
  for ((p = 0; p < n; p++)); do cluster_wait_isr "$t" "$p" 1,2,3 30 >&2; done
  echo "$t"
}

# segment FILE of broker I for TOPIC-PART (the first segment).
segment() { echo "$BATS_FILE_TMPDIR/cluster/b$1/data/$2-$3/00000000000000000000.log"; }

# same_log TOPIC PART I J: brokers I and J hold byte-identical logs.
same_log() { cmp -s "$(segment "$3" "$1" "$2")" "$(segment "$4" "$1" "$2")"; }

# produce_all TOPIC PART COUNT PREFIX [kcat -X ...]: COUNT acks=all records.
produce_all() {
  local t=$1 p=$2 n=$3 prefix=$4
  shift 4
  seq -f "$prefix-%g" 1 "$n" | in_test_netns timeout -k 5 60 kcat -P -b "$(cluster_bootstrap)" -t "$t" -p "$p" \
    -X acks=all -X message.timeout.ms=30000 "$@"
}

# others I: the broker ids other than I.
others() { local i; for i in 1 2 3; do [[ $i == "$1" ]] || echo "$i"; done; }

# checker_load TOPIC DIR ID CLIENT COUNT RATE [BOOTSTRAP]: a producer of the
# checker in the background (pid in DIR/ID.pid), bootstrapped from every
# broker or from BOOTSTRAP.
checker_load() {
  local t=$1 d=$2 id=$3 client=$4
  kchecker 120 produce --bootstrap "${7:-$(cluster_bootstrap)}" --topic "$t" --producer-id "$id" \
    --client "$client" --count "$5" --rate "$6" --max-seconds 60 --partitions 3 \
    --message-timeout 60 --acked "$d/$id.acked" --failed "$d/$id.failed" >"$d/$id.out" 2>&1 &
  echo $! >"$d/$id.pid"
}

# checker_verify TOPIC DIR IDS...: wait for the producers, then compare.
# kafka-python has no idempotence: its duplicates are reported, not failed.
checker_verify() {
  local t=$1 d=$2 id rc=0
  shift 2
  local -a args=()
  for id in "$@"; do
    wait "$(<"$d/$id.pid")" || rc=$?
    cat "$d/$id.out"
    [ "$rc" -eq 0 ]
    args+=(--acked "$d/$id.acked" --failed "$d/$id.failed")
    [[ $id == py* ]] && args+=(--duplicates-ok "$id")
  done
  run kchecker 90 verify --bootstrap "$(cluster_bootstrap)" --topic "$t" "${args[@]}"
  echo "$output"
  [ "$status" -eq 0 ]
}

# leader_not TOPIC PART ID: the partition has a leader, and it is not ID.
leader_not() {
  local l
  l=$(cluster_leader "$1" "$2") || return 1
  [[ $l != "$3" && $l -ge 1 ]]
}
