/* network.c -- accepts client connections, frames Kafka requests, dispatches
 * them to the API handlers and writes responses when the socket is writable.
 *
 * Framing: int32 size, then the request header (api_key, api_version,
 * correlation_id, client_id; tagged fields for flexible versions) and body.
 * A size above socket.request.max.bytes is refused before anything is
 * allocated; malformed requests close that one connection with a WARN.
 * Memory is charged to the -Xmx ceiling as described in network.h. */
#include "network.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "anet.h"
#include "api.h"
#include "broker.h"
#include "logger.h"
#include "memlimit.h"

#define LOGGER "kafka.network.Processor"
#define READ_CHUNK 65536
#define MAX_WRITE_PER_EVENT (8 * 1024 * 1024)
/* A connection's answers waiting in memory for its client to read them:
 * past this, its next request waits until they are sent (Kafka mutes a
 * channel until its response is sent; this lets small answers pipeline). */
#define CONN_OUT_MEM_MAX (1024 * 1024)

typedef struct outchunk {
    struct outchunk *next;
    uint8_t *mem; /* memory part, or NULL for a file part */
    size_t len, off;
    int fd;
    off_t fpos;
    size_t charged; /* to the memory ceiling */
} outchunk;

struct conn {
    int fd;
    char ip[64];
    int port;
    wbuf in;          /* unparsed input */
    size_t in_off;    /* while a request is pending: where what follows its frame starts */
    size_t frame_missing; /* bytes the partial frame at the front of in lacks */
    outchunk *out_head, *out_tail;
    size_t out_mem;   /* memory of the queued answers (charged to the ceiling) */
    request *pending; /* deferred request whose frame pins c->in */
    request *order_head, *order_tail; /* deferred or held requests, oldest first */
    int blocked;      /* the next request waits until order_head is answered */
    int closing;      /* close once output drained */
    int dispatching;  /* inside a handler: completions must not re-enter */
    int dead;         /* socket closed; freed when pending completes */
    int mem_paused;   /* not read until memory is freed (memory ceiling) */
    int out_paused;   /* not read until its answers are sent (CONN_OUT_MEM_MAX) */
    int write_queued; /* on the to_write list */
    conn *prev, *next;
    conn *next_write;
};

static conn *conns;
static int nconns;
/* Connections with new output, written before the loop sleeps (Redis's
 * clients_pending_write): most responses go out in one write, without a
 * writable event. Only what the socket does not take waits for one. */
static conn *to_write;
static int nmem_paused;
static int64_t last_pause_log_ms, last_full_log_ms;
static int listen_fds[16];
static int nlisten;

/* ------------------------------------------------------------------------
 * Responses
 * ---------------------------------------------------------------------- */
void resp_init(response *rs) {
    wb_init_metered(&rs->wb, 256);
    rs->files = NULL;
    rs->nfiles = rs->capfiles = 0;
    rs->files_len = 0;
}

void resp_free(response *rs) {
    wb_free(&rs->wb);
    for (int i = 0; i < rs->nfiles; i++)
        if (rs->files[i].fd >= 0)
            close(rs->files[i].fd);
    free(rs->files);
    rs->files = NULL;
    rs->nfiles = rs->capfiles = 0;
}

void resp_add_file(response *rs, int fd, off_t pos, size_t len) {
    if (rs->nfiles == rs->capfiles) {
        rs->capfiles = rs->capfiles ? rs->capfiles * 2 : 8;
        rs->files = realloc(rs->files, (size_t)rs->capfiles * sizeof(*rs->files));
        if (!rs->files)
            abort();
    }
    rs->files[rs->nfiles++] = (resp_file){rs->wb.len, fd, pos, len};
    rs->files_len += len;
}

size_t resp_len(const response *rs) { return rs->wb.len + rs->files_len; }

/* ------------------------------------------------------------------------
 * Connection lifecycle
 * ---------------------------------------------------------------------- */
static void conn_readable(aeEventLoop *el, int fd, void *cd, int mask);
static void conn_writable(aeEventLoop *el, int fd, void *cd, int mask);
static void conn_process_input(conn *c);
static int conn_hold_requests(conn *c);

