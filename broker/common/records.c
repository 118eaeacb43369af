/* records.c -- record batches (magic 2) and legacy message sets (magic 0/1):
 * framing, client-batch validation, legacy-to-v2 conversion, record walking
 * and building. A single record walker (walk_records) serves validation and
 * iteration so both accept exactly the same encodings. See records.h. */
#include "records.h"

#include <stdarg.h>
#include <stdio.h>
#include <zlib.h>

#include "crc32c.h"

__attribute__((format(printf, 4, 5))) static int fail(int code, char *why, size_t whylen, const char *fmt, ...) {
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return code;
}
#define FAIL(code, ...) return fail(code, why, whylen, __VA_ARGS__)

/* Offsets and timestamps come from clients: add without signed overflow. */
static inline int64_t add64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t sub64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }

uint32_t batch_crc(const uint8_t *p, size_t len) { return crc32c(0, p + RBH_ATTRIBUTES, len - RBH_ATTRIBUTES); }
void batch_set_crc(uint8_t *p, size_t len) { be32_put(p + RBH_CRC, batch_crc(p, len)); }

/* ------------------------------------------------------------------------
 * Framing
 * ---------------------------------------------------------------------- */
int batch_iter_next(batch_iter *it, const uint8_t **batch, size_t *blen, int *magic) {
    static const int32_t min_size[3] = {14, 22, RB_HEADER_SIZE - RB_LOG_OVERHEAD};
    size_t left = it->len - it->off;
    if (left == 0)
        return 0;
    if (left <= RBH_MAGIC)
        return -1;
    const uint8_t *e = it->p + it->off;
    int32_t size = (int32_t)be32_get(e + RBH_LENGTH);
    int m = (int8_t)e[RBH_MAGIC];
    if (m < 0 || m > 2 || size < min_size[m] || (size_t)size > left - RB_LOG_OVERHEAD)
        return -1;
    *batch = e;
    *blen = RB_LOG_OVERHEAD + (size_t)size;
    *magic = m;
    it->off += *blen;
    return 1;
}

/* ------------------------------------------------------------------------
 * Record walking
 * ---------------------------------------------------------------------- */
/* varint length + bytes; length -1 is null. */
static inline __attribute__((always_inline)) int get_vbytes(rbuf *rb, kstr *k) {
    int32_t n;
    const uint8_t *d;
    k->s = NULL;
    k->len = -1;
    if (rb_get_varint(rb, &n))
        return -1;
    if (n < -1)
        return rb_fail(rb, "negative length");
    k->len = n;
    if (n >= 0) {
        if (rb_get_raw(rb, (size_t)n, &d))
            return -1;
        k->s = (const char *)d;
    }
    return 0;
}

int record_header_next(const uint8_t **p, size_t *len, kstr *key, kstr *value) {
    rbuf rb;
    if (*len == 0)
        return 0;
    rb_init(&rb, *p, *len);
    if (get_vbytes(&rb, key) || key->len < 0 || get_vbytes(&rb, value))
        return -1;
    *p += rb.off;
    *len -= rb.off;
    return 1;
}

typedef struct walk {
    int64_t base_offset, base_ts, max_ts;
    int log_append;
    int (*cb)(void *arg, const record_view *r);
    void *arg;
} walk;

/* Parses count records that must fill p[0..len) exactly, calling w->cb (if
 * any) for each. Returns 0, BATCH_ERR_INVALID_RECORD or cb's nonzero value. */
