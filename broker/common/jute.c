/* jute.c -- ZooKeeper client-protocol records. See jute.h.
 *
 * Each record body is described by a short field string (one letter per
 * field, in wire order) and one routine walks it in either direction: with
 * a wbuf it writes, with an rbuf it reads. That keeps every layout in one
 * place, so the client and a server can never disagree on it. */
#include "jute.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Names
 * ---------------------------------------------------------------------- */
const char *jute_err_str(int err) {
    switch (err) {
#define NAME_(name, value) \
    case value: return &#name[1]; /* without the Z */
        JUTE_ERRORS(NAME_)
#undef NAME_
    default: return "UNKNOWN";
    }
}

const char *jute_op_str(int32_t type) {
    switch (type) {
#define NAME_(name, value, str) \
    case value: return str;
        JUTE_OPS(NAME_)
#undef NAME_
    default: return "unknown";
    }
}

static const jute_acl open_acl[1] = {{ZOO_PERM_ALL, {{"world", 5}, {"anyone", 6}}}};
const jute_aclvec JUTE_OPEN_ACL_UNSAFE = {1, (jute_acl *)open_acl};

/* ------------------------------------------------------------------------
 * Framing
 * ---------------------------------------------------------------------- */
int jute_frame(const uint8_t *p, size_t len, size_t max_frame, const uint8_t **body,
               uint32_t *blen) {
    if (len < 4)
        return 0;
    int32_t n = (int32_t)be32_get(p);
    if (n < 0 || (size_t)n > max_frame || n > INT32_MAX - 4)
        return -1;
    if (len - 4 < (size_t)n)
        return 0;
    *body = p + 4;
    *blen = (uint32_t)n;
    return 4 + n;
}

size_t jute_frame_begin(wbuf *wb) { return wb_i32(wb, 0); }

void jute_frame_end(wbuf *wb, size_t at) { wb_put_i32(wb, at, (int32_t)(wb->len - at - 4)); }

/* ------------------------------------------------------------------------
 * Two-way primitives: write when wb != NULL, else read from rb.
 * They return 0, or -1 with rb->err set.
 * ---------------------------------------------------------------------- */
static int io_i32(rbuf *rb, wbuf *wb, int32_t *v) {
    if (wb) {
        wb_i32(wb, *v);
        return 0;
    }
    return rb_get_i32(rb, v);
}

static int io_i64(rbuf *rb, wbuf *wb, int64_t *v) {
    if (wb) {
        wb_i64(wb, *v);
        return 0;
    }
    return rb_get_i64(rb, v);
}

static int io_bool(rbuf *rb, wbuf *wb, bool *v) {
    int8_t b = *v ? 1 : 0;
    if (wb) {
        wb_i8(wb, b);
        return 0;
    }
    if (rb_get_i8(rb, &b))
        return -1;
    *v = b != 0;
    return 0;
}

/* ustring and buffer share the encoding: int32 length (-1 = null), bytes */
static int io_kstr(rbuf *rb, wbuf *wb, kstr *k) {
    if (wb) {
        if (k->len < 0) {
            wb_i32(wb, -1);
        } else {
            wb_i32(wb, k->len);
            wb_write(wb, k->s, (size_t)k->len);
        }
        return 0;
    }
    return rb_get_bytes(rb, k);
}

static int io_stat(rbuf *rb, wbuf *wb, jute_stat *s) {
    RB_TRY(io_i64(rb, wb, &s->czxid));
    RB_TRY(io_i64(rb, wb, &s->mzxid));
    RB_TRY(io_i64(rb, wb, &s->ctime));
    RB_TRY(io_i64(rb, wb, &s->mtime));
    RB_TRY(io_i32(rb, wb, &s->version));
    RB_TRY(io_i32(rb, wb, &s->cversion));
    RB_TRY(io_i32(rb, wb, &s->aversion));
    RB_TRY(io_i64(rb, wb, &s->ephemeralOwner));
    RB_TRY(io_i32(rb, wb, &s->dataLength));
    RB_TRY(io_i32(rb, wb, &s->numChildren));
    RB_TRY(io_i64(rb, wb, &s->pzxid));
    return 0;
err_parse:
    return -1;
}

