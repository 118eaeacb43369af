/* zk.h -- the ZooKeeper-compatible coordinator: shared types and the
 * interfaces between its files.
 *
 * Data flow of one write (single node; in an ensemble, quorum.c and
 * ENSEMBLE.md: a follower forwards step 2 to the leader, the leader also
 * sends the record to the followers at step 3, and output that reflects it
 * is held until a quorum has it on disk):
 *   1. server.c decodes a request frame (jute.c) on a connection;
 *   2. txn.c "prepares" it: checks it against the tree (versions, ACLs,
 *      paths) and, when it would succeed, encodes a transaction record with
 *      the next zxid (zk_txn_prepare). This is the ONE place where a write
 *      becomes a transaction;
 *   3. the record goes to the transaction log buffer (txnlog.c) and is
 *      applied to the tree by decoding it (zk_txn_apply), the same code
 *      recovery runs; applying fires watches (watch.c), which queue
 *      notifications on connections ahead of the reply;
 *   4. before the loop sleeps, the log is written and fdatasync'ed once for
 *      everything of this iteration (group commit), and only then are the
 *      connections' output buffers flushed. Nothing a client can see (reply,
 *      notification, read result, four-letter word) leaves the process
 *      before the writes it reflects are on disk.
 */
#ifndef ZK_ZK_H
#define ZK_ZK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ae.h"
#include "buf.h"
#include "jute.h"

#define ZK_VERSION_STRING "3.8.0-kafka-c, built on 2026-11-21 00:00 UTC"
#define ZK_LOGGER_SERVER "org.apache.zookeeper.server.ZooKeeperServer"
#define ZK_LOGGER_CNXN "org.apache.zookeeper.server.NIOServerCnxn"
#define ZK_LOGGER_CONFIG "org.apache.zookeeper.server.quorum.QuorumPeerConfig"
/* cxid of the sync a follower sends through the leader to revalidate a
 * reconnecting session it does not know yet (clients' xids are positive or
 * ZooKeeper's few reserved negatives: -1 notification, -2 ping, -4 auth,
 * -8 setWatches) */
#define ZK_REVALIDATE_XID (-77)
#define ZK_LOGGER_TXNLOG "org.apache.zookeeper.server.persistence.FileTxnLog"
#define ZK_LOGGER_SNAP "org.apache.zookeeper.server.persistence.FileSnap"
#define ZK_LOGGER_SESSION "org.apache.zookeeper.server.SessionTrackerImpl"
#define ZK_LOGGER_PURGE "org.apache.zookeeper.server.DatadirCleanupManager"

/* ------------------------------------------------------------------------
 * Configuration (config.c)
 * ---------------------------------------------------------------------- */
typedef struct zk_peer { /* server.N=host:quorumPort:electionPort[:type][;[host:]clientPort] */
    int id;
    char host[256];
    int quorum_port, election_port;
    bool observer;
    char client_host[256];
    int client_port; /* 0 = not given */
} zk_peer;

typedef struct zk_config {
    int tick_time;                    /* ms, required */
    int init_limit, sync_limit;       /* ticks */
    char data_dir[1024];              /* required */
    char data_log_dir[1024];          /* defaults to data_dir */
    int client_port;                  /* required for standalone */
    char client_port_address[256];    /* "" = all addresses */
    int max_client_cnxns;             /* per IP; 0 = unlimited; default 60 */
    int min_session_timeout;          /* ms; default 2 x tickTime */
    int max_session_timeout;          /* ms; default 20 x tickTime */
    int snap_retain_count;            /* autopurge.snapRetainCount, >= 3 */
    int purge_interval;               /* autopurge.purgeInterval, hours; 0 = off */
    int snap_count;                   /* txns between snapshots (snapCount) */
    int jute_maxbuffer;               /* largest accepted frame body */
    bool extended_types;              /* extendedTypesEnabled: TTL nodes */
    bool reconfig_enabled;            /* reconfigEnabled (only false is served) */
    int64_t container_check_ms;       /* znode.container.checkIntervalMs */
    char whitelist[512];              /* 4lw.commands.whitelist, "*" = all */
    bool skip_acl;                    /* skipACL=yes */
    char super_digest[256];           /* DigestAuthenticationProvider.superDigest user:B64HASH */
    bool peer_type_set, peer_type_observer; /* peerType (the server.N line decides) */
    int my_id;                        /* dataDir/myid, 0 when absent */
    int npeers;
    zk_peer peers[16];
    /* dynamic reconfiguration: the membership above is that of config
     * version config_version (0 = the static file's, never established) */
    int64_t config_version;
    char config_path[1024];           /* the file loaded (rewritten by reconfig) */
    char dynamic_file[1100];          /* dynamicConfigFile, "" if none */
} zk_config;

