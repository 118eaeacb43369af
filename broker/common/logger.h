/* logger.h -- log4j-layout logging for the daemons and tools.
 *
 * Lines look like Apache Kafka's and ZooKeeper's default log4j layout:
 *   [2026-11-21 10:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)
 * They go to a file (e.g. $LOG_DIR/server.log) and, when not daemonized, to
 * stdout. The last argument names the logger, as log4j does.
 */
#ifndef COMMON_LOGGER_H
#define COMMON_LOGGER_H

enum log_level { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

/* path may be NULL (no file); to_stdout selects the console copy. */
int log_open(const char *path, int to_stdout, enum log_level min_level);
void log_close(void);
void log_reopen(void); /* after rotation */
void logmsg(enum log_level lvl, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_info(logger, ...) logmsg(LOG_INFO, logger, __VA_ARGS__)
#define log_warn(logger, ...) logmsg(LOG_WARN, logger, __VA_ARGS__)
#define log_error(logger, ...) logmsg(LOG_ERROR, logger, __VA_ARGS__)
#define log_debug(logger, ...) logmsg(LOG_DEBUG, logger, __VA_ARGS__)

#endif
