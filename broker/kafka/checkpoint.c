/* checkpoint.c -- offset checkpoint files, leader-epoch-checkpoint and
 * meta.properties, byte-compatible with what Apache Kafka 2.5 writes and
 * reads (CheckpointFile.scala, BrokerMetadataCheckpoint.scala).
 */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dirsync.h"

#define CKPT_MAX_FILE (64 << 20) /* refuse to slurp anything larger */

/* ------------------------------------------------------------------------
 * Files
 * ---------------------------------------------------------------------- */
int atomic_write_file(const char *path, const void *data, size_t len) {
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    for (size_t done = 0; done < len;) {
        ssize_t k = write(fd, (const char *)data + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            goto fail;
        done += (size_t)k;
    }
    if (fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    if (rename(tmp, path) < 0) {
        fd = -1;
        goto fail;
    }
    return dir_fsync_of(path);
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = e;
    return -1;
}

/* Reads a whole (small) file as a NUL-terminated string: 0, 1 if absent, -1. */
static int slurp(const char *path, char **out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    struct stat st;
    char *buf = NULL;
    ssize_t k = -1;
    if (fstat(fd, &st) == 0 && st.st_size < CKPT_MAX_FILE && (buf = malloc((size_t)st.st_size + 1)))
        k = read(fd, buf, (size_t)st.st_size);
    close(fd);
    if (k < 0 || k != st.st_size || memchr(buf, '\0', (size_t)k)) {
        free(buf);
        return -1;
    }
    buf[k] = '\0';
    *out = buf;
    return 0;
}

/* ------------------------------------------------------------------------
 * Checkpoint text format
 * ---------------------------------------------------------------------- */
/* Next '\n'-terminated line (the terminator is replaced by NUL), or NULL. */
static char *next_line(char **p) {
    char *s = *p;
    if (!*s)
        return NULL;
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = s + strlen(s);
    }
    size_t n = strlen(s);
    if (n && s[n - 1] == '\r')
        s[n - 1] = '\0';
    return s;
}

/* Splits a line on whitespace; returns the token count (at most max + 1). */
static int split(char *line, char **tok, int max) {
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t", &save); t && n <= max; t = strtok_r(NULL, " \t", &save))
        if (n < max)
            tok[n++] = t;
        else
            return max + 1;
    return n;
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *v) {
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || errno || x < min || x > max)
        return -1;
    *v = x;
    return 0;
}

static int blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

/* Parses the header, allocates count zeroed elements of esz bytes in *arr
 * and hands each line (split into exactly ntok tokens) to fn. Returns 0, or
 * -1 if malformed; *count tells the caller how many elements to free. */
typedef int ckpt_line_proc(void *elem, char **tok);
static int ckpt_parse(char *text, int ntok, size_t esz, ckpt_line_proc *fn, void **arr,
                      size_t *count) {
    char *p = text, *line, *tok[4];
    int64_t version, cnt;
    *arr = NULL;
    *count = 0;
    if (!(line = next_line(&p)) || split(line, tok, 3) != 1 || parse_i64(tok[0], 0, 0, &version))
        return -1;
    if (!(line = next_line(&p)) || split(line, tok, 3) != 1 ||
        parse_i64(tok[0], 0, (int64_t)strlen(p), &cnt))
        return -1;
    if (cnt && !(*arr = calloc((size_t)cnt, esz)))
        return -1;
    *count = (size_t)cnt;
    for (int64_t i = 0; i < cnt; i++)
        if (!(line = next_line(&p)) || split(line, tok, 3) != ntok ||
            fn((char *)*arr + (size_t)i * esz, tok))
            return -1;
    while ((line = next_line(&p)))
        if (!blank(line))
            return -1;
    return 0;
}

static int ck_line(void *elem, char **tok) {
    ckpt_entry *e = elem;
    int64_t part, off;
    if (parse_i64(tok[1], 0, INT32_MAX, &part) || parse_i64(tok[2], INT64_MIN, INT64_MAX, &off))
        return -1;
    if (!(e->topic = strdup(tok[0])))
        return -1;
    e->partition = (int32_t)part;
    e->offset = off;
    return 0;
}

static int ep_line(void *elem, char **tok) {
    epoch_entry *e = elem;
    int64_t epoch, off;
    if (parse_i64(tok[0], 0, INT32_MAX, &epoch) || parse_i64(tok[1], 0, INT64_MAX, &off))
        return -1;
    e->epoch = (int32_t)epoch;
    e->start_offset = off;
    return 0;
}

void ckpt_free(ckpt_entry *e, size_t n) {
    for (size_t i = 0; e && i < n; i++)
        free(e[i].topic);
    free(e);
}

static void ck_free(void *arr, size_t n) { ckpt_free(arr, n); }
static void ep_free(void *arr, size_t n) {
    (void)n;
    free(arr);
}