/* Vector count. On read it must be -1 (null) or small enough that each
 * element could still take min_elem of the bytes left: checked before
 * anything is allocated. */
static int io_count(rbuf *rb, wbuf *wb, int32_t *count, size_t min_elem) {
    if (wb)
        return io_i32(rb, wb, count);
    int32_t n;
    rb_read_i32(rb, &n);
    rb_check_count(rb, n, min_elem);
    *count = n;
    return 0;
err_parse:
    return -1;
}

/* The zeroed element array of a vector being read (NULL when empty). */
static void *vec_alloc(rbuf *rb, int32_t *count, size_t elem) {
    if (*count <= 0)
        return NULL;
    void *a = calloc((size_t)*count, elem);
    if (!a) {
        *count = 0;
        rb_fail(rb, "out of memory");
    }
    return a;
}

/* Writers never store into the record, so callers may pass const data. */
static int io_strvec(rbuf *rb, wbuf *wb, jute_strvec *sv) {
    RB_TRY(io_count(rb, wb, &sv->count, 4));
    if (!wb && !(sv->v = vec_alloc(rb, &sv->count, sizeof(kstr))) && rb->err)
        return -1;
    for (int32_t i = 0; i < sv->count; i++)
        RB_TRY(io_kstr(rb, wb, &sv->v[i]));
    return 0;
err_parse:
    return -1;
}

static int io_aclvec(rbuf *rb, wbuf *wb, jute_aclvec *av) {
    RB_TRY(io_count(rb, wb, &av->count, 12));
    if (!wb && !(av->v = vec_alloc(rb, &av->count, sizeof(jute_acl))) && rb->err)
        return -1;
    for (int32_t i = 0; i < av->count; i++) {
        RB_TRY(io_i32(rb, wb, &av->v[i].perms));
        RB_TRY(io_kstr(rb, wb, &av->v[i].id.scheme));
        RB_TRY(io_kstr(rb, wb, &av->v[i].id.id));
    }
    return 0;
err_parse:
    return -1;
}

static int io_infovec(rbuf *rb, wbuf *wb, jute_infovec *iv) {
    RB_TRY(io_count(rb, wb, &iv->count, 8));
    if (!wb && !(iv->v = vec_alloc(rb, &iv->count, sizeof(jute_clientinfo))) && rb->err)
        return -1;
    for (int32_t i = 0; i < iv->count; i++) {
        RB_TRY(io_kstr(rb, wb, &iv->v[i].authScheme));
        RB_TRY(io_kstr(rb, wb, &iv->v[i].user));
    }
    return 0;
err_parse:
    return -1;
}

static int io_multihdr(rbuf *rb, wbuf *wb, jute_multihdr *h) {
    RB_TRY(io_i32(rb, wb, &h->type));
    RB_TRY(io_bool(rb, wb, &h->done));
    RB_TRY(io_i32(rb, wb, &h->err));
    return 0;
err_parse:
    return -1;
}

/* What a reader returns: bytes consumed, or why it stopped. */
static int rb_result(const rbuf *rb) {
    if (!rb->err)
        return (int)rb->off;
    return rb->errmsg && strcmp(rb->errmsg, "underflow") == 0 ? JUTE_NEED_MORE : JUTE_BAD;
}

/* ------------------------------------------------------------------------
 * Request bodies
 *   p path  d data  A acl  f flags  t ttl  v version  w watch  m mode/type
 *   S scheme  a auth  z relativeZxid
 *   0..4 dataWatches existWatches childWatches persistentWatches
 *        persistentRecursiveWatches
 * ---------------------------------------------------------------------- */
