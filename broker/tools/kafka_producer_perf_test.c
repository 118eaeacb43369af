/* kafka_producer_perf_test.c -- kafka-producer-perf-test.sh: Apache Kafka
 * 2.5's org.apache.kafka.tools.ProducerPerformance on librdkafka.
 *
 * Sends --num-records records of --record-size random capital letters
 * (java.util.Random(0), the same bytes as Kafka's tool) or payloads picked
 * at random from --payload-file (split at --payload-delimiter), at most
 * --throughput records/s (-1: unthrottled), with --producer-props k=v ...
 * and/or --producer.config (one of them is required). Every 5 s it prints
 *
 *   N records sent, X records/sec (Y MB/sec), Z ms avg latency, W ms max latency.
 *
 * and at the end
 *
 *   N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max
 *   latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.
 *
 * Latency = send to delivery report, in ms; percentiles over a sample of at
 * most 500000 latencies, as Kafka's Stats. --print-metrics prints a metrics
 * table (Kafka's ToolsUtils layout) of the producer-metrics this tool can
 * compute itself. Transactions (--transaction-duration-ms > 0) use
 * librdkafka's transactional producer. */
#include "rdk_log.h"
#include "rdk_tools.h"
#include "tools.h"

static const ap_arg args[] = {
    {"--topic", AP_STR, "TOPIC", "topic", NULL, 1, 0, NULL, "produce messages to this topic"},
    {"--num-records", AP_LONG, "NUM-RECORDS", "numRecords", NULL, 1, 0, NULL, "number of messages to produce"},
    {"--record-size", AP_INT, "RECORD-SIZE", "recordSize", NULL, 0, 1, NULL,
     "message size in bytes. Note that you must provide exactly one of --record-size or --payload-file."},
    {"--payload-file", AP_STR, "PAYLOAD-FILE", "payloadFile", NULL, 0, 1, NULL,
     "file to read the message payloads from. This works only for UTF-8 encoded text files. Payloads will be read "
     "from this file and a payload will be randomly selected when sending messages. Note that you must provide "
     "exactly one of --record-size or --payload-file."},
    {"--payload-delimiter", AP_STR, "PAYLOAD-DELIMITER", "payloadDelimiter", "\\n", 0, 0, NULL,
     "provides delimiter to be used when --payload-file is provided. Defaults to new line. Note that this parameter "
     "will be ignored if --payload-file is not provided."},
    {"--throughput", AP_INT, "THROUGHPUT", "throughput", NULL, 1, 0, NULL,
     "throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable "
     "throttling."},
    {"--producer-props", AP_PLUS, "PROP-NAME=PROP-VALUE", "producerConfig", NULL, 0, 0, NULL,
     "kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take "
     "precedence over those passed via --producer.config."},
    {"--producer.config", AP_STR, "CONFIG-FILE", "producerConfigFile", NULL, 0, 0, NULL,
     "producer config properties file."},
    {"--print-metrics", AP_TRUE, "PRINT-METRICS", "printMetrics", "false", 0, 0, NULL,
     "print out metrics at the end of the test."},
    {"--transactional-id", AP_STR, "TRANSACTIONAL-ID", "transactionalId",
     "performance-producer-default-transactional-id", 0, 0, NULL,
     "The transactionalId to use if transaction-duration-ms is > 0. Useful when testing the performance of "
     "concurrent transactions."},
    {"--transaction-duration-ms", AP_LONG, "TRANSACTION-DURATION", "transactionDurationMs", "0", 0, 0, NULL,
     "The max age of each transaction. The commitTransaction will be called after this time has elapsed. "
     "Transactions are only enabled if this value is positive."},
    {NULL},
};
static const ap_group groups[] = {{"", "either --record-size or --payload-file must be specified but not both.", 1}};

/* Kafka's ProducerPerformance.Stats */
static struct {
    int64_t start, window_start;
    int *latencies;
    int64_t sampling, index, count, bytes, total_latency;
    int max_latency;
    int64_t window_count, window_total_latency, window_bytes;
    int window_max_latency;
    int64_t reporting_interval;
    int64_t errors;
} st;

