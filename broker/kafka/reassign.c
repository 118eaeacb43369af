/* reassign.c -- the controller's partition reassignment, after Kafka 2.5's
 * KafkaController (KIP-455). With ORS the original replicas, TRS the
 * target and RS = distinct(TRS ++ ORS):
 *
 *  U  the topic znode /brokers/topics/<t> gets replicas RS,
 *     adding_replicas RS - ORS and removing_replicas RS - TRS (one write,
 *     fenced by the controller epoch). Brokers read it (cluster.c): added
 *     replicas open their logs and follow, the leader starts tracking them
 *     (replica.c), replicas a superseded reassignment had added stop and
 *     delete their logs.
 *  B  once TRS is in the ISR (the controller reads every state znode, so
 *     each ISR change brings it here): one multi writes the topic znode with
 *     replicas TRS and no adding/removing, and the state with a new leader
 *     epoch, the ISR minus the removed replicas and, if the leader is
 *     leaving, the first live in-sync target as leader. Removed replicas
 *     see they are no longer assigned and stop and delete their logs.
 *
 * All of it lives in ZooKeeper, so a new controller resumes where the old
 * one stopped. The later reassignment of a partition replaces an earlier
 * one (ORS stays the origin); a cancel is a reassignment back to ORS.
 * Reassignments come from AlterPartitionReassignments (api_reassign.c) and
 * from the /admin/reassign_partitions znode, whose entries are removed as
 * they complete (the znode with the last one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "cluster_internal.h"
#include "logger.h"
#include "proto.h"
#include "reassign.h"

#define ZK_REASSIGN_PATH "/admin/reassign_partitions"

/* ------------------------------------------------------------------------
 * Replica lists
 * ---------------------------------------------------------------------- */
typedef struct ids {
    int32_t v[256];
    int n;
} ids;

static void ids_add(ids *a, int32_t id) {
    if (a->n < 256 && !id_in_list(a->v, a->n, id))
        a->v[a->n++] = id;
}

/* a minus b, in a's order */
static ids ids_diff(const int32_t *a, int na, const int32_t *b, int nb) {
    ids out = {.n = 0};
    for (int i = 0; i < na; i++)
        if (!id_in_list(b, nb, a[i]))
            ids_add(&out, a[i]);
    return out;
}

static int being_reassigned(const partition *p) { return p->nadding > 0 || p->nremoving > 0; }

static ids target_of(const partition *p) {
    return ids_diff(p->replicas, p->nreplicas, p->removing, p->nremoving);
}

static ids origin_of(const partition *p) {
    return ids_diff(p->replicas, p->nreplicas, p->adding, p->nadding);
}

/* ------------------------------------------------------------------------
 * The topic znode: Kafka's TopicZNode (version 2) from the in-memory
 * assignment, with some partitions replaced
 * ---------------------------------------------------------------------- */
typedef struct part_assignment {
    int set; /* this partition is replaced */
    ids replicas, adding, removing;
} part_assignment;

static void json_map_entry(wbuf *w, int *first, int32_t pid, const int32_t *a, int n) {
    wbuf_printf(w, "%s\"%d\":", *first ? "" : ",", pid);
    write_int_list(w, a, n);
    *first = 0;
}

static void topic_assignment_json(wbuf *w, const topic *t, const part_assignment *ov) {
    static const char *const maps[3] = {"partitions", "adding_replicas", "removing_replicas"};
    wbuf_printf(w, "{\"version\":2");
    for (int m = 0; m < 3; m++) {
        wbuf_printf(w, ",\"%s\":{", maps[m]);
        int first = 1;
        for (int i = 0; i < t->npartitions; i++) {
            const partition *p = t->parts[i];
            const int32_t *a;
            int n;
            if (ov && ov[i].set) {
                const ids *l = m == 0 ? &ov[i].replicas : m == 1 ? &ov[i].adding : &ov[i].removing;
                a = l->v;
                n = l->n;
            } else {
                a = m == 0 ? p->replicas : m == 1 ? p->adding : p->removing;
                n = m == 0 ? p->nreplicas : m == 1 ? p->nadding : p->nremoving;
            }
            if (m == 0 || n > 0)
                json_map_entry(w, &first, i, a, n);
        }
        wb_i8(w, '}');
    }
    wb_i8(w, '}');
}

