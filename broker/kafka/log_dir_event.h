/* log_dir_event.h -- the controller's handling of /log_dir_event_notification
 * (log_dir_event.c): a broker's replicas on a failed log directory, which
 * it answers LeaderAndIsr for with KAFKA_STORAGE_ERROR, are marked offline
 * and their partitions elect leaders without them. */
#ifndef KAFKA_LOG_DIR_EVENT_H
#define KAFKA_LOG_DIR_EVENT_H

#include <stdint.h>

#include "broker.h"

/* Reads, acts on and deletes the notifications (on becoming controller and
 * on each child watch of the path that matches). */
void log_dir_event_watch(void);
int log_dir_event_is_watched_path(const char *path);
/* The broker's replica of p is on a failed log directory (for the broker's
 * current registration): it may neither lead nor be in the ISR. */
int log_dir_replica_offline(const partition *p, int32_t broker);
/* The broker (in its registration broker_epoch) answered LeaderAndIsr:
 * the partitions it answered KAFKA_STORAGE_ERROR are offline replicas
 * (their partitions elect without them), those it answered NONE online
 * again (Kafka's processLeaderAndIsrResponseReceived). */
struct ctl_response;
void log_dir_leader_and_isr_answered(int32_t broker, int64_t broker_epoch,
                                     const struct ctl_response *rs);

#endif
