/* digest.c -- ZooKeeper 3.6+'s digest of the data tree and its history,
 * which the `hash` four-letter word prints ("<hex zxid>: <digest>" lines).
 *
 * The digest of a node is the CRC-32 of its path ("" for the root), its
 * data and 60 bytes of its persisted Stat (czxid, mzxid, pzxid, ctime,
 * mtime as int64; version, cversion, aversion as int32; ephemeralOwner as
 * int64), all big-endian, cversion being the stored count of child creates
 * (DigestCalculator, digest version 2). Nodes under /zookeeper/ count 0;
 * /zookeeper itself counts. The tree's digest is the sum of its nodes'
 * (an int64 that wraps). ZooKeeper records it after every transaction
 * whose zxid is a multiple of 128 and keeps the last 1024 records
 * (DataTree.DIGEST_LOG_INTERVAL / DIGEST_LOG_LIMIT); so do we, computing it
 * by walking the tree at those zxids only. */
#include <string.h>

#include <zlib.h>

#include "zk.h"

#define DIGEST_LOG_INTERVAL 128
#define DIGEST_LOG_LIMIT 1024

static zk_zxid_digest ring[DIGEST_LOG_LIMIT];
static int ring_head, ring_n;

static void add_node(const zk_node *n, void *arg) {
    if (!strncmp(n->path, "/zookeeper/", 11))
        return;
    uint8_t st[60];
    be64_put(st, (uint64_t)n->czxid);
    be64_put(st + 8, (uint64_t)n->mzxid);
    be64_put(st + 16, (uint64_t)n->pzxid);
    be64_put(st + 24, (uint64_t)n->ctime);
    be64_put(st + 32, (uint64_t)n->mtime);
    be32_put(st + 40, (uint32_t)n->version);
    be32_put(st + 44, (uint32_t)n->cversion);
    be32_put(st + 48, (uint32_t)n->aversion);
    be64_put(st + 52, (uint64_t)n->ephemeralOwner);
    uLong crc = crc32(0L, Z_NULL, 0);
    if (strcmp(n->path, "/"))
        crc = crc32(crc, (const Bytef *)n->path, (uInt)strlen(n->path));
    if (n->dlen > 0)
        crc = crc32(crc, n->data, (uInt)n->dlen);
    crc = crc32(crc, st, sizeof st);
    *(uint64_t *)arg += (uint64_t)crc;
}

int64_t zk_tree_digest(const zk_tree *t) {
    uint64_t sum = 0;
    zk_tree_walk(t, add_node, &sum);
    return (int64_t)sum;
}

void zk_digest_applied(int64_t zxid) {
    if (zxid <= 0 || zxid % DIGEST_LOG_INTERVAL)
        return;
    zk_zxid_digest *d = &ring[(ring_head + ring_n) % DIGEST_LOG_LIMIT];
    if (ring_n < DIGEST_LOG_LIMIT)
        ring_n++;
    else
        ring_head = (ring_head + 1) % DIGEST_LOG_LIMIT;
    d->zxid = zxid;
    d->digest = zk_tree_digest(&Z.tree);
}

int zk_digest_log_count(void) { return ring_n; }

const zk_zxid_digest *zk_digest_log_get(int i) { return &ring[(ring_head + i) % DIGEST_LOG_LIMIT]; }
