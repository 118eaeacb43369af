#!/usr/bin/env bash
# tests/on-coordinator.sh [--lean] -- the broker's integration tests again,
# with our coordinator (broker/zookeeper) in place of Apache ZooKeeper
# (ZK_IMPL=coordinator). `make test-coordinator` runs the full form: every
# broker-side file. CI runs --lean, which leaves out the suites whose
# ZooKeeper traffic is only the broker's registration and topic creation
# (client round trips, the console, verifiable and Connect tools, consumer
# groups, log and memory behaviour, dump-log on files, the checker's and the
# rolling gate script's self-tests with their fakes), all of which the kept
# files exercise too.
#
# Always left out: the coordinator's own files and the Apache ZooKeeper
# harness test (they choose their server), quickstart.bats and
# local_cluster.bats (they start their own), the packaging, service and
# Ansible files (they install packages in containers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

lean=0
[[ ${1:-} == --lean ]] && lean=1

files=()
for f in tests/integration/*.bats; do
  case $(basename "$f") in
    coordinator_* | zookeeper_harness.bats | quickstart.bats | local_cluster.bats | \
      packaging*.bats | service_notify.bats | ansible*.bats | lab*.bats) continue ;;
  esac
  if ((lean)); then
    case $(basename "$f") in
      clients_* | groups_* | tools_perf.bats | tools_log_lines.bats | broker_heap.bats | \
        daemon_logs.bats | log_cleaner.bats | broker_socket_buffers.bats | acked_checker.bats | \
        durability.bats | bad_input.bats | rolling_checks.bats | tools_dump_log.bats | \
        tools_console_*.bats | tools_verifiable.bats | tools_connect.bats) continue ;;
    esac
  fi
  files+=("$f")
done
echo "on our coordinator: ${#files[@]} files$( ((lean)) && echo ' (lean form)')"
ZK_IMPL=coordinator BUILD="${BUILD:-build}" exec bats "${files[@]}"
