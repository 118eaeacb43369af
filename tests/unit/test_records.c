/* test_records.c -- unit tests for record batches and legacy message sets
 * (broker/common/records.c): building with every codec and reading back
 * keys/values/headers/timestamps; CRC and length coverage by flipping every
 * header byte; truncation at every point for framing and validation;
 * Kafka's client-batch rules (control batches, producer id without
 * sequence, count vs last offset delta); legacy magic 0/1 conversion to v2,
 * compressed wrappers included, and CRC-32 rejection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "records.h"

static int checks, failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define MAXDEC (16u << 20)

/* ------------------------------------------------------------------------
 * Sample records
 * ---------------------------------------------------------------------- */
static const kheader hdrs[] = {
    {"trace", 5, "abc", 3},
    {"empty", -1, "", 0}, /* key_len -1: strlen */
    {"nullv", 5, NULL, -1},
};
static char bigval[3000];

#define NREC 6
static batch_record sample[NREC];

static void init_sample(void) {
    for (size_t i = 0; i < sizeof bigval; i++)
        bigval[i] = (char)('a' + i % 26);
    batch_record s[NREC] = {
        {"k0", 2, "v0", 2, 1000, 0, NULL},
        {NULL, -1, "null key", 8, 1005, 3, hdrs},
        {"null value", 10, NULL, -1, 999, 0, NULL},
        {NULL, -1, NULL, -1, 1010, 1, hdrs},
        {"", 0, "", 0, 1001, 0, NULL},
        {"big", 3, bigval, (int32_t)sizeof bigval, 1002, 2, hdrs + 1},
    };
    memcpy(sample, s, sizeof s);
}

static int kstr_is(kstr k, const void *p, int32_t len) {
    if (!p || len < 0)
        return k.len == -1;
    return k.len == len && (len == 0 || memcmp(k.s, p, (size_t)len) == 0);
}

/* Checks records against the expected ones from inside the callback (the
 * views point into a buffer that is freed once the walk ends). ts_override
 * >= -1 replaces every expected timestamp; legacy conversion drops headers. */
typedef struct got {
    const batch_record *exp;
    int nexp, with_headers, stop_at;
    int64_t base, ts_override;
    int n, bad;
    int64_t ts[64];
} got;

static int collect(void *arg, const record_view *v) {
    got *g = arg;
    int i = g->n++;
    if (i >= 64)
        return 7;
    g->ts[i] = v->timestamp;
    if (g->exp) {
        const batch_record *r = &g->exp[i];
        int ok = i < g->nexp;
        ok = ok && v->offset == g->base + i;
        ok = ok && v->timestamp == (g->ts_override >= -1 ? g->ts_override : r->timestamp);
        ok = ok && kstr_is(v->key, r->key, r->key_len) && kstr_is(v->value, r->value, r->value_len);
        int nh = g->with_headers ? r->nheaders : 0;
        ok = ok && v->nheaders == nh;
        const uint8_t *hp = v->headers;
        size_t hl = v->headers_len;
        kstr hk, hv;
        for (int h = 0; ok && h < nh; h++) {
            const kheader *e = &r->headers[h];
            ok = record_header_next(&hp, &hl, &hk, &hv) == 1 &&
                 kstr_is(hk, e->key, e->key_len < 0 ? (int32_t)strlen(e->key) : e->key_len) &&
                 kstr_is(hv, e->value, e->value_len);
        }
        ok = ok && record_header_next(&hp, &hl, &hk, &hv) == 0;
        if (!ok) {
            g->bad++;
            fprintf(stderr, "  record %d differs\n", i);
        }
    }
    return g->stop_at && g->n == g->stop_at ? 42 : 0;
}

/* Walks the batch and checks it holds exactly recs[0..n). */
static void check_records(const uint8_t *b, size_t len, const batch_record *recs, int n, int64_t base,
                          int with_headers, int64_t ts_override) {
    got g = {.exp = recs, .nexp = n, .with_headers = with_headers, .base = base, .ts_override = ts_override};
    CHECK(batch_records_foreach(b, len, MAXDEC, collect, &g) == 0);
    CHECK(g.n == n && g.bad == 0);
}

