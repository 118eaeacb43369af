/* log_recovery.c -- libFuzzer target: the partition log opened over
 * arbitrary files (broker/kafka/log.c, segment.c, checkpoint.c). It must
 * truncate or refuse, never crash, and never serve a corrupt batch.
 *
 * Input: frames (see fuzz.h), each the content of one file of a partition
 * directory; a missing or empty frame leaves the file out:
 *   0  parameters: byte 0 bit 0 = clean shutdown (.kafka_cleanshutdown seen),
 *      bytes 1-8 the recovery point, 9-16 the log start offset (-1 unknown),
 *      17-24 the base offset of the second segment, 25-32 an offset to read at
 *   1-3  00000000000000000000.log, .index, .timeindex
 *   4-6  the second segment's .log, .index, .timeindex
 *   7  leader-epoch-checkpoint
 *   8  a recovery-point-offset-checkpoint file (read with ckpt_read)
 * When the log opens, it is read from the log start offset to the log end
 * offset, a read at the chosen offset and a timestamp lookup are made, and
 * one batch is appended at the end (it must land at the log end offset).
 * After a full recovery (no clean shutdown, recovery point 0: every batch
 * re-validated) every batch served must be whole, magic 2, with a right
 * CRC-32C and offsets increasing within the log. After a clean shutdown, or
 * from a later recovery point, the data before it is trusted as Kafka trusts
 * it: then only memory safety is checked. */
#include "checkpoint.h"
#include "crc32c.h"
#include "fuzz.h"
#include "log.h"
#include "logger.h"
#include "records.h"

static char dir[512];
static int strict; /* the whole log was re-validated on open */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/t-0", fuzz_scratch("log"));
    log_open("/dev/null", 0, LOG_TRACE);
    return 0;
}

static void violated(const char *what, int64_t offset) {
    if (!strict)
        return;
    fprintf(stderr, "log_recovery: %s (offset %lld)\n", what, (long long)offset);
    abort();
}

static int64_t param(const uint8_t *p, size_t len, size_t at, int64_t dflt) {
    return len >= at + 8 ? (int64_t)be64_get(p + at) : dflt;
}

static void put(const char *name, const uint8_t *data, size_t len) {
    if (!len)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fuzz_write_file(path, data, len);
}

/* Checks the whole batches of one read; returns the offset after them. */
static int64_t check_read(plog *l, const plog_read_result *r, int64_t from) {
    uint8_t *buf = malloc((size_t)r->len);
    if (pread(r->fd, buf, (size_t)r->len, r->file_pos) != r->len) {
        violated("a read promised bytes the file does not have", from);
        free(buf);
        return from;
    }
    int64_t next = from, prev_last = -1;
    for (size_t pos = 0; pos < (size_t)r->len;) {
        if ((size_t)r->len - pos < RB_HEADER_SIZE) {
            violated("a read ends inside a batch header", next);
            break;
        }
        const uint8_t *b = buf + pos;
        int32_t blen = rbh_length(b);
        if (blen < RB_HEADER_SIZE - 12 || (size_t)blen + 12 > (size_t)r->len - pos) {
            violated("a read serves a torn batch", rbh_base_offset(b));
            break;
        }
        if (rbh_magic(b) != 2 || batch_crc(b, (size_t)blen + 12) != rbh_crc(b))
            violated("a read serves a corrupt batch", rbh_base_offset(b));
        int64_t last = rbh_last_offset(b);
        if (last < rbh_base_offset(b) || rbh_base_offset(b) <= prev_last ||
            last >= plog_log_end_offset(l))
            violated("a read serves offsets out of order or past the end", rbh_base_offset(b));
        prev_last = last;
        next = last + 1;
        pos += (size_t)blen + 12;
    }
    free(buf);
    return next;
}

static void exercise(plog *l, int64_t read_at) {
    int64_t off = plog_log_start_offset(l), end = plog_log_end_offset(l);
    if (off > end)
        violated("log start offset above the log end offset", off);
    for (int reads = 0; off < end && reads < 10000; reads++) {
        plog_read_result r = {.fd = -1};
        int rc = plog_read(l, off, 1 << 20, 1, &r);
        if (rc != 0 || r.len <= 0) {
            if (r.fd >= 0)
                close(r.fd);
            break;
        }
        int64_t next = check_read(l, &r, off);
        close(r.fd);
        if (next <= off) {
            violated("reading does not advance", off);
            break;
        }
        off = next;
    }
    plog_read_result r = {.fd = -1};
    if (plog_read(l, read_at, 4096, 1, &r) == 0 && r.len > 0)
        check_read(l, &r, read_at);
    if (r.fd >= 0)
        close(r.fd);
    int64_t o, ts;
    plog_offset_for_timestamp(l, 0, &o, &ts);

    wbuf w;
    wb_init(&w, 256);
    batch_record rec = {"k", 1, "v", 1, 1700000000000, 0, NULL};
    batch_build_v2(&w, 0, 1700000000000, &rec, 1, 0, -1, -1, -1);
    plog_append_info info;
    if (plog_append(l, w.data, w.len, 0, 1700000000000, &info) == 0 &&
        info.first_offset != end)
        violated("an append does not land at the log end offset", info.first_offset);
    wb_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *f[9] = {0};
    size_t flen[9] = {0};
    const uint8_t *p = data, *fr;
    size_t left = size, len;
    for (int i = 0; i < 9 && fuzz_next_frame(&p, &left, &fr, &len); i++) {
        f[i] = fr;
        flen[i] = len;
    }
    int clean = flen[0] > 0 && (f[0][0] & 1);
    int64_t rp = param(f[0], flen[0], 1, 0), lso = param(f[0], flen[0], 9, -1);
    int64_t base2 = param(f[0], flen[0], 17, 100), read_at = param(f[0], flen[0], 25, 0);

    mkdir(dir, 0755);
    put("00000000000000000000.log", f[1], flen[1]);
    put("00000000000000000000.index", f[2], flen[2]);
    put("00000000000000000000.timeindex", f[3], flen[3]);
    char name[64];
    if (base2 > 0) {
        snprintf(name, sizeof name, "%020lld.log", (long long)base2);
        put(name, f[4], flen[4]);
        snprintf(name, sizeof name, "%020lld.index", (long long)base2);
        put(name, f[5], flen[5]);
        snprintf(name, sizeof name, "%020lld.timeindex", (long long)base2);
        put(name, f[6], flen[6]);
    }
    put("leader-epoch-checkpoint", f[7], flen[7]);
    if (flen[8]) {
        char path[1024];
        snprintf(path, sizeof path, "%s/../recovery-point-offset-checkpoint", dir);
        fuzz_write_file(path, f[8], flen[8]);
        ckpt_entry *e;
        size_t n;
        if (ckpt_read(path, &e, &n) == 0)
            ckpt_free(e, n);
        unlink(path);
    }

    log_config cfg;
    log_config_defaults(&cfg);
    cfg.segment_bytes = 1 << 20;
    cfg.segment_index_bytes = 4096;
    cfg.index_interval_bytes = 128;
    char err[512];
    strict = !clean && rp <= 0;
    plog *l = plog_open(dir, &cfg, rp, lso, clean, err, sizeof err);
    if (l) {
        exercise(l, read_at);
        plog_delete(l);
    }
    fuzz_rm_tree(dir);
    return 0;
}
