/* group.c -- the group coordinator's state machine, after Kafka 2.5's
 * GroupCoordinator and GroupMetadata: which broker coordinates a group,
 * the registry of groups, JoinGroup/SyncGroup/Heartbeat/LeaveGroup and
 * DeleteGroups, member sessions, the join phase (with the initial rebalance
 * delay), and loading/unloading as leadership of __consumer_offsets
 * partitions moves. Timers are checked by group_periodic (the broker's
 * 100 ms cron), so no per-member timer objects exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "broker.h"
#include "cluster.h"
#include "group.h"
#include "logger.h"
#include "memlimit.h"
#include "proto.h"

#define LOGGER "kafka.coordinator.group.GroupCoordinator"
#define NEW_MEMBER_JOIN_TIMEOUT_MS 300000

static const char *const state_names[] = {"Empty", "PreparingRebalance", "CompletingRebalance",
                                          "Stable", "Dead"};
const char *gstate_name(gstate s) { return state_names[s]; }

/* ------------------------------------------------------------------------
 * Coordinator selection
 * ---------------------------------------------------------------------- */

/* Java's String.hashCode over the UTF-16 code units of a UTF-8 string. */
static int32_t java_string_hash(const char *s, int len) {
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    int i = 0;
    while (i < len) {
        uint32_t c = p[i], cp = c;
        int n = 1;
        if (c >= 0xf0 && i + 3 < len) {
            cp = ((c & 0x07) << 18) | ((p[i + 1] & 0x3fu) << 12) | ((p[i + 2] & 0x3fu) << 6) |
                 (p[i + 3] & 0x3fu);
            n = 4;
        } else if (c >= 0xe0 && i + 2 < len) {
            cp = ((c & 0x0f) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
            n = 3;
        } else if (c >= 0xc0 && i + 1 < len) {
            cp = ((c & 0x1f) << 6) | (p[i + 1] & 0x3fu);
            n = 2;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xd800 + (cp >> 10));
            h = 31 * h + (0xdc00 + (cp & 0x3ff));
        } else {
            h = 31 * h + cp;
        }
        i += n;
    }
    return (int32_t)h;
}

int32_t group_partition_for(const char *group_id, int len, int32_t npartitions) {
    int32_t h = java_string_hash(group_id, len);
    int32_t a = h == INT32_MIN ? 0 : (h < 0 ? -h : h); /* Kafka's Utils.abs */
    return npartitions > 0 ? a % npartitions : 0;
}

/* Loaded __consumer_offsets partitions: the leader epoch they were loaded at. */
typedef struct cpart {
    int loaded;
    int32_t epoch;
} cpart;
static cpart *cparts;
static int ncparts;

static topic *offsets_topic(void) {
    topic *t = topic_find(OFFSETS_TOPIC);
    return t && !t->deleting ? t : NULL;
}

static void unload_partition(int32_t p);

static int ensure_cparts(int n) {
    if (n <= ncparts)
        return 0;
    cpart *np = realloc(cparts, (size_t)n * sizeof(*np));
    if (!np)
        abort();
    memset(np + ncparts, 0, (size_t)(n - ncparts) * sizeof(*np));
    cparts = np;
    ncparts = n;
    return 0;
}

/* Loads a led partition (again, if the leader epoch changed) and unloads one
 * no longer led. Returns 1 when the partition is led and loaded. */
static int sync_partition(topic *t, int32_t pidx) {
    partition *p = partition_get(t, pidx);
    ensure_cparts(t->npartitions);
    cpart *c = &cparts[pidx];
    int leader = p && partition_is_leader(p);
    if (c->loaded && (!leader || c->epoch != p->leader_epoch))
        unload_partition(pidx);
    if (leader && !c->loaded) {
        int64_t t0 = ae_mono_ms();
        if (store_load_partition(pidx) != 0)
            return 0;
        c->loaded = 1;
        c->epoch = p->leader_epoch;
        log_info("kafka.coordinator.group.GroupMetadataManager",
                 "[GroupMetadataManager brokerId=%d] Finished loading offsets and group metadata "
                 "from %s-%d in %lld milliseconds.",
                 B.id, OFFSETS_TOPIC, pidx, (long long)(ae_mono_ms() - t0));
    }
    return leader && c->loaded;
}

int group_partition_owned(int32_t pidx) {
    topic *t = offsets_topic();
    partition *p = t ? partition_get(t, pidx) : NULL;
    return p && pidx < ncparts && cparts[pidx].loaded && partition_is_leader(p) &&
           cparts[pidx].epoch == p->leader_epoch;
}

int16_t group_coordinator_check(const char *group_id, int allow_empty, int32_t *partition) {
    if (!group_id || (!allow_empty && !*group_id))
        return ERR_INVALID_GROUP_ID;
    if (B.shutting_down || !B.registered)
        return ERR_COORDINATOR_NOT_AVAILABLE;
    topic *t = offsets_topic();
    if (!t)
        return ERR_NOT_COORDINATOR;
    int32_t p = group_partition_for(group_id, (int)strlen(group_id), t->npartitions);
    *partition = p;
    return sync_partition(t, p) ? ERR_NONE : ERR_NOT_COORDINATOR;
}

static void auto_create_done(void *arg, int16_t err, const char *msg) {
    (void)arg;
    /* REQUEST_TIMED_OUT: written, not waited for (timeout 0) */
    if (err && err != ERR_TOPIC_ALREADY_EXISTS && err != ERR_REQUEST_TIMED_OUT)
        log_warn(LOGGER, "Creation of %s failed: %s", OFFSETS_TOPIC, msg ? msg : "error");
}

