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
#                     default PACKAGE_LOG_DIR below (/var/log/zookeeper when
#                     installed by the packages), else <install dir>/logs;
#                     created if missing; it rolls
#                     hourly (zookeeper.log.yyyy-MM-dd-HH, LOG_ROLL_KEEP kept),
#                     and SIGHUP reopens it
#   KAFKA_HEAP_OPTS   default "-Xmx512M -Xms512M". There is no JVM: -Xmx is
#                     logged, and a warning goes to zookeeper.log and mntr
#                     (zk_heap_warning) while the data tree nears it. A
#                     malformed value stops the coordinator. KAFKA_OPTS,
#                     KAFKA_LOG4J_OPTS and KAFKA_JVM_PERFORMANCE_OPTS are ignored
#
# With -daemon the coordinator checks its configuration, detaches (fork +
# setsid), writes its console output to $LOG_DIR/zookeeper.out, and this
# script returns at once.

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] zookeeper.properties"
  exit 1
fi

# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"
# the packages' install rule (make install LAYOUT=package) sets this
PACKAGE_LOG_DIR=
kafka_log_dir "-Xmx512M -Xms512M" "$PACKAGE_LOG_DIR"
kafka_daemon_exec zookeeper-server "$ZOOKEEPER_SERVER" "$@"
