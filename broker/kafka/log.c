/* log.c -- the partition log (Kafka's kafka.log.Log): an ordered list of
 * segments, offset assignment, reads, rolling, retention, DeleteRecords,
 * crash recovery and the leader epoch cache.
 *
 * Invariants: segs[] is sorted by base offset and never empty; the last
 * segment is the active one, its indexes are mapped writable; every segment
 * ends on a batch boundary; log_start <= leo; recovery_point <= leo and every
 * batch below it is known to be fsynced. Semantics follow Kafka 2.5's
 * Log.scala / LogSegment.scala; see log.h for the contract.
 */
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "buf.h"
#include "checkpoint.h"
#include "dirsync.h"
#include "errbuf.h"
#include "crc32c.h"
#include "logger.h"
#include "log_internal.h"
#include "records.h"
#include "segment.h"
#include "service_notify.h"

#define EPOCH_FILE "leader-epoch-checkpoint"


static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static segment *active(const plog *l) { return l->segs[l->nsegs - 1]; }

static plog_io_error_fn *io_error_handler;

void plog_set_io_error_handler(plog_io_error_fn *fn) { io_error_handler = fn; }

void plog_io_failed(plog *l, int err, const char *fmt, ...) {
    if (io_error_handler) {
        char what[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        io_error_handler(l->dir, err, what);
    }
    errno = err;
}

void log_config_defaults(log_config *c) {
    c->segment_bytes = 1LL << 30;
    c->segment_ms = 7LL * 24 * 3600 * 1000;
    c->retention_ms = 7LL * 24 * 3600 * 1000;
    c->retention_bytes = -1;
    c->index_interval_bytes = 4096;
    c->segment_index_bytes = 10 << 20;
    c->flush_interval_messages = INT64_MAX;
    c->flush_interval_ms = INT64_MAX;
    c->message_timestamp_type = 0;
    c->cleanup_delete = 1;
    c->cleanup_compact = 0;
    c->delete_retention_ms = 24LL * 3600 * 1000;
    c->min_cleanable_ratio = 0.5;
}

/* Positions in the index are int32, so a segment may not exceed 2 GiB. */
static void config_set(plog *l, const log_config *cfg) {
    l->cfg = *cfg;
    if (l->cfg.segment_bytes > INT32_MAX)
        l->cfg.segment_bytes = INT32_MAX;
    if (l->cfg.segment_bytes < BATCH_HDR)
        l->cfg.segment_bytes = BATCH_HDR;
    if (l->cfg.segment_index_bytes < 24)
        l->cfg.segment_index_bytes = 24;
    if (l->cfg.index_interval_bytes < 0)
        l->cfg.index_interval_bytes = 0;
}

/* ------------------------------------------------------------------------
 * Segment list
 * ---------------------------------------------------------------------- */
/* ------------------------------------------------------------------------
 * Recent batches (log_internal.h)
 * ---------------------------------------------------------------------- */
static void recent_clear(plog *l) { l->nrecent = l->recent_oldest = 0; }

static recent_batch *recent_at(plog *l, int k) {
    return &l->recent[(l->recent_oldest + k) % RECENT_BATCHES];
}

static void recent_push(plog *l, int64_t base, int64_t last, int64_t pos, int64_t size) {
    recent_batch *b;
    if (l->nrecent < RECENT_BATCHES) {
        b = recent_at(l, l->nrecent++);
    } else {
        b = &l->recent[l->recent_oldest];
        l->recent_oldest = (l->recent_oldest + 1) % RECENT_BATCHES;
    }
    *b = (recent_batch){base, last, pos, size};
}

int push_seg(plog *l, segment *s) {
    recent_clear(l);
    segment **n = array_reserve(l->segs, &l->segs_cap, (size_t)l->nsegs + 1, sizeof *n);
    if (!n)
        return -1;
    l->segs = n;
    l->segs[l->nsegs++] = s;
    l->size += s->size;
    return 0;
}

/* Index of the segment holding offset: the last one with base <= offset, or -1. */
static int floor_seg(const plog *l, int64_t offset) {
    int lo = 0, hi = l->nsegs - 1, found = -1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (l->segs[mid]->base <= offset)
            found = mid, lo = mid + 1;
        else
            hi = mid - 1;
    }
    return found;
}

/* Maps (and if needed rebuilds) segment i's indexes. */
int ensure_loaded(plog *l, int i) {
    int act = i == l->nsegs - 1;
    int64_t limit = act ? INT64_MAX : l->segs[i + 1]->base;
    return seg_load(l->segs[i], act, l->cfg.segment_index_bytes, l->cfg.index_interval_bytes,
                    limit);
}

/* Deletes segments [from, from+n) from disk and from the list. */
void drop_segs(plog *l, int from, int n) {
    recent_clear(l);
    for (int i = from; i < from + n; i++) {
        segment *s = l->segs[i];
        log_info(LOGGER,
                 "%sDeleting segment LogSegment(baseOffset=%" PRId64 ", size=%" PRId64
                 ", largestTime=%" PRId64 ")",
                 l->ident, s->base, s->size, seg_largest_ts(s));
        l->size -= s->size;
        if (seg_delete(s) < 0) {
            log_error(LOGGER, "%sError deleting segment files: %s", l->ident, strerror(errno));
            plog_io_failed(l, errno, "Error while deleting segments for %s in dir %.*s",
                           PLOG_TP_DIR(l));
        }
    }
    memmove(l->segs + from, l->segs + from + n, (size_t)(l->nsegs - from - n) * sizeof *l->segs);
    l->nsegs -= n;
    l->dir_dirty = 1;
}

