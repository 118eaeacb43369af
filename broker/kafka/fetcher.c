/* fetcher.c -- replica fetchers (see fetcher.h), after Kafka 2.5's
 * AbstractFetcherThread / ReplicaFetcherThread, on the event loop.
 *
 * A fetcher keeps one request in flight. Each round it first truncates the
 * partitions that just started following (OffsetForLeaderEpoch v3 with the
 * latest local epoch; KIP-101/279: truncate to where the leader's epoch
 * ends, asking again while the follower's epoch differs), then fetches the
 * others (Fetch v11 from the local log end offset, sessionless). Fetched
 * batches are appended with their own offsets and epochs; the follower's
 * high watermark is min(leader's, own end offset). OFFSET_OUT_OF_RANGE asks
 * the leader's end and start offsets (ListOffsets v5): a longer local log
 * is cut to the leader's end, a log behind the leader's start restarts
 * empty at it. A partition whose leader or epoch moved on is dropped (the
 * next state read adds it again). Replies are read into memory, so a fetch
 * asks for no more than half of what the -Xmx ceiling has left, and waits
 * while the ceiling is reached. While the follower quota is exceeded, a
 * follower-throttled partition that is not in sync (its last fetch with
 * records left it behind the leader's high watermark, or it has not had
 * one) is left out of the fetch (ReplicaFetcherThread.shouldFollowerThrottle). */
#include "fetcher.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "kclient.h"
#include "logger.h"
#include "memlimit.h"
#include "producer.h"
#include "records.h"
#include "repl_quota.h"
#include "replica.h"

#define LOGGER "kafka.server.ReplicaFetcherThread"

enum { FP_TRUNCATING, FP_FETCHING, FP_OOR_LATEST, FP_OOR_EARLIEST, FP_FAILED };

typedef struct fpart {
    char *topic;
    int32_t partition;
    int32_t epoch;   /* the leader epoch this partition follows */
    int state;
    int64_t backoff_until;
    int64_t lag;     /* leader's high watermark minus our log end after the
                      * last fetch that brought records; -1: none yet */
    int held;        /* left out of this round's fetch (throttled) */
} fpart;

typedef struct fetcher {
    int32_t leader_id;
    int index;
    char name[96]; /* "[ReplicaFetcher replicaId=1, leaderId=2, fetcherId=0] " */
    kclient *kc;
    char host[256];
    int port;
    fpart *parts;
    int nparts, cap;
    int in_flight;    /* 0, or the API key of the request in flight */
    int64_t backoff_until;
    long long timer;
    struct fetcher *next;
} fetcher;

static fetcher *fetchers;

static void fetcher_kick(fetcher *f);

/* ------------------------------------------------------------------------
 * Fetchers and their partitions
 * ---------------------------------------------------------------------- */
static int fetcher_index(const char *topic, int32_t partition) {
    uint32_t h = 0; /* Java's String.hashCode */
    for (const char *c = topic; *c; c++)
        h = 31 * h + (uint32_t)(unsigned char)*c;
    int64_t v = (int64_t)31 * (int32_t)h + partition;
    int n = B.cfg.num_replica_fetchers > 0 ? B.cfg.num_replica_fetchers : 1;
    return (int)((v < 0 ? -v : v) % n);
}

static int tick(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    fetcher_kick(arg);
    return 100;
}

static fetcher *fetcher_get(int32_t leader, int index) {
    for (fetcher *f = fetchers; f; f = f->next)
        if (f->leader_id == leader && f->index == index)
            return f;
    fetcher *f = calloc(1, sizeof(*f));
    if (!f)
        abort();
    f->leader_id = leader;
    f->index = index;
    snprintf(f->name, sizeof(f->name), "[ReplicaFetcher replicaId=%d, leaderId=%d, fetcherId=%d] ",
             B.id, leader, index);
    f->timer = aeCreateTimeEvent(B.el, 100, tick, f);
    f->next = fetchers;
    fetchers = f;
    log_info(LOGGER, "%sStarting", f->name);
    return f;
}

