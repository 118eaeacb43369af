/* tools_util.c -- small helpers that make the tools print what the Java
 * tools print: exception strings for error codes, the iteration order of
 * java.util.HashMap (Kafka's tools print config entries and per-partition
 * results straight out of HashMaps), Kafka's topic whitelist regex, the
 * --command-config timeouts, and the log4j line of the tools. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "json.h"
#include "props.h"
#include "tools.h"

const char *kerror_string(int code, const char *msg, char *buf, size_t len) {
    const kerror_info *e = kerror_lookup(code);
    snprintf(buf, len, "org.apache.kafka.common.errors.%s: %s", e->exception,
             msg && *msg ? msg : e->message);
    return buf;
}

/* String.hashCode over UTF-16 code units; for UTF-8 input this decodes
 * code points (supplementary ones as surrogate pairs). */
int32_t java_string_hash(const char *s) {
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xE0) == 0xC0 && p[1]) {
            cp = ((uint32_t)(*p & 0x1F) << 6) | (p[1] & 0x3F);
            n = 2;
        } else if ((*p & 0xF0) == 0xE0 && p[1] && p[2]) {
            cp = ((uint32_t)(*p & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            n = 3;
        } else if ((*p & 0xF8) == 0xF0 && p[1] && p[2] && p[3]) {
            cp = ((uint32_t)(*p & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
                 ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
            n = 4;
        } else {
            cp = 0xFFFD;
            n = 1;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = h * 31 + (0xD800 + (cp >> 10));
            h = h * 31 + (0xDC00 + (cp & 0x3FF));
        } else {
            h = h * 31 + cp;
        }
        p += n;
    }
    return (int32_t)h;
}

/* HashMap keeps each bucket in insertion order and a resize splits buckets
 * preserving that order, so the final order is: by bucket index under the
 * final capacity, then by insertion. (Buckets turn into trees only with 8+
 * colliding keys and capacity >= 64, which tools never reach.) */
static const int32_t *g_hashes;
static uint32_t g_mask;

static uint32_t bucket_of(int32_t h) {
    uint32_t u = (uint32_t)h;
    return (u ^ (u >> 16)) & g_mask;
}

static int cmp_bucket(const void *a, const void *b) {
    int ia = *(const int *)a, ib = *(const int *)b;
    uint32_t ba = bucket_of(g_hashes[ia]), bb = bucket_of(g_hashes[ib]);
    if (ba != bb)
        return ba < bb ? -1 : 1;
    return ia - ib;
}

void java_hashmap_order(const int32_t *hashes, int n, int init_cap, int *order) {
    uint32_t cap = 16;
    if (init_cap > 0) /* tableSizeFor */
        for (cap = 1; cap < (uint32_t)init_cap; cap <<= 1)
            ;
    while (n > (int)(cap * 3 / 4))
        cap <<= 1;
    g_hashes = hashes;
    g_mask = cap - 1;
    for (int i = 0; i < n; i++)
        order[i] = i;
    qsort(order, (size_t)n, sizeof(int), cmp_bucket);
}

int32_t java_tp_hash(const char *topic, int32_t partition) {
    uint32_t h = 31u * (31u + (uint32_t)partition) + (uint32_t)java_string_hash(topic);
    return (int32_t)h;
}

/* scala.collection.immutable.HashSet.improve (2.12) */
static uint32_t scala_improve(int32_t hcode) {
    uint32_t h = (uint32_t)hcode + ~((uint32_t)hcode << 9);
    h ^= h >> 14;
    h += h << 4;
    return h ^ (h >> 10);
}

static const int32_t *s_hashes;

static int cmp_trie(const void *a, const void *b) {
    int ia = *(const int *)a, ib = *(const int *)b;
    uint32_t ha = scala_improve(s_hashes[ia]), hb = scala_improve(s_hashes[ib]);
    for (int level = 0; level < 32; level += 5) {
        uint32_t x = (ha >> level) & 31, y = (hb >> level) & 31;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return ia - ib;
}

void scala_set_order(const int32_t *hashes, int n, int *order) {
    for (int i = 0; i < n; i++)
        order[i] = i;
    if (n <= 4)
        return;
    s_hashes = hashes;
    qsort(order, (size_t)n, sizeof(int), cmp_trie);
}

const char *const topic_config_names[] = {
    "cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms",
    "flush.messages", "flush.ms", "follower.replication.throttled.replicas",
    "index.interval.bytes", "leader.replication.throttled.replicas", "max.compaction.lag.ms",
    "max.message.bytes", "message.downconversion.enable", "message.format.version",
    "message.timestamp.difference.max.ms", "message.timestamp.type", "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms", "min.insync.replicas", "preallocate", "retention.bytes",
    "retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms",
    "unclean.leader.election.enable", NULL,
};

int topic_config_name_valid(const char *name) {
    for (int i = 0; topic_config_names[i]; i++)
        if (!strcmp(topic_config_names[i], name))
            return 1;
    return 0;
}

struct topic_filter {
    regex_t re;
};

topic_filter *topic_filter_new(const char *raw, char *err, size_t errlen) {
    size_t n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t' || raw[n - 1] == '\n'))
        n--;
    while (n && (*raw == ' ' || *raw == '\t' || *raw == '\n')) {
        raw++;
        n--;
    }
    char *rx = malloc(n + 8);
    if (!rx)
        abort();
    size_t j = 0;
    rx[j++] = '^';
    rx[j++] = '(';
    size_t start = j;
    for (size_t i = 0; i < n; i++) {
        char c = raw[i];
        if (c == ' ')
            continue;
        rx[j++] = c == ',' ? '|' : c;
    }
    /* strip leading and trailing quotes */
    size_t s = start;
    while (s < j && (rx[s] == '"' || rx[s] == '\''))
        s++;
    memmove(rx + start, rx + s, j - s);
    j -= s - start;
    while (j > start && (rx[j - 1] == '"' || rx[j - 1] == '\''))
        j--;
    char *shown = strndup(rx + start, j - start);
    rx[j++] = ')';
    rx[j++] = '$';
    rx[j] = 0;
    topic_filter *f = malloc(sizeof(*f));
    if (!f || !shown)
        abort();
    if (regcomp(&f->re, rx, REG_EXTENDED | REG_NOSUB) != 0) {
        snprintf(err, errlen, "%s is an invalid regex.", shown);
        free(f);
        f = NULL;
    }
    free(shown);
    free(rx);
    return f;
}

int topic_filter_match(const topic_filter *f, const char *topic) {
    return regexec(&f->re, topic, 0, NULL, 0) == 0;
}

void topic_filter_free(topic_filter *f) {
    if (!f)
        return;
    regfree(&f->re);
    free(f);
}

int topic_is_internal(const char *topic) {
    return !strcmp(topic, "__consumer_offsets") || !strcmp(topic, "__transaction_state");
}

void tools_command_config_timeouts(const char *path, int *request_ms, int *api_ms, int *api_set) {
    if (api_set)
        *api_set = 0;
    if (!path)
        return;
    char err[256];
    props *p = props_load(path, err, sizeof(err));
    if (!p) {
        fprintf(stderr, "%s (No such file or directory)\n", path);
        exit(1);
    }
    int32_t t;
    const char *v = props_get(p, "request.timeout.ms");
    if (v && parse_i32(v, &t) == 0 && t > 0)
        *request_ms = t;
    v = props_get(p, "default.api.timeout.ms");
    if (v && parse_i32(v, &t) == 0 && t > 0) {
        *api_ms = t;
        if (api_set)
            *api_set = 1;
    }
    props_free(p);
}

int ka_init_config(kadmin *a, const char *bootstrap, const char *command_config) {
    int request_ms = 30000, api_ms = 60000, api_set;
    tools_command_config_timeouts(command_config, &request_ms, &api_ms, &api_set);
    /* KafkaAdminClient: the bootstrap list is checked first (createInternal),
     * then the timeouts (configureDefaultApiTimeoutMs, in the constructor);
     * both fail as a ConfigException */
    if (ka_init(a, bootstrap, api_ms < request_ms ? request_ms : api_ms) != 0)
        return -1;
    if (api_ms < request_ms) {
        if (api_set) {
            snprintf(a->err, sizeof(a->err),
                     "The specified value of default.api.timeout.ms must be no smaller than the value of "
                     "request.timeout.ms.");
            return -1;
        }
        /* Kafka prints its defaultApiTimeoutMs field here, not yet assigned
         * while the constructor computes it: always 0. */
        char m[300];
        snprintf(m, sizeof(m),
                 "[AdminClient clientId=adminclient-1] Overriding the default value for "
                 "default.api.timeout.ms (0) with the explicitly configured request timeout %d",
                 request_ms);
        log4j_line("WARN", m, "org.apache.kafka.clients.admin.KafkaAdminClient", NULL);
    }
    a->request_timeout_ms = request_ms;
    return 0;
}

void java_double(double d, int is_float, char *out, size_t n) {
    if (isnan(d)) {
        snprintf(out, n, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(out, n, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (d == 0) {
        snprintf(out, n, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    char e[64];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec, d);
        double back = strtod(e, NULL);
        if (is_float ? (float)back == (float)d : back == d)
            break;
    }
    /* e = [-]D[.DDD]e[+-]XX */
    char digits[32];
    int nd = 0, neg = e[0] == '-';
    const char *c = e + neg;
    for (; *c && *c != 'e'; c++)
        if (*c != '.')
            digits[nd++] = *c;
    digits[nd] = 0;
    int exp = atoi(c + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = 0;
    char buf[64];
    size_t b = 0;
    if (neg)
        buf[b++] = '-';
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++)
                buf[b++] = i < nd ? digits[i] : '0';
            buf[b++] = '.';
            if (nd > exp + 1)
                for (int i = exp + 1; i < nd; i++)
                    buf[b++] = digits[i];
            else
                buf[b++] = '0';
        } else {
            buf[b++] = '0';
            buf[b++] = '.';
            for (int i = 0; i < -exp - 1; i++)
                buf[b++] = '0';
            for (int i = 0; i < nd; i++)
                buf[b++] = digits[i];
        }
        buf[b] = 0;
    } else {
        buf[b++] = digits[0];
        buf[b++] = '.';
        if (nd > 1)
            for (int i = 1; i < nd; i++)
                buf[b++] = digits[i];
        else
            buf[b++] = '0';
        snprintf(buf + b, sizeof(buf) - b, "E%d", exp);
    }
    snprintf(out, n, "%s", buf);
}

void log4j_line(const char *level, const char *msg, const char *logger, const char *exception) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char ts[32], line[8192];
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    int n = snprintf(line, sizeof(line), "[%s,%03d] %s %s (%s)\n%s%s", ts, (int)(tv.tv_usec / 1000), level, msg,
                     logger, exception ? exception : "", exception ? "\n" : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    fflush(stdout);
    fwrite(line, 1, (size_t)n, stderr);
}

void java_socket_address(const char *host, const struct sockaddr *sa, char *out, size_t n) {
    char ip[64] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        const uint8_t *b = s6->sin6_addr.s6_addr;
        size_t o = 0;
        for (int i = 0; i < 8; i++)
            o += (size_t)snprintf(ip + o, sizeof(ip) - o, "%s%x", i ? ":" : "", (unsigned)(b[2 * i] << 8 | b[2 * i + 1]));
        port = ntohs(s6->sin6_port);
    }
    struct in_addr a4;
    struct in6_addr a6;
    int literal = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
    snprintf(out, n, "%s/%s:%d", literal ? "" : host, ip, port);
}

void log_not_connected(const char *client, int node, const char *address) {
    char msg[1024];
    snprintf(msg, sizeof(msg), "%sConnection to node %d (%s) could not be established. Broker may not be available.",
             client, node, address);
    log4j_line("WARN", msg, "org.apache.kafka.clients.NetworkClient", NULL);
}

void tools_die_exception(const char *cls, const char *msg) {
    fflush(stdout);
    fprintf(stderr, "Exception in thread \"main\" %s: %s\n", cls, msg);
    exit(1);
}

char *tools_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap && !(buf = realloc(buf, cap *= 2)))
            abort();
    }
    fclose(f);
    *len = n;
    return buf;
}

struct json *tools_read_json_file(const char *path) {
    size_t len;
    char *text = tools_read_file(path, &len);
    if (!text)
        tools_die_exception("java.nio.file.NoSuchFileException", path);
    json *js = json_parse(text, len);
    free(text);
    return js;
}

ka_tp_offset *tools_tp_file(kadmin *a, const char *path, tools_tp_parser parse, int arg, int *n) {
    size_t len;
    char *text = tools_read_file(path, &len);
    if (!text)
        tools_die_exception("java.nio.file.NoSuchFileException", path);
    ka_tp_offset *tps;
    tools_input_error e;
    int rc = parse(a, text, len, arg, &tps, n, &e);
    free(text);
    if (rc != 0)
        tools_die_exception(e.exception, e.message);
    return tps;
}
