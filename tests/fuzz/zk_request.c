/* zk_request.c -- libFuzzer target: ZooKeeper requests through the
 * coordinator's own connection code and request handlers, after a valid
 * connect.
 *
 * Set-up (once): a standalone coordinator state in this process (zoo.cfg in
 * a scratch directory in /dev/shm, zk_server_init), with no client socket in
 * use: each input is one client connection over a socketpair whose other
 * end the server serves (zk_server_adopt). The target sends a valid
 * ConnectRequest (a new session), then the input's frames (see fuzz.h; each
 * is a request header and body: every opcode, multi, watches, ACLs, auth,
 * setWatches), then closeSession, so that no session, ephemeral node or
 * watch outlives its input. The tree and the transaction log carry over from
 * input to input; every 500 inputs old logs and snapshots are purged, and
 * once the tree holds more than MAX_NODES znodes it starts again from an
 * empty one (what inputs create would otherwise grow without bound).
 * Standalone, every request is answered within the event-loop iteration
 * that reads it: the loop runs until nothing more comes back. */
#include <signal.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "logger.h"
#include "zk.h"

#define MAX_NODES 20000

static uint64_t inputs;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    const char *dir = fuzz_scratch("zk");
    char cfg[512], text[1024];
    snprintf(cfg, sizeof cfg, "%s/zoo.cfg", dir);
    /* clientPort 0: the listener takes any free port; no client uses it */
    snprintf(text, sizeof text,
             "tickTime=2000\ndataDir=%s\nclientPort=0\nclientPortAddress=127.0.0.1\n"
             "maxClientCnxns=0\nsnapCount=2000\nextendedTypesEnabled=true\n"
             "4lw.commands.whitelist=*\n",
             dir);
    log_open("/dev/null", 0, LOG_TRACE); /* every line formatted, none kept */
    if (fuzz_zk_start(cfg, text) != 0)
        abort();
    return 0;
}

static void frame(wbuf *w, const void *p, size_t len) {
    wb_i32(w, (int32_t)len);
    wb_write(w, p, len);
}

static void connect_request(wbuf *w) {
    wbuf b;
    wb_init(&b, 64);
    wb_i32(&b, 0);        /* protocolVersion */
    wb_i64(&b, 0);        /* lastZxidSeen */
    wb_i32(&b, 30000);    /* timeOut */
    wb_i64(&b, 0);        /* sessionId: a new session */
    wb_i32(&b, 16);       /* passwd */
    for (int i = 0; i < 16; i++)
        wb_i8(&b, 0);
    wb_i8(&b, 0);         /* readOnly */
    frame(w, b.data, b.len);
    wb_free(&b);
}

static void close_request(wbuf *w) {
    uint8_t b[8];
    be32_put(b, 0x7ffffff0);          /* xid */
    be32_put(b + 4, (uint32_t)-11);   /* closeSession */
    frame(w, b, sizeof b);
}

static int pump(int timeout_ms) {
    zk_server_flush();
    return aeProcessEvents(Z.el, timeout_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wbuf out;
    wb_init(&out, size + 128);
    connect_request(&out);
    fuzz_frames_prefixed(&out, data, size);
    close_request(&out);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    if (zk_server_adopt(sv[0], "127.0.0.1", 40000) != 0)
        abort();
    fuzz_converse(sv[1], &out, pump, NULL, 1000);
    close(sv[1]);
    pump(0);
    pump(0);
    wb_free(&out);
    if (++inputs % 500 == 0)
        zk_purge(Z.snap_dir, Z.log_dir, 3);
    if (Z.tree.count > MAX_NODES) {
        zk_tree_free(&Z.tree);
        zk_tree_init(&Z.tree);
    }
    return 0;
}
