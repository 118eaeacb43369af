/* kafka_console_producer.c -- kafka-console-producer.sh: reads lines from
 * stdin and produces one record per line with librdkafka, with Apache Kafka
 * 2.5's flags (ConsoleProducer + LineMessageReader):
 *
 *   --bootstrap-server / --broker-list, --topic, --sync,
 *   --compression-codec [none|gzip|snappy|lz4|zstd] (no value: gzip),
 *   --request-required-acks, --message-send-max-retries, --timeout (linger),
 *   --request-timeout-ms, --retry-backoff-ms, --max-partition-memory-bytes,
 *   --producer-property k=v, --producer.config FILE,
 *   --property parse.key=true / key.separator=SEP / ignore.error=true
 *
 * As Kafka 2.5, a ">" prompt is printed on stdout before each line is read.
 * With parse.key=true a line without the separator fails the tool with
 * "org.apache.kafka.common.KafkaException: No key found on line N: <line>"
 * (exit 1) unless ignore.error=true; lines read before it are delivered.
 * Java-only producer properties (serializers etc.) are ignored. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anet.h"
#include "props.h"
#include "rdk_log.h"
#include "tools.h"

static const opt_spec specs[] = {
    {"batch-size", OPT_ARG, "Integer: size", "Number of messages to send in a single batch if they are not being sent synchronously. (default: 200)"},
    {"bootstrap-server", OPT_ARG, "String: server to connect to", "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
    {"broker-list", OPT_ARG, "String: broker-list", "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
    {"compression-codec", OPT_ARG, "String: compression-codec", "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'"},
    {"line-reader", OPT_ARG, "String: reader_class", "The class name of the class to use for reading lines from standard in. By default each line is read as a separate message. (default: kafka.tools.ConsoleProducer$LineMessageReader)"},
    {"max-block-ms", OPT_ARG, "Long: max block on send", "The max time that the producer will block for during a send request (default: 60000)"},
    {"max-memory-bytes", OPT_ARG, "Long: total memory in bytes", "The total memory used by the producer to buffer records waiting to be sent to the server. (default: 33554432)"},
    {"max-partition-memory-bytes", OPT_ARG, "Long: memory in bytes per partition", "The buffer size allocated for a partition. (default: 16384)"},
    {"message-send-max-retries", OPT_ARG, "Integer", "This property specifies the number of retires before the producer give up and drop this message. (default: 3)"},
    {"metadata-expiry-ms", OPT_ARG, "Long: metadata expiration interval", "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. (default: 300000)"},
    {"producer-property", OPT_ARG, "String: producer_prop", "A mechanism to pass user-defined properties in the form key=value to the producer. "},
    {"producer.config", OPT_ARG, "String: config file", "Producer config properties file. Note that [producer-property] takes precedence over this config."},
    {"property", OPT_ARG, "String: prop", "A mechanism to pass user-defined properties in the form key=value to the message reader. Default properties include:\n\tparse.key=true|false\n\tkey.separator=<key.separator>\n\tignore.error=true|false"},
    {"request-required-acks", OPT_ARG, "String: request required acks", "The required acks of the producer requests (default: 1)"},
    {"request-timeout-ms", OPT_ARG, "Integer: request timeout ms", "The ack timeout of the producer requests. Value must be non-negative and non-zero (default: 1500)"},
    {"retry-backoff-ms", OPT_ARG, "Integer", "Before each retry, the producer refreshes the metadata of relevant topics. (default: 100)"},
    {"socket-buffer-size", OPT_ARG, "Integer: size", "The size of the tcp RECV size. (default: 102400)"},
    {"sync", OPT_FLAG, NULL, "If set message send requests to the brokers are synchronously, one at a time as they arrive."},
    {"timeout", OPT_ARG, "Integer: timeout_ms", "If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. (default: 1000)"},
    {"topic", OPT_ARG, "String: topic", "REQUIRED: The topic id to produce messages to."},
    {NULL, 0, NULL, NULL},
};

static int failed; /* a delivery failed */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err) {
        fflush(stdout);
        fprintf(stderr, "ERROR Error when sending message to topic %s with key: %s, value: %zu bytes with error: %s "
                        "(org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n",
                rd_kafka_topic_name(m->rkt), m->key ? "<key>" : "null", m->len, rd_kafka_err2str(m->err));
        failed = 1;
    }
}

/* Sets a librdkafka property; Java-only keys are skipped. */
static void conf_set(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[512];
    rd_kafka_conf_res_t r = rd_kafka_conf_set(c, k, v, err, sizeof(err));
    if (r == RD_KAFKA_CONF_INVALID) {
        fprintf(stderr, "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s: %s\n",
                v, k, err);
        exit(1);
    }
}

