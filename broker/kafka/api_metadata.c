/* api_metadata.c -- Metadata v0-8: brokers, controller, cluster id, topics
 * and partition leadership, as the controller's UpdateMetadata described
 * them (metadata_cache.c); auto-creates requested topics when allowed. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "cluster.h"
#include "logger.h"
#include "metadata_cache.h"

static void write_int_array(wbuf *w, const int32_t *a, int n) {
    wb_i32(w, n);
    for (int i = 0; i < n; i++)
        wb_i32(w, a[i]);
}

static void write_topic(wbuf *w, int v, topic *t) {
    wb_i16(w, ERR_NONE);
    wb_cstr(w, t->name);
    if (v >= 1)
        wb_i8(w, t->internal);
    wb_i32(w, t->npartitions);
    for (int i = 0; i < t->npartitions; i++) {
        partition *p = t->parts[i];
        int32_t scratch[256];
        md_partition m;
        metadata_partition(p, &m, scratch, 256);
        /* a leader that is not a live broker: LEADER_NOT_AVAILABLE, as
         * MetadataCache.getPartitionMetadata answers it */
        int alive = m.leader >= 0 && metadata_broker_alive(m.leader);
        wb_i16(w, alive ? ERR_NONE : ERR_LEADER_NOT_AVAILABLE);
        wb_i32(w, p->id);
        wb_i32(w, alive ? m.leader : -1);
        if (v >= 7)
            wb_i32(w, m.leader_epoch);
        write_int_array(w, p->replicas, p->nreplicas);
        write_int_array(w, m.isr, m.nisr);
        if (v >= 5)
            write_int_array(w, m.offline, m.noffline);
    }
    if (v >= 8)
        wb_i32(w, (int32_t)0x80000000); /* topic_authorized_operations: not requested */
}

static void write_missing_topic(wbuf *w, int v, kstr name, int16_t err) {
    wb_i16(w, err);
    wb_str(w, name.s, name.len);
    if (v >= 1)
        wb_i8(w, 0);
    wb_i32(w, 0);
    if (v >= 8)
        wb_i32(w, (int32_t)0x80000000);
}

static void all_topics_cb(topic *t, void *arg) {
    void **a = arg;
    wbuf *w = a[0];
    int v = *(int *)a[1];
    if (t->deleting)
        return;
    write_topic(w, v, t);
    (*(int *)a[2])++;
}

static void auto_create_done(void *arg, int16_t err, const char *msg) {
    char *name = arg;
    /* REQUEST_TIMED_OUT: written, not waited for (timeout 0) */
    if (err && err != ERR_TOPIC_ALREADY_EXISTS && err != ERR_REQUEST_TIMED_OUT)
        log_warn("kafka.server.KafkaApis", "Auto-creation of topic %s failed: %s", name,
                 msg ? msg : "error");
    free(name);
}

/* Kafka answers LEADER_NOT_AVAILABLE while the topic is being created. */
static int16_t maybe_auto_create(kstr name, int allow) {
    char why[128];
    if (topic_name_valid(name.s, name.len, why, sizeof(why)))
        return ERR_INVALID_TOPIC_EXCEPTION;
    if (!allow || !B.cfg.auto_create_topics_enable)
        return ERR_UNKNOWN_TOPIC_OR_PARTITION;
    char *n = kstr_dup(name);
    log_info("kafka.server.KafkaApis", "Auto creation of topic %s with %d partitions and "
             "replication factor %d is successful", n, B.cfg.num_partitions,
             B.cfg.default_replication_factor);
    cluster_create_topic(n, B.cfg.num_partitions, B.cfg.default_replication_factor, NULL, NULL,
                         NULL, 0, 0, auto_create_done, n);
    return ERR_LEADER_NOT_AVAILABLE;
}

/* Used by Produce too: creates a topic on first use when enabled. */
int16_t metadata_auto_create(kstr name) { return maybe_auto_create(name, 1); }

int handle_Metadata(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    int32_t ntopics;
    int8_t allow_auto = 1, incl_cluster_ops = 0, incl_topic_ops = 0;
    rb_read_i32(rb, &ntopics);
    if (v == 0 && ntopics < 0)
        goto err_parse; /* null topics: v1+ only */
    rb_check_count(rb, ntopics, 2);
    size_t topics_at = rb->off;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        rb_read_str(rb, &name);
    }
    if (v >= 4)
        rb_read_i8(rb, &allow_auto);
    if (v >= 8) {
        rb_read_i8(rb, &incl_cluster_ops);
        rb_read_i8(rb, &incl_topic_ops);
    }
    int all = ntopics < 0 || (v == 0 && ntopics == 0);

    wbuf *w = &rs->wb;
    if (v >= 3)
        wb_i32(w, 0); /* throttle_time_ms */
    const md_broker *live;
    int nlive = metadata_cache_brokers(&live);
    if (nlive >= 0) { /* the controller's live brokers */
        wb_i32(w, nlive);
        for (int i = 0; i < nlive; i++) {
            wb_i32(w, live[i].id);
            wb_cstr(w, live[i].host);
            wb_i32(w, live[i].port);
            if (v >= 1)
                wb_cstr(w, live[i].rack);
        }
    } else { /* none yet: /brokers/ids */
        wb_i32(w, B.nnodes);
        for (int i = 0; i < B.nnodes; i++) {
            wb_i32(w, B.nodes[i].id);
            wb_cstr(w, B.nodes[i].host);
            wb_i32(w, B.nodes[i].port);
            if (v >= 1)
                wb_cstr(w, B.nodes[i].rack);
        }
    }
    if (v >= 2)
        wb_cstr(w, B.cluster_id[0] ? B.cluster_id : NULL);
    if (v >= 1)
        wb_i32(w, B.controller_id);
    if (all) {
        size_t count_at = wb_i32(w, 0);
        int count = 0;
        void *a[3] = {w, &v, &count};
        topic_foreach(all_topics_cb, a);
        wb_put_i32(w, count_at, count);
    } else {
        wb_i32(w, ntopics);
        rbuf tr;
        rb_init(&tr, rb->p + topics_at, rb->len - topics_at);
        for (int32_t i = 0; i < ntopics; i++) {
            kstr name;
            rb_get_str(&tr, &name);
            topic *t = KSTR_IS_NULL(name) ? NULL : topic_findn(name.s, name.len);
            if (t && !t->deleting)
                write_topic(w, v, t);
            else if (KSTR_IS_NULL(name))
                write_missing_topic(w, v, name, ERR_INVALID_TOPIC_EXCEPTION);
            else
                write_missing_topic(w, v, name, t ? ERR_UNKNOWN_TOPIC_OR_PARTITION
                                                  : maybe_auto_create(name, allow_auto));
        }
    }
    if (v >= 8)
        wb_i32(w, (int32_t)0x80000000); /* cluster_authorized_operations */
    return 0;
err_parse:
    return -1;
}
