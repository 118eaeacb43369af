/* zk_admin.c -- Kafka 2.5's AdminZkClient for the tools' --zookeeper modes
 * (see zk_admin.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "json.h"
#include "placement.h"
#include "tools.h"
#include "xalloc.h"
#include "zk_admin.h"

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A JSON array of integers into a malloc'd vector; -1 if it is not one. */
static int int_array(const json *a, int32_t **out, int *n) {
    *out = NULL;
    *n = 0;
    if (!a)
        return 0;
    if (a->type != JSON_ARRAY)
        return -1;
    *out = xcalloc((size_t)a->n, sizeof(int32_t));
    for (int i = 0; i < a->n; i++) {
        int64_t v;
        if (a->items[i]->type != JSON_NUMBER || json_int(a->items[i], &v) != 0) {
            free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[i] = (int32_t)v;
    }
    *n = a->n;
    return 0;
}

/* ------------------------------------------------------------------------
 * Brokers
 * ---------------------------------------------------------------------- */
static int cmp_broker(const void *a, const void *b) {
    return cmp_i32(&((const zka_broker *)a)->id, &((const zka_broker *)b)->id);
}

int zka_brokers(zk_sync *s, zka_broker **out, int *n) {
    char **ids;
    int nids;
    *out = NULL;
    *n = 0;
    int rc = zks_children(s, "/brokers/ids", &ids, &nids);
    if (rc == ZNONODE)
        return ZOK;
    if (rc != ZOK)
        return rc;
    zka_broker *b = xcalloc((size_t)nids, sizeof(zka_broker));
    int m = 0;
    for (int i = 0; i < nids && rc == ZOK; i++) {
        int32_t id;
        if (parse_i32(ids[i], &id) != 0)
            continue;
        char path[512], *data = NULL;
        int len;
        snprintf(path, sizeof(path), "/brokers/ids/%s", ids[i]);
        int grc = zks_get(s, path, &data, &len);
        if (grc == ZNONODE)
            continue;
        if (grc != ZOK) {
            rc = grc;
            break;
        }
        b[m].id = id;
        json *j = data ? json_parse(data, (size_t)len) : NULL;
        const char *rack = j ? json_str(json_get(j, "rack")) : NULL;
        b[m].rack = rack ? xstrdup(rack) : NULL;
        json_free(j);
        free(data);
        m++;
    }
    zks_strv_free(ids, nids);
    if (rc != ZOK) {
        zka_brokers_free(b, m);
        return rc;
    }
    qsort(b, (size_t)m, sizeof(zka_broker), cmp_broker);
    *out = b;
    *n = m;
    return ZOK;
}

void zka_brokers_free(zka_broker *b, int n) {
    for (int i = 0; i < n; i++)
        free(b[i].rack);
    free(b);
}

/* ------------------------------------------------------------------------
 * Replica placement (AdminUtils.assignReplicasToBrokers): Kafka's argument
 * checks and messages here, the placement itself in placement.c (the
 * broker's), with Kafka's random start index and replica shift.
 * ---------------------------------------------------------------------- */
static int random_below(int n) {
    static int seeded;
    if (!seeded) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        srandom((unsigned)(ts.tv_nsec ^ ts.tv_sec ^ getpid()));
        seeded = 1;
    }
    return (int)(random() % n);
}

