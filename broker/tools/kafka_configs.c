/* kafka_configs.c -- kafka-configs.sh with --bootstrap-server: describe and
 * alter topic and broker configs, as Apache Kafka 2.5's ConfigCommand:
 *
 *   Dynamic configs for topic X are:            (All configs ... with --all)
 *     retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, ...}
 *   Completed updating config for topic X.
 *   Completed updating default config for brokers in the cluster.
 *
 * Topic changes use IncrementalAlterConfigs (SET/DELETE), broker changes
 * AlterConfigs with the full dynamic set, as the Java tool does. Argument
 * errors print one line on stderr and exit 1; failures of a request print
 * "Error while executing config command with args '...'" and the Java
 * exception on stderr, exit 1.
 *
 * With --zookeeper (2.5's deprecated path, two "Warning:" lines first) topic
 * and broker configs are read from and written to /config/<type>/<name>
 * with a /config/changes notification, as AdminZkClient does:
 *
 *   Configs for topic 't' are retention.ms=1000
 *   Completed updating config for entity: topic 't'.
 *
 * Broker configs other than the replication quotas only while that broker
 * (or, for the default, every broker) is down, as 2.5 requires; password
 * encoding and DynamicBrokerConfig's value checks are not done. Users and
 * clients (quotas, SCRAM credentials) are not implemented. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"
#include "zk_admin.h"

static const opt_spec specs[] = {
    {"add-config", OPT_ARG, "String", "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'."},
    {"all", OPT_FLAG, NULL, "List all configs for the given entity (includes static configuration when the entity type is brokers)"},
    {"alter", OPT_FLAG, NULL, "Alter the configuration for the entity."},
    {"bootstrap-server", OPT_ARG, "String: server to connect to", "The Kafka server to connect to. This is required for describing and altering broker configs."},
    {"broker", OPT_ARG, "String", "The broker's ID."},
    {"broker-defaults", OPT_FLAG, NULL, "The config defaults for all brokers."},
    {"broker-logger", OPT_ARG, "String", "The broker's ID for its logger config."},
    {"client", OPT_ARG, "String", "The client's ID."},
    {"client-defaults", OPT_FLAG, NULL, "The config defaults for all clients."},
    {"command-config", OPT_ARG, "String: command config property file", "Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs."},
    {"delete-config", OPT_ARG, "String", "config keys to remove 'k1,k2'"},
    {"describe", OPT_FLAG, NULL, "List configs for the given entity."},
    {"entity-default", OPT_FLAG, NULL, "Default entity name for clients/users/brokers (applies to corresponding entity type in command line)"},
    {"entity-name", OPT_ARG, "String", "Name of entity (topic name/client id/user principal name/broker id)"},
    {"entity-type", OPT_ARG, "String", "Type of entity (topics/clients/users/brokers/broker-loggers)"},
    {"force", OPT_FLAG, NULL, "Suppress console prompts"},
    {"topic", OPT_ARG, "String", "The topic's name."},
    {"user", OPT_ARG, "String", "The user's principal name."},
    {"user-defaults", OPT_FLAG, NULL, "The config defaults for all users."},
    {"zk-tls-config-file", OPT_ARG, "String: ZooKeeper TLS configuration", "Identifies the file where ZooKeeper client TLS connectivity properties are defined."},
    {"zookeeper", OPT_ARG, "String: urls", "DEPRECATED. The connection string for the zookeeper connection in the form host:port. Multiple URLS can be given to allow fail-over. Replaced by --bootstrap-server, REQUIRED unless --bootstrap-server is given."},
    {NULL, 0, NULL, NULL},
};

static opts O;
static kadmin A;
static int g_argc;
static char **g_argv;

/* IllegalArgumentException / InvalidConfigurationException: message only. */
static void die_arg(const char *msg) __attribute__((noreturn));
static void die_arg(const char *msg) {
    fflush(stdout);
    fprintf(stderr, "%s\n", msg);
    ka_close(&A);
    exit(1);
}