static void fetcher_free(fetcher *f) {
    for (fetcher **pp = &fetchers; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    log_info(LOGGER, "%sStopped", f->name);
    aeDeleteTimeEvent(B.el, f->timer);
    kclient *kc = f->kc;
    f->kc = NULL;
    for (int i = 0; i < f->nparts; i++)
        free(f->parts[i].topic);
    free(f->parts);
    free(f);
    kclient_close(kc); /* in-flight callbacks see KCLIENT_ERR_CLOSED and a NULL-safe arg */
}

static fpart *fpart_find(fetcher *f, const char *topic, int32_t partition) {
    for (int i = 0; i < f->nparts; i++)
        if (f->parts[i].partition == partition && !strcmp(f->parts[i].topic, topic))
            return &f->parts[i];
    return NULL;
}

static void fpart_drop(fetcher *f, fpart *fp) {
    free(fp->topic);
    *fp = f->parts[--f->nparts];
}

void fetcher_remove(partition *p) {
    for (fetcher *f = fetchers; f; f = f->next) {
        fpart *fp = fpart_find(f, p->topic->name, p->id);
        if (fp) {
            log_info(LOGGER, "%sRemoved fetcher for partitions Set(%s-%d)", f->name,
                     p->topic->name, p->id);
            fpart_drop(f, fp);
            return;
        }
    }
}

void fetcher_add(partition *p) {
    fetcher_remove(p);
    if (B.leaving)
        return; /* controlled shutdown: a follower that fetches nothing */
    fetcher *f = fetcher_get(p->leader, fetcher_index(p->topic->name, p->id));
    if (f->nparts == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->parts = realloc(f->parts, (size_t)f->cap * sizeof(fpart));
        if (!f->parts)
            abort();
    }
    fpart *fp = &f->parts[f->nparts++];
    memset(fp, 0, sizeof(*fp));
    fp->topic = strdup(p->topic->name);
    if (!fp->topic)
        abort();
    fp->partition = p->id;
    fp->epoch = p->leader_epoch;
    fp->state = FP_TRUNCATING;
    fp->lag = -1;
    log_info(LOGGER, "%sAdded fetcher to broker %d for partitions Map(%s-%d -> "
             "(offset=%lld, leaderEpoch=%d))", f->name, f->leader_id, p->topic->name, p->id,
             (long long)plog_log_end_offset(p->log), p->leader_epoch);
    fetcher_kick(f);
}

void fetcher_shutdown(void) {
    while (fetchers)
        fetcher_free(fetchers);
}

/* The partition behind fp while it still follows this fetcher's leader at
 * fp's epoch; NULL otherwise. */
static partition *live_partition(fetcher *f, const fpart *fp) {
    topic *t = topic_find(fp->topic);
    partition *p = t && !t->deleting ? partition_get(t, fp->partition) : NULL;
    if (!p || !p->log || p->role != REPLICA_FOLLOWER || p->leader != f->leader_id ||
        p->leader_epoch != fp->epoch)
        return NULL;
    return p;
}

/* Drops partitions that no longer follow this leader at their epoch. */
static void prune(fetcher *f) {
    for (int i = 0; i < f->nparts;) {
        if (!live_partition(f, &f->parts[i]))
            fpart_drop(f, &f->parts[i]);
        else
            i++;
    }
}

/* ------------------------------------------------------------------------
 * Truncation
 * ---------------------------------------------------------------------- */
static void truncate_to(fetcher *f, partition *p, int64_t offset) {
    int64_t leo = plog_log_end_offset(p->log);
    if (offset < leo) {
        log_info(LOGGER, "%sTruncating partition %s-%d to local log end offset %lld (was %lld)",
                 f->name, p->topic->name, p->id, (long long)offset, (long long)leo);
        if (plog_truncate_to(p->log, offset) != 0)
            log_error(LOGGER, "%sError truncating %s-%d to %lld", f->name, p->topic->name, p->id,
                      (long long)offset);
        partition_rebuild_producers(p);
    }
    leo = plog_log_end_offset(p->log);
    if (p->hw > leo)
        p->hw = leo;
}

/* Kafka's AbstractFetcherThread.getOffsetTruncationState: returns 1 when
 * done, 0 when the follower must ask again with its (now earlier) epoch. */
static int truncate_for_epoch(fetcher *f, partition *p, int32_t leader_epoch, int64_t end_offset) {
    int64_t leo = plog_log_end_offset(p->log);
    if (end_offset < 0) {
        truncate_to(f, p, p->hw);
        return 1;
    }
    if (leader_epoch < 0) {
        truncate_to(f, p, end_offset < leo ? end_offset : leo);
        return 1;
    }
    int32_t fe;
    int64_t fend;
    plog_end_offset_for_epoch(p->log, leader_epoch, &fe, &fend);
    if (fe < 0) {
        truncate_to(f, p, end_offset < leo ? end_offset : leo);
        return 1;
    }
    if (fe != leader_epoch) {
        truncate_to(f, p, fend < leo ? fend : leo);
        return 0;
    }
    int64_t to = end_offset < fend ? end_offset : fend;
    truncate_to(f, p, to < leo ? to : leo);
    return 1;
}

/* ------------------------------------------------------------------------
 * Responses
 * ---------------------------------------------------------------------- */
typedef struct sent {
    fetcher *f;
    int16_t api_key;
} sent;

/* The fetcher a response belongs to, if it still exists. */
static fetcher *owner(sent *s) {
    for (fetcher *f = fetchers; f; f = f->next)
        if (f == s->f)
            return f;
    return NULL;
}

static void backoff(fetcher *f) { f->backoff_until = ae_mono_ms() + B.cfg.replica_fetch_backoff_ms; }

static void part_backoff(fpart *fp) {
    fp->backoff_until = ae_mono_ms() + B.cfg.replica_fetch_backoff_ms;
}

/* Walks a response's topics and their partitions (the layout every
 * response here shares): each partition entry is read and handled by
 * `part` with the topic's name. Returns -1 on a malformed response. */
typedef int part_handler(fetcher *f, const char *topic, rbuf *rb);

static int walk_topics(fetcher *f, rbuf *rb, size_t min_part_size, part_handler *part) {
    int32_t ntopics;
    char *tn = NULL;
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t nparts;
        rb_read_str(rb, &name);
        if (name.len < 0)
            goto err_parse; /* topic names are not nullable */
        rb_read_i32(rb, &nparts);
        rb_check_count_nn(rb, nparts, min_part_size);
        tn = kstr_dup(name);
        for (int32_t j = 0; j < nparts; j++)
            if (part(f, tn, rb) != 0)
                goto err_parse;
        free(tn);
        tn = NULL;
    }
    return 0;
err_parse:
    free(tn);
    return -1;
}