int zka_assign_replicas(const zka_broker *brokers, int n, int npart, int rf, int fixed_start, int start_partition,
                        int rack_aware, int32_t *out, char *err, size_t errlen) {
    if (npart <= 0) {
        snprintf(err, errlen, "Number of partitions must be larger than 0.");
        return -1;
    }
    if (rf <= 0) {
        snprintf(err, errlen, "Replication factor must be larger than 0.");
        return -1;
    }
    if (rf > n) {
        snprintf(err, errlen, "Replication factor: %d larger than available brokers: %d.", rf, n);
        return -1;
    }
    placement_broker *b = xcalloc((size_t)n, sizeof(*b));
    for (int i = 0; i < n; i++)
        b[i] = (placement_broker){brokers[i].id, rack_aware ? brokers[i].rack : NULL};
    int start = fixed_start >= 0 ? fixed_start : random_below(n);
    int shift = fixed_start >= 0 ? fixed_start : random_below(n);
    int rc = placement_assign(b, n, npart, rf, start_partition, start, shift, out);
    free(b);
    if (rc == PLACEMENT_MIXED_RACKS) {
        snprintf(err, errlen, "Not all brokers have rack information for replica rack aware assignment.");
        return -1;
    }
    return rc == 0 ? 0 : -1; /* PLACEMENT_BAD_RF: checked above */
}

/* ------------------------------------------------------------------------
 * Topic assignments
 * ---------------------------------------------------------------------- */
static int cmp_part(const void *a, const void *b) {
    return cmp_i32(&((const zka_part *)a)->id, &((const zka_part *)b)->id);
}

int zka_topic_get(zk_sync *s, const char *topic, zka_topic *t) {
    memset(t, 0, sizeof(*t));
    char path[1024], *data = NULL;
    int len;
    snprintf(path, sizeof(path), "/brokers/topics/%s", topic);
    int rc = zks_get(s, path, &data, &len);
    if (rc != ZOK)
        return rc;
    json *j = data ? json_parse(data, (size_t)len) : NULL;
    free(data);
    const json *parts = j ? json_get(j, "partitions") : NULL;
    if (!parts || parts->type != JSON_OBJECT) {
        json_free(j);
        return ZKA_BAD_JSON;
    }
    const json *adding = json_get(j, "adding_replicas"), *removing = json_get(j, "removing_replicas");
    t->parts = xcalloc((size_t)parts->n, sizeof(zka_part));
    t->parts_cap = (size_t)parts->n;
    rc = ZOK;
    for (int i = 0; i < parts->n; i++) {
        zka_part *p = &t->parts[t->nparts];
        if (parse_i32(parts->keys[i], &p->id) != 0 || int_array(parts->items[i], &p->rep, &p->nrep) != 0) {
            rc = ZKA_BAD_JSON;
            break;
        }
        t->nparts++;
        if ((adding && adding->type == JSON_OBJECT &&
             int_array(json_get(adding, parts->keys[i]), &p->add, &p->nadd) != 0) ||
            (removing && removing->type == JSON_OBJECT &&
             int_array(json_get(removing, parts->keys[i]), &p->rem, &p->nrem) != 0)) {
            rc = ZKA_BAD_JSON;
            break;
        }
    }
    json_free(j);
    if (rc != ZOK) {
        zka_topic_free(t);
        return rc;
    }
    qsort(t->parts, (size_t)t->nparts, sizeof(zka_part), cmp_part);
    return ZOK;
}

static void write_ids(wbuf *w, const int32_t *v, int n) {
    wb_write(w, "[", 1);
    for (int i = 0; i < n; i++) {
        char b[16];
        int l = snprintf(b, sizeof(b), "%s%d", i ? "," : "", v[i]);
        wb_write(w, b, (size_t)l);
    }
    wb_write(w, "]", 1);
}

/* "partitions" / "adding_replicas" / "removing_replicas": which = 0/1/2 */
static void write_map(wbuf *w, const zka_topic *t, int which) {
    wb_write(w, "{", 1);
    int first = 1;
    for (int i = 0; i < t->nparts; i++) {
        const zka_part *p = &t->parts[i];
        const int32_t *v = which == 0 ? p->rep : which == 1 ? p->add : p->rem;
        int n = which == 0 ? p->nrep : which == 1 ? p->nadd : p->nrem;
        if (which != 0 && n == 0)
            continue;
        char b[32];
        int l = snprintf(b, sizeof(b), "%s\"%d\":", first ? "" : ",", p->id);
        wb_write(w, b, (size_t)l);
        write_ids(w, v, n);
        first = 0;
    }
    wb_write(w, "}", 1);
}

