#!/usr/bin/python3
"""Valid requests for every API and version the broker advertises, and every
truncation of them, sent over raw sockets (stdlib only).

    kafka_requests.py truncations --bootstrap H:P [--max-seconds S] [--only KEY[,KEY]] [-v]

The broker's ApiVersions answer decides what is tested: every advertised
(API key, version) must have an encoder here (the SCHEMAS table below, field
layouts as in Kafka's clients/src/main/resources/common/message/*Request.json
and in broker/kafka/api_*.c).  For each one:

  full      the valid request gets a well-formed answer (size, correlation
            id, first response field);
  prefixes  every prefix of the body, 0..len-1 bytes, framed consistently,
            each on a new connection: the broker closes the connection or
            answers (a prefix may be a valid shorter request); no hang;
  mutations the body plus one garbage byte; every array count set to -2,
            0x7fffffff and 0; every string / bytes length set to -2 and
            past the end of the frame (0x7fff, 0x7fffffff, remaining+1):
            closed or answered, no hang;
  alive     after each API a new connection gets ApiVersions answered.

Each wait is bounded (--wait, 5 s); the whole run by --max-seconds.
Names are unique per run (topic ktrunc-<run>, group ktrunc-g-<run>); bodies
change nothing that lasts: CreateTopics v1+ and the config/partition
alterations are validate_only, DeleteTopics names a topic that does not
exist, and the run's own topics and group are deleted at the end.
Exit: 0 pass, 1 failure, 2 cannot connect, 3 usage.
"""
import argparse
import os
import socket
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_requests import (Conn, Fail, NoConn, Reader, alive, api_versions,  # noqa: E402
                          compact_string, frame, header_v1, record_batch, run_command,
                          uvarint)

WAIT = 5.0
MAX_HANGS = 5  # then give up: each costs a full wait
LINGER_RST = struct.pack("ii", 1, 0)


# ---------------------------------------------------------------- schema --
#
# A field is (name, type, (lo, hi) versions, subfields).  Types: i8 i16 i32
# i64, str (int16 length), nstr (nullable), bytes / nbytes (int32 length),
# cstr (compact string), tags (empty tagged-field buffer), [] (array of
# structs), [i32] / [str] (arrays of primitives); a leading n marks a
# nullable array, c[] / c[i32] a compact (flexible-version) one.  Values come from a dict per API (see values()); a value
# may be a function of the version.

def F(name, typ, versions="0+", fields=()):
    if versions.endswith("+"):
        lo, hi = int(versions[:-1]), 999
    elif "-" in versions:
        lo, hi = (int(x) for x in versions.split("-"))
    else:
        lo = hi = int(versions)
    return (name, typ, (lo, hi), fields)


