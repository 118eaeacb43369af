/* api_admin.c -- topic administration: CreateTopics v0-4, DeleteTopics
 * v0-3, CreatePartitions v0-1, and DeleteRecords v0-1.
 *
 * Topic changes go through ZooKeeper (cluster.c); the response waits until
 * every topic of the request has been handled (admin_pending.c), like
 * Kafka's admin manager: with the request's timeout_ms <= 0 right after the
 * ZooKeeper writes (REQUEST_TIMED_OUT for the topics written), else until
 * this broker's metadata shows every change or timeout_ms has passed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_pending.h"
#include "api.h"
#include "broker.h"
#include "cluster.h"
#include "jute.h"
#include "logger.h"

/* Whether an item before `upto` has this name (Kafka refuses duplicates). */
static int admin_find_dup(admin_req *a, int upto, const char *name) {
    for (int i = 0; i < upto; i++)
        if (a->items[i].name && !strcmp(a->items[i].name, name))
            return 1;
    return 0;
}

/* Kafka: "a.b" and "a_b" collide because metric names replace '.' by '_'. */
struct collide_ctx {
    const char *name;
    topic *found;
};

static void collide_cb(topic *t, void *arg) {
    struct collide_ctx *ctx = arg;
    if (ctx->found || !strcmp(t->name, ctx->name) || strlen(t->name) != strlen(ctx->name))
        return;
    for (size_t i = 0; ctx->name[i]; i++) {
        char a = ctx->name[i] == '.' ? '_' : ctx->name[i];
        char b = t->name[i] == '.' ? '_' : t->name[i];
        if (a != b)
            return;
    }
    ctx->found = t;
}

static topic *colliding_topic(const char *name) {
    struct collide_ctx ctx = {name, NULL};
    topic_foreach(collide_cb, &ctx);
    return ctx.found;
}

/* ------------------------------------------------------------------------
 * CreateTopics
 * ---------------------------------------------------------------------- */
static void write_create_topics(admin_req *a, wbuf *w) {
    int v = a->rq->api_version;
    if (v >= 2)
        wb_i32(w, 0);
    wb_i32(w, a->nitems);
    for (int i = 0; i < a->nitems; i++) {
        wb_cstr(w, a->items[i].name);
        wb_i16(w, a->items[i].error);
        if (v >= 1)
            wb_cstr(w, a->items[i].error ? a->items[i].message : NULL);
    }
}

/* A topic's replica assignment lives in one znode, /brokers/topics/<t>
 * ({"version":2,"partitions":{"0":[1,2],...}}), which cannot exceed
 * ZooKeeper's jute.maxbuffer: every partition takes at least 5 bytes plus 2
 * per replica. A count beyond that could never be stored (Kafka's ZooKeeper
 * client fails the write); it is refused before anything is allocated for
 * it (a 2^31 - 1 partition request used to allocate gigabytes). */
static int16_t check_partition_count(const char *tname, int64_t np, int rf, char *msg,
                                     size_t msglen) {
    if (np * (5 + 2 * (int64_t)rf) <= JUTE_MAX_BUFFER)
        return ERR_NONE;
    snprintf(msg, msglen, "Topic %s: %" PRId64 " partitions with replication factor %d do not "
             "fit in a ZooKeeper node (jute.maxbuffer %d bytes).", tname, np, rf, JUTE_MAX_BUFFER);
    return ERR_INVALID_PARTITIONS;
}

static int topic_rf(const topic *t) {
    return t->npartitions > 0 && t->parts[0]->nreplicas > 0 ? t->parts[0]->nreplicas : 1;
}

