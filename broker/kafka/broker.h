/* broker.h -- the broker's process-wide state: configuration, event loop,
 * the partitions it hosts, and its place in the cluster (ZooKeeper). */
#ifndef KAFKA_BROKER_H
#define KAFKA_BROKER_H

#include <stdint.h>

#include "ae.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "network.h"

typedef struct producer_state producer_state;

typedef struct partition {
    struct topic *topic;
    int32_t id;
    int32_t *replicas; /* assignment from /brokers/topics/<t> */
    int nreplicas;
    /* a reassignment in progress (KIP-455, same znode): replicas being
     * added and removed; the target is replicas minus removing */
    int32_t *adding, *removing;
    int nadding, nremoving;
    int32_t leader;      /* from .../partitions/<p>/state; -1 = none */
    int32_t leader_epoch;
    int32_t *isr;
    int nisr;
    int32_t state_zk_version;
    int32_t state_controller_epoch; /* controller_epoch in the state znode */
    int leadership_stale;  /* led by this broker before its ZooKeeper session
                            * expired: not led again until a new epoch */
    plog *log;           /* non-NULL when this broker hosts the partition */
    const char *logdir;  /* the log.dirs entry holding it */
    producer_state *producers;
    int64_t last_flush_ms;
    /* replication (replica.c): this broker's role and, as leader, what it
     * knows of its followers */
    int role;                  /* REPLICA_NONE / _LEADER / _FOLLOWER */
    int32_t applied_epoch;     /* the leader epoch this broker last acted on, -1 none */
    int64_t hw;                /* high watermark: consumers read below it */
    int64_t leader_epoch_start;/* log end offset when this broker became leader */
    struct follower_state *followers;
    int nfollowers;
    int isr_write_in_flight;
    /* the controller's view from its last UpdateMetadata, what Metadata
     * answers (metadata_cache.c); md_leader_epoch -1: none came yet */
    int32_t md_leader, md_leader_epoch;
    int32_t *md_isr, *md_offline;
    int md_nisr, md_noffline;
} partition;

typedef struct topic_override {
    char *name;
    char *value;
} topic_override;

/* The partitions a topic's {leader,follower}.replication.throttled.replicas
 * names for this broker (repl_quota.c). */
typedef struct throttled_set {
    int all; /* "*" */
    int n;
    int32_t *parts;
} throttled_set;

typedef struct topic {
    char *name;
    int npartitions;
    partition **parts;
    size_t parts_cap; /* elements allocated at parts (array.h) */
    topic_override *overrides; /* /config/topics/<t> */
    int noverrides;
    topic_config cfg;          /* broker defaults + overrides */
    throttled_set throttled[2]; /* [QUOTA_LEADER], [QUOTA_FOLLOWER] */
    int internal;
    int deleting;
    int32_t assignment_zk_version; /* of /brokers/topics/<t>, -1 unknown */
    int assignment_write_in_flight; /* controller: a reassignment write */
    struct topic *next;        /* hash chain */
} topic;

struct broker {
    broker_config cfg;
    aeEventLoop *el;
    int32_t id;
    char cluster_id[64];
    int is_controller;
    int32_t controller_id;
    int32_t controller_epoch;
    int registered;      /* /brokers/ids/<id> is ours in the current session */
    int64_t broker_epoch; /* czxid of our /brokers/ids/<id>, -1 unknown */
    int leaving;         /* controlled shutdown under way: fetchers stop */
    int shutting_down;
    volatile int stop_requested; /* set by SIGTERM/SIGINT */
    int clean_shutdown_found;
    /* topics */
    topic **topic_buckets;
    int ntopic_buckets;
    int ntopics;
    /* live brokers from /brokers/ids */
    struct broker_node {
        int32_t id;
        char host[256];
        int port;
        char *rack;
        int64_t epoch; /* czxid of /brokers/ids/<id> (KIP-380 broker epoch) */
    } *nodes;
    int nnodes;
    /* producer id block from /latest_producer_id_block */
    int64_t pid_next, pid_end;
};

extern struct broker B;

/* topics.c */
topic *topic_find(const char *name);
topic *topic_findn(const char *name, int len);
/* The topic a request names, unless the name is null or the topic is being
 * deleted (requests see such a topic as unknown). */
topic *topic_find_served(kstr name);
topic *topic_add(const char *name, int npartitions);
void topic_remove(topic *t);
partition *partition_new(topic *t, int32_t id); /* no log, no leader yet */
partition *partition_get(topic *t, int32_t id);
void topic_foreach(void (*cb)(topic *t, void *arg), void *arg);
int topic_name_valid(const char *name, int len, char *why, size_t whylen);
void topic_apply_config(topic *t);
int partition_open_log(partition *p);
void partition_rebuild_producers(partition *p); /* idempotence state from the log's batches */
int partition_is_leader(const partition *p);
void topics_checkpoint(void); /* writes the offset checkpoint files */
int topics_load_checkpoints(void); /* reads them (start-up), notes clean shutdown */
void topics_close_all(void);       /* flush, close, checkpoint, clean-shutdown marker */
void topics_periodic(int64_t now_ms); /* retention, flush, checkpoints */
void partition_close_log(partition *p, int delete_files);
/* Its log dir failed: the log is dropped without touching the disk. */
void partition_drop_failed_log(partition *p);
int topic_set_overrides(topic *t, const char *const *keys, const char *const *values, int n);

/* Partition directories in log.dirs: "<topic>-<partition>" */
const char *logdir_for_new_partition(void);

#endif