SCHEMAS = {
    0: ("Produce", [
        F("transactional_id", "nstr", "3+"), F("acks", "i16"), F("timeout_ms", "i32"),
        F("topics", "[]", fields=[
            F("name", "str"),
            F("partitions", "[]", fields=[F("index", "i32"), F("records", "nbytes")])])]),
    1: ("Fetch", [
        F("replica_id", "i32"), F("max_wait_ms", "i32"), F("min_bytes", "i32"),
        F("max_bytes", "i32", "3+"), F("isolation_level", "i8", "4+"),
        F("session_id", "i32", "7+"), F("session_epoch", "i32", "7+"),
        F("topics", "[]", fields=[
            F("topic", "str"),
            F("partitions", "[]", fields=[
                F("partition", "i32"), F("current_leader_epoch", "i32", "9+"),
                F("fetch_offset", "i64"), F("log_start_offset", "i64", "5+"),
                F("partition_max_bytes", "i32")])]),
        F("forgotten_topics_data", "[]", "7+", [F("topic", "str"), F("partitions", "[i32]")]),
        F("rack_id", "str", "11+")]),
    2: ("ListOffsets", [
        F("replica_id", "i32"), F("isolation_level", "i8", "2+"),
        F("topics", "[]", fields=[
            F("name", "str"),
            F("partitions", "[]", fields=[
                F("partition_index", "i32"), F("current_leader_epoch", "i32", "4+"),
                F("timestamp", "i64"), F("max_num_offsets", "i32", "0")])])]),
    3: ("Metadata", [
        F("topics", "n[]", fields=[F("name", "str")]),
        F("allow_auto_topic_creation", "i8", "4+"),
        F("include_cluster_authorized_operations", "i8", "8+"),
        F("include_topic_authorized_operations", "i8", "8+")]),
    8: ("OffsetCommit", [
        F("group_id", "str"), F("generation_id", "i32", "1+"), F("member_id", "str", "1+"),
        F("retention_time_ms", "i64", "2-4"), F("group_instance_id", "nstr", "7+"),
        F("topics", "[]", fields=[
            F("name", "str"),
            F("partitions", "[]", fields=[
                F("partition_index", "i32"), F("committed_offset", "i64"),
                F("committed_leader_epoch", "i32", "6+"), F("commit_timestamp", "i64", "1"),
                F("committed_metadata", "nstr")])])]),
    9: ("OffsetFetch", [
        F("group_id", "str"),
        F("topics", "n[]", fields=[F("name", "str"), F("partition_indexes", "[i32]")])]),
    10: ("FindCoordinator", [F("key", "str"), F("key_type", "i8", "1+")]),
    11: ("JoinGroup", [
        F("group_id", "str"), F("session_timeout_ms", "i32"),
        F("rebalance_timeout_ms", "i32", "1+"), F("member_id", "str"),
        F("group_instance_id", "nstr", "5+"), F("protocol_type", "str"),
        F("protocols", "[]", fields=[F("name", "str"), F("metadata", "bytes")])]),
    12: ("Heartbeat", [
        F("group_id", "str"), F("generation_id", "i32"), F("member_id", "str"),
        F("group_instance_id", "nstr", "3+")]),
    13: ("LeaveGroup", [
        F("group_id", "str"), F("member_id", "str", "0-2"),
        F("members", "[]", "3+", [F("member_id", "str"), F("group_instance_id", "nstr")])]),
    14: ("SyncGroup", [
        F("group_id", "str"), F("generation_id", "i32"), F("member_id", "str"),
        F("group_instance_id", "nstr", "3+"),
        F("assignments", "[]", fields=[F("member_id", "str"), F("assignment", "bytes")])]),
    15: ("DescribeGroups", [
        F("groups", "[str]"), F("include_authorized_operations", "i8", "3+")]),
    16: ("ListGroups", []),
    18: ("ApiVersions", [
        F("client_software_name", "cstr", "3+"), F("client_software_version", "cstr", "3+"),
        F("tags", "tags", "3+")]),
    19: ("CreateTopics", [
        F("topics", "[]", fields=[
            F("name", "str"), F("num_partitions", "i32"), F("replication_factor", "i16"),
            F("assignments", "[]", fields=[F("partition_index", "i32"), F("broker_ids", "[i32]")]),
            F("configs", "[]", fields=[F("name", "str"), F("value", "nstr")])]),
        F("timeout_ms", "i32"), F("validate_only", "i8", "1+")]),
    20: ("DeleteTopics", [F("topic_names", "[str]"), F("timeout_ms", "i32")]),
    21: ("DeleteRecords", [
        F("topics", "[]", fields=[
            F("name", "str"),
            F("partitions", "[]", fields=[F("partition_index", "i32"), F("offset", "i64")])]),
        F("timeout_ms", "i32")]),
    22: ("InitProducerId", [F("transactional_id", "nstr"), F("transaction_timeout_ms", "i32")]),
    43: ("ElectLeaders", [
        F("election_type", "i8", "1+"),
        F("topic_partitions", "n[]", "0-1", [F("topic", "str"), F("partition_id", "[i32]")]),
        F("topic_partitions", "c[]", "2+", [
            F("topic", "cstr"), F("partition_id", "c[i32]"), F("tags", "tags")]),
        F("timeout_ms", "i32"), F("tags", "tags", "2+")]),
    7: ("ControlledShutdown", [
        F("broker_id", "i32"), F("broker_epoch", "i64", "2+"), F("tags", "tags", "3+")]),
    23: ("OffsetForLeaderEpoch", [
        F("replica_id", "i32", "3+"),
        F("topics", "[]", fields=[
            F("name", "str"),
            F("partitions", "[]", fields=[
                F("partition_index", "i32"), F("current_leader_epoch", "i32", "2+"),
                F("leader_epoch", "i32")])])]),
    32: ("DescribeConfigs", [
        F("resources", "[]", fields=[
            F("resource_type", "i8"), F("resource_name", "str"),
            F("configuration_keys", "n[str]")]),
        F("include_synonyms", "i8", "1+")]),
    33: ("AlterConfigs", [
        F("resources", "[]", fields=[
            F("resource_type", "i8"), F("resource_name", "str"),
            F("configs", "[]", fields=[F("name", "str"), F("value", "nstr")])]),
        F("validate_only", "i8")]),
    37: ("CreatePartitions", [
        F("topics", "[]", fields=[
            F("name", "str"), F("count", "i32"),
            F("assignments", "n[]", fields=[F("broker_ids", "[i32]")])]),
        F("timeout_ms", "i32"), F("validate_only", "i8")]),
    35: ("DescribeLogDirs", [
        F("topics", "n[]", fields=[F("topic", "str"), F("partitions", "[i32]")])]),
    42: ("DeleteGroups", [F("groups_names", "[str]")]),
    44: ("IncrementalAlterConfigs", [
        F("resources", "[]", fields=[
            F("resource_type", "i8"), F("resource_name", "str"),
            F("configs", "[]", fields=[
                F("name", "str"), F("config_operation", "i8"), F("value", "nstr")])]),
        F("validate_only", "i8")]),
    45: ("AlterPartitionReassignments", [
        F("timeout_ms", "i32"),
        F("topics", "c[]", fields=[
            F("name", "cstr"),
            F("partitions", "c[]", fields=[
                F("partition_index", "i32"), F("replicas", "c[i32]"), F("tags", "tags")]),
            F("tags", "tags")]),
        F("tags", "tags")]),
    46: ("ListPartitionReassignments", [
        F("timeout_ms", "i32"),
        F("topics", "c[]", fields=[
            F("name", "cstr"), F("partition_indexes", "c[i32]"), F("tags", "tags")]),
        F("tags", "tags")]),
    47: ("OffsetDelete", [
        F("group_id", "str"),
        F("topics", "[]", fields=[
            F("name", "str"), F("partitions", "[]", fields=[F("partition_index", "i32")])])]),
}


