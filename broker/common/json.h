/* json.h -- a small JSON reader for ZooKeeper znode values (Kafka's
 * compact JSON) and a few writing helpers. Parsed values live in one arena
 * freed with json_free. */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

typedef struct json {
    enum json_type type;
    double num;
    int64_t i64;
    char *str;           /* string value (NUL-terminated) */
    int n;               /* array/object element count */
    struct json **items; /* array elements or object values */
    char **keys;         /* object keys */
    size_t cap;          /* elements allocated at items (and keys) (array.h) */
} json;

/* NULL on malformed input. Depth and size are bounded. */
json *json_parse(const char *s, size_t len);
void json_free(json *j);
const json *json_get(const json *obj, const char *key);
/* Integer from a number or a numeric string (Kafka writes some as strings). */
int json_int(const json *j, int64_t *out);
const char *json_str(const json *j);

/* Appends s as a JSON string literal. */
void json_write_str(wbuf *w, const char *s);

#endif
