/* anet.h -- TCP socket helpers: listen, accept, connect, all non-blocking. */
#ifndef COMMON_ANET_H
#define COMMON_ANET_H

#include <stddef.h>

#define ANET_OK 0
#define ANET_ERR -1
#define ANET_ERR_LEN 256

/* Listens on host:port (host NULL or "" or "0.0.0.0" = all IPv4/IPv6). */
int anetTcpServer(char *err, int port, const char *bindaddr, int backlog);
/* Accepts one connection; fills ip (at least 46 bytes) and port. Returns fd
 * or ANET_ERR (errno EAGAIN when nothing is pending). */
int anetTcpAccept(char *err, int serversock, char *ip, size_t iplen, int *port);
/* Starts a non-blocking connect; returns fd (connection may be in progress). */
int anetTcpNonBlockConnect(char *err, const char *host, int port);
int anetNonBlock(char *err, int fd);
int anetEnableTcpNoDelay(char *err, int fd);
int anetKeepAlive(char *err, int fd, int interval);
/* Splits "host:port" (IPv6 in brackets allowed); returns 0 or -1. */
int anetParseHostPort(const char *s, char *host, size_t hostlen, int *port);

#endif