/* ------------------------------------------------------------------------
 * Leader epoch cache (Kafka's LeaderEpochFileCache)
 * ---------------------------------------------------------------------- */
static int epochs_write(plog *l) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/" EPOCH_FILE, l->dir);
    if (epoch_ckpt_write(p, l->epochs, l->nepochs) == 0)
        return 0;
    plog_io_failed(l, errno, "Error while writing to checkpoint file %s", p);
    return -1;
}

static int epochs_assign(plog *l, int32_t epoch, int64_t start) {
    if (epoch < 0 || (l->nepochs && l->epochs[l->nepochs - 1].epoch >= epoch))
        return 0;
    while (l->nepochs && l->epochs[l->nepochs - 1].start_offset >= start)
        l->nepochs--;
    epoch_entry *n = array_reserve(l->epochs, &l->epochs_cap, l->nepochs + 1, sizeof *n);
    if (!n)
        return -1;
    l->epochs = n;
    l->epochs[l->nepochs++] = (epoch_entry){epoch, start};
    return epochs_write(l);
}

/* Drops epochs starting at or after end (log truncated there). */
static void epochs_truncate_end(plog *l, int64_t end) {
    size_t n = l->nepochs;
    while (n && l->epochs[n - 1].start_offset >= end)
        n--;
    if (n != l->nepochs) {
        l->nepochs = n;
        epochs_write(l);
    }
}

/* Log start moved up: the last epoch starting at or below it now starts there. */
static void epochs_truncate_start(plog *l, int64_t start) {
    size_t k = 0;
    while (k < l->nepochs && l->epochs[k].start_offset <= start)
        k++;
    if (k == 0 || (k == 1 && l->epochs[0].start_offset == start))
        return;
    l->epochs[k - 1].start_offset = start;
    memmove(l->epochs, l->epochs + k - 1, (l->nepochs - k + 1) * sizeof *l->epochs);
    l->nepochs -= k - 1;
    epochs_write(l);
}

int plog_assign_leader_epoch(plog *l, int32_t epoch) { return epochs_assign(l, epoch, l->leo); }

int32_t plog_latest_epoch(const plog *l) {
    return l->nepochs ? l->epochs[l->nepochs - 1].epoch : -1;
}

void plog_end_offset_for_epoch(const plog *l, int32_t epoch, int32_t *out_epoch,
                               int64_t *end_offset) {
    *out_epoch = -1;
    *end_offset = -1;
    if (epoch == -1)
        return;
    if (epoch == plog_latest_epoch(l)) {
        *out_epoch = epoch;
        *end_offset = l->leo;
        return;
    }
    size_t k = 0; /* first entry with a larger epoch */
    while (k < l->nepochs && l->epochs[k].epoch <= epoch)
        k++;
    if (k == l->nepochs)
        return;
    *out_epoch = k ? l->epochs[k - 1].epoch : epoch;
    *end_offset = l->epochs[k].start_offset;
}

/* ------------------------------------------------------------------------
 * Open, recovery, close
 * ---------------------------------------------------------------------- */
