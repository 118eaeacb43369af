/* log_dir_failure.c -- log.dirs entries that fail, after Kafka 2.5's
 * LogManager.createAndValidateLogDirs / handleLogDirFailure,
 * LogDirFailureChannel and ReplicaManager.handleLogDirFailure.
 *
 * Start-up: each directory is created if missing and must be a directory
 * this process can read and write (Kafka finds a read-only one when it
 * locks it); one that is not is offline from the start. With none left the
 * broker logs "Shutdown broker because none of the specified log dirs from
 * <dirs> can be created or validated" (FATAL) and exits with 1.
 *
 * Run time: an I/O error on a directory (a segment append, roll, flush,
 * truncation, delete or read, a leader-epoch or offset checkpoint) is reported
 * here by the code that got it (log.c through its handler, topics.c for
 * the checkpoints). The directory goes offline at once, so no partition on
 * it is appended to or read from again (KAFKA_STORAGE_ERROR); the failed
 * append itself is answered with that error and never acknowledged. From
 * the cron, as Kafka's LogDirFailureHandler thread does: "Stopping serving
 * replicas in dir <dir>" (WARN), the partitions on it stop leading and
 * following and their logs are dropped without touching the disk; if no
 * directory is left online the broker logs "Shutdown broker because all log
 * dirs in <dirs> have failed" (FATAL) and exits with 1 without a clean
 * shutdown (Kafka's Exit.halt: the controller sees the session expire and
 * elects other leaders); otherwise the controller is told through a
 * sequential /log_dir_event_notification/log_dir_event_<seq> znode holding
 * {"version":1,"broker":<id>,"event":1} (LogDirFailure). */
#include "log_dir_failure.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "cluster_internal.h"
#include "logger.h"
#include "replica.h"

#define LOG_MANAGER "kafka.log.LogManager"
#define LOG_CHANNEL "kafka.server.LogDirFailureChannel"
#define LOG_REPLICA "kafka.server.ReplicaManager"
#define EVENT_PREFIX "/log_dir_event_notification/log_dir_event_"
#define LOG_DIR_FAILURE_EVENT 1 /* LogDirEventNotificationHandler.LogDirFailureEvent */

enum { DIR_ONLINE, DIR_FAILED, DIR_STOPPED };
static char *dir_state; /* per B.cfg.log_dirs entry */
static int failures_pending;
static int notifications_pending;

static int dir_index(const char *dir) {
    for (int i = 0; i < B.cfg.nlog_dirs; i++)
        if (B.cfg.log_dirs[i] == dir || !strcmp(B.cfg.log_dirs[i], dir))
            return i;
    return -1;
}

int logdir_online(const char *dir) {
    int i = dir && dir_state ? dir_index(dir) : -1;
    return i < 0 || dir_state[i] == DIR_ONLINE;
}

int partition_storage_failed(const partition *p) {
    return p->logdir && !logdir_online(p->logdir);
}

/* "a, b, c" as Kafka's logDirs.mkString(", ") */
static void dirs_list(char *out, size_t cap) {
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < B.cfg.nlog_dirs && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", B.cfg.log_dirs[i]);
}

static void vfail(int i, int err, const char *fmt, va_list ap) {
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    log_error(LOG_CHANNEL, "%s (java.io.IOException: %s)", msg, strerror(err));
    if (dir_state[i] != DIR_ONLINE)
        return;
    dir_state[i] = DIR_FAILED;
    failures_pending = 1;
}

void logdir_failed(const char *dir, int err, const char *fmt, ...) {
    int i = dir && dir_state ? dir_index(dir) : -1;
    if (i < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfail(i, err, fmt, ap);
    va_end(ap);
}

/* log.c's handler: the log directory is the partition directory's parent. */
static void on_log_io_error(const char *partition_dir, int err, const char *what) {
    const char *slash = strrchr(partition_dir, '/');
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; slash && i < B.cfg.nlog_dirs; i++) {
        size_t n = strlen(B.cfg.log_dirs[i]);
        while (n > 1 && B.cfg.log_dirs[i][n - 1] == '/')
            n--;
        if ((size_t)(slash - partition_dir) == n && !strncmp(partition_dir, B.cfg.log_dirs[i], n) &&
            n >= best_len) {
            best = i;
            best_len = n;
        }
    }
    if (best >= 0)
        logdir_failed(B.cfg.log_dirs[best], err, "%s", what);
}