/* The fenced multi of the controller's writes: check /controller_epoch,
 * then the given setData ops. A failed check means another controller was
 * elected: this one resigns. */
static int fenced_failed(int rc, int n, const zkc_op_result *res) {
    if (rc == ZOK || n <= 0 || res[0].err == ZOK)
        return 0;
    if (B.is_controller) {
        log_info(LOG_CTRL, "[Controller id=%d] Resigning: another controller was elected", B.id);
        B.is_controller = 0;
        zkc_get(cluster_zk, "/controller", 1, controller_get_cb, NULL);
    }
    return 1;
}

/* ------------------------------------------------------------------------
 * /admin/reassign_partitions: the entries the controller still works on
 * ---------------------------------------------------------------------- */
typedef struct zk_entry {
    char *topic;
    int32_t partition;
    ids target;
    int done; /* completed, failed or replaced by a later reassignment */
} zk_entry;

static zk_entry *zk_entries;
static int nzk_entries;
static int zk_node_version = -1;
static int zk_rewrite_in_flight;

static void zk_entries_clear(void) {
    for (int i = 0; i < nzk_entries; i++)
        free(zk_entries[i].topic);
    free(zk_entries);
    zk_entries = NULL;
    nzk_entries = 0;
}

static void zk_rewrite(void);

static void zk_rewritten_set_cb(int rc, const jute_stat *st, void *arg) {
    (void)arg;
    zk_rewrite_in_flight = 0;
    if (rc == ZOK && st)
        zk_node_version = st->version;
    /* BADVERSION: the watch brings the new content; it is pruned again */
}

static void zk_rewritten_del_cb(int rc, void *arg) {
    (void)arg;
    (void)rc;
    zk_rewrite_in_flight = 0;
}

/* Writes the znode without the entries that are done; deletes it once
 * none is left (Kafka's maybeRemoveFromZkReassignment). */
static void zk_rewrite(void) {
    if (zk_rewrite_in_flight || zk_node_version < 0 || !B.is_controller)
        return;
    int left = 0, ndone = 0;
    for (int i = 0; i < nzk_entries; i++) {
        left += !zk_entries[i].done;
        ndone += zk_entries[i].done;
    }
    if (!ndone)
        return;
    zk_rewrite_in_flight = 1;
    if (!left) {
        log_info(LOG_CTRL, "[Controller id=%d] Removing %s: no reassignment left", B.id,
                 ZK_REASSIGN_PATH);
        zkc_delete(cluster_zk, ZK_REASSIGN_PATH, zk_node_version, zk_rewritten_del_cb, NULL);
        zk_entries_clear();
        zk_node_version = -1;
        return;
    }
    wbuf w;
    wb_init(&w, 256);
    wbuf_printf(&w, "{\"version\":1,\"partitions\":[");
    int k = 0, first = 1;
    for (int i = 0; i < nzk_entries; i++) {
        zk_entry *e = &zk_entries[i];
        if (e->done) {
            free(e->topic);
            continue;
        }
        wbuf_printf(&w, "%s{\"topic\":", first ? "" : ",");
        json_write_str(&w, e->topic);
        wbuf_printf(&w, ",\"partition\":%d,\"replicas\":", e->partition);
        write_int_list(&w, e->target.v, e->target.n);
        wb_i8(&w, '}');
        first = 0;
        zk_entries[k++] = *e;
    }
    nzk_entries = k;
    wbuf_printf(&w, "]}");
    zkc_set(cluster_zk, ZK_REASSIGN_PATH, w.data, (int)w.len, zk_node_version,
            zk_rewritten_set_cb, NULL);
    wb_free(&w);
}

