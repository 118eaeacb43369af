/* config.c -- broker and topic configuration with Kafka 2.5's names, defaults,
 * validation rules and messages (see config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "errbuf.h"
#include "logger.h"

#define LOGGER "kafka.server.KafkaConfig"
#define LMAX "9223372036854775807"
#define IMAX "2147483647"

/* ---------------- key definitions ---------------- */

enum { T_BOOL, T_SHORT, T_INT, T_LONG, T_DOUBLE, T_STRING, T_LIST, T_PASSWORD, T_CLASS };
static const char *const type_names[] = {"BOOLEAN", "SHORT", "INT",  "LONG", "DOUBLE",
                                         "STRING",  "LIST",  "PASSWORD", "CLASS"};

#define F_DYN 1  /* dynamically updatable in Kafka (DescribeConfigs read_only = false) */
#define F_MIN 2  /* numeric value >= min */
#define F_MAX 4  /* numeric value <= max */
#define F_IN 8   /* value (each item of a list) is one of `in` */
#define F_VER 16 /* a Kafka ApiVersion ("2.5", "2.5-IV0", "0.10.0"...) */
#define F_REQ 32 /* required (no default) */
#define F_THR 64 /* throttled replicas list ("*" or partition:broker,...) */

typedef struct kdef {
    const char *name;
    unsigned char type, flags;
    const char *dflt; /* as it would be written in the file; NULL = null */
    int64_t min, max;
    const char *in;  /* comma-separated allowed values */
    const char *syn; /* topic configs: broker key the default comes from */
} kdef;

#define K(n, t, d) {n, t, 0, d, 0, 0, NULL, NULL}
#define KD(n, t, d) {n, t, F_DYN, d, 0, 0, NULL, NULL}
#define KM(n, t, d, m) {n, t, F_MIN, d, m, 0, NULL, NULL}
#define KMD(n, t, d, m) {n, t, F_MIN | F_DYN, d, m, 0, NULL, NULL}