/* Any other failure: Kafka prints the command line and the stack trace. */
static void die_exec(const char *exc) __attribute__((noreturn));
static void die_exec(const char *exc) {
    fflush(stdout);
    fprintf(stderr, "Error while executing config command with args '");
    for (int i = 1; i < g_argc; i++)
        fprintf(stderr, "%s%s", i > 1 ? " " : "", g_argv[i]);
    fprintf(stderr, "'\n%s\n", exc);
    ka_close(&A);
    exit(1);
}

static void die_code(int code, const char *msg) {
    char b[1024], e[1100];
    snprintf(e, sizeof(e), "java.util.concurrent.ExecutionException: %s", kerror_string(code, msg, b, sizeof(b)));
    die_exec(e);
}

static const char *source_name(int s) {
    switch (s) {
    case 1: return "DYNAMIC_TOPIC_CONFIG";
    case 2: return "DYNAMIC_BROKER_CONFIG";
    case 3: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case 4: return "STATIC_BROKER_CONFIG";
    case 5: return "DEFAULT_CONFIG";
    case 6: return "DYNAMIC_BROKER_LOGGER_CONFIG";
    default: return "UNKNOWN";
    }
}

/* ------------------------------------------------------------------------
 * Entity selection
 * ---------------------------------------------------------------------- */
static const char *entity_type;  /* topics / brokers / broker-loggers */
static const char *entity_name;  /* NULL: none, "": default */

