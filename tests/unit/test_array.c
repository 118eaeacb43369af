/* test_array.c -- array_reserve (array.c): growth by doubling (how many
 * reallocs n appends cost), the contents kept, parallel arrays sharing a
 * capacity, and sizes that overflow refused with the array left as it was. */
#include <stdint.h>

#include "array.h"
#include "unit.h"

static void check_growth(void) {
    int32_t *v = NULL;
    size_t cap = 0, grows = 0;
    for (int32_t i = 0; i < 100000; i++) {
        size_t before = cap;
        int32_t *n = array_reserve(v, &cap, (size_t)i + 1, sizeof(*v));
        if (!n) {
            CHECK(n != NULL);
            break;
        }
        if (cap != before)
            grows++;
        v = n;
        v[i] = i;
    }
    CHECK(cap >= 100000);
    CHECK(cap < 2 * 100000); /* doubled, never more than needed */
    CHECK(grows <= 16);      /* 4, 8, ..., 131072: log2, not one per element */
    int ok = 1;
    for (int32_t i = 0; i < 100000; i++)
        ok &= v[i] == i;
    CHECK(ok);
    free(v);
}

static void check_capacities(void) {
    char *v = NULL;
    size_t cap = 0;
    v = array_reserve(v, &cap, 1, 1);
    CHECK_EQ(cap, 4); /* the smallest */
    char *same = array_reserve(v, &cap, 4, 1);
    CHECK(same == v); /* room already: nothing moves */
    CHECK_EQ(cap, 4);
    v = array_reserve(v, &cap, 5, 1);
    CHECK_EQ(cap, 8);
    v = array_reserve(v, &cap, 100, 1); /* a jump past the double */
    CHECK_EQ(cap, 100);
    free(v);

    /* an array allocated elsewhere, capacity unknown (0): grows to what is needed */
    size_t c0 = 0;
    char *exact = malloc(10);
    exact = array_reserve(exact, &c0, 11, 1);
    CHECK(exact != NULL);
    CHECK_EQ(c0, 11);
    free(exact);

    /* parallel arrays grown from one capacity come out the same */
    int *a = NULL;
    double *b = NULL;
    size_t shared = 0;
    for (size_t n = 1; n <= 1000; n++) {
        size_t ca = shared;
        a = array_reserve(a, &ca, n, sizeof(*a));
        b = array_reserve(b, &shared, n, sizeof(*b));
        CHECK_EQ(ca, shared);
        a[n - 1] = (int)n;
        b[n - 1] = (double)n;
    }
    CHECK(a[999] == 1000 && b[999] == 1000.0);
    free(a);
    free(b);
}

static void check_overflow(void) {
    int64_t *v = malloc(4 * sizeof(*v));
    v[0] = 42;
    size_t cap = 4;
    /* need * size past SIZE_MAX: refused, the array and capacity kept */
    CHECK(array_reserve(v, &cap, SIZE_MAX / sizeof(*v) + 1, sizeof(*v)) == NULL);
    CHECK_EQ(cap, 4);
    CHECK(array_reserve(v, &cap, SIZE_MAX, sizeof(*v)) == NULL);
    CHECK_EQ(cap, 4);
    CHECK_EQ(v[0], 42);
    /* a capacity whose double would overflow, with a need past what fits */
    size_t big = SIZE_MAX / 2;
    CHECK(array_reserve(v, &big, big + 1, 2) == NULL);
    CHECK_EQ(big, SIZE_MAX / 2);
    CHECK_EQ(v[0], 42);
    /* size 0 is not an array */
    CHECK(array_reserve(v, &cap, 5, 0) == NULL);
    free(v);
}

int main(void) {
    check_growth();
    check_capacities();
    check_overflow();
    return unit_report("test_array");
}
