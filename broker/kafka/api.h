/* api.h -- the request handlers and the table of APIs this broker
 * advertises (ApiVersions answers from the same table dispatch uses). */
#ifndef KAFKA_API_H
#define KAFKA_API_H

#include "network.h"
#include "proto.h"

typedef struct api_def {
    int16_t key;
    int16_t min_version;
    int16_t max_version;
    const char *name;
    api_handler *handler;
    int16_t flexible_from; /* first flexible version (header v2, tagged fields); 0 = none,
                            * FLEXIBLE_FROM_V0 for APIs flexible in every version */
} api_def;

#define FLEXIBLE_FROM_V0 (-1)

/* The opening of a topic in the APIs whose response mirrors the request
 * topic by topic (Produce, ListOffsets, DeleteRecords,
 * OffsetForLeaderEpoch): reads the topic name and its partition count (not
 * null, at least min_part bytes a partition left) and writes both to the
 * response. A short or bad request jumps to err_parse (buf.h). */
#define api_read_echo_topic(rb, w, name, nparts, min_part)                    \
    do {                                                                       \
        rb_read_str(rb, name);                                                 \
        rb_read_i32(rb, nparts);                                               \
        rb_check_count_nn(rb, *(nparts), min_part);                            \
        wb_str(w, (name)->s, (name)->len);                                     \
        wb_i32(w, *(nparts));                                                  \
    } while (0)
int api_flexible(const api_def *d, int16_t version);
const api_def *api_lookup(int16_t key);
int api_count(void);
const api_def *api_at(int i);

api_handler handle_ApiVersions;
api_handler handle_Metadata;
api_handler handle_Produce;
api_handler handle_Fetch;
api_handler handle_ListOffsets;
api_handler handle_CreateTopics;
api_handler handle_DeleteTopics;
api_handler handle_CreatePartitions;
api_handler handle_DeleteRecords;
api_handler handle_InitProducerId;
api_handler handle_DescribeConfigs;
api_handler handle_AlterConfigs;
api_handler handle_IncrementalAlterConfigs;
api_handler handle_FindCoordinator;
api_handler handle_JoinGroup;
api_handler handle_SyncGroup;
api_handler handle_Heartbeat;
api_handler handle_LeaveGroup;
api_handler handle_ListGroups;
api_handler handle_DescribeGroups;
api_handler handle_DeleteGroups;
api_handler handle_OffsetCommit;
api_handler handle_OffsetFetch;
api_handler handle_OffsetDelete;
api_handler handle_DescribeLogDirs;

/* Fetch long-poll: appends mark waiting fetches for re-evaluation, which
 * happens in fetch_before_sleep (called once per event-loop iteration). */
void fetch_wakeup(void);
void fetch_before_sleep(void);
void fetch_abort_all(void);


api_handler handle_OffsetForLeaderEpoch;
api_handler handle_ControlledShutdown;
/* api_control.c: the controller's requests to this broker */
api_handler handle_LeaderAndIsr;
api_handler handle_StopReplica;
api_handler handle_UpdateMetadata;
api_handler handle_ElectLeaders;
api_handler handle_AlterPartitionReassignments;
api_handler handle_ListPartitionReassignments;

#endif
