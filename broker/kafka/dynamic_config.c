/* dynamic_config.c -- dynamic broker configs (see dynamic_config.h). */
#include "dynamic_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logger.h"
#include "repl_quota.h"

#define LOGGER "kafka.server.DynamicConfigManager"

/* DynamicConfig.Broker (Kafka 2.5): LONG, at least 0, default Long.MaxValue */
static const char *const BROKER_KEYS[] = {"leader.replication.throttled.rate",
                                          "follower.replication.throttled.rate",
                                          "replica.alter.log.dirs.io.max.bytes.per.second"};
#define NKEYS ((int)(sizeof(BROKER_KEYS) / sizeof(BROKER_KEYS[0])))

typedef struct scope_set {
    char **keys, **values;
    int n;
} scope_set;

static scope_set sets[2];

int dynamic_config_supported(const char *name) {
    for (int i = 0; i < NKEYS; i++)
        if (name && !strcmp(name, BROKER_KEYS[i]))
            return 1;
    return 0;
}

static int parse_long(const char *value, int64_t *out) {
    const char *s = value;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int dynamic_config_validate(const char *name, const char *value, char *err, size_t errlen) {
    int64_t v;
    if (!value || parse_long(value, &v) != 0) {
        snprintf(err, errlen, "Invalid value %s for configuration %s: Not a number of type LONG",
                 value ? value : "null", name);
        return -1;
    }
    if (v < 0) {
        snprintf(err, errlen, "Invalid value %s for configuration %s: Value must be at least 0", value,
                 name);
        return -1;
    }
    return 0;
}

const char *dynamic_config_get(int scope, const char *name) {
    for (int i = 0; i < sets[scope].n; i++)
        if (!strcmp(sets[scope].keys[i], name))
            return sets[scope].values[i];
    return NULL;
}

int dynamic_config_count(int scope) { return sets[scope].n; }
const char *dynamic_config_key(int scope, int i) { return sets[scope].keys[i]; }

/* This broker's value, else the cluster default, else no bound. */
static int64_t effective_rate(const char *name) {
    int64_t v;
    for (int scope = DYN_BROKER; scope <= DYN_DEFAULT; scope++) {
        const char *s = dynamic_config_get(scope, name);
        if (s && parse_long(s, &v) == 0 && v >= 0)
            return v;
    }
    return INT64_MAX;
}

static void apply_rates(void) {
    static const int which[2] = {QUOTA_LEADER, QUOTA_FOLLOWER};
    for (int i = 0; i < 2; i++) {
        int64_t rate = effective_rate(BROKER_KEYS[i]);
        if (rate == repl_quota_bound(which[i]))
            continue;
        repl_quota_set_bound(which[i], rate);
        if (rate == INT64_MAX)
            log_info(LOGGER, "%s: no bound", BROKER_KEYS[i]);
        else
            log_info(LOGGER, "%s: %lld bytes/s", BROKER_KEYS[i], (long long)rate);
    }
}

void dynamic_config_replace(int scope, const char *const *keys, const char *const *values, int n) {
    scope_set *s = &sets[scope];
    for (int i = 0; i < s->n; i++) {
        free(s->keys[i]);
        free(s->values[i]);
    }
    free(s->keys);
    free(s->values);
    s->keys = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
    s->values = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
    if (!s->keys || !s->values)
        abort();
    s->n = 0;
    for (int i = 0; i < n; i++) {
        s->keys[s->n] = strdup(keys[i]);
        s->values[s->n] = strdup(values[i]);
        if (!s->keys[s->n] || !s->values[s->n])
            abort();
        s->n++;
    }
    apply_rates();
}
