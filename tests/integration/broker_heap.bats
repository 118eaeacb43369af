#!/usr/bin/env bats
# KAFKA_HEAP_OPTS: -Xmx is the ceiling of the broker's own memory (request
# and response buffers): under a load of many concurrent producers sending
# large batches, over slow links or to a slow disk, the broker stops reading
# from sockets at the ceiling, its resident memory stays under -Xmx plus a
# fixed allowance, and every acknowledged message is read back; the same
# under consumers that read large answers slowly and a client that never
# reads its answers (the broker bounds what it queues and builds in
# memory), and for a follower catching up a large backlog (it sizes its
# fetches to its ceiling). A malformed value stops the daemons with a
# message naming it; the coordinator warns in zookeeper.log and mntr when
# its tree nears its -Xmx.

load test_helper
load slow_disk_helper
load cluster_helper

# Resident memory the broker may have beyond the ceiling: code and
# libraries, the allocator's own structures and the pages it has not given
# back yet, the mapped indexes, metadata, the ZooKeeper client. An idle
# broker is about 5 MiB (the slow-disk test measures it); under the loads
# below it peaks between 30 and 70 MiB (without the bounds, above 120 and
# 300 MiB). (A normal build, with jemalloc: under the sanitizers resident
# memory says nothing about the broker's own.)
ALLOWANCE_MIB=16

setup_file() {
  coord_start
}

teardown_file() {
  stop_all
}

RELAY_PID=

# relay_start OPTIONS...: (re)starts slow_link.py with these options on
# RELAY_PORT in front of the broker's BROKER_PORT (RELAY_PID; teardown
# stops it).
relay_start() {
  if [[ -n $RELAY_PID ]]; then
    kill "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
  fi
  rm -f "$BATS_TEST_TMPDIR/relay.ready"
  "$PY" "$CLIENTS_DIR/slow_link.py" --listen "$RELAY_PORT" --to "127.0.0.1:$BROKER_PORT" "$@" \
    --ready "$BATS_TEST_TMPDIR/relay.ready" </dev/null >/dev/null 2>&1 3>&- &
  RELAY_PID=$!
  wait_for 10 test -f "$BATS_TEST_TMPDIR/relay.ready"
}

# heap_broker_start RELAY_OPTIONS...: a broker under -Xmx64m behind a relay
# (relay_start RELAY_OPTIONS...) that it advertises as its address.
heap_broker_start() {
  RELAY_PORT=$(free_port)
  BROKER_PORT=$(free_port)
  mkdir -p "$BATS_FILE_TMPDIR/broker"
  echo "$BROKER_PORT" >"$BATS_FILE_TMPDIR/broker/port"
  relay_start "$@"
  KAFKA_HEAP_OPTS="-Xmx64m -Xms64m" broker_start message.max.bytes=8388608 \
    "advertised.listeners=PLAINTEXT://127.0.0.1:$RELAY_PORT"
}

# assert_rss_bounded: the broker's peak resident memory so far is under
# -Xmx64m plus ALLOWANCE_MIB (and noted).
assert_rss_bounded() {
  local hwm_kb
  hwm_kb=$(proc_kb "$(broker_pid)" VmHWM)
  note "broker peak RSS $((hwm_kb / 1024)) MiB; bound $((64 + ALLOWANCE_MIB)) MiB (-Xmx64m + ${ALLOWANCE_MIB} MiB)"
  ((hwm_kb < (64 + ALLOWANCE_MIB) * 1024))
}

# verify_acked_and_stop BOOTSTRAP TOPIC: every message acknowledged in
# $BATS_TEST_TMPDIR/acked is read back intact through BOOTSTRAP; then the
# broker stops and logs the peak of the memory it held for clients.
verify_acked_and_stop() {
  run timeout -k 10 300 "$PY" "$CLIENTS_DIR/heap_load.py" --bootstrap "$1" --topic "$2" \
    --value-bytes $((512 << 10)) --verify "$BATS_TEST_TMPDIR/acked"
  echo "$output"
  [ "$status" -eq 0 ]
  note "verify: $output"
  broker_stop
  note "memory held for clients at most $(peak_held_mib "$BROKER_DIR/logs/server.log") MiB of the 64 MiB ceiling"
}

