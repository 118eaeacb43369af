/* jute.h -- the ZooKeeper client protocol (jute records), both directions.
 *
 * Everything on the wire is a frame: int32 length (big-endian), then that
 * many bytes. Records are fields concatenated in declaration order (see
 * zookeeper.jute): int/long are 4/8 bytes big-endian, boolean 1 byte,
 * ustring/buffer an int32 length (-1 = null) then bytes, vector<T> an int32
 * count (-1 = null) then elements.
 *
 * The codec serves the client (zkclient.c) and a server alike:
 *   client: jute_reqhdr_write + jute_req_write,  jute_replyhdr_read + jute_resp_read
 *   server: jute_reqhdr_read + jute_req_read,    jute_replyhdr_write + jute_resp_write
 * Writers append the record body to a wbuf; wrap them in jute_frame_begin /
 * jute_frame_end for the length prefix. Readers take one frame body (or the
 * part after a header) and return the bytes consumed (>= 0), JUTE_NEED_MORE
 * when the input ends inside the record, or JUTE_BAD for an impossible value
 * (length < -1, a vector count larger than the remaining bytes allow, an
 * unknown opcode). Strings and buffers decode as kstr views into the input;
 * vectors are malloc'd arrays (counts are checked against the remaining
 * bytes before allocating) released by jute_req_free / jute_resp_free,
 * which must be called after every successful read (and are harmless after
 * a failed one, which has already released everything).
 */
#ifndef COMMON_JUTE_H
#define COMMON_JUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JUTE_NEED_MORE (-1)
#define JUTE_BAD (-2)

#define JUTE_MAX_BUFFER 0xfffff /* jute.maxbuffer default */

/* Opcodes (ZooDefs.OpCode; names as in the C client's proto.h, strings as
 * in Java's logs) and error codes (KeeperException.Code; names as in the C
 * client's zookeeper.h). Each list expands to an enum and a name table. */
#define JUTE_OPS(X)                                                                        \
    X(ZOO_NOTIFY_OP, 0, "notification") X(ZOO_CREATE_OP, 1, "create")                     \
    X(ZOO_DELETE_OP, 2, "delete") X(ZOO_EXISTS_OP, 3, "exists")                            \
    X(ZOO_GETDATA_OP, 4, "getData") X(ZOO_SETDATA_OP, 5, "setData")                        \
    X(ZOO_GETACL_OP, 6, "getACL") X(ZOO_SETACL_OP, 7, "setACL")                            \
    X(ZOO_GETCHILDREN_OP, 8, "getChildren") X(ZOO_SYNC_OP, 9, "sync")                      \
    X(ZOO_PING_OP, 11, "ping") X(ZOO_GETCHILDREN2_OP, 12, "getChildren2")                  \
    X(ZOO_CHECK_OP, 13, "check") X(ZOO_MULTI_OP, 14, "multi")                              \
    X(ZOO_CREATE2_OP, 15, "create2") X(ZOO_RECONFIG_OP, 16, "reconfig")                    \
    X(ZOO_CHECK_WATCHES_OP, 17, "checkWatches") X(ZOO_REMOVE_WATCHES_OP, 18, "removeWatches") \
    X(ZOO_CREATE_CONTAINER_OP, 19, "createContainer")                                      \
    X(ZOO_DELETE_CONTAINER_OP, 20, "deleteContainer") X(ZOO_CREATE_TTL_OP, 21, "createTTL") \
    X(ZOO_MULTI_READ_OP, 22, "multiRead") X(ZOO_SETAUTH_OP, 100, "auth")                   \
    X(ZOO_SETWATCHES_OP, 101, "setWatches") X(ZOO_SASL_OP, 102, "sasl")                    \
    X(ZOO_GETEPHEMERALS_OP, 103, "getEphemerals")                                          \
    X(ZOO_GETALLCHILDRENNUMBER_OP, 104, "getAllChildrenNumber")                            \
    X(ZOO_SETWATCHES2_OP, 105, "setWatches2") X(ZOO_ADDWATCH_OP, 106, "addWatch")          \
    X(ZOO_WHOAMI_OP, 107, "whoAmI") X(ZOO_CREATE_SESSION_OP, -10, "createSession")         \
    X(ZOO_CLOSE_OP, -11, "closeSession")                                                   \
    X(ZOO_ERROR_OP, -1, "error") /* multi result type of an ErrorResponse */

