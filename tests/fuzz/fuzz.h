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

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A fresh directory in /dev/shm (memory: fsync costs nothing) or $TMPDIR,
 * removed when the process exits normally. */
static inline const char *fuzz_scratch(const char *name) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
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

#endif
