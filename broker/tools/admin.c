/* admin.c -- the tools' blocking admin client: bootstrap, ApiVersions,
 * Metadata and the admin APIs (CreateTopics, DeleteTopics,
 * CreatePartitions, DescribeConfigs, AlterConfigs, IncrementalAlterConfigs,
 * DeleteRecords, ListOffsets, ElectLeaders).
 *
 * One blocking socket per broker with poll()-bounded reads and writes, so
 * every call finishes within the client's timeout. Requests use header v1
 * (client id "adminclient-1") and only non-flexible versions: the highest
 * version both sides support, capped at what this file encodes. Controller
 * requests follow the controller from Metadata (retrying NOT_CONTROLLER);
 * DeleteRecords and ListOffsets go to each partition's leader.
 *
 * Responses are decoded with the rbuf macros: any short or malformed field
 * jumps to the decoder's single err_parse exit, which reports
 * "malformed <Api> response" and fails the call. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "anet.h"
#include "tools.h"

#define KEY_Produce 0
#define KEY_ListOffsets 2
#define KEY_Metadata 3
#define KEY_ApiVersions 18
#define KEY_CreateTopics 19
#define KEY_DeleteTopics 20
#define KEY_DeleteRecords 21
#define KEY_DescribeConfigs 32
#define KEY_AlterConfigs 33
#define KEY_CreatePartitions 37
#define KEY_ElectLeaders 43
#define KEY_IncrementalAlterConfigs 44
#define ERR_NOT_CONTROLLER 41
#define ERR_UNKNOWN_TOPIC_OR_PARTITION 3
#define ERR_LEADER_NOT_AVAILABLE 5

/* ------------------------------------------------------------------------
 * Arena
 * ---------------------------------------------------------------------- */
struct ka_arena_blk {
    ka_arena_blk *next;
    size_t used, cap;
    max_align_t data[];
};

void *ka_alloc(kadmin *a, size_t n) {
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n == 0)
        n = sizeof(max_align_t);
    ka_arena_blk *b = a->arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(sizeof(*b) + cap);
        if (!b)
            abort();
        b->used = 0;
        b->cap = cap;
        b->next = a->arena;
        a->arena = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *ka_strdup(kadmin *a, const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *d = ka_alloc(a, n + 1);
    memcpy(d, s, n);
    return d;
}

char *ka_kstrdup(kadmin *a, kstr k) {
    if (KSTR_IS_NULL(k))
        return NULL;
    char *d = ka_alloc(a, (size_t)k.len + 1);
    memcpy(d, k.s, (size_t)k.len);
    return d;
}

/* ------------------------------------------------------------------------
 * Sockets
 * ---------------------------------------------------------------------- */
static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_err(kadmin *a, const char *fmt, const char *s1, int n) {
    snprintf(a->err, sizeof(a->err), fmt, s1, n);
}

/* A connected non-blocking socket, or -1. A TCP connection that was tried
 * and failed leaves its address (Java's form) in tried. */
