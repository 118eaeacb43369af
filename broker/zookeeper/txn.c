/* txn.c -- where a write request becomes a transaction, and where a
 * transaction changes the tree.
 *
 * zk_txn_prepare checks a request against the current tree (with the
 * effects of earlier ops of the same multi layered on top, as ZooKeeper's
 * PrepRequestProcessor does with its outstanding ChangeRecords), in
 * ZooKeeper's order of checks, and encodes the result as one record with
 * the next zxid. zk_txn_apply decodes a record and applies it; it is the
 * only code that mutates the tree, used both live and by recovery (and, in
 * the ensemble, by followers), so replaying the log gives the same tree.
 *
 * Record format (big-endian, jute encodings; our own, not Apache's):
 *   TxnHeader  int64 zxid, int64 time (wall ms), int64 sessionId,
 *              int32 cxid, int32 type
 *   body by type:
 *     CREATE  (1)   ustring path, buffer data, acls, int64 ephemeralOwner
 *     DELETE  (2)   ustring path
 *     SETDATA (5)   ustring path, buffer data, int32 newVersion
 *     SETACL  (7)   ustring path, acls, int32 newAversion
 *     CHECK   (13)  ustring path                     (no effect)
 *     RECONFIG (16) ustring path (/zookeeper/config), buffer data (the new
 *                   membership and "version=<hex zxid>"): set with version
 *                   -1, as ZooKeeper's reconfig SetDataTxn; then the
 *                   ensemble adopts it (zk_quorum_config_applied)
 *     MULTI   (14)  int32 n, n x (int32 txnType, int32 requestOpcode, body)
 *     CREATE_SESSION (-10)  int32 timeout
 *     CLOSE_SESSION  (-11)  (none: deletes the session's ephemerals)
 *   acls = int32 n, n x (int32 perms, ustring scheme, ustring id)
 * All ops of a multi share its zxid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logger.h"
#include "zk.h"

/* ------------------------------------------------------------------------
 * Encoding helpers
 * ---------------------------------------------------------------------- */
static void put_str(wbuf *wb, const char *s, int32_t len) {
    wb_i32(wb, len);
    if (len > 0)
        wb_write(wb, s, (size_t)len);
}

static void put_acls(wbuf *wb, const zk_acls *a) {
    wb_i32(wb, a->n);
    for (int32_t i = 0; i < a->n; i++) {
        wb_i32(wb, a->v[i].perms);
        put_str(wb, a->v[i].scheme, (int32_t)strlen(a->v[i].scheme));
        put_str(wb, a->v[i].id, (int32_t)strlen(a->v[i].id));
    }
}

static void put_header(wbuf *wb, int64_t zxid, int64_t sid, int32_t cxid, int32_t type) {
    wb_i64(wb, zxid);
    wb_i64(wb, ae_wall_ms());
    wb_i64(wb, sid);
    wb_i32(wb, cxid);
    wb_i32(wb, type);
}

/* ------------------------------------------------------------------------
 * Prepare: the overlay of changes made by earlier ops of one multi
 * ---------------------------------------------------------------------- */
typedef struct chg {
    char *path;
    bool exists;
    int32_t version, aversion, cversion, nkids;
    int64_t owner;
    zk_acls acl; /* owned copy */
} chg;

typedef struct overlay {
    chg *v;
    int n, cap;
} overlay;

static void ov_free(overlay *o) {
    for (int i = 0; i < o->n; i++) {
        free(o->v[i].path);
        zk_acls_free(&o->v[i].acl);
    }
    free(o->v);
}

/* The node's current state (overlay first, then the tree); false if it
 * does not exist. *out borrows the acl. */
static bool ov_get(const overlay *o, const char *path, size_t len, chg *out) {
    for (int i = o->n - 1; i >= 0; i--) {
        if (strlen(o->v[i].path) == len && !memcmp(o->v[i].path, path, len)) {
            *out = o->v[i];
            return out->exists;
        }
    }
    zk_node *n = zk_tree_get(&Z.tree, path, len);
    if (!n)
        return false;
    out->path = n->path;
    out->exists = true;
    out->version = n->version;
    out->aversion = n->aversion;
    out->cversion = n->cversion;
    out->nkids = n->nkids;
    out->owner = n->ephemeralOwner;
    out->acl = n->acl;
    return true;
}

