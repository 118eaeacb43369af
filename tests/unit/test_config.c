/* test_config.c -- the .properties parser and the broker/topic configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "logger.h"
#include "props.h"
#include "unit.h"

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        unit_checks++;                                                                             \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            unit_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"\n", __FILE__,     \
                    __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                     \
        }                                                                                          \
    } while (0)

static char tmpdir[256];

static const char *write_tmp(const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    unit_spit(path, text, strlen(text));
    return path;
}

/* Kafka 2.5's sample config/server.properties: same keys and values, our comments. */
static const char SAMPLE[] =
    "# Broker settings (sample)\n"
    "\n"
    "############################# Server Basics #############################\n"
    "# unique id of this broker\n"
    "broker.id=0\n"
    "\n"
    "############################# Socket Server Settings #############################\n"
    "#listeners=PLAINTEXT://:9092\n"
    "#advertised.listeners=PLAINTEXT://your.host.name:9092\n"
    "#listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL\n"
    "num.network.threads=3\n"
    "num.io.threads=8\n"
    "socket.send.buffer.bytes=102400\n"
    "socket.receive.buffer.bytes=102400\n"
    "socket.request.max.bytes=104857600\n"
    "\n"
    "############################# Log Basics #############################\n"
    "log.dirs=/tmp/kafka-logs\n"
    "num.partitions=1\n"
    "num.recovery.threads.per.data.dir=1\n"
    "\n"
    "############################# Internal Topic Settings  #############################\n"
    "offsets.topic.replication.factor=1\n"
    "transaction.state.log.replication.factor=1\n"
    "transaction.state.log.min.isr=1\n"
    "\n"
    "#log.flush.interval.messages=10000\n"
    "#log.flush.interval.ms=1000\n"
    "\n"
    "log.retention.hours=168\n"
    "#log.retention.bytes=1073741824\n"
    "log.segment.bytes=1073741824\n"
    "log.retention.check.interval.ms=300000\n"
    "\n"
    "zookeeper.connect=localhost:2181\n"
    "zookeeper.connection.timeout.ms=18000\n"
    "\n"
    "group.initial.rebalance.delay.ms=0\n";

/* ---------------------------------------------------------------- props */

static void test_props(void) {
    static const char text[] =
        "# comment\n"
        "   ! also a comment \\\n"
        "a=1\n"
        "b : 2\n"
        "c 3\n"
        "  d\t=\t  four  \n"          /* leading blanks of the value go, trailing stay */
        "e\n"                          /* no value */
        "f==x\n"                       /* second '=' belongs to the value */
        "g=first\\\n"
        "     second\\\n"
        "\tthird\n"
        "h=tab\\there\\nnl\\\\back\\u0041\\u00e9\\u20AC\n"
        "key\\ with\\=odd\\:chars = v\n"
        "a=override\r\n"
        "i=crlf\r"
        "j=\\uD83D\\uDE00\n"
        "k=even\\\\\n"
        "l=last\\";
    props *p = props_parse(text, sizeof(text) - 1);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_STR(props_get(p, "a"), "override");
    CHECK_STR(props_get(p, "b"), "2");
    CHECK_STR(props_get(p, "c"), "3");
    CHECK_STR(props_get(p, "d"), "four  ");
    CHECK_STR(props_get(p, "e"), "");
    CHECK_STR(props_get(p, "f"), "=x");
    CHECK_STR(props_get(p, "g"), "firstsecondthird");
    CHECK_STR(props_get(p, "h"), "tab\there\nnl\\backA\xc3\xa9\xe2\x82\xac");
    CHECK_STR(props_get(p, "key with=odd:chars"), "v");
    CHECK_STR(props_get(p, "i"), "crlf");
    CHECK_STR(props_get(p, "j"), "\xf0\x9f\x98\x80");
    CHECK_STR(props_get(p, "k"), "even\\");
    CHECK_STR(props_get(p, "l"), "last");
    CHECK(props_get(p, "!") == NULL && props_get(p, "also") == NULL);
    CHECK(props_get(p, "nope") == NULL);
    /* order: first appearance; a later value replaces in place */
    CHECK_EQ(props_count(p), 13);
    CHECK_STR(props_key(p, 0), "a");
    CHECK_STR(props_key(p, 1), "b");
    CHECK_STR(props_key(p, 12), "l");
    CHECK(props_set(p, "b", "two") == 0 && props_set(p, "new", "n") == 0);
    CHECK_STR(props_key(p, 1), "b");
    CHECK_STR(props_value(p, 1), "two");
    CHECK_STR(props_key(p, 13), "new");
    CHECK_EQ(props_remove(p, "a"), 1);
    CHECK_EQ(props_remove(p, "a"), 0);
    CHECK(props_get(p, "a") == NULL);
    CHECK_STR(props_get(p, "new"), "n");
    CHECK_STR(props_key(p, 0), "b");
    for (int i = 0; i < 200; i++) { /* grow past the index size */
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        props_set(p, k, k);
    }
    CHECK_STR(props_get(p, "k150"), "k150");
    CHECK_STR(props_get(p, "h"), "tab\there\nnl\\backA\xc3\xa9\xe2\x82\xac");
    props_free(p);

    /* malformed \u */
    char err[256];
    CHECK(props_parse("x=\\u12G4", 8) == NULL);
    CHECK(props_parse_err("a=1\nx=\\u12", 10, err, sizeof(err)) == NULL);
    CHECK_STR(err, "line 2: Malformed \\uxxxx encoding.");
    CHECK(props_load("/nonexistent/server.properties", err, sizeof(err)) == NULL);
    CHECK_STR(err, "/nonexistent/server.properties: No such file or directory");
    p = props_load(write_tmp("bad.properties", "a=1\n\nb=\\uzzzz\n"), err, sizeof(err));
    CHECK(p == NULL && strstr(err, "bad.properties:3: Malformed") != NULL);
    /* empty input */
    p = props_parse("", 0);
    CHECK(p && props_count(p) == 0);
    props_free(p);
    p = props_load(write_tmp("zoo.cfg", "dataDir=/tmp/zookeeper\nclientPort=2181\nmaxClientCnxns=0\n"), err, sizeof(err));
    CHECK(p && props_count(p) == 3);
    CHECK_STR(props_get(p, "clientPort"), "2181");
    props_free(p);
}

