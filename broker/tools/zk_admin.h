/* zk_admin.h -- what Kafka 2.5's tools do to ZooKeeper in their --zookeeper
 * modes (kafka.zk.AdminZkClient and the KafkaZkClient calls behind it), on
 * a zk_sync session:
 *
 *   /brokers/ids/<id>              registered brokers (id, rack)
 *   /brokers/topics/<t>            {"version":2,"partitions":{"0":[1,2]},
 *                                   "adding_replicas":{},"removing_replicas":{}}
 *   /brokers/topics/<t>/partitions/<p>/state   leader and ISR
 *   /config/<type>/<name>          {"version":1,"config":{"k":"v"}}
 *   /config/changes/config_change_ {"version":2,"entity_path":"<type>/<name>"}
 *   /admin/delete_topics/<t>       a delete request
 *
 * and AdminUtils.assignReplicasToBrokers' checks and random starting points
 * around the placement Kafka uses for topics created through ZooKeeper
 * (common/placement.c, the broker's own). Calls return the ZooKeeper error
 * code (ZOK, ZNONODE...); ZKA_BAD_JSON for a znode value that does not
 * parse. Everything returned is malloc'd; the *_free functions release it. */
#ifndef TOOLS_ZK_ADMIN_H
#define TOOLS_ZK_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "zk_sync.h"

#define ZKA_BAD_JSON (-1000)

/* ------------------------------------------------------------------------
 * Brokers
 * ---------------------------------------------------------------------- */
typedef struct zka_broker {
    int32_t id;
    char *rack; /* NULL: none */
} zka_broker;

/* getAllBrokersInCluster: the registered brokers, sorted by id (a broker
 * that disappears while being read is left out). */
int zka_brokers(zk_sync *s, zka_broker **out, int *n);
void zka_brokers_free(zka_broker *b, int n);

/* AdminUtils.assignReplicasToBrokers (placement_assign). rack_aware:
 * use the racks (every broker must have one, else Kafka's error). Fills
 * out[npart * rf], partition i (numbered start_partition + i) at
 * out + i * rf. fixed_start -1: a random start, as Kafka. 0, or -1 with
 * Kafka's exception message in err. */
int zka_assign_replicas(const zka_broker *brokers, int nbrokers, int npart, int rf, int fixed_start,
                        int start_partition, int rack_aware, int32_t *out, char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * Topic assignments and partition state
 * ---------------------------------------------------------------------- */
typedef struct zka_part {
    int32_t id;
    int nrep, nadd, nrem;
    int32_t *rep, *add, *rem; /* replicas, adding_replicas, removing_replicas */
} zka_part;

typedef struct zka_topic {
    int nparts;
    zka_part *parts; /* sorted by partition id */
    size_t parts_cap; /* elements allocated at parts (array.h) */
} zka_topic;

int zka_topic_get(zk_sync *s, const char *topic, zka_topic *t);
/* TopicZNode.encode (version 2). malloc'd, NUL-terminated. */
char *zka_topic_encode(const zka_topic *t);
/* Appends a partition (replicas copied). */
void zka_topic_add(zka_topic *t, int32_t id, const int32_t *rep, int nrep);
void zka_topic_free(zka_topic *t);

typedef struct zka_state {
    int32_t leader; /* -1: none */
    int nisr;
    int32_t *isr;
} zka_state;

/* /brokers/topics/<t>/partitions/<p>/state; ZNONODE when there is none. */
int zka_partition_state(zk_sync *s, const char *topic, int32_t partition, zka_state *st);
void zka_state_free(zka_state *st);

/* ------------------------------------------------------------------------
 * Entity configs (java.util.Properties as Kafka keeps them)
 * ---------------------------------------------------------------------- */
typedef struct zka_props {
    int n, cap;
    char **keys, **vals;
} zka_props;

void zka_props_put(zka_props *p, const char *k, const char *v); /* replaces */
int zka_props_remove(zka_props *p, const char *k);              /* 1 if it was there */
const char *zka_props_get(const zka_props *p, const char *k);
void zka_props_free(zka_props *p);
/* The nput puts in order, then the ndel removes, in n log n (a command
 * line of many keys must not cost n^2 look-ups). */
void zka_props_update(zka_props *p, const char *const *keys, const char *const *vals, int nput,
                      const char *const *dels, int ndel);
/* has[i] = whether keys[i] is set in p, for n keys in n log n. */
void zka_props_has(const zka_props *p, const char *const *keys, int n, int *has);
/* Iteration order of the Properties (a hash table, as on Java 11): fills
 * order[0..p->n). */
void zka_props_order(const zka_props *p, int *order);

/* getEntityConfigs: /config/<type>/<name>; a missing znode is no config. */
int zka_config_get(zk_sync *s, const char *type, const char *name, zka_props *p);
/* AdminZkClient.changeEntityConfig: setOrCreateEntityConfigs, then the
 * /config/changes/config_change_ notification the brokers watch. */
int zka_config_change(zk_sync *s, const char *type, const char *name, const zka_props *p);
/* setOrCreateEntityConfigs alone (topic creation writes this first). */
int zka_config_write(zk_sync *s, const char *type, const char *name, const zka_props *p);

/* ------------------------------------------------------------------------
 * Topics
 * ---------------------------------------------------------------------- */
/* getAllTopicsInCluster, sorted (no /brokers/topics: none). */
int zka_topics(zk_sync *s, char ***names, int *n);
/* 1 if /brokers/topics/<t> exists, 0 if not, or a negative error. */
int zka_topic_exists(zk_sync *s, const char *topic);
/* 1 if /admin/delete_topics/<t> exists, 0 if not, or a negative error. */
int zka_marked_for_deletion(zk_sync *s, const char *topic);

/* Topic.validate: 0, or -1 with InvalidTopicException's message. */
int zka_validate_topic_name(const char *topic, char *err, size_t errlen);

#endif
