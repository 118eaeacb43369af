/* kafka_topics.c -- kafka-topics.sh: create, list, describe, alter (add
 * partitions) and delete topics through the admin client, with Apache
 * Kafka 2.5's flags, checks, output lines and exit codes
 * (TopicCommand with --bootstrap-server):
 *
 *   Created topic X.
 *   Topic: X<TAB>PartitionCount: N<TAB>ReplicationFactor: R<TAB>Configs: k=v,...
 *   <TAB>Topic: X<TAB>Partition: 0<TAB>Leader: 1<TAB>Replicas: 1,2<TAB>Isr: 1,2
 *   Error while executing topic command : <message>      (exit 1)
 *
 * --if-exists / --if-not-exists are accepted with --bootstrap-server as
 * Kafka 2.6+ does (2.5 only took them with --zookeeper).
 *
 * With --zookeeper HOST:PORT[/chroot] it is 2.5's ZookeeperTopicService: it
 * writes Kafka's znodes itself (zk_admin.c) and the controller acts on them
 * ("Topic t is marked for deletion.", "Adding partitions succeeded!", "t -
 * marked for deletion" in --list, MarkedForDeletion in --describe). Replicas
 * are placed with AdminUtils.assignReplicasToBrokers over /brokers/ids. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"
#include "zk_admin.h"

static const opt_spec specs[] = {
    {"alter", OPT_FLAG, NULL, "Alter the number of partitions, replica assignment, and/or configuration for the topic."},
    {"at-min-isr-partitions", OPT_FLAG, NULL, "if set when describing topics, only show partitions whose isr count is equal to the configured minimum. Not supported with the --zookeeper option."},
    {"bootstrap-server", OPT_ARG, "String: server to connect to", "REQUIRED: The Kafka server to connect to. In case of providing this, a direct Zookeeper connection won't be required."},
    {"command-config", OPT_ARG, "String: command config property file", "Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs."},
    {"config", OPT_ARG, "String: name=value", "A topic configuration override for the topic being created or altered. See the Kafka documentation for full details on the topic configs. It is supported only in combination with --create if --bootstrap-server option is used."},
    {"create", OPT_FLAG, NULL, "Create a new topic."},
    {"delete", OPT_FLAG, NULL, "Delete a topic"},
    {"delete-config", OPT_ARG, "String: name", "A topic configuration override to be removed for an existing topic (see the list of configurations under the --config option). Not supported with the --bootstrap-server option."},
    {"describe", OPT_FLAG, NULL, "List details for the given topics."},
    {"disable-rack-aware", OPT_FLAG, NULL, "Disable rack aware replica assignment"},
    {"exclude-internal", OPT_FLAG, NULL, "exclude internal topics when running list or describe command. The internal topics will be listed by default"},
    {"force", OPT_FLAG, NULL, "Suppress console prompts"},
    {"if-exists", OPT_FLAG, NULL, "if set when altering or deleting or describing topics, the action will only execute if the topic exists."},
    {"if-not-exists", OPT_FLAG, NULL, "if set when creating topics, the action will only execute if the topic does not already exist."},
    {"list", OPT_FLAG, NULL, "List all available topics."},
    {"partitions", OPT_ARG, "Integer: # of partitions", "The number of partitions for the topic being created or altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default."},
    {"replica-assignment", OPT_ARG, "String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...", "A list of manual partition-to-broker assignments for the topic being created or altered."},
    {"replication-factor", OPT_ARG, "Integer: replication factor", "The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default."},
    {"topic", OPT_ARG, "String: topic", "The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the '\\' prefix to escape regular expression symbols; e.g. \"test\\.topic\"."},
    {"topics-with-overrides", OPT_FLAG, NULL, "if set when describing topics, only show topics that have overridden configs"},
    {"unavailable-partitions", OPT_FLAG, NULL, "if set when describing topics, only show partitions whose leader is not available"},
    {"under-min-isr-partitions", OPT_FLAG, NULL, "if set when describing topics, only show partitions whose isr count is less than the configured minimum. Not supported with the --zookeeper option."},
    {"under-replicated-partitions", OPT_FLAG, NULL, "if set when describing topics, only show under replicated partitions"},
    {"zookeeper", OPT_ARG, "String: hosts", "DEPRECATED, The connection string for the zookeeper connection in the form host:port. Multiple hosts can be given to allow fail-over."},
    {NULL, 0, NULL, NULL},
};

static opts O;
static kadmin A;

/* TopicCommand's catch-all: one line on stdout, exit 1. */
static void fail(const char *msg) __attribute__((noreturn));
static void fail(const char *msg) {
    printf("Error while executing topic command : %s\n", msg);
    fflush(stdout);
    ka_close(&A);
    exit(1);
}

static void fail_admin(void) { fail(A.err); }

static void fail_code(int code, const char *msg) {
    char b[1024];
    fail(kerror_string(code, msg, b, sizeof(b)));
}

/* ------------------------------------------------------------------------
 * Argument checks (TopicCommandOptions.checkArgs)
 * ---------------------------------------------------------------------- */
static const char *const actions[] = {"alter", "create", "describe", "list", "delete"};
static const char *const reports[] = {"under-replicated-partitions", "under-min-isr-partitions",
                                      "at-min-isr-partitions", "unavailable-partitions"};