int16_t group_ensure_offsets_topic(void) {
    static int64_t last_try;
    if (offsets_topic())
        return ERR_NONE;
    int64_t now = ae_mono_ms();
    if (now - last_try < 1000)
        return ERR_COORDINATOR_NOT_AVAILABLE;
    last_try = now;
    int live = cluster_live_broker_count();
    int rf = B.cfg.offsets_topic_replication_factor;
    if (rf > live) {
        log_info("kafka.server.KafkaApis", "Number of alive brokers '%d' does not meet the "
                 "required replication factor '%d' for the offsets topic (configured via "
                 "'offsets.topic.replication.factor'). This error can be ignored if the cluster "
                 "is starting up and not all brokers are up yet.", live, rf);
        return ERR_COORDINATOR_NOT_AVAILABLE;
    }
    char seg[32];
    snprintf(seg, sizeof(seg), "%d", B.cfg.offsets_topic_segment_bytes);
    const char *keys[] = {"cleanup.policy", "compression.type", "segment.bytes"};
    const char *vals[] = {"compact", "producer", seg};
    log_info("kafka.server.KafkaApis", "Creating topic %s with configuration {cleanup.policy=compact, "
             "compression.type=producer, segment.bytes=%s} and %d partitions, replication factor %d",
             OFFSETS_TOPIC, seg, B.cfg.offsets_topic_num_partitions, rf);
    cluster_create_topic(OFFSETS_TOPIC, B.cfg.offsets_topic_num_partitions, rf, NULL, keys, vals, 3,
                         0, auto_create_done, NULL);
    return ERR_COORDINATOR_NOT_AVAILABLE;
}

/* ------------------------------------------------------------------------
 * Registry
 * ---------------------------------------------------------------------- */
#define NBUCKETS 1024
static group *buckets[NBUCKETS];

static uint32_t bucket_of(const char *id) {
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % NBUCKETS;
}

group *group_find(const char *id) {
    for (group *g = buckets[bucket_of(id)]; g; g = g->next)
        if (!strcmp(g->id, id))
            return g;
    return NULL;
}

group *group_get_or_create(const char *id, int32_t partition) {
    group *g = group_find(id);
    if (g)
        return g;
    g = calloc(1, sizeof(*g));
    if (!g || !(g->id = strdup(id)))
        abort();
    g->partition = partition;
    g->state = GS_EMPTY;
    g->state_ts = ae_wall_ms();
    uint32_t b = bucket_of(id);
    g->next = buckets[b];
    buckets[b] = g;
    return g;
}

void group_foreach(void (*cb)(group *g, void *arg), void *arg) {
    for (int b = 0; b < NBUCKETS; b++) {
        group *next;
        for (group *g = buckets[b]; g; g = next) {
            next = g->next;
            cb(g, arg);
        }
    }
}

static void protocols_free(gprotocol *ps, int n) {
    for (int i = 0; i < n; i++) {
        free(ps[i].name);
        free(ps[i].meta);
    }
    free(ps);
}

/* Group metadata counts against the -Xmx ceiling: a member's ids, protocol
 * metadata and assignment are charged whenever they change. */
void group_member_charge(gmember *m) {
    size_t n = sizeof(*m) + strlen(m->member_id) + strlen(m->client_id) + strlen(m->client_host) +
               (m->group_instance_id ? strlen(m->group_instance_id) : 0) +
               (size_t)m->assignment_len;
    for (int i = 0; i < m->nprotocols; i++)
        n += sizeof(gprotocol) + strlen(m->protocols[i].name) +
             (size_t)(m->protocols[i].meta_len > 0 ? m->protocols[i].meta_len : 0);
    if (n > m->charged)
        memlimit_charge(n - m->charged);
    else
        memlimit_release(m->charged - n);
    m->charged = n;
}

static void member_free(gmember *m) {
    memlimit_release(m->charged);
    free(m->member_id);
    free(m->group_instance_id);
    free(m->client_id);
    free(m->client_host);
    protocols_free(m->protocols, m->nprotocols);
    free(m->assignment);
    free(m);
}

void group_remove(group *g) {
    group **pp = &buckets[bucket_of(g->id)];
    while (*pp && *pp != g)
        pp = &(*pp)->next;
    if (*pp)
        *pp = g->next;
    gmember *m, *mn;
    for (m = g->members; m; m = mn) {
        mn = m->next;
        member_free(m);
    }
    gpending *pd, *pn;
    for (pd = g->pending; pd; pd = pn) {
        pn = pd->next;
        free(pd->member_id);
        free(pd);
    }
    for (int i = 0; i < g->noffsets; i++) {
        free(g->offsets[i].topic);
        free(g->offsets[i].metadata);
    }
    free(g->offsets);
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader);
    free(g->id);
    free(g);
}

void group_reset_members(group *g) {
    gmember *m, *mn;
    for (m = g->members; m; m = mn) {
        mn = m->next;
        member_free(m);
    }
    g->members = NULL;
    g->nmembers = 0;
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader);
    g->protocol_type = g->protocol = g->leader = NULL;
    g->generation = 0;
    g->state = GS_EMPTY;
}

gmember *group_find_member(group *g, const char *member_id) {
    for (gmember *m = g->members; m; m = m->next)
        if (!strcmp(m->member_id, member_id))
            return m;
    return NULL;
}

gmember *group_find_static(group *g, const char *instance_id) {
    if (!instance_id)
        return NULL;
    for (gmember *m = g->members; m; m = m->next)
        if (m->group_instance_id && !strcmp(m->group_instance_id, instance_id))
            return m;
    return NULL;
}

int group_is_fenced(group *g, const char *member_id, const char *instance_id) {
    gmember *s = group_find_static(g, instance_id);
    return s && strcmp(s->member_id, member_id) != 0;
}

goffset *group_offset(group *g, const char *topic, int32_t partition) {
    for (int i = 0; i < g->noffsets; i++)
        if (g->offsets[i].partition == partition && !strcmp(g->offsets[i].topic, topic))
            return &g->offsets[i];
    return NULL;
}

