/* proto.h -- Kafka protocol constants: API keys, the versions this broker
 * implements, and error codes (Apache Kafka's own names and numbers). */
#ifndef KAFKA_PROTO_H
#define KAFKA_PROTO_H

/* API keys */
#define ApiKey_Produce 0
#define ApiKey_Fetch 1
#define ApiKey_ListOffsets 2
#define ApiKey_Metadata 3
#define ApiKey_LeaderAndIsr 4
#define ApiKey_StopReplica 5
#define ApiKey_UpdateMetadata 6
#define ApiKey_ControlledShutdown 7
#define ApiKey_OffsetCommit 8
#define ApiKey_OffsetFetch 9
#define ApiKey_FindCoordinator 10
#define ApiKey_JoinGroup 11
#define ApiKey_Heartbeat 12
#define ApiKey_LeaveGroup 13
#define ApiKey_SyncGroup 14
#define ApiKey_DescribeGroups 15
#define ApiKey_ListGroups 16
#define ApiKey_ApiVersions 18
#define ApiKey_CreateTopics 19
#define ApiKey_DeleteTopics 20
#define ApiKey_DeleteRecords 21
#define ApiKey_InitProducerId 22
#define ApiKey_OffsetForLeaderEpoch 23
#define ApiKey_DescribeConfigs 32
#define ApiKey_AlterConfigs 33
#define ApiKey_DescribeLogDirs 35
#define ApiKey_CreatePartitions 37
#define ApiKey_DeleteGroups 42
#define ApiKey_ElectLeaders 43
#define ApiKey_IncrementalAlterConfigs 44
#define ApiKey_AlterPartitionReassignments 45
#define ApiKey_ListPartitionReassignments 46
#define ApiKey_OffsetDelete 47
#define ApiKey__NUM 68

/* Error codes */
#define ERR_UNKNOWN_SERVER_ERROR -1
#define ERR_NONE 0
#define ERR_OFFSET_OUT_OF_RANGE 1
#define ERR_CORRUPT_MESSAGE 2
#define ERR_UNKNOWN_TOPIC_OR_PARTITION 3
#define ERR_LEADER_NOT_AVAILABLE 5
#define ERR_NOT_LEADER_FOR_PARTITION 6
#define ERR_BROKER_NOT_AVAILABLE 8
#define ERR_REQUEST_TIMED_OUT 7
#define ERR_MESSAGE_TOO_LARGE 10
#define ERR_STALE_CONTROLLER_EPOCH 11
#define ERR_OFFSET_METADATA_TOO_LARGE 12
#define ERR_COORDINATOR_LOAD_IN_PROGRESS 14
#define ERR_COORDINATOR_NOT_AVAILABLE 15
#define ERR_NOT_COORDINATOR 16
#define ERR_INVALID_TOPIC_EXCEPTION 17
#define ERR_RECORD_LIST_TOO_LARGE 18
#define ERR_NOT_ENOUGH_REPLICAS 19
#define ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND 20
#define ERR_INVALID_REQUIRED_ACKS 21
#define ERR_ILLEGAL_GENERATION 22
#define ERR_INCONSISTENT_GROUP_PROTOCOL 23
#define ERR_INVALID_GROUP_ID 24
#define ERR_UNKNOWN_MEMBER_ID 25
#define ERR_INVALID_SESSION_TIMEOUT 26
#define ERR_REBALANCE_IN_PROGRESS 27
#define ERR_INVALID_COMMIT_OFFSET_SIZE 28
#define ERR_INVALID_TIMESTAMP 32
#define ERR_UNSUPPORTED_VERSION 35
#define ERR_TOPIC_ALREADY_EXISTS 36
#define ERR_INVALID_PARTITIONS 37
#define ERR_INVALID_REPLICATION_FACTOR 38
#define ERR_INVALID_REPLICA_ASSIGNMENT 39
#define ERR_INVALID_CONFIG 40
#define ERR_NOT_CONTROLLER 41
#define ERR_INVALID_REQUEST 42
#define ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT 43
#define ERR_OUT_OF_ORDER_SEQUENCE_NUMBER 45
#define ERR_INVALID_PRODUCER_EPOCH 47
#define ERR_KAFKA_STORAGE_ERROR 56
#define ERR_REASSIGNMENT_IN_PROGRESS 60
#define ERR_NON_EMPTY_GROUP 68
#define ERR_GROUP_ID_NOT_FOUND 69
#define ERR_TOPIC_DELETION_DISABLED 73
#define ERR_FENCED_LEADER_EPOCH 74
#define ERR_UNKNOWN_LEADER_EPOCH 75
#define ERR_UNSUPPORTED_COMPRESSION_TYPE 76
#define ERR_STALE_BROKER_EPOCH 77
#define ERR_OFFSET_NOT_AVAILABLE 78
#define ERR_MEMBER_ID_REQUIRED 79
#define ERR_PREFERRED_LEADER_NOT_AVAILABLE 80
#define ERR_GROUP_MAX_SIZE_REACHED 81
#define ERR_FENCED_INSTANCE_ID 82
#define ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE 83
#define ERR_ELECTION_NOT_NEEDED 84
#define ERR_NO_REASSIGNMENT_IN_PROGRESS 85
#define ERR_GROUP_SUBSCRIBED_TO_TOPIC 86
#define ERR_INVALID_RECORD 87

/* DescribeConfigs resource types and config sources */
#define RESOURCE_TOPIC 2
#define RESOURCE_BROKER 4
#define CONFIG_SOURCE_DYNAMIC_TOPIC 1
#define CONFIG_SOURCE_DYNAMIC_BROKER 2
#define CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER 3
#define CONFIG_SOURCE_STATIC_BROKER 4
#define CONFIG_SOURCE_DEFAULT 5

#endif
