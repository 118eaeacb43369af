#!/usr/bin/env bats
# kafka-topics.sh --zookeeper: Kafka 2.5's ZooKeeper mode (TopicCommand's
# ZookeeperTopicService), the book command lines verbatim. The tool writes
# Kafka's znodes itself; these tests check its exact output and that the
# broker's controller acts on what it wrote (kcat -L sees the topics).
# ZK_IMPL=coordinator runs them against our coordinator.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start num.partitions=1
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

TAB=$'\t'

# leader_is TOPIC PARTITION ID: the partition state znode names that leader.
leader_is() {
  zk_cmd get "/brokers/topics/$1/partitions/$2/state" 2>/dev/null | grep -q "\"leader\":$3[,}]"
}

@test "topics zk: --create (book line) writes Kafka's znodes; the broker creates the partitions" {
  local t
  t=$(unique_topic zkcreate)
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 3 --replication-factor 1
  [ "$status" -eq 0 ]
  [ "$output" = "Created topic $t." ]
  run zk_cmd get "/brokers/topics/$t"
  [ "$status" -eq 0 ]
  "$PY" -c 'import json,sys
d = json.loads(sys.argv[1])
assert d["version"] == 2, d
assert d["partitions"] == {"0": [1], "1": [1], "2": [1]}, d
assert d["adding_replicas"] == {} and d["removing_replicas"] == {}, d' "$output"
  run zk_cmd get "/config/topics/$t"
  [ "$output" = '{"version":1,"config":{}}' ]
  wait_for 15 kcat_partitions_is "$t" 3
  kcat_smoke "$t"
}

