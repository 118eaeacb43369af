/* tools.h -- shared code of the command-line tools (kafka-topics,
 * kafka-configs, kafka-delete-records, kafka-broker-api-versions,
 * kafka-dump-log, console producer/consumer).
 *
 * Three parts:
 *   - option parsing that behaves like joptsimple as Kafka 2.5's tools use
 *     it (`--name value` or `--name=value`, "X is not a recognized option",
 *     "Missing required argument "[x]"", usage on stderr, exit 1);
 *   - a small blocking admin client over the project's own protocol code
 *     (buf.c): bootstrap, ApiVersions, Metadata, CreateTopics, DeleteTopics,
 *     CreatePartitions, DescribeConfigs, AlterConfigs,
 *     IncrementalAlterConfigs, DeleteRecords, ListOffsets. It only uses
 *     non-flexible request versions, so it talks to this broker and to any
 *     Apache Kafka 2.x/3.x broker. Every response is decoded with the
 *     bounds-checked rbuf reader and one err_parse exit per decoder;
 *   - helpers for Kafka's output conventions: Java exception strings for
 *     error codes, java.util.HashMap iteration order (the Java tools print
 *     configs and partition results in that order), topic regexes.
 *
 * Memory: everything the admin client returns lives in its arena and is
 * released by ka_close(); the tools are short-lived. */
#ifndef TOOLS_TOOLS_H
#define TOOLS_TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "kafka_errors.h"

#define TOOLS_KAFKA_VERSION "2.5.0"

/* ------------------------------------------------------------------------
 * Options
 * ---------------------------------------------------------------------- */
enum { OPT_FLAG = 0, OPT_ARG = 1 };

typedef struct opt_spec {
    const char *name;    /* long name without "--" */
    int arg;             /* OPT_FLAG or OPT_ARG (argument required) */
    const char *argdesc; /* e.g. "String: topic"; NULL for flags */
    const char *help;
} opt_spec;

typedef struct opt_hit {
    int spec;          /* index into specs */
    const char *value; /* argv string or NULL */
} opt_hit;

typedef struct opts {
    const opt_spec *specs; /* terminated by a {NULL} entry */
    int nspecs;
    opt_hit *hits; /* in command-line order */
    int nhits;
    const char *intro; /* printed by --help before the usage table */
} opts;

/* Parses argv[1..]. Unknown options and a missing argument print Kafka's
 * message and the usage table on stderr and exit 1. --help (and no argument
 * at all, when help_if_empty) prints intro + usage and exits 1, as Kafka
 * 2.5's CommandLineUtils does; --version prints the version and exits 0. */
void opts_parse(opts *o, const opt_spec *specs, int argc, char **argv, const char *intro,
                int help_if_empty);
void opts_free(opts *o);
int opts_has(const opts *o, const char *name);
int opts_count(const opts *o, const char *name);
const char *opts_get(const opts *o, const char *name); /* first value */
const char *opts_nth(const opts *o, const char *name, int n);
/* The value of key among a repeatable option's "k=v" arguments (Kafka's
 * parseKeyValueArgs: the last one wins, "k" alone is ""), or NULL. */
const char *opts_kv_get(const opts *o, const char *name, const char *key);
/* Index in hits of the first occurrence, -1 if absent. */
int opts_first_hit(const opts *o, const char *name);
/* Prints msg (if any) and the usage table to stderr, exits 1. */
void opts_die(const opts *o, const char *msg) __attribute__((noreturn));
/* Kafka's CommandLineUtils.checkRequiredArgs / checkInvalidArgs. */
void opts_require(const opts *o, const char *name);
void opts_invalid(const opts *o, const char *used, const char *other);
/* Java's uncaught-exception exit: "Exception in thread "main" cls: msg" on
 * stderr (after flushing stdout), exit status 1. */