static void create_and_validate(int i) {
    const char *dir = B.cfg.log_dirs[i];
    struct stat st;
    if (stat(dir, &st) != 0) {
        log_info(LOG_MANAGER, "Log directory %s not found, creating it.", dir);
        char path[4096];
        snprintf(path, sizeof(path), "%s", dir);
        for (char *s = path + 1; *s; s++)
            if (*s == '/') {
                *s = 0;
                mkdir(path, 0755);
                *s = '/';
            }
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            logdir_failed(dir, e, "Failed to create or validate data directory %s: Failed to "
                          "create data directory %s", dir, dir);
            return;
        }
        if (stat(dir, &st) != 0) {
            logdir_failed(dir, errno, "Failed to create or validate data directory %s", dir);
            return;
        }
    }
    if (!S_ISDIR(st.st_mode) || access(dir, R_OK | X_OK) != 0) {
        logdir_failed(dir, S_ISDIR(st.st_mode) ? errno : ENOTDIR,
                      "Failed to create or validate data directory %s: %s is not a readable "
                      "log directory.", dir, dir);
        return;
    }
    if (access(dir, W_OK) != 0)
        logdir_failed(dir, errno, "Failed to create or validate data directory %s: %s is not a "
                      "writable log directory.", dir, dir);
}

void logdirs_create_and_validate(void) {
    dir_state = calloc((size_t)B.cfg.nlog_dirs, 1);
    if (!dir_state)
        abort();
    int live = 0;
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        create_and_validate(i);
        live += dir_state[i] == DIR_ONLINE;
    }
    if (!live) {
        char dirs[4096];
        dirs_list(dirs, sizeof(dirs));
        logmsg(LOG_FATAL, LOG_MANAGER, "Shutdown broker because none of the specified log dirs "
               "from %s can be created or validated", dirs);
        fprintf(stderr, "Shutdown broker because none of the specified log dirs from %s can be "
                "created or validated\n", dirs);
        log_close();
        _exit(1);
    }
    /* failed at start-up: nothing to stop yet, and the controller learns of
     * the missing replicas as the broker registers (Kafka's initial offline
     * dirs are not notified either) */
    for (int i = 0; i < B.cfg.nlog_dirs; i++)
        if (dir_state[i] == DIR_FAILED)
            dir_state[i] = DIR_STOPPED;
    failures_pending = 0;
    plog_set_io_error_handler(on_log_io_error);
}

/* ------------------------------------------------------------------------
 * Handling (Kafka's LogDirFailureHandler -> ReplicaManager.handleLogDirFailure)
 * ---------------------------------------------------------------------- */
static void stop_partitions_cb(topic *t, void *arg) {
    const char *dir = arg;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (!p->log || !p->logdir || strcmp(p->logdir, dir))
            continue;
        replica_stop(p);
        partition_drop_failed_log(p);
    }
}

static int event_json(char *out, size_t cap) {
    return snprintf(out, cap, "{\"version\":1,\"broker\":%d,\"event\":%d}", B.id,
                    LOG_DIR_FAILURE_EVENT);
}

static void notification_written_cb(int rc, const char *path, void *arg) {
    (void)arg;
    if (rc == ZOK) {
        char data[96];
        event_json(data, sizeof(data));
        log_info(LOG_ZK, "Wrote log dir event notification %s: %s", path ? path : "", data);
        return;
    }
    log_warn(LOG_ZK, "Failed to write a log dir event notification: %s", zk_error_name(rc));
    notifications_pending++;
}

/* KafkaZkClient.propagateLogDirEvent */
static void notify_controller(void) {
    while (notifications_pending > 0 && cluster_zk) {
        char data[96];
        int n = event_json(data, sizeof(data));
        /* a failed write (refused too: no session now) counts itself
         * again in its callback, for the next cron */
        notifications_pending--;
        zkc_create(cluster_zk, EVENT_PREFIX, data, n, ZKC_PERSISTENT | ZKC_SEQUENCE,
                   notification_written_cb, NULL);
    }
}

void logdir_failure_periodic(void) {
    if (notifications_pending)
        notify_controller();
    if (!failures_pending)
        return;
    failures_pending = 0;
    int live = 0;
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        if (dir_state[i] == DIR_FAILED) {
            const char *dir = B.cfg.log_dirs[i];
            log_warn(LOG_REPLICA, "[ReplicaManager broker=%d] Stopping serving replicas in dir %s",
                     B.id, dir);
            dir_state[i] = DIR_STOPPED;
            log_info(LOG_MANAGER, "Stopping serving logs in dir %s", dir);
            topic_foreach(stop_partitions_cb, (void *)dir);
            notifications_pending++;
            log_info(LOG_REPLICA, "[ReplicaManager broker=%d] Stopped serving replicas in dir %s",
                     B.id, dir);
        }
        live += dir_state[i] == DIR_ONLINE;
    }
    if (!live) {
        char dirs[4096];
        dirs_list(dirs, sizeof(dirs));
        logmsg(LOG_FATAL, LOG_MANAGER, "Shutdown broker because all log dirs in %s have failed",
               dirs);
        log_close();
        _exit(1);
    }
    notify_controller();
}