# The controller's requests (LeaderAndIsr, StopReplica, UpdateMetadata):
# their partition states, classic (c=False) or compact (flexible versions).
def _partition_state(key, compact, with_topic):
    arr = "c[i32]" if compact else "[i32]"
    fields = [F("topic_name", "str")] if with_topic else []
    fields += [F("partition_index", "i32"), F("controller_epoch", "i32"), F("leader", "i32"),
               F("leader_epoch", "i32"), F("isr", arr), F("zk_version", "i32"),
               F("replicas", arr)]
    if key == 4:
        fields += [F("adding_replicas", arr, "3+"), F("removing_replicas", arr, "3+"),
                   F("is_new", "i8", "1+")]
    else:
        fields += [F("offline_replicas", arr, "4+")]
    if compact:
        fields.append(F("tags", "tags"))
    return fields


SCHEMAS.update({
    4: ("LeaderAndIsr", [
        F("controller_id", "i32"), F("controller_epoch", "i32"), F("broker_epoch", "i64", "2+"),
        F("ungrouped_partition_states", "[]", "0-1", _partition_state(4, False, True)),
        F("topic_states", "[]", "2-3", [
            F("topic_name", "str"),
            F("partition_states", "[]", fields=_partition_state(4, False, False))]),
        F("topic_states", "c[]", "4+", [
            F("topic_name", "cstr"),
            F("partition_states", "c[]", fields=_partition_state(4, True, False)),
            F("tags", "tags")]),
        F("live_leaders", "[]", "0-3", [
            F("broker_id", "i32"), F("host_name", "str"), F("port", "i32")]),
        F("live_leaders", "c[]", "4+", [
            F("broker_id", "i32"), F("host_name", "cstr"), F("port", "i32"), F("tags", "tags")]),
        F("tags", "tags", "4+")]),
    5: ("StopReplica", [
        F("controller_id", "i32"), F("controller_epoch", "i32"), F("broker_epoch", "i64", "1+"),
        F("delete_partitions", "i8"),
        F("ungrouped_partitions", "[]", "0", [F("topic_name", "str"), F("partition_index", "i32")]),
        F("topics", "[]", "1", [F("name", "str"), F("partition_indexes", "[i32]")]),
        F("topics", "c[]", "2+", [
            F("name", "cstr"), F("partition_indexes", "c[i32]"), F("tags", "tags")]),
        F("tags", "tags", "2+")]),
    6: ("UpdateMetadata", [
        F("controller_id", "i32"), F("controller_epoch", "i32"), F("broker_epoch", "i64", "5+"),
        F("ungrouped_partition_states", "[]", "0-4", _partition_state(6, False, True)),
        F("topic_states", "[]", "5", [
            F("topic_name", "str"),
            F("partition_states", "[]", fields=_partition_state(6, False, False))]),
        F("topic_states", "c[]", "6+", [
            F("topic_name", "cstr"),
            F("partition_states", "c[]", fields=_partition_state(6, True, False)),
            F("tags", "tags")]),
        F("live_brokers", "[]", "0-5", [
            F("id", "i32"), F("v0_host", "str", "0"), F("v0_port", "i32", "0"),
            F("endpoints", "[]", "1+", [
                F("port", "i32"), F("host", "str"), F("listener", "str", "3+"),
                F("security_protocol", "i16")]),
            F("rack", "nstr", "2+")]),
        F("live_brokers", "c[]", "6+", [
            F("id", "i32"),
            F("endpoints", "c[]", fields=[
                F("port", "i32"), F("host", "cstr"), F("listener", "cstr"),
                F("security_protocol", "i16"), F("tags", "tags")]),
            F("rack", "cstr"), F("tags", "tags")]),
        F("tags", "tags", "6+")]),
})