static const char *req_spec(int32_t type) {
    switch (type) {
    case ZOO_CREATE_OP:
    case ZOO_CREATE2_OP:
    case ZOO_CREATE_CONTAINER_OP: return "pdAf";
    case ZOO_CREATE_TTL_OP: return "pdAft";
    case ZOO_DELETE_OP:
    case ZOO_CHECK_OP: return "pv";
    case ZOO_EXISTS_OP:
    case ZOO_GETDATA_OP:
    case ZOO_GETCHILDREN_OP:
    case ZOO_GETCHILDREN2_OP: return "pw";
    case ZOO_SETDATA_OP: return "pdv";
    case ZOO_GETACL_OP:
    case ZOO_SYNC_OP:
    case ZOO_GETEPHEMERALS_OP:
    case ZOO_GETALLCHILDRENNUMBER_OP: return "p";
    case ZOO_SETACL_OP: return "pAv";
    case ZOO_CHECK_WATCHES_OP:
    case ZOO_REMOVE_WATCHES_OP:
    case ZOO_ADDWATCH_OP: return "pm";
    case ZOO_SETAUTH_OP: return "mSa";
    case ZOO_SETWATCHES_OP: return "z012";
    case ZOO_SETWATCHES2_OP: return "z01234";
    case ZOO_RECONFIG_OP: return "JLMi";
    case ZOO_PING_OP:
    case ZOO_CLOSE_OP:
    case ZOO_WHOAMI_OP: return "";
    default: return NULL;
    }
}

/* Ops allowed inside multi (create*, delete, setData, check) and
 * multiRead (getData, getChildren). */
static const char *multi_op_spec(int32_t type) {
    switch (type) {
    case ZOO_CREATE_OP:
    case ZOO_CREATE2_OP:
    case ZOO_CREATE_CONTAINER_OP:
    case ZOO_CREATE_TTL_OP:
    case ZOO_DELETE_OP:
    case ZOO_SETDATA_OP:
    case ZOO_CHECK_OP:
    case ZOO_GETDATA_OP:
    case ZOO_GETCHILDREN_OP: return req_spec(type);
    default: return NULL;
    }
}

static int req_fields(rbuf *rb, wbuf *wb, const char *spec, jute_req *r) {
    for (const char *f = spec; *f; f++) {
        switch (*f) {
        case 'p': RB_TRY(io_kstr(rb, wb, &r->path)); break;
        case 'd': RB_TRY(io_kstr(rb, wb, &r->data)); break;
        case 'A': RB_TRY(io_aclvec(rb, wb, &r->acl)); break;
        case 'f': RB_TRY(io_i32(rb, wb, &r->flags)); break;
        case 't': RB_TRY(io_i64(rb, wb, &r->ttl)); break;
        case 'v': RB_TRY(io_i32(rb, wb, &r->version)); break;
        case 'w': RB_TRY(io_bool(rb, wb, &r->watch)); break;
        case 'm': RB_TRY(io_i32(rb, wb, &r->mode)); break;
        case 'S': RB_TRY(io_kstr(rb, wb, &r->scheme)); break;
        case 'a': RB_TRY(io_kstr(rb, wb, &r->auth)); break;
        case 'z': RB_TRY(io_i64(rb, wb, &r->relativeZxid)); break;
        case '0': RB_TRY(io_strvec(rb, wb, &r->dataWatches)); break;
        case '1': RB_TRY(io_strvec(rb, wb, &r->existWatches)); break;
        case '2': RB_TRY(io_strvec(rb, wb, &r->childWatches)); break;
        case '3': RB_TRY(io_strvec(rb, wb, &r->persistentWatches)); break;
        case '4': RB_TRY(io_strvec(rb, wb, &r->persistentRecursiveWatches)); break;
        case 'J': RB_TRY(io_kstr(rb, wb, &r->joiningServers)); break;
        case 'L': RB_TRY(io_kstr(rb, wb, &r->leavingServers)); break;
        case 'M': RB_TRY(io_kstr(rb, wb, &r->newMembers)); break;
        case 'i': RB_TRY(io_i64(rb, wb, &r->curConfigId)); break;
        }
    }
    return 0;
err_parse:
    return -1;
}

/* MultiOperationRecord: (MultiHeader(type, false, -1) + op)*, then
 * MultiHeader(-1, true, -1). */
