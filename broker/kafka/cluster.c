/* cluster.c -- the broker's life in ZooKeeper, with Kafka 2.5's layout.
 *
 * On each (new) session the broker: creates the persistent paths, reads or
 * creates /cluster/id, registers the ephemeral /brokers/ids/<id>, tries to
 * become controller (controller.c), then loads its dynamic configs
 * (/config/brokers/<id> and <default>) and topics (/brokers/topics/<t>,
 * their partition states and /config/topics/<t>), keeping watches on all
 * of it (configs through /config/changes notifications). Every broker reads partition state from ZooKeeper and leads or
 * follows accordingly (replica.c); the controller writes it (new
 * partitions, elections), and a leader writes its ISR changes
 * (cluster_write_isr).
 *
 * Requests that change topics write to ZooKeeper and, as Kafka 2.5's
 * AdminManager, either answer right away (timeout_ms <= 0) or complete once
 * this broker's own view shows the change or their timeout_ms has passed
 * (waiters, checked after each update and on the broker's timer).
 * On session expiry the broker stops leading anything (no stale
 * leadership), opens a new session and goes through the steps again. */
#include "cluster.h"
#include "cluster_internal.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "array.h"
#include "broker.h"
#include "checkpoint.h"
#include "controller_channel.h"
#include "dynamic_config.h"
#include "json.h"
#include "isr_change.h"
#include "log_dir_event.h"
#include "log_dir_failure.h"
#include "logger.h"
#include "placement.h"
#include "reassign.h"
#include "replica.h"
#include "service_notify.h"
#include "zkclient.h"

zkc *cluster_zk;
static int reload_all_topics; /* a new session: known topics are read again too */
static int loading;     /* outstanding reads of the initial load */
static int load_done;
static int fatal_error;
static long long retry_timer = -1;

static void establish(void);
static void load_topic(const char *name);
static void state_exists_cb(int rc, const jute_stat *st, void *arg);
static void check_waiters(void);

/* ------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------- */
const char *zk_error_name(int rc) {
    switch (rc) {
    case ZNONODE: return "NoNode";
    case ZNODEEXISTS: return "NodeExists";
    case ZBADVERSION: return "BadVersion";
    case ZCONNECTIONLOSS: return "ConnectionLoss";
    case ZSESSIONEXPIRED: return "SessionExpired";
    case ZNOTEMPTY: return "NotEmpty";
    case ZBADARGUMENTS: return "BadArguments (a znode larger than jute.maxbuffer?)";
    default: return "ZooKeeper error";
    }
}

int broker_alive(int32_t id) {
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == id)
            return 1;
    return 0;
}

int cluster_live_broker_count(void) { return B.nnodes; }
int cluster_ready(void) { return B.registered && load_done; }

void write_int_list(wbuf *w, const int32_t *a, int n) {
    wb_i8(w, '[');
    for (int i = 0; i < n; i++) {
        char num[16];
        int l = snprintf(num, sizeof(num), "%s%d", i ? "," : "", a[i]);
        wb_write(w, num, (size_t)l);
    }
    wb_i8(w, ']');
}

void wbuf_printf(wbuf *w, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    wb_write(w, tmp, (size_t)(n < (int)sizeof(tmp) ? n : (int)sizeof(tmp) - 1));
}

int parse_int_list(const json *a, int32_t **out) {
    if (!a || a->type != JSON_ARRAY)
        return -1;
    *out = calloc((size_t)(a->n > 0 ? a->n : 1), sizeof(int32_t));
    if (!*out)
        abort();
    for (int i = 0; i < a->n; i++) {
        int64_t v;
        if (json_int(a->items[i], &v) != 0) {
            free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[i] = (int32_t)v;
    }
    return a->n;
}

/* ------------------------------------------------------------------------
 * Waiters: admin requests waiting for the local view to catch up
 *
 * Kafka 2.5's AdminManager (createTopics, deleteTopics, createPartitions):
 * with timeout_ms <= 0 the item is answered as soon as its ZooKeeper write is
 * done, with REQUEST_TIMED_OUT (the change is under way; librdkafka hides
 * that code from an application whose operation_timeout is 0). Otherwise it
 * waits in the topic purgatory until the metadata shows the change: every
 * partition of the topic has a leader (DelayedCreatePartitions, for topics
 * and added partitions) or the topic is gone (DelayedDeleteTopics). When
 * timeout_ms passes first, the item gets REQUEST_TIMED_OUT without a
 * message. Deadlines are checked after each update and on the broker's
 * timer (cluster_periodic), so an expired item is answered within a tick.
 * ---------------------------------------------------------------------- */
enum { WAIT_CREATE, WAIT_DELETE, WAIT_PARTITIONS };

typedef struct waiter {
    char *topic;
    int kind;
    int target; /* create, partitions: the topic's partition count */
    int64_t deadline;
    int16_t outcome; /* once settled: ERR_NONE or ERR_REQUEST_TIMED_OUT */
    cluster_done_cb *cb;
    void *arg;
    struct waiter *next;
} waiter;

static waiter *waiters;

static void add_waiter(const char *t, int kind, int target, int32_t timeout_ms,
                       cluster_done_cb *cb, void *arg) {
    if (timeout_ms <= 0) {
        cb(arg, ERR_REQUEST_TIMED_OUT, NULL);
        return;
    }
    waiter *w = calloc(1, sizeof(*w));
    if (!w)
        abort();
    w->topic = xstrdup(t);
    w->kind = kind;
    w->target = target;
    w->deadline = ae_mono_ms() + timeout_ms;
    w->cb = cb;
    w->arg = arg;
    w->next = waiters;
    waiters = w;
    check_waiters();
}

/* DelayedCreatePartitions.isMissingLeader: a partition not known yet, or
 * known without a leader, is not complete. */
static int topic_complete(topic *t, int min_partitions) {
    if (!t || t->deleting || t->npartitions < min_partitions)
        return 0;
    for (int i = 0; i < t->npartitions; i++)
        if (t->parts[i]->leader < 0)
            return 0;
    return 1;
}

static void check_waiters(void) {
    int64_t now = ae_mono_ms();
    /* detach the settled ones first: a callback may add waiters */
    waiter *settled = NULL, **pp = &waiters;
    while (*pp) {
        waiter *w = *pp;
        topic *t = topic_find(w->topic);
        int done = w->kind == WAIT_DELETE ? t == NULL : topic_complete(t, w->target);
        if (done || now >= w->deadline) {
            *pp = w->next;
            w->outcome = done ? ERR_NONE : ERR_REQUEST_TIMED_OUT;
            w->next = settled;
            settled = w;
            continue;
        }
        pp = &w->next;
    }
    while (settled) {
        waiter *w = settled;
        settled = w->next;
        w->cb(w->arg, w->outcome, NULL);
        free(w->topic);
        free(w);
    }
}

void cluster_periodic(int64_t now_ms) {
    (void)now_ms;
    if (waiters)
        check_waiters();
}

/* ------------------------------------------------------------------------
 * The initial load: reads counted until each has been handled
 * ---------------------------------------------------------------------- */
static void load_step_done(void) {
    if (loading > 0 && --loading == 0)
        load_done = 1;
    check_waiters();
}

/* Reads the znode path_fmt names for the entity `name` (cb gets a copy of
 * the name to free, and calls load_step_done when done). */
static void load_read(const char *path_fmt, const char *name, int watch, zkc_data_cb *cb) {
    char path[512];
    snprintf(path, sizeof(path), path_fmt, name);
    loading += !load_done;
    char *copy = xstrdup(name);
    zkc_get(cluster_zk, path, watch, cb, copy); /* refused too: cb gets the error */
}

/* ------------------------------------------------------------------------
 * Brokers: /brokers/ids
 * ---------------------------------------------------------------------- */
typedef struct brokers_load {
    int outstanding;
    struct broker_node *nodes;
    int n;
} brokers_load;

static void broker_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    brokers_load *bl = ((void **)arg)[0];
    int idx = (int)(intptr_t)((void **)arg)[1];
    free(arg);
    if (rc == ZOK && data) {
        json *j = json_parse(data, (size_t)len);
        const json *eps = json_get(j, "endpoints");
        const char *host = json_str(json_get(j, "host"));
        int64_t port = -1;
        json_int(json_get(j, "port"), &port);
        /* the PLAINTEXT endpoint, "PLAINTEXT://host:port" */
        if (eps && eps->type == JSON_ARRAY && eps->n > 0 && json_str(eps->items[0])) {
            const char *ep = json_str(eps->items[0]);
            const char *hp = strstr(ep, "://");
            if (hp) {
                hp += 3;
                const char *colon = strrchr(hp, ':');
                if (colon) {
                    snprintf(bl->nodes[idx].host, sizeof(bl->nodes[idx].host), "%.*s",
                             (int)(colon - hp), hp);
                    bl->nodes[idx].port = atoi(colon + 1);
                }
            }
        } else if (host) {
            snprintf(bl->nodes[idx].host, sizeof(bl->nodes[idx].host), "%s", host);
            bl->nodes[idx].port = (int)port;
        }
        const char *rack = json_str(json_get(j, "rack"));
        bl->nodes[idx].rack = rack ? xstrdup(rack) : NULL;
        bl->nodes[idx].epoch = st ? st->czxid : -1;
        if (bl->nodes[idx].id == B.id && st)
            B.broker_epoch = st->czxid;
        json_free(j);
    } else {
        bl->nodes[idx].id = -1;
    }
    if (--bl->outstanding > 0)
        return;
    /* swap in the new list (dropping brokers that vanished meanwhile) */
    for (int i = 0; i < B.nnodes; i++)
        free(B.nodes[i].rack);
    free(B.nodes);
    int k = 0;
    for (int i = 0; i < bl->n; i++)
        if (bl->nodes[i].id >= 0 && bl->nodes[i].port > 0)
            bl->nodes[k++] = bl->nodes[i];
    B.nodes = bl->nodes;
    B.nnodes = k;
    free(bl);
    forget_gone_shutting_down();
    if (B.is_controller) {
        ctlchan_sync_brokers();
        controller_check_all();
    }
    check_waiters();
}