/* Option `used` is only valid with the actions in `ok` (a string of
 * initials: a c d l x for alter/create/describe/list/delete). */
static void only_with(const char *used, const char *ok) {
    static const char initials[] = "acdlx";
    for (int i = 0; i < 5; i++)
        if (!strchr(ok, initials[i]))
            opts_invalid(&O, used, actions[i]);
}

static void check_args(int argc) {
    if (argc <= 1)
        opts_die(&O, "Create, delete, describe, or change a topic.");
    int n = 0;
    for (int i = 0; i < 5; i++)
        n += opts_has(&O, actions[i]);
    if (n != 1)
        opts_die(&O, "Command must include exactly one action: --list, --describe, --create, --alter or --delete");
    if (opts_has(&O, "bootstrap-server") == opts_has(&O, "zookeeper")) {
        fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: Only one of "
                        "--bootstrap-server or --zookeeper must be specified\n");
        exit(1);
    }
    if (opts_has(&O, "describe") && opts_has(&O, "if-exists"))
        opts_require(&O, "topic");
    if (!opts_has(&O, "list") && !opts_has(&O, "describe"))
        opts_require(&O, "topic");
    if (opts_has(&O, "create") && !opts_has(&O, "replica-assignment") && opts_has(&O, "zookeeper")) {
        opts_require(&O, "partitions");
        opts_require(&O, "replication-factor");
    }
    if (opts_has(&O, "alter") && opts_has(&O, "bootstrap-server")) {
        if (opts_has(&O, "config"))
            opts_die(&O, "Option combination \"[bootstrap-server],[config]\" can't be used with option \"[alter]\"");
        opts_require(&O, "partitions");
    }
    only_with("config", "ac");
    only_with("delete-config", "a");
    opts_invalid(&O, "delete-config", "bootstrap-server");
    only_with("partitions", "ac");
    only_with("replication-factor", "c");
    only_with("replica-assignment", "ac");
    if (opts_has(&O, "create")) {
        opts_invalid(&O, "replica-assignment", "partitions");
        opts_invalid(&O, "replica-assignment", "replication-factor");
    }
    for (int r = 0; r < 4; r++) {
        only_with(reports[r], "d");
        for (int q = 0; q < 4; q++)
            if (q != r)
                opts_invalid(&O, reports[r], reports[q]);
        opts_invalid(&O, reports[r], "topics-with-overrides");
    }
    opts_invalid(&O, "under-min-isr-partitions", "zookeeper"); /* 2.5: AdminClient only */
    opts_invalid(&O, "at-min-isr-partitions", "zookeeper");
    only_with("topics-with-overrides", "d");
    for (int q = 0; q < 4; q++)
        opts_invalid(&O, "topics-with-overrides", reports[q]);
    only_with("if-exists", "adx");
    only_with("if-not-exists", "c");
    only_with("exclude-internal", "ld");
}

/* ------------------------------------------------------------------------
 * Topic selection
 * ---------------------------------------------------------------------- */
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keeps, in place and in order, the names --topic matches (all if absent),
 * leaving out internal topics under --exclude-internal. Returns how many. */
static int keep_selected(const char **names, int n) {
    topic_filter *f = NULL;
    const char *raw = opts_get(&O, "topic");
    if (raw) {
        char err[512];
        f = topic_filter_new(raw, err, sizeof(err));
        if (!f)
            fail(err);
    }
    int excl = opts_has(&O, "exclude-internal"), m = 0;
    for (int i = 0; i < n; i++)
        if (!(excl && topic_is_internal(names[i])) && !(f && !topic_filter_match(f, names[i])))
            names[m++] = names[i];
    topic_filter_free(f);
    return m;
}

/* Sorted names of the topics matching --topic (all if absent). */
static const char **get_topics(int *count) {
    ka_metadata *md = ka_metadata_get(&A, NULL, 0);
    if (!md)
        fail_admin();
    const char **names = ka_alloc(&A, (size_t)(md->ntopics + 1) * sizeof(char *));
    int n = 0;
    int excl = opts_has(&O, "exclude-internal");
    for (int i = 0; i < md->ntopics; i++) {
        const ka_topic *t = &md->topics[i];
        if (!t->err && !(excl && t->internal))
            names[n++] = t->name;
    }
    n = keep_selected(names, n);
    qsort(names, (size_t)n, sizeof(char *), cmp_str);
    *count = n;
    return names;
}

static void ensure_topic_exists(int found) {
    if (found == 0 && opts_has(&O, "topic") && !opts_has(&O, "if-exists")) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "Topic '%s' does not exist as expected", opts_get(&O, "topic"));
        fail(msg);
    }
}

/* ------------------------------------------------------------------------
 * --create
 * ---------------------------------------------------------------------- */
/* "1:2,3:4" -> partitions x rf (tools_args.c); fails as Kafka's
 * parseReplicaAssignment. */
static int32_t *parse_assignment(const char *s, int *nparts, int *rf) {
    int32_t *out;
    tools_input_error e;
    if (tools_replica_assignment(&A, s, &out, nparts, rf, &e) != 0)
        fail(e.message);
    return out;
}

