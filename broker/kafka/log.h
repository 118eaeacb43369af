/* log.h -- the partition log: Kafka's storage engine for one topic-partition.
 *
 * A partition directory (<log.dir>/<topic>-<partition>) holds segments named
 * by their base offset (see segment.h) plus a leader-epoch-checkpoint file.
 * The log assigns offsets on append, serves reads as file ranges (for
 * sendfile), rolls segments by size / age / full index, applies retention and
 * DeleteRecords, and on start-up recovers from a crash by re-validating every
 * batch from the recovery point on and truncating at the first bad one.
 *
 * Durability: plog_append returns once the data is in the page cache (a
 * killed process loses nothing); fsync happens per flush_interval_* and in
 * plog_flush, which also advances the recovery point. Single-threaded.
 */
#ifndef KAFKA_LOG_H
#define KAFKA_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct log_config {
    int64_t segment_bytes;          /* segment.bytes (default 1 GiB) */
    int64_t segment_ms;             /* segment.ms / log.roll.ms (default 7 days) */
    int64_t retention_ms;           /* retention.ms, -1 = unlimited */
    int64_t retention_bytes;        /* retention.bytes, -1 = unlimited */
    int32_t index_interval_bytes;   /* index.interval.bytes (4096) */
    int32_t segment_index_bytes;    /* segment.index.bytes (10 MiB) */
    int64_t flush_interval_messages;/* fsync after this many messages (INT64_MAX = never, leave to OS) */
    int64_t flush_interval_ms;      /* fsync when the oldest unflushed data is this old (INT64_MAX = never) */
    int message_timestamp_type;     /* 0 = CreateTime, 1 = LogAppendTime */
    int cleanup_delete;             /* cleanup.policy has "delete": time/size retention apply */
    int cleanup_compact;            /* cleanup.policy has "compact": plog_compact applies */
    int64_t delete_retention_ms;    /* delete.retention.ms: how long tombstones stay */
    double min_cleanable_ratio;     /* min.cleanable.ratio */
} log_config;
void log_config_defaults(log_config *c);

typedef struct plog plog; /* one partition's log */

/* Opens (creating if needed) the partition directory `dir` (e.g. /data/kafka-logs/mytopic-0).
 * recovery_point: from recovery-point-offset-checkpoint (0 if unknown); log_start_offset: from
 * log-start-offset-checkpoint (-1 if unknown); clean_shutdown: nonzero if the log dir had the
 * .kafka_cleanshutdown marker (then only the tail of the last segment is sanity-checked: batch
 * headers from its last index entry on; a bad header there triggers full recovery of it).
 * Without clean shutdown, every batch from the segment holding the recovery point on is
 * re-validated (length, magic==2, CRC-32C, offsets increasing); the log is truncated at the
 * first invalid or torn batch, later segments are deleted, and indexes of the re-validated
 * segments are rebuilt. Index files that are missing or corrupt are rebuilt (lazily, when an
 * inactive segment's index is first needed). Returns NULL with a message in err on failure. */
plog *plog_open(const char *dir, const log_config *cfg, int64_t recovery_point,
                int64_t log_start_offset, int clean_shutdown, char *err, size_t errlen);
void plog_set_config(plog *l, const log_config *cfg); /* per-topic config changed */
/* Flushes, trims pre-allocated index files to their real size, closes fds, frees. */
void plog_close(plog *l);
/* Closes and removes the partition directory from disk (topic deletion). */
int plog_delete(plog *l);
/* Frees the log without any I/O (its directory failed: nothing is flushed). */
void plog_abandon(plog *l);

/* I/O errors of appends, rolls, flushes, truncations, segment deletes, reads
 * and leader-epoch-checkpoint writes are reported to this handler (the
 * broker's log dir failure channel) with the partition directory, errno and
 * Kafka's message ("Error while appending records to t-0 in dir /d"), as
 * well as returned. None by default. */
typedef void plog_io_error_fn(const char *partition_dir, int err, const char *what);
void plog_set_io_error_handler(plog_io_error_fn *fn);