static void check_args(void) {
    int nact = opts_has(&O, "alter") + opts_has(&O, "describe");
    if (nact != 1)
        opts_die(&O, "Command must include exactly one action: --describe, --alter");
    opts_invalid(&O, "alter", "describe");
    opts_invalid(&O, "describe", "add-config");
    opts_invalid(&O, "describe", "delete-config");

    /* entity types: --entity-type values, then the shortcut flags */
    const char *types[8];
    int nt = 0;
    for (int i = 0; i < opts_count(&O, "entity-type") && nt < 8; i++)
        types[nt++] = opts_nth(&O, "entity-type", i);
    static const char *const flags[][2] = {{"topic", "topics"},   {"client", "clients"},
                                           {"user", "users"},     {"broker", "brokers"},
                                           {"broker-logger", "broker-loggers"}, {"client-defaults", "clients"},
                                           {"user-defaults", "users"}, {"broker-defaults", "brokers"}};
    int shortcut = 0;
    for (int i = 0; i < 8; i++)
        if (opts_has(&O, flags[i][0]) && nt < 8) {
            types[nt++] = flags[i][1];
            shortcut = 1;
        }
    for (int i = 0; i < nt; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(types[i], types[j])) {
                char msg[256];
                snprintf(msg, sizeof(msg), "Duplicate entity type(s) specified: %s", types[i]);
                die_arg(msg);
            }
    int bs = opts_has(&O, "bootstrap-server");
    for (int i = 0; i < nt; i++) {
        int ok = !strcmp(types[i], "topics") || !strcmp(types[i], "brokers") ||
                 !strcmp(types[i], "broker-loggers");
        if (!bs)
            ok = ok || !strcmp(types[i], "users") || !strcmp(types[i], "clients");
        if (!ok) {
            char msg[512];
            snprintf(msg, sizeof(msg),
                     "Invalid entity type %s, the entity type must be one of %s with the %s argument", types[i],
                     bs ? "topics,brokers,broker-loggers" : "topics,clients,users,brokers",
                     bs ? "--bootstrap-server" : "--zookeeper");
            die_arg(msg);
        }
    }
    if (nt == 0)
        die_arg("At least one entity type must be specified");
    if (nt > 1)
        die_arg("Only 'users' and 'clients' entity types may be specified together");
    if ((opts_has(&O, "entity-name") || opts_has(&O, "entity-type") || opts_has(&O, "entity-default")) &&
        shortcut)
        die_arg("--entity-{type,name,default} should not be used in conjunction with specific entity flags");
    if (!bs && !opts_has(&O, "zookeeper"))
        die_arg("One of the required --bootstrap-server or --zookeeper arguments must be specified");
    if (bs && opts_has(&O, "zookeeper"))
        die_arg("Only one of --bootstrap-server or --zookeeper must be specified");
    if (opts_has(&O, "all") && opts_has(&O, "zookeeper"))
        die_arg("--bootstrap-server must be specified for --all");
    entity_type = types[0];

    /* entity names: --entity-name/--entity-default in order, then shortcuts */
    int nnames = 0;
    for (int i = 0; i < O.nhits; i++) {
        if (O.hits[i].spec >= O.nspecs)
            continue;
        const char *n = O.specs[O.hits[i].spec].name;
        if (!strcmp(n, "entity-name") || !strcmp(n, "entity-default")) {
            if (nnames++ == 0)
                entity_name = !strcmp(n, "entity-name") ? O.hits[i].value : "";
        }
    }
    for (int i = 0; i < 5; i++)
        if (opts_has(&O, flags[i][0]) && nnames++ == 0)
            entity_name = opts_get(&O, flags[i][0]);
    for (int i = 5; i < 8; i++)
        if (opts_has(&O, flags[i][0]) && nnames++ == 0)
            entity_name = "";
    int is_broker = !strcmp(entity_type, "brokers") || !strcmp(entity_type, "broker-loggers");
    if (entity_name && *entity_name && is_broker) {
        int32_t id;
        if (parse_i32(entity_name, &id) != 0) {
            char msg[512];
            snprintf(msg, sizeof(msg),
                     "The entity name for %s must be a valid integer broker id, but it is: %s", entity_type,
                     entity_name);
            die_arg(msg);
        }
    }
    if (opts_has(&O, "describe") && !strcmp(entity_type, "broker-loggers") && !(entity_name && *entity_name))
        die_arg("an entity name must be specified with --describe of broker-loggers");
    if (opts_has(&O, "alter")) {
        if (!strcmp(entity_type, "brokers") || !strcmp(entity_type, "users") || !strcmp(entity_type, "clients")) {
            if (!entity_name)
                die_arg("an entity-name or default entity must be specified with --alter of users, clients or brokers");
        } else if (!entity_name || !*entity_name) {
            char msg[256];
            snprintf(msg, sizeof(msg), "an entity name must be specified with --alter of %s", entity_type);
            die_arg(msg);
        }
        if (!opts_has(&O, "add-config") && !opts_has(&O, "delete-config"))
            die_arg("At least one of --add-config or --delete-config must be specified with --alter");
    }
    if (nnames > 1 && bs)
        die_arg("At most one entity name must be specified with --bootstrap-server");
}

static int8_t resource_type(void) {
    if (!strcmp(entity_type, "topics"))
        return KA_RESOURCE_TOPIC;
    if (!strcmp(entity_type, "brokers"))
        return KA_RESOURCE_BROKER;
    return KA_RESOURCE_BROKER_LOGGER;
}

static int dynamic_source(const char *name) {
    if (!strcmp(entity_type, "topics"))
        return 1;
    if (!strcmp(entity_type, "brokers"))
        return *name ? 2 : 3;
    return -1; /* broker-loggers: no filter */
}

/* DescribeConfigs of one entity, failing like the Java tool. */
static ka_config_resource *get_config(const char *name, int synonyms) {
    ka_config_resource *res;
    const char *names[1] = {name};
    if (ka_describe_configs(&A, resource_type(), names, 1, synonyms, &res) != 0)
        die_exec(A.err);
    if (res[0].err)
        die_code(res[0].err, res[0].msg);
    return &res[0];
}

/* ------------------------------------------------------------------------
 * --describe
 * ---------------------------------------------------------------------- */
