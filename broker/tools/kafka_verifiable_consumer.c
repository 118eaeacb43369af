/* kafka_verifiable_consumer.c -- kafka-verifiable-consumer.sh: a group
 * consumer (librdkafka) that prints its events as JSON lines on stdout, as
 * Apache Kafka 2.5's org.apache.kafka.tools.VerifiableConsumer:
 *
 *   startup_complete; partitions_assigned / partitions_revoked with
 *   "partitions":[{"topic","partition"}]; records_consumed with "count" and
 *   "partitions":[{"topic","partition","count","minOffset","maxOffset"}];
 *   record_data per record with --verbose; offsets_committed with
 *   "offsets":[{"topic","partition","offset"}], "error" (only on failure)
 *   and "success"; shutdown_complete.
 *
 * Every event starts with "timestamp" and "name", as Jackson orders them.
 * Records are handled in batches like KafkaConsumer.poll() returns them
 * (up to max.poll.records, default 500, of what is already fetched); without
 * --enable-autocommit each batch's offsets are committed synchronously
 * (in java.util.HashMap order, as Kafka prints them). Before partitions are
 * revoked the batch in hand is reported and committed. SIGTERM/SIGINT close
 * the consumer (revoking its partitions), print shutdown_complete and exit
 * with 128+signal like the JVM after its shutdown hook. */
#include <signal.h>

#include "rdk_log.h"
#include "rdk_tools.h"
#include "tools.h"

static const ap_arg args[] = {
    {"--bootstrap-server", AP_STR, "HOST1:PORT1[,HOST2:PORT2[...]]", "bootstrapServer", NULL, 0, 1, NULL,
     "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. Comma-separated list "
     "of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,..."},
    {"--broker-list", AP_STR, "HOST1:PORT1[,HOST2:PORT2[...]]", "brokerList", NULL, 0, 1, NULL,
     "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  Comma-separated "
     "list of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,..."},
    {"--topic", AP_STR, "TOPIC", "topic", NULL, 1, 0, NULL, "Consumes messages from this topic."},
    {"--group-id", AP_STR, "GROUP_ID", "groupId", NULL, 1, 0, NULL,
     "The groupId shared among members of the consumer group"},
    {"--group-instance-id", AP_STR, "GROUP_INSTANCE_ID", "groupInstanceId", NULL, 0, 0, NULL,
     "A unique identifier of the consumer instance"},
    {"--max-messages", AP_INT, "MAX-MESSAGES", "maxMessages", "-1", 0, 0, NULL,
     "Consume this many messages. If -1 (the default), the consumer will consume until the process is killed "
     "externally"},
    {"--session-timeout", AP_INT, "TIMEOUT_MS", "sessionTimeout", "30000", 0, 0, NULL,
     "Set the consumer's session timeout"},
    {"--verbose", AP_TRUE, "VERBOSE", "verbose", "false", 0, 0, NULL, "Enable to log individual consumed records"},
    {"--enable-autocommit", AP_TRUE, "ENABLE-AUTOCOMMIT", "useAutoCommit", "false", 0, 0, NULL,
     "Enable offset auto-commit on consumer"},
    {"--reset-policy", AP_STR, NULL, "resetPolicy", "earliest", 0, 0, NULL,
     "Set reset policy (must be either 'earliest', 'latest', or 'none'"},
    {"--assignment-strategy", AP_STR, NULL, "assignmentStrategy", "org.apache.kafka.clients.consumer.RangeAssignor",
     0, 0, NULL, "Set assignment strategy (e.g. org.apache.kafka.clients.consumer.RoundRobinAssignor)"},
    {"--consumer.config", AP_STR, "CONFIG_FILE", "consumer.config", NULL, 0, 0, NULL,
     "Consumer config properties file (config options shared with command line parameters will be overridden)."},
    {NULL},
};
static const ap_group groups[] = {{"Connection Group", "Group of arguments for connection to brokers", 1}};

#define MAX_POLL 500

static volatile sig_atomic_t stop_sig;
static int64_t max_messages = -1, consumed;
static int verbose, autocommit, cooperative;
static rd_kafka_message_t *batch[MAX_POLL];
static int nbatch;

static void on_signal(int sig) { stop_sig = sig; }

static int finished(void) { return max_messages >= 0 && consumed >= max_messages; }

static void event_head(const char *name) { printf("{\"timestamp\":%lld,\"name\":\"%s\"", (long long)rt_now_ms(), name); }

