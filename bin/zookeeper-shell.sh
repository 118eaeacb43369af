#!/bin/bash
# zookeeper-shell.sh -- Apache Kafka's zookeeper-shell.sh (ZooKeeper 3.5's zkCli with Kafka's
# wrapper), as a native program: same commands, output and exit codes. See bin/tool-env.sh for
# how the program is found.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 zookeeper_host:port[/path] [-zk-tls-config-file file] [args...]"
  exit 1
fi
# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"
kafka_tool_exec zookeeper-shell -server "$@"
