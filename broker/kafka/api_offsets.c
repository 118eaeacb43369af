/* api_offsets.c -- ListOffsets v0-5: earliest (-2), latest (-1) and by
 * timestamp through the time index. Consumers (replica_id < 0) see the log
 * up to the high watermark; followers up to its end. */
#include "api.h"
#include "broker.h"
#include "replica.h"

#define LATEST_TIMESTAMP -1
#define EARLIEST_TIMESTAMP -2

int handle_ListOffsets(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    int32_t replica_id, ntopics;
    int8_t isolation_level = 0;
    rb_read_i32(rb, &replica_id);
    if (v >= 2)
        rb_read_i8(rb, &isolation_level);
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);
    wbuf *w = &rs->wb;
    if (v >= 2)
        wb_i32(w, 0); /* throttle_time_ms */
    wb_i32(w, ntopics);
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t nparts;
        api_read_echo_topic(rb, w, &name, &nparts, 12);
        topic *t = topic_find_served(name);
        for (int32_t j = 0; j < nparts; j++) {
            int32_t pidx, current_leader_epoch = -1, max_num_offsets = 1;
            int64_t ts;
            rb_read_i32(rb, &pidx);
            if (v >= 4)
                rb_read_i32(rb, &current_leader_epoch);
            rb_read_i64(rb, &ts);
            if (v == 0)
                rb_read_i32(rb, &max_num_offsets);
            partition *p = t ? partition_get(t, pidx) : NULL;
            int16_t err = ERR_NONE;
            int64_t off = -1, found_ts = -1;
            if (!p)
                err = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (!p->log || !partition_is_leader(p))
                err = ERR_NOT_LEADER_FOR_PARTITION;
            else if ((err = replica_check_epoch(p, current_leader_epoch)))
                ;
            else if (ts == LATEST_TIMESTAMP && replica_id >= 0)
                off = plog_log_end_offset(p->log);
            else if (ts == LATEST_TIMESTAMP && p->leader_epoch_start > p->hw)
                err = ERR_OFFSET_NOT_AVAILABLE; /* KIP-207: a new leader's HW is not known yet */
            else if (ts == LATEST_TIMESTAMP)
                off = p->hw;
            else if (ts == EARLIEST_TIMESTAMP)
                off = plog_log_start_offset(p->log);
            else if (ts < 0)
                err = ERR_INVALID_REQUEST;
            else if (plog_offset_for_timestamp(p->log, ts, &off, &found_ts) != 0 ||
                     (replica_id < 0 && off >= p->hw))
                off = found_ts = -1;
            wb_i32(w, pidx);
            wb_i16(w, err);
            if (v == 0) {
                int n = err || off < 0 || max_num_offsets < 1 ? 0 : 1;
                wb_i32(w, n);
                if (n)
                    wb_i64(w, off);
            } else {
                wb_i64(w, found_ts);
                wb_i64(w, off);
                if (v >= 4)
                    wb_i32(w, p && !err ? p->leader_epoch : -1);
            }
        }
    }
    return 0;
err_parse:
    return -1;
}
