/* log_dir_event.c -- the controller's side of /log_dir_event_notification
 * (Kafka 2.5's LogDirEventNotification event and onBrokerLogDirFailure).
 *
 * A broker whose log directory failed writes a sequential znode
 * log_dir_event_<seq> holding {"version":1,"broker":<id>,"event":1}
 * (log_dir_failure.c). The controller watches the children, reads each
 * notification, deletes it, and logs "Handling log directory failure for
 * brokers <ids>". Kafka's controller then learns which replicas of the
 * broker are offline from the KAFKA_STORAGE_ERROR answers to the
 * LeaderAndIsr request it sends it; here it asks the broker with
 * DescribeLogDirs v1 (every partition of its online directories): a replica
 * the controller has on that broker, in the ISR or leading, that no online
 * directory holds is on a failed one. Those are marked offline ("Mark
 * replicas ... on broker <id> as offline", state.change.logger) and the
 * usual election runs for their partitions: an offline replica may neither
 * lead nor stay in the ISR (Kafka's OfflineReplica), so the partition gets
 * a leader from the rest of its ISR. The marks last until the broker
 * registers again (a new broker epoch), as Kafka drops replicasOnOfflineDirs
 * of a restarted broker. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "json.h"
#include "kclient.h"
#include "log_dir_event.h"
#include "logger.h"
#include "proto.h"
#include "zk_notifications.h"

#define NOTIFICATION_DIR "/log_dir_event_notification"
#define NOTIFICATION_NAME "log_dir_event_"
#define ASK_TIMEOUT_MS 10000
#define ASK_RETRIES 5
#define ASK_BACKOFF_MS 1000

/* ------------------------------------------------------------------------
 * Offline replicas (Kafka's ControllerContext.replicasOnOfflineDirs)
 * ---------------------------------------------------------------------- */
typedef struct offline_replica {
    part_ref *ref;
    int32_t broker;
    int64_t broker_epoch; /* the registration it was seen offline in */
} offline_replica;

static offline_replica *offline;
static int noffline, cap_offline;

static int64_t broker_epoch_of(int32_t id) {
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == id)
            return B.nodes[i].epoch;
    return -2;
}

int log_dir_replica_offline(const partition *p, int32_t broker) {
    for (int i = 0; i < noffline; i++) {
        offline_replica *o = &offline[i];
        if (o->broker == broker && o->ref->partition == p->id &&
            !strcmp(o->ref->topic, p->topic->name))
            return o->broker_epoch == broker_epoch_of(broker);
    }
    return 0;
}

static void mark_offline(const partition *p, int32_t broker, int64_t epoch) {
    for (int i = 0; i < noffline; i++)
        if (offline[i].broker == broker && offline[i].ref->partition == p->id &&
            !strcmp(offline[i].ref->topic, p->topic->name)) {
            offline[i].broker_epoch = epoch;
            return;
        }
    if (noffline == cap_offline) {
        cap_offline = cap_offline ? cap_offline * 2 : 16;
        offline = realloc(offline, (size_t)cap_offline * sizeof(*offline));
        if (!offline)
            abort();
    }
    offline[noffline++] = (offline_replica){part_ref_new(p->topic->name, p->id), broker, epoch};
}

/* Drops the marks of registrations that are over (the broker restarted or left). */
static void forget_old_marks(void) {
    int k = 0;
    for (int i = 0; i < noffline; i++) {
        if (offline[i].broker_epoch == broker_epoch_of(offline[i].broker))
            offline[k++] = offline[i];
        else
            part_ref_free(offline[i].ref);
    }
    noffline = k;
}

/* ------------------------------------------------------------------------
 * Asking the broker (DescribeLogDirs v1) which replicas it still serves
 * ---------------------------------------------------------------------- */
typedef struct ask {
    int32_t broker;
    int64_t broker_epoch;
    int tries;
    kclient *kc;
} ask;

/* The partitions of the answer's online directories. */
typedef struct online_set {
    kstr *topics;
    int32_t *parts;
    int n, cap;
} online_set;

static void online_add(online_set *s, kstr topic, int32_t part) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->topics = realloc(s->topics, (size_t)s->cap * sizeof(*s->topics));
        s->parts = realloc(s->parts, (size_t)s->cap * sizeof(*s->parts));
        if (!s->topics || !s->parts)
            abort();
    }
    s->topics[s->n] = topic;
    s->parts[s->n++] = part;
}

static int online_has(const online_set *s, const char *topic, int32_t part) {
    size_t len = strlen(topic);
    for (int i = 0; i < s->n; i++)
        if (s->parts[i] == part && (size_t)s->topics[i].len == len &&
            !memcmp(s->topics[i].s, topic, len))
            return 1;
    return 0;
}

/* 0, or -1 if the answer is malformed. */
static int parse_answer(const uint8_t *body, size_t len, online_set *s) {
    rbuf rb;
    rb_init(&rb, body, len);
    int32_t throttle, ndirs;
    rb_read_i32(&rb, &throttle);
    rb_read_i32(&rb, &ndirs);
    rb_check_count_nn(&rb, ndirs, 8);
    for (int32_t d = 0; d < ndirs; d++) {
        int16_t error_code;
        kstr dir;
        int32_t ntopics;
        rb_read_i16(&rb, &error_code);
        rb_read_str(&rb, &dir);
        rb_read_i32(&rb, &ntopics);
        rb_check_count_nn(&rb, ntopics, 6);
        for (int32_t t = 0; t < ntopics; t++) {
            kstr name;
            int32_t nparts;
            rb_read_str(&rb, &name);
            rb_read_i32(&rb, &nparts);
            rb_check_count_nn(&rb, nparts, 21);
            for (int32_t p = 0; p < nparts; p++) {
                int32_t partition;
                int64_t size, lag;
                int8_t is_future;
                rb_read_i32(&rb, &partition);
                rb_read_i64(&rb, &size);
                rb_read_i64(&rb, &lag);
                rb_read_i8(&rb, &is_future);
                if (error_code == ERR_NONE && !is_future)
                    online_add(s, name, partition);
            }
        }
    }
    return 0;
err_parse:
    return -1;
}