void tools_die_exception(const char *cls, const char *msg) __attribute__((noreturn));
/* A whole file (malloc'ed, not NUL-terminated), or NULL if it can't be read. */
char *tools_read_file(const char *path, size_t *len);
/* A JSON file parsed (NULL when it is not JSON); a file that can't be read
 * ends the tool with java.nio.file.NoSuchFileException, as Kafka's do. */
struct json *tools_read_json_file(const char *path);
/* Strict decimal parse; 0 on success. */
int parse_i64(const char *s, int64_t *out);
int parse_i32(const char *s, int32_t *out);

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */
/* "org.apache.kafka.common.errors.<Exception>: <msg or default>" into buf. */
const char *kerror_string(int code, const char *msg, char *buf, size_t len);

/* ------------------------------------------------------------------------
 * Log lines
 * ---------------------------------------------------------------------- */
/* One line in the layout of Kafka's tools-log4j.properties, "[%d] %p %m
 * (%c)%n" ("[2020-05-01 10:00:00,000] WARN msg (logger)"), on stderr, in one
 * write (librdkafka's threads log too); stdout is flushed first so that the
 * two streams interleave as they happened. exception (or NULL) follows on
 * its own line, as log4j prints a Throwable. */
void log4j_line(const char *level, const char *msg, const char *logger, const char *exception);

/* A peer address as Java's InetSocketAddress.toString() prints it once
 * resolved: "localhost/127.0.0.1:9092", "/127.0.0.1:9092" when host is an
 * IP literal, IPv6 as eight uncompressed groups. */
struct sockaddr;
void java_socket_address(const char *host, const struct sockaddr *sa, char *out, size_t n);

/* NetworkClient's WARN for a connection attempt that failed, e.g.
 * "[AdminClient clientId=adminclient-1] Connection to node -1
 * (localhost/127.0.0.1:9092) could not be established. Broker may not be
 * available." client is the bracketed log prefix. */
void log_not_connected(const char *client, int node, const char *address);

/* Double.toString(d) (is_float 0) or Float.toString((float)d) (1): the
 * shortest digits that read back as that double or float; decimal notation
 * for 1e-3 <= |d| < 1e7, else "1.2345E7"; NaN, Infinity, -0.0. */
void java_double(double d, int is_float, char *out, size_t n);

/* ------------------------------------------------------------------------
 * Java ordering helpers
 * ---------------------------------------------------------------------- */
int32_t java_string_hash(const char *s);
/* Fills order[0..n) with the iteration order of a java.util.HashMap that
 * had keys with these hashCodes put in index order: `new HashMap<>()` when
 * init_cap is 0, `new HashMap<>(init_cap)` otherwise (load factor 0.75).
 * Keys are assumed distinct. */
void java_hashmap_order(const int32_t *hashes, int n, int init_cap, int *order);
/* TopicPartition.hashCode(). */
int32_t java_tp_hash(const char *topic, int32_t partition);
/* The iteration order of a Scala 2.12 immutable Set built from n elements
 * with these hashCodes, added in index order: that order up to four
 * elements, else the HashSet's (by the improved hash, five bits at a time
 * from the lowest). */
void scala_set_order(const int32_t *hashes, int n, int *order);
/* The topic configs Kafka 2.5 knows (LogConfig.configNames), sorted. */
extern const char *const topic_config_names[];
int topic_config_name_valid(const char *name);
/* Kafka's topic whitelist (TopicFilter): trims, ',' -> '|', drops spaces
 * and surrounding quotes, then matches the whole name (POSIX ERE). Returns
 * NULL and an error string on an invalid regex. */
typedef struct topic_filter topic_filter;
topic_filter *topic_filter_new(const char *raw, char *err, size_t errlen);
int topic_filter_match(const topic_filter *f, const char *topic);
void topic_filter_free(topic_filter *f);
int topic_is_internal(const char *topic);

/* ------------------------------------------------------------------------
 * Admin client
 * ---------------------------------------------------------------------- */
#define KA_MAX_API 64
#define KA_MAX_CONNS 32

