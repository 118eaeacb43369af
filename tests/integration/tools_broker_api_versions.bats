#!/usr/bin/env bats
# kafka-broker-api-versions.sh: Kafka 2.5's NodeApiVersions format, checked
# line by line against the ranges the broker advertises to a second,
# independent ApiVersions client (a raw v0 request from Python).

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
  zk_start
  broker_start
}

teardown_file() { stop_all; }
teardown() {
  show_logs_on_failure
  [[ -z ${SILENT_PID:-} ]] || stop_pid "$SILENT_PID" silent 5
}

# expected_output: what Kafka 2.5's tool prints for the advertised ranges.
expected_output() {
  "$PY" - "$BROKER_PORT" <<'EOF2'
import socket, struct, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
cid = b"check"
req = struct.pack(">hhih", 18, 0, 7, len(cid)) + cid
s.sendall(struct.pack(">i", len(req)) + req)
def rd(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise SystemExit("closed")
        b += c
    return b
size, = struct.unpack(">i", rd(4))
body = rd(size)[4:]
err, n = struct.unpack(">hi", body[:6])
adv = {}
for i in range(n):
    k, lo, hi = struct.unpack(">hhh", body[6 + 6 * i: 12 + 6 * i])
    adv[k] = (lo, hi)
# Kafka 2.5 ApiKeys: name and latest version
keys = """Produce 8,Fetch 11,ListOffsets 5,Metadata 9,LeaderAndIsr 4,StopReplica 2,UpdateMetadata 6,
ControlledShutdown 3,OffsetCommit 8,OffsetFetch 7,FindCoordinator 3,JoinGroup 7,Heartbeat 4,LeaveGroup 4,
SyncGroup 5,DescribeGroups 5,ListGroups 3,SaslHandshake 1,ApiVersions 3,CreateTopics 5,DeleteTopics 4,
DeleteRecords 1,InitProducerId 3,OffsetForLeaderEpoch 3,AddPartitionsToTxn 1,AddOffsetsToTxn 1,EndTxn 1,
WriteTxnMarkers 0,TxnOffsetCommit 3,DescribeAcls 2,CreateAcls 2,DeleteAcls 2,DescribeConfigs 2,
AlterConfigs 1,AlterReplicaLogDirs 1,DescribeLogDirs 1,SaslAuthenticate 2,CreatePartitions 2,
CreateDelegationToken 2,RenewDelegationToken 2,ExpireDelegationToken 2,DescribeDelegationToken 2,
DeleteGroups 2,ElectLeaders 2,IncrementalAlterConfigs 1,AlterPartitionReassignments 0,
ListPartitionReassignments 0,OffsetDelete 0""".replace("\n", "").split(",")
items = []
for k, kv in enumerate(keys):
    name, latest = kv.split()
    if k not in adv:
        items.append("%s(%d): UNSUPPORTED" % (name, k))
        continue
    lo, hi = adv[k]
    r = "%d" % lo if lo == hi else "%d to %d" % (lo, hi)
    items.append("%s(%d): %s [usable: %d]" % (name, k, r, min(int(latest), hi)))
for k in sorted(adv):
    if k >= len(keys):
        lo, hi = adv[k]
        items.append("UNKNOWN(%d): %s" % (k, "%d" % lo if lo == hi else "%d to %d" % (lo, hi)))
print("127.0.0.1:%d (id: 1 rack: null) -> (\n\t" % port + ",\n\t".join(items) + "\n)")
EOF2
}

@test "broker-api-versions: Kafka 2.5's format for every API key, matching the advertised ranges" {
  run ktool kafka-broker-api-versions.sh --bootstrap-server "$BROKER"
  [ "$status" -eq 0 ]
  expected=$(expected_output)
  diff <(printf '%s\n' "$output") <(printf '%s\n' "$expected")
  # spot checks of the format itself
  [ "${lines[0]}" = "127.0.0.1:$BROKER_PORT (id: 1 rack: null) -> (" ]
  [ "${lines[1]}" = $'\t'"Produce(0): 0 to 8 [usable: 8]," ]
  [ "${lines[4]}" = $'\t'"Metadata(3): 0 to 8 [usable: 8]," ]
  [ "${lines[5]}" = $'\t'"LeaderAndIsr(4): 0 to 4 [usable: 4]," ]
  [ "${lines[19]}" = $'\t'"ApiVersions(18): 0 to 3 [usable: 3]," ]
  [ "${lines[48]}" = $'\t'"OffsetDelete(47): UNSUPPORTED" ] || [[ ${lines[48]} == $'\t'"OffsetDelete(47): 0 [usable: 0]" ]]
  [ "${lines[49]}" = ")" ]
  [ "${#lines[@]}" -eq 50 ]
}

@test "broker-api-versions: --bootstrap-server is required; unknown options print usage" {
  run --separate-stderr ktool kafka-broker-api-versions.sh
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "This tool helps to retrieve broker version information." ]
  run --separate-stderr ktool kafka-broker-api-versions.sh --command-config /dev/null
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = 'Missing required argument "[bootstrap-server]"' ]
  run --separate-stderr ktool kafka-broker-api-versions.sh --bootstrap-server "$BROKER" --nope
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "nope is not a recognized option" ]
}

