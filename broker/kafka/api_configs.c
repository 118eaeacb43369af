/* api_configs.c -- DescribeConfigs v0-2 (topic and broker configs with
 * their sources, defaults and synonyms), AlterConfigs v0-1 and
 * IncrementalAlterConfigs v0 for topic configs and the dynamic broker
 * configs of dynamic_config.h (stored in ZooKeeper under /config/topics and
 * /config/brokers, as Kafka does). A broker resource names this broker or,
 * empty, the cluster default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_pending.h"
#include "api.h"
#include "broker.h"
#include "cluster.h"
#include "dynamic_config.h"

/* ------------------------------------------------------------------------
 * DescribeConfigs
 * ---------------------------------------------------------------------- */
typedef struct describe_ctx {
    wbuf *w;
    int v;
    int include_synonyms;
    int nkeys; /* -1 = all */
    kstr *keys;
    int count;
} describe_ctx;

static int wanted(describe_ctx *d, const char *name) {
    if (d->nkeys < 0)
        return 1;
    for (int i = 0; i < d->nkeys; i++)
        if (kstr_eq(d->keys[i], name))
            return 1;
    return 0;
}

static void write_entry_head(describe_ctx *d, const char *name, const char *value, int source,
                             int read_only, int is_default, int sensitive) {
    wb_cstr(d->w, name);
    wb_cstr(d->w, sensitive ? NULL : value);
    wb_i8(d->w, (int8_t)read_only);
    if (d->v == 0)
        wb_i8(d->w, (int8_t)is_default);
    else
        wb_i8(d->w, (int8_t)source);
    wb_i8(d->w, (int8_t)sensitive);
    d->count++;
}

static void broker_entry_cb(void *arg, const char *name, const char *value, int source,
                            int read_only, int is_default, int sensitive) {
    describe_ctx *d = arg;
    if (!wanted(d, name))
        return;
    write_entry_head(d, name, value, source, read_only, is_default, sensitive);
    if (d->v >= 1) {
        if (d->include_synonyms) {
            wb_i32(d->w, 1);
            wb_cstr(d->w, name);
            wb_cstr(d->w, sensitive ? NULL : value);
            wb_i8(d->w, (int8_t)source);
        } else {
            wb_i32(d->w, 0);
        }
    }
}

static void topic_entry_cb(void *arg, const char *name, const char *value, int source,
                           int is_default, int read_only, int sensitive, const char *syn_name,
                           const char *syn_value, int syn_source) {
    describe_ctx *d = arg;
    if (!wanted(d, name))
        return;
    write_entry_head(d, name, value, source, read_only, is_default, sensitive);
    if (d->v >= 1) {
        if (!d->include_synonyms) {
            wb_i32(d->w, 0);
            return;
        }
        int n = source == CONFIG_SOURCE_DYNAMIC_TOPIC ? 1 : 0;
        if (syn_name)
            n++;
        wb_i32(d->w, n);
        if (source == CONFIG_SOURCE_DYNAMIC_TOPIC) {
            wb_cstr(d->w, name);
            wb_cstr(d->w, value);
            wb_i8(d->w, CONFIG_SOURCE_DYNAMIC_TOPIC);
        }
        if (syn_name) {
            wb_cstr(d->w, syn_name);
            wb_cstr(d->w, syn_value);
            wb_i8(d->w, (int8_t)syn_source);
        }
    }
}

/* Dynamic broker configs: this broker's (with the cluster default as a
 * synonym) or, for the default resource, the cluster default's. */