static void request_free(request *rq) {
    if (rq->held) {
        resp_free(rq->held);
        free(rq->held);
    }
    free(rq);
}

static void out_chunk_free(outchunk *o) {
    if (o->mem)
        free(o->mem);
    else
        close(o->fd);
    memlimit_release(o->charged);
    free(o);
}

static void out_free_all(conn *c) {
    outchunk *o = c->out_head;
    while (o) {
        outchunk *n = o->next;
        out_chunk_free(o);
        o = n;
    }
    c->out_head = c->out_tail = NULL;
}

static void conn_free(conn *c) {
    wb_free(&c->in);
    out_free_all(c);
    free(c);
}

static void conn_close(conn *c) {
    if (c->dead)
        return;
    if (c->mem_paused) {
        c->mem_paused = 0;
        nmem_paused--;
    }
    aeDeleteFileEvent(B.el, c->fd, AE_READABLE | AE_WRITABLE);
    close(c->fd);
    c->dead = 1;
    if (c->write_queued) {
        for (conn **pp = &to_write; *pp; pp = &(*pp)->next_write)
            if (*pp == c) {
                *pp = c->next_write;
                break;
            }
        c->write_queued = 0;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    nconns--;
    /* answered ones are held here only; the others belong to their handlers
     * until request_complete */
    request **pp = &c->order_head;
    c->order_tail = NULL;
    while (*pp) {
        request *rq = *pp;
        if (rq->answered) {
            *pp = rq->next_in_order;
            request_free(rq);
        } else {
            c->order_tail = rq;
            pp = &rq->next_in_order;
        }
    }
    if (!c->order_head)
        conn_free(c);
}

static void out_push(conn *c, outchunk *o) {
    o->next = NULL;
    c->out_mem += o->charged;
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
}

static void out_push_mem(conn *c, const uint8_t *p, size_t len) {
    if (!len)
        return;
    outchunk *o = calloc(1, sizeof(*o));
    o->mem = malloc(len);
    if (!o || !o->mem)
        abort();
    memcpy(o->mem, p, len);
    o->len = len;
    o->fd = -1;
    o->charged = len;
    memlimit_charge(len);
    out_push(c, o);
}

/* Queues header + body; the file parts' descriptors move to the queue. */
/* Response header v0 (correlation id), or v1 with an empty tagged-field
 * section for flexible request versions (header_tags). */
static void conn_queue_response(conn *c, int32_t correlation_id, int header_tags, response *rs) {
    uint8_t hdr[9];
    size_t hlen = header_tags ? 9 : 8;
    be32_put(hdr, (uint32_t)(resp_len(rs) + hlen - 4));
    be32_put(hdr + 4, (uint32_t)correlation_id);
    hdr[8] = 0;
    int was_empty = c->out_head == NULL;
    size_t at = 0;
    if (rs->nfiles == 0 && rs->wb.len + hlen <= rs->wb.cap) {
        /* common case: one chunk, header in front */
        outchunk *o = calloc(1, sizeof(*o));
        if (!o)
            abort();
        memmove(rs->wb.data + hlen, rs->wb.data, rs->wb.len);
        memcpy(rs->wb.data, hdr, hlen);
        o->len = rs->wb.len + hlen;
        o->charged = wb_charged(&rs->wb);
        o->mem = wb_steal(&rs->wb, NULL);
        o->fd = -1;
        out_push(c, o);
    } else {
        out_push_mem(c, hdr, hlen);
        for (int i = 0; i < rs->nfiles; i++) {
            resp_file *f = &rs->files[i];
            out_push_mem(c, rs->wb.data + at, f->at - at);
            at = f->at;
            outchunk *o = calloc(1, sizeof(*o));
            if (!o)
                abort();
            o->fd = f->fd;
            o->fpos = f->pos;
            o->len = f->len;
            f->fd = -1;
            out_push(c, o);
        }
        out_push_mem(c, rs->wb.data + at, rs->wb.len - at);
    }
    resp_free(rs);
    if (was_empty && !c->dead && !c->write_queued) {
        c->write_queued = 1;
        c->next_write = to_write;
        to_write = c;
    }
}

/* Writes what the socket takes (at most MAX_WRITE_PER_EVENT); the rest
 * waits for a writable event. */
static void conn_write(conn *c) {
    int fd = c->fd;
    size_t written = 0;
    int full = 0;
    while (c->out_head && written < MAX_WRITE_PER_EVENT && !full) {
        outchunk *o = c->out_head;
        ssize_t n;
        size_t asked = 0;
        if (o->mem) {
            /* gather consecutive memory chunks */
            struct iovec iov[16];
            int cnt = 0;
            for (outchunk *x = o; x && x->mem && cnt < 16; x = x->next, cnt++) {
                iov[cnt].iov_base = x->mem + x->off;
                iov[cnt].iov_len = x->len - x->off;
                asked += iov[cnt].iov_len;
            }
            n = writev(fd, iov, cnt);
        } else {
            asked = o->len - o->off;
            n = sendfile(fd, o->fd, &o->fpos, asked);
            if (n == 0) {
                /* the file is shorter than promised: never send less than the
                 * frame announced; drop the client */
                log_warn(LOGGER, "Short read of log data for %s; closing connection", c->ip);
                conn_close(c);
                return;
            }
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                conn_close(c);
                return;
            }
            break;
        }
        /* Less than asked: the socket's send buffer is full. Trying again
         * now would only fail with EAGAIN, and a sendfile that fails so
         * has first spliced up to 64 KiB of the file's pages for nothing;
         * the writable event goes on. */
        full = (size_t)n < asked;
        written += (size_t)n;
        size_t left = (size_t)n;
        while (left && c->out_head) {
            outchunk *x = c->out_head;
            size_t take = x->len - x->off < left ? x->len - x->off : left;
            if (!x->mem)
                take = left; /* sendfile advanced fpos itself */
            x->off += take;
            left -= take;
            if (x->off >= x->len) {
                c->out_head = x->next;
                if (!c->out_head)
                    c->out_tail = NULL;
                c->out_mem -= x->charged;
                out_chunk_free(x);
            }
        }
    }
    if (!c->out_head) {
        aeDeleteFileEvent(B.el, fd, AE_WRITABLE);
        if (c->closing) {
            conn_close(c);
            return;
        }
    } else {
        aeCreateFileEvent(B.el, fd, AE_WRITABLE, conn_writable, c);
    }
    if (c->out_paused && c->out_mem < CONN_OUT_MEM_MAX) {
        /* the client read its answers: the requests it sent meanwhile go on */
        c->out_paused = 0;
        aeCreateFileEvent(B.el, fd, AE_READABLE, conn_readable, c);
        conn_process_input(c);
    }
}

