/* daemon.h -- detaching a server started with -daemon, as Kafka's
 * kafka-run-class.sh does with nohup: the process leaves its terminal and
 * session, stdin reads /dev/null and stdout/stderr append to a console file
 * in the log directory (kafkaServer.out, zookeeper.out). */
#ifndef DAEMON_H
#define DAEMON_H

/* Forks; the parent exits 0, the child continues in a new session with its
 * output appended to out_path. Exits 1 if the fork fails. */
void daemonize(const char *out_path);

#endif
