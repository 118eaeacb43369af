/* test_recovery.c -- crash recovery of the partition log (broker/kafka/log.c,
 * segment.c). A child process appends and is killed with SIGKILL (so files
 * are left exactly as a crashed broker leaves them: data in the page cache,
 * index files still pre-allocated); then the tail is damaged in every way a
 * crash or a bad disk can: truncated at every byte of the last batch and at
 * random points anywhere, garbage or zeros appended, single bytes flipped,
 * index files deleted, truncated, padded or scrambled. After each reopen the
 * log end offset must be the end of the last fully valid batch, every read
 * must return only whole batches with good CRCs and contiguous offsets, and
 * appending must continue at the right offset. */
#include <signal.h>
#include <sys/wait.h>

#include "unit.h"

#include "logger.h"

static const int64_t NOW = 1700000000000LL;

typedef struct bat {
    int64_t pos, size, base, last;
} bat;

static log_config test_cfg(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 3000;
    c.index_interval_bytes = 256;
    c.segment_index_bytes = 4096;
    return c;
}

static plog *open_log(const char *name, int64_t rp, int clean) {
    log_config c = test_cfg();
    return unit_open_log(name, &c, rp, -1, clean);
}

/* Batch boundaries of a .log file (trusted: only used on pristine files). */
static int parse_log(const char *path, bat *b, int max) {
    size_t len;
    uint8_t *d = (uint8_t *)unit_slurp(path, &len);
    int n = 0;
    for (size_t pos = 0; d && pos + 61 <= len && n < max; n++) {
        b[n].pos = (int64_t)pos;
        b[n].size = 12 + be32_get(d + pos + 8);
        b[n].base = (int64_t)be64_get(d + pos);
        b[n].last = b[n].base + (int32_t)be32_get(d + pos + 23);
        pos += (size_t)b[n].size;
    }
    free(d);
    return n;
}

/* Lists the segments of partition directory name into bases (64 at most,
 * their number in *nseg), writes the path of the last one's .log into p and
 * its batches into b (256 at most); returns the number of batches. */
static int parse_last_segment(const char *name, int64_t *bases, int *nseg, char *p, size_t cap,
                              bat *b) {
    *nseg = unit_list_segments(name, bases, 64);
    if (*nseg < 1)
        return 0;
    unit_seg_path(p, cap, name, bases[*nseg - 1], ".log");
    return parse_log(p, b, 256);
}

/* Appends `batches` batches of varying size (deterministic), in a child that
 * then kills itself with SIGKILL: no close, no flush, no trimming. */