static int sock_connect(const char *host, int port, int timeout_ms, char *tried, size_t triedlen) {
    char pbuf[16];
    snprintf(pbuf, sizeof(pbuf), "%d", port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, pbuf, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        anetNonBlock(NULL, fd);
        java_socket_address(host, ai->ai_addr, tried, triedlen);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd pfd = {fd, POLLOUT, 0};
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (poll(&pfd, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
            soerr != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd >= 0)
        anetEnableTcpNoDelay(NULL, fd);
    return fd;
}

static int io_full(int fd, void *buf, size_t len, int writing, int64_t deadline) {
    size_t done = 0;
    while (done < len) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {fd, (short)(writing ? POLLOUT : POLLIN), 0};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t n = writing ? send(fd, (char *)buf + done, len - done, MSG_NOSIGNAL)
                            : recv(fd, (char *)buf + done, len - done, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static void conn_close(ka_conn *c) {
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* ------------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------- */
/* flexible: request header v2 and response header v1 (tagged fields).
 * The answer must have arrived by deadline. */
static int call_with_header(kadmin *a, ka_conn *c, int16_t key, int16_t ver, int flexible,
                            const wbuf *body, wbuf *resp, int64_t deadline) {
    wbuf req;
    wb_init(&req, 64 + body->len);
    wb_i32(&req, 0);
    wb_i16(&req, key);
    wb_i16(&req, ver);
    int32_t corr = ++a->corr;
    wb_i32(&req, corr);
    wb_cstr(&req, a->client_id);
    if (flexible)
        wb_uvarint(&req, 0); /* no tagged fields */
    wb_write(&req, body->data, body->len);
    wb_put_i32(&req, 0, (int32_t)(req.len - 4));
    int rc = io_full(c->fd, req.data, req.len, 1, deadline);
    wb_free(&req);
    uint8_t hdr[8];
    if (rc == 0)
        rc = io_full(c->fd, hdr, 4, 0, deadline);
    int32_t size = rc == 0 ? (int32_t)be32_get(hdr) : 0;
    if (rc == 0 && (size < 4 || size > 256 * 1024 * 1024))
        rc = -1;
    if (rc == 0) {
        rc = io_full(c->fd, hdr + 4, 4, 0, deadline);
        if (rc == 0 && (int32_t)be32_get(hdr + 4) != corr)
            rc = -1;
    }
    if (rc == 0) {
        wb_reset(resp);
        wb_reserve(resp, (size_t)size - 4);
        rc = io_full(c->fd, resp->data, (size_t)size - 4, 0, deadline);
        resp->len = rc == 0 ? (size_t)size - 4 : 0;
    }
    if (rc == 0 && flexible) { /* drop the response header's tagged fields */
        rbuf r;
        rb_init(&r, resp->data, resp->len);
        if (rb_skip_tags(&r) != 0)
            rc = -1;
        else {
            size_t used = resp->len - rb_remain(&r);
            memmove(resp->data, (uint8_t *)resp->data + used, resp->len - used);
            resp->len -= used;
        }
    }
    if (rc != 0) {
        snprintf(a->err, sizeof(a->err),
                 "org.apache.kafka.common.errors.TimeoutException: Call(callName=%d) timed out or the "
                 "connection to %s:%d was lost.",
                 key, c->host, c->port);
        conn_close(c);
        return -1;
    }
    return 0;
}

int ka_call(kadmin *a, ka_conn *c, int16_t key, int16_t ver, const wbuf *body, wbuf *resp) {
    return call_with_header(a, c, key, ver, 0, body, resp, now_ms() + a->request_timeout_ms);
}

int ka_call_flexible(kadmin *a, ka_conn *c, int16_t key, int16_t ver, const wbuf *body,
                     wbuf *resp) {
    return call_with_header(a, c, key, ver, 1, body, resp, now_ms() + a->request_timeout_ms);
}

int ka_version(const ka_conn *c, int key, int client_max) {
    if (key < 0 || key >= KA_MAX_API || c->vmax[key] < 0 || c->vmin[key] > client_max)
        return -1;
    return c->vmax[key] < client_max ? c->vmax[key] : client_max;
}

static int parse_api_versions(ka_conn *c, int ver, const wbuf *resp, int16_t *errp) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int16_t err;
    int32_t n;
    rb_read_i16(&r, &err);
    rb_read_i32(&r, &n);
    rb_check_count(&r, n, 6);
    *errp = err;
    for (int i = 0; i < KA_MAX_API; i++)
        c->vmin[i] = c->vmax[i] = -1;
    c->napis = 0;
    for (int32_t i = 0; i < n; i++) {
        int16_t k, mn, mx;
        rb_read_i16(&r, &k);
        rb_read_i16(&r, &mn);
        rb_read_i16(&r, &mx);
        if (k >= 0 && k < KA_MAX_API) {
            c->vmin[k] = mn;
            c->vmax[k] = mx;
        }
        if (c->napis < (int)(sizeof(c->apis) / sizeof(c->apis[0]))) {
            c->apis[c->napis].key = k;
            c->apis[c->napis].min = mn;
            c->apis[c->napis].max = mx;
            c->napis++;
        }
    }
    if (ver >= 1) {
        int32_t throttle;
        rb_read_i32(&r, &throttle);
    }
    return 0;
err_parse:
    return -1;
}

/* ApiVersions v2, falling back to v0 when the broker says UNSUPPORTED_VERSION;
 * each answer within the request timeout, and all by deadline. */
static int conn_handshake(kadmin *a, ka_conn *c, int64_t deadline) {
    wbuf body, resp;
    wb_init(&body, 8);
    wb_init(&resp, 1024);
    int rc = -1;
    for (int ver = 2; ver >= 0; ver -= 2) {
        int64_t by = now_ms() + a->request_timeout_ms;
        if (call_with_header(a, c, KEY_ApiVersions, (int16_t)ver, 0, &body, &resp,
                             by < deadline ? by : deadline) != 0)
            break;
        int16_t err = 0;
        if (parse_api_versions(c, ver, &resp, &err) != 0) {
            if (ver == 2) {
                /* a v0-format error body: retry v0 */
                continue;
            }
            snprintf(a->err, sizeof(a->err), "malformed ApiVersions response from %s:%d", c->host, c->port);
            break;
        }
        if (err == 35 && ver == 2)
            continue;
        if (err) {
            char b[512];
            snprintf(a->err, sizeof(a->err), "%s", kerror_string(err, NULL, b, sizeof(b)));
            break;
        }
        rc = 0;
        break;
    }
    wb_free(&body);
    wb_free(&resp);
    return rc;
}

/* java_node: the node id the Java client logs (-1, -2... for the bootstrap
 * servers in order); a failed TCP connection is logged with it, as
 * NetworkClient does. */
static ka_conn *conn_open(kadmin *a, int32_t node, int32_t java_node, const char *host, int port,
                          int64_t deadline) {
    ka_conn *c = NULL;
    for (int i = 0; i < a->nconns; i++)
        if (a->conns[i].fd < 0) {
            c = &a->conns[i];
            break;
        }
    if (!c) {
        if (a->nconns == KA_MAX_CONNS)
            return NULL;
        c = &a->conns[a->nconns++];
    }
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->node = node;
    snprintf(c->host, sizeof(c->host), "%s", host);
    c->port = port;
    int64_t left = deadline - now_ms();
    if (left <= 0)
        return NULL;
    char tried[320] = "";
    c->fd = sock_connect(host, port, (int)(left < 5000 ? left : 5000), tried, sizeof(tried));
    if (c->fd < 0) {
        if (*tried) {
            char client[300];
            snprintf(client, sizeof(client), "[AdminClient clientId=%s] ", a->client_id);
            log_not_connected(client, java_node, tried);
        }
        return NULL;
    }
    if (conn_handshake(a, c, deadline) != 0) {
        conn_close(c);
        return NULL;
    }
    return c;
}

int ka_init(kadmin *a, const char *bootstrap, int timeout_ms) {
    memset(a, 0, sizeof(*a));
    a->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
    a->request_timeout_ms = a->timeout_ms;
    a->client_id = "adminclient-1";
    for (int i = 0; i < KA_MAX_CONNS; i++)
        a->conns[i].fd = -1;
    if (!bootstrap || strlen(bootstrap) >= sizeof(a->bootstrap)) {
        snprintf(a->err, sizeof(a->err), "No resolvable bootstrap urls given in bootstrap.servers");
        return -1;
    }
    snprintf(a->bootstrap, sizeof(a->bootstrap), "%s", bootstrap);
    /* validate every entry now, as the Java client does */
    char copy[1024], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", bootstrap);
    int n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        char host[256];
        int port;
        if (anetParseHostPort(t, host, sizeof(host), &port) != 0 || !*host) {
            snprintf(a->err, sizeof(a->err), "Invalid url in bootstrap.servers: %s", t);
            return -1;
        }
        n++;
    }
    if (n == 0) {
        snprintf(a->err, sizeof(a->err), "No resolvable bootstrap urls given in bootstrap.servers");
        return -1;
    }
    return 0;
}

void ka_close(kadmin *a) {
    for (int i = 0; i < a->nconns; i++)
        conn_close(&a->conns[i]);
    ka_arena_blk *b = a->arena;
    while (b) {
        ka_arena_blk *n = b->next;
        free(b);
        b = n;
    }
    a->arena = NULL;
    a->md = NULL;
}

ka_conn *ka_any(kadmin *a) {
    for (int i = 0; i < a->nconns; i++)
        if (a->conns[i].fd >= 0)
            return &a->conns[i];
    int64_t deadline = now_ms() + a->timeout_ms;
    int backoff = 50; /* reconnect.backoff.ms, doubling to reconnect.backoff.max.ms */
    for (;;) {
        char copy[1024], *save = NULL;
        snprintf(copy, sizeof(copy), "%s", a->bootstrap);
        int i = 0;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            char host[256];
            int port;
            i++;
            if (anetParseHostPort(t, host, sizeof(host), &port) != 0)
                continue;
            ka_conn *c = conn_open(a, -1, -i, host, port, deadline);
            if (c)
                return c;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        usleep((useconds_t)((left < backoff ? left : backoff) * 1000));
        backoff = backoff * 2 < 1000 ? backoff * 2 : 1000;
    }
    snprintf(a->err, sizeof(a->err),
             "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.");
    return NULL;
}

const ka_broker *ka_md_broker(const ka_metadata *md, int32_t id) {
    for (int i = 0; md && i < md->nbrokers; i++)
        if (md->brokers[i].id == id)
            return &md->brokers[i];
    return NULL;
}

static int cmp_part(const void *x, const void *y);

const ka_topic *ka_md_topic(const ka_metadata *md, const char *name) {
    if (!md || !md->by_name)
        return NULL;
    int lo = 0, hi = md->ntopics; /* the first topic named name or after */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(md->by_name[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < md->ntopics && !strcmp(md->by_name[lo]->name, name) ? md->by_name[lo] : NULL;
}

const ka_partition *ka_md_partition(const ka_topic *t, int32_t id) {
    if (!t)
        return NULL;
    ka_partition key = {.id = id};
    return bsearch(&key, t->parts, (size_t)t->nparts, sizeof(ka_partition), cmp_part);
}

ka_conn *ka_node(kadmin *a, int32_t node) {
    for (int i = 0; i < a->nconns; i++)
        if (a->conns[i].fd >= 0 && a->conns[i].node == node)
            return &a->conns[i];
    if (!a->md && !ka_metadata_get(a, NULL, 0))
        return NULL;
    const ka_broker *b = ka_md_broker(a->md, node);
    if (!b) {
        snprintf(a->err, sizeof(a->err),
                 "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.");
        return NULL;
    }
    /* reuse a bootstrap connection to the same address */
    for (int i = 0; i < a->nconns; i++)
        if (a->conns[i].fd >= 0 && a->conns[i].node == -1 && a->conns[i].port == b->port &&
            !strcmp(a->conns[i].host, b->host)) {
            a->conns[i].node = node;
            return &a->conns[i];
        }
    ka_conn *c = conn_open(a, node, node, b->host, b->port, now_ms() + a->timeout_ms);
    if (!c)
        set_err(a, "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node "
                   "assignment (broker %s:%d unreachable).", b->host, b->port);
    return c;
}

/* ------------------------------------------------------------------------
 * Metadata
 * ---------------------------------------------------------------------- */
static int read_int_array(kadmin *a, rbuf *r, int *n, int32_t **out) {
    int32_t cnt;
    rb_read_i32(r, &cnt);
    rb_check_count(r, cnt, 4);
    *n = cnt < 0 ? 0 : cnt;
    *out = ka_alloc(a, (size_t)(*n ? *n : 1) * sizeof(int32_t));
    for (int32_t i = 0; i < cnt; i++)
        rb_read_i32(r, &(*out)[i]);
    return 0;
err_parse:
    return -1;
}

static int cmp_part(const void *x, const void *y) {
    const ka_partition *p = x, *q = y;
    return p->id < q->id ? -1 : p->id > q->id;
}

static int cmp_topic_name(const void *x, const void *y) {
    return strcmp((*(const ka_topic *const *)x)->name, (*(const ka_topic *const *)y)->name);
}

static int parse_metadata(kadmin *a, int v, const wbuf *resp, ka_metadata *md) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t n;
    kstr s;
    if (v >= 3) {
        int32_t throttle;
        rb_read_i32(&r, &throttle);
    }
    rb_read_i32(&r, &n);
    rb_check_count(&r, n, 10);
    md->nbrokers = n < 0 ? 0 : n;
    md->brokers = ka_alloc(a, (size_t)(md->nbrokers + 1) * sizeof(ka_broker));
    for (int32_t i = 0; i < n; i++) {
        ka_broker *b = &md->brokers[i];
        rb_read_i32(&r, &b->id);
        rb_read_str(&r, &s);
        b->host = ka_kstrdup(a, s);
        if (!b->host)
            b->host = ka_strdup(a, "");
        rb_read_i32(&r, &b->port);
        if (v >= 1) {
            rb_read_str(&r, &s);
            b->rack = ka_kstrdup(a, s);
        }
    }
    md->controller = -1;
    if (v >= 2) {
        rb_read_str(&r, &s);
        md->cluster_id = ka_kstrdup(a, s);
    }
    if (v >= 1)
        rb_read_i32(&r, &md->controller);
    rb_read_i32(&r, &n);
    rb_check_count(&r, n, 8);
    md->ntopics = n < 0 ? 0 : n;
    md->topics = ka_alloc(a, (size_t)(md->ntopics + 1) * sizeof(ka_topic));
    for (int32_t i = 0; i < n; i++) {
        ka_topic *t = &md->topics[i];
        int8_t internal = 0;
        int32_t np;
        rb_read_i16(&r, &t->err);
        rb_read_str(&r, &s);
        t->name = ka_kstrdup(a, s);
        if (!t->name)
            t->name = ka_strdup(a, "");
        if (v >= 1)
            rb_read_i8(&r, &internal);
        t->internal = internal;
        rb_read_i32(&r, &np);
        rb_check_count(&r, np, 18);
        t->nparts = np < 0 ? 0 : np;
        t->parts = ka_alloc(a, (size_t)(t->nparts + 1) * sizeof(ka_partition));
        for (int32_t j = 0; j < np; j++) {
            ka_partition *p = &t->parts[j];
            rb_read_i16(&r, &p->err);
            rb_read_i32(&r, &p->id);
            rb_read_i32(&r, &p->leader);
            if (v >= 7) {
                int32_t epoch;
                rb_read_i32(&r, &epoch);
            }
            if (read_int_array(a, &r, &p->nreplicas, &p->replicas) != 0)
                goto err_parse;
            if (read_int_array(a, &r, &p->nisr, &p->isr) != 0)
                goto err_parse;
            if (v >= 5 && read_int_array(a, &r, &p->noffline, &p->offline) != 0)
                goto err_parse;
        }
        qsort(t->parts, (size_t)t->nparts, sizeof(ka_partition), cmp_part);
        if (v >= 8) {
            int32_t ops;
            rb_read_i32(&r, &ops);
        }
    }
    md->by_name = ka_alloc(a, (size_t)(md->ntopics + 1) * sizeof(ka_topic *));
    for (int i = 0; i < md->ntopics; i++)
        md->by_name[i] = &md->topics[i];
    qsort(md->by_name, (size_t)md->ntopics, sizeof(ka_topic *), cmp_topic_name);
    return 0;
err_parse:
    return -1;
}

ka_metadata *ka_metadata_get(kadmin *a, const char *const *topics, int n) {
    ka_conn *c = ka_any(a);
    if (!c)
        return NULL;
    int v = ka_version(c, KEY_Metadata, 8);
    if (v < 1) {
        snprintf(a->err, sizeof(a->err),
                 "org.apache.kafka.common.errors.UnsupportedVersionException: The broker does not support METADATA");
        return NULL;
    }
    wbuf body, resp;
    wb_init(&body, 64);
    wb_init(&resp, 4096);
    if (!topics) {
        wb_i32(&body, -1);
    } else {
        wb_i32(&body, n);
        for (int i = 0; i < n; i++)
            wb_cstr(&body, topics[i]);
    }
    if (v >= 4)
        wb_i8(&body, 0); /* allow_auto_topic_creation */
    if (v >= 8) {
        wb_i8(&body, 0);
        wb_i8(&body, 0);
    }
    ka_metadata *md = NULL;
    if (ka_call(a, c, KEY_Metadata, (int16_t)v, &body, &resp) == 0) {
        md = ka_alloc(a, sizeof(*md));
        if (parse_metadata(a, v, &resp, md) != 0) {
            snprintf(a->err, sizeof(a->err), "malformed Metadata response from %s:%d", c->host, c->port);
            md = NULL;
        } else {
            a->md = md;
            /* the bootstrap connection's broker id, if its address is listed */
            for (int i = 0; i < md->nbrokers; i++)
                if (c->node == -1 && md->brokers[i].port == c->port && !strcmp(md->brokers[i].host, c->host))
                    c->node = md->brokers[i].id;
        }
    }
    wb_free(&body);
    wb_free(&resp);
    return md;
}

ka_conn *ka_controller(kadmin *a) {
    if (!ka_metadata_get(a, NULL, 0))
        return NULL;
    if (a->md->controller < 0)
        return ka_any(a);
    return ka_node(a, a->md->controller);
}

static void unsupported(kadmin *a, const char *api) {
    snprintf(a->err, sizeof(a->err),
             "org.apache.kafka.common.errors.UnsupportedVersionException: The broker does not support %s", api);
}

/* Sends to the controller, retrying a few times when a topic answer says
 * NOT_CONTROLLER. parse() fills results and returns 1 to ask for a retry. */
typedef int (*ctl_parse_fn)(kadmin *a, int v, const wbuf *resp, ka_result *res, int n);
typedef void (*ctl_build_fn)(const void *arg, int v, wbuf *body);

static int controller_call(kadmin *a, int16_t key, int maxv, const char *api, ctl_build_fn build,
                           const void *arg, ctl_parse_fn parse, ka_result *res, int n) {
    for (int attempt = 0; attempt < 5; attempt++) {
        ka_conn *c = ka_controller(a);
        if (!c)
            return -1;
        int v = ka_version(c, key, maxv);
        if (v < 0) {
            unsupported(a, api);
            return -1;
        }
        wbuf body, resp;
        wb_init(&body, 256);
        wb_init(&resp, 1024);
        build(arg, v, &body);
        int rc = ka_call(a, c, key, (int16_t)v, &body, &resp);
        if (rc == 0) {
            rc = parse(a, v, &resp, res, n);
            if (rc < 0)
                snprintf(a->err, sizeof(a->err), "malformed %s response from %s:%d", api, c->host, c->port);
        }
        wb_free(&body);
        wb_free(&resp);
        if (rc <= 0)
            return rc;
        usleep(200 * 1000);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Matching answers to requests: a request's items indexed by (leader,
 * topic, partition, position). The items one leader gets, grouped by
 * topic, are runs of the index, and the item an answer names is a binary
 * search away: n items cost O(n log n), where a scan of the items for
 * each answer cost O(n^2) (offsets of every partition of many topics).
 * ---------------------------------------------------------------------- */
typedef struct tp_key {
    int32_t leader;    /* the broker the item goes to; 0 when one gets all */
    const char *topic;
    int32_t partition; /* 0 for items that are topics */
    int pos;           /* the item's index in the request */
} tp_key;

typedef struct tp_index {
    tp_key *keys; /* sorted */
    int n;
    char *seen;   /* by position: an answer was matched to it */
} tp_index;

static int tp_key_cmp(const void *x, const void *y) {
    const tp_key *p = x, *q = y;
    if (p->leader != q->leader)
        return p->leader < q->leader ? -1 : 1;
    int c = strcmp(p->topic, q->topic);
    if (c)
        return c;
    if (p->partition != q->partition)
        return p->partition < q->partition ? -1 : 1;
    return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/* The sign of k against (leader, topic, partition), in tp_key_cmp's order
 * (strcmp's for the topic: bytes unsigned, a prefix first). */
static int tp_key_vs(const tp_key *k, int32_t leader, kstr topic, int32_t partition) {
    if (k->leader != leader)
        return k->leader < leader ? -1 : 1;
    size_t kl = strlen(k->topic), tl = topic.len > 0 ? (size_t)topic.len : 0;
    int c = kl && tl ? memcmp(k->topic, topic.s, kl < tl ? kl : tl) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    if (kl != tl)
        return kl < tl ? -1 : 1;
    if (k->partition != partition)
        return k->partition < partition ? -1 : 1;
    return 0;
}

/* Items i of tps (topic, partition) with leaders[i] (leaders NULL: all 0);
 * an item whose leader is below 0 is left out. */
static void index_tps(kadmin *a, tp_index *ix, const ka_tp_offset *tps, int n, const int32_t *leaders) {
    ix->keys = ka_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof(tp_key));
    ix->seen = ka_alloc(a, (size_t)(n > 0 ? n : 1));
    ix->n = 0;
    for (int i = 0; i < n; i++)
        if (!leaders || leaders[i] >= 0)
            ix->keys[ix->n++] = (tp_key){leaders ? leaders[i] : 0, tps[i].topic, tps[i].partition, i};
    qsort(ix->keys, (size_t)ix->n, sizeof(tp_key), tp_key_cmp);
}

/* Results i by name only (those with a name). */
static void index_results(kadmin *a, tp_index *ix, const ka_result *res, int n) {
    ix->keys = ka_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof(tp_key));
    ix->seen = ka_alloc(a, (size_t)(n > 0 ? n : 1));
    ix->n = 0;
    for (int i = 0; i < n; i++)
        if (res[i].name)
            ix->keys[ix->n++] = (tp_key){0, res[i].name, 0, i};
    qsort(ix->keys, (size_t)ix->n, sizeof(tp_key), tp_key_cmp);
}

/* The first key equal to (leader, topic, partition), the lowest position
 * among equals, as an index into keys; -1 if none. */
static int index_find(const tp_index *ix, int32_t leader, kstr topic, int32_t partition) {
    int lo = 0, hi = ix->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (tp_key_vs(&ix->keys[mid], leader, topic, partition) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && tp_key_vs(&ix->keys[lo], leader, topic, partition) == 0 ? lo : -1;
}

/* The position of the first result named name not answered yet, now
 * answered; -1 if none. */
static int result_index(tp_index *ix, kstr name) {
    int k = index_find(ix, 0, name, 0);
    for (; k >= 0 && k < ix->n && tp_key_vs(&ix->keys[k], 0, name, 0) == 0; k++)
        if (!ix->seen[ix->keys[k].pos]) {
            ix->seen[ix->keys[k].pos] = 1;
            return ix->keys[k].pos;
        }
    return -1;
}

/* ------------------------------------------------------------------------
 * CreateTopics
 * ---------------------------------------------------------------------- */
struct create_args {
    const ka_newtopic *t;
    int n;
    int validate_only;
    int timeout;
};

static void build_create(const void *arg, int v, wbuf *w) {
    const struct create_args *ca = arg;
    wb_i32(w, ca->n);
    for (int i = 0; i < ca->n; i++) {
        const ka_newtopic *t = &ca->t[i];
        wb_cstr(w, t->name);
        wb_i32(w, t->nassign > 0 ? -1 : t->partitions);
        wb_i16(w, t->nassign > 0 ? -1 : t->replication_factor);
        wb_i32(w, t->nassign);
        for (int p = 0; p < t->nassign; p++) {
            wb_i32(w, p);
            wb_i32(w, t->assign_rf);
            for (int r = 0; r < t->assign_rf; r++)
                wb_i32(w, t->assign[p * t->assign_rf + r]);
        }
        wb_i32(w, t->nconfigs);
        for (int c = 0; c < t->nconfigs; c++) {
            wb_cstr(w, t->config_keys[c]);
            wb_cstr(w, t->config_values[c]);
        }
    }
    wb_i32(w, ca->timeout);
    if (v >= 1)
        wb_i8(w, (int8_t)ca->validate_only);
}

static int parse_create(kadmin *a, int v, const wbuf *resp, ka_result *res, int n) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t cnt, throttle;
    int retry = 0;
    tp_index ix;
    index_results(a, &ix, res, n);
    if (v >= 2)
        rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &cnt);
    rb_check_count(&r, cnt, 4);
    for (int32_t i = 0; i < cnt; i++) {
        kstr name, msg = {NULL, -1};
        int16_t err;
        rb_read_str(&r, &name);
        rb_read_i16(&r, &err);
        if (v >= 1)
            rb_read_str(&r, &msg);
        int idx = result_index(&ix, name);
        if (idx < 0)
            continue;
        res[idx].err = err;
        res[idx].msg = ka_kstrdup(a, msg);
        if (err == ERR_NOT_CONTROLLER)
            retry = 1;
    }
    return retry;
err_parse:
    return -1;
}

int ka_create_topics(kadmin *a, const ka_newtopic *t, int n, int validate_only, ka_result *results) {
    for (int i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof(results[i]));
        results[i].name = ka_strdup(a, t[i].name);
    }
    struct create_args ca = {t, n, validate_only, a->timeout_ms};
    return controller_call(a, KEY_CreateTopics, 4, "CREATE_TOPICS", build_create, &ca, parse_create,
                           results, n);
}

/* ------------------------------------------------------------------------
 * DeleteTopics
 * ---------------------------------------------------------------------- */
struct names_args {
    const char *const *names;
    int n;
    int timeout;
};

static void build_delete(const void *arg, int v, wbuf *w) {
    (void)v;
    const struct names_args *na = arg;
    wb_i32(w, na->n);
    for (int i = 0; i < na->n; i++)
        wb_cstr(w, na->names[i]);
    wb_i32(w, na->timeout);
}

static int parse_delete(kadmin *a, int v, const wbuf *resp, ka_result *res, int n) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t cnt, throttle;
    int retry = 0;
    tp_index ix;
    index_results(a, &ix, res, n);
    if (v >= 1)
        rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &cnt);
    rb_check_count(&r, cnt, 4);
    for (int32_t i = 0; i < cnt; i++) {
        kstr name;
        int16_t err;
        rb_read_str(&r, &name);
        rb_read_i16(&r, &err);
        int idx = result_index(&ix, name);
        if (idx < 0)
            continue;
        res[idx].err = err;
        if (err == ERR_NOT_CONTROLLER)
            retry = 1;
    }
    return retry;
err_parse:
    return -1;
}