/* "<20 digits><ext>" -> base offset; 0 if it matches. */
static int seg_file_base(const char *name, const char *ext, int64_t *base) {
    size_t n = strlen(name), e = strlen(ext);
    if (n != 20 + e || strcmp(name + 20, ext) != 0 || strspn(name, "0123456789") != 20)
        return -1;
    *base = strtoll(name, NULL, 10);
    return *base >= 0 ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int has_suffix(const char *s, const char *suf) {
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

/* Collects the .log base offsets (sorted) and removes leftovers: files of
 * interrupted deletes (.deleted) and compactions (.cleaned; a complete .swap
 * replaces the segments it covers, see log_cleaner.c) and index files
 * without a .log. */
static int scan_dir(plog *l, int64_t **bases, int *n) {
    cleaner_complete_swaps(l->dir, l->ident);
    DIR *d = opendir(l->dir);
    if (!d)
        return -1;
    size_t cap = 0;
    struct dirent *de;
    char p[PATH_MAX];
    *bases = NULL;
    *n = 0;
    for (int pass = 0; pass < 2; pass++) {
        rewinddir(d);
        while ((de = readdir(d))) {
            int64_t b;
            const char *name = de->d_name;
            snprintf(p, sizeof p, "%s/%s", l->dir, name);
            if (pass == 0 && (has_suffix(name, ".deleted") || has_suffix(name, ".cleaned") ||
                              !strcmp(name, EPOCH_FILE ".tmp"))) {
                unlink(p);
            } else if (pass == 0 && seg_file_base(name, ".log", &b) == 0) {
                int64_t *nb = array_reserve(*bases, &cap, (size_t)*n + 1, sizeof *nb);
                if (!nb)
                    goto fail;
                *bases = nb;
                (*bases)[(*n)++] = b;
            } else if (pass == 1 && (seg_file_base(name, ".index", &b) == 0 ||
                                     seg_file_base(name, ".timeindex", &b) == 0)) {
                int found = 0;
                for (int i = 0; i < *n && !found; i++)
                    found = (*bases)[i] == b;
                if (!found) {
                    log_info(LOGGER, "%sDeleting orphaned index file %s", l->ident, p);
                    unlink(p);
                }
            }
        }
    }
    closedir(d);
    if (*n > 1)
        qsort(*bases, (size_t)*n, sizeof **bases, cmp_i64);
    return 0;
fail:
    closedir(d);
    free(*bases);
    *bases = NULL;
    return -1;
}

/* Unclean shutdown: re-validates every batch from the segment holding the
 * recovery point on, truncating at the first bad one. Returns the LEO or -1. */
static int64_t recover(plog *l, int64_t rp) {
    int first = floor_seg(l, rp);
    int64_t next = active(l)->base;
    if (first < 0)
        first = 0;
    for (int i = first; i < l->nsegs; i++) {
        segment *s = l->segs[i];
        const char *why = NULL;
        log_info(LOGGER, "%sRecovering unflushed segment %" PRId64, l->ident, s->base);
        service_notify_progress("Recovering %s: segment %" PRId64 " (%d of %d)", l->dir, s->base,
                                i - first + 1, l->nsegs - first);
        int64_t valid = seg_rebuild(s, 1, l->cfg.segment_index_bytes, l->cfg.index_interval_bytes,
                                    1, &next, &why);
        if (valid < 0)
            return -1;
        if (valid < s->size) {
            log_warn(LOGGER,
                     "%sFound invalid messages in log segment %s.log at byte offset %" PRId64
                     ": %s.",
                     l->ident, s->path, valid, why ? why : "trailing bytes");
            log_warn(LOGGER,
                     "%sCorruption found in segment %" PRId64 ", truncating to offset %" PRId64,
                     l->ident, s->base, next);
            l->size -= s->size - valid;
            if (seg_truncate(s, valid) < 0)
                return -1;
            if (i + 1 < l->nsegs)
                drop_segs(l, i + 1, l->nsegs - i - 1);
        } else if (i + 1 < l->nsegs && next > l->segs[i + 1]->base) {
            /* offsets past the next segment's base: the log is inconsistent
             * from there on (the LEO would fall below data it serves) */
            log_warn(LOGGER,
                     "%sSegment %" PRId64 " holds offsets up to %" PRId64 ", past the base offset "
                     "%" PRId64 " of the next segment: truncating to offset %" PRId64,
                     l->ident, s->base, next - 1, l->segs[i + 1]->base, next);
            drop_segs(l, i + 1, l->nsegs - i - 1);
        }
    }
    /* Recovered segments other than the active one become read-only, and
     * the repaired state is made durable. */
    for (int i = first; i < l->nsegs; i++) {
        if (i < l->nsegs - 1 && seg_make_inactive(l->segs[i]) < 0)
            return -1;
        if (seg_flush(l->segs[i]) < 0)
            return -1;
    }
    l->dir_dirty = 1;
    return next;
}

/* Clean shutdown: maps the active segment's indexes and walks the batch
 * headers after its last index entry to find the LEO; anything odd there
 * falls back to a full recovery of that segment. Returns the LEO or -1. */
static int64_t load_active(plog *l) {
    segment *s = active(l);
    if (ensure_loaded(l, l->nsegs - 1) < 0)
        return -1;
    int64_t next, bad;
    const char *why;
    int rc = seg_load_tail(s, &next, &bad, &why);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        log_warn(LOGGER,
                 "%sInvalid batch in active segment %s.log at byte %" PRId64 " (%s), recovering it",
                 l->ident, s->path, bad, why);
        return recover(l, s->base);
    }
    return next;
}

plog *plog_open(const char *dir, const log_config *cfg, int64_t recovery_point,
                int64_t log_start_offset, int clean_shutdown, char *err, size_t errlen) {
    int64_t t0 = wall_ms(), *bases = NULL;
    int nb = 0;
    plog *l = calloc(1, sizeof *l);
    if (!l || !(l->dir = strdup(dir))) {
        free(l);
        errbuf_set(err, errlen, "out of memory");
        return NULL;
    }
    config_set(l, cfg);
    l->unflushed_since = -1;
    const char *slash = strrchr(l->dir, '/');
    l->name = slash ? slash + 1 : l->dir;
    l->parent_len = slash ? (int)(slash - l->dir) : 0;
    snprintf(l->ident, sizeof l->ident, "[Log partition=%s, dir=%.*s] ", l->name,
             slash ? l->parent_len : 1, slash ? l->dir : ".");
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        errbuf_set(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (scan_dir(l, &bases, &nb) < 0) {
        errbuf_set(err, errlen, "cannot list %s: %s", dir, strerror(errno));
        goto fail;
    }
    for (int i = 0; i < nb; i++) {
        segment *s = seg_open(dir, bases[i], t0);
        if (!s || push_seg(l, s) < 0) {
            errbuf_set(err, errlen, "cannot open segment %" PRId64 " in %s: %s", bases[i], dir,
                    strerror(errno));
            seg_close(s);
            goto fail;
        }
    }
    if (l->nsegs == 0) {
        segment *s = seg_create(dir, log_start_offset > 0 ? log_start_offset : 0,
                                l->cfg.segment_index_bytes, t0);
        if (!s || push_seg(l, s) < 0) {
            errbuf_set(err, errlen, "cannot create segment in %s: %s", dir, strerror(errno));
            seg_close(s);
            goto fail;
        }
        l->dir_dirty = 1;
    }
    l->leo = clean_shutdown ? load_active(l) : recover(l, recovery_point);
    if (l->leo < 0) {
        errbuf_set(err, errlen, "cannot load log %s: %s", dir, strerror(errno));
        goto fail;
    }
    l->start = log_start_offset > l->segs[0]->base ? log_start_offset : l->segs[0]->base;
    if (l->leo < l->start) { /* start checkpoint beyond the data: start afresh there */
        log_warn(LOGGER,
                 "%sLog end offset %" PRId64 " is below log start offset %" PRId64
                 ", deleting all segments",
                 l->ident, l->leo, l->start);
        segment *s = seg_create(dir, l->start, l->cfg.segment_index_bytes, t0);
        if (!s) {
            errbuf_set(err, errlen, "cannot create segment in %s: %s", dir, strerror(errno));
            goto fail;
        }
        drop_segs(l, 0, l->nsegs);
        push_seg(l, s); /* cannot fail: the array has room */
        l->leo = l->start;
    }
    l->recovery_point = l->leo;

    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/" EPOCH_FILE, dir);
    int rc = epoch_ckpt_read(p, &l->epochs, &l->nepochs);
    if (rc < 0)
        log_warn(LOGGER, "%sIgnoring malformed %s", l->ident, p);
    epochs_truncate_end(l, l->leo);
    epochs_truncate_start(l, l->start);
    free(bases);
    log_info(LOGGER,
             "%sCompleted load of log with %d segments, log start offset %" PRId64
             " and log end offset %" PRId64 " in %" PRId64 " ms",
             l->ident, l->nsegs, l->start, l->leo, wall_ms() - t0);
    return l;
fail:
    free(bases);
    for (int i = 0; i < l->nsegs; i++)
        seg_close(l->segs[i]);
    free(l->segs);
    free(l->dir);
    free(l);
    return NULL;
}

void plog_set_config(plog *l, const log_config *cfg) {
    int32_t old = l->cfg.segment_index_bytes;
    config_set(l, cfg);
    if (l->cfg.segment_index_bytes != old)
        seg_resize_indexes(active(l), l->cfg.segment_index_bytes);
}

int fsync_dir(plog *l) {
    int rc = dir_fsync(l->dir);
    if (rc == 0)
        l->dir_dirty = 0;
    return rc;
}

/* fsyncs every segment holding offsets in [recovery_point, upto) and moves
 * the recovery point to upto. */
static int flush_upto(plog *l, int64_t upto) {
    if (upto <= l->recovery_point)
        return 0;
    int i = floor_seg(l, l->recovery_point);
    for (i = i < 0 ? 0 : i; i < l->nsegs && l->segs[i]->base < upto; i++)
        if (seg_flush(l->segs[i]) < 0)
            goto fail;
    if (l->dir_dirty && fsync_dir(l) < 0)
        goto fail;
    l->recovery_point = upto;
    return 0;
fail:
    plog_io_failed(l, errno, "Error while flushing log for %s in dir %.*s with offset %" PRId64,
                   PLOG_TP_DIR(l), upto);
    return -1;
}

int plog_flush(plog *l) {
    if (flush_upto(l, l->leo) < 0)
        return -1;
    l->unflushed_since = -1;
    return 0;
}

void plog_maybe_flush(plog *l, int64_t now_ms) {
    if (l->unflushed_since >= 0 && now_ms - l->unflushed_since >= l->cfg.flush_interval_ms)
        plog_flush(l);
    else if (active(l)->base > l->recovery_point)
        flush_upto(l, active(l)->base);
}

static void free_log(plog *l) {
    if (!l)
        return;
    for (int i = 0; i < l->nsegs; i++)
        seg_close(l->segs[i]);
    free(l->segs);
    free(l->epochs);
    free(l->dir);
    free(l);
}

void plog_close(plog *l) {
    if (!l)
        return;
    segment *s = active(l);
    if (seg_make_inactive(s) < 0 || flush_upto(l, l->leo) < 0 || seg_flush(s) < 0 ||
        fsync_dir(l) < 0)
        log_error(LOGGER, "%sError closing log: %s", l->ident, strerror(errno));
    free_log(l);
}

void plog_abandon(plog *l) { free_log(l); }

int plog_delete(plog *l) {
    int rc = 0;
    char *dir = strdup(l->dir);
    free_log(l);
    if (!dir)
        return -1;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        char p[PATH_MAX];
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
                if (unlink(p) < 0)
                    rc = -1;
            }
        closedir(d);
    }
    if (rmdir(dir) < 0)
        rc = -1;
    free(dir);
    return rc;
}

