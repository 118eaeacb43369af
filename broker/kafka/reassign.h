/* reassign.h -- the controller's partition reassignment (KIP-455, see
 * reassign.c): starting and cancelling reassignments, completing them as
 * the targets join the ISR, and what ListPartitionReassignments shows. */
#ifndef KAFKA_REASSIGN_H
#define KAFKA_REASSIGN_H

#include <stdint.h>

#include "broker.h"

typedef struct reassign_item {
    char *topic;        /* owned by the caller */
    int32_t partition;
    int32_t *replicas;  /* the target; owned by the caller */
    int nreplicas;      /* -1: cancel the reassignment in progress */
    int16_t error;      /* set by controller_reassign */
    char *message;      /* malloc'd error message or NULL; the caller frees it */
} reassign_item;

typedef void reassign_done_cb(void *arg);
/* Starts (or cancels) reassignments of partitions of one topic, as the
 * controller; done is called (perhaps at once) when each item's error and
 * message are set: NONE once written to ZooKeeper, NOT_CONTROLLER,
 * INVALID_REPLICA_ASSIGNMENT, UNKNOWN_TOPIC_OR_PARTITION,
 * NO_REASSIGNMENT_IN_PROGRESS, REQUEST_TIMED_OUT. */
void controller_reassign(const char *topic, reassign_item *items, int n, int timeout_ms,
                         reassign_done_cb *done, void *arg);

/* Controller: p's state or assignment was read; complete its reassignment
 * when the targets are all in the ISR. */
void reassign_check(partition *p);
/* Controller: read (and watch) /admin/reassign_partitions. */
void reassign_watch_zk(void);
int reassign_zk_path(const char *path);

/* An ongoing reassignment of p: 1 and the lists (valid until the next
 * ZooKeeper read), or 0. */
typedef struct reassign_state {
    const int32_t *replicas, *adding, *removing;
    int nreplicas, nadding, nremoving;
} reassign_state;
int reassign_describe(const partition *p, reassign_state *out);
/* Some partition is being reassigned (the automatic rebalance waits). */
int reassign_in_progress(void);

#endif