goffset *group_offset_put(group *g, const char *topic, int32_t partition) {
    goffset *o = group_offset(g, topic, partition);
    if (o)
        return o;
    if (g->noffsets == g->capoffsets) {
        g->capoffsets = g->capoffsets ? 2 * g->capoffsets : 8;
        g->offsets = realloc(g->offsets, (size_t)g->capoffsets * sizeof(goffset));
        if (!g->offsets)
            abort();
    }
    o = &g->offsets[g->noffsets++];
    memset(o, 0, sizeof(*o));
    if (!(o->topic = strdup(topic)))
        abort();
    o->partition = partition;
    o->leader_epoch = -1;
    o->expire_ts = -1;
    return o;
}

void group_offset_del(group *g, const char *topic, int32_t partition) {
    goffset *o = group_offset(g, topic, partition);
    if (!o)
        return;
    free(o->topic);
    free(o->metadata);
    *o = g->offsets[--g->noffsets];
}

void group_set_state(group *g, gstate s) {
    g->state = s;
    g->state_ts = ae_wall_ms();
}

void group_member_heartbeat(gmember *m) { m->last_heartbeat_ms = ae_mono_ms(); }

/* Topics in a "consumer" subscription (ConsumerProtocolSubscription: version
 * int16, topics [string], ...) for the group's protocol. */
static int subscription_has(const uint8_t *meta, int32_t len, const char *topic) {
    rbuf rb;
    rb_init(&rb, meta, (size_t)len);
    int16_t version;
    int32_t n;
    rb_read_i16(&rb, &version);
    rb_read_i32(&rb, &n);
    rb_check_count(&rb, n, 2);
    for (int32_t i = 0; i < n; i++) {
        kstr t;
        rb_read_str(&rb, &t);
        if (kstr_eq(t, topic))
            return 1;
    }
    return 0;
err_parse:
    return -1;
}

int group_subscribed_to(group *g, const char *topic) {
    if (!g->protocol_type || strcmp(g->protocol_type, "consumer") || !g->protocol)
        return -1;
    for (gmember *m = g->members; m; m = m->next)
        for (int i = 0; i < m->nprotocols; i++)
            if (!strcmp(m->protocols[i].name, g->protocol)) {
                int r = subscription_has(m->protocols[i].meta, m->protocols[i].meta_len, topic);
                if (r != 0)
                    return r;
            }
    return 0;
}

/* ------------------------------------------------------------------------
 * Parked requests
 *
 * Answers to parked JoinGroup/SyncGroup requests are queued and sent from
 * group_flush_answers (before the event loop sleeps): completing a request
 * resumes its connection, which may dispatch its next request into this
 * file while a caller is still walking the groups or members.
 * ---------------------------------------------------------------------- */
typedef struct answer {
    request *rq;
    response rs;
} answer;
static answer *answers;
static int nanswers, capanswers;

static void queue_answer(request *rq, response *rs) {
    if (nanswers == capanswers) {
        capanswers = capanswers ? 2 * capanswers : 16;
        answers = realloc(answers, (size_t)capanswers * sizeof(*answers));
        if (!answers)
            abort();
    }
    answers[nanswers].rq = rq;
    answers[nanswers].rs = *rs;
    nanswers++;
}

void group_flush_answers(void) {
    while (nanswers > 0) {
        answer *q = answers;
        int n = nanswers;
        answers = NULL;
        nanswers = capanswers = 0;
        for (int i = 0; i < n; i++)
            request_complete(q[i].rq, &q[i].rs);
        free(q);
    }
}

static void answer_join(gmember *m, int16_t err, group *g, int with_members) {
    request *rq = m->join_rq;
    if (!rq)
        return;
    m->join_rq = NULL;
    response rs;
    resp_init(&rs);
    if (err)
        write_join_response(rq, &rs.wb, err, -1, "", "", m->member_id, NULL);
    else
        write_join_response(rq, &rs.wb, ERR_NONE, g->generation, g->protocol ? g->protocol : "",
                            g->leader ? g->leader : "", m->member_id, with_members ? g : NULL);
    queue_answer(rq, &rs);
}

static void answer_sync(gmember *m, int16_t err) {
    request *rq = m->sync_rq;
    if (!rq)
        return;
    m->sync_rq = NULL;
    response rs;
    resp_init(&rs);
    if (err)
        write_sync_response(rq, &rs.wb, err, NULL, 0);
    else
        write_sync_response(rq, &rs.wb, ERR_NONE, m->assignment, m->assignment_len);
    queue_answer(rq, &rs);
}

/* ------------------------------------------------------------------------
 * Members and the join phase
 * ---------------------------------------------------------------------- */
static int32_t group_rebalance_timeout(group *g) {
    int32_t t = 0;
    for (gmember *m = g->members; m; m = m->next)
        if (m->rebalance_timeout_ms > t)
            t = m->rebalance_timeout_ms;
    return t;
}

static void remove_member(group *g, gmember *m, int16_t parked_err) {
    gmember **pp = &g->members;
    while (*pp && *pp != m)
        pp = &(*pp)->next;
    if (*pp)
        *pp = m->next;
    g->nmembers--;
    answer_join(m, parked_err, g, 0);
    answer_sync(m, parked_err);
    if (g->leader && !strcmp(g->leader, m->member_id)) {
        free(g->leader);
        g->leader = g->members ? strdup(g->members->member_id) : NULL;
    }
    member_free(m);
}

static void remove_pending(group *g, const char *member_id) {
    for (gpending **pp = &g->pending; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->member_id, member_id)) {
            gpending *d = *pp;
            *pp = d->next;
            free(d->member_id);
            free(d);
            return;
        }
}

static int is_pending(group *g, const char *member_id) {
    for (gpending *d = g->pending; d; d = d->next)
        if (!strcmp(d->member_id, member_id))
            return 1;
    return 0;
}

