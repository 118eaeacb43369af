/* kafka_request.c -- libFuzzer target: Kafka requests through the broker's
 * own connection code, dispatch and handlers, against a live in-process
 * broker state.
 *
 * Set-up (once): a coordinator (broker/zookeeper) runs in a forked child on a
 * loopback port, as a separate ZooKeeper server would; the broker state of
 * this process loads server.properties, joins the cluster through it
 * (cluster_start), and creates three topics (3 partitions, 1 partition, a
 * compacted one). Logs and ZooKeeper data live in a scratch directory in
 * /dev/shm.
 *
 * Each input is one client connection: its frames (see fuzz.h) are sent,
 * size-prefixed, over a socketpair whose other end the broker serves
 * (network_adopt); the event loop runs until every request is answered or
 * the connection is closed by the broker, or a deferred request (a long-poll
 * Fetch, a JoinGroup waiting for members) has had its time. Then the client
 * end is closed. The broker state (topics, records, groups, offsets) carries
 * over from input to input, as a long-running broker's would, except that
 * the topics the inputs created are deleted once they hold more than
 * MAX_EXTRA_PARTITIONS partitions, and the broker may keep at most 1024 open
 * files (RLIMIT_NOFILE): a request for tens of thousands of partitions is
 * valid (Kafka creates them too) and would otherwise exhaust memory. When the
 * descriptors are all taken (no socketpair for the next input: an input
 * created a topic of ~1000 partitions, one open .log each, as Kafka's), those
 * topics are deleted at once; the target aborts if that frees none. */
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "api.h"
#include "broker.h"
#include "cluster.h"
#include "fuzz.h"
#include "fuzz_broker.h"
#include "group.h"
#include "logger.h"
#include "memlimit.h"
#include "replica.h"
#include "zk.h"

#define INPUT_BUDGET_MS 40 /* a deferred request waits this long at most */
#define MAX_EXTRA_PARTITIONS 200

static int created;

static void start_coordinator(const char *dir, int port) {
    char cfg[512], text[1024];
    snprintf(cfg, sizeof cfg, "%s/zoo.cfg", dir);
    snprintf(text, sizeof text,
             "tickTime=2000\ndataDir=%s/zk\nclientPort=%d\nclientPortAddress=127.0.0.1\n"
             "maxClientCnxns=0\nadmin.enableServer=false\n",
             dir, port);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid > 0)
        return;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    log_open(NULL, 0, LOG_FATAL);
    if (fuzz_zk_start(cfg, text) != 0)
        _exit(1);
    zk_server_run();
    _exit(0);
}

static int cron(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    (void)arg;
    topics_periodic(ae_mono_ms());
    replica_periodic(ae_mono_ms());
    group_periodic(ae_mono_ms());
    return 100;
}

/* One event-loop iteration as the broker's main loop (main.c) runs it. */
static int pump(int timeout_ms) {
    group_flush_answers();
    fetch_before_sleep();
    replica_before_sleep();
    network_before_sleep();
    return aeProcessEvents(B.el, timeout_ms);
}

static void topic_created(void *arg, int16_t error_code, const char *error_message) {
    if (error_code) {
        fprintf(stderr, "kafka_request: creating %s: %d %s\n", (const char *)arg, error_code,
                error_message ? error_message : "");
        abort();
    }
    created++;
}

