/* json.c -- recursive-descent JSON parser for small documents (znodes). */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

#define MAX_DEPTH 32

typedef struct jp {
    const char *s;
    size_t len, off;
    int err;
} jp;

static void ws(jp *p) {
    while (p->off < p->len && strchr(" \t\r\n", p->s[p->off]))
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
    free(j->str);
    free(j);
}

static char *parse_string(jp *p) {
    if (p->off >= p->len || p->s[p->off] != '"')
        return p->err = 1, NULL;
    p->off++;
    wbuf w;
    wb_init(&w, 32);
    while (p->off < p->len && p->s[p->off] != '"') {
        char c = p->s[p->off++];
        if (c == '\\') {
            if (p->off >= p->len)
                break;
            char e = p->s[p->off++];
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                if (p->off + 4 > p->len) {
                    p->err = 1;
                    break;
                }
                unsigned cp = (unsigned)strtoul((char[5]){p->s[p->off], p->s[p->off + 1],
                                                          p->s[p->off + 2], p->s[p->off + 3], 0},
                                                NULL, 16);
                p->off += 4;
                if (cp < 0x80) {
                    c = (char)cp;
                } else if (cp < 0x800) {
                    wb_i8(&w, (int8_t)(0xc0 | (cp >> 6)));
                    c = (char)(0x80 | (cp & 0x3f));
                } else {
                    wb_i8(&w, (int8_t)(0xe0 | (cp >> 12)));
                    wb_i8(&w, (int8_t)(0x80 | ((cp >> 6) & 0x3f)));
                    c = (char)(0x80 | (cp & 0x3f));
                }
                break;
            }
            default: c = e;
            }
        }
        wb_i8(&w, (int8_t)c);
    }
    if (p->off >= p->len || p->err) {
        wb_free(&w);
        p->err = 1;
        return NULL;
    }
    p->off++;
    wb_i8(&w, 0);
    return (char *)wb_steal(&w, NULL);
}

static json *parse_value(jp *p, int depth);

/* The arrays grow by doubling (array.h): a container of n elements costs
 * O(n) copying, not O(n^2) (a topic's assignment znode may list thousands
 * of partitions). An object's keys have the same capacity as its items. */
static void add_item(json *j, json *v, char *key) {
    size_t need = (size_t)j->n + 1, cap_keys = j->cap;
    j->items = array_reserve(j->items, &j->cap, need, sizeof(*j->items));
    if (!j->items)
        abort();
    if (j->type == JSON_OBJECT) {
        j->keys = array_reserve(j->keys, &cap_keys, need, sizeof(*j->keys));
        if (!j->keys)
            abort();
    }
    if (j->type == JSON_OBJECT)
        j->keys[j->n] = key;
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
        ws(p);
        if (is_obj) {
            key = parse_string(p);
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
        add_item(j, v, key);
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

static json *parse_value(jp *p, int depth) {
    ws(p);
    if (p->off >= p->len || depth > MAX_DEPTH)
        return p->err = 1, NULL;
    char c = p->s[p->off];
    if (c == '{' || c == '[')
        return parse_container(p, depth, c == '{');
    if (c == '"') {
        char *s = parse_string(p);
        if (!s)
            return NULL;
        json *j = jnew(JSON_STRING);
        j->str = s;
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
            p->off += l;
            json *j = jnew(lits[i].t);
            j->i64 = lits[i].b;
            j->num = lits[i].b;
            return j;
        }
    }
    char tmp[64];
    size_t k = 0;
    while (p->off < p->len && k < sizeof(tmp) - 1 && strchr("+-0123456789.eE", p->s[p->off]))
        tmp[k++] = p->s[p->off++];
    tmp[k] = 0;
    if (!k)
        return p->err = 1, NULL;
    json *j = jnew(JSON_NUMBER);
    j->num = strtod(tmp, NULL);
    j->i64 = strtoll(tmp, NULL, 10);
    return j;
}

json *json_parse(const char *s, size_t len) {
    if (!s || len > (16u << 20))
        return NULL;
    jp p = {s, len, 0, 0};
    json *j = parse_value(&p, 0);
    ws(&p);
    if (!j || p.err || p.off != len) {
        json_free(j);
        return NULL;
    }
    return j;
}

const json *json_get(const json *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (int i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
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
