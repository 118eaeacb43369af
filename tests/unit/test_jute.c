/* test_jute.c -- ZooKeeper jute codec: known bytes, round trips of every
 * record, every truncation point, hostile lengths and counts.
 * Decoders are always fed an exactly-sized heap copy, so any read past the
 * end shows up under AddressSanitizer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jute.h"

static int failures, checks;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                              \
    } while (0)

#define K(s) ((kstr){(s), (int32_t)sizeof(s) - 1})
static const kstr KNULL = {NULL, -1};

static int keq(kstr a, kstr b) {
    return a.len == b.len && (a.len <= 0 || memcmp(a.s, b.s, (size_t)a.len) == 0);
}

static int stat_eq(const jute_stat *a, const jute_stat *b) {
    return a->czxid == b->czxid && a->mzxid == b->mzxid && a->ctime == b->ctime &&
           a->mtime == b->mtime && a->version == b->version && a->cversion == b->cversion &&
           a->aversion == b->aversion && a->ephemeralOwner == b->ephemeralOwner &&
           a->dataLength == b->dataLength && a->numChildren == b->numChildren &&
           a->pzxid == b->pzxid;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n) {
    uint8_t *d = malloc(n ? n : 1);
    if (n)
        memcpy(d, p, n);
    return d;
}

/* ------------------------------------------------------------------------
 * Sample records
 * ---------------------------------------------------------------------- */
static kstr strs_a[] = {K("/a"), K(""), K("/a/b/c")};
static kstr strs_b[] = {K("/x")};
static jute_acl acls[] = {{31, {K("world"), K("anyone")}}, {1, {K("digest"), K("u:hash=")}}};
static jute_clientinfo infos[] = {{K("ip"), K("127.0.0.1")}, {K("digest"), K("bob")}};

static const jute_stat sample_stat = {0x100000001LL, 0x100000002LL, 1700000000000LL,
                                      1700000000001LL, 3, 4, 5, 0x7001234567LL, 6, 7,
                                      0x100000003LL};

/* A request with every field set; the opcode decides what is encoded. */
static jute_req sample_req(int32_t type) {
    jute_req r = {0};
    r.type = type;
    r.path = K("/brokers/ids/1");
    r.data = K("{\"v\":1}");
    r.acl = (jute_aclvec){2, acls};
    r.flags = 3;
    r.ttl = 123456789012LL;
    r.version = 7;
    r.watch = true;
    r.mode = 1;
    r.scheme = K("digest");
    r.auth = K("user:pw");
    r.relativeZxid = 0x200000010LL;
    r.dataWatches = (jute_strvec){3, strs_a};
    r.existWatches = (jute_strvec){0, NULL};
    r.childWatches = (jute_strvec){1, strs_b};
    r.persistentWatches = (jute_strvec){-1, NULL};
    r.persistentRecursiveWatches = (jute_strvec){1, strs_b};
    return r;
}

static jute_resp sample_resp(int32_t type) {
    jute_resp r = {0};
    r.type = type;
    r.path = K("/config/changes/config_change_0000000007");
    r.data = K("payload");
    r.stat = sample_stat;
    r.acl = (jute_aclvec){2, acls};
    r.children = (jute_strvec){3, strs_a};
    r.totalNumber = 42;
    r.clientInfo = (jute_infovec){2, infos};
    return r;
}

static const int32_t req_types[] = {
    ZOO_CREATE_OP, ZOO_DELETE_OP, ZOO_EXISTS_OP, ZOO_GETDATA_OP, ZOO_SETDATA_OP, ZOO_GETACL_OP,
    ZOO_SETACL_OP, ZOO_GETCHILDREN_OP, ZOO_SYNC_OP, ZOO_PING_OP, ZOO_GETCHILDREN2_OP,
    ZOO_CHECK_OP, ZOO_CREATE2_OP, ZOO_CREATE_CONTAINER_OP, ZOO_CREATE_TTL_OP, ZOO_CLOSE_OP,
    ZOO_SETWATCHES_OP, ZOO_SETWATCHES2_OP, ZOO_ADDWATCH_OP, ZOO_SETAUTH_OP,
    ZOO_GETEPHEMERALS_OP, ZOO_GETALLCHILDRENNUMBER_OP, ZOO_REMOVE_WATCHES_OP,
    ZOO_CHECK_WATCHES_OP, ZOO_WHOAMI_OP};
