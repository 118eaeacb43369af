/* repl_quota.h -- replication throttles as Kafka 2.5 applies them
 * (ReplicationQuotaManager): a leader quota on what this broker sends to
 * followers and a follower quota on what its fetchers fetch, each a byte
 * rate measured over eleven one-second samples and bounded by
 * leader.replication.throttled.rate / follower.replication.throttled.rate
 * (dynamic broker configs, dynamic_config.c). A partition is throttled on
 * this broker when the topic's leader.replication.throttled.replicas /
 * follower.replication.throttled.replicas lists it with this broker's id
 * (or is "*"). Over the bound, throttled replicas that are not in sync get
 * no data; in-sync replicas and other partitions are never held back. */
#ifndef KAFKA_REPL_QUOTA_H
#define KAFKA_REPL_QUOTA_H

#include <stdint.h>

#include "broker.h"

enum { QUOTA_LEADER = 0, QUOTA_FOLLOWER = 1 };

/* Bytes per second; INT64_MAX: no bound (Kafka's default, Long.MaxValue). */
void repl_quota_set_bound(int which, int64_t bytes_per_sec);
int64_t repl_quota_bound(int which);
/* The measured rate is above the bound (never with no bound). */
int repl_quota_exceeded(int which);
/* Bytes of throttled partitions sent (leader) or fetched (follower). */
void repl_quota_record(int which, int64_t bytes);

/* The topic's throttled replica lists changed: keep the partitions they
 * name for this broker (topic_set_overrides calls it). */
void repl_quota_topic_changed(topic *t);
void repl_quota_topic_free(topic *t);
int repl_quota_is_throttled(int which, const partition *p);

/* Kafka's ReplicaManager.shouldLeaderThrottle: the follower is out of the
 * ISR, the partition is leader-throttled here and the leader quota is
 * exceeded. */
int repl_quota_leader_should_throttle(const partition *p, int32_t follower_id);

#endif
