/* tools_args.c -- the structured option values of the tools, parsed as the
 * Java tools parse them: kafka-topics --replica-assignment
 * (TopicCommand.parseReplicaAssignment), kafka-configs --add-config and
 * --delete-config (ConfigCommand.parseConfigsToBeAdded/-Deleted, with
 * joptsimple's value separator), and kafka-reassign-partitions
 * --broker-list (parseGenerateAssignmentArgs).
 *
 * Like tools_inputs.c, each parser takes the option's text, allocates from
 * the tool's arena and never exits: a bad value gives -1 and the exception
 * the tool prints, so that the parsers can be tested and fuzzed in-process
 * (tests/unit/test_tools_args.c, tests/fuzz/tools_args.c). No count is
 * capped: a row of any number of replicas, any number of configs. The
 * duplicate checks are tools_dups.c's, O(n log n). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

static int arg_error(tools_input_error *e, const char *exception, const char *fmt, const char *s) {
    e->exception = exception;
    snprintf(e->message, sizeof(e->message), fmt, s);
    return -1;
}

/* String.trim(): strips every char <= ' ' at both ends, in place. */
static char *java_trim(char *s) {
    while (*s && (unsigned char)*s <= ' ')
        s++;
    size_t l = strlen(s);
    while (l && (unsigned char)s[l - 1] <= ' ')
        s[--l] = 0;
    return s;
}

/* String.split as Java does it for a separator found where cut[i] is set
 * (cut NULL: wherever s[i] == sep): no separator gives { s }; otherwise the
 * pieces, without the trailing empty ones unless keep_trailing (limit -1).
 * s (len bytes, NUL-terminated) is cut in place; the pieces come from the
 * arena. */
static char **java_split(kadmin *a, char *s, size_t len, char sep, const char *cut, int keep_trailing,
                         int *n) {
    size_t cuts = 0;
    for (size_t i = 0; i < len; i++)
        cuts += cut ? cut[i] != 0 : s[i] == sep;
    char **v = ka_alloc(a, (cuts + 1) * sizeof(char *));
    int k = 0;
    v[k++] = s;
    for (size_t i = 0; i < len && cuts; i++)
        if (cut ? cut[i] != 0 : s[i] == sep) {
            s[i] = 0;
            v[k++] = s + i + 1;
        }
    if (cuts && !keep_trailing)
        while (k > 0 && !*v[k - 1])
            k--;
    *n = k;
    return v;
}

/* Integer.parseInt of a trimmed piece; NumberFormatException as Java's. */
static int java_int(const char *s, int32_t *out, tools_input_error *e) {
    if (parse_i32(s, out) != 0 || (unsigned char)*s <= ' ')
        return arg_error(e, "java.lang.NumberFormatException", "For input string: \"%s\"", s);
    return 0;
}

int tools_replica_assignment(kadmin *a, const char *text, int32_t **out, int *nparts, int *rf,
                             tools_input_error *e) {
    size_t len = strlen(text);
    char *copy = ka_strdup(a, text);
    int nrows;
    char **rows = java_split(a, copy, len, ',', NULL, 0, &nrows);
    size_t ids = 1; /* every id of every row: at most one per ':' and ',' */
    for (size_t i = 0; i < len; i++)
        ids += text[i] == ':' || text[i] == ',';
    int32_t *v = ka_alloc(a, ids * sizeof(int32_t));
    size_t at = 0;
    int width = 0;
    for (int r = 0; r < nrows; r++) {
        int n;
        char **b = java_split(a, rows[r], strlen(rows[r]), ':', NULL, 0, &n);
        int32_t *row = v + at;
        for (int k = 0; k < n; k++)
            if (java_int(java_trim(b[k]), &row[k], e) != 0)
                return -1;
        int repeat;
        if (tools_int_duplicates(row, n, NULL, &repeat)) {
            char id[16];
            snprintf(id, sizeof(id), "%d", row[repeat]);
            return arg_error(e, "kafka.common.AdminCommandFailedException",
                             "Partition replica lists may not contain duplicate entries: %s", id);
        }
        if (r == 0)
            width = n;
        if (n != width) {
            e->exception = "kafka.admin.AdminOperationException";
            snprintf(e->message, sizeof(e->message), "Partition %d has different replication factor: %d", r, n);
            return -1;
        }
        at += (size_t)n;
    }
    *out = v;
    *nparts = nrows;
    *rf = width;
    return 0;
}

