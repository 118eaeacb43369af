#!/usr/bin/env bats
# kafka-dump-log.sh on the broker's own segment files: Kafka 2.5's
# DumpLogSegments lines, cross-checked field by field with kafka-python's
# independent record-batch parser; index checks and their error reports.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
  export DUMP_TOPIC=dump-$$
  timeout -k 5 60 "$REPO_ROOT/bin/kafka-topics.sh" --bootstrap-server "$BROKER" --create --topic "$DUMP_TOPIC" \
    --config index.interval.bytes=1 >/dev/null
  # three batches, one record each: k1:v1, k2:v2, then a record without key
  for kv in k1:v1 k2:v2; do
    echo "$kv" | timeout -k 5 30 kcat -P -b "$BROKER" -t "$DUMP_TOPIC" -K: -X message.timeout.ms=20000
  done
  echo "nokey" | timeout -k 5 30 kcat -P -b "$BROKER" -t "$DUMP_TOPIC" -X message.timeout.ms=20000
  export SEG=$BROKER_DIR/data/$DUMP_TOPIC-0/00000000000000000000
}

teardown_file() { stop_all; }
teardown() { show_logs_on_failure; }

# pybatches LOGFILE: "base last count pleader crc size maxts position" per batch (kafka-python).
pybatches() {
  "$PY" - "$1" <<'EOF2'
import struct, sys
from kafka.record.default_records import DefaultRecordBatch
data = open(sys.argv[1], "rb").read()
pos = 0
while pos + 12 <= len(data):
    length, = struct.unpack(">i", data[pos + 8:pos + 12])
    if pos + 12 + length > len(data):
        break
    b = DefaultRecordBatch(data[pos:pos + 12 + length])
    leader, = struct.unpack(">i", data[pos + 12:pos + 16])
    valid = b.validate_crc()
    recs = list(b)
    print(b.base_offset, b.base_offset + b.last_offset_delta, len(recs), leader, b.crc,
          12 + length, b.max_timestamp, pos, valid)
    pos += 12 + length
EOF2
}

@test "dump-log: .log batches match kafka-python's parse of the same file" {
  run ktool kafka-dump-log.sh --files "$SEG.log"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Dumping $SEG.log" ]
  [ "${lines[1]}" = "Starting offset: 0" ]
  [ "${#lines[@]}" -eq 5 ]
  local i=2 base last count leader crc size maxts pos valid
  while read -r base last count leader crc size maxts pos valid; do
    [ "$valid" = True ]
    [ "${lines[$i]}" = "baseOffset: $base lastOffset: $last count: $count baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: $leader isTransactional: false isControl: false position: $pos CreateTime: $maxts size: $size magic: 2 compresscodec: NONE crc: $crc isvalid: true" ]
    i=$((i + 1))
  done < <(pybatches "$SEG.log")
  [ "$i" -eq 5 ]
}

@test "dump-log: --print-data-log adds one '| offset:' line per record with key and payload" {
  run ktool kafka-dump-log.sh --files "$SEG.log" --print-data-log
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 8 ]
  [[ ${lines[3]} =~ ^\|\ offset:\ 0\ CreateTime:\ [0-9]+\ keysize:\ 2\ valuesize:\ 2\ sequence:\ -1\ headerKeys:\ \[\]\ key:\ k1\ payload:\ v1$ ]]
  [[ ${lines[5]} =~ ^\|\ offset:\ 1\ CreateTime:\ [0-9]+\ keysize:\ 2\ valuesize:\ 2\ sequence:\ -1\ headerKeys:\ \[\]\ key:\ k2\ payload:\ v2$ ]]
  [[ ${lines[7]} =~ ^\|\ offset:\ 2\ CreateTime:\ [0-9]+\ keysize:\ -1\ valuesize:\ 5\ sequence:\ -1\ headerKeys:\ \[\]\ payload:\ nokey$ ]]
  # --deep-iteration alone: the same record lines without key/payload
  run ktool kafka-dump-log.sh --files "$SEG.log" --deep-iteration
  [[ ${lines[7]} =~ ^\|\ offset:\ 2\ CreateTime:\ [0-9]+\ keysize:\ -1\ valuesize:\ 5\ sequence:\ -1\ headerKeys:\ \[\]$ ]]
}