typedef struct plog_append_info {
    int64_t first_offset;     /* base offset assigned to the first batch */
    int64_t last_offset;
    int64_t log_append_time;  /* -1 unless LogAppendTime */
    int64_t max_timestamp;
    int64_t offset_of_max_timestamp;
    size_t bytes_appended;    /* bytes of whole batches written (plog_append_follower may stop
                               * before a trailing partial batch) */
} plog_append_info;
/* Appends `len` bytes holding one or more complete magic-2 record batches already validated by
 * the caller (CRC checked). Assigns offsets (BaseOffset), sets PartitionLeaderEpoch; with
 * LogAppendTime sets attribute bit 3 + MaxTimestamp = now_ms and recomputes the CRC. The buffer
 * is modified in place. Rolls first when the active segment is full (segment_bytes), too old
 * (segment_ms, measured on message timestamps as Kafka does), or its index is full. Indexes
 * each batch (sparse, every index_interval_bytes). Records leader_epoch in the epoch cache if it
 * is newer. Applies flush_interval_messages.
 * Returns 0, or -1 with errno: EIO etc. on I/O error, EINVAL if the bytes are not whole magic-2
 * batches, EMSGSIZE if len > segment_bytes (Kafka: RecordBatchTooLarge), ERANGE if the
 * offsets would pass INT64_MAX. */
int plog_append(plog *l, uint8_t *batches, size_t len, int32_t leader_epoch, int64_t now_ms,
                plog_append_info *info);

/* Kafka's Log.appendAsFollower: appends magic-2 batches fetched from the leader as they are,
 * keeping their base offsets, PartitionLeaderEpoch, timestamps and CRCs (nothing is rewritten).
 * A trailing partial batch (a fetch response may end in one) is not an error: only the whole
 * batches before it are appended and info->bytes_appended says how many bytes that was (0 and
 * nothing changed if there is no whole batch). Checks, all before anything is written: every
 * whole batch is magic 2 with a valid CRC-32C (else EINVAL); the first batch's base offset is
 * >= the log end offset (else ERANGE: Kafka's UnexpectedAppendOffsetException); each batch's base
 * offset is above the previous batch's last offset (else EINVAL: OffsetsOutOfOrderException).
 * As in Kafka, a batch may start above the previous one's last offset + 1 (or above the log end
 * offset): a compacted leader log has such gaps. Rolls and indexes exactly like plog_append;
 * each batch whose PartitionLeaderEpoch is newer than the latest cached epoch adds (epoch, base
 * offset) to the leader epoch cache (leader-epoch-checkpoint rewritten). The log end offset
 * becomes the last batch's last offset + 1. info: first/last offset of the appended batches,
 * max_timestamp and offset_of_max_timestamp (last offset of the batch holding it),
 * log_append_time -1. Returns 0, or -1 with errno (EINVAL, ERANGE, EMSGSIZE, EIO...). */
int plog_append_follower(plog *l, const uint8_t *batches, size_t len, int64_t now_ms,
                         plog_append_info *info);

/* Kafka's Log.truncateTo: removes every offset >= offset. Nothing happens if offset >= log end
 * offset. If offset is below the log start offset (or the first segment), behaves as
 * plog_truncate_fully_and_start_at(offset). Otherwise segments whose base offset is above offset
 * are deleted (last first, so a kill -9 leaves a prefix of the log that plog_open recovers), the
 * segment holding offset is cut at the first batch whose last offset >= offset with its indexes
 * trimmed to match, and becomes the active segment; the log end offset becomes offset (the cut
 * batch's base offset if offset falls inside a batch); the recovery point and the log start
 * offset are clamped to it and leader epochs starting at or after it are dropped (checkpoint
 * rewritten). Logs "Truncating to offset N". Returns 0, or -1 with errno (EINVAL if offset < 0,
 * I/O errors). */
int plog_truncate_to(plog *l, int64_t offset);
/* Kafka's Log.truncateFullyAndStartAt: deletes every segment and starts an empty active segment
 * at base offset `offset`; log end offset = log start offset = recovery point = offset; the
 * leader epoch cache is cleared (checkpoint rewritten, empty). Returns 0 or -1 with errno. */
int plog_truncate_fully_and_start_at(plog *l, int64_t offset);

typedef struct plog_read_result {
    int fd;            /* dup()ed fd of the segment's .log file (caller closes), -1 if no data */
    int64_t file_pos;  /* where the data starts in that file */
    int32_t len;       /* bytes of whole batches to send (0 if none) */
} plog_read_result;
/* Reads whole batches starting with the batch that contains `offset`, up to max_bytes, from a
 * single segment (call again at the next offset for more). If min_one_batch and the first batch
 * is larger than max_bytes, returns that whole batch anyway. Returns 0 (possibly with len 0 when
 * offset == log end offset, or when the first batch does not fit and !min_one_batch), 1 if
 * offset is out of range (< log start offset or > log end offset), or -1 on I/O error. */
