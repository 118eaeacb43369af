/* test_placement.c -- replica placement (placement.c) against the
 * assignments Kafka 2.5's own AdminUtils tests expect, plus the properties
 * that must hold for any brokers: distinct replicas, every rack used before
 * one repeats, leaders spread evenly. */
#include <stdio.h>
#include <string.h>

#include "placement.h"
#include "unit.h"

static void check_plain_five_brokers(void) {
    placement_broker b[] = {{3, NULL}, {0, NULL}, {4, NULL}, {1, NULL}, {2, NULL}};
    int32_t out[30];
    CHECK(placement_assign(b, 5, 10, 3, 0, 0, 0, out) == 0);
    static const int32_t want[30] = {0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0, 4, 0, 1,
                                     0, 2, 3, 1, 3, 4, 2, 4, 0, 3, 0, 1, 4, 1, 2};
    CHECK(memcmp(out, want, sizeof(want)) == 0);
}

static void check_rack_aware_six_brokers(void) {
    placement_broker b[] = {{0, "rack1"}, {1, "rack3"}, {2, "rack3"},
                            {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
    int32_t out[21];
    CHECK(placement_assign(b, 6, 7, 3, 0, 0, 0, out) == 0);
    static const int32_t want[21] = {0, 3, 1, 3, 1, 5, 1, 5, 4, 5, 4, 2,
                                     4, 2, 0, 2, 0, 3, 0, 4, 2};
    CHECK(memcmp(out, want, sizeof(want)) == 0);
}

static const char *rack_of(const placement_broker *b, int n, int32_t id) {
    for (int i = 0; i < n; i++)
        if (b[i].id == id)
            return b[i].rack;
    return NULL;
}

/* Any start and shift: replicas distinct, racks distinct while rf <= racks,
 * leaders within one of each other per broker. */
static void check_properties(void) {
    placement_broker b[] = {{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}, {5, "c"}, {6, "c"}};
    int n = 6;
    for (int start = 0; start < 6; start++)
        for (int shift = 0; shift < 6; shift++)
            for (int rf = 1; rf <= 3; rf++) {
                int32_t out[12 * 3];
                CHECK(placement_assign(b, n, 12, rf, 0, start, shift, out) == 0);
                int leaders[7] = {0};
                for (int p = 0; p < 12; p++) {
                    leaders[out[p * rf]]++;
                    for (int i = 0; i < rf; i++)
                        for (int j = 0; j < i; j++) {
                            CHECK(out[p * rf + i] != out[p * rf + j]);
                            CHECK(strcmp(rack_of(b, n, out[p * rf + i]),
                                         rack_of(b, n, out[p * rf + j])) != 0);
                        }
                }
                for (int id = 1; id <= 6; id++)
                    CHECK(leaders[id] == 2);
            }
}

static void check_refusals(void) {
    placement_broker mixed[] = {{1, "a"}, {2, NULL}, {3, "b"}};
    int32_t out[9];
    CHECK(placement_assign(mixed, 3, 3, 3, 0, 0, 0, out) == PLACEMENT_MIXED_RACKS);
    placement_broker plain[] = {{1, NULL}, {2, NULL}};
    CHECK(placement_assign(plain, 2, 1, 3, 0, 0, 0, out) == PLACEMENT_BAD_RF);
    CHECK(placement_assign(plain, 2, 1, 0, 0, 0, 0, out) == PLACEMENT_BAD_RF);
    /* partitions added later continue the walk where the first ones ended */
    placement_broker five[] = {{0, NULL}, {1, NULL}, {2, NULL}, {3, NULL}, {4, NULL}};
    int32_t all[30], tail[15];
    CHECK(placement_assign(five, 5, 10, 3, 0, 0, 0, all) == 0);
    CHECK(placement_assign(five, 5, 5, 3, 5, 0, 0, tail) == 0);
    CHECK(memcmp(all + 15, tail, sizeof(tail)) == 0);
}

int main(void) {
    check_plain_five_brokers();
    check_rack_aware_six_brokers();
    check_properties();
    check_refusals();
    return unit_report("test_placement");
}
