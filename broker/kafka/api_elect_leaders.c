/* api_elect_leaders.c -- ElectLeaders v0-2 (KIP-183/460; v2 flexible): an
 * admin asks the controller for preferred (0) or unclean (1) leader
 * elections on some partitions or, with a null list, on all of them. The
 * answer comes once every started election is written to ZooKeeper, or
 * with REQUEST_TIMED_OUT for those still pending after timeout_ms. With a
 * null list, partitions that need no election are left out, as in Kafka. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "cluster.h"

typedef struct elect_item {
    char *topic;
    int32_t partition;
    int16_t error;
    int pending;
} elect_item;

typedef struct elect_req {
    request *rq;
    int unclean;
    int all;
    elect_item *items;
    int n, cap;
    int outstanding; /* elections not written yet */
    int answered;
    long long timer;
} elect_req;

static void add_item(elect_req *e, const char *topic, int len, int32_t partition) {
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->items = realloc(e->items, (size_t)e->cap * sizeof(elect_item));
        if (!e->items)
            abort();
    }
    elect_item *it = &e->items[e->n++];
    it->topic = strndup(topic, (size_t)len);
    if (!it->topic)
        abort();
    it->partition = partition;
    it->error = ERR_NONE;
    it->pending = 0;
}

static void add_all_cb(topic *t, void *arg) {
    if (t->deleting)
        return;
    for (int i = 0; i < t->npartitions; i++)
        add_item(arg, t->name, (int)strlen(t->name), i);
}

static void elect_free(elect_req *e) {
    for (int i = 0; i < e->n; i++)
        free(e->items[i].topic);
    free(e->items);
    free(e);
}

static const char *strategy(const elect_req *e) {
    return e->unclean ? "OfflinePartitionLeaderElectionStrategy(true)"
                      : "PreferredReplicaPartitionLeaderElectionStrategy";
}

/* Writes the response: results grouped by topic, in request order. */
static void write_response(elect_req *e, wbuf *w) {
    int v = e->rq->api_version, flex = v >= 2;
    wb_i32(w, 0); /* throttle_time_ms */
    if (v >= 1)
        wb_i16(w, ERR_NONE);
    char *done = calloc((size_t)(e->n > 0 ? e->n : 1), 1);
    if (!done)
        abort();
    int ntopics = 0;
    for (int i = 0; i < e->n; i++) {
        int shown = !(e->all && e->items[i].error == ERR_ELECTION_NOT_NEEDED);
        if (!shown)
            done[i] = 1;
    }
    for (int i = 0; i < e->n; i++) {
        if (done[i])
            continue;
        int first = 1;
        for (int j = 0; j < i; j++)
            if (!done[j] && !strcmp(e->items[j].topic, e->items[i].topic))
                first = 0;
        ntopics += first;
    }
    if (flex)
        wb_uvarint(w, (uint64_t)ntopics + 1);
    else
        wb_i32(w, ntopics);
    for (int i = 0; i < e->n; i++) {
        if (done[i])
            continue;
        const char *t = e->items[i].topic;
        int np = 0;
        for (int j = i; j < e->n; j++)
            np += !done[j] && !strcmp(e->items[j].topic, t);
        if (flex) {
            wb_cmpstr(w, t, (int)strlen(t));
            wb_uvarint(w, (uint64_t)np + 1);
        } else {
            wb_cstr(w, t);
            wb_i32(w, np);
        }
        for (int j = i; j < e->n; j++) {
            elect_item *it = &e->items[j];
            if (done[j] || strcmp(it->topic, t))
                continue;
            done[j] = 1;
            char msg[512];
            const char *m = NULL;
            if (it->error == ERR_PREFERRED_LEADER_NOT_AVAILABLE ||
                it->error == ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE) {
                snprintf(msg, sizeof(msg), "Failed to elect leader for partition %s-%d under "
                         "strategy %s", t, it->partition, strategy(e));
                m = msg;
            }
            wb_i32(w, it->partition);
            wb_i16(w, it->error);
            if (flex) {
                wb_cmpstr(w, m, m ? (int)strlen(m) : -1);
                wb_uvarint(w, 0);
            } else {
                wb_cstr(w, m);
            }
        }
        if (flex)
            wb_uvarint(w, 0);
    }
    if (flex)
        wb_uvarint(w, 0);
    free(done);
}