/* The fetcher's partition entry and the live partition behind it, if it
 * is in one of the given states. */
static partition *entry(fetcher *f, const char *topic, int32_t pidx, int s1, int s2, fpart **fpp) {
    fpart *fp = fpart_find(f, topic, pidx);
    partition *p = fp ? live_partition(f, fp) : NULL;
    if (!p || (fp->state != s1 && fp->state != s2))
        return NULL;
    *fpp = fp;
    return p;
}

static void mark_failed(fetcher *f, fpart *fp) {
    fp->state = FP_FAILED;
    log_warn(LOGGER, "%sPartition %s-%d marked as failed: leader epoch %d fenced", f->name,
             fp->topic, fp->partition, fp->epoch);
}

/* OffsetForLeaderEpoch v3 partition: truncate where the leader's epoch ends. */
static int epoch_part(fetcher *f, const char *topic, rbuf *rb) {
    int16_t err;
    int32_t pidx, epoch;
    int64_t end;
    rb_read_i16(rb, &err);
    rb_read_i32(rb, &pidx);
    rb_read_i32(rb, &epoch);
    rb_read_i64(rb, &end);
    fpart *fp;
    partition *p = entry(f, topic, pidx, FP_TRUNCATING, FP_TRUNCATING, &fp);
    if (!p)
        return 0;
    if (err == ERR_FENCED_LEADER_EPOCH)
        mark_failed(f, fp);
    else if (err)
        part_backoff(fp);
    else if (truncate_for_epoch(f, p, epoch, end))
        fp->state = FP_FETCHING;
    return 0;
err_parse:
    return -1;
}

