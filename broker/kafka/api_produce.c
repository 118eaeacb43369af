/* api_produce.c -- Produce v0-8: validates each partition's records
 * (CRC-32C, sizes, idempotent sequences), converts message formats v0/v1 to
 * record batches v2, appends them to the partition log and answers with the
 * base offset. acks=0 gets no response, as in Kafka; acks=1 answers after
 * the leader's append; acks=all (-1) first needs min.insync.replicas in the
 * ISR, then waits until the high watermark passes every appended batch
 * (Kafka's DelayedProduce): NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR
 * shrank below the minimum meanwhile, NOT_LEADER_FOR_PARTITION if the
 * leadership moved, REQUEST_TIMED_OUT after the request's timeout. While
 * one waits, the Produce requests after it on its connection are handled
 * (their answers follow its own): a client's pipelined requests share the
 * replication round trips instead of queueing for one each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log_dir_failure.h"
#include "broker.h"
#include "logger.h"
#include "producer.h"
#include "records.h"
#include "replica.h"

#define LOGGER "kafka.server.ReplicaManager"

int16_t metadata_auto_create(kstr name);

typedef struct part_result {
    int16_t error;
    int64_t base_offset;
    int64_t log_append_time;
    int64_t log_start_offset;
    int64_t required_offset; /* acks=all: the high watermark that covers the append */
} part_result;

static int64_t batch_end(int64_t base, const uint8_t *batch) {
    return base + rbh_last_offset_delta(batch) + 1;
}

/* Appends one validated v2 batch (writable, in place). */
static int16_t append_batch(partition *p, uint8_t *batch, size_t blen, part_result *res,
                            int first) {
    int64_t dup;
    int chk = pstate_check(p->producers, batch, &dup);
    if (chk == 1) {
        if (first)
            res->base_offset = dup;
        res->required_offset = batch_end(dup, batch);
        return ERR_NONE;
    }
    if (chk > 1)
        return (int16_t)chk;
    plog_append_info info;
    if (plog_append(p->log, batch, blen, p->leader_epoch, ae_wall_ms(), &info) != 0) {
        log_error(LOGGER, "Error appending to %s-%d", p->topic->name, p->id);
        return ERR_KAFKA_STORAGE_ERROR;
    }
    pstate_update(p->producers, batch);
    res->required_offset = info.last_offset + 1;
    if (first) {
        res->base_offset = info.first_offset;
        res->log_append_time = info.log_append_time;
    }
    return ERR_NONE;
}