#define NREQ (int)(sizeof(req_types) / sizeof(req_types[0]))

static const int32_t resp_types[] = {
    ZOO_CREATE_OP, ZOO_DELETE_OP, ZOO_EXISTS_OP, ZOO_GETDATA_OP, ZOO_SETDATA_OP, ZOO_GETACL_OP,
    ZOO_SETACL_OP, ZOO_GETCHILDREN_OP, ZOO_SYNC_OP, ZOO_PING_OP, ZOO_GETCHILDREN2_OP,
    ZOO_CHECK_OP, ZOO_CREATE2_OP, ZOO_CREATE_CONTAINER_OP, ZOO_CREATE_TTL_OP, ZOO_CLOSE_OP,
    ZOO_SETWATCHES_OP, ZOO_SETWATCHES2_OP, ZOO_ADDWATCH_OP, ZOO_SETAUTH_OP,
    ZOO_GETEPHEMERALS_OP, ZOO_GETALLCHILDRENNUMBER_OP, ZOO_REMOVE_WATCHES_OP,
    ZOO_CHECK_WATCHES_OP, ZOO_WHOAMI_OP};
#define NRESP (int)(sizeof(resp_types) / sizeof(resp_types[0]))

/* ------------------------------------------------------------------------
 * Generic round trip + truncation driver
 * ---------------------------------------------------------------------- */
typedef int (*decode_fn)(const uint8_t *p, size_t len, void *out, int32_t type);
typedef void (*encode_fn)(wbuf *wb, void *rec);
typedef void (*free_fn)(void *rec);

static int dec_req(const uint8_t *p, size_t len, void *out, int32_t type) {
    return jute_req_read(p, len, type, out);
}
static void enc_req(wbuf *wb, void *r) { CHECK(jute_req_write(wb, r) == 0); }
static void free_req(void *r) { jute_req_free(r); }
static int dec_resp(const uint8_t *p, size_t len, void *out, int32_t type) {
    return jute_resp_read(p, len, type, out);
}
static void enc_resp(wbuf *wb, void *r) { CHECK(jute_resp_write(wb, r) == 0); }
static void free_resp(void *r) { jute_resp_free(r); }

/* Decodes the full encoding, re-encodes it and compares the bytes; then
 * decodes every strict prefix, which must fail (allowed_prefix excepted). */
static void round_trip(const char *what, const uint8_t *enc, size_t n, int32_t type,
                       decode_fn dec, encode_fn reenc, free_fn fr, size_t recsize,
                       long allowed_prefix) {
    void *rec = calloc(1, recsize);
    uint8_t *copy = dup_bytes(enc, n);
    int rc = dec(copy, n, rec, type);
    if (rc != (int)n)
        fprintf(stderr, "%s (type %d): decode returned %d, want %zu\n", what, type, rc, n);
    CHECK(rc == (int)n);
    if (rc == (int)n) {
        wbuf again;
        wb_init(&again, 0);
        reenc(&again, rec);
        CHECK(again.len == n && (n == 0 || memcmp(again.data, enc, n) == 0));
        wb_free(&again);
        fr(rec);
    }
    free(copy);
    for (size_t l = 0; l < n; l++) {
        if ((long)l == allowed_prefix)
            continue;
        copy = dup_bytes(enc, l);
        memset(rec, 0, recsize);
        rc = dec(copy, l, rec, type);
        if (!(rc == JUTE_NEED_MORE || rc == JUTE_BAD))
            fprintf(stderr, "%s (type %d): prefix %zu/%zu decoded as %d\n", what, type, l, n, rc);
        CHECK(rc == JUTE_NEED_MORE || rc == JUTE_BAD);
        fr(rec); /* harmless after a failed read */
        free(copy);
    }
    free(rec);
}

