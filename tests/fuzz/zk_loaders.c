/* zk_loaders.c -- libFuzzer target: the coordinator's recovery from
 * arbitrary bytes in dataDir/version-2/snapshot.<zxid> and
 * dataLogDir/version-2/log.<zxid> (broker/zookeeper/snapshot.c, txnlog.c,
 * txn.c, tree.c, session.c).
 *
 * Input: frames (see fuzz.h): 0 a snapshot file, 1 a transaction log file.
 * Both are loaded as they are and again with their CRC-32Cs made right (the
 * snapshot's trailer, each log record's as its length field frames it), so
 * that mutations reach the decoders behind the checksums: zk_snap_load, then
 * zk_log_recover from the snapshot's zxid, as zk_server_init recovers. The
 * state recovered must serialize, deserialize and serialize again to the
 * same bytes (abort otherwise). */
#include "crc32c.h"
#include "fuzz.h"
#include "logger.h"
#include "zk.h"

static char dir[512];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/version-2", fuzz_scratch("zkload"));
    mkdir(dir, 0755);
    log_open("/dev/null", 0, LOG_TRACE);
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, 0);
    return 0;
}

static void reset(void) {
    zk_tree_free(&Z.tree);
    zk_sessions_free(&Z.sessions);
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, 0);
    Z.last_zxid = 0;
}

static void fix_log_crcs(uint8_t *p, size_t len) {
    for (size_t off = ZK_LOG_HEADER_SIZE; len >= off + 8;) {
        uint32_t n = be32_get(p + off);
        if (n > len - off - 8)
            break;
        be32_put(p + off + 4, crc32c(0, p + off + 8, n));
        off += 8 + n;
    }
}

static void recover(const uint8_t *snap, size_t slen, const uint8_t *log, size_t llen) {
    char path[1024];
    reset();
    if (slen) {
        snprintf(path, sizeof path, "%s/snapshot.10", dir);
        fuzz_write_file(path, snap, slen);
    }
    if (llen) {
        snprintf(path, sizeof path, "%s/log.1", dir);
        fuzz_write_file(path, log, llen);
    }
    Z.recovering = true;
    int64_t zxid = zk_snap_load(dir);
    zk_log_recover(dir, zxid < 0 ? 0 : zxid);
    Z.recovering = false;
    zk_log_close();

    wbuf a, b;
    wb_init(&a, 1024);
    wb_init(&b, 1024);
    zk_snap_serialize(&a);
    reset();
    if (zk_snap_deserialize(a.data, a.len) != 0) {
        fprintf(stderr, "zk_loaders: a recovered state does not deserialize\n");
        abort();
    }
    zk_snap_serialize(&b);
    if (a.len != b.len || memcmp(a.data, b.data, a.len)) {
        fprintf(stderr, "zk_loaders: a recovered state does not serialize back the same\n");
        abort();
    }
    wb_free(&a);
    wb_free(&b);
    snprintf(path, sizeof path, "%s/snapshot.10", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/log.1", dir);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *p = data, *f[2] = {NULL, NULL};
    size_t left = size, flen[2] = {0, 0};
    for (int i = 0; i < 2 && fuzz_next_frame(&p, &left, &f[i], &flen[i]); i++)
        ;
    recover(f[0], flen[0], f[1], flen[1]);

    uint8_t *snap = malloc(flen[0] + 1), *log = malloc(flen[1] + 1);
    if (flen[0])
        memcpy(snap, f[0], flen[0]);
    if (flen[1])
        memcpy(log, f[1], flen[1]);
    if (flen[0] >= 24)
        be32_put(snap + flen[0] - 4, crc32c(0, snap, flen[0] - 4));
    fix_log_crcs(log, flen[1]);
    recover(snap, flen[0], log, flen[1]);
    free(snap);
    free(log);
    return 0;
}