int ka_delete_topics(kadmin *a, const char *const *names, int n, ka_result *results) {
    for (int i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof(results[i]));
        results[i].name = ka_strdup(a, names[i]);
    }
    struct names_args na = {names, n, a->timeout_ms};
    return controller_call(a, KEY_DeleteTopics, 3, "DELETE_TOPICS", build_delete, &na, parse_delete,
                           results, n);
}

/* ------------------------------------------------------------------------
 * CreatePartitions
 * ---------------------------------------------------------------------- */
struct parts_args {
    const char *const *names;
    const int32_t *counts;
    const int32_t *const *assign;
    const int *nassign;
    const int *assign_rf;
    int n;
    int timeout;
};

static void build_parts(const void *arg, int v, wbuf *w) {
    (void)v;
    const struct parts_args *pa = arg;
    wb_i32(w, pa->n);
    for (int i = 0; i < pa->n; i++) {
        wb_cstr(w, pa->names[i]);
        wb_i32(w, pa->counts[i]);
        if (pa->assign && pa->assign[i] && pa->nassign[i] > 0) {
            wb_i32(w, pa->nassign[i]);
            for (int p = 0; p < pa->nassign[i]; p++) {
                wb_i32(w, pa->assign_rf[i]);
                for (int r = 0; r < pa->assign_rf[i]; r++)
                    wb_i32(w, pa->assign[i][p * pa->assign_rf[i] + r]);
            }
        } else {
            wb_i32(w, -1);
        }
    }
    wb_i32(w, pa->timeout);
    wb_i8(w, 0); /* validate_only */
}