char *zka_topic_encode(const zka_topic *t) {
    wbuf w;
    wb_init(&w, 256);
    const char *h = "{\"version\":2,\"partitions\":";
    wb_write(&w, h, strlen(h));
    write_map(&w, t, 0);
    wb_write(&w, ",\"adding_replicas\":", 19);
    write_map(&w, t, 1);
    wb_write(&w, ",\"removing_replicas\":", 21);
    write_map(&w, t, 2);
    wb_write(&w, "}", 2); /* with the NUL */
    size_t len;
    return (char *)wb_steal(&w, &len);
}

void zka_topic_add(zka_topic *t, int32_t id, const int32_t *rep, int nrep) {
    zka_part *np = array_reserve(t->parts, &t->parts_cap, (size_t)t->nparts + 1, sizeof(zka_part));
    if (!np)
        abort();
    t->parts = np;
    zka_part *p = &t->parts[t->nparts++];
    memset(p, 0, sizeof(*p));
    p->id = id;
    p->rep = xcalloc((size_t)nrep, sizeof(int32_t));
    memcpy(p->rep, rep, (size_t)nrep * sizeof(int32_t));
    p->nrep = nrep;
}

void zka_topic_free(zka_topic *t) {
    for (int i = 0; i < t->nparts; i++) {
        free(t->parts[i].rep);
        free(t->parts[i].add);
        free(t->parts[i].rem);
    }
    free(t->parts);
    memset(t, 0, sizeof(*t));
}

int zka_partition_state(zk_sync *s, const char *topic, int32_t partition, zka_state *st) {
    memset(st, 0, sizeof(*st));
    st->leader = -1;
    char path[1024], *data = NULL;
    int len;
    snprintf(path, sizeof(path), "/brokers/topics/%s/partitions/%d/state", topic, partition);
    int rc = zks_get(s, path, &data, &len);
    if (rc != ZOK)
        return rc;
    json *j = data ? json_parse(data, (size_t)len) : NULL;
    free(data);
    int64_t leader;
    if (!j || json_int(json_get(j, "leader"), &leader) != 0 || int_array(json_get(j, "isr"), &st->isr, &st->nisr)) {
        json_free(j);
        return ZKA_BAD_JSON;
    }
    st->leader = (int32_t)leader;
    json_free(j);
    return ZOK;
}

void zka_state_free(zka_state *st) {
    free(st->isr);
    st->isr = NULL;
    st->nisr = 0;
}

/* ------------------------------------------------------------------------
 * Entity configs
 * ---------------------------------------------------------------------- */
static int props_find(const zka_props *p, const char *k) {
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->keys[i], k))
            return i;
    return -1;
}

void zka_props_put(zka_props *p, const char *k, const char *v) {
    int i = props_find(p, k);
    if (i >= 0) {
        free(p->vals[i]);
        p->vals[i] = xstrdup(v);
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->keys = realloc(p->keys, (size_t)p->cap * sizeof(char *));
        p->vals = realloc(p->vals, (size_t)p->cap * sizeof(char *));
        if (!p->keys || !p->vals)
            abort();
    }
    p->keys[p->n] = xstrdup(k);
    p->vals[p->n++] = xstrdup(v);
}

int zka_props_remove(zka_props *p, const char *k) {
    int i = props_find(p, k);
    if (i < 0)
        return 0;
    free(p->keys[i]);
    free(p->vals[i]);
    memmove(p->keys + i, p->keys + i + 1, (size_t)(p->n - i - 1) * sizeof(char *));
    memmove(p->vals + i, p->vals + i + 1, (size_t)(p->n - i - 1) * sizeof(char *));
    p->n--;
    return 1;
}

