/* connect_standalone.c -- connect-standalone.sh: Apache Kafka 2.5's Connect
 * standalone worker (ConnectStandalone) as a native program on librdkafka,
 * with the two connectors Kafka ships, FileStreamSource and FileStreamSink,
 * and the StringConverter and JsonConverter.
 *
 *   connect-standalone worker.properties connector1.properties [connector2.properties ...]
 *
 * Worker properties used: bootstrap.servers (default localhost:9092),
 * key.converter and value.converter (required), key/value.converter.
 * schemas.enable (JsonConverter, default true), offset.storage.file.filename
 * (required), offset.flush.interval.ms (default 60000),
 * offset.flush.timeout.ms (default 5000), default.api.timeout.ms (cluster id
 * lookup at start, default 60000), producer.* / consumer.* (passed to the
 * clients, Java-only keys ignored). Others (plugin.path, rest.*, internal.*)
 * are accepted and ignored.
 *
 * Connector properties: name, connector.class (FileStreamSource[Connector],
 * FileStreamSink[Connector], or the full class name), tasks.max (one task is
 * run), key.converter / value.converter (+ .schemas.enable) overriding the
 * worker's; source: file (absent or empty: stdin), topic, batch.size
 * (default 2000); sink: file (absent: stdout), topics or topics.regex.
 *
 * Source: reads `file` and produces one record per line (a line ends at
 * "\n", "\r\n" or "\r"; a trailing partial line waits for its end), key
 * null, value the line converted by the value converter, to `topic`, with
 * Connect's producer settings (acks=all, one request in flight, no delivery
 * timeout). It keeps tailing the file. Its position is the byte offset after
 * the last line whose record the broker acknowledged, and every earlier one
 * was acknowledged too; it is written to the offsets file every
 * offset.flush.interval.ms and on stop, and on start reading resumes from
 * it: at-least-once, no duplicates for lines whose position was stored.
 * (Kafka counts the position in UTF-16 characters but skips that many bytes
 * on restart; here the position is in bytes, the same for ASCII files.)
 * Bytes that are not UTF-8 become U+FFFD, as Java's reader does.
 *
 * Sink: consumes `topics` in group connect-<name> (auto.offset.reset
 * earliest, no auto commit) and appends each record's value, converted
 * back to a Connect value and printed as Java's toString() would
 * (FileStreamSinkTask's println), plus "\n", to `file`. Every
 * offset.flush.interval.ms, on rebalance and on stop the file is flushed
 * and then the offsets of the written records are committed. A record the
 * converter rejects (e.g. plain text with JsonConverter and
 * schemas.enable=true) kills the task as Kafka's does with
 * errors.tolerance=none; the worker keeps running.
 *
 * Offsets file (offset.storage.file.filename). Kafka writes a Java-
 * serialized HashMap; only this worker reads the file, so it is text here:
 * a comment line, then one line per entry, key TAB value, each the JSON
 * Kafka's internal converter would write:
 *
 *   # connect-standalone offsets v1
 *   ["local-file-source",{"filename":"test.txt"}]	{"position":42}
 *
 * It is replaced atomically (written to FILE.tmp, fsync'ed, renamed).
 * Entries of connectors not running are kept. A file in another format
 * (e.g. one written by Apache Kafka) is reported and ignored, as Kafka
 * ignores a corrupt one.
 *
 * Logs go to stdout (and to $LOG_DIR/connect.log when LOG_DIR is set) in
 * connect-log4j.properties' layout "[%d] %p %m (%c:%L)", with Kafka's
 * messages, class names and line numbers for the main events.
 *
 * Exit codes as ConnectStandalone's: 1 usage (fewer than two arguments or
 * --help), 2 worker error (unreadable worker properties, missing required
 * setting, unknown converter, cluster unreachable), 3 connector error (bad
 * connector properties; Connect is stopped first). SIGTERM / SIGINT stop
 * Connect cleanly (final offset flush and commits) and exit with the JVM's
 * status for the signal, 143 / 130. */
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "json.h"
#include "props.h"
#include "rdk_log.h"
#include "tools.h"

#define CLS_STANDALONE "org.apache.kafka.connect.cli.ConnectStandalone"
#define CLS_CONNECT "org.apache.kafka.connect.runtime.Connect"
#define CLS_HERDER "org.apache.kafka.connect.runtime.standalone.StandaloneHerder"
#define CLS_WORKER "org.apache.kafka.connect.runtime.Worker"
#define CLS_WORKER_TASK "org.apache.kafka.connect.runtime.WorkerTask"
#define CLS_SOURCE_TASK "org.apache.kafka.connect.runtime.WorkerSourceTask"
#define CLS_SINK_TASK "org.apache.kafka.connect.runtime.WorkerSinkTask"
#define CLS_OFFSET_STORE "org.apache.kafka.connect.storage.FileOffsetBackingStore"
#define CLS_FILE_SOURCE_TASK "org.apache.kafka.connect.file.FileStreamSourceTask"

#define CONV_STRING "org.apache.kafka.connect.storage.StringConverter"
#define CONV_JSON "org.apache.kafka.connect.json.JsonConverter"

/* ------------------------------------------------------------------------
 * Time, logging, signals
 * ---------------------------------------------------------------------- */
static FILE *log_file; /* $LOG_DIR/connect.log or NULL */
static volatile sig_atomic_t stop_signal;

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One log4j line "[%d] %p %m (%c:%L)"; extra (may be NULL) follows on its
 * own line, as log4j prints an exception after the message. */
static void clog2(const char *level, const char *cls, int line, const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void clog2(const char *level, const char *cls, int line, const char *extra, const char *fmt, ...) {
    char msg[8192], ts[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    localtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    for (int i = 0; i < 2; i++) {
        FILE *f = i == 0 ? stdout : log_file;
        if (!f)
            continue;
        if (line >= 0)
            fprintf(f, "[%s,%03ld] %s %s (%s:%d)\n", ts, now.tv_nsec / 1000000, level, msg, cls, line);
        else
            fprintf(f, "[%s,%03ld] %s %s (%s:?)\n", ts, now.tv_nsec / 1000000, level, msg, cls);
        if (extra)
            fprintf(f, "%s\n", extra);
        fflush(f);
    }
}
#define clog(level, cls, line, ...) clog2(level, cls, line, NULL, __VA_ARGS__)

static void on_signal(int sig) {
    if (!stop_signal)
        stop_signal = sig;
}

/* ------------------------------------------------------------------------
 * Growable string
 * ---------------------------------------------------------------------- */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const void *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            abort();
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(tmp)) {
        char *big = malloc((size_t)n + 1);
        if (!big)
            abort();
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        sb_put(b, big, (size_t)n);
        free(big);
    } else if (n > 0)
        sb_put(b, tmp, (size_t)n);
}
static void sb_reset(sbuf *b) {
    b->n = 0;
    if (b->p)
        b->p[0] = 0;
}

/* A JSON string literal as Jackson writes it: \" \\ \b \t \n \f \r, other
 * control characters as \u00XX (upper-case hex), everything else as is. */
static void sb_json_str(sbuf *b, const char *s, size_t n) {
    sb_put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\f': esc = "\\f"; break;
        case '\r': esc = "\\r"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof(u), "\\u%04X", c);
                esc = u;
            }
        }
        if (esc) {
            sb_put(b, s + run, i - run);
            sb_puts(b, esc);
            run = i + 1;
        }
    }
    sb_put(b, s + run, n - run);
    sb_put(b, "\"", 1);
}

/* Appends s decoded as Java's UTF-8 decoder does (malformed sequences
 * become U+FFFD) and encoded back to UTF-8. */