@test "topics zk: --list and --describe in Kafka 2.5's format" {
  local t
  t=$(unique_topic zkdesc)
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 2 --replication-factor 1 \
    --config retention.ms=3600000 --config cleanup.policy=compact
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --list
  [ "$status" -eq 0 ]
  printf '%s\n' "${lines[@]}" | grep -qx "$t"
  # sorted, as TopicCommand sorts
  [ "$(printf '%s\n' "${lines[@]}")" = "$(printf '%s\n' "${lines[@]}" | LC_ALL=C sort)" ]
  wait_for 15 leader_is "$t" 1 1
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --describe --topic "$t"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  [ "${lines[0]}" = "Topic: $t${TAB}PartitionCount: 2${TAB}ReplicationFactor: 1${TAB}Configs: cleanup.policy=compact,retention.ms=3600000" ]
  [ "${lines[1]}" = "${TAB}Topic: $t${TAB}Partition: 0${TAB}Leader: 1${TAB}Replicas: 1${TAB}Isr: 1" ]
  [ "${lines[2]}" = "${TAB}Topic: $t${TAB}Partition: 1${TAB}Leader: 1${TAB}Replicas: 1${TAB}Isr: 1" ]
  # the overrides reached the broker: --bootstrap-server describes the same
  run ktool kafka-topics.sh --bootstrap-server "$BROKER" --describe --topic "$t"
  [ "${lines[0]}" = "Topic: $t${TAB}PartitionCount: 2${TAB}ReplicationFactor: 1${TAB}Configs: cleanup.policy=compact,retention.ms=3600000" ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --describe --topic "$t" --topics-with-overrides
  [ "$output" = "Topic: $t${TAB}PartitionCount: 2${TAB}ReplicationFactor: 1${TAB}Configs: cleanup.policy=compact,retention.ms=3600000" ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --describe --topic "$t" --under-replicated-partitions
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
}

@test "topics zk: Kafka's errors: replication factor, existing topic, bad name, missing arguments" {
  local t
  t=$(unique_topic zkerr)
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 3 --replication-factor 3
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Replication factor: 3 larger than available brokers: 1." ]
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 1 --replication-factor 1
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 1 --replication-factor 1
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Topic '$t' already exists." ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 1 --replication-factor 1 --if-not-exists
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic 'bad!name' --partitions 1 --replication-factor 1
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Topic name \"bad!name\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'" ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t-x" --partitions 0 --replication-factor 1
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Number of partitions must be larger than 0." ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t-x" --partitions 1 --replication-factor 1 --config foo=bar
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Unknown topic config name: foo" ]
  # ZooKeeper mode needs both counts (no broker defaults)
  run --separate-stderr ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t-x" --partitions 1
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[replication-factor]"' ]
  run --separate-stderr ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --describe --under-min-isr-partitions
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Option "[under-min-isr-partitions]" can'"'"'t be used with option "[zookeeper]"' ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --describe --topic "$t-nope"
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Topic '$t-nope' does not exist as expected" ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --describe --topic "$t-nope" --if-exists
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  refute zk_cmd exists "/brokers/topics/$t-x"
}

@test "topics zk: --alter --partitions adds partitions the broker creates" {
  local t
  t=$(unique_topic zkalter)
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 2 --replication-factor 1
  wait_for 15 kcat_partitions_is "$t" 2
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --alter --topic "$t" --partitions 5
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected" ]
  [ "${lines[1]}" = "Adding partitions succeeded!" ]
  [ "${#lines[@]}" -eq 2 ]
  wait_for 15 kcat_partitions_is "$t" 5
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --alter --topic "$t" --partitions 3
  [ "$status" -eq 1 ]
  [ "${lines[1]}" = "Error while executing topic command : The number of partitions for a topic can only be increased. Topic $t currently has 5 partitions, 3 would not be an increase." ]
  # --config through --alter: deprecated, but 2.5 still does it
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --alter --topic "$t" --config retention.ms=7200000
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases." ]
  [ "${lines[1]}" = "         Going forward, please use kafka-configs.sh for this functionality" ]
  [ "${lines[2]}" = "Updated config for topic $t." ]
  wait_for 15 bash -c "'$REPO_ROOT/bin/kafka-configs.sh' --bootstrap-server '$BROKER' --entity-type topics --entity-name '$t' --describe | grep -q 'retention.ms=7200000'"
}

@test "topics zk: --replica-assignment and a chroot in the connect string" {
  local t
  t=$(unique_topic zkassign)
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --replica-assignment 1,1,1
  [ "$status" -eq 0 ]
  [ "$output" = "Created topic $t." ]
  wait_for 15 kcat_partitions_is "$t" 3
  # a chroot without brokers: nothing to place replicas on
  zk_cmd create /zkt
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT/zkt" --create --topic "$t" --partitions 1 --replication-factor 1
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Replication factor: 1 larger than available brokers: 0." ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT/zkt" --create --topic "$t" --replica-assignment 7:8
  [ "$status" -eq 0 ]
  [ "$(zk_cmd --chroot /zkt get "/brokers/topics/$t")" = '{"version":2,"partitions":{"0":[7,8]},"adding_replicas":{},"removing_replicas":{}}' ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT/zkt" --list
  [ "$output" = "$t" ]
  zk_cmd delete /zkt
}

@test "topics zk: --replica-assignment keeps rows of any length (100 replicas) and refuses bad rows as Kafka" {
  local t row0 row1
  t=$(unique_topic zkwide)
  row0=$(seq -s: 100 199) row1=$(seq -s: 200 299)
  # a chroot without brokers: the znode is written as given, nothing acts on it
  zk_cmd create /zkwide
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT/zkwide" --create --topic "$t" --replica-assignment "$row0,$row1"
  [ "$status" -eq 0 ]
  [ "$output" = "Created topic $t." ]
  run zk_cmd --chroot /zkwide get "/brokers/topics/$t"
  "$PY" -c 'import json,sys
d = json.loads(sys.argv[1])
assert d["partitions"] == {"0": list(range(100, 200)), "1": list(range(200, 300))}, d' "$output"
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT/zkwide" --create --topic "$t-b" --replica-assignment "1:2,,3:4"
  [ "$status" -eq 1 ]
  [ "$output" = 'Error while executing topic command : For input string: ""' ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT/zkwide" --create --topic "$t-b" --replica-assignment "$row0:150"
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Partition replica lists may not contain duplicate entries: 150" ]
  zk_cmd delete /zkwide
}

@test "topics zk: --replica-assignment without rows is refused as AdminZkClient.validateTopicCreate; nothing written" {
  local t a
  t=$(unique_topic zkempty)
  # Java's split drops trailing empty pieces: "," and ",," give no rows
  for a in , ,,; do
    run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --replica-assignment "$a"
    [ "$status" -eq 1 ]
    [ "$output" = "Error while executing topic command : All partitions should have the same number of replicas" ]
  done
  run zk_cmd stat "/brokers/topics/$t"
  [ "$status" -ne 0 ]
  run zk_cmd stat "/config/topics/$t"
  [ "$status" -ne 0 ]
  # a leading empty row is a number that does not parse
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --replica-assignment ",1"
  [ "$status" -eq 1 ]
  [ "$output" = 'Error while executing topic command : For input string: ""' ]
}

@test "topics zk: replica placement follows Kafka's assignReplicasToBrokers" {
  # three registered brokers under a chroot of their own (the real broker
  # does not watch it)
  local r=/zkalgo t b
  for b in 1 2 3; do
    zk_cmd create "$r/brokers/ids/$b" "{\"version\":4,\"host\":\"h$b\",\"port\":9092,\"jmx_port\":-1,\"timestamp\":\"1\",\"endpoints\":[\"PLAINTEXT://h$b:9092\"],\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"}}"
  done
  t=algo
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --create --topic "$t" --partitions 6 --replication-factor 2
  # the start index and the shift are random: the placement must be one of
  # the nine Kafka can produce
  "$PY" -c 'import json,sys
got = {int(k): v for k, v in json.loads(sys.argv[1])["partitions"].items()}
b = [1, 2, 3]
def assign(start, shift):
    out = {}
    for p in range(6):
        if p > 0 and p % 3 == 0:
            shift += 1
        first = (p + start) % 3
        out[p] = [b[first], b[(first + 1 + shift % 2) % 3]]
    return out
assert any(got == assign(s, h) for s in range(3) for h in range(3)), got' "$(zk_cmd --chroot "$r" get "/brokers/topics/$t")"
  # adding partitions starts at the first replica of partition 0: fixed
  zk_cmd create "$r/brokers/topics/fixed" '{"version":2,"partitions":{"0":[2,3]},"adding_replicas":{},"removing_replicas":{}}'
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --alter --topic fixed --partitions 4
  [ "$status" -eq 0 ]
  "$PY" -c 'import json,sys
got = json.loads(sys.argv[1])["partitions"]
assert got == {"0": [2, 3], "1": [3, 2], "2": [1, 3], "3": [2, 3]}, got' "$(zk_cmd --chroot "$r" get /brokers/topics/fixed)"
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --alter --topic fixed --partitions 5 --replica-assignment 2:3,3:2,1:3,2:1,9:1
  [ "$status" -eq 1 ]
  [ "${lines[1]}" = "Error while executing topic command : Some brokers specified for partition id 4 are not available. Specified brokers: 9, 1, available brokers: 1, 2, 3." ]
  zk_cmd delete "$r"
}

@test "topics zk: --delete marks the topic; the broker deletes it" {
  local t
  t=$(unique_topic zkdel)
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 1 --replication-factor 1
  wait_for 15 kcat_partitions_is "$t" 1
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --delete --topic "$t"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Topic $t is marked for deletion." ]
  [ "${lines[1]}" = "Note: This will have no impact if delete.topic.enable is not set to true." ]
  wait_for 20 bash -c "! kcat -L -b '$BROKER' 2>/dev/null | grep -qF 'topic \"$t\" with'"
  wait_for 20 refute zk_cmd exists "/brokers/topics/$t"
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --delete --topic "$t"
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Topic '$t' does not exist as expected" ]
}

@test "topics zk: --delete removes every znode under the topic, also a partition the controller has not read" {
  # a partition's state the controller has not seen yet (a creation still in
  # flight when the deletion came) once left /brokers/topics/<t> not empty:
  # the deletion failed, was never retried, and the topic stayed marked
  local t
  t=$(unique_topic zkdeltree)
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 1 --replication-factor 1
  wait_for 15 kcat_partitions_is "$t" 1
  zk_cmd create "/brokers/topics/$t/partitions/7/state" '{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}'
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --delete --topic "$t"
  wait_for 20 refute zk_cmd exists "/brokers/topics/$t"
  wait_for 20 refute zk_cmd exists "/admin/delete_topics/$t"
  refute zk_cmd exists "/config/topics/$t"
  wait_for 20 bash -c "! kcat -L -b '$BROKER' 2>/dev/null | grep -qF 'topic \"$t\" with'"
  # the name is free again
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT" --create --topic "$t" --partitions 2 --replication-factor 1
  wait_for 15 kcat_partitions_is "$t" 2
}

@test "topics zk: a topic marked for deletion is listed as such" {
  # a chroot without a controller keeps the mark in place
  local r=/zkmark
  zk_cmd create "$r"
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --create --topic gone --replica-assignment 1
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --create --topic kept --replica-assignment 1
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --delete --topic gone
  [ "$status" -eq 0 ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --delete --topic gone
  [ "$output" = "Topic gone is already marked for deletion." ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --list
  [ "${lines[0]}" = "gone - marked for deletion" ]
  [ "${lines[1]}" = "kept" ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --describe --topic gone
  [ "${lines[0]}" = "Topic: gone${TAB}PartitionCount: 1${TAB}ReplicationFactor: 1${TAB}Configs: ${TAB}MarkedForDeletion: true" ]
  [ "${lines[1]}" = "${TAB}Topic: gone${TAB}Partition: 0${TAB}Leader: none${TAB}Replicas: 1${TAB}Isr: ${TAB}MarkedForDeletion: true" ]
  ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --create --topic __consumer_offsets --replica-assignment 1
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --delete --topic __consumer_offsets
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : Topic __consumer_offsets is a kafka internal topic and is not allowed to be marked for deletion." ]
  run ktool kafka-topics.sh --zookeeper "$ZK_CONNECT$r" --alter --topic __consumer_offsets --partitions 2
  [ "$status" -eq 1 ]
  [ "$output" = "Error while executing topic command : The number of partitions for the internal topic __consumer_offsets cannot be changed." ]
  zk_cmd delete "$r"
}
