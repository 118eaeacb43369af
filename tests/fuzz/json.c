/* json.c -- libFuzzer target: the JSON reader (broker/common/json.c) that
 * reads every znode value the broker and tools get from ZooKeeper (broker
 * registrations, topic assignments, partition states, configs, the tools'
 * reassignment and offsets files).
 *
 * A parsed document is walked whole (json_get on every key, json_int and
 * json_str on every value), and read again by json_parse_first.
 * Invariant: a string written by json_write_str parses back to the same
 * bytes. */
#include "fuzz.h"
#include "json.h"

static void walk(const json *j, int depth) {
    int64_t i;
    json_int(j, &i);
    json_str(j);
    if (j->type != JSON_ARRAY && j->type != JSON_OBJECT)
        return;
    for (int k = 0; k < j->n; k++) {
        /* a key holding a NUL cannot be named by a C string */
        if (j->type == JSON_OBJECT && strlen(j->keys[k]) == j->key_lens[k] &&
            json_get(j, j->keys[k]) == NULL) {
            fprintf(stderr, "json: key %d not found by json_get\n", k);
            abort();
        }
        walk(j->items[k], depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json *j = json_parse((const char *)data, size);
    if (j) {
        walk(j, 0);
        json_free(j);
    }
    json *first = json_parse_first((const char *)data, size);
    if (first) {
        walk(first, 0);
        json_free(first);
    }
    /* the input as one string value: written, parsed back, compared */
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    size_t slen = strlen(s);
    wbuf w;
    wb_init(&w, size * 6 + 8);
    json_write_str(&w, s);
    json *back = json_parse((const char *)w.data, w.len);
    if (!back || back->type != JSON_STRING || strlen(back->str) != slen ||
        memcmp(back->str, s, slen)) {
        fprintf(stderr, "json: a string written by json_write_str does not read back\n");
        abort();
    }
    json_free(back);
    wb_free(&w);
    free(s);
    return 0;
}
