/* kafka_consumer_perf_test.c -- kafka-consumer-perf-test.sh: Apache Kafka
 * 2.5's kafka.tools.ConsumerPerformance (joptsimple flags) on a librdkafka
 * group consumer.
 *
 * Subscribes --group (default perf-consumer-<random>) to --topic and reads
 * --messages records (auto.offset.reset earliest, latest with
 * --from-latest), giving up when no record came for --timeout ms (10000).
 * Prints the header
 *
 *   start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
 *   nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
 *
 * (unless --hide-header) and one data line; with --show-detailed-stats a
 * "time, threadId, ..." line every --reporting-interval ms instead. Times use
 * --date-format (a java.text.SimpleDateFormat pattern, default
 * yyyy-MM-dd HH:mm:ss:SSS; letters y M d H m s S, quotes and literals).
 * rebalance.time.ms is the time from subscribing (or a revocation) to the
 * assignment. --threads and --num-fetch-threads are accepted and unused, as
 * in Kafka 2.5. --print-metrics prints the consumer-fetch-manager-metrics
 * this tool measures, in Kafka's ToolsUtils table layout. */
#include "rdk_log.h"
#include "rdk_tools.h"
#include "tools.h"

static const opt_spec specs[] = {
    {"bootstrap-server", OPT_ARG, "String: server to connect to", "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to."},
    {"broker-list", OPT_ARG, "String: broker-list", "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
    {"consumer.config", OPT_ARG, "String: config file", "Consumer config properties file."},
    {"date-format", OPT_ARG, "String: date format", "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options. (default: yyyy-MM-dd HH:mm:ss:SSS)"},
    {"fetch-size", OPT_ARG, "Integer: size", "The amount of data to fetch in a single request. (default: 1048576)"},
    {"from-latest", OPT_FLAG, NULL, "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message."},
    {"group", OPT_ARG, "String: gid", "The group id to consume on. (default: perf-consumer-NNNNN)"},
    {"hide-header", OPT_FLAG, NULL, "If set, skips printing the header for the stats "},
    {"messages", OPT_ARG, "Long: count", "REQUIRED: The number of messages to send or consume"},
    {"num-fetch-threads", OPT_ARG, "Integer: count", "Number of fetcher threads. (default: 1)"},
    {"print-metrics", OPT_FLAG, NULL, "Print out the metrics."},
    {"reporting-interval", OPT_ARG, "Integer: interval_ms", "Interval in milliseconds at which to print progress info. (default: 5000)"},
    {"show-detailed-stats", OPT_FLAG, NULL, "If set, stats are reported for each reporting interval as configured by reporting-interval"},
    {"socket-buffer-size", OPT_ARG, "Integer: size", "The size of the tcp RECV size. (default: 2097152)"},
    {"threads", OPT_ARG, "Integer: count", "Number of processing threads. (default: 10)"},
    {"timeout", OPT_ARG, "Long: milliseconds", "The maximum allowed time in milliseconds between returned records. (default: 10000)"},
    {"topic", OPT_ARG, "String: topic", "REQUIRED: The topic to consume from."},
    {NULL, 0, NULL, NULL},
};

static int64_t join_start, join_total, join_round;

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        int64_t d = rt_now_ms() - join_start;
        join_total += d;
        join_round += d;
        rd_kafka_assign(rk, parts);
    } else {
        join_start = rt_now_ms();
        rd_kafka_assign(rk, NULL);
    }
}

/* java.text.SimpleDateFormat.format for the common pattern letters. */
static void date_format(const char *pat, int64_t ms, char *out, size_t n) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    size_t o = 0;
    for (const char *p = pat; *p && o + 16 < n;) {
        if (*p == '\'') {
            p++;
            if (*p == '\'') {
                out[o++] = *p++;
                continue;
            }
            while (*p && *p != '\'' && o + 1 < n)
                out[o++] = *p++;
            if (*p)
                p++;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
            out[o++] = *p++;
            continue;
        }
        char c = *p;
        int w = 0;
        while (*p == c) {
            p++;
            w++;
        }
        long v;
        switch (c) {
        case 'y': v = tm.tm_year + 1900; if (w == 2) v %= 100; break;
        case 'M': v = tm.tm_mon + 1; break;
        case 'd': v = tm.tm_mday; break;
        case 'H': v = tm.tm_hour; break;
        case 'h': v = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12; break;
        case 'm': v = tm.tm_min; break;
        case 's': v = tm.tm_sec; break;
        case 'S': v = (long)(ms % 1000); break;
        case 'a': o += (size_t)snprintf(out + o, n - o, "%s", tm.tm_hour < 12 ? "AM" : "PM"); continue;
        default: v = -1;
        }
        if (v < 0) {
            for (int i = 0; i < w && o + 1 < n; i++)
                out[o++] = c;
            continue;
        }
        o += (size_t)snprintf(out + o, n - o, "%0*ld", w, v);
    }
    out[o] = 0;
}