int handle_CreateTopics(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int v = rq->api_version;
    int32_t ntopics, timeout_ms;
    int8_t validate_only = 0;
    admin_req *a = NULL;
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 16);
    a = admin_new(rq, ntopics, write_create_topics);
    /* Parse everything first: validate_only comes after the topics. */
    size_t topics_at = rb->off;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name, cname, cval;
        int32_t np, nassign, ncfg;
        int16_t rf;
        rb_read_str(rb, &name);
        rb_read_i32(rb, &np);
        rb_read_i16(rb, &rf);
        rb_read_i32(rb, &nassign);
        rb_check_count_nn(rb, nassign, 8);
        for (int32_t j = 0; j < nassign; j++) {
            int32_t pidx, nb;
            rb_read_i32(rb, &pidx);
            rb_read_i32(rb, &nb);
            rb_check_count_nn(rb, nb, 4);
            rb_read_skip(rb, (size_t)nb * 4);
        }
        rb_read_i32(rb, &ncfg);
        rb_check_count_nn(rb, ncfg, 4);
        for (int32_t j = 0; j < ncfg; j++) {
            rb_read_str(rb, &cname);
            rb_read_str(rb, &cval);
        }
        a->items[i].name = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
    }
    rb_read_i32(rb, &timeout_ms);
    if (v >= 1)
        rb_read_i8(rb, &validate_only);

    rbuf tr;
    rb_init(&tr, rb->p + topics_at, rb->len - topics_at);
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name, cname, cval;
        int32_t np, nassign, ncfg;
        int16_t rf;
        rb_get_str(&tr, &name);
        rb_get_i32(&tr, &np);
        rb_get_i16(&tr, &rf);
        rb_get_i32(&tr, &nassign);
        const char *tname = a->items[i].name;
        int16_t err = ERR_NONE;
        char msg[512] = "";
        int32_t *assignment = NULL;
        int arf = -1;
        for (int32_t j = 0; j < nassign; j++) {
            int32_t pidx, nb, id;
            rb_get_i32(&tr, &pidx);
            rb_get_i32(&tr, &nb);
            if (j == 0) { /* every partition must have as many replicas as the first */
                assignment = calloc((size_t)nassign * (size_t)(nb > 0 && nb <= 64 ? nb : 1),
                                    sizeof(int32_t));
                if (!assignment)
                    abort();
            }
            for (int32_t k = 0; k < nb; k++) {
                rb_get_i32(&tr, &id);
                if (!err && (pidx != j || nb > 64 || (arf >= 0 && nb != arf)))
                    err = ERR_INVALID_REPLICA_ASSIGNMENT;
                else if (!err)
                    assignment[j * nb + k] = id;
            }
            if (arf < 0)
                arf = nb;
            if (nb == 0 && !err)
                err = ERR_INVALID_REPLICA_ASSIGNMENT;
        }
        if (err)
            snprintf(msg, sizeof(msg), "Replica assignment of topic %s is not valid", tname);
        rb_get_i32(&tr, &ncfg);
        const char *keys[256], *vals[256];
        int nk = 0;
        topic_config tc;
        topic_config_defaults(&B.cfg, &tc);
        for (int32_t j = 0; j < ncfg; j++) {
            rb_get_str(&tr, &cname);
            rb_get_str(&tr, &cval);
            if (err)
                continue;
            char *k = kstr_dup(cname), *val = kstr_dup(cval);
            char cerr[256];
            if (!k || !val || topic_config_set(&tc, k, val, cerr, sizeof(cerr)) != 0) {
                err = ERR_INVALID_CONFIG;
                snprintf(msg, sizeof(msg), "%s", k && val ? cerr : "Null value not supported for topic configs");
                free(k);
                free(val);
            } else if (nk < 256) {
                keys[nk] = k;
                vals[nk++] = val;
            } else {
                free(k);
                free(val);
            }
        }
        char why[256];
        topic *clash;
        if (err) {
        } else if (KSTR_IS_NULL(name) || topic_name_valid(name.s, name.len, why, sizeof(why))) {
            err = ERR_INVALID_TOPIC_EXCEPTION;
            snprintf(msg, sizeof(msg), "%s", KSTR_IS_NULL(name) ? "Topic name is null" : why);
        } else if (admin_find_dup(a, i, tname)) {
            err = ERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Create topics request contains multiple entries for topic %s", tname);
        } else if (topic_find(tname)) {
            err = ERR_TOPIC_ALREADY_EXISTS;
            snprintf(msg, sizeof(msg), "Topic '%s' already exists.", tname);
        } else if ((clash = colliding_topic(tname))) {
            err = ERR_INVALID_TOPIC_EXCEPTION;
            snprintf(msg, sizeof(msg), "Topic '%s' collides with existing topic: %s", tname, clash->name);
        } else if (nassign > 0 && (np != -1 || rf != -1)) {
            err = ERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
        } else if (nassign == 0 && np == -1 && v < 4) {
            err = ERR_INVALID_PARTITIONS;
            snprintf(msg, sizeof(msg), "Number of partitions must be larger than 0.");
        } else if (nassign == 0) {
            if (np == -1)
                np = B.cfg.num_partitions;
            if (rf == -1)
                rf = (int16_t)B.cfg.default_replication_factor;
            if (np <= 0) {
                err = ERR_INVALID_PARTITIONS;
                snprintf(msg, sizeof(msg), "Number of partitions must be larger than 0.");
            } else if (rf <= 0) {
                err = ERR_INVALID_REPLICATION_FACTOR;
                snprintf(msg, sizeof(msg), "Replication factor must be larger than 0.");
            } else if (rf > cluster_live_broker_count()) {
                err = ERR_INVALID_REPLICATION_FACTOR;
                snprintf(msg, sizeof(msg), "Replication factor: %d larger than available brokers: %d.",
                         rf, cluster_live_broker_count());
            }
        } else {
            np = nassign;
            rf = (int16_t)arf;
        }
        if (!err)
            err = check_partition_count(tname, np, rf, msg, sizeof(msg));
        admin_set(a, i, err, err ? msg : NULL);
        if (!err && !validate_only) {
            log_info("kafka.server.AdminManager", "Creating topic %s with %d partitions and "
                     "replication factor %d", tname, np, rf);
            cluster_create_topic(tname, np, rf, nassign > 0 ? assignment : NULL, keys, vals, nk,
                                 timeout_ms, admin_item_done, admin_submit(a, i));
        }
        for (int j = 0; j < nk; j++) {
            free((char *)keys[j]);
            free((char *)vals[j]);
        }
        free(assignment);
    }
    return admin_start(a, rs);
