#!/usr/bin/env bats
# A log directory that fails, as Kafka 2.5 handles it (log_dir_failure.c):
#   - read-only at start-up (a tmpfs remounted read-only): with no other
#     directory the broker exits 1 with Kafka's FATAL line; beside a good
#     one it starts, serves from the good one and reports the bad one
#     offline (DescribeLogDirs: KAFKA_STORAGE_ERROR);
#   - an I/O error at run time (an ext4 loop filesystem shut down under
#     the leader of an RF=3 topic while an acks=all producer writes; a
#     read-only remount is refused while files are open for writing): the
#     dir goes offline, the broker, left with none, halts with exit 1 and
#     Kafka's FATAL line, the other brokers lead, and every acknowledged
#     record is read back once;
#   - the controller learns which replicas of a broker are on a failed
#     directory from its KAFKA_STORAGE_ERROR answers to LeaderAndIsr.
# Needs root (mount, losetup), e2fsprogs and python3.

load test_helper
load cluster_helper
bats_require_minimum_version 1.5.0

setup_file() { zk_start; }

teardown_file() {
  cluster_stop_all
  zk_stop
}

teardown() {
  cluster_show_logs_on_failure
  local m
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  for m in "${LOOPS[@]}"; do losetup -d "$m" 2>/dev/null || true; done
}

MOUNTS=()
LOOPS=()

# ro_tmpfs DIR: a small tmpfs on DIR, remounted read-only.
ro_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o size=4m tmpfs "$1"
  MOUNTS+=("$1")
  mount -o remount,ro "$1"
}

# ext4_loop DIR: an ext4 filesystem on a loop device, mounted on DIR.
ext4_loop() {
  local img=$BATS_FILE_TMPDIR/ext4-$RANDOM.img dev
  truncate -s 64M "$img"
  dev=$(losetup -f --show "$img")
  LOOPS+=("$dev")
  mkfs.ext4 -q "$dev"
  mkdir -p "$1"
  mount "$dev" "$1"
  MOUNTS+=("$1")
}

# fs_shutdown DIR: every later I/O on the filesystem of DIR fails with EIO
# (EXT4_IOC_SHUTDOWN, no log flush): a disk gone bad under the broker.
fs_shutdown() {
  python3 -c 'import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.ioctl(fd, 0x8004587D, struct.pack("I", 2))' "$1"
}

# partitions_in DIR TOPIC: the partitions of TOPIC with a directory in DIR.
partitions_in() {
  local f
  for f in "$1/$2"-*; do [[ -d $f ]] && echo "${f##*-}"; done | sort -n | paste -sd' '
}

@test "a read-only data directory at start-up: exit 1 with Kafka's FATAL line" {
  local d=$BATS_TEST_TMPDIR/b port
  ro_tmpfs "$d/data"
  port=$(free_port)
  _broker_write_properties "$d" "$port" broker.id=91
  run -1 timeout 30 env LOG_DIR="$d/logs" "$KAFKA_SERVER" "$d/server.properties"
  echo "$output"
  [[ $output == *"ERROR Failed to create or validate data directory $d/data: $d/data is not a writable log directory. (java.io.IOException: Read-only file system) (kafka.server.LogDirFailureChannel)"* ]]
  [[ $output == *"FATAL Shutdown broker because none of the specified log dirs from $d/data can be created or validated (kafka.log.LogManager)"* ]]
  grep -qF "FATAL Shutdown broker because none of the specified log dirs from $d/data can be created or validated" "$d/logs/server.log"
  refute grep -q "started (kafka.server.KafkaServer)" "$d/logs/server.log"
  # it never registered
  refute broker_registered 91
}

@test "a read-only data directory beside a good one: the broker serves from the good one, DescribeLogDirs reports the bad one offline" {
  local d=$BATS_TEST_TMPDIR/b port t
  ro_tmpfs "$d/bad"
  mkdir -p "$d/good"
  port=$(free_port)
  echo "$port" >"$d/port"
  _broker_start_in "$d" broker.id=92 "log.dirs=$d/bad,$d/good"
  t=$(unique_topic twodirs)
  ktool kafka-topics.sh --bootstrap-server "127.0.0.1:$port" --create --topic "$t" \
    --partitions 2 --replication-factor 1 >/dev/null
  wait_for 20 port_open 127.0.0.1 "$port"
  seq 1 50 | in_test_netns timeout 30 kcat -P -b "127.0.0.1:$port" -t "$t" -p 0 -X acks=all
  [ "$(in_test_netns timeout 30 kcat -C -b "127.0.0.1:$port" -t "$t" -p 0 -e -q | wc -l)" -eq 50 ]
  [ -d "$d/good/$t-0" ] && [ -d "$d/good/$t-1" ]
  grep -qF "Failed to create or validate data directory $d/bad" "$d/logs/server.log"
  run ktool kafka-log-dirs.sh --bootstrap-server "127.0.0.1:$port" --describe
  echo "$output"
  [[ $output == *"{\"logDir\":\"$d/bad\",\"error\":\"org.apache.kafka.common.errors.KafkaStorageException\",\"partitions\":[]}"* ]]
  [[ $output == *"\"partition\":\"$t-0\""* ]]
  _broker_stop_in "$d"
}