static int parse_parts(kadmin *a, int v, const wbuf *resp, ka_result *res, int n) {
    (void)v;
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t cnt, throttle;
    int retry = 0;
    tp_index ix;
    index_results(a, &ix, res, n);
    rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &cnt);
    rb_check_count(&r, cnt, 6);
    for (int32_t i = 0; i < cnt; i++) {
        kstr name, msg;
        int16_t err;
        rb_read_str(&r, &name);
        rb_read_i16(&r, &err);
        rb_read_str(&r, &msg);
        int idx = result_index(&ix, name);
        if (idx < 0)
            continue;
        res[idx].err = err;
        res[idx].msg = ka_kstrdup(a, msg);
        if (err == ERR_NOT_CONTROLLER)
            retry = 1;
    }
    return retry;
err_parse:
    return -1;
}

int ka_create_partitions(kadmin *a, const char *const *names, const int32_t *counts,
                         const int32_t *const *assign, const int *nassign, const int *assign_rf, int n,
                         ka_result *results) {
    for (int i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof(results[i]));
        results[i].name = ka_strdup(a, names[i]);
    }
    struct parts_args pa = {names, counts, assign, nassign, assign_rf, n, a->timeout_ms};
    return controller_call(a, KEY_CreatePartitions, 1, "CREATE_PARTITIONS", build_parts, &pa,
                           parse_parts, results, n);
}

/* ------------------------------------------------------------------------
 * DescribeConfigs
 * ---------------------------------------------------------------------- */
static int parse_describe_configs(kadmin *a, int v, const wbuf *resp, ka_config_resource *out, int n) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t throttle, cnt;
    kstr s;
    rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &cnt);
    rb_check_count(&r, cnt, 9);
    for (int32_t i = 0; i < cnt && i < n; i++) {
        ka_config_resource *res = &out[i];
        int32_t ne;
        rb_read_i16(&r, &res->err);
        rb_read_str(&r, &s);
        res->msg = ka_kstrdup(a, s);
        rb_read_i8(&r, &res->type);
        rb_read_str(&r, &s);
        res->name = ka_kstrdup(a, s);
        rb_read_i32(&r, &ne);
        rb_check_count(&r, ne, 7);
        res->n = ne < 0 ? 0 : ne;
        res->entries = ka_alloc(a, (size_t)(res->n + 1) * sizeof(ka_config_entry));
        for (int32_t j = 0; j < ne; j++) {
            ka_config_entry *e = &res->entries[j];
            int8_t ro, src, sens;
            rb_read_str(&r, &s);
            e->name = ka_kstrdup(a, s);
            rb_read_str(&r, &s);
            e->value = ka_kstrdup(a, s);
            rb_read_i8(&r, &ro);
            rb_read_i8(&r, &src);
            rb_read_i8(&r, &sens);
            e->read_only = ro;
            e->sensitive = sens;
            if (v == 0) {
                e->is_default = src;
                e->source = src ? 5 : (res->type == KA_RESOURCE_BROKER ? 4 : 1);
            } else {
                e->source = src;
                e->is_default = src == 5;
                int32_t ns;
                rb_read_i32(&r, &ns);
                rb_check_count(&r, ns, 5);
                e->nsyn = ns < 0 ? 0 : ns;
                e->syn = ka_alloc(a, (size_t)(e->nsyn + 1) * sizeof(ka_config_synonym));
                for (int32_t k = 0; k < ns; k++) {
                    rb_read_str(&r, &s);
                    e->syn[k].name = ka_kstrdup(a, s);
                    rb_read_str(&r, &s);
                    e->syn[k].value = ka_kstrdup(a, s);
                    rb_read_i8(&r, &e->syn[k].source);
                }
            }
        }
    }
    return 0;
err_parse:
    return -1;
}

int ka_describe_configs(kadmin *a, int8_t type, const char *const *names, int n, int synonyms,
                        ka_config_resource **out) {
    *out = ka_alloc(a, (size_t)(n + 1) * sizeof(ka_config_resource));
    ka_conn *c = NULL;
    int32_t id;
    if (type == KA_RESOURCE_BROKER && n == 1 && parse_i32(names[0], &id) == 0)
        c = ka_node(a, id);
    else
        c = ka_any(a);
    if (!c)
        return -1;
    int v = ka_version(c, KEY_DescribeConfigs, 2);
    if (v < 0) {
        unsupported(a, "DESCRIBE_CONFIGS");
        return -1;
    }
    wbuf body, resp;
    wb_init(&body, 128);
    wb_init(&resp, 8192);
    wb_i32(&body, n);
    for (int i = 0; i < n; i++) {
        wb_i8(&body, type);
        wb_cstr(&body, names[i]);
        wb_i32(&body, -1);
    }
    if (v >= 1)
        wb_i8(&body, (int8_t)synonyms);
    int rc = ka_call(a, c, KEY_DescribeConfigs, (int16_t)v, &body, &resp);
    if (rc == 0 && parse_describe_configs(a, v, &resp, *out, n) != 0) {
        snprintf(a->err, sizeof(a->err), "malformed DescribeConfigs response from %s:%d", c->host, c->port);
        rc = -1;
    }
    wb_free(&body);
    wb_free(&resp);
    return rc;
}

/* ------------------------------------------------------------------------
 * AlterConfigs / IncrementalAlterConfigs
 * ---------------------------------------------------------------------- */
