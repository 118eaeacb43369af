/* api_offset_commit.c -- committed offsets: OffsetCommit v0-7, OffsetFetch
 * v0-5 and OffsetDelete v0, with Kafka 2.5's checks (group generation and
 * membership, metadata size, unknown partitions). Commits are written to
 * __consumer_offsets (group_store.c) before they are acknowledged.
 *
 * The three requests share one shape, topics [name, partitions [...]]; it is
 * decoded once into a tp_list (topic names point into the request), and the
 * responses are written from that list. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "group.h"
#include "replica.h"

/* ------------------------------------------------------------------------
 * topics [name, partitions [...]]
 * ---------------------------------------------------------------------- */
typedef struct tp_item {
    char *topic; /* NUL-terminated copy ("" for a null name) */
    int32_t partition;
    int16_t error;
    goffset o;   /* OffsetCommit: what to store (o.topic aliases topic) */
} tp_item;

typedef struct tp_list {
    tp_item *items;
    int n, cap;
    int ntopics;
    char **names;    /* each topic's name as sent (NULL: null), in request order */
    int32_t *nparts; /* and its number of partitions */
} tp_list;

enum { TP_COMMIT, TP_INDEXES }; /* per-partition layout: commit data / int32 only */

static tp_item *tp_add(tp_list *l) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = realloc(l->items, (size_t)l->cap * sizeof(tp_item));
        if (!l->items)
            abort();
    }
    tp_item *it = &l->items[l->n++];
    memset(it, 0, sizeof(*it));
    it->o.leader_epoch = -1;
    it->o.commit_ts = -1;
    it->o.expire_ts = -1;
    return it;
}

static void tp_free(tp_list *l) {
    for (int i = 0; i < l->n; i++) {
        free(l->items[i].topic);
        free(l->items[i].o.metadata);
    }
    free(l->items);
    for (int i = 0; l->names && i < l->ntopics; i++)
        free(l->names[i]);
    free(l->names);
    free(l->nparts);
}

/* Decodes the topics array (count already read and checked); for commits
 * md_len[i] receives item i's metadata length. Returns 0 or -1 (malformed). */
static int tp_decode(rbuf *rb, int32_t ntopics, int kind, int v, tp_list *l, int32_t *md_len) {
    l->ntopics = ntopics > 0 ? ntopics : 0;
    l->nparts = calloc((size_t)(ntopics > 0 ? ntopics : 1), sizeof(int32_t));
    l->names = calloc((size_t)(ntopics > 0 ? ntopics : 1), sizeof(char *));
    if (!l->nparts || !l->names)
        abort();
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_read_str(rb, &name);
        l->names[i] = KSTR_IS_NULL(name) ? NULL : kstr_dup(name);
        rb_read_i32(rb, &np);
        size_t min_size = kind == TP_COMMIT ? 14 : 4;
        rb_check_count_nn(rb, np, min_size);
        l->nparts[i] = np;
        for (int32_t j = 0; j < np; j++) {
            tp_item *it = tp_add(l);
            it->topic = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
            if (!it->topic)
                abort();
            it->o.topic = it->topic;
            rb_read_i32(rb, &it->partition);
            it->o.partition = it->partition;
            if (kind != TP_COMMIT)
                continue;
            kstr md;
            rb_read_i64(rb, &it->o.offset);
            if (v >= 6)
                rb_read_i32(rb, &it->o.leader_epoch);
            if (v == 1)
                rb_read_i64(rb, &it->o.commit_ts);
            rb_read_str(rb, &md);
            it->o.metadata = KSTR_IS_NULL(md) ? NULL : kstr_dup(md);
            md_len[l->n - 1] = md.len;
        }
    }
    return 0;
err_parse:
    return -1;
}

/* topics [name, partitions [partition_index, error_code]] */
static void tp_write_errors(wbuf *w, const tp_list *l) {
    wb_i32(w, l->ntopics);
    int k = 0;
    for (int i = 0; i < l->ntopics; i++) {
        wb_cstr(w, l->names[i]);
        wb_i32(w, l->nparts[i]);
        for (int32_t j = 0; j < l->nparts[i]; j++, k++) {
            wb_i32(w, l->items[k].partition);
            wb_i16(w, l->items[k].error);
        }
    }
}

static int partition_known(const char *tname, int32_t p) {
    topic *t = topic_find(tname);
    return t && !t->deleting && partition_get(t, p) != NULL;
}

/* ------------------------------------------------------------------------
 * OffsetCommit
 * ---------------------------------------------------------------------- */

