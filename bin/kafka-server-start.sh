#!/bin/bash
# Starts the broker: kafka-server-start.sh [-daemon] server.properties [--override property=value]*
#
# Same usage as Apache Kafka's script. The broker is a native daemon
# (libexec/kafka-server in an install tree, build/bin/kafka-server in the
# source tree; $KAFKA_SERVER overrides both).
#
# Environment, as with Kafka:
#   LOG_DIR           where server.log, controller.log, state-change.log (and
#                     kafkaServer.out with -daemon) go; default PACKAGE_LOG_DIR
#                     below (/var/log/kafka when installed by the packages),
#                     else <install dir>/logs; created if missing. They roll hourly to server.log.yyyy-MM-dd-HH
#                     as with Kafka's log4j config; LOG_ROLL_KEEP (default 168)
#                     rolled files of each are kept. SIGHUP reopens them.
#   KAFKA_HEAP_OPTS   default "-Xmx1G -Xms1G". There is no JVM: -Xmx is the ceiling
#                     of the broker's own memory (request and response buffers);
#                     at the ceiling it stops reading from clients until memory is
#                     freed. -Xms is accepted. A malformed value stops the broker.
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
# the packages' install rule (make install LAYOUT=package) sets this
PACKAGE_LOG_DIR=
kafka_log_dir "-Xmx1G -Xms1G" "$PACKAGE_LOG_DIR"
kafka_daemon_exec kafka-server "$KAFKA_SERVER" "$@"
