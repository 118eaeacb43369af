/* test_log.c -- unit tests for the partition log (broker/kafka/log.c,
 * segment.c) and the checkpoint files (checkpoint.c): append/read round
 * trips, offset assignment, whole-batch reads and the max_bytes /
 * min_one_batch rules, rolling by size, time and full index, the on-disk
 * index format, index lookups over many segments, ListOffsets by timestamp,
 * DeleteRecords, retention by bytes and time, flushing, the leader epoch
 * cache, reopening after a clean close, the replication side (follower
 * appends, reads bounded by the high watermark, truncation with clean and
 * kill -9 reopens, OffsetForLeaderEpoch lookups), and checkpoint /
 * meta.properties round trips with malformed files rejected. */
#include <signal.h>
#include <sys/wait.h>

#include "unit.h"

#include "checkpoint.h"
#include "logger.h"

static const int64_t NOW = 1700000000000LL;

/* Checks a segment's index files the way kafka-dump-log does: every .index
 * entry points at a batch whose last offset is base + relative offset; time
 * index timestamps increase and the last one is the segment's max timestamp. */
static void check_segment_indexes(const char *name, int64_t base, int trimmed) {
    char p[512];
    size_t loglen = 0, ilen = 0, tlen = 0;
    unit_seg_path(p, sizeof p, name, base, ".log");
    uint8_t *log = (uint8_t *)unit_slurp(p, &loglen);
    unit_seg_path(p, sizeof p, name, base, ".index");
    uint8_t *idx = (uint8_t *)unit_slurp(p, &ilen);
    unit_seg_path(p, sizeof p, name, base, ".timeindex");
    uint8_t *tidx = (uint8_t *)unit_slurp(p, &tlen);
    CHECK(log && idx && tidx);
    if (!log || !idx || !tidx)
        goto out;
    CHECK_EQ(ilen % 8, 0);
    CHECK_EQ(tlen % 12, 0);
    int64_t max_ts = -1, last = base - 1;
    for (size_t pos = 0; pos + 61 <= loglen; pos += 12 + be32_get(log + pos + 8)) {
        if ((int64_t)be64_get(log + pos + 35) > max_ts)
            max_ts = (int64_t)be64_get(log + pos + 35);
        last = (int64_t)be64_get(log + pos) + (int32_t)be32_get(log + pos + 23);
    }
    int32_t prev = -1;
    for (size_t i = 0; i + 8 <= ilen; i += 8) {
        int32_t rel = (int32_t)be32_get(idx + i), pos = (int32_t)be32_get(idx + i + 4);
        if (trimmed)
            CHECK(rel > prev);
        else if (rel <= prev || pos == 0)
            break; /* pre-allocated zero tail */
        prev = rel;
        CHECK(pos > 0 && (size_t)pos + 61 <= loglen);
        if (pos > 0 && (size_t)pos + 61 <= loglen)
            CHECK_EQ((int64_t)be64_get(log + pos) + (int32_t)be32_get(log + pos + 23), base + rel);
    }
    int64_t prev_ts = -1;
    for (size_t i = 0; i + 12 <= tlen; i += 12) {
        int64_t ts = (int64_t)be64_get(tidx + i);
        int32_t rel = (int32_t)be32_get(tidx + i + 8);
        if (!trimmed && (ts <= prev_ts || (ts == 0 && rel == 0)))
            break;
        CHECK(ts > prev_ts);
        /* about data the segment holds (not a truncated tail) */
        CHECK(ts <= max_ts);
        CHECK(base + rel <= last);
        prev_ts = ts;
    }
    if (trimmed && tlen)
        CHECK_EQ(prev_ts, max_ts);
out:
    free(log);
    free(idx);
    free(tidx);
}

typedef struct hdr_acc {
    int n;
    int64_t first;
} hdr_acc;

static void count_headers(void *arg, const uint8_t *h) {
    hdr_acc *a = arg;
    if (a->n++ == 0)
        a->first = (int64_t)be64_get(h);
}

