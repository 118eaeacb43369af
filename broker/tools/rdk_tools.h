/* rdk_tools.h -- code shared by the librdkafka-based test tools
 * (kafka-verifiable-producer, kafka-verifiable-consumer,
 * kafka-producer-perf-test, kafka-consumer-perf-test).
 *
 * Header-only (static functions) so that each tool links only libtools.a
 * and librdkafka, as broker/tools/build.mk builds every tool. It holds:
 *
 *   - ap_*: a command-line parser that behaves like argparse4j 0.7 as
 *     Kafka 2.5's VerifiableProducer/VerifiableConsumer/ProducerPerformance
 *     use it: `usage: prog ...` wrapped at 75 columns (terminal width - 5 on
 *     a terminal), "prog: error: <message>" on stderr, long options with
 *     unique-prefix abbreviation, `--x=v`, nargs("+"), mutually exclusive
 *     groups, choices, typed values ("could not convert 'x' to Integer
 *     (For input string: "x")"), and the -h/--help screen with
 *     "(default: X)" and argparse4j's justified text wrapping;
 *   - Java/Jackson output helpers: JSON strings, "%.4f"
 *     that prints Infinity/NaN as Java does, java.util.Random;
 *   - rdk_conf_*: Java client properties mapped onto librdkafka (unknown,
 *     Java-only keys such as key.serializer are ignored); rdk_new_client:
 *     the producer or consumer, or Java's "Failed to construct" exit;
 *   - ThroughputThrottler, wall-clock milliseconds, ToolsUtils.printMetrics.
 */
#ifndef TOOLS_RDK_TOOLS_H
#define TOOLS_RDK_TOOLS_H

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "props.h"
#include "rdk_log.h"
#include "tools.h"

#define RT_FN static __attribute__((unused))

/* ------------------------------------------------------------------------
 * Time
 * ---------------------------------------------------------------------- */
RT_FN int64_t rt_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

RT_FN int64_t rt_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ------------------------------------------------------------------------
 * argparse4j-compatible parser
 * ---------------------------------------------------------------------- */
enum { AP_STR, AP_INT, AP_LONG, AP_TRUE, AP_PLUS, AP_HELP };

typedef struct ap_arg {
    const char *flag;     /* "--topic" ("-h, --help" is built in) */
    int type;             /* AP_* */
    const char *metavar;  /* NULL: dest in upper case */
    const char *dest;     /* Java dest name (metavar fallback) */
    const char *def;      /* default as Java prints it, NULL: none */
    int required;
    int group;            /* 0 or 1 + index into the parser's groups */
    const char *choices;  /* "{0, 1, -1}" for int choices, NULL: any */
    const char *help;
} ap_arg;

typedef struct ap_group {
    const char *title; /* "" none */
    const char *desc;  /* "" none */
    int required;
} ap_group;

#define AP_MAX 32
typedef struct ap_parser {
    const char *prog, *description;
    const ap_arg *args; /* terminated by {NULL} */
    int nargs;
    const ap_group *groups;
    int ngroups;
    const char *val[AP_MAX]; /* last value (AP_TRUE: "true") */
    const char **list[AP_MAX];
    int nlist[AP_MAX];
    int seen[AP_MAX];
    int width;
} ap_parser;

/* The help pseudo-argument, first in argparse4j's list. */
static const ap_arg ap_help_arg = {"-h", AP_HELP, NULL, "help", NULL, 0, 0, NULL,
                                   "show this help message and exit"};

static const ap_arg *ap_at(const ap_parser *p, int i) { return i == 0 ? &ap_help_arg : &p->args[i - 1]; }

static int ap_consumes(const ap_arg *a) { return a->type != AP_TRUE && a->type != AP_HELP; }

static void ap_metavar(const ap_arg *a, char *out, size_t n) {
    if (a->metavar) {
        snprintf(out, n, "%s", a->metavar);
        return;
    }
    size_t i = 0;
    for (const char *s = a->dest; *s && i + 1 < n; s++)
        out[i++] = (char)((*s >= 'a' && *s <= 'z') ? *s - 32 : *s);
    out[i] = 0;
}