#define ZK_MAX_PEERS 16

/* Loads a zoo.cfg / zookeeper.properties file. On error writes a message
 * naming the key into err and returns -1. Unknown keys are logged (WARN). */
int zk_config_load(zk_config *c, const char *path, char *err, size_t errlen);
/* Parses already-read text (tests). */
int zk_config_parse(zk_config *c, const char *text, size_t len, char *err, size_t errlen);
bool zk_config_4lw_enabled(const zk_config *c, const char *word);
/* Membership text: "server.N=spec" entries separated by sep ('\n' or ','),
 * "version=" entries and blanks skipped. 0, or -1 with a message in err. */
int zk_config_members_parse(const char *text, size_t len, char sep, zk_peer *out, int max, int *n,
                            char *err, size_t errlen);
/* "server.N=host:q:e:participant|observer[;clientHost:clientPort]" */
void zk_peer_format(const zk_peer *p, char *buf, size_t cap);
/* The entries joined by '\n' (no newline after the last). */
void zk_config_members_format(const zk_peer *peers, int n, wbuf *out);

/* ------------------------------------------------------------------------
 * ACLs and auth (acl.c)
 * ---------------------------------------------------------------------- */
typedef struct zk_acl {
    int32_t perms;
    char *scheme, *id;
} zk_acl;

typedef struct zk_acls {
    int32_t n;
    zk_acl *v;
} zk_acls;

typedef struct zk_authid { /* an identity a connection has proven */
    char *scheme, *id;
} zk_authid;

void zk_sha1(const void *data, size_t len, uint8_t out[20]);
/* "user:password" -> "user:base64(sha1(user:password))" (malloc'd). NULL if no ':'. */
char *zk_digest(const char *user_pass, size_t len);
void zk_acls_free(zk_acls *a);
void zk_acls_copy(zk_acls *dst, const zk_acls *src);
/* Validates a request ACL and expands `auth` entries with the caller's
 * identities (PrepRequestProcessor.fixupACL). ZOK or ZINVALIDACL. */
int zk_acl_fixup(const jute_aclvec *in, const zk_authid *ids, int nids, zk_acls *out);
/* Does one of ids grant perm under acl? */
bool zk_acl_check(const zk_acls *acl, int32_t perm, const zk_authid *ids, int nids);
bool zk_ip_match(const char *pattern, const char *ip);

/* ------------------------------------------------------------------------
 * Data tree (tree.c)
 * ---------------------------------------------------------------------- */
typedef struct zk_node {
    char *path;             /* full path, the hash key */
    const char *name;       /* last component, points into path */
    struct zk_node *parent; /* NULL for "/" */
    uint8_t *data;
    int32_t dlen; /* -1 = null data */
    zk_acls acl;
    /* StatPersisted */
    int64_t czxid, mzxid, ctime, mtime, ephemeralOwner, pzxid;
    int32_t version, cversion, aversion;
    struct zk_node **kids;
    int32_t nkids, kcap;
    int32_t kid_index;     /* position in parent->kids */
    struct zk_node *hnext; /* hash chain */
    uint32_t hash;
} zk_node;

typedef struct zk_tree {
    zk_node **buckets;
    size_t nbuckets, count;
    int64_t data_bytes; /* sum of path + data lengths (approximate_data_size) */
} zk_tree;

#define ZK_CONTAINER_OWNER ((int64_t)INT64_MIN) /* ephemeralOwner of containers */
#define ZK_TTL_MASK ((int64_t)0xff00000000000000LL)
#define ZK_TTL_MAX ((int64_t)0x0000ffffffffffffLL)

void zk_tree_init(zk_tree *t); /* "/", /zookeeper, /zookeeper/quota, /zookeeper/config */
void zk_tree_init_empty(zk_tree *t);
void zk_tree_free(zk_tree *t);
zk_node *zk_tree_get(const zk_tree *t, const char *path, size_t len);
/* Adds a node under its (existing) parent with the given persisted stat;
 * used by create and by snapshot loading. Returns NULL when the parent is
 * missing, the path exists or holds a NUL byte. Takes ownership of nothing
 * (copies). */
