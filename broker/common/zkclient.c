/* zkclient.c -- asynchronous ZooKeeper client on the ae event loop.
 * See zkclient.h for the contract.
 *
 * Every request lives in one FIFO list from submission to completion. The
 * ones already written to the current connection (sent == 1) are at the
 * front, in xid order, and the server answers them in that order; the rest
 * wait for a connection. A single timer drives connect timeouts, reconnect
 * back-off, pings, the dead-connection check and the expiry of queued
 * requests; it is re-armed on every state change.
 *
 * Callbacks may call back into the client, including zkc_close: while a
 * callback runs z->depth > 0, and zkc_close only marks the zkc, which is
 * freed when the outermost entry point (event handler, timer, zkc_close)
 * unwinds. Connection changes bump conn_gen, so loops over input stop. */
#include "zkclient.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "logger.h"
#include "xalloc.h"

#define LOG_CNXN "org.apache.zookeeper.ClientCnxn"
#define LOG_ZK "org.apache.zookeeper.ZooKeeper"

#define ZKC_MAX_FRAME (JUTE_MAX_BUFFER + 4096) /* jute.maxbuffer plus headers */
#define SET_WATCHES_MAX (128 * 1024)           /* path bytes per setWatches */
#define RECONNECT_BACKOFF_MS 500               /* after every server failed once */
#define CLOSE_WAIT_MS 1000
#define MAX_PASSWD 64

enum { CS_IDLE, CS_CONNECTING, CS_HANDSHAKE, CS_CONNECTED, CS_EXPIRED };
enum { W_NONE, W_EXISTS, W_DATA, W_CHILD };        /* watch to register on reply */
enum { WS_DATA, WS_EXIST, WS_CHILD, WS_COUNT };    /* watch tables */
enum { CB_NONE, CB_VOID, CB_STRING, CB_STAT, CB_DATA, CB_CHILDREN, CB_MULTI, CB_RESP };

typedef struct zaddr {
    struct sockaddr_storage sa;
    socklen_t len;
    char name[160]; /* "host/ip:port", as Java prints it */
} zaddr;

typedef struct zreq {
    struct zreq *next;
    int32_t xid, type;
    int sent;
    int refused_rc; /* refused before queueing: the error its callback gets */
    int64_t queued_at;
    uint8_t *frame; /* until written to a connection */
    size_t flen;
    int watch;
    char *path; /* as given by the caller (no chroot), for watches */
    int kind;
    union {
        zkc_void_cb *v;
        zkc_string_cb *s;
        zkc_stat_cb *st;
        zkc_data_cb *d;
        zkc_children_cb *c;
        zkc_multi_cb *m;
        zkc_resp_cb *r;
    } cb;
    void *arg;
} zreq;

/* A set of strings in insertion order (v) with a hash index: a broker
 * watches a path per partition, so finding one must not cost a scan. */
typedef struct strset {
    char **v;
    int n;
    size_t cap;     /* elements allocated at v, hash and next (array.h) */
    uint32_t *hash; /* of v[i] */
    int *next;      /* the next index in v[i]'s bucket, -1 */
    int *buckets;   /* nbuckets (a power of 2) heads, -1 */
    int nbuckets;
} strset;

struct zkc {
    aeEventLoop *el;
    char *chroot; /* NULL when none */
    size_t chroot_len;
    zaddr *addrs;
    size_t addrs_cap; /* elements allocated at addrs (array.h) */
    int naddrs, next_addr, cur_addr, tried;
    int requested_timeout, timeout;
    int64_t session_id;
    uint8_t passwd[MAX_PASSWD];
    int passwd_len;
    int64_t last_zxid;
    int32_t next_xid;
    int state, fd;
    unsigned conn_gen;
    wbuf in, out;
    size_t out_off;
    int64_t last_send, last_recv, deadline, reconnect_at, pause_until;
    long long timer_id;
    zreq *head, *tail;
    zreq *refused, *refused_tail; /* refused ops, answered by refused_timer */
    long long refused_timer;
    strset watches[WS_COUNT];
    strset auth; /* "scheme\0data" pairs given to zkc_add_auth, sent on every connect */
    zkc_session_cb *session_cb;
    void *session_arg;
    zkc_watch_cb *watch_cb;
    void *watch_arg;
    int depth, closing, close_acked;
    int failed_attempts; /* connects that failed since the last handshake */
};

static void drop(zkc *z, const char *why);
static void teardown(zkc *z);
static void read_input(zkc *z);
static void flush_out(zkc *z);
static void rearm(zkc *z);
static void on_readable(aeEventLoop *el, int fd, void *d, int mask);
static void on_writable(aeEventLoop *el, int fd, void *d, int mask);