static void conn_writable(aeEventLoop *el, int fd, void *cd, int mask) {
    (void)el;
    (void)fd;
    (void)mask;
    conn_write(cd);
}

/* Writes the responses queued since the loop last slept. */
static void write_queued(void) {
    while (to_write) {
        conn *c = to_write;
        to_write = c->next_write;
        c->write_queued = 0;
        if (!(aeGetFileEvents(B.el, c->fd) & AE_WRITABLE))
            conn_write(c); /* else the writable event goes on with it */
    }
}

int request_conn_alive(const request *rq) { return !rq->c->dead; }
const char *request_client_host(const request *rq) { return rq->c->ip; }

void request_release_frame(request *rq) { rq->frame_released = 1; }

static void order_push(conn *c, request *rq) {
    rq->next_in_order = NULL;
    if (c->order_tail)
        c->order_tail->next_in_order = rq;
    else
        c->order_head = rq;
    c->order_tail = rq;
}

static void order_remove(conn *c, request *rq) {
    request *prev = NULL;
    for (request *x = c->order_head; x; prev = x, x = x->next_in_order)
        if (x == rq) {
            if (prev)
                prev->next_in_order = x->next_in_order;
            else
                c->order_head = x->next_in_order;
            if (c->order_tail == x)
                c->order_tail = prev;
            return;
        }
}

/* Keeps rq's response until the requests before it are answered (rq stays
 * in the order, answered). */
static void hold_response(request *rq, response *rs) {
    rq->held = malloc(sizeof(*rq->held));
    if (!rq->held)
        abort();
    *rq->held = *rs;
    rq->answered = 1;
}

