#!/bin/bash
# kafka-broker-api-versions.sh -- Apache Kafka's kafka-broker-api-versions.sh, as a native program (same flags, output
# and exit codes). See bin/tool-env.sh for how the program is found.
# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"
kafka_tool_exec kafka-broker-api-versions "$@"