typedef struct ka_conn {
    int32_t node; /* broker id, -1 for a bootstrap connection */
    int fd;
    char host[256];
    int port;
    int16_t vmin[KA_MAX_API], vmax[KA_MAX_API]; /* -1: not supported */
    int napis;                                   /* entries in the ApiVersions answer */
    struct { int16_t key, min, max; } apis[128]; /* as advertised, in order */
} ka_conn;

typedef struct ka_broker {
    int32_t id;
    char *host;
    int32_t port;
    char *rack; /* NULL */
} ka_broker;

typedef struct ka_partition {
    int16_t err;
    int32_t id, leader;
    int nreplicas, nisr, noffline;
    int32_t *replicas, *isr, *offline;
} ka_partition;

typedef struct ka_topic {
    int16_t err;
    char *name;
    int internal;
    int nparts;
    ka_partition *parts; /* sorted by partition id */
} ka_topic;

typedef struct ka_metadata {
    int nbrokers;
    ka_broker *brokers;
    char *cluster_id;
    int32_t controller;
    int ntopics;
    ka_topic *topics;
    ka_topic **by_name; /* the topics sorted by name (ka_md_topic) */
} ka_metadata;

typedef struct ka_arena_blk ka_arena_blk;

typedef struct kadmin {
    char bootstrap[1024];
    int timeout_ms;         /* overall deadline of each operation (default.api.timeout.ms) */
    int request_timeout_ms; /* each request, the connection handshake included
                             * (request.timeout.ms); at most timeout_ms */
    const char *client_id;
    int32_t corr;
    ka_conn conns[KA_MAX_CONNS];
    int nconns;
    ka_metadata *md; /* last metadata */
    ka_arena_blk *arena;
    char err[1024]; /* last error, Java style */
} kadmin;

/* Result of one topic / resource / partition in an admin request. */
typedef struct ka_result {
    char *name;
    int32_t partition;
    int16_t err;
    char *msg;       /* NULL: none from the broker */
    int64_t value;   /* low watermark, offset... */
    int64_t timestamp;
} ka_result;

typedef struct ka_newtopic {
    const char *name;
    int32_t partitions;         /* -1: broker default */
    int16_t replication_factor; /* -1: broker default */
    int nassign;                /* manual assignment: partitions x rf */
    int assign_rf;
    const int32_t *assign;
    int nconfigs;
    const char *const *config_keys;
    const char *const *config_values;
} ka_newtopic;

typedef struct ka_config_synonym {
    char *name, *value;
    int8_t source;
} ka_config_synonym;

typedef struct ka_config_entry {
    char *name, *value; /* value NULL: sensitive or null */
    int read_only, is_default, sensitive;
    int8_t source;
    int nsyn;
    ka_config_synonym *syn;
} ka_config_entry;

typedef struct ka_config_resource {
    int16_t err;
    char *msg;
    int8_t type;
    char *name;
    int n;
    ka_config_entry *entries;
} ka_config_resource;

typedef struct ka_alter_op {
    const char *key;
    const char *value; /* NULL for DELETE */
    int8_t op;         /* 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT */
} ka_alter_op;

typedef struct ka_tp_offset {
    const char *topic;
    int32_t partition;
    int64_t offset; /* DeleteRecords: before offset; ListOffsets: timestamp */
} ka_tp_offset;

#define KA_RESOURCE_TOPIC 2
#define KA_RESOURCE_BROKER 4
#define KA_RESOURCE_BROKER_LOGGER 8

/* Sets up the client; parses bootstrap "host:port[,host:port...]".
 * timeout_ms bounds each operation and each request alike (see
 * ka_init_config for Kafka's two timeouts). Returns -1 (a->err set) if the
 * list is malformed. */