static void describe_entity(const char *name, int all) {
    if (!*name)
        printf("Default configs for %s in the cluster are:\n", entity_type);
    else
        printf("%s configs for %.*s %s are:\n", all ? "All" : "Dynamic", (int)strlen(entity_type) - 1,
               entity_type, name);
    ka_config_resource *r = get_config(name, 1);
    int src = all ? -1 : dynamic_source(name);
    int32_t *h = ka_alloc(&A, (size_t)(r->n + 1) * sizeof(int32_t));
    int *order = ka_alloc(&A, (size_t)(r->n + 1) * sizeof(int));
    for (int i = 0; i < r->n; i++)
        h[i] = java_string_hash(r->entries[i].name ? r->entries[i].name : "");
    java_hashmap_order(h, r->n, 0, order);
    for (int i = 0; i < r->n; i++) {
        const ka_config_entry *e = &r->entries[order[i]];
        if (src >= 0 && e->source != src)
            continue;
        printf("  %s=%s sensitive=%s synonyms={", e->name, e->value ? e->value : "null",
               e->sensitive ? "true" : "false");
        for (int s = 0; s < e->nsyn; s++)
            printf("%s%s:%s=%s", s ? ", " : "", source_name(e->syn[s].source), e->syn[s].name,
                   e->syn[s].value ? e->syn[s].value : "null");
        printf("}\n");
    }
}

static void describe(void) {
    int all = opts_has(&O, "all");
    if (entity_name) {
        describe_entity(entity_name, all);
        return;
    }
    ka_metadata *md = ka_metadata_get(&A, NULL, 0);
    if (!md)
        die_exec(A.err);
    if (!strcmp(entity_type, "topics")) {
        /* listTopics().names(): the key set of a HashMap */
        int n = md->ntopics;
        int32_t *h = ka_alloc(&A, (size_t)(n + 1) * sizeof(int32_t));
        int *order = ka_alloc(&A, (size_t)(n + 1) * sizeof(int));
        for (int i = 0; i < n; i++)
            h[i] = java_string_hash(md->topics[i].name);
        java_hashmap_order(h, n, 0, order);
        for (int i = 0; i < n; i++)
            if (!md->topics[order[i]].err)
                describe_entity(md->topics[order[i]].name, all);
    } else {
        for (int i = 0; i < md->nbrokers; i++) {
            char id[16];
            snprintf(id, sizeof(id), "%d", md->brokers[i].id);
            describe_entity(ka_strdup(&A, id), all);
        }
        if (!strcmp(entity_type, "brokers"))
            describe_entity("", all);
    }
}

/* ------------------------------------------------------------------------
 * --alter
 * ---------------------------------------------------------------------- */
/* --add-config 'k1=v1,k2=[v1,v2],k3=v3' (tools_args.c). */
static int parse_add(const char ***keys, const char ***vals) {
    const char *src = opts_get(&O, "add-config");
    if (!src)
        return 0;
    int n;
    tools_input_error e;
    if (tools_config_add(&A, src, keys, vals, &n, &e) != 0)
        die_arg(e.message);
    for (int i = 0; i < n; i++)
        if (!strcmp((*keys)[i], "message.format.version"))
            printf("WARNING: The configuration message.format.version=%s is specified. This configuration will be "
                   "ignored if the version is newer than the inter.broker.protocol.version specified in the "
                   "broker.\n",
                   (*vals)[i]);
    return n;
}

/* --delete-config 'k1,k2', each occurrence (tools_args.c). */
static int parse_delete(const char ***keys) {
    int cnt = opts_count(&O, "delete-config"), n;
    const char **args = ka_alloc(&A, ((size_t)cnt + 1) * sizeof(char *));
    for (int i = 0; i < cnt; i++)
        args[i] = opts_nth(&O, "delete-config", i);
    tools_config_delete(&A, args, cnt, keys, &n);
    return n;
}