static void ov_put(overlay *o, const char *path, size_t len, const chg *c) {
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 8;
        o->v = realloc(o->v, (size_t)o->cap * sizeof(chg));
    }
    chg *e = &o->v[o->n++];
    *e = *c;
    e->path = strndup(path, len);
    zk_acls_copy(&e->acl, &c->acl);
}

static bool is_special(const char *p, size_t len) {
    static const char *const sp[] = {"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"};
    for (size_t i = 0; i < 4; i++)
        if (strlen(sp[i]) == len && !memcmp(sp[i], p, len))
            return true;
    return false;
}

static bool owner_is_session(int64_t owner) {
    return owner != 0 && owner != ZK_CONTAINER_OWNER && (owner & ZK_TTL_MASK) != ZK_TTL_MASK;
}

typedef struct prep_ctx {
    int64_t sid;
    const zk_authid *ids;
    int nids;
    overlay ov;
} prep_ctx;

/* One op: checks it and appends its body (after type words) to out. */
static int prep_op(prep_ctx *x, const jute_req *r, int32_t op, wbuf *out, bool in_multi) {
    const char *p = r->path.s;
    size_t plen = r->path.len > 0 ? (size_t)r->path.len : 0;
    if (r->path.len < 0)
        return ZBADARGUMENTS;
    chg node, parent;
    switch (op) {
    case ZOO_CREATE_OP:
    case ZOO_CREATE2_OP:
    case ZOO_CREATE_CONTAINER_OP:
    case ZOO_CREATE_TTL_OP: {
        int32_t flags = r->flags;
        int64_t ttl = op == ZOO_CREATE_TTL_OP ? r->ttl : -1;
        if (op == ZOO_CREATE_CONTAINER_OP)
            flags = ZOO_CONTAINER;
        if (flags < 0 || flags > 6)
            return ZBADARGUMENTS;
        bool is_ttl = flags == ZOO_PERSISTENT_WITH_TTL || flags == ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL;
        if (is_ttl && !Z.cfg.extended_types)
            return ZUNIMPLEMENTED;
        if (is_ttl ? (ttl <= 0 || ttl > ZK_TTL_MAX) : ttl >= 0)
            return ZBADARGUMENTS;
        if (op == ZOO_CREATE_TTL_OP && !is_ttl)
            return ZBADARGUMENTS;
        if (plen == 0 || p[0] != '/' || memchr(p, '\0', plen))
            return ZBADARGUMENTS;
        zk_acls acl;
        int rc = zk_acl_fixup(&r->acl, x->ids, x->nids, &acl);
        if (rc)
            return rc;
        size_t parent_len = zk_path_parent_len(p, plen);
        if (!ov_get(&x->ov, p, parent_len, &parent)) {
            zk_acls_free(&acl);
            return ZNONODE;
        }
        if (!zk_acl_check(&parent.acl, ZOO_PERM_CREATE, x->ids, x->nids)) {
            zk_acls_free(&acl);
            return ZNOAUTH;
        }
        char *full = malloc(plen + 16);
        memcpy(full, p, plen);
        size_t flen = plen;
        bool seq = flags == 2 || flags == 3 || flags == ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL;
        if (seq)
            flen += (size_t)sprintf(full + plen, "%010d", parent.cversion);
        full[flen] = '\0';
        rc = zk_path_validate(full, flen);
        if (!rc && ov_get(&x->ov, full, flen, &node))
            rc = ZNODEEXISTS;
        if (!rc && owner_is_session(parent.owner))
            rc = ZNOCHILDRENFOREPHEMERALS;
        if (rc) {
            free(full);
            zk_acls_free(&acl);
            return rc;
        }
        int64_t owner = flags == ZOO_EPHEMERAL || flags == 3 ? x->sid
                        : flags == ZOO_CONTAINER             ? ZK_CONTAINER_OWNER
                        : is_ttl                             ? (ZK_TTL_MASK | ttl)
                                                             : 0;
        put_str(out, full, (int32_t)flen);
        put_str(out, r->data.s, r->data.len);
        put_acls(out, &acl);
        wb_i64(out, owner);
        if (in_multi) {
            chg pc = parent, nc = {0};
            pc.cversion++;
            pc.nkids++;
            ov_put(&x->ov, p, parent_len, &pc);
            nc.exists = true;
            nc.owner = owner;
            nc.acl = acl;
            ov_put(&x->ov, full, flen, &nc);
        }
        free(full);
        zk_acls_free(&acl);
        return ZOK;
    }
    case ZOO_DELETE_OP: {
        if (plen == 0 || p[0] != '/' || memchr(p, '\0', plen) || is_special(p, plen) ||
            zk_path_validate(p, plen))
            return ZBADARGUMENTS;
        size_t parent_len = zk_path_parent_len(p, plen);
        if (!ov_get(&x->ov, p, parent_len, &parent) || !ov_get(&x->ov, p, plen, &node))
            return ZNONODE;
        if (!zk_acl_check(&parent.acl, ZOO_PERM_DELETE, x->ids, x->nids))
            return ZNOAUTH;
        if (r->version != -1 && r->version != node.version)
            return ZBADVERSION;
        if (node.nkids > 0)
            return ZNOTEMPTY;
        put_str(out, p, (int32_t)plen);
        if (in_multi) {
            chg pc = parent, nc = {0};
            pc.nkids--;
            ov_put(&x->ov, p, parent_len, &pc);
            ov_put(&x->ov, p, plen, &nc);
        }
        return ZOK;
    }
    case ZOO_SETDATA_OP:
    case ZOO_CHECK_OP: {
        if (zk_path_validate(p, plen))
            return ZBADARGUMENTS;
        if (!ov_get(&x->ov, p, plen, &node))
            return ZNONODE;
        int32_t perm = op == ZOO_SETDATA_OP ? ZOO_PERM_WRITE : ZOO_PERM_READ;
        if (!zk_acl_check(&node.acl, perm, x->ids, x->nids))
            return ZNOAUTH;
        if (r->version != -1 && r->version != node.version)
            return ZBADVERSION;
        put_str(out, p, (int32_t)plen);
        if (op == ZOO_SETDATA_OP) {
            put_str(out, r->data.s, r->data.len);
            wb_i32(out, node.version + 1);
            if (in_multi) {
                chg nc = node;
                nc.version++;
                ov_put(&x->ov, p, plen, &nc);
            }
        }
        return ZOK;
    }
    case ZOO_SETACL_OP: {
        if (zk_path_validate(p, plen))
            return ZBADARGUMENTS;
        zk_acls acl;
        int rc = zk_acl_fixup(&r->acl, x->ids, x->nids, &acl);
        if (rc)
            return rc;
        if (!ov_get(&x->ov, p, plen, &node))
            rc = ZNONODE;
        else if (!zk_acl_check(&node.acl, ZOO_PERM_ADMIN, x->ids, x->nids))
            rc = ZNOAUTH;
        else if (r->version != -1 && r->version != node.aversion)
            rc = ZBADVERSION;
        if (!rc) {
            put_str(out, p, (int32_t)plen);
            put_acls(out, &acl);
            wb_i32(out, node.aversion + 1);
        }
        zk_acls_free(&acl);
        return rc;
    }
    default:
        return ZUNIMPLEMENTED;
    }
}

