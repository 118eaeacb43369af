/* props.c -- Java ".properties" parser; see props.h for the syntax. */
#include "props.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

typedef struct prop_entry {
    char *key;
    char *value;
} prop_entry;

struct props {
    prop_entry *e;
    size_t n, cap;
    uint32_t *index; /* open addressing: entry number + 1, 0 = empty */
    size_t index_cap;
};

/* ---------- storage ---------- */

static uint32_t hash_str(const char *s) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int index_rebuild(props *p, size_t want) {
    size_t cap = 16;
    while (cap < want * 2)
        cap *= 2;
    uint32_t *ix = calloc(cap, sizeof(*ix));
    if (!ix)
        return -1;
    for (size_t i = 0; i < p->n; i++) {
        size_t h = hash_str(p->e[i].key) & (cap - 1);
        while (ix[h])
            h = (h + 1) & (cap - 1);
        ix[h] = (uint32_t)(i + 1);
    }
    free(p->index);
    p->index = ix;
    p->index_cap = cap;
    return 0;
}

static long find(const props *p, const char *key) {
    if (!p->index_cap)
        return -1;
    size_t h = hash_str(key) & (p->index_cap - 1);
    while (p->index[h]) {
        uint32_t i = p->index[h] - 1;
        if (strcmp(p->e[i].key, key) == 0)
            return (long)i;
        h = (h + 1) & (p->index_cap - 1);
    }
    return -1;
}

props *props_new(void) {
    return calloc(1, sizeof(props));
}

void props_free(props *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->e[i].key);
        free(p->e[i].value);
    }
    free(p->e);
    free(p->index);
    free(p);
}

const char *props_get(const props *p, const char *key) {
    long i = p && key ? find(p, key) : -1;
    return i < 0 ? NULL : p->e[i].value;
}

/* Takes ownership of key and value (both malloc'd) on success. */
static int set_owned(props *p, char *key, char *value) {
    long i = find(p, key);
    if (i >= 0) {
        free(p->e[i].value);
        p->e[i].value = value;
        free(key);
        return 0;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        prop_entry *e = realloc(p->e, cap * sizeof(*e));
        if (!e)
            return -1;
        p->e = e;
        p->cap = cap;
    }
    if ((p->n + 1) * 2 > p->index_cap && index_rebuild(p, p->n + 1) < 0)
        return -1;
    p->e[p->n].key = key;
    p->e[p->n].value = value;
    size_t h = hash_str(key) & (p->index_cap - 1);
    while (p->index[h])
        h = (h + 1) & (p->index_cap - 1);
    p->index[h] = (uint32_t)(p->n + 1);
    p->n++;
    return 0;
}

int props_set(props *p, const char *key, const char *value) {
    char *k = strdup(key), *v = strdup(value ? value : "");
    if (!k || !v || set_owned(p, k, v) < 0) {
        free(k);
        free(v);
        return -1;
    }
    return 0;
}

int props_remove(props *p, const char *key) {
    long i = find(p, key);
    if (i < 0)
        return 0;
    free(p->e[i].key);
    free(p->e[i].value);
    memmove(&p->e[i], &p->e[i + 1], (p->n - (size_t)i - 1) * sizeof(*p->e));
    p->n--;
    /* re-index in place (same capacity, fewer entries: no allocation needed) */
    memset(p->index, 0, p->index_cap * sizeof(*p->index));
    for (size_t j = 0; j < p->n; j++) {
        size_t h = hash_str(p->e[j].key) & (p->index_cap - 1);
        while (p->index[h])
            h = (h + 1) & (p->index_cap - 1);
        p->index[h] = (uint32_t)(j + 1);
    }
    return 1;
}

size_t props_count(const props *p) { return p ? p->n : 0; }
const char *props_key(const props *p, size_t i) { return i < p->n ? p->e[i].key : NULL; }
const char *props_value(const props *p, size_t i) { return i < p->n ? p->e[i].value : NULL; }

/* ---------- parsing ---------- */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