/* A checkpoint file into *arr (ckpt_parse); 0, 1 if there is none, -1 if
 * it can't be read or is malformed (then nothing is kept: free_fn). */
static int ckpt_read_file(const char *path, int ntok, size_t esz, ckpt_line_proc *fn,
                          void (*free_fn)(void *, size_t), void **arr, size_t *n) {
    char *text;
    *arr = NULL;
    *n = 0;
    int rc = slurp(path, &text);
    if (rc)
        return rc;
    void *a;
    rc = ckpt_parse(text, ntok, esz, fn, &a, n);
    free(text);
    if (rc < 0) {
        free_fn(a, *n);
        *n = 0;
        return -1;
    }
    *arr = a;
    return 0;
}

int ckpt_read(const char *path, ckpt_entry **e, size_t *n) {
    void *arr;
    int rc = ckpt_read_file(path, 3, sizeof **e, ck_line, ck_free, &arr, n);
    *e = arr;
    return rc;
}

int epoch_ckpt_read(const char *path, epoch_entry **e, size_t *n) {
    void *arr;
    int rc = ckpt_read_file(path, 2, sizeof **e, ep_line, ep_free, &arr, n);
    *e = arr;
    return rc;
}

/* Writes version 0, the count and line(f, arr, i) for each entry, then
 * replaces path with it (atomic_write_file). */
typedef void ckpt_line_out(FILE *f, const void *arr, size_t i);
static int ckpt_write_file(const char *path, const void *arr, size_t n, ckpt_line_out *line) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    fprintf(f, "0\n%zu\n", n);
    for (size_t i = 0; i < n; i++)
        line(f, arr, i);
    if (fclose(f) != 0) {
        free(buf);
        return -1;
    }
    int rc = atomic_write_file(path, buf, len);
    free(buf);
    return rc;
}

static void ck_out(FILE *f, const void *arr, size_t i) {
    const ckpt_entry *e = (const ckpt_entry *)arr + i;
    fprintf(f, "%s %" PRId32 " %" PRId64 "\n", e->topic, e->partition, e->offset);
}

static void ep_out(FILE *f, const void *arr, size_t i) {
    const epoch_entry *e = (const epoch_entry *)arr + i;
    fprintf(f, "%" PRId32 " %" PRId64 "\n", e->epoch, e->start_offset);
}

int ckpt_write(const char *path, const ckpt_entry *e, size_t n) {
    return ckpt_write_file(path, e, n, ck_out);
}

int epoch_ckpt_write(const char *path, const epoch_entry *e, size_t n) {
    return ckpt_write_file(path, e, n, ep_out);
}

/* ------------------------------------------------------------------------
 * meta.properties
 * ---------------------------------------------------------------------- */
int meta_properties_write(const char *logdir, int32_t broker_id, const char *cluster_id) {
    char path[PATH_MAX], date[64], buf[512];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a %b %d %H:%M:%S %Z %Y", &tm); /* Java Date.toString() */
    snprintf(path, sizeof path, "%s/meta.properties", logdir);
    int n = snprintf(buf, sizeof buf, "#\n#%s\nversion=0\nbroker.id=%" PRId32 "\ncluster.id=%s\n",
                     date, broker_id, cluster_id ? cluster_id : "");
    if (n < 0 || (size_t)n >= sizeof buf) {
        errno = EINVAL;
        return -1;
    }
    return atomic_write_file(path, buf, (size_t)n);
}

static char *trim(char *s) {
    s += strspn(s, " \t\f\r");
    size_t n = strlen(s);
    while (n && strchr(" \t\f\r", s[n - 1]))
        s[--n] = '\0';
    return s;
}

int meta_properties_read(const char *logdir, int32_t *broker_id, char *cluster_id, size_t cap) {
    char path[PATH_MAX], *text, *p, *line;
    snprintf(path, sizeof path, "%s/meta.properties", logdir);
    int rc = slurp(path, &text);
    if (rc)
        return rc;
    int have_version = 0, have_id = 0, bad = 0;
    if (cap)
        cluster_id[0] = '\0';
    for (p = text; (line = next_line(&p));) {
        line = trim(line);
        if (!*line || *line == '#' || *line == '!')
            continue;
        size_t k = strcspn(line, "=:");
        if (!line[k]) {
            bad = 1;
            continue;
        }
        line[k] = '\0';
        char *key = trim(line), *val = trim(line + k + 1);
        int64_t v;
        if (!strcmp(key, "version"))
            have_version = !parse_i64(val, 0, 0, &v);
        else if (!strcmp(key, "broker.id")) {
            if (!(have_id = !parse_i64(val, 0, INT32_MAX, &v)))
                bad = 1;
            else
                *broker_id = (int32_t)v;
        } else if (!strcmp(key, "cluster.id")) {
            if (strlen(val) >= cap)
                bad = 1;
            else
                strcpy(cluster_id, val);
        }
    }
    free(text);
    return have_version && have_id && !bad ? 0 : -1;
}