/* ------------------------------------------------------------------------
 * Append and roll
 * ---------------------------------------------------------------------- */
/* Starts a new active segment at the LEO (never rolls an empty one). */
static int roll(plog *l, int64_t now_ms) {
    segment *old = active(l);
    int64_t t0 = wall_ms();
    if (old->size == 0)
        return 0;
    segment *s = seg_create(l->dir, l->leo, l->cfg.segment_index_bytes, now_ms);
    if (!s || push_seg(l, s) < 0) {
        int e = errno;
        seg_close(s);
        plog_io_failed(l, e, "Error while rolling log segment for %s in dir %.*s",
                       PLOG_TP_DIR(l));
        return -1;
    }
    if (seg_make_inactive(old) < 0)
        log_warn(LOGGER, "%sCould not trim indexes of %s: %s", l->ident, old->path,
                 strerror(errno));
    l->dir_dirty = 1;
    log_info(LOGGER, "%sRolled new log segment at offset %" PRId64 " in %" PRId64 " ms.", l->ident,
             l->leo, wall_ms() - t0);
    return 0;
}

/* Kafka's LogSegment.shouldRoll. */
static int should_roll(const plog *l, size_t len, int64_t max_ts, int64_t last, int64_t now_ms) {
    const segment *s = active(l);
    if (s->size == 0)
        return 0;
    int64_t waited = s->rolling_ts >= 0 ? max_ts - s->rolling_ts : now_ms - s->created_ms;
    return s->size > l->cfg.segment_bytes - (int64_t)len || waited > l->cfg.segment_ms ||
           seg_idx_full(s) || last - s->base > INT32_MAX;
}

/* Writes whole batches that already carry their final offsets, epochs and
 * timestamps (leader and follower appends share it): rolls first when due,
 * appends and indexes them, records each batch's PartitionLeaderEpoch in the
 * epoch cache when it is newer (Kafka's maybeAssignEpochStartOffset), moves
 * the LEO to the last batch's last offset + 1 and applies
 * flush_interval_messages. Fills info (log_append_time -1). */
