/* kafka_console_consumer.c -- kafka-console-consumer.sh: consumes records
 * with librdkafka and writes them to stdout the way Apache Kafka 2.5's
 * ConsoleConsumer and DefaultMessageFormatter do.
 *
 *   --bootstrap-server, --topic | --whitelist, --partition [--offset
 *   earliest|latest|N], --from-beginning, --group, --max-messages,
 *   --timeout-ms, --isolation-level, --skip-message-on-error,
 *   --consumer-property k=v, --consumer.config FILE, --formatter CLASS,
 *   --property print.timestamp / print.key / print.value / print.partition /
 *   key.separator / line.separator (Kafka 2.5), and print.offset /
 *   print.headers / headers.separator / null.literal, which 2.5 does not
 *   have: when one of print.offset / print.headers is set the line follows
 *   the layout Kafka 2.7 introduced with them ("CreateTime:T<sep>Partition:P
 *   <sep>Offset:O<sep>h1:v1,h2:v2<sep>key<sep>value").
 *
 * Without --group a generated group "console-consumer-<0..99999>" is used
 * with enable.auto.commit=false (unless set), as Kafka does; with --group the
 * consumer joins the group and commits what it consumed (auto commit and a
 * final commit on close). With --partition the partition is assigned, not
 * subscribed. "Processed a total of N messages" goes to stderr at the end;
 * --timeout-ms expiring ends the tool with Kafka's ERROR log line and exit 0;
 * SIGINT/SIGTERM end it cleanly (consumer closed, offsets committed) with the
 * JVM's exit status 130/143. Formatters: kafka.tools.DefaultMessageFormatter,
 * kafka.tools.NoOpMessageFormatter and
 * kafka.coordinator.group.GroupMetadataManager$OffsetsMessageFormatter. */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "anet.h"
#include "props.h"
#include "rdk_log.h"
#include "tools.h"

static const opt_spec specs[] = {
    {"bootstrap-server", OPT_ARG, "String: server to connect to", "REQUIRED: The server(s) to connect to."},
    {"consumer-property", OPT_ARG, "String: consumer_prop", "A mechanism to pass user-defined properties in the form key=value to the consumer."},
    {"consumer.config", OPT_ARG, "String: config file", "Consumer config properties file. Note that [consumer-property] takes precedence over this config."},
    {"enable-systest-events", OPT_FLAG, NULL, "Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)"},
    {"formatter", OPT_ARG, "String: class", "The name of a class to use for formatting kafka messages for display. (default: kafka.tools.DefaultMessageFormatter)"},
    {"from-beginning", OPT_FLAG, NULL, "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message."},
    {"group", OPT_ARG, "String: consumer group id", "The consumer group id of the consumer."},
    {"isolation-level", OPT_ARG, "String", "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)"},
    {"key-deserializer", OPT_ARG, "String: deserializer for key", ""},
    {"max-messages", OPT_ARG, "Integer: num_messages", "The maximum number of messages to consume before exiting. If not set, consumption is continual."},
    {"offset", OPT_ARG, "String: consume offset", "The offset id to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)"},
    {"partition", OPT_ARG, "Integer: partition", "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified."},
    {"property", OPT_ARG, "String: prop", "The properties to initialize the message formatter. Default properties include:\n\tprint.timestamp=true|false\n\tprint.key=true|false\n\tprint.value=true|false\n\tkey.separator=<key.separator>\n\tline.separator=<line.separator>\n\tkey.deserializer=<key.deserializer>\n\tvalue.deserializer=<value.deserializer>\n\nUsers can also pass in customized properties for their formatter; more specifically, users can pass in properties keyed with 'key.deserializer.' and 'value.deserializer.' prefixes to configure their deserializers."},
    {"skip-message-on-error", OPT_FLAG, NULL, "If there is an error when processing a message, skip it instead of halt."},
    {"timeout-ms", OPT_ARG, "Integer: timeout_ms", "If specified, exit if no message is available for consumption for the specified interval."},
    {"topic", OPT_ARG, "String: topic", "The topic id to consume on."},
    {"value-deserializer", OPT_ARG, "String: deserializer for values", ""},
    {"whitelist", OPT_ARG, "String: whitelist", "Regular expression specifying whitelist of topics to include for consumption."},
    {NULL, 0, NULL, NULL},
};

#define LOGGER "kafka.tools.ConsoleConsumer$"

