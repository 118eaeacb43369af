#!/usr/bin/env bats
# kafka-topics.sh against the broker: the Kafka quick-start and book command
# lines verbatim, Kafka 2.5's exact output lines (tabs included) and exit
# codes, cross-checked with kcat's view of the cluster.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start num.partitions=1
}

teardown_file() { stop_all; }
teardown() {
  show_logs_on_failure
  _broker_stop_in "$BATS_FILE_TMPDIR/paused" 10 # the paused broker's test
}

TAB=$'\t'

@test "topics: --create prints 'Created topic X.' and kcat sees the partitions" {
  local t
  t=$(unique_topic quickstart)
  run ktool kafka-topics.sh --create --topic "$t" --bootstrap-server "$BROKER" --partitions 3 --replication-factor 1
  [ "$status" -eq 0 ]
  [ "$output" = "Created topic $t." ]
  wait_for 10 kcat_partitions_is "$t" 3
}

@test "topics: --create of an existing topic fails; --if-not-exists succeeds silently" {
  local t
  t=$(unique_topic exists)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Topic $t already exists" ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --if-not-exists --topic "$t"
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
}

@test "topics: --describe prints Kafka's header and tab-separated partition lines" {
  local t
  t=$(unique_topic describe)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 2 \
    --config retention.ms=3600000 --config cleanup.policy=compact
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --describe --topic "$t"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  # Configs in java.util.HashMap order, as Kafka prints them
  [ "${lines[0]}" = "Topic: $t${TAB}PartitionCount: 2${TAB}ReplicationFactor: 1${TAB}Configs: cleanup.policy=compact,retention.ms=3600000" ]
  [ "${lines[1]}" = "${TAB}Topic: $t${TAB}Partition: 0${TAB}Leader: 1${TAB}Replicas: 1${TAB}Isr: 1" ]
  [ "${lines[2]}" = "${TAB}Topic: $t${TAB}Partition: 1${TAB}Leader: 1${TAB}Replicas: 1${TAB}Isr: 1" ]
}

@test "topics: --describe of a topic without overrides has an empty Configs field" {
  local t
  t=$(unique_topic plain)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --describe --topic "$t"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Topic: $t${TAB}PartitionCount: 1${TAB}ReplicationFactor: 1${TAB}Configs: " ]
  # the report filters print nothing on a healthy single-broker cluster
  for f in --under-replicated-partitions --unavailable-partitions --under-min-isr-partitions; do
    run ktool kafka-topics.sh --bootstrap-server "$BROKER" --describe --topic "$t" "$f"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
  done
  # min.insync.replicas defaults to 1 and the ISR has 1 replica
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --describe --topic "$t" --at-min-isr-partitions
  [ "$output" = "${TAB}Topic: $t${TAB}Partition: 0${TAB}Leader: 1${TAB}Replicas: 1${TAB}Isr: 1" ]
}

@test "topics: --topics-with-overrides shows only topics that have overrides" {
  local a b
  a=$(unique_topic ovr-a)
  b=$(unique_topic ovr-b)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$a" --config max.message.bytes=2000000
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$b"
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --describe --topics-with-overrides --topic "$a|$b"
  [ "$status" -eq 0 ]
  [ "$output" = "Topic: $a${TAB}PartitionCount: 1${TAB}ReplicationFactor: 1${TAB}Configs: max.message.bytes=2000000" ]
}