/* formatMetavar: "" for flags, "X" or "X [X ...]" for nargs("+"). */
static void ap_fmt_metavar(const ap_arg *a, char *out, size_t n) {
    char mv[128];
    out[0] = 0;
    if (!ap_consumes(a))
        return;
    ap_metavar(a, mv, sizeof(mv));
    if (a->type == AP_PLUS)
        snprintf(out, n, "%s [%s ...]", mv, mv);
    else
        snprintf(out, n, "%s", mv);
}

static void ap_short_syntax(const ap_arg *a, int brackets, char *out, size_t n) {
    char mv[300];
    ap_fmt_metavar(a, mv, sizeof(mv));
    snprintf(out, n, "%s%s%s%s%s", brackets ? "[" : "", a->flag, *mv ? " " : "", mv, brackets ? "]" : "");
}

/* TextHelper.adjustSpace: strip, then widen the runs of blanks so that the
 * line is `width` wide (the extra blanks go to the middle runs). */
static void ap_adjust(char *line, int width, int curwidth, FILE *f) {
    int len = (int)strlen(line), orig = len, i;
    char *s = line;
    while (*s == ' ')
        s++;
    len = (int)strlen(s);
    while (len > 0 && s[len - 1] == ' ')
        s[--len] = 0;
    curwidth -= orig - len;
    int blocks = 0, cont = 0;
    for (i = 0; i < len; i++) {
        if (s[i] == ' ') {
            if (!cont)
                blocks++;
            cont = 1;
        } else
            cont = 0;
    }
    if (blocks == 0) {
        fputs(s, f);
        return;
    }
    int need = width - curwidth, each = need / blocks, rem = need % blocks;
    int rs = (blocks - rem + 1) / 2, re = rs + rem, b = 0;
    cont = 0;
    for (i = 0; i < len; i++) {
        if (s[i] == ' ') {
            if (!cont) {
                int add = each + (rs <= b && b < re ? 1 : 0);
                for (int j = 0; j < add; j++)
                    fputc(' ', f);
                b++;
            }
            cont = 1;
        } else
            cont = 0;
        fputc(s[i], f);
    }
}

/* Length of the next line-break segment of s (java.text.BreakIterator's
 * line instance, approximately: a word plus its trailing blanks; a word also
 * breaks after a hyphen between letters; "\n" ends a segment). */
static size_t ap_segment(const char *s) {
    size_t i = 0;
    while (s[i] && s[i] != ' ' && s[i] != '\n') {
        if (s[i] == '-' && i > 0 && ((s[i - 1] | 32) >= 'a' && (s[i - 1] | 32) <= 'z') &&
            ((s[i + 1] | 32) >= 'a' && (s[i + 1] | 32) <= 'z'))
            return i + 1;
        i++;
    }
    while (s[i] == ' ')
        i++;
    if (s[i] == '\n')
        i++;
    return i;
}

/* TextHelper.wrap, written to f (no final newline). */
static void ap_wrap(FILE *f, const char *s, int width, int offset, const char *indent) {
    char *line = malloc(strlen(s) + 1);
    if (!line)
        abort();
    size_t ll = 0;
    int cur = offset;
    while (*s) {
        size_t n = ap_segment(s);
        int w = (int)n;
        cur += w;
        if (cur > width) {
            line[ll] = 0;
            ap_adjust(line, width, cur - w, f);
            fprintf(f, "\n%s", indent);
            ll = 0;
            cur = (int)strlen(indent) + w;
        }
        memcpy(line + ll, s, n);
        ll += n;
        if (s[n - 1] == '\n') {
            fwrite(line, 1, ll, f);
            fputs(indent, f);
            ll = 0;
            cur = (int)strlen(indent);
        }
        s += n;
    }
    fwrite(line, 1, ll, f);
    free(line);
}

RT_FN void ap_init(ap_parser *p, const char *prog, const char *description, const ap_arg *args,
                   const ap_group *groups, int ngroups) {
    memset(p, 0, sizeof(*p));
    p->prog = prog;
    p->description = description;
    p->args = args;
    while (args[p->nargs].flag)
        p->nargs++;
    p->groups = groups;
    p->ngroups = ngroups;
    p->width = 75;
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 5)
        p->width = ws.ws_col - 5;
}