/* --config k=v (repeatable), split as Java's split("\\s*=\\s*"). */
static int parse_configs(const char ***keys, const char ***vals) {
    int n = opts_count(&O, "config");
    *keys = ka_alloc(&A, (size_t)(n + 1) * sizeof(char *));
    *vals = ka_alloc(&A, (size_t)(n + 1) * sizeof(char *));
    int m = 0;
    for (int i = 0; i < n; i++) {
        const char *c = opts_nth(&O, "config", i);
        const char *eq = strchr(c, '=');
        int bad = !eq || strchr(eq + 1, '=') != NULL;
        if (!bad) {
            /* trailing empty parts are dropped by split: "k=" is invalid */
            const char *v = eq + 1;
            while (isspace((unsigned char)*v))
                v++;
            bad = *v == 0;
        }
        if (bad)
            fail("requirement failed: Invalid topic config: all configs to be added must be in the format "
                 "\"key=val\".");
        char *k = ka_alloc(&A, (size_t)(eq - c) + 1);
        memcpy(k, c, (size_t)(eq - c));
        char *v = ka_strdup(&A, eq + 1);
        /* trim both */
        while (isspace((unsigned char)*k))
            k++;
        for (size_t l = strlen(k); l && isspace((unsigned char)k[l - 1]);)
            k[--l] = 0;
        while (isspace((unsigned char)*v))
            v++;
        for (size_t l = strlen(v); l && isspace((unsigned char)v[l - 1]);)
            v[--l] = 0;
        (*keys)[m] = k;
        (*vals)[m++] = v;
    }
    m = tools_keep_last_values(*keys, *vals, m); /* a key given twice: its last value */
    for (int i = 0; i < m; i++) {
        if (!topic_config_name_valid((*keys)[i])) {
            char msg[512];
            snprintf(msg, sizeof(msg), "Unknown topic config name: %s", (*keys)[i]);
            fail(msg);
        }
        if (!strcmp((*keys)[i], "message.format.version"))
            printf("WARNING: The configuration message.format.version=%s is specified. This configuration "
                   "will be ignored if the version is newer than the inter.broker.protocol.version specified "
                   "in the broker.\n",
                   (*vals)[i]);
    }
    return m;
}

static void create_topic(void) {
    const char *name = opts_get(&O, "topic");
    if (strchr(name, '.') || strchr(name, '_'))
        printf("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') "
               "could collide. To avoid issues it is best to use either, but not both.\n");
    int32_t partitions = -1, rf = -1;
    if (opts_has(&O, "partitions") && parse_i32(opts_get(&O, "partitions"), &partitions) != 0)
        opts_die(&O, "Cannot parse argument for option partitions");
    if (opts_has(&O, "replication-factor") && parse_i32(opts_get(&O, "replication-factor"), &rf) != 0)
        opts_die(&O, "Cannot parse argument for option replication-factor");
    ka_newtopic t = {0};
    t.name = name;
    const char *ra = opts_get(&O, "replica-assignment");
    if (ra && *ra)
        t.assign = parse_assignment(ra, &t.nassign, &t.assign_rf);
    const char **keys, **vals;
    t.nconfigs = parse_configs(&keys, &vals);
    t.config_keys = keys;
    t.config_values = vals;
    if (opts_has(&O, "replication-factor") && (rf > 32767 || rf < 1))
        fail("The replication factor must be between 1 and 32767 inclusive");
    if (opts_has(&O, "partitions") && partitions < 1)
        fail("The partitions must be greater than 0");
    t.partitions = partitions;
    t.replication_factor = (int16_t)rf;

    ka_metadata *md = ka_metadata_get(&A, NULL, 0);
    if (!md)
        fail_admin();
    if (ka_md_topic(md, name) && !ka_md_topic(md, name)->err) {
        if (opts_has(&O, "if-not-exists"))
            return;
        char msg[1024];
        snprintf(msg, sizeof(msg), "Topic %s already exists", name);
        fail(msg);
    }
    ka_result r;
    if (ka_create_topics(&A, &t, 1, 0, &r) != 0)
        fail_admin();
    if (r.err == 36 && opts_has(&O, "if-not-exists"))
        return;
    if (r.err)
        fail_code(r.err, r.msg);
    printf("Created topic %s.\n", name);
}

/* ------------------------------------------------------------------------
 * --list, --delete, --alter
 * ---------------------------------------------------------------------- */
static void list_topics(void) {
    int n;
    const char **names = get_topics(&n);
    for (int i = 0; i < n; i++)
        printf("%s%s", names[i], i + 1 < n ? "\n" : "");
    printf("\n");
}

static void delete_topics(void) {
    int n;
    const char **names = get_topics(&n);
    ensure_topic_exists(n);
    if (n == 0)
        return;
    ka_result *r = ka_alloc(&A, (size_t)n * sizeof(ka_result));
    if (ka_delete_topics(&A, names, n, r) != 0)
        fail_admin();
    for (int i = 0; i < n; i++)
        if (r[i].err)
            fail_code(r[i].err, r[i].msg);
}

