/* tree.c -- the data tree: znodes by full path in a hash table, each with
 * its children, data, ACL and the persisted Stat fields kept as ZooKeeper's
 * DataTree keeps them:
 *   czxid/ctime    the create txn        mzxid/mtime  the last setData (or create)
 *   version        setData count         aversion     setACL count
 *   cversion       kept as the number of child creates (a delete only moves
 *                  pzxid); the Stat shows 2 * creates - children, i.e.
 *                  creates + deletes (DataNode.copyStat); sequential
 *                  names use the kept count
 *   pzxid          last child create/delete (czxid initially)
 *   ephemeralOwner session id; INT64_MIN for containers; 0xff00.. | ttl for TTL
 *   dataLength and numChildren are derived.
 * The initial tree is "/", /zookeeper, /zookeeper/quota and
 * /zookeeper/config (READ_ACL_UNSAFE), with the Stats a fresh ZooKeeper 3.8
 * shows (checked against Debian's by tests/clients/zk_differential.py).
 * Only structure lives here; txn.c decides what changes. */
#include <stdlib.h>
#include <string.h>

#include "zk.h"

static uint32_t path_hash(const char *p, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static void rehash(zk_tree *t, size_t nb) {
    zk_node **b = calloc(nb, sizeof(*b));
    for (size_t i = 0; i < t->nbuckets; i++) {
        for (zk_node *n = t->buckets[i], *next; n; n = next) {
            next = n->hnext;
            n->hnext = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

zk_node *zk_tree_get(const zk_tree *t, const char *path, size_t len) {
    if (!t->nbuckets || memchr(path, '\0', len)) /* no znode has a NUL in its path */
        return NULL;
    uint32_t h = path_hash(path, len);
    for (zk_node *n = t->buckets[h & (t->nbuckets - 1)]; n; n = n->hnext)
        if (n->hash == h && !strncmp(n->path, path, len) && n->path[len] == '\0')
            return n;
    return NULL;
}

static zk_node *node_new(const char *path, size_t plen, const uint8_t *data, int32_t dlen,
                         const zk_acls *acl) {
    zk_node *n = calloc(1, sizeof(*n));
    n->path = strndup(path, plen);
    const char *slash = strrchr(n->path, '/');
    n->name = plen == 1 ? n->path : slash + 1;
    n->dlen = dlen;
    if (dlen > 0) {
        n->data = malloc((size_t)dlen);
        memcpy(n->data, data, (size_t)dlen);
    }
    if (acl)
        zk_acls_copy(&n->acl, acl);
    n->hash = path_hash(path, plen);
    return n;
}

static void insert(zk_tree *t, zk_node *n) {
    if (t->count + 1 > t->nbuckets * 3 / 4)
        rehash(t, t->nbuckets ? t->nbuckets * 2 : 64);
    size_t b = n->hash & (t->nbuckets - 1);
    n->hnext = t->buckets[b];
    t->buckets[b] = n;
    t->count++;
    t->data_bytes += (int64_t)strlen(n->path) + (n->dlen > 0 ? n->dlen : 0);
}

zk_node *zk_tree_add(zk_tree *t, const char *path, size_t plen, const uint8_t *data, int32_t dlen,
                     const zk_acls *acl) {
    if (plen == 0 || memchr(path, '\0', plen) || zk_tree_get(t, path, plen))
        return NULL; /* paths are C strings here (a snapshot's or a txn's may hold a NUL) */
    zk_node *parent = NULL;
    if (plen > 1) {
        parent = zk_tree_get(t, path, zk_path_parent_len(path, plen));
        if (!parent)
            return NULL;
    }
    zk_node *n = node_new(path, plen, data, dlen, acl);
    n->parent = parent;
    if (parent) {
        if (parent->nkids == parent->kcap) {
            parent->kcap = parent->kcap ? parent->kcap * 2 : 4;
            parent->kids = realloc(parent->kids, (size_t)parent->kcap * sizeof(zk_node *));
        }
        n->kid_index = parent->nkids;
        parent->kids[parent->nkids++] = n;
    }
    insert(t, n);
    return n;
}

static void node_free(zk_node *n) {
    free(n->path);
    free(n->data);
    free(n->kids);
    zk_acls_free(&n->acl);
    free(n);
}

void zk_tree_remove(zk_tree *t, zk_node *n) {
    zk_node *p = n->parent;
    if (p) { /* swap with the last child */
        zk_node *last = p->kids[--p->nkids];
        p->kids[n->kid_index] = last;
        last->kid_index = n->kid_index;
    }
    size_t b = n->hash & (t->nbuckets - 1);
    for (zk_node **pp = &t->buckets[b]; *pp; pp = &(*pp)->hnext) {
        if (*pp == n) {
            *pp = n->hnext;
            break;
        }
    }
    t->count--;
    t->data_bytes -= (int64_t)strlen(n->path) + (n->dlen > 0 ? n->dlen : 0);
    node_free(n);
}

void zk_node_set_data(zk_tree *t, zk_node *n, const uint8_t *data, int32_t dlen) {
    t->data_bytes -= n->dlen > 0 ? n->dlen : 0;
    free(n->data);
    n->data = NULL;
    n->dlen = dlen;
    if (dlen > 0) {
        n->data = malloc((size_t)dlen);
        memcpy(n->data, data, (size_t)dlen);
    }
    t->data_bytes += dlen > 0 ? dlen : 0;
}

void zk_node_stat(const zk_node *n, jute_stat *s) {
    s->czxid = n->czxid;
    s->mzxid = n->mzxid;
    s->ctime = n->ctime;
    s->mtime = n->mtime;
    s->version = n->version;
    /* DataNode.copyStat: the node keeps the number of child creates; the
     * Stat reports creates + deletes = 2 * creates - children. */
    s->cversion = n->cversion * 2 - n->nkids;
    s->aversion = n->aversion;
    s->ephemeralOwner = n->ephemeralOwner;
    s->dataLength = n->dlen > 0 ? n->dlen : 0;
    s->numChildren = n->nkids;
    s->pzxid = n->pzxid;
}

bool zk_node_is_container(const zk_node *n) { return n->ephemeralOwner == ZK_CONTAINER_OWNER; }
bool zk_node_is_ttl(const zk_node *n) {
    return n->ephemeralOwner != ZK_CONTAINER_OWNER && (n->ephemeralOwner & ZK_TTL_MASK) == ZK_TTL_MASK;
}
bool zk_node_is_ephemeral(const zk_node *n) {
    return n->ephemeralOwner != 0 && !zk_node_is_container(n) && !zk_node_is_ttl(n);
}

void zk_tree_init_empty(zk_tree *t) { memset(t, 0, sizeof(*t)); }

void zk_tree_init(zk_tree *t) {
    zk_tree_init_empty(t);
    static const zk_acl open = {ZOO_PERM_ALL, "world", "anyone"};
    static const zk_acl ro = {ZOO_PERM_READ, "world", "anyone"};
    zk_acls open_acl = {1, (zk_acl *)&open}, ro_acl = {1, (zk_acl *)&ro};
    static const uint8_t empty[1];
    /* The children here are added without create txns, so their parents'
     * Stat.cversion reads -1 (/) and -2 (/zookeeper), and /zookeeper/config
     * got its ACL by setACL(version -1): aversion -1, as ZooKeeper 3.8 shows. */
    zk_tree_add(t, "/", 1, empty, 0, &open_acl);
    zk_tree_add(t, "/zookeeper", 10, empty, 0, &open_acl);
    zk_tree_add(t, "/zookeeper/quota", 16, empty, 0, &open_acl);
    zk_node *cfg = zk_tree_add(t, "/zookeeper/config", 17, empty, 0, &ro_acl);
    cfg->aversion = -1;
}

void zk_tree_free(zk_tree *t) {
    for (size_t i = 0; i < t->nbuckets; i++) {
        for (zk_node *n = t->buckets[i], *next; n; n = next) {
            next = n->hnext;
            node_free(n);
        }
    }
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}

static void walk(const zk_node *n, void (*fn)(const zk_node *, void *), void *arg) {
    fn(n, arg);
    for (int32_t i = 0; i < n->nkids; i++)
        walk(n->kids[i], fn, arg);
}

void zk_tree_walk(const zk_tree *t, void (*fn)(const zk_node *n, void *arg), void *arg) {
    zk_node *root = zk_tree_get(t, "/", 1);
    if (root)
        walk(root, fn, arg);
}

int32_t zk_tree_count_descendants(const zk_node *n) {
    int32_t c = 0;
    for (int32_t i = 0; i < n->nkids; i++)
        c += 1 + zk_tree_count_descendants(n->kids[i]);
    return c;
}

/* ------------------------------------------------------------------------
 * Paths (PathUtils.validatePath). Java checks UTF-16 units; here the UTF-8
 * is decoded and the same ranges refused; supplementary characters are
 * surrogate pairs in Java, hence refused too, as is malformed UTF-8.
 * ---------------------------------------------------------------------- */
static int next_cp(const uint8_t *p, size_t len, size_t *i, uint32_t *cp) {
    uint8_t c = p[*i];
    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return 0;
    }
    int n = c >= 0xf8 ? -1 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : -1;
    if (n < 0 || len - *i <= (size_t)n)
        return -1;
    uint32_t v = c & (0x3f >> n);
    for (int k = 1; k <= n; k++) {
        uint8_t b = p[*i + (size_t)k];
        if ((b & 0xc0) != 0x80)
            return -1;
        v = (v << 6) | (b & 0x3f);
    }
    *i += (size_t)n + 1;
    *cp = v;
    return 0;
}

int zk_path_validate(const char *s, size_t len) {
    const uint8_t *p = (const uint8_t *)s;
    if (!s || len == 0 || p[0] != '/')
        return ZBADARGUMENTS;
    if (len == 1)
        return ZOK;
    if (p[len - 1] == '/')
        return ZBADARGUMENTS;
    for (size_t i = 1; i < len;) {
        size_t at = i;
        uint32_t cp;
        if (next_cp(p, len, &i, &cp))
            return ZBADARGUMENTS;
        if (cp == 0 || (cp > 0 && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f) ||
            (cp >= 0xd800 && cp <= 0xf8ff) || cp >= 0xfff0)
            return ZBADARGUMENTS;
        if (cp == '/' && p[at - 1] == '/')
            return ZBADARGUMENTS; /* empty node name */
        if (cp == '.') {
            bool end = i == len || p[i] == '/';
            if (p[at - 1] == '/' && end)
                return ZBADARGUMENTS; /* "." */
            if (p[at - 1] == '.' && at >= 2 && p[at - 2] == '/' && end)
                return ZBADARGUMENTS; /* ".." */
        }
    }
    return ZOK;
}

size_t zk_path_parent_len(const char *p, size_t len) {
    size_t i = len;
    while (i > 0 && p[i - 1] != '/')
        i--;
    return i <= 1 ? 1 : i - 1;
}