static void alter(void) {
    const char **add_k = NULL, **add_v = NULL, **del = NULL;
    int nadd = parse_add(&add_k, &add_v);
    int ndel = parse_delete(&del);
    const char *name = entity_name;
    ka_config_resource *old = get_config(name, 0);
    int src = dynamic_source(name);
    char bad[2048] = "";
    for (int i = 0; i < ndel; i++) {
        int found = 0;
        for (int j = 0; j < old->n; j++)
            if ((src < 0 || old->entries[j].source == src) && !strcmp(old->entries[j].name, del[i]))
                found = 1;
        if (!found)
            snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s", *bad ? "," : "", del[i]);
    }
    if (!strcmp(entity_type, "broker-loggers")) {
        /* every logger must exist */
        for (int i = 0; i < nadd; i++) {
            int found = 0;
            for (int j = 0; j < old->n; j++)
                if (!strcmp(old->entries[j].name, add_k[i]))
                    found = 1;
            if (!found)
                snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s", *bad ? "," : "", add_k[i]);
        }
        if (*bad) {
            char msg[2200];
            snprintf(msg, sizeof(msg), "Invalid broker logger(s): %s", bad);
            die_arg(msg);
        }
    } else if (*bad) {
        char msg[2200];
        snprintf(msg, sizeof(msg), "Invalid config(s): %s", bad);
        die_arg(msg);
    }
    ka_result r;
    if (!strcmp(entity_type, "brokers")) {
        /* AlterConfigs: the whole dynamic set */
        int cap = old->n + nadd + 1;
        const char **k = ka_alloc(&A, (size_t)cap * sizeof(char *)), **v = ka_alloc(&A, (size_t)cap * sizeof(char *));
        int n = 0;
        for (int j = 0; j < old->n; j++) {
            const ka_config_entry *e = &old->entries[j];
            if (e->source != src)
                continue;
            int skip = 0;
            for (int i = 0; i < ndel; i++)
                skip |= !strcmp(del[i], e->name);
            for (int i = 0; i < nadd; i++)
                skip |= !strcmp(add_k[i], e->name);
            if (skip)
                continue;
            if (!e->value) {
                char msg[512];
                snprintf(msg, sizeof(msg),
                         "All sensitive broker config entries must be specified for --alter, missing entries: Set(%s)",
                         e->name);
                die_arg(msg);
            }
            k[n] = e->name;
            v[n++] = e->value;
        }
        for (int i = 0; i < nadd; i++) {
            k[n] = add_k[i];
            v[n++] = add_v[i];
        }
        if (ka_alter_configs(&A, KA_RESOURCE_BROKER, name, k, v, n, &r) != 0)
            die_exec(A.err);
    } else {
        ka_alter_op *ops = ka_alloc(&A, (size_t)(nadd + ndel + 1) * sizeof(ka_alter_op));
        int n = 0;
        for (int i = 0; i < nadd; i++)
            ops[n++] = (ka_alter_op){add_k[i], add_v[i], 0};
        for (int i = 0; i < ndel; i++)
            ops[n++] = (ka_alter_op){del[i], "", 1};
        if (ka_incremental_alter_configs(&A, resource_type(), name, ops, n, &r) != 0)
            die_exec(A.err);
    }
    if (r.err)
        die_code(r.err, r.msg);
    if (*name)
        printf("Completed updating config for %.*s %s.\n", (int)strlen(entity_type) - 1, entity_type, name);
    else
        printf("Completed updating default config for %s in the cluster.\n", entity_type);
}

/* ------------------------------------------------------------------------
 * --zookeeper (Kafka 2.5's processCommandWithZk): configs read from and
 * written to /config/<type>/<name>, with the /config/changes notification
 * the brokers watch (zk_admin.c).
 * ---------------------------------------------------------------------- */
static zk_sync ZS;

/* The replication quotas may be set through ZooKeeper while brokers run;
 * other dynamic broker configs only before they start. */
static int zk_always_updatable(const char *k) {
    return !strcmp(k, "leader.replication.throttled.rate") || !strcmp(k, "follower.replication.throttled.rate") ||
           !strcmp(k, "replica.alter.log.dirs.io.max.bytes.per.second");
}

/* The znode name of the entity: "<default>" for --entity-default. */
static const char *zk_entity_name(const char *name) { return *name ? name : "<default>"; }

