/* array.c -- growth of arrays by doubling, with overflow checks (see
 * array.h). */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>

#define ARRAY_MIN_CAP 4

void *array_reserve(void *items, size_t *cap, size_t need, size_t size) {
    if (need <= *cap)
        return items;
    if (size == 0)
        return NULL;
    size_t max = SIZE_MAX / size; /* the most elements whose bytes fit */
    if (need > max)
        return NULL;
    size_t ncap = *cap <= max / 2 ? *cap * 2 : max;
    if (ncap < need)
        ncap = need;
    if (ncap < ARRAY_MIN_CAP && ARRAY_MIN_CAP <= max)
        ncap = ARRAY_MIN_CAP;
    void *n = realloc(items, ncap * size);
    if (!n)
        return NULL;
    *cap = ncap;
    return n;
}
