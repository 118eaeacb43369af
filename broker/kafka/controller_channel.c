/* controller_channel.c -- the controller's channel to the brokers, after
 * Kafka 2.5's ControllerChannelManager and ControllerBrokerRequestBatch
 * (see controller_channel.h):
 *
 *  - a peer per live broker (its id, its epoch, a kclient connection, a
 *    queue of encoded requests); a broker that leaves loses its peer, one
 *    that registers again (a new epoch) gets a new one;
 *  - when the live brokers change every broker gets UpdateMetadata for all
 *    partitions (their metadata caches learn the brokers, metadata_cache.c);
 *  - what the controller decides during one event-loop turn is batched per
 *    broker: the partitions for LeaderAndIsr, for UpdateMetadata and for
 *    StopReplica; a zero-delay timer turns the batches into requests, in
 *    Kafka's order (LeaderAndIsr, UpdateMetadata, StopReplica), each
 *    carrying the controller's epoch and the broker's epoch;
 *  - one request in flight per broker, answered within 30 s (Kafka's
 *    controller.socket.timeout.ms); a failed send (connection lost,
 *    timeout) is resent on a new connection after a 100 ms backoff, until
 *    answered or the broker is gone.
 * Brokers' errors are handled as Kafka's controller does (handle_response):
 * a request-level error is logged at ERROR in state-change.log and nothing
 * else happens; the per-partition errors of a LeaderAndIsr answer go to
 * log_dir_event.c (KAFKA_STORAGE_ERROR: a replica on a failed log
 * directory). The state in ZooKeeper stays the truth and the brokers'
 * watches its backstop. */
#include "controller_channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "cluster_internal.h"
#include "control_requests.h"
#include "kafka_errors.h"
#include "kclient.h"
#include "log_dir_event.h"
#include "logger.h"
#include "proto.h"

#define RETRY_BACKOFF_MS 100
#define REQUEST_TIMEOUT_MS 30000 /* Kafka's controller.socket.timeout.ms */

typedef struct ctl_msg {
    int16_t api_key;
    int16_t version;
    wbuf body;
    int failures;
    struct ctl_msg *next;
} ctl_msg;

/* A batch's positions by (topic, partition): open addressing, slots hold
 * position + 1 (0: free), so that a turn deciding for every partition of a
 * large topic stays linear. */
typedef struct batch_index {
    int *slots;
    int cap; /* a power of two, or 0 */
} batch_index;

enum { BATCH_LEADER_AND_ISR, BATCH_UPDATE_METADATA, BATCH_STOP_REPLICA, BATCH_STOP_DELETE };

typedef struct ctl_peer {
    int32_t id;
    int64_t epoch;
    char host[256];
    int port;
    kclient *kc;
    ctl_msg *head, *tail;
    int in_flight;
    long long retry_timer;
    /* this turn's batches, and where each partition is in them */
    ctl_request leader_and_isr, update_metadata, stop_replica[2];
    int live_brokers_changed; /* UpdateMetadata even with no partition */
    batch_index index[4]; /* BATCH_LEADER_AND_ISR... */
    struct ctl_peer *next;
} ctl_peer;

static ctl_peer *peers;
static long long flush_timer = -1;

static ctl_peer *peer_find(int32_t id) {
    for (ctl_peer *pr = peers; pr; pr = pr->next)
        if (pr->id == id)
            return pr;
    return NULL;
}

static const char *api_name(int16_t key) {
    return key == ApiKey_LeaderAndIsr ? "LeaderAndIsr"
           : key == ApiKey_StopReplica ? "StopReplica" : "UpdateMetadata";
}

/* ------------------------------------------------------------------------
 * Sending, one request at a time per broker
 * ---------------------------------------------------------------------- */
static void peer_send_next(ctl_peer *pr);

static int retry_timer_cb(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    ctl_peer *pr = arg;
    pr->retry_timer = -1;
    peer_send_next(pr);
    return AE_NOMORE;
}