static int32_t txn_type_of(int32_t op) {
    switch (op) {
    case ZOO_CREATE_OP:
    case ZOO_CREATE2_OP:
    case ZOO_CREATE_CONTAINER_OP:
    case ZOO_CREATE_TTL_OP: return ZK_TXN_CREATE;
    case ZOO_DELETE_OP: return ZK_TXN_DELETE;
    case ZOO_SETDATA_OP: return ZK_TXN_SETDATA;
    case ZOO_SETACL_OP: return ZK_TXN_SETACL;
    case ZOO_CHECK_OP: return ZK_TXN_CHECK;
    default: return 0;
    }
}

int zk_txn_prepare(const jute_req *r, int64_t sid, int32_t cxid, const zk_authid *ids, int nids,
                   wbuf *out, int32_t *multi_errs) {
    prep_ctx x = {sid, ids, nids, {0}};
    int64_t zxid = Z.last_zxid + 1;
    size_t start = out->len;
    int rc = ZOK;
    if (r->type == ZOO_MULTI_OP) {
        put_header(out, zxid, sid, cxid, ZK_TXN_MULTI);
        wb_i32(out, r->nops);
        int failed = -1;
        for (int32_t i = 0; i < r->nops; i++) {
            const jute_req *o = &r->ops[i];
            int32_t t = txn_type_of(o->type);
            wb_i32(out, t);
            wb_i32(out, o->type);
            int e = t ? prep_op(&x, o, o->type, out, true) : ZUNIMPLEMENTED;
            if (e) {
                failed = i;
                for (int32_t j = 0; j < r->nops; j++)
                    multi_errs[j] = j < i ? ZOK : j == i ? e : ZRUNTIMEINCONSISTENCY;
                break;
            }
        }
        if (failed >= 0) {
            out->len = start;
            rc = 1;
        }
    } else {
        put_header(out, zxid, sid, cxid, txn_type_of(r->type));
        rc = txn_type_of(r->type) ? prep_op(&x, r, r->type, out, false) : ZUNIMPLEMENTED;
        if (rc)
            out->len = start;
    }
    ov_free(&x.ov);
    return rc;
}

