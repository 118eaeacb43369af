/* tools_args.c -- libFuzzer target: the tools' structured option values
 * (broker/tools/tools_args.c): kafka-topics --replica-assignment,
 * kafka-configs --add-config and --delete-config (each line of the input
 * one occurrence of the option), kafka-reassign-partitions --broker-list.
 * The input, up to its first NUL, is given to every parser. A bad value
 * must give the exception the tool prints (a class and a message), never a
 * crash, a sanitizer report, a leak or a stall; a good one must hold what
 * Kafka's parser guarantees: equal-length replica rows holding every id
 * given (none dropped), without a broker twice, which print back to the
 * same assignment; trimmed keys without
 * one twice and values without brackets; a broker list without an id
 * twice. */
#include "fuzz.h"
#include "tools.h"

static void check_error(const tools_input_error *e, const char *what) {
    if (!e->exception || !strchr(e->exception, '.') || !e->message[0]) {
        fprintf(stderr, "%s: rejected without an exception and a message\n", what);
        abort();
    }
}

static void fail(const char *what, const char *why) {
    fprintf(stderr, "%s: %s\n", what, why);
    abort();
}

static int trimmed(const char *s) {
    size_t l = strlen(s);
    return !l || ((unsigned char)s[0] > ' ' && (unsigned char)s[l - 1] > ' ');
}

/* Maximal runs of chars that are neither in seps nor <= ' ': in a value
 * the parser accepted, one per broker id (nothing may be dropped). */
static size_t runs(const char *s, const char *seps) {
    size_t n = 0;
    for (int in = 0; *s; s++) {
        int word = (unsigned char)*s > ' ' && !strchr(seps, *s);
        n += word && !in;
        in = word;
    }
    return n;
}

static void check_assignment(kadmin *a, const char *text) {
    int32_t *v, *again;
    int np, rf, np2, rf2;
    tools_input_error e = {0};
    if (tools_replica_assignment(a, text, &v, &np, &rf, &e) != 0) {
        check_error(&e, "replica assignment");
        return;
    }
    if (runs(text, ":,") != (size_t)np * (size_t)rf)
        fail("replica assignment", "the rows do not hold every broker id given");
    for (int p = 0; p < np; p++)
        if (tools_int_duplicates(v + (size_t)p * (size_t)rf, rf, NULL, NULL))
            fail("replica assignment", "accepted a broker twice in a row");
    /* printed back as "1:2,3:4", it parses to the same rows */
    wbuf w;
    wb_init(&w, (size_t)np * (size_t)rf * 12 + 1);
    for (int p = 0; p < np; p++)
        for (int r = 0; r < rf; r++) {
            char num[16];
            int k = snprintf(num, sizeof(num), "%s%d", r ? ":" : p ? "," : "", v[(size_t)p * (size_t)rf + r]);
            wb_write(&w, num, (size_t)k);
        }
    wb_write(&w, "", 1);
    if (np && rf) {
        memset(&e, 0, sizeof(e));
        if (tools_replica_assignment(a, (const char *)w.data, &again, &np2, &rf2, &e) != 0 || np2 != np ||
            rf2 != rf || memcmp(again, v, (size_t)np * (size_t)rf * sizeof(int32_t)))
            fail("replica assignment", "printed back, it parses to other rows");
    }
    wb_free(&w);
}

static void check_config_add(kadmin *a, const char *text) {
    const char **k, **v;
    int n;
    tools_input_error e = {0};
    if (tools_config_add(a, text, &k, &v, &n, &e) != 0) {
        check_error(&e, "add-config");
        return;
    }
    if (tools_str_duplicates(k, n, NULL, NULL))
        fail("add-config", "a key twice");
    for (int i = 0; i < n; i++)
        if (!trimmed(k[i]) || !trimmed(v[i]) || strpbrk(v[i], "[]"))
            fail("add-config", "a key or value not trimmed, or a bracket left in a value");
}

static void check_config_delete(kadmin *a, char *text) {
    int nargs = 1;
    for (char *p = text; *p; p++)
        nargs += *p == '\n';
    const char **args = ka_alloc(a, (size_t)nargs * sizeof(char *));
    int i = 0;
    for (char *line = text, *nl;; line = nl + 1) {
        args[i++] = line;
        if (!(nl = strchr(line, '\n')))
            break;
        *nl = 0;
    }
    const char **keys;
    int n;
    tools_config_delete(a, args, i, &keys, &n);
    if (n < i)
        fail("delete-config", "an occurrence of the option gave no key");
    for (int k = 0; k < n; k++)
        if (!trimmed(keys[k]))
            fail("delete-config", "a key not trimmed");
}

static void check_broker_list(kadmin *a, const char *text) {
    int32_t *v;
    int n;
    tools_input_error e = {0};
    if (tools_broker_list(a, text, &v, &n, &e) != 0) {
        check_error(&e, "broker list");
        return;
    }
    if (runs(text, ",") != (size_t)n)
        fail("broker list", "the list does not hold every broker id given");
    if (tools_int_duplicates(v, n, NULL, NULL))
        fail("broker list", "accepted a broker twice");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kadmin a;
    memset(&a, 0, sizeof a);
    char *text = ka_alloc(&a, size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    check_assignment(&a, text);
    check_config_add(&a, text);
    check_broker_list(&a, text);
    check_config_delete(&a, text); /* last: cuts text at its lines */
    ka_close(&a);
    return 0;
}