#define JUTE_ERRORS(X)                                                                     \
    X(ZOK, 0) X(ZSYSTEMERROR, -1) X(ZRUNTIMEINCONSISTENCY, -2) X(ZDATAINCONSISTENCY, -3)   \
    X(ZCONNECTIONLOSS, -4) X(ZMARSHALLINGERROR, -5) X(ZUNIMPLEMENTED, -6)                  \
    X(ZOPERATIONTIMEOUT, -7) X(ZBADARGUMENTS, -8) X(ZINVALIDSTATE, -9)                     \
    X(ZUNKNOWNSESSION, -12) X(ZNEWCONFIGNOQUORUM, -13) X(ZRECONFIGINPROGRESS, -14)         \
    X(ZAPIERROR, -100) X(ZNONODE, -101) X(ZNOAUTH, -102) X(ZBADVERSION, -103)              \
    X(ZNOCHILDRENFOREPHEMERALS, -108) X(ZNODEEXISTS, -110) X(ZNOTEMPTY, -111)              \
    X(ZSESSIONEXPIRED, -112) X(ZINVALIDCALLBACK, -113) X(ZINVALIDACL, -114)                \
    X(ZAUTHFAILED, -115) X(ZCLOSING, -116) X(ZNOTHING, -117) X(ZSESSIONMOVED, -118)        \
    X(ZNOTREADONLY, -119) X(ZEPHEMERALONLOCALSESSION, -120) X(ZNOWATCHER, -121)            \
    X(ZREQUESTTIMEOUT, -122) X(ZRECONFIGDISABLED, -123)                                    \
    X(ZSESSIONCLOSEDREQUIRESASLAUTH, -124) X(ZQUOTAEXCEEDED, -125) X(ZTHROTTLEDOP, -127)

#define JUTE_ENUM2_(name, value) name = value,
#define JUTE_ENUM3_(name, value, str) name = value,
enum { JUTE_OPS(JUTE_ENUM3_) };
enum { JUTE_ERRORS(JUTE_ENUM2_) };

/* Special xids */
enum { ZOO_NOTIFICATION_XID = -1, ZOO_PING_XID = -2, ZOO_AUTH_XID = -4, ZOO_SET_WATCHES_XID = -8 };

/* WatchedEvent.EventType (NONE: a session state change) */
enum { ZOO_NONE_EVENT = -1, ZOO_CREATED_EVENT = 1, ZOO_DELETED_EVENT = 2, ZOO_CHANGED_EVENT = 3,
       ZOO_CHILD_EVENT = 4, ZOO_DATA_WATCH_REMOVED_EVENT = 5, ZOO_CHILD_WATCH_REMOVED_EVENT = 6,
       ZOO_PERSISTENT_WATCH_REMOVED_EVENT = 7 };

/* Watcher.Event.KeeperState, as carried in WatcherEvent.state */
enum { ZOO_UNKNOWN_STATE = -1, ZOO_DISCONNECTED_STATE = 0, ZOO_NOSYNC_CONNECTED_STATE = 1,
       ZOO_SYNC_CONNECTED_STATE = 3, ZOO_AUTH_FAILED_STATE = 4, ZOO_CONNECTED_READONLY_STATE = 5,
       ZOO_SASL_AUTHENTICATED_STATE = 6, ZOO_CLOSED_STATE = 7, ZOO_EXPIRED_SESSION_STATE = -112 };

/* CreateMode flags */
enum { ZOO_PERSISTENT = 0, ZOO_EPHEMERAL = 1, ZOO_SEQUENCE = 2, ZOO_CONTAINER = 4,
       ZOO_PERSISTENT_WITH_TTL = 5, ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL = 6 };