static void brokers_children_cb(int rc, int count, const char *const *names, void *arg) {
    (void)arg;
    if (rc != ZOK)
        return;
    brokers_load *bl = calloc(1, sizeof(*bl));
    if (!bl)
        abort();
    bl->nodes = calloc((size_t)(count > 0 ? count : 1), sizeof(*bl->nodes));
    bl->n = count;
    bl->outstanding = count;
    if (count == 0) {
        for (int i = 0; i < B.nnodes; i++)
            free(B.nodes[i].rack);
        free(B.nodes);
        B.nodes = bl->nodes;
        B.nnodes = 0;
        free(bl);
        return;
    }
    for (int i = 0; i < count; i++) {
        bl->nodes[i].id = atoi(names[i]);
        char path[128];
        snprintf(path, sizeof(path), "/brokers/ids/%s", names[i]);
        void **a = malloc(2 * sizeof(void *));
        if (!a)
            abort();
        a[0] = bl;
        a[1] = (void *)(intptr_t)i;
        zkc_get(cluster_zk, path, 0, broker_get_cb, a);
    }
}

static void load_brokers(void) { zkc_children(cluster_zk, "/brokers/ids", 1, brokers_children_cb, NULL); }

/* ------------------------------------------------------------------------
 * Partition state: /brokers/topics/<t>/partitions/<p>/state
 * ---------------------------------------------------------------------- */

part_ref *part_ref_new(const char *t, int32_t p) {
    part_ref *r = malloc(sizeof(*r));
    if (!r)
        abort();
    r->topic = xstrdup(t);
    r->partition = p;
    return r;
}
void part_ref_free(part_ref *r) {
    free(r->topic);
    free(r);
}

void state_path(char *out, size_t cap, const char *t, int32_t p) {
    snprintf(out, cap, "/brokers/topics/%s/partitions/%d/state", t, p);
}

void state_json(wbuf *w, int32_t controller_epoch, int32_t leader, int32_t leader_epoch,
                const int32_t *isr, int nisr) {
    wbuf_printf(w, "{\"controller_epoch\":%d,\"leader\":%d,\"version\":1,\"leader_epoch\":%d,\"isr\":",
             controller_epoch, leader, leader_epoch);
    write_int_list(w, isr, nisr);
    wb_i8(w, '}');
}

/* This broker's part once the state is known: open hosted logs, then
 * lead or follow (replica.c). */
static void apply_state(partition *p) {
    if (!id_in_list(p->replicas, p->nreplicas, B.id)) {
        if (p->log) { /* reassigned away (Kafka's StopReplica with delete) */
            log_info(LOG_STATE, "[Broker id=%d] Stopped replica %s-%d: no longer assigned here",
                     B.id, p->topic->name, p->id);
            replica_stop(p);
            partition_close_log(p, 1);
        }
        return;
    }
    if (!p->log && (p->topic->deleting || partition_open_log(p) != 0))
        return; /* no new log for a topic being deleted */
    replica_apply_state(p);
}

/* The one way a partition state reaches this broker's view, whether read
 * from its znode (the backstop: every broker watches them) or sent by the
 * controller (LeaderAndIsr, UpdateMetadata); fenced by the leader epoch so
 * both sources converge on the newest decision:
 *  - ZooKeeper: a read older than what is applied (a lower leader epoch)
 *    is a late read and is dropped; the same epoch is the leader's ISR
 *    change and is applied.
 *  - LeaderAndIsr: only a newer leader epoch, as Kafka 2.5's
 *    becomeLeaderOrFollower (STALE_CONTROLLER_EPOCH otherwise).
 *  - UpdateMetadata (partitions this broker does not host): a newer leader
 *    epoch, or the same one with a newer znode version (an ISR change).
 * The controller sends LeaderAndIsr/UpdateMetadata for the changes it reads
 * back from ZooKeeper (controller_channel.c). */
int16_t cluster_apply_partition_state(partition *p, const partition_state_in *s, int source) {
    int known = p->state_zk_version >= 0 || p->state_zk_version == -3;
    int32_t current = known ? p->leader_epoch : -1;
    int newer = s->leader_epoch > current;
    if (source == STATE_FROM_ZOOKEEPER && known && s->leader_epoch < p->leader_epoch)
        return ERR_STALE_CONTROLLER_EPOCH;
    if (source == STATE_FROM_LEADER_AND_ISR && !newer)
        return ERR_STALE_CONTROLLER_EPOCH;
    if (source == STATE_FROM_UPDATE_METADATA && !newer &&
        !(s->leader_epoch == current && s->zk_version > p->state_zk_version))
        return ERR_STALE_CONTROLLER_EPOCH;
    int leader_changed = !known || s->leader_epoch != p->leader_epoch || s->leader != p->leader;
    int isr_changed = p->nisr != s->nisr ||
                      (s->nisr > 0 && memcmp(p->isr, s->isr, (size_t)s->nisr * sizeof(int32_t)));
    p->state_controller_epoch = s->controller_epoch;
    if (s->leader_epoch > p->leader_epoch)
        p->leadership_stale = 0; /* a controller has decided anew */
    p->leader = s->leader;
    p->leader_epoch = s->leader_epoch;
    if (isr_changed) {
        free(p->isr);
        p->isr = s->nisr > 0 ? malloc((size_t)s->nisr * sizeof(int32_t)) : NULL;
        if (s->nisr > 0 && !p->isr)
            abort();
        if (s->nisr > 0)
            memcpy(p->isr, s->isr, (size_t)s->nisr * sizeof(int32_t));
        p->nisr = s->nisr;
    }
    /* a negative version is cluster.c's marker of a read (with its watch)
     * still due in this session: only that read replaces it */
    if (source == STATE_FROM_ZOOKEEPER || p->state_zk_version >= 0)
        p->state_zk_version = s->zk_version;
    apply_state(p);
    if (source == STATE_FROM_ZOOKEEPER && B.is_controller) {
        if (leader_changed)
            ctlchan_partition_leadership(p);
        else if (isr_changed)
            ctlchan_partition_metadata(p);
    }
    return ERR_NONE;
}

