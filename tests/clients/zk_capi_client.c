/* zk_capi_client.c -- drives a ZooKeeper server through Apache ZooKeeper's
 * C client (Debian's libzookeeper-mt): sync and async API, watches, multi,
 * digest auth and ACLs, containers, TTL nodes (when asked), and session
 * expiry. Used by tests/integration/coordinator_capi.bats.
 *
 *   zk_capi_client HOST:PORT [--ttl]
 *   zk_capi_client HOST:PORT --restart CMD   a watch set before CMD (which
 *       restarts the server) fires after the client reconnects: the
 *       library re-registers it with SetWatches; the session survives
 *   zk_capi_client HOST:PORT --dying        (its own child for the expiry
 *       check) an ephemeral under a session that is then killed
 * Prints "ok <check>" per passed check; exits 1 at the first failure. */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#define THREADED 1
#include <zookeeper/zookeeper.h>

static const char *hosts;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int connected, expired, changed_events, child_events, async_done, async_rc;
static char async_value[64];

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "FAIL line %d: ", __LINE__);                                               \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
        exit(1);                                                                                   \
    } while (0)
#define EXPECT_RC(call, want)                                                                      \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != (want))                                                                         \
            FAIL("%s returned %d (%s), expected %d", #call, rc_, zerror(rc_), want);               \
    } while (0)