RT_FN void ap_print_usage(const ap_parser *p, FILE *f) {
    char usageprog[256], item[400];
    snprintf(usageprog, sizeof(usageprog), "usage: %s", p->prog);
    fputs(usageprog, f);
    int offset = (int)strlen(usageprog);
    char indent[40];
    int first_line_break = offset > 30;
    if (first_line_break) {
        fputc('\n', f);
        offset = 6;
    }
    memset(indent, ' ', (size_t)offset);
    indent[offset] = 0;
    /* the items */
    const char *items[3 * AP_MAX];
    char store[3 * AP_MAX][512];
    int n = 0;
    for (int i = 0; i <= p->nargs; i++) {
        const ap_arg *a = ap_at(p, i);
        if (a->group)
            continue;
        ap_short_syntax(a, !a->required, store[n], sizeof(store[n]));
        items[n] = store[n];
        n++;
    }
    for (int g = 0; g < p->ngroups; g++) {
        int idx[AP_MAX], k = 0;
        for (int i = 1; i <= p->nargs; i++)
            if (ap_at(p, i)->group == g + 1)
                idx[k++] = i;
        for (int j = 0; j < k; j++) {
            ap_short_syntax(ap_at(p, idx[j]), 0, item, sizeof(item));
            if (k == 1)
                ap_short_syntax(ap_at(p, idx[j]), !p->groups[g].required, item, sizeof(item));
            snprintf(store[n], sizeof(store[n]), "%s%s%s", j == 0 && k > 1 ? (p->groups[g].required ? "(" : "[") : "",
                     item, j == k - 1 && k > 1 ? (p->groups[g].required ? ")" : "]") : "");
            items[n] = store[n];
            n++;
            if (j < k - 1) {
                items[n++] = "|";
            }
        }
    }
    int cur = first_line_break ? offset : offset;
    if (first_line_break)
        fputs(indent, f);
    for (int i = 0; i < n; i++) {
        int len = (int)strlen(items[i]);
        if (i > 0 && cur + len + 1 > p->width) {
            fprintf(f, "\n%s %s", indent, items[i]);
            cur = offset + 1 + len;
        } else {
            fprintf(f, " %s", items[i]);
            cur += 1 + len;
        }
    }
    fputc('\n', f);
}

static void ap_print_arg_help(const ap_parser *p, const ap_arg *a, FILE *f) {
    char title[512], mv[300], help[2048];
    ap_fmt_metavar(a, mv, sizeof(mv));
    if (a->type == AP_HELP)
        snprintf(title, sizeof(title), "-h, --help");
    else
        snprintf(title, sizeof(title), "%s%s%s", a->flag, *mv ? " " : "", mv);
    if (a->def)
        snprintf(help, sizeof(help), "%s%s(default: %s)", a->help, *a->help ? " " : "", a->def);
    else
        snprintf(help, sizeof(help), "%s", a->help);
    fprintf(f, "  %s", title);
    int tw = (int)strlen(title), pad = 25;
    if (tw <= 21)
        pad -= tw + 2;
    else
        fputc('\n', f);
    fprintf(f, "%*s", pad, "");
    ap_wrap(f, help, p->width, 25, "                         ");
    fputc('\n', f);
}

RT_FN void ap_print_help(const ap_parser *p, FILE *f) {
    ap_print_usage(p, f);
    if (p->description && *p->description) {
        fputc('\n', f);
        ap_wrap(f, p->description, p->width, 0, "");
        fputc('\n', f);
    }
    fprintf(f, "\noptional arguments:\n");
    for (int i = 0; i <= p->nargs; i++) {
        const ap_arg *a = ap_at(p, i);
        if (a->group && (*p->groups[a->group - 1].title || *p->groups[a->group - 1].desc))
            continue;
        ap_print_arg_help(p, a, f);
    }
    for (int g = 0; g < p->ngroups; g++) {
        const ap_group *gr = &p->groups[g];
        if (!*gr->title && !*gr->desc)
            continue;
        fputc('\n', f);
        if (*gr->title)
            fprintf(f, "%s:\n", gr->title);
        if (*gr->desc) {
            fputs("  ", f);
            ap_wrap(f, gr->desc, p->width, 2, "  ");
            fputs("\n\n", f);
        }
        for (int i = 1; i <= p->nargs; i++)
            if (ap_at(p, i)->group == g + 1)
                ap_print_arg_help(p, ap_at(p, i), f);
    }
    fflush(f);
}

