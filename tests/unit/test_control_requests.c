/* test_control_requests.c -- the codec of the controller's requests
 * (control_requests.c): LeaderAndIsr v0-4, StopReplica v0-2 and
 * UpdateMetadata v0-6 and their responses decode to what was encoded, field
 * by field, at every version (fields a version lacks come back as their
 * defaults); every truncation of an encoding fails to decode, with nothing
 * leaked (the unit tests run under the sanitizers in CI); a hand-built
 * LeaderAndIsr v4 (flexible) has the bytes Kafka's schema gives. */
#include <stdlib.h>
#include <string.h>

#include "control_requests.h"
#include "proto.h"
#include "unit.h"

static void fill(ctl_request *rq, int16_t key, int16_t v) {
    memset(rq, 0, sizeof(*rq));
    rq->api_key = key;
    rq->version = v;
    rq->controller_id = 3;
    rq->controller_epoch = 7;
    rq->broker_epoch = 4294967396LL;
    rq->delete_partitions = 1;
    static const int32_t isr[] = {1, 2}, replicas[] = {1, 2, 3}, adding[] = {3},
                         removing[] = {4}, offline[] = {2};
    const char *topics[] = {"alpha", "alpha", "beta"};
    for (int i = 0; i < 3; i++) {
        ctl_partition_state *ps = ctl_request_add_partition(rq, topics[i]);
        ps->partition_index = i;
        if (key == ApiKey_StopReplica)
            continue;
        ps->controller_epoch = 6;
        ps->leader = 1 + i;
        ps->leader_epoch = 10 + i;
        ps->isr = ctl_ids_copy(isr, 2);
        ps->nisr = 2;
        ps->zk_version = 20 + i;
        ps->replicas = ctl_ids_copy(replicas, 3);
        ps->nreplicas = 3;
        ps->adding_replicas = ctl_ids_copy(adding, 1);
        ps->nadding_replicas = 1;
        ps->removing_replicas = ctl_ids_copy(removing, 1);
        ps->nremoving_replicas = 1;
        ps->offline_replicas = ctl_ids_copy(offline, 1);
        ps->noffline_replicas = 1;
        ps->is_new = 1;
    }
    ctl_request_add_broker(rq, 1, "host-one", 9092, "rack-a");
    ctl_request_add_broker(rq, 2, "host-two", 9093, NULL);
}

static int same_ids(const int32_t *a, int na, const int32_t *b, int nb) {
    return na == nb && (na == 0 || !memcmp(a, b, (size_t)na * sizeof(int32_t)));
}

/* What survives a version: the encoder's input minus the fields it lacks. */
static void check_round_trip(int16_t key, int16_t v) {
    ctl_request in, out;
    fill(&in, key, v);
    wbuf w;
    wb_init(&w, 256);
    ctl_request_encode(&w, &in);
    rbuf rb;
    rb_init(&rb, w.data, w.len);
    int rc = ctl_request_decode(&rb, key, v, &out);
    CHECK_EQ(rc, 0);
    if (rc == 0) {
        CHECK_EQ(rb_remain(&rb), 0);
        CHECK_EQ(out.controller_id, 3);
        CHECK_EQ(out.controller_epoch, 7);
        int has_epoch = (key == ApiKey_LeaderAndIsr && v >= 2) ||
                        (key == ApiKey_StopReplica && v >= 1) ||
                        (key == ApiKey_UpdateMetadata && v >= 5);
        CHECK(out.broker_epoch == (has_epoch ? 4294967396LL : -1));
        CHECK_EQ(out.npartitions, 3);
        for (int i = 0; i < out.npartitions && i < 3; i++) {
            const ctl_partition_state *a = &in.partitions[i], *b = &out.partitions[i];
            CHECK(!strcmp(a->topic_name, b->topic_name));
            CHECK_EQ(b->partition_index, a->partition_index);
            if (key == ApiKey_StopReplica)
                continue;
            CHECK_EQ(b->leader, a->leader);
            CHECK_EQ(b->leader_epoch, a->leader_epoch);
            CHECK_EQ(b->controller_epoch, a->controller_epoch);
            CHECK_EQ(b->zk_version, a->zk_version);
            CHECK(same_ids(a->isr, a->nisr, b->isr, b->nisr));
            CHECK(same_ids(a->replicas, a->nreplicas, b->replicas, b->nreplicas));
            int lai = key == ApiKey_LeaderAndIsr;
            CHECK_EQ(b->nadding_replicas, lai && v >= 3 ? 1 : 0);
            CHECK_EQ(b->nremoving_replicas, lai && v >= 3 ? 1 : 0);
            CHECK_EQ(b->is_new, lai && v >= 1 ? 1 : 0);
            CHECK_EQ(b->noffline_replicas, !lai && v >= 4 ? 1 : 0);
        }
        if (key == ApiKey_StopReplica) {
            CHECK_EQ(out.delete_partitions, 1);
            CHECK_EQ(out.nbrokers, 0);
        } else {
            CHECK_EQ(out.nbrokers, 2);
            if (out.nbrokers == 2) {
                CHECK(!strcmp(out.brokers[0].host, "host-one"));
                CHECK_EQ(out.brokers[1].port, 9093);
                int rack = key == ApiKey_UpdateMetadata && v >= 2;
                CHECK(rack ? out.brokers[0].rack && !strcmp(out.brokers[0].rack, "rack-a")
                           : out.brokers[0].rack == NULL);
                CHECK(out.brokers[1].rack == NULL);
            }
        }
        ctl_request_free(&out);
    }
    /* every proper prefix is malformed */
    int bad = 0;
    for (size_t n = 0; n < w.len; n++) {
        rb_init(&rb, w.data, n);
        if (ctl_request_decode(&rb, key, v, &out) == 0) {
            bad++;
            ctl_request_free(&out);
        }
    }
    CHECK_EQ(bad, 0);
    wb_free(&w);
    ctl_request_free(&in);
}

