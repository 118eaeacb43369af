/* cluster_internal.h -- what cluster.c (the broker's ZooKeeper session,
 * registration and view of topics) shares with controller.c (the
 * controller's decisions). Nothing else includes it. */
#ifndef KAFKA_CLUSTER_INTERNAL_H
#define KAFKA_CLUSTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "id_list.h"
#include "json.h"
#include "xalloc.h"
#include "zkclient.h"

#define LOG_ZK "kafka.zk.KafkaZkClient"
#define LOG_CTRL "kafka.controller.KafkaController"
#define LOG_STATE "state.change.logger"
#define LOG_PARTITION "kafka.cluster.Partition"

extern zkc *cluster_zk; /* the current session's client */

/* A partition named by topic and index (callback arguments outlive topics). */
typedef struct part_ref {
    char *topic;
    int32_t partition;
} part_ref;
part_ref *part_ref_new(const char *t, int32_t p);
void part_ref_free(part_ref *r);

const char *zk_error_name(int rc);
int broker_alive(int32_t id); /* registered in /brokers/ids */
void write_int_list(wbuf *w, const int32_t *a, int n); /* JSON [1,2,3] */
void wbuf_printf(wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int parse_int_list(const json *a, int32_t **out);      /* -1 if not a list of ints */

/* /brokers/topics/<t>/partitions/<p>/state: its path, its JSON, and a
 * (watched) read that updates this broker's view and role. */
void state_path(char *out, size_t cap, const char *t, int32_t p);
void state_json(wbuf *w, int32_t controller_epoch, int32_t leader, int32_t leader_epoch,
                const int32_t *isr, int nisr);
void load_state(topic *t, int32_t p);

/* controller.c */
extern int controller_epoch_zk_version; /* of /controller_epoch, while controller */
void try_elect(void);
void controller_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg);
void controller_check_partitions(topic *t); /* creates states, elects leaders */
/* The same for one partition (its state was just read: checking the whole
 * topic on each of its partitions' reads is n^2 in its partitions). */
void controller_check_partition(topic *t, partition *p);
void controller_check_all(void);
void watch_delete_requests(void);
void forget_gone_shutting_down(void); /* brokers changed: drop those gone */

/* preferred_election.c: /admin/preferred_replica_election (watched while
 * controller; its creation handled, then it is deleted) */
int preferred_election_path(const char *path);
void watch_preferred_election(void);

#endif
