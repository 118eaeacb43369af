/* segment.h -- one log segment: <base>.log + <base>.index + <base>.timeindex.
 *
 * The .log file holds magic-2 record batches back to back, exactly as Kafka
 * writes them. The two index files are Kafka's sparse indexes (big-endian):
 *   .index      8-byte entries  (relative offset int32, file position int32)
 *   .timeindex 12-byte entries  (timestamp int64, relative offset int32)
 * An index entry is added for a batch when more than index.interval.bytes
 * were written since the last indexed batch started; the offset recorded is
 * the batch's last offset (as Kafka's recovery and kafka-dump-log expect).
 *
 * The active segment's indexes are pre-allocated to segment.index.bytes and
 * mapped read/write; when the segment stops being active (roll, close) they
 * are trimmed to their real size and mapped read-only. A clean file therefore
 * never has zero padding: a padded, unaligned or non-monotonic index file is
 * "corrupt" and is rebuilt from the .log. Indexes of inactive segments are
 * mapped lazily on first use.
 *
 * The active .log has disk blocks reserved ahead of its end with
 * fallocate(FALLOC_FL_KEEP_SIZE), in steps that grow with the segment (1 to
 * 16 MiB): the file's size stays the data's size, and appends skip the
 * filesystem's per-block delayed-allocation work. The reserve is given back
 * when the segment stops being active or is closed, and at start-up for a
 * segment a crash left with one.
 */
#ifndef KAFKA_SEGMENT_H
#define KAFKA_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#define BATCH_HDR 61          /* RecordBatch header size (RECORD_BATCH_OVERHEAD) */
#define SEG_NAME_MAX 4096

typedef struct seg_index {
    uint8_t *map;             /* mapping of the file, NULL when not mapped */
    size_t map_len;           /* bytes mapped (pre-allocated size when rw) */
    int32_t n;                /* entries in use */
    int32_t max;              /* capacity in entries (map_len / entry size) */
    int rw;                   /* mapped writable (active segment) */
} seg_index;

typedef struct segment {
    int64_t base;             /* base offset = file name */
    char *path;               /* "<dir>/<20-digit base>" without extension */
    int fd;                   /* .log, read/write */
    int64_t size;             /* bytes of valid batches in .log */
    int64_t reserved_end;     /* .log blocks reserved beyond size up to here */
    seg_index idx, tidx;      /* .index / .timeindex */
    int loaded;               /* indexes mapped and validated */
    int64_t bytes_since_index;/* bytes since the last indexed batch started */
    int64_t max_ts;           /* largest batch MaxTimestamp seen, -1 unknown */
    int64_t max_ts_offset;    /* last offset of that batch */
    int64_t rolling_ts;       /* MaxTimestamp of the first batch, -1 unknown */
    int64_t created_ms;       /* wall clock when this object was created */
} segment;

/* Scanner over the batches of one segment file: a small pread window, so
 * headers cost one syscall per few KiB. Every batch it yields has passed the
 * structural checks (length, magic 2, offsets increasing and within the
 * segment's relative-offset range); with verify set also the CRC-32C. */
typedef struct seg_scan {
    segment *s;
    int64_t pos, next;        /* position of the current / next batch */
    int64_t end;              /* stop here (normally s->size) */
    int64_t prev_last;        /* last offset of the previous batch */
    int verify;               /* check CRC-32C */
    const uint8_t *hdr;       /* current batch header (BATCH_HDR bytes) */
    uint8_t hdr_copy[BATCH_HDR];
    int64_t bsize;            /* current batch total size */
    int64_t first, last, max_ts; /* current batch offsets and MaxTimestamp */
    int err;                  /* after the end: 0 clean, 1 invalid/torn, -1 I/O */
    const char *why;          /* reason when err == 1 */
    uint8_t *buf;             /* window */
    size_t cap, blen;
    int64_t bpos;
} seg_scan;

void seg_name(char *out, size_t cap, const char *dir, int64_t base, const char *ext);

/* Creates a fresh segment (existing files of that name are replaced), with
 * indexes pre-allocated to index_bytes. NULL with errno on failure. */
