/* anet.c -- basic TCP socket plumbing for the event loop daemons. */
#include "anet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void anetSetError(char *err, const char *fmt, ...) {
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ANET_ERR_LEN, fmt, ap);
    va_end(ap);
}

int anetNonBlock(char *err, int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
        anetSetError(err, "fcntl(O_NONBLOCK): %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

int anetEnableTcpNoDelay(char *err, int fd) {
    int yes = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes)) == -1) {
        anetSetError(err, "setsockopt TCP_NODELAY: %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

int anetKeepAlive(char *err, int fd, int interval) {
    int yes = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) == -1) {
        anetSetError(err, "setsockopt SO_KEEPALIVE: %s", strerror(errno));
        return ANET_ERR;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &interval, sizeof(interval));
    int intvl = interval / 3 ? interval / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
    return ANET_OK;
}

int anetTcpServer(char *err, int port, const char *bindaddr, int backlog) {
    char portstr[16];
    struct addrinfo hints, *res, *p;
    snprintf(portstr, sizeof(portstr), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (bindaddr && (!*bindaddr || !strcmp(bindaddr, "0.0.0.0")))
        bindaddr = NULL;
    if (!bindaddr)
        hints.ai_family = AF_INET6; /* dual-stack wildcard */
    int rv = getaddrinfo(bindaddr, portstr, &hints, &res);
    if (rv != 0 && !bindaddr) {
        hints.ai_family = AF_INET;
        rv = getaddrinfo(NULL, portstr, &hints, &res);
    }
    if (rv != 0) {
        anetSetError(err, "cannot resolve %s: %s", bindaddr ? bindaddr : "*", gai_strerror(rv));
        return ANET_ERR;
    }
    int s = -1;
    for (p = res; p; p = p->ai_next) {
        s = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (s == -1)
            continue;
        int yes = 1, no = 0;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        if (p->ai_family == AF_INET6)
            setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
        if (bind(s, p->ai_addr, p->ai_addrlen) == -1 || listen(s, backlog) == -1) {
            anetSetError(err, "bind/listen on %s:%d: %s", bindaddr ? bindaddr : "*", port,
                         strerror(errno));
            close(s);
            s = -1;
            continue;
        }
        break;
    }
    freeaddrinfo(res);
    if (s == -1)
        return ANET_ERR;
    if (anetNonBlock(err, s) == ANET_ERR) {
        close(s);
        return ANET_ERR;
    }
    return s;
}

int anetTcpAccept(char *err, int serversock, char *ip, size_t iplen, int *port) {
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    int fd;
    do {
        fd = accept4(serversock, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd == -1 && errno == EINTR);
    if (fd == -1) {
        anetSetError(err, "accept: %s", strerror(errno));
        return ANET_ERR;
    }
    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&sa;
        if (ip)
            inet_ntop(AF_INET, &s->sin_addr, ip, (socklen_t)iplen);
        if (port)
            *port = ntohs(s->sin_port);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&sa;
        if (ip) {
            inet_ntop(AF_INET6, &s->sin6_addr, ip, (socklen_t)iplen);
            if (!strncmp(ip, "::ffff:", 7))
                memmove(ip, ip + 7, strlen(ip + 7) + 1);
        }
        if (port)
            *port = ntohs(s->sin6_port);
    }
    return fd;
}

int anetTcpNonBlockConnect(char *err, const char *host, int port) {
    char portstr[16];
    struct addrinfo hints, *res, *p;
    snprintf(portstr, sizeof(portstr), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(host, portstr, &hints, &res);
    if (rv != 0) {
        anetSetError(err, "cannot resolve %s: %s", host, gai_strerror(rv));
        return ANET_ERR;
    }
    int s = -1;
    for (p = res; p; p = p->ai_next) {
        s = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
        if (s == -1)
            continue;
        if (connect(s, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS)
            break;
        anetSetError(err, "connect to %s:%d: %s", host, port, strerror(errno));
        close(s);
        s = -1;
    }
    freeaddrinfo(res);
    if (s != -1)
        anetEnableTcpNoDelay(NULL, s);
    return s == -1 ? ANET_ERR : s;
}

int anetParseHostPort(const char *s, char *host, size_t hostlen, int *port) {
    const char *colon;
    if (*s == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            return -1;
        if ((size_t)(end - s - 1) >= hostlen)
            return -1;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = 0;
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= hostlen)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = 0;
    }
    char *endp;
    long p = strtol(colon + 1, &endp, 10);
    if (*endp || p < 0 || p > 65535 || endp == colon + 1)
        return -1;
    *port = (int)p;
    return 0;
}