/* ConfigCommand.Entity.toString */
static void zk_entity_string(const char *name, char *out, size_t cap) {
    const char *type = !strcmp(entity_type, "topics") ? "topic" : entity_type;
    if (!*name || !strcmp(name, "<default>"))
        snprintf(out, cap, "default %s", type);
    else
        snprintf(out, cap, "%s '%s'", type, name);
}

static void zk_die_rc(int rc, const char *path) {
    char m[2048];
    if (rc == ZKA_BAD_JSON)
        snprintf(m, sizeof(m), "com.fasterxml.jackson.core.JsonParseException: malformed JSON in %s", path);
    else
        zks_keeper_tostring(rc, path, m, sizeof(m));
    die_exec(m);
}

static void zk_connect(void) {
    int rc = zks_open(&ZS, opts_get(&O, "zookeeper"), 30000, 30000);
    if (rc == ZBADARGUMENTS)
        die_exec("java.lang.IllegalArgumentException: A HostProvider may not be empty!");
    if (rc != ZOK)
        die_exec("kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: "
                 "CONNECTING");
}

static void zk_describe(void) {
    char **names = NULL;
    int n = 0, own = 0;
    if (entity_name) {
        names = ka_alloc(&A, sizeof(char *));
        names[0] = ka_strdup(&A, zk_entity_name(entity_name));
        n = 1;
    } else {
        char path[256];
        snprintf(path, sizeof(path), "/config/%s", entity_type);
        int rc = zks_children(&ZS, path, &names, &n);
        if (rc == ZNONODE)
            n = 0;
        else if (rc != ZOK)
            zk_die_rc(rc, path);
        own = 1;
    }
    for (int i = 0; i < n; i++) {
        zka_props p;
        int rc = zka_config_get(&ZS, entity_type, names[i], &p);
        if (rc != ZOK)
            zk_die_rc(rc, "/config");
        char ent[1024];
        zk_entity_string(names[i], ent, sizeof(ent));
        int *order = ka_alloc(&A, (size_t)(p.n + 1) * sizeof(int));
        zka_props_order(&p, order);
        printf("Configs for %s are ", ent);
        for (int k = 0; k < p.n; k++)
            printf("%s%s=%s", k ? "," : "", p.keys[order[k]], p.vals[order[k]]);
        printf("\n");
        zka_props_free(&p);
    }
    if (own)
        zks_strv_free(names, n);
}

