/* fuzz.h -- helpers shared by the libFuzzer targets in tests/fuzz/: a
 * scratch directory removed at exit, small file writers, and the splitting
 * of an input into the frames of one connection.
 *
 * Stream inputs (Kafka requests, ZooKeeper requests) are frames joined by
 * FUZZ_FRAME_SEP; the target adds each frame's length prefix itself, so that
 * mutations change the values inside well-framed requests (the framing code
 * has its own truncation and length tests in tests/integration/bad_input.bats).
 * Everything is static: each target is one translation unit plus the
 * project's libraries. */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae.h"
#include "buf.h"
#include "zk.h"

#define FUZZ_FRAME_SEP "\xff" "FRM"
#define FUZZ_FRAME_SEP_LEN 4

static char fuzz_dir[256];

static inline int fuzz_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* rm -rf path */
static inline void fuzz_rm_tree(const char *path) {
    nftw(path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fuzz_rm_scratch(void) {
    if (fuzz_dir[0])
        fuzz_rm_tree(fuzz_dir);
}

/* A fresh directory in $FUZZ_SCRATCH (tests/fuzz/run sets it, and removes
 * it, so that a crashed run leaves nothing behind), else /dev/shm (memory:
 * fsync costs nothing) or $TMPDIR; removed when the process exits normally. */
static inline const char *fuzz_scratch(const char *name) {
    const char *base = getenv("FUZZ_SCRATCH");
    if (!base || !*base)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fuzz-%s-XXXXXX", base ? base : "/tmp", name);
    if (!mkdtemp(fuzz_dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fuzz_rm_scratch);
    return fuzz_dir;
}

static inline void fuzz_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Writes zoo.cfg text to cfg and starts a coordinator state in this
 * process from it (Z: configuration, event loop, tree, log, listeners, and
 * for server.N lines the ensemble); the error on stderr and -1 if it fails. */
static inline int fuzz_zk_start(const char *cfg, const char *text) {
    char err[512];
    fuzz_write_file(cfg, text, strlen(text));
    if (zk_config_load(&Z.cfg, cfg, err, sizeof err) != 0) {
        fprintf(stderr, "coordinator: %s\n", err);
        return -1;
    }
    Z.min_lat = -1;
    Z.el = aeCreateEventLoop(1024);
    if (!Z.el || zk_server_init() != 0) {
        fprintf(stderr, "coordinator: it did not start\n");
        return -1;
    }
    return 0;
}

/* A loopback port nothing listens on (free when asked). */
static inline int fuzz_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
        abort();
    close(fd);
    return ntohs(a.sin_port);
}

/* Writes the whole size-prefixed frames of a recorded stream to file as an
 * input: without their size prefixes, joined by FUZZ_FRAME_SEP. */
static inline void fuzz_write_frames(const char *file, const wbuf *stream) {
    wbuf out;
    wb_init(&out, stream->len + 64);
    for (size_t off = 0; stream->len - off >= 4;) {
        uint32_t n = be32_get(stream->data + off);
        if (n > stream->len - off - 4)
            break;
        if (out.len)
            wb_write(&out, FUZZ_FRAME_SEP, FUZZ_FRAME_SEP_LEN);
        wb_write(&out, stream->data + off + 4, n);
        off += 4 + n;
    }
    fuzz_write_file(file, out.data, out.len);
    wb_free(&out);
}

/* Next frame of an input; p and left advance past it and its separator. */
static inline int fuzz_next_frame(const uint8_t **p, size_t *left, const uint8_t **frame, size_t *len) {
    if (!*p)
        return 0;
    const uint8_t *sep = memmem(*p, *left, FUZZ_FRAME_SEP, FUZZ_FRAME_SEP_LEN);
    *frame = *p;
    if (sep) {
        *len = (size_t)(sep - *p);
        *left -= *len + FUZZ_FRAME_SEP_LEN;
        *p = sep + FUZZ_FRAME_SEP_LEN;
    } else {
        *len = *left;
        *p = NULL;
        *left = 0;
    }
    return 1;
}

/* Appends every frame of an input to out with its int32 length prefix. */
static inline void fuzz_frames_prefixed(wbuf *out, const uint8_t *data, size_t size) {
    const uint8_t *p = data, *frame;
    size_t left = size, len;
    while (fuzz_next_frame(&p, &left, &frame, &len)) {
        wb_i32(out, (int32_t)len);
        wb_write(out, frame, len);
    }
}

/* Reads what the peer sent (appended to w unless NULL); sets *progress when
 * something came. Returns 1 once the peer closed. */
static inline int fuzz_drain(int fd, wbuf *w, int *progress) {
    uint8_t buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            *progress = 1;
            if (w)
                wb_write(w, buf, (size_t)n);
            continue;
        }
        return n == 0 || (errno != EAGAIN && errno != EINTR);
    }
}

/* One conversation over the non-blocking socket fd, whose other end the code
 * under test serves in this process: sends out while running step (one
 * event-loop iteration, waiting up to timeout_ms; returns how many events
 * it handled) and reading the answers, until the other end closes, or
 * everything is sent and then: idle() says the server has nothing left, or
 * (idle NULL) three iterations in a row bring nothing. When nothing
 * happens, step waits 1 ms; budget_ms bounds the wait for a deferred answer. */
static inline void fuzz_converse(int fd, const wbuf *out, int (*step)(int timeout_ms),
                                 int (*idle)(void), int budget_ms) {
    size_t sent = 0;
    int64_t deadline = ae_mono_ms() + budget_ms;
    for (int quiet = 0;;) {
        int progress = 0;
        if (sent < out->len) {
            ssize_t n = write(fd, out->data + sent, out->len - sent);
            if (n > 0) {
                sent += (size_t)n;
                progress = 1;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                return; /* closed by the other end */
            }
        }
        progress |= step(0) > 0;
        if (fuzz_drain(fd, NULL, &progress))
            return;
        if (sent == out->len && idle && idle()) {
            step(0); /* the last answer may still be queued */
            fuzz_drain(fd, NULL, &progress);
            return;
        }
        if (progress) {
            quiet = 0;
            continue;
        }
        if ((!idle && sent == out->len && ++quiet >= 3) || ae_mono_ms() > deadline)
            return;
        step(1);
    }
}

#endif
