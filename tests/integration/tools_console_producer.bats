#!/usr/bin/env bats
# kafka-console-producer.sh: lines from stdin become records (read back with
# kcat), Kafka 2.5's reader properties and its failure on a missing key.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

kcat_read() {
  timeout -k 5 30 kcat -C -b "$BROKER" -t "$1" -o beginning -e -q -f "${2:-%s\n}"
}

@test "console-producer: one record per line, '>' prompts on stdout" {
  local t
  t=$(unique_topic cprod)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run ktool kafka-console-producer.sh --broker-list "$BROKER" --topic "$t" < <(printf 'first\nsecond\nthird\n')
  [ "$status" -eq 0 ]
  [ "$output" = ">>>>" ]
  [ "$(kcat_read "$t")" = "first"$'\n'"second"$'\n'"third" ]
}

@test "console-producer: parse.key with key.separator, --sync, --compression-codec accepted" {
  local t
  t=$(unique_topic ckey)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run ktool kafka-console-producer.sh --bootstrap-server "$BROKER" --topic "$t" --sync --compression-codec lz4 \
    --request-required-acks all --property parse.key=true --property key.separator=: \
    < <(printf 'k1:v1\nk2:v:2\nk3:%s\n' "$(printf 'a%.0s' {1..1000})")
  [ "$status" -eq 0 ]
  [ "$(kcat_read "$t" '%k=%s\n' | head -2)" = "k1=v1"$'\n'"k2=v:2" ]
  [ "$(kcat_read "$t" '%k %S\n' | tail -1)" = "k3 1000" ]
}

@test "console-producer: a line without the separator fails as Kafka's does" {
  local t
  t=$(unique_topic cnokey)
  ktool kafka-topics.sh --bootstrap-server "$BROKER" --create --topic "$t"
  run --separate-stderr ktool kafka-console-producer.sh --bootstrap-server "$BROKER" --topic "$t" \
    --property parse.key=true < <(printf 'a\tb\nnokey\nc\td\n')
  [ "$status" -eq 1 ]
  [ "$stderr" = "org.apache.kafka.common.KafkaException: No key found on line 2: nokey" ]
  [ "$(kcat_read "$t" '%k=%s\n')" = "a=b" ]
  # ignore.error=true sends such lines without a key
  run ktool kafka-console-producer.sh --bootstrap-server "$BROKER" --topic "$t" \
    --property parse.key=true --property ignore.error=true < <(printf 'nokey2\n')
  [ "$status" -eq 0 ]
  [ "$(kcat_read "$t" '%k=%s\n')" = "a=b"$'\n'"=nokey2" ]
}

@test "console-producer: --topic is required; a bad broker list is rejected" {
  run --separate-stderr ktool kafka-console-producer.sh --bootstrap-server "$BROKER"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[topic]"' ]
  run --separate-stderr ktool kafka-console-producer.sh --bootstrap-server localhost --topic x
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "Please provide valid host:port like host1:9091,host2:9092" ]
}