/* GroupCoordinator.doCommitOffsets: may this commit be stored? */
static int16_t commit_allowed(const char *gid, int32_t part, int32_t generation, const char *mid,
                              const char *iid, group **out) {
    group *g = group_find(gid);
    if (!g) {
        if (generation >= 0)
            return ERR_ILLEGAL_GENERATION;
        g = group_get_or_create(gid, part);
    }
    *out = g;
    if (g->state == GS_DEAD)
        return ERR_COORDINATOR_NOT_AVAILABLE;
    if (group_is_fenced(g, mid, iid))
        return ERR_FENCED_INSTANCE_ID;
    if (generation < 0 && g->state == GS_EMPTY)
        return ERR_NONE; /* a group that only stores offsets */
    if (g->state == GS_COMPLETING)
        return ERR_REBALANCE_IN_PROGRESS;
    gmember *m = group_find_member(g, mid);
    if (!m)
        return ERR_UNKNOWN_MEMBER_ID;
    if (generation != g->generation)
        return ERR_ILLEGAL_GENERATION;
    group_member_heartbeat(m);
    return ERR_NONE;
}

/* When a commit with retention_time (v2-v4; -1 = offsets.retention.minutes)
 * expires. Kafka computes now + retention_time in a Java long, which wraps
 * for values near Long.MAX_VALUE; like any negative retention, the result
 * lies in the past and the offset goes at the next expiry pass. Here such a
 * time is 0 (a negative expire_ts means "none"). */
static int64_t expire_after(int64_t now, int64_t retention) {
    int64_t t = (int64_t)((uint64_t)now + (uint64_t)retention);
    return t < 0 ? 0 : t;
}

/* Validates, stores and applies the commits of l; sets each item's error.
 * Returns the __consumer_offsets partition written to, or -1. */
static int32_t commit(tp_list *l, const int32_t *md_len, const char *gid, int32_t generation,
                      const char *mid, const char *iid, int64_t retention, int v) {
    int32_t written = -1;
    int32_t part = 0;
    int16_t gerr = group_coordinator_check(gid, 1, &part);
    goffset **valid = calloc((size_t)(l->n > 0 ? l->n : 1), sizeof(*valid));
    if (!valid)
        abort();
    int64_t now = ae_wall_ms();
    int nvalid = 0, value_v1 = 0;
    int64_t default_retention = (int64_t)B.cfg.offsets_retention_minutes * 60000;
    for (int i = 0; i < l->n; i++) {
        tp_item *it = &l->items[i];
        if (v == 1 && it->o.commit_ts >= 0)
            it->o.expire_ts = it->o.commit_ts > INT64_MAX - default_retention
                                  ? INT64_MAX /* Kafka: now - commit_ts never reaches retention */
                                  : it->o.commit_ts + default_retention;
        else if (retention != -1)
            it->o.expire_ts = expire_after(now, retention);
        if (it->o.commit_ts < 0)
            it->o.commit_ts = now;
        value_v1 |= it->o.expire_ts >= 0;
        if (gerr)
            it->error = gerr;
        else if (!partition_known(it->topic, it->partition))
            it->error = ERR_UNKNOWN_TOPIC_OR_PARTITION;
        else if (md_len[i] > B.cfg.offset_metadata_max_bytes)
            it->error = ERR_OFFSET_METADATA_TOO_LARGE;
        else
            valid[nvalid++] = &it->o;
    }
    if (nvalid > 0) {
        group *g = NULL;
        int16_t err = commit_allowed(gid, part, generation, mid, iid, &g);
        if (!err)
            err = store_offsets(g, valid, nvalid, value_v1);
        if (!err)
            written = part;
        for (int i = 0; i < l->n; i++) {
            tp_item *it = &l->items[i];
            if (it->error || (it->error = err))
                continue;
            goffset *o = group_offset_put(g, it->topic, it->partition);
            o->offset = it->o.offset;
            o->leader_epoch = it->o.leader_epoch;
            free(o->metadata);
            o->metadata = it->o.metadata;
            it->o.metadata = NULL;
            o->commit_ts = it->o.commit_ts;
            o->expire_ts = it->o.expire_ts;
        }
    }
    free(valid);
    return written;
}

/* offsets.commit.required.acks=-1 (Kafka's default): the answer waits until
 * the commit is replicated to the offsets partition's ISR, with Kafka's
 * mapping of the append's errors (GroupMetadataManager.storeOffsets). */
typedef struct commit_wait {
    request *rq;
    tp_list l;
} commit_wait;

static void commit_write_response(request *rq, tp_list *l, response *rs) {
    if (rq->api_version >= 3)
        wb_i32(&rs->wb, 0); /* throttle_time_ms */
    tp_write_errors(&rs->wb, l);
}