@test "dump-log: .index and .timeindex entries point at the batches of the .log" {
  run ktool kafka-dump-log.sh --files "$SEG.index,$SEG.timeindex"
  [ "$status" -eq 0 ]
  local -a pos ts
  while read -r base last count leader crc size maxts p valid; do
    pos[last]=$p
    ts[last]=$maxts
  done < <(pybatches "$SEG.log")
  # As in Kafka, the first batch of a segment is not indexed: an entry is
  # added once more than index.interval.bytes (1) were written since the last.
  [ "${lines[0]}" = "Dumping $SEG.index" ]
  [ "${lines[1]}" = "offset: 1 position: ${pos[1]}" ]
  [ "${lines[2]}" = "offset: 2 position: ${pos[2]}" ]
  [ "${lines[3]}" = "Dumping $SEG.timeindex" ]
  [ "${lines[4]}" = "timestamp: ${ts[1]} offset: 1" ]
  # the pre-allocated (zero-filled) tail of the active segment's indexes is not printed
  ((${#lines[@]} <= 6))
  run --separate-stderr ktool kafka-dump-log.sh --files "$SEG.index,$SEG.timeindex" --verify-index-only
  [ "$status" -eq 0 ]
  [ "$output" = "Dumping $SEG.index"$'\n'"Dumping $SEG.timeindex" ]
  [ "$stderr" = "" ]
  run ktool kafka-dump-log.sh --files "$SEG.index" --index-sanity-check
  [ "$status" -eq 0 ]
  [ "$output" = "Dumping $SEG.index"$'\n'"$SEG.index passed sanity check." ]
}

@test "dump-log: a wrong index entry is reported as a mismatch; a torn index fails the sanity check" {
  local d=$BATS_TEST_TMPDIR/seg
  mkdir -p "$d"
  cp "$SEG.log" "$d/00000000000000000000.log"
  # entries (relative offset, position): 0 -> batch 0, then 2 -> batch 1 (wrong)
  local p1
  p1=$(pybatches "$SEG.log" | awk 'NR==2 {print $8}')
  "$PY" -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack(">iiii",0,0,2,int(sys.argv[2])))' \
    "$d/00000000000000000000.index" "$p1"
  run --separate-stderr ktool kafka-dump-log.sh --files "$d/00000000000000000000.index"
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "offset: 0 position: 0" ]
  [ "${lines[2]}" = "offset: 2 position: $p1" ]
  [ "${stderr_lines[0]}" = "Mismatches in :$(realpath "$d")/00000000000000000000.index" ]
  [ "${stderr_lines[1]}" = "  Index offset: 2, log offset: 1" ]
  head -c 13 "$d/00000000000000000000.index" >"$d/torn" && mv "$d/torn" "$d/00000000000000000000.index"
  run --separate-stderr ktool kafka-dump-log.sh --files "$d/00000000000000000000.index" --index-sanity-check
  [ "$status" -eq 1 ]
  [[ $stderr == *"Index file $(realpath "$d")/00000000000000000000.index is corrupt, found 13 bytes which is neither positive nor a multiple of 8."* ]]
}

@test "dump-log: trailing garbage is reported, unknown files are ignored, --files is required" {
  local d=$BATS_TEST_TMPDIR/seg2
  mkdir -p "$d"
  cp "$SEG.log" "$d/00000000000000000000.log"
  printf 'garbage' >>"$d/00000000000000000000.log"
  run ktool kafka-dump-log.sh --files "$d/00000000000000000000.log"
  [ "$status" -eq 0 ]
  [ "${lines[5]}" = "Found 7 invalid bytes at the end of 00000000000000000000.log" ]
  echo x >"$d/notes.txt"
  run --separate-stderr ktool kafka-dump-log.sh --files "$d/notes.txt"
  [ "$status" -eq 0 ]
  [ "$output" = "Dumping $d/notes.txt" ]
  [ "$stderr" = "Ignoring unknown file $d/notes.txt" ]
  run --separate-stderr ktool kafka-dump-log.sh --print-data-log
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[files]"' ]
}

@test "dump-log: --offsets-decoder prints __consumer_offsets records as Kafka 2.5's GroupMetadataManager" {
  local g=dumpgrp-$$
  timeout -k 5 60 "$REPO_ROOT/bin/kafka-console-consumer.sh" --bootstrap-server "$BROKER" --topic "$DUMP_TOPIC" \
    --group "$g" --from-beginning --max-messages 2 >/dev/null 2>&1
  local seg out=""
  for seg in "$BROKER_DIR"/data/__consumer_offsets-*/00000000000000000000.log; do
    out+=$("$REPO_ROOT/bin/kafka-dump-log.sh" --files "$seg" --offsets-decoder)$'\n'
  done
  # the commit of offset 2 for partition 0, metadata empty
  [[ "$out" =~ \|\ offset:\ [0-9]+\ CreateTime:\ [0-9]+\ keysize:\ [0-9]+\ valuesize:\ [0-9]+\ sequence:\ -1\ headerKeys:\ \[\]\ key:\ offset_commit::group=$g,partition=$DUMP_TOPIC-0\ payload:\ offset=2$'\n' ]]
  # the group's metadata record after the member left: Empty, no protocol
  [[ "$out" == *" key: group_metadata::group=$g payload: {\"protocolType\":\"consumer\",\"protocol\":null,\"generationId\":2,\"assignment\":\"{}\"}"$'\n'* ]]
  # and while it had a member: its assignment as Java's List of TopicPartition
  [[ "$out" =~ key:\ group_metadata::group=$g\ payload:\ \{\"protocolType\":\"consumer\",\"protocol\":\"range\",\"generationId\":1,\"assignment\":\"\{consumer-$g-1-[0-9a-f-]+=\[$DUMP_TOPIC-0\]\}\"\} ]]
  # --offsets-decoder on a non-offsets log fails as Kafka's decoder does (record without key)
  run --separate-stderr "$REPO_ROOT/bin/kafka-dump-log.sh" --files "$SEG.log" --offsets-decoder
  [ "$status" -eq 1 ]
  [ "$stderr" = 'Exception in thread "main" org.apache.kafka.common.KafkaException: Unknown message key schema version 27441' ]
}