/* The answer as Kafka's logs print it (the generated message's toString):
 * LeaderAndIsrResponseData(errorCode=11, partitionErrors=[...]). */
static void response_str(char *buf, size_t size, int16_t api_key, const ctl_response *rs) {
    size_t at = 0;
    const char *part = api_key == ApiKey_LeaderAndIsr ? "LeaderAndIsrPartitionError"
                                                       : "StopReplicaPartitionError";
#define PUT(...)                                                                              \
    do {                                                                                      \
        if (at < size)                                                                        \
            at += (size_t)snprintf(buf + at, size - at, __VA_ARGS__);                        \
    } while (0)
    PUT("%sResponseData(errorCode=%d", api_name(api_key), rs->error_code);
    if (api_key != ApiKey_UpdateMetadata) {
        PUT(", partitionErrors=[");
        for (int i = 0; i < rs->npartition_errors; i++)
            PUT("%s%s(topicName='%s', partitionIndex=%d, errorCode=%d)", i ? ", " : "", part,
                rs->partition_errors[i].topic_name, rs->partition_errors[i].partition_index,
                rs->partition_errors[i].error_code);
        PUT("]");
    }
    PUT(")");
#undef PUT
    if (at >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

/* Kafka's processLeaderAndIsrResponseReceived / processUpdateMetadataResponse-
 * Received / the StopReplica callback: a request-level error (the broker
 * refused the whole request: STALE_CONTROLLER_EPOCH, STALE_BROKER_EPOCH) is
 * logged and nothing else is done, the request is not sent again (a stale
 * broker epoch means the broker registered again: the broker watch sends
 * the new registration the full state). Of the per-partition errors of
 * LeaderAndIsr only KAFKA_STORAGE_ERROR (offline replica) and NONE (online
 * again) change the controller's view (log_dir_event.c); any other (a stale
 * leader epoch, a partition the broker does not replicate) changes nothing,
 * as in Kafka. */
static void handle_response(ctl_peer *pr, const ctl_msg *m, const uint8_t *body, size_t len) {
    rbuf rb;
    rb_init(&rb, body, len);
    ctl_response rs;
    if (ctl_response_decode(&rb, m->api_key, m->version, &rs) != 0) {
        log_warn(LOG_STATE, "[Controller id=%d epoch=%d] Malformed %s response from broker %d",
                 B.id, B.controller_epoch, api_name(m->api_key), pr->id);
        return;
    }
    char text[2048];
    if (rs.error_code != ERR_NONE && m->api_key != ApiKey_StopReplica) {
        response_str(text, sizeof(text), m->api_key, &rs);
        log_error(LOG_STATE, "[Controller id=%d epoch=%d] Received error %s in %s response %s "
                  "from broker %d", B.id, B.controller_epoch, kerror_name(rs.error_code),
                  api_name(m->api_key), text, pr->id);
    } else if (m->api_key == ApiKey_StopReplica) {
        int failed = rs.error_code != ERR_NONE;
        for (int i = 0; i < rs.npartition_errors && !failed; i++)
            failed = rs.partition_errors[i].error_code != ERR_NONE;
        if (failed) {
            response_str(text, sizeof(text), m->api_key, &rs);
            log_debug(LOG_CTRL, "[Controller id=%d] StopReplica response received from broker "
                      "%d: request error = %s, %s", B.id, pr->id, kerror_name(rs.error_code),
                      text);
        }
    }
    if (m->api_key == ApiKey_LeaderAndIsr)
        log_dir_leader_and_isr_answered(pr->id, pr->epoch, &rs);
    ctl_response_free(&rs);
}

static void on_response(void *arg, int err, const uint8_t *body, size_t len) {
    ctl_peer *pr = arg;
    if (err == KCLIENT_ERR_CLOSED)
        return; /* the peer is being dropped */
    pr->in_flight = 0;
    ctl_msg *m = pr->head;
    if (!m)
        return;
    if (err != KCLIENT_OK) {
        if (m->failures++ == 0)
            log_warn(LOG_CTRL, "[RequestSendThread controllerId=%d] Controller %d epoch %d fails "
                     "to send request %s to broker %s:%d (id: %d). Reconnecting to broker.", B.id,
                     B.id, B.controller_epoch, api_name(m->api_key), pr->host, pr->port, pr->id);
        pr->retry_timer = aeCreateTimeEvent(B.el, RETRY_BACKOFF_MS, retry_timer_cb, pr);
        return;
    }
    handle_response(pr, m, body, len);
    pr->head = m->next;
    if (!pr->head)
        pr->tail = NULL;
    wb_free(&m->body);
    free(m);
    peer_send_next(pr);
}

static void peer_send_next(ctl_peer *pr) {
    if (pr->in_flight || pr->retry_timer >= 0 || !pr->head)
        return;
    if (!pr->kc) {
        char client_id[64];
        snprintf(client_id, sizeof(client_id), "controller-%d", B.id);
        pr->kc = kclient_new(B.el, pr->host, pr->port, client_id, REQUEST_TIMEOUT_MS, 0);
        if (!pr->kc) {
            pr->retry_timer = aeCreateTimeEvent(B.el, RETRY_BACKOFF_MS, retry_timer_cb, pr);
            return;
        }
    }
    ctl_msg *m = pr->head;
    pr->in_flight = 1;
    kclient_send(pr->kc, m->api_key, m->version, ctl_flexible(m->api_key, m->version), &m->body,
                 REQUEST_TIMEOUT_MS, on_response, pr);
}

static void peer_enqueue(ctl_peer *pr, const ctl_request *rq) {
    ctl_msg *m = calloc(1, sizeof(*m));
    if (!m)
        abort();
    m->api_key = rq->api_key;
    m->version = rq->version;
    wb_init(&m->body, 256);
    ctl_request_encode(&m->body, rq);
    if (pr->tail)
        pr->tail->next = m;
    else
        pr->head = m;
    pr->tail = m;
    peer_send_next(pr);
}

/* ------------------------------------------------------------------------
 * Batches
 * ---------------------------------------------------------------------- */
static void batch_init(ctl_request *rq, int16_t api_key, int16_t version) {
    memset(rq, 0, sizeof(*rq));
    rq->api_key = api_key;
    rq->version = version;
    rq->broker_epoch = -1;
}

static void peer_free_indexes(ctl_peer *pr) {
    for (int k = 0; k < 4; k++) {
        free(pr->index[k].slots);
        pr->index[k] = (batch_index){NULL, 0};
    }
}

static void peer_reset_batches(ctl_peer *pr) {
    peer_free_indexes(pr);
    ctl_request_free(&pr->leader_and_isr);
    ctl_request_free(&pr->update_metadata);
    ctl_request_free(&pr->stop_replica[0]);
    ctl_request_free(&pr->stop_replica[1]);
    batch_init(&pr->leader_and_isr, ApiKey_LeaderAndIsr, LEADER_AND_ISR_MAX_VERSION);
    batch_init(&pr->update_metadata, ApiKey_UpdateMetadata, UPDATE_METADATA_MAX_VERSION);
    batch_init(&pr->stop_replica[0], ApiKey_StopReplica, STOP_REPLICA_MAX_VERSION);
    batch_init(&pr->stop_replica[1], ApiKey_StopReplica, STOP_REPLICA_MAX_VERSION);
    pr->stop_replica[1].delete_partitions = 1;
}

static void peer_free(ctl_peer *pr) {
    if (pr->retry_timer >= 0)
        aeDeleteTimeEvent(B.el, pr->retry_timer);
    if (pr->kc)
        kclient_close(pr->kc);
    while (pr->head) {
        ctl_msg *m = pr->head;
        pr->head = m->next;
        wb_free(&m->body);
        free(m);
    }
    ctl_request_free(&pr->leader_and_isr);
    ctl_request_free(&pr->update_metadata);
    ctl_request_free(&pr->stop_replica[0]);
    ctl_request_free(&pr->stop_replica[1]);
    peer_free_indexes(pr);
    free(pr);
}

static uint32_t entry_hash(const char *topic, int32_t partition) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)topic; *c; c++)
        h = (h ^ *c) * 16777619u;
    return (h ^ (uint32_t)partition) * 16777619u;
}