static void commit_replicated(void *arg, int16_t err) {
    commit_wait *cw = arg;
    int16_t mapped = ERR_NONE;
    if (err == ERR_NOT_LEADER_FOR_PARTITION || err == ERR_KAFKA_STORAGE_ERROR)
        mapped = ERR_NOT_COORDINATOR;
    else if (err != ERR_NONE)
        mapped = ERR_COORDINATOR_NOT_AVAILABLE;
    for (int i = 0; i < cw->l.n; i++)
        if (!cw->l.items[i].error)
            cw->l.items[i].error = mapped;
    response rs;
    resp_init(&rs);
    commit_write_response(cw->rq, &cw->l, &rs);
    request_complete(cw->rq, &rs);
    tp_free(&cw->l);
    free(cw);
}

/* Defers the answer until the write to partition `part` is replicated;
 * returns 1 when deferred (l then belongs to the waiter). */
static int commit_wait_replicated(request *rq, tp_list *l, int32_t part) {
    topic *t = topic_find("__consumer_offsets");
    partition *p = t ? partition_get(t, part) : NULL;
    if (!p || !p->log || B.cfg.offsets_commit_required_acks != -1)
        return 0;
    commit_wait *cw = calloc(1, sizeof(*cw));
    if (!cw)
        abort();
    cw->rq = rq;
    cw->l = *l;
    if (replica_wait_replicated(p, plog_log_end_offset(p->log), t->cfg.min_insync_replicas,
                                B.cfg.offsets_commit_timeout_ms, commit_replicated, cw)) {
        free(cw);
        return 0;
    }
    memset(l, 0, sizeof(*l));
    return 1;
}

int handle_OffsetCommit(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr group_id, member_id = {"", 0}, instance_id = {NULL, -1};
    int32_t generation = -1, ntopics;
    int64_t retention = -1;
    rb_read_str(rb, &group_id);
    if (v >= 1) {
        rb_read_i32(rb, &generation);
        rb_read_str(rb, &member_id);
    }
    if (v >= 2 && v <= 4)
        rb_read_i64(rb, &retention);
    if (v >= 7)
        rb_read_str(rb, &instance_id);
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);

    tp_list l = {0};
    /* at most one partition per 14 bytes of the request */
    int32_t *md_len = calloc(rb_remain(rb) / 14 + 1, sizeof(int32_t));
    if (!md_len)
        abort();
    int r = tp_decode(rb, ntopics, TP_COMMIT, v, &l, md_len);
    if (r == 0) {
        char *gid = KSTR_IS_NULL(group_id) ? NULL : kstr_dup(group_id);
        char *mid = KSTR_IS_NULL(member_id) ? strdup("") : kstr_dup(member_id);
        char *iid = KSTR_IS_NULL(instance_id) ? NULL : kstr_dup(instance_id);
        int32_t written = commit(&l, md_len, gid, generation, mid, iid, retention, v);
        free(gid);
        free(mid);
        free(iid);
        if (written >= 0 && commit_wait_replicated(rq, &l, written)) {
            resp_free(rs); /* the waiter writes the whole answer */
            r = 1;
        } else
            commit_write_response(rq, &l, rs);
    }
    free(md_len);
    tp_free(&l);
    return r;
err_parse:
    return -1;
}

/* ------------------------------------------------------------------------
 * OffsetFetch
 * ---------------------------------------------------------------------- */
static void write_fetched(wbuf *w, int v, int32_t partition, const goffset *o, int16_t err) {
    wb_i32(w, partition);
    wb_i64(w, o ? o->offset : -1);
    if (v >= 5)
        wb_i32(w, o ? o->leader_epoch : -1);
    wb_cstr(w, o && o->metadata ? o->metadata : "");
    wb_i16(w, err);
}

/* Every committed offset of the group, grouped by topic. */
static void write_all_offsets(wbuf *w, int v, group *g) {
    size_t at = wb_i32(w, 0);
    int nt = 0;
    for (int i = 0; g && i < g->noffsets; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(g->offsets[j].topic, g->offsets[i].topic);
        if (seen)
            continue;
        nt++;
        wb_cstr(w, g->offsets[i].topic);
        size_t pat = wb_i32(w, 0);
        int np = 0;
        for (int j = i; j < g->noffsets; j++)
            if (!strcmp(g->offsets[j].topic, g->offsets[i].topic)) {
                write_fetched(w, v, g->offsets[j].partition, &g->offsets[j], ERR_NONE);
                np++;
            }
        wb_put_i32(w, pat, np);
    }
    wb_put_i32(w, at, nt);
}

