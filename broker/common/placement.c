/* placement.c -- where the replicas of new partitions go: Kafka 2.5's
 * AdminUtils.assignReplicasToBrokers, a pure function of the brokers (id,
 * rack) and two starting points.
 *
 * Without racks: brokers sorted by id; partition p's first replica is
 * broker (p + start) mod n, the others follow at a shift that grows by one
 * every n partitions, so leaders and followers spread evenly.
 * With a rack on every broker: the same walk over a rack-alternated list
 * (one broker of each rack in turn), skipping a broker whose rack already
 * holds a replica while some rack holds none, and a broker already chosen
 * while some broker is not. */
#include "placement.h"

#include <stdlib.h>
#include <string.h>

static int replica_index(int first, int shift, int k, int n) {
    int s = 1 + (shift + k) % (n - 1 > 0 ? n - 1 : 1);
    return (first + s) % n;
}

static int cmp_id(const void *a, const void *b) {
    int32_t x = ((const placement_broker *)a)->id, y = ((const placement_broker *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_rack_id(const void *a, const void *b) {
    const placement_broker *x = a, *y = b;
    int c = strcmp(x->rack, y->rack);
    return c ? c : cmp_id(a, b);
}

/* Kafka's getRackAlternatedBrokerList: racks in name order, brokers in id
 * order within a rack, one from each rack in turn. */
static void rack_alternated(placement_broker *b, int n, int *nracks) {
    qsort(b, (size_t)n, sizeof(*b), cmp_rack_id);
    int *rack_start = malloc((size_t)(n + 1) * sizeof(int));
    int *next = malloc((size_t)(n + 1) * sizeof(int));
    placement_broker *out = malloc((size_t)n * sizeof(*out));
    if (!rack_start || !next || !out)
        abort();
    int r = 0;
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(b[i].rack, b[i - 1].rack))
            rack_start[r++] = i;
    rack_start[r] = n;
    for (int i = 0; i < r; i++)
        next[i] = rack_start[i];
    int k = 0;
    for (int ri = 0; k < n; ri = (ri + 1) % r)
        if (next[ri] < rack_start[ri + 1])
            out[k++] = b[next[ri]++];
    memcpy(b, out, (size_t)n * sizeof(*b));
    *nracks = r;
    free(out);
    free(next);
    free(rack_start);
}

static int rack_used(const placement_broker *b, const int *chosen, int nchosen, const char *rack) {
    for (int i = 0; i < nchosen; i++)
        if (!strcmp(b[chosen[i]].rack, rack))
            return 1;
    return 0;
}

static int count_racks(const placement_broker *b, const int *chosen, int nchosen) {
    int n = 0;
    for (int i = 0; i < nchosen; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(b[chosen[i]].rack, b[chosen[j]].rack);
        n += !seen;
    }
    return n;
}

int placement_assign(const placement_broker *brokers, int n, int npartitions, int rf,
                     int first_partition, int start, int shift, int32_t *out) {
    if (rf <= 0 || rf > n)
        return PLACEMENT_BAD_RF;
    int with_rack = 0;
    for (int i = 0; i < n; i++)
        with_rack += brokers[i].rack != NULL;
    if (with_rack && with_rack != n)
        return PLACEMENT_MIXED_RACKS;
    placement_broker *b = malloc((size_t)n * sizeof(*b));
    int *chosen = malloc((size_t)rf * sizeof(int));
    if (!b || !chosen)
        abort();
    memcpy(b, brokers, (size_t)n * sizeof(*b));
    int nracks = 0;
    if (with_rack)
        rack_alternated(b, n, &nracks);
    else
        qsort(b, (size_t)n, sizeof(*b), cmp_id);
    start %= n;
    for (int p = 0; p < npartitions; p++) {
        int pi = p + (first_partition > 0 ? first_partition : 0);
        if (pi > 0 && pi % n == 0)
            shift++;
        int first = (pi + start) % n;
        chosen[0] = first;
        int nchosen = 1;
        if (!with_rack) {
            for (int k = 0; k < rf - 1; k++)
                chosen[nchosen++] = replica_index(first, shift, k, n);
        } else {
            int k = 0;
            while (nchosen < rf) {
                int c = replica_index(first, shift * nracks, k++, n);
                int in_rack = rack_used(b, chosen, nchosen, b[c].rack);
                int taken = 0;
                for (int i = 0; i < nchosen; i++)
                    taken |= chosen[i] == c;
                if ((!in_rack || count_racks(b, chosen, nchosen) == nracks) &&
                    (!taken || nchosen == n))
                    chosen[nchosen++] = c;
            }
        }
        for (int r = 0; r < rf; r++)
            out[p * rf + r] = b[chosen[r]].id;
    }
    free(chosen);
    free(b);
    return 0;
}
