/* group_store.c -- group metadata and committed offsets as records of the
 * internal topic __consumer_offsets, in Kafka 2.5's formats (so Kafka's
 * tools can decode them), and the reload of a partition's groups from its
 * log when this broker becomes its leader.
 *
 * Record key:   int16 version, then
 *   0/1 (offset commit): group string, topic string, partition int32
 *   2   (group metadata): group string
 * Offset value: int16 version, then
 *   0: offset int64, metadata string, timestamp int64
 *   1: offset int64, metadata string, commit_timestamp int64, expire_timestamp int64
 *   2: offset int64, metadata string, commit_timestamp int64
 *   3: offset int64, leader_epoch int32, metadata string, commit_timestamp int64
 * Group value:  int16 version, protocol_type string, generation int32,
 *   protocol nullable string, leader nullable string, [v2+ current_state_timestamp
 *   int64], members [member_id string, [v3 group_instance_id nullable string],
 *   client_id string, client_host string, [v1+ rebalance_timeout int32],
 *   session_timeout int32, subscription bytes, assignment bytes]
 * A null value is a tombstone for its key. We write offsets as v3 (v1 when
 * the commit carries an expire timestamp) and groups as v3, like Kafka 2.5. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "broker.h"
#include "group.h"
#include "logger.h"
#include "records.h"
#include "replica.h"

#define LOGGER "kafka.coordinator.group.GroupMetadataManager"

/* ------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------- */
static void key_offset(wbuf *w, const char *group, const char *topic, int32_t partition) {
    wb_i16(w, 1);
    wb_cstr(w, group);
    wb_cstr(w, topic);
    wb_i32(w, partition);
}

static void key_group(wbuf *w, const char *group) {
    wb_i16(w, 2);
    wb_cstr(w, group);
}

static void value_offset(wbuf *w, const goffset *o, int v1) {
    const char *md = o->metadata ? o->metadata : "";
    if (v1) {
        wb_i16(w, 1);
        wb_i64(w, o->offset);
        wb_cstr(w, md);
        wb_i64(w, o->commit_ts);
        wb_i64(w, o->expire_ts);
    } else {
        wb_i16(w, 3);
        wb_i64(w, o->offset);
        wb_i32(w, o->leader_epoch);
        wb_cstr(w, md);
        wb_i64(w, o->commit_ts);
    }
}

static const gprotocol *member_protocol(const gmember *m, const char *name) {
    for (int i = 0; name && i < m->nprotocols; i++)
        if (!strcmp(m->protocols[i].name, name))
            return &m->protocols[i];
    return NULL;
}

static void value_group(wbuf *w, const group *g) {
    wb_i16(w, 3);
    wb_cstr(w, g->protocol_type ? g->protocol_type : "");
    wb_i32(w, g->generation);
    wb_cstr(w, g->protocol);
    wb_cstr(w, g->protocol ? g->leader : NULL);
    wb_i64(w, g->state_ts);
    int n = g->protocol ? g->nmembers : 0;
    wb_i32(w, n);
    for (const gmember *m = n ? g->members : NULL; m; m = m->next) {
        const gprotocol *p = member_protocol(m, g->protocol);
        wb_cstr(w, m->member_id);
        wb_cstr(w, m->group_instance_id);
        wb_cstr(w, m->client_id);
        wb_cstr(w, m->client_host);
        wb_i32(w, m->rebalance_timeout_ms);
        wb_i32(w, m->session_timeout_ms);
        wb_bytes(w, p ? p->meta : (const void *)"", p ? p->meta_len : 0);
        wb_bytes(w, m->assignment ? m->assignment : (const void *)"", m->assignment_len);
    }
}

/* Appends one batch to the group's __consumer_offsets partition. Records
 * reference slices of kv: key_at[i]/key_len[i], val_at[i]/val_len[i] (-1 = null). */
typedef struct kv_batch {
    wbuf data;
    batch_record *recs;
    size_t *key_at, *val_at;
    int n, cap;
} kv_batch;

static void kv_init(kv_batch *b, int cap) {
    wb_init(&b->data, 256);
    b->cap = cap > 0 ? cap : 1;
    b->n = 0;
    b->recs = calloc((size_t)b->cap, sizeof(batch_record));
    b->key_at = calloc((size_t)b->cap, sizeof(size_t));
    b->val_at = calloc((size_t)b->cap, sizeof(size_t));
    if (!b->recs || !b->key_at || !b->val_at)
        abort();
}

