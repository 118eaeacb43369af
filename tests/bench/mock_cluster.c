/* mock_cluster.c -- the reference peer of `make bench`: librdkafka's
 * in-memory mock cluster (rdkafka_mock.h) in a process of its own, so that
 * tests/bench/run can drive it with the same load generator and read its CPU
 * time and RSS from /proc exactly as it does for our broker.
 *
 *   mock_cluster [-T MAX_SECONDS] TOPIC:PARTITIONS...
 *
 * Creates one mock broker and the topics (replication factor 1), prints
 * "bootstrap=HOST:PORT" on stdout, then serves until SIGTERM or SIGINT, or
 * until MAX_SECONDS (default 900) have passed, whichever comes first.
 *
 * Note: a mock partition keeps only its last 5 MiB (or 100000 batches) of
 * data, so a consumer reading from the start sees only that much. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
    int max_seconds = 900, c;
    while ((c = getopt(argc, argv, "T:")) != -1) {
        if (c != 'T')
            goto usage;
        max_seconds = atoi(optarg);
    }
    if (optind >= argc || max_seconds <= 0)
        goto usage;

    /* Block the signals before librdkafka starts its threads, so that only
     * sigtimedwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "mock_cluster: rd_kafka_new: %s\n", err);
        return 2;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
    if (!mc) {
        fprintf(stderr, "mock_cluster: rd_kafka_mock_cluster_new failed\n");
        return 2;
    }
    for (int i = optind; i < argc; i++) {
        char *colon = strrchr(argv[i], ':');
        int parts = colon ? atoi(colon + 1) : 0;
        if (parts <= 0) {
            fprintf(stderr, "mock_cluster: expected TOPIC:PARTITIONS, got %s\n", argv[i]);
            return 2;
        }
        *colon = '\0';
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, argv[i], parts, 1);
        if (e) {
            fprintf(stderr, "mock_cluster: topic %s: %s\n", argv[i], rd_kafka_err2str(e));
            return 2;
        }
    }
    printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    struct timespec limit = {.tv_sec = max_seconds};
    sigtimedwait(&stop, NULL, &limit);

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;

usage:
    fprintf(stderr, "usage: mock_cluster [-T MAX_SECONDS] TOPIC:PARTITIONS...\n");
    return 2;
}