/* ------------------------------------------------------------------------
 * v2 batches
 * ---------------------------------------------------------------------- */
static void test_build_and_read(void) {
    char why[200];
    for (int c = KCODEC_NONE; c <= KCODEC_ZSTD; c++) {
        wbuf b;
        wb_init(&b, 0);
        batch_build_v2(&b, 1234, 1000, sample, NREC, c, 77, 3, 10);
        CHECK(b.len >= RB_HEADER_SIZE);
        CHECK(batch_validate_v2(b.data, b.len, MAXDEC, why, sizeof why) == 0);
        CHECK(rbh_magic(b.data) == 2 && rbh_codec(b.data) == c);
        CHECK(rbh_base_offset(b.data) == 1234 && rbh_last_offset(b.data) == 1234 + NREC - 1);
        CHECK(rbh_length(b.data) == (int32_t)b.len - 12 && rbh_leader_epoch(b.data) == -1);
        CHECK(rbh_first_timestamp(b.data) == 1000 && rbh_max_timestamp(b.data) == 1010);
        CHECK(rbh_producer_id(b.data) == 77 && rbh_producer_epoch(b.data) == 3);
        CHECK(rbh_base_sequence(b.data) == 10 && rbh_record_count(b.data) == NREC);
        CHECK(rbh_last_offset_delta(b.data) == NREC - 1 && rbh_crc(b.data) == batch_crc(b.data, b.len));
        check_records(b.data, b.len, sample, NREC, 1234, 1, -2);
        /* the callback's nonzero return stops the walk and is returned */
        got s = {.stop_at = 2};
        CHECK(batch_records_foreach(b.data, b.len, MAXDEC, collect, &s) == 42 && s.n == 2);
        /* decompression limit */
        if (c != KCODEC_NONE) {
            CHECK(batch_validate_v2(b.data, b.len, 100, why, sizeof why) == BATCH_ERR_CORRUPT);
            got g = {0};
            CHECK(batch_records_foreach(b.data, b.len, 100, collect, &g) == BATCH_ERR_CORRUPT && g.n == 0);
        }
        /* LogAppendTime: every record reads MaxTimestamp */
        rbh_set_base_offset(b.data, 50);
        b.data[RBH_ATTRIBUTES + 1] |= BATCH_ATTR_LOG_APPEND_TIME;
        be64_put(b.data + RBH_MAX_TIMESTAMP, 5555);
        batch_set_crc(b.data, b.len);
        CHECK(batch_validate_v2(b.data, b.len, MAXDEC, why, sizeof why) == 0);
        check_records(b.data, b.len, sample, NREC, 50, 1, 5555);
        wb_free(&b);
    }
}

/* Flip every byte of a small batch: base offset and leader epoch are outside
 * the CRC and must still validate; everything else must fail. */
static void test_byte_flips(void) {
    char why[200];
    for (int c = KCODEC_NONE; c <= KCODEC_ZSTD; c += KCODEC_ZSTD) {
        wbuf b;
        wb_init(&b, 0);
        batch_build_v2(&b, 0, 1000, sample, 3, c, -1, -1, -1);
        int wrong = 0;
        for (size_t i = 0; i < b.len; i++) {
            for (int v = 0; v < 2; v++) {
                uint8_t save = b.data[i];
                b.data[i] = v ? (uint8_t)(save ^ 0x80) : (uint8_t)(save + 1);
                int rc = batch_validate_v2(b.data, b.len, MAXDEC, why, sizeof why);
                int outside_crc = i < RBH_LENGTH || (i >= RBH_LEADER_EPOCH && i < RBH_MAGIC);
                if (outside_crc ? rc != 0 : rc == 0) {
                    wrong++;
                    fprintf(stderr, "  codec %d byte %zu: rc %d (%s)\n", c, i, rc, why);
                }
                if (i >= RBH_LENGTH && i < RBH_LEADER_EPOCH)
                    CHECK(rc == BATCH_ERR_CORRUPT);
                b.data[i] = save;
            }
        }
        CHECK(wrong == 0);
        wb_free(&b);
    }
}

