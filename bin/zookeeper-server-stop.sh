#!/bin/bash
# Stops every coordinator on this machine, as Apache Kafka's script does:
# sends SIGTERM (or $SIGNAL) to each process whose program is
# "zookeeper-server" (comm "zookeeper-serve", the kernel's 15 characters, and
# argv[0] ending in /zookeeper-server: this script's own comm is the same)
# and returns without waiting. The coordinator then syncs its transaction log and exits; its
# sessions stay valid for clients that reconnect after a restart.

SIGNAL=${SIGNAL:-TERM}

PIDS=()
for comm in /proc/[0-9]*/comm; do
  name=
  read -r name < "$comm" 2>/dev/null || continue
  if [ "$name" = "zookeeper-serve" ]; then
    pid=${comm#/proc/}
    pid=${pid%/comm}
    argv0=
    read -r -d '' argv0 < "/proc/$pid/cmdline" 2>/dev/null
    case $argv0 in
      zookeeper-server | */zookeeper-server) PIDS+=("$pid") ;;
    esac
  fi
done

if [ ${#PIDS[@]} -eq 0 ]; then
  echo "No zookeeper server to stop"
  exit 1
else
  kill -s "$SIGNAL" "${PIDS[@]}"
fi
