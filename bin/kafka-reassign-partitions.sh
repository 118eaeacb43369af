#!/bin/bash
# kafka-reassign-partitions.sh -- Apache Kafka's kafka-reassign-partitions.sh, as a native program (same flags, output
# and exit codes). See bin/tool-env.sh for how the program is found.
# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"
kafka_tool_exec kafka-reassign-partitions "$@"