static int walk_records(const uint8_t *p, size_t len, int32_t count, const walk *w, char *why, size_t whylen) {
    rbuf rb, r;
    int32_t i = 0;
    rb_init(&rb, p, len);
    rb_init(&r, p, 0);
    for (; i < count; i++) {
        int32_t rlen, odelta, nh;
        int8_t attr;
        int64_t tsdelta;
        record_view v;
        rb_read_varint(&rb, &rlen);
        const uint8_t *start = rb_cur(&rb);
        if (rlen <= 0 && rb_fail(&rb, "bad record length"))
            goto err_parse;
        rb_read_skip(&rb, (size_t)rlen);
        rb_init(&r, start, (size_t)rlen);
        rb_read_i8(&r, &attr);
        rb_read_varlong(&r, &tsdelta);
        rb_read_varint(&r, &odelta);
        RB_TRY(get_vbytes(&r, &v.key));
        RB_TRY(get_vbytes(&r, &v.value));
        rb_read_varint(&r, &nh);
        if (nh < 0 && rb_fail(&r, "negative header count"))
            goto err_parse;
        v.headers = rb_cur(&r);
        for (int32_t h = 0; h < nh; h++) {
            kstr hk, hv;
            RB_TRY(get_vbytes(&r, &hk));
            if (hk.len < 0 && rb_fail(&r, "null header key"))
                goto err_parse;
            RB_TRY(get_vbytes(&r, &hv));
        }
        if (rb_remain(&r) && rb_fail(&r, "record length mismatch"))
            goto err_parse;
        if (w->cb) {
            v.offset = add64(w->base_offset, odelta);
            v.timestamp = w->log_append ? w->max_ts : add64(w->base_ts, tsdelta);
            v.nheaders = nh;
            v.headers_len = (size_t)(rb_cur(&r) - v.headers);
            int rc = w->cb(w->arg, &v);
            if (rc)
                return rc;
        }
    }
    if (rb_remain(&rb) && rb_fail(&rb, "bytes after the last record"))
        goto err_parse;
    return 0;
err_parse:
    FAIL(BATCH_ERR_INVALID_RECORD, "record %d: %s", (int)i, r.err ? r.errmsg : rb.errmsg);
}

/* Framing checks shared by validation and iteration. */
static int check_header(const uint8_t *p, size_t len, char *why, size_t whylen) {
    if (len < RB_HEADER_SIZE)
        FAIL(BATCH_ERR_CORRUPT, "batch of %zu bytes is shorter than its header", len);
    if ((int64_t)rbh_length(p) + RB_LOG_OVERHEAD != (int64_t)len)
        FAIL(BATCH_ERR_CORRUPT, "batch length %d does not match %zu bytes", (int)rbh_length(p), len);
    if (rbh_magic(p) != 2)
        FAIL(BATCH_ERR_CORRUPT, "magic %d is not 2", rbh_magic(p));
    if (rbh_codec(p) > KCODEC_ZSTD)
        FAIL(BATCH_ERR_CORRUPT, "unknown compression codec %d", rbh_codec(p));
    return 0;
}

/* Decompresses the records if needed and walks them. */
static int with_records(const uint8_t *p, size_t len, size_t max_dec, walk *w, char *why, size_t whylen) {
    const uint8_t *rp = p + RB_HEADER_SIZE;
    size_t rl = len - RB_HEADER_SIZE;
    int codec = rbh_codec(p), rc;
    wbuf tmp;
    wb_init(&tmp, 0);
    if (codec != KCODEC_NONE) {
        if (kcodec_decompress(codec, rp, rl, &tmp, max_dec) != 0) {
            wb_free(&tmp);
            FAIL(BATCH_ERR_CORRUPT, "records fail to decompress (codec %d, limit %zu bytes)", codec, max_dec);
        }
        rp = tmp.data;
        rl = tmp.len;
    }
    w->base_offset = rbh_base_offset(p);
    w->base_ts = rbh_first_timestamp(p);
    w->max_ts = rbh_max_timestamp(p);
    w->log_append = (rbh_attributes(p) & BATCH_ATTR_LOG_APPEND_TIME) != 0;
    rc = walk_records(rp, rl, rbh_record_count(p), w, why, whylen);
    wb_free(&tmp);
    return rc;
}

int batch_validate_v2(const uint8_t *p, size_t len, size_t max_decompressed, char *why, size_t whylen) {
    int rc = check_header(p, len, why, whylen);
    if (rc)
        return rc;
    if (rbh_crc(p) != batch_crc(p, len))
        FAIL(BATCH_ERR_CORRUPT, "CRC mismatch (stored %08x, computed %08x)", rbh_crc(p), batch_crc(p, len));
    int32_t count = rbh_record_count(p);
    if (count <= 0 || (int64_t)rbh_last_offset_delta(p) + 1 != count)
        FAIL(BATCH_ERR_INVALID_RECORD, "record count %d inconsistent with last offset delta %d", (int)count,
             (int)rbh_last_offset_delta(p));
    if (rbh_attributes(p) & BATCH_ATTR_CONTROL)
        FAIL(BATCH_ERR_INVALID_RECORD, "clients may not write control batches");
    if (rbh_producer_id(p) >= 0 && rbh_base_sequence(p) < 0)
        FAIL(BATCH_ERR_INVALID_RECORD, "producer id %lld with base sequence %d", (long long)rbh_producer_id(p),
             (int)rbh_base_sequence(p));
    walk w = {0};
    return with_records(p, len, max_decompressed, &w, why, whylen);
}