static int parse_alter(kadmin *a, const wbuf *resp, ka_result *res) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t throttle, cnt;
    kstr s;
    rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &cnt);
    rb_check_count(&r, cnt, 7);
    for (int32_t i = 0; i < cnt; i++) {
        int16_t err;
        int8_t type;
        rb_read_i16(&r, &err);
        rb_read_str(&r, &s);
        if (i == 0) {
            res->err = err;
            res->msg = ka_kstrdup(a, s);
        }
        rb_read_i8(&r, &type);
        rb_read_str(&r, &s);
    }
    return 0;
err_parse:
    return -1;
}

static ka_conn *config_conn(kadmin *a, int8_t type, const char *name) {
    int32_t id;
    if ((type == KA_RESOURCE_BROKER || type == KA_RESOURCE_BROKER_LOGGER) && name && *name &&
        parse_i32(name, &id) == 0)
        return ka_node(a, id);
    return ka_any(a);
}

int ka_incremental_alter_configs(kadmin *a, int8_t type, const char *name, const ka_alter_op *ops,
                                 int nops, ka_result *result) {
    memset(result, 0, sizeof(*result));
    result->name = ka_strdup(a, name);
    ka_conn *c = config_conn(a, type, name);
    if (!c)
        return -1;
    if (ka_version(c, KEY_IncrementalAlterConfigs, 0) < 0) {
        unsupported(a, "INCREMENTAL_ALTER_CONFIGS");
        return -1;
    }
    wbuf body, resp;
    wb_init(&body, 128);
    wb_init(&resp, 256);
    wb_i32(&body, 1);
    wb_i8(&body, type);
    wb_cstr(&body, name);
    wb_i32(&body, nops);
    for (int i = 0; i < nops; i++) {
        wb_cstr(&body, ops[i].key);
        wb_i8(&body, ops[i].op);
        wb_cstr(&body, ops[i].value);
    }
    wb_i8(&body, 0);
    int rc = ka_call(a, c, KEY_IncrementalAlterConfigs, 0, &body, &resp);
    if (rc == 0 && parse_alter(a, &resp, result) != 0) {
        snprintf(a->err, sizeof(a->err), "malformed IncrementalAlterConfigs response");
        rc = -1;
    }
    wb_free(&body);
    wb_free(&resp);
    return rc;
}

int ka_alter_configs(kadmin *a, int8_t type, const char *name, const char *const *keys,
                     const char *const *values, int n, ka_result *result) {
    memset(result, 0, sizeof(*result));
    result->name = ka_strdup(a, name);
    ka_conn *c = config_conn(a, type, name);
    if (!c)
        return -1;
    int v = ka_version(c, KEY_AlterConfigs, 1);
    if (v < 0) {
        unsupported(a, "ALTER_CONFIGS");
        return -1;
    }
    wbuf body, resp;
    wb_init(&body, 128);
    wb_init(&resp, 256);
    wb_i32(&body, 1);
    wb_i8(&body, type);
    wb_cstr(&body, name);
    wb_i32(&body, n);
    for (int i = 0; i < n; i++) {
        wb_cstr(&body, keys[i]);
        wb_cstr(&body, values[i]);
    }
    wb_i8(&body, 0);
    int rc = ka_call(a, c, KEY_AlterConfigs, (int16_t)v, &body, &resp);
    if (rc == 0 && parse_alter(a, &resp, result) != 0) {
        snprintf(a->err, sizeof(a->err), "malformed AlterConfigs response");
        rc = -1;
    }
    wb_free(&body);
    wb_free(&resp);
    return rc;
}

/* ------------------------------------------------------------------------
 * Per-leader requests: DeleteRecords, ListOffsets
 * ---------------------------------------------------------------------- */
/* Resolves leaders for tps (metadata of their topics); results without a
 * leader get an error now. leaders[i] = -1 when already answered. */
static int resolve_leaders(kadmin *a, const ka_tp_offset *tps, int n, ka_result *res, int32_t *leaders) {
    tp_index by_topic; /* the distinct topics are its runs */
    index_tps(a, &by_topic, tps, n, NULL);
    const char **names = ka_alloc(a, (size_t)(n ? n : 1) * sizeof(char *));
    int nn = 0;
    for (int i = 0; i < by_topic.n; i++)
        if (i == 0 || strcmp(by_topic.keys[i].topic, by_topic.keys[i - 1].topic))
            names[nn++] = by_topic.keys[i].topic;
    ka_metadata *md = ka_metadata_get(a, names, nn);
    if (!md)
        return -1;
    for (int i = 0; i < n; i++) {
        memset(&res[i], 0, sizeof(res[i]));
        res[i].name = ka_strdup(a, tps[i].topic);
        res[i].partition = tps[i].partition;
        res[i].value = -1;
        res[i].timestamp = -1;
        leaders[i] = -1;
        const ka_topic *t = ka_md_topic(md, tps[i].topic);
        const ka_partition *p = t && !t->err ? ka_md_partition(t, tps[i].partition) : NULL;
        if (!p)
            res[i].err = ERR_UNKNOWN_TOPIC_OR_PARTITION;
        else if (p->leader < 0)
            res[i].err = ERR_LEADER_NOT_AVAILABLE;
        else
            leaders[i] = p->leader;
    }
    return 0;
}

/* Writes the items keys[from..to) of ix (one leader's, so sorted by topic)
 * grouped by topic: [topic, [per partition: pw()]]. */
typedef void (*part_writer)(wbuf *w, const ka_tp_offset *tp, int v);

static void write_grouped(wbuf *w, const tp_index *ix, int from, int to, const ka_tp_offset *tps, int v,
                          part_writer pw) {
    size_t cnt_at = wb_i32(w, 0);
    int ntopics = 0;
    for (int i = from, j; i < to; i = j) {
        for (j = i; j < to && !strcmp(ix->keys[j].topic, ix->keys[i].topic); j++)
            ;
        wb_cstr(w, ix->keys[i].topic);
        wb_i32(w, j - i);
        for (int k = i; k < j; k++)
            pw(w, &tps[ix->keys[k].pos], v);
        ntopics++;
    }
    wb_put_i32(w, cnt_at, ntopics);
}

/* The result of the (first) item an answer from leader names; NULL if none. */
static ka_result *find_tp(ka_result *res, const tp_index *ix, int32_t leader, kstr topic, int32_t part) {
    int k = index_find(ix, leader, topic, part);
    return k < 0 ? NULL : &res[ix->keys[k].pos];
}

static void write_delete_part(wbuf *w, const ka_tp_offset *tp, int v) {
    (void)v;
    wb_i32(w, tp->partition);
    wb_i64(w, tp->offset);
}

static int parse_delete_records(const wbuf *resp, ka_result *res, const tp_index *ix, int32_t leader) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t throttle, nt;
    rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &nt);
    rb_check_count(&r, nt, 6);
    for (int32_t i = 0; i < nt; i++) {
        kstr name;
        int32_t np;
        rb_read_str(&r, &name);
        rb_read_i32(&r, &np);
        rb_check_count(&r, np, 14);
        for (int32_t j = 0; j < np; j++) {
            int32_t part;
            int64_t low;
            int16_t err;
            rb_read_i32(&r, &part);
            rb_read_i64(&r, &low);
            rb_read_i16(&r, &err);
            ka_result *x = find_tp(res, ix, leader, name, part);
            if (x) {
                x->err = err;
                x->value = low;
            }
        }
    }
    return 0;
err_parse:
    return -1;
}

static void write_list_part(wbuf *w, const ka_tp_offset *tp, int v) {
    wb_i32(w, tp->partition);
    if (v >= 4)
        wb_i32(w, -1); /* current_leader_epoch */
    wb_i64(w, tp->offset);
}

static int parse_list_offsets(int v, const wbuf *resp, ka_result *res, const tp_index *ix, int32_t leader) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t throttle, nt;
    if (v >= 2)
        rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &nt);
    rb_check_count(&r, nt, 6);
    for (int32_t i = 0; i < nt; i++) {
        kstr name;
        int32_t np;
        rb_read_str(&r, &name);
        rb_read_i32(&r, &np);
        rb_check_count(&r, np, 22);
        for (int32_t j = 0; j < np; j++) {
            int32_t part, epoch;
            int64_t ts, off;
            int16_t err;
            rb_read_i32(&r, &part);
            rb_read_i16(&r, &err);
            rb_read_i64(&r, &ts);
            rb_read_i64(&r, &off);
            if (v >= 4)
                rb_read_i32(&r, &epoch);
            ka_result *x = find_tp(res, ix, leader, name, part);
            if (x) {
                x->err = err;
                x->value = off;
                x->timestamp = ts;
            }
        }
    }
    return 0;
err_parse:
    return -1;
}