/* Queues the responses at the head of the order that are due. */
static void send_answered(conn *c) {
    while (c->order_head && c->order_head->answered) {
        request *rq = c->order_head;
        c->order_head = rq->next_in_order;
        if (!c->order_head)
            c->order_tail = NULL;
        conn_queue_response(c, rq->correlation_id, rq->header_tags, rq->held);
        free(rq->held);
        rq->held = NULL;
        request_free(rq);
    }
}

/* rq is complete: its response goes out now if no earlier request is still
 * unanswered (with those it held back), else it waits for them. Frees rq. */
static void answer(conn *c, request *rq, response *rs) {
    if (c->order_head != rq) {
        hold_response(rq, rs);
        return;
    }
    order_remove(c, rq);
    conn_queue_response(c, rq->correlation_id, rq->header_tags, rs);
    request_free(rq);
    send_answered(c);
}

void request_complete(request *rq, response *rs) {
    conn *c = rq->c;
    if (c->pending == rq)
        c->pending = NULL;
    if (c->dead) {
        resp_free(rs);
        order_remove(c, rq);
        request_free(rq);
        if (!c->order_head)
            conn_free(c);
        return;
    }
    answer(c, rq, rs);
    if (c->dispatching)
        return; /* completed from inside a handler: the loop goes on */
    if (c->blocked && c->order_head)
        return;
    c->blocked = 0;
    if (c->pending)
        return;
    aeCreateFileEvent(B.el, c->fd, AE_READABLE, conn_readable, c);
    conn_process_input(c); /* pipelined requests waited for this one */
}

/* ------------------------------------------------------------------------
 * Request parsing and dispatch
 * ---------------------------------------------------------------------- */

/* ApiVersions with a version we do not know: answered in v0 format with
 * UNSUPPORTED_VERSION and our ApiVersions range (KIP-511). */
static void reply_unsupported_apiversions(conn *c, int32_t correlation_id) {
    const api_def *d = api_lookup(ApiKey_ApiVersions);
    response rs;
    resp_init(&rs);
    wb_i16(&rs.wb, ERR_UNSUPPORTED_VERSION);
    wb_i32(&rs.wb, 1);
    wb_i16(&rs.wb, d->key);
    wb_i16(&rs.wb, d->min_version);
    wb_i16(&rs.wb, d->max_version);
    conn_queue_response(c, correlation_id, 0, &rs);
}

/* Returns -1 when the connection must be closed. */
static int dispatch(conn *c, uint8_t *p, size_t len) {
    request *rq = calloc(1, sizeof(*rq));
    if (!rq)
        abort();
    rq->c = c;
    rq->frame = p; /* in c->in, which stays put while the request is pending */
    rq->frame_len = len;
    rbuf *rb = &rq->body;
    rb_init(rb, rq->frame, len);
    rb_read_i16(rb, &rq->api_key);
    rb_read_i16(rb, &rq->api_version);
    rb_read_i32(rb, &rq->correlation_id);
    rb_read_str(rb, &rq->client_id);

    const api_def *d = api_lookup(rq->api_key);
    if (!d) {
        log_warn(LOGGER, "Closing connection from %s:%d: unknown API key %d (correlation id %d)",
                 c->ip, c->port, rq->api_key, rq->correlation_id);
        request_free(rq);
        return -1;
    }
    if (rq->api_version < d->min_version || rq->api_version > d->max_version) {
        if (rq->api_key == ApiKey_ApiVersions) {
            reply_unsupported_apiversions(c, rq->correlation_id);
            request_free(rq);
            return 0;
        }
        log_warn(LOGGER,
                 "Closing connection from %s:%d: unsupported version %d of %s (correlation id %d)",
                 c->ip, c->port, rq->api_version, d->name, rq->correlation_id);
        request_free(rq);
        return -1;
    }
    int flexible = api_flexible(d, rq->api_version);
    if (flexible)
        rb_read_tags(rb); /* request header v2 */
    /* the answer's header is v1 then, but ApiVersions' stays v0 (KIP-511) */
    rq->header_tags = flexible && rq->api_key != ApiKey_ApiVersions;

    response rs;
    resp_init(&rs);
    c->pending = rq;
    order_push(c, rq); /* before the handler: it may complete rq itself */
    c->dispatching = 1;
    int r = d->handler(rq, &rs);
    c->dispatching = 0;
    if (r == 1) {
        /* the handler took over rq and the contents of rs (and may have
         * completed it already: then it is no longer c->pending) */
        if (c->pending == rq && rq->frame_released)
            c->pending = NULL;
        return 0;
    }
    c->pending = NULL;
    if (r == 0) {
        answer(c, rq, &rs); /* or held behind a deferred Produce */
        return 0;
    }
    order_remove(c, rq);
    if (r == 2) { /* no response (Produce with acks=0) */
        resp_free(&rs);
        request_free(rq);
        return 0;
    }
    resp_free(&rs);
    log_warn(LOGGER,
             "Closing connection from %s:%d due to a malformed %s v%d request (correlation id %d): %s",
             c->ip, c->port, d->name, rq->api_version, rq->correlation_id,
             rb->errmsg ? rb->errmsg : "invalid field");
    request_free(rq);
    return -1;

err_parse:
    log_warn(LOGGER, "Closing connection from %s:%d: malformed request header", c->ip, c->port);
    request_free(rq);
    return -1;
}

