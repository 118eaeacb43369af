/* controller.c -- the controller, after Kafka 2.5's KafkaController: one
 * broker, elected through the ephemeral /controller with /controller_epoch
 * incremented, fenced by that epoch's zk version on every write it makes.
 * It creates the state of new partitions (leader = first live replica,
 * ISR = live replicas), elects leaders from the ISR when brokers go
 * (dead brokers leave the ISR, the last member stays on record; unclean
 * election only when the topic allows it), moves a stopping broker's
 * leaderships (ControlledShutdown), and deletes topics requested under
 * /admin/delete_topics (their znodes recursively, retried until done).
 * Brokers learn its decisions from LeaderAndIsr,
 * UpdateMetadata and StopReplica (controller_channel.c), and from the state
 * znodes they watch (cluster.c), the backstop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster.h"
#include "cluster_internal.h"
#include "controller_channel.h"
#include "isr_change.h"
#include "log_dir_event.h"
#include "logger.h"
#include "proto.h"
#include "reassign.h"

#define TOPIC_DELETION_RETRY_MS 1000
#define TOPIC_DELETION_BATCH 1000 /* delete ops per multi, well under jute.maxbuffer */

int controller_epoch_zk_version = -1;
/* Controller: brokers in controlled shutdown (Kafka's shuttingDownBrokerIds). */
static int32_t shutting_down[256];
static int nshutting_down;

static int is_shutting_down(int32_t id) {
    for (int i = 0; i < nshutting_down; i++)
        if (shutting_down[i] == id)
            return 1;
    return 0;
}

/* May lead or stay in the ISR of p: alive and, for replicated partitions,
 * not shutting down (an RF=1 partition stays with its broker until it is
 * gone, as in Kafka). */
static int eligible(const partition *p, int32_t id) {
    return broker_alive(id) && id_in_list(p->replicas, p->nreplicas, id) &&
           !(p->nreplicas > 1 && is_shutting_down(id)) && !log_dir_replica_offline(p, id);
}

void forget_gone_shutting_down(void) {
    int k = 0;
    for (int i = 0; i < nshutting_down; i++)
        if (broker_alive(shutting_down[i]))
            shutting_down[k++] = shutting_down[i];
    nshutting_down = k;
}


/* Controller: creates a new partition's first state (leader: the first
 * live replica, ISR: the live replicas; all of them when none is alive, so
 * the partition stays offline with leader -1 until one returns). */
static void state_write_cb(int rc, const char *path, void *arg) {
    (void)path;
    part_ref *r = arg;
    if (rc != ZOK && rc != ZNODEEXISTS)
        log_warn(LOG_CTRL, "Failed to write the state of %s-%d: %s", r->topic, r->partition,
                 zk_error_name(rc));
    topic *t = topic_find(r->topic);
    if (t && rc == ZOK)
        load_state(t, r->partition);
    part_ref_free(r);
}


static void state_parent_cb(int rc, void *arg) {
    part_ref *r = arg;
    topic *t = topic_find(r->topic);
    partition *p = t ? partition_get(t, r->partition) : NULL;
    if (rc != ZOK || !p) {
        part_ref_free(r);
        return;
    }
    int32_t isr[64];
    int nisr = 0;
    for (int i = 0; i < p->nreplicas && nisr < 64; i++)
        if (broker_alive(p->replicas[i]))
            isr[nisr++] = p->replicas[i];
    int32_t leader = nisr ? isr[0] : -1;
    if (!nisr) /* all replicas down: keep the assignment as the ISR */
        for (int i = 0; i < p->nreplicas && nisr < 64; i++)
            isr[nisr++] = p->replicas[i];
    wbuf w;
    wb_init(&w, 128);
    state_json(&w, B.controller_epoch, leader, 0, isr, nisr);
    char path[512];
    state_path(path, sizeof(path), r->topic, r->partition);
    /* refused before sending: state_write_cb gets the error, the next
     * session's reload retries */
    zkc_create(cluster_zk, path, w.data, (int)w.len, ZKC_PERSISTENT, state_write_cb, r);
    wb_free(&w);
}

