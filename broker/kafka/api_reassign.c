/* api_reassign.c -- AlterPartitionReassignments v0 and
 * ListPartitionReassignments v0 (KIP-455, both flexible): sent to the
 * controller, which starts, replaces or cancels (null replicas)
 * reassignments and lists those in progress (reassign.c). Another broker
 * answers NOT_CONTROLLER at the top level, as Kafka does. The Alter answer
 * comes once every partition's new assignment is in ZooKeeper. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "reassign.h"

/* ------------------------------------------------------------------------
 * AlterPartitionReassignments
 * ---------------------------------------------------------------------- */
typedef struct alter_req {
    request *rq;
    reassign_item *items; /* grouped by topic, in request order */
    int n, cap;
    int outstanding; /* topics whose writes have not ended */
} alter_req;

static reassign_item *alter_add(alter_req *a) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->items = realloc(a->items, (size_t)a->cap * sizeof(reassign_item));
        if (!a->items)
            abort();
    }
    reassign_item *it = &a->items[a->n++];
    memset(it, 0, sizeof(*it));
    return it;
}

static void alter_free(alter_req *a) {
    for (int i = 0; i < a->n; i++) {
        free(a->items[i].topic);
        free(a->items[i].replicas);
        free(a->items[i].message);
    }
    free(a->items);
    free(a);
}

static void write_str(wbuf *w, const char *s) { wb_cmpstr(w, s, s ? (int)strlen(s) : -1); }

static void alter_write_response(alter_req *a, wbuf *w, int16_t top_error) {
    wb_i32(w, 0); /* throttle_time_ms */
    wb_i16(w, top_error);
    write_str(w, NULL);
    if (top_error) {
        wb_uvarint(w, 1); /* no responses */
        wb_uvarint(w, 0);
        return;
    }
    int ntopics = 0;
    for (int i = 0; i < a->n; i++)
        ntopics += i == 0 || strcmp(a->items[i].topic, a->items[i - 1].topic) != 0;
    wb_uvarint(w, (uint64_t)ntopics + 1);
    for (int i = 0; i < a->n;) {
        int j = i;
        while (j < a->n && !strcmp(a->items[j].topic, a->items[i].topic))
            j++;
        write_str(w, a->items[i].topic);
        wb_uvarint(w, (uint64_t)(j - i) + 1);
        for (int k = i; k < j; k++) {
            wb_i32(w, a->items[k].partition);
            wb_i16(w, a->items[k].error);
            write_str(w, a->items[k].message);
            wb_uvarint(w, 0);
        }
        wb_uvarint(w, 0);
        i = j;
    }
    wb_uvarint(w, 0);
}

static void alter_topic_done(void *arg) {
    alter_req *a = arg;
    if (--a->outstanding > 0)
        return;
    response rs;
    resp_init(&rs);
    alter_write_response(a, &rs.wb, ERR_NONE);
    request_complete(a->rq, &rs);
    alter_free(a);
}

int handle_AlterPartitionReassignments(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int32_t timeout_ms, ntopics;
    alter_req *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->rq = rq;
    rb_read_i32(rb, &timeout_ms);
    /* a topic: name, partitions and tags, at least a byte each; a
     * partition: partition_index, replicas and tags */
    rb_read_compact_count_nn(rb, &ntopics, 3);
    for (int32_t t = 0; t < ntopics; t++) {
        kstr name;
        int32_t nparts;
        rb_read_cmpstr(rb, &name);
        if (KSTR_IS_NULL(name))
            goto err_parse;
        rb_read_compact_count_nn(rb, &nparts, 6);
        for (int32_t p = 0; p < nparts; p++) {
            reassign_item *it = alter_add(a);
            it->topic = kstr_dup(name);
            rb_read_i32(rb, &it->partition);
            rb_read_compact_count(rb, &it->nreplicas, 4); /* null: cancel */
            it->replicas = calloc((size_t)(it->nreplicas > 0 ? it->nreplicas : 1),
                                  sizeof(int32_t));
            if (!it->replicas)
                abort();
            for (int r = 0; r < it->nreplicas; r++)
                rb_read_i32(rb, &it->replicas[r]);
            rb_read_tags(rb);
        }
        rb_read_tags(rb);
    }
    rb_read_tags(rb);
    /* a topic's partitions together (a topic may be named twice) */
    for (int i = 1; i < a->n; i++)
        for (int j = i; j > 0 && strcmp(a->items[j - 1].topic, a->items[j].topic) > 0; j--) {
            reassign_item x = a->items[j];
            a->items[j] = a->items[j - 1];
            a->items[j - 1] = x;
        }
    if (!B.is_controller) {
        alter_write_response(a, &rs->wb, ERR_NOT_CONTROLLER);
        alter_free(a);
        return 0;
    }
    if (a->n == 0) {
        alter_write_response(a, &rs->wb, ERR_NONE);
        alter_free(a);
        return 0;
    }
    resp_free(rs); /* alter_topic_done writes it whole */
    a->outstanding = 1;
    for (int i = 0; i < a->n;) {
        int j = i;
        while (j < a->n && !strcmp(a->items[j].topic, a->items[i].topic))
            j++;
        a->outstanding++;
        controller_reassign(a->items[i].topic, &a->items[i], j - i, timeout_ms, alter_topic_done,
                            a);
        i = j;
    }
    alter_topic_done(a);
    return 1;
err_parse:
    alter_free(a);
    return -1;
}

