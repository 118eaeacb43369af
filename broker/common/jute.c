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
    case ZOK: return "OK";
    case ZSYSTEMERROR: return "SYSTEMERROR";
    case ZRUNTIMEINCONSISTENCY: return "RUNTIMEINCONSISTENCY";
    case ZDATAINCONSISTENCY: return "DATAINCONSISTENCY";
    case ZCONNECTIONLOSS: return "CONNECTIONLOSS";
    case ZMARSHALLINGERROR: return "MARSHALLINGERROR";
    case ZUNIMPLEMENTED: return "UNIMPLEMENTED";
    case ZOPERATIONTIMEOUT: return "OPERATIONTIMEOUT";
    case ZBADARGUMENTS: return "BADARGUMENTS";
    case ZINVALIDSTATE: return "INVALIDSTATE";
    case ZUNKNOWNSESSION: return "UNKNOWNSESSION";
    case ZNEWCONFIGNOQUORUM: return "NEWCONFIGNOQUORUM";
    case ZRECONFIGINPROGRESS: return "RECONFIGINPROGRESS";
    case ZAPIERROR: return "APIERROR";
    case ZNONODE: return "NONODE";
    case ZNOAUTH: return "NOAUTH";
    case ZBADVERSION: return "BADVERSION";
    case ZNOCHILDRENFOREPHEMERALS: return "NOCHILDRENFOREPHEMERALS";
    case ZNODEEXISTS: return "NODEEXISTS";
    case ZNOTEMPTY: return "NOTEMPTY";
    case ZSESSIONEXPIRED: return "SESSIONEXPIRED";
    case ZINVALIDCALLBACK: return "INVALIDCALLBACK";
    case ZINVALIDACL: return "INVALIDACL";
    case ZAUTHFAILED: return "AUTHFAILED";
    case ZCLOSING: return "CLOSING";
    case ZNOTHING: return "NOTHING";
    case ZSESSIONMOVED: return "SESSIONMOVED";
    case ZNOTREADONLY: return "NOTREADONLY";
    case ZEPHEMERALONLOCALSESSION: return "EPHEMERALONLOCALSESSION";
    case ZNOWATCHER: return "NOWATCHER";
    case ZREQUESTTIMEOUT: return "REQUESTTIMEOUT";
    case ZRECONFIGDISABLED: return "RECONFIGDISABLED";
    case ZSESSIONCLOSEDREQUIRESASLAUTH: return "SESSIONCLOSEDREQUIRESASLAUTH";
    case ZQUOTAEXCEEDED: return "QUOTAEXCEEDED";
    case ZTHROTTLEDOP: return "THROTTLEDOP";
    default: return "UNKNOWN";
    }
}

