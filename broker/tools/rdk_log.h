/* rdk_log.h -- the one place where librdkafka's log lines, errors and
 * connection events of the tools become Kafka 2.5's client log lines.
 *
 * Every tool built on librdkafka calls rdk_log_attach() on each client
 * configuration before rd_kafka_new(). From then on nothing of librdkafka's
 * own "%N|time|FAC|..." lines reaches the terminal: the cases operators meet
 * are printed as the Java clients print them, at the level Kafka's
 * tools-log4j.properties shows (WARN and above), e.g.
 *
 *   [2020-05-01 10:00:00,000] WARN [Consumer clientId=c, groupId=g] Connection to node -1
 *   (localhost/127.0.0.1:9092) could not be established. Broker may not be available.
 *   (org.apache.kafka.clients.NetworkClient)
 *
 * once per failed connection attempt, so at the client's reconnect backoff;
 * see rdk_log.c for the full mapping. Lines go to stderr (stdout carries the
 * tools' data), unless a tool routes them elsewhere with rdk_log_set_sink()
 * (connect-standalone writes its log, with Kafka's, to stdout and
 * connect.log). */
#ifndef TOOLS_RDK_LOG_H
#define TOOLS_RDK_LOG_H

#include <librdkafka/rdkafka.h>

/* Installs the log, error and connect callbacks and the interceptors on
 * conf (call after every property is set: it reads client.id, group.id,
 * bootstrap.servers). java_client names the Java client the lines speak
 * for: "Producer" ("[Producer clientId=x]"), "Consumer" ("[Consumer
 * clientId=x, groupId=g]") or "AdminClient". The reconnect backoffs become
 * the Java clients' defaults (50 ms doubling to 1 s) unless they were set. */
void rdk_log_attach(rd_kafka_conf_t *conf, const char *java_client);

/* Where the lines go instead of stderr: sink(level, message, logger), with
 * message already prefixed by the client ("[Producer clientId=x] ..."). May
 * be called from librdkafka's threads. */
typedef void rdk_log_sink_fn(const char *level, const char *msg, const char *logger);
void rdk_log_set_sink(rdk_log_sink_fn *sink);

#endif
