/* test_crc32c.c -- crc32c() (the hardware path with its three joined lanes
 * on x86-64 machines with SSE4.2) against a bit-at-a-time reference: the
 * standard check value, every length up to past two rounds of lanes at
 * several alignments, and continuation across arbitrary split points. */
#include "unit.h"

static uint32_t crc_reference(uint32_t crc, const uint8_t *p, size_t len) {
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
    }
    return ~crc;
}

int main(void) {
    CHECK_EQ(crc32c(0, "123456789", 9), 0xe3069283u);
    CHECK_EQ(crc32c(0, "", 0), 0u);

    enum { N = 3 * 2048 * 2 + 300 };
    static uint8_t buf[N + 16];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    int mismatches = 0;
    for (size_t align = 0; align < 8; align += 3)
        for (size_t len = 0; len <= N; len += len < 64 ? 1 : 61)
            mismatches += crc32c(0, buf + align, len) != crc_reference(0, buf + align, len);
    for (size_t len = 3 * 2048 - 2; len <= 3 * 2048 + 2; len++) /* one round, exactly */
        mismatches += crc32c(0, buf + 1, len) != crc_reference(0, buf + 1, len);
    CHECK_EQ(mismatches, 0);

    int split_mismatches = 0;
    uint32_t whole = crc_reference(0, buf, N);
    for (size_t cut = 0; cut <= N; cut += 997)
        split_mismatches += crc32c(crc32c(0, buf, cut), buf + cut, N - cut) != whole;
    CHECK_EQ(split_mismatches, 0);

    /* a record batch's CRC covers from attributes on: changing one byte
     * anywhere changes it */
    uint32_t before = crc32c(0, buf, N);
    buf[N / 2] ^= 1;
    CHECK(crc32c(0, buf, N) != before);
    return unit_report("test_crc32c");
}