static void describe_dynamic(describe_ctx *d, int default_resource) {
    for (int scope = default_resource ? DYN_DEFAULT : DYN_BROKER; scope <= DYN_DEFAULT; scope++)
        for (int i = 0; i < dynamic_config_count(scope); i++) {
            const char *name = dynamic_config_key(scope, i);
            if (!dynamic_config_supported(name) || !wanted(d, name) ||
                (scope == DYN_DEFAULT && !default_resource && dynamic_config_get(DYN_BROKER, name)))
                continue;
            const char *value = dynamic_config_get(scope, name);
            const char *dflt = scope == DYN_BROKER ? dynamic_config_get(DYN_DEFAULT, name) : NULL;
            write_entry_head(d, name, value, scope == DYN_BROKER ? CONFIG_SOURCE_DYNAMIC_BROKER
                                                                 : CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER,
                             0, 0, 0);
            if (d->v < 1)
                continue;
            wb_i32(d->w, d->include_synonyms ? 1 + (dflt != NULL) : 0);
            if (!d->include_synonyms)
                continue;
            wb_cstr(d->w, name);
            wb_cstr(d->w, value);
            wb_i8(d->w, scope == DYN_BROKER ? CONFIG_SOURCE_DYNAMIC_BROKER
                                            : CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
            if (dflt) {
                wb_cstr(d->w, name);
                wb_cstr(d->w, dflt);
                wb_i8(d->w, CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
            }
        }
}

int handle_DescribeConfigs(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    int32_t nres;
    rb_read_i32(rb, &nres);
    rb_check_count_nn(rb, nres, 7);
    size_t res_at = rb->off;
    for (int32_t i = 0; i < nres; i++) {
        int8_t type;
        kstr name, key;
        int32_t nkeys;
        rb_read_i8(rb, &type);
        rb_read_str(rb, &name);
        rb_read_i32(rb, &nkeys);
        rb_check_count(rb, nkeys, 2);
        for (int32_t j = 0; j < nkeys; j++)
            rb_read_str(rb, &key);
    }
    int8_t include_synonyms = 0;
    if (v >= 1)
        rb_read_i8(rb, &include_synonyms);

    wbuf *w = &rs->wb;
    wb_i32(w, 0); /* throttle_time_ms */
    wb_i32(w, nres);
    rbuf r2;
    rb_init(&r2, rb->p + res_at, rb->len - res_at);
    for (int32_t i = 0; i < nres; i++) {
        int8_t type;
        kstr name;
        int32_t nkeys;
        rb_get_i8(&r2, &type);
        rb_get_str(&r2, &name);
        rb_get_i32(&r2, &nkeys);
        kstr *keys = nkeys > 0 ? calloc((size_t)nkeys, sizeof(kstr)) : NULL;
        for (int32_t j = 0; j < nkeys; j++)
            rb_get_str(&r2, &keys[j]);
        describe_ctx d = {w, v, include_synonyms, nkeys, keys, 0};
        int16_t err = ERR_NONE;
        char msg[300] = "";
        char idstr[16];
        snprintf(idstr, sizeof(idstr), "%d", B.id);
        topic *t = NULL;
        if (type == RESOURCE_TOPIC) {
            t = KSTR_IS_NULL(name) ? NULL : topic_findn(name.s, name.len);
            if (!t || t->deleting) {
                err = ERR_UNKNOWN_TOPIC_OR_PARTITION;
                snprintf(msg, sizeof(msg), "Topic '%.*s' does not exist.", KSTR_PR(name));
            }
        } else if (type == RESOURCE_BROKER) {
            if (!KSTR_IS_NULL(name) && name.len > 0 && !kstr_eq(name, idstr)) {
                err = ERR_INVALID_REQUEST;
                snprintf(msg, sizeof(msg), "Unexpected broker id, expected %d, but received %.*s",
                         B.id, KSTR_PR(name));
            }
        } else {
            err = ERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Unsupported resource type %d", type);
        }
        wb_i16(w, err);
        wb_cstr(w, err ? msg : NULL);
        wb_i8(w, type);
        wb_str(w, name.s, name.len);
        size_t count_at = wb_i32(w, 0);
        if (!err && type == RESOURCE_TOPIC) {
            const char *ok[512], *ov[512];
            int n = t->noverrides < 512 ? t->noverrides : 512;
            for (int j = 0; j < n; j++) {
                ok[j] = t->overrides[j].name;
                ov[j] = t->overrides[j].value;
            }
            topic_config_describe(&B.cfg, ok, ov, n, topic_entry_cb, &d);
        } else if (!err && (KSTR_IS_NULL(name) || name.len == 0)) {
            describe_dynamic(&d, 1); /* the cluster default holds only what was set */
        } else if (!err) {
            config_describe_broker(&B.cfg, broker_entry_cb, &d);
            describe_dynamic(&d, 0);
        }
        wb_put_i32(w, count_at, d.count);
        free(keys);
    }
    return 0;
err_parse:
    return -1;
}

/* ------------------------------------------------------------------------
 * AlterConfigs / IncrementalAlterConfigs (topics)
 * ---------------------------------------------------------------------- */
/* One item per resource (admin_pending.h); the response of both APIs. */
static void alter_write(admin_req *a, wbuf *w) {
    wb_i32(w, 0);
    wb_i32(w, a->nitems);
    for (int i = 0; i < a->nitems; i++) {
        wb_i16(w, a->items[i].error);
        wb_cstr(w, a->items[i].error ? a->items[i].message : NULL);
        wb_i8(w, a->items[i].type);
        wb_cstr(w, a->items[i].name);
    }
}

/* A working copy of a topic's overrides. */
typedef struct kvset {
    char *k[512];
    char *v[512];
    int n;
} kvset;

static int kv_find(kvset *s, const char *k) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->k[i], k))
            return i;
    return -1;
}
static void kv_set(kvset *s, const char *k, const char *v) {
    int i = kv_find(s, k);
    if (i >= 0) {
        free(s->v[i]);
        s->v[i] = strdup(v);
    } else if (s->n < 512) {
        s->k[s->n] = strdup(k);
        s->v[s->n++] = strdup(v);
    }
}
static void kv_del(kvset *s, const char *k) {
    int i = kv_find(s, k);
    if (i < 0)
        return;
    free(s->k[i]);
    free(s->v[i]);
    s->k[i] = s->k[s->n - 1];
    s->v[i] = s->v[s->n - 1];
    s->n--;
}
static void kv_free(kvset *s) {
    for (int i = 0; i < s->n; i++) {
        free(s->k[i]);
        free(s->v[i]);
    }
    s->n = 0;
}

