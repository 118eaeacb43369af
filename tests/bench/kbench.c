/* kbench.c -- the load generator of `make bench`: one librdkafka client that
 * creates a topic, produces a bounded number of messages as fast as it can or
 * at a fixed rate, or consumes a topic from its start to its end, and prints
 * one line of key=value results for tests/bench/run to tabulate.
 *
 *   kbench create  -b HOST:PORT -t TOPIC -p PARTITIONS [-R REPLICATION_FACTOR]
 *   kbench produce -b HOST:PORT -t TOPIC -n COUNT -s SIZE -a ACKS
 *                  [-r MSGS_PER_S] [-l LINGER_MS] [-E] [-D FILE]
 *   kbench consume -b HOST:PORT -t TOPIC [-n MAX_COUNT]
 *   every mode:    [-T SECONDS]  give up after this long (default 60)
 *                  [-X KEY=VALUE]... librdkafka settings for the client(s)
 *
 * produce prints  msgs= bytes= secs= errors= cpu=     and, with -r,
 *                 p50_ms= p99_ms= max_ms=  (delivery-report latency:
 *                 from rd_kafka_producev() to the delivery report)
 *                 with -E (needs -r, SIZE >= 8) also e2e_msgs= e2e_p50_ms=
 *                 e2e_p99_ms= e2e_max_ms=: end-to-end latency, from
 *                 rd_kafka_producev() to the record's arrival at a consumer
 *                 of the same process (a second client on its own thread,
 *                 reading every partition from the high watermarks seen
 *                 before the first send; the send time travels in the
 *                 value's first 8 bytes)
 *                 with -D FILE, one line "WALL_NS BROKER_ID" per successful
 *                 delivery report (when it arrived, which broker answered)
 * consume prints  msgs= bytes= secs= expected= cpu=
 * (bytes are payload bytes; cpu is this client's user+system seconds.)
 *
 * The consumer uses librdkafka's legacy per-partition API from
 * RD_KAFKA_OFFSET_BEGINNING: no consumer group is involved, and it stops at
 * the high watermarks it saw before starting.  Exit status: 0 when the whole
 * count was produced/consumed in time, 1 otherwise (results still printed),
 * 2 on usage or setup errors. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "bench_clock.h"

typedef struct opts {
    const char *mode;
    const char *brokers;
    const char *topic;
    long count;       /* -n: messages to produce / at most to consume */
    int size;         /* -s: value bytes */
    const char *acks; /* -a: "1", "all", ... */
    long rate;        /* -r: messages/s, 0 = as fast as possible */
    int linger_ms;    /* -l: linger.ms, -1 = librdkafka's default */
    int partitions;   /* -p: for create */
    int replication;  /* -R: replication factor for create */
    int e2e;          /* -E: also measure produce-to-consume latency */
    const char *dr_log; /* -D: file of "wall_ns broker_id" per delivery */
    const char *extra[16]; /* -X: librdkafka KEY=VALUE settings */
    int nextra;
    double timeout;   /* -T: seconds */
} opts;

/* ------------------------------------------------------------------------
 * Small utilities
 * ---------------------------------------------------------------------- */
static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "kbench: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static void conf_set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[256];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        die("config: %s", err);
}

static rd_kafka_t *client_new(const opts *o, rd_kafka_type_t type, rd_kafka_conf_t *conf) {
    char err[256];
    conf_set(conf, "bootstrap.servers", o->brokers);
    conf_set(conf, "client.id", "kbench");
    for (int i = 0; i < o->nextra; i++) {
        char key[128];
        const char *eq = strchr(o->extra[i], '=');
        if (!eq || eq == o->extra[i] || (size_t)(eq - o->extra[i]) >= sizeof key)
            die("-X %s: not KEY=VALUE", o->extra[i]);
        memcpy(key, o->extra[i], (size_t)(eq - o->extra[i]));
        key[eq - o->extra[i]] = '\0';
        conf_set(conf, key, eq + 1);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk)
        die("rd_kafka_new: %s", err);
    return rk;
}

