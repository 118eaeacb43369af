/* zk_bench.c -- the coordinator load generator of `make bench`: the
 * ZooKeeper C client (libzookeeper_mt, asynchronous API) driving a
 * ZooKeeper-protocol server -- ours or Apache's, the same program for both --
 * with a bounded load, then printing one line of key=value results for
 * tests/bench/run to tabulate.
 *
 *   zk_bench write    -z HOSTS [-S SESSIONS] [-F IN_FLIGHT] [-s SIZE]
 *                     [-k ZNODES] [-n MAX_OPS] [-T SECONDS] [-W WARMUP_S]
 *       S sessions, each with F setData requests of SIZE bytes always in
 *       flight, on ZNODES pre-created znodes (created here when missing)
 *   zk_bench read     (same options): getData instead of setData
 *   zk_bench latency  -z HOSTS -o create|set|get [-s SIZE] [-n MAX_OPS] [-T S]
 *       one session, one request in flight (create: a new znode each time)
 *   zk_bench failover -z SURVIVORS -K PID [-T SECONDS]
 *       one session on the survivors writes (setData, one at a time) until it
 *       has succeeded 20 times, SIGKILLs PID (the leader), and reports the
 *       time from that kill to the first write issued after it that succeeds
 *   zk_bench wait     -z HOST:PORT[,HOST:PORT...] [-T SECONDS]
 *       polls `srvr` every 2 ms until every server reports Mode: standalone,
 *       leader or follower; prints the CLOCK_REALTIME at which that happened
 *   every mode:       [-P PREFIX] znode root (default /zkbench),
 *                     [-t MS] session timeout (default 10000)
 *
 * write/read/latency print  mode= op= sessions= inflight= ops= secs= ops_s=
 *                           errors= p50_ms= p99_ms= p999_ms= max_ms= cpu=
 *   (ops: successful requests issued after the warm-up; latency: from the
 *   zoo_a*() call to its completion callback; cpu: this client's user+system
 *   seconds.)
 * failover prints           failover_ms= errors= reconnects=
 * wait prints               ready_ns= waited_ms=
 *
 * Exit status: 0 when the load ran without errors, 1 when it had errors or
 * ran out of time (results still printed), 2 on usage or setup errors. */
#define THREADED 1
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zookeeper/zookeeper.h>

#include "bench_clock.h"

typedef enum { OP_SET, OP_GET, OP_CREATE } op_kind;

typedef struct opts {
    const char *mode;
    const char *hosts;  /* -z */
    const char *prefix; /* -P */
    int sessions;       /* -S */
    int inflight;       /* -F: requests in flight per session */
    int size;           /* -s: value bytes */
    int znodes;         /* -k: 0 = sessions x inflight */
    long max_ops;       /* -n */
    double timeout;     /* -T: seconds of load (failover, wait: of waiting) */
    double warmup;      /* -W: seconds before measuring starts */
    int session_ms;     /* -t */
    op_kind op;
    pid_t kill_pid; /* -K */
} opts;

/* ------------------------------------------------------------------------
 * Small utilities
 * ---------------------------------------------------------------------- */
static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "zk_bench: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh, (void)type, (void)state, (void)path, (void)ctx;
}

/* A session to HOSTS, waited for (bounded by `deadline`); NULL on timeout. */
static zhandle_t *connect_session(const opts *o, int64_t deadline) {
    zhandle_t *zh = zookeeper_init(o->hosts, session_watcher, o->session_ms, NULL, NULL, 0);
    if (!zh)
        return NULL;
    /* By default the client resolves HOSTS again on every poll; the hosts are
     * IP addresses here, and that work would dominate the client's CPU. */
    zoo_set_servers_resolution_delay(zh, -1);
    while (zoo_state(zh) != ZOO_CONNECTED_STATE) {
        if (now_ns() >= deadline) {
            zookeeper_close(zh);
            return NULL;
        }
        sleep_ms(1);
    }
    return zh;
}

static char *make_value(int size) {
    char *v = malloc((size_t)size + 1);
    if (!v)
        die("%s", "out of memory");
    for (int i = 0; i < size; i++)
        v[i] = (char)('a' + (i * 7 + i / 26) % 26);
    return v;
}

/* Creates PREFIX and PREFIX/n0..n(count-1) (SIZE-byte values) where
 * missing. 0, or -1 after printing the error. */
