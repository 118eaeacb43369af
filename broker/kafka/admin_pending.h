/* admin_pending.h -- an admin request waiting for ZooKeeper.
 *
 * CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs and
 * IncrementalAlterConfigs name several topics (or config resources) and
 * answer once every one of them has a result.  Items found invalid while
 * parsing get their error at once (admin_set); the others are handed to
 * cluster.c with admin_item_done as the callback and admin_submit(a, i) as
 * its argument.  admin_start then either answers at once (nothing was
 * submitted, or every result came back already) or leaves the response to
 * the last callback, which writes it with the request's admin_writer,
 * completes the request and frees everything. */
#ifndef KAFKA_ADMIN_PENDING_H
#define KAFKA_ADMIN_PENDING_H

#include <stdint.h>

#include "buf.h"
#include "network.h"

typedef struct admin_item {
    char *name;      /* topic or resource name (owned) */
    int8_t type;     /* resource type (configs APIs only) */
    int16_t error;   /* Kafka error code, 0 = none */
    char *message;   /* error message (owned) or NULL */
} admin_item;

typedef struct admin_req admin_req;

/* Writes the response body from the items' results. */
typedef void admin_writer(admin_req *a, wbuf *w);

struct admin_req {
    request *rq;
    int nitems;
    admin_item *items;    /* nitems of them, zeroed by admin_new */
    int outstanding;      /* submitted items still waiting for a result */
    int started;          /* every item submitted (admin_start called) */
    admin_writer *write;
};

/* A request of n items (n may be 0) answered by write. Aborts when out of
 * memory, like the rest of the broker. */
admin_req *admin_new(request *rq, int n, admin_writer *write);

/* Frees the items and a; for the parse-error path (admin_start frees
 * otherwise). */
void admin_free(admin_req *a);

/* Sets item i's result (msg is copied; NULL for none). */
void admin_set(admin_req *a, int i, int16_t err, const char *msg);

/* Marks item i as waiting; returns the argument to pass to cluster.c with
 * admin_item_done as the callback. */
void *admin_submit(admin_req *a, int i);

/* The cluster_done_cb of submitted items. */
void admin_item_done(void *arg, int16_t err, const char *msg);

/* Every item has been submitted: writes the response into rs, frees a and
 * returns 0 when no result is outstanding; else returns 1 (deferred: the
 * last admin_item_done completes the request). */
int admin_start(admin_req *a, response *rs);

#endif