/* The controller's write of a partition state, fenced by the controller
 * epoch's cluster_zk version (Kafka's checkControllerEpoch multi, KAFKA-6082): a
 * controller that lost its place writes nothing. */
typedef struct fenced_write {
    part_ref *ref;
    state_written_cb *done;
    void *arg;
} fenced_write;

static void fenced_write_cb(int rc, int n, const zkc_op_result *res, void *arg) {
    fenced_write *fw = arg;
    part_ref *r = fw->ref;
    if (fw->done)
        fw->done(fw->arg, rc == ZOK);
    free(fw);
    if (rc != ZOK) {
        int fenced = n > 0 && res[0].err != ZOK;
        log_warn(LOG_CTRL, "[Controller id=%d] Failed to write the state of %s-%d: %s", B.id,
                 r->topic, r->partition, fenced ? "the controller epoch changed" : zk_error_name(rc));
        if (fenced && B.is_controller) {
            log_info(LOG_CTRL, "[Controller id=%d] Resigning: another controller was elected",
                     B.id);
            B.is_controller = 0;
            zkc_get(cluster_zk, "/controller", 1, controller_get_cb, NULL);
        }
    }
    topic *t = topic_find(r->topic);
    if (t)
        load_state(t, r->partition);
    part_ref_free(r);
}

static void controller_write_state(partition *p, int32_t leader, const int32_t *isr, int nisr,
                                   state_written_cb *done, void *done_arg) {
    wbuf w;
    wb_init(&w, 128);
    state_json(&w, B.controller_epoch, leader, p->leader_epoch + 1, isr, nisr);
    char path[512];
    state_path(path, sizeof(path), p->topic->name, p->id);
    zkc_op ops[2] = {
        {.type = ZOO_CHECK_OP, .path = "/controller_epoch", .version = controller_epoch_zk_version},
        {.type = ZOO_SETDATA_OP, .path = path, .data = w.data, .len = (int)w.len,
         .version = p->state_zk_version},
    };
    p->state_zk_version = -3; /* write in progress */
    fenced_write *fw = malloc(sizeof(*fw));
    if (!fw)
        abort();
    fw->ref = part_ref_new(p->topic->name, p->id);
    fw->done = done;
    fw->arg = done_arg;
    zkc_multi(cluster_zk, ops, 2, fenced_write_cb, fw);
    wb_free(&w);
}

/* Kafka's offline-partition election and OfflineReplica handling in one
 * step: dead brokers leave the ISR (its last member stays, to record who
 * may lead cleanly); a dead or missing leader is replaced by the first
 * assigned replica that is alive and in the ISR; with none, and
 * unclean.leader.election.enable, by the first live replica (ISR = [it]);
 * else the partition stays offline (leader -1). Each change bumps the
 * leader epoch. */
static int controller_elect_cb(topic *t, partition *p, int unclean_ok, state_written_cb *done,
                               void *arg);
static void controller_elect(topic *t, partition *p) {
    controller_elect_cb(t, p, t->cfg.unclean_leader_election_enable, NULL, NULL);
}

