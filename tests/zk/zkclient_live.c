/* zkclient_live.c -- exercises broker/common/zkclient.c against a real
 * ZooKeeper server. Driven by tests/zk/run_live.sh.
 *
 *   zkclient_live HOST:PORT basic     everything that needs no server restart
 *   zkclient_live HOST:PORT restart   prints READY, expects the server to be
 *                                     restarted, checks the session survived
 * Exit status 0 when every check passed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ae.h"
#include "logger.h"
#include "zkclient.h"

static aeEventLoop *el;
static const char *cs;
static int failures, checks;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        checks++;                                                                            \
        if (!(cond)) {                                                                       \
            failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);        \
        }                                                                                    \
    } while (0)
#define CHECK_RC(got, want)                                                                  \
    do {                                                                                     \
        int g_ = (got), w_ = (want);                                                         \
        checks++;                                                                            \
        if (g_ != w_) {                                                                      \
            failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s = %d (%s), want %d (%s)\n", __FILE__, __LINE__, #got, \
                    g_, jute_err_str(g_), w_, jute_err_str(w_));                             \
        }                                                                                    \
    } while (0)

/* ------------------------------------------------------------------------
 * Callback plumbing: each op fills a res and sets done
 * ---------------------------------------------------------------------- */
typedef struct res {
    int done, rc, calls;
    char path[256];
    char *data; /* malloc'd copy */
    int len;
    jute_stat stat;
    int has_stat;
    int count;
    char names[64][64];
    int n, rtype[8], rerr[8], rver[8];
    char rpath[8][64];
} res;

static void res_reset(res *r) {
    free(r->data);
    memset(r, 0, sizeof(*r));
}

static void fin(res *r, int rc) {
    r->rc = rc;
    r->done = 1;
    r->calls++;
}

static void cb_void(int rc, void *a) { fin(a, rc); }

static void cb_string(int rc, const char *path, void *a) {
    res *r = a;
    if (path)
        snprintf(r->path, sizeof(r->path), "%s", path);
    fin(r, rc);
}

static void cb_stat(int rc, const jute_stat *st, void *a) {
    res *r = a;
    if (st) {
        r->stat = *st;
        r->has_stat = 1;
    }
    fin(r, rc);
}

static void cb_data(int rc, const char *data, int len, const jute_stat *st, void *a) {
    res *r = a;
    r->len = len;
    if (data) {
        r->data = malloc((size_t)len + 1);
        memcpy(r->data, data, (size_t)len);
        r->data[len] = 0;
    }
    if (st) {
        r->stat = *st;
        r->has_stat = 1;
    }
    fin(r, rc);
}

static void cb_children(int rc, int n, const char *const *names, void *a) {
    res *r = a;
    r->count = n;
    for (int i = 0; i < n && i < 64; i++)
        snprintf(r->names[i], sizeof(r->names[i]), "%s", names[i]);
    fin(r, rc);
}

static void cb_multi(int rc, int n, const zkc_op_result *results, void *a) {
    res *r = a;
    r->n = n;
    for (int i = 0; i < n && i < 8; i++) {
        r->rtype[i] = results[i].type;
        r->rerr[i] = results[i].err;
        r->rver[i] = results[i].stat ? results[i].stat->version : -999;
        snprintf(r->rpath[i], sizeof(r->rpath[i]), "%s", results[i].path ? results[i].path : "");
    }
    fin(r, rc);
}

/* A refused op (rc != ZOK) gets its callback too, from the event loop. */
static int wait_res(zkc *z, res *r, int rc) {
    (void)rc;
    if (zkc_wait(z, &r->done, 10000) != ZOK) {
        fprintf(stderr, "timed out waiting for a reply\n");
        return ZOPERATIONTIMEOUT;
    }
    return r->rc;
}

/* Synchronous wrappers */
static int s_create(zkc *z, const char *path, const char *data, int flags, char *out) {
    res r = {0};
    int rc = wait_res(z, &r, zkc_create(z, path, data, data ? (int)strlen(data) : -1, flags,
                                        cb_string, &r));
    if (out)
        strcpy(out, r.path);
    return rc;
}

