/* tools_election.c -- what kafka-leader-election.sh and
 * kafka-preferred-replica-election.sh share (see tools.h): running
 * ElectLeaders with the report of Kafka's LeaderElectionCommand /
 * AdminClientCommand (their partitions file: tools_election_json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

/* Prints "t-0, t-1" for the succeeded results, in HashMap order. */
static void print_succeeded(const ka_result *res, const int *order, int n) {
    int printed = 0;
    for (int k = 0; k < n; k++) {
        const ka_result *r = &res[order[k]];
        if (r->err)
            continue;
        printf("%s%s-%d", printed ? ", " : "", r->name, r->partition);
        printed++;
    }
}

void tools_election_run(kadmin *a, int8_t type, const ka_tp_offset *tps, int n, int timeout_ms,
                        const election_text *text) {
    ka_result *res = NULL;
    int got = ka_elect_leaders(a, type, tps, n, timeout_ms, &res);
    if (got < 0) {
        printf("Error while making request\n");
        fflush(stdout);
        fprintf(stderr, "%s\n", a->err);
        return; /* 2.5 prints the error and returns normally */
    }
    int32_t *h = ka_alloc(a, (size_t)(got + 1) * sizeof(int32_t));
    int *order = ka_alloc(a, (size_t)(got + 1) * sizeof(int));
    int nok = 0, nnoop = 0, nfail = 0;
    for (int i = 0; i < got; i++) {
        h[i] = java_tp_hash(res[i].name, res[i].partition);
        nok += res[i].err == 0;
        nnoop += res[i].err == 84; /* ELECTION_NOT_NEEDED */
        nfail += res[i].err != 0 && res[i].err != 84;
    }
    java_hashmap_order(h, got, got, order);
    if (nok) {
        printf("%s", text->done);
        print_succeeded(res, order, got);
        printf("\n");
    }
    if (nnoop) {
        printf("%s", text->noop);
        print_succeeded(res, order, got);
        printf("\n");
    }
    if (!nfail)
        return;
    for (int k = 0; k < got; k++) {
        const ka_result *r = &res[order[k]];
        if (r->err == 0 || r->err == 84)
            continue;
        char b[1024];
        printf("%s%s-%d: %s\n", text->error, r->name, r->partition,
               kerror_string(r->err, r->msg, b, sizeof(b)));
    }
    char msg[128];
    snprintf(msg, sizeof(msg), "%d %s could not be elected", nfail, text->failed_what);
    ka_close(a);
    tools_die_exception("kafka.common.AdminCommandFailedException", msg);
}
