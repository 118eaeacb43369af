/* api_group.c -- the group membership APIs: FindCoordinator v0-2,
 * JoinGroup v0-5, SyncGroup v0-3, Heartbeat v0-3, LeaveGroup v0-3,
 * ListGroups v0-2, DescribeGroups v0-4 and DeleteGroups v0-1. Decoding and
 * encoding only; the state machine is group.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "group.h"
#include "metadata_cache.h"

/* DescribeGroups authorized_operations without an authorizer: READ,
 * DELETE, DESCRIBE (AclOperation codes 3, 6, 8) as a bit field. */
#define GROUP_AUTHORIZED_OPS ((1 << 3) | (1 << 6) | (1 << 8))

/* Reads a STRING into a NUL-terminated heap copy ("" for null). */
static char *str_arg(kstr k) { return KSTR_IS_NULL(k) ? strdup("") : kstr_dup(k); }

/* ------------------------------------------------------------------------
 * FindCoordinator
 * ---------------------------------------------------------------------- */

static const char *error_message(int16_t err) {
    switch (err) {
    case ERR_NONE: return NULL;
    case ERR_COORDINATOR_NOT_AVAILABLE: return "The coordinator is not available.";
    case ERR_INVALID_REQUEST:
        return "This most likely occurs because of a request being malformed by the client "
               "library or the message was sent to an incompatible broker. See the broker logs "
               "for more details.";
    default: return "";
    }
}

int handle_FindCoordinator(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr key;
    int8_t key_type = 0;
    rb_read_str(rb, &key);
    if (v >= 1)
        rb_read_i8(rb, &key_type);

    int16_t err = ERR_NONE;
    md_broker node;
    const md_broker *n = NULL;
    if (key_type == 1)
        err = ERR_COORDINATOR_NOT_AVAILABLE; /* transactions are not offered */
    else if (key_type != 0 || KSTR_IS_NULL(key))
        err = ERR_INVALID_REQUEST;
    else if ((err = group_ensure_offsets_topic()) == ERR_NONE) {
        topic *t = topic_find(OFFSETS_TOPIC);
        partition *p = partition_get(t, group_partition_for(key.s, key.len, t->npartitions));
        /* the partition's leader as Metadata answers it (Kafka's
         * FindCoordinator reads the metadata cache) */
        md_partition m;
        int32_t offline[1];
        if (p) {
            metadata_partition(p, &m, offline, 0);
            if (m.leader >= 0 && metadata_broker_endpoint(m.leader, &node))
                n = &node;
        }
        if (!n)
            err = ERR_COORDINATOR_NOT_AVAILABLE;
    }
    wbuf *w = &rs->wb;
    if (v >= 1)
        wb_i32(w, 0); /* throttle_time_ms */
    wb_i16(w, err);
    if (v >= 1)
        wb_cstr(w, error_message(err));
    wb_i32(w, n ? n->id : -1);
    wb_cstr(w, n ? n->host : "");
    wb_i32(w, n ? n->port : -1);
    return 0;
err_parse:
    return -1;
}

/* ------------------------------------------------------------------------
 * JoinGroup / SyncGroup
 * ---------------------------------------------------------------------- */
void write_join_response(request *rq, wbuf *w, int16_t err, int32_t generation,
                         const char *protocol, const char *leader, const char *member_id,
                         group *members_of) {
    int v = rq->api_version;
    if (v >= 2)
        wb_i32(w, 0); /* throttle_time_ms */
    wb_i16(w, err);
    wb_i32(w, generation);
    wb_cstr(w, protocol);
    wb_cstr(w, leader);
    wb_cstr(w, member_id);
    if (!members_of) {
        wb_i32(w, 0);
        return;
    }
    wb_i32(w, members_of->nmembers);
    for (gmember *m = members_of->members; m; m = m->next) {
        wb_cstr(w, m->member_id);
        if (v >= 5)
            wb_cstr(w, m->group_instance_id);
        const gprotocol *p = NULL;
        for (int i = 0; i < m->nprotocols && members_of->protocol; i++)
            if (!strcmp(m->protocols[i].name, members_of->protocol))
                p = &m->protocols[i];
        wb_bytes(w, p ? p->meta : (const void *)"", p ? p->meta_len : 0);
    }
}

void write_sync_response(request *rq, wbuf *w, int16_t err, const uint8_t *assignment,
                         int32_t len) {
    if (rq->api_version >= 1)
        wb_i32(w, 0); /* throttle_time_ms */
    wb_i16(w, err);
    wb_bytes(w, assignment ? (const void *)assignment : (const void *)"", assignment ? len : 0);
}

