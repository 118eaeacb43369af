/* heap.c -- the coordinator's KAFKA_HEAP_OPTS: the -Xmx figure (from
 * zookeeper-server-start.sh, default -Xmx512M), logged at start, and a
 * warning in zookeeper.log and mntr while the data tree nears it.
 *
 * The tree's memory is estimated from what it holds: the paths and data
 * (approximate_data_size) and a fixed cost per node (the node, its hash and
 * child slots, its ACL). A Java ZooKeeper whose tree outgrows its heap dies
 * of OutOfMemoryError; this one keeps serving and says so early. */
#include <inttypes.h>
#include <stdio.h>

#include "logger.h"
#include "memlimit.h"
#include "zk.h"

#define LOGGER "org.apache.zookeeper.server.ZooKeeperServer"
#define MIN_HEAP ((size_t)8 << 20)
#define NODE_COST ((int64_t)sizeof(zk_node) + 96) /* + hash/child slots, ACL */
#define WARN_PCT 80  /* warn at this share of the heap */
#define CLEAR_PCT 70 /* and stop below this one */

static size_t heap_limit;
static int near_limit;
static char warning[256];

int zk_heap_init(char *err, size_t errlen) {
    heap_opts ho;
    char source[512];
    if (memlimit_from_env("zookeeper-server-start.sh", "-Xmx512M -Xms512M", MIN_HEAP, &ho,
                          &heap_limit, source, sizeof(source), err, errlen) != 0)
        return -1;
    memlimit_set(heap_limit);
    char h[32];
    log_info(LOGGER, "Heap limit %s (%zu bytes) from %s; a warning is logged when the data tree "
             "reaches %d%% of it", memlimit_human(heap_limit, h, sizeof(h)), heap_limit, source,
             WARN_PCT);
    return 0;
}

int64_t zk_tree_memory(const zk_tree *t) {
    return t->data_bytes + (int64_t)(t->count + 1) * NODE_COST;
}

void zk_heap_check(void) {
    if (!heap_limit)
        return;
    int64_t used = zk_tree_memory(&Z.tree);
    int pct = (int)(used * 100 / (int64_t)heap_limit);
    char u[32], l[32];
    if (!near_limit && pct >= WARN_PCT) {
        near_limit = 1;
        snprintf(warning, sizeof(warning),
                 "the data tree (about %s in %zu znodes) uses %d%% of the heap limit %s "
                 "(KAFKA_HEAP_OPTS -Xmx)",
                 memlimit_human((size_t)used, u, sizeof(u)), Z.tree.count + 1, pct,
                 memlimit_human(heap_limit, l, sizeof(l)));
        log_warn(LOGGER, "Heap nearly full: %s", warning);
    } else if (near_limit && pct < CLEAR_PCT) {
        near_limit = 0;
        log_info(LOGGER, "The data tree (about %s) is back under %d%% of the heap limit %s",
                 memlimit_human((size_t)used, u, sizeof(u)), CLEAR_PCT,
                 memlimit_human(heap_limit, l, sizeof(l)));
    }
}

const char *zk_heap_warning(void) { return near_limit ? warning : NULL; }
