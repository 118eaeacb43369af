# shellcheck shell=bash
# bin/tool-env.sh -- sourced by the bin/*.sh wrappers: finds the native
# program behind a script and sets up what Kafka's kafka-run-class.sh does
# (LOG_DIR, the JVM variables, -daemon).
#
# kafka_tool_path PROGRAM [OVERRIDE]: prints the program's path: OVERRIDE if
# non-empty, else libexec/PROGRAM in an install tree, else $BUILD/bin/PROGRAM
# in the source tree (BUILD as for make; default build). Exits 1 with a
# message when there is none.
kafka_tool_path() {
  local prog=$1 override=${2:-} base_dir build
  base_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build=${BUILD:-build}
  [[ $build == /* ]] || build=$base_dir/$build
  local tool=$build/bin/$prog
  if [[ -n $override ]]; then
    tool=$override
  elif [[ -x $base_dir/libexec/$prog ]]; then
    tool=$base_dir/libexec/$prog
  fi
  if [[ -n $override && ! -x $tool ]]; then
    echo "$0: $tool (set in the environment) is not an executable program" >&2
    exit 1
  elif [[ ! -x $tool ]]; then
    echo "$0: cannot find $prog (looked for $base_dir/libexec/$prog and $build/bin/$prog)" >&2
    exit 1
  fi
  echo "$tool"
}

# kafka_tool_exec PROGRAM ARGS...: exec the tool. Like Kafka's scripts, the
# tools need no JVM options; KAFKA_HEAP_OPTS, KAFKA_OPTS etc. are ignored.
kafka_tool_exec() {
  local tool
  tool=$(kafka_tool_path "$1") || exit 1
  shift
  exec "$tool" "$@"
}

# kafka_log_dir HEAP [DIR]: LOG_DIR defaults to DIR, or when that is empty
# to <install dir>/logs; created; exported with the JVM variables
# (KAFKA_HEAP_OPTS defaults to HEAP: the daemons read its -Xmx; the others
# are accepted and ignored).
kafka_log_dir() {
  local base_dir
  base_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  LOG_DIR=${LOG_DIR:-${2:-$base_dir/logs}}
  mkdir -p "$LOG_DIR" || exit 1
  KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:-$1}
  export LOG_DIR KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_LOG4J_OPTS KAFKA_JVM_PERFORMANCE_OPTS
}

# kafka_daemon_exec PROGRAM OVERRIDE ARGS...: exec a daemon (the broker, the
# coordinator), turning Kafka's leading -daemon into the program's --daemon
# (it detaches itself and writes its console output under $LOG_DIR).
kafka_daemon_exec() {
  local tool
  tool=$(kafka_tool_path "$1" "$2") || exit 1
  shift 2
  if [[ ${1:-} == -daemon ]]; then
    shift
    exec "$tool" --daemon "$@"
  fi
  exec "$tool" "$@"
}
