/* zkclient.h -- asynchronous ZooKeeper client on the ae event loop.
 *
 * One TCP connection at a time, non-blocking, no threads. The session
 * survives reconnects: on a broken or silent connection the client moves to
 * the next server (round robin) and re-attaches with its sessionId and
 * password, then re-registers its watches (setWatches). If the server
 * reports the session expired, the zkc is dead: ZKC_EXPIRED is delivered,
 * every pending op fails with ZSESSIONEXPIRED, watches are dropped, and the
 * owner calls zkc_close and creates a new zkc (as Kafka's ZooKeeperClient
 * does).
 *
 * Requests follow the C client's rules:
 *  - ops already handed to a connection (sent or buffered) that breaks fail with
 *    ZCONNECTIONLOSS (their outcome is unknown);
 *  - ops issued while disconnected are queued and sent once a connection
 *    to the same session is re-established; they fail with ZCONNECTIONLOSS
 *    if that takes longer than the session timeout.
 * An op's callback runs exactly once, on the event loop, never from inside
 * the call, whether the op was sent or refused before it: a refused op
 * (ZBADARGUMENTS for a path not starting with '/' or a request over
 * jute.maxbuffer; ZSESSIONEXPIRED after expiry; ZCLOSING during zkc_close)
 * gets its error in the callback like any other failure, so no caller is
 * left pending. The return value only tells early: ZOK when the op was
 * queued, else the error the callback will get; a caller acts in the
 * callback only. (With a NULL callback nothing runs: ZBADARGUMENTS.)
 * Pointers given to callbacks (data, stat, paths, names) are valid only
 * during the callback.
 *
 * A chroot suffix in the connect string ("host:2181,host2:2181/kafka") is
 * prepended to every path sent and stripped from every path received
 * (created paths, watch events, multi results).
 */
#ifndef COMMON_ZKCLIENT_H
#define COMMON_ZKCLIENT_H

#include <stdint.h>

#include "ae.h"
#include "jute.h"

typedef struct zkc zkc;

/* Create flags (CreateMode) */
#define ZKC_PERSISTENT 0
#define ZKC_EPHEMERAL 1
#define ZKC_SEQUENCE 2
#define ZKC_CONTAINER 4

/* Session states delivered to the session callback */
enum zkc_state {
    ZKC_CONNECTED = 1,    /* handshake done; new_session says whether the session is new */
    ZKC_DISCONNECTED = 2, /* an established connection was lost; reconnecting */
    ZKC_EXPIRED = 3,      /* the session is gone for good; zkc_close this zkc */
};

typedef void zkc_session_cb(void *arg, int state, int new_session);
/* event_type: ZOO_CREATED_EVENT, ZOO_DELETED_EVENT, ZOO_CHANGED_EVENT,
 * ZOO_CHILD_EVENT. Watches are one-shot, as in ZooKeeper. */
typedef void zkc_watch_cb(void *arg, int event_type, const char *path);

typedef void zkc_void_cb(int rc, void *arg);
typedef void zkc_string_cb(int rc, const char *path, void *arg);
/* stat is NULL unless rc == ZOK */
typedef void zkc_stat_cb(int rc, const jute_stat *stat, void *arg);
/* data is NULL and len -1 for a null znode value */
typedef void zkc_data_cb(int rc, const char *data, int len, const jute_stat *stat, void *arg);
typedef void zkc_children_cb(int rc, int count, const char *const *names, void *arg);

/* One operation of a multi (ops supported: ZOO_CREATE_OP, ZOO_DELETE_OP,
 * ZOO_SETDATA_OP, ZOO_CHECK_OP). */
typedef struct zkc_op {
    int type;
    const char *path;
    const void *data; /* create, setData; NULL = null value */
    int len;
    int flags;   /* create */
    int version; /* delete, setData, check; -1 = any */
} zkc_op;

typedef struct zkc_op_result {
    int type;         /* the op's type, or ZOO_ERROR_OP (then err says why) */
    int err;          /* ZOK, the failing op's error, or ZRUNTIMEINCONSISTENCY */
    const char *path; /* create: the created path */
    const jute_stat *stat; /* setData: the new stat */
} zkc_op_result;

