/* logger.h -- log4j-layout logging for the daemons and tools.
 *
 * Lines look like Apache Kafka's and ZooKeeper's default log4j layout:
 *   [2026-11-21 10:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)
 * They go to a file (e.g. $LOG_DIR/server.log) and, when not daemonized, to
 * stdout. The last argument names the logger, as log4j does.
 *
 * Files by logger name (Kafka's config/log4j.properties): log_route sends a
 * logger and its descendants in log4j's dotted hierarchy to a file of their
 * own in the main file's directory, instead of the main file and stdout
 * (additivity=false), e.g. the broker's
 *     log_route("kafka.controller", "controller.log", LOG_TRACE);
 *     log_route("state.change.logger", "state-change.log", LOG_TRACE);
 * after which log_info("kafka.controller.KafkaController", ...) lands in
 * controller.log, while every other logger stays in server.log. A route's
 * level replaces the main level for its loggers (Kafka logs these at TRACE).
 * The longest matching prefix wins. A routed file is created when routed.
 *
 * Rolling (log4j's DailyRollingFileAppender with Kafka's DatePattern
 * '.'yyyy-MM-dd-HH): the first line written in a new hour first renames
 * the file to <file>.yyyy-MM-dd-HH (the hour it covers, from its mtime when
 * the daemon started) and starts a new one. Only the newest LOG_ROLL_KEEP
 * rolled files of each log are kept (environment, default 168: a week of
 * hours; 0 keeps all, as log4j does). Tests set LOG_ROLL_PATTERN, a
 * strftime suffix (default ".%Y-%m-%d-%H"), to roll faster.
 *
 * Reopening: log_reopen closes and reopens every file (after an external
 * logrotate moved them); log_reopen_on_sighup makes SIGHUP request it, done
 * at the next line or log_tick (call it from a periodic timer).
 *
 * Writing never stops the daemon: a line that cannot be written (full disk,
 * removed directory) is dropped; a file that cannot be opened is retried
 * every few seconds.
 */
#ifndef COMMON_LOGGER_H
#define COMMON_LOGGER_H

enum log_level { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

/* path may be NULL (no file); to_stdout selects the console copy. Returns
 * -1 (errno set) when the file cannot be opened now (it is retried). */
int log_open(const char *path, int to_stdout, enum log_level min_level);
/* A file of its own for logger_prefix (see above); after log_open. */
int log_route(const char *logger_prefix, const char *file_name, enum log_level min_level);
void log_close(void);
void log_reopen(void);
void log_reopen_on_sighup(void);
void log_tick(void); /* a requested reopen happens here even when nothing logs */
void logmsg(enum log_level lvl, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_info(logger, ...) logmsg(LOG_INFO, logger, __VA_ARGS__)
#define log_warn(logger, ...) logmsg(LOG_WARN, logger, __VA_ARGS__)
#define log_error(logger, ...) logmsg(LOG_ERROR, logger, __VA_ARGS__)
#define log_debug(logger, ...) logmsg(LOG_DEBUG, logger, __VA_ARGS__)
#define log_trace(logger, ...) logmsg(LOG_TRACE, logger, __VA_ARGS__)

#endif