partition *cluster_partition_from_controller(const char *topic_name, int32_t partition_index,
                                             const int32_t *replicas, int nreplicas) {
    topic *t = topic_find(topic_name);
    char why[128];
    if ((t && t->deleting) || partition_index < 0 ||
        partition_index >= MAX_PARTITIONS_FROM_CONTROLLER ||
        (!t && topic_name_valid(topic_name, (int)strlen(topic_name), why, sizeof(why)) != 0))
        return NULL; /* not a name for a log directory: the watch decides */
    if (!t)
        t = topic_add(topic_name, 0); /* its assignment unread: assignment_zk_version -1 */
    if (partition_index >= t->npartitions) {
        t->parts = array_reserve(t->parts, &t->parts_cap, (size_t)partition_index + 1,
                                 sizeof(partition *));
        if (!t->parts)
            abort();
        for (int i = t->npartitions; i <= partition_index; i++) {
            t->parts[i] = partition_new(t, i);
            t->parts[i]->state_zk_version = -4; /* not read yet */
        }
        t->npartitions = partition_index + 1;
    }
    partition *p = t->parts[partition_index];
    free(p->replicas);
    p->replicas = malloc((size_t)(nreplicas > 0 ? nreplicas : 1) * sizeof(int32_t));
    if (!p->replicas)
        abort();
    if (nreplicas > 0)
        memcpy(p->replicas, replicas, (size_t)nreplicas * sizeof(int32_t));
    p->nreplicas = nreplicas;
    log_info(LOG_STATE, "[Broker id=%d] Created partition %s-%d from the controller's "
             "LeaderAndIsr before reading its topic", B.id, topic_name, partition_index);
    if (cluster_zk)
        load_topic(topic_name); /* the watch may be on its way too: the reads converge */
    return p;
}

static void state_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    part_ref *r = arg;
    topic *t = topic_find(r->topic);
    partition *p = t ? partition_get(t, r->partition) : NULL;
    if (p && rc == ZOK && data) {
        json *j = json_parse(data, (size_t)len);
        int64_t leader = -1, epoch = 0;
        int32_t *isr = NULL;
        int nisr = parse_int_list(json_get(j, "isr"), &isr);
        if (j && json_int(json_get(j, "leader"), &leader) == 0 &&
            json_int(json_get(j, "leader_epoch"), &epoch) == 0 && nisr >= 0) {
            int64_t cepoch = 0;
            json_int(json_get(j, "controller_epoch"), &cepoch);
            partition_state_in s = {(int32_t)cepoch, (int32_t)leader, (int32_t)epoch,
                                    st->version, isr, nisr};
            cluster_apply_partition_state(p, &s, STATE_FROM_ZOOKEEPER);
        } else {
            log_warn(LOG_ZK, "Ignoring malformed partition state of %s-%d", r->topic, r->partition);
        }
        free(isr);
        json_free(j);
    } else if (p && rc == ZNONODE) {
        p->state_zk_version = -1;
        p->leader = -1;
        /* getData leaves no watch on a missing znode: watch for its creation
         * (the controller writes it after the assignment we just read) */
        char path[512];
        state_path(path, sizeof(path), r->topic, r->partition);
        zkc_exists(cluster_zk, path, 1, state_exists_cb, part_ref_new(r->topic, r->partition));
    }
    if (p && B.is_controller)
        controller_check_partition(p->topic, p);
    part_ref_free(r);
    load_step_done();
}

/* Created between our read and our exists: read it now. */
static void state_exists_cb(int rc, const jute_stat *st, void *arg) {
    (void)st;
    part_ref *r = arg;
    topic *t = rc == ZOK ? topic_find(r->topic) : NULL;
    if (t)
        load_state(t, r->partition);
    part_ref_free(r);
}

void load_state(topic *t, int32_t p) {
    char path[512];
    state_path(path, sizeof(path), t->name, p);
    if (!load_done)
        loading++;
    zkc_get(cluster_zk, path, 1, state_get_cb, part_ref_new(t->name, p));
}

/* A leader's ISR change: conditional on the state's cluster_zk version, keeping the
 * leader, its epoch and the deciding controller's epoch (Kafka's
 * ReplicationUtils.updateLeaderAndIsr). */
typedef struct isr_write {
    part_ref *ref;
    int32_t *isr;
    int nisr;
    int32_t epoch;
    isr_write_cb *cb;
} isr_write;

static void isr_read_back_cb(int rc, const char *data, int len, const jute_stat *st, void *arg);

static void isr_write_done(isr_write *iw, int ok, int version) {
    topic *t = topic_find(iw->ref->topic);
    partition *p = t ? partition_get(t, iw->ref->partition) : NULL;
    if (p && ok && p->leader_epoch == iw->epoch) {
        free(p->isr);
        p->isr = iw->isr;
        p->nisr = iw->nisr;
        iw->isr = NULL;
        if (version > p->state_zk_version)
            p->state_zk_version = version;
    }
    if (p && ok && p->leader_epoch == iw->epoch) {
        isr_change_record(iw->ref->topic, iw->ref->partition, ae_mono_ms());
        if (B.is_controller) /* its own read-back will find nothing new */
            ctlchan_partition_metadata(p);
    }
    if (p)
        iw->cb(p, ok && p->leader_epoch == iw->epoch);
    free(iw->isr);
    part_ref_free(iw->ref);
    free(iw);
}

static void isr_set_cb(int rc, const jute_stat *st, void *arg) {
    isr_write *iw = arg;
    if (rc == ZOK) {
        isr_write_done(iw, 1, st->version);
        return;
    }
    if (rc == ZBADVERSION || rc == ZCONNECTIONLOSS) {
        /* a retry after a lost connection may have written it: read back */
        char path[512];
        state_path(path, sizeof(path), iw->ref->topic, iw->ref->partition);
        zkc_get(cluster_zk, path, 0, isr_read_back_cb, iw);
        return;
    }
    log_warn(LOG_ZK, "Failed to update the ISR of %s-%d: %s", iw->ref->topic, iw->ref->partition,
             zk_error_name(rc));
    isr_write_done(iw, 0, -1);
}

static void isr_read_back_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    isr_write *iw = arg;
    int same = 0;
    if (rc == ZOK && data) {
        json *j = json_parse(data, (size_t)len);
        int64_t leader = -1, epoch = -1;
        int32_t *isr = NULL;
        int nisr = parse_int_list(json_get(j, "isr"), &isr);
        json_int(json_get(j, "leader"), &leader);
        json_int(json_get(j, "leader_epoch"), &epoch);
        same = leader == B.id && epoch == iw->epoch && nisr == iw->nisr &&
               !memcmp(isr, iw->isr, (size_t)nisr * sizeof(int32_t));
        free(isr);
        json_free(j);
    }
    if (!same) {
        topic *t = topic_find(iw->ref->topic);
        partition *p = t ? partition_get(t, iw->ref->partition) : NULL;
        log_info(LOG_PARTITION, "[Partition %s-%d broker=%d] Cached zkVersion %d not equal to "
                 "that in zookeeper, skip updating ISR", iw->ref->topic, iw->ref->partition, B.id,
                 p ? p->state_zk_version : -1);
    }
    isr_write_done(iw, same, same && st ? st->version : -1);
}

void cluster_write_isr(partition *p, const int32_t *isr, int nisr, isr_write_cb *cb) {
    isr_write *iw = calloc(1, sizeof(*iw));
    if (!iw)
        abort();
    iw->ref = part_ref_new(p->topic->name, p->id);
    iw->isr = malloc((size_t)(nisr > 0 ? nisr : 1) * sizeof(int32_t));
    if (!iw->isr)
        abort();
    memcpy(iw->isr, isr, (size_t)nisr * sizeof(int32_t));
    iw->nisr = nisr;
    iw->epoch = p->leader_epoch;
    iw->cb = cb;
    wbuf w;
    wb_init(&w, 128);
    state_json(&w, p->state_controller_epoch, B.id, p->leader_epoch, isr, nisr);
    char path[512];
    state_path(path, sizeof(path), p->topic->name, p->id);
    /* a negative version is a marker (not read yet, write in progress):
     * never an unconditional write */
    if (!cluster_zk || p->state_zk_version < 0)
        isr_write_done(iw, 0, -1);
    else
        zkc_set(cluster_zk, path, w.data, (int)w.len, p->state_zk_version, isr_set_cb, iw);
    wb_free(&w);
}

/* ------------------------------------------------------------------------
 * Configs: /config/topics/<t>, /config/brokers/<id> and <default>
 * ---------------------------------------------------------------------- */
