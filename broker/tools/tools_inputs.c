/* tools_inputs.c -- the files the tools read besides their properties:
 * kafka-leader-election and kafka-preferred-replica-election
 * --path-to-json-file (Kafka's parseReplicaElectionData and
 * parsePreferredReplicaElectionData), kafka-delete-records --offset-json-file
 * (DeleteRecordsCommand.parseOffsetJsonStringWithoutDedup), and
 * kafka-consumer-groups --reset-offsets --from-file (the CSV reset plan).
 *
 * Each parser takes the file's bytes, allocates from the tool's arena and
 * never exits: a bad file gives -1 and the exception the tool prints
 * (class and message as Kafka's), so that the parsers can be tested and
 * fuzzed in-process (tests/fuzz/tools_inputs.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tools.h"

static int input_error(tools_input_error *e, const char *exception, const char *message) {
    e->exception = exception;
    snprintf(e->message, sizeof(e->message), "%s", message);
    return -1;
}

/* The "partitions" array's entries: topic, partition and, when offsets,
 * offset; then Kafka's duplicate check (dup_exception, "<dup_what>: t-0").
 * 0, or -1 with e set. */
static int read_partitions(kadmin *a, const json *parts, int offsets, const char *dup_exception,
                           const char *dup_what, ka_tp_offset **out, int *n, tools_input_error *e) {
    ka_tp_offset *tps = ka_alloc(a, (size_t)(parts->n + 1) * sizeof(*tps));
    for (int i = 0; i < parts->n; i++) {
        const json *p = parts->items[i];
        const json *t = p->type == JSON_OBJECT ? json_get(p, "topic") : NULL;
        const json *pa = p->type == JSON_OBJECT ? json_get(p, "partition") : NULL;
        const json *of = p->type == JSON_OBJECT ? json_get(p, "offset") : NULL;
        int64_t pv;
        if (!t || t->type != JSON_STRING)
            return input_error(e, "kafka.utils.json.JsonMappingException", "No such field exists: `topic`");
        if (!pa || pa->type != JSON_NUMBER || json_int(pa, &pv) != 0 || pv < INT32_MIN || pv > INT32_MAX)
            return input_error(e, "kafka.utils.json.JsonMappingException",
                               "No such field exists: `partition`");
        if (offsets && (!of || of->type != JSON_NUMBER || json_int(of, &tps[i].offset) != 0))
            return input_error(e, "kafka.utils.json.JsonMappingException", "No such field exists: `offset`");
        tps[i].topic = ka_strdup(a, json_str(t));
        tps[i].partition = (int32_t)pv;
    }
    char dup[4096];
    if (tools_tp_duplicates(tps, parts->n, dup, sizeof(dup))) {
        e->exception = dup_exception;
        snprintf(e->message, sizeof(e->message), "%s: %s", dup_what, dup);
        return -1;
    }
    *out = tps;
    *n = parts->n;
    return 0;
}

int tools_election_json(kadmin *a, const char *text, size_t len, int preferred_tool,
                        ka_tp_offset **out, int *n, tools_input_error *e) {
    const char *what = preferred_tool ? "Preferred replica election data" : "Replica election data";
    char msg[256];
    json *js = json_parse(text, len);
    int rc = -1;
    snprintf(msg, sizeof(msg), "%s is empty", what);
    if (!js)
        return input_error(e, "kafka.admin.AdminOperationException", msg);
    const json *parts = js->type == JSON_OBJECT ? json_get(js, "partitions") : NULL;
    if (!parts) {
        if (!preferred_tool)
            snprintf(msg, sizeof(msg), "%s is missing \"partition\" field", what);
        input_error(e, "kafka.admin.AdminOperationException", msg);
        goto done;
    }
    if (parts->type != JSON_ARRAY) {
        input_error(e, "kafka.utils.json.JsonMappingException", "Expected JSON array");
        goto done;
    }
    snprintf(msg, sizeof(msg), "%s contains duplicate partitions", what);
    rc = read_partitions(a, parts, 0, "kafka.admin.AdminOperationException", msg, out, n, e);
done:
    json_free(js);
    return rc;
}

int tools_delete_records_json(kadmin *a, const char *text, size_t len, ka_tp_offset **out, int *n,
                              tools_input_error *e) {
    json *js = json_parse(text, len);
    int rc = -1;
    if (!js || js->type != JSON_OBJECT) {
        input_error(e, "kafka.admin.AdminOperationException", "The input string is not a valid JSON");
        goto done;
    }
    int64_t version = 1;
    const json *jv = json_get(js, "version");
    if (jv && json_int(jv, &version) != 0) {
        input_error(e, "kafka.admin.AdminOperationException", "The input string is not a valid JSON");
        goto done;
    }
    if (version != 1) {
        e->exception = "kafka.admin.AdminOperationException";
        snprintf(e->message, sizeof(e->message), "Not supported version field value %lld",
                 (long long)version);
        goto done;
    }
    const json *parts = json_get(js, "partitions");
    if (!parts || parts->type != JSON_ARRAY) {
        input_error(e, "kafka.admin.AdminOperationException", "Missing partitions field");
        goto done;
    }
    rc = read_partitions(a, parts, 1, "kafka.common.AdminCommandFailedException",
                         "Offset json file contains duplicate topic partitions", out, n, e);
done:
    json_free(js);
    return rc;
}

int tools_reset_plan_csv(kadmin *a, const char *text, size_t len, const char *group,
                         const char *only_group, ka_tp_offset **out, int *n) {
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    ka_tp_offset *v = ka_alloc(a, lines * sizeof(*v));
    char *copy = ka_alloc(a, len + 1);
    memcpy(copy, text, len);
    int found = 0;
    *n = 0;
    for (char *line = copy, *next; line < copy + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(copy + len - line));
        next = nl ? nl + 1 : copy + len;
        *(nl ? nl : copy + len) = '\0';
        line[strcspn(line, "\r")] = '\0';
        if (!*line)
            continue;
        char *fld[5] = {0};
        int nf = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, ",", &save); t && nf < 5; t = strtok_r(NULL, ",", &save))
            fld[nf++] = t;
        const char *g, *t;
        int32_t p;
        int64_t o;
        if (nf == 3 && only_group) {
            g = only_group;
            t = fld[0];
            if (parse_i32(fld[1], &p) || parse_i64(fld[2], &o))
                continue;
        } else if (nf == 4) {
            g = fld[0];
            t = fld[1];
            if (parse_i32(fld[2], &p) || parse_i64(fld[3], &o))
                continue;
        } else {
            continue;
        }
        if (strcmp(g, group))
            continue;
        found = 1;
        int i;
        for (i = 0; i < *n; i++)
            if (v[i].partition == p && !strcmp(v[i].topic, t))
                break;
        if (i == *n)
            v[(*n)++] = (ka_tp_offset){t, p, o};
        else
            v[i].offset = o; /* the last line for a partition counts */
    }
    *out = v;
    return found;
}