static int ensure_znodes(zhandle_t *zh, const opts *o, int count, const char *value) {
    char path[256];
    int rc = zoo_create(zh, o->prefix, "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) {
        fprintf(stderr, "zk_bench: create %s: %s\n", o->prefix, zerror(rc));
        return -1;
    }
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/n%d", o->prefix, i);
        rc = zoo_create(zh, path, value, o->size, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        if (rc != ZOK && rc != ZNODEEXISTS) {
            fprintf(stderr, "zk_bench: create %s: %s\n", path, zerror(rc));
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * write / read / latency: SESSIONS x IN_FLIGHT slots, each reissuing its
 * request from the completion callback of the previous one
 * ---------------------------------------------------------------------- */
typedef struct bench bench;

typedef struct slot {
    bench *b;
    zhandle_t *zh;
    int id; /* session * inflight + slot */
    int64_t t_issue;
    char path[128];
} slot;

struct bench {
    const opts *o;
    const char *value;
    int64_t t_measure; /* end of the warm-up */
    int64_t t_stop;    /* no request is issued from here on */
    atomic_long issued;
    atomic_long active; /* slots with a request in flight */
    atomic_long errors;
    atomic_long nlat; /* samples taken (may exceed cap: then not stored) */
    atomic_llong last_done;
    atomic_long create_seq;
    long cap;
    int32_t *lat; /* microseconds, successful requests issued after t_measure */
};

static void issue(slot *s);

static void completed(slot *s, int rc) {
    bench *b = s->b;
    int64_t t = now_ns();
    if (rc == ZOK) {
        if (s->t_issue >= b->t_measure) {
            long i = atomic_fetch_add(&b->nlat, 1);
            if (i < b->cap)
                b->lat[i] = (int32_t)((t - s->t_issue) / 1000);
            int64_t prev = atomic_load(&b->last_done);
            while (prev < t && !atomic_compare_exchange_weak(&b->last_done, &prev, t))
                ;
        }
    } else {
        if (atomic_fetch_add(&b->errors, 1) < 5)
            fprintf(stderr, "zk_bench: %s: %s\n", s->path, zerror(rc));
        sleep_ms(1); /* do not spin on a lost connection */
    }
    issue(s);
}

static void on_stat(int rc, const struct Stat *stat, const void *data) {
    (void)stat;
    completed((slot *)data, rc);
}

static void on_data(int rc, const char *value, int len, const struct Stat *stat, const void *data) {
    (void)value, (void)len, (void)stat;
    completed((slot *)data, rc);
}

static void on_string(int rc, const char *value, const void *data) {
    (void)value;
    completed((slot *)data, rc);
}

/* Issues the slot's next request, or retires the slot when the time or the
 * op budget (MAX_OPS counts measured requests only) is used up or the
 * session is unusable. */
static void issue(slot *s) {
    bench *b = s->b;
    const opts *o = b->o;
    int64_t t = now_ns();
    if (t >= b->t_stop || (t >= b->t_measure && atomic_fetch_add(&b->issued, 1) >= o->max_ops)) {
        atomic_fetch_sub(&b->active, 1);
        return;
    }
    if (o->op == OP_CREATE)
        snprintf(s->path, sizeof s->path, "%s/c%d-%ld", o->prefix, (int)getpid(),
                 atomic_fetch_add(&b->create_seq, 1));
    s->t_issue = now_ns();
    int rc;
    switch (o->op) {
    case OP_SET: rc = zoo_aset(s->zh, s->path, b->value, o->size, -1, on_stat, s); break;
    case OP_GET: rc = zoo_aget(s->zh, s->path, 0, on_data, s); break;
    default:
        rc = zoo_acreate(s->zh, s->path, b->value, o->size, &ZOO_OPEN_ACL_UNSAFE, 0, on_string, s);
        break;
    }
    if (rc != ZOK) {
        if (atomic_fetch_add(&b->errors, 1) < 5)
            fprintf(stderr, "zk_bench: issue %s: %s\n", s->path, zerror(rc));
        atomic_fetch_sub(&b->active, 1);
    }
}

static int run_load(const opts *o) {
    static const char *const names[] = {"set", "get", "create"};
    int64_t setup_deadline = now_ns() + 30 * (int64_t)1000000000;
    int nz = o->znodes > 0 ? o->znodes : o->sessions * o->inflight;
    char *value = make_value(o->size);
    zhandle_t **zh = calloc((size_t)o->sessions, sizeof *zh);
    for (int i = 0; i < o->sessions; i++)
        if (!(zh[i] = connect_session(o, setup_deadline)))
            die("no session to %s within 30 s", o->hosts);
    if (ensure_znodes(zh[0], o, o->op == OP_CREATE ? 0 : nz, value) != 0)
        exit(2);

    bench b = {.o = o, .value = value};
    b.cap = o->max_ops < 20000000 ? o->max_ops : 20000000;
    b.lat = malloc((size_t)b.cap * sizeof *b.lat);
    int nslots = o->sessions * o->inflight;
    slot *slots = calloc((size_t)nslots, sizeof *slots);
    if (!b.lat || !slots)
        die("%s", "out of memory");
    for (int i = 0; i < nslots; i++) {
        slots[i] = (slot){.b = &b, .zh = zh[i / o->inflight], .id = i};
        snprintf(slots[i].path, sizeof slots[i].path, "%s/n%d", o->prefix, i % nz);
    }

    double cpu0 = cpu_seconds();
    int64_t t0 = now_ns();
    b.t_measure = t0 + (int64_t)(o->warmup * 1e9);
    b.t_stop = b.t_measure + (int64_t)(o->timeout * 1e9);
    atomic_store(&b.last_done, b.t_measure);
    atomic_store(&b.active, nslots);
    for (int i = 0; i < nslots; i++)
        issue(&slots[i]);
    /* Every slot retires at t_stop at the latest, once its request is
     * answered; the client's own timeout fails a request to a dead server. */
    int64_t drain_deadline = b.t_stop + 15 * (int64_t)1000000000;
    while (atomic_load(&b.active) > 0 && now_ns() < drain_deadline)
        sleep_ms(2);
    int drained = atomic_load(&b.active) == 0;
    double cpu = cpu_seconds() - cpu0;

    long n = atomic_load(&b.nlat);
    if (n > b.cap)
        n = b.cap;
    double secs = (double)(atomic_load(&b.last_done) - b.t_measure) / 1e9;
    long errors = atomic_load(&b.errors);
    printf("mode=%s op=%s sessions=%d inflight=%d size=%d ops=%ld secs=%.3f ops_s=%.0f errors=%ld",
           o->mode, names[o->op], o->sessions, o->inflight, o->size, n, secs,
           secs > 0 ? (double)n / secs : 0.0, errors);
    if (n > 0) {
        qsort(b.lat, (size_t)n, sizeof *b.lat, cmp_i32);
        printf(" p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f", b.lat[n / 2] / 1000.0,
               b.lat[n * 99 / 100] / 1000.0, b.lat[n * 999 / 1000] / 1000.0,
               b.lat[n - 1] / 1000.0);
    }
    printf(" cpu=%.2f%s\n", cpu, drained ? "" : " undrained=1");
    fflush(stdout);

    if (drained) /* else a callback may still touch the slots: just exit */
        for (int i = 0; i < o->sessions; i++)
            zookeeper_close(zh[i]);
    else
        _exit(1);
    free(slots);
    free(b.lat);
    free(zh);
    free(value);
    return errors == 0 && n > 0 ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * failover
 * ---------------------------------------------------------------------- */
static int run_failover(const opts *o) {
    int64_t deadline = now_ns() + (int64_t)(o->timeout * 1e9);
    char *value = make_value(o->size);
    char path[256];
    snprintf(path, sizeof path, "%s/n0", o->prefix);
    zhandle_t *zh = connect_session(o, deadline);
    if (!zh)
        die("no session to %s", o->hosts);
    if (ensure_znodes(zh, o, 1, value) != 0)
        exit(2);
    for (int ok = 0; ok < 20;) {
        int rc = zoo_set(zh, path, value, o->size, -1);
        if (rc != ZOK || now_ns() >= deadline) {
            fprintf(stderr, "zk_bench: failover: write before the kill: %s\n", zerror(rc));
            exit(2);
        }
        ok++;
    }
    if (kill(o->kill_pid, SIGKILL) != 0)
        die("kill: %s", strerror(errno));
    int64_t t_kill = now_ns();
    long errors = 0, reconnects = 0;
    int64_t done = -1;
    while (done < 0 && now_ns() < deadline) {
        if (zoo_state(zh) == ZOO_EXPIRED_SESSION_STATE || zoo_state(zh) == ZOO_AUTH_FAILED_STATE) {
            zookeeper_close(zh);
            reconnects++;
            if (!(zh = zookeeper_init(o->hosts, session_watcher, o->session_ms, NULL, NULL, 0)))
                break;
            zoo_set_servers_resolution_delay(zh, -1);
        }
        if (zoo_state(zh) != ZOO_CONNECTED_STATE) {
            sleep_ms(1);
            continue;
        }
        int rc = zoo_set(zh, path, value, o->size, -1);
        if (rc == ZOK)
            done = now_ns();
        else {
            errors++;
            sleep_ms(1);
        }
    }
    if (done < 0)
        printf("failover_ms=timeout errors=%ld reconnects=%ld\n", errors, reconnects);
    else
        printf("failover_ms=%.1f errors=%ld reconnects=%ld\n", (double)(done - t_kill) / 1e6,
               errors, reconnects);
    fflush(stdout);
    if (zh)
        zookeeper_close(zh);
    free(value);
    return done < 0;
}

/* ------------------------------------------------------------------------
 * wait: the four-letter word `srvr` over a plain socket
 * ---------------------------------------------------------------------- */
/* 1 when HOST:PORT answers srvr with a serving mode, 0 otherwise. */
static int serving(const char *hostport) {
    char host[64];
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host)
        die("bad HOST:PORT %s", hostport);
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        die("not an IPv4 address: %s", host);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    char buf[4096];
    size_t len = 0;
    int ok = 0;
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && write(fd, "srvr", 4) == 4) {
        ssize_t r;
        while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
            len += (size_t)r;
        buf[len] = '\0';
        ok = strstr(buf, "Mode: standalone") || strstr(buf, "Mode: leader") ||
             strstr(buf, "Mode: follower");
    }
    close(fd);
    return ok;
}

static int run_wait(const opts *o) {
    int64_t t0 = now_ns(), deadline = t0 + (int64_t)(o->timeout * 1e9);
    char *list = strdup(o->hosts);
    for (;;) {
        int all = 1;
        char *save = NULL, *tmp = strdup(list);
        for (char *h = strtok_r(tmp, ",", &save); h && all; h = strtok_r(NULL, ",", &save))
            all = serving(h);
        free(tmp);
        if (all)
            break;
        if (now_ns() >= deadline) {
            printf("ready_ns=timeout waited_ms=%.0f\n", (double)(now_ns() - t0) / 1e6);
            return 1;
        }
        sleep_ms(2);
    }
    printf("ready_ns=%" PRId64 " waited_ms=%.1f\n", wall_ns(), (double)(now_ns() - t0) / 1e6);
    free(list);
    return 0;
}

/* ------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------- */
static void usage(void) {
    fprintf(stderr,
            "usage: zk_bench write|read|latency|failover|wait -z HOSTS [-P PREFIX] [-S SESSIONS]\n"
            "       [-F IN_FLIGHT] [-s SIZE] [-k ZNODES] [-n MAX_OPS] [-T SECONDS] [-W WARMUP_S]\n"
            "       [-o create|set|get] [-K PID] [-t SESSION_MS]\n");
    exit(2);
}

int main(int argc, char **argv) {
    opts o = {.prefix = "/zkbench", .sessions = 16, .inflight = 8, .size = 1024,
              .max_ops = 5000000, .timeout = 10, .warmup = 1, .session_ms = 10000};
    const char *op = NULL;
    if (argc < 2)
        usage();
    o.mode = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "z:P:S:F:s:k:n:T:W:o:K:t:")) != -1) {
        switch (c) {
        case 'z': o.hosts = optarg; break;
        case 'P': o.prefix = optarg; break;
        case 'S': o.sessions = atoi(optarg); break;
        case 'F': o.inflight = atoi(optarg); break;
        case 's': o.size = atoi(optarg); break;
        case 'k': o.znodes = atoi(optarg); break;
        case 'n': o.max_ops = atol(optarg); break;
        case 'T': o.timeout = atof(optarg); break;
        case 'W': o.warmup = atof(optarg); break;
        case 'o': op = optarg; break;
        case 'K': o.kill_pid = (pid_t)atol(optarg); break;
        case 't': o.session_ms = atoi(optarg); break;
        default: usage();
        }
    }
    if (!o.hosts || o.sessions < 1 || o.inflight < 1 || o.size < 0 || o.size > 1000000 ||
        o.max_ops < 1 || o.timeout <= 0 || o.warmup < 0 || o.session_ms < 1)
        usage();
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    if (!strcmp(o.mode, "wait"))
        return run_wait(&o);
    if (!strcmp(o.mode, "failover"))
        return o.kill_pid > 1 ? run_failover(&o) : (usage(), 2);
    if (!strcmp(o.mode, "write")) {
        o.op = OP_SET;
    } else if (!strcmp(o.mode, "read")) {
        o.op = OP_GET;
    } else if (!strcmp(o.mode, "latency")) {
        o.sessions = o.inflight = 1;
        if (!op || !strcmp(op, "set"))
            o.op = OP_SET;
        else if (!strcmp(op, "get"))
            o.op = OP_GET;
        else if (!strcmp(op, "create"))
            o.op = OP_CREATE;
        else
            usage();
    } else {
        usage();
    }
    return run_load(&o);
}
