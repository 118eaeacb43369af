/* log_dir_event.c -- the controller's side of /log_dir_event_notification
 * (Kafka 2.5's LogDirEventNotification event and onBrokerLogDirFailure).
 *
 * A broker whose log directory failed writes a sequential znode
 * log_dir_event_<seq> holding {"version":1,"broker":<id>,"event":1}
 * (log_dir_failure.c). The controller watches the children, reads each
 * notification, deletes it, and logs "Handling log directory failure for
 * brokers <ids>", and sends the broker LeaderAndIsr for each of its
 * replicas with the partition's current state (controller_channel.c). The
 * broker answers KAFKA_STORAGE_ERROR for a partition on a failed directory
 * (api_control.c); the channel hands every LeaderAndIsr answer back here
 * (Kafka's processLeaderAndIsrResponseReceived), and a replica answered
 * with that error is marked offline ("Mark replicas ... on broker <id> as
 * offline", state.change.logger), one answered NONE online again, and the
 * usual election runs for the partitions of new offline replicas: an
 * offline replica may neither lead nor stay in the ISR (Kafka's
 * OfflineReplica), so the partition gets a leader from the rest of its ISR. The marks last until the broker
 * registers again (a new broker epoch), as Kafka drops replicasOnOfflineDirs
 * of a restarted broker. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "json.h"
#include "control_requests.h"
#include "controller_channel.h"
#include "log_dir_event.h"
#include "logger.h"
#include "proto.h"
#include "zk_notifications.h"

#define NOTIFICATION_DIR "/log_dir_event_notification"
#define NOTIFICATION_NAME "log_dir_event_"

/* ------------------------------------------------------------------------
 * Offline replicas (Kafka's ControllerContext.replicasOnOfflineDirs)
 * ---------------------------------------------------------------------- */
typedef struct offline_replica {
    part_ref *ref;
    int32_t broker;
    int64_t broker_epoch; /* the registration it was seen offline in */
} offline_replica;

static offline_replica *offline;
static int noffline, cap_offline;

static int64_t broker_epoch_of(int32_t id) {
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == id)
            return B.nodes[i].epoch;
    return -2;
}

int log_dir_replica_offline(const partition *p, int32_t broker) {
    for (int i = 0; i < noffline; i++) {
        offline_replica *o = &offline[i];
        if (o->broker == broker && o->ref->partition == p->id &&
            !strcmp(o->ref->topic, p->topic->name))
            return o->broker_epoch == broker_epoch_of(broker);
    }
    return 0;
}

static void mark_offline(const partition *p, int32_t broker, int64_t epoch) {
    for (int i = 0; i < noffline; i++)
        if (offline[i].broker == broker && offline[i].ref->partition == p->id &&
            !strcmp(offline[i].ref->topic, p->topic->name)) {
            offline[i].broker_epoch = epoch;
            return;
        }
    if (noffline == cap_offline) {
        cap_offline = cap_offline ? cap_offline * 2 : 16;
        offline = realloc(offline, (size_t)cap_offline * sizeof(*offline));
        if (!offline)
            abort();
    }
    offline[noffline++] = (offline_replica){part_ref_new(p->topic->name, p->id), broker, epoch};
}

/* Drops the marks of registrations that are over (the broker restarted or left). */
static void forget_old_marks(void) {
    int k = 0;
    for (int i = 0; i < noffline; i++) {
        if (offline[i].broker_epoch == broker_epoch_of(offline[i].broker))
            offline[k++] = offline[i];
        else
            part_ref_free(offline[i].ref);
    }
    noffline = k;
}

static void unmark(const char *topic, int32_t partition, int32_t broker) {
    for (int i = 0; i < noffline; i++)
        if (offline[i].broker == broker && offline[i].ref->partition == partition &&
            !strcmp(offline[i].ref->topic, topic)) {
            part_ref_free(offline[i].ref);
            offline[i] = offline[--noffline];
            return;
        }
}

