# shellcheck shell=bash
# tests/lab/lab_helper.bash -- what the lab's tests share (load it after
# ../integration/test_helper): the lab's commands, its hosts, and the
# cluster's state as the tests compare it.

LAB="$REPO_ROOT/scripts/lab.sh"
LAB_DIR=${LAB_DIR:-/var/lib/kafka-lab}
BOOTSTRAP=peter-kafka01.foo.bar:9092,peter-kafka02.foo.bar:9092,peter-kafka03.foo.bar:9092
BROKERS=(peter-kafka01 peter-kafka02 peter-kafka03)
ZKHOSTS=(peter-zk01 peter-zk02 peter-zk03)
INV=inventory/foo.bar/hosts

on() { "$LAB" ssh "$@"; }
inlab() { "$LAB" exec "$@"; }
# playbook ARGS...: ansible-playbook on peter-ansible01 (its arguments quoted
# for the remote shell).
playbook() { "$LAB" run ansible-playbook -i "$INV" "$(printf '%q ' "$@")"; }

# lab_up_or_use: a lab that is up already (make lab-test: lab.bats set it up
# and checked site.yml) is used as it is; else it is brought up. For
# setup_file.
lab_up_or_use() {
  local t0=$SECONDS
  if on peter-ansible01 true 2>/dev/null; then return 0; fi
  "$LAB" up >"$BATS_FILE_TMPDIR/up.log" 2>&1 || { tail -50 "$BATS_FILE_TMPDIR/up.log" >&3; return 1; }
  note "lab up and site.yml converged in $((SECONDS - t0)) s"
}

# main_pid HOST UNIT: the unit's main PID on HOST (0 when it is stopped).
main_pid() { on "$1" systemctl show -p MainPID --value "$2"; }

# pids: "host pid" of every broker and ZooKeeper server.
pids() {
  local h
  for h in "${BROKERS[@]}"; do echo "$h $(main_pid "$h" kafka-server)"; done
  for h in "${ZKHOSTS[@]}"; do echo "$h $(main_pid "$h" zookeeper-server)"; done
}

# no_urp: the cluster has no under-replicated partition.
no_urp() {
  [[ -z $(on peter-kafka01 /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --describe --under-replicated-partitions) ]]
}

# registered_brokers: the ids under /brokers/ids, as ZooKeeper lists them.
registered_brokers() {
  on peter-zk01 /opt/kafka/bin/zookeeper-shell.sh localhost:2181 ls /brokers/ids 2>/dev/null | grep -x '\[[0-9, ]*\]'
}

# zk_mode HOST: leader, follower or standalone, from the srvr command.
zk_mode() {
  on "$1" "exec 3<>/dev/tcp/localhost/2181 && echo srvr >&3 && cat <&3" | sed -n 's/^Mode: //p'
}

# ensemble_whole: one ZooKeeper host leads, the two others follow.
ensemble_whole() {
  local h modes=""
  for h in "${ZKHOSTS[@]}"; do modes+="$(zk_mode "$h") "; done
  [[ $(tr ' ' '\n' <<<"$modes" | sort | tr '\n' ' ') == " follower follower leader " ]]
}