typedef void config_apply_fn(void *ctx, const char *const *keys, const char *const *values, int n);

/* Hands the string entries of a config znode's {"config":{...}} to apply
 * (none when the znode is missing); a malformed znode is left alone. */
static void apply_config_znode(int rc, const char *data, int len, config_apply_fn *apply,
                               void *ctx) {
    if (rc == ZNONODE) {
        apply(ctx, NULL, NULL, 0);
        return;
    }
    if (rc != ZOK || !data)
        return;
    json *j = json_parse(data, (size_t)len);
    const json *cfg = json_get(j, "config");
    if (cfg && cfg->type == JSON_OBJECT) {
        const char **k = calloc((size_t)cfg->n + 1, sizeof(char *));
        const char **v = calloc((size_t)cfg->n + 1, sizeof(char *));
        if (!k || !v)
            abort();
        int n = 0;
        for (int i = 0; i < cfg->n; i++)
            if (json_str(cfg->items[i])) {
                k[n] = cfg->keys[i];
                v[n++] = json_str(cfg->items[i]);
            }
        apply(ctx, k, v, n);
        free(k);
        free(v);
    }
    json_free(j);
}

static void apply_topic_overrides(void *ctx, const char *const *k, const char *const *v, int n) {
    topic_set_overrides(ctx, k, v, n);
}

static void topic_config_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)st;
    char *name = arg;
    topic *t = topic_find(name);
    if (t)
        apply_config_znode(rc, data, len, apply_topic_overrides, t);
    free(name);
    load_step_done();
}

static void apply_broker_config(void *ctx, const char *const *k, const char *const *v, int n) {
    dynamic_config_replace(*(int *)ctx, k, v, n);
}

static void broker_config_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)st;
    char *name = arg;
    int scope = strcmp(name, "<default>") ? DYN_BROKER : DYN_DEFAULT;
    apply_config_znode(rc, data, len, apply_broker_config, &scope);
    free(name);
    load_step_done();
}

/* name: this broker's id or "<default>" */
static void load_broker_config(const char *name) {
    load_read("/config/brokers/%s", name, 0, broker_config_cb);
}

static void load_broker_configs(void) {
    char id[16];
    snprintf(id, sizeof(id), "%d", B.id);
    load_broker_config("<default>");
    load_broker_config(id);
}

static void load_topic_config(const char *name) {
    load_read("/config/topics/%s", name, 0, topic_config_cb);
}

/* entity_type "topics" or "brokers" (a broker's id or "<default>") */
static void load_entity_config(const char *entity_type, const char *name) {
    if (!strcmp(entity_type, "topics"))
        load_topic_config(name);
    else
        load_broker_config(name);
}

/* ------------------------------------------------------------------------
 * Topics: /brokers/topics/<t>
 * ---------------------------------------------------------------------- */

static void topic_data_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    char *name = arg;
    topic *t = topic_find(name);
    if (rc == ZOK && data) {
        json *j = json_parse(data, (size_t)len);
        const json *parts = json_get(j, "partitions");
        if (parts && parts->type == JSON_OBJECT) {
            int np = parts->n;
            /* new here, or only known from the controller's LeaderAndIsr */
            int fresh = !t || t->assignment_zk_version < 0;
            if (!t) {
                t = topic_add(name, np);
                for (int i = 0; i < np; i++)
                    t->parts[i]->state_zk_version = -4; /* not read yet */
            } else if (np > t->npartitions) {
                t->parts = array_reserve(t->parts, &t->parts_cap, (size_t)np, sizeof(partition *));
                if (!t->parts)
                    abort();
                for (int i = t->npartitions; i < np; i++) {
                    t->parts[i] = partition_new(t, i);
                    t->parts[i]->state_zk_version = -4;
                }
                t->npartitions = np;
            }
            const json *adding = json_get(j, "adding_replicas");
            const json *removing = json_get(j, "removing_replicas");
            for (int i = 0; i < parts->n; i++) {
                int pid = atoi(parts->keys[i]);
                partition *p = partition_get(t, pid);
                if (!p)
                    continue;
                int32_t *old = p->replicas;
                int nold = p->nreplicas;
                /* parse_int_list leaves the pointer alone when it fails */
                free(p->adding);
                free(p->removing);
                p->replicas = p->adding = p->removing = NULL;
                p->nreplicas = parse_int_list(parts->items[i], &p->replicas);
                if (p->nreplicas < 0)
                    p->nreplicas = 0;
                p->nadding = parse_int_list(json_get(adding, parts->keys[i]), &p->adding);
                p->nremoving = parse_int_list(json_get(removing, parts->keys[i]), &p->removing);
                if (p->nadding < 0)
                    p->nadding = 0;
                if (p->nremoving < 0)
                    p->nremoving = 0;
                /* a reassignment changed the replica set: start following,
                 * or stop and delete a replica no longer assigned here */
                if (!fresh && p->state_zk_version >= 0 &&
                    (nold != p->nreplicas ||
                     (nold > 0 && memcmp(old, p->replicas, (size_t)nold * sizeof(int32_t))))) {
                    apply_state(p);
                    for (int k = 0; k < nold && B.is_controller; k++)
                        if (!id_in_list(p->replicas, p->nreplicas, old[k]))
                            ctlchan_stop_replica(old[k], t->name, pid, 1);
                }
                free(old);
            }
            if (st)
                t->assignment_zk_version = st->version;
            if (fresh) {
                load_topic_config(name);
                log_info(LOG_ZK, "Loaded topic %s with %d partitions", name, np);
            }
            for (int i = 0; i < t->npartitions; i++)
                if (t->parts[i]->state_zk_version == -4) {
                    t->parts[i]->state_zk_version = -5; /* reading */
                    load_state(t, i);
                }
            if (B.is_controller)
                controller_check_partitions(t);
        } else {
            log_warn(LOG_ZK, "Ignoring malformed assignment of topic %s", name);
        }
        json_free(j);
    }
    free(name);
    load_step_done();
}

static void load_topic(const char *name) {
    load_read("/brokers/topics/%s", name, 1, topic_data_cb);
}

struct children_set {
    int count;
    const char *const *names;
};

static void remove_if_gone(topic *t, void *arg) {
    struct children_set *cur = arg;
    if (t->assignment_zk_version < 0)
        return; /* created from LeaderAndIsr: a children list read before its creation */
    for (int i = 0; i < cur->count; i++)
        if (!strcmp(cur->names[i], t->name))
            return;
    log_info("kafka.log.LogManager", "Deleting topic %s: removed from ZooKeeper", t->name);
    topic_remove(t);
}

static void topics_children_cb(int rc, int count, const char *const *names, void *arg) {
    (void)arg;
    if (rc != ZOK) {
        if (loading > 0 && --loading == 0)
            load_done = 1;
        return;
    }
    /* topics gone from ZooKeeper: deleted */
    struct children_set cur = {count, names};
    topic_foreach(remove_if_gone, &cur);
    for (int i = 0; i < count; i++)
        if (reload_all_topics || !topic_find(names[i]))
            load_topic(names[i]);
    reload_all_topics = 0;
    load_step_done();
}

static void load_topics(void) {
    if (!load_done)
        loading++;
    zkc_children(cluster_zk, "/brokers/topics", 1, topics_children_cb, NULL);
}

/* ------------------------------------------------------------------------
 * Config change notifications (/config/changes/config_change_N)
 * ---------------------------------------------------------------------- */
static char last_change[64];