zk_node *zk_tree_add(zk_tree *t, const char *path, size_t plen, const uint8_t *data, int32_t dlen,
                     const zk_acls *acl);
/* Removes a leaf node (no children). */
void zk_tree_remove(zk_tree *t, zk_node *n);
void zk_node_set_data(zk_tree *t, zk_node *n, const uint8_t *data, int32_t dlen);
void zk_node_stat(const zk_node *n, jute_stat *s);
bool zk_node_is_ephemeral(const zk_node *n); /* a session's, not container/TTL */
bool zk_node_is_container(const zk_node *n);
bool zk_node_is_ttl(const zk_node *n);
/* PathUtils.validatePath: ZOK or ZBADARGUMENTS. */
int zk_path_validate(const char *p, size_t len);
/* Length of the parent part of a valid path ("/a/b" -> 2, "/a" -> 1). */
size_t zk_path_parent_len(const char *p, size_t len);
/* Calls fn for every node in pre-order (parents first). */
void zk_tree_walk(const zk_tree *t, void (*fn)(const zk_node *n, void *arg), void *arg);
int32_t zk_tree_count_descendants(const zk_node *n);

/* Tree digest (digest.c): ZooKeeper's DigestCalculator sum, and the record
 * of it kept every 128 zxids for the `hash` four-letter word. */
typedef struct zk_zxid_digest {
    int64_t zxid, digest;
} zk_zxid_digest;
int64_t zk_tree_digest(const zk_tree *t);
void zk_digest_applied(int64_t zxid); /* after a txn is applied */
int zk_digest_log_count(void);
const zk_zxid_digest *zk_digest_log_get(int i); /* oldest first */

/* ------------------------------------------------------------------------
 * Sessions (session.c)
 * ---------------------------------------------------------------------- */
struct zk_conn;
typedef struct zk_session {
    int64_t id;
    int32_t timeout;        /* negotiated, ms */
    int64_t expire_at;      /* monotonic ms */
    bool closing;           /* a closeSession txn has been issued */
    struct zk_conn *conn;   /* attached connection or NULL */
    struct zk_session *hnext;
} zk_session;

typedef struct zk_sessions {
    zk_session **buckets;
    size_t nbuckets, count;
    int64_t next_id;
} zk_sessions;

void zk_sessions_init(zk_sessions *s, int my_id);
void zk_sessions_free(zk_sessions *s);
zk_session *zk_session_get(const zk_sessions *s, int64_t id);
zk_session *zk_session_add(zk_sessions *s, int64_t id, int32_t timeout);
void zk_session_remove(zk_sessions *s, int64_t id);
int64_t zk_session_next_id(zk_sessions *s);
void zk_session_passwd(int64_t id, uint8_t out[16]);
void zk_session_touch(zk_session *s);
void zk_sessions_each(const zk_sessions *s, void (*fn)(zk_session *, void *), void *arg);

/* ------------------------------------------------------------------------
 * Watches (watch.c). Watches belong to connections, keyed by conn id.
 * ---------------------------------------------------------------------- */
enum { ZK_W_DATA = 1, ZK_W_CHILD = 2, ZK_W_PERSISTENT = 4, ZK_W_RECURSIVE = 8 };

void zk_watch_add(const char *path, size_t len, struct zk_conn *c, int kind);
/* Removes c's watches of the given kinds on path; returns how many. */
int zk_watch_remove(const char *path, size_t len, struct zk_conn *c, int kinds, bool dry_run);
void zk_watch_drop_conn(struct zk_conn *c);
/* Fires the watches a change triggers (WatchManager.triggerWatch rules). */
void zk_watch_fire(const char *path, size_t len, int event);
int zk_watch_count(int *npaths, int *nconns);
/* Calls fn for every (path, connection id, kinds) of the table. */
void zk_watch_each(void (*fn)(const char *path, uint64_t conn, int kinds, void *arg), void *arg);
void zk_watch_free_all(void);

/* ------------------------------------------------------------------------
 * Transactions (txn.c)
 * ---------------------------------------------------------------------- */
