/* isr_change.c -- /isr_change_notification, as Kafka 2.5 uses it.
 *
 * Leader side: every ISR change this broker writes to a partition's state
 * znode is remembered; the cron looks every 2.5 s and, once no change came
 * for 5 s or the oldest has waited 60 s (ReplicaManager's
 * maybePropagateIsrChanges), writes one sequential znode
 * /isr_change_notification/isr_change_NNNNNNNNNN listing them:
 *   {"version":1,"partitions":[{"topic":"t","partition":0},...]}
 * Controller side: it watches the children, re-reads the listed partitions'
 * states (the view the metadata of every broker comes from) and deletes each
 * notification it has processed, as Kafka's IsrChangeNotification event does.
 * A controller that reads a notification it cannot parse deletes it too
 * (Kafka logs and drops such a znode). */
#include "isr_change.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "json.h"
#include "logger.h"
#include "zk_notifications.h"

#define CHECK_INTERVAL_MS 2500 /* ReplicaManager's isr-change-propagation task */
#define BLACKOUT_MS 5000       /* IsrChangePropagationBlackOut */
#define MAX_DELAY_MS 60000     /* IsrChangePropagationInterval */
#define NOTIFICATION_DIR "/isr_change_notification"
#define NOTIFICATION_PREFIX NOTIFICATION_DIR "/isr_change_"

/* ------------------------------------------------------------------------
 * Leader side: the changes not yet propagated
 * ---------------------------------------------------------------------- */
static part_ref **pending;
static int npending, cap_pending;
static int64_t last_change_ms, last_propagation_ms, last_check_ms;

void isr_change_record(const char *topic, int32_t partition, int64_t now_ms) {
    for (int i = 0; i < npending; i++)
        if (pending[i]->partition == partition && !strcmp(pending[i]->topic, topic)) {
            last_change_ms = now_ms;
            return;
        }
    if (npending == cap_pending) {
        cap_pending = cap_pending ? cap_pending * 2 : 16;
        pending = realloc(pending, (size_t)cap_pending * sizeof(*pending));
        if (!pending)
            abort();
    }
    pending[npending++] = part_ref_new(topic, partition);
    last_change_ms = now_ms;
}

/* The partitions of one notification being written. */
typedef struct notification_write {
    part_ref **refs;
    int n;
} notification_write;

/* A failed write (refused before sending too: no session now) puts its
 * partitions back for the next round. */
static void notification_written_cb(int rc, const char *path, void *arg) {
    notification_write *nw = arg;
    if (rc != ZOK)
        log_warn(LOG_ZK, "Failed to write an ISR change notification: %s", zk_error_name(rc));
    else
        log_debug(LOG_ZK, "Wrote ISR change notification %s", path ? path : "");
    for (int i = 0; i < nw->n; i++) {
        if (rc != ZOK)
            isr_change_record(nw->refs[i]->topic, nw->refs[i]->partition, ae_mono_ms());
        part_ref_free(nw->refs[i]);
    }
    free(nw->refs);
    free(nw);
}

/* Writes the notification; the partitions sent leave the set (a failed
 * write puts them back). Kafka writes one znode per set (its size is
 * bounded by the partitions a broker leads); the JSON stays far below
 * jute.maxbuffer for any set a broker of this size leads. */
static void propagate(void) {
    wbuf w;
    wb_init(&w, 64 + (size_t)npending * 48);
    wbuf_printf(&w, "{\"version\":1,\"partitions\":[");
    for (int i = 0; i < npending; i++) {
        wbuf_printf(&w, "%s{\"topic\":", i ? "," : "");
        json_write_str(&w, pending[i]->topic);
        wbuf_printf(&w, ",\"partition\":%d}", pending[i]->partition);
    }
    wbuf_printf(&w, "]}");
    notification_write *nw = malloc(sizeof(*nw));
    if (!nw)
        abort();
    nw->refs = pending;
    nw->n = npending;
    pending = NULL;
    npending = cap_pending = 0;
    zkc_create(cluster_zk, NOTIFICATION_PREFIX, w.data, (int)w.len,
               ZKC_PERSISTENT | ZKC_SEQUENCE, notification_written_cb, nw);
    wb_free(&w);
}

void isr_change_periodic(int64_t now_ms) {
    if (now_ms - last_check_ms < CHECK_INTERVAL_MS)
        return;
    last_check_ms = now_ms;
    if (!npending || !cluster_zk)
        return;
    if (now_ms - last_change_ms >= BLACKOUT_MS || now_ms - last_propagation_ms >= MAX_DELAY_MS) {
        propagate();
        last_propagation_ms = now_ms;
    }
}

/* ------------------------------------------------------------------------
 * Controller side
 * ---------------------------------------------------------------------- */
/* Re-reads each listed partition's state; returns how many were listed, or
 * -1 when the JSON is not a version 1 notification. */
static int reread_listed(const char *data, int len) {
    json *j = data && len > 0 ? json_parse(data, (size_t)len) : NULL;
    const json *parts = json_get(j, "partitions");
    int64_t version = 0;
    int n = -1;
    if (json_int(json_get(j, "version"), &version) == 0 && version == 1 && parts &&
        parts->type == JSON_ARRAY) {
        n = 0;
        for (int i = 0; i < parts->n; i++) {
            const json *e = parts->items[i];
            const char *name = json_str(json_get(e, "topic"));
            int64_t p;
            if (!name || json_int(json_get(e, "partition"), &p) != 0 || p < 0 || p > INT32_MAX)
                continue;
            topic *t = topic_find(name);
            if (t && p < t->npartitions)
                load_state(t, (int32_t)p);
            n++;
        }
    }
    json_free(j);
    return n;
}

static void handle_notification(const char *path, const char *data, int len) {
    int n = reread_listed(data, len);
    if (n < 0)
        log_warn(LOG_CTRL, "[Controller id=%d] Dropping %s: not an ISR change notification "
                 "of version 1", B.id, path);
    else
        log_debug(LOG_CTRL, "[Controller id=%d] Processed ISR change notification %s (%d "
                  "partitions)", B.id, path, n);
}

static const zk_notification_dir notifications = {NOTIFICATION_DIR, "isr_change_",
                                                  handle_notification};

void isr_change_watch(void) { zk_notifications_process(&notifications); }

int isr_change_is_watched_path(const char *path) { return !strcmp(path, NOTIFICATION_DIR); }
