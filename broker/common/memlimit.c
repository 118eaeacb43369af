/* memlimit.c -- the memory ceiling from KAFKA_HEAP_OPTS -Xmx: parsing the
 * JVM heap options and the process-wide charge/release accounting. See
 * memlimit.h for the contract. */
#include "memlimit.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* jemalloc's control interface, when jemalloc is the allocator (normal
 * builds); NULL otherwise (sanitizer builds, unit tests). */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

static size_t limit;     /* 0 = unlimited */
static size_t admission; /* limit less the reserve for committed memory */
static size_t used, peak;
static size_t released_since_trim;
static int freed;

/* ------------------------------------------------------------------------
 * KAFKA_HEAP_OPTS
 * ---------------------------------------------------------------------- */

/* A JVM memory size: digits, then nothing (bytes) or one of kKmMgGtT. */
static int parse_size(const char *s, size_t *out) {
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return -1;
    }
    if (*end && end[1])
        return -1;
    if (v > (SIZE_MAX >> shift))
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}

int heap_opts_parse(const char *s, size_t min_xmx, heap_opts *out, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    char xms_text[256] = "";
    const char *p = s ? s : "";
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *tok = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        char word[256];
        snprintf(word, sizeof(word), "%.*s", (int)(p - tok), tok);
        int is_mx = !strncmp(word, "-Xmx", 4), is_ms = !strncmp(word, "-Xms", 4);
        if (is_mx || is_ms) {
            size_t v;
            if (parse_size(word + 4, &v) != 0 || v == 0) {
                snprintf(err, errlen, "KAFKA_HEAP_OPTS: invalid %s heap size '%s' (expected e.g. %s400m)",
                         is_mx ? "maximum" : "initial", word, is_mx ? "-Xmx" : "-Xms");
                return -1;
            }
            if (is_mx) {
                out->xmx = v;
                snprintf(out->xmx_text, sizeof(out->xmx_text), "%s", word);
            } else {
                out->xms = v;
                snprintf(xms_text, sizeof(xms_text), "%s", word);
            }
        } else if (word[0] != '-' || !word[1]) {
            snprintf(err, errlen, "KAFKA_HEAP_OPTS: '%s' is not a JVM option (expected e.g. -Xmx400m -Xms400m)",
                     word);
            return -1;
        }
        /* any other JVM option (-XX:..., -D..., -Xss...) has no meaning here */
    }
    if (out->xmx && out->xmx < min_xmx) {
        char h[32];
        snprintf(err, errlen, "KAFKA_HEAP_OPTS: maximum heap size %s is below the %s this daemon needs",
                 out->xmx_text, memlimit_human(min_xmx, h, sizeof(h)));
        return -1;
    }
    if (out->xmx && out->xms > out->xmx) {
        snprintf(err, errlen,
                 "KAFKA_HEAP_OPTS: initial heap size %s is larger than the maximum heap size %s",
                 xms_text, out->xmx_text);
        return -1;
    }
    return 0;
}

int memlimit_from_env(const char *script, const char *script_default, size_t min_xmx,
                      heap_opts *ho, size_t *limit, char *source, size_t srclen, char *err,
                      size_t errlen) {
    const char *env = getenv("KAFKA_HEAP_OPTS");
    int blank = !env || !env[strspn(env, " \t\n")];
    if (heap_opts_parse(blank ? script_default : env, min_xmx, ho, err, errlen) != 0)
        return -1;
    if (blank) {
        *limit = ho->xmx;
        snprintf(source, srclen, "%s, the default of %s (KAFKA_HEAP_OPTS is not set)", ho->xmx_text,
                 script);
    } else if (ho->xmx) {
        *limit = ho->xmx;
        snprintf(source, srclen, "KAFKA_HEAP_OPTS=\"%s\"", env);
    } else {
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        *limit = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize / 4 : (size_t)1 << 30;
        if (*limit < min_xmx)
            *limit = min_xmx;
        snprintf(source, srclen,
                 "a quarter of physical memory, as the JVM's default (KAFKA_HEAP_OPTS=\"%s\" has no -Xmx)",
                 env);
    }
    return 0;
}

const char *memlimit_human(size_t n, char *buf, size_t len) {
    static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double v = (double)n;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%zu bytes", n);
    else if (v == (double)(uint64_t)v)
        snprintf(buf, len, "%.0f %s", v, units[u]);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

/* ------------------------------------------------------------------------
 * Accounting
 * ---------------------------------------------------------------------- */
void memlimit_set(size_t n) {
    limit = n;
    size_t reserve = n / 8 > (2u << 20) ? n / 8 : (2u << 20);
    admission = n > reserve ? n - reserve : n / 2;
}

size_t memlimit_limit(void) { return limit; }
size_t memlimit_admission(void) { return limit ? admission : SIZE_MAX; }
size_t memlimit_used(void) { return used; }
size_t memlimit_peak(void) { return peak; }
size_t memlimit_room(void) { return !limit ? SIZE_MAX : used < limit ? limit - used : 0; }
int memlimit_full(void) { return limit && used >= limit; }

int memlimit_try_charge(size_t n) {
    if (limit && (n > admission || used > admission - n))
        return -1;
    memlimit_charge(n);
    return 0;
}

void memlimit_charge(size_t n) {
    used += n;
    if (used > peak)
        peak = used;
}

void memlimit_release(size_t n) {
    used = n > used ? 0 : used - n;
    released_since_trim += n;
    if (n)
        freed = 1;
}

int memlimit_freed(void) {
    int f = freed;
    freed = 0;
    return f;
}

void memlimit_trim(void) {
    released_since_trim = 0;
    if (mallctl)
        mallctl("arena.4096.purge", NULL, NULL, NULL, 0); /* 4096: MALLCTL_ARENAS_ALL */
}

/* The bytes jemalloc keeps in freed pages it has not given back (dirty and
 * muzzy), or SIZE_MAX when it cannot tell (another allocator, no stats). */
static size_t allocator_cached(void) {
    uint64_t epoch = 1;
    size_t esz = sizeof(epoch), dirty, muzzy, page, sz = sizeof(size_t);
    if (!mallctl || mallctl("epoch", &epoch, &esz, &epoch, esz) != 0 ||
        mallctl("stats.arenas.4096.pdirty", &dirty, &sz, NULL, 0) != 0 ||
        mallctl("stats.arenas.4096.pmuzzy", &muzzy, &sz, NULL, 0) != 0 ||
        mallctl("arenas.page", &page, &sz, NULL, 0) != 0)
        return SIZE_MAX;
    return (dirty + muzzy) * page;
}

/* Every limit/32 released, the allocator's cache is looked at and purged
 * once it holds limit/64 or more: it never holds limit/16 (3/64 at most).
 * Pages that it reuses at once (a busy connection's next request buffer)
 * stay mapped while it holds less, instead of being faulted in and zeroed
 * again after every purge. */
void memlimit_trim_if_due(void) {
    if (!limit || released_since_trim < limit / 32)
        return;
    released_since_trim = 0;
    if (allocator_cached() >= limit / 64)
        memlimit_trim();
}
