/* kafka_preferred_replica_election.c -- kafka-preferred-replica-election.sh
 * as Kafka 2.5 ships it (PreferredReplicaLeaderElectionCommand), deprecated
 * in favour of kafka-leader-election.sh. Every run first prints
 *
 *   This tool is deprecated. Please use kafka-leader-election tool. Tracking issue: KAFKA-8405
 *
 * Exactly one of --zookeeper or --bootstrap-server; --path-to-json-file
 * names partitions ({"partitions":[{"topic":"t","partition":0}]}, the same
 * file as kafka-leader-election.sh), else every partition.
 *
 * --zookeeper writes /admin/preferred_replica_election for the controller
 * (which elects, then deletes it):
 *
 *   Created preferred replica election path with t-0,t-1
 *   Successfully started preferred replica election for partitions Set(t-0, t-1)
 *   Skipping preferred replica leader election for partition t-9 since it doesn't exist.
 *
 * and fails with AdminCommandFailedException while an earlier election's
 * znode is still there. --bootstrap-server asks the controller directly
 * (ElectLeaders, preferred) and reports as kafka-leader-election.sh does,
 * with this tool's words (tools_election.c). Sets print in Scala's order
 * (scala_set_order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tools.h"
#include "zk_admin.h"

#define ELECTION_PATH "/admin/preferred_replica_election"

static const opt_spec specs[] = {
    {"admin.config", OPT_ARG, "config file", "Admin client config properties file to pass to the admin client when --bootstrap-server is given."},
    {"bootstrap-server", OPT_ARG, "host:port", "A hostname and port for the broker to connect to, in the form host:port. Multiple comma-separated URLs can be given. REQUIRED unless --zookeeper is given."},
    {"path-to-json-file", OPT_ARG, "list of partitions for which preferred replica leader election needs to be triggered", "The JSON file with the list of partitions for which preferred replica leader election should be done, in the following format - \n{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t {\"topic\": \"foobar\", \"partition\": 2}]\n}\nDefaults to all existing partitions"},
    {"zookeeper", OPT_ARG, "urls", "DEPRECATED. The connection string for the zookeeper connection in the form host:port. Multiple URLS can be given to allow fail-over. Replaced by --bootstrap-server, REQUIRED unless --bootstrap-server is given."},
    {NULL, 0, NULL, NULL},
};

static opts O;
static kadmin M; /* only its arena: the file's and ZooKeeper's partitions */
static zk_sync ZS;

/* A set of partitions, in the order Scala iterates it. */
typedef struct tp_set {
    ka_tp_offset *tps;
    int n;
} tp_set;

static void set_add(tp_set *s, const char *topic, int32_t partition) {
    s->tps[s->n].topic = ka_strdup(&M, topic);
    s->tps[s->n].partition = partition;
    s->n++;
}

/* Reorders s as a Scala Set built from a collection of `source_n`
 * elements iterates it (insertion order up to four, else hash order). */
static void set_order(tp_set *s, int source_n) {
    if (source_n <= 4 && s->n <= 4)
        return;
    int32_t *h = ka_alloc(&M, (size_t)(s->n + 1) * sizeof(int32_t));
    int *order = ka_alloc(&M, (size_t)(s->n + 1) * sizeof(int));
    ka_tp_offset *sorted = ka_alloc(&M, (size_t)(s->n + 1) * sizeof(ka_tp_offset));
    for (int i = 0; i < s->n; i++)
        h[i] = java_tp_hash(s->tps[i].topic, s->tps[i].partition);
    scala_set_order(h, s->n, order);
    for (int i = 0; i < s->n; i++)
        sorted[i] = s->tps[order[i]];
    s->tps = sorted;
}

static void print_set(const tp_set *s, const char *sep) {
    for (int i = 0; i < s->n; i++)
        printf("%s%s-%d", i ? sep : "", s->tps[i].topic, s->tps[i].partition);
}

/* AdminCommandFailedException("Admin command failed", cause) */
static void die_admin_failed(const char *cause) __attribute__((noreturn));
static void die_admin_failed(const char *cause) {
    char m[4400];
    snprintf(m, sizeof(m), "Admin command failed\nCaused by: %s", cause);
    tools_die_exception("kafka.common.AdminCommandFailedException", m);
}