int batch_records_foreach(const uint8_t *batch, size_t len, size_t max_decompressed,
                          int (*cb)(void *arg, const record_view *r), void *arg) {
    if (check_header(batch, len, NULL, 0))
        return BATCH_ERR_CORRUPT;
    if (rbh_record_count(batch) < 0)
        return BATCH_ERR_INVALID_RECORD;
    walk w = {.cb = cb, .arg = arg};
    return with_records(batch, len, max_decompressed, &w, NULL, 0);
}

/* ------------------------------------------------------------------------
 * Building
 * ---------------------------------------------------------------------- */
static size_t uvsize(uint64_t v) {
    size_t n = 1;
    for (; v >= 0x80; v >>= 7)
        n++;
    return n;
}
static size_t vsize(int64_t v) { return uvsize(((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

/* Length of possibly-null bytes: -1 when p is NULL or len < 0. */
static int32_t nlen(const void *p, int32_t len) { return !p || len < 0 ? -1 : len; }
static size_t vbytes_size(int32_t n) { return vsize(n) + (n > 0 ? (size_t)n : 0); }
static void put_vbytes(wbuf *w, const void *p, int32_t n) {
    wb_varint(w, n);
    if (n > 0)
        wb_write(w, p, (size_t)n);
}

static void put_record(wbuf *w, int32_t odelta, int64_t tsdelta, const void *k, int32_t klen, const void *v,
                       int32_t vlen, int nh, const kheader *hs) {
    klen = nlen(k, klen);
    vlen = nlen(v, vlen);
    size_t body = 1 + vsize(tsdelta) + vsize(odelta) + vbytes_size(klen) + vbytes_size(vlen) + vsize(nh);
    for (int i = 0; i < nh; i++)
        body += vbytes_size(hs[i].key_len < 0 ? (int32_t)strlen(hs[i].key) : hs[i].key_len) +
                vbytes_size(nlen(hs[i].value, hs[i].value_len));
    wb_varint(w, (int32_t)body);
    wb_i8(w, 0);
    wb_varlong(w, tsdelta);
    wb_varint(w, odelta);
    put_vbytes(w, k, klen);
    put_vbytes(w, v, vlen);
    wb_varint(w, nh);
    for (int i = 0; i < nh; i++) {
        put_vbytes(w, hs[i].key, hs[i].key_len < 0 ? (int32_t)strlen(hs[i].key) : hs[i].key_len);
        put_vbytes(w, hs[i].value, nlen(hs[i].value, hs[i].value_len));
    }
}

/* Appends a batch header + records (compressed per attrs) and fixes the
 * length and CRC. */
static void emit_batch(wbuf *out, int64_t base_offset, int16_t attrs, int32_t count, int64_t first_ts,
                       int64_t max_ts, int64_t pid, int16_t epoch, int32_t seq, const uint8_t *recs, size_t rlen) {
    size_t at = out->len;
    int codec = attrs & BATCH_ATTR_CODEC_MASK;
    wb_i64(out, base_offset);
    wb_i32(out, 0); /* length, patched below */
    wb_i32(out, -1); /* partition leader epoch */
    wb_i8(out, 2);
    wb_u32(out, 0); /* CRC, patched below */
    size_t attr_at = wb_i16(out, attrs);
    wb_i32(out, count - 1);
    wb_i64(out, first_ts);
    wb_i64(out, max_ts);
    wb_i64(out, pid);
    wb_i16(out, epoch);
    wb_i32(out, seq);
    wb_i32(out, count);
    if (codec == KCODEC_NONE || kcodec_compress(codec, recs, rlen, out) != 0) {
        wb_put_i16(out, attr_at, (int16_t)(attrs & ~BATCH_ATTR_CODEC_MASK));
        wb_write(out, recs, rlen);
    }
    wb_put_i32(out, at + RBH_LENGTH, (int32_t)(out->len - at - RB_LOG_OVERHEAD));
    batch_set_crc(out->data + at, out->len - at);
}

void batch_build_v2(wbuf *out, int64_t base_offset, int64_t first_ts, const batch_record *recs, int n,
                    int codec, int64_t producer_id, int16_t producer_epoch, int32_t base_seq) {
    wbuf rw;
    int64_t max_ts = -1;
    wb_init(&rw, 256);
    for (int i = 0; i < n; i++) {
        const batch_record *r = &recs[i];
        put_record(&rw, i, sub64(r->timestamp, first_ts), r->key, r->key_len, r->value, r->value_len,
                   r->nheaders, r->headers);
        if (i == 0 || r->timestamp > max_ts)
            max_ts = r->timestamp;
    }
    emit_batch(out, base_offset, (int16_t)(codec & BATCH_ATTR_CODEC_MASK), n, first_ts, max_ts, producer_id,
               producer_epoch, base_seq, rw.data, rw.len);
    wb_free(&rw);
}

/* ------------------------------------------------------------------------
 * Legacy message sets
 * ---------------------------------------------------------------------- */
static void put_bytes32(wbuf *w, const void *p, int32_t n) {
    wb_i32(w, n);
    if (n > 0)
        wb_write(w, p, (size_t)n);
}

static void legacy_msg(wbuf *out, int64_t offset, int magic, int attr, int64_t ts, const void *k, int32_t klen,
                       const void *v, int32_t vlen) {
    wb_i64(out, offset);
    size_t at = wb_i32(out, 0);
    wb_u32(out, 0);
    wb_i8(out, (int8_t)magic);
    wb_i8(out, (int8_t)attr);
    if (magic == 1)
        wb_i64(out, ts);
    put_bytes32(out, k, nlen(k, klen));
    put_bytes32(out, v, nlen(v, vlen));
    wb_put_i32(out, at, (int32_t)(out->len - at - 4));
    wb_put_u32(out, at + 4, (uint32_t)crc32(0, out->data + at + 8, (uInt)(out->len - at - 8)));
}

void legacy_build(wbuf *out, int magic, int codec, const batch_record *recs, int n) {
    wbuf inner, z;
    int64_t max_ts = -1;
    wb_init(&inner, 256);
    wb_init(&z, 0);
    for (int i = 0; i < n; i++) {
        legacy_msg(&inner, i, magic, 0, recs[i].timestamp, recs[i].key, recs[i].key_len, recs[i].value,
                   recs[i].value_len);
        if (recs[i].timestamp > max_ts)
            max_ts = recs[i].timestamp;
    }
    if (codec == KCODEC_NONE || codec > KCODEC_LZ4 || kcodec_compress(codec, inner.data, inner.len, &z) != 0) {
        wb_write(out, inner.data, inner.len);
    } else {
        if (codec == KCODEC_LZ4 && magic == 0)
            kcodec_lz4_set_hc(z.data, z.len, 1);
        legacy_msg(out, n - 1, magic, codec, max_ts, NULL, -1, z.data, (int32_t)z.len);
    }
    wb_free(&inner);
    wb_free(&z);
}

typedef struct down_ctx {
    wbuf *out;
    int magic;
} down_ctx;

static int down_record(void *arg, const record_view *r) {
    down_ctx *d = arg;
    legacy_msg(d->out, r->offset, d->magic, 0, d->magic ? r->timestamp : -1, r->key.s, r->key.len,
               r->value.s, r->value.len);
    return 0;
}

int batch_down_convert(const uint8_t *p, size_t len, int magic, size_t max_decompressed, wbuf *out) {
    batch_iter it;
    batch_iter_init(&it, p, len);
    const uint8_t *b;
    size_t blen;
    int m, r, converted = 0;
    down_ctx d = {out, magic};
    while ((r = batch_iter_next(&it, &b, &blen, &m)) == 1) {
        if (m != 2) {
            wb_write(out, b, blen); /* already a legacy entry */
            continue;
        }
        if (blen < RB_HEADER_SIZE || (rbh_attributes(b) & BATCH_ATTR_CONTROL))
            continue;
        if (batch_records_foreach(b, blen, max_decompressed, down_record, &d) < 0)
            return -1;
        converted++;
    }
    return r < 0 ? -1 : converted;
}

typedef struct lmsg {
    int attr;
    int64_t ts;
    kstr key, value;
} lmsg;

/* Parses one entry framed by batch_iter_next: magic must be 0/1 and equal
 * want_magic (if >= 0), the CRC-32 must match, the fields must fill it. */
static int legacy_parse(const uint8_t *e, size_t elen, int magic, int want_magic, lmsg *m, char *why,
                        size_t whylen) {
    rbuf rb;
    int8_t mg, attr;
    if (magic > 1 || (want_magic >= 0 && magic != want_magic))
        FAIL(BATCH_ERR_INVALID_RECORD, "magic %d message mixed with magic %d", magic, want_magic < 0 ? 1 : want_magic);
    if (be32_get(e + 12) != (uint32_t)crc32(0, e + 16, (uInt)(elen - 16)))
        FAIL(BATCH_ERR_CORRUPT, "legacy message CRC mismatch");
    rb_init(&rb, e + 16, elen - 16);
    rb_read_i8(&rb, &mg);
    rb_read_i8(&rb, &attr);
    m->attr = (uint8_t)attr;
    m->ts = -1;
    if (mg == 1)
        rb_read_i64(&rb, &m->ts);
    rb_read_bytes(&rb, &m->key);
    rb_read_bytes(&rb, &m->value);
    if (rb_remain(&rb) && rb_fail(&rb, "trailing bytes"))
        goto err_parse;
    return 0;
err_parse:
    FAIL(BATCH_ERR_CORRUPT, "legacy message: %s", rb.errmsg);
}

typedef struct conv {
    wbuf recs;
    int32_t n;
    int64_t first_ts, max_ts;
} conv;

static void conv_add(conv *c, int64_t ts, const lmsg *m) {
    if (c->n == 0)
        c->first_ts = c->max_ts = ts;
    if (ts > c->max_ts)
        c->max_ts = ts;
    put_record(&c->recs, c->n++, sub64(ts, c->first_ts), m->key.s, m->key.len, m->value.s, m->value.len, 0, NULL);
}

int legacy_to_v2(const uint8_t *p, size_t len, int64_t now_ms, size_t max_decompressed, wbuf *out, char *why,
                 size_t whylen) {
    conv c = {.n = 0};
    wbuf tmp;
    batch_iter it, in;
    const uint8_t *e;
    size_t elen;
    int magic = -1, m, r, rc = 0;
    wb_init(&c.recs, 256);
    wb_init(&tmp, 0);
    batch_iter_init(&it, p, len);
    while ((r = batch_iter_next(&it, &e, &elen, &m)) == 1) {
        lmsg w;
        if ((rc = legacy_parse(e, elen, m, magic, &w, why, whylen)) != 0)
            goto out;
        magic = m;
        int codec = w.attr & BATCH_ATTR_CODEC_MASK;
        int log_append = magic == 1 && (w.attr & BATCH_ATTR_LOG_APPEND_TIME);
        if (codec == KCODEC_NONE) {
            conv_add(&c, log_append ? now_ms : w.ts, &w);
            continue;
        }
        wb_reset(&tmp);
        if (codec > KCODEC_LZ4 || w.value.len < 0 ||
            kcodec_decompress(codec, (const uint8_t *)w.value.s, (size_t)w.value.len, &tmp, max_decompressed)) {
            rc = fail(BATCH_ERR_CORRUPT, why, whylen, "compressed message (codec %d) fails to decompress", codec);
            goto out;
        }
        int ir, im;
        batch_iter_init(&in, tmp.data, tmp.len);
        while ((ir = batch_iter_next(&in, &e, &elen, &im)) == 1) {
            lmsg x;
            if ((rc = legacy_parse(e, elen, im, magic, &x, why, whylen)) != 0)
                goto out;
            if (x.attr & BATCH_ATTR_CODEC_MASK) {
                rc = fail(BATCH_ERR_INVALID_RECORD, why, whylen, "nested compressed message");
                goto out;
            }
            int la = log_append || (magic == 1 && (x.attr & BATCH_ATTR_LOG_APPEND_TIME));
            conv_add(&c, la ? now_ms : x.ts, &x);
        }
        if (ir < 0) {
            rc = fail(BATCH_ERR_CORRUPT, why, whylen, "malformed inner message set");
            goto out;
        }
    }
    if (r < 0)
        rc = fail(BATCH_ERR_CORRUPT, why, whylen, "truncated or malformed message at byte %zu", it.off);
    else if (c.n == 0)
        rc = fail(BATCH_ERR_INVALID_RECORD, why, whylen, "message set without messages");
    else
        emit_batch(out, 0, 0, c.n, c.first_ts, c.max_ts, -1, -1, -1, c.recs.data, c.recs.len);
out:
    wb_free(&c.recs);
    wb_free(&tmp);
    return rc;
}