static void change_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)st;
    (void)arg;
    if (rc != ZOK || !data)
        return;
    json *j = json_parse(data, (size_t)len);
    const char *ep = json_str(json_get(j, "entity_path"));
    const char *type = json_str(json_get(j, "entity_type"));
    const char *name = json_str(json_get(j, "entity_name"));
    char own_id[16];
    snprintf(own_id, sizeof(own_id), "%d", B.id);
    if (ep && !strncmp(ep, "topics/", 7))
        name = ep + 7, type = "topics";
    else if (ep && !strncmp(ep, "brokers/", 8))
        name = ep + 8, type = "brokers";
    if (type && name && !strcmp(type, "topics") && topic_find(name)) {
        log_info("kafka.server.DynamicConfigManager", "Processing override for entityPath: "
                 "topics/%s", name);
        load_topic_config(name);
    } else if (type && name && !strcmp(type, "brokers") &&
               (!strcmp(name, "<default>") || !strcmp(name, own_id))) {
        log_info("kafka.server.DynamicConfigManager", "Processing override for entityPath: "
                 "brokers/%s", name);
        load_broker_config(name);
    }
    json_free(j);
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void changes_cb(int rc, int count, const char *const *names, void *arg) {
    (void)arg;
    if (rc != ZOK)
        return;
    const char **sorted = malloc((size_t)(count > 0 ? count : 1) * sizeof(char *));
    memcpy(sorted, names, (size_t)count * sizeof(char *));
    qsort(sorted, (size_t)count, sizeof(char *), cmp_names);
    int first_load = last_change[0] == 0;
    for (int i = 0; i < count; i++) {
        if (strcmp(sorted[i], last_change) <= 0)
            continue;
        if (!first_load) {
            char path[256];
            snprintf(path, sizeof(path), "/config/changes/%s", sorted[i]);
            zkc_get(cluster_zk, path, 0, change_get_cb, NULL);
        }
    }
    if (count)
        snprintf(last_change, sizeof(last_change), "%s", sorted[count - 1]);
    else if (first_load)
        snprintf(last_change, sizeof(last_change), "config_change_");
    free(sorted);
}

static void watch_config_changes(void) {
    zkc_children(cluster_zk, "/config/changes", 1, changes_cb, NULL);
}

/* ------------------------------------------------------------------------
 * Session set-up: paths, cluster id, registration, then load
 * ---------------------------------------------------------------------- */
static const char *const persistent_paths[] = {
    "/consumers", "/brokers/ids", "/brokers/topics", "/brokers/seqid", "/config/changes",
    "/config/topics", "/config/clients", "/config/users", "/config/brokers",
    "/admin/delete_topics", "/isr_change_notification", "/latest_producer_id_block",
    "/log_dir_event_notification", "/cluster"};
#define NPATHS ((int)(sizeof(persistent_paths) / sizeof(persistent_paths[0])))

static int paths_left;
static void read_cluster_id(void);
static void register_broker(void);

static void path_ensured_cb(int rc, void *arg) {
    (void)arg;
    if (rc != ZOK && rc != ZNODEEXISTS)
        log_warn(LOG_ZK, "Could not create a persistent path: %s", zk_error_name(rc));
    if (--paths_left == 0)
        read_cluster_id();
}

static void new_cluster_id(char *out) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t r[16] = {0};
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, r, 16) != 16)
        for (int i = 0; i < 16; i++)
            r[i] = (uint8_t)(ae_wall_ms() >> (i % 8) ^ (i * 131));
    if (fd >= 0)
        close(fd);
    int k = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)r[i] << 16 | (i + 1 < 16 ? (uint32_t)r[i + 1] << 8 : 0) |
                     (i + 2 < 16 ? r[i + 2] : 0);
        out[k++] = b64[(v >> 18) & 63];
        out[k++] = b64[(v >> 12) & 63];
        if (i + 1 < 16)
            out[k++] = b64[(v >> 6) & 63];
        if (i + 2 < 16)
            out[k++] = b64[v & 63];
    }
    out[k] = 0;
}

static void cluster_id_known(const char *id) {
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        int32_t stored_id;
        char stored[64];
        if (!logdir_online(B.cfg.log_dirs[i]))
            continue; /* offline (log_dir_failure.c) */
        int r = meta_properties_read(B.cfg.log_dirs[i], &stored_id, stored, sizeof(stored));
        if (r == 0 && stored[0] && strcmp(stored, id)) {
            log_error("kafka.server.KafkaServer", "Fatal error during KafkaServer startup. "
                      "Prepare to shutdown: The Cluster ID %s doesn't match stored clusterId "
                      "Some(%s) in meta.properties. The broker is trying to join the wrong "
                      "cluster. Configured zookeeper.connect may be wrong.", id, stored);
            fatal_error = 1;
            return;
        }
        if (r == 0 && stored_id != B.id) {
            log_error("kafka.server.KafkaServer", "Fatal error during KafkaServer startup. "
                      "Prepare to shutdown: Configured broker.id %d doesn't match stored "
                      "broker.id %d in meta.properties.", B.id, stored_id);
            fatal_error = 1;
            return;
        }
        if (r != 0)
            meta_properties_write(B.cfg.log_dirs[i], B.id, id);
    }
    snprintf(B.cluster_id, sizeof(B.cluster_id), "%s", id);
    log_info("kafka.server.KafkaServer", "Cluster ID = %s", id);
    register_broker();
}

static void cluster_id_created_cb(int rc, const char *path, void *arg) {
    (void)path;
    if (rc == ZNODEEXISTS) {
        free(arg);
        read_cluster_id();
        return;
    }
    if (rc == ZOK)
        cluster_id_known(arg);
    free(arg);
}

static void cluster_id_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)st;
    (void)arg;
    if (rc == ZNONODE) {
        char *id = malloc(32);
        if (!id)
            abort();
        new_cluster_id(id);
        wbuf w;
        wb_init(&w, 64);
        wbuf_printf(&w, "{\"version\":\"1\",\"id\":\"%s\"}", id);
        zkc_create(cluster_zk, "/cluster/id", w.data, (int)w.len, ZKC_PERSISTENT, cluster_id_created_cb,
                   id);
        wb_free(&w);
        return;
    }
    if (rc != ZOK || !data)
        return;
    json *j = json_parse(data, (size_t)len);
    const char *id = json_str(json_get(j, "id"));
    if (id)
        cluster_id_known(id);
    else
        log_error(LOG_ZK, "Malformed /cluster/id");
    json_free(j);
}

static void read_cluster_id(void) { zkc_get(cluster_zk, "/cluster/id", 0, cluster_id_get_cb, NULL); }

static void registered(void) {
    B.registered = 1;
    log_info(LOG_ZK, "Registered broker %d at path /brokers/ids/%d with addresses: "
             "PLAINTEXT://%s:%d, czxid (broker epoch): %lld", B.id, B.id,
             B.cfg.advertised_listeners[0].host, B.cfg.advertised_listeners[0].port,
             (long long)zkc_session_id(cluster_zk));
    service_notify_status("Registered in ZooKeeper as broker %d; loading topics and logs", B.id);
    load_brokers();
    try_elect();
    watch_config_changes();
    load_broker_configs();
    load_topics();
}

static int retry_register(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    (void)arg;
    retry_timer = -1;
    register_broker();
    return AE_NOMORE;
}

static void old_registration_cb(int rc, const jute_stat *st, void *arg) {
    (void)arg;
    if (rc == ZOK && st->ephemeralOwner == zkc_session_id(cluster_zk)) {
        registered(); /* ours already (a retried create) */
        return;
    }
    /* an earlier session of this broker (or another broker with our id)
     * still holds it: wait for that session to expire */
    static int64_t logged_owner;
    if (rc == ZOK && st->ephemeralOwner != logged_owner)
        log_info(LOG_ZK, "Broker registration /brokers/ids/%d is held by session 0x%llx; waiting "
             "for it to expire", B.id, (unsigned long long)st->ephemeralOwner);
    if (rc == ZOK)
        logged_owner = st->ephemeralOwner;
    retry_timer = aeCreateTimeEvent(B.el, 1000, retry_register, NULL);
}

static void register_cb(int rc, const char *path, void *arg) {
    (void)path;
    (void)arg;
    char p[64];
    snprintf(p, sizeof(p), "/brokers/ids/%d", B.id);
    if (rc == ZOK)
        registered();
    else if (rc == ZNODEEXISTS)
        zkc_exists(cluster_zk, p, 0, old_registration_cb, NULL);
    else
        log_warn(LOG_ZK, "Broker registration failed: %s", zk_error_name(rc));
}

