/* test_zkclient.c -- broker/common/zkclient.c against an in-process fake
 * ZooKeeper server (built on jute's server-side readers and writers) on the
 * same event loop: handshake fields, chroot, watches and setWatches after a
 * reconnect, bad replies (oversized frame, wrong xid, truncated body), a
 * silent server, queued requests, session expiry and close; ops refused
 * before they are sent (no session, larger than jute.maxbuffer, a bad path,
 * closing) fail through their callbacks like any other. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ae.h"
#include "jute.h"
#include "logger.h"
#include "zkclient.h"

static int checks, failures;
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

static aeEventLoop *el;

/* ------------------------------------------------------------------------
 * The fake server: one connection at a time
 * ---------------------------------------------------------------------- */
enum { GET_OK, GET_OVERSIZE, GET_WRONG_XID, GET_TRUNCATED };
#define SID 0x4200000000000001LL

static struct fake {
    int lfd, port, fd, handshaken;
    wbuf in;
    int64_t zxid;
    /* behaviour */
    int expire_next, silent, get_mode;
    /* observations */
    int accepts, pings, closes, setwatches;
    jute_connect_req creq;
    uint8_t passwd[16];
    int passwd_len;
    char watch_path[128];
    int64_t watch_zxid;
    char last_path[128];
} F;

static void fake_drop(void) {
    if (F.fd >= 0) {
        aeDeleteFileEvent(el, F.fd, AE_READABLE);
        close(F.fd);
        F.fd = -1;
    }
    wb_reset(&F.in);
}

static void fake_send(wbuf *wb) {
    size_t off = 0;
    while (F.fd >= 0 && off < wb->len) {
        ssize_t n = send(F.fd, wb->data + off, wb->len - off, MSG_NOSIGNAL);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && errno != EAGAIN && errno != EINTR)
            break;
    }
}

static void fake_reply(int32_t xid, int err, const jute_resp *body) {
    wbuf wb;
    wb_init(&wb, 128);
    size_t at = jute_frame_begin(&wb);
    jute_replyhdr h = {xid, F.zxid, err};
    jute_replyhdr_write(&wb, &h);
    if (body)
        jute_resp_write(&wb, body);
    jute_frame_end(&wb, at);
    fake_send(&wb);
    wb_free(&wb);
}

static void fake_notify(int type, const char *path) {
    wbuf wb;
    wb_init(&wb, 128);
    size_t at = jute_frame_begin(&wb);
    jute_replyhdr h = {ZOO_NOTIFICATION_XID, -1, ZOK};
    jute_replyhdr_write(&wb, &h);
    jute_watcher_event ev = {type, ZOO_SYNC_CONNECTED_STATE, jute_kstr(path)};
    jute_watcher_event_write(&wb, &ev);
    jute_frame_end(&wb, at);
    fake_send(&wb);
    wb_free(&wb);
}

static void fake_handshake(const uint8_t *p, uint32_t n) {
    CHECK(jute_connect_req_read(p, n, &F.creq) == (int)n);
    F.passwd_len = F.creq.passwd.len;
    if (F.passwd_len == 16)
        memcpy(F.passwd, F.creq.passwd.s, 16);
    uint8_t pw[16];
    memset(pw, F.expire_next ? 0 : 0x5a, sizeof(pw));
    jute_connect_resp r = {0, F.expire_next ? 0 : F.creq.timeOut, F.expire_next ? 0 : SID,
                           {(const char *)pw, 16}, false, F.creq.has_readOnly};
    wbuf wb;
    wb_init(&wb, 64);
    size_t at = jute_frame_begin(&wb);
    jute_connect_resp_write(&wb, &r);
    jute_frame_end(&wb, at);
    fake_send(&wb);
    wb_free(&wb);
    F.handshaken = 1;
    if (F.expire_next) {
        F.expire_next = 0;
        fake_drop();
    }
}

