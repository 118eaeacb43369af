/* control_requests.h -- the controller's requests to brokers, as Kafka 2.5
 * defines them: LeaderAndIsr v0-4, StopReplica v0-2, UpdateMetadata v0-6
 * (the last version of each is flexible), and their responses. One
 * in-memory form per message, decoded by the broker that receives it
 * (api_control.c) and encoded by the controller that sends it
 * (controller_channel.c). Field names are Kafka's. */
#ifndef KAFKA_CONTROL_REQUESTS_H
#define KAFKA_CONTROL_REQUESTS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LEADER_AND_ISR_MAX_VERSION 4
#define STOP_REPLICA_MAX_VERSION 2
#define UPDATE_METADATA_MAX_VERSION 6

/* LeaderAndIsrPartitionState / UpdateMetadataPartitionState, and for
 * StopReplica only topic_name and partition_index. */
typedef struct ctl_partition_state {
    char *topic_name;
    int32_t partition_index;
    int32_t controller_epoch;
    int32_t leader;
    int32_t leader_epoch;
    int32_t *isr;
    int nisr;
    int32_t zk_version;
    int32_t *replicas;
    int nreplicas;
    int32_t *adding_replicas; /* LeaderAndIsr v3+ */
    int nadding_replicas;
    int32_t *removing_replicas;
    int nremoving_replicas;
    int32_t *offline_replicas; /* UpdateMetadata v4+ */
    int noffline_replicas;
    int is_new; /* LeaderAndIsr v1+ */
} ctl_partition_state;

/* LeaderAndIsrLiveLeader / UpdateMetadataBroker (its PLAINTEXT endpoint). */
typedef struct ctl_broker {
    int32_t id;
    char *host;
    int32_t port;
    char *rack; /* NULL: none */
} ctl_broker;

typedef struct ctl_request {
    int16_t api_key; /* ApiKey_LeaderAndIsr, _StopReplica, _UpdateMetadata */
    int16_t version;
    int32_t controller_id;
    int32_t controller_epoch;
    int64_t broker_epoch; /* -1 when the version has none */
    int delete_partitions; /* StopReplica */
    ctl_partition_state *partitions; /* grouped by topic when encoded */
    int npartitions;
    size_t partitions_cap; /* elements allocated at partitions (array.h) */
    ctl_broker *brokers; /* LiveLeaders / LiveBrokers */
    int nbrokers;
    size_t brokers_cap;
} ctl_request;

typedef struct ctl_partition_error {
    char *topic_name;
    int32_t partition_index;
    int16_t error_code;
} ctl_partition_error;

typedef struct ctl_response {
    int16_t error_code;
    ctl_partition_error *partition_errors; /* none for UpdateMetadata */
    int npartition_errors;
    size_t partition_errors_cap;
} ctl_response;

/* 1 when the version of that request is flexible. */
int ctl_flexible(int16_t api_key, int16_t version);

/* Decoding: 0, or -1 when malformed (rb->err set); *out is then freed. */
int ctl_request_decode(rbuf *rb, int16_t api_key, int16_t version, ctl_request *out);
int ctl_response_decode(rbuf *rb, int16_t api_key, int16_t version, ctl_response *out);
void ctl_request_encode(wbuf *w, const ctl_request *rq);
void ctl_response_encode(wbuf *w, int16_t api_key, int16_t version, const ctl_response *rs);
void ctl_request_free(ctl_request *rq);
void ctl_response_free(ctl_response *rs);

/* Building messages: appends a copy. */
ctl_partition_state *ctl_request_add_partition(ctl_request *rq, const char *topic_name);
void ctl_request_add_broker(ctl_request *rq, int32_t id, const char *host, int32_t port,
                            const char *rack);
void ctl_response_add_error(ctl_response *rs, const char *topic_name, int32_t partition_index,
                            int16_t error_code);
int32_t *ctl_ids_copy(const int32_t *a, int n); /* NULL for n == 0 */

#endif