/* ACL permission bits; WatcherType of checkWatches/removeWatches; addWatch modes */
enum { ZOO_PERM_READ = 1, ZOO_PERM_WRITE = 2, ZOO_PERM_CREATE = 4, ZOO_PERM_DELETE = 8,
       ZOO_PERM_ADMIN = 16, ZOO_PERM_ALL = 31 };
enum { ZOO_WATCHER_CHILDREN = 1, ZOO_WATCHER_DATA = 2, ZOO_WATCHER_ANY = 3 };
enum { ZOO_ADD_WATCH_PERSISTENT = 0, ZOO_ADD_WATCH_PERSISTENT_RECURSIVE = 1 };

const char *jute_err_str(int err);     /* "NONODE", "BADVERSION", ... */
const char *jute_op_str(int32_t type); /* "create", "getData", ... */

/* ------------------------------------------------------------------------
 * Records
 * ---------------------------------------------------------------------- */
typedef struct jute_stat {
    int64_t czxid, mzxid, ctime, mtime;
    int32_t version, cversion, aversion;
    int64_t ephemeralOwner;
    int32_t dataLength, numChildren;
    int64_t pzxid;
} jute_stat;
#define JUTE_STAT_SIZE 68

typedef struct jute_id {
    kstr scheme, id;
} jute_id;

typedef struct jute_acl {
    int32_t perms;
    jute_id id;
} jute_acl;

/* Vectors: count -1 means a null vector (v == NULL). */
typedef struct jute_strvec {
    int32_t count;
    kstr *v;
} jute_strvec;

typedef struct jute_aclvec {
    int32_t count;
    jute_acl *v;
} jute_aclvec;

typedef struct jute_clientinfo { /* WhoAmIResponse element */
    kstr authScheme, user;
} jute_clientinfo;

typedef struct jute_infovec {
    int32_t count;
    jute_clientinfo *v;
} jute_infovec;

/* The first frame in each direction. readOnly is appended outside jute;
 * readers set has_readOnly when it was present, writers emit it when set. */
typedef struct jute_connect_req {
    int32_t protocolVersion;
    int64_t lastZxidSeen;
    int32_t timeOut;
    int64_t sessionId;
    kstr passwd;
    bool readOnly, has_readOnly;
} jute_connect_req;

typedef struct jute_connect_resp {
    int32_t protocolVersion;
    int32_t timeOut;
    int64_t sessionId;
    kstr passwd;
    bool readOnly, has_readOnly;
} jute_connect_resp;

typedef struct jute_reqhdr {
    int32_t xid, type;
} jute_reqhdr;
#define JUTE_REQHDR_SIZE 8

typedef struct jute_replyhdr {
    int32_t xid;
    int64_t zxid;
    int32_t err;
} jute_replyhdr;
#define JUTE_REPLYHDR_SIZE 16

typedef struct jute_multihdr {
    int32_t type;
    bool done;
    int32_t err;
} jute_multihdr;

typedef struct jute_watcher_event {
    int32_t type, state;
    kstr path;
} jute_watcher_event;

/* Any request body, selected by `type` (the opcode). Only the fields of
 * that opcode's record are used:
 *   create/create2/createContainer  path data acl flags
 *   createTTL                       path data acl flags ttl
 *   delete, check                   path version
 *   exists/getData/getChildren(2)   path watch
 *   setData                         path data version
 *   getACL, sync, getAllChildrenNumber, getEphemerals (prefixPath)   path
 *   setACL                          path acl version (aversion)
 *   checkWatches/removeWatches      path mode (WatcherType)
 *   addWatch                        path mode
 *   setAuth (AuthPacket)            mode (its `type`, 0) scheme auth
 *   setWatches                      relativeZxid dataWatches existWatches childWatches
 *   setWatches2                     ... + persistentWatches persistentRecursiveWatches
 *   reconfig                        joiningServers leavingServers newMembers curConfigId
 *   multi / multiRead               ops[nops], each a request with its own type
 *   ping, close, whoAmI             (no body)
 */
