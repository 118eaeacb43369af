/* preferred_election.c -- the controller's side of
 * /admin/preferred_replica_election (kafka-preferred-replica-election.sh
 * --zookeeper writes it): {"version":1,"partitions":[{"topic":"t",
 * "partition":0},...]}. As Kafka 2.5's KafkaController does with a
 * ZkTriggered replica leader election, the controller watches for the
 * znode's creation (and looks at failover), elects the preferred replica
 * of each listed partition that exists, is not being deleted and is not
 * already led by it (controller_elect_leader), then deletes the znode,
 * fenced by its controller epoch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster.h"
#include "cluster_internal.h"
#include "logger.h"
#include "proto.h"

#define ELECTION_PATH "/admin/preferred_replica_election"

static void deleted_cb(int rc, int n, const zkc_op_result *res, void *arg) {
    (void)n;
    (void)res;
    (void)arg;
    if (rc != ZOK && rc != ZNONODE)
        log_warn(LOG_CTRL, "[Controller id=%d] Could not delete %s: %s", B.id, ELECTION_PATH,
                 zk_error_name(rc));
}

static void delete_request(void) {
    zkc_op ops[2] = {
        {.type = ZOO_CHECK_OP, .path = "/controller_epoch", .version = controller_epoch_zk_version},
        {.type = ZOO_DELETE_OP, .path = ELECTION_PATH, .version = -1},
    };
    zkc_multi(cluster_zk, ops, 2, deleted_cb, NULL);
}

static void elect_one(const char *name, int32_t pid) {
    topic *t = topic_find(name);
    partition *p = t ? partition_get(t, pid) : NULL;
    if (!p) {
        log_info(LOG_CTRL, "[Controller id=%d] Skipping replica leader election (PREFERRED) for "
                 "partition %s-%d by ZkTriggered since it doesn't exist.", B.id, name, pid);
        return;
    }
    if (t->deleting) {
        log_warn(LOG_CTRL, "[Controller id=%d] Skipping replica leader election (PREFERRED) for "
                 "partitions Set(%s-%d) by ZkTriggered since the respective topics are being "
                 "deleted", B.id, name, pid);
        return;
    }
    int16_t err = controller_elect_leader(p, 0, NULL, NULL);
    if (err && err != ERR_ELECTION_NOT_NEEDED)
        log_info(LOG_CTRL, "[Controller id=%d] Preferred replica election (ZkTriggered) of %s-%d "
                 "failed: %s", B.id, name, pid, err == ERR_PREFERRED_LEADER_NOT_AVAILABLE
                 ? "the preferred replica is not alive or not in the ISR" : "not possible now");
}

static void request_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)st;
    (void)arg;
    if (rc != ZOK || !B.is_controller)
        return;
    json *j = data ? json_parse(data, (size_t)len) : NULL;
    const json *parts = j && j->type == JSON_OBJECT ? json_get(j, "partitions") : NULL;
    if (!parts || parts->type != JSON_ARRAY) {
        log_warn(LOG_CTRL, "[Controller id=%d] Ignoring malformed %s", B.id, ELECTION_PATH);
    } else {
        log_info(LOG_CTRL, "[Controller id=%d] Starting replica leader election (PREFERRED) for "
                 "%d partition(s) triggered by ZkTriggered", B.id, parts->n);
        for (int i = 0; i < parts->n; i++) {
            const json *p = parts->items[i];
            const char *name = p->type == JSON_OBJECT ? json_str(json_get(p, "topic")) : NULL;
            int64_t pid;
            if (name && json_int(json_get(p, "partition"), &pid) == 0 && pid >= 0 &&
                pid <= INT32_MAX)
                elect_one(name, (int32_t)pid);
        }
    }
    json_free(j);
    delete_request();
}

static void request_exists_cb(int rc, const jute_stat *st, void *arg) {
    (void)st;
    (void)arg;
    if (rc == ZOK && B.is_controller)
        zkc_get(cluster_zk, ELECTION_PATH, 0, request_get_cb, NULL);
}

int preferred_election_path(const char *path) { return !strcmp(path, ELECTION_PATH); }

void watch_preferred_election(void) {
    zkc_exists(cluster_zk, ELECTION_PATH, 1, request_exists_cb, NULL);
}