int main(int argc, char **argv) {
    opts O;
    opts_parse(&O, specs, argc, argv, "This tool helps in performance test for the full zookeeper consumer", 0);
    if (!opts_has(&O, "bootstrap-server") && !opts_has(&O, "broker-list")) {
        fprintf(stderr, "Exception in thread \"main\" joptsimple.MissingRequiredOptionsException: Missing required "
                        "option(s) [bootstrap-server]\n");
        return 1;
    }
    opts_require(&O, "topic");
    opts_require(&O, "messages");
    int64_t count, timeout = 10000, fetch_size = 1048576, sockbuf = 2097152, interval = 5000;
    if (parse_i64(opts_get(&O, "messages"), &count))
        opts_die(&O, "Cannot parse argument of option messages");
    if (opts_has(&O, "timeout") && parse_i64(opts_get(&O, "timeout"), &timeout))
        opts_die(&O, "Cannot parse argument of option timeout");
    if (opts_has(&O, "fetch-size") && parse_i64(opts_get(&O, "fetch-size"), &fetch_size))
        opts_die(&O, "Cannot parse argument of option fetch-size");
    if (opts_has(&O, "socket-buffer-size") && parse_i64(opts_get(&O, "socket-buffer-size"), &sockbuf))
        opts_die(&O, "Cannot parse argument of option socket-buffer-size");
    if (opts_has(&O, "reporting-interval") && parse_i64(opts_get(&O, "reporting-interval"), &interval))
        opts_die(&O, "Cannot parse argument of option reporting-interval");
    if (interval <= 0) {
        fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: Reporting interval must be "
                        "greater than 0.\n");
        return 1;
    }
    const char *datefmt = opts_has(&O, "date-format") ? opts_get(&O, "date-format") : "yyyy-MM-dd HH:mm:ss:SSS";
    int detailed = opts_has(&O, "show-detailed-stats");

    props *p = props_new();
    if (opts_has(&O, "consumer.config") && rdk_props_file(p, opts_get(&O, "consumer.config"))) {
        fprintf(stderr, "Exception in thread \"main\" java.nio.file.NoSuchFileException: %s\n",
                opts_get(&O, "consumer.config"));
        return 1;
    }
    char group[64], num[32];
    srand((unsigned)(rt_now_ms() ^ getpid()));
    snprintf(group, sizeof(group), "perf-consumer-%d", rand() % 100000);
    props_set(p, "bootstrap.servers",
              opts_has(&O, "bootstrap-server") ? opts_get(&O, "bootstrap-server") : opts_get(&O, "broker-list"));
    props_set(p, "group.id", opts_has(&O, "group") ? opts_get(&O, "group") : group);
    snprintf(num, sizeof(num), "%lld", (long long)sockbuf);
    props_set(p, "receive.buffer.bytes", num);
    snprintf(num, sizeof(num), "%lld", (long long)fetch_size);
    props_set(p, "max.partition.fetch.bytes", num);
    props_set(p, "auto.offset.reset", opts_has(&O, "from-latest") ? "latest" : "earliest");
    props_set(p, "check.crcs", "false");
    if (!props_get(p, "client.id"))
        props_set(p, "client.id", "consumer-1");
    char client_id[128];
    snprintf(client_id, sizeof(client_id), "%.100s", props_get(p, "client.id"));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rdk_conf_apply(conf, p);
    props_free(p);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    if (!opts_has(&O, "hide-header")) {
        if (!detailed)
            printf("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec");
        else
            printf("time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec");
        printf(", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n");
        fflush(stdout);
    }
    rd_kafka_t *rk = rdk_new_client(RD_KAFKA_CONSUMER, conf);
    int64_t start_ms = rt_now_ms();
    join_start = start_ms;
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, opts_get(&O, "topic"), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);

    int64_t bytes = 0, msgs = 0, last_bytes = 0, last_msgs = 0;
    int64_t now = rt_now_ms(), last_report = now, last_consumed = now;
    char a[64], b[64], c[64], d[64], e[64], t1[128], t2[128];
    while (msgs < count && now - last_consumed <= timeout) {
        /* poll(100 ms): the first record waits, the rest are at hand */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        now = rt_now_ms();
        int got = 0;
        while (m) {
            if (!m->err) {
                got = 1;
                msgs++;
                bytes += (int64_t)m->key_len + (int64_t)m->len;
                if (now - last_report >= interval) {
                    if (detailed) {
                        double elapsed = (double)(now - last_report);
                        double total_mb = (double)bytes / (1024 * 1024);
                        double int_mb = (double)(bytes - last_bytes) / (1024 * 1024);
                        date_format(datefmt, now, t1, sizeof(t1));
                        printf("%s, %d, %s, %s, %lld, %s", t1, 0, java_fixed(total_mb, 4, a, sizeof(a)),
                               java_fixed(1000.0 * int_mb / elapsed, 4, b, sizeof(b)), (long long)msgs,
                               java_fixed((double)(msgs - last_msgs) / elapsed * 1000.0, 4, c, sizeof(c)));
                        int64_t fetch_ms = now - last_report - join_round;
                        double fmb = fetch_ms <= 0 ? 0.0 : 1000.0 * int_mb / (double)fetch_ms;
                        double fmsg = fetch_ms <= 0 ? 0.0 : 1000.0 * (double)(msgs - last_msgs) / (double)fetch_ms;
                        printf(", %lld, %lld, %s, %s\n", (long long)join_round, (long long)fetch_ms,
                               java_fixed(fmb, 4, a, sizeof(a)), java_fixed(fmsg, 4, b, sizeof(b)));
                        fflush(stdout);
                    }
                    join_round = 0;
                    last_report = now;
                    last_msgs = msgs;
                    last_bytes = bytes;
                }
            }
            rd_kafka_message_destroy(m);
            if (msgs >= count)
                break;
            m = rd_kafka_consumer_poll(rk, 0);
        }
        if (got)
            last_consumed = now;
    }
    if (msgs < count)
        printf("WARNING: Exiting before consuming the expected number of messages: timeout (%lld ms) exceeded. You "
               "can use the --timeout option to increase the timeout.\n",
               (long long)timeout);
    int64_t end_ms = rt_now_ms();
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    double elapsed_secs = (double)(end_ms - start_ms) / 1000.0;
    int64_t fetch_ms = (end_ms - start_ms) - join_total;
    if (!detailed) {
        double mb = (double)bytes / (1024 * 1024);
        date_format(datefmt, start_ms, t1, sizeof(t1));
        date_format(datefmt, end_ms, t2, sizeof(t2));
        printf("%s, %s, %s, %s, %lld, %s, %lld, %lld, %s, %s\n", t1, t2, java_fixed(mb, 4, a, sizeof(a)),
               java_fixed(mb / elapsed_secs, 4, b, sizeof(b)), (long long)msgs,
               java_fixed((double)msgs / elapsed_secs, 4, c, sizeof(c)), (long long)join_total, (long long)fetch_ms,
               java_fixed(mb / ((double)fetch_ms / 1000.0), 4, d, sizeof(d)),
               java_fixed((double)msgs / ((double)fetch_ms / 1000.0), 4, e, sizeof(e)));
    }
    if (opts_has(&O, "print-metrics")) {
        const char *names[] = {"records-consumed-total", "records-consumed-rate", "bytes-consumed-total",
                               "bytes-consumed-rate", "fetch-size-avg"};
        double vals[] = {(double)msgs, elapsed_secs > 0 ? (double)msgs / elapsed_secs : 0, (double)bytes,
                         elapsed_secs > 0 ? (double)bytes / elapsed_secs : 0, msgs ? (double)bytes / (double)msgs : 0};
        rt_metric mt[8];
        int n = 0;
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++, n++) {
            snprintf(mt[n].name, sizeof(mt[n].name), "consumer-fetch-manager-metrics:%s:{client-id=%s}", names[i],
                     client_id);
            mt[n].value = vals[i];
        }
        rt_print_metrics(mt, n);
    }
    opts_free(&O);
    return 0;
}