/* ---------------------------------------------------------------- broker */

static int load_text(broker_config *c, const char *text, int n, char **ov, char *err, size_t errlen) {
    return config_load(c, write_tmp("server.properties", text), n, ov, err, errlen);
}

/* Expects config_load to fail with exactly msg (or containing it when sub). */
static void expect_error(const char *text, const char *msg, int sub, int line) {
    broker_config c;
    char err[1024] = "";
    int rc = load_text(&c, text, 0, NULL, err, sizeof(err));
    unit_checks++;
    if (rc == 0 || (sub ? strstr(err, msg) == NULL : strcmp(err, msg) != 0)) {
        unit_failures++;
        fprintf(stderr, "%s:%d: expected error \"%s\", got rc=%d \"%s\"\n", __FILE__, line, msg, rc, err);
    }
    if (rc == 0)
        config_free(&c);
}
#define EXPECT_ERROR(text, msg) expect_error(text, msg, 0, __LINE__)
#define EXPECT_ERROR_SUB(text, msg) expect_error(text, msg, 1, __LINE__)

static void test_sample(void) {
    broker_config c;
    char err[512] = "";
    CHECK_EQ(load_text(&c, SAMPLE, 0, NULL, err, sizeof(err)), 0);
    if (*err)
        fprintf(stderr, "%s\n", err);
    CHECK_EQ(c.broker_id, 0);
    CHECK_EQ(c.num_network_threads, 3);
    CHECK_EQ(c.num_io_threads, 8);
    CHECK_EQ(c.socket_send_buffer_bytes, 102400);
    CHECK_EQ(c.socket_receive_buffer_bytes, 102400);
    CHECK_EQ(c.socket_request_max_bytes, 104857600);
    CHECK_EQ(c.nlog_dirs, 1);
    CHECK_STR(c.log_dirs[0], "/tmp/kafka-logs");
    CHECK_EQ(c.num_partitions, 1);
    CHECK_EQ(c.num_recovery_threads_per_data_dir, 1);
    CHECK_EQ(c.offsets_topic_replication_factor, 1);
    CHECK_EQ(c.offsets_topic_num_partitions, 50);
    CHECK_EQ(c.transaction_state_log_replication_factor, 1);
    CHECK_EQ(c.transaction_state_log_min_isr, 1);
    CHECK_EQ(c.log_retention_ms, 168LL * 3600 * 1000);
    CHECK_EQ(c.log_segment_bytes, 1073741824);
    CHECK_EQ(c.log_retention_check_interval_ms, 300000);
    CHECK_STR(c.zookeeper_connect, "localhost:2181");
    CHECK_EQ(c.zookeeper_session_timeout_ms, 18000);
    CHECK_EQ(c.zookeeper_connection_timeout_ms, 18000);
    CHECK_EQ(c.group_initial_rebalance_delay_ms, 0);
    /* defaults */
    CHECK_EQ(c.default_replication_factor, 1);
    CHECK_EQ(c.auto_create_topics_enable, 1);
    CHECK_EQ(c.delete_topic_enable, 1);
    CHECK_EQ(c.log_roll_ms, 168LL * 3600 * 1000);
    CHECK_EQ(c.log_retention_bytes, -1);
    CHECK_EQ(c.log_flush_interval_messages, INT64_MAX);
    CHECK_EQ(c.log_flush_interval_ms, INT64_MAX);
    CHECK_EQ(c.log_flush_offset_checkpoint_interval_ms, 60000);
    CHECK_EQ(c.log_index_interval_bytes, 4096);
    CHECK_EQ(c.log_index_size_max_bytes, 10485760);
    CHECK_EQ(c.log_message_timestamp_type, TS_TYPE_CREATE_TIME);
    CHECK_EQ(c.message_max_bytes, 1048588);
    CHECK_EQ(c.max_connections_per_ip, INT32_MAX);
    CHECK_EQ(c.min_insync_replicas, 1);
    CHECK_EQ(c.unclean_leader_election_enable, 0);
    CHECK_STR(c.compression_type, "producer");
    CHECK_STR(c.log_cleanup_policy, "delete");
    CHECK_EQ(c.log_cleaner_enable, 1);
    CHECK_EQ(c.reserved_broker_max_id, 1000);
    CHECK_EQ(c.controlled_shutdown_enable, 1);
    CHECK_EQ(c.group_min_session_timeout_ms, 6000);
    CHECK_EQ(c.group_max_session_timeout_ms, 1800000);
    CHECK(c.broker_rack == NULL);
    CHECK_STR(c.log_message_format_version, "2.5-IV0");
    CHECK_STR(c.inter_broker_protocol_version, "2.5-IV0");
    /* listeners: PLAINTEXT://:9092; advertised = listeners with the canonical hostname */
    CHECK_EQ(c.nlisteners, 1);
    CHECK_STR(c.listeners[0].name, "PLAINTEXT");
    CHECK_STR(c.listeners[0].protocol, "PLAINTEXT");
    CHECK_STR(c.listeners[0].host, "");
    CHECK_EQ(c.listeners[0].port, 9092);
    CHECK_EQ(c.nadvertised_listeners, 1);
    CHECK_STR(c.advertised_listeners[0].name, "PLAINTEXT");
    CHECK(c.advertised_listeners[0].host[0] != '\0');
    CHECK_EQ(c.advertised_listeners[0].port, 9092);
    CHECK_STR(c.inter_broker_listener_name, "PLAINTEXT");
    CHECK_STR(config_get_raw(&c, "log.retention.hours"), "168");
    CHECK(config_get_raw(&c, "log.retention.ms") == NULL);
    config_free(&c);
    config_free(&c); /* idempotent */

    /* no file at all: only overrides */
    char *ov[] = {"zookeeper.connect=zk1:2181,zk2:2181/kafka", "broker.id=7"};
    CHECK_EQ(config_load(&c, NULL, 2, ov, err, sizeof(err)), 0);
    CHECK_STR(c.zookeeper_connect, "zk1:2181,zk2:2181/kafka");
    CHECK_EQ(c.broker_id, 7);
    CHECK_STR(c.log_dirs[0], "/tmp/kafka-logs"); /* log.dir default */
    CHECK_EQ(c.num_partitions, 1);
    config_free(&c);
}

