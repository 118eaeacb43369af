/* kafka_log_dirs.c -- kafka-log-dirs.sh --describe: the log directories of
 * each broker and the partitions in them, as Apache Kafka 2.5's
 * LogDirsCommand prints them:
 *
 *   Querying brokers for log directories information
 *   Received log directory information from brokers 1,2
 *   {"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":"/tmp/kafka-logs",
 *    "error":null,"partitions":[{"partition":"t-0","size":75,"offsetLag":0,
 *    "isFuture":false}]}]}]}                                  (one line)
 *
 * One DescribeLogDirs request (all topics) to each broker of --broker-list,
 * else to every broker of the cluster (Metadata); --topic-list filters the
 * partitions on the client, as the Java tool does. The JSON is Jackson's
 * compact form; brokers, log dirs and partitions come in the iteration
 * order of the java.util.HashMaps the admin client and the tool build (for
 * more than four brokers Scala's immutable map order would apply; not
 * reproduced). Failures print the Java exception ("Exception in thread
 * "main" ...") on stderr and exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

#define KEY_DESCRIBE_LOG_DIRS 35

static const opt_spec specs[] = {
    {"bootstrap-server", OPT_ARG, "String: The server(s) to use for bootstrapping", "REQUIRED: the server(s) to use for bootstrapping"},
    {"broker-list", OPT_ARG, "String: Broker list", "The list of brokers to be queried in the form \"0,1,2\". All brokers in the cluster will be queried if no broker list is specified"},
    {"command-config", OPT_ARG, "String: Admin client property file", "Property file containing configs to be passed to Admin Client."},
    {"describe", OPT_FLAG, NULL, "Describe the specified log directories on the specified brokers."},
    {"topic-list", OPT_ARG, "String: Topic list", "The list of topics to be queried in the form \"topic1,topic2,topic3\". All topics will be queried if no topic list is specified (default: )"},
    {NULL, 0, NULL, NULL},
};

static kadmin A;

static void die_exc(const char *what) __attribute__((noreturn));
static void die_exc(const char *what) {
    fflush(stdout);
    fprintf(stderr, "Exception in thread \"main\" %s\n", what);
    ka_close(&A);
    exit(1);
}

typedef struct ld_part {
    char *topic;
    int32_t partition;
    int64_t size, lag;
    int future;
} ld_part;

typedef struct ld_dir {
    char *path;
    int16_t err;
    int nparts;
    ld_part *parts;
} ld_dir;

typedef struct ld_broker {
    int32_t id;
    int ndirs;
    ld_dir *dirs;
} ld_broker;

/* Jackson's string output: ", \ and control characters escaped. */
static void json_str(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\b': fputs("\\b", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '\f': fputs("\\f", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        default:
            if (*p < 0x20)
                printf("\\u%04X", *p);
            else
                putchar(*p);
        }
    }
    putchar('"');
}

/* DescribeLogDirs (all topics) to one broker. */
static void describe_broker(ld_broker *b) {
    ka_conn *c = ka_node(&A, b->id);
    if (!c) {
        char m[1200];
        snprintf(m, sizeof(m), "java.util.concurrent.ExecutionException: %s", A.err);
        die_exc(m);
    }
    int v = ka_version(c, KEY_DESCRIBE_LOG_DIRS, 1);
    if (v < 0)
        die_exc("java.util.concurrent.ExecutionException: org.apache.kafka.common.errors."
                "UnsupportedVersionException: The broker does not support DESCRIBE_LOG_DIRS");
    wbuf body, resp;
    wb_init(&body, 16);
    wb_init(&resp, 1024);
    wb_i32(&body, -1); /* topics: null = all */
    if (ka_call(&A, c, KEY_DESCRIBE_LOG_DIRS, (int16_t)v, &body, &resp) != 0) {
        char m[1200];
        snprintf(m, sizeof(m), "java.util.concurrent.ExecutionException: %s", A.err);
        die_exc(m);
    }
    rbuf r;
    rb_init(&r, resp.data, resp.len);
    int32_t throttle, ndirs;
    rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &ndirs);
    rb_check_count(&r, ndirs, 8);
    b->dirs = ka_alloc(&A, (size_t)(ndirs > 0 ? ndirs : 1) * sizeof(ld_dir));
    for (int32_t i = 0; i < ndirs; i++) {
        ld_dir *d = &b->dirs[b->ndirs++];
        kstr path;
        int32_t ntopics;
        rb_read_i16(&r, &d->err);
        rb_read_str(&r, &path);
        d->path = ka_kstrdup(&A, path);
        rb_read_i32(&r, &ntopics);
        rb_check_count(&r, ntopics, 6);
        for (int32_t t = 0; t < ntopics; t++) {
            kstr name;
            int32_t np;
            rb_read_str(&r, &name);
            rb_read_i32(&r, &np);
            rb_check_count(&r, np, 21);
            ld_part *grown = ka_alloc(&A, (size_t)(d->nparts + np + 1) * sizeof(ld_part));
            if (d->nparts)
                memcpy(grown, d->parts, (size_t)d->nparts * sizeof(ld_part));
            d->parts = grown;
            char *tn = ka_kstrdup(&A, name);
            for (int32_t j = 0; j < np; j++) {
                ld_part *p = &d->parts[d->nparts++];
                int8_t fut;
                p->topic = tn;
                rb_read_i32(&r, &p->partition);
                rb_read_i64(&r, &p->size);
                rb_read_i64(&r, &p->lag);
                rb_read_i8(&r, &fut);
                p->future = fut != 0;
            }
        }
    }
    wb_free(&body);
    wb_free(&resp);
    return;
