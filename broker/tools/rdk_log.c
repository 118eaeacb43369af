/* rdk_log.c -- librdkafka's log lines, errors and connection events of the
 * tools, printed as Kafka 2.5's Java clients print them (see rdk_log.h).
 *
 * What librdkafka reports and what is printed for it:
 *
 *   a connection attempt that fails (broker state CONNECT -> DOWN, seen by
 *   the on_broker_state_change interceptor; the address comes from our
 *   connect callback, which connects as librdkafka would):
 *     WARN [C] Connection to node N (host/ip:port) could not be established.
 *     Broker may not be available. (org.apache.kafka.clients.NetworkClient)
 *   with N the broker id, or -1, -2, ... for the bootstrap servers in order,
 *   as the Java client numbers them; once per attempt, whatever librdkafka's
 *   own suppression of repeated errors does;
 *   topic errors in a Metadata response ("metadata" debug lines, with the
 *   correlation id the on_request_sent interceptor saw):
 *     WARN [C] Error while fetching metadata with correlation id 7 :
 *     {t=UNKNOWN_TOPIC_OR_PARTITION} (org.apache.kafka.clients.NetworkClient)
 *   (LEADER_NOT_AVAILABLE and the others alike);
 *   SASL / SSL failures:
 *     ERROR [C] Connection to node N (host/ip:port) failed authentication
 *     due to: <reason> (org.apache.kafka.clients.NetworkClient)
 *   request timeouts: WARN [C] Disconnecting from node N due to request
 *   timeout. (Kafka's own wording, which it logs at DEBUG: here it is the
 *   only sign of a broker that stopped answering);
 *   name resolution: WARN [C] Error connecting to node host:port (id: N
 *   rack: null), then java.net.UnknownHostException: host: <reason>;
 *   a property librdkafka ignores for this client type: WARN The
 *   configuration 'x' was supplied but isn't a known config.
 *   (org.apache.kafka.clients.producer.ProducerConfig);
 *   disconnections of established connections and librdkafka's summaries
 *   ("1/1 brokers are down", the error events repeating a logged failure):
 *   nothing, as Kafka logs those at DEBUG or not at all;
 *   anything else at librdkafka's WARNING or worse: WARN or ERROR [C] <its
 *   text>, with the client's class as logger.
 * [C] is "[Producer clientId=x]" or "[Consumer clientId=x, groupId=g]".
 * librdkafka's debug lines are dropped, unless the user asked for them with
 * the debug property: then they are printed as DEBUG lines.
 *
 * librdkafka calls the log callback and the interceptors from its own
 * threads: the client table is under a mutex, and each line is one write. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rdk_log.h"
#include "tools.h"

#define LOGGER_NETWORK "org.apache.kafka.clients.NetworkClient"

enum { MAX_CLIENTS = 256, MAX_BROKERS = 64, MAX_BOOT = 32, MAX_MD = 16, MAX_MD_TOPICS = 64, NAME_LEN = 320 };

typedef struct broker_state {
    char key[NAME_LEN]; /* "host:port/bootstrap" or "host:port/<id>" */
    char state[24];
} broker_state;

typedef struct md_sent {
    char broker[NAME_LEN];
    int32_t corrid;
} md_sent;

typedef struct rdk_client {
    rd_kafka_t *rk; /* NULL until on_new */
    const char *logger; /* the Java client's class */
    int consumer;
    int closing; /* rd_kafka_destroy() called */
    char prefix[640];
    char *boot[MAX_BOOT]; /* "host:port" of bootstrap.servers, in order */
    int nboot;
    int user_debug;
    broker_state brokers[MAX_BROKERS];
    int nbrokers;
    md_sent md[MAX_MD]; /* Metadata requests sent, not yet answered */
    int nmd;
    /* the Metadata response whose debug lines are being read */
    int md_active;
    int32_t md_corrid;
    char *md_topic[MAX_MD_TOPICS];
    const char *md_error[MAX_MD_TOPICS];
    int md_n;
} rdk_client;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static rdk_client *clients[MAX_CLIENTS];
static int nclients;
static rdk_log_sink_fn *sink;

/* Peer address of the last connection attempt per "host:port" (the
 * connect callback's id), in Java's InetSocketAddress.toString() form
 * ("localhost/127.0.0.1:9092"). */
