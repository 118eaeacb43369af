/* test_placement.c -- replica placement (placement.c) against the
 * assignments Kafka 2.5's own AdminUtils tests expect, plus the properties
 * that must hold for any brokers: distinct replicas, every rack used before
 * one repeats, leaders spread evenly; and the tools' --zookeeper form of it
 * (zka_assign_replicas): the same placement, Kafka's checks and messages. */
#include <stdio.h>
#include <string.h>

#include "placement.h"
#include "unit.h"
#include "zk_admin.h"

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

/* The tools' AdminUtils.assignReplicasToBrokers: placement_assign's walk,
 * racks only when rack-aware, Kafka's exception messages. */
static void check_tools_form(void) {
    zka_broker plain[] = {{0, NULL}, {1, NULL}, {2, NULL}, {3, NULL}, {4, NULL}};
    int32_t out[30];
    char err[256];
    CHECK(zka_assign_replicas(plain, 5, 10, 3, 0, -1, 1, out, err, sizeof(err)) == 0);
    static const int32_t want[30] = {0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0, 4, 0, 1,
                                     0, 2, 3, 1, 3, 4, 2, 4, 0, 3, 0, 1, 4, 1, 2};
    CHECK(memcmp(out, want, sizeof(want)) == 0);
    /* later partitions (CreatePartitions / --alter --partitions) */
    CHECK(zka_assign_replicas(plain, 5, 5, 3, 0, 5, 1, out, err, sizeof(err)) == 0);
    CHECK(memcmp(out, want + 15, 15 * sizeof(int32_t)) == 0);

    zka_broker racks[] = {{0, "rack1"}, {1, "rack3"}, {2, "rack3"},
                          {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
    CHECK(zka_assign_replicas(racks, 6, 7, 3, 0, -1, 1, out, err, sizeof(err)) == 0);
    static const int32_t want_racks[21] = {0, 3, 1, 3, 1, 5, 1, 5, 4, 5, 4, 2,
                                           4, 2, 0, 2, 0, 3, 0, 4, 2};
    CHECK(memcmp(out, want_racks, sizeof(want_racks)) == 0);
    /* --disable-rack-aware: the plain walk over the ids */
    CHECK(zka_assign_replicas(racks, 6, 6, 2, 0, -1, 0, out, err, sizeof(err)) == 0);
    static const int32_t want_plain6[12] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0};
    CHECK(memcmp(out, want_plain6, sizeof(want_plain6)) == 0);
    /* a random start: still Kafka's placement for some start and shift */
    for (int round = 0; round < 20; round++) {
        int32_t ref[21];
        int found = 0;
        CHECK(zka_assign_replicas(racks, 6, 7, 3, -1, -1, 1, out, err, sizeof(err)) == 0);
        placement_broker pb[6];
        for (int i = 0; i < 6; i++)
            pb[i] = (placement_broker){racks[i].id, racks[i].rack};
        for (int start = 0; start < 6 && !found; start++)
            for (int shift = 0; shift < 6 && !found; shift++)
                found = placement_assign(pb, 6, 7, 3, 0, start, shift, ref) == 0 &&
                        memcmp(out, ref, sizeof(ref)) == 0;
        CHECK(found);
    }

    CHECK(zka_assign_replicas(plain, 5, 0, 1, 0, -1, 1, out, err, sizeof(err)) == -1);
    CHECK(strcmp(err, "Number of partitions must be larger than 0.") == 0);
    CHECK(zka_assign_replicas(plain, 5, 1, 0, 0, -1, 1, out, err, sizeof(err)) == -1);
    CHECK(strcmp(err, "Replication factor must be larger than 0.") == 0);
    CHECK(zka_assign_replicas(plain, 5, 1, 6, 0, -1, 1, out, err, sizeof(err)) == -1);
    CHECK(strcmp(err, "Replication factor: 6 larger than available brokers: 5.") == 0);
    zka_broker mixed[] = {{1, "a"}, {2, NULL}, {3, "b"}};
    CHECK(zka_assign_replicas(mixed, 3, 3, 3, 0, -1, 1, out, err, sizeof(err)) == -1);
    CHECK(strcmp(err, "Not all brokers have rack information for replica rack aware assignment.") == 0);
    CHECK(zka_assign_replicas(mixed, 3, 3, 3, 0, -1, 0, out, err, sizeof(err)) == 0);
}

int main(void) {
    check_plain_five_brokers();
    check_rack_aware_six_brokers();
    check_properties();
    check_refusals();
    check_tools_form();
    return unit_report("test_placement");
}