static int req_multi(rbuf *rb, wbuf *wb, jute_req *r) {
    jute_multihdr h = {-1, true, -1};
    if (wb) {
        for (int32_t i = 0; i < r->nops; i++) {
            const char *spec = multi_op_spec(r->ops[i].type);
            if (!spec)
                return -1;
            jute_multihdr oh = {r->ops[i].type, false, -1};
            io_multihdr(NULL, wb, &oh);
            req_fields(NULL, wb, spec, &r->ops[i]);
        }
        return io_multihdr(NULL, wb, &h);
    }
    int32_t cap = 0;
    for (;;) {
        RB_TRY(io_multihdr(rb, NULL, &h));
        if (h.done)
            return 0;
        const char *spec = multi_op_spec(h.type);
        if (!spec)
            return rb_fail(rb, "bad op in multi");
        if (r->nops == cap) { /* each op consumed >= 9 bytes: bounded by len */
            cap = cap ? cap * 2 : 4;
            jute_req *n = realloc(r->ops, (size_t)cap * sizeof(*n));
            if (!n)
                return rb_fail(rb, "out of memory");
            r->ops = n;
        }
        jute_req *op = &r->ops[r->nops++];
        memset(op, 0, sizeof(*op));
        op->type = h.type;
        RB_TRY(req_fields(rb, NULL, spec, op));
    }
err_parse:
    return -1;
}

int jute_req_write(wbuf *wb, const jute_req *r) {
    jute_req *m = (jute_req *)r; /* the walker only reads it when writing */
    if (r->type == ZOO_MULTI_OP || r->type == ZOO_MULTI_READ_OP)
        return req_multi(NULL, wb, m);
    const char *spec = req_spec(r->type);
    return spec ? req_fields(NULL, wb, spec, m) : -1;
}

int jute_req_read(const uint8_t *p, size_t len, int32_t type, jute_req *r) {
    rbuf rb;
    rb_init(&rb, p, len);
    memset(r, 0, sizeof(*r));
    r->type = type;
    const char *spec = req_spec(type);
    if (type == ZOO_MULTI_OP || type == ZOO_MULTI_READ_OP)
        req_multi(&rb, NULL, r);
    else if (spec)
        req_fields(&rb, NULL, spec, r);
    else
        rb_fail(&rb, "unknown opcode");
    if (rb.err)
        jute_req_free(r);
    return rb_result(&rb);
}

void jute_req_free(jute_req *r) {
    free(r->acl.v);
    free(r->dataWatches.v);
    free(r->existWatches.v);
    free(r->childWatches.v);
    free(r->persistentWatches.v);
    free(r->persistentRecursiveWatches.v);
    for (int32_t i = 0; i < r->nops; i++)
        jute_req_free(&r->ops[i]);
    free(r->ops);
    r->acl.v = NULL;
    r->dataWatches.v = r->existWatches.v = r->childWatches.v = NULL;
    r->persistentWatches.v = r->persistentRecursiveWatches.v = NULL;
    r->ops = NULL;
    r->nops = 0;
}

/* ------------------------------------------------------------------------
 * Response bodies
 *   p path  d data  s stat  A acl  c children  n totalNumber  I clientInfo
 *   e err (ErrorResponse, multi only)
 * ---------------------------------------------------------------------- */
static const char *resp_spec(int32_t type) {
    switch (type) {
    case ZOO_CREATE_OP:
    case ZOO_SYNC_OP: return "p";
    case ZOO_CREATE2_OP:
    case ZOO_CREATE_CONTAINER_OP:
    case ZOO_CREATE_TTL_OP: return "ps";
    case ZOO_EXISTS_OP:
    case ZOO_SETDATA_OP:
    case ZOO_SETACL_OP:
    case ZOO_CHECK_OP: return "s";
    case ZOO_GETDATA_OP:
    case ZOO_RECONFIG_OP: return "ds";
    case ZOO_GETACL_OP: return "As";
    case ZOO_GETCHILDREN_OP:
    case ZOO_GETEPHEMERALS_OP: return "c";
    case ZOO_GETCHILDREN2_OP: return "cs";
    case ZOO_GETALLCHILDRENNUMBER_OP: return "n";
    case ZOO_WHOAMI_OP: return "I";
    case ZOO_DELETE_OP:
    case ZOO_PING_OP:
    case ZOO_CLOSE_OP:
    case ZOO_SETAUTH_OP:
    case ZOO_SETWATCHES_OP:
    case ZOO_SETWATCHES2_OP:
    case ZOO_ADDWATCH_OP:
    case ZOO_CHECK_WATCHES_OP:
    case ZOO_REMOVE_WATCHES_OP: return "";
    default: return NULL;
    }
}

