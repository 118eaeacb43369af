/* kafka_broker_api_versions.c -- kafka-broker-api-versions.sh: asks every
 * broker of the cluster for its ApiVersions and prints them as Apache Kafka
 * 2.5's BrokerApiVersionsCommand does (NodeApiVersions.toString(true)):
 *
 *   127.0.0.1:9092 (id: 1 rack: null) -> (
 *   <TAB>Produce(0): 0 to 8 [usable: 8],
 *   <TAB>LeaderAndIsr(4): 0 to 4 [usable: 4],
 *   ...
 *   )
 *
 * Every API key Kafka 2.5 knows is listed in key order; keys the broker
 * does not advertise are UNSUPPORTED, keys 2.5 does not know are
 * UNKNOWN(k). "usable" is min(2.5 client's latest version, broker max). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

static const opt_spec specs[] = {
    {"bootstrap-server", OPT_ARG, "String: server(s) to use for bootstrapping", "REQUIRED: The server to connect to."},
    {"command-config", OPT_ARG, "String: command config property file", "A property file containing configs to be passed to Admin Client."},
    {NULL, 0, NULL, NULL},
};

/* Kafka 2.5's ApiKeys: id, name, latest version (oldest is 0 for all). */
static const struct {
    int id;
    const char *name;
    int latest;
} api_keys[] = {
    {0, "Produce", 8}, {1, "Fetch", 11}, {2, "ListOffsets", 5}, {3, "Metadata", 9},
    {4, "LeaderAndIsr", 4}, {5, "StopReplica", 2}, {6, "UpdateMetadata", 6},
    {7, "ControlledShutdown", 3}, {8, "OffsetCommit", 8}, {9, "OffsetFetch", 7},
    {10, "FindCoordinator", 3}, {11, "JoinGroup", 7}, {12, "Heartbeat", 4}, {13, "LeaveGroup", 4},
    {14, "SyncGroup", 5}, {15, "DescribeGroups", 5}, {16, "ListGroups", 3}, {17, "SaslHandshake", 1},
    {18, "ApiVersions", 3}, {19, "CreateTopics", 5}, {20, "DeleteTopics", 4}, {21, "DeleteRecords", 1},
    {22, "InitProducerId", 3}, {23, "OffsetForLeaderEpoch", 3}, {24, "AddPartitionsToTxn", 1},
    {25, "AddOffsetsToTxn", 1}, {26, "EndTxn", 1}, {27, "WriteTxnMarkers", 0}, {28, "TxnOffsetCommit", 3},
    {29, "DescribeAcls", 2}, {30, "CreateAcls", 2}, {31, "DeleteAcls", 2}, {32, "DescribeConfigs", 2},
    {33, "AlterConfigs", 1}, {34, "AlterReplicaLogDirs", 1}, {35, "DescribeLogDirs", 1},
    {36, "SaslAuthenticate", 2}, {37, "CreatePartitions", 2}, {38, "CreateDelegationToken", 2},
    {39, "RenewDelegationToken", 2}, {40, "ExpireDelegationToken", 2}, {41, "DescribeDelegationToken", 2},
    {42, "DeleteGroups", 2}, {43, "ElectLeaders", 2}, {44, "IncrementalAlterConfigs", 1},
    {45, "AlterPartitionReassignments", 0}, {46, "ListPartitionReassignments", 0}, {47, "OffsetDelete", 0},
};
#define NKEYS ((int)(sizeof(api_keys) / sizeof(api_keys[0])))

static void print_versions(const ka_conn *c) {
    /* key order, as NodeApiVersions' TreeMap */
    int maxkey = NKEYS - 1;
    for (int i = 0; i < c->napis; i++)
        if (c->apis[i].key > maxkey)
            maxkey = c->apis[i].key;
    printf("(\n\t");
    int first = 1;
    for (int k = 0; k <= maxkey; k++) {
        int adv = -1;
        for (int i = 0; i < c->napis; i++)
            if (c->apis[i].key == k)
                adv = i;
        if (k >= NKEYS && adv < 0)
            continue;
        if (!first)
            printf(",\n\t");
        first = 0;
        if (k >= NKEYS) {
            printf("UNKNOWN(%d): ", k);
        } else {
            printf("%s(%d): ", api_keys[k].name, k);
            if (adv < 0) {
                printf("UNSUPPORTED");
                continue;
            }
        }
        int mn = c->apis[adv].min, mx = c->apis[adv].max;
        if (mn == mx)
            printf("%d", mn);
        else
            printf("%d to %d", mn, mx);
        if (k < NKEYS) {
            if (api_keys[k].latest < mn)
                printf(" [unusable: node too new]");
            else if (mx < 0)
                printf(" [unusable: node too old]");
            else
                printf(" [usable: %d]", api_keys[k].latest < mx ? api_keys[k].latest : mx);
        }
    }
    printf("\n)\n");
}

int main(int argc, char **argv) {
    opts O;
    kadmin A;
    opts_parse(&O, specs, argc, argv, "This tool helps to retrieve broker version information.", 1);
    opts_require(&O, "bootstrap-server");
    /* BrokerApiVersionsCommand's own (legacy) AdminClient: only
     * request.timeout.ms, default 5000, bounds each request, tried on each
     * bootstrap broker in turn; default.api.timeout.ms means nothing to it */
    int request_ms = 5000, api_ms = 0;
    tools_command_config_timeouts(opts_get(&O, "command-config"), &request_ms, &api_ms, NULL);
    if (ka_init(&A, opts_get(&O, "bootstrap-server"), request_ms) != 0) {
        fprintf(stderr, "Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: %s\n", A.err);
        return 1;
    }
    int nbootstrap = 1;
    for (const char *c = opts_get(&O, "bootstrap-server"); *c; c++)
        nbootstrap += *c == ',';
    A.timeout_ms = request_ms > INT_MAX / nbootstrap ? INT_MAX : request_ms * nbootstrap;
    ka_metadata *md = ka_metadata_get(&A, NULL, 0);
    if (!md) {
        fprintf(stderr, "Exception in thread \"main\" java.lang.RuntimeException: Request METADATA failed on "
                        "brokers List(%s (id: -1 rack: null))\n",
                opts_get(&O, "bootstrap-server"));
        ka_close(&A);
        return 1;
    }
    for (int i = 0; i < md->nbrokers; i++) {
        const ka_broker *b = &md->brokers[i];
        printf("%s:%d (id: %d rack: %s) -> ", b->host, b->port, b->id, b->rack ? b->rack : "null");
        ka_conn *c = ka_node(&A, b->id);
        if (!c) {
            printf("ERROR: %s\n", A.err);
            continue;
        }
        print_versions(c);
    }
    fflush(stdout);
    ka_close(&A);
    opts_free(&O);
    return 0;
}