static void conn_process_input(conn *c) {
    size_t off = c->in_off;
    c->in_off = 0;
    c->frame_missing = 0;
    while (!c->pending && !c->dead && !c->closing) {
        size_t avail = c->in.len - off;
        if (avail < 4)
            break;
        int32_t size = (int32_t)be32_get(c->in.data + off);
        if (size < 8 || size > B.cfg.socket_request_max_bytes) {
            log_warn(LOGGER,
                     "Closing connection from %s:%d: request size %d is outside 8..%d "
                     "(socket.request.max.bytes)",
                     c->ip, c->port, size, B.cfg.socket_request_max_bytes);
            conn_close(c);
            return;
        }
        if (4 + (size_t)size > memlimit_admission()) {
            char h[32];
            log_warn(LOGGER,
                     "Closing connection from %s:%d: a request of %d bytes can never fit the "
                     "memory ceiling (%s, KAFKA_HEAP_OPTS)",
                     c->ip, c->port, size, memlimit_human(memlimit_limit(), h, sizeof(h)));
            conn_close(c);
            return;
        }
        if (avail < 4 + (size_t)size) {
            c->frame_missing = 4 + (size_t)size - avail;
            break;
        }
        if (conn_hold_requests(c))
            break; /* the frame stays in c->in */
        if (c->order_head && be16_get(c->in.data + off + 4) != ApiKey_Produce) {
            /* only Produce requests go on beside deferred ones */
            c->blocked = 1;
            c->in_off = off;
            return; /* conn_readable stops reading if more arrives meanwhile */
        }
        if (dispatch(c, c->in.data + off + 4, (size_t)size) < 0) {
            conn_close(c);
            return;
        }
        off += 4 + (size_t)size;
        if (c->pending) {
            /* Deferred: its handler may hold pointers into its frame, so the
             * input buffer stays as it is (nothing is read, moved or grown)
             * until the request completes; then the requests after it go on
             * from in_off. Nothing is copied, however many are pipelined. */
            c->in_off = off;
            return; /* conn_readable stops reading if more arrives meanwhile */
        }
    }
    if (c->dead)
        return;
    if (off) {
        memmove(c->in.data, c->in.data + off, c->in.len - off);
        c->in.len -= off;
    }
    /* Keep no more than a read chunk (or the partial frame) once a large
     * frame is handled; an empty buffer of a quiet connection holds nothing. */
    size_t keep = c->in.len + c->frame_missing;
    if (c->in.len == 0 && c->in.cap > READ_CHUNK)
        wb_shrink(&c->in, 0);
    else if (c->in.cap > 2 * (keep > READ_CHUNK ? keep : READ_CHUNK))
        wb_shrink(&c->in, keep > READ_CHUNK ? keep : READ_CHUNK);
    /* The whole frame is reserved before the rest of it is read, so that a
     * frame once admitted can always be completed; if the ceiling refuses,
     * conn_readable fills what room there is and then pauses. */
    if (c->frame_missing)
        (void)wb_try_reserve(&c->in, c->frame_missing);
}