static void sb_utf8_clean(sbuf *b, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        }
        size_t k = 0;
        if (need) {
            /* maximal valid prefix */
            for (k = 1; k <= need && i + k < n; k++) {
                unsigned char cc = p[i + k];
                unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
                if (cc < l || cc > h)
                    break;
            }
            if (k == need + 1) {
                i += need + 1;
                continue;
            }
        } else
            k = 1;
        sb_put(b, s + run, i - run);
        sb_puts(b, "\xEF\xBF\xBD");
        i += k;
        run = i;
    }
    sb_put(b, s + run, n - run);
}

/* ------------------------------------------------------------------------
 * JSON values: json.c's json_parse_first reads them as Jackson's readTree
 * does (strict syntax, the first value, a key given twice keeps its first
 * place and its last value).
 * ---------------------------------------------------------------------- */
static int is_long_node(const json *j) { return j && j->type == JSON_NUMBER && j->integral; }

/* Jackson's JsonNodeType names. */
static const char *jn_type_name(const json *j) {
    if (!j)
        return "MISSING";
    switch (j->type) {
    case JSON_NULL: return "NULL";
    case JSON_BOOL: return "BOOLEAN";
    case JSON_NUMBER: return "NUMBER";
    case JSON_STRING: return "STRING";
    case JSON_ARRAY: return "ARRAY";
    default: return "OBJECT";
    }
}

/* ------------------------------------------------------------------------
 * Java toString of Connect values
 * ---------------------------------------------------------------------- */

/* Double.toString / Float.toString (java_double). */
static void java_fp(sbuf *out, double d, int is_float) {
    char b[64];
    java_double(d, is_float, b, sizeof(b));
    sb_puts(out, b);
}

/* Java's (int)/(long) casts of a double (saturating, NaN -> 0). */
static int64_t java_d2l(double d) {
    if (isnan(d))
        return 0;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}
static int32_t java_d2i(double d) {
    if (isnan(d))
        return 0;
    if (d >= 2147483647.0)
        return INT32_MAX;
    if (d <= -2147483648.0)
        return INT32_MIN;
    return (int32_t)d;
}
/* JsonNode.intValue() / longValue(): 0 for non-numbers. */
static int32_t jn_int(const json *j) {
    if (is_long_node(j))
        return (int32_t)(uint32_t)(uint64_t)j->i64;
    if (j->type == JSON_NUMBER)
        return java_d2i(j->num);
    return 0;
}
static int64_t jn_long(const json *j) {
    if (is_long_node(j))
        return j->i64;
    if (j->type == JSON_NUMBER)
        return java_d2l(j->num);
    return 0;
}
static double jn_double(const json *j) { return j->type == JSON_NUMBER ? j->num : 0.0; }

static int32_t hash_long(int64_t v) { return (int32_t)(uint32_t)((uint64_t)v ^ ((uint64_t)v >> 32)); }
static int32_t hash_double(double d) {
    uint64_t bits;
    if (isnan(d))
        bits = 0x7ff8000000000000ULL;
    else
        memcpy(&bits, &d, 8);
    return (int32_t)(uint32_t)(bits ^ (bits >> 32));
}
static int32_t hash_float(float f) {
    uint32_t bits;
    if (isnan(f))
        bits = 0x7fc00000U;
    else
        memcpy(&bits, &f, 4);
    return (int32_t)bits;
}

/* Validates a Connect schema in JSON (JsonConverter.asConnectSchema);
 * NULL or JSON null is "no schema". */
static int schema_check(const json *s, char *err, size_t errlen) {
    if (!s || s->type == JSON_NULL)
        return 0;
    const json *t = json_get(s, "type");
    if (!t || t->type != JSON_STRING) {
        snprintf(err, errlen, "Schema must contain 'type' field");
        return -1;
    }
    static const char *const prim[] = {"boolean", "int8", "int16", "int32", "int64", "float", "double", "bytes", "string"};
    for (size_t i = 0; i < sizeof(prim) / sizeof(prim[0]); i++)
        if (!strcmp(t->str, prim[i]))
            return 0;
    if (!strcmp(t->str, "array")) {
        const json *items = json_get(s, "items");
        if (!items) {
            snprintf(err, errlen, "Array schema did not specify the element type");
            return -1;
        }
        return schema_check(items, err, errlen);
    }
    if (!strcmp(t->str, "map")) {
        const json *k = json_get(s, "keys"), *v = json_get(s, "values");
        if (!k) {
            snprintf(err, errlen, "Map schema did not specify the key type");
            return -1;
        }
        if (!v) {
            snprintf(err, errlen, "Map schema did not specify the value type");
            return -1;
        }
        return schema_check(k, err, errlen) || schema_check(v, err, errlen) ? -1 : 0;
    }
    if (!strcmp(t->str, "struct")) {
        const json *f = json_get(s, "fields");
        if (!f || f->type != JSON_ARRAY) {
            snprintf(err, errlen, "Struct schema's \"fields\" argument is not an array.");
            return -1;
        }
        for (int i = 0; i < f->n; i++) {
            const json *name = json_get(f->items[i], "field");
            if (!name || name->type != JSON_STRING) {
                snprintf(err, errlen, "Struct schema's field name not specified properly");
                return -1;
            }
            if (schema_check(f->items[i], err, errlen))
                return -1;
        }
        return 0;
    }
    snprintf(err, errlen, "Unknown schema type: %s", t->str);
    return -1;
}

static const char *schema_type_enum(const char *t) {
    static const char *const map[][2] = {{"boolean", "BOOLEAN"}, {"int8", "INT8"},     {"int16", "INT16"},
                                         {"int32", "INT32"},     {"int64", "INT64"},   {"float", "FLOAT32"},
                                         {"double", "FLOAT64"},  {"bytes", "BYTES"},   {"string", "STRING"},
                                         {"array", "ARRAY"},     {"map", "MAP"},       {"struct", "STRUCT"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i][0], t))
            return map[i][1];
    return t;
}

typedef struct map_ent {
    sbuf k, v;
    int32_t kh, vh;
} map_ent;

/* JsonConverter.convertToConnect followed by String.valueOf: appends the
 * value's toString to out and its hashCode to *hash. Returns 1 for a null
 * value ("null" appended), 0 otherwise, -1 on a DataException (err). */
