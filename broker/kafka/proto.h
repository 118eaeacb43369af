/* proto.h -- Kafka protocol constants: API keys, the versions this broker
 * implements, and error codes (Apache Kafka's own names and numbers). */
#ifndef KAFKA_PROTO_H
#define KAFKA_PROTO_H

/* API keys */
#define ApiKey_Produce 0
#define ApiKey_Fetch 1
#define ApiKey_ListOffsets 2
#define ApiKey_Metadata 3
#define ApiKey_OffsetCommit 8
#define ApiKey_OffsetFetch 9
#define ApiKey_FindCoordinator 10
#define ApiKey_ApiVersions 18
#define ApiKey_CreateTopics 19
#define ApiKey_DeleteTopics 20
#define ApiKey_DeleteRecords 21
#define ApiKey_InitProducerId 22
#define ApiKey_DescribeConfigs 32
#define ApiKey_AlterConfigs 33
#define ApiKey_CreatePartitions 37
#define ApiKey_IncrementalAlterConfigs 44
#define ApiKey__NUM 68

/* Error codes */
#define ERR_UNKNOWN_SERVER_ERROR -1
#define ERR_NONE 0
#define ERR_OFFSET_OUT_OF_RANGE 1
#define ERR_CORRUPT_MESSAGE 2
#define ERR_UNKNOWN_TOPIC_OR_PARTITION 3
#define ERR_LEADER_NOT_AVAILABLE 5
#define ERR_NOT_LEADER_FOR_PARTITION 6
#define ERR_REQUEST_TIMED_OUT 7
#define ERR_MESSAGE_TOO_LARGE 10
#define ERR_INVALID_TOPIC_EXCEPTION 17
#define ERR_RECORD_LIST_TOO_LARGE 18
#define ERR_INVALID_REQUIRED_ACKS 21
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
#define ERR_TOPIC_DELETION_DISABLED 73
#define ERR_UNSUPPORTED_COMPRESSION_TYPE 76
#define ERR_INVALID_RECORD 87

/* DescribeConfigs resource types and config sources */
#define RESOURCE_TOPIC 2
#define RESOURCE_BROKER 4
#define CONFIG_SOURCE_DYNAMIC_TOPIC 1
#define CONFIG_SOURCE_STATIC_BROKER 4
#define CONFIG_SOURCE_DEFAULT 5

#endif