/* Truncation at every point: no crash (ASan), always an error. */
static void test_truncation(void) {
    wbuf b;
    wb_init(&b, 0);
    batch_build_v2(&b, 0, 1000, sample, NREC, KCODEC_NONE, -1, -1, -1);
    size_t len1 = b.len;
    batch_build_v2(&b, 6, 2000, sample, 2, KCODEC_GZIP, -1, -1, -1);
    for (size_t k = 0; k <= b.len; k++) {
        uint8_t *copy = malloc(k ? k : 1); /* exact-size copy so ASan sees overreads */
        memcpy(copy, b.data, k);
        if (k < len1)
            CHECK(batch_validate_v2(copy, k, MAXDEC, NULL, 0) == BATCH_ERR_CORRUPT);
        batch_iter it;
        const uint8_t *e;
        size_t el;
        int magic, n = 0, r;
        batch_iter_init(&it, copy, k);
        while ((r = batch_iter_next(&it, &e, &el, &magic)) == 1) {
            CHECK(magic == 2 && batch_validate_v2(e, el, MAXDEC, NULL, 0) == 0);
            n++;
        }
        if (k == 0 || k == len1 || k == b.len)
            CHECK(r == 0 && n == (k == 0 ? 0 : k == len1 ? 1 : 2));
        else
            CHECK(r == -1 && n == (k < len1 ? 0 : 1));
        /* the records region cut short, with a consistent length and CRC */
        if (k >= RB_HEADER_SIZE && k < len1) {
            wbuf t;
            wb_init(&t, 0);
            wb_write(&t, b.data, k);
            wb_put_i32(&t, RBH_LENGTH, (int32_t)k - 12);
            batch_set_crc(t.data, t.len);
            CHECK(batch_validate_v2(t.data, t.len, MAXDEC, NULL, 0) == BATCH_ERR_INVALID_RECORD);
            got g = {0};
            CHECK(batch_records_foreach(t.data, t.len, MAXDEC, collect, &g) == BATCH_ERR_INVALID_RECORD);
            wb_free(&t);
        }
        free(copy);
    }
    wb_free(&b);
}

