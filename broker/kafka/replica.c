/* replica.c -- the leader side of replication and the role changes of a
 * partition on this broker (see replica.h), after Kafka 2.5's Partition:
 *
 *  - becoming leader (a new leader epoch): the epoch goes into the epoch
 *    cache at the log end offset, which becomes the epoch's start offset;
 *    followers in the ISR count as caught up now, their end offsets unknown
 *    until they fetch; fetchers for the partition stop.
 *  - becoming follower: waiting acks=all produces fail, the partition goes
 *    to a fetcher that truncates first (OffsetForLeaderEpoch).
 *  - a follower's fetch offset is its log end offset; a follower is caught
 *    up when it fetched from the leader's end offset (or from the end
 *    offset the leader had at its previous fetch).
 *  - high watermark = the smallest end offset of the leader and every
 *    replica in the ISR or caught up within replica.lag.time.max.ms; it
 *    only grows.
 *  - ISR expand: a replica whose end offset reached the high watermark and
 *    the leader epoch's start offset; shrink: a replica not caught up for
 *    replica.lag.time.max.ms. Both are conditional writes of the state
 *    znode by the leader; one at a time per partition. */
#include "replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fetcher.h"
#include "id_list.h"
#include "logger.h"

#define LOG_PARTITION "kafka.cluster.Partition"
#define LOG_STATE "state.change.logger"

int replica_in_isr(const partition *p, int32_t broker_id) {
    return id_in_list(p->isr, p->nisr, broker_id);
}

int replica_isr_size(const partition *p) { return p->nisr; }

int16_t replica_check_epoch(const partition *p, int32_t current_leader_epoch) {
    if (current_leader_epoch < 0 || current_leader_epoch == p->leader_epoch)
        return ERR_NONE;
    return current_leader_epoch < p->leader_epoch ? ERR_FENCED_LEADER_EPOCH
                                                  : ERR_UNKNOWN_LEADER_EPOCH;
}

/* ------------------------------------------------------------------------
 * Waiting for replication
 * ---------------------------------------------------------------------- */
typedef struct hw_waiter {
    char *topic;
    int32_t partition;
    int32_t leader_epoch;
    int64_t required_offset;
    int min_isr;
    long long timer;
    replica_wait_cb *cb;
    void *arg;
    int16_t result; /* once settled */
    struct hw_waiter *next;
} hw_waiter;

static hw_waiter *waiters;
static int waiters_woken;

static void waiters_wakeup(void) { waiters_woken = 1; }

/* The waiter's outcome so far, -1 while it must wait. */
static int waiter_state(const hw_waiter *w) {
    topic *t = topic_find(w->topic);
    partition *p = t && !t->deleting ? partition_get(t, w->partition) : NULL;
    if (!p || !partition_is_leader(p) || p->role != REPLICA_LEADER ||
        p->leader_epoch != w->leader_epoch)
        return ERR_NOT_LEADER_FOR_PARTITION;
    if (p->hw < w->required_offset)
        return -1;
    return p->nisr < w->min_isr ? ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND : ERR_NONE;
}

