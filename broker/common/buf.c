/* buf.c -- growable writer and bounds-checked reader for wire protocols.
 * See buf.h for the contract. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>

#include "memlimit.h"

/* ------------------------------------------------------------------------
 * Writer
 * ---------------------------------------------------------------------- */
void wb_init(wbuf *wb, size_t initial_cap) {
    wb->data = NULL;
    wb->len = 0;
    wb->cap = 0;
    wb->metered = 0;
    if (initial_cap)
        wb_reserve(wb, initial_cap);
}

void wb_init_metered(wbuf *wb, size_t initial_cap) {
    wb_init(wb, 0);
    wb->metered = 1;
    if (initial_cap)
        wb_reserve(wb, initial_cap);
}

void wb_free(wbuf *wb) {
    if (wb->metered)
        memlimit_release(wb->cap);
    free(wb->data);
    wb->data = NULL;
    wb->len = wb->cap = 0;
}

/* Moves the buffer to ncap bytes; the caller has charged any growth. */
static void wb_realloc(wbuf *wb, size_t ncap) {
    uint8_t *n = realloc(wb->data, ncap);
    if (!n) {
        fprintf(stderr, "out of memory (wbuf %zu bytes)\n", ncap);
        abort();
    }
    wb->data = n;
    wb->cap = ncap;
}

int wb_try_reserve(wbuf *wb, size_t more) {
    if (wb->len + more <= wb->cap)
        return 0;
    size_t ncap = wb->len + more;
    if (wb->metered && memlimit_try_charge(ncap - wb->cap) != 0)
        return -1;
    wb_realloc(wb, ncap);
    return 0;
}

void wb_reserve_exact(wbuf *wb, size_t more) {
    if (wb->len + more <= wb->cap)
        return;
    size_t ncap = wb->len + more;
    if (wb->metered)
        memlimit_charge(ncap - wb->cap);
    wb_realloc(wb, ncap);
}

void wb_shrink(wbuf *wb, size_t cap) {
    if (cap < wb->len)
        cap = wb->len;
    if (cap >= wb->cap)
        return;
    if (wb->metered)
        memlimit_release(wb->cap - cap);
    if (cap == 0) {
        free(wb->data);
        wb->data = NULL;
        wb->cap = 0;
        return;
    }
    wb_realloc(wb, cap);
}

void wb_reset(wbuf *wb) { wb->len = 0; }

void wb_reserve(wbuf *wb, size_t more) {
    if (wb->len + more <= wb->cap)
        return;
    size_t ncap = wb->cap ? wb->cap : 64;
    while (ncap < wb->len + more)
        ncap *= 2;
    if (wb->metered)
        memlimit_charge(ncap - wb->cap);
    wb_realloc(wb, ncap);
}

uint8_t *wb_steal(wbuf *wb, size_t *len) {
    uint8_t *d = wb->data;
    if (len)
        *len = wb->len;
    wb->data = NULL;
    wb->len = wb->cap = 0;
    return d;
}

size_t wb_write(wbuf *wb, const void *p, size_t n) {
    size_t at = wb->len;
    wb_reserve(wb, n);
    if (n)
        memcpy(wb->data + wb->len, p, n);
    wb->len += n;
    return at;
}

size_t wb_i8(wbuf *wb, int8_t v) { return wb_write(wb, &v, 1); }
size_t wb_i16(wbuf *wb, int16_t v) {
    uint8_t b[2];
    be16_put(b, (uint16_t)v);
    return wb_write(wb, b, 2);
}
size_t wb_i32(wbuf *wb, int32_t v) {
    uint8_t b[4];
    be32_put(b, (uint32_t)v);
    return wb_write(wb, b, 4);
}
size_t wb_u32(wbuf *wb, uint32_t v) { return wb_i32(wb, (int32_t)v); }
size_t wb_i64(wbuf *wb, int64_t v) {
    uint8_t b[8];
    be64_put(b, (uint64_t)v);
    return wb_write(wb, b, 8);
}

