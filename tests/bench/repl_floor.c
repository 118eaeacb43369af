/* repl_floor.c -- the floor under the replication bench's CPU per GiB
 * (tests/bench/replication, "produce 1 KiB acks=all RF=3"): what this
 * machine charges for the data movement of three replicas with no Kafka
 * logic at all. Four processes on loopback TCP:
 *
 *   producer   writes COUNT bytes in CHUNK-sized writes to the leader
 *              (librdkafka's produce requests; its CPU is not counted);
 *   leader     reads each chunk whole, CRC-32C's it (Kafka's batch check
 *              on produce), pwrites it at the end of its file, then
 *              sendfiles that part of the file to each follower (a leader
 *              answering its followers' fetches from the page cache);
 *   follower   x2: reads what arrives in CHUNK pieces, CRC-32C's it (the
 *              follower's batch check) and pwrites it at the end of its own
 *              file.
 *
 * Socket buffers (-b): "kafka" sets what Kafka's defaults give a broker:
 * SO_RCVBUF 102400 on the leader's listening socket
 * (socket.receive.buffer.bytes; accepted sockets inherit it), SO_SNDBUF
 * 102400 on each accepted socket (socket.send.buffer.bytes) and SO_RCVBUF
 * 65536 on the followers' sockets (replica.socket.receive.buffer.bytes);
 * "auto" sets none (the kernel's autotuning: Kafka's -1). The producer sets
 * none (librdkafka's default). Blocking I/O, no event loop, no acks, no
 * requests: the floor, not a model of a broker.
 *
 * Before the timed part, 5/4 of the bytes the three replicas write are
 * written to a scratch file in DIR and deleted (the bench's page-cache
 * warm-up), so that the files are written into memory the guest already
 * touched.
 *
 * Each file is written as the broker writes a segment: blocks reserved
 * with fallocate ahead of the end (-F: plain pwrites).
 *
 *   repl_floor -d DIR [-n COUNT] [-c CHUNK] [-b kafka|auto] [-F]
 *
 * Prints one line: buffers= fallocate= bytes= chunk= secs= leader_user= leader_sys=
 * followers_user= followers_sys= cpu_per_gib= (the three "brokers'" user+sys
 * seconds per GiB, from wait4). Exit status 0, or 1 on any I/O error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_clock.h"
#include "crc32c.h"

#define KAFKA_SOCKET_RECEIVE 102400  /* socket.receive.buffer.bytes */
#define KAFKA_SOCKET_SEND 102400     /* socket.send.buffer.bytes */
#define KAFKA_REPLICA_RECEIVE 65536  /* replica.socket.receive.buffer.bytes */

static int kafka_buffers = 1;
static int fallocate_ahead = 1;
static long count = 1L << 30;
static size_t chunk = 1000000;
static const char *dir;

static void die(const char *who, const char *what) {
    fprintf(stderr, "repl_floor: %s: %s: %s\n", who, what, strerror(errno));
    _exit(1);
}

static void set_int(int fd, int opt, int v, const char *who) {
    if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v) != 0)
        die(who, "setsockopt");
}

static int listener(struct sockaddr_in *addr) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t alen = sizeof *addr;
    *addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0)
        die("main", "socket");
    if (kafka_buffers)
        set_int(s, SO_RCVBUF, KAFKA_SOCKET_RECEIVE, "main");
    if (bind(s, (struct sockaddr *)addr, sizeof *addr) != 0 ||
        getsockname(s, (struct sockaddr *)addr, &alen) != 0 || listen(s, 4) != 0)
        die("main", "listen");
    return s;
}

static int connect_to(const struct sockaddr_in *to, int rcvbuf, const char *who) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        die(who, "socket");
    if (rcvbuf > 0)
        set_int(s, SO_RCVBUF, rcvbuf, who);
    if (connect(s, (const struct sockaddr *)to, sizeof *to) != 0)
        die(who, "connect");
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
}

