/* controlled_shutdown.c -- a stopping broker hands its leaderships over
 * before it closes (Kafka's KafkaServer.controlledShutdown): it stops its
 * fetchers, asks the controller with ControlledShutdown v3 (broker id and
 * epoch) and is done when the answer names no partition it still leads;
 * otherwise it retries after controlled.shutdown.retry.backoff.ms, up to
 * controlled.shutdown.max.retries times, then shuts down anyway. All on the
 * event loop: the broker keeps serving (acks=all produces complete, clients
 * learn the new leaders) while it waits. */
#include "controlled_shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetcher.h"
#include "kclient.h"
#include "logger.h"
#include "proto.h"

#define LOGGER "kafka.server.KafkaServer"

static kclient *kc;
static int attempts_left;
static int finished;
static int waiting; /* a request or a backoff is under way */

static void attempt(void);

static void finish(const char *how) {
    log_info(LOGGER, "[KafkaServer id=%d] %s", B.id, how);
    finished = 1;
    kclient_close(kc);
    kc = NULL;
}

static int retry_timer(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    (void)arg;
    waiting = 0;
    attempt();
    return AE_NOMORE;
}

static void failed_attempt(const char *why) {
    log_warn(LOGGER, "[KafkaServer id=%d] Retrying controlled shutdown after the previous "
             "attempt failed... (%s)", B.id, why);
    if (--attempts_left <= 0) {
        finish("Proceeding to do an unclean shutdown as all the controlled shutdown attempts "
               "failed");
        return;
    }
    waiting = 1;
    aeCreateTimeEvent(B.el, B.cfg.controlled_shutdown_retry_backoff_ms, retry_timer, NULL);
}

static void on_answer(void *arg, int err, const uint8_t *body, size_t len) {
    (void)arg;
    waiting = 0;
    if (finished)
        return;
    if (err != KCLIENT_OK) {
        kclient_close(kc);
        kc = NULL;
        failed_attempt(err == KCLIENT_ERR_TIMEOUT ? "request timed out" : "connection failed");
        return;
    }
    rbuf rb;
    rb_init(&rb, body, len);
    int16_t error_code;
    int32_t nremaining; /* remaining_partitions: name, partition_index, tags */
    if (rb_get_i16(&rb, &error_code) || rb_get_compact_count(&rb, &nremaining, 6)) {
        failed_attempt("malformed ControlledShutdown response");
        return;
    }
    if (error_code) {
        char why[64];
        snprintf(why, sizeof(why), "error code %d", error_code);
        failed_attempt(why);
        return;
    }
    if (nremaining <= 0) {
        finish("Controlled shutdown succeeded");
        return;
    }
    char list[1024];
    size_t at = 0;
    list[0] = 0;
    for (int32_t i = 0; i < nremaining; i++) {
        kstr name;
        int32_t partition;
        if (rb_get_cmpstr(&rb, &name) || rb_get_i32(&rb, &partition) || rb_skip_tags(&rb))
            break;
        if (at < sizeof(list))
            at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%.*s-%d", i ? "," : "",
                                   KSTR_PR(name), partition);
    }
    log_info(LOGGER, "[KafkaServer id=%d] Remaining partitions to move: %s", B.id, list);
    failed_attempt("leaderships remain");
}

static void attempt(void) {
    if (finished || waiting)
        return;
    const struct broker_node *ctrl = NULL;
    for (int i = 0; i < B.nnodes; i++)
        if (B.nodes[i].id == B.controller_id)
            ctrl = &B.nodes[i];
    if (!ctrl || !B.registered) {
        failed_attempt("no controller known");
        return;
    }
    kclient_close(kc);
    char client_id[64];
    snprintf(client_id, sizeof(client_id), "%d", B.id);
    kc = kclient_new(B.el, ctrl->host, ctrl->port, client_id, B.cfg.controller_socket_timeout_ms,
                     -1);
    wbuf w;
    wb_init(&w, 32);
    wb_i32(&w, B.id);
    wb_i64(&w, B.broker_epoch);
    wb_uvarint(&w, 0); /* tagged fields */
    log_info(LOGGER, "[KafkaServer id=%d] Starting controlled shutdown: asking controller %d",
             B.id, ctrl->id);
    waiting = 1;
    kclient_send(kc, ApiKey_ControlledShutdown, 3, 1, &w, B.cfg.controller_socket_timeout_ms,
                 on_answer, NULL);
    wb_free(&w);
}

void controlled_shutdown_start(void) {
    B.leaving = 1;
    fetcher_shutdown();
    attempts_left = B.cfg.controlled_shutdown_max_retries > 0 ? B.cfg.controlled_shutdown_max_retries
                                                              : 1;
    log_info(LOGGER, "[KafkaServer id=%d] Starting controlled shutdown", B.id);
    attempt();
}

int controlled_shutdown_done(void) { return finished; }
