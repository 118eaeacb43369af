/* producer.c -- idempotent producer bookkeeping per partition.
 *
 * For each producer id: the current epoch and a ring of the last five
 * batches' (first sequence, last sequence, base offset). A batch repeating
 * one of them is a retry: it is not appended again and is answered with the
 * original offset. A batch that does not continue the last sequence is out
 * of order. Rebuilt on start-up from the batch headers in the log. */
#include "producer.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "proto.h"

#define NCACHED 5

typedef struct pentry {
    int64_t producer_id;
    int16_t epoch;
    int n;    /* cached batches */
    int head; /* index of the newest */
    struct {
        int32_t first_seq, last_seq;
        int64_t base_offset;
    } b[NCACHED];
} pentry;

struct producer_state {
    pentry *e;
    int n, cap;
};

producer_state *pstate_new(void) {
    producer_state *ps = calloc(1, sizeof(*ps));
    if (!ps)
        abort();
    return ps;
}

void pstate_free(producer_state *ps) {
    if (!ps)
        return;
    free(ps->e);
    free(ps);
}

void pstate_clear(producer_state *ps) { ps->n = 0; }
int pstate_count(const producer_state *ps) { return ps->n; }

static pentry *find(const producer_state *ps, int64_t pid) {
    for (int i = 0; i < ps->n; i++)
        if (ps->e[i].producer_id == pid)
            return &ps->e[i];
    return NULL;
}

static int64_t hdr_producer_id(const uint8_t *h) { return (int64_t)be64_get(h + 43); }
static int16_t hdr_producer_epoch(const uint8_t *h) { return (int16_t)be16_get(h + 51); }
static int32_t hdr_base_sequence(const uint8_t *h) { return (int32_t)be32_get(h + 53); }
static int32_t hdr_last_offset_delta(const uint8_t *h) { return (int32_t)be32_get(h + 23); }
static int64_t hdr_base_offset(const uint8_t *h) { return (int64_t)be64_get(h); }

static int32_t last_seq_of(const uint8_t *h) {
    int64_t s = (int64_t)hdr_base_sequence(h) + hdr_last_offset_delta(h);
    return (int32_t)(s > INT32_MAX ? s - INT32_MAX - 1 : s);
}

int pstate_check(const producer_state *ps, const uint8_t *hdr, int64_t *dup_offset) {
    int64_t pid = hdr_producer_id(hdr);
    if (pid < 0)
        return 0;
    int16_t epoch = hdr_producer_epoch(hdr);
    int32_t first = hdr_base_sequence(hdr), last = last_seq_of(hdr);
    const pentry *e = find(ps, pid);
    if (!e)
        return 0; /* unknown producer: any sequence starts it */
    if (epoch < e->epoch)
        return ERR_INVALID_PRODUCER_EPOCH;
    if (epoch > e->epoch)
        return first == 0 ? 0 : ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    for (int i = 0; i < e->n; i++) {
        if (e->b[i].first_seq == first && e->b[i].last_seq == last) {
            *dup_offset = e->b[i].base_offset;
            return 1;
        }
    }
    int32_t expected = e->b[e->head].last_seq == INT32_MAX ? 0 : e->b[e->head].last_seq + 1;
    return first == expected ? 0 : ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
}

void pstate_update(producer_state *ps, const uint8_t *hdr) {
    int64_t pid = hdr_producer_id(hdr);
    if (pid < 0)
        return;
    pentry *e = find(ps, pid);
    if (!e) {
        if (ps->n == ps->cap) {
            ps->cap = ps->cap ? ps->cap * 2 : 4;
            ps->e = realloc(ps->e, (size_t)ps->cap * sizeof(*ps->e));
            if (!ps->e)
                abort();
        }
        e = &ps->e[ps->n++];
        memset(e, 0, sizeof(*e));
        e->producer_id = pid;
        e->head = -1;
    }
    int16_t epoch = hdr_producer_epoch(hdr);
    if (epoch != e->epoch) {
        e->epoch = epoch;
        e->n = 0;
        e->head = -1;
    }
    e->head = (e->head + 1) % NCACHED;
    e->b[e->head].first_seq = hdr_base_sequence(hdr);
    e->b[e->head].last_seq = last_seq_of(hdr);
    e->b[e->head].base_offset = hdr_base_offset(hdr);
    if (e->n < NCACHED)
        e->n++;
}
