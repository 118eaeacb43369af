/* compress.h -- the compression codecs of Kafka record batches and legacy
 * message sets (attribute bits 0-2): gzip, snappy, lz4 and zstd. Decompression
 * is tolerant of every framing real clients produce (gzip multi-member,
 * raw or xerial/snappy-java snappy, LZ4 frames with Kafka's historically
 * broken header checksum, zstd without content size) and is bounded by a
 * caller-supplied output limit so that a small request cannot expand into
 * gigabytes (decompression bomb). Compression writes what the Java client
 * reads: gzip members, xerial-framed snappy, LZ4 frames (independent 64 KiB
 * blocks, correct header checksum) and zstd frames. */
#ifndef COMMON_COMPRESS_H
#define COMMON_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum { KCODEC_NONE = 0, KCODEC_GZIP = 1, KCODEC_SNAPPY = 2, KCODEC_LZ4 = 3, KCODEC_ZSTD = 4 };

/* Appends the decompressed form of in[0..inlen) to out. Returns 0, or -1 on
 * corrupt/truncated input, an unknown codec, or when the output would exceed
 * max_out bytes. On failure out->len is restored to its value on entry.
 * KCODEC_NONE copies (subject to max_out). */
int kcodec_decompress(int codec, const uint8_t *in, size_t inlen, wbuf *out, size_t max_out);

/* Appends the compressed form of in[0..inlen) to out. Returns 0, or -1 for an
 * unknown codec or a library failure (out->len restored). */
int kcodec_compress(int codec, const uint8_t *in, size_t inlen, wbuf *out);

/* Rewrites the header-checksum byte of the LZ4 frame at p: the correct one
 * (broken == 0), or the one Kafka wrote for magic-0 message sets, hashed
 * over the magic number too (broken == 1). Returns -1 if p is not an LZ4
 * frame header. */
int kcodec_lz4_set_hc(uint8_t *p, size_t len, int broken);

/* XXH32 (used by the LZ4 frame format). */
uint32_t xxh32(const void *p, size_t len, uint32_t seed);

#endif