static void answer(elect_req *e) {
    e->answered = 1;
    if (e->timer >= 0)
        aeDeleteTimeEvent(B.el, e->timer);
    e->timer = -1;
    response rs;
    resp_init(&rs);
    write_response(e, &rs.wb);
    request_complete(e->rq, &rs);
    if (e->outstanding == 0)
        elect_free(e);
}

typedef struct item_ref {
    elect_req *e;
    int idx;
} item_ref;

static void elected(void *arg, int ok) {
    item_ref *ref = arg;
    elect_req *e = ref->e;
    elect_item *it = &e->items[ref->idx];
    free(ref);
    it->pending = 0;
    if (!e->answered)
        it->error = ok ? ERR_NONE : ERR_NOT_CONTROLLER;
    if (--e->outstanding > 0)
        return;
    if (e->answered)
        elect_free(e);
    else
        answer(e);
}

static int timed_out(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    elect_req *e = arg;
    e->timer = -1;
    for (int i = 0; i < e->n; i++)
        if (e->items[i].pending)
            e->items[i].error = ERR_REQUEST_TIMED_OUT;
    answer(e);
    return AE_NOMORE;
}

int handle_ElectLeaders(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version, flex = v >= 2;
    int8_t election_type = 0;
    int32_t ntopics, timeout_ms;
    elect_req *e = calloc(1, sizeof(*e));
    if (!e)
        abort();
    e->rq = rq;
    e->timer = -1;
    if (v >= 1)
        rb_read_i8(rb, &election_type);
    if (flex) {
        rb_read_compact_count(rb, &ntopics, 3); /* name, partitions, tags */
    } else {
        rb_read_i32(rb, &ntopics);
        rb_check_count(rb, ntopics, 6);
    }
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t nparts;
        if (flex) {
            rb_read_cmpstr(rb, &name);
            rb_read_compact_count_nn(rb, &nparts, 4);
        } else {
            rb_read_str(rb, &name);
            rb_read_i32(rb, &nparts);
            rb_check_count_nn(rb, nparts, 4);
        }
        if (KSTR_IS_NULL(name))
            goto err_parse;
        for (int32_t j = 0; j < nparts; j++) {
            int32_t partition;
            rb_read_i32(rb, &partition);
            add_item(e, name.s, name.len, partition);
        }
        if (flex)
            rb_read_tags(rb);
    }
    rb_read_i32(rb, &timeout_ms);
    if (flex)
        rb_read_tags(rb);
    if (election_type != 0 && election_type != 1)
        goto err_parse;
    e->unclean = election_type == 1;
    e->all = ntopics < 0;
    if (e->all && B.is_controller)
        topic_foreach(add_all_cb, e);

    for (int i = 0; i < e->n; i++) {
        elect_item *it = &e->items[i];
        topic *t = topic_find(it->topic);
        partition *p = t && !t->deleting ? partition_get(t, it->partition) : NULL;
        if (!B.is_controller) {
            it->error = ERR_NOT_CONTROLLER;
            continue;
        }
        if (!p) {
            it->error = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        item_ref *ref = malloc(sizeof(*ref));
        if (!ref)
            abort();
        *ref = (item_ref){e, i};
        it->pending = 1;
        e->outstanding++;
        it->error = controller_elect_leader(p, e->unclean, elected, ref);
        if (it->error != ERR_NONE) {
            it->pending = 0;
            e->outstanding--;
            free(ref);
        }
    }
    if (e->outstanding == 0) {
        write_response(e, &rs->wb);
        elect_free(e);
        return 0;
    }
    resp_free(rs); /* answer() writes it whole */
    e->timer = aeCreateTimeEvent(B.el, timeout_ms > 0 ? timeout_ms : 0, timed_out, e);
    return 1;
err_parse:
    elect_free(e);
    return -1;
}