static void register_broker(void) {
    config_endpoint *ep = &B.cfg.advertised_listeners[0];
    wbuf w;
    wb_init(&w, 256);
    wbuf_printf(&w, "{\"listener_security_protocol_map\":{");
    for (int i = 0; i < B.cfg.nadvertised_listeners; i++)
        wbuf_printf(&w, "%s\"%s\":\"%s\"", i ? "," : "", B.cfg.advertised_listeners[i].name,
                 B.cfg.advertised_listeners[i].protocol);
    wbuf_printf(&w, "},\"endpoints\":[");
    for (int i = 0; i < B.cfg.nadvertised_listeners; i++)
        wbuf_printf(&w, "%s\"%s://%s:%d\"", i ? "," : "", B.cfg.advertised_listeners[i].name,
                 B.cfg.advertised_listeners[i].host, B.cfg.advertised_listeners[i].port);
    wbuf_printf(&w, "],");
    if (B.cfg.broker_rack)
        wbuf_printf(&w, "\"rack\":\"%s\",", B.cfg.broker_rack);
    wbuf_printf(&w, "\"jmx_port\":-1,\"host\":\"%s\",\"timestamp\":\"%lld\",\"port\":%d,\"version\":4}",
             ep->host, (long long)ae_wall_ms(), ep->port);
    char path[64];
    snprintf(path, sizeof(path), "/brokers/ids/%d", B.id);
    zkc_create(cluster_zk, path, w.data, (int)w.len, ZKC_EPHEMERAL, register_cb, NULL);
    wb_free(&w);
}

static void establish(void) {
    paths_left = NPATHS;
    for (int i = 0; i < NPATHS; i++)
        zkc_ensure_path(cluster_zk, persistent_paths[i], path_ensured_cb, NULL);
}

/* ------------------------------------------------------------------------
 * Session events and watches
 * ---------------------------------------------------------------------- */
static void on_watch(void *arg, int type, const char *path) {
    (void)arg;
    if (!B.registered && strcmp(path, "/controller"))
        return;
    if (!strcmp(path, "/brokers/ids"))
        load_brokers();
    else if (!strcmp(path, "/controller")) {
        if (type == ZOO_DELETED_EVENT) {
            B.is_controller = 0;
            B.controller_id = -1;
            try_elect();
        } else
            zkc_get(cluster_zk, "/controller", 1, controller_get_cb, NULL);
    } else if (!strcmp(path, "/brokers/topics"))
        load_topics();
    else if (!strcmp(path, "/admin/delete_topics"))
        watch_delete_requests();
    else if (reassign_zk_path(path)) {
        if (B.is_controller)
            reassign_watch_zk();
    }
    else if (preferred_election_path(path)) {
        if (B.is_controller)
            watch_preferred_election();
    }
    else if (!strcmp(path, "/config/changes"))
        watch_config_changes();
    else if (isr_change_is_watched_path(path)) {
        if (B.is_controller)
            isr_change_watch();
    }
    else if (log_dir_event_is_watched_path(path)) {
        if (B.is_controller)
            log_dir_event_watch();
    }
    else if (!strncmp(path, "/brokers/topics/", 16)) {
        const char *rest = path + 16;
        const char *slash = strchr(rest, '/');
        if (!slash) {
            if (type != ZOO_DELETED_EVENT)
                load_topic(rest);
            return;
        }
        char name[256];
        int32_t pid;
        if (sscanf(path, "/brokers/topics/%255[^/]/partitions/%d/state", name, &pid) == 2) {
            topic *t = topic_find(name);
            if (t && type != ZOO_DELETED_EVENT)
                load_state(t, pid);
        }
    }
}

/* Session expired: no leadership, no following, and every state is read
 * again (with new watches) once the broker is registered again. */
static void reset_leadership(topic *t, void *arg) {
    (void)arg;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (p->leader == B.id)
            p->leadership_stale = 1;
        p->leader = -1;
        p->state_zk_version = -4; /* not read in this session */
        replica_apply_state(p);
    }
}

static void on_session(void *arg, int state, int new_session);

static void new_session(void) {
    cluster_zk = zkc_new(B.el, B.cfg.zookeeper_connect, B.cfg.zookeeper_session_timeout_ms, on_session,
                 NULL);
    if (cluster_zk)
        zkc_set_watcher(cluster_zk, on_watch, NULL);
}

static int reconnect_timer(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    (void)arg;
    new_session();
    return AE_NOMORE;
}

static void on_session(void *arg, int state, int fresh) {
    (void)arg;
    if (state == ZKC_CONNECTED && fresh) {
        log_info("kafka.zookeeper.ZooKeeperClient", "[ZooKeeperClient Kafka server] Connected.");
        establish();
    } else if (state == ZKC_EXPIRED) {
        /* Never serve stale leadership: stop leading until re-registered. */
        log_warn("kafka.zookeeper.ZooKeeperClient", "[ZooKeeperClient Kafka server] Session "
                 "expired; re-registering with a new session.");
        service_notify_status("ZooKeeper session expired; re-registering broker %d", B.id);
        B.registered = 0;
        B.is_controller = 0;
        B.controller_id = -1;
        topic_foreach(reset_leadership, NULL);
        reload_all_topics = 1;
        if (retry_timer >= 0)
            aeDeleteTimeEvent(B.el, retry_timer);
        retry_timer = -1;
        zkc_close(cluster_zk);
        cluster_zk = NULL;
        aeCreateTimeEvent(B.el, 0, reconnect_timer, NULL);
    }
}

static void chroot_done_cb(int rc, void *arg) {
    *(int *)arg = rc == ZOK ? 1 : -1;
}

/* Kafka creates the chroot of zookeeper.connect when it is missing. */
static int ensure_chroot(void) {
    const char *slash = strchr(B.cfg.zookeeper_connect, '/');
    if (!slash || !strcmp(slash, "/"))
        return 0;
    char hosts[1024];
    snprintf(hosts, sizeof(hosts), "%.*s", (int)(slash - B.cfg.zookeeper_connect),
             B.cfg.zookeeper_connect);
    zkc *tmp = zkc_new(B.el, hosts, B.cfg.zookeeper_session_timeout_ms, NULL, NULL);
    if (!tmp)
        return -1;
    int done = 0;
    zkc_ensure_path(tmp, slash, chroot_done_cb, &done);
    zkc_wait(tmp, &done, B.cfg.zookeeper_connection_timeout_ms);
    zkc_close(tmp);
    return done == 1 ? 0 : -1;
}

int cluster_start(void) {
    log_info("kafka.server.KafkaServer", "Connecting to zookeeper on %s",
             B.cfg.zookeeper_connect);
    service_notify_status("Connecting to ZooKeeper at %s", B.cfg.zookeeper_connect);
    B.pid_next = 0;
    B.pid_end = -1;
    B.broker_epoch = -1;
    B.controller_id = -1;
    if (ensure_chroot() != 0) {
        log_error("kafka.server.KafkaServer", "Fatal error during KafkaServer startup. Prepare "
                  "to shutdown: could not create the chroot of %s", B.cfg.zookeeper_connect);
        return -1;
    }
    new_session();
    if (!cluster_zk) {
        log_error("kafka.server.KafkaServer", "Invalid zookeeper.connect: %s",
                  B.cfg.zookeeper_connect);
        return -1;
    }
    int64_t deadline = ae_mono_ms() + B.cfg.zookeeper_connection_timeout_ms;
    while (zkc_state(cluster_zk) != ZKC_CONNECTED || zkc_session_id(cluster_zk) == 0) {
        if (B.stop_requested)
            return -1;
        if (ae_mono_ms() > deadline) {
            log_error("kafka.server.KafkaServer", "Fatal error during KafkaServer startup. "
                      "Prepare to shutdown: Timed out waiting for connection while in state: "
                      "CONNECTING");
            return -1;
        }
        aeProcessEvents(B.el, 100);
    }
    /* registration may wait for an old session to expire */
    service_notify_status("Registering broker %d in ZooKeeper", B.id);
    deadline = ae_mono_ms() + 2 * (int64_t)B.cfg.zookeeper_session_timeout_ms + 30000;
    while (!(B.registered && load_done) && !fatal_error) {
        if (B.stop_requested)
            return -1;
        if (ae_mono_ms() > deadline) {
            log_error("kafka.server.KafkaServer", "Fatal error during KafkaServer startup: "
                      "could not register broker %d in ZooKeeper", B.id);
            return -1;
        }
        aeProcessEvents(B.el, 100);
    }
    return fatal_error ? -1 : 0;
}

