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
    int64_t i64;         /* a number's integer part (saturated); a bool's 0/1 */
    int integral;        /* a number without fraction or exponent */
    char *str;           /* string value (NUL-terminated; it may hold NULs) */
    size_t str_len;
    int n;               /* array/object element count */
    struct json **items; /* array elements or object values */
    char **keys;         /* object keys (NUL-terminated; they may hold NULs) */
    size_t *key_lens;
    size_t cap;          /* elements allocated at items, keys, key_lens (array.h) */
} json;

/* The whole of s as one JSON value (a znode's): NULL when malformed or
 * followed by anything but white space. Depth (32) and size are bounded.
 * A repeated object key is kept twice; json_get finds the first. */
json *json_parse(const char *s, size_t len);
/* The first JSON value of s as Jackson's ObjectMapper.readTree reads it
 * (Kafka Connect's JsonConverter): what follows it is ignored, depth up to
 * 200, a repeated object key keeps its first place and its last value. */
json *json_parse_first(const char *s, size_t len);
void json_free(json *j);
const json *json_get(const json *obj, const char *key);
/* Integer from a number or a numeric string (Kafka writes some as strings). */
int json_int(const json *j, int64_t *out);
const char *json_str(const json *j);

/* Appends s as a JSON string literal. */
void json_write_str(wbuf *w, const char *s);

#endif