static void waiter_unlink(hw_waiter *w) {
    for (hw_waiter **pp = &waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

static void waiter_done(hw_waiter *w, int16_t err) {
    if (w->timer >= 0)
        aeDeleteTimeEvent(B.el, w->timer);
    replica_wait_cb *cb = w->cb;
    void *arg = w->arg;
    free(w->topic);
    free(w);
    cb(arg, err);
}

static int waiter_timeout(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    hw_waiter *w = arg;
    waiter_unlink(w);
    w->timer = -1;
    int st = waiter_state(w);
    waiter_done(w, (int16_t)(st >= 0 ? st : ERR_REQUEST_TIMED_OUT));
    return AE_NOMORE;
}

int replica_wait_replicated(partition *p, int64_t required_offset, int min_isr, int timeout_ms,
                            replica_wait_cb *cb, void *arg) {
    if (p->role == REPLICA_LEADER && p->hw >= required_offset)
        return 1;
    hw_waiter *w = calloc(1, sizeof(*w));
    if (!w)
        abort();
    w->topic = strdup(p->topic->name);
    if (!w->topic)
        abort();
    w->partition = p->id;
    w->leader_epoch = p->leader_epoch;
    w->required_offset = required_offset;
    w->min_isr = min_isr;
    w->cb = cb;
    w->arg = arg;
    w->timer = aeCreateTimeEvent(B.el, timeout_ms > 0 ? timeout_ms : 0, waiter_timeout, w);
    w->next = waiters;
    waiters = w;
    waiters_woken = 1; /* settle it in this iteration if it already can be */
    return 0;
}

void replica_before_sleep(void) {
    if (!waiters_woken)
        return;
    waiters_woken = 0;
    /* detach the settled ones first: a callback may add waiters */
    hw_waiter *done = NULL, **pp = &waiters;
    while (*pp) {
        hw_waiter *w = *pp;
        int st = waiter_state(w);
        if (st >= 0) {
            w->result = (int16_t)st;
            *pp = w->next;
            w->next = done;
            done = w;
        } else {
            pp = &w->next;
        }
    }
    while (done) {
        hw_waiter *w = done;
        done = w->next;
        waiter_done(w, w->result);
    }
}

void replica_abort_waiters(void) {
    while (waiters) {
        hw_waiter *w = waiters;
        waiters = w->next;
        int st = waiter_state(w);
        waiter_done(w, (int16_t)(st >= 0 ? st : ERR_NOT_LEADER_FOR_PARTITION));
    }
}

static follower_state *follower(partition *p, int32_t id) {
    for (int i = 0; i < p->nfollowers; i++)
        if (p->followers[i].broker_id == id)
            return &p->followers[i];
    return NULL;
}

static void set_hw(partition *p, int64_t hw) {
    if (hw <= p->hw)
        return;
    p->hw = hw;
    waiters_wakeup();
    fetch_wakeup();
}

static void maybe_advance_hw(partition *p, int64_t now) {
    if (p->role != REPLICA_LEADER || !p->log)
        return;
    int64_t hw = plog_log_end_offset(p->log);
    int64_t lag = B.cfg.replica_lag_time_max_ms;
    for (int i = 0; i < p->nfollowers; i++) {
        follower_state *f = &p->followers[i];
        int counted = replica_in_isr(p, f->broker_id) ||
                      (f->last_caught_up_ms > 0 && now - f->last_caught_up_ms <= lag);
        if (counted && f->leo < hw)
            hw = f->leo;
    }
    set_hw(p, hw);
}

/* ------------------------------------------------------------------------
 * ISR writes
 * ---------------------------------------------------------------------- */
static void isr_written(partition *p, int ok) {
    p->isr_write_in_flight = 0;
    if (!ok)
        return;
    char isr[256];
    id_list_str(isr, sizeof(isr), p->isr, p->nisr, ",");
    log_info(LOG_PARTITION, "[Partition %s-%d broker=%d] ISR updated to [%s] and zkVersion "
             "updated to [%d]", p->topic->name, p->id, B.id, isr, p->state_zk_version);
    maybe_advance_hw(p, ae_mono_ms());
    waiters_wakeup();
}

static void write_isr(partition *p, const int32_t *isr, int n) {
    p->isr_write_in_flight = 1;
    cluster_write_isr(p, isr, n, isr_written);
}

static void maybe_expand_isr(partition *p, follower_state *f) {
    if (p->isr_write_in_flight || replica_in_isr(p, f->broker_id) ||
        !id_in_list(p->replicas, p->nreplicas, f->broker_id))
        return;
    if (f->leo < p->hw || f->leo < p->leader_epoch_start)
        return;
    int32_t *isr = malloc(((size_t)p->nisr + 1) * sizeof(int32_t));
    if (!isr)
        abort();
    memcpy(isr, p->isr, (size_t)p->nisr * sizeof(int32_t));
    isr[p->nisr] = f->broker_id;
    char from[256], to[256];
    id_list_str(from, sizeof(from), p->isr, p->nisr, ",");
    id_list_str(to, sizeof(to), isr, p->nisr + 1, ",");
    log_info(LOG_PARTITION, "[Partition %s-%d broker=%d] Expanding ISR from %s to %s",
             p->topic->name, p->id, B.id, from, to);
    write_isr(p, isr, p->nisr + 1);
    free(isr);
}

static void maybe_shrink_isr(partition *p, int64_t now) {
    if (p->role != REPLICA_LEADER || p->isr_write_in_flight || !p->log)
        return;
    int64_t leo = plog_log_end_offset(p->log);
    int32_t keep[256];
    int nkeep = 0, nout = 0;
    char outdesc[1024];
    size_t at = 0;
    outdesc[0] = 0;
    for (int i = 0; i < p->nisr && nkeep < 256; i++) {
        int32_t id = p->isr[i];
        follower_state *f = id == B.id ? NULL : follower(p, id);
        if (f && f->leo != leo && now - f->last_caught_up_ms > B.cfg.replica_lag_time_max_ms) {
            nout++;
            at += (size_t)snprintf(outdesc + at, at < sizeof(outdesc) ? sizeof(outdesc) - at : 0,
                                   "%s(brokerId: %d, endOffset: %lld)", nout > 1 ? ", " : "", id,
                                   (long long)f->leo);
            continue;
        }
        keep[nkeep++] = id;
    }
    if (!nout || !nkeep)
        return;
    char from[256], to[256];
    id_list_str(from, sizeof(from), p->isr, p->nisr, ",");
    id_list_str(to, sizeof(to), keep, nkeep, ",");
    log_info(LOG_PARTITION, "[Partition %s-%d broker=%d] Shrinking ISR from %s to %s. Leader: "
             "(highWatermark: %lld, endOffset: %lld). Out of sync replicas: %s.",
             p->topic->name, p->id, B.id, from, to, (long long)p->hw, (long long)leo, outdesc);
    write_isr(p, keep, nkeep);
}

/* ------------------------------------------------------------------------
 * Role changes
 * ---------------------------------------------------------------------- */
/* The followers the leader tracks: every other assigned replica. keep:
 * the replica set changed under the same leader epoch (a reassignment
 * adding or dropping replicas), so those still assigned keep what the
 * leader knows of them; else (a new epoch) all start unknown, those in the
 * ISR counting as caught up now. */
static void rebuild_followers(partition *p, int64_t now, int keep) {
    follower_state *old = p->followers;
    int nold = keep ? p->nfollowers : 0;
    p->followers = calloc((size_t)(p->nreplicas > 0 ? p->nreplicas : 1), sizeof(follower_state));
    if (!p->followers)
        abort();
    p->nfollowers = 0;
    for (int i = 0; i < p->nreplicas; i++) {
        if (p->replicas[i] == B.id)
            continue;
        follower_state *f = &p->followers[p->nfollowers++];
        int known = 0;
        for (int k = 0; k < nold && !known; k++)
            if (old[k].broker_id == p->replicas[i]) {
                *f = old[k];
                known = 1;
            }
        if (!known) {
            f->broker_id = p->replicas[i];
            f->leo = -1;
            f->last_caught_up_ms = replica_in_isr(p, f->broker_id) ? now : 0;
            f->last_fetch_leader_leo = -1;
        }
    }
    free(old);
}

static void become_leader(partition *p) {
    int64_t now = ae_mono_ms();
    fetcher_remove(p);
    p->role = REPLICA_LEADER;
    p->applied_epoch = p->leader_epoch;
    p->isr_write_in_flight = 0;
    plog_assign_leader_epoch(p->log, p->leader_epoch);
    p->leader_epoch_start = plog_log_end_offset(p->log);
    rebuild_followers(p, now, 0);
    char isr[256];
    id_list_str(isr, sizeof(isr), p->isr, p->nisr, ",");
    log_info(LOG_STATE, "[Broker id=%d] Leader %s-%d starts at leader epoch %d from offset %lld "
             "with high watermark %lld. Previous leader epoch was %d. ISR [%s]", B.id,
             p->topic->name, p->id, p->leader_epoch, (long long)p->leader_epoch_start,
             (long long)p->hw, p->leader_epoch - 1, isr);
    maybe_advance_hw(p, now);
    waiters_wakeup();
}

static void become_follower(partition *p) {
    p->role = REPLICA_FOLLOWER;
    p->applied_epoch = p->leader_epoch;
    free(p->followers);
    p->followers = NULL;
    p->nfollowers = 0;
    log_info(LOG_STATE, "[Broker id=%d] Follower %s-%d starts at leader epoch %d from offset %lld "
             "with high watermark %lld. Current leader is %d", B.id, p->topic->name, p->id,
             p->leader_epoch, (long long)plog_log_end_offset(p->log), (long long)p->hw, p->leader);
    waiters_wakeup(); /* waiting acks=all produces: NOT_LEADER_FOR_PARTITION */
    fetch_wakeup();
    fetcher_add(p);
}

void replica_stop(partition *p) {
    fetcher_remove(p);
    p->role = REPLICA_NONE;
    p->applied_epoch = -1;
    free(p->followers);
    p->followers = NULL;
    p->nfollowers = 0;
    waiters_wakeup();
}

void replica_apply_state(partition *p) {
    if (!p->log || !B.registered || p->leader < 0 ||
        (p->leader == B.id && p->leadership_stale)) {
        if (p->role != REPLICA_NONE) {
            replica_stop(p);
            p->applied_epoch = -1;
        }
        return;
    }
    if (p->leader == B.id) {
        if (p->role != REPLICA_LEADER || p->applied_epoch != p->leader_epoch)
            become_leader(p);
        else {
            int64_t now = ae_mono_ms();
            rebuild_followers(p, now, 1); /* a reassignment may have changed the replicas */
            maybe_advance_hw(p, now); /* the ISR may have changed */
        }
        return;
    }
    if (p->role != REPLICA_FOLLOWER || p->applied_epoch != p->leader_epoch)
        become_follower(p);
}

/* ------------------------------------------------------------------------
 * Leader: followers' fetches, appends, periodic shrink
 * ---------------------------------------------------------------------- */
void replica_follower_fetch(partition *p, int32_t replica_id, int64_t fetch_offset) {
    if (p->role != REPLICA_LEADER || !p->log)
        return;
    follower_state *f = follower(p, replica_id);
    if (!f)
        return;
    int64_t now = ae_mono_ms();
    int64_t leo = plog_log_end_offset(p->log);
    if (fetch_offset >= leo) {
        if (now > f->last_caught_up_ms)
            f->last_caught_up_ms = now;
    } else if (f->last_fetch_leader_leo >= 0 && fetch_offset >= f->last_fetch_leader_leo) {
        if (f->last_fetch_ms > f->last_caught_up_ms)
            f->last_caught_up_ms = f->last_fetch_ms;
    }
    f->last_fetch_leader_leo = leo;
    f->last_fetch_ms = now;
    f->leo = fetch_offset;
    maybe_expand_isr(p, f);
    maybe_advance_hw(p, now);
}

void replica_leader_appended(partition *p) { maybe_advance_hw(p, ae_mono_ms()); }

void replica_follower_hw(partition *p, int64_t leader_hw) {
    int64_t leo = plog_log_end_offset(p->log);
    int64_t hw = leader_hw < leo ? leader_hw : leo;
    if (hw > p->hw) {
        p->hw = hw;
        fetch_wakeup();
    }
}

static void shrink_cb(topic *t, void *arg) {
    int64_t now = *(int64_t *)arg;
    for (int i = 0; i < t->npartitions; i++)
        maybe_shrink_isr(t->parts[i], now);
}

void replica_periodic(int64_t now_ms) {
    static int64_t last;
    int64_t every = B.cfg.replica_lag_time_max_ms / 2;
    if (every < 100)
        every = 100;
    if (now_ms - last < every)
        return;
    last = now_ms;
    topic_foreach(shrink_cb, &now_ms);
}
