/* zk_notifications.c -- see zk_notifications.h. A notification is deleted
 * once handled, whether or not the handler could make sense of it (Kafka
 * logs and drops a znode it cannot parse). */
#include "zk_notifications.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "logger.h"

typedef struct pending_read {
    const zk_notification_dir *nd;
    char *path;
} pending_read;

static void deleted_cb(int rc, void *arg) {
    char *path = arg;
    if (rc != ZOK && rc != ZNONODE)
        log_warn(LOG_CTRL, "Failed to delete %s: %s", path, zk_error_name(rc));
    free(path);
}

static void read_cb(int rc, const char *data, int len, const jute_stat *st, void *arg) {
    (void)st;
    pending_read *r = arg;
    char *path = r->path;
    const zk_notification_dir *nd = r->nd;
    free(r);
    if (rc != ZOK || !B.is_controller) {
        free(path);
        return;
    }
    nd->handle(path, data, len);
    zkc_delete(cluster_zk, path, -1, deleted_cb, path);
}

static void children_cb(int rc, int count, const char *const *names, void *arg) {
    const zk_notification_dir *nd = arg;
    if (rc != ZOK || !B.is_controller)
        return;
    size_t plen = strlen(nd->prefix);
    for (int i = 0; i < count; i++) {
        if (strncmp(names[i], nd->prefix, plen))
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", nd->dir, names[i]);
        pending_read *r = malloc(sizeof(*r));
        if (!r)
            abort();
        r->nd = nd;
        r->path = xstrdup(path);
        zkc_get(cluster_zk, r->path, 0, read_cb, r);
    }
}

void zk_notifications_process(const zk_notification_dir *nd) {
    zkc_children(cluster_zk, nd->dir, 1, children_cb, (void *)nd);
}