/* handleError: usage and "prog: error: msg" on stderr, then exit 1. */
RT_FN void ap_die(const ap_parser *p, const char *msg) __attribute__((noreturn));
RT_FN void ap_die(const ap_parser *p, const char *msg) {
    fflush(stdout);
    ap_print_usage(p, stderr);
    char line[2048];
    snprintf(line, sizeof(line), "%s: error: %s\n", p->prog, msg);
    ap_wrap(stderr, line, p->width, 0, "");
    fflush(stderr);
    exit(1);
}

static int ap_is_negnum(const char *s) {
    if (s[0] != '-' || !s[1])
        return 0;
    for (const char *c = s + 1; *c; c++)
        if ((*c < '0' || *c > '9') && *c != '.')
            return 0;
    return 1;
}

static int ap_is_flag(const char *s) { return s[0] == '-' && s[1] && !ap_is_negnum(s); }

/* Java's Integer.valueOf / Long.valueOf on s. */
static int ap_convert(const ap_parser *p, const ap_arg *a, const char *s) {
    char msg[1024];
    if (a->type == AP_INT || a->type == AP_LONG) {
        char *end;
        errno = 0;
        const char *q = s;
        if (*q == '+' || *q == '-')
            q++;
        int ok = *q >= '0' && *q <= '9';
        long long v = strtoll(s, &end, 10);
        if (!ok || *end || errno || (a->type == AP_INT && (v < INT32_MIN || v > INT32_MAX))) {
            snprintf(msg, sizeof(msg), "argument %s: could not convert '%s' to %s (For input string: \"%s\")", a->flag,
                     s, a->type == AP_INT ? "Integer" : "Long", s);
            ap_die(p, msg);
        }
        if (a->choices) {
            char want[32];
            snprintf(want, sizeof(want), "%lld", v);
            const char *c = a->choices + 1;
            int found = 0;
            while (*c && *c != '}') {
                size_t l = strcspn(c, ",}");
                if (l == strlen(want) && !strncmp(c, want, l))
                    found = 1;
                c += l;
                while (*c == ',' || *c == ' ')
                    c++;
            }
            if (!found) {
                snprintf(msg, sizeof(msg), "argument %s: invalid choice: '%s' (choose from %s)", a->flag, s,
                         a->choices);
                ap_die(p, msg);
            }
        }
    }
    return 0;
}

/* Parses argv; -h/--help prints the help screen on stdout and exits with
 * help_status (Kafka's tools: 1), no arguments at all prints it and exits 0
 * (their main's "args.length == 0" check); errors exit 1 via ap_die. */