/* Returns 1 when a write was started (done is called when it ends). */
static int controller_elect_cb(topic *t, partition *p, int unclean_ok, state_written_cb *done,
                               void *done_arg) {
    int32_t live_isr[256];
    int nlive = 0;
    for (int k = 0; k < p->nisr && nlive < 256; k++)
        if (eligible(p, p->isr[k]))
            live_isr[nlive++] = p->isr[k];
    /* this broker's own leadership from before its session expired needs a
     * new epoch before it counts again */
    int stale = p->leader == B.id && p->leadership_stale;
    int leader_ok = p->leader >= 0 && eligible(p, p->leader) && !stale;
    if (leader_ok && nlive == p->nisr)
        return 0; /* nothing to do */
    int32_t leader = leader_ok ? p->leader : -1;
    const int32_t *isr = live_isr;
    int nisr = nlive;
    int32_t one;
    if (!leader_ok) {
        for (int k = 0; k < p->nreplicas && leader < 0; k++)
            if (eligible(p, p->replicas[k]) && id_in_list(live_isr, nlive, p->replicas[k]))
                leader = p->replicas[k];
        if (leader < 0 && unclean_ok) {
            for (int k = 0; k < p->nreplicas && leader < 0; k++)
                if (eligible(p, p->replicas[k]))
                    leader = p->replicas[k];
            if (leader >= 0) {
                log_warn(LOG_CTRL, "[Controller id=%d] Unclean leader election. Partition %s-%d "
                         "is being elected with leader %d, which is not in the ISR; data may "
                         "be lost", B.id, t->name, p->id, leader);
                one = leader;
                isr = &one;
                nisr = 1;
            }
        }
    }
    if (nisr == 0) { /* keep the last in-sync replica on record */
        one = p->nisr > 0 ? (id_in_list(p->isr, p->nisr, p->leader) ? p->leader : p->isr[0]) : -1;
        isr = &one;
        nisr = one >= 0 ? 1 : 0;
    }
    if (leader == p->leader && nisr == p->nisr && !memcmp(isr, p->isr, (size_t)nisr * 4) &&
        !stale)
        return 0; /* still offline, nothing new to record */
    char from[256] = "", to[256] = "";
    for (int k = 0, at = 0; k < p->nisr && at < 240; k++)
        at += snprintf(from + at, sizeof(from) - (size_t)at, "%s%d", k ? "," : "", p->isr[k]);
    for (int k = 0, at = 0; k < nisr && at < 240; k++)
        at += snprintf(to + at, sizeof(to) - (size_t)at, "%s%d", k ? "," : "", isr[k]);
    log_info(LOG_STATE, "[Controller id=%d epoch=%d] Partition %s-%d: leader %d -> %d, ISR [%s] "
             "-> [%s], leader epoch %d", B.id, B.controller_epoch, t->name, p->id, p->leader,
             leader, from, to, p->leader_epoch + 1);
    if (leader >= 0 && leader != p->leader)
        log_info(LOG_CTRL, "[Controller id=%d] Partition %s-%d elected leader %d", B.id, t->name,
                 p->id, leader);
    controller_write_state(p, leader, isr, nisr, done, done_arg);
    return 1;
}

/* ------------------------------------------------------------------------
 * Controller: controlled shutdown (Kafka's KafkaController.doControlledShutdown)
 * ---------------------------------------------------------------------- */
typedef struct cs_req {
    int32_t broker;
    int outstanding;
    int failed;
    int started;
    cluster_shutdown_cb *cb;
    void *arg;
} cs_req;

static void cs_count_remaining(topic *t, void *arg) {
    void **a = arg;
    int32_t broker = *(int32_t *)a[0];
    wbuf *names = a[1];
    int *n = a[2];
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (p->nreplicas > 1 && p->leader == broker && p->state_zk_version != -3) {
            wb_cstr(names, t->name);
            wb_i32(names, p->id);
            (*n)++;
        }
    }
}

static void cs_finish(cs_req *cs) {
    if (!cs->started || cs->outstanding > 0)
        return;
    /* what the broker still leads among replicated partitions */
    wbuf names;
    wb_init(&names, 64);
    int n = 0;
    void *a[3] = {&cs->broker, &names, &n};
    topic_foreach(cs_count_remaining, a);
    log_info(LOG_CTRL, "[Controller id=%d] Shutting down broker %d: %d partitions left to move",
             B.id, cs->broker, n);
    /* a failed write leaves a leadership in place: the broker asks again */
    cs->cb(cs->arg, cs->failed ? ERR_UNKNOWN_SERVER_ERROR : ERR_NONE, &names, n);
    wb_free(&names);
    free(cs);
}

static void cs_written(void *arg, int ok) {
    cs_req *cs = arg;
    cs->failed += !ok;
    cs->outstanding--;
    cs_finish(cs);
}

