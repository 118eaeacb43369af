/* segment.c -- one log segment (.log + .index + .timeindex) in Kafka's format.
 *
 * See segment.h for the file formats and the index life cycle. Everything
 * here works on one segment; the partition-level policy (which segment is
 * active, what to recover, when to roll) lives in log.c.
 */
#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "crc32c.h"
#include "logger.h"

#define IDX_ESZ 8
#define TIDX_ESZ 12
#define SCAN_WINDOW 16384

/* ------------------------------------------------------------------------
 * Index files
 * ---------------------------------------------------------------------- */
void seg_name(char *out, size_t cap, const char *dir, int64_t base, const char *ext) {
    snprintf(out, cap, "%s/%020" PRId64 "%s", dir, base, ext);
}

static void seg_file(const segment *s, const char *ext, char *out) {
    snprintf(out, SEG_NAME_MAX, "%s%s", s->path, ext);
}

static int32_t idx_rel(const seg_index *x, int32_t i) {
    return (int32_t)be32_get(x->map + (size_t)i * IDX_ESZ);
}
static int32_t idx_pos(const seg_index *x, int32_t i) {
    return (int32_t)be32_get(x->map + (size_t)i * IDX_ESZ + 4);
}
static int64_t tidx_ts(const seg_index *x, int32_t i) {
    return (int64_t)be64_get(x->map + (size_t)i * TIDX_ESZ);
}
static int32_t tidx_rel(const seg_index *x, int32_t i) {
    return (int32_t)be32_get(x->map + (size_t)i * TIDX_ESZ + 8);
}

static void idx_unmap(seg_index *x) {
    if (x->map)
        munmap(x->map, x->map_len);
    memset(x, 0, sizeof *x);
}

/* Maps an index file. The file must hold exactly its entries (n = size / esz;
 * a padded file fails validation later). rw: the file is extended to
 * cap_bytes (rounded down to whole entries) and mapped writable. */
static int idx_map(seg_index *x, const char *path, size_t esz, int rw, int32_t cap_bytes) {
    memset(x, 0, sizeof *x);
    int fd = open(path, rw ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0)
        goto fail;
    if (st.st_size % (off_t)esz || st.st_size > INT32_MAX) {
        errno = EINVAL;
        goto fail;
    }
    size_t len = (size_t)st.st_size;
    x->n = (int32_t)(len / esz);
    if (rw && cap_bytes > 0 && (size_t)cap_bytes / esz * esz > len) {
        len = (size_t)cap_bytes / esz * esz;
        if (ftruncate(fd, (off_t)len) < 0)
            goto fail;
    }
    if (len) {
        void *m = mmap(NULL, len, rw ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED)
            goto fail;
        x->map = m;
        /* Appends touch the map's pages one by one, beyond the file's data
         * they are holes: readahead would only zero-fill pages ahead. */
        if (rw)
            (void)madvise(m, len, MADV_RANDOM);
    }
    x->map_len = len;
    x->max = (int32_t)(len / esz);
    x->rw = rw;
    close(fd);
    return 0;
fail:
    close(fd);
    return -1;
}

/* Unmaps, truncates the file to its entries and maps it again (rw: extended
 * to cap_bytes for further appends). */
static int idx_remap(seg_index *x, const char *path, size_t esz, int rw, int32_t cap_bytes) {
    off_t len = (off_t)x->n * (off_t)esz;
    idx_unmap(x);
    if (truncate(path, len) < 0)
        return -1;
    return idx_map(x, path, esz, rw, cap_bytes);
}

/* Entries must be strictly increasing (offsets and positions / timestamps),
 * inside the segment's offset range and, for .index, inside the .log. */
static int idx_valid(const segment *s, int64_t limit) {
    int64_t prev_rel = -1, prev_pos = 0;
    for (int32_t i = 0; i < s->idx.n; i++) {
        int64_t rel = idx_rel(&s->idx, i), pos = idx_pos(&s->idx, i);
        if (rel <= prev_rel || pos <= prev_pos || pos >= s->size || s->base + rel >= limit)
            return 0;
        prev_rel = rel;
        prev_pos = pos;
    }
    int64_t prev_ts = INT64_MIN;
    prev_rel = 0;
    for (int32_t i = 0; i < s->tidx.n; i++) {
        int64_t ts = tidx_ts(&s->tidx, i), rel = tidx_rel(&s->tidx, i);
        if (ts <= prev_ts || rel < prev_rel || s->base + rel >= limit)
            return 0;
        prev_ts = ts;
        prev_rel = rel;
    }
    return 1;
}

