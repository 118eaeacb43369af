#!/usr/bin/env bats
# kafka-producer-perf-test.sh / kafka-consumer-perf-test.sh: Kafka 2.5's
# report lines (checked by regex), the record counts, payloads, and the
# tools' usage errors.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start num.partitions=2
  PERF_TOPIC=perf-$$
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$PERF_TOPIC" --partitions 2 >/dev/null
  echo "$PERF_TOPIC" >"$BATS_FILE_TMPDIR/perf_topic"
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

perf_topic() { cat "$BATS_FILE_TMPDIR/perf_topic"; }

N='[0-9]+'
F='[0-9]+\.[0-9]+'
# A run that ends within the millisecond it started divides by zero, and
# Kafka's tool prints Java's "Infinity" for the rates then (seen with 300
# records from a payload file).
TOTAL_RE="^($N) records sent, ($F|Infinity) records/sec \(($F|Infinity) MB/sec\), $F ms avg latency, $F ms max latency, $N ms 50th, $N ms 95th, $N ms 99th, $N ms 99\.9th\.$"
WINDOW_RE="^$N records sent, $F records/sec \($F MB/sec\), $F ms avg latency, $F ms max latency\.$"
DATE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}:[0-9]{3}'
HEADER="start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"

@test "producer-perf-test: 20000 x 100 B, the summary line with percentiles, records as kcat reads them" {
  local t
  t=$(perf_topic)
  run --separate-stderr ktool kafka-producer-perf-test.sh --topic "$t" --num-records 20000 --record-size 100 \
    --throughput -1 --producer-props bootstrap.servers="$BROKER" acks=all
  [ "$status" -eq 0 ]
  [[ ${lines[-1]} =~ $TOTAL_RE ]]
  [ "${BASH_REMATCH[1]}" = 20000 ]
  [[ ${lines[-1]} == "20000 records sent, "*" records/sec (1."??" MB/sec)"* || ${lines[-1]} == *" MB/sec)"* ]]
  for l in "${lines[@]:0:${#lines[@]}-1}"; do [[ $l =~ $WINDOW_RE ]]; done
  [ -z "$stderr" ]
  # 20000 records of 100 capital letters, all the same (Random(0) payload)
  run bash -c "timeout -k 5 60 kcat -C -b '$BROKER' -t '$t' -o beginning -e -q -f '%s\n' | sort | uniq -c"
  [ "${#lines[@]}" -eq 1 ]
  [[ ${lines[0]} =~ ^\ *20000\ [A-Z]{100}$ ]]
}

@test "producer-perf-test: throttled run prints the 5 s window lines" {
  local t
  t=$(unique_topic pthr)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run --separate-stderr ktool kafka-producer-perf-test.sh --topic "$t" --num-records 6000 --record-size 10 --throughput 1000 \
    --producer-props bootstrap.servers="$BROKER" linger.ms=5
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -ge 2 ]
  [[ ${lines[0]} =~ $WINDOW_RE ]]
  [[ ${lines[-1]} =~ $TOTAL_RE ]]
  [ "${BASH_REMATCH[1]}" = 6000 ]
  local sum=0 l
  for l in "${lines[@]:0:${#lines[@]}-1}"; do
    [[ $l =~ $WINDOW_RE ]]
    sum=$((sum + ${l%% *}))
  done
  ((sum <= 6000))
}

@test "producer-perf-test: --payload-file, --producer.config, --print-metrics" {
  local t pf="$BATS_TEST_TMPDIR/payloads.txt" cf="$BATS_TEST_TMPDIR/producer.properties"
  t=$(unique_topic ppay)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  printf 'alpha\nbeta\ngamma\n' >"$pf"
  printf 'bootstrap.servers=%s\nkey.serializer=org.apache.kafka.common.serialization.ByteArraySerializer\n' "$BROKER" >"$cf"
  run --separate-stderr ktool kafka-producer-perf-test.sh --topic "$t" --num-records 300 --payload-file "$pf" --throughput -1 \
    --producer.config "$cf" --print-metrics
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Reading payloads from: $pf" ]
  [ "${lines[1]}" = "Number of messages read: 3" ]
  [[ ${lines[2]} =~ $TOTAL_RE ]]
  [ "${BASH_REMATCH[1]}" = 300 ]
  [[ ${lines[3]} =~ ^Metric\ Name\ +Value$ ]]
  grep -Eqx 'producer-metrics:record-send-total:\{client-id=producer-1\} +: 300\.000' <<<"$output"
  [ "$(timeout -k 5 30 kcat -C -b "$BROKER" -t "$t" -o beginning -e -q -f '%s\n' | sort -u | tr '\n' ' ')" = "alpha beta gamma " ]
}