/* ------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------- */
static uint32_t str_hash(const char *p) { /* FNV-1a */
    uint32_t h = 2166136261u;
    for (; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h;
}

static int set_find(const strset *s, const char *p) {
    if (!s->nbuckets)
        return -1;
    uint32_t h = str_hash(p);
    for (int i = s->buckets[h & (uint32_t)(s->nbuckets - 1)]; i >= 0; i = s->next[i])
        if (s->hash[i] == h && strcmp(s->v[i], p) == 0)
            return i;
    return -1;
}

static void set_link(strset *s, int i) {
    int b = (int)(s->hash[i] & (uint32_t)(s->nbuckets - 1));
    s->next[i] = s->buckets[b];
    s->buckets[b] = i;
}

/* The link to index from (in its bucket) is made to point at index to, or
 * past from when to is -1. */
static void set_relink(strset *s, int from, int to) {
    int *at = &s->buckets[s->hash[from] & (uint32_t)(s->nbuckets - 1)];
    while (*at != from)
        at = &s->next[*at];
    *at = to < 0 ? s->next[from] : to;
}

static void set_add(strset *s, const char *p) {
    if (set_find(s, p) >= 0)
        return;
    if ((size_t)s->n == s->cap) {
        size_t need = (size_t)s->n + 1, cap_v = s->cap, cap_hash = s->cap;
        char **v = array_reserve(s->v, &cap_v, need, sizeof(*v));
        uint32_t *hash = array_reserve(s->hash, &cap_hash, need, sizeof(*hash));
        int *next = array_reserve(s->next, &s->cap, need, sizeof(*next));
        if (!v || !hash || !next || s->cap > INT_MAX / 2)
            abort();
        s->v = v;
        s->hash = hash;
        s->next = next;
        free(s->buckets);
        s->nbuckets = (int)s->cap * 2;
        s->buckets = malloc((size_t)s->nbuckets * sizeof(*s->buckets));
        if (!s->buckets)
            abort();
        memset(s->buckets, 0xff, (size_t)s->nbuckets * sizeof(*s->buckets)); /* -1 */
        for (int i = 0; i < s->n; i++)
            set_link(s, i);
    }
    s->v[s->n] = xstrndup(p, strlen(p));
    s->hash[s->n] = str_hash(p);
    set_link(s, s->n++);
}

static void set_del(strset *s, const char *p) {
    int i = set_find(s, p), last = s->n - 1;
    if (i < 0)
        return;
    set_relink(s, i, -1); /* out of its bucket */
    free(s->v[i]);
    if (i != last) { /* the last entry moves into the hole */
        set_relink(s, last, i);
        s->v[i] = s->v[last];
        s->hash[i] = s->hash[last];
        s->next[i] = s->next[last];
    }
    s->n--;
}

static void set_clear(strset *s) {
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    free(s->hash);
    free(s->next);
    free(s->buckets);
    memset(s, 0, sizeof(*s));
}

/* Client path -> server path (chroot prepended). */
static char *full_path(const zkc *z, const char *path) {
    size_t pl = strlen(path);
    if (!z->chroot)
        return xstrndup(path, pl);
    if (strcmp(path, "/") == 0)
        return xstrndup(z->chroot, z->chroot_len);
    char *d = xmalloc(z->chroot_len + pl + 1);
    memcpy(d, z->chroot, z->chroot_len);
    memcpy(d + z->chroot_len, path, pl + 1);
    return d;
}

/* Server path -> client path (chroot stripped); NULL for a null string. */
static char *client_path(const zkc *z, kstr k) {
    if (k.len < 0)
        return NULL;
    size_t cl = z->chroot_len, n = (size_t)k.len;
    if (z->chroot && n >= cl && memcmp(k.s, z->chroot, cl) == 0) {
        if (n == cl)
            return xstrndup("/", 1);
        if (k.s[cl] == '/')
            return xstrndup(k.s + cl, n - cl);
    }
    return xstrndup(k.s, n);
}

static void enter(zkc *z) { z->depth++; }

static void answer_refused(zkc *z);

static void destroy(zkc *z) {
    answer_refused(z); /* those refused while it closed */
    if (z->refused_timer >= 0)
        aeDeleteTimeEvent(z->el, z->refused_timer);
    for (int i = 0; i < WS_COUNT; i++)
        set_clear(&z->watches[i]);
    for (int i = 0; i < z->auth.n; i++)
        free(z->auth.v[i]);
    free(z->auth.v);
    wb_free(&z->in);
    wb_free(&z->out);
    free(z->addrs);
    free(z->chroot);
    free(z);
}

/* Returns 1 when z was freed: the caller must not touch it any more. */
static int leave(zkc *z) {
    if (--z->depth == 0 && z->closing) {
        destroy(z);
        return 1;
    }
    return 0;
}

static void notify_session(zkc *z, int state, int new_session) {
    if (z->session_cb && !z->closing)
        z->session_cb(z->session_arg, state, new_session);
}

/* ------------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------- */
static void free_req(zreq *r) {
    free(r->frame);
    free(r->path);
    free(r);
}

static zreq *unlink_head(zkc *z) {
    zreq *r = z->head;
    if (r) {
        z->head = r->next;
        if (!z->head)
            z->tail = NULL;
        r->next = NULL;
    }
    return r;
}

/* Completes r without a reply body (rc != ZOK, or nothing to decode). */
static void complete_err(zreq *r, int rc) {
    switch (r->kind) {
    case CB_VOID: r->cb.v(rc, r->arg); break;
    case CB_STRING: r->cb.s(rc, NULL, r->arg); break;
    case CB_STAT: r->cb.st(rc, NULL, r->arg); break;
    case CB_DATA: r->cb.d(rc, NULL, -1, NULL, r->arg); break;
    case CB_CHILDREN: r->cb.c(rc, 0, NULL, r->arg); break;
    case CB_MULTI: r->cb.m(rc, 0, NULL, r->arg); break;
    case CB_RESP: r->cb.r(rc, NULL, r->arg); break;
    }
}

/* Fails queued requests: all of them, or only those already sent. */
static void fail_reqs(zkc *z, int rc, int only_sent) {
    while (z->head && (!only_sent || z->head->sent)) {
        zreq *r = unlink_head(z);
        complete_err(r, rc);
        free_req(r);
    }
}

static void want_write(zkc *z) {
    if (z->fd >= 0 && !(aeGetFileEvents(z->el, z->fd) & AE_WRITABLE))
        aeCreateFileEvent(z->el, z->fd, AE_WRITABLE, on_writable, z);
}

static void send_req(zkc *z, zreq *r) {
    wb_write(&z->out, r->frame, r->flen);
    free(r->frame);
    r->frame = NULL;
    r->sent = 1;
    z->last_send = ae_mono_ms();
    want_write(z);
}

static void send_queued(zkc *z) {
    for (zreq *r = z->head; r; r = r->next)
        if (!r->sent)
            send_req(z, r);
}

static zreq *new_req(int32_t xid, int32_t type, int kind, void *cb, void *arg) {
    zreq *r = xmalloc(sizeof(*r));
    memset(r, 0, sizeof(*r));
    r->xid = xid;
    r->type = type;
    r->kind = kind;
    r->cb.v = (zkc_void_cb *)cb;
    r->arg = arg;
    r->queued_at = ae_mono_ms();
    return r;
}

static int encode_req(zreq *r, const jute_req *body) {
    wbuf w;
    wb_init(&w, 64);
    size_t at = jute_frame_begin(&w);
    jute_reqhdr h = {r->xid, r->type};
    jute_reqhdr_write(&w, &h);
    int rc = body ? jute_req_write(&w, body) : 0;
    jute_frame_end(&w, at);
    r->frame = wb_steal(&w, &r->flen);
    /* the server would drop the connection ("Len error") */
    return rc == 0 && r->flen - 4 <= JUTE_MAX_BUFFER ? ZOK : ZBADARGUMENTS;
}

/* An AuthPacket (xid -4): not a queued request, its answer is not matched
 * (a failed one makes the server close the connection). */
static void send_auth(zkc *z, const char *entry) {
    const char *data = entry + strlen(entry) + 1;
    jute_req b = {.type = ZOO_SETAUTH_OP, .scheme = jute_kstr(entry), .auth = jute_kstr(data)};
    zreq *r = new_req(ZOO_AUTH_XID, ZOO_SETAUTH_OP, CB_NONE, NULL, NULL);
    if (encode_req(r, &b) == ZOK)
        wb_write(&z->out, r->frame, r->flen);
    free_req(r);
    want_write(z);
}

static int32_t next_xid(zkc *z) {
    return z->next_xid = z->next_xid == INT32_MAX ? 1 : z->next_xid + 1;
}

static void enqueue(zkc *z, zreq *r) {
    if (z->tail)
        z->tail->next = r;
    else
        z->head = r;
    z->tail = r;
}

static int check_usable(const zkc *z) {
    if (z->closing)
        return ZCLOSING;
    if (z->state == CS_EXPIRED)
        return ZSESSIONEXPIRED;
    return ZOK;
}

static int valid_path(const char *p) { return p && p[0] == '/'; }

/* Refused ops (no session, closing, bad arguments, larger than
 * jute.maxbuffer) fail like any other: their callbacks run with the error,
 * on the event loop (a zero-delay timer), in the order refused; or, when
 * the zkc closes first, as it closes. */
static void answer_refused(zkc *z) {
    /* a callback may be refused again: the next round (on closing, bounded:
     * a caller that re-issues whatever the error would never end) */
    for (int round = 0; z->refused; round++) {
        if (round == 1000) {
            log_error(LOG_ZK, "Ops still re-issued after 1000 rounds of refusals while closing");
            break;
        }
        zreq *list = z->refused;
        z->refused = z->refused_tail = NULL;
        while (list) {
            zreq *r = list;
            list = r->next;
            complete_err(r, r->refused_rc);
            free_req(r);
        }
        if (!z->closing)
            break; /* new refusals have their own timer */
    }
}

static int refused_timer_cb(aeEventLoop *el, long long id, void *data) {
    (void)el;
    (void)id;
    zkc *z = data;
    z->refused_timer = -1;
    enter(z);
    answer_refused(z);
    leave(z);
    return AE_NOMORE;
}

static int refuse(zkc *z, int kind, void *cb, void *arg, int rc) {
    if (!cb)
        return rc;
    zreq *r = new_req(0, 0, kind, cb, arg);
    r->refused_rc = rc;
    if (z->refused_tail)
        z->refused_tail->next = r;
    else
        z->refused = r;
    z->refused_tail = r;
    if (z->refused_timer < 0 && !z->closing)
        z->refused_timer = aeCreateTimeEvent(z->el, 0, refused_timer_cb, z);
    return rc;
}

/* Encodes body (its paths already chroot-prefixed) and queues the request.
 * On error nothing is queued and the callback gets the error (refuse). */
static int submit(zkc *z, const jute_req *body, int kind, void *cb, void *arg, const char *path,
                  int watch) {
    int rc = check_usable(z);
    if (rc != ZOK)
        return refuse(z, kind, cb, arg, rc);
    zreq *r = new_req(next_xid(z), body->type, kind, cb, arg);
    if ((rc = encode_req(r, body)) != ZOK) {
        free_req(r);
        return refuse(z, kind, cb, arg, rc);
    }
    r->watch = watch;
    if (watch && path)
        r->path = xstrndup(path, strlen(path));
    enqueue(z, r);
    if (z->state == CS_CONNECTED)
        send_req(z, r); /* written by the event loop, never from here */
    else
        rearm(z);       /* its queue deadline may be the next one */
    return ZOK;
}

/* ------------------------------------------------------------------------
 * Replies
 * ---------------------------------------------------------------------- */
static void register_watch(zkc *z, zreq *r, int rc) {
    if (!r->path)
        return;
    if (r->watch == W_EXISTS && rc == ZOK)
        set_add(&z->watches[WS_DATA], r->path);
    else if (r->watch == W_EXISTS && rc == ZNONODE)
        set_add(&z->watches[WS_EXIST], r->path);
    else if (r->watch == W_DATA && rc == ZOK)
        set_add(&z->watches[WS_DATA], r->path);
    else if (r->watch == W_CHILD && rc == ZOK)
        set_add(&z->watches[WS_CHILD], r->path);
}

static void deliver_multi(zkc *z, zreq *r, jute_resp *resp) {
    int n = resp->nresults, rc = ZOK;
    zkc_op_result *res = xmalloc((size_t)n * sizeof(*res));
    for (int i = 0; i < n; i++) {
        jute_resp *s = &resp->results[i];
        res[i].type = s->type;
        res[i].err = s->type == ZOO_ERROR_OP ? s->err : ZOK;
        res[i].path = NULL;
        res[i].stat = NULL;
        if (s->type == ZOO_CREATE_OP || s->type == ZOO_CREATE2_OP ||
            s->type == ZOO_CREATE_CONTAINER_OP || s->type == ZOO_CREATE_TTL_OP)
            res[i].path = client_path(z, s->path);
        if (s->type != ZOO_CREATE_OP && res[i].path) /* create2-style results */
            res[i].stat = &s->stat;
        if (s->type == ZOO_SETDATA_OP)
            res[i].stat = &s->stat;
        if (rc == ZOK && res[i].err != ZOK)
            rc = res[i].err;
    }
    r->cb.m(rc, n, res, r->arg);
    for (int i = 0; i < n; i++)
        free((char *)res[i].path);
    free(res);
}

static void deliver_children(zreq *r, const jute_strvec *v) {
    int n = v->count > 0 ? v->count : 0;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += (size_t)(v->v[i].len > 0 ? v->v[i].len : 0) + 1;
    char **names = xmalloc((size_t)n * sizeof(char *) + total);
    char *s = (char *)(names + n);
    for (int i = 0; i < n; i++) {
        size_t l = (size_t)(v->v[i].len > 0 ? v->v[i].len : 0);
        if (l) /* a null name (length -1) reads as "" */
            memcpy(s, v->v[i].s, l);
        s[l] = 0;
        names[i] = s;
        s += l + 1;
    }
    r->cb.c(ZOK, n, (const char *const *)names, r->arg);
    free(names);
}

/* Completes r with the reply. Returns -1 if the body was malformed. */
static int finish(zkc *z, zreq *r, int err, const uint8_t *p, size_t n) {
    if (r->type == ZOO_CLOSE_OP)
        z->close_acked = 1;
    if (r->kind == CB_NONE) {
        if (err != ZOK)
            log_warn(LOG_CNXN, "%s failed: %s", jute_op_str(r->type), jute_err_str(err));
        return 0;
    }
    if (err != ZOK) {
        register_watch(z, r, err);
        complete_err(r, err);
        return 0;
    }
    jute_resp resp;
    if (jute_resp_read(p, n, r->type, &resp) < 0) {
        log_warn(LOG_CNXN, "Malformed %s response from server", jute_op_str(r->type));
        complete_err(r, ZMARSHALLINGERROR);
        return -1;
    }
    register_watch(z, r, ZOK);
    switch (r->kind) {
    case CB_VOID: r->cb.v(ZOK, r->arg); break;
    case CB_STRING: {
        char *path = client_path(z, resp.path);
        r->cb.s(ZOK, path, r->arg);
        free(path);
        break;
    }
    case CB_STAT: r->cb.st(ZOK, &resp.stat, r->arg); break;
    case CB_DATA:
        r->cb.d(ZOK, resp.data.len < 0 ? NULL : resp.data.s, resp.data.len, &resp.stat, r->arg);
        break;
    case CB_CHILDREN: deliver_children(r, &resp.children); break;
    case CB_MULTI: deliver_multi(z, r, &resp); break;
    case CB_RESP: {
        char *path = resp.path.s ? client_path(z, resp.path) : NULL;
        if (path)
            resp.path = jute_kstr(path);
        r->cb.r(ZOK, &resp, r->arg);
        free(path);
        break;
    }
    }
    jute_resp_free(&resp);
    return 0;
}

static int handle_event(zkc *z, const uint8_t *p, size_t n) {
    jute_watcher_event e;
    if (jute_watcher_event_read(p, n, &e) < 0)
        return -1;
    char *path = client_path(z, e.path);
    if (!path)
        return 0;
    switch (e.type) {
    case ZOO_CREATED_EVENT:
    case ZOO_CHANGED_EVENT:
        set_del(&z->watches[WS_DATA], path);
        set_del(&z->watches[WS_EXIST], path);
        break;
    case ZOO_DELETED_EVENT:
        set_del(&z->watches[WS_DATA], path);
        set_del(&z->watches[WS_EXIST], path);
        set_del(&z->watches[WS_CHILD], path);
        break;
    case ZOO_CHILD_EVENT: set_del(&z->watches[WS_CHILD], path); break;
    }
    if (z->watch_cb && e.type > 0 && !z->closing)
        z->watch_cb(z->watch_arg, e.type, path);
    free(path);
    return 0;
}

/* setWatches for everything registered, sent ahead of any queued request
 * (batched like the Java client so no frame gets near jute.maxbuffer). */
static void queue_set_watches(zkc *z) {
    int total = 0;
    for (int k = 0; k < WS_COUNT; k++)
        total += z->watches[k].n;
    if (!total)
        return;
    char **full = xmalloc((size_t)total * sizeof(char *));
    kstr *ks = xmalloc((size_t)total * sizeof(kstr));
    zreq *first = NULL, *last = NULL;
    int idx[WS_COUNT] = {0, 0, 0}, done = 0;
    while (done < total) {
        jute_req b = {.type = ZOO_SETWATCHES_OP, .relativeZxid = z->last_zxid};
        jute_strvec *vec[WS_COUNT] = {&b.dataWatches, &b.existWatches, &b.childWatches};
        size_t bytes = 0;
        int base = done;
        for (int k = 0; k < WS_COUNT; k++) {
            vec[k]->v = ks + done;
            while (idx[k] < z->watches[k].n && bytes < SET_WATCHES_MAX) {
                full[done] = full_path(z, z->watches[k].v[idx[k]++]);
                ks[done] = jute_kstr(full[done]);
                bytes += (size_t)ks[done].len + 4;
                vec[k]->count++;
                done++;
            }
        }
        zreq *r = new_req(ZOO_SET_WATCHES_XID, ZOO_SETWATCHES_OP, CB_NONE, NULL, NULL);
        encode_req(r, &b);
        if (last)
            last->next = r;
        else
            first = r;
        last = r;
        for (int i = base; i < done; i++)
            free(full[i]);
    }
    free(full);
    free(ks);
    last->next = z->head;
    z->head = first;
    if (!z->tail)
        z->tail = last;
}

static int handle_connect_resp(zkc *z, const uint8_t *p, size_t n) {
    jute_connect_resp cr;
    if (jute_connect_resp_read(p, n, &cr) < 0 || cr.passwd.len > MAX_PASSWD)
        return -1;
    const char *server = z->addrs[z->cur_addr].name;
    if (cr.timeOut <= 0) {
        log_warn(LOG_CNXN, "Unable to reconnect to ZooKeeper service, session 0x%llx has expired",
                 (unsigned long long)z->session_id);
        teardown(z);
        z->state = CS_EXPIRED;
        rearm(z); /* stops the timer */
        for (int k = 0; k < WS_COUNT; k++)
            set_clear(&z->watches[k]);
        fail_reqs(z, ZSESSIONEXPIRED, 0);
        notify_session(z, ZKC_EXPIRED, 0);
        return 0;
    }
    int new_session = z->session_id != cr.sessionId;
    z->session_id = cr.sessionId;
    z->passwd_len = cr.passwd.len > 0 ? cr.passwd.len : 0;
    if (z->passwd_len)
        memcpy(z->passwd, cr.passwd.s, (size_t)z->passwd_len);
    z->timeout = cr.timeOut;
    z->state = CS_CONNECTED;
    z->failed_attempts = 0;
    z->tried = 0;
    z->last_send = z->last_recv = ae_mono_ms();
    log_info(LOG_CNXN,
             "Session establishment complete on server %s, session id = 0x%llx, negotiated "
             "timeout = %d",
             server, (unsigned long long)z->session_id, z->timeout);
    for (int i = 0; i < z->auth.n; i++) /* as ClientCnxn.primeConnection: auth first */
        send_auth(z, z->auth.v[i]);
    if (!new_session)
        queue_set_watches(z);
    send_queued(z);
    rearm(z);
    notify_session(z, ZKC_CONNECTED, new_session);
    return 0;
}

static int handle_frame(zkc *z, const uint8_t *p, size_t n) {
    if (z->state == CS_HANDSHAKE)
        return handle_connect_resp(z, p, n);
    jute_replyhdr h;
    if (jute_replyhdr_read(p, n, &h) < 0)
        return -1;
    p += JUTE_REPLYHDR_SIZE;
    n -= JUTE_REPLYHDR_SIZE;
    if (h.xid == ZOO_NOTIFICATION_XID)
        return handle_event(z, p, n);
    if (h.xid == ZOO_PING_XID || h.xid == ZOO_AUTH_XID)
        return 0;
    if (h.zxid > 0)
        z->last_zxid = h.zxid;
    zreq *r = z->head;
    if (!r || !r->sent || r->xid != h.xid) {
        log_warn(LOG_CNXN, "Xid out of order. Got Xid %d with err %d expected Xid %d", h.xid,
                 h.err, r && r->sent ? r->xid : 0);
        return -1;
    }
    unlink_head(z);
    int rc = finish(z, r, h.err, p, n);
    free_req(r);
    return rc;
}

/* ------------------------------------------------------------------------
 * Connection
 * ---------------------------------------------------------------------- */
/* Closes the socket; no callbacks. */
static void teardown(zkc *z) {
    if (z->fd >= 0) {
        aeDeleteFileEvent(z->el, z->fd, AE_READABLE | AE_WRITABLE);
        close(z->fd);
        z->fd = -1;
    }
    wb_reset(&z->in);
    wb_reset(&z->out);
    z->out_off = 0;
    z->conn_gen++;
}

/* Loses the connection: in-flight requests fail, reconnect is scheduled. */
static void drop(zkc *z, const char *why) {
    int was = z->state;
    teardown(z);
    z->state = CS_IDLE;
    int64_t now = ae_mono_ms();
    z->reconnect_at = now;
    if (z->tried >= z->naddrs) { /* every server failed once: back off */
        z->tried = 0;
        z->reconnect_at = now + RECONNECT_BACKOFF_MS;
    }
    log_warn(LOG_CNXN,
             "Session 0x%llx for server %s, Closing socket connection. Attempting reconnect "
             "except it is a SessionExpiredException. (%s)",
             (unsigned long long)z->session_id, z->addrs[z->cur_addr].name, why);
    if (!z->closing)
        rearm(z);
    if (was != CS_CONNECTED)
        z->failed_attempts++;
    if (was == CS_CONNECTED) {
        fail_reqs(z, ZCONNECTIONLOSS, 1);
        notify_session(z, ZKC_DISCONNECTED, 0);
    }
}

static void start_handshake(zkc *z) {
    zaddr *a = &z->addrs[z->cur_addr];
    struct sockaddr_storage local;
    socklen_t ll = sizeof(local);
    char lname[96] = "?";
    if (getsockname(z->fd, (struct sockaddr *)&local, &ll) == 0) {
        char host[64], port[16];
        if (getnameinfo((struct sockaddr *)&local, ll, host, sizeof(host), port, sizeof(port),
                        NI_NUMERICHOST | NI_NUMERICSERV) == 0)
            snprintf(lname, sizeof(lname), "/%s:%s", host, port);
    }
    log_info(LOG_CNXN, "Socket connection established, initiating session, client: %s, server: %s",
             lname, a->name);
    z->state = CS_HANDSHAKE;
    z->deadline = ae_mono_ms() + (int64_t)z->requested_timeout * 2 / 3;
    jute_connect_req cr = {0, z->last_zxid, z->requested_timeout, z->session_id,
                           {(const char *)z->passwd, z->passwd_len}, false, true};
    uint8_t zero[16] = {0};
    if (!z->session_id) /* a new session sends 16 zero bytes */
        cr.passwd = (kstr){(const char *)zero, 16};
    size_t at = jute_frame_begin(&z->out);
    jute_connect_req_write(&z->out, &cr);
    jute_frame_end(&z->out, at);
    aeDeleteFileEvent(z->el, z->fd, AE_WRITABLE);
    if (aeCreateFileEvent(z->el, z->fd, AE_READABLE, on_readable, z) != AE_OK) {
        drop(z, "cannot watch socket");
        return;
    }
    rearm(z);
    flush_out(z);
}

static void start_connect(zkc *z) {
    z->cur_addr = z->next_addr;
    z->next_addr = (z->next_addr + 1) % z->naddrs;
    z->tried++;
    zaddr *a = &z->addrs[z->cur_addr];
    log_info(LOG_CNXN, "Opening socket connection to server %s.", a->name);
    z->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (z->fd < 0) {
        drop(z, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(z->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    z->state = CS_CONNECTING;
    int ct = z->requested_timeout / z->naddrs; /* as Java: timeout / #hosts */
    z->deadline = ae_mono_ms() + (ct < 500 ? 500 : ct);
    if (connect(z->fd, (struct sockaddr *)&a->sa, a->len) == 0) {
        start_handshake(z);
        return;
    }
    if (errno != EINPROGRESS) {
        drop(z, strerror(errno));
        return;
    }
    if (aeCreateFileEvent(z->el, z->fd, AE_WRITABLE, on_writable, z) != AE_OK) {
        drop(z, "cannot watch socket");
        return;
    }
    rearm(z);
}

static void flush_out(zkc *z) {
    while (z->out_off < z->out.len) {
        ssize_t n = send(z->fd, z->out.data + z->out_off, z->out.len - z->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            z->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            want_write(z);
            return;
        } else {
            drop(z, n < 0 ? strerror(errno) : "send failed");
            return;
        }
    }
    wb_reset(&z->out);
    z->out_off = 0;
    aeDeleteFileEvent(z->el, z->fd, AE_WRITABLE);
}

/* Reads what is available and handles every complete frame. */
static void read_input(zkc *z) {
    unsigned gen = z->conn_gen;
    for (;;) {
        wb_reserve(&z->in, 65536);
        size_t room = z->in.cap - z->in.len;
        ssize_t n = read(z->fd, z->in.data + z->in.len, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            drop(z, n == 0 ? "Unable to read additional data from server, likely server has "
                             "closed socket"
                           : strerror(errno));
            return;
        }
        z->in.len += (size_t)n;
        z->last_recv = ae_mono_ms();
        size_t off = 0;
        while (gen == z->conn_gen) {
            const uint8_t *body;
            uint32_t blen;
            int fl = jute_frame(z->in.data + off, z->in.len - off, ZKC_MAX_FRAME, &body, &blen);
            if (fl == 0)
                break;
            if (fl < 0) {
                drop(z, "Packet len is out of range");
                return;
            }
            off += (size_t)fl;
            if (handle_frame(z, body, blen) < 0 && gen == z->conn_gen) {
                drop(z, "malformed reply");
                return;
            }
        }
        if (gen != z->conn_gen)
            return;
        memmove(z->in.data, z->in.data + off, z->in.len - off);
        z->in.len -= off;
        if ((size_t)n < room)
            return;
    }
}

static void on_readable(aeEventLoop *el, int fd, void *d, int mask) {
    (void)el, (void)fd, (void)mask;
    zkc *z = d;
    enter(z);
    read_input(z);
    leave(z);
}

static void on_writable(aeEventLoop *el, int fd, void *d, int mask) {
    (void)el, (void)mask;
    zkc *z = d;
    enter(z);
    if (z->state == CS_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err)
            drop(z, strerror(err));
        else
            start_handshake(z);
    } else if (z->fd >= 0) {
        flush_out(z);
    }
    leave(z);
}

/* ------------------------------------------------------------------------
 * Timer
 * ---------------------------------------------------------------------- */
static int64_t next_delay(const zkc *z) {
    int64_t now = ae_mono_ms(), d = 1000;
    switch (z->state) {
    case CS_CONNECTING:
    case CS_HANDSHAKE: d = z->deadline - now; break;
    case CS_IDLE:
        d = (z->reconnect_at > z->pause_until ? z->reconnect_at : z->pause_until) - now;
        break;
    case CS_CONNECTED: {
        int64_t ping = z->last_send + z->timeout / 3 - now;
        int64_t dead = z->last_recv + (int64_t)z->timeout * 2 / 3 - now;
        d = ping < dead ? ping : dead;
        break;
    }
    }
    if (z->state != CS_CONNECTED && z->head && !z->head->sent) {
        int64_t q = z->head->queued_at + zkc_session_timeout(z) - now;
        d = q < d ? q : d;
    }
    return d < 1 ? 1 : d > 1000 ? 1000 : d;
}

static void tick(zkc *z) {
    int64_t now = ae_mono_ms();
    switch (z->state) {
    case CS_CONNECTING:
    case CS_HANDSHAKE:
        if (now >= z->deadline)
            drop(z, z->state == CS_CONNECTING ? "connect timed out" : "handshake timed out");
        break;
    case CS_IDLE:
        if (now >= z->reconnect_at && now >= z->pause_until)
            start_connect(z);
        break;
    case CS_CONNECTED:
        if (now - z->last_recv >= (int64_t)z->timeout * 2 / 3) {
            log_warn(LOG_CNXN,
                     "Client session timed out, have not heard from server in %lldms for "
                     "session id 0x%llx",
                     (long long)(now - z->last_recv), (unsigned long long)z->session_id);
            drop(z, "Client session timed out");
        } else if (now - z->last_send >= z->timeout / 3) {
            zreq r = {.xid = ZOO_PING_XID, .type = ZOO_PING_OP};
            encode_req(&r, NULL);
            send_req(z, &r);
        }
        break;
    }
    /* requests that waited a whole session timeout for a connection */
    while (!z->closing && z->state != CS_CONNECTED && z->head && !z->head->sent &&
           now - z->head->queued_at >= zkc_session_timeout(z)) {
        zreq *r = unlink_head(z);
        complete_err(r, ZCONNECTIONLOSS);
        free_req(r);
    }
}

static int on_timer(aeEventLoop *el, long long id, void *d) {
    (void)el;
    zkc *z = d;
    enter(z);
    tick(z);
    if (leave(z) || z->timer_id != id)
        return AE_NOMORE;
    return (int)next_delay(z);
}

static void rearm(zkc *z) {
    if (z->timer_id > 0)
        aeDeleteTimeEvent(z->el, z->timer_id);
    z->timer_id = 0;
    if (z->state == CS_EXPIRED || z->closing)
        return;
    long long id = aeCreateTimeEvent(z->el, next_delay(z), on_timer, z);
    z->timer_id = id > 0 ? id : 0;
}

/* ------------------------------------------------------------------------
 * Public API
 * ---------------------------------------------------------------------- */
static int parse_connect_string(zkc *z, const char *cs) {
    const char *slash = strchr(cs, '/');
    size_t hl = slash ? (size_t)(slash - cs) : strlen(cs);
    if (slash && slash[1]) {
        size_t cl = strlen(slash);
        if (slash[cl - 1] == '/')
            return -1;
        z->chroot = xstrndup(slash, cl);
        z->chroot_len = cl;
    }
    char *hosts = xstrndup(cs, hl), *save = NULL;
    for (char *t = strtok_r(hosts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        for (char *e = t + strlen(t); e > t && e[-1] == ' ';)
            *--e = 0;
        char *host = t, *port = "2181", *c;
        if (*t == '[' && (c = strchr(t, ']'))) { /* [v6addr]:port */
            *c = 0;
            host = t + 1;
            if (c[1] == ':')
                port = c + 2;
        } else if ((c = strrchr(t, ':')) && c == strchr(t, ':')) {
            *c = 0;
            port = c + 1;
        }
        if (!*host)
            continue;
        struct addrinfo hints = {0}, *res;
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        int rc = getaddrinfo(host, port, &hints, &res);
        if (rc) {
            log_warn(LOG_ZK, "Unable to resolve address: %s:%s (%s)", host, port, gai_strerror(rc));
            continue;
        }
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            zaddr *n = array_reserve(z->addrs, &z->addrs_cap, (size_t)z->naddrs + 1, sizeof(*n));
            if (!n)
                abort();
            z->addrs = n;
            zaddr *a = &z->addrs[z->naddrs++];
            memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
            a->len = ai->ai_addrlen;
            char ip[64] = "?";
            getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST);
            snprintf(a->name, sizeof(a->name), "%s/%s:%s", host, ip, port);
        }
        freeaddrinfo(res);
    }
    free(hosts);
    return z->naddrs > 0 ? 0 : -1;
}

zkc *zkc_new(aeEventLoop *el, const char *connect_string, int session_timeout_ms,
             zkc_session_cb *cb, void *arg) {
    zkc *z = xmalloc(sizeof(*z));
    memset(z, 0, sizeof(*z));
    z->el = el;
    z->fd = -1;
    z->refused_timer = -1;
    z->requested_timeout = session_timeout_ms > 0 ? session_timeout_ms : 30000;
    z->session_cb = cb;
    z->session_arg = arg;
    wb_init(&z->in, 0);
    wb_init(&z->out, 0);
    log_info(LOG_ZK, "Initiating client connection, connectString=%s sessionTimeout=%d",
             connect_string, z->requested_timeout);
    if (parse_connect_string(z, connect_string) < 0) {
        log_error(LOG_ZK, "Invalid connect string or no resolvable host: %s", connect_string);
        destroy(z);
        return NULL;
    }
    z->next_addr = (int)((uint64_t)ae_wall_ms() % (uint64_t)z->naddrs);
    start_connect(z); /* arms the timer */
    return z;
}

/* Sends closeSession and waits (bounded) for its reply, handling replies
 * to earlier requests on the way. */
static void close_session(zkc *z) {
    zreq *r = new_req(next_xid(z), ZOO_CLOSE_OP, CB_NONE, NULL, NULL);
    encode_req(r, NULL);
    enqueue(z, r);
    send_req(z, r);
    unsigned gen = z->conn_gen;
    int64_t end = ae_mono_ms() + CLOSE_WAIT_MS;
    while (!z->close_acked && gen == z->conn_gen) {
        int64_t left = end - ae_mono_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = {z->fd, POLLIN | (z->out_off < z->out.len ? POLLOUT : 0), 0};
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && (pfd.revents & POLLOUT))
            flush_out(z);
        if (n > 0 && gen == z->conn_gen && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
            read_input(z);
    }
}

void zkc_close(zkc *z) {
    if (!z || z->closing)
        return;
    enter(z);
    z->closing = 1;
    if (z->state == CS_CONNECTED)
        close_session(z);
    if (z->session_id)
        log_info(LOG_ZK, "Session: 0x%llx closed", (unsigned long long)z->session_id);
    teardown(z);
    rearm(z); /* deletes the timer */
    fail_reqs(z, ZCLOSING, 0);
    answer_refused(z);
    leave(z);
}

void zkc_set_watcher(zkc *z, zkc_watch_cb *cb, void *arg) {
    z->watch_cb = cb;
    z->watch_arg = arg;
}

int zkc_state(const zkc *z) {
    return z->state == CS_CONNECTED ? ZKC_CONNECTED
           : z->state == CS_EXPIRED ? ZKC_EXPIRED
                                    : ZKC_DISCONNECTED;
}

int64_t zkc_session_id(const zkc *z) { return z->session_id; }

int zkc_failed_attempts(const zkc *z) { return z->failed_attempts; }

int zkc_session_timeout(const zkc *z) { return z->timeout > 0 ? z->timeout : z->requested_timeout; }

/* A simple op on one path: encode with the chroot-prefixed path. */
static int simple_op(zkc *z, jute_req *b, const char *path, int kind, void *cb, void *arg,
                     int watch) {
    if (!valid_path(path) || !cb)
        return refuse(z, kind, cb, arg, ZBADARGUMENTS);
    char *full = full_path(z, path);
    b->path = jute_kstr(full);
    int rc = submit(z, b, kind, cb, arg, path, watch);
    free(full);
    return rc;
}

static int create_type(int flags) {
    return flags & ZKC_CONTAINER ? ZOO_CREATE_CONTAINER_OP : ZOO_CREATE_OP;
}

int zkc_create(zkc *z, const char *path, const void *data, int len, int flags,
               zkc_string_cb *cb, void *arg) {
    jute_req b = {.type = create_type(flags), .flags = flags, .acl = JUTE_OPEN_ACL_UNSAFE};
    b.data = (kstr){data, data ? len : -1};
    if (data && len < 0)
        return refuse(z, CB_STRING, (void *)cb, arg, ZBADARGUMENTS);
    return simple_op(z, &b, path, CB_STRING, (void *)cb, arg, W_NONE);
}

int zkc_delete(zkc *z, const char *path, int version, zkc_void_cb *cb, void *arg) {
    jute_req b = {.type = ZOO_DELETE_OP, .version = version};
    return simple_op(z, &b, path, CB_VOID, (void *)cb, arg, W_NONE);
}

int zkc_exists(zkc *z, const char *path, int watch, zkc_stat_cb *cb, void *arg) {
    jute_req b = {.type = ZOO_EXISTS_OP, .watch = watch != 0};
    return simple_op(z, &b, path, CB_STAT, (void *)cb, arg, watch ? W_EXISTS : W_NONE);
}

int zkc_get(zkc *z, const char *path, int watch, zkc_data_cb *cb, void *arg) {
    jute_req b = {.type = ZOO_GETDATA_OP, .watch = watch != 0};
    return simple_op(z, &b, path, CB_DATA, (void *)cb, arg, watch ? W_DATA : W_NONE);
}

int zkc_set(zkc *z, const char *path, const void *data, int len, int version, zkc_stat_cb *cb,
            void *arg) {
    jute_req b = {.type = ZOO_SETDATA_OP, .version = version};
    b.data = (kstr){data, data ? len : -1};
    if (data && len < 0)
        return refuse(z, CB_STAT, (void *)cb, arg, ZBADARGUMENTS);
    return simple_op(z, &b, path, CB_STAT, (void *)cb, arg, W_NONE);
}

int zkc_children(zkc *z, const char *path, int watch, zkc_children_cb *cb, void *arg) {
    jute_req b = {.type = ZOO_GETCHILDREN_OP, .watch = watch != 0};
    return simple_op(z, &b, path, CB_CHILDREN, (void *)cb, arg, watch ? W_CHILD : W_NONE);
}

int zkc_add_auth(zkc *z, const char *scheme, const char *data) {
    int rc = check_usable(z);
    if (rc != ZOK)
        return rc;
    size_t sl = strlen(scheme), dl = strlen(data);
    char *entry = xmalloc(sl + dl + 2);
    memcpy(entry, scheme, sl + 1);
    memcpy(entry + sl + 1, data, dl + 1);
    z->auth.v = array_reserve(z->auth.v, &z->auth.cap, (size_t)z->auth.n + 1, sizeof(char *));
    if (!z->auth.v)
        abort();
    z->auth.v[z->auth.n++] = entry;
    if (z->state == CS_CONNECTED)
        send_auth(z, entry);
    return ZOK;
}

int zkc_request(zkc *z, const jute_req *body, zkc_resp_cb *cb, void *arg) {
    if (!body || body->type == ZOO_MULTI_OP || body->type == ZOO_MULTI_READ_OP || !cb)
        return refuse(z, CB_RESP, (void *)cb, arg, ZBADARGUMENTS);
    if (body->type == ZOO_RECONFIG_OP) { /* no path */
        jute_req b = *body;
        return submit(z, &b, CB_RESP, (void *)cb, arg, NULL, W_NONE);
    }
    char *path = body->path.len < 0 ? NULL : xstrndup(body->path.s, (size_t)body->path.len);
    jute_req b = *body;
    int watch = W_NONE;
    if (b.watch && b.type == ZOO_EXISTS_OP)
        watch = W_EXISTS;
    else if (b.watch && b.type == ZOO_GETDATA_OP)
        watch = W_DATA;
    else if (b.watch && (b.type == ZOO_GETCHILDREN_OP || b.type == ZOO_GETCHILDREN2_OP))
        watch = W_CHILD;
    int rc = simple_op(z, &b, path, CB_RESP, (void *)cb, arg, watch);
    free(path);
    return rc;
}

int zkc_multi(zkc *z, const zkc_op *ops, int n, zkc_multi_cb *cb, void *arg) {
    if (n < 0 || (n > 0 && !ops) || !cb)
        return refuse(z, CB_MULTI, (void *)cb, arg, ZBADARGUMENTS);
    jute_req b = {.type = ZOO_MULTI_OP, .nops = n};
    b.ops = calloc((size_t)n + 1, sizeof(jute_req));
    char **full = calloc((size_t)n + 1, sizeof(char *));
    if (!b.ops || !full)
        abort();
    int rc = ZOK;
    for (int i = 0; i < n && rc == ZOK; i++) {
        const zkc_op *o = &ops[i];
        jute_req *s = &b.ops[i];
        if (!valid_path(o->path) || (o->data && o->len < 0)) {
            rc = ZBADARGUMENTS;
            break;
        }
        full[i] = full_path(z, o->path);
        s->path = jute_kstr(full[i]);
        s->data = (kstr){o->data, o->data ? o->len : -1};
        s->version = o->version;
        switch (o->type) {
        case ZOO_CREATE_OP:
            s->type = create_type(o->flags);
            s->flags = o->flags;
            s->acl = JUTE_OPEN_ACL_UNSAFE;
            break;
        case ZOO_DELETE_OP:
        case ZOO_SETDATA_OP:
        case ZOO_CHECK_OP: s->type = o->type; break;
        default: rc = ZBADARGUMENTS;
        }
    }
    rc = rc == ZOK ? submit(z, &b, CB_MULTI, (void *)cb, arg, NULL, W_NONE)
                   : refuse(z, CB_MULTI, (void *)cb, arg, rc);
    for (int i = 0; i < n; i++)
        free(full[i]);
    free(full);
    free(b.ops);
    return rc;
}

/* ensure_path: create the path; on NONODE create the parent first (as
 * Kafka's createRecursive), then walk back down. */
typedef struct ensure_ctx {
    zkc *z;
    char *path;
    size_t len, at; /* full length; length of the prefix being created */
    zkc_void_cb *cb;
    void *arg;
} ensure_ctx;

static void ensure_step(int rc, const char *created, void *arg);

static int ensure_create(ensure_ctx *c) {
    char saved = c->path[c->at];
    c->path[c->at] = 0;
    int rc = zkc_create(c->z, c->path, NULL, -1, ZKC_PERSISTENT, ensure_step, c);
    c->path[c->at] = saved;
    return rc;
}

static void ensure_step(int rc, const char *created, void *arg) {
    (void)created;
    ensure_ctx *c = arg;
    if (rc == ZOK || rc == ZNODEEXISTS) {
        if (c->at == c->len) {
            rc = ZOK;
            goto done;
        }
        const char *next = strchr(c->path + c->at + 1, '/');
        c->at = next ? (size_t)(next - c->path) : c->len;
    } else if (rc == ZNONODE) {
        size_t p = c->at; /* back to the slash before the last component */
        while (p > 0 && c->path[--p] != '/')
            ;
        if (p == 0)
            goto done;
        c->at = p;
    } else {
        goto done;
    }
    ensure_create(c); /* refused or not, ensure_step runs again */
    return;
done:
    c->cb(rc, c->arg);
    free(c->path);
    free(c);
}

int zkc_ensure_path(zkc *z, const char *path, zkc_void_cb *cb, void *arg) {
    if (!valid_path(path) || !path[1] || !cb)
        return refuse(z, CB_VOID, (void *)cb, arg, ZBADARGUMENTS);
    ensure_ctx *c = xmalloc(sizeof(*c));
    c->z = z;
    c->len = c->at = strlen(path);
    c->path = xstrndup(path, c->len);
    c->cb = cb;
    c->arg = arg;
    return ensure_create(c); /* a refusal reaches ensure_step too */
}

/* zkc_delete_recursive: one node of the walk, which lists the node's
 * children, deletes each subtree, then the node itself. */
typedef struct rdel_node {
    zkc *z;
    char *path;
    struct rdel_node *parent; /* NULL: the root, which calls cb */
    int pending;              /* subtrees not finished yet */
    int rc;                   /* the first error of a subtree */
    zkc_void_cb *cb;
    void *arg;
} rdel_node;

static void rdel_list(rdel_node *n);
static void rdel_finish(rdel_node *n, int rc);

/* One subtree of n finished (or, the last count, all were started). */
static void rdel_subtree_done(rdel_node *n) {
    if (--n->pending > 0)
        return;
    if (n->rc != ZOK)
        rdel_finish(n, n->rc);
    else
        rdel_list(n); /* again: a child may have come meanwhile */
}

static void rdel_finish(rdel_node *n, int rc) {
    rdel_node *parent = n->parent;
    if (!parent)
        n->cb(rc, n->arg);
    free(n->path);
    free(n);
    if (!parent)
        return;
    if (rc != ZOK && parent->rc == ZOK)
        parent->rc = rc;
    rdel_subtree_done(parent);
}

static void rdel_deleted(int rc, void *arg) {
    if (rc == ZNOTEMPTY)
        rdel_list(arg); /* a child came since the listing */
    else
        rdel_finish(arg, rc == ZNONODE ? ZOK : rc);
}

static void rdel_children(int rc, int count, const char *const *names, void *arg) {
    rdel_node *n = arg;
    if (rc != ZOK) {
        rdel_finish(n, rc == ZNONODE ? ZOK : rc);
        return;
    }
    if (count == 0) {
        if ((rc = zkc_delete(n->z, n->path, -1, rdel_deleted, n)) != ZOK)
            rdel_finish(n, rc);
        return;
    }
    n->pending = count + 1; /* + 1: no finish before every child started */
    for (int i = 0; i < count; i++) {
        size_t len = strlen(n->path) + strlen(names[i]) + 2;
        rdel_node *c = xmalloc(sizeof(*c));
        *c = (rdel_node){.z = n->z, .path = xmalloc(len), .parent = n};
        snprintf(c->path, len, "%s/%s", n->path, names[i]);
        rdel_list(c);
    }
    rdel_subtree_done(n);
}

static void rdel_list(rdel_node *n) {
    int rc = zkc_children(n->z, n->path, 0, rdel_children, n);
    if (rc != ZOK)
        rdel_finish(n, rc);
}

int zkc_delete_recursive(zkc *z, const char *path, zkc_void_cb *cb, void *arg) {
    if (!valid_path(path) || !path[1] || !cb)
        return ZBADARGUMENTS;
    rdel_node *n = xmalloc(sizeof(*n));
    *n = (rdel_node){.z = z, .path = xstrndup(path, strlen(path)), .cb = cb, .arg = arg};
    int rc = zkc_children(z, path, 0, rdel_children, n);
    if (rc != ZOK) {
        free(n->path);
        free(n);
    }
    return rc;
}

int zkc_wait(zkc *z, int *done_flag, int timeout_ms) {
    aeEventLoop *el = z->el; /* z may be closed by a callback */
    int64_t end = ae_mono_ms() + timeout_ms;
    while (!*done_flag) {
        int64_t left = end - ae_mono_ms();
        if (left <= 0)
            return ZOPERATIONTIMEOUT;
        aeProcessEvents(el, (int)left);
    }
    return ZOK;
}

void zkc_test_pause(zkc *z, int ms) {
    z->pause_until = ae_mono_ms() + ms;
    enter(z);
    if (z->state == CS_CONNECTING || z->state == CS_HANDSHAKE || z->state == CS_CONNECTED)
        drop(z, "test pause");
    else
        rearm(z);
    leave(z);
}