/* Stops reading c until memory is freed (network_before_sleep). */
static void conn_pause_for_memory(conn *c) {
    aeDeleteFileEvent(B.el, c->fd, AE_READABLE);
    if (c->mem_paused)
        return;
    c->mem_paused = 1;
    if (memlimit_full()) {
        if (nmem_paused++ == 0 && ae_mono_ms() - last_full_log_ms >= 60000) {
            char u[32], l[32];
            last_full_log_ms = ae_mono_ms();
            log_warn(LOGGER,
                     "Memory in use (%s) reached the ceiling (%s, KAFKA_HEAP_OPTS): no new "
                     "request is handled until responses are sent and memory is freed",
                     memlimit_human(memlimit_used(), u, sizeof(u)),
                     memlimit_human(memlimit_limit(), l, sizeof(l)));
        }
        return;
    }
    if (nmem_paused++ == 0 && ae_mono_ms() - last_pause_log_ms >= 60000) {
        char u[32], a[32], l[32];
        last_pause_log_ms = ae_mono_ms();
        log_info(LOGGER,
                 "Memory in use (%s) reached the ceiling for new requests (%s of %s, "
                 "KAFKA_HEAP_OPTS): reading from clients pauses until memory is freed",
                 memlimit_human(memlimit_used(), u, sizeof(u)),
                 memlimit_human(memlimit_admission(), a, sizeof(a)),
                 memlimit_human(memlimit_limit(), l, sizeof(l)));
    }
}

/* Whether c's next request, read whole, must wait: its own answers not
 * yet read pass CONN_OUT_MEM_MAX (a client that does not read), or the
 * answers of all connections have used up the memory kept for them (the
 * ceiling itself is reached). Either way reading c stops too, until its
 * answers are sent (conn_writable) or memory is freed
 * (network_before_sleep). */
static int conn_hold_requests(conn *c) {
    if (c->out_mem >= CONN_OUT_MEM_MAX) {
        c->out_paused = 1;
        aeDeleteFileEvent(B.el, c->fd, AE_READABLE);
        return 1;
    }
    if (memlimit_full()) {
        conn_pause_for_memory(c);
        return 1;
    }
    return 0;
}

void network_before_sleep(void) {
    write_queued();
    memlimit_trim_if_due();
    if (!nmem_paused || !memlimit_freed())
        return;
    memlimit_trim(); /* what was freed leaves the process before more is read */
    conn *next;
    for (conn *c = conns; c; c = next) {
        next = c->next;
        if (!c->mem_paused)
            continue;
        c->mem_paused = 0;
        nmem_paused--;
        if (c->out_paused)
            continue; /* its own answers first */
        aeCreateFileEvent(B.el, c->fd, AE_READABLE, conn_readable, c);
        /* requests already read (held while memory was full) go on now;
         * this may close c, never another connection */
        if (!c->pending && c->in.len >= 4)
            conn_process_input(c);
    }
}

static void conn_readable(aeEventLoop *el, int fd, void *cd, int mask) {
    (void)el;
    (void)mask;
    conn *c = cd;
    if (c->pending || c->out_paused || c->blocked) {
        /* the pending request's frame is in c->in: read again when it
         * completes; or the next request waits for the deferred ones, or
         * its answers wait to be read: read once they are */
        aeDeleteFileEvent(el, fd, AE_READABLE);
        return;
    }
    /* Read up to the end of a large frame and no further, so that nothing
     * after it has to be moved to the front once it is handled. When the
     * memory ceiling refuses that much, read into the room there is, and
     * when there is none, pause. */
    size_t want = c->frame_missing > READ_CHUNK ? c->frame_missing : READ_CHUNK;
    if (wb_try_reserve(&c->in, want) != 0) {
        want = c->in.cap - c->in.len;
        if (want == 0) {
            conn_pause_for_memory(c);
            return;
        }
    }
    ssize_t n = read(fd, c->in.data + c->in.len, want);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(c);
        return;
    }
    if (n < 0)
        return;
    c->in.len += (size_t)n;
    conn_process_input(c);
}

