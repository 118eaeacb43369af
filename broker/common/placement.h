/* placement.h -- replica placement for new topics and partitions (Kafka's
 * rack-aware and plain assignment): the one implementation, used by the
 * broker (CreateTopics, CreatePartitions) and by the tools' --zookeeper
 * modes (zk_admin.c). */
#ifndef COMMON_PLACEMENT_H
#define COMMON_PLACEMENT_H

#include <stdint.h>

typedef struct placement_broker {
    int32_t id;
    const char *rack; /* NULL: none */
} placement_broker;

enum { PLACEMENT_BAD_RF = -1, PLACEMENT_MIXED_RACKS = -2 };

/* Fills out[p * rf + r] with the r-th replica of partition
 * first_partition + p. start and shift are Kafka's random starting index
 * and replica shift (any non-negative values; fixed ones in tests).
 * Rack-aware when every broker has a rack. Returns 0, PLACEMENT_BAD_RF
 * (rf < 1 or more than the brokers) or PLACEMENT_MIXED_RACKS (only some
 * brokers have a rack: Kafka refuses rack-aware placement then). */
int placement_assign(const placement_broker *brokers, int n, int npartitions, int rf,
                     int first_partition, int start, int shift, int32_t *out);

#endif