static void cs_partitions(topic *t, void *arg) {
    cs_req *cs = arg;
    if (t->deleting)
        return;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (p->nreplicas <= 1 || !id_in_list(p->replicas, p->nreplicas, cs->broker) ||
            p->state_zk_version < 0)
            continue;
        if (controller_elect_cb(t, p, t->cfg.unclean_leader_election_enable, cs_written, cs))
            cs->outstanding++;
    }
}

void cluster_controlled_shutdown(int32_t broker, int64_t broker_epoch, cluster_shutdown_cb *cb,
                                 void *arg) {
    log_info(LOG_CTRL, "[Controller id=%d] Shutting down broker %d", B.id, broker);
    if (!B.is_controller || !B.registered) {
        cb(arg, ERR_STALE_CONTROLLER_EPOCH, NULL, 0);
        return;
    }
    int64_t known = -2;
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == broker)
            known = B.nodes[i].epoch;
    if (known == -2) {
        cb(arg, ERR_BROKER_NOT_AVAILABLE, NULL, 0);
        return;
    }
    if (broker_epoch >= 0 && broker_epoch < known) {
        cb(arg, ERR_STALE_BROKER_EPOCH, NULL, 0);
        return;
    }
    if (!is_shutting_down(broker) && nshutting_down < 256)
        shutting_down[nshutting_down++] = broker;
    cs_req *cs = calloc(1, sizeof(*cs));
    if (!cs)
        abort();
    cs->broker = broker;
    cs->cb = cb;
    cs->arg = arg;
    topic_foreach(cs_partitions, cs);
    cs->started = 1;
    cs_finish(cs);
}

void controller_check_partition(topic *t, partition *p) {
    if (!B.is_controller || !B.registered || t->deleting)
        return;
    if (p->nreplicas == 0)
        return; /* assignment not loaded yet */
    if (p->state_zk_version == -1) {
        /* no state yet: create it (parents first) */
        p->state_zk_version = -2; /* in progress */
        char path[512];
        snprintf(path, sizeof(path), "/brokers/topics/%s/partitions/%d", t->name, p->id);
        zkc_ensure_path(cluster_zk, path, state_parent_cb, part_ref_new(t->name, p->id));
        return;
    }
    if (p->state_zk_version < 0)
        return;
    controller_elect(t, p);
    reassign_check(p);
}

void controller_check_partitions(topic *t) {
    for (int i = 0; i < t->npartitions; i++)
        controller_check_partition(t, t->parts[i]);
}


/* ------------------------------------------------------------------------
 * Controller: topic deletion (/admin/delete_topics/<t>)
 * ---------------------------------------------------------------------- */
static void admin_node_deleted_cb(int rc, void *arg) {
    (void)rc;
    free(arg);
}

static void config_deleted_cb(int rc, void *arg) {
    (void)rc;
    char *name = arg;
    char path[512];
    snprintf(path, sizeof(path), "/admin/delete_topics/%s", name);
    zkc_delete(cluster_zk, path, -1, admin_node_deleted_cb, name);
}

static void delete_topic_znodes(char *name);

static int retry_topic_znodes(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    delete_topic_znodes(arg);
    return AE_NOMORE;
}

static void tree_deleted_cb(int rc, void *arg) {
    char *name = arg;
    if (rc != ZOK) {
        log_warn(LOG_CTRL, "Deletion of topic %s failed: %s%s", name, zk_error_name(rc),
                 B.is_controller ? " (will retry)" : "");
        if (B.is_controller) /* else the next controller resumes it */
            aeCreateTimeEvent(B.el, TOPIC_DELETION_RETRY_MS, retry_topic_znodes, name);
        else
            free(name);
        return;
    }
    log_info(LOG_CTRL, "[Controller id=%d] Deletion of topic %s successfully completed", B.id,
             name);
    char path[512];
    snprintf(path, sizeof(path), "/config/topics/%s", name);
    zkc_delete(cluster_zk, path, -1, config_deleted_cb, name);
}

/* /brokers/topics/<name> and everything under it, as Kafka's
 * deleteTopicZNode: what ZooKeeper holds, including the states of
 * partitions whose creation this controller has not seen the end of. */