static void die_zk(int rc, const char *path) __attribute__((noreturn));
static void die_zk(int rc, const char *path) {
    char m[2048], c[2200];
    zks_keeper_tostring(rc, path, m, sizeof(m));
    snprintf(c, sizeof(c), "kafka.admin.AdminOperationException: %s", m);
    die_admin_failed(c);
}

/* zkClient.getAllPartitions: the partitions under /brokers/topics/<t>/partitions. */
static void all_partitions(tp_set *out) {
    char **topics = NULL;
    int nt = 0;
    int rc = zks_children(&ZS, "/brokers/topics", &topics, &nt);
    if (rc == ZNONODE)
        nt = 0;
    else if (rc != ZOK)
        die_zk(rc, "/brokers/topics");
    int cap = 16;
    out->tps = ka_alloc(&M, (size_t)cap * sizeof(ka_tp_offset));
    out->n = 0;
    for (int i = 0; i < nt; i++) {
        char path[1024], **parts = NULL;
        int np = 0;
        snprintf(path, sizeof(path), "/brokers/topics/%s/partitions", topics[i]);
        rc = zks_children(&ZS, path, &parts, &np);
        if (rc == ZNONODE)
            continue;
        if (rc != ZOK)
            die_zk(rc, path);
        if (out->n + np >= cap) {
            while (out->n + np >= cap)
                cap *= 2;
            ka_tp_offset *grown = ka_alloc(&M, (size_t)cap * sizeof(ka_tp_offset));
            memcpy(grown, out->tps, (size_t)out->n * sizeof(ka_tp_offset));
            out->tps = grown;
        }
        for (int j = 0; j < np; j++)
            set_add(out, topics[i], atoi(parts[j]));
        zks_strv_free(parts, np);
    }
    zks_strv_free(topics, nt);
    set_order(out, out->n);
}

/* The user's partitions that exist in their topic's assignment (valid)
 * and the others. */
static void split_known(const ka_tp_offset *want, int n, tp_set *valid, tp_set *invalid) {
    valid->tps = ka_alloc(&M, (size_t)(n + 1) * sizeof(ka_tp_offset));
    invalid->tps = ka_alloc(&M, (size_t)(n + 1) * sizeof(ka_tp_offset));
    valid->n = invalid->n = 0;
    tp_set all = {ka_alloc(&M, (size_t)(n + 1) * sizeof(ka_tp_offset)), 0};
    for (int i = 0; i < n; i++)
        set_add(&all, want[i].topic, want[i].partition);
    set_order(&all, n);
    for (int i = 0; i < all.n; i++) {
        zka_topic t = {0, NULL};
        int rc = zka_topic_get(&ZS, all.tps[i].topic, &t);
        if (rc != ZOK && rc != ZNONODE)
            die_zk(rc, "/brokers/topics");
        int found = 0;
        for (int k = 0; rc == ZOK && k < t.nparts; k++)
            found |= t.parts[k].id == all.tps[i].partition;
        if (rc == ZOK)
            zka_topic_free(&t);
        set_add(found ? valid : invalid, all.tps[i].topic, all.tps[i].partition);
    }
}

/* PreferredReplicaElectionZNode.encode */
static void election_json(wbuf *w, const tp_set *s) {
    wb_write(w, "{\"version\":1,\"partitions\":[", 27);
    for (int i = 0; i < s->n; i++) {
        char num[32];
        wb_write(w, i ? ",{\"topic\":" : "{\"topic\":", i ? 10 : 9);
        json_write_str(w, s->tps[i].topic);
        int l = snprintf(num, sizeof(num), ",\"partition\":%d}", s->tps[i].partition);
        wb_write(w, num, (size_t)l);
    }
    wb_write(w, "]}", 2);
}

/* The election under way: "t-0,t-1" from the znode, for the error. */
static void pending_election(char *out, size_t cap) {
    char *data = NULL;
    int len = 0;
    out[0] = 0;
    if (zks_get(&ZS, ELECTION_PATH, &data, &len) != ZOK || !data)
        return;
    json *js = json_parse(data, (size_t)len);
    free(data);
    const json *parts = js && js->type == JSON_OBJECT ? json_get(js, "partitions") : NULL;
    if (parts && parts->type == JSON_ARRAY) {
        tp_set s = {ka_alloc(&M, (size_t)(parts->n + 1) * sizeof(ka_tp_offset)), 0};
        for (int i = 0; i < parts->n; i++) {
            const json *p = parts->items[i];
            const char *t = p->type == JSON_OBJECT ? json_str(json_get(p, "topic")) : NULL;
            int64_t pv;
            if (t && json_int(json_get(p, "partition"), &pv) == 0)
                set_add(&s, t, (int32_t)pv);
        }
        set_order(&s, s.n);
        size_t at = 0;
        for (int i = 0; i < s.n && at < cap; i++)
            at += (size_t)snprintf(out + at, cap - at, "%s%s-%d", i ? "," : "", s.tps[i].topic,
                                   s.tps[i].partition);
    }
    json_free(js);
}

