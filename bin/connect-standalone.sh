#!/bin/bash
# connect-standalone.sh -- Apache Kafka's connect-standalone.sh (Kafka Connect standalone worker with the
# FileStreamSource/FileStreamSink connectors), as a native program:
#
#   connect-standalone.sh [-daemon] worker.properties connector1.properties [connector2.properties ...]
#
# Logs go to stdout and $LOG_DIR/connect.log (LOG_DIR default: <install dir>/logs). With -daemon the worker
# runs in the background with its console output in $LOG_DIR/connectStandalone.out. SIGTERM stops it cleanly.
# See bin/tool-env.sh for how the program is found.
# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] connect-standalone.properties"
  exit 1
fi

kafka_log_dir "-Xms256M -Xmx2G"

if [ "$1" = "-daemon" ]; then
  shift
  (
    trap '' HUP
    kafka_tool_exec connect-standalone "$@"
  ) >"$LOG_DIR/connectStandalone.out" 2>&1 </dev/null &
  exit 0
fi
kafka_tool_exec connect-standalone "$@"