const char *jute_op_str(int32_t type) {
    switch (type) {
    case ZOO_NOTIFY_OP: return "notification";
    case ZOO_CREATE_OP: return "create";
    case ZOO_DELETE_OP: return "delete";
    case ZOO_EXISTS_OP: return "exists";
    case ZOO_GETDATA_OP: return "getData";
    case ZOO_SETDATA_OP: return "setData";
    case ZOO_GETACL_OP: return "getACL";
    case ZOO_SETACL_OP: return "setACL";
    case ZOO_GETCHILDREN_OP: return "getChildren";
    case ZOO_SYNC_OP: return "sync";
    case ZOO_PING_OP: return "ping";
    case ZOO_GETCHILDREN2_OP: return "getChildren2";
    case ZOO_CHECK_OP: return "check";
    case ZOO_MULTI_OP: return "multi";
    case ZOO_CREATE2_OP: return "create2";
    case ZOO_RECONFIG_OP: return "reconfig";
    case ZOO_CHECK_WATCHES_OP: return "checkWatches";
    case ZOO_REMOVE_WATCHES_OP: return "removeWatches";
    case ZOO_CREATE_CONTAINER_OP: return "createContainer";
    case ZOO_DELETE_CONTAINER_OP: return "deleteContainer";
    case ZOO_CREATE_TTL_OP: return "createTTL";
    case ZOO_MULTI_READ_OP: return "multiRead";
    case ZOO_SETAUTH_OP: return "auth";
    case ZOO_SETWATCHES_OP: return "setWatches";
    case ZOO_SASL_OP: return "sasl";
    case ZOO_GETEPHEMERALS_OP: return "getEphemerals";
    case ZOO_GETALLCHILDRENNUMBER_OP: return "getAllChildrenNumber";
    case ZOO_SETWATCHES2_OP: return "setWatches2";
    case ZOO_ADDWATCH_OP: return "addWatch";
    case ZOO_WHOAMI_OP: return "whoAmI";
    case ZOO_CREATE_SESSION_OP: return "createSession";
    case ZOO_CLOSE_OP: return "closeSession";
    case ZOO_ERROR_OP: return "error";
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

/* Vector header. On read the count is checked against the bytes left
 * (each element needs at least min_elem) before the array is allocated. */
static int io_vec(rbuf *rb, wbuf *wb, int32_t *count, void **v, size_t elem, size_t min_elem) {
    if (wb)
        return io_i32(rb, wb, count);
    int32_t n;
    *v = NULL;
    *count = 0;
    rb_read_i32(rb, &n);
    rb_check_count(rb, n, min_elem);
    if (n > 0 && !(*v = calloc((size_t)n, elem)))
        return rb_fail(rb, "out of memory");
    *count = n;
    return 0;
err_parse:
    return -1;
}

static int io_strvec(rbuf *rb, wbuf *wb, jute_strvec *sv) {
    RB_TRY(io_vec(rb, wb, &sv->count, (void **)&sv->v, sizeof(kstr), 4));
    for (int32_t i = 0; i < sv->count; i++)
        RB_TRY(io_kstr(rb, wb, &sv->v[i]));
    return 0;
err_parse:
    return -1;
}

static int io_aclvec(rbuf *rb, wbuf *wb, jute_aclvec *av) {
    RB_TRY(io_vec(rb, wb, &av->count, (void **)&av->v, sizeof(jute_acl), 12));
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
    RB_TRY(io_vec(rb, wb, &iv->count, (void **)&iv->v, sizeof(jute_clientinfo), 8));
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
    case ZOO_GETDATA_OP: return "ds";
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
 * Fixed records
 * ---------------------------------------------------------------------- */
void jute_connect_req_write(wbuf *wb, const jute_connect_req *r) {
    wb_i32(wb, r->protocolVersion);
    wb_i64(wb, r->lastZxidSeen);
    wb_i32(wb, r->timeOut);
    wb_i64(wb, r->sessionId);
    kstr pw = r->passwd;
    io_kstr(NULL, wb, &pw);
    if (r->has_readOnly)
        wb_i8(wb, r->readOnly ? 1 : 0);
}

int jute_connect_req_read(const uint8_t *p, size_t len, jute_connect_req *r) {
    rbuf rb;
    rb_init(&rb, p, len);
    memset(r, 0, sizeof(*r));
    rb_read_i32(&rb, &r->protocolVersion);
    rb_read_i64(&rb, &r->lastZxidSeen);
    rb_read_i32(&rb, &r->timeOut);
    rb_read_i64(&rb, &r->sessionId);
    rb_read_bytes(&rb, &r->passwd);
    if (rb_remain(&rb) > 0) { /* 44-byte requests from very old clients lack it */
        RB_TRY(io_bool(&rb, NULL, &r->readOnly));
        r->has_readOnly = true;
    }
err_parse:
    return rb_result(&rb);
}

void jute_connect_resp_write(wbuf *wb, const jute_connect_resp *r) {
    wb_i32(wb, r->protocolVersion);
    wb_i32(wb, r->timeOut);
    wb_i64(wb, r->sessionId);
    kstr pw = r->passwd;
    io_kstr(NULL, wb, &pw);
    if (r->has_readOnly)
        wb_i8(wb, r->readOnly ? 1 : 0);
}

int jute_connect_resp_read(const uint8_t *p, size_t len, jute_connect_resp *r) {
    rbuf rb;
    rb_init(&rb, p, len);
    memset(r, 0, sizeof(*r));
    rb_read_i32(&rb, &r->protocolVersion);
    rb_read_i32(&rb, &r->timeOut);
    rb_read_i64(&rb, &r->sessionId);
    rb_read_bytes(&rb, &r->passwd);
    if (rb_remain(&rb) > 0) { /* servers omit it for clients that did */
        RB_TRY(io_bool(&rb, NULL, &r->readOnly));
        r->has_readOnly = true;
    }
err_parse:
    return rb_result(&rb);
}

void jute_reqhdr_write(wbuf *wb, const jute_reqhdr *h) {
    wb_i32(wb, h->xid);
    wb_i32(wb, h->type);
}

int jute_reqhdr_read(const uint8_t *p, size_t len, jute_reqhdr *h) {
    rbuf rb;
    rb_init(&rb, p, len);
    rb_read_i32(&rb, &h->xid);
    rb_read_i32(&rb, &h->type);
err_parse:
    return rb_result(&rb);
}

void jute_replyhdr_write(wbuf *wb, const jute_replyhdr *h) {
    wb_i32(wb, h->xid);
    wb_i64(wb, h->zxid);
    wb_i32(wb, h->err);
}

int jute_replyhdr_read(const uint8_t *p, size_t len, jute_replyhdr *h) {
    rbuf rb;
    rb_init(&rb, p, len);
    rb_read_i32(&rb, &h->xid);
    rb_read_i64(&rb, &h->zxid);
    rb_read_i32(&rb, &h->err);
err_parse:
    return rb_result(&rb);
}

void jute_stat_write(wbuf *wb, const jute_stat *s) { io_stat(NULL, wb, (jute_stat *)s); }

int jute_stat_read(const uint8_t *p, size_t len, jute_stat *s) {
    rbuf rb;
    rb_init(&rb, p, len);
    io_stat(&rb, NULL, s);
    return rb_result(&rb);
}

void jute_watcher_event_write(wbuf *wb, const jute_watcher_event *e) {
    wb_i32(wb, e->type);
    wb_i32(wb, e->state);
    kstr path = e->path;
    io_kstr(NULL, wb, &path);
}

int jute_watcher_event_read(const uint8_t *p, size_t len, jute_watcher_event *e) {
    rbuf rb;
    rb_init(&rb, p, len);
    rb_read_i32(&rb, &e->type);
    rb_read_i32(&rb, &e->state);
    rb_read_bytes(&rb, &e->path);
err_parse:
    return rb_result(&rb);
}
