#!/usr/bin/env bats
# Replication throttles as Kafka 2.5 applies them: a follower catching up a
# backlog after a restart (out of the ISR) moves data at about the rate of
# leader.replication.throttled.rate (leader side) or
# follower.replication.throttled.rate (follower side), for the replicas the
# topic's {leader,follower}.replication.throttled.replicas name; deleting
# the rate with kafka-configs.sh lifts the throttle at once, and the rest
# arrives much faster. Both kafka-configs.sh modes (--bootstrap-server,
# --zookeeper) set and describe the configs.
#
# Rate tolerance: the quota is Kafka's (bytes over the last samples of one
# second each, at least one second): the first second lets one second's
# worth through at once, after that the bytes moved stay within one fetch
# (replica.fetch.max.bytes = 1 MiB) of rate x time. Measured from 6 MB to
# 22 MB of the follower's log (past the first second's head start), that
# is +-7%, and the test's 0.2 s polling of the follower's log adds +-5%;
# the rest of the +-30% allowed is for the 500 ms the leader holds a
# throttled fetch, the fetcher's 100 ms retry tick and a loaded CI host.

load test_helper
load cluster_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  cluster_start 2 zookeeper.session.timeout.ms=6000 controlled.shutdown.retry.backoff.ms=500
}

teardown_file() {
  cluster_stop_all
  zk_stop
}

teardown() { cluster_show_logs_on_failure; }

MB=1000000
BACKLOG_MB=26