int handle_JoinGroup(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr group_id, member_id, instance_id = {NULL, -1}, protocol_type;
    int32_t session_timeout, rebalance_timeout, nprotocols;
    rb_read_str(rb, &group_id);
    rb_read_i32(rb, &session_timeout);
    rebalance_timeout = session_timeout;
    if (v >= 1)
        rb_read_i32(rb, &rebalance_timeout);
    rb_read_str(rb, &member_id);
    if (v >= 5)
        rb_read_str(rb, &instance_id);
    rb_read_str(rb, &protocol_type);
    rb_read_i32(rb, &nprotocols);
    rb_check_count_nn(rb, nprotocols, 6);
    gprotocol *ps = calloc((size_t)(nprotocols > 0 ? nprotocols : 1), sizeof(*ps));
    if (!ps)
        abort();
    int n = 0;
    for (; n < nprotocols; n++) {
        kstr name, meta;
        if (rb_get_str(rb, &name) || rb_get_bytes(rb, &meta))
            break;
        ps[n].name = str_arg(name);
        ps[n].meta_len = meta.len > 0 ? meta.len : 0;
        ps[n].meta = malloc((size_t)ps[n].meta_len + 1);
        if (!ps[n].name || !ps[n].meta)
            abort();
        if (ps[n].meta_len)
            memcpy(ps[n].meta, meta.s, (size_t)ps[n].meta_len);
    }
    char *gid = str_arg(group_id), *mid = str_arg(member_id), *ptype = str_arg(protocol_type);
    char *iid = KSTR_IS_NULL(instance_id) ? NULL : kstr_dup(instance_id);
    char *cid = str_arg(rq->client_id);
    char host[80];
    snprintf(host, sizeof(host), "/%s", request_client_host(rq));
    int r = -1;
    if (n == nprotocols) {
        join_args a = {gid, mid, iid, cid, host, session_timeout, rebalance_timeout,
                       ptype, ps, n};
        r = group_join(rq, rs, &a);
        ps = a.protocols; /* NULL when taken over */
        n = a.nprotocols;
    }
    for (int i = 0; ps && i < n; i++) {
        free(ps[i].name);
        free(ps[i].meta);
    }
    free(ps);
    free(gid);
    free(mid);
    free(ptype);
    free(iid);
    free(cid);
    return r;
err_parse:
    return -1;
}

int handle_SyncGroup(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr group_id, member_id, instance_id = {NULL, -1};
    int32_t generation, n;
    rb_read_str(rb, &group_id);
    rb_read_i32(rb, &generation);
    rb_read_str(rb, &member_id);
    if (v >= 3)
        rb_read_str(rb, &instance_id);
    rb_read_i32(rb, &n);
    rb_check_count_nn(rb, n, 6);
    sync_assignment *as = calloc((size_t)(n > 0 ? n : 1), sizeof(*as));
    char **ids = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
    if (!as || !ids)
        abort();
    int i = 0, r = -1;
    for (; i < n; i++) {
        kstr id, data;
        if (rb_get_str(rb, &id) || rb_get_bytes(rb, &data))
            break;
        ids[i] = str_arg(id);
        as[i].member_id = ids[i];
        as[i].data = (const uint8_t *)data.s;
        as[i].len = data.len > 0 ? data.len : 0;
    }
    if (i == n || n < 0) {
        char *gid = str_arg(group_id), *mid = str_arg(member_id);
        char *iid = KSTR_IS_NULL(instance_id) ? NULL : kstr_dup(instance_id);
        r = group_sync(rq, rs, gid, generation, mid, iid, as, n > 0 ? n : 0);
        free(gid);
        free(mid);
        free(iid);
    }
    for (int k = 0; k < i; k++)
        free(ids[k]);
    free(ids);
    free(as);
    return r;
err_parse:
    return -1;
}

/* ------------------------------------------------------------------------
 * Heartbeat / LeaveGroup
 * ---------------------------------------------------------------------- */
int handle_Heartbeat(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr group_id, member_id, instance_id = {NULL, -1};
    int32_t generation;
    rb_read_str(rb, &group_id);
    rb_read_i32(rb, &generation);
    rb_read_str(rb, &member_id);
    if (v >= 3)
        rb_read_str(rb, &instance_id);
    char *gid = str_arg(group_id), *mid = str_arg(member_id);
    char *iid = KSTR_IS_NULL(instance_id) ? NULL : kstr_dup(instance_id);
    int16_t err = group_heartbeat(gid, generation, mid, iid);
    free(gid);
    free(mid);
    free(iid);
    if (v >= 1)
        wb_i32(&rs->wb, 0);
    wb_i16(&rs->wb, err);
    return 0;
err_parse:
    return -1;
}

int handle_LeaveGroup(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr group_id;
    rb_read_str(rb, &group_id);
    char *gid = str_arg(group_id);
    wbuf *w = &rs->wb;
    if (v >= 1)
        wb_i32(w, 0); /* throttle_time_ms */
    if (v < 3) {
        kstr member_id;
        if (rb_get_str(rb, &member_id)) {
            free(gid);
            return -1;
        }
        char *mid = str_arg(member_id);
        int16_t top;
        int16_t err = group_leave(gid, mid, NULL, &top);
        free(mid);
        free(gid);
        wb_i16(w, top ? top : err);
        return 0;
    }
    int32_t n;
    if (rb_get_i32(rb, &n) || n < 0 || (size_t)n * 4 > rb_remain(rb)) {
        free(gid);
        return -1;
    }
    size_t err_at = wb_i16(w, ERR_NONE);
    wb_i32(w, n);
    int16_t top = ERR_NONE;
    for (int32_t i = 0; i < n; i++) {
        kstr member_id, instance_id;
        if (rb_get_str(rb, &member_id) || rb_get_str(rb, &instance_id)) {
            free(gid);
            return -1;
        }
        char *mid = str_arg(member_id);
        char *iid = KSTR_IS_NULL(instance_id) ? NULL : kstr_dup(instance_id);
        int16_t t = ERR_NONE;
        int16_t err = group_leave(gid, mid, iid, &t);
        if (t)
            top = t;
        wb_cstr(w, mid);
        wb_cstr(w, iid);
        wb_i16(w, t ? ERR_NONE : err);
        free(mid);
        free(iid);
    }
    free(gid);
    if (top) { /* a group-level error answers with no member results */
        w->len = err_at;
        wb_i16(w, top);
        wb_i32(w, 0);
    }
    return 0;
err_parse:
    return -1;
}

