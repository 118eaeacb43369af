/* topics.c -- the topics and partitions this broker knows, and the logs of
 * those it hosts: where they live in log.dirs, their per-topic config,
 * the offset checkpoint files and the periodic work (retention, flush,
 * checkpoints) over all of them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "checkpoint.h"
#include "log_dir_failure.h"
#include "metadata_cache.h"
#include "repl_quota.h"
#include "replica.h"
#include "logger.h"
#include "producer.h"
#include "records.h"

#define LOGGER "kafka.log.LogManager"
#define CLEAN_SHUTDOWN_FILE ".kafka_cleanshutdown"

struct broker B;

/* ------------------------------------------------------------------------
 * Registry
 * ---------------------------------------------------------------------- */
static uint32_t name_hash(const char *s, int len) {
    uint32_t h = 2166136261u;
    for (int i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

topic *topic_findn(const char *name, int len) {
    if (!B.ntopic_buckets)
        return NULL;
    topic *t = B.topic_buckets[name_hash(name, len) % (uint32_t)B.ntopic_buckets];
    for (; t; t = t->next)
        if ((int)strlen(t->name) == len && !memcmp(t->name, name, (size_t)len))
            return t;
    return NULL;
}

topic *topic_find(const char *name) { return topic_findn(name, (int)strlen(name)); }

topic *topic_add(const char *name, int npartitions) {
    if (!B.ntopic_buckets) {
        B.ntopic_buckets = 1024;
        B.topic_buckets = calloc((size_t)B.ntopic_buckets, sizeof(topic *));
        if (!B.topic_buckets)
            abort();
    }
    topic *t = calloc(1, sizeof(*t));
    if (!t)
        abort();
    t->name = strdup(name);
    t->assignment_zk_version = -1;
    t->internal = !strcmp(name, "__consumer_offsets") || !strcmp(name, "__transaction_state");
    topic_config_defaults(&B.cfg, &t->cfg);
    t->npartitions = npartitions;
    t->parts = calloc((size_t)(npartitions > 0 ? npartitions : 1), sizeof(partition *));
    if (!t->parts)
        abort();
    t->parts_cap = (size_t)(npartitions > 0 ? npartitions : 1);
    for (int i = 0; i < npartitions; i++)
        t->parts[i] = partition_new(t, i);
    uint32_t b = name_hash(name, (int)strlen(name)) % (uint32_t)B.ntopic_buckets;
    t->next = B.topic_buckets[b];
    B.topic_buckets[b] = t;
    B.ntopics++;
    return t;
}

topic *topic_find_served(kstr name) {
    topic *t = KSTR_IS_NULL(name) ? NULL : topic_findn(name.s, name.len);
    return t && !t->deleting ? t : NULL;
}

partition *partition_new(topic *t, int32_t id) {
    partition *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->topic = t;
    p->id = id;
    p->leader = -1;
    p->applied_epoch = -1;
    p->md_leader = -1;
    p->md_leader_epoch = -1;
    return p;
}

static void partition_free(partition *p) {
    replica_stop(p);
    partition_close_log(p, 0);
    free(p->replicas);
    free(p->adding);
    free(p->removing);
    free(p->isr);
    metadata_partition_free(p);
    free(p);
}

void topic_remove(topic *t) {
    uint32_t b = name_hash(t->name, (int)strlen(t->name)) % (uint32_t)B.ntopic_buckets;
    for (topic **pp = &B.topic_buckets[b]; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    for (int i = 0; i < t->npartitions; i++) {
        replica_stop(t->parts[i]);
        partition_close_log(t->parts[i], 1);
        partition_free(t->parts[i]);
    }
    for (int i = 0; i < t->noverrides; i++) {
        free(t->overrides[i].name);
        free(t->overrides[i].value);
    }
    free(t->overrides);
    repl_quota_topic_free(t);
    free(t->parts);
    free(t->name);
    free(t);
    B.ntopics--;
}

partition *partition_get(topic *t, int32_t id) {
    return id >= 0 && id < t->npartitions ? t->parts[id] : NULL;
}

void topic_foreach(void (*cb)(topic *t, void *arg), void *arg) {
    for (int b = 0; b < B.ntopic_buckets; b++) {
        topic *t = B.topic_buckets[b];
        while (t) {
            topic *next = t->next; /* cb may remove t */
            cb(t, arg);
            t = next;
        }
    }
}

int topic_name_valid(const char *name, int len, char *why, size_t whylen) {
    if (len <= 0) {
        snprintf(why, whylen, "Topic name is illegal, it can't be empty");
        return -1;
    }
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
        snprintf(why, whylen, "Topic name cannot be \".\" or \"..\"");
        return -1;
    }
    if (len > 249) {
        snprintf(why, whylen, "Topic name is illegal, it can't be longer than 249 characters, "
                 "topic name: %.*s", len, name);
        return -1;
    }
    for (int i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            snprintf(why, whylen, "Topic name \"%.*s\" is illegal, it contains a character other "
                     "than ASCII alphanumerics, '.', '_' and '-'", len, name);
            return -1;
        }
    }
    return 0;
}

int partition_is_leader(const partition *p) {
    return B.registered && p->leader == B.id && p->log != NULL;
}

/* ------------------------------------------------------------------------
 * Topic config
 * ---------------------------------------------------------------------- */
static void log_config_from_topic(const topic_config *tc, log_config *lc) {
    log_config_defaults(lc);
    lc->segment_bytes = tc->segment_bytes;
    lc->segment_ms = tc->segment_ms;
    lc->retention_ms = tc->retention_ms;
    lc->retention_bytes = tc->retention_bytes;
    lc->index_interval_bytes = tc->index_interval_bytes;
    lc->segment_index_bytes = tc->segment_index_bytes;
    lc->flush_interval_messages = tc->flush_messages;
    lc->flush_interval_ms = tc->flush_ms;
    lc->message_timestamp_type = tc->message_timestamp_type;
    lc->cleanup_delete = tc->cleanup_delete;
    lc->cleanup_compact = tc->cleanup_compact;
    lc->delete_retention_ms = tc->delete_retention_ms;
    lc->min_cleanable_ratio = tc->min_cleanable_dirty_ratio;
}

void topic_apply_config(topic *t) {
    topic_config_defaults(&B.cfg, &t->cfg);
    char err[256];
    for (int i = 0; i < t->noverrides; i++)
        if (topic_config_set(&t->cfg, t->overrides[i].name, t->overrides[i].value, err,
                             sizeof(err)) != 0)
            log_warn("kafka.server.TopicConfigHandler", "Ignoring config of topic %s: %s",
                     t->name, err);
    log_config lc;
    log_config_from_topic(&t->cfg, &lc);
    for (int i = 0; i < t->npartitions; i++)
        if (t->parts[i]->log)
            plog_set_config(t->parts[i]->log, &lc);
}

int topic_set_overrides(topic *t, const char *const *keys, const char *const *values, int n) {
    for (int i = 0; i < t->noverrides; i++) {
        free(t->overrides[i].name);
        free(t->overrides[i].value);
    }
    free(t->overrides);
    t->overrides = calloc((size_t)(n > 0 ? n : 1), sizeof(topic_override));
    if (!t->overrides)
        abort();
    for (int i = 0; i < n; i++) {
        t->overrides[i].name = strdup(keys[i]);
        t->overrides[i].value = strdup(values[i]);
    }
    t->noverrides = n;
    topic_apply_config(t);
    repl_quota_topic_changed(t);
    return 0;
}

/* ------------------------------------------------------------------------
 * Checkpoints read at start-up
 * ---------------------------------------------------------------------- */
typedef struct dir_state {
    const char *dir;
    ckpt_entry *recovery;
    size_t nrecovery;
    ckpt_entry *start;
    size_t nstart;
    ckpt_entry *hw;
    size_t nhw;
    int clean;
    int npartitions;
} dir_state;

static dir_state *dirs;

static int64_t ckpt_lookup(ckpt_entry *e, size_t n, const char *t, int32_t p, int64_t dflt) {
    for (size_t i = 0; i < n; i++)
        if (e[i].partition == p && !strcmp(e[i].topic, t))
            return e[i].offset;
    return dflt;
}

int topics_load_checkpoints(void) {
    dirs = calloc((size_t)B.cfg.nlog_dirs, sizeof(dir_state));
    if (!dirs)
        abort();
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        dir_state *d = &dirs[i];
        d->dir = B.cfg.log_dirs[i];
        char path[4096];
        if (!logdir_online(d->dir))
            continue; /* offline from the start (log_dir_failure.c) */
        snprintf(path, sizeof(path), "%s/recovery-point-offset-checkpoint", d->dir);
        if (ckpt_read(path, &d->recovery, &d->nrecovery) < 0)
            log_warn(LOGGER, "Ignoring malformed %s", path);
        snprintf(path, sizeof(path), "%s/log-start-offset-checkpoint", d->dir);
        if (ckpt_read(path, &d->start, &d->nstart) < 0)
            log_warn(LOGGER, "Ignoring malformed %s", path);
        snprintf(path, sizeof(path), "%s/replication-offset-checkpoint", d->dir);
        if (ckpt_read(path, &d->hw, &d->nhw) < 0)
            log_warn(LOGGER, "Ignoring malformed %s", path);
        snprintf(path, sizeof(path), "%s/%s", d->dir, CLEAN_SHUTDOWN_FILE);
        d->clean = access(path, F_OK) == 0;
        if (d->clean && unlink(path) != 0) /* a crash from now on is not a clean shutdown */
            logdir_failed(d->dir, errno, "Disk error while deleting the clean shutdown marker "
                          "in dir %s", d->dir);
        else
            log_info(LOGGER, "Found no clean shutdown marker in %s: logs will be recovered",
                     d->dir);
    }
    return 0;
}