static void test_overrides(void) {
    broker_config c;
    char err[512];
    char *ov[] = {"num.partitions=3", "log.dirs= /d1 , /d2,/d3 ", "broker.id=5", "num.partitions=4",
                  "zookeeper.connect=zk:2181/chroot", "broker.rack=r1", "auto.create.topics.enable= FALSE "};
    CHECK_EQ(load_text(&c, SAMPLE, 7, ov, err, sizeof(err)), 0);
    CHECK_EQ(c.num_partitions, 4);
    CHECK_EQ(c.broker_id, 5);
    CHECK_EQ(c.nlog_dirs, 3);
    if (c.nlog_dirs == 3) {
        CHECK_STR(c.log_dirs[0], "/d1");
        CHECK_STR(c.log_dirs[1], "/d2");
        CHECK_STR(c.log_dirs[2], "/d3");
    }
    CHECK_STR(c.zookeeper_connect, "zk:2181/chroot");
    CHECK_STR(c.broker_rack, "r1");
    CHECK_EQ(c.auto_create_topics_enable, 0);
    CHECK_STR(config_get_raw(&c, "num.partitions"), "4");
    config_free(&c);

    /* log.dirs wins over log.dir */
    CHECK_EQ(load_text(&c, "zookeeper.connect=z:1\nlog.dir=/a\nlog.dirs=/b\n", 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.nlog_dirs, 1);
    CHECK_STR(c.log_dirs[0], "/b");
    config_free(&c);
    CHECK_EQ(load_text(&c, "zookeeper.connect=z:1\nlog.dir=/a\n", 0, NULL, err, sizeof(err)), 0);
    CHECK_STR(c.log_dirs[0], "/a");
    config_free(&c);
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.dirs= , \n",
                 "requirement failed: At least one log directory must be defined via log.dirs or log.dir.");
    /* zookeeper.connection.timeout.ms defaults to the session timeout */
    CHECK_EQ(load_text(&c, "zookeeper.connect=z:1\nzookeeper.session.timeout.ms=6000\n", 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.zookeeper_connection_timeout_ms, 6000);
    config_free(&c);
    /* --override with no value means "" */
    char *ov2[] = {"host.name"};
    CHECK_EQ(load_text(&c, "zookeeper.connect=z:1\nhost.name=h\n", 1, ov2, err, sizeof(err)), 0);
    CHECK_STR(config_get_raw(&c, "host.name"), "");
    CHECK_STR(c.listeners[0].host, "");
    config_free(&c);
}

static void test_time_precedence(void) {
    broker_config c;
    char err[512];
    const char *base = "zookeeper.connect=z:1\n";
    char text[512];
    snprintf(text, sizeof(text), "%slog.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=3\n", base);
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_retention_ms, 3);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.retention.hours=1\nlog.retention.minutes=2\n", base);
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_retention_ms, 120000);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.retention.hours=2\n", base);
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_retention_ms, 7200000);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.retention.hours=-1\n", base);
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_retention_ms, -1);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.retention.ms=-5\n", base); /* any negative: unlimited */
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_retention_ms, -1);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.retention.minutes=0\n", base);
    EXPECT_ERROR(text, "requirement failed: log.retention.ms must be unlimited (-1) or, equal or greater than 1");
    /* roll: ms over hours */
    snprintf(text, sizeof(text), "%slog.roll.hours=2\n", base);
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_roll_ms, 7200000);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.roll.hours=2\nlog.roll.ms=1000\nlog.flush.interval.ms=500\n"
                                 "log.flush.scheduler.interval.ms=2000\n", base);
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_roll_ms, 1000);
    CHECK_EQ(c.log_flush_interval_ms, 500);
    CHECK_EQ(c.log_flush_scheduler_interval_ms, 2000);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.flush.scheduler.interval.ms=2000\n", base);
    CHECK_EQ(load_text(&c, text, 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.log_flush_interval_ms, 2000);
    config_free(&c);
    snprintf(text, sizeof(text), "%slog.roll.ms=0\n", base);
    EXPECT_ERROR(text, "requirement failed: log.roll.ms must be equal or greater than 1");
}

