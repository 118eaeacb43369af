/* snapshot.c -- snapshots of the whole state and the autopurge of old
 * snapshots and logs.
 *
 * dataDir/version-2/snapshot.<hex zxid>: the tree and sessions as of that
 * zxid (taken between event-loop iterations, after the log is synced, so it
 * is exact, not fuzzy). Format (our own; Apache's names):
 *   "ZKCS", uint32 version = 1, int64 zxid
 *   int32 nsessions, nsessions x (int64 id, int32 timeout)
 *   nodes in pre-order (parents first): ustring path, buffer data,
 *     int32 nacl x (int32 perms, ustring scheme, ustring id),
 *     int64 czxid, mzxid, ctime, mtime, int32 version, cversion, aversion,
 *     int64 ephemeralOwner, pzxid
 *   int32 -1 (end of nodes), uint32 CRC-32C of everything before it
 * It is written to a .tmp file, fsync'ed, renamed, and the directory
 * fsync'ed; recovery takes the newest snapshot whose CRC checks out and
 * replays the logs after its zxid. Autopurge keeps the newest
 * snapRetainCount snapshots and the logs needed to replay from the oldest
 * of them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "dirsync.h"
#include "logger.h"
#include "xalloc.h"
#include "zk.h"

static void put_str(wbuf *wb, const char *s, int32_t len) {
    wb_i32(wb, len);
    if (len > 0)
        wb_write(wb, s, (size_t)len);
}

typedef struct session_list {
    zk_session **v;
    size_t n;
} session_list;

static void collect_session(zk_session *s, void *arg) {
    session_list *l = arg;
    l->v[l->n++] = s;
}

static int session_id_cmp(const void *a, const void *b) {
    int64_t x = (*(zk_session *const *)a)->id, y = (*(zk_session *const *)b)->id;
    return (x > y) - (x < y);
}

/* The sessions in id order: the hash table's order depends on its history
 * (a bucket's chain is in insertion order), and the same state must give
 * the same snapshot bytes whatever way it was reached. */
static void put_sessions(wbuf *wb) {
    session_list l = {xmalloc((Z.sessions.count + 1) * sizeof(zk_session *)), 0};
    zk_sessions_each(&Z.sessions, collect_session, &l);
    qsort(l.v, l.n, sizeof(zk_session *), session_id_cmp);
    wb_i32(wb, (int32_t)l.n);
    for (size_t i = 0; i < l.n; i++) {
        wb_i64(wb, l.v[i]->id);
        wb_i32(wb, l.v[i]->timeout);
    }
    free(l.v);
}

static void put_node(const zk_node *n, void *arg) {
    wbuf *wb = arg;
    put_str(wb, n->path, (int32_t)strlen(n->path));
    put_str(wb, (const char *)n->data, n->dlen);
    wb_i32(wb, n->acl.n);
    for (int32_t i = 0; i < n->acl.n; i++) {
        wb_i32(wb, n->acl.v[i].perms);
        put_str(wb, n->acl.v[i].scheme, (int32_t)strlen(n->acl.v[i].scheme));
        put_str(wb, n->acl.v[i].id, (int32_t)strlen(n->acl.v[i].id));
    }
    wb_i64(wb, n->czxid);
    wb_i64(wb, n->mzxid);
    wb_i64(wb, n->ctime);
    wb_i64(wb, n->mtime);
    wb_i32(wb, n->version);
    wb_i32(wb, n->cversion);
    wb_i32(wb, n->aversion);
    wb_i64(wb, n->ephemeralOwner);
    wb_i64(wb, n->pzxid);
}

void zk_snap_serialize(wbuf *wb) {
    size_t start = wb->len;
    wb_write(wb, "ZKCS", 4);
    wb_u32(wb, 1);
    wb_i64(wb, Z.last_zxid);
    put_sessions(wb);
    zk_tree_walk(&Z.tree, put_node, wb);
    wb_i32(wb, -1);
    wb_u32(wb, crc32c(0, wb->data + start, wb->len - start));
}

