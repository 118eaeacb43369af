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
#include "xalloc.h"

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

int32_t *ctl_ids_copy(const int32_t *a, int n) {
    if (n <= 0)
        return NULL;
    int32_t *c = xmalloc((size_t)n * sizeof(int32_t));
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
    ps->topic_name = xstrdup(topic_name);
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
    b->host = xstrdup(host);
    b->port = port;
    b->rack = rack ? xstrdup(rack) : NULL;
}

void ctl_response_add_error(ctl_response *rs, const char *topic_name, int32_t partition_index,
                            int16_t error_code) {
    rs->partition_errors = array_reserve(rs->partition_errors, &rs->partition_errors_cap,
                                         (size_t)rs->npartition_errors + 1,
                                         sizeof(ctl_partition_error));
    if (!rs->partition_errors)
        abort();
    ctl_partition_error *e = &rs->partition_errors[rs->npartition_errors++];
    e->topic_name = xstrdup(topic_name);
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
    *out = xstrndup(k.s, (size_t)k.len);
    return 0;
}

#define rb_read_len(rb, flex, n) RB_TRY(get_len(rb, flex, n))

/* A non-null array's length, checked against what remains: each element
 * takes min_elem bytes at least. */
static int get_count(rbuf *rb, int flex, size_t min_elem, int32_t *n) {
    rb_read_len(rb, flex, n);
    rb_check_count_nn(rb, *n, min_elem);
    return 0;
err_parse:
    return -1;
}
#define rb_read_count(rb, flex, min_elem, n) RB_TRY(get_count(rb, flex, min_elem, n))
#define rb_read_string(rb, flex, nullable, out) RB_TRY(get_string(rb, flex, nullable, out))

static int get_ids(rbuf *rb, int flex, int32_t **out, int *nout) {
    int32_t n;
    rb_read_count(rb, flex, 4, &n);
    *out = n ? xmalloc((size_t)n * sizeof(int32_t)) : NULL;
    *nout = n;
    for (int32_t i = 0; i < n; i++)
        rb_read_i32(rb, &(*out)[i]);
    return 0;
err_parse:
    return -1;
}
#define rb_read_ids(rb, flex, out, nout) RB_TRY(get_ids(rb, flex, out, nout))

/* ------------------------------------------------------------------------
 * Reading the partitions: each request lists them ungrouped, every entry
 * with its topic name (LeaderAndIsr v0-1, UpdateMetadata v0-4, StopReplica
 * v0), or grouped by topic (TopicName, then that topic's partitions). What
 * follows the name differs by request: one get_partition_fn each.
 * ---------------------------------------------------------------------- */
typedef int get_partition_fn(rbuf *rb, const ctl_request *rq, int flex, ctl_partition_state *ps);