static int connect_to_string(const json *schema, const json *v, int use_default, sbuf *out, int32_t *hash, char *err,
                             size_t errlen) {
    const char *type = NULL;
    *hash = 0;
    if (schema && schema->type == JSON_NULL)
        schema = NULL;
    if (schema) {
        type = json_get(schema, "type")->str;
        if (!v || v->type == JSON_NULL) {
            const json *def = json_get(schema, "default");
            if (use_default && def && def->type != JSON_NULL)
                return connect_to_string(schema, def, 0, out, hash, err, errlen);
            const json *opt = json_get(schema, "optional");
            if (opt && opt->type == JSON_BOOL && opt->i64) {
                sb_puts(out, "null");
                return 1;
            }
            snprintf(err, errlen, "Invalid null value for required %s field", schema_type_enum(type));
            return -1;
        }
    } else {
        switch (v ? v->type : JSON_NULL) {
        case JSON_NULL: sb_puts(out, "null"); return 1;
        case JSON_BOOL: type = "boolean"; break;
        case JSON_NUMBER: type = v->integral ? "int64" : "double"; break;
        case JSON_ARRAY: type = "array"; break;
        case JSON_OBJECT: type = "map"; break;
        default: type = "string"; break;
        }
    }
    if (!strcmp(type, "boolean")) {
        int b = v->type == JSON_BOOL && v->i64;
        sb_puts(out, b ? "true" : "false");
        *hash = b ? 1231 : 1237;
    } else if (!strcmp(type, "int8") || !strcmp(type, "int16") || !strcmp(type, "int32")) {
        int32_t x = jn_int(v);
        if (type[3] == '8')
            x = (int8_t)x;
        else if (type[3] == '1')
            x = (int16_t)x;
        sb_printf(out, "%d", x);
        *hash = x;
    } else if (!strcmp(type, "int64")) {
        int64_t x = jn_long(v);
        sb_printf(out, "%lld", (long long)x);
        *hash = hash_long(x);
    } else if (!strcmp(type, "float")) {
        float f = (float)jn_double(v);
        java_fp(out, f, 1);
        *hash = hash_float(f);
    } else if (!strcmp(type, "double")) {
        double d = jn_double(v);
        java_fp(out, d, 0);
        *hash = hash_double(d);
    } else if (!strcmp(type, "string")) {
        if (v->type != JSON_STRING) { /* textValue() of a non-text node is null */
            sb_puts(out, "null");
            return 1;
        }
        sb_put(out, v->str, v->str_len);
        char *z = strndup(v->str, v->str_len);
        *hash = java_string_hash(z ? z : "");
        free(z);
    } else if (!strcmp(type, "bytes")) {
        /* byte[].toString() is an identity hash in Java: no stable text */
        if (v->type != JSON_STRING) {
            sb_puts(out, "null");
            return 1;
        }
        char *z = strndup(v->str, v->str_len);
        int32_t h = java_string_hash(z ? z : "");
        free(z);
        sb_printf(out, "[B@%x", (unsigned)h);
        *hash = h;
    } else if (!strcmp(type, "array")) {
        const json *items = schema ? json_get(schema, "items") : NULL;
        uint32_t h = 1;
        sb_puts(out, "[");
        for (int i = 0; v->type == JSON_ARRAY && i < v->n; i++) {
            int32_t eh;
            if (i)
                sb_puts(out, ", ");
            if (connect_to_string(items, v->items[i], 1, out, &eh, err, errlen) < 0)
                return -1;
            h = 31 * h + (uint32_t)eh;
        }
        sb_puts(out, "]");
        *hash = (int32_t)h;
    } else if (!strcmp(type, "map")) {
        const json *ks = schema ? json_get(schema, "keys") : NULL, *vs = schema ? json_get(schema, "values") : NULL;
        if (ks && ks->type == JSON_NULL)
            ks = NULL;
        int strkeys = !schema || !strcmp(json_get(ks, "type") ? json_get(ks, "type")->str : "", "string");
        if (strkeys && v->type != JSON_OBJECT) {
            snprintf(err, errlen, "Maps with string fields should be encoded as JSON objects, but found %s",
                     jn_type_name(v));
            return -1;
        }
        if (!strkeys && v->type != JSON_ARRAY) {
            snprintf(err, errlen, "Maps with non-string fields should be encoded as JSON array of tuples, but found %s",
                     jn_type_name(v));
            return -1;
        }
        map_ent *e = calloc((size_t)v->n + 1, sizeof(*e));
        int n = 0, rc = 0;
        for (int i = 0; i < v->n && rc == 0; i++) {
            map_ent *m = &e[n];
            if (strkeys) {
                sb_put(&m->k, v->keys[i], v->key_lens[i]);
                char *z = strndup(v->keys[i], v->key_lens[i]);
                m->kh = java_string_hash(z ? z : "");
                free(z);
                if (connect_to_string(vs, v->items[i], 1, &m->v, &m->vh, err, errlen) < 0)
                    rc = -1;
            } else {
                const json *t = v->items[i];
                if (t->type != JSON_ARRAY) {
                    snprintf(err, errlen, "Found invalid map entry instead of array tuple: %s", jn_type_name(t));
                    rc = -1;
                } else if (t->n != 2) {
                    snprintf(err, errlen, "Found invalid map entry, expected length 2 but found :%d", t->n);
                    rc = -1;
                } else if (connect_to_string(ks, t->items[0], 1, &m->k, &m->kh, err, errlen) < 0 ||
                           connect_to_string(vs, t->items[1], 1, &m->v, &m->vh, err, errlen) < 0)
                    rc = -1;
            }
            if (rc == 0) {
                int dup = -1;
                for (int j = 0; j < n && dup < 0; j++)
                    if (e[j].kh == m->kh && e[j].k.n == m->k.n && !memcmp(e[j].k.p, m->k.p, m->k.n))
                        dup = j;
                if (dup >= 0) { /* HashMap.put on an existing key: new value, same place */
                    free(e[dup].v.p);
                    e[dup].v = m->v;
                    e[dup].vh = m->vh;
                    free(m->k.p);
                    memset(m, 0, sizeof(*m));
                } else
                    n++;
            }
        }
        if (rc == 0) {
            int32_t *hs = malloc(sizeof(int32_t) * ((size_t)n + 1));
            int *order = malloc(sizeof(int) * ((size_t)n + 1));
            uint32_t h = 0;
            for (int i = 0; i < n; i++) {
                hs[i] = e[i].kh;
                h += (uint32_t)(e[i].kh ^ e[i].vh);
            }
            java_hashmap_order(hs, n, 0, order);
            sb_puts(out, "{");
            for (int i = 0; i < n; i++) {
                map_ent *m = &e[order[i]];
                if (i)
                    sb_puts(out, ", ");
                sb_put(out, m->k.p, m->k.n);
                sb_puts(out, "=");
                sb_put(out, m->v.p, m->v.n);
            }
            sb_puts(out, "}");
            *hash = (int32_t)h;
            free(hs);
            free(order);
        }
        for (int i = 0; i <= n && i <= v->n; i++) {
            free(e[i].k.p);
            free(e[i].v.p);
        }
        free(e);
        return rc;
    } else if (!strcmp(type, "struct")) {
        if (v->type != JSON_OBJECT) {
            snprintf(err, errlen, "Structs should be encoded as JSON objects, but found %s", jn_type_name(v));
            return -1;
        }
        const json *fields = json_get(schema, "fields");
        sb_puts(out, "Struct{");
        int first = 1;
        for (int i = 0; i < fields->n; i++) {
            const json *f = fields->items[i];
            sbuf fv = {0};
            int32_t fh;
            int r = connect_to_string(f, json_get(v, json_get(f, "field")->str), 1, &fv, &fh, err, errlen);
            if (r < 0) {
                free(fv.p);
                return -1;
            }
            if (r == 0) {
                if (!first)
                    sb_puts(out, ",");
                first = 0;
                sb_puts(out, json_get(f, "field")->str);
                sb_puts(out, "=");
                sb_put(out, fv.p, fv.n);
            }
            free(fv.p);
        }
        sb_puts(out, "}");
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Converters
 * ---------------------------------------------------------------------- */
typedef struct converter {
    int json;    /* JsonConverter, else StringConverter */
    int schemas; /* schemas.enable */
    const char *cls;
} converter;

/* fromConnectData(topic, Schema.STRING_SCHEMA, line): the record bytes. */
static void conv_from_string(const converter *c, const char *s, size_t n, sbuf *out) {
    sb_reset(out);
    sbuf clean = {0};
    sb_utf8_clean(&clean, s, n);
    if (!clean.p)
        sb_put(&clean, "", 0);
    if (!c->json)
        sb_put(out, clean.p, clean.n);
    else if (c->schemas) {
        sb_puts(out, "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":");
        sb_json_str(out, clean.p, clean.n);
        sb_puts(out, "}");
    } else
        sb_json_str(out, clean.p, clean.n);
    free(clean.p);
}

/* toConnectData then String.valueOf: what FileStreamSinkTask prints.
 * -1 with err (a DataException message) when the converter rejects it. */
static int conv_to_string(const converter *c, const void *data, size_t n, sbuf *out, char *err, size_t errlen) {
    sb_reset(out);
    if (!data) {
        sb_puts(out, "null");
        return 0;
    }
    if (!c->json) {
        sb_utf8_clean(out, data, n);
        return 0;
    }
    json *j = json_parse_first(data, n);
    if (!j) {
        snprintf(err, errlen, "Converting byte[] to Kafka Connect data failed due to serialization error: ");
        return -1;
    }
    int rc = 0;
    const json *schema = NULL, *payload = j;
    if (c->schemas) {
        if (j->type != JSON_OBJECT || j->n != 2 || !json_get(j, "schema") || !json_get(j, "payload")) {
            snprintf(err, errlen,
                     "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain "
                     "additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in "
                     "your converter configuration.");
            json_free(j);
            return -1;
        }
        schema = json_get(j, "schema");
        payload = json_get(j, "payload");
        if (schema_check(schema, err, errlen)) {
            json_free(j);
            return -1;
        }
    }
    int32_t h;
    sbuf tmp = {0};
    if (connect_to_string(schema, payload, 1, &tmp, &h, err, errlen) < 0)
        rc = -1;
    else
        sb_utf8_clean(out, tmp.p ? tmp.p : "", tmp.n);
    free(tmp.p);
    json_free(j);
    return rc;
}

/* Looks up <prefix>converter and <prefix>converter.schemas.enable in p.
 * Returns 1 when found, 0 when absent, -1 (err) on an unknown class. */
static int converter_config(const props *p, const char *prefix, converter *c, char *err, size_t errlen) {
    char k[128];
    snprintf(k, sizeof(k), "%sconverter", prefix);
    const char *cls = props_get(p, k);
    if (!cls)
        return 0;
    if (!strcmp(cls, CONV_STRING))
        c->json = 0;
    else if (!strcmp(cls, CONV_JSON))
        c->json = 1;
    else {
        snprintf(err, errlen,
                 "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s: Class %s "
                 "could not be found.",
                 cls, k, cls);
        return -1;
    }
    c->cls = cls;
    snprintf(k, sizeof(k), "%sconverter.schemas.enable", prefix);
    const char *se = props_get(p, k);
    c->schemas = !se || strcasecmp(se, "false") != 0;
    return 1;
}

/* ------------------------------------------------------------------------
 * Offsets store (see the top of the file for the format)
 * ---------------------------------------------------------------------- */
typedef struct offset_store {
    char *path;
    int n;
    char **keys, **vals;
    size_t cap; /* elements allocated at keys and at vals (array.h) */
} offset_store;

static void store_set(offset_store *s, const char *k, const char *v) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->keys[i], k)) {
            free(s->vals[i]);
            s->vals[i] = strdup(v);
            return;
        }
    size_t cap_keys = s->cap;
    s->keys = array_reserve(s->keys, &cap_keys, (size_t)s->n + 1, sizeof(char *));
    s->vals = array_reserve(s->vals, &s->cap, (size_t)s->n + 1, sizeof(char *));
    if (!s->keys || !s->vals)
        abort();
    s->keys[s->n] = strdup(k);
    s->vals[s->n++] = strdup(v);
}