/* A reassignment of the partition ended or was replaced: its entry goes. */
static void zk_entry_finish(const char *topic, int32_t partition) {
    for (int i = 0; i < nzk_entries; i++)
        if (!zk_entries[i].done && zk_entries[i].partition == partition &&
            !strcmp(zk_entries[i].topic, topic))
            zk_entries[i].done = 1;
    zk_rewrite();
}

/* ------------------------------------------------------------------------
 * Starting reassignments (step U)
 * ---------------------------------------------------------------------- */
/* Kafka's "Set(1, 2)" / "Vector(1, 2)" */
static void scala_list(char *out, size_t cap, const char *kind, const int32_t *a, int n) {
    size_t at = (size_t)snprintf(out, cap, "%s(", kind);
    if (at < cap)
        at += id_list_str(out + at, cap - at, a, n, ", ");
    if (at < cap)
        snprintf(out + at, cap - at, ")");
}

static void live_list(char *out, size_t cap) {
    int32_t live[256];
    int n = 0;
    for (int i = 0; i < B.nnodes && n < 256; i++)
        live[n++] = B.nodes[i].id;
    for (int i = 1; i < n; i++) /* sorted, for a stable message */
        for (int j = i; j > 0 && live[j - 1] > live[j]; j--) {
            int32_t x = live[j];
            live[j] = live[j - 1];
            live[j - 1] = x;
        }
    scala_list(out, cap, "Set", live, n);
}

static void set_error(reassign_item *it, int16_t code, const char *msg) {
    it->error = code;
    free(it->message);
    it->message = msg ? strdup(msg) : NULL;
}

/* Kafka's validateReplicas (API requests only). */
static int validate_replicas(const partition *p, reassign_item *it) {
    char msg[1536], list[512];
    if (it->nreplicas == 0) {
        set_error(it, ERR_INVALID_REPLICA_ASSIGNMENT,
                  "Empty replica list specified in partition reassignment.");
        return -1;
    }
    for (int i = 0; i < it->nreplicas; i++)
        for (int k = 0; k < i; k++)
            if (it->replicas[i] == it->replicas[k]) {
                scala_list(list, sizeof(list), "Buffer", it->replicas, it->nreplicas);
                snprintf(msg, sizeof(msg), "Duplicate replica ids in partition reassignment "
                         "replica list: %s", list);
                set_error(it, ERR_INVALID_REPLICA_ASSIGNMENT, msg);
                return -1;
            }
    for (int i = 0; i < it->nreplicas; i++)
        if (it->replicas[i] < 0) {
            scala_list(list, sizeof(list), "Buffer", it->replicas, it->nreplicas);
            snprintf(msg, sizeof(msg), "Invalid broker id in replica list: %s", list);
            set_error(it, ERR_INVALID_REPLICA_ASSIGNMENT, msg);
            return -1;
        }
    ids origin = p ? (being_reassigned(p) ? origin_of(p)
                                          : ids_diff(p->replicas, p->nreplicas, NULL, 0))
                   : (ids){.n = 0};
    ids adding = ids_diff(it->replicas, it->nreplicas, origin.v, origin.n);
    for (int i = 0; i < adding.n; i++)
        if (!broker_alive(adding.v[i])) {
            char live[512];
            scala_list(list, sizeof(list), "List", adding.v, adding.n);
            live_list(live, sizeof(live));
            snprintf(msg, sizeof(msg), "Replica assignment has brokers that are not alive. "
                     "Replica list: %s, live broker list: %s", list, live);
            set_error(it, ERR_INVALID_REPLICA_ASSIGNMENT, msg);
            return -1;
        }
    return 0;
}

/* The new assignment of p for target (NULL: cancel, back to the origin).
 * Returns 0, or -1 when a cancel finds nothing in progress. */
