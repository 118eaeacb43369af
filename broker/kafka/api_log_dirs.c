/* api_log_dirs.c -- DescribeLogDirs v0-1: for each directory of log.dirs,
 * the partitions this broker hosts there with their size on disk.
 *
 * As Kafka 2.5's ReplicaManager.describeLogDirs: a null topic list means
 * every hosted partition; the directory is named by its absolute path
 * (java.io.File.getAbsolutePath: relative to the working directory, with
 * duplicate and trailing slashes dropped); the size is the total of the
 * partition's segment .log files; offset_lag is max(HW - LEO, 0), which is
 * always 0 for a current (non-future) replica; this broker has no future
 * replicas (no ReassignPartitions / AlterReplicaLogDirs). A directory that
 * can no longer be read is reported with KAFKA_STORAGE_ERROR and no
 * partitions. v1 differs from v0 only in throttling semantics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "broker.h"
#include "log_dir_failure.h"

/* One topic of the request: its partitions are int32s at `parts`. */
typedef struct ld_topic {
    kstr name;
    int32_t nparts;
    const uint8_t *parts;
} ld_topic;

typedef struct ld_filter {
    int all;          /* topics was null */
    ld_topic *topics; /* else these */
    int32_t ntopics;
} ld_filter;

static int ld_wanted(const ld_filter *f, const topic *t, int32_t pid) {
    if (f->all)
        return 1;
    for (int32_t i = 0; i < f->ntopics; i++) {
        const ld_topic *rt = &f->topics[i];
        if (KSTR_IS_NULL(rt->name) || !kstr_eq(rt->name, t->name))
            continue;
        for (int32_t j = 0; j < rt->nparts; j++)
            if ((int32_t)be32_get(rt->parts + 4 * j) == pid)
                return 1;
    }
    return 0;
}

/* File(dir).getAbsolutePath into out. */
static void ld_abs_path(const char *dir, char *out, size_t cap) {
    char tmp[4096];
    if (dir[0] == '/') {
        snprintf(tmp, sizeof(tmp), "%s", dir);
    } else {
        char cwd[2048];
        if (!getcwd(cwd, sizeof(cwd)))
            cwd[0] = '\0';
        snprintf(tmp, sizeof(tmp), "%s/%s", cwd, dir);
    }
    size_t o = 0;
    for (size_t i = 0; tmp[i] && o + 1 < cap; i++) {
        if (tmp[i] == '/' && o > 0 && out[o - 1] == '/')
            continue;
        out[o++] = tmp[i];
    }
    if (o > 1 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
}

typedef struct ld_walk {
    const ld_filter *f;
    const char *dir; /* B.cfg.log_dirs entry (partition->logdir points to it) */
    wbuf *w;
    int32_t ntopics;
} ld_walk;

static void ld_topic_cb(topic *t, void *arg) {
    ld_walk *lw = arg;
    if (t->deleting)
        return;
    int32_t n = 0;
    size_t at = 0;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (!p || !p->log || !p->logdir || strcmp(p->logdir, lw->dir) || !ld_wanted(lw->f, t, p->id))
            continue;
        if (n == 0) {
            wb_cstr(lw->w, t->name);
            at = wb_i32(lw->w, 0);
        }
        wb_i32(lw->w, p->id);
        wb_i64(lw->w, plog_size_bytes(p->log));
        wb_i64(lw->w, 0); /* offset_lag: HW - LEO, never positive here */
        wb_i8(lw->w, 0);  /* is_future_key */
        n++;
    }
    if (n) {
        wb_put_i32(lw->w, at, n);
        lw->ntopics++;
    }
}

int handle_DescribeLogDirs(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    ld_filter f = {0};
    int32_t ntopics;
    rb_read_i32(rb, &ntopics);
    rb_check_count(rb, ntopics, 6);
    f.all = ntopics < 0;
    if (ntopics > 0) {
        f.topics = calloc((size_t)ntopics, sizeof(ld_topic));
        if (!f.topics)
            abort();
        f.ntopics = ntopics;
        for (int32_t i = 0; i < ntopics; i++) {
            ld_topic *rt = &f.topics[i];
            rb_read_str(rb, &rt->name);
            rb_read_i32(rb, &rt->nparts);
            rb_check_count_nn(rb, rt->nparts, 4);
            if (rt->nparts < 0)
                rt->nparts = 0;
            rb_read_raw(rb, (size_t)rt->nparts * 4, &rt->parts);
        }
    }

    wbuf *w = &rs->wb;
    wb_i32(w, 0); /* throttle_time_ms */
    size_t count_at = wb_i32(w, 0);
    int32_t ndirs = 0;
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        const char *dir = B.cfg.log_dirs[i];
        int dup = 0;
        for (int j = 0; j < i; j++)
            if (!strcmp(B.cfg.log_dirs[j], dir))
                dup = 1;
        if (dup)
            continue; /* config.logDirs.toSet */
        char abs[4096];
        ld_abs_path(dir, abs, sizeof(abs));
        struct stat st;
        int offline = !logdir_online(dir) || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
                      access(dir, R_OK | X_OK) != 0;
        wb_i16(w, offline ? ERR_KAFKA_STORAGE_ERROR : ERR_NONE);
        wb_cstr(w, abs);
        size_t tcount_at = wb_i32(w, 0);
        if (!offline) {
            ld_walk lw = {&f, dir, w, 0};
            topic_foreach(ld_topic_cb, &lw);
            wb_put_i32(w, tcount_at, lw.ntopics);
        }
        ndirs++;
    }
    wb_put_i32(w, count_at, ndirs);
    free(f.topics);
    return 0;
err_parse:
    free(f.topics);
    return -1;
}
