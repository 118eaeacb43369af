/* rdkafka_group_admin.c -- librdkafka's admin API for groups, which the
 * Python bindings in Debian (confluent-kafka 1.7) do not expose: DeleteGroups
 * and OffsetDelete (DeleteConsumerGroupOffsets). Built by the groups tests
 * with `cc ... -lrdkafka`.
 *
 *   rdkafka_group_admin BOOTSTRAP delete-group GROUP
 *       prints "GROUP <error name>" (NO_ERROR on success)
 *   rdkafka_group_admin BOOTSTRAP delete-offsets GROUP TOPIC PARTITION...
 *       prints "group <error name>" then "TOPIC PARTITION <error name>" each
 * Exit: 0 when the request completed (whatever the errors), 1 otherwise. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t type) {
    for (int i = 0; i < 300; i++) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (!ev)
            continue;
        if (rd_kafka_event_type(ev) == type)
            return ev;
        rd_kafka_event_destroy(ev);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s BOOTSTRAP delete-group GROUP | delete-offsets GROUP TOPIC P...\n",
                argv[0]);
        return 3;
    }
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err)) != RD_KAFKA_CONF_OK)
        return 3;
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int rc = 1;
    if (!strcmp(argv[2], "delete-group")) {
        rd_kafka_DeleteGroup_t *dg = rd_kafka_DeleteGroup_new(argv[3]);
        rd_kafka_DeleteGroups(rk, &dg, 1, NULL, q);
        rd_kafka_DeleteGroup_destroy(dg);
        rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_DELETEGROUPS_RESULT);
        if (ev) {
            size_t n;
            const rd_kafka_group_result_t **res =
                rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
            for (size_t i = 0; i < n; i++) {
                const rd_kafka_error_t *e = rd_kafka_group_result_error(res[i]);
                printf("%s %s\n", rd_kafka_group_result_name(res[i]),
                       e ? rd_kafka_error_name(e) : "NO_ERROR");
            }
            rc = rd_kafka_event_error(ev) ? 1 : 0;
            if (rc)
                fprintf(stderr, "%s\n", rd_kafka_event_error_string(ev));
            rd_kafka_event_destroy(ev);
        }
    } else if (!strcmp(argv[2], "delete-offsets") && argc >= 6) {
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(argc - 5);
        for (int i = 5; i < argc; i++)
            rd_kafka_topic_partition_list_add(parts, argv[4], atoi(argv[i]));
        rd_kafka_DeleteConsumerGroupOffsets_t *d = rd_kafka_DeleteConsumerGroupOffsets_new(argv[3], parts);
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_DeleteConsumerGroupOffsets(rk, &d, 1, NULL, q);
        rd_kafka_DeleteConsumerGroupOffsets_destroy(d);
        rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT);
        if (ev) {
            if (rd_kafka_event_error(ev)) {
                printf("group %s\n", rd_kafka_err2name(rd_kafka_event_error(ev)));
            } else {
                size_t n;
                const rd_kafka_group_result_t **res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
                    rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
                for (size_t i = 0; i < n; i++) {
                    const rd_kafka_error_t *e = rd_kafka_group_result_error(res[i]);
                    printf("group %s\n", e ? rd_kafka_error_name(e) : "NO_ERROR");
                    const rd_kafka_topic_partition_list_t *pl = rd_kafka_group_result_partitions(res[i]);
                    for (int k = 0; pl && k < pl->cnt; k++)
                        printf("%s %d %s\n", pl->elems[k].topic, pl->elems[k].partition,
                               rd_kafka_err2name(pl->elems[k].err));
                }
            }
            rc = 0;
            rd_kafka_event_destroy(ev);
        }
    } else {
        fprintf(stderr, "unknown command %s\n", argv[2]);
        rc = 3;
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}
