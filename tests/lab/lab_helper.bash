# shellcheck shell=bash
# tests/lab/lab_helper.bash -- what the lab's tests share (load it after
# ../integration/test_helper): the lab's commands, its hosts, and the
# cluster's state as the tests compare it, and the acks=all load the
# tests run beside what they do to the cluster.

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

# lab_up: brings the lab up (scripts/lab.sh up, its output in
# $BATS_FILE_TMPDIR/up.log) and prints where the time went. For setup_file.
lab_up() {
  local t0=$SECONDS
  "$LAB" up >"$BATS_FILE_TMPDIR/up.log" 2>&1 || { tail -50 "$BATS_FILE_TMPDIR/up.log" >&3; return 1; }
  note "lab up and site.yml converged in $((SECONDS - t0)) s ($(grep -oE 'packages: .* \(in [0-9]+ s\)|seven hosts up in [0-9]+ s|site.yml converged in [0-9]+ s' "$BATS_FILE_TMPDIR/up.log" | paste -sd, | sed 's/,/, /g'))"
}

# lab_up_or_use: a lab that is up already (make lab-test: lab.bats set it up
# and checked site.yml) is used as it is; else it is brought up. For
# setup_file.
lab_up_or_use() {
  if on peter-ansible01 true 2>/dev/null; then return 0; fi
  lab_up
}

# main_pid HOST UNIT: the unit's main PID on HOST (0 when it is stopped).
main_pid() { on "$1" systemctl show -p MainPID --value "$2"; }

# active HOST UNIT: UNIT is active on HOST.
active() { [[ $(on "$1" systemctl is-active "$2") == active ]]; }

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

# ---- the acks=all load and its checker (rolling.bats, broker_stop.bats) ----

# load_teardown: for teardown; a test that fails midway leaves no load
# running (bats would wait for it).
load_teardown() {
  local p
  for p in produce kcat sampler; do
    [[ -e $BATS_TEST_TMPDIR/$p.pid ]] && kill -TERM "$(cat "$BATS_TEST_TMPDIR/$p.pid")" 2>/dev/null
  done
  return 0
}

# new_topic NAME: RF=3, min.insync.replicas=2 (the brokers' default), 6 partitions.
new_topic() {
  on peter-kafka01 /usr/local/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" \
    --create --topic "$1" --partitions 6 --replication-factor 3 --config min.insync.replicas=2
}

# load_start TOPIC: the producer (300 msg/s, acks=all, idempotent), the
# group's consumer and the sampler, in the lab's network, files in
# $BATS_TEST_TMPDIR. Started as "$LAB" exec (which execs them), not through
# a function, so that each $! is the process itself and load_stop's SIGTERM
# reaches it.
load_start() {
  local d=$BATS_TEST_TMPDIR t=$1
  "$LAB" exec timeout -k 10 900 "$PY" "$CLIENTS_DIR/acked_checker.py" produce --bootstrap "$BOOTSTRAP" \
    --topic "$t" --client confluent --producer-id roll --count 100000000 --max-seconds 800 \
    --rate 300 --partitions 6 --acked "$d/acked" --failed "$d/failed" --latency "$d/latency" \
    >"$d/produce.log" 2>&1 &
  echo $! >"$d/produce.pid"
  "$LAB" exec timeout -k 10 900 kcat -u -b "$BOOTSTRAP" -G "$t-group" -q -f '%p %o\n' \
    -X auto.commit.interval.ms=1000 -X auto.offset.reset=earliest "$t" >"$d/consumed" 2>"$d/kcat.log" &
  echo $! >"$d/kcat.pid"
  "$LAB" exec timeout -k 10 900 "$PY" "$CLIENTS_DIR/cluster_sampler.py" sample --bootstrap "$BOOTSTRAP" \
    --topic "$t" --group "$t-group" --out "$d/samples" >"$d/sampler.log" 2>&1 &
  echo $! >"$d/sampler.pid"
  wait_for 60 lines_at_least "$d/acked" 300
}

lines_at_least() { [[ -e $1 && $(wc -l <"$1") -ge $2 ]]; }

# load_stop TOPIC: ends the producer (what it sent is still acknowledged),
# lets the group read up to the end, stops it and the sampler; then checks
# acknowledged against read (0 lost, duplicated, reordered, mismatched) and
# that nothing failed.
load_stop() {
  local d=$BATS_TEST_TMPDIR t=$1 p
  if ! kill -TERM "$(cat "$d/produce.pid")" 2>/dev/null; then
    cat "$d/produce.log"
    echo "the producer ended before load_stop (its log above)"
    return 1
  fi
  wait "$(cat "$d/produce.pid")" || true
  # the producer has ended: nothing is acknowledged after this
  refute pgrep -f "producer-id roll .*--acked $d/acked"
  cat "$d/produce.log"
  wait_for 60 lines_at_least "$d/consumed" "$(wc -l <"$d/acked")"
  sleep 3 # one more commit of the group (auto.commit.interval.ms=1000) and sample
  for p in kcat sampler; do
    kill -TERM "$(cat "$d/$p.pid")" 2>/dev/null || true
    wait "$(cat "$d/$p.pid")" || true
  done
  [[ $(wc -l <"$d/failed") -eq 0 ]]
  inlab timeout -k 10 180 "$PY" "$CLIENTS_DIR/acked_checker.py" verify --bootstrap "$BOOTSTRAP" \
    --topic "$t" --acked "$d/acked" --failed "$d/failed" >"$d/verify.log" 2>&1 ||
    { cat "$d/verify.log"; return 1; }
  cat "$d/verify.log"
  grep -q "total: acked [0-9]* (failed sends 0) lost 0 duplicated 0 reordered 0 mismatched 0" "$d/verify.log"
}

# p99 FROM TO: the producer's acks=all p99 latency (ms) of the
# acknowledgements between unix times FROM and TO.
p99() {
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { print $2 * 1000 }' "$BATS_TEST_TMPDIR/latency" |
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else printf "%.1f ms (p50 %.1f ms, %d acks)", v[int(NR * 0.99 + 0.5)], v[int(NR * 0.5 + 0.5)], NR }'
}

# in_every_isr ID TOPIC: broker ID is in the ISR of every partition of TOPIC
# (kafka-topics.sh --describe), and TOPIC has partitions.
in_every_isr() {
  on peter-kafka01 /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --describe --topic "$2" |
    awk -v id="$1" '/Partition: / { n++; for (i = 1; i < NF; i++) if ($i == "Isr:") { k = split($(i + 1), isr, ",");
      for (j = 1; j <= k; j++) if (isr[j] == id) in_isr++ } } END { exit !(n > 0 && in_isr == n) }'
}