# peak_held_mib SERVER_LOG: the whole MiB of the peak of memory held for
# clients that the broker logged when it last stopped (fails if none).
peak_held_mib() {
  grep -o "Peak memory held for clients: [0-9.]* MiB of the 64 MiB ceiling" "$1" |
    tail -n 1 | awk '{print int($6); n++} END {exit !n}'
}

teardown() {
  show_logs_on_failure
  if (($(cluster_size) > 0)); then
    cluster_show_logs_on_failure
    cluster_stop_all
    rm -rf "$BATS_FILE_TMPDIR/cluster/size" "$BATS_FILE_TMPDIR"/cluster/b*/data
  fi
  if [[ -e $BATS_TEST_TMPDIR/slowdisk/image ]]; then
    broker_stop 60 || true
    slow_disk_stop
  fi
  if [[ -n $RELAY_PID ]]; then
    kill "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
  fi
}

@test "a malformed KAFKA_HEAP_OPTS stops the broker with a message naming it" {
  local v
  printf 'broker.id=1\nzookeeper.connect=%s\nlog.dirs=%s\n' "$ZK_CONNECT" "$BATS_TEST_TMPDIR/d" \
    >"$BATS_TEST_TMPDIR/server.properties"
  for v in "-Xmx64x" "-Xmx" "64m" "-Xmx64m -Xms128m" "-Xmx1m"; do
    run env KAFKA_HEAP_OPTS="$v" LOG_DIR="$BATS_TEST_TMPDIR/logs" \
      timeout 20 "$REPO_ROOT/bin/kafka-server-start.sh" "$BATS_TEST_TMPDIR/server.properties"
    echo "$v -> $status: $output"
    [ "$status" -eq 1 ]
    [[ $output == *"KAFKA_HEAP_OPTS"* ]]
    [[ $output == *"${v##* }"* ]]
  done
  grep -q "ERROR Cannot start: KAFKA_HEAP_OPTS: invalid maximum heap size '-Xmx64x'" \
    "$BATS_TEST_TMPDIR/logs/server.log"
  # -daemon: refused before detaching, so the script fails too
  run env KAFKA_HEAP_OPTS="-Xmx12q" LOG_DIR="$BATS_TEST_TMPDIR/logs" \
    timeout 20 "$REPO_ROOT/bin/kafka-server-start.sh" -daemon "$BATS_TEST_TMPDIR/server.properties"
  [ "$status" -eq 1 ]
  [[ $output == *"-Xmx12q"* ]]
}

@test "a malformed KAFKA_HEAP_OPTS stops the coordinator with a message naming it" {
  printf 'dataDir=%s\nclientPort=%s\n' "$BATS_TEST_TMPDIR/zd" "$(free_port)" >"$BATS_TEST_TMPDIR/zoo.cfg"
  run env KAFKA_HEAP_OPTS="-Xmx512M -Xms1G" LOG_DIR="$BATS_TEST_TMPDIR/logs" \
    timeout 20 "$REPO_ROOT/bin/zookeeper-server-start.sh" "$BATS_TEST_TMPDIR/zoo.cfg"
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"KAFKA_HEAP_OPTS: initial heap size -Xms1G is larger than the maximum heap size -Xmx512M"* ]]
  grep -q "Cannot start: KAFKA_HEAP_OPTS" "$BATS_TEST_TMPDIR/logs/zookeeper.log"
}

@test "under -Xmx64m many producers of large batches keep the broker's RSS bounded and lose nothing" {
  # 24 librdkafka producers, each behind its own 3 MB/s uplink (slow_link.py,
  # advertised as the broker's address), send 8 MiB requests: every one of
  # them keeps a large request half-arrived at the broker, about 190 MiB in
  # all. A broker reading all of them peaks above 120 MiB resident here.
  heap_broker_start --rate 3000000
  local log="$BROKER_DIR/logs/server.log"
  grep -q 'Memory ceiling 64 MiB (67108864 bytes) from KAFKA_HEAP_OPTS="-Xmx64m -Xms64m"' "$log"
  grep -q "Initial heap size 64 MiB accepted" "$log"
  local topic
  topic=$(unique_topic heap)
  kconfluent 60 create-topic --topic "$topic" --partitions 4

  local t0=$SECONDS
  run timeout -k 10 300 "$PY" "$CLIENTS_DIR/heap_load.py" --bootstrap "127.0.0.1:$RELAY_PORT" \
    --topic "$topic" --producers 24 --per-producer 16 --value-bytes $((512 << 10)) \
    --batch-bytes $((8 << 20)) --acked "$BATS_TEST_TMPDIR/acked"
  echo "$output"
  [ "$status" -eq 0 ]
  note "load: $output ($((SECONDS - t0)) s)"
  assert_broker_alive
  assert_rss_bounded
  # the load did press on the ceiling: reading paused
  grep -q "reached the ceiling for new requests (56 MiB of 64 MiB" "$log"
  verify_acked_and_stop "$BROKER" "$topic"
}