static int build_reassignment(const partition *p, const int32_t *target, int ntarget,
                              part_assignment *out) {
    ids origin = being_reassigned(p) ? origin_of(p) : ids_diff(p->replicas, p->nreplicas, NULL, 0);
    if (!target) {
        if (!being_reassigned(p))
            return -1;
        target = origin.v;
        ntarget = origin.n;
    }
    memset(out, 0, sizeof(*out));
    out->set = 1;
    for (int i = 0; i < ntarget; i++)
        ids_add(&out->replicas, target[i]);
    for (int i = 0; i < origin.n; i++)
        ids_add(&out->replicas, origin.v[i]);
    out->adding = ids_diff(out->replicas.v, out->replicas.n, origin.v, origin.n);
    out->removing = ids_diff(out->replicas.v, out->replicas.n, target, ntarget);
    return 0;
}

typedef struct start_req {
    char *topic;
    reassign_item *items;
    int n;
    int from_zk;
    int64_t deadline;
    reassign_done_cb *done;
    void *arg;
} start_req;

static void start_req_end(start_req *s) {
    if (s->done)
        s->done(s->arg);
    free(s->topic);
    free(s);
}

static void start_written_cb(int rc, int n, const zkc_op_result *res, void *arg) {
    start_req *s = arg;
    topic *t = topic_find(s->topic);
    if (t)
        t->assignment_write_in_flight = 0;
    int fenced = fenced_failed(rc, n, res);
    for (int i = 0; i < s->n; i++) {
        reassign_item *it = &s->items[i];
        if (it->error != -1)
            continue;
        if (rc == ZOK) {
            it->error = ERR_NONE;
            char to[512];
            id_list_str(to, sizeof(to), it->replicas, it->nreplicas, ",");
            log_info(LOG_CTRL, "[Controller id=%d] %s of partition %s-%d%s%s started", B.id,
                     it->nreplicas < 0 ? "Cancellation of the reassignment" : "Reassignment",
                     s->topic, it->partition, it->nreplicas < 0 ? "" : " to ", to);
        } else
            set_error(it, fenced ? ERR_NOT_CONTROLLER : ERR_UNKNOWN_SERVER_ERROR,
                      fenced ? NULL : zk_error_name(rc));
    }
    start_req_end(s);
}

static int start_retry(aeEventLoop *el, long long id, void *arg);

/* Validates, then writes step U for the topic's partitions of s. */
static void start_try(start_req *s) {
    topic *t = topic_find(s->topic);
    if (!B.is_controller) {
        for (int i = 0; i < s->n; i++)
            if (s->items[i].error == -1)
                set_error(&s->items[i], ERR_NOT_CONTROLLER, NULL);
        start_req_end(s);
        return;
    }
    if (t && !t->deleting && (t->assignment_write_in_flight || t->assignment_zk_version < 0)) {
        if (ae_mono_ms() < s->deadline) { /* another write of this topic first */
            aeCreateTimeEvent(B.el, 20, start_retry, s);
            return;
        }
        for (int i = 0; i < s->n; i++)
            if (s->items[i].error == -1)
                set_error(&s->items[i], ERR_REQUEST_TIMED_OUT, NULL);
        start_req_end(s);
        return;
    }
    part_assignment *ov = t ? calloc((size_t)(t->npartitions > 0 ? t->npartitions : 1),
                                     sizeof(*ov)) : NULL;
    int changes = 0;
    for (int i = 0; i < s->n; i++) {
        reassign_item *it = &s->items[i];
        partition *p = t && !t->deleting ? partition_get(t, it->partition) : NULL;
        if (p && p->nreplicas == 0)
            p = NULL;
        if (it->nreplicas >= 0 && !s->from_zk && validate_replicas(p, it) != 0)
            continue;
        if (it->nreplicas < 0 && (!p || !being_reassigned(p))) {
            set_error(it, ERR_NO_REASSIGNMENT_IN_PROGRESS, NULL);
            continue;
        }
        if (!p) {
            set_error(it, ERR_UNKNOWN_TOPIC_OR_PARTITION, "The partition does not exist.");
            continue;
        }
        build_reassignment(p, it->nreplicas >= 0 ? it->replicas : NULL, it->nreplicas,
                           &ov[p->id]);
        it->error = -1; /* pending the write */
        changes++;
        /* the latest reassignment stands: an API one replaces the znode's */
        if (!s->from_zk)
            zk_entry_finish(t->name, p->id);
    }
    if (!changes) {
        free(ov);
        start_req_end(s);
        return;
    }
    wbuf w;
    wb_init(&w, 512);
    topic_assignment_json(&w, t, ov);
    free(ov);
    char path[512];
    snprintf(path, sizeof(path), "/brokers/topics/%s", t->name);
    zkc_op ops[2] = {
        {.type = ZOO_CHECK_OP, .path = "/controller_epoch", .version = controller_epoch_zk_version},
        {.type = ZOO_SETDATA_OP, .path = path, .data = w.data, .len = (int)w.len,
         .version = t->assignment_zk_version},
    };
    t->assignment_write_in_flight = 1;
    zkc_multi(cluster_zk, ops, 2, start_written_cb, s); /* refused too: the callback says */
    wb_free(&w);
}

