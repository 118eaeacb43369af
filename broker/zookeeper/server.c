/* server.c -- the client port: connections, the session handshake, request
 * dispatch, replies, and the event-loop hooks that make writes durable
 * before anything is answered.
 *
 * Per connection: input collects in c->in; complete frames (int32 length,
 * at most jute.maxbuffer) are handled in order, so replies keep request
 * order (clients check xids FIFO). A fresh connection's first 4 bytes may be
 * a four-letter word instead. Reads are answered from the tree at once;
 * writes go through txn.c (prepare -> log -> apply). Replies and watch
 * notifications are appended to c->out and written only in before_sleep,
 * after the transaction log of this iteration is fdatasync'ed (group
 * commit), so no client ever sees a change that a crash could lose.
 * A malformed or oversized frame closes that connection only. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anet.h"
#include "array.h"
#include "logger.h"
#include "service_notify.h"
#include "zk.h"

zk_server Z;

#define READ_CHUNK (64 * 1024)
#define CRON_MS 100

static void conn_free(zk_conn *c);
static void conn_write(aeEventLoop *el, int fd, void *arg, int mask);

/* ------------------------------------------------------------------------
 * Output
 * ---------------------------------------------------------------------- */
static size_t reply_begin(zk_conn *c, int32_t xid, int32_t err) {
    size_t at = jute_frame_begin(&c->out);
    jute_replyhdr h = {xid, Z.last_zxid, err};
    jute_replyhdr_write(&c->out, &h);
    return at;
}

static void reply_end(zk_conn *c, size_t at) {
    jute_frame_end(&c->out, at);
    c->sent++;
    Z.packets_sent++;
}

static void reply_err(zk_conn *c, int32_t xid, int32_t err) { reply_end(c, reply_begin(c, xid, err)); }

static void reply_resp(zk_conn *c, int32_t xid, const jute_resp *r) {
    size_t at = reply_begin(c, xid, ZOK);
    jute_resp_write(&c->out, r);
    reply_end(c, at);
}

void zk_conn_send_frame(zk_conn *c, const wbuf *body) {
    size_t at = jute_frame_begin(&c->out);
    wb_write(&c->out, body->data, body->len);
    jute_frame_end(&c->out, at);
}

void zk_conn_notify(zk_conn *c, int event, const char *path, size_t len) {
    if (c->closing)
        return;
    size_t at = jute_frame_begin(&c->out);
    jute_replyhdr h = {ZOO_NOTIFICATION_XID, -1, ZOK};
    jute_replyhdr_write(&c->out, &h);
    jute_watcher_event e = {event, ZOO_SYNC_CONNECTED_STATE, {path, (int32_t)len}};
    jute_watcher_event_write(&c->out, &e);
    reply_end(c, at);
}