static int append_batches(plog *l, const uint8_t *b, size_t len, int64_t now_ms,
                          plog_append_info *info) {
    int64_t first = l->leo, last = l->leo - 1, max_ts = -1, max_ts_off = -1;
    for (size_t off = 0; off < len; off += (size_t)(RB_LOG_OVERHEAD + rbh_length(b + off))) {
        const uint8_t *h = b + off;
        if (off == 0)
            first = rbh_base_offset(h);
        last = rbh_last_offset(h);
        if (rbh_max_timestamp(h) > max_ts) {
            max_ts = rbh_max_timestamp(h);
            max_ts_off = last;
        }
    }
    if (info) {
        info->first_offset = first;
        info->last_offset = last;
        info->log_append_time = -1;
        info->max_timestamp = max_ts;
        info->offset_of_max_timestamp = max_ts_off;
        info->bytes_appended = len;
    }
    if (!len)
        return 0;
    if (len > (uint64_t)l->cfg.segment_bytes) {
        errno = EMSGSIZE;
        return -1;
    }
    if (should_roll(l, len, max_ts, last, now_ms) && roll(l, now_ms) < 0)
        return -1;
    int64_t at = active(l)->size;
    if (seg_append(active(l), b, len, l->cfg.index_interval_bytes) < 0) {
        plog_io_failed(l, errno, "Error while appending records to %s in dir %.*s",
                       PLOG_TP_DIR(l));
        return -1;
    }
    for (size_t off = 0; off < len; off += (size_t)(RB_LOG_OVERHEAD + rbh_length(b + off)))
        recent_push(l, rbh_base_offset(b + off), rbh_last_offset(b + off), at + (int64_t)off,
                    RB_LOG_OVERHEAD + (int64_t)rbh_length(b + off));
    l->leo = last + 1;
    l->size += (int64_t)len;
    for (size_t off = 0; off < len; off += (size_t)(RB_LOG_OVERHEAD + rbh_length(b + off)))
        epochs_assign(l, rbh_leader_epoch(b + off), rbh_base_offset(b + off));
    if (l->unflushed_since < 0)
        l->unflushed_since = now_ms;
    if (l->leo - l->recovery_point >= l->cfg.flush_interval_messages)
        plog_flush(l);
    return 0;
}

int plog_append(plog *l, uint8_t *b, size_t len, int32_t leader_epoch, int64_t now_ms,
                plog_append_info *info) {
    int lat = l->cfg.message_timestamp_type == 1;
    int64_t n_offsets = 0;
    for (size_t off = 0; off < len;) {
        const uint8_t *h = b + off;
        if (len - off < BATCH_HDR)
            goto invalid;
        int64_t bsize = RB_LOG_OVERHEAD + (int64_t)rbh_length(h);
        if (bsize < BATCH_HDR || (uint64_t)bsize > len - off || rbh_magic(h) != 2 ||
            rbh_last_offset_delta(h) < 0)
            goto invalid;
        n_offsets += (int64_t)rbh_last_offset_delta(h) + 1;
        off += (size_t)bsize;
    }
    if (n_offsets > INT64_MAX - l->leo) { /* a log end offset near INT64_MAX (checkpoints) */
        errno = ERANGE;
        return -1;
    }
    int64_t next = l->leo;
    for (size_t off = 0; off < len;) {
        uint8_t *h = b + off;
        int64_t bsize = RB_LOG_OVERHEAD + (int64_t)rbh_length(h);
        rbh_set_base_offset(h, next);
        rbh_set_leader_epoch(h, leader_epoch);
        if (lat) {
            be16_put(h + RBH_ATTRIBUTES, (uint16_t)(rbh_attributes(h) | BATCH_ATTR_LOG_APPEND_TIME));
            be64_put(h + RBH_MAX_TIMESTAMP, (uint64_t)now_ms);
            batch_set_crc(h, (size_t)bsize);
        }
        next = rbh_last_offset(h) + 1;
        off += (size_t)bsize;
    }
    if (append_batches(l, b, len, now_ms, info) < 0)
        return -1;
    if (info && lat) {
        info->log_append_time = now_ms;
        if (len)
            info->offset_of_max_timestamp = info->last_offset;
    }
    return 0;
invalid:
    errno = EINVAL;
    return -1;
}

int plog_append_follower(plog *l, const uint8_t *b, size_t len, int64_t now_ms,
                         plog_append_info *info) {
    size_t off = 0;
    int64_t prev_last = -1;
    /* whole batches only: a fetch response may end in a truncated one */
    while (len - off >= RB_LOG_OVERHEAD) {
        const uint8_t *h = b + off;
        int64_t bsize = RB_LOG_OVERHEAD + (int64_t)rbh_length(h);
        if (bsize < BATCH_HDR)
            goto invalid;
        if ((uint64_t)bsize > len - off)
            break;
        if (rbh_magic(h) != 2 || rbh_last_offset_delta(h) < 0 ||
            rbh_base_offset(h) >= INT64_MAX - rbh_last_offset_delta(h) || /* LEO = last + 1 */
            batch_crc(h, (size_t)bsize) != rbh_crc(h))
            goto invalid;
        if (off == 0 && rbh_base_offset(h) < l->leo) {
            errno = ERANGE;
            return -1;
        }
        if (off > 0 && rbh_base_offset(h) <= prev_last)
            goto invalid;
        prev_last = rbh_last_offset(h);
        off += (size_t)bsize;
    }
    return append_batches(l, b, off, now_ms, info);
invalid:
    errno = EINVAL;
    return -1;
}

/* ------------------------------------------------------------------------
 * Reads
 * ---------------------------------------------------------------------- */
