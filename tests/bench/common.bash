# shellcheck shell=bash
# tests/bench/common.bash -- helpers shared by the bench scripts
# (tests/bench/run, tests/bench/replication, tests/bench/reassign): a
# process's CPU ticks and RSS, kbench's key=value results, the load average,
# the page-cache warm-up and the median pick; for the multi-broker benches
# (sourced after tests/integration/{test,cluster}_helper.bash, the cluster
# under $WORK) the brokers' CPU, their log sizes, topics with a replica
# assignment and the EXIT trap.  page_cache_write writes under $WORK.

# shellcheck disable=SC2034 # read by the scripts that source this file
CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID: user+system clock ticks the process has used so far.
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }
  awk '{print $12 + $13}' <<<"$stat"
}

# rss_mib PID: resident set size in MiB.
rss_mib() {
  awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"
}

# kv KEY LINE: the value of KEY=... in a kbench result line ("" if absent).
kv() {
  local f
  for f in $2; do [[ $f == "$1="* ]] && { echo "${f#*=}"; return; }; done
  echo ""
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# page_cache_write MIB: writes MIB MiB to a new file next to the broker's
# data and deletes it; prints "MiB/s system-CPU-seconds" of the write.
page_cache_write() {
  local f=$WORK/page-cache.tmp t TIMEFORMAT='%R %S'
  t=$( { time dd if=/dev/zero of="$f" bs=1M count="$1" status=none; } 2>&1)
  rm -f "$f"
  awk -v m="$1" '{printf "%.0f %.2f", m / ($1 > 0 ? $1 : 0.001), $2}' <<<"$t"
}

# warm_mib COUNT SIZE: MiB of warm-up for a produce run (5/4 of its bytes
# with the record overhead).
warm_mib() { echo $(($1 * ($2 + 70) * 5 / 4 / 1048576 + 1)); }

# median_line: of the lines on stdin ("NUMBER REST..."), the one with the
# median NUMBER.
median_line() { sort -g | awk '{l[NR] = $0} END {print l[int(NR / 2) + 1]}'; }

# ms_between NS0 NS1: milliseconds from NS0 to NS1, one decimal.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b - a) / 1e6}'; }

# ------------------------------------------------- multi-broker benches --

# brokers_ticks: CPU ticks used so far, summed over the running brokers.
brokers_ticks() {
  local i pid sum=0
  for ((i = 1; i <= $(cluster_size); i++)); do
    pid=$(cluster_pid "$i")
    pid_alive "$pid" && sum=$((sum + $(cpu_ticks "$pid")))
  done
  echo "$sum"
}

# log_bytes BROKER TOPIC: bytes in the .log segments of TOPIC's partitions
# on BROKER (its log end, in bytes).
log_bytes() {
  local sum=0 f
  for f in "$WORK/cluster/b$1/data/$2"-*/*.log; do
    [[ -f $f ]] && sum=$((sum + $(stat -c %s "$f")))
  done
  echo "$sum"
}

# holds_bytes BROKER TOPIC BYTES: BROKER's logs of TOPIC are BYTES long or more.
holds_bytes() { (($(log_bytes "$1" "$2") >= $3)); }

# create_assigned TOPIC ASSIGNMENT: an RF=3 topic with that replica
# assignment ("1:2:3,1:3:2"), every ISR full.
create_assigned() {
  local p a
  ktool kafka-topics.sh --bootstrap-server "$CLUSTER_BOOTSTRAP" --create --topic "$1" \
    --replica-assignment "$2" >/dev/null
  p=0
  for a in ${2//,/ }; do
    cluster_wait_isr "$1" "$p" "${a//:/,}" 30
    p=$((p + 1))
  done
}

# LOAD_PID: a load running in the background (kbench, the checker), if any.
LOAD_PID=
# bench_cleanup: the EXIT trap -- stops the load (by PID), every broker and
# the coordinator; removes $WORK (KEEP=1 keeps it).
bench_cleanup() {
  if [[ -n $LOAD_PID ]]; then stop_pid "$LOAD_PID" load 10 || true; fi
  cluster_stop_all
  zk_stop || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
