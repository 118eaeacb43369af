/* test_json.c -- json.c: znode parsing (json_parse: the whole input, keys
 * kept as written) and Jackson's readTree for Kafka Connect
 * (json_parse_first: the first value, a repeated key's last value in its
 * first place), both as strict as Jackson: numbers, escapes, control
 * characters, literals; strings and keys holding NULs. */
#include <string.h>

#include "json.h"
#include "unit.h"

static int parses(const char *s) {
    json *j = json_parse(s, strlen(s));
    json_free(j);
    return j != NULL;
}

static void check_strict_syntax(void) {
    CHECK(parses("{\"version\":1,\"partitions\":{\"0\":[1,2]}}"));
    CHECK(parses(" [ -0, 1.5e3, 2E-2, 0.25, true, false, null ] "));
    CHECK(!parses("01"));      /* leading zero */
    CHECK(!parses("1."));      /* no digits after the point */
    CHECK(!parses("-"));
    CHECK(!parses("1e"));
    CHECK(!parses("+1"));
    CHECK(!parses("1-2"));
    CHECK(!parses("truex"));   /* an unknown token */
    CHECK(!parses("\"a\tb\""));  /* a raw control character */
    CHECK(!parses("\"\\x\""));   /* an unknown escape */
    CHECK(!parses("\"\\u12\"")); /* a short \u */
    CHECK(!parses("[1,]"));
    CHECK(!parses("{\"a\" 1}"));
    CHECK(!parses("1 2")); /* json_parse: nothing after the value */
    json *nul = json_parse("[1,\0 2]", 7); /* a NUL is not white space */
    CHECK(nul == NULL);
    json_free(nul);
}

static void check_values(void) {
    const char *s = "{\"i\":-12,\"f\":2.5,\"big\":99999999999999999999,\"s\":\"a\\u0000b\\u00e9\\ud83d\\ude00\\ud800\"}";
    json *j = json_parse(s, strlen(s));
    CHECK(j != NULL);
    if (!j)
        return;
    const json *i = json_get(j, "i"), *f = json_get(j, "f"), *big = json_get(j, "big"), *str = json_get(j, "s");
    CHECK(i && i->integral && i->i64 == -12);
    CHECK(f && !f->integral && f->num == 2.5);
    CHECK(big && big->integral && big->i64 == INT64_MAX); /* saturated */
    /* a, NUL, b, e-acute, U+1F600 from its surrogate pair, a lone surrogate as '?' */
    CHECK(str && str->str_len == 10 && !memcmp(str->str, "a\0b\xc3\xa9\xf0\x9f\x98\x80?", 10));
    json_free(j);
}

static void check_keys(void) {
    const char *s = "{\"k\":1,\"x\":2,\"k\":3,\"k\\u0000z\":4}";
    json *z = json_parse(s, strlen(s)); /* znodes: kept as written, the first found */
    CHECK(z && z->n == 4 && json_get(z, "k")->i64 == 1);
    json_free(z);
    json *j = json_parse_first(s, strlen(s)); /* Jackson: first place, last value */
    CHECK(j && j->n == 3);
    if (j) {
        CHECK(!strcmp(j->keys[0], "k") && j->items[0]->i64 == 3);
        CHECK(j->key_lens[2] == 3 && !memcmp(j->keys[2], "k\0z", 3));
        CHECK(json_get(j, "k")->i64 == 3); /* "k\0z" is not "k" */
    }
    json_free(j);
}

static void check_first_value(void) {
    const char *s = "{\"a\":[1]} trailing [";
    json *j = json_parse_first(s, strlen(s));
    CHECK(j && j->type == JSON_OBJECT);
    json_free(j);
    CHECK(json_parse(s, strlen(s)) == NULL);
    CHECK(json_parse_first("", 0) == NULL);
    CHECK(json_parse_first("  ", 2) == NULL);
    /* depth: 200 levels for readTree, 32 for znodes */
    char deep[2 * 150 + 1];
    memset(deep, '[', 150);
    memset(deep + 150, ']', 150);
    deep[300] = 0;
    json *d = json_parse_first(deep, 300);
    CHECK(d != NULL);
    json_free(d);
    CHECK(json_parse(deep, 300) == NULL);
}

int main(void) {
    check_strict_syntax();
    check_values();
    check_keys();
    check_first_value();
    return unit_report("test_json");
}