@test "the leader's disk fails under acks=all load: it halts with exit 1 and Kafka's lines, others lead, every acknowledged record is read back once" {
  local d=$BATS_TEST_TMPDIR t p pid st
  # broker 1's data directory is on a filesystem of its own
  ext4_loop "$(_cluster_broker_dir 1)/data"
  cluster_start 3 zookeeper.session.timeout.ms=6000 replica.lag.time.max.ms=3000 \
    min.insync.replicas=2 auto.leader.rebalance.enable=false
  t=$(rf3_topic diskfail 3 "1:2:3,1:3:2,1:2:3")
  for p in 0 1 2; do [ "$(cluster_leader "$t" "$p")" = 1 ]; done
  checker_load "$t" "$d" rd confluent 1200 150
  wait_for 30 lines_at_least "$d/rd.acked" 200
  pid=$(cluster_pid 1)
  fs_shutdown "$(_cluster_broker_dir 1)/data"
  # the next append fails: the dir goes offline, and with it the last one
  wait_for 20 refute pid_alive "$pid"
  st=0
  wait "$pid" 2>/dev/null || st=$?
  echo "broker 1 exit status: $st"
  [ "$st" -eq 1 ]
  local log dir
  log=$(_cluster_broker_dir 1)/logs/server.log
  dir=$(_cluster_broker_dir 1)/data
  grep -E "ERROR Error while (appending records to $t-[0-2]|writing to checkpoint file|flushing log for).* in dir $dir.*Input/output error.*\(kafka.server.LogDirFailureChannel\)|ERROR Error while writing to checkpoint file $dir/" "$log"
  grep -F "WARN [ReplicaManager broker=1] Stopping serving replicas in dir $dir (kafka.server.ReplicaManager)" "$log"
  grep -F "FATAL Shutdown broker because all log dirs in $dir have failed (kafka.log.LogManager)" "$log"
  refute grep -F "shut down completed" "$log"
  # the controller sees its session go and elects brokers 2 and 3
  for p in 0 1 2; do wait_for 30 leader_not "$t" "$p" 1; done
  checker_verify "$t" "$d" rd
  [[ $output == *"lost 0 duplicated 0"* ]]
  [ "$(line_count "$d/rd.acked")" -ge 200 ]
}

@test "one of two data directories fails at run time: its partitions answer KAFKA_STORAGE_ERROR, the other serves, the controller is notified" {
  local d=$BATS_TEST_TMPDIR/b port t
  # a namespace of its own: this broker is its controller
  export ZK_CHROOT=/halfdisk-$RANDOM
  ext4_loop "$d/disk"
  mkdir -p "$d/good"
  port=$(free_port)
  echo "$port" >"$d/port"
  _broker_start_in "$d" broker.id=93 "log.dirs=$d/disk,$d/good"
  wait_for 30 broker_registered 93
  t=$(unique_topic halfdisk)
  # partition 0 goes to the first directory, 1 to the second (fewest first)
  ktool kafka-topics.sh --bootstrap-server "127.0.0.1:$port" --create --topic "$t" \
    --partitions 2 --replication-factor 1 >/dev/null
  for p in 0 1; do
    seq 1 20 | in_test_netns timeout 30 kcat -P -b "127.0.0.1:$port" -t "$t" -p "$p" -X acks=all
  done
  [ -d "$d/disk/$t-0" ] && [ -d "$d/good/$t-1" ]
  fs_shutdown "$d/disk"
  # the next append there fails: not acknowledged, the dir goes offline
  run in_test_netns timeout 30 kcat -P -b "127.0.0.1:$port" -t "$t" -p 0 -X acks=all \
    -X message.timeout.ms=5000 -X retries=0 <<<"after"
  echo "$output"
  [[ $output == *"Broker: Disk error when trying to access log file on disk"* ]]
  grep -F "ERROR Error while appending records to $t-0 in dir $d/disk (java.io.IOException: Input/output error) (kafka.server.LogDirFailureChannel)" "$d/logs/server.log"
  wait_for 10 grep -qF "Stopping serving replicas in dir $d/disk (kafka.server.ReplicaManager)" "$d/logs/server.log"
  # Kafka's notification, which the controller reads, acts on and deletes
  wait_for 10 grep -qE "Wrote log dir event notification /log_dir_event_notification/log_dir_event_[0-9]{10}: \{\"version\":1,\"broker\":93,\"event\":1\}" "$d/logs/server.log"
  wait_for 10 grep -qF "Handling log directory failure for brokers 93" "$d/logs/controller.log"
  # it learns the offline replica from the broker's KAFKA_STORAGE_ERROR
  # answer to the LeaderAndIsr it sends for each of the broker's replicas
  wait_for 10 grep -qF "Mark replicas $t-0 on broker 93 as offline" "$d/logs/state-change.log"
  grep -E "Ignoring LeaderAndIsr request from controller 93 with correlation id [0-9]+ epoch [0-9]+ for partition $t-0: its log directory is offline" "$d/logs/state-change.log"
  refute grep -qE "Mark replicas .*$t-1" "$d/logs/state-change.log"
  [ -z "$(zk_cmd --chroot "$ZK_CHROOT" children /log_dir_event_notification)" ]
  # its only replica is offline: the partition has no leader (Kafka's
  # OfflinePartition); the other directory's partition takes and gives records
  wait_for 10 cluster_leader_is "$t" 0 -1
  pid_alive "$(cat "$d/pid")"
  seq 21 30 | in_test_netns timeout 30 kcat -P -b "127.0.0.1:$port" -t "$t" -p 1 -X acks=all
  [ "$(in_test_netns timeout 30 kcat -C -b "127.0.0.1:$port" -t "$t" -p 1 -e -q | wc -l)" -eq 30 ]
  run ktool kafka-log-dirs.sh --bootstrap-server "127.0.0.1:$port" --describe
  echo "$output"
  [[ $output == *"{\"logDir\":\"$d/disk\",\"error\":\"org.apache.kafka.common.errors.KafkaStorageException\",\"partitions\":[]}"* ]]
  refute grep -q "Shutdown broker because" "$d/logs/server.log"
  _broker_stop_in "$d"
}

