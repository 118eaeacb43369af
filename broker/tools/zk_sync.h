/* zk_sync.h -- synchronous ZooKeeper requests for the command-line tools,
 * on the project's asynchronous client (broker/common/zkclient.c).
 *
 * Two layers:
 *   - zks_run / zks_op_path: one request run to its end on the caller's
 *     event loop, the reply copied out (zookeeper-shell.sh uses these with
 *     its own session and watch callbacks);
 *   - a zk_sync session with the calls Kafka's KafkaZkClient makes from
 *     the tools (get, children, exists, create, setData, createRecursive),
 *     each returning the ZooKeeper error code (ZOK, ZNONODE...).
 *
 * As the Java client, a request made while the connection is down fails
 * with ZCONNECTIONLOSS as soon as a connection attempt fails. Strings and
 * vectors handed back are malloc'd and owned by the caller. */
#ifndef TOOLS_ZK_SYNC_H
#define TOOLS_ZK_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "ae.h"
#include "jute.h"
#include "zkclient.h"

/* ------------------------------------------------------------------------
 * One request
 * ---------------------------------------------------------------------- */
typedef struct zks_acl {
    int32_t perms;
    char *scheme, *id;
} zks_acl;

/* One reply, copied out of the callback. Heap-allocated: a request given
 * up on (connection attempt failed) is freed by its late callback. */
typedef struct zks_res {
    int done, rc, abandoned;
    char *path;
    char *data; /* NUL-terminated copy; NULL for a null value */
    int dlen;   /* -1 for a null value */
    jute_stat stat;
    int nchildren;
    char **children;
    int nacl;
    zks_acl *acl;
} zks_res;

/* Runs one request to its end. Returns the reply (rc in ->rc); never NULL. */
zks_res *zks_run(aeEventLoop *el, zkc *z, const jute_req *b);
/* A request that only has a path and a watch flag (getData, exists...). */
zks_res *zks_op_path(aeEventLoop *el, zkc *z, int type, const char *path, int watch);
void zks_res_free(zks_res *x);

/* KeeperException of ZooKeeper 3.5: the subclass ("NoNodeException") and
 * getMessage() ("KeeperErrorCode = NoNode for /x"). */
const char *zks_exception_class(int rc);
void zks_keeper_message(int rc, const char *path, char *out, size_t cap);
/* toString(): "org.apache.zookeeper.KeeperException$NoNodeException: ..." */
void zks_keeper_tostring(int rc, const char *path, char *out, size_t cap);

/* ------------------------------------------------------------------------
 * A session, as the Kafka tools' KafkaZkClient uses it
 * ---------------------------------------------------------------------- */
typedef struct zk_sync {
    aeEventLoop *el;
    zkc *z;
} zk_sync;

/* Connects to "host:port[,host:port...][/chroot]" and waits until the
 * session is established. ZOK; ZBADARGUMENTS for a malformed connect
 * string; ZOPERATIONTIMEOUT after connect_timeout_ms (Kafka's
 * ZooKeeperClientTimeoutException). */
int zks_open(zk_sync *s, const char *connect, int session_timeout_ms, int connect_timeout_ms);
void zks_close(zk_sync *s);

/* *data: NUL-terminated copy, NULL for a null value; *len -1 then. */
int zks_get(zk_sync *s, const char *path, char **data, int *len);
/* Children in the server's order. */
int zks_children(zk_sync *s, const char *path, char ***names, int *n);
int zks_exists(zk_sync *s, const char *path);
/* flags: ZKC_PERSISTENT, ZKC_SEQUENCE...; *created (may be NULL) gets the
 * created path (with the sequence number). data NULL: a null value. */
int zks_create(zk_sync *s, const char *path, const char *data, int len, int flags, char **created);
int zks_set(zk_sync *s, const char *path, const char *data, int len, int version);
/* KafkaZkClient.createRecursive: creates path with data, missing parents
 * with null data first. ZNODEEXISTS is returned only if throw_if_exists. */
int zks_create_recursive(zk_sync *s, const char *path, const char *data, int len, int throw_if_exists);
void zks_strv_free(char **v, int n);

#endif
