/* unit.h -- a tiny assertion framework for the unit tests, plus helpers for
 * the storage tests (scratch directories, partition directories and their
 * segment files, hand-built magic-2 record batches, reading a partition log
 * back and checking every batch).
 *
 *   CHECK(cond)        counts a failure and prints file:line, keeps going
 *   CHECK_EQ(a, b)     same for two integers, printing both values
 *   return unit_report("test_log");   prints a summary, 1 if anything failed
 * Everything is static inline so a test uses only what it needs.
 */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "crc32c.h"
#include "log.h"

static int unit_checks, unit_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        unit_checks++;                                                                             \
        if (!(cond)) {                                                                             \
            unit_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        unit_checks++;                                                                             \
        if (a_ != b_) {                                                                            \
            unit_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__, __LINE__,  \
                    #a, #b, a_, b_);                                                               \
        }                                                                                          \
    } while (0)

static inline int unit_report(const char *name) {
    printf("%s: %d checks, %d failures\n", name, unit_checks, unit_failures);
    return unit_failures ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Files
 * ---------------------------------------------------------------------- */
static inline void unit_rm_rf(const char *path) {
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        char p[4096];
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
                (size_t)snprintf(p, sizeof p, "%s/%s", path, de->d_name) < sizeof p)
                unit_rm_rf(p);
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static inline int64_t unit_file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static inline int unit_file_exists(const char *path) { return unit_file_size(path) >= 0; }

/* Makes a scratch directory "<base>/<name>.XXXXXX" in root (cap bytes):
 * $TEST_TMPDIR, else /dev/shm (the recovery tests reopen logs thousands of
 * times and every reopen fsyncs), else /tmp. */
static inline int unit_mkdtemp(char *root, size_t cap, const char *name) {
    const char *base = getenv("TEST_TMPDIR");
    struct stat st;
    if (!base)
        base = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(root, cap, "%s/%s.XXXXXX", base, name);
    if (mkdtemp(root))
        return 0;
    perror("mkdtemp");
    return -1;
}

/* Reads a whole file (malloc'd, NUL-terminated); NULL if absent. */
static inline char *unit_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    fclose(f);
    b[got] = '\0';
    if (len)
        *len = got;
    return b;
}

static inline void unit_spit(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

/* Copies the regular files of directory src into dst (created). */
static inline void unit_copy_dir(const char *src, const char *dst) {
    mkdir(dst, 0755);
    DIR *d = opendir(src);
    struct dirent *de;
    char a[4096], b[4096];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        size_t n;
        if ((size_t)snprintf(a, sizeof a, "%s/%s", src, de->d_name) >= sizeof a ||
            (size_t)snprintf(b, sizeof b, "%s/%s", dst, de->d_name) >= sizeof b)
            continue;
        char *data = unit_slurp(a, &n);
        if (data)
            unit_spit(b, data, n);
        free(data);
    }
    if (d)
        closedir(d);
}

/* ------------------------------------------------------------------------
 * Partition directories of the storage tests, below one scratch directory
 * ---------------------------------------------------------------------- */
/* The storage tests' scratch directory: unit_mkdtemp(unit_root, ...). */
static char unit_root[256] __attribute__((unused));

/* out = "<unit_root>/<name>/<file>" */
static inline void unit_part_path(char *out, size_t cap, const char *name, const char *file) {
    snprintf(out, cap, "%s/%s/%s", unit_root, name, file);
}

/* out = the path of segment file <base><ext> (".log", ".index", ...) of
 * partition directory name. */
static inline void unit_seg_path(char *out, size_t cap, const char *name, int64_t base,
                                 const char *ext) {
    snprintf(out, cap, "%s/%s/%020" PRId64 "%s", unit_root, name, base, ext);
}

/* Opens (creating if need be) partition directory name; NULL, with the
 * reason on stderr, on failure. */
static inline plog *unit_open_log(const char *name, const log_config *c, int64_t recovery_point,
                                  int64_t log_start_offset, int clean) {
    char dir[512], err[256];
    snprintf(dir, sizeof dir, "%s/%s", unit_root, name);
    plog *l = plog_open(dir, c, recovery_point, log_start_offset, clean, err, sizeof err);
    if (!l)
        fprintf(stderr, "plog_open %s: %s\n", dir, err);
    return l;
}

/* Fills bases with the base offsets of the segments in partition directory
 * name, ascending (at most max); returns how many. */
static inline int unit_list_segments(const char *name, int64_t *bases, int max) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", unit_root, name);
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strlen(de->d_name) == 24 && !strcmp(de->d_name + 20, ".log") && n < max)
            bases[n++] = strtoll(de->d_name, NULL, 10);
    if (d)
        closedir(d);
    for (int i = 1; i < n; i++) /* insertion sort */
        for (int j = i; j > 0 && bases[j - 1] > bases[j]; j--) {
            int64_t t = bases[j];
            bases[j] = bases[j - 1];
            bases[j - 1] = t;
        }
    return n;
}

