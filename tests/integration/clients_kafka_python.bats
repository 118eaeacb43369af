#!/usr/bin/env bats
# kafka-python 2.0.2 (Debian python3-kafka) against the broker.
# The programs do the checking: tests/clients/kafka_python_client.py.
# kafka-python 2.0.2 has no idempotent producer and no DeleteRecords.
# Its snappy/lz4/zstd come from python3-snappy, python3-lz4 and
# python3-zstandard (tests/install-deps.sh).

load test_helper

setup_file() { clients_setup_file; }
teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

@test "kafka-python: 100000 keyed messages round trip (3 partitions, assign, from earliest)" {
  client_roundtrip kpy kpy-rt
}

@test "kafka-python: gzip" { client_compression kpy gzip; }

@test "kafka-python: snappy" { client_compression kpy snappy; }

@test "kafka-python: lz4" { client_compression kpy lz4; }

@test "kafka-python: zstd" { client_compression kpy zstd; }

@test "kafka-python: admin create/list/describe/create-partitions/delete, invalid names rejected" {
  client_admin kpy
}

@test "kafka-python: acks=1 acknowledged offsets hold the messages (read back by librdkafka too)" {
  client_acked kpy kpy-acked kconfluent
}

@test "kafka-python as a 0.9 / 0.10 client: Fetch v1 / v2 get down-converted messages (magic 0 / 1)" {
  local topic
  topic=$(unique_topic kpy-downconv)
  # produced as magic-2 batches with a header, by librdkafka
  seq 1 50 | sed 's/^/v/' | timeout 60 kcat -b "$BROKER" -t "$topic" -P -k key -H h1=x
  run timeout 120 "$PY" - "$BROKER" "$topic" <<'PYEOF'
import sys
from kafka import KafkaConsumer
bootstrap, topic = sys.argv[1], sys.argv[2]
for ver, group in [((0, 9), None), ((0, 10, 0), "kpy-old-group"), (None, None)]:
    kw = {} if ver is None else {"api_version": ver}
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                      auto_offset_reset="earliest", consumer_timeout_ms=5000, **kw)
    ms = list(c)
    ts = "none" if all(m.timestamp is None for m in ms) else "set"
    hdrs = sum(len(m.headers) for m in ms)
    ok = [m.offset for m in ms] == list(range(50)) and all(m.key == b"key" for m in ms) and \
         [m.value for m in ms] == [b"v%d" % i for i in range(1, 51)]
    print("%s %d records ok=%s timestamps=%s headers=%d" % (ver, len(ms), ok, ts, hdrs))
    c.close()
PYEOF
  echo "$output"
  [[ $status -eq 0 ]]
  [[ ${lines[0]} == "(0, 9) 50 records ok=True timestamps=none headers=0" ]]
  [[ ${lines[1]} == "(0, 10, 0) 50 records ok=True timestamps=set headers=0" ]]
  [[ ${lines[2]} == "None 50 records ok=True timestamps=set headers=50" ]]
}

@test "kafka-python: broker is still alive" {
  assert_broker_alive
}