static int *index_slot(batch_index *ix, const ctl_request *rq, const char *topic,
                       int32_t partition) {
    uint32_t mask = (uint32_t)ix->cap - 1;
    for (uint32_t h = entry_hash(topic, partition) & mask;; h = (h + 1) & mask) {
        int pos = ix->slots[h];
        if (!pos || (rq->partitions[pos - 1].partition_index == partition &&
                     !strcmp(rq->partitions[pos - 1].topic_name, topic)))
            return &ix->slots[h];
    }
}

/* Keeps the index at most half full. */
static void index_reserve(batch_index *ix, const ctl_request *rq) {
    if ((rq->npartitions + 1) * 2 <= ix->cap)
        return;
    batch_index bigger = {NULL, ix->cap ? ix->cap * 2 : 64};
    bigger.slots = calloc((size_t)bigger.cap, sizeof(int));
    if (!bigger.slots)
        abort();
    for (int i = 0; i < rq->npartitions; i++)
        *index_slot(&bigger, rq, rq->partitions[i].topic_name,
                    rq->partitions[i].partition_index) = i + 1;
    free(ix->slots);
    *ix = bigger;
}

/* The batch's entry for the partition (a later decision in the same turn
 * replaces an earlier one). */
static ctl_partition_state *batch_entry(ctl_request *rq, batch_index *ix, const char *topic,
                                        int32_t partition) {
    index_reserve(ix, rq);
    int *slot = index_slot(ix, rq, topic, partition);
    if (*slot) {
        ctl_partition_state *ps = &rq->partitions[*slot - 1];
        free(ps->isr);
        free(ps->replicas);
        free(ps->adding_replicas);
        free(ps->removing_replicas);
        free(ps->offline_replicas);
        char *name = ps->topic_name;
        memset(ps, 0, sizeof(*ps));
        ps->topic_name = name;
        ps->partition_index = partition;
        return ps;
    }
    ctl_partition_state *ps = ctl_request_add_partition(rq, topic);
    ps->partition_index = partition;
    *slot = rq->npartitions;
    return ps;
}