int ka_init(kadmin *a, const char *bootstrap, int timeout_ms);
/* ka_init with the timeouts of Kafka 2.5's AdminClient, read from the
 * tool's --command-config file (NULL: none): request.timeout.ms (30000)
 * bounds each request and each broker's handshake, so that a broker that
 * accepts connections but never answers (a stopped process) costs one
 * request timeout before the next bootstrap broker is tried;
 * default.api.timeout.ms (60000) bounds the whole operation. As in
 * KafkaAdminClient (KIP-533): request.timeout.ms above the default 60000,
 * with default.api.timeout.ms not set, raises the operation's timeout to
 * it, with the AdminClient's WARN line; default.api.timeout.ms set below
 * request.timeout.ms (either one explicit or default) is refused: returns
 * -1 with Kafka's ConfigException message in a->err, as for a malformed
 * bootstrap list (each tool reports it as Kafka's does). Exits 1 with
 * Kafka's message if the file can't be read. */
int ka_init_config(kadmin *a, const char *bootstrap, const char *command_config);
void ka_close(kadmin *a);
void *ka_alloc(kadmin *a, size_t n); /* zeroed, from the arena */
char *ka_strdup(kadmin *a, const char *s);
char *ka_kstrdup(kadmin *a, kstr k);

/* A connection to any bootstrap broker (ApiVersions done): each in turn,
 * again after a backoff, until the operation's timeout. NULL on timeout:
 * a->err says "Timed out waiting for a node assignment." */
ka_conn *ka_any(kadmin *a);
/* A connection to broker `node` (from the last metadata). */
ka_conn *ka_node(kadmin *a, int32_t node);
/* Highest version both sides support (<= client_max), or -1. */
int ka_version(const ka_conn *c, int key, int client_max);
/* Sends one request and reads its response body (after the correlation id)
 * into resp. 0 or -1 with a->err set. */
int ka_call(kadmin *a, ka_conn *c, int16_t key, int16_t ver, const wbuf *body, wbuf *resp);
/* The same for a flexible version (request header v2, response header v1). */
int ka_call_flexible(kadmin *a, ka_conn *c, int16_t key, int16_t ver, const wbuf *body,
                     wbuf *resp);
/* The controller's connection (fresh metadata), NULL on timeout (a->err). */
ka_conn *ka_controller(kadmin *a);

/* Metadata for the given topics (n >= 0) or all topics (topics == NULL);
 * never auto-creates. Stored in a->md as well. */
ka_metadata *ka_metadata_get(kadmin *a, const char *const *topics, int n);
const ka_topic *ka_md_topic(const ka_metadata *md, const char *name); /* binary search */
const ka_partition *ka_md_partition(const ka_topic *t, int32_t id);   /* t->parts by id */
const ka_broker *ka_md_broker(const ka_metadata *md, int32_t id);

/* The admin operations: 0 when the request got an answer (per-item errors
 * in results[]), -1 on a transport/protocol failure (a->err). results has
 * one entry per input item, in input order. */
int ka_create_topics(kadmin *a, const ka_newtopic *t, int n, int validate_only, ka_result *results);
int ka_delete_topics(kadmin *a, const char *const *names, int n, ka_result *results);
/* New total counts; assign (may be NULL) lists nassign[i] x rf brokers. */
int ka_create_partitions(kadmin *a, const char *const *names, const int32_t *counts,
                         const int32_t *const *assign, const int *nassign, const int *assign_rf, int n,
                         ka_result *results);
int ka_describe_configs(kadmin *a, int8_t type, const char *const *names, int n, int synonyms,
                        ka_config_resource **out);
int ka_incremental_alter_configs(kadmin *a, int8_t type, const char *name, const ka_alter_op *ops,
                                 int nops, ka_result *result);
int ka_alter_configs(kadmin *a, int8_t type, const char *name, const char *const *keys,
                     const char *const *values, int n, ka_result *result);
/* Routed to each partition's leader. results[i].value = low watermark. */
int ka_delete_records(kadmin *a, const ka_tp_offset *tps, int n, ka_result *results);
/* Routed to leaders. tps[i].offset = timestamp (-1 latest, -2 earliest);
 * results[i].value = offset. */
