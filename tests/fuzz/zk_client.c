/* zk_client.c -- libFuzzer target: the ZooKeeper client the broker and the
 * tools use (broker/common/zkclient.c, jute.c) reading what a server sends.
 *
 * Each input is what the server side of one connection sends: its frames
 * (see fuzz.h: the ConnectResponse, then replies, notifications, pings),
 * each given its length prefix here. The client under test is a fresh zkc
 * with the chroot /fz, connected to a loopback listener of this process; it
 * has issued a fixed series of operations (exists/getData/getChildren with
 * watches, create, setData, delete, a multi of four ops, getACL, sync,
 * ensure_path) that the replies answer by xid 1, 2, ... After the input the
 * server side closes the connection and the zkc is closed.
 *
 * Seeds: with FUZZ_ZK_RECORD=HOST:PORT,FILE the target instead relays the
 * connection to that real server and writes what it answered to FILE
 * (tests/fuzz/record-seeds runs it against our coordinator). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "logger.h"
#include "zkclient.h"

static aeEventLoop *el;
static int lfd = -1, lport;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    log_open("/dev/null", 0, LOG_TRACE);
    el = aeCreateEventLoop(1024);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (!el || lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        abort();
    lport = ntohs(a.sin_port);
    return 0;
}

static void void_cb(int rc, void *arg) { (void)rc, (void)arg; }
static void string_cb(int rc, const char *path, void *arg) { (void)rc, (void)path, (void)arg; }
static void stat_cb(int rc, const jute_stat *st, void *arg) { (void)rc, (void)st, (void)arg; }
static void data_cb(int rc, const char *d, int len, const jute_stat *st, void *arg) {
    (void)rc, (void)d, (void)len, (void)st, (void)arg;
}
static void children_cb(int rc, int n, const char *const *names, void *arg) {
    for (int i = 0; i < (rc == 0 ? n : 0); i++)
        (void)strlen(names[i]);
    (void)arg;
}
static void multi_cb(int rc, int n, const zkc_op_result *res, void *arg) {
    for (int i = 0; i < (rc == 0 || rc < 0 ? n : 0) && res; i++)
        if (res[i].path)
            (void)strlen(res[i].path);
    (void)arg;
}
static void resp_cb(int rc, const jute_resp *r, void *arg) { (void)rc, (void)r, (void)arg; }
static void watch_cb(void *arg, int type, const char *path) { (void)arg, (void)type, (void)strlen(path); }

static void issue_ops(zkc *z) {
    zkc_exists(z, "/a", 1, stat_cb, NULL);
    zkc_get(z, "/b", 1, data_cb, NULL);
    zkc_children(z, "/c", 1, children_cb, NULL);
    zkc_create(z, "/d", "x", 1, ZKC_EPHEMERAL | ZKC_SEQUENCE, string_cb, NULL);
    zkc_set(z, "/e", "y", 1, -1, stat_cb, NULL);
    zkc_delete(z, "/f", 3, void_cb, NULL);
    zkc_op ops[4] = {{.type = ZOO_CREATE_OP, .path = "/m", .data = "1", .len = 1},
                     {.type = ZOO_SETDATA_OP, .path = "/m", .data = "2", .len = 1, .version = -1},
                     {.type = ZOO_CHECK_OP, .path = "/m", .version = 1},
                     {.type = ZOO_DELETE_OP, .path = "/m", .version = -1}};
    zkc_multi(z, ops, 4, multi_cb, NULL);
    jute_req acl = {.type = ZOO_GETACL_OP, .path = jute_kstr("/g")};
    zkc_request(z, &acl, resp_cb, NULL);
    jute_req sync = {.type = ZOO_SYNC_OP, .path = jute_kstr("/h")};
    zkc_request(z, &sync, resp_cb, NULL);
    zkc_ensure_path(z, "/i/j", void_cb, NULL);
}

static int accept_client(void) {
    for (int i = 0; i < 2000; i++) {
        aeProcessEvents(el, 0);
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        usleep(100);
    }
    return -1;
}

static int step(int timeout_ms) { return aeProcessEvents(el, timeout_ms); }

static void finish(zkc *z, int sfd) {
    close(sfd);
    for (int i = 0; i < 5; i++)
        aeProcessEvents(el, 0); /* the client sees the connection end */
    zkc_close(z);
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, 0)) >= 0)
        close(fd); /* its reconnection attempts */
    aeProcessEvents(el, 0);
}

/* FUZZ_ZK_RECORD: relay to a real server, keep its answers. */
static void record(const char *spec) {
    char host[256], file[1024];
    int port;
    if (sscanf(spec, "%255[^:]:%d,%1023s", host, &port, file) != 3)
        abort();
    char cs[300];
    snprintf(cs, sizeof cs, "127.0.0.1:%d/fz", lport);
    zkc *z = zkc_new(el, cs, 10000, NULL, NULL);
    zkc_set_watcher(z, watch_cb, NULL);
    issue_ops(z);
    int cfd = accept_client();
    int ufd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (cfd < 0 || ufd < 0 || connect(ufd, (struct sockaddr *)&a, sizeof a) != 0)
        abort();
    fcntl(ufd, F_SETFL, O_NONBLOCK);
    wbuf from_client, from_server;
    wb_init(&from_client, 4096);
    wb_init(&from_server, 4096);
    size_t relayed = 0, answered = 0;
    for (int quiet = 0; quiet < 200;) {
        int progress = 0;
        fuzz_drain(cfd, &from_client, &progress);
        if (relayed < from_client.len && write(ufd, from_client.data + relayed,
                                               from_client.len - relayed) > 0)
            relayed = from_client.len;
        fuzz_drain(ufd, &from_server, &progress);
        if (answered < from_server.len && write(cfd, from_server.data + answered,
                                                from_server.len - answered) > 0)
            answered = from_server.len;
        aeProcessEvents(el, 0);
        quiet = progress ? 0 : quiet + 1;
        usleep(1000);
    }
    fuzz_write_frames(file, &from_server);
    close(ufd);
    finish(z, cfd);
    wb_free(&from_client);
    wb_free(&from_server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *rec = getenv("FUZZ_ZK_RECORD");
    if (rec) {
        record(rec);
        return 0;
    }
    char cs[300];
    snprintf(cs, sizeof cs, "127.0.0.1:%d/fz", lport);
    zkc *z = zkc_new(el, cs, 10000, NULL, NULL);
    if (!z)
        abort();
    zkc_set_watcher(z, watch_cb, NULL);
    issue_ops(z);
    int sfd = accept_client();
    if (sfd < 0)
        abort();
    wbuf out;
    wb_init(&out, size + 64);
    fuzz_frames_prefixed(&out, data, size);
    fuzz_converse(sfd, &out, step, NULL, 1000);
    wb_free(&out);
    finish(z, sfd);
    return 0;
}
