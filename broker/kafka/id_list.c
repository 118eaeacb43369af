/* id_list.c -- lists of broker ids: membership and text (see id_list.h). */
#include "id_list.h"

#include <stdio.h>

int id_in_list(const int32_t *a, int n, int32_t v) {
    for (int i = 0; i < n; i++)
        if (a[i] == v)
            return 1;
    return 0;
}

size_t id_list_str(char *out, size_t cap, const int32_t *a, int n, const char *sep) {
    size_t at = 0;
    out[0] = 0;
    for (int i = 0; i < n && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%d", i ? sep : "", a[i]);
    return at < cap ? at : cap - 1;
}