typedef struct mark_walk {
    const online_set *online;
    int32_t broker;
    int64_t epoch;
    char list[1024];
    size_t at;
    int marked;
} mark_walk;

static void mark_cb(topic *t, void *arg) {
    mark_walk *m = arg;
    if (t->deleting)
        return;
    int touched = 0;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (!id_in_list(p->replicas, p->nreplicas, m->broker) ||
            (p->leader != m->broker && !id_in_list(p->isr, p->nisr, m->broker)) ||
            online_has(m->online, t->name, p->id) || log_dir_replica_offline(p, m->broker))
            continue;
        mark_offline(p, m->broker, m->epoch);
        if (m->at < sizeof(m->list))
            m->at += (size_t)snprintf(m->list + m->at, sizeof(m->list) - m->at, "%s%s-%d",
                                      m->marked ? "," : "", t->name, p->id);
        m->marked++;
        touched = 1;
    }
    if (touched)
        controller_check_partitions(t); /* elections without the offline replicas */
}

static void ask_broker(ask *a);

static int retry_timer(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    ask_broker(arg);
    return AE_NOMORE;
}

static void ask_failed(ask *a, const char *why) {
    if (++a->tries >= ASK_RETRIES || !B.is_controller ||
        broker_epoch_of(a->broker) != a->broker_epoch) {
        log_warn(LOG_CTRL, "[Controller id=%d] Could not learn the offline replicas of broker %d: "
                 "%s", B.id, a->broker, why);
        free(a);
        return;
    }
    aeCreateTimeEvent(B.el, ASK_BACKOFF_MS, retry_timer, a);
}

static void on_answer(void *arg, int err, const uint8_t *body, size_t len) {
    ask *a = arg;
    online_set online = {0};
    kclient *kc = a->kc;
    a->kc = NULL;
    if (err != KCLIENT_OK) {
        kclient_close(kc);
        ask_failed(a, err == KCLIENT_ERR_TIMEOUT ? "request timed out" : "connection failed");
        return;
    }
    int rc = parse_answer(body, len, &online);
    if (rc == 0 && B.is_controller && broker_epoch_of(a->broker) == a->broker_epoch) {
        mark_walk m = {.online = &online, .broker = a->broker, .epoch = a->broker_epoch};
        topic_foreach(mark_cb, &m);
        if (m.marked)
            log_info(LOG_STATE, "[Controller id=%d epoch=%d] Mark replicas %s on broker %d as "
                     "offline", B.id, B.controller_epoch, m.list, a->broker);
    }
    free(online.topics);
    free(online.parts);
    kclient_close(kc); /* after the parse: body belongs to the client */
    if (rc != 0)
        ask_failed(a, "malformed DescribeLogDirs response");
    else
        free(a);
}

static void ask_broker(ask *a) {
    const struct broker_node *node = NULL;
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == a->broker)
            node = &B.nodes[i];
    if (!node || node->epoch != a->broker_epoch || !B.is_controller) {
        free(a); /* gone or restarted: its replicas are handled as the broker's */
        return;
    }
    char client_id[64];
    snprintf(client_id, sizeof(client_id), "controller-%d", B.id);
    a->kc = kclient_new(B.el, node->host, node->port, client_id, ASK_TIMEOUT_MS, -1);
    wbuf w;
    wb_init(&w, 8);
    wb_i32(&w, -1); /* topics: null = every partition */
    kclient_send(a->kc, ApiKey_DescribeLogDirs, 1, 0, &w, ASK_TIMEOUT_MS, on_answer, a);
    wb_free(&w);
}

/* Kafka's onBrokerLogDirFailure */
static void broker_log_dir_failed(int32_t broker) {
    forget_old_marks();
    int64_t epoch = broker_epoch_of(broker);
    if (epoch == -2)
        return; /* not registered: its session's end moves its leaderships */
    log_info(LOG_CTRL, "[Controller id=%d] Handling log directory failure for brokers %d", B.id,
             broker);
    ask *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->broker = broker;
    a->broker_epoch = epoch;
    ask_broker(a);
}

/* ------------------------------------------------------------------------
 * The notifications
 * ---------------------------------------------------------------------- */
static void handle_notification(const char *path, const char *data, int len) {
    json *j = data && len > 0 ? json_parse(data, (size_t)len) : NULL;
    int64_t version = 0, broker = -1;
    if (json_int(json_get(j, "version"), &version) == 0 && version == 1 &&
        json_int(json_get(j, "broker"), &broker) == 0 && broker >= 0 && broker <= INT32_MAX)
        broker_log_dir_failed((int32_t)broker);
    else
        log_warn(LOG_CTRL, "[Controller id=%d] Dropping %s: not a log dir event notification of "
                 "version 1", B.id, path);
    json_free(j);
}

static const zk_notification_dir notifications = {NOTIFICATION_DIR, NOTIFICATION_NAME,
                                                  handle_notification};

void log_dir_event_watch(void) { zk_notifications_process(&notifications); }

int log_dir_event_is_watched_path(const char *path) { return !strcmp(path, NOTIFICATION_DIR); }