/* ------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------- */
static void test_known_bytes(void) {
    wbuf wb;
    wb_init(&wb, 0);
    /* CreateRequest{"/a", "x", OPEN_ACL_UNSAFE, EPHEMERAL} in a frame */
    size_t at = jute_frame_begin(&wb);
    jute_reqhdr h = {1, ZOO_CREATE_OP};
    jute_reqhdr_write(&wb, &h);
    jute_req c = {.type = ZOO_CREATE_OP, .path = K("/a"), .data = K("x"),
                  .acl = JUTE_OPEN_ACL_UNSAFE, .flags = ZOO_EPHEMERAL};
    CHECK(jute_req_write(&wb, &c) == 0);
    jute_frame_end(&wb, at);
    static const uint8_t want[] = {
        0, 0, 0, 50,                                     /* frame length */
        0, 0, 0, 1, 0, 0, 0, 1,                          /* xid 1, create */
        0, 0, 0, 2, '/', 'a',                            /* path */
        0, 0, 0, 1, 'x',                                 /* data */
        0, 0, 0, 1, 0, 0, 0, 31,                         /* 1 ACL, perms ALL */
        0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',             /* scheme */
        0, 0, 0, 6, 'a', 'n', 'y', 'o', 'n', 'e',        /* id */
        0, 0, 0, 1};                                     /* flags */
    CHECK(wb.len == sizeof(want) && memcmp(wb.data, want, sizeof(want)) == 0);

    /* ConnectRequest is 45 bytes with readOnly, ConnectResponse 37 */
    wb_reset(&wb);
    uint8_t pw[16] = {0};
    jute_connect_req cr = {0, 0x10, 30000, 0, {(const char *)pw, 16}, false, true};
    jute_connect_req_write(&wb, &cr);
    CHECK(wb.len == 45);
    CHECK(be32_get(wb.data + 12) == 30000 && be32_get(wb.data + 24) == 16);
    wb_reset(&wb);
    jute_connect_resp cp = {0, 6000, 0x1000abcdLL, {(const char *)pw, 16}, false, true};
    jute_connect_resp_write(&wb, &cp);
    CHECK(wb.len == 37);

    /* writers never store into the record: read-only input is fine */
    static const jute_connect_req ro_conn = {0, 1, 2, 3, {"0123456789abcdef", 16}, true, true};
    static const kstr ro_paths[1] = {{"/p", 2}};
    static const jute_req ro_req = {.type = ZOO_SETWATCHES_OP,
                                    .dataWatches = {1, (kstr *)ro_paths}};
    wb_reset(&wb);
    jute_connect_req_write(&wb, &ro_conn);
    CHECK(wb.len == 45 && wb.data[44] == 1);
    wb_reset(&wb);
    CHECK(jute_req_write(&wb, &ro_req) == 0 && wb.len == 8 + (4 + 4 + 2) + 4 + 4);

    /* null buffer vs empty buffer */
    wb_reset(&wb);
    jute_req s = {.type = ZOO_SETDATA_OP, .path = K("/n"), .data = KNULL, .version = -1};
    jute_req_write(&wb, &s);
    CHECK(wb.len == 4 + 2 + 4 + 4 && be32_get(wb.data + 6) == 0xffffffffu);
    jute_req back;
    CHECK(jute_req_read(wb.data, wb.len, ZOO_SETDATA_OP, &back) == (int)wb.len);
    CHECK(back.data.len == -1 && back.data.s == NULL && back.version == -1);
    jute_req_free(&back);
    wb_reset(&wb);
    s.data = K("");
    jute_req_write(&wb, &s);
    CHECK(jute_req_read(wb.data, wb.len, ZOO_SETDATA_OP, &back) == (int)wb.len);
    CHECK(back.data.len == 0);
    jute_req_free(&back);

    /* Stat is 68 bytes, wire order as in zookeeper.jute */
    wb_reset(&wb);
    jute_stat_write(&wb, &sample_stat);
    CHECK(wb.len == JUTE_STAT_SIZE);
    CHECK(be64_get(wb.data + 44) == 0x7001234567ULL); /* ephemeralOwner */
    CHECK(be32_get(wb.data + 56) == 7);                /* numChildren */
    jute_stat st;
    CHECK(jute_stat_read(wb.data, wb.len, &st) == JUTE_STAT_SIZE);
    CHECK(stat_eq(&st, &sample_stat));
    wb_free(&wb);
}

