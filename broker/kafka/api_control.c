/* api_control.c -- the broker side of the controller's requests, after
 * Kafka 2.5's KafkaApis.handleLeaderAndIsrRequest / handleStopReplicaRequest
 * / handleUpdateMetadataRequest and ReplicaManager:
 *
 *  - a request whose broker epoch (LeaderAndIsr v2+, StopReplica v1+,
 *    UpdateMetadata v5+) is not -1 and below this broker's own (the czxid
 *    of its /brokers/ids/<id>) gets STALE_BROKER_EPOCH; one whose
 *    controller epoch is below the highest this broker has seen gets
 *    STALE_CONTROLLER_EPOCH; neither changes anything;
 *  - LeaderAndIsr applies each partition with a newer leader epoch through
 *    cluster_apply_partition_state, the function that applies the state
 *    read from ZooKeeper (this broker then leads or follows); a partition
 *    whose leader epoch is not newer gets STALE_CONTROLLER_EPOCH, one that
 *    does not list this broker as a replica UNKNOWN_TOPIC_OR_PARTITION, one
 *    whose log directory failed KAFKA_STORAGE_ERROR; a partition of a topic
 *    (or a partition index) not read from ZooKeeper yet is created from the
 *    request (its replicas, then its state), so a new topic's replicas
 *    lead and follow without waiting for the topic's watch;
 *  - StopReplica stops replicating the partitions and, with
 *    delete_partitions, removes their logs;
 *  - UpdateMetadata replaces what Metadata answers (metadata_cache.c): the
 *    live brokers with their endpoints and racks, and each partition's
 *    leader, ISR and offline replicas; for the partitions this broker does
 *    not replicate it also moves the leader produce and fetch are refused
 *    against (those it replicates follow LeaderAndIsr and their znodes). */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "cluster.h"
#include "control_requests.h"
#include "id_list.h"
#include "log_dir_failure.h"
#include "logger.h"
#include "metadata_cache.h"
#include "replica.h"

#define LOG_STATE "state.change.logger"
#define LOG_APIS "kafka.server.KafkaApis"

/* Kafka's ReplicaManager.controllerEpoch: the highest seen in a request. */
static int32_t highest_controller_epoch;

static partition *local_partition(const ctl_partition_state *ps) {
    topic *t = topic_find(ps->topic_name);
    return t && !t->deleting ? partition_get(t, ps->partition_index) : NULL;
}

/* The request-level fences, in Kafka's order (KafkaApis checks the broker
 * epoch, then ReplicaManager the controller epoch). */
static int16_t check_epochs(const request *rq, const ctl_request *c, const char *name) {
    if (c->broker_epoch != -1 && c->broker_epoch < B.broker_epoch) {
        log_info(LOG_APIS, "Received %s request with broker epoch %lld smaller than the current "
                 "broker epoch %lld", name, (long long)c->broker_epoch,
                 (long long)B.broker_epoch);
        return ERR_STALE_BROKER_EPOCH;
    }
    if (c->controller_epoch < highest_controller_epoch) {
        log_warn(LOG_STATE, "[Broker id=%d] Ignoring %s request from controller %d with "
                 "correlation id %d since its controller epoch %d is old. Latest known "
                 "controller epoch is %d", B.id, name, c->controller_id, rq->correlation_id,
                 c->controller_epoch, highest_controller_epoch);
        return ERR_STALE_CONTROLLER_EPOCH;
    }
    highest_controller_epoch = c->controller_epoch;
    return ERR_NONE;
}

/* The whole request refused: every partition gets the error too (Kafka's
 * getErrorResponse). */
static void refuse(const ctl_request *c, ctl_response *out, int16_t err) {
    out->error_code = err;
    if (c->api_key == ApiKey_UpdateMetadata)
        return;
    for (int i = 0; i < c->npartitions; i++)
        ctl_response_add_error(out, c->partitions[i].topic_name, c->partitions[i].partition_index,
                               err);
}