/* Positions the scanner on the first batch with last offset >= offset, in
 * segment *idx or a later one. 1 found, 0 none, -1 I/O error. */
static int find_batch(plog *l, int64_t offset, int *idx, seg_scan *sc) {
    int i = floor_seg(l, offset);
    for (i = i < 0 ? 0 : i; i < l->nsegs; i++) {
        if (ensure_loaded(l, i) < 0)
            return -1;
        int rc = seg_find(l->segs[i], sc, offset);
        if (rc > 0) {
            *idx = i;
            return 1;
        }
        scan_free(sc);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* First file position in segment i not to be read below max_offset: the
 * start of the first batch whose last offset >= max_offset (Kafka's
 * translateOffset of the high watermark), the segment's size if none.
 * -1 on I/O error. */
static int64_t read_limit_pos(plog *l, int i, int64_t max_offset) {
    segment *s = l->segs[i];
    if (max_offset >= (i + 1 < l->nsegs ? l->segs[i + 1]->base : l->leo))
        return s->size;
    seg_scan sc;
    int rc = seg_find(s, &sc, max_offset);
    int64_t pos = rc > 0 ? sc.pos : s->size;
    scan_free(&sc);
    return rc < 0 ? -1 : pos;
}

/* plog_read_bounded's answer from the recent batches alone (offset is below
 * the LEO and max_offset above offset); -2 when they do not cover offset. */
static int read_recent(plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                       int min_one_batch, plog_read_result *r) {
    int n = l->nrecent;
    if (n == 0 || recent_at(l, 0)->base > offset || recent_at(l, n - 1)->last != l->leo - 1)
        return -2;
    /* the first batch with last offset >= offset, searched from the end */
    int i = n - 1;
    while (i > 0 && recent_at(l, i - 1)->last >= offset)
        i--;
    const recent_batch *b = recent_at(l, i);
    segment *s = active(l);
    /* where reading must stop below max_offset (read_limit_pos) */
    int64_t seg_end = b->pos;
    if (b->last < max_offset) {
        seg_end = s->size;
        if (max_offset < l->leo)
            for (int j = i + 1; j < n; j++)
                if (recent_at(l, j)->last >= max_offset) {
                    seg_end = recent_at(l, j)->pos;
                    break;
                }
    }
    int64_t start = b->pos, end = b->pos + b->size, limit = start + (max_bytes > 0 ? max_bytes : 0);
    if (seg_end <= start || (b->size > (int64_t)max_bytes && !min_one_batch))
        return 0;
    if (limit >= seg_end) {
        end = seg_end;
    } else {
        for (int j = i + 1; j < n && recent_at(l, j)->pos + recent_at(l, j)->size <= limit; j++)
            end = recent_at(l, j)->pos + recent_at(l, j)->size;
    }
    if ((r->fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return -1;
    r->file_pos = start;
    r->len = (int32_t)(end - start);
    return 0;
}

static int read_bounded(plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                        int min_one_batch, plog_read_result *r);

int plog_read_bounded(plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                      int min_one_batch, plog_read_result *r) {
    int rc = read_bounded(l, offset, max_offset, max_bytes, min_one_batch, r);
    /* out of descriptors or memory is the process's trouble, not the disk's */
    if (rc < 0 && errno != EMFILE && errno != ENFILE && errno != ENOMEM)
        plog_io_failed(l, errno, "Exception while reading from %s in dir %.*s", PLOG_TP_DIR(l));
    return rc;
}

static int read_bounded(plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                        int min_one_batch, plog_read_result *r) {
    r->fd = -1;
    r->file_pos = 0;
    r->len = 0;
    if (offset < l->start || offset > l->leo)
        return 1;
    if (offset >= max_offset || offset == l->leo)
        return 0; /* nothing to read (a parked fetch at the log end) */
    int rc = read_recent(l, offset, max_offset, max_bytes, min_one_batch, r);
    if (rc != -2)
        return rc;
    seg_scan sc;
    int i;
    rc = find_batch(l, offset, &i, &sc);
    if (rc <= 0)
        return rc;
    segment *s = l->segs[i];
    int64_t start = sc.pos, end = sc.next, limit = start + (max_bytes > 0 ? max_bytes : 0);
    int64_t seg_end = sc.last < max_offset ? read_limit_pos(l, i, max_offset) : start;
    if (seg_end <= start || (sc.bsize > (int64_t)max_bytes && !min_one_batch)) {
        scan_free(&sc);
        return seg_end < 0 ? -1 : 0;
    }
    if (limit >= seg_end) {
        end = seg_end;
    } else if (end < limit) {
        /* jump to the last indexed batch before the limit, then walk headers */
        int64_t p = seg_lookup_pos(s, limit);
        if (p > end)
            sc.next = p;
        while (scan_next(&sc) && sc.next <= limit)
            end = sc.next;
        if (p > end) /* every batch before an indexed position is whole */
            end = p;
    }
    scan_free(&sc);
    if (sc.err < 0)
        return -1;
    if (end - start > INT32_MAX)
        end = start + INT32_MAX; /* cannot happen: segments are < 2 GiB */
    if ((r->fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return -1;
    r->file_pos = start;
    r->len = (int32_t)(end - start);
    return 0;
}

int plog_read(plog *l, int64_t offset, int32_t max_bytes, int min_one_batch, plog_read_result *r) {
    return plog_read_bounded(l, offset, INT64_MAX, max_bytes, min_one_batch, r);
}

int plog_scan_batch_headers(plog *l, int64_t from_offset, plog_batch_cb *cb, void *arg) {
    if (from_offset >= l->leo)
        return 0;
    int i = floor_seg(l, from_offset);
    for (i = i < 0 ? 0 : i; i < l->nsegs; i++) {
        seg_scan sc;
        if (ensure_loaded(l, i) < 0)
            return -1;
        scan_init(&sc, l->segs[i], seg_lookup(l->segs[i], from_offset), 0);
        while (scan_next(&sc))
            if (sc.last >= from_offset)
                cb(arg, sc.hdr);
        scan_free(&sc);
        if (sc.err < 0)
            return -1;
        if (sc.err > 0)
            log_error(LOGGER, "%sInvalid batch in %s.log at byte %" PRId64 ": %s", l->ident,
                      l->segs[i]->path, sc.pos, sc.why);
    }
    return 0;
}

/* Record-level search inside one batch (Kafka's FileRecords.searchForTimestamp):
 * uncompressed CreateTime batches are decoded, otherwise the batch's
 * MaxTimestamp stands for all its records. */
static int batch_find_ts(seg_scan *sc, int64_t ts, int64_t min_off, int64_t *offset, int64_t *t) {
    const uint8_t *h = sc->hdr;
    int16_t attrs = (int16_t)be16_get(h + 21);
    if ((attrs & 0x07) || (attrs & 0x08)) {
        *offset = sc->first > min_off ? sc->first : min_off;
        *t = sc->max_ts;
        return 1;
    }
    int64_t base_ts = (int64_t)be64_get(h + 27);
    int32_t count = (int32_t)be32_get(h + 57);
    const uint8_t *d = scan_bytes(sc, sc->pos, (size_t)sc->bsize);
    if (!d)
        return -1;
    rbuf rb;
    rb_init(&rb, d + BATCH_HDR, (size_t)sc->bsize - BATCH_HDR);
    for (int32_t i = 0; i < count; i++) {
        int32_t rlen, odelta;
        int64_t tdelta;
        int8_t rattr;
        size_t at;
        RB_TRY(rb_get_varint(&rb, &rlen));
        at = rb.off;
        RB_TRY(rb_get_i8(&rb, &rattr));
        RB_TRY(rb_get_varlong(&rb, &tdelta));
        RB_TRY(rb_get_varint(&rb, &odelta));
        if (rlen < 0 || (size_t)rlen > rb.len - at)
            goto err_parse;
        rb.off = at + (size_t)rlen;
        /* the sums wrap as Java's long does (values read from disk) */
        int64_t rts = (int64_t)((uint64_t)base_ts + (uint64_t)tdelta);
        int64_t roff = (int64_t)((uint64_t)sc->first + (uint64_t)(int64_t)odelta);
        if (rts >= ts && roff >= min_off) {
            *offset = roff;
            *t = rts;
            return 1;
        }
    }
    return 0;
err_parse:
    return 0; /* malformed records: treat as no match in this batch */
}

/* Kafka searches the first segment whose largest timestamp >= ts; later
 * segments are tried too when that one has nothing at or after the log
 * start offset. */
int plog_offset_for_timestamp(plog *l, int64_t ts, int64_t *offset, int64_t *timestamp) {
    for (int i = 0; i < l->nsegs; i++) {
        segment *s = l->segs[i];
        if (i + 1 < l->nsegs && l->segs[i + 1]->base <= l->start)
            continue; /* wholly below the log start offset */
        if (ensure_loaded(l, i) < 0)
            return -1;
        if (seg_largest_ts(s) < ts)
            continue;
        int64_t from = seg_time_lookup(s, ts);
        seg_scan sc;
        int rc = 0;
        scan_init(&sc, s, seg_lookup(s, from > l->start ? from : l->start), 0);
        while (rc == 0 && scan_next(&sc))
            if (sc.max_ts >= ts && sc.last >= l->start)
                rc = batch_find_ts(&sc, ts, l->start, offset, timestamp);
        scan_free(&sc);
        if (rc < 0 || sc.err < 0)
            return -1;
        if (rc == 1)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------
 * Retention and DeleteRecords
 * ---------------------------------------------------------------------- */
enum { BY_TIME, BY_SIZE, BY_START };

/* Kafka's deleteOldSegments: deletes the longest prefix of segments that
 * match; the active segment only if it is non-empty (a new one is rolled). */
static int delete_old(plog *l, int by, int64_t now_ms) {
    int k = 0;
    int64_t diff = l->size - l->cfg.retention_bytes;
    char reason[96], list[256] = "";
    while (k < l->nsegs) {
        segment *s = l->segs[k];
        int ok;
        if (k == l->nsegs - 1 && s->size == 0)
            break;
        if (by == BY_TIME)
            ok = ensure_loaded(l, k) == 0 && now_ms - seg_largest_ts(s) > l->cfg.retention_ms;
        else if (by == BY_SIZE)
            ok = diff - s->size >= 0 ? (diff -= s->size, 1) : 0;
        else
            ok = k + 1 < l->nsegs && l->segs[k + 1]->base <= l->start;
        if (!ok)
            break;
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%" PRId64, k ? "," : "", s->base);
        k++;
    }
    if (k == 0)
        return 0;
    if (by == BY_TIME)
        snprintf(reason, sizeof reason, "retention time %" PRId64 "ms breach", l->cfg.retention_ms);
    else if (by == BY_SIZE)
        snprintf(reason, sizeof reason, "retention size in bytes %" PRId64 " breach",
                 l->cfg.retention_bytes);
    else
        snprintf(reason, sizeof reason, "log start offset %" PRId64 " breach", l->start);
    log_info(LOGGER, "%sFound deletable segments with base offsets [%s] due to %s", l->ident, list,
             reason);
    if (k == l->nsegs && roll(l, now_ms) < 0)
        return 0;
    drop_segs(l, 0, k);
    if (l->segs[0]->base > l->start) {
        l->start = l->segs[0]->base;
        epochs_truncate_start(l, l->start);
    }
    if (l->recovery_point < l->segs[0]->base)
        l->recovery_point = l->segs[0]->base;
    return k;
}

int plog_enforce_retention(plog *l, int64_t now_ms) {
    segment *s = active(l);
    int64_t t0 = s->rolling_ts >= 0 ? s->rolling_ts : s->created_ms;
    if (s->size > 0 && now_ms - t0 > l->cfg.segment_ms)
        roll(l, now_ms);
    int n = 0;
    if (l->cfg.cleanup_delete && l->cfg.retention_ms >= 0)
        n += delete_old(l, BY_TIME, now_ms);
    if (l->cfg.cleanup_delete && l->cfg.retention_bytes >= 0 && l->size >= l->cfg.retention_bytes)
        n += delete_old(l, BY_SIZE, now_ms);
    return n + delete_old(l, BY_START, now_ms);
}

int plog_delete_records(plog *l, int64_t offset) {
    if (offset > l->leo)
        return 1;
    if (offset <= l->start)
        return 0;
    log_info(LOGGER, "%sIncrementing log start offset to %" PRId64, l->ident, offset);
    l->start = offset;
    epochs_truncate_start(l, offset);
    delete_old(l, BY_START, wall_ms());
    return 0;
}

/* ------------------------------------------------------------------------
 * Truncation (follower side: Kafka's Log.truncateTo / truncateFullyAndStartAt)
 * ---------------------------------------------------------------------- */
/* Deletes segments from the last one down while there are more than keep
 * and the last one's base offset is above `above`: whatever a kill -9 leaves
 * of it is a prefix of the log. */
static void drop_tail(plog *l, int keep, int64_t above) {
    while (l->nsegs > keep && active(l)->base > above)
        drop_segs(l, l->nsegs - 1, 1);
}

/* Makes the last segment active (writable indexes), cuts it at file position
 * pos and moves the LEO to new_leo, clamping what must stay below it. */
static int cut_active(plog *l, int64_t pos, int64_t new_leo) {
    segment *s = active(l);
    recent_clear(l);
    int64_t old_size = s->size;
    if (ensure_loaded(l, l->nsegs - 1) < 0 || seg_cut(s, pos, new_leo) < 0) {
        plog_io_failed(l, errno, "Error while truncating log to offset %" PRId64
                       " for %s in dir %.*s", new_leo, PLOG_TP_DIR(l));
        return -1;
    }
    l->size -= old_size - s->size;
    l->leo = new_leo;
    if (l->recovery_point > new_leo)
        l->recovery_point = new_leo;
    if (l->clean_end > new_leo)
        l->clean_end = new_leo;
    if (l->start > new_leo)
        l->start = new_leo;
    epochs_truncate_end(l, new_leo);
    return 0;
}

int plog_truncate_fully_and_start_at(plog *l, int64_t offset) {
    if (offset < 0) {
        errno = EINVAL;
        return -1;
    }
    log_info(LOGGER, "%sTruncate and start at offset %" PRId64, l->ident, offset);
    drop_tail(l, 1, INT64_MIN);
    /* the one segment left is emptied first, so that nothing of the old
     * data survives a crash in between, then replaced by one at offset */
    if (cut_active(l, 0, l->segs[0]->base) < 0)
        return -1;
    if (l->segs[0]->base != offset) {
        segment *s = seg_create(l->dir, offset, l->cfg.segment_index_bytes, wall_ms());
        if (!s || push_seg(l, s) < 0) {
            int e = errno;
            seg_close(s);
            plog_io_failed(l, e, "Error while truncating the entire log for %s in dir %.*s",
                           PLOG_TP_DIR(l));
            return -1;
        }
        drop_segs(l, 0, 1);
    }
    l->leo = l->start = l->recovery_point = l->clean_end = offset;
    l->nepochs = 0;
    return epochs_write(l);
}

int plog_truncate_to(plog *l, int64_t offset) {
    if (offset < 0) {
        errno = EINVAL;
        return -1;
    }
    if (offset >= l->leo) {
        log_info(LOGGER,
                 "%sTruncating to %" PRId64 " has no effect as the largest offset in the log is %" PRId64,
                 l->ident, offset, l->leo - 1);
        return 0;
    }
    log_info(LOGGER, "%sTruncating to offset %" PRId64, l->ident, offset);
    if (offset < l->start || offset < l->segs[0]->base)
        return plog_truncate_fully_and_start_at(l, offset);
    drop_tail(l, 1, offset);
    /* cut at the first batch holding offsets >= offset: the LEO becomes its
     * base offset (offset itself when truncating at a batch boundary or in
     * a gap a compaction left) */
    segment *s = active(l);
    seg_scan sc;
    if (ensure_loaded(l, l->nsegs - 1) < 0)
        return -1;
    int rc = seg_find(s, &sc, offset);
    int64_t pos = rc > 0 ? sc.pos : s->size;
    int64_t new_leo = rc > 0 && sc.first < offset ? sc.first : offset;
    scan_free(&sc);
    if (rc < 0)
        return -1;
    return cut_active(l, pos, new_leo);
}

/* ------------------------------------------------------------------------
 * Accessors
 * ---------------------------------------------------------------------- */
int64_t plog_log_start_offset(const plog *l) { return l->start; }
int64_t plog_log_end_offset(const plog *l) { return l->leo; }
int64_t plog_recovery_point(const plog *l) { return l->recovery_point; }
int64_t plog_size_bytes(const plog *l) { return l->size; }
int plog_segment_count(const plog *l) { return l->nsegs; }
int64_t plog_first_segment_base(const plog *l) { return l->segs[0]->base; }