/* Kafka's Partition.appendRecordsToFollowerOrFutureReplica: an empty log
 * (end = start) that starts inside the first fetched batch -- it restarted
 * at the leader's log start, which DeleteRecords may put inside a batch --
 * restarts at that batch's base offset, so the batch can be appended. 1 if
 * it did. */
static int restart_at_first_batch(fetcher *f, partition *p, const uint8_t *rec, size_t len) {
    int64_t leo = plog_log_end_offset(p->log), first = -1, last = -1;
    batch_iter it;
    batch_iter_init(&it, rec, len);
    const uint8_t *b;
    size_t blen;
    int magic;
    while (batch_iter_next(&it, &b, &blen, &magic) == 1 && magic >= 2) {
        if (first < 0)
            first = rbh_base_offset(b);
        last = rbh_last_offset(b);
    }
    if (leo != plog_log_start_offset(p->log) || first < 0 || first >= leo || last < leo)
        return 0;
    log_info(LOGGER, "%sUnexpected offset in append to %s-%d. First offset %lld is less than log "
             "start offset %lld. Since this is the first record to be appended to the follower's "
             "log, will start the log from offset %lld.", f->name, p->topic->name, p->id,
             (long long)first, (long long)leo, (long long)first);
    if (plog_truncate_fully_and_start_at(p->log, first) != 0)
        return 0;
    partition_rebuild_producers(p);
    p->hw = first;
    return 1;
}

/* Appends fetched batches; returns 0, or -1 if the partition must retry. */
static int append_fetched(fetcher *f, partition *p, const uint8_t *rec, size_t len) {
    plog_append_info info;
    int rc = plog_append_follower(p->log, rec, len, ae_wall_ms(), &info);
    if (rc != 0 && errno == ERANGE && restart_at_first_batch(f, p, rec, len))
        rc = plog_append_follower(p->log, rec, len, ae_wall_ms(), &info);
    if (rc != 0) {
        log_error(LOGGER, "%sError appending fetched data to %s-%d at offset %lld: %s", f->name,
                  p->topic->name, p->id, (long long)plog_log_end_offset(p->log),
                  strerror(errno));
        return -1;
    }
    /* producer state from the appended batches, so this replica can
     * de-duplicate idempotent retries if it becomes leader */
    batch_iter it;
    batch_iter_init(&it, rec, info.bytes_appended);
    const uint8_t *b;
    size_t blen;
    int magic;
    while (batch_iter_next(&it, &b, &blen, &magic) == 1)
        if (magic >= 2)
            pstate_update(p->producers, b);
    return 0;
}

/* Fetch v11 partition: append, follow the leader's log start and high watermark. */
static int fetch_part(fetcher *f, const char *topic, rbuf *rb) {
    int32_t pidx, naborted, preferred;
    int16_t err;
    int64_t hw, lso, log_start;
    kstr records;
    rb_read_i32(rb, &pidx);
    rb_read_i16(rb, &err);
    rb_read_i64(rb, &hw);
    rb_read_i64(rb, &lso);
    rb_read_i64(rb, &log_start);
    rb_read_i32(rb, &naborted);
    rb_check_count(rb, naborted, 16);
    if (naborted > 0)
        rb_read_skip(rb, (size_t)naborted * 16);
    rb_read_i32(rb, &preferred);
    rb_read_bytes(rb, &records);
    fpart *fp;
    partition *p = entry(f, topic, pidx, FP_FETCHING, FP_FETCHING, &fp);
    if (!p)
        return 0;
    switch (err) {
    case ERR_NONE:
        if (!KSTR_IS_NULL(records) && records.len > 0) {
            if (append_fetched(f, p, (const uint8_t *)records.s, (size_t)records.len) != 0) {
                part_backoff(fp);
                break;
            }
            int64_t behind = hw - plog_log_end_offset(p->log);
            fp->lag = behind > 0 ? behind : 0;
            if (repl_quota_is_throttled(QUOTA_FOLLOWER, p))
                repl_quota_record(QUOTA_FOLLOWER, records.len);
        }
        if (log_start > plog_log_start_offset(p->log) && log_start <= plog_log_end_offset(p->log))
            plog_delete_records(p->log, log_start);
        replica_follower_hw(p, hw);
        break;
    case ERR_OFFSET_OUT_OF_RANGE:
        fp->state = FP_OOR_LATEST;
        break;
    case ERR_FENCED_LEADER_EPOCH:
        mark_failed(f, fp);
        break;
    default: /* NOT_LEADER_FOR_PARTITION, UNKNOWN_LEADER_EPOCH, ... */
        part_backoff(fp);
        break;
    }
    return 0;
err_parse:
    return -1;
}