static int start_retry(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    start_try(arg);
    return AE_NOMORE;
}

void controller_reassign(const char *topic_name, reassign_item *items, int n, int timeout_ms,
                         reassign_done_cb *done, void *arg) {
    start_req *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->topic = xstrdup(topic_name);
    s->items = items;
    s->n = n;
    s->deadline = ae_mono_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
    s->done = done;
    s->arg = arg;
    for (int i = 0; i < n; i++)
        items[i].error = -1;
    start_try(s);
}

/* ------------------------------------------------------------------------
 * Completing reassignments (step B)
 * ---------------------------------------------------------------------- */
static void complete_written_cb(int rc, int n, const zkc_op_result *res, void *arg) {
    part_ref *r = arg;
    topic *t = topic_find(r->topic);
    if (t)
        t->assignment_write_in_flight = 0;
    if (rc == ZOK) {
        log_info(LOG_CTRL, "[Controller id=%d] Reassignment of partition %s-%d completed", B.id,
                 r->topic, r->partition);
        zk_entry_finish(r->topic, r->partition);
    } else if (!fenced_failed(rc, n, res))
        log_info(LOG_CTRL, "[Controller id=%d] Completing the reassignment of %s-%d: %s "
                 "(retried on the next change)", B.id, r->topic, r->partition, zk_error_name(rc));
    if (t)
        load_state(t, r->partition);
    part_ref_free(r);
}

void reassign_check(partition *p) {
    topic *t = p->topic;
    if (!B.is_controller || t->deleting || !being_reassigned(p) ||
        t->assignment_write_in_flight || t->assignment_zk_version < 0 ||
        p->state_zk_version < 0 || p->leader < 0)
        return;
    ids target = target_of(p);
    for (int i = 0; i < target.n; i++)
        if (!id_in_list(p->isr, p->nisr, target.v[i]))
            return; /* step A: waiting for the targets to join the ISR */
    int32_t leader = -1;
    if (id_in_list(target.v, target.n, p->leader) && broker_alive(p->leader))
        leader = p->leader;
    for (int i = 0; i < target.n && leader < 0; i++)
        if (broker_alive(target.v[i]))
            leader = target.v[i];
    if (leader < 0)
        return;
    ids isr = ids_diff(p->isr, p->nisr, p->removing, p->nremoving);
    char tl[512];
    id_list_str(tl, sizeof(tl), target.v, target.n, ",");
    log_info(LOG_CTRL, "[Controller id=%d] Target replicas [%s] have all caught up with the "
             "leader for reassigning partition %s-%d; leader %d -> %d, leader epoch %d", B.id, tl,
             t->name, p->id, p->leader, leader, p->leader_epoch + 1);
    part_assignment *ov = calloc((size_t)t->npartitions, sizeof(*ov));
    if (!ov)
        abort();
    ov[p->id].set = 1;
    ov[p->id].replicas = target;
    wbuf tw, sw;
    wb_init(&tw, 512);
    wb_init(&sw, 128);
    topic_assignment_json(&tw, t, ov);
    free(ov);
    state_json(&sw, B.controller_epoch, leader, p->leader_epoch + 1, isr.v, isr.n);
    char tpath[512], spath[512];
    snprintf(tpath, sizeof(tpath), "/brokers/topics/%s", t->name);
    state_path(spath, sizeof(spath), t->name, p->id);
    zkc_op ops[3] = {
        {.type = ZOO_CHECK_OP, .path = "/controller_epoch", .version = controller_epoch_zk_version},
        {.type = ZOO_SETDATA_OP, .path = tpath, .data = tw.data, .len = (int)tw.len,
         .version = t->assignment_zk_version},
        {.type = ZOO_SETDATA_OP, .path = spath, .data = sw.data, .len = (int)sw.len,
         .version = p->state_zk_version},
    };
    t->assignment_write_in_flight = 1;
    p->state_zk_version = -3; /* write in progress: no ISR write meanwhile */
    part_ref *ref = part_ref_new(t->name, p->id);
    zkc_multi(cluster_zk, ops, 3, complete_written_cb, ref); /* refused too: the callback says */
    wb_free(&tw);
    wb_free(&sw);
}

