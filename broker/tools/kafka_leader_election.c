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
    if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "admin.config")) != 0)
        tools_die_exception("org.apache.kafka.common.config.ConfigException", A.err);

    ka_tp_offset *tps = NULL;
    int n = 0;
    if (opts_has(&O, "path-to-json-file")) {
        tps = tools_tp_file(&A, opts_get(&O, "path-to-json-file"), tools_election_json, 0, &n);
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
    char done[96], error[96];
    snprintf(done, sizeof(done), "Successfully completed leader election (%s) for partitions ", type_name);
    snprintf(error, sizeof(error), "Error completing leader election (%s) for partition: ", type_name);
    const election_text text = {done, "Valid replica already elected for partitions ", error, "replica(s)"};
    tools_election_run(&A, type, tps, n, A.request_timeout_ms, &text);
    ka_close(&A);
    opts_free(&O);
    return 0;
}