/* Per-op outcome of applying a transaction (for the reply). */
typedef struct zk_op_result {
    int32_t type;   /* opcode of the request op */
    int32_t err;
    char *path;     /* created path (malloc'd) */
    jute_stat stat; /* of the node after the op */
} zk_op_result;

typedef struct zk_results {
    int n;
    zk_op_result v[1]; /* flexible; allocated by zk_txn_apply */
} zk_results;

/* Transaction types in the log (our own record format, see txn.c). */
enum { ZK_TXN_CREATE = 1, ZK_TXN_DELETE = 2, ZK_TXN_SETDATA = 5, ZK_TXN_SETACL = 7,
       ZK_TXN_CHECK = 13, ZK_TXN_MULTI = 14, ZK_TXN_RECONFIG = 16, ZK_TXN_CREATE_SESSION = -10,
       ZK_TXN_CLOSE_SESSION = -11, ZK_TXN_ERROR = -1 };

/* Prepares a write request from session sid (authenticated as ids) into a
 * transaction record in out (zxid = next zxid). Returns ZOK, or the error
 * to answer with; for multi, a failing op gives ZOK == 0 and fills
 * *multi_errs (count nops) instead, returning 1. */
int zk_txn_prepare(const jute_req *r, int64_t sid, int32_t cxid, const zk_authid *ids, int nids,
                   wbuf *out, int32_t *multi_errs);
void zk_txn_create_session(wbuf *out, int64_t sid, int32_t timeout);
void zk_txn_close_session(wbuf *out, int64_t sid, int32_t cxid);
void zk_txn_delete_node(wbuf *out, const char *path, int64_t sid); /* container/TTL reaper */
/* The new /zookeeper/config text (membership + "version=<hex next zxid>") */
void zk_txn_reconfig(wbuf *out, int64_t sid, int32_t cxid, const char *config, size_t len);
/* A transaction that changes nothing (ensemble: the answer to a forwarded
 * request that failed, a forwarded sync, a new leader's first txn): body
 * int32 err, int32 n, n x int32 per-op errors of a failed multi. zxid 0 =
 * the next one. */
void zk_txn_error(wbuf *out, int64_t zxid, int64_t sid, int32_t cxid, int32_t err,
                  const int32_t *errs, int32_t n);
/* Decodes and applies one record. Returns 0, or -1 for a malformed record.
 * *res (when res != NULL) gets a malloc'd result list to free with zk_results_free. */
int zk_txn_apply(const uint8_t *p, size_t len, zk_results **res);
int64_t zk_txn_zxid(const uint8_t *p, size_t len); /* -1 if too short */
void zk_results_free(zk_results *r);

/* ------------------------------------------------------------------------
 * Transaction log and snapshots (txnlog.c, snapshot.c)
 * ---------------------------------------------------------------------- */
/* Appends one record to the pending batch (written on zk_log_sync). */
void zk_log_append(const uint8_t *rec, size_t len);
/* Writes and fdatasyncs the pending batch. 0 ok, -1 I/O error (fatal). */
int zk_log_sync(void);
bool zk_log_pending(void);
/* Replays every record after zxid `after` from the logs in dir. Truncates
 * a torn tail. Returns the number applied, or -1. */
long zk_log_recover(const char *dir, int64_t after);
void zk_log_roll(void); /* the next record starts a new log.<zxid> */
void zk_log_close(void);
/* Scans one log file image: calls fn for every whole, valid record and
 * returns the byte offset where the valid prefix ends. */
size_t zk_log_scan(const uint8_t *p, size_t len, void (*fn)(const uint8_t *rec, size_t n, void *arg),
                   void *arg);
#define ZK_LOG_HEADER_SIZE 16

typedef struct zk_named {
    int64_t zxid;
    char name[64];
} zk_named;
/* Files "<prefix><hex zxid>" in dir (malloc'd array), sorted by zxid ascending. */
int zk_list_files(const char *dir, const char *prefix, zk_named **out);

int zk_snap_write(const char *dir); /* snapshot.<hex lastZxid> of the current state */
/* Loads the newest valid snapshot into the server state; returns its zxid,
 * or -1 when there is none. */
int64_t zk_snap_load(const char *dir);
/* Serializes / deserializes the state (tests use these directly). */
void zk_snap_serialize(wbuf *wb);
int zk_snap_deserialize(const uint8_t *p, size_t len);
void zk_purge(const char *snap_dir, const char *log_dir, int retain);

