/* compress.c -- Kafka compression codecs over zlib, snappy, liblz4 and
 * libzstd. Every decoder writes into the caller's wbuf in bounded steps
 * (out_room) so the max_out limit is enforced while decoding, not after the
 * damage is done; on any failure the output is rolled back. See compress.h. */
#include "compress.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK (64 * 1024)
#define XERIAL_HDR_LEN 16
#define XERIAL_BLOCK (32 * 1024) /* snappy-java's default block size */
static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

/* Reserves and returns the output space to offer a decoder next: at most
 * CHUNK, and at most one byte more than max_out allows, so that an overflow
 * is seen as out->len - start > max_out. */
static size_t out_room(wbuf *out, size_t start, size_t max_out) {
    size_t left = max_out - (out->len - start);
    size_t room = left >= CHUNK ? CHUNK : left + 1;
    wb_reserve(out, room);
    return room;
}

/* ------------------------------------------------------------------------
 * XXH32 (for the LZ4 frame header checksum)
 * ---------------------------------------------------------------------- */
#define P1 2654435761u
#define P2 2246822519u
#define P3 3266489917u
#define P4 668265263u
#define P5 374761393u

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static inline uint32_t le32_get(const uint8_t *p) {
    return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint32_t xxh_round(uint32_t acc, const uint8_t *p) {
    return rotl32(acc + le32_get(p) * P2, 13) * P1;
}

uint32_t xxh32(const void *data, size_t len, uint32_t seed) {
    const uint8_t *p = data, *end = p + len;
    uint32_t h;
    if (len >= 16) {
        uint32_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        for (; end - p >= 16; p += 16) {
            v1 = xxh_round(v1, p);
            v2 = xxh_round(v2, p + 4);
            v3 = xxh_round(v3, p + 8);
            v4 = xxh_round(v4, p + 12);
        }
        h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
    } else {
        h = seed + P5;
    }
    h += (uint32_t)len;
    for (; end - p >= 4; p += 4)
        h = rotl32(h + le32_get(p) * P3, 17) * P4;
    for (; p < end; p++)
        h = rotl32(h + *p * P5, 11) * P1;
    h ^= h >> 15;
    h *= P2;
    h ^= h >> 13;
    h *= P3;
    h ^= h >> 16;
    return h;
}

/* ------------------------------------------------------------------------
 * LZ4 frames
 * ---------------------------------------------------------------------- */
/* Length of the LZ4 frame header (magic .. HC byte) at p, or 0. */
static size_t lz4_hdr_len(const uint8_t *p, size_t len) {
    if (len < 7 || le32_get(p) != 0x184D2204u)
        return 0;
    size_t n = 7 + ((p[4] & 0x08) ? 8 : 0) + ((p[4] & 0x01) ? 4 : 0);
    return n <= len ? n : 0;
}

/* Header checksum: second byte of XXH32 over the descriptor (FLG..before HC);
 * Kafka's magic-0 writer also hashed the 4 magic bytes. */
static uint8_t lz4_hc(const uint8_t *p, size_t hlen, int broken) {
    return broken ? (uint8_t)(xxh32(p, hlen - 1, 0) >> 8) : (uint8_t)(xxh32(p + 4, hlen - 5, 0) >> 8);
}

int kcodec_lz4_set_hc(uint8_t *p, size_t len, int broken) {
    size_t hlen = lz4_hdr_len(p, len);
    if (!hlen)
        return -1;
    p[hlen - 1] = lz4_hc(p, hlen, broken);
    return 0;
}

/* Feeds src to the decoder until it is consumed and all output is out. */
static int lz4_feed(LZ4F_dctx *d, const uint8_t *src, size_t n, wbuf *out, size_t start,
                    size_t max_out, size_t *hint) {
    size_t pos = 0;
    for (;;) {
        size_t room = out_room(out, start, max_out), dsz = room, ssz = n - pos;
        size_t r = LZ4F_decompress(d, out->data + out->len, &dsz, src + pos, &ssz, NULL);
        if (LZ4F_isError(r))
            return -1;
        pos += ssz;
        out->len += dsz;
        *hint = r;
        if (out->len - start > max_out || (ssz == 0 && dsz == 0 && pos < n))
            return -1;
        if (pos == n && (r == 0 || dsz < room)) /* 0: frame done and flushed */
            return 0;
    }
}

static int lz4_decompress(const uint8_t *in, size_t inlen, wbuf *out, size_t start, size_t max_out) {
    LZ4F_dctx *d;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return -1;
    size_t hint = 1, hlen = lz4_hdr_len(in, inlen), pos = 0;
    int rc = 0;
    /* Accept Kafka's broken magic-0 header checksum by feeding a corrected
     * copy of the header first. Any other wrong HC is left for LZ4F to
     * reject. */
    if (hlen && in[hlen - 1] != lz4_hc(in, hlen, 0) && in[hlen - 1] == lz4_hc(in, hlen, 1)) {
        uint8_t hdr[19];
        memcpy(hdr, in, hlen);
        hdr[hlen - 1] = lz4_hc(in, hlen, 0);
        rc = lz4_feed(d, hdr, hlen, out, start, max_out, &hint);
        pos = hlen;
    }
    if (rc == 0)
        rc = lz4_feed(d, in + pos, inlen - pos, out, start, max_out, &hint);
    LZ4F_freeDecompressionContext(d);
    return rc == 0 && hint == 0 ? 0 : -1; /* hint != 0: frame incomplete */
}

static int lz4_compress(const uint8_t *in, size_t inlen, wbuf *out) {
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    size_t bound = LZ4F_compressFrameBound(inlen, &prefs);
    wb_reserve(out, bound);
    size_t n = LZ4F_compressFrame(out->data + out->len, bound, in, inlen, &prefs);
    if (LZ4F_isError(n))
        return -1;
    out->len += n;
    return 0;
}

/* ------------------------------------------------------------------------
 * gzip
 * ---------------------------------------------------------------------- */
static int gzip_decompress(const uint8_t *in, size_t inlen, wbuf *out, size_t start, size_t max_out) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inlen > UINT32_MAX || inflateInit2(&zs, 15 + 32) != Z_OK) /* gzip or zlib header */
        return -1;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)inlen;
    int rc = -1;
    for (;;) {
        size_t room = out_room(out, start, max_out);
        zs.next_out = out->data + out->len;
        zs.avail_out = (uInt)room;
        int r = inflate(&zs, Z_NO_FLUSH);
        out->len += room - zs.avail_out;
        if (out->len - start > max_out)
            break;
        if (r == Z_STREAM_END) {
            if (zs.avail_in == 0) {
                rc = 0;
                break;
            }
            /* Concatenated members are one stream; anything else is junk. */
            if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b || inflateReset(&zs) != Z_OK)
                break;
        } else if (r != Z_OK) {
            break; /* includes Z_BUF_ERROR: input ended mid-stream */
        }
    }
    inflateEnd(&zs);
    return rc;
}