int plog_read(plog *l, int64_t offset, int32_t max_bytes, int min_one_batch, plog_read_result *r);
/* plog_read bounded by max_offset (the high watermark for consumers, INT64_MAX or the log end
 * offset for followers): returns only batches whose last offset < max_offset, so a batch
 * containing max_offset is not returned. An offset in [max_offset, log end offset] returns 0 with
 * len 0 (not out of range); out of range (1) is offset < log start offset or > log end offset.
 * plog_read(l, o, ...) is plog_read_bounded(l, o, INT64_MAX, ...). */
int plog_read_bounded(plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                      int min_one_batch, plog_read_result *r);

int64_t plog_log_start_offset(const plog *l);
int64_t plog_log_end_offset(const plog *l);  /* next offset to be assigned */
int64_t plog_recovery_point(const plog *l);
int64_t plog_size_bytes(const plog *l);      /* total of segment .log sizes */
int plog_segment_count(const plog *l);
int64_t plog_first_segment_base(const plog *l); /* for log-start-offset-checkpoint */

/* ListOffsets by timestamp: first offset >= log start offset whose timestamp >= ts (record
 * timestamps for uncompressed CreateTime batches, else the batch's MaxTimestamp and its first
 * offset). Returns 0 and sets *offset and *timestamp, 1 if no such offset, -1 on I/O error. */
int plog_offset_for_timestamp(plog *l, int64_t ts, int64_t *offset, int64_t *timestamp);

/* DeleteRecords: moves the log start offset up to `offset` (must be <= log end offset, else
 * returns 1), deleting segments that lie wholly below it. Returns 0. */
int plog_delete_records(plog *l, int64_t offset);
/* Time- and size-based retention as Kafka 2.5 does it: retention.ms deletes segments whose
 * largest timestamp is older than now - retention_ms, retention.bytes deletes oldest segments
 * while size - segment_size >= retention_bytes, segments below the log start offset go too;
 * only a prefix of segments is deleted, an empty active segment never, and when every segment
 * goes a new one is rolled first. Also rolls a non-empty active segment older than segment_ms.
 * Returns the number of segments deleted. */
int plog_enforce_retention(plog *l, int64_t now_ms);
/* Compaction (cleanup.policy=compact, Kafka's LogCleaner): when at least
 * min_cleanable_ratio of the inactive segments' bytes were written since the
 * last cleaning, rewrites the inactive segments keeping only the latest record
 * of every key (null keys are dropped, tombstones once their batch is older
 * than delete_retention_ms), merging neighbours up to segment_bytes. Offsets
 * are preserved. Crash-safe: see log_cleaner.c. Returns the number of bytes
 * reclaimed (0 when nothing was due) or -1 on I/O error. */
int64_t plog_compact(plog *l, int64_t now_ms);

/* fsyncs all unflushed segments and their indexes, advances the recovery point to the log end
 * offset. Returns 0 or -1. */
int plog_flush(plog *l);
/* Periodic: flushes when flush_interval_ms has passed since the oldest unflushed append, and
 * fsyncs segments rolled since the last flush (Kafka's flush-on-roll), moving the recovery
 * point up to the active segment. Call it from the broker's timer (e.g. every second). */
void plog_maybe_flush(plog *l, int64_t now_ms);

/* Iterates the headers of batches from the one containing from_offset to the end (for
 * rebuilding producer state): cb gets the first 61 bytes (the batch header). Returns 0 or -1. */
typedef void plog_batch_cb(void *arg, const uint8_t *hdr61);
int plog_scan_batch_headers(plog *l, int64_t from_offset, plog_batch_cb *cb, void *arg);

/* leader-epoch-checkpoint in the partition dir (version 0, "epoch startOffset" lines).
 * Records a new epoch starting at the current log end offset if it is newer than the last.
 * Returns 0, or -1 if the file could not be written. */
int plog_assign_leader_epoch(plog *l, int32_t epoch);
int32_t plog_latest_epoch(const plog *l); /* -1 if none */
/* OffsetForLeaderEpoch (Kafka 2.5's LeaderEpochFileCache.endOffsetFor):
 *   requested == -1 (UNDEFINED_EPOCH) or empty cache      -> (-1, -1)
 *   requested == latest cached epoch                       -> (requested, log end offset)
 *   requested above every cached epoch                     -> (-1, -1)
 *   requested below every cached epoch                     -> (requested, first entry's start offset)
 *   otherwise -> (largest cached epoch <= requested, start offset of the first larger epoch). */
void plog_end_offset_for_epoch(const plog *l, int32_t epoch, int32_t *out_epoch,
                               int64_t *end_offset);

#endif
