# shellcheck shell=bash
# tests/bench/common.bash -- helpers shared by the bench scripts
# (tests/bench/run, tests/bench/replication): a process's CPU ticks and RSS,
# kbench's key=value results, the load average, the page-cache warm-up and
# the median pick.  page_cache_write writes under $WORK.

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
