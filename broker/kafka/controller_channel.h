/* controller_channel.h -- the controller's requests to the brokers (Kafka's
 * ControllerChannelManager): one queue and one connection per live broker,
 * this one included; LeaderAndIsr, UpdateMetadata and StopReplica built
 * from the controller's view, batched per event-loop turn, sent one at a
 * time per broker and resent after a reconnect until answered. Only while
 * this broker is the controller. */
#ifndef KAFKA_CONTROLLER_CHANNEL_H
#define KAFKA_CONTROLLER_CHANNEL_H

#include <stdint.h>

#include "broker.h"

/* A new leader or leader epoch was read back after the controller wrote
 * it: LeaderAndIsr to its live replicas, UpdateMetadata to every live
 * broker. */
void ctlchan_partition_leadership(partition *p);
/* LeaderAndIsr with p's current state to one of its replicas (Kafka's
 * OnlineReplica transition: the answer says whether the replica is on a
 * failed log directory, see log_dir_event.h). */
void ctlchan_leader_and_isr(int32_t broker, partition *p);
/* Only the ISR changed (a leader's shrink or expand): UpdateMetadata. */
void ctlchan_partition_metadata(partition *p);
/* StopReplica to one broker (topic deletion, a replica a reassignment
 * removed); with delete_partitions its log is removed. */
void ctlchan_stop_replica(int32_t broker, const char *topic, int32_t partition,
                          int delete_partitions);
/* The live brokers changed, or this broker became the controller: a
 * queue per live broker; a broker new to the controller (or registered
 * again, with a new epoch) gets the full state, and every live broker
 * UpdateMetadata for all partitions with the new live brokers (sent even
 * when there is no partition: their Metadata lists the brokers). */
void ctlchan_sync_brokers(void);
/* Not (or no longer) the controller: every queue is dropped. */
void ctlchan_stop(void);

#endif
