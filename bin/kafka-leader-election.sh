#!/bin/bash
# kafka-leader-election.sh -- Apache Kafka's kafka-leader-election.sh, as a native program (same flags, output
# and exit codes). See bin/tool-env.sh for how the program is found.
# shellcheck source=bin/tool-env.sh
. "$(dirname "$0")/tool-env.sh"
kafka_tool_exec kafka-leader-election "$@"