static dir_state *dir_of(const char *dir) {
    for (int i = 0; i < B.cfg.nlog_dirs; i++)
        if (dirs[i].dir == dir)
            return &dirs[i];
    return NULL;
}

/* The dir already holding the partition (even an offline one: the replica
 * is not to be made afresh elsewhere), else the online one with fewest. */
static const char *choose_dir(const char *topic_name, int32_t pid) {
    char path[4096];
    dir_state *best = NULL;
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        snprintf(path, sizeof(path), "%s/%s-%d", dirs[i].dir, topic_name, pid);
        if (access(path, F_OK) == 0)
            return dirs[i].dir;
        if (logdir_online(dirs[i].dir) && (!best || dirs[i].npartitions < best->npartitions))
            best = &dirs[i];
    }
    return best ? best->dir : B.cfg.log_dirs[0];
}

const char *logdir_for_new_partition(void) { return choose_dir("", -1); }

static void rebuild_producer_cb(void *arg, const uint8_t *hdr) {
    pstate_update((producer_state *)arg, hdr);
}

int partition_open_log(partition *p) {
    if (p->log)
        return 0;
    topic *t = p->topic;
    const char *root = p->logdir && !logdir_online(p->logdir) ? p->logdir
                                                                 : choose_dir(t->name, p->id);
    dir_state *d = dir_of(root);
    if (!logdir_online(root)) {
        p->logdir = root; /* served as KAFKA_STORAGE_ERROR */
        log_error(LOGGER, "Error while loading log %s-%d: the log dir %s is offline", t->name,
                  p->id, root);
        return -1;
    }
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/%s-%d", root, t->name, p->id);
    log_config lc;
    log_config_from_topic(&t->cfg, &lc);
    int64_t rp = ckpt_lookup(d->recovery, d->nrecovery, t->name, p->id, 0);
    int64_t ls = ckpt_lookup(d->start, d->nstart, t->name, p->id, -1);
    p->log = plog_open(path, &lc, rp, ls, d->clean, err, sizeof(err));
    if (!p->log) {
        log_error(LOGGER, "Error while loading log dir %s: %s", path, err);
        if (!logdir_online(root))
            p->logdir = root; /* the open met an I/O error there */
        return -1;
    }
    p->logdir = root;
    d->npartitions++;
    /* the high watermark from replication-offset-checkpoint, clamped to the log */
    int64_t hw = ckpt_lookup(d->hw, d->nhw, t->name, p->id, 0);
    int64_t lo = plog_log_start_offset(p->log), hi = plog_log_end_offset(p->log);
    p->hw = hw < lo ? lo : hw > hi ? hi : hw;
    p->producers = pstate_new();
    partition_rebuild_producers(p);
    return 0;
}

