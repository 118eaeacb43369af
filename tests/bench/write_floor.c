/* write_floor.c -- the floor under `make bench`'s produce rows: what this
 * machine charges just to receive bytes over loopback TCP and keep them,
 * with no protocol and no checksum. A child process sends COUNT bytes in
 * CHUNK-sized writes; this process reads each chunk whole and then
 *   file    pwrites it at the end of a new file in DIR (what a broker that
 *           writes its log through the page cache must do at least), or
 *   memory  copies it into a 5 MiB area it reuses from the start when full
 *           (what librdkafka's in-memory mock does with a partition's data).
 * The difference between the two is what writing to disk costs here.
 *
 *   write_floor file|memory -d DIR [-n COUNT] [-c CHUNK]
 *
 * Prints  mode= bytes= secs= cpu=   (cpu: the receiving process's user+system
 * seconds). Exit status 0, or 1 on any I/O error (with a message). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_clock.h"

#define MEMORY_AREA (5u << 20)

static int fail(const char *what) {
    fprintf(stderr, "write_floor: %s: %s\n", what, strerror(errno));
    return 1;
}

/* The sender: COUNT bytes in CHUNK-sized writes, then close. */
static void send_all(const struct sockaddr_in *to, long count, size_t chunk) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    char *buf = malloc(chunk);
    if (s < 0 || !buf || connect(s, (const struct sockaddr *)to, sizeof *to) != 0)
        _exit(1);
    memset(buf, 'v', chunk);
    for (long sent = 0; sent < count;) {
        size_t n = (size_t)(count - sent) < chunk ? (size_t)(count - sent) : chunk;
        for (size_t off = 0; off < n;) {
            ssize_t w = write(s, buf + off, n - off);
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        sent += (long)n;
    }
    close(s);
    _exit(0);
}

/* Reads up to len bytes, as many as arrive before len or end of stream. */
static ssize_t read_chunk(int fd, char *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int main(int argc, char **argv) {
    const char *dir = NULL;
    long count = 512L << 20;
    size_t chunk = 1000000;
    int c;
    if (argc < 2 || (strcmp(argv[1], "file") != 0 && strcmp(argv[1], "memory") != 0)) {
        fprintf(stderr, "usage: write_floor file|memory -d DIR [-n COUNT] [-c CHUNK]\n");
        return 2;
    }
    int to_file = strcmp(argv[1], "file") == 0;
    optind = 2;
    while ((c = getopt(argc, argv, "d:n:c:")) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'n')
            count = atol(optarg);
        else if (c == 'c')
            chunk = (size_t)atol(optarg);
        else
            return 2;
    }
    if (!dir || count <= 0 || chunk == 0 || chunk > (64u << 20)) {
        fprintf(stderr, "write_floor: -d DIR is required; COUNT and CHUNK (at most 64 MiB) must be positive\n");
        return 2;
    }

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(ls, (struct sockaddr *)&addr, &alen) != 0 || listen(ls, 1) != 0)
        return fail("listen");
    pid_t child = fork();
    if (child < 0)
        return fail("fork");
    if (child == 0)
        send_all(&addr, count, chunk);
    int s = accept(ls, NULL, NULL);
    if (s < 0)
        return fail("accept");

    char path[4096];
    snprintf(path, sizeof path, "%s/write_floor.%d", dir, (int)getpid());
    int fd = to_file ? open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644) : -1;
    char *buf = malloc(chunk), *area = to_file ? NULL : malloc(MEMORY_AREA);
    if ((to_file && fd < 0) || !buf || (!to_file && !area))
        return fail(to_file ? path : "malloc");
    if (area)
        memset(area, 0, MEMORY_AREA); /* the mock's memory is its own, long touched */

    double cpu0 = cpu_seconds();
    int64_t t0 = now_ns();
    long total = 0;
    size_t at = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read_chunk(s, buf, chunk);
        if (n < 0) {
            rc = fail("read");
            break;
        }
        if (n == 0)
            break;
        if (to_file) {
            if (pwrite(fd, buf, (size_t)n, total) != n) {
                rc = fail("pwrite");
                break;
            }
        } else {
            if (at + (size_t)n > MEMORY_AREA)
                at = 0;
            memcpy(area + at, buf, (size_t)n < MEMORY_AREA ? (size_t)n : MEMORY_AREA);
            at += (size_t)n;
        }
        total += n;
    }
    int64_t t1 = now_ns();
    double cpu = cpu_seconds() - cpu0;

    int status = 0;
    waitpid(child, &status, 0);
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    if (!rc && (total != count || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        fprintf(stderr, "write_floor: received %ld of %ld bytes\n", total, count);
        rc = 1;
    }
    printf("mode=%s bytes=%ld secs=%.3f cpu=%.3f\n", argv[1], total, (double)(t1 - t0) / 1e9, cpu);
    free(buf);
    free(area);
    return rc;
}