/* rc is ZOK when every op succeeded, else the first failing op's error
 * (results then say which one), or a connection-level error (n == 0). */
typedef void zkc_multi_cb(int rc, int n, const zkc_op_result *results, void *arg);

/* Starts connecting at once. NULL if the connect string is malformed or no
 * host resolves. The session callback may be NULL. */
zkc *zkc_new(aeEventLoop *el, const char *connect_string, int session_timeout_ms,
             zkc_session_cb *cb, void *arg);
/* Closes the session and frees the zkc. When connected it sends
 * closeSession and blocks (up to 1 s, polling only its own socket) for the
 * reply, as the Java client does, so the session's ephemerals are gone on
 * return; replies arriving meanwhile are delivered, and what is still
 * pending then fails with ZCLOSING. May be called from inside any zkc
 * callback (the memory is released when that callback returns). */
void zkc_close(zkc *z);
void zkc_set_watcher(zkc *z, zkc_watch_cb *cb, void *arg);

int zkc_state(const zkc *z);          /* ZKC_CONNECTED, ZKC_DISCONNECTED or ZKC_EXPIRED */
int64_t zkc_session_id(const zkc *z); /* 0 before the first handshake */
int zkc_session_timeout(const zkc *z); /* negotiated, else requested */
/* Connection attempts that failed (refused, timed out, handshake broken)
 * since the last successful handshake; lets a tool give up as the Java
 * client does, which fails queued requests after each failed attempt. */
int zkc_failed_attempts(const zkc *z);

int zkc_create(zkc *z, const char *path, const void *data, int len, int flags,
               zkc_string_cb *cb, void *arg);
int zkc_delete(zkc *z, const char *path, int version, zkc_void_cb *cb, void *arg);
int zkc_exists(zkc *z, const char *path, int watch, zkc_stat_cb *cb, void *arg);
int zkc_get(zkc *z, const char *path, int watch, zkc_data_cb *cb, void *arg);
int zkc_set(zkc *z, const char *path, const void *data, int len, int version, zkc_stat_cb *cb,
            void *arg);
int zkc_children(zkc *z, const char *path, int watch, zkc_children_cb *cb, void *arg);
int zkc_multi(zkc *z, const zkc_op *ops, int n, zkc_multi_cb *cb, void *arg);
/* Any other single-path request (getACL, setACL, getChildren2, sync,
 * create2 with an ACL, createTTL...), for tools: body->path is the client
 * path (the chroot is prepended here) and body->watch registers the watch
 * the opcode implies. The reply is delivered whole (resp NULL unless
 * rc == ZOK), with the chroot stripped from resp->path. Not for multi. */
typedef void zkc_resp_cb(int rc, const jute_resp *resp, void *arg);
int zkc_request(zkc *z, const jute_req *body, zkc_resp_cb *cb, void *arg);
/* (reconfig, which has no path, goes through zkc_request too.) */
/* addAuthInfo: sends an AuthPacket now if connected and on every later
 * connect, before anything else (a failed one: the server closes). */
int zkc_add_auth(zkc *z, const char *scheme, const char *data);
/* Makes sure a persistent path (not "/") exists: creates it, and on NONODE
 * its missing parents first, as Kafka's createRecursive (null data, open
 * ACL); NODEEXISTS counts as success. */
int zkc_ensure_path(zkc *z, const char *path, zkc_void_cb *cb, void *arg);
/* Deletes a path (not "/") and everything under it, as Kafka's
 * deleteRecursive: lists the children, deletes each subtree, then the node
 * (listed again first: a child created meanwhile is deleted too); a node
 * already gone counts as deleted, so a missing path is ZOK. cb gets ZOK or
 * the first error. */
int zkc_delete_recursive(zkc *z, const char *path, zkc_void_cb *cb, void *arg);

/* Runs the event loop until *done_flag != 0 (ZOK) or timeout_ms passed
 * (ZOPERATIONTIMEOUT). For start-up code only. */
int zkc_wait(zkc *z, int *done_flag, int timeout_ms);

/* Test hook: drops the connection as if the network failed and does not
 * reconnect for ms milliseconds. */
void zkc_test_pause(zkc *z, int ms);

#endif