@test "topics: --list is sorted, takes a regex, and --exclude-internal works" {
  local p
  p=lst$RANDOM
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$p-b"
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$p-a"
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "other-$p"
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --list --topic "$p-.*"
  [ "$status" -eq 0 ]
  [ "$output" = "$p-a"$'\n'"$p-b" ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --list
  [ "$status" -eq 0 ]
  echo "$output" | grep -qx "other-$p"
  # every topic kcat lists is listed, and sorted
  diff <(printf '%s\n' "$output") <(printf '%s\n' "$output" | LC_ALL=C sort)
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --list --exclude-internal --topic "nomatch-$p"
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
}

@test "topics: --alter --partitions grows a topic; shrinking fails as Kafka's does" {
  local t
  t=$(unique_topic alter)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 2
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --alter --topic "$t" --partitions 5
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  wait_for 10 kcat_partitions_is "$t" 5
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --alter --topic "$t" --partitions 3
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : org.apache.kafka.common.errors.InvalidPartitionsException: Topic currently has 5 partitions, which is higher than the requested 3." ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --alter --topic "$t"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = 'Missing required argument "[partitions]"' ]
}

@test "topics: --replica-assignment creates one partition per entry" {
  local t
  t=$(unique_topic assign)
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --replica-assignment 1,1,1
  [ "$status" -eq 0 ]
  [ "$output" = "Created topic $t." ]
  [ "$(kcat_partitions "$t")" = 3 ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t-x" --replica-assignment 1,1 --partitions 2
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = 'Option "[replica-assignment]" can'"'"'t be used with option "[partitions]"' ]
}

@test "topics: --replica-assignment without rows asks for the broker's defaults, as Kafka 2.5's AdminClient path" {
  local t
  t=$(unique_topic norows)
  # TopicCommand sends NewTopic(name, {}) : CreateTopics v4 with no
  # assignment and -1/-1, which a 2.4+ broker fills from num.partitions
  # and default.replication.factor (KIP-464); a bad row still fails first
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --replica-assignment ,
  [ "$status" -eq 0 ]
  [ "$output" = "Created topic $t." ]
  wait_for 10 kcat_partitions_is "$t" 1
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t-b" --replica-assignment " ,1"
  [ "$status" -eq 1 ]
  [ "$output" = 'Error while executing topic command : For input string: ""' ]
}

@test "topics: --delete removes the topic for kcat; a missing topic is an error unless --if-exists" {
  local t
  t=$(unique_topic delete)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  kcat_topic_listed "$t"
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --delete --topic "$t"
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  wait_for 15 refute kcat_topic_listed "$t"
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --delete --topic "$t"
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Topic '$t' does not exist as expected" ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --delete --topic "$t" --if-exists
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
}

@test "topics: broker-side errors print the Java exception and exit 1" {
  local t
  t=$(unique_topic rf)
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --replication-factor 3
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: 3 larger than available brokers: 1." ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 0
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : The partitions must be greater than 0" ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --config nosuch.config=1
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Unknown topic config name: nosuch.config" ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --config retention.ms
  [ "$status" -eq 1 ]
  [ "$output" = 'Error while executing topic command : requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".' ]
  [ "$(kcat_partitions "$t")" = 0 ]
}

@test "topics: an assignment too large for a znode fails at once and creates nothing" {
  local t
  t=$(unique_topic huge)
  # 120000 partitions: the assignment's JSON passes ZooKeeper's 1 MiB
  # jute.maxbuffer, so the write is refused before it is sent.
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 120000
  [ "$status" -eq 1 ]
  [[ $output == "Error while executing topic command : org.apache.kafka.common.errors.UnknownServerException: BadArguments"* ]]
  [ "$(kcat_partitions "$t")" = 0 ]
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --partitions 2
  [ "$status" -eq 0 ]
  wait_for 10 kcat_partitions_is "$t" 2
}

@test "topics: a name with '.' or '_' gets Kafka's collision warning" {
  local t
  t=$(unique_topic my_dotted.topic)
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both." ]
  [ "${lines[1]}" = "Created topic $t." ]
}

@test "topics: bad command lines print usage on stderr and exit 1" {
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$BROKER"
  [ "$status" -eq 1 ]
  [ "$output" = "" ]
  [ "${stderr_lines[0]}" = "Command must include exactly one action: --list, --describe, --create, --alter or --delete" ]
  [[ $stderr == *"--bootstrap-server <String: server to"* ]]
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$BROKER" --create
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[topic]"' ]
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$BROKER" --list --bogus
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "bogus is not a recognized option" ]
  run --separate-stderr ktool kafka-topics.sh --list
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Exception in thread "main" java.lang.IllegalArgumentException: Only one of --bootstrap-server or --zookeeper must be specified' ]
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$BROKER" --list --topic
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Option topic requires an argument" ]
  run --separate-stderr ktool kafka-topics.sh
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Create, delete, describe, or change a topic." ]
}