typedef struct jute_req {
    int32_t type;
    kstr path;
    kstr data;
    jute_aclvec acl;
    int32_t flags;
    int64_t ttl;
    int32_t version;
    bool watch;
    int32_t mode;
    kstr scheme, auth;
    int64_t relativeZxid;
    jute_strvec dataWatches, existWatches, childWatches;
    jute_strvec persistentWatches, persistentRecursiveWatches;
    kstr joiningServers, leavingServers, newMembers; /* reconfig */
    int64_t curConfigId;
    int32_t nops;
    struct jute_req *ops;
} jute_req;

/* Any response body (sent only when ReplyHeader.err == 0, except multi
 * whose results always follow). Fields per opcode:
 *   create                          path
 *   create2/createContainer/TTL     path stat
 *   exists, setData, setACL, check  stat
 *   getData, reconfig               data stat
 *   getACL                          acl stat
 *   getChildren, getEphemerals      children (ephemerals)
 *   getChildren2                    children stat
 *   sync                            path
 *   getAllChildrenNumber            totalNumber
 *   whoAmI                          clientInfo
 *   multi / multiRead               results[nresults]; each has type (the op's
 *                                   result type, or ZOO_ERROR_OP with err set)
 *   others                          (no body)
 */
typedef struct jute_resp {
    int32_t type;
    int32_t err; /* multi results only */
    kstr path;
    kstr data;
    jute_stat stat;
    jute_aclvec acl;
    jute_strvec children;
    int32_t totalNumber;
    jute_infovec clientInfo;
    int32_t nresults;
    struct jute_resp *results;
} jute_resp;

/* ------------------------------------------------------------------------
 * Framing
 * ---------------------------------------------------------------------- */
/* Finds one frame at p. Returns the bytes it occupies (4 + body) and sets
 * *body / *blen; 0 if more input is needed; -1 if the length is negative
 * or larger than max_frame. */
int jute_frame(const uint8_t *p, size_t len, size_t max_frame, const uint8_t **body,
               uint32_t *blen);
size_t jute_frame_begin(wbuf *wb);        /* placeholder length; returns its offset */
void jute_frame_end(wbuf *wb, size_t at); /* back-patches the length */

/* ------------------------------------------------------------------------
 * Writers (append one record) and readers (see the contract above)
 * ---------------------------------------------------------------------- */
void jute_connect_req_write(wbuf *wb, const jute_connect_req *r);
int jute_connect_req_read(const uint8_t *p, size_t len, jute_connect_req *r);
void jute_connect_resp_write(wbuf *wb, const jute_connect_resp *r);
int jute_connect_resp_read(const uint8_t *p, size_t len, jute_connect_resp *r);

void jute_reqhdr_write(wbuf *wb, const jute_reqhdr *h);
int jute_reqhdr_read(const uint8_t *p, size_t len, jute_reqhdr *h);
void jute_replyhdr_write(wbuf *wb, const jute_replyhdr *h);
int jute_replyhdr_read(const uint8_t *p, size_t len, jute_replyhdr *h);

void jute_stat_write(wbuf *wb, const jute_stat *s);
int jute_stat_read(const uint8_t *p, size_t len, jute_stat *s);

void jute_watcher_event_write(wbuf *wb, const jute_watcher_event *e);
int jute_watcher_event_read(const uint8_t *p, size_t len, jute_watcher_event *e);

/* Request bodies. Writing an opcode without a known body writes nothing
 * and returns -1; reading one returns JUTE_BAD. */
int jute_req_write(wbuf *wb, const jute_req *r);
int jute_req_read(const uint8_t *p, size_t len, int32_t type, jute_req *r);
void jute_req_free(jute_req *r);

int jute_resp_write(wbuf *wb, const jute_resp *r);
int jute_resp_read(const uint8_t *p, size_t len, int32_t type, jute_resp *r);
void jute_resp_free(jute_resp *r);

/* The usual ACL: [ALL, world:anyone] (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
extern const jute_aclvec JUTE_OPEN_ACL_UNSAFE;

static inline kstr jute_kstr(const char *s) {
    kstr k = {s, s ? (int32_t)strlen(s) : -1};
    return k;
}

#endif