/* Time index append: only growing timestamps; the last slot is kept for the
 * final entry written when the segment becomes inactive. */
static void tidx_maybe_append(segment *s, int64_t ts, int64_t offset, int final) {
    seg_index *x = &s->tidx;
    if (!x->rw || x->n >= x->max - (final ? 0 : 1) || offset < s->base)
        return;
    if (ts <= (x->n ? tidx_ts(x, x->n - 1) : -1))
        return;
    uint8_t *e = x->map + (size_t)x->n * TIDX_ESZ;
    be64_put(e, (uint64_t)ts);
    be32_put(e + 8, (uint32_t)(offset - s->base));
    x->n++;
}

void seg_index_batch(segment *s, int64_t pos, int64_t size, int64_t last, int64_t max_ts,
                     int32_t interval) {
    if (pos == 0)
        s->rolling_ts = max_ts;
    if (max_ts > s->max_ts) {
        s->max_ts = max_ts;
        s->max_ts_offset = last;
    }
    if (s->bytes_since_index > interval) {
        seg_index *x = &s->idx;
        if (x->rw && x->n < x->max) {
            uint8_t *e = x->map + (size_t)x->n * IDX_ESZ;
            be32_put(e, (uint32_t)(last - s->base));
            be32_put(e + 4, (uint32_t)pos);
            x->n++;
        }
        tidx_maybe_append(s, s->max_ts, s->max_ts_offset, 0);
        s->bytes_since_index = 0;
    }
    s->bytes_since_index += size;
}

int seg_idx_full(const segment *s) {
    return s->idx.n >= s->idx.max || s->tidx.n >= s->tidx.max - 1;
}

/* ------------------------------------------------------------------------
 * Batch scanner
 * ---------------------------------------------------------------------- */
void scan_init(seg_scan *sc, segment *s, int64_t pos, int verify) {
    memset(sc, 0, sizeof *sc);
    sc->s = s;
    sc->pos = sc->next = pos;
    sc->end = s->size;
    sc->prev_last = s->base - 1;
    sc->verify = verify;
    sc->bpos = -1;
}

void scan_free(seg_scan *sc) {
    free(sc->buf);
    sc->buf = NULL;
}

