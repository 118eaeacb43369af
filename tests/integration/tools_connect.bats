#!/usr/bin/env bats
# connect-standalone.sh: the Kafka quick-start's Connect step verbatim
# (FileStreamSource + FileStreamSink with the sample configs), the
# converters' bytes checked with kcat, restarts resuming from the stored
# offsets, SIGTERM / SIGINT stops, a record the converter rejects, and the
# usage / error exits.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
}

teardown_file() { stop_all; }

teardown() {
  if [[ -n ${CONNECT_PID:-} ]] && pid_alive "$CONNECT_PID"; then
    kill -KILL "$CONNECT_PID" 2>/dev/null || true
    wait_pid_exit "$CONNECT_PID" 10 || true
  fi
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
    echo "--- connect-standalone output (last 60 lines)"
    tail -n 60 "$BATS_TEST_TMPDIR/connect.out" 2>/dev/null || true
    broker_log_tail 20
  fi
}

# worker_props FILE [key=value...]: Kafka's sample worker config pointed at
# the test broker, the offsets file in the test's directory, fast flushes;
# extra settings appended (a later key wins).
worker_props() {
  local file=$1
  shift
  sed -e "s|^bootstrap.servers=.*|bootstrap.servers=$BROKER|" \
    -e "s|^offset.storage.file.filename=.*|offset.storage.file.filename=$BATS_TEST_TMPDIR/connect.offsets|" \
    -e "s|^offset.flush.interval.ms=.*|offset.flush.interval.ms=300|" \
    "$REPO_ROOT/config/connect-standalone.properties" >"$file"
  if (($# > 0)); then printf '%s\n' "$@" >>"$file"; fi
}

# connect_start ARGS...: bin/connect-standalone.sh ARGS in the background
# (cwd $BATS_TEST_TMPDIR, output appended to connect.out); waits for
# "Kafka Connect started" and one "Created connector" per connector file.
connect_start() {
  local out="$BATS_TEST_TMPDIR/connect.out" before=0 want=$(($# - 1))
  [[ -f $out ]] && before=$(grep -c 'Created connector' "$out" || true)
  cd "$BATS_TEST_TMPDIR"
  LOG_DIR="$BATS_TEST_TMPDIR/logs" "$REPO_ROOT/bin/connect-standalone.sh" "$@" >>"$out" 2>&1 </dev/null 3>&- &
  CONNECT_PID=$!
  wait_for 30 connect_created "$out" $((before + want))
}

connect_created() {
  pid_alive "$CONNECT_PID" || { echo "connect-standalone exited early" >&2; return 2; }
  (($(grep -c 'Created connector' "$1" || true) >= $2))
}

# connect_stop [SIGNAL]: signal the worker, wait (bounded); its exit status
# goes to CONNECT_STATUS (255: still running after 30 s).
connect_stop() {
  CONNECT_STATUS=0
  kill -"${1:-TERM}" "$CONNECT_PID"
  wait_pid_exit_status "$CONNECT_PID" 30 || CONNECT_STATUS=$?
}

# wait_pid_exit_status PID TIMEOUT_S: waits for our child PID, returns its
# exit status (255 if it did not exit in time).
wait_pid_exit_status() {
  local pid=$1 deadline=$((SECONDS + $2))
  while pid_alive "$pid"; do
    ((SECONDS < deadline)) || return 255
    sleep 0.1
  done
  wait "$pid"
}

kcat_read() {
  timeout -k 5 30 kcat -C -b "$BROKER" -t "$1" -o beginning -e -q -f "${2:-%s\n}"
}

sink_is() {
  [[ -f $1 && "$(cat "$1")" == "$2" ]]
}

@test "connect: the quick-start's source + sink move test.txt into test.sink.txt with the JsonConverter envelope" {
  cd "$BATS_TEST_TMPDIR"
  worker_props connect-standalone.properties
  # Kafka quick-start, step 7, verbatim (config/ files as shipped)
  echo -e "foo\nbar" > test.txt
  connect_start connect-standalone.properties "$REPO_ROOT/config/connect-file-source.properties" \
    "$REPO_ROOT/config/connect-file-sink.properties"
  wait_for 30 sink_is test.sink.txt $'foo\nbar'
  [ "$(kcat_read connect-test '%K|%s\n')" = '-1|{"schema":{"type":"string","optional":false},"payload":"foo"}
-1|{"schema":{"type":"string","optional":false},"payload":"bar"}' ]
  echo Another line>> test.txt
  wait_for 30 sink_is test.sink.txt $'foo\nbar\nAnother line'
  [ "$(kcat_read connect-test | tail -n 1)" = '{"schema":{"type":"string","optional":false},"payload":"Another line"}' ]
  connect_stop TERM
  [ "$CONNECT_STATUS" = 143 ]
  grep -q '\] INFO Kafka Connect started (org.apache.kafka.connect.runtime.Connect:57)$' connect.out
  grep -q '\] INFO Kafka Connect stopping (org.apache.kafka.connect.runtime.Connect:67)$' connect.out
  grep -q '\] INFO Kafka Connect stopped (org.apache.kafka.connect.runtime.Connect:72)$' connect.out
  grep -q 'INFO Created connector local-file-source (org.apache.kafka.connect.cli.ConnectStandalone:112)' connect.out
  grep -q 'Kafka Connect stopped' logs/connect.log
  # the source's position is the file's size, keyed as Kafka keys it
  [ "$(cat connect.offsets)" = "# connect-standalone offsets v1
[\"local-file-source\",{\"filename\":\"test.txt\"}]	{\"position\":21}" ]
}

@test "connect: StringConverter writes the lines' bytes as they are and the sink prints them back" {
  cd "$BATS_TEST_TMPDIR"
  local t
  t=$(unique_topic cstr)
  worker_props w.properties key.converter=org.apache.kafka.connect.storage.StringConverter \
    value.converter=org.apache.kafka.connect.storage.StringConverter
  printf 'name=s\nconnector.class=FileStreamSource\nfile=%s/in.txt\ntopic=%s\n' "$BATS_TEST_TMPDIR" "$t" >src.properties
  printf 'name=k'"$BATS_TEST_NUMBER"'\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\nfile=out.txt\ntopics=%s\n' \
    "$t" >sink.properties
  printf 'plain\ttab "quoted" \\back\nh\xc3\xa9llo \xe2\x82\xac\r\ncr only\rbad \xff byte\n{"json":1}\npartial' >in.txt
  connect_start w.properties src.properties sink.properties
  wait_for 30 lines_at_least out.txt 5
  [ "$(kcat_read "$t" '%K|%s\n')" = $'-1|plain\ttab "quoted" \\back\n-1|h\xc3\xa9llo \xe2\x82\xac\n-1|cr only\n-1|bad \xef\xbf\xbd byte\n-1|{"json":1}' ]
  [ "$(cat out.txt)" = $'plain\ttab "quoted" \\back\nh\xc3\xa9llo \xe2\x82\xac\ncr only\nbad \xef\xbf\xbd byte\n{"json":1}' ]
  # the partial line goes out once it is complete
  echo " now complete" >>in.txt
  wait_for 30 lines_at_least out.txt 6
  [ "$(tail -n 1 out.txt)" = "partial now complete" ]
  connect_stop INT
  [ "$CONNECT_STATUS" = 130 ]
}

@test "connect: JsonConverter without schemas writes bare JSON strings with Jackson's escapes" {
  cd "$BATS_TEST_TMPDIR"
  local t
  t=$(unique_topic cjson)
  worker_props w.properties value.converter.schemas.enable=false
  printf 'name=s\nconnector.class=FileStreamSourceConnector\nfile=in.txt\ntopic=%s\n' "$t" >src.properties
  printf 'name=k'"$BATS_TEST_NUMBER"'\nconnector.class=FileStreamSink\nfile=out.txt\ntopics=%s\n' "$t" >sink.properties
  printf 'a "q" \\ \t\x01 \xc3\xa9\n' >in.txt
  connect_start w.properties src.properties sink.properties
  wait_for 30 lines_at_least out.txt 1
  [ "$(kcat_read "$t")" = '"a \"q\" \\ \t\u0001 é"' ]
  [ "$(cat out.txt)" = $'a "q" \\ \t\x01 \xc3\xa9' ]
  connect_stop
  [ "$CONNECT_STATUS" = 143 ]
}

@test "connect: the sink prints JsonConverter payloads as Kafka's FileStreamSink does (Java toString)" {
  cd "$BATS_TEST_TMPDIR"
  local t
  t=$(unique_topic cpay)
  worker_props w.properties
  printf 'name=k'"$BATS_TEST_NUMBER"'\nconnector.class=FileStreamSink\nfile=out.txt\ntopics=%s\n' "$t" >sink.properties
  cat >records.txt <<'EOF'
{"schema":{"type":"string","optional":false},"payload":"foo"}
{"schema":{"type":"int32","optional":false},"payload":42}
{"schema":{"type":"double","optional":false},"payload":1.5}
{"schema":{"type":"float","optional":false},"payload":1e10}
{"schema":{"type":"int64","optional":false},"payload":10000000000}
{"schema":{"type":"boolean","optional":true},"payload":null}
{"schema":{"type":"array","items":{"type":"string","optional":false},"optional":false},"payload":["a","b"]}
{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"name"},{"type":"int32","optional":true,"field":"age"},{"type":"int32","optional":true,"field":"x"}],"optional":false},"payload":{"name":"bob","age":7}}
{"schema":null,"payload":{"b":1,"a":[1,2.5,"s",null,true]}}
{"schema":null,"payload":0.0001}
EOF
  timeout -k 5 30 kcat -P -b "$BROKER" -t "$t" -l records.txt
  connect_start w.properties sink.properties
  wait_for 30 lines_at_least out.txt 10
  [ "$(cat out.txt)" = 'foo
42
1.5
1.0E10
10000000000
null
[a, b]
Struct{name=bob,age=7}
{a=[1, 2.5, s, null, true], b=1}
1.0E-4' ]
  connect_stop
  [ "$CONNECT_STATUS" = 143 ]
}

@test "connect: a restart resumes from the stored offsets: no line is produced or written twice" {
  cd "$BATS_TEST_TMPDIR"
  local t
  t=$(unique_topic cres)
  worker_props w.properties
  printf 'name=src\nconnector.class=FileStreamSource\nfile=in.txt\ntopic=%s\n' "$t" >src.properties
  printf 'name=snk\nconnector.class=FileStreamSink\nfile=out.txt\ntopics=%s\n' "$t" >sink.properties
  seq 1 3 >in.txt
  connect_start w.properties src.properties sink.properties
  wait_for 30 lines_at_least out.txt 3
  # flushed while running (offset.flush.interval.ms=300), not only on stop
  wait_for 10 grep -qxF $'["src",{"filename":"in.txt"}]\t{"position":6}' connect.offsets
  connect_stop
  [ "$CONNECT_STATUS" = 143 ]
  grep -qxF $'["src",{"filename":"in.txt"}]\t{"position":6}' connect.offsets
  seq 4 6 >>in.txt
  connect_start w.properties src.properties sink.properties
  wait_for 30 lines_at_least out.txt 6
  connect_stop
  [ "$CONNECT_STATUS" = 143 ]
  # once more, with one line written while it runs
  connect_start w.properties src.properties sink.properties
  seq 7 7 >>in.txt
  wait_for 30 lines_at_least out.txt 7
  sleep 1
  connect_stop
  [ "$CONNECT_STATUS" = 143 ]
  [ "$(cat out.txt)" = "$(seq 1 7)" ]
  # each line was produced once
  run kcat_read "$t"
  [ "$(sed -E 's/^\{"schema":\{"type":"string","optional":false\},"payload":"([0-9]+)"\}$/\1/' <<<"$output" | sort -n)" = "$(seq 1 7)" ]
  grep -qxF $'["src",{"filename":"in.txt"}]\t{"position":14}' connect.offsets
}

@test "connect: a source file that does not exist yet is waited for" {
  cd "$BATS_TEST_TMPDIR"
  local t
  t=$(unique_topic cwait)
  worker_props w.properties
  printf 'name=s\nconnector.class=FileStreamSource\nfile=later.txt\ntopic=%s\n' "$t" >src.properties
  printf 'name=k'"$BATS_TEST_NUMBER"'\nconnector.class=FileStreamSink\nfile=out.txt\ntopics=%s\n' "$t" >sink.properties
  connect_start w.properties src.properties sink.properties
  wait_for 10 grep -q "WARN Couldn't find file later.txt for FileStreamSourceTask, sleeping to wait for it to be created" connect.out
  echo hello >later.txt
  wait_for 30 sink_is out.txt hello
  connect_stop
  [ "$CONNECT_STATUS" = 143 ]
}

@test "connect: a record the JsonConverter rejects kills the sink task, the worker keeps running" {
  cd "$BATS_TEST_TMPDIR"
  local t
  t=$(unique_topic cbad)
  worker_props w.properties
  printf 'name=k'"$BATS_TEST_NUMBER"'\nconnector.class=FileStreamSink\nfile=out.txt\ntopics=%s\n' "$t" >sink.properties
  printf '{"schema":{"type":"string","optional":false},"payload":"ok"}\nnot json at all\n' |
    timeout -k 5 30 kcat -P -b "$BROKER" -t "$t"
  connect_start w.properties sink.properties
  wait_for 30 grep -q 'Task is being killed and will not recover until manually restarted' connect.out
  grep -q "ERROR WorkerSinkTask{id=k$BATS_TEST_NUMBER-0} Task threw an uncaught and unrecoverable exception (org.apache.kafka.connect.runtime.WorkerTask:186)" connect.out
  grep -qxF 'Caused by: org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error: ' connect.out
  [ "$(cat out.txt)" = ok ]
  pid_alive "$CONNECT_PID"
  connect_stop
  [ "$CONNECT_STATUS" = 143 ]
}

@test "connect: usage and error exits as ConnectStandalone's (1 usage, 2 worker, 3 connector)" {
  cd "$BATS_TEST_TMPDIR"
  run ktool connect-standalone.sh
  [ "$status" -eq 1 ]
  [[ $output == "USAGE: "*"/connect-standalone.sh [-daemon] connect-standalone.properties" ]]
  export LOG_DIR="$BATS_TEST_TMPDIR/logs"
  run ktool connect-standalone.sh "$REPO_ROOT/config/connect-standalone.properties"
  [ "$status" -eq 1 ]
  [[ $output == *"] INFO Usage: ConnectStandalone worker.properties connector1.properties [connector2.properties ...] (org.apache.kafka.connect.cli.ConnectStandalone:63)" ]]
  run ktool connect-standalone.sh missing.properties "$REPO_ROOT/config/connect-file-source.properties"
  [ "$status" -eq 2 ]
  [[ $output == *"ERROR Stopping due to error (org.apache.kafka.connect.cli.ConnectStandalone:130)"$'\n'"java.nio.file.NoSuchFileException: missing.properties" ]]
  printf 'bootstrap.servers=%s\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\n' "$BROKER" >nokey.properties
  run ktool connect-standalone.sh nokey.properties "$REPO_ROOT/config/connect-file-source.properties"
  [ "$status" -eq 2 ]
  [[ $output == *'org.apache.kafka.common.config.ConfigException: Missing required configuration "key.converter" which has no default value.' ]]
  worker_props w.properties
  printf 'name=x\nconnector.class=FileStreamSource\n' >notopic.properties
  run ktool connect-standalone.sh w.properties notopic.properties
  [ "$status" -eq 3 ]
  [[ $output == *"ERROR Failed to create job for notopic.properties"* ]]
  [[ $output == *'Missing required configuration "topic" which has no default value.'* ]]
  [[ $output == *"INFO Kafka Connect stopped (org.apache.kafka.connect.runtime.Connect:72)" ]]
  printf 'name=x\nconnector.class=NoSuchConnector\n' >nocls.properties
  run ktool connect-standalone.sh w.properties nocls.properties
  [ "$status" -eq 3 ]
  # an unreachable cluster: a clear error within the timeout
  worker_props unreach.properties "bootstrap.servers=127.0.0.1:$(free_port)" default.api.timeout.ms=2000
  run ktool connect-standalone.sh unreach.properties "$REPO_ROOT/config/connect-file-source.properties"
  [ "$status" -eq 2 ]
  [[ $output == *"Failed to connect to and describe Kafka cluster. Check worker's broker connection and security properties." ]]
}