/* MultiResponse result bodies (check and delete have none there). */
static const char *multi_result_spec(int32_t type) {
    switch (type) {
    case ZOO_CREATE_OP: return "p";
    case ZOO_CREATE2_OP:
    case ZOO_CREATE_CONTAINER_OP:
    case ZOO_CREATE_TTL_OP: return "ps";
    case ZOO_DELETE_OP:
    case ZOO_CHECK_OP: return "";
    case ZOO_SETDATA_OP: return "s";
    case ZOO_GETDATA_OP: return "ds";
    case ZOO_GETCHILDREN_OP: return "c";
    case ZOO_ERROR_OP: return "e";
    default: return NULL;
    }
}

static int resp_fields(rbuf *rb, wbuf *wb, const char *spec, jute_resp *r) {
    for (const char *f = spec; *f; f++) {
        switch (*f) {
        case 'p': RB_TRY(io_kstr(rb, wb, &r->path)); break;
        case 'd': RB_TRY(io_kstr(rb, wb, &r->data)); break;
        case 's': RB_TRY(io_stat(rb, wb, &r->stat)); break;
        case 'A': RB_TRY(io_aclvec(rb, wb, &r->acl)); break;
        case 'c': RB_TRY(io_strvec(rb, wb, &r->children)); break;
        case 'n': RB_TRY(io_i32(rb, wb, &r->totalNumber)); break;
        case 'I': RB_TRY(io_infovec(rb, wb, &r->clientInfo)); break;
        case 'e': RB_TRY(io_i32(rb, wb, &r->err)); break;
        }
    }
    return 0;
err_parse:
    return -1;
}

/* MultiResponse: (MultiHeader(type, false, err) + body)*, then
 * MultiHeader(-1, true, -1). The header's err is the ErrorResponse's err
 * for error results and 0 otherwise. */
static int resp_multi(rbuf *rb, wbuf *wb, jute_resp *r) {
    jute_multihdr h = {-1, true, -1};
    if (wb) {
        for (int32_t i = 0; i < r->nresults; i++) {
            jute_resp *res = &r->results[i];
            const char *spec = multi_result_spec(res->type);
            if (!spec)
                return -1;
            jute_multihdr rh = {res->type, false, res->type == ZOO_ERROR_OP ? res->err : 0};
            io_multihdr(NULL, wb, &rh);
            resp_fields(NULL, wb, spec, res);
        }
        return io_multihdr(NULL, wb, &h);
    }
    int32_t cap = 0;
    for (;;) {
        RB_TRY(io_multihdr(rb, NULL, &h));
        if (h.done)
            return 0;
        const char *spec = multi_result_spec(h.type);
        if (!spec)
            return rb_fail(rb, "bad result in multi");
        if (r->nresults == cap) {
            cap = cap ? cap * 2 : 4;
            jute_resp *n = realloc(r->results, (size_t)cap * sizeof(*n));
            if (!n)
                return rb_fail(rb, "out of memory");
            r->results = n;
        }
        jute_resp *res = &r->results[r->nresults++];
        memset(res, 0, sizeof(*res));
        res->type = h.type;
        res->err = h.err;
        RB_TRY(resp_fields(rb, NULL, spec, res));
    }
err_parse:
    return -1;
}

int jute_resp_write(wbuf *wb, const jute_resp *r) {
    jute_resp *m = (jute_resp *)r;
    if (r->type == ZOO_MULTI_OP || r->type == ZOO_MULTI_READ_OP)
        return resp_multi(NULL, wb, m);
    const char *spec = resp_spec(r->type);
    return spec ? resp_fields(NULL, wb, spec, m) : -1;
}

int jute_resp_read(const uint8_t *p, size_t len, int32_t type, jute_resp *r) {
    rbuf rb;
    rb_init(&rb, p, len);
    memset(r, 0, sizeof(*r));
    r->type = type;
    const char *spec = resp_spec(type);
    if (type == ZOO_MULTI_OP || type == ZOO_MULTI_READ_OP)
        resp_multi(&rb, NULL, r);
    else if (spec)
        resp_fields(&rb, NULL, spec, r);
    else
        rb_fail(&rb, "unknown opcode");
    if (rb.err)
        jute_resp_free(r);
    return rb_result(&rb);
}

