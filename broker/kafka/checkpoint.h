/* checkpoint.h -- Kafka's small text files in a log directory.
 *
 * Offset checkpoints (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, replication-offset-checkpoint,
 * cleaner-offset-checkpoint):
 *     0\n<count>\n<topic> <partition> <offset>\n...
 * leader-epoch-checkpoint (in each partition directory):
 *     0\n<count>\n<epoch> <startOffset>\n...
 * meta.properties: Java properties (version=0, broker.id, cluster.id).
 *
 * All writes go to <file>.tmp, are fsynced, renamed over the file and the
 * directory is fsynced, so a crash leaves either the old or the new file.
 */
#ifndef KAFKA_CHECKPOINT_H
#define KAFKA_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ckpt_entry {
    char *topic;
    int32_t partition;
    int64_t offset;
} ckpt_entry;

/* Returns 0, or -1 with errno. */
int ckpt_write(const char *path, const ckpt_entry *e, size_t n);
/* 0 with a malloc'd array (free with ckpt_free; NULL when n == 0), 1 if the
 * file does not exist, -1 if it is malformed or unreadable. */
int ckpt_read(const char *path, ckpt_entry **e, size_t *n);
void ckpt_free(ckpt_entry *e, size_t n);

typedef struct epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} epoch_entry;

/* leader-epoch-checkpoint; same return conventions as above (free(e)). */
int epoch_ckpt_write(const char *path, const epoch_entry *e, size_t n);
int epoch_ckpt_read(const char *path, epoch_entry **e, size_t *n);

/* meta.properties in logdir, with the "#" and "#<date>" header lines that
 * java.util.Properties.store writes. */
int meta_properties_write(const char *logdir, int32_t broker_id, const char *cluster_id);
/* 0 and fills broker_id / cluster_id ("" if the file has none), 1 if absent,
 * -1 if malformed (no version=0, bad broker.id, cluster.id longer than cap-1). */
int meta_properties_read(const char *logdir, int32_t *broker_id, char *cluster_id, size_t cap);

/* Atomic replace: path.tmp, fsync, rename, fsync of the directory. */
int atomic_write_file(const char *path, const void *data, size_t len);

#endif