# log_bytes BROKER TOPIC: bytes in the segments of TOPIC-0 on BROKER.
log_bytes() {
  local s=0 f
  for f in "$BATS_FILE_TMPDIR/cluster/b$1/data/$2-0"/*.log; do
    [[ -e $f ]] && s=$((s + $(stat -c %s "$f")))
  done
  echo "$s"
}

bytes_at_least() { (($(log_bytes "$1" "$2") >= $3)); }

now_ms() { date +%s%3N; }

# ms_to_grow BROKER TOPIC FROM TO TIMEOUT_S: milliseconds the follower's log
# took from FROM to TO bytes.
ms_to_grow() {
  wait_for "$5" bytes_at_least "$1" "$2" "$3" || return 1
  local t0
  t0=$(now_ms)
  wait_for "$5" bytes_at_least "$1" "$2" "$4" || return 1
  echo $(($(now_ms) - t0))
}

# backlog TOPIC [MB]: topic TOPIC-0 on brokers 1 (leader) and 2; broker 2
# stopped (out of the ISR) while MB (26) megabytes are written with acks=1.
backlog() {
  ktool kafka-topics.sh --bootstrap-server "$(cluster_bootstrap)" --create --topic "$1" \
    --replica-assignment 1:2
  cluster_wait_isr "$1" 0 1,2 20
  cluster_broker_stop 2 60
  cluster_wait_isr "$1" 0 1 20
  local mb=${2:-$BACKLOG_MB}
  ktool kafka-producer-perf-test.sh --topic "$1" --num-records $((mb * 100)) \
    --record-size 10000 --throughput -1 \
    --producer-props "bootstrap.servers=$(cluster_addr 1)" acks=1 linger.ms=20 >/dev/null
  (($(log_bytes 1 "$1") >= mb * MB))
}

# within_rate MS BYTES RATE: BYTES in MS milliseconds is RATE +-30%.
within_rate() {
  local got=$(($2 * 1000 / $1))
  echo "moved $2 bytes in $1 ms: $got B/s, throttle $3 B/s"
  ((got >= $3 * 7 / 10 && got <= $3 * 13 / 10))
}

@test "throttle: the leader sends a catching-up follower about leader.replication.throttled.rate (--bootstrap-server); --delete-config lifts it without a restart" {
  local t ms
  t=$(unique_topic lthr)
  backlog "$t" 40
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers --entity-name 1 \
    --alter --add-config leader.replication.throttled.rate=4000000
  [ "$status" -eq 0 ]
  [ "$output" = "Completed updating config for broker 1." ]
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type topics --entity-name "$t" \
    --alter --add-config 'leader.replication.throttled.replicas=[0:1,1:1]'
  [ "$status" -eq 0 ]
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers --entity-name 1 --describe
  [ "$status" -eq 0 ]
  [ "$output" = "Dynamic configs for broker 1 are:
  leader.replication.throttled.rate=4000000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:leader.replication.throttled.rate=4000000}" ]
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type topics --entity-name "$t" --describe
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "  leader.replication.throttled.replicas=0:1,1:1 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:leader.replication.throttled.replicas=0:1,1:1}" ]
  # bad values and configs this broker cannot change: Kafka's errors, nothing written
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers \
    --entity-name 1 --alter --add-config leader.replication.throttled.rate=fast
  [ "$status" -eq 1 ]
  [ "${stderr_lines[1]}" = "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.InvalidRequestException: Invalid config value for resource ConfigResource(type=BROKER, name='1'): Invalid value fast for configuration leader.replication.throttled.rate: Not a number of type LONG" ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers \
    --entity-name 1 --alter --add-config log.retention.ms=1000
  [ "$status" -eq 1 ]
  [ "${stderr_lines[1]}" = "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.InvalidRequestException: Updating broker config log.retention.ms dynamically is not supported by this broker" ]
  # the value every broker reads: /config/brokers/1
  [ "$(zk_cmd get /config/brokers/1)" = '{"version":1,"config":{"leader.replication.throttled.rate":"4000000"}}' ]
  cluster_broker_start 2
  ms=$(ms_to_grow 2 "$t" $((6 * MB)) $((22 * MB)) 30)
  within_rate "$ms" $((16 * MB)) 4000000
  # lifted while the follower is still behind: the rest moves much faster
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers --entity-name 1 \
    --alter --delete-config leader.replication.throttled.rate
  [ "$status" -eq 0 ]
  [ "$output" = "Completed updating config for broker 1." ]
  local t0 from rest
  t0=$(now_ms)
  from=$(log_bytes 2 "$t")
  ((from < 32 * MB))
  wait_for 20 bytes_at_least 2 "$t" "$(log_bytes 1 "$t")"
  ms=$(($(now_ms) - t0))
  rest=$(($(log_bytes 1 "$t") - from))
  echo "unthrottled: $rest bytes in $ms ms, $((rest / 4000)) ms at the throttle"
  ((ms * 4 < rest / 4000))
  cluster_wait_isr "$t" 0 1,2 30
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers --entity-name 1 --describe
  [ "$output" = "Dynamic configs for broker 1 are:" ]
}

@test "throttle: the follower fetches about follower.replication.throttled.rate (--zookeeper), the broker's own rate over the cluster default; in-sync replicas are not throttled" {
  local t ms
  t=$(unique_topic fthr)
  # the cluster default, overridden for broker 2 (set while it runs)
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers --entity-default \
    --alter --add-config follower.replication.throttled.rate=1000000
  [ "$status" -eq 0 ]
  [ "$output" = "Completed updating default config for brokers in the cluster." ]
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-name 2 \
    --alter --add-config follower.replication.throttled.rate=4000000
  [ "$status" -eq 0 ]
  [ "${lines[2]}" = "Completed updating config for entity: brokers '2'." ]
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 2)" --entity-type brokers --entity-name 2 --describe
  [ "$output" = "Dynamic configs for broker 2 are:
  follower.replication.throttled.rate=4000000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:follower.replication.throttled.rate=4000000, DYNAMIC_DEFAULT_BROKER_CONFIG:follower.replication.throttled.rate=1000000}" ]
  run ktool kafka-configs.sh --bootstrap-server "$(cluster_addr 1)" --entity-type brokers --entity-default --describe
  [ "$output" = "Default configs for brokers in the cluster are:
  follower.replication.throttled.rate=1000000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:follower.replication.throttled.rate=1000000}" ]
  backlog "$t"
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" \
    --alter --add-config 'follower.replication.throttled.replicas=0:2'
  [ "$status" -eq 0 ]
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --describe
  [ "${lines[2]}" = "Configs for topic '$t' are follower.replication.throttled.replicas=0:2" ]
  cluster_broker_start 2
  ms=$(ms_to_grow 2 "$t" $((6 * MB)) $((22 * MB)) 30)
  within_rate "$ms" $((16 * MB)) 4000000
  cluster_wait_isr "$t" 0 1,2 30
  # in sync now, so never throttled: 16 MB with acks=all go at full speed
  # (at the throttle, with its window still full, they would need over 4 s)
  local t0
  t0=$(now_ms)
  ktool kafka-producer-perf-test.sh --topic "$t" --num-records 1600 --record-size 10000 --throughput -1 \
    --producer-props "bootstrap.servers=$(cluster_addr 1)" acks=all linger.ms=20 >/dev/null
  ms=$(($(now_ms) - t0))
  echo "16 MB with acks=all in $ms ms"
  ((ms < 2000))
  [ "$(log_bytes 2 "$t")" = "$(log_bytes 1 "$t")" ]
  ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-name 2 \
    --alter --delete-config follower.replication.throttled.rate >/dev/null
  ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-default \
    --alter --delete-config follower.replication.throttled.rate >/dev/null
}
