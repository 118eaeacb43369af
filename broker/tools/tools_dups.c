/* tools_dups.c -- the duplicate checks of the tools' inputs (partitions
 * named twice in a JSON file, a broker twice in a replica list, a config
 * key twice on the command line), in O(n log n): the items' indexes are
 * sorted by item, then by index, so that each run of equal items starts
 * with its first occurrence. A file or an argument of a million entries
 * costs milliseconds, not the hours of comparing every pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

typedef struct dup_sort_ctx {
    const void *items;
    tools_item_cmp *cmp;
} dup_sort_ctx;

static int cmp_index(const void *x, const void *y, void *arg) {
    const dup_sort_ctx *c = arg;
    int i = *(const int *)x, j = *(const int *)y;
    int r = c->cmp(c->items, i, j);
    return r ? r : (i > j) - (i < j);
}

void tools_first_occurrence(const void *items, int n, tools_item_cmp *cmp, int *first) {
    if (n <= 0)
        return;
    int *idx = malloc((size_t)n * sizeof(int));
    if (!idx)
        abort();
    for (int i = 0; i < n; i++)
        idx[i] = i;
    dup_sort_ctx c = {items, cmp};
    qsort_r(idx, (size_t)n, sizeof(int), cmp_index, &c);
    for (int k = 0, head = 0; k < n; k++) {
        if (k == 0 || cmp(items, idx[head], idx[k]) != 0)
            head = k;
        first[idx[k]] = idx[head];
    }
    free(idx);
}

/* first[] as above; dups[] (room for n) gets the first occurrence of each
 * item seen more than once, in input order; returns how many. *repeat (if
 * not NULL): the lowest index that repeats an earlier item, -1 if none. */
static int duplicates_of(const int *first, int n, int *dups, int *repeat) {
    char *again = calloc((size_t)n + 1, 1);
    if (!again)
        abort();
    if (repeat)
        *repeat = -1;
    for (int i = 0; i < n; i++)
        if (first[i] != i) {
            again[first[i]] = 1;
            if (repeat && *repeat < 0)
                *repeat = i;
        }
    int nd = 0;
    for (int i = 0; i < n; i++)
        if (again[i] && dups)
            dups[nd++] = i;
        else if (again[i])
            nd++;
    free(again);
    return nd;
}

int tools_duplicates(const void *items, int n, tools_item_cmp *cmp, int *dups, int *repeat) {
    if (repeat)
        *repeat = -1;
    if (n <= 1)
        return 0;
    int *first = malloc((size_t)n * sizeof(int));
    if (!first)
        abort();
    tools_first_occurrence(items, n, cmp, first);
    int nd = duplicates_of(first, n, dups, repeat);
    free(first);
    return nd;
}

static int cmp_i32_at(const void *items, int i, int j) {
    const int32_t *v = items;
    return (v[i] > v[j]) - (v[i] < v[j]);
}

int tools_int_duplicates(const int32_t *v, int n, int *dups, int *repeat) {
    return tools_duplicates(v, n, cmp_i32_at, dups, repeat);
}

int tools_str_duplicates(const char *const *v, int n, int *dups, int *repeat) {
    return tools_duplicates(v, n, tools_cmp_str_at, dups, repeat);
}

static int cmp_tp_at(const void *items, int i, int j) {
    const ka_tp_offset *v = items;
    int c = strcmp(v[i].topic, v[j].topic);
    return c ? c : (v[i].partition > v[j].partition) - (v[i].partition < v[j].partition);
}

void tools_tp_first_occurrence(const ka_tp_offset *tps, int n, int *first) {
    tools_first_occurrence(tps, n, cmp_tp_at, first);
}

int tools_tp_duplicates(const ka_tp_offset *tps, int n, char *out, size_t cap) {
    out[0] = 0;
    if (n <= 1)
        return 0;
    int *dups = malloc((size_t)n * sizeof(int));
    if (!dups)
        abort();
    int nd = tools_duplicates(tps, n, cmp_tp_at, dups, NULL);
    size_t at = 0;
    for (int k = 0; k < nd && at < cap; k++)
        at += (size_t)snprintf(out + at, cap - at, "%s%s-%d", k ? "," : "", tps[dups[k]].topic,
                               tps[dups[k]].partition);
    free(dups);
    return nd;
}

/* Keeps the first occurrence of each item of `items` (n of `size` bytes),
 * in their order; returns how many are kept. */
static int unique_items(void *items, size_t size, int n, tools_item_cmp *cmp) {
    if (n <= 1)
        return n;
    int *first = malloc((size_t)n * sizeof(int));
    if (!first)
        abort();
    tools_first_occurrence(items, n, cmp, first);
    char *b = items;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (first[i] == i) {
            if (m != i)
                memcpy(b + (size_t)m * size, b + (size_t)i * size, size);
            m++;
        }
    free(first);
    return m;
}

int tools_int_unique(int32_t *v, int n) { return unique_items(v, sizeof(*v), n, cmp_i32_at); }

int tools_cmp_str_at(const void *items, int i, int j) {
    const char *const *v = items;
    return strcmp(v[i], v[j]);
}

int tools_keep_last_values(const char **keys, const char **vals, int n) {
    if (n <= 1)
        return n;
    int *first = malloc((size_t)n * sizeof(int)), *slot = malloc((size_t)n * sizeof(int));
    if (!first || !slot)
        abort();
    tools_first_occurrence(keys, n, tools_cmp_str_at, first);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (first[i] == i) {
            slot[i] = m;
            keys[m++] = keys[i];
        }
        vals[slot[first[i]]] = vals[i];
    }
    free(first);
    free(slot);
    return m;
}

int tools_str_unique(const char **v, int n) {
    return unique_items((void *)v, sizeof(*v), n, tools_cmp_str_at);
}
