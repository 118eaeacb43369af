/* test_zk_decode.c -- the coordinator's request decoding: every request
 * record the server reads is refused at every truncation point; and the
 * server itself (in this process, on a loopback port) answers a request
 * delivered one byte at a time exactly once, and closes a connection whose
 * frame carries a truncated request at every cut, without disturbing
 * another connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "logger.h"
#include "unit.h"
#include "zk.h"

static jute_req mkreq(int32_t type) {
    jute_req r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.path = jute_kstr("/some/path");
    r.data = jute_kstr("data");
    r.acl = JUTE_OPEN_ACL_UNSAFE;
    r.version = 3;
    r.watch = true;
    r.flags = 2;
    r.ttl = 1000;
    r.scheme = jute_kstr("digest");
    r.auth = jute_kstr("u:p");
    return r;
}

static void test_records_truncated(void) {
    static const int32_t ops[] = {ZOO_CREATE_OP, ZOO_CREATE2_OP, ZOO_CREATE_TTL_OP,
                                  ZOO_CREATE_CONTAINER_OP, ZOO_DELETE_OP, ZOO_EXISTS_OP,
                                  ZOO_GETDATA_OP, ZOO_SETDATA_OP, ZOO_GETACL_OP, ZOO_SETACL_OP,
                                  ZOO_GETCHILDREN2_OP, ZOO_SYNC_OP, ZOO_CHECK_OP, ZOO_MULTI_OP,
                                  ZOO_SETWATCHES2_OP, ZOO_ADDWATCH_OP, ZOO_REMOVE_WATCHES_OP,
                                  ZOO_SETAUTH_OP, ZOO_GETEPHEMERALS_OP};
    kstr paths[2] = {jute_kstr("/a"), jute_kstr("/b/c")};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        jute_req r = mkreq(ops[i]), sub[2] = {mkreq(ZOO_CREATE_OP), mkreq(ZOO_CHECK_OP)};
        if (ops[i] == ZOO_MULTI_OP) {
            r.nops = 2;
            r.ops = sub;
        }
        r.dataWatches = r.existWatches = r.childWatches = (jute_strvec){2, paths};
        r.persistentWatches = r.persistentRecursiveWatches = (jute_strvec){1, paths};
        wbuf wb;
        wb_init(&wb, 128);
        CHECK_EQ(jute_req_write(&wb, &r), 0);
        for (size_t cut = 0; cut < wb.len; cut++) {
            jute_req out;
            uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees over-reads */
            memcpy(copy, wb.data, cut);
            int rc = jute_req_read(copy, cut, ops[i], &out);
            free(copy);
            CHECK(rc == JUTE_NEED_MORE || rc == JUTE_BAD);
        }
        jute_req out;
        CHECK_EQ(jute_req_read(wb.data, wb.len, ops[i], &out), (int)wb.len);
        jute_req_free(&out);
        wb_free(&wb);
    }
    jute_connect_req c = {0, 5, 30000, 0, {"0123456789abcdef", 16}, false, true}, o;
    wbuf wb;
    wb_init(&wb, 64);
    jute_connect_req_write(&wb, &c);
    CHECK_EQ(wb.len, 45);
    for (size_t cut = 0; cut < 44; cut++)
        CHECK(jute_connect_req_read(wb.data, cut, &o) < 0);
    CHECK_EQ(jute_connect_req_read(wb.data, 44, &o), 44); /* old clients: no readOnly */
    CHECK(!o.has_readOnly);
    wb_free(&wb);
}

/* ------------------------------------------------------------------------
 * In-process server
 * ---------------------------------------------------------------------- */
static int port;

static void pump(int rounds) {
    for (int i = 0; i < rounds; i++) {
        aeProcessEvents(Z.el, 5);
        zk_server_flush(); /* what aeMain's before-sleep hook does */
    }
}