/* Every Kafka 2.5 KafkaConfig key, in Kafka's definition order. */
static const kdef BROKER_DEFS[] = {
    {"zookeeper.connect", T_STRING, F_REQ, NULL, 0, 0, NULL, NULL},
    K("zookeeper.session.timeout.ms", T_INT, "18000"),
    K("zookeeper.connection.timeout.ms", T_INT, NULL),
    K("zookeeper.sync.time.ms", T_INT, "2000"),
    K("zookeeper.set.acl", T_BOOL, "false"),
    KM("zookeeper.max.in.flight.requests", T_INT, "10", 1),
    K("zookeeper.ssl.client.enable", T_BOOL, "false"),
    K("zookeeper.clientCnxnSocket", T_STRING, NULL),
    K("zookeeper.ssl.keystore.location", T_STRING, NULL),
    K("zookeeper.ssl.keystore.password", T_PASSWORD, NULL),
    K("zookeeper.ssl.keystore.type", T_STRING, NULL),
    K("zookeeper.ssl.truststore.location", T_STRING, NULL),
    K("zookeeper.ssl.truststore.password", T_PASSWORD, NULL),
    K("zookeeper.ssl.truststore.type", T_STRING, NULL),
    K("zookeeper.ssl.protocol", T_STRING, "TLSv1.2"),
    K("zookeeper.ssl.enabled.protocols", T_LIST, NULL),
    K("zookeeper.ssl.cipher.suites", T_LIST, NULL),
    K("zookeeper.ssl.endpoint.identification.algorithm", T_STRING, "HTTPS"),
    K("zookeeper.ssl.crl.enable", T_BOOL, "false"),
    K("zookeeper.ssl.ocsp.enable", T_BOOL, "false"),
    K("broker.id.generation.enable", T_BOOL, "true"),
    KM("reserved.broker.max.id", T_INT, "1000", 0),
    K("broker.id", T_INT, "-1"),
    KMD("message.max.bytes", T_INT, "1048588", 0),
    KMD("num.network.threads", T_INT, "3", 1),
    KMD("num.io.threads", T_INT, "8", 1),
    K("num.replica.alter.log.dirs.threads", T_INT, NULL),
    KMD("background.threads", T_INT, "10", 1),
    KM("queued.max.requests", T_INT, "500", 1),
    K("queued.max.request.bytes", T_LONG, "-1"),
    K("request.timeout.ms", T_INT, "30000"),
    K("authorizer.class.name", T_STRING, ""),
    K("port", T_INT, "9092"),
    K("host.name", T_STRING, ""),
    KD("listeners", T_STRING, NULL),
    K("advertised.host.name", T_STRING, NULL),
    K("advertised.port", T_INT, NULL),
    KD("advertised.listeners", T_STRING, NULL),
    KD("listener.security.protocol.map", T_STRING,
       "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
    K("control.plane.listener.name", T_STRING, NULL),
    K("socket.send.buffer.bytes", T_INT, "102400"),
    K("socket.receive.buffer.bytes", T_INT, "102400"),
    KM("socket.request.max.bytes", T_INT, "104857600", 1),
    KMD("max.connections.per.ip", T_INT, IMAX, 0),
    KD("max.connections.per.ip.overrides", T_STRING, ""),
    KMD("max.connections", T_INT, IMAX, 0),
    K("connections.max.idle.ms", T_LONG, "600000"),
    KM("connection.failed.authentication.delay.ms", T_INT, "100", 0),
    K("broker.rack", T_STRING, NULL),
    KM("num.partitions", T_INT, "1", 1),
    K("log.dir", T_STRING, "/tmp/kafka-logs"),
    K("log.dirs", T_STRING, NULL),
    KMD("log.segment.bytes", T_INT, "1073741824", 14),
    KD("log.roll.ms", T_LONG, NULL),
    KM("log.roll.hours", T_INT, "168", 1),
    KD("log.roll.jitter.ms", T_LONG, NULL),
    KM("log.roll.jitter.hours", T_INT, "0", 0),
    KD("log.retention.ms", T_LONG, NULL),
    K("log.retention.minutes", T_INT, NULL),
    K("log.retention.hours", T_INT, "168"),
    KD("log.retention.bytes", T_LONG, "-1"),
    KM("log.retention.check.interval.ms", T_LONG, "300000", 1),
    {"log.cleanup.policy", T_LIST, F_IN | F_DYN, "delete", 0, 0, "compact,delete", NULL},
    KMD("log.cleaner.threads", T_INT, "1", 0),
    KD("log.cleaner.io.max.bytes.per.second", T_DOUBLE, "1.7976931348623157E308"),
    KD("log.cleaner.dedupe.buffer.size", T_LONG, "134217728"),
    KMD("log.cleaner.io.buffer.size", T_INT, "524288", 0),
    KD("log.cleaner.io.buffer.load.factor", T_DOUBLE, "0.9"),
    KMD("log.cleaner.backoff.ms", T_LONG, "15000", 0),
    KD("log.cleaner.min.cleanable.ratio", T_DOUBLE, "0.5"),
    K("log.cleaner.enable", T_BOOL, "true"),
    KD("log.cleaner.delete.retention.ms", T_LONG, "86400000"),
    KD("log.cleaner.min.compaction.lag.ms", T_LONG, "0"),
    KD("log.cleaner.max.compaction.lag.ms", T_LONG, LMAX),
    KMD("log.index.size.max.bytes", T_INT, "10485760", 4),
    KMD("log.index.interval.bytes", T_INT, "4096", 0),
    KMD("log.flush.interval.messages", T_LONG, LMAX, 1),
    KMD("log.segment.delete.delay.ms", T_LONG, "60000", 0),
    K("log.flush.scheduler.interval.ms", T_LONG, LMAX),
    KD("log.flush.interval.ms", T_LONG, NULL),
    KM("log.flush.offset.checkpoint.interval.ms", T_INT, "60000", 0),
    KM("log.flush.start.offset.checkpoint.interval.ms", T_INT, "60000", 0),
    KD("log.preallocate", T_BOOL, "false"),
    KMD("num.recovery.threads.per.data.dir", T_INT, "1", 1),
    K("auto.create.topics.enable", T_BOOL, "true"),
    KMD("min.insync.replicas", T_INT, "1", 1),
    {"log.message.format.version", T_STRING, F_VER, "2.5-IV0", 0, 0, NULL, NULL},
    {"log.message.timestamp.type", T_STRING, F_IN | F_DYN, "CreateTime", 0, 0,
     "CreateTime,LogAppendTime", NULL},
    KD("log.message.timestamp.difference.max.ms", T_LONG, LMAX),
    K("create.topic.policy.class.name", T_CLASS, NULL),
    K("alter.config.policy.class.name", T_CLASS, NULL),
    KD("log.message.downconversion.enable", T_BOOL, "true"),
    K("controller.socket.timeout.ms", T_INT, "30000"),
    K("default.replication.factor", T_INT, "1"),
    K("replica.lag.time.max.ms", T_LONG, "30000"),
    K("replica.socket.timeout.ms", T_INT, "30000"),
    K("replica.socket.receive.buffer.bytes", T_INT, "65536"),
    KM("replica.fetch.max.bytes", T_INT, "1048576", 0),
    K("replica.fetch.wait.max.ms", T_INT, "500"),
    KM("replica.fetch.backoff.ms", T_INT, "1000", 0),
    K("replica.fetch.min.bytes", T_INT, "1"),
    KM("replica.fetch.response.max.bytes", T_INT, "10485760", 0),
    KD("num.replica.fetchers", T_INT, "1"),
    K("replica.high.watermark.checkpoint.interval.ms", T_LONG, "5000"),
    K("fetch.purgatory.purge.interval.requests", T_INT, "1000"),
    K("producer.purgatory.purge.interval.requests", T_INT, "1000"),
    K("delete.records.purgatory.purge.interval.requests", T_INT, "1"),
    K("auto.leader.rebalance.enable", T_BOOL, "true"),
    K("leader.imbalance.per.broker.percentage", T_INT, "10"),
    K("leader.imbalance.check.interval.seconds", T_LONG, "300"),
    KD("unclean.leader.election.enable", T_BOOL, "false"),
    K("security.inter.broker.protocol", T_STRING, "PLAINTEXT"),
    {"inter.broker.protocol.version", T_STRING, F_VER, "2.5-IV0", 0, 0, NULL, NULL},
    K("inter.broker.listener.name", T_STRING, NULL),
    K("replica.selector.class", T_STRING, NULL),
    K("controlled.shutdown.max.retries", T_INT, "3"),
    K("controlled.shutdown.retry.backoff.ms", T_LONG, "5000"),
    K("controlled.shutdown.enable", T_BOOL, "true"),
    K("group.min.session.timeout.ms", T_INT, "6000"),
    K("group.max.session.timeout.ms", T_INT, "1800000"),
    K("group.initial.rebalance.delay.ms", T_INT, "3000"),
    KM("group.max.size", T_INT, IMAX, 1),
    K("offset.metadata.max.bytes", T_INT, "4096"),
    KM("offsets.load.buffer.size", T_INT, "5242880", 1),
    KM("offsets.topic.replication.factor", T_SHORT, "3", 1),
    KM("offsets.topic.num.partitions", T_INT, "50", 1),
    KM("offsets.topic.segment.bytes", T_INT, "104857600", 1),
    K("offsets.topic.compression.codec", T_INT, "0"),
    KM("offsets.retention.minutes", T_INT, "10080", 1),
    KM("offsets.retention.check.interval.ms", T_LONG, "600000", 1),
    KM("offsets.commit.timeout.ms", T_INT, "5000", 1),
    K("offsets.commit.required.acks", T_SHORT, "-1"),
    K("delete.topic.enable", T_BOOL, "true"),
    KD("compression.type", T_STRING, "producer"),
    KM("transactional.id.expiration.ms", T_INT, "604800000", 1),
    KM("transaction.max.timeout.ms", T_INT, "900000", 1),
    KM("transaction.state.log.min.isr", T_INT, "2", 1),
    KM("transaction.state.log.load.buffer.size", T_INT, "5242880", 1),
    KM("transaction.state.log.replication.factor", T_SHORT, "3", 1),
    KM("transaction.state.log.num.partitions", T_INT, "50", 1),
    KM("transaction.state.log.segment.bytes", T_INT, "104857600", 1),
    KM("transaction.abort.timed.out.transaction.cleanup.interval.ms", T_INT, "10000", 1),
    KM("transaction.remove.expired.transaction.cleanup.interval.ms", T_INT, "3600000", 1),
    KM("max.incremental.fetch.session.cache.slots", T_INT, "1000", 0),
    KM("fetch.max.bytes", T_INT, "57671680", 1024),
    KM("metrics.num.samples", T_INT, "2", 1),
    KM("metrics.sample.window.ms", T_LONG, "30000", 1),
    KD("metric.reporters", T_LIST, ""),
    K("metrics.recording.level", T_STRING, "INFO"),
    K("kafka.metrics.reporters", T_LIST, ""),
    KM("kafka.metrics.polling.interval.secs", T_INT, "10", 1),
    KM("quota.producer.default", T_LONG, LMAX, 1),
    KM("quota.consumer.default", T_LONG, LMAX, 1),
    KM("quota.window.num", T_INT, "11", 1),
    KM("replication.quota.window.num", T_INT, "11", 1),
    KM("alter.log.dirs.replication.quota.window.num", T_INT, "11", 1),
    KM("quota.window.size.seconds", T_INT, "1", 1),
    KM("replication.quota.window.size.seconds", T_INT, "1", 1),
    KM("alter.log.dirs.replication.quota.window.size.seconds", T_INT, "1", 1),
    K("client.quota.callback.class", T_CLASS, NULL),
    K("connections.max.reauth.ms", T_LONG, "0"),
    K("security.providers", T_STRING, NULL),
    KD("principal.builder.class", T_CLASS, NULL),
    KD("ssl.protocol", T_STRING, "TLSv1.2"),
    KD("ssl.provider", T_STRING, NULL),
    KD("ssl.enabled.protocols", T_LIST, "TLSv1.2"),
    KD("ssl.keystore.type", T_STRING, "JKS"),
    KD("ssl.keystore.location", T_STRING, NULL),
    KD("ssl.keystore.password", T_PASSWORD, NULL),
    KD("ssl.key.password", T_PASSWORD, NULL),
    KD("ssl.truststore.type", T_STRING, "JKS"),
    KD("ssl.truststore.location", T_STRING, NULL),
    KD("ssl.truststore.password", T_PASSWORD, NULL),
    KD("ssl.keymanager.algorithm", T_STRING, "SunX509"),
    KD("ssl.trustmanager.algorithm", T_STRING, "PKIX"),
    KD("ssl.endpoint.identification.algorithm", T_STRING, "https"),
    KD("ssl.secure.random.implementation", T_STRING, NULL),
    {"ssl.client.auth", T_STRING, F_IN | F_DYN, "none", 0, 0, "required,requested,none", NULL},
    KD("ssl.cipher.suites", T_LIST, ""),
    K("ssl.principal.mapping.rules", T_STRING, "DEFAULT"),
    KD("sasl.mechanism.inter.broker.protocol", T_STRING, "GSSAPI"),
    KD("sasl.jaas.config", T_PASSWORD, NULL),
    KD("sasl.enabled.mechanisms", T_LIST, "GSSAPI"),
    K("sasl.server.callback.handler.class", T_CLASS, NULL),
    K("sasl.client.callback.handler.class", T_CLASS, NULL),
    K("sasl.login.class", T_CLASS, NULL),
    K("sasl.login.callback.handler.class", T_CLASS, NULL),
    KD("sasl.kerberos.service.name", T_STRING, NULL),
    KD("sasl.kerberos.kinit.cmd", T_STRING, "/usr/bin/kinit"),
    KD("sasl.kerberos.ticket.renew.window.factor", T_DOUBLE, "0.8"),
    KD("sasl.kerberos.ticket.renew.jitter", T_DOUBLE, "0.05"),
    KD("sasl.kerberos.min.time.before.relogin", T_LONG, "60000"),
    KD("sasl.kerberos.principal.to.local.rules", T_LIST, "DEFAULT"),
    KD("sasl.login.refresh.window.factor", T_DOUBLE, "0.8"),
    KD("sasl.login.refresh.window.jitter", T_DOUBLE, "0.05"),
    KD("sasl.login.refresh.min.period.seconds", T_SHORT, "60"),
    KD("sasl.login.refresh.buffer.seconds", T_SHORT, "300"),
    K("delegation.token.master.key", T_PASSWORD, NULL),
    KM("delegation.token.max.lifetime.ms", T_LONG, "604800000", 1),
    KM("delegation.token.expiry.time.ms", T_LONG, "86400000", 1),
    KM("delegation.token.expiry.check.interval.ms", T_LONG, "3600000", 1),
    K("password.encoder.secret", T_PASSWORD, NULL),
    K("password.encoder.old.secret", T_PASSWORD, NULL),
    K("password.encoder.keyfactory.algorithm", T_STRING, NULL),
    K("password.encoder.cipher.algorithm", T_STRING, "AES/CBC/PKCS5Padding"),
    KM("password.encoder.key.length", T_INT, "128", 8),
    KM("password.encoder.iterations", T_INT, "4096", 1024),
};
#define NBROKER ((int)(sizeof(BROKER_DEFS) / sizeof(BROKER_DEFS[0])))

/* Keys Kafka 2.5 brokers read outside KafkaConfig (authorizer...), accepted silently. */
static const char *const EXTRA_KEYS[] = {
    "super.users", "allow.everyone.if.no.acl.found", "authorizer.zookeeper.url",
    "authorizer.zookeeper.connection.timeout.ms", "authorizer.zookeeper.session.timeout.ms",
    "authorizer.zookeeper.max.in.flight.requests", NULL};
/* Per-listener overrides ("listener.name.<name>.<key>"), accepted silently. */
#define LISTENER_PREFIX "listener.name."

#define COMPRESSION_TYPES "uncompressed,zstd,lz4,snappy,gzip,producer"

/* The 26 Kafka 2.5 topic configs (sorted), their defaults and broker synonyms. */
static const kdef TOPIC_DEFS[] = {
    {"cleanup.policy", T_LIST, F_IN, "delete", 0, 0, "compact,delete", "log.cleanup.policy"},
    {"compression.type", T_STRING, F_IN, "producer", 0, 0, COMPRESSION_TYPES, "compression.type"},
    {"delete.retention.ms", T_LONG, F_MIN, "86400000", 0, 0, NULL, "log.cleaner.delete.retention.ms"},
    {"file.delete.delay.ms", T_LONG, F_MIN, "60000", 0, 0, NULL, "log.segment.delete.delay.ms"},
    {"flush.messages", T_LONG, F_MIN, LMAX, 0, 0, NULL, "log.flush.interval.messages"},
    {"flush.ms", T_LONG, F_MIN, LMAX, 0, 0, NULL, "log.flush.interval.ms"},
    {"follower.replication.throttled.replicas", T_LIST, F_THR, "", 0, 0, NULL, NULL},
    {"index.interval.bytes", T_INT, F_MIN, "4096", 0, 0, NULL, "log.index.interval.bytes"},
    {"leader.replication.throttled.replicas", T_LIST, F_THR, "", 0, 0, NULL, NULL},
    {"max.compaction.lag.ms", T_LONG, F_MIN, LMAX, 1, 0, NULL, "log.cleaner.max.compaction.lag.ms"},
    {"max.message.bytes", T_INT, F_MIN, "1048588", 0, 0, NULL, "message.max.bytes"},
    {"message.downconversion.enable", T_BOOL, 0, "true", 0, 0, NULL,
     "log.message.downconversion.enable"},
    {"message.format.version", T_STRING, F_VER, "2.5-IV0", 0, 0, NULL, "log.message.format.version"},
    {"message.timestamp.difference.max.ms", T_LONG, F_MIN, LMAX, 0, 0, NULL,
     "log.message.timestamp.difference.max.ms"},
    {"message.timestamp.type", T_STRING, F_IN, "CreateTime", 0, 0, "CreateTime,LogAppendTime",
     "log.message.timestamp.type"},
    {"min.cleanable.dirty.ratio", T_DOUBLE, F_MIN | F_MAX, "0.5", 0, 1, NULL,
     "log.cleaner.min.cleanable.ratio"},
    {"min.compaction.lag.ms", T_LONG, F_MIN, "0", 0, 0, NULL, "log.cleaner.min.compaction.lag.ms"},
    {"min.insync.replicas", T_INT, F_MIN, "1", 1, 0, NULL, "min.insync.replicas"},
    {"preallocate", T_BOOL, 0, "false", 0, 0, NULL, "log.preallocate"},
    {"retention.bytes", T_LONG, 0, "-1", 0, 0, NULL, "log.retention.bytes"},
    {"retention.ms", T_LONG, F_MIN, "604800000", -1, 0, NULL, "log.retention.ms"},
    {"segment.bytes", T_INT, F_MIN, "1073741824", 14, 0, NULL, "log.segment.bytes"},
    {"segment.index.bytes", T_INT, F_MIN, "10485760", 0, 0, NULL, "log.index.size.max.bytes"},
    {"segment.jitter.ms", T_LONG, F_MIN, "0", 0, 0, NULL, "log.roll.jitter.ms"},
    {"segment.ms", T_LONG, F_MIN, "604800000", 1, 0, NULL, "log.roll.ms"},
    {"unclean.leader.election.enable", T_BOOL, 0, "false", 0, 0, NULL,
     "unclean.leader.election.enable"},
};
#define NTOPIC ((int)(sizeof(TOPIC_DEFS) / sizeof(TOPIC_DEFS[0])))

/* Kafka 2.5's DynamicBrokerConfig.AllDynamicConfigs: DescribeConfigs read_only = false. */
static int is_dynamic(const kdef *k) { return (k->flags & F_DYN) != 0; }

static const kdef *find_def(const kdef *defs, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

/* ---------------- value parsing ---------------- */

typedef struct kval {
    int null;
    int64_t i; /* BOOL, SHORT, INT, LONG */
    double d;  /* DOUBLE */
    char *s;   /* STRING, PASSWORD, CLASS: trimmed; LIST: trimmed items joined by ',' */
} kval;

static void kval_free(kval *v) {
    free(v->s);
    v->s = NULL;
}

/* Java String.trim(): drops leading/trailing chars <= ' '. Returns malloc'd copy. */
static char *jtrim(const char *s) {
    const char *e = s + strlen(s);
    while (s < e && (unsigned char)*s <= ' ')
        s++;
    while (e > s && (unsigned char)e[-1] <= ' ')
        e--;
    return strndup(s, (size_t)(e - s));
}

/* Integer.parseInt / Long.parseLong: [+-]digits, within [lo, hi]. */
static int parse_java_int(const char *s, int64_t lo, int64_t hi, int64_t *out) {
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!*s)
        return -1;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (lim - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    int64_t r = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    if (r < lo || r > hi)
        return -1;
    *out = r;
    return 0;
}

/* Double.parseDouble, near enough: decimal/hex floats, "NaN", "Infinity", d/f suffix. */
static int parse_java_double(const char *s, double *out) {
    const char *p = s + (*s == '+' || *s == '-');
    if (strcmp(p, "NaN") == 0 || strcmp(p, "Infinity") == 0) {
        *out = p[0] == 'N' ? NAN : (*s == '-' ? -INFINITY : INFINITY);
        return 0;
    }
    if (!*p || !(isdigit((unsigned char)*p) || *p == '.'))
        return -1;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s)
        return -1;
    if (*end && strchr("dDfF", *end))
        end++;
    if (*end)
        return -1;
    *out = d;
    return 0;
}

static int in_list(const char *list, const char *v) {
    size_t n = strlen(v);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

/* "a,b,c" -> "a, b, c" (Kafka's "String must be one of: ..." wording) */
static void list_spaced(const char *list, char *buf, size_t len) {
    size_t o = 0;
    for (const char *p = list; *p && o + 3 < len; p++) {
        buf[o++] = *p;
        if (*p == ',')
            buf[o++] = ' ';
    }
    buf[o] = '\0';
}

/* Kafka ApiVersion lookup: "2.5", "2.5-IV0", "2.5.1", "0.10.0-IV1", "0.10.0.1"...
 * Returns the record format version (0, 1, 2) or -1 if not a valid version. */
static int api_version(const char *v) {
    static const char *const versions[] = {
        "0.8.0", "0.8.1", "0.8.2", "0.9.0", "0.10.0-IV0", "0.10.0-IV1", "0.10.1-IV0", "0.10.1-IV1",
        "0.10.1-IV2", "0.10.2-IV0", "0.11.0-IV0", "0.11.0-IV1", "0.11.0-IV2", "1.0-IV0", "1.1-IV0",
        "2.0-IV0", "2.0-IV1", "2.1-IV0", "2.1-IV1", "2.1-IV2", "2.2-IV0", "2.2-IV1", "2.3-IV0",
        "2.3-IV1", "2.4-IV0", "2.4-IV1", "2.5-IV0", NULL};
    int nseg = strncmp(v, "0.", 2) == 0 ? 3 : 2;
    char key[64];
    size_t n = 0;
    for (int seg = 0; v[n] && n < sizeof(key) - 1; n++) {
        if (v[n] == '.' && ++seg == nseg)
            break;
        key[n] = v[n];
    }
    key[n] = '\0';
    size_t klen = strlen(key);
    for (int i = 0; versions[i]; i++) {
        const char *f = versions[i];
        /* full version, or short version (the part before "-IV") */
        const char *dash = strstr(f, "-IV");
        size_t slen = dash ? (size_t)(dash - f) : strlen(f);
        if (strcmp(f, key) == 0 || (slen == klen && strncmp(f, key, klen) == 0)) {
            if (i < 4)
                return 0;
            return strncmp(f, "0.10.", 5) == 0 ? 1 : 2;
        }
    }
    return -1;
}

static void java_double(double d, char *buf, size_t len);

/* Parses and validates a raw value (NULL: the default) the way Kafka's
 * ConfigDef does. 0 ok; -1 with Kafka's message. */
static int parse_value(const kdef *k, const char *raw, kval *out, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    if (!raw) {
        if (k->flags & F_REQ) {
            errbuf_set(err, errlen, "Missing required configuration \"%s\" which has no default value.",
                   k->name);
            return -1;
        }
        raw = k->dflt;
        if (!raw) {
            out->null = 1;
            return 0;
        }
    }
    char *t = jtrim(raw);
    if (!t) {
        errbuf_set(err, errlen, "out of memory");
        return -1;
    }
    int bad = 0;
    switch (k->type) {
    case T_BOOL:
        if (strcasecmp(t, "true") == 0)
            out->i = 1;
        else if (strcasecmp(t, "false") == 0)
            out->i = 0;
        else {
            errbuf_set(err, errlen, "Invalid value %s for configuration %s: Expected value to be either true or false",
                   raw, k->name);
            bad = 1;
        }
        break;
    case T_SHORT:
    case T_INT:
    case T_LONG: {
        int64_t lo = k->type == T_SHORT ? INT16_MIN : k->type == T_INT ? INT32_MIN : INT64_MIN;
        int64_t hi = k->type == T_SHORT ? INT16_MAX : k->type == T_INT ? INT32_MAX : INT64_MAX;
        if (parse_java_int(t, lo, hi, &out->i) < 0) {
            errbuf_set(err, errlen, "Invalid value %s for configuration %s: Not a number of type %s", raw,
                   k->name, type_names[k->type]);
            bad = 1;
        } else if ((k->flags & F_MIN) && out->i < k->min) {
            errbuf_set(err, errlen, "Invalid value %lld for configuration %s: Value must be at least %lld",
                   (long long)out->i, k->name, (long long)k->min);
            bad = 1;
        }
        break;
    }
    case T_DOUBLE:
        if (parse_java_double(t, &out->d) < 0) {
            errbuf_set(err, errlen, "Invalid value %s for configuration %s: Not a number of type DOUBLE", raw,
                   k->name);
            bad = 1;
        } else if (((k->flags & F_MIN) && out->d < (double)k->min) ||
                   ((k->flags & F_MAX) && out->d > (double)k->max)) {
            char shown[64];
            java_double(out->d, shown, sizeof(shown));
            errbuf_set(err, errlen, "Invalid value %s for configuration %s: Value must be %s %lld", shown, k->name,
                   out->d < (double)k->min ? "at least" : "no more than",
                   (long long)(out->d < (double)k->min ? k->min : k->max));
            bad = 1;
        }
        break;
    case T_LIST: {
        /* split on commas, trimming each item; items are validated one by one */
        size_t n = strlen(t);
        char *s = malloc(n + 1), *o = s;
        if (!s) {
            free(t);
            errbuf_set(err, errlen, "out of memory");
            return -1;
        }
        const char *p = t;
        while (n && p) {
            const char *c = strchr(p, ',');
            const char *e = c ? c : p + strlen(p);
            while (p < e && isspace((unsigned char)*p))
                p++;
            while (e > p && isspace((unsigned char)e[-1]))
                e--;
            char item[256];
            snprintf(item, sizeof(item), "%.*s", (int)(e - p), p);
            if ((k->flags & F_IN) && !in_list(k->in, item) && !bad) {
                char allowed[256];
                list_spaced(k->in, allowed, sizeof(allowed));
                errbuf_set(err, errlen, "Invalid value %s for configuration %s: String must be one of: %s", item,
                       k->name, allowed);
                bad = 1;
            }
            if (o != s)
                *o++ = ',';
            memcpy(o, p, (size_t)(e - p));
            o += e - p;
            p = c ? c + 1 : NULL;
        }
        *o = '\0';
        if (!bad && (k->flags & F_THR) && *s) {
            /* "*" first, or every item "partition:broker" (or empty) */
            int ok = strncmp(s, "*", 1) == 0 && (s[1] == ',' || !s[1]);
            if (!ok) {
                ok = 1;
                for (const char *q = s; *q && ok;) {
                    const char *c = strchr(q, ',');
                    size_t len = c ? (size_t)(c - q) : strlen(q), a = 0, b = 0, i = 0;
                    while (i < len && isdigit((unsigned char)q[i]))
                        i++, a++;
                    if (i < len && q[i] == ':')
                        i++;
                    else if (len)
                        ok = 0;
                    while (i < len && isdigit((unsigned char)q[i]))
                        i++, b++;
                    if (len && (i != len || !a || !b))
                        ok = 0;
                    q = c ? c + 1 : q + len;
                }
            }
            if (!ok) {
                char shown[1024];
                size_t w = 0;
                for (const char *q = s; *q && w + 3 < sizeof(shown); q++) {
                    shown[w++] = *q;
                    if (*q == ',')
                        shown[w++] = ' ';
                }
                shown[w] = '\0';
                errbuf_set(err, errlen,
                       "Invalid value [%s] for configuration %s: %s must be the literal '*' or a list of replicas "
                       "in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...",
                       shown, k->name, k->name);
                bad = 1;
            }
        }
        free(t);
        t = s;
        break;
    }
    default: /* STRING, PASSWORD, CLASS */
        if ((k->flags & F_IN) && !in_list(k->in, t)) {
            char allowed[256];
            list_spaced(k->in, allowed, sizeof(allowed));
            errbuf_set(err, errlen, "Invalid value %s for configuration %s: String must be one of: %s", t, k->name,
                   allowed);
            bad = 1;
        } else if ((k->flags & F_VER) && api_version(t) < 0) {
            errbuf_set(err, errlen, "Invalid value %s for configuration %s: Version `%s` is not a valid version", t,
                   k->name, t);
            bad = 1;
        }
        break;
    }
    if (bad) {
        free(t);
        return -1;
    }
    out->s = t;
    return 0;
}

/* ---------------- formatting ---------------- */

/* Java's Double.toString: shortest round-trip digits, plain notation for
 * 1e-3 <= |d| < 1e7 (always with a fraction digit), else d.dddE[-]n. */
static void java_double(double d, char *buf, size_t len) {
    if (isnan(d)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, len, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (d == 0) {
        snprintf(buf, len, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    char tmp[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp: [-]D[.DDD]e[+-]XX */
    char digits[32];
    size_t nd = 0;
    const char *p = tmp;
    int neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p))
            digits[nd++] = *p;
    int e = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    double a = fabs(d);
    size_t o = 0;
    char out[64];
    if (neg)
        out[o++] = '-';
    if (a >= 1e-3 && a < 1e7) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                out[o++] = (size_t)i < nd ? digits[i] : '0';
            out[o++] = '.';
            if ((size_t)e + 1 < nd)
                for (size_t i = (size_t)e + 1; i < nd; i++)
                    out[o++] = digits[i];
            else
                out[o++] = '0';
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -e - 1; i++)
                out[o++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[o++] = digits[i];
        }
        out[o] = '\0';
    } else {
        out[o++] = digits[0];
        out[o++] = '.';
        if (nd > 1)
            for (size_t i = 1; i < nd; i++)
                out[o++] = digits[i];
        else
            out[o++] = '0';
        snprintf(out + o, sizeof(out) - o, "E%d", e);
    }
    snprintf(buf, len, "%s", out);
}

/* Kafka's ConfigDef.convertToString (DescribeConfigs). NULL for null / passwords. */
static const char *fmt_describe(const kdef *k, const kval *v, char *buf, size_t len) {
    if (v->null || k->type == T_PASSWORD)
        return NULL;
    switch (k->type) {
    case T_BOOL:
        return v->i ? "true" : "false";
    case T_SHORT:
    case T_INT:
    case T_LONG:
        snprintf(buf, len, "%lld", (long long)v->i);
        return buf;
    case T_DOUBLE:
        java_double(v->d, buf, len);
        return buf;
    default:
        snprintf(buf, len, "%s", v->s);
        return buf;
    }
}

/* Java toString of the parsed value (the "KafkaConfig values:" block). */
static const char *fmt_log(const kdef *k, const kval *v, char *buf, size_t len) {
    if (v->null)
        return "null";
    if (k->type == T_PASSWORD)
        return "[hidden]";
    if (k->type == T_CLASS) {
        snprintf(buf, len, "class %s", v->s);
        return buf;
    }
    if (k->type == T_LIST) {
        size_t o = 0;
        if (len < 4)
            return "[]";
        buf[o++] = '[';
        for (const char *p = v->s; *p && o + 4 < len; p++) {
            buf[o++] = *p;
            if (*p == ',')
                buf[o++] = ' ';
        }
        buf[o++] = ']';
        buf[o] = '\0';
        return buf;
    }
    return fmt_describe(k, v, buf, len);
}

/* ---------------- listeners ---------------- */

typedef struct proto_map {
    char name[64];
    char protocol[16];
} proto_map;

static int valid_host_chars(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-%._:", s[i]))
            return 0;
    return 1;
}

static void upcase(char *s) {
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

/* "NAME:PROTO,..." (Kafka's parseCsvMap + SecurityProtocol.forName). */
static int parse_protocol_map(const char *s, proto_map **out, int *n, char *err, size_t errlen) {
    *out = NULL;
    *n = 0;
    size_t cap = 0; /* elements allocated at *out */
    char *copy = jtrim(s), *save = NULL;
    if (!copy)
        return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *item = jtrim(tok);
        char *colon = item ? strrchr(item, ':') : NULL;
        if (!colon) {
            errbuf_set(err, errlen,
                   "Error parsing configuration property 'listener.security.protocol.map': "
                   "expected listenerName:securityProtocol, found '%s'", item ? item : tok);
            free(item);
            goto fail;
        }
        *colon = '\0';
        char *name = jtrim(item), *proto = jtrim(colon + 1);
        upcase(name);
        upcase(proto);
        int ok = !strcmp(proto, "PLAINTEXT") || !strcmp(proto, "SSL") || !strcmp(proto, "SASL_PLAINTEXT") ||
                 !strcmp(proto, "SASL_SSL");
        if (!ok)
            errbuf_set(err, errlen, "Invalid security protocol `%s` defined in listener.security.protocol.map",
                   colon + 1);
        proto_map *m = ok ? array_reserve(*out, &cap, (size_t)*n + 1, sizeof(**out)) : NULL;
        if (m) {
            *out = m;
            snprintf(m[*n].name, sizeof(m[*n].name), "%s", name);
            snprintf(m[*n].protocol, sizeof(m[*n].protocol), "%s", proto);
            (*n)++;
        }
        free(name);
        free(proto);
        free(item);
        if (!m)
            goto fail;
    }
    free(copy);
    return 0;
fail:
    free(copy);
    free(*out);
    *out = NULL;
    return -1;
}

/* One "NAME://host:port" entry (Kafka's EndPoint.createEndPoint). */
static int parse_endpoint(const char *s, config_endpoint *ep, const proto_map *map, int nmap,
                          const char *all, char *err, size_t errlen) {
    /* the regex ^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$ with greedy (.*):
     * try the last "://" first */
    size_t len = strlen(s);
    for (size_t at = len >= 3 ? len - 3 : 0;; at--) {
        if (len >= 3 && strncmp(s + at, "://", 3) == 0) {
            const char *rest = s + at + 3, *colon = strrchr(rest, ':');
            if (colon) {
                const char *port = colon + 1, *q = port + (*port == '-');
                int digits = *q != '\0';
                for (; *q; q++)
                    digits &= isdigit((unsigned char)*q) != 0;
                const char *h = rest, *he = colon;
                if (h < he && *h == '[')
                    h++;
                if (he > h && he[-1] == ']')
                    he--;
                int64_t pv;
                if (digits && valid_host_chars(h, (size_t)(he - h))) {
                    if (parse_java_int(port, INT32_MIN, INT32_MAX, &pv) < 0 || pv < 0 || pv > 65535) {
                        errbuf_set(err, errlen, "Error creating broker listeners from '%s': port %s of %s is out of range",
                               all, port, s);
                        return -1;
                    }
                    snprintf(ep->name, sizeof(ep->name), "%.*s", (int)at, s);
                    upcase(ep->name);
                    snprintf(ep->host, sizeof(ep->host), "%.*s", (int)(he - h), h);
                    ep->port = (int)pv;
                    for (int i = 0; i < nmap; i++)
                        if (strcmp(map[i].name, ep->name) == 0) {
                            snprintf(ep->protocol, sizeof(ep->protocol), "%s", map[i].protocol);
                            return 0;
                        }
                    errbuf_set(err, errlen, "Error creating broker listeners from '%s': No security protocol defined for listener %s",
                           all, ep->name);
                    return -1;
                }
            }
        }
        if (at == 0)
            break;
    }
    errbuf_set(err, errlen, "Error creating broker listeners from '%s': Unable to parse %s to a broker endpoint", all, s);
    return -1;
}

/* Kafka's listenerListToEndPoints: comma list, distinct ports (except 0) and names. */
static int parse_listeners(const char *value, const proto_map *map, int nmap, config_endpoint **out, int *n,
                           char *err, size_t errlen) {
    *out = NULL;
    *n = 0;
    size_t cap = 0; /* elements allocated at *out */
    char *copy = strdup(value), *save = NULL;
    if (!copy)
        return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *item = jtrim(tok);
        if (!item || !*item) {
            free(item);
            continue;
        }
        config_endpoint *e = array_reserve(*out, &cap, (size_t)*n + 1, sizeof(**out));
        if (!e || parse_endpoint(item, &e[*n], map, nmap, value, err, errlen) < 0) {
            if (e)
                *out = e;
            free(item);
            free(copy);
            free(*out);
            *out = NULL;
            *n = 0;
            return -1;
        }
        *out = e;
        (*n)++;
        free(item);
    }
    free(copy);
    for (int i = 0; i < *n; i++)
        for (int j = 0; j < i; j++) {
            const char *what = NULL;
            if ((*out)[i].port && (*out)[i].port == (*out)[j].port)
                what = "port";
            else if (strcmp((*out)[i].name, (*out)[j].name) == 0)
                what = "name";
            if (what) {
                errbuf_set(err, errlen, "requirement failed: Each listener must have a different %s, listeners: %s", what,
                       value);
                free(*out);
                *out = NULL;
                *n = 0;
                return -1;
            }
        }
    return 0;
}

static void canonical_hostname(char *buf, size_t len) {
    char host[256];
    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(buf, len, "localhost");
        return;
    }
    host[sizeof(host) - 1] = '\0';
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_CANONNAME;
    if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname)
        snprintf(buf, len, "%s", res->ai_canonname);
    else
        snprintf(buf, len, "%s", host);
    if (res)
        freeaddrinfo(res);
}