static void print_tp(const char *topic, int32_t partition) {
    printf("{\"topic\":");
    json_str(stdout, topic, strlen(topic));
    printf(",\"partition\":%d", (int)partition);
}

static void print_partitions_event(const char *name, const rd_kafka_topic_partition_list_t *l) {
    event_head(name);
    printf(",\"partitions\":[");
    for (int i = 0; l && i < l->cnt; i++) {
        printf(i ? "," : "");
        print_tp(l->elems[i].topic, l->elems[i].partition);
        printf("}");
    }
    printf("]}\n");
}

static const char *commit_failed_msg =
    "Commit cannot be completed since the group has already rebalanced and assigned the partitions to another "
    "member. This means that the time between subsequent calls to poll() was longer than the configured "
    "max.poll.interval.ms, which typically implies that the poll loop is spending too much time message processing. "
    "You can address this either by increasing max.poll.interval.ms or by reducing the maximum size of batches "
    "returned in poll() with max.poll.records.";

/* commitSync(offsets) and onComplete: prints offsets_committed. */
static void commit_sync(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *offs) {
    rd_kafka_resp_err_t e = offs->cnt ? rd_kafka_commit(rk, offs, 0) : RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; !e && i < offs->cnt; i++)
        if (offs->elems[i].err)
            e = offs->elems[i].err;
    /* HashMap<TopicPartition, OffsetAndMetadata> iteration order */
    int32_t hashes[MAX_POLL];
    int order[MAX_POLL];
    for (int i = 0; i < offs->cnt; i++)
        hashes[i] = java_tp_hash(offs->elems[i].topic, offs->elems[i].partition);
    java_hashmap_order(hashes, offs->cnt, 0, order);
    event_head("offsets_committed");
    printf(",\"offsets\":[");
    for (int i = 0; i < offs->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &offs->elems[order[i]];
        printf(i ? "," : "");
        print_tp(tp->topic, tp->partition);
        printf(",\"offset\":%lld}", (long long)tp->offset);
    }
    printf("]");
    if (e) {
        const char *msg;
        char buf[512];
        if (e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
            e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || e == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST)
            msg = commit_failed_msg;
        else if (e > 0 && kerror_lookup(e))
            msg = kerror_lookup(e)->message;
        else {
            snprintf(buf, sizeof(buf), "%s", rd_kafka_err2str(e));
            msg = buf;
        }
        printf(",\"error\":");
        json_str(stdout, msg, strlen(msg));
    }
    printf(",\"success\":%s}\n", e ? "false" : "true");
}

/* onRecordsReceived (+ the commit): the batch in hand, grouped by
 * partition in the order partitions first appear. */
static void process_batch(rd_kafka_t *rk) {
    if (nbatch == 0)
        return;
    int used[MAX_POLL] = {0};
    rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(16);
    struct {
        const char *topic;
        int32_t partition;
        int64_t count, min, max;
    } sum[MAX_POLL];
    int nsum = 0;
    for (int i = 0; i < nbatch && !finished(); i++) {
        if (used[i])
            continue;
        const char *topic = rd_kafka_topic_name(batch[i]->rkt);
        int32_t part = batch[i]->partition;
        int64_t cnt = 0, min = 0, max = 0;
        for (int j = i; j < nbatch; j++) {
            if (used[j] || batch[j]->partition != part || strcmp(rd_kafka_topic_name(batch[j]->rkt), topic))
                continue;
            used[j] = 1;
            if (max_messages >= 0 && consumed + cnt >= max_messages)
                continue; /* subList(0, maxMessages - consumedMessages) */
            if (cnt == 0)
                min = batch[j]->offset;
            max = batch[j]->offset;
            cnt++;
            if (verbose) {
                const rd_kafka_message_t *m = batch[j];
                event_head("record_data");
                printf(",\"key\":");
                json_str(stdout, m->key, m->key_len);
                printf(",\"value\":");
                json_str(stdout, m->payload ? m->payload : "", m->payload ? m->len : 0);
                printf(",\"topic\":");
                json_str(stdout, topic, strlen(topic));
                printf(",\"partition\":%d,\"offset\":%lld}\n", (int)part, (long long)m->offset);
            }
        }
        if (cnt == 0)
            continue;
        rd_kafka_topic_partition_list_add(offs, topic, part)->offset = max + 1;
        sum[nsum].topic = topic;
        sum[nsum].partition = part;
        sum[nsum].count = cnt;
        sum[nsum].min = min;
        sum[nsum].max = max;
        nsum++;
        consumed += cnt;
    }
    event_head("records_consumed");
    printf(",\"count\":%d,\"partitions\":[", nbatch);
    for (int i = 0; i < nsum; i++) {
        printf(i ? "," : "");
        print_tp(sum[i].topic, sum[i].partition);
        printf(",\"count\":%lld,\"minOffset\":%lld,\"maxOffset\":%lld}", (long long)sum[i].count,
               (long long)sum[i].min, (long long)sum[i].max);
    }
    printf("]}\n");
    if (!autocommit)
        commit_sync(rk, offs);
    rd_kafka_topic_partition_list_destroy(offs);
    for (int i = 0; i < nbatch; i++)
        rd_kafka_message_destroy(batch[i]);
    nbatch = 0;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        print_partitions_event("partitions_assigned", parts);
        if (cooperative)
            rd_kafka_incremental_assign(rk, parts);
        else
            rd_kafka_assign(rk, parts);
    } else {
        process_batch(rk);
        print_partitions_event("partitions_revoked", parts);
        if (cooperative)
            rd_kafka_incremental_unassign(rk, parts);
        else
            rd_kafka_assign(rk, NULL);
    }
}

