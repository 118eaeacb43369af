/* kclient.c -- an outbound Kafka-protocol connection on the ae event loop
 * (see kclient.h). One socket, requests pipelined in order, responses
 * matched by correlation id, one timer for connect and request deadlines. */
#include "kclient.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "anet.h"

#define TICK_MS 50
#define READ_CHUNK 65536

typedef struct pending {
    int32_t correlation_id;
    int64_t deadline;
    int flexible; /* response header v1: tagged fields after the correlation id */
    kclient_cb *cb;
    void *arg;
} pending;

struct kclient {
    aeEventLoop *el;
    char host[256];
    int port;
    char client_id[128];
    int connect_timeout_ms;
    int rcvbuf;
    int fd;
    int connected;
    int64_t connect_deadline;
    int32_t next_corr;
    pending *q; /* requests written or to be written, oldest first */
    int nq, capq;
    wbuf out;
    size_t out_sent;
    wbuf in;
    long long timer;
    long long fail_timer; /* deferred failure of requests sent while connect failed */
    int busy;             /* inside a callback: kclient_close only marks closed */
    int closed;
};

static void free_client(kclient *c) {
    wb_free(&c->out);
    wb_free(&c->in);
    free(c);
}

static void fail_all(kclient *c, int err) {
    /* detach the queue first: a callback may send again */
    pending *q = c->q;
    int n = c->nq;
    c->q = NULL;
    c->nq = c->capq = 0;
    c->busy++;
    for (int i = 0; i < n; i++)
        q[i].cb(q[i].arg, err, NULL, 0);
    c->busy--;
    free(q);
}

static void disconnect(kclient *c) {
    if (c->fd >= 0) {
        aeDeleteFileEvent(c->el, c->fd, AE_READABLE | AE_WRITABLE);
        close(c->fd);
    }
    c->fd = -1;
    c->connected = 0;
    wb_reset(&c->out);
    c->out_sent = 0;
    wb_reset(&c->in);
}

static void broken(kclient *c, int err) {
    disconnect(c);
    fail_all(c, err);
}

static void on_readable(aeEventLoop *el, int fd, void *arg, int mask);
static void on_writable(aeEventLoop *el, int fd, void *arg, int mask);
static int reap(kclient *c);

/* Writes what the socket takes of c->out; the rest waits for a writable
 * event. Returns -1 on a write error (the caller decides what breaks). */
static int write_out(kclient *c) {
    while (c->out_sent < c->out.len) {
        ssize_t n = write(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent);
        if (n > 0)
            c->out_sent += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && errno == EAGAIN)
            break;
        else
            return -1;
    }
    if (c->out_sent == c->out.len) {
        wb_reset(&c->out);
        c->out_sent = 0;
        aeDeleteFileEvent(c->el, c->fd, AE_WRITABLE);
    } else {
        aeCreateFileEvent(c->el, c->fd, AE_WRITABLE, on_writable, c);
    }
    return 0;
}

static void on_writable(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)fd;
    (void)mask;
    kclient *c = arg;
    if (!c->connected) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            broken(c, KCLIENT_ERR_CONN);
            reap(c);
            return;
        }
        c->connected = 1;
        aeCreateFileEvent(c->el, c->fd, AE_READABLE, on_readable, c);
    }
    if (write_out(c) < 0)
        broken(c, KCLIENT_ERR_CONN);
    reap(c);
}