static void test_headers_and_fixed(void) {
    wbuf wb;
    wb_init(&wb, 0);
    jute_reqhdr rh = {-8, ZOO_SETWATCHES_OP}, rh2;
    jute_reqhdr_write(&wb, &rh);
    CHECK(jute_reqhdr_read(wb.data, wb.len, &rh2) == JUTE_REQHDR_SIZE);
    CHECK(rh2.xid == -8 && rh2.type == 101);
    for (size_t l = 0; l < wb.len; l++) {
        uint8_t *c = dup_bytes(wb.data, l);
        CHECK(jute_reqhdr_read(c, l, &rh2) == JUTE_NEED_MORE);
        free(c);
    }

    wb_reset(&wb);
    jute_replyhdr ph = {-1, -1, ZOK}, ph2;
    ph.zxid = 0x1234567890LL;
    ph.err = ZNONODE;
    jute_replyhdr_write(&wb, &ph);
    CHECK(jute_replyhdr_read(wb.data, wb.len, &ph2) == JUTE_REPLYHDR_SIZE);
    CHECK(ph2.xid == -1 && ph2.zxid == 0x1234567890LL && ph2.err == -101);
    for (size_t l = 0; l < wb.len; l++) {
        uint8_t *c = dup_bytes(wb.data, l);
        CHECK(jute_replyhdr_read(c, l, &ph2) == JUTE_NEED_MORE);
        free(c);
    }

    /* WatcherEvent */
    wb_reset(&wb);
    jute_watcher_event ev = {ZOO_CHILD_EVENT, ZOO_SYNC_CONNECTED_STATE, K("/brokers/ids")}, ev2;
    jute_watcher_event_write(&wb, &ev);
    CHECK(jute_watcher_event_read(wb.data, wb.len, &ev2) == (int)wb.len);
    CHECK(ev2.type == 4 && ev2.state == 3 && keq(ev2.path, ev.path));
    for (size_t l = 0; l < wb.len; l++) {
        uint8_t *c = dup_bytes(wb.data, l);
        int rc = jute_watcher_event_read(c, l, &ev2);
        CHECK(rc == JUTE_NEED_MORE || rc == JUTE_BAD);
        free(c);
    }

    /* Connect request/response, with and without readOnly */
    for (int ro = 0; ro < 2; ro++) {
        uint8_t pw[16];
        for (int i = 0; i < 16; i++)
            pw[i] = (uint8_t)(i * 7 + 1);
        wb_reset(&wb);
        jute_connect_req cr = {0, 0x300000005LL, 18000, 0x1000000abcLL,
                               {(const char *)pw, 16}, ro != 0, ro != 0}, cr2;
        jute_connect_req_write(&wb, &cr);
        CHECK(wb.len == (size_t)(44 + ro));
        CHECK(jute_connect_req_read(wb.data, wb.len, &cr2) == (int)wb.len);
        CHECK(cr2.lastZxidSeen == cr.lastZxidSeen && cr2.timeOut == 18000 &&
              cr2.sessionId == cr.sessionId && keq(cr2.passwd, cr.passwd) &&
              cr2.has_readOnly == (ro != 0) && cr2.readOnly == (ro != 0));
        for (size_t l = 0; l < wb.len; l++) {
            uint8_t *c = dup_bytes(wb.data, l);
            int rc = jute_connect_req_read(c, l, &cr2);
            CHECK(l == 44 ? (rc == 44 && !cr2.has_readOnly)
                          : (rc == JUTE_NEED_MORE || rc == JUTE_BAD));
            free(c);
        }

        wb_reset(&wb);
        jute_connect_resp cp = {0, 6000, 0x1000000abcLL, {(const char *)pw, 16}, ro != 0,
                                ro != 0}, cp2;
        jute_connect_resp_write(&wb, &cp);
        CHECK(wb.len == (size_t)(36 + ro));
        CHECK(jute_connect_resp_read(wb.data, wb.len, &cp2) == (int)wb.len);
        CHECK(cp2.timeOut == 6000 && cp2.sessionId == cp.sessionId && keq(cp2.passwd, cp.passwd) &&
              cp2.has_readOnly == (ro != 0));
        for (size_t l = 0; l < wb.len; l++) {
            uint8_t *c = dup_bytes(wb.data, l);
            int rc = jute_connect_resp_read(c, l, &cp2);
            CHECK(l == 36 ? (rc == 36 && !cp2.has_readOnly)
                          : (rc == JUTE_NEED_MORE || rc == JUTE_BAD));
            free(c);
        }
    }
    wb_free(&wb);
}