static void delete_topic_znodes(char *name) {
    char path[512];
    snprintf(path, sizeof(path), "/brokers/topics/%s", name);
    if (!B.is_controller || zkc_delete_recursive(cluster_zk, path, tree_deleted_cb, name) != ZOK)
        free(name); /* the session is gone: the next controller resumes it */
}

/* The fast way first: the znodes this controller knows of, deleted by
 * multis of TOPIC_DELETION_BATCH (one op per child listing saved, the tree of
 * a topic of thousands of partitions goes in a few requests). The last multi
 * holds the topic's own znodes; if any failed (a partition's state created
 * since, a znode not read), the recursive walk deletes what is left. */
typedef struct topic_deletion {
    char *name;
    int outstanding;
    int failed;
} topic_deletion;

static void batch_deleted_cb(int rc, int n, const zkc_op_result *res, void *arg) {
    (void)n;
    (void)res;
    topic_deletion *d = arg;
    d->failed |= rc != ZOK;
    if (--d->outstanding > 0)
        return;
    if (d->failed)
        delete_topic_znodes(d->name);
    else
        tree_deleted_cb(ZOK, d->name);
    free(d);
}

static void send_deletion_batch(topic_deletion *d, const zkc_op *ops, int n) {
    d->outstanding++;
    if (zkc_multi(cluster_zk, ops, n, batch_deleted_cb, d) != ZOK) {
        d->outstanding--;
        d->failed = 1;
    }
}

static void delete_topic_batches(const char *name) {
    topic *t = topic_find(name);
    int np = t ? t->npartitions : 0, known = 0, n = 0;
    topic_deletion *d = calloc(1, sizeof(*d));
    zkc_op *ops = calloc(TOPIC_DELETION_BATCH, sizeof(zkc_op));
    char(*paths)[512] = calloc(TOPIC_DELETION_BATCH, sizeof(*paths));
    if (!d || !ops || !paths)
        abort();
    d->name = xstrdup(name);
    d->outstanding = 1; /* until every batch is sent */
    for (int i = 0; i < np; i++) {
        if (t->parts[i]->state_zk_version < 0)
            continue; /* not read: the walk finds it if it exists */
        known = 1;
        state_path(paths[n], sizeof(paths[n]), name, i);
        ops[n] = (zkc_op){ZOO_DELETE_OP, paths[n], NULL, 0, 0, -1};
        n++;
        snprintf(paths[n], sizeof(paths[n]), "/brokers/topics/%s/partitions/%d", name, i);
        ops[n] = (zkc_op){ZOO_DELETE_OP, paths[n], NULL, 0, 0, -1};
        n++;
        if (n + 2 > TOPIC_DELETION_BATCH) {
            send_deletion_batch(d, ops, n);
            n = 0;
        }
    }
    if (known) {
        snprintf(paths[n], sizeof(paths[n]), "/brokers/topics/%s/partitions", name);
        ops[n] = (zkc_op){ZOO_DELETE_OP, paths[n], NULL, 0, 0, -1};
        n++;
    }
    snprintf(paths[n], sizeof(paths[n]), "/brokers/topics/%s", name);
    ops[n] = (zkc_op){ZOO_DELETE_OP, paths[n], NULL, 0, 0, -1};
    n++;
    send_deletion_batch(d, ops, n);
    free(ops);
    free(paths);
    batch_deleted_cb(ZOK, 0, NULL, d); /* every batch sent */
}

static void delete_topic_tree(const char *name) {
    topic *t = topic_find(name);
    if (t) {
        t->deleting = 1;
        for (int i = 0; i < t->npartitions; i++) /* the replicas stop and delete their logs */
            for (int k = 0; k < t->parts[i]->nreplicas; k++)
                ctlchan_stop_replica(t->parts[i]->replicas[k], name, i, 1);
    }
    if (B.is_controller)
        delete_topic_batches(name);
}

