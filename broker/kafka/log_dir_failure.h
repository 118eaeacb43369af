/* log_dir_failure.h -- log.dirs entries that fail, as Kafka 2.5 handles
 * them (LogManager.createAndValidateLogDirs, LogDirFailureChannel,
 * ReplicaManager.handleLogDirFailure): a directory that cannot be created
 * or written at start-up, or that gives an I/O error later, goes offline;
 * its partitions stop being served (KAFKA_STORAGE_ERROR), the controller is
 * told through /log_dir_event_notification, and a broker left with no
 * online directory halts with exit code 1. */
#ifndef KAFKA_LOG_DIR_FAILURE_H
#define KAFKA_LOG_DIR_FAILURE_H

struct partition;

/* Start-up, before any log is loaded: creates missing directories and
 * checks each is a readable and writable directory; one that is not goes
 * offline (ERROR line). None usable: the FATAL line and exit(1). Installs
 * the handler log.c reports I/O errors to. */
void logdirs_create_and_validate(void);
/* dir: an entry of B.cfg.log_dirs (or a string equal to one). */
int logdir_online(const char *dir);
/* Kafka's maybeAddOfflineLogDir: logs msg with the cause (ERROR) and, the
 * first time, takes dir offline at once; the partitions on it are stopped
 * from the cron (logdir_failure_periodic), not from the caller's stack. */
void logdir_failed(const char *dir, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The partition's log is not to be used: its directory is offline. */
int partition_storage_failed(const struct partition *p);
/* From the cron: stops serving the partitions of newly offline directories,
 * writes the log dir event notification, halts when none is left. */
void logdir_failure_periodic(void);

#endif