/* List-valued configs (APPEND/SUBTRACT): comma-separated items. */
static void kv_list_op(kvset *s, const char *k, const char *item, int append) {
    int i = kv_find(s, k);
    char out[4096] = "";
    if (i >= 0) {
        char *copy = strdup(s->v[i]), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (!append && !strcmp(tok, item))
                continue;
            if (append && !strcmp(tok, item))
                append = 0; /* already present */
            snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", *out ? "," : "", tok);
        }
        free(copy);
    }
    if (append)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", *out ? "," : "", item);
    kv_set(s, k, out);
}

static int handle_alter(request *rq, response *rs, int incremental) {
    rbuf *rb = &rq->body;
    int32_t nres = 0;
    int8_t validate_only;
    admin_req *a = NULL;
    kvset *sets = NULL;
    rb_read_i32(rb, &nres);
    rb_check_count_nn(rb, nres, 7);
    a = admin_new(rq, nres, alter_write);
    sets = calloc((size_t)(nres > 0 ? nres : 1), sizeof(kvset));
    if (!sets)
        abort();
    for (int32_t i = 0; i < nres; i++) {
        int8_t type;
        kstr name;
        int32_t n;
        rb_read_i8(rb, &type);
        rb_read_str(rb, &name);
        rb_read_i32(rb, &n);
        rb_check_count_nn(rb, n, 4);
        a->items[i].type = type;
        a->items[i].name = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
        topic *t = type == RESOURCE_TOPIC ? topic_find(a->items[i].name) : NULL;
        char msg[300] = "", idstr[16];
        snprintf(idstr, sizeof(idstr), "%d", B.id);
        int scope = *a->items[i].name ? DYN_BROKER : DYN_DEFAULT;
        int16_t err = ERR_NONE;
        if (type == RESOURCE_TOPIC && (!t || t->deleting)) {
            err = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            snprintf(msg, sizeof(msg), "Topic '%s' does not exist.", a->items[i].name);
        } else if (type == RESOURCE_BROKER && scope == DYN_BROKER && strcmp(a->items[i].name, idstr)) {
            err = ERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Unexpected broker id, expected %d, but received %s", B.id,
                     a->items[i].name);
        } else if (type != RESOURCE_TOPIC && type != RESOURCE_BROKER) {
            err = ERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Altering these configs is not supported by this broker");
        }
        if (t && incremental)
            for (int j = 0; j < t->noverrides; j++)
                kv_set(&sets[i], t->overrides[j].name, t->overrides[j].value);
        if (type == RESOURCE_BROKER && !err && incremental)
            for (int j = 0; j < dynamic_config_count(scope); j++) {
                const char *k = dynamic_config_key(scope, j);
                kv_set(&sets[i], k, dynamic_config_get(scope, k));
            }
        for (int32_t j = 0; j < n; j++) {
            kstr k, val;
            int8_t op = 0;
            rb_read_str(rb, &k);
            if (incremental)
                rb_read_i8(rb, &op);
            rb_read_str(rb, &val);
            if (err)
                continue;
            char *kc = kstr_dup(k), *vc = kstr_dup(val);
            if (type == RESOURCE_BROKER && (!kc || !dynamic_config_supported(kc))) {
                err = ERR_INVALID_REQUEST;
                snprintf(msg, sizeof(msg), "Updating broker config %s dynamically is not supported "
                         "by this broker", kc ? kc : "null");
            } else if (type == RESOURCE_TOPIC && (!kc || !topic_config_is_valid_name(kc))) {
                err = ERR_INVALID_CONFIG;
                snprintf(msg, sizeof(msg), "Unknown topic config name: %s", kc ? kc : "null");
            } else if (op == 1) {
                kv_del(&sets[i], kc);
            } else if (!vc) {
                err = ERR_INVALID_REQUEST;
                snprintf(msg, sizeof(msg), "Null value not supported for : %s", kc);
            } else if (op == 0) {
                kv_set(&sets[i], kc, vc);
            } else if (op == 2 || op == 3) {
                kv_list_op(&sets[i], kc, vc, op == 2);
            } else {
                err = ERR_INVALID_REQUEST;
                snprintf(msg, sizeof(msg), "Unknown config operation %d", op);
            }
            free(kc);
            free(vc);
        }
        if (!err && type == RESOURCE_TOPIC) {
            topic_config tc;
            topic_config_defaults(&B.cfg, &tc);
            for (int j = 0; j < sets[i].n && !err; j++)
                if (topic_config_set(&tc, sets[i].k[j], sets[i].v[j], msg, sizeof(msg)) != 0)
                    err = ERR_INVALID_CONFIG;
        } else if (!err) {
            char why[200];
            for (int j = 0; j < sets[i].n && !err; j++)
                if (dynamic_config_supported(sets[i].k[j]) &&
                    dynamic_config_validate(sets[i].k[j], sets[i].v[j], why, sizeof(why)) != 0) {
                    /* AdminManager: a ConfigException becomes InvalidRequestException */
                    err = ERR_INVALID_REQUEST;
                    snprintf(msg, sizeof(msg), "Invalid config value for resource "
                             "ConfigResource(type=BROKER, name='%s'): %s", a->items[i].name, why);
                }
        }
        admin_set(a, i, err, err ? msg : NULL);
    }
    rb_read_i8(rb, &validate_only);
    for (int32_t i = 0; i < nres; i++) {
        if (a->items[i].error || validate_only)
            continue;
        const char *entity = a->items[i].name;
        if (a->items[i].type == RESOURCE_BROKER && !*entity)
            entity = "<default>";
        cluster_set_config(a->items[i].type == RESOURCE_TOPIC ? "topics" : "brokers", entity,
                           (const char *const *)sets[i].k, (const char *const *)sets[i].v,
                           sets[i].n, admin_item_done, admin_submit(a, i));
    }
    for (int32_t i = 0; i < nres; i++)
        kv_free(&sets[i]);
    free(sets);
    return admin_start(a, rs);
err_parse:
    for (int32_t i = 0; sets && i < nres; i++)
        kv_free(&sets[i]);
    free(sets);
    if (a)
        admin_free(a);
    return -1;
}

int handle_AlterConfigs(request *rq, response *rs) { return handle_alter(rq, rs, 0); }
int handle_IncrementalAlterConfigs(request *rq, response *rs) { return handle_alter(rq, rs, 1); }
