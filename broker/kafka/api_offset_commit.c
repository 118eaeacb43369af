/* api_offset_commit.c -- committed offsets: OffsetCommit v0-7, OffsetFetch
 * v0-5 and OffsetDelete v0, with Kafka 2.5's checks (group generation and
 * membership, metadata size, unknown partitions). Commits are written to
 * __consumer_offsets (group_store.c) before they are acknowledged. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "group.h"

static int partition_known(const char *tname, int32_t p) {
    topic *t = topic_find(tname);
    return t && !t->deleting && partition_get(t, p) != NULL;
}

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

typedef struct commit_item {
    char *topic;
    int32_t partition;
    int16_t error;
    goffset o;
} commit_item;

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
    rb_check_count(rb, ntopics, 6);

    /* First pass: count partitions (bounded by the request size). */
    size_t topics_at = rb->off;
    int total = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_read_str(rb, &name);
        rb_read_i32(rb, &np);
        rb_check_count(rb, np, 14);
        for (int32_t j = 0; j < np; j++) {
            int32_t p, epoch;
            int64_t off, ts;
            kstr md;
            rb_read_i32(rb, &p);
            rb_read_i64(rb, &off);
            if (v >= 6)
                rb_read_i32(rb, &epoch);
            if (v == 1)
                rb_read_i64(rb, &ts);
            rb_read_str(rb, &md);
        }
        total += np;
    }

    char *gid = KSTR_IS_NULL(group_id) ? NULL : kstr_dup(group_id);
    char *mid = KSTR_IS_NULL(member_id) ? strdup("") : kstr_dup(member_id);
    char *iid = KSTR_IS_NULL(instance_id) ? NULL : kstr_dup(instance_id);
    int32_t part = 0;
    int16_t gerr = group_coordinator_check(gid, 1, &part);
    commit_item *items = calloc((size_t)(total > 0 ? total : 1), sizeof(*items));
    goffset **valid = calloc((size_t)(total > 0 ? total : 1), sizeof(*valid));
    if (!items || !valid)
        abort();
    int64_t now = ae_wall_ms();
    rbuf tr;
    rb_init(&tr, rb->p + topics_at, rb->len - topics_at);
    int k = 0, nvalid = 0, value_v1 = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_get_str(&tr, &name);
        rb_get_i32(&tr, &np);
        for (int32_t j = 0; j < np; j++, k++) {
            commit_item *it = &items[k];
            int32_t epoch = -1;
            int64_t ts = -1;
            kstr md;
            it->topic = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
            rb_get_i32(&tr, &it->partition);
            rb_get_i64(&tr, &it->o.offset);
            if (v >= 6)
                rb_get_i32(&tr, &epoch);
            if (v == 1)
                rb_get_i64(&tr, &ts);
            rb_get_str(&tr, &md);
            it->o.topic = it->topic;
            it->o.partition = it->partition;
            it->o.leader_epoch = epoch;
            it->o.metadata = KSTR_IS_NULL(md) ? NULL : kstr_dup(md);
            it->o.commit_ts = ts >= 0 ? ts : now;
            it->o.expire_ts = -1;
            if (v == 1 && ts >= 0)
                it->o.expire_ts = ts + (int64_t)B.cfg.offsets_retention_minutes * 60000;
            else if (retention >= 0)
                it->o.expire_ts = now + retention;
            if (it->o.expire_ts >= 0)
                value_v1 = 1;
            if (gerr)
                it->error = gerr;
            else if (!partition_known(it->topic, it->partition))
                it->error = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (md.len > B.cfg.offset_metadata_max_bytes)
                it->error = ERR_OFFSET_METADATA_TOO_LARGE;
            else
                valid[nvalid++] = &it->o;
        }
    }
    if (nvalid > 0) {
        group *g = NULL;
        int16_t err = commit_allowed(gid, part, generation, mid, iid, &g);
        if (!err)
            err = store_offsets(g, valid, nvalid, value_v1);
        for (int i = 0; i < total; i++) {
            commit_item *it = &items[i];
            if (it->error)
                continue;
            it->error = err;
            if (err)
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

    /* Response: the request's topics in order. */
    wbuf *w = &rs->wb;
    if (v >= 3)
        wb_i32(w, 0);
    wb_i32(w, ntopics);
    rb_init(&tr, rb->p + topics_at, rb->len - topics_at);
    k = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_get_str(&tr, &name);
        rb_get_i32(&tr, &np);
        wb_str(w, name.s, name.len);
        wb_i32(w, np);
        for (int32_t j = 0; j < np; j++, k++) {
            int32_t p, e;
            int64_t off, ts;
            kstr md;
            rb_get_i32(&tr, &p);
            rb_get_i64(&tr, &off);
            if (v >= 6)
                rb_get_i32(&tr, &e);
            if (v == 1)
                rb_get_i64(&tr, &ts);
            rb_get_str(&tr, &md);
            wb_i32(w, p);
            wb_i16(w, items[k].error);
        }
    }
    for (int i = 0; i < total; i++) {
        free(items[i].topic);
        free(items[i].o.metadata);
    }
    free(items);
    free(valid);
    free(gid);
    free(mid);
    free(iid);
    return 0;
err_parse:
    return -1;
}