/* ------------------------------------------------------------------------
 * Listing (ListPartitionReassignments)
 * ---------------------------------------------------------------------- */
int reassign_describe(const partition *p, reassign_state *out) {
    if (!being_reassigned(p))
        return 0;
    out->replicas = p->replicas;
    out->nreplicas = p->nreplicas;
    out->adding = p->adding;
    out->nadding = p->nadding;
    out->removing = p->removing;
    out->nremoving = p->nremoving;
    return 1;
}

static void any_reassigned(topic *t, void *arg) {
    for (int i = 0; i < t->npartitions && !*(int *)arg; i++)
        *(int *)arg = being_reassigned(t->parts[i]);
}

int reassign_in_progress(void) {
    int any = 0;
    topic_foreach(any_reassigned, &any);
    return any;
}

/* ------------------------------------------------------------------------
 * /admin/reassign_partitions (the 2.5 --zookeeper tool writes it)
 * ---------------------------------------------------------------------- */
typedef struct zk_batch {
    reassign_item *items;
    int n;
    int outstanding;
} zk_batch;

static void zk_topic_started(void *arg) {
    zk_batch *b = arg;
    if (--b->outstanding > 0)
        return;
    int failed = 0;
    for (int i = 0; i < b->n; i++) {
        reassign_item *it = &b->items[i];
        if (it->error != ERR_NONE) {
            log_warn(LOG_CTRL, "[Controller id=%d] Failed reassignment through zk of %s-%d: "
                     "error %d", B.id, it->topic, it->partition, it->error);
            for (int k = 0; k < nzk_entries; k++)
                if (zk_entries[k].partition == it->partition &&
                    !strcmp(zk_entries[k].topic, it->topic))
                    zk_entries[k].done = 1;
            failed++;
        }
        free(it->topic);
        free(it->replicas);
        free(it->message);
    }
    free(b->items);
    free(b);
    if (failed)
        zk_rewrite();
}

static void zk_reassign_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg);

static void zk_reassign_exists_cb(int rc, const jute_stat *st, void *arg) {
    (void)st;
    (void)arg;
    if (rc == ZOK && B.is_controller) /* created meanwhile */
        zkc_get(cluster_zk, ZK_REASSIGN_PATH, 1, zk_reassign_get_cb, NULL);
}