static void test_requests(void) {
    wbuf wb;
    wb_init(&wb, 0);
    for (int i = 0; i < NREQ; i++) {
        jute_req r = sample_req(req_types[i]);
        wb_reset(&wb);
        CHECK(jute_req_write(&wb, &r) == 0);
        round_trip(jute_op_str(r.type), wb.data, wb.len, r.type, dec_req, enc_req, free_req,
                   sizeof(jute_req), -1);
    }
    /* field spot checks on the richest bodies */
    jute_req r = sample_req(ZOO_CREATE_TTL_OP), d;
    wb_reset(&wb);
    jute_req_write(&wb, &r);
    CHECK(jute_req_read(wb.data, wb.len, ZOO_CREATE_TTL_OP, &d) == (int)wb.len);
    CHECK(keq(d.path, r.path) && keq(d.data, r.data) && d.flags == 3 && d.ttl == r.ttl);
    CHECK(d.acl.count == 2 && d.acl.v[1].perms == 1 && keq(d.acl.v[1].id.scheme, K("digest")) &&
          keq(d.acl.v[1].id.id, K("u:hash=")));
    jute_req_free(&d);

    r = sample_req(ZOO_SETWATCHES2_OP);
    wb_reset(&wb);
    jute_req_write(&wb, &r);
    CHECK(jute_req_read(wb.data, wb.len, ZOO_SETWATCHES2_OP, &d) == (int)wb.len);
    CHECK(d.relativeZxid == r.relativeZxid && d.dataWatches.count == 3 &&
          keq(d.dataWatches.v[2], K("/a/b/c")) && keq(d.dataWatches.v[1], K("")) &&
          d.existWatches.count == 0 && d.childWatches.count == 1 &&
          d.persistentWatches.count == -1 && d.persistentWatches.v == NULL &&
          d.persistentRecursiveWatches.count == 1);
    jute_req_free(&d);

    r = sample_req(ZOO_SETAUTH_OP);
    wb_reset(&wb);
    jute_req_write(&wb, &r);
    CHECK(jute_req_read(wb.data, wb.len, ZOO_SETAUTH_OP, &d) == (int)wb.len);
    CHECK(d.mode == 1 && keq(d.scheme, K("digest")) && keq(d.auth, K("user:pw")));
    jute_req_free(&d);

    /* multi: one op of each allowed kind, then the terminator */
    jute_req ops[9];
    int32_t optypes[9] = {ZOO_CREATE_OP, ZOO_CREATE2_OP, ZOO_CREATE_CONTAINER_OP,
                          ZOO_CREATE_TTL_OP, ZOO_DELETE_OP, ZOO_SETDATA_OP, ZOO_CHECK_OP,
                          ZOO_GETDATA_OP, ZOO_GETCHILDREN_OP};
    for (int i = 0; i < 9; i++)
        ops[i] = sample_req(optypes[i]);
    jute_req m = {.type = ZOO_MULTI_OP, .nops = 9, .ops = ops};
    wb_reset(&wb);
    CHECK(jute_req_write(&wb, &m) == 0);
    round_trip("multi", wb.data, wb.len, ZOO_MULTI_OP, dec_req, enc_req, free_req,
               sizeof(jute_req), -1);
    CHECK(jute_req_read(wb.data, wb.len, ZOO_MULTI_OP, &d) == (int)wb.len);
    CHECK(d.nops == 9 && d.ops[3].type == ZOO_CREATE_TTL_OP && d.ops[3].ttl == r.ttl &&
          d.ops[6].type == ZOO_CHECK_OP && d.ops[6].version == 7 && d.ops[0].acl.count == 2);
    jute_req_free(&d);
    /* the terminator is MultiHeader(-1, true, -1) */
    CHECK(wb.len >= 9 && be32_get(wb.data + wb.len - 9) == 0xffffffffu &&
          wb.data[wb.len - 5] == 1 && be32_get(wb.data + wb.len - 4) == 0xffffffffu);
    /* empty multi */
    m.nops = 0;
    wb_reset(&wb);
    jute_req_write(&wb, &m);
    CHECK(wb.len == 9);
    round_trip("multi-empty", wb.data, wb.len, ZOO_MULTI_OP, dec_req, enc_req, free_req,
               sizeof(jute_req), -1);
    /* multiRead uses the same layout */
    jute_req mr_ops[2] = {sample_req(ZOO_GETDATA_OP), sample_req(ZOO_GETCHILDREN_OP)};
    jute_req mr = {.type = ZOO_MULTI_READ_OP, .nops = 2, .ops = mr_ops};
    wb_reset(&wb);
    CHECK(jute_req_write(&wb, &mr) == 0);
    round_trip("multiRead", wb.data, wb.len, ZOO_MULTI_READ_OP, dec_req, enc_req, free_req,
               sizeof(jute_req), -1);
    /* ops that may not appear in a multi */
    jute_req bad_ops[1] = {sample_req(ZOO_MULTI_OP)};
    jute_req bad = {.type = ZOO_MULTI_OP, .nops = 1, .ops = bad_ops};
    wb_reset(&wb);
    CHECK(jute_req_write(&wb, &bad) == -1);
    wb_free(&wb);
}

