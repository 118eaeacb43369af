#!/bin/bash
# kafka-preferred-replica-election.sh -- Apache Kafka's kafka-preferred-replica-election.sh, as a native program (same flags, output
# and exit codes). See bin/tool-env.sh for how the program is found.
# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"
kafka_tool_exec kafka-preferred-replica-election "$@"
