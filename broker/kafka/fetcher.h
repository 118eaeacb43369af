/* fetcher.h -- the follower side of replication: replica fetchers, one per
 * (leader broker, fetcher index < num.replica.fetchers), each with its own
 * connection to the leader, on the event loop. A partition added to a
 * fetcher first truncates its log to where it agrees with the leader
 * (OffsetForLeaderEpoch), then fetches with Fetch (replica_id = this
 * broker) and appends what it gets with the leader's offsets. */
#ifndef KAFKA_FETCHER_H
#define KAFKA_FETCHER_H

#include "broker.h"

/* Follow p->leader at p->leader_epoch (replacing any earlier fetch state). */
void fetcher_add(partition *p);
void fetcher_remove(partition *p);
void fetcher_shutdown(void);

#endif