err_parse:
    if (a)
        admin_free(a);
    return -1;
}

/* ------------------------------------------------------------------------
 * DeleteTopics
 * ---------------------------------------------------------------------- */
static void write_delete_topics(admin_req *a, wbuf *w) {
    if (a->rq->api_version >= 1)
        wb_i32(w, 0);
    wb_i32(w, a->nitems);
    for (int i = 0; i < a->nitems; i++) {
        wb_cstr(w, a->items[i].name);
        wb_i16(w, a->items[i].error);
    }
}

int handle_DeleteTopics(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int32_t n, timeout_ms;
    admin_req *a = NULL;
    rb_read_i32(rb, &n);
    rb_check_count_nn(rb, n, 2);
    a = admin_new(rq, n, write_delete_topics);
    for (int32_t i = 0; i < n; i++) {
        kstr name;
        rb_read_str(rb, &name);
        a->items[i].name = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
    }
    rb_read_i32(rb, &timeout_ms);
    for (int32_t i = 0; i < n; i++) {
        const char *name = a->items[i].name;
        topic *t = topic_find(name);
        if (!t || t->deleting)
            admin_set(a, i, ERR_UNKNOWN_TOPIC_OR_PARTITION, NULL);
        else if (!B.cfg.delete_topic_enable)
            admin_set(a, i, ERR_TOPIC_DELETION_DISABLED, NULL);
        else if (admin_find_dup(a, i, name))
            admin_set(a, i, ERR_INVALID_REQUEST, NULL);
        else
            cluster_delete_topic(name, timeout_ms, admin_item_done, admin_submit(a, i));
    }
    return admin_start(a, rs);
err_parse:
    if (a)
        admin_free(a);
    return -1;
}

/* ------------------------------------------------------------------------
 * CreatePartitions
 * ---------------------------------------------------------------------- */
static void write_create_partitions(admin_req *a, wbuf *w) {
    wb_i32(w, 0);
    wb_i32(w, a->nitems);
    for (int i = 0; i < a->nitems; i++) {
        wb_cstr(w, a->items[i].name);
        wb_i16(w, a->items[i].error);
        wb_cstr(w, a->items[i].error ? a->items[i].message : NULL);
    }
}