zk_conn *zk_conn_by_id(uint64_t id) {
    for (zk_conn *c = Z.conns; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

/* ------------------------------------------------------------------------
 * Writes: prepare, log, apply
 * ---------------------------------------------------------------------- */
/* Logs and applies one prepared record. */
static zk_results *commit(const wbuf *rec) {
    zk_results *res = NULL;
    zk_log_append(rec->data, rec->len);
    if (Z.role == ZK_ROLE_LEADING)
        zk_quorum_proposed(rec->data, rec->len);
    zk_txn_apply(rec->data, rec->len, &res);
    return res;
}

zk_results *zk_server_commit(const wbuf *rec) { return commit(rec); }

static bool following(void) { return Z.role == ZK_ROLE_FOLLOWING; }

static void close_session_txn(int64_t sid, int32_t cxid) {
    zk_session *s = zk_session_get(&Z.sessions, sid);
    if (s)
        s->closing = true;
    wbuf rec;
    wb_init(&rec, 64);
    zk_txn_close_session(&rec, sid, cxid);
    zk_results_free(commit(&rec));
    wb_free(&rec);
}

void zk_server_reply_err(zk_conn *c, int32_t xid, int32_t err) { reply_err(c, xid, err); }

void zk_server_reply_sync(zk_conn *c, int32_t xid, const char *path) {
    jute_resp resp = {.type = ZOO_SYNC_OP};
    resp.path = path ? jute_kstr(path) : (kstr){"/", 1};
    reply_resp(c, xid, &resp);
}

/* The answer to a write: rc 1 = a failed multi (errs), another error, or
 * the results of the applied txn. */
void zk_server_reply_write(zk_conn *c, int32_t xid, int32_t type, int rc, const int32_t *errs,
                           int32_t nerrs, const zk_results *res) {
    if (rc == 1) { /* failed multi: every result an ErrorResult */
        jute_resp resp = {.type = ZOO_MULTI_OP, .nresults = nerrs};
        resp.results = calloc((size_t)nerrs, sizeof(jute_resp));
        for (int32_t i = 0; i < nerrs; i++) {
            resp.results[i].type = ZOO_ERROR_OP;
            resp.results[i].err = errs[i];
        }
        reply_resp(c, xid, &resp);
        free(resp.results);
    } else if (rc != ZOK) {
        reply_err(c, xid, rc);
    } else {
        int n = res ? res->n : 0;
        if (type == ZOO_MULTI_OP) {
            jute_resp resp = {.type = ZOO_MULTI_OP, .nresults = n};
            resp.results = n ? calloc((size_t)n, sizeof(jute_resp)) : NULL;
            for (int i = 0; i < n; i++) {
                resp.results[i].type = res->v[i].type;
                resp.results[i].path = jute_kstr(res->v[i].path);
                resp.results[i].stat = res->v[i].stat;
            }
            reply_resp(c, xid, &resp);
            free(resp.results);
        } else if (n == 1) {
            jute_resp resp = {.type = type};
            resp.path = jute_kstr(res->v[0].path);
            resp.stat = res->v[0].stat;
            if (type == ZOO_RECONFIG_OP) { /* GetDataResponse of the new config */
                const zk_node *cfg = zk_tree_get(&Z.tree, "/zookeeper/config", 17);
                resp.data = (kstr){(const char *)cfg->data, cfg->dlen};
            }
            reply_resp(c, xid, &resp);
        } else {
            reply_err(c, xid, ZSYSTEMERROR);
        }
    }
}

static void handle_write(zk_conn *c, int32_t xid, const jute_req *r) {
    wbuf rec;
    wb_init(&rec, 256);
    int32_t *errs = r->nops > 0 ? calloc((size_t)r->nops, sizeof(int32_t)) : NULL;
    int rc = r->type == ZOO_RECONFIG_OP ? zk_quorum_reconfig(r, c->sess->id, xid, &rec)
                                        : zk_txn_prepare(r, c->sess->id, xid, c->auth, c->nauth, &rec, errs);
    zk_results *res = rc == ZOK ? commit(&rec) : NULL;
    zk_server_reply_write(c, xid, r->type, rc, errs, r->nops, res);
    zk_results_free(res);
    free(errs);
    wb_free(&rec);
}

/* reconfig (ZooKeeper 3.5+): ReconfigDisabled unless reconfigEnabled; it
 * needs WRITE on /zookeeper/config, which the world may only read (so a
 * superuser, or skipACL); Unimplemented on a standalone server; a follower
 * forwards it, the leader checks it against the ensemble and answers with
 * the new /zookeeper/config (data and Stat) once it is committed.
 * Returns -1 for a malformed request (the connection closes). */
static int handle_reconfig(zk_conn *c, int32_t xid, const uint8_t *body, size_t len) {
    if (!Z.cfg.reconfig_enabled) {
        reply_err(c, xid, ZRECONFIGDISABLED);
        return 0;
    }
    jute_req r;
    if (jute_req_read(body, len, ZOO_RECONFIG_OP, &r) < 0) {
        log_warn(ZK_LOGGER_CNXN, "Malformed reconfig request from %s:%d; closing the connection",
                 c->ip, c->port);
        return -1;
    }
    const zk_node *cfg = zk_tree_get(&Z.tree, "/zookeeper/config", 17);
    int rc = ZOK;
    if (cfg && !zk_acl_check(&cfg->acl, ZOO_PERM_WRITE, c->auth, c->nauth))
        rc = ZNOAUTH;
    else if (Z.role == ZK_ROLE_STANDALONE)
        rc = ZUNIMPLEMENTED;
    else if (following())
        zk_quorum_forward(c, xid, ZOO_RECONFIG_OP, body, len);
    else
        handle_write(c, xid, &r);
    if (rc != ZOK)
        reply_err(c, xid, rc);
    jute_req_free(&r);
    return 0;
}

/* ------------------------------------------------------------------------
 * Reads
 * ---------------------------------------------------------------------- */
typedef struct eph_ctx {
    int64_t sid;
    kstr prefix;
    jute_strvec *out;
    size_t cap; /* elements allocated at out->v (array.h) */
} eph_ctx;

static void collect_eph(const zk_node *n, void *arg) {
    eph_ctx *x = arg;
    if (n->ephemeralOwner != x->sid || !zk_node_is_ephemeral(n))
        return;
    size_t pl = x->prefix.len > 0 ? (size_t)x->prefix.len : 0;
    if (pl > 1 && strncmp(n->path, x->prefix.s, pl))
        return;
    x->out->v = array_reserve(x->out->v, &x->cap, (size_t)x->out->count + 1, sizeof(kstr));
    if (!x->out->v)
        abort();
    x->out->v[x->out->count++] = jute_kstr(n->path);
}

static void children_of(const zk_node *n, jute_strvec *v) {
    v->count = n->nkids;
    v->v = n->nkids ? malloc((size_t)n->nkids * sizeof(kstr)) : NULL;
    for (int32_t i = 0; i < n->nkids; i++)
        v->v[i] = jute_kstr(n->kids[i]->name);
}

static bool valid_read_path(kstr p) {
    return p.len > 0 && zk_path_validate(p.s, (size_t)p.len) == ZOK;
}

/* A read op inside multiRead or alone: fills resp, returns the error. */
static int do_read(zk_conn *c, const jute_req *r, jute_resp *resp) {
    zk_node *n = NULL;
    resp->type = r->type;
    if (r->type != ZOO_WHOAMI_OP && r->type != ZOO_GETEPHEMERALS_OP) {
        if (!valid_read_path(r->path))
            return ZBADARGUMENTS;
        n = zk_tree_get(&Z.tree, r->path.s, (size_t)r->path.len);
    }
    switch (r->type) {
    case ZOO_EXISTS_OP:
        if (r->watch)
            zk_watch_add(r->path.s, (size_t)r->path.len, c, ZK_W_DATA);
        if (!n)
            return ZNONODE;
        zk_node_stat(n, &resp->stat);
        return ZOK;
    case ZOO_GETDATA_OP:
        if (!n)
            return ZNONODE;
        if (!zk_acl_check(&n->acl, ZOO_PERM_READ, c->auth, c->nauth))
            return ZNOAUTH;
        if (r->watch)
            zk_watch_add(r->path.s, (size_t)r->path.len, c, ZK_W_DATA);
        resp->data = (kstr){(const char *)n->data, n->dlen};
        zk_node_stat(n, &resp->stat);
        return ZOK;
    case ZOO_GETCHILDREN_OP:
    case ZOO_GETCHILDREN2_OP:
        if (!n)
            return ZNONODE;
        if (!zk_acl_check(&n->acl, ZOO_PERM_READ, c->auth, c->nauth))
            return ZNOAUTH;
        if (r->watch)
            zk_watch_add(r->path.s, (size_t)r->path.len, c, ZK_W_CHILD);
        children_of(n, &resp->children);
        zk_node_stat(n, &resp->stat);
        return ZOK;
    case ZOO_GETACL_OP:
        if (!n)
            return ZNONODE;
        if (!zk_acl_check(&n->acl, ZOO_PERM_READ | ZOO_PERM_ADMIN, c->auth, c->nauth))
            return ZNOAUTH;
        resp->acl.count = n->acl.n;
        resp->acl.v = n->acl.n ? calloc((size_t)n->acl.n, sizeof(jute_acl)) : NULL;
        for (int32_t i = 0; i < n->acl.n; i++) {
            resp->acl.v[i].perms = n->acl.v[i].perms;
            resp->acl.v[i].id.scheme = jute_kstr(n->acl.v[i].scheme);
            resp->acl.v[i].id.id = jute_kstr(n->acl.v[i].id);
        }
        zk_node_stat(n, &resp->stat);
        return ZOK;
    case ZOO_CHECK_OP:
        if (!n)
            return ZNONODE;
        if (!zk_acl_check(&n->acl, ZOO_PERM_READ, c->auth, c->nauth))
            return ZNOAUTH;
        if (r->version != -1 && r->version != n->version)
            return ZBADVERSION;
        zk_node_stat(n, &resp->stat);
        return ZOK;
    case ZOO_SYNC_OP:
        resp->path = r->path;
        return ZOK;
    case ZOO_GETALLCHILDRENNUMBER_OP:
        if (!n)
            return ZNONODE;
        if (!zk_acl_check(&n->acl, ZOO_PERM_READ, c->auth, c->nauth))
            return ZNOAUTH;
        resp->totalNumber = zk_tree_count_descendants(n);
        return ZOK;
    case ZOO_GETEPHEMERALS_OP: {
        eph_ctx x = {c->sess->id, r->path, &resp->children, 0};
        resp->children.count = 0;
        zk_tree_walk(&Z.tree, collect_eph, &x);
        return ZOK;
    }
    case ZOO_WHOAMI_OP:
        resp->clientInfo.count = c->nauth;
        resp->clientInfo.v = c->nauth ? calloc((size_t)c->nauth, sizeof(jute_clientinfo)) : NULL;
        for (int i = 0; i < c->nauth; i++) {
            resp->clientInfo.v[i].authScheme = jute_kstr(c->auth[i].scheme);
            const char *id = c->auth[i].id, *colon = strchr(id, ':');
            bool digest = !strcmp(c->auth[i].scheme, "digest") && colon;
            resp->clientInfo.v[i].user = (kstr){id, (int32_t)(digest ? colon - id : (long)strlen(id))};
        }
        return ZOK;
    default:
        return ZUNIMPLEMENTED;
    }
}

static void handle_read(zk_conn *c, int32_t xid, const jute_req *r) {
    jute_resp resp;
    memset(&resp, 0, sizeof resp);
    int err;
    if (r->type == ZOO_MULTI_READ_OP) {
        resp.type = ZOO_MULTI_READ_OP;
        resp.nresults = r->nops;
        resp.results = r->nops ? calloc((size_t)r->nops, sizeof(jute_resp)) : NULL;
        for (int32_t i = 0; i < r->nops; i++) {
            int e = do_read(c, &r->ops[i], &resp.results[i]);
            if (e) {
                jute_resp_free(&resp.results[i]);
                memset(&resp.results[i], 0, sizeof(jute_resp));
                resp.results[i].type = ZOO_ERROR_OP;
                resp.results[i].err = e;
            }
        }
        err = ZOK;
    } else {
        err = do_read(c, r, &resp);
    }
    /* getACL without ADMIN shows digest ids as "user:x" (FinalRequestProcessor) */
    char **redacted = NULL;
    int nred = 0;
    zk_node *n = !err && r->type == ZOO_GETACL_OP
                     ? zk_tree_get(&Z.tree, r->path.s, (size_t)r->path.len)
                     : NULL;
    if (n && !zk_acl_check(&n->acl, ZOO_PERM_ADMIN, c->auth, c->nauth)) {
        redacted = calloc((size_t)resp.acl.count + 1, sizeof(char *));
        for (int32_t i = 0; i < resp.acl.count; i++) {
            jute_id *id = &resp.acl.v[i].id;
            const char *colon = memchr(id->id.s, ':', (size_t)id->id.len);
            if (!kstr_eq(id->scheme, "digest") || !colon)
                continue;
            size_t ul = (size_t)(colon - id->id.s);
            char *x = malloc(ul + 3);
            memcpy(x, id->id.s, ul);
            memcpy(x + ul, ":x", 3);
            id->id = jute_kstr(x);
            redacted[nred++] = x;
        }
    }
    if (err)
        reply_err(c, xid, err);
    else
        reply_resp(c, xid, &resp);
    for (int i = 0; i < nred; i++)
        free(redacted[i]);
    free(redacted);
    jute_resp_free(&resp);
}

/* SetWatches / SetWatches2 after a reconnect (DataTree.setWatches). */
static void handle_set_watches(zk_conn *c, const jute_req *r) {
    int64_t rz = r->relativeZxid;
    const jute_strvec *lists[5] = {&r->dataWatches, &r->existWatches, &r->childWatches,
                                   &r->persistentWatches, &r->persistentRecursiveWatches};
    for (int l = 0; l < 5; l++) {
        for (int32_t i = 0; i < lists[l]->count; i++) {
            kstr p = lists[l]->v[i];
            if (!valid_read_path(p))
                continue;
            zk_node *n = zk_tree_get(&Z.tree, p.s, (size_t)p.len);
            switch (l) {
            case 0:
                if (!n)
                    zk_conn_notify(c, ZOO_DELETED_EVENT, p.s, (size_t)p.len);
                else if (n->mzxid > rz)
                    zk_conn_notify(c, ZOO_CHANGED_EVENT, p.s, (size_t)p.len);
                else
                    zk_watch_add(p.s, (size_t)p.len, c, ZK_W_DATA);
                break;
            case 1:
                if (n)
                    zk_conn_notify(c, ZOO_CREATED_EVENT, p.s, (size_t)p.len);
                else
                    zk_watch_add(p.s, (size_t)p.len, c, ZK_W_DATA);
                break;
            case 2:
                if (!n)
                    zk_conn_notify(c, ZOO_DELETED_EVENT, p.s, (size_t)p.len);
                else if (n->pzxid > rz)
                    zk_conn_notify(c, ZOO_CHILD_EVENT, p.s, (size_t)p.len);
                else
                    zk_watch_add(p.s, (size_t)p.len, c, ZK_W_CHILD);
                break;
            case 3: zk_watch_add(p.s, (size_t)p.len, c, ZK_W_PERSISTENT); break;
            case 4: zk_watch_add(p.s, (size_t)p.len, c, ZK_W_RECURSIVE); break;
            }
        }
    }
}

static void conn_add_auth(zk_conn *c, const char *scheme, const char *id) {
    for (int i = 0; i < c->nauth; i++)
        if (!strcmp(c->auth[i].scheme, scheme) && !strcmp(c->auth[i].id, id))
            return;
    c->auth = array_reserve(c->auth, &c->auth_cap, (size_t)c->nauth + 1, sizeof(zk_authid));
    if (!c->auth)
        abort();
    c->auth[c->nauth].scheme = strdup(scheme);
    c->auth[c->nauth].id = strdup(id);
    c->nauth++;
}

/* ------------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------- */
static bool is_write(int32_t type) {
    switch (type) {
    case ZOO_CREATE_OP:
    case ZOO_CREATE2_OP:
    case ZOO_CREATE_CONTAINER_OP:
    case ZOO_CREATE_TTL_OP:
    case ZOO_DELETE_OP:
    case ZOO_SETDATA_OP:
    case ZOO_SETACL_OP:
    case ZOO_MULTI_OP: return true;
    default: return false;
    }
}

static const char *op_abbrev(int32_t type) {
    switch (type) {
    case ZOO_CREATE_OP: case ZOO_CREATE2_OP: case ZOO_CREATE_CONTAINER_OP:
    case ZOO_CREATE_TTL_OP: return "CREA";
    case ZOO_DELETE_OP: return "DELE";
    case ZOO_SETDATA_OP: return "SETD";
    case ZOO_GETDATA_OP: return "GETD";
    case ZOO_EXISTS_OP: return "EXIS";
    case ZOO_GETCHILDREN_OP: return "GETC";
    case ZOO_GETCHILDREN2_OP: return "GETC";
    case ZOO_PING_OP: return "PING";
    case ZOO_MULTI_OP: return "MULT";
    case ZOO_SETACL_OP: return "SETA";
    case ZOO_GETACL_OP: return "GETA";
    case ZOO_SYNC_OP: return "SYNC";
    case ZOO_CLOSE_OP: return "CLOS";
    case ZOO_SETWATCHES_OP: case ZOO_SETWATCHES2_OP: return "SETW";
    default: return "NA";
    }
}

/* Returns -1 when the connection must be dropped at once. */
static int handle_request(zk_conn *c, const uint8_t *p, uint32_t len) {
    jute_reqhdr h;
    int off = jute_reqhdr_read(p, len, &h);
    if (off < 0)
        return -1;
    c->recved++;
    Z.packets_received++;
    if (!c->sess)
        return -1;
    if (!c->first_unanswered_ms)
        c->first_unanswered_ms = ae_mono_ms();
    zk_session_touch(c->sess);
    c->last_cxid = h.xid;
    c->last_op = op_abbrev(h.type);
    c->last_resp_ms = ae_wall_ms();
    if (h.type == ZOO_PING_OP) {
        reply_err(c, h.xid, ZOK);
        return 0;
    }
    if (h.type == ZOO_RECONFIG_OP)
        return handle_reconfig(c, h.xid, p + off, len - (uint32_t)off);
    if (following() && (h.type == ZOO_CLOSE_OP || is_write(h.type) || h.type == ZOO_SYNC_OP)) {
        /* the leader turns it into a txn; the answer comes with its commit */
        zk_quorum_forward(c, h.xid, h.type, p + off, len - (uint32_t)off);
        return 0;
    }
    if (h.type == ZOO_CLOSE_OP) {
        int64_t sid = c->sess->id;
        log_info(ZK_LOGGER_SERVER, "Closing session 0x%" PRIx64, (uint64_t)sid);
        close_session_txn(sid, h.xid);
        reply_err(c, h.xid, ZOK);
        c->closing = true;
        return 0;
    }
    jute_req r;
    int rc = jute_req_read(p + off, len - (uint32_t)off, h.type, &r);
    if (rc < 0) {
        if (!strcmp(jute_op_str(h.type), "unknown") || h.type == ZOO_SASL_OP ||
            h.type == ZOO_NOTIFY_OP || h.type == ZOO_CREATE_SESSION_OP ||
            h.type == ZOO_DELETE_CONTAINER_OP || h.type == ZOO_ERROR_OP) {
            /* UnimplementedRequestProcessor: answer, then end the session */
            log_warn(ZK_LOGGER_SERVER, "Unknown opcode %d from 0x%" PRIx64 "; closing the session",
                     h.type, (uint64_t)c->sess->id);
            reply_err(c, h.xid, ZUNIMPLEMENTED);
            if (!following()) /* a follower's session expires at the leader */
                close_session_txn(c->sess->id, h.xid);
            c->closing = true;
            return 0;
        }
        log_warn(ZK_LOGGER_CNXN, "Malformed %s request from %s:%d; closing the connection",
                 jute_op_str(h.type), c->ip, c->port);
        return -1;
    }
    switch (h.type) {
    case ZOO_SETAUTH_OP:
        if (kstr_eq(r.scheme, "digest") && r.auth.len > 0 &&
            memchr(r.auth.s, ':', (size_t)r.auth.len)) {
            char *d = zk_digest(r.auth.s, (size_t)r.auth.len);
            conn_add_auth(c, "digest", d);
            if (Z.cfg.super_digest[0] && !strcmp(d, Z.cfg.super_digest))
                conn_add_auth(c, "super", ""); /* DigestAuthenticationProvider.superDigest */
            free(d);
            reply_err(c, h.xid, ZOK);
        } else {
            log_warn(ZK_LOGGER_SERVER, "Authentication failed for scheme: %.*s", KSTR_PR(r.scheme));
            reply_err(c, h.xid, ZAUTHFAILED);
            c->closing = true;
        }
        break;
    case ZOO_SETWATCHES_OP:
    case ZOO_SETWATCHES2_OP:
        handle_set_watches(c, &r);
        reply_err(c, h.xid, ZOK); /* the Java client sends setWatches2 with a normal xid */
        break;
    case ZOO_ADDWATCH_OP:
        if (!valid_read_path(r.path) || (r.mode != 0 && r.mode != 1)) {
            reply_err(c, h.xid, ZBADARGUMENTS);
            break;
        }
        zk_watch_add(r.path.s, (size_t)r.path.len, c, r.mode ? ZK_W_RECURSIVE : ZK_W_PERSISTENT);
        { /* FinalRequestProcessor answers addWatch with ErrorResponse(0) */
            size_t at = reply_begin(c, h.xid, ZOK);
            wb_i32(&c->out, 0);
            reply_end(c, at);
        }
        break;
    case ZOO_CHECK_WATCHES_OP:
    case ZOO_REMOVE_WATCHES_OP: {
        int kinds = r.mode == ZOO_WATCHER_CHILDREN ? ZK_W_CHILD
                    : r.mode == ZOO_WATCHER_DATA   ? ZK_W_DATA
                                                   : (ZK_W_DATA | ZK_W_CHILD | ZK_W_PERSISTENT |
                                                      ZK_W_RECURSIVE);
        if (!valid_read_path(r.path)) {
            reply_err(c, h.xid, ZBADARGUMENTS);
            break;
        }
        int n = zk_watch_remove(r.path.s, (size_t)r.path.len, c, kinds,
                                h.type == ZOO_CHECK_WATCHES_OP);
        reply_err(c, h.xid, n ? ZOK : ZNOWATCHER);
        break;
    }
    default:
        if (is_write(h.type))
            handle_write(c, h.xid, &r);
        else
            handle_read(c, h.xid, &r);
    }
    c->last_zxid = Z.last_zxid;
    jute_req_free(&r);
    return 0;
}

/* ------------------------------------------------------------------------
 * Handshake
 * ---------------------------------------------------------------------- */
/* A reconnect with session sid: attach it to c if it is alive and the
 * password (16 bytes, NULL if the client sent another length) matches, else
 * answer "expired" (timeout 0, session 0) and close after the answer. */
static void attach_session(zk_conn *c, int64_t sid, const uint8_t *passwd, int32_t to,
                           jute_connect_resp *resp, uint8_t pw[16]) {
    zk_session *s = zk_session_get(&Z.sessions, sid);
    zk_session_passwd(sid, pw);
    if (!s || s->closing || !passwd || memcmp(passwd, pw, 16)) {
        log_info(ZK_LOGGER_SERVER, "Invalid session 0x%" PRIx64 " for client /%s:%d, probably expired",
                 (uint64_t)sid, c->ip, c->port);
        memset(pw, 0, 16);
        resp->timeOut = 0;
        resp->sessionId = 0;
        c->closing = true;
        return;
    }
    if (s->conn && s->conn != c) {
        s->conn->sess = NULL;
        s->conn->closing = true;
    }
    s->conn = c;
    s->timeout = to;
    zk_session_touch(s);
    c->sess = s;
    resp->sessionId = s->id;
    log_info(ZK_LOGGER_SERVER, "Established session 0x%" PRIx64 " with negotiated timeout %d for client /%s:%d (reconnect)",
             (uint64_t)s->id, to, c->ip, c->port);
}

static int handle_connect(zk_conn *c, const uint8_t *p, uint32_t len) {
    jute_connect_req req;
    if (jute_connect_req_read(p, len, &req) < 0)
        return -1;
    c->recved++;
    Z.packets_received++;
    if (req.lastZxidSeen > Z.last_zxid) {
        log_info(ZK_LOGGER_SERVER,
                 "Refusing session request for client %s:%d as it has seen zxid 0x%" PRIx64
                 " our last zxid is 0x%" PRIx64 " client must try another server",
                 c->ip, c->port, (uint64_t)req.lastZxidSeen, (uint64_t)Z.last_zxid);
        return -1;
    }
    int32_t to = req.timeOut;
    if (to < Z.cfg.min_session_timeout)
        to = Z.cfg.min_session_timeout;
    if (to > Z.cfg.max_session_timeout)
        to = Z.cfg.max_session_timeout;
    uint8_t pw[16];
    jute_connect_resp resp = {0, to, 0, {(const char *)pw, 16}, false, req.has_readOnly};
    c->handshaken = true;
    c->readonly_flag = req.readOnly;
    c->has_ro = req.has_readOnly;
    if (req.sessionId == 0 && following()) {
        /* the session is created by a txn at the leader; the handshake is
         * answered when it commits (zk_server_finish_connect) */
        c->pending_sid = zk_session_next_id(&Z.sessions);
        c->pending_to = to;
        uint8_t body[4];
        be32_put(body, (uint32_t)to);
        zk_quorum_forward(c, 0, ZOO_CREATE_SESSION_OP, body, sizeof body);
        return 0;
    }
    if (req.sessionId == 0) {
        int64_t sid = zk_session_next_id(&Z.sessions);
        wbuf rec;
        wb_init(&rec, 64);
        zk_txn_create_session(&rec, sid, to);
        zk_results_free(commit(&rec));
        wb_free(&rec);
        zk_session *s = zk_session_get(&Z.sessions, sid);
        s->conn = c;
        c->sess = s;
        resp.sessionId = sid;
        zk_session_passwd(sid, pw);
        log_info(ZK_LOGGER_SERVER, "Established session 0x%" PRIx64 " with negotiated timeout %d for client /%s:%d",
                 (uint64_t)sid, to, c->ip, c->port);
    } else {
        if (!zk_session_get(&Z.sessions, req.sessionId) && following()) {
            /* The session may be newer than what this follower applied so
             * far (created through another server): a sync through the
             * leader brings it up to date, then the session is checked
             * (zk_server_finish_revalidate), as ZooKeeper revalidates. */
            c->revalidate_sid = req.sessionId;
            c->pending_to = to;
            c->revalidate_pw_ok = req.passwd.len == 16;
            if (c->revalidate_pw_ok)
                memcpy(c->revalidate_pw, req.passwd.s, 16);
            uint8_t body[5] = {0, 0, 0, 1, '/'}; /* SyncRequest{path "/"} */
            zk_quorum_forward(c, ZK_REVALIDATE_XID, ZOO_SYNC_OP, body, sizeof body);
            return 0;
        }
        attach_session(c, req.sessionId, req.passwd.len == 16 ? (const uint8_t *)req.passwd.s : NULL,
                       to, &resp, pw);
    }
    size_t at = jute_frame_begin(&c->out);
    jute_connect_resp_write(&c->out, &resp);
    jute_frame_end(&c->out, at);
    c->sent++;
    Z.packets_sent++;
    return 0;
}

/* ------------------------------------------------------------------------
 * Connections
 * ---------------------------------------------------------------------- */
static void conn_close(zk_conn *c) {
    if (c->sess && c->sess->conn == c)
        c->sess->conn = NULL;
    aeDeleteFileEvent(Z.el, c->fd, AE_READABLE | AE_WRITABLE);
    close(c->fd);
    zk_watch_drop_conn(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        Z.conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    Z.nconns--;
    conn_free(c);
}

static void conn_free(zk_conn *c) {
    for (int i = 0; i < c->nfwd; i++)
        free(c->fwd[i].path);
    free(c->fwd);
    free(c->bar);
    for (int i = 0; i < c->nauth; i++) {
        free(c->auth[i].scheme);
        free(c->auth[i].id);
    }
    free(c->auth);
    free(c->in);
    wb_free(&c->out);
    free(c);
}

/* Handles every complete frame in c->in. -1: drop the connection now. */
static int conn_process(zk_conn *c) {
    size_t off = 0;
    while (!c->closing) {
        if (c->pending_sid || c->revalidate_sid || c->nfwd > 0)
            break; /* the rest waits for the forwarded request's commit */
        if (Z.role != ZK_ROLE_STANDALONE && !Z.serving && !c->handshaken &&
            !(c->in_len - off >= 4 && zk_4lw_is_word(c->in + off))) {
            if (c->in_len - off < 4)
                break;
            return -1; /* not in a quorum: no client is served */
        }
        if (!c->handshaken && c->in_len - off >= 4 && zk_4lw_is_word(c->in + off)) {
            zk_4lw_handle(c, c->in + off, c->in_len - off);
            c->is_4lw = true;
            c->closing = true;
            off = c->in_len;
            break;
        }
        const uint8_t *body;
        uint32_t blen;
        int n = jute_frame(c->in + off, c->in_len - off, (size_t)Z.cfg.jute_maxbuffer, &body, &blen);
        if (n < 0) {
            log_warn(ZK_LOGGER_CNXN, "Len error %d from %s:%d; closing the connection",
                     (int32_t)be32_get(c->in + off), c->ip, c->port);
            return -1;
        }
        if (n == 0)
            break;
        int rc = c->handshaken ? handle_request(c, body, blen) : handle_connect(c, body, blen);
        if (rc < 0)
            return -1;
        off += (size_t)n;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    return 0;
}

static void conn_read(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)fd;
    (void)mask;
    zk_conn *c = arg;
    if (c->in_cap - c->in_len < READ_CHUNK) {
        c->in_cap = c->in_len + READ_CHUNK;
        c->in = realloc(c->in, c->in_cap);
    }
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    if (c->closing)
        return; /* input after close/4lw is ignored */
    c->in_len += (size_t)n;
    if (conn_process(c) < 0)
        conn_close(c);
}

/* How much of c->out may leave: on a leader, output that reflects a txn
 * not yet committed (on disk at a quorum) is held back. Everything queued
 * so far reflects at most Z.last_zxid, so that is its barrier. */
static size_t flush_limit(zk_conn *c) {
    if (Z.role != ZK_ROLE_LEADING)
        return c->out.len;
    if (Z.last_zxid > Z.committed_zxid &&
        (c->nbar == 0 || c->bar[c->bar_head + c->nbar - 1].off < c->out.len)) {
        if (c->bar_head + c->nbar == c->bar_cap) {
            if (c->bar_head > 0) {
                memmove(c->bar, c->bar + c->bar_head, (size_t)c->nbar * sizeof(*c->bar));
                c->bar_head = 0;
            } else {
                c->bar_cap = c->bar_cap ? c->bar_cap * 2 : 8;
                c->bar = realloc(c->bar, (size_t)c->bar_cap * sizeof(*c->bar));
            }
        }
        c->bar[c->bar_head + c->nbar++] = (struct zk_bar){c->out.len, Z.last_zxid};
    }
    size_t limit = c->out_off;
    bool popped = false;
    while (c->nbar > 0 && c->bar[c->bar_head].zxid <= Z.committed_zxid) {
        limit = c->bar[c->bar_head].off;
        c->bar_head++;
        c->nbar--;
        popped = true;
    }
    if (c->nbar == 0) {
        c->bar_head = 0;
        return c->out.len;
    }
    if (popped) { /* partly released: keep the released part as a passed barrier */
        c->bar_head--;
        c->nbar++;
        c->bar[c->bar_head] = (struct zk_bar){limit, Z.committed_zxid};
    }
    return limit;
}

/* Writes what it can; returns -1 if the connection was closed. */
static int conn_flush(zk_conn *c) {
    size_t limit = flush_limit(c);
    while (c->out_off < limit) {
        ssize_t n = write(c->fd, c->out.data + c->out_off, limit - c->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            conn_close(c);
            return -1;
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out.len) {
        wb_reset(&c->out);
        c->out_off = 0;
        c->nbar = c->bar_head = 0;
        if (c->write_handler) {
            aeDeleteFileEvent(Z.el, c->fd, AE_WRITABLE);
            c->write_handler = false;
        }
        if (c->closing) {
            conn_close(c);
            return -1;
        }
    } else if (!c->write_handler && c->out_off < limit) {
        aeCreateFileEvent(Z.el, c->fd, AE_WRITABLE, conn_write, c);
        c->write_handler = true;
    }
    return 0;
}

static void conn_write(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)fd;
    (void)mask;
    zk_conn *c = arg;
    if (zk_log_pending())
        return; /* before_sleep flushes after the sync */
    conn_flush(c);
}

static int count_ip(const char *ip) {
    int n = 0;
    for (zk_conn *c = Z.conns; c; c = c->next)
        n += !strcmp(c->ip, ip);
    return n;
}

static void accept_handler(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)arg;
    (void)mask;
    for (int i = 0; i < 64; i++) {
        char ip[64], err[ANET_ERR_LEN];
        int port;
        int cfd = anetTcpAccept(err, fd, ip, sizeof ip, &port);
        if (cfd < 0)
            return;
        if (Z.cfg.max_client_cnxns > 0 && count_ip(ip) >= Z.cfg.max_client_cnxns) {
            log_warn(ZK_LOGGER_CNXN, "Too many connections from /%s - max is %d", ip,
                     Z.cfg.max_client_cnxns);
            close(cfd);
            continue;
        }
        anetNonBlock(NULL, cfd);
        anetEnableTcpNoDelay(NULL, cfd);
        zk_server_adopt(cfd, ip, port);
    }
}

int zk_server_adopt(int fd, const char *ip, int port) {
    zk_conn *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->fd = fd;
    c->id = ++Z.next_conn_id;
    snprintf(c->ip, sizeof c->ip, "%s", ip);
    c->port = port;
    c->established_ms = ae_wall_ms();
    c->min_lat = -1;
    c->last_op = "NA";
    wb_init(&c->out, 256);
    conn_add_auth(c, "ip", ip);
    if (aeCreateFileEvent(Z.el, fd, AE_READABLE, conn_read, c) == AE_ERR) {
        close(fd);
        conn_free(c);
        return -1;
    }
    c->next = Z.conns;
    if (Z.conns)
        Z.conns->prev = c;
    Z.conns = c;
    Z.nconns++;
    return 0;
}

/* ------------------------------------------------------------------------
 * Periodic work and the group commit
 * ---------------------------------------------------------------------- */
static void expire_one(zk_session *s, void *arg) {
    int64_t now = *(int64_t *)arg;
    if (s->closing || s->expire_at > now)
        return;
    log_info(ZK_LOGGER_SESSION, "Expiring session 0x%" PRIx64 ", timeout of %dms exceeded",
             (uint64_t)s->id, s->timeout);
    if (s->conn) {
        s->conn->closing = true;
        s->conn->sess = NULL;
        s->conn = NULL;
    }
    close_session_txn(s->id, 0);
}

typedef struct reap_ctx {
    int64_t now;
    wbuf paths;
} reap_ctx;

static void find_reapable(const zk_node *n, void *arg) {
    reap_ctx *x = arg;
    if (n->nkids)
        return;
    bool reap = false;
    if (zk_node_is_container(n))
        reap = n->cversion > 0;
    else if (zk_node_is_ttl(n))
        reap = x->now - n->mtime > (n->ephemeralOwner & ZK_TTL_MAX);
    if (reap)
        wb_write(&x->paths, n->path, strlen(n->path) + 1);
}

static void reap_containers(void) {
    reap_ctx x = {ae_wall_ms(), {0}};
    wb_init(&x.paths, 256);
    zk_tree_walk(&Z.tree, find_reapable, &x);
    for (size_t off = 0; off < x.paths.len;) {
        const char *p = (const char *)x.paths.data + off;
        off += strlen(p) + 1;
        zk_node *n = zk_tree_get(&Z.tree, p, strlen(p));
        if (!n || n->nkids)
            continue;
        wbuf rec;
        wb_init(&rec, 128);
        zk_txn_delete_node(&rec, p, 0);
        zk_results_free(commit(&rec));
        wb_free(&rec);
    }
    wb_free(&x.paths);
}

static int cron(aeEventLoop *el, long long id, void *arg) {
    (void)id;
    (void)arg;
    if (Z.stop_requested) {
        aeStop(el);
        return CRON_MS;
    }
    int64_t now = ae_mono_ms();
    log_tick();
    zk_heap_check();
    /* in an ensemble the leader decides expiry and reaps containers */
    bool decides = Z.role == ZK_ROLE_STANDALONE || (Z.role == ZK_ROLE_LEADING && Z.serving);
    if (decides)
        zk_sessions_each(&Z.sessions, expire_one, &now);
    if (decides && now - Z.last_container_ms >= Z.cfg.container_check_ms) {
        Z.last_container_ms = now;
        reap_containers();
    }
    if (Z.cfg.purge_interval > 0 &&
        now - Z.last_purge_ms >= (int64_t)Z.cfg.purge_interval * 3600 * 1000) {
        Z.last_purge_ms = now;
        zk_purge(Z.snap_dir, Z.log_dir, Z.cfg.snap_retain_count);
    }
    return CRON_MS;
}

static void before_sleep(aeEventLoop *el) {
    zk_server_flush();
    if (Z.stop_requested)
        aeStop(el);
}

void zk_server_flush(void) {
    if (zk_log_pending() && zk_log_sync() != 0) {
        log_error(ZK_LOGGER_SERVER, "Cannot write the transaction log; exiting");
        exit(2);
    }
    if (Z.role != ZK_ROLE_STANDALONE)
        zk_quorum_after_sync(); /* acks, commits */
    if (Z.txns_since_snap >= Z.cfg.snap_count) {
        zk_log_roll();
        zk_snap_write(Z.snap_dir);
    }
    int64_t now = ae_mono_ms();
    for (zk_conn *c = Z.conns, *next; c; c = next) {
        next = c->next;
        if (c->first_unanswered_ms) { /* request latency, including the group commit */
            int64_t lat = now - c->first_unanswered_ms;
            c->first_unanswered_ms = 0;
            c->last_latency = lat;
            c->total_lat += lat;
            c->nlat++;
            c->min_lat = c->min_lat < 0 || lat < c->min_lat ? lat : c->min_lat;
            c->max_lat = lat > c->max_lat ? lat : c->max_lat;
            Z.total_lat += lat;
            Z.nlat++;
            Z.min_lat = Z.min_lat < 0 || lat < Z.min_lat ? lat : Z.min_lat;
            Z.max_lat = lat > Z.max_lat ? lat : Z.max_lat;
        }
        if (c->out.len > c->out_off || c->closing)
            conn_flush(c);
    }
}

/* ------------------------------------------------------------------------
 * Start and stop
 * ---------------------------------------------------------------------- */
static int mkdirs(const char *path) {
    char buf[1200];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int zk_server_init(void) {
    snprintf(Z.snap_dir, sizeof Z.snap_dir, "%s/version-2", Z.cfg.data_dir);
    snprintf(Z.log_dir, sizeof Z.log_dir, "%s/version-2", Z.cfg.data_log_dir);
    if (mkdirs(Z.snap_dir) || mkdirs(Z.log_dir)) {
        log_error(ZK_LOGGER_SERVER, "Cannot create %s or %s: %s", Z.snap_dir, Z.log_dir,
                  strerror(errno));
        return -1;
    }
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, Z.cfg.my_id);
    Z.recovering = true;
    service_notify_progress("Loading the latest snapshot from %s", Z.snap_dir);
    int64_t snap = zk_snap_load(Z.snap_dir);
    if (Z.cfg.npeers > 0)
        zk_quorum_pre_recover(snap < 0 ? 0 : snap);
    service_notify_progress("Replaying the transaction log in %s from zxid 0x%" PRIx64, Z.log_dir,
                            (uint64_t)(snap < 0 ? 0 : snap));
    long replayed = zk_log_recover(Z.log_dir, snap < 0 ? 0 : snap);
    Z.recovering = false;
    if (replayed < 0)
        return -1;
    log_info(ZK_LOGGER_SERVER, "Recovered %zu znodes, %zu sessions, last zxid 0x%" PRIx64
             " (snapshot 0x%" PRIx64 " + %ld txns)",
             Z.tree.count, Z.sessions.count, (uint64_t)Z.last_zxid, (uint64_t)(snap < 0 ? 0 : snap),
             replayed);
    /* A fresh or replayed state gets its own snapshot, as ZooKeeper takes
     * one at start-up; the next txn starts a new log file. */
    if (snap < 0 || replayed > 0) {
        zk_log_roll();
        if (zk_snap_write(Z.snap_dir) != 0)
            return -1;
    }
    if (Z.cfg.purge_interval > 0)
        zk_purge(Z.snap_dir, Z.log_dir, Z.cfg.snap_retain_count);
    Z.last_purge_ms = Z.last_container_ms = ae_mono_ms();

    char err[ANET_ERR_LEN];
    const char *bind = Z.cfg.client_port_address[0] ? Z.cfg.client_port_address : NULL;
    Z.listen_fd = anetTcpServer(err, Z.cfg.client_port, bind, 511);
    if (Z.listen_fd < 0) {
        log_error(ZK_LOGGER_SERVER, "Cannot listen on %s:%d: %s", bind ? bind : "0.0.0.0",
                  Z.cfg.client_port, err);
        return -1;
    }
    anetNonBlock(NULL, Z.listen_fd);
    Z.el = Z.el ? Z.el : aeCreateEventLoop(65536);
    aeCreateFileEvent(Z.el, Z.listen_fd, AE_READABLE, accept_handler, NULL);
    aeCreateTimeEvent(Z.el, CRON_MS, cron, NULL);
    aeSetBeforeSleepProc(Z.el, before_sleep);
    Z.started_ms = ae_mono_ms();
    if (Z.cfg.npeers > 0 && zk_quorum_init() != 0)
        return -1;
    log_info("org.apache.zookeeper.server.NIOServerCnxnFactory",
             "binding to port %s:%d", bind ? bind : "0.0.0.0", Z.cfg.client_port);
    return 0;
}

void zk_server_run(void) { aeMain(Z.el); }

void zk_server_shutdown(void) {
    if (zk_log_pending())
        zk_log_sync();
    if (Z.role != ZK_ROLE_STANDALONE) {
        zk_quorum_shutdown();
        /* what a quorum has not committed must not be answered */
        while (Z.conns)
            conn_close(Z.conns);
    }
    while (Z.conns) {
        zk_conn *c = Z.conns;
        conn_flush(c);
        if (Z.conns == c)
            conn_close(c);
    }
    if (Z.listen_fd > 0)
        close(Z.listen_fd);
    zk_log_close();
    zk_watch_free_all();
    zk_tree_free(&Z.tree);
    zk_sessions_free(&Z.sessions);
    if (Z.el)
        aeDeleteEventLoop(Z.el);
    Z.el = NULL;
}

/* ------------------------------------------------------------------------
 * Services for the ensemble (quorum.c)
 * ---------------------------------------------------------------------- */
void zk_server_finish_connect(zk_conn *c) {
    int64_t sid = c->pending_sid;
    c->pending_sid = 0;
    zk_session *s = zk_session_get(&Z.sessions, sid);
    if (!s) {
        c->closing = true;
        return;
    }
    uint8_t pw[16];
    zk_session_passwd(sid, pw);
    s->conn = c;
    c->sess = s;
    zk_session_touch(s);
    jute_connect_resp resp = {0, c->pending_to, sid, {(const char *)pw, 16}, false, c->has_ro};
    size_t at = jute_frame_begin(&c->out);
    jute_connect_resp_write(&c->out, &resp);
    jute_frame_end(&c->out, at);
    c->sent++;
    Z.packets_sent++;
    log_info(ZK_LOGGER_SERVER, "Established session 0x%" PRIx64 " with negotiated timeout %d for client /%s:%d",
             (uint64_t)sid, c->pending_to, c->ip, c->port);
    zk_conn_resume(c);
}

void zk_server_finish_revalidate(zk_conn *c) {
    int64_t sid = c->revalidate_sid;
    c->revalidate_sid = 0;
    uint8_t pw[16];
    jute_connect_resp resp = {0, c->pending_to, 0, {(const char *)pw, 16}, false, c->has_ro};
    attach_session(c, sid, c->revalidate_pw_ok ? c->revalidate_pw : NULL, c->pending_to, &resp, pw);
    size_t at = jute_frame_begin(&c->out);
    jute_connect_resp_write(&c->out, &resp);
    jute_frame_end(&c->out, at);
    c->sent++;
    Z.packets_sent++;
    zk_conn_resume(c);
}

void zk_conn_resume(zk_conn *c) {
    if (c->closing || c->pending_sid || c->revalidate_sid || c->nfwd > 0 || !c->in_len)
        return;
    if (conn_process(c) < 0)
        c->closing = true; /* closed by the next flush (the caller walks connections) */
}

void zk_server_close_clients(void) {
    for (zk_conn *c = Z.conns, *next; c; c = next) {
        next = c->next;
        if (!c->is_4lw)
            conn_close(c);
    }
}
