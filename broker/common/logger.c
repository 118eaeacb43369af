/* logger.c -- log4j-layout log lines to files and/or stdout: routing by
 * logger name, hourly rolling with Kafka's file names, reopening on SIGHUP.
 * Format: "[yyyy-MM-dd HH:mm:ss,SSS] LEVEL message (logger)". The contract
 * is in logger.h. */
#include "logger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 8
#define REOPEN_RETRY_S 5
#define DEFAULT_ROLL_PATTERN ".%Y-%m-%d-%H" /* Kafka: DatePattern='.'yyyy-MM-dd-HH */
#define DEFAULT_ROLL_KEEP 168

typedef struct log_file {
    char path[4096];
    int fd;             /* -1: not open (retried from retry_at) */
    char period[64];    /* the roll suffix of the time this file covers */
    time_t retry_at;
} log_file;

typedef struct log_route_entry {
    char prefix[256];
    size_t plen;
    log_file *file;
    enum log_level min;
} log_route_entry;

static log_file files[MAX_FILES]; /* files[0]: the main file, when open */
static int nfiles;
static log_route_entry routes[MAX_FILES];
static int nroutes;
static char log_dir[4096];
static int log_stdout = 1;
static enum log_level log_min = LOG_INFO;
static char roll_pattern[64] = DEFAULT_ROLL_PATTERN;
static long roll_keep = DEFAULT_ROLL_KEEP;
static volatile sig_atomic_t reopen_requested;

static const char *level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

/* ------------------------------------------------------------------------
 * Files: open, roll, prune
 * ---------------------------------------------------------------------- */
static void period_of(time_t t, char *out, size_t len) {
    struct tm tm;
    localtime_r(&t, &tm);
    if (strftime(out, len, roll_pattern, &tm) == 0)
        out[0] = '\0';
}

static int file_open(log_file *f, time_t now) {
    f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        f->retry_at = now + REOPEN_RETRY_S;
        return -1;
    }
    /* As log4j: the file covers the period it was last written in. */
    struct stat st;
    period_of(fstat(f->fd, &st) == 0 ? st.st_mtime : now, f->period, sizeof(f->period));
    return 0;
}

