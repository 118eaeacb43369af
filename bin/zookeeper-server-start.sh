#!/bin/bash
# Starts the coordinator: zookeeper-server-start.sh [-daemon] zookeeper.properties
#
# Same usage as Apache Kafka's script. The coordinator is a native daemon
# (libexec/zookeeper-server in an install tree, build/bin/zookeeper-server
# in the source tree; $ZOOKEEPER_SERVER overrides both) that speaks the
# ZooKeeper 3.8 client protocol and reads zoo.cfg / zookeeper.properties.
#
# Environment, as with Kafka:
#   LOG_DIR           where zookeeper.log (and zookeeper.out with -daemon) go;
#                     default <install dir>/logs, created if missing
#   KAFKA_HEAP_OPTS   default "-Xmx512M -Xms512M"; there is no JVM: exported
#                     and otherwise ignored, as are KAFKA_OPTS,
#                     KAFKA_LOG4J_OPTS and KAFKA_JVM_PERFORMANCE_OPTS
#
# With -daemon the coordinator checks its configuration, detaches (fork +
# setsid), writes its console output to $LOG_DIR/zookeeper.out, and this
# script returns at once.

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] zookeeper.properties"
  exit 1
fi

base_dir=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "$LOG_DIR" ]; then
  LOG_DIR="$base_dir/logs"
fi
if [ ! -d "$LOG_DIR" ]; then
  mkdir -p "$LOG_DIR" || exit 1
fi

if [ -z "$KAFKA_HEAP_OPTS" ]; then
  KAFKA_HEAP_OPTS="-Xmx512M -Xms512M"
fi
export LOG_DIR KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_LOG4J_OPTS KAFKA_JVM_PERFORMANCE_OPTS

if [ -n "$ZOOKEEPER_SERVER" ]; then
  server=$ZOOKEEPER_SERVER
elif [ -x "$base_dir/libexec/zookeeper-server" ]; then
  server=$base_dir/libexec/zookeeper-server
else
  server=$base_dir/build/bin/zookeeper-server
fi
if [ ! -x "$server" ]; then
  echo "$0: cannot find the coordinator daemon (looked for $base_dir/libexec/zookeeper-server and $base_dir/build/bin/zookeeper-server)" >&2
  exit 1
fi

args=()
case $1 in
  -daemon)
    args=(--daemon)
    shift
    ;;
esac

exec "$server" "${args[@]}" "$@"