@test "under -Xmx64m many producers of large batches to a slow disk keep the broker's RSS bounded and lose nothing" {
  # The broker's log is on a disk that takes 10 MiB/s (slow_disk_helper.bash:
  # an ext4 loop device whose writes the kernel throttles for the broker's
  # blkio cgroup; the topic has flush.messages=1, so every append waits for
  # the disk). 24 librdkafka producers, half acks=1 and half acks=all, send
  # requests of about 6 MiB, 144 MiB in all: about 15 s of disk. (The same
  # load on the same loop device unthrottled runs at about 53 MiB/s.) While
  # the broker waits for the disk, the producers' requests arrive, each
  # reserved whole when its size is read: about 140 MiB if all were read.
  local rate=$((10 << 20)) producers=24 per_producer=12 topic log idle_kb
  slow_disk_start "$rate"
  KAFKA_HEAP_OPTS="-Xmx64m -Xms64m" broker_start message.max.bytes=8388608 \
    "log.dirs=$SLOW_DISK_MNT/data"
  slow_disk_join "$(broker_pid)"
  # the allowance covers what an idle broker holds
  idle_kb=$(broker_rss_kb)
  note "idle broker RSS $((idle_kb / 1024)) MiB ($idle_kb KiB); allowance ${ALLOWANCE_MIB} MiB"
  ((idle_kb < ALLOWANCE_MIB * 1024))
  log="$BROKER_DIR/logs/server.log"
  topic=$(unique_topic heapdisk)
  kconfluent 60 create-topic --topic "$topic" --partitions 4 --config flush.messages=1

  local written0 t0 t1
  written0=$(slow_disk_written)
  t0=$(date +%s%N)
  run timeout -k 10 120 "$PY" "$CLIENTS_DIR/heap_load.py" --bootstrap "$BROKER" \
    --topic "$topic" --producers "$producers" --per-producer "$per_producer" \
    --value-bytes $((512 << 10)) --batch-bytes $((8 << 20)) --acks 1,all \
    --acked "$BATS_TEST_TMPDIR/acked"
  t1=$(date +%s%N)
  echo "$output"
  [ "$status" -eq 0 ]
  assert_broker_alive
  assert_rss_bounded

  # The disk was the bottleneck: the bytes appended went through the
  # throttle (the broker's own fsyncs wrote it), and the broker appended no
  # faster than the disk's rate. The log holds each message once (a
  # duplicate would add 512 KiB; a record's own overhead is under 1 KiB).
  local n=$((producers * per_producer)) appended written ms
  appended=$(cat "$SLOW_DISK_MNT/data/$topic"-*/*.log | wc -c)
  written=$(($(slow_disk_written) - written0))
  ms=$(((t1 - t0) / 1000000))
  note "load: $output; appended $((appended >> 20)) MiB in $ms ms ($((appended * 1000 / ms >> 10)) KiB/s); $((written >> 20)) MiB written through the $((rate >> 10)) KiB/s throttle"
  ((appended >= n * (512 << 10) && appended < n * ((512 << 10) + 1024)))
  ((written >= appended * 19 / 20))
  ((appended * 1000 / ms <= rate * 11 / 10))
  verify_acked_and_stop "$BROKER" "$topic"
  # the producers pressed on the ceiling: the memory the broker held for
  # them came near it (it pauses reading at 56 MiB)
  (($(peak_held_mib "$log") >= 48))
}

@test "under -Xmx64m slow readers of large fetches and of pipelined answers keep the broker's RSS bounded and lose nothing" {
  # 48 MiB acknowledged, then for 20 s: 8 kafka-python consumers of the old
  # message format (Fetch v3: the broker down-converts in memory, as Kafka
  # does) each asking for the whole 48 MiB in one answer, behind their own
  # 4 MB/s downlinks (slow_link.py --down-rate), and a client that pipelines
  # 500,000 Metadata requests (about 100 MB of answers) and reads none. A
  # broker that builds and queues all of it holds several hundred MiB.
  heap_broker_start --rate 0 --down-rate 4000000
  local log="$BROKER_DIR/logs/server.log" topic
  topic=$(unique_topic heapfetch)
  kconfluent 60 create-topic --topic "$topic" --partitions 4
  run timeout -k 10 300 "$PY" "$CLIENTS_DIR/heap_load.py" --bootstrap "127.0.0.1:$RELAY_PORT" \
    --topic "$topic" --producers 4 --per-producer 24 --value-bytes $((512 << 10)) \
    --batch-bytes $((4 << 20)) --acked "$BATS_TEST_TMPDIR/acked"
  echo "$output"
  [ "$status" -eq 0 ]

  local t0=$SECONDS
  run timeout -k 10 120 "$PY" "$CLIENTS_DIR/heap_load.py" --bootstrap "127.0.0.1:$RELAY_PORT" \
    --topic "$topic" --old-consumers 8 --seconds 20 \
    --unread-requests 500000 --unread-bootstrap "127.0.0.1:$BROKER_PORT"
  echo "$output"
  note "slow readers: $output ($((SECONDS - t0)) s)"
  assert_broker_alive
  assert_rss_bounded
  [ "$status" -eq 0 ] # the consumers did read (and none failed)
  # the down-converted answers were cut to what the ceiling leaves
  grep -q "WARN Fetch v3 from 127.0.0.1 is down-converted in memory: its records are cut to .* what the memory ceiling (64 MiB, KAFKA_HEAP_OPTS) leaves for them" "$log"

  # every acknowledged message is there (read at full speed, modern fetches)
  relay_start --rate 0
  verify_acked_and_stop "127.0.0.1:$RELAY_PORT" "$topic"
}

@test "under -Xmx64m a follower catching up a large backlog with huge replica.fetch sizes keeps both brokers' RSS bounded" {
  # RF=2, both brokers under -Xmx64m, the follower asking for up to 256 MiB
  # a partition and 512 MiB an answer (replica.fetch.max.bytes,
  # replica.fetch.response.max.bytes). It reads each answer into memory, so
  # it sizes its fetches to what its ceiling has left (fetcher.c) and gives
  # an answer's buffer back once the records are appended (kclient.c); the
  # leader sends the records from its files. The follower was stopped while
  # 160 MiB were produced: asked for whole, that backlog is one answer of
  # 160 MiB (a follower sizing its fetches by the settings alone peaks at
  # 140 MiB resident here, its buffer then fills the ceiling and it stalls).
  KAFKA_HEAP_OPTS="-Xmx64m -Xms64m" cluster_start 2 message.max.bytes=8388608 \
    replica.fetch.max.bytes=268435456 replica.fetch.response.max.bytes=536870912
  local topic p
  topic=$(unique_topic heapfollow)
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$topic" \
    --replica-assignment 1:2,1:2 >/dev/null
  for p in 0 1; do cluster_wait_isr "$topic" "$p" 1,2 30; done
  cluster_broker_stop 2
  for p in 0 1; do cluster_wait_isr "$topic" "$p" 1 30; done
  run timeout -k 10 120 "$PY" "$CLIENTS_DIR/heap_load.py" --bootstrap "$(cluster_addr 1)" \
    --topic "$topic" --producers 8 --per-producer 40 --value-bytes $((512 << 10)) \
    --batch-bytes $((4 << 20)) --acks 1,all --acked "$BATS_TEST_TMPDIR/acked"
  echo "$output"
  [ "$status" -eq 0 ]
  local leader_log=$BATS_FILE_TMPDIR/cluster/b1/data follower_log=$BATS_FILE_TMPDIR/cluster/b2/data
  local backlog
  backlog=$(cat "$leader_log/$topic"-*/*.log | wc -c)
  ((backlog >= 160 << 20))

  local t0=$SECONDS
  KAFKA_HEAP_OPTS="-Xmx64m -Xms64m" cluster_broker_start 2
  for p in 0 1; do cluster_wait_isr "$topic" "$p" 1,2 60; done
  for p in 0 1; do
    wait_for 30 cmp -s <(cat "$leader_log/$topic-$p"/*.log) <(cat "$follower_log/$topic-$p"/*.log)
  done
  note "follower caught up $((backlog >> 20)) MiB in $((SECONDS - t0)) s; the replicas' logs are byte-identical"
  local b hwm_kb
  for b in 1 2; do
    hwm_kb=$(proc_kb "$(cluster_pid "$b")" VmHWM)
    note "broker $b peak RSS $((hwm_kb / 1024)) MiB; bound $((64 + ALLOWANCE_MIB)) MiB"
    ((hwm_kb < (64 + ALLOWANCE_MIB) * 1024))
  done
  # caught up, the follower has given the memory of its large answers
  # back: it is about as resident as an idle broker again
  local rss_kb
  wait_for 10 rss_below "$(cluster_pid 2)" $((ALLOWANCE_MIB << 10)) || true
  rss_kb=$(proc_kb "$(cluster_pid 2)" VmRSS)
  note "follower RSS once caught up $((rss_kb / 1024)) MiB (bound ${ALLOWANCE_MIB} MiB)"
  ((rss_kb < ALLOWANCE_MIB << 10))
  # every acknowledged message is there (in both logs: they are the same)
  run timeout -k 10 120 "$PY" "$CLIENTS_DIR/heap_load.py" --bootstrap "$(cluster_addr 1)" \
    --topic "$topic" --value-bytes $((512 << 10)) --verify "$BATS_TEST_TMPDIR/acked"
  echo "$output"
  [ "$status" -eq 0 ]
  note "verify: $output"
  # the follower's accounted memory stayed under its ceiling
  cluster_broker_stop 2
  local peak
  peak=$(peak_held_mib "$BATS_FILE_TMPDIR/cluster/b2/logs/server.log")
  note "follower: memory held for clients at most $peak MiB of the 64 MiB ceiling"
  ((peak < 64))
}

# proc_kb PID FIELD: FIELD (VmRSS, VmHWM) of /proc/PID/status, in KiB.
proc_kb() {
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}

# rss_below PID KIB: the process's resident memory is under KIB.
rss_below() {
  (($(proc_kb "$1" VmRSS) < $2))
}

@test "the coordinator logs its -Xmx and warns in zookeeper.log and mntr when the tree nears it" {
  zk_stop
  KAFKA_HEAP_OPTS="-Xmx16m -Xms16m" coord_start
  local log="$ZK_DIR/logs/zookeeper.log"
  grep -q 'Heap limit 16 MiB (16777216 bytes) from KAFKA_HEAP_OPTS="-Xmx16m -Xms16m"' "$log"
  refute grep -q zk_heap_warning <(zk_4lw mntr)
  # 16 znodes of 900 KB: about 13.7 MiB, over 80% of 16 MiB. The check runs
  # on the coordinator's timer, so it may see the tree at 15 znodes already
  # (about 12.9 MiB, 80%; 14 are 75%, under the mark)
  run timeout -k 5 120 "$PY" - "$ZK_CONNECT" <<'PYEOF'
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=20)
zk.ensure_path("/big")
for i in range(16):
    zk.create("/big/n%d" % i, b"x" * 900000)
zk.stop()
PYEOF
  echo "$output"
  [ "$status" -eq 0 ]
  wait_for 10 grep -q "WARN Heap nearly full: the data tree (about 1[23].[0-9] MiB in [0-9]* znodes) uses [89][0-9]% of the heap limit 16 MiB" "$log"
  run zk_4lw mntr
  [[ $output == *$'zk_heap_warning\tthe data tree (about '* ]]
  # deleting most of it clears the warning
  run timeout -k 5 120 "$PY" - "$ZK_CONNECT" <<'PYEOF'
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=20)
zk.delete("/big", recursive=True)
zk.stop()
PYEOF
  [ "$status" -eq 0 ]
  wait_for 10 grep -q "is back under 70% of the heap limit 16 MiB" "$log"
  refute grep -q zk_heap_warning <(zk_4lw mntr)
}
