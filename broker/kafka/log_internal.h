/* log_internal.h -- the partition log's state, shared by log.c (appends,
 * reads, retention, recovery) and log_cleaner.c (compaction). Nothing else
 * includes it: the public contract is log.h. */
#ifndef KAFKA_LOG_INTERNAL_H
#define KAFKA_LOG_INTERNAL_H

#include "checkpoint.h"
#include "log.h"
#include "segment.h"

#define LOGGER "kafka.log.Log"

/* The last batches appended to the active segment, oldest first in a ring:
 * a fetch near the log end (every follower's, most consumers') finds its
 * file positions here instead of reading batch headers from the file.
 * Emptied whenever the segment list or the active segment changes other
 * than by an append. */
#define RECENT_BATCHES 64
typedef struct recent_batch {
    int64_t base, last; /* offsets */
    int64_t pos, size;  /* in the active segment's file */
} recent_batch;

struct plog {
    char *dir;       /* partition directory */
    char ident[512]; /* "[Log partition=t-0, dir=/data] " prefix of log lines */
    const char *name; /* "t-0": the last part of dir */
    int parent_len;   /* dir[0, parent_len) is the log dir */
    log_config cfg;
    segment **segs; /* sorted by base offset, last = active */
    int nsegs;
    size_t segs_cap;         /* elements allocated at segs (array.h) */
    int64_t start;           /* log start offset */
    int64_t leo;             /* log end offset: next offset to assign */
    int64_t recovery_point;  /* everything below is fsynced */
    int64_t size;            /* sum of segment sizes */
    int64_t unflushed_since; /* wall clock of the first append after a flush, -1 none */
    int dir_dirty;           /* segment files created/removed since the last dir fsync */
    epoch_entry *epochs;     /* leader epoch cache, ascending */
    size_t nepochs;
    size_t epochs_cap;       /* elements allocated at epochs; 0 when read from the file */
    int64_t clean_end;       /* compaction: offsets below were cleaned (in memory only) */
    recent_batch recent[RECENT_BATCHES];
    int nrecent, recent_oldest;
};

/* Reports an I/O error (errno err) on the log's directory to the handler
 * (log.h) with Kafka's message, and leaves errno as err. */
void plog_io_failed(plog *l, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define PLOG_TP_DIR(l) (l)->name, (l)->parent_len, (l)->dir /* "%s in dir %.*s" */

int push_seg(plog *l, segment *s);
/* Deletes segments [from, from+n) from disk and from the list. */
void drop_segs(plog *l, int from, int n);
int fsync_dir(plog *l);
/* Maps (and if needed rebuilds) segment i's indexes. */
int ensure_loaded(plog *l, int i);
/* Start-up: finishes a compaction interrupted after its .swap file was
 * complete (log_cleaner.c). */
void cleaner_complete_swaps(const char *dir, const char *ident);

#endif