/* ------------------------------------------------------------------------
 * The broker's answers to LeaderAndIsr (Kafka's
 * processLeaderAndIsrResponseReceived)
 * ---------------------------------------------------------------------- */
void log_dir_leader_and_isr_answered(int32_t broker, int64_t broker_epoch,
                                     const ctl_response *rs) {
    if (!B.is_controller || rs->error_code != ERR_NONE || broker_epoch != broker_epoch_of(broker))
        return;
    forget_old_marks();
    char list[1024];
    size_t at = 0;
    int marked = 0;
    list[0] = 0;
    for (int i = 0; i < rs->npartition_errors; i++) {
        const ctl_partition_error *pe = &rs->partition_errors[i];
        topic *t = topic_find(pe->topic_name);
        partition *p = t && !t->deleting ? partition_get(t, pe->partition_index) : NULL;
        if (!p || !id_in_list(p->replicas, p->nreplicas, broker))
            continue;
        if (pe->error_code == ERR_NONE) {
            unmark(t->name, p->id, broker);
            continue;
        }
        if (pe->error_code != ERR_KAFKA_STORAGE_ERROR || log_dir_replica_offline(p, broker))
            continue;
        mark_offline(p, broker, broker_epoch);
        if (at < sizeof(list))
            at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s-%d", marked ? "," : "",
                                   t->name, p->id);
        marked++;
    }
    if (!marked)
        return;
    log_info(LOG_STATE, "[Controller id=%d epoch=%d] Mark replicas %s on broker %d as offline",
             B.id, B.controller_epoch, list, broker);
    /* elections without the offline replicas (Kafka's onReplicasBecomeOffline) */
    for (int i = 0; i < rs->npartition_errors; i++) {
        const ctl_partition_error *pe = &rs->partition_errors[i];
        topic *t = topic_find(pe->topic_name);
        partition *p = t && !t->deleting ? partition_get(t, pe->partition_index) : NULL;
        if (p && log_dir_replica_offline(p, broker))
            controller_check_partition(t, p);
    }
}

/* ------------------------------------------------------------------------
 * Kafka's onBrokerLogDirFailure: LeaderAndIsr for each of the broker's
 * replicas (its OnlineReplica transition), whose answers say which are on
 * a failed directory
 * ---------------------------------------------------------------------- */
static void send_replicas_cb(topic *t, void *arg) {
    int32_t broker = *(const int32_t *)arg;
    if (t->deleting)
        return;
    for (int i = 0; i < t->npartitions; i++)
        if (id_in_list(t->parts[i]->replicas, t->parts[i]->nreplicas, broker))
            ctlchan_leader_and_isr(broker, t->parts[i]);
}

static void broker_log_dir_failed(int32_t broker) {
    forget_old_marks();
    if (broker_epoch_of(broker) == -2)
        return; /* not registered: its session's end moves its leaderships */
    log_info(LOG_CTRL, "[Controller id=%d] Handling log directory failure for brokers %d", B.id,
             broker);
    topic_foreach(send_replicas_cb, &broker);
}

/* ------------------------------------------------------------------------
 * The notifications
 * ---------------------------------------------------------------------- */
static void handle_notification(const char *path, const char *data, int len) {
    json *j = data && len > 0 ? json_parse(data, (size_t)len) : NULL;
    int64_t version = 0, broker = -1;
    if (json_int(json_get(j, "version"), &version) == 0 && version == 1 &&
        json_int(json_get(j, "broker"), &broker) == 0 && broker >= 0 && broker <= INT32_MAX)
        broker_log_dir_failed((int32_t)broker);
    else
        log_warn(LOG_CTRL, "[Controller id=%d] Dropping %s: not a log dir event notification of "
                 "version 1", B.id, path);
    json_free(j);
}

static const zk_notification_dir notifications = {NOTIFICATION_DIR, NOTIFICATION_NAME,
                                                  handle_notification};

void log_dir_event_watch(void) { zk_notifications_process(&notifications); }

int log_dir_event_is_watched_path(const char *path) { return !strcmp(path, NOTIFICATION_DIR); }