/* Client-batch rules, each with a correct CRC. */
static void test_rules(void) {
    char why[200];
    wbuf b;
    wb_init(&b, 0);
    batch_build_v2(&b, 0, 1000, sample, 3, KCODEC_NONE, 9, 0, -1);
    CHECK(batch_validate_v2(b.data, b.len, MAXDEC, why, sizeof why) == BATCH_ERR_INVALID_RECORD);
    CHECK(strstr(why, "sequence") != NULL);
    wb_reset(&b);
    batch_build_v2(&b, 0, 1000, sample, 3, KCODEC_NONE, -1, -1, -1);
    CHECK(batch_validate_v2(b.data, b.len, MAXDEC, why, sizeof why) == 0);

    uint8_t *p = b.data;
    size_t n = b.len;
    be16_put(p + RBH_ATTRIBUTES, BATCH_ATTR_CONTROL); /* control batch */
    batch_set_crc(p, n);
    CHECK(batch_validate_v2(p, n, MAXDEC, why, sizeof why) == BATCH_ERR_INVALID_RECORD);
    be16_put(p + RBH_ATTRIBUTES, BATCH_ATTR_TRANSACTIONAL); /* transactional is fine */
    batch_set_crc(p, n);
    CHECK(batch_validate_v2(p, n, MAXDEC, why, sizeof why) == 0);
    be16_put(p + RBH_ATTRIBUTES, 5); /* unknown codec */
    batch_set_crc(p, n);
    CHECK(batch_validate_v2(p, n, MAXDEC, why, sizeof why) == BATCH_ERR_CORRUPT);
    be16_put(p + RBH_ATTRIBUTES, 0);

    int32_t counts[][2] = {{3, 2}, {2, 2}, {4, 2}, {3, 3}, {0, -1}, {-1, -2}, {2, 1}, {4, 3}};
    int expect[] = {0, -2, -2, -2, -2, -2, -2, -2};
    for (int i = 0; i < 8; i++) {
        be32_put(p + RBH_RECORD_COUNT, (uint32_t)counts[i][0]);
        be32_put(p + RBH_LAST_OFFSET_DELTA, (uint32_t)counts[i][1]);
        batch_set_crc(p, n);
        CHECK(batch_validate_v2(p, n, MAXDEC, why, sizeof why) == expect[i]);
    }
    be32_put(p + RBH_RECORD_COUNT, 3);
    be32_put(p + RBH_LAST_OFFSET_DELTA, 2);
    p[RBH_MAGIC] = 1;
    batch_set_crc(p, n);
    CHECK(batch_validate_v2(p, n, MAXDEC, why, sizeof why) == BATCH_ERR_CORRUPT);
    p[RBH_MAGIC] = 2;
    /* a corrupted record length varint */
    p[RB_HEADER_SIZE] = 0x7f;
    batch_set_crc(p, n);
    CHECK(batch_validate_v2(p, n, MAXDEC, why, sizeof why) == BATCH_ERR_INVALID_RECORD);
    /* trailing garbage after the last record */
    wb_reset(&b);
    batch_build_v2(&b, 0, 1000, sample, 3, KCODEC_NONE, -1, -1, -1);
    wb_write(&b, "x", 1);
    wb_put_i32(&b, RBH_LENGTH, (int32_t)b.len - 12);
    batch_set_crc(b.data, b.len);
    CHECK(batch_validate_v2(b.data, b.len, MAXDEC, why, sizeof why) == BATCH_ERR_INVALID_RECORD);
    wb_free(&b);
}

/* Random mutations with the CRC fixed up: the parser must survive. */
static void test_fuzz(void) {
    uint64_t s = 12345;
    for (int c = KCODEC_NONE; c <= KCODEC_ZSTD; c++) {
        wbuf b;
        wb_init(&b, 0);
        batch_build_v2(&b, 0, 1000, sample, NREC, c, -1, -1, -1);
        for (int iter = 0; iter < 3000; iter++) {
            uint8_t *copy = malloc(b.len);
            memcpy(copy, b.data, b.len);
            for (int m = 0; m < 1 + iter % 4; m++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                size_t at = RB_HEADER_SIZE + (size_t)(s >> 33) % (b.len - RB_HEADER_SIZE);
                copy[at] = (uint8_t)(s >> 20);
            }
            batch_set_crc(copy, b.len);
            got g = {0};
            int rv = batch_validate_v2(copy, b.len, MAXDEC, NULL, 0);
            int rf = batch_records_foreach(copy, b.len, MAXDEC, collect, &g);
            CHECK(rv == 0 ? rf == 0 : rv < 0);
            free(copy);
        }
        wb_free(&b);
    }
}

/* ------------------------------------------------------------------------
 * Legacy message sets
 * ---------------------------------------------------------------------- */