static void fill_state(ctl_partition_state *ps, const partition *p) {
    ps->controller_epoch = p->state_controller_epoch;
    ps->leader = p->leader;
    ps->leader_epoch = p->leader_epoch;
    ps->isr = ctl_ids_copy(p->isr, p->nisr);
    ps->nisr = p->nisr;
    ps->zk_version = p->state_zk_version;
    ps->replicas = ctl_ids_copy(p->replicas, p->nreplicas);
    ps->nreplicas = p->nreplicas;
    ps->adding_replicas = ctl_ids_copy(p->adding, p->nadding);
    ps->nadding_replicas = p->nadding;
    ps->removing_replicas = ctl_ids_copy(p->removing, p->nremoving);
    ps->nremoving_replicas = p->nremoving;
    int32_t offline[256];
    int noffline = 0;
    for (int i = 0; i < p->nreplicas && noffline < 256; i++)
        if (!broker_alive(p->replicas[i]) || log_dir_replica_offline(p, p->replicas[i]))
            offline[noffline++] = p->replicas[i];
    ps->offline_replicas = ctl_ids_copy(offline, noffline);
    ps->noffline_replicas = noffline;
}

static int flush_cb(aeEventLoop *el, long long id, void *arg);

static void schedule_flush(void) {
    if (flush_timer < 0)
        flush_timer = aeCreateTimeEvent(B.el, 0, flush_cb, NULL);
}

static int state_known(const partition *p) {
    return p->state_zk_version >= 0 && p->nreplicas > 0;
}

