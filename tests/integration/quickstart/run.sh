#!/usr/bin/env bash
# tests/integration/quickstart/run.sh -- Kafka 2.5's quick start, verbatim,
# against an install tree. Run by quickstart.bats inside private network,
# mount and PID namespaces (unshare --net --mount --pid): localhost:2181/:9092 and
# /tmp/kafka-logs, /tmp/zookeeper are then this test's own, and the staged
# install is mounted at /usr/local/kafka as the books have it.
#
#   run.sh STAGE_DIR OUT_DIR
# STAGE_DIR holds usr/local/kafka (make install DESTDIR=STAGE_DIR); every
# command's output goes to OUT_DIR/<step>.out for the test to compare.
set -euo pipefail
stage=$1
out=$2
# an operator's shell: nothing points into the source tree
unset KAFKA_SERVER ZOOKEEPER_SERVER BUILD

ip link set lo up
# /usr/local becomes a private tmpfs holding the install and (reachable once
# /tmp is replaced) the output directory
mount -t tmpfs tmpfs /usr/local
mkdir -p /usr/local/kafka /usr/local/quickstart-out
mount --bind "$stage/usr/local/kafka" /usr/local/kafka
mount --bind "$out" /usr/local/quickstart-out
out=/usr/local/quickstart-out
mount -t tmpfs tmpfs /tmp

cd /usr/local/kafka
step() { # step NAME CMD...: runs CMD, output and status to $out/NAME.*
  local name=$1
  shift
  local st=0
  "$@" >"$out/$name.out" 2>"$out/$name.err" || st=$?
  echo "$st" >"$out/$name.status"
}
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Step 2: start the server
bin/zookeeper-server-start.sh -daemon config/zookeeper.properties
wait_port 2181
bin/kafka-server-start.sh -daemon config/server.properties
wait_port 9092
for _ in $(seq 100); do
  grep -q 'started (kafka.server.KafkaServer)' logs/server.log 2>/dev/null && break
  sleep 0.1
done

# Step 3: create a topic
step create bin/kafka-topics.sh --create --bootstrap-server localhost:9092 --replication-factor 1 --partitions 1 --topic test
step list bin/kafka-topics.sh --list --bootstrap-server localhost:9092

# Step 4: send some messages
printf 'This is a message\nThis is another message\n' >/tmp/messages.txt
step produce bin/kafka-console-producer.sh --broker-list localhost:9092 --topic test </tmp/messages.txt

# Step 5: start a consumer
step consume timeout 60 bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic test --from-beginning --max-messages 2

# Step 6 (multi-broker) needs replication: a replication factor of 3 on one broker is refused as Kafka does
step create_rf3 bin/kafka-topics.sh --create --bootstrap-server localhost:9092 --replication-factor 3 --partitions 1 --topic my-replicated-topic
step describe bin/kafka-topics.sh --describe --bootstrap-server localhost:9092 --topic test

# Step 7: use Kafka Connect to import/export data
echo -e "foo\nbar" > test.txt
bin/connect-standalone.sh config/connect-standalone.properties config/connect-file-source.properties config/connect-file-sink.properties \
  >"$out/connect.out" 2>&1 &
connect=$!
for _ in $(seq 200); do
  [[ -s test.sink.txt && $(wc -l <test.sink.txt) -ge 2 ]] && break
  sleep 0.1
done
cp test.sink.txt "$out/sink.txt" 2>/dev/null || true
step connect_topic timeout 60 bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic connect-test --from-beginning --max-messages 2
echo Another line>> test.txt
for _ in $(seq 200); do
  [[ $(wc -l <test.sink.txt) -ge 3 ]] && break
  sleep 0.1
done
cp test.sink.txt "$out/sink2.txt"
kill "$connect"
wait "$connect" || true

# groups, configs, records, logs: the operator commands of the books
step group_consume timeout 60 bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic test --from-beginning --group g --property print.key=true --property key.separator=- --max-messages 2
step groups_describe bin/kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group g
step configs_alter bin/kafka-configs.sh --bootstrap-server localhost:9092 --entity-type topics --entity-name test --alter --add-config retention.ms=86400000
step configs_describe bin/kafka-configs.sh --bootstrap-server localhost:9092 --entity-type topics --entity-name test --describe
echo '{"partitions":[{"topic":"test","partition":0,"offset":1}],"version":1}' >/tmp/offsets.json
step delete_records bin/kafka-delete-records.sh --bootstrap-server localhost:9092 --offset-json-file /tmp/offsets.json
step dump_log bin/kafka-dump-log.sh --files /tmp/kafka-logs/test-0/00000000000000000000.log --print-data-log
step api_versions bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092

# Step 8: stop
bin/kafka-server-stop.sh
for _ in $(seq 300); do
  grep -q 'shut down completed' logs/server.log && break
  sleep 0.1
done
bin/zookeeper-server-stop.sh
sleep 1
cp logs/server.log "$out/server.log"
