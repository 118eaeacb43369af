#!/bin/bash
# Starts the broker: kafka-server-start.sh [-daemon] server.properties [--override property=value]*
#
# Same usage as Apache Kafka's script. The broker is a native daemon
# (libexec/kafka-server in an install tree, build/bin/kafka-server in the
# source tree; $KAFKA_SERVER overrides both).
#
# Environment, as with Kafka:
#   LOG_DIR           where server.log (and kafkaServer.out with -daemon) go;
#                     default <install dir>/logs, created if missing
#   KAFKA_HEAP_OPTS   default "-Xmx1G -Xms1G"; there is no JVM: exported for the
#                     daemon, which may read -Xmx as a soft memory hint, else ignored
#   KAFKA_OPTS, KAFKA_JMX_OPTS, KAFKA_LOG4J_OPTS, KAFKA_JVM_PERFORMANCE_OPTS
#                     accepted and exported; they have no effect on the native daemon
#
# With -daemon the broker detaches itself (fork + setsid), writes its console
# output to $LOG_DIR/kafkaServer.out, and this script returns at once.

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
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
  KAFKA_HEAP_OPTS="-Xmx1G -Xms1G"
fi
export LOG_DIR KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_LOG4J_OPTS KAFKA_JVM_PERFORMANCE_OPTS

if [ -n "$KAFKA_SERVER" ]; then
  server=$KAFKA_SERVER
elif [ -x "$base_dir/libexec/kafka-server" ]; then
  server=$base_dir/libexec/kafka-server
else
  server=$base_dir/build/bin/kafka-server
fi
if [ ! -x "$server" ]; then
  echo "$0: cannot find the broker daemon (looked for $base_dir/libexec/kafka-server and $base_dir/build/bin/kafka-server)" >&2
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
