#!/usr/bin/env bats
# The tools built on librdkafka print Kafka 2.5's client log lines, never
# librdkafka's own "%N|time|FAC|..." lines: each tool is started with no
# broker listening and must print NetworkClient's WARN in the log4j layout
# ("[date] WARN [Consumer clientId=.., groupId=..] Connection to node -1
# (/127.0.0.1:P) could not be established. Broker may not be available.
# (org.apache.kafka.clients.NetworkClient)"), repeated per reconnect
# attempt, on stderr (Connect: in its own log on stdout) and nothing on the
# stdout that scripts parse; then the broker starts on that port and the
# tool must carry on and finish its work. A topic the broker is creating
# (LEADER_NOT_AVAILABLE) or does not have (UNKNOWN_TOPIC_OR_PARTITION) is
# reported with NetworkClient's "Error while fetching metadata" line, a
# failed SASL authentication with its "failed authentication due to" ERROR.
# kafka-consumer-groups (our own admin client, not librdkafka) logs the
# AdminClient's WARN alike.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  # the port the broker will listen on, chosen before any tool runs
  mkdir -p "$BATS_FILE_TMPDIR/broker"
  free_port >"$BATS_FILE_TMPDIR/broker/port"
}

teardown_file() { stop_all; }

setup() {
  PORT=$(cat "$BATS_FILE_TMPDIR/broker/port")
  B="127.0.0.1:$PORT"
  T=$BATS_TEST_TMPDIR
}