static void test_listeners(void) {
    broker_config c;
    char err[512] = "";
    CHECK_EQ(load_text(&c,
                       "zookeeper.connect=z:1\n"
                       "listeners=PLAINTEXT://127.0.0.1:9093, internal://[::1]:9094\n"
                       "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT\n"
                       "inter.broker.listener.name=INTERNAL\n",
                       0, NULL, err, sizeof(err)),
             0);
    if (*err)
        fprintf(stderr, "%s\n", err);
    CHECK_EQ(c.nlisteners, 2);
    if (c.nlisteners == 2) {
        CHECK_STR(c.listeners[0].host, "127.0.0.1");
        CHECK_EQ(c.listeners[0].port, 9093);
        CHECK_STR(c.listeners[1].name, "INTERNAL");
        CHECK_STR(c.listeners[1].protocol, "PLAINTEXT");
        CHECK_STR(c.listeners[1].host, "::1");
        CHECK_EQ(c.listeners[1].port, 9094);
    }
    CHECK_EQ(c.nadvertised_listeners, 2);
    if (c.nadvertised_listeners == 2)
        CHECK_STR(c.advertised_listeners[1].host, "::1");
    CHECK_STR(c.inter_broker_listener_name, "INTERNAL");
    config_free(&c);

    CHECK_EQ(load_text(&c,
                       "zookeeper.connect=z:1\nlisteners=PLAINTEXT://0.0.0.0:9092\n"
                       "advertised.listeners=PLAINTEXT://broker1.example.com:19092\n",
                       0, NULL, err, sizeof(err)),
             0);
    CHECK_STR(c.listeners[0].host, "0.0.0.0");
    CHECK_STR(c.advertised_listeners[0].host, "broker1.example.com");
    CHECK_EQ(c.advertised_listeners[0].port, 19092);
    config_free(&c);

    /* legacy host.name / port / advertised.host.name */
    CHECK_EQ(load_text(&c, "zookeeper.connect=z:1\nport=9999\nadvertised.host.name=adv\n", 0, NULL, err, sizeof(err)), 0);
    CHECK_EQ(c.listeners[0].port, 9999);
    CHECK_STR(c.advertised_listeners[0].host, "adv");
    CHECK_EQ(c.advertised_listeners[0].port, 9999);
    config_free(&c);

    EXPECT_ERROR("zookeeper.connect=z:1\nlisteners=PLAINTEXT:9092\n",
                 "Error creating broker listeners from 'PLAINTEXT:9092': Unable to parse PLAINTEXT:9092 to a broker endpoint");
    EXPECT_ERROR("zookeeper.connect=z:1\nlisteners=FOO://:9092\n",
                 "Error creating broker listeners from 'FOO://:9092': No security protocol defined for listener FOO");
    EXPECT_ERROR("zookeeper.connect=z:1\nlisteners=PLAINTEXT://:9092,SSL://:9092\n",
                 "requirement failed: Each listener must have a different port, listeners: PLAINTEXT://:9092,SSL://:9092");
    EXPECT_ERROR_SUB("zookeeper.connect=z:1\nlisteners=PLAINTEXT://:9092,SSL://:9093\n",
                     "listener SSL uses security protocol SSL, which this broker does not support");
    EXPECT_ERROR("zookeeper.connect=z:1\nlisteners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT://0.0.0.0:9092\n",
                 "requirement failed: advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a "
                 "routable IP address.");
    EXPECT_ERROR("zookeeper.connect=z:1\nlisteners=PLAINTEXT://:9092\n"
                 "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT\n"
                 "advertised.listeners=PLAINTEXT://h:9092,OTHER://h:9093\n",
                 "requirement failed: advertised.listeners listener names must be equal to or a subset of the ones "
                 "defined in listeners. Found PLAINTEXT,OTHER. The valid options based on the current configuration "
                 "are PLAINTEXT");
    EXPECT_ERROR("zookeeper.connect=z:1\nlisteners=PLAINTEXT://:99999\n",
                 "Error creating broker listeners from 'PLAINTEXT://:99999': port 99999 of PLAINTEXT://:99999 is out of range");
    EXPECT_ERROR("zookeeper.connect=z:1\nlistener.security.protocol.map=PLAINTEXT:FOO\n",
                 "Invalid security protocol `FOO` defined in listener.security.protocol.map");
    EXPECT_ERROR_SUB("zookeeper.connect=z:1\nlisteners=CLIENT://:9092\n"
                     "listener.security.protocol.map=CLIENT:PLAINTEXT\n",
                     "inter.broker.listener.name must be a listener name defined in advertised.listeners");
}

