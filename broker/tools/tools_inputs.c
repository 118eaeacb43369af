/* tools_inputs.c -- the files the tools read besides their properties:
 * kafka-leader-election and kafka-preferred-replica-election
 * --path-to-json-file (Kafka's parseReplicaElectionData and
 * parsePreferredReplicaElectionData), kafka-delete-records --offset-json-file
 * (DeleteRecordsCommand.parseOffsetJsonStringWithoutDedup),
 * kafka-consumer-groups --reset-offsets --from-file (the CSV reset plan),
 * and kafka-reassign-partitions --reassignment-json-file
 * (parsePartitionReassignmentData and the --execute checks) and
 * --topics-to-move-json-file (parseTopicsData). The duplicate checks are
 * tools_dups.c's, O(n log n).
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
        v[(*n)++] = (ka_tp_offset){t, p, o};
    }
    /* one entry per partition, in first-seen order; its last line counts */
    int *first = ka_alloc(a, ((size_t)*n + 1) * sizeof(int)), *slot = ka_alloc(a, ((size_t)*n + 1) * sizeof(int));
    tools_tp_first_occurrence(v, *n, first);
    int m = 0;
    for (int i = 0; i < *n; i++) {
        if (first[i] == i) {
            slot[i] = m;
            v[m++] = v[i];
        }
        v[slot[first[i]]].offset = v[i].offset;
    }
    *n = m;
    *out = v;
    return found;
}

/* kafka-reassign-partitions: the file's JSON object, and its version
 * (absent: 1). 0, or -1 with e set. */
static int reassign_object(const char *text, size_t len, json **out, tools_input_error *e) {
    json *js = json_parse(text, len);
    if (!js || js->type != JSON_OBJECT) {
        json_free(js);
        return input_error(e, "kafka.admin.AdminOperationException", "The input string is not a valid JSON");
    }
    const json *v = json_get(js, "version");
    int64_t version = 1;
    if (v && (v->type != JSON_NUMBER || json_int(v, &version) != 0)) {
        json_free(js);
        return input_error(e, "kafka.utils.json.JsonMappingException", "Expected `Int` value");
    }
    if (version != 1) {
        e->exception = "kafka.admin.AdminOperationException";
        snprintf(e->message, sizeof(e->message), "Not supported version field value %lld", (long long)version);
        json_free(js);
        return -1;
    }
    *out = js;
    return 0;
}

/* obj's field name, or NULL and "No such field exists" in e. */
static const json *reassign_field(const json *obj, const char *name, tools_input_error *e) {
    const json *f = obj && obj->type == JSON_OBJECT ? json_get(obj, name) : NULL;
    if (!f) {
        e->exception = "kafka.utils.json.JsonMappingException";
        snprintf(e->message, sizeof(e->message), "No such field exists: `%s`", name);
    }
    return f;
}

/* One entry of "partitions": topic, partition, replicas, log_dirs. */
static int reassign_entry(kadmin *a, const json *p, tools_reassignment *r, tools_input_error *e) {
    const json *t, *pa, *reps;
    int64_t pv;
    if (!(t = reassign_field(p, "topic", e)) || !(pa = reassign_field(p, "partition", e)) ||
        !(reps = reassign_field(p, "replicas", e)))
        return -1;
    if (t->type != JSON_STRING)
        return input_error(e, "kafka.utils.json.JsonMappingException", "Expected `String` value");
    if (pa->type != JSON_NUMBER || json_int(pa, &pv) != 0 || pv < INT32_MIN || pv > INT32_MAX)
        return input_error(e, "kafka.utils.json.JsonMappingException", "Expected `Int` value");
    if (reps->type != JSON_ARRAY)
        return input_error(e, "kafka.utils.json.JsonMappingException", "Expected JSON array");
    r->replicas = ka_alloc(a, ((size_t)reps->n + 1) * sizeof(int32_t));
    for (int k = 0; k < reps->n; k++) {
        int64_t b;
        if (reps->items[k]->type != JSON_NUMBER || json_int(reps->items[k], &b) != 0 || b < INT32_MIN ||
            b > INT32_MAX)
            return input_error(e, "kafka.utils.json.JsonMappingException", "Expected `Int` value");
        r->replicas[k] = (int32_t)b;
    }
    const json *ld = json_get(p, "log_dirs");
    if (ld) {
        if (ld->type != JSON_ARRAY)
            return input_error(e, "kafka.utils.json.JsonMappingException", "Expected JSON array");
        if (ld->n != reps->n) {
            e->exception = "kafka.common.AdminCommandFailedException";
            snprintf(e->message, sizeof(e->message),
                     "Size of replicas list is different from size of log dirs list for partition %s-%lld",
                     json_str(t), (long long)pv);
            return -1;
        }
        for (int k = 0; k < ld->n; k++)
            if (!json_str(ld->items[k]) || strcmp(json_str(ld->items[k]), "any"))
                return input_error(e, "kafka.common.AdminCommandFailedException",
                                   "Moving replicas between log directories is not supported by this tool "
                                   "(log_dirs must be \"any\")");
    }
    r->topic = ka_strdup(a, json_str(t));
    r->partition = (int32_t)pv;
    r->nreplicas = reps->n;
    return 0;
}