void partition_rebuild_producers(partition *p) {
    pstate_clear(p->producers);
    plog_scan_batch_headers(p->log, plog_log_start_offset(p->log), rebuild_producer_cb,
                            p->producers);
    log_info("kafka.log.Log", "[Log partition=%s-%d, dir=%s] Loading producer state till offset "
             "%lld", p->topic->name, p->id, p->logdir, (long long)plog_log_end_offset(p->log));
}

void partition_drop_failed_log(partition *p) {
    if (!p->log)
        return;
    dir_state *d = dir_of(p->logdir);
    if (d)
        d->npartitions--;
    plog_abandon(p->log);
    p->log = NULL;
    pstate_free(p->producers);
    p->producers = NULL;
}

void partition_close_log(partition *p, int delete_files) {
    if (!p->log)
        return;
    dir_state *d = dir_of(p->logdir);
    if (d)
        d->npartitions--;
    if (delete_files) {
        log_info("kafka.log.LogManager", "Log for partition %s-%d is deleted", p->topic->name,
                 p->id);
        plog_delete(p->log);
    } else {
        plog_close(p->log);
    }
    p->log = NULL;
    pstate_free(p->producers);
    p->producers = NULL;
}

/* ------------------------------------------------------------------------
 * Checkpoint files and periodic work
 * ---------------------------------------------------------------------- */