# Versions from which an API uses the flexible request header v2 (tagged
# fields after client_id).  ApiVersions answers with header v0 regardless.
FLEXIBLE_FROM = {18: 3, 7: 3, 43: 2, 45: 0, 46: 0, 4: 4, 5: 2, 6: 6}

# The first field of each response: version from which it is
# throttle_time_ms, and what it is before that.
FIRST_FIELD = {
    0: (999, "array"), 1: (1, "array"), 2: (2, "array"), 3: (3, "array"),
    8: (3, "array"), 9: (3, "array"), 10: (1, "error"), 11: (2, "error"),
    12: (1, "error"), 13: (1, "error"), 14: (1, "error"), 15: (1, "array"),
    16: (1, "error"), 18: (999, "error"), 19: (2, "array"), 20: (1, "array"),
    7: (999, "error"), 23: (2, "array"), 43: (0, None),
    4: (999, "error"), 5: (999, "error"), 6: (999, "error"),
    21: (0, None), 22: (0, None), 32: (0, None), 33: (0, None), 35: (0, None), 37: (0, None),
    42: (0, None), 44: (0, None), 45: (0, None), 46: (0, None), 47: (999, "error"),
}

PRIM = {"i8": ">b", "i16": ">h", "i32": ">i", "i64": ">q"}


class Body:
    """A request body and where its length fields are, for the mutations."""

    def __init__(self):
        self.b = bytearray()
        self.marks = []  # (offset, kind, field path)

    def put(self, fmt, value):
        self.b += struct.pack(fmt, value)

    def mark(self, kind, path):
        self.marks.append((len(self.b), kind, path))


def _encode(fields, values, v, out, path):
    for name, typ, (lo, hi), sub in fields:
        if not lo <= v <= hi:
            continue
        if name not in values:
            raise Fail("encoder: no value for %s%s (v%d)" % (path, name, v))
        val = values[name]
        if callable(val):
            val = val(v)
        p = path + name
        if typ in PRIM:
            out.put(PRIM[typ], val)
        elif typ in ("str", "nstr"):
            out.mark("str", p)
            b = None if val is None else val.encode()
            out.put(">h", -1 if b is None else len(b))
            out.b += b or b""
        elif typ in ("bytes", "nbytes"):
            out.mark("bytes", p)
            out.put(">i", -1 if val is None else len(val))
            out.b += val or b""
        elif typ == "cstr":
            out.mark("cstr", p)
            out.b += compact_string(val)
        elif typ == "tags":
            out.b += uvarint(0)
        elif typ.startswith("c["):
            # compact array (flexible versions): uvarint count + 1, 0 = null;
            # its length is mutated as a compact string's is
            out.mark("cstr", p)
            out.b += uvarint(0 if val is None else len(val) + 1)
            item = typ[2:-1]
            for i, x in enumerate(val or ()):
                if item:
                    _encode([F("", item)], {"": x}, v, out, "%s[%d]" % (p, i))
                else:
                    _encode(sub, x, v, out, "%s[%d]." % (p, i))
        elif "[" in typ:
            out.mark("ncount" if typ.startswith("n") else "count", p)
            out.put(">i", -1 if val is None else len(val))
            item = typ[typ.index("[") + 1:-1]
            for i, x in enumerate(val or ()):
                if item:
                    _encode([F("", item)], {"": x}, v, out, "%s[%d]" % (p, i))
                else:
                    _encode(sub, x, v, out, "%s[%d]." % (p, i))
        else:
            raise Fail("encoder: unknown type %s for %s" % (typ, p))


def encode(key, v, ctx):
    out = Body()
    _encode(SCHEMAS[key][1], values(ctx)[key], v, out, "")
    return out


def header(key, v, corr):
    hdr = header_v1(key, v, corr)
    if v >= FLEXIBLE_FROM.get(key, 999):
        hdr += uvarint(0)
    return hdr


# --------------------------------------------------------------- records --

def legacy_message_set(values, magic):
    """Message format v0/v1 (magic 0: Produce v0-1, magic 1: v2), CRC-32."""
    ts = int(time.time() * 1000)
    out = b""
    for i, val in enumerate(values):
        body = struct.pack(">bb", magic, 0)
        if magic == 1:
            body += struct.pack(">q", ts)
        body += struct.pack(">i", 3) + b"key" + struct.pack(">i", len(val)) + val
        msg = struct.pack(">I", zlib.crc32(body)) + body
        out += struct.pack(">qi", i, len(msg)) + msg
    return out


def produce_records(v):
    vals = [b"ktrunc-%d" % v, b"second"]
    if v <= 1:
        return legacy_message_set(vals, 0)
    if v == 2:
        return legacy_message_set(vals, 1)
    return record_batch(vals, key=b"ktrunc")


# ---------------------------------------------------------------- values --