static int all_members_joined(group *g) {
    if (g->pending)
        return 0;
    for (gmember *m = g->members; m; m = m->next)
        if (!m->join_rq)
            return 0;
    return 1;
}

static int member_supports(const gmember *m, const char *proto) {
    for (int i = 0; i < m->nprotocols; i++)
        if (!strcmp(m->protocols[i].name, proto))
            return 1;
    return 0;
}

/* GroupMetadata.supportsProtocols */
static int supports_protocols(group *g, const char *ptype, const gprotocol *ps, int n) {
    if (g->state == GS_EMPTY || !g->members)
        return ptype && *ptype && n > 0;
    if (!g->protocol_type || !ptype || strcmp(g->protocol_type, ptype))
        return 0;
    for (int i = 0; i < n; i++) {
        int all = 1;
        for (gmember *m = g->members; m && all; m = m->next)
            all = member_supports(m, ps[i].name);
        if (all)
            return 1;
    }
    return 0;
}

/* GroupMetadata.selectProtocol: among protocols every member supports, the
 * one most members list first. */
static const char *select_protocol(group *g) {
    const char *best = NULL;
    int best_votes = -1;
    gmember *first = g->members;
    for (int i = 0; first && i < first->nprotocols; i++) {
        const char *cand = first->protocols[i].name;
        int all = 1;
        for (gmember *m = g->members; m && all; m = m->next)
            all = member_supports(m, cand);
        if (!all)
            continue;
        int votes = 0;
        for (gmember *m = g->members; m; m = m->next) {
            for (int k = 0; k < m->nprotocols; k++) {
                const char *pn = m->protocols[k].name;
                int common = 1;
                for (gmember *o = g->members; o && common; o = o->next)
                    common = member_supports(o, pn);
                if (common) {
                    votes += !strcmp(pn, cand);
                    break;
                }
            }
        }
        if (votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best;
}

/* Members that did not rejoin the current join phase lose their pending
 * SyncGroup and their assignment. */
static void reset_assignment_error(group *g, int16_t err) {
    for (gmember *m = g->members; m; m = m->next) {
        answer_sync(m, err);
        free(m->assignment);
        m->assignment = NULL;
        m->assignment_len = 0;
        group_member_charge(m);
    }
}

static void try_complete_join(group *g);

static void prepare_rebalance(group *g, const char *reason) {
    if (g->state == GS_COMPLETING)
        reset_assignment_error(g, ERR_REBALANCE_IN_PROGRESS);
    int64_t now = ae_mono_ms();
    if (g->state == GS_EMPTY) {
        int32_t delay = B.cfg.group_initial_rebalance_delay_ms;
        int32_t rt = group_rebalance_timeout(g);
        g->initial_join = 1;
        g->initial_remaining_ms = rt > delay ? rt - delay : 0;
        g->join_deadline_ms = now + delay;
    } else {
        g->initial_join = 0;
        g->join_deadline_ms = now + group_rebalance_timeout(g);
    }
    group_set_state(g, GS_PREPARING);
    log_info(LOGGER, "[GroupCoordinator %d]: Preparing to rebalance group %s in state %s with old "
             "generation %d (%s-%d) (reason: %s)", B.id, g->id, gstate_name(g->state),
             g->generation, OFFSETS_TOPIC, g->partition, reason);
    try_complete_join(g);
}

static void maybe_prepare_rebalance(group *g, const char *reason) {
    if (g->state == GS_STABLE || g->state == GS_COMPLETING || g->state == GS_EMPTY)
        prepare_rebalance(g, reason);
}

/* GroupMetadata.maybeElectNewJoinedLeader */
static int elect_joined_leader(group *g) {
    if (!g->leader)
        return 0;
    gmember *l = group_find_member(g, g->leader);
    if (l && l->join_rq)
        return 1;
    for (gmember *m = g->members; m; m = m->next)
        if (m->join_rq) {
            free(g->leader);
            g->leader = strdup(m->member_id);
            return 1;
        }
    return 0;
}

/* GroupCoordinator.onCompleteJoin */
static void complete_join(group *g) {
    gmember *m, *next;
    for (m = g->members; m; m = next) {
        next = m->next;
        if (!m->join_rq && !m->group_instance_id)
            remove_member(g, m, ERR_UNKNOWN_MEMBER_ID);
    }
    if (g->state == GS_DEAD)
        return;
    if (!elect_joined_leader(g) && g->members) {
        log_error(LOGGER, "[GroupCoordinator %d]: Group %s could not complete rebalance because no "
                  "members rejoined", B.id, g->id);
        g->initial_join = 0;
        g->join_deadline_ms = ae_mono_ms() + group_rebalance_timeout(g);
        return;
    }
    g->join_deadline_ms = 0;
    g->generation++;
    free(g->protocol);
    g->protocol = NULL;
    if (g->members) {
        const char *p = select_protocol(g);
        g->protocol = p ? strdup(p) : NULL;
        group_set_state(g, GS_COMPLETING);
        log_info(LOGGER, "[GroupCoordinator %d]: Stabilized group %s generation %d (%s-%d)", B.id,
                 g->id, g->generation, OFFSETS_TOPIC, g->partition);
        int64_t now = ae_mono_ms();
        for (m = g->members; m; m = m->next) {
            int is_leader = g->leader && !strcmp(g->leader, m->member_id);
            answer_join(m, ERR_NONE, g, is_leader);
            m->last_heartbeat_ms = now;
            m->is_new = 0;
        }
    } else {
        group_set_state(g, GS_EMPTY);
        log_info(LOGGER, "[GroupCoordinator %d]: Group %s with generation %d is now empty (%s-%d)",
                 B.id, g->id, g->generation, OFFSETS_TOPIC, g->partition);
        int16_t err = store_group(g);
        if (err)
            log_warn(LOGGER, "[GroupCoordinator %d]: Failed to write empty metadata for group %s: "
                     "error %d", B.id, g->id, err);
    }
}

static void try_complete_join(group *g) {
    if (g->state == GS_PREPARING && !g->initial_join && all_members_joined(g))
        complete_join(g);
}

static void set_protocols(gmember *m, gprotocol *ps, int n) {
    protocols_free(m->protocols, m->nprotocols);
    m->protocols = ps;
    m->nprotocols = n;
    group_member_charge(m);
}

static int protocols_match(const gmember *m, const gprotocol *ps, int n) {
    if (m->nprotocols != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(m->protocols[i].name, ps[i].name) || m->protocols[i].meta_len != ps[i].meta_len ||
            (ps[i].meta_len > 0 && memcmp(m->protocols[i].meta, ps[i].meta, (size_t)ps[i].meta_len)))
            return 0;
    return 1;
}

static void park_join(gmember *m, request *rq) {
    if (m->join_rq) { /* a retry from a new connection replaces the old one */
        response rs;
        resp_init(&rs);
        write_join_response(m->join_rq, &rs.wb, ERR_REBALANCE_IN_PROGRESS, -1, "", "",
                            m->member_id, NULL);
        queue_answer(m->join_rq, &rs);
    }
    m->join_rq = rq;
}

static void new_member_id(const char *client_id, char *out, size_t outlen) {
    uint8_t u[16];
    if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u)) {
        for (size_t i = 0; i < sizeof(u); i++)
            u[i] = (uint8_t)rand();
    }
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    snprintf(out, outlen,
             "%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", client_id,
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

static gmember *add_member(group *g, join_args *a, const char *member_id, request *rq) {
    gmember *m = calloc(1, sizeof(*m));
    if (!m || !(m->member_id = strdup(member_id)) || !(m->client_id = strdup(a->client_id)) ||
        !(m->client_host = strdup(a->client_host)))
        abort();
    if (a->group_instance_id && !(m->group_instance_id = strdup(a->group_instance_id)))
        abort();
    m->session_timeout_ms = a->session_timeout_ms;
    m->rebalance_timeout_ms = a->rebalance_timeout_ms;
    set_protocols(m, a->protocols, a->nprotocols);
    a->protocols = NULL;
    a->nprotocols = 0;
    m->is_new = 1;
    m->last_heartbeat_ms = ae_mono_ms();
    if (!g->members) {
        free(g->protocol_type);
        if (!(g->protocol_type = strdup(a->protocol_type)))
            abort();
    }
    gmember **pp = &g->members;
    while (*pp)
        pp = &(*pp)->next;
    *pp = m;
    g->nmembers++;
    if (!g->leader && !(g->leader = strdup(m->member_id)))
        abort();
    if (g->state == GS_PREPARING && g->generation == 0)
        g->new_member_added = 1;
    park_join(m, rq);
    remove_pending(g, member_id);
    return m;
}

/* Answers a JoinGroup right away (into rs). */
static int join_now(request *rq, response *rs, int16_t err, group *g, const char *member_id,
                    const char *leader, int with_members) {
    if (err || !g)
        write_join_response(rq, &rs->wb, err, -1, "", "", member_id, NULL);
    else
        write_join_response(rq, &rs->wb, ERR_NONE, g->generation, g->protocol ? g->protocol : "",
                            leader ? leader : "", member_id, with_members ? g : NULL);
    return 0;
}

static int parked(response *rs) {
    resp_free(rs);
    return 1;
}

static int join_unknown(request *rq, response *rs, group *g, join_args *a) {
    if (g->state == GS_DEAD)
        return join_now(rq, rs, ERR_COORDINATOR_NOT_AVAILABLE, g, "", NULL, 0);
    if (!supports_protocols(g, a->protocol_type, a->protocols, a->nprotocols))
        return join_now(rq, rs, ERR_INCONSISTENT_GROUP_PROTOCOL, g, "", NULL, 0);
    char id[512];
    new_member_id(a->client_id, id, sizeof(id));
    if (a->group_instance_id) {
        gmember *old = group_find_static(g, a->group_instance_id);
        if (old) {
            /* A static member came back with a new member id: it takes the
             * old member's place without a rebalance while stable. */
            char *old_id = old->member_id;
            if (!(old->member_id = strdup(id)))
                abort();
            answer_join(old, ERR_FENCED_INSTANCE_ID, g, 0);
            answer_sync(old, ERR_FENCED_INSTANCE_ID);
            if (g->leader && !strcmp(g->leader, old_id)) {
                free(g->leader);
                g->leader = strdup(id);
            }
            char *prev_leader = g->leader ? strdup(g->leader) : NULL;
            free(old_id);
            set_protocols(old, a->protocols, a->nprotocols);
            a->protocols = NULL;
            a->nprotocols = 0;
            old->session_timeout_ms = a->session_timeout_ms;
            old->rebalance_timeout_ms = a->rebalance_timeout_ms;
            group_member_heartbeat(old);
            if (g->state == GS_STABLE || g->state == GS_COMPLETING) {
                log_info(LOGGER, "Static member %s with instance id %s joins group %s during %s "
                         "stage and will not trigger a rebalance.", id, a->group_instance_id,
                         g->id, gstate_name(g->state));
                /* the old leader id is returned so that no trivial assignment is made */
                join_now(rq, rs, ERR_NONE, g, id, prev_leader, 0);
                free(prev_leader);
                return 0;
            }
            free(prev_leader);
            park_join(old, rq);
            try_complete_join(g);
            return parked(rs);
        }
        add_member(g, a, id, rq);
        maybe_prepare_rebalance(g, "Adding new member");
        try_complete_join(g);
        return parked(rs);
    }
    if (rq->api_version >= 4) {
        gpending *d = calloc(1, sizeof(*d));
        if (!d || !(d->member_id = strdup(id)))
            abort();
        d->deadline_ms = ae_mono_ms() + a->session_timeout_ms;
        d->next = g->pending;
        g->pending = d;
        return join_now(rq, rs, ERR_MEMBER_ID_REQUIRED, g, id, NULL, 0);
    }
    add_member(g, a, id, rq);
    char reason[600];
    snprintf(reason, sizeof(reason), "Adding new member %s with group instance id %s", id, "None");
    maybe_prepare_rebalance(g, reason);
    try_complete_join(g);
    return parked(rs);
}

static void update_and_rebalance(group *g, gmember *m, join_args *a, request *rq) {
    set_protocols(m, a->protocols, a->nprotocols);
    a->protocols = NULL;
    a->nprotocols = 0;
    m->session_timeout_ms = a->session_timeout_ms;
    m->rebalance_timeout_ms = a->rebalance_timeout_ms;
    park_join(m, rq);
    char reason[600];
    snprintf(reason, sizeof(reason), "Updating metadata for member %s", m->member_id);
    maybe_prepare_rebalance(g, reason);
    try_complete_join(g);
}

static int join_known(request *rq, response *rs, group *g, join_args *a) {
    const char *mid = a->member_id;
    if (g->state == GS_DEAD)
        return join_now(rq, rs, ERR_COORDINATOR_NOT_AVAILABLE, g, mid, NULL, 0);
    if (!supports_protocols(g, a->protocol_type, a->protocols, a->nprotocols))
        return join_now(rq, rs, ERR_INCONSISTENT_GROUP_PROTOCOL, g, mid, NULL, 0);
    if (is_pending(g, mid)) {
        add_member(g, a, mid, rq);
        char reason[600];
        snprintf(reason, sizeof(reason), "Adding new member %s with group instance id None", mid);
        maybe_prepare_rebalance(g, reason);
        try_complete_join(g);
        return parked(rs);
    }
    if (group_is_fenced(g, mid, a->group_instance_id))
        return join_now(rq, rs, ERR_FENCED_INSTANCE_ID, g, mid, NULL, 0);
    gmember *m = group_find_member(g, mid);
    if (!m || (a->group_instance_id && !group_find_static(g, a->group_instance_id)))
        return join_now(rq, rs, ERR_UNKNOWN_MEMBER_ID, g, mid, NULL, 0);
    int is_leader = g->leader && !strcmp(g->leader, mid);
    switch (g->state) {
    case GS_PREPARING:
        update_and_rebalance(g, m, a, rq);
        return parked(rs);
    case GS_COMPLETING:
        if (protocols_match(m, a->protocols, a->nprotocols))
            return join_now(rq, rs, ERR_NONE, g, mid, g->leader, is_leader);
        update_and_rebalance(g, m, a, rq);
        return parked(rs);
    case GS_STABLE:
        if (is_leader || !protocols_match(m, a->protocols, a->nprotocols)) {
            update_and_rebalance(g, m, a, rq);
            return parked(rs);
        }
        return join_now(rq, rs, ERR_NONE, g, mid, g->leader, 0);
    default:
        return join_now(rq, rs, ERR_UNKNOWN_MEMBER_ID, g, mid, NULL, 0);
    }
}

int group_join(request *rq, response *rs, join_args *a) {
    int32_t part;
    int16_t err = group_coordinator_check(a->group_id, 0, &part);
    if (err)
        return join_now(rq, rs, err, NULL, a->member_id, NULL, 0);
    if (a->session_timeout_ms < B.cfg.group_min_session_timeout_ms ||
        a->session_timeout_ms > B.cfg.group_max_session_timeout_ms)
        return join_now(rq, rs, ERR_INVALID_SESSION_TIMEOUT, NULL, a->member_id, NULL, 0);
    int unknown = !*a->member_id;
    group *g = group_find(a->group_id);
    if (!g) {
        if (!unknown)
            return join_now(rq, rs, ERR_UNKNOWN_MEMBER_ID, NULL, a->member_id, NULL, 0);
        g = group_get_or_create(a->group_id, part);
    }
    if (unknown && g->nmembers >= B.cfg.group_max_size)
        return join_now(rq, rs, ERR_GROUP_MAX_SIZE_REACHED, NULL, "", NULL, 0);
    return unknown ? join_unknown(rq, rs, g, a) : join_known(rq, rs, g, a);
}

/* ------------------------------------------------------------------------
 * SyncGroup, Heartbeat, LeaveGroup, DeleteGroups
 * ---------------------------------------------------------------------- */
static int sync_now(request *rq, response *rs, int16_t err, const gmember *m) {
    if (err || !m)
        write_sync_response(rq, &rs->wb, err, NULL, 0);
    else
        write_sync_response(rq, &rs->wb, ERR_NONE, m->assignment, m->assignment_len);
    return 0;
}

static void set_assignment(gmember *m, const uint8_t *data, int32_t len) {
    free(m->assignment);
    m->assignment = NULL;
    m->assignment_len = len > 0 ? len : 0;
    if (len > 0) {
        if (!(m->assignment = malloc((size_t)len)))
            abort();
        memcpy(m->assignment, data, (size_t)len);
    }
    group_member_charge(m);
}

int group_sync(request *rq, response *rs, const char *group_id, int32_t generation,
               const char *member_id, const char *instance_id, const sync_assignment *as, int nas) {
    int32_t part;
    int16_t err = group_coordinator_check(group_id, 0, &part);
    if (err)
        return sync_now(rq, rs, err, NULL);
    group *g = group_find(group_id);
    if (!g)
        return sync_now(rq, rs, ERR_UNKNOWN_MEMBER_ID, NULL);
    if (g->state == GS_DEAD)
        return sync_now(rq, rs, ERR_COORDINATOR_NOT_AVAILABLE, NULL);
    if (group_is_fenced(g, member_id, instance_id))
        return sync_now(rq, rs, ERR_FENCED_INSTANCE_ID, NULL);
    gmember *m = group_find_member(g, member_id);
    if (!m)
        return sync_now(rq, rs, ERR_UNKNOWN_MEMBER_ID, NULL);
    if (generation != g->generation)
        return sync_now(rq, rs, ERR_ILLEGAL_GENERATION, NULL);
    switch (g->state) {
    case GS_PREPARING:
        return sync_now(rq, rs, ERR_REBALANCE_IN_PROGRESS, NULL);
    case GS_STABLE:
        group_member_heartbeat(m);
        return sync_now(rq, rs, ERR_NONE, m);
    case GS_COMPLETING:
        break;
    default:
        return sync_now(rq, rs, ERR_UNKNOWN_MEMBER_ID, NULL);
    }
    if (m->sync_rq)
        answer_sync(m, ERR_REBALANCE_IN_PROGRESS);
    m->sync_rq = rq;
    if (!g->leader || strcmp(g->leader, member_id))
        return parked(rs);
    /* The leader's assignment: members it left out get an empty one. */
    for (gmember *x = g->members; x; x = x->next) {
        set_assignment(x, NULL, 0);
        for (int i = 0; i < nas; i++)
            if (!strcmp(as[i].member_id, x->member_id))
                set_assignment(x, as[i].data, as[i].len);
    }
    err = store_group(g);
    if (err) {
        reset_assignment_error(g, err);
        maybe_prepare_rebalance(g, "error when storing group assignment during SyncGroup");
        return parked(rs);
    }
    log_info(LOGGER, "[GroupCoordinator %d]: Assignment received from leader for group %s for "
             "generation %d", B.id, g->id, g->generation);
    group_set_state(g, GS_STABLE);
    for (gmember *x = g->members; x; x = x->next) {
        answer_sync(x, ERR_NONE);
        group_member_heartbeat(x);
    }
    return parked(rs);
}

int16_t group_heartbeat(const char *group_id, int32_t generation, const char *member_id,
                        const char *instance_id) {
    int32_t part;
    int16_t err = group_coordinator_check(group_id, 0, &part);
    if (err)
        return err;
    group *g = group_find(group_id);
    if (!g)
        return ERR_UNKNOWN_MEMBER_ID;
    if (g->state == GS_DEAD)
        return ERR_COORDINATOR_NOT_AVAILABLE;
    if (g->state == GS_EMPTY)
        return ERR_UNKNOWN_MEMBER_ID;
    gmember *m = group_find_member(g, member_id);
    if (group_is_fenced(g, member_id, instance_id))
        return ERR_FENCED_INSTANCE_ID;
    if (!m)
        return ERR_UNKNOWN_MEMBER_ID;
    if (g->state == GS_COMPLETING)
        return ERR_REBALANCE_IN_PROGRESS;
    if (generation != g->generation)
        return ERR_ILLEGAL_GENERATION;
    group_member_heartbeat(m);
    return g->state == GS_PREPARING ? ERR_REBALANCE_IN_PROGRESS : ERR_NONE;
}

int16_t group_leave(const char *group_id, const char *member_id, const char *instance_id,
                    int16_t *top) {
    int32_t part;
    *top = group_coordinator_check(group_id, 0, &part);
    if (*top)
        return *top;
    group *g = group_find(group_id);
    if (!g)
        return ERR_UNKNOWN_MEMBER_ID;
    if (g->state == GS_DEAD) {
        *top = ERR_COORDINATOR_NOT_AVAILABLE;
        return *top;
    }
    if (instance_id) {
        gmember *s = group_find_static(g, instance_id);
        if (s && (!member_id || !*member_id))
            member_id = s->member_id; /* v3 by instance id alone */
        if (group_is_fenced(g, member_id, instance_id))
            return ERR_FENCED_INSTANCE_ID;
    }
    if (member_id && is_pending(g, member_id)) {
        remove_pending(g, member_id);
        try_complete_join(g);
        return ERR_NONE;
    }
    gmember *m = member_id ? group_find_member(g, member_id) : NULL;
    if (!m)
        return ERR_UNKNOWN_MEMBER_ID;
    char reason[600];
    snprintf(reason, sizeof(reason), "removing member %s on LeaveGroup", m->member_id);
    log_info(LOGGER, "[GroupCoordinator %d]: Member[group.instance.id %s, member.id %s] in group "
             "%s has left, removing it from the group", B.id,
             m->group_instance_id ? m->group_instance_id : "None", m->member_id, g->id);
    remove_member(g, m, ERR_UNKNOWN_MEMBER_ID);
    if (g->state == GS_PREPARING)
        try_complete_join(g);
    else
        maybe_prepare_rebalance(g, reason);
    return ERR_NONE;
}

int16_t group_delete(const char *group_id) {
    int32_t part;
    int16_t err = group_coordinator_check(group_id, 1, &part);
    if (err)
        return err;
    group *g = group_find(group_id);
    if (!g || g->state == GS_DEAD)
        return ERR_GROUP_ID_NOT_FOUND;
    if (g->state != GS_EMPTY)
        return ERR_NON_EMPTY_GROUP;
    err = store_tombstones(g, NULL, 0, 1);
    if (err)
        return err;
    group_set_state(g, GS_DEAD);
    log_info(LOGGER, "[GroupCoordinator %d]: The following groups were deleted: %s.", B.id, g->id);
    group_remove(g);
    return ERR_NONE;
}

/* ------------------------------------------------------------------------
 * Periodic work, unloading, shutdown
 * ---------------------------------------------------------------------- */
static void member_failed(group *g, gmember *m) {
    log_info(LOGGER, "[GroupCoordinator %d]: Member %s in group %s has failed, removing it from "
             "the group", B.id, m->member_id, g->id);
    char reason[600];
    snprintf(reason, sizeof(reason), "removing member %s on heartbeat expiration", m->member_id);
    remove_member(g, m, ERR_UNKNOWN_MEMBER_ID);
    if (g->state == GS_PREPARING)
        try_complete_join(g);
    else
        maybe_prepare_rebalance(g, reason);
}

static int keep_alive(const gmember *m, int64_t now) {
    if (m->join_rq)
        return !m->is_new || m->last_heartbeat_ms + NEW_MEMBER_JOIN_TIMEOUT_MS > now;
    return m->sync_rq || m->last_heartbeat_ms + m->session_timeout_ms > now;
}

/* GroupMetadata.removeExpiredOffsets + GroupMetadataManager.cleanupGroupMetadata */
static void expire_offsets(group *g, int64_t wall) {
    int64_t retention = (int64_t)B.cfg.offsets_retention_minutes * 60000;
    int cap = g->noffsets ? g->noffsets : 1;
    goffset **exp = malloc((size_t)cap * sizeof(*exp));
    int *idx = malloc((size_t)cap * sizeof(*idx));
    if (!exp || !idx)
        abort();
    int n = 0;
    for (int i = 0; i < g->noffsets; i++) {
        goffset *o = &g->offsets[i];
        int64_t base;
        if (g->protocol_type && g->state == GS_EMPTY)
            base = g->state_ts;
        else if (!g->protocol_type)
            base = o->commit_ts;
        else if (!strcmp(g->protocol_type, "consumer") && group_subscribed_to(g, o->topic) == 0)
            base = o->commit_ts;
        else
            continue;
        if (o->expire_ts >= 0 ? wall >= o->expire_ts : wall - base >= retention) {
            idx[n] = i;
            exp[n++] = o;
        }
    }
    int now_dead = g->state == GS_EMPTY && !g->pending && n == g->noffsets;
    if ((n > 0 || now_dead) && store_tombstones(g, exp, n, now_dead) == ERR_NONE) {
        for (int k = n - 1; k >= 0; k--) { /* descending: the swap-delete keeps lower indexes */
            goffset *o = &g->offsets[idx[k]];
            free(o->topic);
            free(o->metadata);
            *o = g->offsets[--g->noffsets];
        }
        if (n)
            log_info("kafka.coordinator.group.GroupMetadataManager",
                     "[GroupMetadataManager brokerId=%d] Removed %d expired offsets of group %s.",
                     B.id, n, g->id);
        if (now_dead) {
            group_set_state(g, GS_DEAD);
            group_remove(g);
        }
    }
    free(exp);
    free(idx);
}

typedef struct periodic_arg {
    int64_t now, wall;
    int expire;
} periodic_arg;

static void periodic_group(group *g, void *arg) {
    periodic_arg *pa = arg;
    int64_t now = pa->now;
    if (g->partition >= ncparts || !cparts[g->partition].loaded)
        return;
    gpending **pp = &g->pending;
    int pending_gone = 0;
    while (*pp) {
        if ((*pp)->deadline_ms <= now) {
            gpending *d = *pp;
            *pp = d->next;
            free(d->member_id);
            free(d);
            pending_gone = 1;
        } else {
            pp = &(*pp)->next;
        }
    }
    gmember *m, *next;
    for (m = g->members; m; m = next) {
        next = m->next;
        if (!keep_alive(m, now)) {
            member_failed(g, m);
            next = g->members; /* the list may have changed: restart */
            if (!next)
                break;
            /* restart scanning from the head; members already checked pass quickly */
        }
    }
    if (pending_gone)
        try_complete_join(g);
    if (g->state == GS_PREPARING && g->join_deadline_ms && now >= g->join_deadline_ms) {
        if (g->initial_join && g->new_member_added && g->initial_remaining_ms > 0) {
            int32_t delay = B.cfg.group_initial_rebalance_delay_ms;
            int64_t d = g->initial_remaining_ms < delay ? g->initial_remaining_ms : delay;
            g->new_member_added = 0;
            g->initial_remaining_ms = g->initial_remaining_ms > delay ? g->initial_remaining_ms - delay : 0;
            g->join_deadline_ms = now + d;
        } else {
            g->initial_join = 0;
            complete_join(g);
        }
    }
    if (pa->expire)
        expire_offsets(g, pa->wall);
}

static void unload_group(group *g, void *arg) {
    int32_t p = *(int32_t *)arg;
    if (p >= 0 && g->partition != p)
        return;
    for (gmember *m = g->members; m; m = m->next) {
        answer_join(m, ERR_NOT_COORDINATOR, g, 0);
        answer_sync(m, ERR_NOT_COORDINATOR);
    }
    group_remove(g);
}

static void unload_partition(int32_t p) {
    group_foreach(unload_group, &p);
    if (p < ncparts)
        cparts[p].loaded = 0;
    log_info("kafka.coordinator.group.GroupMetadataManager",
             "[GroupMetadataManager brokerId=%d] Unloaded group metadata of %s-%d", B.id,
             OFFSETS_TOPIC, p);
}

void group_periodic(int64_t now_ms) {
    static int64_t last_expire;
    topic *t = offsets_topic();
    if (t) {
        for (int32_t i = 0; i < t->npartitions; i++)
            sync_partition(t, i);
    } else {
        for (int32_t i = 0; i < ncparts; i++)
            if (cparts[i].loaded)
                unload_partition(i);
    }
    periodic_arg pa = {now_ms, ae_wall_ms(), 0};
    if (now_ms - last_expire >= B.cfg.offsets_retention_check_interval_ms) {
        pa.expire = last_expire != 0;
        last_expire = now_ms;
    }
    group_foreach(periodic_group, &pa);
}

void group_shutdown(void) {
    int32_t all = -1;
    group_foreach(unload_group, &all);
    group_flush_answers();
    free(cparts);
    cparts = NULL;
    ncparts = 0;
}