/* parseExecuteAssignmentArgs' checks: not empty, no empty replica list,
 * no partition twice, no replica twice in a list. */
static int reassign_execute_checks(kadmin *a, const tools_reassignment *r, int n, tools_input_error *e) {
    if (n == 0)
        return input_error(e, "kafka.common.AdminCommandFailedException",
                           "Partition reassignment list cannot be empty");
    for (int i = 0; i < n; i++)
        if (r[i].nreplicas == 0)
            return input_error(e, "kafka.common.AdminCommandFailedException",
                               "Partition replica list cannot be empty");
    ka_tp_offset *tps = ka_alloc(a, ((size_t)n + 1) * sizeof(*tps));
    for (int i = 0; i < n; i++)
        tps[i] = (ka_tp_offset){r[i].topic, r[i].partition, 0};
    char dup[4096];
    if (tools_tp_duplicates(tps, n, dup, sizeof(dup))) {
        e->exception = "kafka.common.AdminCommandFailedException";
        snprintf(e->message, sizeof(e->message), "Partition reassignment contains duplicate topic partitions: %s",
                 dup);
        return -1;
    }
    const char *head = "Partition replica lists may not contain duplicate entries: ";
    size_t cap = sizeof(e->message), at = 0;
    for (int i = 0; i < n && at < cap; i++) {
        int *dups = ka_alloc(a, ((size_t)r[i].nreplicas + 1) * sizeof(int));
        int nd = tools_int_duplicates(r[i].replicas, r[i].nreplicas, dups, NULL);
        if (!nd)
            continue;
        at += (size_t)snprintf(e->message + at, cap - at, "%s%s-%d contains multiple entries for ",
                               at ? ". " : head, r[i].topic, r[i].partition);
        for (int k = 0; k < nd && at < cap; k++)
            at += (size_t)snprintf(e->message + at, cap - at, "%s%d", k ? "," : "", r[i].replicas[dups[k]]);
    }
    if (at) {
        e->exception = "kafka.common.AdminCommandFailedException";
        return -1;
    }
    return 0;
}

int tools_reassignment_json(kadmin *a, const char *text, size_t len, int check_execute, tools_reassignment **out,
                            int *n, tools_input_error *e) {
    json *js;
    if (reassign_object(text, len, &js, e) != 0)
        return -1;
    int rc = -1;
    const json *parts = json_get(js, "partitions");
    int np = parts && parts->type == JSON_ARRAY ? parts->n : 0;
    tools_reassignment *r = ka_alloc(a, ((size_t)np + 1) * sizeof(*r));
    if (parts && parts->type != JSON_ARRAY) {
        input_error(e, "kafka.utils.json.JsonMappingException", "Expected JSON array");
        goto done;
    }
    for (int i = 0; i < np; i++)
        if (reassign_entry(a, parts->items[i], &r[i], e) != 0)
            goto done;
    if (check_execute && reassign_execute_checks(a, r, np, e) != 0)
        goto done;
    *out = r;
    *n = np;
    rc = 0;
done:
    json_free(js);
    return rc;
}

int tools_topics_to_move_json(kadmin *a, const char *text, size_t len, const char ***out, int *n,
                              tools_input_error *e) {
    json *js;
    if (reassign_object(text, len, &js, e) != 0)
        return -1;
    int rc = -1;
    const json *topics = json_get(js, "topics");
    int nt = topics && topics->type == JSON_ARRAY ? topics->n : 0;
    const char **names = ka_alloc(a, ((size_t)nt + 1) * sizeof(char *));
    if (topics && topics->type != JSON_ARRAY) {
        input_error(e, "kafka.utils.json.JsonMappingException", "Expected JSON array");
        goto done;
    }
    for (int i = 0; i < nt; i++) {
        const json *t = reassign_field(topics->items[i], "topic", e);
        if (!t)
            goto done;
        if (t->type != JSON_STRING) {
            input_error(e, "kafka.utils.json.JsonMappingException", "Expected `String` value");
            goto done;
        }
        names[i] = ka_strdup(a, json_str(t));
    }
    /* then CoreUtils.duplicates over the whole list, as Kafka */
    int *dups = ka_alloc(a, ((size_t)nt + 1) * sizeof(int));
    int nd = tools_str_duplicates(names, nt, dups, NULL);
    if (nd) {
        e->exception = "kafka.common.AdminCommandFailedException";
        size_t at = (size_t)snprintf(e->message, sizeof(e->message),
                                     "List of topics to reassign contains duplicate entries: ");
        for (int k = 0; k < nd && at < sizeof(e->message); k++)
            at += (size_t)snprintf(e->message + at, sizeof(e->message) - at, "%s%s", k ? "," : "", names[dups[k]]);
        goto done;
    }
    *out = names;
    *n = nt;
    rc = 0;
done:
    json_free(js);
    return rc;
}