static const char *assignor(const char *s) {
    static const char *const map[][2] = {
        {"org.apache.kafka.clients.consumer.RangeAssignor", "range"},
        {"org.apache.kafka.clients.consumer.RoundRobinAssignor", "roundrobin"},
        {"org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky"},
        {"range", "range"},
        {"roundrobin", "roundrobin"},
        {"cooperative-sticky", "cooperative-sticky"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i][0], s))
            return map[i][1];
    return NULL;
}

int main(int argc, char **argv) {
    ap_parser P;
    ap_init(&P, "verifiable-consumer",
            "This tool consumes messages from a specific topic and emits consumer events (e.g. group rebalances, "
            "received messages, and offsets committed) as JSON objects to STDOUT.",
            args, groups, 1);
    ap_parse(&P, argc, argv, 1);
    setvbuf(stdout, NULL, _IOLBF, 0);

    props *p = props_new();
    if (rdk_props_file(p, ap_get(&P, "--consumer.config"))) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", ap_get(&P, "--consumer.config"));
        ap_die(&P, msg);
    }
    autocommit = ap_given(&P, "--enable-autocommit");
    verbose = ap_given(&P, "--verbose");
    max_messages = ap_getll(&P, "--max-messages", -1);
    const char *strategy = assignor(ap_get(&P, "--assignment-strategy"));
    if (!strategy) {
        fprintf(stderr,
                "Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to construct kafka "
                "consumer: unsupported partition.assignment.strategy %s (supported: RangeAssignor, "
                "RoundRobinAssignor, CooperativeStickyAssignor)\n",
                ap_get(&P, "--assignment-strategy"));
        return 1;
    }
    cooperative = !strcmp(strategy, "cooperative-sticky");
    props_set(p, "group.id", ap_get(&P, "--group-id"));
    if (ap_given(&P, "--group-instance-id"))
        props_set(p, "group.instance.id", ap_get(&P, "--group-instance-id"));
    props_set(p, "bootstrap.servers", ap_given(&P, "--bootstrap-server") ? ap_get(&P, "--bootstrap-server")
                                                                        : ap_get(&P, "--broker-list"));
    props_set(p, "enable.auto.commit", autocommit ? "true" : "false");
    props_set(p, "auto.offset.reset", ap_get(&P, "--reset-policy"));
    props_set(p, "session.timeout.ms", ap_get(&P, "--session-timeout"));
    props_set(p, "partition.assignment.strategy", strategy);
    if (!props_get(p, "client.id"))
        props_set(p, "client.id", "consumer-1");
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rdk_conf_apply(conf, p);
    props_free(p);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_t *rk = rdk_new_client(RD_KAFKA_CONSUMER, conf);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    event_head("startup_complete");
    printf("}\n");
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, ap_get(&P, "--topic"), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);

    while (!finished() && !stop_sig) {
        /* poll(): wait for the first record, then take what is at hand */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        while (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    fprintf(stderr, "[%lld] ERROR %s (org.apache.kafka.tools.VerifiableConsumer)\n",
                            (long long)rt_now_ms(), rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            } else
                batch[nbatch++] = m;
            if (nbatch == MAX_POLL)
                break;
            m = rd_kafka_consumer_poll(rk, 0);
        }
        process_batch(rk);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    event_head("shutdown_complete");
    printf("}\n");
    fflush(stdout);
    return stop_sig ? 128 + stop_sig : 0;
}