static void kv_free(kv_batch *b) {
    wb_free(&b->data);
    free(b->recs);
    free(b->key_at);
    free(b->val_at);
}

/* Call kv_key, then kv_value or kv_tombstone, per record. */
static void kv_key_start(kv_batch *b) { b->key_at[b->n] = b->data.len; }
static void kv_value_start(kv_batch *b) {
    b->recs[b->n].key_len = (int32_t)(b->data.len - b->key_at[b->n]);
    b->val_at[b->n] = b->data.len;
}
static void kv_end(kv_batch *b, int tombstone) {
    if (tombstone) {
        b->recs[b->n].key_len = (int32_t)(b->data.len - b->key_at[b->n]);
        b->recs[b->n].value_len = -1;
    } else {
        b->recs[b->n].value_len = (int32_t)(b->data.len - b->val_at[b->n]);
    }
    b->n++;
}

static int16_t kv_append(kv_batch *b, int32_t pidx) {
    if (b->n == 0)
        return ERR_NONE;
    topic *t = topic_find(OFFSETS_TOPIC);
    partition *p = t ? partition_get(t, pidx) : NULL;
    if (!p || !partition_is_leader(p))
        return ERR_NOT_COORDINATOR;
    int64_t now = ae_wall_ms();
    for (int i = 0; i < b->n; i++) {
        b->recs[i].key = b->data.data + b->key_at[i];
        b->recs[i].value = b->recs[i].value_len >= 0 ? b->data.data + b->val_at[i] : NULL;
        b->recs[i].timestamp = now;
    }
    wbuf w;
    wb_init(&w, b->data.len + 128);
    batch_build_v2(&w, 0, now, b->recs, b->n, B.cfg.offsets_topic_compression_codec, -1, -1, -1);
    plog_append_info info;
    int16_t err = ERR_NONE;
    if (plog_append(p->log, w.data, w.len, p->leader_epoch, now, &info) != 0) {
        log_error(LOGGER, "[GroupMetadataManager brokerId=%d] Appending to %s-%d failed", B.id,
                  OFFSETS_TOPIC, pidx);
        err = ERR_NOT_COORDINATOR;
    } else {
        replica_leader_appended(p);
        fetch_wakeup();
    }
    wb_free(&w);
    return err;
}

int16_t store_group(group *g) {
    kv_batch b;
    kv_init(&b, 1);
    kv_key_start(&b);
    key_group(&b.data, g->id);
    kv_value_start(&b);
    value_group(&b.data, g);
    kv_end(&b, 0);
    int16_t err = kv_append(&b, g->partition);
    kv_free(&b);
    return err;
}

int16_t store_offsets(group *g, goffset *const *offs, int n, int value_v1) {
    kv_batch b;
    kv_init(&b, n);
    for (int i = 0; i < n; i++) {
        kv_key_start(&b);
        key_offset(&b.data, g->id, offs[i]->topic, offs[i]->partition);
        kv_value_start(&b);
        value_offset(&b.data, offs[i], value_v1);
        kv_end(&b, 0);
    }
    int16_t err = kv_append(&b, g->partition);
    kv_free(&b);
    return err;
}

int16_t store_tombstones(group *g, goffset *const *offs, int n, int with_group) {
    int count = offs ? n : g->noffsets;
    kv_batch b;
    kv_init(&b, count + 1);
    for (int i = 0; i < count; i++) {
        const goffset *o = offs ? offs[i] : &g->offsets[i];
        kv_key_start(&b);
        key_offset(&b.data, g->id, o->topic, o->partition);
        kv_end(&b, 1);
    }
    if (with_group) {
        kv_key_start(&b);
        key_group(&b.data, g->id);
        kv_end(&b, 1);
    }
    int16_t err = kv_append(&b, g->partition);
    kv_free(&b);
    return err;
}

/* ------------------------------------------------------------------------
 * Loading
 * ---------------------------------------------------------------------- */
typedef struct load_ctx {
    int32_t partition;
    int64_t records, bad;
} load_ctx;