void zk_txn_create_session(wbuf *out, int64_t sid, int32_t timeout) {
    put_header(out, Z.last_zxid + 1, sid, 0, ZK_TXN_CREATE_SESSION);
    wb_i32(out, timeout);
}

void zk_txn_close_session(wbuf *out, int64_t sid, int32_t cxid) {
    put_header(out, Z.last_zxid + 1, sid, cxid, ZK_TXN_CLOSE_SESSION);
}

void zk_txn_reconfig(wbuf *out, int64_t sid, int32_t cxid, const char *config, size_t len) {
    put_header(out, Z.last_zxid + 1, sid, cxid, ZK_TXN_RECONFIG);
    put_str(out, "/zookeeper/config", 17);
    put_str(out, config, (int32_t)len);
}

void zk_txn_delete_node(wbuf *out, const char *path, int64_t sid) {
    put_header(out, Z.last_zxid + 1, sid, 0, ZK_TXN_DELETE);
    put_str(out, path, (int32_t)strlen(path));
}

void zk_txn_error(wbuf *out, int64_t zxid, int64_t sid, int32_t cxid, int32_t err,
                  const int32_t *errs, int32_t n) {
    put_header(out, zxid ? zxid : Z.last_zxid + 1, sid, cxid, ZK_TXN_ERROR);
    wb_i32(out, err);
    wb_i32(out, n);
    for (int32_t i = 0; i < n; i++)
        wb_i32(out, errs[i]);
}

/* ------------------------------------------------------------------------
 * Apply
 * ---------------------------------------------------------------------- */
typedef struct hdr {
    int64_t zxid, time, sid;
    int32_t cxid, type;
} hdr;

static int get_acls(rbuf *rb, zk_acls *a) {
    int32_t n;
    a->n = 0;
    a->v = NULL;
    rb_read_i32(rb, &n);
    rb_check_count(rb, n, 12);
    if (n < 0)
        goto err_parse;
    a->v = n ? calloc((size_t)n, sizeof(zk_acl)) : NULL;
    for (int32_t i = 0; i < n; i++) {
        kstr s, id;
        rb_read_i32(rb, &a->v[i].perms);
        rb_read_bytes(rb, &s);
        rb_read_bytes(rb, &id);
        if (s.len < 0 || id.len < 0)
            goto err_parse;
        a->v[i].scheme = kstr_dup(s);
        a->v[i].id = kstr_dup(id);
        a->n = i + 1;
    }
    return 0;
err_parse:
    zk_acls_free(a);
    return -1;
}

