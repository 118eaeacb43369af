/* api_producer_id.c -- InitProducerId v0-1 for idempotent producers: a new
 * producer id from this broker's block (reserved in ZooKeeper), epoch 0.
 * Transactions are not offered, so a transactional id is refused. */
#include <stdlib.h>

#include "api.h"
#include "broker.h"
#include "cluster.h"

#define ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED 53

static void write_answer(wbuf *w, int16_t err, int64_t pid) {
    wb_i32(w, 0); /* throttle_time_ms */
    wb_i16(w, err);
    wb_i64(w, err ? -1 : pid);
    wb_i16(w, err ? -1 : 0);
}

static void pid_done(void *arg, int16_t err, int64_t pid) {
    request *rq = arg;
    response rs;
    resp_init(&rs);
    write_answer(&rs.wb, err, pid);
    request_complete(rq, &rs);
}

int handle_InitProducerId(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    kstr transactional_id;
    int32_t transaction_timeout_ms;
    rb_read_str(rb, &transactional_id);
    rb_read_i32(rb, &transaction_timeout_ms);
    if (!KSTR_IS_NULL(transactional_id)) {
        write_answer(&rs->wb, transactional_id.len == 0 ? ERR_INVALID_REQUEST
                                                        : ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                     -1);
        return 0;
    }
    cluster_alloc_producer_id(pid_done, rq);
    resp_free(rs); /* deferred: pid_done answers with a response of its own */
    return 1;
err_parse:
    return -1;
}