static void test_invalid(void) {
    EXPECT_ERROR("zookeeper.connect=z:1\nnum.partitions=abc\n",
                 "Invalid value abc for configuration num.partitions: Not a number of type INT");
    EXPECT_ERROR("zookeeper.connect=z:1\nnum.partitions=0\n",
                 "Invalid value 0 for configuration num.partitions: Value must be at least 1");
    EXPECT_ERROR("zookeeper.connect=z:1\nnum.partitions=2147483648\n",
                 "Invalid value 2147483648 for configuration num.partitions: Not a number of type INT");
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.retention.bytes=1.5\n",
                 "Invalid value 1.5 for configuration log.retention.bytes: Not a number of type LONG");
    EXPECT_ERROR("zookeeper.connect=z:1\noffsets.topic.replication.factor=40000\n",
                 "Invalid value 40000 for configuration offsets.topic.replication.factor: Not a number of type SHORT");
    EXPECT_ERROR("zookeeper.connect=z:1\nauto.create.topics.enable=yes\n",
                 "Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false");
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.segment.bytes=13\n",
                 "Invalid value 13 for configuration log.segment.bytes: Value must be at least 14");
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.cleaner.min.cleanable.ratio=x\n",
                 "Invalid value x for configuration log.cleaner.min.cleanable.ratio: Not a number of type DOUBLE");
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.cleanup.policy=delete,purge\n",
                 "Invalid value purge for configuration log.cleanup.policy: String must be one of: compact, delete");
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.message.timestamp.type=Now\n",
                 "Invalid value Now for configuration log.message.timestamp.type: String must be one of: CreateTime, "
                 "LogAppendTime");
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.message.format.version=3.0\n",
                 "Invalid value 3.0 for configuration log.message.format.version: Version `3.0` is not a valid version");
    EXPECT_ERROR("zookeeper.connect=z:1\ncompression.type=brotli\n",
                 "requirement failed: compression.type : brotli is not valid. Valid options are "
                 "uncompressed,zstd,lz4,snappy,gzip,producer");
    EXPECT_ERROR("num.partitions=1\n",
                 "Missing required configuration \"zookeeper.connect\" which has no default value.");
    EXPECT_ERROR("zookeeper.connect=z:1\nbroker.id=1001\n",
                 "requirement failed: broker.id must be equal or greater than -1 and not greater than "
                 "reserved.broker.max.id");
    EXPECT_ERROR("zookeeper.connect=z:1\nbroker.id=-1\nbroker.id.generation.enable=false\n",
                 "requirement failed: broker.id must be equal or greater than 0");
    EXPECT_ERROR("zookeeper.connect=z:1\nlog.message.format.version=2.1\ninter.broker.protocol.version=0.10.2\n",
                 "requirement failed: log.message.format.version 2.1 can only be used when "
                 "inter.broker.protocol.version is set to version 0.11.0 or higher");
    EXPECT_ERROR("zookeeper.connect=z:1\nmax.connections.per.ip=0\n",
                 "requirement failed: max.connections.per.ip can be set to zero only if "
                 "max.connections.per.ip.overrides property is set.");
    EXPECT_ERROR("zookeeper.connect=z:1\nssl.client.auth=maybe\n",
                 "Invalid value maybe for configuration ssl.client.auth: String must be one of: required, requested, none");
    EXPECT_ERROR("zookeeper.connect=z:1\nreplica.fetch.wait.max.ms=40000\n",
                 "requirement failed: replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms "
                 "to prevent unnecessary socket timeouts");

    /* accepted: valid but unusual values */
    broker_config c;
    char err[512];
    CHECK_EQ(load_text(&c,
                       "zookeeper.connect=z:1\nbroker.id=-1\nlog.message.format.version=0.10.2\n"
                       "inter.broker.protocol.version=2.5.1\ncompression.type=GZIP\n"
                       "log.cleanup.policy=compact , delete\nmax.connections.per.ip=0\n"
                       "max.connections.per.ip.overrides=127.0.0.1:5, host-a:10\n"
                       "log.message.timestamp.type=LogAppendTime\nnum.partitions= +12 \n",
                       0, NULL, err, sizeof(err)),
             0);
    CHECK_EQ(c.broker_id, -1);
    CHECK_STR(c.compression_type, "gzip");
    CHECK_STR(c.log_cleanup_policy, "compact,delete");
    CHECK_EQ(c.nmax_connections_per_ip_overrides, 2);
    if (c.nmax_connections_per_ip_overrides == 2) {
        CHECK_STR(c.max_connections_per_ip_overrides[1].host, "host-a");
        CHECK_EQ(c.max_connections_per_ip_overrides[1].max, 10);
    }
    CHECK_EQ(c.log_message_timestamp_type, TS_TYPE_LOG_APPEND_TIME);
    CHECK_EQ(c.num_partitions, 12);
    config_free(&c);
}

static void test_unknown_and_log(void) {
    broker_config c;
    char err[512], logpath[512];
    CHECK_EQ(load_text(&c,
                       "zookeeper.connect=z:1\nfoo.bar=1\nsuper.users=User:admin\n"
                       "listener.name.plaintext.foo=x\nssl.keystore.password=secret\nlog.cleaner.threads=2\n",
                       0, NULL, err, sizeof(err)),
             0);
    CHECK(!config_is_known("foo.bar"));
    CHECK(config_is_known("super.users"));
    CHECK(config_is_known("listener.name.plaintext.ssl.keystore.location"));
    CHECK(config_is_known("log.cleaner.threads"));
    CHECK(config_is_known("zookeeper.clientCnxnSocket"));

    snprintf(logpath, sizeof(logpath), "%s/server.log", tmpdir);
    log_open(logpath, 0, LOG_INFO);
    config_log_values(&c);
    log_close();
    log_open(NULL, 1, LOG_INFO);
    char *log = unit_slurp(logpath, NULL);
    CHECK(log != NULL);
    if (log) {
        CHECK(strstr(log, "] INFO KafkaConfig values: \n\tadvertised.host.name = null\n") != NULL);
        CHECK(strstr(log, "\tlog.cleaner.threads = 2\n") != NULL);
        CHECK(strstr(log, "\tlog.cleanup.policy = [delete]\n") != NULL);
        CHECK(strstr(log, "\tssl.keystore.password = [hidden]\n") != NULL);
        CHECK(strstr(log, "\tssl.key.password = null\n") != NULL);
        CHECK(strstr(log, "\tssl.cipher.suites = []\n") != NULL);
        CHECK(strstr(log, "\tlog.cleaner.io.max.bytes.per.second = 1.7976931348623157E308\n") != NULL);
        CHECK(strstr(log, "\tzookeeper.sync.time.ms = 2000\n (kafka.server.KafkaConfig)\n") != NULL);
        CHECK(strstr(log, "] WARN The configuration 'foo.bar' was supplied but isn't a known config. "
                          "(kafka.server.KafkaConfig)\n") != NULL);
        CHECK(strstr(log, "'super.users'") == NULL && strstr(log, "'listener.name.plaintext.foo'") == NULL);
        /* sorted: each key after the previous one */
        const char *a = strstr(log, "\tauto.create.topics.enable"), *b = strstr(log, "\tbroker.id ="),
                   *z = strstr(log, "\tzookeeper.connect = z:1");
        CHECK(a && b && z && a < b && b < z);
    }
    free(log);
    config_free(&c);
}