static void alter_topics(void) {
    int n;
    const char **names = get_topics(&n);
    ensure_topic_exists(n);
    if (n == 0)
        return;
    int32_t count;
    if (parse_i32(opts_get(&O, "partitions"), &count) != 0)
        opts_die(&O, "Cannot parse argument for option partitions");
    int np = 0, rf = 0;
    const int32_t *assign = NULL;
    const char *ra = opts_get(&O, "replica-assignment");
    if (ra && *ra)
        assign = parse_assignment(ra, &np, &rf);
    int32_t *counts = ka_alloc(&A, (size_t)n * sizeof(int32_t));
    const int32_t **assigns = ka_alloc(&A, (size_t)n * sizeof(int32_t *));
    int *nassign = ka_alloc(&A, (size_t)n * sizeof(int)), *rfs = ka_alloc(&A, (size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) {
        counts[i] = count;
        if (assign) {
            const ka_topic *t = ka_md_topic(A.md, names[i]);
            int start = t ? t->nparts : 0;
            nassign[i] = np > start ? np - start : 0;
            assigns[i] = assign + (size_t)start * (size_t)rf;
            rfs[i] = rf;
        }
    }
    ka_result *r = ka_alloc(&A, (size_t)n * sizeof(ka_result));
    if (ka_create_partitions(&A, names, counts, assign ? assigns : NULL, nassign, rfs, n, r) != 0)
        fail_admin();
    for (int i = 0; i < n; i++)
        if (r[i].err)
            fail_code(r[i].err, r[i].msg);
}

/* ------------------------------------------------------------------------
 * --describe
 * ---------------------------------------------------------------------- */
static void print_ids(const int32_t *ids, int n) {
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", ids[i]);
}

static void describe_topics(void) {
    int n;
    const char **names = get_topics(&n);
    ensure_topic_exists(n);
    if (n == 0)
        return;
    ka_metadata *md = A.md;
    ka_config_resource *cfg = NULL;
    if (ka_describe_configs(&A, KA_RESOURCE_TOPIC, names, n, 0, &cfg) != 0)
        fail_admin();
    int rep_under = opts_has(&O, "under-replicated-partitions");
    int rep_unavail = opts_has(&O, "unavailable-partitions");
    int rep_under_min = opts_has(&O, "under-min-isr-partitions");
    int rep_at_min = opts_has(&O, "at-min-isr-partitions");
    int overrides = opts_has(&O, "topics-with-overrides");
    int describe_configs = !rep_under && !rep_unavail && !rep_under_min && !rep_at_min;
    int describe_partitions = !overrides;

    /* describeTopics().all() is a HashMap<String, TopicDescription>(n) */
    int32_t *hashes = ka_alloc(&A, (size_t)n * sizeof(int32_t));
    int *order = ka_alloc(&A, (size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        hashes[i] = java_string_hash(names[i]);
    java_hashmap_order(hashes, n, n, order);

    for (int oi = 0; oi < n; oi++) {
        const char *name = names[order[oi]];
        const ka_topic *t = ka_md_topic(md, name);
        const ka_config_resource *c = NULL;
        for (int i = 0; i < n; i++)
            if (cfg[i].name && !strcmp(cfg[i].name, name))
                c = &cfg[i];
        if (!c)
            fail("org.apache.kafka.common.errors.UnknownServerException: Malformed broker response: Missing "
                 "config for topic");
        if (c->err)
            fail_code(c->err, c->msg);
        if (!t || t->nparts == 0)
            continue;
        /* config entries in HashMap order; non-default ones are "overrides" */
        int32_t *ch = ka_alloc(&A, (size_t)(c->n + 1) * sizeof(int32_t));
        int *co = ka_alloc(&A, (size_t)(c->n + 1) * sizeof(int));
        for (int i = 0; i < c->n; i++)
            ch[i] = java_string_hash(c->entries[i].name);
        java_hashmap_order(ch, c->n, 0, co);
        int has_non_default = 0;
        int min_isr = -1;
        for (int i = 0; i < c->n; i++) {
            if (!c->entries[i].is_default)
                has_non_default = 1;
            if (!strcmp(c->entries[i].name, "min.insync.replicas") && c->entries[i].value)
                min_isr = atoi(c->entries[i].value);
        }
        if (describe_configs && (!overrides || has_non_default)) {
            printf("Topic: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: ", name, t->nparts,
                   t->parts[0].nreplicas);
            int first = 1;
            for (int i = 0; i < c->n; i++) {
                const ka_config_entry *e = &c->entries[co[i]];
                if (e->is_default)
                    continue;
                printf("%s%s=%s", first ? "" : ",", e->name, e->value ? e->value : "null");
                first = 0;
            }
            printf("\n");
        }
        if (!describe_partitions)
            continue;
        for (int i = 0; i < t->nparts; i++) {
            const ka_partition *p = &t->parts[i];
            int has_leader = p->leader >= 0;
            int print = describe_configs;
            if (rep_under && p->nreplicas - p->nisr > 0)
                print = 1;
            if (rep_unavail && (!has_leader || !ka_md_broker(md, p->leader)))
                print = 1;
            if (rep_under_min && (!has_leader || (min_isr >= 0 && p->nisr < min_isr)))
                print = 1;
            if (rep_at_min && min_isr >= 0 && p->nisr == min_isr)
                print = 1;
            if (!print)
                continue;
            printf("\tTopic: %s\tPartition: %d\tLeader: ", name, p->id);
            if (has_leader)
                printf("%d", p->leader);
            else
                printf("none");
            printf("\tReplicas: ");
            print_ids(p->replicas, p->nreplicas);
            printf("\tIsr: ");
            print_ids(p->isr, p->nisr);
            printf("\n");
        }
    }
}

/* ------------------------------------------------------------------------
 * --zookeeper (Kafka 2.5's ZookeeperTopicService): the tool reads and
 * writes Kafka's znodes itself (zk_admin.c); the controller acts on them.
 * ---------------------------------------------------------------------- */
static zk_sync ZS;

static void zk_fail_rc(int rc, const char *path) {
    char m[2048];
    if (rc == ZKA_BAD_JSON)
        snprintf(m, sizeof(m), "Malformed JSON in %s", path);
    else
        zks_keeper_message(rc, path, m, sizeof(m));
    fail(m);
}

static void zk_connect(void) {
    int rc = zks_open(&ZS, opts_get(&O, "zookeeper"), 30000, 30000);
    if (rc == ZOK)
        return;
    fflush(stdout);
    if (rc == ZBADARGUMENTS)
        fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: A HostProvider may not "
                        "be empty!\n");
    else
        fprintf(stderr, "Exception in thread \"main\" kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out "
                        "waiting for connection while in state: CONNECTING\n");
    exit(1);
}

/* Sorted names of the topics in /brokers/topics matching --topic. */
static char **zk_get_topics(int *count) {
    char **all;
    int n;
    int rc = zka_topics(&ZS, &all, &n);
    if (rc != ZOK)
        zk_fail_rc(rc, "/brokers/topics");
    char **names = ka_alloc(&A, (size_t)(n + 1) * sizeof(char *));
    for (int i = 0; i < n; i++)
        names[i] = ka_strdup(&A, all[i]);
    zks_strv_free(all, n);
    *count = keep_selected((const char **)names, n);
    return names;
}

static void zk_ensure_topic_exists(int found) {
    if (!opts_has(&O, "if-exists"))
        ensure_topic_exists(found);
}

/* AdminZkClient.getBrokerMetadatas with --disable-rack-aware or not. */
static zka_broker *zk_broker_metadatas(int *n, int *rack_aware) {
    zka_broker *b;
    int rc = zka_brokers(&ZS, &b, n);
    if (rc != ZOK)
        zk_fail_rc(rc, "/brokers/ids");
    int with_rack = 0;
    for (int i = 0; i < *n; i++)
        with_rack += b[i].rack != NULL;
    *rack_aware = !opts_has(&O, "disable-rack-aware");
    if (*rack_aware && with_rack > 0 && with_rack < *n) {
        zka_brokers_free(b, *n);
        fail("Not all brokers have rack information. Add --disable-rack-aware in command line to make replica "
             "assignment without rack information.");
    }
    return b;
}

static void topic_exists_fail(const char *name) {
    char msg[1024];
    snprintf(msg, sizeof(msg), "Topic '%s' already exists.", name);
    fail(msg);
}

/* AdminZkClient.createTopicWithAssignment. Returns 0, or 1 when the topic
 * exists and --if-not-exists was given. */
static int zk_create_with_assignment(const char *name, const char *const *keys, const char *const *vals, int ncfg,
                                     const int32_t *assign, int nparts, int rf) {
    char msg[1024];
    if (zka_validate_topic_name(name, msg, sizeof(msg)) != 0)
        fail(msg);
    int ex = zka_topic_exists(&ZS, name);
    if (ex < 0)
        zk_fail_rc(ex, "/brokers/topics");
    if (ex == 1) {
        if (opts_has(&O, "if-not-exists"))
            return 1;
        topic_exists_fail(name);
    }
    if (strchr(name, '.') || strchr(name, '_')) {
        int n;
        char **all;
        int rc = zka_topics(&ZS, &all, &n);
        if (rc != ZOK)
            zk_fail_rc(rc, "/brokers/topics");
        char colliding[4096] = "";
        int exists = 0;
        for (int i = 0; i < n; i++) {
            if (!strcmp(all[i], name))
                exists = 1;
            int same = strlen(all[i]) == strlen(name);
            for (size_t k = 0; same && name[k]; k++) {
                char a = name[k] == '.' ? '_' : name[k], b = all[i][k] == '.' ? '_' : all[i][k];
                same = a == b;
            }
            if (same)
                snprintf(colliding + strlen(colliding), sizeof(colliding) - strlen(colliding), "%s%s",
                         *colliding ? ", " : "", all[i]);
        }
        zks_strv_free(all, n);
        if (exists) {
            if (opts_has(&O, "if-not-exists"))
                return 1;
            topic_exists_fail(name);
        }
        if (*colliding) {
            snprintf(msg, sizeof(msg), "Topic '%s' collides with existing topics: %s", name, colliding);
            fail(msg);
        }
    }
    /* AdminZkClient.validateTopicCreate: the rows' sizes must form one
     * value, so no rows at all ("," splits into none) is refused too */
    if (nparts == 0)
        fail("All partitions should have the same number of replicas");
    zka_props cfg = {0};
    zka_props_update(&cfg, keys, vals, ncfg, NULL, 0);
    int rc = zka_config_write(&ZS, "topics", name, &cfg);
    zka_props_free(&cfg);
    if (rc != ZOK)
        zk_fail_rc(rc, "/config/topics");
    zka_topic t = {0};
    for (int p = 0; p < nparts; p++)
        zka_topic_add(&t, p, assign + (size_t)p * (size_t)rf, rf);
    char *json = zka_topic_encode(&t);
    zka_topic_free(&t);
    char path[1024];
    snprintf(path, sizeof(path), "/brokers/topics/%s", name);
    rc = zks_create_recursive(&ZS, path, json, (int)strlen(json), 1);
    free(json);
    if (rc == ZNODEEXISTS) {
        if (opts_has(&O, "if-not-exists"))
            return 1;
        topic_exists_fail(name);
    }
    if (rc != ZOK) {
        char m[2048];
        zks_keeper_tostring(rc, path, m, sizeof(m));
        fail(m);
    }
    return 0;
}

static void zk_create_topic(void) {
    const char *name = opts_get(&O, "topic");
    int32_t partitions = -1, rf = -1;
    if (opts_has(&O, "partitions") && parse_i32(opts_get(&O, "partitions"), &partitions) != 0)
        opts_die(&O, "Cannot parse argument for option partitions");
    if (opts_has(&O, "replication-factor") && parse_i32(opts_get(&O, "replication-factor"), &rf) != 0)
        opts_die(&O, "Cannot parse argument for option replication-factor");
    int nassign = 0, assign_rf = 0;
    const int32_t *assign = NULL;
    const char *ra = opts_get(&O, "replica-assignment");
    if (ra && *ra)
        assign = parse_assignment(ra, &nassign, &assign_rf);
    const char **keys, **vals;
    int ncfg = parse_configs(&keys, &vals);
    if (strchr(name, '.') || strchr(name, '_'))
        printf("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') "
               "could collide. To avoid issues it is best to use either, but not both.\n");
    int existed;
    if (assign) {
        existed = zk_create_with_assignment(name, keys, vals, ncfg, assign, nassign, assign_rf);
    } else {
        int nb, rack_aware;
        zka_broker *b = zk_broker_metadatas(&nb, &rack_aware);
        int32_t *out = ka_alloc(&A, (size_t)(partitions > 0 ? partitions : 1) * (size_t)(rf > 0 ? rf : 1) *
                                        sizeof(int32_t));
        char err[512];
        int rc = zka_assign_replicas(b, nb, partitions, rf, -1, -1, rack_aware, out, err, sizeof(err));
        zka_brokers_free(b, nb);
        if (rc != 0)
            fail(err);
        existed = zk_create_with_assignment(name, keys, vals, ncfg, out, partitions, rf);
    }
    if (!existed)
        printf("Created topic %s.\n", name);
}

static void zk_list_topics(void) {
    int n;
    char **names = zk_get_topics(&n);
    for (int i = 0; i < n; i++) {
        int marked = zka_marked_for_deletion(&ZS, names[i]);
        if (marked < 0)
            zk_fail_rc(marked, "/admin/delete_topics");
        printf("%s%s\n", names[i], marked ? " - marked for deletion" : "");
    }
}

static void zk_print_ids(const int32_t *ids, int n) {
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", ids[i]);
}

static void zk_describe_topics(void) {
    int n;
    char **names = zk_get_topics(&n);
    zk_ensure_topic_exists(n);
    zka_broker *live;
    int nlive;
    int rc = zka_brokers(&ZS, &live, &nlive);
    if (rc != ZOK)
        zk_fail_rc(rc, "/brokers/ids");
    int rep_under = opts_has(&O, "under-replicated-partitions");
    int rep_unavail = opts_has(&O, "unavailable-partitions");
    int overrides = opts_has(&O, "topics-with-overrides");
    int describe_configs = !rep_under && !rep_unavail;
    for (int ti = 0; ti < n; ti++) {
        const char *name = names[ti];
        zka_topic t;
        rc = zka_topic_get(&ZS, name, &t);
        if (rc == ZNONODE) {
            printf("Topic %s doesn't exist!\n", name);
            continue;
        }
        if (rc != ZOK)
            zk_fail_rc(rc, "/brokers/topics");
        int marked = zka_marked_for_deletion(&ZS, name);
        if (marked < 0)
            zk_fail_rc(marked, "/admin/delete_topics");
        if (describe_configs) {
            zka_props cfg;
            rc = zka_config_get(&ZS, "topics", name, &cfg);
            if (rc != ZOK)
                zk_fail_rc(rc, "/config/topics");
            if ((!overrides || cfg.n > 0) && t.nparts > 0) {
                printf("Topic: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: ", name, t.nparts,
                       t.parts[0].nrep);
                /* a Config: its entries in java.util.HashMap order */
                int *order = ka_alloc(&A, (size_t)(cfg.n + 1) * sizeof(int));
                zka_props_order(&cfg, order);
                for (int i = 0; i < cfg.n; i++)
                    printf("%s%s=%s", i ? "," : "", cfg.keys[order[i]], cfg.vals[order[i]]);
                printf("%s\n", marked ? "\tMarkedForDeletion: true" : "");
            }
            zka_props_free(&cfg);
        }
        for (int i = 0; !overrides && i < t.nparts; i++) {
            const zka_part *p = &t.parts[i];
            zka_state st;
            rc = zka_partition_state(&ZS, name, p->id, &st);
            if (rc != ZOK && rc != ZNONODE)
                zk_fail_rc(rc, "/brokers/topics");
            int leader = rc == ZOK ? st.leader : -1, leader_live = 0;
            for (int b = 0; b < nlive; b++)
                leader_live |= live[b].id == leader;
            int print = describe_configs || (rep_under && p->nrep - st.nisr > 0) ||
                        (rep_unavail && (leader < 0 || !leader_live));
            if (print) {
                printf("\tTopic: %s\tPartition: %d\tLeader: ", name, p->id);
                if (leader >= 0)
                    printf("%d", leader);
                else
                    printf("none");
                printf("\tReplicas: ");
                zk_print_ids(p->rep, p->nrep);
                printf("\tIsr: ");
                zk_print_ids(st.isr, st.nisr);
                printf("%s\n", marked ? "\tMarkedForDeletion: true" : "");
            }
            zka_state_free(&st);
        }
        zka_topic_free(&t);
    }
    zka_brokers_free(live, nlive);
}

static void zk_delete_topics(void) {
    int n;
    char **names = zk_get_topics(&n);
    zk_ensure_topic_exists(n);
    for (int i = 0; i < n; i++) {
        char msg[1024], path[1024];
        if (topic_is_internal(names[i])) {
            snprintf(msg, sizeof(msg),
                     "Topic %s is a kafka internal topic and is not allowed to be marked for deletion.", names[i]);
            fail(msg);
        }
        snprintf(path, sizeof(path), "/admin/delete_topics/%s", names[i]);
        int rc = zks_create_recursive(&ZS, path, NULL, -1, 1);
        if (rc == ZNODEEXISTS) {
            printf("Topic %s is already marked for deletion.\n", names[i]);
        } else if (rc != ZOK) {
            snprintf(msg, sizeof(msg), "Error while deleting topic %s", names[i]);
            fail(msg);
        } else {
            printf("Topic %s is marked for deletion.\n", names[i]);
            printf("Note: This will have no impact if delete.topic.enable is not set to true.\n");
        }
    }
}

/* AdminZkClient.addPartitions. assign: the --replica-assignment rows
 * (nrows x arf), of which those past the existing partitions are used. */
static void zk_add_partitions(const char *topic, int32_t count, const int32_t *assign, int nrows, int arf) {
    char msg[2048];
    zka_topic t;
    int rc = zka_topic_get(&ZS, topic, &t);
    if (rc == ZNONODE || (rc == ZOK && t.nparts == 0)) {
        snprintf(msg, sizeof(msg), "The topic %s does not exist", topic);
        fail(msg);
    }
    if (rc != ZOK)
        zk_fail_rc(rc, "/brokers/topics");
    if (t.parts[0].id != 0) {
        snprintf(msg, sizeof(msg), "Unexpected existing replica assignment for topic '%s', partition id 0 is missing.",
                 topic);
        fail(msg);
    }
    int existing = t.nparts, rf0 = t.parts[0].nrep;
    int to_add = count - existing;
    if (to_add <= 0) {
        snprintf(msg, sizeof(msg),
                 "The number of partitions for a topic can only be increased. Topic %s currently has %d partitions, "
                 "%d would not be an increase.",
                 topic, existing, count);
        fail(msg);
    }
    int nb, rack_aware;
    zka_broker *b = zk_broker_metadatas(&nb, &rack_aware);
    if (assign && nrows > existing) {
        /* validateReplicaAssignment */
        for (int r = existing; r < nrows; r++) {
            const int32_t *reps = assign + (size_t)r * (size_t)arf;
            for (int k = 0; k < arf; k++) {
                int ok = 0;
                for (int i = 0; i < nb; i++)
                    ok |= b[i].id == reps[k];
                if (!ok) {
                    int l = snprintf(msg, sizeof(msg),
                                     "Some brokers specified for partition id %d are not available. Specified "
                                     "brokers: ",
                                     r);
                    for (int j = 0; j < arf; j++)
                        l += snprintf(msg + l, sizeof(msg) - (size_t)l, "%s%d", j ? ", " : "", reps[j]);
                    l += snprintf(msg + l, sizeof(msg) - (size_t)l, ", available brokers: ");
                    for (int i = 0; i < nb; i++)
                        l += snprintf(msg + l, sizeof(msg) - (size_t)l, "%s%d", i ? ", " : "", b[i].id);
                    snprintf(msg + l, sizeof(msg) - (size_t)l, ".");
                    fail(msg);
                }
            }
        }
        if (arf != rf0) {
            int l = snprintf(msg, sizeof(msg),
                             "Inconsistent replication factor between partitions, partition 0 has %d while "
                             "partitions [",
                             rf0);
            for (int r = existing; r < nrows; r++)
                l += snprintf(msg + l, sizeof(msg) - (size_t)l, "%s%d", r > existing ? ", " : "", r);
            l += snprintf(msg + l, sizeof(msg) - (size_t)l, "] have replication factors [");
            for (int r = existing; r < nrows; r++)
                l += snprintf(msg + l, sizeof(msg) - (size_t)l, "%s%d", r > existing ? ", " : "", arf);
            snprintf(msg + l, sizeof(msg) - (size_t)l, "], respectively.");
            fail(msg);
        }
        for (int r = existing; r < nrows; r++)
            zka_topic_add(&t, r, assign + (size_t)r * (size_t)arf, arf);
    } else {
        int start = 0;
        for (int i = 0; i < nb; i++)
            if (b[i].id >= t.parts[0].rep[0]) {
                start = i;
                break;
            }
        int32_t *out = ka_alloc(&A, (size_t)to_add * (size_t)(rf0 > 0 ? rf0 : 1) * sizeof(int32_t));
        char err[512];
        if (zka_assign_replicas(b, nb, to_add, rf0, start, existing, rack_aware, out, err, sizeof(err)) != 0)
            fail(err);
        for (int k = 0; k < to_add; k++)
            zka_topic_add(&t, existing + k, out + (size_t)k * (size_t)rf0, rf0);
    }
    zka_brokers_free(b, nb);
    char *json = zka_topic_encode(&t);
    zka_topic_free(&t);
    char path[1024];
    snprintf(path, sizeof(path), "/brokers/topics/%s", topic);
    rc = zks_set(&ZS, path, json, (int)strlen(json), -1);
    free(json);
    if (rc != ZOK) {
        zks_keeper_tostring(rc, path, msg, sizeof(msg));
        fail(msg);
    }
}

static void zk_alter_topics(void) {
    int n;
    char **names = zk_get_topics(&n);
    int nrows = 0, arf = 0;
    const int32_t *assign = NULL;
    const char *ra = opts_get(&O, "replica-assignment");
    if (ra && *ra)
        assign = parse_assignment(ra, &nrows, &arf);
    const char **keys, **vals;
    int ncfg = parse_configs(&keys, &vals);
    int ndel = opts_count(&O, "delete-config");
    const char **dels = ka_alloc(&A, (size_t)(ndel + 1) * sizeof(char *));
    for (int i = 0; i < ndel; i++) {
        char *d = ka_strdup(&A, opts_nth(&O, "delete-config", i));
        while (isspace((unsigned char)*d))
            d++;
        for (size_t l = strlen(d); l && isspace((unsigned char)d[l - 1]);)
            d[--l] = 0;
        if (!topic_config_name_valid(d)) {
            char msg[512];
            snprintf(msg, sizeof(msg), "Unknown topic config name: %s", d);
            fail(msg);
        }
        dels[i] = d;
    }
    zk_ensure_topic_exists(n);
    int32_t count = 1;
    if (opts_has(&O, "partitions") && parse_i32(opts_get(&O, "partitions"), &count) != 0)
        opts_die(&O, "Cannot parse argument for option partitions");
    for (int ti = 0; ti < n; ti++) {
        const char *topic = names[ti];
        char msg[1024];
        zka_props cfg;
        int rc = zka_config_get(&ZS, "topics", topic, &cfg);
        if (rc != ZOK)
            zk_fail_rc(rc, "/config/topics");
        if (opts_has(&O, "config") || opts_has(&O, "delete-config")) {
            printf("WARNING: Altering topic configuration from this script has been deprecated and may be removed in "
                   "future releases.\n");
            printf("         Going forward, please use kafka-configs.sh for this functionality\n");
            zka_props_update(&cfg, keys, vals, ncfg, dels, ndel);
            if (zka_validate_topic_name(topic, msg, sizeof(msg)) != 0)
                fail(msg);
            int ex = zka_topic_exists(&ZS, topic);
            if (ex < 0)
                zk_fail_rc(ex, "/brokers/topics");
            if (!ex) {
                snprintf(msg, sizeof(msg), "Topic \"%s\" does not exist.", topic);
                fail(msg);
            }
            rc = zka_config_change(&ZS, "topics", topic, &cfg);
            if (rc != ZOK)
                zk_fail_rc(rc, "/config");
            printf("Updated config for topic %s.\n", topic);
        }
        zka_props_free(&cfg);
        if (opts_has(&O, "partitions")) {
            if (topic_is_internal(topic)) {
                snprintf(msg, sizeof(msg), "The number of partitions for the internal topic %s cannot be changed.",
                         topic);
                fail(msg);
            }
            printf("WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering "
                   "of the messages will be affected\n");
            zk_add_partitions(topic, count, assign, nrows, arf);
            printf("Adding partitions succeeded!\n");
        }
    }
}

/* The actions, each through the brokers (--bootstrap-server) or through
 * ZooKeeper (--zookeeper); check_args made sure exactly one is given. */
static const struct {
    const char *opt;
    void (*via_brokers)(void);
    void (*via_zookeeper)(void);
} dispatch[] = {
    {"create", create_topic, zk_create_topic},
    {"alter", alter_topics, zk_alter_topics},
    {"list", list_topics, zk_list_topics},
    {"describe", describe_topics, zk_describe_topics},
    {"delete", delete_topics, zk_delete_topics},
};

int main(int argc, char **argv) {
    opts_parse(&O, specs, argc, argv, "This tool helps to create, delete, describe, or change a topic.", 0);
    check_args(argc);
    int zk = opts_has(&O, "zookeeper");
    if (zk) {
        zk_connect();
    } else {
        if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "command-config")) != 0) {
            /* TopicCommand creates its admin client before its try: the
             * ConfigException (bootstrap list, timeouts) is uncaught */
            fprintf(stderr,
                    "Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to create new "
                    "KafkaAdminClient\nCaused by: org.apache.kafka.common.config.ConfigException: %s\n",
                    A.err);
            exit(1);
        }
    }
    for (size_t i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
        if (opts_has(&O, dispatch[i].opt)) {
            (zk ? dispatch[i].via_zookeeper : dispatch[i].via_brokers)();
            break;
        }
    fflush(stdout);
    if (zk)
        zks_close(&ZS);
    ka_close(&A);
    opts_free(&O);
    return 0;
}