/* ListOffsets v5 partition, for an out-of-range partition (Kafka's
 * AbstractFetcherThread.fetchOffsetAndTruncate): first the leader's end, then
 * its start. */
static int offsets_part(fetcher *f, const char *topic, rbuf *rb) {
    int32_t pidx, epoch;
    int16_t err;
    int64_t ts, offset;
    rb_read_i32(rb, &pidx);
    rb_read_i16(rb, &err);
    rb_read_i64(rb, &ts);
    rb_read_i64(rb, &offset);
    rb_read_i32(rb, &epoch);
    fpart *fp;
    partition *p = entry(f, topic, pidx, FP_OOR_LATEST, FP_OOR_EARLIEST, &fp);
    if (!p)
        return 0;
    if (err) {
        part_backoff(fp);
        return 0;
    }
    int64_t leo = plog_log_end_offset(p->log);
    if (fp->state == FP_OOR_LATEST) {
        if (offset < leo) {
            log_warn(LOGGER, "%sReset fetch offset for partition %s-%d from %lld to current "
                     "leader %d's latest offset %lld", f->name, topic, pidx, (long long)leo,
                     f->leader_id, (long long)offset);
            truncate_to(f, p, offset);
            fp->state = FP_FETCHING;
        } else {
            fp->state = FP_OOR_EARLIEST;
        }
        return 0;
    }
    if (offset > leo) {
        log_warn(LOGGER, "%sCurrent offset %lld for partition %s-%d is out of range: restarting "
                 "the log at the leader's start offset %lld", f->name, (long long)leo, topic,
                 pidx, (long long)offset);
        plog_truncate_fully_and_start_at(p->log, offset);
        partition_rebuild_producers(p);
        p->hw = offset;
    }
    fp->state = FP_FETCHING;
    return 0;
err_parse:
    return -1;
}

/* Handles a response body of the given API; -1 if it is malformed. */
static int handle_response(fetcher *f, int16_t key, rbuf *rb) {
    int32_t throttle, session_id;
    int16_t top_err;
    rb_read_i32(rb, &throttle);
    if (key == ApiKey_OffsetForLeaderEpoch)
        return walk_topics(f, rb, 18, epoch_part);
    if (key == ApiKey_ListOffsets)
        return walk_topics(f, rb, 26, offsets_part);
    rb_read_i16(rb, &top_err);
    rb_read_i32(rb, &session_id);
    if (top_err) {
        backoff(f);
        return 0;
    }
    return walk_topics(f, rb, 42, fetch_part);
err_parse:
    return -1;
}

static void on_response(void *arg, int err, const uint8_t *body, size_t len) {
    sent *s = arg;
    fetcher *f = owner(s);
    int16_t key = s->api_key;
    free(s);
    if (!f)
        return;
    f->in_flight = 0;
    if (err != KCLIENT_OK) {
        if (err != KCLIENT_ERR_CLOSED)
            log_info(LOGGER, "%sError sending fetch request to node %d (%s:%d): %s", f->name,
                     f->leader_id, f->host, f->port,
                     err == KCLIENT_ERR_TIMEOUT ? "request timed out" : "connection failed");
        backoff(f);
        return;
    }
    rbuf rb;
    rb_init(&rb, body, len);
    if (handle_response(f, key, &rb) != 0) {
        log_warn(LOGGER, "%sMalformed response to %s from node %d", f->name,
                 key == ApiKey_Fetch ? "Fetch" : key == ApiKey_ListOffsets ? "ListOffsets"
                                                                           : "OffsetForLeaderEpoch",
                 f->leader_id);
        backoff(f);
    }
    fetcher_kick(f);
}

