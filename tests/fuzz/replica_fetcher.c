/* replica_fetcher.c -- libFuzzer target: what a leader answers a follower.
 * The broker's outbound connection (broker/common/kclient.c: response
 * framing, correlation ids, response headers) and the replica fetcher's
 * handling of OffsetForLeaderEpoch v3, Fetch v11 and ListOffsets v5
 * responses (broker/kafka/fetcher.c: truncation, appending fetched batches,
 * log start and high watermark, out-of-range resets). A malicious or buggy
 * leader must not crash a follower.
 *
 * Set-up (once): a broker state (broker.id=2) in this process, with no
 * coordinator: topic fz with two partitions this broker follows at leader
 * epoch LEADER_EPOCH, the leader (broker 1) being a loopback listener of this
 * process. Before each input partition 0's log holds four batches of two
 * records, of leader epochs 0, 0, 0, 1 (offsets 0-7), and partition 1's log
 * is empty; both start following (FP_TRUNCATING), so the fetcher connects
 * and asks.
 *
 * Each input is what the leader's side of the connection sends: frames (see
 * fuzz.h), each a response after its size (the correlation id, then the
 * body), given its size prefix here. Frame i is sent once the fetcher's i-th
 * request has come (a fresh connection numbers its requests from 0, so
 * correlation ids in the seeds match). The input ends when its frames are
 * sent and answered by a request, when the follower closes the connection
 * or asks nothing for QUIET_MS; then the fetchers are shut down.
 *
 * Seeds: with FUZZ_FETCH_RECORD=HOST:PORT,FILE the target instead relays
 * the connection to that real leader for two seconds (or 16 KiB) and writes
 * what it answered to FILE (tests/fuzz/record-seeds runs it against our
 * broker). The requests then carry current_leader_epoch -1: the leader checks
 * no epoch, as the controller may move it while the recording runs. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>

#include "api.h"
#include "broker.h"
#include "fetcher.h"
#include "fuzz.h"
#include "fuzz_broker.h"
#include "logger.h"
#include "memlimit.h"
#include "records.h"
#include "replica.h"

#define INPUT_BUDGET_MS 1000
#define QUIET_MS 20 /* with no backoff, a follower asks again as it handles an answer */
#define RECORD_MAX_BYTES 16384 /* a seed stays small */

#define LEADER_EPOCH 2

static int lfd = -1;
static partition *parts[2];
static int32_t leader_epoch = LEADER_EPOCH;

static void start_broker(const char *dir, int leader_port) {
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "broker.id=2\n"
                     "listeners=PLAINTEXT://127.0.0.1:9\n"
                     "log.dirs=%s/data\n"
                     "zookeeper.connect=127.0.0.1:9\n"
                     "replica.fetch.backoff.ms=0\n"
                     "replica.fetch.wait.max.ms=500\n"
                     "log.segment.bytes=65536\n"
                     "log.index.size.max.bytes=4096\n",
                     dir);
    fuzz_broker_configure("replica_fetcher", dir, text, (size_t)n);
    B.nodes = calloc(1, sizeof(*B.nodes));
    if (!B.nodes || topics_load_checkpoints() != 0)
        abort();
    B.nnodes = 1;
    B.nodes[0].id = 1;
    snprintf(B.nodes[0].host, sizeof B.nodes[0].host, "127.0.0.1");
    B.nodes[0].port = leader_port;
    topic *t = topic_add("fz", 2);
    for (int i = 0; i < 2; i++) {
        partition *p = parts[i] = t->parts[i];
        static int32_t replicas[2] = {1, 2};
        p->replicas = replicas;
        p->nreplicas = 2;
        p->leader = 1;
        p->leader_epoch = leader_epoch;
        p->role = REPLICA_FOLLOWER;
        if (partition_open_log(p) != 0)
            abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    log_open("/dev/null", 0, LOG_TRACE); /* every line formatted, none kept */
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        abort();
    start_broker(fuzz_scratch("fetcher"), ntohs(a.sin_port));
    return 0;
}

/* Partition 0: offsets 0-7 in four batches of epochs 0, 0, 0, 1; partition 1 empty. */
static void reset_logs(void) {
    static const int32_t epochs[4] = {0, 0, 0, 1};
    for (int i = 0; i < 2; i++) {
        partition *p = parts[i];
        p->leader_epoch = leader_epoch;
        p->role = REPLICA_FOLLOWER;
        p->leader = 1;
        if (plog_truncate_fully_and_start_at(p->log, 0) != 0)
            abort();
        p->hw = 0;
    }
    for (int b = 0; b < 4; b++) {
        batch_record recs[2] = {{"k", 1, "v0", 2, 1700000000000 + b, 0, NULL},
                                {NULL, -1, "v1", 2, 1700000000001 + b, 0, NULL}};
        wbuf w;
        wb_init(&w, 256);
        batch_build_v2(&w, 2 * b, 1700000000000 + b, recs, 2, 0, -1, -1, -1);
        rbh_set_leader_epoch(w.data, epochs[b]);
        batch_set_crc(w.data, w.len);
        plog_append_info info;
        if (plog_append_follower(parts[0]->log, w.data, w.len, ae_wall_ms(), &info) != 0)
            abort();
        wb_free(&w);
    }
    partition_rebuild_producers(parts[0]);
    partition_rebuild_producers(parts[1]);
}