static void fake_request(const uint8_t *p, uint32_t n) {
    jute_reqhdr h;
    jute_req r;
    CHECK(jute_reqhdr_read(p, n, &h) == JUTE_REQHDR_SIZE);
    int rc = jute_req_read(p + 8, n - 8, h.type, &r);
    CHECK(rc == (int)n - 8);
    if (rc < 0)
        return;
    if (r.path.len > 0 && r.path.len < 128)
        snprintf(F.last_path, sizeof(F.last_path), "%.*s", KSTR_PR(r.path));
    jute_resp out = {.type = h.type};
    if (F.silent) {
        F.pings += h.type == ZOO_PING_OP;
    } else if (h.type == ZOO_PING_OP) {
        F.pings++;
        fake_reply(h.xid, ZOK, NULL);
    } else if (h.type == ZOO_SETWATCHES_OP) {
        F.setwatches++;
        F.watch_zxid = r.relativeZxid;
        kstr w = r.existWatches.count > 0 ? r.existWatches.v[0] : jute_kstr("");
        snprintf(F.watch_path, sizeof(F.watch_path), "%.*s", KSTR_PR(w));
        fake_reply(h.xid, ZOK, NULL);
    } else if (h.type == ZOO_CREATE_OP) {
        F.zxid++;
        out.path = r.path;
        fake_reply(h.xid, ZOK, &out);
    } else if (h.type == ZOO_EXISTS_OP) {
        fake_reply(h.xid, ZNONODE, NULL);
    } else if (h.type == ZOO_GETDATA_OP) {
        out.data = jute_kstr("hello");
        out.stat.version = 7;
        out.stat.dataLength = 5;
        if (F.get_mode == GET_OK) {
            fake_reply(h.xid, ZOK, &out);
        } else if (F.get_mode == GET_WRONG_XID) {
            fake_reply(h.xid + 1000, ZOK, &out);
        } else {
            wbuf wb;
            wb_init(&wb, 64);
            if (F.get_mode == GET_OVERSIZE) {
                wb_i32(&wb, JUTE_MAX_BUFFER + 100000);
            } else { /* a frame whose body ends inside GetDataResponse */
                size_t at = jute_frame_begin(&wb);
                jute_replyhdr rh = {h.xid, F.zxid, ZOK};
                jute_replyhdr_write(&wb, &rh);
                wb_i32(&wb, 5);
                wb_write(&wb, "hel", 3);
                jute_frame_end(&wb, at);
            }
            fake_send(&wb);
            wb_free(&wb);
        }
    } else if (h.type == ZOO_CLOSE_OP) {
        F.closes++;
        fake_reply(h.xid, ZOK, NULL);
        fake_drop();
    } else {
        fake_reply(h.xid, ZUNIMPLEMENTED, NULL);
    }
    jute_req_free(&r);
}

static void fake_on_read(aeEventLoop *l, int fd, void *d, int mask) {
    (void)l, (void)d, (void)mask;
    wb_reserve(&F.in, 65536);
    ssize_t n = read(fd, F.in.data + F.in.len, F.in.cap - F.in.len);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            fake_drop();
        return;
    }
    F.in.len += (size_t)n;
    size_t off = 0;
    const uint8_t *body;
    uint32_t blen;
    int fl;
    while (fd == F.fd && (fl = jute_frame(F.in.data + off, F.in.len - off, JUTE_MAX_BUFFER, &body,
                                          &blen)) > 0) {
        off += (size_t)fl;
        if (!F.handshaken)
            fake_handshake(body, blen);
        else
            fake_request(body, blen);
    }
    if (fd == F.fd) {
        memmove(F.in.data, F.in.data + off, F.in.len - off);
        F.in.len -= off;
    }
}

