/* kafka_errors.h -- Kafka 2.5's error codes: name, exception class and
 * default message of each (kafka_errors.c). */
#ifndef COMMON_KAFKA_ERRORS_H
#define COMMON_KAFKA_ERRORS_H

typedef struct kerror_info {
    int code;
    const char *name;      /* UNKNOWN_TOPIC_OR_PARTITION */
    const char *exception; /* UnknownTopicOrPartitionException */
    const char *message;   /* default message */
} kerror_info;

/* The code's entry; UNKNOWN_SERVER_ERROR's for a code Kafka 2.5 lacks. */
const kerror_info *kerror_lookup(int code);
/* Kafka's name of the code, as its logs print an Errors value: "NONE" for 0. */
const char *kerror_name(int code);

#endif