int handle_OffsetFetch(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr group_id;
    int32_t ntopics;
    rb_read_str(rb, &group_id);
    rb_read_i32(rb, &ntopics);
    if (ntopics < 0 && v < 2)
        goto err_parse;
    rb_check_count(rb, ntopics, 6);
    tp_list l = {0};
    if (tp_decode(rb, ntopics, TP_INDEXES, v, &l, NULL) != 0) {
        tp_free(&l);
        return -1;
    }
    char *gid = KSTR_IS_NULL(group_id) ? NULL : kstr_dup(group_id);
    int32_t part;
    int16_t err = group_coordinator_check(gid, 1, &part);
    group *g = err ? NULL : group_find(gid);
    free(gid);
    wbuf *w = &rs->wb;
    if (v >= 3)
        wb_i32(w, 0);
    int16_t top = v >= 2 ? err : ERR_NONE; /* v0-1: errors per partition */
    if (top) {
        wb_i32(w, 0);
    } else if (ntopics < 0) {
        write_all_offsets(w, v, g);
    } else {
        wb_i32(w, l.ntopics);
        int k = 0;
        for (int i = 0; i < l.ntopics; i++) {
            wb_cstr(w, l.names[i]);
            wb_i32(w, l.nparts[i]);
            for (int32_t j = 0; j < l.nparts[i]; j++, k++) {
                tp_item *it = &l.items[k];
                write_fetched(w, v, it->partition,
                              g ? group_offset(g, it->topic, it->partition) : NULL, err);
            }
        }
    }
    if (v >= 2)
        wb_i16(w, top);
    tp_free(&l);
    return 0;
err_parse:
    return -1;
}

/* ------------------------------------------------------------------------
 * OffsetDelete
 * ---------------------------------------------------------------------- */

/* Deletes the offsets of l the group allows (GroupCoordinator.handleDeleteOffsets);
 * sets each item's error. */
static void delete_offsets(group *g, tp_list *l) {
    int members_consumer = g->state != GS_EMPTY && g->protocol_type &&
                           !strcmp(g->protocol_type, "consumer");
    goffset **del = calloc((size_t)(l->n > 0 ? l->n : 1), sizeof(*del));
    if (!del)
        abort();
    int ndel = 0;
    for (int i = 0; i < l->n; i++) {
        tp_item *it = &l->items[i];
        goffset *o;
        if (!partition_known(it->topic, it->partition))
            it->error = ERR_UNKNOWN_TOPIC_OR_PARTITION;
        else if (members_consumer && group_subscribed_to(g, it->topic) != 0)
            it->error = ERR_GROUP_SUBSCRIBED_TO_TOPIC;
        else if ((o = group_offset(g, it->topic, it->partition)) != NULL) {
            int dup = 0;
            for (int d = 0; d < ndel && !dup; d++)
                dup = del[d] == o;
            if (!dup)
                del[ndel++] = o;
        }
    }
    int16_t serr = ERR_NONE;
    if (ndel > 0) {
        int now_dead = g->state == GS_EMPTY && ndel == g->noffsets;
        serr = store_tombstones(g, del, ndel, now_dead);
        if (!serr) {
            for (int i = 0; i < l->n; i++) /* by key: entries move as others go */
                if (!l->items[i].error)
                    group_offset_del(g, l->items[i].topic, l->items[i].partition);
            if (now_dead) {
                group_set_state(g, GS_DEAD);
                group_remove(g);
            }
        }
    }
    for (int i = 0; i < l->n; i++)
        if (!l->items[i].error)
            l->items[i].error = serr;
    free(del);
}

int handle_OffsetDelete(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    kstr group_id;
    int32_t ntopics;
    rb_read_str(rb, &group_id);
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);
    tp_list l = {0};
    if (tp_decode(rb, ntopics, TP_INDEXES, 0, &l, NULL) != 0) {
        tp_free(&l);
        return -1;
    }
    char *gid = KSTR_IS_NULL(group_id) ? NULL : kstr_dup(group_id);
    int32_t part;
    int16_t top = group_coordinator_check(gid, 0, &part);
    group *g = top ? NULL : group_find(gid);
    free(gid);
    if (!top && (!g || g->state == GS_DEAD))
        top = ERR_GROUP_ID_NOT_FOUND;
    if (!top && g->state != GS_EMPTY &&
        (!g->protocol_type || strcmp(g->protocol_type, "consumer")))
        top = ERR_NON_EMPTY_GROUP;
    wbuf *w = &rs->wb;
    wb_i16(w, top);
    wb_i32(w, 0); /* throttle_time_ms */
    if (top) {
        wb_i32(w, 0);
    } else {
        delete_offsets(g, &l);
        tp_write_errors(w, &l);
    }
    tp_free(&l);
    return 0;
err_parse:
    return -1;
}