static struct {
    char key[NAME_LEN];
    char addr[NAME_LEN];
} addrs[MAX_BROKERS];
static int naddrs;

void rdk_log_set_sink(rdk_log_sink_fn *fn) { sink = fn; }

static const char *client_logger(const rdk_client *c) {
    return c ? c->logger : "org.apache.kafka.clients.producer.KafkaProducer";
}

static void emit_ex(const char *level, const rdk_client *c, const char *logger, const char *exception,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void emit_ex(const char *level, const rdk_client *c, const char *logger, const char *exception,
                    const char *fmt, ...) {
    char text[4096], msg[4800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "%s%s", c ? c->prefix : "", text);
    if (sink) {
        sink(level, msg, logger);
        if (exception)
            sink(level, exception, logger);
    } else
        log4j_line(level, msg, logger, exception);
}
#define emit(level, c, logger, ...) emit_ex(level, c, logger, NULL, __VA_ARGS__)

/* The client of rk; a client whose rd_kafka_new() is still running (rk not
 * yet known) stands in for an unknown rk. Caller holds lock. */
static rdk_client *client_of(const rd_kafka_t *rk) {
    rdk_client *pending = NULL;
    for (int i = 0; i < nclients; i++) {
        if (clients[i]->rk == rk)
            return clients[i];
        if (!clients[i]->rk)
            pending = clients[i];
    }
    return pending;
}

/* "sasl_ssl://host:port/id" -> "host:port/id" */
static const char *strip_proto(const char *name) {
    const char *p = strstr(name, "://");
    return p ? p + 3 : name;
}

/* The address of broker key "host:port/..." */
static const char *address_of(const char *key, char *out, size_t n) {
    const char *found = NULL;
    size_t hp = strcspn(key, "/");
    pthread_mutex_lock(&lock);
    for (int i = 0; i < naddrs; i++)
        if (strlen(addrs[i].key) == hp && !strncmp(addrs[i].key, key, hp)) {
            snprintf(out, n, "%s", addrs[i].addr);
            found = out;
        }
    pthread_mutex_unlock(&lock);
    return found;
}

/* connect_cb: remembers the peer address, then connects as librdkafka does
 * (non-blocking; it waits for the outcome itself). */
static int on_connect(int fd, const struct sockaddr *addr, int addrlen, const char *id, void *opaque) {
    (void)opaque;
    char key[NAME_LEN], host[NAME_LEN], addr_s[NAME_LEN];
    snprintf(key, sizeof(key), "%s", strip_proto(id));
    key[strcspn(key, "/")] = 0;
    snprintf(host, sizeof(host), "%s", key);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = 0;
    if (host[0] == '[') { /* "[::1]:9092" */
        memmove(host, host + 1, strlen(host));
        char *rb = strchr(host, ']');
        if (rb)
            *rb = 0;
    }
    java_socket_address(host, addr, addr_s, sizeof(addr_s));
    pthread_mutex_lock(&lock);
    int i;
    for (i = 0; i < naddrs && strcmp(addrs[i].key, key); i++)
        ;
    if (i == naddrs && naddrs < MAX_BROKERS)
        naddrs++;
    if (i < naddrs) {
        snprintf(addrs[i].key, sizeof(addrs[i].key), "%s", key);
        snprintf(addrs[i].addr, sizeof(addrs[i].addr), "%s", addr_s);
    }
    pthread_mutex_unlock(&lock);
    if (connect(fd, addr, (socklen_t)addrlen) == -1 && errno != EINPROGRESS)
        return errno;
    return 0;
}

/* Java's node id for a librdkafka broker key: the broker id, or -1, -2...
 * for the bootstrap servers in the order given. */
static int node_id(const rdk_client *c, const char *key) {
    const char *slash = strrchr(key, '/');
    if (!slash)
        return -1;
    if (strcmp(slash + 1, "bootstrap"))
        return atoi(slash + 1);
    for (int i = 0; i < c->nboot; i++)
        if (strlen(c->boot[i]) == (size_t)(slash - key) && !strncmp(c->boot[i], key, (size_t)(slash - key)))
            return -(i + 1);
    return -1;
}

/* "Connection to node N (addr)" for broker key; 0 if the address is not
 * known (no connection attempt reached connect()). */
static int describe_node(const rdk_client *c, const char *key, char *out, size_t n) {
    char addr[NAME_LEN];
    if (!address_of(key, addr, sizeof(addr)))
        return 0;
    snprintf(out, n, "Connection to node %d (%s)", node_id(c, key), addr);
    return 1;
}

/* A Metadata request sent: its correlation id waits for the response's
 * debug lines. (librdkafka 2.0's on_response_received reports correlation
 * id 0; a connection answers in order, so the oldest id sent to a broker
 * is the one answered.) */
static rd_kafka_resp_err_t on_request(rd_kafka_t *rk, int sockfd, const char *brokername, int32_t brokerid,
                                      int16_t ApiKey, int16_t ApiVersion, int32_t CorrId, size_t size,
                                      void *ic_opaque) {
    (void)rk, (void)sockfd, (void)brokerid, (void)ApiVersion, (void)size;
    rdk_client *c = ic_opaque;
    if (ApiKey != 3 || !brokername) /* Metadata */
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    pthread_mutex_lock(&lock);
    if (c->nmd == MAX_MD) { /* never answered: drop the oldest */
        memmove(c->md, c->md + 1, sizeof(c->md[0]) * (MAX_MD - 1));
        c->nmd--;
    }
    snprintf(c->md[c->nmd].broker, sizeof(c->md[0].broker), "%s", brokername);
    c->md[c->nmd++].corrid = CorrId;
    pthread_mutex_unlock(&lock);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* A connection closed: its unanswered requests are gone. Caller holds lock. */
static void md_forget(rdk_client *c, const char *name, int port, int32_t broker_id) {
    char key[NAME_LEN];
    if (broker_id < 0)
        snprintf(key, sizeof(key), "%s:%d/bootstrap", name, port);
    else
        snprintf(key, sizeof(key), "%s:%d/%d", name, port, (int)broker_id);
    int j = 0;
    for (int i = 0; i < c->nmd; i++)
        if (strcmp(strip_proto(c->md[i].broker), key))
            c->md[j++] = c->md[i];
    c->nmd = j;
}

static rd_kafka_resp_err_t on_state_change(rd_kafka_t *rk, int32_t broker_id, const char *secproto,
                                           const char *name, int port, const char *state, void *ic_opaque) {
    (void)rk;
    (void)secproto;
    rdk_client *c = ic_opaque;
    if (port <= 0) /* a logical broker (GroupCoordinator): its connection is a real broker's */
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    char key[NAME_LEN], prev[24] = "";
    if (broker_id < 0)
        snprintf(key, sizeof(key), "%s:%d/bootstrap", name, port);
    else
        snprintf(key, sizeof(key), "%s:%d/%d", name, port, (int)broker_id);
    pthread_mutex_lock(&lock);
    int i;
    for (i = 0; i < c->nbrokers && strcmp(c->brokers[i].key, key); i++)
        ;
    if (i == c->nbrokers && c->nbrokers < MAX_BROKERS)
        snprintf(c->brokers[c->nbrokers++].key, sizeof(c->brokers[0].key), "%s", key);
    if (i < c->nbrokers) {
        snprintf(prev, sizeof(prev), "%s", c->brokers[i].state);
        snprintf(c->brokers[i].state, sizeof(c->brokers[i].state), "%s", state);
    }
    if (!strcmp(state, "DOWN"))
        md_forget(c, name, port, broker_id);
    int closing = c->closing;
    pthread_mutex_unlock(&lock);
    if (closing)
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    char node[NAME_LEN + 64];
    if (!strcmp(prev, "CONNECT") && !strcmp(state, "DOWN") && describe_node(c, key, node, sizeof(node)))
        emit("WARN", c, LOGGER_NETWORK, "%s could not be established. Broker may not be available.", node);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* rd_kafka_destroy() begins: the broker threads still run and report their
 * connections closing, which Kafka does not log. The client stays in the
 * table (its threads may still log); the tools make a handful of them. */
static rd_kafka_resp_err_t on_destroy(rd_kafka_t *rk, void *ic_opaque) {
    (void)rk;
    rdk_client *c = ic_opaque;
    pthread_mutex_lock(&lock);
    c->closing = 1;
    pthread_mutex_unlock(&lock);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t on_new(rd_kafka_t *rk, const rd_kafka_conf_t *conf, void *ic_opaque, char *errstr,
                                  size_t errstr_size) {
    (void)conf, (void)errstr, (void)errstr_size;
    rdk_client *c = ic_opaque;
    pthread_mutex_lock(&lock);
    c->rk = rk;
    pthread_mutex_unlock(&lock);
    rd_kafka_interceptor_add_on_broker_state_change(rk, "rdk_log", on_state_change, c);
    rd_kafka_interceptor_add_on_request_sent(rk, "rdk_log", on_request, c);
    rd_kafka_interceptor_add_on_destroy(rk, "rdk_log", on_destroy, c);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Kafka's Errors name for a librdkafka error text ("Broker: Leader not
 * available" -> LEADER_NOT_AVAILABLE). */
static const char *error_name(const char *text) {
    const struct rd_kafka_err_desc *d;
    size_t n;
    rd_kafka_get_err_descs(&d, &n);
    for (size_t i = 0; i < n; i++)
        if (d[i].desc && !strcmp(d[i].desc, text) && d[i].code > 0)
            return kerror_lookup(d[i].code)->name;
    return NULL;
}

static void md_reset(rdk_client *c) {
    for (int i = 0; i < c->md_n; i++)
        free(c->md_topic[i]);
    c->md_n = 0;
    c->md_active = 0;
}

/* NetworkClient's "Error while fetching metadata": Map<String, Errors> as
 * a HashMap prints it. */
static void md_emit(rdk_client *c) {
    if (c->md_n == 0)
        return;
    int32_t hashes[MAX_MD_TOPICS];
    int order[MAX_MD_TOPICS];
    for (int i = 0; i < c->md_n; i++)
        hashes[i] = java_string_hash(c->md_topic[i]);
    java_hashmap_order(hashes, c->md_n, 0, order);
    char map[3000];
    size_t o = 0;
    map[o++] = '{';
    for (int i = 0; i < c->md_n && o < sizeof(map) - 2; i++)
        o += (size_t)snprintf(map + o, sizeof(map) - o, "%s%s=%s", i ? ", " : "", c->md_topic[order[i]],
                              c->md_error[order[i]]);
    if (o > sizeof(map) - 2)
        o = sizeof(map) - 2;
    map[o++] = '}';
    map[o] = 0;
    emit("WARN", c, LOGGER_NETWORK, "Error while fetching metadata with correlation id %d : %s", (int)c->md_corrid,
         map);
}

/* The "metadata" debug lines of one Metadata response:
 *   "<broker>: ===== Received metadata (...): <reason> ====="
 *   "<broker>:   Topic #<i>/<n>: <topic> with <p> partitions[: <error>]" */
static void md_line(rdk_client *c, const char *buf) {
    const char *p;
    if ((p = strstr(buf, ": ===== Received metadata"))) {
        md_reset(c);
        pthread_mutex_lock(&lock);
        for (int i = 0; i < c->nmd; i++)
            if (strlen(c->md[i].broker) == (size_t)(p - buf) && !strncmp(c->md[i].broker, buf, (size_t)(p - buf))) {
                c->md_corrid = c->md[i].corrid;
                c->md_active = 1;
                memmove(c->md + i, c->md + i + 1, sizeof(c->md[0]) * (size_t)(c->nmd - i - 1));
                c->nmd--;
                break;
            }
        pthread_mutex_unlock(&lock);
        return;
    }
    if (!c->md_active || !(p = strstr(buf, ":   Topic #")))
        return;
    int idx, cnt, used = 0;
    if (sscanf(p, ":   Topic #%d/%d: %n", &idx, &cnt, &used) != 2 || !used)
        return;
    const char *topic = p + used, *with = strstr(topic, " with ");
    if (!with)
        return;
    const char *err = strstr(with, " partitions: ");
    if (err && c->md_n < MAX_MD_TOPICS) {
        const char *name = error_name(err + strlen(" partitions: "));
        if (name) {
            c->md_topic[c->md_n] = strndup(topic, (size_t)(with - topic));
            c->md_error[c->md_n++] = name;
        }
    }
    if (idx == cnt - 1) {
        md_emit(c);
        md_reset(c);
    }
}

/* A broker failure ("FAIL"): "<broker>: <text> (after Nms in state S...)". */
static void fail_line(rdk_client *c, const char *buf) {
    char key[NAME_LEN], text[2048], node[NAME_LEN + 64];
    const char *sep = strstr(buf, ": ");
    if (!sep || (size_t)(sep - buf) >= sizeof(key)) {
        emit("WARN", c, LOGGER_NETWORK, "%s", buf);
        return;
    }
    char named[NAME_LEN];
    snprintf(named, sizeof(named), "%.*s", (int)(sep - buf), buf);
    snprintf(key, sizeof(key), "%s", strip_proto(named));
    snprintf(text, sizeof(text), "%s", sep + 2);
    char *after = strstr(text, " (after ");
    if (after)
        *after = 0;
    if (!strncmp(text, "Connect to ", 11)) /* printed from the broker state change */
        return;
    if (!strncmp(text, "Disconnected", 12) && !strstr(text, "ApiVersion"))
        return; /* an established connection closed: DEBUG in Kafka */
    if (!strncmp(text, "Receive failed", 14) || !strncmp(text, "Send failed", 11))
        return;
    if (!strncmp(text, "Failed to resolve '", 19)) {
        char host[NAME_LEN], ex[2400];
        snprintf(host, sizeof(host), "%s", key);
        char *slash = strrchr(host, '/');
        if (slash)
            *slash = 0;
        const char *reason = strstr(text, "': ");
        char *colon = strrchr(host, ':');
        snprintf(ex, sizeof(ex), "java.net.UnknownHostException: %.*s: %s", colon ? (int)(colon - host) : (int)strlen(host),
                 host, reason ? reason + 3 : text);
        emit_ex("WARN", c, LOGGER_NETWORK, ex, "Error connecting to node %s (id: %d rack: null)", host,
                node_id(c, key));
        return;
    }
    const char *auth = strstr(text, "SASL authentication error: ");
    if (auth)
        auth += strlen("SASL authentication error: ");
    else if (strstr(text, "SASL") || strstr(text, "SSL handshake failed"))
        auth = text; /* e.g. "Failed to initialize SASL authentication: SASL Handshake not supported by broker" */
    if (!describe_node(c, key, node, sizeof(node)))
        snprintf(node, sizeof(node), "Connection to node %d", node_id(c, key));
    if (auth) {
        emit("ERROR", c, LOGGER_NETWORK, "%s failed authentication due to: %s", node, auth);
        return;
    }
    if (strstr(text, "request(s) timed out")) {
        emit("WARN", c, LOGGER_NETWORK, "Disconnecting from node %d due to request timeout.", node_id(c, key));
        return;
    }
    emit("WARN", c, LOGGER_NETWORK, "%s: %s", node, text);
}

/* "Configuration property x is a consumer property and will be ignored by
 * this producer instance" -> AbstractConfig.logUnused's line. */
static int confwarn_line(const rdk_client *c, const char *buf) {
    char prop[256];
    if (sscanf(buf, "Configuration property %255s is a", prop) != 1 || !strstr(buf, "will be ignored"))
        return 0;
    rdk_client bare = *c;
    bare.prefix[0] = 0;
    emit("WARN", &bare, c->consumer ? "org.apache.kafka.clients.consumer.ConsumerConfig"
                                    : "org.apache.kafka.clients.producer.ProducerConfig",
         "The configuration '%s' was supplied but isn't a known config.", prop);
    return 1;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    pthread_mutex_lock(&lock);
    rdk_client *c = client_of(rk);
    pthread_mutex_unlock(&lock);
    if (!c)
        return;
    if (level >= 7) {
        if (!strcmp(fac, "METADATA"))
            md_line(c, buf);
        if (c->user_debug)
            emit("DEBUG", c, client_logger(c), "%s: %s", fac, buf);
        return;
    }
    if (level >= 5) /* NOTICE, INFO: below the tools' WARN threshold */
        return;
    if (!strcmp(fac, "FAIL")) {
        fail_line(c, buf);
        return;
    }
    if (!strcmp(fac, "REQTMOUT")) /* followed by a FAIL "request(s) timed out" */
        return;
    if (!strcmp(fac, "CONFWARN") && confwarn_line(c, buf))
        return;
    emit(level <= 3 ? "ERROR" : "WARN", c, client_logger(c), "%s", buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)opaque;
    switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED:
        return; /* the same failure was logged (FAIL, MAXPOLL) */
    default:
        break;
    }
    pthread_mutex_lock(&lock);
    rdk_client *c = client_of(rk);
    pthread_mutex_unlock(&lock);
    char fatal[512];
    if (err == RD_KAFKA_RESP_ERR__FATAL && rd_kafka_fatal_error(rk, fatal, sizeof(fatal)))
        emit("ERROR", c, client_logger(c), "%s", fatal);
    else
        emit(err == RD_KAFKA_RESP_ERR__FATAL ? "ERROR" : "WARN", c, client_logger(c), "%s", reason);
}

static void conf_set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[256];
    rd_kafka_conf_set(conf, k, v, err, sizeof(err));
}

static void conf_get(const rd_kafka_conf_t *conf, const char *k, char *out, size_t n) {
    size_t len = n;
    if (rd_kafka_conf_get(conf, k, out, &len) != RD_KAFKA_CONF_OK)
        out[0] = 0;
}

void rdk_log_attach(rd_kafka_conf_t *conf, const char *java_client) {
    rdk_client *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->consumer = !strcmp(java_client, "Consumer");
    c->logger = c->consumer                            ? "org.apache.kafka.clients.consumer.KafkaConsumer"
                : !strcmp(java_client, "AdminClient") ? "org.apache.kafka.clients.admin.KafkaAdminClient"
                                                      : "org.apache.kafka.clients.producer.KafkaProducer";
    char id[256], group[256], instance[256], boot[4096], debug[512], v[64];
    conf_get(conf, "client.id", id, sizeof(id));
    conf_get(conf, "group.id", group, sizeof(group));
    conf_get(conf, "group.instance.id", instance, sizeof(instance));
    if (!c->consumer)
        snprintf(c->prefix, sizeof(c->prefix), "[%s clientId=%s] ", java_client, id);
    else if (*instance)
        snprintf(c->prefix, sizeof(c->prefix), "[Consumer instanceId=%s, clientId=%s, groupId=%s] ", instance, id,
                 *group ? group : "null");
    else
        snprintf(c->prefix, sizeof(c->prefix), "[Consumer clientId=%s, groupId=%s] ", id, *group ? group : "null");
    conf_get(conf, "bootstrap.servers", boot, sizeof(boot));
    char *save = NULL;
    for (char *t = strtok_r(boot, ", ", &save); t && c->nboot < MAX_BOOT; t = strtok_r(NULL, ", ", &save))
        c->boot[c->nboot++] = strdup(strip_proto(t));
    /* the "metadata" debug lines carry the topic errors of Metadata
     * responses; debug lines reach on_log only at log_level 7 */
    conf_get(conf, "debug", debug, sizeof(debug));
    c->user_debug = debug[0] != 0;
    char contexts[600];
    snprintf(contexts, sizeof(contexts), "%s%smetadata", debug, c->user_debug ? "," : "");
    conf_set(conf, "debug", contexts);
    conf_set(conf, "log_level", "7");
    conf_set(conf, "log.thread.name", "false");
    /* the Java clients' reconnect backoff, unless set: librdkafka's own
     * defaults are 100 ms and 10 s */
    conf_get(conf, "reconnect.backoff.ms", v, sizeof(v));
    if (!strcmp(v, "100"))
        conf_set(conf, "reconnect.backoff.ms", "50");
    conf_get(conf, "reconnect.backoff.max.ms", v, sizeof(v));
    if (!strcmp(v, "10000"))
        conf_set(conf, "reconnect.backoff.max.ms", "1000");
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_connect_cb(conf, on_connect);
    pthread_mutex_lock(&lock);
    if (nclients < MAX_CLIENTS)
        clients[nclients++] = c;
    pthread_mutex_unlock(&lock);
    rd_kafka_conf_interceptor_add_on_new(conf, "rdk_log", on_new, c);
}
