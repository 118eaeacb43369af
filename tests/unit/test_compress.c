/* test_compress.c -- unit tests for the Kafka compression codecs
 * (broker/common/compress.c): round trips for every codec over empty, small,
 * random and compressible inputs; corrupt, truncated and garbage input fails
 * cleanly; the max_out (decompression bomb) limit; raw and xerial snappy;
 * gzip multi-member; LZ4 frames with Kafka's broken header checksum. */
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"

static int checks, failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

static const char *names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static uint8_t *random_bytes(size_t n) {
    uint8_t *p = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
    return p;
}

static uint8_t *text_bytes(size_t n) {
    static const char *words[] = {"kafka ", "broker ", "partition ", "offset ", "record ", "batch "};
    uint8_t *p = malloc(n + 1);
    for (size_t i = 0; i < n;) {
        const char *w = words[rnd() % 6];
        for (; *w && i < n; w++)
            p[i++] = (uint8_t)*w;
    }
    return p;
}

/* Compress + decompress, checking the output is appended after a prefix. */
static void round_trip(int codec, const uint8_t *in, size_t n) {
    wbuf z, out;
    wb_init(&z, 0);
    wb_init(&out, 0);
    CHECK(kcodec_compress(codec, in, n, &z) == 0);
    wb_write(&out, "pre", 3);
    int rc = kcodec_decompress(codec, z.data, z.len, &out, n);
    CHECK(rc == 0);
    CHECK(out.len == n + 3 && memcmp(out.data, "pre", 3) == 0 && (n == 0 || memcmp(out.data + 3, in, n) == 0));
    if (rc != 0 || out.len != n + 3)
        fprintf(stderr, "  codec %s, %zu bytes -> %zu compressed\n", names[codec], n, z.len);
    if (n > 0) { /* one byte short of the limit must fail and roll back */
        CHECK(kcodec_decompress(codec, z.data, z.len, &out, n - 1) == -1);
        CHECK(out.len == n + 3);
    }
    wb_free(&z);
    wb_free(&out);
}

static void test_round_trips(void) {
    size_t big = 1 << 20;
    uint8_t *rb = random_bytes(big), *tb = text_bytes(big);
    for (int c = KCODEC_NONE; c <= KCODEC_ZSTD; c++) {
        round_trip(c, (const uint8_t *)"", 0);
        round_trip(c, (const uint8_t *)"hello, kafka", 12);
        round_trip(c, rb, big);
        round_trip(c, tb, big);
        round_trip(c, tb, 100000); /* not a multiple of any block size */
    }
    free(rb);
    free(tb);
}

/* Truncation at every length (small input) or many lengths (large input)
 * must fail -- except xerial snappy, which has no end marker: cut at a block
 * boundary it yields a shorter stream, never the original. */
static void test_truncation(void) {
    uint8_t *tb = text_bytes(300000);
    size_t sizes[] = {50, 300000};
    for (int c = KCODEC_GZIP; c <= KCODEC_ZSTD; c++) {
        for (int s = 0; s < 2; s++) {
            wbuf z, out;
            wb_init(&z, 0);
            wb_init(&out, 0);
            kcodec_compress(c, tb, sizes[s], &z);
            size_t step = z.len > 4000 ? 97 : 1;
            int bad = 0;
            for (size_t k = 0; k < z.len; k += step) {
                wb_reset(&out);
                int rc = kcodec_decompress(c, z.data, k, &out, sizes[s]);
                if (c == KCODEC_SNAPPY ? (rc == 0 && out.len == sizes[s]) : rc != -1)
                    bad++;
                if (rc != 0)
                    CHECK(out.len == 0);
            }
            CHECK(bad == 0);
            if (bad)
                fprintf(stderr, "  %s: %d truncations accepted\n", names[c], bad);
            wb_free(&z);
            wb_free(&out);
        }
    }
    free(tb);
}

/* Byte flips must never crash (ASan) and never exceed max_out; garbage and
 * empty inputs fail. */
