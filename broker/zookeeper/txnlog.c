/* txnlog.c -- the transaction log: dataLogDir/version-2/log.<hex zxid of
 * its first record>, appended with group commit.
 *
 * File format (our own; Apache's directory and file names):
 *   header  "ZKCL" (4 bytes), uint32 version = 1, int64 dbid = 0   (16 bytes)
 *   records uint32 length, uint32 CRC-32C of the payload, payload (a
 *           transaction as txn.c encodes it; its first 8 bytes are the zxid)
 * A record is valid when it is whole and its CRC matches; the first invalid
 * one ends the file (a torn write from a crash: recovery truncates there).
 *
 * Records of one event-loop iteration collect in memory (zk_log_append) and
 * are written and fdatasync'ed once, before any reply of that iteration
 * leaves the process (zk_log_sync, from server.c's before-sleep hook). A new
 * file is created after each snapshot (zk_log_roll); its directory entry is
 * fsync'ed with the first batch. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "dirsync.h"
#include "logger.h"
#include "zk.h"

static int log_fd = -1;
static bool dir_dirty;
static wbuf pending;
static char cur_path[1200];

static void put_header(wbuf *wb) {
    wb_write(wb, "ZKCL", 4);
    wb_u32(wb, 1);
    wb_i64(wb, 0);
}

void zk_log_append(const uint8_t *rec, size_t len) {
    if (!pending.data)
        wb_init(&pending, 64 * 1024);
    if (log_fd < 0) {
        snprintf(cur_path, sizeof cur_path, "%s/log.%" PRIx64, Z.log_dir,
                 (uint64_t)zk_txn_zxid(rec, len));
        log_fd = open(cur_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
            log_error(ZK_LOGGER_TXNLOG, "Cannot create %s: %s", cur_path, strerror(errno));
            exit(1);
        }
        log_info(ZK_LOGGER_TXNLOG, "Creating new log file: %s", strrchr(cur_path, '/') + 1);
        put_header(&pending);
        dir_dirty = true;
    }
    wb_u32(&pending, (uint32_t)len);
    wb_u32(&pending, crc32c(0, rec, len));
    wb_write(&pending, rec, len);
}

bool zk_log_pending(void) { return pending.len > 0; }

int zk_log_sync(void) {
    if (!pending.len)
        return 0;
    for (size_t off = 0; off < pending.len;) {
        ssize_t n = write(log_fd, pending.data + off, pending.len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_error(ZK_LOGGER_TXNLOG, "write %s: %s", cur_path, strerror(errno));
            return -1;
        }
        off += (size_t)n;
    }
    if (fdatasync(log_fd) != 0) {
        log_error(ZK_LOGGER_TXNLOG, "fdatasync %s: %s", cur_path, strerror(errno));
        return -1;
    }
    if (dir_dirty) {
        if (dir_fsync(Z.log_dir) != 0) {
            log_error(ZK_LOGGER_TXNLOG, "fsync %s: %s", Z.log_dir, strerror(errno));
            return -1;
        }
        dir_dirty = false;
    }
    wb_reset(&pending);
    return 0;
}

void zk_log_roll(void) {
    if (pending.len && zk_log_sync() != 0)
        exit(1);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
}

void zk_log_close(void) {
    zk_log_roll();
    wb_free(&pending);
}

size_t zk_log_scan(const uint8_t *p, size_t len, void (*fn)(const uint8_t *rec, size_t n, void *arg),
                   void *arg) {
    if (len < ZK_LOG_HEADER_SIZE || memcmp(p, "ZKCL", 4) || be32_get(p + 4) != 1)
        return 0;
    size_t off = ZK_LOG_HEADER_SIZE;
    while (len - off >= 8) {
        uint32_t n = be32_get(p + off), crc = be32_get(p + off + 4);
        if (n < 32 || n > len - off - 8 || crc32c(0, p + off + 8, n) != crc)
            break;
        if (fn)
            fn(p + off + 8, n, arg);
        off += 8 + n;
    }
    return off;
}

/* ------------------------------------------------------------------------
 * Recovery
 * ---------------------------------------------------------------------- */
typedef zk_named named;

static int cmp_named(const void *a, const void *b) {
    int64_t x = ((const named *)a)->zxid, y = ((const named *)b)->zxid;
    return x < y ? -1 : x > y;
}

int zk_list_files(const char *dir, const char *prefix, named **out) {
    DIR *d = opendir(dir);
    *out = NULL;
    if (!d)
        return 0;
    int n = 0, cap = 0;
    struct dirent *de;
    size_t pl = strlen(prefix);
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, prefix, pl) || strlen(de->d_name) >= 64)
            continue;
        char *end;
        errno = 0;
        unsigned long long z = strtoull(de->d_name + pl, &end, 16);
        if (errno || *end || end == de->d_name + pl)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = realloc(*out, (size_t)cap * sizeof(named));
        }
        (*out)[n].zxid = (int64_t)z;
        strcpy((*out)[n].name, de->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(*out, (size_t)n, sizeof(named), cmp_named);
    return n;
}

typedef struct replay {
    int64_t after;
    long applied;
    bool gap;
} replay;

static void replay_one(const uint8_t *rec, size_t n, void *arg) {
    replay *r = arg;
    int64_t z = zk_txn_zxid(rec, n);
    if (r->gap || z <= r->after || z <= Z.last_zxid)
        return;
    /* a new epoch (ensemble leader change) restarts the counter */
    if (z != Z.last_zxid + 1 && Z.last_zxid != 0 && (z >> 32) <= (Z.last_zxid >> 32)) {
        log_warn(ZK_LOGGER_TXNLOG, "Gap in the transaction log: 0x%" PRIx64 " after 0x%" PRIx64,
                 (uint64_t)z, (uint64_t)Z.last_zxid);
        r->gap = true;
        return;
    }
    zk_txn_apply(rec, n, NULL);
    if (Z.on_replay)
        Z.on_replay(rec, n);
    r->applied++;
}

long zk_log_recover(const char *dir, int64_t after) {
    named *files;
    int n = zk_list_files(dir, "log.", &files);
    replay r = {after, 0, false};
    for (int i = 0; i < n; i++) {
        if (i + 1 < n && files[i + 1].zxid <= after + 1)
            continue; /* wholly covered by the snapshot */
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            log_error(ZK_LOGGER_TXNLOG, "Cannot open %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            free(files);
            return -1;
        }
        size_t len = (size_t)st.st_size, valid = 0;
        if (len > 0) {
            uint8_t *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                close(fd);
                free(files);
                return -1;
            }
            valid = zk_log_scan(p, len, replay_one, &r);
            munmap(p, len);
        }
        if (valid < len) {
            log_warn(ZK_LOGGER_TXNLOG, "Truncating %s from %zu to %zu bytes (incomplete write)",
                     path, len, valid);
            if (ftruncate(fd, (off_t)valid) != 0 || fsync(fd) != 0)
                log_error(ZK_LOGGER_TXNLOG, "truncate %s: %s", path, strerror(errno));
        }
        close(fd);
    }
    free(files);
    return r.applied;
}