int handle_CreatePartitions(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int32_t n = 0, timeout_ms;
    int8_t validate_only;
    admin_req *a = NULL;
    int32_t *counts = NULL, **assign = NULL;
    int *assign_rf = NULL, *assign_n = NULL;
    int16_t *errs = NULL;
    rb_read_i32(rb, &n);
    rb_check_count_nn(rb, n, 10);
    a = admin_new(rq, n, write_create_partitions);
    counts = calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    assign = calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t *));
    assign_rf = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    assign_n = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    errs = calloc((size_t)(n > 0 ? n : 1), sizeof(int16_t));
    if (!counts || !assign || !assign_rf || !assign_n || !errs)
        abort();
    for (int32_t i = 0; i < n; i++) {
        kstr name;
        int32_t na;
        rb_read_str(rb, &name);
        rb_read_i32(rb, &counts[i]);
        rb_read_i32(rb, &na);
        rb_check_count(rb, na, 4);
        a->items[i].name = KSTR_IS_NULL(name) ? strdup("") : kstr_dup(name);
        for (int32_t j = 0; j < na; j++) {
            int32_t nb;
            rb_read_i32(rb, &nb);
            rb_check_count_nn(rb, nb, 4);
            if (j == 0) {
                assign_rf[i] = nb;
                assign_n[i] = na;
                int fits = na * (5 + 2 * (int64_t)nb) <= JUTE_MAX_BUFFER;
                if (!fits)
                    errs[i] = ERR_INVALID_PARTITIONS; /* nothing is kept; refused below */
                assign[i] = calloc(fits ? (size_t)na * (size_t)(nb > 0 ? nb : 1) : 1,
                                   sizeof(int32_t));
                if (!assign[i])
                    abort();
            }
            if (nb != assign_rf[i] || nb == 0)
                errs[i] = ERR_INVALID_REPLICA_ASSIGNMENT;
            for (int32_t k = 0; k < nb; k++) {
                int32_t id;
                rb_read_i32(rb, &id);
                if (!errs[i])
                    assign[i][j * nb + k] = id;
            }
        }
    }
    rb_read_i32(rb, &timeout_ms);
    rb_read_i8(rb, &validate_only);
    for (int32_t i = 0; i < n; i++) {
        const char *name = a->items[i].name;
        topic *t = topic_find(name);
        char msg[256];
        if (!t || t->deleting) {
            snprintf(msg, sizeof(msg), "The topic '%s' does not exist.", name);
            admin_set(a, i, ERR_UNKNOWN_TOPIC_OR_PARTITION, msg);
        } else if (admin_find_dup(a, i, name)) {
            admin_set(a, i, ERR_INVALID_REQUEST, "Duplicate topic in request.");
        } else if (counts[i] <= t->npartitions) {
            snprintf(msg, sizeof(msg),
                     counts[i] == t->npartitions ? "Topic already has %d partitions."
                                                 : "Topic currently has %d partitions, which is higher than the requested %d.",
                     t->npartitions, counts[i]);
            admin_set(a, i, ERR_INVALID_PARTITIONS, msg);
        } else if (errs[i] == ERR_INVALID_PARTITIONS ||
                   check_partition_count(name, counts[i],
                                         assign[i] ? assign_rf[i] : topic_rf(t), msg,
                                         sizeof(msg))) {
            if (errs[i])
                check_partition_count(name, assign_n[i], assign_rf[i], msg, sizeof(msg));
            admin_set(a, i, ERR_INVALID_PARTITIONS, msg);
        } else if (errs[i] || (assign[i] && assign_n[i] != counts[i] - t->npartitions)) {
            snprintf(msg, sizeof(msg), "Increasing the number of partitions by %d but %d assignments provided.",
                     counts[i] - t->npartitions, assign_n[i]);
            admin_set(a, i, ERR_INVALID_REPLICA_ASSIGNMENT, errs[i] ? "Inconsistent replication factor in assignment." : msg);
        } else if (!validate_only) {
            cluster_create_partitions(name, counts[i], assign[i], timeout_ms, admin_item_done,
                                      admin_submit(a, i));
        }
    }
    for (int32_t i = 0; i < n; i++)
        free(assign[i]);
    free(assign);
    free(assign_rf);
    free(assign_n);
    free(counts);
    free(errs);
    return admin_start(a, rs);
err_parse:
    for (int32_t i = 0; assign && i < n; i++)
        free(assign[i]);
    free(assign);
    free(assign_rf);
    free(assign_n);
    free(counts);
    free(errs);
    if (a)
        admin_free(a);
    return -1;
}

/* ------------------------------------------------------------------------
 * DeleteRecords: moves the log start offset (-1 = high watermark).
 * ---------------------------------------------------------------------- */
int handle_DeleteRecords(request *rq, response *rs) {
    rbuf *rb = &rq->body;
    int32_t ntopics, timeout_ms;
    rb_read_i32(rb, &ntopics);
    rb_check_count_nn(rb, ntopics, 6);
    wbuf *w = &rs->wb;
    wb_i32(w, 0); /* throttle_time_ms */
    wb_i32(w, ntopics);
    int changed = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        kstr name;
        int32_t nparts;
        api_read_echo_topic(rb, w, &name, &nparts, 12);
        topic *t = KSTR_IS_NULL(name) ? NULL : topic_findn(name.s, name.len);
        for (int32_t j = 0; j < nparts; j++) {
            int32_t pidx;
            int64_t offset;
            rb_read_i32(rb, &pidx);
            rb_read_i64(rb, &offset);
            partition *p = t && !t->deleting ? partition_get(t, pidx) : NULL;
            int16_t err = ERR_NONE;
            int64_t low = -1;
            if (!p)
                err = ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (!p->log || !partition_is_leader(p))
                err = ERR_NOT_LEADER_FOR_PARTITION;
            else {
                int64_t hw = p->hw; /* records above the high watermark are not deletable */
                if (offset == -1)
                    offset = hw;
                if (offset < 0 || offset > hw)
                    err = ERR_OFFSET_OUT_OF_RANGE;
                else if (offset > plog_log_start_offset(p->log)) {
                    if (plog_delete_records(p->log, offset) != 0)
                        err = ERR_OFFSET_OUT_OF_RANGE;
                    else
                        changed = 1;
                }
                if (!err)
                    low = plog_log_start_offset(p->log);
            }
            wb_i32(w, pidx);
            wb_i64(w, low);
            wb_i16(w, err);
        }
    }
    rb_read_i32(rb, &timeout_ms);
    if (changed)
        topics_checkpoint(); /* the new log start must survive a crash */
    return 0;
err_parse:
    return -1;
}