static void write_fetched(wbuf *w, int v, int32_t partition, const goffset *o, int16_t err) {
    wb_i32(w, partition);
    wb_i64(w, o ? o->offset : -1);
    if (v >= 5)
        wb_i32(w, o ? o->leader_epoch : -1);
    wb_cstr(w, o && o->metadata ? o->metadata : "");
    wb_i16(w, err);
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
    size_t topics_at = rb->off;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_read_str(rb, &name);
        rb_read_i32(rb, &np);
        rb_check_count(rb, np, 4);
        rb_read_skip(rb, (size_t)np * 4);
    }

    char *gid = KSTR_IS_NULL(group_id) ? NULL : kstr_dup(group_id);
    int32_t part;
    int16_t err = group_coordinator_check(gid, 1, &part);
    group *g = err ? NULL : group_find(gid);
    free(gid);
    wbuf *w = &rs->wb;
    if (v >= 3)
        wb_i32(w, 0);
    if (err && v >= 2) {
        wb_i32(w, 0);
        wb_i16(w, err);
        return 0;
    }
    if (ntopics < 0) { /* every committed offset of the group */
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
    } else {
        wb_i32(w, ntopics);
        rbuf tr;
        rb_init(&tr, rb->p + topics_at, rb->len - topics_at);
        for (int32_t i = 0; i < ntopics; i++) {
            kstr name;
            int32_t np;
            rb_get_str(&tr, &name);
            rb_get_i32(&tr, &np);
            wb_str(w, name.s, name.len);
            wb_i32(w, np);
            char *tname = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
            for (int32_t j = 0; j < np; j++) {
                int32_t p;
                rb_get_i32(&tr, &p);
                write_fetched(w, v, p, g ? group_offset(g, tname, p) : NULL, err);
            }
            free(tname);
        }
    }
    if (v >= 2)
        wb_i16(w, ERR_NONE);
    return 0;
err_parse:
    return -1;
}

int handle_OffsetDelete(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    kstr group_id;
    int32_t ntopics;
    rb_read_str(rb, &group_id);
    rb_read_i32(rb, &ntopics);
    rb_check_count(rb, ntopics, 6);
    size_t topics_at = rb->off;
    int total = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_read_str(rb, &name);
        rb_read_i32(rb, &np);
        rb_check_count(rb, np, 4);
        rb_read_skip(rb, (size_t)np * 4);
        total += np;
    }

    char *gid = KSTR_IS_NULL(group_id) ? NULL : kstr_dup(group_id);
    int32_t part;
    int16_t top = group_coordinator_check(gid, 0, &part);
    group *g = top ? NULL : group_find(gid);
    free(gid);
    if (!top && (!g || g->state == GS_DEAD))
        top = ERR_GROUP_ID_NOT_FOUND;
    int members_consumer = g && g->state != GS_EMPTY && g->protocol_type &&
                           !strcmp(g->protocol_type, "consumer");
    if (!top && g->state != GS_EMPTY && !members_consumer)
        top = ERR_NON_EMPTY_GROUP;
    wbuf *w = &rs->wb;
    wb_i16(w, top);
    wb_i32(w, 0); /* throttle_time_ms */
    if (top) {
        wb_i32(w, 0);
        return 0;
    }
    int16_t *errs = calloc((size_t)(total > 0 ? total : 1), sizeof(*errs));
    goffset **del = calloc((size_t)(total > 0 ? total : 1), sizeof(*del));
    if (!errs || !del)
        abort();
    int ndel = 0, k = 0;
    rbuf tr;
    rb_init(&tr, rb->p + topics_at, rb->len - topics_at);
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_get_str(&tr, &name);
        rb_get_i32(&tr, &np);
        char *tname = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
        int subscribed = members_consumer && group_subscribed_to(g, tname) != 0;
        for (int32_t j = 0; j < np; j++, k++) {
            int32_t p;
            rb_get_i32(&tr, &p);
            goffset *o;
            if (!partition_known(tname, p))
                errs[k] = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (subscribed)
                errs[k] = ERR_GROUP_SUBSCRIBED_TO_TOPIC;
            else if ((o = group_offset(g, tname, p)) != NULL) {
                int dup = 0;
                for (int d = 0; d < ndel && !dup; d++)
                    dup = del[d] == o;
                if (!dup)
                    del[ndel++] = o;
            }
        }
        free(tname);
    }
    int16_t serr = ERR_NONE;
    if (ndel > 0) {
        int now_dead = g->state == GS_EMPTY && ndel == g->noffsets;
        serr = store_tombstones(g, del, ndel, now_dead);
        if (!serr) {
            /* delete by key (pointers move as entries are removed) */
            char **names = calloc((size_t)ndel, sizeof(char *));
            int32_t *parts = calloc((size_t)ndel, sizeof(int32_t));
            if (!names || !parts)
                abort();
            for (int d = 0; d < ndel; d++) {
                names[d] = strdup(del[d]->topic);
                parts[d] = del[d]->partition;
            }
            for (int d = 0; d < ndel; d++) {
                group_offset_del(g, names[d], parts[d]);
                free(names[d]);
            }
            free(names);
            free(parts);
            if (now_dead) {
                group_set_state(g, GS_DEAD);
                group_remove(g);
            }
        }
    }
    wb_i32(w, ntopics);
    rb_init(&tr, rb->p + topics_at, rb->len - topics_at);
    k = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t np;
        rb_get_str(&tr, &name);
        rb_get_i32(&tr, &np);
        wb_str(w, name.s, name.len);
        wb_i32(w, np);
        for (int32_t j = 0; j < np; j++, k++) {
            int32_t p;
            rb_get_i32(&tr, &p);
            wb_i32(w, p);
            wb_i16(w, errs[k] ? errs[k] : serr);
        }
    }
    free(errs);
    free(del);
    return 0;
err_parse:
    return -1;
}