static int per_leader(kadmin *a, const ka_tp_offset *tps, int n, ka_result *res, int16_t key, int maxv,
                      int minv, const char *api, part_writer pw, int list_offsets) {
    int32_t *leaders = calloc((size_t)(n ? n : 1), sizeof(int32_t));
    if (!leaders)
        abort();
    int rc = resolve_leaders(a, tps, n, res, leaders);
    tp_index ix; /* the items with a leader; each leader's are a run */
    if (rc == 0)
        index_tps(a, &ix, tps, n, leaders);
    for (int i = 0, end; rc == 0 && i < ix.n; i = end) {
        int32_t leader = ix.keys[i].leader;
        for (end = i; end < ix.n && ix.keys[end].leader == leader; end++)
            ;
        ka_conn *c = ka_node(a, leader);
        if (!c) {
            rc = -1;
            break;
        }
        int v = ka_version(c, key, maxv);
        if (v < minv) {
            unsupported(a, api);
            rc = -1;
            break;
        }
        wbuf body, resp;
        wb_init(&body, 256);
        wb_init(&resp, 1024);
        if (list_offsets) {
            wb_i32(&body, -1); /* replica_id */
            if (v >= 2)
                wb_i8(&body, 0); /* isolation_level */
        }
        write_grouped(&body, &ix, i, end, tps, v, pw);
        if (!list_offsets)
            wb_i32(&body, a->timeout_ms);
        rc = ka_call(a, c, key, (int16_t)v, &body, &resp);
        if (rc == 0) {
            rc = list_offsets ? parse_list_offsets(v, &resp, res, &ix, leader)
                              : parse_delete_records(&resp, res, &ix, leader);
            if (rc != 0)
                snprintf(a->err, sizeof(a->err), "malformed %s response from %s:%d", api, c->host, c->port);
        }
        wb_free(&body);
        wb_free(&resp);
    }
    free(leaders);
    return rc;
}

int ka_delete_records(kadmin *a, const ka_tp_offset *tps, int n, ka_result *results) {
    return per_leader(a, tps, n, results, KEY_DeleteRecords, 1, 0, "DELETE_RECORDS", write_delete_part, 0);
}

int ka_list_offsets(kadmin *a, const ka_tp_offset *tps, int n, ka_result *results) {
    return per_leader(a, tps, n, results, KEY_ListOffsets, 5, 1, "LIST_OFFSETS", write_list_part, 1);
}

/* ------------------------------------------------------------------------
 * Consumer groups: FindCoordinator, ListGroups, DescribeGroups,
 * OffsetFetch, OffsetCommit, DeleteGroups, OffsetDelete
 * ---------------------------------------------------------------------- */
#define KEY_OffsetCommit 8
#define KEY_OffsetFetch 9
#define KEY_FindCoordinator 10
#define KEY_ListGroups 16
#define KEY_DescribeGroups 15
#define KEY_DeleteGroups 42
#define KEY_OffsetDelete 47
#define ERR_COORDINATOR_LOAD_IN_PROGRESS 14
#define ERR_COORDINATOR_NOT_AVAILABLE 15
#define ERR_NOT_COORDINATOR 16

static void set_kerr(kadmin *a, int16_t code) {
    char b[512];
    snprintf(a->err, sizeof(a->err), "%s", kerror_string(code, NULL, b, sizeof(b)));
}

static int retriable_coord(int16_t e) {
    return e == ERR_COORDINATOR_LOAD_IN_PROGRESS || e == ERR_COORDINATOR_NOT_AVAILABLE || e == ERR_NOT_COORDINATOR;
}

/* One FindCoordinator round trip; 0 with *err set, -1 on transport failure. */
static int find_coordinator_once(kadmin *a, const char *group, ka_broker *out, int16_t *err) {
    ka_conn *c = ka_any(a);
    if (!c)
        return -1;
    int v = ka_version(c, KEY_FindCoordinator, 2);
    if (v < 0) {
        unsupported(a, "FIND_COORDINATOR");
        return -1;
    }
    wbuf body, resp;
    wb_init(&body, 64);
    wb_init(&resp, 256);
    wb_cstr(&body, group);
    if (v >= 1)
        wb_i8(&body, 0); /* key_type: group */
    int rc = ka_call(a, c, KEY_FindCoordinator, (int16_t)v, &body, &resp);
    if (rc == 0) {
        rbuf r;
        rb_init(&r, resp.data, resp.len);
        int32_t throttle, node, port;
        kstr msg, host;
        rc = -1;
        if (v >= 1)
            rb_read_i32(&r, &throttle);
        rb_read_i16(&r, err);
        if (v >= 1)
            rb_read_str(&r, &msg);
        rb_read_i32(&r, &node);
        rb_read_str(&r, &host);
        rb_read_i32(&r, &port);
        out->id = node;
        out->host = ka_kstrdup(a, host);
        out->port = port;
        rc = 0;
    err_parse:
        if (rc != 0)
            snprintf(a->err, sizeof(a->err), "malformed FindCoordinator response from %s:%d", c->host, c->port);
    }
    wb_free(&body);
    wb_free(&resp);
    return rc;
}

int ka_find_coordinator(kadmin *a, const char *group, ka_broker *out) {
    int64_t deadline = now_ms() + a->timeout_ms;
    memset(out, 0, sizeof(*out));
    for (;;) {
        int16_t err = 0;
        if (find_coordinator_once(a, group, out, &err) != 0)
            return -1;
        if (!err && out->host)
            return 0;
        if (!retriable_coord(err) || now_ms() + 100 > deadline) {
            set_kerr(a, err);
            return -1;
        }
        usleep(100 * 1000);
    }
}

ka_conn *ka_coordinator_conn(kadmin *a, const char *group, ka_broker *coord) {
    ka_broker b;
    if (ka_find_coordinator(a, group, &b) != 0)
        return NULL;
    if (coord)
        *coord = b;
    for (int i = 0; i < a->nconns; i++)
        if (a->conns[i].fd >= 0 && a->conns[i].port == b.port && !strcmp(a->conns[i].host, b.host))
            return &a->conns[i];
    ka_conn *c = conn_open(a, b.id, b.id, b.host, b.port, now_ms() + a->timeout_ms);
    if (!c)
        set_err(a, "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node "
                   "assignment (broker %s:%d unreachable).", b.host, b.port);
    return c;
}

/* Reads a consumer-protocol partition list: [topic string, [int32]]. */
static int read_tp_list(kadmin *a, rbuf *r, int *n, char ***topics, int32_t **parts) {
    int32_t nt;
    rb_read_i32(r, &nt);
    rb_check_count(r, nt, 6);
    int cap = 0, cnt = 0;
    char **ts = NULL;
    int32_t *ps = NULL;
    for (int32_t i = 0; i < nt; i++) {
        kstr t;
        int32_t np;
        rb_read_str(r, &t);
        rb_read_i32(r, &np);
        rb_check_count(r, np, 4);
        char *name = ka_kstrdup(a, t);
        for (int32_t j = 0; j < np; j++) {
            int32_t p;
            rb_read_i32(r, &p);
            if (cnt == cap) {
                int ncap = cap ? cap * 2 : 16;
                char **nts = ka_alloc(a, (size_t)ncap * sizeof(char *));
                int32_t *nps = ka_alloc(a, (size_t)ncap * sizeof(int32_t));
                if (cnt) {
                    memcpy(nts, ts, (size_t)cnt * sizeof(char *));
                    memcpy(nps, ps, (size_t)cnt * sizeof(int32_t));
                }
                ts = nts;
                ps = nps;
                cap = ncap;
            }
            ts[cnt] = name;
            ps[cnt] = p;
            cnt++;
        }
    }
    *n = cnt;
    *topics = ts;
    *parts = ps;
    return 0;
err_parse:
    return -1;
}

int ka_parse_assignment(kadmin *a, const uint8_t *p, size_t len, ka_assignment *out) {
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return 0;
    rbuf r;
    rb_init(&r, p, len);
    int16_t ver;
    kstr ud;
    rb_read_i16(&r, &ver);
    if (read_tp_list(a, &r, &out->n, &out->topics, &out->partitions) != 0)
        goto err_parse;
    out->version = ver;
    if (rb_remain(&r) >= 4) {
        rb_read_bytes(&r, &ud);
        if (!KSTR_IS_NULL(ud)) {
            out->user_data = ka_alloc(a, (size_t)ud.len + 1);
            memcpy(out->user_data, ud.s, (size_t)ud.len);
            out->user_data_len = ud.len;
        }
    }
    return 0;
err_parse:
    return -1;
}

int ka_parse_subscription(kadmin *a, const uint8_t *p, size_t len, ka_subscription *out) {
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return 0;
    rbuf r;
    rb_init(&r, p, len);
    int16_t ver;
    int32_t nt;
    rb_read_i16(&r, &ver);
    out->version = ver;
    rb_read_i32(&r, &nt);
    rb_check_count(&r, nt, 2);
    out->topics = ka_alloc(a, (size_t)(nt > 0 ? nt : 1) * sizeof(char *));
    for (int32_t i = 0; i < nt; i++) {
        kstr t;
        rb_read_str(&r, &t);
        out->topics[out->ntopics++] = ka_kstrdup(a, t);
    }
    return 0;
err_parse:
    return -1;
}

