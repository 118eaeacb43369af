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

# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"
kafka_log_dir "-Xmx1G -Xms1G"
kafka_daemon_exec kafka-server "$KAFKA_SERVER" "$@"
