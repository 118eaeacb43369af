/* test_buf.c -- the bounds-checked reader of buf.h: COMPACT_ARRAY counts
 * (rb_get_compact_count, rb_read_compact_count and their _nn forms) read
 * null as -1, bound the count by the bytes left, and fail at every
 * truncation point of a whole flexible-version array.
 * Readers are always fed an exactly-sized heap copy, so any read past the
 * end shows up under AddressSanitizer. */
#include "unit.h"

static uint8_t *dup_bytes(const void *p, size_t n) {
    uint8_t *c = malloc(n ? n : 1);
    if (!c)
        abort();
    if (n)
        memcpy(c, p, n);
    return c;
}

/* A count alone: what rb_get_compact_count returns, the count and the
 * offset after it. */
static int count_of(const wbuf *w, size_t min_elem, int nn, int32_t *cnt, size_t *off) {
    uint8_t *c = dup_bytes(w->data, w->len);
    rbuf rb;
    rb_init(&rb, c, w->len);
    int rc = nn ? rb_get_compact_count_nn(&rb, cnt, min_elem) : rb_get_compact_count(&rb, cnt, min_elem);
    CHECK_EQ(rb.err != 0, rc != 0);
    *off = rb.off;
    free(c);
    return rc;
}

static void test_counts(void) {
    wbuf w;
    int32_t cnt;
    size_t off;
    wb_init(&w, 64);

    /* null: -1, and malformed where the array is required */
    wb_uvarint(&w, 0);
    CHECK_EQ(count_of(&w, 4, 0, &cnt, &off), 0);
    CHECK_EQ(cnt, -1);
    CHECK_EQ(off, 1);
    CHECK_EQ(count_of(&w, 4, 1, &cnt, &off), -1);

    /* empty: 0, with nothing after it */
    wb_reset(&w);
    wb_uvarint(&w, 1);
    CHECK_EQ(count_of(&w, 4, 0, &cnt, &off), 0);
    CHECK_EQ(cnt, 0);
    CHECK_EQ(count_of(&w, 4, 1, &cnt, &off), 0);
    CHECK_EQ(cnt, 0);

    /* 3 elements of 4 bytes: 12 bytes left suffice, 11 do not */
    wb_reset(&w);
    wb_uvarint(&w, 4);
    for (int i = 0; i < 12; i++)
        wb_i8(&w, (int8_t)i);
    CHECK_EQ(count_of(&w, 4, 1, &cnt, &off), 0);
    CHECK_EQ(cnt, 3);
    CHECK_EQ(off, 1);
    w.len--;
    CHECK_EQ(count_of(&w, 4, 1, &cnt, &off), -1);
    CHECK_EQ(count_of(&w, 4, 0, &cnt, &off), -1);
    /* min_elem_size 0 counts as 1 byte an element */
    CHECK_EQ(count_of(&w, 0, 0, &cnt, &off), 0);
    CHECK_EQ(cnt, 3);
    CHECK_EQ(count_of(&w, 1, 0, &cnt, &off), 0);

    /* a count of two varint bytes (200 elements of 1 byte) */
    wb_reset(&w);
    wb_uvarint(&w, 201);
    CHECK_EQ(w.len, 2);
    for (int i = 0; i < 200; i++)
        wb_i8(&w, 0);
    CHECK_EQ(count_of(&w, 1, 1, &cnt, &off), 0);
    CHECK_EQ(cnt, 200);
    CHECK_EQ(off, 2);
    CHECK_EQ(count_of(&w, 2, 1, &cnt, &off), -1);

    /* a varint longer than ten bytes, and a huge count with few bytes */
    wb_reset(&w);
    for (int i = 0; i < 11; i++)
        wb_i8(&w, (int8_t)0x80);
    CHECK_EQ(count_of(&w, 1, 0, &cnt, &off), -1);
    wb_reset(&w);
    wb_uvarint(&w, UINT64_MAX);
    CHECK_EQ(count_of(&w, 1, 0, &cnt, &off), -1);
    wb_reset(&w);
    wb_uvarint(&w, 0x80000000ull + 1);
    CHECK_EQ(count_of(&w, 1, 0, &cnt, &off), -1);

    /* more than an int32 holds, even with as many bytes left: the length
     * is only compared, never read, so a 4 GiB claim needs no memory */
    rbuf rb;
    rb_init(&rb, w.data, (size_t)1 << 32);
    CHECK_EQ(rb_get_compact_count(&rb, &cnt, 1), -1);
    CHECK(rb.err != 0);
    wb_reset(&w);
    wb_uvarint(&w, 0x7fffffffull + 1); /* INT32_MAX elements */
    rb_init(&rb, w.data, (size_t)1 << 32);
    CHECK_EQ(rb_get_compact_count(&rb, &cnt, 1), 0);
    CHECK_EQ(cnt, INT32_MAX);

    /* after a failed read nothing more is read */
    wb_reset(&w);
    wb_uvarint(&w, 1);
    rb_init(&rb, w.data, w.len);
    rb_fail(&rb, "earlier failure");
    CHECK_EQ(rb_get_compact_count(&rb, &cnt, 1), -1);
    CHECK_EQ(rb.off, 0);
    wb_free(&w);
}