/* ------------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------- */
static int leader_address(fetcher *f) {
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == f->leader_id) {
            if (f->kc && (strcmp(f->host, B.nodes[i].host) || f->port != B.nodes[i].port)) {
                kclient_close(f->kc);
                f->kc = NULL;
            }
            snprintf(f->host, sizeof(f->host), "%s", B.nodes[i].host);
            f->port = B.nodes[i].port;
            return 0;
        }
    return -1;
}

/* Groups the partitions in `state` (and not backing off) by topic into
 * the request body: per topic, cb writes each partition. Returns the
 * number of partitions written. */
typedef void part_writer(wbuf *w, partition *p, fpart *fp);
static int write_topics(fetcher *f, wbuf *w, int state, int64_t now, part_writer *wr) {
    size_t count_at = wb_i32(w, 0);
    int ntopics = 0, total = 0;
    char *done = calloc((size_t)(f->nparts > 0 ? f->nparts : 1), 1);
    if (!done)
        abort();
    for (int i = 0; i < f->nparts; i++) {
        fpart *fi = &f->parts[i];
        if (done[i] || fi->state != state || fi->backoff_until > now || fi->held)
            continue;
        wb_cstr(w, fi->topic);
        size_t pcount_at = wb_i32(w, 0);
        int np = 0;
        for (int j = i; j < f->nparts; j++) {
            fpart *fj = &f->parts[j];
            if (done[j] || fj->state != state || fj->backoff_until > now || fj->held ||
                strcmp(fj->topic, fi->topic))
                continue;
            done[j] = 1;
            partition *p = live_partition(f, fj);
            if (!p)
                continue;
            wr(w, p, fj);
            np++;
        }
        wb_put_i32(w, pcount_at, np);
        ntopics++;
        total += np;
    }
    free(done);
    wb_put_i32(w, count_at, ntopics);
    return total;
}

static void write_epoch_part(wbuf *w, partition *p, fpart *fp) {
    wb_i32(w, p->id);
    wb_i32(w, fp->epoch);                  /* current_leader_epoch */
    wb_i32(w, plog_latest_epoch(p->log));  /* leader_epoch */
}

/* The size a fetch reply may have: `max` (replica.fetch.max.bytes for a
 * partition, replica.fetch.response.max.bytes for the whole), but no more
 * than half of what the memory ceiling has left, since the reply is read
 * into memory (at least 64 KiB: the leader sends one whole batch anyway),
 * and no more than half of the largest response kclient accepts (an answer
 * past that would break the connection on every retry and stall us). */
static int32_t fetch_bytes_within_ceiling(int32_t max) {
    size_t room = memlimit_room() / 2;
    if (room > KCLIENT_MAX_RESPONSE / 2)
        room = KCLIENT_MAX_RESPONSE / 2;
    if (room < 65536)
        room = 65536;
    return room < (size_t)max ? (int32_t)room : max;
}

static void write_fetch_part(wbuf *w, partition *p, fpart *fp) {
    wb_i32(w, p->id);
    wb_i32(w, fp->epoch);
    wb_i64(w, plog_log_end_offset(p->log));
    wb_i64(w, plog_log_start_offset(p->log));
    wb_i32(w, fetch_bytes_within_ceiling(B.cfg.replica_fetch_max_bytes));
}

static void write_offsets_part(wbuf *w, partition *p, fpart *fp) {
    wb_i32(w, p->id);
    wb_i32(w, fp->epoch);
    wb_i64(w, fp->state == FP_OOR_LATEST ? -1 : -2); /* latest / earliest */
}

static void send(fetcher *f, int16_t key, int16_t version, wbuf *w, int timeout_ms) {
    if (!f->kc) {
        char client_id[64];
        snprintf(client_id, sizeof(client_id), "broker-%d-fetcher-%d", B.id, f->index);
        f->kc = kclient_new(B.el, f->host, f->port, client_id, B.cfg.replica_socket_timeout_ms,
                            B.cfg.replica_socket_receive_buffer_bytes);
    }
    sent *s = malloc(sizeof(*s));
    if (!s)
        abort();
    s->f = f;
    s->api_key = key;
    f->in_flight = key ? key : -1;
    kclient_send(f->kc, key, version, 0, w, timeout_ms, on_response, s);
}