int ka_list_offsets(kadmin *a, const ka_tp_offset *tps, int n, ka_result *results);
/* ------------------------------------------------------------------------
 * Duplicate checks of the tools' inputs (tools_dups.c), O(n log n)
 * ---------------------------------------------------------------------- */
/* A total order on items[i] and items[j]: <0, 0, >0. */
typedef int tools_item_cmp(const void *items, int i, int j);
/* first[i] = the lowest index whose item equals item i. */
void tools_first_occurrence(const void *items, int n, tools_item_cmp *cmp, int *first);
/* Items that occur more than once: dups (NULL, or room for n) gets the
 * index of each one's first occurrence, in input order; returns how many.
 * *repeat (NULL allowed) = the lowest index repeating an earlier item, or
 * -1: where a check that reads the input in order stops. */
int tools_duplicates(const void *items, int n, tools_item_cmp *cmp, int *dups, int *repeat);
int tools_int_duplicates(const int32_t *v, int n, int *dups, int *repeat);
int tools_str_duplicates(const char *const *v, int n, int *dups, int *repeat);
/* Keeps the first occurrence of each value, in order; returns how many. */
int tools_int_unique(int32_t *v, int n);
int tools_str_unique(const char **v, int n);
/* strcmp of strings items[i] and items[j] (const char *items[]). */
int tools_cmp_str_at(const void *items, int i, int j);
/* The pairs keys[i] = vals[i] set in order into a map (Properties): each
 * key keeps the place of its first occurrence and takes its last value;
 * compacts both arrays in place, returns how many keys remain. */
int tools_keep_last_values(const char **keys, const char **vals, int n);
/* Partitions named more than once, each once in first-seen order, as
 * "t-0,t-1" in out; returns how many. */
int tools_tp_duplicates(const ka_tp_offset *tps, int n, char *out, size_t cap);
/* first[i] for partitions (topic and partition equal). */
void tools_tp_first_occurrence(const ka_tp_offset *tps, int n, int *first);

/* ------------------------------------------------------------------------
 * Input files (tools_inputs.c): parsed from their bytes, from the arena,
 * never exiting; -1 with the exception a tool prints for a bad file.
 * ---------------------------------------------------------------------- */
typedef struct tools_input_error {
    const char *exception; /* Java class name, e.g. kafka.admin.AdminOperationException */
    char message[4400];
} tools_input_error;

/* kafka-leader-election (preferred_tool 0) and
 * kafka-preferred-replica-election (1) --path-to-json-file: {"partitions":
 * [{"topic": "t", "partition": 0}, ...]} (offsets unused); the messages name
 * the tool's data as Kafka's do. */
int tools_election_json(kadmin *a, const char *text, size_t len, int preferred_tool,
                        ka_tp_offset **out, int *n, tools_input_error *e);
/* kafka-delete-records --offset-json-file: {"partitions": [{"topic": "t",
 * "partition": 0, "offset": 5}, ...], "version": 1}. */
int tools_delete_records_json(kadmin *a, const char *text, size_t len, ka_tp_offset **out, int *n,
                              tools_input_error *e);
/* A partitions file read and parsed by one of the parsers above (arg: its
 * int argument, for tools_election_json preferred_tool); a file that can't
 * be read ends the tool with java.nio.file.NoSuchFileException, a bad one
 * with the parser's exception, as Kafka's tools do. */
typedef int (*tools_tp_parser)(kadmin *a, const char *text, size_t len, int arg,
                               ka_tp_offset **out, int *n, tools_input_error *e);
ka_tp_offset *tools_tp_file(kadmin *a, const char *path, tools_tp_parser parse, int arg, int *n);
/* kafka-consumer-groups --reset-offsets --from-file: the lines of group
 * `group`, "group,topic,partition,offset" or, when one --group was given
 * (only_group, else NULL), "topic,partition,offset"; other lines are
 * skipped, the last line for a partition counts. Returns 1 if a line named
 * the group, else 0; *out gets the partitions in first-seen order. */
