/* kafka_reassign_partitions.c -- kafka-reassign-partitions.sh as Apache
 * Kafka 2.6's ReassignPartitionsCommand (KIP-455): 2.5's --zookeeper mode
 * (the tool reads the znodes and writes /admin/reassign_partitions, which
 * the controller acts on) and the --bootstrap-server mode 2.6 added on
 * ListPartitionReassignments / AlterPartitionReassignments, with --cancel
 * and --list. Exactly one action:
 *
 *   --generate  --topics-to-move-json-file F --broker-list 1,2
 *               current and proposed assignment JSON (AdminUtils placement)
 *   --execute   --reassignment-json-file F [--throttle B/s] [--additional]
 *               prints the current assignment to save for rollback, sets the
 *               throttle configs, starts the reassignment
 *   --verify    --reassignment-json-file F [--preserve-throttles]
 *               one status line per partition; clears the throttles once
 *               nothing is in progress
 *   --cancel    --reassignment-json-file F (API mode)
 *   --list      (API mode)
 *
 * Errors as the Java tool: "Error: <message>" and the exception line, or the
 * bare message of a TerseReassignmentFailureException; exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "tools.h"
#include "xalloc.h"
#include "zk_admin.h"

#define KEY_IncrementalAlterConfigs 44
#define KEY_AlterPartitionReassignments 45
#define KEY_ListPartitionReassignments 46

static const opt_spec specs[] = {
    {"additional", OPT_FLAG, NULL, "Execute this reassignment in addition to any other ongoing ones."},
    {"bootstrap-server", OPT_ARG, "Server(s) to use for bootstrapping", "the server(s) to use for bootstrapping. REQUIRED if an absolute path of the log directory is specified for any replica in the reassignment json file, or if --zookeeper is not given."},
    {"broker-list", OPT_ARG, "brokerlist", "The list of brokers to which the partitions need to be reassigned in the form \"0,1,2\". This is required if --topics-to-move-json-file is used to generate reassignment configuration"},
    {"cancel", OPT_FLAG, NULL, "Cancel an active reassignment."},
    {"command-config", OPT_ARG, "Admin client property file", "Property file containing configs to be passed to Admin Client."},
    {"disable-rack-aware", OPT_FLAG, NULL, "Disable rack aware replica assignment"},
    {"execute", OPT_FLAG, NULL, "Kick off the reassignment as specified by the --reassignment-json-file option."},
    {"generate", OPT_FLAG, NULL, "Generate a candidate partition reassignment configuration. Note that this only generates a candidate assignment, it does not execute it."},
    {"list", OPT_FLAG, NULL, "List all active partition reassignments."},
    {"preserve-throttles", OPT_FLAG, NULL, "Do not modify broker or topic throttles."},
    {"reassignment-json-file", OPT_ARG, "manual assignment json file path", "The JSON file with the partition reassignment configurationThe format to use is - \n{\"partitions\":\n\t[{\"topic\": \"foo\",\n\t  \"partition\": 1,\n\t  \"replicas\": [1,2,3],\n\t  \"log_dirs\": [\"dir1\",\"dir2\",\"dir3\"] }],\n\"version\":1\n}\nNote that \"log_dirs\" is optional. When it is specified, its length must equal the length of the replicas list. The value in this list can be either \"any\" or the absolution path of the log directory on the broker. If absolute log directory path is specified, the replica will be moved to the specified log directory on the broker."},
    {"replica-alter-log-dirs-throttle", OPT_ARG, "replicaAlterLogDirsThrottle", "The movement of replicas between log directories on the same broker will be throttled to this value (bytes/sec). Rerunning with this option, whilst a rebalance is in progress, will alter the throttle value. The throttle rate should be at least 1 KB/s."},
    {"throttle", OPT_ARG, "throttle", "The movement of partitions between brokers will be throttled to this value (bytes/sec). Rerunning with this option, whilst a rebalance is in progress, will alter the throttle value. The throttle rate should be at least 1 KB/s."},
    {"timeout", OPT_ARG, "timeout", "The maximum time in ms to wait for log directory replica assignment to begin."},
    {"topics-to-move-json-file", OPT_ARG, "topics to reassign json file path", "Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - \n{\"topics\":\n\t[{\"topic\": \"foo\"},{\"topic\": \"foo1\"}],\n\"version\":1\n}"},
    {"verify", OPT_FLAG, NULL, "Verify if the reassignment completed as specified by the --reassignment-json-file option. If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed"},
    {"zookeeper", OPT_ARG, "urls", "DEPRECATED: The connection string for the zookeeper connection in the form host:port. Multiple URLS can be given to allow fail-over.  Please use --bootstrap-server instead."},
    {NULL, 0, NULL, NULL},
};

static const char *const broker_throttles[] = {"leader.replication.throttled.rate",
                                               "follower.replication.throttled.rate",
                                               "replica.alter.log.dirs.io.max.bytes.per.second"};
static const char *const topic_throttles[] = {"leader.replication.throttled.replicas",
                                              "follower.replication.throttled.replicas"};

static opts O;
static kadmin A;
static zk_sync ZS;
static int zk_mode;

/* ------------------------------------------------------------------------
 * Failures
 * ---------------------------------------------------------------------- */
static void die_error(const char *cls, const char *msg) __attribute__((noreturn));
static void die_error(const char *cls, const char *msg) {
    printf("Error: %s\n%s: %s\n", msg, cls, msg);
    fflush(stdout);
    exit(1);
}

static void die_terse(const char *msg) __attribute__((noreturn));
static void die_terse(const char *msg) {
    printf("%s\n", msg);
    fflush(stdout);
    exit(1);
}

static void die_admin(void) __attribute__((noreturn));
static void die_admin(void) {
    /* A.err is "<class>: <message>" */
    printf("Error: %s\n%s\n", A.err, A.err);
    fflush(stdout);
    exit(1);
}

static void die_zk(int rc, const char *path) __attribute__((noreturn));
static void die_zk(int rc, const char *path) {
    char m[2048];
    if (rc == ZKA_BAD_JSON)
        snprintf(m, sizeof(m), "Malformed JSON in %s", path);
    else
        zks_keeper_message(rc, path, m, sizeof(m));
    die_error("org.apache.zookeeper.KeeperException", m);
}

/* ------------------------------------------------------------------------
 * Partition lists: (topic, partition) -> replicas
 * ---------------------------------------------------------------------- */
typedef struct tp_reps {
    char *topic;
    int32_t partition;
    int32_t *rep;
    int nrep;
    /* ongoing reassignments (ListPartitionReassignments) */
    int32_t *add, *rem;
    int nadd, nrem;
} tp_reps;

typedef struct tp_list {
    tp_reps *v;
    int n, cap;
    int *index; /* v's indexes by topic, partition, index (tpl_find), or NULL */
} tp_list;

