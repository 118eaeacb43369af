/* log_cleaner.c -- compaction of logs with cleanup.policy=compact (Kafka's
 * LogCleaner, done inline by the broker's periodic work): the inactive
 * segments are rewritten keeping only the latest record of each key, and
 * neighbouring segments are merged up to segment.bytes, so a compacted log
 * (e.g. __consumer_offsets) stays as large as its live keys.
 *
 * Records keep their offsets. A batch whose records all survive is copied
 * byte for byte; otherwise each survivor becomes a one-record batch with its
 * own offset as base offset (uncompressed, CreateTime = its timestamp).
 * Tombstones (null values) are dropped once their batch is older than
 * delete.retention.ms; records with a null key are dropped.
 *
 * Crash safety. A group of segments [base, ...] is replaced in these steps:
 *   1. the cleaned data is written to <base>.log.cleaned and fsynced;
 *   2. it is renamed <base>.log.swap (the directory fsynced): from here on
 *      the swap file is complete and authoritative for offsets base..last;
 *   3. the group's old segment files are deleted;
 *   4. <base>.log.swap is renamed <base>.log (directory fsynced) and its
 *      offset and time indexes are written from it and fsynced.
 * At start-up, .cleaned files are deleted (log.c) and a .swap file makes
 * cleaner_complete_swaps redo steps 3-4 for the segments its offsets cover.
 * A kill at any point therefore leaves either the old segments or the new one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log_internal.h"
#include "logger.h"
#include "records.h"

#define CLEANER_LOGGER "kafka.log.LogCleaner"
#define MAX_DECOMPRESSED ((size_t)256 << 20)

/* ------------------------------------------------------------------------
 * Key -> latest offset (open addressing, keys copied)
 * ---------------------------------------------------------------------- */
typedef struct km_slot {
    uint8_t *key; /* NULL: empty */
    int32_t len;
    uint64_t hash;
    int64_t offset;
} km_slot;

typedef struct keymap {
    km_slot *slots;
    size_t cap, n;
} keymap;