static void zk_elect(const ka_tp_offset *want, int n) {
    printf("Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n");
    printf("Use --bootstrap-server instead to specify a broker to connect to.\n");
    fflush(stdout);
    int rc = zks_open(&ZS, opts_get(&O, "zookeeper"), 30000, 30000);
    if (rc == ZBADARGUMENTS)
        tools_die_exception("java.lang.IllegalArgumentException", "A HostProvider may not be empty!");
    if (rc != ZOK)
        tools_die_exception("kafka.zookeeper.ZooKeeperClientTimeoutException",
                            "Timed out waiting for connection while in state: CONNECTING");
    tp_set valid, invalid = {NULL, 0};
    if (want)
        split_known(want, n, &valid, &invalid);
    else
        all_partitions(&valid);
    wbuf w;
    wb_init(&w, 256);
    election_json(&w, &valid);
    rc = zks_create_recursive(&ZS, ELECTION_PATH, (const char *)w.data, (int)w.len, 1);
    wb_free(&w);
    if (rc == ZNODEEXISTS) {
        char pending[4096], m[4300];
        pending_election(pending, sizeof(pending));
        snprintf(m, sizeof(m), "kafka.admin.AdminOperationException: Preferred replica leader "
                 "election currently in progress for %s. Aborting operation", pending);
        die_admin_failed(m);
    }
    if (rc != ZOK)
        die_zk(rc, ELECTION_PATH);
    printf("Created preferred replica election path with ");
    print_set(&valid, ",");
    printf("\nSuccessfully started preferred replica election for partitions Set(");
    print_set(&valid, ", ");
    printf(")\n");
    for (int i = 0; i < invalid.n; i++)
        printf("Skipping preferred replica leader election for partition %s-%d since it doesn't "
               "exist.\n", invalid.tps[i].topic, invalid.tps[i].partition);
    fflush(stdout);
    zks_close(&ZS);
}

int main(int argc, char **argv) {
    printf("This tool is deprecated. Please use kafka-leader-election tool. Tracking issue: KAFKA-8405\n");
    fflush(stdout);
    opts_parse(&O, specs, argc, argv,
               "This tool helps to causes leadership for each partition to be transferred back to the "
               "'preferred replica', it can be used to balance leadership among the servers.",
               1);
    int zk = opts_has(&O, "zookeeper"), bs = opts_has(&O, "bootstrap-server");
    if (zk && bs)
        tools_die_exception("joptsimple.UnavailableOptionException",
                            "Option(s) [zookeeper] are unavailable given other options on the command line");
    if (opts_has(&O, "admin.config") && !bs)
        tools_die_exception("joptsimple.UnavailableOptionException",
                            "Option(s) [admin.config] are unavailable given other options on the command line");
    if (!zk && !bs)
        opts_die(&O, "Exactly one of '[bootstrap-server]' or '[zookeeper]' must be provided");
    ka_tp_offset *tps = NULL;
    int n = 0;
    if (opts_has(&O, "path-to-json-file"))
        tps = tools_tp_file(&M, opts_get(&O, "path-to-json-file"), tools_election_json, 1, &n);
    if (zk) {
        zk_elect(tps, n);
    } else {
        kadmin A;
        if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "admin.config")) != 0)
            tools_die_exception("org.apache.kafka.common.config.ConfigException", A.err);
        static const election_text text = {
            "Successfully completed preferred leader election for partitions ",
            "Preferred replica already elected for partitions ",
            "Error completing preferred leader election for partition: ", "preferred replica(s)"};
        tools_election_run(&A, 0, tps, n, A.request_timeout_ms, &text);
        ka_close(&A);
    }
    opts_free(&O);
    return 0;
}
