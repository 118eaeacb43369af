/* api_replication.c -- the server side of the inter-broker requests of
 * replication. OffsetForLeaderEpoch v0-3 (KIP-101/279/320): a leader tells
 * a follower (or a KIP-320 consumer) where a leader epoch of its log ends,
 * from the leader-epoch cache (Kafka's LeaderEpochFileCache.endOffsetFor).
 * ControlledShutdown v1-3: the controller moves a stopping broker's
 * leaderships (cluster.c) and answers with what it still leads. */
#include "api.h"
#include "broker.h"
#include "cluster.h"
#include "replica.h"

int handle_OffsetForLeaderEpoch(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    int32_t replica_id = -2, ntopics;
    if (v >= 3)
        rb_read_i32(rb, &replica_id);
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);
    wbuf *w = &rs->wb;
    if (v >= 2)
        wb_i32(w, 0); /* throttle_time_ms */
    wb_i32(w, ntopics);
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t nparts;
        int part_size = v >= 2 ? 12 : 8;
        api_read_echo_topic(rb, w, &name, &nparts, part_size);
        topic *t = topic_find_served(name);
        for (int32_t j = 0; j < nparts; j++) {
            int32_t pidx, current_leader_epoch = -1, leader_epoch;
            rb_read_i32(rb, &pidx);
            if (v >= 2)
                rb_read_i32(rb, &current_leader_epoch);
            rb_read_i32(rb, &leader_epoch);
            partition *p = t ? partition_get(t, pidx) : NULL;
            int16_t err = ERR_NONE;
            int32_t end_epoch = -1;
            int64_t end_offset = -1;
            if (!p)
                err = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (!p->log || !partition_is_leader(p))
                err = ERR_NOT_LEADER_FOR_PARTITION;
            else if ((err = replica_check_epoch(p, current_leader_epoch)) == ERR_NONE)
                plog_end_offset_for_epoch(p->log, leader_epoch, &end_epoch, &end_offset);
            wb_i16(w, err);
            wb_i32(w, pidx);
            if (v >= 1)
                wb_i32(w, end_epoch);
            wb_i64(w, end_offset);
        }
    }
    (void)replica_id;
    return 0;
err_parse:
    return -1;
}

/* ControlledShutdown v1-3 (v3 flexible): answered by the controller once
 * the broker's leaderships have moved (cluster.c). */
static void shutdown_answered(void *arg, int16_t error_code, const wbuf *remaining, int n) {
    request *rq = arg;
    int flex = rq->api_version >= 3;
    response rs;
    resp_init(&rs);
    wbuf *w = &rs.wb;
    wb_i16(w, error_code);
    if (flex)
        wb_uvarint(w, (uint64_t)n + 1);
    else
        wb_i32(w, n);
    rbuf rb;
    rb_init(&rb, remaining ? remaining->data : NULL, remaining ? remaining->len : 0);
    for (int i = 0; i < n; i++) {
        kstr name;
        int32_t partition;
        if (rb_get_str(&rb, &name) || rb_get_i32(&rb, &partition))
            break;
        if (flex) {
            wb_cmpstr(w, name.s, name.len);
            wb_i32(w, partition);
            wb_uvarint(w, 0);
        } else {
            wb_str(w, name.s, name.len);
            wb_i32(w, partition);
        }
    }
    if (flex)
        wb_uvarint(w, 0);
    request_complete(rq, &rs);
}

int handle_ControlledShutdown(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int32_t broker_id;
    int64_t broker_epoch = -1;
    rb_read_i32(rb, &broker_id);
    if (rq->api_version >= 2)
        rb_read_i64(rb, &broker_epoch);
    if (rq->api_version >= 3)
        rb_read_tags(rb);
    resp_free(rs); /* the answer is written whole by shutdown_answered */
    cluster_controlled_shutdown(broker_id, broker_epoch, shutdown_answered, rq);
    return 1;
err_parse:
    return -1;
}