size_t wb_uvarint(wbuf *wb, uint64_t v) {
    uint8_t b[10];
    int n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    return wb_write(wb, b, (size_t)n);
}
size_t wb_varint(wbuf *wb, int32_t v) {
    return wb_uvarint(wb, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}
size_t wb_varlong(wbuf *wb, int64_t v) {
    return wb_uvarint(wb, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

size_t wb_str(wbuf *wb, const char *s, int len) {
    if (!s)
        return wb_i16(wb, -1);
    if (len < 0)
        len = (int)strlen(s);
    size_t at = wb_i16(wb, (int16_t)len);
    wb_write(wb, s, (size_t)len);
    return at;
}
size_t wb_cstr(wbuf *wb, const char *s) { return wb_str(wb, s, s ? (int)strlen(s) : -1); }

size_t wb_bytes(wbuf *wb, const void *p, int32_t len) {
    if (!p && len <= 0)
        return wb_i32(wb, p ? 0 : -1);
    size_t at = wb_i32(wb, len);
    wb_write(wb, p, (size_t)len);
    return at;
}

size_t wb_cmpstr(wbuf *wb, const char *s, int len) {
    if (!s)
        return wb_uvarint(wb, 0);
    if (len < 0)
        len = (int)strlen(s);
    size_t at = wb_uvarint(wb, (uint64_t)len + 1);
    wb_write(wb, s, (size_t)len);
    return at;
}
size_t wb_cmpbytes(wbuf *wb, const void *p, int32_t len) {
    if (!p && len <= 0)
        return wb_uvarint(wb, p ? 1 : 0);
    size_t at = wb_uvarint(wb, (uint64_t)len + 1);
    wb_write(wb, p, (size_t)len);
    return at;
}

void wb_put_i16(wbuf *wb, size_t at, int16_t v) { be16_put(wb->data + at, (uint16_t)v); }
void wb_put_i32(wbuf *wb, size_t at, int32_t v) { be32_put(wb->data + at, (uint32_t)v); }
void wb_put_u32(wbuf *wb, size_t at, uint32_t v) { be32_put(wb->data + at, v); }
void wb_put_i64(wbuf *wb, size_t at, int64_t v) { be64_put(wb->data + at, (uint64_t)v); }

/* ------------------------------------------------------------------------
 * Reader
 * ---------------------------------------------------------------------- */
int kstr_eq(kstr k, const char *s) {
    if (k.len < 0)
        return s == NULL;
    return s && strlen(s) == (size_t)k.len && memcmp(k.s, s, (size_t)k.len) == 0;
}

char *kstr_dup(kstr k) {
    if (k.len < 0)
        return NULL;
    char *d = malloc((size_t)k.len + 1);
    if (!d)
        abort();
    if (k.len)
        memcpy(d, k.s, (size_t)k.len);
    d[k.len] = 0;
    return d;
}

int rb_fail(rbuf *rb, const char *msg) {
    if (!rb->err) {
        rb->err = 1;
        rb->errmsg = msg;
    }
    return -1;
}

#define NEED(rb, n)                                                            \
    do {                                                                       \
        if (rb_lacks(rb, (size_t)(n)))                                         \
            return rb_fail(rb, "underflow");                                   \
    } while (0)

int rb_get_i16(rbuf *rb, int16_t *v) {
    NEED(rb, 2);
    *v = (int16_t)be16_get(rb->p + rb->off);
    rb->off += 2;
    return 0;
}
int rb_get_i32(rbuf *rb, int32_t *v) {
    NEED(rb, 4);
    *v = (int32_t)be32_get(rb->p + rb->off);
    rb->off += 4;
    return 0;
}
int rb_get_u32(rbuf *rb, uint32_t *v) {
    NEED(rb, 4);
    *v = be32_get(rb->p + rb->off);
    rb->off += 4;
    return 0;
}
int rb_get_i64(rbuf *rb, int64_t *v) {
    NEED(rb, 8);
    *v = (int64_t)be64_get(rb->p + rb->off);
    rb->off += 8;
    return 0;
}

int rb_get_uvarint_slow(rbuf *rb, uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        NEED(rb, 1);
        uint8_t b = rb->p[rb->off++];
        if (shift == 63 && b > 1)
            return rb_fail(rb, "varint overflow");
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return rb_fail(rb, "varint too long");
}

static int get_view(rbuf *rb, int64_t len, kstr *k) {
    if (len == -1) {
        k->s = NULL;
        k->len = -1;
        return 0;
    }
    if (len < -1)
        return rb_fail(rb, "negative length");
    NEED(rb, (size_t)len);
    k->s = (const char *)(rb->p + rb->off);
    k->len = (int32_t)len;
    rb->off += (size_t)len;
    return 0;
}

int rb_get_str(rbuf *rb, kstr *k) {
    int16_t l;
    if (rb_get_i16(rb, &l))
        return -1;
    return get_view(rb, l, k);
}
int rb_get_bytes(rbuf *rb, kstr *k) {
    int32_t l;
    if (rb_get_i32(rb, &l))
        return -1;
    return get_view(rb, l, k);
}
int rb_get_cmpstr(rbuf *rb, kstr *k) {
    uint64_t l;
    if (rb_get_uvarint(rb, &l))
        return -1;
    if (l > 0x7fffffff)
        return rb_fail(rb, "compact length out of range");
    return get_view(rb, (int64_t)l - 1, k);
}
int rb_get_cmpbytes(rbuf *rb, kstr *k) { return rb_get_cmpstr(rb, k); }

int rb_get_compact_count(rbuf *rb, int32_t *cnt, size_t min_elem_size) {
    uint64_t n1;
    *cnt = 0;
    if (rb_get_uvarint(rb, &n1))
        return -1;
    if (n1 == 0) {
        *cnt = -1;
        return 0;
    }
    if (n1 - 1 > INT32_MAX || n1 - 1 > rb_remain(rb) / (min_elem_size ? min_elem_size : 1))
        return rb_fail(rb, "array count out of range");
    *cnt = (int32_t)(n1 - 1);
    return 0;
}
int rb_get_compact_count_nn(rbuf *rb, int32_t *cnt, size_t min_elem_size) {
    if (rb_get_compact_count(rb, cnt, min_elem_size))
        return -1;
    if (*cnt < 0) {
        *cnt = 0;
        return rb_fail(rb, "null array where one is required");
    }
    return 0;
}

int rb_skip_tags(rbuf *rb) {
    uint64_t n, tag, sz;
    if (rb_get_uvarint(rb, &n))
        return -1;
    if (n > rb_remain(rb))
        return rb_fail(rb, "tag count out of range");
    for (uint64_t i = 0; i < n; i++) {
        if (rb_get_uvarint(rb, &tag) || rb_get_uvarint(rb, &sz))
            return -1;
        if (sz > rb_remain(rb))
            return rb_fail(rb, "tag size out of range");
        rb->off += (size_t)sz;
    }
    return 0;
}
