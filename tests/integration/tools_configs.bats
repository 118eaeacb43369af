#!/usr/bin/env bats
# kafka-configs.sh --bootstrap-server: topic and broker configs with Kafka
# 2.5's output lines and errors, cross-checked with confluent-kafka's
# describe_configs (librdkafka's admin API).

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

# py_topic_config TOPIC KEY: the value (and source) confluent-kafka sees.
py_topic_config() {
  timeout -k 5 60 "$PY" - "$BROKER" "$1" "$2" <<'EOF2'
import sys
from confluent_kafka.admin import AdminClient, ConfigResource
a = AdminClient({"bootstrap.servers": sys.argv[1]})
res = ConfigResource(ConfigResource.Type.TOPIC, sys.argv[2])
cfg = a.describe_configs([res])[res].result(timeout=30)
e = cfg[sys.argv[3]]
print("%s %s" % (e.value, "default" if e.is_default else "override"))
EOF2
}

@test "configs: --alter --add-config sets topic configs; --describe prints them" {
  local t
  t=$(unique_topic cfg)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name "$t" \
    --alter --add-config retention.ms=86400000,cleanup.policy=[compact,delete]
  [ "$status" -eq 0 ]
  [ "$output" = "Completed updating config for topic $t." ]
  [ "$(py_topic_config "$t" retention.ms)" = "86400000 override" ]
  [ "$(py_topic_config "$t" cleanup.policy)" = "compact,delete override" ]
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name "$t" --describe
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Dynamic configs for topic $t are:" ]
  [ "${#lines[@]}" -eq 3 ]
  [ "${lines[1]}" = "  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}" ]
  [ "${lines[2]}" = "  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000}" ]
}

@test "configs: --delete-config removes an override; deleting an absent one is an error" {
  local t
  t=$(unique_topic cfgdel)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --config retention.ms=1000 --config segment.ms=60000
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name "$t" --alter --delete-config retention.ms
  [ "$status" -eq 0 ]
  [ "$output" = "Completed updating config for topic $t." ]
  [ "$(py_topic_config "$t" retention.ms)" = "604800000 default" ]
  [ "$(py_topic_config "$t" segment.ms)" = "60000 override" ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name "$t" --alter --delete-config retention.ms,flush.ms
  [ "$status" -eq 1 ]
  [ "$stderr" = "Invalid config(s): retention.ms,flush.ms" ]
  [ "$output" = "" ]
}

@test "configs: --describe --all lists every topic config with its source" {
  local t
  t=$(unique_topic cfgall)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t" --config max.message.bytes=2000000
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --describe --all --entity-type topics --entity-name "$t"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "All configs for topic $t are:" ]
  printf '%s\n' "${lines[@]}" | grep -qxF "  max.message.bytes=2000000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2000000, DEFAULT_CONFIG:message.max.bytes=1048588}"
  printf '%s\n' "${lines[@]}" | grep -qxF "  compression.type=producer sensitive=false synonyms={DEFAULT_CONFIG:compression.type=producer}"
  # one line per config Kafka 2.5 knows for topics
  [ "${#lines[@]}" -ge 25 ]
}

@test "configs: broker configs: per-broker and cluster default descriptions" {
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type brokers --entity-name 1 --describe
  [ "$status" -eq 0 ]
  [ "$output" = "Dynamic configs for broker 1 are:" ]
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type brokers --entity-default --describe
  [ "$status" -eq 0 ]
  [ "$output" = "Default configs for brokers in the cluster are:" ]
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type brokers --describe
  [ "$status" -eq 0 ]
  [ "$output" = "Dynamic configs for broker 1 are:"$'\n'"Default configs for brokers in the cluster are:" ]
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --broker 1 --describe --all
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "All configs for broker 1 are:" ]
  printf '%s\n' "${lines[@]}" | grep -qxF "  broker.id=1 sensitive=false synonyms={STATIC_BROKER_CONFIG:broker.id=1}"
}

@test "configs: a missing topic fails after the heading, with the Java exception" {
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name nosuch-$$ --describe
  [ "$status" -eq 1 ]
  [ "$output" = "Dynamic configs for topic nosuch-$$ are:" ]
  [ "${stderr_lines[0]}" = "Error while executing config command with args '--bootstrap-server $BROKER --entity-type topics --entity-name nosuch-$$ --describe'" ]
  [ "${stderr_lines[1]}" = "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic 'nosuch-$$' does not exist." ]
}

@test "configs: argument errors print Kafka's messages and exit 1" {
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --describe
  [ "$status" -eq 1 ]
  [ "$stderr" = "At least one entity type must be specified" ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type users --describe
  [ "$status" -eq 1 ]
  [ "$stderr" = "Invalid entity type users, the entity type must be one of topics,brokers,broker-loggers with the --bootstrap-server argument" ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --alter --add-config a=b
  [ "$status" -eq 1 ]
  [ "$stderr" = "an entity name must be specified with --alter of topics" ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name x --alter
  [ "$status" -eq 1 ]
  [ "$stderr" = "At least one of --add-config or --delete-config must be specified with --alter" ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type brokers --entity-name one --describe
  [ "$status" -eq 1 ]
  [ "$stderr" = "The entity name for brokers must be a valid integer broker id, but it is: one" ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name x --alter --add-config a=b=c
  [ "$status" -eq 1 ]
  [ "$stderr" = 'requirement failed: Invalid entity config: all configs to be added must be in the format "key=val".' ]
  run --separate-stderr ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Command must include exactly one action: --describe, --alter" ]
}
