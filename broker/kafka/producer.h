/* producer.h -- idempotent producer state of one partition: per producer
 * id, its epoch and the last five appended batches (sequence ranges and
 * offsets), as Kafka's ProducerStateManager keeps them. */
#ifndef KAFKA_PRODUCER_H
#define KAFKA_PRODUCER_H

#include <stdint.h>

typedef struct producer_state producer_state;

producer_state *pstate_new(void);
void pstate_free(producer_state *ps);
void pstate_clear(producer_state *ps);

/* Checks a batch header (61 bytes, magic 2) before it is appended.
 * Returns 0 to append, 1 for a duplicate of a cached batch (*dup_offset
 * set to its original base offset), or a Kafka error code > 1
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH). */
int pstate_check(const producer_state *ps, const uint8_t *hdr, int64_t *dup_offset);
/* Records a batch header after the log assigned its base offset. */
void pstate_update(producer_state *ps, const uint8_t *hdr);
int pstate_count(const producer_state *ps);

#endif