/* Hands every complete response in c->in to its request. */
static void deliver(kclient *c) {
    size_t off = 0;
    while (c->in.len - off >= 4 && c->fd >= 0 && !c->closed) {
        const uint8_t *p = c->in.data + off;
        uint32_t size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (size < 4 || size > KCLIENT_MAX_RESPONSE) {
            broken(c, KCLIENT_ERR_CONN);
            return;
        }
        if (c->in.len - off - 4 < size)
            break;
        int32_t corr = (int32_t)((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
                                 (uint32_t)p[6] << 8 | p[7]);
        if (c->nq == 0 || c->q[0].correlation_id != corr) {
            broken(c, KCLIENT_ERR_CONN); /* out of order: the stream is not ours to trust */
            return;
        }
        pending pd = c->q[0];
        memmove(c->q, c->q + 1, (size_t)(c->nq - 1) * sizeof(pending));
        c->nq--;
        off += 4 + size;
        rbuf hdr;
        rb_init(&hdr, p + 8, size - 4);
        if (pd.flexible && rb_skip_tags(&hdr) != 0) {
            c->busy++;
            pd.cb(pd.arg, KCLIENT_ERR_CONN, NULL, 0);
            c->busy--;
            if (!c->closed)
                broken(c, KCLIENT_ERR_CONN);
            return;
        }
        /* handed over in place: nothing reads into, moves or frees c->in
         * before the callback returns (a close or a broken connection only
         * resets its length, and freeing waits for !busy) */
        c->busy++;
        pd.cb(pd.arg, KCLIENT_OK, rb_cur(&hdr), rb_remain(&hdr));
        c->busy--;
    }
    if (off && c->fd >= 0 && !c->closed) {
        memmove(c->in.data, c->in.data + off, c->in.len - off);
        c->in.len -= off;
    }
}

/* After a callback may have called kclient_close: 1 if c is gone. */
static int reap(kclient *c) {
    if (!c->closed || c->busy)
        return 0;
    free_client(c);
    return 1;
}

/* Where c->in stands: *whole is the bytes of the complete responses at its
 * front; the result is what the partial response after them lacks (0 when
 * the input ends on a response boundary or within a size prefix; a size
 * over KCLIENT_MAX_RESPONSE counts as nothing missing: deliver() breaks the
 * connection on it). */
static size_t input_missing(const kclient *c, size_t *whole) {
    size_t off = 0;
    while (c->in.len - off >= 4) {
        uint32_t size = be32_get(c->in.data + off);
        if (size > KCLIENT_MAX_RESPONSE)
            break;
        if (c->in.len - off - 4 < size) {
            *whole = off;
            return off + 4 + size - c->in.len;
        }
        off += 4 + (size_t)size;
    }
    *whole = off;
    return 0;
}

/* The input buffer is charged to the memory ceiling, so it holds no more
 * than it must: room for the partial response at its end, exactly, or a
 * read chunk (no doubling past a large answer); whole responses that fill
 * it are delivered before more is read; once they are delivered it shrinks
 * back, so that a follower's largest fetch answer is not kept charged
 * (and resident) after it was appended. */
static void on_readable(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)mask;
    kclient *c = arg;
    for (;;) {
        size_t whole, missing = input_missing(c, &whole);
        if (whole && c->in.len + READ_CHUNK > c->in.cap) {
            deliver(c);
            if (c->fd < 0 || c->closed)
                break;
            continue;
        }
        wb_reserve_exact(&c->in, missing > READ_CHUNK ? missing : READ_CHUNK);
        size_t room = c->in.cap - c->in.len;
        ssize_t n = read(fd, c->in.data + c->in.len, room);
        if (n > 0) {
            c->in.len += (size_t)n;
            if ((size_t)n < room)
                break; /* drained */
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        broken(c, KCLIENT_ERR_CONN);
        reap(c);
        return;
    }
    deliver(c);
    if (c->fd >= 0 && !c->closed) {
        size_t whole, keep = c->in.len + input_missing(c, &whole);
        if (keep < READ_CHUNK)
            keep = READ_CHUNK;
        if (c->in.cap > 2 * keep)
            wb_shrink(&c->in, keep);
    }
    reap(c);
}

static int tick(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    kclient *c = arg;
    int64_t now = ae_mono_ms();
    if (c->fd >= 0 && !c->connected && now > c->connect_deadline)
        broken(c, KCLIENT_ERR_CONN);
    else if (c->nq > 0 && now > c->q[0].deadline)
        broken(c, KCLIENT_ERR_TIMEOUT);
    return reap(c) ? AE_NOMORE : TICK_MS;
}

static int fail_later(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    kclient *c = arg;
    c->fail_timer = -1;
    if (c->fd < 0)
        fail_all(c, KCLIENT_ERR_CONN);
    reap(c);
    return AE_NOMORE;
}

kclient *kclient_new(aeEventLoop *el, const char *host, int port, const char *client_id,
                     int connect_timeout_ms, int socket_rcvbuf) {
    kclient *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->el = el;
    snprintf(c->host, sizeof(c->host), "%s", host);
    c->port = port;
    snprintf(c->client_id, sizeof(c->client_id), "%s", client_id);
    c->connect_timeout_ms = connect_timeout_ms;
    c->rcvbuf = socket_rcvbuf;
    c->fd = -1;
    c->fail_timer = -1;
    /* the buffers count against the daemon's memory ceiling (memlimit.h):
     * a follower's fetch responses are broker memory like its requests */
    wb_init_metered(&c->out, 4096);
    wb_init_metered(&c->in, 65536);
    c->timer = aeCreateTimeEvent(el, TICK_MS, tick, c);
    return c;
}

static int ensure_connected(kclient *c) {
    if (c->fd >= 0)
        return 0;
    char err[ANET_ERR_LEN];
    int fd = anetTcpNonBlockConnect(err, c->host, c->port);
    if (fd < 0)
        return -1;
    if (c->rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &c->rcvbuf, sizeof(c->rcvbuf));
    c->fd = fd;
    c->connected = 0;
    c->connect_deadline = ae_mono_ms() + c->connect_timeout_ms;
    aeCreateFileEvent(c->el, fd, AE_WRITABLE, on_writable, c);
    return 0;
}

void kclient_send(kclient *c, int16_t api_key, int16_t api_version, int flexible,
                  const wbuf *body, int timeout_ms, kclient_cb *cb, void *arg) {
    if (c->nq == c->capq) {
        c->capq = c->capq ? c->capq * 2 : 4;
        c->q = realloc(c->q, (size_t)c->capq * sizeof(pending));
        if (!c->q)
            abort();
    }
    int32_t corr = c->next_corr++;
    if (c->next_corr < 0)
        c->next_corr = 0;
    c->q[c->nq++] = (pending){corr, ae_mono_ms() + timeout_ms, flexible, cb, arg};
    if (ensure_connected(c) != 0) {
        if (c->fail_timer < 0)
            c->fail_timer = aeCreateTimeEvent(c->el, 0, fail_later, c);
        return;
    }
    size_t at = wb_i32(&c->out, 0);
    wb_i16(&c->out, api_key);
    wb_i16(&c->out, api_version);
    wb_i32(&c->out, corr);
    wb_cstr(&c->out, c->client_id);
    if (flexible)
        wb_uvarint(&c->out, 0); /* request header v2: no tagged fields */
    wb_write(&c->out, body->data, body->len);
    wb_put_i32(&c->out, at, (int32_t)(c->out.len - at - 4));
    /* a request on a connected socket goes out at once; a write error is
     * left to on_writable, so that no callback runs inside kclient_send */
    if (c->connected && !(aeGetFileEvents(c->el, c->fd) & AE_WRITABLE) && write_out(c) < 0)
        aeCreateFileEvent(c->el, c->fd, AE_WRITABLE, on_writable, c);
}

int kclient_in_flight(const kclient *c) { return c->nq; }
const char *kclient_host(const kclient *c) { return c->host; }
int kclient_port(const kclient *c) { return c->port; }

void kclient_close(kclient *c) {
    if (!c || c->closed)
        return;
    c->closed = 1;
    disconnect(c);
    aeDeleteTimeEvent(c->el, c->timer);
    if (c->fail_timer >= 0)
        aeDeleteTimeEvent(c->el, c->fail_timer);
    c->fail_timer = -1;
    fail_all(c, KCLIENT_ERR_CLOSED);
    if (!c->busy)
        free_client(c);
}