static const char *store_get(const offset_store *s, const char *k) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->keys[i], k))
            return s->vals[i];
    return NULL;
}

#define STORE_HEADER "# connect-standalone offsets v1"

static void store_load(offset_store *s) {
    FILE *f = fopen(s->path, "r");
    if (!f)
        return; /* may be new */
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, bad = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (lineno == 1 && strcmp(line, STORE_HEADER) != 0) {
            bad = 1;
            break;
        }
        if (len == 0 || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            bad = 1;
            break;
        }
        *tab = 0;
        store_set(s, line, tab + 1);
    }
    free(line);
    fclose(f);
    if (bad) {
        clog("WARN", CLS_OFFSET_STORE, 58, "Ignoring offsets file %s: not in this worker's format", s->path);
        for (int i = 0; i < s->n; i++) {
            free(s->keys[i]);
            free(s->vals[i]);
        }
        s->n = 0;
    }
}

/* Writes every entry; 0 or -1 (err). */
static int store_save(const offset_store *s, char *err, size_t errlen) {
    size_t tl = strlen(s->path) + 8;
    char *tmp = malloc(tl);
    snprintf(tmp, tl, "%s.tmp", s->path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    fprintf(f, "%s\n", STORE_HEADER);
    for (int i = 0; i < s->n; i++)
        fprintf(f, "%s\t%s\n", s->keys[i], s->vals[i]);
    int rc = 0;
    if (fflush(f) || fsync(fileno(f)))
        rc = -1;
    if (fclose(f))
        rc = -1;
    if (rc == 0 && rename(tmp, s->path))
        rc = -1;
    if (rc)
        snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
    free(tmp);
    return rc;
}

/* ------------------------------------------------------------------------
 * Connectors and tasks
 * ---------------------------------------------------------------------- */
typedef struct task task;

typedef struct pending { /* an unacknowledged source record */
    int64_t pos;  /* stream position after its line */
    int done;
} pending;

struct task {
    int sink;
    char *name;    /* connector name */
    char id[300];  /* "<name>-0" */
    char tostr[340]; /* WorkerSourceTask{id=<name>-0} */
    converter key_conv, value_conv;
    int key_from_worker, value_from_worker;
    char *file;    /* NULL: stdin / stdout */
    int failed;    /* killed after an unrecoverable error */
    rd_kafka_t *rk;
    /* source */
    char *topic;
    int batch_size;
    int fd;        /* -1 until opened */
    int eof;       /* stdin closed */
    char *buf;
    size_t blen, bcap;
    int64_t pos;   /* stream position of buf[0]; -1: untracked (stdin) */
    int64_t next_open_ms;
    pending *pend;
    size_t phead, ptail, pcap; /* ring of records in flight: [phead, ptail) */
    uint64_t pseq0;            /* sequence number of pend[phead] */
    int64_t acked_pos;         /* position of the last record of the acked prefix */
    int64_t stored_pos;        /* last position written to the store */
    /* sink */
    char *topics, *topics_regex;
    FILE *out;
    rd_kafka_topic_partition_list_t *offsets;   /* next offsets of the records written */
    rd_kafka_topic_partition_list_t *committed; /* as last committed */
    int commit_seq;
};

static const char *worker_bootstrap;
static props *worker_props;
static offset_store store;
static int64_t flush_interval_ms = 60000, flush_timeout_ms = 5000;

/* Java client properties with a prefix (producer. / consumer.) onto a
 * librdkafka config; keys librdkafka does not know are skipped. */
static void conf_prefixed(rd_kafka_conf_t *c, const props *p, const char *prefix) {
    size_t pl = strlen(prefix);
    char err[256];
    for (size_t i = 0; i < props_count(p); i++) {
        const char *k = props_key(p, i);
        if (strncmp(k, prefix, pl) != 0)
            continue;
        if (rd_kafka_conf_set(c, k + pl, props_value(p, i), err, sizeof(err)) == RD_KAFKA_CONF_INVALID)
            clog("WARN", CLS_WORKER, 545, "Ignoring invalid client setting %s=%s: %s", k, props_value(p, i), err);
    }
}

static void conf_must(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        clog("WARN", CLS_WORKER, 545, "librdkafka rejected %s=%s: %s", k, v, err);
}

/* rdk_log's lines, in Connect's log (stdout and connect.log); log4j's %L
 * is "?" where the location is not known. */
static void client_log(const char *level, const char *msg, const char *logger) {
    clog(level, logger, -1, "%s", msg);
}

static void pend_push(task *t, int64_t pos) {
    size_t n = t->ptail - t->phead;
    if (t->ptail == t->pcap) {
        if (t->phead > 0) {
            memmove(t->pend, t->pend + t->phead, n * sizeof(pending));
            t->phead = 0;
            t->ptail = n;
        }
        if (t->ptail == t->pcap) {
            t->pcap = t->pcap ? t->pcap * 2 : 1024;
            t->pend = realloc(t->pend, t->pcap * sizeof(pending));
            if (!t->pend)
                abort();
        }
    }
    t->pend[t->ptail].pos = pos;
    t->pend[t->ptail].done = 0;
    t->ptail++;
}

static void source_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    task *t = opaque;
    (void)rk;
    uint64_t seq = (uint64_t)(uintptr_t)m->_private;
    if (m->err) {
        if (!t->failed) {
            char ex[512];
            snprintf(ex, sizeof(ex), "org.apache.kafka.connect.errors.ConnectException: %s", rd_kafka_err2str(m->err));
            clog2("ERROR", CLS_SOURCE_TASK, 352, NULL, "%s failed to send record to %s: ", t->tostr, t->topic);
            clog2("ERROR", CLS_WORKER_TASK, 186, ex, "%s Task threw an uncaught and unrecoverable exception", t->tostr);
            clog("ERROR", CLS_WORKER_TASK, 187, "%s Task is being killed and will not recover until manually restarted",
                 t->tostr);
            t->failed = 1;
        }
        return;
    }
    if (seq < t->pseq0)
        return;
    size_t idx = t->phead + (size_t)(seq - t->pseq0);
    if (idx < t->ptail)
        t->pend[idx].done = 1;
    while (t->phead < t->ptail && t->pend[t->phead].done) {
        t->acked_pos = t->pend[t->phead].pos;
        t->phead++;
        t->pseq0++;
    }
}