static void test_legacy(void) {
    char why[200];
    for (int magic = 0; magic <= 1; magic++) {
        for (int c = KCODEC_NONE; c <= KCODEC_LZ4; c++) {
            wbuf l, v;
            wb_init(&l, 0);
            wb_init(&v, 0);
            legacy_build(&l, magic, c, sample, NREC);
            /* framing: one entry per message, or one wrapper */
            batch_iter it;
            const uint8_t *e;
            size_t el;
            int m, n = 0;
            batch_iter_init(&it, l.data, l.len);
            while (batch_iter_next(&it, &e, &el, &m) == 1) {
                CHECK(m == magic);
                n++;
            }
            CHECK(n == (c ? 1 : NREC));
            if (c == KCODEC_LZ4 && magic == 0) { /* Kafka's broken header checksum */
                size_t hc_at = 12 + 4 + 2 + 4 + 4 + 6;
                uint8_t save = l.data[hc_at];
                CHECK(kcodec_lz4_set_hc(l.data + hc_at - 6, 7, 0) == 0 && l.data[hc_at] != save);
                l.data[hc_at] = save;
            }
            int rc = legacy_to_v2(l.data, l.len, 777, MAXDEC, &v, why, sizeof why);
            CHECK(rc == 0);
            if (rc)
                fprintf(stderr, "  magic %d codec %d: %s\n", magic, c, why);
            CHECK(batch_validate_v2(v.data, v.len, MAXDEC, why, sizeof why) == 0);
            CHECK(v.len > RB_HEADER_SIZE && rbh_codec(v.data) == 0 && rbh_producer_id(v.data) == -1);
            CHECK(rbh_producer_epoch(v.data) == -1 && rbh_base_sequence(v.data) == -1);
            CHECK(rbh_base_offset(v.data) == 0 && rbh_leader_epoch(v.data) == -1);
            CHECK(rbh_max_timestamp(v.data) == (magic ? 1010 : -1));
            check_records(v.data, v.len, sample, NREC, 0, 0, magic ? -2 : -1);

            /* truncation anywhere but between messages fails cleanly */
            for (size_t k = 0; k < l.len; k++) {
                uint8_t *copy = malloc(k ? k : 1);
                memcpy(copy, l.data, k);
                size_t before = v.len, off = 0;
                while (off < k)
                    off += 12 + be32_get(l.data + off + 8);
                int r = legacy_to_v2(copy, k, 777, MAXDEC, &v, NULL, 0);
                if (k > 0 && off == k)
                    CHECK(r == 0 && v.len > before);
                else
                    CHECK(r < 0 && v.len == before);
                free(copy);
            }
            /* any changed byte but an entry's offset is caught by the CRC or
             * by the framing */
            for (size_t i = 0, entry = 0; i < l.len; i++) {
                if (i == entry + 12 + be32_get(l.data + entry + 8))
                    entry = i;
                if (i < entry + 8)
                    continue;
                l.data[i] ^= 0x10;
                size_t before = v.len;
                int r = legacy_to_v2(l.data, l.len, 777, MAXDEC, &v, NULL, 0);
                CHECK(r < 0 && v.len == before);
                l.data[i] ^= 0x10;
            }
            wb_free(&l);
            wb_free(&v);
        }
    }
}

static void legacy_msg(wbuf *out, int64_t off, int magic, int attr, int64_t ts, const void *val, int32_t vlen) {
    wb_i64(out, off);
    size_t at = wb_i32(out, 0);
    wb_u32(out, 0);
    wb_i8(out, (int8_t)magic);
    wb_i8(out, (int8_t)attr);
    if (magic)
        wb_i64(out, ts);
    wb_i32(out, -1);
    wb_bytes(out, val, vlen);
    wb_put_i32(out, at, (int32_t)(out->len - at - 4));
    wb_put_u32(out, at + 4, (uint32_t)crc32(0, out->data + at + 8, (uInt)(out->len - at - 8)));
}