static int gzip_compress(const uint8_t *in, size_t inlen, wbuf *out) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inlen > UINT32_MAX / 2 ||
        deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t bound = deflateBound(&zs, (uLong)inlen) + 32;
    wb_reserve(out, bound);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)inlen;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt)bound;
    int r = deflate(&zs, Z_FINISH);
    if (r == Z_STREAM_END)
        out->len += bound - zs.avail_out;
    deflateEnd(&zs);
    return r == Z_STREAM_END ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * snappy: raw (librdkafka) or xerial framing (snappy-java, Java clients):
 * 8-byte magic, int32 version, int32 compatible version, then blocks of
 * int32 length + raw snappy data.
 * ---------------------------------------------------------------------- */
static int snappy_block(const uint8_t *in, size_t inlen, wbuf *out, size_t start, size_t max_out) {
    size_t n;
    if (snappy_uncompressed_length((const char *)in, inlen, &n) != SNAPPY_OK ||
        n > max_out - (out->len - start))
        return -1;
    wb_reserve(out, n + 1);
    if (snappy_uncompress((const char *)in, inlen, (char *)out->data + out->len, &n) != SNAPPY_OK)
        return -1;
    out->len += n;
    return 0;
}

static int snappy_decompress(const uint8_t *in, size_t inlen, wbuf *out, size_t start, size_t max_out) {
    if (inlen < XERIAL_HDR_LEN || memcmp(in, xerial_magic, sizeof xerial_magic) != 0)
        return snappy_block(in, inlen, out, start, max_out);
    for (size_t pos = XERIAL_HDR_LEN; pos < inlen;) {
        if (inlen - pos < 4)
            return -1;
        size_t n = be32_get(in + pos);
        pos += 4;
        if (n > inlen - pos || snappy_block(in + pos, n, out, start, max_out) != 0)
            return -1;
        pos += n;
    }
    return 0;
}