@test "producer-perf-test: argparse4j errors and Kafka's exceptions" {
  run --separate-stderr ktool kafka-producer-perf-test.sh --topic x --num-records 1 --record-size 1 --throughput -1
  [ "$status" -eq 1 ]
  [ "$(tr '\n' ' ' <<<"$stderr" | sed 's/.*producer-performance: error:/error:/; s/  */ /g; s/ $//')" = \
    "error: Either --producer-props or --producer.config must be specified." ]
  run --separate-stderr ktool kafka-producer-perf-test.sh --topic x --num-records 1 --record-size 1 \
    --payload-file /nope --throughput -1 --producer-props a=b
  [ "$status" -eq 1 ]
  # argparse4j wraps (and justifies) the error line at 75 columns
  [ "$(tr '\n' ' ' <<<"$stderr" | sed 's/.*producer-performance: error:/error:/; s/  */ /g; s/ $//')" = \
    "error: argument --payload-file: not allowed with argument --record-size" ]
  run --separate-stderr ktool kafka-producer-perf-test.sh --topic x --num-records 1 --record-size 1 \
    --throughput -1 --producer-props bootstrap.servers
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" java.lang.IllegalArgumentException: Invalid property: bootstrap.servers' ]
  run --separate-stderr ktool kafka-producer-perf-test.sh --num-records 1 --record-size 1 --throughput -1
  [ "$status" -eq 1 ]
  [ "${stderr_lines[-1]}" = "producer-performance: error: argument --topic is required" ]
  run ktool kafka-producer-perf-test.sh
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "usage: producer-performance [-h] --topic TOPIC --num-records NUM-RECORDS" ]]
}

@test "consumer-perf-test: header and data line, counts and MB of the records read" {
  local t
  t=$(perf_topic)
  run --separate-stderr ktool kafka-consumer-perf-test.sh --bootstrap-server "$BROKER" --topic "$t" \
    --messages 20000 --group "cperf-$$" --threads 1 --timeout 20000
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [ "${lines[0]}" = "$HEADER" ]
  [[ ${lines[1]} =~ ^$DATE,\ $DATE,\ 1\.9073,\ ($F|Infinity),\ 20000,\ ($F|Infinity),\ ($N),\ ($N),\ ($F|Infinity|NaN),\ ($F|Infinity|NaN)$ ]]
}

@test "consumer-perf-test: --show-detailed-stats, --hide-header, --from-latest timeout warning" {
  local t
  t=$(perf_topic)
  run ktool kafka-consumer-perf-test.sh --broker-list "$BROKER" --topic "$t" --messages 20000 \
    --show-detailed-stats --reporting-interval 1 --timeout 20000
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec" ]
  [ "${#lines[@]}" -ge 2 ]
  for l in "${lines[@]:1}"; do
    [[ $l =~ ^$DATE,\ 0,\ $F,\ ($F|Infinity),\ $N,\ ($F|Infinity),\ $N,\ -?$N,\ $F,\ $F$ ]]
  done
  # nothing new arrives with --from-latest: Kafka's warning after --timeout
  run ktool kafka-consumer-perf-test.sh --bootstrap-server "$BROKER" --topic "$t" --messages 10 --from-latest \
    --timeout 1500 --hide-header
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "WARNING: Exiting before consuming the expected number of messages: timeout (1500 ms) exceeded. You can use the --timeout option to increase the timeout." ]
  [[ ${lines[1]} =~ ^$DATE,\ $DATE,\ 0\.0000,\ 0\.0000,\ 0,\ 0\.0000, ]]
}

@test "consumer-perf-test: required options as Kafka's tool reports them" {
  run --separate-stderr ktool kafka-consumer-perf-test.sh --topic x --messages 1
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" joptsimple.MissingRequiredOptionsException: Missing required option(s) [bootstrap-server]' ]
  run --separate-stderr ktool kafka-consumer-perf-test.sh --bootstrap-server "$BROKER" --topic x
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[messages]"' ]
}
