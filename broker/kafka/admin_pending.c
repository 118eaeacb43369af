/* admin_pending.c -- an admin request waiting for ZooKeeper: per-item
 * results collected from cluster.c callbacks, one response when the last
 * arrives (see admin_pending.h). */
#include "admin_pending.h"

#include <stdlib.h>
#include <string.h>

/* What admin_submit hands to cluster.c: the request and the item. */
typedef struct admin_ref {
    admin_req *a;
    int idx;
} admin_ref;

admin_req *admin_new(request *rq, int n, admin_writer *write) {
    admin_req *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->rq = rq;
    a->nitems = n;
    a->items = calloc((size_t)(n > 0 ? n : 1), sizeof(admin_item));
    if (!a->items)
        abort();
    a->write = write;
    return a;
}

void admin_free(admin_req *a) {
    for (int i = 0; i < a->nitems; i++) {
        free(a->items[i].name);
        free(a->items[i].message);
    }
    free(a->items);
    free(a);
}

void admin_set(admin_req *a, int i, int16_t err, const char *msg) {
    a->items[i].error = err;
    free(a->items[i].message);
    a->items[i].message = msg ? strdup(msg) : NULL;
}

void *admin_submit(admin_req *a, int i) {
    admin_ref *ref = malloc(sizeof(*ref));
    if (!ref)
        abort();
    ref->a = a;
    ref->idx = i;
    a->outstanding++;
    return ref;
}

/* Answers once every item is submitted and no result is outstanding. A
 * result that arrives before admin_start (a synchronous failure in
 * cluster.c) only counts down; admin_start answers then. */
static void admin_maybe_finish(admin_req *a) {
    if (!a->started || a->outstanding > 0)
        return;
    response rs;
    resp_init(&rs);
    a->write(a, &rs.wb);
    request_complete(a->rq, &rs);
    admin_free(a);
}

void admin_item_done(void *arg, int16_t err, const char *msg) {
    admin_ref *ref = arg;
    admin_req *a = ref->a;
    admin_set(a, ref->idx, err, msg);
    free(ref);
    a->outstanding--;
    admin_maybe_finish(a);
}

int admin_start(admin_req *a, response *rs) {
    a->started = 1;
    if (a->outstanding == 0) {
        a->write(a, &rs->wb);
        admin_free(a);
        return 0;
    }
    resp_free(rs); /* deferred: admin_maybe_finish writes a response of its own */
    return 1;
}