static void tpl_drop_index(tp_list *l) {
    free(l->index);
    l->index = NULL;
}

static tp_reps *tpl_add(tp_list *l, const char *topic, int32_t partition, const int32_t *rep,
                        int nrep) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof(tp_reps));
        if (!l->v)
            abort();
    }
    tpl_drop_index(l);
    tp_reps *e = &l->v[l->n++];
    memset(e, 0, sizeof(*e));
    e->topic = strdup(topic);
    e->partition = partition;
    e->rep = xcalloc((size_t)nrep, sizeof(int32_t));
    if (nrep > 0)
        memcpy(e->rep, rep, (size_t)nrep * sizeof(int32_t));
    e->nrep = nrep;
    return e;
}

static void tpl_free(tp_list *l) {
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].topic);
        free(l->v[i].rep);
        free(l->v[i].add);
        free(l->v[i].rem);
    }
    free(l->v);
    tpl_drop_index(l);
    memset(l, 0, sizeof(*l));
}

static int cmp_tp(const void *x, const void *y) {
    const tp_reps *a = x, *b = y;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

static int cmp_topic_at(const void *items, int i, int j) {
    const tp_reps *v = items;
    return strcmp(v[i].topic, v[j].topic);
}

static int cmp_index_tp(const void *x, const void *y, void *arg) {
    const tp_reps *v = arg;
    int i = *(const int *)x, j = *(const int *)y;
    int c = cmp_tp(&v[i], &v[j]);
    return c ? c : (i > j) - (i < j);
}

static int cmp_index_topic(const void *x, const void *y, void *arg) {
    const tp_reps *v = arg;
    return strcmp(v[*(const int *)x].topic, v[*(const int *)y].topic);
}

/* The first entry for the partition, by binary search in an index built
 * on the first look-up after a change (lists are built, then queried: a
 * reassignment of many partitions costs n log n, not n^2). */
static tp_reps *tpl_find(const tp_list *cl, const char *topic, int32_t partition) {
    tp_list *l = (tp_list *)cl; /* the index is a cache, not the list's value */
    if (l->n == 0)
        return NULL;
    if (!l->index) {
        l->index = xcalloc((size_t)l->n, sizeof(int));
        for (int i = 0; i < l->n; i++)
            l->index[i] = i;
        qsort_r(l->index, (size_t)l->n, sizeof(int), cmp_index_tp, l->v);
    }
    tp_reps key = {.topic = (char *)topic, .partition = partition};
    int lo = 0, hi = l->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (cmp_tp(&l->v[l->index[mid]], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && cmp_tp(&l->v[l->index[lo]], &key) == 0 ? &l->v[l->index[lo]] : NULL;
}

/* first[i]: the first entry of entry i's topic (tools_dups.c). */
static int *tpl_topic_first(const tp_list *l) {
    int *first = xcalloc((size_t)l->n, sizeof(int));
    tools_first_occurrence(l->v, l->n, cmp_topic_at, first);
    return first;
}

static void tpl_sort(tp_list *l) {
    tpl_drop_index(l);
    if (l->n > 1)
        qsort(l->v, (size_t)l->n, sizeof(tp_reps), cmp_tp);
}

static int ids_equal(const int32_t *a, int na, const int32_t *b, int nb) {
    return na == nb && (na == 0 || !memcmp(a, b, (size_t)na * sizeof(int32_t)));
}

static void print_ids(const int32_t *a, int n) {
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", a[i]);
}

/* "t-0,t-1" of a sorted list */
static void print_tps(const tp_list *l) {
    for (int i = 0; i < l->n; i++)
        printf("%s%s-%d", i ? "," : "", l->v[i].topic, l->v[i].partition);
}

/* formatAsReassignmentJson: sorted by topic and partition. */
static void print_reassignment_json(tp_list *l) {
    tpl_sort(l);
    wbuf w;
    wb_init(&w, 256);
    wb_write(&w, "{\"version\":1,\"partitions\":[", 27);
    for (int i = 0; i < l->n; i++) {
        tp_reps *e = &l->v[i];
        wb_write(&w, i ? ",{\"topic\":" : "{\"topic\":", i ? 10 : 9);
        json_write_str(&w, e->topic);
        char num[64];
        int k = snprintf(num, sizeof(num), ",\"partition\":%d,\"replicas\":[", e->partition);
        wb_write(&w, num, (size_t)k);
        for (int r = 0; r < e->nrep; r++) {
            k = snprintf(num, sizeof(num), "%s%d", r ? "," : "", e->rep[r]);
            wb_write(&w, num, (size_t)k);
        }
        wb_write(&w, "],\"log_dirs\":[", 14);
        for (int r = 0; r < e->nrep; r++)
            wb_write(&w, r ? ",\"any\"" : "\"any\"", r ? 6 : 5);
        wb_write(&w, "]}", 2);
    }
    wb_write(&w, "]}", 2);
    printf("%.*s", (int)w.len, (const char *)w.data);
    wb_free(&w);
}

/* ------------------------------------------------------------------------
 * The JSON files (parsed by tools_inputs.c)
 * ---------------------------------------------------------------------- */
static char *read_file_or_die(const char *path, size_t *len) {
    char *text = tools_read_file(path, len);
    if (!text)
        die_error("java.nio.file.NoSuchFileException", path);
    return text;
}

/* parsePartitionReassignmentData + parseExecuteAssignmentArgs' checks
 * (check_execute: the --execute ones). log_dirs other than "any" need
 * the log-dir moves this tool does not do. */
static void parse_reassignment(const char *path, tp_list *out, int check_execute) {
    size_t len;
    char *text = read_file_or_die(path, &len);
    tools_reassignment *r;
    int n;
    tools_input_error e;
    int rc = tools_reassignment_json(&A, text, len, check_execute, &r, &n, &e);
    free(text);
    if (rc != 0)
        die_error(e.exception, e.message);
    for (int i = 0; i < n; i++)
        tpl_add(out, r[i].topic, r[i].partition, r[i].replicas, r[i].nreplicas);
}

/* ------------------------------------------------------------------------
 * The cluster, through the admin API or ZooKeeper
 * ---------------------------------------------------------------------- */
typedef struct broker_info {
    int32_t id;
    const char *rack;
} broker_info;

static void brokers_free(broker_info *b, int n) {
    for (int i = 0; zk_mode && i < n; i++) /* strdup'd in ZooKeeper mode */
        free((char *)b[i].rack);
    free(b);
}

static broker_info *cluster_brokers(int *n) {
    if (zk_mode) {
        zka_broker *b;
        int rc = zka_brokers(&ZS, &b, n);
        if (rc != ZOK)
            die_zk(rc, "/brokers/ids");
        broker_info *out = xcalloc((size_t)*n, sizeof(*out));
        for (int i = 0; i < *n; i++)
            out[i] = (broker_info){b[i].id, b[i].rack ? strdup(b[i].rack) : NULL};
        zka_brokers_free(b, *n);
        return out;
    }
    ka_metadata *md = ka_metadata_get(&A, NULL, 0);
    if (!md)
        die_admin();
    broker_info *out = xcalloc((size_t)md->nbrokers, sizeof(*out));
    for (int i = 0; i < md->nbrokers; i++)
        out[i] = (broker_info){md->brokers[i].id, md->brokers[i].rack};
    *n = md->nbrokers;
    return out;
}

/* The current replicas of every partition of the topics named in want
 * (all of them when want_all). Unknown topics: the API mode fails as
 * describeTopics does; ZooKeeper mode leaves them out. */
static void current_assignment(const tp_list *want, int want_all, tp_list *out) {
    int *first = tpl_topic_first(want);
    for (int i = 0; i < want->n; i++) {
        if (first[i] != i)
            continue;
        const char *t = want->v[i].topic;
        if (zk_mode) {
            zka_topic zt;
            int rc = zka_topic_get(&ZS, t, &zt);
            if (rc == ZNONODE)
                continue;
            if (rc != ZOK)
                die_zk(rc, "/brokers/topics");
            for (int p = 0; p < zt.nparts; p++)
                if (want_all || tpl_find(want, t, zt.parts[p].id))
                    tpl_add(out, t, zt.parts[p].id, zt.parts[p].rep, zt.parts[p].nrep);
            zka_topic_free(&zt);
            continue;
        }
        ka_metadata *md = ka_metadata_get(&A, &t, 1);
        if (!md)
            die_admin();
        const ka_topic *kt = ka_md_topic(md, t);
        if (!kt || kt->err) {
            char b[1024];
            printf("Error: %s\n", kerror_string(kt ? kt->err : 3, NULL, b, sizeof(b)));
            fflush(stdout);
            exit(1);
        }
        for (int p = 0; p < kt->nparts; p++)
            if (want_all || tpl_find(want, t, kt->parts[p].id))
                tpl_add(out, t, kt->parts[p].id, kt->parts[p].replicas, kt->parts[p].nreplicas);
    }
    free(first);
}

/* /admin/reassign_partitions: the reassignments the 2.5 tool started. */
static int zk_ongoing(tp_list *out) {
    char *data = NULL;
    int len;
    int rc = zks_get(&ZS, "/admin/reassign_partitions", &data, &len);
    if (rc == ZNONODE)
        return 0;
    if (rc != ZOK)
        die_zk(rc, "/admin/reassign_partitions");
    json *js = data ? json_parse(data, (size_t)len) : NULL;
    free(data);
    const json *parts = json_get(js, "partitions");
    for (int i = 0; parts && parts->type == JSON_ARRAY && i < parts->n; i++) {
        const json *p = parts->items[i];
        const char *t = json_str(json_get(p, "topic"));
        int64_t pid;
        const json *r = json_get(p, "replicas");
        if (!t || json_int(json_get(p, "partition"), &pid) != 0 || !r || r->type != JSON_ARRAY)
            continue;
        int32_t *rep = xcalloc((size_t)r->n, sizeof(int32_t));
        int n = 0;
        for (int k = 0; k < r->n; k++) {
            int64_t b;
            if (json_int(r->items[k], &b) == 0)
                rep[n++] = (int32_t)b;
        }
        tpl_add(out, t, (int32_t)pid, rep, n);
        free(rep);
    }
    json_free(js);
    return 1;
}

/* ------------------------------------------------------------------------
 * Throttle configs
 * ---------------------------------------------------------------------- */
/* Sets (value != NULL) or deletes the keys of one topic or broker. */
static void change_configs(int8_t type, const char *name, const char *const *keys,
                           const char *const *values, int n) {
    if (zk_mode) {
        const char *ztype = type == KA_RESOURCE_TOPIC ? "topics" : "brokers";
        zka_props p = {0};
        int rc = zka_config_get(&ZS, ztype, name, &p);
        if (rc != ZOK)
            die_zk(rc, "/config");
        int changed = 0;
        for (int i = 0; i < n; i++) {
            if (values[i]) {
                zka_props_put(&p, keys[i], values[i]);
                changed = 1;
            } else
                changed |= zka_props_remove(&p, keys[i]);
        }
        if (changed && (rc = zka_config_change(&ZS, ztype, name, &p)) != ZOK)
            die_zk(rc, "/config");
        zka_props_free(&p);
        return;
    }
    ka_alter_op ops[8];
    for (int i = 0; i < n && i < 8; i++)
        ops[i] = (ka_alter_op){keys[i], values[i], (int8_t)(values[i] ? 0 : 1)};
    ka_result res = {0};
    if (ka_incremental_alter_configs(&A, type, name, ops, n < 8 ? n : 8, &res) != 0)
        die_admin();
    if (res.err) {
        char b[1024];
        printf("Error: %s\n", kerror_string(res.err, res.msg, b, sizeof(b)));
        fflush(stdout);
        exit(1);
    }
}

static int id_in(const int32_t *a, int n, int32_t v) {
    for (int i = 0; i < n; i++)
        if (a[i] == v)
            return 1;
    return 0;
}

static int cmp_strp(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int cmp_i32(const void *x, const void *y) {
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

/* A growing array of broker ids. */
typedef struct id_vec {
    int32_t *v;
    int n, cap;
} id_vec;

static void iv_add(id_vec *s, const int32_t *ids, int n) {
    if (s->n + n > s->cap) {
        s->cap = s->n + n > 2 * s->cap ? s->n + n : 2 * s->cap;
        s->v = realloc(s->v, (size_t)s->cap * sizeof(int32_t));
        if (!s->v)
            abort();
    }
    if (n > 0)
        memcpy(s->v + s->n, ids, (size_t)n * sizeof(int32_t));
    s->n += n;
}

/* A Scala Set of these ids: insertion order up to four, sorted beyond. */
static void iv_scala_set(id_vec *s) {
    s->n = tools_int_unique(s->v, s->n);
    if (s->n > 4)
        qsort(s->v, (size_t)s->n, sizeof(int32_t), cmp_i32);
}

/* clearAllThrottles: live brokers and the file's brokers, the file's topics. */
static void clear_all_throttles(const tp_list *target) {
    int nb;
    broker_info *bi = cluster_brokers(&nb);
    id_vec set = {0};
    for (int i = 0; i < nb; i++)
        iv_add(&set, &bi[i].id, 1);
    for (int i = 0; i < target->n; i++)
        iv_add(&set, target->v[i].rep, target->v[i].nrep);
    iv_scala_set(&set);
    printf("Clearing broker-level throttles on broker%s ", set.n == 1 ? "" : "s");
    print_ids(set.v, set.n);
    printf("\n");
    const char *nulls[3] = {NULL, NULL, NULL};
    for (int i = 0; i < set.n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", set.v[i]);
        change_configs(KA_RESOURCE_BROKER, id, broker_throttles, nulls, zk_mode ? 2 : 3);
    }
    int *first = tpl_topic_first(target), nt = 0;
    for (int i = 0; i < target->n; i++)
        nt += first[i] == i;
    printf("Clearing topic-level throttles on topic%s ", nt == 1 ? "" : "s");
    for (int i = 0, k = 0; i < target->n; i++)
        if (first[i] == i)
            printf("%s%s", k++ ? "," : "", target->v[i].topic);
    printf("\n");
    for (int i = 0; i < target->n; i++)
        if (first[i] == i)
            change_configs(KA_RESOURCE_TOPIC, target->v[i].topic, topic_throttles, nulls, 2);
    free(first);
    free(set.v);
    brokers_free(bi, nb);
}

/* The "p:b" entries of one throttled-replicas list: sorted as a TreeSet
 * of strings, each once, joined by ','; every one kept, however many. */
typedef struct throttle_list {
    char **v;
    int n, cap;
} throttle_list;

static void tl_add(throttle_list *l, int32_t partition, int32_t broker) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, (size_t)l->cap * sizeof(char *));
        if (!l->v)
            abort();
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%d:%d", partition, broker);
    if (!(l->v[l->n++] = strdup(buf)))
        abort();
}

static char *tl_value(throttle_list *l) {
    qsort(l->v, (size_t)l->n, sizeof(char *), cmp_strp);
    wbuf w;
    wb_init(&w, (size_t)l->n * 8 + 1);
    for (int k = 0, m = 0; k < l->n; k++) {
        if (k && !strcmp(l->v[k], l->v[k - 1]))
            continue;
        if (m++)
            wb_write(&w, ",", 1);
        wb_write(&w, l->v[k], strlen(l->v[k]));
    }
    wb_write(&w, "", 1);
    for (int k = 0; k < l->n; k++)
        free(l->v[k]);
    free(l->v);
    memset(l, 0, sizeof(*l));
    return (char *)w.data;
}

/* One partition's move: sources (current replicas, and those of an ongoing
 * reassignment) into lead, destinations that are not sources into follow;
 * both into brokers. */
static void throttle_move(const tp_list *proposed, const tp_list *current, const tp_list *ongoing, const char *t,
                          int32_t partition, throttle_list *lead, throttle_list *follow, id_vec *brokers) {
    id_vec src = {0}, dst = {0};
    tp_reps *on = ongoing ? tpl_find(ongoing, t, partition) : NULL;
    tp_reps *pr = tpl_find(proposed, t, partition);
    if (pr) {
        iv_add(&dst, pr->rep, pr->nrep);
    } else if (on) {
        iv_add(&src, on->rep, on->nrep);
        iv_add(&dst, on->rep, on->nrep);
        iv_add(&dst, on->add, on->nadd);
    }
    tp_reps *cur = tpl_find(current, t, partition);
    if (cur)
        iv_add(&src, cur->rep, cur->nrep);
    src.n = tools_int_unique(src.v, src.n);
    dst.n = tools_int_unique(dst.v, dst.n);
    for (int r = 0; r < src.n; r++)
        tl_add(lead, partition, src.v[r]);
    iv_add(brokers, src.v, src.n);
    qsort(src.v, (size_t)src.n, sizeof(int32_t), cmp_i32);
    for (int r = 0; r < dst.n; r++) {
        if (src.n && bsearch(&dst.v[r], src.v, (size_t)src.n, sizeof(int32_t), cmp_i32))
            continue;
        tl_add(follow, partition, dst.v[r]);
        iv_add(brokers, &dst.v[r], 1);
    }
    free(src.v);
    free(dst.v);
}

/* calculateMoveMap / calculateLeaderThrottles / calculateFollowerThrottles:
 * per topic of the proposal, "p:broker,..." of the sources (current
 * replicas, and those of ongoing reassignments of its other partitions)
 * and of the destinations that are not sources; the brokers involved get
 * rate as both broker throttles (rate < 0: none). n log n in the number of
 * partitions and replicas, without any cap. */
static void set_throttles(const tp_list *proposed, const tp_list *current, const tp_list *ongoing,
                          int64_t rate) {
    id_vec brokers = {0};
    int *first = tpl_topic_first(proposed);
    /* the ongoing reassignments chained by topic in list order (next_on),
     * the chains' heads sorted by topic for the look-up */
    int non = ongoing ? ongoing->n : 0, nheads = 0;
    int *next_on = xcalloc((size_t)non + 1, sizeof(int)), *heads = xcalloc((size_t)non + 1, sizeof(int));
    if (non) {
        int *on_first = tpl_topic_first(ongoing), *tail = xcalloc((size_t)non, sizeof(int));
        for (int k = 0; k < non; k++) {
            next_on[k] = -1;
            if (on_first[k] == k)
                heads[nheads++] = k;
            else
                next_on[tail[on_first[k]]] = k;
            tail[on_first[k]] = k;
        }
        qsort_r(heads, (size_t)nheads, sizeof(int), cmp_index_topic, ongoing->v);
        free(on_first);
        free(tail);
    }
    for (int i = 0; i < proposed->n; i++) {
        if (first[i] != i)
            continue;
        const char *t = proposed->v[i].topic;
        throttle_list lead = {0}, follow = {0};
        /* moves of this topic: ongoing ones first, replaced by proposals */
        int lo = 0, hi = nheads;
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (strcmp(ongoing->v[heads[mid]].topic, t) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        int k = lo < nheads && !strcmp(ongoing->v[heads[lo]].topic, t) ? heads[lo] : -1;
        for (; k >= 0; k = next_on[k])
            if (!tpl_find(proposed, t, ongoing->v[k].partition))
                throttle_move(proposed, current, ongoing, t, ongoing->v[k].partition, &lead, &follow, &brokers);
        for (int q = i; q < proposed->n; q++)
            if (first[q] == i)
                throttle_move(proposed, current, ongoing, t, proposed->v[q].partition, &lead, &follow, &brokers);
        char *lv = tl_value(&lead), *fv = tl_value(&follow);
        const char *vals[2] = {lv, fv};
        change_configs(KA_RESOURCE_TOPIC, t, topic_throttles, vals, 2);
        free(lv);
        free(fv);
    }
    free(first);
    free(next_on);
    free(heads);
    brokers.n = tools_int_unique(brokers.v, brokers.n);
    char r[32];
    snprintf(r, sizeof(r), "%lld", (long long)rate);
    const char *vals[2] = {r, r};
    for (int i = 0; rate >= 0 && i < brokers.n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", brokers.v[i]);
        change_configs(KA_RESOURCE_BROKER, id, broker_throttles, vals, 2);
    }
    free(brokers.v);
}

/* ------------------------------------------------------------------------
 * ListPartitionReassignments and AlterPartitionReassignments (flexible v0,
 * at the controller)
 * ---------------------------------------------------------------------- */
/* The partitions grouped by topic (first-seen order) as the requests'
 * compact topics array; part() writes what follows a partition's index. */
typedef void part_writer(wbuf *w, const tp_reps *e, const void *arg);

static void write_topics(wbuf *w, const tp_list *parts, part_writer *part, const void *arg) {
    int nt = 0;
    wbuf tw;
    wb_init(&tw, 256);
    for (int i = 0; i < parts->n; i++) {
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = !strcmp(parts->v[k].topic, parts->v[i].topic);
        if (seen)
            continue;
        nt++;
        wb_cmpstr(&tw, parts->v[i].topic, (int)strlen(parts->v[i].topic));
        int np = 0;
        for (int k = i; k < parts->n; k++)
            np += !strcmp(parts->v[k].topic, parts->v[i].topic);
        wb_uvarint(&tw, (uint64_t)np + 1);
        for (int k = i; k < parts->n; k++)
            if (!strcmp(parts->v[k].topic, parts->v[i].topic)) {
                wb_i32(&tw, parts->v[k].partition);
                if (part)
                    part(&tw, &parts->v[k], arg);
            }
        wb_uvarint(&tw, 0);
    }
    wb_uvarint(w, (uint64_t)nt + 1);
    wb_write(w, tw.data, tw.len);
    wb_free(&tw);
}

/* Sends body to the controller; the response body goes into resp, read
 * by r up to and including the top-level error (returned) and message.
 * NOT_CONTROLLER (the controller moved) is retried. */
static int16_t controller_request(int16_t key, const char *api, const wbuf *body, wbuf *resp,
                                  rbuf *r, char *msg, size_t msgcap) {
    for (int attempt = 0;; attempt++) {
        ka_conn *c = ka_controller(&A);
        if (!c)
            die_admin();
        if (ka_version(c, key, 0) < 0) {
            char m[128];
            snprintf(m, sizeof(m), "The broker does not support %s", api);
            die_error("org.apache.kafka.common.errors.UnsupportedVersionException", m);
        }
        if (ka_call_flexible(&A, c, key, 0, body, resp) != 0)
            die_admin();
        rb_init(r, resp->data, resp->len);
        int32_t throttle;
        int16_t err;
        kstr m;
        rb_read_i32(r, &throttle);
        rb_read_i16(r, &err);
        rb_read_cmpstr(r, &m);
        if (err == 41 && attempt < 10) { /* NOT_CONTROLLER */
            usleep(300 * 1000);
            continue;
        }
        const kerror_info *ki = kerror_lookup(err);
        if (!KSTR_IS_NULL(m))
            snprintf(msg, msgcap, "%.*s", KSTR_PR(m));
        else
            snprintf(msg, msgcap, "%s", err && ki ? ki->message : "");
        return err;
    err_parse:
        break;
    }
    char m[128];
    snprintf(m, sizeof(m), "malformed %s response", api);
    die_error("org.apache.kafka.common.protocol.types.SchemaException", m);
}

static int read_ids(rbuf *r, int32_t **out, int *n) {
    if (rb_get_compact_count_nn(r, n, 4) != 0)
        return -1;
    *out = xcalloc((size_t)*n, sizeof(int32_t));
    for (int i = 0; i < *n; i++)
        if (rb_get_i32(r, &(*out)[i]) != 0)
            return -1;
    return 0;
}

/* The ongoing reassignments among parts (NULL: all). */
static void api_ongoing(const tp_list *parts, tp_list *out) {
    wbuf body, resp;
    wb_init(&body, 128);
    wb_init(&resp, 512);
    wb_i32(&body, A.timeout_ms);
    if (parts)
        write_topics(&body, parts, NULL, NULL);
    else
        wb_uvarint(&body, 0);
    wb_uvarint(&body, 0);
    rbuf rb, *r = &rb;
    char msg[1024];
    int16_t err = controller_request(KEY_ListPartitionReassignments, "LIST_PARTITION_REASSIGNMENTS",
                                     &body, &resp, r, msg, sizeof(msg));
    wb_free(&body);
    if (err) {
        char b[1200];
        printf("Error: %s\n", kerror_string(err, msg, b, sizeof(b)));
        fflush(stdout);
        exit(1);
    }
    int32_t nt, np;
    kstr name;
    /* a topic: name, partitions, tags; a partition: partition_index, three
     * id arrays, tags */
    rb_read_compact_count(r, &nt, 3);
    for (int32_t t = 0; t < nt; t++) {
        rb_read_cmpstr(r, &name);
        rb_read_compact_count(r, &np, 8);
        char *tn = ka_kstrdup(&A, name);
        for (int32_t p = 0; p < np; p++) {
            int32_t pid, *rep = NULL, *add = NULL, *rem = NULL;
            int nrep, nadd, nrem;
            rb_read_i32(r, &pid);
            if (read_ids(r, &rep, &nrep) || read_ids(r, &add, &nadd) || read_ids(r, &rem, &nrem))
                goto err_parse;
            rb_read_tags(r);
            tp_reps *e = tpl_add(out, tn, pid, rep, nrep);
            free(rep);
            e->add = add;
            e->nadd = nadd;
            e->rem = rem;
            e->nrem = nrem;
        }
        rb_read_tags(r);
    }
    wb_free(&resp);
    return;
err_parse:
    die_error("org.apache.kafka.common.protocol.types.SchemaException",
              "malformed LIST_PARTITION_REASSIGNMENTS response");
}

/* Each partition's error and the exception's getMessage(). */
typedef struct alter_result {
    int16_t err;
    char msg[1024];
} alter_result;

static void write_target(wbuf *w, const tp_reps *e, const void *arg) {
    if (*(const int *)arg) { /* cancel: null replicas */
        wb_uvarint(w, 0);
    } else {
        wb_uvarint(w, (uint64_t)e->nrep + 1);
        for (int r = 0; r < e->nrep; r++)
            wb_i32(w, e->rep[r]);
    }
    wb_uvarint(w, 0);
}

/* AlterPartitionReassignments of parts to their replicas, or cancel. */
static void api_alter(const tp_list *parts, int cancel, alter_result *res) {
    wbuf body, resp;
    wb_init(&body, 256);
    wb_init(&resp, 512);
    wb_i32(&body, A.timeout_ms);
    write_topics(&body, parts, write_target, &cancel);
    wb_uvarint(&body, 0);
    rbuf rb, *r = &rb;
    char top_msg[1024];
    int16_t top = controller_request(KEY_AlterPartitionReassignments,
                                     "ALTER_PARTITION_REASSIGNMENTS", &body, &resp, r, top_msg,
                                     sizeof(top_msg));
    wb_free(&body);
    for (int i = 0; i < parts->n; i++) {
        res[i].err = top;
        snprintf(res[i].msg, sizeof(res[i].msg), "%s", top_msg);
    }
    int32_t nt, np;
    kstr name, msg;
    /* a topic: name, partitions, tags; a partition: partition_index,
     * error_code, error_message, tags */
    rb_read_compact_count(r, &nt, 3);
    for (int32_t t = 0; t < nt; t++) {
        rb_read_cmpstr(r, &name);
        rb_read_compact_count(r, &np, 8);
        for (int32_t p = 0; p < np; p++) {
            int32_t pid;
            int16_t err;
            rb_read_i32(r, &pid);
            rb_read_i16(r, &err);
            rb_read_cmpstr(r, &msg);
            rb_read_tags(r);
            for (int i = 0; i < parts->n; i++)
                if (parts->v[i].partition == pid && kstr_eq(name, parts->v[i].topic)) {
                    const kerror_info *ki = kerror_lookup(err);
                    res[i].err = err;
                    if (!KSTR_IS_NULL(msg))
                        snprintf(res[i].msg, sizeof(res[i].msg), "%.*s", KSTR_PR(msg));
                    else
                        snprintf(res[i].msg, sizeof(res[i].msg), "%s",
                                 ki ? ki->message : "Unknown error");
                }
        }
        rb_read_tags(r);
    }
    wb_free(&resp);
    return;
err_parse:
    die_error("org.apache.kafka.common.protocol.types.SchemaException",
              "malformed ALTER_PARTITION_REASSIGNMENTS response");
}

/* ------------------------------------------------------------------------
 * The actions
 * ---------------------------------------------------------------------- */
static void print_current_for_rollback(tp_list *current) {
    printf("Current partition replica assignment\n\n");
    print_reassignment_json(current);
    printf("\n\nSave this to use as the --reassignment-json-file option during rollback\n");
}

static void action_generate(void) {
    /* parseGenerateAssignmentArgs */
    int32_t *brokers;
    int nb;
    tools_input_error e;
    if (tools_broker_list(&A, opts_get(&O, "broker-list"), &brokers, &nb, &e) != 0)
        die_error(e.exception, e.message);
    size_t len;
    const char *path = opts_get(&O, "topics-to-move-json-file");
    char *text = read_file_or_die(path, &len);
    const char **topics;
    int nt;
    int rc = tools_topics_to_move_json(&A, text, len, &topics, &nt, &e);
    free(text);
    if (rc != 0)
        die_error(e.exception, e.message);
    tp_list want = {0};
    for (int i = 0; i < nt; i++)
        tpl_add(&want, topics[i], -1, NULL, 0);
    tp_list current = {0};
    current_assignment(&want, 1, &current);
    /* the listed brokers that exist, sorted by id (getBrokerMetadatas) */
    int nall;
    broker_info *all = cluster_brokers(&nall);
    zka_broker *use = xcalloc((size_t)nall, sizeof(zka_broker));
    int nuse = 0;
    for (int i = 0; i < nall; i++)
        if (id_in(brokers, nb, all[i].id))
            use[nuse++] = (zka_broker){all[i].id, (char *)all[i].rack};
    for (int i = 1; i < nuse; i++)
        for (int j = i; j > 0 && use[j - 1].id > use[j].id; j--) {
            zka_broker x = use[j];
            use[j] = use[j - 1];
            use[j - 1] = x;
        }
    int rack_aware = !opts_has(&O, "disable-rack-aware");
    int nrack = 0;
    for (int i = 0; i < nuse; i++)
        nrack += use[i].rack != NULL;
    if (rack_aware && nrack != 0 && nrack != nuse)
        die_error("kafka.admin.AdminOperationException",
                  zk_mode ? "Not all brokers have rack information for replica rack aware assignment."
                          : "Not all brokers have rack information. Add --disable-rack-aware in "
                            "command line to make replica assignment without rack information.");
    tp_list proposed = {0};
    tpl_sort(&current);
    for (int i = 0; i < current.n;) {
        int j = i;
        while (j < current.n && !strcmp(current.v[j].topic, current.v[i].topic))
            j++;
        int np = j - i, rf = current.v[i].nrep;
        int32_t *out = xcalloc((size_t)np * (size_t)(rf > 0 ? rf : 1), sizeof(int32_t));
        char err[512];
        if (zka_assign_replicas(use, nuse, np, rf, -1, -1, rack_aware && nrack > 0, out, err,
                                sizeof(err)) != 0)
            die_error("org.apache.kafka.common.errors.InvalidReplicationFactorException", err);
        for (int k = 0; k < np; k++)
            tpl_add(&proposed, current.v[i].topic, k, out + (size_t)k * (size_t)rf, rf);
        free(out);
        i = j;
    }
    printf("Current partition replica assignment\n");
    print_reassignment_json(&current);
    printf("\n\nProposed partition reassignment configuration\n");
    print_reassignment_json(&proposed);
    printf("\n");
    free(use);
    brokers_free(all, nall);
    tpl_free(&want);
    tpl_free(&current);
    tpl_free(&proposed);
}

static const char *const cannot_execute =
    "Cannot execute because there is an existing partition assignment.  Use --additional to "
    "override this and create a new partition assignment in addition to the existing one.";

/* throttle, logdir_throttle: -1 when not given. No replica here moves
 * between log directories (log_dirs must be "any"), so the latter only
 * prints its line, as 2.6 does with no movement. */
static void action_execute(int64_t throttle, int64_t logdir_throttle) {
    tp_list proposed = {0};
    parse_reassignment(opts_get(&O, "reassignment-json-file"), &proposed, 1);
    tp_list ongoing = {0}, current = {0};
    int nall;
    broker_info *all = cluster_brokers(&nall);
    if (zk_mode) {
        /* verifyReplicasAndBrokersInAssignment */
        current_assignment(&proposed, 1, &current);
        char m[4096];
        size_t at = 0;
        for (int i = 0; i < proposed.n; i++)
            if (!tpl_find(&current, proposed.v[i].topic, proposed.v[i].partition) && at < sizeof(m))
                at += (size_t)snprintf(m + at, sizeof(m) - at, "%s%s-%d", at ? ", " : "",
                                       proposed.v[i].topic, proposed.v[i].partition);
        if (at) {
            char full[4200];
            snprintf(full, sizeof(full), "The proposed assignment contains non-existent "
                     "partitions: List(%s)", m);
            die_error("kafka.common.AdminCommandFailedException", full);
        }
        id_vec bad = {0};
        for (int i = 0; i < proposed.n; i++)
            for (int r = 0; r < proposed.v[i].nrep; r++) {
                int known = 0;
                for (int k = 0; k < nall && !known; k++)
                    known = all[k].id == proposed.v[i].rep[r];
                if (!known)
                    iv_add(&bad, &proposed.v[i].rep[r], 1);
            }
        bad.n = tools_int_unique(bad.v, bad.n);
        if (bad.n) {
            at = (size_t)snprintf(m, sizeof(m), "The proposed assignment contains non-existent "
                                  "brokerIDs: ");
            for (int i = 0; i < bad.n && at < sizeof(m); i++)
                at += (size_t)snprintf(m + at, sizeof(m) - at, "%s%d", i ? "," : "", bad.v[i]);
            die_error("kafka.common.AdminCommandFailedException", m);
        }
        free(bad.v);
        if (zk_ongoing(&ongoing))
            die_terse(cannot_execute);
    } else {
        api_ongoing(NULL, &ongoing);
        if (ongoing.n && !opts_has(&O, "additional"))
            die_terse(cannot_execute);
        /* verifyBrokerIds */
        for (int i = 0; i < proposed.n; i++)
            for (int r = 0; r < proposed.v[i].nrep; r++) {
                int known = 0;
                for (int k = 0; k < nall && !known; k++)
                    known = all[k].id == proposed.v[i].rep[r];
                if (!known) {
                    char m[64];
                    snprintf(m, sizeof(m), "Unknown broker id %d", proposed.v[i].rep[r]);
                    die_error("kafka.common.AdminCommandFailedException", m);
                }
            }
        current_assignment(&proposed, 0, &current);
    }
    tp_list shown = {0}; /* the current assignment of the proposed partitions */
    for (int i = 0; i < current.n; i++)
        if (tpl_find(&proposed, current.v[i].topic, current.v[i].partition))
            tpl_add(&shown, current.v[i].topic, current.v[i].partition, current.v[i].rep,
                    current.v[i].nrep);
    print_current_for_rollback(&shown);
    if (throttle >= 0 || logdir_throttle >= 0) {
        printf("Warning: You must run --verify periodically, until the reassignment completes, "
               "to ensure the throttle is removed.\n");
        set_throttles(&proposed, &current, zk_mode ? NULL : &ongoing, throttle);
        if (throttle >= 0)
            printf("The inter-broker throttle limit was set to %lld B/s\n", (long long)throttle);
        if (logdir_throttle >= 0)
            printf("The replica-alter-dir throttle limit was set to %lld B/s\n",
                   (long long)logdir_throttle);
    }
    tpl_sort(&proposed);
    if (zk_mode) {
        wbuf w;
        wb_init(&w, 256);
        wb_write(&w, "{\"version\":1,\"partitions\":[", 27);
        for (int i = 0; i < proposed.n; i++) {
            wb_write(&w, i ? ",{\"topic\":" : "{\"topic\":", i ? 10 : 9);
            json_write_str(&w, proposed.v[i].topic);
            char num[64];
            int k = snprintf(num, sizeof(num), ",\"partition\":%d,\"replicas\":[",
                             proposed.v[i].partition);
            wb_write(&w, num, (size_t)k);
            for (int r = 0; r < proposed.v[i].nrep; r++) {
                k = snprintf(num, sizeof(num), "%s%d", r ? "," : "", proposed.v[i].rep[r]);
                wb_write(&w, num, (size_t)k);
            }
            wb_write(&w, "]}", 2);
        }
        wb_write(&w, "]}", 2);
        int rc = zks_create_recursive(&ZS, "/admin/reassign_partitions", (const char *)w.data,
                                      (int)w.len, 1);
        wb_free(&w);
        if (rc == ZNODEEXISTS)
            die_terse(cannot_execute);
        if (rc != ZOK)
            die_zk(rc, "/admin/reassign_partitions");
    } else {
        alter_result *res = xcalloc((size_t)proposed.n, sizeof(*res));
        api_alter(&proposed, 0, res);
        int nerr = 0;
        for (int i = 0; i < proposed.n; i++)
            nerr += res[i].err != 0;
        if (nerr) {
            printf("Error reassigning partition(s):\n");
            int k = 0;
            for (int i = 0; i < proposed.n; i++)
                if (res[i].err)
                    printf("%s-%d: %s%s", proposed.v[i].topic, proposed.v[i].partition,
                           res[i].msg, ++k < nerr ? "\n" : "\n");
            fflush(stdout);
            exit(1);
        }
        free(res);
    }
    printf("Successfully started partition reassignment%s for ", proposed.n == 1 ? "" : "s");
    print_tps(&proposed);
    printf("\n");
    brokers_free(all, nall);
    tpl_free(&proposed);
    tpl_free(&ongoing);
    tpl_free(&current);
    tpl_free(&shown);
}

static void action_verify(void) {
    tp_list target = {0};
    parse_reassignment(opts_get(&O, "reassignment-json-file"), &target, 0);
    tp_list ongoing = {0};
    int any_ongoing;
    if (zk_mode) {
        printf("Warning: because you are using the deprecated --zookeeper option, the results "
               "may be incomplete.  Use --bootstrap-server instead for more accurate results.\n");
        any_ongoing = zk_ongoing(&ongoing) && ongoing.n > 0;
    } else {
        api_ongoing(NULL, &ongoing);
        any_ongoing = ongoing.n > 0;
    }
    tp_list current = {0};
    if (zk_mode)
        current_assignment(&target, 0, &current);
    else { /* describeTopics of the partitions not being reassigned */
        tp_list idle = {0};
        for (int i = 0; i < target.n; i++)
            if (!tpl_find(&ongoing, target.v[i].topic, target.v[i].partition))
                tpl_add(&idle, target.v[i].topic, target.v[i].partition, NULL, 0);
        current_assignment(&idle, 0, &current);
        tpl_free(&idle);
    }
    tpl_sort(&target);
    printf("Status of partition reassignment:\n");
    for (int i = 0; i < target.n; i++) {
        tp_reps *t = &target.v[i];
        tp_reps *on = tpl_find(&ongoing, t->topic, t->partition);
        if (on) {
            printf("Reassignment of partition %s-%d is still in progress.\n", t->topic, t->partition);
            continue;
        }
        tp_reps *cur = tpl_find(&current, t->topic, t->partition);
        const int32_t *rep = cur ? cur->rep : NULL;
        int nrep = cur ? cur->nrep : 0;
        if (ids_equal(rep, nrep, t->rep, t->nrep))
            printf("Reassignment of partition %s-%d is complete.\n", t->topic, t->partition);
        else {
            printf("There is no active reassignment of partition %s-%d, but replica set is ",
                   t->topic, t->partition);
            print_ids(rep, nrep);
            printf(" rather than ");
            print_ids(t->rep, t->nrep);
            printf(".\n");
        }
    }
    if (!any_ongoing && !opts_has(&O, "preserve-throttles"))
        clear_all_throttles(&target);
    tpl_free(&target);
    tpl_free(&ongoing);
    tpl_free(&current);
}

static void action_cancel(void) {
    tp_list target = {0};
    parse_reassignment(opts_get(&O, "reassignment-json-file"), &target, 0);
    tp_list ongoing = {0};
    api_ongoing(&target, &ongoing);
    tp_list active = {0};
    for (int i = 0; i < ongoing.n; i++)
        if (ongoing.v[i].nadd || ongoing.v[i].nrem)
            tpl_add(&active, ongoing.v[i].topic, ongoing.v[i].partition, NULL, 0);
    if (active.n) {
        alter_result *res = xcalloc((size_t)active.n, sizeof(*res));
        api_alter(&active, 1, res);
        tpl_sort(&active);
        int nerr = 0;
        for (int i = 0; i < active.n; i++)
            nerr += res[i].err != 0;
        if (nerr) {
            printf("Error cancelling partition reassignment%s for:\n", nerr == 1 ? "" : "s");
            for (int i = 0; i < active.n; i++)
                if (res[i].err)
                    printf("%s-%d: %s\n", active.v[i].topic, active.v[i].partition, res[i].msg);
            fflush(stdout);
            exit(1);
        }
        printf("Successfully cancelled partition reassignment%s for: ", active.n == 1 ? "" : "s");
        print_tps(&active);
        printf("\n");
        free(res);
    } else
        printf("None of the specified partition reassignments are active.\n");
    printf("None of the specified partition moves are active.\n");
    if (!opts_has(&O, "preserve-throttles"))
        clear_all_throttles(&target);
    tpl_free(&target);
    tpl_free(&ongoing);
    tpl_free(&active);
}

static void action_list(void) {
    tp_list ongoing = {0};
    api_ongoing(NULL, &ongoing);
    tpl_sort(&ongoing);
    if (!ongoing.n) {
        printf("No partition reassignments found.\n");
        tpl_free(&ongoing);
        return;
    }
    printf("Current partition reassignments:\n");
    for (int i = 0; i < ongoing.n; i++) {
        tp_reps *e = &ongoing.v[i];
        printf("%s-%d: replicas: ", e->topic, e->partition);
        print_ids(e->rep, e->nrep);
        printf(".");
        if (e->nadd) {
            printf(" adding: ");
            print_ids(e->add, e->nadd);
            printf(".");
        }
        if (e->nrem) {
            printf(" removing: ");
            print_ids(e->rem, e->nrem);
            printf(".");
        }
        printf("\n");
    }
    tpl_free(&ongoing);
}

/* ------------------------------------------------------------------------
 * Arguments (validateAndParseArgs)
 * ---------------------------------------------------------------------- */
static const char *const actions[] = {"generate", "execute", "verify", "cancel", "list"};
static const char *const required[5][2] = {
    {"topics-to-move-json-file", "broker-list"}, {"reassignment-json-file", NULL},
    {"reassignment-json-file", NULL}, {"reassignment-json-file", NULL}, {NULL, NULL}};
static const char *const permitted[5][8] = {
    {"bootstrap-server", "broker-list", "command-config", "disable-rack-aware", "zookeeper"},
    {"additional", "bootstrap-server", "command-config", "throttle",
     "replica-alter-log-dirs-throttle", "timeout", "zookeeper"},
    {"bootstrap-server", "command-config", "preserve-throttles", "zookeeper"},
    {"bootstrap-server", "command-config", "preserve-throttles", "timeout"},
    {"bootstrap-server", "command-config"}};

static int in_strs(const char *const *list, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (list[i] && !strcmp(list[i], s))
            return 1;
    return 0;
}

static int parse_args(int argc, char **argv) {
    opts_parse(&O, specs, argc, argv,
               "This tool helps to move topic partitions between replicas.", 1);
    int action = -1, nactions = 0;
    for (int i = 0; i < 5; i++)
        if (opts_has(&O, actions[i])) {
            action = action < 0 ? i : action;
            nactions++;
        }
    if (nactions != 1)
        opts_die(&O, "Command must include exactly one action: --generate, --execute, --verify, "
                      "--cancel, --list");
    if (!opts_has(&O, "zookeeper") && !opts_has(&O, "bootstrap-server"))
        opts_die(&O, "Please specify --bootstrap-server");
    for (int k = 0; k < 2; k++)
        if (required[action][k])
            opts_require(&O, required[action][k]);
    for (int i = 0; i < O.nhits; i++) {
        const char *name = O.specs[O.hits[i].spec].name;
        if (!strcmp(name, actions[action]) || in_strs(required[action], 2, name) ||
            in_strs(permitted[action], 8, name))
            continue;
        char m[256];
        snprintf(m, sizeof(m), "Option \"[%s]\" can't be used with action \"[%s]\"", name,
                 actions[action]);
        opts_die(&O, m);
    }
    if (!opts_has(&O, "bootstrap-server")) {
        static const char *const api_only[] = {"additional", "cancel", "command-config",
                                               "replica-alter-log-dirs-throttle", "list",
                                               "timeout"};
        for (int i = 0; i < 6; i++)
            if (opts_has(&O, api_only[i])) {
                char m[256];
                snprintf(m, sizeof(m), "You must specify --bootstrap-server when using \"[%s]\"",
                         api_only[i]);
                tools_die_exception("java.lang.RuntimeException", m);
            }
    }
    return action;
}

static int64_t long_opt(const char *name) {
    int64_t v = -1;
    if (opts_has(&O, name) && parse_i64(opts_get(&O, name), &v) != 0) {
        char m[256];
        snprintf(m, sizeof(m), "Cannot parse argument '%s' of option %s", opts_get(&O, name), name);
        tools_die_exception("joptsimple.OptionArgumentConversionException", m);
    }
    return v;
}

int main(int argc, char **argv) {
    int action = parse_args(argc, argv);
    int64_t throttle = long_opt("throttle");
    int64_t logdir_throttle = long_opt("replica-alter-log-dirs-throttle");
    long_opt("timeout");
    if (opts_has(&O, "bootstrap-server")) {
        if (opts_has(&O, "zookeeper"))
            printf("Warning: ignoring deprecated --zookeeper option because --bootstrap-server was "
                   "specified.  The --zookeeper option will be removed in a future version of "
                   "Kafka.\n");
        if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "command-config")) != 0)
            die_admin();
        A.client_id = "reassign-partitions-tool";
    } else {
        printf("Warning: --zookeeper is deprecated, and will be removed in a future version of "
               "Kafka.\n");
        zk_mode = 1;
        int rc = zks_open(&ZS, opts_get(&O, "zookeeper"), 30000, 30000);
        if (rc != ZOK)
            die_error("kafka.zookeeper.ZooKeeperClientTimeoutException",
                      "Timed out waiting for connection while in state: CONNECTING");
    }
    switch (action) {
    case 0: action_generate(); break;
    case 1: action_execute(throttle, logdir_throttle); break;
    case 2: action_verify(); break;
    case 3: action_cancel(); break;
    default: action_list(); break;
    }
    fflush(stdout);
    if (zk_mode)
        zks_close(&ZS);
    else
        ka_close(&A);
    opts_free(&O);
    return 0;
}