/* The store key of a source task: ["<name>",{"filename":"<file>"}]. */
static void source_key(const task *t, sbuf *k) {
    sb_reset(k);
    sb_puts(k, "[");
    sb_json_str(k, t->name, strlen(t->name));
    sb_puts(k, ",{\"filename\":");
    sb_json_str(k, t->file, strlen(t->file));
    sb_puts(k, "}]");
}

static int source_start(task *t, char *err, size_t errlen) {
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    char cid[400];
    snprintf(cid, sizeof(cid), "connector-producer-%s", t->id);
    conf_must(c, "bootstrap.servers", worker_bootstrap);
    conf_must(c, "client.id", cid);
    conf_must(c, "acks", "all");
    conf_must(c, "max.in.flight.requests.per.connection", "1");
    conf_must(c, "message.timeout.ms", "0");
    conf_prefixed(c, worker_props, "producer.");
    rd_kafka_conf_set_dr_msg_cb(c, source_dr);
    rdk_log_attach(c, "Producer");
    rd_kafka_conf_set_opaque(c, t);
    t->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, errlen);
    if (!t->rk)
        return -1;
    t->fd = t->file ? -1 : 0;
    t->pos = t->file ? 0 : -1;
    t->acked_pos = t->stored_pos = -1;
    clog("INFO", CLS_SOURCE_TASK, 214, "%s Source task finished initialization and start", t->tostr);
    return 0;
}

static void source_open(task *t) {
    int64_t now = mono_ms();
    if (now < t->next_open_ms)
        return;
    int fd = open(t->file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            clog("WARN", CLS_FILE_SOURCE_TASK, 109,
                 "Couldn't find file %s for FileStreamSourceTask, sleeping to wait for it to be created", t->file);
        else
            clog("ERROR", CLS_FILE_SOURCE_TASK, 115, "Error while trying to open file %s: %s", t->file, strerror(errno));
        t->next_open_ms = now + 1000;
        return;
    }
    sbuf k = {0};
    source_key(t, &k);
    const char *v = store_get(&store, k.p);
    free(k.p);
    int64_t pos = 0;
    if (v) {
        json *j = json_parse_first(v, strlen(v));
        const json *p = json_get(j, "position");
        if (is_long_node(p))
            pos = p->i64;
        json_free(j);
        if (pos > 0 && lseek(fd, pos, SEEK_SET) < 0)
            pos = 0;
    }
    t->fd = fd;
    t->pos = pos;
    t->acked_pos = t->stored_pos = pos;
}

/* Reads what is available and produces complete lines (at most batch.size
 * per call). Returns the number of records produced. */
static int source_poll(task *t, sbuf *val) {
    if (t->failed)
        return 0;
    if (t->fd < 0)
        source_open(t);
    if (t->fd < 0)
        return 0;
    int produced = 0;
    for (;;) {
        /* lines already buffered */
        size_t start = 0;
        while (produced < t->batch_size) {
            size_t until = SIZE_MAX, next = 0;
            for (size_t i = start; i < t->blen; i++) {
                if (t->buf[i] == '\n') {
                    until = i;
                    next = i + 1;
                    break;
                }
                if (t->buf[i] == '\r') {
                    if (i + 1 >= t->blen)
                        break; /* need the next byte to tell \r\n */
                    until = i;
                    next = t->buf[i + 1] == '\n' ? i + 2 : i + 1;
                    break;
                }
            }
            if (until == SIZE_MAX)
                break;
            conv_from_string(&t->value_conv, t->buf + start, until - start, val);
            int64_t pos = t->pos >= 0 ? t->pos + (int64_t)next : -1;
            uint64_t seq = t->pseq0 + (t->ptail - t->phead);
            for (;;) {
                rd_kafka_resp_err_t e = rd_kafka_producev(
                    t->rk, RD_KAFKA_V_TOPIC(t->topic), RD_KAFKA_V_VALUE(val->p, val->n),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq), RD_KAFKA_V_END);
                if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                    rd_kafka_poll(t->rk, 100);
                    if (stop_signal)
                        break;
                    continue;
                }
                if (e) {
                    clog("ERROR", CLS_SOURCE_TASK, 352, "%s failed to send record to %s: %s", t->tostr, t->topic,
                         rd_kafka_err2str(e));
                    t->failed = 1;
                }
                break;
            }
            if (t->failed || stop_signal)
                return produced;
            pend_push(t, pos);
            produced++;
            start = next;
        }
        if (start > 0) {
            memmove(t->buf, t->buf + start, t->blen - start);
            t->blen -= start;
            if (t->pos >= 0)
                t->pos += (int64_t)start;
        }
        if (produced >= t->batch_size || t->eof)
            break;
        if (t->fd == 0) { /* stdin: only read when something is there */
            struct pollfd pfd = {0, POLLIN, 0};
            if (poll(&pfd, 1, 0) <= 0)
                break;
        }
        if (t->bcap - t->blen < 65536) {
            t->bcap = t->bcap ? t->bcap * 2 : 131072;
            t->buf = realloc(t->buf, t->bcap);
            if (!t->buf)
                abort();
        }
        ssize_t r = read(t->fd, t->buf + t->blen, t->bcap - t->blen);
        if (r < 0 && errno == EINTR)
            break;
        if (r <= 0) {
            if (t->fd == 0 && r == 0)
                t->eof = 1;
            break;
        }
        t->blen += (size_t)r;
    }
    return produced;
}

/* WorkerSourceTask.commitOffsets: stores the acknowledged position. */
static void source_commit(task *t) {
    if (t->failed && !t->rk)
        return;
    int64_t started = mono_ms();
    clog("INFO", CLS_SOURCE_TASK, 424, "%s Committing offsets", t->tostr);
    clog("INFO", CLS_SOURCE_TASK, 441, "%s flushing %zu outstanding messages for offset commit", t->tostr,
         t->ptail - t->phead);
    if (!t->file || t->acked_pos < 0 || t->acked_pos == t->stored_pos)
        return;
    sbuf k = {0}, v = {0};
    source_key(t, &k);
    sb_printf(&v, "{\"position\":%lld}", (long long)t->acked_pos);
    store_set(&store, k.p, v.p);
    free(k.p);
    free(v.p);
    char err[512];
    if (store_save(&store, err, sizeof(err))) {
        clog2("ERROR", CLS_SOURCE_TASK, 484, err, "%s Failed to flush offsets to storage: ", t->tostr);
        return;
    }
    t->stored_pos = t->acked_pos;
    clog("INFO", CLS_SOURCE_TASK, 523, "%s Finished commitOffsets successfully in %lld ms", t->tostr,
         (long long)(mono_ms() - started));
}