/* For a storage test's main(): removes unit_root when every check passed,
 * else says where the files were kept; then unit_report(name). */
static inline int unit_report_storage(const char *name) {
    if (!unit_failures)
        unit_rm_rf(unit_root);
    else
        fprintf(stderr, "files kept in %s\n", unit_root);
    return unit_report(name);
}

/* ------------------------------------------------------------------------
 * Record batches
 * ---------------------------------------------------------------------- */
/* Appends a magic-2 batch of n uncompressed records (timestamps ts0, ts0+1,
 * ..., no key, values of vsize bytes of `fill`) with a correct CRC-32C, as a
 * producer sends it (BaseOffset 0, PartitionLeaderEpoch -1). Returns its size. */
static inline size_t make_batch(wbuf *wb, int n, int64_t ts0, size_t vsize, uint8_t fill) {
    size_t at = wb->len;
    wbuf rec;
    wb_i64(wb, 0);           /* BaseOffset */
    wb_i32(wb, 0);           /* Length, patched */
    wb_i32(wb, -1);          /* PartitionLeaderEpoch */
    wb_i8(wb, 2);            /* Magic */
    wb_u32(wb, 0);           /* CRC, patched */
    wb_i16(wb, 0);           /* Attributes */
    wb_i32(wb, n - 1);       /* LastOffsetDelta */
    wb_i64(wb, ts0);         /* BaseTimestamp */
    wb_i64(wb, ts0 + n - 1); /* MaxTimestamp */
    wb_i64(wb, -1);          /* ProducerId */
    wb_i16(wb, -1);          /* ProducerEpoch */
    wb_i32(wb, -1);          /* BaseSequence */
    wb_i32(wb, n);           /* RecordsCount */
    wb_init(&rec, 64 + vsize);
    for (int i = 0; i < n; i++) {
        wb_reset(&rec);
        wb_i8(&rec, 0);
        wb_varlong(&rec, i);
        wb_varint(&rec, i);
        wb_varint(&rec, -1);
        wb_varint(&rec, (int32_t)vsize);
        wb_reserve(&rec, vsize);
        memset(rec.data + rec.len, fill, vsize);
        rec.len += vsize;
        wb_varint(&rec, 0);
        wb_varint(wb, (int32_t)rec.len);
        wb_write(wb, rec.data, rec.len);
    }
    wb_free(&rec);
    size_t len = wb->len - at;
    wb_put_i32(wb, at + 8, (int32_t)(len - 12));
    wb_put_u32(wb, at + 17, crc32c(0, wb->data + at + 21, len - 21));
    return len;
}

static inline int batch_crc_ok(const uint8_t *b, size_t len) {
    return len >= 61 && be32_get(b + 17) == crc32c(0, b + 21, len - 21);
}

/* Appends one batch of n records through plog_append; returns its first offset or -1. */
static inline int64_t append_n(plog *l, int n, int64_t ts0, size_t vsize, int64_t now) {
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 256);
    make_batch(&wb, n, ts0, vsize, (uint8_t)('a' + n % 26));
    int rc = plog_append(l, wb.data, wb.len, 0, now, &info);
    wb_free(&wb);
    return rc == 0 ? info.first_offset : -1;
}

/* Reads the log from offset `from` to its end through plog_read (max_bytes
 * per call) and checks every batch: whole, magic 2, CRC, the first one
 * contains `from`, later ones follow without gaps. Returns the end offset
 * reached (== log end offset when all is well) or -1. */
static inline int64_t read_back(plog *l, int64_t from, int32_t max_bytes) {
    int64_t next = from, leo = plog_log_end_offset(l);
    int first = 1;
    while (next < leo) {
        plog_read_result r;
        if (plog_read(l, next, max_bytes, 1, &r) != 0 || r.len <= 0 || r.fd < 0)
            return -1;
        uint8_t *buf = malloc((size_t)r.len);
        ssize_t got = pread(r.fd, buf, (size_t)r.len, r.file_pos);
        close(r.fd);
        int ok = got == r.len;
        for (int32_t off = 0; ok && off < r.len;) {
            const uint8_t *h = buf + off;
            int32_t bsize = r.len - off >= 61 ? 12 + (int32_t)be32_get(h + 8) : -1;
            int64_t base = (int64_t)be64_get(h), last = base + (int32_t)be32_get(h + 23);
            ok = bsize >= 61 && bsize <= r.len - off && h[16] == 2 &&
                 batch_crc_ok(h, (size_t)bsize) &&
                 (first ? base <= next && next <= last : base == next);
            first = 0;
            next = last + 1;
            off += bsize;
        }
        free(buf);
        if (!ok)
            return -1;
    }
    return next;
}

#endif
