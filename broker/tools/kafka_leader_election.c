/* kafka_leader_election.c -- kafka-leader-election.sh (KIP-460): asks the
 * controller for preferred or unclean leader elections (ElectLeaders) on
 * one partition, the partitions of a JSON file
 *
 *   {"partitions": [{"topic": "foo", "partition": 1}, {"topic": "bar", "partition": 2}]}
 *
 * or every partition, and reports as Apache Kafka 2.5's
 * LeaderElectionCommand does:
 *
 *   Successfully completed leader election (PREFERRED) for partitions foo-1, bar-2
 *   Valid replica already elected for partitions ...
 *   Error completing leader election (PREFERRED) for partition: foo-1: <exception>
 *
 * (the "already elected" line lists the succeeded partitions, as 2.5's
 * does). Partitions are listed in java.util.HashMap order. Any failed
 * partition ends with AdminCommandFailedException and exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "tools.h"

static const opt_spec specs[] = {
    {"admin.config", OPT_ARG, "config file", "Configuration properties files to pass to the admin client"},
    {"all-topic-partitions", OPT_FLAG, NULL, "Perform election on all of the topic partitions. Not allowed if --topic or --path-to-json-file is specified."},
    {"bootstrap-server", OPT_ARG, "host:port", "A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED."},
    {"election-type", OPT_ARG, "election type", "Type of election to attempt. Possible values are \"preferred\" for preferred leader election or \"unclean\" for unclean leader election. REQUIRED."},
    {"partition", OPT_ARG, "partition id", "Partition id for which to perform an election. REQUIRED if --topic is specified."},
    {"path-to-json-file", OPT_ARG, "Path to JSON file", "The JSON file with the list  of partition for which leader elections should be performed. This is an example format. \n{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t {\"topic\": \"foobar\", \"partition\": 2}]\n}\nNot allowed if --all-topic-partitions or --topic flags are specified."},
    {"topic", OPT_ARG, "topic name", "Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified."},
    {NULL, 0, NULL, NULL},
};

/* Kafka's parseReplicaElectionData. */
static ka_tp_offset *parse_json_file(kadmin *A, const char *path, int *n) {
    size_t len;
    char *text = tools_read_file(path, &len);
    if (!text)
        tools_die_exception("java.nio.file.NoSuchFileException", path);
    json *js = json_parse(text, len);
    free(text);
    if (!js)
        tools_die_exception("kafka.admin.AdminOperationException", "Replica election data is empty");
    const json *parts = js->type == JSON_OBJECT ? json_get(js, "partitions") : NULL;
    if (!parts)
        tools_die_exception("kafka.admin.AdminOperationException", "Replica election data is missing \"partition\" field");
    if (parts->type != JSON_ARRAY)
        tools_die_exception("kafka.utils.json.JsonMappingException", "Expected JSON array");
    ka_tp_offset *tps = ka_alloc(A, (size_t)(parts->n + 1) * sizeof(*tps));
    for (int i = 0; i < parts->n; i++) {
        const json *p = parts->items[i];
        const json *t = p->type == JSON_OBJECT ? json_get(p, "topic") : NULL;
        const json *pa = p->type == JSON_OBJECT ? json_get(p, "partition") : NULL;
        int64_t pv;
        if (!t || t->type != JSON_STRING)
            tools_die_exception("kafka.utils.json.JsonMappingException", "No such field exists: `topic`");
        if (!pa || pa->type != JSON_NUMBER || json_int(pa, &pv) != 0 || pv < INT32_MIN ||
            pv > INT32_MAX)
            tools_die_exception("kafka.utils.json.JsonMappingException", "No such field exists: `partition`");
        tps[i].topic = ka_strdup(A, json_str(t));
        tps[i].partition = (int32_t)pv;
    }
    *n = parts->n;
    json_free(js);
    char dup[4096];
    if (tools_tp_duplicates(tps, *n, dup, sizeof(dup))) {
        char msg[4200];
        snprintf(msg, sizeof(msg), "Replica election data contains duplicate partitions: %s", dup);
        tools_die_exception("kafka.admin.AdminOperationException", msg);
    }
    return tps;
}

/* Prints "t-0, t-1" for the results whose error satisfies want, in HashMap order. */
static int print_set(const ka_result *res, const int *order, int n, int (*want)(int16_t)) {
    int printed = 0;
    for (int k = 0; k < n; k++) {
        const ka_result *r = &res[order[k]];
        if (!want(r->err))
            continue;
        printf("%s%s-%d", printed ? ", " : "", r->name, r->partition);
        printed++;
    }
    return printed;
}

static int is_ok(int16_t e) { return e == 0; }