static void fake_on_accept(aeEventLoop *l, int fd, void *d, int mask) {
    (void)d, (void)mask;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0)
        return;
    fake_drop(); /* one client connection at a time */
    F.fd = c;
    F.handshaken = 0;
    F.silent = 0;
    F.accepts++;
    aeCreateFileEvent(l, c, AE_READABLE, fake_on_read, NULL);
}

static void fake_start(void) {
    memset(&F, 0, sizeof(F));
    F.fd = -1;
    F.zxid = 0x100;
    wb_init(&F.in, 0);
    F.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    if (bind(F.lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(F.lfd, 16) ||
        getsockname(F.lfd, (struct sockaddr *)&sa, &sl)) {
        perror("fake server");
        exit(2);
    }
    F.port = ntohs(sa.sin_port);
    aeCreateFileEvent(el, F.lfd, AE_READABLE, fake_on_accept, NULL);
}

/* ------------------------------------------------------------------------
 * Client-side observers
 * ---------------------------------------------------------------------- */
static struct {
    int up, connects, disconnects, expired, new_session;
} S;

static void on_session(void *arg, int state, int new_session) {
    (void)arg;
    if (state == ZKC_CONNECTED) {
        S.up = 1;
        S.connects++;
        S.new_session = new_session;
    } else {
        S.up = 0;
        S.disconnects += state == ZKC_DISCONNECTED;
        S.expired += state == ZKC_EXPIRED;
    }
}

static struct {
    int n, type;
    char path[128];
} W;

static void on_watch(void *arg, int type, const char *path) {
    (void)arg;
    W.n++;
    W.type = type;
    snprintf(W.path, sizeof(W.path), "%s", path);
}

typedef struct res {
    int done, rc, calls, len, version;
    char str[128];
} res;

static void cb_string(int rc, const char *path, void *a) {
    res *r = a;
    r->rc = rc;
    r->done = 1;
    r->calls++;
    snprintf(r->str, sizeof(r->str), "%s", path ? path : "(null)");
}

static void cb_stat(int rc, const jute_stat *st, void *a) {
    res *r = a;
    r->rc = rc;
    r->done = 1;
    r->calls++;
    r->version = st ? st->version : -1;
}

static void cb_data(int rc, const char *data, int len, const jute_stat *st, void *a) {
    res *r = a;
    r->rc = rc;
    r->done = 1;
    r->calls++;
    r->len = len;
    r->version = st ? st->version : -1;
    snprintf(r->str, sizeof(r->str), "%.*s", data ? len : 0, data ? data : "");
}

static void run_for(int ms);

static void cb_void(int rc, void *a) {
    res *r = a;
    r->rc = rc;
    r->done = 1;
    r->calls++;
}

static void cb_children(int rc, int count, const char *const *names, void *a) {
    (void)names;
    res *r = a;
    r->rc = rc;
    r->done = 1;
    r->calls++;
    r->len = count;
}

static void cb_multi(int rc, int n, const zkc_op_result *results, void *a) {
    (void)results;
    res *r = a;
    r->rc = rc;
    r->done = 1;
    r->calls++;
    r->len = n;
}

static void cb_resp(int rc, const jute_resp *resp, void *a) {
    res *r = a;
    r->rc = rc;
    r->done = 1;
    r->calls++;
    r->len = resp != NULL;
}

/* A refused op's callback that issues another op, refused too: that one
 * must get its callback as well (on a later turn, not in a loop). */
static zkc *again_zkc;
static res again_res;
static void cb_refused_again(int rc, void *a) {
    cb_void(rc, a);
    zkc_delete(again_zkc, "/again", -1, cb_void, &again_res);
}

/* Every kind of op refused before it is sent: each callback runs exactly
 * once, with want_rc, from the event loop (never inside the call), and the
 * ops report want_rc at once too. */
#define NREFUSED 9
static void refused_ops(zkc *z, const char *path, int want_rc, res *r) {
    memset(r, 0, NREFUSED * sizeof(*r));
    zkc_op ops[1] = {{.type = ZOO_DELETE_OP, .path = path, .version = -1}};
    jute_req acl = {.type = ZOO_GETACL_OP, .path = jute_kstr(path)};
    CHECK(zkc_create(z, path, "x", 1, 0, cb_string, &r[0]) == want_rc);
    CHECK(zkc_delete(z, path, -1, cb_void, &r[1]) == want_rc);
    CHECK(zkc_exists(z, path, 1, cb_stat, &r[2]) == want_rc);
    CHECK(zkc_get(z, path, 1, cb_data, &r[3]) == want_rc);
    CHECK(zkc_set(z, path, "y", 1, -1, cb_stat, &r[4]) == want_rc);
    CHECK(zkc_children(z, path, 1, cb_children, &r[5]) == want_rc);
    CHECK(zkc_multi(z, ops, 1, cb_multi, &r[6]) == want_rc);
    CHECK(zkc_request(z, &acl, cb_resp, &r[7]) == want_rc);
    CHECK(zkc_ensure_path(z, path[0] == '/' ? "/e/f" : path, cb_void, &r[8]) == want_rc);
    for (int i = 0; i < NREFUSED; i++)
        CHECK(r[i].calls == 0); /* not from inside the call */
    run_for(20);
    for (int i = 0; i < NREFUSED; i++)
        CHECK(r[i].calls == 1 && r[i].rc == want_rc);
    CHECK(!strcmp(r[0].str, "(null)") && r[2].version == -1 && r[3].len == -1 &&
          r[6].len == 0 && r[7].len == 0);
}

static int wait_for(int *flag, int ms) {
    int64_t end = ae_mono_ms() + ms;
    while (!*flag && ae_mono_ms() < end)
        aeProcessEvents(el, (int)(end - ae_mono_ms()));
    return *flag;
}

static void run_for(int ms) {
    int never = 0;
    wait_for(&never, ms);
}

/* A get whose reply is bad: the op fails, the connection is dropped and
 * re-established with the same session. */
static void bad_get(zkc *z, int mode, int want_rc) {
    res r = {0};
    int accepts = F.accepts, disc = S.disconnects;
    F.get_mode = mode;
    CHECK(zkc_get(z, "/g", 0, cb_data, &r) == ZOK);
    CHECK(wait_for(&r.done, 2000));
    CHECK(r.rc == want_rc && r.calls == 1);
    CHECK(S.disconnects == disc + 1);
    CHECK(wait_for(&S.up, 3000));
    CHECK(F.accepts == accepts + 1 && S.new_session == 0 && F.creq.sessionId == SID);
    F.get_mode = GET_OK;
}

int main(void) {
    log_open(NULL, 0, LOG_ERROR);
    el = aeCreateEventLoop(1024);
    fake_start();
    char cs[128];
    snprintf(cs, sizeof(cs), "127.0.0.1:%d/chroot", F.port);

    /* handshake: protocol 0, requested timeout, new session, 16 zero bytes */
    zkc *z = zkc_new(el, cs, 3000, on_session, NULL);
    CHECK(z != NULL);
    zkc_set_watcher(z, on_watch, NULL);
    CHECK(wait_for(&S.up, 2000));
    CHECK(S.new_session == 1 && zkc_session_id(z) == SID && zkc_session_timeout(z) == 3000);
    CHECK(F.creq.protocolVersion == 0 && F.creq.timeOut == 3000 && F.creq.sessionId == 0 &&
          F.creq.has_readOnly && !F.creq.readOnly && F.passwd_len == 16 && F.passwd[0] == 0);

    /* chroot on the way out and back */
    res r = {0};
    CHECK(zkc_create(z, "/a", "x", 1, 0, cb_string, &r) == ZOK);
    CHECK(!r.done); /* callbacks only ever run from the event loop */
    CHECK(wait_for(&r.done, 2000) && r.rc == ZOK);
    CHECK(strcmp(F.last_path, "/chroot/a") == 0 && strcmp(r.str, "/a") == 0);
    memset(&r, 0, sizeof(r));
    CHECK(zkc_get(z, "/", 0, cb_data, &r) == ZOK);
    CHECK(wait_for(&r.done, 2000) && r.rc == ZOK && r.len == 5 && r.version == 7);
    CHECK(strcmp(F.last_path, "/chroot") == 0 && strcmp(r.str, "hello") == 0);

    /* an exists watch on a missing node; the event path is stripped */
    memset(&r, 0, sizeof(r));
    CHECK(zkc_exists(z, "/w", 1, cb_stat, &r) == ZOK);
    CHECK(wait_for(&r.done, 2000) && r.rc == ZNONODE && r.version == -1);
    fake_notify(ZOO_CREATED_EVENT, "/chroot/w");
    CHECK(wait_for(&W.n, 2000) && W.type == ZOO_CREATED_EVENT && strcmp(W.path, "/w") == 0);

    /* a registered watch is re-sent (chroot-prefixed, with the last zxid) */
    memset(&r, 0, sizeof(r));
    CHECK(zkc_exists(z, "/w3", 1, cb_stat, &r) == ZOK);
    CHECK(wait_for(&r.done, 2000) && r.rc == ZNONODE);
    bad_get(z, GET_WRONG_XID, ZCONNECTIONLOSS);
    run_for(50);
    CHECK(F.setwatches == 1 && strcmp(F.watch_path, "/chroot/w3") == 0 && F.watch_zxid == 0x101);
    CHECK(F.creq.lastZxidSeen == 0x101 && F.passwd[0] == 0x5a);

    /* an oversized frame and a truncated body drop the connection */
    bad_get(z, GET_OVERSIZE, ZCONNECTIONLOSS);
    bad_get(z, GET_TRUNCATED, ZMARSHALLINGERROR);
    run_for(50);
    CHECK(F.setwatches == 3);

    /* refused before sending while connected, the connection untouched: a
     * request larger than jute.maxbuffer (the server would drop the
     * connection), a path not starting with '/' */
    {
        int disc = S.disconnects;
        res big[3];
        memset(big, 0, sizeof(big));
        char *huge = calloc(1, JUTE_MAX_BUFFER + 1);
        CHECK(huge != NULL);
        zkc_op op = {.type = ZOO_SETDATA_OP, .path = "/big", .data = huge,
                     .len = JUTE_MAX_BUFFER + 1, .version = -1};
        CHECK(zkc_create(z, "/big", huge, JUTE_MAX_BUFFER + 1, 0, cb_string, &big[0]) ==
              ZBADARGUMENTS);
        CHECK(zkc_set(z, "/big", huge, JUTE_MAX_BUFFER + 1, -1, cb_stat, &big[1]) ==
              ZBADARGUMENTS);
        CHECK(zkc_multi(z, &op, 1, cb_multi, &big[2]) == ZBADARGUMENTS);
        free(huge);
        CHECK(big[0].calls == 0 && big[1].calls == 0 && big[2].calls == 0);
        run_for(20);
        for (int i = 0; i < 3; i++)
            CHECK(big[i].calls == 1 && big[i].rc == ZBADARGUMENTS);
        res bad[NREFUSED];
        refused_ops(z, "no-slash", ZBADARGUMENTS, bad);
        CHECK(S.disconnects == disc && zkc_state(z) == ZKC_CONNECTED);
        /* a NULL callback: nothing to call, the error is returned */
        CHECK(zkc_get(z, "/g", 0, NULL, NULL) == ZBADARGUMENTS);
        /* the session still serves */
        memset(&r, 0, sizeof(r));
        CHECK(zkc_get(z, "/", 0, cb_data, &r) == ZOK);
        CHECK(wait_for(&r.done, 2000) && r.rc == ZOK);
    }

    /* requests made while disconnected are sent after the reconnect */
    zkc_test_pause(z, 200);
    CHECK(zkc_state(z) == ZKC_DISCONNECTED);
    memset(&r, 0, sizeof(r));
    CHECK(zkc_create(z, "/queued", NULL, -1, 0, cb_string, &r) == ZOK);
    run_for(100);
    CHECK(!r.done);
    CHECK(wait_for(&r.done, 2000) && r.rc == ZOK && strcmp(r.str, "/queued") == 0);

    /* expiry: pending ops fail, new ones are refused */
    zkc_test_pause(z, 100);
    F.expire_next = 1;
    memset(&r, 0, sizeof(r));
    CHECK(zkc_create(z, "/late", NULL, -1, 0, cb_string, &r) == ZOK);
    CHECK(wait_for(&S.expired, 2000));
    CHECK(r.done && r.rc == ZSESSIONEXPIRED && zkc_state(z) == ZKC_EXPIRED);
    /* refused without a session: every op's callback gets the error */
    {
        res gone[NREFUSED];
        refused_ops(z, "/x", ZSESSIONEXPIRED, gone);
        /* a callback that issues an op refused again: that one is answered
         * too, on a later turn */
        res first = {0};
        memset(&again_res, 0, sizeof(again_res));
        again_zkc = z;
        CHECK(zkc_delete(z, "/x", -1, cb_refused_again, &first) == ZSESSIONEXPIRED);
        run_for(20);
        CHECK(first.calls == 1 && again_res.calls == 1 && again_res.rc == ZSESSIONEXPIRED);
        /* refused, then closed before the event loop ran: answered as it
         * closes, with the refusal's error */
        memset(&r, 0, sizeof(r));
        CHECK(zkc_create(z, "/x", NULL, -1, 0, cb_string, &r) == ZSESSIONEXPIRED);
        CHECK(r.calls == 0);
    }
    zkc_close(z);
    CHECK(r.calls == 1 && r.rc == ZSESSIONEXPIRED);
    CHECK(F.closes == 0); /* nothing to close on the server */

    /* a silent server: pings go out, the connection is declared dead after
     * 2/3 of the timeout and the client moves on */
    memset(&S, 0, sizeof(S));
    z = zkc_new(el, cs, 600, on_session, NULL);
    CHECK(wait_for(&S.up, 2000));
    run_for(500);
    CHECK(F.pings >= 1 && S.disconnects == 0);
    F.silent = 1;
    int64_t t0 = ae_mono_ms();
    int pings = F.pings;
    while (!S.disconnects && ae_mono_ms() - t0 < 2000)
        aeProcessEvents(el, 50);
    int64_t took = ae_mono_ms() - t0;
    CHECK(S.disconnects == 1 && took >= 150 && took < 1000 && F.pings > pings);
    CHECK(wait_for(&S.up, 2000) && S.new_session == 0);

    /* close: closeSession goes out and zkc_close waits (a bounded time, on
     * its own socket) for the reply, which this in-process server cannot
     * give; an op in flight completes exactly once */
    memset(&r, 0, sizeof(r));
    CHECK(zkc_exists(z, "/w", 0, cb_stat, &r) == ZOK);
    t0 = ae_mono_ms();
    zkc_close(z);
    took = ae_mono_ms() - t0;
    CHECK(r.calls == 1 && r.rc == ZCLOSING && took < 1500);
    run_for(50);
    CHECK(F.closes == 1);

    /* malformed connect strings */
    CHECK(zkc_new(el, "127.0.0.1:1/chroot/", 1000, NULL, NULL) == NULL);
    CHECK(zkc_new(el, "", 1000, NULL, NULL) == NULL);

    fake_drop();
    aeDeleteFileEvent(el, F.lfd, AE_READABLE);
    close(F.lfd);
    wb_free(&F.in);
    aeDeleteEventLoop(el);
    printf("test_zkclient: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