int ka_list_groups(kadmin *a, ka_group_listing **out, int *n) {
    *out = NULL;
    *n = 0;
    if (!ka_metadata_get(a, NULL, 0))
        return -1;
    ka_metadata *md = a->md;
    int cap = 0;
    for (int b = 0; b < md->nbrokers; b++) {
        ka_conn *c = ka_node(a, md->brokers[b].id);
        if (!c)
            return -1;
        int v = ka_version(c, KEY_ListGroups, 2);
        if (v < 0) {
            unsupported(a, "LIST_GROUPS");
            return -1;
        }
        int64_t deadline = now_ms() + a->timeout_ms;
        for (;;) {
            wbuf body, resp;
            wb_init(&body, 8);
            wb_init(&resp, 1024);
            int16_t err = 0;
            int rc = ka_call(a, c, KEY_ListGroups, (int16_t)v, &body, &resp);
            if (rc == 0) {
                rbuf r;
                rb_init(&r, resp.data, resp.len);
                int32_t throttle, ng;
                rc = -1;
                if (v >= 1)
                    rb_read_i32(&r, &throttle);
                rb_read_i16(&r, &err);
                rb_read_i32(&r, &ng);
                rb_check_count(&r, ng, 4);
                if (!err) {
                    for (int32_t i = 0; i < ng; i++) {
                        kstr g, pt;
                        rb_read_str(&r, &g);
                        rb_read_str(&r, &pt);
                        if (*n == cap) {
                            int ncap = cap ? cap * 2 : 32;
                            ka_group_listing *nl = ka_alloc(a, (size_t)ncap * sizeof(*nl));
                            if (*n)
                                memcpy(nl, *out, (size_t)*n * sizeof(*nl));
                            *out = nl;
                            cap = ncap;
                        }
                        (*out)[*n].group_id = ka_kstrdup(a, g);
                        (*out)[*n].protocol_type = ka_kstrdup(a, pt);
                        (*n)++;
                    }
                }
                rc = 0;
            err_parse:
                if (rc != 0)
                    snprintf(a->err, sizeof(a->err), "malformed ListGroups response from %s:%d", c->host, c->port);
            }
            wb_free(&body);
            wb_free(&resp);
            if (rc != 0)
                return -1;
            if (!err)
                break;
            if (!retriable_coord(err) || now_ms() + 100 > deadline) {
                set_kerr(a, err);
                return -1;
            }
            usleep(100 * 1000);
        }
    }
    return 0;
}

static int parse_describe_groups(kadmin *a, int v, const wbuf *resp, ka_group *g) {
    rbuf r;
    rb_init(&r, resp->data, resp->len);
    int32_t throttle, ng;
    if (v >= 1)
        rb_read_i32(&r, &throttle);
    rb_read_i32(&r, &ng);
    rb_check_count(&r, ng, 12);
    for (int32_t i = 0; i < ng; i++) {
        int16_t err;
        kstr gid, state, pt, pd;
        int32_t nm;
        rb_read_i16(&r, &err);
        rb_read_str(&r, &gid);
        rb_read_str(&r, &state);
        rb_read_str(&r, &pt);
        rb_read_str(&r, &pd);
        rb_read_i32(&r, &nm);
        rb_check_count(&r, nm, 14);
        g->err = err;
        g->group_id = ka_kstrdup(a, gid);
        g->state = ka_kstrdup(a, state);
        g->protocol_type = ka_kstrdup(a, pt);
        g->protocol = ka_kstrdup(a, pd);
        g->nmembers = 0;
        g->members = ka_alloc(a, (size_t)(nm > 0 ? nm : 1) * sizeof(ka_member));
        for (int32_t j = 0; j < nm; j++) {
            ka_member *m = &g->members[g->nmembers++];
            kstr mid, iid = {0}, cid, host, meta, asg;
            rb_read_str(&r, &mid);
            if (v >= 4)
                rb_read_str(&r, &iid);
            rb_read_str(&r, &cid);
            rb_read_str(&r, &host);
            rb_read_bytes(&r, &meta);
            rb_read_bytes(&r, &asg);
            m->member_id = ka_kstrdup(a, mid);
            m->instance_id = v >= 4 ? ka_kstrdup(a, iid) : NULL;
            m->client_id = ka_kstrdup(a, cid);
            m->client_host = ka_kstrdup(a, host);
            m->metadata_len = KSTR_IS_NULL(meta) ? 0 : meta.len;
            m->metadata = ka_alloc(a, (size_t)m->metadata_len + 1);
            if (m->metadata_len)
                memcpy(m->metadata, meta.s, (size_t)m->metadata_len);
            m->assignment_len = KSTR_IS_NULL(asg) ? 0 : asg.len;
            m->assignment = ka_alloc(a, (size_t)m->assignment_len + 1);
            if (m->assignment_len)
                memcpy(m->assignment, asg.s, (size_t)m->assignment_len);
        }
        if (v >= 3) {
            int32_t ops;
            rb_read_i32(&r, &ops);
        }
    }
    return 0;
err_parse:
    return -1;
}

int ka_describe_group(kadmin *a, const char *group, ka_group *g) {
    memset(g, 0, sizeof(*g));
    int64_t deadline = now_ms() + a->timeout_ms;
    for (;;) {
        ka_conn *c = ka_coordinator_conn(a, group, &g->coordinator);
        if (!c)
            return -1;
        int v = ka_version(c, KEY_DescribeGroups, 4);
        if (v < 0) {
            unsupported(a, "DESCRIBE_GROUPS");
            return -1;
        }
        wbuf body, resp;
        wb_init(&body, 64);
        wb_init(&resp, 1024);
        wb_i32(&body, 1);
        wb_cstr(&body, group);
        if (v >= 3)
            wb_i8(&body, 0); /* include_authorized_operations */
        int rc = ka_call(a, c, KEY_DescribeGroups, (int16_t)v, &body, &resp);
        if (rc == 0 && parse_describe_groups(a, v, &resp, g) != 0) {
            snprintf(a->err, sizeof(a->err), "malformed DescribeGroups response from %s:%d", c->host, c->port);
            rc = -1;
        }
        wb_free(&body);
        wb_free(&resp);
        if (rc != 0)
            return -1;
        if (!retriable_coord(g->err) || now_ms() + 100 > deadline)
            break;
        usleep(100 * 1000);
    }
    if (g->err) {
        set_kerr(a, g->err);
        return -1;
    }
    return 0;
}

int ka_offset_fetch(kadmin *a, const char *group, ka_committed **out, int *n) {
    *out = NULL;
    *n = 0;
    int64_t deadline = now_ms() + a->timeout_ms;
    for (;;) {
        ka_conn *c = ka_coordinator_conn(a, group, NULL);
        if (!c)
            return -1;
        int v = ka_version(c, KEY_OffsetFetch, 5);
        if (v < 2) {
            unsupported(a, "OFFSET_FETCH");
            return -1;
        }
        wbuf body, resp;
        wb_init(&body, 64);
        wb_init(&resp, 1024);
        wb_cstr(&body, group);
        wb_i32(&body, -1); /* all topics */
        int16_t top = 0;
        int rc = ka_call(a, c, KEY_OffsetFetch, (int16_t)v, &body, &resp);
        if (rc == 0) {
            rbuf r;
            rb_init(&r, resp.data, resp.len);
            int32_t throttle, nt;
            rc = -1;
            *n = 0;
            if (v >= 3)
                rb_read_i32(&r, &throttle);
            rb_read_i32(&r, &nt);
            rb_check_count(&r, nt, 6);
            int cap = 0;
            for (int32_t i = 0; i < nt; i++) {
                kstr t;
                int32_t np;
                rb_read_str(&r, &t);
                rb_read_i32(&r, &np);
                rb_check_count(&r, np, 16);
                char *topic = ka_kstrdup(a, t);
                for (int32_t j = 0; j < np; j++) {
                    int32_t part, epoch = -1;
                    int64_t off;
                    kstr md;
                    int16_t err;
                    rb_read_i32(&r, &part);
                    rb_read_i64(&r, &off);
                    if (v >= 5)
                        rb_read_i32(&r, &epoch);
                    rb_read_str(&r, &md);
                    rb_read_i16(&r, &err);
                    if (*n == cap) {
                        int ncap = cap ? cap * 2 : 32;
                        ka_committed *nc = ka_alloc(a, (size_t)ncap * sizeof(*nc));
                        if (*n)
                            memcpy(nc, *out, (size_t)*n * sizeof(*nc));
                        *out = nc;
                        cap = ncap;
                    }
                    ka_committed *x = &(*out)[(*n)++];
                    x->topic = topic;
                    x->partition = part;
                    x->offset = off;
                    x->leader_epoch = epoch;
                    x->metadata = ka_kstrdup(a, md);
                    x->err = err;
                }
            }
            rb_read_i16(&r, &top);
            rc = 0;
        err_parse:
            if (rc != 0)
                snprintf(a->err, sizeof(a->err), "malformed OffsetFetch response from %s:%d", c->host, c->port);
        }
        wb_free(&body);
        wb_free(&resp);
        if (rc != 0)
            return -1;
        if (!top)
            return 0;
        if (!retriable_coord(top) || now_ms() + 100 > deadline) {
            set_kerr(a, top);
            return -1;
        }
        usleep(100 * 1000);
    }
}

/* Parses [topic, [partition, error]] answers (OffsetCommit, OffsetDelete). */
static int parse_tp_errors(rbuf *r, const tp_index *ix, ka_result *res) {
    int32_t nt;
    rb_read_i32(r, &nt);
    rb_check_count(r, nt, 6);
    for (int32_t i = 0; i < nt; i++) {
        kstr t;
        int32_t np;
        rb_read_str(r, &t);
        rb_read_i32(r, &np);
        rb_check_count(r, np, 6);
        for (int32_t j = 0; j < np; j++) {
            int32_t part;
            int16_t err;
            rb_read_i32(r, &part);
            rb_read_i16(r, &err);
            int k = index_find(ix, 0, t, part); /* every item naming it */
            for (; k >= 0 && k < ix->n && tp_key_vs(&ix->keys[k], 0, t, part) == 0; k++)
                res[ix->keys[k].pos].err = err;
        }
    }
    return 0;
err_parse:
    return -1;
}