static void results_add(zk_results **res, int *cap, int32_t type) {
    if (!*res || (*res)->n == *cap) {
        *cap = *cap ? *cap * 2 : 1;
        zk_results *n = realloc(*res, sizeof(zk_results) + (size_t)*cap * sizeof(zk_op_result));
        if (!*res)
            n->n = 0;
        *res = n;
    }
    zk_op_result *o = &(*res)->v[(*res)->n++];
    memset(o, 0, sizeof(*o));
    o->type = type;
}

static void delete_node(zk_node *n, int64_t zxid) {
    size_t len = strlen(n->path);
    char *path = strdup(n->path);
    zk_node *parent = n->parent;
    if (parent && zxid > parent->pzxid)
        parent->pzxid = zxid;
    zk_tree_remove(&Z.tree, n);
    zk_watch_fire(path, len, ZOO_DELETED_EVENT);
    zk_watch_fire(path, zk_path_parent_len(path, len), ZOO_CHILD_EVENT);
    free(path);
}

/* One op body. Returns 0, or -1 (malformed or inconsistent with the tree). */
static int apply_op(rbuf *rb, const hdr *h, int32_t type, zk_op_result *o) {
    kstr path, data;
    zk_acls acl = {0};
    zk_node *n;
    rb_read_bytes(rb, &path);
    if (path.len <= 0)
        goto err_parse;
    switch (type) {
    case ZK_TXN_CREATE: {
        int64_t owner;
        /* as prepare checked it: a record from disk or a leader may not add
         * a node the snapshot could not hold (a NUL in its name would make
         * "/a\0b" serialize as a second "/a") */
        if (zk_path_validate(path.s, (size_t)path.len) != ZOK)
            goto err_parse;
        rb_read_bytes(rb, &data);
        if (get_acls(rb, &acl))
            goto err_parse;
        rb_read_i64(rb, &owner);
        n = zk_tree_add(&Z.tree, path.s, (size_t)path.len, (const uint8_t *)data.s, data.len, &acl);
        zk_acls_free(&acl);
        if (!n)
            goto err_parse;
        n->czxid = n->mzxid = n->pzxid = h->zxid;
        n->ctime = n->mtime = h->time;
        n->ephemeralOwner = owner;
        if (n->parent) {
            n->parent->cversion++;
            n->parent->pzxid = h->zxid;
        }
        zk_watch_fire(path.s, (size_t)path.len, ZOO_CREATED_EVENT);
        zk_watch_fire(path.s, zk_path_parent_len(path.s, (size_t)path.len), ZOO_CHILD_EVENT);
        break;
    }
    case ZK_TXN_DELETE:
        n = zk_tree_get(&Z.tree, path.s, (size_t)path.len);
        if (!n || n->nkids || !n->parent)
            goto err_parse;
        delete_node(n, h->zxid);
        n = NULL;
        break;
    case ZK_TXN_SETDATA:
    case ZK_TXN_RECONFIG: {
        int32_t version = -1;
        rb_read_bytes(rb, &data);
        if (type == ZK_TXN_SETDATA)
            rb_read_i32(rb, &version);
        n = zk_tree_get(&Z.tree, path.s, (size_t)path.len);
        if (!n)
            goto err_parse;
        zk_node_set_data(&Z.tree, n, (const uint8_t *)data.s, data.len);
        n->version = version;
        n->mzxid = h->zxid;
        n->mtime = h->time;
        zk_watch_fire(path.s, (size_t)path.len, ZOO_CHANGED_EVENT);
        break;
    }
    case ZK_TXN_SETACL: {
        int32_t aversion;
        if (get_acls(rb, &acl))
            goto err_parse;
        rb_read_i32(rb, &aversion);
        n = zk_tree_get(&Z.tree, path.s, (size_t)path.len);
        if (!n) {
            zk_acls_free(&acl);
            goto err_parse;
        }
        zk_acls_free(&n->acl);
        n->acl = acl;
        n->aversion = aversion;
        break;
    }
    case ZK_TXN_CHECK:
        n = zk_tree_get(&Z.tree, path.s, (size_t)path.len);
        break;
    default:
        goto err_parse;
    }
    if (o) {
        o->path = kstr_dup(path);
        if (n)
            zk_node_stat(n, &o->stat);
    }
    return 0;
err_parse:
    zk_acls_free(&acl);
    return -1;
}

