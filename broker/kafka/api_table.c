/* api_table.c -- the APIs this broker implements, with their version ranges
 * (consistent with an Apache Kafka 2.5 broker, minus flexible versions), and
 * the ApiVersions handler that advertises exactly this table. */
#include "api.h"

static const api_def apis[] = {
    {ApiKey_Produce, 0, 8, "Produce", handle_Produce},
    {ApiKey_Fetch, 0, 11, "Fetch", handle_Fetch},
    {ApiKey_ListOffsets, 0, 5, "ListOffsets", handle_ListOffsets},
    {ApiKey_Metadata, 0, 8, "Metadata", handle_Metadata},
    {ApiKey_LeaderAndIsr, 0, 4, "LeaderAndIsr", handle_LeaderAndIsr, 4},
    {ApiKey_StopReplica, 0, 2, "StopReplica", handle_StopReplica, 2},
    {ApiKey_UpdateMetadata, 0, 6, "UpdateMetadata", handle_UpdateMetadata, 6},
    {ApiKey_OffsetCommit, 0, 7, "OffsetCommit", handle_OffsetCommit},
    {ApiKey_OffsetFetch, 0, 5, "OffsetFetch", handle_OffsetFetch},
    {ApiKey_FindCoordinator, 0, 2, "FindCoordinator", handle_FindCoordinator},
    {ApiKey_JoinGroup, 0, 5, "JoinGroup", handle_JoinGroup},
    {ApiKey_Heartbeat, 0, 3, "Heartbeat", handle_Heartbeat},
    {ApiKey_LeaveGroup, 0, 3, "LeaveGroup", handle_LeaveGroup},
    {ApiKey_SyncGroup, 0, 3, "SyncGroup", handle_SyncGroup},
    {ApiKey_DescribeGroups, 0, 4, "DescribeGroups", handle_DescribeGroups},
    {ApiKey_ListGroups, 0, 2, "ListGroups", handle_ListGroups},
    {ApiKey_ApiVersions, 0, 3, "ApiVersions", handle_ApiVersions, 3},
    {ApiKey_CreateTopics, 0, 4, "CreateTopics", handle_CreateTopics},
    {ApiKey_DeleteTopics, 0, 3, "DeleteTopics", handle_DeleteTopics},
    {ApiKey_DeleteRecords, 0, 1, "DeleteRecords", handle_DeleteRecords},
    {ApiKey_InitProducerId, 0, 1, "InitProducerId", handle_InitProducerId},
    {ApiKey_OffsetForLeaderEpoch, 0, 3, "OffsetForLeaderEpoch", handle_OffsetForLeaderEpoch},
    {ApiKey_ControlledShutdown, 1, 3, "ControlledShutdown", handle_ControlledShutdown, 3},
    {ApiKey_DescribeConfigs, 0, 2, "DescribeConfigs", handle_DescribeConfigs},
    {ApiKey_AlterConfigs, 0, 1, "AlterConfigs", handle_AlterConfigs},
    {ApiKey_DescribeLogDirs, 0, 1, "DescribeLogDirs", handle_DescribeLogDirs},
    {ApiKey_CreatePartitions, 0, 1, "CreatePartitions", handle_CreatePartitions},
    {ApiKey_DeleteGroups, 0, 1, "DeleteGroups", handle_DeleteGroups},
    {ApiKey_ElectLeaders, 0, 2, "ElectLeaders", handle_ElectLeaders, 2},
    {ApiKey_IncrementalAlterConfigs, 0, 0, "IncrementalAlterConfigs",
     handle_IncrementalAlterConfigs},
    {ApiKey_AlterPartitionReassignments, 0, 0, "AlterPartitionReassignments",
     handle_AlterPartitionReassignments, FLEXIBLE_FROM_V0},
    {ApiKey_ListPartitionReassignments, 0, 0, "ListPartitionReassignments",
     handle_ListPartitionReassignments, FLEXIBLE_FROM_V0},
    {ApiKey_OffsetDelete, 0, 0, "OffsetDelete", handle_OffsetDelete},
};

#define NAPIS ((int)(sizeof(apis) / sizeof(apis[0])))

const api_def *api_lookup(int16_t key) {
    for (int i = 0; i < NAPIS; i++)
        if (apis[i].key == key)
            return &apis[i];
    return NULL;
}

int api_count(void) { return NAPIS; }

int api_flexible(const api_def *d, int16_t version) {
    if (d->flexible_from == FLEXIBLE_FROM_V0)
        return 1;
    return d->flexible_from > 0 && version >= d->flexible_from;
}
const api_def *api_at(int i) { return &apis[i]; }

/* ApiVersions v0-3. v3 (flexible) has compact arrays and tagged fields in
 * the body but, as in Kafka, a v0 response header. */
int handle_ApiVersions(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int flex = rq->api_version >= 3;
    if (flex) {
        kstr ClientSoftwareName, ClientSoftwareVersion;
        rb_read_cmpstr(rb, &ClientSoftwareName);
        rb_read_cmpstr(rb, &ClientSoftwareVersion);
        rb_read_tags(rb);
    }
    wbuf *w = &rs->wb;
    wb_i16(w, ERR_NONE);
    if (flex)
        wb_uvarint(w, (uint64_t)NAPIS + 1);
    else
        wb_i32(w, NAPIS);
    for (int i = 0; i < NAPIS; i++) {
        wb_i16(w, apis[i].key);
        wb_i16(w, apis[i].min_version);
        wb_i16(w, apis[i].max_version);
        if (flex)
            wb_uvarint(w, 0);
    }
    if (rq->api_version >= 1)
        wb_i32(w, 0); /* throttle_time_ms */
    if (flex)
        wb_uvarint(w, 0);
    return 0;
err_parse:
    return -1;
}
