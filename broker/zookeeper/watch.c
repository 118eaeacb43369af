/* watch.c -- watches, per connection (ServerCnxn), as WatchManager keeps
 * them:
 *   ZK_W_DATA       one-shot, set by exists/getData: NodeCreated, NodeDeleted,
 *                   NodeDataChanged on that path
 *   ZK_W_CHILD      one-shot, set by getChildren: NodeChildrenChanged, and
 *                   NodeDeleted of the node itself
 *   ZK_W_PERSISTENT addWatch mode 0: all of the above on the path, kept
 *   ZK_W_RECURSIVE  addWatch mode 1: created/deleted/changed on the path and
 *                   every descendant (no NodeChildrenChanged), kept
 * A connection triggered by several of its watches for one event gets one
 * notification. The table maps a path to (connection id, kinds) pairs; a
 * closing connection sweeps the table only if it holds watches. */
#include <stdlib.h>
#include <string.h>

#include "zk.h"

typedef struct wentry {
    uint64_t conn;
    int kinds;
} wentry;

typedef struct wpath {
    char *path;
    uint32_t hash;
    wentry *v;
    int n, cap;
    struct wpath *next;
} wpath;

static wpath **W;
static size_t Wnb, Wcount;
static int total_watches;

static uint32_t hash_of(const char *p, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static wpath *find(const char *path, size_t len, bool create) {
    if (!Wnb) {
        if (!create)
            return NULL;
        Wnb = 256;
        W = calloc(Wnb, sizeof(*W));
    }
    uint32_t h = hash_of(path, len);
    for (wpath *w = W[h & (Wnb - 1)]; w; w = w->next)
        if (w->hash == h && !strncmp(w->path, path, len) && w->path[len] == '\0')
            return w;
    if (!create)
        return NULL;
    if (Wcount + 1 > Wnb) {
        size_t nb = Wnb * 2;
        wpath **b = calloc(nb, sizeof(*b));
        for (size_t i = 0; i < Wnb; i++)
            for (wpath *w = W[i], *nx; w; w = nx) {
                nx = w->next;
                w->next = b[w->hash & (nb - 1)];
                b[w->hash & (nb - 1)] = w;
            }
        free(W);
        W = b;
        Wnb = nb;
    }
    wpath *w = calloc(1, sizeof(*w));
    w->path = strndup(path, len);
    w->hash = h;
    w->next = W[h & (Wnb - 1)];
    W[h & (Wnb - 1)] = w;
    Wcount++;
    return w;
}

static void drop_path(wpath *w) {
    for (wpath **pp = &W[w->hash & (Wnb - 1)]; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    Wcount--;
    free(w->path);
    free(w->v);
    free(w);
}

static int popcount(int k) { return __builtin_popcount((unsigned)k); }

void zk_watch_add(const char *path, size_t len, zk_conn *c, int kind) {
    wpath *w = find(path, len, true);
    for (int i = 0; i < w->n; i++) {
        if (w->v[i].conn == c->id) {
            if (!(w->v[i].kinds & kind)) {
                w->v[i].kinds |= kind;
                c->nwatches++;
                total_watches++;
            }
            return;
        }
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 2;
        w->v = realloc(w->v, (size_t)w->cap * sizeof(wentry));
    }
    w->v[w->n++] = (wentry){c->id, kind};
    c->nwatches++;
    total_watches++;
}

/* Clears `kinds` of entry i; removes the entry (and the path) when empty. */
static void clear_kinds(wpath *w, int i, int kinds, zk_conn *c) {
    int had = w->v[i].kinds & kinds;
    w->v[i].kinds &= ~kinds;
    total_watches -= popcount(had);
    if (c)
        c->nwatches -= popcount(had);
    if (!w->v[i].kinds)
        w->v[i] = w->v[--w->n];
}

int zk_watch_remove(const char *path, size_t len, zk_conn *c, int kinds, bool dry_run) {
    wpath *w = find(path, len, false);
    if (!w)
        return 0;
    for (int i = 0; i < w->n; i++) {
        if (w->v[i].conn != c->id)
            continue;
        int had = popcount(w->v[i].kinds & kinds);
        if (!dry_run && had) {
            clear_kinds(w, i, kinds, c);
            if (!w->n)
                drop_path(w);
        }
        return had;
    }
    return 0;
}

void zk_watch_drop_conn(zk_conn *c) {
    if (c->nwatches <= 0)
        return;
    for (size_t b = 0; b < Wnb; b++) {
        for (wpath *w = W[b], *nx; w; w = nx) {
            nx = w->next;
            for (int i = 0; i < w->n; i++)
                if (w->v[i].conn == c->id) {
                    clear_kinds(w, i, ~0, c);
                    break;
                }
            if (!w->n)
                drop_path(w);
        }
    }
    c->nwatches = 0;
}

/* The notified set of one event (small; linear search). */
typedef struct notified {
    uint64_t *ids;
    int n, cap;
} notified;

static void note(notified *s, uint64_t id) {
    for (int i = 0; i < s->n; i++)
        if (s->ids[i] == id)
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->ids = realloc(s->ids, (size_t)s->cap * sizeof(uint64_t));
    }
    s->ids[s->n++] = id;
}

void zk_watch_fire(const char *path, size_t len, int event) {
    if (!Wcount)
        return;
    notified s = {0};
    int oneshot = event == ZOO_CHILD_EVENT   ? ZK_W_CHILD
                  : event == ZOO_DELETED_EVENT ? (ZK_W_DATA | ZK_W_CHILD)
                                               : ZK_W_DATA;
    int keep = event == ZOO_CHILD_EVENT ? ZK_W_PERSISTENT : (ZK_W_PERSISTENT | ZK_W_RECURSIVE);
    wpath *w = find(path, len, false);
    if (w) {
        for (int i = 0; i < w->n;) {
            wentry e = w->v[i];
            if (e.kinds & (oneshot | keep))
                note(&s, e.conn);
            if (e.kinds & oneshot) {
                zk_conn *c = zk_conn_by_id(e.conn);
                int before = w->n;
                clear_kinds(w, i, oneshot, c);
                if (w->n < before)
                    continue; /* entry i replaced by the last one */
            }
            i++;
        }
        if (!w->n)
            drop_path(w);
    }
    if (event != ZOO_CHILD_EVENT && len > 1) { /* recursive watches of ancestors */
        size_t l = len;
        for (;;) {
            l = zk_path_parent_len(path, l);
            wpath *a = find(path, l, false);
            if (a)
                for (int i = 0; i < a->n; i++)
                    if (a->v[i].kinds & ZK_W_RECURSIVE)
                        note(&s, a->v[i].conn);
            if (l == 1)
                break;
        }
    }
    for (int i = 0; i < s.n; i++) {
        zk_conn *c = zk_conn_by_id(s.ids[i]);
        if (c)
            zk_conn_notify(c, event, path, len);
    }
    free(s.ids);
}

int zk_watch_count(int *npaths, int *nconns) {
    if (npaths)
        *npaths = (int)Wcount;
    if (nconns) {
        int n = 0;
        for (zk_conn *c = Z.conns; c; c = c->next)
            n += c->nwatches > 0;
        *nconns = n;
    }
    return total_watches;
}

void zk_watch_each(void (*fn)(const char *path, uint64_t conn, int kinds, void *arg), void *arg) {
    for (size_t b = 0; b < Wnb; b++)
        for (wpath *w = W[b]; w; w = w->next)
            for (int i = 0; i < w->n; i++)
                fn(w->path, w->v[i].conn, w->v[i].kinds, arg);
}

void zk_watch_free_all(void) {
    for (size_t b = 0; b < Wnb; b++)
        for (wpath *w = W[b], *nx; w; w = nx) {
            nx = w->next;
            free(w->path);
            free(w->v);
            free(w);
        }
    free(W);
    W = NULL;
    Wnb = Wcount = 0;
    total_watches = 0;
}
