/* group.h -- the group coordinator: consumer groups, their members and
 * committed offsets, as Kafka 2.5's GroupCoordinator keeps them.
 *
 * A group belongs to partition abs(javaHashCode(group.id)) % N of the internal
 * topic __consumer_offsets; this broker coordinates the groups of the
 * partitions it leads. Group metadata and offsets live in memory and are
 * written to that partition as Kafka's records (group_store.c), from which
 * they are reloaded when the broker (again) becomes its leader.
 *
 * group.c holds the state machine (Empty, PreparingRebalance,
 * CompletingRebalance, Stable, Dead), member sessions and rebalance timers;
 * api_group.c and api_offset_commit.c decode requests and call it. */
#ifndef KAFKA_GROUP_H
#define KAFKA_GROUP_H

#include <stdint.h>

#include "network.h"

#define OFFSETS_TOPIC "__consumer_offsets"

typedef enum gstate { GS_EMPTY, GS_PREPARING, GS_COMPLETING, GS_STABLE, GS_DEAD } gstate;
const char *gstate_name(gstate s); /* Kafka's names: "Empty", "PreparingRebalance", ... */

typedef struct gprotocol {
    char *name;
    uint8_t *meta;
    int32_t meta_len;
} gprotocol;

typedef struct gmember {
    char *member_id;
    char *group_instance_id; /* NULL: dynamic member */
    char *client_id;
    char *client_host;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    gprotocol *protocols;
    int nprotocols;
    uint8_t *assignment;
    int32_t assignment_len;
    request *join_rq; /* parked JoinGroup: the member is awaiting join */
    request *sync_rq; /* parked SyncGroup */
    int64_t last_heartbeat_ms;
    int is_new;
    size_t charged; /* its metadata's charge to the memory ceiling (memlimit.h) */
    struct gmember *next; /* in join order */
} gmember;

/* Charges a member's metadata (ids, protocols, assignment) to the memory
 * ceiling, after any of it changed; member_free releases it. */
void group_member_charge(gmember *m);

typedef struct goffset {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    char *metadata;
    int64_t commit_ts;
    int64_t expire_ts; /* -1: none (offsets.retention.minutes applies) */
} goffset;

typedef struct gpending {
    char *member_id;
    int64_t deadline_ms;
    struct gpending *next;
} gpending;

typedef struct group {
    char *id;
    int32_t partition; /* of __consumer_offsets */
    gstate state;
    int64_t state_ts;     /* when the group entered its state (ms, wall clock) */
    char *protocol_type;  /* NULL: none yet */
    char *protocol;       /* NULL: none */
    int32_t generation;
    char *leader;         /* member id, NULL when no members */
    gmember *members;
    int nmembers;
    gpending *pending;    /* ids handed out with MEMBER_ID_REQUIRED */
    int new_member_added; /* during the initial delay */
    int64_t join_deadline_ms;  /* PreparingRebalance: when the join phase ends (0: not armed) */
    int initial_join;          /* the join phase is the initial delay from Empty */
    int64_t initial_remaining_ms;
    goffset *offsets;
    int noffsets, capoffsets;
    struct group *next;
} group;

/* --- coordinator (group.c) -------------------------------------------- */
int32_t group_partition_for(const char *group_id, int len, int32_t npartitions);
/* For a request about group_id: ERR_NONE if this broker coordinates it and
 * its partition is loaded, else NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE /
 * COORDINATOR_LOAD_IN_PROGRESS / INVALID_GROUP_ID. *partition receives the
 * __consumer_offsets partition. */
int16_t group_coordinator_check(const char *group_id, int allow_empty, int32_t *partition);
/* This broker leads the partition and has its groups loaded (no side effects). */
int group_partition_owned(int32_t partition);
group *group_find(const char *id);
group *group_get_or_create(const char *id, int32_t partition);
void group_remove(group *g); /* frees: no parked requests may remain */
/* Forgets members and protocol (loading a newer group record). */
void group_reset_members(group *g);
void group_foreach(void (*cb)(group *g, void *arg), void *arg);
gmember *group_find_member(group *g, const char *member_id);
gmember *group_find_static(group *g, const char *instance_id);
goffset *group_offset(group *g, const char *topic, int32_t partition);
goffset *group_offset_put(group *g, const char *topic, int32_t partition);
void group_offset_del(group *g, const char *topic, int32_t partition);
int group_subscribed_to(group *g, const char *topic); /* consumer protocol */
void group_set_state(group *g, gstate s);
/* Whether instance_id belongs to another member id (KIP-345 fencing). */
int group_is_fenced(group *g, const char *member_id, const char *instance_id);
void group_member_heartbeat(gmember *m);

/* Requests (Kafka's GroupCoordinator.handle*). Each either answers now
 * (return 0, response written to rs) or parks the request (return 1). */
typedef struct join_args {
    const char *group_id;
    const char *member_id;         /* "" for a new member */
    const char *group_instance_id; /* NULL */
    const char *client_id;
    const char *client_host;
    int32_t session_timeout_ms, rebalance_timeout_ms;
    const char *protocol_type;
    gprotocol *protocols; /* taken over */
    int nprotocols;
} join_args;
int group_join(request *rq, response *rs, join_args *a);
typedef struct sync_assignment {
    const char *member_id;
    const uint8_t *data;
    int32_t len;
} sync_assignment;
int group_sync(request *rq, response *rs, const char *group_id, int32_t generation,
               const char *member_id, const char *instance_id, const sync_assignment *as, int nas);
int16_t group_heartbeat(const char *group_id, int32_t generation, const char *member_id,
                        const char *instance_id);
/* One leaving member; *top receives a group-level error. Returns the member's error. */
int16_t group_leave(const char *group_id, const char *member_id, const char *instance_id,
                    int16_t *top);
int16_t group_delete(const char *group_id);

/* Writers of the JoinGroup / SyncGroup responses (api_group.c). */
void write_join_response(request *rq, wbuf *w, int16_t err, int32_t generation,
                         const char *protocol, const char *leader, const char *member_id,
                         group *members_of);
void write_sync_response(request *rq, wbuf *w, int16_t err, const uint8_t *assignment,
                         int32_t len);

/* Periodic work: loads/unloads partitions as leadership moves, expires
 * sessions and pending members, ends join phases, expires offsets. */
void group_periodic(int64_t now_ms);
/* Sends the queued answers to parked requests (call before the event loop
 * sleeps). */
void group_flush_answers(void);
/* Shutdown: every parked request is answered (NOT_COORDINATOR). */
void group_shutdown(void);
/* Auto-creates __consumer_offsets (FindCoordinator). Returns an error code
 * to answer with while it does not exist yet (COORDINATOR_NOT_AVAILABLE). */
int16_t group_ensure_offsets_topic(void);

/* --- __consumer_offsets records (group_store.c) ------------------------ */
/* Writes the group's metadata record (members with assignments). */
int16_t store_group(group *g);
/* Writes one batch with an offset record per entry (commit). */
int16_t store_offsets(group *g, goffset *const *offs, int n, int value_v1);
/* Tombstones: for the listed offsets (NULL = all of the group's) and, with
 * with_group, for the group metadata. */
int16_t store_tombstones(group *g, goffset *const *offs, int n, int with_group);
/* Rebuilds the groups of one partition from its log. Returns 0 or -1. */
int store_load_partition(int32_t partition);

#endif