int zk_snap_deserialize(const uint8_t *p, size_t len) {
    rbuf rb;
    rb_init(&rb, p, len);
    zk_tree t;
    zk_tree_init_empty(&t);
    zk_sessions s;
    zk_sessions_init(&s, Z.cfg.my_id);
    int64_t zxid;
    int32_t nsess;
    if (len < 24 || memcmp(p, "ZKCS", 4) || be32_get(p + 4) != 1 ||
        crc32c(0, p, len - 4) != be32_get(p + len - 4))
        goto err_parse;
    rb.len = len - 4;
    rb_read_skip(&rb, 8);
    rb_read_i64(&rb, &zxid);
    rb_read_i32(&rb, &nsess);
    rb_check_count(&rb, nsess, 12);
    for (int32_t i = 0; i < nsess; i++) {
        int64_t id;
        int32_t to;
        rb_read_i64(&rb, &id);
        rb_read_i32(&rb, &to);
        zk_session_add(&s, id, to);
    }
    for (;;) {
        kstr path, data;
        int32_t nacl;
        rb_read_bytes(&rb, &path);
        if (path.len < 0)
            break;
        rb_read_bytes(&rb, &data);
        rb_read_i32(&rb, &nacl);
        rb_check_count(&rb, nacl, 12);
        zk_acls acl = {0, nacl > 0 ? calloc((size_t)nacl, sizeof(zk_acl)) : NULL};
        for (int32_t i = 0; i < nacl; i++) {
            kstr sc, id;
            if (rb_get_i32(&rb, &acl.v[i].perms) || rb_get_bytes(&rb, &sc) ||
                rb_get_bytes(&rb, &id) || sc.len < 0 || id.len < 0) {
                zk_acls_free(&acl);
                goto err_parse;
            }
            acl.v[i].scheme = kstr_dup(sc);
            acl.v[i].id = kstr_dup(id);
            acl.n = i + 1;
        }
        zk_node *n = path.len > 0 ? zk_tree_add(&t, path.s, (size_t)path.len,
                                                (const uint8_t *)data.s, data.len, &acl)
                                  : NULL;
        zk_acls_free(&acl);
        if (!n)
            goto err_parse;
        rb_read_i64(&rb, &n->czxid);
        rb_read_i64(&rb, &n->mzxid);
        rb_read_i64(&rb, &n->ctime);
        rb_read_i64(&rb, &n->mtime);
        rb_read_i32(&rb, &n->version);
        rb_read_i32(&rb, &n->cversion);
        rb_read_i32(&rb, &n->aversion);
        rb_read_i64(&rb, &n->ephemeralOwner);
        rb_read_i64(&rb, &n->pzxid);
    }
    if (rb_remain(&rb) != 0 || !zk_tree_get(&t, "/", 1))
        goto err_parse;
    zk_tree_free(&Z.tree);
    Z.tree = t;
    s.next_id = Z.sessions.next_id > s.next_id ? Z.sessions.next_id : s.next_id;
    zk_sessions_free(&Z.sessions);
    Z.sessions = s;
    Z.last_zxid = zxid;
    return 0;
err_parse:
    zk_tree_free(&t);
    zk_sessions_free(&s);
    return -1;
}

int zk_snap_write(const char *dir) {
    wbuf wb;
    wb_init(&wb, 64 * 1024);
    zk_snap_serialize(&wb);
    char tmp[1300], path[1200];
    snprintf(path, sizeof path, "%s/snapshot.%" PRIx64, dir, (uint64_t)Z.last_zxid);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -1 : 0;
    for (size_t off = 0; !rc && off < wb.len;) {
        ssize_t n = write(fd, wb.data + off, wb.len - off);
        if (n < 0 && errno != EINTR)
            rc = -1;
        else if (n > 0)
            off += (size_t)n;
    }
    if (!rc && fsync(fd) != 0)
        rc = -1;
    if (fd >= 0)
        close(fd);
    if (!rc && rename(tmp, path) != 0)
        rc = -1;
    if (!rc && dir_fsync(dir) != 0)
        rc = -1;
    if (rc)
        log_error(ZK_LOGGER_SNAP, "Cannot write snapshot %s: %s", path, strerror(errno));
    else
        log_info(ZK_LOGGER_SNAP, "Snapshotted to %s (%zu bytes, %zu znodes, %zu sessions)", path,
                 wb.len, Z.tree.count, Z.sessions.count);
    wb_free(&wb);
    Z.txns_since_snap = 0;
    return rc;
}

/* Removes snapshot.*.tmp left by a crash in the middle of zk_snap_write. */
static void remove_partial(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[1200];
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (!strncmp(de->d_name, "snapshot.", 9) && l > 4 && !strcmp(de->d_name + l - 4, ".tmp")) {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            if (unlink(path) == 0)
                log_info(ZK_LOGGER_SNAP, "Removed partial snapshot %s", path);
        }
    }
    if (d)
        closedir(d);
}

int64_t zk_snap_load(const char *dir) {
    remove_partial(dir);
    zk_named *f;
    int n = zk_list_files(dir, "snapshot.", &f);
    int64_t zxid = -1;
    for (int i = n - 1; i >= 0 && zxid < 0; i--) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, f[i].name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        uint8_t *buf = malloc((size_t)st.st_size + 1);
        ssize_t got = read(fd, buf, (size_t)st.st_size);
        close(fd);
        if (got == st.st_size && zk_snap_deserialize(buf, (size_t)got) == 0) {
            zxid = Z.last_zxid;
            log_info(ZK_LOGGER_SNAP, "Reading snapshot %s", path);
        } else {
            log_warn(ZK_LOGGER_SNAP, "Invalid snapshot %s; trying an older one", path);
        }
        free(buf);
    }
    free(f);
    return zxid;
}

void zk_purge(const char *snap_dir, const char *log_dir, int retain) {
    zk_named *s, *l;
    int ns = zk_list_files(snap_dir, "snapshot.", &s);
    int nl = zk_list_files(log_dir, "log.", &l);
    char path[1200];
    if (ns > retain) {
        int64_t oldest = s[ns - retain].zxid;
        for (int i = 0; i < ns - retain; i++) {
            snprintf(path, sizeof path, "%s/%s", snap_dir, s[i].name);
            if (unlink(path) == 0)
                log_info(ZK_LOGGER_PURGE, "Removing file: %s", path);
        }
        for (int i = 0; i + 1 < nl; i++) {
            if (l[i + 1].zxid > oldest + 1)
                break;
            snprintf(path, sizeof path, "%s/%s", log_dir, l[i].name);
            if (unlink(path) == 0)
                log_info(ZK_LOGGER_PURGE, "Removing file: %s", path);
        }
    }
    free(s);
    free(l);
}