void jute_resp_free(jute_resp *r) {
    free(r->acl.v);
    free(r->children.v);
    free(r->clientInfo.v);
    for (int32_t i = 0; i < r->nresults; i++)
        jute_resp_free(&r->results[i]);
    free(r->results);
    r->acl.v = NULL;
    r->children.v = NULL;
    r->clientInfo.v = NULL;
    r->results = NULL;
    r->nresults = 0;
}

/* ------------------------------------------------------------------------
 * Fixed records: one two-way walker each, wrapped by JUTE_RECORD_.
 * ---------------------------------------------------------------------- */
/* readOnly is appended outside jute: written when has_readOnly, read when
 * a byte is left (old clients send 44 bytes, servers answer them 36). */
static int io_readonly(rbuf *rb, wbuf *wb, bool *readOnly, bool *has) {
    if (wb ? !*has : rb_remain(rb) == 0)
        return 0;
    if (!wb)
        *has = true;
    return io_bool(rb, wb, readOnly);
}

static int io_connect_req(rbuf *rb, wbuf *wb, jute_connect_req *r) {
    RB_TRY(io_i32(rb, wb, &r->protocolVersion));
    RB_TRY(io_i64(rb, wb, &r->lastZxidSeen));
    RB_TRY(io_i32(rb, wb, &r->timeOut));
    RB_TRY(io_i64(rb, wb, &r->sessionId));
    RB_TRY(io_kstr(rb, wb, &r->passwd));
    return io_readonly(rb, wb, &r->readOnly, &r->has_readOnly);
err_parse:
    return -1;
}

static int io_connect_resp(rbuf *rb, wbuf *wb, jute_connect_resp *r) {
    RB_TRY(io_i32(rb, wb, &r->protocolVersion));
    RB_TRY(io_i32(rb, wb, &r->timeOut));
    RB_TRY(io_i64(rb, wb, &r->sessionId));
    RB_TRY(io_kstr(rb, wb, &r->passwd));
    return io_readonly(rb, wb, &r->readOnly, &r->has_readOnly);
err_parse:
    return -1;
}

static int io_reqhdr(rbuf *rb, wbuf *wb, jute_reqhdr *h) {
    RB_TRY(io_i32(rb, wb, &h->xid));
    return io_i32(rb, wb, &h->type);
err_parse:
    return -1;
}

static int io_replyhdr(rbuf *rb, wbuf *wb, jute_replyhdr *h) {
    RB_TRY(io_i32(rb, wb, &h->xid));
    RB_TRY(io_i64(rb, wb, &h->zxid));
    return io_i32(rb, wb, &h->err);
err_parse:
    return -1;
}

static int io_watcher_event(rbuf *rb, wbuf *wb, jute_watcher_event *e) {
    RB_TRY(io_i32(rb, wb, &e->type));
    RB_TRY(io_i32(rb, wb, &e->state));
    return io_kstr(rb, wb, &e->path);
err_parse:
    return -1;
}

#define JUTE_RECORD_(name, T)                                                        \
    void jute_##name##_write(wbuf *wb, const T *r) { io_##name(NULL, wb, (T *)r); } \
    int jute_##name##_read(const uint8_t *p, size_t len, T *r) {                     \
        rbuf rb;                                                                     \
        rb_init(&rb, p, len);                                                        \
        memset(r, 0, sizeof(*r));                                                    \
        io_##name(&rb, NULL, r);                                                     \
        return rb_result(&rb);                                                       \
    }
JUTE_RECORD_(connect_req, jute_connect_req)
JUTE_RECORD_(connect_resp, jute_connect_resp)
JUTE_RECORD_(reqhdr, jute_reqhdr)
JUTE_RECORD_(replyhdr, jute_replyhdr)
JUTE_RECORD_(stat, jute_stat)
JUTE_RECORD_(watcher_event, jute_watcher_event)