int main(int argc, char **argv) {
    opts O;
    opts_parse(&O, specs, argc, argv, "This tool helps to read data from standard input and publish it to Kafka.", 1);
    opts_require(&O, "topic");
    const char *servers = opts_get(&O, "bootstrap-server");
    if (!servers)
        servers = opts_get(&O, "broker-list");
    if (!servers)
        opts_die(&O, "Missing required argument \"[bootstrap-server]\"");
    char host[256];
    int port;
    char *copy = strdup(servers), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (anetParseHostPort(t, host, sizeof(host), &port) != 0)
            opts_die(&O, "Please provide valid host:port like host1:9091,host2:9092\n ");
    free(copy);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    props *file = NULL;
    if (opts_has(&O, "producer.config")) {
        file = props_load(opts_get(&O, "producer.config"), err, sizeof(err));
        if (!file) {
            fprintf(stderr, "%s (No such file or directory)\n", opts_get(&O, "producer.config"));
            return 1;
        }
    }
    /* properties: file, then --producer-property, then the tool's options */
    props *p = props_new();
    for (size_t i = 0; file && i < props_count(file); i++)
        props_set(p, props_key(file, i), props_value(file, i));
    for (int i = 0; i < opts_count(&O, "producer-property"); i++) {
        char *kv = strdup(opts_nth(&O, "producer-property", i));
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = 0;
        props_set(p, kv, eq ? eq + 1 : "");
        free(kv);
    }
    props_set(p, "bootstrap.servers", servers);
    const char *codec = "none";
    if (opts_has(&O, "compression-codec"))
        codec = opts_get(&O, "compression-codec") && *opts_get(&O, "compression-codec") ? opts_get(&O, "compression-codec")
                                                                                       : "gzip";
    props_set(p, "compression.type", codec);
    props_set(p, "client.id", "console-producer");
    /* maybeMergeOptions: the option (or its default) unless the key is set */
    static const char *const merge[][3] = {
        {"linger.ms", "timeout", "1000"},
        {"acks", "request-required-acks", "1"},
        {"request.timeout.ms", "request-timeout-ms", "1500"},
        {"retries", "message-send-max-retries", "3"},
        {"retry.backoff.ms", "retry-backoff-ms", "100"},
        {"batch.size", "max-partition-memory-bytes", "16384"},
        {"metadata.max.age.ms", "metadata-expiry-ms", "300000"},
    };
    for (size_t i = 0; i < sizeof(merge) / sizeof(merge[0]); i++)
        if (opts_has(&O, merge[i][1]) || !props_get(p, merge[i][0]))
            props_set(p, merge[i][0], opts_has(&O, merge[i][1]) ? opts_get(&O, merge[i][1]) : merge[i][2]);
    for (size_t i = 0; i < props_count(p); i++)
        conf_set(conf, props_key(p, i), props_value(p, i));
    int64_t max_block = 60000;
    if (opts_has(&O, "max-block-ms"))
        parse_i64(opts_get(&O, "max-block-ms"), &max_block);
    props_free(p);
    props_free(file);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rdk_log_attach(conf, "Producer");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "org.apache.kafka.common.KafkaException: Failed to construct kafka producer: %s\n", err);
        return 1;
    }
    const char *topic = opts_get(&O, "topic");
    int parse_key = 0, ignore_error = 0;
    const char *sep = "\t";
    const char *v;
    if ((v = opts_kv_get(&O, "property", "parse.key")))
        parse_key = !strcasecmp(v, "true");
    if ((v = opts_kv_get(&O, "property", "key.separator")))
        sep = v;
    if ((v = opts_kv_get(&O, "property", "ignore.error")))
        ignore_error = !strcasecmp(v, "true");
    int sync = opts_has(&O, "sync");

    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    for (;;) {
        lineno++;
        printf(">");
        fflush(stdout);
        if ((n = getline(&line, &cap, stdin)) < 0)
            break;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = 0;
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = 0;
        const char *key = NULL, *val = line;
        size_t klen = 0, vlen = (size_t)n;
        if (parse_key) {
            const char *s = *sep ? strstr(line, sep) : line;
            if (!s) {
                if (!ignore_error) {
                    fflush(stdout);
                    fprintf(stderr, "org.apache.kafka.common.KafkaException: No key found on line %ld: %s\n", lineno,
                            line);
                    rc = 1;
                    break;
                }
            } else {
                key = line;
                klen = (size_t)(s - line);
                val = s + strlen(sep);
                vlen = (size_t)n - klen - strlen(sep);
            }
        }
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)val, vlen),
                                      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 100);
        if (e) {
            fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", rd_kafka_err2str(e));
            rc = 1;
            break;
        }
        rd_kafka_poll(rk, 0);
        if (sync) {
            rd_kafka_flush(rk, (int)max_block);
            if (failed) {
                rc = 1;
                break;
            }
        }
    }
    free(line);
    rd_kafka_flush(rk, (int)max_block);
    if (rd_kafka_outq_len(rk) > 0) {
        fprintf(stderr, "ERROR %d message(s) not delivered within %lld ms\n", rd_kafka_outq_len(rk),
                (long long)max_block);
    }
    rd_kafka_destroy(rk);
    opts_free(&O);
    return rc;
}