/* ------------------------------------------------------------------------
 * Connections and the server (server.c, fourlw.c)
 * ---------------------------------------------------------------------- */
typedef struct zk_conn {
    int fd;
    uint64_t id;
    char ip[64];
    int port;
    uint8_t *in;
    size_t in_len, in_cap;
    wbuf out;
    size_t out_off;
    bool handshaken, closing, is_4lw, readonly_flag, write_handler;
    zk_session *sess;
    zk_authid *auth;
    int nauth;
    size_t auth_cap; /* elements allocated at auth (array.h) */
    int nwatches;
    /* stats for cons/stat */
    int64_t recved, sent, established_ms, last_resp_ms, last_latency, min_lat, max_lat, total_lat,
        nlat;
    int64_t first_unanswered_ms; /* monotonic receive time of the oldest unsent reply */
    int32_t last_cxid;
    int64_t last_zxid;
    const char *last_op;
    /* ensemble */
    struct zk_fwd { int32_t xid, type; char *path; } *fwd; /* forwarded, unanswered requests */
    int nfwd, fwd_cap;
    int64_t pending_sid;  /* follower: createSession forwarded, handshake unanswered */
    int32_t pending_to;
    int64_t revalidate_sid; /* follower: reconnect to a session not known here yet; a sync
                               through the leader is out, the handshake unanswered */
    uint8_t revalidate_pw[16];
    bool revalidate_pw_ok; /* the client sent a 16-byte password */
    bool has_ro;
    struct zk_bar { size_t off; int64_t zxid; } *bar; /* leader: output held until zxid commits */
    int bar_head, nbar, bar_cap;
    struct zk_conn *next, *prev;
} zk_conn;

typedef struct zk_server {
    zk_config cfg;
    aeEventLoop *el;
    int listen_fd;
    zk_tree tree;
    zk_sessions sessions;
    int64_t last_zxid;          /* last applied */
    int64_t txns_since_snap;
    char snap_dir[1100], log_dir[1100];
    zk_conn *conns;
    int nconns;
    uint64_t next_conn_id;
    int64_t started_ms;
    int64_t packets_received, packets_sent;
    int64_t min_lat, max_lat, total_lat, nlat;
    int64_t last_purge_ms, last_container_ms;
    volatile int stop_requested;
    bool recovering;
    /* ensemble (quorum.c) */
    int role;                /* ZK_ROLE_* */
    bool serving;            /* part of a quorum and caught up: clients are served */
    int64_t committed_zxid;  /* leader: highest zxid a quorum has on disk */
    void (*on_replay)(const uint8_t *rec, size_t len); /* recovery hook */
} zk_server;

enum { ZK_ROLE_STANDALONE = 0, ZK_ROLE_LOOKING, ZK_ROLE_FOLLOWING, ZK_ROLE_LEADING };

extern zk_server Z; /* the one server of this process */

void zk_conn_send_frame(zk_conn *c, const wbuf *body); /* queues length + body */
zk_conn *zk_conn_by_id(uint64_t id);
void zk_conn_notify(zk_conn *c, int event, const char *path, size_t len);
/* heap.c: KAFKA_HEAP_OPTS. zk_heap_init reads and logs it (-1 with a
 * message naming a malformed value); zk_heap_check (periodic) warns while
 * the tree nears the limit, zk_heap_warning says so for mntr (else NULL). */
int zk_heap_init(char *err, size_t errlen);
void zk_heap_check(void);
const char *zk_heap_warning(void);
int64_t zk_tree_memory(const zk_tree *t); /* estimated bytes the tree holds */

int zk_server_init(void);  /* after Z.cfg is set: recover, listen */
void zk_server_run(void);
/* Serves a connected, non-blocking socket as a client connection (the
 * accept path; the fuzzers hand over one end of a socketpair). Returns 0,
 * or -1 with fd closed. */
int zk_server_adopt(int fd, const char *ip, int port);
/* The before-sleep step: sync the log (group commit), snapshot if due,
 * then write out every connection's queued output. */
void zk_server_flush(void);
void zk_server_shutdown(void);

/* Four-letter words: if the first 4 of the len (>= 4) bytes received are a
 * known word, appends its answer to c->out and returns true (stmk takes
 * its argument, an int64, from the 8 bytes after the word). */
