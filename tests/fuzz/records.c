/* records.c -- libFuzzer target: a produce request's "records" bytes
 * (magic-2 record batches and legacy magic 0/1 message sets) through every
 * decoder of broker/common/records.c and compress.c.
 *
 * Each input is walked entry by entry (batch_iter). A magic-2 entry is
 * validated as it is and again with its CRC-32C made right (so that
 * mutations reach the records, varints, headers and codecs behind the CRC),
 * its records and headers are iterated, and it is down-converted to magic 0
 * and 1. Legacy entries get their CRC-32 made right likewise and are
 * converted to one magic-2 batch. Invariants checked (abort on violation):
 *   - a legacy set that converts gives a batch that validates;
 *   - a batch that validates down-converts, and its down-conversion
 *     converts back with the same number of records;
 *   - every codec decompresses what it compressed, byte for byte.
 * Every decompression is bounded (a decompression bomb is not a finding). */
#include <zlib.h>

#include "compress.h"
#include "crc32c.h"
#include "fuzz.h"
#include "records.h"

#define MAX_OUT (1 << 20)

static int count_record(void *arg, const record_view *r) {
    const uint8_t *h = r->headers;
    size_t hl = r->headers_len;
    kstr k, v;
    int n = 0;
    while (record_header_next(&h, &hl, &k, &v) == 1)
        n++;
    (*(int *)arg)++;
    return n > r->nheaders ? 1 : 0;
}

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "records: invariant violated: %s\n", what);
        abort();
    }
}

static int legacy_count(const uint8_t *p, size_t len) {
    wbuf v2;
    wb_init(&v2, len + 64);
    int n = -1;
    if (legacy_to_v2(p, len, 1700000000000, MAX_OUT, &v2, NULL, 0) == 0)
        n = rbh_record_count(v2.data);
    wb_free(&v2);
    return n;
}

static void magic2(const uint8_t *b, size_t blen) {
    char why[256];
    batch_validate_v2(b, blen, MAX_OUT, why, sizeof why);
    uint8_t *copy = malloc(blen);
    memcpy(copy, b, blen);
    batch_set_crc(copy, blen);
    int valid = batch_validate_v2(copy, blen, MAX_OUT, why, sizeof why) == BATCH_OK;
    int nrec = 0;
    int walked = batch_records_foreach(copy, blen, MAX_OUT, count_record, &nrec);
    if (valid) {
        check(walked == 0, "a valid batch iterates");
        check(nrec == rbh_record_count(copy), "a valid batch has record_count records");
    }
    for (int magic = 0; magic <= 1; magic++) {
        wbuf out;
        wb_init(&out, blen + 64);
        int r = batch_down_convert(copy, blen, magic, MAX_OUT, &out);
        if (valid) { /* (a valid batch is no control batch) */
            check(r == 1, "a valid batch down-converts");
            check(legacy_count(out.data, out.len) == nrec,
                  "a down-converted batch converts back with its records");
        }
        wb_free(&out);
    }
    free(copy);
}

static void legacy(const uint8_t *b, size_t blen) {
    char why[256];
    wbuf v2;
    wb_init(&v2, blen + 64);
    legacy_to_v2(b, blen, 1700000000000, MAX_OUT, &v2, why, sizeof why);
    wb_reset(&v2);
    uint8_t *copy = malloc(blen);
    memcpy(copy, b, blen);
    /* CRC-32 of the message: bytes 16.. (magic, attributes, ...) at 12 */
    be32_put(copy + 12, (uint32_t)crc32(0, copy + 16, (uInt)(blen - 16)));
    if (legacy_to_v2(copy, blen, 1700000000000, MAX_OUT, &v2, why, sizeof why) == 0)
        check(batch_validate_v2(v2.data, v2.len, MAX_OUT, why, sizeof why) == BATCH_OK,
              "a converted legacy set validates");
    wb_free(&v2);
    free(copy);
}

static void codecs(const uint8_t *data, size_t size) {
    for (int codec = KCODEC_GZIP; codec <= KCODEC_ZSTD; codec++) {
        wbuf out;
        wb_init(&out, 256);
        kcodec_decompress(codec, data, size, &out, MAX_OUT);
        wbuf z, back;
        wb_init(&z, size + 64);
        wb_init(&back, size + 64);
        if (kcodec_compress(codec, data, size, &z) == 0) {
            check(kcodec_decompress(codec, z.data, z.len, &back, size + 1) == 0 &&
                      back.len == size && (size == 0 || !memcmp(back.data, data, size)),
                  "a codec decompresses what it compressed");
        }
        wb_free(&out);
        wb_free(&z);
        wb_free(&back);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    batch_iter it;
    batch_iter_init(&it, data, size);
    const uint8_t *b;
    size_t blen;
    int magic, whole_legacy = 1;
    while (batch_iter_next(&it, &b, &blen, &magic) == 1) {
        if (magic == 2) {
            magic2(b, blen);
            whole_legacy = 0;
        } else {
            legacy(b, blen);
        }
    }
    if (whole_legacy && size > 0) {
        wbuf v2;
        wb_init(&v2, size + 64);
        legacy_to_v2(data, size, 1700000000000, MAX_OUT, &v2, NULL, 0);
        wb_free(&v2);
    }
    if (size <= 4096)
        codecs(data, size);
    return 0;
}