static char *dup_or_null(kstr k) { return KSTR_IS_NULL(k) ? NULL : kstr_dup(k); }

static void load_offset(load_ctx *lc, rbuf *kb, const record_view *r) {
    kstr gid, tname;
    int32_t part;
    rb_read_str(kb, &gid);
    rb_read_str(kb, &tname);
    rb_read_i32(kb, &part);
    if (KSTR_IS_NULL(gid) || KSTR_IS_NULL(tname))
        goto err_parse;
    char *gs = kstr_dup(gid), *ts = kstr_dup(tname);
    group *g = group_find(gs);
    if (KSTR_IS_NULL(r->value)) {
        if (g)
            group_offset_del(g, ts, part);
        free(gs);
        free(ts);
        return;
    }
    rbuf vb;
    rb_init(&vb, r->value.s, (size_t)r->value.len);
    int16_t v;
    int64_t offset, commit_ts = -1, expire_ts = -1;
    int32_t epoch = -1;
    kstr md;
    if (rb_get_i16(&vb, &v) || v < 0 || v > 3 || rb_get_i64(&vb, &offset) ||
        (v == 3 && rb_get_i32(&vb, &epoch)) || rb_get_str(&vb, &md) ||
        rb_get_i64(&vb, &commit_ts) || (v == 1 && rb_get_i64(&vb, &expire_ts))) {
        free(gs);
        free(ts);
        goto err_parse;
    }
    if (!g)
        g = group_get_or_create(gs, lc->partition);
    goffset *o = group_offset_put(g, ts, part);
    o->offset = offset;
    o->leader_epoch = epoch;
    free(o->metadata);
    o->metadata = dup_or_null(md);
    o->commit_ts = commit_ts;
    o->expire_ts = v == 1 ? expire_ts : -1;
    free(gs);
    free(ts);
    return;
err_parse:
    lc->bad++;
}

static void load_group(load_ctx *lc, rbuf *kb, const record_view *r) {
    kstr gid;
    if (rb_get_str(kb, &gid) || KSTR_IS_NULL(gid)) {
        lc->bad++;
        return;
    }
    char *gs = kstr_dup(gid);
    group *g = group_get_or_create(gs, lc->partition);
    free(gs);
    group_reset_members(g);
    if (KSTR_IS_NULL(r->value))
        return;
    rbuf vb;
    rb_init(&vb, r->value.s, (size_t)r->value.len);
    int16_t v;
    kstr ptype, proto, leader;
    int32_t gen, n;
    int64_t state_ts = -1;
    rb_read_i16(&vb, &v);
    if (v < 0 || v > 3)
        goto err_parse;
    rb_read_str(&vb, &ptype);
    rb_read_i32(&vb, &gen);
    rb_read_str(&vb, &proto);
    rb_read_str(&vb, &leader);
    if (v >= 2)
        rb_read_i64(&vb, &state_ts);
    rb_read_i32(&vb, &n);
    rb_check_count(&vb, n, 20);
    g->protocol_type = KSTR_IS_NULL(ptype) || ptype.len == 0 ? NULL : kstr_dup(ptype);
    g->generation = gen;
    g->protocol = dup_or_null(proto);
    g->leader = dup_or_null(leader);
    if (state_ts >= 0)
        g->state_ts = state_ts;
    int64_t now = ae_mono_ms();
    gmember **tail = &g->members;
    for (int32_t i = 0; i < n; i++) {
        kstr mid, iid = {NULL, -1}, cid, host, sub, asg;
        int32_t rebalance_to = 0, session_to;
        rb_read_str(&vb, &mid);
        if (v >= 3)
            rb_read_str(&vb, &iid);
        rb_read_str(&vb, &cid);
        rb_read_str(&vb, &host);
        if (v >= 1)
            rb_read_i32(&vb, &rebalance_to);
        rb_read_i32(&vb, &session_to);
        rb_read_bytes(&vb, &sub);
        rb_read_bytes(&vb, &asg);
        if (KSTR_IS_NULL(mid) || !g->protocol)
            goto err_parse;
        gmember *m = calloc(1, sizeof(*m));
        gprotocol *p = calloc(1, sizeof(*p));
        if (!m || !p)
            abort();
        m->member_id = kstr_dup(mid);
        m->group_instance_id = dup_or_null(iid);
        m->client_id = KSTR_IS_NULL(cid) ? strdup("") : kstr_dup(cid);
        m->client_host = KSTR_IS_NULL(host) ? strdup("") : kstr_dup(host);
        m->rebalance_timeout_ms = v >= 1 ? rebalance_to : session_to;
        m->session_timeout_ms = session_to;
        p->name = strdup(g->protocol);
        p->meta_len = sub.len > 0 ? sub.len : 0;
        p->meta = malloc((size_t)p->meta_len + 1);
        m->assignment_len = asg.len > 0 ? asg.len : 0;
        m->assignment = malloc((size_t)m->assignment_len + 1);
        if (!m->client_id || !m->client_host || !p->name || !p->meta || !m->assignment)
            abort();
        if (p->meta_len)
            memcpy(p->meta, sub.s, (size_t)p->meta_len);
        if (m->assignment_len)
            memcpy(m->assignment, asg.s, (size_t)m->assignment_len);
        m->protocols = p;
        m->nprotocols = 1;
        m->last_heartbeat_ms = now;
        group_member_charge(m);
        *tail = m;
        tail = &m->next;
        g->nmembers++;
    }
    g->state = g->members ? GS_STABLE : GS_EMPTY;
    return;
err_parse:
    group_reset_members(g);
    lc->bad++;
}