def _state(t, b):
    """Partition 0 of topic t on broker b alone, at leader epoch 0."""
    return {"topic_name": t, "partition_index": 0, "controller_epoch": 0, "leader": b,
            "leader_epoch": 0, "isr": [b], "zk_version": 0, "replicas": [b],
            "adding_replicas": [], "removing_replicas": [], "offline_replicas": [],
            "tags": None}


def values(ctx):
    t, g, b = ctx["topic"], ctx["group"], ctx["broker_id"]
    config = [{"name": "retention.ms", "value": "86400000"}]
    return {
        0: {"transactional_id": None, "acks": 1, "timeout_ms": 5000,
            "topics": [{"name": t, "partitions": [{"index": 0, "records": produce_records}]}]},
        1: {"replica_id": -1, "max_wait_ms": 0, "min_bytes": 1, "max_bytes": 65536,
            "isolation_level": 0, "session_id": 0, "session_epoch": -1,
            "topics": [{"topic": t, "partitions": [
                {"partition": 0, "current_leader_epoch": -1, "fetch_offset": 0,
                 "log_start_offset": -1, "partition_max_bytes": 4096}]}],
            "forgotten_topics_data": [{"topic": t + "-forgotten", "partitions": [0, 1]}],
            "rack_id": "ktrunc-rack"},
        2: {"replica_id": -1, "isolation_level": 0,
            "topics": [{"name": t, "partitions": [
                {"partition_index": 0, "current_leader_epoch": -1, "timestamp": -1,
                 "max_num_offsets": 1}]}]},
        3: {"topics": [{"name": t}], "allow_auto_topic_creation": 0,
            "include_cluster_authorized_operations": 1, "include_topic_authorized_operations": 1},
        # a simple commit (generation -1, no member) for the run's group
        8: {"group_id": g, "generation_id": -1, "member_id": "", "retention_time_ms": -1,
            "group_instance_id": None,
            "topics": [{"name": t, "partitions": [
                {"partition_index": 0, "committed_offset": 1, "committed_leader_epoch": -1,
                 "commit_timestamp": -1, "committed_metadata": "ktrunc"}]}]},
        9: {"group_id": g, "topics": [{"name": t, "partition_indexes": [0]}]},
        10: {"key": g, "key_type": 0},
        # session timeout 1 ms is below group.min.session.timeout.ms: answered
        # at once with INVALID_SESSION_TIMEOUT, no member is ever added
        11: {"group_id": g, "session_timeout_ms": 1, "rebalance_timeout_ms": 1000,
             "member_id": "", "group_instance_id": "ktrunc-instance", "protocol_type": "consumer",
             "protocols": [{"name": "range", "metadata": b"\x00\x01\x00\x00\x00\x00"}]},
        12: {"group_id": g, "generation_id": 1, "member_id": "ktrunc-member",
             "group_instance_id": "ktrunc-instance"},
        13: {"group_id": g, "member_id": "ktrunc-member",
             "members": [{"member_id": "ktrunc-member", "group_instance_id": "ktrunc-instance"}]},
        14: {"group_id": g, "generation_id": 1, "member_id": "ktrunc-member",
             "group_instance_id": "ktrunc-instance",
             "assignments": [{"member_id": "ktrunc-member", "assignment": b"\x00\x01"}]},
        15: {"groups": [g], "include_authorized_operations": 1},
        16: {},
        18: {"client_software_name": "ktrunc", "client_software_version": "1.0", "tags": None},
        19: {"topics": lambda v: [
                {"name": t + ("-ct0" if v == 0 else "-ctv"), "num_partitions": 1,
                 "replication_factor": 1, "assignments": [], "configs": config}] + ([] if v == 0 else [
                {"name": t + "-ctv-assigned", "num_partitions": -1, "replication_factor": -1,
                 "assignments": [{"partition_index": 0, "broker_ids": [b]}], "configs": []}]),
             "timeout_ms": 10000, "validate_only": 1},
        20: {"topic_names": [t + "-absent"], "timeout_ms": 10000},
        21: {"topics": [{"name": t, "partitions": [{"partition_index": 0, "offset": 0}]}],
             "timeout_ms": 10000},
        22: {"transactional_id": None, "transaction_timeout_ms": 60000},
        # a broker id nobody has: answered BROKER_NOT_AVAILABLE, nothing moves
        7: {"broker_id": 987654, "broker_epoch": -1, "tags": None},
        # a preferred election on the run's topic: its only replica already leads
        43: {"election_type": 0, "timeout_ms": 10000, "tags": None,
             "topic_partitions": [{"topic": t, "partition_id": [0], "tags": None}]},
        23: {"replica_id": -1, "topics": [{"name": t, "partitions": [
                {"partition_index": 0, "current_leader_epoch": -1, "leader_epoch": 0}]}]},
        32: {"resources": [{"resource_type": 2, "resource_name": t,
                            "configuration_keys": ["retention.ms", "cleanup.policy"]}],
             "include_synonyms": 1},
        33: {"resources": [{"resource_type": 2, "resource_name": t, "configs": config}],
             "validate_only": 1},
        37: {"topics": [{"name": t, "count": 2, "assignments": [{"broker_ids": [b]}]}],
             "timeout_ms": 10000, "validate_only": 1},
        35: {"topics": [{"topic": t, "partitions": [0]}]},
        42: {"groups_names": [g]},
        44: {"resources": [{"resource_type": 2, "resource_name": t, "configs": [
                {"name": "retention.ms", "config_operation": 0, "value": "86400000"}]}],
             "validate_only": 1},
        47: {"group_id": g, "topics": [{"name": t, "partitions": [{"partition_index": 0}]}]},
        # the controller's requests, at controller epoch 0 (older than any
        # controller's: refused with STALE_CONTROLLER_EPOCH where one has
        # spoken) and harmless where they are not refused: LeaderAndIsr
        # repeats epoch 0 of the run's partition (not newer: not applied),
        # UpdateMetadata names a partition this broker replicates (not
        # cached), StopReplica a topic that does not exist
        4: {"controller_id": b, "controller_epoch": 0, "broker_epoch": -1, "tags": None,
            "ungrouped_partition_states": [dict(_state(t, b), is_new=0)],
            "topic_states": [{"topic_name": t, "tags": None,
                              "partition_states": [dict(_state(t, b), is_new=0)]}],
            "live_leaders": [{"broker_id": b, "host_name": "localhost", "port": 9092,
                              "tags": None}]},
        5: {"controller_id": b, "controller_epoch": 0, "broker_epoch": -1, "tags": None,
            "delete_partitions": 1,
            "ungrouped_partitions": [{"topic_name": t + "-absent", "partition_index": 0}],
            "topics": [{"name": t + "-absent", "partition_indexes": [0, 1], "tags": None}]},
        6: {"controller_id": b, "controller_epoch": 0, "broker_epoch": -1, "tags": None,
            "ungrouped_partition_states": [_state(t, b)],
            "topic_states": [{"topic_name": t, "tags": None, "partition_states": [_state(t, b)]}],
            "live_brokers": [{"id": b, "v0_host": "localhost", "v0_port": 9092, "tags": None,
                              "rack": "ktrunc-rack", "endpoints": [
                                  {"port": 9092, "host": "localhost", "listener": "PLAINTEXT",
                                   "security_protocol": 0, "tags": None}]}]},
        # the run's topic reassigned onto the broker it is on: nothing moves
        45: {"timeout_ms": 10000, "tags": None,
             "topics": [{"name": t, "tags": None, "partitions": [
                 {"partition_index": 0, "replicas": [b], "tags": None}]}]},
        46: {"timeout_ms": 10000, "tags": None,
             "topics": [{"name": t, "partition_indexes": [0], "tags": None}]},
    }