/* ------------------------------------------------------------------------ */
static void test_append_read(void) {
    log_config c;
    log_config_defaults(&c);
    plog *l = unit_open_log("basic-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    char p[512];
    CHECK_EQ(plog_log_end_offset(l), 0);
    CHECK_EQ(plog_log_start_offset(l), 0);
    CHECK_EQ(plog_segment_count(l), 1);
    unit_seg_path(p, sizeof p, "basic-0", 0, ".log");
    CHECK(unit_file_exists(p));
    unit_seg_path(p, sizeof p, "basic-0", 0, ".index");
    CHECK_EQ(unit_file_size(p), 10 << 20); /* pre-allocated like Kafka */

    size_t sz[3];
    for (int i = 0; i < 3; i++) {
        wbuf wb;
        plog_append_info info;
        wb_init(&wb, 256);
        sz[i] = make_batch(&wb, 5, 1000 + 10 * i, 20, 'x');
        CHECK_EQ(plog_append(l, wb.data, wb.len, 7, NOW, &info), 0);
        CHECK_EQ(info.first_offset, 5 * i);
        CHECK_EQ(info.last_offset, 5 * i + 4);
        CHECK_EQ(info.log_append_time, -1);
        CHECK_EQ(info.max_timestamp, 1000 + 10 * i + 4);
        CHECK_EQ(info.offset_of_max_timestamp, 5 * i + 4);
        CHECK_EQ(be64_get(wb.data), 5 * i); /* rewritten in place */
        wb_free(&wb);
    }
    CHECK_EQ(plog_log_end_offset(l), 15);
    CHECK_EQ(plog_size_bytes(l), sz[0] + sz[1] + sz[2]);

    plog_read_result r;
    CHECK_EQ(plog_read(l, 0, 1 << 20, 1, &r), 0);
    CHECK(r.fd >= 0);
    CHECK_EQ(r.file_pos, 0);
    CHECK_EQ(r.len, sz[0] + sz[1] + sz[2]);
    if (r.fd >= 0) {
        uint8_t buf[4096];
        CHECK_EQ(pread(r.fd, buf, (size_t)r.len, 0), r.len);
        for (int i = 0, off = 0; i < 3; off += (int)sz[i++]) {
            CHECK_EQ(be64_get(buf + off), 5 * i);
            CHECK_EQ((int32_t)be32_get(buf + off + 12), 7); /* PartitionLeaderEpoch */
            CHECK(batch_crc_ok(buf + off, sz[i]));
        }
        close(r.fd);
    }
    /* mid-batch offsets return the containing batch */
    CHECK_EQ(plog_read(l, 7, 1 << 20, 1, &r), 0);
    CHECK_EQ(r.file_pos, sz[0]);
    CHECK_EQ(r.len, sz[1] + sz[2]);
    close(r.fd);
    CHECK_EQ(plog_read(l, 14, 1 << 20, 1, &r), 0);
    CHECK_EQ(r.file_pos, sz[0] + sz[1]);
    CHECK_EQ(r.len, sz[2]);
    close(r.fd);
    /* end and out of range */
    CHECK_EQ(plog_read(l, 15, 1 << 20, 1, &r), 0);
    CHECK_EQ(r.len, 0);
    CHECK_EQ(r.fd, -1);
    CHECK_EQ(plog_read(l, 16, 1 << 20, 1, &r), 1);
    CHECK_EQ(plog_read(l, -1, 1 << 20, 1, &r), 1);
    /* max_bytes: whole batches only; min_one_batch */
    CHECK_EQ(plog_read(l, 0, (int32_t)(sz[0] + sz[1] - 1), 1, &r), 0);
    CHECK_EQ(r.len, sz[0]);
    close(r.fd);
    CHECK_EQ(plog_read(l, 0, (int32_t)(sz[0] + sz[1]), 0, &r), 0);
    CHECK_EQ(r.len, sz[0] + sz[1]);
    close(r.fd);
    CHECK_EQ(plog_read(l, 0, (int32_t)sz[0] - 1, 1, &r), 0);
    CHECK_EQ(r.len, sz[0]);
    close(r.fd);
    CHECK_EQ(plog_read(l, 0, (int32_t)sz[0] - 1, 0, &r), 0);
    CHECK_EQ(r.len, 0);
    CHECK_EQ(r.fd, -1);
    CHECK_EQ(plog_read(l, 5, 0, 1, &r), 0);
    CHECK_EQ(r.len, sz[1]);
    close(r.fd);

    /* several batches in one append get contiguous offsets */
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 256);
    make_batch(&wb, 3, 2000, 10, 'y');
    make_batch(&wb, 2, 2005, 10, 'z');
    CHECK_EQ(plog_append(l, wb.data, wb.len, 7, NOW, &info), 0);
    CHECK_EQ(info.first_offset, 15);
    CHECK_EQ(info.last_offset, 19);
    CHECK_EQ(info.offset_of_max_timestamp, 19);
    CHECK_EQ(read_back(l, 0, 100), 20);
    CHECK_EQ(read_back(l, 16, 1 << 20), 20);
    /* not whole batches: rejected, nothing written */
    int64_t size = plog_size_bytes(l);
    CHECK_EQ(plog_append(l, wb.data, 30, 7, NOW, &info), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(plog_append(l, wb.data, wb.len - 1, 7, NOW, &info), -1);
    CHECK_EQ(plog_log_end_offset(l), 20);
    CHECK_EQ(plog_size_bytes(l), size);
    wb_free(&wb);

    /* batch headers from an offset, for producer state */
    hdr_acc acc = {0, -1};
    CHECK_EQ(plog_scan_batch_headers(l, 6, count_headers, &acc), 0);
    CHECK_EQ(acc.n, 4);
    CHECK_EQ(acc.first, 5);
    plog_close(l);
}

static void test_log_append_time(void) {
    log_config c;
    log_config_defaults(&c);
    c.message_timestamp_type = 1;
    plog *l = unit_open_log("lat-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 256);
    size_t n = make_batch(&wb, 3, 1000, 10, 'q');
    CHECK_EQ(plog_append(l, wb.data, wb.len, 0, NOW, &info), 0);
    CHECK_EQ(info.log_append_time, NOW);
    CHECK_EQ(info.max_timestamp, NOW);
    CHECK_EQ(info.offset_of_max_timestamp, 2);
    CHECK(be16_get(wb.data + 21) & 0x08);
    CHECK_EQ(be64_get(wb.data + 35), NOW);
    CHECK(batch_crc_ok(wb.data, n));
    CHECK_EQ(read_back(l, 0, 1000), 3);
    int64_t off, ts;
    CHECK_EQ(plog_offset_for_timestamp(l, 5, &off, &ts), 0);
    CHECK_EQ(off, 0);
    CHECK_EQ(ts, NOW);
    CHECK_EQ(plog_offset_for_timestamp(l, NOW + 1, &off, &ts), 1);
    wb_free(&wb);
    plog_close(l);
}

static void test_roll_and_indexes(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 2000;
    c.index_interval_bytes = 200;
    c.segment_index_bytes = 4096;
    plog *l = unit_open_log("roll-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    for (int i = 0; i < 60; i++)
        CHECK_EQ(append_n(l, 3, 1000 + 10 * i, 50, NOW), 3 * i);
    CHECK_EQ(plog_log_end_offset(l), 180);
    int nseg = plog_segment_count(l);
    CHECK(nseg >= 6);
    int64_t bases[64];
    CHECK_EQ(unit_list_segments("roll-0", bases, 64), nseg);
    CHECK_EQ(bases[0], 0);
    char p[512];
    int64_t total = 0;
    for (int i = 0; i < nseg; i++) {
        CHECK_EQ(bases[i] % 3, 0); /* segments start at batch boundaries */
        unit_seg_path(p, sizeof p, "roll-0", bases[i], ".log");
        int64_t sz = unit_file_size(p);
        CHECK(sz > 0 && sz <= 2000);
        total += sz;
        check_segment_indexes("roll-0", bases[i], i < nseg - 1);
        unit_seg_path(p, sizeof p, "roll-0", bases[i], ".index");
        if (i < nseg - 1)
            CHECK(unit_file_size(p) < 4096 && unit_file_size(p) > 0); /* trimmed on roll */
        else
            CHECK_EQ(unit_file_size(p), 4096);
    }
    CHECK_EQ(total, plog_size_bytes(l));

    /* every offset is found through the indexes, in the right batch */
    for (int64_t o = 0; o < 180; o++) {
        plog_read_result r;
        uint8_t h[61];
        CHECK_EQ(plog_read(l, o, 1, 1, &r), 0);
        CHECK(r.fd >= 0 && r.len > 61);
        if (r.fd < 0)
            continue;
        CHECK_EQ(pread(r.fd, h, 61, r.file_pos), 61);
        close(r.fd);
        int64_t base = (int64_t)be64_get(h);
        CHECK(base <= o && o <= base + (int32_t)be32_get(h + 23));
        CHECK_EQ(12 + be32_get(h + 8), r.len);
    }
    CHECK_EQ(read_back(l, 0, 700), 180);
    CHECK_EQ(read_back(l, 37, 1 << 20), 180);
    /* reads fill max_bytes with as many whole batches of the segment as fit */
    for (int64_t o = 0; o < 180; o += 7) {
        int si = 0;
        while (si + 1 < nseg && bases[si + 1] <= o)
            si++;
        size_t len = 0;
        unit_seg_path(p, sizeof p, "roll-0", bases[si], ".log");
        uint8_t *d = (uint8_t *)unit_slurp(p, &len);
        static const int32_t maxes[] = {1, 250, 600, 1100, 1999, 5000};
        for (size_t m = 0; d && m < sizeof maxes / sizeof *maxes; m++) {
            int64_t start = -1, end = -1;
            for (size_t pos = 0; pos + 61 <= len; pos += 12 + be32_get(d + pos + 8)) {
                int64_t bend = (int64_t)pos + 12 + be32_get(d + pos + 8);
                if (start < 0 && (int64_t)be64_get(d + pos) + (int32_t)be32_get(d + pos + 23) >= o)
                    start = (int64_t)pos, end = bend;
                else if (start >= 0 && bend - start <= maxes[m])
                    end = bend;
                else if (start >= 0)
                    break;
            }
            plog_read_result r;
            CHECK_EQ(plog_read(l, o, maxes[m], 1, &r), 0);
            CHECK_EQ(r.file_pos, start);
            CHECK_EQ(r.len, end - start);
            if (r.fd >= 0)
                close(r.fd);
        }
        free(d);
    }

    /* an append larger than a segment is refused */
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 4096);
    make_batch(&wb, 3, 5000, 900, 'b');
    CHECK_EQ(plog_append(l, wb.data, wb.len, 0, NOW, &info), -1);
    CHECK_EQ(errno, EMSGSIZE);
    wb_free(&wb);

    /* clean close trims, clean reopen restores everything */
    plog_close(l);
    unit_seg_path(p, sizeof p, "roll-0", bases[nseg - 1], ".index");
    CHECK(unit_file_size(p) < 4096);
    check_segment_indexes("roll-0", bases[nseg - 1], 1);
    l = unit_open_log("roll-0", &c, 180, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_EQ(plog_log_end_offset(l), 180);
    CHECK_EQ(plog_log_start_offset(l), 0);
    CHECK_EQ(plog_segment_count(l), nseg);
    CHECK_EQ(plog_size_bytes(l), total);
    CHECK_EQ(plog_recovery_point(l), 180);
    CHECK_EQ(read_back(l, 0, 1000), 180);
    for (int i = 0; i < 20; i++)
        CHECK_EQ(append_n(l, 3, 2000 + i, 50, NOW), 180 + 3 * i);
    CHECK_EQ(read_back(l, 100, 1000), 240);
    plog_close(l);
    nseg = unit_list_segments("roll-0", bases, 64);
    for (int i = 0; i < nseg; i++)
        check_segment_indexes("roll-0", bases[i], 1);
}

static void test_roll_by_time_and_full_index(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_ms = 1000;
    plog *l = unit_open_log("troll-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_EQ(append_n(l, 2, 10000, 10, NOW), 0); /* first batch: max ts 10001 */
    CHECK_EQ(append_n(l, 2, 10900, 10, NOW), 2); /* 900 ms later: same segment */
    CHECK_EQ(plog_segment_count(l), 1);
    CHECK_EQ(append_n(l, 2, 11001, 10, NOW), 4); /* 1001 ms after the first: roll */
    CHECK_EQ(plog_segment_count(l), 2);
    /* the periodic check rolls an old active segment too */
    CHECK_EQ(plog_enforce_retention(l, 11002 + 999), 0);
    CHECK_EQ(plog_segment_count(l), 2);
    plog_enforce_retention(l, 11002 + 1001);
    CHECK_EQ(plog_segment_count(l), 3);
    plog_close(l);

    /* a full index rolls: 24 bytes = 3 offset entries, 2 time entries (one
     * kept for the roll), index.interval.bytes 0 indexes every batch after
     * the first one */
    log_config_defaults(&c);
    c.segment_index_bytes = 24;
    c.index_interval_bytes = 0;
    l = unit_open_log("iroll-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    for (int i = 0; i < 10; i++)
        CHECK_EQ(append_n(l, 1, 100 + i, 10, NOW), i);
    CHECK_EQ(plog_segment_count(l), 5);
    CHECK_EQ(read_back(l, 0, 50), 10);
    plog_close(l);
    int64_t bases[16];
    CHECK_EQ(unit_list_segments("iroll-0", bases, 16), 5);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(bases[i], 2 * i);
        check_segment_indexes("iroll-0", bases[i], 1);
    }
}

static void test_offset_for_timestamp(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 1500;
    c.index_interval_bytes = 100;
    plog *l = unit_open_log("ts-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    for (int i = 0; i < 40; i++) /* batch i: offsets 4i..4i+3, timestamps 1000+10i+j */
        CHECK_EQ(append_n(l, 4, 1000 + 10 * i, 30, NOW), 4 * i);
    CHECK(plog_segment_count(l) > 3);
    for (int pass = 0; pass < 2; pass++) {
        int64_t off, ts;
        for (int i = 0; i < 40; i += 3)
            for (int j = 0; j < 4; j++) {
                CHECK_EQ(plog_offset_for_timestamp(l, 1000 + 10 * i + j, &off, &ts), 0);
                CHECK_EQ(off, 4 * i + j);
                CHECK_EQ(ts, 1000 + 10 * i + j);
            }
        CHECK_EQ(plog_offset_for_timestamp(l, 1000 + 10 * 7 + 5, &off, &ts), 0);
        CHECK_EQ(off, 32);
        CHECK_EQ(ts, 1080);
        CHECK_EQ(plog_offset_for_timestamp(l, 0, &off, &ts), 0);
        CHECK_EQ(off, 0);
        CHECK_EQ(ts, 1000);
        CHECK_EQ(plog_offset_for_timestamp(l, 1000 + 10 * 39 + 4, &off, &ts), 1);
        /* after a clean reopen the answers come from the on-disk indexes */
        plog_close(l);
        l = unit_open_log("ts-0", &c, 160, -1, 1);
        CHECK(l != NULL);
        if (!l)
            return;
    }
    int64_t off, ts;
    CHECK_EQ(plog_delete_records(l, 50), 0);
    CHECK_EQ(plog_offset_for_timestamp(l, 0, &off, &ts), 0);
    CHECK_EQ(off, 50);
    CHECK_EQ(ts, 1000 + 10 * 12 + 2);
    plog_close(l);
}

static void test_delete_records(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 1000;
    plog *l = unit_open_log("dr-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    for (int i = 0; i < 30; i++)
        append_n(l, 3, 1000 + i, 50, NOW);
    int64_t leo = plog_log_end_offset(l), bases[64];
    int nseg = plog_segment_count(l);
    CHECK_EQ(leo, 90);
    CHECK_EQ(unit_list_segments("dr-0", bases, 64), nseg);
    CHECK(nseg >= 4);
    CHECK_EQ(plog_delete_records(l, leo + 1), 1);
    CHECK_EQ(plog_delete_records(l, 0), 0);
    CHECK_EQ(plog_segment_count(l), nseg);

    int64_t target = bases[2] + 1;
    CHECK_EQ(plog_delete_records(l, target), 0);
    CHECK_EQ(plog_log_start_offset(l), target);
    CHECK_EQ(plog_segment_count(l), nseg - 2);
    CHECK_EQ(plog_first_segment_base(l), bases[2]);
    char p[512];
    unit_seg_path(p, sizeof p, "dr-0", bases[0], ".log");
    CHECK(!unit_file_exists(p));
    unit_seg_path(p, sizeof p, "dr-0", bases[1], ".index");
    CHECK(!unit_file_exists(p));
    plog_read_result r;
    CHECK_EQ(plog_read(l, target - 1, 1000, 1, &r), 1);
    CHECK_EQ(plog_read(l, target, 1000, 1, &r), 0);
    CHECK_EQ(r.file_pos, 0); /* the batch holding target starts the segment */
    close(r.fd);
    CHECK_EQ(read_back(l, target, 300), leo);
    /* moving backwards is a no-op */
    CHECK_EQ(plog_delete_records(l, 3), 0);
    CHECK_EQ(plog_log_start_offset(l), target);

    /* up to the end: only the active segment is left */
    CHECK_EQ(plog_delete_records(l, leo), 0);
    CHECK_EQ(plog_log_start_offset(l), leo);
    CHECK_EQ(plog_segment_count(l), 1);
    CHECK_EQ(plog_read(l, leo, 1000, 1, &r), 0);
    CHECK_EQ(r.len, 0);
    CHECK_EQ(plog_read(l, leo - 1, 1000, 1, &r), 1);
    CHECK_EQ(append_n(l, 2, 5000, 10, NOW), leo);
    plog_close(l);
    /* the broker passes the checkpointed log start offset back in */
    l = unit_open_log("dr-0", &c, 0, leo, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_EQ(plog_log_start_offset(l), leo);
    CHECK_EQ(plog_log_end_offset(l), leo + 2);
    plog_close(l);
}

static int log_contains(const char *needle) {
    char p[512];
    snprintf(p, sizeof p, "%s/server.log", unit_root);
    char *s = unit_slurp(p, NULL);
    int found = s && strstr(s, needle);
    free(s);
    return found;
}

static void test_retention(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 1000;
    c.retention_bytes = 2500;
    c.retention_ms = -1;
    plog *l = unit_open_log("rb-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    for (int i = 0; i < 40; i++)
        append_n(l, 3, NOW - 1000 + i, 50, NOW);
    int nseg = plog_segment_count(l);
    int64_t before = plog_size_bytes(l);
    CHECK(before > 5000);
    /* retention works on a reopened log (lazily loaded indexes) */
    plog_close(l);
    l = unit_open_log("rb-0", &c, 120, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    int del = plog_enforce_retention(l, NOW);
    CHECK(del > 0);
    CHECK_EQ(plog_segment_count(l), nseg - del);
    CHECK(plog_size_bytes(l) >= 2500);
    CHECK(plog_size_bytes(l) < 2500 + 1000);
    CHECK_EQ(plog_log_start_offset(l), plog_first_segment_base(l));
    CHECK(plog_log_start_offset(l) > 0);
    CHECK(plog_recovery_point(l) >= plog_first_segment_base(l));
    CHECK(log_contains("Deleting segment"));
    CHECK(log_contains("due to retention size in bytes 2500 breach"));
    CHECK_EQ(plog_enforce_retention(l, NOW), 0);
    CHECK_EQ(read_back(l, plog_log_start_offset(l), 1000), 120);
    plog_close(l);

    /* the boundary: size - first segment == retention.bytes deletes exactly it */
    log_config_defaults(&c);
    c.segment_bytes = 1000;
    l = unit_open_log("rbx-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    for (int i = 0; i < 20; i++)
        append_n(l, 3, NOW + i, 50, NOW);
    int64_t bases[64];
    char p[512];
    nseg = unit_list_segments("rbx-0", bases, 64);
    unit_seg_path(p, sizeof p, "rbx-0", 0, ".log");
    c.retention_bytes = plog_size_bytes(l) - unit_file_size(p);
    plog_set_config(l, &c);
    CHECK_EQ(plog_enforce_retention(l, NOW), 1);
    CHECK_EQ(plog_log_start_offset(l), bases[1]);
    CHECK_EQ(plog_size_bytes(l), c.retention_bytes);
    c.retention_bytes = plog_size_bytes(l) - 1;
    plog_set_config(l, &c);
    CHECK_EQ(plog_enforce_retention(l, NOW), 0); /* first segment is more than 1 byte */
    plog_close(l);

    /* time: 12 old batches, then 12 new ones */
    log_config_defaults(&c);
    c.segment_bytes = 1000;
    c.retention_ms = 10000;
    l = unit_open_log("rt-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    for (int i = 0; i < 12; i++)
        append_n(l, 3, 1000 + 100 * i, 50, NOW);
    for (int i = 0; i < 12; i++)
        append_n(l, 3, 100000 + 100 * i, 50, NOW);
    plog_close(l);
    l = unit_open_log("rt-0", &c, 72, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    nseg = plog_segment_count(l);
    /* the first segment holds at least batches 0-1 (max timestamp >= 1102) */
    CHECK_EQ(plog_enforce_retention(l, 1000 + 100 * 1 + 2 + 10000), 0);
    del = plog_enforce_retention(l, 1000 + 100 * 11 + 2 + 10001); /* all old ones expired */
    CHECK(del >= 2);
    CHECK_EQ(plog_segment_count(l), nseg - del);
    CHECK(plog_log_start_offset(l) <= 36); /* the mixed segment stays */
    CHECK(plog_log_start_offset(l) > 0);
    CHECK(log_contains("due to retention time 10000ms breach"));
    /* everything expired: the active segment is rolled first, then deleted */
    del = plog_enforce_retention(l, 100000 + 100 * 11 + 2 + 10001);
    CHECK(del >= 1);
    CHECK_EQ(plog_segment_count(l), 1);
    CHECK_EQ(plog_size_bytes(l), 0);
    CHECK_EQ(plog_log_start_offset(l), 72);
    CHECK_EQ(plog_log_end_offset(l), 72);
    CHECK_EQ(plog_first_segment_base(l), 72);
    CHECK_EQ(plog_enforce_retention(l, INT64_MAX / 2), 0); /* the empty active one stays */
    CHECK_EQ(append_n(l, 1, 1, 10, NOW), 72);
    plog_close(l);
}

static void test_flush(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 1000;
    plog *l = unit_open_log("fl-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    append_n(l, 3, 1000, 50, NOW);
    CHECK_EQ(plog_recovery_point(l), 0);
    CHECK_EQ(plog_flush(l), 0);
    CHECK_EQ(plog_recovery_point(l), 3);
    for (int i = 0; i < 10; i++)
        append_n(l, 3, 1000, 50, NOW);
    CHECK(plog_segment_count(l) > 1);
    CHECK_EQ(plog_recovery_point(l), 3);
    plog_maybe_flush(l, NOW); /* flush-on-roll: up to the active segment */
    int64_t bases[16];
    int n = unit_list_segments("fl-0", bases, 16);
    CHECK_EQ(plog_recovery_point(l), bases[n - 1]);
    c.flush_interval_ms = 100;
    plog_set_config(l, &c);
    append_n(l, 3, 1000, 50, NOW);
    plog_maybe_flush(l, NOW + 99);
    CHECK(plog_recovery_point(l) < plog_log_end_offset(l));
    plog_maybe_flush(l, NOW + 100);
    CHECK_EQ(plog_recovery_point(l), plog_log_end_offset(l));
    c.flush_interval_messages = 1;
    plog_set_config(l, &c);
    append_n(l, 3, 1000, 50, NOW);
    CHECK_EQ(plog_recovery_point(l), plog_log_end_offset(l));
    /* a new index size takes effect on the active segment */
    c.segment_index_bytes = 16;
    c.index_interval_bytes = 0;
    plog_set_config(l, &c);
    int before = plog_segment_count(l);
    for (int i = 0; i < 4; i++)
        append_n(l, 1, 1000, 10, NOW);
    CHECK(plog_segment_count(l) > before);
    CHECK_EQ(read_back(l, 0, 1000), plog_log_end_offset(l));
    plog_close(l);
}

static void test_leader_epochs(void) {
    log_config c;
    log_config_defaults(&c);
    plog *l = unit_open_log("ep-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    char p[512];
    snprintf(p, sizeof p, "%s/ep-0/leader-epoch-checkpoint", unit_root);
    CHECK_EQ(plog_latest_epoch(l), -1);
    CHECK_EQ(plog_assign_leader_epoch(l, 1), 0);
    append_n(l, 3, 1000, 10, NOW);
    CHECK_EQ(plog_assign_leader_epoch(l, 1), 0); /* not newer: unchanged */
    CHECK_EQ(plog_assign_leader_epoch(l, 0), 0);
    CHECK_EQ(plog_assign_leader_epoch(l, 3), 0);
    append_n(l, 3, 1000, 10, NOW);
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 256);
    make_batch(&wb, 2, 1000, 10, 'e');
    CHECK_EQ(plog_append(l, wb.data, wb.len, 4, NOW, &info), 0); /* epoch from the batch */
    wb_free(&wb);
    char *s = unit_slurp(p, NULL);
    CHECK(s && !strcmp(s, "0\n3\n1 0\n3 3\n4 6\n"));
    free(s);
    CHECK_EQ(plog_latest_epoch(l), 4);
    int32_t e;
    int64_t end;
    plog_end_offset_for_epoch(l, 1, &e, &end);
    CHECK(e == 1 && end == 3);
    plog_end_offset_for_epoch(l, 2, &e, &end);
    CHECK(e == 1 && end == 3);
    plog_end_offset_for_epoch(l, 3, &e, &end);
    CHECK(e == 3 && end == 6);
    plog_end_offset_for_epoch(l, 4, &e, &end);
    CHECK(e == 4 && end == 8);
    plog_end_offset_for_epoch(l, 0, &e, &end);
    CHECK(e == 0 && end == 0);
    plog_end_offset_for_epoch(l, 5, &e, &end);
    CHECK(e == -1 && end == -1);
    CHECK_EQ(plog_delete_records(l, 4), 0);
    s = unit_slurp(p, NULL);
    CHECK(s && !strcmp(s, "0\n2\n3 4\n4 6\n"));
    free(s);
    plog_close(l);
    l = unit_open_log("ep-0", &c, 8, 4, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_EQ(plog_latest_epoch(l), 4);
    plog_end_offset_for_epoch(l, 3, &e, &end);
    CHECK(e == 3 && end == 6);
    plog_close(l);
}

/* ------------------------------------------------------------------------
 * Replication: follower appends, truncation, bounded reads, epoch lookups
 * ---------------------------------------------------------------------- */
/* Appends to wb one batch as a leader's log holds it: n records at offsets
 * base.., PartitionLeaderEpoch epoch (both outside the CRC, so it stays
 * valid). Returns its size. */
static size_t leader_batch(wbuf *wb, int64_t base, int n, int32_t epoch, int64_t ts0) {
    size_t at = wb->len, len = make_batch(wb, n, ts0, 30, (uint8_t)('A' + base % 26));
    wb_put_i64(wb, at, base);
    wb_put_i32(wb, at + 12, epoch);
    return len;
}

/* Reads every offset in [from, to) and checks that the first batch returned
 * holds it, and that ListOffsets by timestamp finds it (the logs here have
 * timestamp 1000 + offset at every offset). */
static void check_every_offset(plog *l, int64_t from, int64_t to) {
    for (int64_t o = from; o < to; o++) {
        plog_read_result r;
        uint8_t h[61];
        CHECK_EQ(plog_read(l, o, 100, 1, &r), 0);
        CHECK(r.fd >= 0 && r.len >= 61);
        if (r.fd < 0)
            continue;
        CHECK_EQ(pread(r.fd, h, 61, r.file_pos), 61);
        close(r.fd);
        int64_t base = (int64_t)be64_get(h), last = base + (int32_t)be32_get(h + 23);
        CHECK(base <= o && o <= last);
        int64_t off = -1, ts = -1;
        CHECK_EQ(plog_offset_for_timestamp(l, 1000 + o, &off, &ts), 0);
        CHECK_EQ(off, o);
        CHECK_EQ(ts, 1000 + o);
    }
}

static char *epoch_file(const char *name) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s/leader-epoch-checkpoint", unit_root, name);
    return unit_slurp(p, NULL);
}

static int epoch_file_is(const char *name, const char *want) {
    char *s = epoch_file(name);
    int ok = s && !strcmp(s, want);
    if (!ok)
        fprintf(stderr, "%s leader-epoch-checkpoint: got \"%s\", want \"%s\"\n", name,
                s ? s : "(none)", want);
    free(s);
    return ok;
}

static void test_append_follower(void) {
    log_config c;
    log_config_defaults(&c);
    c.message_timestamp_type = 1; /* a follower keeps the leader's timestamps anyway */
    plog *l = unit_open_log("fol-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 1024);
    leader_batch(&wb, 0, 5, 1, 1000);
    leader_batch(&wb, 5, 5, 1, 1005);
    leader_batch(&wb, 10, 5, 2, 1010);
    uint8_t *copy = malloc(wb.len);
    memcpy(copy, wb.data, wb.len);
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    CHECK_EQ(info.first_offset, 0);
    CHECK_EQ(info.last_offset, 14);
    CHECK_EQ(info.max_timestamp, 1014);
    CHECK_EQ(info.offset_of_max_timestamp, 14);
    CHECK_EQ(info.log_append_time, -1);
    CHECK_EQ(info.bytes_appended, wb.len);
    CHECK_EQ(plog_log_end_offset(l), 15);
    CHECK_EQ(plog_size_bytes(l), wb.len);
    CHECK(epoch_file_is("fol-0", "0\n2\n1 0\n2 10\n"));
    CHECK_EQ(plog_latest_epoch(l), 2);
    /* stored byte for byte: offsets, epochs, timestamps and CRCs kept */
    plog_read_result r;
    CHECK_EQ(plog_read(l, 0, 1 << 20, 1, &r), 0);
    CHECK_EQ(r.len, wb.len);
    if (r.fd >= 0) {
        uint8_t *got = malloc(wb.len);
        CHECK_EQ(pread(r.fd, got, wb.len, r.file_pos), (ssize_t)wb.len);
        CHECK(!memcmp(got, copy, wb.len));
        free(got);
        close(r.fd);
    }
    free(copy);
    size_t before = (size_t)plog_size_bytes(l);

    /* first batch below the log end offset: ERANGE, nothing appended */
    wb_reset(&wb);
    leader_batch(&wb, 10, 5, 2, 1010);
    errno = 0;
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), -1);
    CHECK_EQ(errno, ERANGE);
    CHECK_EQ(plog_log_end_offset(l), 15);
    CHECK_EQ(plog_size_bytes(l), before);
    /* out of order / overlapping batches: EINVAL, nothing appended (not
     * even the good first batch, nor its epoch) */
    wb_reset(&wb);
    leader_batch(&wb, 15, 5, 3, 1015);
    leader_batch(&wb, 18, 5, 3, 1018);
    errno = 0;
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), -1);
    CHECK_EQ(errno, EINVAL);
    wb_reset(&wb);
    leader_batch(&wb, 20, 5, 3, 1020);
    leader_batch(&wb, 15, 5, 3, 1015);
    errno = 0;
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), -1);
    CHECK_EQ(errno, EINVAL);
    /* a corrupt CRC: EINVAL */
    wb_reset(&wb);
    leader_batch(&wb, 15, 5, 3, 1015);
    wb.data[wb.len - 1] ^= 1;
    errno = 0;
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), -1);
    CHECK_EQ(errno, EINVAL);
    /* not magic 2: EINVAL */
    wb_reset(&wb);
    leader_batch(&wb, 15, 5, 3, 1015);
    wb.data[16] = 1;
    errno = 0;
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(plog_log_end_offset(l), 15);
    CHECK_EQ(plog_size_bytes(l), before);
    CHECK_EQ(plog_latest_epoch(l), 2);

    /* a trailing partial batch is ignored: whole batches before it go in */
    wb_reset(&wb);
    size_t w1 = leader_batch(&wb, 15, 5, 3, 1015);
    size_t w2 = leader_batch(&wb, 20, 5, 3, 1020);
    size_t full3 = leader_batch(&wb, 25, 5, 3, 1025);
    for (size_t cut = 1; cut < full3; cut += 7) {
        /* only a partial batch: nothing, no error */
        CHECK_EQ(plog_append_follower(l, wb.data + w1 + w2, cut, NOW, &info), 0);
        CHECK_EQ(info.bytes_appended, 0);
    }
    CHECK_EQ(plog_log_end_offset(l), 15);
    CHECK_EQ(plog_append_follower(l, wb.data, w1 + w2 + 40, NOW, &info), 0);
    CHECK_EQ(info.bytes_appended, w1 + w2);
    CHECK_EQ(info.first_offset, 15);
    CHECK_EQ(info.last_offset, 24);
    CHECK_EQ(plog_log_end_offset(l), 25);
    CHECK(epoch_file_is("fol-0", "0\n3\n1 0\n2 10\n3 15\n"));
    /* the rest, as the next fetch brings it */
    CHECK_EQ(plog_append_follower(l, wb.data + w1 + w2, full3, NOW, &info), 0);
    CHECK_EQ(info.bytes_appended, full3);
    CHECK_EQ(plog_log_end_offset(l), 30);
    /* an older epoch than the latest cached one adds nothing */
    wb_reset(&wb);
    leader_batch(&wb, 30, 5, 1, 1030);
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    CHECK(epoch_file_is("fol-0", "0\n3\n1 0\n2 10\n3 15\n"));
    CHECK_EQ(read_back(l, 0, 1 << 20), 35);
    check_every_offset(l, 0, 35);
    /* a gap, as a compacted leader log has: accepted like Kafka does,
     * offsets kept, the log end offset follows the last batch */
    wb_reset(&wb);
    leader_batch(&wb, 40, 5, 4, 1040);
    leader_batch(&wb, 50, 2, 4, 1050);
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    CHECK_EQ(info.first_offset, 40);
    CHECK_EQ(info.last_offset, 51);
    CHECK_EQ(plog_log_end_offset(l), 52);
    CHECK(epoch_file_is("fol-0", "0\n4\n1 0\n2 10\n3 15\n4 40\n"));
    uint8_t h[61];
    CHECK_EQ(plog_read(l, 37, 100, 1, &r), 0); /* in the gap: the next batch */
    CHECK(r.fd >= 0);
    if (r.fd >= 0) {
        CHECK_EQ(pread(r.fd, h, 61, r.file_pos), 61);
        CHECK_EQ(be64_get(h), 40);
        close(r.fd);
    }
    CHECK_EQ(plog_append_follower(l, wb.data, 0, NOW, &info), 0); /* empty */
    CHECK_EQ(plog_log_end_offset(l), 52);
    wb_free(&wb);
    plog_close(l);

    /* rolling and indexing exactly like plog_append */
    log_config_defaults(&c);
    c.segment_bytes = 1500;
    c.index_interval_bytes = 100;
    c.segment_index_bytes = 4096;
    l = unit_open_log("fol-1", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    wb_init(&wb, 4096);
    for (int64_t o = 0; o < 300; o += 15) {
        wb_reset(&wb);
        for (int k = 0; k < 5; k++)
            leader_batch(&wb, o + 3 * k, 3, (int32_t)((o + 3 * k) / 100), 1000 + o + 3 * k);
        CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
        CHECK_EQ(info.bytes_appended, wb.len);
    }
    CHECK_EQ(plog_log_end_offset(l), 300);
    CHECK(plog_segment_count(l) >= 3);
    CHECK(epoch_file_is("fol-1", "0\n3\n0 0\n1 102\n2 201\n"));
    int64_t bases[64];
    int n = unit_list_segments("fol-1", bases, 64);
    CHECK_EQ(n, plog_segment_count(l));
    for (int i = 0; i < n; i++)
        check_segment_indexes("fol-1", bases[i], i < n - 1);
    CHECK_EQ(read_back(l, 0, 300), 300);
    check_every_offset(l, 0, 300);
    wb_free(&wb);
    plog_close(l);
}

static void test_read_bounded(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 1200;
    c.index_interval_bytes = 0;
    plog *l = unit_open_log("hw-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 512);
    size_t bsz = 0;
    for (int64_t o = 0; o < 60; o += 5) {
        wb_reset(&wb);
        bsz = leader_batch(&wb, o, 5, 0, 1000 + o);
        CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    }
    wb_free(&wb);
    CHECK(plog_segment_count(l) >= 3);
    int64_t bases[64];
    int nseg = unit_list_segments("hw-0", bases, 64);
    plog_read_result r;
    /* for every offset and bound: only batches whose last offset < bound */
    for (int64_t o = 0; o <= 60; o++)
        for (int64_t hw = 0; hw <= 61; hw++) {
            int rc = plog_read_bounded(l, o, hw, 1 << 20, 1, &r);
            if (o > 60) {
                CHECK_EQ(rc, 1);
                continue;
            }
            CHECK_EQ(rc, 0);
            int64_t first = o / 5 * 5, last_ok = hw / 5 * 5; /* batches [first, last_ok) */
            if (hw >= 60)
                last_ok = 60;
            if (o >= hw || first >= last_ok) {
                CHECK_EQ(r.len, 0);
                CHECK_EQ(r.fd, -1);
                continue;
            }
            CHECK(r.fd >= 0);
            if (r.fd < 0)
                continue;
            /* one segment per read: count the whole batches returned */
            CHECK(r.len > 0 && r.len % (int32_t)bsz == 0);
            int64_t nb = r.len / (int64_t)bsz, seg_end = 60;
            for (int i = nseg - 1; i >= 0; i--)
                if (bases[i] > first)
                    seg_end = bases[i];
            uint8_t h[61];
            CHECK_EQ(pread(r.fd, h, 61, r.file_pos), 61);
            CHECK_EQ((int64_t)be64_get(h), first);
            CHECK_EQ(first + 5 * nb, last_ok < seg_end ? last_ok : seg_end);
            close(r.fd);
            /* the same read unbounded starts at the same place and goes at least as far */
            plog_read_result u;
            CHECK_EQ(plog_read(l, o, 1 << 20, 1, &u), 0);
            CHECK_EQ(u.file_pos, r.file_pos);
            CHECK(u.len >= r.len);
            if (u.fd >= 0)
                close(u.fd);
        }
    /* out of range stays out of range whatever the bound */
    CHECK_EQ(plog_read_bounded(l, 61, INT64_MAX, 1 << 20, 1, &r), 1);
    CHECK_EQ(plog_read_bounded(l, 61, 10, 1 << 20, 1, &r), 1);
    /* max_bytes still applies; min_one_batch still returns one whole batch */
    CHECK_EQ(plog_read_bounded(l, 0, 20, (int32_t)bsz + 10, 1, &r), 0);
    CHECK_EQ(r.len, bsz);
    if (r.fd >= 0)
        close(r.fd);
    CHECK_EQ(plog_read_bounded(l, 0, 20, 10, 1, &r), 0);
    CHECK_EQ(r.len, bsz);
    if (r.fd >= 0)
        close(r.fd);
    CHECK_EQ(plog_read_bounded(l, 0, 20, 10, 0, &r), 0);
    CHECK_EQ(r.len, 0);
    /* below the log start offset */
    CHECK_EQ(plog_delete_records(l, 12), 0);
    CHECK_EQ(plog_read_bounded(l, 11, 60, 1 << 20, 1, &r), 1);
    CHECK_EQ(plog_read_bounded(l, 12, 60, 1 << 20, 1, &r), 0);
    CHECK(r.len > 0);
    if (r.fd >= 0)
        close(r.fd);
    plog_close(l);
}

/* A log of 3-record batches at offsets 0, 3, ..., 3*(nb-1), timestamps
 * 1000 + offset, epochs 1 from 0, 2 from 30, 3 from 60, in segments of
 * about 8 batches. */
static plog *open_epoch_log(const char *name, int nb, log_config *c) {
    log_config_defaults(c);
    c->segment_bytes = 1000;
    c->index_interval_bytes = 150;
    c->segment_index_bytes = 4096;
    plog *l = unit_open_log(name, c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return NULL;
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 512);
    for (int i = 0; i < nb; i++) {
        wb_reset(&wb);
        leader_batch(&wb, 3 * i, 3, 3 * i >= 60 ? 3 : 3 * i >= 30 ? 2 : 1, 1000 + 3 * i);
        CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    }
    wb_free(&wb);
    return l;
}

/* Every check a truncated log must pass, at its log end offset `leo`. */
static void check_truncated(plog *l, const char *name, int64_t leo) {
    CHECK_EQ(plog_log_end_offset(l), leo);
    CHECK(plog_recovery_point(l) <= leo);
    CHECK_EQ(read_back(l, plog_log_start_offset(l), 500), leo);
    check_every_offset(l, plog_log_start_offset(l), leo);
    plog_read_result r;
    CHECK_EQ(plog_read(l, leo, 1 << 20, 1, &r), 0);
    CHECK_EQ(r.len, 0);
    CHECK_EQ(plog_read(l, leo + 1, 1 << 20, 1, &r), 1);
    int64_t off, ts;
    CHECK_EQ(plog_offset_for_timestamp(l, 1000 + leo, &off, &ts), 1); /* nothing that late */
    int64_t bases[64];
    int n = unit_list_segments(name, bases, 64);
    CHECK_EQ(n, plog_segment_count(l));
    CHECK(n > 0 && bases[n - 1] <= leo);
    for (int i = 0; i < n; i++)
        check_segment_indexes(name, bases[i], i < n - 1);
    int64_t size = 0;
    char p[512];
    for (int i = 0; i < n; i++) {
        unit_seg_path(p, sizeof p, name, bases[i], ".log");
        size += unit_file_size(p);
    }
    CHECK_EQ(size, plog_size_bytes(l));
}

static void test_truncate(void) {
    log_config c;
    plog *l = open_epoch_log("tr-0", 30, &c); /* offsets 0..89 */
    if (!l)
        return;
    int nseg = plog_segment_count(l);
    CHECK(nseg >= 4);
    CHECK(epoch_file_is("tr-0", "0\n3\n1 0\n2 30\n3 60\n"));
    /* at or beyond the log end offset: nothing happens */
    CHECK_EQ(plog_truncate_to(l, 90), 0);
    CHECK_EQ(plog_truncate_to(l, 1000), 0);
    CHECK_EQ(plog_log_end_offset(l), 90);
    CHECK_EQ(plog_segment_count(l), nseg);
    /* inside the active segment, at a batch boundary */
    int64_t bases[64];
    unit_list_segments("tr-0", bases, 64);
    int64_t act = bases[nseg - 1];
    CHECK(act < 87);
    CHECK_EQ(plog_truncate_to(l, 87), 0);
    CHECK(log_contains("[Log partition=tr-0, dir="));
    CHECK(log_contains("Truncating to offset 87"));
    CHECK_EQ(plog_segment_count(l), nseg);
    check_truncated(l, "tr-0", 87);
    /* inside a batch: cut at that batch's base offset */
    CHECK_EQ(plog_truncate_to(l, 86), 0);
    check_truncated(l, "tr-0", 84);
    CHECK(epoch_file_is("tr-0", "0\n3\n1 0\n2 30\n3 60\n"));
    /* across segments: into the middle of an earlier one, dropping epoch 3 */
    CHECK_EQ(plog_truncate_to(l, 48), 0);
    CHECK(plog_segment_count(l) < nseg);
    unit_list_segments("tr-0", bases, 64);
    CHECK(bases[plog_segment_count(l) - 1] < 48);
    check_truncated(l, "tr-0", 48);
    CHECK(epoch_file_is("tr-0", "0\n2\n1 0\n2 30\n"));
    CHECK_EQ(plog_latest_epoch(l), 2);
    /* the cut segment is the active one: appends continue there and roll on */
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 512);
    for (int64_t o = 48; o < 120; o += 3) {
        wb_reset(&wb);
        leader_batch(&wb, o, 3, 5, 1000 + o);
        CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    }
    CHECK(epoch_file_is("tr-0", "0\n3\n1 0\n2 30\n5 48\n"));
    check_truncated(l, "tr-0", 120);
    /* to a segment's base offset: that segment is kept, empty and active */
    unit_list_segments("tr-0", bases, 64);
    int64_t b1 = bases[1];
    CHECK_EQ(plog_truncate_to(l, b1), 0);
    CHECK_EQ(plog_segment_count(l), 2);
    check_truncated(l, "tr-0", b1);
    /* reopen after a clean close: same log end offset and epochs */
    plog_close(l);
    l = unit_open_log("tr-0", &c, b1, 0, 1);
    CHECK(l != NULL);
    if (!l)
        goto out;
    check_truncated(l, "tr-0", b1);
    CHECK_EQ(plog_latest_epoch(l), 1);
    CHECK(epoch_file_is("tr-0", "0\n1\n1 0\n"));
    /* to 0: one empty segment at 0, no epochs */
    CHECK_EQ(plog_truncate_to(l, 0), 0);
    CHECK_EQ(plog_segment_count(l), 1);
    check_truncated(l, "tr-0", 0);
    CHECK_EQ(plog_log_start_offset(l), 0);
    CHECK(epoch_file_is("tr-0", "0\n0\n"));
    CHECK_EQ(plog_latest_epoch(l), -1);
    CHECK_EQ(append_n(l, 3, 1000, 30, NOW), 0);
    plog_close(l);

    /* below the log start offset: as truncate_fully_and_start_at */
    l = open_epoch_log("tr-1", 30, &c);
    if (!l)
        goto out;
    CHECK_EQ(plog_delete_records(l, 50), 0);
    CHECK(plog_first_segment_base(l) > 0);
    CHECK_EQ(plog_truncate_to(l, 20), 0);
    CHECK_EQ(plog_segment_count(l), 1);
    CHECK_EQ(plog_first_segment_base(l), 20);
    CHECK_EQ(plog_log_start_offset(l), 20);
    CHECK_EQ(plog_recovery_point(l), 20);
    check_truncated(l, "tr-1", 20);
    CHECK(epoch_file_is("tr-1", "0\n0\n"));
    wb_reset(&wb);
    leader_batch(&wb, 20, 3, 7, 1020);
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    CHECK(epoch_file_is("tr-1", "0\n1\n7 20\n"));
    check_truncated(l, "tr-1", 23);
    plog_close(l);
out:
    wb_free(&wb);
}

static void test_truncate_fully(void) {
    log_config c;
    plog *l = open_epoch_log("tf-0", 30, &c);
    if (!l)
        return;
    /* above the log end offset (the leader's log start moved past ours) */
    CHECK_EQ(plog_truncate_fully_and_start_at(l, 500), 0);
    CHECK_EQ(plog_segment_count(l), 1);
    CHECK_EQ(plog_first_segment_base(l), 500);
    CHECK_EQ(plog_log_start_offset(l), 500);
    CHECK_EQ(plog_log_end_offset(l), 500);
    CHECK_EQ(plog_recovery_point(l), 500);
    CHECK_EQ(plog_size_bytes(l), 0);
    CHECK(epoch_file_is("tf-0", "0\n0\n"));
    int64_t bases[8];
    CHECK_EQ(unit_list_segments("tf-0", bases, 8), 1);
    CHECK_EQ(bases[0], 500);
    plog_read_result r;
    CHECK_EQ(plog_read(l, 499, 100, 1, &r), 1);
    CHECK_EQ(plog_read(l, 500, 100, 1, &r), 0);
    CHECK_EQ(r.len, 0);
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 512);
    leader_batch(&wb, 500, 3, 9, 1500);
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    CHECK(epoch_file_is("tf-0", "0\n1\n9 500\n"));
    CHECK_EQ(read_back(l, 500, 100), 503);
    /* at the base of the one segment there is: emptied in place */
    CHECK_EQ(plog_truncate_fully_and_start_at(l, 500), 0);
    CHECK_EQ(plog_log_end_offset(l), 500);
    CHECK_EQ(plog_size_bytes(l), 0);
    CHECK_EQ(unit_list_segments("tf-0", bases, 8), 1);
    /* below it */
    CHECK_EQ(plog_truncate_fully_and_start_at(l, 7), 0);
    CHECK_EQ(unit_list_segments("tf-0", bases, 8), 1);
    CHECK_EQ(bases[0], 7);
    CHECK_EQ(plog_log_end_offset(l), 7);
    CHECK_EQ(plog_log_start_offset(l), 7);
    errno = 0;
    CHECK_EQ(plog_truncate_fully_and_start_at(l, -1), -1);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK_EQ(plog_truncate_to(l, -1), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(plog_log_end_offset(l), 7);
    plog_close(l);
    l = unit_open_log("tf-0", &c, 7, 7, 1);
    CHECK(l != NULL);
    if (l) {
        CHECK_EQ(plog_log_end_offset(l), 7);
        CHECK_EQ(plog_log_start_offset(l), 7);
        CHECK_EQ(plog_latest_epoch(l), -1);
        CHECK_EQ(append_n(l, 2, 1000, 10, NOW), 7);
        plog_close(l);
    }
    wb_free(&wb);
}

/* Truncates in a child killed with SIGKILL right after (no close, no
 * flush, indexes still pre-allocated), then reopens without clean shutdown
 * and with the stale recovery point a broker's checkpoint would give. */
static void test_truncate_then_crash(void) {
    log_config c;
    plog *l = open_epoch_log("tc-0", 30, &c);
    if (!l)
        return;
    plog_close(l);
    static const int64_t to[] = {87, 84, 48, 45, 33, 3, 0};
    for (size_t k = 0; k < sizeof to / sizeof *to; k++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            log_open(NULL, 0, LOG_ERROR);
            plog *cl = unit_open_log("tc-0", &c, 0, 0, 1);
            if (!cl || plog_truncate_to(cl, to[k]) < 0)
                _exit(2);
            kill(getpid(), SIGKILL);
            _exit(3);
        }
        int st;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        l = unit_open_log("tc-0", &c, 90, 0, 0);
        CHECK(l != NULL);
        if (!l)
            return;
        check_truncated(l, "tc-0", to[k]);
        CHECK_EQ(plog_latest_epoch(l), to[k] > 60 ? 3 : to[k] > 30 ? 2 : to[k] > 0 ? 1 : -1);
        int32_t e;
        int64_t end;
        plog_end_offset_for_epoch(l, 1, &e, &end);
        if (to[k] > 30)
            CHECK(e == 1 && end == 30);
        else if (to[k] > 0)
            CHECK(e == 1 && end == to[k]);
        plog_close(l);
        l = unit_open_log("tc-0", &c, to[k], 0, 1); /* and after a clean close */
        CHECK(l != NULL);
        if (!l)
            return;
        check_truncated(l, "tc-0", to[k]);
        plog_close(l);
    }
}

static void test_end_offset_for_epoch(void) {
    log_config c;
    log_config_defaults(&c);
    plog *l = unit_open_log("eo-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    int32_t e;
    int64_t end;
    /* empty cache: unknown whatever is asked */
    static const int32_t asks[] = {-1, 0, 1, 5};
    for (size_t i = 0; i < sizeof asks / sizeof *asks; i++) {
        plog_end_offset_for_epoch(l, asks[i], &e, &end);
        CHECK(e == -1 && end == -1);
    }
    /* cache 2@10 4@20 7@35 (the log below 10 was written before epochs) */
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 1024);
    leader_batch(&wb, 0, 10, -1, 1000);
    leader_batch(&wb, 10, 10, 2, 1010);
    leader_batch(&wb, 20, 15, 4, 1020);
    leader_batch(&wb, 35, 5, 7, 1035);
    CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
    wb_free(&wb);
    CHECK(epoch_file_is("eo-0", "0\n3\n2 10\n4 20\n7 35\n"));
    struct {
        int32_t ask, epoch;
        int64_t end;
    } want[] = {
        {7, 7, 40},   /* the latest epoch: the log end offset */
        {4, 4, 35},   /* a cached epoch: the start of the next one */
        {5, 4, 35},   /* between cached epochs: largest <= it, next one's start */
        {6, 4, 35},
        {2, 2, 20},
        {3, 2, 20},
        {1, 1, 10},   /* below every cached epoch: itself, first entry's start */
        {0, 0, 10},
        {-2, -2, 10}, /* Kafka treats only -1 as undefined */
        {-1, -1, -1}, /* UNDEFINED_EPOCH */
        {8, -1, -1},  /* above the latest */
        {100, -1, -1},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        plog_end_offset_for_epoch(l, want[i].ask, &e, &end);
        CHECK_EQ(e, want[i].epoch);
        CHECK_EQ(end, want[i].end);
    }
    /* the latest epoch follows the log end offset */
    CHECK_EQ(append_n(l, 5, 1040, 10, NOW), 40); /* plog_append with epoch 0: older, not cached */
    plog_end_offset_for_epoch(l, 7, &e, &end);
    CHECK(e == 7 && end == 45);
    /* after truncation the dropped epochs are unknown again */
    CHECK_EQ(plog_truncate_to(l, 35), 0);
    plog_end_offset_for_epoch(l, 4, &e, &end);
    CHECK(e == 4 && end == 35);
    plog_end_offset_for_epoch(l, 7, &e, &end);
    CHECK(e == -1 && end == -1);
    plog_end_offset_for_epoch(l, 3, &e, &end);
    CHECK(e == 2 && end == 20);
    plog_close(l);
}

/* ------------------------------------------------------------------------ */
static void test_checkpoints(void) {
    char p[512];
    snprintf(p, sizeof p, "%s/recovery-point-offset-checkpoint", unit_root);
    ckpt_entry in[3] = {
        {"foo", 0, 100}, {"__consumer_offsets", 17, 0}, {"a.b-c_d", 5, 123456789012LL}};
    CHECK_EQ(ckpt_write(p, in, 3), 0);
    char *s = unit_slurp(p, NULL);
    CHECK(s && !strcmp(s, "0\n3\nfoo 0 100\n__consumer_offsets 17 0\na.b-c_d 5 123456789012\n"));
    free(s);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    CHECK(!unit_file_exists(tmp));
    ckpt_entry *out;
    size_t n;
    CHECK_EQ(ckpt_read(p, &out, &n), 0);
    CHECK_EQ(n, 3);
    for (size_t i = 0; i < n && i < 3; i++) {
        CHECK(!strcmp(out[i].topic, in[i].topic));
        CHECK_EQ(out[i].partition, in[i].partition);
        CHECK_EQ(out[i].offset, in[i].offset);
    }
    ckpt_free(out, n);
    CHECK_EQ(ckpt_write(p, NULL, 0), 0);
    CHECK_EQ(ckpt_read(p, &out, &n), 0);
    CHECK_EQ(n, 0);
    ckpt_free(out, n);
    snprintf(p, sizeof p, "%s/no-such-checkpoint", unit_root);
    CHECK_EQ(ckpt_read(p, &out, &n), 1);

    static const char *bad[] = {
        "",
        "0\n",
        "1\n0\n",
        "0\n2\nfoo 0 1\n",
        "0\n1\nfoo 0\n",
        "0\n1\nfoo x 1\n",
        "0\n1\nfoo 0 1 2\n",
        "0\n1\nfoo 0 1x\n",
        "0\n-1\n",
        "0\n1\nfoo -1 5\n",
        "0\n1\nfoo 0 99999999999999999999\n",
        "0\n1\nfoo 0 1\nbar 1 2\n",
        "0\n2\nfoo 0 1\n\nbar 1 2\n",
        "0 0\n0\n",
        "zero\n0\n",
    };
    snprintf(p, sizeof p, "%s/bad-checkpoint", unit_root);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        unit_spit(p, bad[i], strlen(bad[i]));
        int rc = ckpt_read(p, &out, &n);
        CHECK_EQ(rc, -1);
        if (rc == 0)
            ckpt_free(out, n);
    }
    unit_spit(p, "0\n1\nfoo  0\t7\n\n", 14); /* Kafka splits on \s+ */
    CHECK_EQ(ckpt_read(p, &out, &n), 0);
    CHECK(n == 1 && out[0].offset == 7);
    ckpt_free(out, n);

    /* leader-epoch-checkpoint format */
    epoch_entry ee[2] = {{0, 0}, {5, 42}}, *eo;
    snprintf(p, sizeof p, "%s/leader-epoch-checkpoint", unit_root);
    CHECK_EQ(epoch_ckpt_write(p, ee, 2), 0);
    s = unit_slurp(p, NULL);
    CHECK(s && !strcmp(s, "0\n2\n0 0\n5 42\n"));
    free(s);
    CHECK_EQ(epoch_ckpt_read(p, &eo, &n), 0);
    CHECK(n == 2 && eo[1].epoch == 5 && eo[1].start_offset == 42);
    free(eo);
    unit_spit(p, "0\n1\n5 42 1\n", 11);
    CHECK_EQ(epoch_ckpt_read(p, &eo, &n), -1);
}

static void test_meta_properties(void) {
    char dir[512], p[600];
    snprintf(dir, sizeof dir, "%s/metadir", unit_root);
    mkdir(dir, 0755);
    int32_t id = -5;
    char cid[64];
    CHECK_EQ(meta_properties_read(dir, &id, cid, sizeof cid), 1);
    CHECK_EQ(meta_properties_write(dir, 3, "AbC-_xyz0123456789abcd"), 0);
    snprintf(p, sizeof p, "%s/meta.properties", dir);
    char *s = unit_slurp(p, NULL);
    CHECK(s && !strncmp(s, "#\n#", 3));
    CHECK(s && strstr(s, "\nversion=0\n") && strstr(s, "\nbroker.id=3\n") &&
          strstr(s, "\ncluster.id=AbC-_xyz0123456789abcd\n"));
    free(s);
    CHECK_EQ(meta_properties_read(dir, &id, cid, sizeof cid), 0);
    CHECK_EQ(id, 3);
    CHECK(!strcmp(cid, "AbC-_xyz0123456789abcd"));
    CHECK_EQ(meta_properties_read(dir, &id, cid, 8), -1); /* does not fit */

    const char *java =
        "#\n#Tue Nov 21 10:00:00 UTC 2026\ncluster.id = Qx7\nversion=0\r\nbroker.id:1001\n";
    unit_spit(p, java, strlen(java));
    CHECK_EQ(meta_properties_read(dir, &id, cid, sizeof cid), 0);
    CHECK_EQ(id, 1001);
    CHECK(!strcmp(cid, "Qx7"));
    static const char *bad[] = {
        "broker.id=1\ncluster.id=x\n",
        "version=1\nbroker.id=1\n",
        "version=0\nbroker.id=abc\n",
        "version=0\n",
        "version=0\nbroker.id=1\ngarbage line\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        unit_spit(p, bad[i], strlen(bad[i]));
        CHECK_EQ(meta_properties_read(dir, &id, cid, sizeof cid), -1);
    }
}

/* Disk blocks reserved ahead of the active .log (fallocate KEEP_SIZE): the
 * file's size stays the data's size, the reserve is given back when the
 * segment rolls and when the log closes, and a reserve a crash left behind
 * is given back when the log is opened again. */
static int64_t allocated_bytes(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_blocks * 512 : -1;
}

static void test_block_reserve(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 256 << 10;
    plog *l = unit_open_log("reserve-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    char seg0[512], seg1[512];
    unit_seg_path(seg0, sizeof seg0, "reserve-0", 0, ".log");
    for (int i = 0; i < 20; i++)
        CHECK_EQ(append_n(l, 4, 1000 + i, 1000, NOW), 4 * i);
    int64_t size0 = unit_file_size(seg0);
    CHECK_EQ(size0, plog_size_bytes(l));
    CHECK(allocated_bytes(seg0) >= size0 + (512 << 10)); /* at least 1 MiB reserved */

    while (plog_segment_count(l) < 2)
        CHECK(append_n(l, 4, 2000, 1000, NOW) >= 0);
    int64_t bases[4];
    CHECK_EQ(unit_list_segments("reserve-0", bases, 4), 2);
    size0 = unit_file_size(seg0);
    CHECK(size0 > 0 && size0 <= 256 << 10);
    CHECK(allocated_bytes(seg0) <= size0 + 8192); /* rolled: reserve given back */
    unit_seg_path(seg1, sizeof seg1, "reserve-0", bases[1], ".log");
    CHECK(allocated_bytes(seg1) >= unit_file_size(seg1) + (512 << 10));

    plog_close(l);
    int64_t size1 = unit_file_size(seg1);
    CHECK(allocated_bytes(seg1) <= size1 + 8192); /* closed: given back */

    /* a crash with a reserve in place: reopening gives it back, data intact */
    int fd = open(seg1, O_RDWR);
    CHECK(fd >= 0 && fallocate(fd, FALLOC_FL_KEEP_SIZE, size1, 4 << 20) == 0);
    close(fd);
    CHECK(allocated_bytes(seg1) >= size1 + (4 << 20));
    l = unit_open_log("reserve-0", &c, 0, -1, 0);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK(allocated_bytes(seg1) <= size1 + 8192);
    CHECK_EQ(unit_file_size(seg1), size1);
    CHECK_EQ(read_back(l, 0, 1 << 20), plog_log_end_offset(l));
    plog_close(l);
}

/* Reads near the log end come from the recent batches kept in memory
 * (log_internal.h); they must give what reading the segment file gives: the
 * same log reopened (nothing kept in memory) answers every offset, bound and
 * size alike, before and after a truncation. Batches of varying sizes, more
 * than the ring holds, with an offset gap. */
static void compare_reads(plog *warm, plog *cold, int64_t leo) {
    static const int32_t sizes[] = {0, 1, 60, 61, 100, 300, 700, 2000, 1 << 20};
    int diffs = 0;
    for (int64_t o = 0; o <= leo + 1; o++)
        for (int64_t hw = o; hw <= leo + 1; hw += 1 + (hw - o) / 7)
            for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
                for (int one = 0; one < 2; one++) {
                    plog_read_result a, b;
                    int ra = plog_read_bounded(warm, o, hw, sizes[k], one, &a);
                    int rb = plog_read_bounded(cold, o, hw, sizes[k], one, &b);
                    if (ra != rb || a.len != b.len || (a.len && a.file_pos != b.file_pos))
                        diffs++;
                    if (a.fd >= 0)
                        close(a.fd);
                    if (b.fd >= 0)
                        close(b.fd);
                }
    CHECK_EQ(diffs, 0);
}

static void test_recent_reads(void) {
    log_config c;
    log_config_defaults(&c);
    c.index_interval_bytes = 256;
    plog *l = unit_open_log("recent-0", &c, 0, -1, 1);
    CHECK(l != NULL);
    if (!l)
        return;
    wbuf wb;
    plog_append_info info;
    wb_init(&wb, 4096);
    int64_t o = 0;
    for (int i = 0; i < 90; i++) {
        int n = 1 + i % 4;
        wb_reset(&wb);
        make_batch(&wb, n, 1000 + o, (size_t)(10 + (i * 37) % 300), 'r');
        wb_put_i64(&wb, 0, o);
        wb_put_u32(&wb, 17, crc32c(0, wb.data + 21, wb.len - 21));
        CHECK_EQ(plog_append_follower(l, wb.data, wb.len, NOW, &info), 0);
        o += n + (i == 70 ? 5 : 0); /* a gap, as a compacted leader's log may have */
    }
    int64_t leo = plog_log_end_offset(l);
    plog *cold = unit_open_log("recent-0", &c, leo, -1, 1);
    CHECK(cold != NULL);
    if (cold) {
        compare_reads(l, cold, leo);
        plog_close(cold);
    }
    /* truncated: the kept batches must not outlive the cut */
    CHECK_EQ(plog_truncate_to(l, leo - 7), 0);
    wb_reset(&wb);
    make_batch(&wb, 3, 5000, 40, 't');
    CHECK_EQ(plog_append(l, wb.data, wb.len, 1, NOW, &info), 0);
    leo = plog_log_end_offset(l);
    cold = unit_open_log("recent-0", &c, leo, -1, 1);
    CHECK(cold != NULL);
    if (cold) {
        compare_reads(l, cold, leo);
        plog_close(cold);
    }
    wb_free(&wb);
    plog_close(l);
}

int main(void) {
    if (unit_mkdtemp(unit_root, sizeof unit_root, "test_log") < 0)
        return 1;
    char logpath[512];
    snprintf(logpath, sizeof logpath, "%s/server.log", unit_root);
    log_open(logpath, getenv("VERBOSE") != NULL, LOG_INFO);
    test_append_read();
    test_log_append_time();
    test_roll_and_indexes();
    test_roll_by_time_and_full_index();
    test_offset_for_timestamp();
    test_delete_records();
    test_retention();
    test_flush();
    test_leader_epochs();
    test_append_follower();
    test_read_bounded();
    test_truncate();
    test_truncate_fully();
    test_truncate_then_crash();
    test_end_offset_for_epoch();
    test_checkpoints();
    test_meta_properties();
    test_block_reserve();
    test_recent_reads();
    log_close();
    return unit_report_storage("test_log");
}