@test "one of the leader's two data directories fails under acks=all load: the controller moves the partitions on it to other leaders, the rest stay, every acknowledged record is read back once" {
  local d=$BATS_TEST_TMPDIR t p b1 gone kept
  b1=$(_cluster_broker_dir 1)
  # a second cluster in this file, in a namespace of its own
  cluster_stop_all
  rm -rf "$(_cluster_dir)"
  export ZK_CHROOT=/halfdisk3-$RANDOM
  ext4_loop "$b1/disk"
  cluster_broker_overrides 1 "log.dirs=$b1/disk,$b1/data"
  cluster_start 3 zookeeper.session.timeout.ms=6000 replica.lag.time.max.ms=3000 \
    min.insync.replicas=2 auto.leader.rebalance.enable=false
  t=$(rf3_topic halfdisk 3 "1:2:3,1:3:2,1:2:3")
  for p in 0 1 2; do [ "$(cluster_leader "$t" "$p")" = 1 ]; done
  # broker 1 spreads them over its two directories
  gone=$(partitions_in "$b1/disk" "$t")
  kept=$(partitions_in "$b1/data" "$t")
  echo "on the disk that fails: $gone; on the other: $kept"
  [[ -n $gone && -n $kept ]]
  checker_load "$t" "$d" rd confluent 1200 150
  wait_for 30 lines_at_least "$d/rd.acked" 200
  fs_shutdown "$b1/disk"
  wait_for 20 grep -qF "Stopping serving replicas in dir $b1/disk (kafka.server.ReplicaManager)" "$b1/logs/server.log"
  # the controller learns which replicas are offline and elects without them
  for p in $gone; do
    wait_for 20 leader_not "$t" "$p" 1
    refute grep -qw 1 <<<"$(cluster_isr "$t" "$p" | tr , ' ')"
  done
  grep -h "Mark replicas .* on broker 1 as offline" "$(_cluster_dir)"/b*/logs/state-change.log
  # learnt from broker 1's KAFKA_STORAGE_ERROR answers to LeaderAndIsr, for
  # those partitions only
  for p in $gone; do
    grep -E "Ignoring LeaderAndIsr request .* for partition $t-$p: its log directory is offline" "$b1/logs/state-change.log"
  done
  for p in $kept; do
    refute grep -qE "Ignoring LeaderAndIsr request .* for partition $t-$p: its log directory is offline" "$b1/logs/state-change.log"
    refute grep -qhE "Mark replicas (.*,)?$t-$p(,.*)? on broker 1 as offline" "$(_cluster_dir)"/b*/logs/state-change.log
  done
  grep -h "Handling log directory failure for brokers 1" "$(_cluster_dir)"/b*/logs/controller.log
  # the other directory's partitions stay with broker 1, which keeps running
  for p in $kept; do [ "$(cluster_leader "$t" "$p")" = 1 ]; done
  cluster_broker_alive 1
  refute grep -q "Shutdown broker because" "$b1/logs/server.log"
  checker_verify "$t" "$d" rd
  [[ $output == *"lost 0 duplicated 0"* ]]
  [ "$(line_count "$d/rd.acked")" -ge 200 ]
  # the notification was consumed
  [ -z "$(zk_cmd --chroot "${ZK_CHROOT:-}" children /log_dir_event_notification)" ]
}