static void source_stop(task *t) {
    if (t->rk) {
        /* wait (bounded) for the records in flight, then store what was acked */
        int64_t deadline = mono_ms() + flush_timeout_ms;
        while (!t->failed && t->ptail > t->phead && mono_ms() < deadline)
            rd_kafka_poll(t->rk, 50);
        source_commit(t);
        rd_kafka_purge(t->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(t->rk, 0);
        rd_kafka_destroy(t->rk);
        t->rk = NULL;
    }
    if (t->fd > 0)
        close(t->fd);
    t->fd = -1;
}

/* --- sink --- */

/* "{t-0=OffsetAndMetadata{offset=3, leaderEpoch=null, metadata=''}, ...}" in
 * HashMap<TopicPartition, OffsetAndMetadata> order. */
static void offsets_str(const rd_kafka_topic_partition_list_t *l, sbuf *out) {
    int n = l->cnt;
    int32_t *h = malloc(sizeof(int32_t) * ((size_t)n + 1));
    int *order = malloc(sizeof(int) * ((size_t)n + 1));
    for (int i = 0; i < n; i++)
        h[i] = java_tp_hash(l->elems[i].topic, l->elems[i].partition);
    java_hashmap_order(h, n, 0, order);
    sb_puts(out, "{");
    for (int i = 0; i < n; i++) {
        const rd_kafka_topic_partition_t *p = &l->elems[order[i]];
        sb_printf(out, "%s%s-%d=OffsetAndMetadata{offset=%lld, leaderEpoch=null, metadata=''}", i ? ", " : "", p->topic,
                  p->partition, (long long)p->offset);
    }
    sb_puts(out, "}");
    free(h);
    free(order);
}

static int offsets_equal(const rd_kafka_topic_partition_list_t *a, const rd_kafka_topic_partition_list_t *b) {
    if (a->cnt != b->cnt)
        return 0;
    for (int i = 0; i < a->cnt; i++) {
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(
            (rd_kafka_topic_partition_list_t *)b, a->elems[i].topic, a->elems[i].partition);
        if (!p || p->offset != a->elems[i].offset)
            return 0;
    }
    return 1;
}

/* Flushes the file, then commits the offsets of what it holds (if they
 * changed since the last commit). */
static void sink_commit(task *t, int sync) {
    if (!t->rk)
        return;
    if (t->out)
        fflush(t->out);
    if (t->offsets->cnt == 0 || offsets_equal(t->offsets, t->committed))
        return;
    sbuf s = {0};
    offsets_str(t->offsets, &s);
    int seq = ++t->commit_seq;
    if (sync)
        clog("INFO", CLS_SINK_TASK, 335, "%s Committing offsets synchronously using sequence number %d: %s", t->tostr, seq,
             s.p);
    else
        clog("INFO", CLS_SINK_TASK, 349, "%s Committing offsets asynchronously using sequence number %d: %s", t->tostr,
             seq, s.p);
    free(s.p);
    rd_kafka_resp_err_t e = rd_kafka_commit(t->rk, t->offsets, !sync);
    if (e) {
        clog("ERROR", CLS_SINK_TASK, 263, "%s Commit of offsets threw an unexpected exception for sequence number %d: %s",
             t->tostr, seq, rd_kafka_err2str(e));
        return;
    }
    rd_kafka_topic_partition_list_destroy(t->committed);
    t->committed = rd_kafka_topic_partition_list_copy(t->offsets);
}

static void sink_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque) {
    task *t = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        return;
    }
    /* revoked: flush and commit what was written for them, then forget them */
    sink_commit(t, 1);
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_list_del(t->offsets, parts->elems[i].topic, parts->elems[i].partition);
        rd_kafka_topic_partition_list_del(t->committed, parts->elems[i].topic, parts->elems[i].partition);
    }
    rd_kafka_assign(rk, NULL);
}

static void task_kill(task *t, const char *exception) {
    clog2("ERROR", CLS_WORKER_TASK, 186, exception, "%s Task threw an uncaught and unrecoverable exception", t->tostr);
    clog("ERROR", CLS_WORKER_TASK, 187, "%s Task is being killed and will not recover until manually restarted",
         t->tostr);
    t->failed = 1;
    if (t->sink && t->rk) { /* WorkerSinkTask.close: commit what was written, leave the group */
        sink_commit(t, 1);
        rd_kafka_consumer_close(t->rk);
        rd_kafka_destroy(t->rk);
        t->rk = NULL;
    }
}