static void test_responses(void) {
    wbuf wb;
    wb_init(&wb, 0);
    for (int i = 0; i < NRESP; i++) {
        jute_resp r = sample_resp(resp_types[i]);
        wb_reset(&wb);
        CHECK(jute_resp_write(&wb, &r) == 0);
        round_trip(jute_op_str(r.type), wb.data, wb.len, r.type, dec_resp, enc_resp, free_resp,
                   sizeof(jute_resp), -1);
    }
    jute_resp r = sample_resp(ZOO_GETDATA_OP), d;
    wb_reset(&wb);
    jute_resp_write(&wb, &r);
    CHECK(wb.len == 4 + 7 + JUTE_STAT_SIZE);
    CHECK(jute_resp_read(wb.data, wb.len, ZOO_GETDATA_OP, &d) == (int)wb.len);
    CHECK(keq(d.data, K("payload")) && stat_eq(&d.stat, &sample_stat));
    jute_resp_free(&d);

    r = sample_resp(ZOO_GETCHILDREN2_OP);
    wb_reset(&wb);
    jute_resp_write(&wb, &r);
    CHECK(jute_resp_read(wb.data, wb.len, ZOO_GETCHILDREN2_OP, &d) == (int)wb.len);
    CHECK(d.children.count == 3 && keq(d.children.v[0], K("/a")) && d.stat.pzxid == sample_stat.pzxid);
    jute_resp_free(&d);

    r = sample_resp(ZOO_WHOAMI_OP);
    wb_reset(&wb);
    jute_resp_write(&wb, &r);
    CHECK(jute_resp_read(wb.data, wb.len, ZOO_WHOAMI_OP, &d) == (int)wb.len);
    CHECK(d.clientInfo.count == 2 && keq(d.clientInfo.v[1].user, K("bob")));
    jute_resp_free(&d);

    r = sample_resp(ZOO_GETALLCHILDRENNUMBER_OP);
    wb_reset(&wb);
    jute_resp_write(&wb, &r);
    CHECK(wb.len == 4);
    CHECK(jute_resp_read(wb.data, wb.len, ZOO_GETALLCHILDRENNUMBER_OP, &d) == 4 &&
          d.totalNumber == 42);
    jute_resp_free(&d);

    /* multi: successful results of each kind */
    int32_t rtypes[8] = {ZOO_CREATE_OP, ZOO_CREATE2_OP, ZOO_DELETE_OP, ZOO_SETDATA_OP,
                         ZOO_CHECK_OP, ZOO_GETDATA_OP, ZOO_GETCHILDREN_OP, ZOO_CREATE_TTL_OP};
    jute_resp res[8];
    for (int i = 0; i < 8; i++)
        res[i] = sample_resp(rtypes[i]);
    jute_resp m = {.type = ZOO_MULTI_OP, .nresults = 8, .results = res};
    wb_reset(&wb);
    CHECK(jute_resp_write(&wb, &m) == 0);
    round_trip("multi-response", wb.data, wb.len, ZOO_MULTI_OP, dec_resp, enc_resp, free_resp,
               sizeof(jute_resp), -1);
    CHECK(jute_resp_read(wb.data, wb.len, ZOO_MULTI_OP, &d) == (int)wb.len);
    CHECK(d.nresults == 8 && keq(d.results[0].path, r.path) && d.results[0].err == 0 &&
          d.results[3].stat.version == 3 && d.results[6].children.count == 3);
    jute_resp_free(&d);

    /* multi: a failed transaction, every result an ErrorResponse */
    jute_resp er[4] = {{.type = ZOO_ERROR_OP, .err = ZOK},
                       {.type = ZOO_ERROR_OP, .err = ZOK},
                       {.type = ZOO_ERROR_OP, .err = ZBADVERSION},
                       {.type = ZOO_ERROR_OP, .err = ZRUNTIMEINCONSISTENCY}};
    jute_resp fm = {.type = ZOO_MULTI_OP, .nresults = 4, .results = er};
    wb_reset(&wb);
    CHECK(jute_resp_write(&wb, &fm) == 0);
    CHECK(wb.len == 4 * (9 + 4) + 9);
    /* the header carries the error too (MultiResponse.serialize) */
    CHECK(be32_get(wb.data + 2 * 13 + 5) == (uint32_t)ZBADVERSION);
    round_trip("multi-errors", wb.data, wb.len, ZOO_MULTI_OP, dec_resp, enc_resp, free_resp,
               sizeof(jute_resp), -1);
    CHECK(jute_resp_read(wb.data, wb.len, ZOO_MULTI_OP, &d) == (int)wb.len);
    CHECK(d.nresults == 4 && d.results[2].type == ZOO_ERROR_OP && d.results[2].err == ZBADVERSION &&
          d.results[3].err == ZRUNTIMEINCONSISTENCY && d.results[0].err == ZOK);
    jute_resp_free(&d);
    wb_free(&wb);
}