/* Number of partitions of the topic, waiting (bounded) until every one has a
 * leader; 0 if that does not happen before the deadline. */
static int wait_partitions(rd_kafka_t *rk, const char *topic, int want, int64_t deadline) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = 0;
    while (now_ns() < deadline) {
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            n = 0;
            if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                n = md->topics[0].partition_cnt;
                for (int i = 0; i < md->topics[0].partition_cnt; i++)
                    if (md->topics[0].partitions[i].leader < 0)
                        n = 0;
            }
            rd_kafka_metadata_destroy(md);
            if (n > 0 && (want <= 0 || n == want))
                break;
        }
        n = 0;
        usleep(100000);
    }
    rd_kafka_topic_destroy(rkt);
    return n;
}

/* ------------------------------------------------------------------------
 * create
 * ---------------------------------------------------------------------- */
static int run_create(const opts *o) {
    int64_t deadline = now_ns() + (int64_t)(o->timeout * 1e9);
    rd_kafka_t *rk = client_new(o, RD_KAFKA_PRODUCER, rd_kafka_conf_new());
    char err[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(o->topic, o->partitions, o->replication, err,
                                                     sizeof err);
    if (!nt)
        die("NewTopic: %s", err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(o->timeout * 1000));
    int rc = 2;
    if (!ev) {
        fprintf(stderr, "kbench: CreateTopics: no answer\n");
    } else {
        size_t n = 0;
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
        rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
        if (!e && n == 1)
            e = rd_kafka_topic_result_error(tr[0]);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            fprintf(stderr, "kbench: CreateTopics %s: %s\n", o->topic, rd_kafka_err2str(e));
        else if (wait_partitions(rk, o->topic, o->partitions, deadline) == o->partitions)
            rc = 0;
        else
            fprintf(stderr, "kbench: %s: not all %d partitions have a leader\n", o->topic,
                    o->partitions);
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    if (rc == 0)
        printf("created=%s partitions=%d\n", o->topic, o->partitions);
    return rc;
}

/* ------------------------------------------------------------------------
 * produce
 * ---------------------------------------------------------------------- */
typedef struct produce_state {
    long delivered; /* delivery reports without error */
    long errors;    /* delivery reports with an error */
    int64_t *sent;  /* with -r: enqueue time of message i (ns) */
    int32_t *lat;   /* with -r: latency of message i (us), -1 until reported */
    int64_t last_dr;
    FILE *dr_log;   /* with -D */
} produce_state;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    produce_state *st = opaque;
    (void)rk;
    int64_t t = now_ns();
    st->last_dr = t;
    if (m->err) {
        if (st->errors++ < 5)
            fprintf(stderr, "kbench: delivery failed: %s\n", rd_kafka_err2str(m->err));
        return;
    }
    st->delivered++;
    if (st->dr_log)
        fprintf(st->dr_log, "%" PRId64 " %" PRId32 "\n", wall_ns(), rd_kafka_message_broker_id(m));
    if (st->lat) {
        long i = (long)(intptr_t)m->_private;
        st->lat[i] = (int32_t)((t - st->sent[i]) / 1000);
    }
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* sorts lat[0..n) and prints " PREFIXp50_ms= PREFIXp99_ms= PREFIXmax_ms=" */
static void print_percentiles(const char *prefix, int32_t *lat, long n) {
    if (n <= 0)
        return;
    qsort(lat, (size_t)n, sizeof *lat, cmp_i32);
    printf(" %sp50_ms=%.2f %sp99_ms=%.2f %smax_ms=%.2f", prefix, lat[n / 2] / 1000.0, prefix,
           lat[n * 99 / 100] / 1000.0, prefix, lat[n - 1] / 1000.0);
}

/* The -E consumer: a second client on its own thread that reads the topic
 * from the high watermarks seen before the first send and times each
 * record's arrival against the send time in its value's first 8 bytes. */
typedef struct e2e_consumer {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    rd_kafka_queue_t *q;
    int partitions;
    long cap;           /* size of lat */
    long got;           /* records timed */
    int32_t *lat;       /* us */
    volatile int stop;  /* set by the producer's thread when it is done */
    pthread_t thread;
} e2e_consumer;

/* One record per call: rd_kafka_consume_batch_queue() would hold records
 * back until its batch is full or its timeout passes. */
static void *e2e_run(void *arg) {
    e2e_consumer *c = arg;
    while (!c->stop) {
        rd_kafka_message_t *m = rd_kafka_consume_queue(c->q, 50);
        if (!m)
            continue;
        int64_t t = now_ns();
        if (!m->err && m->len >= 8 && c->got < c->cap) {
            int64_t sent;
            memcpy(&sent, m->payload, sizeof sent);
            c->lat[c->got++] = (int32_t)((t - sent) / 1000);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static void e2e_start(e2e_consumer *c, const opts *o, long cap, int64_t deadline) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_set(conf, "enable.auto.commit", "false");
    conf_set(conf, "enable.partition.eof", "false");
    c->rk = client_new(o, RD_KAFKA_CONSUMER, conf);
    c->partitions = wait_partitions(c->rk, o->topic, 0, deadline);
    if (c->partitions <= 0)
        die("topic %s has no usable partitions", o->topic);
    c->cap = cap;
    c->lat = malloc((size_t)cap * sizeof *c->lat);
    if (!c->lat)
        die("%s", "out of memory");
    c->rkt = rd_kafka_topic_new(c->rk, o->topic, NULL);
    c->q = rd_kafka_queue_new(c->rk);
    for (int p = 0; p < c->partitions; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(c->rk, o->topic, p, &lo, &hi, 10000);
        if (e)
            die("watermarks: %s", rd_kafka_err2str(e));
        if (rd_kafka_consume_start_queue(c->rkt, p, hi, c->q) != 0)
            die("consume_start: %s", rd_kafka_err2str(rd_kafka_last_error()));
    }
    if (pthread_create(&c->thread, NULL, e2e_run, c) != 0)
        die("%s", "pthread_create failed");
}

/* Waits (until deadline) for `want` records, stops the consumer, prints its
 * results and frees it. */
static void e2e_finish(e2e_consumer *c, long want, int64_t deadline) {
    while (c->got < want && c->got < c->cap && now_ns() < deadline)
        usleep(10000);
    c->stop = 1;
    pthread_join(c->thread, NULL);
    printf(" e2e_msgs=%ld", c->got);
    print_percentiles("e2e_", c->lat, c->got);
    for (int p = 0; p < c->partitions; p++)
        rd_kafka_consume_stop(c->rkt, p);
    rd_kafka_queue_destroy(c->q);
    rd_kafka_topic_destroy(c->rkt);
    rd_kafka_destroy(c->rk);
    free(c->lat);
}

/* Serves delivery reports until `until` (absolute ns): sleeps in ppoll() on
 * the fd librdkafka writes to when its main queue gets an event, so a report
 * is timed when it arrives, not when the next send is due. */
static void serve_until(rd_kafka_t *rk, int evfd, int64_t until) {
    for (;;) {
        rd_kafka_poll(rk, 0);
        int64_t left = until - now_ns();
        if (left <= 0)
            return;
        struct pollfd pfd = {.fd = evfd, .events = POLLIN};
        struct timespec ts = {.tv_sec = left / 1000000000, .tv_nsec = left % 1000000000};
        if (ppoll(&pfd, 1, &ts, NULL) > 0) {
            char drain[64];
            while (read(evfd, drain, sizeof drain) > 0)
                ;
        }
    }
}

static int run_produce(const opts *o) {
    produce_state st = {0};
    char v[32];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_set(conf, "acks", o->acks);
    conf_set(conf, "enable.idempotence", "false");
    conf_set(conf, "compression.codec", "none");
    conf_set(conf, "queue.buffering.max.messages", "500000");
    conf_set(conf, "queue.buffering.max.kbytes", "524288");
    snprintf(v, sizeof v, "%d", (int)(o->timeout * 1000));
    conf_set(conf, "message.timeout.ms", v);
    if (o->linger_ms >= 0) {
        snprintf(v, sizeof v, "%d", o->linger_ms);
        conf_set(conf, "linger.ms", v);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &st);
    rd_kafka_t *rk = client_new(o, RD_KAFKA_PRODUCER, conf);

    int64_t deadline = now_ns() + (int64_t)(o->timeout * 1e9);
    if (wait_partitions(rk, o->topic, 0, deadline) <= 0)
        die("topic %s has no usable partitions", o->topic);

    char *payload = malloc((size_t)o->size + 1);
    for (int i = 0; i < o->size; i++)
        payload[i] = (char)('a' + (i * 7 + i / 26) % 26);
    if (o->dr_log && !(st.dr_log = fopen(o->dr_log, "w")))
        die("cannot write %s", o->dr_log);
    e2e_consumer consumer = {0};
    if (o->e2e) {
        e2e_start(&consumer, o, o->count, deadline);
        usleep(1000000); /* its fetchers connect and wait at the high watermarks */
    }
    int pipefd[2] = {-1, -1};
    if (o->rate > 0) {
        st.sent = calloc((size_t)o->count, sizeof *st.sent);
        st.lat = malloc((size_t)o->count * sizeof *st.lat);
        memset(st.lat, 0xff, (size_t)o->count * sizeof *st.lat);
        if (!st.sent || !st.lat || pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
            die("%s", "out of memory or pipes");
        rd_kafka_queue_t *mq = rd_kafka_queue_get_main(rk);
        rd_kafka_queue_io_event_enable(mq, pipefd[1], "x", 1);
        rd_kafka_queue_destroy(mq);
    }

    double cpu0 = cpu_seconds();
    int64_t t0 = now_ns();
    long sent = 0;
    while (sent < o->count && now_ns() < deadline) {
        if (o->rate > 0)
            serve_until(rk, pipefd[0], t0 + (int64_t)((double)sent * 1e9 / (double)o->rate));
        if (st.sent)
            st.sent[sent] = now_ns();
        if (o->e2e)
            memcpy(payload, &st.sent[sent], sizeof st.sent[sent]);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_VALUE(payload, (size_t)o->size),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)(intptr_t)sent),
            RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 5);
            continue;
        }
        if (e)
            die("produce: %s", rd_kafka_err2str(e));
        sent++;
        if (o->rate <= 0 && sent % 1024 == 0)
            rd_kafka_poll(rk, 0);
    }
    while (st.delivered + st.errors < sent && now_ns() < deadline) {
        if (o->rate > 0)
            serve_until(rk, pipefd[0], now_ns() + 1000000);
        else
            rd_kafka_poll(rk, 10);
    }
    int64_t t1 = st.last_dr ? st.last_dr : now_ns();
    double cpu = cpu_seconds() - cpu0;

    printf("msgs=%ld bytes=%ld secs=%.3f errors=%ld cpu=%.2f", st.delivered,
           st.delivered * (long)o->size, (double)(t1 - t0) / 1e9, st.errors, cpu);
    if (st.lat) {
        long n = 0;
        for (long i = 0; i < sent; i++)
            if (st.lat[i] >= 0)
                st.lat[n++] = st.lat[i];
        print_percentiles("", st.lat, n);
    }
    if (o->e2e)
        e2e_finish(&consumer, st.delivered, now_ns() + 5000000000LL);
    printf("\n");
    if (st.dr_log)
        fclose(st.dr_log);

    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, 1000);
    rd_kafka_destroy(rk);
    if (pipefd[0] >= 0) {
        close(pipefd[0]);
        close(pipefd[1]);
    }
    free(payload);
    free(st.sent);
    free(st.lat);
    return st.delivered == o->count ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * consume
 * ---------------------------------------------------------------------- */
static int run_consume(const opts *o) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_set(conf, "enable.auto.commit", "false");
    conf_set(conf, "enable.partition.eof", "false");
    rd_kafka_t *rk = client_new(o, RD_KAFKA_CONSUMER, conf);
    int64_t deadline = now_ns() + (int64_t)(o->timeout * 1e9);
    int np = wait_partitions(rk, o->topic, 0, deadline);
    if (np <= 0)
        die("topic %s has no usable partitions", o->topic);

    long expected = 0;
    for (int p = 0; p < np; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, o->topic, p, &lo, &hi, 10000);
        if (e)
            die("watermarks: %s", rd_kafka_err2str(e));
        expected += (long)(hi - lo);
    }
    if (o->count > 0 && expected > o->count)
        expected = o->count;

    rd_kafka_topic_conf_t *tconf = rd_kafka_topic_conf_new();
    char err[256];
    rd_kafka_topic_conf_set(tconf, "auto.commit.enable", "false", err, sizeof err);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, tconf);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);

    double cpu0 = cpu_seconds();
    int64_t t0 = now_ns();
    for (int p = 0; p < np; p++)
        if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q) != 0)
            die("consume_start: %s", rd_kafka_err2str(rd_kafka_last_error()));

    long msgs = 0, bytes = 0, errors = 0;
    rd_kafka_message_t *batch[1024];
    while (msgs < expected && now_ns() < deadline) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch, 1024);
        for (ssize_t i = 0; i < n; i++) {
            if (batch[i]->err) {
                if (errors++ < 5)
                    fprintf(stderr, "kbench: consume: %s\n", rd_kafka_message_errstr(batch[i]));
            } else if (msgs < expected) { /* the last batch may run past the count */
                msgs++;
                bytes += (long)batch[i]->len;
            }
            rd_kafka_message_destroy(batch[i]);
        }
    }
    int64_t t1 = now_ns();
    double cpu = cpu_seconds() - cpu0;
    printf("msgs=%ld bytes=%ld secs=%.3f expected=%ld errors=%ld cpu=%.2f\n", msgs, bytes,
           (double)(t1 - t0) / 1e9, expected, errors, cpu);

    for (int p = 0; p < np; p++)
        rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return msgs >= expected ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------- */