static int dial(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Reads what the server has sent so far (after pumping). */
static size_t drain(int fd, uint8_t *buf, size_t cap, int *eof) {
    size_t got = 0;
    *eof = 0;
    for (int i = 0; i < 40; i++) {
        pump(2);
        ssize_t n = read(fd, buf + got, cap - got);
        if (n == 0) {
            *eof = 1;
            break;
        }
        if (n > 0)
            got += (size_t)n;
        else if (got > 0)
            break; /* a whole answer arrived and nothing more follows */
    }
    return got;
}

static void send_frame(int fd, const wbuf *body, size_t body_len) {
    uint8_t len[4];
    be32_put(len, (uint32_t)body_len);
    CHECK_EQ(write(fd, len, 4), 4);
    if (body_len)
        CHECK_EQ(write(fd, body->data, body_len), (ssize_t)body_len);
}

static int handshake(void) {
    int fd = dial();
    wbuf wb;
    wb_init(&wb, 64);
    jute_connect_req c = {0, 0, 30000, 0, {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16}, false, true};
    jute_connect_req_write(&wb, &c);
    send_frame(fd, &wb, wb.len);
    wb_free(&wb);
    uint8_t buf[256];
    int eof;
    size_t n = drain(fd, buf, sizeof buf, &eof);
    CHECK_EQ(n, 4 + 37);
    return fd;
}

static void request(wbuf *wb, int32_t xid, const jute_req *r) {
    wb_reset(wb);
    jute_reqhdr h = {xid, r->type};
    jute_reqhdr_write(wb, &h);
    jute_req_write(wb, r);
}

static void test_server(const char *root) {
    char cfg[600];
    snprintf(cfg, sizeof cfg, "dataDir=%s\nclientPort=0\nclientPortAddress=127.0.0.1\n", root);
    char err[256];
    CHECK_EQ(zk_config_parse(&Z.cfg, cfg, strlen(cfg), err, sizeof err), 0);
    Z.el = aeCreateEventLoop(1024);
    CHECK_EQ(zk_server_init(), 0);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    getsockname(Z.listen_fd, (struct sockaddr *)&a, &al);
    port = ntohs(a.sin_port);

    int keep = handshake();
    int fd = handshake();
    wbuf wb;
    wb_init(&wb, 128);
    jute_req r = mkreq(ZOO_CREATE_OP);
    r.path = jute_kstr("/bytewise");
    r.flags = 0;
    request(&wb, 7, &r);
    uint8_t len[4];
    be32_put(len, (uint32_t)wb.len);
    for (size_t i = 0; i < 4 + wb.len; i++) { /* one byte per loop iteration */
        uint8_t b = i < 4 ? len[i] : wb.data[i - 4];
        CHECK_EQ(write(fd, &b, 1), 1);
        pump(1);
    }
    uint8_t buf[4096];
    int eof;
    size_t n = drain(fd, buf, sizeof buf, &eof);
    jute_replyhdr h;
    CHECK(n == 4 + 16 + 4 + 9 && !eof);
    CHECK(jute_replyhdr_read(buf + 4, n - 4, &h) == 16 && h.xid == 7 && h.err == 0 && h.zxid > 0);
    CHECK(!memcmp(buf + 24, "/bytewise", 9));
    close(fd);

    /* a frame holding a truncated getData at every cut closes that connection */
    jute_req g = mkreq(ZOO_GETDATA_OP);
    request(&wb, 8, &g);
    for (size_t cut = 8; cut < wb.len; cut++) {
        fd = handshake();
        send_frame(fd, &wb, cut);
        n = drain(fd, buf, sizeof buf, &eof);
        CHECK(eof && n == 0);
        close(fd);
    }
    /* an oversized length closes at once */
    fd = handshake();
    wb_reset(&wb);
    send_frame(fd, &wb, 0); /* zero-length frame: no header: closed */
    n = drain(fd, buf, sizeof buf, &eof);
    CHECK(eof);
    close(fd);
    fd = handshake();
    be32_put(len, 0x100000);
    CHECK_EQ(write(fd, len, 4), 4);
    n = drain(fd, buf, sizeof buf, &eof);
    CHECK(eof && n == 0);
    close(fd);
    /* the other connection still works */
    jute_req p;
    memset(&p, 0, sizeof p);
    p.type = ZOO_PING_OP;
    request(&wb, -2, &p);
    send_frame(keep, &wb, wb.len);
    n = drain(keep, buf, sizeof buf, &eof);
    CHECK(n == 20 && !eof && jute_replyhdr_read(buf + 4, 16, &h) == 16 && h.xid == -2);
    close(keep);
    pump(5);
    wb_free(&wb);
    zk_server_shutdown();
}

int main(void) {
    log_open(NULL, 0, LOG_FATAL);
    test_records_truncated();
    char root[256];
    if (unit_mkdtemp(root, sizeof root, "test_zk_decode"))
        return 1;
    test_server(root);
    unit_rm_rf(root);
    return unit_report("test_zk_decode");
}
