/* kafka_verifiable_producer.c -- kafka-verifiable-producer.sh: produces
 * increasing integers ("0", "1", ... or "<prefix>.<n>") to a topic with
 * librdkafka and prints one JSON object per event on stdout, as Apache
 * Kafka 2.5's org.apache.kafka.tools.VerifiableProducer (the lines Kafka's
 * system tests read):
 *
 *   {"timestamp":T,"name":"startup_complete"}
 *   {"timestamp":T,"name":"producer_send_success","key":K,"value":V,
 *    "topic":X,"partition":P,"offset":O}
 *   {"timestamp":T,"name":"producer_send_error","topic":X,"key":K,"value":V,
 *    "exception":"class org.apache.kafka...","message":M}
 *   {"timestamp":T,"name":"shutdown_complete"}
 *   {"timestamp":T,"name":"tool_data","sent":N,"acked":A,
 *    "target_throughput":R,"avg_throughput":D}
 *
 * Flags (argparse4j, as Kafka's): --topic, --bootstrap-server |
 * --broker-list (one required), --max-messages (-1: until killed),
 * --throughput (msgs/s, -1: unthrottled), --acks {0,1,-1},
 * --producer.config, --message-create-time, --value-prefix,
 * --repeating-keys. retries=0 as Kafka's tool sets it. SIGTERM/SIGINT stop
 * producing, flush, print shutdown_complete and tool_data, exit 128+signal
 * (the JVM's status after its shutdown hook). */
#include <signal.h>

#include "rdk_log.h"
#include "rdk_tools.h"
#include "tools.h"

static const ap_arg args[] = {
    {"--topic", AP_STR, "TOPIC", "topic", NULL, 1, 0, NULL, "Produce messages to this topic."},
    {"--bootstrap-server", AP_STR, "HOST1:PORT1[,HOST2:PORT2[...]]", "bootstrapServer", NULL, 0, 1, NULL,
     "REQUIRED: The server(s) to connect to. Comma-separated list of Kafka brokers in the form "
     "HOST1:PORT1,HOST2:PORT2,..."},
    {"--broker-list", AP_STR, "HOST1:PORT1[,HOST2:PORT2[...]]", "brokerList", NULL, 0, 1, NULL,
     "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  Comma-separated "
     "list of Kafka brokers in the form HOST1:PORT1,HOST2:PORT2,..."},
    {"--max-messages", AP_INT, "MAX-MESSAGES", "maxMessages", "-1", 0, 0, NULL,
     "Produce this many messages. If -1, produce messages until the process is killed externally."},
    {"--throughput", AP_INT, "THROUGHPUT", "throughput", "-1", 0, 0, NULL,
     "If set >= 0, throttle maximum message throughput to *approximately* THROUGHPUT messages/sec."},
    {"--acks", AP_INT, "ACKS", "acks", "-1", 0, 0, "{0, 1, -1}",
     "Acks required on each produced message. See Kafka docs on acks for details."},
    {"--producer.config", AP_STR, "CONFIG_FILE", "producer.config", NULL, 0, 0, NULL,
     "Producer config properties file."},
    {"--message-create-time", AP_LONG, "CREATETIME", "createTime", "-1", 0, 0, NULL,
     "Send messages with creation time starting at the arguments value, in milliseconds since epoch"},
    {"--value-prefix", AP_INT, "VALUE-PREFIX", "valuePrefix", NULL, 0, 0, NULL,
     "If specified, each produced value will have this prefix with a dot separator"},
    {"--repeating-keys", AP_INT, "REPEATING-KEYS", "repeatingKeys", NULL, 0, 0, NULL,
     "If specified, each produced record will have a key starting at 0 increment by 1 up to the number specified "
     "(exclusive), then the key is set to 0 again"},
    {NULL},
};
static const ap_group groups[] = {{"Connection Group", "Group of arguments for connection to brokers", 1}};

static volatile sig_atomic_t stop_sig; /* signal that asked us to stop */
static volatile int stop_flag;
static int64_t num_acked, num_sent;

static void on_signal(int sig) {
    stop_sig = sig;
    stop_flag = 1;
}

static void event_head(const char *name) { printf("{\"timestamp\":%lld,\"name\":\"%s\"", (long long)rt_now_ms(), name); }

static void print_error(const char *topic, const char *key, size_t klen, const char *val, size_t vlen,
                        rd_kafka_resp_err_t err) {
    char msg[512];
    const char *cls = rdk_exception(err, msg, sizeof(msg));
    event_head("producer_send_error");
    printf(",\"topic\":");
    json_str(stdout, topic, strlen(topic));
    printf(",\"key\":");
    json_str(stdout, key, klen);
    printf(",\"value\":");
    json_str(stdout, val, vlen);
    printf(",\"exception\":\"class %s\",\"message\":", cls);
    json_str(stdout, msg, strlen(msg));
    printf("}\n");
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    const char *topic = rd_kafka_topic_name(m->rkt);
    if (m->err) {
        print_error(topic, m->key, m->key_len, m->payload, m->len, m->err);
        return;
    }
    num_acked++;
    event_head("producer_send_success");
    printf(",\"key\":");
    json_str(stdout, m->key, m->key_len);
    printf(",\"value\":");
    json_str(stdout, m->payload, m->len);
    printf(",\"topic\":");
    json_str(stdout, topic, strlen(topic));
    printf(",\"partition\":%d,\"offset\":%lld}\n", (int)m->partition, (long long)m->offset);
}