static void zk_reassign_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)arg;
    if (!B.is_controller)
        return;
    if (rc == ZNONODE) {
        zk_entries_clear();
        zk_node_version = -1;
        zkc_exists(cluster_zk, ZK_REASSIGN_PATH, 1, zk_reassign_exists_cb, NULL);
        return;
    }
    if (rc != ZOK)
        return;
    zk_node_version = st->version;
    json *j = data ? json_parse(data, (size_t)len) : NULL;
    const json *parts = json_get(j, "partitions");
    zk_entry *entries = NULL;
    int n = 0;
    zk_batch *b = calloc(1, sizeof(*b));
    if (!b)
        abort();
    b->items = calloc((size_t)(parts && parts->type == JSON_ARRAY && parts->n ? parts->n : 1),
                      sizeof(reassign_item));
    entries = calloc((size_t)(parts && parts->type == JSON_ARRAY && parts->n ? parts->n : 1),
                     sizeof(zk_entry));
    if (!b->items || !entries)
        abort();
    for (int i = 0; parts && parts->type == JSON_ARRAY && i < parts->n; i++) {
        const json *e = parts->items[i];
        const char *tn = json_str(json_get(e, "topic"));
        int64_t pid;
        int32_t *reps = NULL;
        int nr = parse_int_list(json_get(e, "replicas"), &reps);
        if (!tn || json_int(json_get(e, "partition"), &pid) != 0 || nr <= 0) {
            free(reps);
            continue;
        }
        zk_entry *z = &entries[n++];
        z->topic = xstrdup(tn);
        z->partition = (int32_t)pid;
        for (int k = 0; k < nr; k++)
            ids_add(&z->target, reps[k]);
        /* known already (started by this controller), or already where it
         * should be, or in progress to that target: nothing to start */
        int known = 0;
        for (int k = 0; k < nzk_entries && !known; k++)
            known = zk_entries[k].partition == z->partition && !strcmp(zk_entries[k].topic, tn) &&
                    zk_entries[k].target.n == z->target.n &&
                    !memcmp(zk_entries[k].target.v, z->target.v, (size_t)z->target.n * 4);
        topic *t = topic_find(tn);
        partition *p = t ? partition_get(t, z->partition) : NULL;
        if (!known && p) {
            ids cur = being_reassigned(p) ? target_of(p) : ids_diff(p->replicas, p->nreplicas,
                                                                    NULL, 0);
            if (cur.n == z->target.n && !memcmp(cur.v, z->target.v, (size_t)cur.n * 4)) {
                known = 1;
                z->done = !being_reassigned(p);
            }
        }
        if (!known) {
            reassign_item *it = &b->items[b->n++];
            it->topic = xstrdup(tn);
            it->partition = z->partition;
            it->replicas = reps;
            it->nreplicas = nr;
            reps = NULL;
        }
        free(reps);
    }
    json_free(j);
    zk_entries_clear();
    zk_entries = entries;
    nzk_entries = n;
    if (n)
        log_info(LOG_CTRL, "[Controller id=%d] %d partition reassignment(s) in %s, %d to start",
                 B.id, n, ZK_REASSIGN_PATH, b->n);
    /* start them, one request per topic */
    b->outstanding = 1;
    for (int i = 0; i < b->n; i++) {
        int first = 1;
        for (int k = 0; k < i; k++)
            if (!strcmp(b->items[k].topic, b->items[i].topic))
                first = 0;
        if (!first)
            continue;
        /* items of one topic must be contiguous for controller_reassign */
        int at = i + 1;
        for (int k = i + 1; k < b->n; k++)
            if (!strcmp(b->items[k].topic, b->items[i].topic)) {
                reassign_item tmp = b->items[at];
                b->items[at] = b->items[k];
                b->items[k] = tmp;
                at++;
            }
        start_req *s = calloc(1, sizeof(*s));
        if (!s)
            abort();
        s->topic = xstrdup(b->items[i].topic);
        s->items = &b->items[i];
        s->n = at - i;
        s->from_zk = 1;
        s->deadline = ae_mono_ms() + 30000;
        s->done = zk_topic_started;
        s->arg = b;
        for (int k = i; k < at; k++)
            b->items[k].error = -1;
        b->outstanding++;
        start_try(s);
        i = at - 1;
    }
    zk_topic_started(b);
    zk_rewrite(); /* entries already complete */
}

void reassign_watch_zk(void) {
    zkc_get(cluster_zk, ZK_REASSIGN_PATH, 1, zk_reassign_get_cb, NULL);
}

int reassign_zk_path(const char *path) { return !strcmp(path, ZK_REASSIGN_PATH); }
