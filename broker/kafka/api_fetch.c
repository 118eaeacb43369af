/* api_fetch.c -- Fetch v0-11 with long polling.
 *
 * A fetch gathers, per requested partition, whole batches from the log
 * (served by sendfile(2) from the segment file), within partition_max_bytes
 * and the response's max_bytes, returning at least one batch even when it
 * is larger (the first partition with data). If fewer than min_bytes are
 * available it waits, up to max_wait_ms, for appends to wake it up.
 * Fetch v0-3 get what those versions can read, as Kafka down-converts:
 * magic-0 messages (v0-1) or magic-1 messages (v2-3), copied inline.
 * Those copies are memory: each partition's share is also bounded by a
 * quarter of what the -Xmx ceiling has left (the file's bytes and the
 * converted messages), and when not even one batch fits the partition
 * answers no records for now (the consumer asks again; nothing is lost).
 *
 * Consumers read below the high watermark; followers (replica_id >= 0)
 * read up to the log end, and their fetch offset tells the leader how far
 * they are (replica.c), once, when the request arrives. A follower out of
 * the ISR gets no records of a leader-throttled partition while the leader
 * quota is exceeded (repl_quota.h); the bytes of throttled partitions a
 * response carries count against that quota when it is sent. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "log_dir_failure.h"
#include "broker.h"
#include "logger.h"
#include "memlimit.h"
#include "records.h"
#include "repl_quota.h"
#include "replica.h"

typedef struct fetch_part {
    int32_t partition;
    int32_t current_leader_epoch;
    int64_t fetch_offset;
    int32_t max_bytes;
} fetch_part;

typedef struct fetch_topic {
    char *name;
    int nparts;
    fetch_part *parts;
} fetch_topic;

typedef struct fetch_req {
    request *rq;
    int32_t replica_id;
    int32_t max_wait_ms, min_bytes, max_bytes;
    int8_t isolation_level;
    int ntopics;
    fetch_topic *topics;
    int64_t throttled_bytes; /* of leader-throttled partitions, in the last build */
    long long timer_id;
    struct fetch_req *next;
} fetch_req;

static fetch_req *waiting;

static void fetch_req_free(fetch_req *f) {
    for (int i = 0; i < f->ntopics; i++) {
        free(f->topics[i].name);
        free(f->topics[i].parts);
    }
    free(f->topics);
    free(f);
}

/* Writes the records of rr as legacy messages of the given magic (the
 * size-prefixed "records" field); closes rr.fd. Returns the bytes written.
 * The file is read one batch at a time, and no batch is started once
 * `budget` bytes are written (the first always is): the memory it takes is
 * about the budget plus one batch, charged to the ceiling. */
static int64_t down_convert(wbuf *w, plog_read_result *rr, int magic, size_t budget) {
    size_t at = wb_i32(w, 0);
    size_t start = w->len;
    /* room for what the records become (legacy messages are a little
     * larger than their v2 records), taken at once: no doubling copies */
    wb_reserve_exact(w, (size_t)rr->len + (size_t)rr->len / 4 + 1024);
    uint8_t *buf = NULL;
    size_t cap = 0;
    off_t pos = rr->file_pos, end = rr->file_pos + rr->len;
    while (end - pos >= RB_LOG_OVERHEAD && (w->len == start || w->len - start < budget)) {
        uint8_t head[RB_LOG_OVERHEAD];
        if (pread(rr->fd, head, sizeof head, pos) != (ssize_t)sizeof head)
            break;
        int32_t size = (int32_t)be32_get(head + RBH_LENGTH);
        if (size <= 0 || size > end - pos - RB_LOG_OVERHEAD)
            break;
        size_t blen = RB_LOG_OVERHEAD + (size_t)size;
        if (blen > cap) {
            uint8_t *n = realloc(buf, blen);
            if (!n)
                abort();
            memlimit_charge(blen - cap);
            buf = n;
            cap = blen;
        }
        if (pread(rr->fd, buf, blen, pos) != (ssize_t)blen ||
            batch_down_convert(buf, blen, magic, (size_t)256 << 20, w) < 0)
            break;
        pos += (off_t)blen;
    }
    free(buf);
    memlimit_release(cap);
    close(rr->fd);
    rr->fd = -1;
    wb_put_i32(w, at, (int32_t)(w->len - start));
    return (int64_t)(w->len - start);
}

/* A down-converted partition's byte limit within the memory ceiling (see
 * the top of the file); logs, at most once a minute, when it cuts one. */
static int32_t down_convert_limit(const fetch_req *f, int32_t limit, int *min_one) {
    static int64_t last_log_ms = -60000;
    size_t room = memlimit_room() / 4;
    if (room >= (size_t)limit)
        return limit;
    *min_one = 0;
    if (ae_mono_ms() - last_log_ms >= 60000) {
        char r[32], l[32];
        last_log_ms = ae_mono_ms();
        log_warn("kafka.server.KafkaApis",
                 "Fetch v%d from %s is down-converted in memory: its records are cut to %s, "
                 "what the memory ceiling (%s, KAFKA_HEAP_OPTS) leaves for them",
                 f->rq->api_version, request_client_host(f->rq), memlimit_human(room, r, sizeof(r)),
                 memlimit_human(memlimit_limit(), l, sizeof(l)));
    }
    return (int32_t)room;
}