static int accept_fetcher(void) {
    for (int i = 0; i < 2000; i++) {
        aeProcessEvents(B.el, 0);
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
        if (fd >= 0) {
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return fd;
        }
        usleep(100);
    }
    return -1;
}

/* Whole requests at the front of in (removed from it). */
static int take_requests(wbuf *in) {
    int n = 0;
    size_t off = 0;
    while (in->len - off >= 4 && in->len - off - 4 >= be32_get(in->data + off)) {
        off += 4 + be32_get(in->data + off);
        n++;
    }
    memmove(in->data, in->data + off, in->len - off);
    in->len -= off;
    return n;
}

static void finish(int sfd) {
    fetcher_shutdown();
    close(sfd);
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, 0)) >= 0)
        close(fd);
    for (int i = 0; i < 3; i++)
        aeProcessEvents(B.el, 0);
}

static int send_all(int fd, const uint8_t *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        } else {
            aeProcessEvents(B.el, 0);
        }
    }
    return 0;
}

/* FUZZ_FETCH_RECORD: relay to a real leader, keep its answers as frames. */
static void record(const char *spec) {
    char host[256], file[1024];
    int port;
    if (sscanf(spec, "%255[^:]:%d,%1023s", host, &port, file) != 3)
        abort();
    leader_epoch = -1; /* the leader checks no epoch (the controller moves it) */
    reset_logs();
    fetcher_add(parts[0]);
    fetcher_add(parts[1]);
    int sfd = accept_fetcher();
    int ufd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (sfd < 0 || ufd < 0 || connect(ufd, (struct sockaddr *)&a, sizeof a) != 0)
        abort();
    fcntl(ufd, F_SETFL, O_NONBLOCK);
    wbuf from_leader;
    wb_init(&from_leader, 65536);
    int64_t end = ae_mono_ms() + 2000;
    while (ae_mono_ms() < end && from_leader.len < RECORD_MAX_BYTES) {
        int progress = 0;
        wbuf req;
        wb_init(&req, 4096);
        fuzz_drain(sfd, &req, &progress);
        if (req.len && send_all(ufd, req.data, req.len) != 0)
            abort();
        wb_free(&req);
        size_t had = from_leader.len;
        fuzz_drain(ufd, &from_leader, &progress);
        if (from_leader.len > had &&
            send_all(sfd, from_leader.data + had, from_leader.len - had) != 0)
            abort();
        aeProcessEvents(B.el, 0);
        if (!progress)
            usleep(1000);
    }
    fuzz_write_frames(file, &from_leader);
    wb_free(&from_leader);
    close(ufd);
    finish(sfd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *rec = getenv("FUZZ_FETCH_RECORD");
    if (rec) {
        record(rec);
        return 0;
    }
    reset_logs();
    fetcher_add(parts[0]);
    fetcher_add(parts[1]);
    int sfd = accept_fetcher();
    if (sfd < 0)
        abort();
    wbuf in;
    wb_init(&in, 4096);
    const uint8_t *p = data, *frame;
    size_t left = size, len;
    int requests = 0, answered = 0;
    int have = fuzz_next_frame(&p, &left, &frame, &len);
    int64_t deadline = ae_mono_ms() + INPUT_BUDGET_MS, heard = ae_mono_ms();
    while (ae_mono_ms() < deadline && ae_mono_ms() - heard < QUIET_MS) {
        int progress = aeProcessEvents(B.el, 0) > 0;
        int closed = fuzz_drain(sfd, &in, &progress);
        int n = take_requests(&in);
        requests += n;
        if (n)
            heard = ae_mono_ms();
        if (closed)
            break; /* the follower dropped the connection */
        if (requests > answered) {
            if (!have)
                break; /* every frame sent and answered by a new request */
            wbuf resp; /* one write: no Nagle wait between size and body */
            wb_init(&resp, len + 4);
            wb_i32(&resp, (int32_t)len);
            wb_write(&resp, frame, len);
            int sent = send_all(sfd, resp.data, resp.len);
            wb_free(&resp);
            if (sent != 0)
                break;
            answered++;
            have = fuzz_next_frame(&p, &left, &frame, &len);
            progress = 1;
        }
        if (!progress)
            aeProcessEvents(B.el, 1);
    }
    wb_free(&in);
    finish(sfd);
    return 0;
}