RT_FN void ap_parse(ap_parser *p, int argc, char **argv, int help_status) {
    if (argc <= 1) {
        ap_print_help(p, stdout);
        exit(0);
    }
    char msg[1024];
    int group_used[AP_MAX] = {0};
    for (int i = 1; i < argc; i++) {
        const char *t = argv[i];
        if (!ap_is_flag(t) || !strcmp(t, "--")) {
            snprintf(msg, sizeof(msg), "unrecognized arguments: '%s'", t);
            ap_die(p, msg);
        }
        const char *eq = strchr(t, '=');
        size_t len = eq ? (size_t)(eq - t) : strlen(t);
        int hit = -1, nprefix = 0, prefix_hit = -1;
        char cands[1024] = "";
        for (int k = 0; k <= p->nargs; k++) {
            const ap_arg *a = ap_at(p, k);
            const char *names[2] = {a->flag, a->type == AP_HELP ? "--help" : NULL};
            for (int m = 0; m < 2 && names[m]; m++) {
                if (strlen(names[m]) == len && !strncmp(names[m], t, len))
                    hit = k;
                else if (len > 2 && t[1] == '-' && !strncmp(names[m], t, len)) {
                    nprefix++;
                    prefix_hit = k;
                    snprintf(cands + strlen(cands), sizeof(cands) - strlen(cands), "%s%s", *cands ? ", " : "",
                             names[m]);
                }
            }
        }
        if (hit < 0 && nprefix == 1)
            hit = prefix_hit;
        if (hit < 0 && nprefix > 1) {
            snprintf(msg, sizeof(msg), "ambiguous option: %.*s could match %s", (int)len, t, cands);
            ap_die(p, msg);
        }
        if (hit < 0) {
            snprintf(msg, sizeof(msg), "unrecognized arguments: '%s'", t);
            ap_die(p, msg);
        }
        const ap_arg *a = ap_at(p, hit);
        if (a->type == AP_HELP) {
            ap_print_help(p, stdout);
            exit(help_status);
        }
        if (a->group) {
            int g = a->group - 1;
            if (group_used[g] && group_used[g] != hit) {
                snprintf(msg, sizeof(msg), "argument %s: not allowed with argument %s", a->flag,
                         ap_at(p, group_used[g])->flag);
                ap_die(p, msg);
            }
            group_used[g] = hit;
        }
        p->seen[hit] = 1;
        if (!ap_consumes(a)) {
            if (eq) {
                snprintf(msg, sizeof(msg), "argument %s: ignored explicit argument '%s'", a->flag, eq + 1);
                ap_die(p, msg);
            }
            p->val[hit] = "true";
            continue;
        }
        if (a->type == AP_PLUS) {
            free(p->list[hit]);
            p->list[hit] = calloc((size_t)argc, sizeof(char *));
            p->nlist[hit] = 0;
            if (eq)
                p->list[hit][p->nlist[hit]++] = eq + 1;
            while (i + 1 < argc && !ap_is_flag(argv[i + 1]))
                p->list[hit][p->nlist[hit]++] = argv[++i];
            if (p->nlist[hit] == 0) {
                snprintf(msg, sizeof(msg), "argument %s: expected at least one argument", a->flag);
                ap_die(p, msg);
            }
            continue;
        }
        const char *v = NULL;
        if (eq)
            v = eq + 1;
        else if (i + 1 < argc && !ap_is_flag(argv[i + 1]))
            v = argv[++i];
        if (!v) {
            snprintf(msg, sizeof(msg), "argument %s: expected one argument", a->flag);
            ap_die(p, msg);
        }
        ap_convert(p, a, v);
        p->val[hit] = v;
    }
    /* checkRequiredArgument: the last missing one is reported */
    const char *missing = NULL;
    for (int k = 1; k <= p->nargs; k++)
        if (ap_at(p, k)->required && !p->seen[k])
            missing = ap_at(p, k)->flag;
    if (missing) {
        snprintf(msg, sizeof(msg), "argument %s is required", missing);
        ap_die(p, msg);
    }
    for (int g = 0; g < p->ngroups; g++) {
        if (!p->groups[g].required || group_used[g])
            continue;
        char names[512] = "";
        for (int k = 1; k <= p->nargs; k++)
            if (ap_at(p, k)->group == g + 1)
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s ", ap_at(p, k)->flag);
        snprintf(msg, sizeof(msg), "one of the arguments %sis required", names);
        ap_die(p, msg);
    }
}

static int ap_index(const ap_parser *p, const char *flag) {
    for (int k = 1; k <= p->nargs; k++)
        if (!strcmp(ap_at(p, k)->flag, flag))
            return k;
    fprintf(stderr, "internal error: no option %s\n", flag);
    abort();
}

/* The value given, else the default, else NULL. */
RT_FN const char *ap_get(const ap_parser *p, const char *flag) {
    int k = ap_index(p, flag);
    return p->val[k] ? p->val[k] : ap_at(p, k)->def;
}
RT_FN int ap_given(const ap_parser *p, const char *flag) { return p->seen[ap_index(p, flag)]; }
RT_FN long long ap_getll(const ap_parser *p, const char *flag, long long def) {
    const char *v = ap_get(p, flag);
    return v ? strtoll(v, NULL, 10) : def;
}
RT_FN int ap_list(const ap_parser *p, const char *flag, const char ***out) {
    int k = ap_index(p, flag);
    *out = p->list[k];
    return p->nlist[k];
}

/* ------------------------------------------------------------------------
 * Java formatting
 * ---------------------------------------------------------------------- */

/* String.format("%.<prec>f", d) as Java prints it (Infinity, NaN). */
RT_FN const char *java_fixed(double d, int prec, char *out, size_t n) {
    if (isnan(d))
        snprintf(out, n, "NaN");
    else if (isinf(d))
        snprintf(out, n, d > 0 ? "Infinity" : "-Infinity");
    else
        snprintf(out, n, "%.*f", prec, d);
    return out;
}

