/* records.h -- Kafka record batches (magic 2) and legacy message sets
 * (magic 0/1): header accessors, framing of a produce "records" field into
 * entries, validation of client batches the way Kafka's LogValidator does,
 * conversion of legacy message sets into one magic-2 batch, record iteration
 * (with decompression) for tools, and builders for tests and tools.
 * All parsing is bounds-checked; nothing here trusts a length field. */
#ifndef COMMON_RECORDS_H
#define COMMON_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compress.h"

/* ------------------------------------------------------------------------
 * Magic-2 batch header (DefaultRecordBatch): field offsets and accessors
 * ---------------------------------------------------------------------- */
#define RB_HEADER_SIZE 61
#define RB_LOG_OVERHEAD 12 /* BaseOffset + Length: bytes not counted by Length */

enum {
    RBH_BASE_OFFSET = 0,
    RBH_LENGTH = 8,
    RBH_LEADER_EPOCH = 12,
    RBH_MAGIC = 16,
    RBH_CRC = 17,
    RBH_ATTRIBUTES = 21, /* the CRC covers from here to the end */
    RBH_LAST_OFFSET_DELTA = 23,
    RBH_FIRST_TIMESTAMP = 27,
    RBH_MAX_TIMESTAMP = 35,
    RBH_PRODUCER_ID = 43,
    RBH_PRODUCER_EPOCH = 51,
    RBH_BASE_SEQUENCE = 53,
    RBH_RECORD_COUNT = 57,
};

#define BATCH_ATTR_CODEC_MASK 0x07
#define BATCH_ATTR_LOG_APPEND_TIME 0x08
#define BATCH_ATTR_TRANSACTIONAL 0x10
#define BATCH_ATTR_CONTROL 0x20
#define BATCH_ATTR_DELETE_HORIZON 0x40

/* Caller guarantees at least RB_HEADER_SIZE bytes. */
static inline int64_t rbh_base_offset(const uint8_t *p) { return (int64_t)be64_get(p + RBH_BASE_OFFSET); }
static inline int32_t rbh_length(const uint8_t *p) { return (int32_t)be32_get(p + RBH_LENGTH); }
static inline int32_t rbh_leader_epoch(const uint8_t *p) { return (int32_t)be32_get(p + RBH_LEADER_EPOCH); }
static inline int8_t rbh_magic(const uint8_t *p) { return (int8_t)p[RBH_MAGIC]; }
static inline uint32_t rbh_crc(const uint8_t *p) { return be32_get(p + RBH_CRC); }
static inline int16_t rbh_attributes(const uint8_t *p) { return (int16_t)be16_get(p + RBH_ATTRIBUTES); }
static inline int rbh_codec(const uint8_t *p) { return rbh_attributes(p) & BATCH_ATTR_CODEC_MASK; }
static inline int32_t rbh_last_offset_delta(const uint8_t *p) { return (int32_t)be32_get(p + RBH_LAST_OFFSET_DELTA); }
static inline int64_t rbh_first_timestamp(const uint8_t *p) { return (int64_t)be64_get(p + RBH_FIRST_TIMESTAMP); }
static inline int64_t rbh_max_timestamp(const uint8_t *p) { return (int64_t)be64_get(p + RBH_MAX_TIMESTAMP); }
static inline int64_t rbh_producer_id(const uint8_t *p) { return (int64_t)be64_get(p + RBH_PRODUCER_ID); }
static inline int16_t rbh_producer_epoch(const uint8_t *p) { return (int16_t)be16_get(p + RBH_PRODUCER_EPOCH); }
static inline int32_t rbh_base_sequence(const uint8_t *p) { return (int32_t)be32_get(p + RBH_BASE_SEQUENCE); }
static inline int32_t rbh_record_count(const uint8_t *p) { return (int32_t)be32_get(p + RBH_RECORD_COUNT); }
static inline int64_t rbh_last_offset(const uint8_t *p) { /* no signed overflow on hostile input */
    return (int64_t)((uint64_t)rbh_base_offset(p) + (uint64_t)(int64_t)rbh_last_offset_delta(p));
}

/* Fields outside the CRC: the broker rewrites them freely. */
static inline void rbh_set_base_offset(uint8_t *p, int64_t v) { be64_put(p + RBH_BASE_OFFSET, (uint64_t)v); }
static inline void rbh_set_leader_epoch(uint8_t *p, int32_t v) { be32_put(p + RBH_LEADER_EPOCH, (uint32_t)v); }

/* CRC-32C over bytes 21..len; batch_set_crc stores it (after the broker
 * changes a covered field, e.g. MaxTimestamp/attributes for LogAppendTime). */
uint32_t batch_crc(const uint8_t *p, size_t len);
void batch_set_crc(uint8_t *p, size_t len);

/* ------------------------------------------------------------------------
 * Framing: a produce request's "records" for one partition is a sequence of
 * entries, each `BaseOffset/Offset int64, Length/MessageSize int32, ...`
 * with the magic byte at offset 16 for every format.
 * ---------------------------------------------------------------------- */
typedef struct batch_iter {
    const uint8_t *p;
    size_t len, off;
} batch_iter;