typedef struct ckpt_set {
    ckpt_entry *rec, *hw, *start;
    size_t nrec, nhw, nstart, cap;
    const char *dir;
} ckpt_set;

static void collect_cb(topic *t, void *arg) {
    ckpt_set *s = arg;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (!p->log || p->logdir != s->dir)
            continue;
        if (s->nrec == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 64;
            s->rec = realloc(s->rec, s->cap * sizeof(ckpt_entry));
            s->hw = realloc(s->hw, s->cap * sizeof(ckpt_entry));
            s->start = realloc(s->start, s->cap * sizeof(ckpt_entry));
            if (!s->rec || !s->hw || !s->start)
                abort();
        }
        s->rec[s->nrec++] = (ckpt_entry){t->name, p->id, plog_recovery_point(p->log)};
        s->hw[s->nhw++] = (ckpt_entry){t->name, p->id, p->hw};
        int64_t lso = plog_log_start_offset(p->log);
        if (lso > 0)
            s->start[s->nstart++] = (ckpt_entry){t->name, p->id, lso};
    }
}

/* Kafka's CheckpointFile.write: a failure takes the log dir offline. */
static void write_checkpoint(const char *dir, const char *name, const ckpt_entry *e, size_t n) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (logdir_online(dir) && ckpt_write(path, e, n) != 0)
        logdir_failed(dir, errno, "Error while writing to checkpoint file %s", path);
}

void topics_checkpoint(void) {
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        ckpt_set s = {0};
        s.dir = dirs[i].dir;
        if (!logdir_online(s.dir))
            continue;
        topic_foreach(collect_cb, &s);
        write_checkpoint(s.dir, "recovery-point-offset-checkpoint", s.rec, s.nrec);
        write_checkpoint(s.dir, "replication-offset-checkpoint", s.hw, s.nhw);
        write_checkpoint(s.dir, "log-start-offset-checkpoint", s.start, s.nstart);
        free(s.rec);
        free(s.hw);
        free(s.start);
    }
}

static void periodic_cb(topic *t, void *arg) {
    int64_t now = *(int64_t *)arg;
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        if (p->log)
            plog_maybe_flush(p->log, now);
    }
}

static void retention_cb(topic *t, void *arg) {
    int64_t now = *(int64_t *)arg;
    for (int i = 0; i < t->npartitions; i++)
        if (t->parts[i]->log)
            plog_enforce_retention(t->parts[i]->log, now);
}

static void compact_cb(topic *t, void *arg) {
    int64_t now = *(int64_t *)arg;
    for (int i = 0; i < t->npartitions; i++)
        if (t->parts[i]->log)
            plog_compact(t->parts[i]->log, now);
}

void topics_periodic(int64_t now_ms) {
    static int64_t last_retention, last_checkpoint, last_cleaning;
    topic_foreach(periodic_cb, &now_ms);
    if (now_ms - last_retention >= B.cfg.log_retention_check_interval_ms) {
        last_retention = now_ms;
        int64_t wall = ae_wall_ms(); /* segment ages are record timestamps */
        topic_foreach(retention_cb, &wall);
    }
    if (B.cfg.log_cleaner_enable && now_ms - last_cleaning >= B.cfg.log_cleaner_backoff_ms) {
        last_cleaning = now_ms;
        int64_t wall = ae_wall_ms(); /* tombstone ages are record timestamps */
        topic_foreach(compact_cb, &wall);
    }
    if (now_ms - last_checkpoint >= B.cfg.log_flush_offset_checkpoint_interval_ms) {
        last_checkpoint = now_ms;
        topics_checkpoint();
    }
}

static void flush_cb(topic *t, void *arg) {
    (void)arg;
    for (int i = 0; i < t->npartitions; i++)
        if (t->parts[i]->log)
            plog_flush(t->parts[i]->log);
}

static void close_cb(topic *t, void *arg) {
    (void)arg;
    for (int i = 0; i < t->npartitions; i++)
        partition_close_log(t->parts[i], 0);
}

/* Clean shutdown: everything flushed and checkpointed, then the marker. */
void topics_close_all(void) {
    topic_foreach(flush_cb, NULL);
    topics_checkpoint();
    topic_foreach(close_cb, NULL);
    for (int i = 0; i < B.cfg.nlog_dirs; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dirs[i].dir, CLEAN_SHUTDOWN_FILE);
        if (logdir_online(dirs[i].dir))
            atomic_write_file(path, "", 0);
    }
}