void cluster_stop(void) {
    if (cluster_zk) {
        zkc_close(cluster_zk); /* our ephemerals go at once */
        cluster_zk = NULL;
    }
    B.registered = 0;
}

/* ------------------------------------------------------------------------
 * Topic operations
 * ---------------------------------------------------------------------- */
int16_t cluster_assign_replicas(int npartitions, int rf, int first_partition, int fixed_start,
                                int32_t *out) {
    int n = B.nnodes;
    if (rf <= 0 || rf > n)
        return ERR_INVALID_REPLICATION_FACTOR;
    placement_broker *b = malloc((size_t)n * sizeof(*b));
    if (!b)
        abort();
    for (int i = 0; i < n; i++)
        b[i] = (placement_broker){B.nodes[i].id, B.nodes[i].rack};
    int64_t r = ae_wall_ms();
    int start = fixed_start >= 0 ? fixed_start : (int)(r % n);
    int shift = fixed_start >= 0 ? fixed_start : (int)((r / 7) % n);
    int rc = placement_assign(b, n, npartitions, rf, first_partition, start, shift, out);
    free(b);
    if (rc == PLACEMENT_MIXED_RACKS) {
        log_warn(LOG_ZK, "Not all brokers have rack information for replica rack aware "
                 "assignment.");
        return ERR_INVALID_REPLICA_ASSIGNMENT;
    }
    return rc == 0 ? ERR_NONE : ERR_INVALID_REPLICATION_FACTOR;
}

static void assignment_json(wbuf *w, const int32_t *a, int np, int rf) {
    wbuf_printf(w, "{\"version\":2,\"partitions\":{");
    for (int p = 0; p < np; p++) {
        wbuf_printf(w, "%s\"%d\":", p ? "," : "", p);
        write_int_list(w, a + p * rf, rf);
    }
    wbuf_printf(w, "},\"adding_replicas\":{},\"removing_replicas\":{}}");
}

static void config_json(wbuf *w, const char *const *k, const char *const *v, int n) {
    wbuf_printf(w, "{\"version\":1,\"config\":{");
    for (int i = 0; i < n; i++) {
        if (i)
            wb_i8(w, ',');
        json_write_str(w, k[i]);
        wb_i8(w, ':');
        json_write_str(w, v[i]);
    }
    wbuf_printf(w, "}}");
}

typedef struct create_ctx {
    char *name;
    int npartitions;
    int32_t timeout_ms;
    wbuf assignment;
    cluster_done_cb *cb;
    void *arg;
} create_ctx;

static void create_ctx_free(create_ctx *c) {
    free(c->name);
    wb_free(&c->assignment);
    free(c);
}

static void topic_created_cb(int rc, const char *path, void *arg) {
    (void)path;
    create_ctx *c = arg;
    if (rc == ZOK) {
        log_info(LOG_ZK, "Topic creation %.*s", (int)c->assignment.len,
                 (const char *)c->assignment.data);
        add_waiter(c->name, WAIT_CREATE, c->npartitions, c->timeout_ms, c->cb, c->arg);
    } else if (rc == ZNODEEXISTS) {
        char msg[300];
        snprintf(msg, sizeof(msg), "Topic '%s' already exists.", c->name);
        c->cb(c->arg, ERR_TOPIC_ALREADY_EXISTS, msg);
    } else {
        c->cb(c->arg, ERR_UNKNOWN_SERVER_ERROR, zk_error_name(rc));
    }
    create_ctx_free(c);
}

static void topic_config_written_cb(int rc, const char *path, void *arg) {
    (void)path;
    create_ctx *c = arg;
    if (rc != ZOK && rc != ZNODEEXISTS) {
        c->cb(c->arg, ERR_UNKNOWN_SERVER_ERROR, zk_error_name(rc));
        create_ctx_free(c);
        return;
    }
    char p[512];
    snprintf(p, sizeof(p), "/brokers/topics/%s", c->name);
    zkc_create(cluster_zk, p, c->assignment.data, (int)c->assignment.len, ZKC_PERSISTENT,
               topic_created_cb, c);
}

void cluster_create_topic(const char *name, int npartitions, int rf, const int32_t *assignment,
                          const char *const *cfg_keys, const char *const *cfg_values, int ncfg,
                          int32_t timeout_ms, cluster_done_cb *cb, void *arg) {
    int32_t *a = NULL;
    if (!assignment) {
        a = calloc((size_t)npartitions * (size_t)(rf > 0 ? rf : 1), sizeof(int32_t));
        int16_t err = cluster_assign_replicas(npartitions, rf, 0, -1, a);
        if (err) {
            char msg[200];
            snprintf(msg, sizeof(msg), "Replication factor: %d larger than available brokers: %d.",
                     rf, B.nnodes);
            free(a);
            cb(arg, err, msg);
            return;
        }
        assignment = a;
    }
    create_ctx *c = calloc(1, sizeof(*c));
    c->name = xstrdup(name);
    c->npartitions = npartitions;
    c->timeout_ms = timeout_ms;
    c->cb = cb;
    c->arg = arg;
    wb_init(&c->assignment, 128);
    assignment_json(&c->assignment, assignment, npartitions, rf);
    free(a);
    wbuf w;
    wb_init(&w, 128);
    config_json(&w, cfg_keys, cfg_values, ncfg);
    char p[512];
    snprintf(p, sizeof(p), "/config/topics/%s", name);
    zkc_create(cluster_zk, p, w.data, (int)w.len, ZKC_PERSISTENT, topic_config_written_cb, c);
    wb_free(&w);
}

typedef struct simple_ctx {
    char *name;
    const char *entity_type; /* config writes: "topics" or "brokers" */
    int target;
    int32_t timeout_ms;
    cluster_done_cb *cb;
    void *arg;
} simple_ctx;

static simple_ctx *simple_new(const char *name, int target, int32_t timeout_ms,
                              cluster_done_cb *cb, void *arg) {
    simple_ctx *s = calloc(1, sizeof(*s));
    s->name = xstrdup(name);
    s->target = target;
    s->timeout_ms = timeout_ms;
    s->cb = cb;
    s->arg = arg;
    return s;
}

static void simple_free(simple_ctx *s) {
    free(s->name);
    free(s);
}

static void delete_requested_cb(int rc, const char *path, void *arg) {
    (void)path;
    simple_ctx *s = arg;
    if (rc == ZOK || rc == ZNODEEXISTS) {
        log_info("kafka.server.AdminManager", "Topic %s marked for deletion.", s->name);
        add_waiter(s->name, WAIT_DELETE, 0, s->timeout_ms, s->cb, s->arg);
    } else
        s->cb(s->arg, ERR_UNKNOWN_SERVER_ERROR, zk_error_name(rc));
    simple_free(s);
}

void cluster_delete_topic(const char *name, int32_t timeout_ms, cluster_done_cb *cb, void *arg) {
    char p[512];
    snprintf(p, sizeof(p), "/admin/delete_topics/%s", name);
    simple_ctx *s = simple_new(name, 0, timeout_ms, cb, arg);
    zkc_create(cluster_zk, p, NULL, -1, ZKC_PERSISTENT, delete_requested_cb, s);
}

static void partitions_written_cb(int rc, const jute_stat *st, void *arg) {
    (void)st;
    simple_ctx *s = arg;
    if (rc == ZOK)
        add_waiter(s->name, WAIT_PARTITIONS, s->target, s->timeout_ms, s->cb, s->arg);
    else
        s->cb(s->arg, rc == ZBADVERSION ? ERR_REQUEST_TIMED_OUT : ERR_UNKNOWN_SERVER_ERROR,
              zk_error_name(rc));
    simple_free(s);
}

/* Kafka's AdminZkClient.addPartitions: new partitions continue the
 * assignment from the first live broker (by id) not below the first replica
 * of partition 0, with that index as the replica shift too, so they land as
 * the topic's creation would have placed them. */
static int added_partitions_start(const topic *t) {
    int32_t head = t->parts[0]->nreplicas > 0 ? t->parts[0]->replicas[0] : INT32_MAX;
    int32_t best = INT32_MAX;
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id >= head && B.nodes[i].id < best)
            best = B.nodes[i].id;
    int index = 0; /* position of `best` among the live brokers sorted by id */
    for (int i = 0; i < B.nnodes; i++)
        index += B.nodes[i].id < best;
    return best == INT32_MAX ? 0 : index;
}

