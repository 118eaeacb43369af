/* buf.h -- byte buffers for wire protocols: a growable writer and a
 * bounds-checked reader.
 *
 * Both Kafka and ZooKeeper (jute) are big-endian length-prefixed protocols.
 * The writer (wbuf) appends and returns the offset it wrote at, so length
 * prefixes and counts can be back-patched. The reader (rbuf) never reads past
 * its end: every read checks the remaining length first and, on failure, sets
 * rb->err and jumps to the caller's `err_parse:` label (librdkafka style):
 *
 *     int32_t cnt;
 *     rb_read_i32(rb, &cnt);
 *     rb_check_count(rb, cnt, 8);   // at least 8 bytes per element remain
 *     ...
 *     return 0;
 * err_parse:
 *     return -1;
 */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Writer
 * ---------------------------------------------------------------------- */
typedef struct wbuf {
    uint8_t *data;
    size_t len;  /* bytes written */
    size_t cap;  /* bytes allocated */
    int metered; /* cap is charged to the memory ceiling (memlimit.h) */
} wbuf;

void wb_init(wbuf *wb, size_t initial_cap);
/* A buffer whose memory counts against the daemon's ceiling (request and
 * response buffers): growth is charged, wb_free releases it. */
void wb_init_metered(wbuf *wb, size_t initial_cap);
void wb_free(wbuf *wb);
void wb_reset(wbuf *wb);                /* len = 0, keeps memory */
void wb_reserve(wbuf *wb, size_t more); /* aborts on out-of-memory */
/* Grows to exactly len + more (if needed) only if the memory ceiling admits
 * the growth now: 0 done, -1 refused (wb unchanged). */
int wb_try_reserve(wbuf *wb, size_t more);
/* Grows to exactly len + more (if needed), charged as committed memory
 * (memlimit_charge): for a size the caller has already fitted under the
 * ceiling, taken at once instead of by doublings. */
void wb_reserve_exact(wbuf *wb, size_t more);
/* Gives back memory beyond max(cap, len). */
void wb_shrink(wbuf *wb, size_t cap);
/* Detaches the data (caller frees) and leaves wb empty. The charge of a
 * metered buffer (wb_charged, read before) goes with the data: the caller
 * releases it when it frees the data. */
uint8_t *wb_steal(wbuf *wb, size_t *len);
static inline size_t wb_charged(const wbuf *wb) { return wb->metered ? wb->cap : 0; }

size_t wb_write(wbuf *wb, const void *p, size_t n);
size_t wb_i8(wbuf *wb, int8_t v);
size_t wb_i16(wbuf *wb, int16_t v);
size_t wb_i32(wbuf *wb, int32_t v);
size_t wb_i64(wbuf *wb, int64_t v);
size_t wb_u32(wbuf *wb, uint32_t v);
size_t wb_uvarint(wbuf *wb, uint64_t v);
size_t wb_varint(wbuf *wb, int32_t v);  /* zig-zag */
size_t wb_varlong(wbuf *wb, int64_t v); /* zig-zag */
/* Kafka STRING/NULLABLE_STRING: int16 length; s == NULL writes -1. */
size_t wb_str(wbuf *wb, const char *s, int len);
size_t wb_cstr(wbuf *wb, const char *s); /* NULL-terminated or NULL */
/* Kafka BYTES/NULLABLE_BYTES: int32 length; p == NULL writes -1. */
size_t wb_bytes(wbuf *wb, const void *p, int32_t len);
/* Flexible versions: COMPACT_STRING / COMPACT_BYTES (uvarint len+1). */
size_t wb_cmpstr(wbuf *wb, const char *s, int len);
size_t wb_cmpbytes(wbuf *wb, const void *p, int32_t len);

/* Back-patching at an offset returned by a writer. */
void wb_put_i16(wbuf *wb, size_t at, int16_t v);
void wb_put_i32(wbuf *wb, size_t at, int32_t v);
void wb_put_i64(wbuf *wb, size_t at, int64_t v);
void wb_put_u32(wbuf *wb, size_t at, uint32_t v);

/* ------------------------------------------------------------------------
 * Reader
 * ---------------------------------------------------------------------- */