int tools_reset_plan_csv(kadmin *a, const char *text, size_t len, const char *group,
                         const char *only_group, ka_tp_offset **out, int *n);

/* kafka-reassign-partitions --reassignment-json-file: {"version": 1,
 * "partitions": [{"topic": "t", "partition": 0, "replicas": [1, 2],
 * "log_dirs": ["any", "any"]}, ...]} (log_dirs optional, only "any");
 * check_execute adds --execute's checks (not empty, no empty replica list,
 * no partition twice, no replica twice in a list). */
typedef struct tools_reassignment {
    const char *topic;
    int32_t partition;
    int32_t *replicas;
    int nreplicas;
} tools_reassignment;
int tools_reassignment_json(kadmin *a, const char *text, size_t len, int check_execute, tools_reassignment **out,
                            int *n, tools_input_error *e);
/* --topics-to-move-json-file: {"topics": [{"topic": "foo"}, ...],
 * "version": 1}; no topic twice. */
int tools_topics_to_move_json(kadmin *a, const char *text, size_t len, const char ***out, int *n,
                              tools_input_error *e);

/* ------------------------------------------------------------------------
 * Option values (tools_args.c): parsed as the Java tools parse them, from
 * the arena, never exiting; -1 with the exception the tool prints.
 * ---------------------------------------------------------------------- */
/* kafka-topics --replica-assignment "1:2,3:4": *nparts rows of *rf broker
 * ids each (row-major in *out), any number of either. */
int tools_replica_assignment(kadmin *a, const char *text, int32_t **out, int *nparts, int *rf,
                             tools_input_error *e);
/* kafka-configs --add-config 'k1=v1,k2=[v1,v2],k3=v3': commas and '='
 * inside brackets do not split, brackets are dropped from values, keys and
 * values trimmed; a key given twice keeps its first place and last value. */
int tools_config_add(kadmin *a, const char *text, const char ***keys, const char ***vals, int *n,
                     tools_input_error *e);
/* kafka-configs --delete-config 'k1,k2' (each of the nargs occurrences). */
int tools_config_delete(kadmin *a, const char *const *args, int nargs, const char ***keys, int *n);
/* kafka-reassign-partitions --broker-list "0,1,2". */
int tools_broker_list(kadmin *a, const char *text, int32_t **out, int *n, tools_input_error *e);

/* ElectLeaders at the controller: type 0 preferred, 1 unclean; tps NULL =
 * every partition. *out (from the arena) gets one result per partition the
 * controller answered for (name, partition, err, msg); returns how many, or
 * -1 (a->err). */
int ka_elect_leaders(kadmin *a, int8_t type, const ka_tp_offset *tps, int n, int timeout_ms,
                     ka_result **out);

/* The two leader election tools (tools_election.c; their partitions file:
 * tools_tp_file with tools_election_json). ElectLeaders, then Kafka's report: the succeeded partitions after
 * `done`, the "already elected" line after `noop` (listing the succeeded
 * ones, as 2.5 does), one `error` line per failed partition, then
 * AdminCommandFailedException "<n> <failed_what> could not be elected"
 * (exit 1). A request that fails as a whole prints "Error while making
 * request" and returns. */
typedef struct election_text {
    const char *done, *noop, *error, *failed_what;
} election_text;
void tools_election_run(kadmin *a, int8_t type, const ka_tp_offset *tps, int n, int timeout_ms,
                        const election_text *text);

/* The client timeouts of a --command-config file (path NULL: none):
 * request.timeout.ms into *request_ms and default.api.timeout.ms into
 * *api_ms, each left as given when absent or not a positive int; *api_set
 * (may be NULL) tells whether default.api.timeout.ms was there. Exits 1
 * with Kafka's message if the file can't be read. ka_init_config applies
 * them as the AdminClient does. */