static void wait_poll(int ms, void *rk) { rd_kafka_poll(rk, ms); }

int main(int argc, char **argv) {
    ap_parser P;
    ap_init(&P, "verifiable-producer",
            "This tool produces increasing integers to the specified topic and prints JSON metadata to stdout on each "
            "\"send\" request, making externally visible which messages have been acked and which have not.",
            args, groups, 1);
    ap_parse(&P, argc, argv, 1);
    setvbuf(stdout, NULL, _IOLBF, 0);

    const char *topic = ap_get(&P, "--topic");
    int64_t max_messages = ap_getll(&P, "--max-messages", -1);
    int64_t throughput = ap_getll(&P, "--throughput", -1);
    int has_prefix = ap_given(&P, "--value-prefix");
    long long prefix = ap_getll(&P, "--value-prefix", 0);
    int has_keys = ap_given(&P, "--repeating-keys");
    long long repeating = ap_getll(&P, "--repeating-keys", 0);
    int64_t create_time = ap_getll(&P, "--message-create-time", -1);
    const char *servers = ap_given(&P, "--bootstrap-server") ? ap_get(&P, "--bootstrap-server")
                                                              : ap_get(&P, "--broker-list");

    props *p = props_new();
    char acks[16];
    snprintf(acks, sizeof(acks), "%lld", ap_getll(&P, "--acks", -1));
    props_set(p, "bootstrap.servers", servers);
    props_set(p, "acks", acks);
    props_set(p, "retries", "0");
    props_set(p, "linger.ms", "0"); /* Kafka's producer defaults */
    props_set(p, "batch.size", "16384");
    props_set(p, "client.id", "producer-1");
    props_set(p, "partitioner", "murmur2_random"); /* Java's DefaultPartitioner */
    if (rdk_props_file(p, ap_get(&P, "--producer.config"))) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", ap_get(&P, "--producer.config"));
        ap_die(&P, msg);
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rdk_conf_apply(conf, p);
    props_free(p);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rdk_new_client(RD_KAFKA_PRODUCER, conf);
    int64_t start_time = rt_now_ms();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int64_t start_ms = rt_now_ms();
    rt_throttler thr;
    rt_throttler_init(&thr, throughput, start_ms);
    event_head("startup_complete");
    printf("}\n");
    int64_t limit = max_messages < 0 ? INT64_MAX : max_messages;
    long long key_counter = 0;
    for (int64_t i = 0; i < limit && !stop_flag; i++) {
        int64_t send_start = rt_now_ms();
        char key[32], val[64];
        const char *kp = NULL;
        size_t klen = 0;
        if (has_keys) {
            snprintf(key, sizeof(key), "%lld", key_counter++);
            if (key_counter == repeating)
                key_counter = 0;
            kp = key;
            klen = strlen(key);
        }
        if (has_prefix)
            snprintf(val, sizeof(val), "%lld.%lld", prefix, (long long)i);
        else
            snprintf(val, sizeof(val), "%lld", (long long)i);
        int64_t ts = 0;
        if (create_time != -1) {
            ts = create_time;
            create_time += rt_now_ms() - start_time;
        }
        num_sent++;
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_KEY(kp, klen), RD_KAFKA_V_VALUE(val, strlen(val)),
                                      RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
               !stop_flag)
            rd_kafka_poll(rk, 10);
        if (e)
            print_error(topic, kp, klen, val, strlen(val), e);
        rd_kafka_poll(rk, 0);
        if (rt_should_throttle(&thr, i, send_start))
            rt_throttle(&thr, wait_poll, rk, &stop_flag);
    }
    /* the shutdown hook: close (flush), shutdown_complete, tool_data */
    rd_kafka_flush(rk, 30000);
    rd_kafka_destroy(rk);
    event_head("shutdown_complete");
    printf("}\n");
    int64_t stop_ms = rt_now_ms();
    char avg[64];
    java_double(1000.0 * ((double)num_acked / (double)(stop_ms - start_ms)), 0, avg, sizeof(avg));
    event_head("tool_data");
    printf(",\"sent\":%lld,\"acked\":%lld,\"target_throughput\":%lld,\"avg_throughput\":%s}\n", (long long)num_sent,
           (long long)num_acked, (long long)throughput, avg);
    fflush(stdout);
    return stop_sig ? 128 + stop_sig : 0;
}