teardown() {
  local p
  for p in "$T"/*.pid; do
    [[ -f $p ]] || continue
    if pid_alive "$(cat "$p")"; then
      kill -KILL "$(cat "$p")" 2>/dev/null || true
      wait_pid_exit "$(cat "$p")" 10 || true
    fi
  done
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    for p in "$T"/*.out "$T"/*.err; do
      [[ -f $p ]] && { echo "--- $p"; tail -n 30 "$p"; }
    done
    broker_log_tail 20
  fi
  broker_stop 30 || true
}

# bg NAME CMD...: CMD in the background, stdout in $T/NAME.out, stderr in
# $T/NAME.err, its pid in $T/NAME.pid; stdin is bg's (an asynchronous
# command's would be /dev/null).
bg() {
  local name=$1
  shift
  "$@" <&0 >"$T/$name.out" 2>"$T/$name.err" 3>&- &
  echo $! >"$T/$name.pid"
}

# finish NAME TIMEOUT_S: wait for NAME to exit; its status in FINISHED.
finish() {
  local pid deadline=$((SECONDS + $2))
  pid=$(cat "$T/$1.pid")
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      echo "$1 still running after $2 s" >&2
      return 1
    fi
    sleep 0.1
  done
  FINISHED=0
  wait "$pid" || FINISHED=$?
}

# not_connected_line CLIENT: NetworkClient's line for the bootstrap server
# (node -1) refusing connections, without the timestamp.
not_connected_line() {
  echo "WARN $1 Connection to node -1 (/127.0.0.1:$PORT) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)"
}

# count_lines FILE LINE: lines of FILE that are "[date time,ms] LINE".
count_lines() {
  grep -E '^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}\] ' "$1" |
    cut -d' ' -f3- | grep -cxF -- "$2" || true
}

# repeated FILE LINE N: LINE printed at least N times.
repeated() { (($(count_lines "$1" "$2") >= $3)); }

# no_librdkafka_lines FILE...: no "%3|1796..|FAIL|..." line anywhere.
no_librdkafka_lines() {
  if grep -nE '^%[0-9]+\|' "$@"; then
    echo "librdkafka's own log lines above" >&2
    return 1
  fi
}

# log4j_only FILE [ALLOWED_RE]: every line of FILE is a log4j line of a Kafka
# logger, or matches ALLOWED_RE (a tool's own non-log output).
log4j_only() {
  local bad
  bad=$(grep -vE '^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}\] (WARN|ERROR) .* \((org\.apache\.kafka|kafka)\.[A-Za-z.$]+(:[0-9?]+)?\)$' "$1" |
    grep -vE "${2:-^\$^}" || true)
  if [[ -n $bad ]]; then
    echo "lines of $1 outside the log4j layout:" >&2
    echo "$bad" >&2
    return 1
  fi
}

# warned_then_broker NAME CLIENT [STREAM]: NAME's STREAM (err) shows Kafka's
# line at least twice (a reconnect, not a one-off), no librdkafka line; then
# the broker starts on the port.
warned_then_broker() {
  local f="$T/$1.${3:-err}" line
  line=$(not_connected_line "$2")
  wait_for 20 repeated "$f" "$line" 2
  no_librdkafka_lines "$T/$1.out" "$T/$1.err"
  broker_start >/dev/null 5>&- # fd 5: the console producer's input, see below
}

@test "console-producer: Kafka's WARN while no broker listens, then the queued line is delivered" {
  local t
  t=$(unique_topic lp)
  mkfifo "$T/in"
  exec 5<>"$T/in" # the writer end stays here; closing it is the producer's EOF
  bg producer "$REPO_ROOT/bin/kafka-console-producer.sh" --bootstrap-server "$B" --topic "$t" <"$T/in" 5>&-
  echo "before-broker-$$" >&5
  warned_then_broker producer "[Producer clientId=console-producer]"
  exec 5>&-
  finish producer 60
  [ "$FINISHED" -eq 0 ]
  timeout -k 5 30 kcat -C -b "$B" -t "$t" -o beginning -e -q -f '%s\n' | grep -qxF "before-broker-$$"
  # the broker created the topic on the producer's Metadata request
  grep -E "^\[[^]]+\] WARN \[Producer clientId=console-producer\] Error while fetching metadata with correlation id [0-9]+ : \{$t=LEADER_NOT_AVAILABLE\} \(org\.apache\.kafka\.clients\.NetworkClient\)$" \
    "$T/producer.err"
  no_librdkafka_lines "$T/producer.out" "$T/producer.err"
  log4j_only "$T/producer.err"
  # stdout: only the prompts
  [[ $(tr -d '>' <"$T/producer.out") == "" ]]
}

@test "console-consumer: Kafka's WARN with clientId and groupId, then it consumes; stdout holds the records only" {
  local t
  t=$(unique_topic lc)
  bg consumer "$REPO_ROOT/bin/kafka-console-consumer.sh" --bootstrap-server "$B" --topic "$t" --group "g-$t" \
    --from-beginning --max-messages 2
  warned_then_broker consumer "[Consumer clientId=consumer-g-$t-1, groupId=g-$t]"
  printf 'r1\nr2\n' | timeout -k 5 30 kcat -P -b "$B" -t "$t" -X message.timeout.ms=20000
  finish consumer 60
  [ "$FINISHED" -eq 0 ]
  [ "$(cat "$T/consumer.out")" = $'r1\nr2' ]
  no_librdkafka_lines "$T/consumer.out" "$T/consumer.err"
  log4j_only "$T/consumer.err" '^Processed a total of 2 messages$'
}

@test "console-consumer: an unknown topic is NetworkClient's 'Error while fetching metadata' line" {
  local t
  t=$(unique_topic lu)
  broker_start auto.create.topics.enable=false
  bg consumer "$REPO_ROOT/bin/kafka-console-consumer.sh" --bootstrap-server "$B" --topic "$t" --group "g-$t" \
    --timeout-ms 4000
  finish consumer 30
  [ "$FINISHED" -eq 0 ]
  grep -E "^\[[^]]+\] WARN \[Consumer clientId=consumer-g-$t-1, groupId=g-$t\] Error while fetching metadata with correlation id [0-9]+ : \{$t=UNKNOWN_TOPIC_OR_PARTITION\} \(org\.apache\.kafka\.clients\.NetworkClient\)$" \
    "$T/consumer.err"
  no_librdkafka_lines "$T/consumer.out" "$T/consumer.err"
  log4j_only "$T/consumer.err" '^(Processed a total of 0 messages|org\.apache\.kafka\.common\.errors\.TimeoutException)$'
  [ ! -s "$T/consumer.out" ]
}

@test "verifiable-producer: Kafka's WARN on stderr, only JSON events on stdout, every message acked" {
  local t
  t=$(unique_topic lvp)
  bg vprod "$REPO_ROOT/bin/kafka-verifiable-producer.sh" --bootstrap-server "$B" --topic "$t" --max-messages 5
  warned_then_broker vprod "[Producer clientId=producer-1]"
  finish vprod 60
  [ "$FINISHED" -eq 0 ]
  "$PY" - "$T/vprod.out" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert sum(e["name"] == "producer_send_success" for e in ev) == 5, ev
assert ev[-1]["name"] == "tool_data" and ev[-1]["acked"] == 5, ev[-1]
EOF
  no_librdkafka_lines "$T/vprod.out" "$T/vprod.err"
  log4j_only "$T/vprod.err"
}

@test "verifiable-consumer: Kafka's WARN on stderr, only JSON events on stdout, the records consumed" {
  local t
  t=$(unique_topic lvc)
  bg vcons "$REPO_ROOT/bin/kafka-verifiable-consumer.sh" --bootstrap-server "$B" --topic "$t" --group-id "g-$t" \
    --max-messages 3
  warned_then_broker vcons "[Consumer clientId=consumer-1, groupId=g-$t]"
  printf 'a\nb\nc\n' | timeout -k 5 30 kcat -P -b "$B" -t "$t" -X message.timeout.ms=20000
  finish vcons 60
  [ "$FINISHED" -eq 0 ]
  "$PY" - "$T/vcons.out" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert sum(e["count"] for e in ev if e["name"] == "records_consumed") == 3, ev
assert ev[-1]["name"] == "shutdown_complete", ev[-1]
EOF
  no_librdkafka_lines "$T/vcons.out" "$T/vcons.err"
  log4j_only "$T/vcons.err"
}

@test "producer-perf-test: Kafka's WARN on stderr, then every record sent and the summary on stdout" {
  local t
  t=$(unique_topic lpp)
  bg pperf "$REPO_ROOT/bin/kafka-producer-perf-test.sh" --topic "$t" --num-records 20 --record-size 10 \
    --throughput -1 --producer-props "bootstrap.servers=$B"
  warned_then_broker pperf "[Producer clientId=producer-1]"
  finish pperf 60
  [ "$FINISHED" -eq 0 ]
  grep -qE '^20 records sent, [0-9.]+ records/sec' "$T/pperf.out"
  [ "$(timeout -k 5 30 kcat -C -b "$B" -t "$t" -o beginning -e -q -f '%o\n' | wc -l)" -eq 20 ]
  no_librdkafka_lines "$T/pperf.out" "$T/pperf.err"
  log4j_only "$T/pperf.err"
}

@test "consumer-perf-test: Kafka's WARN on stderr, then the records counted on stdout" {
  local t
  t=$(unique_topic lcp)
  bg cperf "$REPO_ROOT/bin/kafka-consumer-perf-test.sh" --bootstrap-server "$B" --topic "$t" --messages 3 \
    --timeout 60000 --group "g-$t"
  warned_then_broker cperf "[Consumer clientId=consumer-1, groupId=g-$t]"
  printf 'a\nb\nc\n' | timeout -k 5 30 kcat -P -b "$B" -t "$t" -X message.timeout.ms=20000
  finish cperf 90
  [ "$FINISHED" -eq 0 ]
  [ "$(sed -n 1p "$T/cperf.out")" = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec" ]
  [ "$(sed -n 2p "$T/cperf.out" | cut -d, -f5 | tr -d ' ')" = 3 ]
  [ "$(wc -l <"$T/cperf.out")" -eq 2 ]
  no_librdkafka_lines "$T/cperf.out" "$T/cperf.err"
  log4j_only "$T/cperf.err"
}

@test "connect-standalone: the cluster-id lookup logs Kafka's WARN in Connect's log, then the source runs" {
  local t
  t=$(unique_topic lcs)
  printf 'line-1\nline-2\n' >"$T/source.txt"
  sed -e "s|^bootstrap.servers=.*|bootstrap.servers=$B|" \
    -e "s|^offset.storage.file.filename=.*|offset.storage.file.filename=$T/connect.offsets|" \
    -e "s|^offset.flush.interval.ms=.*|offset.flush.interval.ms=300|" \
    "$REPO_ROOT/config/connect-standalone.properties" >"$T/worker.properties"
  printf '%s\n' value.converter=org.apache.kafka.connect.storage.StringConverter >>"$T/worker.properties"
  printf '%s\n' name=log-lines-source connector.class=FileStreamSource tasks.max=1 "file=$T/source.txt" \
    "topic=$t" >"$T/source.properties"
  cd "$T"
  LOG_DIR="$T/logs" bg connect "$REPO_ROOT/bin/connect-standalone.sh" "$T/worker.properties" "$T/source.properties"
  # Connect's layout: "(logger:line)", ? where the line is not known
  local line
  line=$(not_connected_line "[AdminClient clientId=adminclient-1]")
  line=${line%)}:?\)
  wait_for 20 repeated "$T/connect.out" "$line" 2
  no_librdkafka_lines "$T/connect.out" "$T/connect.err"
  broker_start >/dev/null
  wait_for 30 grep -q 'Created connector log-lines-source' "$T/connect.out"
  # the source's producer creates the topic; a consumer started before that
  # ends at once with "Unknown topic or partition"
  wait_for 30 kcat_partitions_is "$t" 1
  [ "$(timeout -k 5 30 kcat -C -b "$B" -t "$t" -o beginning -c 2 -q -f '%s\n')" = $'line-1\nline-2' ]
  kill -TERM "$(cat "$T/connect.pid")"
  finish connect 30
  [ "$FINISHED" -eq 143 ]
  no_librdkafka_lines "$T/connect.out" "$T/connect.err"
  [ ! -s "$T/connect.err" ]
}

@test "consumer-groups: the admin client's WARN while no broker listens, then it lists the group" {
  local t
  t=$(unique_topic lg)
  bg groups "$REPO_ROOT/bin/kafka-consumer-groups.sh" --bootstrap-server "$B" --list --timeout 60000
  warned_then_broker groups "[AdminClient clientId=adminclient-1]"
  finish groups 60
  [ "$FINISHED" -eq 0 ]
  # stdout: the groups of this file's earlier tests, nothing else
  refute grep -v '^g-l[a-z]*-[0-9]*-[0-9]*$' "$T/groups.out"
  log4j_only "$T/groups.err"
  # a group committed after the broker is up is listed
  echo x | timeout -k 5 30 kcat -P -b "$B" -t "$t" -X message.timeout.ms=20000
  timeout -k 5 30 kcat -C -b "$B" -G "g-$t" -e -q -X auto.offset.reset=earliest "$t" >/dev/null
  run --separate-stderr ktool kafka-consumer-groups.sh --bootstrap-server "$B" --list
  [ "$status" -eq 0 ]
  [[ $output == *"g-$t"* ]]
  [ -z "$stderr" ]
}

@test "console-producer: a failed SASL authentication is NetworkClient's ERROR line" {
  broker_start
  mkfifo "$T/in"
  exec 5<>"$T/in" # input that stays open: the producer keeps trying
  bg producer "$REPO_ROOT/bin/kafka-console-producer.sh" --bootstrap-server "$B" --topic "$(unique_topic la)" \
    --producer-property security.protocol=SASL_PLAINTEXT --producer-property sasl.mechanism=PLAIN \
    --producer-property sasl.username=u --producer-property sasl.password=p <"$T/in" 5>&-
  echo "never-delivered" >&5
  # this broker's listener is PLAINTEXT: no SASL handshake
  local line="ERROR [Producer clientId=console-producer] Connection to node -1 (/127.0.0.1:$PORT) failed authentication due to: Failed to initialize SASL authentication: SASL Handshake not supported by broker (required by mechanism PLAIN) (org.apache.kafka.clients.NetworkClient)"
  wait_for 20 repeated "$T/producer.err" "$line" 1
  no_librdkafka_lines "$T/producer.out" "$T/producer.err"
  log4j_only "$T/producer.err"
  exec 5>&-
}