err_parse:
    die_exc("java.util.concurrent.ExecutionException: org.apache.kafka.common.protocol.types.SchemaException: "
            "malformed DescribeLogDirs response");
}

static int in_list(char **list, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

/* Splits on ',' dropping empty pieces (String.split(",").filter(!_.isEmpty)). */
static int split_list(const char *s, char ***out) {
    int n = 0;
    char **v = ka_alloc(&A, (strlen(s) + 2) * sizeof(char *));
    char *copy = ka_strdup(&A, s);
    for (char *tok = copy, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = 0;
        if (*tok)
            v[n++] = tok;
    }
    *out = v;
    return n;
}

static void print_dir(const ld_dir *d, char **topics, int ntopics) {
    printf("{\"logDir\":");
    json_str(d->path);
    printf(",\"error\":");
    if (d->err == 0) {
        printf("null");
    } else {
        char cls[256];
        snprintf(cls, sizeof(cls), "org.apache.kafka.common.errors.%s", kerror_lookup(d->err)->exception);
        json_str(cls);
    }
    printf(",\"partitions\":[");
    /* the admin client's HashMap<TopicPartition, ReplicaInfo>, then the
     * filtered copy the tool makes (a new HashMap, filled in that order) */
    int n = d->nparts;
    int32_t *h = ka_alloc(&A, (size_t)(n + 1) * sizeof(int32_t));
    int *o1 = ka_alloc(&A, (size_t)(n + 1) * sizeof(int));
    int *kept = ka_alloc(&A, (size_t)(n + 1) * sizeof(int));
    int *o2 = ka_alloc(&A, (size_t)(n + 1) * sizeof(int));
    for (int i = 0; i < n; i++)
        h[i] = java_tp_hash(d->parts[i].topic, d->parts[i].partition);
    java_hashmap_order(h, n, 0, o1);
    int nk = 0;
    for (int i = 0; i < n; i++)
        if (ntopics == 0 || in_list(topics, ntopics, d->parts[o1[i]].topic))
            kept[nk++] = o1[i];
    int32_t *h2 = ka_alloc(&A, (size_t)(nk + 1) * sizeof(int32_t));
    for (int i = 0; i < nk; i++)
        h2[i] = h[kept[i]];
    java_hashmap_order(h2, nk, 0, o2);
    for (int i = 0; i < nk; i++) {
        const ld_part *p = &d->parts[kept[o2[i]]];
        char tp[512];
        snprintf(tp, sizeof(tp), "%s-%d", p->topic, p->partition);
        printf("%s{\"partition\":", i ? "," : "");
        json_str(tp);
        printf(",\"size\":%lld,\"offsetLag\":%lld,\"isFuture\":%s}", (long long)p->size, (long long)p->lag,
               p->future ? "true" : "false");
    }
    printf("]}");
}

int main(int argc, char **argv) {
    opts O;
    opts_parse(&O, specs, argc, argv, "This tool helps to query log directory usage on the specified brokers.", 1);
    opts_require(&O, "bootstrap-server");
    opts_require(&O, "describe");
    if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "command-config")) != 0) {
        char m[1200];
        snprintf(m, sizeof(m), "org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient\n"
                               "Caused by: org.apache.kafka.common.config.ConfigException: %s", A.err);
        die_exc(m);
    }
    char **topics = NULL;
    int ntopics = opts_has(&O, "topic-list") ? split_list(opts_get(&O, "topic-list"), &topics) : 0;

    /* brokers: --broker-list, else describeCluster's nodes */
    int nb = 0;
    ld_broker *brokers;
    if (opts_has(&O, "broker-list")) {
        char **ids;
        int n = split_list(opts_get(&O, "broker-list"), &ids);
        brokers = ka_alloc(&A, (size_t)(n + 1) * sizeof(ld_broker));
        for (int i = 0; i < n; i++) {
            if (parse_i32(ids[i], &brokers[nb].id) != 0) {
                char m[600];
                snprintf(m, sizeof(m), "java.lang.NumberFormatException: For input string: \"%.500s\"", ids[i]);
                die_exc(m);
            }
            nb++;
        }
    } else {
        ka_metadata *md = ka_metadata_get(&A, NULL, 0);
        if (!md) {
            char m[1200];
            snprintf(m, sizeof(m), "java.util.concurrent.ExecutionException: %s", A.err);
            die_exc(m);
        }
        brokers = ka_alloc(&A, (size_t)(md->nbrokers + 1) * sizeof(ld_broker));
        int32_t *h = ka_alloc(&A, (size_t)(md->nbrokers + 1) * sizeof(int32_t));
        int *o = ka_alloc(&A, (size_t)(md->nbrokers + 1) * sizeof(int));
        for (int i = 0; i < md->nbrokers; i++)
            h[i] = md->brokers[i].id;
        java_hashmap_order(h, md->nbrokers, 0, o); /* MetadataResponse's HashMap of nodes */
        for (int i = 0; i < md->nbrokers; i++)
            brokers[nb++].id = md->brokers[o[i]].id;
    }

    printf("Querying brokers for log directories information\n");
    fflush(stdout);
    if (nb > 0 && !A.md && !ka_metadata_get(&A, NULL, 0)) {
        char m[1200];
        snprintf(m, sizeof(m), "java.util.concurrent.ExecutionException: %s", A.err);
        die_exc(m);
    }
    for (int i = 0; i < nb; i++)
        describe_broker(&brokers[i]);

    printf("Received log directory information from brokers ");
    for (int i = 0; i < nb; i++)
        printf("%s%d", i ? "," : "", brokers[i].id);
    printf("\n");

    /* HashMap(n) of futures -> HashMap copy -> HashMap(n) in all() */
    int32_t *ids = ka_alloc(&A, (size_t)(nb + 1) * sizeof(int32_t));
    int32_t *ids2 = ka_alloc(&A, (size_t)(nb + 1) * sizeof(int32_t));
    int *o1 = ka_alloc(&A, (size_t)(nb + 1) * sizeof(int));
    int *o2 = ka_alloc(&A, (size_t)(nb + 1) * sizeof(int));
    int *o3 = ka_alloc(&A, (size_t)(nb + 1) * sizeof(int));
    int *seq = ka_alloc(&A, (size_t)(nb + 1) * sizeof(int));
    int *seq2 = ka_alloc(&A, (size_t)(nb + 1) * sizeof(int));
    /* a broker listed twice is one map entry */
    int nu = 0;
    for (int i = 0; i < nb; i++) {
        int dup = 0;
        for (int j = 0; j < nu; j++)
            dup |= brokers[seq[j]].id == brokers[i].id;
        if (!dup)
            seq[nu++] = i;
    }
    for (int i = 0; i < nu; i++)
        ids[i] = brokers[seq[i]].id;
    java_hashmap_order(ids, nu, nu, o1);
    for (int i = 0; i < nu; i++)
        ids2[i] = ids[o1[i]];
    java_hashmap_order(ids2, nu, (int)((float)nu / 0.75f + 1.0f), o2);
    for (int i = 0; i < nu; i++) {
        seq2[i] = seq[o1[o2[i]]];
        ids[i] = brokers[seq2[i]].id;
    }
    java_hashmap_order(ids, nu, nu, o3);

    printf("{\"version\":1,\"brokers\":[");
    for (int i = 0; i < nu; i++) {
        const ld_broker *b = &brokers[seq2[o3[i]]];
        printf("%s{\"broker\":%d,\"logDirs\":[", i ? "," : "", b->id);
        /* the admin client's HashMap<String, LogDirInfo> */
        int32_t *h = ka_alloc(&A, (size_t)(b->ndirs + 1) * sizeof(int32_t));
        int *o = ka_alloc(&A, (size_t)(b->ndirs + 1) * sizeof(int));
        for (int j = 0; j < b->ndirs; j++)
            h[j] = java_string_hash(b->dirs[j].path);
        java_hashmap_order(h, b->ndirs, 0, o);
        for (int j = 0; j < b->ndirs; j++) {
            if (j)
                putchar(',');
            print_dir(&b->dirs[o[j]], topics, ntopics);
        }
        printf("]}");
    }
    printf("]}\n");
    fflush(stdout);
    ka_close(&A);
    opts_free(&O);
    return 0;
}