static void delete_requests_cb(int rc, int count, const char *const *names, void *arg) {
    (void)arg;
    if (rc != ZOK || !B.is_controller)
        return;
    for (int i = 0; i < count; i++) {
        log_info(LOG_CTRL, "[Topic Deletion Manager %d] Handling deletion for topics %s", B.id,
                 names[i]);
        if (!B.cfg.delete_topic_enable) {
            char path[512];
            snprintf(path, sizeof(path), "/admin/delete_topics/%s", names[i]);
            zkc_delete(cluster_zk, path, -1, admin_node_deleted_cb, xstrdup(names[i]));
            continue;
        }
        delete_topic_tree(names[i]);
    }
}

void watch_delete_requests(void) {
    zkc_children(cluster_zk, "/admin/delete_topics", 1, delete_requests_cb, NULL);
}


/* ------------------------------------------------------------------------
 * Controller election: /controller, /controller_epoch
 * ---------------------------------------------------------------------- */

static void become_controller(void) {
    B.is_controller = 1;
    B.controller_id = B.id;
    log_info(LOG_CTRL, "[Controller id=%d] %d successfully elected as the controller. Epoch "
             "incremented to %d", B.id, B.id, B.controller_epoch);
    watch_delete_requests();
    isr_change_watch();
    log_dir_event_watch();
    reassign_watch_zk();
    ctlchan_sync_brokers(); /* every live broker gets the full state */
    controller_check_all();
    watch_preferred_election();
}

static void epoch_set_cb(int rc, const jute_stat *st, void *arg) {
    (void)arg;
    if (rc == ZOK) {
        controller_epoch_zk_version = st ? st->version : 0;
        become_controller();
    }
    else
        log_warn(LOG_CTRL, "Failed to increment the controller epoch: %s", zk_error_name(rc));
}

static void epoch_created_cb(int rc, const char *path, void *arg) {
    (void)path;
    epoch_set_cb(rc, NULL, arg);
}

static void ignore_stat_cb(int rc, const jute_stat *st, void *arg) {
    (void)rc;
    (void)st;
    (void)arg;
}

static void epoch_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)arg;
    char buf[32];
    if (rc == ZOK) {
        snprintf(buf, sizeof(buf), "%.*s", len > 0 ? len : 0, data ? data : "");
        B.controller_epoch = atoi(buf) + 1;
        snprintf(buf, sizeof(buf), "%d", B.controller_epoch);
        zkc_set(cluster_zk, "/controller_epoch", buf, (int)strlen(buf), st->version, epoch_set_cb, NULL);
    } else if (rc == ZNONODE) {
        B.controller_epoch = 1;
        zkc_create(cluster_zk, "/controller_epoch", "1", 1, ZKC_PERSISTENT, epoch_created_cb, NULL);
    }
}

void controller_get_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)st;
    (void)arg;
    if (rc == ZNONODE) {
        try_elect();
        return;
    }
    if (rc != ZOK || !data)
        return;
    json *j = json_parse(data, (size_t)len);
    int64_t id = -1;
    json_int(json_get(j, "brokerid"), &id);
    json_free(j);
    B.controller_id = (int32_t)id;
    if (id != B.id)
        B.is_controller = 0;
}

static void controller_create_cb(int rc, const char *path, void *arg) {
    (void)path;
    (void)arg;
    if (rc == ZOK) {
        zkc_get(cluster_zk, "/controller_epoch", 0, epoch_get_cb, NULL);
        zkc_exists(cluster_zk, "/controller", 1, ignore_stat_cb, NULL);
    } else if (rc == ZNODEEXISTS) {
        zkc_get(cluster_zk, "/controller", 1, controller_get_cb, NULL);
    }
}

void try_elect(void) {
    wbuf w;
    wb_init(&w, 96);
    wbuf_printf(&w, "{\"version\":1,\"brokerid\":%d,\"timestamp\":\"%lld\"}", B.id,
             (long long)ae_wall_ms());
    zkc_create(cluster_zk, "/controller", w.data, (int)w.len, ZKC_EPHEMERAL, controller_create_cb, NULL);
    wb_free(&w);
}


static void check_cb(topic *t, void *arg) {
    (void)arg;
    controller_check_partitions(t);
}

void controller_check_all(void) { topic_foreach(check_cb, NULL); }