int main(int argc, char **argv) {
    opts O;
    kadmin A;
    opts_parse(&O, specs, argc, argv,
               "This tool attempts to elect a new leader from a set of topic partitions. The type "
               "of elections supported are preferred replicas and unclean replicas.",
               1);
    if (!opts_has(&O, "bootstrap-server") || !opts_has(&O, "election-type")) {
        char msg[128];
        snprintf(msg, sizeof(msg), "Missing required option(s) [%s]",
                 !opts_has(&O, "bootstrap-server")
                     ? (!opts_has(&O, "election-type") ? "bootstrap-server, election-type"
                                                       : "bootstrap-server")
                     : "election-type");
        tools_die_exception("joptsimple.MissingRequiredOptionsException", msg);
    }
    if (opts_has(&O, "topic") && opts_has(&O, "path-to-json-file"))
        tools_die_exception("joptsimple.UnavailableOptionException",
                "Option(s) [topic] are unavailable given other options on the command line");
    if (opts_has(&O, "topic") && !opts_has(&O, "partition"))
        tools_die_exception("joptsimple.MissingRequiredOptionsException", "Missing required option(s) [partition]");
    if (!opts_has(&O, "topic") && !opts_has(&O, "path-to-json-file") &&
        !opts_has(&O, "all-topic-partitions"))
        tools_die_exception("joptsimple.MissingRequiredOptionsException",
                "Missing required option(s) [all-topic-partitions]");
    const char *type_arg = opts_get(&O, "election-type");
    int8_t type;
    const char *type_name;
    if (!strcasecmp(type_arg, "preferred")) {
        type = 0;
        type_name = "PREFERRED";
    } else if (!strcasecmp(type_arg, "unclean")) {
        type = 1;
        type_name = "UNCLEAN";
    } else {
        char msg[256];
        snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option election-type", type_arg);
        tools_die_exception("joptsimple.OptionArgumentConversionException", msg);
    }
    int timeout = tools_command_config_timeout(opts_get(&O, "admin.config"), 30000);
    if (ka_init(&A, opts_get(&O, "bootstrap-server"), timeout) != 0)
        tools_die_exception("org.apache.kafka.common.config.ConfigException", A.err);

    ka_tp_offset *tps = NULL;
    int n = 0;
    if (opts_has(&O, "path-to-json-file")) {
        tps = parse_json_file(&A, opts_get(&O, "path-to-json-file"), &n);
    } else if (opts_has(&O, "topic")) {
        int32_t p;
        if (parse_i32(opts_get(&O, "partition"), &p) != 0) {
            char msg[256];
            snprintf(msg, sizeof(msg), "Cannot parse argument '%s' of option partition",
                     opts_get(&O, "partition"));
            tools_die_exception("joptsimple.OptionArgumentConversionException", msg);
        }
        tps = ka_alloc(&A, sizeof(*tps));
        tps[0].topic = opts_get(&O, "topic");
        tps[0].partition = p;
        n = 1;
    }
    ka_result *res = NULL;
    int got = ka_elect_leaders(&A, type, tps, n, timeout, &res);
    if (got < 0) {
        printf("Error while making request\n");
        fflush(stdout);
        fprintf(stderr, "%s\n", A.err);
        ka_close(&A);
        return 0; /* 2.5 prints the error and returns normally */
    }
    int32_t *h = ka_alloc(&A, (size_t)(got + 1) * sizeof(int32_t));
    int *order = ka_alloc(&A, (size_t)(got + 1) * sizeof(int));
    int nok = 0, nnoop = 0, nfail = 0;
    for (int i = 0; i < got; i++) {
        h[i] = java_tp_hash(res[i].name, res[i].partition);
        nok += res[i].err == 0;
        nnoop += res[i].err == 84; /* ELECTION_NOT_NEEDED */
        nfail += res[i].err != 0 && res[i].err != 84;
    }
    java_hashmap_order(h, got, got, order);
    if (nok) {
        printf("Successfully completed leader election (%s) for partitions ", type_name);
        print_set(res, order, got, is_ok);
        printf("\n");
    }
    if (nnoop) {
        printf("Valid replica already elected for partitions ");
        print_set(res, order, got, is_ok);
        printf("\n");
    }
    if (nfail) {
        for (int k = 0; k < got; k++) {
            const ka_result *r = &res[order[k]];
            if (r->err == 0 || r->err == 84)
                continue;
            char b[1024];
            printf("Error completing leader election (%s) for partition: %s-%d: %s\n", type_name,
                   r->name, r->partition, kerror_string(r->err, r->msg, b, sizeof(b)));
        }
        char msg[64];
        snprintf(msg, sizeof(msg), "%d replica(s) could not be elected", nfail);
        ka_close(&A);
        tools_die_exception("kafka.common.AdminCommandFailedException", msg);
    }
    ka_close(&A);
    opts_free(&O);
    return 0;
}