static uint64_t km_hash(const void *p, int32_t len) {
    uint64_t h = 1469598103934665603ull;
    const uint8_t *b = p;
    for (int32_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static km_slot *km_find(keymap *m, const void *key, int32_t len, uint64_t h) {
    size_t i = h & (m->cap - 1);
    for (;;) {
        km_slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && s->len == len && !memcmp(s->key, key, (size_t)len)))
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

static void km_put(keymap *m, const void *key, int32_t len, int64_t offset) {
    if ((m->n + 1) * 2 > m->cap) {
        keymap big = {calloc(m->cap ? m->cap * 2 : 1024, sizeof(km_slot)), m->cap ? m->cap * 2 : 1024, 0};
        if (!big.slots)
            abort();
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key) {
                *km_find(&big, m->slots[i].key, m->slots[i].len, m->slots[i].hash) = m->slots[i];
                big.n++;
            }
        free(m->slots);
        *m = big;
    }
    uint64_t h = km_hash(key, len);
    km_slot *s = km_find(m, key, len, h);
    if (!s->key) {
        if (!(s->key = malloc((size_t)len + 1)))
            abort();
        memcpy(s->key, key, (size_t)len);
        s->len = len;
        s->hash = h;
        m->n++;
    }
    s->offset = offset;
}

static int64_t km_get(keymap *m, const void *key, int32_t len) {
    if (!m->cap)
        return -1;
    km_slot *s = km_find(m, key, len, km_hash(key, len));
    return s->key ? s->offset : -1;
}

static void km_free(keymap *m) {
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
}

/* ------------------------------------------------------------------------
 * Passes over a segment's batches
 * ---------------------------------------------------------------------- */
typedef int batch_fn(void *arg, const uint8_t *batch, size_t len);

static int for_each_batch(segment *s, batch_fn *fn, void *arg) {
    seg_scan sc;
    scan_init(&sc, s, 0, 0);
    int rc = 0;
    while (rc == 0 && scan_next(&sc)) {
        const uint8_t *b = scan_bytes(&sc, sc.pos, (size_t)sc.bsize);
        rc = b ? fn(arg, b, (size_t)sc.bsize) : -1;
    }
    if (rc == 0 && sc.err < 0)
        rc = -1;
    scan_free(&sc);
    return rc;
}

static int map_record(void *arg, const record_view *r) {
    if (!KSTR_IS_NULL(r->key))
        km_put(arg, r->key.s, r->key.len, r->offset);
    return 0;
}

static int map_batch(void *arg, const uint8_t *b, size_t len) {
    if (rbh_attributes(b) & BATCH_ATTR_CONTROL)
        return 0;
    return batch_records_foreach(b, len, MAX_DECOMPRESSED, map_record, arg) < 0 ? -1 : 0;
}

typedef struct clean_ctx {
    keymap *map;
    int64_t tombstone_horizon; /* tombstones in batches older than this go */
    int fd;                    /* the .cleaned file */
    wbuf out;                  /* survivors of the current batch, as one-record batches */
    int total, kept;
    int64_t batch_max_ts;
    int64_t bytes_in, bytes_out;
} clean_ctx;

static int clean_record(void *arg, const record_view *r) {
    clean_ctx *c = arg;
    c->total++;
    if (KSTR_IS_NULL(r->key) || km_get(c->map, r->key.s, r->key.len) != r->offset)
        return 0;
    if (KSTR_IS_NULL(r->value) && c->batch_max_ts < c->tombstone_horizon)
        return 0;
    c->kept++;
    kheader hs[64];
    int nh = 0;
    const uint8_t *hp = r->headers;
    size_t hl = r->headers_len;
    kstr hk, hv;
    while (nh < 64 && record_header_next(&hp, &hl, &hk, &hv) == 1) {
        hs[nh].key = hk.s;
        hs[nh].key_len = hk.len;
        hs[nh].value = hv.s;
        hs[nh].value_len = hv.len;
        nh++;
    }
    batch_record rec = {r->key.s, r->key.len, r->value.s, r->value.len, r->timestamp, nh, hs};
    batch_build_v2(&c->out, r->offset, r->timestamp, &rec, 1, 0, -1, -1, -1);
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int clean_batch(void *arg, const uint8_t *b, size_t len) {
    clean_ctx *c = arg;
    c->bytes_in += (int64_t)len;
    if (rbh_attributes(b) & BATCH_ATTR_CONTROL)
        return 0; /* no transactions here: markers have nothing to keep */
    c->total = c->kept = 0;
    c->batch_max_ts = rbh_max_timestamp(b);
    wb_reset(&c->out);
    if (batch_records_foreach(b, len, MAX_DECOMPRESSED, clean_record, c) < 0)
        return -1;
    const uint8_t *p = c->kept == c->total ? b : c->out.data;
    size_t n = c->kept == c->total ? len : c->out.len;
    if (c->kept == 0)
        return 0;
    c->bytes_out += (int64_t)n;
    return write_all(c->fd, p, n);
}

/* ------------------------------------------------------------------------
 * Replacing a group of segments
 * ---------------------------------------------------------------------- */
static void unlink_segment_files(const char *dir, int64_t base) {
    static const char *const exts[] = {".log", ".index", ".timeindex", ".txnindex"};
    char p[SEG_NAME_MAX];
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        seg_name(p, sizeof p, dir, base, exts[i]);
        unlink(p);
    }
}

/* Steps 1-4 for segs[from, to). Returns the bytes reclaimed or -1. */
static int64_t clean_group(plog *l, int from, int to, keymap *map, int64_t now_ms) {
    int64_t base = l->segs[from]->base;
    char cleaned[SEG_NAME_MAX], swap[SEG_NAME_MAX], logp[SEG_NAME_MAX];
    seg_name(cleaned, sizeof cleaned, l->dir, base, ".log.cleaned");
    seg_name(swap, sizeof swap, l->dir, base, ".log.swap");
    seg_name(logp, sizeof logp, l->dir, base, ".log");
    clean_ctx c = {map, now_ms - l->cfg.delete_retention_ms, -1};
    c.fd = open(cleaned, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (c.fd < 0)
        return -1;
    wb_init(&c.out, 4096);
    int rc = 0;
    for (int i = from; i < to && rc == 0; i++)
        rc = for_each_batch(l->segs[i], clean_batch, &c);
    wb_free(&c.out);
    if (rc == 0 && fsync(c.fd) != 0)
        rc = -1;
    close(c.fd);
    if (rc != 0 || rename(cleaned, swap) != 0 || fsync_dir(l) != 0) {
        unlink(cleaned);
        return -1;
    }
    /* the swap file is authoritative from here on */
    int64_t old_size = 0;
    for (int i = from; i < to; i++) {
        segment *s = l->segs[i];
        old_size += s->size;
        int64_t b = s->base;
        seg_close(s);
        unlink_segment_files(l->dir, b);
    }
    if (rename(swap, logp) != 0)
        return -1; /* start-up completes the swap */
    fsync_dir(l);
    segment *ns = seg_open(l->dir, base, now_ms);
    if (!ns)
        return -1;
    l->segs[from] = ns;
    memmove(l->segs + from + 1, l->segs + to, (size_t)(l->nsegs - to) * sizeof *l->segs);
    l->nsegs -= to - from - 1;
    l->size += ns->size - old_size;
    /* the merged segment's offset and time indexes, written and flushed
     * with it (loading would find none and rebuild them with a WARN) */
    if (seg_rebuild(ns, 0, l->cfg.segment_index_bytes, l->cfg.index_interval_bytes, 0, NULL,
                    NULL) < 0 ||
        seg_flush(ns) < 0)
        return -1;
    return old_size - ns->size;
}

int64_t plog_compact(plog *l, int64_t now_ms) {
    if (!l->cfg.cleanup_compact || l->nsegs < 2)
        return 0;
    int inactive = l->nsegs - 1;
    int64_t total = 0, dirty = 0;
    for (int i = 0; i < inactive; i++) {
        total += l->segs[i]->size;
        if (l->segs[i]->base >= l->clean_end)
            dirty += l->segs[i]->size;
    }
    if (dirty == 0 || (double)dirty < l->cfg.min_cleanable_ratio * (double)total)
        return 0;
    int64_t clean_upto = l->segs[inactive]->base;
    keymap map = {0};
    for (int i = 0; i < l->nsegs; i++)
        if (for_each_batch(l->segs[i], map_batch, &map) != 0) {
            km_free(&map);
            log_error(CLEANER_LOGGER, "%sCannot read segment %" PRId64 " for cleaning", l->ident,
                      l->segs[i]->base);
            return -1;
        }
    int64_t before = l->size, reclaimed = 0;
    /* Pass 1 cleans segment groups by their current sizes; pass 2 merges the
     * now smaller neighbours (their batches all survive: a plain copy). */
    for (int pass = 0; pass < 2; pass++) {
        int i = 0, merged = 0;
        while (i < l->nsegs - 1) {
            int j = i + 1;
            int64_t sum = l->segs[i]->size;
            while (j < l->nsegs - 1 && sum + l->segs[j]->size <= l->cfg.segment_bytes) {
                sum += l->segs[j]->size;
                j++;
            }
            if (pass == 1 && j == i + 1) {
                i++;
                continue;
            }
            merged += j - i - 1;
            int64_t r = clean_group(l, i, j, &map, now_ms);
            if (r < 0) {
                km_free(&map);
                log_error(CLEANER_LOGGER, "%sCleaning segment %" PRId64 " failed: %s", l->ident,
                          l->segs[i]->base, strerror(errno));
                return -1;
            }
            reclaimed += r;
            i++;
        }
        if (pass == 0 && merged == 0) {
            int any = 0;
            for (int k = 0; k + 2 < l->nsegs && !any; k++)
                any = l->segs[k]->size + l->segs[k + 1]->size <= l->cfg.segment_bytes;
            if (!any)
                break;
        }
    }
    km_free(&map);
    l->clean_end = clean_upto;
    log_info(CLEANER_LOGGER, "%sCleaned log up to offset %" PRId64 ": %" PRId64 " bytes before, "
             "%" PRId64 " after, %d segments, %zu keys", l->ident, clean_upto, before, l->size,
             l->nsegs, map.n);
    return reclaimed;
}

/* ------------------------------------------------------------------------
 * Start-up: finish an interrupted swap
 * ---------------------------------------------------------------------- */

/* "<20 digits><ext>" -> 0 and the base offset. */
static int seg_file_base_ext(const char *name, const char *ext, int64_t *base) {
    size_t n = strlen(name), k = strlen(ext);
    if (n != 20 + k || strcmp(name + 20, ext) != 0)
        return -1;
    int64_t b = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        b = b * 10 + (name[i] - '0');
    }
    *base = b;
    return 0;
}

/* Last offset of the batches in a file (their headers only), -1 if none. */
static int64_t file_last_offset(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int64_t pos = 0, last = -1;
    uint8_t h[RB_HEADER_SIZE];
    while (pread(fd, h, sizeof h, pos) == (ssize_t)sizeof h) {
        int32_t blen = rbh_length(h);
        if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD)
            break;
        last = rbh_last_offset(h);
        pos += RB_LOG_OVERHEAD + blen;
    }
    close(fd);
    return last;
}