@test "topics: an unreachable broker fails within the configured timeout" {
  local port cfg
  port=$(free_port)
  cfg=$BATS_TEST_TMPDIR/admin.properties
  printf '%s\n' request.timeout.ms=1000 default.api.timeout.ms=1500 >"$cfg"
  local start=$SECONDS
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "127.0.0.1:$port" --command-config "$cfg" --list
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment." ]
  ((SECONDS - start < 10))
  # meanwhile the admin client's NetworkClient WARN per connection attempt, on stderr
  [ "${#stderr_lines[@]}" -ge 2 ]
  local l
  for l in "${stderr_lines[@]}"; do
    [[ $l =~ ^\[[0-9-]+\ [0-9:,]+\]\ WARN\ \[AdminClient\ clientId=adminclient-1\]\ Connection\ to\ node\ -1\ \(/127\.0\.0\.1:$port\)\ could\ not\ be\ established\.\ Broker\ may\ not\ be\ available\.\ \(org\.apache\.kafka\.clients\.NetworkClient\)$ ]]
  done
}

@test "topics: default.api.timeout.ms below request.timeout.ms is refused, as Kafka's AdminClient does (KIP-533); a request.timeout.ms above the default raises it" {
  local cfg=$BATS_TEST_TMPDIR/admin.properties l
  local -a refused=(
    'Exception in thread "main" org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient'
    'Caused by: org.apache.kafka.common.config.ConfigException: The specified value of default.api.timeout.ms must be no smaller than the value of request.timeout.ms.'
  )
  # below the default request.timeout.ms (30000), or below an explicit one
  for l in default.api.timeout.ms=1500 $'request.timeout.ms=5000\ndefault.api.timeout.ms=4000'; do
    echo "$l" >"$cfg"
    run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$BROKER" --command-config "$cfg" --list
    [ "$status" -eq 1 ]
    [ "$output" = "" ]
    [ "${#stderr_lines[@]}" -eq 2 ]
    [ "${stderr_lines[0]}" = "${refused[0]}" ]
    [ "${stderr_lines[1]}" = "${refused[1]}" ]
  done
  # a malformed bootstrap list fails the same way, and is checked first
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "no-port" --command-config "$cfg" --list
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "${refused[0]}" ]
  [ "${stderr_lines[1]}" = "Caused by: org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: no-port" ]
  # equal is accepted
  printf '%s\n' request.timeout.ms=4000 default.api.timeout.ms=4000 >"$cfg"
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$BROKER" --command-config "$cfg" --list
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  # request.timeout.ms alone above the default 60000: the api timeout follows it, with Kafka's WARN
  echo request.timeout.ms=70000 >"$cfg"
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$BROKER" --command-config "$cfg" --list
  [ "$status" -eq 0 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ ${stderr_lines[0]} =~ ^\[[0-9-]+\ [0-9:,]+\]\ WARN\ \[AdminClient\ clientId=adminclient-1\]\ Overriding\ the\ default\ value\ for\ default\.api\.timeout\.ms\ \(0\)\ with\ the\ explicitly\ configured\ request\ timeout\ 70000\ \(org\.apache\.kafka\.clients\.admin\.KafkaAdminClient\)$ ]]
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

@test "topics: a paused broker in --bootstrap-server costs one request.timeout.ms, then the next one answers; alone, Kafka's TimeoutException after default.api.timeout.ms" {
  local t dir=$BATS_FILE_TMPDIR/paused cfg=$BATS_TEST_TMPDIR/admin.properties
  t=$(unique_topic paused)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  # a second broker of the cluster, stopped: it accepts connections, never answers
  _broker_start_in "$dir" broker.id=2
  kill -STOP "$(<"$dir/pid")"
  local paused=127.0.0.1:$(<"$dir/port")
  printf '%s\n' request.timeout.ms=1500 default.api.timeout.ms=4000 >"$cfg"
  local start
  start=$(now_ms)
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$paused,$BROKER" --command-config "$cfg" --list
  [ "$status" -eq 0 ]
  [[ $'\n'$output$'\n' == *$'\n'$t$'\n'* ]]
  [ "$stderr" = "" ]
  local took=$(($(now_ms) - start))
  note "paused broker first: listed after $took ms"
  ((took >= 1500 && took < 4000))
  start=$(now_ms)
  run --separate-stderr ktool kafka-topics.sh --bootstrap-server "$paused" --command-config "$cfg" --list
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment." ]
  [ "$stderr" = "" ]
  took=$(($(now_ms) - start))
  note "paused broker alone: failed after $took ms"
  ((took >= 4000 && took < 8000))
}