static int s_delete(zkc *z, const char *path, int version) {
    res r = {0};
    return wait_res(z, &r, zkc_delete(z, path, version, cb_void, &r));
}

static int s_exists(zkc *z, const char *path, int watch, jute_stat *st) {
    res r = {0};
    int rc = wait_res(z, &r, zkc_exists(z, path, watch, cb_stat, &r));
    if (st)
        *st = r.stat;
    return rc;
}

static int s_set(zkc *z, const char *path, const char *data, int len, int version, jute_stat *st) {
    res r = {0};
    int rc = wait_res(z, &r, zkc_set(z, path, data, len, version, cb_stat, &r));
    if (st)
        *st = r.stat;
    return rc;
}

static int s_get(zkc *z, const char *path, int watch, res *r) {
    res_reset(r);
    return wait_res(z, r, zkc_get(z, path, watch, cb_data, r));
}

static int s_children(zkc *z, const char *path, int watch, res *r) {
    res_reset(r);
    return wait_res(z, r, zkc_children(z, path, watch, cb_children, r));
}

static int s_ensure(zkc *z, const char *path) {
    res r = {0};
    return wait_res(z, &r, zkc_ensure_path(z, path, cb_void, &r));
}

static int has_name(const res *r, const char *name) {
    for (int i = 0; i < r->count && i < 64; i++)
        if (strcmp(r->names[i], name) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------
 * Session and watch observers
 * ---------------------------------------------------------------------- */
typedef struct sess {
    int up, connects, disconnects, expired, new_session;
    zkc *close_on_expire;
    int sync_rc_after_expiry;
    res after_expiry; /* the callback of that refused op */
} sess;

static void on_session(void *arg, int state, int new_session) {
    sess *s = arg;
    if (state == ZKC_CONNECTED) {
        s->up = 1;
        s->connects++;
        s->new_session = new_session;
    } else if (state == ZKC_DISCONNECTED) {
        s->up = 0;
        s->disconnects++;
    } else if (state == ZKC_EXPIRED) {
        s->up = 0;
        s->expired = 1;
        if (s->close_on_expire) { /* closing from inside a callback is allowed */
            s->sync_rc_after_expiry =
                zkc_create(s->close_on_expire, "/x", NULL, -1, 0, cb_string, &s->after_expiry);
            zkc_close(s->close_on_expire);
        }
    }
}

typedef struct watch_log {
    int n;
    int type[32];
    char path[32][128];
    int want_type;
    const char *want_path;
    int hit;
} watch_log;

static void on_watch(void *arg, int type, const char *path) {
    watch_log *w = arg;
    if (w->n < 32) {
        w->type[w->n] = type;
        snprintf(w->path[w->n], sizeof(w->path[0]), "%s", path);
        w->n++;
    }
    printf("watch event: type %d path %s\n", type, path);
    if (type == w->want_type && w->want_path && strcmp(path, w->want_path) == 0)
        w->hit = 1;
}

static void expect_event(watch_log *w, int type, const char *path) {
    w->want_type = type;
    w->want_path = path;
    w->hit = 0;
}

static int wait_flag(int *flag, int ms) {
    int64_t end = ae_mono_ms() + ms;
    while (!*flag && ae_mono_ms() < end)
        aeProcessEvents(el, (int)(end - ae_mono_ms()));
    return *flag;
}

static zkc *connect_to(const char *cstr, int timeout, sess *s) {
    memset(s, 0, sizeof(*s));
    zkc *z = zkc_new(el, cstr, timeout, on_session, s);
    if (!z) {
        fprintf(stderr, "zkc_new(%s) failed\n", cstr);
        exit(2);
    }
    if (!wait_flag(&s->up, 10000)) {
        fprintf(stderr, "could not connect to %s\n", cstr);
        exit(2);
    }
    return z;
}

/* ------------------------------------------------------------------------
 * Basic phase
 * ---------------------------------------------------------------------- */
static void test_crud(zkc *a) {
    char path[256], first[256];
    jute_stat st;
    res r = {0};

    CHECK_RC(s_ensure(a, "/t/a/b/c"), ZOK); /* creates /t, /t/a, /t/a/b too */
    CHECK_RC(s_ensure(a, "/t/a/b/c"), ZOK);
    CHECK_RC(s_exists(a, "/t/a/b", 0, NULL), ZOK);

    CHECK_RC(s_create(a, "/t/p", "hello", ZKC_PERSISTENT, path), ZOK);
    CHECK(strcmp(path, "/t/p") == 0);
    CHECK_RC(s_create(a, "/t/p", "again", ZKC_PERSISTENT, NULL), ZNODEEXISTS);
    CHECK_RC(s_create(a, "/t/missing/child", "x", 0, NULL), ZNONODE);
    CHECK_RC(s_create(a, "/t/p/", "x", 0, NULL), ZBADARGUMENTS); /* server-side check */
    {
        res rr = {0}; /* refused before sending: the callback says so too */
        CHECK_RC(wait_res(a, &rr, zkc_create(a, "relative", NULL, -1, 0, cb_string, &rr)),
                 ZBADARGUMENTS);
        CHECK(rr.calls == 1);
    }

    /* ephemeral: owned by this session, no children allowed */
    CHECK_RC(s_create(a, "/t/e", "eph", ZKC_EPHEMERAL, NULL), ZOK);
    CHECK_RC(s_exists(a, "/t/e", 0, &st), ZOK);
    CHECK(st.ephemeralOwner == zkc_session_id(a) && st.ephemeralOwner != 0);
    CHECK(st.dataLength == 3);
    CHECK_RC(s_create(a, "/t/e/kid", NULL, 0, NULL), ZNOCHILDRENFOREPHEMERALS);

    /* sequential: 10-digit suffix, increasing */
    CHECK_RC(s_create(a, "/t/s-", "1", ZKC_SEQUENCE, first), ZOK);
    CHECK_RC(s_create(a, "/t/s-", "2", ZKC_SEQUENCE | ZKC_EPHEMERAL, path), ZOK);
    CHECK(strlen(first) == strlen("/t/s-") + 10 && strncmp(first, "/t/s-", 5) == 0);
    CHECK(strcmp(path, first) > 0);

    /* get/set with versions */
    CHECK_RC(s_get(a, "/t/p", 0, &r), ZOK);
    CHECK(r.len == 5 && r.data && strcmp(r.data, "hello") == 0 && r.stat.version == 0);
    CHECK_RC(s_set(a, "/t/p", "world!", 6, 0, &st), ZOK);
    CHECK(st.version == 1 && st.dataLength == 6);
    CHECK_RC(s_set(a, "/t/p", "stale", 5, 0, NULL), ZBADVERSION);
    CHECK_RC(s_set(a, "/t/p", "any", 3, -1, &st), ZOK);
    CHECK(st.version == 2);
    CHECK_RC(s_get(a, "/t/p", 0, &r), ZOK);
    CHECK(r.len == 3 && strcmp(r.data, "any") == 0 && r.stat.version == 2);
    CHECK_RC(s_set(a, "/t/nope", "x", 1, -1, NULL), ZNONODE);
    CHECK_RC(s_get(a, "/t/nope", 0, &r), ZNONODE);
    CHECK(r.data == NULL && !r.has_stat);

    /* null vs empty data */
    CHECK_RC(s_create(a, "/t/null", NULL, 0, NULL), ZOK);
    CHECK_RC(s_get(a, "/t/null", 0, &r), ZOK);
    CHECK(r.len == -1 && r.data == NULL);
    CHECK_RC(s_create(a, "/t/empty", "", 0, NULL), ZOK);
    CHECK_RC(s_get(a, "/t/empty", 0, &r), ZOK);
    CHECK(r.len == 0 && r.data != NULL);

    /* a big value crosses many reads; one over jute.maxbuffer is refused */
    int big = 700 * 1024;
    char *blob = malloc((size_t)big + 1);
    for (int i = 0; i < big; i++)
        blob[i] = (char)('a' + i % 23);
    CHECK_RC(s_create(a, "/t/big", NULL, 0, NULL), ZOK);
    CHECK_RC(s_set(a, "/t/big", blob, big, -1, NULL), ZOK);
    CHECK_RC(s_get(a, "/t/big", 0, &r), ZOK);
    CHECK(r.len == big && r.data && memcmp(r.data, blob, (size_t)big) == 0);
    free(blob);
    blob = calloc(1, 0x100000);
    {
        res rb = {0};
        CHECK_RC(zkc_set(a, "/t/big", blob, 0x100000, -1, cb_stat, &rb), ZBADARGUMENTS);
        CHECK_RC(wait_res(a, &rb, ZBADARGUMENTS), ZBADARGUMENTS);
        CHECK(rb.calls == 1);
    }
    free(blob);

    /* children */
    CHECK_RC(s_children(a, "/t", 0, &r), ZOK);
    CHECK(r.count == 8 && has_name(&r, "p") && has_name(&r, "e") && has_name(&r, "a") &&
          has_name(&r, first + 3) && has_name(&r, "big"));
    CHECK_RC(s_children(a, "/t/nope", 0, &r), ZNONODE);
    CHECK_RC(s_exists(a, "/t", 0, &st), ZOK);
    CHECK(st.numChildren == 8);

    /* delete */
    CHECK_RC(s_delete(a, "/t/a", -1), ZNOTEMPTY);
    CHECK_RC(s_delete(a, "/t/nope", -1), ZNONODE);
    CHECK_RC(s_delete(a, "/t/p", 7), ZBADVERSION);
    CHECK_RC(s_delete(a, "/t/null", 0), ZOK);
    CHECK_RC(s_exists(a, "/t/null", 0, NULL), ZNONODE);
    res_reset(&r);
}

static void test_watches(zkc *a, watch_log *w) {
    res r = {0};
    /* exists watch fires on create */
    expect_event(w, ZOO_CREATED_EVENT, "/t/w");
    CHECK_RC(s_exists(a, "/t/w", 1, NULL), ZNONODE);
    CHECK_RC(s_create(a, "/t/w", "0", 0, NULL), ZOK);
    CHECK(wait_flag(&w->hit, 5000));
    /* getData watch fires on set */
    expect_event(w, ZOO_CHANGED_EVENT, "/t/w");
    CHECK_RC(s_get(a, "/t/w", 1, &r), ZOK);
    CHECK_RC(s_set(a, "/t/w", "1", 1, -1, NULL), ZOK);
    CHECK(wait_flag(&w->hit, 5000));
    /* one-shot: a second set fires nothing */
    int before = w->n;
    CHECK_RC(s_set(a, "/t/w", "2", 1, -1, NULL), ZOK);
    CHECK_RC(s_exists(a, "/t/w", 0, NULL), ZOK); /* a round trip after the set */
    CHECK(w->n == before);
    /* child watch fires on create below */
    expect_event(w, ZOO_CHILD_EVENT, "/t");
    CHECK_RC(s_children(a, "/t", 1, &r), ZOK);
    CHECK_RC(s_create(a, "/t/x", NULL, 0, NULL), ZOK);
    CHECK(wait_flag(&w->hit, 5000));
    /* data watch fires on delete */
    expect_event(w, ZOO_DELETED_EVENT, "/t/w");
    CHECK_RC(s_exists(a, "/t/w", 1, NULL), ZOK);
    CHECK_RC(s_delete(a, "/t/w", -1), ZOK);
    CHECK(wait_flag(&w->hit, 5000));
    res_reset(&r);
}

static void test_multi(zkc *a) {
    res r = {0}, g = {0};
    jute_stat st;
    CHECK_RC(s_exists(a, "/t/p", 0, &st), ZOK);
    int v = st.version;

    /* a failing check: nothing applied, per-op errors */
    zkc_op bad[4] = {
        {.type = ZOO_CREATE_OP, .path = "/t/m1", .data = "m", .len = 1},
        {.type = ZOO_SETDATA_OP, .path = "/t/p", .data = "multi", .len = 5, .version = -1},
        {.type = ZOO_CHECK_OP, .path = "/t/p", .version = 99},
        {.type = ZOO_DELETE_OP, .path = "/t/x", .version = -1},
    };
    CHECK_RC(wait_res(a, &r, zkc_multi(a, bad, 4, cb_multi, &r)), ZBADVERSION);
    CHECK(r.n == 4);
    for (int i = 0; i < 4 && i < r.n; i++)
        CHECK(r.rtype[i] == ZOO_ERROR_OP);
    CHECK(r.rerr[0] == ZOK && r.rerr[1] == ZOK && r.rerr[2] == ZBADVERSION &&
          r.rerr[3] == ZRUNTIMEINCONSISTENCY);
    CHECK_RC(s_exists(a, "/t/m1", 0, NULL), ZNONODE);
    CHECK_RC(s_exists(a, "/t/x", 0, NULL), ZOK);
    CHECK_RC(s_get(a, "/t/p", 0, &g), ZOK);
    CHECK(g.stat.version == v);

    /* all ops succeed */
    zkc_op ok[5] = {
        {.type = ZOO_CREATE_OP, .path = "/t/m1", .data = "m", .len = 1},
        {.type = ZOO_SETDATA_OP, .path = "/t/p", .data = "multi", .len = 5, .version = v},
        {.type = ZOO_CHECK_OP, .path = "/t/p", .version = v + 1},
        {.type = ZOO_DELETE_OP, .path = "/t/x", .version = -1},
        {.type = ZOO_CREATE_OP, .path = "/t/ms-", .flags = ZKC_SEQUENCE},
    };
    res_reset(&r);
    CHECK_RC(wait_res(a, &r, zkc_multi(a, ok, 5, cb_multi, &r)), ZOK);
    CHECK(r.n == 5 && r.rtype[0] == ZOO_CREATE_OP && strcmp(r.rpath[0], "/t/m1") == 0 &&
          r.rtype[1] == ZOO_SETDATA_OP && r.rver[1] == v + 1 && r.rtype[2] == ZOO_CHECK_OP &&
          r.rtype[3] == ZOO_DELETE_OP && strncmp(r.rpath[4], "/t/ms-", 6) == 0 &&
          strlen(r.rpath[4]) == 16);
    CHECK_RC(s_get(a, "/t/p", 0, &g), ZOK);
    CHECK(g.data && strcmp(g.data, "multi") == 0);
    CHECK_RC(s_exists(a, "/t/x", 0, NULL), ZNONODE);

    zkc_op unsupported[1] = {{.type = ZOO_GETDATA_OP, .path = "/t/p"}};
    res_reset(&r);
    CHECK_RC(wait_res(a, &r, zkc_multi(a, unsupported, 1, cb_multi, &r)), ZBADARGUMENTS);
    res_reset(&g);
}

static void test_chroot(zkc *a) {
    sess s;
    watch_log w = {0};
    char path[256];
    res r = {0};
    char cstr[512];
    snprintf(cstr, sizeof(cstr), "%s/t", cs);
    zkc *c = connect_to(cstr, 4000, &s);
    zkc_set_watcher(c, on_watch, &w);

    CHECK_RC(s_create(c, "/c1", "in-chroot", 0, path), ZOK);
    CHECK(strcmp(path, "/c1") == 0);
    CHECK_RC(s_exists(a, "/t/c1", 0, NULL), ZOK);
    CHECK_RC(s_create(c, "/cs-", NULL, ZKC_SEQUENCE, path), ZOK);
    CHECK(strncmp(path, "/cs-", 4) == 0 && strlen(path) == 14);
    CHECK_RC(s_children(c, "/", 0, &r), ZOK);
    CHECK(has_name(&r, "p") && has_name(&r, "c1"));
    CHECK_RC(s_exists(c, "/", 0, NULL), ZOK);
    expect_event(&w, ZOO_CREATED_EVENT, "/c2");
    CHECK_RC(s_exists(c, "/c2", 1, NULL), ZNONODE);
    CHECK_RC(s_create(a, "/t/c2", NULL, 0, NULL), ZOK);
    CHECK(wait_flag(&w.hit, 5000));
    expect_event(&w, ZOO_CHILD_EVENT, "/");
    CHECK_RC(s_children(c, "/", 1, &r), ZOK);
    CHECK_RC(s_create(a, "/t/c3", NULL, 0, NULL), ZOK);
    CHECK(wait_flag(&w.hit, 5000));
    zkc_op ops[1] = {{.type = ZOO_CREATE_OP, .path = "/c4"}};
    res_reset(&r);
    CHECK_RC(wait_res(c, &r, zkc_multi(c, ops, 1, cb_multi, &r)), ZOK);
    CHECK(r.n == 1 && strcmp(r.rpath[0], "/c4") == 0);
    CHECK_RC(s_ensure(c, "/deep/er/path"), ZOK);
    CHECK_RC(s_exists(a, "/t/deep/er/path", 0, NULL), ZOK);
    zkc_close(c);
    res_reset(&r);
}

static void test_close_removes_ephemerals(zkc *a) {
    sess s;
    zkc *b = connect_to(cs, 4000, &s);
    CHECK(s.new_session && zkc_session_id(b) != zkc_session_id(a));
    CHECK_RC(s_create(b, "/t/eph-b", NULL, ZKC_EPHEMERAL, NULL), ZOK);
    /* an op in flight at close still completes exactly once */
    res r = {0};
    CHECK_RC(zkc_exists(b, "/t/eph-b", 0, cb_stat, &r), ZOK);
    zkc_close(b);
    CHECK(r.calls == 1 && (r.rc == ZOK || r.rc == ZCLOSING));
    CHECK_RC(s_exists(a, "/t/eph-b", 0, NULL), ZNONODE);
}

/* Pings keep an idle session alive; a connection lost for longer than the
 * session timeout ends in ZKC_EXPIRED. */
static void test_expiry(zkc *a) {
    sess s;
    zkc *d = connect_to(cs, 2000, &s);
    int64_t sid = zkc_session_id(d);
    CHECK(zkc_session_timeout(d) == 2000);
    CHECK_RC(s_create(d, "/t/eph-d", NULL, ZKC_EPHEMERAL, NULL), ZOK);

    int never = 0;
    CHECK_RC(zkc_wait(d, &never, 3000), ZOPERATIONTIMEOUT); /* idle > timeout */
    CHECK(s.disconnects == 0 && zkc_session_id(d) == sid);
    CHECK_RC(s_exists(d, "/t/eph-d", 0, NULL), ZOK);

    /* in flight at the disconnect: CONNECTIONLOSS */
    res r1 = {0}, r2 = {0}, r3 = {0};
    CHECK_RC(zkc_exists(d, "/t/eph-d", 0, cb_stat, &r1), ZOK);
    zkc_test_pause(d, 3500);
    CHECK(r1.done && r1.rc == ZCONNECTIONLOSS);
    CHECK(s.disconnects == 1 && zkc_state(d) == ZKC_DISCONNECTED);
    /* queued while disconnected: fails after a whole session timeout */
    int64_t t0 = ae_mono_ms();
    CHECK_RC(zkc_exists(d, "/t/eph-d", 0, cb_stat, &r2), ZOK);
    CHECK_RC(wait_res(d, &r2, ZOK), ZCONNECTIONLOSS);
    int64_t waited = ae_mono_ms() - t0;
    CHECK(waited >= 1900 && waited < 3000);
    /* queued again: still waiting when the server reports expiry */
    s.close_on_expire = d;
    CHECK_RC(zkc_exists(d, "/t/eph-d", 0, cb_stat, &r3), ZOK);
    CHECK(wait_flag(&s.expired, 6000));
    CHECK(r3.done && r3.rc == ZSESSIONEXPIRED);
    CHECK_RC(s.sync_rc_after_expiry, ZSESSIONEXPIRED);
    CHECK(s.after_expiry.calls == 1 && s.after_expiry.rc == ZSESSIONEXPIRED);
    /* d was closed inside the callback; its ephemeral is gone */
    CHECK_RC(s_exists(a, "/t/eph-d", 0, NULL), ZNONODE);

    /* a new zkc gets a new session; the dead first server is skipped */
    char cstr[512];
    snprintf(cstr, sizeof(cstr), "127.0.0.1:1,%s", cs);
    zkc *e = connect_to(cstr, 4000, &s);
    CHECK(s.new_session && zkc_session_id(e) != sid);
    CHECK_RC(s_exists(e, "/t", 0, NULL), ZOK);
    zkc_close(e);
}

static int run_basic(void) {
    sess s;
    watch_log w = {0};
    zkc *a = connect_to(cs, 4000, &s);
    CHECK(s.new_session && zkc_state(a) == ZKC_CONNECTED && zkc_session_id(a) != 0);
    zkc_set_watcher(a, on_watch, &w);
    test_crud(a);
    test_watches(a, &w);
    test_multi(a);
    test_chroot(a);
    test_close_removes_ephemerals(a);
    test_expiry(a);
    CHECK(s.disconnects == 0);
    zkc_close(a);
    return 0;
}

/* ------------------------------------------------------------------------
 * Restart phase: the session, its ephemeral and its watch survive a server
 * restart; a request issued while the server is down runs afterwards.
 * ---------------------------------------------------------------------- */
static int run_restart(void) {
    sess s0, s, sb;
    watch_log w = {0};
    zkc *root = connect_to(cs, 4000, &s0);
    CHECK_RC(s_ensure(root, "/r"), ZOK);
    zkc_close(root);

    char cstr[512];
    snprintf(cstr, sizeof(cstr), "%s/r", cs);
    zkc *a = connect_to(cstr, 10000, &s);
    zkc_set_watcher(a, on_watch, &w);
    int64_t sid = zkc_session_id(a);
    res r = {0};
    CHECK_RC(s_create(a, "/eph", NULL, ZKC_EPHEMERAL, NULL), ZOK);
    CHECK_RC(s_create(a, "/data", "v0", 0, NULL), ZOK);
    CHECK_RC(s_get(a, "/data", 1, &r), ZOK);
    CHECK_RC(s_children(a, "/", 1, &r), ZOK);
    printf("READY\n");
    fflush(stdout);

    int down = 0;
    for (int64_t end = ae_mono_ms() + 20000; !s.disconnects && ae_mono_ms() < end;)
        aeProcessEvents(el, 100);
    down = s.disconnects;
    CHECK(down == 1);
    res q = {0};
    CHECK_RC(zkc_exists(a, "/eph", 0, cb_stat, &q), ZOK); /* queued */
    CHECK(wait_flag(&s.up, 20000));
    CHECK(s.connects == 2 && s.new_session == 0 && zkc_session_id(a) == sid);
    CHECK_RC(wait_res(a, &q, ZOK), ZOK);
    CHECK(q.stat.ephemeralOwner == sid);

    /* watches were re-registered with setWatches */
    zkc *b = connect_to(cs, 4000, &sb);
    expect_event(&w, ZOO_CHANGED_EVENT, "/data");
    CHECK_RC(s_set(b, "/r/data", "v1", 2, -1, NULL), ZOK);
    CHECK(wait_flag(&w.hit, 5000));
    expect_event(&w, ZOO_CHILD_EVENT, "/");
    CHECK_RC(s_create(b, "/r/new", NULL, 0, NULL), ZOK);
    CHECK(wait_flag(&w.hit, 5000));
    jute_stat st;
    CHECK_RC(s_exists(b, "/r/eph", 0, &st), ZOK);
    CHECK(st.ephemeralOwner == sid);
    zkc_close(a);
    CHECK_RC(s_exists(b, "/r/eph", 0, NULL), ZNONODE);
    zkc_close(b);
    res_reset(&r);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[2], "basic") && strcmp(argv[2], "restart"))) {
        fprintf(stderr, "usage: %s HOST:PORT basic|restart\n", argv[0]);
        return 2;
    }
    cs = argv[1];
    alarm(60);
    log_open(NULL, 1, LOG_INFO);
    el = aeCreateEventLoop(1024);
    if (strcmp(argv[2], "basic") == 0)
        run_basic();
    else
        run_restart();
    aeDeleteEventLoop(el);
    printf("zkclient_live %s: %d checks, %d failures\n", argv[2], checks, failures);
    return failures ? 1 : 0;
}