static void print_window(void) {
    int64_t elapsed = rt_now_ms() - st.window_start;
    double recs = 1000.0 * (double)st.window_count / (double)elapsed;
    double mb = 1000.0 * (double)st.window_bytes / (double)elapsed / (1024.0 * 1024.0);
    char a[64], b[64], c[64], d[64];
    printf("%lld records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency.\n",
           (long long)st.window_count, java_fixed(recs, 1, a, sizeof(a)), java_fixed(mb, 2, b, sizeof(b)),
           java_fixed((double)st.window_total_latency / (double)st.window_count, 1, c, sizeof(c)),
           java_fixed((double)st.window_max_latency, 1, d, sizeof(d)));
    fflush(stdout);
}

static void new_window(void) {
    st.window_start = rt_now_ms();
    st.window_count = st.window_max_latency = 0;
    st.window_total_latency = st.window_bytes = 0;
}

static void record(int64_t iter, int latency, int bytes, int64_t now) {
    st.count++;
    st.bytes += bytes;
    st.total_latency += latency;
    if (latency > st.max_latency)
        st.max_latency = latency;
    st.window_count++;
    st.window_bytes += bytes;
    st.window_total_latency += latency;
    if (latency > st.window_max_latency)
        st.window_max_latency = latency;
    if (iter % st.sampling == 0)
        st.latencies[st.index++] = latency;
    if (now - st.window_start >= st.reporting_interval) {
        print_window();
        new_window();
    }
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void print_total(void) {
    int64_t elapsed = rt_now_ms() - st.start;
    double recs = 1000.0 * (double)st.count / (double)elapsed;
    double mb = 1000.0 * (double)st.bytes / (double)elapsed / (1024.0 * 1024.0);
    int64_t size = st.index;
    qsort(st.latencies, (size_t)size, sizeof(int), cmp_int);
    static const double pct[4] = {0.5, 0.95, 0.99, 0.999};
    int v[4];
    for (int i = 0; i < 4; i++) {
        int64_t idx = (int64_t)(pct[i] * (double)size);
        v[i] = size > 0 ? st.latencies[idx < size ? idx : size - 1] : 0;
    }
    char a[64], b[64], c[64], d[64];
    printf("%lld records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency, %d ms 50th, %d ms "
           "95th, %d ms 99th, %d ms 99.9th.\n",
           (long long)st.count, java_fixed(recs, 6, a, sizeof(a)), java_fixed(mb, 2, b, sizeof(b)),
           java_fixed((double)st.total_latency / (double)st.count, 2, c, sizeof(c)),
           java_fixed((double)st.max_latency, 2, d, sizeof(d)), v[0], v[1], v[2], v[3]);
    fflush(stdout);
}

/* Per-message opaque: iteration and send time. */
typedef struct sendinfo {
    int64_t iter, start_ms;
} sendinfo;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    sendinfo *si = m->_private;
    int64_t now = rt_now_ms();
    record(si->iter, (int)(now - si->start_ms), (int)m->len, now);
    if (m->err) {
        char msg[512];
        const char *cls = rdk_exception(m->err, msg, sizeof(msg));
        fprintf(stderr, "%s: %s\n", cls, msg);
        st.errors++;
    }
    free(si);
}

static void wait_poll(int ms, void *rk) { rd_kafka_poll(rk, ms); }