static void zk_alter(void) {
    const char **add_k = NULL, **add_v = NULL, **del = NULL;
    int nadd = parse_add(&add_k, &add_v);
    int ndel = parse_delete(&del);
    const char *name = zk_entity_name(entity_name);
    char msg[4096];
    if (!strcmp(entity_type, "brokers")) {
        /* ConfigCommand: only the replication quotas while brokers run */
        char set[2048] = "";
        for (int i = 0; i < nadd; i++)
            if (!zk_always_updatable(add_k[i]))
                snprintf(set + strlen(set), sizeof(set) - strlen(set), "%s%s", *set ? ", " : "", add_k[i]);
        if (*set) {
            const char *info = "Broker configuration updates using ZooKeeper are supported for bootstrapping before "
                               "brokers are started to enable encrypted password configs to be stored in ZooKeeper.";
            if (*entity_name) {
                char path[256];
                snprintf(path, sizeof(path), "/brokers/ids/%s", entity_name);
                int rc = zks_exists(&ZS, path);
                if (rc != ZOK && rc != ZNONODE)
                    zk_die_rc(rc, path);
                if (rc == ZOK) {
                    snprintf(msg, sizeof(msg),
                             "requirement failed: --bootstrap-server option must be specified to update broker configs "
                             "Set(%s). when broker %s is running. %s",
                             set, entity_name, info);
                    die_arg(msg);
                }
            } else {
                zka_broker *b;
                int nb;
                int rc = zka_brokers(&ZS, &b, &nb);
                if (rc != ZOK)
                    zk_die_rc(rc, "/brokers/ids");
                zka_brokers_free(b, nb);
                if (nb > 0) {
                    snprintf(msg, sizeof(msg),
                             "requirement failed: --bootstrap-server option must be specified to update broker configs "
                             "Set(%s). for default cluster if any broker is running. %s",
                             set, info);
                    die_arg(msg);
                }
            }
        }
        for (int i = 0; i < nadd; i++)
            if (zk_always_updatable(add_k[i])) {
                int64_t v;
                if (parse_i64(add_v[i], &v) != 0) {
                    snprintf(msg, sizeof(msg),
                             "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s: "
                             "Not a number of type LONG",
                             add_v[i], add_k[i]);
                    die_exec(msg);
                }
                if (v < 0) {
                    snprintf(msg, sizeof(msg),
                             "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s: "
                             "Value must be at least 0",
                             add_v[i], add_k[i]);
                    die_exec(msg);
                }
            }
    }
    zka_props cfg;
    int rc = zka_config_get(&ZS, entity_type, name, &cfg);
    if (rc != ZOK)
        zk_die_rc(rc, "/config");
    char bad[2048] = "";
    int *has = ka_alloc(&A, ((size_t)ndel + 1) * sizeof(int));
    zka_props_has(&cfg, del, ndel, has);
    for (int i = 0; i < ndel; i++)
        if (!has[i])
            snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s", *bad ? "," : "", del[i]);
    if (*bad) {
        snprintf(msg, sizeof(msg), "Invalid config(s): %s", bad);
        die_arg(msg);
    }
    zka_props_update(&cfg, add_k, add_v, nadd, del, ndel);
    if (!strcmp(entity_type, "topics")) {
        /* AdminZkClient.changeTopicConfig: Topic.validate, existence, names */
        if (zka_validate_topic_name(name, msg, sizeof(msg)) != 0) {
            char e[4200];
            snprintf(e, sizeof(e), "org.apache.kafka.common.errors.InvalidTopicException: %s", msg);
            die_exec(e);
        }
        int ex = zka_topic_exists(&ZS, name);
        if (ex < 0)
            zk_die_rc(ex, "/brokers/topics");
        if (!ex) {
            snprintf(msg, sizeof(msg), "kafka.admin.AdminOperationException: Topic \"%s\" does not exist.", name);
            die_exec(msg);
        }
        for (int i = 0; i < cfg.n; i++)
            if (!topic_config_name_valid(cfg.keys[i])) {
                snprintf(msg, sizeof(msg), "Unknown topic config name: %s", cfg.keys[i]);
                die_arg(msg);
            }
    }
    rc = zka_config_change(&ZS, entity_type, name, &cfg);
    zka_props_free(&cfg);
    if (rc != ZOK)
        zk_die_rc(rc, "/config");
    char ent[1024];
    zk_entity_string(name, ent, sizeof(ent));
    printf("Completed updating config for entity: %s.\n", ent);
}

static int zk_main(void) {
    printf("Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n");
    printf("Use --bootstrap-server instead to specify a broker to connect to.\n");
    fflush(stdout);
    if (!strcmp(entity_type, "users") || !strcmp(entity_type, "clients")) {
        fprintf(stderr, "--entity-type %s (quotas) is not supported by this kafka-configs.sh\n", entity_type);
        return 1;
    }
    zk_connect();
    if (opts_has(&O, "alter"))
        zk_alter();
    else
        zk_describe();
    fflush(stdout);
    zks_close(&ZS);
    ka_close(&A);
    opts_free(&O);
    return 0;
}

int main(int argc, char **argv) {
    g_argc = argc;
    g_argv = argv;
    opts_parse(&O, specs, argc, argv,
               "This tool helps to manipulate and describe entity config for a topic, client, user or broker", 1);
    check_args();
    if (opts_has(&O, "zookeeper"))
        return zk_main();
    if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "command-config")) != 0)
        die_exec(A.err);
    if (opts_has(&O, "alter"))
        alter();
    else
        describe();
    fflush(stdout);
    ka_close(&A);
    opts_free(&O);
    return 0;
}