static inline void batch_iter_init(batch_iter *it, const uint8_t *p, size_t len) {
    it->p = p;
    it->len = len;
    it->off = 0;
}
/* Returns 1 and the next whole entry (12 + Length bytes) with its magic,
 * 0 at a clean end, -1 on a truncated entry, an unknown magic (> 2) or a
 * Length below the minimum for its magic (v0 14, v1 22, v2 49). */
int batch_iter_next(batch_iter *it, const uint8_t **batch, size_t *blen, int *magic);

/* ------------------------------------------------------------------------
 * Validation of one magic-2 batch from a client (LogValidator semantics)
 * ---------------------------------------------------------------------- */
enum {
    BATCH_OK = 0,
    BATCH_ERR_CORRUPT = -1,        /* Kafka CORRUPT_MESSAGE (2) */
    BATCH_ERR_INVALID_RECORD = -2, /* Kafka INVALID_RECORD (87) */
};

/* Validates the batch of exactly len bytes. BATCH_ERR_CORRUPT: shorter than
 * the header, Length != len - 12, magic != 2, CRC mismatch, unknown codec,
 * or compressed records that fail to decompress within max_decompressed
 * bytes. BATCH_ERR_INVALID_RECORD (as Kafka's InvalidRecordException):
 * record count <= 0 or != lastOffsetDelta + 1, control batch, producer id
 * >= 0 with base sequence < 0, records that do not parse, a record count
 * that does not match the records, or bytes left after the last record.
 * why (may be NULL) receives a reason. */
int batch_validate_v2(const uint8_t *p, size_t len, size_t max_decompressed, char *why, size_t whylen);

/* ------------------------------------------------------------------------
 * Building
 * ---------------------------------------------------------------------- */
typedef struct kheader {
    const char *key;
    int key_len;
    const void *value;
    int32_t value_len; /* -1: null */
} kheader;

typedef struct batch_record {
    const void *key;
    int32_t key_len; /* -1: null */
    const void *value;
    int32_t value_len; /* -1: null */
    int64_t timestamp;
    int nheaders;
    const kheader *headers;
} batch_record;

/* Appends one magic-2 batch: offset deltas 0..n-1, timestamp deltas against
 * first_ts, CreateTime, leader epoch -1. Falls back to no compression if the
 * codec fails. */
void batch_build_v2(wbuf *out, int64_t base_offset, int64_t first_ts, const batch_record *recs, int n,
                    int codec, int64_t producer_id, int16_t producer_epoch, int32_t base_seq);

/* Appends a legacy message set (magic 0 or 1, codec 0-3): one entry per
 * record, or one compressed wrapper (offset n-1; magic 1 inner offsets
 * relative 0..n-1). LZ4 with magic 0 gets Kafka's broken header checksum.
 * Headers are ignored; timestamps are used for magic 1 only. */
void legacy_build(wbuf *out, int magic, int codec, const batch_record *recs, int n);

/* Converts a whole legacy message set (one or more magic 0/1 entries, all of
 * the same magic, possibly compressed wrappers) into ONE uncompressed
 * magic-2 batch appended to out: base offset 0, producer id/epoch/sequence
 * -1, leader epoch -1, CreateTime; record timestamps: magic 1 its own, or
 * now_ms if the message (or its wrapper) says LogAppendTime; magic 0 -1.
 * Returns 0, BATCH_ERR_CORRUPT (truncation, bad CRC-32, bad sizes, failed
 * decompression, zstd) or BATCH_ERR_INVALID_RECORD (mixed magic, nested
 * compression, no messages). out is unchanged on failure. */
int legacy_to_v2(const uint8_t *p, size_t len, int64_t now_ms, size_t max_decompressed, wbuf *out,
                 char *why, size_t whylen);

/* Down-conversion for old fetchers (Kafka's Fetch v0-1 -> magic 0, v2-3 ->
 * magic 1): every record of the magic-2 batches in p becomes one
 * uncompressed legacy message with its own offset (timestamps kept for
 * magic 1; headers, which legacy messages cannot carry, dropped; control
 * batches skipped). Legacy entries are copied. Returns the number of batches
 * converted, or -1 on a malformed batch. */
int batch_down_convert(const uint8_t *p, size_t len, int magic, size_t max_decompressed, wbuf *out);

/* ------------------------------------------------------------------------
 * Record iteration
 * ---------------------------------------------------------------------- */
typedef struct record_view {
    int64_t offset, timestamp; /* absolute; LogAppendTime batches: MaxTimestamp */
    kstr key, value;           /* len -1: null */
    int nheaders;
    const uint8_t *headers; /* nheaders encoded headers, see record_header_next */
    size_t headers_len;
} record_view;

/* Calls cb for every record of a magic-2 batch (decompressing if needed;
 * the CRC is not checked: use batch_validate_v2). Returns 0, a BATCH_ERR_*
 * code, or the first nonzero value returned by cb (which stops the walk). */
int batch_records_foreach(const uint8_t *batch, size_t len, size_t max_decompressed,
                          int (*cb)(void *arg, const record_view *r), void *arg);

/* Parses the header at *p (*len bytes left) and advances past it. Returns 1,
 * 0 when *len is 0, -1 if malformed. key is never null; value may be. */
int record_header_next(const uint8_t **p, size_t *len, kstr *key, kstr *value);

#endif