static void start_broker(const char *dir, int zk_port) {
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "broker.id=1\n"
                     "listeners=PLAINTEXT://127.0.0.1:9\n"
                     "log.dirs=%s/data\n"
                     "zookeeper.connect=127.0.0.1:%d\n"
                     "zookeeper.connection.timeout.ms=10000\n"
                     "num.partitions=1\n"
                     "offsets.topic.replication.factor=1\n"
                     "offsets.topic.num.partitions=3\n"
                     "group.initial.rebalance.delay.ms=0\n"
                     "group.min.session.timeout.ms=10\n"
                     "log.segment.bytes=65536\n"
                     "log.index.size.max.bytes=4096\n"
                     "log.retention.check.interval.ms=1000\n"
                     "log.cleaner.backoff.ms=1000\n"
                     "auto.create.topics.enable=true\n"
                     "delete.topic.enable=true\n",
                     dir, zk_port);
    fuzz_broker_configure("kafka_request", dir, text, (size_t)n);
    if (topics_load_checkpoints() != 0 || cluster_start() != 0) {
        fprintf(stderr, "kafka_request: the broker did not start\n");
        abort();
    }
    aeCreateTimeEvent(B.el, 100, cron, NULL);
    int64_t deadline = ae_mono_ms() + 10000;
    while (cluster_live_broker_count() < 1 && ae_mono_ms() < deadline)
        pump(10); /* /brokers/ids is read after registration */

    static const char *const compact_k[] = {"cleanup.policy", "min.cleanable.dirty.ratio"};
    static const char *const compact_v[] = {"compact", "0.01"};
    cluster_create_topic("fuzz-a", 3, 1, NULL, NULL, NULL, 0, topic_created, "fuzz-a");
    cluster_create_topic("fuzz-b", 1, 1, NULL, NULL, NULL, 0, topic_created, "fuzz-b");
    cluster_create_topic("fuzz-c", 2, 1, NULL, compact_k, compact_v, 2, topic_created, "fuzz-c");
    while (created < 3) {
        if (ae_mono_ms() > deadline) {
            fprintf(stderr, "kafka_request: topics not created\n");
            abort();
        }
        pump(10);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    const char *dir = fuzz_scratch("kafka");
    char zkdir[512];
    snprintf(zkdir, sizeof zkdir, "%s/zk", dir);
    mkdir(zkdir, 0755);
    /* every line is formatted (format bugs show), none is kept */
    log_open("/dev/null", 0, LOG_TRACE);
    int port = fuzz_free_port();
    start_coordinator(dir, port);
    struct rlimit nofile = {1024, 1024};
    setrlimit(RLIMIT_NOFILE, &nofile);
    start_broker(dir, port);
    return 0;
}

static int fixed_topic(const topic *t) {
    return t->internal || !strcmp(t->name, "fuzz-a") || !strcmp(t->name, "fuzz-b") ||
           !strcmp(t->name, "fuzz-c");
}

static void count_extra(topic *t, void *arg) {
    if (!fixed_topic(t))
        *(int *)arg += t->npartitions;
}

static int deletes_outstanding; /* callbacks may come during later inputs */

static void topic_deleted(void *arg, int16_t error_code, const char *error_message) {
    (void)arg;
    (void)error_code;
    (void)error_message;
    deletes_outstanding--;
}

static void delete_extra(topic *t, void *arg) {
    (void)arg;
    if (!fixed_topic(t) && !t->deleting) {
        deletes_outstanding++;
        cluster_delete_topic(t->name, topic_deleted, NULL);
    }
}

/* Deletes the topics the inputs created once they hold too many partitions
 * (and the previous deletions are done), or at once when forced. */
static void bound_topics(int force) {
    int extra = 0;
    int64_t deadline = ae_mono_ms() + 5000;
    while (force && deletes_outstanding > 0 && ae_mono_ms() < deadline)
        pump(10);
    topic_foreach(count_extra, &extra);
    if ((extra <= MAX_EXTRA_PARTITIONS && !force) || deletes_outstanding > 0)
        return;
    topic_foreach(delete_extra, NULL);
    deadline = ae_mono_ms() + (force ? 5000 : 1000);
    while (deletes_outstanding > 0 && ae_mono_ms() < deadline)
        pump(10);
}

static int network_is_idle(void) { return network_idle(); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wbuf out;
    wb_init(&out, size + 64);
    fuzz_frames_prefixed(&out, data, size);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        /* the partitions the inputs created hold every descriptor the
         * limit allows (each has its segment files open, as Kafka's do) */
        bound_topics(1);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
            perror("kafka_request: no descriptor for the next input, even with the inputs' "
                   "topics deleted");
            abort();
        }
    }
    if (network_adopt(sv[0], "127.0.0.1", 40000) != 0)
        abort();
    fuzz_converse(sv[1], &out, pump, network_is_idle, INPUT_BUDGET_MS);
    close(sv[1]);
    for (int i = 0; i < 3; i++)
        pump(0); /* the broker sees the end of the connection */
    wb_free(&out);
    bound_topics(0);
    return 0;
}