static int conns_from_ip(const char *ip) {
    int n = 0;
    for (conn *c = conns; c; c = c->next)
        n += !strcmp(c->ip, ip);
    return n;
}

/* socket.send.buffer.bytes / socket.receive.buffer.bytes as Kafka's
 * Acceptor applies them: SO_RCVBUF on the listening socket (so accepted
 * sockets start with it and the TCP window scale fits it) and SO_SNDBUF on
 * each accepted socket; -1 leaves the kernel's autotuning alone. */
static void set_buffer(int fd, int opt, int32_t bytes, const char *key) {
    if (bytes == -1)
        return;
    if (setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes) < 0)
        log_warn("kafka.network.Acceptor", "Could not set %s=%d on a socket: %s", key, bytes,
                 strerror(errno));
}

static void accept_handler(aeEventLoop *el, int lfd, void *cd, int mask) {
    (void)cd;
    (void)mask;
    for (int i = 0; i < 64; i++) {
        char ip[64];
        int port;
        int fd = anetTcpAccept(NULL, lfd, ip, sizeof(ip), &port);
        if (fd < 0)
            return;
        if (B.shutting_down || fd >= aeGetSetSize(el) ||
            conns_from_ip(ip) >= B.cfg.max_connections_per_ip) {
            log_warn(LOGGER, "Rejected connection from %s: %s", ip,
                     B.shutting_down ? "shutting down" : "too many connections");
            close(fd);
            continue;
        }
        anetEnableTcpNoDelay(NULL, fd);
        set_buffer(fd, SO_SNDBUF, B.cfg.socket_send_buffer_bytes, "socket.send.buffer.bytes");
        network_adopt(fd, ip, port);
    }
}

int network_adopt(int fd, const char *ip, int port) {
    conn *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->fd = fd;
    snprintf(c->ip, sizeof(c->ip), "%s", ip);
    c->port = port;
    wb_init_metered(&c->in, 0);
    if (aeCreateFileEvent(B.el, fd, AE_READABLE, conn_readable, c) == AE_ERR) {
        close(fd);
        free(c);
        return -1;
    }
    c->next = conns;
    if (conns)
        conns->prev = c;
    conns = c;
    nconns++;
    return 0;
}

int network_idle(void) {
    for (conn *c = conns; c; c = c->next)
        if (c->pending || c->order_head || c->out_head || c->mem_paused)
            return 0;
    return 1;
}

int network_listen(void) {
    for (int i = 0; i < B.cfg.nlisteners && nlisten < 16; i++) {
        char err[ANET_ERR_LEN];
        const char *host = B.cfg.listeners[i].host;
        int fd = anetTcpServer(err, B.cfg.listeners[i].port, host, 511);
        if (fd < 0) {
            log_error("kafka.network.Acceptor", "Socket server failed to bind to %s:%d: %s",
                      host && *host ? host : "0.0.0.0", B.cfg.listeners[i].port, err);
            return -1;
        }
        set_buffer(fd, SO_RCVBUF, B.cfg.socket_receive_buffer_bytes, "socket.receive.buffer.bytes");
        aeCreateFileEvent(B.el, fd, AE_READABLE, accept_handler, NULL);
        listen_fds[nlisten++] = fd;
        log_info("kafka.network.Acceptor", "Awaiting socket connections on %s:%d.",
                 host && *host ? host : "0.0.0.0", B.cfg.listeners[i].port);
    }
    return 0;
}

void network_stop_accepting(void) {
    for (int i = 0; i < nlisten; i++) {
        aeDeleteFileEvent(B.el, listen_fds[i], AE_READABLE);
        close(listen_fds[i]);
    }
    nlisten = 0;
}

/* Flushes what can be flushed without blocking for long, then closes. */
void network_close_all(void) {
    int64_t deadline = ae_mono_ms() + 2000;
    for (;;) {
        int busy = 0;
        write_queued();
        for (conn *c = conns; c; c = c->next)
            busy |= c->out_head != NULL;
        if (!busy || ae_mono_ms() > deadline)
            break;
        aeProcessEvents(B.el, 50);
    }
    while (conns)
        conn_close(conns);
}

int network_conn_count(void) { return nconns; }
