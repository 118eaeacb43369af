/* cluster.h -- the broker's view of the cluster, kept in ZooKeeper exactly
 * as Kafka 2.5 lays it out: broker registration, controller election, topic
 * assignments, partition state, topic configs, deletions, producer ids.
 *
 * Changes are asynchronous: they write to ZooKeeper and call back on the
 * event loop once the broker's own state reflects them. */
#ifndef KAFKA_CLUSTER_H
#define KAFKA_CLUSTER_H

#include <stdint.h>

#include "broker.h"

typedef void cluster_done_cb(void *arg, int16_t error_code, const char *error_message);
typedef void cluster_pid_cb(void *arg, int16_t error_code, int64_t producer_id);

/* Connects, registers and loads the cluster state; blocks (running the
 * event loop) until ready or the connection timeout. Returns 0 or -1. */
int cluster_start(void);
void cluster_stop(void);
int cluster_ready(void); /* session valid and registered */

/* Topic changes, as Kafka 2.5's AdminManager. timeout_ms is the request's:
 * <= 0 calls cb as soon as the ZooKeeper write is done, with
 * REQUEST_TIMED_OUT (the change is under way, not yet visible); > 0 calls
 * it once this broker's metadata shows the change (every partition has a
 * leader; the topic is gone), with ERR_NONE, or after timeout_ms with
 * REQUEST_TIMED_OUT. Errors before or in the write are reported as such.
 * assignment: npartitions x rf broker ids, or NULL to let the broker pick. */
void cluster_create_topic(const char *name, int npartitions, int rf, const int32_t *assignment,
                          const char *const *cfg_keys, const char *const *cfg_values, int ncfg,
                          int32_t timeout_ms, cluster_done_cb *cb, void *arg);
void cluster_delete_topic(const char *name, int32_t timeout_ms, cluster_done_cb *cb, void *arg);
void cluster_create_partitions(const char *name, int new_total, const int32_t *assignment,
                               int32_t timeout_ms, cluster_done_cb *cb, void *arg);
/* Periodic (broker timer): answers the topic changes whose timeout passed. */
void cluster_periodic(int64_t now_ms);
/* Replaces an entity's configs, /config/<entity_type>/<name> ("topics" and
 * a topic, or "brokers" and a broker id or "<default>"), with the change
 * notification the brokers watch, as AdminZkClient.changeConfigs does. */
void cluster_set_config(const char *entity_type, const char *name, const char *const *keys,
                        const char *const *values, int n, cluster_done_cb *cb, void *arg);
void cluster_alloc_producer_id(cluster_pid_cb *cb, void *arg);
/* Replica assignment for new partitions over the live brokers (Kafka's
 * round-robin from fixed_start, or a random start when it is -1); returns 0
 * or an error code. */
int16_t cluster_assign_replicas(int npartitions, int rf, int first_partition, int fixed_start,
                                int32_t *out);
int cluster_live_broker_count(void);

/* Controller: a broker asks to shut down (ControlledShutdown). Its
 * replicated partitions get new leaders from the rest of their ISR and it
 * leaves their ISRs; cb gets the partitions it still leads, as
 * (int16 length, name, int32 partition) entries in `remaining`. */
#include "buf.h"
typedef void cluster_shutdown_cb(void *arg, int16_t error_code, const wbuf *remaining,
                                 int nremaining);
void cluster_controlled_shutdown(int32_t broker, int64_t broker_epoch, cluster_shutdown_cb *cb,
                                 void *arg);

/* Controller: an admin's leader election for one partition (ElectLeaders):
 * preferred (the first assigned replica, if alive and in the ISR) or
 * unclean (a partition without a live leader gets any live replica).
 * Returns ERR_NONE when the state write started (done is called with its
 * outcome), else the reason: NOT_CONTROLLER, ELECTION_NOT_NEEDED,
 * PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE. */
typedef void state_written_cb(void *arg, int ok);
int16_t controller_elect_leader(partition *p, int unclean, state_written_cb *done, void *arg);
/* A partition's state (leader, leader epoch, ISR, the znode's version), from
 * its znode or from the controller; applied (this broker leads, follows or
 * stops as it says) when the leader epoch fences it in, see cluster.c.
 * Returns ERR_NONE when applied, else ERR_STALE_CONTROLLER_EPOCH. */
typedef struct partition_state_in {
    int32_t controller_epoch;
    int32_t leader;
    int32_t leader_epoch;
    int32_t zk_version;
    const int32_t *isr;
    int nisr;
} partition_state_in;
enum { STATE_FROM_ZOOKEEPER, STATE_FROM_LEADER_AND_ISR, STATE_FROM_UPDATE_METADATA };
int16_t cluster_apply_partition_state(partition *p, const partition_state_in *s, int source);
/* A partition the controller's LeaderAndIsr names before this broker has
 * read its topic from ZooKeeper (Kafka's broker creates it from the
 * request): the topic, or the partitions up to it, are added, with the
 * request's replicas, and the topic's znodes are read as for any new topic
 * (assignment and state with their watches, config). NULL for a topic being
 * deleted, a name that is not a legal topic name, or an index from
 * MAX_PARTITIONS_FROM_CONTROLLER on (such a partition waits for the watch). */
#define MAX_PARTITIONS_FROM_CONTROLLER 10000
partition *cluster_partition_from_controller(const char *topic_name, int32_t partition_index,
                                             const int32_t *replicas, int nreplicas);

/* Periodic (broker timer): the automatic preferred-leader rebalance. */
void controller_periodic(int64_t now_ms);

#endif