/* Builds the response; returns the number of record bytes it holds, or -1
 * if some partition had an error (then it is answered at once). */
static int64_t fetch_build(fetch_req *f, response *rs) {
    int v = f->rq->api_version;
    wbuf *w = &rs->wb;
    int64_t total = 0;
    int errors = 0;
    f->throttled_bytes = 0;
    if (v >= 1)
        wb_i32(w, 0); /* throttle_time_ms */
    if (v >= 7) {
        wb_i16(w, ERR_NONE);
        wb_i32(w, 0); /* session_id: sessionless */
    }
    wb_i32(w, f->ntopics);
    for (int i = 0; i < f->ntopics; i++) {
        fetch_topic *ft = &f->topics[i];
        topic *t = topic_find(ft->name);
        if (t && t->deleting)
            t = NULL;
        wb_cstr(w, ft->name);
        wb_i32(w, ft->nparts);
        for (int j = 0; j < ft->nparts; j++) {
            fetch_part *fp = &ft->parts[j];
            partition *p = t ? partition_get(t, fp->partition) : NULL;
            int16_t err = ERR_NONE;
            int64_t hw = -1, lso = -1, lstart = -1;
            int32_t limit = 0;
            plog_read_result rr = {-1, 0, 0};
            if (!p)
                err = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (partition_storage_failed(p)) /* its log dir is offline */
                err = ERR_KAFKA_STORAGE_ERROR;
            else if (!p->log || !partition_is_leader(p))
                err = ERR_NOT_LEADER_FOR_PARTITION;
            else if ((err = replica_check_epoch(p, fp->current_leader_epoch)))
                ;
            else if (f->replica_id >= 0 && repl_quota_leader_should_throttle(p, f->replica_id)) {
                hw = lso = p->hw; /* throttled: no records this time */
                lstart = plog_log_start_offset(p->log);
            } else {
                hw = lso = p->hw;
                lstart = plog_log_start_offset(p->log);
                int64_t upto = f->replica_id >= 0 ? INT64_MAX : p->hw;
                int64_t room = v >= 3 ? (int64_t)f->max_bytes - total : INT32_MAX;
                limit = fp->max_bytes;
                if (room < limit)
                    limit = room > 0 ? (int32_t)room : 0;
                int min_one = total == 0 && (v < 3 || f->max_bytes > 0);
                if (v < 4)
                    limit = down_convert_limit(f, limit, &min_one);
                int r = plog_read_bounded(p->log, fp->fetch_offset, upto, limit, min_one, &rr);
                if (r == 1)
                    err = ERR_OFFSET_OUT_OF_RANGE;
                else if (r < 0)
                    err = ERR_KAFKA_STORAGE_ERROR;
            }
            if (err)
                errors = 1;
            wb_i32(w, fp->partition);
            wb_i16(w, err);
            wb_i64(w, hw);
            if (v >= 4)
                wb_i64(w, lso);
            if (v >= 5)
                wb_i64(w, lstart);
            if (v >= 4)
                wb_i32(w, 0); /* aborted_transactions: none */
            if (v >= 11)
                wb_i32(w, -1); /* preferred_read_replica */
            if (!err && rr.len > 0 && v < 4) {
                total += down_convert(w, &rr, v <= 1 ? 0 : 1, (size_t)limit);
            } else if (!err && rr.len > 0) {
                wb_i32(w, rr.len);
                resp_add_file(rs, rr.fd, rr.file_pos, (size_t)rr.len);
                total += rr.len;
                if (f->replica_id >= 0 && repl_quota_is_throttled(QUOTA_LEADER, p))
                    f->throttled_bytes += rr.len;
            } else {
                if (rr.fd >= 0)
                    close(rr.fd);
                wb_i32(w, 0);
            }
        }
    }
    return errors ? -1 : total;
}

/* The response built last is on its way: its throttled bytes count
 * (ReplicationQuotaManager.record, after the quota was checked). */
static void fetch_sent(fetch_req *f) {
    if (f->throttled_bytes > 0)
        repl_quota_record(QUOTA_LEADER, f->throttled_bytes);
    fetch_req_free(f);
}

static void fetch_finish(fetch_req *f) {
    response rs;
    resp_init(&rs);
    fetch_build(f, &rs);
    request_complete(f->rq, &rs);
    fetch_sent(f);
}

static void unlink_waiting(fetch_req *f) {
    for (fetch_req **pp = &waiting; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            return;
        }
}

static int fetch_timeout(aeEventLoop *el, long long id, void *cd) {
    (void)el;
    (void)id;
    fetch_req *f = cd;
    unlink_waiting(f);
    fetch_finish(f);
    return AE_NOMORE;
}