const uint8_t *scan_bytes(seg_scan *sc, int64_t pos, size_t len) {
    if (sc->bpos >= 0 && pos >= sc->bpos && (size_t)(pos - sc->bpos) + len <= sc->blen)
        return sc->buf + (pos - sc->bpos);
    /* read ahead a window for the next headers, unless the batches are
     * large (the last one scanned): then one header is one small read */
    size_t want = len > SCAN_WINDOW || sc->bsize >= SCAN_WINDOW / 2 ? len : SCAN_WINDOW;
    if (want > sc->cap) {
        uint8_t *nb = realloc(sc->buf, want);
        if (!nb) {
            sc->err = -1;
            return NULL;
        }
        sc->buf = nb;
        sc->cap = want;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(sc->s->fd, sc->buf + got, want - got, (off_t)(pos + (int64_t)got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            sc->err = -1;
            sc->bpos = -1;
            return NULL;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    sc->bpos = pos;
    sc->blen = got;
    if (got < len) {
        sc->err = 1;
        sc->why = "file shorter than expected";
        return NULL;
    }
    return sc->buf;
}

static int scan_bad(seg_scan *sc, const char *why) {
    sc->err = 1;
    sc->why = why;
    return 0;
}

int scan_next(seg_scan *sc) {
    sc->pos = sc->next;
    sc->hdr = NULL;
    if (sc->pos >= sc->end) {
        sc->err = 0;
        return 0;
    }
    if (sc->end - sc->pos < BATCH_HDR)
        return scan_bad(sc, "truncated batch header");
    const uint8_t *h = scan_bytes(sc, sc->pos, BATCH_HDR);
    if (!h)
        return 0;
    int64_t blen = (int32_t)be32_get(h + 8);
    int64_t first = (int64_t)be64_get(h), delta = (int32_t)be32_get(h + 23);
    if (blen < BATCH_HDR - 12)
        return scan_bad(sc, "batch length too small");
    if (blen + 12 > sc->end - sc->pos)
        return scan_bad(sc, "truncated batch");
    if (h[16] != 2)
        return scan_bad(sc, "unsupported magic");
    if (delta < 0 || (int32_t)be32_get(h + 57) < 0)
        return scan_bad(sc, "invalid record count");
    if (first <= sc->prev_last || first < sc->s->base || first >= INT64_MAX - delta ||
        first + delta - sc->s->base > INT32_MAX)
        return scan_bad(sc, "offsets out of order or range");
    sc->bsize = blen + 12;
    uint32_t stored = be32_get(h + 17);
    sc->first = first;
    sc->last = first + delta;
    sc->max_ts = (int64_t)be64_get(h + 35);
    memcpy(sc->hdr_copy, h, BATCH_HDR);
    if (sc->verify) {
        uint32_t crc = 0;
        for (int64_t p = sc->pos + 21, e = sc->pos + sc->bsize; p < e;) {
            size_t n = (size_t)(e - p < SCAN_WINDOW ? e - p : SCAN_WINDOW);
            const uint8_t *d = scan_bytes(sc, p, n);
            if (!d)
                return 0;
            crc = crc32c(crc, d, n);
            p += (int64_t)n;
        }
        if (crc != stored)
            return scan_bad(sc, "CRC mismatch");
    }
    sc->hdr = sc->hdr_copy;
    sc->next = sc->pos + sc->bsize;
    sc->prev_last = sc->last;
    return 1;
}

/* ------------------------------------------------------------------------
 * Segment life cycle
 * ---------------------------------------------------------------------- */
static segment *seg_new(const char *dir, int64_t base, int64_t now_ms) {
    segment *s = calloc(1, sizeof *s);
    char p[SEG_NAME_MAX];
    seg_name(p, sizeof p, dir, base, "");
    if (!s || !(s->path = strdup(p))) {
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    s->base = base;
    s->fd = -1;
    s->max_ts = s->max_ts_offset = s->rolling_ts = -1;
    s->created_ms = now_ms;
    return s;
}

/* ------------------------------------------------------------------------
 * Blocks reserved ahead of the end of the active .log
 * ---------------------------------------------------------------------- */
#define RESERVE_MIN (1 << 20)
#define RESERVE_MAX (16 << 20)

/* Before writing len bytes at the end: reserve the next step if they go past
 * the reserve. A filesystem without fallocate just goes on without one. */
static void reserve_ahead(segment *s, size_t len) {
    if (s->reserved_end < 0 || s->size + (int64_t)len <= s->reserved_end)
        return;
    int64_t step = s->size / 8;
    step = step < RESERVE_MIN ? RESERVE_MIN : step > RESERVE_MAX ? RESERVE_MAX : step;
    int64_t from = s->size > s->reserved_end ? s->size : s->reserved_end;
    int64_t to = s->size + (int64_t)len + step;
    if (fallocate(s->fd, FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from)) == 0)
        s->reserved_end = to;
    else if (errno == EOPNOTSUPP || errno == ENOSYS)
        s->reserved_end = -1; /* not on this filesystem: never again */
}

/* Gives back blocks past the end of the file: truncating to the file's own
 * size (s->size: appends and truncations keep it) frees them and changes no
 * byte. */
static int release_reserve(segment *s) {
    if (s->fd < 0 || s->reserved_end <= 0)
        return 0;
    s->reserved_end = 0;
    return ftruncate(s->fd, (off_t)s->size);
}

segment *seg_create(const char *dir, int64_t base, int32_t index_bytes, int64_t now_ms) {
    segment *s = seg_new(dir, base, now_ms);
    if (!s)
        return NULL;
    char p[SEG_NAME_MAX];
    seg_file(s, ".log", p);
    s->fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->fd < 0)
        goto fail;
    seg_file(s, ".index", p);
    if (truncate(p, 0) < 0 && errno != ENOENT)
        goto fail;
    if (idx_map(&s->idx, p, IDX_ESZ, 1, index_bytes) < 0)
        goto fail;
    seg_file(s, ".timeindex", p);
    if (truncate(p, 0) < 0 && errno != ENOENT)
        goto fail;
    if (idx_map(&s->tidx, p, TIDX_ESZ, 1, index_bytes) < 0)
        goto fail;
    s->loaded = 1;
    return s;
fail:;
    int e = errno;
    seg_close(s);
    errno = e;
    return NULL;
}

segment *seg_open(const char *dir, int64_t base, int64_t now_ms) {
    segment *s = seg_new(dir, base, now_ms);
    if (!s)
        return NULL;
    char p[SEG_NAME_MAX];
    struct stat st;
    seg_file(s, ".log", p);
    s->fd = open(p, O_RDWR | O_CLOEXEC);
    if (s->fd < 0 || fstat(s->fd, &st) < 0) {
        int e = errno;
        seg_close(s);
        errno = e;
        return NULL;
    }
    s->size = st.st_size;
    /* a reserve left by a crash (more blocks than the data needs, with
     * room for extent-tree blocks) */
    if ((int64_t)st.st_blocks * 512 > st.st_size + RESERVE_MIN / 2 + 65536 && ftruncate(s->fd, st.st_size) < 0)
        log_warn("kafka.log.Log", "Could not free the blocks reserved past the end of %s.log: %s", s->path,
                 strerror(errno));
    return s;
}

void seg_close(segment *s) {
    if (!s)
        return;
    idx_unmap(&s->idx);
    idx_unmap(&s->tidx);
    release_reserve(s);
    if (s->fd >= 0)
        close(s->fd);
    free(s->path);
    free(s);
}

int seg_delete(segment *s) {
    static const char *ext[] = {".log", ".index", ".timeindex", ".txnindex"};
    char p[SEG_NAME_MAX];
    int rc = 0;
    for (int i = 0; i < 4; i++) {
        seg_file(s, ext[i], p);
        if (unlink(p) < 0 && errno != ENOENT)
            rc = -1;
    }
    seg_close(s);
    return rc;
}

int64_t seg_rebuild(segment *s, int rw, int32_t index_bytes, int32_t interval, int verify,
                    int64_t *next_offset, const char **why) {
    char p[SEG_NAME_MAX];
    idx_unmap(&s->idx);
    idx_unmap(&s->tidx);
    s->loaded = 0;
    seg_file(s, ".index", p);
    if (truncate(p, 0) < 0 && errno != ENOENT)
        return -1;
    if (idx_map(&s->idx, p, IDX_ESZ, 1, index_bytes) < 0)
        return -1;
    seg_file(s, ".timeindex", p);
    if (truncate(p, 0) < 0 && errno != ENOENT)
        return -1;
    if (idx_map(&s->tidx, p, TIDX_ESZ, 1, index_bytes) < 0)
        return -1;
    s->loaded = 1;
    s->max_ts = s->max_ts_offset = s->rolling_ts = -1;
    s->bytes_since_index = 0;

    seg_scan sc;
    int64_t next = s->base;
    scan_init(&sc, s, 0, verify);
    while (scan_next(&sc)) {
        seg_index_batch(s, sc.pos, sc.bsize, sc.last, sc.max_ts, interval);
        next = sc.last + 1;
    }
    scan_free(&sc);
    if (sc.err < 0)
        return -1;
    if (next_offset)
        *next_offset = next;
    if (why)
        *why = sc.err ? sc.why : NULL;
    if (!rw && seg_make_inactive(s) < 0)
        return -1;
    return sc.pos;
}

/* Unmaps both indexes, trims them to their entries and maps them again. */
static int seg_remap(segment *s, int rw, int32_t index_bytes) {
    char p[SEG_NAME_MAX];
    seg_file(s, ".index", p);
    int rc = idx_remap(&s->idx, p, IDX_ESZ, rw, index_bytes);
    seg_file(s, ".timeindex", p);
    if (idx_remap(&s->tidx, p, TIDX_ESZ, rw, index_bytes) < 0)
        rc = -1;
    if (rc < 0)
        s->loaded = 0; /* mapped again (or rebuilt) on next use */
    return rc;
}

/* What appends track in memory, as far as the indexes tell: the largest
 * timestamp (last time index entry) and the bytes since the last indexed batch. */
static void state_from_indexes(segment *s) {
    s->max_ts = s->max_ts_offset = -1;
    if (s->tidx.n) {
        s->max_ts = tidx_ts(&s->tidx, s->tidx.n - 1);
        s->max_ts_offset = s->base + tidx_rel(&s->tidx, s->tidx.n - 1);
    }
    s->bytes_since_index = s->size - (s->idx.n ? idx_pos(&s->idx, s->idx.n - 1) : 0);
}

int seg_load(segment *s, int rw, int32_t index_bytes, int32_t interval, int64_t limit) {
    if (s->loaded && s->idx.rw == rw)
        return 0;
    if (s->loaded)
        return rw ? seg_remap(s, 1, index_bytes) : seg_make_inactive(s);
    char pi[SEG_NAME_MAX], pt[SEG_NAME_MAX];
    seg_file(s, ".index", pi);
    seg_file(s, ".timeindex", pt);
    idx_unmap(&s->idx);
    idx_unmap(&s->tidx);
    s->loaded = 0;
    struct stat st;
    errno = 0;
    /* Only existing files: a missing one must be rebuilt, not created empty. */
    int ok = stat(pi, &st) == 0 && stat(pt, &st) == 0 &&
             idx_map(&s->idx, pi, IDX_ESZ, rw, index_bytes) == 0 &&
             idx_map(&s->tidx, pt, TIDX_ESZ, rw, index_bytes) == 0 && idx_valid(s, limit);
    if (!ok) {
        log_warn("kafka.log.Log",
                 "Found a corrupted index file corresponding to log file %s.log due to %s, "
                 "rebuilding index files...",
                 s->path, errno ? strerror(errno) : "invalid entries");
        const char *why = NULL;
        int64_t valid = seg_rebuild(s, rw, index_bytes, interval, 0, NULL, &why);
        if (valid >= 0 && why)
            log_error("kafka.log.Log",
                      "Log segment %s.log has invalid data at byte %" PRId64 ": %s", s->path, valid,
                      why);
        return valid < 0 ? -1 : 0;
    }
    state_from_indexes(s);
    s->loaded = 1;
    return 0;
}

int seg_make_inactive(segment *s) {
    if (release_reserve(s) < 0)
        return -1;
    if (!s->loaded || !s->idx.rw)
        return 0;
    tidx_maybe_append(s, s->max_ts, s->max_ts_offset, 1);
    return seg_remap(s, 0, 0);
}

int seg_resize_indexes(segment *s, int32_t index_bytes) {
    return s->loaded && s->idx.rw ? seg_remap(s, 1, index_bytes) : 0;
}

int seg_truncate(segment *s, int64_t size) {
    if (ftruncate(s->fd, (off_t)size) < 0)
        return -1;
    s->size = size;
    if (s->reserved_end > 0)
        s->reserved_end = 0; /* the truncate freed the reserve too */
    return 0;
}

int seg_load_tail(segment *s, int64_t *next_offset, int64_t *bad_pos, const char **why) {
    seg_scan sc;
    state_from_indexes(s);
    *next_offset = s->base;
    scan_init(&sc, s, s->idx.n ? idx_pos(&s->idx, s->idx.n - 1) : 0, 0);
    while (scan_next(&sc)) {
        *next_offset = sc.last + 1;
        if (sc.max_ts > s->max_ts) {
            s->max_ts = sc.max_ts;
            s->max_ts_offset = sc.last;
        }
    }
    scan_free(&sc);
    if (sc.err) {
        *bad_pos = sc.pos;
        *why = sc.why;
        return sc.err;
    }
    /* time-based rolling starts at the first batch's timestamp */
    s->rolling_ts = -1;
    scan_init(&sc, s, 0, 0);
    if (scan_next(&sc))
        s->rolling_ts = sc.max_ts;
    scan_free(&sc);
    return sc.err < 0 ? -1 : 0;
}

int seg_cut(segment *s, int64_t pos, int64_t end_offset) {
    if (!s->loaded || !s->idx.rw || pos < 0 || pos > s->size) {
        errno = EINVAL;
        return -1;
    }
    /* Index entries first: a kill -9 between the two steps leaves whole
     * batches that the indexes merely do not cover yet. Entries dropped from
     * the pre-allocated maps are zeroed, as never written. */
    int32_t n = s->idx.n;
    while (n > 0 && idx_pos(&s->idx, n - 1) >= pos)
        n--;
    memset(s->idx.map + (size_t)n * IDX_ESZ, 0, (size_t)(s->idx.n - n) * IDX_ESZ);
    s->idx.n = n;
    n = s->tidx.n;
    while (n > 0 && s->base + tidx_rel(&s->tidx, n - 1) >= end_offset)
        n--;
    memset(s->tidx.map + (size_t)n * TIDX_ESZ, 0, (size_t)(s->tidx.n - n) * TIDX_ESZ);
    s->tidx.n = n;
    if (seg_truncate(s, pos) < 0)
        return -1;
    int64_t next, bad;
    const char *why;
    int rc = seg_load_tail(s, &next, &bad, &why);
    if (rc > 0)
        log_error("kafka.log.Log", "Log segment %s.log has invalid data at byte %" PRId64 ": %s",
                  s->path, bad, why);
    return rc < 0 ? -1 : 0;
}

int seg_append(segment *s, const uint8_t *data, size_t len, int32_t interval) {
    reserve_ahead(s, len);
    for (size_t done = 0; done < len;) {
        ssize_t k = pwrite(s->fd, data + done, len - done, (off_t)(s->size + (int64_t)done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int e = k < 0 ? errno : EIO;
            (void)seg_truncate(s, s->size); /* drop the part written; keep the first error */
            errno = e;
            return -1;
        }
        done += (size_t)k;
    }
    for (size_t off = 0; off < len;) {
        const uint8_t *h = data + off;
        int64_t bsize = 12 + (int64_t)(int32_t)be32_get(h + 8);
        int64_t last = (int64_t)be64_get(h) + (int32_t)be32_get(h + 23);
        seg_index_batch(s, s->size + (int64_t)off, bsize, last, (int64_t)be64_get(h + 35),
                        interval);
        off += (size_t)bsize;
    }
    s->size += (int64_t)len;
    return 0;
}

int seg_flush(segment *s) {
    static const char *ext[] = {".index", ".timeindex"};
    char p[SEG_NAME_MAX];
    int rc = fsync(s->fd);
    for (int i = 0; i < 2; i++) {
        seg_file(s, ext[i], p);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (fsync(fd) < 0)
                rc = -1;
            close(fd);
        }
    }
    return rc;
}

/* ------------------------------------------------------------------------
 * Lookups
 * ---------------------------------------------------------------------- */
/* Sort keys of the index entries: 0 = offset, 1 = position (.index), 2 = timestamp. */
static int64_t idx_key(const segment *s, int kind, int32_t i) {
    return kind == 0   ? s->base + idx_rel(&s->idx, i)
           : kind == 1 ? idx_pos(&s->idx, i)
                       : tidx_ts(&s->tidx, i);
}

/* Binary search: the last entry whose key <= target, or -1. */
static int32_t idx_floor(const segment *s, int kind, int64_t target) {
    int32_t lo = 0, hi = (kind == 2 ? s->tidx.n : s->idx.n) - 1, found = -1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (idx_key(s, kind, mid) <= target)
            found = mid, lo = mid + 1;
        else
            hi = mid - 1;
    }
    return found;
}

int64_t seg_lookup(const segment *s, int64_t offset) {
    int32_t i = idx_floor(s, 0, offset);
    return i < 0 ? 0 : idx_pos(&s->idx, i);
}

int64_t seg_lookup_pos(const segment *s, int64_t pos) {
    int32_t i = idx_floor(s, 1, pos);
    return i < 0 ? 0 : idx_pos(&s->idx, i);
}

int64_t seg_time_lookup(const segment *s, int64_t ts) {
    int32_t i = idx_floor(s, 2, ts);
    return s->base + (i < 0 ? 0 : tidx_rel(&s->tidx, i));
}

int64_t seg_largest_ts(const segment *s) {
    struct stat st;
    if (s->max_ts >= 0)
        return s->max_ts;
    if (fstat(s->fd, &st) < 0)
        return 0;
    return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

int seg_find(segment *s, seg_scan *sc, int64_t offset) {
    scan_init(sc, s, seg_lookup(s, offset), 0);
    while (scan_next(sc))
        if (sc->last >= offset)
            return 1;
    return sc->err < 0 ? -1 : 0;
}
