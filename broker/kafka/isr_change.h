/* isr_change.h -- /isr_change_notification: leaders tell the controller
 * which partitions' ISR they changed (batched); the controller re-reads
 * those states and deletes the notifications (isr_change.c). */
#ifndef KAFKA_ISR_CHANGE_H
#define KAFKA_ISR_CHANGE_H

#include <stdint.h>

/* Leader side: an ISR change of topic-partition written to ZooKeeper. */
void isr_change_record(const char *topic, int32_t partition, int64_t now_ms);
/* From the cron: writes the batch when it is due. */
void isr_change_periodic(int64_t now_ms);

/* Controller side: reads and watches the notifications (on becoming
 * controller, and on each child watch of the path that matches). */
void isr_change_watch(void);
int isr_change_is_watched_path(const char *path);

#endif