static void test_corrupt(void) {
    uint8_t *tb = text_bytes(5000);
    uint8_t *junk = random_bytes(4096);
    for (int c = KCODEC_GZIP; c <= KCODEC_ZSTD; c++) {
        wbuf z, out;
        wb_init(&z, 0);
        wb_init(&out, 0);
        kcodec_compress(c, tb, 5000, &z);
        int failed = 0;
        for (size_t i = 0; i < z.len; i++) {
            for (int v = 0; v < 2; v++) {
                uint8_t save = z.data[i];
                z.data[i] = v ? (uint8_t)(save ^ 0xff) : (uint8_t)(save + 1);
                wb_reset(&out);
                int rc = kcodec_decompress(c, z.data, z.len, &out, 6000);
                CHECK(rc == 0 ? out.len <= 6000 : out.len == 0);
                failed += rc != 0;
                z.data[i] = save;
            }
        }
        CHECK(failed > 0);
        wb_reset(&out);
        CHECK(kcodec_decompress(c, junk, 4096, &out, 1 << 20) == -1);
        CHECK(kcodec_decompress(c, junk, 0, &out, 1 << 20) == -1 || c == KCODEC_SNAPPY);
        CHECK(out.len == 0);
        wb_free(&z);
        wb_free(&out);
    }
    /* gzip and zstd carry checksums: any flip in the payload must fail. */
    wbuf z, out;
    wb_init(&z, 0);
    wb_init(&out, 0);
    kcodec_compress(KCODEC_GZIP, tb, 5000, &z);
    int accepted = 0;
    for (size_t i = 10; i < z.len; i++) {
        z.data[i] ^= 0x01;
        wb_reset(&out);
        accepted += kcodec_decompress(KCODEC_GZIP, z.data, z.len, &out, 6000) == 0;
        z.data[i] ^= 0x01;
    }
    CHECK(accepted == 0);
    wb_free(&z);
    wb_free(&out);
    CHECK(kcodec_decompress(99, (const uint8_t *)"x", 1, &out, 10) == -1);
    CHECK(kcodec_compress(99, (const uint8_t *)"x", 1, &out) == -1 && out.len == 0);
    free(tb);
    free(junk);
}

/* A 64 MiB run of zeros compresses to almost nothing; with a 1 MiB limit the
 * decoders must stop early. */
static void test_bomb(void) {
    size_t n = 64u << 20;
    uint8_t *zeros = calloc(1, n);
    for (int c = KCODEC_GZIP; c <= KCODEC_ZSTD; c++) {
        wbuf z, out;
        wb_init(&z, 0);
        wb_init(&out, 0);
        CHECK(kcodec_compress(c, zeros, n, &z) == 0);
        CHECK(kcodec_decompress(c, z.data, z.len, &out, 1 << 20) == -1);
        CHECK(out.len == 0 && out.cap <= (4u << 20));
        CHECK(kcodec_decompress(c, z.data, z.len, &out, n) == 0 && out.len == n);
        wb_free(&z);
        wb_free(&out);
    }
    free(zeros);
}

