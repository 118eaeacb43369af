/* session.c -- the session table: ids, passwords, timeouts.
 *
 * Ids follow SessionTrackerImpl.initializeNextSessionId: the top byte is the
 * server id (myid, 0 standalone), the next 40 bits the start time in ms, so
 * ids from different servers and restarts do not collide; later ids count
 * up from there. The password of a session is derived from its id (the
 * first 16 bytes of SHA-1 over a fixed tag and the id), so every server of
 * an ensemble can check it without sharing state, as ZooKeeper's
 * Random(id ^ constant) does. Expiry is driven by server.c's periodic timer,
 * which compares expire_at (monotonic ms) with the clock. */
#include <stdlib.h>
#include <string.h>

#include "zk.h"

static size_t bucket(const zk_sessions *s, int64_t id) {
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (s->nbuckets - 1);
}

void zk_sessions_init(zk_sessions *s, int my_id) {
    memset(s, 0, sizeof(*s));
    s->nbuckets = 256;
    s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
    uint64_t t = (uint64_t)ae_wall_ms();
    s->next_id = (int64_t)(((t << 24) >> 8) | ((uint64_t)(uint8_t)my_id << 56));
}

void zk_sessions_free(zk_sessions *s) {
    for (size_t i = 0; i < s->nbuckets; i++)
        for (zk_session *e = s->buckets[i], *n; e; e = n) {
            n = e->hnext;
            free(e);
        }
    free(s->buckets);
    memset(s, 0, sizeof(*s));
}

zk_session *zk_session_get(const zk_sessions *s, int64_t id) {
    for (zk_session *e = s->buckets[bucket(s, id)]; e; e = e->hnext)
        if (e->id == id)
            return e;
    return NULL;
}

zk_session *zk_session_add(zk_sessions *s, int64_t id, int32_t timeout) {
    zk_session *e = zk_session_get(s, id);
    if (!e) {
        e = calloc(1, sizeof(*e));
        e->id = id;
        size_t b = bucket(s, id);
        e->hnext = s->buckets[b];
        s->buckets[b] = e;
        s->count++;
    }
    e->timeout = timeout;
    zk_session_touch(e);
    if (id >= s->next_id && ((uint64_t)id >> 56) == ((uint64_t)s->next_id >> 56))
        s->next_id = id + 1;
    return e;
}

void zk_session_remove(zk_sessions *s, int64_t id) {
    for (zk_session **pp = &s->buckets[bucket(s, id)]; *pp; pp = &(*pp)->hnext) {
        if ((*pp)->id == id) {
            zk_session *e = *pp;
            *pp = e->hnext;
            s->count--;
            if (e->conn && e->conn->sess == e)
                e->conn->sess = NULL;
            free(e);
            return;
        }
    }
}

int64_t zk_session_next_id(zk_sessions *s) {
    int64_t id;
    do
        id = s->next_id++;
    while (zk_session_get(s, id) || id == 0);
    return id;
}

void zk_session_passwd(int64_t id, uint8_t out[16]) {
    uint8_t in[24] = "zk-session-passwd";
    be64_put(in + 16, (uint64_t)id);
    uint8_t h[20];
    zk_sha1(in, sizeof in, h);
    memcpy(out, h, 16);
}

void zk_session_touch(zk_session *s) { s->expire_at = ae_mono_ms() + s->timeout; }

void zk_sessions_each(const zk_sessions *s, void (*fn)(zk_session *, void *), void *arg) {
    for (size_t i = 0; i < s->nbuckets; i++)
        for (zk_session *e = s->buckets[i], *n; e; e = n) {
            n = e->hnext; /* fn may remove e */
            fn(e, arg);
        }
}