int main(int argc, char **argv) {
    ap_parser P;
    ap_init(&P, "producer-performance", "This tool is used to verify the producer performance.", args, groups, 1);
    ap_parse(&P, argc, argv, 1);
    const char *topic = ap_get(&P, "--topic");
    int64_t num_records = ap_getll(&P, "--num-records", 0);
    int64_t throughput = ap_getll(&P, "--throughput", -1);
    const char **kv;
    int nkv = ap_list(&P, "--producer-props", &kv);
    const char *config_file = ap_get(&P, "--producer.config");
    const char *payload_file = ap_get(&P, "--payload-file");
    int print_metrics = ap_given(&P, "--print-metrics");
    int64_t txn_ms = ap_getll(&P, "--transaction-duration-ms", 0);
    const char *delim = ap_get(&P, "--payload-delimiter");
    if (!strcmp(delim, "\\n"))
        delim = "\n";
    if (nkv == 0 && !config_file)
        ap_die(&P, "Either --producer-props or --producer.config must be specified.");

    /* payloads */
    char **payloads = NULL;
    size_t *plen = NULL;
    int npayloads = 0;
    if (payload_file) {
        char abs[4096];
        if (payload_file[0] == '/')
            snprintf(abs, sizeof(abs), "%s", payload_file);
        else {
            char cwd[2048];
            snprintf(abs, sizeof(abs), "%s/%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".", payload_file);
        }
        printf("Reading payloads from: %s\n", abs);
        FILE *f = fopen(payload_file, "rb");
        char *data = NULL;
        size_t len = 0;
        if (f) {
            FILE *mem = open_memstream(&data, &len);
            char buf[65536];
            size_t n;
            while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                fwrite(buf, 1, n, mem);
            fclose(mem);
            fclose(f);
        }
        if (!f || len == 0)
            tools_die_exception("java.lang.IllegalArgumentException", "File does not exist or empty file provided.");
        /* String.split: pieces between delimiters, trailing empty ones dropped */
        size_t dl = strlen(delim);
        payloads = calloc(len + 2, sizeof(char *));
        plen = calloc(len + 2, sizeof(size_t));
        char *s = data, *end = data + len;
        while (s <= end) {
            char *d = dl ? memmem(s, (size_t)(end - s), delim, dl) : NULL;
            char *e = d ? d : end;
            payloads[npayloads] = s;
            plen[npayloads++] = (size_t)(e - s);
            if (!d)
                break;
            s = d + dl;
        }
        while (npayloads > 0 && plen[npayloads - 1] == 0)
            npayloads--;
        if (npayloads == 0) { /* Java: "".split gives [""] only for empty input; all-delimiters gives [] */
            tools_die_exception("java.lang.IllegalArgumentException", "bound must be positive");
        }
        printf("Number of messages read: %d\n", npayloads);
        fflush(stdout);
    }

    props *p = props_new();
    props_set(p, "acks", "1"); /* Kafka's producer defaults */
    props_set(p, "linger.ms", "0");
    props_set(p, "batch.size", "16384");
    props_set(p, "client.id", "producer-1");
    props_set(p, "partitioner", "murmur2_random");
    if (rdk_props_file(p, config_file)) {
        char msg[4200];
        snprintf(msg, sizeof(msg), "%s (No such file or directory)", config_file);
        tools_die_exception("java.nio.file.NoSuchFileException", msg);
    }
    for (int i = 0; i < nkv; i++) {
        const char *eq = strchr(kv[i], '=');
        if (!eq || strchr(eq + 1, '=') || eq == kv[i] || !eq[1]) {
            char msg[1024];
            snprintf(msg, sizeof(msg), "Invalid property: %s", kv[i]);
            tools_die_exception("java.lang.IllegalArgumentException", msg);
        }
        char key[512];
        snprintf(key, sizeof(key), "%.*s", (int)(eq - kv[i]), kv[i]);
        props_set(p, key, eq + 1);
    }
    if (txn_ms > 0)
        props_set(p, "transactional.id", ap_get(&P, "--transactional-id"));
    char client_id[128];
    snprintf(client_id, sizeof(client_id), "%.100s", props_get(p, "client.id"));
    if (!props_get(p, "bootstrap.servers"))
        tools_die_exception("org.apache.kafka.common.config.ConfigException",
                      "Missing required configuration \"bootstrap.servers\" which has no default value.");
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rdk_conf_apply(conf, p);
    props_free(p);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rdk_new_client(RD_KAFKA_PRODUCER, conf);
    rd_kafka_error_t *te;
    if (txn_ms > 0 && (te = rd_kafka_init_transactions(rk, 60000)))
        tools_die_exception("org.apache.kafka.common.KafkaException", rd_kafka_error_string(te));

    unsigned char *payload = NULL;
    java_random rnd;
    jrand_init(&rnd, 0);
    int record_size = 0;
    if (!payload_file) {
        record_size = (int)ap_getll(&P, "--record-size", 0);
        payload = malloc(record_size > 0 ? (size_t)record_size : 1);
        for (int i = 0; i < record_size; i++)
            payload[i] = (unsigned char)(jrand_int(&rnd, 26) + 65);
    }
    memset(&st, 0, sizeof(st));
    st.start = st.window_start = rt_now_ms();
    st.sampling = num_records > 0 ? num_records / (num_records < 500000 ? num_records : 500000) : 1;
    st.latencies = calloc((size_t)(num_records / st.sampling + 1), sizeof(int));
    st.reporting_interval = 5000;
    int64_t start_ms = rt_now_ms();
    rt_throttler thr;
    rt_throttler_init(&thr, throughput, start_ms);
    volatile int never = 0;
    int64_t txn_size = 0, txn_start = 0;
    for (int64_t i = 0; i < num_records; i++) {
        if (txn_ms > 0 && txn_size == 0) {
            if ((te = rd_kafka_begin_transaction(rk)))
                tools_die_exception("org.apache.kafka.common.KafkaException", rd_kafka_error_string(te));
            txn_start = rt_now_ms();
        }
        const void *val = payload;
        size_t vlen = (size_t)record_size;
        if (payload_file) {
            int k = jrand_int(&rnd, npayloads);
            val = payloads[k];
            vlen = plen[k];
        }
        int64_t send_start = rt_now_ms();
        sendinfo *si = malloc(sizeof(*si));
        si->iter = i;
        si->start_ms = send_start;
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_OPAQUE(si), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 1);
        if (e) {
            /* send() threw: the callback never runs in Kafka's tool either */
            fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", rd_kafka_err2str(e));
            free(si);
        }
        rd_kafka_poll(rk, 0);
        txn_size++;
        if (txn_ms > 0 && txn_ms <= send_start - txn_start) {
            if ((te = rd_kafka_commit_transaction(rk, -1)))
                tools_die_exception("org.apache.kafka.common.KafkaException", rd_kafka_error_string(te));
            txn_size = 0;
        }
        if (rt_should_throttle(&thr, i, send_start))
            rt_throttle(&thr, wait_poll, rk, &never);
    }
    if (txn_ms > 0 && txn_size != 0 && (te = rd_kafka_commit_transaction(rk, -1)))
        tools_die_exception("org.apache.kafka.common.KafkaException", rd_kafka_error_string(te));
    while (rd_kafka_outq_len(rk) > 0)
        rd_kafka_poll(rk, 10);
    if (!print_metrics)
        rd_kafka_destroy(rk);
    print_total();
    if (print_metrics) {
        double secs = (double)(rt_now_ms() - st.start) / 1000.0;
        const char *names[] = {"record-send-total", "record-send-rate", "record-error-total", "record-error-rate",
                               "request-latency-avg", "request-latency-max", "byte-total", "outgoing-byte-rate",
                               "record-size-avg"};
        double vals[] = {(double)st.count,
                         secs > 0 ? (double)st.count / secs : 0,
                         (double)st.errors,
                         secs > 0 ? (double)st.errors / secs : 0,
                         st.count ? (double)st.total_latency / (double)st.count : 0,
                         (double)st.max_latency,
                         (double)st.bytes,
                         secs > 0 ? (double)st.bytes / secs : 0,
                         st.count ? (double)st.bytes / (double)st.count : 0};
        rt_metric m[16];
        int n = 0;
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++, n++) {
            snprintf(m[n].name, sizeof(m[n].name), "producer-metrics:%s:{client-id=%s}", names[i], client_id);
            m[n].value = vals[i];
        }
        rt_print_metrics(m, n);
        rd_kafka_destroy(rk);
    }
    return 0;
}