static int cmp_strp_props(const void *x, const void *y) {
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* p's keys, sorted, for bsearch (NULL when p is empty). */
static const char **props_sorted_keys(const char *const *keys, int n) {
    if (n <= 0)
        return NULL;
    const char **s = malloc((size_t)n * sizeof(char *));
    if (!s)
        abort();
    memcpy(s, keys, (size_t)n * sizeof(char *));
    qsort(s, (size_t)n, sizeof(char *), cmp_strp_props);
    return s;
}

static int props_in(const char **sorted, int n, const char *k) {
    return sorted && bsearch(&k, sorted, (size_t)n, sizeof(char *), cmp_strp_props) != NULL;
}

void zka_props_has(const zka_props *p, const char *const *keys, int n, int *has) {
    const char **sorted = props_sorted_keys((const char *const *)p->keys, p->n);
    for (int i = 0; i < n; i++)
        has[i] = props_in(sorted, p->n, keys[i]);
    free(sorted);
}

void zka_props_update(zka_props *p, const char *const *keys, const char *const *vals, int nput,
                      const char *const *dels, int ndel) {
    /* the existing keys then the puts: each key keeps its first place and
     * takes its last value; the deleted ones go */
    int n = p->n + nput;
    if (n == 0)
        return;
    const char **k = malloc((size_t)n * sizeof(char *)), **v = malloc((size_t)n * sizeof(char *));
    if (!k || !v)
        abort();
    for (int i = 0; i < p->n; i++)
        k[i] = p->keys[i], v[i] = p->vals[i];
    for (int i = 0; i < nput; i++)
        k[p->n + i] = keys[i], v[p->n + i] = vals[i];
    n = tools_keep_last_values(k, v, n);
    const char **gone = props_sorted_keys(dels, ndel);
    zka_props out = {0};
    out.cap = n;
    out.keys = malloc((size_t)n * sizeof(char *));
    out.vals = malloc((size_t)n * sizeof(char *));
    if (!out.keys || !out.vals)
        abort();
    for (int i = 0; i < n; i++)
        if (!props_in(gone, ndel, k[i])) {
            out.keys[out.n] = xstrdup(k[i]);
            out.vals[out.n++] = xstrdup(v[i]);
        }
    free(gone);
    free(k);
    free(v);
    zka_props_free(p);
    *p = out;
}

const char *zka_props_get(const zka_props *p, const char *k) {
    int i = props_find(p, k);
    return i >= 0 ? p->vals[i] : NULL;
}

void zka_props_free(zka_props *p) {
    for (int i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->vals[i]);
    }
    free(p->keys);
    free(p->vals);
    memset(p, 0, sizeof(*p));
}

void zka_props_order(const zka_props *p, int *order) {
    int32_t *h = xcalloc((size_t)p->n, sizeof(int32_t));
    for (int i = 0; i < p->n; i++)
        h[i] = java_string_hash(p->keys[i]);
    java_hashmap_order(h, p->n, 0, order);
    free(h);
}

int zka_config_get(zk_sync *s, const char *type, const char *name, zka_props *p) {
    memset(p, 0, sizeof(*p));
    char path[1024], *data = NULL;
    int len;
    snprintf(path, sizeof(path), "/config/%s/%s", type, name);
    int rc = zks_get(s, path, &data, &len);
    if (rc == ZNONODE)
        return ZOK;
    if (rc != ZOK)
        return rc;
    if (!data)
        return ZOK;
    json *j = json_parse(data, (size_t)len);
    free(data);
    if (!j)
        return ZKA_BAD_JSON;
    const json *c = json_get(j, "config");
    if (c && c->type == JSON_OBJECT) {
        for (int i = 0; i < c->n; i++) {
            const json *v = c->items[i];
            char num[64];
            const char *sv = json_str(v);
            if (!sv && v->type == JSON_NUMBER) {
                snprintf(num, sizeof(num), "%lld", (long long)v->i64);
                sv = num;
            }
            zka_props_put(p, c->keys[i], sv ? sv : "");
        }
    }
    json_free(j);
    return ZOK;
}

