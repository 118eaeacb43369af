/* kafka_consumer_groups.c -- kafka-consumer-groups.sh with Apache Kafka
 * 2.5's flags, output and exit codes (ConsumerGroupCommand):
 *
 *   --list [--state]                 group ids (--state: 2.6's GROUP STATE
 *                                    table; 2.5 itself has no such filter)
 *   --describe --group G.. | --all-groups [--offsets | --members [--verbose]
 *                                    | --state]
 *   --delete --group G.. | --all-groups
 *   --reset-offsets --group G | --all-groups  --topic t[:p,p].. | --all-topics
 *       --to-earliest | --to-latest | --to-current | --to-offset N |
 *       --shift-by N | --to-datetime T | --by-duration D | --from-file CSV
 *       [--dry-run (default) | --execute] [--export]
 *   --delete-offsets --group G --topic t[:p,p]..
 *
 * As in Kafka 2.5, usage errors exit 1 and everything else exits 0, errors
 * included ("\nError: ..." on stdout). Rows come out in the order the Java
 * tool's collections give them: java.util.HashMap / HashSet order where the
 * admin client hands out such maps, Scala 2.12 immutable.Map order (insertion
 * order up to 4 entries, hash-trie order beyond) where the tool builds maps. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "tools.h"

static const opt_spec specs[] = {
    {"all-groups", OPT_FLAG, NULL, "Apply to all consumer groups."},
    {"all-topics", OPT_FLAG, NULL, "Consider all topics assigned to a group in the `reset-offsets` process."},
    {"bootstrap-server", OPT_ARG, "String: server to connect to", "REQUIRED: The server(s) to connect to."},
    {"by-duration", OPT_ARG, "String: duration", "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'"},
    {"command-config", OPT_ARG, "String: command config property file", "Property file containing configs to be passed to Admin Client and Consumer."},
    {"delete", OPT_FLAG, NULL, "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2"},
    {"delete-offsets", OPT_FLAG, NULL, "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics."},
    {"describe", OPT_FLAG, NULL, "Describe consumer group and list offset lag (number of messages not yet processed) related to given group."},
    {"dry-run", OPT_FLAG, NULL, "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets."},
    {"execute", OPT_FLAG, NULL, "Execute operation. Supported operations: reset-offsets."},
    {"export", OPT_FLAG, NULL, "Export operation execution to a CSV file. Supported operations: reset-offsets."},
    {"from-file", OPT_ARG, "String: path to CSV file", "Reset offsets to values defined in CSV file."},
    {"group", OPT_ARG, "String: consumer group", "The consumer group we wish to act on."},
    {"list", OPT_FLAG, NULL, "List all consumer groups."},
    {"members", OPT_FLAG, NULL, "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --members"},
    {"offsets", OPT_FLAG, NULL, "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --offsets"},
    {"reset-offsets", OPT_FLAG, NULL, "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive\nHas 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. Additionally, the --export option is used to export the results to a CSV format.\nYou must choose one of the following reset specifications: --to-datetime, --by-period, --to-earliest, --to-latest, --shift-by, --from-file, --to-current.\nTo define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'."},
    {"shift-by", OPT_ARG, "Long: number-of-offsets", "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative."},
    {"state", OPT_FLAG, NULL, "Describe the group state. This option may be used with '--describe' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --state"},
    {"timeout", OPT_ARG, "Long: timeout (ms)", "The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes). (default: 5000)"},
    {"to-current", OPT_FLAG, NULL, "Reset offsets to current offset."},
    {"to-datetime", OPT_ARG, "String: datetime", "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'"},
    {"to-earliest", OPT_FLAG, NULL, "Reset offsets to earliest offset."},
    {"to-latest", OPT_FLAG, NULL, "Reset offsets to latest offset."},
    {"to-offset", OPT_ARG, "Long: offset", "Reset offsets to a specific offset."},
    {"topic", OPT_ARG, "String: topic", "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs."},
    {"verbose", OPT_FLAG, NULL, "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose"},
    {NULL, 0, NULL, NULL},
};

static opts O;
static kadmin A;

/* ------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------- */
static void print_error(const char *msg) { printf("\nError: %s\n", msg); }

/* "Executing consumer group command failed due to <a->err>", exit 0. */
static void fail_cmd(void) __attribute__((noreturn));
static void fail_cmd(void) {
    char msg[1200];
    snprintf(msg, sizeof(msg), "Executing consumer group command failed due to %s", A.err);
    print_error(msg);
    ka_close(&A);
    exit(0);
}

static void log4j_warn(const char *msg) { log4j_line("WARN", msg, "kafka.admin.ConsumerGroupCommand$", NULL); }

typedef struct tpo {
    char *topic;
    int32_t partition;
    int64_t offset;
} tpo;

/* Scala 2.12 immutable.HashMap: improve(hashCode), then the trie visits
 * 5-bit chunks from the lowest bits up. */
static uint32_t scala_improve(int32_t hcode) {
    uint32_t h = (uint32_t)hcode + ~((uint32_t)hcode << 9);
    h ^= h >> 14;
    h += h << 4;
    return h ^ (h >> 10);
}