# ------------------------------------------------------------- mutations --

def mutations(body):
    """(description, mutated body) for the trailing byte, every array count
    and every length field."""
    b = bytes(body.b)
    out = [("one trailing garbage byte", b + b"\xa5")]
    for off, kind, path in body.marks:
        if kind in ("count", "ncount"):
            # -1 (null) only where the array may not be null
            for n in (-2, 0x7FFFFFFF, 0) + ((-1,) if kind == "count" else ()):
                out.append(("%s count %d" % (path, n), b[:off] + struct.pack(">i", n) + b[off + 4:]))
        elif kind == "str":
            past = len(b) - off - 2 + 1
            for n in sorted({-2, 0x7FFF, past}):
                if n <= 0x7FFF:
                    out.append(("%s length %d" % (path, n),
                                b[:off] + struct.pack(">h", n) + b[off + 2:]))
        elif kind == "bytes":
            past = len(b) - off - 4 + 1
            for n in sorted({-2, 0x7FFFFFFF, past}):
                out.append(("%s length %d" % (path, n),
                            b[:off] + struct.pack(">i", n) + b[off + 4:]))
        elif kind == "cstr":
            old = 1  # the test's compact strings are short: a 1-byte uvarint
            past = len(b) - off - old + 1
            for n in sorted({0x7FFF, past}):
                out.append(("%s compact length %d" % (path, n),
                            b[:off] + uvarint(n + 1) + b[off + old:]))
    return out


# ------------------------------------------------------------- transport --