static void test_snappy_framings(void) {
    uint8_t *tb = text_bytes(200000);
    wbuf z, out;
    wb_init(&z, 0);
    wb_init(&out, 0);
    /* raw snappy, as librdkafka writes it */
    size_t clen = snappy_max_compressed_length(200000);
    wb_reserve(&z, clen);
    CHECK(snappy_compress((const char *)tb, 200000, (char *)z.data, &clen) == SNAPPY_OK);
    z.len = clen;
    CHECK(kcodec_decompress(KCODEC_SNAPPY, z.data, z.len, &out, 200000) == 0);
    CHECK(out.len == 200000 && memcmp(out.data, tb, 200000) == 0);
    /* xerial framing, as kcodec_compress (and snappy-java) writes it */
    wb_reset(&z);
    wb_reset(&out);
    kcodec_compress(KCODEC_SNAPPY, tb, 200000, &z);
    CHECK(z.len > 16 && memcmp(z.data, "\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16) == 0);
    CHECK(kcodec_decompress(KCODEC_SNAPPY, z.data, z.len, &out, 200000) == 0);
    CHECK(out.len == 200000 && memcmp(out.data, tb, 200000) == 0);
    /* a block length pointing past the end */
    be32_put(z.data + 16, 0x7fffffff);
    wb_reset(&out);
    CHECK(kcodec_decompress(KCODEC_SNAPPY, z.data, z.len, &out, 200000) == -1);
    wb_free(&z);
    wb_free(&out);
    free(tb);
}

static void test_gzip_members(void) {
    wbuf z, out;
    wb_init(&z, 0);
    wb_init(&out, 0);
    kcodec_compress(KCODEC_GZIP, (const uint8_t *)"first,", 6, &z);
    kcodec_compress(KCODEC_GZIP, (const uint8_t *)"second", 6, &z);
    CHECK(kcodec_decompress(KCODEC_GZIP, z.data, z.len, &out, 100) == 0);
    CHECK(out.len == 12 && memcmp(out.data, "first,second", 12) == 0);
    wb_write(&z, "junk", 4); /* trailing garbage is rejected */
    wb_reset(&out);
    CHECK(kcodec_decompress(KCODEC_GZIP, z.data, z.len, &out, 100) == -1);
    wb_free(&z);
    wb_free(&out);
}

static void test_lz4_header_checksum(void) {
    /* xxh32 known answers */
    CHECK(xxh32("", 0, 0) == 0x02CC5D05u);
    uint8_t *tb = text_bytes(150000);
    wbuf z, out;
    wb_init(&z, 0);
    wb_init(&out, 0);
    kcodec_compress(KCODEC_LZ4, tb, 150000, &z);
    /* our header checksum agrees with liblz4's */
    uint8_t hc = z.data[6];
    CHECK(kcodec_lz4_set_hc(z.data, z.len, 0) == 0 && z.data[6] == hc);
    /* Kafka's magic-0 (broken) checksum is accepted */
    CHECK(kcodec_lz4_set_hc(z.data, z.len, 1) == 0 && z.data[6] != hc);
    CHECK(kcodec_decompress(KCODEC_LZ4, z.data, z.len, &out, 150000) == 0);
    CHECK(out.len == 150000 && memcmp(out.data, tb, 150000) == 0);
    /* any other value is not */
    uint8_t broken = z.data[6];
    for (int v = 0; v < 256; v++) {
        if (v == hc || v == broken)
            continue;
        z.data[6] = (uint8_t)v;
        wb_reset(&out);
        CHECK(kcodec_decompress(KCODEC_LZ4, z.data, z.len, &out, 150000) == -1);
    }
    CHECK(kcodec_lz4_set_hc((uint8_t *)"notlz4frame", 11, 0) == -1);

    /* Block checksums (XXH32 over >= 16 bytes) from liblz4 match ours. */
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentSize = 1000; /* header: 4 + 2 + 8 + 4 (dictID) + 1 */
    prefs.frameInfo.dictID = 7;
    size_t bound = LZ4F_compressFrameBound(1000, &prefs);
    uint8_t *f = malloc(bound);
    size_t flen = LZ4F_compressFrame(f, bound, tb, 1000, &prefs);
    size_t hlen = 19;
    CHECK(!LZ4F_isError(flen) && flen > hlen + 4 + 4 + 4 && (f[4] & 0x09) == 0x09);
    size_t bsz = (size_t)f[hlen] | (size_t)f[hlen + 1] << 8 | (size_t)f[hlen + 2] << 16 |
                 (size_t)(f[hlen + 3] & 0x7f) << 24;
    const uint8_t *bc = f + hlen + 4 + bsz;
    uint32_t stored = bc[0] | (uint32_t)bc[1] << 8 | (uint32_t)bc[2] << 16 | (uint32_t)bc[3] << 24;
    CHECK(bsz >= 16 && stored == xxh32(f + hlen + 4, bsz, 0));
    /* the Kafka checksum over an 18-byte header (XXH32 >= 16 path) */
    CHECK(kcodec_lz4_set_hc(f, flen, 1) == 0);
    wb_reset(&out);
    CHECK(kcodec_decompress(KCODEC_LZ4, f, flen, &out, 1000) == 0 && out.len == 1000);
    free(f);
    /* two concatenated frames are one stream */
    wb_reset(&z);
    kcodec_compress(KCODEC_LZ4, (const uint8_t *)"ab", 2, &z);
    kcodec_compress(KCODEC_LZ4, (const uint8_t *)"cd", 2, &z);
    wb_reset(&out);
    CHECK(kcodec_decompress(KCODEC_LZ4, z.data, z.len, &out, 10) == 0 && out.len == 4 &&
          memcmp(out.data, "abcd", 4) == 0);
    wb_free(&z);
    wb_free(&out);
    free(tb);
}

int main(void) {
    test_round_trips();
    test_truncation();
    test_corrupt();
    test_bomb();
    test_snappy_framings();
    test_gzip_members();
    test_lz4_header_checksum();
    printf("test_compress: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
