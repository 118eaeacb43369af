/* control_requests.c -- decoding and encoding of LeaderAndIsr (v0-4),
 * StopReplica (v0-2) and UpdateMetadata (v0-6) and their responses, after
 * Kafka 2.5's message schemas (see control_requests.h). Every read is
 * bounds-checked; array counts are checked against what remains before
 * anything is allocated; each decoder has one err_parse exit. */
#include "control_requests.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "proto.h"

int ctl_flexible(int16_t api_key, int16_t version) {
    switch (api_key) {
    case ApiKey_LeaderAndIsr:
        return version >= 4;
    case ApiKey_StopReplica:
        return version >= 2;
    case ApiKey_UpdateMetadata:
        return version >= 6;
    }
    return 0;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *dup_n(const char *s, int len) {
    char *d = xrealloc(NULL, (size_t)len + 1);
    memcpy(d, s, (size_t)len);
    d[len] = 0;
    return d;
}

int32_t *ctl_ids_copy(const int32_t *a, int n) {
    if (n <= 0)
        return NULL;
    int32_t *c = xrealloc(NULL, (size_t)n * sizeof(int32_t));
    memcpy(c, a, (size_t)n * sizeof(int32_t));
    return c;
}

ctl_partition_state *ctl_request_add_partition(ctl_request *rq, const char *topic_name) {
    /* doubling (array.h): a controller's full state lists every partition */
    rq->partitions = array_reserve(rq->partitions, &rq->partitions_cap, (size_t)rq->npartitions + 1,
                                   sizeof(ctl_partition_state));
    if (!rq->partitions)
        abort();
    ctl_partition_state *ps = &rq->partitions[rq->npartitions++];
    memset(ps, 0, sizeof(*ps));
    ps->topic_name = dup_n(topic_name, (int)strlen(topic_name));
    return ps;
}

void ctl_request_add_broker(ctl_request *rq, int32_t id, const char *host, int32_t port,
                            const char *rack) {
    rq->brokers = array_reserve(rq->brokers, &rq->brokers_cap, (size_t)rq->nbrokers + 1,
                                sizeof(ctl_broker));
    if (!rq->brokers)
        abort();
    ctl_broker *b = &rq->brokers[rq->nbrokers++];
    b->id = id;
    b->host = dup_n(host, (int)strlen(host));
    b->port = port;
    b->rack = rack ? dup_n(rack, (int)strlen(rack)) : NULL;
}

void ctl_response_add_error(ctl_response *rs, const char *topic_name, int32_t partition_index,
                            int16_t error_code) {
    rs->partition_errors = array_reserve(rs->partition_errors, &rs->partition_errors_cap,
                                         (size_t)rs->npartition_errors + 1,
                                         sizeof(ctl_partition_error));
    if (!rs->partition_errors)
        abort();
    ctl_partition_error *e = &rs->partition_errors[rs->npartition_errors++];
    e->topic_name = dup_n(topic_name, (int)strlen(topic_name));
    e->partition_index = partition_index;
    e->error_code = error_code;
}

void ctl_request_free(ctl_request *rq) {
    for (int i = 0; i < rq->npartitions; i++) {
        ctl_partition_state *ps = &rq->partitions[i];
        free(ps->topic_name);
        free(ps->isr);
        free(ps->replicas);
        free(ps->adding_replicas);
        free(ps->removing_replicas);
        free(ps->offline_replicas);
    }
    free(rq->partitions);
    for (int i = 0; i < rq->nbrokers; i++) {
        free(rq->brokers[i].host);
        free(rq->brokers[i].rack);
    }
    free(rq->brokers);
    rq->partitions = NULL;
    rq->brokers = NULL;
    rq->npartitions = rq->nbrokers = 0;
    rq->partitions_cap = rq->brokers_cap = 0;
}

void ctl_response_free(ctl_response *rs) {
    for (int i = 0; i < rs->npartition_errors; i++)
        free(rs->partition_errors[i].topic_name);
    free(rs->partition_errors);
    rs->partition_errors = NULL;
    rs->npartition_errors = 0;
    rs->partition_errors_cap = 0;
}

/* ------------------------------------------------------------------------
 * Reading: the version's array lengths and strings (classic or compact)
 * ---------------------------------------------------------------------- */
static int get_len(rbuf *rb, int flex, int32_t *n) {
    if (!flex)
        return rb_get_i32(rb, n);
    uint64_t u;
    if (rb_get_uvarint(rb, &u))
        return -1;
    if (u > (uint64_t)INT32_MAX)
        return rb_fail(rb, "array length out of range");
    *n = (int32_t)u - 1;
    return 0;
}

/* A non-null string (nullable: NULL allowed), copied. */
static int get_string(rbuf *rb, int flex, int nullable, char **out) {
    kstr k;
    if (flex ? rb_get_cmpstr(rb, &k) : rb_get_str(rb, &k))
        return -1;
    if (!k.s) {
        if (!nullable)
            return rb_fail(rb, "null string where one is required");
        *out = NULL;
        return 0;
    }
    *out = dup_n(k.s, k.len);
    return 0;
}

#define rb_read_len(rb, flex, n) RB_TRY(get_len(rb, flex, n))
#define rb_read_string(rb, flex, nullable, out) RB_TRY(get_string(rb, flex, nullable, out))

static int get_ids(rbuf *rb, int flex, int32_t **out, int *nout) {
    int32_t n;
    rb_read_len(rb, flex, &n);
    rb_check_count_nn(rb, n, 4);
    *out = n ? xrealloc(NULL, (size_t)n * sizeof(int32_t)) : NULL;
    *nout = n;
    for (int32_t i = 0; i < n; i++)
        rb_read_i32(rb, &(*out)[i]);
    return 0;
err_parse:
    return -1;
}
#define rb_read_ids(rb, flex, out, nout) RB_TRY(get_ids(rb, flex, out, nout))

/* LeaderAndIsrPartitionState / UpdateMetadataPartitionState. */
static int get_partition_state(rbuf *rb, int16_t key, int16_t v, int flex,
                               ctl_partition_state *ps) {
    rb_read_i32(rb, &ps->partition_index);
    rb_read_i32(rb, &ps->controller_epoch);
    rb_read_i32(rb, &ps->leader);
    rb_read_i32(rb, &ps->leader_epoch);
    rb_read_ids(rb, flex, &ps->isr, &ps->nisr);
    rb_read_i32(rb, &ps->zk_version);
    rb_read_ids(rb, flex, &ps->replicas, &ps->nreplicas);
    if (key == ApiKey_LeaderAndIsr) {
        if (v >= 3) {
            rb_read_ids(rb, flex, &ps->adding_replicas, &ps->nadding_replicas);
            rb_read_ids(rb, flex, &ps->removing_replicas, &ps->nremoving_replicas);
        }
        if (v >= 1) {
            int8_t is_new;
            rb_read_i8(rb, &is_new);
            ps->is_new = is_new != 0;
        }
    } else if (v >= 4) {
        rb_read_ids(rb, flex, &ps->offline_replicas, &ps->noffline_replicas);
    }
    if (flex)
        rb_read_tags(rb);
    return 0;
err_parse:
    return -1;
}

/* The smallest encodings, for the count checks. */
#define MIN_PARTITION_STATE 20
#define MIN_TOPIC 3
#define MIN_BROKER 4

/* v0-1 LeaderAndIsr, v0-4 UpdateMetadata: each state carries its topic. */
static int get_ungrouped_states(rbuf *rb, ctl_request *rq, int flex) {
    int32_t n;
    rb_read_len(rb, flex, &n);
    rb_check_count_nn(rb, n, MIN_PARTITION_STATE);
    for (int32_t i = 0; i < n; i++) {
        char *topic_name;
        rb_read_string(rb, flex, 0, &topic_name);
        ctl_partition_state *ps = ctl_request_add_partition(rq, topic_name);
        free(topic_name);
        RB_TRY(get_partition_state(rb, rq->api_key, rq->version, flex, ps));
    }
    return 0;
err_parse:
    return -1;
}

/* v2+ LeaderAndIsr, v5+ UpdateMetadata: TopicStates (TopicName, PartitionStates). */
static int get_topic_states(rbuf *rb, ctl_request *rq, int flex) {
    char *topic_name = NULL;
    int32_t ntopics;
    rb_read_len(rb, flex, &ntopics);
    rb_check_count_nn(rb, ntopics, MIN_TOPIC);
    for (int32_t i = 0; i < ntopics; i++) {
        int32_t nparts;
        rb_read_string(rb, flex, 0, &topic_name);
        rb_read_len(rb, flex, &nparts);
        rb_check_count_nn(rb, nparts, MIN_PARTITION_STATE);
        for (int32_t j = 0; j < nparts; j++)
            RB_TRY(get_partition_state(rb, rq->api_key, rq->version, flex,
                                       ctl_request_add_partition(rq, topic_name)));
        free(topic_name);
        topic_name = NULL;
        if (flex)
            rb_read_tags(rb);
    }
    return 0;
err_parse:
    free(topic_name);
    return -1;
}

/* LeaderAndIsrLiveLeader: BrokerId, HostName, Port. */
static int get_live_leaders(rbuf *rb, ctl_request *rq, int flex) {
    char *host = NULL;
    int32_t n;
    rb_read_len(rb, flex, &n);
    rb_check_count_nn(rb, n, MIN_BROKER);
    for (int32_t i = 0; i < n; i++) {
        int32_t id, port;
        rb_read_i32(rb, &id);
        rb_read_string(rb, flex, 0, &host);
        rb_read_i32(rb, &port);
        ctl_request_add_broker(rq, id, host, port, NULL);
        free(host);
        host = NULL;
        if (flex)
            rb_read_tags(rb);
    }
    return 0;
err_parse:
    free(host);
    return -1;
}

/* UpdateMetadataBroker: Id, then V0Host/V0Port (v0) or Endpoints (v1+:
 * Port, Host, Listener v3+, SecurityProtocol), Rack (v2+). The first
 * endpoint is kept. */
static int get_live_brokers(rbuf *rb, ctl_request *rq, int flex) {
    int16_t v = rq->version;
    char *host = NULL, *rack = NULL, *listener = NULL;
    int32_t n;
    rb_read_len(rb, flex, &n);
    rb_check_count_nn(rb, n, MIN_BROKER);
    for (int32_t i = 0; i < n; i++) {
        int32_t id, port = -1;
        rb_read_i32(rb, &id);
        if (v == 0) {
            rb_read_string(rb, flex, 0, &host);
            rb_read_i32(rb, &port);
        } else {
            int32_t neps;
            rb_read_len(rb, flex, &neps);
            rb_check_count_nn(rb, neps, 7);
            for (int32_t e = 0; e < neps; e++) {
                int32_t ep_port;
                int16_t security_protocol;
                char *ep_host;
                rb_read_i32(rb, &ep_port);
                rb_read_string(rb, flex, 0, &ep_host);
                if (!host) {
                    host = ep_host;
                    port = ep_port;
                } else {
                    free(ep_host);
                }
                if (v >= 3) {
                    rb_read_string(rb, flex, 0, &listener);
                    free(listener);
                    listener = NULL;
                }
                rb_read_i16(rb, &security_protocol);
                if (flex)
                    rb_read_tags(rb);
            }
            if (v >= 2)
                rb_read_string(rb, flex, 1, &rack);
        }
        ctl_request_add_broker(rq, id, host ? host : "", port, rack);
        free(host);
        free(rack);
        host = rack = NULL;
        if (flex)
            rb_read_tags(rb);
    }
    return 0;
err_parse:
    free(host);
    free(rack);
    return -1;
}

/* StopReplica: v0 UngroupedPartitions (TopicName, PartitionIndex), v1+
 * Topics (Name, PartitionIndexes). */
static int get_stop_partitions(rbuf *rb, ctl_request *rq, int flex) {
    char *name = NULL;
    int32_t n;
    size_t min_entry = rq->version == 0 ? 6 : MIN_TOPIC;
    rb_read_len(rb, flex, &n);
    rb_check_count_nn(rb, n, min_entry);
    for (int32_t i = 0; i < n; i++) {
        rb_read_string(rb, flex, 0, &name);
        if (rq->version == 0) {
            int32_t partition_index;
            rb_read_i32(rb, &partition_index);
            ctl_request_add_partition(rq, name)->partition_index = partition_index;
        } else {
            int32_t nparts;
            rb_read_len(rb, flex, &nparts);
            rb_check_count_nn(rb, nparts, 4);
            for (int32_t j = 0; j < nparts; j++) {
                int32_t partition_index;
                rb_read_i32(rb, &partition_index);
                ctl_request_add_partition(rq, name)->partition_index = partition_index;
            }
            if (flex)
                rb_read_tags(rb);
        }
        free(name);
        name = NULL;
    }
    return 0;
err_parse:
    free(name);
    return -1;
}

int ctl_request_decode(rbuf *rb, int16_t api_key, int16_t version, ctl_request *out) {
    memset(out, 0, sizeof(*out));
    out->api_key = api_key;
    out->version = version;
    out->broker_epoch = -1;
    int flex = ctl_flexible(api_key, version);
    rb_read_i32(rb, &out->controller_id);
    rb_read_i32(rb, &out->controller_epoch);
    switch (api_key) {
    case ApiKey_LeaderAndIsr:
        if (version >= 2)
            rb_read_i64(rb, &out->broker_epoch);
        RB_TRY(version <= 1 ? get_ungrouped_states(rb, out, flex)
                            : get_topic_states(rb, out, flex));
        RB_TRY(get_live_leaders(rb, out, flex));
        break;
    case ApiKey_UpdateMetadata:
        if (version >= 5)
            rb_read_i64(rb, &out->broker_epoch);
        RB_TRY(version <= 4 ? get_ungrouped_states(rb, out, flex)
                            : get_topic_states(rb, out, flex));
        RB_TRY(get_live_brokers(rb, out, flex));
        break;
    case ApiKey_StopReplica: {
        int8_t delete_partitions;
        if (version >= 1)
            rb_read_i64(rb, &out->broker_epoch);
        rb_read_i8(rb, &delete_partitions);
        out->delete_partitions = delete_partitions != 0;
        RB_TRY(get_stop_partitions(rb, out, flex));
        break;
    }
    default:
        rb_fail(rb, "not a controller request");
        goto err_parse;
    }
    if (flex)
        rb_read_tags(rb);
    return 0;
err_parse:
    ctl_request_free(out);
    return -1;
}

int ctl_response_decode(rbuf *rb, int16_t api_key, int16_t version, ctl_response *out) {
    memset(out, 0, sizeof(*out));
    int flex = ctl_flexible(api_key, version);
    char *name = NULL;
    rb_read_i16(rb, &out->error_code);
    if (api_key != ApiKey_UpdateMetadata) {
        int32_t n;
        rb_read_len(rb, flex, &n);
        rb_check_count_nn(rb, n, 7);
        for (int32_t i = 0; i < n; i++) {
            int32_t partition_index;
            int16_t error_code;
            rb_read_string(rb, flex, 0, &name);
            rb_read_i32(rb, &partition_index);
            rb_read_i16(rb, &error_code);
            ctl_response_add_error(out, name, partition_index, error_code);
            free(name);
            name = NULL;
            if (flex)
                rb_read_tags(rb);
        }
    }
    if (flex)
        rb_read_tags(rb);
    return 0;
err_parse:
    free(name);
    ctl_response_free(out);
    return -1;
}

/* ------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------- */
static void put_len(wbuf *w, int flex, int n) {
    if (flex)
        wb_uvarint(w, (uint64_t)n + 1);
    else
        wb_i32(w, n);
}

static void put_string(wbuf *w, int flex, const char *s) {
    int len = s ? (int)strlen(s) : -1;
    if (flex)
        wb_cmpstr(w, s, len);
    else
        wb_str(w, s, len);
}

static void put_ids(wbuf *w, int flex, const int32_t *a, int n) {
    put_len(w, flex, n);
    for (int i = 0; i < n; i++)
        wb_i32(w, a[i]);
}

static void put_partition_state(wbuf *w, const ctl_request *rq, int flex, int with_topic,
                                const ctl_partition_state *ps) {
    int16_t v = rq->version;
    if (with_topic)
        put_string(w, flex, ps->topic_name);
    wb_i32(w, ps->partition_index);
    wb_i32(w, ps->controller_epoch);
    wb_i32(w, ps->leader);
    wb_i32(w, ps->leader_epoch);
    put_ids(w, flex, ps->isr, ps->nisr);
    wb_i32(w, ps->zk_version);
    put_ids(w, flex, ps->replicas, ps->nreplicas);
    if (rq->api_key == ApiKey_LeaderAndIsr) {
        if (v >= 3) {
            put_ids(w, flex, ps->adding_replicas, ps->nadding_replicas);
            put_ids(w, flex, ps->removing_replicas, ps->nremoving_replicas);
        }
        if (v >= 1)
            wb_i8(w, (int8_t)(ps->is_new != 0));
    } else if (v >= 4) {
        put_ids(w, flex, ps->offline_replicas, ps->noffline_replicas);
    }
    if (flex)
        wb_uvarint(w, 0);
}

/* The end of the run of partitions of the topic starting at i. */
static int topic_run_end(const ctl_request *rq, int i) {
    int j = i;
    while (j < rq->npartitions && !strcmp(rq->partitions[j].topic_name, rq->partitions[i].topic_name))
        j++;
    return j;
}

static int count_topics(const ctl_request *rq) {
    int n = 0;
    for (int i = 0; i < rq->npartitions; i = topic_run_end(rq, i))
        n++;
    return n;
}

static void put_states(wbuf *w, const ctl_request *rq, int flex, int grouped) {
    if (!grouped) {
        put_len(w, flex, rq->npartitions);
        for (int i = 0; i < rq->npartitions; i++)
            put_partition_state(w, rq, flex, 1, &rq->partitions[i]);
        return;
    }
    put_len(w, flex, count_topics(rq));
    for (int i = 0; i < rq->npartitions;) {
        int j = topic_run_end(rq, i);
        put_string(w, flex, rq->partitions[i].topic_name);
        put_len(w, flex, j - i);
        for (int k = i; k < j; k++)
            put_partition_state(w, rq, flex, 0, &rq->partitions[k]);
        if (flex)
            wb_uvarint(w, 0);
        i = j;
    }
}

void ctl_request_encode(wbuf *w, const ctl_request *rq) {
    int16_t v = rq->version;
    int flex = ctl_flexible(rq->api_key, v);
    wb_i32(w, rq->controller_id);
    wb_i32(w, rq->controller_epoch);
    switch (rq->api_key) {
    case ApiKey_LeaderAndIsr:
        if (v >= 2)
            wb_i64(w, rq->broker_epoch);
        put_states(w, rq, flex, v >= 2);
        put_len(w, flex, rq->nbrokers);
        for (int i = 0; i < rq->nbrokers; i++) {
            wb_i32(w, rq->brokers[i].id);
            put_string(w, flex, rq->brokers[i].host);
            wb_i32(w, rq->brokers[i].port);
            if (flex)
                wb_uvarint(w, 0);
        }
        break;
    case ApiKey_UpdateMetadata:
        if (v >= 5)
            wb_i64(w, rq->broker_epoch);
        put_states(w, rq, flex, v >= 5);
        put_len(w, flex, rq->nbrokers);
        for (int i = 0; i < rq->nbrokers; i++) {
            const ctl_broker *b = &rq->brokers[i];
            wb_i32(w, b->id);
            if (v == 0) {
                put_string(w, flex, b->host);
                wb_i32(w, b->port);
                continue;
            }
            put_len(w, flex, 1);
            wb_i32(w, b->port);
            put_string(w, flex, b->host);
            if (v >= 3)
                put_string(w, flex, "PLAINTEXT");
            wb_i16(w, 0); /* SecurityProtocol PLAINTEXT */
            if (flex)
                wb_uvarint(w, 0);
            if (v >= 2)
                put_string(w, flex, b->rack);
            if (flex)
                wb_uvarint(w, 0);
        }
        break;
    case ApiKey_StopReplica:
        if (v >= 1)
            wb_i64(w, rq->broker_epoch);
        wb_i8(w, (int8_t)(rq->delete_partitions != 0));
        if (v == 0) {
            put_len(w, flex, rq->npartitions);
            for (int i = 0; i < rq->npartitions; i++) {
                put_string(w, flex, rq->partitions[i].topic_name);
                wb_i32(w, rq->partitions[i].partition_index);
            }
            break;
        }
        put_len(w, flex, count_topics(rq));
        for (int i = 0; i < rq->npartitions;) {
            int j = topic_run_end(rq, i);
            put_string(w, flex, rq->partitions[i].topic_name);
            put_len(w, flex, j - i);
            for (int k = i; k < j; k++)
                wb_i32(w, rq->partitions[k].partition_index);
            if (flex)
                wb_uvarint(w, 0);
            i = j;
        }
        break;
    }
    if (flex)
        wb_uvarint(w, 0);
}

void ctl_response_encode(wbuf *w, int16_t api_key, int16_t version, const ctl_response *rs) {
    int flex = ctl_flexible(api_key, version);
    wb_i16(w, rs->error_code);
    if (api_key != ApiKey_UpdateMetadata) {
        put_len(w, flex, rs->npartition_errors);
        for (int i = 0; i < rs->npartition_errors; i++) {
            put_string(w, flex, rs->partition_errors[i].topic_name);
            wb_i32(w, rs->partition_errors[i].partition_index);
            wb_i16(w, rs->partition_errors[i].error_code);
            if (flex)
                wb_uvarint(w, 0);
        }
    }
    if (flex)
        wb_uvarint(w, 0);
}