static void test_legacy_edge(void) {
    char why[200];
    wbuf l, v, inner, z;
    wb_init(&l, 0);
    wb_init(&v, 0);
    wb_init(&inner, 0);
    wb_init(&z, 0);

    /* bad CRC on an uncompressed message */
    legacy_build(&l, 1, KCODEC_NONE, sample, 2);
    l.data[l.len - 1] ^= 1;
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_CORRUPT);
    CHECK(strstr(why, "CRC") != NULL);

    /* bad CRC on an inner message of a valid gzip wrapper */
    legacy_build(&inner, 1, KCODEC_NONE, sample, 2);
    inner.data[inner.len - 1] ^= 1;
    kcodec_compress(KCODEC_GZIP, inner.data, inner.len, &z);
    wb_reset(&l);
    legacy_msg(&l, 1, 1, KCODEC_GZIP, 1000, z.data, (int32_t)z.len);
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_CORRUPT);

    /* nested compression */
    wb_reset(&inner);
    wb_reset(&z);
    legacy_build(&inner, 1, KCODEC_GZIP, sample, 2);
    kcodec_compress(KCODEC_SNAPPY, inner.data, inner.len, &z);
    wb_reset(&l);
    legacy_msg(&l, 0, 1, KCODEC_SNAPPY, 1000, z.data, (int32_t)z.len);
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_INVALID_RECORD);

    /* zstd is not a legacy codec; a null wrapper value is corrupt */
    wb_reset(&l);
    legacy_msg(&l, 0, 1, KCODEC_ZSTD, 1000, z.data, (int32_t)z.len);
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_CORRUPT);
    wb_reset(&l);
    legacy_msg(&l, 0, 1, KCODEC_GZIP, 1000, NULL, -1);
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_CORRUPT);

    /* mixed magic; a v2 batch among legacy messages */
    wb_reset(&l);
    legacy_build(&l, 0, KCODEC_NONE, sample, 1);
    legacy_build(&l, 1, KCODEC_NONE, sample, 1);
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_INVALID_RECORD);
    wb_reset(&l);
    legacy_build(&l, 1, KCODEC_NONE, sample, 1);
    batch_build_v2(&l, 0, 0, sample, 1, KCODEC_NONE, -1, -1, -1);
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_INVALID_RECORD);
    CHECK(legacy_to_v2(l.data, 0, 0, MAXDEC, &v, why, sizeof why) == BATCH_ERR_INVALID_RECORD);
    CHECK(v.len == 0);

    /* decompression limit */
    wb_reset(&l);
    legacy_build(&l, 1, KCODEC_LZ4, sample, NREC);
    CHECK(legacy_to_v2(l.data, l.len, 0, 100, &v, why, sizeof why) == BATCH_ERR_CORRUPT);

    /* LogAppendTime (attribute bit 3) on a magic-1 message or wrapper: now */
    wb_reset(&l);
    legacy_msg(&l, 0, 1, BATCH_ATTR_LOG_APPEND_TIME, 5, "a", 1);
    legacy_msg(&l, 1, 1, 0, 6, "b", 1);
    CHECK(legacy_to_v2(l.data, l.len, 999, MAXDEC, &v, why, sizeof why) == 0);
    got g = {0};
    CHECK(batch_records_foreach(v.data, v.len, MAXDEC, collect, &g) == 0);
    CHECK(g.n == 2 && g.ts[0] == 999 && g.ts[1] == 6 && rbh_max_timestamp(v.data) == 999);
    wb_reset(&v);
    wb_reset(&inner);
    wb_reset(&z);
    legacy_build(&inner, 1, KCODEC_NONE, sample, 3);
    kcodec_compress(KCODEC_GZIP, inner.data, inner.len, &z);
    wb_reset(&l);
    legacy_msg(&l, 2, 1, KCODEC_GZIP | BATCH_ATTR_LOG_APPEND_TIME, 5, z.data, (int32_t)z.len);
    CHECK(legacy_to_v2(l.data, l.len, 4321, MAXDEC, &v, why, sizeof why) == 0);
    check_records(v.data, v.len, sample, 3, 0, 0, 4321);

    /* several uncompressed entries plus a wrapper convert to one batch */
    wb_reset(&v);
    wb_reset(&l);
    legacy_build(&l, 1, KCODEC_NONE, sample, 2);
    legacy_build(&l, 1, KCODEC_SNAPPY, sample + 2, NREC - 2);
    CHECK(legacy_to_v2(l.data, l.len, 0, MAXDEC, &v, why, sizeof why) == 0);
    check_records(v.data, v.len, sample, NREC, 0, 0, -2);
    CHECK(rbh_first_timestamp(v.data) == 1000 && rbh_max_timestamp(v.data) == 1010);

    wb_free(&l);
    wb_free(&v);
    wb_free(&inner);
    wb_free(&z);
}