static int snappy_compress_xerial(const uint8_t *in, size_t inlen, wbuf *out) {
    wb_write(out, xerial_magic, sizeof xerial_magic);
    wb_i32(out, 1); /* version */
    wb_i32(out, 1); /* minimum compatible version */
    for (size_t pos = 0; pos < inlen; pos += XERIAL_BLOCK) {
        size_t n = inlen - pos < XERIAL_BLOCK ? inlen - pos : XERIAL_BLOCK;
        size_t clen = snappy_max_compressed_length(n);
        size_t at = wb_i32(out, 0);
        wb_reserve(out, clen);
        if (snappy_compress((const char *)in + pos, n, (char *)out->data + out->len, &clen) != SNAPPY_OK)
            return -1;
        out->len += clen;
        wb_put_i32(out, at, (int32_t)clen);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * zstd
 * ---------------------------------------------------------------------- */
static int zstd_decompress(const uint8_t *in, size_t inlen, wbuf *out, size_t start, size_t max_out) {
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return -1;
    ZSTD_inBuffer ib = {in, inlen, 0};
    size_t r = 1;
    int rc = -1;
    for (;;) {
        size_t room = out_room(out, start, max_out);
        ZSTD_outBuffer ob = {out->data + out->len, room, 0};
        r = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(r))
            break;
        out->len += ob.pos;
        if (out->len - start > max_out)
            break;
        if (ib.pos == ib.size && (r == 0 || ob.pos < room)) { /* 0: frame done and flushed */
            rc = r == 0 ? 0 : -1;                              /* else: frame incomplete */
            break;
        }
    }
    ZSTD_freeDCtx(d);
    return rc;
}

static int zstd_compress(const uint8_t *in, size_t inlen, wbuf *out) {
    size_t bound = ZSTD_compressBound(inlen);
    wb_reserve(out, bound);
    size_t n = ZSTD_compress(out->data + out->len, bound, in, inlen, ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(n))
        return -1;
    out->len += n;
    return 0;
}

/* ------------------------------------------------------------------------ */
int kcodec_decompress(int codec, const uint8_t *in, size_t inlen, wbuf *out, size_t max_out) {
    size_t start = out->len;
    int rc = -1;
    switch (codec) {
    case KCODEC_NONE:
        if (inlen <= max_out) {
            wb_write(out, in, inlen);
            rc = 0;
        }
        break;
    case KCODEC_GZIP: rc = gzip_decompress(in, inlen, out, start, max_out); break;
    case KCODEC_SNAPPY: rc = snappy_decompress(in, inlen, out, start, max_out); break;
    case KCODEC_LZ4: rc = lz4_decompress(in, inlen, out, start, max_out); break;
    case KCODEC_ZSTD: rc = zstd_decompress(in, inlen, out, start, max_out); break;
    }
    if (rc != 0)
        out->len = start;
    return rc;
}

int kcodec_compress(int codec, const uint8_t *in, size_t inlen, wbuf *out) {
    size_t start = out->len;
    int rc = -1;
    switch (codec) {
    case KCODEC_NONE:
        wb_write(out, in, inlen);
        rc = 0;
        break;
    case KCODEC_GZIP: rc = gzip_compress(in, inlen, out); break;
    case KCODEC_SNAPPY: rc = snappy_compress_xerial(in, inlen, out); break;
    case KCODEC_LZ4: rc = lz4_compress(in, inlen, out); break;
    case KCODEC_ZSTD: rc = zstd_compress(in, inlen, out); break;
    }
    if (rc != 0)
        out->len = start;
    return rc;
}