static void collect_ephemeral(const zk_node *n, void *arg) {
    void **a = arg;
    int64_t sid = *(int64_t *)a[0];
    if (n->ephemeralOwner == sid && zk_node_is_ephemeral(n)) {
        wbuf *paths = a[1];
        wb_write(paths, n->path, strlen(n->path) + 1);
    }
}

static void close_session(int64_t sid, int64_t zxid) {
    wbuf paths;
    wb_init(&paths, 256);
    void *arg[2] = {&sid, &paths};
    zk_tree_walk(&Z.tree, collect_ephemeral, arg);
    for (size_t off = 0; off < paths.len;) {
        const char *p = (const char *)paths.data + off;
        size_t l = strlen(p);
        zk_node *n = zk_tree_get(&Z.tree, p, l);
        if (n && !n->nkids)
            delete_node(n, zxid);
        off += l + 1;
    }
    wb_free(&paths);
    zk_session_remove(&Z.sessions, sid);
}

int64_t zk_txn_zxid(const uint8_t *p, size_t len) {
    return len >= 8 ? (int64_t)be64_get(p) : -1;
}

int zk_txn_apply(const uint8_t *p, size_t len, zk_results **res) {
    rbuf rb;
    rb_init(&rb, p, len);
    hdr h = {0};
    zk_results *out = NULL;
    int cap = 0;
    rb_read_i64(&rb, &h.zxid);
    rb_read_i64(&rb, &h.time);
    rb_read_i64(&rb, &h.sid);
    rb_read_i32(&rb, &h.cxid);
    rb_read_i32(&rb, &h.type);
    switch (h.type) {
    case ZK_TXN_CREATE_SESSION: {
        int32_t timeout;
        rb_read_i32(&rb, &timeout);
        zk_session_add(&Z.sessions, h.sid, timeout);
        break;
    }
    case ZK_TXN_CLOSE_SESSION:
        close_session(h.sid, h.zxid);
        break;
    case ZK_TXN_ERROR: { /* no effect on the tree */
        int32_t err, n;
        rb_read_i32(&rb, &err);
        rb_read_i32(&rb, &n);
        rb_check_count(&rb, n, 4);
        break;
    }
    case ZK_TXN_MULTI: {
        int32_t n;
        rb_read_i32(&rb, &n);
        rb_check_count(&rb, n, 12);
        for (int32_t i = 0; i < n; i++) {
            int32_t t, op;
            rb_read_i32(&rb, &t);
            rb_read_i32(&rb, &op);
            results_add(&out, &cap, op);
            if (apply_op(&rb, &h, t, &out->v[out->n - 1]))
                goto err_parse;
        }
        break;
    }
    default:
        results_add(&out, &cap, h.type);
        if (apply_op(&rb, &h, h.type, &out->v[0]))
            goto err_parse;
        if (h.type == ZK_TXN_RECONFIG) {
            const zk_node *cfg = zk_tree_get(&Z.tree, "/zookeeper/config", 17);
            zk_quorum_config_applied(h.zxid, (const char *)cfg->data, cfg->dlen > 0 ? (size_t)cfg->dlen : 0);
        }
    }
    if (h.zxid > Z.last_zxid)
        Z.last_zxid = h.zxid;
    Z.txns_since_snap++;
    zk_digest_applied(h.zxid);
    if (res)
        *res = out;
    else
        zk_results_free(out);
    return 0;
err_parse:
    log_error(ZK_LOGGER_SERVER, "Malformed or inconsistent transaction zxid 0x%llx type %d",
              (unsigned long long)h.zxid, h.type);
    if (h.zxid > Z.last_zxid)
        Z.last_zxid = h.zxid;
    zk_results_free(out);
    if (res)
        *res = NULL;
    return -1;
}

void zk_results_free(zk_results *r) {
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        free(r->v[i].path);
    free(r);
}