enum { FMT_DEFAULT, FMT_NOOP, FMT_OFFSETS };

typedef struct formatter {
    int kind;
    int print_ts, print_key, print_value, print_partition, print_offset, print_headers;
    const char *key_sep, *line_sep, *headers_sep, *null_literal;
} formatter;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void log4j(const char *level, const char *msg, const char *exception) {
    log4j_line(level, msg, LOGGER, exception);
}

static int prop_true(const opts *o, const char *key, int def) {
    const char *v = opts_kv_get(o, "property", key);
    if (!v)
        return def;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return n == 4 && !strncasecmp(v, "true", 4);
}

/* Java Properties values given on the command line keep escapes such as
 * "\t" literally in 2.5 (parseKeyValueArgs does no unescaping), so the
 * separators are used as given. */
static void formatter_init(formatter *f, const opts *o) {
    f->print_ts = prop_true(o, "print.timestamp", 0);
    f->print_key = prop_true(o, "print.key", 0);
    f->print_value = prop_true(o, "print.value", 1);
    f->print_partition = prop_true(o, "print.partition", 0);
    f->print_offset = prop_true(o, "print.offset", 0);
    f->print_headers = prop_true(o, "print.headers", 0);
    const char *v;
    f->key_sep = (v = opts_kv_get(o, "property", "key.separator")) ? v : "\t";
    f->line_sep = (v = opts_kv_get(o, "property", "line.separator")) ? v : "\n";
    f->headers_sep = (v = opts_kv_get(o, "property", "headers.separator")) ? v : ",";
    f->null_literal = (v = opts_kv_get(o, "property", "null.literal")) ? v : "null";
}

static void put_bytes(const void *p, size_t n, const char *null_literal) {
    if (!p)
        fputs(null_literal, stdout);
    else
        fwrite(p, 1, n, stdout);
}

static void sep(const formatter *f, int column) { fputs(column ? f->key_sep : f->line_sep, stdout); }

static void write_timestamp(const rd_kafka_message_t *m) {
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    if (tt == RD_KAFKA_TIMESTAMP_CREATE_TIME)
        printf("CreateTime:%lld", (long long)ts);
    else if (tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME)
        printf("LogAppendTime:%lld", (long long)ts);
    else
        printf("NO_TIMESTAMP");
}

/* DefaultMessageFormatter.writeTo of Kafka 2.5 (value then partition). */
static void write_default_25(const formatter *f, const rd_kafka_message_t *m) {
    if (f->print_ts) {
        write_timestamp(m);
        sep(f, f->print_key || f->print_value);
    }
    if (f->print_key) {
        put_bytes(m->key, m->key_len, "null");
        sep(f, f->print_value);
    }
    if (f->print_value) {
        put_bytes(m->payload, m->len, "null");
        sep(f, f->print_partition);
    }
    if (f->print_partition) {
        printf("%d", (int)m->partition);
        fputs(f->line_sep, stdout);
    }
}

/* The layout of Kafka 2.7+, used when print.offset / print.headers is set. */
static void write_default_27(const formatter *f, const rd_kafka_message_t *m) {
    int after_ts = f->print_offset || f->print_partition || f->print_headers || f->print_key || f->print_value;
    if (f->print_ts) {
        write_timestamp(m);
        sep(f, after_ts);
    }
    if (f->print_partition) {
        printf("Partition:%d", (int)m->partition);
        sep(f, f->print_offset || f->print_headers || f->print_key || f->print_value);
    }
    if (f->print_offset) {
        printf("Offset:%lld", (long long)m->offset);
        sep(f, f->print_headers || f->print_key || f->print_value);
    }
    if (f->print_headers) {
        rd_kafka_headers_t *hdrs = NULL;
        size_t nh = 0;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs)
            nh = rd_kafka_header_cnt(hdrs);
        if (nh == 0)
            fputs("NO_HEADERS", stdout);
        for (size_t i = 0; i < nh; i++) {
            const char *name;
            const void *val;
            size_t vlen;
            if (rd_kafka_header_get_all(hdrs, i, &name, &val, &vlen) != RD_KAFKA_RESP_ERR_NO_ERROR)
                break;
            printf("%s:", name);
            put_bytes(val, vlen, f->null_literal);
            if (i + 1 < nh)
                fputs(f->headers_sep, stdout);
        }
        sep(f, f->print_key || f->print_value);
    }
    if (f->print_key) {
        put_bytes(m->key, m->key_len, f->null_literal);
        sep(f, f->print_value);
    }
    if (f->print_value) {
        put_bytes(m->payload, m->len, f->null_literal);
        fputs(f->line_sep, stdout);
    }
}