#define OK(name) printf("ok %s\n", name), fflush(stdout)

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    (void)ctx;
    (void)path;
    pthread_mutex_lock(&mu);
    if (type == ZOO_SESSION_EVENT) {
        if (state == ZOO_CONNECTED_STATE)
            connected = 1;
        if (state == ZOO_EXPIRED_SESSION_STATE)
            expired = 1;
    } else if (type == ZOO_CHANGED_EVENT) {
        changed_events++;
    } else if (type == ZOO_CHILD_EVENT) {
        child_events++;
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits up to ms for *flag to reach want. */
static int wait_flag(int *flag, int want, int ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    while (*flag < want)
        if (pthread_cond_timedwait(&cv, &mu, &ts) != 0)
            break;
    int ok = *flag >= want;
    pthread_mutex_unlock(&mu);
    return ok;
}

static zhandle_t *connect_zk(int timeout_ms, const clientid_t *cid) {
    connected = 0;
    zhandle_t *zh = zookeeper_init(hosts, watcher, timeout_ms, cid, NULL, 0);
    if (!zh)
        FAIL("zookeeper_init");
    if (!cid && !wait_flag(&connected, 1, 10000))
        FAIL("no connection to %s", hosts);
    return zh;
}

static void string_done(int rc, const char *value, const void *data) {
    (void)data;
    pthread_mutex_lock(&mu);
    async_rc = rc;
    snprintf(async_value, sizeof async_value, "%s", value ? value : "");
    async_done++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void data_done(int rc, const char *value, int len, const struct Stat *st, const void *data) {
    (void)st;
    (void)data;
    pthread_mutex_lock(&mu);
    async_rc = rc;
    snprintf(async_value, sizeof async_value, "%.*s", len > 0 ? len : 0, value ? value : "");
    async_done++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static int across_restart(const char *cmd) {
    zhandle_t *zh = connect_zk(10000, NULL);
    struct Stat st;
    int rc = zoo_create(zh, "/capi-rw", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS)
        FAIL("create /capi-rw: %d", rc);
    EXPECT_RC(zoo_create(zh, "/capi-rw-eph", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0),
              ZOK);
    EXPECT_RC(zoo_wexists(zh, "/capi-rw", watcher, NULL, &st), ZOK);
    int64_t sid = zoo_client_id(zh)->client_id;
    connected = 0;
    if (system(cmd) != 0)
        FAIL("restart command failed: %s", cmd);
    if (!wait_flag(&connected, 1, 20000))
        FAIL("no reconnect after the restart");
    if (zoo_client_id(zh)->client_id != sid)
        FAIL("a new session after the restart");
    EXPECT_RC(zoo_exists(zh, "/capi-rw-eph", 0, &st), ZOK);
    zhandle_t *other = connect_zk(10000, NULL);
    EXPECT_RC(zoo_set(other, "/capi-rw", "1", 1, -1), ZOK);
    if (!wait_flag(&changed_events, 1, 10000))
        FAIL("the watch set before the restart did not fire");
    zookeeper_close(other);
    zookeeper_close(zh);
    OK("watch and session across a server restart");
    return 0;
}

/* --dying: creates an ephemeral, writes its session id to stdout and waits
 * to be killed. */
static int dying_session(void) {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *z2 = connect_zk(2000, NULL); /* a 2 s session: it expires soon after the kill */
    EXPECT_RC(zoo_create(z2, "/capi/dying", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), ZOK);
    const clientid_t *id = zoo_client_id(z2);
    if (write(1, id, sizeof *id) != (ssize_t)sizeof *id)
        FAIL("write session id");
    for (;;)
        pause();
}

int main(int argc, char **argv) {
    if (argc < 2)
        FAIL("usage: zk_capi_client HOST:PORT [--ttl | --restart CMD]");
    hosts = argv[1];
    if (argc > 3 && !strcmp(argv[2], "--restart")) {
        zoo_set_debug_level(0);
        return across_restart(argv[3]);
    }
    if (argc > 2 && !strcmp(argv[2], "--dying"))
        return dying_session();
    int ttl = argc > 2 && !strcmp(argv[2], "--ttl");
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = connect_zk(10000, NULL);
    OK("connect");

    char buf[256], path[256];
    int len;
    struct Stat st;
    zoo_delete(zh, "/capi/seq", -1);
    EXPECT_RC(zoo_create(zh, "/capi", "root", 4, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path), ZOK);
    EXPECT_RC(zoo_create(zh, "/capi", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZNODEEXISTS);
    EXPECT_RC(zoo_create(zh, "/nope/x", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZNONODE);
    len = sizeof buf;
    EXPECT_RC(zoo_get(zh, "/capi", 0, buf, &len, &st), ZOK);
    if (len != 4 || memcmp(buf, "root", 4) || st.version != 0 || st.numChildren != 0)
        FAIL("get /capi: len %d version %d", len, st.version);
    EXPECT_RC(zoo_set(zh, "/capi", "v1", 2, 0), ZOK);
    EXPECT_RC(zoo_set(zh, "/capi", "v2", 2, 0), ZBADVERSION);
    OK("sync create/get/set");

    EXPECT_RC(zoo_create(zh, "/capi/seq-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, path,
                         sizeof path),
              ZOK);
    if (strcmp(path, "/capi/seq-0000000000"))
        FAIL("sequential name %s", path);
    EXPECT_RC(zoo_create(zh, "/capi/eph", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), ZOK);
    EXPECT_RC(zoo_create(zh, "/capi/eph/child", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0),
              ZNOCHILDRENFOREPHEMERALS);
    EXPECT_RC(zoo_exists(zh, "/capi/eph", 0, &st), ZOK);
    if (st.ephemeralOwner != zoo_client_id(zh)->client_id)
        FAIL("ephemeralOwner 0x%llx", (unsigned long long)st.ephemeralOwner);
    struct String_vector kids;
    EXPECT_RC(zoo_get_children2(zh, "/capi", 0, &kids, &st), ZOK);
    if (kids.count != 2 || st.numChildren != 2 || st.cversion != 2)
        FAIL("children %d numChildren %d cversion %d", kids.count, st.numChildren, st.cversion);
    deallocate_String_vector(&kids);
    OK("sequential/ephemeral/children2");

    /* watches: data and child, one-shot */
    EXPECT_RC(zoo_wexists(zh, "/capi", watcher, NULL, &st), ZOK);
    EXPECT_RC(zoo_wget_children(zh, "/capi", watcher, NULL, &kids), ZOK);
    deallocate_String_vector(&kids);
    EXPECT_RC(zoo_set(zh, "/capi", "v3", 2, -1), ZOK);
    EXPECT_RC(zoo_set(zh, "/capi", "v4", 2, -1), ZOK);
    EXPECT_RC(zoo_create(zh, "/capi/c1", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    if (!wait_flag(&changed_events, 1, 5000) || !wait_flag(&child_events, 1, 5000))
        FAIL("watch events: changed %d child %d", changed_events, child_events);
    usleep(300000);
    if (changed_events != 1 || child_events != 1)
        FAIL("one-shot watches fired %d/%d times", changed_events, child_events);
    OK("watches");

    /* async API */
    async_done = 0;
    EXPECT_RC(zoo_acreate(zh, "/capi/async", "hello", 5, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL),
              ZOK);
    if (!wait_flag(&async_done, 1, 5000) || async_rc != ZOK || strcmp(async_value, "/capi/async"))
        FAIL("acreate rc %d value %s", async_rc, async_value);
    EXPECT_RC(zoo_aget(zh, "/capi/async", 0, data_done, NULL), ZOK);
    if (!wait_flag(&async_done, 2, 5000) || async_rc != ZOK || strcmp(async_value, "hello"))
        FAIL("aget rc %d value %s", async_rc, async_value);
    EXPECT_RC(zoo_aget(zh, "/capi/missing", 0, data_done, NULL), ZOK);
    if (!wait_flag(&async_done, 3, 5000) || async_rc != ZNONODE)
        FAIL("aget missing rc %d", async_rc);
    OK("async");

    /* multi: all or nothing, per-op results */
    zoo_op_t ops[3];
    zoo_op_result_t res[3];
    zoo_create_op_init(&ops[0], "/capi/m1", "1", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    zoo_set_op_init(&ops[1], "/capi", "m", 1, -1, NULL);
    zoo_check_op_init(&ops[2], "/capi", 99);
    EXPECT_RC(zoo_multi(zh, 3, ops, res), ZBADVERSION);
    if (res[0].err != ZOK || res[1].err != ZOK || res[2].err != ZBADVERSION)
        FAIL("multi results %d %d %d", res[0].err, res[1].err, res[2].err);
    EXPECT_RC(zoo_exists(zh, "/capi/m1", 0, &st), ZNONODE);
    zoo_check_op_init(&ops[2], "/capi", 4); /* after the set of this multi */
    EXPECT_RC(zoo_multi(zh, 3, ops, res), ZOK);
    EXPECT_RC(zoo_exists(zh, "/capi/m1", 0, &st), ZOK);
    OK("multi");

    /* digest auth + ACL (id = base64(sha1("alice:secret")), computed independently with python) */
    EXPECT_RC(zoo_add_auth(zh, "digest", "alice:secret", 12, NULL, NULL), ZOK);
    EXPECT_RC(zoo_create(zh, "/capi/private", "p", 1, &ZOO_CREATOR_ALL_ACL, 0, NULL, 0), ZOK);
    struct ACL_vector acl;
    EXPECT_RC(zoo_get_acl(zh, "/capi/private", &acl, &st), ZOK);
    if (acl.count != 1 || strcmp(acl.data[0].id.scheme, "digest") ||
        strcmp(acl.data[0].id.id, "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="))
        FAIL("acl %d %s:%s", acl.count, acl.data[0].id.scheme, acl.data[0].id.id);
    deallocate_ACL_vector(&acl);
    zhandle_t *other = connect_zk(10000, NULL);
    len = sizeof buf;
    EXPECT_RC(zoo_get(other, "/capi/private", 0, buf, &len, &st), ZNOAUTH);
    EXPECT_RC(zoo_set(other, "/capi/private", "x", 1, -1), ZNOAUTH);
    zookeeper_close(other);
    OK("digest auth and ACL");

    /* containers (and TTL nodes when the server allows them) */
    EXPECT_RC(zoo_create(zh, "/capi/box", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_CONTAINER, NULL, 0), ZOK);
    EXPECT_RC(zoo_exists(zh, "/capi/box", 0, &st), ZOK);
    if ((unsigned long long)st.ephemeralOwner != 0x8000000000000000ull)
        FAIL("container ephemeralOwner 0x%llx", (unsigned long long)st.ephemeralOwner);
    OK("container");
    int trc = zoo_create2_ttl(zh, "/capi/ttl", "", 0, &ZOO_OPEN_ACL_UNSAFE,
                              ZOO_PERSISTENT_WITH_TTL, 60000, NULL, 0, &st);
    if (ttl ? trc != ZOK : trc != ZUNIMPLEMENTED)
        FAIL("create2_ttl returned %d", trc);
    OK("ttl");

    /* session expiry: a child process creates an ephemeral and dies
     * without closing; its session must expire and the node go away. The
     * child is this program started afresh (--dying): a forked copy of a
     * process with the client's threads running may inherit a held lock. */
    int fds[2];
    if (pipe(fds))
        FAIL("pipe");
    char *child_argv[] = {argv[0], (char *)hosts, "--dying", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        execv("/proc/self/exe", child_argv);
        _exit(5);
    }
    close(fds[1]);
    clientid_t dead;
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    if (poll(&pfd, 1, 20000) != 1 || read(fds[0], &dead, sizeof dead) != (ssize_t)sizeof dead)
        FAIL("child did not report its session within 20 s");
    close(fds[0]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    EXPECT_RC(zoo_exists(zh, "/capi/dying", 0, &st), ZOK);
    int gone = 0;
    for (int i = 0; i < 100 && !gone; i++) {
        usleep(100000);
        gone = zoo_exists(zh, "/capi/dying", 0, &st) == ZNONODE;
    }
    if (!gone)
        FAIL("ephemeral of a dead session still there after 10 s");
    expired = 0;
    zhandle_t *z3 = connect_zk(2000, &dead);
    if (!wait_flag(&expired, 1, 10000))
        FAIL("no ZOO_EXPIRED_SESSION_STATE for a dead session");
    zookeeper_close(z3);
    OK("session expiry");

    EXPECT_RC(zookeeper_close(zh), ZOK);
    zh = connect_zk(10000, NULL);
    EXPECT_RC(zoo_exists(zh, "/capi/eph", 0, &st), ZNONODE);
    zookeeper_close(zh);
    OK("ephemeral removed on close");
    return 0;
}
