/* repl_quota.c -- replication throttles (see repl_quota.h): Kafka's
 * ReplicationQuotaManager with its SimpleRate sensor. The rate is the bytes
 * recorded in the live samples (each one second long, eleven kept, a sample
 * older than eleven seconds is dropped) divided by the time since the
 * oldest one started, at least one second. */
#include "repl_quota.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ae.h"

#define NSAMPLES 11
#define WINDOW_MS 1000

typedef struct sample {
    int64_t start_ms; /* -1: unused */
    int64_t bytes;
} sample;

typedef struct quota {
    int64_t bound;
    sample samples[NSAMPLES];
    int current;
} quota;

static quota quotas[2] = {
    {INT64_MAX, {{-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}}, 0},
    {INT64_MAX, {{-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}}, 0},
};

void repl_quota_set_bound(int which, int64_t bytes_per_sec) { quotas[which].bound = bytes_per_sec; }
int64_t repl_quota_bound(int which) { return quotas[which].bound; }

/* Samples that ended their eleven-second life start over (SampledStat.purgeObsoleteSamples). */
static void purge(quota *q, int64_t now) {
    for (int i = 0; i < NSAMPLES; i++)
        if (q->samples[i].start_ms >= 0 && now - q->samples[i].start_ms >= NSAMPLES * WINDOW_MS)
            q->samples[i] = (sample){now, 0};
}

void repl_quota_record(int which, int64_t bytes) {
    quota *q = &quotas[which];
    int64_t now = ae_mono_ms();
    sample *s = &q->samples[q->current];
    if (s->start_ms < 0) {
        *s = (sample){now, 0};
    } else if (now - s->start_ms >= WINDOW_MS) {
        q->current = (q->current + 1) % NSAMPLES;
        s = &q->samples[q->current];
        *s = (sample){now, 0};
    }
    s->bytes += bytes;
}

int repl_quota_exceeded(int which) {
    quota *q = &quotas[which];
    if (q->bound == INT64_MAX)
        return 0;
    int64_t now = ae_mono_ms();
    purge(q, now);
    int64_t total = 0, oldest = now;
    for (int i = 0; i < NSAMPLES; i++)
        if (q->samples[i].start_ms >= 0) {
            total += q->samples[i].bytes;
            if (q->samples[i].start_ms < oldest)
                oldest = q->samples[i].start_ms;
        }
    int64_t window = now - oldest > WINDOW_MS ? now - oldest : WINDOW_MS;
    return (double)total * 1000.0 / (double)window > (double)q->bound;
}

/* ------------------------------------------------------------------------
 * Throttled replica lists: "*", or "partition:broker,..." (validated when
 * set; a malformed item read from ZooKeeper is skipped)
 * ---------------------------------------------------------------------- */
static const char *const list_names[2] = {"leader.replication.throttled.replicas",
                                          "follower.replication.throttled.replicas"};

static void parse_list(throttled_set *ts, const char *value) {
    free(ts->parts);
    *ts = (throttled_set){0, 0, NULL};
    while (value && isspace((unsigned char)*value))
        value++;
    if (!value || !*value)
        return;
    if (value[0] == '*') {
        ts->all = 1;
        return;
    }
    size_t cap = strlen(value) / 2 + 1;
    ts->parts = malloc(cap * sizeof(int32_t));
    if (!ts->parts)
        abort();
    const char *s = value;
    while (*s) {
        char *end;
        long part = strtol(s, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (end != s && *end == ':') {
            const char *b = end + 1;
            long broker = strtol(b, &end, 10);
            if (end != b && broker == B.id && (size_t)ts->n < cap)
                ts->parts[ts->n++] = (int32_t)part;
        }
        s = strchr(end, ',');
        if (!s)
            break;
        s++;
    }
}

void repl_quota_topic_changed(topic *t) {
    for (int w = 0; w < 2; w++) {
        const char *value = NULL;
        for (int i = 0; i < t->noverrides; i++)
            if (!strcmp(t->overrides[i].name, list_names[w]))
                value = t->overrides[i].value;
        parse_list(&t->throttled[w], value);
    }
}

void repl_quota_topic_free(topic *t) {
    for (int w = 0; w < 2; w++) {
        free(t->throttled[w].parts);
        t->throttled[w] = (throttled_set){0, 0, NULL};
    }
}

int repl_quota_is_throttled(int which, const partition *p) {
    const throttled_set *ts = &p->topic->throttled[which];
    if (ts->all)
        return 1;
    for (int i = 0; i < ts->n; i++)
        if (ts->parts[i] == p->id)
            return 1;
    return 0;
}

int repl_quota_leader_should_throttle(const partition *p, int32_t follower_id) {
    for (int i = 0; i < p->nisr; i++)
        if (p->isr[i] == follower_id)
            return 0;
    return repl_quota_is_throttled(QUOTA_LEADER, p) && repl_quota_exceeded(QUOTA_LEADER);
}
