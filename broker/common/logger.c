/* logger.c -- log4j-layout log lines to a file and/or stdout.
 * Format: "[yyyy-MM-dd HH:mm:ss,SSS] LEVEL message (logger)". */
#include "logger.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static FILE *log_file;
static char log_path[4096];
static int log_stdout = 1;
static enum log_level log_min = LOG_INFO;

static const char *level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

int log_open(const char *path, int to_stdout, enum log_level min_level) {
    log_stdout = to_stdout;
    log_min = min_level;
    if (path) {
        snprintf(log_path, sizeof(log_path), "%s", path);
        log_file = fopen(path, "a");
        if (!log_file)
            return -1;
        setvbuf(log_file, NULL, _IOLBF, 0);
    }
    return 0;
}

void log_close(void) {
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

void log_reopen(void) {
    if (!log_file)
        return;
    FILE *f = fopen(log_path, "a");
    if (f) {
        fclose(log_file);
        log_file = f;
        setvbuf(log_file, NULL, _IOLBF, 0);
    }
}

void logmsg(enum log_level lvl, const char *logger, const char *fmt, ...) {
    if (lvl < log_min || (!log_file && !log_stdout))
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char line[8192];
    int n = (int)strftime(line, sizeof(line), "[%Y-%m-%d %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof(line) - (size_t)n, ",%03d] %s ", (int)(tv.tv_usec / 1000),
                  level_names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += m;
    if (n > (int)sizeof(line) - 256)
        n = (int)sizeof(line) - 256;
    n += snprintf(line + n, sizeof(line) - (size_t)n, " (%s)\n", logger);
    if (log_file)
        fwrite(line, 1, (size_t)n, log_file);
    if (log_stdout) {
        fwrite(line, 1, (size_t)n, stdout);
        fflush(stdout);
    }
}