@test "broker-api-versions: an unreachable bootstrap server fails within the timeout" {
  local port cfg
  port=$(free_port)
  cfg=$BATS_TEST_TMPDIR/admin.properties
  echo "request.timeout.ms=1000" >"$cfg"
  local start=$SECONDS
  run --separate-stderr ktool kafka-broker-api-versions.sh --bootstrap-server "127.0.0.1:$port" --command-config "$cfg"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[-1]}" = "Exception in thread \"main\" java.lang.RuntimeException: Request METADATA failed on brokers List(127.0.0.1:$port (id: -1 rack: null))" ]
  ((SECONDS - start < 10))
  # before it, NetworkClient's WARN per connection attempt
  local i
  for ((i = 0; i < ${#stderr_lines[@]} - 1; i++)); do
    [[ ${stderr_lines[i]} =~ ^\[[0-9-]+\ [0-9:,]+\]\ WARN\ \[[A-Za-z]+\ clientId=[^]]+\]\ Connection\ to\ node\ -1\ \(/127\.0\.0\.1:$port\)\ could\ not\ be\ established\.\ Broker\ may\ not\ be\ available\.\ \(org\.apache\.kafka\.clients\.NetworkClient\)$ ]]
  done
}

@test "broker-api-versions: request.timeout.ms (default 5000) bounds each request on each bootstrap broker; default.api.timeout.ms is not its client's" {
  local port cfg start
  port=$(free_port)
  silent_listener "$port"
  cfg=$BATS_TEST_TMPDIR/admin.properties
  # BrokerApiVersionsCommand's legacy AdminClient knows request.timeout.ms
  # only: no KIP-533 check, and the silent broker costs 1.5 s, not 0.1 s
  printf 'request.timeout.ms=1500\ndefault.api.timeout.ms=100\n' >"$cfg"
  start=$SECONDS
  run --separate-stderr ktool kafka-broker-api-versions.sh --bootstrap-server "127.0.0.1:$port,$BROKER" \
    --command-config "$cfg"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == *" (id: "*" rack: null) -> (" ]]
  ((SECONDS - start >= 1 && SECONDS - start < 8))
  # no --command-config: Kafka's 5000 ms
  start=$SECONDS
  run --separate-stderr ktool kafka-broker-api-versions.sh --bootstrap-server "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  [ "${stderr_lines[-1]}" = "Exception in thread \"main\" java.lang.RuntimeException: Request METADATA failed on brokers List(127.0.0.1:$port (id: -1 rack: null))" ]
  ((SECONDS - start >= 4 && SECONDS - start < 10))
}
