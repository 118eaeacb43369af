/* kclient.h -- an outbound Kafka-protocol connection on the ae event loop.
 *
 * What a broker uses to talk to another broker (a follower to its leader):
 * connect (non-blocking) on the first request, write requests with header
 * v1 (api_key, api_version, correlation_id, client_id), read size-prefixed
 * responses and hand each body (after the correlation id) to the callback
 * of its request, in order. Knows framing, not APIs.
 *
 * Every accepted request's callback runs exactly once, on the event loop,
 * never from inside kclient_send: with KCLIENT_OK and the body, or with
 * KCLIENT_ERR_CONN (connect failed or the connection broke: every request
 * in flight fails) or KCLIENT_ERR_TIMEOUT (no answer within its timeout:
 * the connection is closed, as Kafka's NetworkClient does), or
 * KCLIENT_ERR_CLOSED (from inside kclient_close). The next send
 * reconnects; backing off is the caller's business. */
#ifndef COMMON_KCLIENT_H
#define COMMON_KCLIENT_H

/* The largest response a kclient accepts; a larger size prefix breaks the
 * connection (a corrupt or hostile frame). */
#define KCLIENT_MAX_RESPONSE (256u << 20)

#include <stddef.h>
#include <stdint.h>

#include "ae.h"
#include "buf.h"

enum { KCLIENT_OK = 0, KCLIENT_ERR_CONN = -1, KCLIENT_ERR_TIMEOUT = -2, KCLIENT_ERR_CLOSED = -3 };

typedef struct kclient kclient;
/* body/len: the response after its correlation id (valid during the call). */
typedef void kclient_cb(void *arg, int err, const uint8_t *body, size_t len);

kclient *kclient_new(aeEventLoop *el, const char *host, int port, const char *client_id,
                     int connect_timeout_ms, int socket_rcvbuf);
/* Queues a request whose body (without header) is `body`. flexible: the
 * version is a flexible one (request header v2, response header v1; the
 * callback gets the body after the response header's tagged fields). */
void kclient_send(kclient *c, int16_t api_key, int16_t api_version, int flexible,
                  const wbuf *body, int timeout_ms, kclient_cb *cb, void *arg);
int kclient_in_flight(const kclient *c);
/* Closes the connection, fails every pending request (KCLIENT_ERR_CLOSED,
 * synchronously) and frees the client. */
void kclient_close(kclient *c);
const char *kclient_host(const kclient *c);
int kclient_port(const kclient *c);

#endif
