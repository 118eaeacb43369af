/* group_bench.c -- consumer-group benchmarks for `make bench`, on librdkafka:
 *
 *   group_bench BOOTSTRAP stabilise TOPIC MEMBERS
 *       MEMBERS consumers (one librdkafka handle each, one thread polling
 *       all) subscribe to TOPIC in a fresh group; prints
 *       "stabilise members=N ms=T" where T runs from the first subscribe
 *       until every member holds a non-empty assignment.
 *   group_bench BOOTSTRAP commit TOPIC COUNT
 *       one consumer in a fresh group commits COUNT times synchronously
 *       (3 partitions each); prints "commit count=N secs=S rate=R p50_ms=A
 *       p99_ms=B".
 *   group_bench BOOTSTRAP idle-groups TOPIC COUNT
 *       COUNT groups each commit one offset and go away (idle, Empty
 *       groups the coordinator keeps); prints "idle-groups count=N".
 * Exit status 0, or 1 with a message on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "bench_clock.h"

static double now_ms(void) { return (double)now_ns() / 1e6; }

static rd_kafka_t *consumer(const char *bootstrap, const char *group) {
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_conf_set(c, "group.id", group, err, sizeof err);
    rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(c, "session.timeout.ms", "10000", err, sizeof err);
    rd_kafka_conf_set(c, "heartbeat.interval.ms", "500", err, sizeof err);
    rd_kafka_conf_set(c, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", err);
        exit(1);
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int stabilise(const char *bootstrap, const char *topic, int n) {
    char group[64];
    snprintf(group, sizeof group, "bench-stabilise-%ld", (long)time(NULL));
    rd_kafka_t **rks = calloc((size_t)n, sizeof *rks);
    for (int i = 0; i < n; i++)
        rks[i] = consumer(bootstrap, group);
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
        rd_kafka_topic_partition_list_t *s = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(s, topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(rks[i], s);
        rd_kafka_topic_partition_list_destroy(s);
    }
    double done = -1;
    while (now_ms() - t0 < 120000) {
        int ready = 0;
        for (int i = 0; i < n; i++) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rks[i], 10);
            if (m)
                rd_kafka_message_destroy(m);
            rd_kafka_topic_partition_list_t *a = NULL;
            if (rd_kafka_assignment(rks[i], &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
                ready += a->cnt > 0;
                rd_kafka_topic_partition_list_destroy(a);
            }
        }
        if (ready == n) {
            done = now_ms() - t0;
            break;
        }
    }
    for (int i = 0; i < n; i++) {
        rd_kafka_consumer_close(rks[i]);
        rd_kafka_destroy(rks[i]);
    }
    free(rks);
    if (done < 0) {
        fprintf(stderr, "the group of %d did not stabilise within 120 s\n", n);
        return 1;
    }
    printf("stabilise members=%d ms=%.0f\n", n, done);
    return 0;
}

static int commit(const char *bootstrap, const char *topic, int count) {
    char group[64];
    snprintf(group, sizeof group, "bench-commit-%ld", (long)time(NULL));
    rd_kafka_t *rk = consumer(bootstrap, group);
    rd_kafka_topic_partition_list_t *a = rd_kafka_topic_partition_list_new(3);
    for (int p = 0; p < 3; p++)
        rd_kafka_topic_partition_list_add(a, topic, p);
    rd_kafka_assign(rk, a);
    double *lat = calloc((size_t)count, sizeof *lat);
    double t0 = now_ms();
    for (int i = 0; i < count; i++) {
        for (int p = 0; p < 3; p++)
            a->elems[p].offset = i + 1;
        double s = now_ms();
        rd_kafka_resp_err_t err = rd_kafka_commit(rk, a, 0);
        lat[i] = now_ms() - s;
        if (err) {
            fprintf(stderr, "commit %d: %s\n", i, rd_kafka_err2str(err));
            return 1;
        }
    }
    double secs = (now_ms() - t0) / 1000.0;
    qsort(lat, (size_t)count, sizeof *lat, cmp_d);
    printf("commit count=%d secs=%.3f rate=%.0f p50_ms=%.2f p99_ms=%.2f\n", count, secs,
           count / secs, lat[count / 2], lat[(int)(count * 0.99)]);
    free(lat);
    rd_kafka_topic_partition_list_destroy(a);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

static int idle_groups(const char *bootstrap, const char *topic, int count) {
    long stamp = (long)time(NULL);
    for (int g = 0; g < count; g++) {
        char group[64];
        snprintf(group, sizeof group, "bench-idle-%ld-%d", stamp, g);
        rd_kafka_t *rk = consumer(bootstrap, group);
        rd_kafka_topic_partition_list_t *a = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(a, topic, 0)->offset = 1;
        rd_kafka_resp_err_t err = rd_kafka_commit(rk, a, 0);
        rd_kafka_topic_partition_list_destroy(a);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        if (err) {
            fprintf(stderr, "group %d: %s\n", g, rd_kafka_err2str(err));
            return 1;
        }
    }
    printf("idle-groups count=%d\n", count);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s BOOTSTRAP stabilise|commit|idle-groups TOPIC N\n", argv[0]);
        return 1;
    }
    int n = atoi(argv[4]);
    if (!strcmp(argv[2], "stabilise"))
        return stabilise(argv[1], argv[3], n);
    if (!strcmp(argv[2], "commit"))
        return commit(argv[1], argv[3], n);
    if (!strcmp(argv[2], "idle-groups"))
        return idle_groups(argv[1], argv[3], n);
    fprintf(stderr, "unknown mode %s\n", argv[2]);
    return 1;
}