segment *seg_create(const char *dir, int64_t base, int32_t index_bytes, int64_t now_ms);
/* Opens an existing .log; indexes are not touched yet. */
segment *seg_open(const char *dir, int64_t base, int64_t now_ms);
/* Unmaps, closes, frees. Call seg_make_inactive first to keep the files tidy. */
void seg_close(segment *s);
/* Closes and unlinks the .log, .index, .timeindex (and a .txnindex if any). */
int seg_delete(segment *s);

/* Maps and validates the indexes (rw: pre-allocated for appends). limit is
 * the first offset not in this segment (next segment's base or the log end
 * offset). Corrupt or missing indexes are rebuilt from the .log. */
int seg_load(segment *s, int rw, int32_t index_bytes, int32_t interval, int64_t limit);
/* Rebuilds both indexes from the .log (verify: check CRCs too) and returns
 * the number of leading valid bytes (the caller may truncate there), or -1. */
int64_t seg_rebuild(segment *s, int rw, int32_t index_bytes, int32_t interval, int verify,
                    int64_t *next_offset, const char **why);
/* Truncates the .log to size bytes (a batch boundary; the caller makes sure
 * the indexes hold nothing beyond it, e.g. right after seg_rebuild). */
int seg_truncate(segment *s, int64_t size);
/* Re-derives the in-memory append state of a loaded segment (largest
 * timestamp, first batch's timestamp, bytes since the last index entry) from
 * its indexes and the batch headers after the last index entry, and sets
 * *next_offset to the last batch's last offset + 1 (base if empty). Returns
 * 0, 1 if a batch there is invalid (*bad_pos and *why say where and why), or
 * -1 on I/O error. */
int seg_load_tail(segment *s, int64_t *next_offset, int64_t *bad_pos, const char **why);
/* Truncation (Kafka's LogSegment.truncateTo) of a segment loaded writable:
 * drops the index entries at or after file position pos (.index) and offset
 * end_offset (.timeindex), then cuts the .log at pos (a batch boundary) and
 * re-derives the append state. Returns 0 or -1. */
int seg_cut(segment *s, int64_t pos, int64_t end_offset);
/* Final time index entry, indexes trimmed and mapped read-only. */
int seg_make_inactive(segment *s);
/* Re-maps the writable indexes with a new capacity (config change). */
int seg_resize_indexes(segment *s, int32_t index_bytes);

/* Appends whole batches (already given their offsets) and indexes them. */
int seg_append(segment *s, const uint8_t *data, size_t len, int32_t interval);
/* Index bookkeeping for one batch written at pos; shared by append and rebuild. */
void seg_index_batch(segment *s, int64_t pos, int64_t size, int64_t last, int64_t max_ts,
                     int32_t interval);
int seg_idx_full(const segment *s);
int seg_flush(segment *s);

/* Offset index: position of the largest entry <= offset (0 if none). */
int64_t seg_lookup(const segment *s, int64_t offset);
/* Offset index: position of the largest entry whose position <= pos (0 if none). */
int64_t seg_lookup_pos(const segment *s, int64_t pos);
/* Time index: offset of the largest entry with timestamp <= ts (base if none). */
int64_t seg_time_lookup(const segment *s, int64_t ts);
/* Largest timestamp for retention: max_ts, or the .log mtime if unknown. */
int64_t seg_largest_ts(const segment *s);
/* Finds the first batch whose last offset >= offset. Returns 1 and leaves the
 * scanner on it, 0 if none, -1 on I/O error. */
int seg_find(segment *s, seg_scan *sc, int64_t offset);

void scan_init(seg_scan *sc, segment *s, int64_t pos, int verify);
/* Advances to the next batch: 1 = a batch is available, 0 = end (see err). */
int scan_next(seg_scan *sc);
/* Pointer to len bytes at file position pos, through the window (grows it). */
const uint8_t *scan_bytes(seg_scan *sc, int64_t pos, size_t len);
void scan_free(seg_scan *sc);

#endif