static void produce_partition(request *rq, int16_t acks, topic *t, int32_t pidx,
                              const uint8_t *rec, size_t len, part_result *res) {
    int v = rq->api_version;
    partition *p = t ? partition_get(t, pidx) : NULL;
    if (!p) {
        res->error = ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (partition_storage_failed(p)) { /* its log dir is offline */
        res->error = ERR_KAFKA_STORAGE_ERROR;
        return;
    }
    if (!p->log || !partition_is_leader(p) || p->role != REPLICA_LEADER) {
        res->error = ERR_NOT_LEADER_FOR_PARTITION;
        return;
    }
    if (acks == -1 && replica_isr_size(p) < t->cfg.min_insync_replicas) {
        log_error(LOGGER, "[ReplicaManager broker=%d] Error processing append operation on "
                  "partition %s-%d: The size of the current ISR %d is insufficient to satisfy "
                  "the min.isr requirement of %d for partition %s-%d", B.id, t->name, pidx,
                  replica_isr_size(p), t->cfg.min_insync_replicas, t->name, pidx);
        res->error = ERR_NOT_ENOUGH_REPLICAS;
        return;
    }
    res->log_start_offset = plog_log_start_offset(p->log);
    size_t max_msg = (size_t)t->cfg.max_message_bytes;
    size_t max_decomp = max_msg * 16 + (64u << 20);
    char why[160];

    /* First pass: framing, sizes, CRCs, format rules. */
    batch_iter it;
    batch_iter_init(&it, rec, len);
    const uint8_t *b;
    size_t blen;
    int magic, nbatches = 0, legacy = 0, r;
    while ((r = batch_iter_next(&it, &b, &blen, &magic)) == 1) {
        nbatches++;
        if (blen > max_msg) {
            res->error = ERR_MESSAGE_TOO_LARGE;
            return;
        }
        if (magic < 2) {
            legacy = 1;
            continue;
        }
        int vr = batch_validate_v2(b, blen, max_decomp, why, sizeof(why));
        if (vr != BATCH_OK) {
            log_info(LOGGER, "Rejected a batch for %s-%d from %s: %s", t->name, pidx,
                     request_client_host(rq), why);
            res->error = vr == BATCH_ERR_INVALID_RECORD ? ERR_INVALID_RECORD : ERR_CORRUPT_MESSAGE;
            return;
        }
        if (rbh_codec(b) == 4 && v < 7) {
            res->error = ERR_UNSUPPORTED_COMPRESSION_TYPE;
            return;
        }
    }
    if (r < 0 || nbatches == 0) {
        res->error = ERR_CORRUPT_MESSAGE;
        return;
    }
    if (v >= 3 && (legacy || nbatches != 1)) {
        res->error = ERR_INVALID_RECORD;
        return;
    }
    if (legacy) {
        wbuf conv;
        wb_init_metered(&conv, len + 256);
        if (legacy_to_v2(rec, len, ae_wall_ms(), max_decomp, &conv, why, sizeof(why)) != 0) {
            log_info(LOGGER, "Rejected a message set for %s-%d: %s", t->name, pidx, why);
            res->error = ERR_CORRUPT_MESSAGE;
        } else {
            res->error = append_batch(p, conv.data, conv.len, res, 1);
        }
        wb_free(&conv);
        replica_leader_appended(p);
        return;
    }
    /* Second pass: append (records are writable inside the request frame). */
    uint8_t *wrec = rq->frame + (rec - rq->body.p);
    batch_iter_init(&it, wrec, len);
    int first = 1;
    while (batch_iter_next(&it, &b, &blen, &magic) == 1) {
        res->error = append_batch(p, (uint8_t *)b, blen, res, first);
        if (res->error)
            break;
        first = 0;
    }
    replica_leader_appended(p);
}

/* ------------------------------------------------------------------------
 * acks=all: a produce waiting for its partitions' high watermarks
 * ---------------------------------------------------------------------- */
typedef struct produce_wait produce_wait;
typedef struct wait_part {
    produce_wait *pw;
    size_t error_at; /* where the partition's error code is in the response */
    partition *p;    /* until registered (the handler's own pass) */
    int64_t required_offset;
} wait_part;

struct produce_wait {
    request *rq;
    response rs;
    wait_part *parts;
    int nparts, cap;
    int left; /* partitions not settled yet */
};

static void wait_free(produce_wait *pw) {
    free(pw->parts);
    free(pw);
}

static void part_settled(void *arg, int16_t err) {
    wait_part *wp = arg;
    produce_wait *pw = wp->pw;
    wb_put_i16(&pw->rs.wb, wp->error_at, err);
    if (--pw->left > 0)
        return;
    request_complete(pw->rq, &pw->rs);
    wait_free(pw);
}

int handle_Produce(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    kstr transactional_id = {NULL, -1};
    produce_wait *pw = NULL;
    int16_t acks;
    int32_t timeout_ms, ntopics;
    if (v >= 3)
        rb_read_str(rb, &transactional_id);
    rb_read_i16(rb, &acks);
    rb_read_i32(rb, &timeout_ms);
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);

    wbuf *w = &rs->wb;
    wb_i32(w, ntopics);
    int any_appended = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t nparts;
        api_read_echo_topic(rb, w, &name, &nparts, 8);
        topic *t = topic_find_served(name);
        for (int32_t j = 0; j < nparts; j++) {
            int32_t pidx;
            kstr records;
            rb_read_i32(rb, &pidx);
            rb_read_bytes(rb, &records);
            part_result res = {ERR_NONE, -1, -1, -1, -1};
            if (!KSTR_IS_NULL(transactional_id))
                res.error = ERR_INVALID_REQUEST; /* transactions are not offered */
            else if (acks != 0 && acks != 1 && acks != -1)
                res.error = ERR_INVALID_REQUIRED_ACKS;
            else if (KSTR_IS_NULL(records))
                res.error = ERR_CORRUPT_MESSAGE;
            else if (!t)
                res.error = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else
                produce_partition(rq, acks, t, pidx, (const uint8_t *)records.s,
                                  (size_t)records.len, &res);
            any_appended |= res.error == ERR_NONE;
            wb_i32(w, pidx);
            size_t error_at = wb_i16(w, res.error);
            if (acks == -1 && res.error == ERR_NONE && res.required_offset >= 0) {
                if (!pw) {
                    pw = calloc(1, sizeof(*pw));
                    if (!pw)
                        abort();
                }
                if (pw->nparts == pw->cap) {
                    pw->cap = pw->cap ? pw->cap * 2 : 4;
                    pw->parts = realloc(pw->parts, (size_t)pw->cap * sizeof(wait_part));
                    if (!pw->parts)
                        abort();
                }
                pw->parts[pw->nparts++] =
                    (wait_part){pw, error_at, partition_get(t, pidx), res.required_offset};
            }
            wb_i64(w, res.base_offset);
            if (v >= 2)
                wb_i64(w, res.log_append_time);
            if (v >= 5)
                wb_i64(w, res.log_start_offset);
            if (v >= 8) {
                wb_i32(w, 0);     /* record_errors */
                wb_str(w, NULL, -1); /* error_message */
            }
        }
    }
    if (v >= 1)
        wb_i32(w, 0); /* throttle_time_ms */
    if (any_appended)
        fetch_wakeup();
    if (pw) {
        /* wait for the partitions not replicated yet (the parts array is
         * complete now: waiters keep pointers into it) */
        pw->rq = rq;
        pw->left = 1; /* held until every partition is registered */
        for (int i = 0; i < pw->nparts; i++) {
            wait_part *wp = &pw->parts[i];
            pw->left++;
            if (replica_wait_replicated(wp->p, wp->required_offset,
                                        wp->p->topic->cfg.min_insync_replicas, timeout_ms,
                                        part_settled, wp))
                pw->left--; /* already replicated */
        }
        if (--pw->left == 0) {
            wait_free(pw);
            return 0;
        }
        pw->rs = *rs; /* the response now belongs to the waiting produce */
        /* the records are in the log and the response is built: the
         * connection may go on with the next Produce meanwhile */
        request_release_frame(rq);
        return 1;
    }
    return acks == 0 ? 2 : 0;
err_parse:
    if (pw)
        wait_free(pw);
    return -1;
}
