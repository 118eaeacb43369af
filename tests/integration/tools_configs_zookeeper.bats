#!/usr/bin/env bats
# kafka-configs.sh --zookeeper: Kafka 2.5's ZooKeeper mode (ConfigCommand's
# processCommandWithZk), book command lines verbatim: the tool writes
# /config/<type>/<name> and a /config/changes notification, and the broker
# applies the change (seen through --bootstrap-server and confluent-kafka's
# DescribeConfigs). ZK_IMPL=coordinator runs them against our coordinator.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

WARN1="Warning: --zookeeper is deprecated and will be removed in a future version of Kafka."
WARN2="Use --bootstrap-server instead to specify a broker to connect to."

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

py_topic_config_is() { [[ $(py_topic_config "$1" "$2") == "$3" ]]; }

@test "configs zk: --alter --add-config (book line) reaches the broker" {
  local t
  t=$(unique_topic zkcfg)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --alter --add-config retention.ms=1000
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$WARN1" ]
  [ "${lines[1]}" = "$WARN2" ]
  [ "${lines[2]}" = "Completed updating config for entity: topic '$t'." ]
  [ "${#lines[@]}" -eq 3 ]
  [ "$(zk_cmd get "/config/topics/$t")" = '{"version":1,"config":{"retention.ms":"1000"}}' ]
  # the notification the brokers watch
  zk_cmd children /config/changes | while read -r c; do zk_cmd get "/config/changes/$c"; done |
    grep -qxF "{\"version\":2,\"entity_path\":\"topics/$t\"}"
  wait_for 15 py_topic_config_is "$t" retention.ms "1000 override"
  run ktool kafka-configs.sh --bootstrap-server "$BROKER" --entity-type topics --entity-name "$t" --describe
  [ "${lines[1]}" = "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}" ]
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --describe
  [ "$status" -eq 0 ]
  [ "${lines[2]}" = "Configs for topic '$t' are retention.ms=1000" ]
}

@test "configs zk: --add-config with brackets, --delete-config, --describe of all topics" {
  local t
  t=$(unique_topic zkcfg2)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --alter \
    --add-config 'cleanup.policy=[compact,delete],max.message.bytes=102400,flush.messages=2'
  [ "$status" -eq 0 ]
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --describe
  # java.util.Properties order
  [ "${lines[2]}" = "Configs for topic '$t' are cleanup.policy=compact,delete,max.message.bytes=102400,flush.messages=2" ]
  wait_for 15 py_topic_config_is "$t" cleanup.policy "compact,delete override"
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --alter --delete-config max.message.bytes,flush.messages
  [ "$status" -eq 0 ]
  [ "${lines[2]}" = "Completed updating config for entity: topic '$t'." ]
  wait_for 15 py_topic_config_is "$t" max.message.bytes "1048588 default"
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --describe
  [ "$status" -eq 0 ]
  printf '%s\n' "${lines[@]}" | grep -qxF "Configs for topic '$t' are cleanup.policy=compact,delete"
}

@test "configs zk: Kafka's errors" {
  local t
  t=$(unique_topic zkcfgerr)
  run --separate-stderr ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --alter --add-config retention.ms=1
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Error while executing config command with args '--zookeeper $ZK_CONNECT --entity-type topics --entity-name $t --alter --add-config retention.ms=1'" ]
  [ "${stderr_lines[1]}" = "kafka.admin.AdminOperationException: Topic \"$t\" does not exist." ]
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run --separate-stderr ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --alter --delete-config retention.ms
  [ "$status" -eq 1 ]
  [ "$stderr" = "Invalid config(s): retention.ms" ]
  run --separate-stderr ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --alter --add-config nope=1
  [ "$status" -eq 1 ]
  [ "$stderr" = "Unknown topic config name: nope" ]
  run --separate-stderr ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type topics --entity-name "$t" --describe --all
  [ "$status" -eq 1 ]
  [ "$stderr" = "--bootstrap-server must be specified for --all" ]
  run --separate-stderr ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type things --describe
  [ "$status" -eq 1 ]
  [ "$stderr" = "Invalid entity type things, the entity type must be one of topics,clients,users,brokers with the --zookeeper argument" ]
}

@test "configs zk: broker configs: replication quotas while running, others only before start" {
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-name 1 --alter \
    --add-config leader.replication.throttled.rate=1048576,follower.replication.throttled.rate=1048576
  [ "$status" -eq 0 ]
  [ "${lines[2]}" = "Completed updating config for entity: brokers '1'." ]
  run zk_cmd get /config/brokers/1
  "$PY" -c 'import json,sys
d = json.loads(sys.argv[1])
assert d == {"version": 1, "config": {"leader.replication.throttled.rate": "1048576", "follower.replication.throttled.rate": "1048576"}}, d' "$output"
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-name 1 --describe
  [ "${lines[2]}" = "Configs for brokers '1' are leader.replication.throttled.rate=1048576,follower.replication.throttled.rate=1048576" ]
  run --separate-stderr ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-name 1 --alter --add-config log.cleaner.threads=2
  [ "$status" -eq 1 ]
  [ "$stderr" = "requirement failed: --bootstrap-server option must be specified to update broker configs Set(log.cleaner.threads). when broker 1 is running. Broker configuration updates using ZooKeeper are supported for bootstrapping before brokers are started to enable encrypted password configs to be stored in ZooKeeper." ]
  run --separate-stderr ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-default --alter --add-config log.cleaner.threads=2
  [ "$status" -eq 1 ]
  [ "$stderr" = "requirement failed: --bootstrap-server option must be specified to update broker configs Set(log.cleaner.threads). for default cluster if any broker is running. Broker configuration updates using ZooKeeper are supported for bootstrapping before brokers are started to enable encrypted password configs to be stored in ZooKeeper." ]
  # a broker that is not running may be configured ahead of its start
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-name 7 --alter --add-config log.cleaner.threads=2
  [ "$status" -eq 0 ]
  [ "${lines[2]}" = "Completed updating config for entity: brokers '7'." ]
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-default --alter --add-config leader.replication.throttled.rate=2000000
  [ "$status" -eq 0 ]
  [ "${lines[2]}" = "Completed updating config for entity: default brokers." ]
  [ "$(zk_cmd get /config/brokers/'<default>')" = '{"version":1,"config":{"leader.replication.throttled.rate":"2000000"}}' ]
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-default --describe
  [ "${lines[2]}" = "Configs for default brokers are leader.replication.throttled.rate=2000000" ]
  run ktool kafka-configs.sh --zookeeper "$ZK_CONNECT" --entity-type brokers --entity-name 7 --alter --delete-config log.cleaner.threads
  [ "$status" -eq 0 ]
  [ "$(zk_cmd get /config/brokers/7)" = '{"version":1,"config":{}}' ]
}