static size_t put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads "XXXX" after "\u" at s[*i]; returns code unit or -1. */
static long read_u4(const char *s, size_t n, size_t *i) {
    if (*i + 4 > n)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hex_digit(s[*i + (size_t)k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    *i += 4;
    return v;
}

/* Java's loadConvert: resolves escapes. Output is at most as long as the input
 * (\uXXXX = 6 bytes -> <= 3 bytes of UTF-8; a surrogate pair = 12 -> 4). */
static char *unescape(const char *s, size_t n) {
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    size_t i = 0;
    while (i < n) {
        char c = s[i++];
        if (c != '\\' || i >= n) { /* a lone trailing backslash was already dropped */
            *o++ = c;
            continue;
        }
        c = s[i++];
        switch (c) {
        case 't': *o++ = '\t'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            long u = read_u4(s, n, &i);
            if (u < 0) {
                free(out);
                errno = EINVAL;
                return NULL;
            }
            uint32_t cp = (uint32_t)u;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                size_t j = i + 2;
                long lo = read_u4(s, n, &j);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    i = j;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD; /* unpaired surrogate */
            o += put_utf8(o, cp);
            break;
        }
        default: *o++ = c; break;
        }
    }
    *o = '\0';
    return out;
}

/* Splits one logical line (escapes still in place) into key and value (Java's load0). */
static int add_line(props *p, const char *l, size_t n) {
    size_t klen = 0, vstart = n;
    int has_sep = 0, bs = 0;
    while (klen < n) {
        char c = l[klen];
        if ((c == '=' || c == ':') && !bs) {
            vstart = klen + 1;
            has_sep = 1;
            break;
        }
        if (is_blank(c) && !bs) {
            vstart = klen + 1;
            break;
        }
        bs = c == '\\' ? !bs : 0;
        klen++;
    }
    while (vstart < n) {
        char c = l[vstart];
        if (!is_blank(c)) {
            if (!has_sep && (c == '=' || c == ':'))
                has_sep = 1;
            else
                break;
        }
        vstart++;
    }
    char *k = unescape(l, klen);
    char *v = k ? unescape(l + vstart, n - vstart) : NULL;
    if (!k || !v || set_owned(p, k, v) < 0) {
        int e = errno;
        free(k);
        free(v);
        errno = e == EINVAL ? EINVAL : ENOMEM;
        return -1;
    }
    return 0;
}

/* Consumes one line terminator (\n, \r or \r\n) at *pos if present. */
static void eat_eol(const char *t, size_t len, size_t *pos) {
    if (*pos < len && t[*pos] == '\r')
        (*pos)++;
    else if (*pos < len && t[*pos] == '\n') {
        (*pos)++;
        return;
    } else
        return;
    if (*pos < len && t[*pos] == '\n')
        (*pos)++;
}

props *props_parse_err(const char *text, size_t len, char *err, size_t errlen) {
    props *p = props_new();
    char *buf = malloc(len + 1); /* a logical line is never longer than the text */
    if (!p || !buf) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        free(buf);
        props_free(p);
        return NULL;
    }
    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        lineno++;
        int first_line = lineno;
        while (pos < len && is_blank(text[pos]))
            pos++;
        if (pos >= len)
            break;
        char c = text[pos];
        if (c == '\n' || c == '\r') {
            eat_eol(text, len, &pos);
            continue;
        }
        if (c == '#' || c == '!') {
            while (pos < len && text[pos] != '\n' && text[pos] != '\r')
                pos++;
            eat_eol(text, len, &pos);
            continue;
        }
        size_t n = 0;
        for (;;) {
            size_t seg = n;
            while (pos < len && text[pos] != '\n' && text[pos] != '\r')
                buf[n++] = text[pos++];
            size_t nbs = 0;
            while (n - nbs > seg && buf[n - nbs - 1] == '\\')
                nbs++;
            if (nbs % 2 == 0) {
                eat_eol(text, len, &pos);
                break;
            }
            n--; /* drop the continuation backslash */
            if (pos >= len)
                break;
            eat_eol(text, len, &pos);
            lineno++;
            while (pos < len && is_blank(text[pos]))
                pos++;
        }
        if (n == 0)
            continue;
        if (add_line(p, buf, n) < 0) {
            if (err && errlen)
                snprintf(err, errlen, errno == EINVAL ? "line %d: Malformed \\uxxxx encoding." : "line %d: out of memory",
                         first_line);
            free(buf);
            props_free(p);
            return NULL;
        }
    }
    free(buf);
    return p;
}

props *props_parse(const char *text, size_t len) {
    return props_parse_err(text, len, NULL, 0);
}

props *props_load(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *text = malloc(cap);
    while (text) {
        size_t r = fread(text + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            if (ferror(f)) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                free(text);
                fclose(f);
                return NULL;
            }
            break;
        }
        char *t = realloc(text, cap * 2);
        if (!t)
            free(text);
        text = t;
        cap *= 2;
    }
    fclose(f);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    char why[128];
    props *p = props_parse_err(text, n, why, sizeof(why));
    free(text);
    if (!p)
        snprintf(err, errlen, "%s:%s", path, why + (strncmp(why, "line ", 5) == 0 ? 5 : 0));
    return p;
}
