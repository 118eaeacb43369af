# shellcheck shell=bash
# bin/tool-env.sh -- sourced by the bin/kafka-*.sh tool wrappers.
#
# kafka_tool_exec PROGRAM ARGS...: exec the native tool PROGRAM:
# libexec/PROGRAM in an install tree, else $BUILD/bin/PROGRAM in the source
# tree (BUILD as for make; default build). Like Kafka's scripts, the
# wrappers need no JVM options; KAFKA_HEAP_OPTS, KAFKA_OPTS etc. are ignored.
kafka_tool_exec() {
  local prog=$1
  shift
  local base_dir build tool
  base_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build=${BUILD:-build}
  [[ $build == /* ]] || build=$base_dir/$build
  if [[ -x $base_dir/libexec/$prog ]]; then
    tool=$base_dir/libexec/$prog
  else
    tool=$build/bin/$prog
  fi
  if [[ ! -x $tool ]]; then
    echo "$0: cannot find $prog (looked for $base_dir/libexec/$prog and $build/bin/$prog)" >&2
    exit 1
  fi
  exec "$tool" "$@"
}
