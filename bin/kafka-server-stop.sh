#!/bin/bash
# Stops every broker on this machine, as Apache Kafka's script does: sends
# SIGTERM (or $SIGNAL) to each process named exactly "kafka-server" and returns
# without waiting. The broker then shuts down cleanly (controlled shutdown,
# flushed logs, checkpoints) and exits.

SIGNAL=${SIGNAL:-TERM}

PIDS=()
for comm in /proc/[0-9]*/comm; do
  name=
  read -r name < "$comm" 2>/dev/null || continue
  if [ "$name" = "kafka-server" ]; then
    pid=${comm#/proc/}
    PIDS+=("${pid%/comm}")
  fi
done

if [ ${#PIDS[@]} -eq 0 ]; then
  echo "No kafka server to stop"
  exit 1
else
  kill -s "$SIGNAL" "${PIDS[@]}"
fi