/* Hostile input: lengths and counts that must be refused up front. */
static void test_hostile(void) {
    uint8_t b[64];
    jute_req r;
    jute_resp p;

    /* path length -2: invalid; 0x7fffffff: runs past the end */
    memset(b, 0, sizeof(b));
    be32_put(b, 0xfffffffeu);
    CHECK(jute_req_read(b, 16, ZOO_GETDATA_OP, &r) == JUTE_BAD);
    be32_put(b, 0x7fffffffu);
    CHECK(jute_req_read(b, 16, ZOO_GETDATA_OP, &r) == JUTE_NEED_MORE);
    be32_put(b, 0x80000000u);
    CHECK(jute_req_read(b, 16, ZOO_GETDATA_OP, &r) == JUTE_BAD);

    /* getChildren response with huge / negative / too-large counts */
    uint32_t counts[] = {0x7fffffffu, 0x10000000u, 0xfffffffeu, 0x80000000u, 16};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        memset(b, 0, sizeof(b));
        be32_put(b, counts[i]); /* 16 strings need >= 64 bytes, only 60 remain */
        CHECK(jute_resp_read(b, 64, ZOO_GETCHILDREN_OP, &p) == JUTE_BAD);
        CHECK(p.children.v == NULL);
    }
    /* ACL vector: each element needs 12 bytes */
    memset(b, 0, sizeof(b));
    be32_put(b, 0);               /* empty path */
    be32_put(b + 4, 0xffffffffu); /* null ACL vector is fine */
    CHECK(jute_req_read(b, 12, ZOO_SETACL_OP, &r) == 12);
    CHECK(r.acl.count == -1 && r.acl.v == NULL);
    jute_req_free(&r);
    be32_put(b, 0);
    be32_put(b + 4, 5); /* 5 ACLs need 60 bytes */
    CHECK(jute_req_read(b, 40, ZOO_SETACL_OP, &r) == JUTE_BAD);
    be32_put(b + 4, 0x7fffffffu);
    CHECK(jute_req_read(b, 64, ZOO_SETACL_OP, &r) == JUTE_BAD);

    /* unknown opcodes */
    CHECK(jute_req_read(b, 8, 77, &r) == JUTE_BAD);
    CHECK(jute_resp_read(b, 8, 77, &p) == JUTE_BAD);
    jute_req unk = {.type = 77};
    wbuf wb;
    wb_init(&wb, 0);
    CHECK(jute_req_write(&wb, &unk) == -1);

    /* multi containing a nested multi or a getACL */
    memset(b, 0, sizeof(b));
    be32_put(b, ZOO_MULTI_OP);
    CHECK(jute_req_read(b, 64, ZOO_MULTI_OP, &r) == JUTE_BAD);
    be32_put(b, ZOO_GETACL_OP);
    CHECK(jute_req_read(b, 64, ZOO_MULTI_OP, &r) == JUTE_BAD);
    be32_put(b, 99);
    CHECK(jute_resp_read(b, 64, ZOO_MULTI_OP, &p) == JUTE_BAD);

    /* a multi whose later op is broken frees the earlier ones (ASan/LSan) */
    jute_req ops[2] = {sample_req(ZOO_CREATE_OP), sample_req(ZOO_SETDATA_OP)};
    jute_req m = {.type = ZOO_MULTI_OP, .nops = 2, .ops = ops};
    jute_req_write(&wb, &ops[0]);
    size_t second = 9 + wb.len + 9; /* where op 2's path starts */
    wb_reset(&wb);
    jute_req_write(&wb, &m);
    CHECK(be32_get(wb.data + second) == 14);
    be32_put(wb.data + second, 0xfffffff0u);
    CHECK(jute_req_read(wb.data, wb.len, ZOO_MULTI_OP, &r) == JUTE_BAD);
    CHECK(r.ops == NULL && r.nops == 0);

    /* a multi that never terminates */
    wb_reset(&wb);
    for (int i = 0; i < 50; i++) {
        wb_i32(&wb, ZOO_DELETE_OP);
        wb_i8(&wb, 0);
        wb_i32(&wb, -1);
        wb_i32(&wb, 2);
        wb_write(&wb, "/x", 2);
        wb_i32(&wb, -1);
    }
    uint8_t *c = dup_bytes(wb.data, wb.len);
    CHECK(jute_req_read(c, wb.len, ZOO_MULTI_OP, &r) == JUTE_NEED_MORE);
    free(c);
    wb_free(&wb);
}