static void usage(void) {
    fprintf(stderr, "usage: kbench create|produce|consume -b BROKERS -t TOPIC [-p PARTITIONS]\n"
                    "       [-R RF] [-n COUNT] [-s SIZE] [-a ACKS] [-r RATE] [-l LINGER_MS] [-E]\n"
                    "       [-D DELIVERY_LOG] [-X KEY=VALUE]... [-T SECONDS]\n");
    exit(2);
}

int main(int argc, char **argv) {
    opts o = {.count = 100000, .size = 100, .acks = "1", .linger_ms = -1, .partitions = 1,
              .replication = 1, .timeout = 60};
    if (argc < 2)
        usage();
    o.mode = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "b:t:n:s:a:r:l:p:R:ED:X:T:")) != -1) {
        switch (c) {
        case 'b': o.brokers = optarg; break;
        case 't': o.topic = optarg; break;
        case 'n': o.count = atol(optarg); break;
        case 's': o.size = atoi(optarg); break;
        case 'a': o.acks = optarg; break;
        case 'r': o.rate = atol(optarg); break;
        case 'l': o.linger_ms = atoi(optarg); break;
        case 'p': o.partitions = atoi(optarg); break;
        case 'R': o.replication = atoi(optarg); break;
        case 'E': o.e2e = 1; break;
        case 'D': o.dr_log = optarg; break;
        case 'X':
            if (o.nextra == (int)(sizeof o.extra / sizeof o.extra[0]))
                usage();
            o.extra[o.nextra++] = optarg;
            break;
        case 'T': o.timeout = atof(optarg); break;
        default: usage();
        }
    }
    if (!o.brokers || !o.topic || o.count < 0 || o.size < 0 || o.partitions < 1 || o.replication < 1 ||
        o.timeout <= 0 || (o.e2e && (o.rate <= 0 || o.size < 8)))
        usage();
    if (!strcmp(o.mode, "create"))
        return run_create(&o);
    if (!strcmp(o.mode, "produce"))
        return o.count > 0 ? run_produce(&o) : 2;
    if (!strcmp(o.mode, "consume"))
        return run_consume(&o);
    usage();
    return 2;
}
