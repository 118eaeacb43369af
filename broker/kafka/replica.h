/* replica.h -- a partition's replication state on this broker: leader or
 * follower, and as leader what it knows of its followers (their log end
 * offsets and last caught-up times), the in-sync replica set (shrink and
 * expand, written to ZooKeeper), and the high watermark that consumers and
 * acks=all producers wait on. Kafka's Partition/Replica classes. */
#ifndef KAFKA_REPLICA_H
#define KAFKA_REPLICA_H

#include <stdint.h>

#include "broker.h"

enum { REPLICA_NONE = 0, REPLICA_LEADER = 1, REPLICA_FOLLOWER = 2 };

typedef struct follower_state {
    int32_t broker_id;
    int64_t leo;                    /* its last fetch offset; -1 unknown */
    int64_t last_caught_up_ms;      /* 0 never */
    int64_t last_fetch_leader_leo;  /* the leader's end offset at its previous fetch */
    int64_t last_fetch_ms;
} follower_state;

/* The partition's state (leader, epoch, ISR, replicas) was read anew:
 * become leader or follower of the new epoch, or stop replicating. Called
 * by cluster.c after each read of the partition's state znode. */
void replica_apply_state(partition *p);
/* The partition goes away (deleted, no longer assigned here, shutdown). */
void replica_stop(partition *p);

/* Leader: a follower's Fetch arrived with this offset (before the read). */
void replica_follower_fetch(partition *p, int32_t replica_id, int64_t fetch_offset);
/* Leader: records were appended; the high watermark may move. */
void replica_leader_appended(partition *p);
/* Follower: the leader's high watermark and log start from a fetch. */
void replica_follower_hw(partition *p, int64_t leader_hw);

int replica_in_isr(const partition *p, int32_t broker_id);
/* KIP-320 fencing of a request's current_leader_epoch (-1: not checked):
 * FENCED_LEADER_EPOCH when older than ours, UNKNOWN_LEADER_EPOCH when newer. */
int16_t replica_check_epoch(const partition *p, int32_t current_leader_epoch);
/* ISR size as the leader counts it for min.insync.replicas. */
int replica_isr_size(const partition *p);
/* Periodic (from the broker's timer): ISR shrink every replica.lag.time.max.ms / 2. */
void replica_periodic(int64_t now_ms);

/* Waiting until an append is replicated (Kafka's DelayedProduce, also used
 * for group metadata): done when the high watermark reaches
 * required_offset (ERR_NONE, or NOT_ENOUGH_REPLICAS_AFTER_APPEND when the
 * ISR is below min_isr by then), when this broker stops leading the
 * partition at that epoch (NOT_LEADER_FOR_PARTITION), or after timeout_ms
 * (REQUEST_TIMED_OUT). Returns 1 and does not call back when it is already
 * replicated, else 0 and calls cb exactly once later, from
 * replica_before_sleep (once per event-loop iteration) or a timer. */
typedef void replica_wait_cb(void *arg, int16_t error_code);
int replica_wait_replicated(partition *p, int64_t required_offset, int min_isr, int timeout_ms,
                            replica_wait_cb *cb, void *arg);
void replica_before_sleep(void);
void replica_abort_waiters(void); /* shutdown: every waiter gets NOT_LEADER_FOR_PARTITION */

/* cluster.c: a leader's conditional write of a new ISR to the state znode
 * (keeping leader, epoch and the deciding controller's epoch); calls back
 * with 0 when written (p->isr and its zk version are then updated), -1 when
 * refused or failed. */
typedef void isr_write_cb(partition *p, int ok);
void cluster_write_isr(partition *p, const int32_t *isr, int nisr, isr_write_cb *cb);

#endif
