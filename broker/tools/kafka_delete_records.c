/* kafka_delete_records.c -- kafka-delete-records.sh: deletes records before
 * the given offsets (DeleteRecords to each partition's leader), reading
 * Kafka's offset JSON file
 *
 *   {"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version": 1}
 *
 * and printing Apache Kafka 2.5's report (DeleteRecordsCommand):
 *
 *   Executing records delete operation
 *   Records delete operation completed:
 *   partition: foo-1<TAB>low_watermark: 1
 *   partition: foo-2<TAB>error: org.apache.kafka.common.errors....
 *
 * Partition lines come in java.util.HashMap order; per-partition errors do
 * not change the exit status (0), as in Kafka. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

static const opt_spec specs[] = {
    {"bootstrap-server", OPT_ARG, "String: server(s) to use for bootstrapping", "REQUIRED: The server to connect to."},
    {"command-config", OPT_ARG, "String: command config property file path", "A property file containing configs to be passed to Admin Client."},
    {"offset-json-file", OPT_ARG, "String: Offset json file path", "REQUIRED: The JSON file with offset per partition. The format to use is:\n{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n \"version\":1\n}"},
    {NULL, 0, NULL, NULL},
};

static int offset_json(kadmin *a, const char *text, size_t len, int unused, ka_tp_offset **out, int *n,
                       tools_input_error *e) {
    (void)unused;
    return tools_delete_records_json(a, text, len, out, n, e);
}

int main(int argc, char **argv) {
    opts O;
    kadmin A;
    opts_parse(&O, specs, argc, argv,
               "This tool helps to delete records of the given partitions down to the specified offset.", 1);
    opts_require(&O, "bootstrap-server");
    opts_require(&O, "offset-json-file");
    if (ka_init_config(&A, opts_get(&O, "bootstrap-server"), opts_get(&O, "command-config")) != 0)
        tools_die_exception("org.apache.kafka.common.config.ConfigException", A.err);

    int n;
    ka_tp_offset *tps = tools_tp_file(&A, opts_get(&O, "offset-json-file"), offset_json, 0, &n);

    printf("Executing records delete operation\n");
    fflush(stdout);
    ka_result *res = ka_alloc(&A, (size_t)(n + 1) * sizeof(ka_result));
    if (n > 0 && ka_delete_records(&A, tps, n, res) != 0) {
        /* every partition fails with the transport error */
        for (int i = 0; i < n; i++) {
            res[i].err = -100;
        }
    }
    printf("Records delete operation completed:\n");
    int32_t *h = ka_alloc(&A, (size_t)(n + 1) * sizeof(int32_t));
    int *order = ka_alloc(&A, (size_t)(n + 1) * sizeof(int));
    for (int i = 0; i < n; i++)
        h[i] = java_tp_hash(tps[i].topic, tps[i].partition);
    java_hashmap_order(h, n, n, order);
    for (int k = 0; k < n; k++) {
        int i = order[k];
        if (res[i].err == 0) {
            printf("partition: %s-%d\tlow_watermark: %lld\n", tps[i].topic, tps[i].partition,
                   (long long)res[i].value);
        } else {
            char b[1024];
            printf("partition: %s-%d\terror: %s\n", tps[i].topic, tps[i].partition,
                   res[i].err == -100 ? A.err : kerror_string(res[i].err, NULL, b, sizeof(b)));
        }
    }
    fflush(stdout);
    ka_close(&A);
    opts_free(&O);
    return 0;
}
