/* opts.c -- command-line parsing shared by the tools, behaving like the
 * joptsimple parser of Apache Kafka 2.5's tools: long options only,
 * `--name value` or `--name=value`, repeatable options keep every value in
 * order, "--foo is not a recognized option" style errors, and a usage
 * table (Option / Description) on stderr followed by exit status 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

static const opt_spec builtin[] = {
    {"help", OPT_FLAG, NULL, "Print usage information."},
    {"version", OPT_FLAG, NULL, "Display Kafka version."},
};

static int spec_count(const opt_spec *s) {
    int n = 0;
    while (s[n].name)
        n++;
    return n;
}

static const opt_spec *spec_at(const opts *o, int i) {
    return i < o->nspecs ? &o->specs[i] : &builtin[i - o->nspecs];
}

static int find_spec(const opts *o, const char *name, size_t len) {
    for (int i = 0; i < o->nspecs + 2; i++) {
        const opt_spec *s = spec_at(o, i);
        if (strlen(s->name) == len && !strncmp(s->name, name, len))
            return i;
    }
    return -1;
}

static int cmp_spec(const void *a, const void *b) {
    return strcmp((*(const opt_spec *const *)a)->name, (*(const opt_spec *const *)b)->name);
}

/* Writes text wrapped at width, continuation lines indented by indent. */
static void wrap(FILE *f, const char *text, int col, int indent, int width) {
    const char *p = text;
    int first = 1;
    while (*p) {
        int avail = width - (first ? col : indent);
        if (avail < 20)
            avail = 20;
        size_t n = strlen(p);
        const char *nl = strchr(p, '\n');
        size_t take = n;
        if (nl && (size_t)(nl - p) <= (size_t)avail)
            take = (size_t)(nl - p);
        else if (n > (size_t)avail) {
            take = (size_t)avail;
            while (take > 0 && p[take] != ' ')
                take--;
            if (take == 0)
                take = (size_t)avail;
        }
        if (!first)
            fprintf(f, "\n%*s", indent, "");
        fwrite(p, 1, take, f);
        p += take;
        while (*p == ' ' || *p == '\n')
            p++;
        first = 0;
    }
    fputc('\n', f);
}

static void print_usage(const opts *o, FILE *f) {
    int n = o->nspecs + 2;
    const opt_spec **sorted = malloc((size_t)n * sizeof(*sorted));
    if (!sorted)
        abort();
    for (int i = 0; i < n; i++)
        sorted[i] = spec_at(o, i);
    qsort(sorted, (size_t)n, sizeof(*sorted), cmp_spec);
    const int colw = 41;
    fprintf(f, "%-*s%s\n", colw, "Option", "Description");
    fprintf(f, "%-*s%s\n", colw, "------", "-----------");
    for (int i = 0; i < n; i++) {
        char left[256];
        if (sorted[i]->arg == OPT_ARG)
            snprintf(left, sizeof(left), "--%s <%s>", sorted[i]->name,
                     sorted[i]->argdesc ? sorted[i]->argdesc : "String");
        else
            snprintf(left, sizeof(left), "--%s", sorted[i]->name);
        if ((int)strlen(left) >= colw) {
            fprintf(f, "%s\n%-*s", left, colw, "");
        } else {
            fprintf(f, "%-*s", colw, left);
        }
        wrap(f, sorted[i]->help ? sorted[i]->help : "", colw, colw + 2, 120);
    }
    free(sorted);
}

void opts_die(const opts *o, const char *msg) {
    if (msg)
        fprintf(stderr, "%s\n", msg);
    print_usage(o, stderr);
    exit(1);
}

void opts_parse(opts *o, const opt_spec *specs, int argc, char **argv, const char *intro,
                int help_if_empty) {
    memset(o, 0, sizeof(*o));
    o->specs = specs;
    o->nspecs = spec_count(specs);
    o->intro = intro;
    o->hits = calloc((size_t)(argc > 0 ? argc : 1), sizeof(opt_hit));
    if (!o->hits)
        abort();
    char msg[512];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) /* the rest are non-option arguments: ignored */
            break;
        if (a[0] != '-' || a[1] == 0)
            continue; /* non-option argument: Kafka's tools ignore them */
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        int s = find_spec(o, name, len);
        if (s < 0) {
            snprintf(msg, sizeof(msg), "%.*s is not a recognized option", (int)len, name);
            opts_die(o, msg);
        }
        const opt_spec *sp = spec_at(o, s);
        const char *val = NULL;
        if (sp->arg == OPT_ARG) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                snprintf(msg, sizeof(msg), "Option %s requires an argument", sp->name);
                opts_die(o, msg);
            }
        } else if (eq) {
            snprintf(msg, sizeof(msg), "Option %s does not accept arguments", sp->name);
            opts_die(o, msg);
        }
        o->hits[o->nhits].spec = s;
        o->hits[o->nhits].value = val;
        o->nhits++;
    }
    if (opts_has(o, "help") || (help_if_empty && argc <= 1))
        opts_die(o, intro);
    if (opts_has(o, "version")) {
        printf("%s (Commit:native)\n", TOOLS_KAFKA_VERSION);
        exit(0);
    }
}

void opts_free(opts *o) {
    free(o->hits);
    o->hits = NULL;
    o->nhits = 0;
}

int opts_first_hit(const opts *o, const char *name) {
    for (int i = 0; i < o->nhits; i++)
        if (!strcmp(spec_at(o, o->hits[i].spec)->name, name))
            return i;
    return -1;
}

int opts_count(const opts *o, const char *name) {
    int n = 0;
    for (int i = 0; i < o->nhits; i++)
        if (!strcmp(spec_at(o, o->hits[i].spec)->name, name))
            n++;
    return n;
}

int opts_has(const opts *o, const char *name) { return opts_first_hit(o, name) >= 0; }

const char *opts_nth(const opts *o, const char *name, int n) {
    for (int i = 0; i < o->nhits; i++)
        if (!strcmp(spec_at(o, o->hits[i].spec)->name, name) && n-- == 0)
            return o->hits[i].value;
    return NULL;
}

const char *opts_get(const opts *o, const char *name) { return opts_nth(o, name, 0); }

const char *opts_kv_get(const opts *o, const char *name, const char *key) {
    const char *found = NULL;
    size_t kl = strlen(key);
    for (int i = 0; i < opts_count(o, name); i++) {
        const char *s = opts_nth(o, name, i);
        if (!strncmp(s, key, kl) && (s[kl] == '=' || s[kl] == 0))
            found = s[kl] == '=' ? s + kl + 1 : "";
    }
    return found;
}

void opts_require(const opts *o, const char *name) {
    if (!opts_has(o, name)) {
        char msg[256];
        snprintf(msg, sizeof(msg), "Missing required argument \"[%s]\"", name);
        opts_die(o, msg);
    }
}

void opts_invalid(const opts *o, const char *used, const char *other) {
    if (opts_has(o, used) && opts_has(o, other)) {
        char msg[256];
        snprintf(msg, sizeof(msg), "Option \"[%s]\" can't be used with option \"[%s]\"", used, other);
        opts_die(o, msg);
    }
}

int parse_i64(const char *s, int64_t *out) {
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int parse_i32(const char *s, int32_t *out) {
    int64_t v;
    if (parse_i64(s, &v) || v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}