/* ---------------------------------------------------------------- describe */

typedef struct entry {
    char name[96];
    char value[128];
    int null, source, read_only, is_default, sensitive;
    char syn[96], synval[64];
    int synsrc;
} entry;
static entry entries[400];
static int nentries;

static void broker_cb(void *arg, const char *name, const char *value, int source, int read_only, int is_default,
                      int sensitive) {
    (void)arg;
    if (nentries >= 400)
        return;
    entry *e = &entries[nentries++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    snprintf(e->value, sizeof(e->value), "%s", value ? value : "");
    e->null = value == NULL;
    e->source = source;
    e->read_only = read_only;
    e->is_default = is_default;
    e->sensitive = sensitive;
}

static void topic_cb(void *arg, const char *name, const char *value, int source, int is_default, int read_only,
                     int sensitive, const char *syn, const char *synval, int synsrc) {
    broker_cb(arg, name, value, source, read_only, is_default, sensitive);
    entry *e = &entries[nentries - 1];
    snprintf(e->syn, sizeof(e->syn), "%s", syn ? syn : "");
    snprintf(e->synval, sizeof(e->synval), "%s", synval ? synval : "");
    e->synsrc = synsrc;
}

static const entry *E(const char *name) {
    for (int i = 0; i < nentries; i++)
        if (!strcmp(entries[i].name, name))
            return &entries[i];
    fprintf(stderr, "no entry %s\n", name);
    static entry none;
    return &none;
}

static void test_describe_broker(void) {
    broker_config c;
    char err[512];
    char *ov[] = {"foo.bar=1", "ssl.keystore.password=pw", "log.cleaner.io.max.bytes.per.second=10000000",
                  "sasl.kerberos.ticket.renew.jitter=0.0001"};
    CHECK_EQ(load_text(&c, SAMPLE, 4, ov, err, sizeof(err)), 0);
    nentries = 0;
    config_describe_broker(&c, broker_cb, NULL);
    CHECK(nentries > 180);
    for (int i = 1; i < nentries - 1; i++) /* sorted known keys, then the unknown one */
        CHECK(strcmp(entries[i - 1].name, entries[i].name) < 0);
    CHECK_STR(entries[nentries - 1].name, "foo.bar");
    CHECK(entries[nentries - 1].null && entries[nentries - 1].sensitive &&
          entries[nentries - 1].source == CONFIG_SRC_STATIC_BROKER);
    const entry *e = E("num.partitions");
    CHECK_STR(e->value, "1");
    CHECK(e->source == CONFIG_SRC_STATIC_BROKER && !e->is_default && e->read_only && !e->sensitive);
    e = E("num.io.threads");
    CHECK(!e->read_only);
    e = E("default.replication.factor");
    CHECK_STR(e->value, "1");
    CHECK(e->source == CONFIG_SRC_DEFAULT && e->is_default);
    e = E("log.retention.ms");
    CHECK(e->null && e->source == CONFIG_SRC_DEFAULT && !e->read_only);
    e = E("log.retention.hours");
    CHECK_STR(e->value, "168");
    CHECK(e->source == CONFIG_SRC_STATIC_BROKER && e->read_only);
    e = E("ssl.keystore.password");
    CHECK(e->null && e->sensitive && e->source == CONFIG_SRC_STATIC_BROKER);
    CHECK_STR(E("log.cleanup.policy")->value, "delete");
    CHECK_STR(E("sasl.enabled.mechanisms")->value, "GSSAPI");
    CHECK_STR(E("ssl.cipher.suites")->value, "");
    CHECK_STR(E("log.cleaner.io.buffer.load.factor")->value, "0.9");
    CHECK_STR(E("sasl.kerberos.ticket.renew.window.factor")->value, "0.8");
    CHECK_STR(E("log.cleaner.io.max.bytes.per.second")->value, "1.0E7");
    CHECK_STR(E("sasl.kerberos.ticket.renew.jitter")->value, "1.0E-4");
    CHECK_STR(E("log.message.format.version")->value, "2.5-IV0");
    CHECK_STR(E("zookeeper.connect")->value, "localhost:2181");
    CHECK_STR(E("log.flush.interval.messages")->value, "9223372036854775807");
    CHECK_STR(E("authorizer.class.name")->value, "");
    CHECK(E("listeners")->null && !E("listeners")->read_only);
    CHECK(E("broker.rack")->null);
    config_free(&c);
}

static void test_topic_configs(void) {
    broker_config c;
    topic_config tc;
    char err[512], buf[128];
    CHECK_EQ(load_text(&c, SAMPLE, 0, NULL, err, sizeof(err)), 0);
    topic_config_defaults(&c, &tc);
    CHECK_EQ(tc.retention_ms, 604800000);
    CHECK_EQ(tc.retention_bytes, -1);
    CHECK_EQ(tc.segment_bytes, 1073741824);
    CHECK_EQ(tc.segment_ms, 604800000);
    CHECK_EQ(tc.max_message_bytes, 1048588);
    CHECK_EQ(tc.min_insync_replicas, 1);
    CHECK_EQ(tc.flush_messages, INT64_MAX);
    CHECK_EQ(tc.cleanup_delete, 1);
    CHECK_EQ(tc.cleanup_compact, 0);
    CHECK_STR(tc.cleanup_policy, "delete");
    CHECK_STR(tc.compression_type, "producer");
    CHECK_STR(tc.message_format_version, "2.5-IV0");
    CHECK_EQ(tc.message_timestamp_type, TS_TYPE_CREATE_TIME);
    CHECK_EQ(tc.segment_index_bytes, 10485760);
    CHECK_EQ(tc.index_interval_bytes, 4096);
    CHECK_EQ(tc.delete_retention_ms, 86400000);
    CHECK_EQ(tc.file_delete_delay_ms, 60000);

    topic_config d;
    topic_config_defaults(NULL, &d); /* Kafka's built-in defaults */
    CHECK_EQ(d.retention_ms, 604800000);
    CHECK_STR(d.cleanup_policy, "delete");
    CHECK_EQ(d.segment_jitter_ms, 0);
    CHECK(d.min_cleanable_dirty_ratio == 0.5);

    CHECK(topic_config_is_valid_name("retention.ms"));
    CHECK(topic_config_is_valid_name("leader.replication.throttled.replicas"));
    CHECK(!topic_config_is_valid_name("log.retention.ms"));
    CHECK(!topic_config_is_valid_name("retention.hours"));
    CHECK_STR(topic_config_synonym("segment.ms"), "log.roll.ms");
    CHECK(topic_config_synonym("leader.replication.throttled.replicas") == NULL);

    CHECK_EQ(topic_config_set(&tc, "retention.ms", "1000", err, sizeof(err)), 0);
    CHECK_EQ(tc.retention_ms, 1000);
    CHECK_EQ(topic_config_set(&tc, "retention.ms", "-1", err, sizeof(err)), 0);
    CHECK_EQ(tc.retention_ms, -1);
    CHECK_EQ(topic_config_set(&tc, "cleanup.policy", "compact, delete", err, sizeof(err)), 0);
    CHECK_STR(tc.cleanup_policy, "compact,delete");
    CHECK(tc.cleanup_compact && tc.cleanup_delete);
    CHECK_EQ(topic_config_set(&tc, "cleanup.policy", "compact", err, sizeof(err)), 0);
    CHECK(tc.cleanup_compact && !tc.cleanup_delete);
    CHECK_EQ(topic_config_set(&tc, "compression.type", "lz4", err, sizeof(err)), 0);
    CHECK_STR(tc.compression_type, "lz4");
    CHECK_EQ(topic_config_set(&tc, "message.timestamp.type", "LogAppendTime", err, sizeof(err)), 0);
    CHECK_EQ(tc.message_timestamp_type, TS_TYPE_LOG_APPEND_TIME);
    CHECK_EQ(topic_config_set(&tc, "min.cleanable.dirty.ratio", "0.25", err, sizeof(err)), 0);
    CHECK_STR(topic_config_value(&tc, "min.cleanable.dirty.ratio", buf, sizeof(buf)), "0.25");
    CHECK_EQ(topic_config_set(&tc, "message.format.version", "2.4", err, sizeof(err)), 0);
    CHECK_STR(tc.message_format_version, "2.4");
    CHECK_EQ(topic_config_set(&tc, "preallocate", "TRUE", err, sizeof(err)), 0);
    CHECK_EQ(tc.preallocate, 1);
    CHECK_EQ(topic_config_set(&tc, "leader.replication.throttled.replicas", "*", err, sizeof(err)), 0);
    CHECK_EQ(topic_config_set(&tc, "follower.replication.throttled.replicas", "0:1, 1:2", err, sizeof(err)), 0);
    CHECK_EQ(topic_config_set(&tc, "segment.bytes", "14", err, sizeof(err)), 0);
    CHECK_EQ(tc.segment_bytes, 14);

    CHECK_EQ(topic_config_set(&tc, "retention.hours", "1", err, sizeof(err)), -1);
    CHECK_STR(err, "Unknown topic config name: retention.hours");
    CHECK_EQ(topic_config_set(&tc, "retention.ms", "-2", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value -2 for configuration retention.ms: Value must be at least -1");
    CHECK_EQ(topic_config_set(&tc, "segment.bytes", "abc", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value abc for configuration segment.bytes: Not a number of type INT");
    CHECK_EQ(topic_config_set(&tc, "segment.ms", "0", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value 0 for configuration segment.ms: Value must be at least 1");
    CHECK_EQ(topic_config_set(&tc, "cleanup.policy", "remove", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value remove for configuration cleanup.policy: String must be one of: compact, delete");
    CHECK_EQ(topic_config_set(&tc, "compression.type", "brotli", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, "
                   "zstd, lz4, snappy, gzip, producer");
    CHECK_EQ(topic_config_set(&tc, "min.cleanable.dirty.ratio", "1.5", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1");
    CHECK_EQ(topic_config_set(&tc, "unclean.leader.election.enable", "1", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value 1 for configuration unclean.leader.election.enable: Expected value to be either "
                   "true or false");
    CHECK_EQ(topic_config_set(&tc, "message.format.version", "9.9", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value 9.9 for configuration message.format.version: Version `9.9` is not a valid version");
    CHECK_EQ(topic_config_set(&tc, "leader.replication.throttled.replicas", "0:1,x", err, sizeof(err)), -1);
    CHECK_STR(err, "Invalid value [0:1, x] for configuration leader.replication.throttled.replicas: "
                   "leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the "
                   "following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
    CHECK_EQ(tc.segment_bytes, 14); /* unchanged by failed sets */

    CHECK_EQ(topic_config_set(&tc, "min.compaction.lag.ms", "100", err, sizeof(err)), 0);
    CHECK_EQ(topic_config_set(&tc, "max.compaction.lag.ms", "50", err, sizeof(err)), 0);
    CHECK_EQ(topic_config_check(&tc, err, sizeof(err)), -1);
    CHECK_STR(err, "conflict topic config setting min.compaction.lag.ms (100) > max.compaction.lag.ms (50)");
    config_free(&c);
}

static void test_describe_topic(void) {
    broker_config c;
    char err[512];
    char *ov[] = {"log.roll.ms=3600000", "compression.type=gzip"};
    CHECK_EQ(load_text(&c, SAMPLE, 2, ov, err, sizeof(err)), 0);
    const char *keys[] = {"cleanup.policy", "retention.bytes", "leader.replication.throttled.replicas"};
    const char *vals[] = {"compact ,delete", "1000", "0:1 , 1:1"};
    nentries = 0;
    topic_config_describe(&c, keys, vals, 3, topic_cb, NULL);
    CHECK_EQ(nentries, 26);
    for (int i = 1; i < nentries; i++)
        CHECK(strcmp(entries[i - 1].name, entries[i].name) < 0);
    const entry *e = E("cleanup.policy");
    CHECK_STR(e->value, "compact,delete");
    CHECK(e->source == CONFIG_SRC_DYNAMIC_TOPIC && !e->is_default && !e->read_only && !e->sensitive);
    CHECK_STR(e->syn, "log.cleanup.policy");
    CHECK_STR(e->synval, "delete");
    CHECK_EQ(e->synsrc, CONFIG_SRC_DEFAULT);
    e = E("retention.bytes");
    CHECK_STR(e->value, "1000");
    CHECK_EQ(e->source, CONFIG_SRC_DYNAMIC_TOPIC);
    CHECK_STR(E("leader.replication.throttled.replicas")->value, "0:1,1:1");
    CHECK_STR(E("follower.replication.throttled.replicas")->value, "");
    CHECK_STR(E("follower.replication.throttled.replicas")->syn, "");
    e = E("retention.ms"); /* derived from log.retention.hours: no synonym, as in Kafka 2.5 */
    CHECK_STR(e->value, "604800000");
    CHECK(e->source == CONFIG_SRC_DEFAULT && e->is_default);
    CHECK_STR(e->syn, "");
    e = E("segment.bytes"); /* log.segment.bytes is in the file */
    CHECK_STR(e->value, "1073741824");
    CHECK_EQ(e->source, CONFIG_SRC_STATIC_BROKER);
    CHECK_STR(e->syn, "log.segment.bytes");
    CHECK_STR(e->synval, "1073741824");
    CHECK_EQ(e->synsrc, CONFIG_SRC_STATIC_BROKER);
    e = E("segment.ms"); /* log.roll.ms from --override */
    CHECK_STR(e->value, "3600000");
    CHECK_EQ(e->source, CONFIG_SRC_STATIC_BROKER);
    e = E("compression.type");
    CHECK_STR(e->value, "gzip");
    CHECK_EQ(e->source, CONFIG_SRC_STATIC_BROKER);
    e = E("max.message.bytes");
    CHECK_STR(e->value, "1048588");
    CHECK(e->source == CONFIG_SRC_DEFAULT && e->synsrc == CONFIG_SRC_DEFAULT);
    CHECK_STR(e->syn, "message.max.bytes");
    CHECK_STR(E("message.format.version")->value, "2.5-IV0");
    CHECK_STR(E("message.timestamp.type")->value, "CreateTime");
    CHECK_STR(E("min.cleanable.dirty.ratio")->value, "0.5");
    CHECK_STR(E("flush.ms")->value, "9223372036854775807");
    CHECK_STR(E("flush.ms")->syn, ""); /* log.flush.interval.ms has no default */
    CHECK_STR(E("unclean.leader.election.enable")->value, "false");
    CHECK_STR(E("message.downconversion.enable")->value, "true");
    CHECK_STR(E("segment.jitter.ms")->value, "0");
    config_free(&c);

    /* no broker config: Kafka's defaults */
    nentries = 0;
    topic_config_describe(NULL, NULL, NULL, 0, topic_cb, NULL);
    CHECK_EQ(nentries, 26);
    CHECK_STR(E("retention.ms")->value, "604800000");
    CHECK_STR(E("compression.type")->value, "producer");
}

int main(void) {
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.%d", (int)getpid());
    mkdir(tmpdir, 0755);
    log_open(NULL, 0, LOG_INFO); /* quiet */
    test_props();
    test_sample();
    test_overrides();
    test_time_precedence();
    test_listeners();
    test_invalid();
    test_unknown_and_log();
    test_describe_broker();
    test_topic_configs();
    test_describe_topic();
    unit_rm_rf(tmpdir);
    return unit_report("test_config");
}