static void write_commit_part(wbuf *w, const ka_tp_offset *tp, int v) {
    wb_i32(w, tp->partition);
    wb_i64(w, tp->offset);
    if (v >= 6)
        wb_i32(w, -1); /* committed_leader_epoch */
    wb_cstr(w, "");
}

static void write_index_part(wbuf *w, const ka_tp_offset *tp, int v) {
    (void)v;
    wb_i32(w, tp->partition);
}

static void init_results(kadmin *a, const ka_tp_offset *tps, int n, ka_result *res) {
    for (int i = 0; i < n; i++) {
        memset(&res[i], 0, sizeof(res[i]));
        res[i].name = ka_strdup(a, tps[i].topic);
        res[i].partition = tps[i].partition;
        res[i].value = tps[i].offset;
    }
}

int ka_offset_commit(kadmin *a, const char *group, const ka_tp_offset *tps, int n, ka_result *res) {
    ka_conn *c = ka_coordinator_conn(a, group, NULL);
    if (!c)
        return -1;
    int v = ka_version(c, KEY_OffsetCommit, 7);
    if (v < 2) {
        unsupported(a, "OFFSET_COMMIT");
        return -1;
    }
    init_results(a, tps, n, res);
    wbuf body, resp;
    wb_init(&body, 256);
    wb_init(&resp, 256);
    wb_cstr(&body, group);
    wb_i32(&body, -1); /* generation: not a member */
    wb_cstr(&body, "");
    if (v >= 7)
        wb_cstr(&body, NULL); /* group_instance_id */
    if (v >= 2 && v <= 4)
        wb_i64(&body, -1); /* retention_time: broker default */
    tp_index ix;
    index_tps(a, &ix, tps, n, NULL);
    write_grouped(&body, &ix, 0, ix.n, tps, v, write_commit_part);
    int rc = ka_call(a, c, KEY_OffsetCommit, (int16_t)v, &body, &resp);
    if (rc == 0) {
        rbuf r;
        rb_init(&r, resp.data, resp.len);
        int32_t throttle;
        rc = -1;
        if (v >= 3)
            rb_read_i32(&r, &throttle);
        if (parse_tp_errors(&r, &ix, res) != 0)
            goto err_parse;
        rc = 0;
    err_parse:
        if (rc != 0)
            snprintf(a->err, sizeof(a->err), "malformed OffsetCommit response from %s:%d", c->host, c->port);
    }
    wb_free(&body);
    wb_free(&resp);
    return rc;
}

int ka_offset_delete(kadmin *a, const char *group, const ka_tp_offset *tps, int n, int16_t *top_err,
                     ka_result *res) {
    *top_err = 0;
    ka_conn *c = ka_coordinator_conn(a, group, NULL);
    if (!c)
        return -1;
    int v = ka_version(c, KEY_OffsetDelete, 0);
    if (v < 0) {
        unsupported(a, "OFFSET_DELETE");
        return -1;
    }
    init_results(a, tps, n, res);
    wbuf body, resp;
    wb_init(&body, 256);
    wb_init(&resp, 256);
    wb_cstr(&body, group);
    tp_index ix;
    index_tps(a, &ix, tps, n, NULL);
    write_grouped(&body, &ix, 0, ix.n, tps, v, write_index_part);
    int rc = ka_call(a, c, KEY_OffsetDelete, (int16_t)v, &body, &resp);
    if (rc == 0) {
        rbuf r;
        rb_init(&r, resp.data, resp.len);
        int32_t throttle;
        rc = -1;
        rb_read_i16(&r, top_err);
        rb_read_i32(&r, &throttle);
        if (parse_tp_errors(&r, &ix, res) != 0)
            goto err_parse;
        rc = 0;
    err_parse:
        if (rc != 0)
            snprintf(a->err, sizeof(a->err), "malformed OffsetDelete response from %s:%d", c->host, c->port);
    }
    wb_free(&body);
    wb_free(&resp);
    return rc;
}

int ka_delete_groups(kadmin *a, const char *const *groups, int n, ka_result *res) {
    for (int i = 0; i < n; i++) {
        memset(&res[i], 0, sizeof(res[i]));
        res[i].name = ka_strdup(a, groups[i]);
    }
    for (int i = 0; i < n; i++) {
        ka_conn *c = ka_coordinator_conn(a, groups[i], NULL);
        if (!c)
            return -1;
        int v = ka_version(c, KEY_DeleteGroups, 1);
        if (v < 0) {
            unsupported(a, "DELETE_GROUPS");
            return -1;
        }
        wbuf body, resp;
        wb_init(&body, 64);
        wb_init(&resp, 256);
        wb_i32(&body, 1);
        wb_cstr(&body, groups[i]);
        int rc = ka_call(a, c, KEY_DeleteGroups, (int16_t)v, &body, &resp);
        if (rc == 0) {
            rbuf r;
            rb_init(&r, resp.data, resp.len);
            int32_t throttle, nr;
            rc = -1;
            rb_read_i32(&r, &throttle);
            rb_read_i32(&r, &nr);
            rb_check_count(&r, nr, 4);
            for (int32_t j = 0; j < nr; j++) {
                kstr g;
                int16_t err;
                rb_read_str(&r, &g);
                rb_read_i16(&r, &err);
                if (kstr_eq(g, groups[i]))
                    res[i].err = err;
            }
            rc = 0;
        err_parse:
            if (rc != 0)
                snprintf(a->err, sizeof(a->err), "malformed DeleteGroups response from %s:%d", c->host, c->port);
        }
        wb_free(&body);
        wb_free(&resp);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * ElectLeaders (v1: election type; the controller answers)
 * ---------------------------------------------------------------------- */
static int parse_elect(kadmin *a, int v, const wbuf *resp, ka_result **out) {
    rbuf rb;
    rb_init(&rb, resp->data, resp->len);
    rbuf *r = &rb;
    int32_t throttle, ntopics;
    int16_t top = 0;
    rb_read_i32(r, &throttle);
    if (v >= 1)
        rb_read_i16(r, &top);
    rb_read_i32(r, &ntopics);
    rb_check_count_nn(r, ntopics, 6);
    int cap = 16, n = 0;
    ka_result *res = ka_alloc(a, (size_t)cap * sizeof(ka_result));
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t nparts;
        rb_read_str(r, &name);
        rb_read_i32(r, &nparts);
        rb_check_count_nn(r, nparts, 8);
        for (int32_t j = 0; j < nparts; j++) {
            int32_t partition;
            int16_t err;
            kstr msg;
            rb_read_i32(r, &partition);
            rb_read_i16(r, &err);
            rb_read_str(r, &msg);
            if (n == cap) {
                ka_result *bigger = ka_alloc(a, (size_t)cap * 2 * sizeof(ka_result));
                memcpy(bigger, res, (size_t)cap * sizeof(ka_result));
                res = bigger;
                cap *= 2;
            }
            res[n].name = ka_kstrdup(a, name);
            res[n].partition = partition;
            res[n].err = top ? top : err;
            res[n].msg = KSTR_IS_NULL(msg) ? NULL : ka_kstrdup(a, msg);
            n++;
        }
    }
    *out = res;
    return n;
err_parse:
    return -1;
}

int ka_elect_leaders(kadmin *a, int8_t type, const ka_tp_offset *tps, int n, int timeout_ms,
                     ka_result **out) {
    for (int attempt = 0; attempt < 5; attempt++) {
        ka_conn *c = ka_controller(a);
        if (!c)
            return -1;
        int v = ka_version(c, KEY_ElectLeaders, 1);
        if (v < 0 || (type != 0 && v < 1)) {
            unsupported(a, "ELECT_LEADERS");
            return -1;
        }
        wbuf body, resp;
        wb_init(&body, 256);
        wb_init(&resp, 1024);
        if (v >= 1)
            wb_i8(&body, type);
        if (!tps) {
            wb_i32(&body, -1);
        } else {
            /* grouped by topic, in first-seen order */
            size_t count_at = wb_i32(&body, 0);
            int ntopics = 0;
            for (int i = 0; i < n; i++) {
                int seen = 0;
                for (int j = 0; j < i && !seen; j++)
                    seen = !strcmp(tps[j].topic, tps[i].topic);
                if (seen)
                    continue;
                ntopics++;
                wb_cstr(&body, tps[i].topic);
                size_t pat = wb_i32(&body, 0);
                int np = 0;
                for (int j = i; j < n; j++)
                    if (!strcmp(tps[j].topic, tps[i].topic)) {
                        wb_i32(&body, tps[j].partition);
                        np++;
                    }
                wb_put_i32(&body, pat, np);
            }
            wb_put_i32(&body, count_at, ntopics);
        }
        wb_i32(&body, timeout_ms);
        int rc = ka_call(a, c, KEY_ElectLeaders, (int16_t)v, &body, &resp);
        int got = -1;
        if (rc == 0) {
            got = parse_elect(a, v, &resp, out);
            if (got < 0)
                snprintf(a->err, sizeof(a->err), "malformed ELECT_LEADERS response from %s:%d",
                         c->host, c->port);
        }
        wb_free(&body);
        wb_free(&resp);
        if (got < 0)
            return -1;
        int moved = got > 0;
        for (int i = 0; i < got; i++)
            moved &= (*out)[i].err == 41; /* NOT_CONTROLLER: the controller moved */
        if (!moved)
            return got;
        usleep(200 * 1000);
    }
    return 0;
}