/* A JSON string as Jackson writes it (or null). */
RT_FN void json_str(FILE *f, const char *s, size_t len) {
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (ch < 0x20)
                fprintf(f, "\\u%04X", ch);
            else
                fputc(ch, f);
        }
    }
    fputc('"', f);
}

/* java.util.Random */
typedef struct java_random {
    uint64_t seed;
} java_random;
RT_FN void jrand_init(java_random *r, int64_t seed) {
    r->seed = ((uint64_t)seed ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1);
}
static int32_t jrand_next(java_random *r, int bits) {
    r->seed = (r->seed * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
    return (int32_t)(int64_t)(r->seed >> (48 - bits));
}
RT_FN int32_t jrand_int(java_random *r, int32_t bound) {
    if ((bound & -bound) == bound)
        return (int32_t)(((int64_t)bound * (int64_t)jrand_next(r, 31)) >> 31);
    int32_t bits, val;
    do {
        bits = jrand_next(r, 31);
        val = bits % bound;
    } while (bits - val + (bound - 1) < 0);
    return val;
}

/* ------------------------------------------------------------------------
 * Throttler (Kafka's ThroughputThrottler); `wait` sleeps while serving the
 * client (poll), so that callbacks keep flowing.
 * ---------------------------------------------------------------------- */
typedef struct rt_throttler {
    int64_t start_ms, sleep_ns, target, deficit_ns;
    int64_t start_ns; /* monotonic clock at init */
} rt_throttler;

RT_FN void rt_throttler_init(rt_throttler *t, int64_t target, int64_t start_ms) {
    t->start_ms = start_ms;
    t->target = target;
    t->sleep_ns = target > 0 ? 1000000000LL / target : INT64_MAX;
    t->deficit_ns = 0;
    t->start_ns = rt_mono_ns();
}

/* Kafka's shouldThrottle compares so_far / elapsed seconds with the target,
 * elapsed in whole milliseconds; a native send takes about a microsecond, so
 * thousands of sends fit in the first millisecond and would never be
 * throttled: elapsed is measured in microseconds here. */
RT_FN int rt_should_throttle(const rt_throttler *t, int64_t so_far, int64_t send_start_ms) {
    (void)send_start_ms;
    if (t->target < 0)
        return 0;
    double elapsed = (double)(rt_mono_ns() - t->start_ns) / 1e9;
    return elapsed > 0 && ((double)so_far / elapsed) > (double)t->target;
}

/* Sleeps as Kafka's throttle() does; calls wait(ms) to pass the time.
 * *stop ends a throughput-0 wait. */
RT_FN void rt_throttle(rt_throttler *t, void (*wait)(int ms, void *), void *arg, volatile int *stop) {
    if (t->target == 0) {
        while (!*stop)
            wait(100, arg);
        return;
    }
    t->deficit_ns += t->sleep_ns;
    if (t->deficit_ns >= 2000000) {
        int64_t start = rt_mono_ns(), remaining = t->deficit_ns;
        while (!*stop && remaining > 0) {
            int ms = (int)(remaining / 1000000);
            if (ms == 0) {
                struct timespec ts = {0, (long)remaining};
                nanosleep(&ts, NULL);
            } else
                wait(ms, arg);
            remaining = t->deficit_ns - (rt_mono_ns() - start);
        }
        t->deficit_ns = 0;
    }
}

/* ------------------------------------------------------------------------
 * Client properties
 * ---------------------------------------------------------------------- */

/* Sets one Java client property on a librdkafka config. Keys librdkafka
 * does not know (serializers, interceptors...) are skipped; a few Java
 * names are translated. Returns 0, or -1 with err set on an invalid value. */
RT_FN int rdk_conf_set(rd_kafka_conf_t *c, const char *k, const char *v, char *err, size_t errlen) {
    char tmp[64];
    if (!strcmp(k, "buffer.memory")) {
        snprintf(tmp, sizeof(tmp), "%lld", atoll(v) / 1024 > 0 ? atoll(v) / 1024 : 1);
        k = "queue.buffering.max.kbytes";
        v = tmp;
    } else if (!strcmp(k, "auto.offset.reset") && !strcmp(v, "none")) {
        v = "error";
    } else if (!strcmp(k, "receive.buffer.bytes")) {
        k = "socket.receive.buffer.bytes";
    } else if (!strcmp(k, "send.buffer.bytes")) {
        k = "socket.send.buffer.bytes";
    } else if (!strcmp(k, "max.poll.records") || !strcmp(k, "max.block.ms")) {
        return 0;
    }
    rd_kafka_conf_res_t r = rd_kafka_conf_set(c, k, v, err, errlen);
    if (r == RD_KAFKA_CONF_INVALID)
        return -1;
    return 0;
}

/* Loads a .properties file into p (later keys win). NULL path: no-op.
 * Returns -1 if the file can't be read. */
RT_FN int rdk_props_file(props *p, const char *path) {
    if (!path)
        return 0;
    char err[256];
    props *f = props_load(path, err, sizeof(err));
    if (!f)
        return -1;
    for (size_t i = 0; i < props_count(f); i++)
        props_set(p, props_key(f, i), props_value(f, i));
    props_free(f);
    return 0;
}

/* Applies every property of p; on an invalid value prints Kafka's
 * ConfigException and exits 1. */
RT_FN void rdk_conf_apply(rd_kafka_conf_t *c, props *p) {
    char err[512];
    for (size_t i = 0; i < props_count(p); i++) {
        if (rdk_conf_set(c, props_key(p, i), props_value(p, i), err, sizeof(err))) {
            fprintf(stderr,
                    "Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Invalid value %s "
                    "for configuration %s: %s\n",
                    props_value(p, i), props_key(p, i), err);
            exit(1);
        }
    }
}

/* Java exception class and message for a librdkafka error. */
/* rd_kafka_new of the tool's producer or consumer (with the log lines of
 * Java's "Producer" / "Consumer", a consumer polled through its queue);
 * on failure Java's uncaught "KafkaException: Failed to construct kafka
 * producer: <why>" (or consumer), exit 1. */
RT_FN rd_kafka_t *rdk_new_client(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
    int producer = type == RD_KAFKA_PRODUCER;
    char err[512];
    rdk_log_attach(conf, producer ? "Producer" : "Consumer");
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) {
        char msg[600];
        snprintf(msg, sizeof(msg), "Failed to construct kafka %s: %s", producer ? "producer" : "consumer", err);
        tools_die_exception("org.apache.kafka.common.KafkaException", msg);
    }
    if (!producer)
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

RT_FN const char *rdk_exception(rd_kafka_resp_err_t e, char *msg, size_t n) {
    switch (e) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        snprintf(msg, n, "%s", rd_kafka_err2str(e));
        return "org.apache.kafka.common.errors.TimeoutException";
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        snprintf(msg, n, "This server is not the leader for that topic-partition.");
        return "org.apache.kafka.common.errors.NotLeaderForPartitionException";
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        snprintf(msg, n, "This server does not host this topic-partition.");
        return "org.apache.kafka.common.errors.UnknownTopicOrPartitionException";
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        snprintf(msg, n, "The request included a message larger than the max message size the server will accept.");
        return "org.apache.kafka.common.errors.RecordTooLargeException";
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        snprintf(msg, n, "Messages are rejected since there are fewer in-sync replicas than required.");
        return "org.apache.kafka.common.errors.NotEnoughReplicasException";
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        snprintf(msg, n, "Not authorized to access topics: [%s]", "");
        return "org.apache.kafka.common.errors.TopicAuthorizationException";
    default:
        snprintf(msg, n, "%s", rd_kafka_err2str(e));
        return "org.apache.kafka.common.KafkaException";
    }
}

/* ToolsUtils.printMetrics over name/value pairs (names are sorted here). */
typedef struct rt_metric {
    char name[200];
    double value;
} rt_metric;

static int rt_metric_cmp(const void *a, const void *b) {
    return strcmp(((const rt_metric *)a)->name, ((const rt_metric *)b)->name);
}

RT_FN void rt_print_metrics(rt_metric *m, int n) {
    if (n == 0)
        return;
    qsort(m, (size_t)n, sizeof(*m), rt_metric_cmp);
    int w = 0;
    for (int i = 0; i < n; i++)
        if ((int)strlen(m[i].name) > w)
            w = (int)strlen(m[i].name);
    printf("\n%-*s   %s\n", w, "Metric Name", "Value");
    for (int i = 0; i < n; i++) {
        char v[64];
        printf("%-*s : %s\n", w, m[i].name, java_fixed(m[i].value, 3, v, sizeof(v)));
    }
}

#endif