static int load_record(void *arg, const record_view *r) {
    load_ctx *lc = arg;
    lc->records++;
    if (KSTR_IS_NULL(r->key)) {
        lc->bad++;
        return 0;
    }
    rbuf kb;
    rb_init(&kb, r->key.s, (size_t)r->key.len);
    int16_t kv;
    if (rb_get_i16(&kb, &kv) != 0) {
        lc->bad++;
        return 0;
    }
    if (kv == 0 || kv == 1)
        load_offset(lc, &kb, r);
    else if (kv == 2)
        load_group(lc, &kb, r);
    else
        lc->bad++;
    return 0;
}

static void drop_if_unused(group *g, void *arg) {
    int32_t p = *(int32_t *)arg;
    if (g->partition == p && !g->members && !g->noffsets && !g->protocol_type)
        group_remove(g);
}

int store_load_partition(int32_t pidx) {
    topic *t = topic_find(OFFSETS_TOPIC);
    partition *p = t ? partition_get(t, pidx) : NULL;
    if (!p || !p->log)
        return -1;
    plog *l = p->log;
    load_ctx lc = {pidx, 0, 0};
    int64_t off = plog_log_start_offset(l), end = plog_log_end_offset(l);
    int32_t chunk = B.cfg.offsets_load_buffer_size > 0 ? B.cfg.offsets_load_buffer_size : (5 << 20);
    size_t max_decomp = (size_t)64 << 20;
    while (off < end) {
        plog_read_result r;
        if (plog_read(l, off, chunk, 1, &r) < 0)
            return -1;
        if (r.len <= 0) {
            if (r.fd >= 0)
                close(r.fd);
            break;
        }
        uint8_t *buf = malloc((size_t)r.len);
        if (!buf)
            abort();
        ssize_t got = pread(r.fd, buf, (size_t)r.len, r.file_pos);
        close(r.fd);
        if (got != r.len) {
            free(buf);
            return -1;
        }
        batch_iter it;
        batch_iter_init(&it, buf, (size_t)r.len);
        const uint8_t *b;
        size_t blen;
        int magic;
        int64_t next = off;
        while (batch_iter_next(&it, &b, &blen, &magic) == 1) {
            if (magic != 2)
                continue;
            next = rbh_last_offset(b) + 1;
            if (rbh_attributes(b) & BATCH_ATTR_CONTROL)
                continue;
            batch_records_foreach(b, blen, max_decomp, load_record, &lc);
        }
        free(buf);
        if (next <= off)
            break; /* no progress: stop rather than loop */
        off = next;
    }
    group_foreach(drop_if_unused, &pidx);
    if (lc.bad)
        log_warn(LOGGER, "[GroupMetadataManager brokerId=%d] Skipped %lld unreadable records of "
                 "%s-%d", B.id, (long long)lc.bad, OFFSETS_TOPIC, pidx);
    return 0;
}