static char *config_json(const zka_props *p) {
    wbuf w;
    wb_init(&w, 256);
    const char *h = "{\"version\":1,\"config\":{";
    wb_write(&w, h, strlen(h));
    int *order = xcalloc((size_t)p->n, sizeof(int));
    zka_props_order(p, order);
    for (int i = 0; i < p->n; i++) {
        if (i)
            wb_write(&w, ",", 1);
        json_write_str(&w, p->keys[order[i]]);
        wb_write(&w, ":", 1);
        json_write_str(&w, p->vals[order[i]]);
    }
    free(order);
    wb_write(&w, "}}", 3); /* with the NUL */
    size_t len;
    return (char *)wb_steal(&w, &len);
}

int zka_config_write(zk_sync *s, const char *type, const char *name, const zka_props *p) {
    char path[1024];
    snprintf(path, sizeof(path), "/config/%s/%s", type, name);
    char *data = config_json(p);
    int len = (int)strlen(data);
    int rc = zks_set(s, path, data, len, -1);
    if (rc == ZNONODE) {
        rc = zks_create_recursive(s, path, data, len, 1);
        if (rc == ZNODEEXISTS)
            rc = zks_set(s, path, data, len, -1);
    }
    free(data);
    return rc;
}

int zka_config_change(zk_sync *s, const char *type, const char *name, const zka_props *p) {
    int rc = zka_config_write(s, type, name, p);
    if (rc != ZOK)
        return rc;
    rc = zks_create_recursive(s, "/config/changes", NULL, -1, 0);
    if (rc != ZOK)
        return rc;
    wbuf w;
    wb_init(&w, 128);
    const char *h = "{\"version\":2,\"entity_path\":";
    wb_write(&w, h, strlen(h));
    char *ep = malloc(strlen(type) + strlen(name) + 2);
    if (!ep)
        abort();
    sprintf(ep, "%s/%s", type, name);
    json_write_str(&w, ep);
    free(ep);
    wb_write(&w, "}", 1);
    rc = zks_create(s, "/config/changes/config_change_", (const char *)w.data, (int)w.len, ZKC_SEQUENCE, NULL);
    wb_free(&w);
    return rc;
}

/* ------------------------------------------------------------------------
 * Topics
 * ---------------------------------------------------------------------- */
int zka_topics(zk_sync *s, char ***names, int *n) {
    int rc = zks_children(s, "/brokers/topics", names, n);
    if (rc == ZNONODE) {
        *names = NULL;
        *n = 0;
        return ZOK;
    }
    if (rc == ZOK)
        qsort(*names, (size_t)*n, sizeof(char *), cmp_str);
    return rc;
}

static int path_exists(zk_sync *s, const char *fmt, const char *topic) {
    char path[1024];
    snprintf(path, sizeof(path), fmt, topic);
    int rc = zks_exists(s, path);
    return rc == ZOK ? 1 : rc == ZNONODE ? 0 : rc;
}

int zka_topic_exists(zk_sync *s, const char *topic) { return path_exists(s, "/brokers/topics/%s", topic); }

int zka_marked_for_deletion(zk_sync *s, const char *topic) {
    return path_exists(s, "/admin/delete_topics/%s", topic);
}

int zka_validate_topic_name(const char *topic, char *err, size_t errlen) {
    size_t n = strlen(topic);
    if (n == 0) {
        snprintf(err, errlen, "Topic name is illegal, it can't be empty");
        return -1;
    }
    if (!strcmp(topic, ".") || !strcmp(topic, "..")) {
        snprintf(err, errlen, "Topic name cannot be \".\" or \"..\"");
        return -1;
    }
    if (n > 249) {
        snprintf(err, errlen, "Topic name is illegal, it can't be longer than 249 characters, topic name: %s", topic);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = topic[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        if (!ok) {
            snprintf(err, errlen,
                     "Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, "
                     "'.', '_' and '-'",
                     topic);
            return -1;
        }
    }
    return 0;
}