void tools_command_config_timeouts(const char *path, int *request_ms, int *api_ms, int *api_set);

/* ------------------------------------------------------------------------
 * Consumer groups (admin.c): each request goes to the group's coordinator
 * (FindCoordinator, retried while the coordinator is loading/moving).
 * ---------------------------------------------------------------------- */
typedef struct ka_group_listing {
    char *group_id, *protocol_type;
} ka_group_listing;

typedef struct ka_member {
    char *member_id, *instance_id, *client_id, *client_host;
    uint8_t *metadata, *assignment; /* raw protocol bytes */
    int32_t metadata_len, assignment_len;
} ka_member;

typedef struct ka_group {
    int16_t err;
    char *group_id, *state, *protocol_type, *protocol;
    int nmembers;
    ka_member *members;
    ka_broker coordinator;
} ka_group;

typedef struct ka_committed {
    char *topic;
    int32_t partition;
    int64_t offset; /* -1: none */
    int32_t leader_epoch;
    char *metadata;
    int16_t err;
} ka_committed;

/* The consumer protocol's Assignment / Subscription (ConsumerProtocol). */
typedef struct ka_assignment {
    int16_t version;
    int n; /* assigned partitions, in the encoded order */
    char **topics;
    int32_t *partitions;
    uint8_t *user_data; /* NULL: none */
    int32_t user_data_len;
} ka_assignment;

typedef struct ka_subscription {
    int16_t version;
    int ntopics;
    char **topics;
} ka_subscription;

int ka_find_coordinator(kadmin *a, const char *group, ka_broker *out);
ka_conn *ka_coordinator_conn(kadmin *a, const char *group, ka_broker *coord);
/* ListGroups on every broker of the cluster. */
int ka_list_groups(kadmin *a, ka_group_listing **out, int *n);
/* DescribeGroups of one group; a group the coordinator doesn't know comes
 * back with state "Dead". -1 on error (a->err), including group errors. */
int ka_describe_group(kadmin *a, const char *group, ka_group *g);
/* OffsetFetch of all committed offsets of the group (v2+). */
int ka_offset_fetch(kadmin *a, const char *group, ka_committed **out, int *n);
/* OffsetCommit as the admin client does it: generation -1, member "". */
int ka_offset_commit(kadmin *a, const char *group, const ka_tp_offset *tps, int n, ka_result *res);
/* OffsetDelete; *top_err is the group-level error. */
int ka_offset_delete(kadmin *a, const char *group, const ka_tp_offset *tps, int n, int16_t *top_err,
                     ka_result *res);
int ka_delete_groups(kadmin *a, const char *const *groups, int n, ka_result *res);
/* Decoders for member metadata / assignment bytes; 0 or -1 (malformed).
 * Empty input gives an empty result. */
int ka_parse_assignment(kadmin *a, const uint8_t *p, size_t len, ka_assignment *out);
int ka_parse_subscription(kadmin *a, const uint8_t *p, size_t len, ka_subscription *out);

/* ------------------------------------------------------------------------
 * __consumer_offsets records (tools_offsets.c), as Kafka 2.5 prints them
 * ---------------------------------------------------------------------- */
/* GroupMetadataManager.formatRecordKeyAndValue: "offset_commit::group=g,
 * partition=t-0" / "offset=5" or "offset=5,metadata=m" or "<DELETE>";
 * "group_metadata::group=g" / JSON or "<DELETE>". Returns 0, or -1 with
 * Kafka's KafkaException message in *key. Strings are malloc'd. */
int offsets_format_record(const uint8_t *key, int32_t klen, const uint8_t *val, int32_t vlen, char **okey,
                          char **oval);
/* OffsetsMessageFormatter (console consumer): "[g,t,0]::OffsetAndMetadata(...)"
 * for offset records, NULL for anything else. malloc'd. */
char *offsets_format_message(const uint8_t *key, int32_t klen, const uint8_t *val, int32_t vlen);

#endif