/* A follower's fetch offsets are its log end offsets (Kafka's
 * updateFollowerFetchState), recorded when the request arrives. */
static void note_follower_fetch(fetch_req *f) {
    for (int i = 0; i < f->ntopics; i++) {
        topic *t = topic_find(f->topics[i].name);
        if (!t || t->deleting)
            continue;
        for (int j = 0; j < f->topics[i].nparts; j++) {
            fetch_part *fp = &f->topics[i].parts[j];
            partition *p = partition_get(t, fp->partition);
            if (p && partition_is_leader(p) && !replica_check_epoch(p, fp->current_leader_epoch))
                replica_follower_fetch(p, f->replica_id, fp->fetch_offset);
        }
    }
}

int handle_Fetch(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    fetch_req *f = calloc(1, sizeof(*f));
    if (!f)
        abort();
    f->rq = rq;
    f->max_bytes = INT32_MAX;
    int32_t ntopics;
    rb_read_i32(rb, &f->replica_id);
    rb_read_i32(rb, &f->max_wait_ms);
    rb_read_i32(rb, &f->min_bytes);
    if (v >= 3)
        rb_read_i32(rb, &f->max_bytes);
    if (v >= 4)
        rb_read_i8(rb, &f->isolation_level);
    if (v >= 7) {
        int32_t session_id, session_epoch;
        rb_read_i32(rb, &session_id);
        rb_read_i32(rb, &session_epoch);
    }
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);
    f->topics = calloc((size_t)(ntopics > 0 ? ntopics : 1), sizeof(fetch_topic));
    if (!f->topics)
        abort();
    for (int32_t i = 0; i < ntopics; i++) {
        fetch_topic *ft = &f->topics[i];
        kstr name;
        int32_t nparts;
        rb_read_str(rb, &name);
        if (KSTR_IS_NULL(name))
            goto err_parse;
        rb_read_i32(rb, &nparts);
        rb_check_count_nn(rb, nparts, 16);
        ft->name = kstr_dup(name);
        ft->parts = calloc((size_t)(nparts > 0 ? nparts : 1), sizeof(fetch_part));
        if (!ft->parts)
            abort();
        f->ntopics = i + 1;
        for (int32_t j = 0; j < nparts; j++) {
            fetch_part *fp = &ft->parts[j];
            rb_read_i32(rb, &fp->partition);
            fp->current_leader_epoch = -1;
            if (v >= 9)
                rb_read_i32(rb, &fp->current_leader_epoch);
            rb_read_i64(rb, &fp->fetch_offset);
            if (v >= 5) {
                int64_t log_start_offset;
                rb_read_i64(rb, &log_start_offset);
            }
            rb_read_i32(rb, &fp->max_bytes);
            ft->nparts = j + 1;
        }
    }
    if (v >= 7) {
        int32_t nforgotten;
        rb_read_i32(rb, &nforgotten);
        rb_check_count_nn(rb, nforgotten, 6);
        for (int32_t i = 0; i < nforgotten; i++) {
            kstr name;
            int32_t n;
            rb_read_str(rb, &name);
            rb_read_i32(rb, &n);
            rb_check_count_nn(rb, n, 4);
            rb_read_skip(rb, (size_t)n * 4);
        }
    }
    if (v >= 11) {
        kstr rack_id;
        rb_read_str(rb, &rack_id);
    }

    if (f->replica_id >= 0)
        note_follower_fetch(f);
    int64_t got = fetch_build(f, rs);
    if (got < 0 || got >= f->min_bytes || f->max_wait_ms <= 0 || B.shutting_down) {
        fetch_sent(f);
        return 0;
    }
    /* Not enough data: wait for appends or the deadline. */
    resp_free(rs);
    f->next = waiting;
    waiting = f;
    f->timer_id = aeCreateTimeEvent(B.el, f->max_wait_ms, fetch_timeout, f);
    return 1;

err_parse:
    fetch_req_free(f);
    return -1;
}

static int wake_pending;

/* Called by appends: the waiting fetches are re-evaluated before the event
 * loop sleeps, never from inside another request's handler. */
void fetch_wakeup(void) { wake_pending = 1; }

void fetch_before_sleep(void) {
    if (!wake_pending)
        return;
    wake_pending = 0;
    fetch_req **pp = &waiting;
    while (*pp) {
        fetch_req *f = *pp;
        response rs;
        resp_init(&rs);
        int64_t got = fetch_build(f, &rs);
        if (got < 0 || got >= f->min_bytes || !request_conn_alive(f->rq)) {
            *pp = f->next;
            aeDeleteTimeEvent(B.el, f->timer_id);
            request_complete(f->rq, &rs);
            fetch_sent(f);
            continue;
        }
        resp_free(&rs);
        pp = &f->next;
    }
}

/* Shutdown: answer every waiting fetch with what there is. */
void fetch_abort_all(void) {
    while (waiting) {
        fetch_req *f = waiting;
        waiting = f->next;
        aeDeleteTimeEvent(B.el, f->timer_id);
        fetch_finish(f);
    }
}