/* batch_iter_next framing limits. */
static void test_iter(void) {
    uint8_t e[40] = {0};
    batch_iter it;
    const uint8_t *b;
    size_t bl;
    int m;
    be32_put(e + 8, 28); /* 12 + 28 = 40 bytes */
    int want[] = {1, 1, -1, -1}; /* magic 0 (min 14), 1 (min 22), 2 (min 49), 3 */
    for (int magic = 0; magic <= 3; magic++) {
        e[16] = (uint8_t)magic;
        batch_iter_init(&it, e, sizeof e);
        CHECK(batch_iter_next(&it, &b, &bl, &m) == want[magic]);
    }
    e[16] = 1;
    be32_put(e + 8, 21);
    batch_iter_init(&it, e, 33);
    CHECK(batch_iter_next(&it, &b, &bl, &m) == -1);
    be32_put(e + 8, 0xffffffffu);
    batch_iter_init(&it, e, sizeof e);
    CHECK(batch_iter_next(&it, &b, &bl, &m) == -1);
    e[16] = 0xff;
    be32_put(e + 8, 28);
    batch_iter_init(&it, e, sizeof e);
    CHECK(batch_iter_next(&it, &b, &bl, &m) == -1);
    uint8_t bad[3] = {0xff, 0xff, 0xff};
    const uint8_t *hp = bad;
    size_t hl = sizeof bad;
    kstr k, v;
    CHECK(record_header_next(&hp, &hl, &k, &v) == -1);
}

/* Down-conversion for Fetch v0-3: every record becomes one legacy message
 * with its own offset; reading those back gives the same keys and values
 * (timestamps for magic 1 only, no headers), for every codec of the input. */
static void test_down_convert(void) {
    char why[200];
    for (int magic = 0; magic <= 1; magic++) {
        for (int c = KCODEC_NONE; c <= KCODEC_ZSTD; c++) {
            wbuf b, l, v;
            wb_init(&b, 0);
            wb_init(&l, 0);
            wb_init(&v, 0);
            batch_build_v2(&b, 1234, 1000, sample, NREC, c, 77, 3, 10);
            CHECK(batch_down_convert(b.data, b.len, magic, MAXDEC, &l) == 1);
            batch_iter it;
            const uint8_t *e;
            size_t el;
            int m, n = 0;
            batch_iter_init(&it, l.data, l.len);
            while (batch_iter_next(&it, &e, &el, &m) == 1) {
                CHECK(m == magic && be32_get(e + 12) == (uint32_t)crc32(0, e + 16, (uInt)(el - 16)));
                CHECK((int64_t)be64_get(e) == 1234 + n);
                n++;
            }
            CHECK(n == NREC);
            CHECK(legacy_to_v2(l.data, l.len, 777, MAXDEC, &v, why, sizeof why) == 0);
            check_records(v.data, v.len, sample, NREC, 0, 0, magic ? -2 : -1);
            /* a truncated batch is refused, legacy entries pass through */
            wbuf t;
            wb_init(&t, 0);
            CHECK(batch_down_convert(b.data, b.len - 1, magic, MAXDEC, &t) == -1);
            wb_reset(&t);
            CHECK(batch_down_convert(l.data, l.len, magic, MAXDEC, &t) == 0);
            CHECK(t.len == l.len && memcmp(t.data, l.data, l.len) == 0);
            wb_free(&t);
            wb_free(&b);
            wb_free(&l);
            wb_free(&v);
        }
    }
}

int main(void) {
    init_sample();
    test_down_convert();
    test_build_and_read();
    test_byte_flips();
    test_truncation();
    test_rules();
    test_fuzz();
    test_legacy();
    test_legacy_edge();
    test_iter();
    printf("test_records: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
