#!/usr/bin/python3
"""The timeout_ms of CreateTopics as Kafka 2.5's AdminManager honours it,
seen by real clients (admin_timeout.bats).

    admin_timeout.py timed-out --bootstrap H:P --topic T --replica B --timeout-ms MS
        kafka-python's KafkaAdminClient.create_topics(timeout_ms=MS) of T with
        its one partition on broker B, which is not running: the answer is
        REQUEST_TIMED_OUT (RequestTimedOutError) after about MS (not at
        once, not after the client's own 30 s)
    admin_timeout.py no-wait --bootstrap H:P --topic T
        confluent-kafka's create_topics with its default operation_timeout
        (0: librdkafka sends timeout_ms 0 and hides the REQUEST_TIMED_OUT
        the broker answers) succeeds at once; one message produced to T
        right away is delivered and read back. Then the wire answer itself:
        CreateTopics v2 of T-wire with timeout_ms 0 (kafka-python's protocol
        classes; its KafkaAdminClient turns 0 into its request timeout) gets
        REQUEST_TIMED_OUT (7) without a message, at once
    admin_timeout.py hangup --bootstrap H:P --topic T --replica B --timeout-ms MS
        a raw CreateTopics v0 like timed-out's, from a client that closes
        its connection at once: after MS the broker, answering a closed
        connection, still serves
    admin_timeout.py default --bootstrap H:P --topic T --partitions N --rf R
        kafka-python's create_topics with its default timeout answers no
        error, and by then the broker that answered shows a leader for
        every partition of T

Exit: 0 pass, 1 failure, 2 cannot connect, 3 usage.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kclient_common as kc  # noqa: E402
from kclient_common import NoConnection, TestFailure  # noqa: E402
from raw_requests import NoConn, alive, frame, header_v1, kstring  # noqa: E402

from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic as ConfluentNewTopic  # noqa: E402
from kafka import KafkaAdminClient  # noqa: E402
from kafka import errors as Errors  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402
from kafka.protocol.admin import CreateTopicsRequest  # noqa: E402
from kafka.protocol.metadata import MetadataRequest  # noqa: E402

API_CREATE_TOPICS = 19
REQUEST_TIMED_OUT = 7


def kp_admin(args):
    try:
        return KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="kt-admin-timeout")
    except Errors.NoBrokersAvailable as e:
        raise NoConnection(str(e))


def to_controller(admin, request):
    """One request to the controller (where KafkaAdminClient sends topic
    changes), as sent: the answer, and the seconds it took."""
    t0 = time.time()
    f = admin._send_request_to_node(admin._controller_id, request)
    admin._wait_for_futures([f])
    return f.value, time.time() - t0


def cmd_timed_out(args):
    a = kp_admin(args)
    t0 = time.time()
    try:
        a.create_topics([NewTopic(name=args.topic, num_partitions=-1, replication_factor=-1,
                                  replica_assignments={0: [args.replica]})],
                        timeout_ms=args.timeout_ms)
        raise TestFailure("CreateTopics %s on absent broker %d (timeout_ms %d): no error after "
                          "%.1f s, expected REQUEST_TIMED_OUT"
                          % (args.topic, args.replica, args.timeout_ms, time.time() - t0))
    except Errors.RequestTimedOutError:
        took = time.time() - t0
    want = args.timeout_ms / 1000.0
    print("REQUEST_TIMED_OUT after %.2f s (timeout_ms %d)" % (took, args.timeout_ms))
    if took < want - 0.1:
        raise TestFailure("answered after %.2f s, before timeout_ms %d" % (took, args.timeout_ms))
    if took > want + 3:
        raise TestFailure("answered after %.2f s, %d ms timeout_ms plus more than 3 s"
                          % (took, args.timeout_ms))
    a.close()


def produce_one_read_back(args, topic):
    value = ("v-%s" % topic).encode()
    p = Producer({"bootstrap.servers": args.bootstrap, "client.id": "kt-admin-timeout"})
    reports = []
    p.produce(topic, value=value, partition=0, on_delivery=lambda err, msg: reports.append(err))
    left = p.flush(30)
    if left or reports != [None]:
        raise TestFailure("produce to %s right after its creation: %s"
                          % (topic, "not delivered in 30 s" if left else reports))
    c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "kt-at-" + topic,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            if m.value() != value:
                raise TestFailure("read %r from %s, expected %r" % (m.value(), topic, value))
            print("produced and read back one message of %s" % topic)
            return
        raise TestFailure("the message produced to %s was not read back in 30 s" % topic)
    finally:
        c.close()


def cmd_no_wait(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap, "client.id": "kt-admin-timeout"})
    admin.list_topics(timeout=10)
    t0 = time.time()
    fs = admin.create_topics([ConfluentNewTopic(args.topic, num_partitions=1,
                                                replication_factor=1)], request_timeout=30)
    try:
        fs[args.topic].result(30)
    except Exception as e:  # a KafkaException carrying the KafkaError
        raise TestFailure("confluent create_topics %s (operation_timeout 0): %s" % (args.topic, e))
    took = time.time() - t0
    print("confluent create_topics (operation_timeout 0): no error after %.2f s" % took)
    if took > 2:
        raise TestFailure("operation_timeout 0 took %.2f s, expected an answer at once" % took)
    produce_one_read_back(args, args.topic)

    wire = args.topic + "-wire"
    a = kp_admin(args)
    req = CreateTopicsRequest[2](create_topic_requests=[(wire, 1, 1, [], [])], timeout=0,
                                 validate_only=False)
    resp, took = to_controller(a, req)
    errs = [(name, code, msg) for name, code, msg in resp.topic_errors]
    print("CreateTopics v2 timeout_ms 0: %s after %.2f s" % (errs, took))
    if errs != [(wire, REQUEST_TIMED_OUT, None)]:
        raise TestFailure("CreateTopics v2 of %s with timeout_ms 0: %s, expected [(%r, 7, None)] "
                          "(Kafka's AdminManager.createTopics)" % (wire, errs, wire))
    if took > 2:
        raise TestFailure("timeout_ms 0 answered after %.2f s, expected at once" % took)
    a.close()


def cmd_hangup(args):
    body = (struct.pack(">i", 1) + kstring(args.topic) + struct.pack(">ih", -1, -1)
            + struct.pack(">iiii", 1, 0, 1, args.replica) + struct.pack(">i", 0)
            + struct.pack(">i", args.timeout_ms))
    host, port = args.bootstrap.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=10)
    except OSError as e:
        raise NoConnection(str(e))
    s.sendall(frame(header_v1(API_CREATE_TOPICS, 0, 1) + body))
    time.sleep(0.3)  # handled: the request waits for the topic's leader
    s.close()
    print("sent CreateTopics %s (timeout_ms %d) and closed the connection"
          % (args.topic, args.timeout_ms))
    time.sleep(args.timeout_ms / 1000.0 + 1.0)
    try:
        alive(args.bootstrap, "an answer due on a closed connection")
    except NoConn as e:
        raise TestFailure(str(e))
    print("the broker still serves")


def cmd_default(args):
    a = kp_admin(args)
    t0 = time.time()
    try:
        a.create_topics([NewTopic(name=args.topic, num_partitions=args.partitions,
                                  replication_factor=args.rf)])
    except Errors.KafkaError as e:
        raise TestFailure("CreateTopics %s with the default timeout: %r" % (args.topic, e))
    print("CreateTopics %s: no error after %.2f s" % (args.topic, time.time() - t0))
    resp, _ = to_controller(a, MetadataRequest[1](topics=[args.topic]))
    topics = [t for t in resp.topics if t[1] == args.topic]
    if len(topics) != 1 or topics[0][0] != 0:
        raise TestFailure("Metadata of %s right after its creation: %s" % (args.topic, topics))
    parts = sorted((p[1], p[2]) for p in topics[0][3])
    print("partition leaders: %s" % parts)
    if len(parts) != args.partitions or any(leader < 0 for _, leader in parts):
        raise TestFailure("Metadata of %s right after its creation: partitions %s, expected %d "
                          "with a leader each" % (args.topic, parts, args.partitions))
    a.close()


def main():
    ap, add = kc.subcommands(__doc__)
    s = add("timed-out", cmd_timed_out)
    s.add_argument("--replica", type=int, required=True)
    s.add_argument("--timeout-ms", type=int, required=True)
    add("no-wait", cmd_no_wait)
    s = add("hangup", cmd_hangup)
    s.add_argument("--replica", type=int, required=True)
    s.add_argument("--timeout-ms", type=int, required=True)
    s = add("default", cmd_default)
    s.add_argument("--partitions", type=int, required=True)
    s.add_argument("--rf", type=int, required=True)
    args = kc.parse_args(ap, ())
    kc.run_main("admin_timeout.py", args.func, args)


if __name__ == "__main__":
    main()
