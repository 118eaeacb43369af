/* metadata_cache.h -- what a broker's Metadata answers say of the cluster,
 * after Kafka 2.5's MetadataCache: the live brokers (id, endpoint, rack) and
 * each partition's leader, leader epoch, ISR and offline replicas, all as
 * the controller's last UpdateMetadata said (metadata_cache.c). */
#ifndef KAFKA_METADATA_CACHE_H
#define KAFKA_METADATA_CACHE_H

#include <stdint.h>

#include "broker.h"

struct ctl_request;

typedef struct md_broker {
    int32_t id;
    char *host;
    int32_t port;
    char *rack; /* NULL: none */
} md_broker;

/* An UpdateMetadata that passed the epoch fences: its live brokers replace
 * the cached ones; its partition states replace those of the partitions
 * this broker knows. */
void metadata_cache_update(const struct ctl_request *c);

/* The live brokers of the last UpdateMetadata; -1 before the first (the
 * caller then answers from /brokers/ids). */
int metadata_cache_brokers(const md_broker **out);
/* 1 when id is a live broker in the view Metadata answers from (the last
 * UpdateMetadata's, or /brokers/ids before the first); its endpoint and
 * rack then go to *out (when out is not NULL; pointers valid until the
 * next UpdateMetadata or /brokers/ids change). */
int metadata_broker_endpoint(int32_t id, md_broker *out);
#define metadata_broker_alive(id) metadata_broker_endpoint((id), NULL)

/* The partition as Metadata reports it. */
typedef struct md_partition {
    int32_t leader, leader_epoch;
    const int32_t *isr, *offline;
    int nisr, noffline;
} md_partition;
/* The controller's last state of p when one came (returns 1), else p's own
 * (from LeaderAndIsr or ZooKeeper) with the replicas not alive as offline
 * (returns 0; offline points into scratch, of room for cap entries). */
int metadata_partition(const partition *p, md_partition *out, int32_t *scratch, int cap);
/* A partition's cached state goes with it. */
void metadata_partition_free(partition *p);

#endif