static void add_leader_and_isr(ctl_peer *pr, const partition *p) {
    fill_state(batch_entry(&pr->leader_and_isr, &pr->index[BATCH_LEADER_AND_ISR], p->topic->name,
                           p->id),
               p);
    schedule_flush();
}

static void add_update_metadata(ctl_peer *pr, const partition *p) {
    fill_state(batch_entry(&pr->update_metadata, &pr->index[BATCH_UPDATE_METADATA],
                           p->topic->name, p->id),
               p);
    schedule_flush();
}

void ctlchan_partition_leadership(partition *p) {
    if (!B.is_controller || !state_known(p))
        return;
    for (ctl_peer *pr = peers; pr; pr = pr->next) {
        if (id_in_list(p->replicas, p->nreplicas, pr->id))
            add_leader_and_isr(pr, p);
        add_update_metadata(pr, p);
    }
}

void ctlchan_leader_and_isr(int32_t broker, partition *p) {
    ctl_peer *pr = B.is_controller && state_known(p) ? peer_find(broker) : NULL;
    if (pr)
        add_leader_and_isr(pr, p);
}

void ctlchan_partition_metadata(partition *p) {
    if (!B.is_controller || !state_known(p))
        return;
    for (ctl_peer *pr = peers; pr; pr = pr->next)
        add_update_metadata(pr, p);
}

void ctlchan_stop_replica(int32_t broker, const char *topic, int32_t partition,
                          int delete_partitions) {
    ctl_peer *pr = B.is_controller ? peer_find(broker) : NULL;
    if (!pr)
        return;
    int k = delete_partitions ? 1 : 0;
    batch_entry(&pr->stop_replica[k], &pr->index[BATCH_STOP_REPLICA + k], topic, partition);
    schedule_flush();
}

/* ------------------------------------------------------------------------
 * Turning batches into requests
 * ---------------------------------------------------------------------- */
static int cmp_state(const void *a, const void *b) {
    const ctl_partition_state *x = a, *y = b;
    int c = strcmp(x->topic_name, y->topic_name);
    if (c)
        return c;
    return (x->partition_index > y->partition_index) - (x->partition_index < y->partition_index);
}

static void add_live_broker(ctl_request *rq, int32_t id) {
    for (int i = 0; i < rq->nbrokers; i++)
        if (rq->brokers[i].id == id)
            return;
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == id)
            ctl_request_add_broker(rq, id, B.nodes[i].host, B.nodes[i].port, B.nodes[i].rack);
}

static void flush_peer(ctl_peer *pr) {
    ctl_request *batches[4] = {&pr->leader_and_isr, &pr->update_metadata, &pr->stop_replica[0],
                               &pr->stop_replica[1]};
    for (int k = 0; k < 4; k++) {
        ctl_request *rq = batches[k];
        if (rq->npartitions == 0 && !(k == 1 && pr->live_brokers_changed))
            continue;
        rq->controller_id = B.id;
        rq->controller_epoch = B.controller_epoch;
        rq->broker_epoch = pr->epoch;
        if (rq->npartitions > 1) /* none: an UpdateMetadata of the live brokers only */
            qsort(rq->partitions, (size_t)rq->npartitions, sizeof(ctl_partition_state),
                  cmp_state);
        if (rq->api_key == ApiKey_LeaderAndIsr) {
            int leaders = 0;
            for (int i = 0; i < rq->npartitions; i++) {
                leaders += rq->partitions[i].leader == pr->id;
                if (rq->partitions[i].leader >= 0)
                    add_live_broker(rq, rq->partitions[i].leader);
            }
            log_info(LOG_STATE, "[Controller id=%d epoch=%d] Sending LeaderAndIsr request to "
                     "broker %d with %d become-leader and %d become-follower partitions", B.id,
                     B.controller_epoch, pr->id, leaders, rq->npartitions - leaders);
        } else if (rq->api_key == ApiKey_UpdateMetadata) {
            for (int i = 0; i < B.nnodes; i++)
                add_live_broker(rq, B.nodes[i].id);
            log_info(LOG_STATE, "[Controller id=%d epoch=%d] Sending UpdateMetadata request to "
                     "brokers Set(%d) for %d partitions", B.id, B.controller_epoch, pr->id,
                     rq->npartitions);
        } else {
            log_info(LOG_STATE, "[Controller id=%d epoch=%d] Sending StopReplica request "
                     "(delete=%s) for %d partitions to broker %d", B.id, B.controller_epoch,
                     rq->delete_partitions ? "true" : "false", rq->npartitions, pr->id);
        }
        peer_enqueue(pr, rq);
    }
    pr->live_brokers_changed = 0;
    peer_reset_batches(pr);
}