void cluster_create_partitions(const char *name, int new_total, const int32_t *assignment,
                               int32_t timeout_ms, cluster_done_cb *cb, void *arg) {
    topic *t = topic_find(name);
    if (!t) {
        cb(arg, ERR_UNKNOWN_TOPIC_OR_PARTITION, NULL);
        return;
    }
    for (int i = 0; i < t->npartitions; i++)
        if (t->parts[i]->nadding || t->parts[i]->nremoving) {
            /* the topic znode holds the reassignment: a rewrite would end it */
            char msg[400];
            snprintf(msg, sizeof(msg), "A partition reassignment is in progress for the topic '%s'.",
                     name);
            cb(arg, ERR_REASSIGNMENT_IN_PROGRESS, msg);
            return;
        }
    int rf = t->parts[0]->nreplicas > 0 ? t->parts[0]->nreplicas : 1;
    int old = t->npartitions;
    int32_t *a = calloc((size_t)new_total * (size_t)rf, sizeof(int32_t));
    for (int p = 0; p < old; p++)
        for (int r = 0; r < rf; r++)
            a[p * rf + r] = r < t->parts[p]->nreplicas ? t->parts[p]->replicas[r] : -1;
    if (assignment)
        memcpy(a + old * rf, assignment, (size_t)(new_total - old) * (size_t)rf * sizeof(int32_t));
    else if (cluster_assign_replicas(new_total - old, rf, old, added_partitions_start(t),
                                     a + old * rf)) {
        free(a);
        cb(arg, ERR_INVALID_REPLICATION_FACTOR, "Not enough live brokers for the replication factor");
        return;
    }
    wbuf w;
    wb_init(&w, 256);
    assignment_json(&w, a, new_total, rf);
    free(a);
    char p[512];
    snprintf(p, sizeof(p), "/brokers/topics/%s", name);
    simple_ctx *s = simple_new(name, new_total, timeout_ms, cb, arg);
    zkc_set(cluster_zk, p, w.data, (int)w.len, -1, partitions_written_cb, s);
    wb_free(&w);
}

static void change_notified_cb(int rc, const char *path, void *arg) {
    (void)path;
    simple_ctx *s = arg;
    s->cb(s->arg, rc == ZOK ? ERR_NONE : ERR_UNKNOWN_SERVER_ERROR, rc == ZOK ? NULL : zk_error_name(rc));
    simple_free(s);
}

static void notify_change(simple_ctx *s) {
    char data[600];
    snprintf(data, sizeof(data), "{\"version\":2,\"entity_path\":\"%s/%s\"}", s->entity_type,
             s->name);
    zkc_create(cluster_zk, "/config/changes/config_change_", data, (int)strlen(data),
               ZKC_PERSISTENT | ZKC_SEQUENCE, change_notified_cb, s);
}

static void config_written(int rc, simple_ctx *s) {
    if (rc != ZOK) {
        s->cb(s->arg, ERR_UNKNOWN_SERVER_ERROR, zk_error_name(rc));
        simple_free(s);
        return;
    }
    load_entity_config(s->entity_type, s->name); /* our own view at once */
    notify_change(s);
}

static void config_create_cb(int rc, const char *path, void *arg) {
    (void)path;
    config_written(rc, arg);
}

typedef struct config_set_ctx {
    simple_ctx *s;
    wbuf data;
} config_set_ctx;

/* Kafka's setOrCreateEntityConfigs: set, or create when it is missing. */
static void config_set_cb(int rc, const jute_stat *st, void *arg) {
    (void)st;
    config_set_ctx *c = arg;
    if (rc == ZNONODE) {
        char p[512];
        snprintf(p, sizeof(p), "/config/%s/%s", c->s->entity_type, c->s->name);
        zkc_create(cluster_zk, p, c->data.data, (int)c->data.len, ZKC_PERSISTENT,
                   config_create_cb, c->s);
    } else {
        config_written(rc, c->s);
    }
    wb_free(&c->data);
    free(c);
}

void cluster_set_config(const char *entity_type, const char *name, const char *const *keys,
                        const char *const *values, int n, cluster_done_cb *cb, void *arg) {
    config_set_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    wb_init(&c->data, 128);
    config_json(&c->data, keys, values, n);
    c->s = simple_new(name, 0, 0, cb, arg);
    c->s->entity_type = !strcmp(entity_type, "topics") ? "topics" : "brokers";
    char p[512];
    snprintf(p, sizeof(p), "/config/%s/%s", c->s->entity_type, name);
    zkc_set(cluster_zk, p, c->data.data, (int)c->data.len, -1, config_set_cb, c);
}

/* ------------------------------------------------------------------------
 * Producer ids: blocks of 1000 from /latest_producer_id_block
 * ---------------------------------------------------------------------- */
#define PID_BLOCK 1000

typedef struct pid_wait {
    cluster_pid_cb *cb;
    void *arg;
    struct pid_wait *next;
} pid_wait;

static pid_wait *pid_waiters;
static int pid_fetching;
static void fetch_pid_block(void);

static void serve_pid_waiters(int16_t err) {
    while (pid_waiters && (err || B.pid_next <= B.pid_end)) {
        pid_wait *w = pid_waiters;
        pid_waiters = w->next;
        w->cb(w->arg, err, err ? -1 : B.pid_next++);
        free(w);
    }
    if (pid_waiters)
        fetch_pid_block();
}

static int64_t pending_block_start;

static void pid_block_written(int rc, void *arg) {
    (void)arg;
    pid_fetching = 0;
    if (rc == ZBADVERSION || rc == ZNODEEXISTS) {
        fetch_pid_block(); /* another broker took it: try again */
        return;
    }
    if (rc != ZOK) {
        serve_pid_waiters(ERR_UNKNOWN_SERVER_ERROR);
        return;
    }
    B.pid_next = pending_block_start;
    B.pid_end = pending_block_start + PID_BLOCK - 1;
    log_info("kafka.coordinator.transaction.ProducerIdManager", "[ProducerId Manager %d]: "
             "Acquired new producerId block (brokerId:%d,blockStartProducerId:%lld,"
             "blockEndProducerId:%lld)", B.id, B.id, (long long)B.pid_next, (long long)B.pid_end);
    serve_pid_waiters(ERR_NONE);
}

static void pid_set_cb(int rc, const jute_stat *st, void *arg) {
    (void)st;
    pid_block_written(rc, arg);
}
static void pid_create_cb(int rc, const char *path, void *arg) {
    (void)path;
    pid_block_written(rc, arg);
}

static void pid_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)arg;
    int64_t end = -1;
    if (rc == ZOK && data && len > 0) {
        json *j = json_parse(data, (size_t)len);
        json_int(json_get(j, "block_end"), &end);
        json_free(j);
    } else if (rc != ZOK && rc != ZNONODE) {
        pid_fetching = 0;
        serve_pid_waiters(ERR_UNKNOWN_SERVER_ERROR);
        return;
    }
    pending_block_start = end + 1;
    char buf[200];
    snprintf(buf, sizeof(buf), "{\"version\":1,\"broker\":%d,\"block_start\":\"%lld\","
             "\"block_end\":\"%lld\"}", B.id, (long long)pending_block_start,
             (long long)(pending_block_start + PID_BLOCK - 1));
    if (rc == ZNONODE)
        zkc_create(cluster_zk, "/latest_producer_id_block", buf, (int)strlen(buf), ZKC_PERSISTENT,
                   pid_create_cb, NULL);
    else
        zkc_set(cluster_zk, "/latest_producer_id_block", buf, (int)strlen(buf), st->version, pid_set_cb,
                NULL);
}

static void fetch_pid_block(void) {
    if (pid_fetching)
        return;
    pid_fetching = 1;
    zkc_get(cluster_zk, "/latest_producer_id_block", 0, pid_get_cb, NULL);
}

void cluster_alloc_producer_id(cluster_pid_cb *cb, void *arg) {
    pid_wait *w = calloc(1, sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    pid_wait **pp = &pid_waiters;
    while (*pp)
        pp = &(*pp)->next;
    *pp = w;
    if (B.pid_next <= B.pid_end)
        serve_pid_waiters(ERR_NONE);
    else
        fetch_pid_block();
}