class Broker:
    """One request per new connection; remembers the last request sent so
    a broker that dies can be blamed on it."""

    def __init__(self, bootstrap, wait):
        host, port = bootstrap.rsplit(":", 1)
        self.addr = (host, int(port))
        self.bootstrap = bootstrap
        self.wait = wait
        self.last = "nothing yet"

    def exchange(self, key, v, body, what):
        """Returns 'closed' or 'answered'; raises Fail on a hang or garbage."""
        corr = 0x5EED0000 + len(body)
        payload = frame(header(key, v, corr) + body)
        try:
            s = socket.create_connection(self.addr, timeout=self.wait)
        except OSError as e:
            raise Fail("cannot connect (%s) right after: %s" % (e, self.last))
        self.last = what
        try:
            s.settimeout(self.wait)
            try:
                s.sendall(payload)
            except (ConnectionResetError, BrokenPipeError):
                return "closed"
            try:
                data = recv_frame(s)
            except socket.timeout:
                raise Fail("%s: neither answered nor closed within %.0f s" % (what, self.wait))
            if data is None:
                return "closed"
            check_response(key, v, corr, data, what)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)  # no TIME_WAIT
            return "answered"
        finally:
            s.close()


def recv_frame(s):
    """One response frame, or None if the connection closed before any byte."""
    buf = bytearray()
    need = 4
    while len(buf) < need:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            if not buf:
                return None
            raise Fail("connection closed after %d bytes of a %d-byte response" % (len(buf), need))
        buf += chunk
        if need == 4 and len(buf) >= 4:
            (size,) = struct.unpack(">i", buf[:4])
            if size < 4 or size > 64 << 20:
                raise Fail("response size %d is implausible (bytes %r)" % (size, bytes(buf[:16])))
            need = 4 + size
    return bytes(buf[4:need])


def check_response(key, v, corr, data, what):
    r = Reader(data)
    got = r.take(">i")
    if got != corr:
        raise Fail("%s: response correlation id %d, expected %d" % (what, got, corr))
    if key != 18 and v >= FLEXIBLE_FROM.get(key, 999):
        r.take(">b")  # response header v1: tagged fields
    throttle_from, before = FIRST_FIELD[key]
    try:
        if v >= throttle_from:
            ok = r.take(">i") >= 0
            first = "throttle_time_ms"
        elif before == "error":
            ok = -1 <= r.take(">h") < 200
            first = "error_code"
        else:
            n = r.take(">i")
            ok = 0 <= n <= len(data)
            first = "array count %d" % n
    except Fail as e:
        raise Fail("%s: response of %d bytes does not parse: %s" % (what, len(data), e))
    if not ok:
        raise Fail("%s: implausible first response field (%s): %r" % (what, first, data[:24]))


# ------------------------------------------------------------ the driver --

def request(bootstrap, key, v, body):
    c = Conn(bootstrap)
    try:
        return Reader(c.request(key, v, body, flexible_header=v >= FLEXIBLE_FROM.get(key, 999)))
    finally:
        c.close()


def setup(bootstrap, versions, ctx):
    """The run's topic, created and with a leader, and the broker id."""
    if 3 not in versions or 19 not in versions:
        raise Fail("the broker must advertise Metadata and CreateTopics")
    cv = min(versions[19][1], 4)
    spec = {"topics": [{"name": ctx["topic"], "num_partitions": 1, "replication_factor": 1,
                        "assignments": [], "configs": []}],
            "timeout_ms": 10000, "validate_only": 0}
    out = Body()
    _encode(SCHEMAS[19][1], spec, cv, out, "")
    request(bootstrap, 19, cv, bytes(out.b))
    deadline = time.time() + 30
    while True:
        broker_id, leader = metadata_leader(bootstrap, ctx["topic"])
        if leader >= 0:
            ctx["broker_id"] = broker_id
            break
        if time.time() > deadline:
            raise Fail("topic %s has no leader 30 s after CreateTopics" % ctx["topic"])
        time.sleep(0.2)
    # the group coordinator loaded, so that group requests reach the group
    # code rather than stopping at NOT_COORDINATOR
    out = Body()
    _encode(SCHEMAS[10][1], {"key": ctx["group"]}, 0, out, "")
    while True:
        err = request(bootstrap, 10, 0, bytes(out.b)).take(">h")
        if err == 0:
            return
        if time.time() > deadline:
            print("note: FindCoordinator still answers error %d; group requests will get it too"
                  % err)
            return
        time.sleep(0.2)


def metadata_leader(bootstrap, topic):
    """Metadata v1 for one topic: (first broker id, leader of partition 0)."""
    out = Body()
    _encode(SCHEMAS[3][1], {"topics": [{"name": topic}]}, 1, out, "")
    r = request(bootstrap, 3, 1, bytes(out.b))
    broker_id = -1
    for _ in range(r.take(">i")):
        node = r.take(">i")
        r.string()
        r.take(">i")
        r.string()
        broker_id = node if broker_id < 0 else broker_id
    r.take(">i")  # controller
    leader = -1
    for _ in range(r.take(">i")):
        err = r.take(">h")
        r.string()
        r.take(">b")
        for _ in range(r.take(">i")):
            perr, idx, lead = r.take(">hii")
            for _ in range(2):
                for _ in range(r.take(">i")):
                    r.take(">i")
            if err == 0 and perr == 0 and idx == 0:
                leader = lead
    return broker_id, leader