static int sink_start(task *t, char *err, size_t errlen) {
    if (t->file) {
        t->out = fopen(t->file, "a");
        if (!t->out) {
            char ex[1024];
            snprintf(ex, sizeof(ex),
                     "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '%s' for "
                     "FileStreamSinkTask",
                     t->file);
            task_kill(t, ex);
            return 0;
        }
    } else
        t->out = stdout;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    char cid[400], gid[300];
    snprintf(cid, sizeof(cid), "connector-consumer-%s", t->id);
    snprintf(gid, sizeof(gid), "connect-%s", t->name);
    conf_must(c, "bootstrap.servers", worker_bootstrap);
    conf_must(c, "group.id", gid);
    conf_must(c, "client.id", cid);
    conf_must(c, "enable.auto.commit", "false");
    conf_must(c, "enable.auto.offset.store", "false");
    conf_must(c, "auto.offset.reset", "earliest");
    conf_must(c, "allow.auto.create.topics", "true"); /* the Java consumer's default in 2.5 */
    conf_prefixed(c, worker_props, "consumer.");
    rd_kafka_conf_set_rebalance_cb(c, sink_rebalance);
    rdk_log_attach(c, "Consumer");
    rd_kafka_conf_set_opaque(c, t);
    t->rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, errlen);
    if (!t->rk)
        return -1;
    rd_kafka_poll_set_consumer(t->rk);
    t->offsets = rd_kafka_topic_partition_list_new(4);
    t->committed = rd_kafka_topic_partition_list_new(4);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(4);
    if (t->topics) {
        char *copy = strdup(t->topics), *save = NULL;
        for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
            while (*s == ' ' || *s == '\t')
                s++;
            size_t l = strlen(s);
            while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t'))
                s[--l] = 0;
            if (*s)
                rd_kafka_topic_partition_list_add(sub, s, RD_KAFKA_PARTITION_UA);
        }
        free(copy);
    } else {
        char re[1024];
        snprintf(re, sizeof(re), "%s%s", t->topics_regex[0] == '^' ? "" : "^", t->topics_regex);
        rd_kafka_topic_partition_list_add(sub, re, RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(t->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        snprintf(err, errlen, "%s", rd_kafka_err2str(e));
        return -1;
    }
    clog("INFO", CLS_SINK_TASK, 306, "%s Sink task finished initialization and start", t->tostr);
    return 0;
}

static int sink_poll(task *t, sbuf *val) {
    if (t->failed || !t->rk)
        return 0;
    int n = 0;
    char err[1024];
    while (n < 500) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(t->rk, 0);
        if (!m)
            break;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                clog("WARN", CLS_SINK_TASK, 0, "%s %s", t->tostr, rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        n++;
        int bad = 0;
        if (m->key && conv_to_string(&t->key_conv, m->key, m->key_len, val, err, sizeof(err)))
            bad = 1;
        if (!bad && conv_to_string(&t->value_conv, m->payload, m->len, val, err, sizeof(err)))
            bad = 1;
        if (bad) {
            char ex[1400];
            snprintf(ex, sizeof(ex),
                     "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n"
                     "Caused by: org.apache.kafka.connect.errors.DataException: %s",
                     err);
            rd_kafka_message_destroy(m);
            task_kill(t, ex);
            return n;
        }
        fwrite(val->p, 1, val->n, t->out);
        fputc('\n', t->out);
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(
            t->offsets, rd_kafka_topic_name(m->rkt), m->partition);
        if (!p)
            p = rd_kafka_topic_partition_list_add(t->offsets, rd_kafka_topic_name(m->rkt), m->partition);
        p->offset = m->offset + 1;
        rd_kafka_message_destroy(m);
    }
    return n;
}

static void sink_stop(task *t) {
    if (t->rk) {
        sink_commit(t, 1);
        rd_kafka_consumer_close(t->rk);
        rd_kafka_destroy(t->rk);
        t->rk = NULL;
    }
    if (t->out && t->out != stdout)
        fclose(t->out);
    else if (t->out)
        fflush(t->out);
    t->out = NULL;
    if (t->offsets)
        rd_kafka_topic_partition_list_destroy(t->offsets);
    if (t->committed)
        rd_kafka_topic_partition_list_destroy(t->committed);
    t->offsets = t->committed = NULL;
}

/* ------------------------------------------------------------------------
 * Connector configuration
 * ---------------------------------------------------------------------- */

/* Builds a task from connector properties; -1 with a Java exception line
 * in err when the configuration is invalid. */
static int connector_configure(const props *cp, const converter *wkey, const converter *wval, task *t, char *err,
                               size_t errlen) {
    const char *name = props_get(cp, "name");
    const char *cls = props_get(cp, "connector.class");
    if (!cls) {
        snprintf(err, errlen,
                 "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config {%s} contains no "
                 "connector type",
                 name ? name : "");
        return -1;
    }
    if (!strcmp(cls, "FileStreamSource") || !strcmp(cls, "FileStreamSourceConnector") ||
        !strcmp(cls, "org.apache.kafka.connect.file.FileStreamSourceConnector"))
        t->sink = 0;
    else if (!strcmp(cls, "FileStreamSink") || !strcmp(cls, "FileStreamSinkConnector") ||
             !strcmp(cls, "org.apache.kafka.connect.file.FileStreamSinkConnector"))
        t->sink = 1;
    else {
        snprintf(err, errlen,
                 "org.apache.kafka.connect.errors.ConnectException: Failed to find any class that implements Connector "
                 "and which name matches %s, available connectors are: "
                 "org.apache.kafka.connect.file.FileStreamSinkConnector, "
                 "org.apache.kafka.connect.file.FileStreamSourceConnector",
                 cls);
        return -1;
    }
    char errs[1024] = "";
    int nerr = 0;
#define CFG_ERR(...)                                                                                                   \
    do {                                                                                                               \
        nerr++;                                                                                                        \
        snprintf(errs + strlen(errs), sizeof(errs) - strlen(errs), "\n" __VA_ARGS__);                                  \
    } while (0)
    if (!name || !*name)
        CFG_ERR("Missing required configuration \"name\" which has no default value.");
    const char *tm = props_get(cp, "tasks.max");
    int32_t tasks = 1;
    if (tm && (parse_i32(tm, &tasks) || tasks < 1))
        CFG_ERR("Invalid value %s for configuration tasks.max: %s", tm,
                parse_i32(tm, &tasks) ? "Not a number of type INT" : "Value must be at least 1");
    t->key_conv = *wkey;
    t->value_conv = *wval;
    t->key_from_worker = t->value_from_worker = 1;
    char cerr[512];
    int r = converter_config(cp, "key.", &t->key_conv, cerr, sizeof(cerr));
    if (r < 0)
        CFG_ERR("%s", cerr + strlen("org.apache.kafka.common.config.ConfigException: "));
    else if (r > 0)
        t->key_from_worker = 0;
    r = converter_config(cp, "value.", &t->value_conv, cerr, sizeof(cerr));
    if (r < 0)
        CFG_ERR("%s", cerr + strlen("org.apache.kafka.common.config.ConfigException: "));
    else if (r > 0)
        t->value_from_worker = 0;
    const char *file = props_get(cp, "file");
    if (!t->sink) {
        const char *topic = props_get(cp, "topic");
        const char *bs = props_get(cp, "batch.size");
        int32_t batch = 2000;
        if (!topic)
            CFG_ERR("Missing required configuration \"topic\" which has no default value.");
        else if (strchr(topic, ',') || !*topic)
            CFG_ERR("'topic' in FileStreamSourceConnector configuration requires definition of a single topic");
        if (bs && parse_i32(bs, &batch))
            CFG_ERR("Invalid value %s for configuration batch.size: Not a number of type INT", bs);
        if (batch < 1)
            batch = 1;
        t->topic = topic ? strdup(topic) : NULL;
        t->batch_size = batch;
        t->file = file && *file ? strdup(file) : NULL;
    } else {
        const char *topics = props_get(cp, "topics"), *re = props_get(cp, "topics.regex");
        if (topics && !*topics)
            topics = NULL;
        if (re && !*re)
            re = NULL;
        if (topics && re)
            CFG_ERR("Must configure one of topics or topics.regex, but not both");
        else if (!topics && !re)
            CFG_ERR("Must configure one of topics or topics.regex");
        t->topics = topics ? strdup(topics) : NULL;
        t->topics_regex = re ? strdup(re) : NULL;
        t->file = file ? strdup(file) : NULL;
    }
#undef CFG_ERR
    if (nerr) {
        snprintf(err, errlen,
                 "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector configuration is invalid "
                 "and contains the following %d error(s):%s\nYou can also find the above list of errors at the "
                 "endpoint `/{connectorType}/config/validate`",
                 nerr, errs);
        return -1;
    }
    t->name = strdup(name);
    snprintf(t->id, sizeof(t->id), "%s-0", name);
    snprintf(t->tostr, sizeof(t->tostr), "%s{id=%s}", t->sink ? "WorkerSinkTask" : "WorkerSourceTask", t->id);
    return 0;
}

/* ------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------- */
static task *tasks;
static int ntasks;

static void connect_stop(void) {
    clog("INFO", CLS_CONNECT, 67, "Kafka Connect stopping");
    clog("INFO", CLS_HERDER, 100, "Herder stopping");
    for (int i = 0; i < ntasks; i++) {
        task *t = &tasks[i];
        clog("INFO", CLS_WORKER, 358, "Stopping connector %s", t->name);
        clog("INFO", CLS_WORKER, 374, "Stopped connector %s", t->name);
        clog("INFO", CLS_WORKER, 704, "Stopping task %s", t->id);
        if (t->sink)
            sink_stop(t);
        else
            source_stop(t);
    }
    clog("INFO", CLS_WORKER, 198, "Worker stopping");
    clog("INFO", CLS_OFFSET_STORE, 66, "Stopped FileOffsetBackingStore");
    clog("INFO", CLS_WORKER, 219, "Worker stopped");
    clog("INFO", CLS_HERDER, 117, "Herder stopped");
    clog("INFO", CLS_CONNECT, 72, "Kafka Connect stopped");
}

static void die_worker(const char *exception) {
    clog2("ERROR", CLS_STANDALONE, 130, exception, "Stopping due to error");
    exit(2);
}

/* ConfigDef LONG parse for a worker setting. */
static int64_t worker_long(const char *key, int64_t def) {
    const char *v = props_get(worker_props, key);
    int64_t x;
    if (!v)
        return def;
    char *s = strdup(v), *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = 0;
    char *b = s;
    while (*b == ' ' || *b == '\t')
        b++;
    if (parse_i64(b, &x)) {
        char ex[512];
        snprintf(ex, sizeof(ex),
                 "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s: Not a number "
                 "of type LONG",
                 v, key);
        free(s);
        die_worker(ex);
    }
    free(s);
    return x;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    int help = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help"))
            help = 1;
    if (argc < 3 || help) {
        clog("INFO", CLS_STANDALONE, 63,
             "Usage: ConnectStandalone worker.properties connector1.properties [connector2.properties ...]");
        return 1;
    }
    const char *log_dir = getenv("LOG_DIR");
    if (log_dir && *log_dir) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/connect.log", log_dir);
        log_file = fopen(path, "a");
    }
    rdk_log_set_sink(client_log);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int64_t init_start = mono_ms();
    clog("INFO", CLS_STANDALONE, 69, "Kafka Connect standalone worker initializing ...");
    char err[2048], ex[4096];
    worker_props = *argv[1] ? props_load(argv[1], err, sizeof(err)) : props_new();
    if (!worker_props) {
        snprintf(ex, sizeof(ex), "java.nio.file.NoSuchFileException: %s", argv[1]);
        if (access(argv[1], F_OK) == 0)
            snprintf(ex, sizeof(ex), "java.io.IOException: %s", err);
        die_worker(ex);
    }
    clog("INFO", CLS_STANDALONE, 78, "Scanning for plugin classes. This might take a moment ...");
    converter wkey = {0}, wval = {0};
    static const char *const required[] = {"key.converter", "value.converter", "offset.storage.file.filename"};
    for (size_t i = 0; i < 3; i++)
        if (!props_get(worker_props, required[i])) {
            snprintf(ex, sizeof(ex),
                     "org.apache.kafka.common.config.ConfigException: Missing required configuration \"%s\" which has "
                     "no default value.",
                     required[i]);
            die_worker(ex);
        }
    if (converter_config(worker_props, "key.", &wkey, ex, sizeof(ex)) < 0 ||
        converter_config(worker_props, "value.", &wval, ex, sizeof(ex)) < 0)
        die_worker(ex);
    flush_interval_ms = worker_long("offset.flush.interval.ms", 60000);
    flush_timeout_ms = worker_long("offset.flush.timeout.ms", 5000);
    int64_t api_timeout = worker_long("default.api.timeout.ms", 60000);
    /* bootstrap.servers: a list, blanks around the commas dropped */
    const char *bs = props_get(worker_props, "bootstrap.servers");
    sbuf boot = {0};
    {
        char *copy = strdup(bs ? bs : "localhost:9092"), *save = NULL;
        for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
            while (*s == ' ' || *s == '\t')
                s++;
            size_t l = strlen(s);
            while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t'))
                s[--l] = 0;
            if (!*s)
                continue;
            if (!strchr(s, ':')) {
                snprintf(ex, sizeof(ex),
                         "org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: %s", s);
                die_worker(ex);
            }
            if (boot.n)
                sb_puts(&boot, ",");
            sb_puts(&boot, s);
        }
        free(copy);
        if (!boot.n)
            die_worker("org.apache.kafka.common.config.ConfigException: No resolvable bootstrap urls given in "
                       "bootstrap.servers");
    }
    worker_bootstrap = boot.p;
    store.path = strdup(props_get(worker_props, "offset.storage.file.filename"));

    /* ConnectUtils.lookupKafkaClusterId */
    {
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        conf_must(c, "bootstrap.servers", worker_bootstrap);
        conf_must(c, "client.id", "adminclient-1");
        rdk_log_attach(c, "AdminClient");
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
        char *cid = NULL;
        if (rk) {
            int64_t deadline = mono_ms() + api_timeout;
            while (!cid && !stop_signal && mono_ms() < deadline) {
                cid = rd_kafka_clusterid(rk, 200);
            }
            rd_kafka_destroy(rk);
        }
        if (stop_signal)
            return 128 + stop_signal;
        if (!cid)
            die_worker("org.apache.kafka.connect.errors.ConnectException: Failed to connect to and describe Kafka "
                       "cluster. Check worker's broker connection and security properties.");
        rd_kafka_mem_free(NULL, cid);
    }
    clog("INFO", CLS_STANDALONE, 100, "Kafka Connect standalone worker initialization took %lldms",
         (long long)(mono_ms() - init_start));

    clog("INFO", CLS_CONNECT, 51, "Kafka Connect starting");
    clog("INFO", CLS_HERDER, 93, "Herder starting");
    clog("INFO", CLS_WORKER, 184, "Worker starting");
    clog("INFO", CLS_OFFSET_STORE, 58, "Starting FileOffsetBackingStore with file %s", store.path);
    store_load(&store);
    clog("INFO", CLS_WORKER, 191, "Worker started");
    clog("INFO", CLS_HERDER, 95, "Herder started");
    clog("INFO", CLS_CONNECT, 57, "Kafka Connect started");

    tasks = calloc((size_t)argc, sizeof(task));
    for (int a = 2; a < argc; a++) {
        task *t = &tasks[ntasks];
        props *cp = props_load(argv[a], err, sizeof(err));
        int rc = 0;
        if (!cp) {
            snprintf(ex, sizeof(ex), "java.nio.file.NoSuchFileException: %s", argv[a]);
            rc = -1;
        } else {
            rc = connector_configure(cp, &wkey, &wval, t, ex, sizeof(ex));
            for (int i = 0; i < ntasks && rc == 0; i++)
                if (!strcmp(tasks[i].name, t->name)) {
                    snprintf(ex, sizeof(ex),
                             "org.apache.kafka.connect.errors.AlreadyExistsException: Connector %s already exists",
                             t->name);
                    rc = -1;
                }
        }
        if (rc == 0) {
            const char *type = t->sink ? "FileStreamSink" : "FileStreamSource";
            const char *full = t->sink ? "org.apache.kafka.connect.file.FileStreamSinkConnector"
                                       : "org.apache.kafka.connect.file.FileStreamSourceConnector";
            clog("INFO", CLS_WORKER, 251, "Creating connector %s of type %s", t->name, props_get(cp, "connector.class"));
            clog("INFO", CLS_WORKER, 254, "Instantiated connector %s with version %s of type class %s", t->name,
                 TOOLS_KAFKA_VERSION, full);
            clog("INFO", CLS_WORKER, 273, "Finished creating connector %s", t->name);
            clog("INFO", CLS_WORKER, 812, "Setting connector %s state to STARTED", t->name);
            clog("INFO", CLS_WORKER, 419, "Creating task %s", t->id);
            clog("INFO", CLS_WORKER, 434, "Instantiated task %s with version %s of type org.apache.kafka.connect.file.%sTask",
                 t->id, TOOLS_KAFKA_VERSION, type);
            clog("INFO", CLS_WORKER, t->key_from_worker ? 447 : 449,
                 "Set up the key converter class %s for task %s using the %s config", t->key_conv.cls, t->id,
                 t->key_from_worker ? "worker" : "connector");
            clog("INFO", CLS_WORKER, t->value_from_worker ? 453 : 455,
                 "Set up the value converter class %s for task %s using the %s config", t->value_conv.cls, t->id,
                 t->value_from_worker ? "worker" : "connector");
            ntasks++;
            rc = t->sink ? sink_start(t, err, sizeof(err)) : source_start(t, err, sizeof(err));
            if (rc)
                snprintf(ex, sizeof(ex), "org.apache.kafka.common.KafkaException: Failed to construct kafka %s: %s",
                         t->sink ? "consumer" : "producer", err);
            else
                clog("INFO", CLS_STANDALONE, 112, "Created connector %s", t->name);
        }
        if (cp)
            props_free(cp);
        if (rc) {
            clog("ERROR", CLS_STANDALONE, 110, "Failed to create job for %s", argv[a]);
            clog2("ERROR", CLS_STANDALONE, 121, ex, "Stopping after connector error");
            connect_stop();
            return 3;
        }
    }

    sbuf val = {0};
    int64_t next_commit = mono_ms() + flush_interval_ms;
    while (!stop_signal) {
        int work = 0;
        for (int i = 0; i < ntasks; i++) {
            task *t = &tasks[i];
            if (t->sink)
                work += sink_poll(t, &val);
            else {
                work += source_poll(t, &val);
                if (t->rk)
                    rd_kafka_poll(t->rk, 0);
            }
        }
        int64_t now = mono_ms();
        if (now >= next_commit) {
            for (int i = 0; i < ntasks; i++) {
                if (tasks[i].sink) {
                    if (!tasks[i].failed)
                        sink_commit(&tasks[i], 0);
                } else
                    source_commit(&tasks[i]);
            }
            next_commit = now + flush_interval_ms;
        }
        if (!work && !stop_signal) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    connect_stop();
    free(val.p);
    fflush(stdout);
    return 128 + stop_signal;
}