/* ------------------------------------------------------------------------
 * Elections asked for by an admin (ElectLeaders) and automatic preferred
 * leader rebalancing (auto.leader.rebalance.enable)
 * ---------------------------------------------------------------------- */

/* Kafka's preferred election: the first assigned replica leads if it is
 * alive and in the ISR; the ISR stays as it is. */
static int16_t elect_preferred(partition *p, state_written_cb *done, void *arg) {
    int32_t pref = p->nreplicas > 0 ? p->replicas[0] : -1;
    if (pref >= 0 && p->leader == pref)
        return ERR_ELECTION_NOT_NEEDED;
    if (pref < 0 || p->state_zk_version < 0 || !eligible(p, pref) ||
        !id_in_list(p->isr, p->nisr, pref))
        return ERR_PREFERRED_LEADER_NOT_AVAILABLE;
    log_info(LOG_CTRL, "[Controller id=%d] Partition %s-%d: preferred replica %d elected leader "
             "(was %d), leader epoch %d", B.id, p->topic->name, p->id, pref, p->leader,
             p->leader_epoch + 1);
    controller_write_state(p, pref, p->isr, p->nisr, done, arg);
    return ERR_NONE;
}

int16_t controller_elect_leader(partition *p, int unclean, state_written_cb *done, void *arg) {
    if (!B.is_controller)
        return ERR_NOT_CONTROLLER;
    if (!unclean)
        return elect_preferred(p, done, arg);
    /* unclean: only for a partition without a live leader */
    if (p->leader >= 0 && eligible(p, p->leader))
        return ERR_ELECTION_NOT_NEEDED;
    if (p->state_zk_version < 0 || !controller_elect_cb(p->topic, p, 1, done, arg))
        return ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE;
    return ERR_NONE;
}

static void rebalance_topic(topic *t, void *arg) {
    int32_t broker = *(int32_t *)arg;
    if (t->deleting)
        return;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (p->nreplicas > 0 && p->replicas[0] == broker && p->leader != broker)
            elect_preferred(p, NULL, NULL);
    }
}

typedef struct imbalance {
    int32_t broker;
    int preferred, elsewhere;
} imbalance;

static void count_topic(topic *t, void *arg) {
    imbalance *im = arg;
    if (t->deleting)
        return;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (p->nreplicas == 0 || p->replicas[0] != im->broker)
            continue;
        im->preferred++;
        im->elsewhere += p->leader != im->broker;
    }
}

/* Kafka's checkAndTriggerAutoLeaderRebalance: a live broker leading less
 * than it prefers by more than leader.imbalance.per.broker.percentage gets
 * its preferred partitions back. */
static void check_imbalance(void) {
    if (reassign_in_progress())
        return; /* as Kafka: no rebalance while partitions are reassigned */
    for (int b = 0; b < B.nnodes; b++) {
        imbalance im = {B.nodes[b].id, 0, 0};
        if (is_shutting_down(im.broker))
            continue;
        topic_foreach(count_topic, &im);
        if (im.preferred == 0 || im.elsewhere == 0)
            continue;
        double ratio = (double)im.elsewhere / im.preferred;
        log_info(LOG_CTRL, "[Controller id=%d] Leader imbalance ratio for broker %d is %.3f", B.id,
                 im.broker, ratio);
        if (ratio * 100 > B.cfg.leader_imbalance_per_broker_percentage)
            topic_foreach(rebalance_topic, &im.broker);
    }
}

void controller_periodic(int64_t now_ms) {
    static int64_t next_check;
    static int was_controller;
    if (!B.is_controller)
        ctlchan_stop(); /* resigned: the next election starts afresh */
    if (!B.is_controller || !B.cfg.auto_leader_rebalance_enable) {
        was_controller = 0;
        return;
    }
    if (!was_controller) { /* as Kafka: the first check 5 s after becoming controller */
        was_controller = 1;
        next_check = now_ms + 5000;
    }
    if (now_ms < next_check)
        return;
    next_check = now_ms + B.cfg.leader_imbalance_check_interval_seconds * 1000;
    check_imbalance();
}