def cleanup(bootstrap, versions, ctx):
    """Best effort: the run's topics and group go away."""
    t = ctx["topic"]
    for key, spec in ((20, {"topic_names": [t, t + "-ct0"], "timeout_ms": 10000}),
                      (42, {"groups_names": [ctx["group"]]})):
        if key not in versions:
            continue
        out = Body()
        _encode(SCHEMAS[key][1], spec, versions[key][1], out, "")
        try:
            request(bootstrap, key, versions[key][1], bytes(out.b))
        except (Fail, NoConn, OSError) as e:
            print("note: cleanup %s: %s" % (SCHEMAS[key][0], e))


def run_api(broker, key, lo, hi, ctx, verbose, stats):
    name = SCHEMAS[key][0]
    closed = answered = mclosed = manswered = 0
    answered_points = []
    for v in range(lo, hi + 1):
        body = encode(key, v, ctx)
        b = bytes(body.b)
        what = "%s v%d full request (%d bytes)" % (name, v, len(b))
        if broker.exchange(key, v, b, what) != "answered":
            raise Fail("%s: the broker closed the connection instead of answering" % what)
        for n in range(len(b)):
            what = "%s v%d truncated to %d of %d bytes" % (name, v, n, len(b))
            if guarded(broker, stats, key, v, b[:n], what) == "answered":
                answered += 1
                answered_points.append("v%d@%d/%d" % (v, n, len(b)))
            else:
                closed += 1
        for desc, mb in mutations(body):
            what = "%s v%d %s" % (name, v, desc)
            r = guarded(broker, stats, key, v, mb, what)
            if r == "answered":
                manswered += 1
                if verbose:
                    print("  answered: %s" % what)
            else:
                mclosed += 1
    alive(broker.bootstrap, "%s v%d-%d" % (name, lo, hi))
    print("%s v%d-%d: %d truncations closed, %d answered; %d mutations closed, %d answered"
          % (name, lo, hi, closed, answered, mclosed, manswered))
    if answered_points:
        shown = answered_points if verbose else answered_points[:12]
        print("  answered truncations (version@prefix/length): %s%s"
              % (" ".join(shown), " ..." if len(shown) < len(answered_points) else ""))
    stats["truncations"] += closed + answered
    stats["mutations"] += mclosed + manswered
    stats["requests"] += hi - lo + 1


def guarded(broker, stats, key, v, body, what):
    """A hang is recorded, not fatal at once: the rest still runs."""
    if time.time() > stats["deadline"]:
        raise Fail("run exceeded --max-seconds; last: %s" % what)
    try:
        return broker.exchange(key, v, body, what)
    except Fail as e:
        if "neither answered nor closed" not in str(e):
            raise
        stats["failures"].append(str(e))
        print("FAIL: %s" % e, file=sys.stderr)
        if len(stats["failures"]) >= MAX_HANGS:
            raise Fail("%d hangs; giving up" % len(stats["failures"]))
        return "hang"


def cmd_truncations(a):
    t0 = time.time()
    versions = api_versions(a.bootstrap)
    missing = sorted(k for k in versions if k not in SCHEMAS)
    if missing:
        raise Fail("the broker advertises API keys %s, which have no encoder here" % missing)
    keys = sorted(versions)
    if a.only:
        keys = [k for k in keys if k in a.only]
    run = "%d-%d" % (time.time(), os.getpid())
    ctx = {"topic": "ktrunc-" + run, "group": "ktrunc-g-" + run, "broker_id": -1}
    setup(a.bootstrap, versions, ctx)
    stats = {"truncations": 0, "mutations": 0, "requests": 0, "failures": [],
             "deadline": t0 + a.max_seconds}
    broker = Broker(a.bootstrap, a.wait)
    try:
        for key in keys:
            lo, hi = versions[key]
            run_api(broker, key, lo, hi, ctx, a.verbose, stats)
    finally:
        cleanup(a.bootstrap, versions, ctx)
    dt = time.time() - t0
    print("%d APIs, %d (api, version) pairs: %d truncations, %d mutations in %.1f s"
          % (len(keys), stats["requests"], stats["truncations"], stats["mutations"], dt))
    if stats["failures"]:
        raise Fail("%d requests hung:\n  %s" % (len(stats["failures"]),
                                               "\n  ".join(stats["failures"])))


def parse_keys(s):
    return {int(x) for x in s.split(",") if x}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("truncations")
    s.add_argument("--bootstrap", "-b", required=True)
    s.add_argument("--wait", type=float, default=WAIT, help="seconds to wait for each answer")
    s.add_argument("--max-seconds", type=float, default=300, help="bound for the whole run")
    s.add_argument("--only", type=parse_keys, help="comma-separated API keys")
    s.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()
    return run_command("kafka_requests", cmd_truncations, a)

if __name__ == "__main__":
    sys.exit(main())