/* ---------------- broker config ---------------- */

static const kval *V(const kval *vals, const char *name) {
    for (int i = 0; i < NBROKER; i++)
        if (strcmp(BROKER_DEFS[i].name, name) == 0)
            return &vals[i];
    abort(); /* a name missing from BROKER_DEFS is a programming error */
}

#define VI(name) ((int32_t)V(vals, name)->i)
#define VL(name) (V(vals, name)->i)
#define VS(name) (V(vals, name)->s)
#define VNULL(name) (V(vals, name)->null)

static int copy_str(char *dst, size_t cap, const char *src, const char *key, char *err, size_t errlen) {
    if (strlen(src) >= cap) {
        errbuf_set(err, errlen, "Invalid value %s for configuration %s: value too long", src, key);
        return -1;
    }
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

static int record_version_ok(const char *lmfv, const char *ibp, char *err, size_t errlen) {
    int rv = api_version(lmfv), ibv = api_version(ibp);
    if (ibv >= rv)
        return 0;
    static const char *const minv[] = {"0.8.0", "0.10.0", "0.11.0"};
    errbuf_set(err, errlen,
           "requirement failed: log.message.format.version %s can only be used when inter.broker.protocol.version "
           "is set to version %s or higher",
           lmfv, minv[rv]);
    return -1;
}

static int fill(broker_config *c, const kval *vals, char *err, size_t errlen) {
    /* general */
    c->broker_id_generation_enable = (int)VL("broker.id.generation.enable");
    c->reserved_broker_max_id = VI("reserved.broker.max.id");
    c->broker_id = VI("broker.id");
    if (!VNULL("broker.rack") && !(c->broker_rack = strdup(VS("broker.rack"))))
        goto oom;
    c->message_max_bytes = VI("message.max.bytes");
    c->num_network_threads = VI("num.network.threads");
    c->num_io_threads = VI("num.io.threads");
    c->background_threads = VI("background.threads");
    c->queued_max_requests = VI("queued.max.requests");
    c->request_timeout_ms = VI("request.timeout.ms");
    c->delete_topic_enable = (int)VL("delete.topic.enable");
    c->auto_create_topics_enable = (int)VL("auto.create.topics.enable");
    /* socket server */
    c->socket_send_buffer_bytes = VI("socket.send.buffer.bytes");
    c->socket_receive_buffer_bytes = VI("socket.receive.buffer.bytes");
    c->socket_request_max_bytes = VI("socket.request.max.bytes");
    c->max_connections_per_ip = VI("max.connections.per.ip");
    c->max_connections = VI("max.connections");
    c->connections_max_idle_ms = VL("connections.max.idle.ms");
    /* ZooKeeper */
    if (!(c->zookeeper_connect = strdup(VS("zookeeper.connect"))))
        goto oom;
    c->zookeeper_session_timeout_ms = VI("zookeeper.session.timeout.ms");
    c->zookeeper_connection_timeout_ms =
        VNULL("zookeeper.connection.timeout.ms") ? c->zookeeper_session_timeout_ms : VI("zookeeper.connection.timeout.ms");
    c->zookeeper_max_in_flight_requests = VI("zookeeper.max.in.flight.requests");
    c->zookeeper_set_acl = (int)VL("zookeeper.set.acl");
    /* logs */
    c->num_partitions = VI("num.partitions");
    c->default_replication_factor = VI("default.replication.factor");
    c->num_recovery_threads_per_data_dir = VI("num.recovery.threads.per.data.dir");
    c->log_segment_bytes = VI("log.segment.bytes");
    c->log_roll_ms = VNULL("log.roll.ms") ? 3600000LL * VL("log.roll.hours") : VL("log.roll.ms");
    c->log_roll_jitter_ms = VNULL("log.roll.jitter.ms") ? 3600000LL * VL("log.roll.jitter.hours") : VL("log.roll.jitter.ms");
    int64_t ret = !VNULL("log.retention.ms")        ? VL("log.retention.ms")
                  : !VNULL("log.retention.minutes") ? 60000LL * VL("log.retention.minutes")
                                                     : 3600000LL * VL("log.retention.hours");
    c->log_retention_ms = ret < 0 ? -1 : ret;
    c->log_retention_bytes = VL("log.retention.bytes");
    c->log_retention_check_interval_ms = VL("log.retention.check.interval.ms");
    c->log_flush_interval_messages = VL("log.flush.interval.messages");
    c->log_flush_scheduler_interval_ms = VL("log.flush.scheduler.interval.ms");
    c->log_flush_interval_ms = VNULL("log.flush.interval.ms") ? c->log_flush_scheduler_interval_ms : VL("log.flush.interval.ms");
    c->log_flush_offset_checkpoint_interval_ms = VI("log.flush.offset.checkpoint.interval.ms");
    c->log_flush_start_offset_checkpoint_interval_ms = VI("log.flush.start.offset.checkpoint.interval.ms");
    c->log_index_interval_bytes = VI("log.index.interval.bytes");
    c->log_index_size_max_bytes = VI("log.index.size.max.bytes");
    c->log_segment_delete_delay_ms = VL("log.segment.delete.delay.ms");
    c->log_preallocate = (int)VL("log.preallocate");
    if (copy_str(c->log_message_format_version, sizeof(c->log_message_format_version), VS("log.message.format.version"),
                 "log.message.format.version", err, errlen) < 0)
        return -1;
    c->log_message_timestamp_type =
        strcmp(VS("log.message.timestamp.type"), "LogAppendTime") == 0 ? TS_TYPE_LOG_APPEND_TIME : TS_TYPE_CREATE_TIME;
    c->log_message_timestamp_difference_max_ms = VL("log.message.timestamp.difference.max.ms");
    c->log_message_downconversion_enable = (int)VL("log.message.downconversion.enable");
    {
        const char *pol = VS("log.cleanup.policy");
        int cmp = in_list(pol, "compact"), del = in_list(pol, "delete");
        snprintf(c->log_cleanup_policy, sizeof(c->log_cleanup_policy), "%s%s%s", cmp ? "compact" : "",
                 cmp && del ? "," : "", del ? "delete" : "");
    }
    c->log_cleaner_enable = (int)VL("log.cleaner.enable");
    c->log_cleaner_threads = VI("log.cleaner.threads");
    c->log_cleaner_backoff_ms = VL("log.cleaner.backoff.ms");
    c->log_cleaner_delete_retention_ms = VL("log.cleaner.delete.retention.ms");
    c->log_cleaner_min_compaction_lag_ms = VL("log.cleaner.min.compaction.lag.ms");
    c->log_cleaner_max_compaction_lag_ms = VL("log.cleaner.max.compaction.lag.ms");
    c->log_cleaner_min_cleanable_ratio = V(vals, "log.cleaner.min.cleanable.ratio")->d;
    c->min_insync_replicas = VI("min.insync.replicas");
    c->unclean_leader_election_enable = (int)VL("unclean.leader.election.enable");
    /* replication */
    if (copy_str(c->inter_broker_protocol_version, sizeof(c->inter_broker_protocol_version),
                 VS("inter.broker.protocol.version"), "inter.broker.protocol.version", err, errlen) < 0)
        return -1;
    c->controller_socket_timeout_ms = VI("controller.socket.timeout.ms");
    c->replica_lag_time_max_ms = VL("replica.lag.time.max.ms");
    c->replica_socket_timeout_ms = VI("replica.socket.timeout.ms");
    c->replica_socket_receive_buffer_bytes = VI("replica.socket.receive.buffer.bytes");
    c->replica_fetch_max_bytes = VI("replica.fetch.max.bytes");
    c->replica_fetch_wait_max_ms = VI("replica.fetch.wait.max.ms");
    c->replica_fetch_min_bytes = VI("replica.fetch.min.bytes");
    c->replica_fetch_response_max_bytes = VI("replica.fetch.response.max.bytes");
    c->replica_fetch_backoff_ms = VI("replica.fetch.backoff.ms");
    c->num_replica_fetchers = VI("num.replica.fetchers");
    c->replica_high_watermark_checkpoint_interval_ms = VL("replica.high.watermark.checkpoint.interval.ms");
    c->auto_leader_rebalance_enable = (int)VL("auto.leader.rebalance.enable");
    c->leader_imbalance_per_broker_percentage = VI("leader.imbalance.per.broker.percentage");
    c->leader_imbalance_check_interval_seconds = VL("leader.imbalance.check.interval.seconds");
    c->controlled_shutdown_enable = (int)VL("controlled.shutdown.enable");
    c->controlled_shutdown_max_retries = VI("controlled.shutdown.max.retries");
    c->controlled_shutdown_retry_backoff_ms = VL("controlled.shutdown.retry.backoff.ms");
    /* group coordinator, offsets */
    c->group_min_session_timeout_ms = VI("group.min.session.timeout.ms");
    c->group_max_session_timeout_ms = VI("group.max.session.timeout.ms");
    c->group_initial_rebalance_delay_ms = VI("group.initial.rebalance.delay.ms");
    c->group_max_size = VI("group.max.size");
    c->offset_metadata_max_bytes = VI("offset.metadata.max.bytes");
    c->offsets_load_buffer_size = VI("offsets.load.buffer.size");
    c->offsets_topic_replication_factor = (int16_t)VL("offsets.topic.replication.factor");
    c->offsets_topic_num_partitions = VI("offsets.topic.num.partitions");
    c->offsets_topic_segment_bytes = VI("offsets.topic.segment.bytes");
    c->offsets_topic_compression_codec = VI("offsets.topic.compression.codec");
    c->offsets_retention_minutes = VI("offsets.retention.minutes");
    c->offsets_retention_check_interval_ms = VL("offsets.retention.check.interval.ms");
    c->offsets_commit_timeout_ms = VI("offsets.commit.timeout.ms");
    c->offsets_commit_required_acks = (int16_t)VL("offsets.commit.required.acks");
    /* transactions */
    c->transactional_id_expiration_ms = VI("transactional.id.expiration.ms");
    c->transaction_max_timeout_ms = VI("transaction.max.timeout.ms");
    c->transaction_state_log_min_isr = VI("transaction.state.log.min.isr");
    c->transaction_state_log_replication_factor = (int16_t)VL("transaction.state.log.replication.factor");
    c->transaction_state_log_num_partitions = VI("transaction.state.log.num.partitions");
    c->transaction_state_log_segment_bytes = VI("transaction.state.log.segment.bytes");
    c->transaction_state_log_load_buffer_size = VI("transaction.state.log.load.buffer.size");
    c->transaction_abort_timed_out_transaction_cleanup_interval_ms =
        VI("transaction.abort.timed.out.transaction.cleanup.interval.ms");
    c->transaction_remove_expired_transaction_cleanup_interval_ms =
        VI("transaction.remove.expired.transaction.cleanup.interval.ms");
    /* fetch, quotas */
    c->max_incremental_fetch_session_cache_slots = VI("max.incremental.fetch.session.cache.slots");
    c->fetch_max_bytes = VI("fetch.max.bytes");
    c->quota_producer_default = VL("quota.producer.default");
    c->quota_consumer_default = VL("quota.consumer.default");

    /* log.dirs wins over log.dir (comma list, blanks around commas ignored) */
    {
        char *dirs = strdup(VNULL("log.dirs") ? VS("log.dir") : VS("log.dirs")), *save = NULL;
        size_t cap = 0; /* elements allocated at c->log_dirs */
        if (!dirs)
            goto oom;
        for (char *tok = strtok_r(dirs, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *d = jtrim(tok);
            char **nd = d && *d ? array_reserve(c->log_dirs, &cap, (size_t)c->nlog_dirs + 1, sizeof(char *))
                                : NULL;
            if (!nd) {
                int empty = d && !*d;
                free(d);
                if (empty)
                    continue;
                free(dirs);
                goto oom;
            }
            c->log_dirs = nd;
            c->log_dirs[c->nlog_dirs++] = d;
        }
        free(dirs);
    }

    /* max.connections.per.ip.overrides: "host:N,host:N" */
    {
        const char *ov = VS("max.connections.per.ip.overrides");
        char *copy = strdup(ov), *save = NULL;
        size_t cap = 0; /* elements allocated at c->max_connections_per_ip_overrides */
        if (!copy)
            goto oom;
        for (char *tok = *copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
            char *item = jtrim(tok), *colon = item ? strrchr(item, ':') : NULL;
            int64_t n = 0;
            char *num = colon ? jtrim(colon + 1) : NULL;
            if (colon)
                *colon = '\0';
            char *host = colon ? jtrim(item) : NULL;
            int ok = host && num && parse_java_int(num, INT32_MIN, INT32_MAX, &n) == 0 && valid_host_chars(host, strlen(host));
            config_ip_limit *l = ok ? array_reserve(c->max_connections_per_ip_overrides, &cap,
                                                    (size_t)c->nmax_connections_per_ip_overrides + 1,
                                                    sizeof(*l))
                                    : NULL;
            if (l) {
                c->max_connections_per_ip_overrides = l;
                snprintf(l[c->nmax_connections_per_ip_overrides].host, sizeof(l->host), "%s", host);
                l[c->nmax_connections_per_ip_overrides++].max = (int32_t)n;
            } else if (!ok)
                errbuf_set(err, errlen,
                       host && num && !valid_host_chars(host, strlen(host))
                           ? "max.connections.per.ip.overrides contains invalid addresses : %s"
                           : "Error parsing configuration property 'max.connections.per.ip.overrides': %s",
                       host && num && !valid_host_chars(host, strlen(host)) ? host : tok);
            else
                errbuf_set(err, errlen, "out of memory");
            free(item);
            free(num);
            free(host);
            if (!l) {
                free(copy);
                return -1;
            }
        }
        free(copy);
    }
    return 0;
oom:
    errbuf_set(err, errlen, "out of memory");
    return -1;
}

static int validate(broker_config *c, const kval *vals, char *err, size_t errlen) {
    if (c->broker_id_generation_enable ? (c->broker_id < -1 || c->broker_id > c->reserved_broker_max_id)
                                       : c->broker_id < 0) {
        errbuf_set(err, errlen, c->broker_id_generation_enable
                                ? "requirement failed: broker.id must be equal or greater than -1 and not greater than reserved.broker.max.id"
                                : "requirement failed: broker.id must be equal or greater than 0");
        return -1;
    }
    if (c->log_roll_ms < 1) {
        errbuf_set(err, errlen, "requirement failed: log.roll.ms must be equal or greater than 1");
        return -1;
    }
    if (c->log_roll_jitter_ms < 0) {
        errbuf_set(err, errlen, "requirement failed: log.roll.jitter.ms must be equal or greater than 0");
        return -1;
    }
    if (c->log_retention_ms == 0) {
        errbuf_set(err, errlen, "requirement failed: log.retention.ms must be unlimited (-1) or, equal or greater than 1");
        return -1;
    }
    if (c->nlog_dirs == 0) {
        errbuf_set(err, errlen, "requirement failed: At least one log directory must be defined via log.dirs or log.dir.");
        return -1;
    }
    if (c->log_cleaner_threads > 0 && VL("log.cleaner.dedupe.buffer.size") / c->log_cleaner_threads <= 1024 * 1024) {
        errbuf_set(err, errlen, "requirement failed: log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.");
        return -1;
    }
    if (c->replica_fetch_wait_max_ms > c->replica_socket_timeout_ms) {
        errbuf_set(err, errlen, "requirement failed: replica.socket.timeout.ms should always be at least "
                            "replica.fetch.wait.max.ms to prevent unnecessary socket timeouts");
        return -1;
    }
    if (c->replica_fetch_wait_max_ms > c->replica_lag_time_max_ms) {
        errbuf_set(err, errlen, "requirement failed: replica.fetch.wait.max.ms should always be less than or equal to "
                            "replica.lag.time.max.ms to prevent frequent changes in ISR");
        return -1;
    }
    if (c->offsets_commit_required_acks < -1 || c->offsets_commit_required_acks > c->offsets_topic_replication_factor) {
        errbuf_set(err, errlen, "requirement failed: offsets.commit.required.acks must be greater or equal -1 and less "
                            "or equal to offsets.topic.replication.factor");
        return -1;
    }
    {
        char lower[16];
        const char *ct = VS("compression.type");
        size_t i = 0;
        for (; ct[i] && i < sizeof(lower) - 1; i++)
            lower[i] = (char)tolower((unsigned char)ct[i]);
        lower[i] = '\0';
        if (ct[i] || !in_list(COMPRESSION_TYPES, lower)) {
            errbuf_set(err, errlen, "requirement failed: compression.type : %s is not valid. Valid options are %s", ct,
                   COMPRESSION_TYPES);
            return -1;
        }
        memcpy(c->compression_type, lower, i + 1);
    }
    if (c->offsets_topic_compression_codec < 0 || c->offsets_topic_compression_codec > 4) {
        errbuf_set(err, errlen, "%d is an unknown compression codec", c->offsets_topic_compression_codec);
        return -1;
    }

    /* listeners: listener.security.protocol.map, listeners (or host.name/port), advertised */
    proto_map *map = NULL;
    int nmap = 0, rc = -1;
    char tmp[600];
    if (parse_protocol_map(VS("listener.security.protocol.map"), &map, &nmap, err, errlen) < 0)
        return -1;
    const char *ls = VS("listeners");
    if (VNULL("listeners")) {
        snprintf(tmp, sizeof(tmp), "PLAINTEXT://%s:%lld", VS("host.name"), (long long)VL("port"));
        ls = tmp;
    }
    if (parse_listeners(ls, map, nmap, &c->listeners, &c->nlisteners, err, errlen) < 0)
        goto out;
    const char *als = VS("advertised.listeners");
    if (VNULL("advertised.listeners") && (!VNULL("advertised.host.name") || !VNULL("advertised.port"))) {
        snprintf(tmp, sizeof(tmp), "PLAINTEXT://%s:%lld",
                 VNULL("advertised.host.name") ? VS("host.name") : VS("advertised.host.name"),
                 (long long)(VNULL("advertised.port") ? VL("port") : VL("advertised.port")));
        als = tmp;
    }
    if (als) {
        if (parse_listeners(als, map, nmap, &c->advertised_listeners, &c->nadvertised_listeners, err, errlen) < 0)
            goto out;
    } else {
        c->advertised_listeners = malloc((size_t)(c->nlisteners ? c->nlisteners : 1) * sizeof(config_endpoint));
        if (!c->advertised_listeners) {
            errbuf_set(err, errlen, "out of memory");
            goto out;
        }
        if (c->nlisteners)
            memcpy(c->advertised_listeners, c->listeners, (size_t)c->nlisteners * sizeof(config_endpoint));
        c->nadvertised_listeners = c->nlisteners;
    }
    /* inter-broker listener */
    if (!VNULL("inter.broker.listener.name")) {
        if (config_get_raw(c, "security.inter.broker.protocol")) {
            errbuf_set(err, errlen, "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.");
            goto out;
        }
        snprintf(c->inter_broker_listener_name, sizeof(c->inter_broker_listener_name), "%s",
                 VS("inter.broker.listener.name"));
        upcase(c->inter_broker_listener_name);
        int found = 0;
        for (int i = 0; i < nmap; i++)
            found |= strcmp(map[i].name, c->inter_broker_listener_name) == 0;
        if (!found) {
            errbuf_set(err, errlen, "Listener with name %s defined in inter.broker.listener.name not found in "
                                "listener.security.protocol.map.", c->inter_broker_listener_name);
            goto out;
        }
    } else {
        snprintf(c->inter_broker_listener_name, sizeof(c->inter_broker_listener_name), "%s",
                 VS("security.inter.broker.protocol"));
        upcase(c->inter_broker_listener_name);
        const char *p = c->inter_broker_listener_name;
        if (strcmp(p, "PLAINTEXT") && strcmp(p, "SSL") && strcmp(p, "SASL_PLAINTEXT") && strcmp(p, "SASL_SSL")) {
            errbuf_set(err, errlen, "Invalid security protocol `%s` defined in security.inter.broker.protocol",
                   VS("security.inter.broker.protocol"));
            goto out;
        }
    }
    {
        char names[512] = "", anames[512] = "";
        int ib = 0, subset = 1;
        for (int i = 0; i < c->nlisteners; i++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? "," : "", c->listeners[i].name);
        for (int i = 0; i < c->nadvertised_listeners; i++) {
            const config_endpoint *a = &c->advertised_listeners[i];
            snprintf(anames + strlen(anames), sizeof(anames) - strlen(anames), "%s%s", i ? "," : "", a->name);
            ib |= strcmp(a->name, c->inter_broker_listener_name) == 0;
            int in = 0;
            for (int j = 0; j < c->nlisteners; j++)
                in |= strcmp(c->listeners[j].name, a->name) == 0;
            subset &= in;
        }
        if (!ib) {
            errbuf_set(err, errlen, "requirement failed: inter.broker.listener.name must be a listener name defined in "
                                "advertised.listeners. The valid options based on currently configured listeners are %s",
                   anames);
            goto out;
        }
        if (!subset) {
            errbuf_set(err, errlen, "requirement failed: advertised.listeners listener names must be equal to or a subset "
                                "of the ones defined in listeners. Found %s. The valid options based on the current "
                                "configuration are %s", anames, names);
            goto out;
        }
    }
    for (int i = 0; i < c->nadvertised_listeners; i++)
        if (strcmp(c->advertised_listeners[i].host, "0.0.0.0") == 0) {
            errbuf_set(err, errlen, "requirement failed: advertised.listeners cannot use the nonroutable meta-address "
                                "0.0.0.0. Use a routable IP address.");
            goto out;
        }
    /* what this broker implements: PLAINTEXT only */
    for (int i = 0; i < c->nlisteners; i++)
        if (strcmp(c->listeners[i].protocol, "PLAINTEXT") != 0) {
            errbuf_set(err, errlen, "Invalid value %s for configuration listeners: listener %s uses security protocol %s, "
                                "which this broker does not support (only PLAINTEXT)",
                   ls, c->listeners[i].name, c->listeners[i].protocol);
            goto out;
        }
    {
        char canon[256] = "";
        for (int i = 0; i < c->nadvertised_listeners; i++)
            if (!c->advertised_listeners[i].host[0]) {
                if (!canon[0])
                    canonical_hostname(canon, sizeof(canon));
                snprintf(c->advertised_listeners[i].host, sizeof(c->advertised_listeners[i].host), "%s", canon);
            }
    }
    if (record_version_ok(c->log_message_format_version, c->inter_broker_protocol_version, err, errlen) < 0)
        goto out;
    if (VL("queued.max.request.bytes") > 0 && VL("queued.max.request.bytes") < c->socket_request_max_bytes) {
        errbuf_set(err, errlen, "requirement failed: queued.max.request.bytes must be larger or equal to socket.request.max.bytes");
        goto out;
    }
    if (c->max_connections_per_ip == 0 && c->nmax_connections_per_ip_overrides == 0) {
        errbuf_set(err, errlen, "requirement failed: max.connections.per.ip can be set to zero only if "
                            "max.connections.per.ip.overrides property is set.");
        goto out;
    }
    if (c->connections_max_idle_ms >= 0 && VL("connection.failed.authentication.delay.ms") >= c->connections_max_idle_ms) {
        errbuf_set(err, errlen, "requirement failed: connection.failed.authentication.delay.ms=%lld should always be less "
                            "than connections.max.idle.ms=%lld to prevent failed authentication responses from timing out",
               (long long)VL("connection.failed.authentication.delay.ms"), (long long)c->connections_max_idle_ms);
        goto out;
    }
    rc = 0;
out:
    free(map);
    return rc;
}

int config_is_known(const char *name) {
    if (find_def(BROKER_DEFS, NBROKER, name))
        return 1;
    for (int i = 0; EXTRA_KEYS[i]; i++)
        if (strcmp(EXTRA_KEYS[i], name) == 0)
            return 1;
    return strncmp(name, LISTENER_PREFIX, strlen(LISTENER_PREFIX)) == 0;
}

const char *config_get_raw(const broker_config *c, const char *key) {
    return c && c->raw ? props_get(c->raw, key) : NULL;
}

int config_from_props(broker_config *c, const props *p, char *err, size_t errlen) {
    memset(c, 0, sizeof(*c));
    c->raw = props_new();
    kval *vals = calloc(NBROKER, sizeof(kval));
    int rc = -1;
    if (!c->raw || !vals) {
        errbuf_set(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < props_count(p); i++)
        if (props_set(c->raw, props_key(p, i), props_value(p, i)) < 0) {
            errbuf_set(err, errlen, "out of memory");
            goto out;
        }
    for (int i = 0; i < NBROKER; i++)
        if (parse_value(&BROKER_DEFS[i], props_get(p, BROKER_DEFS[i].name), &vals[i], err, errlen) < 0)
            goto out;
    if (fill(c, vals, err, errlen) < 0 || validate(c, vals, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    if (vals)
        for (int i = 0; i < NBROKER; i++)
            kval_free(&vals[i]);
    free(vals);
    if (rc < 0)
        config_free(c);
    return rc;
}

int config_load(broker_config *c, const char *path, int noverrides, char **overrides, char *err, size_t errlen) {
    memset(c, 0, sizeof(*c));
    props *p = path ? props_load(path, err, errlen) : props_new();
    if (!p) {
        if (!path)
            errbuf_set(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < noverrides; i++) {
        /* Kafka's --override k=v: split at the first '='; "k" alone means k="" */
        const char *eq = strchr(overrides[i], '=');
        char *key = eq ? strndup(overrides[i], (size_t)(eq - overrides[i])) : strdup(overrides[i]);
        int r = key ? props_set(p, key, eq ? eq + 1 : "") : -1;
        free(key);
        if (r < 0) {
            errbuf_set(err, errlen, "out of memory");
            props_free(p);
            return -1;
        }
    }
    int rc = config_from_props(c, p, err, errlen);
    props_free(p);
    return rc;
}

void config_free(broker_config *c) {
    if (!c)
        return;
    props_free(c->raw);
    free(c->broker_rack);
    free(c->zookeeper_connect);
    free(c->listeners);
    free(c->advertised_listeners);
    free(c->max_connections_per_ip_overrides);
    for (int i = 0; i < c->nlog_dirs; i++)
        free(c->log_dirs[i]);
    free(c->log_dirs);
    memset(c, 0, sizeof(*c));
}

static int cmp_def(const void *a, const void *b) {
    return strcmp((*(const kdef *const *)a)->name, (*(const kdef *const *)b)->name);
}

static void sorted_defs(const kdef *out[NBROKER]) {
    for (int i = 0; i < NBROKER; i++)
        out[i] = &BROKER_DEFS[i];
    qsort(out, NBROKER, sizeof(out[0]), cmp_def);
}

void config_log_values(const broker_config *c) {
    const kdef *defs[NBROKER];
    sorted_defs(defs);
    /* Kafka logs the block as one message; logger lines are bounded, so long
     * blocks go out in several messages, each holding whole "\tkey = value" lines */
    size_t cap = 7600, n = 0;
    char *block = malloc(cap);
    if (!block)
        return;
    n = (size_t)snprintf(block, cap, "KafkaConfig values: \n");
    for (int i = 0; i < NBROKER; i++) {
        kval v;
        char buf[1024], line[1200];
        if (parse_value(defs[i], config_get_raw(c, defs[i]->name), &v, NULL, 0) < 0)
            continue;
        int len = snprintf(line, sizeof(line), "\t%s = %s\n", defs[i]->name, fmt_log(defs[i], &v, buf, sizeof(buf)));
        kval_free(&v);
        if (len >= (int)sizeof(line))
            len = (int)sizeof(line) - 1;
        if (n + (size_t)len >= cap) { /* like Kafka's, each message ends with a newline */
            log_info(LOGGER, "%s", block);
            n = 0;
        }
        memcpy(block + n, line, (size_t)len + 1);
        n += (size_t)len;
    }
    if (n)
        log_info(LOGGER, "%s", block);
    free(block);
    for (size_t i = 0; i < props_count(c->raw); i++)
        if (!config_is_known(props_key(c->raw, i)))
            log_warn(LOGGER, "The configuration '%s' was supplied but isn't a known config.", props_key(c->raw, i));
}

void config_describe_broker(const broker_config *c, config_broker_cb cb, void *arg) {
    const kdef *defs[NBROKER];
    sorted_defs(defs);
    for (int i = 0; i < NBROKER; i++) {
        const kdef *k = defs[i];
        kval v;
        char buf[1024];
        int set = config_get_raw(c, k->name) != NULL;
        if (parse_value(k, config_get_raw(c, k->name), &v, NULL, 0) < 0)
            continue;
        int src = set ? CONFIG_SRC_STATIC_BROKER : CONFIG_SRC_DEFAULT;
        cb(arg, k->name, fmt_describe(k, &v, buf, sizeof(buf)), src, !is_dynamic(k), src == CONFIG_SRC_DEFAULT,
           k->type == T_PASSWORD);
        kval_free(&v);
    }
    /* keys Kafka doesn't define are reported too, as sensitive (type unknown) */
    for (size_t i = 0; i < props_count(c->raw); i++)
        if (!find_def(BROKER_DEFS, NBROKER, props_key(c->raw, i)))
            cb(arg, props_key(c->raw, i), NULL, CONFIG_SRC_STATIC_BROKER, 1, 0, 1);
}

/* ---------------- topic configs ---------------- */

int topic_config_is_valid_name(const char *name) { return name && find_def(TOPIC_DEFS, NTOPIC, name) != NULL; }

const char *topic_config_synonym(const char *name) {
    const kdef *k = name ? find_def(TOPIC_DEFS, NTOPIC, name) : NULL;
    return k ? k->syn : NULL;
}

static void set_policy(topic_config *tc, const char *list) {
    tc->cleanup_compact = in_list(list, "compact");
    tc->cleanup_delete = in_list(list, "delete");
    /* items in the order given, duplicates dropped */
    int first_compact = tc->cleanup_compact && (!tc->cleanup_delete || strstr(list, "compact") < strstr(list, "delete"));
    snprintf(tc->cleanup_policy, sizeof(tc->cleanup_policy), "%s%s%s",
             first_compact ? "compact" : tc->cleanup_delete ? "delete" : "",
             tc->cleanup_compact && tc->cleanup_delete ? "," : "",
             tc->cleanup_compact && tc->cleanup_delete ? (first_compact ? "delete" : "compact") : "");
}

void topic_config_defaults(const broker_config *bc, topic_config *tc) {
    memset(tc, 0, sizeof(*tc));
    if (!bc) {
        char err[256];
        for (int i = 0; i < NTOPIC; i++)
            topic_config_set(tc, TOPIC_DEFS[i].name, TOPIC_DEFS[i].dflt, err, sizeof(err));
        return;
    }
    set_policy(tc, bc->log_cleanup_policy);
    snprintf(tc->compression_type, sizeof(tc->compression_type), "%s", bc->compression_type);
    tc->delete_retention_ms = bc->log_cleaner_delete_retention_ms;
    tc->file_delete_delay_ms = bc->log_segment_delete_delay_ms;
    tc->flush_messages = bc->log_flush_interval_messages;
    tc->flush_ms = bc->log_flush_interval_ms;
    tc->index_interval_bytes = bc->log_index_interval_bytes;
    tc->max_compaction_lag_ms = bc->log_cleaner_max_compaction_lag_ms;
    tc->max_message_bytes = bc->message_max_bytes;
    tc->message_downconversion_enable = bc->log_message_downconversion_enable;
    snprintf(tc->message_format_version, sizeof(tc->message_format_version), "%s", bc->log_message_format_version);
    tc->message_timestamp_difference_max_ms = bc->log_message_timestamp_difference_max_ms;
    tc->message_timestamp_type = bc->log_message_timestamp_type;
    tc->min_cleanable_dirty_ratio = bc->log_cleaner_min_cleanable_ratio;
    tc->min_compaction_lag_ms = bc->log_cleaner_min_compaction_lag_ms;
    tc->min_insync_replicas = bc->min_insync_replicas;
    tc->preallocate = bc->log_preallocate;
    tc->retention_bytes = bc->log_retention_bytes;
    tc->retention_ms = bc->log_retention_ms;
    tc->segment_bytes = bc->log_segment_bytes;
    tc->segment_index_bytes = bc->log_index_size_max_bytes;
    tc->segment_jitter_ms = bc->log_roll_jitter_ms;
    tc->segment_ms = bc->log_roll_ms;
    tc->unclean_leader_election_enable = bc->unclean_leader_election_enable;
}

/* Where each numeric/boolean topic config lives in topic_config. */
static void *topic_field(topic_config *tc, const char *name) {
    static const struct {
        const char *name;
        size_t off;
    } F[] = {
        {"delete.retention.ms", offsetof(topic_config, delete_retention_ms)},
        {"file.delete.delay.ms", offsetof(topic_config, file_delete_delay_ms)},
        {"flush.messages", offsetof(topic_config, flush_messages)},
        {"flush.ms", offsetof(topic_config, flush_ms)},
        {"index.interval.bytes", offsetof(topic_config, index_interval_bytes)},
        {"max.compaction.lag.ms", offsetof(topic_config, max_compaction_lag_ms)},
        {"max.message.bytes", offsetof(topic_config, max_message_bytes)},
        {"message.downconversion.enable", offsetof(topic_config, message_downconversion_enable)},
        {"message.timestamp.difference.max.ms", offsetof(topic_config, message_timestamp_difference_max_ms)},
        {"min.cleanable.dirty.ratio", offsetof(topic_config, min_cleanable_dirty_ratio)},
        {"min.compaction.lag.ms", offsetof(topic_config, min_compaction_lag_ms)},
        {"min.insync.replicas", offsetof(topic_config, min_insync_replicas)},
        {"preallocate", offsetof(topic_config, preallocate)},
        {"retention.bytes", offsetof(topic_config, retention_bytes)},
        {"retention.ms", offsetof(topic_config, retention_ms)},
        {"segment.bytes", offsetof(topic_config, segment_bytes)},
        {"segment.index.bytes", offsetof(topic_config, segment_index_bytes)},
        {"segment.jitter.ms", offsetof(topic_config, segment_jitter_ms)},
        {"segment.ms", offsetof(topic_config, segment_ms)},
        {"unclean.leader.election.enable", offsetof(topic_config, unclean_leader_election_enable)},
    };
    for (size_t i = 0; i < sizeof(F) / sizeof(F[0]); i++)
        if (strcmp(F[i].name, name) == 0)
            return (char *)tc + F[i].off;
    return NULL;
}

int topic_config_set(topic_config *tc, const char *name, const char *value, char *err, size_t errlen) {
    const kdef *k = name ? find_def(TOPIC_DEFS, NTOPIC, name) : NULL;
    if (!k) {
        errbuf_set(err, errlen, "Unknown topic config name: %s", name ? name : "null");
        return -1;
    }
    kval v;
    if (!value) {
        errbuf_set(err, errlen, "Invalid value null for configuration %s: entry must be non null", name);
        return -1;
    }
    if (parse_value(k, value, &v, err, errlen) < 0)
        return -1;
    int rc = 0;
    void *f = topic_field(tc, name);
    if (f) {
        switch (k->type) {
        case T_LONG: *(int64_t *)f = v.i; break;
        case T_INT: *(int32_t *)f = (int32_t)v.i; break;
        case T_BOOL: *(int *)f = (int)v.i; break;
        case T_DOUBLE: *(double *)f = v.d; break;
        }
    } else if (!strcmp(name, "cleanup.policy"))
        set_policy(tc, v.s);
    else if (!strcmp(name, "compression.type"))
        snprintf(tc->compression_type, sizeof(tc->compression_type), "%s", v.s);
    else if (!strcmp(name, "message.timestamp.type"))
        tc->message_timestamp_type = strcmp(v.s, "LogAppendTime") == 0 ? TS_TYPE_LOG_APPEND_TIME : TS_TYPE_CREATE_TIME;
    else if (!strcmp(name, "message.format.version"))
        rc = copy_str(tc->message_format_version, sizeof(tc->message_format_version), v.s, name, err, errlen);
    /* throttled replica lists: validated only */
    kval_free(&v);
    return rc;
}

int topic_config_check(const topic_config *tc, char *err, size_t errlen) {
    if (tc->min_compaction_lag_ms > tc->max_compaction_lag_ms) {
        errbuf_set(err, errlen, "conflict topic config setting min.compaction.lag.ms (%lld) > max.compaction.lag.ms (%lld)",
               (long long)tc->min_compaction_lag_ms, (long long)tc->max_compaction_lag_ms);
        return -1;
    }
    return 0;
}

const char *topic_config_value(const topic_config *tc, const char *name, char *buf, size_t len) {
    const kdef *k = name ? find_def(TOPIC_DEFS, NTOPIC, name) : NULL;
    if (!k)
        return NULL;
    void *f = topic_field((topic_config *)tc, name);
    if (f) {
        switch (k->type) {
        case T_LONG: snprintf(buf, len, "%lld", (long long)*(int64_t *)f); break;
        case T_INT: snprintf(buf, len, "%d", (int)*(int32_t *)f); break;
        case T_BOOL: snprintf(buf, len, "%s", *(int *)f ? "true" : "false"); break;
        case T_DOUBLE: java_double(*(double *)f, buf, len); break;
        }
    } else if (!strcmp(name, "cleanup.policy"))
        snprintf(buf, len, "%s", tc->cleanup_policy);
    else if (!strcmp(name, "compression.type"))
        snprintf(buf, len, "%s", tc->compression_type);
    else if (!strcmp(name, "message.timestamp.type"))
        snprintf(buf, len, "%s", tc->message_timestamp_type == TS_TYPE_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime");
    else if (!strcmp(name, "message.format.version"))
        snprintf(buf, len, "%s", tc->message_format_version);
    else
        snprintf(buf, len, "%s", ""); /* throttled replicas: not stored */
    return buf;
}

void topic_config_describe(const broker_config *bc, const char *const *override_keys,
                           const char *const *override_values, int n, topic_describe_cb cb, void *arg) {
    topic_config tc;
    char err[512];
    topic_config_defaults(bc, &tc);
    for (int i = 0; i < n; i++)
        topic_config_set(&tc, override_keys[i], override_values[i], err, sizeof(err));
    for (int t = 0; t < NTOPIC; t++) {
        const kdef *k = &TOPIC_DEFS[t];
        int ov = -1;
        for (int i = 0; i < n; i++)
            if (override_keys[i] && strcmp(override_keys[i], k->name) == 0)
                ov = i;
        char value[1024], synbuf[1024];
        kval v;
        if ((k->flags & F_THR) && ov >= 0 && parse_value(k, override_values[ov], &v, NULL, 0) == 0) {
            snprintf(value, sizeof(value), "%s", v.s);
            kval_free(&v);
        } else
            topic_config_value(&tc, k->name, value, sizeof(value));
        /* Kafka lists the broker key itself when set in the file (static), else its
         * default when it has one; a value derived from a sibling key (log.retention.hours
         * for log.retention.ms) is not reported as a synonym */
        const char *syn = k->syn, *synval = NULL;
        int synsrc = 0;
        if (syn && config_get_raw(bc, syn)) {
            synval = config_get_raw(bc, syn);
            synsrc = CONFIG_SRC_STATIC_BROKER;
        } else if (syn) {
            const kdef *bk = find_def(BROKER_DEFS, NBROKER, syn);
            if (bk && bk->dflt && parse_value(bk, NULL, &v, NULL, 0) == 0) {
                synval = fmt_describe(bk, &v, synbuf, sizeof(synbuf));
                kval_free(&v);
                synsrc = CONFIG_SRC_DEFAULT;
            }
        }
        if (!synsrc)
            syn = NULL;
        int src = ov >= 0 ? CONFIG_SRC_DYNAMIC_TOPIC : synsrc ? synsrc : CONFIG_SRC_DEFAULT;
        cb(arg, k->name, value, src, src == CONFIG_SRC_DEFAULT, 0, 0, syn, synval, synsrc);
    }
}