static int accept_one(int ls, const char *who) {
    int s = accept(ls, NULL, NULL);
    if (s < 0)
        die(who, "accept");
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (kafka_buffers)
        set_int(s, SO_SNDBUF, KAFKA_SOCKET_SEND, who);
    return s;
}

static int open_file(const char *who) {
    char path[4096];
    snprintf(path, sizeof path, "%s/repl_floor.%s.%d", dir, who, (int)getpid());
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0)
        die(who, path);
    unlink(path); /* gone once closed */
    return fd;
}

/* Reads up to len bytes: as many as arrive before len or end of stream. */
static size_t read_upto(int fd, uint8_t *buf, size_t len, const char *who) {
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die(who, "read");
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* The broker's segment writes (segment.c reserve_ahead): blocks reserved
 * with fallocate(KEEP_SIZE) ahead of the end, an eighth of the file at a
 * time (1..16 MiB), so that a pwrite finds them allocated. */
static void reserve_ahead(int fd, off_t end, size_t n, off_t *reserved) {
    if (!fallocate_ahead || end + (off_t)n <= *reserved)
        return;
    off_t step = end / 8 < (1 << 20) ? (1 << 20) : end / 8 > (16 << 20) ? (16 << 20) : end / 8;
    off_t from = end > *reserved ? end : *reserved, to = end + (off_t)n + step;
    if (fallocate(fd, FALLOC_FL_KEEP_SIZE, from, to - from) == 0)
        *reserved = to;
}

static void pwrite_all(int fd, const uint8_t *p, size_t n, off_t at, const char *who) {
    for (size_t done = 0; done < n;) {
        ssize_t w = pwrite(fd, p + done, n - done, at + (off_t)done);
        if (w <= 0)
            die(who, "pwrite");
        done += (size_t)w;
    }
}

static void producer(const struct sockaddr_in *leader) {
    int s = connect_to(leader, 0, "producer");
    uint8_t *buf = malloc(chunk);
    if (!buf)
        die("producer", "malloc");
    for (size_t i = 0; i < chunk; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (long sent = 0; sent < count;) {
        size_t n = (size_t)(count - sent) < chunk ? (size_t)(count - sent) : chunk;
        for (size_t off = 0; off < n;) {
            ssize_t w = write(s, buf + off, n - off);
            if (w <= 0)
                die("producer", "write");
            off += (size_t)w;
        }
        sent += (long)n;
    }
    close(s);
    _exit(0);
}

/* One replica's log: what it reads from `in` is CRC-32C'd and written at
 * the end of its own file. */
typedef struct replica {
    const char *who;
    int in, fd;
    uint8_t *buf;
    off_t end, reserved;
    uint32_t crc;
} replica;

static void replica_init(replica *r, int in, const char *who) {
    *r = (replica){.who = who, .in = in, .fd = open_file(who), .buf = malloc(chunk)};
    if (!r->buf)
        die(who, "malloc");
}

/* Keeps the next chunk that arrives; its size, 0 at the end of the stream. */
static size_t replica_keep(replica *r) {
    size_t n = read_upto(r->in, r->buf, chunk, r->who);
    if (n == 0)
        return 0;
    r->crc = crc32c(r->crc, r->buf, n);
    reserve_ahead(r->fd, r->end, n, &r->reserved);
    pwrite_all(r->fd, r->buf, n, r->end, r->who);
    r->end += (off_t)n;
    return n;
}

/* Exits: 0 when the replica kept every byte. */
static void replica_exit(const replica *r) {
    if (r->end != count) {
        fprintf(stderr, "repl_floor: %s received %lld of %ld bytes\n", r->who, (long long)r->end, count);
        _exit(1);
    }
    _exit(0);
}

static void leader(int produce_ls, int fetch_ls) {
    replica r;
    replica_init(&r, accept_one(produce_ls, "leader"), "leader");
    int out[2] = {accept_one(fetch_ls, "leader"), accept_one(fetch_ls, "leader")};
    for (size_t n; (n = replica_keep(&r)) > 0;)
        for (int i = 0; i < 2; i++)
            for (off_t pos = r.end - (off_t)n; pos < r.end;)
                if (sendfile(out[i], r.fd, &pos, (size_t)(r.end - pos)) <= 0)
                    die("leader", "sendfile");
    replica_exit(&r);
}

static void follower(const struct sockaddr_in *leader_addr) {
    replica r;
    replica_init(&r, connect_to(leader_addr, kafka_buffers ? KAFKA_REPLICA_RECEIVE : 0, "follower"),
                 "follower");
    while (replica_keep(&r) > 0)
        ;
    replica_exit(&r);
}

/* The bench's page-cache warm-up: 5/4 of what the replicas will write. */
static void warm_up(void) {
    int fd = open_file("warm");
    static uint8_t block[1 << 20];
    long total = count / 4 * 15;
    for (long done = 0; done < total; done += (long)sizeof block)
        pwrite_all(fd, block, sizeof block, (off_t)done, "warm-up");
    close(fd);
}

static pid_t spawn(void (*fn)(void)) {
    pid_t p = fork();
    if (p < 0)
        die("main", "fork");
    if (p == 0)
        fn();
    return p;
}

static struct sockaddr_in produce_addr, fetch_addr;
static int produce_ls, fetch_ls;
static void run_producer(void) { producer(&produce_addr); }
static void run_leader(void) { leader(produce_ls, fetch_ls); }
static void run_follower(void) { follower(&fetch_addr); }

static double secs(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char **argv) {
    int c;
    while ((c = getopt(argc, argv, "d:n:c:b:F")) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'n')
            count = atol(optarg);
        else if (c == 'c')
            chunk = (size_t)atol(optarg);
        else if (c == 'F')
            fallocate_ahead = 0;
        else if (c == 'b' && (!strcmp(optarg, "kafka") || !strcmp(optarg, "auto")))
            kafka_buffers = !strcmp(optarg, "kafka");
        else {
            fprintf(stderr, "usage: repl_floor -d DIR [-n COUNT] [-c CHUNK] [-b kafka|auto] [-F]\n");
            return 2;
        }
    }
    if (!dir || count <= 0 || chunk == 0 || chunk > (64u << 20)) {
        fprintf(stderr, "repl_floor: -d DIR is required; COUNT and CHUNK (at most 64 MiB) must be positive\n");
        return 2;
    }
    warm_up();
    produce_ls = listener(&produce_addr);
    fetch_ls = listener(&fetch_addr);

    int64_t t0 = now_ns();
    pid_t lp = spawn(run_leader);
    pid_t fp[2] = {spawn(run_follower), spawn(run_follower)};
    pid_t pp = spawn(run_producer);
    double lu = 0, ls = 0, fu = 0, fs = 0;
    int failed = 0;
    for (int left = 4; left > 0; left--) {
        int st;
        struct rusage ru;
        pid_t p = wait4(-1, &st, 0, &ru);
        if (p < 0)
            die("main", "wait4");
        failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
        if (p == lp) {
            lu = secs(ru.ru_utime);
            ls = secs(ru.ru_stime);
        } else if (p == fp[0] || p == fp[1]) {
            fu += secs(ru.ru_utime);
            fs += secs(ru.ru_stime);
        }
    }
    int64_t t1 = now_ns();
    (void)pp;
    if (failed) {
        fprintf(stderr, "repl_floor: a process failed\n");
        return 1;
    }
    double gib = (double)count / (1 << 30);
    printf("buffers=%s fallocate=%s bytes=%ld chunk=%zu secs=%.3f leader_user=%.3f leader_sys=%.3f "
           "followers_user=%.3f followers_sys=%.3f cpu_per_gib=%.2f user_per_gib=%.2f sys_per_gib=%.2f\n",
           kafka_buffers ? "kafka" : "auto", fallocate_ahead ? "ahead" : "none", count, chunk, (double)(t1 - t0) / 1e9, lu, ls, fu, fs,
           (lu + ls + fu + fs) / gib, (lu + fu) / gib, (ls + fs) / gib);
    return 0;
}