bool zk_4lw_handle(zk_conn *c, const uint8_t *in, size_t len);
/* server.c services for the ensemble */
zk_results *zk_server_commit(const wbuf *rec); /* log (+ propose) + apply */
void zk_server_reply_write(zk_conn *c, int32_t xid, int32_t type, int rc, const int32_t *errs,
                           int32_t nerrs, const zk_results *res);
void zk_server_reply_err(zk_conn *c, int32_t xid, int32_t err);
void zk_server_reply_sync(zk_conn *c, int32_t xid, const char *path);
void zk_server_finish_connect(zk_conn *c); /* the forwarded createSession committed */
/* The sync sent for a reconnect (revalidate_sid) is applied here: this
 * server now knows every session the leader knew when it answered. */
void zk_server_finish_revalidate(zk_conn *c);
void zk_server_close_clients(void);        /* this server stops serving */
void zk_conn_resume(zk_conn *c);           /* handles input held behind a forwarded request */

/* ------------------------------------------------------------------------
 * The ensemble (quorum.c; see ENSEMBLE.md)
 * ---------------------------------------------------------------------- */
int zk_quorum_init(void);          /* after recovery, when server.N lines exist */
void zk_quorum_pre_recover(int64_t snap_zxid); /* before recovery: collect the history */
void zk_quorum_after_sync(void);   /* before-sleep, after the log fdatasync */
void zk_quorum_proposed(const uint8_t *rec, size_t len); /* leader: a new txn */
/* follower: sends a client's request (header already read) to the leader */
void zk_quorum_forward(zk_conn *c, int32_t xid, int32_t type, const uint8_t *body, size_t len);
void zk_quorum_shutdown(void);
const char *zk_quorum_mode(void);  /* "leader", "follower", "observer", ... */
/* leader: learners connected; synced followers (voters) and observers */
int zk_quorum_followers(int *synced, int *synced_observers);
/* A reconfig txn was applied (live or in recovery): /zookeeper/config now
 * holds config; the ensemble adopts it (a leader once it is committed). */
void zk_quorum_config_applied(int64_t zxid, const char *config, size_t len);
/* Leader: checks a reconfig request as ZooKeeper's PrepRequestProcessor
 * does and encodes its txn into out. ZOK or the error to answer. */
int zk_quorum_reconfig(const jute_req *r, int64_t sid, int32_t cxid, wbuf *out);
/* Sets /zookeeper/config to the current membership (outside any txn). */
void zk_quorum_publish_config(void);

/* The highest epoch (election term): a zxid is epoch << 32 | counter in a
 * signed 64-bit integer, as ZooKeeper's ZxidUtils.makeZxid. */
#define ZK_MAX_EPOCH INT32_MAX

/* Peer messages (our own protocol): frame = uint32 length, uint8 type, body.
 * A term outside 0..ZK_MAX_EPOCH makes a message malformed. */
enum { ZK_PM_VOTE_REQ = 1, ZK_PM_VOTE_RESP, ZK_PM_FINFO, ZK_PM_LINFO, ZK_PM_PROPOSAL,
       ZK_PM_COMMIT, ZK_PM_ACK, ZK_PM_REQUEST };
#define ZK_PM_MAX_IDS 32
typedef struct zk_peer_msg {
    int type;
    int8_t flag;              /* VOTE_*: pre-vote; VOTE_RESP: granted (bit 1); LINFO: 1 = snapshot */
    int32_t id, leader_id;    /* sender; VOTE_RESP: the leader it follows (0 = none) */
    int64_t term, zxid, leader_term;
    int64_t sid;              /* REQUEST */
    int32_t cxid, optype, nids;
    kstr ids[ZK_PM_MAX_IDS][2];
    int32_t nsids;            /* ACK: sessions alive on the follower */
    const uint8_t *sids;      /* nsids x int64 */
    const uint8_t *data;      /* PROPOSAL record, LINFO snapshot, REQUEST body */
    size_t dlen;
} zk_peer_msg;
/* Decodes one frame body (type byte first). 0, or -1 when malformed. */
int zk_peer_decode(const uint8_t *p, size_t len, zk_peer_msg *m);
bool zk_4lw_is_word(const uint8_t word[4]);
int64_t zk_dir_size(const char *dir);

#endif