static int16_t leader_and_isr_partition(const request *rq, const ctl_request *c,
                                        const ctl_partition_state *ps) {
    char isr[512], replicas[512];
    id_list_str(isr, sizeof(isr), ps->isr, ps->nisr, ", ");
    id_list_str(replicas, sizeof(replicas), ps->replicas, ps->nreplicas, ", ");
    log_info(LOG_STATE, "[Broker id=%d] Received LeaderAndIsr request "
             "LeaderAndIsrPartitionState(topicName='%s', partitionIndex=%d, controllerEpoch=%d, "
             "leader=%d, leaderEpoch=%d, isr=[%s], zkVersion=%d, replicas=[%s], isNew=%s) "
             "correlation id %d from controller %d epoch %d for partition %s-%d", B.id,
             ps->topic_name, ps->partition_index, ps->controller_epoch, ps->leader,
             ps->leader_epoch, isr, ps->zk_version, replicas, ps->is_new ? "true" : "false",
             rq->correlation_id, c->controller_id, c->controller_epoch, ps->topic_name,
             ps->partition_index);
    partition *p = local_partition(ps);
    if (!p && id_in_list(ps->replicas, ps->nreplicas, B.id))
        p = cluster_partition_from_controller(ps->topic_name, ps->partition_index, ps->replicas,
                                              ps->nreplicas);
    if (!p || !id_in_list(ps->replicas, ps->nreplicas, B.id)) {
        log_warn(LOG_STATE, "[Broker id=%d] Ignoring LeaderAndIsr request from controller %d "
                 "with correlation id %d epoch %d for partition %s-%d as %s", B.id,
                 c->controller_id, rq->correlation_id, c->controller_epoch, ps->topic_name,
                 ps->partition_index, p ? "itself is not in assigned replica list"
                                        : "the partition is not known to this broker");
        return ERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    if (partition_storage_failed(p)) {
        log_warn(LOG_STATE, "[Broker id=%d] Ignoring LeaderAndIsr request from controller %d "
                 "with correlation id %d epoch %d for partition %s-%d: its log directory is "
                 "offline", B.id, c->controller_id, rq->correlation_id, c->controller_epoch,
                 ps->topic_name, ps->partition_index);
        return ERR_KAFKA_STORAGE_ERROR;
    }
    int32_t current = p->leader_epoch;
    partition_state_in s = {ps->controller_epoch, ps->leader, ps->leader_epoch, ps->zk_version,
                            ps->isr, ps->nisr};
    int16_t err = cluster_apply_partition_state(p, &s, STATE_FROM_LEADER_AND_ISR);
    if (err == ERR_STALE_CONTROLLER_EPOCH && ps->leader_epoch < current)
        log_warn(LOG_STATE, "[Broker id=%d] Ignoring LeaderAndIsr request from controller %d "
                 "with correlation id %d epoch %d for partition %s-%d since its associated "
                 "leader epoch %d is smaller than the current leader epoch %d", B.id,
                 c->controller_id, rq->correlation_id, c->controller_epoch, ps->topic_name,
                 ps->partition_index, ps->leader_epoch, current);
    else if (err == ERR_STALE_CONTROLLER_EPOCH)
        log_info(LOG_STATE, "[Broker id=%d] Ignoring LeaderAndIsr request from controller %d "
                 "with correlation id %d epoch %d for partition %s-%d since its associated "
                 "leader epoch %d matches the current leader epoch", B.id, c->controller_id,
                 rq->correlation_id, c->controller_epoch, ps->topic_name, ps->partition_index,
                 ps->leader_epoch);
    return err;
}

static void stop_replica_partition(const request *rq, const ctl_request *c,
                                   const ctl_partition_state *ps) {
    log_info(LOG_STATE, "[Broker id=%d] Handling StopReplica request correlationId %d from "
             "controller %d epoch %d for partition %s-%d (delete=%s)", B.id, rq->correlation_id,
             c->controller_id, c->controller_epoch, ps->topic_name, ps->partition_index,
             c->delete_partitions ? "true" : "false");
    topic *t = topic_find(ps->topic_name);
    partition *p = t ? partition_get(t, ps->partition_index) : NULL;
    if (!p || (!p->log && p->role == REPLICA_NONE))
        return; /* not hosted here: nothing to stop */
    replica_stop(p);
    if (c->delete_partitions && p->log) {
        partition_close_log(p, 1);
        log_info(LOG_STATE, "[Broker id=%d] Deleted the log of %s-%d", B.id, ps->topic_name,
                 ps->partition_index);
    }
}

static void update_metadata_partition(const ctl_partition_state *ps) {
    partition *p = local_partition(ps);
    if (!p || id_in_list(ps->replicas, ps->nreplicas, B.id) ||
        id_in_list(p->replicas, p->nreplicas, B.id))
        return; /* replicated here: LeaderAndIsr and the znode decide */
    partition_state_in s = {ps->controller_epoch, ps->leader, ps->leader_epoch, ps->zk_version,
                            ps->isr, ps->nisr};
    if (cluster_apply_partition_state(p, &s, STATE_FROM_UPDATE_METADATA) == ERR_NONE)
        log_debug(LOG_STATE, "[Broker id=%d] Cached leader info for partition %s-%d: leader %d, "
                  "leader epoch %d", B.id, ps->topic_name, ps->partition_index, ps->leader,
                  ps->leader_epoch);
}

static const char *request_name(int16_t key) {
    return key == ApiKey_LeaderAndIsr ? "LeaderAndIsr"
           : key == ApiKey_StopReplica ? "StopReplica" : "UpdateMetadata";
}

/* The three share their shape: decode, fence, apply, answer. */
static int handle_control(request *rq, response *rs) {
    ctl_request c;
    ctl_response out;
    memset(&out, 0, sizeof(out));
    if (ctl_request_decode(&rq->body, rq->api_key, rq->api_version, &c) != 0)
        return -1;
    const char *name = request_name(rq->api_key);
    int16_t err = check_epochs(rq, &c, name);
    if (err != ERR_NONE) {
        refuse(&c, &out, err);
    } else if (rq->api_key == ApiKey_LeaderAndIsr) {
        log_info(LOG_STATE, "[Broker id=%d] Handling LeaderAndIsr request correlationId %d from "
                 "controller %d epoch %d for %d partitions", B.id, rq->correlation_id,
                 c.controller_id, c.controller_epoch, c.npartitions);
        for (int i = 0; i < c.npartitions; i++)
            ctl_response_add_error(&out, c.partitions[i].topic_name,
                                   c.partitions[i].partition_index,
                                   leader_and_isr_partition(rq, &c, &c.partitions[i]));
    } else if (rq->api_key == ApiKey_StopReplica) {
        for (int i = 0; i < c.npartitions; i++) {
            stop_replica_partition(rq, &c, &c.partitions[i]);
            ctl_response_add_error(&out, c.partitions[i].topic_name,
                                   c.partitions[i].partition_index, ERR_NONE);
        }
    } else {
        for (int i = 0; i < c.npartitions; i++)
            update_metadata_partition(&c.partitions[i]);
        metadata_cache_update(&c);
    }
    ctl_response_encode(&rs->wb, rq->api_key, rq->api_version, &out);
    ctl_response_free(&out);
    ctl_request_free(&c);
    return 0;
}

int handle_LeaderAndIsr(request *rq, response *rs) { return handle_control(rq, rs); }
int handle_StopReplica(request *rq, response *rs) { return handle_control(rq, rs); }
int handle_UpdateMetadata(request *rq, response *rs) { return handle_control(rq, rs); }