static int flush_cb(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    (void)arg;
    flush_timer = -1;
    if (!B.is_controller) {
        ctlchan_stop();
        return AE_NOMORE;
    }
    for (ctl_peer *pr = peers; pr; pr = pr->next)
        flush_peer(pr);
    return AE_NOMORE;
}

/* ------------------------------------------------------------------------
 * Peers follow the live brokers
 * ---------------------------------------------------------------------- */
/* A broker new to the controller gets LeaderAndIsr for its replicas;
 * every broker gets UpdateMetadata for every partition (Kafka's
 * sendUpdateMetadataRequest with no partitions named: all of them). */
static void full_state_topic(topic *t, void *arg) {
    ctl_peer *pr = arg;
    if (t->deleting)
        return;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (!state_known(p))
            continue;
        if (pr->live_brokers_changed == 2 && id_in_list(p->replicas, p->nreplicas, pr->id))
            add_leader_and_isr(pr, p);
        add_update_metadata(pr, p);
    }
}

void ctlchan_sync_brokers(void) {
    if (!B.is_controller) {
        ctlchan_stop();
        return;
    }
    /* drop the peers of brokers gone or registered again */
    int changed = 0;
    for (ctl_peer **pp = &peers; *pp;) {
        ctl_peer *pr = *pp;
        int live = 0;
        for (int i = 0; i < B.nnodes; i++)
            live |= B.nodes[i].id == pr->id && B.nodes[i].epoch == pr->epoch &&
                    B.nodes[i].port == pr->port && !strcmp(B.nodes[i].host, pr->host);
        if (live) {
            pp = &pr->next;
            continue;
        }
        *pp = pr->next;
        peer_free(pr);
        changed = 1;
    }
    for (int i = 0; i < B.nnodes; i++) {
        if (peer_find(B.nodes[i].id))
            continue;
        ctl_peer *pr = calloc(1, sizeof(*pr));
        if (!pr)
            abort();
        pr->id = B.nodes[i].id;
        pr->epoch = B.nodes[i].epoch;
        snprintf(pr->host, sizeof(pr->host), "%s", B.nodes[i].host);
        pr->port = B.nodes[i].port;
        pr->retry_timer = -1;
        peer_reset_batches(pr);
        pr->next = peers;
        peers = pr;
        pr->live_brokers_changed = 2; /* new: LeaderAndIsr too */
        log_info(LOG_CTRL, "[Controller id=%d] Sending the full state to broker %d (epoch %lld)",
                 B.id, pr->id, (long long)pr->epoch);
        changed = 1;
    }
    /* the live brokers changed: every broker's metadata cache learns it
     * (Kafka's onBrokerStartup / onBrokerFailure send UpdateMetadata to all
     * live brokers), the new ones get the full state */
    if (!changed)
        return;
    for (ctl_peer *pr = peers; pr; pr = pr->next) {
        if (!pr->live_brokers_changed)
            pr->live_brokers_changed = 1;
        topic_foreach(full_state_topic, pr);
    }
    schedule_flush();
}

void ctlchan_stop(void) {
    while (peers) {
        ctl_peer *pr = peers;
        peers = pr->next;
        peer_free(pr);
    }
    if (flush_timer >= 0) {
        aeDeleteTimeEvent(B.el, flush_timer);
        flush_timer = -1;
    }
}