/* cut[i] for the separator sep in s[0..len): where Kafka's regex
 * "<sep>(?=[^\\]]*(?:\\[|$))" matches, i.e. the first bracket after the
 * separator, if any, is an opening one: commas and '=' inside [a,b] do not
 * split. */
static char *cut_outside_brackets(kadmin *a, const char *s, size_t len, char sep) {
    char *cut = ka_alloc(a, len + 1);
    int next_close = 0; /* the first bracket after i is ']' */
    for (size_t i = len; i-- > 0;) {
        cut[i] = s[i] == sep && !next_close;
        if (s[i] == '[')
            next_close = 0;
        else if (s[i] == ']')
            next_close = 1;
    }
    return cut;
}

int tools_config_add(kadmin *a, const char *text, const char ***keys, const char ***vals, int *n,
                     tools_input_error *e) {
    size_t len = strlen(text);
    char *copy = ka_strdup(a, text);
    int npairs;
    char **pairs = java_split(a, copy, len, ',', cut_outside_brackets(a, copy, len, ','), 0, &npairs);
    const char **k = ka_alloc(a, ((size_t)npairs + 1) * sizeof(char *));
    const char **v = ka_alloc(a, ((size_t)npairs + 1) * sizeof(char *));
    for (int i = 0; i < npairs; i++) {
        size_t plen = strlen(pairs[i]);
        int parts;
        char **kv = java_split(a, pairs[i], plen, '=', cut_outside_brackets(a, pairs[i], plen, '='), 1, &parts);
        if (parts != 2)
            return arg_error(e, "java.lang.IllegalArgumentException", "%s",
                             "requirement failed: Invalid entity config: all configs to be added must be in "
                             "the format \"key=val\".");
        char *w = kv[1];
        for (char *q = kv[1]; *q; q++) /* replaceAll("\\[?\\]?", "") */
            if (*q != '[' && *q != ']')
                *w++ = *q;
        *w = 0;
        k[i] = java_trim(kv[0]);
        v[i] = java_trim(kv[1]);
    }
    /* Properties.setProperty in order: a later value replaces an earlier one */
    int m = tools_keep_last_values(k, v, npairs);
    *keys = k;
    *vals = v;
    *n = m;
    return 0;
}

int tools_config_delete(kadmin *a, const char *const *args, int nargs, const char ***keys, int *n) {
    size_t total = 0;
    for (int i = 0; i < nargs; i++)
        total += strlen(args[i]) + 1;
    const char **k = ka_alloc(a, (total + 1) * sizeof(char *));
    int m = 0;
    for (int i = 0; i < nargs; i++) {
        /* joptsimple: StringTokenizer on ',' (no empty values); no token
         * at all gives the argument itself */
        char *copy = ka_strdup(a, args[i]), *save = NULL;
        int before = m;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            k[m++] = java_trim(t);
        if (m == before)
            k[m++] = java_trim(ka_strdup(a, args[i]));
    }
    *keys = k;
    *n = m;
    return 0;
}

int tools_broker_list(kadmin *a, const char *text, int32_t **out, int *n, tools_input_error *e) {
    size_t len = strlen(text);
    char *copy = ka_strdup(a, text);
    int nb;
    char **tok = java_split(a, copy, len, ',', NULL, 0, &nb);
    int32_t *v = ka_alloc(a, ((size_t)nb + 1) * sizeof(int32_t));
    for (int i = 0; i < nb; i++)
        if (java_int(tok[i], &v[i], e) != 0)
            return -1;
    int *dups = ka_alloc(a, ((size_t)nb + 1) * sizeof(int));
    int nd = tools_int_duplicates(v, nb, dups, NULL);
    if (nd) {
        e->exception = "kafka.common.AdminCommandFailedException";
        size_t at = (size_t)snprintf(e->message, sizeof(e->message), "Broker list contains duplicate entries: ");
        for (int k = 0; k < nd && at < sizeof(e->message); k++)
            at += (size_t)snprintf(e->message + at, sizeof(e->message) - at, "%s%d", k ? "," : "", v[dups[k]]);
        return -1;
    }
    *out = v;
    *n = nb;
    return 0;
}