static void test_frame(void) {
    uint8_t b[16] = {0, 0, 0, 4, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff};
    const uint8_t *body;
    uint32_t blen;
    CHECK(jute_frame(b, 0, 100, &body, &blen) == 0);
    CHECK(jute_frame(b, 3, 100, &body, &blen) == 0);
    CHECK(jute_frame(b, 7, 100, &body, &blen) == 0);
    CHECK(jute_frame(b, 8, 100, &body, &blen) == 8 && body == b + 4 && blen == 4);
    CHECK(jute_frame(b, 8, 3, &body, &blen) == -1);       /* larger than max */
    CHECK(jute_frame(b + 8, 4, 100, &body, &blen) == -1); /* negative */
    be32_put(b, 0x7fffffffu);
    CHECK(jute_frame(b, 16, (size_t)-1, &body, &blen) == -1);
    be32_put(b, JUTE_MAX_BUFFER + 1);
    CHECK(jute_frame(b, 16, JUTE_MAX_BUFFER, &body, &blen) == -1);
    be32_put(b, 0);
    CHECK(jute_frame(b, 4, 0, &body, &blen) == 4 && blen == 0);
}

static void test_names(void) {
    CHECK(strcmp(jute_err_str(ZNONODE), "NONODE") == 0);
    CHECK(strcmp(jute_err_str(ZSESSIONEXPIRED), "SESSIONEXPIRED") == 0);
    CHECK(strcmp(jute_op_str(ZOO_GETCHILDREN2_OP), "getChildren2") == 0);
    CHECK(ZNODEEXISTS == -110 && ZBADVERSION == -103 && ZNOTEMPTY == -111 &&
          ZNOCHILDRENFOREPHEMERALS == -108 && ZINVALIDACL == -114 && ZNOAUTH == -102 &&
          ZRUNTIMEINCONSISTENCY == -2 && ZUNIMPLEMENTED == -6 && ZMARSHALLINGERROR == -5 &&
          ZBADARGUMENTS == -8 && ZAPIERROR == -100 && ZCONNECTIONLOSS == -4);
    CHECK(ZOO_SETWATCHES2_OP == 105 && ZOO_ADDWATCH_OP == 106 && ZOO_WHOAMI_OP == 107 &&
          ZOO_CLOSE_OP == -11 && ZOO_CREATE_TTL_OP == 21 && ZOO_CREATE_CONTAINER_OP == 19);
}

int main(void) {
    test_known_bytes();
    test_headers_and_fixed();
    test_requests();
    test_responses();
    test_hostile();
    test_frame();
    test_names();
    printf("test_jute: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