static void build_crashed(const char *name, int batches, unsigned seed) {
    pid_t pid = fork();
    if (pid == 0) {
        log_open(NULL, 0, LOG_ERROR);
        plog *l = open_log(name, 0, 0);
        srand(seed);
        for (int i = 0; l && i < batches; i++)
            if (append_n(l, 1 + rand() % 5, 1000 + i, (size_t)(rand() % 150), NOW) < 0)
                _exit(2);
        kill(getpid(), SIGKILL);
        _exit(3);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void reset_copy(const char *pristine, const char *work) {
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/%s", unit_root, pristine);
    snprintf(b, sizeof b, "%s/%s", unit_root, work);
    unit_rm_rf(b);
    unit_copy_dir(a, b);
}

/* Reopens `name` without clean shutdown and checks: log end offset, all
 * data readable and valid, the active .log cut back to active_size (if >= 0),
 * appends continue at the end, and a clean reopen agrees. */
static void check_recovered(const char *name, int64_t rp, int clean, int64_t want_leo,
                            int want_segs, int64_t active_size) {
    plog *l = open_log(name, rp, clean);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_EQ(plog_log_end_offset(l), want_leo);
    if (want_segs > 0)
        CHECK_EQ(plog_segment_count(l), want_segs);
    CHECK_EQ(plog_recovery_point(l), want_leo);
    CHECK_EQ(read_back(l, plog_log_start_offset(l), 2000), want_leo);
    if (active_size >= 0) {
        int64_t bases[64];
        char p[600];
        int n = unit_list_segments(name, bases, 64);
        unit_seg_path(p, sizeof p, name, bases[n - 1], ".log");
        CHECK_EQ(unit_file_size(p), active_size);
    }
    CHECK_EQ(append_n(l, 2, 5000, 20, NOW), want_leo);
    CHECK_EQ(read_back(l, plog_log_start_offset(l), 2000), want_leo + 2);
    plog_close(l);
    l = open_log(name, want_leo + 2, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_EQ(plog_log_end_offset(l), want_leo + 2);
    CHECK_EQ(read_back(l, plog_log_start_offset(l), 700), want_leo + 2);
    plog_close(l);
}

/* ------------------------------------------------------------------------ */
static void test_kill9_keeps_everything(void) {
    build_crashed("crash-0", 60, 1);
    int64_t bases[64];
    bat b[256];
    char p[600];
    int n = unit_list_segments("crash-0", bases, 64);
    CHECK(n >= 3);
    if (n < 3)
        exit(unit_report("test_recovery")); /* nothing to damage */
    unit_seg_path(p, sizeof p, "crash-0", bases[n - 1], ".index");
    CHECK_EQ(unit_file_size(p), 4096); /* left pre-allocated by the "crash" */
    unit_seg_path(p, sizeof p, "crash-0", bases[n - 1], ".log");
    int nb = parse_log(p, b, 256);
    int64_t leo = b[nb - 1].last + 1;
    reset_copy("crash-0", "crash-w");
    check_recovered("crash-w", 0, 0, leo, n, -1);
    /* a stale clean-shutdown marker: the padded index is seen as corrupt */
    reset_copy("crash-0", "crash-w");
    check_recovered("crash-w", leo, 1, leo, n, -1);
    /* recovery from a recovery point inside the last segment */
    reset_copy("crash-0", "crash-w");
    check_recovered("crash-w", leo - 1, 0, leo, n, -1);
}

static void test_truncate_every_byte_of_last_batch(void) {
    int64_t bases[64];
    bat b[256];
    char p[600];
    int n, nb = parse_last_segment("crash-0", bases, &n, p, sizeof p, b);
    bat last = b[nb - 1];
    CHECK(last.size > 61);
    for (int64_t cut = last.pos; cut <= last.pos + last.size; cut++) {
        int full = cut == last.pos + last.size;
        reset_copy("crash-0", "trunc-0");
        unit_seg_path(p, sizeof p, "trunc-0", bases[n - 1], ".log");
        CHECK_EQ(truncate(p, cut), 0);
        check_recovered("trunc-0", (cut & 1) ? 0 : bases[n - 1], 0,
                        full ? last.last + 1 : last.base, n, full ? cut : last.pos);
    }
    /* same with the clean-shutdown path: the header scan finds the torn tail */
    for (int64_t cut = last.pos + 1; cut < last.pos + last.size; cut += 17) {
        reset_copy("crash-0", "trunc-0");
        plog *l = open_log("trunc-0", 0, 0); /* tidy (trimmed) files first */
        plog_close(l);
        unit_seg_path(p, sizeof p, "trunc-0", bases[n - 1], ".log");
        CHECK_EQ(truncate(p, cut), 0);
        check_recovered("trunc-0", last.last + 1, 1, last.base, n, last.pos);
    }
}

static void test_truncate_at_random_points(void) {
    int64_t bases[64];
    bat b[256];
    char p[600];
    int n = unit_list_segments("crash-0", bases, 64);
    srand(42);
    for (int iter = 0; iter < 150; iter++) {
        int s = rand() % n;
        unit_seg_path(p, sizeof p, "crash-0", bases[s], ".log");
        int nb = parse_log(p, b, 256);
        /* a cut strictly inside some batch (a cut on a boundary of an older
         * segment would leave a valid but gapped log) */
        int k = rand() % nb;
        int64_t cut = b[k].pos + 1 + rand() % (b[k].size - 1);
        reset_copy("crash-0", "rand-0");
        unit_seg_path(p, sizeof p, "rand-0", bases[s], ".log");
        CHECK_EQ(truncate(p, cut), 0);
        check_recovered("rand-0", 0, 0, k ? b[k - 1].last + 1 : bases[s], s + 1, b[k].pos);
        for (int j = s + 1; j < n; j++) { /* later segments are gone */
            unit_seg_path(p, sizeof p, "rand-0", bases[j], ".log");
            CHECK(!unit_file_exists(p));
        }
    }
}

static void append_to_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "ab");
    CHECK(f != NULL);
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static void test_garbage_and_zero_tails(void) {
    int64_t bases[64];
    bat b[256];
    char p[600];
    uint8_t junk[5000];
    int n, nb = parse_last_segment("crash-0", bases, &n, p, sizeof p, b);
    int64_t size = b[nb - 1].pos + b[nb - 1].size, leo = b[nb - 1].last + 1;
    srand(7);
    for (int iter = 0; iter < 40; iter++) {
        size_t len = 1 + (size_t)(rand() % (int)sizeof junk);
        for (size_t i = 0; i < len; i++)
            junk[i] = (uint8_t)rand();
        if (iter % 4 == 0)
            memset(junk, 0, len); /* a zero-filled tail, as after a crash */
        reset_copy("crash-0", "junk-0");
        unit_seg_path(p, sizeof p, "junk-0", bases[n - 1], ".log");
        append_to_file(p, junk, len);
        check_recovered("junk-0", iter % 2 ? 0 : leo, 0, leo, n, size);
    }

    /* a plausible next batch (right offsets) with a bad CRC is dropped;
     * the same batch intact is kept: it was written completely */
    wbuf wb;
    wb_init(&wb, 512);
    make_batch(&wb, 3, 9000, 40, 'n');
    be64_put(wb.data, (uint64_t)leo);
    for (int bad = 1; bad >= 0; bad--) {
        reset_copy("crash-0", "junk-0");
        unit_seg_path(p, sizeof p, "junk-0", bases[n - 1], ".log");
        if (bad)
            wb.data[wb.len - 5] ^= 0x40;
        append_to_file(p, wb.data, wb.len);
        if (bad)
            wb.data[wb.len - 5] ^= 0x40;
        check_recovered("junk-0", 0, 0, bad ? leo : leo + 3, n,
                        bad ? size : size + (int64_t)wb.len);
    }
    wb_free(&wb);

    /* a verbatim copy of the last batch (good CRC, offsets going backwards:
     * BaseOffset is not covered by the CRC) is not a valid continuation */
    reset_copy("crash-0", "junk-0");
    unit_seg_path(p, sizeof p, "junk-0", bases[n - 1], ".log");
    size_t flen = 0;
    uint8_t *d = (uint8_t *)unit_slurp(p, &flen);
    CHECK(d && (int64_t)flen == size);
    if (d)
        append_to_file(p, d + b[nb - 1].pos, (size_t)b[nb - 1].size);
    free(d);
    check_recovered("junk-0", 0, 0, leo, n, size);
}

static void test_flipped_bytes(void) {
    int64_t bases[64];
    bat b[256];
    char p[600];
    int n, nb = parse_last_segment("crash-0", bases, &n, p, sizeof p, b);
    bat last = b[nb - 1];
    size_t len = 0;
    uint8_t *orig = (uint8_t *)unit_slurp(p, &len);
    /* every byte the batch's checks cover: Length, Magic, CRC, Attributes..end
     * (BaseOffset and PartitionLeaderEpoch are outside the CRC, as in Kafka) */
    for (int64_t i = 8; i < last.size; i++) {
        if (i >= 12 && i < 16)
            continue;
        reset_copy("crash-0", "flip-0");
        unit_seg_path(p, sizeof p, "flip-0", bases[n - 1], ".log");
        orig[last.pos + i] ^= (uint8_t)(1u << (i % 8));
        unit_spit(p, orig, len);
        orig[last.pos + i] ^= (uint8_t)(1u << (i % 8));
        check_recovered("flip-0", 0, 0, last.base, n, last.pos);
    }
    free(orig);

    /* a bad batch in an older segment: truncated there, later segments go */
    CHECK(n >= 3);
    unit_seg_path(p, sizeof p, "crash-0", bases[1], ".log");
    nb = parse_log(p, b, 256);
    orig = (uint8_t *)unit_slurp(p, &len);
    int k = nb / 2;
    orig[b[k].pos + 40] ^= 0x10;
    reset_copy("crash-0", "flip-0");
    unit_seg_path(p, sizeof p, "flip-0", bases[1], ".log");
    unit_spit(p, orig, len);
    free(orig);
    check_recovered("flip-0", 0, 0, b[k].base, 2, b[k].pos);
    /* a bad batch below the recovery point is not looked at (as in Kafka) */
}

/* Index files: deleted, unaligned, padded, scrambled or out of order; they
 * must be rebuilt byte-for-byte as append wrote them. */
static void test_index_damage(void) {
    char p[600];
    int64_t bases[64];
    /* a log written in one session and closed cleanly */
    {
        char dir[512], err[256];
        log_config c = test_cfg();
        snprintf(dir, sizeof dir, "%s/idx-0", unit_root);
        plog *l = plog_open(dir, &c, 0, -1, 1, err, sizeof err);
        CHECK(l != NULL);
        if (!l)
            return;
        srand(3);
        for (int i = 0; i < 80; i++)
            append_n(l, 1 + rand() % 5, 2000 + i, (size_t)(rand() % 150), NOW);
        plog_close(l);
    }
    int n = unit_list_segments("idx-0", bases, 64);
    CHECK(n >= 4);
    bat b[256];
    unit_seg_path(p, sizeof p, "idx-0", bases[n - 1], ".log");
    int nb = parse_log(p, b, 256);
    int64_t leo = b[nb - 1].last + 1;
    static const char *ext[] = {".index", ".timeindex"};
    for (int mode = 0; mode < 5; mode++)
        for (int s = 0; s < n; s++)
            for (int e = 0; e < 2; e++)
                for (int clean = 0; clean < 2; clean++) {
                    reset_copy("idx-0", "idx-w");
                    unit_seg_path(p, sizeof p, "idx-w", bases[s], ext[e]);
                    size_t len = 0;
                    uint8_t *orig = (uint8_t *)unit_slurp(p, &len);
                    uint8_t *bad = calloc(1, len + 4096);
                    size_t blen = len;
                    CHECK(orig != NULL);
                    if (orig)
                        memcpy(bad, orig, len);
                    if (mode == 0)
                        unlink(p);
                    else if (mode == 1)
                        blen = len ? len - 3 : 5; /* not whole entries */
                    else if (mode == 2)
                        blen = len + 4096; /* zero padding left by a crash */
                    else if (mode == 3)
                        for (size_t i = 0; i < len; i++)
                            bad[i] = (uint8_t)(i * 37 + 11); /* scrambled */
                    else if (len >= 2 * (e ? 12 : 8)) {      /* first two entries swapped */
                        size_t es = e ? 12 : 8;
                        memcpy(bad, orig + es, es);
                        memcpy(bad + es, orig, es);
                    } else if (len) {
                        blen = len + (e ? 12 : 8); /* a zero entry after the last one */
                    }
                    if (mode)
                        unit_spit(p, bad, blen);
                    plog *l = open_log("idx-w", clean ? leo : 0, clean);
                    CHECK(l != NULL);
                    if (l) {
                        CHECK_EQ(plog_log_end_offset(l), leo);
                        CHECK_EQ(read_back(l, 0, 500), leo);
                        int64_t off, ts;
                        CHECK_EQ(plog_offset_for_timestamp(l, 2000 + 40, &off, &ts), 0);
                        CHECK_EQ(ts, 2000 + 40);
                        plog_close(l);
                    }
                    /* rebuilt exactly as written by append + roll/close */
                    for (int s2 = 0; s2 < n; s2++)
                        for (int e2 = 0; e2 < 2; e2++) {
                            char q[600], r[600];
                            size_t l1 = 0, l2 = 0;
                            unit_seg_path(q, sizeof q, "idx-0", bases[s2], ext[e2]);
                            unit_seg_path(r, sizeof r, "idx-w", bases[s2], ext[e2]);
                            char *x = unit_slurp(q, &l1), *y = unit_slurp(r, &l2);
                            CHECK(x && y && l1 == l2 && !memcmp(x, y, l1));
                            free(x);
                            free(y);
                        }
                    free(orig);
                    free(bad);
                }
}

static void test_epochs_truncated_with_log(void) {
    char p[600];
    reset_copy("crash-0", "ep-0");
    plog *l = open_log("ep-0", 0, 0);
    CHECK(l != NULL);
    if (!l)
        return;
    int64_t leo = plog_log_end_offset(l);
    CHECK_EQ(plog_assign_leader_epoch(l, 2), 0);
    CHECK_EQ(append_n(l, 2, 9000, 10, NOW), leo);
    CHECK_EQ(plog_assign_leader_epoch(l, 3), 0);
    CHECK_EQ(append_n(l, 2, 9001, 10, NOW), leo + 2);
    plog_close(l);
    int64_t bases[64];
    int n = unit_list_segments("ep-0", bases, 64);
    unit_seg_path(p, sizeof p, "ep-0", bases[n - 1], ".log");
    CHECK_EQ(truncate(p, unit_file_size(p) - 1), 0); /* the epoch-3 batch is torn */
    l = open_log("ep-0", 0, 0);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_EQ(plog_log_end_offset(l), leo + 2);
    CHECK_EQ(plog_latest_epoch(l), 2);
    plog_close(l);
    unit_part_path(p, sizeof p, "ep-0", "leader-epoch-checkpoint");
    char *s = unit_slurp(p, NULL), want[64];
    snprintf(want, sizeof want, "0\n2\n0 0\n2 %" PRId64 "\n", leo); /* epoch 0 from the child */
    CHECK(s && !strcmp(s, want));
    free(s);
}

static void test_empty_and_odd_directories(void) {
    char p[600];
    /* the whole active .log gone to zero bytes */
    int64_t bases[64];
    int n = unit_list_segments("crash-0", bases, 64);
    reset_copy("crash-0", "odd-0");
    unit_seg_path(p, sizeof p, "odd-0", bases[n - 1], ".log");
    CHECK_EQ(truncate(p, 0), 0);
    check_recovered("odd-0", 0, 0, bases[n - 1], n, 0);
    /* leftovers of interrupted operations are cleaned up */
    reset_copy("crash-0", "odd-0");
    unit_part_path(p, sizeof p, "odd-0", "00000000000000099999.index");
    unit_spit(p, "12345678", 8);
    unit_part_path(p, sizeof p, "odd-0", "00000000000000000000.log.deleted");
    unit_spit(p, "x", 1);
    plog *l = open_log("odd-0", 0, 0);
    CHECK(l != NULL);
    plog_close(l);
    unit_part_path(p, sizeof p, "odd-0", "00000000000000099999.index");
    CHECK(!unit_file_exists(p));
    unit_part_path(p, sizeof p, "odd-0", "00000000000000000000.log.deleted");
    CHECK(!unit_file_exists(p));
    /* a recovery point checkpoint beyond the data and a start offset beyond
     * the end (log deleted under us): the log restarts at the start offset */
    char dir[512], err[256];
    log_config c = test_cfg();
    snprintf(dir, sizeof dir, "%s/odd-0", unit_root);
    l = plog_open(dir, &c, 1 << 30, 1 << 20, 0, err, sizeof err);
    CHECK(l != NULL);
    if (l) {
        CHECK_EQ(plog_log_start_offset(l), 1 << 20);
        CHECK_EQ(plog_log_end_offset(l), 1 << 20);
        CHECK_EQ(plog_segment_count(l), 1);
        CHECK_EQ(append_n(l, 1, 1, 1, NOW), 1 << 20);
        plog_close(l);
    }
    /* deleting a partition removes its directory */
    l = open_log("odd-0", 0, 1);
    CHECK(l != NULL);
    if (l)
        CHECK_EQ(plog_delete(l), 0);
    CHECK(!unit_file_exists(dir));
}

int main(void) {
    if (unit_mkdtemp(unit_root, sizeof unit_root, "test_recovery") < 0)
        return 1;
    log_open(NULL, getenv("VERBOSE") != NULL, LOG_INFO);
    test_kill9_keeps_everything();
    test_truncate_every_byte_of_last_batch();
    test_truncate_at_random_points();
    test_garbage_and_zero_tails();
    test_flipped_bytes();
    test_index_damage();
    test_epochs_truncated_with_log();
    test_empty_and_odd_directories();
    log_close();
    return unit_report_storage("test_recovery");
}