static void file_close(log_file *f) {
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

/* Does name look like base + a roll suffix? sample is a suffix of now. */
static int is_rolled_name(const char *name, const char *base, size_t blen, const char *sample) {
    if (strncmp(name, base, blen) != 0)
        return 0;
    const char *s = name + blen;
    if (strlen(s) != strlen(sample) || !*s)
        return 0;
    for (; *s; s++, sample++) {
        int dig = *sample >= '0' && *sample <= '9';
        if (dig ? !(*s >= '0' && *s <= '9') : *s != *sample)
            return 0;
    }
    return 1;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the oldest rolled files of f beyond roll_keep. */
static void file_prune(log_file *f, time_t now) {
    if (roll_keep <= 0)
        return;
    const char *slash = strrchr(f->path, '/');
    char dir[4096];
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - f->path) : 1, slash ? f->path : ".");
    const char *base = slash ? slash + 1 : f->path;
    size_t blen = strlen(base);
    char sample[64];
    period_of(now, sample, sizeof(sample));
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_rolled_name(e->d_name, base, blen, sample))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n > (size_t)roll_keep) {
        qsort(names, n, sizeof(*names), cmp_names);
        for (size_t i = 0; i < n - (size_t)roll_keep; i++) {
            char p[8192];
            snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
            unlink(p);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* DailyRollingFileAppender.rollOver: the file becomes <file><period>.
 * Only a regular file rolls: a log pointed at /dev/null, a terminal or a
 * pipe is never renamed (renaming /dev/null would let the next writer
 * create a plain file in its place). */
static void file_roll(log_file *f, time_t now) {
    char target[4200];
    struct stat st;
    if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        period_of(now, f->period, sizeof(f->period));
        return;
    }
    snprintf(target, sizeof(target), "%s%s", f->path, f->period);
    file_close(f);
    rename(f->path, target); /* replaces an older file of that name, as log4j */
    file_prune(f, now);
    file_open(f, now);
}

static void file_write(log_file *f, const char *line, size_t n, time_t now) {
    if (f->fd >= 0) {
        char per[64];
        period_of(now, per, sizeof(per));
        if (strcmp(per, f->period) != 0)
            file_roll(f, now);
    } else if (now >= f->retry_at) {
        file_open(f, now);
    }
    if (f->fd >= 0 && write(f->fd, line, n) < 0) {
        /* dropped: a full disk must not stop the daemon */
    }
}

static log_file *file_add(const char *path) {
    if (nfiles == MAX_FILES)
        return NULL;
    log_file *f = &files[nfiles++];
    snprintf(f->path, sizeof(f->path), "%s", path);
    f->fd = -1;
    f->retry_at = 0;
    file_open(f, time(NULL));
    return f;
}

/* ------------------------------------------------------------------------
 * Setup
 * ---------------------------------------------------------------------- */
static void read_roll_env(void) {
    const char *p = getenv("LOG_ROLL_PATTERN");
    if (p && *p && strlen(p) < sizeof(roll_pattern))
        snprintf(roll_pattern, sizeof(roll_pattern), "%s", p);
    const char *k = getenv("LOG_ROLL_KEEP");
    if (k && *k) {
        char *end;
        long v = strtol(k, &end, 10);
        if (!*end && v >= 0)
            roll_keep = v;
    }
}

int log_open(const char *path, int to_stdout, enum log_level min_level) {
    log_stdout = to_stdout;
    log_min = min_level;
    if (!path)
        return 0;
    log_close();
    read_roll_env();
    const char *slash = strrchr(path, '/');
    snprintf(log_dir, sizeof(log_dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    log_file *f = file_add(path);
    return f && f->fd >= 0 ? 0 : -1;
}

int log_route(const char *logger_prefix, const char *file_name, enum log_level min_level) {
    if (!nfiles || nroutes == MAX_FILES || strlen(logger_prefix) >= sizeof(routes[0].prefix))
        return -1;
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", log_dir, file_name);
    log_file *f = NULL;
    for (int i = 0; i < nfiles; i++)
        if (!strcmp(files[i].path, path))
            f = &files[i];
    if (!f && !(f = file_add(path)))
        return -1;
    log_route_entry *r = &routes[nroutes++];
    snprintf(r->prefix, sizeof(r->prefix), "%s", logger_prefix);
    r->plen = strlen(logger_prefix);
    r->file = f;
    r->min = min_level;
    return f->fd >= 0 ? 0 : -1;
}

void log_close(void) {
    for (int i = 0; i < nfiles; i++)
        file_close(&files[i]);
    nfiles = 0;
    nroutes = 0;
}

void log_reopen(void) {
    reopen_requested = 0;
    time_t now = time(NULL);
    for (int i = 0; i < nfiles; i++) {
        file_close(&files[i]);
        file_open(&files[i], now);
    }
}

static void on_sighup(int sig) {
    (void)sig;
    reopen_requested = 1;
}

void log_reopen_on_sighup(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sighup;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
}

void log_tick(void) {
    if (reopen_requested)
        log_reopen();
}

/* ------------------------------------------------------------------------
 * Lines
 * ---------------------------------------------------------------------- */
/* The route of a logger: the longest prefix that is the logger itself or
 * one of its dotted ancestors. NULL: the main file and stdout. */
static const log_route_entry *route_of(const char *logger) {
    const log_route_entry *best = NULL;
    for (int i = 0; i < nroutes; i++) {
        const log_route_entry *r = &routes[i];
        if (strncmp(logger, r->prefix, r->plen) == 0 &&
            (logger[r->plen] == '\0' || logger[r->plen] == '.') && (!best || r->plen > best->plen))
            best = r;
    }
    return best;
}

void logmsg(enum log_level lvl, const char *logger, const char *fmt, ...) {
    const log_route_entry *r = nroutes ? route_of(logger) : NULL;
    log_file *f = r ? r->file : nfiles ? &files[0] : NULL;
    int to_stdout = !r && log_stdout;
    if (lvl < (r ? r->min : log_min) || (!f && !to_stdout))
        return;
    if (reopen_requested)
        log_reopen();
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
    if (f)
        file_write(f, line, (size_t)n, tv.tv_sec);
    if (to_stdout) {
        fwrite(line, 1, (size_t)n, stdout);
        fflush(stdout);
    }
}