static void check_response_round_trip(int16_t key, int16_t v) {
    ctl_response in = {0}, out;
    in.error_code = 11;
    ctl_response_add_error(&in, "alpha", 0, 0);
    ctl_response_add_error(&in, "beta", 2, 77);
    wbuf w;
    wb_init(&w, 64);
    ctl_response_encode(&w, key, v, &in);
    rbuf rb;
    rb_init(&rb, w.data, w.len);
    CHECK_EQ(ctl_response_decode(&rb, key, v, &out), 0);
    CHECK_EQ(rb_remain(&rb), 0);
    CHECK_EQ(out.error_code, 11);
    if (key == ApiKey_UpdateMetadata) {
        CHECK_EQ(out.npartition_errors, 0);
    } else {
        CHECK_EQ(out.npartition_errors, 2);
        if (out.npartition_errors == 2) {
            CHECK(!strcmp(out.partition_errors[1].topic_name, "beta"));
            CHECK_EQ(out.partition_errors[1].partition_index, 2);
            CHECK_EQ(out.partition_errors[1].error_code, 77);
        }
    }
    ctl_response_free(&out);
    ctl_response_free(&in);
    wb_free(&w);
}

/* LeaderAndIsr v4 by hand from Kafka's schema: compact arrays and strings,
 * a tagged-field section closing every struct. */
static void check_leader_and_isr_v4_bytes(void) {
    static const uint8_t want[] = {
        0, 0, 0, 3,                   /* ControllerId */
        0, 0, 0, 7,                   /* ControllerEpoch */
        0, 0, 0, 0, 0, 0, 0, 9,       /* BrokerEpoch */
        2,                            /* TopicStates: 1 */
        2, 't',                       /* TopicName */
        2,                            /* PartitionStates: 1 */
        0, 0, 0, 0,                   /* PartitionIndex */
        0, 0, 0, 6,                   /* ControllerEpoch */
        0, 0, 0, 1,                   /* Leader */
        0, 0, 0, 5,                   /* LeaderEpoch */
        2, 0, 0, 0, 1,                /* Isr [1] */
        0, 0, 0, 4,                   /* ZkVersion */
        2, 0, 0, 0, 1,                /* Replicas [1] */
        1,                            /* AddingReplicas [] */
        1,                            /* RemovingReplicas [] */
        0,                            /* IsNew */
        0,                            /* partition state tags */
        0,                            /* topic state tags */
        1,                            /* LiveLeaders: none */
        0,                            /* request tags */
    };
    ctl_request rq = {.api_key = ApiKey_LeaderAndIsr, .version = 4, .controller_id = 3,
                      .controller_epoch = 7, .broker_epoch = 9};
    static const int32_t one[] = {1};
    ctl_partition_state *ps = ctl_request_add_partition(&rq, "t");
    ps->controller_epoch = 6;
    ps->leader = 1;
    ps->leader_epoch = 5;
    ps->isr = ctl_ids_copy(one, 1);
    ps->nisr = 1;
    ps->zk_version = 4;
    ps->replicas = ctl_ids_copy(one, 1);
    ps->nreplicas = 1;
    wbuf w;
    wb_init(&w, 64);
    ctl_request_encode(&w, &rq);
    CHECK_EQ(w.len, sizeof(want));
    CHECK(w.len == sizeof(want) && !memcmp(w.data, want, sizeof(want)));
    wb_free(&w);
    ctl_request_free(&rq);
}

/* A count larger than what remains is refused before any allocation. */
static void check_huge_count(void) {
    static const uint8_t body[] = {0, 0, 0, 1, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff};
    rbuf rb;
    rb_init(&rb, body, sizeof(body));
    ctl_request out;
    CHECK(ctl_request_decode(&rb, ApiKey_LeaderAndIsr, 0, &out) != 0);
    CHECK(rb.err);
}

int main(void) {
    for (int16_t v = 0; v <= LEADER_AND_ISR_MAX_VERSION; v++) {
        check_round_trip(ApiKey_LeaderAndIsr, v);
        check_response_round_trip(ApiKey_LeaderAndIsr, v);
    }
    for (int16_t v = 0; v <= STOP_REPLICA_MAX_VERSION; v++) {
        check_round_trip(ApiKey_StopReplica, v);
        check_response_round_trip(ApiKey_StopReplica, v);
    }
    for (int16_t v = 0; v <= UPDATE_METADATA_MAX_VERSION; v++) {
        check_round_trip(ApiKey_UpdateMetadata, v);
        check_response_round_trip(ApiKey_UpdateMetadata, v);
    }
    check_leader_and_isr_v4_bytes();
    check_huge_count();
    return unit_report("test_control_requests");
}