/* ------------------------------------------------------------------------
 * ListPartitionReassignments
 * ---------------------------------------------------------------------- */
typedef struct list_out {
    wbuf topics; /* the topics array's entries */
    int ntopics;
} list_out;

static void write_ids(wbuf *w, const int32_t *a, int n) {
    wb_uvarint(w, (uint64_t)n + 1);
    for (int i = 0; i < n; i++)
        wb_i32(w, a[i]);
}

/* One topic's ongoing reassignments among parts (NULL: all). */
static void list_topic(list_out *o, topic *t, const int32_t *parts, int nparts) {
    if (!t || t->deleting)
        return;
    wbuf pw;
    wb_init(&pw, 128);
    int n = 0;
    int count = parts ? nparts : t->npartitions;
    for (int i = 0; i < count; i++) {
        partition *p = partition_get(t, parts ? parts[i] : i);
        reassign_state st;
        if (!p || !reassign_describe(p, &st))
            continue;
        int dup = 0;
        for (int k = 0; parts && k < i; k++)
            dup |= parts[k] == parts[i];
        if (dup)
            continue;
        wb_i32(&pw, p->id);
        write_ids(&pw, st.replicas, st.nreplicas);
        write_ids(&pw, st.adding, st.nadding);
        write_ids(&pw, st.removing, st.nremoving);
        wb_uvarint(&pw, 0);
        n++;
    }
    if (n) {
        write_str(&o->topics, t->name);
        wb_uvarint(&o->topics, (uint64_t)n + 1);
        wb_write(&o->topics, pw.data, pw.len);
        wb_uvarint(&o->topics, 0);
        o->ntopics++;
    }
    wb_free(&pw);
}

static void list_all_cb(topic *t, void *arg) { list_topic(arg, t, NULL, 0); }

int handle_ListPartitionReassignments(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int32_t timeout_ms, ntopics;
    list_out o = {.ntopics = 0};
    wb_init(&o.topics, 256);
    int32_t *parts = NULL;
    rb_read_i32(rb, &timeout_ms);
    (void)timeout_ms;
    /* null: every reassignment; a topic: name, partition_indexes, tags */
    rb_read_compact_count(rb, &ntopics, 3);
    for (int32_t t = 0; t < ntopics; t++) {
        kstr name;
        int32_t np;
        rb_read_cmpstr(rb, &name);
        if (KSTR_IS_NULL(name))
            goto err_parse;
        rb_read_compact_count_nn(rb, &np, 4);
        free(parts);
        parts = calloc((size_t)np + 1, sizeof(int32_t));
        if (!parts)
            abort();
        for (int32_t p = 0; p < np; p++)
            rb_read_i32(rb, &parts[p]);
        rb_read_tags(rb);
        if (B.is_controller)
            list_topic(&o, topic_findn(name.s, name.len), parts, np);
    }
    rb_read_tags(rb);
    if (ntopics < 0 && B.is_controller)
        topic_foreach(list_all_cb, &o);
    wb_i32(&rs->wb, 0);
    wb_i16(&rs->wb, B.is_controller ? ERR_NONE : ERR_NOT_CONTROLLER);
    write_str(&rs->wb, NULL);
    wb_uvarint(&rs->wb, B.is_controller ? (uint64_t)o.ntopics + 1 : 1);
    if (B.is_controller)
        wb_write(&rs->wb, o.topics.data, o.topics.len);
    wb_uvarint(&rs->wb, 0);
    free(parts);
    wb_free(&o.topics);
    return 0;
err_parse:
    free(parts);
    wb_free(&o.topics);
    return -1;
}