typedef struct rbuf {
    const uint8_t *p; /* start */
    size_t len;       /* total bytes */
    size_t off;       /* read position */
    int err;          /* set when a read failed */
    const char *errmsg;
} rbuf;

/* A string or byte view into the buffer, not NUL-terminated.
 * len == -1 means null. */
typedef struct kstr {
    const char *s;
    int32_t len;
} kstr;

#define KSTR_IS_NULL(k) ((k).len < 0)
#define KSTR_PR(k) (int)((k).len < 0 ? 0 : (k).len), ((k).s ? (k).s : "")
int kstr_eq(kstr k, const char *s);
char *kstr_dup(kstr k); /* malloc'd NUL-terminated copy; NULL for null */

static inline void rb_init(rbuf *rb, const void *p, size_t len) {
    rb->p = (const uint8_t *)p;
    rb->len = len;
    rb->off = 0;
    rb->err = 0;
    rb->errmsg = NULL;
}
static inline size_t rb_remain(const rbuf *rb) { return rb->len - rb->off; }
static inline const uint8_t *rb_cur(const rbuf *rb) { return rb->p + rb->off; }

/* Non-jumping primitives: return 0 on success, -1 (and set rb->err) on
 * underflow/invalid. The macros below wrap them with `goto err_parse`. */
int rb_fail(rbuf *rb, const char *msg);
/* The readers record walking calls for every record are inline: the common
 * case (enough bytes left, a varint of one or two bytes) takes no call; the
 * rest goes to rb_get_uvarint_slow, which does the full checks. */
int rb_get_uvarint_slow(rbuf *rb, uint64_t *v);
/* True when n more bytes cannot be read (or a read already failed). */
static inline int rb_lacks(const rbuf *rb, size_t n) { return rb->err || rb->len - rb->off < n; }
static inline int rb_get_i8(rbuf *rb, int8_t *v) {
    if (rb_lacks(rb, 1)) {
        *v = 0;
        return rb_fail(rb, "underflow");
    }
    *v = (int8_t)rb->p[rb->off++];
    return 0;
}
static inline int rb_get_uvarint(rbuf *rb, uint64_t *v) { /* at most 10 bytes */
    if (!rb_lacks(rb, 1)) {
        const uint8_t *q = rb->p + rb->off;
        if (q[0] < 0x80) {
            *v = q[0];
            rb->off += 1;
            return 0;
        }
        if (!rb_lacks(rb, 2) && q[1] < 0x80) {
            *v = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
            rb->off += 2;
            return 0;
        }
    }
    return rb_get_uvarint_slow(rb, v);
}
static inline int rb_get_varint(rbuf *rb, int32_t *v) { /* zig-zag, at most 5 bytes */
    uint64_t u;
    *v = 0;
    if (rb_get_uvarint(rb, &u))
        return -1;
    if (u > 0xffffffffull)
        return rb_fail(rb, "varint out of range");
    uint32_t x = (uint32_t)u;
    *v = (int32_t)((x >> 1) ^ (~(x & 1) + 1));
    return 0;
}
static inline int rb_get_varlong(rbuf *rb, int64_t *v) { /* zig-zag */
    uint64_t u;
    *v = 0;
    if (rb_get_uvarint(rb, &u))
        return -1;
    *v = (int64_t)((u >> 1) ^ (~(u & 1) + 1));
    return 0;
}
static inline int rb_get_raw(rbuf *rb, size_t n, const uint8_t **out) {
    if (rb_lacks(rb, n)) {
        *out = NULL;
        return rb_fail(rb, "underflow");
    }
    *out = rb->p + rb->off;
    rb->off += n;
    return 0;
}
static inline int rb_skip(rbuf *rb, size_t n) {
    if (rb_lacks(rb, n))
        return rb_fail(rb, "underflow");
    rb->off += n;
    return 0;
}
int rb_get_i16(rbuf *rb, int16_t *v);
int rb_get_i32(rbuf *rb, int32_t *v);
int rb_get_i64(rbuf *rb, int64_t *v);
int rb_get_u32(rbuf *rb, uint32_t *v);
int rb_get_str(rbuf *rb, kstr *k);         /* int16 length, -1 = null */
int rb_get_bytes(rbuf *rb, kstr *k);       /* int32 length, -1 = null */
int rb_get_cmpstr(rbuf *rb, kstr *k);      /* uvarint len+1, 0 = null */
int rb_get_cmpbytes(rbuf *rb, kstr *k);
int rb_skip_tags(rbuf *rb); /* flexible-version tagged fields */
/* Flexible versions' COMPACT_ARRAY count (uvarint N+1, 0 = null): *cnt is
 * N, or -1 for null. Checked as rb_check_count before anything is
 * allocated: N elements of at least min_elem_size bytes each (0 counts as
 * 1) must fit in what remains, and N must fit an int32. */