/* LeaderAndIsrPartitionState / UpdateMetadataPartitionState. */
static int get_partition_state(rbuf *rb, const ctl_request *rq, int flex,
                               ctl_partition_state *ps) {
    int16_t v = rq->version;
    rb_read_i32(rb, &ps->partition_index);
    rb_read_i32(rb, &ps->controller_epoch);
    rb_read_i32(rb, &ps->leader);
    rb_read_i32(rb, &ps->leader_epoch);
    rb_read_ids(rb, flex, &ps->isr, &ps->nisr);
    rb_read_i32(rb, &ps->zk_version);
    rb_read_ids(rb, flex, &ps->replicas, &ps->nreplicas);
    if (rq->api_key == ApiKey_LeaderAndIsr) {
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

/* StopReplica: PartitionIndex (v0) or one of PartitionIndexes (v1+). */
static int get_stop_partition(rbuf *rb, const ctl_request *rq, int flex, ctl_partition_state *ps) {
    (void)rq;
    (void)flex;
    rb_read_i32(rb, &ps->partition_index);
    return 0;
err_parse:
    return -1;
}

/* The smallest encodings, for the count checks: a partition state's
 * fields, a StopReplica partition's index, a grouped topic (compact name,
 * array and tags), a broker. An ungrouped entry adds its topic name (two
 * bytes at least: those versions are not flexible). */
#define MIN_PARTITION_STATE 20
#define MIN_STOP_PARTITION 4
#define MIN_TOPIC 3
#define MIN_BROKER 4

static int get_partitions(rbuf *rb, ctl_request *rq, int flex, int grouped, size_t min_partition,
                          get_partition_fn *get) {
    char *topic_name = NULL;
    size_t min_entry = grouped ? MIN_TOPIC : min_partition + 2;
    int32_t n;
    rb_read_count(rb, flex, min_entry, &n);
    for (int32_t i = 0; i < n; i++) {
        int32_t nparts = 1;
        rb_read_string(rb, flex, 0, &topic_name);
        if (grouped)
            rb_read_count(rb, flex, min_partition, &nparts);
        for (int32_t j = 0; j < nparts; j++)
            RB_TRY(get(rb, rq, flex, ctl_request_add_partition(rq, topic_name)));
        free(topic_name);
        topic_name = NULL;
        if (grouped && flex)
            rb_read_tags(rb);
    }
    return 0;
err_parse:
    free(topic_name);
    return -1;
}

/* UpdateMetadataEndpoint v1+ (Port, Host, Listener v3+, SecurityProtocol):
 * the first one's host and port are kept. */
static int get_endpoints(rbuf *rb, const ctl_request *rq, int flex, char **host, int32_t *port) {
    char *ep_host = NULL, *listener = NULL;
    int32_t neps;
    rb_read_count(rb, flex, 7, &neps);
    for (int32_t e = 0; e < neps; e++) {
        int32_t ep_port;
        int16_t security_protocol;
        rb_read_i32(rb, &ep_port);
        rb_read_string(rb, flex, 0, &ep_host);
        if (!*host) {
            *host = ep_host;
            *port = ep_port;
        } else {
            free(ep_host);
        }
        ep_host = NULL;
        if (rq->version >= 3) {
            rb_read_string(rb, flex, 0, &listener);
            free(listener);
            listener = NULL;
        }
        rb_read_i16(rb, &security_protocol);
        if (flex)
            rb_read_tags(rb);
    }
    return 0;
err_parse:
    return -1;
}

/* LeaderAndIsrLiveLeader (BrokerId, HostName, Port) or UpdateMetadataBroker:
 * Id, then V0Host/V0Port (v0) or Endpoints (v1+), Rack (v2+). */
static int get_brokers(rbuf *rb, ctl_request *rq, int flex) {
    int16_t v = rq->version;
    char *host = NULL, *rack = NULL;
    int32_t n;
    rb_read_count(rb, flex, MIN_BROKER, &n);
    for (int32_t i = 0; i < n; i++) {
        int32_t id, port = -1;
        rb_read_i32(rb, &id);
        if (rq->api_key == ApiKey_LeaderAndIsr || v == 0) {
            rb_read_string(rb, flex, 0, &host);
            rb_read_i32(rb, &port);
        } else {
            RB_TRY(get_endpoints(rb, rq, flex, &host, &port));
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

/* 1 from the version that took in KIP-380 on (LeaderAndIsr v2,
 * UpdateMetadata v5, StopReplica v1): a BrokerEpoch after the controller's
 * epoch, and the partitions grouped by topic (TopicStates, Topics) instead
 * of each entry naming its topic. */
static int kip380_layout(int16_t api_key, int16_t version) {
    switch (api_key) {
    case ApiKey_LeaderAndIsr:
        return version >= 2;
    case ApiKey_UpdateMetadata:
        return version >= 5;
    }
    return version >= 1; /* StopReplica */
}

/* LeaderAndIsr and UpdateMetadata: ControllerId, ControllerEpoch,
 * BrokerEpoch (KIP-380), the partition states, the brokers. StopReplica:
 * the same up to BrokerEpoch, DeletePartitions, the partitions. */
int ctl_request_decode(rbuf *rb, int16_t api_key, int16_t version, ctl_request *out) {
    memset(out, 0, sizeof(*out));
    out->api_key = api_key;
    out->version = version;
    out->broker_epoch = -1;
    if (api_key != ApiKey_LeaderAndIsr && api_key != ApiKey_UpdateMetadata &&
        api_key != ApiKey_StopReplica) {
        rb_fail(rb, "not a controller request");
        goto err_parse;
    }
    int flex = ctl_flexible(api_key, version), kip380 = kip380_layout(api_key, version);
    int stop = api_key == ApiKey_StopReplica;
    rb_read_i32(rb, &out->controller_id);
    rb_read_i32(rb, &out->controller_epoch);
    if (kip380)
        rb_read_i64(rb, &out->broker_epoch);
    if (stop) {
        int8_t delete_partitions;
        rb_read_i8(rb, &delete_partitions);
        out->delete_partitions = delete_partitions != 0;
        RB_TRY(get_partitions(rb, out, flex, kip380, MIN_STOP_PARTITION, get_stop_partition));
    } else {
        RB_TRY(get_partitions(rb, out, flex, kip380, MIN_PARTITION_STATE, get_partition_state));
        RB_TRY(get_brokers(rb, out, flex));
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
        rb_read_count(rb, flex, 7, &n);
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

/* Writing the partitions, ungrouped or grouped as get_partitions reads them. */
typedef void put_partition_fn(wbuf *w, const ctl_request *rq, int flex,
                              const ctl_partition_state *ps);

static void put_partition_state(wbuf *w, const ctl_request *rq, int flex,
                                const ctl_partition_state *ps) {
    int16_t v = rq->version;
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

static void put_stop_partition(wbuf *w, const ctl_request *rq, int flex,
                               const ctl_partition_state *ps) {
    (void)rq;
    (void)flex;
    wb_i32(w, ps->partition_index);
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

static void put_partitions(wbuf *w, const ctl_request *rq, int flex, int grouped,
                           put_partition_fn *put) {
    put_len(w, flex, grouped ? count_topics(rq) : rq->npartitions);
    for (int i = 0; i < rq->npartitions;) {
        int j = grouped ? topic_run_end(rq, i) : i + 1;
        put_string(w, flex, rq->partitions[i].topic_name);
        if (grouped)
            put_len(w, flex, j - i);
        for (int k = i; k < j; k++)
            put(w, rq, flex, &rq->partitions[k]);
        if (grouped && flex)
            wb_uvarint(w, 0);
        i = j;
    }
}

/* As get_brokers reads them; one PLAINTEXT endpoint. */
static void put_brokers(wbuf *w, const ctl_request *rq, int flex) {
    int16_t v = rq->version;
    put_len(w, flex, rq->nbrokers);
    for (int i = 0; i < rq->nbrokers; i++) {
        const ctl_broker *b = &rq->brokers[i];
        wb_i32(w, b->id);
        if (rq->api_key == ApiKey_LeaderAndIsr || v == 0) {
            put_string(w, flex, b->host);
            wb_i32(w, b->port);
        } else {
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
        }
        if (flex)
            wb_uvarint(w, 0);
    }
}

void ctl_request_encode(wbuf *w, const ctl_request *rq) {
    int16_t v = rq->version;
    int flex = ctl_flexible(rq->api_key, v), kip380 = kip380_layout(rq->api_key, v);
    wb_i32(w, rq->controller_id);
    wb_i32(w, rq->controller_epoch);
    if (kip380)
        wb_i64(w, rq->broker_epoch);
    if (rq->api_key == ApiKey_StopReplica) {
        wb_i8(w, (int8_t)(rq->delete_partitions != 0));
        put_partitions(w, rq, flex, kip380, put_stop_partition);
    } else {
        put_partitions(w, rq, flex, kip380, put_partition_state);
        put_brokers(w, rq, flex);
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
