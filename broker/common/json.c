/* json.c -- recursive-descent JSON parser for znodes (json_parse) and for
 * the JSON of Kafka Connect's JsonConverter (json_parse_first), strict as
 * Jackson is: control characters in strings, unknown escapes, leading
 * zeroes and the like are refused; \u escapes, surrogate pairs included,
 * become UTF-8. */
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hex.h"

#define MAX_DEPTH 32        /* json_parse: a znode nests a few levels */
#define MAX_DEPTH_FIRST 200 /* json_parse_first */

typedef struct jp {
    const char *s;
    size_t len, off;
    int err;
    int max_depth;
    int last_key_wins; /* a repeated object key: its first place, its last value */
} jp;

static void ws(jp *p) {
    while (p->off < p->len &&
           (p->s[p->off] == ' ' || p->s[p->off] == '\t' || p->s[p->off] == '\r' || p->s[p->off] == '\n'))
        p->off++;
}

static json *jnew(enum json_type t) {
    json *j = calloc(1, sizeof(*j));
    if (!j)
        abort();
    j->type = t;
    return j;
}

void json_free(json *j) {
    if (!j)
        return;
    for (int i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->key_lens);
    free(j->str);
    free(j);
}

/* The 4 hex digits at s[off..off+4), or -1. */
static int32_t hex4(const jp *p, size_t off) {
    int32_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = off + i < p->len ? hex_digit(p->s[off + i]) : -1;
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static void put_utf8(wbuf *w, uint32_t cp) {
    if (cp < 0x80) {
        wb_i8(w, (int8_t)cp);
    } else if (cp < 0x800) {
        wb_i8(w, (int8_t)(0xC0 | (cp >> 6)));
        wb_i8(w, (int8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF) { /* a lone surrogate: Java's encoder writes '?' */
            wb_i8(w, '?');
            return;
        }
        wb_i8(w, (int8_t)(0xE0 | (cp >> 12)));
        wb_i8(w, (int8_t)(0x80 | ((cp >> 6) & 0x3F)));
        wb_i8(w, (int8_t)(0x80 | (cp & 0x3F)));
    } else {
        wb_i8(w, (int8_t)(0xF0 | (cp >> 18)));
        wb_i8(w, (int8_t)(0x80 | ((cp >> 12) & 0x3F)));
        wb_i8(w, (int8_t)(0x80 | ((cp >> 6) & 0x3F)));
        wb_i8(w, (int8_t)(0x80 | (cp & 0x3F)));
    }
}

/* A string literal at p->off (on its quote): a NUL-terminated copy, its
 * length (it may hold NULs) in *outlen. */
static char *parse_string(jp *p, size_t *outlen) {
    if (p->off >= p->len || p->s[p->off] != '"')
        return p->err = 1, NULL;
    p->off++;
    wbuf w;
    wb_init(&w, 32);
    for (;;) {
        if (p->off >= p->len)
            goto fail;
        unsigned char c = (unsigned char)p->s[p->off++];
        if (c == '"')
            break;
        if (c < 0x20)
            goto fail;
        if (c != '\\') {
            wb_i8(&w, (int8_t)c);
            continue;
        }
        if (p->off >= p->len)
            goto fail;
        char e = p->s[p->off++];
        switch (e) {
        case '"': wb_i8(&w, '"'); break;
        case '\\': wb_i8(&w, '\\'); break;
        case '/': wb_i8(&w, '/'); break;
        case 'b': wb_i8(&w, '\b'); break;
        case 'f': wb_i8(&w, '\f'); break;
        case 'n': wb_i8(&w, '\n'); break;
        case 'r': wb_i8(&w, '\r'); break;
        case 't': wb_i8(&w, '\t'); break;
        case 'u': {
            int32_t cp = hex4(p, p->off);
            if (cp < 0)
                goto fail;
            p->off += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && p->off + 6 <= p->len && p->s[p->off] == '\\' &&
                p->s[p->off + 1] == 'u') {
                int32_t lo = hex4(p, p->off + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p->off += 6;
                }
            }
            put_utf8(&w, (uint32_t)cp);
            break;
        }
        default:
            goto fail;
        }
    }
    size_t n = w.len;
    wb_i8(&w, 0);
    *outlen = n;
    return (char *)wb_steal(&w, NULL);
fail:
    wb_free(&w);
    p->err = 1;
    return NULL;
}

static json *parse_value(jp *p, int depth);

/* The arrays grow by doubling (array.h): a container of n elements costs
 * O(n) copying, not O(n^2) (a topic's assignment znode may list thousands
 * of partitions). An object's keys and their lengths have the same
 * capacity as its items. */
static void add_item(jp *p, json *j, json *v, char *key, size_t key_len) {
    if (key && p->last_key_wins) {
        for (int i = 0; i < j->n; i++)
            if (j->key_lens[i] == key_len && !memcmp(j->keys[i], key, key_len)) {
                json_free(j->items[i]);
                j->items[i] = v;
                free(key);
                return;
            }
    }
    size_t need = (size_t)j->n + 1, cap_keys = j->cap, cap_lens = j->cap;
    j->items = array_reserve(j->items, &j->cap, need, sizeof(*j->items));
    if (!j->items)
        abort();
    if (j->type == JSON_OBJECT) {
        j->keys = array_reserve(j->keys, &cap_keys, need, sizeof(*j->keys));
        j->key_lens = array_reserve(j->key_lens, &cap_lens, need, sizeof(*j->key_lens));
        if (!j->keys || !j->key_lens)
            abort();
        j->keys[j->n] = key;
        j->key_lens[j->n] = key_len;
    }
    j->items[j->n++] = v;
}

static json *parse_container(jp *p, int depth, int is_obj) {
    json *j = jnew(is_obj ? JSON_OBJECT : JSON_ARRAY);
    p->off++;
    ws(p);
    if (p->off < p->len && p->s[p->off] == (is_obj ? '}' : ']')) {
        p->off++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        ws(p);
        if (is_obj) {
            key = parse_string(p, &key_len);
            ws(p);
            if (!key || p->off >= p->len || p->s[p->off] != ':') {
                free(key);
                goto fail;
            }
            p->off++;
        }
        json *v = parse_value(p, depth + 1);
        if (!v) {
            free(key);
            goto fail;
        }
        add_item(p, j, v, key, key_len);
        ws(p);
        if (p->off < p->len && p->s[p->off] == ',') {
            p->off++;
            continue;
        }
        if (p->off < p->len && p->s[p->off] == (is_obj ? '}' : ']')) {
            p->off++;
            return j;
        }
        goto fail;
    }
fail:
    p->err = 1;
    json_free(j);
    return NULL;
}

static int is_digit(const jp *p, size_t i) { return i < p->len && p->s[i] >= '0' && p->s[i] <= '9'; }

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static json *parse_number(jp *p) {
    size_t i = p->off;
    int integral = 1;
    if (i < p->len && p->s[i] == '-')
        i++;
    if (!is_digit(p, i))
        return p->err = 1, NULL;
    if (p->s[i] == '0') {
        if (is_digit(p, ++i))
            return p->err = 1, NULL; /* leading zeroes */
    } else {
        while (is_digit(p, i))
            i++;
    }
    if (i < p->len && p->s[i] == '.') {
        integral = 0;
        if (!is_digit(p, ++i))
            return p->err = 1, NULL;
        while (is_digit(p, i))
            i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        integral = 0;
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
            i++;
        if (!is_digit(p, i))
            return p->err = 1, NULL;
        while (is_digit(p, i))
            i++;
    }
    char *tmp = malloc(i - p->off + 1);
    if (!tmp)
        abort();
    memcpy(tmp, p->s + p->off, i - p->off);
    tmp[i - p->off] = 0;
    json *j = jnew(JSON_NUMBER);
    j->num = strtod(tmp, NULL);
    j->i64 = strtoll(tmp, NULL, 10); /* saturated beyond the int64 range */
    j->integral = integral;
    free(tmp);
    p->off = i;
    return j;
}

static json *parse_value(jp *p, int depth) {
    ws(p);
    if (p->off >= p->len || depth > p->max_depth)
        return p->err = 1, NULL;
    char c = p->s[p->off];
    if (c == '{' || c == '[')
        return parse_container(p, depth, c == '{');
    if (c == '"') {
        size_t n;
        char *s = parse_string(p, &n);
        if (!s)
            return NULL;
        json *j = jnew(JSON_STRING);
        j->str = s;
        j->str_len = n;
        return j;
    }
    static const struct {
        const char *lit;
        enum json_type t;
        int b;
    } lits[] = {{"null", JSON_NULL, 0}, {"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(lits[i].lit);
        if (p->len - p->off >= l && !memcmp(p->s + p->off, lits[i].lit, l)) {
            size_t e = p->off + l;
            if (e < p->len && (isalnum((unsigned char)p->s[e]) || p->s[e] == '_'))
                return p->err = 1, NULL; /* "truex": a token Jackson does not know */
            p->off = e;
            json *j = jnew(lits[i].t);
            j->i64 = lits[i].b;
            j->num = lits[i].b;
            return j;
        }
    }
    return parse_number(p);
}

json *json_parse(const char *s, size_t len) {
    if (!s || len > (16u << 20))
        return NULL;
    jp p = {s, len, 0, 0, MAX_DEPTH, 0};
    json *j = parse_value(&p, 0);
    ws(&p);
    if (!j || p.err || p.off != len) {
        json_free(j);
        return NULL;
    }
    return j;
}

json *json_parse_first(const char *s, size_t len) {
    if (!s)
        return NULL;
    jp p = {s, len, 0, 0, MAX_DEPTH_FIRST, 1};
    json *j = parse_value(&p, 0);
    if (!j || p.err) {
        json_free(j);
        return NULL;
    }
    return j;
}

const json *json_get(const json *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    size_t kl = strlen(key);
    for (int i = 0; i < obj->n; i++)
        if (obj->key_lens[i] == kl && !memcmp(obj->keys[i], key, kl))
            return obj->items[i];
    return NULL;
}

int json_int(const json *j, int64_t *out) {
    if (!j)
        return -1;
    if (j->type == JSON_NUMBER) {
        *out = j->i64;
        return 0;
    }
    if (j->type == JSON_STRING && j->str[0]) {
        char *end;
        long long v = strtoll(j->str, &end, 10);
        if (*end)
            return -1;
        *out = v;
        return 0;
    }
    return -1;
}

const char *json_str(const json *j) { return j && j->type == JSON_STRING ? j->str : NULL; }

void json_write_str(wbuf *w, const char *s) {
    wb_i8(w, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            wb_i8(w, '\\');
            wb_i8(w, (int8_t)c);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof(e), "\\u%04x", c);
            wb_write(w, e, 6);
        } else {
            wb_i8(w, (int8_t)c);
        }
    }
    wb_i8(w, '"');
}