/* ------------------------------------------------------------------------
 * ListGroups / DescribeGroups / DeleteGroups
 * ---------------------------------------------------------------------- */
typedef struct list_ctx {
    wbuf *w;
    int count;
} list_ctx;

static void list_one(group *g, void *arg) {
    list_ctx *lc = arg;
    if (g->state == GS_DEAD || !group_partition_owned(g->partition))
        return;
    wb_cstr(lc->w, g->id);
    wb_cstr(lc->w, g->protocol_type ? g->protocol_type : "");
    lc->count++;
}

int handle_ListGroups(request *rq, response *rs) {
    wbuf *w = &rs->wb;
    if (rq->api_version >= 1)
        wb_i32(w, 0);
    wb_i16(w, ERR_NONE);
    size_t at = wb_i32(w, 0);
    list_ctx lc = {w, 0};
    group_foreach(list_one, &lc);
    wb_put_i32(w, at, lc.count);
    return 0;
}

static void describe_one(wbuf *w, int v, const char *gid, int include_ops) {
    int32_t part;
    int16_t err = group_coordinator_check(gid, 1, &part);
    group *g = err ? NULL : group_find(gid);
    wb_i16(w, err);
    wb_cstr(w, gid);
    if (err) {
        wb_cstr(w, "");
        wb_cstr(w, "");
        wb_cstr(w, "");
        wb_i32(w, 0);
    } else if (!g) {
        wb_cstr(w, "Dead");
        wb_cstr(w, "");
        wb_cstr(w, "");
        wb_i32(w, 0);
    } else {
        int stable = g->state == GS_STABLE && g->protocol;
        wb_cstr(w, gstate_name(g->state));
        wb_cstr(w, g->protocol_type ? g->protocol_type : "");
        wb_cstr(w, stable ? g->protocol : "");
        wb_i32(w, g->nmembers);
        for (gmember *m = g->members; m; m = m->next) {
            wb_cstr(w, m->member_id);
            if (v >= 4)
                wb_cstr(w, m->group_instance_id);
            wb_cstr(w, m->client_id);
            wb_cstr(w, m->client_host);
            const gprotocol *p = NULL;
            for (int i = 0; stable && i < m->nprotocols; i++)
                if (!strcmp(m->protocols[i].name, g->protocol))
                    p = &m->protocols[i];
            wb_bytes(w, p ? p->meta : (const void *)"", p ? p->meta_len : 0);
            wb_bytes(w, stable && m->assignment ? (const void *)m->assignment : (const void *)"",
                     stable ? m->assignment_len : 0);
        }
    }
    if (v >= 3)
        wb_i32(w, include_ops ? GROUP_AUTHORIZED_OPS : INT32_MIN);
}

int handle_DescribeGroups(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    int32_t n;
    int8_t include_ops = 0;
    rb_read_i32(rb, &n);
    rb_check_count_nn(rb, n, 2);
    size_t names_at = rb->off;
    for (int32_t i = 0; i < n; i++) {
        kstr k;
        rb_read_str(rb, &k);
    }
    if (v >= 3)
        rb_read_i8(rb, &include_ops);
    wbuf *w = &rs->wb;
    if (v >= 1)
        wb_i32(w, 0);
    wb_i32(w, n > 0 ? n : 0);
    rbuf nr;
    rb_init(&nr, rb->p + names_at, rb->len - names_at);
    for (int32_t i = 0; i < n; i++) {
        kstr k;
        rb_read_str(&nr, &k);
        char *gid = str_arg(k);
        describe_one(w, v, gid, include_ops);
        free(gid);
    }
    return 0;
err_parse:
    return -1;
}

int handle_DeleteGroups(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int32_t n;
    rb_read_i32(rb, &n);
    rb_check_count_nn(rb, n, 2);
    wbuf *w = &rs->wb;
    wb_i32(w, 0); /* throttle_time_ms */
    wb_i32(w, n > 0 ? n : 0);
    for (int32_t i = 0; i < n; i++) {
        kstr k;
        rb_read_str(rb, &k);
        char *gid = str_arg(k);
        int16_t err = group_delete(gid);
        wb_cstr(w, gid);
        wb_i16(w, err);
        free(gid);
    }
    return 0;
err_parse:
    return -1;
}