void cleaner_complete_swaps(const char *dir, const char *ident) {
    DIR *d = opendir(dir);
    if (!d)
        return;
    int64_t swaps[64];
    int nswaps = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nswaps < 64) {
        int64_t b;
        if (seg_file_base_ext(de->d_name, ".log.swap", &b) == 0)
            swaps[nswaps++] = b;
    }
    for (int k = 0; k < nswaps; k++) {
        char swap[SEG_NAME_MAX], logp[SEG_NAME_MAX];
        seg_name(swap, sizeof swap, dir, swaps[k], ".log.swap");
        seg_name(logp, sizeof logp, dir, swaps[k], ".log");
        int64_t last = file_last_offset(swap);
        rewinddir(d);
        while ((de = readdir(d))) {
            int64_t b;
            if (seg_file_base_ext(de->d_name, ".log", &b) == 0 && b >= swaps[k] &&
                b <= (last > swaps[k] ? last : swaps[k]))
                unlink_segment_files(dir, b);
        }
        unlink_segment_files(dir, swaps[k]);
        if (rename(swap, logp) == 0)
            log_info(CLEANER_LOGGER, "%sCompleted an interrupted compaction: segment %" PRId64
                     " replaces the segments up to offset %" PRId64, ident, swaps[k], last);
    }
    closedir(d);
}