/* Partitions whose epoch-less log has nothing to ask the leader about
 * truncate to their high watermark at once (pre-KIP-101 behaviour). */
static void truncate_without_epochs(fetcher *f) {
    for (int i = 0; i < f->nparts; i++) {
        fpart *fp = &f->parts[i];
        partition *p = live_partition(f, fp);
        if (p && fp->state == FP_TRUNCATING && plog_latest_epoch(p->log) < 0) {
            truncate_to(f, p, p->hw);
            fp->state = FP_FETCHING;
        }
    }
}

static int any_in(fetcher *f, int state, int64_t now) {
    for (int i = 0; i < f->nparts; i++)
        if (f->parts[i].state == state && f->parts[i].backoff_until <= now && !f->parts[i].held)
            return 1;
    return 0;
}

/* Holds back, for this round, the fetching partitions the follower quota
 * throttles: not in sync, follower-throttled here, quota exceeded. */
static void hold_throttled(fetcher *f) {
    int exceeded = repl_quota_exceeded(QUOTA_FOLLOWER);
    for (int i = 0; i < f->nparts; i++) {
        fpart *fp = &f->parts[i];
        partition *p = exceeded && fp->state == FP_FETCHING && fp->lag != 0 ? live_partition(f, fp)
                                                                          : NULL;
        fp->held = p && repl_quota_is_throttled(QUOTA_FOLLOWER, p);
    }
}

static void fetcher_kick(fetcher *f) {
    if (f->in_flight)
        return;
    prune(f);
    if (f->nparts == 0) {
        fetcher_free(f);
        return;
    }
    int64_t now = ae_mono_ms();
    if (f->backoff_until > now || B.shutting_down)
        return;
    if (leader_address(f) != 0)
        return; /* the leader is not registered (yet): the tick retries */
    if (memlimit_full())
        return; /* no room for a reply under the memory ceiling: the tick retries */
    truncate_without_epochs(f);
    hold_throttled(f);
    wbuf w;
    wb_init(&w, 256);
    int timeout = B.cfg.replica_socket_timeout_ms;
    if (any_in(f, FP_TRUNCATING, now)) {
        wb_i32(&w, B.id); /* replica_id */
        if (write_topics(f, &w, FP_TRUNCATING, now, write_epoch_part) > 0)
            send(f, ApiKey_OffsetForLeaderEpoch, 3, &w, timeout);
    } else if (any_in(f, FP_OOR_LATEST, now) || any_in(f, FP_OOR_EARLIEST, now)) {
        int state = any_in(f, FP_OOR_LATEST, now) ? FP_OOR_LATEST : FP_OOR_EARLIEST;
        wb_i32(&w, B.id);
        wb_i8(&w, 0); /* isolation_level */
        if (write_topics(f, &w, state, now, write_offsets_part) > 0)
            send(f, ApiKey_ListOffsets, 5, &w, timeout);
    } else if (any_in(f, FP_FETCHING, now)) {
        wb_i32(&w, B.id);
        wb_i32(&w, B.cfg.replica_fetch_wait_max_ms);
        wb_i32(&w, B.cfg.replica_fetch_min_bytes);
        wb_i32(&w, fetch_bytes_within_ceiling(B.cfg.replica_fetch_response_max_bytes));
        wb_i8(&w, 0);  /* isolation_level */
        wb_i32(&w, 0); /* session_id: sessionless */
        wb_i32(&w, -1);/* session_epoch: FINAL_EPOCH */
        if (write_topics(f, &w, FP_FETCHING, now, write_fetch_part) > 0) {
            wb_i32(&w, 0);          /* forgotten_topics_data */
            wb_str(&w, "", 0);      /* rack_id */
            send(f, ApiKey_Fetch, 11, &w, timeout + B.cfg.replica_fetch_wait_max_ms);
        }
    }
    wb_free(&w);
}