int rb_get_compact_count(rbuf *rb, int32_t *cnt, size_t min_elem_size);
/* The same for an array that may not be null: null is malformed too. */
int rb_get_compact_count_nn(rbuf *rb, int32_t *cnt, size_t min_elem_size);

#define RB_TRY(expr)                                                           \
    do {                                                                       \
        if ((expr) != 0)                                                       \
            goto err_parse;                                                    \
    } while (0)
#define rb_read_i8(rb, v) RB_TRY(rb_get_i8(rb, v))
#define rb_read_i16(rb, v) RB_TRY(rb_get_i16(rb, v))
#define rb_read_i32(rb, v) RB_TRY(rb_get_i32(rb, v))
#define rb_read_i64(rb, v) RB_TRY(rb_get_i64(rb, v))
#define rb_read_u32(rb, v) RB_TRY(rb_get_u32(rb, v))
#define rb_read_uvarint(rb, v) RB_TRY(rb_get_uvarint(rb, v))
#define rb_read_varint(rb, v) RB_TRY(rb_get_varint(rb, v))
#define rb_read_varlong(rb, v) RB_TRY(rb_get_varlong(rb, v))
#define rb_read_str(rb, k) RB_TRY(rb_get_str(rb, k))
#define rb_read_bytes(rb, k) RB_TRY(rb_get_bytes(rb, k))
#define rb_read_cmpstr(rb, k) RB_TRY(rb_get_cmpstr(rb, k))
#define rb_read_cmpbytes(rb, k) RB_TRY(rb_get_cmpbytes(rb, k))
#define rb_read_raw(rb, n, out) RB_TRY(rb_get_raw(rb, n, out))
#define rb_read_skip(rb, n) RB_TRY(rb_get_skip_(rb, n))
#define rb_get_skip_(rb, n) rb_skip(rb, n)
#define rb_read_tags(rb) RB_TRY(rb_skip_tags(rb))
#define rb_read_compact_count(rb, cnt, min_elem_size)                          \
    RB_TRY(rb_get_compact_count(rb, cnt, min_elem_size))
#define rb_read_compact_count_nn(rb, cnt, min_elem_size)                       \
    RB_TRY(rb_get_compact_count_nn(rb, cnt, min_elem_size))
/* Array counts are checked before anything is allocated: a count must be
 * -1 (null, if allowed by the caller) or small enough that each element
 * could still occupy at least min_elem_size bytes of what remains. */
#define rb_check_count(rb, cnt, min_elem_size)                                 \
    do {                                                                       \
        if ((cnt) < -1 || ((cnt) > 0 && (size_t)(cnt) > rb_remain(rb) /        \
                                                        ((min_elem_size) ? (min_elem_size) : 1))) { \
            rb_fail(rb, "array count out of range");                           \
            goto err_parse;                                                    \
        }                                                                      \
    } while (0)

/* The same for an array that may not be null: -1 is malformed too. */
#define rb_check_count_nn(rb, cnt, min_elem_size)                              \
    do {                                                                       \
        if ((cnt) < 0) {                                                       \
            rb_fail(rb, "null array where one is required");                   \
            goto err_parse;                                                    \
        }                                                                      \
        rb_check_count(rb, cnt, min_elem_size);                                \
    } while (0)

/* Big-endian helpers for raw memory (segment files, batch headers). */
static inline uint16_t be16_get(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t be32_get(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t be64_get(const uint8_t *p) {
    return ((uint64_t)be32_get(p) << 32) | be32_get(p + 4);
}
static inline void be16_put(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void be32_put(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void be64_put(uint8_t *p, uint64_t v) {
    be32_put(p, (uint32_t)(v >> 32));
    be32_put(p + 4, (uint32_t)v);
}

#endif