static int cmp_trie(uint32_t a, uint32_t b) {
    for (int s = 0; s < 32; s += 5) {
        uint32_t x = (a >> s) & 31, y = (b >> s) & 31;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

static tpo *g_sort;

static int cmp_scala_tp(const void *x, const void *y) {
    const tpo *a = &g_sort[*(const int *)x], *b = &g_sort[*(const int *)y];
    int c = cmp_trie(scala_improve(java_tp_hash(a->topic, a->partition)),
                     scala_improve(java_tp_hash(b->topic, b->partition)));
    return c ? c : *(const int *)x - *(const int *)y;
}

/* Reorders v[0..n) as a Scala immutable.Map built in this order iterates. */
static void scala_map_order(tpo *v, int n) {
    if (n <= 4)
        return;
    int *ord = malloc((size_t)n * sizeof(int));
    tpo *copy = malloc((size_t)n * sizeof(tpo));
    if (!ord || !copy)
        abort();
    for (int i = 0; i < n; i++)
        ord[i] = i;
    g_sort = v;
    qsort(ord, (size_t)n, sizeof(int), cmp_scala_tp);
    for (int i = 0; i < n; i++)
        copy[i] = v[ord[i]];
    memcpy(v, copy, (size_t)n * sizeof(tpo));
    free(ord);
    free(copy);
}

/* Reorders as a java.util.HashMap<TopicPartition,_> filled in this order. */
static void java_map_order_tp(tpo *v, int n, int init_cap) {
    if (n <= 1)
        return;
    int32_t *h = calloc((size_t)n, sizeof(int32_t));
    int *ord = malloc((size_t)n * sizeof(int));
    tpo *copy = malloc((size_t)n * sizeof(tpo));
    if (!h || !ord || !copy)
        abort();
    for (int i = 0; i < n; i++)
        h[i] = java_tp_hash(v[i].topic, v[i].partition);
    java_hashmap_order(h, n, init_cap, ord);
    for (int i = 0; i < n; i++)
        copy[i] = v[ord[i]];
    memcpy(v, copy, (size_t)n * sizeof(tpo));
    free(h);
    free(ord);
    free(copy);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ------------------------------------------------------------------------
 * Cluster look-ups
 * ---------------------------------------------------------------------- */
/* Group ids: --all-groups lists them, else the --group values. */
static char **group_ids(int *n) {
    char **ids;
    if (opts_has(&O, "all-groups")) {
        ka_group_listing *l;
        int nl;
        if (ka_list_groups(&A, &l, &nl) != 0)
            fail_cmd();
        ids = ka_alloc(&A, (size_t)(nl + 1) * sizeof(char *));
        *n = 0;
        for (int i = 0; i < nl; i++)
            if (!l[i].protocol_type || !*l[i].protocol_type || !strcmp(l[i].protocol_type, "consumer"))
                ids[(*n)++] = l[i].group_id;
        return ids;
    }
    *n = opts_count(&O, "group");
    ids = ka_alloc(&A, (size_t)(*n + 1) * sizeof(char *));
    for (int i = 0; i < *n; i++)
        ids[i] = ka_strdup(&A, opts_nth(&O, "group", i));
    return ids;
}

/* group_ids, each once in first-seen order (as the admin client's map
 * collapses duplicates). */
static char **distinct_group_ids(int *n) {
    char **ids = group_ids(n);
    *n = tools_str_unique((const char **)ids, *n); /* n log n */
    return ids;
}

/* Sorted, without duplicates (the tool collects results in a TreeMap). */
static void sort_unique(char **ids, int *n) {
    qsort(ids, (size_t)*n, sizeof(char *), cmp_str);
    int k = 0;
    for (int i = 0; i < *n; i++)
        if (k == 0 || strcmp(ids[k - 1], ids[i]))
            ids[k++] = ids[i];
    *n = k;
}

/* Committed offsets in java.util.HashMap order (listConsumerGroupOffsets). */
static tpo *committed(const char *group, int *n) {
    ka_committed *c;
    int nc;
    if (ka_offset_fetch(&A, group, &c, &nc) != 0)
        fail_cmd();
    tpo *v = ka_alloc(&A, (size_t)(nc + 1) * sizeof(tpo));
    *n = 0;
    for (int i = 0; i < nc; i++)
        if (!c[i].err && c[i].offset >= 0)
            v[(*n)++] = (tpo){c[i].topic, c[i].partition, c[i].offset};
    java_map_order_tp(v, *n, 0);
    return v;
}

static const tpo *find_tpo(const tpo *v, int n, const char *topic, int32_t p) {
    for (int i = 0; i < n; i++)
        if (v[i].partition == p && !strcmp(v[i].topic, topic))
            return &v[i];
    return NULL;
}

/* ListOffsets for each v[i] at `ts` (-1 latest, -2 earliest, else a time);
 * out[i] = offset or -1 when unknown. */
static void list_offsets(const tpo *v, int n, int64_t ts, int64_t *out) {
    if (n == 0)
        return;
    ka_tp_offset *q = ka_alloc(&A, (size_t)n * sizeof(*q));
    ka_result *r = ka_alloc(&A, (size_t)n * sizeof(*r));
    for (int i = 0; i < n; i++)
        q[i] = (ka_tp_offset){v[i].topic, v[i].partition, ts};
    if (ka_list_offsets(&A, q, n, r) != 0)
        fail_cmd();
    for (int i = 0; i < n; i++)
        out[i] = r[i].err ? -1 : r[i].value;
}

/* ------------------------------------------------------------------------
 * --list
 * ---------------------------------------------------------------------- */
static void cmd_list(void) {
    ka_group_listing *l;
    int n;
    if (ka_list_groups(&A, &l, &n) != 0)
        fail_cmd();
    if (!opts_has(&O, "state")) {
        for (int i = 0; i < n; i++)
            if (!l[i].protocol_type || !*l[i].protocol_type || !strcmp(l[i].protocol_type, "consumer"))
                printf("%s\n", l[i].group_id);
        return;
    }
    /* Kafka 2.6+: GROUP STATE (states from DescribeGroups) */
    int w = 15;
    char **states = ka_alloc(&A, (size_t)(n + 1) * sizeof(char *));
    for (int i = 0; i < n; i++) {
        if (l[i].protocol_type && *l[i].protocol_type && strcmp(l[i].protocol_type, "consumer"))
            continue;
        ka_group g;
        states[i] = ka_describe_group(&A, l[i].group_id, &g) == 0 ? g.state : "Unknown";
        int len = (int)strlen(l[i].group_id);
        if (len > w)
            w = len;
    }
    printf("%-*s %s\n", w, "GROUP", "STATE");
    for (int i = 0; i < n; i++)
        if (states[i])
            printf("%-*s %s\n", w, l[i].group_id, states[i]);
}

/* ------------------------------------------------------------------------
 * --describe
 * ---------------------------------------------------------------------- */
/* shouldPrintMemberState: messages for Dead/Empty/rebalancing groups. */
static int should_print(const char *group, const char *state, int nrows) {
    char msg[600];
    if (!strcmp(state, "Dead")) {
        snprintf(msg, sizeof(msg), "Consumer group '%s' does not exist.", group);
        print_error(msg);
    } else if (!strcmp(state, "Empty")) {
        fflush(stdout);
        fprintf(stderr, "\nConsumer group '%s' has no active members.\n", group);
    } else if (!strcmp(state, "PreparingRebalance") || !strcmp(state, "CompletingRebalance")) {
        fflush(stdout);
        fprintf(stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", group);
    }
    return strcmp(state, "Dead") && nrows > 0;
}

typedef struct row {
    const char *topic; /* NULL: "-" */
    int32_t partition;
    int64_t offset, leo; /* -1: "-" */
    const char *consumer, *host, *client;
} row;

static void fmt_i64(char *b, size_t n, int64_t v) {
    if (v < 0)
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%lld", (long long)v);
}

static ka_assignment *member_assignments(const ka_group *g) {
    ka_assignment *as = ka_alloc(&A, (size_t)(g->nmembers + 1) * sizeof(*as));
    for (int i = 0; i < g->nmembers; i++)
        if (ka_parse_assignment(&A, g->members[i].assignment, (size_t)g->members[i].assignment_len, &as[i]) != 0)
            memset(&as[i], 0, sizeof(as[i]));
    return as;
}

/* Assignment as MemberAssignment's HashSet iterates it. */
static tpo *assignment_set(const ka_assignment *as, int *n) {
    tpo *v = ka_alloc(&A, (size_t)(as->n + 1) * sizeof(tpo));
    *n = 0;
    for (int i = 0; i < as->n; i++)
        if (!find_tpo(v, *n, as->topics[i], as->partitions[i]))
            v[(*n)++] = (tpo){as->topics[i], as->partitions[i], -1};
    int cap = (int)((float)*n / .75f) + 1;
    java_map_order_tp(v, *n, cap > 16 ? cap : 16);
    return v;
}

static int cmp_tpo_part(const void *x, const void *y) {
    const tpo *a = x, *b = y;
    return a->partition < b->partition ? -1 : a->partition > b->partition;
}

/* stable sort by partition (Scala's sortBy) */
static void sort_by_partition(tpo *v, int n) {
    for (int i = 1; i < n; i++) {
        tpo t = v[i];
        int j = i - 1;
        while (j >= 0 && cmp_tpo_part(&v[j], &t) > 0) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = t;
    }
}

static void describe_offsets(const char *group) {
    ka_group g;
    if (ka_describe_group(&A, group, &g) != 0)
        fail_cmd();
    int ncom;
    tpo *com = committed(group, &ncom);
    ka_assignment *as = member_assignments(&g);
    int cap = ncom + 16, nrows = 0;
    for (int i = 0; i < g.nmembers; i++)
        cap += as[i].n + 1;
    row *rows = ka_alloc(&A, (size_t)cap * sizeof(row));
    /* members with partitions, the most partitions first (stable) */
    int *ord = ka_alloc(&A, (size_t)(g.nmembers + 1) * sizeof(int));
    int nm = 0;
    for (int i = 0; i < g.nmembers; i++)
        if (as[i].n > 0)
            ord[nm++] = i;
    for (int i = 1; i < nm; i++) {
        int t = ord[i], j = i - 1;
        while (j >= 0 && as[ord[j]].n < as[t].n) {
            ord[j + 1] = ord[j];
            j--;
        }
        ord[j + 1] = t;
    }
    tpo *assigned = ka_alloc(&A, (size_t)cap * sizeof(tpo));
    int nassigned = 0;
    for (int k = 0; k < nm; k++) {
        const ka_member *m = &g.members[ord[k]];
        int n;
        tpo *v = assignment_set(&as[ord[k]], &n);
        for (int i = 0; i < n; i++)
            assigned[nassigned++] = v[i];
        sort_by_partition(v, n);
        scala_map_order(v, n); /* getLogEndOffsets(...).toMap */
        int64_t *leo = ka_alloc(&A, (size_t)(n + 1) * sizeof(int64_t));
        list_offsets(v, n, -1, leo);
        for (int i = 0; i < n; i++) {
            const tpo *c = find_tpo(com, ncom, v[i].topic, v[i].partition);
            rows[nrows++] = (row){v[i].topic, v[i].partition, c ? c->offset : -1, leo[i], m->member_id,
                                  m->client_host, m->client_id};
        }
    }
    for (int i = 0; i < ncom; i++) {
        if (find_tpo(assigned, nassigned, com[i].topic, com[i].partition))
            continue;
        int64_t leo;
        list_offsets(&com[i], 1, -1, &leo);
        rows[nrows++] = (row){com[i].topic, com[i].partition, com[i].offset, leo, "-", "-", "-"};
    }
    if (!should_print(group, g.state, nrows))
        return;
    int wg = 15, wt = 15, wc = 15, wh = 15;
    for (int i = 0; i < nrows; i++) {
        int l;
        if ((l = (int)strlen(group)) > wg)
            wg = l;
        if ((l = (int)strlen(rows[i].topic ? rows[i].topic : "-")) > wt)
            wt = l;
        if ((l = (int)strlen(rows[i].consumer)) > wc)
            wc = l;
        if ((l = (int)strlen(rows[i].host)) > wh)
            wh = l;
    }
    printf("\n%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", wg, "GROUP", wt, "TOPIC", "PARTITION",
           "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", wc, "CONSUMER-ID", wh, "HOST", "CLIENT-ID");
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        char part[16], off[32], leo[32], lag[32];
        snprintf(part, sizeof(part), "%d", r->partition);
        fmt_i64(off, sizeof(off), r->offset);
        fmt_i64(leo, sizeof(leo), r->leo);
        fmt_i64(lag, sizeof(lag), r->offset >= 0 && r->leo >= 0 ? r->leo - r->offset : -1);
        if (r->offset >= 0 && r->leo >= 0 && r->leo - r->offset < 0)
            snprintf(lag, sizeof(lag), "%lld", (long long)(r->leo - r->offset));
        printf("%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", wg, group, wt, r->topic ? r->topic : "-",
               r->topic ? part : "-", off, leo, lag, wc, r->consumer, wh, r->host, r->client);
    }
}

static int cmp_topic_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void describe_members(const char *group, int verbose) {
    ka_group g;
    if (ka_describe_group(&A, group, &g) != 0)
        fail_cmd();
    if (!should_print(group, g.state, g.nmembers))
        return;
    ka_assignment *as = member_assignments(&g);
    int wg = 15, wc = 15, wh = 15, wi = 15;
    for (int i = 0; i < g.nmembers; i++) {
        int l;
        if ((l = (int)strlen(group)) > wg)
            wg = l;
        if ((l = (int)strlen(g.members[i].member_id)) > wc)
            wc = l;
        if ((l = (int)strlen(g.members[i].client_host)) > wh)
            wh = l;
        if ((l = (int)strlen(g.members[i].client_id)) > wi)
            wi = l;
    }
    printf("\n%-*s %-*s %-*s %-*s %-15s ", wg, "GROUP", wc, "CONSUMER-ID", wh, "HOST", wi, "CLIENT-ID",
           "#PARTITIONS");
    if (verbose)
        printf("ASSIGNMENT");
    printf("\n");
    for (int i = 0; i < g.nmembers; i++) {
        const ka_member *m = &g.members[i];
        int n;
        tpo *v = assignment_set(&as[i], &n);
        char np[16];
        snprintf(np, sizeof(np), "%d", n);
        printf("%-*s %-*s %-*s %-*s %-15s ", wg, group, wc, m->member_id, wh, m->client_host, wi, m->client_id, np);
        if (verbose) {
            if (n == 0)
                printf("-");
            /* topic(p,p,..) per topic, sorted, joined by ", " */
            char **parts = ka_alloc(&A, (size_t)(n + 1) * sizeof(char *));
            int nparts = 0;
            for (int i2 = 0; i2 < n; i2++) {
                int seen = 0;
                for (int j = 0; j < i2; j++)
                    if (!strcmp(v[j].topic, v[i2].topic))
                        seen = 1;
                if (seen)
                    continue;
                int32_t *ps = ka_alloc(&A, (size_t)n * sizeof(int32_t));
                int k = 0;
                for (int j = 0; j < n; j++)
                    if (!strcmp(v[j].topic, v[i2].topic))
                        ps[k++] = v[j].partition;
                for (int a = 1; a < k; a++)
                    for (int b = a; b > 0 && ps[b - 1] > ps[b]; b--) {
                        int32_t t = ps[b];
                        ps[b] = ps[b - 1];
                        ps[b - 1] = t;
                    }
                size_t cap = strlen(v[i2].topic) + 3 + (size_t)k * 12;
                char *s = ka_alloc(&A, cap);
                size_t len = (size_t)snprintf(s, cap, "%s(", v[i2].topic);
                for (int j = 0; j < k; j++)
                    len += (size_t)snprintf(s + len, cap - len, "%s%d", j ? "," : "", ps[j]);
                snprintf(s + len, cap - len, ")");
                parts[nparts++] = s;
            }
            qsort(parts, (size_t)nparts, sizeof(char *), cmp_topic_str);
            for (int j = 0; j < nparts; j++)
                printf("%s%s", j ? ", " : "", parts[j]);
        }
        printf("\n");
    }
}

static void describe_state(const char *group) {
    ka_group g;
    if (ka_describe_group(&A, group, &g) != 0)
        fail_cmd();
    if (!should_print(group, g.state, 1))
        return;
    char coord[400];
    snprintf(coord, sizeof(coord), "%s:%d (%d)", g.coordinator.host, g.coordinator.port, g.coordinator.id);
    int w = (int)strlen(coord) > 25 ? (int)strlen(coord) : 25;
    printf("\n%-*s %-25s %-20s %-15s %s", w, "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS");
    printf("\n%-*s %-25s %-20s %-15s %d\n", w, group, coord, g.protocol ? g.protocol : "", g.state, g.nmembers);
}

static void cmd_describe(void) {
    int n;
    char **ids = group_ids(&n);
    sort_unique(ids, &n);
    for (int i = 0; i < n; i++) {
        if (opts_has(&O, "members") && !opts_has(&O, "offsets"))
            describe_members(ids[i], opts_has(&O, "verbose"));
        else if (opts_has(&O, "state") && !opts_has(&O, "offsets"))
            describe_state(ids[i]);
        else
            describe_offsets(ids[i]);
    }
}

/* ------------------------------------------------------------------------
 * --delete, --delete-offsets
 * ---------------------------------------------------------------------- */
static void cmd_delete(void) {
    int n;
    char **ids = distinct_group_ids(&n);
    ka_result *res = ka_alloc(&A, (size_t)(n + 1) * sizeof(*res));
    if (ka_delete_groups(&A, (const char *const *)ids, n, res) != 0)
        fail_cmd();
    int32_t *h = ka_alloc(&A, (size_t)(n + 1) * sizeof(int32_t));
    int *ord = ka_alloc(&A, (size_t)(n + 1) * sizeof(int));
    for (int i = 0; i < n; i++)
        h[i] = java_string_hash(ids[i]);
    java_hashmap_order(h, n, n, ord);
    int nfail = 0, nok = 0;
    for (int i = 0; i < n; i++)
        res[i].err ? nfail++ : nok++;
    if (nfail == 0) {
        printf("Deletion of requested consumer groups (");
        for (int i = 0, c = 0; i < n; i++)
            printf("%s'%s'", c++ ? ", " : "", ids[ord[i]]);
        printf(") was successful.\n");
        return;
    }
    print_error("Deletion of some consumer groups failed:");
    for (int i = 0; i < n; i++) {
        if (!res[ord[i]].err)
            continue;
        char b[512];
        printf("* Group '%s' could not be deleted due to: %s\n", ids[ord[i]],
               kerror_string(res[ord[i]].err, NULL, b, sizeof(b)));
    }
    if (nok) {
        printf("\nThese consumer groups were deleted successfully: ");
        for (int i = 0, c = 0; i < n; i++)
            if (!res[ord[i]].err)
                printf("%s'%s'", c++ ? ", " : "", ids[ord[i]]);
        printf("\n");
    }
}

/* Partitions of a topic from Metadata; NULL (err set) when unknown. */
static const ka_topic *topic_md(const char *topic, int16_t *err) {
    const char *names[1] = {topic};
    ka_metadata *md = ka_metadata_get(&A, names, 1);
    if (!md)
        fail_cmd();
    const ka_topic *t = ka_md_topic(md, topic);
    *err = !t ? 3 : t->err;
    return *err ? NULL : t;
}

/* "t:0,1" or "t" arguments as topic-partitions; unknown topics as (t,-1)
 * when allow_unknown, else the command fails. */
static tpo *topic_args(int *n, int allow_unknown) {
    int cap = 16;
    tpo *v = ka_alloc(&A, (size_t)cap * sizeof(tpo));
    *n = 0;
    for (int i = 0; i < opts_count(&O, "topic"); i++) {
        const char *arg = opts_nth(&O, "topic", i);
        const char *colon = strchr(arg, ':');
        char *topic = ka_strdup(&A, arg);
        int32_t *parts;
        int np = 0;
        if (colon) {
            topic[colon - arg] = 0;
            size_t most = 1; /* every partition listed, however many */
            for (const char *c = colon; *c; c++)
                most += *c == ',';
            parts = ka_alloc(&A, most * sizeof(int32_t));
            char *list = ka_strdup(&A, colon + 1), *save = NULL;
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (parse_i32(t, &parts[np]) != 0) {
                    snprintf(A.err, sizeof(A.err), "For input string: \"%s\"", t);
                    fail_cmd();
                }
                np++;
            }
        } else {
            int16_t err;
            const ka_topic *t = topic_md(topic, &err);
            parts = ka_alloc(&A, ((size_t)(t ? t->nparts : 0) + 1) * sizeof(int32_t));
            if (!t) {
                if (!allow_unknown) {
                    kerror_string(err, NULL, A.err, sizeof(A.err));
                    fail_cmd();
                }
                parts[np++] = -1;
            } else
                for (int j = 0; j < t->nparts; j++)
                    parts[np++] = t->parts[j].id;
        }
        if (*n + np >= cap) {
            int ncap = (*n + np) * 2 + 16;
            tpo *nv = ka_alloc(&A, (size_t)ncap * sizeof(tpo));
            memcpy(nv, v, (size_t)*n * sizeof(tpo));
            v = nv;
            cap = ncap;
        }
        for (int j = 0; j < np; j++)
            v[(*n)++] = (tpo){topic, parts[j], -1};
    }
    return v;
}

static int cmp_tp_string(const void *x, const void *y) {
    const tpo *a = x, *b = y;
    char sa[600], sb[600];
    snprintf(sa, sizeof(sa), "%s%d", a->topic, a->partition);
    snprintf(sb, sizeof(sb), "%s%d", b->topic, b->partition);
    return strcmp(sa, sb);
}

static void cmd_delete_offsets(void) {
    const char *group = opts_get(&O, "group");
    int n;
    tpo *v = topic_args(&n, 1);
    /* unknown topics are reported, the rest go to OffsetDelete */
    ka_tp_offset *q = ka_alloc(&A, (size_t)(n + 1) * sizeof(*q));
    ka_result *res = ka_alloc(&A, (size_t)(n + 1) * sizeof(*res));
    int nq = 0;
    for (int i = 0; i < n; i++)
        if (v[i].partition >= 0)
            q[nq++] = (ka_tp_offset){v[i].topic, v[i].partition, 0};
    int16_t top = 0;
    if (nq > 0 && ka_offset_delete(&A, group, q, nq, &top, res) != 0)
        fail_cmd();
    int16_t first_part_err = 0;
    for (int i = 0; i < nq; i++) {
        if (top)
            res[i].err = top;
        if (res[i].err && !first_part_err)
            first_part_err = res[i].err;
    }
    int16_t shown = top ? top : first_part_err;
    char msg[1200];
    switch (shown) {
    case 0: {
        printf("Request succeed for deleting offsets with topic ");
        for (int i = 0; i < opts_count(&O, "topic"); i++)
            printf("%s%s", i ? ", " : "", opts_nth(&O, "topic", i));
        printf(" group %s\n", group);
        break;
    }
    case 24:
        snprintf(msg, sizeof(msg), "'%s' is not valid.", group);
        print_error(msg);
        break;
    case 69:
        snprintf(msg, sizeof(msg), "'%s' does not exist.", group);
        print_error(msg);
        break;
    case 30:
        snprintf(msg, sizeof(msg), "Access to '%s' is not authorized.", group);
        print_error(msg);
        break;
    case 68:
        snprintf(msg, sizeof(msg),
                 "Deleting offsets of a consumer group '%s' is forbidden if the group is not empty.", group);
        print_error(msg);
        break;
    case 86:
    case 29:
    case 3:
        print_error("Encounter some partition level error, see the follow-up details:");
        break;
    default: {
        const kerror_info *ki = kerror_lookup(shown);
        snprintf(msg, sizeof(msg), "Encounter some unknown error: %s", ki ? ki->name : "UNKNOWN_SERVER_ERROR");
        print_error(msg);
    }
    }
    /* rows: partitionLevelResult sorted by topic + partition */
    tpo *rows = ka_alloc(&A, (size_t)(n + 1) * sizeof(tpo));
    int16_t *errs = ka_alloc(&A, (size_t)(n + 1) * sizeof(int16_t));
    int nr = 0;
    for (int i = 0; i < n; i++) {
        if (find_tpo(rows, nr, v[i].topic, v[i].partition))
            continue;
        rows[nr] = v[i];
        rows[nr].offset = nr; /* index into errs */
        errs[nr] = 3;
        for (int j = 0; j < nq; j++)
            if (v[i].partition >= 0 && q[j].partition == v[i].partition && !strcmp(q[j].topic, v[i].topic))
                errs[nr] = res[j].err;
        nr++;
    }
    qsort(rows, (size_t)nr, sizeof(tpo), cmp_tp_string);
    printf("\n%-30s %-15s %-15s\n", "TOPIC", "PARTITION", "STATUS");
    for (int i = 0; i < nr; i++) {
        char part[32], status[600];
        if (rows[i].partition >= 0)
            snprintf(part, sizeof(part), "%d", rows[i].partition);
        else
            snprintf(part, sizeof(part), "Not Provided");
        int16_t e = errs[rows[i].offset];
        if (e) {
            char b[512];
            snprintf(status, sizeof(status), "Error: %s", kerror_string(e, NULL, b, sizeof(b)));
        } else
            snprintf(status, sizeof(status), "Successful");
        printf("%-30s %-15s %-15s\n", rows[i].topic, part, status);
    }
}

/* ------------------------------------------------------------------------
 * --reset-offsets
 * ---------------------------------------------------------------------- */
static const char *const scenarios[] = {"to-offset", "shift-by", "to-datetime", "by-duration",
                                        "to-earliest", "to-latest", "to-current", "from-file", NULL};

/* SimpleDateFormat "yyyy-MM-dd'T'HH:mm:ss.SSS" + XXX/X zone (UTC if none). */
static int parse_datetime(const char *s, int64_t *ms) {
    int y, mo, d, h, mi, se, frac, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%n", &y, &mo, &d, &h, &mi, &se, &frac, &n) != 7)
        return -1;
    const char *z = s + n;
    int off = 0;
    if (!*z || !strcmp(z, "Z"))
        off = 0;
    else if (*z == '+' || *z == '-') {
        int zh = 0, zm = 0;
        if (sscanf(z + 1, "%2d:%2d", &zh, &zm) == 2 || sscanf(z + 1, "%2d%2d", &zh, &zm) >= 1)
            off = (zh * 60 + zm) * 60 * (*z == '-' ? -1 : 1);
        else
            return -1;
    } else
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *ms = ((int64_t)timegm(&tm) - off) * 1000 + frac;
    return 0;
}

/* java.time.Duration.parse: [-]PnDTnHnMn.nS */
static int parse_duration(const char *s, int64_t *ms) {
    int neg = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (toupper((unsigned char)*s++) != 'P')
        return -1;
    double total = 0;
    int in_time = 0, any = 0;
    while (*s) {
        if (toupper((unsigned char)*s) == 'T') {
            if (in_time)
                return -1;
            in_time = 1;
            s++;
            continue;
        }
        char *end;
        double v = strtod(s, &end);
        if (end == s)
            return -1;
        char u = (char)toupper((unsigned char)*end);
        if (u == 'D' && !in_time)
            total += v * 86400000.0;
        else if (u == 'H' && in_time)
            total += v * 3600000.0;
        else if (u == 'M' && in_time)
            total += v * 60000.0;
        else if (u == 'S' && in_time)
            total += v * 1000.0;
        else
            return -1;
        any = 1;
        s = end + 1;
    }
    if (!any)
        return -1;
    *ms = (int64_t)(neg ? -total : total);
    return 0;
}

static int64_t wall_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void tp_name(char *b, size_t n, const tpo *t) { snprintf(b, n, "%s-%d", t->topic, t->partition); }

/* checkOffsetsRange: clamp into [log start, log end] with Kafka's warnings. */
static void check_range(tpo *v, int n) {
    int64_t *lso = ka_alloc(&A, (size_t)(n + 1) * sizeof(int64_t));
    int64_t *leo = ka_alloc(&A, (size_t)(n + 1) * sizeof(int64_t));
    list_offsets(v, n, -2, lso);
    list_offsets(v, n, -1, leo);
    for (int i = 0; i < n; i++) {
        char tp[600], msg[800];
        tp_name(tp, sizeof(tp), &v[i]);
        if (leo[i] >= 0 && v[i].offset > leo[i]) {
            snprintf(msg, sizeof(msg),
                     "New offset (%lld) is higher than latest offset for topic partition %s. Value will be set to %lld",
                     (long long)v[i].offset, tp, (long long)leo[i]);
            log4j_warn(msg);
            v[i].offset = leo[i];
        } else if (lso[i] >= 0 && v[i].offset < lso[i]) {
            snprintf(msg, sizeof(msg),
                     "New offset (%lld) is lower than earliest offset for topic partition %s. Value will be set to %lld",
                     (long long)v[i].offset, tp, (long long)lso[i]);
            log4j_warn(msg);
            v[i].offset = lso[i];
        }
    }
}

static void usage_tp(const char *what, const tpo *t) __attribute__((noreturn));
static void usage_tp(const char *what, const tpo *t) {
    char tp[600], msg[800];
    tp_name(tp, sizeof(tp), t);
    snprintf(msg, sizeof(msg), "Error getting %s of topic partition: %s", what, tp);
    opts_die(&O, msg);
}

/* CSV plan: "topic,partition,offset" (one group) or "group,topic,partition,offset". */
static tpo *plan_for(const char *group, int *n, int *found) {
    const char *path = opts_get(&O, "from-file");
    size_t len;
    char *text = tools_read_file(path, &len);
    if (!text) {
        snprintf(A.err, sizeof(A.err), "%s (No such file or directory)", path);
        fail_cmd();
    }
    ka_tp_offset *plan;
    *found = tools_reset_plan_csv(&A, text, len, group,
                                  opts_count(&O, "group") == 1 ? opts_get(&O, "group") : NULL, &plan, n);
    free(text);
    tpo *v = ka_alloc(&A, (size_t)(*n + 1) * sizeof(tpo));
    for (int i = 0; i < *n; i++)
        v[i] = (tpo){ka_strdup(&A, plan[i].topic), plan[i].partition, plan[i].offset};
    return v;
}

/* prepareOffsetsToReset: the new offsets of one inactive group. */
static tpo *prepare(const char *group, int *n) {
    tpo *v;
    if (opts_has(&O, "from-file")) {
        int found;
        v = plan_for(group, n, &found);
        if (!found) {
            char msg[600];
            snprintf(msg, sizeof(msg), "No reset plan for group %s found", group);
            print_error(msg);
            *n = 0;
            return v;
        }
        check_range(v, *n);
        scala_map_order(v, *n);
        return v;
    }
    if (opts_has(&O, "all-topics"))
        v = committed(group, n);
    else if (opts_has(&O, "topic"))
        v = topic_args(n, 0);
    else
        opts_die(&O, "One of the reset scopes should be defined: --all-topics, --topic.");
    int64_t *x = ka_alloc(&A, (size_t)(*n + 1) * sizeof(int64_t));
    if (opts_has(&O, "to-offset")) {
        int64_t off;
        if (parse_i64(opts_get(&O, "to-offset"), &off) != 0) {
            char msg[600];
            snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option to-offset", opts_get(&O, "to-offset"));
            opts_die(&O, msg);
        }
        for (int i = 0; i < *n; i++)
            v[i].offset = off;
        check_range(v, *n);
    } else if (opts_has(&O, "to-earliest") || opts_has(&O, "to-latest")) {
        int earliest = opts_has(&O, "to-earliest");
        list_offsets(v, *n, earliest ? -2 : -1, x);
        for (int i = 0; i < *n; i++) {
            if (x[i] < 0)
                usage_tp(earliest ? "starting offset" : "ending offset", &v[i]);
            v[i].offset = x[i];
        }
    } else if (opts_has(&O, "shift-by")) {
        int64_t by;
        if (parse_i64(opts_get(&O, "shift-by"), &by) != 0) {
            char msg[600];
            snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option shift-by", opts_get(&O, "shift-by"));
            opts_die(&O, msg);
        }
        int nc;
        tpo *com = committed(group, &nc);
        for (int i = 0; i < *n; i++) {
            const tpo *c = find_tpo(com, nc, v[i].topic, v[i].partition);
            if (!c) {
                char tp[600];
                tp_name(tp, sizeof(tp), &v[i]);
                snprintf(A.err, sizeof(A.err),
                         "Cannot shift offset for partition %s since there is no current committed offset", tp);
                fail_cmd();
            }
            v[i].offset = c->offset + by;
        }
        check_range(v, *n);
    } else if (opts_has(&O, "to-datetime") || opts_has(&O, "by-duration")) {
        int64_t ts;
        if (opts_has(&O, "to-datetime")) {
            if (parse_datetime(opts_get(&O, "to-datetime"), &ts) != 0) {
                snprintf(A.err, sizeof(A.err), "Unparseable date: \"%s\"", opts_get(&O, "to-datetime"));
                fail_cmd();
            }
        } else {
            int64_t d;
            if (parse_duration(opts_get(&O, "by-duration"), &d) != 0) {
                snprintf(A.err, sizeof(A.err), "Text cannot be parsed to a Duration");
                fail_cmd();
            }
            ts = wall_ms() - d;
        }
        list_offsets(v, *n, ts, x);
        int64_t *leo = ka_alloc(&A, (size_t)(*n + 1) * sizeof(int64_t));
        list_offsets(v, *n, -1, leo);
        for (int i = 0; i < *n; i++) {
            int64_t o = x[i] >= 0 ? x[i] : leo[i];
            if (o < 0)
                usage_tp("offset by timestamp", &v[i]);
            v[i].offset = o;
        }
    } else if (opts_has(&O, "to-current")) {
        int nc;
        tpo *com = committed(group, &nc);
        /* partitions with a committed offset first, then the others at LEO */
        tpo *out = ka_alloc(&A, (size_t)(*n + 1) * sizeof(tpo));
        tpo *rest = ka_alloc(&A, (size_t)(*n + 1) * sizeof(tpo));
        int no = 0, nr = 0;
        for (int i = 0; i < *n; i++) {
            const tpo *c = find_tpo(com, nc, v[i].topic, v[i].partition);
            if (c)
                out[no++] = (tpo){v[i].topic, v[i].partition, c->offset};
            else
                rest[nr++] = v[i];
        }
        list_offsets(rest, nr, -1, x);
        for (int i = 0; i < nr; i++) {
            if (x[i] < 0)
                usage_tp("ending offset", &rest[i]);
            rest[i].offset = x[i];
            out[no++] = rest[i];
        }
        v = out;
    } else {
        opts_die(&O, "Option '[reset-offsets]' requires one of the following scenarios: [[to-offset], [shift-by], "
                     "[to-datetime], [by-duration], [to-earliest], [to-latest], [to-current], [from-file]]");
    }
    scala_map_order(v, *n);
    return v;
}

static void cmd_reset(void) {
    int ng;
    char **ids = distinct_group_ids(&ng);
    /* describedGroups(): a java.util.HashMap keyed by group id */
    int32_t *h = ka_alloc(&A, (size_t)(ng + 1) * sizeof(int32_t));
    int *ord = ka_alloc(&A, (size_t)(ng + 1) * sizeof(int));
    for (int i = 0; i < ng; i++)
        h[i] = java_string_hash(ids[i]);
    java_hashmap_order(h, ng, ng, ord);
    int execute = opts_has(&O, "execute");
    tpo **plans = ka_alloc(&A, (size_t)(ng + 1) * sizeof(tpo *));
    int *nplans = ka_alloc(&A, (size_t)(ng + 1) * sizeof(int));
    for (int gi = 0; gi < ng; gi++) {
        const char *group = ids[ord[gi]];
        ka_group g;
        if (ka_describe_group(&A, group, &g) != 0)
            fail_cmd();
        if (strcmp(g.state, "Empty") && strcmp(g.state, "Dead")) {
            char msg[700];
            snprintf(msg, sizeof(msg),
                     "Assignments can only be reset if the group '%s' is inactive, but the current state is %s.",
                     group, g.state);
            print_error(msg);
            plans[gi] = NULL;
            nplans[gi] = 0;
            continue;
        }
        int n;
        tpo *v = prepare(group, &n);
        if (execute && n > 0) {
            ka_tp_offset *q = ka_alloc(&A, (size_t)n * sizeof(*q));
            ka_result *r = ka_alloc(&A, (size_t)n * sizeof(*r));
            for (int i = 0; i < n; i++)
                q[i] = (ka_tp_offset){v[i].topic, v[i].partition, v[i].offset};
            if (ka_offset_commit(&A, group, q, n, r) != 0)
                fail_cmd();
            for (int i = 0; i < n; i++)
                if (r[i].err) {
                    kerror_string(r[i].err, NULL, A.err, sizeof(A.err));
                    fail_cmd();
                }
        }
        plans[gi] = v;
        nplans[gi] = n;
    }
    if (opts_has(&O, "export")) {
        int single = opts_count(&O, "group") == 1;
        for (int gi = 0; gi < ng; gi++)
            for (int i = 0; i < nplans[gi]; i++) {
                if (!single)
                    printf("%s,", ids[ord[gi]]);
                printf("%s,%d,%lld\n", plans[gi][i].topic, plans[gi][i].partition, (long long)plans[gi][i].offset);
            }
        printf("\n");
        return;
    }
    if (ng > 0)
        printf("\n%-30s %-30s %-10s %-15s\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (int gi = 0; gi < ng; gi++)
        for (int i = 0; i < nplans[gi]; i++) {
            char part[16], off[32];
            snprintf(part, sizeof(part), "%d", plans[gi][i].partition);
            snprintf(off, sizeof(off), "%lld", (long long)plans[gi][i].offset);
            printf("%-30s %-30s %-10s %-15s\n", ids[ord[gi]], plans[gi][i].topic, part, off);
        }
}

/* ------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------- */
static void need_scope(const char *action) {
    if (opts_has(&O, action) && !opts_has(&O, "group") && !opts_has(&O, "all-groups")) {
        char msg[200];
        snprintf(msg, sizeof(msg), "Option [%s] takes one of these options: [group], [all-groups]", action);
        opts_die(&O, msg);
    }
}

int main(int argc, char **argv) {
    opts_parse(&O, specs, argc, argv,
               "This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or "
               "reset consumer group offsets.",
               1);
    /* joptsimple availableIf(describe) / mutuallyExclusive */
    static const char *const sub[] = {"members", "verbose", "offsets", "state"};
    for (int i = 0; i < 4; i++)
        if (opts_has(&O, sub[i]) && !opts_has(&O, "describe") &&
            !(i == 3 && opts_has(&O, "list"))) { /* --list --state: Kafka 2.6+ */
            char msg[200];
            snprintf(msg, sizeof(msg), "Option %s can only be used with [describe]", sub[i]);
            (void)msg;
            snprintf(msg, sizeof(msg), "Option(s) [%s] are unavailable given other options on the command line",
                     sub[i]);
            opts_die(&O, msg);
        }
    int nsub = opts_has(&O, "members") + opts_has(&O, "offsets") + opts_has(&O, "state");
    if (nsub > 1 && opts_has(&O, "describe")) {
        const char *first = NULL;
        for (int i = 0; i < O.nhits; i++) {
            const char *nm = O.specs[O.hits[i].spec].name;
            if (!strcmp(nm, "members") || !strcmp(nm, "offsets") || !strcmp(nm, "state")) {
                first = nm;
                break;
            }
        }
        char msg[300];
        snprintf(msg, sizeof(msg), "Option(s) [%s] are unavailable given other options on the command line",
                 first ? first : "members");
        opts_die(&O, msg);
    }
    int actions = opts_has(&O, "list") + opts_has(&O, "describe") + opts_has(&O, "delete") +
                  opts_has(&O, "reset-offsets") + opts_has(&O, "delete-offsets");
    if (actions != 1)
        opts_die(&O, "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, "
                     "--delete-offsets");
    opts_require(&O, "bootstrap-server");
    need_scope("describe");
    if (opts_has(&O, "delete")) {
        need_scope("delete");
        if (opts_has(&O, "topic"))
            opts_die(&O, "The consumer does not support topic-specific offset deletion from a consumer group.");
    }
    if (opts_has(&O, "delete-offsets") && (!opts_has(&O, "group") || !opts_has(&O, "topic")))
        opts_die(&O, "Option [delete-offsets] takes the following options: [group], [topic]");
    if (opts_has(&O, "reset-offsets")) {
        if (opts_has(&O, "dry-run") && opts_has(&O, "execute"))
            opts_die(&O, "Option [reset-offsets] only accepts one of [execute] and [dry-run]");
        if (!opts_has(&O, "dry-run") && !opts_has(&O, "execute"))
            fprintf(stderr,
                    "WARN: No action will be performed as the --execute option is missing.In a future major release, "
                    "the default behavior of this command will be to prompt the user before executing the reset rather "
                    "than doing a dry run. You should add the --dry-run option explicitly if you are scripting this "
                    "command and want to keep the current default behavior without prompting.\n");
        need_scope("reset-offsets");
        for (int i = 0; scenarios[i]; i++)
            for (int j = 0; scenarios[j]; j++)
                if (i != j)
                    opts_invalid(&O, scenarios[i], scenarios[j]);
    }
    opts_invalid(&O, "group", "all-groups");
    opts_invalid(&O, "group", "list");
    opts_invalid(&O, "topic", "list");
    opts_invalid(&O, "topic", "describe");

    int64_t timeout = 5000;
    if (opts_has(&O, "timeout") && parse_i64(opts_get(&O, "timeout"), &timeout) != 0) {
        char msg[300];
        snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option timeout", opts_get(&O, "timeout"));
        opts_die(&O, msg);
    }
    /* ConsumerGroupService creates its AdminClient (request.timeout.ms,
     * default.api.timeout.ms and their KIP-533 check) before its try: a
     * ConfigException ends the tool uncaught */
    if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "command-config")) != 0) {
        char msg[1200];
        snprintf(msg, sizeof(msg),
                 "Failed to create new KafkaAdminClient\n"
                 "Caused by: org.apache.kafka.common.config.ConfigException: %s", A.err);
        tools_die_exception("org.apache.kafka.common.KafkaException", msg);
    }
    /* withTimeoutMs: each call's deadline is --timeout, whatever
     * default.api.timeout.ms says; no request outlives its call */
    A.timeout_ms = timeout > INT_MAX ? INT_MAX : timeout < 1 ? 1 : (int)timeout;
    if (A.request_timeout_ms > A.timeout_ms)
        A.request_timeout_ms = A.timeout_ms;
    if (opts_has(&O, "list"))
        cmd_list();
    else if (opts_has(&O, "describe"))
        cmd_describe();
    else if (opts_has(&O, "delete"))
        cmd_delete();
    else if (opts_has(&O, "reset-offsets"))
        cmd_reset();
    else
        cmd_delete_offsets();
    fflush(stdout);
    ka_close(&A);
    opts_free(&O);
    return 0;
}
