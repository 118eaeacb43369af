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
 * over from input to input, as a long-running broker's would, but is reset
 * to the set-up's when the inputs' topics hold more than
 * MAX_EXTRA_PARTITIONS partitions, or when the descriptors are all taken (the
 * broker may keep at most 1024 open files, RLIMIT_NOFILE, and each partition
 * has its .log open, as Kafka's: a request for tens of thousands of
 * partitions is valid, Kafka creates them too, and would otherwise exhaust
 * memory). A reset deletes every topic but the set-up's and the internal
 * ones (and those too if an input grew them past KEEP_PARTITIONS); the
 * deletions go on during the next inputs, except when no descriptor is left:
 * then the event loop runs until their logs are closed. The set-up's topics
 * are created again once gone. The set-up's and a reset's waits are counted in
 * event-loop turns, not in time: a fuzzer starved of CPU takes its turns
 * late but still takes them (only a deferred request's wait is in time, as
 * the broker's own deadlines are). The target aborts if a reset does not
 * finish, or frees no descriptor.
 */
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
#define KEEP_PARTITIONS 50 /* a set-up or internal topic grown past this is reset */
#define SETTLE_TURNS 3000  /* event-loop turns a reset may take */

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

/* Runs the event loop until done() holds or SETTLE_TURNS turns have passed
 * (each waits at most 10 ms for an event). Counted in turns, not in time: a
 * starved process takes its turns late, but it takes them all. */
static int settle(int (*done)(void)) {
    for (int i = 0; i < SETTLE_TURNS && !done(); i++)
        pump(10);
    return done();
}

/* The set-up's topics (created again by a reset if gone). */
static const char *const compact_k[] = {"cleanup.policy", "min.cleanable.dirty.ratio"};
static const char *const compact_v[] = {"compact", "0.01"};
static const struct {
    const char *name;
    int partitions;
    int nconfigs;
} fixed[] = {{"fuzz-a", 3, 0}, {"fuzz-b", 1, 0}, {"fuzz-c", 2, 2}};

static int creating;

/* Created with timeout_ms 0: answered once the topic's znode is written
 * (REQUEST_TIMED_OUT, as Kafka answers such a create). */
static void fixed_created(void *arg, int16_t error_code, const char *error_message) {
    if (error_code && error_code != ERR_REQUEST_TIMED_OUT && arg) { /* at set-up */
        fprintf(stderr, "kafka_request: creating %s: %d %s\n", (const char *)arg, error_code,
                error_message ? error_message : "");
        abort();
    }
    creating--; /* after a reset, an error (an input's topic of that name) leaves it out */
}

/* Every partition of the set-up's topics has a leader or its state written
 * by the controller. A leader is not required: an input can leave this
 * broker unable to lead (a controlled shutdown of itself, as Kafka's
 * controller then elects no leader), and waiting for one would outlast the
 * input's time limit. */
static int fixed_done(void) {
    if (creating)
        return 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        topic *t = topic_find(fixed[i].name);
        for (int p = 0; t && p < t->npartitions; p++)
            if (t->parts[p]->leader < 0 && t->parts[p]->state_zk_version < 0)
                return 0;
    }
    return 1;
}

/* Creates the set-up's topics that do not exist and waits for them;
 * at_setup: an error aborts. */
static void create_fixed_topics(int at_setup) {
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (!topic_find(fixed[i].name)) {
            creating++;
            cluster_create_topic(fixed[i].name, fixed[i].partitions, 1, NULL,
                                 fixed[i].nconfigs ? compact_k : NULL,
                                 fixed[i].nconfigs ? compact_v : NULL, fixed[i].nconfigs,
                                 0, fixed_created, at_setup ? (void *)fixed[i].name : NULL);
        }
    if (!settle(fixed_done) && at_setup) {
        fprintf(stderr, "kafka_request: topics not created\n");
        abort();
    }
}

static int registered(void) { return cluster_live_broker_count() >= 1; }

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
    settle(registered); /* /brokers/ids is read after registration */
    create_fixed_topics(1);
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

/* A topic a reset keeps: one of the set-up's or an internal one (created on
 * demand with the configured count), unless an input grew it (CreatePartitions
 * is valid on them too) past KEEP_PARTITIONS. */
static int kept_topic(const topic *t) {
    if (t->npartitions > KEEP_PARTITIONS || t->assignment_zk_version < 0)
        return 0;
    if (t->internal)
        return 1;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (!strcmp(t->name, fixed[i].name))
            return 1;
    return 0;
}

static void count_extra(topic *t, void *arg) {
    if (!kept_topic(t))
        *(int *)arg += t->npartitions;
}

static int extra_partitions(void) {
    int extra = 0;
    topic_foreach(count_extra, &extra);
    return extra;
}

static void deletion_answered(void *arg, int16_t error_code, const char *error_message) {
    (void)arg;
    (void)error_code;
    (void)error_message;
}

/* A topic an input's LeaderAndIsr created, with no znode (the controller
 * never heard of it), has nothing to delete in ZooKeeper: it goes as a topic
 * removed from ZooKeeper does. The others are deleted through ZooKeeper, as
 * DeleteTopics does (once: a topic being deleted is left to finish). */
static void delete_extra(topic *t, void *arg) {
    (void)arg;
    if (kept_topic(t))
        return;
    if (t->assignment_zk_version < 0)
        topic_remove(t);
    else if (!t->deleting)
        cluster_delete_topic(t->name, 0, deletion_answered, NULL);
}

static int extra_gone(void) { return extra_partitions() == 0; }

static void print_topic(topic *t, void *arg) {
    (void)arg;
    fprintf(stderr, "  %s: %d partitions%s%s%s\n", t->name, t->npartitions,
            t->deleting ? ", being deleted" : "",
            t->assignment_zk_version < 0 ? ", not in ZooKeeper" : "",
            kept_topic(t) ? ", kept" : "");
}

/* Resets the broker's topics to the set-up's: deletes every other topic (and
 * one an input grew); with wait, runs the event loop until their logs are
 * closed, and creates again a set-up topic that is gone; else the deletions
 * go on during the next inputs (a topic of thousands of partitions takes
 * seconds of the broker's and the coordinator's time, spread that way over
 * many inputs). Aborts, listing the topics, if the deletions do not finish
 * (a deletion that never completes is a bug). */
static void reset_topics(int wait) {
    topic_foreach(delete_extra, NULL);
    if (!wait)
        return;
    if (!settle(extra_gone)) {
        fprintf(stderr, "kafka_request: the topics' deletion did not finish in %d turns:\n",
                SETTLE_TURNS);
        topic_foreach(print_topic, NULL);
        abort();
    }
    create_fixed_topics(0);
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
        reset_topics(1);
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
    if (extra_partitions() > MAX_EXTRA_PARTITIONS)
        reset_topics(0);
    else
        create_fixed_topics(0); /* one an input or a reset deleted */
    return 0;
}