/* The shape of AlterPartitionReassignments v0's topics, parsed with the
 * jumping macros: [name, [partition_index, replicas (nullable) , tags],
 * tags], tags. Returns the number of replica ids read, or -1. */
static int parse_topics(const uint8_t *p, size_t len) {
    rbuf rb, *r = &rb;
    int32_t ntopics, nparts, nrep, ids = 0;
    rb_init(r, p, len);
    rb_read_compact_count_nn(r, &ntopics, 3);
    for (int32_t t = 0; t < ntopics; t++) {
        kstr name;
        rb_read_cmpstr(r, &name);
        rb_read_compact_count_nn(r, &nparts, 6);
        for (int32_t i = 0; i < nparts; i++) {
            int32_t v;
            rb_read_i32(r, &v);
            rb_read_compact_count(r, &nrep, 4);
            for (int32_t k = 0; k < nrep; k++, ids++)
                rb_read_i32(r, &v);
            rb_read_tags(r);
        }
        rb_read_tags(r);
    }
    rb_read_tags(r);
    if (rb_remain(r) != 0)
        return -1;
    return ids;
err_parse:
    CHECK(r->err != 0);
    return -1;
}

static void test_truncation(void) {
    wbuf w;
    wb_init(&w, 256);
    wb_uvarint(&w, 3); /* two topics */
    wb_cmpstr(&w, "alpha", 5);
    wb_uvarint(&w, 3); /* two partitions */
    wb_i32(&w, 0);
    wb_uvarint(&w, 4); /* three replicas */
    wb_i32(&w, 1);
    wb_i32(&w, 2);
    wb_i32(&w, 3);
    wb_uvarint(&w, 0);
    wb_i32(&w, 1);
    wb_uvarint(&w, 0); /* null replicas: a cancel */
    wb_uvarint(&w, 0);
    wb_uvarint(&w, 0);
    wb_cmpstr(&w, "b", 1);
    wb_uvarint(&w, 2); /* one partition */
    wb_i32(&w, 7);
    wb_uvarint(&w, 1); /* no replicas */
    wb_uvarint(&w, 0);
    wb_uvarint(&w, 0);
    wb_uvarint(&w, 0);

    uint8_t *c = dup_bytes(w.data, w.len);
    CHECK_EQ(parse_topics(c, w.len), 3);
    free(c);
    int accepted = 0;
    for (size_t l = 0; l < w.len; l++) {
        c = dup_bytes(w.data, l);
        if (parse_topics(c, l) != -1) {
            fprintf(stderr, "prefix %zu/%zu accepted\n", l, w.len);
            accepted++;
        }
        free(c);
    }
    CHECK_EQ(accepted, 0);

    /* each count one larger than the elements that follow: refused */
    static const size_t count_at[] = {0, 7, 12, 35, 40};
    for (size_t i = 0; i < sizeof(count_at) / sizeof(count_at[0]); i++) {
        c = dup_bytes(w.data, w.len);
        c[count_at[i]]++;
        CHECK_EQ(parse_topics(c, w.len), -1);
        free(c);
    }
    wb_free(&w);
}

int main(void) {
    test_counts();
    test_truncation();
    return unit_report("test_buf");
}
