/* dynamic_config.h -- dynamic broker configs as Kafka 2.5 keeps them in
 * ZooKeeper: /config/brokers/<id> for one broker and
 * /config/brokers/<default> for every broker, written by AlterConfigs,
 * IncrementalAlterConfigs or kafka-configs.sh --zookeeper and announced
 * through /config/changes (cluster.c reads them). The keys this broker
 * takes are Kafka's DynamicConfig.Broker ones: the replication throttle
 * rates, applied at once (this broker's value, else the cluster default,
 * else no bound: the rule of later Kafka releases; 2.5's
 * BrokerConfigHandler stored the cluster default but bounded the quotas by
 * the broker's own value only), and
 * replica.alter.log.dirs.io.max.bytes.per.second, kept and described (there
 * are no log-dir moves to throttle). */
#ifndef KAFKA_DYNAMIC_CONFIG_H
#define KAFKA_DYNAMIC_CONFIG_H

#include <stddef.h>

enum { DYN_BROKER = 0, DYN_DEFAULT = 1 }; /* /config/brokers/<id>, /config/brokers/<default> */

/* 1 if name is a dynamic broker config this broker takes. */
int dynamic_config_supported(const char *name);
/* Kafka's type check (LONG, at least 0): 0, or -1 with
 * "Invalid value x for configuration y: ..." in err. */
int dynamic_config_validate(const char *name, const char *value, char *err, size_t errlen);
/* The znode's config map was read anew (n = 0: none); applies the rates. */
void dynamic_config_replace(int scope, const char *const *keys, const char *const *values, int n);
/* The value set at scope for name, or NULL. */
const char *dynamic_config_get(int scope, const char *name);
int dynamic_config_count(int scope);
const char *dynamic_config_key(int scope, int i);

#endif
