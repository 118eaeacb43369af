/* tools_inputs.c -- libFuzzer target: the files the tools read
 * (broker/tools/tools_inputs.c): kafka-leader-election and
 * kafka-preferred-replica-election --path-to-json-file,
 * kafka-delete-records --offset-json-file and kafka-consumer-groups
 * --reset-offsets --from-file (CSV, with one --group and with several),
 * kafka-reassign-partitions --reassignment-json-file (as --verify and as
 * --execute reads it) and --topics-to-move-json-file.
 * Each input is given to every parser. A bad file must give the exception
 * Kafka's tool prints (a class and a message), never a crash, a sanitizer
 * report, a leak or a stall; a good one, partitions whose topics are
 * strings and, for the JSON files, no partition twice (--execute: no
 * replica twice in a list, none empty; topics to move: no topic twice).
 * The tools' properties files (--command-config, --producer.config) are
 * the props target's; their option values, the tools_args target's. */
#include "fuzz.h"
#include "tools.h"

static void check_unique(const ka_tp_offset *tps, int n, const char *what) {
    char dup[64];
    for (int i = 0; i < n; i++)
        if (!tps[i].topic) {
            fprintf(stderr, "%s: partition %d has no topic\n", what, i);
            abort();
        }
    if (tools_tp_duplicates(tps, n, dup, sizeof dup)) {
        fprintf(stderr, "%s: accepted a partition twice: %s\n", what, dup);
        abort();
    }
}

static void check_error(const tools_input_error *e, const char *what) {
    if (!e->exception || strncmp(e->exception, "kafka.", 6) || !e->message[0]) {
        fprintf(stderr, "%s: rejected without an exception and a message\n", what);
        abort();
    }
}

static void check_reassignment(kadmin *a, const char *text, size_t size) {
    for (int execute = 0; execute < 2; execute++) {
        tools_reassignment *r;
        int n;
        tools_input_error e;
        memset(&e, 0, sizeof e);
        if (tools_reassignment_json(a, text, size, execute, &r, &n, &e) != 0) {
            check_error(&e, "reassignment json");
            continue;
        }
        ka_tp_offset *tps = ka_alloc(a, ((size_t)n + 1) * sizeof(*tps));
        for (int i = 0; i < n; i++) {
            if (!r[i].topic || r[i].nreplicas < 0 || (r[i].nreplicas && !r[i].replicas)) {
                fprintf(stderr, "reassignment json: entry %d incomplete\n", i);
                abort();
            }
            tps[i] = (ka_tp_offset){r[i].topic, r[i].partition, 0};
        }
        if (!execute)
            continue;
        if (n == 0)
            abort();
        check_unique(tps, n, "reassignment json (--execute)");
        for (int i = 0; i < n; i++)
            if (r[i].nreplicas == 0 || tools_int_duplicates(r[i].replicas, r[i].nreplicas, NULL, NULL)) {
                fprintf(stderr, "reassignment json (--execute): %s-%d: empty or a replica twice\n", r[i].topic,
                        r[i].partition);
                abort();
            }
    }
}

static void check_topics_to_move(kadmin *a, const char *text, size_t size) {
    const char **topics;
    int n;
    tools_input_error e;
    memset(&e, 0, sizeof e);
    if (tools_topics_to_move_json(a, text, size, &topics, &n, &e) != 0) {
        check_error(&e, "topics to move json");
        return;
    }
    for (int i = 0; i < n; i++)
        if (!topics[i])
            abort();
    if (tools_str_duplicates(topics, n, NULL, NULL)) {
        fprintf(stderr, "topics to move json: a topic twice\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    kadmin a;
    memset(&a, 0, sizeof a);
    ka_tp_offset *tps;
    int n;
    tools_input_error e;
    memset(&e, 0, sizeof e);
    for (int preferred_tool = 0; preferred_tool < 2; preferred_tool++) {
        memset(&e, 0, sizeof e);
        if (tools_election_json(&a, text, size, preferred_tool, &tps, &n, &e) == 0)
            check_unique(tps, n, "election json");
        else
            check_error(&e, "election json");
    }
    memset(&e, 0, sizeof e);
    if (tools_delete_records_json(&a, text, size, &tps, &n, &e) == 0)
        check_unique(tps, n, "delete-records json");
    else
        check_error(&e, "delete-records json");
    check_reassignment(&a, text, size);
    check_topics_to_move(&a, text, size);
    tools_reset_plan_csv(&a, text, size, "g1", "g1", &tps, &n); /* one --group g1 */
    check_unique(tps, n, "reset plan (one group)");
    tools_reset_plan_csv(&a, text, size, "g1", NULL, &tps, &n); /* several groups */
    check_unique(tps, n, "reset plan (groups)");
    ka_close(&a);
    return 0;
}