static void format_message(const formatter *f, const rd_kafka_message_t *m) {
    if (f->kind == FMT_NOOP)
        return;
    if (f->kind == FMT_OFFSETS) {
        char *s = offsets_format_message(m->key, m->key ? (int32_t)m->key_len : -1, m->payload,
                                         m->payload ? (int32_t)m->len : -1);
        if (s) {
            printf("%s\n", s);
            free(s);
        }
        return;
    }
    if (f->print_offset || f->print_headers)
        write_default_27(f, m);
    else
        write_default_25(f, m);
}

/* Sets a librdkafka property; keys it doesn't know (Java-only) are skipped. */
static void conf_set(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) == RD_KAFKA_CONF_INVALID) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s: %s",
                 v, k, err);
        log4j("ERROR", "Unknown error when running consumer: ", msg);
        exit(1);
    }
}

static void props_from_kv(props *p, const opts *o, const char *opt) {
    for (int i = 0; i < opts_count(o, opt); i++) {
        char *kv = strdup(opts_nth(o, opt, i));
        if (!kv)
            abort();
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = 0;
        props_set(p, kv, eq ? eq + 1 : "");
        free(kv);
    }
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    opts O;
    opts_parse(&O, specs, argc, argv, "This tool helps to read data from Kafka topics and outputs it to standard output.",
               1);
    props *file = NULL;
    char err[512];
    if (opts_has(&O, "consumer.config")) {
        file = props_load(opts_get(&O, "consumer.config"), err, sizeof(err));
        if (!file) {
            fflush(stdout);
            fprintf(stderr, "Exception in thread \"main\" java.nio.file.NoSuchFileException: %s\n",
                    opts_get(&O, "consumer.config"));
            return 1;
        }
    }
    props *extra = props_new();
    props_from_kv(extra, &O, "consumer-property");

    formatter F = {0};
    const char *fclass = opts_has(&O, "formatter") ? opts_get(&O, "formatter") : "kafka.tools.DefaultMessageFormatter";
    if (!strcmp(fclass, "kafka.tools.DefaultMessageFormatter"))
        F.kind = FMT_DEFAULT;
    else if (!strcmp(fclass, "kafka.tools.NoOpMessageFormatter"))
        F.kind = FMT_NOOP;
    else if (!strcmp(fclass, "kafka.coordinator.group.GroupMetadataManager$OffsetsMessageFormatter"))
        F.kind = FMT_OFFSETS;
    else {
        fflush(stdout);
        fprintf(stderr, "Exception in thread \"main\" java.lang.ClassNotFoundException: %s\n", fclass);
        return 1;
    }
    formatter_init(&F, &O);

    if (opts_has(&O, "topic") + opts_has(&O, "whitelist") != 1)
        opts_die(&O, "Exactly one of whitelist/topic is required.");
    int from_beginning = opts_has(&O, "from-beginning");
    int32_t partition = -1;
    int has_partition = opts_has(&O, "partition");
    if (has_partition && parse_i32(opts_get(&O, "partition"), &partition) != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option partition", opts_get(&O, "partition"));
        opts_die(&O, msg);
    }
    if (has_partition) {
        if (!opts_has(&O, "topic"))
            opts_die(&O, "The topic is required when partition is specified.");
        if (from_beginning && opts_has(&O, "offset"))
            opts_die(&O, "Options from-beginning and offset cannot be specified together.");
    } else if (opts_has(&O, "offset"))
        opts_die(&O, "The partition is required when offset is specified.");
    int64_t start = from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    if (opts_has(&O, "offset")) {
        const char *s = opts_get(&O, "offset");
        if (!strcasecmp(s, "earliest"))
            start = RD_KAFKA_OFFSET_BEGINNING;
        else if (!strcasecmp(s, "latest"))
            start = RD_KAFKA_OFFSET_END;
        else if (parse_i64(s, &start) != 0 || start < 0) {
            char msg[512];
            snprintf(msg, sizeof(msg),
                     "The provided offset value '%s' is incorrect. Valid values are 'earliest', 'latest', or a "
                     "non-negative long.",
                     s);
            opts_die(&O, msg);
        }
    }
    opts_require(&O, "bootstrap-server");
    int32_t max_messages = -1, timeout_ms = -1;
    if (opts_has(&O, "max-messages") && parse_i32(opts_get(&O, "max-messages"), &max_messages) != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option max-messages", opts_get(&O, "max-messages"));
        opts_die(&O, msg);
    }
    if (opts_has(&O, "timeout-ms") && parse_i32(opts_get(&O, "timeout-ms"), &timeout_ms) != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option timeout-ms", opts_get(&O, "timeout-ms"));
        opts_die(&O, msg);
    }

    /* the group id: --group, consumer.config, --consumer-property must agree */
    const char *gids[3] = {opts_get(&O, "group"), file ? props_get(file, "group.id") : NULL,
                           props_get(extra, "group.id")};
    const char *group = NULL;
    char detected[1024] = "";
    int ndistinct = 0;
    for (int i = 0; i < 3; i++) {
        if (!gids[i])
            continue;
        int dup = 0;
        for (int j = 0; j < i; j++)
            if (gids[j] && !strcmp(gids[j], gids[i]))
                dup = 1;
        if (dup)
            continue;
        if (!group)
            group = gids[i];
        size_t l = strlen(detected);
        snprintf(detected + l, sizeof(detected) - l, "%s'%s'", ndistinct ? ", " : "", gids[i]);
        ndistinct++;
    }
    if (ndistinct > 1) {
        char msg[1400];
        snprintf(msg, sizeof(msg),
                 "The group ids provided in different places (directly using '--group', via '--consumer-property', or "
                 "via '--consumer.config') do not match. Detected group ids: %s",
                 detected);
        opts_die(&O, msg);
    }
    char gen_group[64];
    props *p = props_new();
    for (size_t i = 0; file && i < props_count(file); i++)
        props_set(p, props_key(file, i), props_value(file, i));
    for (size_t i = 0; i < props_count(extra); i++)
        props_set(p, props_key(extra, i), props_value(extra, i));
    int group_passed = group != NULL;
    if (!group) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        srand((unsigned)(ts.tv_nsec ^ getpid()));
        snprintf(gen_group, sizeof(gen_group), "console-consumer-%d", rand() % 100000);
        group = gen_group;
        if (!props_get(p, "enable.auto.commit"))
            props_set(p, "enable.auto.commit", "false");
    }
    if (group_passed && has_partition)
        opts_die(&O, "Options group and partition cannot be specified together.");
    props_set(p, "group.id", group);

    /* auto.offset.reset: explicit value, else --from-beginning, else latest */
    const char *reset = props_get(p, "auto.offset.reset");
    if (reset) {
        if (from_beginning && strcmp(reset, "earliest")) {
            fflush(stdout);
            fprintf(stderr,
                    "Can't simultaneously specify --from-beginning and 'auto.offset.reset=%s', please remove one "
                    "option\n",
                    reset);
            return 1;
        }
    } else
        props_set(p, "auto.offset.reset", from_beginning ? "earliest" : "latest");
    props_set(p, "bootstrap.servers", opts_get(&O, "bootstrap-server"));
    if (opts_has(&O, "isolation-level") || !props_get(p, "isolation.level"))
        props_set(p, "isolation.level",
                  opts_has(&O, "isolation-level") ? opts_get(&O, "isolation-level") : "read_uncommitted");
    const char *iso = props_get(p, "isolation.level");
    if (strcmp(iso, "read_committed") && strcmp(iso, "read_uncommitted")) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration isolation.level: "
                 "String must be one of: read_committed, read_uncommitted",
                 iso);
        log4j("ERROR", "Unknown error when running consumer: ", msg);
        return 1;
    }
    const char *ar = props_get(p, "auto.offset.reset");
    if (strcmp(ar, "earliest") && strcmp(ar, "latest") && strcmp(ar, "none")) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration "
                 "auto.offset.reset: String must be one of: latest, earliest, none",
                 ar);
        log4j("ERROR", "Unknown error when running consumer: ", msg);
        return 1;
    }
    char client_id[300];
    if (!props_get(p, "client.id")) {
        snprintf(client_id, sizeof(client_id), "consumer-%s-1", group);
        props_set(p, "client.id", client_id);
    }
    /* bootstrap list must be host:port pairs, as the Java client checks */
    {
        char *copy = strdup(opts_get(&O, "bootstrap-server")), *save = NULL;
        char host[256];
        int port;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            if (anetParseHostPort(t, host, sizeof(host), &port) != 0) {
                char msg[512];
                snprintf(msg, sizeof(msg), "org.apache.kafka.common.KafkaException: Failed to construct kafka "
                                           "consumer");
                log4j("ERROR", "Unknown error when running consumer: ", msg);
                free(copy);
                return 1;
            }
        }
        free(copy);
    }

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < props_count(p); i++) {
        const char *k = props_key(p, i);
        if (!strcmp(k, "auto.offset.reset") && !strcmp(props_value(p, i), "none"))
            conf_set(conf, k, "error");
        else
            conf_set(conf, k, props_value(p, i));
    }
    rdk_log_attach(conf, "Consumer");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "org.apache.kafka.common.KafkaException: Failed to construct kafka consumer: %s",
                 err);
        log4j("ERROR", "Unknown error when running consumer: ", msg);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(1);
    rd_kafka_resp_err_t e;
    if (has_partition) {
        rd_kafka_topic_partition_list_add(tl, opts_get(&O, "topic"), partition)->offset = start;
        e = rd_kafka_assign(rk, tl);
    } else if (opts_has(&O, "topic")) {
        rd_kafka_topic_partition_list_add(tl, opts_get(&O, "topic"), RD_KAFKA_PARTITION_UA);
        e = rd_kafka_subscribe(rk, tl);
    } else {
        /* Pattern.matches: the whole name; librdkafka wants a leading ^ */
        const char *w = opts_get(&O, "whitelist");
        size_t n = strlen(w) + 8;
        char *re = malloc(n);
        if (!re)
            abort();
        snprintf(re, n, "^(%s)$", w);
        rd_kafka_topic_partition_list_add(tl, re, RD_KAFKA_PARTITION_UA);
        free(re);
        e = rd_kafka_subscribe(rk, tl);
    }
    rd_kafka_topic_partition_list_destroy(tl);
    if (e) {
        char msg[512];
        snprintf(msg, sizeof(msg), "java.lang.IllegalArgumentException: %s", rd_kafka_err2str(e));
        log4j("ERROR", "Unknown error when running consumer: ", msg);
        rd_kafka_destroy(rk);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    long count = 0;
    int64_t wait = timeout_ms >= 0 ? timeout_ms : -1;
    while ((count < max_messages || max_messages == -1) && !stop_signal) {
        /* receive(): one poll of up to timeout-ms for the next record */
        int64_t deadline = wait >= 0 ? mono_ms() + wait : -1;
        rd_kafka_message_t *m = NULL;
        int fatal = 0;
        while (!stop_signal) {
            int slice = 100;
            if (deadline >= 0) {
                int64_t left = deadline - mono_ms();
                if (left <= 0)
                    break;
                if (left < slice)
                    slice = (int)left;
            }
            m = rd_kafka_consumer_poll(rk, slice);
            if (!m)
                continue;
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
                break;
            if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
                fatal = 1;
                break;
            }
            /* partition EOF, transient errors: keep polling as the Java consumer does */
            rd_kafka_message_destroy(m);
            m = NULL;
        }
        if (stop_signal)
            break;
        if (fatal) {
            char msg[1024];
            rd_kafka_fatal_error(rk, msg, sizeof(msg));
            char ex[1100];
            snprintf(ex, sizeof(ex), "org.apache.kafka.common.KafkaException: %s", msg);
            log4j("ERROR", "Error processing message, terminating consumer process: ", ex);
            if (m)
                rd_kafka_message_destroy(m);
            break;
        }
        if (!m) {
            log4j("ERROR", "Error processing message, terminating consumer process: ",
                  "org.apache.kafka.common.errors.TimeoutException");
            break;
        }
        count++;
        format_message(&F, m);
        rd_kafka_message_destroy(m);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "Unable to write to standard out, closing consumer.\n");
            break;
        }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    fflush(stdout);
    fprintf(stderr, "Processed a total of %ld messages\n", count);
    if (opts_has(&O, "enable-systest-events") && stop_signal)
        printf("shutdown_complete\n");
    props_free(p);
    props_free(extra);
    props_free(file);
    int sig = stop_signal;
    opts_free(&O);
    return sig ? 128 + sig : 0;
}
